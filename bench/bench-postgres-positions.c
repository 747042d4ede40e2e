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

#include "wg-bench-instances.h"

#define N_UNITS 20000

typedef struct
{
  WgBenchInstances *instances;
  guint             batch;
  guint             next_unit;
  gint64            ts;
} Points;

/* Every unit reports once per simulated second. */
static SoupMessage *
build_positions (gpointer user_data)
{
  Points *points = user_data;
  GString *body = g_string_new ("{\"positions\":[");

  for (guint i = 0; i < points->batch; i++)
    {
      guint unit;

      if (points->next_unit >= N_UNITS)
        {
          points->next_unit = 0;
          points->ts += 1000;
        }
      unit = points->next_unit++;
      g_string_append_printf (body, "%s{\"unit\":\"u%05u\",\"ts\":%" G_GINT64_FORMAT
                              ",\"lat\":%.6f,\"lon\":%.6f,\"status\":\"busy\"}",
                              i ? "," : "", unit, points->ts, 23.0 + unit * 1e-5,
                              113.0 + (points->ts % 100000) * 1e-6);
    }
  g_string_append (body, "]}");
  return wg_bench_instances_post (points->instances, g_string_free (body, FALSE));
}

static WgBenchFigure
measure (const char *database,
         guint       n_instances,
         double      seconds,
         guint       in_flight,
         guint       batch)
{
  Points points = { 0 };
  WgBenchFigure figure;

  points.instances = wg_bench_instances_start (NULL, database, n_instances, "admin", "/api/v1/positions");
  points.batch = batch;
  points.ts = g_get_real_time () / 1000 - 3600 * 1000;
  figure = wg_bench_instances_measure (points.instances, seconds, in_flight, batch, build_positions, &points);
  wg_bench_instances_stop (points.instances);
  return figure;
}

static void
print_figure (const char    *what,
              WgBenchFigure  figure)
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
  char *databases[2];
  WgTestPostgres *cluster;
  WgBenchFigure sqlite, pg_one, pg_two;

  cluster = wg_bench_postgres_start ("bench-postgres-positions", G_N_ELEMENTS (databases), databases);
  if (cluster == NULL)
    return 77;
  sqlite = measure (NULL, 1, seconds, in_flight, batch);
  pg_one = measure (databases[0], 1, seconds, in_flight, batch);
  pg_two = measure (databases[1], 2, seconds, in_flight, batch);
  wg_test_postgres_stop (cluster);
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    g_free (databases[i]);

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
