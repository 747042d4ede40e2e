/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wg-gcj02.h"

/* Published reference pairs (WGS-84 -> GCJ-02):
 * - googollee/eviltransform, python/test_eviltransform.py: Shanghai,
 *   Shenzhen and Beijing (TESTS = wgsLat, wgsLng, gcjLat, gcjLng);
 * - wandergis/coordtransform, test/app.js: wgs84togcj02(116.404, 39.915)
 *   = [116.41024449916938, 39.91640428150164].
 */
static const struct {
  const char *where;
  double wgs_lat, wgs_lon, gcj_lat, gcj_lon;
} reference[] = {
  { "shanghai", 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215 },
  { "shenzhen", 22.543847, 113.912316, 22.540796131694766, 113.9171764808363 },
  { "beijing", 39.911954, 116.377817, 39.91334545536069, 116.38404722455657 },
  { "beijing-coordtransform", 39.915, 116.404, 39.91640428150164, 116.41024449916938 },
};

static void
test_forward_matches_reference (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (reference); i++)
    {
      double lat, lon, err;

      wg_wgs84_to_gcj02 (reference[i].wgs_lat, reference[i].wgs_lon, &lat, &lon);
      err = wg_geo_distance_m (lat, lon, reference[i].gcj_lat, reference[i].gcj_lon);
      g_test_message ("%s: forward error %.4f m", reference[i].where, err);
      g_assert_cmpfloat (err, <, 1.0);
    }
}

static void
test_inverse_matches_reference (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (reference); i++)
    {
      double lat, lon, err;

      wg_gcj02_to_wgs84 (reference[i].gcj_lat, reference[i].gcj_lon, &lat, &lon);
      err = wg_geo_distance_m (lat, lon, reference[i].wgs_lat, reference[i].wgs_lon);
      g_test_message ("%s: inverse error %.4f m", reference[i].where, err);
      g_assert_cmpfloat (err, <, 1.0);
    }
}

static void
test_round_trip_over_helong (void)
{
  /* A lattice over Helong street (Guangzhou) and its surroundings. */
  for (double lat = 23.10; lat <= 23.35; lat += 0.01)
    for (double lon = 113.15; lon <= 113.45; lon += 0.01)
      {
        double g_lat, g_lon, w_lat, w_lon;

        wg_wgs84_to_gcj02 (lat, lon, &g_lat, &g_lon);
        /* The shift in Guangzhou is a few hundred metres. */
        g_assert_cmpfloat (wg_geo_distance_m (lat, lon, g_lat, g_lon), >, 100.0);
        g_assert_cmpfloat (wg_geo_distance_m (lat, lon, g_lat, g_lon), <, 1000.0);
        wg_gcj02_to_wgs84 (g_lat, g_lon, &w_lat, &w_lon);
        g_assert_cmpfloat (wg_geo_distance_m (lat, lon, w_lat, w_lon), <, 0.01);
      }
}

static void
test_identity_outside_china (void)
{
  double lat, lon;

  g_assert_true (wg_gcj02_out_of_china (48.8566, 2.3522));
  wg_wgs84_to_gcj02 (48.8566, 2.3522, &lat, &lon);
  g_assert_cmpfloat (lat, ==, 48.8566);
  g_assert_cmpfloat (lon, ==, 2.3522);
  wg_gcj02_to_wgs84 (48.8566, 2.3522, &lat, &lon);
  g_assert_cmpfloat (lat, ==, 48.8566);
  g_assert_cmpfloat (lon, ==, 2.3522);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gcj02/forward-reference", test_forward_matches_reference);
  g_test_add_func ("/gcj02/inverse-reference", test_inverse_matches_reference);
  g_test_add_func ("/gcj02/round-trip-helong", test_round_trip_over_helong);
  g_test_add_func ("/gcj02/identity-outside-china", test_identity_outside_china);
  return g_test_run ();
}
