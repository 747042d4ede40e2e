/* SPDX-License-Identifier: GPL-3.0-or-later
 * The binary reference (wg-reference-blob.h) says what the JSON bundle
 * says: every grid, station, force, department and category of the Helong
 * street and of a city, read back from a blob of either byte order; a
 * damaged blob is refused with an error, never read. */
#include "config.h"

#include <string.h>

#include "wg-city.h"
#include "wg-reference-blob.h"
#include "test-demo.h"

#define SEED 20261207

static char *
bundle_text (JsonObject *bundle)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), bundle);

  return json_to_string (node, FALSE);
}

#define GRID_CODE(g)    ((g) != NULL ? (g)->code : NULL)
#define STATION_CODE(s) ((s) != NULL ? (s)->code : NULL)
#define FORCE_ID(f)     ((f) != NULL ? (f)->id : NULL)
#define DEPT_CODE(d)    ((d) != NULL ? (d)->code : NULL)
#define POLICE_CODE(p)  ((p) != NULL ? (p)->code : NULL)

static void
assert_same_shape (WgGeoShape *a,
                   WgGeoShape *b)
{
  g_assert_cmpuint (wg_geo_shape_get_n_rings (a), ==, wg_geo_shape_get_n_rings (b));
  for (guint r = 0; r < wg_geo_shape_get_n_rings (a); r++)
    {
      guint n_a, n_b;
      gboolean hole_a, hole_b;
      const WgGeoPoint *pa = wg_geo_shape_get_ring (a, r, &n_a, &hole_a);
      const WgGeoPoint *pb = wg_geo_shape_get_ring (b, r, &n_b, &hole_b);

      g_assert_cmpuint (n_a, ==, n_b);
      g_assert_cmpint (hole_a, ==, hole_b);
      g_assert_cmpmem (pa, n_a * sizeof *pa, pb, n_b * sizeof *pb);
    }
}

static void
assert_same_grids (WgReference *a,
                   WgReference *b)
{
  GPtrArray *ga = wg_reference_get_grids (a), *gb = wg_reference_get_grids (b);

  g_assert_cmpuint (ga->len, ==, gb->len);
  g_assert_cmpuint (wg_reference_get_streets (a)->len, ==, wg_reference_get_streets (b)->len);
  g_assert_cmpuint (wg_reference_get_max_level (a), ==, wg_reference_get_max_level (b));
  for (guint i = 0; i < ga->len; i++)
    {
      WgGrid *x = g_ptr_array_index (ga, i), *y = g_ptr_array_index (gb, i);

      g_assert_cmpstr (x->code, ==, y->code);
      g_assert_true (wg_reference_lookup_grid (b, x->code) == y);
      g_assert_cmpstr (x->name_zh, ==, y->name_zh);
      g_assert_cmpstr (x->name_en, ==, y->name_en);
      g_assert_cmpstr (x->case_prefix, ==, y->case_prefix);
      g_assert_cmpstr (x->kind, ==, y->kind);
      g_assert_cmpuint (x->level, ==, y->level);
      g_assert_cmpuint (x->index, ==, y->index);
      g_assert_cmpstr (GRID_CODE (x->parent), ==, GRID_CODE (y->parent));
      g_assert_cmpuint (x->children->len, ==, y->children->len);
      g_assert_cmpstr (STATION_CODE (x->station), ==, STATION_CODE (y->station));
      g_assert_cmpfloat (x->centroid_lat, ==, y->centroid_lat);
      g_assert_cmpfloat (x->centroid_lon, ==, y->centroid_lon);
      g_assert_cmpfloat (x->area_m2, ==, y->area_m2);
      g_assert_cmpuint (x->households, ==, y->households);
      g_assert_cmpuint (x->volunteers, ==, y->volunteers);
      g_assert_cmpuint (x->responsible->len, ==, y->responsible->len);
      for (guint k = 0; k < x->responsible->len; k++)
        g_assert_cmpstr (((WgForce *) g_ptr_array_index (x->responsible, k))->id, ==,
                         ((WgForce *) g_ptr_array_index (y->responsible, k))->id);
      g_assert_cmpstr (POLICE_CODE (x->police_grid), ==, POLICE_CODE (y->police_grid));
      assert_same_shape (x->shape, y->shape);
      /* The lookups built from the outlines find the same grid. */
      g_assert_true (wg_reference_find_grid (b, x->centroid_lat, x->centroid_lon) ==
                     (wg_reference_find_grid (a, x->centroid_lat, x->centroid_lon) != NULL
                      ? wg_reference_lookup_grid (b, wg_reference_find_grid (a, x->centroid_lat,
                                                                             x->centroid_lon)->code)
                      : NULL));
    }
}

static void
assert_same (WgReference *a,
             WgReference *b)
{
  GPtrArray *sa = wg_reference_get_stations (a), *sb = wg_reference_get_stations (b);
  GPtrArray *fa = wg_reference_get_forces (a), *fb = wg_reference_get_forces (b);
  GPtrArray *da = wg_reference_get_departments (a), *db = wg_reference_get_departments (b);
  GPtrArray *ca = wg_reference_get_categories (a), *cb = wg_reference_get_categories (b);
  GPtrArray *pa = wg_reference_get_police_grids (a), *pb = wg_reference_get_police_grids (b);
  double lat_a, lon_a, lat_b, lon_b;

  g_assert_cmpstr (wg_reference_get_name_zh (a), ==, wg_reference_get_name_zh (b));
  g_assert_cmpstr (wg_reference_get_street_code (a), ==, wg_reference_get_street_code (b));
  g_assert_cmpstr (wg_reference_get_time_zone_id (a), ==, wg_reference_get_time_zone_id (b));
  wg_reference_get_centre (a, &lat_a, &lon_a);
  wg_reference_get_centre (b, &lat_b, &lon_b);
  g_assert_cmpfloat (lat_a, ==, lat_b);
  g_assert_cmpfloat (lon_a, ==, lon_b);
  assert_same_grids (a, b);

  g_assert_cmpuint (sa->len, ==, sb->len);
  for (guint i = 0; i < sa->len; i++)
    {
      WgStation *x = g_ptr_array_index (sa, i), *y = g_ptr_array_index (sb, i);

      g_assert_cmpstr (x->code, ==, y->code);
      g_assert_true (wg_reference_lookup_station (b, x->code) == y);
      g_assert_cmpstr (x->name_zh, ==, y->name_zh);
      g_assert_cmpstr (x->name_en, ==, y->name_en);
      g_assert_cmpstr (GRID_CODE (x->grid), ==, GRID_CODE (y->grid));
      g_assert_cmpfloat (x->lat, ==, y->lat);
      g_assert_cmpfloat (x->lon, ==, y->lon);
      g_assert_cmpstr (FORCE_ID (x->leader), ==, FORCE_ID (y->leader));
    }

  g_assert_cmpuint (fa->len, ==, fb->len);
  for (guint i = 0; i < fa->len; i++)
    {
      WgForce *x = g_ptr_array_index (fa, i), *y = g_ptr_array_index (fb, i);

      g_assert_cmpstr (x->id, ==, y->id);
      g_assert_true (wg_reference_lookup_force (b, x->id) == y);
      g_assert_cmpint (x->type, ==, y->type);
      g_assert_cmpstr (x->sub_kind, ==, y->sub_kind);
      g_assert_cmpstr (x->name_zh, ==, y->name_zh);
      g_assert_cmpstr (x->title_zh, ==, y->title_zh);
      g_assert_cmpstr (GRID_CODE (x->grid), ==, GRID_CODE (y->grid));
      g_assert_cmpstr (STATION_CODE (x->station), ==, STATION_CODE (y->station));
      g_assert_cmpstr (DEPT_CODE (x->department), ==, DEPT_CODE (y->department));
      g_assert_cmpfloat (x->lat, ==, y->lat);
      g_assert_cmpfloat (x->lon, ==, y->lon);
      g_assert_cmpint (x->speed, ==, y->speed);
      g_assert_true (g_strv_equal ((const char * const *) x->capabilities,
                                   (const char * const *) y->capabilities));
      g_assert_cmpstr (x->account, ==, y->account);
      g_assert_cmpuint (x->members, ==, y->members);
      g_assert_cmpstr (POLICE_CODE (x->police_grid), ==, POLICE_CODE (y->police_grid));
    }

  g_assert_cmpuint (da->len, ==, db->len);
  for (guint i = 0; i < da->len; i++)
    {
      WgDepartment *x = g_ptr_array_index (da, i), *y = g_ptr_array_index (db, i);

      g_assert_cmpstr (x->code, ==, y->code);
      g_assert_true (wg_reference_lookup_department (b, x->code) == y);
      g_assert_cmpstr (x->name_zh, ==, y->name_zh);
      g_assert_cmpstr (x->name_en, ==, y->name_en);
      g_assert_cmpstr (x->account, ==, y->account);
      g_assert_cmpint (x->stationed, ==, y->stationed);
    }

  g_assert_cmpuint (ca->len, ==, cb->len);
  for (guint i = 0; i < ca->len; i++)
    {
      WgCategory *x = g_ptr_array_index (ca, i), *y = g_ptr_array_index (cb, i);

      g_assert_cmpstr (x->code, ==, y->code);
      g_assert_cmpstr (x->grade, ==, y->grade);
      g_assert_cmpstr (DEPT_CODE (x->department), ==, DEPT_CODE (y->department));
      g_assert_cmpuint (x->n_response_steps, ==, y->n_response_steps);
    }

  g_assert_cmpuint (pa->len, ==, pb->len);
  for (guint i = 0; i < pa->len; i++)
    {
      WgPoliceGrid *x = g_ptr_array_index (pa, i), *y = g_ptr_array_index (pb, i);

      g_assert_cmpstr (x->code, ==, y->code);
      g_assert_cmpuint (x->grids->len, ==, y->grids->len);
      g_assert_cmpuint (x->police->len, ==, y->police->len);
      assert_same_shape (x->shape, y->shape);
    }

  g_assert_cmpuint (wg_reference_get_duty_leaders (a)->len, ==, wg_reference_get_duty_leaders (b)->len);
}

/* The blob in the other byte order, marked as such. */
static GBytes *
swap_blob (GBytes *blob)
{
  g_autoptr(GVariant) variant = g_variant_new_from_bytes (G_VARIANT_TYPE (WG_REFERENCE_BLOB_TYPE), blob, TRUE);
  g_autoptr(GVariant) swapped = g_variant_byteswap (variant);
  gsize size = g_variant_get_size (swapped);
  guint8 *data = g_malloc (size);

  g_variant_ref_sink (variant);
  g_variant_store (swapped, data);
  data[0] = data[0] == 'l' ? 'B' : 'l';
  return g_bytes_new_take (data, size);
}

/* JSON text -> model, and the model -> the server's blob -> model: the
 * same. */
static void
check_bundle (JsonObject *bundle)
{
  g_autofree char *text = bundle_text (bundle);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) from_json = wg_reference_load_bundle_text (text, strlen (text), &error);
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GBytes) swapped = NULL;
  g_autoptr(WgReference) from_blob = NULL;
  g_autoptr(WgReference) from_swapped = NULL;

  g_assert_no_error (error);
  blob = wg_reference_blob_build (from_json, bundle);
  from_blob = wg_reference_load_blob (blob, &error);
  g_assert_no_error (error);
  assert_same (from_json, from_blob);

  swapped = swap_blob (blob);
  from_swapped = wg_reference_load_blob (swapped, &error);
  g_assert_no_error (error);
  assert_same (from_json, from_swapped);
}

static void
test_helong (void)
{
  g_autoptr(WgReference) demo = test_demo_reference ();

  check_bundle (wg_reference_get_bundle (demo));
}

static void
test_city (gconstpointer data)
{
  g_autoptr(WgReference) base = test_demo_reference ();
  g_autoptr(JsonObject) bundle = wg_city_build_bundle (base, GPOINTER_TO_UINT (data), SEED);

  check_bundle (bundle);
}

static void
assert_refused (const guint8 *data,
                gsize         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_reference_load_blob (bytes, &error);

  g_assert_null (reference);
  g_assert_nonnull (error);
}

/* Truncated, a wrong order mark, bytes flipped through the offsets and
 * the outlines, an outline that is not closed: an error each time. */
static void
test_damaged (void)
{
  g_autoptr(WgReference) demo = test_demo_reference ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) blob = wg_reference_blob_build (demo, wg_reference_get_bundle (demo));
  gsize size;
  const guint8 *data = g_bytes_get_data (blob, &size);
  g_autofree guint8 *copy = g_memdup2 (data, size);
  g_autoptr(GRand) rand = g_rand_new_with_seed (SEED);

  assert_refused (data, 0);
  assert_refused (data, 1);
  assert_refused (data, size / 2);
  assert_refused (data, size - 1);
  copy[0] = 'x';
  assert_refused (copy, size);
  /* The offsets sit at the end; a flipped one points out of bounds. */
  memcpy (copy, data, size);
  copy[size - 1] ^= 0xff;
  assert_refused (copy, size);
  /* Anywhere else, and among the framing offsets at the end: refused or,
   * if still well formed, a checked model (then the same checks as for
   * JSON have run), never a crash; and refused as no binary reference
   * exactly when GLib's own check finds it out of normal form. */
  for (guint i = 0; i < 16; i++)
    {
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GVariant) variant = NULL;
      g_autoptr(WgReference) reference = NULL;
      g_autoptr(GError) local = NULL;
      gsize at = i < 8 ? 2 + g_rand_int_range (rand, 0, size - 2) : size - 1 - g_rand_int_range (rand, 0, 32);

      memcpy (copy, data, size);
      copy[at] ^= 1u << g_rand_int_range (rand, 0, 8);
      bytes = g_bytes_new (copy, size);
      variant = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (WG_REFERENCE_BLOB_TYPE), bytes, FALSE));
      reference = wg_reference_load_blob (bytes, &local);
      g_assert_true ((reference == NULL) != (local == NULL));
      if (!g_variant_is_normal_form (variant))
        g_assert_cmpstr (local->message, ==, "not a binary reference (wrong type, byte order mark or layout)");
      else if (local != NULL)
        g_assert_cmpstr (local->message, !=, "not a binary reference (wrong type, byte order mark or layout)");
    }
}

/* Hand-made blobs, well formed but wrong: a ring that does not close, a
 * grid with no outline, a force of an unknown grid, a text index out of
 * range, a force without a type, a hole flag of 2. */

/* @blob with child @child's (4: the aau, 5: the aad) column @column
 * replaced by @values. */
static GBytes *
with_column (GBytes   *blob,
             guint     child,
             guint     column,
             GVariant *values)
{
  g_autoptr(GVariant) variant = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (WG_REFERENCE_BLOB_TYPE),
                                                                              blob, FALSE));
  g_autoptr(GVariant) columns = g_variant_get_child_value (variant, child);
  gsize n_columns = g_variant_n_children (columns);
  g_autofree GVariant **replaced = g_new (GVariant *, n_columns);
  GVariant *children[6];
  g_autoptr(GVariant) damaged = NULL;

  g_variant_ref_sink (values);
  for (gsize c = 0; c < n_columns; c++)
    replaced[c] = c == column ? g_variant_ref (values) : g_variant_get_child_value (columns, c);
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    children[i] = i == child ? g_variant_ref_sink (g_variant_new_array (NULL, replaced, n_columns))
                             : g_variant_get_child_value (variant, i);
  damaged = g_variant_ref_sink (g_variant_new_tuple (children, G_N_ELEMENTS (children)));
  for (guint i = 0; i < G_N_ELEMENTS (children); i++)
    g_variant_unref (children[i]);
  for (gsize c = 0; c < n_columns; c++)
    g_variant_unref (replaced[c]);
  g_variant_unref (values);
  return g_variant_get_data_as_bytes (damaged);
}

/* A copy of a column of @blob, to change. */
static GArray *
column_copy (GBytes *blob,
             guint   child,
             guint   column)
{
  g_autoptr(GVariant) variant = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE (WG_REFERENCE_BLOB_TYPE),
                                                                              blob, FALSE));
  g_autoptr(GVariant) columns = g_variant_get_child_value (variant, child);
  g_autoptr(GVariant) values = g_variant_get_child_value (columns, column);
  gsize size = child == 4 ? sizeof (guint32) : sizeof (double);
  gsize n;
  gconstpointer data = g_variant_get_fixed_array (values, &n, size);
  GArray *copy = g_array_sized_new (FALSE, FALSE, size, n);

  g_array_append_vals (copy, data, n);
  return copy;
}

static GVariant *
u32_values (GArray *values)
{
  return g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, values->data, values->len, sizeof (guint32));
}

/* @message (NULL: any): the record's item is written out only for a
 * message, from its parts; it must say the same as the JSON's. */
static void
assert_refused_with (GBytes     *bytes,
                     int         code,
                     const char *message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_reference_load_blob (bytes, &error);

  g_assert_error (error, WG_REFERENCE_ERROR, code);
  if (message != NULL)
    g_assert_cmpstr (error->message, ==, message);
  g_assert_null (reference);
}

static void
test_wrong_content (void)
{
  g_autoptr(WgReference) demo = test_demo_reference ();
  g_autoptr(GBytes) blob = wg_reference_blob_build (demo, wg_reference_get_bundle (demo));
  g_autoptr(GArray) coords = column_copy (blob, 5, WG_REFERENCE_BLOB_RING_COORDS);
  g_autoptr(GArray) ring_start = column_copy (blob, 4, WG_REFERENCE_BLOB_GRID_RING_START);
  g_autoptr(GArray) point_start = column_copy (blob, 4, WG_REFERENCE_BLOB_RING_POINT_START);
  g_autoptr(GArray) force_grid = column_copy (blob, 4, WG_REFERENCE_BLOB_FORCE_GRID);
  g_autoptr(GArray) force_id = column_copy (blob, 4, WG_REFERENCE_BLOB_FORCE_ID);
  g_autoptr(GArray) name_zh = column_copy (blob, 4, WG_REFERENCE_BLOB_FORCE_NAME_ZH);
  g_autoptr(GArray) hole = column_copy (blob, 4, WG_REFERENCE_BLOB_RING_HOLE);
  g_autoptr(GArray) force_type = column_copy (blob, 4, WG_REFERENCE_BLOB_FORCE_TYPE);
  g_autoptr(GBytes) open = NULL;
  g_autoptr(GBytes) short_of_one = NULL;
  g_autoptr(GBytes) unknown_grid = NULL;
  g_autoptr(GBytes) no_such_text = NULL;
  g_autoptr(GBytes) hole_of_two = NULL;
  g_autoptr(GBytes) no_type = NULL;
  WgGrid *second = g_ptr_array_index (wg_reference_get_grids (demo), 1);
  WgForce *first = g_ptr_array_index (wg_reference_get_forces (demo), 0);
  g_autofree char *open_message = g_strdup_printf ("grids.geojson: feature 1 (code %s): polygon 0 ring 0 does not end "
                                                   "where it starts (first and last positions differ)", second->code);
  g_autofree char *no_type_message = g_strdup_printf ("forces.json: force 0 (id %s): missing \"type\"", first->id);
  g_autofree char *unknown_message = g_strdup_printf ("forces.json: force 0 (id %s): unknown grid \"%s\"", first->id,
                                                      first->id);
  guint last_point = g_array_index (point_start, guint32, g_array_index (ring_start, guint32, 1) + 1) - 1;
  guint n_grids = ring_start->len - 1;
  guint last_of_last = g_array_index (point_start, guint32, g_array_index (ring_start, guint32, n_grids - 1) + 1) - 1;
  WgGrid *last = g_ptr_array_index (wg_reference_get_grids (demo), n_grids - 1);
  g_autofree char *last_message = g_strdup_printf ("grids.geojson: feature %u (code %s): polygon 0 ring 0 does not end "
                                                   "where it starts (first and last positions differ)", n_grids - 1,
                                                   last->code);

  /* Grid 1's first ring, its last point moved: open. */
  g_array_index (coords, double, 2 * last_point) += 0.001;
  open = with_column (blob, 5, WG_REFERENCE_BLOB_RING_COORDS,
                      g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, coords->data, coords->len, sizeof (double)));
  assert_refused_with (open, WG_REFERENCE_ERROR_GEOMETRY, open_message);

  /* The last grid's too, read in the other half (on another thread when
   * there are two cores): still grid 1's message, the first in order;
   * then the last grid's alone. */
  g_array_index (coords, double, 2 * last_of_last) += 0.001;
  g_clear_pointer (&open, g_bytes_unref);
  open = with_column (blob, 5, WG_REFERENCE_BLOB_RING_COORDS,
                      g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, coords->data, coords->len, sizeof (double)));
  assert_refused_with (open, WG_REFERENCE_ERROR_GEOMETRY, open_message);
  g_array_index (coords, double, 2 * last_point) -= 0.001;
  g_clear_pointer (&open, g_bytes_unref);
  open = with_column (blob, 5, WG_REFERENCE_BLOB_RING_COORDS,
                      g_variant_new_fixed_array (G_VARIANT_TYPE_DOUBLE, coords->data, coords->len, sizeof (double)));
  assert_refused_with (open, WG_REFERENCE_ERROR_GEOMETRY, last_message);

  g_array_set_size (ring_start, ring_start->len - 1);
  short_of_one = with_column (blob, 4, WG_REFERENCE_BLOB_GRID_RING_START, u32_values (ring_start));
  assert_refused_with (short_of_one, WG_REFERENCE_ERROR_PARSE, NULL);

  /* Force 0's home grid: a text that is no grid's code (its own id). */
  g_array_index (force_grid, guint32, 0) = g_array_index (force_id, guint32, 0);
  unknown_grid = with_column (blob, 4, WG_REFERENCE_BLOB_FORCE_GRID, u32_values (force_grid));
  assert_refused_with (unknown_grid, WG_REFERENCE_ERROR_UNKNOWN_REF, unknown_message);

  g_array_index (name_zh, guint32, 0) = 1000000;
  no_such_text = with_column (blob, 4, WG_REFERENCE_BLOB_FORCE_NAME_ZH, u32_values (name_zh));
  assert_refused_with (no_such_text, WG_REFERENCE_ERROR_PARSE, NULL);

  /* A required text left out (0: none), as the JSON's missing member. */
  g_array_index (force_type, guint32, 0) = 0;
  no_type = with_column (blob, 4, WG_REFERENCE_BLOB_FORCE_TYPE, u32_values (force_type));
  assert_refused_with (no_type, WG_REFERENCE_ERROR_INVALID, no_type_message);

  g_array_index (hole, guint32, 0) = 2;
  hole_of_two = with_column (blob, 4, WG_REFERENCE_BLOB_RING_HOLE, u32_values (hole));
  assert_refused_with (hole_of_two, WG_REFERENCE_ERROR_PARSE, NULL);
}

/* A blob of the first layout (GVariant records), as a console's cache
 * may hold: refused by its version, not read as this layout. */
static void
test_old_version (void)
{
  g_autoptr(GVariant) old = g_variant_ref_sink (
    g_variant_new_parsed ("(%y, {'format': '\"wangge-reference/1\"'}, "
                          "@a(ssmsmsmsmsuuuas) [], @aa(bad) [], @a(ssmssmsssdduasmsmsms) [])",
                          G_BYTE_ORDER == G_LITTLE_ENDIAN ? 'l' : 'B'));
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (old);
  g_autofree char *message = g_strdup_printf ("a binary reference of layout version %u; this program reads version %u",
                                              'f', WG_REFERENCE_BLOB_VERSION);

  assert_refused_with (bytes, WG_REFERENCE_ERROR_PARSE, message);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reference-blob/helong", test_helong);
  g_test_add_data_func ("/reference-blob/city-3-streets", GUINT_TO_POINTER (3), test_city);
  g_test_add_func ("/reference-blob/damaged", test_damaged);
  g_test_add_func ("/reference-blob/wrong-content", test_wrong_content);
  g_test_add_func ("/reference-blob/old-version", test_old_version);
  return g_test_run ();
}
