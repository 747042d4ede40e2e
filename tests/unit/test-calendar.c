/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run twice by meson: with TZ=UTC and TZ=Asia/Shanghai.  The results must
 * not change: the calendar uses its own time zone only.
 */
#include "config.h"

#include "wg-calendar.h"
#include "wg-error.h"

/* Local (+08:00) time in ms. */
static gint64
at (int y, int mo, int d, int h, int mi)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) dt = g_date_time_new (tz, y, mo, d, h, mi, 0);
  return g_date_time_to_unix (dt) * 1000;
}

static void
test_add_working_minutes (void)
{
  g_autoptr(WgCalendar) cal = wg_calendar_new ("Asia/Shanghai");
  const struct {
    gint64 start;
    gint64 minutes;
    gint64 want;
    const char *what;
  } cases[] = {
    { at (2026, 11, 27, 10, 0), 30, at (2026, 11, 27, 10, 30), "inside the morning" },
    { at (2026, 11, 27, 11, 45), 30, at (2026, 11, 27, 14, 15), "across lunch" },
    { at (2026, 11, 27, 12, 30), 10, at (2026, 11, 27, 14, 10), "starting at lunch" },
    { at (2026, 11, 27, 17, 20), 20, at (2026, 11, 30, 8, 40), "across the weekend" },
    { at (2026, 11, 28, 10, 0), 10, at (2026, 11, 30, 8, 40), "starting on Saturday" },
    { at (2026, 11, 26, 23, 30), 60, at (2026, 11, 27, 9, 30), "starting before midnight" },
    { at (2026, 11, 27, 0, 30), 60, at (2026, 11, 27, 9, 30), "just after midnight" },
    { at (2026, 11, 27, 8, 30), 420, at (2026, 11, 27, 17, 30), "a whole day ends at 17:30" },
    { at (2026, 11, 27, 8, 30), 421, at (2026, 11, 30, 8, 31), "one more minute is Monday" },
    { at (2026, 11, 23, 8, 30), 5 * 420, at (2026, 11, 27, 17, 30), "a working week" },
    { at (2026, 11, 27, 10, 0), 0, at (2026, 11, 27, 10, 0), "zero minutes" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gint64 got = wg_calendar_add_working_minutes (cal, cases[i].start, cases[i].minutes);
      if (got != cases[i].want)
        g_error ("%s: got %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT, cases[i].what, got, cases[i].want);
      /* The inverse. */
      g_assert_cmpint (wg_calendar_working_ms_between (cal, cases[i].start, got), ==, cases[i].minutes * 60000);
    }
}

static void
test_holidays_and_workdays (void)
{
  g_autoptr(WgCalendar) cal = wg_calendar_new ("Asia/Shanghai");
  g_autoptr(GError) error = NULL;

  /* Thursday off, Saturday a make-up working day. */
  g_assert_true (wg_calendar_add_holiday (cal, "2026-11-26", &error));
  g_assert_true (wg_calendar_add_workday (cal, "2026-11-28", &error));
  g_assert_cmpint (wg_calendar_add_working_minutes (cal, at (2026, 11, 25, 17, 0), 60), ==,
                   at (2026, 11, 27, 9, 0));
  g_assert_cmpint (wg_calendar_add_working_minutes (cal, at (2026, 11, 27, 17, 0), 60), ==,
                   at (2026, 11, 28, 9, 0));
  g_assert_true (wg_calendar_is_working_time (cal, at (2026, 11, 28, 9, 0)));
  g_assert_false (wg_calendar_is_working_time (cal, at (2026, 11, 26, 9, 0)));
  g_assert_false (wg_calendar_is_working_time (cal, at (2026, 11, 27, 12, 0)));
  g_assert_true (wg_calendar_is_working_time (cal, at (2026, 11, 27, 11, 59)));

  g_assert_false (wg_calendar_add_holiday (cal, "2026-02-30", &error));
  g_assert_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD);
}

static void
test_configured_hours (void)
{
  g_autoptr(WgCalendar) cal = wg_calendar_new ("Asia/Shanghai");
  g_autoptr(GError) error = NULL;

  /* A 24-hour Saturday and an evening shift on Sunday. */
  g_assert_true (wg_calendar_set_hours (cal, 6, "00:00-24:00", &error));
  g_assert_true (wg_calendar_set_hours (cal, 7, "18:00-22:00", &error));
  g_assert_cmpint (wg_calendar_add_working_minutes (cal, at (2026, 11, 27, 17, 0), 60), ==,
                   at (2026, 11, 28, 0, 30));
  g_assert_cmpint (wg_calendar_add_working_minutes (cal, at (2026, 11, 28, 23, 0), 120), ==,
                   at (2026, 11, 29, 19, 0));

  g_assert_false (wg_calendar_set_hours (cal, 1, "14:00-12:00", &error));
  g_clear_error (&error);
  g_assert_false (wg_calendar_set_hours (cal, 1, "08:00-12:00,11:00-13:00", &error));
  g_clear_error (&error);
  g_assert_false (wg_calendar_set_hours (cal, 1, "8h", &error));
  g_clear_error (&error);

  /* No working time at all: no deadline. */
  for (guint d = 1; d <= 7; d++)
    g_assert_true (wg_calendar_set_hours (cal, d, "", &error));
  g_assert_cmpint (wg_calendar_add_working_minutes (cal, at (2026, 11, 27, 10, 0), 1), ==, -1);
}

static void
test_local_day (void)
{
  g_autoptr(WgCalendar) shanghai = wg_calendar_new (NULL);
  g_autoptr(WgCalendar) utc = wg_calendar_new ("UTC");
  g_autofree char *a = wg_calendar_local_day (shanghai, at (2026, 11, 27, 23, 59));
  g_autofree char *b = wg_calendar_local_day (shanghai, at (2026, 11, 28, 0, 0));
  g_autofree char *c = wg_calendar_local_day (utc, at (2026, 11, 28, 0, 0));

  g_assert_cmpstr (wg_calendar_get_time_zone_id (shanghai), ==, "Asia/Shanghai");
  g_assert_cmpstr (a, ==, "20261127");
  g_assert_cmpstr (b, ==, "20261128");
  g_assert_cmpstr (c, ==, "20261127");

  /* The kept day answers inside its bounds only, either way in time. */
  {
    g_autofree char *again = wg_calendar_local_day (shanghai, at (2026, 11, 28, 23, 59) + 59999);
    g_autofree char *next = wg_calendar_local_day (shanghai, at (2026, 11, 29, 0, 0));
    g_autofree char *back = wg_calendar_local_day (shanghai, at (2026, 11, 27, 23, 59) + 59999);
    g_autofree char *same = wg_calendar_local_day (shanghai, at (2026, 11, 29, 0, 0) - 1);

    g_assert_cmpstr (again, ==, "20261128");
    g_assert_cmpstr (next, ==, "20261129");
    g_assert_cmpstr (back, ==, "20261127");
    g_assert_cmpstr (same, ==, "20261128");
  }

  /* The same working hours in UTC are eight hours later in absolute time. */
  g_assert_cmpint (wg_calendar_add_working_minutes (utc, at (2026, 11, 27, 16, 30), 30) -
                   wg_calendar_add_working_minutes (shanghai, at (2026, 11, 27, 8, 30), 30), ==,
                   8 * 3600 * 1000);
}

/* A centre in a zone with daylight saving: hours stay local across the
 * change (Europe/Berlin, 2026-03-29). */
static void
test_daylight_saving (void)
{
  g_autoptr(WgCalendar) cal = wg_calendar_new ("Europe/Berlin");
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) fri = g_date_time_new (utc, 2026, 3, 27, 16, 0, 0);   /* 17:00 CET */
  g_autoptr(GDateTime) mon = g_date_time_new (utc, 2026, 3, 30, 7, 0, 0);    /* 09:00 CEST */

  if (g_strcmp0 (g_time_zone_get_identifier (wg_calendar_get_time_zone (cal)), "Europe/Berlin") != 0)
    {
      g_test_skip ("no Europe/Berlin zone data");
      return;
    }
  /* 30 min on Friday, 30 on Monday from 08:30 local. */
  g_assert_cmpint (wg_calendar_add_working_minutes (cal, g_date_time_to_unix (fri) * 1000, 60), ==,
                   g_date_time_to_unix (mon) * 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/calendar/add-working-minutes", test_add_working_minutes);
  g_test_add_func ("/calendar/holidays-and-workdays", test_holidays_and_workdays);
  g_test_add_func ("/calendar/configured-hours", test_configured_hours);
  g_test_add_func ("/calendar/local-day", test_local_day);
  g_test_add_func ("/calendar/daylight-saving", test_daylight_saving);
  return g_test_run ();
}
