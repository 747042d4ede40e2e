/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fan-out: the latency from POSTing an incident.report to the moment every
 * one of N WebSocket subscribers (GET /api/v1/stream, all logged in as an
 * admin: the whole journal) has its event, at a fixed rate of reports, on
 * the real wangge-server process (loopback, temporary data directory,
 * synchronous=FULL group commit).  Baseline in the same run: the same
 * message shapes through a bare SoupServer in this program (its own thread
 * and main context) whose POST handler broadcasts the report to its
 * WebSocket clients and answers 200.  The client side (subscribers and
 * reporter) is the same code for both.  Prints p50/p99/max of the time
 * until the last subscriber has it, the ratio, and the server's peak RSS.
 * Not a test: figures depend on the machine.
 *
 *   bench-fanout [--short] [--seconds S] [--subscribers N] [--rate R]
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "wg-bench.h"
#include "wg-test-server.h"

#define MAX_SUBSCRIBERS 64

typedef struct
{
  gint64  sent;       /* POST sent, monotonic us */
  gint64  acked;      /* 200 received */
  gint64  last;       /* the latest subscriber's arrival */
  guint64 seen;       /* bit per subscriber */
  guint   n_seen;
  gboolean counted;   /* sent inside the measured window */
} Report;

typedef struct _Bench Bench;

typedef struct
{
  Bench                   *bench;
  guint                    index;
  SoupWebsocketConnection *conn;
  gboolean                 ready;
} Subscriber;

struct _Bench
{
  const char  *name;
  char        *stream_url;
  char        *report_url;
  char        *auth;          /* "Bearer ..." or NULL */
  char        *report_auth;
  gboolean     wait_live;     /* the real stream says "live" after its backlog */
  SoupSession *session;
  Subscriber   subscribers[MAX_SUBSCRIBERS];
  guint        n_subscribers;
  guint        n_ready;
  GHashTable  *reports;       /* command id -> Report */
  guint        in_flight;
  guint64      failed;
  guint64      sent;
};

static guint n_subscribers = 50;
static double rate = 200;
static double seconds = 10;
static double warmup = 1;

static const char *
find_command_id (const char *text,
                 char        out[64])
{
  const char *p = strstr (text, "\"command\":\"");
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen ("\"command\":\"");
  end = strchr (p, '"');
  if (end == NULL || end - p >= 64)
    return NULL;
  memcpy (out, p, end - p);
  out[end - p] = '\0';
  return out;
}

static void
message_cb (SoupWebsocketConnection *conn,
            int                      type,
            GBytes                  *message,
            gpointer                 user_data)
{
  Subscriber *sub = user_data;
  Bench *bench = sub->bench;
  gint64 now = g_get_monotonic_time ();
  g_autofree char *text = g_strndup (g_bytes_get_data (message, NULL), g_bytes_get_size (message));
  char id[64];
  Report *report;

  if (!sub->ready)
    {
      if (!bench->wait_live || strstr (text, "\"type\":\"live\"") != NULL)
        {
          sub->ready = TRUE;
          bench->n_ready++;
        }
      return;
    }
  if (strstr (text, "\"type\":\"event\"") == NULL || find_command_id (text, id) == NULL)
    return;
  report = g_hash_table_lookup (bench->reports, id);
  if (report == NULL || (report->seen & (G_GUINT64_CONSTANT (1) << sub->index)) != 0)
    return;
  report->seen |= G_GUINT64_CONSTANT (1) << sub->index;
  report->n_seen++;
  report->last = MAX (report->last, now);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Subscriber *sub = user_data;
  g_autoptr(GError) error = NULL;

  sub->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (sub->conn == NULL)
    g_error ("%s: subscriber %u: %s", sub->bench->name, sub->index, error->message);
  soup_websocket_connection_set_max_incoming_payload_size (sub->conn, 1 << 20);
  g_signal_connect (sub->conn, "message", G_CALLBACK (message_cb), sub);
  if (!sub->bench->wait_live)
    {
      sub->ready = TRUE;
      sub->bench->n_ready++;
    }
}

static void
posted_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Report *report = user_data;
  Bench *bench = g_object_get_data (source, "bench");
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  bench->in_flight--;
  if (body == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      if (bench->failed++ == 0)
        g_printerr ("%s: report refused: %u %.*s\n", bench->name, soup_message_get_status (msg),
                    body ? (int) g_bytes_get_size (body) : 0,
                    body ? (const char *) g_bytes_get_data (body, NULL) : "");
      return;
    }
  report->acked = g_get_monotonic_time ();
}

static void
send_report (Bench   *bench,
             gboolean counted)
{
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":"
                                           "{\"grade\":\"general\",\"category\":\"garbage\","
                                           "\"location\":{\"lat\":23.21,\"lon\":113.29},\"summary\":\"fan-out\"}}",
                                           id);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", bench->report_url);
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&text), strlen (text));
  Report *report = g_new0 (Report, 1);

  if (bench->report_auth != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bench->report_auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  report->counted = counted;
  report->sent = g_get_monotonic_time ();
  g_hash_table_insert (bench->reports, g_strdup (id), report);
  bench->in_flight++;
  bench->sent++;
  soup_session_send_and_read_async (bench->session, msg, G_PRIORITY_DEFAULT, NULL, posted_cb, report);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  double p50, p99, max, ack_p50;
  guint  complete, counted;
} Result;

static void
run (Bench  *bench,
     Result *result)
{
  GMainContext *context = g_main_context_default ();
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) acks = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 start, deadline, warm_until, drain_until;
  GHashTableIter iter;
  Report *report;
  guint tick;

  bench->session = soup_session_new_with_options ("max-conns", 512, "max-conns-per-host", 512, NULL);
  g_object_set_data (G_OBJECT (bench->session), "bench", bench);
  bench->reports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  bench->n_subscribers = n_subscribers;
  for (guint i = 0; i < n_subscribers; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", bench->stream_url);

      if (bench->auth != NULL)
        soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bench->auth);
      bench->subscribers[i].bench = bench;
      bench->subscribers[i].index = i;
      soup_session_websocket_connect_async (bench->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                            NULL, connected_cb, &bench->subscribers[i]);
    }
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (bench->n_ready < n_subscribers && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  if (bench->n_ready < n_subscribers)
    g_error ("%s: only %u of %u subscribers ready", bench->name, bench->n_ready, n_subscribers);

  /* Reports at a fixed rate: catch up with the schedule at each tick. */
  tick = g_timeout_add (1, tick_cb, NULL);
  start = g_get_monotonic_time ();
  warm_until = start + (gint64) (warmup * G_USEC_PER_SEC);
  deadline = warm_until + (gint64) (seconds * G_USEC_PER_SEC);
  while (TRUE)
    {
      gint64 now = g_get_monotonic_time ();
      guint64 due;

      if (now >= deadline)
        break;
      due = (guint64) ((now - start) * rate / G_USEC_PER_SEC) + 1;
      while (bench->sent < due)
        send_report (bench, now >= warm_until);
      /* The 1 ms tick below wakes this loop for the next report. */
      g_main_context_iteration (context, TRUE);
    }

  g_source_remove (tick);

  /* Drain: everything acknowledged and delivered, or give up after 10 s. */
  drain_until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < drain_until)
    {
      gboolean done = bench->in_flight == 0;

      g_hash_table_iter_init (&iter, bench->reports);
      while (done && g_hash_table_iter_next (&iter, NULL, (gpointer *) &report))
        if (report->acked != 0 && report->n_seen < n_subscribers)
          done = FALSE;
      if (done)
        break;
      g_main_context_iteration (context, TRUE);
    }

  memset (result, 0, sizeof *result);
  g_hash_table_iter_init (&iter, bench->reports);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &report))
    {
      if (!report->counted)
        continue;
      result->counted++;
      if (report->acked != 0)
        {
          gint64 ack = report->acked - report->sent;

          g_array_append_val (acks, ack);
        }
      if (report->n_seen == n_subscribers)
        {
          gint64 latency = report->last - report->sent;

          g_array_append_val (all, latency);
          result->complete++;
        }
    }
  wg_bench_sort_gint64 (all);
  wg_bench_sort_gint64 (acks);
  result->p50 = wg_bench_percentile (all, 0.50) / 1000.0;
  result->p99 = wg_bench_percentile (all, 0.99) / 1000.0;
  result->max = all->len > 0 ? g_array_index (all, gint64, all->len - 1) / 1000.0 : 0;
  result->ack_p50 = wg_bench_percentile (acks, 0.50) / 1000.0;

  for (guint i = 0; i < n_subscribers; i++)
    if (bench->subscribers[i].conn != NULL)
      {
        g_signal_handlers_disconnect_by_data (bench->subscribers[i].conn, &bench->subscribers[i]);
        if (soup_websocket_connection_get_state (bench->subscribers[i].conn) == SOUP_WEBSOCKET_STATE_OPEN)
          soup_websocket_connection_close (bench->subscribers[i].conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
        g_clear_object (&bench->subscribers[i].conn);
      }
  while (g_main_context_iteration (context, FALSE))
    ;
  g_clear_object (&bench->session);
  g_clear_pointer (&bench->reports, g_hash_table_unref);
}

/* ---- the bare baseline: its own thread and main context -------------- */

typedef struct
{
  GMutex        lock;
  GCond         cond;
  guint16       port;
  GMainContext *context;
  GMainLoop    *loop;
  GPtrArray    *clients;   /* SoupWebsocketConnection */
  gint64        head;
} Bare;

static void
bare_closed_cb (SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  Bare *bare = user_data;

  g_ptr_array_remove (bare->clients, conn);
}

static void
bare_websocket_cb (SoupServer              *server,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *conn,
                   gpointer                 user_data)
{
  Bare *bare = user_data;

  g_ptr_array_add (bare->clients, g_object_ref (conn));
  g_signal_connect (conn, "closed", G_CALLBACK (bare_closed_cb), bare);
}

/* The same frame the real stream sends for a report: an "event" carrying
 * the command id, about the size of a real incident.reported. */
static void
bare_report_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Bare *bare = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_autofree char *frame = NULL;
  const char *p = strstr (text, "\"id\":\"");
  const char *end = p != NULL ? strchr (p + 6, '"') : NULL;
  char id[64];
  gint64 seq = ++bare->head;

  /* The request names the command "id"; the event calls it "command". */
  if (end == NULL || end - (p + 6) >= (gssize) sizeof id)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      return;
    }
  memcpy (id, p + 6, end - (p + 6));
  id[end - (p + 6)] = '\0';
  frame = g_strdup_printf ("{\"type\":\"event\",\"head\":%" G_GINT64_FORMAT ",\"event\":{\"seq\":%" G_GINT64_FORMAT
                           ",\"ts\":%" G_GINT64_FORMAT ",\"type\":\"incident.reported\",\"actor\":\"dispatcher\","
                           "\"role\":\"dispatcher\",\"command\":\"%s\",\"subject\":\"%s\",\"incident\":\"%s\","
                           "\"body\":{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,"
                           "\"lon\":113.29},\"summary\":\"fan-out\",\"grid\":\"222404001001\"}}}",
                           seq, seq, g_get_real_time () / 1000, id, id, id);
  for (guint i = 0; i < bare->clients->len; i++)
    soup_websocket_connection_send_text (g_ptr_array_index (bare->clients, i), frame);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, "{}", 2);
}

static gpointer
bare_thread (gpointer data)
{
  Bare *bare = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  g_main_context_push_thread_default (bare->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, "/report", bare_report_cb, bare, NULL);
  soup_server_add_websocket_handler (server, "/stream", NULL, NULL, bare_websocket_cb, bare, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("bare server: %s", error->message);
  uris = soup_server_get_uris (server);
  g_mutex_lock (&bare->lock);
  bare->port = g_uri_get_port (uris->data);
  g_cond_signal (&bare->cond);
  g_mutex_unlock (&bare->lock);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);

  g_main_loop_run (bare->loop);

  for (guint i = 0; i < bare->clients->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (bare->clients, i), bare);
  g_ptr_array_set_size (bare->clients, 0);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (bare->context);
  return NULL;
}

static void
print_result (const char   *name,
              const Result *r)
{
  g_print ("%-28s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  (%u/%u reports reached all; POST answer p50 %.2f ms)\n",
           name, r->p50, r->p99, r->max, r->complete, r->counted, r->ack_p50);
}

int
main (int   argc,
      char *argv[])
{
  gboolean short_run = FALSE;
  int subscribers_arg = 50;
  const GOptionEntry entries[] = {
    { "short", 0, 0, G_OPTION_ARG_NONE, &short_run, "3 s instead of 10", NULL },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Measured seconds per run (default 10)", "S" },
    { "subscribers", 0, 0, G_OPTION_ARG_INT, &subscribers_arg, "WebSocket subscribers (default 50, at most 64)", "N" },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &rate, "Reports per second (default 200)", "R" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestServer) server = NULL;
  g_autofree char *dispatcher = NULL;
  Bench real = { 0 }, baseline = { 0 };
  Result real_result, bare_result;
  Bare bare = { 0 };
  GThread *thread;
  gint64 server_hwm;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("bench-fanout: %s\n", error->message);
      return 2;
    }
  if (short_run)
    seconds = MIN (seconds, 3);
  n_subscribers = CLAMP (subscribers_arg, 1, MAX_SUBSCRIBERS);
  rate = CLAMP (rate, 1, 10000);

  /* The real server: demo reference and accounts, an empty journal, no
   * per-token command limit (one token reports everything here). */
  server = wg_test_server_new ("[auth]\ncommand-rate=1000000\ncommand-burst=1000000\n");
  wg_test_server_start (server, (const char *[]) { "--demo", NULL });
  dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  real.name = "wangge-server";
  real.stream_url = wg_test_server_url (server, "/api/v1/stream");
  real.report_url = wg_test_server_url (server, "/api/v1/commands");
  real.auth = g_strconcat ("Bearer ", server->token, NULL);
  real.report_auth = g_strconcat ("Bearer ", dispatcher, NULL);
  real.wait_live = TRUE;

  g_mutex_init (&bare.lock);
  g_cond_init (&bare.cond);
  bare.context = g_main_context_new ();
  bare.loop = g_main_loop_new (bare.context, FALSE);
  bare.clients = g_ptr_array_new_with_free_func (g_object_unref);
  thread = g_thread_new ("bare-server", bare_thread, &bare);
  g_mutex_lock (&bare.lock);
  while (bare.port == 0)
    g_cond_wait (&bare.cond, &bare.lock);
  g_mutex_unlock (&bare.lock);
  baseline.name = "bare SoupServer";
  baseline.stream_url = g_strdup_printf ("ws://127.0.0.1:%u/stream", bare.port);
  baseline.report_url = g_strdup_printf ("http://127.0.0.1:%u/report", bare.port);

  run (&baseline, &bare_result);
  run (&real, &real_result);
  server_hwm = wg_bench_peak_rss_kib (g_subprocess_get_identifier (server->process));

  g_print ("%u WebSocket subscribers, %.0f reports/s for %.1f s (after %.0f s warm-up), loopback; "
           "latency from the POST to the last subscriber's frame\n",
           n_subscribers, rate, seconds, warmup);
  print_result ("bare SoupServer (baseline):", &bare_result);
  print_result ("wangge-server:", &real_result);
  g_print ("ratio wangge/bare:           p50 %.1fx  p99 %.1fx\n",
           bare_result.p50 > 0 ? real_result.p50 / bare_result.p50 : 0,
           bare_result.p99 > 0 ? real_result.p99 / bare_result.p99 : 0);
  g_print ("peak RSS: wangge-server %.1f MiB (VmHWM); this program %.1f MiB\n",
           server_hwm / 1024.0, wg_bench_peak_rss_kib ("self") / 1024.0);
  if (real.failed > 0 || baseline.failed > 0)
    g_print ("refused reports: wangge %" G_GUINT64_FORMAT ", bare %" G_GUINT64_FORMAT "\n",
             real.failed, baseline.failed);

  g_main_loop_quit (bare.loop);
  g_main_context_wakeup (bare.context);
  g_thread_join (thread);
  g_main_loop_unref (bare.loop);
  g_main_context_unref (bare.context);
  g_ptr_array_unref (bare.clients);
  g_mutex_clear (&bare.lock);
  g_cond_clear (&bare.cond);
  g_free (dispatcher);
  dispatcher = NULL;
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  for (Bench *b = &real; b != NULL; b = b == &real ? &baseline : NULL)
    {
      g_free (b->stream_url);
      g_free (b->report_url);
      g_free (b->auth);
      g_free (b->report_auth);
    }
  return real_result.complete > 0 && bare_result.complete > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
