/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Command intake: incident.report commands per second through POST
 * /api/v1/commands (token check, JSON guard, group commit with one
 * savepoint per command, synchronous=FULL, stream publication) with
 * IN_FLIGHT requests outstanding, against wg_store_execute_command() alone
 * in the same run, one transaction (one fsync) per command.  Not a test.
 *
 *   bench-server-commands [SECONDS] [IN_FLIGHT]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "wg-bench.h"
#include "wg-bench-server.h"
#include "wg-engine.h"
#include "wg-reference.h"
#include "wg-server.h"
#include "wg-store-reference.h"
#include "wg-store.h"
#include "test-files.h"

#define BODY "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,\"lon\":113.29},\"summary\":\"bench\"}"

/* A new command each time: the server refuses a repeated id. */
static SoupMessage *
build_command (gpointer user_data)
{
  const char *url = user_data;
  g_autofree char *id = g_uuid_string_random ();

  return wg_bench_json_post (url, g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":" BODY "}", id));
}

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
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 3.0;
  guint in_flight = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 64;
  WgBenchServer *server = wg_bench_server_start (TRUE);
  g_autofree char *url = g_strconcat (server->base_url, "/api/v1/commands", NULL);
  WgBenchLoad load = { 0 };
  WgBenchLoadResult http;
  gint64 p50, p99;
  double http_rate, store_rate, cpu_rate;

  load.base_url = server->base_url;
  load.username = "dispatcher";
  load.in_flight = in_flight;
  load.seconds = seconds;
  load.build_request = build_command;
  load.user_data = url;
  wg_bench_load_run (&load, &http);
  http_rate = http.done / http.seconds;

  wg_bench_sort_gint64 (http.latencies_us);
  p50 = wg_bench_percentile (http.latencies_us, 0.50);
  p99 = wg_bench_percentile (http.latencies_us, 0.99);

  wg_bench_server_stop (server);

  store_rate = measure_store (seconds, FALSE);
  cpu_rate = measure_store (seconds, TRUE);

  g_print ("commands: incident.report, %u in flight, %.1f s, synchronous=FULL\n", in_flight, seconds);
  g_print ("store alone, one transaction each (baseline): %7.0f commands/s\n", store_rate);
  g_print ("store alone, synchronous=OFF (engine CPU):   %7.0f commands/s\n", cpu_rate);
  g_print ("POST /api/v1/commands, group commit:          %7.0f commands/s (%" G_GUINT64_FORMAT " failed)\n",
           http_rate, http.failed);
  g_print ("latency p50 %.1f ms, p99 %.1f ms\n", p50 / 1000.0, p99 / 1000.0);
  g_print ("ratio HTTP/store:                             %7.2f\n", http_rate / store_rate);
  wg_bench_load_result_clear (&http);
  return EXIT_SUCCESS;
}
