/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the PostgreSQL benchmarks share: a private cluster with the
 * databases they measure on, and one or two real wangge-server processes
 * (--demo, on SQLite or on one PostgreSQL database) with a token each,
 * loaded in a closed loop with the requests alternating between them.
 */
#pragma once

#include "wg-bench.h"
#include "wg-test-postgres.h"
#include "wg-test-server.h"

G_BEGIN_DECLS

#define WG_BENCH_MAX_INSTANCES 2
/* A configuration with this (the [metrics] token) lets the measurement
 * read the servers' commit batches from /metrics. */
#define WG_BENCH_METRICS_CONFIG "[metrics]\ntoken=bench-metrics-token-0123456789\n"

typedef struct
{
  guint         n_instances;
  WgTestServer *servers[WG_BENCH_MAX_INSTANCES];
  char         *url[WG_BENCH_MAX_INSTANCES];
  char         *auth[WG_BENCH_MAX_INSTANCES];   /* "Bearer <token>" */
  guint         next;
  guint         n_loaded;                       /* the first n take the requests; 0: all */
  guint         expected_status;                /* what counts as done; 0: 200 OK */
  char         *postmaster_pid;                 /* the cluster's, NULL on SQLite */
} WgBenchInstances;

/* Where the CPU went during a measurement (/proc, user + system time),
 * per item, and how busy the whole machine was: on a shared machine the
 * rates alone cannot tell a slower path from busier cores. */
typedef struct
{
  double server_us[WG_BENCH_MAX_INSTANCES];  /* each wangge-server process */
  double postgres_us;   /* the postmaster and all its children: backends, WAL writer, ... */
  double driver_us;     /* this process: the load's HTTP client */
  double busy_cores;    /* all processes of the machine, cores busy on average */
  double our_cores;     /* of which the above */
  /* The journal's commits of all instances (WG_BENCH_METRICS_CONFIG;
   * else 0). */
  double batches;
  double batch_size;    /* commands per commit, mean */
  double batch_ms;      /* a commit's time from begin to durable, mean */
} WgBenchCpu;

typedef struct
{
  double     rate;      /* items (requests times @items_per_request) per second */
  gint64     p50_us;
  gint64     p99_us;
  WgBenchCpu cpu;
} WgBenchFigure;

/* A cluster and @n_databases new databases (URIs in @databases, to
 * g_free); NULL after printing why (PostgreSQL not installed) as
 * @program. */
WgTestPostgres   *wg_bench_postgres_start  (const char        *program,
                                            guint              n_databases,
                                            char             **databases);

/* @n_instances servers with @config (nullable), --demo and @database
 * (NULL: SQLite), each logged in as @user (password "demo"); the requests
 * go to @path. */
WgBenchInstances *wg_bench_instances_start (const char        *config,
                                            const char        *database,
                                            guint              n_instances,
                                            const char        *user,
                                            const char        *path);
/* A POST of @json (taken) to the next instance, with its token. */
SoupMessage      *wg_bench_instances_post  (WgBenchInstances  *self,
                                            char              *json);
/* A POST of @body as @content_type to the next instance, with its token. */
SoupMessage      *wg_bench_instances_post_bytes (WgBenchInstances *self,
                                                 const char       *content_type,
                                                 GBytes           *body);
/* Runs @build_request (which calls wg_bench_instances_post) for @seconds
 * with @in_flight outstanding; the rate and latencies of the answers. */
WgBenchFigure     wg_bench_instances_measure (WgBenchInstances  *self,
                                              double              seconds,
                                              guint               in_flight,
                                              guint               items_per_request,
                                              WgBenchRequestFunc  build_request,
                                              gpointer            user_data);
void              wg_bench_instances_stop  (WgBenchInstances  *self);
/* @figure's CPU on one line, as "@what": server(s), PostgreSQL, driver,
 * the machine. */
void              wg_bench_cpu_print       (const char        *what,
                                            const WgBenchFigure *figure,
                                            guint              n_instances);

/* One figure: @database NULL for SQLite. */
typedef WgBenchFigure (*WgBenchMeasureFunc) (const char *database,
                                             guint       n_instances,
                                             gpointer    user_data);
/* In one run: SQLite with one instance (the baseline), PostgreSQL with
 * one, PostgreSQL with two on one database, into @figures in that order.
 * FALSE after printing why (PostgreSQL not installed) as @program. */
gboolean          wg_bench_postgres_compare (const char         *program,
                                             WgBenchMeasureFunc  measure,
                                             gpointer            user_data,
                                             WgBenchFigure       figures[3]);

G_END_DECLS
