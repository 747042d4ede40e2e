/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stream: the dispatcher's WebSocket, reconnected with backoff, its
 * events handed to the reactions in seq order, acknowledged.
 */
#define G_LOG_DOMAIN "wg-sim"

#include "config.h"

#include "wg-sim-private.h"

/* ---- the stream --------------------------------------------------------- */

void
_wg_sim_stream_drop (WgSim *self)
{
  if (self->stream == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->stream, self);
  if (soup_websocket_connection_get_state (self->stream) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->stream, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->stream);
}

static gboolean
unref_once (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static gboolean
stream_retry_cb (gpointer data)
{
  WgSim *self = data;

  self->stream_retry_id = 0;
  _wg_sim_stream_connect (self);
  return G_SOURCE_REMOVE;
}

static void
stream_retry_later (WgSim *self)
{
  gint64 delay;

  _wg_sim_stream_drop (self);
  if (self->stopping || self->stream_retry_id != 0)
    return;
  /* Every few failures the token may be what is wrong (a server that
   * lost its sessions): log in again. */
  if (++self->stream_failures % 4 == 0)
    wg_sim_net_login (self->net, "dispatcher");
  delay = wg_backoff_next_delay_ms (&self->stream_backoff, 0);
  self->stream_retry_id = g_timeout_add (MAX (delay, 50), stream_retry_cb, self);
}

static void
stream_message_cb (SoupWebsocketConnection *connection,
                   gint                     kind,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  WgSim *self = user_data;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *object;
  const char *type;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (kind != SOUP_WEBSOCKET_DATA_TEXT || !json_parser_load_from_data (parser, data, length, &error))
    return;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return;
  object = json_node_get_object (root);
  type = _wg_sim_get_string (object, "type");
  if (g_strcmp0 (type, "event") == 0 && json_object_has_member (object, "event"))
    _wg_sim_on_event (self, json_object_get_object_member (object, "event"));
  else if (g_strcmp0 (type, "live") == 0)
    {
      wg_backoff_reset (&self->stream_backoff);
      self->stream_failures = 0;
    }

  /* Tell the server how far we are (presence shows the lag), at most
   * once a second. */
  if (self->last_seq > self->acked_seq && g_get_monotonic_time () - self->last_ack_us > G_USEC_PER_SEC &&
      soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_autofree char *ack = g_strdup_printf ("{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}", self->last_seq);

      soup_websocket_connection_send_text (connection, ack);
      self->acked_seq = self->last_seq;
      self->last_ack_us = g_get_monotonic_time ();
    }
}

static void
stream_closed_cb (SoupWebsocketConnection *connection,
                  gpointer                 user_data)
{
  WgSim *self = user_data;

  g_debug ("Stream closed (%u)", soup_websocket_connection_get_close_code (connection));
  /* Not unreffed inside its own signal emission: on the next turn. */
  g_signal_handlers_disconnect_by_data (connection, self);
  g_idle_add_full (G_PRIORITY_DEFAULT, unref_once, g_steal_pointer (&self->stream), NULL);
  stream_retry_later (self);
}

static void
stream_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  WgSim *self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  self->stream_connecting = FALSE;
  connection = wg_api_client_stream_finish (WG_API_CLIENT (source), result, &error);
  if (connection != NULL && self->stopping)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (connection);
      return;
    }
  if (connection == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("Stream: %s", error->message);
          stream_retry_later (self);
        }
      return;
    }
  self->stream = connection;
  g_signal_connect (connection, "message", G_CALLBACK (stream_message_cb), self);
  g_signal_connect (connection, "closed", G_CALLBACK (stream_closed_cb), self);
}

void
_wg_sim_stream_connect (WgSim *self)
{
  g_autofree char *path = NULL;

  if (self->stopping)
    return;
  if (!wg_sim_net_is_logged_in (self->net, "dispatcher"))
    {
      wg_sim_net_login (self->net, "dispatcher");
      self->stream_retry_id = g_timeout_add (200, stream_retry_cb, self);
      return;
    }
  if (self->config.exercise != NULL)
    path = g_strdup_printf ("/api/v1/exercises/%s/stream?after=%" G_GINT64_FORMAT, self->config.exercise, self->last_seq);
  else
    path = g_strdup_printf ("/api/v1/stream?after=%" G_GINT64_FORMAT, self->last_seq);
  self->stream_connecting = TRUE;
  wg_api_client_stream_async (wg_sim_net_get_client (self->net, "dispatcher"), path,
                              self->stream_cancellable, stream_connected_cb, self);
}
