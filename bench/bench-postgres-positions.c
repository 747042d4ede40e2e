/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Position intake on the real wangge-server process, points per second
 * through POST /api/v1/positions (BATCH points a request, IN_FLIGHT
 * outstanding, closed loop), in one run:
 *
 *  - SQLite, positions.db (the baseline);
 *  - PostgreSQL (a private cluster, fsync=on, synchronous_commit=on), one
 *    instance;
 *  - PostgreSQL, two instances on one database, the requests alternating.
 *
 * Every point is kept (each unit moves about 100 m a second), the worst
 * case for the track.  Goal (issue 22): 20,000 points/s on PostgreSQL.
 * Not a test.
 *
 *   bench-postgres-positions [SECONDS] [IN_FLIGHT] [BATCH]
 */
#include "config.h"

#include <stdlib.h>

#include "wg-bench.h"
#include "wg-test-postgres.h"
#include "wg-test-server.h"

#define N_UNITS 20000

typedef struct
{
  guint   n_targets;
  char   *url[2];
  char   *auth[2];
  guint   next;
  guint   batch;
  guint   next_unit;
  gint64  ts;
} Targets;

/* Every unit reports once per simulated second. */
static SoupMessage *
build_positions (gpointer user_data)
{
  Targets *targets = user_data;
  guint target = targets->next++ % targets->n_targets;
  GString *body = g_string_new ("{\"positions\":[");
  SoupMessage *msg;

  for (guint i = 0; i < targets->batch; i++)
    {
      guint unit;

      if (targets->next_unit >= N_UNITS)
        {
          targets->next_unit = 0;
          targets->ts += 1000;
        }
      unit = targets->next_unit++;
      g_string_append_printf (body, "%s{\"unit\":\"u%05u\",\"ts\":%" G_GINT64_FORMAT
                              ",\"lat\":%.6f,\"lon\":%.6f,\"status\":\"busy\"}",
                              i ? "," : "", unit, targets->ts, 23.0 + unit * 1e-5,
                              113.0 + (targets->ts % 100000) * 1e-6);
    }
  g_string_append (body, "]}");
  msg = wg_bench_json_post (targets->url[target], g_string_free (body, FALSE));
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", targets->auth[target]);
  return msg;
}

typedef struct
{
  double rate;
  gint64 p50_us;
  gint64 p99_us;
} Figure;

static Figure
measure (const char *database,
         guint       n_instances,
         double      seconds,
         guint       in_flight,
         guint       batch)
{
  WgTestServer *servers[2] = { NULL, NULL };
  Targets targets = { 0 };
  WgBenchLoad load = { 0 };
  WgBenchLoadResult result;
  Figure figure;

  targets.n_targets = n_instances;
  targets.batch = batch;
  targets.ts = g_get_real_time () / 1000 - 3600 * 1000;
  for (guint i = 0; i < n_instances; i++)
    {
      const char *args[] = { "--demo", database != NULL ? "--database" : NULL, database, NULL };
      g_autofree char *token = NULL;

      servers[i] = wg_test_server_new (NULL);
      wg_test_server_start (servers[i], args);
      token = wg_test_server_login (servers[i], "admin", "demo");
      targets.url[i] = wg_test_server_url (servers[i], "/api/v1/positions");
      targets.auth[i] = g_strdup_printf ("Bearer %s", token);
    }

  load.base_url = servers[0]->base_url;
  load.in_flight = in_flight;
  load.seconds = seconds;
  load.build_request = build_positions;
  load.user_data = &targets;
  wg_bench_load_run (&load, &result);
  figure.rate = result.done * batch / result.seconds;
  wg_bench_sort_gint64 (result.latencies_us);
  figure.p50_us = wg_bench_percentile (result.latencies_us, 0.50);
  figure.p99_us = wg_bench_percentile (result.latencies_us, 0.99);
  if (result.failed > 0)
    g_printerr ("%" G_GUINT64_FORMAT " requests failed\n", result.failed);
  wg_bench_load_result_clear (&result);

  for (guint i = 0; i < n_instances; i++)
    {
      wg_test_server_free (servers[i]);
      g_free (targets.url[i]);
      g_free (targets.auth[i]);
    }
  return figure;
}

static void
print_figure (const char *what,
              Figure      figure)
{
  g_print ("  %-34s %8.0f points/s   p50 %6.1f ms   p99 %6.1f ms\n", what, figure.rate,
           figure.p50_us / 1000.0, figure.p99_us / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 5.0;
  guint in_flight = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 8;
  guint batch = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 500;
  g_autofree char *skip = NULL;
  g_autofree char *database_one = NULL;
  g_autofree char *database_two = NULL;
  WgTestPostgres *cluster;
  Figure sqlite, pg_one, pg_two;

  cluster = wg_test_postgres_start (&skip);
  if (cluster == NULL)
    {
      g_printerr ("bench-postgres-positions: %s\n", skip);
      return 77;
    }
  database_one = wg_test_postgres_new_database (cluster);
  database_two = wg_test_postgres_new_database (cluster);

  sqlite = measure (NULL, 1, seconds, in_flight, batch);
  pg_one = measure (database_one, 1, seconds, in_flight, batch);
  pg_two = measure (database_two, 2, seconds, in_flight, batch);
  wg_test_postgres_stop (cluster);

  g_print ("positions: %u units, every point kept, batches of %u, %u in flight, %.1f s each\n",
           N_UNITS, batch, in_flight, seconds);
  print_figure ("SQLite, one instance (baseline)", sqlite);
  print_figure ("PostgreSQL, one instance", pg_one);
  print_figure ("PostgreSQL, two instances", pg_two);
  g_print ("PostgreSQL one instance / SQLite:  %.2f\n", pg_one.rate / sqlite.rate);
  g_print ("PostgreSQL two instances / one:    %.2f\n", pg_two.rate / pg_one.rate);
  g_print ("design load 20,000 points/s on PostgreSQL: %s\n",
           MAX (pg_one.rate, pg_two.rate) >= 20000 ? "met" : "NOT met");
  return EXIT_SUCCESS;
}
