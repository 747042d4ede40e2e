/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <math.h>

#include "wg-geo.h"

/* A 1 km square near Helong, counter-clockwise, as lon/lat. */
#define LAT0 23.20
#define LON0 113.28
#define DLAT (1000.0 / 111194.9)
#define DLON (1000.0 / (111194.9 * 0.919))

static WgGeoShape *
square (double lat,
        double lon,
        double dlat,
        double dlon)
{
  WgGeoPoint ring[] = {
    { lon, lat }, { lon + dlon, lat }, { lon + dlon, lat + dlat }, { lon, lat + dlat }, { lon, lat },
  };
  WgGeoShape *shape = wg_geo_shape_new ();

  wg_geo_shape_add_ring (shape, ring, G_N_ELEMENTS (ring), FALSE);
  return shape;
}

static void
test_distance (void)
{
  /* One degree of latitude is 111.19 km on the mean sphere. */
  g_assert_cmpfloat_with_epsilon (wg_geo_distance_m (23, 113, 24, 113), 111195, 1);
  g_assert_cmpfloat (wg_geo_distance_m (LAT0, LON0, LAT0, LON0), ==, 0);
  /* Guangzhou to Kunming, about 1,080 km great-circle. */
  g_assert_cmpfloat_with_epsilon (wg_geo_distance_m (23.13, 113.26, 25.04, 102.71) / 1000, 1095, 20);
  /* Symmetric. */
  g_assert_cmpfloat (wg_geo_distance_m (23.2, 113.2, 23.3, 113.4), ==,
                     wg_geo_distance_m (23.3, 113.4, 23.2, 113.2));
}

/* To the nearest edge, 0 inside: what "within 5 km of the street" needs. */
static void
test_shape_distance (void)
{
  g_autoptr(WgGeoShape) sq = square (LAT0, LON0, DLAT, DLON);

  g_assert_cmpfloat (wg_geo_shape_distance_m (sq, LAT0 + DLAT / 2, LON0 + DLON / 2), ==, 0);
  /* 2 km east of the east edge, 3 km south of the south one. */
  g_assert_cmpfloat_with_epsilon (wg_geo_shape_distance_m (sq, LAT0 + DLAT / 2, LON0 + 3 * DLON), 2000, 10);
  g_assert_cmpfloat_with_epsilon (wg_geo_shape_distance_m (sq, LAT0 - 3 * DLAT, LON0 + DLON / 2), 3000, 10);
  /* Off a corner: to the corner. */
  g_assert_cmpfloat_with_epsilon (wg_geo_shape_distance_m (sq, LAT0 - 3 * DLAT, LON0 - 4 * DLON), 5000, 25);
}

static void
test_contains_and_area (void)
{
  g_autoptr(WgGeoShape) sq = square (LAT0, LON0, DLAT, DLON);
  double lat, lon;

  g_assert_true (wg_geo_shape_contains (sq, LAT0 + DLAT / 2, LON0 + DLON / 2));
  g_assert_false (wg_geo_shape_contains (sq, LAT0 - DLAT / 2, LON0 + DLON / 2));
  g_assert_false (wg_geo_shape_contains (sq, LAT0 + DLAT / 2, LON0 + 2 * DLON));
  /* The closing point is dropped. */
  g_assert_cmpuint (wg_geo_shape_get_n_rings (sq), ==, 1);
  g_assert_nonnull (wg_geo_shape_get_ring (sq, 0, NULL, NULL));
  {
    guint n;
    gboolean hole;

    wg_geo_shape_get_ring (sq, 0, &n, &hole);
    g_assert_cmpuint (n, ==, 4);
    g_assert_false (hole);
  }
  g_assert_cmpfloat_with_epsilon (wg_geo_shape_area_m2 (sq), 1e6, 2e3);

  wg_geo_shape_centroid (sq, &lat, &lon);
  g_assert_cmpfloat_with_epsilon (lat, LAT0 + DLAT / 2, 1e-9);
  g_assert_cmpfloat_with_epsilon (lon, LON0 + DLON / 2, 1e-9);
}

static void
test_hole_and_interior_point (void)
{
  /* A ring (square with a square hole): the centroid lies in the hole. */
  g_autoptr(WgGeoShape) shape = square (LAT0, LON0, DLAT, DLON);
  WgGeoPoint hole[] = {
    { LON0 + DLON * 0.25, LAT0 + DLAT * 0.25 }, { LON0 + DLON * 0.25, LAT0 + DLAT * 0.75 },
    { LON0 + DLON * 0.75, LAT0 + DLAT * 0.75 }, { LON0 + DLON * 0.75, LAT0 + DLAT * 0.25 },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (1);
  double lat, lon;

  wg_geo_shape_add_ring (shape, hole, G_N_ELEMENTS (hole), TRUE);
  g_assert_true (wg_geo_shape_validate (shape, &error));
  g_assert_no_error (error);
  g_assert_false (wg_geo_shape_contains (shape, LAT0 + DLAT / 2, LON0 + DLON / 2));
  g_assert_true (wg_geo_shape_contains (shape, LAT0 + DLAT * 0.1, LON0 + DLON / 2));
  g_assert_cmpfloat_with_epsilon (wg_geo_shape_area_m2 (shape), 0.75e6, 2e3);

  wg_geo_shape_interior_point (shape, &lat, &lon);
  g_assert_true (wg_geo_shape_contains (shape, lat, lon));
  for (guint i = 0; i < 1000; i++)
    {
      wg_geo_shape_random_point (shape, rand, &lat, &lon);
      g_assert_true (wg_geo_shape_contains (shape, lat, lon));
    }
}

static void
test_shared_edge_belongs_to_one (void)
{
  /* Two squares sharing the edge lon = LON0 + DLON. */
  g_autoptr(WgGeoShape) a = square (LAT0, LON0, DLAT, DLON);
  g_autoptr(WgGeoShape) b = square (LAT0, LON0 + DLON, DLAT, DLON);

  for (guint i = 1; i < 100; i++)
    {
      double lat = LAT0 + DLAT * i / 100.0;
      double lon = LON0 + DLON;

      g_assert_cmpint (wg_geo_shape_contains (a, lat, lon) + wg_geo_shape_contains (b, lat, lon), ==, 1);
    }
  g_assert_false (wg_geo_shape_overlaps (a, b));
  g_assert_false (wg_geo_shape_overlaps (b, a));
}

static void
test_overlaps (void)
{
  g_autoptr(WgGeoShape) a = square (LAT0, LON0, DLAT, DLON);
  g_autoptr(WgGeoShape) same = square (LAT0, LON0, DLAT, DLON);
  g_autoptr(WgGeoShape) shifted = square (LAT0 + DLAT / 2, LON0 + DLON / 2, DLAT, DLON);
  g_autoptr(WgGeoShape) inner = square (LAT0 + DLAT / 4, LON0 + DLON / 4, DLAT / 2, DLON / 2);
  g_autoptr(WgGeoShape) far = square (LAT0 + 5 * DLAT, LON0, DLAT, DLON);
  g_autoptr(WgGeoShape) corner = square (LAT0 + DLAT, LON0 + DLON, DLAT, DLON);
  g_autoptr(WgGeoShape) tri = wg_geo_shape_new ();
  WgGeoPoint t[] = { { LON0, LAT0 }, { LON0 + DLON, LAT0 }, { LON0 + DLON, LAT0 + DLAT } };

  wg_geo_shape_add_ring (tri, t, G_N_ELEMENTS (t), FALSE);

  g_assert_true (wg_geo_shape_overlaps (a, same));
  g_assert_true (wg_geo_shape_overlaps (a, shifted));
  g_assert_true (wg_geo_shape_overlaps (a, inner));
  g_assert_true (wg_geo_shape_overlaps (inner, a));
  /* All of the triangle's vertices lie on the square's boundary. */
  g_assert_true (wg_geo_shape_overlaps (a, tri));
  g_assert_false (wg_geo_shape_overlaps (a, far));
  g_assert_false (wg_geo_shape_overlaps (a, corner));
}

static void
test_validate_errors (void)
{
  WgGeoPoint bowtie[] = {
    { LON0, LAT0 }, { LON0 + DLON, LAT0 + DLAT }, { LON0 + DLON, LAT0 }, { LON0, LAT0 + DLAT },
  };
  WgGeoPoint line[] = { { LON0, LAT0 }, { LON0 + DLON, LAT0 }, { LON0 + 2 * DLON, LAT0 } };
  WgGeoPoint two[] = { { LON0, LAT0 }, { LON0 + DLON, LAT0 }, { LON0, LAT0 } };
  WgGeoPoint bad[] = { { 200, LAT0 }, { 201, LAT0 }, { 201, LAT0 + 1 } };
  WgGeoPoint spike[] = {
    { LON0, LAT0 }, { LON0 + DLON, LAT0 }, { LON0 + 2 * DLON, LAT0 }, { LON0 + DLON, LAT0 },
    { LON0 + DLON, LAT0 + DLAT },
  };
  const struct { const WgGeoPoint *pts; guint n; WgGeoError code; } cases[] = {
    { bowtie, G_N_ELEMENTS (bowtie), WG_GEO_ERROR_SELF_INTERSECTION },
    { line, G_N_ELEMENTS (line), WG_GEO_ERROR_ZERO_AREA },
    { two, G_N_ELEMENTS (two), WG_GEO_ERROR_TOO_FEW_POINTS },
    { bad, G_N_ELEMENTS (bad), WG_GEO_ERROR_OUT_OF_RANGE },
    { spike, G_N_ELEMENTS (spike), WG_GEO_ERROR_SELF_INTERSECTION },
  };
  g_autoptr(WgGeoShape) empty = wg_geo_shape_new ();
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WgGeoShape) shape = wg_geo_shape_new ();
      g_autoptr(GError) e = NULL;

      wg_geo_shape_add_ring (shape, cases[i].pts, cases[i].n, FALSE);
      g_assert_false (wg_geo_shape_validate (shape, &e));
      g_assert_error (e, WG_GEO_ERROR, cases[i].code);
    }

  g_assert_false (wg_geo_shape_validate (empty, &error));
  g_assert_error (error, WG_GEO_ERROR, WG_GEO_ERROR_TOO_FEW_POINTS);
}

static void
test_bbox (void)
{
  WgGeoBBox b = wg_geo_bbox_empty ();
  WgGeoBBox c = { 113.0, 23.0, 113.1, 23.1 };
  WgGeoBBox d = { 113.2, 23.0, 113.3, 23.1 };

  g_assert_false (wg_geo_bbox_contains (&b, 23.05, 113.05));
  wg_geo_bbox_extend (&b, 23.05, 113.05);
  wg_geo_bbox_extend (&b, 23.15, 113.15);
  g_assert_true (wg_geo_bbox_contains (&b, 23.1, 113.1));
  g_assert_false (wg_geo_bbox_contains (&b, 23.2, 113.1));
  g_assert_true (wg_geo_bbox_intersects (&b, &c));
  g_assert_false (wg_geo_bbox_intersects (&c, &d));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/geo/distance", test_distance);
  g_test_add_func ("/geo/contains-and-area", test_contains_and_area);
  g_test_add_func ("/geo/shape-distance", test_shape_distance);
  g_test_add_func ("/geo/hole-and-interior-point", test_hole_and_interior_point);
  g_test_add_func ("/geo/shared-edge-belongs-to-one", test_shared_edge_belongs_to_one);
  g_test_add_func ("/geo/overlaps", test_overlaps);
  g_test_add_func ("/geo/validate-errors", test_validate_errors);
  g_test_add_func ("/geo/bbox", test_bbox);

  return g_test_run ();
}
