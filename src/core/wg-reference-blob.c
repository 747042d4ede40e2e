/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The binary reference (wg-reference-blob.h).
 *
 * Measured on the generated city (100 streets): json-glib's parse of the
 * 15.7 MB bundle and the freeing of its trees were two thirds of a
 * console's cold start; the grid outlines are the bulk of those trees.
 */
#define G_LOG_DOMAIN "wg-reference-blob"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-reference-blob.h"
#include "wg-reference.h"

static char *
member_text (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

/* One ring's positions as lon, lat doubles. */
static gboolean
add_ring (GVariantBuilder *rings,
          JsonNode        *ring,
          gboolean         is_hole,
          GError         **error)
{
  g_autoptr(GArray) coords = g_array_new (FALSE, FALSE, sizeof (double));
  JsonArray *positions;

  if (!JSON_NODE_HOLDS_ARRAY (ring))
    goto invalid;
  positions = json_node_get_array (ring);
  for (guint k = 0; k < json_array_get_length (positions); k++)
    {
      JsonNode *position = json_array_get_element (positions, k);
      JsonArray *pair;

      if (!JSON_NODE_HOLDS_ARRAY (position) || json_array_get_length (pair = json_node_get_array (position)) < 2)
        goto invalid;
      for (guint c = 0; c < 2; c++)
        {
          double value = json_array_get_double_element (pair, c);

          g_array_append_val (coords, value);
        }
    }
  g_variant_builder_add (rings, "(b@ad)", is_hole,
                         g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, coords->data, coords->len,
                                                    sizeof (double)));
  return TRUE;

invalid:
  g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_GEOMETRY, "%s",
               _("a ring is not an array of [lon, lat] positions"));
  return FALSE;
}

static gboolean
add_polygon (GVariantBuilder *rings,
             JsonNode        *polygon,
             GError         **error)
{
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (polygon))
    {
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_GEOMETRY, "%s",
                   _("a polygon is not an array of rings"));
      return FALSE;
    }
  array = json_node_get_array (polygon);
  for (guint r = 0; r < json_array_get_length (array); r++)
    if (!add_ring (rings, json_array_get_element (array, r), r > 0, error))
      return FALSE;
  return TRUE;
}

/* A feature's geometry as its rings; the feature's copy without it. */
static gboolean
split_feature (JsonObject       *feature,
               GVariantBuilder  *geometries,
               JsonArray        *features,
               GError          **error)
{
  JsonObject *geometry = json_object_get_object_member (feature, "geometry");
  g_autoptr(JsonObject) copy = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (feature);
  GVariantBuilder rings;
  const char *type;
  JsonNode *coordinates;

  if (geometry == NULL ||
      (type = json_object_get_string_member_with_default (geometry, "type", NULL)) == NULL ||
      (coordinates = json_object_get_member (geometry, "coordinates")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (coordinates))
    {
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_GEOMETRY, "%s",
                   _("a grid has no Polygon or MultiPolygon geometry"));
      return FALSE;
    }
  g_variant_builder_init (&rings, G_VARIANT_TYPE ("a(bad)"));
  if (g_str_equal (type, "Polygon"))
    {
      if (!add_polygon (&rings, coordinates, error))
        goto failed;
    }
  else if (g_str_equal (type, "MultiPolygon"))
    {
      JsonArray *polygons = json_node_get_array (coordinates);

      for (guint p = 0; p < json_array_get_length (polygons); p++)
        if (!add_polygon (&rings, json_array_get_element (polygons, p), error))
          goto failed;
    }
  else
    {
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_GEOMETRY,
                   _("geometry type \"%s\" is not Polygon or MultiPolygon"), type);
      goto failed;
    }
  g_variant_builder_add_value (geometries, g_variant_builder_end (&rings));

  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "geometry"))
      json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (feature, l->data)));
  json_array_add_object_element (features, g_steal_pointer (&copy));
  return TRUE;

failed:
  g_variant_builder_clear (&rings);
  return FALSE;
}

/* The grids member without its outlines, and the outlines. */
static char *
split_grids (JsonNode         *grids,
             GVariantBuilder  *geometries,
             GError          **error)
{
  g_autoptr(JsonNode) stripped = NULL;
  g_autoptr(JsonObject) copy = json_object_new ();
  g_autoptr(GList) members = NULL;
  JsonArray *features;
  JsonArray *kept;

  if (!JSON_NODE_HOLDS_OBJECT (grids) ||
      (features = json_object_get_array_member (json_node_get_object (grids), "features")) == NULL)
    {
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_INVALID, "%s",
                   _("the grids are not a FeatureCollection"));
      return NULL;
    }
  members = json_object_get_members (json_node_get_object (grids));
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "features"))
      json_object_set_member (copy, l->data,
                              json_node_copy (json_object_get_member (json_node_get_object (grids), l->data)));
  kept = json_array_sized_new (json_array_get_length (features));
  json_object_set_array_member (copy, "features", kept);
  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonNode *feature = json_array_get_element (features, i);

      if (!JSON_NODE_HOLDS_OBJECT (feature))
        {
          g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_INVALID, "%s",
                       _("a grid feature is not an object"));
          return NULL;
        }
      if (!split_feature (json_node_get_object (feature), geometries, kept, error))
        return NULL;
    }
  stripped = json_node_init_object (json_node_alloc (), copy);
  return member_text (stripped);
}

GBytes *
wg_reference_blob_build (JsonObject  *bundle,
                         GError     **error)
{
  g_autoptr(GList) members = NULL;
  g_autoptr(GVariant) blob = NULL;
  GVariantBuilder texts, geometries;
  gboolean have_grids = FALSE;

  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_variant_builder_init (&texts, G_VARIANT_TYPE ("a{ss}"));
  g_variant_builder_init (&geometries, G_VARIANT_TYPE ("aa(bad)"));
  members = json_object_get_members (bundle);
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *node = json_object_get_member (bundle, l->data);
      g_autofree char *text = NULL;

      if (g_str_equal (l->data, "grids"))
        {
          text = split_grids (node, &geometries, error);
          if (text == NULL)
            {
              g_variant_builder_clear (&texts);
              g_variant_builder_clear (&geometries);
              return NULL;
            }
          have_grids = TRUE;
        }
      else
        text = member_text (node);
      g_variant_builder_add (&texts, "{ss}", l->data, text);
    }
  if (!have_grids)
    {
      g_variant_builder_clear (&texts);
      g_variant_builder_clear (&geometries);
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_IO, "%s",
                   _("the bundle has no grids"));
      return NULL;
    }
  blob = g_variant_ref_sink (g_variant_new ("(y@a{ss}@aa(bad))",
                                            G_BYTE_ORDER == G_LITTLE_ENDIAN ? 'l' : 'B',
                                            g_variant_builder_end (&texts),
                                            g_variant_builder_end (&geometries)));
  return g_variant_get_data_as_bytes (blob);
}
