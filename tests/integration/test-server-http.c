/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "wg-test-server.h"

static WgTestServer *
start_server (const char *config_text)
{
  WgTestServer *server = wg_test_server_new (config_text);

  wg_test_server_start (server, NULL);
  return server;
}

static void
test_health (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  g_autoptr(WgTestResponse) r = wg_test_server_get (server, "/api/v1/health");
  JsonObject *obj;
  gint64 now = wg_test_now_ms ();

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (r->content_type, ==, "application/json");
  obj = wg_test_response_object (r);
  g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (obj, "version"), ==, PACKAGE_VERSION);
  g_assert_cmpint (json_object_get_int_member (obj, "head"), ==, 0);
  g_assert_cmpint (ABS (json_object_get_int_member (obj, "server_time") - now), <, 5000);
}

static void
test_not_found_and_method (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  g_autoptr(WgTestResponse) missing = wg_test_server_get (server, "/api/v1/nothing-here");
  g_autoptr(WgTestResponse) root = wg_test_server_get (server, "/");
  g_autoptr(WgTestResponse) wrong = wg_test_server_request (server, "DELETE", "/api/v1/health", NULL, NULL);
  g_autoptr(WgTestResponse) get_post_only = wg_test_server_request (server, "PUT", "/api/v1/positions",
                                                                    "application/json", "{}");
  g_autoptr(WgTestResponse) stream_sub = wg_test_server_get (server, "/api/v1/stream/x");
  g_autoptr(WgTestResponse) stream_plain = wg_test_server_get (server, "/api/v1/stream");

  wg_test_response_assert_problem (missing, 404, "not-found");
  wg_test_response_assert_problem (root, 404, "not-found");
  wg_test_response_assert_problem (wrong, 405, "method-not-allowed");
  g_assert_cmpstr (soup_message_headers_get_one (wrong->headers, "Allow"), ==, "GET");
  wg_test_response_assert_problem (get_post_only, 405, "method-not-allowed");
  g_assert_cmpstr (soup_message_headers_get_one (get_post_only->headers, "Allow"), ==, "POST, GET");
  wg_test_response_assert_problem (stream_sub, 404, "not-found");
  wg_test_response_assert_problem (stream_plain, 400, "websocket-required");
}

/* ---- raw sockets for the body limit ------------------------------------ */

static GSocket *
raw_connect (WgTestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (lo, server->port);
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_socket_set_timeout (socket, 5);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);
  return socket;
}

static void
raw_send_all (GSocket    *socket,
              const char *data,
              gsize       length)
{
  g_autoptr(GError) error = NULL;

  while (length > 0)
    {
      gssize n = g_socket_send (socket, data, length, NULL, &error);

      g_assert_no_error (error);
      data += n;
      length -= n;
    }
}

/* Reads until the peer closes (or the 5 s socket timeout): returns
 * everything read and whether it was an orderly close. */
static GString *
raw_read_to_end (GSocket  *socket,
                 gboolean *closed)
{
  GString *all = g_string_new (NULL);
  char buffer[4096];

  *closed = FALSE;
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (socket, buffer, sizeof buffer, NULL, &error);

      if (n == 0)
        {
          *closed = TRUE;
          break;
        }
      if (n < 0)
        break;
      g_string_append_len (all, buffer, n);
    }
  return all;
}

static void
assert_413_answer (const char *answer)
{
  const char *body = strstr (answer, "\r\n\r\n");

  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413 "));
  g_assert_nonnull (strstr (answer, "Content-Type: application/problem+json\r\n"));
  g_assert_nonnull (strstr (answer, "Connection: close\r\n"));
  g_assert_nonnull (body);
  g_assert_nonnull (strstr (body, "\"code\":\"body-too-large\""));
  g_assert_nonnull (strstr (body, "\"type\":\"https://wangge.example/problems/body-too-large\""));
}

static void
test_body_limit_before_reading (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  g_autoptr(GSocket) socket = raw_connect (server);
  g_autoptr(GString) answer = NULL;
  g_autofree char *request = NULL;
  gboolean closed;
  gint64 start;

  /* Headers only: the 2 MiB body is never sent.  The answer must come
   * anyway, and then the server closes the connection. */
  request = g_strdup_printf ("POST /api/v1/positions HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Content-Type: application/json\r\n"
                             "Content-Length: 2097152\r\n"
                             "\r\n", server->port);
  start = g_get_monotonic_time ();
  raw_send_all (socket, request, strlen (request));
  answer = raw_read_to_end (socket, &closed);
  assert_413_answer (answer->str);
  g_assert_true (closed);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);

  /* The server is fine afterwards. */
  {
    g_autoptr(WgTestResponse) r = wg_test_server_get (server, "/api/v1/health");

    g_assert_cmpuint (r->status, ==, 200);
  }
}

static void
test_body_limit_chunked (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  g_autoptr(GSocket) socket = raw_connect (server);
  g_autoptr(GString) answer = NULL;
  g_autofree char *request = NULL;
  g_autofree char *chunk = g_malloc (65536);
  g_autoptr(WgTestResponse) latest = NULL;
  gboolean closed;

  request = g_strdup_printf ("POST /api/v1/positions HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Content-Type: application/json\r\n"
                             "Transfer-Encoding: chunked\r\n"
                             "\r\n", server->port);
  raw_send_all (socket, request, strlen (request));
  memset (chunk, ' ', 65536);
  /* 17 chunks of 64 KiB: the 17th crosses 1 MiB. */
  for (guint i = 0; i < 17; i++)
    {
      raw_send_all (socket, "10000\r\n", 7);
      raw_send_all (socket, chunk, 65536);
      raw_send_all (socket, "\r\n", 2);
    }
  answer = raw_read_to_end (socket, &closed);
  assert_413_answer (answer->str);
  g_assert_true (closed);

  latest = wg_test_server_get (server, "/api/v1/positions/latest");
  g_assert_cmpuint (latest->status, ==, 200);
}

static void
test_body_within_limit_with_content_length (void)
{
  g_autoptr(WgTestServer) server = start_server ("[limits]\nbody-max-bytes=2048\n");
  g_autoptr(GString) body = g_string_new ("{\"positions\":[");
  g_autoptr(WgTestResponse) big = NULL;
  g_autoptr(WgTestResponse) small = NULL;
  gint64 now = wg_test_now_ms ();

  /* The configured limit applies (through libsoup's client this time). */
  for (guint i = 0; i < 40; i++)
    g_string_append_printf (body, "%s{\"unit\":\"u%u\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":30,\"lon\":120}",
                            i ? "," : "", i, now);
  g_string_append (body, "]}");
  g_assert_cmpuint (body->len, >, 2048);
  big = wg_test_server_post_json (server, "/api/v1/positions", body->str);
  wg_test_response_assert_problem (big, 413, "body-too-large");

  g_string_truncate (body, 0);
  g_string_append_printf (body, "{\"positions\":[{\"unit\":\"u1\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":30,\"lon\":120}]}", now);
  small = wg_test_server_post_json (server, "/api/v1/positions", body->str);
  g_assert_cmpuint (small->status, ==, 200);
}

static void
test_hostile_json (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  g_autoptr(GString) deep = g_string_new (NULL);
  struct {
    const char *body;
    const char *content_type;
    guint status;
    const char *slug;
  } cases[] = {
    { "{\"positions\":[]} // comment", "application/json", 400, "json-comment" },
    { "/* c */ {\"positions\":[]}", "application/json", 400, "json-comment" },
    { "{\"positions\":[\"\xff\"]}", "application/json", 400, "invalid-utf8" },
    { "{\"positions\":[1,,]}", "application/json", 400, "malformed-json" },
    { "{\"positions\":\"\\u0000\"}", "application/json", 400, "json-nul" },
    { "{\"positions\":[]}", "text/plain", 415, "unsupported-media-type" },
    { "[1,2,3]", "application/json", 422, "invalid-positions" },
    { "{\"positions\":[]}", "application/json", 422, "invalid-positions" },
  };

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  {
    g_autoptr(WgTestResponse) r = wg_test_server_post_json (server, "/api/v1/positions", deep->str);

    wg_test_response_assert_problem (r, 400, "json-too-deep");
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_request (server, "POST", "/api/v1/positions",
                                                            cases[i].content_type, cases[i].body);

      g_test_message ("case %u: %s", i, cases[i].slug);
      wg_test_response_assert_problem (r, cases[i].status, cases[i].slug);
    }

  /* A comment marker inside a string is just text. */
  {
    g_autofree char *body = g_strdup_printf ("{\"positions\":[{\"unit\":\"a//b/*c*/\",\"ts\":%" G_GINT64_FORMAT
                                             ",\"lat\":30,\"lon\":120}]}", wg_test_now_ms ());
    g_autoptr(WgTestResponse) r = wg_test_server_post_json (server, "/api/v1/positions", body);

    g_assert_cmpuint (r->status, ==, 200);
  }
}

/* ---- positions ----------------------------------------------------------- */

static char *
one_point (const char *unit,
           gint64      ts,
           double      lat,
           double      lon)
{
  char la[G_ASCII_DTOSTR_BUF_SIZE], lo[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup_printf ("{\"unit\":\"%s\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":%s,\"lon\":%s}",
                          unit, ts, g_ascii_dtostr (la, sizeof la, lat), g_ascii_dtostr (lo, sizeof lo, lon));
}

static guint
post_points (WgTestServer *server,
             const char   *points_json,
             guint        *kept)
{
  g_autofree char *body = g_strdup_printf ("{\"positions\":[%s]}", points_json);
  g_autoptr(WgTestResponse) r = wg_test_server_post_json (server, "/api/v1/positions", body);

  if (r->status == 200 && kept != NULL)
    *kept = json_object_get_int_member (wg_test_response_object (r), "kept");
  return r->status;
}

static JsonArray *
positions_of (WgTestResponse *r)
{
  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_array_member (wg_test_response_object (r), "positions");
}

#define METRE_LAT (1.0 / 111195.0)

static void
test_positions_store_and_query (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  gint64 t0 = wg_test_now_ms () - 60000;
  double lat = 31.23, lon = 121.47;
  guint kept = 0;
  g_autofree char *batch = NULL;
  g_autofree char *window_path = NULL;
  g_autofree char *unit_path = NULL;
  g_autoptr(WgTestResponse) latest = NULL;
  g_autoptr(WgTestResponse) window = NULL;
  g_autoptr(WgTestResponse) by_unit = NULL;
  JsonArray *array;

  /* Policy: first point kept; 5 s and 10 m later not; 16 s later kept;
   * 1 s and 30 m after that kept. */
  {
    g_autofree char *p1 = one_point ("car-1", t0, lat, lon);
    g_autofree char *p2 = one_point ("car-1", t0 + 5000, lat + 10 * METRE_LAT, lon);
    g_autofree char *p3 = one_point ("car-1", t0 + 16000, lat + 12 * METRE_LAT, lon);
    g_autofree char *p4 = one_point ("car-1", t0 + 17000, lat + 42 * METRE_LAT, lon);
    g_autofree char *q1 = one_point ("bike-2", t0 + 1000, 31.0, 121.0);

    batch = g_strjoin (",", p1, p2, p3, p4, q1, NULL);
  }
  g_assert_cmpuint (post_points (server, batch, &kept), ==, 200);
  g_assert_cmpuint (kept, ==, 4);

  latest = wg_test_server_get (server, "/api/v1/positions/latest");
  array = positions_of (latest);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0), "unit"), ==, "bike-2");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 1), "ts"), ==, t0 + 17000);

  window_path = g_strdup_printf ("/api/v1/positions?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT,
                                 t0, t0 + 16001);
  window = wg_test_server_get (server, window_path);
  array = positions_of (window);
  g_assert_cmpuint (json_array_get_length (array), ==, 3);   /* car t0, bike t0+1s, car t0+16s */
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (array, 2), "ts"), ==, t0 + 16000);
  g_assert_false (json_object_get_boolean_member (wg_test_response_object (window), "truncated"));

  unit_path = g_strdup_printf ("/api/v1/positions?unit=car-1&from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT "&limit=2",
                               t0, t0 + 60000);
  by_unit = wg_test_server_get (server, unit_path);
  array = positions_of (by_unit);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_true (json_object_get_boolean_member (wg_test_response_object (by_unit), "truncated"));
}

static void
test_positions_invalid_refused_whole (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  gint64 now = wg_test_now_ms ();
  g_autoptr(WgTestResponse) latest = NULL;
  struct {
    double lat, lon;
    gint64 ts;
  } bad[] = {
    { 91.0, 120.0, now },
    { -90.5, 120.0, now },
    { 30.0, 180.5, now },
    { 30.0, -181.0, now },
    { 30.0, 120.0, now + 3600 * 1000 },             /* an hour ahead */
    { 30.0, 120.0, now - (gint64) 91 * 24 * 3600 * 1000 },  /* past retention */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *good = one_point ("ok", now, 30, 120);
      g_autofree char *wrong = one_point ("bad", bad[i].ts, bad[i].lat, bad[i].lon);
      g_autofree char *batch = g_strjoin (",", good, wrong, NULL);
      g_autofree char *body = g_strdup_printf ("{\"positions\":[%s]}", batch);
      g_autoptr(WgTestResponse) r = wg_test_server_post_json (server, "/api/v1/positions", body);

      g_test_message ("bad case %u", i);
      wg_test_response_assert_problem (r, 422, "invalid-positions");
      g_assert_nonnull (strstr (json_object_get_string_member (wg_test_response_object (r), "detail"), "positions[1]"));
    }

  {
    const char *shapes[] = {
      "{\"unit\":\"\",\"ts\":1,\"lat\":1,\"lon\":1}",
      "{\"unit\":5,\"ts\":1,\"lat\":1,\"lon\":1}",
      "{\"unit\":\"u\",\"ts\":\"now\",\"lat\":1,\"lon\":1}",
      "{\"unit\":\"u\",\"ts\":1.5,\"lat\":1,\"lon\":1}",
      "{\"unit\":\"u\",\"lat\":1,\"lon\":1}",
      "{\"unit\":\"u\",\"ts\":1,\"lat\":true,\"lon\":1}",
      "{\"unit\":\"u\",\"ts\":1,\"lat\":\"1\",\"lon\":1}",
      "[1]",
    };

    for (guint i = 0; i < G_N_ELEMENTS (shapes); i++)
      g_assert_cmpuint (post_points (server, shapes[i], NULL), ==, 422);
  }

  /* Nothing of any refused batch was stored. */
  latest = wg_test_server_get (server, "/api/v1/positions/latest");
  g_assert_cmpuint (json_array_get_length (positions_of (latest)), ==, 0);

  {
    g_autoptr(WgTestResponse) q1 = wg_test_server_get (server, "/api/v1/positions?from=5");
    g_autoptr(WgTestResponse) q2 = wg_test_server_get (server, "/api/v1/positions?from=5&to=5");
    g_autoptr(WgTestResponse) q3 = wg_test_server_get (server, "/api/v1/positions?from=x&to=9");

    wg_test_response_assert_problem (q1, 400, "invalid-request");
    wg_test_response_assert_problem (q2, 400, "invalid-request");
    wg_test_response_assert_problem (q3, 400, "invalid-request");
  }
}

typedef struct
{
  guint answered;
  guint ok;
} Concurrent;

static void
concurrent_sent_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Concurrent *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  g_assert_no_error (error);
  g_assert_nonnull (body);
  c->answered++;
  c->ok += soup_message_get_status (msg) == 200;
}

static gboolean
all_answered (gpointer data)
{
  return ((Concurrent *) data)->answered == 50;
}

static void
test_positions_concurrent_posts (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 50, NULL);
  g_autofree char *url = wg_test_server_url (server, "/api/v1/positions");
  g_autoptr(WgTestResponse) latest = NULL;
  Concurrent c = { 0 };
  gint64 now = wg_test_now_ms ();

  /* 50 batches at once, on 50 connections: all committed (grouped), all
   * answered 200, all visible. */
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *point = NULL;
      g_autofree char *name = g_strdup_printf ("c%02u", i);
      g_autofree char *body = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autofree char *auth = g_strconcat ("Bearer ", server->token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      point = one_point (name, now, 30 + i * 0.01, 120);
      body = g_strdup_printf ("{\"positions\":[%s]}", point);
      bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, concurrent_sent_cb, &c);
    }
  g_assert_true (wg_test_iterate_until (all_answered, &c, 20000));
  g_assert_cmpuint (c.ok, ==, 50);

  latest = wg_test_server_get (server, "/api/v1/positions/latest");
  g_assert_cmpuint (json_array_get_length (positions_of (latest)), ==, 50);
}

static void
test_restart_keeps_positions (void)
{
  g_autoptr(WgTestServer) server = start_server (NULL);
  gint64 now = wg_test_now_ms ();
  g_autofree char *p = one_point ("van-7", now - 1000, 30.5, 120.5);
  g_autoptr(WgTestResponse) latest = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/positions?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT,
                                           now - 2000, now);
  g_autoptr(WgTestResponse) window = NULL;
  guint16 old_port = server->port;

  g_assert_cmpuint (post_points (server, p, NULL), ==, 200);
  /* SIGTERM is a clean stop with status 0. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);

  wg_test_server_start (server, NULL);
  g_test_message ("restarted: port %u -> %u", old_port, server->port);
  latest = wg_test_server_get (server, "/api/v1/positions/latest?unit=van-7");
  g_assert_cmpuint (json_array_get_length (positions_of (latest)), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (positions_of (latest), 0), "lat"),
                     ==, 30.5);
  window = wg_test_server_get (server, path);
  g_assert_cmpuint (json_array_get_length (positions_of (window)), ==, 1);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

static void
test_command_line_checks (void)
{
  struct {
    const char *args[6];
    const char *message;
  } cases[] = {
    { { "--demo", "--address", "0.0.0.0", "--port", "0", NULL }, "loopback" },
    { { "--address", "not-an-ip", "--port", "0", NULL }, "not an IP address" },
    { { "--demo", "--demo-anchor", "2026-13-01", "--port", "0", NULL }, "YYYY-MM-DD" },
    { { "--demo-password", "x", "--port", "0", NULL }, "only apply with --demo" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *err = NULL;

      g_ptr_array_add (argv, (gpointer) WANGGE_SERVER_BIN);
      for (guint j = 0; cases[i].args[j] != NULL; j++)
        g_ptr_array_add (argv, (gpointer) cases[i].args[j]);
      g_ptr_array_add (argv, NULL);
      process = g_subprocess_newv ((const char * const *) argv->pdata,
                                   G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
      g_assert_no_error (error);
      g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
      g_assert_nonnull (strstr (err, cases[i].message));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/health", test_health);
  g_test_add_func ("/server/not-found-and-method", test_not_found_and_method);
  g_test_add_func ("/server/body-limit/before-reading", test_body_limit_before_reading);
  g_test_add_func ("/server/body-limit/chunked", test_body_limit_chunked);
  g_test_add_func ("/server/body-limit/configured", test_body_within_limit_with_content_length);
  g_test_add_func ("/server/hostile-json", test_hostile_json);
  g_test_add_func ("/server/positions/store-and-query", test_positions_store_and_query);
  g_test_add_func ("/server/positions/invalid-refused-whole", test_positions_invalid_refused_whole);
  g_test_add_func ("/server/positions/concurrent-posts", test_positions_concurrent_posts);
  g_test_add_func ("/server/restart-keeps-positions", test_restart_keeps_positions);
  g_test_add_func ("/server/command-line-checks", test_command_line_checks);

  return g_test_run ();
}
