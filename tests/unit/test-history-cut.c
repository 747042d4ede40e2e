/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A generated history cut short (WgHistoryParams.until_ms, wangge-history
 * --until-now): nothing at or after the cut, and the cases under way then
 * left open, as a live centre's journal is at that moment; the same days
 * uncut close them.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "wg-history.h"

#define HOUR_MS (3600 * (gint64) 1000)

static gint64
query_int (WgStore    *store,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (wg_store_get_sqlite (store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static WgStore *
generate (WgReference    *reference,
          const char     *dir,
          const char     *name,
          gint64          until_ms,
          WgHistoryStats *stats)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgStore) store = wg_store_open (path, &error);
  WgHistoryParams params;

  g_assert_no_error (error);
  wg_history_params_init_from_reference (&params, reference);
  params.anchor = "2026-11-28";
  params.days = 4;
  params.until_ms = until_ms;
  if (!wg_history_generate (store, NULL, reference, &params, stats, &error))
    g_error ("history: %s", error->message);
  return g_steal_pointer (&store);
}

static void
test_cut (void)
{
  const char *source = g_getenv ("WANGGE_SOURCE_DIR");
  g_autofree char *demo = g_build_filename (source != NULL ? source : SOURCE_DATADIR "/..", "data", "demo", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_reference_load_dir (demo, &error);
  g_autofree char *dir = g_dir_make_tmp ("wg-history-cut-XXXXXX", &error);
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(WgStore) whole = NULL, cut = NULL;
  WgHistoryStats whole_stats, cut_stats;
  gint64 end_ms, until_ms;
  g_autofree char *after = NULL, *open_sql = NULL;

  g_assert_no_error (error);
  tz = g_time_zone_ref (wg_reference_get_time_zone (reference));
  midnight = g_date_time_new (tz, 2026, 11, 28, 0, 0, 0);
  end_ms = g_date_time_to_unix (midnight) * 1000;
  /* Mid-afternoon of the last day: cases are under way. */
  until_ms = end_ms - 9 * HOUR_MS;

  whole = generate (reference, dir, "whole.db", 0, &whole_stats);
  cut = generate (reference, dir, "cut.db", until_ms, &cut_stats);

  g_assert_cmpint (whole_stats.end_ms, ==, end_ms);
  g_assert_cmpint (cut_stats.end_ms, ==, until_ms);
  g_assert_cmpint (cut_stats.start_ms, ==, whole_stats.start_ms);
  after = g_strdup_printf ("SELECT count(*) FROM journal WHERE ts >= %" G_GINT64_FORMAT, until_ms);
  g_assert_cmpint (query_int (whole, after), >, 0);
  g_assert_cmpint (query_int (cut, after), ==, 0);
  g_assert_cmpuint (cut_stats.incidents, <, whole_stats.incidents);
  g_assert_cmpint (query_int (cut, "SELECT count(*) FROM commands WHERE outcome <> 'accepted'"), ==, 0);
  /* Reported before the cut and not closed by it: open in the cut
   * history, closed (or ended) in the whole one. */
  open_sql = g_strdup_printf ("SELECT count(*) FROM incidents WHERE state NOT IN ('closed', 'cancelled') AND reported_at >= %"
                              G_GINT64_FORMAT, until_ms - 6 * HOUR_MS);
  g_assert_cmpint (query_int (cut, open_sql), >, query_int (whole, open_sql));

  g_clear_pointer (&whole, wg_store_unref);
  g_clear_pointer (&cut, wg_store_unref);
  for (const char *const *name = (const char *const[]) { "whole.db", "cut.db", NULL }; *name != NULL; name++)
    for (const char *const *suffix = (const char *const[]) { "", "-wal", "-shm", NULL }; *suffix != NULL; suffix++)
      {
        g_autofree char *file = g_strconcat (dir, G_DIR_SEPARATOR_S, *name, *suffix, NULL);

        g_unlink (file);
      }
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/history/cut", test_cut);
  return g_test_run ();
}
