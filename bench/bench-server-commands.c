/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Command intake: incident.report commands per second through POST
 * /api/v1/commands (token check, JSON guard, group commit with one
 * savepoint per command, synchronous=FULL, stream publication) with
 * IN_FLIGHT requests outstanding, against wg_store_execute_command() alone
 * in the same run, one transaction (one fsync) per command.  Not a test.
 *
 *   bench-server-commands [SECONDS] [IN_FLIGHT]
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "wg-engine.h"
#include "wg-reference.h"
#include "wg-server.h"
#include "wg-store-reference.h"
#include "wg-store.h"

#define BODY "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,\"lon\":113.29},\"summary\":\"bench\"}"

typedef struct
{
  char        *base;
  char        *auth;
  guint        in_flight_max;
  gint64       duration_us;
  gint64       deadline;
  guint        in_flight;
  guint64      done;
  guint64      failed;
  GArray      *latencies;   /* gint64 us */
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
  if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
    {
      client->done++;
      g_array_append_val (client->latencies, took);
    }
  else
    client->failed++;
  if (g_get_monotonic_time () < client->deadline)
    send_one (client);
}

static void
send_one (Client *client)
{
  g_autofree char *url = g_strconcat (client->base, "/api/v1/commands", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autofree char *id = g_uuid_string_random ();
  char *text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":" BODY "}", id);
  g_autoptr(GBytes) body = g_bytes_new_take (text, strlen (text));
  Request *request = g_new0 (Request, 1);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", client->auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
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
  const char *login = "{\"username\":\"dispatcher\",\"password\":\"demo\"}";

  g_main_context_push_thread_default (context);
  client->session = soup_session_new_with_options ("max-conns-per-host", client->in_flight_max, NULL);
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
  client->deadline = g_get_monotonic_time () + client->duration_us;
  for (guint i = 0; i < client->in_flight_max; i++)
    send_one (client);
  while (client->in_flight > 0)
    g_main_context_iteration (context, TRUE);
  g_clear_object (&client->session);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  g_idle_add ((GSourceFunc) (void (*) (void)) g_main_loop_quit, client->server_loop);
  return NULL;
}

static void
remove_dir (const char *dir)
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

/* Baseline: the same commands straight into a store with the same
 * reference, one transaction each. */
static double
measure_store (double   seconds,
               gboolean no_sync)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-bench-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *demo = wg_engine_find_demo_dir ();
  g_autoptr(WgReference) reference = wg_reference_load_dir (demo, &error);
  g_autoptr(WgActor) actor = wg_actor_new ("dispatcher", WG_ROLE_DISPATCHER, NULL, NULL, NULL);
  g_autoptr(JsonNode) body = json_from_string (BODY, NULL);
  WgStore *store;
  gint64 start, deadline;
  guint64 n = 0;

  g_assert_no_error (error);
  store = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_adopt_reference (store, reference, &error);
  g_assert_no_error (error);
  if (no_sync)
    sqlite3_exec (wg_store_get_sqlite (store), "PRAGMA synchronous = OFF", NULL, NULL, NULL);
  start = g_get_monotonic_time ();
  deadline = start + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *id = g_uuid_string_random ();
      g_autoptr(WgCommand) command = wg_command_new (id, WG_CMD_INCIDENT_REPORT, json_node_get_object (body));
      g_autoptr(GPtrArray) events = NULL;

      wg_store_execute_command (store, command, actor, g_get_real_time () / 1000, &events, NULL, &error);
      g_assert_no_error (error);
      n++;
    }
  wg_store_unref (store);
  remove_dir (dir);
  return n / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
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
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 3.0;
  guint in_flight = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 64;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(WgServer) server = NULL;
  WgEngine *engine;
  g_autofree char *dir = g_dir_make_tmp ("wg-bench-XXXXXX", &error);
  Client client = { 0 };
  GThread *thread;
  gint64 start, p50, p99;
  double http_rate, store_rate, cpu_rate;

  g_assert_no_error (error);
  config->port = 0;
  config->data_dir = g_strdup (dir);
  config->demo = TRUE;
  /* One token sends everything here: no per-token limit. */
  config->command_rate = 10000000;
  config->command_burst = 10000000;
  server = wg_server_new (config, &error);
  g_assert_no_error (error);
  engine = wg_engine_new (server, &error);
  g_assert_no_error (error);
  wg_server_start (server, &error);
  g_assert_no_error (error);

  client.base = wg_server_dup_url (server);
  client.in_flight_max = in_flight;
  client.duration_us = (gint64) (seconds * G_USEC_PER_SEC);
  client.latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  client.server_loop = g_main_loop_new (NULL, FALSE);
  thread = g_thread_new ("client", client_thread, &client);
  start = g_get_monotonic_time ();
  g_main_loop_run (client.server_loop);
  g_thread_join (thread);
  http_rate = client.done / ((g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  g_main_loop_unref (client.server_loop);

  g_array_sort (client.latencies, compare_gint64);
  p50 = client.latencies->len > 0 ? g_array_index (client.latencies, gint64, client.latencies->len / 2) : 0;
  p99 = client.latencies->len > 0 ? g_array_index (client.latencies, gint64, client.latencies->len * 99 / 100) : 0;

  wg_engine_flush (engine);
  wg_server_stop (server);
  wg_engine_free (engine);
  g_clear_object (&server);
  remove_dir (dir);

  store_rate = measure_store (seconds, FALSE);
  cpu_rate = measure_store (seconds, TRUE);

  g_print ("commands: incident.report, %u in flight, %.1f s, synchronous=FULL\n", in_flight, seconds);
  g_print ("store alone, one transaction each (baseline): %7.0f commands/s\n", store_rate);
  g_print ("store alone, synchronous=OFF (engine CPU):   %7.0f commands/s\n", cpu_rate);
  g_print ("POST /api/v1/commands, group commit:          %7.0f commands/s (%" G_GUINT64_FORMAT " failed)\n",
           http_rate, client.failed);
  g_print ("latency p50 %.1f ms, p99 %.1f ms\n", p50 / 1000.0, p99 / 1000.0);
  g_print ("ratio HTTP/store:                             %7.2f\n", http_rate / store_rate);
  g_array_unref (client.latencies);
  g_free (client.base);
  g_free (client.auth);
  return EXIT_SUCCESS;
}
