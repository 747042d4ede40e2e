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

#include "wg-server.h"

typedef struct
{
  char        *url;
  guint        concurrency;
  gint64       duration_us;
  guint64      done;
  guint64      failed;
  gint64       deadline;
  guint        in_flight;
  SoupSession *session;
  GMainContext *context;
  GArray      *latencies_us;
  GMainLoop   *server_loop;
} Client;

typedef struct
{
  Client *client;
  gint64  start;
} Request;

static void send_one (Client *client);

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Request *request = user_data;
  Client *client = request->client;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  gint64 latency = g_get_monotonic_time () - request->start;

  client->in_flight--;
  if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
    {
      client->done++;
      g_array_append_val (client->latencies_us, latency);
    }
  else
    client->failed++;
  g_free (request);
  if (g_get_monotonic_time () < client->deadline)
    send_one (client);
}

static void
send_one (Client *client)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", client->url);
  Request *request = g_new0 (Request, 1);

  request->client = client;
  request->start = g_get_monotonic_time ();
  client->in_flight++;
  soup_session_send_and_read_async (client->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, request);
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;

  client->context = g_main_context_new ();
  g_main_context_push_thread_default (client->context);
  client->session = soup_session_new_with_options ("max-conns", 256,
                                                   "max-conns-per-host", client->concurrency, NULL);
  client->deadline = g_get_monotonic_time () + client->duration_us;
  for (guint i = 0; i < client->concurrency; i++)
    send_one (client);
  while (client->in_flight > 0)
    g_main_context_iteration (client->context, TRUE);
  g_clear_object (&client->session);
  g_main_context_pop_thread_default (client->context);
  g_main_context_unref (client->context);
  /* Wake the serving thread. */
  g_idle_add ((GSourceFunc) (void (*) (void)) g_main_loop_quit, client->server_loop);
  return NULL;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Runs the client against @url while the main context serves; returns
 * requests per second and sets *p99_ms. */
static double
measure (const char *url,
         double      seconds,
         guint       concurrency,
         double     *p99_ms)
{
  Client client = { 0 };
  GThread *thread;
  gint64 start;
  double rate;

  client.url = g_strdup (url);
  client.concurrency = concurrency;
  client.duration_us = (gint64) (seconds * G_USEC_PER_SEC);
  client.latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  client.server_loop = g_main_loop_new (NULL, FALSE);
  start = g_get_monotonic_time ();
  thread = g_thread_new ("client", client_thread, &client);
  g_main_loop_run (client.server_loop);
  g_thread_join (thread);
  g_main_loop_unref (client.server_loop);
  rate = client.done / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_array_sort (client.latencies_us, compare_gint64);
  *p99_ms = client.latencies_us->len > 0
            ? g_array_index (client.latencies_us, gint64, (guint) (client.latencies_us->len * 0.99)) / 1000.0
            : 0;
  if (client.failed > 0)
    g_printerr ("%s: %" G_GUINT64_FORMAT " failed requests\n", url, client.failed);
  g_array_unref (client.latencies_us);
  g_free (client.url);
  return rate;
}

#define ROUNDS 5

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values)
{
  qsort (values, ROUNDS, sizeof (double), compare_double);
  return values[ROUNDS / 2];
}

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
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(WgServer) server = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-bench-XXXXXX", &error);
  g_autofree char *bare_url = NULL;
  g_autofree char *base = NULL;
  g_autofree char *wg_url = NULL;
  double bare_rate, wg_rate, bare_p99, wg_p99;

  g_assert_no_error (error);

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

  config->port = 0;
  config->data_dir = g_strdup (dir);
  server = wg_server_new (config, &error);
  g_assert_no_error (error);
  wg_server_start (server, &error);
  g_assert_no_error (error);
  base = wg_server_dup_url (server);
  wg_url = g_strconcat (base, "/api/v1/health", NULL);

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
    bare_rate = median (b);
    wg_rate = median (w);
    bare_p99 = median (bp);
    wg_p99 = median (wp);
  }

  g_print ("GET /api/v1/health, %u in flight, median of %u alternating rounds of %.1f s, "
           "client thread in the same process\n", concurrency, ROUNDS, seconds);
  g_print ("bare SoupServer (baseline): %8.0f req/s  p99 %.2f ms\n", bare_rate, bare_p99);
  g_print ("WgServer:                   %8.0f req/s  p99 %.2f ms\n", wg_rate, wg_p99);
  g_print ("ratio WgServer/bare:        %8.2f\n", wg_rate / bare_rate);

  wg_server_stop (server);
  g_clear_object (&server);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (dir, name, NULL);
        g_unlink (p);
      }
    g_rmdir (dir);
  }
  return EXIT_SUCCESS;
}
