/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Point-to-grid lookups per second on 100,000 synthetic grids (a jittered
 * 400 x 250 lattice of octagon-like cells sharing vertices, the shape of
 * the demo grids), through the packed R-tree against a linear scan over
 * the same shapes in the same run.
 *
 *   bench-grid-lookup [N_GRIDS]
 */
#define G_LOG_DOMAIN "bench-grid-lookup"

#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "wg-grid-index.h"

#define LAT0 23.0
#define LON0 113.0
#define STEP 0.004   /* ~410 m x 440 m cells */

static GPtrArray *
make_grids (guint nx,
            guint ny)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (2023);
  g_autofree WgGeoPoint *v = g_new (WgGeoPoint, (nx + 1) * (ny + 1));
  g_autofree WgGeoPoint *hm = g_new (WgGeoPoint, nx * (ny + 1));   /* horizontal edge midpoints */
  g_autofree WgGeoPoint *vm = g_new (WgGeoPoint, (nx + 1) * ny);   /* vertical edge midpoints */
  GPtrArray *shapes = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_geo_shape_unref);

#define V(i, j) v[(j) * (nx + 1) + (i)]
  for (guint j = 0; j <= ny; j++)
    for (guint i = 0; i <= nx; i++)
      {
        double jx = (i > 0 && i < nx) ? g_rand_double_range (rand, -0.15, 0.15) : 0;
        double jy = (j > 0 && j < ny) ? g_rand_double_range (rand, -0.15, 0.15) : 0;

        V (i, j).lon = LON0 + (i + jx) * STEP;
        V (i, j).lat = LAT0 + (j + jy) * STEP;
      }
  for (guint j = 0; j <= ny; j++)
    for (guint i = 0; i < nx; i++)
      {
        hm[j * nx + i].lon = (V (i, j).lon + V (i + 1, j).lon) / 2;
        hm[j * nx + i].lat = (V (i, j).lat + V (i + 1, j).lat) / 2 +
                             ((j > 0 && j < ny) ? g_rand_double_range (rand, -0.06, 0.06) * STEP : 0);
      }
  for (guint j = 0; j < ny; j++)
    for (guint i = 0; i <= nx; i++)
      {
        vm[j * (nx + 1) + i].lat = (V (i, j).lat + V (i, j + 1).lat) / 2;
        vm[j * (nx + 1) + i].lon = (V (i, j).lon + V (i, j + 1).lon) / 2 +
                                   ((i > 0 && i < nx) ? g_rand_double_range (rand, -0.06, 0.06) * STEP : 0);
      }
  for (guint j = 0; j < ny; j++)
    for (guint i = 0; i < nx; i++)
      {
        WgGeoPoint ring[8] = {
          V (i, j), hm[j * nx + i], V (i + 1, j), vm[j * (nx + 1) + i + 1],
          V (i + 1, j + 1), hm[(j + 1) * nx + i], V (i, j + 1), vm[j * (nx + 1) + i],
        };
        WgGeoShape *shape = wg_geo_shape_new ();

        wg_geo_shape_add_ring (shape, ring, 8, FALSE);
        g_ptr_array_add (shapes, shape);
      }
#undef V

  return shapes;
}

int
main (int    argc,
      char **argv)
{
  guint n_grids = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 100000;
  guint nx = (guint) ceil (sqrt (n_grids * 1.6));
  guint ny = MAX (1, n_grids / nx);
  g_autoptr(GPtrArray) shapes = NULL;
  g_autoptr(WgGridIndex) index = wg_grid_index_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (7989);
  g_autofree double *pts = NULL;
  const guint n_points = 1000000;
  const guint n_linear = 2000;
  gint64 t0, t1;
  double build_ms, index_rate, linear_rate;
  guint hits = 0, mismatches = 0;

  shapes = make_grids (nx, ny);
  pts = g_new (double, 2 * n_points);
  for (guint i = 0; i < n_points; i++)
    {
      pts[2 * i] = g_rand_double_range (rand, LAT0, LAT0 + ny * STEP);
      pts[2 * i + 1] = g_rand_double_range (rand, LON0, LON0 + nx * STEP);
    }

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < shapes->len; i++)
    wg_grid_index_add (index, g_ptr_array_index (shapes, i), 3, g_ptr_array_index (shapes, i));
  wg_grid_index_build (index);
  t1 = g_get_monotonic_time ();
  build_ms = (t1 - t0) / 1000.0;

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n_points; i++)
    hits += wg_grid_index_lookup (index, pts[2 * i], pts[2 * i + 1]) != NULL;
  t1 = g_get_monotonic_time ();
  index_rate = n_points / ((t1 - t0) / 1e6);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n_linear; i++)
    mismatches += wg_grid_index_lookup_linear (index, pts[2 * i], pts[2 * i + 1]) !=
                  wg_grid_index_lookup (index, pts[2 * i], pts[2 * i + 1]);
  t1 = g_get_monotonic_time ();
  /* The loop also ran n_linear indexed lookups: negligible next to the scans. */
  linear_rate = n_linear / ((t1 - t0) / 1e6);

  g_print ("grids: %u (%u x %u), build: %.1f ms\n", shapes->len, nx, ny, build_ms);
  g_print ("indexed lookups: %.0f /s (%u points, %u inside a grid)\n", index_rate, n_points, hits);
  g_print ("linear scan:     %.0f /s (%u points, %u answers differ)\n", linear_rate, n_linear, mismatches);
  g_print ("ratio: %.0fx\n", index_rate / linear_rate);

  return (mismatches == 0 && hits == n_points) ? 0 : 1;
}
