/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Command intake: incident.report commands per second through POST
 * /api/v1/commands (token check, JSON guard, group commit on the writer
 * thread with one savepoint per command, synchronous=FULL, stream
 * publication) with IN_FLIGHT requests outstanding, against two baselines
 * in the same run:
 *
 *  - wg_store_execute_command() alone, one transaction (one fsync) per
 *    command (and once with synchronous=OFF: the engine's CPU per command);
 *  - a bare SoupServer on the same loopback: the request's JSON parsed,
 *    one journal row of the same shape per command, group commit (one
 *    transaction per main-loop turn or 2 ms) with synchronous=FULL.
 *
 * Goals (issue 21): the full engine >= 2x the one-at-a-time store, >= 50%
 * of the bare group-commit server, p99 < 50 ms.  Not a test.
 *
 *   bench-server-commands [--engine-only] [SECONDS] [IN_FLIGHT]
 *
 * --engine-only: the full engine's run alone, no baselines: for comparing
 * two builds of this program under `perf stat` (instructions per command
 * are what a loaded machine moves least).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wg-bench.h"
#include "wg-bench-server.h"
#include "wg-engine.h"
#include "wg-reference.h"
#include "wg-server.h"
#include "wg-store-reference.h"
#include "wg-store.h"
#include "test-files.h"

#define BODY "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,\"lon\":113.29},\"summary\":\"bench\"}"

/* CPU seconds of this process's threads but the load driver's (the
 * client) and the thread pools' (the driver's one login, argon2id): the
 * in-process server's work per command, whatever else runs on the
 * machine.  Threads that ended before are not counted: call it while the
 * server runs.  @main_loop: the process's first thread's alone, the
 * server's main loop (reads, checks, answers), which bounds its rate. */
static double
server_cpu_seconds (double *main_loop)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  g_autofree char *main_tid = g_strdup_printf ("%d", (int) getpid ());
  const char *tid;
  double total = 0;

  while (dir != NULL && (tid = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *text = NULL;
      g_auto(GStrv) fields = NULL;
      const char *after_name;
      double seconds;

      if (!g_file_get_contents (path, &text, NULL, NULL) || (after_name = strrchr (text, ')')) == NULL)
        continue;
      if (strstr (text, "(bench-load)") != NULL || strstr (text, "(pool") != NULL)
        continue;
      /* After "(comm) ": state is field 3, utime 14 and stime 15. */
      fields = g_strsplit (after_name + 2, " ", 16);
      if (g_strv_length (fields) < 14)
        continue;
      seconds = (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
      total += seconds;
      if (main_loop != NULL && g_str_equal (tid, main_tid))
        *main_loop = seconds;
    }
  return total;
}

/* A new command each time: the server refuses a repeated id. */
static SoupMessage *
build_command (gpointer user_data)
{
  const char *url = user_data;
  g_autofree char *id = g_uuid_string_random ();

  return wg_bench_json_post (url, g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":" BODY "}", id));
}

/* The same command as raw JSON, for the raw client. */
static char *
build_command_body (gpointer user_data)
{
  g_autofree char *id = g_uuid_string_random ();

  return g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":" BODY "}", id);
}

/* ---- the bare group-commit server --------------------------------------- */

typedef struct
{
  SoupServerMessage *msg;
  char              *id;
  char              *body;
} BareRow;

typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *insert;
  GPtrArray    *pending;   /* BareRow* */
  guint         idle_id;
  guint         timeout_id;
  gint64        seq;
} Bare;

static void
bare_row_free (gpointer data)
{
  BareRow *row = data;

  g_object_unref (row->msg);
  g_free (row->id);
  g_free (row->body);
  g_free (row);
}

static gboolean
bare_commit_cb (gpointer data)
{
  Bare *bare = data;
  g_autoptr(GPtrArray) rows = g_steal_pointer (&bare->pending);
  gint64 now_ms = g_get_real_time () / 1000;

  g_clear_handle_id (&bare->idle_id, g_source_remove);
  g_clear_handle_id (&bare->timeout_id, g_source_remove);
  bare->pending = g_ptr_array_new_with_free_func (bare_row_free);
  g_assert_cmpint (sqlite3_exec (bare->db, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < rows->len; i++)
    {
      BareRow *row = g_ptr_array_index (rows, i);

      sqlite3_bind_int64 (bare->insert, 1, ++bare->seq);
      sqlite3_bind_int64 (bare->insert, 2, now_ms);
      sqlite3_bind_text (bare->insert, 3, row->id, -1, SQLITE_STATIC);
      sqlite3_bind_text (bare->insert, 4, row->body, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (bare->insert), ==, SQLITE_DONE);
      sqlite3_reset (bare->insert);
    }
  g_assert_cmpint (sqlite3_exec (bare->db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < rows->len; i++)
    {
      BareRow *row = g_ptr_array_index (rows, i);
      char *answer = g_strdup_printf ("{\"command\":\"%s\",\"seq\":%" G_GINT64_FORMAT "}",
                                      row->id, bare->seq - rows->len + 1 + i);

      soup_server_message_set_status (row->msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (row->msg, "application/json", SOUP_MEMORY_TAKE, answer, strlen (answer));
      soup_server_message_unpause (row->msg);
    }
  return G_SOURCE_REMOVE;
}

static void
bare_command_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  Bare *bare = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(JsonNode) root = json_from_string (body->data, NULL);
  JsonObject *command;
  BareRow *row;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }
  command = json_node_get_object (root);
  row = g_new0 (BareRow, 1);
  row->msg = g_object_ref (msg);
  row->id = g_strdup (json_object_get_string_member_with_default (command, "id", ""));
  row->body = json_to_string (json_object_get_member (command, "body"), FALSE);
  soup_server_message_pause (msg);
  g_ptr_array_add (bare->pending, row);
  if (bare->idle_id == 0)
    bare->idle_id = g_idle_add (bare_commit_cb, bare);
  if (bare->timeout_id == 0)
    bare->timeout_id = g_timeout_add (2, bare_commit_cb, bare);
}

static double
measure_bare (double   seconds,
              guint    in_flight,
              gint64  *p99,
              double  *cpu_us)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-bench-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *base_url = NULL;
  g_autofree char *url = NULL;
  WgBenchLoad load = { 0 };
  WgBenchLoadResult result;
  Bare bare = { 0 };
  double rate, cpu_start;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_open (path, &bare.db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (bare.db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                                 "CREATE TABLE journal (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
                                 " type TEXT NOT NULL, actor TEXT, command TEXT UNIQUE, body TEXT NOT NULL)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (bare.db, "INSERT INTO journal (seq, ts, type, actor, command, body)"
                                       " VALUES (?1, ?2, 'incident.reported', 'dispatcher', ?3, ?4)",
                                       -1, &bare.insert, NULL), ==, SQLITE_OK);
  bare.pending = g_ptr_array_new_with_free_func (bare_row_free);

  /* libsoup's own listen leaves the backlog at 10 (platform-notes.md). */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (socket, WG_LISTEN_BACKLOG);
  g_assert_true (g_socket_bind (socket, address, TRUE, &error));
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_true (soup_server_listen_socket (server, socket, 0, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  soup_server_add_handler (server, "/api/v1/commands", bare_command_cb, &bare, NULL);
  base_url = g_strdup_printf ("http://127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  url = g_strconcat (base_url, "/api/v1/commands", NULL);

  load.base_url = base_url;
  load.in_flight = in_flight;
  load.seconds = seconds;
  load.build_request = build_command;
  load.user_data = url;
  load.raw_path = "/api/v1/commands";
  load.raw_body = build_command_body;
  cpu_start = server_cpu_seconds (NULL);
  wg_bench_load_run (&load, &result);
  *cpu_us = (server_cpu_seconds (NULL) - cpu_start) * 1e6 / MAX (1, result.done);
  rate = result.done / result.seconds;
  wg_bench_sort_gint64 (result.latencies_us);
  *p99 = wg_bench_percentile (result.latencies_us, 0.99);
  wg_bench_load_result_clear (&result);

  soup_server_disconnect (server);
  if (bare.pending->len > 0)
    bare_commit_cb (&bare);
  g_clear_handle_id (&bare.idle_id, g_source_remove);
  g_clear_handle_id (&bare.timeout_id, g_source_remove);
  g_ptr_array_unref (bare.pending);
  sqlite3_finalize (bare.insert);
  sqlite3_close (bare.db);
  test_rm_rf (dir);
  return rate;
}

/* ---- the store alone ------------------------------------------------------ */

/* Baseline: the same commands straight into a store with the same
 * reference, one transaction each. */
static double
measure_store (double   seconds,
               gboolean no_sync)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-bench-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *demo = wg_engine_find_demo_dir ();
  g_autoptr(WgReference) reference = wg_reference_load_dir (demo, &error);
  g_autoptr(WgActor) actor = wg_actor_new ("dispatcher", WG_ROLE_DISPATCHER, NULL, NULL, NULL);
  g_autoptr(JsonNode) body = json_from_string (BODY, NULL);
  WgStore *store;
  gint64 start, deadline;
  guint64 n = 0;

  g_assert_no_error (error);
  store = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_adopt_reference (store, reference, &error);
  g_assert_no_error (error);
  if (no_sync)
    sqlite3_exec (wg_store_get_sqlite (store), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
  start = g_get_monotonic_time ();
  deadline = start + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autoptr(WgCommand) command = wg_command_new (id, WG_CMD_INCIDENT_REPORT, json_node_get_object (body));
      g_autoptr(GPtrArray) events = NULL;

      wg_store_execute_command (store, command, actor, g_get_real_time () / 1000, &events, NULL, &error);
      g_assert_no_error (error);
      n++;
    }
  wg_store_unref (store);
  test_rm_rf (dir);
  return n / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  gboolean engine_only = argc > 1 && g_str_equal (argv[1], "--engine-only");
  char **args = engine_only ? argv + 1 : argv;
  int n_args = engine_only ? argc - 1 : argc;
  double seconds = n_args > 1 ? g_ascii_strtod (args[1], NULL) : 3.0;
  guint in_flight = n_args > 2 ? (guint) g_ascii_strtoull (args[2], NULL, 10) : 64;
  WgBenchServer *server = wg_bench_server_start (TRUE);
  g_autofree char *url = g_strconcat (server->base_url, "/api/v1/commands", NULL);
  WgBenchLoad load = { 0 };
  WgBenchLoadResult http;
  gint64 p50, p99, bare_p99;
  double http_rate, store_rate, cpu_rate, bare_rate, cpu_start, http_cpu_us, bare_cpu_us;
  double main_start = 0, main_end = 0, http_main_us;

  load.base_url = server->base_url;
  load.username = "dispatcher";
  load.in_flight = in_flight;
  load.seconds = seconds;
  load.build_request = build_command;
  load.user_data = url;
  load.raw_path = "/api/v1/commands";
  load.raw_body = build_command_body;
  cpu_start = server_cpu_seconds (&main_start);
  wg_bench_load_run (&load, &http);
  http_cpu_us = (server_cpu_seconds (&main_end) - cpu_start) * 1e6 / MAX (1, http.done);
  http_main_us = (main_end - main_start) * 1e6 / MAX (1, http.done);
  http_rate = http.done / http.seconds;

  wg_bench_sort_gint64 (http.latencies_us);
  p50 = wg_bench_percentile (http.latencies_us, 0.50);
  p99 = wg_bench_percentile (http.latencies_us, 0.99);

  wg_bench_server_stop (server);

  if (engine_only)
    {
      g_print ("POST /api/v1/commands, group commit: %" G_GUINT64_FORMAT " commands in %.2f s (%.0f/s, %"
               G_GUINT64_FORMAT " failed), p50 %.1f ms, p99 %.1f ms, server CPU %.0f us per command"
               " (main loop %.0f)\n",
               http.done, http.seconds, http_rate, http.failed, p50 / 1000.0, p99 / 1000.0, http_cpu_us,
               http_main_us);
      wg_bench_load_result_clear (&http);
      return EXIT_SUCCESS;
    }

  store_rate = measure_store (seconds, FALSE);
  cpu_rate = measure_store (seconds, TRUE);
  bare_rate = measure_bare (seconds, in_flight, &bare_p99, &bare_cpu_us);

  g_print ("commands: incident.report, %u in flight, %.1f s, synchronous=FULL\n", in_flight, seconds);
  g_print ("store alone, one transaction each (baseline): %7.0f commands/s\n", store_rate);
  g_print ("store alone, synchronous=OFF (engine CPU):   %7.0f commands/s (%.0f us per command)\n",
           cpu_rate, 1e6 / cpu_rate);
  g_print ("bare SoupServer, group commit (baseline):     %7.0f commands/s, p99 %.1f ms\n",
           bare_rate, bare_p99 / 1000.0);
  g_print ("POST /api/v1/commands, group commit:          %7.0f commands/s (%" G_GUINT64_FORMAT " failed)\n",
           http_rate, http.failed);
  g_print ("latency p50 %.1f ms, p99 %.1f ms\n", p50 / 1000.0, p99 / 1000.0);
  g_print ("server CPU per command (all threads but the client's and pools'): %.0f us (main loop %.0f);"
           " bare server %.0f us (%.1fx)\n",
           http_cpu_us, http_main_us, bare_cpu_us, http_cpu_us / bare_cpu_us);
  g_print ("ratio HTTP/store:                             %7.2f  (goal >= 2:    %s)\n",
           http_rate / store_rate, http_rate >= 2 * store_rate ? "met" : "NOT met");
  g_print ("ratio HTTP/bare:                              %7.2f  (goal >= 0.5:  %s)\n",
           http_rate / bare_rate, http_rate >= 0.5 * bare_rate ? "met" : "NOT met");
  g_print ("p99:                                          %7.1f ms (goal < 50:   %s)\n",
           p99 / 1000.0, p99 < 50000 ? "met" : "NOT met");
  wg_bench_load_result_clear (&http);
  return EXIT_SUCCESS;
}
