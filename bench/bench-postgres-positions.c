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
  double            seconds;
  guint             in_flight;
  guint             batch;
  WgBenchInstances *instances;
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
         gpointer    user_data)
{
  Points *points = user_data;
  WgBenchFigure figure;

  points->instances = wg_bench_instances_start (NULL, database, n_instances, "admin", "/api/v1/positions");
  points->next_unit = 0;
  points->ts = g_get_real_time () / 1000 - 3600 * 1000;
  figure = wg_bench_instances_measure (points->instances, points->seconds, points->in_flight, points->batch,
                                       build_positions, points);
  g_clear_pointer (&points->instances, wg_bench_instances_stop);
  return figure;
}

static void
print_figure (const char    *what,
              WgBenchFigure  figure,
              guint          n_instances)
{
  g_print ("  %-34s %8.0f points/s   p50 %6.1f ms   p99 %6.1f ms\n", what, figure.rate,
           figure.p50_us / 1000.0, figure.p99_us / 1000.0);
  wg_bench_cpu_print ("point", &figure, n_instances);
}

int
main (int   argc,
      char *argv[])
{
  Points points = {
    .seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 5.0,
    .in_flight = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 8,
    .batch = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 500,
  };
  WgBenchFigure figures[3];
  WgBenchFigure sqlite, pg_one, pg_two;
  double seconds = points.seconds;
  guint in_flight = points.in_flight, batch = points.batch;

  if (!wg_bench_postgres_compare ("bench-postgres-positions", measure, &points, figures))
    return 77;
  sqlite = figures[0];
  pg_one = figures[1];
  pg_two = figures[2];

  g_print ("positions: %u units, every point kept, batches of %u, %u in flight, %.1f s each\n",
           N_UNITS, batch, in_flight, seconds);
  print_figure ("SQLite, one instance (baseline)", sqlite, 1);
  print_figure ("PostgreSQL, one instance", pg_one, 1);
  print_figure ("PostgreSQL, two instances", pg_two, 2);
  g_print ("PostgreSQL one instance / SQLite:  %.2f\n", pg_one.rate / sqlite.rate);
  g_print ("PostgreSQL two instances / one:    %.2f\n", pg_two.rate / pg_one.rate);
  g_print ("design load 20,000 points/s on PostgreSQL: %s\n",
           MAX (pg_one.rate, pg_two.rate) >= 20000 ? "met" : "NOT met");
  return EXIT_SUCCESS;
}
