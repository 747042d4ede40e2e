/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "test-demo.h"

WgReference *
test_demo_reference (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("WANGGE_SOURCE_DIR") ?: SOURCE_DATADIR "/..",
                                           "data", "demo", NULL);
  WgReference *reference = wg_reference_load_dir (dir, &error);

  g_assert_no_error (error);
  return reference;
}

gint64
test_shanghai_ms (int year,
                  int month,
                  int day,
                  int hour,
                  int minute)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(GDateTime) dt = g_date_time_new (tz, year, month, day, hour, minute, 0);

  return g_date_time_to_unix (dt) * 1000;
}
