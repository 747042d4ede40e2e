/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The PostgreSQL benchmarks' cluster and server instances
 * (wg-bench-instances.h).
 */
#include "config.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The cluster's postmaster, from postmaster.pid in the data folder beside
 * the socket folder that @database names (host=..., wg-test-postgres.c). */
static char *
postmaster_pid (const char *database)
{
  const char *host = strstr (database, "host=");
  g_autofree char *dir = NULL;
  g_autofree char *pid_file = NULL;
  g_autofree char *contents = NULL;

  if (host == NULL)
    return NULL;
  dir = g_strndup (host + 5, strcspn (host + 5, "&"));
  pid_file = g_build_filename (dir, "data", "postmaster.pid", NULL);
  if (!g_file_get_contents (pid_file, &contents, NULL, NULL))
    return NULL;
  return g_strndup (contents, strcspn (contents, "\n"));
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
  if (database != NULL)
    self->postmaster_pid = postmaster_pid (database);
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
  guint i = self->next++ % (self->n_loaded > 0 ? self->n_loaded : self->n_instances);
  SoupMessage *msg = soup_message_new ("POST", self->url[i]);

  soup_message_set_request_body_from_bytes (msg, content_type, body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", self->auth[i]);
  return msg;
}

/* ------------------------------------------------------------------ CPU */

/* A process's user + system time in clock ticks, its parent in @ppid
 * (nullable); -1 if it is gone. */
static gint64
process_ticks (const char *pid,
               gint64     *ppid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/stat", pid);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_name;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return -1;
  /* The name in parentheses may hold spaces: the fields count from after
   * its closing one, state being the third of /proc/PID/stat. */
  after_name = strrchr (stat, ')');
  if (after_name == NULL)
    return -1;
  fields = g_strsplit (after_name + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return -1;
  if (ppid != NULL)
    *ppid = g_ascii_strtoll (fields[1], NULL, 10);
  return g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10);
}

/* The ticks of the postmaster @pid and of each child, by pid. */
static GHashTable *
cluster_ticks (const char *pid)
{
  GHashTable *ticks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 parent = g_ascii_strtoll (pid, NULL, 10);
  DIR *proc = opendir ("/proc");
  struct dirent *entry;

  g_hash_table_insert (ticks, g_strdup (pid), GINT_TO_POINTER ((int) MAX (process_ticks (pid, NULL), 0)));
  while (proc != NULL && (entry = readdir (proc)) != NULL)
    {
      gint64 ppid = 0, t;

      if (!g_ascii_isdigit (entry->d_name[0]))
        continue;
      t = process_ticks (entry->d_name, &ppid);
      if (t >= 0 && ppid == parent)
        g_hash_table_insert (ticks, g_strdup (entry->d_name), GINT_TO_POINTER ((int) t));
    }
  if (proc != NULL)
    closedir (proc);
  return ticks;
}

/* The ticks the cluster's processes spent between two samples; a backend
 * that started meanwhile counts from zero. */
static gint64
cluster_ticks_spent (GHashTable *before,
                     GHashTable *after)
{
  GHashTableIter iter;
  gpointer pid, ticks;
  gint64 spent = 0;

  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &pid, &ticks))
    spent += GPOINTER_TO_INT (ticks) - GPOINTER_TO_INT (g_hash_table_lookup (before, pid));
  return spent;
}

/* The machine's busy and total ticks, all cores (/proc/stat's first line:
 * user nice system idle iowait irq softirq steal). */
static void
machine_ticks (gint64 *busy,
               gint64 *total)
{
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;

  *busy = *total = 0;
  if (!g_file_get_contents ("/proc/stat", &stat, NULL, NULL))
    return;
  fields = g_strsplit_set (stat, " \n", 0);
  /* "cpu", "", then the counters. */
  for (guint i = 2; i < 10 && fields[i] != NULL; i++)
    {
      gint64 value = g_ascii_strtoll (fields[i], NULL, 10);

      *total += value;
      if (i != 5 && i != 6)   /* idle, iowait */
        *busy += value;
    }
}

/* wangge_commit_batch_size and wangge_commit_duration_seconds' sums and
 * counts, all instances together. */
typedef struct
{
  double size_sum;
  double seconds_sum;
  double count;
} Batches;

static double
metric (const char *exposition,
        const char *name)
{
  g_autofree char *line_start = g_strconcat ("\n", name, " ", NULL);
  const char *found = strstr (exposition, line_start);

  return found != NULL ? g_ascii_strtod (found + strlen (line_start), NULL) : 0;
}

static void
batches_add (WgTestServer *server,
             Batches      *batches)
{
  const char *auth_token = strstr (WG_BENCH_METRICS_CONFIG, "token=") + strlen ("token=");
  g_autofree char *token = g_strndup (auth_token, strcspn (auth_token, "\n"));
  g_autoptr(WgTestResponse) response = wg_test_server_request_as (server, token, "GET", "/metrics", NULL, NULL);
  g_autofree char *text = NULL;

  if (response->status != 200)
    return;
  text = g_strndup (g_bytes_get_data (response->body, NULL), g_bytes_get_size (response->body));
  batches->size_sum += metric (text, "wangge_commit_batch_size_sum");
  batches->count += metric (text, "wangge_commit_batch_size_count");
  batches->seconds_sum += metric (text, "wangge_commit_duration_seconds_sum");
}

typedef struct
{
  Batches     batches;
  gint64      server[WG_BENCH_MAX_INSTANCES];
  GHashTable *cluster;   /* nullable */
  gint64      driver;
  gint64      machine_busy;
  gint64      machine_total;
} CpuSample;

static void
cpu_sample (WgBenchInstances *self,
            CpuSample        *sample)
{
  for (guint i = 0; i < self->n_instances; i++)
    {
      sample->server[i] = process_ticks (g_subprocess_get_identifier (self->servers[i]->process), NULL);
      batches_add (self->servers[i], &sample->batches);
    }
  sample->cluster = self->postmaster_pid != NULL ? cluster_ticks (self->postmaster_pid) : NULL;
  sample->driver = process_ticks ("self", NULL);
  machine_ticks (&sample->machine_busy, &sample->machine_total);
}

static WgBenchCpu
cpu_spent (WgBenchInstances *self,
           CpuSample        *before,
           CpuSample        *after,
           double            items,
           double            seconds)
{
  double us_per_tick = 1e6 / sysconf (_SC_CLK_TCK);
  double n_cores = sysconf (_SC_NPROCESSORS_ONLN);
  double ours = 0;
  WgBenchCpu cpu = { 0 };

  for (guint i = 0; i < self->n_instances; i++)
    {
      ours += after->server[i] - before->server[i];
      cpu.server_us[i] = (after->server[i] - before->server[i]) * us_per_tick / items;
    }
  if (before->cluster != NULL)
    {
      gint64 spent = cluster_ticks_spent (before->cluster, after->cluster);

      ours += spent;
      cpu.postgres_us = spent * us_per_tick / items;
    }
  ours += after->driver - before->driver;
  cpu.driver_us = (after->driver - before->driver) * us_per_tick / items;
  if (after->machine_total > before->machine_total)
    cpu.busy_cores = n_cores * (after->machine_busy - before->machine_busy)
                     / (double) (after->machine_total - before->machine_total);
  cpu.our_cores = ours * us_per_tick / 1e6 / seconds;
  cpu.batches = after->batches.count - before->batches.count;
  if (cpu.batches > 0)
    {
      cpu.batch_size = (after->batches.size_sum - before->batches.size_sum) / cpu.batches;
      cpu.batch_ms = 1000 * (after->batches.seconds_sum - before->batches.seconds_sum) / cpu.batches;
    }
  g_clear_pointer (&before->cluster, g_hash_table_unref);
  g_clear_pointer (&after->cluster, g_hash_table_unref);
  return cpu;
}

void
wg_bench_cpu_print (const char          *what,
                    const WgBenchFigure *figure,
                    guint                n_instances)
{
  const WgBenchCpu *cpu = &figure->cpu;
  double servers = 0;

  for (guint i = 0; i < n_instances; i++)
    servers += cpu->server_us[i];
  g_print ("    CPU per %s: server%s %.1f us", what, n_instances > 1 ? "s" : "", servers);
  if (n_instances > 1)
    {
      g_print (" (");
      for (guint i = 0; i < n_instances; i++)
        g_print ("%s%.1f", i > 0 ? " + " : "", cpu->server_us[i]);
      g_print (")");
    }
  g_print (", PostgreSQL %.1f us, driver %.1f us, total %.1f us; cores busy %.2f (these %.2f)\n",
           cpu->postgres_us, cpu->driver_us, servers + cpu->postgres_us + cpu->driver_us,
           cpu->busy_cores, cpu->our_cores);
  if (cpu->batches > 0)
    g_print ("    commits: %.0f, %.1f commands each, %.1f ms each (begin to durable)\n", cpu->batches,
             cpu->batch_size, cpu->batch_ms);
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
  CpuSample before = { 0 }, after = { 0 };

  load.base_url = self->servers[0]->base_url;
  load.expected_status = self->expected_status;
  load.in_flight = in_flight;
  load.seconds = seconds;
  load.build_request = build_request;
  load.user_data = user_data;
  cpu_sample (self, &before);
  wg_bench_load_run (&load, &result);
  cpu_sample (self, &after);
  figure.rate = result.done * items_per_request / result.seconds;
  figure.cpu = cpu_spent (self, &before, &after, MAX (result.done * items_per_request, 1), result.seconds);
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
  g_free (self->postmaster_pid);
  g_free (self);
}
