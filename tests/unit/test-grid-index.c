/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wg-grid-index.h"

#define LAT0 23.0
#define LON0 113.0
#define STEP 0.004

/* A jittered nx x ny lattice of quads sharing their vertices, like grids. */
static GPtrArray *
make_lattice (guint  nx,
              guint  ny,
              guint  seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree WgGeoPoint *v = g_new (WgGeoPoint, (nx + 1) * (ny + 1));
  GPtrArray *shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_geo_shape_unref);

  for (guint j = 0; j <= ny; j++)
    for (guint i = 0; i <= nx; i++)
      {
        double jx = (i > 0 && i < nx) ? g_rand_double_range (rand, -0.25, 0.25) : 0;
        double jy = (j > 0 && j < ny) ? g_rand_double_range (rand, -0.25, 0.25) : 0;

        v[j * (nx + 1) + i].lon = LON0 + (i + jx) * STEP;
        v[j * (nx + 1) + i].lat = LAT0 + (j + jy) * STEP;
      }
  for (guint j = 0; j < ny; j++)
    for (guint i = 0; i < nx; i++)
      {
        WgGeoPoint ring[4] = {
          v[j * (nx + 1) + i], v[j * (nx + 1) + i + 1],
          v[(j + 1) * (nx + 1) + i + 1], v[(j + 1) * (nx + 1) + i],
        };
        WgGeoShape *shape = wg_geo_shape_new ();

        wg_geo_shape_add_ring (shape, ring, 4, FALSE);
        g_ptr_array_add (shapes, shape);
      }

  return shapes;
}

static void
test_matches_linear_scan (void)
{
  g_autoptr(GPtrArray) shapes = make_lattice (60, 40, 3);
  g_autoptr(WgGridIndex) index = wg_grid_index_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  guint found = 0;

  for (guint i = 0; i < shapes->len; i++)
    wg_grid_index_add (index, g_ptr_array_index (shapes, i), 3, g_ptr_array_index (shapes, i));
  wg_grid_index_build (index);
  g_assert_cmpuint (wg_grid_index_get_size (index), ==, 2400);

  for (guint k = 0; k < 20000; k++)
    {
      /* Some points fall outside the lattice on purpose. */
      double lat = g_rand_double_range (rand, LAT0 - 0.01, LAT0 + 41 * STEP);
      double lon = g_rand_double_range (rand, LON0 - 0.01, LON0 + 61 * STEP);
      WgGeoShape *a = wg_grid_index_lookup (index, lat, lon);
      WgGeoShape *b = wg_grid_index_lookup_linear (index, lat, lon);

      g_assert_true (a == b);
      if (a)
        {
          g_assert_true (wg_geo_shape_contains (a, lat, lon));
          found++;
        }
    }
  g_assert_cmpuint (found, >, 10000);

  /* Every vertex of the lattice (shared by up to 4 cells) resolves to one. */
  for (guint i = 0; i < shapes->len; i++)
    {
      guint n;
      const WgGeoPoint *ring = wg_geo_shape_get_ring (g_ptr_array_index (shapes, i), 0, &n, NULL);
      g_autoptr(GPtrArray) hits = g_ptr_array_new ();

      wg_grid_index_query_point (index, ring[2].lat, ring[2].lon, hits);
      g_assert_cmpuint (hits->len, <=, 1);
    }
}

static void
test_deepest_level_wins (void)
{
  g_autoptr(GPtrArray) kids = make_lattice (2, 2, 1);
  g_autoptr(WgGridIndex) index = wg_grid_index_new ();
  g_autoptr(GPtrArray) hits = g_ptr_array_new ();
  g_autoptr(WgGeoShape) big = wg_geo_shape_new ();
  WgGeoPoint ring[] = {
    { LON0, LAT0 }, { LON0 + 2 * STEP, LAT0 }, { LON0 + 2 * STEP, LAT0 + 2 * STEP }, { LON0, LAT0 + 2 * STEP },
  };

  wg_geo_shape_add_ring (big, ring, G_N_ELEMENTS (ring), FALSE);

  /* Insert the parent last and only three of the four children: the
   * missing child's area falls back to the parent. */
  for (guint i = 0; i < 3; i++)
    wg_grid_index_add (index, g_ptr_array_index (kids, i), 2, GUINT_TO_POINTER (i + 1));
  wg_grid_index_add (index, big, 1, GUINT_TO_POINTER (100));

  for (guint i = 0; i < 4; i++)
    {
      double lat, lon;

      wg_geo_shape_interior_point (g_ptr_array_index (kids, i), &lat, &lon);
      g_assert_cmpuint (GPOINTER_TO_UINT (wg_grid_index_lookup (index, lat, lon)), ==, i < 3 ? i + 1 : 100);
      g_assert_true (wg_grid_index_lookup (index, lat, lon) == wg_grid_index_lookup_linear (index, lat, lon));
      g_ptr_array_set_size (hits, 0);
      g_assert_cmpuint (wg_grid_index_query_point (index, lat, lon, hits), ==, i < 3 ? 2 : 1);
    }
  g_assert_null (wg_grid_index_lookup (index, LAT0 - 1, LON0));
}

static void
test_query_bbox (void)
{
  g_autoptr(GPtrArray) shapes = make_lattice (50, 50, 5);
  g_autoptr(WgGridIndex) index = wg_grid_index_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);

  for (guint i = 0; i < shapes->len; i++)
    wg_grid_index_add (index, g_ptr_array_index (shapes, i), 3, g_ptr_array_index (shapes, i));

  for (guint k = 0; k < 200; k++)
    {
      g_autoptr(GPtrArray) hits = g_ptr_array_new ();
      WgGeoBBox box;
      guint expect = 0;
      double lat = g_rand_double_range (rand, LAT0, LAT0 + 50 * STEP);
      double lon = g_rand_double_range (rand, LON0, LON0 + 50 * STEP);

      box.min_lat = lat;
      box.min_lon = lon;
      box.max_lat = lat + g_rand_double_range (rand, 0, 10 * STEP);
      box.max_lon = lon + g_rand_double_range (rand, 0, 10 * STEP);

      for (guint i = 0; i < shapes->len; i++)
        if (wg_geo_bbox_intersects (wg_geo_shape_get_bbox (g_ptr_array_index (shapes, i)), &box))
          {
            expect++;
          }
      g_assert_cmpuint (wg_grid_index_query_bbox (index, &box, hits), ==, expect);
      for (guint i = 0; i < hits->len; i++)
        g_assert_true (wg_geo_bbox_intersects (wg_geo_shape_get_bbox (g_ptr_array_index (hits, i)), &box));
    }
}

static void
test_empty_and_single (void)
{
  g_autoptr(WgGridIndex) empty = wg_grid_index_new ();
  g_autoptr(WgGridIndex) one = wg_grid_index_new ();
  g_autoptr(GPtrArray) shapes = make_lattice (1, 1, 1);

  g_assert_null (wg_grid_index_lookup (empty, LAT0, LON0));
  wg_grid_index_add (one, g_ptr_array_index (shapes, 0), 1, GUINT_TO_POINTER (7));
  g_assert_cmpuint (GPOINTER_TO_UINT (wg_grid_index_lookup (one, LAT0 + STEP / 2, LON0 + STEP / 2)), ==, 7);
  g_assert_null (wg_grid_index_lookup (one, LAT0 + 2 * STEP, LON0));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/grid-index/matches-linear-scan", test_matches_linear_scan);
  g_test_add_func ("/grid-index/deepest-level-wins", test_deepest_level_wins);
  g_test_add_func ("/grid-index/query-bbox", test_query_bbox);
  g_test_add_func ("/grid-index/empty-and-single", test_empty_and_single);

  return g_test_run ();
}
