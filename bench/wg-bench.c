/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-bench"

#include "config.h"

#include "wg-bench.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct
{
  const WgBenchLoad *load;
  WgBenchLoadResult *result;
  char              *auth;
  SoupSession       *session;
  gint64             deadline;
  guint64            sent;
  guint              in_flight;
  GMainLoop         *caller_loop;
} Driver;

typedef struct
{
  Driver *driver;
  gint64  sent_at;
} Request;

static void send_one (Driver *driver);
static void raw_run (Driver *driver);

static gboolean
may_send (Driver *driver)
{
  const WgBenchLoad *load = driver->load;

  return (load->max_requests == 0 || driver->sent < load->max_requests) &&
         (load->seconds <= 0 || g_get_monotonic_time () < driver->deadline);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Request *request = user_data;
  Driver *driver = request->driver;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  gint64 took = g_get_monotonic_time () - request->sent_at;
  guint expected = driver->load->expected_status != 0 ? driver->load->expected_status : SOUP_STATUS_OK;

  g_free (request);
  driver->in_flight--;
  if (body != NULL && soup_message_get_status (msg) == expected)
    {
      driver->result->done++;
      g_array_append_val (driver->result->latencies_us, took);
    }
  else
    driver->result->failed++;
  if (may_send (driver))
    send_one (driver);
}

static void
send_one (Driver *driver)
{
  g_autoptr(SoupMessage) msg = driver->load->build_request (driver->load->user_data);
  Request *request = g_new0 (Request, 1);

  if (driver->auth != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", driver->auth);
  request->driver = driver;
  request->sent_at = g_get_monotonic_time ();
  driver->sent++;
  driver->in_flight++;
  soup_session_send_and_read_async (driver->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, request);
}

/* A benchmark is not a test: a refused login ends it loudly. */
static char *
log_in (SoupSession *session,
        const char  *base_url,
        const char  *username)
{
  g_autofree char *url = g_strconcat (base_url, "/api/v1/session", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) request = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, "demo");
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  request = g_bytes_new_take (text, strlen (text));
  soup_message_set_request_body_from_bytes (msg, "application/json", request);
  answer = soup_session_send_and_read (session, msg, NULL, NULL);
  g_assert (answer != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK);
  g_assert (json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NULL));
  return g_strconcat ("Bearer ",
                      json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "token"),
                      NULL);
}

/* "max-conns" is construct-only: every property goes in at construction,
 * libsoup's defaults where the load names none. */
static SoupSession *
new_session (const WgBenchLoad *load)
{
  const char *names[3];
  GValue values[3] = { G_VALUE_INIT, G_VALUE_INIT, G_VALUE_INIT };
  guint n = 0;
  GObject *session;

  names[n] = "max-conns-per-host";
  g_value_init (&values[n], G_TYPE_INT);
  g_value_set_int (&values[n++], load->max_conns_per_host != 0 ? load->max_conns_per_host : load->in_flight);
  /* libsoup's default of 10 connections in all would cap the requests
   * in flight at 10, whatever the load asks for. */
  names[n] = "max-conns";
  g_value_init (&values[n], G_TYPE_INT);
  g_value_set_int (&values[n++], load->max_conns != 0 ? load->max_conns : MAX (10, load->in_flight));
  if (load->timeout_s != 0)
    {
      names[n] = "timeout";
      g_value_init (&values[n], G_TYPE_UINT);
      g_value_set_uint (&values[n++], load->timeout_s);
    }
  session = g_object_new_with_properties (SOUP_TYPE_SESSION, n, names, values);
  for (guint i = 0; i < n; i++)
    g_value_unset (&values[i]);
  return SOUP_SESSION (session);
}

/* The client runs on its own thread and main context so that the caller's
 * default context is free to serve an in-process server. */
static gpointer
driver_thread (gpointer data)
{
  Driver *driver = data;
  const WgBenchLoad *load = driver->load;
  GMainContext *context = g_main_context_new ();
  gint64 start;

  g_main_context_push_thread_default (context);
  driver->session = new_session (load);
  if (load->username != NULL)
    driver->auth = log_in (driver->session, load->base_url, load->username);
  start = g_get_monotonic_time ();
  driver->deadline = start + (gint64) (load->seconds * G_USEC_PER_SEC);
  if (load->raw_path != NULL)
    raw_run (driver);
  else
    {
      for (guint i = 0; i < load->in_flight && may_send (driver); i++)
        send_one (driver);
      while (driver->in_flight > 0)
        g_main_context_iteration (context, TRUE);
    }
  driver->result->seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_clear_object (&driver->session);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  /* Wake the caller's thread, which is serving. */
  g_idle_add ((GSourceFunc) (void (*) (void)) g_main_loop_quit, driver->caller_loop);
  return NULL;
}

/* ---- raw mode: hand-written HTTP/1.1 over plain sockets ----------------- */

typedef struct
{
  int         fd;
  GString    *out;
  gsize       written;
  GByteArray *in;
  gint64      sent_at;
  gboolean    busy;
} RawConn;

static int
raw_connect (GInetSocketAddress *address)
{
  struct sockaddr_in sin;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  int one = 1;

  g_assert (fd >= 0);
  g_assert (g_socket_address_to_native (G_SOCKET_ADDRESS (address), &sin, sizeof sin, NULL));
  g_assert (connect (fd, (struct sockaddr *) &sin, sizeof sin) == 0);
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  g_unix_set_fd_nonblocking (fd, TRUE, NULL);
  return fd;
}

static void
raw_send (Driver  *driver,
          RawConn *conn)
{
  const WgBenchLoad *load = driver->load;
  g_autofree char *body = load->raw_body (load->user_data);

  g_string_printf (conn->out, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s"
                   "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                   load->raw_path, driver->auth != NULL ? "Authorization: " : "",
                   driver->auth != NULL ? driver->auth : "", driver->auth != NULL ? "\r\n" : "",
                   strlen (body), body);
  conn->written = 0;
  conn->busy = TRUE;
  conn->sent_at = g_get_monotonic_time ();
  driver->sent++;
  driver->in_flight++;
}

/* A whole answer at the start of conn->in: its status, and consumes it. */
static gboolean
raw_take_answer (RawConn *conn,
                 guint   *status)
{
  const char *data = (const char *) conn->in->data;
  const char *end = g_strstr_len (data, conn->in->len, "\r\n\r\n");
  g_autofree char *head = NULL;
  const char *length_at;
  gsize head_len, body_len = 0;

  if (end == NULL)
    return FALSE;
  head_len = end + 4 - data;
  head = g_ascii_strdown (data, head_len);
  if ((length_at = strstr (head, "\r\ncontent-length:")) != NULL)
    body_len = g_ascii_strtoull (length_at + 17, NULL, 10);
  if (conn->in->len < head_len + body_len)
    return FALSE;
  *status = head_len > 12 ? (guint) g_ascii_strtoull (head + 9, NULL, 10) : 0;
  g_byte_array_remove_range (conn->in, 0, head_len + body_len);
  return TRUE;
}

static void
raw_run (Driver *driver)
{
  const WgBenchLoad *load = driver->load;
  guint expected = load->expected_status != 0 ? load->expected_status : SOUP_STATUS_OK;
  g_autoptr(GUri) uri = g_uri_parse (load->base_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_from_string (g_uri_get_host (uri));
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, g_uri_get_port (uri));
  g_autofree RawConn *conns = g_new0 (RawConn, load->in_flight);
  g_autofree struct pollfd *fds = g_new0 (struct pollfd, load->in_flight);
  guint8 buffer[16384];

  for (guint i = 0; i < load->in_flight; i++)
    {
      conns[i].fd = raw_connect (G_INET_SOCKET_ADDRESS (address));
      conns[i].out = g_string_new (NULL);
      conns[i].in = g_byte_array_new ();
      if (may_send (driver))
        raw_send (driver, &conns[i]);
    }
  while (driver->in_flight > 0)
    {
      for (guint i = 0; i < load->in_flight; i++)
        {
          fds[i].fd = conns[i].busy ? conns[i].fd : -1;
          fds[i].events = POLLIN | (conns[i].written < conns[i].out->len ? POLLOUT : 0);
          fds[i].revents = 0;
        }
      if (poll (fds, load->in_flight, 1000) < 0 && errno != EINTR)
        g_error ("poll: %s", g_strerror (errno));
      for (guint i = 0; i < load->in_flight; i++)
        {
          RawConn *conn = &conns[i];
          guint status;
          ssize_t n;

          if (fds[i].revents & POLLOUT)
            {
              n = write (conn->fd, conn->out->str + conn->written, conn->out->len - conn->written);
              if (n > 0)
                conn->written += n;
            }
          if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
          n = read (conn->fd, buffer, sizeof buffer);
          if (n <= 0)
            {
              if (n < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
              /* The server closed: this connection's request failed, and
               * it sends no more. */
              driver->result->failed++;
              driver->in_flight--;
              conn->busy = FALSE;
              continue;
            }
          g_byte_array_append (conn->in, buffer, n);
          if (!raw_take_answer (conn, &status))
            continue;
          driver->in_flight--;
          conn->busy = FALSE;
          if (status == expected)
            {
              gint64 took = g_get_monotonic_time () - conn->sent_at;

              driver->result->done++;
              g_array_append_val (driver->result->latencies_us, took);
            }
          else
            driver->result->failed++;
          if (may_send (driver))
            raw_send (driver, conn);
        }
      /* Requests not yet written go out at the next turn's POLLOUT. */
    }
  for (guint i = 0; i < load->in_flight; i++)
    {
      close (conns[i].fd);
      g_string_free (conns[i].out, TRUE);
      g_byte_array_unref (conns[i].in);
    }
}

/**
 * wg_bench_load_run:
 *
 * Keeps @load->in_flight requests outstanding until the deadline or the
 * request count, each new one sent as an earlier one is answered (a closed
 * loop), while the caller's thread runs the default main context.
 */
void
wg_bench_load_run (const WgBenchLoad *load,
                   WgBenchLoadResult *result)
{
  Driver driver = { 0 };
  GThread *thread;

  g_return_if_fail (load != NULL && (load->build_request != NULL || load->raw_path != NULL) && load->in_flight > 0);
  g_return_if_fail (load->seconds > 0 || load->max_requests > 0);
  g_return_if_fail (load->username == NULL || load->base_url != NULL);
  g_return_if_fail (result != NULL);

  memset (result, 0, sizeof *result);
  result->latencies_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  driver.load = load;
  driver.result = result;
  driver.caller_loop = g_main_loop_new (NULL, FALSE);
  thread = g_thread_new ("bench-load", driver_thread, &driver);
  g_main_loop_run (driver.caller_loop);
  g_thread_join (thread);
  g_main_loop_unref (driver.caller_loop);
  g_free (driver.auth);
}

void
wg_bench_load_result_clear (WgBenchLoadResult *result)
{
  g_clear_pointer (&result->latencies_us, g_array_unref);
}

/* A POST of @json, which it takes. */
SoupMessage *
wg_bench_json_post (const char *url,
                    char       *json)
{
  SoupMessage *msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new_take (json, strlen (json));

  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  return msg;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

void
wg_bench_sort_gint64 (GArray *values)
{
  g_array_sort (values, compare_gint64);
}

void
wg_bench_sort_doubles (double *values,
                       gsize   n)
{
  qsort (values, n, sizeof (double), compare_double);
}

/* Sorts @values in place. */
double
wg_bench_median (double *values,
                 gsize   n)
{
  g_return_val_if_fail (n > 0, 0);

  wg_bench_sort_doubles (values, n);
  return values[n / 2];
}

/* The element below which a fraction @p of @sorted (gint64) lies; 0 when
 * empty, so that a run without answers still prints. */
gint64
wg_bench_percentile (GArray *sorted,
                     double  p)
{
  if (sorted->len == 0)
    return 0;
  return g_array_index (sorted, gint64, MIN ((guint) (sorted->len * p), sorted->len - 1));
}

/* VmHWM of /proc/@pid ("self" for this process); -1 where there is no
 * such figure. */
gint64
wg_bench_peak_rss_kib (const char *pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/status", pid);
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strstr (text, "VmHWM:")) == NULL)
    return -1;
  return g_ascii_strtoll (p + strlen ("VmHWM:"), NULL, 10);
}

