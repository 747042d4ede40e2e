/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * /api/v1/stream: every subscriber gets the journal after its "after" seq,
 * then each event as it commits, in order and without gaps, plus coalesced
 * position updates.
 *
 * Ordering: everything runs on the one main loop, and events are published
 * after their commit.  A subscriber catching up reads committed pages from
 * the journal until it reaches the head; while it does, live events are not
 * pushed to it (the journal has them).  When it reaches the head it turns
 * live, and the next published event is head + 1.
 *
 * Slow subscribers: libsoup queues outgoing frames without bound and says
 * nothing about them.  So frames wait in our own queue and are handed to
 * libsoup only while the socket is writable (libsoup then writes them out
 * at once).  A subscriber whose queue grows past queue_max is closed with
 * 4008: it must pull the gap from /api/v1/journal and resubscribe.  Nobody
 * else waits for it.
 *
 * Views with gaps (grid workers, departments, units): a subscriber that
 * skipped events gets a "head" message, at most one a second, saying its
 * view is complete up to there.  A subscriber that acknowledged every
 * event it was sent before such a message is complete up to its head:
 * presence counts it so, also for clients that only acknowledge events.
 */
#define G_LOG_DOMAIN "wg-stream-hub"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>
#include <sys/socket.h>

#include "wg-json-guard.h"
#include "wg-json-write.h"
#include "wg-problem.h"
#include "wg-stream-hub.h"

#define PENDING_KEY "wg-stream-pending"
#define CATCH_UP_PAGE 500
#define CATCH_UP_RETRY_MS 20
#define HEAD_INTERVAL_S 1

typedef struct
{
  WgStreamIdentity identity;
  gint64           after;
  char            *remote;
  GSocket         *socket;
} Pending;

typedef struct
{
  WgStreamHub             *hub;
  char                    *id;
  SoupWebsocketConnection *conn;
  GSocket                 *socket;
  WgStreamIdentity         identity;
  char                    *remote;
  gint64                   connected_at_ms;
  gint64                   sent_seq;
  gint64                   acked_seq;      /* -1: never acknowledged */
  gint64                   event_seq;      /* the last event sent */
  gint64                   told_head;      /* the last head told in a message */
  gint64                   told_after;     /* event_seq when it was told */
  gboolean                 head_pending;   /* events skipped since then */
  gboolean                 catching_up;
  gboolean                 announced_live;
  gboolean                 closing;
  GQueue                   queue;          /* GBytes text frames */
  GSource                  *writable;
  guint                    catch_up_id;
  guint                    kill_id;
  gint64                   last_activity_us;
} Subscriber;

struct _WgStreamHub
{
  WgStreamHubOptions   options;
  WgStreamHeadFunc     head_func;
  WgStreamBacklogFunc  backlog_func;
  WgStreamFilterFunc   filter_func;
  gpointer             journal_data;
  char                *journal_id;

  GHashTable          *subscribers;  /* id -> Subscriber, the live ones */
  GHashTable          *closing;      /* Subscriber set, closed by us, waiting for libsoup */
  guint64              next_id;
  guint64              n_slow_closed;

  GHashTable          *pending_positions;  /* unit -> WgTrackPoint */
  guint                positions_id;
  guint                keepalive_id;
  guint                head_id;
};

static void subscriber_flush (Subscriber *sub);

/* GLib 2.74 has no g_hash_table_get_values_as_ptr_array(). */
static GPtrArray *
table_values (GHashTable *table)
{
  GPtrArray *values = g_ptr_array_sized_new (g_hash_table_size (table));
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (values, value);
  return values;
}

static void subscriber_close (Subscriber *sub,
                              gushort     code,
                              const char *reason);

void
wg_stream_hub_options_init_default (WgStreamHubOptions *options)
{
  g_return_if_fail (options != NULL);

  options->queue_max = 256;
  options->max_incoming_bytes = 64 * 1024;
  options->keepalive_seconds = 20;
  options->close_timeout_seconds = 30;
  options->socket_send_buffer = 0;
  options->positions_interval_ms = 1000;
  options->positions_per_message = 500;
  options->json_max_depth = 8;
}

void
wg_stream_identity_clear (WgStreamIdentity *identity)
{
  g_clear_pointer (&identity->user, g_free);
  g_clear_pointer (&identity->role, g_free);
  g_clear_pointer (&identity->grid, g_free);
  g_clear_pointer (&identity->department, g_free);
  g_clear_pointer (&identity->unit, g_free);
  g_clear_pointer (&identity->units, g_strfreev);
}

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  wg_stream_identity_clear (&pending->identity);
  g_clear_object (&pending->socket);
  g_free (pending->remote);
  g_free (pending);
}

static void
subscriber_free (Subscriber *sub)
{
  g_clear_handle_id (&sub->catch_up_id, g_source_remove);
  g_clear_handle_id (&sub->kill_id, g_source_remove);
  if (sub->writable != NULL)
    {
      g_source_destroy (sub->writable);
      g_clear_pointer (&sub->writable, g_source_unref);
    }
  g_queue_clear_full (&sub->queue, (GDestroyNotify) g_bytes_unref);
  if (sub->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (sub->conn, sub);
      g_clear_object (&sub->conn);
    }
  g_clear_object (&sub->socket);
  wg_stream_identity_clear (&sub->identity);
  g_free (sub->remote);
  g_free (sub->id);
  g_free (sub);
}

gint64
wg_stream_hub_get_head (WgStreamHub *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->head_func != NULL ? self->head_func (self->journal_data) : 0;
}

static GBytes *
node_to_frame (JsonNode *node)
{
  gsize length = 0;
  char *text = wg_json_node_to_text (node);

  length = strlen (text);
  return g_bytes_new_take (text, length);
}

static GBytes *
builder_to_frame (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  return node_to_frame (root);
}

/* ---- outgoing ---------------------------------------------------------- */

static gboolean
writable_cb (GSocket      *socket,
             GIOCondition  condition,
             gpointer      data)
{
  Subscriber *sub = data;

  g_clear_pointer (&sub->writable, g_source_unref);
  subscriber_flush (sub);
  return G_SOURCE_REMOVE;
}

static void
subscriber_flush (Subscriber *sub)
{
  while (!g_queue_is_empty (&sub->queue))
    {
      g_autoptr(GBytes) frame = NULL;

      if (sub->closing || soup_websocket_connection_get_state (sub->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        return;

      /* Hand a frame over only when the kernel can take bytes now: then
       * libsoup writes it at once and its own queue stays short. */
      if ((g_socket_condition_check (sub->socket, G_IO_OUT) & G_IO_OUT) == 0)
        {
          if (sub->writable == NULL)
            {
              sub->writable = g_socket_create_source (sub->socket, G_IO_OUT, NULL);
              g_source_set_callback (sub->writable, (GSourceFunc) (void (*) (void)) writable_cb, sub, NULL);
              g_source_attach (sub->writable, NULL);
            }
          return;
        }

      frame = g_queue_pop_head (&sub->queue);
      soup_websocket_connection_send_message (sub->conn, SOUP_WEBSOCKET_DATA_TEXT, frame);
    }
}

static void
subscriber_enqueue (Subscriber *sub,
                    GBytes     *frame)
{
  if (sub->closing)
    return;

  g_queue_push_tail (&sub->queue, g_bytes_ref (frame));
  subscriber_flush (sub);

  if (!sub->closing && sub->queue.length > sub->hub->options.queue_max)
    {
      g_debug ("Subscriber %s is too slow (%u frames waiting): closing it",
               sub->id, sub->queue.length);
      sub->hub->n_slow_closed++;
      subscriber_close (sub, WG_STREAM_CLOSE_SLOW_CONSUMER,
                        "slow consumer: pull /api/v1/journal and resubscribe");
    }
}

static gboolean
kill_cb (gpointer data)
{
  Subscriber *sub = data;

  sub->kill_id = 0;
  /* The peer never completed the close handshake: cut the socket, and
   * libsoup reports "closed". */
  g_socket_shutdown (sub->socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
subscriber_close (Subscriber *sub,
                  gushort     code,
                  const char *reason)
{
  WgStreamHub *self = sub->hub;

  if (sub->closing)
    return;
  sub->closing = TRUE;

  g_queue_clear_full (&sub->queue, (GDestroyNotify) g_bytes_unref);
  g_queue_init (&sub->queue);
  if (sub->writable != NULL)
    {
      g_source_destroy (sub->writable);
      g_clear_pointer (&sub->writable, g_source_unref);
    }
  g_clear_handle_id (&sub->catch_up_id, g_source_remove);

  g_hash_table_steal (self->subscribers, sub->id);
  g_hash_table_add (self->closing, sub);

  /* Last: should libsoup report "closed" from inside close(), closed_cb
   * frees @sub. */
  sub->kill_id = g_timeout_add_seconds (MAX (1, self->options.close_timeout_seconds), kill_cb, sub);
  if (soup_websocket_connection_get_state (sub->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (sub->conn, code, reason);
}

/* ---- journal ----------------------------------------------------------- */

static GBytes *
build_event_frame (gint64    head,
                   JsonNode *event)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "event");
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, head);
  json_builder_set_member_name (builder, "event");
  json_builder_add_value (builder, json_node_ref (event));
  json_builder_end_object (builder);
  return builder_to_frame (builder);
}

/* @sub has been sent everything it sees up to @head. */
static void
told_head (Subscriber *sub,
           gint64      head)
{
  sub->told_head = head;
  sub->told_after = sub->event_seq;
  sub->head_pending = FALSE;
}

/* The same frame as build_event_frame(), around an event's stored text. */
static GBytes *
build_text_frame (gint64  head,
                  GBytes *event)
{
  gsize size;
  const char *text = g_bytes_get_data (event, &size);
  GString *frame = g_string_sized_new (size + 48);

  g_string_append_printf (frame, "{\"type\":\"event\",\"head\":%" G_GINT64_FORMAT ",\"event\":", head);
  g_string_append_len (frame, text, size);
  g_string_append_c (frame, '}');
  return g_string_free_to_bytes (frame);
}

static void
send_live (Subscriber *sub,
           gint64      head)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GBytes) frame = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "live");
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, head);
  json_builder_end_object (builder);
  frame = builder_to_frame (builder);
  subscriber_enqueue (sub, frame);
  told_head (sub, head);
}

static gboolean
catch_up_cb (gpointer data)
{
  Subscriber *sub = data;
  WgStreamHub *self = sub->hub;
  gint64 head = wg_stream_hub_get_head (self);

  sub->catch_up_id = 0;

  while (!sub->closing && sub->sent_seq < head)
    {
      g_autoptr(GPtrArray) texts = NULL;
      g_autoptr(GArray) seqs = NULL;
      g_autoptr(GError) error = NULL;
      guint want;
      guint room = self->options.queue_max > sub->queue.length
                   ? self->options.queue_max - sub->queue.length : 0;

      /* Keep half the queue free for live position updates; come back
       * when the socket has drained. */
      if (room <= self->options.queue_max / 2)
        {
          sub->catch_up_id = g_timeout_add (CATCH_UP_RETRY_MS, catch_up_cb, sub);
          return G_SOURCE_REMOVE;
        }
      if (self->backlog_func == NULL)
        break;

      want = MIN (room - self->options.queue_max / 2, CATCH_UP_PAGE);
      texts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
      if (!self->backlog_func (&sub->identity, sub->sent_seq, want, texts, seqs, self->journal_data, &error))
        {
          g_warning ("Cannot read the journal after %" G_GINT64_FORMAT " for subscriber %s: %s",
                     sub->sent_seq, sub->id, error != NULL ? error->message : "no reason");
          subscriber_close (sub, WG_STREAM_CLOSE_INTERNAL, "journal unavailable");
          return G_SOURCE_REMOVE;
        }
      for (guint i = 0; i < texts->len && !sub->closing; i++)
        {
          gint64 seq = g_array_index (seqs, gint64, i);
          g_autoptr(GBytes) frame = NULL;

          /* Never back: a page that does not move forward would loop. */
          if (seq <= sub->sent_seq)
            {
              g_warning ("The journal gave event %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT,
                         seq, sub->sent_seq);
              subscriber_close (sub, WG_STREAM_CLOSE_INTERNAL, "journal inconsistent");
              return G_SOURCE_REMOVE;
            }
          frame = build_text_frame (head, g_ptr_array_index (texts, i));
          subscriber_enqueue (sub, frame);
          sub->event_seq = seq;
          sub->sent_seq = seq;
        }
      /* Not a full page: the view is complete up to the head. */
      if (texts->len < want)
        break;
    }

  if (sub->closing)
    return G_SOURCE_REMOVE;

  /* Views with gaps may end below the head: they are complete up to it. */
  sub->sent_seq = MAX (sub->sent_seq, head);
  sub->catching_up = FALSE;
  /* Once: a later catch-up (after a missed publication) is invisible. */
  if (!sub->announced_live)
    {
      sub->announced_live = TRUE;
      send_live (sub, head);
    }
  return G_SOURCE_REMOVE;
}

static void
start_catch_up (Subscriber *sub)
{
  sub->catching_up = TRUE;
  if (sub->catch_up_id == 0)
    sub->catch_up_id = g_idle_add (catch_up_cb, sub);
}

/* Once a second while some live view skipped events: tell each one its
 * head, so that its console (and presence) knows it is not behind. */
static gboolean
head_tick_cb (gpointer data)
{
  WgStreamHub *self = data;
  g_autoptr(GPtrArray) subs = table_values (self->subscribers);
  gboolean sent = FALSE;

  for (guint i = 0; i < subs->len; i++)
    {
      Subscriber *sub = g_ptr_array_index (subs, i);
      g_autofree char *text = NULL;
      g_autoptr(GBytes) frame = NULL;

      if (!sub->head_pending || sub->catching_up || sub->closing)
        continue;
      text = g_strdup_printf ("{\"type\":\"head\",\"head\":%" G_GINT64_FORMAT "}", sub->sent_seq);
      frame = g_bytes_new_take (text, strlen (text));
      text = NULL;
      subscriber_enqueue (sub, frame);
      told_head (sub, sub->sent_seq);
      sent = TRUE;
    }
  if (sent)
    return G_SOURCE_CONTINUE;
  self->head_id = 0;
  return G_SOURCE_REMOVE;
}

static JsonNode *
visible_to (WgStreamHub *self,
            Subscriber  *sub,
            JsonNode    *event)
{
  if (self->filter_func == NULL)
    return json_node_ref (event);
  return self->filter_func (&sub->identity, event, self->journal_data);
}

void
wg_stream_hub_publish_event (WgStreamHub *self,
                             gint64       seq,
                             JsonNode    *event)
{
  g_autoptr(GHashTable) frames = NULL;
  g_autoptr(GPtrArray) subs = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (event != NULL);

  /* One encoded frame per distinct view of the event (full, masked). */
  frames = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) json_node_unref,
                                  (GDestroyNotify) g_bytes_unref);
  subs = table_values (self->subscribers);
  for (guint i = 0; i < subs->len; i++)
    {
      Subscriber *sub = g_ptr_array_index (subs, i);

      if (sub->catching_up)
        continue;
      if (seq != sub->sent_seq + 1)
        {
          /* Never skip: a hole (or a repeat) sends this subscriber back to
           * the journal, which is the truth. */
          if (seq > sub->sent_seq)
            start_catch_up (sub);
          continue;
        }
      {
        JsonNode *seen = visible_to (self, sub, event);

        if (seen != NULL)
          {
            GBytes *frame = g_hash_table_lookup (frames, seen);

            if (frame == NULL)
              {
                frame = build_event_frame (seq, seen);
                g_hash_table_insert (frames, json_node_ref (seen), frame);
              }
            subscriber_enqueue (sub, frame);
            json_node_unref (seen);
            sub->event_seq = seq;
          }
        else
          {
            sub->head_pending = TRUE;
            if (self->head_id == 0)
              self->head_id = g_timeout_add_seconds (HEAD_INTERVAL_S, head_tick_cb, self);
          }
      }
      sub->sent_seq = seq;
    }
}

/* ---- positions --------------------------------------------------------- */

JsonNode *
wg_track_point_to_json (const WgTrackPoint *p)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, p->unit);
  json_builder_set_member_name (builder, "ts");
  json_builder_add_int_value (builder, p->ts);
  json_builder_set_member_name (builder, "lat");
  json_builder_add_double_value (builder, p->lat);
  json_builder_set_member_name (builder, "lon");
  json_builder_add_double_value (builder, p->lon);
  json_builder_set_member_name (builder, "status");
  if (p->status != NULL)
    json_builder_add_string_value (builder, p->status);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static GBytes *
build_positions_frame (GPtrArray *points,
                       guint      start,
                       guint      end)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "positions");
  json_builder_set_member_name (builder, "server_time");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  json_builder_set_member_name (builder, "positions");
  json_builder_begin_array (builder);
  for (guint i = start; i < end; i++)
    json_builder_add_value (builder, wg_track_point_to_json (g_ptr_array_index (points, i)));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return builder_to_frame (builder);
}

void
wg_stream_hub_flush_positions (WgStreamHub *self)
{
  g_autoptr(GPtrArray) points = NULL;
  g_autoptr(GPtrArray) subs = NULL;
  guint per_message;

  g_return_if_fail (self != NULL);

  if (g_hash_table_size (self->pending_positions) == 0)
    return;

  points = table_values (self->pending_positions);
  g_hash_table_steal_all (self->pending_positions);
  g_ptr_array_set_free_func (points, (GDestroyNotify) wg_track_point_free);

  per_message = MAX (1, self->options.positions_per_message);
  subs = table_values (self->subscribers);
  for (guint start = 0; start < points->len; start += per_message)
    {
      g_autoptr(GBytes) frame = build_positions_frame (points, start, MIN (points->len, start + per_message));

      for (guint i = 0; i < subs->len; i++)
        {
          Subscriber *sub = g_ptr_array_index (subs, i);

          /* Grid workers and departments see no live map of the forces. */
          if (!sub->identity.no_positions)
            subscriber_enqueue (sub, frame);
        }
    }
}

static gboolean
positions_tick_cb (gpointer data)
{
  WgStreamHub *self = data;

  if (g_hash_table_size (self->pending_positions) == 0)
    {
      self->positions_id = 0;
      return G_SOURCE_REMOVE;
    }
  wg_stream_hub_flush_positions (self);
  return G_SOURCE_CONTINUE;
}

/* Coalesces: within one interval only the newest point of a unit goes out.
 * The first point after a quiet period goes out at the next tick. */
void
wg_stream_hub_queue_position (WgStreamHub        *self,
                              const WgTrackPoint *point)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (point != NULL);

  if (g_hash_table_size (self->subscribers) == 0)
    return;

  {
    WgTrackPoint *copy = wg_track_point_copy (point);

    /* replace(), not insert(): the key is the new value's own string. */
    g_hash_table_replace (self->pending_positions, copy->unit, copy);
  }
  if (self->positions_id == 0)
    self->positions_id = g_timeout_add (MAX (1, self->options.positions_interval_ms), positions_tick_cb, self);
}

/* ---- connections ------------------------------------------------------- */

gboolean
wg_stream_hub_prepare (WgStreamHub       *self,
                       SoupServerMessage *msg,
                       GHashTable        *query,
                       WgStreamIdentity  *identity)
{
  const char *after_text = query != NULL ? g_hash_table_lookup (query, "after") : NULL;
  GSocketAddress *remote;
  gint64 head = wg_stream_hub_get_head (self);
  guint64 after = 0;
  Pending *pending;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), FALSE);

  if (!soup_websocket_server_check_handshake (msg, NULL, NULL, NULL, NULL))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "websocket-required",
                          _("Connect to /api/v1/stream with a WebSocket upgrade"));
      return FALSE;
    }
  if (after_text != NULL &&
      !g_ascii_string_to_unsigned (after_text, 10, 0, G_MAXINT64, &after, NULL))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("“after” must be a sequence number (0 or more)"));
      return FALSE;
    }
  if ((gint64) after > head)
    {
      g_autofree char *detail = g_strdup_printf (_("after=%llu is beyond the journal head %lld"),
                                                 (unsigned long long) after, (long long) head);

      wg_problem_respond (msg, SOUP_STATUS_CONFLICT, "seq-beyond-head", detail);
      return FALSE;
    }

  pending = g_new0 (Pending, 1);
  pending->socket = soup_server_message_get_socket (msg);
  if (pending->socket != NULL)
    {
      g_object_ref (pending->socket);
      if (self->options.socket_send_buffer > 0)
        g_socket_set_option (pending->socket, SOL_SOCKET, SO_SNDBUF, self->options.socket_send_buffer, NULL);
    }
  if (identity != NULL)
    {
      pending->identity = *identity;
      memset (identity, 0, sizeof *identity);
    }
  pending->after = (gint64) after;
  remote = soup_server_message_get_remote_address (msg);
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    pending->remote = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  g_object_set_data_full (G_OBJECT (msg), PENDING_KEY, pending, pending_free);
  return TRUE;
}

static void
message_cb (SoupWebsocketConnection *conn,
            gint                     type,
            GBytes                  *message,
            Subscriber              *sub)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *obj;
  const char *kind;

  sub->last_activity_us = g_get_monotonic_time ();

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      subscriber_close (sub, WG_STREAM_CLOSE_UNSUPPORTED, "text messages only");
      return;
    }

  node = wg_json_parse_untrusted (message, sub->hub->options.json_max_depth, &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      subscriber_close (sub, WG_STREAM_CLOSE_BAD_PAYLOAD, "a JSON object expected");
      return;
    }

  obj = json_node_get_object (node);
  kind = json_object_get_string_member_with_default (obj, "type", NULL);
  if (g_strcmp0 (kind, "ack") == 0)
    {
      JsonNode *seq_node = json_object_get_member (obj, "seq");
      gint64 seq;

      if (seq_node == NULL || !JSON_NODE_HOLDS_VALUE (seq_node) ||
          json_node_get_value_type (seq_node) != G_TYPE_INT64)
        {
          subscriber_close (sub, WG_STREAM_CLOSE_BAD_PAYLOAD, "ack needs an integer seq");
          return;
        }
      seq = json_node_get_int (seq_node);
      /* Acks only move forward, and never past what was sent. */
      if (seq > sub->acked_seq)
        sub->acked_seq = MIN (seq, MAX (sub->sent_seq, wg_stream_hub_get_head (sub->hub)));
    }
  /* Other types are ignored: newer clients may say more. */
}

static void
pong_cb (SoupWebsocketConnection *conn,
         GBytes                  *message,
         Subscriber              *sub)
{
  sub->last_activity_us = g_get_monotonic_time ();
}

static void
closed_cb (SoupWebsocketConnection *conn,
           Subscriber              *sub)
{
  WgStreamHub *self = sub->hub;

  g_debug ("Subscriber %s closed (code %u)", sub->id, soup_websocket_connection_get_close_code (conn));
  if (!g_hash_table_remove (self->closing, sub))
    g_hash_table_steal (self->subscribers, sub->id);
  subscriber_free (sub);
}

static void
send_hello (Subscriber *sub,
            gint64      head)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GBytes) frame = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "hello");
  json_builder_set_member_name (builder, "subscriber");
  json_builder_add_string_value (builder, sub->id);
  json_builder_set_member_name (builder, "after");
  json_builder_add_int_value (builder, sub->sent_seq);
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, head);
  if (sub->hub->journal_id != NULL)
    {
      json_builder_set_member_name (builder, "journal_id");
      json_builder_add_string_value (builder, sub->hub->journal_id);
    }
  json_builder_set_member_name (builder, "server_time");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_end_object (builder);
  frame = builder_to_frame (builder);
  subscriber_enqueue (sub, frame);
}

void
wg_stream_hub_accept (WgStreamHub             *self,
                      SoupServerMessage       *msg,
                      SoupWebsocketConnection *connection)
{
  Pending *pending;
  Subscriber *sub;

  g_return_if_fail (self != NULL);
  g_return_if_fail (SOUP_IS_WEBSOCKET_CONNECTION (connection));

  pending = g_object_get_data (G_OBJECT (msg), PENDING_KEY);
  if (pending == NULL || pending->socket == NULL)
    {
      g_warning ("A stream connection arrived without its handshake data: closing it");
      soup_websocket_connection_close (connection, WG_STREAM_CLOSE_INTERNAL, NULL);
      return;
    }

  sub = g_new0 (Subscriber, 1);
  sub->hub = self;
  sub->id = g_strdup_printf ("s%" G_GUINT64_FORMAT, ++self->next_id);
  sub->conn = g_object_ref (connection);
  sub->socket = g_object_ref (pending->socket);
  sub->identity = pending->identity;
  memset (&pending->identity, 0, sizeof pending->identity);
  sub->remote = g_strdup (pending->remote);
  sub->connected_at_ms = g_get_real_time () / 1000;
  sub->sent_seq = pending->after;
  sub->acked_seq = -1;
  sub->last_activity_us = g_get_monotonic_time ();
  g_queue_init (&sub->queue);

  soup_websocket_connection_set_max_incoming_payload_size (connection, self->options.max_incoming_bytes);
  soup_websocket_connection_set_keepalive_interval (connection, self->options.keepalive_seconds);
  g_signal_connect (connection, "message", G_CALLBACK (message_cb), sub);
  g_signal_connect (connection, "pong", G_CALLBACK (pong_cb), sub);
  g_signal_connect (connection, "closed", G_CALLBACK (closed_cb), sub);

  g_hash_table_insert (self->subscribers, sub->id, sub);
  g_debug ("Subscriber %s from %s after %" G_GINT64_FORMAT, sub->id, sub->remote, sub->sent_seq);

  send_hello (sub, wg_stream_hub_get_head (self));
  start_catch_up (sub);
}

static gboolean
keepalive_check_cb (gpointer data)
{
  WgStreamHub *self = data;
  g_autoptr(GPtrArray) subs = table_values (self->subscribers);
  gint64 limit = (gint64) self->options.keepalive_seconds * 3 * G_USEC_PER_SEC;
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < subs->len; i++)
    {
      Subscriber *sub = g_ptr_array_index (subs, i);

      if (now - sub->last_activity_us > limit)
        subscriber_close (sub, WG_STREAM_CLOSE_KEEPALIVE, "no pong");
    }
  return G_SOURCE_CONTINUE;
}

/* ---- presence and lifetime --------------------------------------------- */

static int
compare_subscribers (gconstpointer a,
                     gconstpointer b)
{
  const Subscriber *sa = *(const Subscriber * const *) a;
  const Subscriber *sb = *(const Subscriber * const *) b;

  if (sa->connected_at_ms != sb->connected_at_ms)
    return sa->connected_at_ms < sb->connected_at_ms ? -1 : 1;
  return g_strcmp0 (sa->id, sb->id);
}

static void
add_nullable_string (JsonBuilder *builder,
                     const char  *name,
                     const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value != NULL)
    json_builder_add_string_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

JsonNode *
wg_stream_hub_build_presence (WgStreamHub *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(GPtrArray) subs = NULL;
  gint64 head;

  g_return_val_if_fail (self != NULL, NULL);

  head = wg_stream_hub_get_head (self);
  subs = table_values (self->subscribers);
  g_ptr_array_sort (subs, compare_subscribers);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, head);
  json_builder_set_member_name (builder, "server_time");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  json_builder_set_member_name (builder, "consoles");
  json_builder_begin_array (builder);
  for (guint i = 0; i < subs->len; i++)
    {
      Subscriber *sub = g_ptr_array_index (subs, i);
      gint64 acked = sub->acked_seq;

      /* Applied all it was sent before it was told a head: complete up
       * to that head. */
      if (acked >= 0 && acked >= sub->told_after)
        acked = MAX (acked, sub->told_head);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "subscriber");
      json_builder_add_string_value (builder, sub->id);
      add_nullable_string (builder, "user", sub->identity.user);
      add_nullable_string (builder, "role", sub->identity.role);
      add_nullable_string (builder, "remote", sub->remote);
      json_builder_set_member_name (builder, "connected_at");
      json_builder_add_int_value (builder, sub->connected_at_ms);
      json_builder_set_member_name (builder, "sent_seq");
      json_builder_add_int_value (builder, sub->sent_seq);
      json_builder_set_member_name (builder, "acked_seq");
      if (acked >= 0)
        json_builder_add_int_value (builder, acked);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "lag");
      if (acked >= 0)
        json_builder_add_int_value (builder, MAX (0, head - acked));
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "catching_up");
      json_builder_add_boolean_value (builder, sub->catching_up);
      json_builder_set_member_name (builder, "queued");
      json_builder_add_int_value (builder, sub->queue.length);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

guint
wg_stream_hub_get_n_subscribers (WgStreamHub *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->subscribers);
}

guint
wg_stream_hub_get_n_closing (WgStreamHub *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->closing);
}

guint64
wg_stream_hub_get_n_slow_closed (WgStreamHub *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_slow_closed;
}

void
wg_stream_hub_close_all (WgStreamHub *self,
                         gushort      code,
                         const char  *reason)
{
  g_autoptr(GPtrArray) subs = NULL;

  g_return_if_fail (self != NULL);

  subs = table_values (self->subscribers);
  for (guint i = 0; i < subs->len; i++)
    subscriber_close (g_ptr_array_index (subs, i), code, reason);
}

WgStreamHub *
wg_stream_hub_new (const WgStreamHubOptions *options)
{
  WgStreamHub *self = g_new0 (WgStreamHub, 1);

  if (options != NULL)
    self->options = *options;
  else
    wg_stream_hub_options_init_default (&self->options);
  self->options.queue_max = MAX (2, self->options.queue_max);
  self->subscribers = g_hash_table_new (g_str_hash, g_str_equal);
  self->closing = g_hash_table_new (NULL, NULL);
  self->pending_positions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                   (GDestroyNotify) wg_track_point_free);
  if (self->options.keepalive_seconds > 0)
    self->keepalive_id = g_timeout_add_seconds (self->options.keepalive_seconds, keepalive_check_cb, self);
  return self;
}

void
wg_stream_hub_set_journal (WgStreamHub         *self,
                           WgStreamHeadFunc     head_func,
                           WgStreamBacklogFunc  backlog_func,
                           WgStreamFilterFunc   filter_func,
                           gpointer             user_data)
{
  g_return_if_fail (self != NULL);

  self->head_func = head_func;
  self->backlog_func = backlog_func;
  self->filter_func = filter_func;
  self->journal_data = user_data;
}

/* Sent in each subscriber's hello: a client whose cache holds another id
 * starts again (protocol.md, "Identity of the journal"). */
void
wg_stream_hub_set_journal_id (WgStreamHub *self,
                              const char  *journal_id)
{
  g_return_if_fail (self != NULL);

  g_free (self->journal_id);
  self->journal_id = g_strdup (journal_id);
}

static void
free_all (GHashTable *table)
{
  g_autoptr(GPtrArray) subs = table_values (table);

  g_hash_table_steal_all (table);
  for (guint i = 0; i < subs->len; i++)
    subscriber_free (g_ptr_array_index (subs, i));
}

void
wg_stream_hub_free (WgStreamHub *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->positions_id, g_source_remove);
  g_clear_handle_id (&self->keepalive_id, g_source_remove);
  g_clear_handle_id (&self->head_id, g_source_remove);
  free_all (self->subscribers);
  free_all (self->closing);
  g_hash_table_unref (self->subscribers);
  g_hash_table_unref (self->closing);
  g_hash_table_unref (self->pending_positions);
  g_free (self->journal_id);
  g_free (self);
}
