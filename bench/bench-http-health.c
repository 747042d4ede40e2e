/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GET /api/v1/health through the whole WgServer (router, limits, problem
 * machinery, backlog-511 socket) against a bare SoupServer answering the
 * same JSON from one handler, in the same process and the same run.  A
 * client thread with its own main context keeps N requests in flight over
 * keep-alive connections for a fixed time.  Prints both rates and the
 * ratio.  Not a test: figures depend on the machine.
 *
 *   bench-http-health [SECONDS] [CONCURRENCY]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg-bench-server.h"
#include "wg-bench.h"
#include "wg-server.h"

static SoupMessage *
build_get (gpointer user_data)
{
  return soup_message_new ("GET", user_data);
}

/* Runs the client against @url while the main context serves; returns
 * requests per second and sets *p99_ms. */
static double
measure (const char *url,
         double      seconds,
         guint       concurrency,
         double     *p99_ms)
{
  WgBenchLoad load = { 0 };
  WgBenchLoadResult result;
  double rate;

  load.in_flight = concurrency;
  load.seconds = seconds;
  load.max_conns = 256;
  load.build_request = build_get;
  load.user_data = (gpointer) url;
  wg_bench_load_run (&load, &result);
  rate = result.done / result.seconds;
  wg_bench_sort_gint64 (result.latencies_us);
  *p99_ms = wg_bench_percentile (result.latencies_us, 0.99) / 1000.0;
  if (result.failed > 0)
    g_printerr ("%s: %" G_GUINT64_FORMAT " failed requests\n", url, result.failed);
  wg_bench_load_result_clear (&result);
  return rate;
}

#define ROUNDS 5

static void
bare_health_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  g_autofree char *body = g_strdup_printf ("{\"status\":\"ok\",\"version\":\"%s\",\"head\":0,\"server_time\":%" G_GINT64_FORMAT "}",
                                           PACKAGE_VERSION, g_get_real_time () / 1000);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 2.0;
  guint concurrency = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 32;
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupServer) bare = soup_server_new (NULL, NULL);
  WgBenchServer *server;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *bare_url = NULL;
  g_autofree char *wg_url = NULL;
  double bare_rate, wg_rate, bare_p99, wg_p99;

  /* The baseline gets the same backlog-511 socket, so the ratio measures
   * our request path, not the listen queue. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, address, TRUE, &error);
  g_assert_no_error (error);
  g_socket_set_listen_backlog (socket, WG_LISTEN_BACKLOG);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  soup_server_add_handler (bare, "/api/v1/health", bare_health_cb, NULL, NULL);
  soup_server_listen_socket (bare, socket, 0, &error);
  g_assert_no_error (error);
  local = g_socket_get_local_address (socket, &error);
  bare_url = g_strdup_printf ("http://127.0.0.1:%u/api/v1/health",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));

  server = wg_bench_server_start (FALSE);
  wg_url = g_strconcat (server->base_url, "/api/v1/health", NULL);

  /* Warm up both, then alternate rounds (the machine is shared: load
   * drifts) and keep the medians. */
  measure (bare_url, 0.5, concurrency, &bare_p99);
  measure (wg_url, 0.5, concurrency, &wg_p99);
  {
    double b[ROUNDS], w[ROUNDS], bp[ROUNDS], wp[ROUNDS];

    for (guint i = 0; i < ROUNDS; i++)
      {
        b[i] = measure (bare_url, seconds, concurrency, &bp[i]);
        w[i] = measure (wg_url, seconds, concurrency, &wp[i]);
      }
    bare_rate = wg_bench_median (b, ROUNDS);
    wg_rate = wg_bench_median (w, ROUNDS);
    bare_p99 = wg_bench_median (bp, ROUNDS);
    wg_p99 = wg_bench_median (wp, ROUNDS);
  }

  g_print ("GET /api/v1/health, %u in flight, median of %u alternating rounds of %.1f s, "
           "client thread in the same process\n", concurrency, ROUNDS, seconds);
  g_print ("bare SoupServer (baseline): %8.0f req/s  p99 %.2f ms\n", bare_rate, bare_p99);
  g_print ("WgServer:                   %8.0f req/s  p99 %.2f ms\n", wg_rate, wg_p99);
  g_print ("ratio WgServer/bare:        %8.2f\n", wg_rate / bare_rate);

  wg_bench_server_stop (server);
  return EXIT_SUCCESS;
}
