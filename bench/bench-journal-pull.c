/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Journal pull: events per second reading the whole journal over HTTP
 * (GET /api/v1/journal?after=&limit=, following "more" and "head") from the
 * real wangge-server process holding a generated history (--demo with N
 * days: the Helong year by default), for three views: the admin's (the
 * whole journal), a trainer's (the whole journal, phones masked) and a
 * grid worker's (its grid's incidents only).  Each is pulled twice: by a
 * client reading the raw bytes (it finds "head" and "more" at the end of
 * each page) and by one parsing each page with json-glib, as a console
 * must.  Baseline in the same run: the same rows read straight from the
 * server's journal.db with SQLite (same page size, every event column
 * read; for the grid worker, the rows of its view by seq).  Pages of 5000
 * (the most allowed) and, for the admin, of 500 (the default).  The server
 * is restarted after generating the history, so its peak RSS is that of
 * serving.  Not a test: figures depend on the machine.
 *
 *   bench-journal-pull [--short] [--days N] [--rounds N]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memmem */
#endif
#include "config.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wg-bench.h"
#include "wg-test-server.h"

typedef struct
{
  const char *name;
  char       *token;
  GArray     *seqs;     /* the view's seqs (from the parsed pull), for the baseline */
  gboolean    all;      /* the whole journal */
} View;

static GBytes *
get_page (WgTestServer *server,
          const char   *token,
          gint64        after,
          guint         limit)
{
  g_autofree char *url = g_strdup_printf ("%s/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=%u",
                                          server->base_url, after, limit);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *header = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
  body = soup_session_send_and_read (server->session, msg, NULL, &error);
  if (body == NULL || soup_message_get_status (msg) != 200)
    g_error ("GET %s: %u %s", url, soup_message_get_status (msg), error != NULL ? error->message : "");
  return body;
}

/* The demo server's timers go on appending (an open incident falls
 * overdue) while the views are read: every pull stops at the head the
 * admin's first pull saw, so each read counts the same events. */
static gint64 pinned_head = G_MAXINT64;

/* The client reading raw bytes: it counts the events ("{\"seq\":" opens
 * each) and reads "head" and "more" from the end of the page. */
static guint64
pull_raw (WgTestServer *server,
          const char   *token,
          guint         limit)
{
  gint64 after = 0;
  guint64 n = 0;

  while (TRUE)
    {
      g_autoptr(GBytes) body = get_page (server, token, after, limit);
      gsize size;
      const char *text = g_bytes_get_data (body, &size);
      const char *end = text + size, *p = text, *tail;
      guint in_page = 0;

      while ((p = memmem (p, end - p, "{\"seq\":", 7)) != NULL)
        {
          p += 7;
          if (g_ascii_strtoll (p, NULL, 10) > pinned_head)
            return n + in_page;
          in_page++;
        }
      n += in_page;
      tail = size > 64 ? end - 64 : text;
      p = memmem (tail, end - tail, "\"head\":", 7);
      if (p == NULL)
        g_error ("a page without head");
      after = g_ascii_strtoll (p + 7, NULL, 10);
      if (memmem (tail, end - tail, "\"more\":true", 11) == NULL || after >= pinned_head)
        return n;
    }
}

/* The client parsing every page with json-glib; fills @seqs when given. */
static guint64
pull_parsed (WgTestServer *server,
             const char   *token,
             guint         limit,
             GArray       *seqs)
{
  gint64 after = 0;
  guint64 n = 0;

  while (TRUE)
    {
      g_autoptr(GBytes) body = get_page (server, token, after, limit);
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();
      g_autoptr(GError) error = NULL;
      JsonObject *object;
      JsonArray *events;

      if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error))
        g_error ("a page that is not JSON: %s", error->message);
      object = json_node_get_object (json_parser_get_root (parser));
      events = json_object_get_array_member (object, "events");
      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          gint64 seq = json_object_get_int_member (json_array_get_object_element (events, i), "seq");

          if (seq > pinned_head)
            return n;
          n++;
          if (seqs != NULL)
            g_array_append_val (seqs, seq);
        }
      after = json_object_get_int_member (object, "head");
      if (!json_object_get_boolean_member (object, "more") || after >= pinned_head)
        return n;
    }
}

static void
read_columns (sqlite3_stmt *stmt,
              guint64      *bytes)
{
  for (int c = 1; c < 10; c++)
    {
      sqlite3_column_text (stmt, c);
      *bytes += (guint64) sqlite3_column_bytes (stmt, c);
    }
}

/* The baseline: @view's rows straight from SQLite, in pages of @limit. */
static guint64
pull_sqlite (const char *path,
             const View *view,
             guint       limit)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 after = 0;
  guint64 n = 0, bytes = 0;

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    g_error ("%s: %s", path, sqlite3_errmsg (db));
  if (view->all)
    {
      if (sqlite3_prepare_v2 (db, "SELECT seq, ts, type, actor, role, command, subject, incident, exercise, body "
                                  "FROM journal WHERE seq > ?1 AND seq <= ?3 AND exercise IS NULL ORDER BY seq LIMIT ?2",
                              -1, &stmt, NULL) != SQLITE_OK)
        g_error ("%s: %s", path, sqlite3_errmsg (db));
      while (TRUE)
        {
          guint in_page = 0;
          int rc;

          sqlite3_bind_int64 (stmt, 1, after);
          sqlite3_bind_int (stmt, 2, (int) limit);
          sqlite3_bind_int64 (stmt, 3, pinned_head);
          while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
            {
              after = sqlite3_column_int64 (stmt, 0);
              read_columns (stmt, &bytes);
              in_page++;
            }
          if (rc != SQLITE_DONE)
            g_error ("%s: %s", path, sqlite3_errmsg (db));
          sqlite3_reset (stmt);
          n += in_page;
          if (in_page < limit)
            break;
        }
    }
  else
    {
      /* The view's rows by seq, a page at a time. */
      if (sqlite3_prepare_v2 (db, "SELECT seq, ts, type, actor, role, command, subject, incident, exercise, body "
                                  "FROM journal WHERE seq = ?1", -1, &stmt, NULL) != SQLITE_OK)
        g_error ("%s: %s", path, sqlite3_errmsg (db));
      sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
      for (guint i = 0; i < view->seqs->len; i++)
        {
          if (i % limit == 0)
            {
              sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
              sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);
            }
          sqlite3_bind_int64 (stmt, 1, g_array_index (view->seqs, gint64, i));
          if (sqlite3_step (stmt) != SQLITE_ROW)
            g_error ("%s: no row %" G_GINT64_FORMAT, path, g_array_index (view->seqs, gint64, i));
          read_columns (stmt, &bytes);
          sqlite3_reset (stmt);
          n++;
        }
      sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
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

/* The grid worker account of the grid with the most incidents. */
static char *
busiest_grid_worker (WgTestServer *server,
                     const char   *journal)
{
  g_autoptr(WgTestResponse) ref = wg_test_server_get (server, "/api/v1/reference");
  JsonArray *forces = json_object_get_array_member (json_object_get_object_member (wg_test_response_object (ref),
                                                                                    "forces"), "forces");
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *grid = NULL;

  if (sqlite3_open_v2 (journal, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (db, "SELECT grid FROM incidents WHERE grid IS NOT NULL GROUP BY grid"
                              " ORDER BY count (*) DESC LIMIT 1", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    g_error ("%s: %s", journal, sqlite3_errmsg (db));
  grid = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  for (guint i = 0; i < json_array_get_length (forces); i++)
    {
      JsonObject *force = json_array_get_object_element (forces, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (force, "type", ""), "grid_worker") == 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (force, "grid", ""), grid) == 0)
        return g_strdup (json_object_get_string_member (force, "account"));
    }
  g_error ("no grid worker for grid %s", grid);
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
  const struct { guint view, limit; } cases[] = { { 0, 500 }, { 0, 5000 }, { 1, 5000 }, { 2, 5000 } };
  View views[3];
  g_autofree char *worker = NULL;
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

  /* The views: the admin's, a trainer's, and the grid worker of the
   * grid with the most events. */
  views[0] = (View) { "admin", g_strdup (server->token), g_array_new (FALSE, FALSE, sizeof (gint64)), TRUE };
  views[1] = (View) { "trainer (masked)", wg_test_server_login (server, "trainer", "demo"),
                      g_array_new (FALSE, FALSE, sizeof (gint64)), TRUE };
  worker = busiest_grid_worker (server, journal);
  views[2] = (View) { "grid worker (filtered)", wg_test_server_login (server, worker, "demo"),
                      g_array_new (FALSE, FALSE, sizeof (gint64)), FALSE };
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      pull_parsed (server, views[v].token, 5000, views[v].seqs);
      if (v == 0 && views[0].seqs->len > 0)
        pinned_head = g_array_index (views[0].seqs, gint64, views[0].seqs->len - 1);
    }
  g_print ("%u events in the journal; median of %d round(s); views: admin %u, trainer %u, %s %u events\n",
           views[0].seqs->len, rounds, views[0].seqs->len, views[1].seqs->len, worker, views[2].seqs->len);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const View *view = &views[cases[c].view];
      guint limit = cases[c].limit;
      double raw[15], parsed[15], direct[15];
      double server_cpu = 0, client_cpu = 0;
      const char *pid = g_subprocess_get_identifier (server->process);
      guint64 n = view->seqs->len;

      for (int r = 0; r < rounds; r++)
        {
          double s0, c0;

          t0 = g_get_monotonic_time ();
          if (pull_sqlite (journal, view, limit) != n)
            g_error ("SQLite read a different number of rows");
          direct[r] = n / ((g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);

          s0 = cpu_seconds (pid);
          c0 = cpu_seconds ("self");
          t0 = g_get_monotonic_time ();
          if (pull_raw (server, view->token, limit) != n)
            g_error ("HTTP (raw) gave a different number of events");
          raw[r] = n / ((g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
          server_cpu += cpu_seconds (pid) - s0;
          client_cpu += cpu_seconds ("self") - c0;

          t0 = g_get_monotonic_time ();
          if (pull_parsed (server, view->token, limit, NULL) != n)
            g_error ("HTTP (parsed) gave a different number of events");
          parsed[r] = n / ((g_get_monotonic_time () - t0) / (double) G_USEC_PER_SEC);
        }
      wg_bench_sort_doubles (raw, rounds);
      wg_bench_sort_doubles (parsed, rounds);
      wg_bench_sort_doubles (direct, rounds);
      g_print ("%-22s pages of %4u: SQLite direct (baseline) %9.0f events/s   HTTP raw %8.0f events/s"
               " ratio %.3f   HTTP + json-glib %8.0f events/s ratio %.3f\n",
               view->name, limit, direct[rounds / 2], raw[rounds / 2], raw[rounds / 2] / direct[rounds / 2],
               parsed[rounds / 2], parsed[rounds / 2] / direct[rounds / 2]);
      g_print ("%-22s               CPU per event, raw pull: server %.1f us, client %.1f us\n", "",
               server_cpu * 1e6 / (n * rounds), client_cpu * 1e6 / (n * rounds));
    }
  n_events = views[0].seqs->len;
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      g_free (views[v].token);
      g_array_unref (views[v].seqs);
    }
  g_print ("peak RSS: wangge-server %.1f MiB (VmHWM, serving only)\n",
           wg_bench_peak_rss_kib (g_subprocess_get_identifier (server->process)) / 1024.0);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  return n_events > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
