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
 *    between them;
 *  - the same two with every request to the first: the second's CPU per
 *    command is what catching up another instance's events costs (its
 *    listener, main loop and writer: reading, parsing, projecting and
 *    mirroring them).
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
 * With ROUNDS > 1 the three set-ups stay up and are measured in turn,
 * ROUNDS times: on a shared machine the load drifts less between
 * neighbouring windows than between whole runs.  Each round's rates are
 * printed, with the CPU per command of each server process, of the
 * cluster's processes and of this driver, and how many of the machine's
 * cores were busy (all processes, and these); then the medians of the
 * rounds' ratios.
 *
 *   bench-postgres [SECONDS] [IN_FLIGHT] [CITY_DAYS (default 7; 0 skips)] [ROUNDS (default 1)]
 */
#include "config.h"

#include <stdlib.h>

#include "wg-bench-instances.h"

#define BODY "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,\"lon\":113.29},\"summary\":\"bench\"}"
/* The per-session command limit is not what is measured. */
#define CONFIG "[auth]\ncommand-rate=1000000\ncommand-burst=1000000\n" WG_BENCH_METRICS_CONFIG

/* A new command each time, to the next instance, with the token it
 * issued. */
static SoupMessage *
build_command (gpointer user_data)
{
  g_autofree char *id = g_uuid_string_random ();

  return wg_bench_instances_post (user_data,
    g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":" BODY "}", id));
}

#define MAX_ROUNDS 50

/* SQLite, PostgreSQL with one instance, with two; the last set-up's
 * instances again, loading the first only (not a set-up of its own). */
enum { SETUP_SQLITE, SETUP_PG_ONE, SETUP_PG_TWO, N_SETUPS, FIGURE_CATCH_UP = N_SETUPS, N_FIGURES };

static WgBenchFigure
measure (WgBenchInstances *instances,
         double            seconds,
         guint             in_flight)
{
  return wg_bench_instances_measure (instances, seconds, in_flight, 1, build_command, instances);
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof *values, compare_doubles);
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
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
              WgBenchFigure  figure,
              guint          n_instances)
{
  g_print ("  %-34s %8.0f commands/s   p50 %6.1f ms   p99 %6.1f ms\n", what, figure.rate,
           figure.p50_us / 1000.0, figure.p99_us / 1000.0);
  wg_bench_cpu_print ("command", &figure, n_instances);
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 5.0;
  guint in_flight = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 64;
  guint city_days = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 7;
  guint rounds = CLAMP (argc > 4 ? (guint) g_ascii_strtoull (argv[4], NULL, 10) : 1, 1, MAX_ROUNDS);
  History city_sqlite = { 0 }, city_pg = { 0 };
  char *databases[3];
  WgTestPostgres *cluster;
  WgBenchInstances *setups[N_SETUPS];
  WgBenchFigure figures[N_FIGURES][MAX_ROUNDS];
  double pg_sqlite[MAX_ROUNDS], two_one[MAX_ROUNDS];

  cluster = wg_bench_postgres_start ("bench-postgres", G_N_ELEMENTS (databases), databases);
  if (cluster == NULL)
    return 77;
  setups[SETUP_SQLITE] = wg_bench_instances_start (CONFIG, NULL, 1, "dispatcher", "/api/v1/commands");
  setups[SETUP_PG_ONE] = wg_bench_instances_start (CONFIG, databases[0], 1, "dispatcher", "/api/v1/commands");
  setups[SETUP_PG_TWO] = wg_bench_instances_start (CONFIG, databases[1], 2, "dispatcher", "/api/v1/commands");
  for (guint r = 0; r < rounds; r++)
    {
      for (guint i = 0; i < N_SETUPS; i++)
        figures[i][r] = measure (setups[i], seconds, in_flight);
      setups[SETUP_PG_TWO]->n_loaded = 1;
      figures[FIGURE_CATCH_UP][r] = measure (setups[SETUP_PG_TWO], seconds, in_flight);
      setups[SETUP_PG_TWO]->n_loaded = 0;
      pg_sqlite[r] = figures[SETUP_PG_ONE][r].rate / figures[SETUP_SQLITE][r].rate;
      two_one[r] = figures[SETUP_PG_TWO][r].rate / figures[SETUP_PG_ONE][r].rate;
    }
  for (guint i = 0; i < N_SETUPS; i++)
    wg_bench_instances_stop (setups[i]);
  if (city_days > 0)
    {
      city_sqlite = generate_city (NULL, city_days);
      city_pg = generate_city (databases[2], city_days);
    }
  wg_test_postgres_stop (cluster);
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    g_free (databases[i]);

  g_print ("durable commands: incident.report, %u in flight, %.1f s each, %u round(s)\n", in_flight, seconds,
           rounds);
  for (guint r = 0; r < rounds; r++)
    {
      if (rounds > 1)
        g_print ("round %u: PG 1 / SQLite %.2f, PG 2 / PG 1 %.2f\n", r + 1, pg_sqlite[r], two_one[r]);
      print_figure ("SQLite, one instance (baseline)", figures[SETUP_SQLITE][r], 1);
      print_figure ("PostgreSQL, one instance", figures[SETUP_PG_ONE][r], 1);
      print_figure ("PostgreSQL, two instances", figures[SETUP_PG_TWO][r], 2);
      print_figure ("PostgreSQL, two, all to the first", figures[FIGURE_CATCH_UP][r], 2);
    }
  g_print ("PostgreSQL one instance / SQLite: %.2f (goal >= 0.50)%s\n", median (pg_sqlite, rounds),
           rounds > 1 ? ", median of the rounds" : "");
  g_print ("PostgreSQL two instances / one:   %.2f (goal >= 1.00)%s\n", median (two_one, rounds),
           rounds > 1 ? ", median of the rounds" : "");
  {
    double catch_up[MAX_ROUNDS];

    for (guint r = 0; r < rounds; r++)
      catch_up[r] = figures[FIGURE_CATCH_UP][r].cpu.server_us[1];
    g_print ("catching up another instance's command: %.1f us of CPU%s\n", median (catch_up, rounds),
             rounds > 1 ? ", median of the rounds" : "");
  }
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
