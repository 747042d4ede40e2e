/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Journal pull: events per second reading the whole journal over HTTP
 * (GET /api/v1/journal?after=&limit=, following "more" and "head", the
 * answers parsed with json-glib as a client must) from the real
 * wangge-server process holding a generated history (--demo with N days:
 * the Helong year by default), against reading the same rows straight from
 * the server's journal.db with SQLite in the same run (same page size, every
 * column read).  Pages of 500 (the default) and of 5000 (the most allowed).
 * The server is restarted after generating the history, so its peak RSS is
 * that of serving.  Not a test: figures depend on the machine.
 *
 *   bench-journal-pull [--short] [--days N] [--rounds N]
 */
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wg-bench.h"
#include "wg-test-server.h"

static guint64
pull_http (WgTestServer *server,
           guint         limit)
{
  gint64 after = 0;
  guint64 n = 0;

  while (TRUE)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=%u", after, limit);
      g_autoptr(WgTestResponse) response = wg_test_server_request (server, "GET", path, NULL, NULL);
      JsonObject *object;

      if (response->status != 200 || response->json == NULL)
        g_error ("GET %s: %u", path, response->status);
      object = json_node_get_object (response->json);
      n += json_array_get_length (json_object_get_array_member (object, "events"));
      after = json_object_get_int_member (object, "head");
      if (!json_object_get_boolean_member (object, "more"))
        return n;
    }
}

static guint64
pull_sqlite (const char *path,
             guint       limit)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 after = 0;
  guint64 n = 0, bytes = 0;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "SELECT seq, ts, type, actor, role, command, subject, incident, exercise, body "
                                 "FROM journal WHERE seq > ?1 AND exercise IS NULL ORDER BY seq LIMIT ?2",
                             -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", path, sqlite3_errmsg (db));
  while (TRUE)
    {
      guint in_page = 0;
      int rc;

      sqlite3_bind_int64 (stmt, 1, after);
      sqlite3_bind_int (stmt, 2, (int) limit);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          after = sqlite3_column_int64 (stmt, 0);
          for (int c = 1; c < 10; c++)
            {
              sqlite3_column_text (stmt, c);
              bytes += (guint64) sqlite3_column_bytes (stmt, c);
            }
          in_page++;
        }
      if (rc != SQLITE_DONE)
        g_error ("%s: %s", path, sqlite3_errmsg (db));
      sqlite3_reset (stmt);
      n += in_page;
      if (in_page < limit)
        break;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert (bytes > 0);
  return n;
}

/* utime + stime of a process, in seconds (/proc/PID/stat fields 14, 15). */
static double
cpu_seconds (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (after_name = strrchr (text, ')')) == NULL)
    return 0;
  /* Field 3 (state) is the first after the name. */
  fields = g_strsplit (after_name + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

int
main (int   argc,
      char *argv[])
{
  gboolean short_run = FALSE;
  int days = 365, rounds = 3;
  const GOptionEntry entries[] = {
    { "short", 0, 0, G_OPTION_ARG_NONE, &short_run, "One round (the history is generated in seconds: still the year)", NULL },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, "Days of demo history (default 365: the Helong year)", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Alternating rounds per page size; medians (default 3)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestServer) server = NULL;
  g_autofree char *days_text = NULL;
  g_autofree char *journal = NULL;
  const guint limits[] = { 500, 5000 };
  guint64 n_events = 0;
  gint64 t0;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("bench-journal-pull: %s\n", error->message);
      return 2;
    }
  if (short_run)
    rounds = 1;
  rounds = CLAMP (rounds, 1, 15);
  days_text = g_strdup_printf ("%d", CLAMP (days, 1, 3660));

  server = wg_test_server_new (NULL);
  t0 = g_get_monotonic_time ();
  wg_test_server_start (server, (const char *[]) { "--demo", "--demo-days", days_text, NULL });
  g_print ("history: %s days generated by wangge-server --demo in %.1f s\n", days_text,
           (g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
  /* Serve from a fresh process: its peak RSS is the pull's, not the
   * generator's. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  wg_test_server_start (server, (const char *[]) { "--demo", "--demo-days", days_text, NULL });
  journal = g_build_filename (server->data_dir, "journal.db", NULL);

  for (guint l = 0; l < G_N_ELEMENTS (limits); l++)
    {
      double http[15], direct[15];
      double server_cpu = 0, client_cpu = 0;
      const char *pid = g_subprocess_get_identifier (server->process);

      for (int r = 0; r < rounds; r++)
        {
          guint64 n_http, n_direct;
          double s0 = cpu_seconds (pid), c0 = cpu_seconds ("self");

          t0 = g_get_monotonic_time ();
          n_http = pull_http (server, limits[l]);
          http[r] = n_http / ((g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
          server_cpu += cpu_seconds (pid) - s0;
          client_cpu += cpu_seconds ("self") - c0;
          t0 = g_get_monotonic_time ();
          n_direct = pull_sqlite (journal, limits[l]);
          direct[r] = n_direct / ((g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
          if (n_http != n_direct)
            g_error ("HTTP gave %" G_GUINT64_FORMAT " events, SQLite %" G_GUINT64_FORMAT, n_http, n_direct);
          n_events = n_http;
        }
      wg_bench_sort_doubles (http, rounds);
      wg_bench_sort_doubles (direct, rounds);
      if (l == 0)
        g_print ("%" G_GUINT64_FORMAT " events (admin's view: the whole journal); median of %d round(s)\n",
                 n_events, rounds);
      g_print ("pages of %4u: SQLite direct (baseline) %9.0f events/s   HTTP %8.0f events/s   ratio %.3f\n",
               limits[l], direct[rounds / 2], http[rounds / 2], http[rounds / 2] / direct[rounds / 2]);
      g_print ("              CPU per event over HTTP: server %.1f us, client (libsoup + json-glib) %.1f us\n",
               server_cpu * 1e6 / (n_events * rounds), client_cpu * 1e6 / (n_events * rounds));
    }
  g_print ("peak RSS: wangge-server %.1f MiB (VmHWM, serving only)\n",
           wg_bench_peak_rss_kib (g_subprocess_get_identifier (server->process)) / 1024.0);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  return n_events > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
