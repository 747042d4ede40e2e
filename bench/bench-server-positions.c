/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Position intake: points per second through POST /api/v1/positions (JSON
 * guard, validation, group commit into positions.db, stream queueing)
 * against the track store alone taking the same batches in the same run.
 * The design load is 20,000 units at 1 Hz.  Not a test.
 *
 *   bench-server-positions [SECONDS] [IN_FLIGHT] [BATCH]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg-bench-server.h"
#include "wg-bench.h"
#include "wg-server.h"
#include "test-files.h"

#define N_UNITS 20000

/* Where the next batch starts; touched only by the load driver's thread. */
typedef struct
{
  char   *url;
  guint   batch;
  guint   next_unit;
  gint64  ts;
} Positions;

static char *
build_body (guint  first_unit,
            guint  n,
            gint64 ts)
{
  GString *body = g_string_new ("{\"positions\":[");

  for (guint i = 0; i < n; i++)
    {
      guint unit = (first_unit + i) % N_UNITS;

      g_string_append_printf (body, "%s{\"unit\":\"u%05u\",\"ts\":%" G_GINT64_FORMAT
                              ",\"lat\":%.6f,\"lon\":%.6f,\"status\":\"busy\"}",
                              i ? "," : "", unit, ts, 31.0 + unit * 1e-5, 121.0 + (ts % 100000) * 1e-6);
    }
  g_string_append (body, "]}");
  return g_string_free (body, FALSE);
}

static SoupMessage *
build_positions (gpointer user_data)
{
  Positions *positions = user_data;
  char *text;

  /* Every unit reports once per simulated second, a second apart. */
  if (positions->next_unit >= N_UNITS)
    {
      positions->next_unit = 0;
      positions->ts += 1000;
    }
  text = build_body (positions->next_unit, positions->batch, positions->ts);
  positions->next_unit += positions->batch;
  return wg_bench_json_post (positions->url, text);
}

/* Baseline: the same batches straight into a track store, one transaction
 * each, no HTTP, no JSON. */
static double
measure_store (double seconds,
               guint  batch)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-bench-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "positions.db", NULL);
  WgTrackStore *store = wg_track_store_open (path, NULL, &error);
  gint64 start = g_get_monotonic_time (), deadline = start + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 ts = g_get_real_time () / 1000 - 3600 * 1000;
  guint64 points = 0;
  guint next = 0;

  g_assert_no_error (error);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);

      if (next >= N_UNITS)
        {
          next = 0;
          ts += 1000;
        }
      for (guint i = 0; i < batch; i++)
        {
          guint unit = (next + i) % N_UNITS;
          g_autofree char *name = g_strdup_printf ("u%05u", unit);

          g_ptr_array_add (list, wg_track_point_new (name, ts, 31.0 + unit * 1e-5, 121.0 + (ts % 100000) * 1e-6, "busy"));
        }
      next += batch;
      wg_track_store_add_batch (store, list, NULL, &error);
      g_assert_no_error (error);
      points += batch;
    }
  wg_track_store_free (store);
  test_rm_rf (dir);
  return points / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 3.0;
  guint in_flight = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 8;
  guint batch = argc > 3 ? (guint) g_ascii_strtoull (argv[3], NULL, 10) : 500;
  WgBenchServer *server = wg_bench_server_start (FALSE);
  Positions positions = { 0 };
  WgBenchLoad load = { 0 };
  WgBenchLoadResult http;
  double http_rate, store_rate;

  positions.url = g_strconcat (server->base_url, "/api/v1/positions", NULL);
  positions.batch = batch;
  positions.ts = g_get_real_time () / 1000 - 3600 * 1000;
  load.in_flight = in_flight;
  load.seconds = seconds;
  load.build_request = build_positions;
  load.user_data = &positions;
  wg_bench_load_run (&load, &http);
  http_rate = http.done * batch / http.seconds;
  g_free (positions.url);

  wg_bench_server_stop (server);

  store_rate = measure_store (seconds, batch);

  g_print ("positions: %u units, batches of %u, %u in flight, %.1f s\n", N_UNITS, batch, in_flight, seconds);
  g_print ("track store alone (baseline):   %9.0f points/s\n", store_rate);
  g_print ("POST /api/v1/positions:         %9.0f points/s (%" G_GUINT64_FORMAT " failed)\n",
           http_rate, http.failed);
  g_print ("ratio HTTP/store:               %9.2f\n", http_rate / store_rate);
  g_print ("design load 20,000 points/s:    %s\n", http_rate >= 20000 ? "met" : "NOT met");
  wg_bench_load_result_clear (&http);
  return EXIT_SUCCESS;
}
