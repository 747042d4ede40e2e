/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The binary reference (wg-reference-blob.h): written from the loaded
 * model (what it holds has passed the loader's checks once), and opened
 * for reading with its layout checked, so that the loader reads columns
 * by index without a check of its own on each.
 *
 * Measured on the generated city (100 streets): json-glib's parse of the
 * 15.7 MB bundle and the freeing of its trees were two thirds of a
 * console's cold start; the grids and forces are most of those trees.
 * As GVariant records (the layout's version 1), g_variant_get() on each
 * record's fields was some 45% of the blob's load.
 */
#define G_LOG_DOMAIN "wg-reference-blob"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "wg-reference-blob.h"

/* For messages: the columns as a person reading docs/api.md knows them. */
static const char *const column_names[WG_REFERENCE_BLOB_N_COLUMNS] = {
  "grid_code", "grid_name_zh", "grid_name_en", "grid_kind", "grid_parent", "grid_case_prefix", "grid_level",
  "grid_households", "grid_volunteers", "grid_responsible_start", "responsible", "grid_ring_start", "ring_hole",
  "ring_point_start", "force_id", "force_type", "force_sub_kind", "force_name_zh", "force_title_zh",
  "force_account", "force_speed", "force_members", "force_capability_start", "capability", "force_grid",
  "force_station", "force_department",
};

static const char *const double_names[WG_REFERENCE_BLOB_N_DOUBLES] = {
  "ring_coords", "force_lat", "force_lon",
};

/* ------------------------------------------------------------ writing */

typedef struct
{
  GArray     *column[WG_REFERENCE_BLOB_N_COLUMNS];   /* guint32 */
  GArray     *doubles[WG_REFERENCE_BLOB_N_DOUBLES];  /* double */
  GByteArray *texts;
  GHashTable *text_values;                           /* text -> 1 + index */
} Writer;

static void
put (Writer                *w,
     WgReferenceBlobColumn  column,
     guint32                value)
{
  g_array_append_val (w->column[column], value);
}

static void
put_double (Writer                 *w,
            WgReferenceBlobDoubles  column,
            double                  value)
{
  g_array_append_val (w->doubles[column], value);
}

/* Each text once: a city's forces repeat a few types, speeds and codes. */
static void
put_text (Writer                *w,
          WgReferenceBlobColumn  column,
          const char            *text)
{
  gpointer value;

  if (text == NULL)
    {
      put (w, column, 0);
      return;
    }
  if (!g_hash_table_lookup_extended (w->text_values, text, NULL, &value))
    {
      value = GUINT_TO_POINTER (g_hash_table_size (w->text_values) + 1);
      g_hash_table_insert (w->text_values, (gpointer) text, value);
      g_byte_array_append (w->texts, (const guint8 *) text, strlen (text) + 1);
    }
  put (w, column, GPOINTER_TO_UINT (value));
}

/* The rings, closed again (the model keeps them open). */
static void
put_outline (Writer     *w,
             WgGeoShape *shape)
{
  for (guint r = 0; r < wg_geo_shape_get_n_rings (shape); r++)
    {
      guint n_points;
      gboolean is_hole;
      const WgGeoPoint *points = wg_geo_shape_get_ring (shape, r, &n_points, &is_hole);

      put (w, WG_REFERENCE_BLOB_RING_HOLE, is_hole ? 1 : 0);
      for (guint k = 0; k <= n_points; k++)
        {
          put_double (w, WG_REFERENCE_BLOB_RING_COORDS, points[k % n_points].lon);
          put_double (w, WG_REFERENCE_BLOB_RING_COORDS, points[k % n_points].lat);
        }
      put (w, WG_REFERENCE_BLOB_RING_POINT_START, w->doubles[WG_REFERENCE_BLOB_RING_COORDS]->len / 2);
    }
}

static void
put_grid (Writer *w,
          WgGrid *g)
{
  put_text (w, WG_REFERENCE_BLOB_GRID_CODE, g->code);
  put_text (w, WG_REFERENCE_BLOB_GRID_NAME_ZH, g->name_zh);
  put_text (w, WG_REFERENCE_BLOB_GRID_NAME_EN, g->name_en);
  put_text (w, WG_REFERENCE_BLOB_GRID_KIND, g->kind);
  put_text (w, WG_REFERENCE_BLOB_GRID_PARENT, g->parent != NULL ? g->parent->code : NULL);
  put_text (w, WG_REFERENCE_BLOB_GRID_CASE_PREFIX, g->case_prefix);
  put (w, WG_REFERENCE_BLOB_GRID_LEVEL, g->level);
  put (w, WG_REFERENCE_BLOB_GRID_HOUSEHOLDS, g->households);
  put (w, WG_REFERENCE_BLOB_GRID_VOLUNTEERS, g->volunteers);
  for (guint k = 0; k < g->responsible->len; k++)
    put_text (w, WG_REFERENCE_BLOB_RESPONSIBLE, ((WgForce *) g_ptr_array_index (g->responsible, k))->id);
  put (w, WG_REFERENCE_BLOB_GRID_RESPONSIBLE_START, w->column[WG_REFERENCE_BLOB_RESPONSIBLE]->len);
  put_outline (w, g->shape);
  put (w, WG_REFERENCE_BLOB_GRID_RING_START, w->column[WG_REFERENCE_BLOB_RING_HOLE]->len);
}

static void
put_force (Writer  *w,
           WgForce *f)
{
  put_text (w, WG_REFERENCE_BLOB_FORCE_ID, f->id);
  put_text (w, WG_REFERENCE_BLOB_FORCE_TYPE, wg_force_type_to_slug (f->type));
  put_text (w, WG_REFERENCE_BLOB_FORCE_SUB_KIND, f->sub_kind);
  put_text (w, WG_REFERENCE_BLOB_FORCE_NAME_ZH, f->name_zh);
  put_text (w, WG_REFERENCE_BLOB_FORCE_TITLE_ZH, f->title_zh);
  put_text (w, WG_REFERENCE_BLOB_FORCE_ACCOUNT, f->account);
  put_text (w, WG_REFERENCE_BLOB_FORCE_SPEED, wg_speed_class_to_slug (f->speed));
  put (w, WG_REFERENCE_BLOB_FORCE_MEMBERS, f->members);
  for (guint k = 0; f->capabilities != NULL && f->capabilities[k] != NULL; k++)
    put_text (w, WG_REFERENCE_BLOB_CAPABILITY, f->capabilities[k]);
  put (w, WG_REFERENCE_BLOB_FORCE_CAPABILITY_START, w->column[WG_REFERENCE_BLOB_CAPABILITY]->len);
  put_text (w, WG_REFERENCE_BLOB_FORCE_GRID, f->grid != NULL ? f->grid->code : NULL);
  put_text (w, WG_REFERENCE_BLOB_FORCE_STATION, f->station != NULL ? f->station->code : NULL);
  put_text (w, WG_REFERENCE_BLOB_FORCE_DEPARTMENT, f->department != NULL ? f->department->code : NULL);
  put_double (w, WG_REFERENCE_BLOB_FORCE_LAT, f->lat);
  put_double (w, WG_REFERENCE_BLOB_FORCE_LON, f->lon);
}

GBytes *
wg_reference_blob_build (WgReference *reference,
                         JsonObject  *bundle)
{
  g_autoptr(GList) members = NULL;
  g_autoptr(GVariant) blob = NULL;
  GVariantBuilder texts, columns, doubles;
  GPtrArray *all;
  Writer w;

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

  for (guint c = 0; c < WG_REFERENCE_BLOB_N_COLUMNS; c++)
    w.column[c] = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (guint c = 0; c < WG_REFERENCE_BLOB_N_DOUBLES; c++)
    w.doubles[c] = g_array_new (FALSE, FALSE, sizeof (double));
  w.texts = g_byte_array_new ();
  w.text_values = g_hash_table_new (g_str_hash, g_str_equal);
  put (&w, WG_REFERENCE_BLOB_GRID_RESPONSIBLE_START, 0);
  put (&w, WG_REFERENCE_BLOB_GRID_RING_START, 0);
  put (&w, WG_REFERENCE_BLOB_RING_POINT_START, 0);
  put (&w, WG_REFERENCE_BLOB_FORCE_CAPABILITY_START, 0);

  all = wg_reference_get_grids (reference);
  for (guint i = 0; i < all->len; i++)
    put_grid (&w, g_ptr_array_index (all, i));
  all = wg_reference_get_forces (reference);
  for (guint i = 0; i < all->len; i++)
    put_force (&w, g_ptr_array_index (all, i));

  g_variant_builder_init (&columns, G_VARIANT_TYPE ("aau"));
  for (guint c = 0; c < WG_REFERENCE_BLOB_N_COLUMNS; c++)
    {
      g_variant_builder_add_value (&columns, g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, w.column[c]->data,
                                                                        w.column[c]->len, sizeof (guint32)));
      g_array_unref (w.column[c]);
    }
  g_variant_builder_init (&doubles, G_VARIANT_TYPE ("aad"));
  for (guint c = 0; c < WG_REFERENCE_BLOB_N_DOUBLES; c++)
    {
      g_variant_builder_add_value (&doubles, g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, w.doubles[c]->data,
                                                                        w.doubles[c]->len, sizeof (double)));
      g_array_unref (w.doubles[c]);
    }
  blob = g_variant_ref_sink (g_variant_new ("(yy@a{ss}@ay@aau@aad)",
                                            G_BYTE_ORDER == G_LITTLE_ENDIAN ? 'l' : 'B', WG_REFERENCE_BLOB_VERSION,
                                            g_variant_builder_end (&texts),
                                            g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, w.texts->data,
                                                                       w.texts->len, 1),
                                            g_variant_builder_end (&columns), g_variant_builder_end (&doubles)));
  g_byte_array_unref (w.texts);
  g_hash_table_unref (w.text_values);
  return g_variant_get_data_as_bytes (blob);
}

/* ------------------------------------------------------------ reading */

static gboolean
fail_column (GError     **error,
             const char  *column,
             const char  *problem)
{
  g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE, _("binary reference column \"%s\": %s"), column,
               problem);
  return FALSE;
}

static gboolean
check_length (WgReferenceBlob        *self,
              WgReferenceBlobColumn   column,
              gsize                   expected,
              GError                **error)
{
  g_autofree char *problem = NULL;

  if (self->n_column[column] == expected)
    return TRUE;
  problem = g_strdup_printf (_("%u values, expected %u"), (guint) self->n_column[column], (guint) expected);
  return fail_column (error, column_names[column], problem);
}

/* @starts (one value per row and one more) cuts @target into runs. */
static gboolean
check_starts (WgReferenceBlob        *self,
              WgReferenceBlobColumn   starts,
              gsize                   n_rows,
              gsize                   target_length,
              GError                **error)
{
  const guint32 *s = self->column[starts];

  if (!check_length (self, starts, n_rows + 1, error))
    return FALSE;
  for (gsize i = 0; i < n_rows; i++)
    if (s[i] > s[i + 1])
      return fail_column (error, column_names[starts], _("a run ends before it starts"));
  if (s[0] != 0 || s[n_rows] != target_length)
    return fail_column (error, column_names[starts], _("its runs do not cover the column they cut"));
  return TRUE;
}

static gboolean
check_texts (WgReferenceBlob        *self,
             WgReferenceBlobColumn   column,
             GError                 **error)
{
  for (gsize i = 0; i < self->n_column[column]; i++)
    if (self->column[column][i] >= self->n_texts)
      {
        g_autofree char *problem = g_strdup_printf (_("text %u named, of %u"), self->column[column][i],
                                                    self->n_texts - 1);

        return fail_column (error, column_names[column], problem);
      }
  return TRUE;
}

/* The table's texts, each checked as a GVariant string would be. */
static gboolean
split_texts (WgReferenceBlob  *self,
             GError          **error)
{
  g_autoptr(GVariant) table = g_variant_get_child_value (self->variant, 3);
  g_autoptr(GPtrArray) texts = g_ptr_array_new ();
  gsize size;
  const char *data = g_variant_get_fixed_array (table, &size, 1);
  const char *end = data + size;

  g_ptr_array_add (texts, NULL);
  for (const char *p = data; p < end;)
    {
      const char *nul = memchr (p, '\0', end - p);

      if (nul == NULL || !g_utf8_validate (p, nul - p, NULL))
        {
          g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE,
                       _("binary reference text %u is not UTF-8 ended by a NUL"), texts->len);
          return FALSE;
        }
      g_ptr_array_add (texts, (gpointer) p);
      p = nul + 1;
    }
  self->n_texts = texts->len;
  self->texts = (const char **) g_ptr_array_free (g_steal_pointer (&texts), FALSE);
  return TRUE;
}

static gboolean
check_layout (WgReferenceBlob  *self,
              GError          **error)
{
  static const WgReferenceBlobColumn grid_columns[] = {
    WG_REFERENCE_BLOB_GRID_NAME_ZH, WG_REFERENCE_BLOB_GRID_NAME_EN, WG_REFERENCE_BLOB_GRID_KIND,
    WG_REFERENCE_BLOB_GRID_PARENT, WG_REFERENCE_BLOB_GRID_CASE_PREFIX, WG_REFERENCE_BLOB_GRID_LEVEL,
    WG_REFERENCE_BLOB_GRID_HOUSEHOLDS, WG_REFERENCE_BLOB_GRID_VOLUNTEERS,
  };
  static const WgReferenceBlobColumn force_columns[] = {
    WG_REFERENCE_BLOB_FORCE_TYPE, WG_REFERENCE_BLOB_FORCE_SUB_KIND, WG_REFERENCE_BLOB_FORCE_NAME_ZH,
    WG_REFERENCE_BLOB_FORCE_TITLE_ZH, WG_REFERENCE_BLOB_FORCE_ACCOUNT, WG_REFERENCE_BLOB_FORCE_SPEED,
    WG_REFERENCE_BLOB_FORCE_MEMBERS, WG_REFERENCE_BLOB_FORCE_GRID, WG_REFERENCE_BLOB_FORCE_STATION,
    WG_REFERENCE_BLOB_FORCE_DEPARTMENT,
  };
  static const WgReferenceBlobColumn text_columns[] = {
    WG_REFERENCE_BLOB_GRID_CODE, WG_REFERENCE_BLOB_GRID_NAME_ZH, WG_REFERENCE_BLOB_GRID_NAME_EN,
    WG_REFERENCE_BLOB_GRID_KIND, WG_REFERENCE_BLOB_GRID_PARENT, WG_REFERENCE_BLOB_GRID_CASE_PREFIX,
    WG_REFERENCE_BLOB_RESPONSIBLE, WG_REFERENCE_BLOB_FORCE_ID, WG_REFERENCE_BLOB_FORCE_TYPE,
    WG_REFERENCE_BLOB_FORCE_SUB_KIND, WG_REFERENCE_BLOB_FORCE_NAME_ZH, WG_REFERENCE_BLOB_FORCE_TITLE_ZH,
    WG_REFERENCE_BLOB_FORCE_ACCOUNT, WG_REFERENCE_BLOB_FORCE_SPEED, WG_REFERENCE_BLOB_CAPABILITY,
    WG_REFERENCE_BLOB_FORCE_GRID, WG_REFERENCE_BLOB_FORCE_STATION, WG_REFERENCE_BLOB_FORCE_DEPARTMENT,
  };
  gsize n_grids = self->n_column[WG_REFERENCE_BLOB_GRID_CODE];
  gsize n_rings = self->n_column[WG_REFERENCE_BLOB_RING_HOLE];
  gsize n_forces = self->n_column[WG_REFERENCE_BLOB_FORCE_ID];
  gsize n_coords = self->n_doubles[WG_REFERENCE_BLOB_RING_COORDS];

  /* Counted in guint32 starts: a larger table cannot be cut. */
  if (n_grids >= G_MAXUINT32 || n_rings >= G_MAXUINT32 || n_forces >= G_MAXUINT32 || n_coords >= G_MAXUINT32)
    {
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE, "%s",
                   _("not a binary reference (wrong type, byte order mark or layout)"));
      return FALSE;
    }
  for (guint c = 0; c < G_N_ELEMENTS (grid_columns); c++)
    if (!check_length (self, grid_columns[c], n_grids, error))
      return FALSE;
  for (guint c = 0; c < G_N_ELEMENTS (force_columns); c++)
    if (!check_length (self, force_columns[c], n_forces, error))
      return FALSE;
  if (!check_starts (self, WG_REFERENCE_BLOB_GRID_RESPONSIBLE_START, n_grids,
                     self->n_column[WG_REFERENCE_BLOB_RESPONSIBLE], error) ||
      !check_starts (self, WG_REFERENCE_BLOB_GRID_RING_START, n_grids, n_rings, error) ||
      !check_starts (self, WG_REFERENCE_BLOB_RING_POINT_START, n_rings, n_coords / 2, error) ||
      !check_starts (self, WG_REFERENCE_BLOB_FORCE_CAPABILITY_START, n_forces,
                     self->n_column[WG_REFERENCE_BLOB_CAPABILITY], error))
    return FALSE;
  if (n_coords % 2 != 0)
    return fail_column (error, double_names[WG_REFERENCE_BLOB_RING_COORDS], _("an odd number of values"));
  for (guint c = WG_REFERENCE_BLOB_FORCE_LAT; c <= WG_REFERENCE_BLOB_FORCE_LON; c++)
    if (self->n_doubles[c] != n_forces)
      {
        g_autofree char *problem = g_strdup_printf (_("%u values, expected %u"), (guint) self->n_doubles[c],
                                                    (guint) n_forces);

        return fail_column (error, double_names[c], problem);
      }
  for (gsize r = 0; r < n_rings; r++)
    if (self->column[WG_REFERENCE_BLOB_RING_HOLE][r] > 1)
      return fail_column (error, column_names[WG_REFERENCE_BLOB_RING_HOLE], _("a value other than 0 or 1"));
  for (guint c = 0; c < G_N_ELEMENTS (text_columns); c++)
    if (!check_texts (self, text_columns[c], error))
      return FALSE;

  self->n_grids = n_grids;
  self->n_rings = n_rings;
  self->n_forces = n_forces;
  return TRUE;
}

/* g_variant_is_normal_form() of @container, given that its children are
 * normal: the container's framing is, when serialising the children
 * again gives its bytes back (normal form is the one serialisation). */
static gboolean
same_when_rebuilt (GVariant *container)
{
  gsize n = g_variant_n_children (container);
  g_autofree GVariant **children = g_new (GVariant *, MAX (n, 1));
  g_autoptr(GVariant) rebuilt = NULL;
  g_autofree guint8 *bytes = NULL;
  gsize size;

  for (gsize i = 0; i < n; i++)
    children[i] = g_variant_get_child_value (container, i);
  if (g_variant_is_of_type (container, G_VARIANT_TYPE_TUPLE))
    rebuilt = g_variant_ref_sink (g_variant_new_tuple (children, n));
  else
    rebuilt = g_variant_ref_sink (g_variant_new_array (g_variant_type_element (g_variant_get_type (container)),
                                                       children, n));
  for (gsize i = 0; i < n; i++)
    g_variant_unref (children[i]);
  size = g_variant_get_size (rebuilt);
  if (size != g_variant_get_size (container))
    return FALSE;
  bytes = g_malloc (size);
  g_variant_store (rebuilt, bytes);
  return size == 0 || memcmp (bytes, g_variant_get_data (container), size) == 0;
}

/* An array of numbers is normal when it holds whole numbers: any bits are
 * a number. */
static gboolean
numbers_are_normal (GVariant *columns,
                    gsize     element_size)
{
  for (gsize c = 0; c < g_variant_n_children (columns); c++)
    {
      g_autoptr(GVariant) column = g_variant_get_child_value (columns, c);

      if (g_variant_get_size (column) % element_size != 0)
        return FALSE;
    }
  return same_when_rebuilt (columns);
}

/* g_variant_is_normal_form() of the whole blob, without the serialiser's
 * visit of each number of each column (three million of them in a city,
 * twice the time of the rest of the blob's opening; any bits of a number
 * are normal).  Only the JSON members need a closer look. */
static gboolean
is_normal_form (GVariant *variant)
{
  g_autoptr(GVariant) members = g_variant_get_child_value (variant, 2);
  g_autoptr(GVariant) columns = g_variant_get_child_value (variant, 4);
  g_autoptr(GVariant) doubles = g_variant_get_child_value (variant, 5);

  return g_variant_is_normal_form (members) && numbers_are_normal (columns, sizeof (guint32)) &&
         numbers_are_normal (doubles, sizeof (double)) && same_when_rebuilt (variant);
}

WgReferenceBlob *
wg_reference_blob_open (GBytes  *blob,
                        GError **error)
{
  g_autoptr(WgReferenceBlob) self = g_new0 (WgReferenceBlob, 1);
  g_autoptr(GVariant) columns = NULL;
  g_autoptr(GVariant) doubles = NULL;
  const guint8 *data;
  gsize size;
  char order;

  g_return_val_if_fail (blob != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (blob, &size);
  order = size > 0 ? (char) data[0] : '\0';
  if (order != 'l' && order != 'B')
    goto invalid;
  /* Before the type: another version's bytes need not be of this type. */
  if (size > 1 && data[1] != WG_REFERENCE_BLOB_VERSION)
    {
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE,
                   _("a binary reference of layout version %u; this program reads version %u"), data[1],
                   WG_REFERENCE_BLOB_VERSION);
      return NULL;
    }
  self->variant = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (WG_REFERENCE_BLOB_TYPE), blob,
                                                                FALSE));
  if (!is_normal_form (self->variant))
    goto invalid;
  if (order != (G_BYTE_ORDER == G_LITTLE_ENDIAN ? 'l' : 'B'))
    {
      GVariant *swapped = g_variant_byteswap (self->variant);

      g_variant_unref (self->variant);
      self->variant = swapped;
    }

  self->members = g_variant_get_child_value (self->variant, 2);
  columns = g_variant_get_child_value (self->variant, 4);
  doubles = g_variant_get_child_value (self->variant, 5);
  if (g_variant_n_children (columns) != WG_REFERENCE_BLOB_N_COLUMNS ||
      g_variant_n_children (doubles) != WG_REFERENCE_BLOB_N_DOUBLES)
    {
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE,
                   _("a binary reference of %u and %u columns; this layout has %u and %u"),
                   (guint) g_variant_n_children (columns), (guint) g_variant_n_children (doubles),
                   WG_REFERENCE_BLOB_N_COLUMNS, WG_REFERENCE_BLOB_N_DOUBLES);
      return NULL;
    }
  /* The arrays live as long as self->variant holds the whole. */
  for (guint c = 0; c < WG_REFERENCE_BLOB_N_COLUMNS; c++)
    {
      g_autoptr(GVariant) column = g_variant_get_child_value (columns, c);

      self->column[c] = g_variant_get_fixed_array (column, &self->n_column[c], sizeof (guint32));
    }
  for (guint c = 0; c < WG_REFERENCE_BLOB_N_DOUBLES; c++)
    {
      g_autoptr(GVariant) column = g_variant_get_child_value (doubles, c);

      self->doubles[c] = g_variant_get_fixed_array (column, &self->n_doubles[c], sizeof (double));
    }
  if (!split_texts (self, error) || !check_layout (self, error))
    return NULL;
  return g_steal_pointer (&self);

invalid:
  g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE, "%s",
               _("not a binary reference (wrong type, byte order mark or layout)"));
  return NULL;
}

void
wg_reference_blob_free (WgReferenceBlob *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->members, g_variant_unref);
  g_clear_pointer (&self->variant, g_variant_unref);
  g_free (self->texts);
  g_free (self);
}
