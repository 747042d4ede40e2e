/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The standard published GCJ-02 obfuscation (Krasovsky 1940 ellipsoid plus a
 * trigonometric offset field).  The forward direction is exact; the inverse
 * has no closed form and is solved by fixed-point iteration, which converges
 * to well under a millimetre in a handful of steps.
 */
#define G_LOG_DOMAIN "wg-gcj02"

#include "config.h"

#include <math.h>

#include "wg-gcj02.h"

#define KRASOVSKY_A  6378245.0
#define KRASOVSKY_EE 0.00669342162296594323

gboolean
wg_gcj02_out_of_china (double lat,
                       double lon)
{
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

static double
offset_lat (double x,
            double y)
{
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt (fabs (x));

  r += (20.0 * sin (6.0 * x * G_PI) + 20.0 * sin (2.0 * x * G_PI)) * 2.0 / 3.0;
  r += (20.0 * sin (y * G_PI) + 40.0 * sin (y / 3.0 * G_PI)) * 2.0 / 3.0;
  r += (160.0 * sin (y / 12.0 * G_PI) + 320.0 * sin (y * G_PI / 30.0)) * 2.0 / 3.0;
  return r;
}

static double
offset_lon (double x,
            double y)
{
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt (fabs (x));

  r += (20.0 * sin (6.0 * x * G_PI) + 20.0 * sin (2.0 * x * G_PI)) * 2.0 / 3.0;
  r += (20.0 * sin (x * G_PI) + 40.0 * sin (x / 3.0 * G_PI)) * 2.0 / 3.0;
  r += (150.0 * sin (x / 12.0 * G_PI) + 300.0 * sin (x / 30.0 * G_PI)) * 2.0 / 3.0;
  return r;
}

static void
delta (double  lat,
       double  lon,
       double *d_lat,
       double *d_lon)
{
  double rad_lat = lat / 180.0 * G_PI;
  double magic = sin (rad_lat);
  double sqrt_magic;

  magic = 1.0 - KRASOVSKY_EE * magic * magic;
  sqrt_magic = sqrt (magic);

  *d_lat = offset_lat (lon - 105.0, lat - 35.0) * 180.0
           / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * G_PI);
  *d_lon = offset_lon (lon - 105.0, lat - 35.0) * 180.0
           / (KRASOVSKY_A / sqrt_magic * cos (rad_lat) * G_PI);
}

void
wg_wgs84_to_gcj02 (double  lat,
                   double  lon,
                   double *out_lat,
                   double *out_lon)
{
  double d_lat, d_lon;

  g_return_if_fail (out_lat != NULL && out_lon != NULL);

  if (wg_gcj02_out_of_china (lat, lon))
    {
      *out_lat = lat;
      *out_lon = lon;
      return;
    }

  delta (lat, lon, &d_lat, &d_lon);
  *out_lat = lat + d_lat;
  *out_lon = lon + d_lon;
}

void
wg_gcj02_to_wgs84 (double  lat,
                   double  lon,
                   double *out_lat,
                   double *out_lon)
{
  double w_lat = lat, w_lon = lon;

  g_return_if_fail (out_lat != NULL && out_lon != NULL);

  if (wg_gcj02_out_of_china (lat, lon))
    {
      *out_lat = lat;
      *out_lon = lon;
      return;
    }

  /* Fixed point: w = g - (f(w) - w).  The offset field varies slowly (a few
   * hundred metres over degrees), so each step gains about three digits. */
  for (guint i = 0; i < 10; i++)
    {
      double g_lat, g_lon, e_lat, e_lon;

      wg_wgs84_to_gcj02 (w_lat, w_lon, &g_lat, &g_lon);
      e_lat = g_lat - lat;
      e_lon = g_lon - lon;
      w_lat -= e_lat;
      w_lon -= e_lon;
      if (fabs (e_lat) < 1e-10 && fabs (e_lon) < 1e-10)
        break;
    }

  *out_lat = w_lat;
  *out_lon = w_lon;
}
