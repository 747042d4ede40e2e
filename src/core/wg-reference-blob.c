/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The binary reference (wg-reference-blob.h), written from the loaded
 * model: what it holds has passed the loader's checks once.
 *
 * Measured on the generated city (100 streets): json-glib's parse of the
 * 15.7 MB bundle and the freeing of its trees were two thirds of a
 * console's cold start; the grids and forces are most of those trees.
 */
#define G_LOG_DOMAIN "wg-reference-blob"

#include "config.h"

#include "wg-reference-blob.h"

/* The rings, closed again (the model keeps them open). */
static GVariant *
outline (WgGeoShape *shape)
{
  GVariantBuilder rings;

  g_variant_builder_init (&rings, G_VARIANT_TYPE ("a(bad)"));
  for (guint r = 0; r < wg_geo_shape_get_n_rings (shape); r++)
    {
      guint n_points;
      gboolean is_hole;
      const WgGeoPoint *points = wg_geo_shape_get_ring (shape, r, &n_points, &is_hole);
      g_autofree double *coords = g_new (double, 2 * (n_points + 1));

      for (guint k = 0; k <= n_points; k++)
        {
          coords[2 * k] = points[k % n_points].lon;
          coords[2 * k + 1] = points[k % n_points].lat;
        }
      g_variant_builder_add (&rings, "(b@ad)", is_hole,
                             g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, coords, 2 * (n_points + 1),
                                                        sizeof (double)));
    }
  return g_variant_builder_end (&rings);
}

static GVariant *
grid_record (WgGrid *g)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) responsible = NULL;

  for (guint k = 0; k < g->responsible->len; k++)
    g_strv_builder_add (ids, ((WgForce *) g_ptr_array_index (g->responsible, k))->id);
  responsible = g_strv_builder_end (ids);
  return g_variant_new ("(ssmsmsmsmsuuu^as)", g->code, g->name_zh, g->name_en, g->kind,
                        g->parent != NULL ? g->parent->code : NULL, g->case_prefix, g->level, g->households,
                        g->volunteers, responsible);
}

static GVariant *
force_record (WgForce *f)
{
  const char *const none[] = { NULL };

  return g_variant_new ("(ssmssmsssddu^asmsmsms)", f->id, wg_force_type_to_slug (f->type), f->sub_kind,
                        f->name_zh, f->title_zh, f->account, wg_speed_class_to_slug (f->speed), f->lat, f->lon,
                        f->members, f->capabilities != NULL ? (const char *const *) f->capabilities : none,
                        f->grid != NULL ? f->grid->code : NULL, f->station != NULL ? f->station->code : NULL,
                        f->department != NULL ? f->department->code : NULL);
}

GBytes *
wg_reference_blob_build (WgReference *reference,
                         JsonObject  *bundle)
{
  g_autoptr(GList) members = NULL;
  g_autoptr(GVariant) blob = NULL;
  GVariantBuilder texts, grids, outlines, forces;
  GPtrArray *all;

  g_return_val_if_fail (WG_IS_REFERENCE (reference), NULL);
  g_return_val_if_fail (bundle != NULL, NULL);

  g_variant_builder_init (&texts, G_VARIANT_TYPE ("a{ss}"));
  members = json_object_get_members (bundle);
  for (GList *l = members; l != NULL; l = l->next)
    if (!g_str_equal (l->data, "grids") && !g_str_equal (l->data, "forces"))
      {
        g_autofree char *text = json_to_string (json_object_get_member (bundle, l->data), FALSE);

        g_variant_builder_add (&texts, "{ss}", l->data, text);
      }

  g_variant_builder_init (&grids, G_VARIANT_TYPE ("a" WG_REFERENCE_BLOB_GRID));
  g_variant_builder_init (&outlines, G_VARIANT_TYPE ("aa(bad)"));
  all = wg_reference_get_grids (reference);
  for (guint i = 0; i < all->len; i++)
    {
      WgGrid *g = g_ptr_array_index (all, i);

      g_variant_builder_add_value (&grids, grid_record (g));
      g_variant_builder_add_value (&outlines, outline (g->shape));
    }
  g_variant_builder_init (&forces, G_VARIANT_TYPE ("a" WG_REFERENCE_BLOB_FORCE));
  all = wg_reference_get_forces (reference);
  for (guint i = 0; i < all->len; i++)
    g_variant_builder_add_value (&forces, force_record (g_ptr_array_index (all, i)));

  blob = g_variant_ref_sink (g_variant_new ("(y@a{ss}@a" WG_REFERENCE_BLOB_GRID "@aa(bad)@a" WG_REFERENCE_BLOB_FORCE ")",
                                            G_BYTE_ORDER == G_LITTLE_ENDIAN ? 'l' : 'B',
                                            g_variant_builder_end (&texts), g_variant_builder_end (&grids),
                                            g_variant_builder_end (&outlines), g_variant_builder_end (&forces)));
  return g_variant_get_data_as_bytes (blob);
}
