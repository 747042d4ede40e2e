/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Durable commands per second (incident.report through POST
 * /api/v1/commands, IN_FLIGHT outstanding, closed loop) on the real
 * wangge-server processes, in one run:
 *
 *  - SQLite, one instance (the baseline);
 *  - PostgreSQL (a private cluster, fsync=on, synchronous_commit=on), one
 *    instance;
 *  - PostgreSQL, two instances on one database, the requests alternating
 *    between them.
 *
 * Then the city-scale history (wangge-server --demo --demo-streets 100:
 * the generated city reference of 100 streets and 20,000 grids, wg-city.h)
 * of CITY_DAYS days, generated at the first start into SQLite (the
 * baseline) and into PostgreSQL (into the instance's mirror, then copied
 * under the journal lock): events/s, the start's building of the city and
 * seeding of its accounts included.
 *
 * Goals (issue 22): PostgreSQL with one instance >= 50% of SQLite; two
 * instances no slower than one; the city-scale history generated into
 * PostgreSQL.  Not a test.
 *
 *   bench-postgres [SECONDS] [IN_FLIGHT] [CITY_DAYS (default 7; 0 skips)]
 */
#include "config.h"

#include <stdlib.h>

#include "wg-bench-instances.h"

#define BODY "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,\"lon\":113.29},\"summary\":\"bench\"}"
/* The per-session command limit is not what is measured. */
#define CONFIG "[auth]\ncommand-rate=1000000\ncommand-burst=1000000\n"

/* A new command each time, to the next instance, with the token it
 * issued. */
static SoupMessage *
build_command (gpointer user_data)
{
  g_autofree char *id = g_uuid_string_random ();

  return wg_bench_instances_post (user_data,
    g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":" BODY "}", id));
}

static WgBenchFigure
measure (const char *database,
         guint       n_instances,
         double      seconds,
         guint       in_flight)
{
  WgBenchInstances *instances = wg_bench_instances_start (CONFIG, database, n_instances, "dispatcher",
                                                          "/api/v1/commands");
  WgBenchFigure figure = wg_bench_instances_measure (instances, seconds, in_flight, 1, build_command, instances);

  wg_bench_instances_stop (instances);
  return figure;
}

#define CITY_STREETS "100"

typedef struct
{
  gint64 events;
  double seconds;
} History;

/* The first start of a city-scale demo: history generation (and on
 * PostgreSQL its copy into the database) until the server listens. */
static History
generate_city (const char *database,
               guint       days)
{
  g_autofree char *days_text = g_strdup_printf ("%u", days);
  const char *args[] = { "--demo", "--demo-days", days_text, "--demo-streets", CITY_STREETS,
                         database != NULL ? "--database" : NULL, database, NULL };
  g_autoptr(WgTestServer) server = wg_test_server_new (CONFIG);
  gint64 start = g_get_monotonic_time ();
  History history;

  wg_test_server_start (server, args);
  history.seconds = (g_get_monotonic_time () - start) / 1e6;
  history.events = wg_test_server_head (server);
  return history;
}

static void
print_history (const char *what,
               History     history)
{
  g_print ("  %-34s %8" G_GINT64_FORMAT " events in %6.1f s   %8.0f events/s\n", what, history.events,
           history.seconds, history.events / history.seconds);
}

static void
print_figure (const char    *what,
              WgBenchFigure  figure)
{
  g_print ("  %-34s %8.0f commands/s   p50 %6.1f ms   p99 %6.1f ms\n", what, figure.rate,
           figure.p50_us / 1000.0, figure.p99_us / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 5.0;
  guint in_flight = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 64;
  guint city_days = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 7;
  History city_sqlite = { 0 }, city_pg = { 0 };
  char *databases[3];
  WgTestPostgres *cluster;
  WgBenchFigure sqlite, pg_one, pg_two;

  cluster = wg_bench_postgres_start ("bench-postgres", G_N_ELEMENTS (databases), databases);
  if (cluster == NULL)
    return 77;
  sqlite = measure (NULL, 1, seconds, in_flight);
  pg_one = measure (databases[0], 1, seconds, in_flight);
  pg_two = measure (databases[1], 2, seconds, in_flight);
  if (city_days > 0)
    {
      city_sqlite = generate_city (NULL, city_days);
      city_pg = generate_city (databases[2], city_days);
    }
  wg_test_postgres_stop (cluster);
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    g_free (databases[i]);

  g_print ("durable commands: incident.report, %u in flight, %.1f s each\n", in_flight, seconds);
  print_figure ("SQLite, one instance (baseline)", sqlite);
  print_figure ("PostgreSQL, one instance", pg_one);
  print_figure ("PostgreSQL, two instances", pg_two);
  g_print ("PostgreSQL one instance / SQLite: %.2f (goal >= 0.50)\n", pg_one.rate / sqlite.rate);
  g_print ("PostgreSQL two instances / one:   %.2f (goal >= 1.00)\n", pg_two.rate / pg_one.rate);
  if (city_days > 0)
    {
      g_print ("city-scale history: %s streets, %u days, generated at the first start\n", CITY_STREETS, city_days);
      print_history ("SQLite (baseline)", city_sqlite);
      print_history ("PostgreSQL (mirror, then copied)", city_pg);
      g_print ("PostgreSQL / SQLite events/s: %.2f\n",
               (city_pg.events / city_pg.seconds) / (city_sqlite.events / city_sqlite.seconds));
    }
  return EXIT_SUCCESS;
}
