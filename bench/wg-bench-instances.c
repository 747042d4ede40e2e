/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The PostgreSQL benchmarks' cluster and server instances
 * (wg-bench-instances.h).
 */
#include "config.h"

#include <string.h>

#include "wg-bench-instances.h"

WgTestPostgres *
wg_bench_postgres_start (const char  *program,
                         guint        n_databases,
                         char       **databases)
{
  g_autofree char *skip = NULL;
  WgTestPostgres *cluster = wg_test_postgres_start (&skip);

  if (cluster == NULL)
    {
      g_printerr ("%s: %s\n", program, skip);
      return NULL;
    }
  for (guint i = 0; i < n_databases; i++)
    databases[i] = wg_test_postgres_new_database (cluster);
  return cluster;
}

WgBenchInstances *
wg_bench_instances_start (const char *config,
                          const char *database,
                          guint       n_instances,
                          const char *user,
                          const char *path)
{
  WgBenchInstances *self = g_new0 (WgBenchInstances, 1);

  g_assert (n_instances >= 1 && n_instances <= WG_BENCH_MAX_INSTANCES);
  self->n_instances = n_instances;
  for (guint i = 0; i < n_instances; i++)
    {
      const char *args[] = { "--demo", database != NULL ? "--database" : NULL, database, NULL };
      g_autofree char *token = NULL;

      self->servers[i] = wg_test_server_new (config);
      wg_test_server_start (self->servers[i], args);
      token = wg_test_server_login (self->servers[i], user, "demo");
      self->url[i] = wg_test_server_url (self->servers[i], path);
      self->auth[i] = g_strdup_printf ("Bearer %s", token);
    }
  return self;
}

SoupMessage *
wg_bench_instances_post (WgBenchInstances *self,
                         char             *json)
{
  g_autoptr(GBytes) body = g_bytes_new_take (json, strlen (json));

  return wg_bench_instances_post_bytes (self, "application/json", body);
}

SoupMessage *
wg_bench_instances_post_bytes (WgBenchInstances *self,
                               const char       *content_type,
                               GBytes           *body)
{
  guint i = self->next++ % self->n_instances;
  SoupMessage *msg = soup_message_new ("POST", self->url[i]);

  soup_message_set_request_body_from_bytes (msg, content_type, body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", self->auth[i]);
  return msg;
}

WgBenchFigure
wg_bench_instances_measure (WgBenchInstances   *self,
                            double              seconds,
                            guint               in_flight,
                            guint               items_per_request,
                            WgBenchRequestFunc  build_request,
                            gpointer            user_data)
{
  WgBenchLoad load = { 0 };
  WgBenchLoadResult result;
  WgBenchFigure figure;

  load.base_url = self->servers[0]->base_url;
  load.expected_status = self->expected_status;
  load.in_flight = in_flight;
  load.seconds = seconds;
  load.build_request = build_request;
  load.user_data = user_data;
  wg_bench_load_run (&load, &result);
  figure.rate = result.done * items_per_request / result.seconds;
  wg_bench_sort_gint64 (result.latencies_us);
  figure.p50_us = wg_bench_percentile (result.latencies_us, 0.50);
  figure.p99_us = wg_bench_percentile (result.latencies_us, 0.99);
  if (result.failed > 0)
    g_printerr ("%" G_GUINT64_FORMAT " requests failed\n", result.failed);
  wg_bench_load_result_clear (&result);
  return figure;
}

gboolean
wg_bench_postgres_compare (const char         *program,
                           WgBenchMeasureFunc  measure,
                           gpointer            user_data,
                           WgBenchFigure       figures[3])
{
  char *databases[2];
  WgTestPostgres *cluster = wg_bench_postgres_start (program, G_N_ELEMENTS (databases), databases);

  if (cluster == NULL)
    return FALSE;
  figures[0] = measure (NULL, 1, user_data);
  figures[1] = measure (databases[0], 1, user_data);
  figures[2] = measure (databases[1], 2, user_data);
  wg_test_postgres_stop (cluster);
  for (guint i = 0; i < G_N_ELEMENTS (databases); i++)
    g_free (databases[i]);
  return TRUE;
}

void
wg_bench_instances_stop (WgBenchInstances *self)
{
  for (guint i = 0; i < self->n_instances; i++)
    {
      wg_test_server_free (self->servers[i]);
      g_free (self->url[i]);
      g_free (self->auth[i]);
    }
  g_free (self);
}
