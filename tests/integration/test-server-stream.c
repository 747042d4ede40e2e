/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "wg-test-server.h"

/* Fast position ticks, a short outgoing queue and small socket buffers, so
 * that a subscriber that stops reading overflows within a second. */
static const char *stream_config =
  "[limits]\n"
  "stream-queue-max=8\n"
  "stream-send-buffer=4096\n"
  "stream-close-timeout-seconds=20\n"
  "[positions]\n"
  "broadcast-interval-ms=50\n";

static WgTestServer *
start_server (void)
{
  WgTestServer *server = wg_test_server_new (stream_config);

  wg_test_server_start (server, NULL);
  return server;
}

static guint
post_units (WgTestServer *server,
            guint         n_units,
            gint64        ts,
            double        lat)
{
  g_autoptr(GString) body = g_string_new ("{\"positions\":[");
  g_autoptr(WgTestResponse) r = NULL;
  char la[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (la, sizeof la, lat);
  for (guint i = 0; i < n_units; i++)
    g_string_append_printf (body, "%s{\"unit\":\"unit-%04u\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":%s,\"lon\":121.5,\"status\":\"busy\"}",
                            i ? "," : "", i, ts, la);
  g_string_append (body, "]}");
  r = wg_test_server_post_json (server, "/api/v1/positions", body->str);
  return r->status;
}

static JsonArray *
presence_consoles (WgTestServer *server,
                   WgTestResponse **keep)
{
  WgTestResponse *r = wg_test_server_get (server, "/api/v1/presence");

  g_assert_cmpuint (r->status, ==, 200);
  *keep = r;
  return json_object_get_array_member (wg_test_response_object (r), "consoles");
}

static void
test_hello_and_positions (void)
{
  g_autoptr(WgTestServer) server = start_server ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) ws = wg_test_server_websocket (server, "/api/v1/stream?after=0", &error);
  g_autoptr(JsonNode) hello = NULL;
  g_autoptr(JsonNode) live = NULL;
  g_autoptr(JsonNode) positions = NULL;
  gint64 ts = wg_test_now_ms ();
  JsonArray *list;
  JsonObject *p;

  g_assert_no_error (error);
  hello = wg_test_websocket_wait_type (ws, "hello", 5000);
  g_assert_nonnull (hello);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (hello), "head"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (hello), "version"), ==, PACKAGE_VERSION);
  live = wg_test_websocket_wait_type (ws, "live", 5000);
  g_assert_nonnull (live);

  /* Three reports of one unit inside one interval: coalesced into the last. */
  {
    g_autofree char *body = g_strdup_printf ("{\"positions\":["
                                             "{\"unit\":\"u1\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":30.1,\"lon\":120}," 
                                             "{\"unit\":\"u1\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":30.2,\"lon\":120},"
                                             "{\"unit\":\"u1\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":30.3,\"lon\":120}]}",
                                             ts - 200, ts - 100, ts);
    g_autoptr(WgTestResponse) r = wg_test_server_post_json (server, "/api/v1/positions", body);

    g_assert_cmpuint (r->status, ==, 200);
  }
  positions = wg_test_websocket_wait_type (ws, "positions", 5000);
  g_assert_nonnull (positions);
  list = json_object_get_array_member (json_node_get_object (positions), "positions");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  p = json_array_get_object_element (list, 0);
  g_assert_cmpstr (json_object_get_string_member (p, "unit"), ==, "u1");
  g_assert_cmpint (json_object_get_int_member (p, "ts"), ==, ts);
  g_assert_cmpfloat (json_object_get_double_member (p, "lat"), ==, 30.3);

  /* A late report (older than the latest) changes nothing on the stream. */
  {
    g_autofree char *body = g_strdup_printf ("{\"positions\":[{\"unit\":\"u1\",\"ts\":%" G_GINT64_FORMAT
                                             ",\"lat\":1,\"lon\":1}]}", ts - 5000);
    g_autoptr(WgTestResponse) r = wg_test_server_post_json (server, "/api/v1/positions", body);
    g_autoptr(JsonNode) none = NULL;

    g_assert_cmpuint (r->status, ==, 200);
    none = wg_test_websocket_wait_type (ws, "positions", 400);
    g_assert_null (none);
  }
}

static void
test_presence_and_ack (void)
{
  g_autoptr(WgTestServer) server = start_server ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) ws = wg_test_server_websocket (server, "/api/v1/stream", &error);
  g_autoptr(JsonNode) hello = NULL;
  g_autoptr(JsonNode) live = NULL;
  const char *id;
  JsonObject *console;

  g_assert_no_error (error);
  hello = wg_test_websocket_wait_type (ws, "hello", 5000);
  live = wg_test_websocket_wait_type (ws, "live", 5000);
  g_assert_nonnull (live);
  id = json_object_get_string_member (json_node_get_object (hello), "subscriber");

  {
    g_autoptr(WgTestResponse) r = NULL;
    JsonArray *consoles = presence_consoles (server, &r);

    g_assert_cmpuint (json_array_get_length (consoles), ==, 1);
    console = json_array_get_object_element (consoles, 0);
    g_assert_cmpstr (json_object_get_string_member (console, "subscriber"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (console, "remote"), ==, "127.0.0.1");
    g_assert_true (json_object_get_null_member (console, "acked_seq"));
    g_assert_true (json_object_get_null_member (console, "lag"));
    g_assert_cmpstr (json_object_get_string_member (console, "user"), ==, WG_TEST_ADMIN);
    g_assert_cmpstr (json_object_get_string_member (console, "role"), ==, "admin");
  }

  wg_test_websocket_send (ws, "{\"type\":\"ack\",\"seq\":0}");
  /* A newer client's message types are ignored, not fatal. */
  wg_test_websocket_send (ws, "{\"type\":\"future-thing\",\"x\":[1]}");
  wg_test_iterate_for (200);
  {
    g_autoptr(WgTestResponse) r = NULL;
    JsonArray *consoles = presence_consoles (server, &r);

    g_assert_cmpuint (json_array_get_length (consoles), ==, 1);
    console = json_array_get_object_element (consoles, 0);
    g_assert_cmpint (json_object_get_int_member (console, "acked_seq"), ==, 0);
    g_assert_cmpint (json_object_get_int_member (console, "lag"), ==, 0);
    g_assert_false (json_object_get_boolean_member (console, "catching_up"));
  }

  soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_assert_true (wg_test_websocket_wait_closed (ws, 5000));
  wg_test_iterate_for (100);
  {
    g_autoptr(WgTestResponse) r = NULL;
    JsonArray *consoles = presence_consoles (server, &r);

    g_assert_cmpuint (json_array_get_length (consoles), ==, 0);
  }
}

static void
test_refused_handshakes (void)
{
  g_autoptr(WgTestServer) server = start_server ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) beyond = NULL;
  g_autoptr(WgTestWebsocket) bad = NULL;

  /* The head is 0: a client claiming more must notice. */
  beyond = wg_test_server_websocket (server, "/api/v1/stream?after=5", &error);
  g_assert_null (beyond);
  g_assert_nonnull (error);
  g_clear_error (&error);
  bad = wg_test_server_websocket (server, "/api/v1/stream?after=-1", &error);
  g_assert_null (bad);
  g_assert_nonnull (error);
}

static void
test_bad_client_messages (void)
{
  g_autoptr(WgTestServer) server = start_server ();
  struct {
    const char *text;
    gsize       size;
    gboolean    binary;
    gushort     code;
  } cases[] = {
    { "not json", 0, FALSE, 1007 },
    { "{\"type\":\"ack\"} // c", 0, FALSE, 1007 },
    { "{\"type\":\"ack\",\"seq\":\"7\"}", 0, FALSE, 1007 },
    { "\x01\x02", 2, TRUE, 1003 },
    { NULL, 70 * 1024, FALSE, 1009 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WgTestWebsocket) ws = wg_test_server_websocket (server, "/api/v1/stream", &error);
      g_autoptr(JsonNode) live = NULL;

      g_assert_no_error (error);
      live = wg_test_websocket_wait_type (ws, "live", 5000);
      g_assert_nonnull (live);
      if (cases[i].binary)
        soup_websocket_connection_send_binary (ws->conn, cases[i].text, cases[i].size);
      else if (cases[i].text == NULL)
        {
          g_autofree char *big = g_malloc (cases[i].size + 1);

          memset (big, 'x', cases[i].size);
          big[cases[i].size] = '\0';
          soup_websocket_connection_send_text (ws->conn, big);
        }
      else
        wg_test_websocket_send (ws, cases[i].text);
      g_test_message ("case %u: expecting close %u", i, cases[i].code);
      g_assert_true (wg_test_websocket_wait_closed (ws, 5000));
      /* libsoup answers an oversized frame with 1009 and closes at once,
       * while our client is still writing: the reset may beat the close
       * frame, and then no code arrives.  Closed it is, either way. */
      if (cases[i].code == 1009 && ws->close_code == 0)
        g_test_message ("oversized message: connection reset before the close frame");
      else
        g_assert_cmpuint (ws->close_code, ==, cases[i].code);
    }
}

/* ---- a subscriber that stops reading ------------------------------------ */

static GSocket *
raw_stream_connect (WgTestServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (lo, server->port);
  g_autofree char *request = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  GString *head = g_string_new (NULL);
  gsize sent = 0;

  g_assert_no_error (error);
  /* A small receive buffer, set before connecting so the window stays small. */
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (socket, 5);
  g_socket_connect (socket, address, NULL, &error);
  g_assert_no_error (error);

  request = g_strdup_printf ("GET /api/v1/stream HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "Authorization: Bearer %s\r\n"
                             "\r\n", server->port, server->token);
  while (sent < strlen (request))
    {
      gssize n = g_socket_send (socket, request + sent, strlen (request) - sent, NULL, &error);

      g_assert_no_error (error);
      sent += n;
    }
  /* Read the 101 answer byte by byte, so that no frame is consumed. */
  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      char c;
      gssize n = g_socket_receive (socket, &c, 1, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, ==, 1);
      g_string_append_c (head, c);
    }
  g_assert_true (g_str_has_prefix (head->str, "HTTP/1.1 101 "));
  g_string_free (head, TRUE);
  return socket;
}

/* Reads frames until a close frame; returns its code, or 0. */
static gushort
raw_read_until_close (GSocket *socket)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  guint8 chunk[65536];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n;

      /* Parse what we have. */
      for (;;)
        {
          guint64 len;
          gsize header = 2;
          guint opcode;

          if (buf->len < 2)
            break;
          opcode = buf->data[0] & 0x0f;
          len = buf->data[1] & 0x7f;
          g_assert_cmpuint (buf->data[1] & 0x80, ==, 0);   /* server frames are not masked */
          if (len == 126)
            {
              if (buf->len < 4)
                break;
              len = ((guint64) buf->data[2] << 8) | buf->data[3];
              header = 4;
            }
          else if (len == 127)
            {
              if (buf->len < 10)
                break;
              len = 0;
              for (guint i = 0; i < 8; i++)
                len = (len << 8) | buf->data[2 + i];
              header = 10;
            }
          if (buf->len < header + len)
            break;
          if (opcode == 0x8)
            return len >= 2 ? (gushort) ((buf->data[header] << 8) | buf->data[header + 1]) : 0;
          g_byte_array_remove_range (buf, 0, header + len);
        }

      n = g_socket_receive (socket, (char *) chunk, sizeof chunk, NULL, &error);
      if (n <= 0)
        return 0;
      g_byte_array_append (buf, chunk, n);
    }
}

static void
test_slow_subscriber_closed_others_keep_pace (void)
{
  g_autoptr(WgTestServer) server = start_server ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) good = wg_test_server_websocket (server, "/api/v1/stream", &error);
  g_autoptr(GSocket) slow = NULL;
  g_autoptr(JsonNode) hello = NULL;
  g_autoptr(JsonNode) live = NULL;
  g_autofree char *good_id = NULL;
  gint64 base = wg_test_now_ms () - 100000;
  gboolean slow_gone = FALSE;
  guint batches = 0;
  gint64 last_ts = 0;
  guint good_batches_seen = 0;

  g_assert_no_error (error);
  hello = wg_test_websocket_wait_type (good, "hello", 5000);
  good_id = g_strdup (json_object_get_string_member (json_node_get_object (hello), "subscriber"));
  live = wg_test_websocket_wait_type (good, "live", 5000);
  g_assert_nonnull (live);

  slow = raw_stream_connect (server);
  {
    g_autoptr(WgTestResponse) r = NULL;

    g_assert_cmpuint (json_array_get_length (presence_consoles (server, &r)), ==, 2);
  }

  /* 300 units move every 60 ms: ~30 KB per tick for every subscriber. */
  while (!slow_gone && batches < 100)
    {
      g_autoptr(WgTestResponse) r = NULL;
      JsonArray *consoles;

      last_ts = base + batches * 100;
      g_assert_cmpuint (post_units (server, 300, last_ts, 30.0 + batches * 0.001), ==, 200);
      batches++;
      wg_test_iterate_for (60);

      /* The good subscriber drains its messages as they come. */
      while (!g_queue_is_empty (&good->messages))
        {
          JsonNode *node = g_queue_pop_head (&good->messages);

          if (g_str_equal (json_object_get_string_member (json_node_get_object (node), "type"), "positions"))
            good_batches_seen++;
          json_node_unref (node);
        }

      consoles = presence_consoles (server, &r);
      slow_gone = json_array_get_length (consoles) == 1;
      if (slow_gone)
        g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (consoles, 0), "subscriber"),
                         ==, good_id);
    }
  g_test_message ("slow subscriber closed after %u batches; good one saw %u position messages",
                  batches, good_batches_seen);
  g_assert_true (slow_gone);
  g_assert_false (good->closed);

  /* The others keep their pace: the next batch reaches the good one at
   * once, complete. */
  {
    guint units_seen = 0;
    gint64 ts = last_ts + 100;

    g_assert_cmpuint (post_units (server, 300, ts, 31.0), ==, 200);
    while (units_seen < 300)
      {
        g_autoptr(JsonNode) msg = wg_test_websocket_wait_type (good, "positions", 2000);
        JsonArray *list;

        g_assert_nonnull (msg);
        list = json_object_get_array_member (json_node_get_object (msg), "positions");
        for (guint i = 0; i < json_array_get_length (list); i++)
          if (json_object_get_int_member (json_array_get_object_element (list, i), "ts") == ts)
            units_seen++;
      }
    g_assert_cmpuint (units_seen, ==, 300);
    g_assert_false (good->closed);
  }

  /* The slow one finds the documented close code once it reads again. */
  g_assert_cmpuint (raw_read_until_close (slow), ==, 4008);
}

static void
test_keepalive_closes_silent_peer (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new ("[limits]\nws-keepalive-seconds=1\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) polite = NULL;
  g_autoptr(GSocket) silent = NULL;
  gint64 start;
  gboolean gone = FALSE;

  wg_test_server_start (server, NULL);
  /* libsoup's client answers pings; the raw one never does. */
  polite = wg_test_server_websocket (server, "/api/v1/stream", &error);
  g_assert_no_error (error);
  silent = raw_stream_connect (server);

  start = g_get_monotonic_time ();
  while (!gone && g_get_monotonic_time () - start < 8 * G_USEC_PER_SEC)
    {
      g_autoptr(WgTestResponse) r = NULL;

      wg_test_iterate_for (250);
      gone = json_array_get_length (presence_consoles (server, &r)) == 1;
    }
  g_assert_true (gone);
  /* Three silent intervals: not before 2 s, and the polite one stays. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
  g_assert_false (polite->closed);
  g_assert_cmpuint (raw_read_until_close (silent), ==, 4009);
}

static void
test_shutdown_says_going_away (void)
{
  g_autoptr(WgTestServer) server = start_server ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) ws = wg_test_server_websocket (server, "/api/v1/stream", &error);
  g_autoptr(JsonNode) live = NULL;

  g_assert_no_error (error);
  live = wg_test_websocket_wait_type (ws, "live", 5000);
  g_assert_nonnull (live);

  /* SIGTERM with a subscriber connected: exit status 0, and the subscriber
   * finds close 1001 (going away) in what it receives. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  g_assert_true (wg_test_websocket_wait_closed (ws, 5000));
  g_assert_cmpuint (ws->close_code, ==, 1001);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stream/hello-and-positions", test_hello_and_positions);
  g_test_add_func ("/stream/presence-and-ack", test_presence_and_ack);
  g_test_add_func ("/stream/refused-handshakes", test_refused_handshakes);
  g_test_add_func ("/stream/bad-client-messages", test_bad_client_messages);
  g_test_add_func ("/stream/slow-subscriber", test_slow_subscriber_closed_others_keep_pace);
  g_test_add_func ("/stream/keepalive", test_keepalive_closes_silent_peer);
  g_test_add_func ("/stream/shutdown-going-away", test_shutdown_says_going_away);

  return g_test_run ();
}
