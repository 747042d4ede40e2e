/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Photo uploads: POST /api/v1/attachments of a 12 MP JPEG (checks, decode
 * at the display size, display copy and thumbnail on the 2-thread pool,
 * content-addressed files written durably, 201), one at a time and
 * CONCURRENT at once, against wg_image_process() alone on the same bytes
 * in the same run.  Not a test.
 *
 *   bench-upload [UPLOADS] [CONCURRENT]
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg-engine.h"
#include "wg-image.h"
#include "wg-server.h"

typedef struct
{
  char        *base;
  char        *auth;
  GBytes      *photo;
  guint        uploads;
  guint        concurrent;
  guint        in_flight;
  guint        left;
  guint        failed;
  GArray      *latencies;   /* gint64 us, sequential */
  gint64       burst_us;
  SoupSession *session;
  GMainLoop   *server_loop;
} Client;

typedef struct
{
  Client *client;
  gint64  sent_at;
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
  gint64 took = g_get_monotonic_time () - request->sent_at;

  g_free (request);
  client->in_flight--;
  if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_CREATED)
    g_array_append_val (client->latencies, took);
  else
    client->failed++;
}

static void
send_one (Client *client)
{
  g_autofree char *url = g_strconcat (client->base, "/api/v1/attachments", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  Request *request = g_new0 (Request, 1);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", client->auth);
  soup_message_set_request_body_from_bytes (msg, "image/jpeg", client->photo);
  request->client = client;
  request->sent_at = g_get_monotonic_time ();
  client->in_flight++;
  soup_session_send_and_read_async (client->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, request);
}

static gpointer
client_thread (gpointer data)
{
  Client *client = data;
  GMainContext *context = g_main_context_new ();
  g_autofree char *url = g_strconcat (client->base, "/api/v1/session", NULL);
  const char *login = "{\"username\":\"worker-01\",\"password\":\"demo\"}";
  gint64 start;

  g_main_context_push_thread_default (context);
  client->session = soup_session_new_with_options ("max-conns-per-host", client->concurrent + 1,
                                                   "timeout", 120, NULL);
  {
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GBytes) request = g_bytes_new_static (login, strlen (login));
    g_autoptr(GBytes) answer = NULL;
    g_autoptr(JsonParser) parser = json_parser_new ();

    soup_message_set_request_body_from_bytes (msg, "application/json", request);
    answer = soup_session_send_and_read (client->session, msg, NULL, NULL);
    g_assert (answer != NULL && soup_message_get_status (msg) == 200);
    g_assert (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NULL));
    client->auth = g_strconcat ("Bearer ",
                                json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "token"),
                                NULL);
  }
  /* One at a time: the latency of one upload. */
  for (guint i = 0; i < client->uploads; i++)
    {
      send_one (client);
      while (client->in_flight > 0)
        g_main_context_iteration (context, TRUE);
    }
  /* CONCURRENT at once: the pool's throughput. */
  start = g_get_monotonic_time ();
  for (guint i = 0; i < client->concurrent; i++)
    send_one (client);
  while (client->in_flight > 0)
    g_main_context_iteration (context, TRUE);
  client->burst_us = g_get_monotonic_time () - start;

  g_clear_object (&client->session);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_idle_add ((GSourceFunc) (void (*) (void)) g_main_loop_quit, client->server_loop);
  return NULL;
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_tree (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

/* A 4000 x 3000 photo-like JPEG: gradients and noise, so that it neither
 * compresses to nothing nor decodes trivially. */
static GBytes *
make_photo (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 4000, 3000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (12);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  char *buffer = NULL;
  gsize len = 0;

  for (int y = 0; y < 3000; y++)
    for (int x = 0; x < 4000; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        int noise = g_rand_int_range (rand, -24, 24);

        p[0] = CLAMP (x / 16 + noise, 0, 255);
        p[1] = CLAMP (y / 12 + noise, 0, 255);
        p[2] = CLAMP (((x + y) / 28) + noise, 0, 255);
      }
  g_assert (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &len, "jpeg", NULL, "quality", "88", NULL));
  return g_bytes_new_take (buffer, len);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

int
main (int   argc,
      char *argv[])
{
  guint uploads = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 5;
  guint concurrent = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 8;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(WgServer) server = NULL;
  g_autoptr(GBytes) photo = make_photo ();
  g_autoptr(GArray) baseline = g_array_new (FALSE, FALSE, sizeof (gint64));
  WgEngine *engine;
  g_autofree char *dir = g_dir_make_tmp ("wg-bench-XXXXXX", &error);
  Client client = { 0 };
  GThread *thread;
  gint64 p50, base50;

  g_assert_no_error (error);
  uploads = MAX (uploads, 1);
  concurrent = CLAMP (concurrent, 1, 8);

  /* Baseline: the checks and derived sizes alone, in this process. */
  for (guint i = 0; i < uploads; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(WgImageDerived) derived = wg_image_process (photo, NULL, &error);
      gint64 took = g_get_monotonic_time () - start;

      g_assert_no_error (error);
      g_array_append_val (baseline, took);
    }
  g_array_sort (baseline, compare_gint64);
  base50 = g_array_index (baseline, gint64, baseline->len / 2);

  config->port = 0;
  config->data_dir = g_strdup (dir);
  config->demo = TRUE;
  config->demo_days = 0;
  config->command_rate = 10000000;
  config->command_burst = 10000000;
  server = wg_server_new (config, &error);
  g_assert_no_error (error);
  engine = wg_engine_new (server, &error);
  g_assert_no_error (error);
  wg_server_start (server, &error);
  g_assert_no_error (error);

  client.base = wg_server_dup_url (server);
  client.photo = photo;
  client.uploads = uploads;
  client.concurrent = concurrent;
  client.latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  client.server_loop = g_main_loop_new (NULL, FALSE);
  thread = g_thread_new ("client", client_thread, &client);
  g_main_loop_run (client.server_loop);
  g_thread_join (thread);
  g_main_loop_unref (client.server_loop);

  wg_server_stop (server);
  wg_engine_free (engine);
  g_clear_object (&server);
  remove_tree (dir);

  g_assert (client.latencies->len >= uploads);
  g_array_set_size (client.latencies, uploads);   /* the sequential ones */
  g_array_sort (client.latencies, compare_gint64);
  p50 = g_array_index (client.latencies, gint64, client.latencies->len / 2);

  g_print ("photo: 4000 x 3000 JPEG, %.2f MB\n", g_bytes_get_size (photo) / 1e6);
  g_print ("wg_image_process alone (baseline), median of %u: %7.1f ms\n", uploads, base50 / 1000.0);
  g_print ("POST /api/v1/attachments, one at a time, median:  %7.1f ms (%u failed)\n", p50 / 1000.0, client.failed);
  g_print ("ratio upload/process:                             %7.2f\n", (double) p50 / base50);
  g_print ("%u uploads at once: %.2f s, %.2f uploads/s (2 decode threads; ideal %.2f/s)\n",
           concurrent, client.burst_us / 1e6, concurrent / (client.burst_us / 1e6), 2e6 / base50);
  g_array_unref (client.latencies);
  g_free (client.base);
  g_free (client.auth);
  return EXIT_SUCCESS;
}
