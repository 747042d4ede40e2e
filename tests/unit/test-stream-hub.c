/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stream hub inside a real WgServer (in process, loopback), fed by a
 * journal kept in memory by the test through the same hooks the engine
 * uses: wg_server_set_journal() and wg_server_publish_event().  Checks that
 * a subscriber gets the backlog then live events with no gap and no repeat,
 * even while events commit during its catch-up and when a publication is
 * missed, and that the per-role filter applies.
 */
#include <glib/gstdio.h>
#include <string.h>

#include "wg-server.h"

typedef struct
{
  char           *dir;
  WgServer       *server;
  GPtrArray      *journal;     /* JsonNode events, journal[i] has seq i + 1 */
  SoupSession    *session;
} Fixture;

static gint64
head_cb (gpointer user_data)
{
  Fixture *fx = user_data;

  return fx->journal->len;
}

/* Grid workers see only their grid's events. */
static JsonNode *
filter_cb (const WgStreamIdentity *who,
           JsonNode               *event,
           gpointer                user_data)
{
  const char *grid = json_object_get_string_member_with_default (json_node_get_object (event), "grid", "");

  if (g_strcmp0 (who->role, "grid_worker") == 0 && !g_str_equal (grid, "mine"))
    return NULL;
  return json_node_ref (event);
}

/* The subscriber's view of the journal after @after, as text (the engine
 * serves the store's stored texts). */
static gboolean
backlog_cb (const WgStreamIdentity  *who,
            gint64                   after,
            guint                    limit,
            GPtrArray               *texts,
            GArray                  *seqs,
            gpointer                 user_data,
            GError                 **error)
{
  Fixture *fx = user_data;

  for (gint64 i = after; i < (gint64) fx->journal->len && texts->len < limit; i++)
    {
      g_autoptr(JsonNode) seen = filter_cb (who, g_ptr_array_index (fx->journal, i), fx);
      gint64 seq = i + 1;
      char *text;

      if (seen == NULL)
        continue;
      text = json_to_string (seen, FALSE);
      g_ptr_array_add (texts, g_bytes_new_take (text, strlen (text)));
      g_array_append_val (seqs, seq);
    }
  return TRUE;
}

/* The test's stand-in for a token check: the role comes in a header. */
static gboolean
identify_cb (SoupServerMessage  *msg,
             WgStreamIdentity   *identity,
             gpointer            user_data,
             GError            **error)
{
  const char *role = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "X-Test-Role");

  identity->user = g_strdup ("tester");
  identity->role = g_strdup (role);
  return TRUE;
}

static void
append_event (Fixture  *fx,
              gboolean  publish)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  JsonNode *event;
  gint64 seq = fx->journal->len + 1;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "seq");
  json_builder_add_int_value (builder, seq);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "test.happened");
  json_builder_set_member_name (builder, "grid");
  json_builder_add_string_value (builder, seq % 3 == 0 ? "mine" : "other");
  json_builder_end_object (builder);
  event = json_builder_get_root (builder);
  g_ptr_array_add (fx->journal, event);
  if (publish)
    wg_server_publish_event (fx->server, seq, event);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgServerConfig) config = wg_server_config_new ();

  fx->dir = g_dir_make_tmp ("wg-hub-XXXXXX", &error);
  g_assert_no_error (error);
  config->port = 0;
  config->data_dir = g_strdup (fx->dir);
  config->stream_queue_max = 64;
  fx->server = wg_server_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (wg_server_start (fx->server, &error));
  g_assert_no_error (error);

  fx->journal = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  wg_server_set_journal (fx->server, head_cb, backlog_cb, filter_cb, fx);
  wg_server_set_identify_func (fx->server, identify_cb, fx);
  fx->session = soup_session_new ();
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_object (&fx->session);
  wg_server_stop (fx->server);
  g_clear_object (&fx->server);
  g_clear_pointer (&fx->journal, g_ptr_array_unref);
  dir = g_dir_open (fx->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *p = g_build_filename (fx->dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (fx->dir);
  g_free (fx->dir);
}

/* ---- a small client ------------------------------------------------------ */

typedef struct
{
  SoupWebsocketConnection *conn;
  GArray                  *seqs;        /* gint64 event seqs in arrival order */
  gint64                   last_head;
  gint64                   live_head;   /* -1 until "live" */
  guint                    events_before_live;
  gboolean                 closed;
} Client;

static void
client_message_cb (SoupWebsocketConnection *conn,
                   gint                     type,
                   GBytes                  *message,
                   Client                  *client)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *obj;
  const char *kind;

  json_parser_load_from_data (parser, g_bytes_get_data (message, NULL), g_bytes_get_size (message), &error);
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  kind = json_object_get_string_member (obj, "type");
  if (g_str_equal (kind, "event"))
    {
      gint64 seq = json_object_get_int_member (json_object_get_object_member (obj, "event"), "seq");

      g_array_append_val (client->seqs, seq);
      client->last_head = json_object_get_int_member (obj, "head");
      if (client->live_head < 0)
        client->events_before_live++;
    }
  else if (g_str_equal (kind, "live"))
    {
      g_assert_cmpint (client->live_head, ==, -1);
      client->live_head = json_object_get_int_member (obj, "head");
    }
}

static void
client_closed_cb (SoupWebsocketConnection *conn,
                  Client                  *client)
{
  client->closed = TRUE;
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;

  client->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static Client *
client_connect (Fixture    *fx,
                gint64      after,
                const char *role)
{
  g_autofree char *base = wg_server_dup_url (fx->server);
  g_autofree char *url = g_strdup_printf ("%s/api/v1/stream?after=%" G_GINT64_FORMAT, base, after);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  Client *client = g_new0 (Client, 1);

  client->seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  client->live_head = -1;
  if (role != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Test-Role", role);
  soup_session_websocket_connect_async (fx->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, connect_cb, client);
  while (client->conn == NULL)
    g_main_context_iteration (NULL, TRUE);
  soup_websocket_connection_set_max_incoming_payload_size (client->conn, 1024 * 1024);
  g_signal_connect (client->conn, "message", G_CALLBACK (client_message_cb), client);
  g_signal_connect (client->conn, "closed", G_CALLBACK (client_closed_cb), client);
  return client;
}

static void
client_free (Client *client)
{
  g_signal_handlers_disconnect_by_data (client->conn, client);
  g_clear_object (&client->conn);
  g_array_unref (client->seqs);
  g_free (client);
}

static gint64
client_last_seq (Client *client)
{
  return client->seqs->len > 0 ? g_array_index (client->seqs, gint64, client->seqs->len - 1) : -1;
}

static void
wait_for_seq (Client *client,
              gint64  seq)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (client_last_seq (client) < seq && !client->closed && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (client->closed);
  g_assert_cmpint (client_last_seq (client), ==, seq);
}

static void
assert_consecutive (Client *client,
                    gint64  first,
                    gint64  last)
{
  g_assert_cmpuint (client->seqs->len, ==, last - first + 1);
  for (guint i = 0; i < client->seqs->len; i++)
    g_assert_cmpint (g_array_index (client->seqs, gint64, i), ==, first + i);
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_backlog_then_live_without_gap (Fixture       *fx,
                                    gconstpointer  data)
{
  Client *client;

  for (guint i = 0; i < 3000; i++)
    append_event (fx, TRUE);   /* nobody listens yet */

  client = client_connect (fx, 100, NULL);
  /* Events keep committing while the client catches up through a queue of
   * 64 frames: none may be lost or repeated at the handover. */
  for (guint round = 0; round < 40; round++)
    {
      for (guint i = 0; i < 5; i++)
        append_event (fx, TRUE);
      g_main_context_iteration (NULL, FALSE);
      g_main_context_iteration (NULL, FALSE);
    }
  wait_for_seq (client, 3200);
  for (guint i = 0; i < 20; i++)
    append_event (fx, TRUE);
  wait_for_seq (client, 3220);

  assert_consecutive (client, 101, 3220);
  g_assert_cmpint (client->live_head, >=, 3000);
  g_assert_cmpint (client->last_head, ==, 3220);
  g_test_message ("%u events before live at head %" G_GINT64_FORMAT,
                  client->events_before_live, client->live_head);
  client_free (client);
}

static void
test_missed_publication_recovered_from_journal (Fixture       *fx,
                                                gconstpointer  data)
{
  Client *client = client_connect (fx, 0, NULL);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (client->live_head < 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (client->live_head, ==, 0);

  append_event (fx, TRUE);
  append_event (fx, FALSE);   /* committed, never published */
  append_event (fx, TRUE);
  wait_for_seq (client, 3);
  /* A repeated publication is not sent twice. */
  wg_server_publish_event (fx->server, 3, g_ptr_array_index (fx->journal, 2));
  append_event (fx, TRUE);
  wait_for_seq (client, 4);
  assert_consecutive (client, 1, 4);
  client_free (client);
}

static void
test_filtered_view_and_presence (Fixture       *fx,
                                 gconstpointer  data)
{
  Client *worker;
  Client *dispatcher;
  g_autoptr(JsonNode) presence = NULL;
  JsonArray *consoles;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  for (guint i = 0; i < 30; i++)
    append_event (fx, TRUE);
  worker = client_connect (fx, 0, "grid_worker");
  dispatcher = client_connect (fx, 0, "dispatcher");
  for (guint i = 0; i < 30; i++)
    append_event (fx, TRUE);
  wait_for_seq (dispatcher, 60);
  wait_for_seq (worker, 60);   /* 60 is "mine" (multiple of 3) */

  assert_consecutive (dispatcher, 1, 60);
  g_assert_cmpuint (worker->seqs->len, ==, 20);
  for (guint i = 0; i < worker->seqs->len; i++)
    g_assert_cmpint (g_array_index (worker->seqs, gint64, i), ==, 3 * (i + 1));
  g_assert_cmpint (worker->live_head, >=, 30);
  g_assert_cmpint (worker->live_head, <=, 60);

  soup_websocket_connection_send_text (worker->conn, "{\"type\":\"ack\",\"seq\":57}");
  while (g_get_monotonic_time () < deadline)
    {
      JsonObject *first;

      g_clear_pointer (&presence, json_node_unref);
      presence = wg_stream_hub_build_presence (wg_server_get_stream_hub (fx->server));
      consoles = json_object_get_array_member (json_node_get_object (presence), "consoles");
      first = json_array_get_object_element (consoles, 0);
      if (!json_object_get_null_member (first, "acked_seq"))
        break;
      g_main_context_iteration (NULL, FALSE);
    }
  consoles = json_object_get_array_member (json_node_get_object (presence), "consoles");
  g_assert_cmpuint (json_array_get_length (consoles), ==, 2);
  {
    JsonObject *w = json_array_get_object_element (consoles, 0);
    JsonObject *d = json_array_get_object_element (consoles, 1);

    g_assert_cmpstr (json_object_get_string_member (w, "role"), ==, "grid_worker");
    g_assert_cmpstr (json_object_get_string_member (w, "user"), ==, "tester");
    g_assert_cmpint (json_object_get_int_member (w, "acked_seq"), ==, 57);
    g_assert_cmpint (json_object_get_int_member (w, "lag"), ==, 3);
    g_assert_cmpint (json_object_get_int_member (w, "sent_seq"), ==, 60);
    g_assert_cmpstr (json_object_get_string_member (d, "role"), ==, "dispatcher");
    g_assert_true (json_object_get_null_member (d, "lag"));
  }
  client_free (worker);
  client_free (dispatcher);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/stream-hub/backlog-then-live", Fixture, NULL, fixture_setup,
              test_backlog_then_live_without_gap, fixture_teardown);
  g_test_add ("/stream-hub/missed-publication", Fixture, NULL, fixture_setup,
              test_missed_publication_recovered_from_journal, fixture_teardown);
  g_test_add ("/stream-hub/filtered-view-and-presence", Fixture, NULL, fixture_setup,
              test_filtered_view_and_presence, fixture_teardown);

  return g_test_run ();
}
