/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * How fast the history generator fills a journal: the Helong year, then a
 * city of 100 streets whose journal reaches about 1,000,000 events.  Each
 * figure comes with the baseline measured in the same run: the same rows
 * (read back from the generated journal) inserted into a bare table with
 * the journal's columns, the same pragmas (WAL, synchronous=FULL) and
 * about the same transaction size, by one prepared statement.  The ratio
 * is the generator's events/s over the baseline's rows/s: what deciding,
 * projecting, idempotency records and checkpoints cost over plain writes.
 *
 *   bench-history [--short] [--seed N] [--streets N] [--events N]
 */
#define G_LOG_DOMAIN "bench-history"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "wg-bench.h"
#include "wg-city.h"
#include "wg-history.h"
#include "test-files.h"

typedef struct {
  gint64 seq, ts;
  char  *cols[7];
} Row;

static gint64
file_size (const char *path)
{
  GStatBuf st;
  gint64 total = 0;
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);

  if (g_stat (path, &st) == 0)
    total += st.st_size;
  if (g_stat (wal, &st) == 0)
    total += st.st_size;
  return total;
}

static GArray *
read_rows (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (Row));

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT seq, ts, type, actor, role, command, subject, incident, body"
                              " FROM journal ORDER BY seq", -1, &stmt, NULL) != SQLITE_OK)
    g_error ("read %s: %s", path, sqlite3_errmsg (db));
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      Row row;

      row.seq = sqlite3_column_int64 (stmt, 0);
      row.ts = sqlite3_column_int64 (stmt, 1);
      for (int c = 0; c < 7; c++)
        row.cols[c] = g_strdup ((const char *) sqlite3_column_text (stmt, c + 2));
      g_array_append_val (rows, row);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return rows;
}

static void
free_rows (GArray *rows)
{
  for (guint i = 0; i < rows->len; i++)
    for (int c = 0; c < 7; c++)
      g_free (g_array_index (rows, Row, i).cols[c]);
  g_array_unref (rows);
}

/* Rows per second of plain inserts of @rows, @per_tx to a transaction. */
static double
baseline (const char *path,
          GArray     *rows,
          guint       per_tx)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 t0;
  double s;

  g_unlink (path);
  if (sqlite3_open (path, &db) != SQLITE_OK ||
      sqlite3_exec (db,
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                    "CREATE TABLE journal (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, type TEXT NOT NULL,"
                    " actor TEXT, role TEXT, command TEXT, subject TEXT NOT NULL, incident TEXT, exercise TEXT,"
                    " body TEXT NOT NULL)", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "INSERT INTO journal (seq, ts, type, actor, role, command, subject, incident, body)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &stmt, NULL) != SQLITE_OK)
    g_error ("baseline: %s", sqlite3_errmsg (db));

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = &g_array_index (rows, Row, i);

      if (i % per_tx == 0)
        sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
      sqlite3_bind_int64 (stmt, 1, row->seq);
      sqlite3_bind_int64 (stmt, 2, row->ts);
      for (int c = 0; c < 7; c++)
        sqlite3_bind_text (stmt, c + 3, row->cols[c], -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        g_error ("baseline insert: %s", sqlite3_errmsg (db));
      sqlite3_reset (stmt);
      if (i % per_tx == per_tx - 1 || i == rows->len - 1)
        if (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
          g_error ("baseline commit: %s", sqlite3_errmsg (db));
    }
  s = (g_get_monotonic_time () - t0) / 1e6;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return rows->len / MAX (s, 1e-6);
}

static WgHistoryStats
run (WgReference *ref,
     const char  *dir,
     const char  *label,
     guint64      seed,
     double       scale,
     guint        patrols)
{
  g_autofree char *journal = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *positions = g_build_filename (dir, "positions.db", NULL);
  g_autofree char *plain = g_build_filename (dir, "plain.db", NULL);
  g_autoptr(GError) error = NULL;
  WgHistoryParams params;
  WgHistoryStats stats;
  WgTrackPolicy policy;
  WgStore *store;
  WgTrackStore *tracks;
  GArray *rows;
  double rate, base;

  g_mkdir_with_parents (dir, 0700);
  store = wg_store_open (journal, &error);
  wg_track_policy_init_default (&policy);
  policy.retention_ms = G_MAXINT64 / 2;
  tracks = store != NULL ? wg_track_store_open (positions, &policy, &error) : NULL;
  if (tracks == NULL)
    g_error ("%s", error->message);

  wg_history_params_init (&params);
  params.seed = seed;
  params.incident_scale = scale;
  params.patrols_per_day = patrols;
  if (!wg_history_generate (store, tracks, ref, &params, &stats, &error))
    g_error ("%s", error->message);
  wg_track_store_free (tracks);
  wg_store_unref (store);

  rows = read_rows (journal);
  base = baseline (plain, rows, MAX (1, (guint) (stats.events * params.batch / MAX (stats.commands, 1))));
  free_rows (rows);
  rate = stats.events / MAX (stats.elapsed_s, 1e-6);

  printf ("%s: %u streets, %u incidents (%u/%u/%u), closure %.4f%%, disputes %u, rejections %u, "
          "alarm escalations %u, overdue %u\n",
          label, wg_reference_get_streets (ref)->len, stats.incidents, stats.by_grade[0], stats.by_grade[1], stats.by_grade[2],
          100 * wg_history_stats_closure_rate (&stats), stats.disputes, stats.rejections,
          stats.alarm_escalations, stats.overdue);
  printf ("%s: %" G_GUINT64_FORMAT " commands, %" G_GUINT64_FORMAT " events in %.1f s = %.0f events/s;"
          " plain insert of the same rows %.0f rows/s; ratio %.3f\n",
          label, stats.commands, stats.events, stats.elapsed_s, rate, base, rate / base);
  printf ("%s: journal.db %.1f MiB (%.0f bytes/event), positions.db %.1f MiB"
          " (%" G_GUINT64_FORMAT " points reported, %" G_GUINT64_FORMAT " kept), plain table %.1f MiB\n",
          label, file_size (journal) / 1048576.0, (double) file_size (journal) / MAX (stats.events, 1),
          file_size (positions) / 1048576.0, stats.track_points, stats.track_points_kept,
          file_size (plain) / 1048576.0);
  fflush (stdout);
  return stats;
}

int
main (int    argc,
      char **argv)
{
  gboolean short_run = FALSE;
  gint64 seed = 42;
  int streets = 100;
  gint64 target = 1000000;
  GOptionEntry entries[] = {
    { "short", 0, 0, G_OPTION_ARG_NONE, &short_run, "The Helong year only", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed (42)", "N" },
    { "streets", 0, 0, G_OPTION_ARG_INT, &streets, "Streets of the city (100)", "N" },
    { "events", 0, 0, G_OPTION_ARG_INT64, &target, "Journal events of the city (1000000)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = NULL;
  g_autofree char *demo = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *helong = NULL;
  g_autofree char *city = NULL;
  const char *src = g_getenv ("WANGGE_SOURCE_DIR");
  WgHistoryStats first;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || streets < 1 || target < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "bad arguments");
      return 2;
    }
  demo = src != NULL ? g_build_filename (src, "data", "demo", NULL) : g_build_filename (SOURCE_DATADIR, "demo", NULL);
  ref = wg_reference_load_dir (demo, &error);
  tmp = ref != NULL ? g_dir_make_tmp ("bench-history-XXXXXX", &error) : NULL;
  if (tmp == NULL)
    g_error ("%s", error->message);
  helong = g_build_filename (tmp, "helong", NULL);
  city = g_build_filename (tmp, "city", NULL);

  first = run (ref, helong, "helong", seed, 1.0, 2);
  test_rm_rf (helong);
  if (!short_run)
    {
      /* Scale the incidents so that the city's journal reaches the target:
       * events per incident stay about what the Helong year shows.  Tracks
       * of dispatched units only (no patrols) keep positions.db sane. */
      double scale = (double) target / ((double) streets * MAX (first.events, 1));
      g_autoptr(WgReference) city_ref = wg_city_new_reference (ref, streets, WG_CITY_DEFAULT_SEED, &error);

      if (city_ref == NULL)
        g_error ("%s", error->message);
      run (city_ref, city, "city", seed, scale, 0);
      test_rm_rf (city);
    }
  g_rmdir (tmp);
  return EXIT_SUCCESS;
}
