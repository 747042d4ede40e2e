/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The statistics of the generated Helong year (seed 42, anchor 2026-11-28)
 * agree with counts made directly in SQL on the projected state: cases
 * received, closed and cancelled, the closure rate the street reports
 * (99.97%), for the whole year and month by month in the centre's time
 * zone.  Prints how long the year's figures take.
 */
#include "config.h"

#include <sqlite3.h>

#include "test-files.h"
#include "wg-history.h"
#include "wg-store-statistics.h"

static char *
demo_dir (void)
{
  const char *src = g_getenv ("WANGGE_SOURCE_DIR");

  if (src)
    return g_build_filename (src, "data", "demo", NULL);
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

static gint64
count_between (WgStore    *store,
               const char *sql,
               gint64      from,
               gint64      to)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (wg_store_get_sqlite (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static void
check_period (WgStore *store,
              gint64   from,
              gint64   to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgFigures) f = wg_store_compute_statistics (store, from, to, from, NULL, NULL, &error);
  gint64 received, closed, cancelled, merged;

  g_assert_no_error (error);
  received = count_between (store, "SELECT count(*) FROM incidents WHERE reported_at >= ?1 AND reported_at < ?2", from, to);
  closed = count_between (store, "SELECT count(*) FROM incidents WHERE reported_at >= ?1 AND reported_at < ?2"
                                 " AND state = 'closed'", from, to);
  cancelled = count_between (store, "SELECT count(*) FROM incidents WHERE reported_at >= ?1 AND reported_at < ?2"
                                    " AND state = 'cancelled'", from, to);
  merged = count_between (store, "SELECT count(*) FROM incidents WHERE reported_at >= ?1 AND reported_at < ?2"
                                 " AND state = 'merged'", from, to);
  g_assert_cmpint (f->received, ==, received);
  g_assert_cmpint (f->merged, ==, merged);
  g_assert_cmpint (f->closed, ==, closed);
  g_assert_cmpint (f->cancelled, ==, cancelled);
  if (received > cancelled + merged)
    g_assert_cmpfloat_with_epsilon (f->closure_rate, (double) closed / (received - cancelled - merged), 1e-12);
}

static void
test_year (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wg-statistics-year-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *demo = demo_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = wg_reference_load_dir (demo, &error);
  g_autoptr(WgFigures) year = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Asia/Shanghai");
  WgHistoryParams params;
  WgHistoryStats stats;
  WgStore *store;
  gint64 start, from, to, previous;

  g_assert_no_error (error);
  store = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_history_params_init_from_reference (&params, ref);
  params.seed = 42;
  params.anchor = "2026-11-28";
  g_assert_true (wg_history_generate (store, NULL, ref, &params, &stats, &error));
  g_assert_no_error (error);

  /* The year the history covers: from its first case to the anchor. */
  start = g_get_monotonic_time ();
  year = wg_store_compute_statistics (store, 0, G_MAXINT64 / 2, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("the year: %u received, %u closed, %u cancelled, closure rate %.4f%%, "
                  "%u departments ranked, %u hotspots; computed in %.0f ms",
                  year->received, year->closed, year->cancelled, year->closure_rate * 100,
                  year->departments->len, year->hotspots->len,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (year->received, ==, stats.incidents);
  g_assert_cmpuint (year->closed, ==, stats.closed);
  g_assert_cmpfloat (year->closure_rate, >=, 0.9995);
  g_assert_cmpfloat (year->closure_rate, <=, 0.9999);
  check_period (store, 0, G_MAXINT64 / 2);

  /* Month by month in Asia/Shanghai. */
  for (int month = 1; month <= 11; month++)
    {
      g_autofree char *period = g_strdup_printf ("2026-%02d", month);

      g_assert_true (wg_statistics_parse_period (tz, period, &from, &to, &previous, NULL));
      check_period (store, from, to);
    }

  wg_store_unref (store);
  test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/statistics/generated-year", test_year);
  return g_test_run ();
}
