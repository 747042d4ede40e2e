/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keeps a console's cache in step with the server and sends its outbox.
 *
 *   connect: GET /health (clock offset, journal id) -> pull /journal pages
 *   after the cache's head -> open /stream?after=head -> apply each event
 *   once, in order -> on any drop, back off with jitter and do it again.
 *
 * Pages, the snapshot and the stream's events are decoded and applied on
 * a worker thread with its own connection to the cache (WgCacheWriter),
 * one job at a time in order; the main loop gets one change set per batch
 * (::changes-applied, then ::events-applied) and its own connection only
 * reads.
 *
 * An empty cache starts from GET /snapshot?ended=false instead of the
 * whole journal: the open incidents with their events, the units (their
 * last positions go out as ::positions-received), the roster, at a head;
 * the stream is tailed from that head at once.  The incidents ended in the
 * last day follow from GET /snapshot/ended?head=H (events up to that
 * head), stored behind whatever the stream brought meanwhile (a server
 * that sends the whole snapshot at once has no second part); the older
 * journal is back-filled in the background, a small
 * page at a time, to a depth (days; 0: all), into the journal only (the
 * projection is the snapshot's): each page is decoded and stored on a
 * worker thread with its own connection to the cache.
 *
 * The cache remembers the id of the server's journal.  A server whose
 * journal has another id (restored from a backup, a promoted replica, a
 * new server at the same address) may have other events under the same
 * seqs: the cache is emptied (::cache-reset) and filled again from seq 0.
 * The outbox is not the cache's: queued commands stay and go out.
 *
 * The cache is a WgStore: pulled events go through the same projection as
 * on the server.  A role that sees the whole journal checks that seqs
 * follow each other and pulls the gap when they do not; a filtered view
 * (grid worker, department) has gaps by design and trusts the server's
 * order.  Either way nothing is applied twice: events at or below the
 * cache's head are dropped.
 *
 * Commands wait in the outbox (on disk before they are sent), go out one at
 * a time in order, and are retried with the same id until the server
 * answers; a refusal is kept for its user to see.
 */
#define G_LOG_DOMAIN "wg-sync-client"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wg-backoff.h"
#include "wg-cache-writer.h"
#include "wg-event.h"
#include "wg-snapshot-fetch.h"
#include "wg-sync-client.h"
#include "wg-sync-client-private.h"

/* The server's largest page: a catch-up pulls the journal after the
 * cache's head, and each page costs a round trip and one update of the
 * console's views. */
#define PAGE_SIZE         5000
/* Back-fill pages are parsed, decoded and stored on a worker thread. */
#define BACKFILL_PAGE_SIZE 2500
#define ACK_INTERVAL_MS   1000
/* A cache this close to the server's head (a warm start, a short drop)
 * catches up on the stream itself: one round trip less than a page first. */
#define STREAM_CATCH_UP_MAX 500
#define BASE_BACKOFF_MS   500
#define MAX_BACKOFF_MS    30000
#define CLOSE_SLOW_CONSUMER 4008

struct _WgSyncClient
{
  GObject                  parent_instance;

  WgApiClient             *api;
  WgStore                 *cache;   /* the main loop's connection: reads only */
  WgCacheWriter           *writer;  /* applies what the server sends, off the main loop */
  guint                    epoch;   /* a new one at each reconnect: older jobs' answers only inform */
  WgOutbox                *outbox;
  WgClock                 *clock;
  char                    *username;
  gboolean                 full_view;
  char                    *base_path;   /* "/api/v1", or an exercise's */

  WgSyncState              state;
  gboolean                 running;
  GCancellable            *cancellable;
  GCancellable            *page_cancellable; /* the journal page on its way */
  GCancellable            *backfill_cancellable; /* the back-fill page on its way */
  WgStore                 *backfill_store; /* the cache, the back-fill worker's own connection */
  gint64                   backfill_head;  /* the snapshot's head: back-fill ends there */
  guint                    backfill_days;  /* 0: the whole journal */
  SoupWebsocketConnection *stream;

  gint64                   head;          /* the server's head, as last heard */
  gint64                   behind_since;  /* server time the cache fell behind the head, 0: caught up */
  gint64                   acked;
  gint64                   last_ack_ms;

  GPtrArray               *pending;       /* stream events (JsonNode) waiting to be applied */
  guint                    apply_id;
  gboolean                 applying;      /* a batch of stream events is with the writer */
  guint                    reconnect_id;
  WgBackoff                reconnect_backoff;

  gint64                   health_sent_ms;
  gboolean                 awaiting_login; /* a warm start: the health check only, until resumed */
  gboolean                 health_done;    /* ... and it answered */
  gboolean                 stream_early;   /* a warm start's stream, asked with the health check */
  gboolean                 snapshot_early; /* a cold start's snapshot, asked with the health check */
  WgCacheSnapshot         *early_snapshot; /* ... its answer decoded, until the health check names the journal */
  WgSnapshotFetch         *snapshot_fetch; /* asked at the login's answer, for the first connection */
  char                    *snapshot_journal; /* ... the journal it named (its head above 0) */
  char                    *stream_journal;   /* the journal the stream must serve when it runs ahead of
                                              * the cache (from the early snapshot's head); NULL: the cache's */
  gboolean                 snapshot_unstored; /* ... and the snapshot is not stored yet: the stream's
                                               * events and "live" wait for it */
  gboolean                 live_waiting;     /* ... its "live" came meanwhile */
  char                    *reset_journal_id; /* the health check that empties the cache: its journal */
  gint64                   reset_head;       /* ... and head */
  GHashTable              *adopting;      /* incident ids whose events are on their way */
  gint64                   ended_head;    /* the snapshot's ended incidents are to be stored (asked
                                           * at this head): back-fill waits for them; 0: none */
  gboolean                 ended_asked;   /* ... and on their way */
  gint64                   ended_settled; /* the last head they were stored or given up at */

  char                    *upload_dir;    /* copies of queued photos */
  WgOutboxEntry           *sending;       /* the command on its way, or NULL */
  guint                    resend_id;
  WgBackoff                send_backoff;
};

G_DEFINE_FINAL_TYPE (WgSyncClient, wg_sync_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_HEAD,
  PROP_APPLIED,
  PROP_LAG_EVENTS,
  PROP_QUEUED,
  PROP_BACKFILLING,
  N_PROPS
};

enum {
  CHANGES_APPLIED,
  EVENTS_APPLIED,
  CACHE_RESET,
  POSITIONS_RECEIVED,
  COMMAND_SETTLED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void connect_now (WgSyncClient *self);
static void observe_health (WgSyncClient *self,
                            JsonObject   *object,
                            gint64        received_ms);
static void health_answered (WgSyncClient *self);
static void drop_early_stream (WgSyncClient *self);
static void kick_sender (WgSyncClient *self);
static void maybe_start_backfill (WgSyncClient *self);

static void
set_state (WgSyncClient *self,
           WgSyncState   state)
{
  if (self->state == state)
    return;

  g_debug ("state %d -> %d", self->state, state);
  self->state = state;
  /* A partial view is caught up whenever it is live (its head runs ahead
   * of its last event by design). */
  if (state == WG_SYNC_ONLINE && !self->full_view)
    self->behind_since = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_head (WgSyncClient *self,
          gint64        head)
{
  if (head <= self->head)
    return;

  self->head = head;
  /* The head is at least this old when first seen ahead of the cache. */
  if (self->behind_since == 0 && wg_sync_client_get_lag_events (self) > 0)
    self->behind_since = wg_clock_get_now_ms (self->clock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEAD]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAG_EVENTS]);
}

static void
notify_queued (WgSyncClient *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUED]);
}

static gboolean
cancelled (GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A writer's job answers: the main connection follows the head it
 * committed, and the views hear of what changed.  Called for every job in
 * order, whatever became of the connection meanwhile: what was committed
 * is in the cache. */
static void
take_batch (WgSyncClient *self,
            WgCacheBatch *batch)
{
  wg_store_follow_head (self->cache, batch->head);
  if (batch->changes == NULL)
    return;

  if (wg_sync_client_get_lag_events (self) == 0)
    self->behind_since = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLIED]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAG_EVENTS]);
  g_signal_emit (self, signals[CHANGES_APPLIED], 0, batch->changes);
  g_signal_emit (self, signals[EVENTS_APPLIED], 0, wg_change_set_get_events (batch->changes));
}

/* Who a writer's job answers, and whether its connection is still the
 * current one. */
typedef struct
{
  WgSyncClient *self;
  guint         epoch;
  gboolean      ahead;  /* a stream asked from the early snapshot's head */
} JobOwner;

static JobOwner *
job_owner_new (WgSyncClient *self)
{
  JobOwner *owner = g_new0 (JobOwner, 1);

  owner->self = g_object_ref (self);
  owner->epoch = self->epoch;
  return owner;
}

static void
job_owner_free (JobOwner *owner)
{
  g_object_unref (owner->self);
  g_free (owner);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JobOwner, job_owner_free)

static gboolean
job_current (JobOwner *owner)
{
  return owner->self->running && owner->epoch == owner->self->epoch;
}

static void
close_stream (WgSyncClient *self)
{
  /* A stream ahead of the cache that is still on its way is not wanted
   * either (stream_opened_cb). */
  g_clear_pointer (&self->stream_journal, g_free);
  self->live_waiting = FALSE;
  if (self->stream == NULL)
    return;

  g_signal_handlers_disconnect_by_data (self->stream, self);
  if (soup_websocket_connection_get_state (self->stream) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->stream, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->stream);
}

static void
cancel_page (WgSyncClient *self)
{
  if (self->page_cancellable != NULL)
    g_cancellable_cancel (self->page_cancellable);
  g_clear_object (&self->page_cancellable);
}

static void
cancel_backfill (WgSyncClient *self)
{
  if (self->backfill_cancellable == NULL)
    return;
  g_cancellable_cancel (self->backfill_cancellable);
  g_clear_object (&self->backfill_cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKFILLING]);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  WgSyncClient *self = user_data;

  self->reconnect_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
forget_early_snapshot (WgSyncClient *self)
{
  self->snapshot_early = FALSE;
  g_clear_pointer (&self->early_snapshot, wg_cache_snapshot_free);
  g_clear_pointer (&self->snapshot_journal, g_free);
}

static void
schedule_reconnect (WgSyncClient *self,
                    gint64        retry_after_ms)
{
  gint64 delay;

  close_stream (self);
  cancel_page (self);
  cancel_backfill (self);
  g_clear_handle_id (&self->apply_id, g_source_remove);
  g_ptr_array_set_size (self->pending, 0);
  self->snapshot_unstored = FALSE;
  forget_early_snapshot (self);
  self->epoch++;
  if (!self->running || self->reconnect_id != 0)
    return;

  if (self->state != WG_SYNC_LOGIN_REQUIRED && self->state != WG_SYNC_OUT_OF_STEP)
    set_state (self, WG_SYNC_OFFLINE);
  else
    return;

  delay = wg_backoff_next_delay_ms (&self->reconnect_backoff, retry_after_ms);
  g_debug ("reconnecting in %" G_GINT64_FORMAT " ms", delay);
  self->reconnect_id = g_timeout_add (MAX (delay, 1), reconnect_cb, self);
}

static void
fail_connection (WgSyncClient *self,
                 GError       *error,
                 WgProblem    *problem)
{
  if (cancelled (error))
    return;

  if (g_error_matches (error, WG_API_ERROR, WG_API_ERROR_UNAUTHORIZED))
    set_state (self, WG_SYNC_LOGIN_REQUIRED);
  else if (problem != NULL && g_strcmp0 (problem->code, "seq-beyond-head") == 0)
    set_state (self, WG_SYNC_OUT_OF_STEP);

  g_debug ("connection failed: %s", error != NULL ? error->message : "closed");
  schedule_reconnect (self, problem != NULL ? problem->retry_after_ms : 0);
}

static void
send_ack (WgSyncClient *self,
          gboolean      force)
{
  gint64 now = g_get_monotonic_time () / 1000;
  gint64 head = wg_store_head (self->cache);
  g_autofree char *text = NULL;

  if (self->stream == NULL || head <= self->acked)
    return;
  if (!force && now - self->last_ack_ms < ACK_INTERVAL_MS)
    return;
  if (soup_websocket_connection_get_state (self->stream) != SOUP_WEBSOCKET_STATE_OPEN)
    return;

  text = g_strdup_printf ("{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}", head);
  soup_websocket_connection_send_text (self->stream, text);
  self->acked = head;
  self->last_ack_ms = now;
}

/* What a stream batch and a journal page share once the writer is done:
 * the change set to the main loop, then whether this job goes on.  A batch
 * the cache refused, or a gap in a whole-journal view, starts over from the
 * cache's head (pulled through HTTP, then a new subscription) rather than
 * skip anything. */
static gboolean
batch_applied (WgSyncClient  *self,
               JobOwner      *owner,
               WgCacheBatch  *batch,
               const GError  *error,
               const char    *what)
{
  if (batch != NULL)
    take_batch (self, batch);
  if (!job_current (owner))
    return FALSE;
  if (batch == NULL)
    g_warning ("Could not apply %s to the local copy: %s", what, error->message);
  if (batch == NULL || batch->gap)
    {
      schedule_reconnect (self, 0);
      return FALSE;
    }
  return TRUE;
}

static gboolean apply_pending_cb (gpointer user_data);
static void fetch_ended (WgSyncClient *self);

static void
stream_applied_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(JobOwner) owner = user_data;
  WgSyncClient *self = owner->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgCacheBatch) batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);

  self->applying = FALSE;
  if (!batch_applied (self, owner, batch, error, "the stream's events"))
    return;
  send_ack (self, FALSE);
  /* What came meanwhile, as the next batch. */
  if (self->pending->len > 0 && self->apply_id == 0)
    self->apply_id = g_idle_add_full (G_PRIORITY_DEFAULT, apply_pending_cb, self, NULL);
}

static gboolean
apply_pending_cb (gpointer user_data)
{
  WgSyncClient *self = user_data;
  g_autoptr(GPtrArray) batch = NULL;

  self->apply_id = 0;
  /* One batch with the writer at a time: the next one gathers meanwhile.
   * A stream ahead of the cache waits for the snapshot it goes on from:
   * the writer gets its events after it (and only once it has checked
   * the snapshot's journal). */
  if (self->applying || self->pending->len == 0 || self->snapshot_unstored)
    return G_SOURCE_REMOVE;
  batch = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  self->applying = TRUE;
  wg_cache_writer_apply_events (self->writer, batch, stream_applied_cb, job_owner_new (self));
  return G_SOURCE_REMOVE;
}

static void
go_live (WgSyncClient *self)
{
  wg_backoff_reset (&self->reconnect_backoff);
  set_state (self, WG_SYNC_ONLINE);
  kick_sender (self);
  /* The day's ended incidents, when a lost connection left them. */
  fetch_ended (self);
  maybe_start_backfill (self);
}

static void
stream_message_cb (SoupWebsocketConnection *stream,
                   int                      type,
                   GBytes                  *message,
                   WgSyncClient            *self)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  const char *kind;

  if (type != SOUP_WEBSOCKET_DATA_TEXT
      || !json_parser_load_from_data (parser, g_bytes_get_data (message, NULL),
                                      g_bytes_get_size (message), &error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_warning ("The server sent a malformed stream message; reconnecting");
      schedule_reconnect (self, 0);
      return;
    }

  object = json_node_get_object (json_parser_get_root (parser));
  kind = json_object_get_string_member_with_default (object, "type", "");
  if (json_object_has_member (object, "head"))
    set_head (self, json_object_get_int_member (object, "head"));

  if (g_str_equal (kind, "hello"))
    {
      const char *journal_id = json_object_get_string_member_with_default (object, "journal_id", NULL);
      const char *expected = self->stream_journal != NULL ? self->stream_journal
                                                          : wg_store_get_journal_id (self->cache);

      /* The journal changed between the health check (or the snapshot)
       * and the stream: the next health check resets the cache. */
      if (journal_id != NULL && g_strcmp0 (journal_id, expected) != 0)
        {
          g_debug ("the stream serves journal %s, expected %s", journal_id, expected);
          /* Asked with the health check: its answer empties the cache. */
          if (self->stream_early)
            {
              drop_early_stream (self);
              return;
            }
          schedule_reconnect (self, 0);
          return;
        }
      if (json_object_has_member (object, "server_time"))
        {
          gint64 server_time = json_object_get_int_member (object, "server_time");
          gint64 now = wg_wall_time_ms ();

          /* No round trip is known here: only the health check sets the
           * offset precisely; this keeps a console that never had one close. */
          if (wg_clock_get_offset_ms (self->clock) == 0)
            wg_clock_set_offset_ms (self->clock, server_time - now);
        }
    }
  else if (g_str_equal (kind, "event"))
    {
      JsonNode *node = json_object_get_member (object, "event");

      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          g_warning ("The server sent a stream message without its event");
          schedule_reconnect (self, 0);
          return;
        }
      /* Decoded with the rest of its batch by the writer. */
      g_ptr_array_add (self->pending, json_node_ref (node));
      /* Apply a burst in one transaction, once the main loop is free. */
      if (self->apply_id == 0)
        self->apply_id = g_idle_add_full (G_PRIORITY_DEFAULT, apply_pending_cb, self, NULL);
    }
  else if (g_str_equal (kind, "live"))
    {
      /* Live once the snapshot the stream goes on from is stored too. */
      if (self->snapshot_unstored)
        self->live_waiting = TRUE;
      else
        go_live (self);
    }
  else if (g_str_equal (kind, "positions"))
    {
      JsonNode *positions = json_object_get_member (object, "positions");

      if (positions != NULL && JSON_NODE_HOLDS_ARRAY (positions))
        g_signal_emit (self, signals[POSITIONS_RECEIVED], 0, json_node_get_array (positions));
    }
}

static void
stream_closed_cb (SoupWebsocketConnection *stream,
                  WgSyncClient            *self)
{
  gushort code = soup_websocket_connection_get_close_code (stream);

  g_debug ("stream closed with %u", code);
  /* A slow-consumer close (4008) means: pull the gap, resubscribe, which is
   * what every reconnect does anyway. */
  if (code == CLOSE_SLOW_CONSUMER)
    wg_backoff_reset (&self->reconnect_backoff);
  schedule_reconnect (self, 0);
}

static void
stream_error_cb (SoupWebsocketConnection *stream,
                 GError                  *error,
                 WgSyncClient            *self)
{
  g_debug ("stream error: %s", error->message);
}

static void
stream_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(JobOwner) owner = user_data;
  WgSyncClient *self = owner->self;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *stream;

  stream = wg_api_client_stream_finish (WG_API_CLIENT (source), result, &error);
  /* The connection it was asked for is gone (a reconnect, the health
   * check's answer choosing pages instead), or the snapshot whose head it
   * goes on from. */
  if (!job_current (owner) || (owner->ahead && self->stream_journal == NULL))
    {
      if (stream != NULL && soup_websocket_connection_get_state (stream) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (stream, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&stream);
      return;
    }
  if (stream == NULL)
    {
      /* Asked before the health check answered: its answer decides
       * (another journal, a cache ahead of the server, a login). */
      if (self->stream_early)
        {
          g_debug ("the early stream was refused: %s", error->message);
          self->stream_early = FALSE;
          return;
        }
      fail_connection (self, error, NULL);
      return;
    }

  g_debug ("stream open");
  self->stream = stream;
  g_signal_connect (stream, "message", G_CALLBACK (stream_message_cb), self);
  g_signal_connect (stream, "closed", G_CALLBACK (stream_closed_cb), self);
  g_signal_connect (stream, "error", G_CALLBACK (stream_error_cb), self);
}

static void backfill_page (WgSyncClient *self,
                           gint64        after);

/* One back-fill page, decoded and stored off the main loop: the worker
 * has its own connection to the cache (SQLite's WAL lets the main thread
 * read and apply the stream meanwhile); it writes only journal rows below
 * the snapshot's head and the back-fill mark, which nothing else writes. */
typedef struct
{
  GBytes   *page;          /* the answer, parsed on the worker */
  gint64    snapshot_head;
  gint64    oldest;        /* events before this ts are left out */
} BackfillJob;

static void
backfill_job_free (BackfillJob *job)
{
  g_bytes_unref (job->page);
  g_free (job);
}

/* One task at a time (the marks are read, then each page is asked for
 * when the one before is stored): the connection is never used by two
 * threads at once. */
static gboolean
backfill_open (WgSyncClient  *self,
               GError       **error)
{
  if (self->backfill_store == NULL)
    self->backfill_store = wg_store_open (wg_store_get_path (self->cache), error);
  return self->backfill_store != NULL;
}

static void
backfill_store_page (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  WgSyncClient *self = source;
  BackfillJob *job = task_data;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  GError *error = NULL;
  JsonObject *object;
  JsonNode *member;
  JsonArray *array;
  gint64 through;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (job->page, NULL), g_bytes_get_size (job->page),
                                   &error))
    {
      g_task_return_error (task, error);
      return;
    }
  object = JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser))
           ? json_node_get_object (json_parser_get_root (parser)) : NULL;
  member = object != NULL ? json_object_get_member (object, "events") : NULL;
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member) || !json_object_has_member (object, "head"))
    {
      g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_INVALID_RESPONSE,
                               "The server's journal page has no events or head");
      return;
    }
  array = json_node_get_array (member);
  through = MIN (json_object_get_int_member (object, "head"), job->snapshot_head);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      WgEvent *event = wg_event_from_json (json_array_get_element (array, i), &error);

      if (event == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
      if (event->ts >= job->oldest)
        g_ptr_array_add (events, event);
      else
        wg_event_unref (event);
    }

  if (!backfill_open (self, &error) ||
      !wg_store_backfill_events (self->backfill_store, events, through, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_int (task, through);
}

static void
backfill_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  WgSyncClient *self = WG_SYNC_CLIENT (source);
  g_autoptr(GError) error = NULL;
  gint64 through = g_task_propagate_int (G_TASK (result), &error);

  if (error != NULL)
    {
      if (!cancelled (error))
        {
          g_warning ("Could not store older events in the local copy: %s", error->message);
          cancel_backfill (self);
        }
      return;
    }
  if (g_task_get_cancellable (G_TASK (result)) != self->backfill_cancellable)
    return;
  if (through >= self->backfill_head)
    {
      g_debug ("back-fill done at %" G_GINT64_FORMAT, through);
      g_clear_object (&self->backfill_cancellable);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKFILLING]);
      return;
    }
  backfill_page (self, through);
}

static void
backfill_pulled_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(WgSyncClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GTask) task = NULL;
  BackfillJob *job;

  answer = wg_api_client_get_bytes_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (answer == NULL)
    {
      /* The connection's own failure handling reconnects; back-fill goes on
       * from where it was once the stream is back. */
      if (!cancelled (error))
        {
          g_debug ("back-fill page: %s", error->message);
          cancel_backfill (self);
        }
      return;
    }

  job = g_new0 (BackfillJob, 1);
  job->page = g_steal_pointer (&answer);
  job->snapshot_head = self->backfill_head;
  job->oldest = self->backfill_days > 0
                ? wg_clock_get_now_ms (self->clock) - (gint64) self->backfill_days * 24 * 3600 * 1000
                : G_MININT64;
  task = g_task_new (self, self->backfill_cancellable, backfill_stored_cb, NULL);
  g_task_set_source_tag (task, backfill_pulled_cb);
  g_task_set_task_data (task, job, (GDestroyNotify) backfill_job_free);
  g_task_run_in_thread (task, backfill_store_page);
}

static void
backfill_page (WgSyncClient *self,
               gint64        after)
{
  g_autofree char *path = g_strdup_printf ("%s/journal?after=%" G_GINT64_FORMAT "&limit=%d", self->base_path,
                                           after, BACKFILL_PAGE_SIZE);

  wg_api_client_get_bytes_async (self->api, path, self->backfill_cancellable,
                                 backfill_pulled_cb, g_object_ref (self));
}

/* Where back-fill stands, read on its worker: the snapshot's head and
 * the mark below it. */
typedef struct
{
  gint64 snapshot_head;
  gint64 after;
  gint64 ended_head;   /* the snapshot's ended incidents still to be asked */
} BackfillMarks;

static void
backfill_read_marks (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  WgSyncClient *self = source;
  BackfillMarks *marks = task_data;
  GError *error = NULL;

  if (!backfill_open (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  marks->snapshot_head = wg_store_get_snapshot_head (self->backfill_store);
  marks->after = wg_store_get_backfill_after (self->backfill_store);
  marks->ended_head = wg_store_get_ended_head (self->backfill_store);
  g_task_return_boolean (task, TRUE);
}

static void
backfill_marks_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  WgSyncClient *self = WG_SYNC_CLIENT (source);
  BackfillMarks *marks = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!cancelled (error))
        {
          g_warning ("Could not read how far the local copy reaches back: %s", error->message);
          cancel_backfill (self);
        }
      return;
    }
  if (g_task_get_cancellable (G_TASK (result)) != self->backfill_cancellable)
    return;
  /* A start before this one left the day's ended incidents unasked:
   * they come first, then back-fill (ended_over()). */
  if (marks->ended_head > 0 && self->ended_head == 0 && marks->ended_head != self->ended_settled)
    {
      self->ended_head = marks->ended_head;
      g_clear_object (&self->backfill_cancellable);
      fetch_ended (self);
      return;
    }
  if (marks->after >= marks->snapshot_head)
    {
      g_clear_object (&self->backfill_cancellable);
      return;
    }
  self->backfill_head = marks->snapshot_head;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKFILLING]);
  backfill_page (self, marks->after);
}

/* Once live: the journal below the snapshot's head, if not all there yet
 * (the marks are read off the main loop first). */
static void
maybe_start_backfill (WgSyncClient *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->backfill_cancellable != NULL || self->ended_head > 0)
    return;
  self->backfill_cancellable = g_cancellable_new ();
  task = g_task_new (self, self->backfill_cancellable, backfill_marks_cb, NULL);
  g_task_set_source_tag (task, maybe_start_backfill);
  g_task_set_task_data (task, g_new0 (BackfillMarks, 1), g_free);
  g_task_run_in_thread (task, backfill_read_marks);
}

static void
open_stream_after (WgSyncClient *self,
                   gint64        after,
                   gboolean      ahead)
{
  g_autofree char *path = g_strdup_printf ("%s/stream?after=%" G_GINT64_FORMAT, self->base_path, after);
  JobOwner *owner = job_owner_new (self);

  owner->ahead = ahead;
  self->acked = after;
  wg_api_client_stream_async (self->api, path, self->cancellable, stream_opened_cb, owner);
}

static void
open_stream (WgSyncClient *self)
{
  open_stream_after (self, wg_store_head (self->cache), FALSE);
}

static void pull_page (WgSyncClient *self,
                       gint64        after);

static void
page_applied_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(JobOwner) owner = user_data;
  WgSyncClient *self = owner->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgCacheBatch) batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);

  if (batch != NULL && job_current (owner))
    set_head (self, batch->server_head);
  if (!batch_applied (self, owner, batch, error, "the server's journal page"))
    return;
  /* More pages: the next one was asked for when this one was parsed. */
  if (!batch->more)
    open_stream (self);
}

/* Ask for the next page while the writer stores this one; a page that
 * cannot be applied reconnects, which cancels it. */
static void
page_parsed_cb (gboolean more,
                gint64   last_seq,
                gpointer user_data)
{
  JobOwner *owner = user_data;

  /* A filtered view's page may end above the cache's head. */
  if (more && job_current (owner))
    pull_page (owner->self, MAX (wg_store_head (owner->self->cache), last_seq));
}

static void
page_pulled_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WgSyncClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(GBytes) page = NULL;

  page = wg_api_client_get_bytes_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (page == NULL)
    {
      fail_connection (self, error, problem);
      return;
    }
  wg_cache_writer_apply_page (self->writer, page, page_parsed_cb, job_owner_new (self),
                              (GDestroyNotify) job_owner_free, page_applied_cb, job_owner_new (self));
}

static void
pull_page (WgSyncClient *self,
           gint64        after)
{
  g_autofree char *path = g_strdup_printf ("%s/journal?after=%" G_GINT64_FORMAT "&limit=%d", self->base_path,
                                           after, PAGE_SIZE);

  g_clear_object (&self->page_cancellable);
  self->page_cancellable = g_cancellable_new ();
  wg_api_client_get_bytes_async (self->api, path, self->page_cancellable, page_pulled_cb,
                                 g_object_ref (self));
}

/* One GET /snapshot/ended on its way: the head it was asked at. */
typedef struct
{
  WgSyncClient *self;
  gint64        head;
  char         *journal_id; /* the cache's then */
} EndedRequest;

static void
ended_request_free (EndedRequest *request)
{
  g_object_unref (request->self);
  g_free (request->journal_id);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EndedRequest, ended_request_free)

/* The request at @head is over.  @settled: stored, or given up (the
 * answer refused or unreadable); otherwise (the server not reached, the
 * client stopped) it is asked again at the next "live", or now when a
 * stop cancelled it and the client runs again.  Back-fill goes on once
 * they are settled (started before "backfilling" is heard to change, so
 * that it stays true throughout). */
static void
ended_over (WgSyncClient *self,
            gint64        head,
            gboolean      settled,
            gboolean      was_cancelled)
{
  self->ended_asked = FALSE;
  /* A request for an earlier head (another journal since) settles nothing. */
  if (head != self->ended_head)
    return;
  if (!settled)
    {
      if (was_cancelled && self->state == WG_SYNC_ONLINE)
        fetch_ended (self);
      return;
    }
  self->ended_head = 0;
  /* Given up, the cache still names them: not asked again meanwhile. */
  self->ended_settled = head;
  if (self->state == WG_SYNC_ONLINE)
    maybe_start_backfill (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKFILLING]);
}

static void
ended_applied_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(EndedRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgCacheBatch) batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);

  if (batch != NULL)
    take_batch (request->self, batch);
  else
    g_warning ("Could not store the day's ended incidents: %s", error->message);
  g_debug ("the ended incidents at %" G_GINT64_FORMAT " stored", request->head);
  ended_over (request->self, request->head, TRUE, FALSE);
}

static void
ended_decoded_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(EndedRequest) request = user_data;
  g_autoptr(GError) error = NULL;
  WgCacheSnapshot *ended = wg_cache_snapshot_decode_finish (result, &error);
  g_autofree char *journal_id = NULL;
  WgCacheWriter *writer;

  if (ended == NULL)
    {
      if (!cancelled (error))
        g_warning ("Could not read the day's ended incidents: %s", error->message);
      ended_over (request->self, request->head, !cancelled (error), cancelled (error));
      return;
    }
  /* Behind what the writer has from the stream: it sorts them out. */
  writer = request->self->writer;
  journal_id = g_strdup (request->journal_id);
  wg_cache_writer_apply_ended (writer, ended, journal_id, ended_applied_cb, g_steal_pointer (&request));
}

static void
ended_answered_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(EndedRequest) request = user_data;
  WgSyncClient *self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(GBytes) answer = wg_api_client_get_bytes_finish (WG_API_CLIENT (source), result, &problem, &error);

  if (answer == NULL)
    {
      /* Refused (a head beyond another journal's, met before the health
       * check says so): not asked again.  Not reached, or the token gone
       * stale: asked at the next connection's "live". */
      gboolean refused = error == NULL && problem != NULL && problem->status != 401;

      g_debug ("the ended incidents at %" G_GINT64_FORMAT " were not fetched: %s", request->head,
               error != NULL ? error->message : problem != NULL && problem->detail != NULL ? problem->detail : "refused");
      ended_over (self, request->head, refused, error != NULL && cancelled (error));
      return;
    }
  /* Parsed and decoded off the main loop and off the writer, which goes
   * on with the stream meanwhile. */
  wg_cache_snapshot_decode_async (answer, self, self->cancellable, ended_decoded_cb, g_steal_pointer (&request));
}

/* The snapshot came without the incidents ended in the last day: they
 * are asked at its head (ended_head) while the client goes online on the
 * open ones; back-fill waits until they are stored. */
static void
fetch_ended (WgSyncClient *self)
{
  g_autofree char *path = NULL;
  EndedRequest *request;

  if (self->ended_head <= 0 || self->ended_asked || self->cancellable == NULL)
    return;
  path = g_strdup_printf ("%s/snapshot/ended?head=%" G_GINT64_FORMAT, self->base_path, self->ended_head);
  request = g_new0 (EndedRequest, 1);
  request->self = g_object_ref (self);
  request->head = self->ended_head;
  request->journal_id = g_strdup (wg_store_get_journal_id (self->cache));
  self->ended_asked = TRUE;
  wg_api_client_get_bytes_async (self->api, path, self->cancellable, ended_answered_cb, request);
}

static void
snapshot_applied_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(JobOwner) owner = user_data;
  WgSyncClient *self = owner->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgCacheBatch) batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);

  if (batch != NULL && !batch->other_journal)
    {
      set_head (self, batch->server_head);
      take_batch (self, batch);
      /* The units' last positions, as the stream will go on sending them. */
      if (json_array_get_length (batch->positions) > 0)
        g_signal_emit (self, signals[POSITIONS_RECEIVED], 0, batch->positions);
    }
  if (!job_current (owner))
    return;
  if (batch == NULL)
    {
      g_warning ("Could not start the local copy from the server's snapshot: %s", error->message);
      schedule_reconnect (self, 0);
      return;
    }
  /* Another journal since the health check: start again. */
  if (batch->other_journal)
    {
      schedule_reconnect (self, 0);
      return;
    }
  g_debug ("snapshot applied at %" G_GINT64_FORMAT, batch->server_head);
  if (batch->ended_apart)
    {
      self->ended_head = batch->server_head;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BACKFILLING]);
      fetch_ended (self);
    }
  /* The stream's events that waited for it follow it to the writer. */
  self->snapshot_unstored = FALSE;
  if (self->pending->len > 0 && self->apply_id == 0)
    self->apply_id = g_idle_add_full (G_PRIORITY_DEFAULT, apply_pending_cb, self, NULL);
  /* Asked from its head already (it may have said "live"), or now. */
  if (self->stream_journal == NULL)
    open_stream (self);
  else if (self->live_waiting)
    {
      self->live_waiting = FALSE;
      go_live (self);
    }
}

static void
snapshot_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WgSyncClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(GBytes) snapshot = NULL;

  snapshot = wg_api_client_get_bytes_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (snapshot == NULL)
    {
      fail_connection (self, error, problem);
      return;
    }
  wg_cache_writer_apply_snapshot (self->writer, snapshot, wg_store_get_journal_id (self->cache),
                                  snapshot_applied_cb, job_owner_new (self));
}

/* A cold start's snapshot, asked with the health check, goes to the
 * writer as soon as the health check has named the journal: behind the
 * reset that check asked for (the writer keeps the order), without a turn
 * of the main loop between them. */
static void
apply_early_snapshot (WgSyncClient *self)
{
  if (self->snapshot_journal == NULL || self->early_snapshot == NULL)
    return;
  wg_cache_writer_apply_decoded_snapshot (self->writer, g_steal_pointer (&self->early_snapshot),
                                          self->snapshot_journal, snapshot_applied_cb, job_owner_new (self));
}

/* The early snapshot decoded: the stream is asked from its head at once,
 * as a warm start's is with the health check, rather than once the
 * snapshot is stored (a round trip then on the way to "live").  Its hello
 * must name the snapshot's journal; its events and "live" wait for the
 * snapshot (snapshot_unstored). */
static void
open_stream_ahead (WgSyncClient *self)
{
  WgCacheSnapshot *snapshot = self->early_snapshot;

  if (snapshot == NULL || snapshot->head <= 0 || snapshot->journal_id == NULL
      || self->stream != NULL || self->stream_journal != NULL)
    return;
  self->stream_journal = g_strdup (snapshot->journal_id);
  self->snapshot_unstored = TRUE;
  open_stream_after (self, snapshot->head, TRUE);
}

/* The early snapshot is not stored after all (the health check found the
 * journal empty): the stream ahead of the cache goes, with what it
 * brought. */
static void
drop_stream_ahead (WgSyncClient *self)
{
  if (!self->snapshot_unstored)
    return;
  self->snapshot_unstored = FALSE;
  close_stream (self);
  g_clear_handle_id (&self->apply_id, g_source_remove);
  g_ptr_array_set_size (self->pending, 0);
}

/* The early snapshot, parsed on a thread (WgSnapshotFetch). */
static void
early_snapshot_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(JobOwner) owner = user_data;
  WgSyncClient *self = owner->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(WgCacheSnapshot) snapshot = wg_snapshot_fetch_wait_finish (WG_SNAPSHOT_FETCH (source), result,
                                                                       &problem, &error);

  if (!job_current (owner) || !self->snapshot_early)
    return;
  if (snapshot == NULL)
    {
      gboolean awaited = self->snapshot_journal != NULL;

      /* Before the health check's answer: catch_up() asks again. */
      forget_early_snapshot (self);
      if (awaited)
        fail_connection (self, error, problem);
      return;
    }
  self->early_snapshot = g_steal_pointer (&snapshot);
  open_stream_ahead (self);
  apply_early_snapshot (self);
}

/* The health check named @journal_id at @head: an early snapshot goes on
 * to the writer, or is not wanted. */
static void
early_snapshot_journal (WgSyncClient *self,
                        const char   *journal_id,
                        gint64        head)
{
  if (!self->snapshot_early)
    return;
  if (head <= 0 || journal_id == NULL)
    {
      forget_early_snapshot (self);
      drop_stream_ahead (self);
      return;
    }
  g_free (self->snapshot_journal);
  self->snapshot_journal = g_strdup (journal_id);
  apply_early_snapshot (self);
}

/* A cache this close behind the server catches up on the stream itself
 * (the server's catch-up, paged, before its "live"). */
static gboolean
stream_catches_up (WgSyncClient *self)
{
  return wg_store_head (self->cache) > 0 && self->head >= wg_store_head (self->cache)
         && self->head - wg_store_head (self->cache) <= STREAM_CATCH_UP_MAX;
}

/* The health check's answer does not want the stream asked with it: it
 * goes, with what it brought that the writer does not have yet. */
static void
drop_early_stream (WgSyncClient *self)
{
  if (!self->stream_early)
    return;
  self->stream_early = FALSE;
  close_stream (self);
  g_clear_handle_id (&self->apply_id, g_source_remove);
  g_ptr_array_set_size (self->pending, 0);
  self->epoch++;
}

/* Connected and the cache holds the server's journal: catch up. */
static void
catch_up (WgSyncClient *self)
{
  set_state (self, WG_SYNC_CATCHING_UP);
  kick_sender (self);
  /* An empty cache: the current state first, the history after. */
  if (wg_store_head (self->cache) == 0 && self->head > 0)
    {
      /* Asked with the health check: with the writer, or on its way to it. */
      if (self->snapshot_early)
        return;
      g_clear_object (&self->page_cancellable);
      self->page_cancellable = g_cancellable_new ();
      g_autofree char *path = g_strconcat (self->base_path, WG_SNAPSHOT_OPEN_PART, NULL);

      wg_api_client_get_bytes_async (self->api, path, self->page_cancellable,
                                     snapshot_cb, g_object_ref (self));
      return;
    }
  /* The few events since come in the stream's own catch-up (paged by the
   * server, in order, before its "live").  A cache ahead of the server
   * (restored from a backup) asks for a page, whose refusal says so. */
  if (stream_catches_up (self))
    {
      open_stream (self);
      return;
    }
  pull_page (self, wg_store_head (self->cache));
}

static void
reset_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(JobOwner) owner = user_data;
  WgSyncClient *self = owner->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgCacheBatch) batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);
  gboolean had_events = wg_store_head (self->cache) > 0;

  if (batch == NULL)
    {
      /* The cache stays as it was; the connection is tried again. */
      g_warning ("Could not empty the local copy for another journal: %s", error->message);
      if (job_current (owner))
        schedule_reconnect (self, 0);
      return;
    }
  /* The writer emptied the cache: the main connection follows without
   * reading it again. */
  wg_store_follow_reset (self->cache, self->reset_journal_id);
  /* The head heard from the old journal means nothing for the new one. */
  self->head = 0;
  self->ended_head = 0;
  self->behind_since = 0;
  self->acked = 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEAD]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLIED]);
  if (had_events)
    {
      g_hash_table_remove_all (self->adopting);
      g_signal_emit (self, signals[CACHE_RESET], 0);
    }
  /* On from the health check that asked for the reset: it named this
   * journal and its head. */
  if (!job_current (owner))
    return;
  set_head (self, self->reset_head);
  health_answered (self);
}

static void take_health (WgSyncClient *self,
                         JsonNode     *answer,
                         gint64        received_ms);

static void
health_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(JobOwner) owner = user_data;
  WgSyncClient *self = owner->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;

  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  /* A reconnect since (the early stream closed or refused at once). */
  if (!job_current (owner))
    return;
  if (answer == NULL)
    {
      fail_connection (self, error, problem);
      return;
    }
  take_health (self, answer, wg_wall_time_ms ());
}

/* The health check's answer, received at @received_ms (wall clock). */
static void
take_health (WgSyncClient *self,
             JsonNode     *answer,
             gint64        received_ms)
{
  JsonObject *object;
  const char *journal_id;

  object = JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  journal_id = object != NULL ? json_object_get_string_member_with_default (object, "journal_id", NULL) : NULL;
  if (journal_id != NULL && g_strcmp0 (journal_id, wg_store_get_journal_id (self->cache)) != 0)
    {
      /* Another journal: the cache is emptied after whatever the writer
       * still has of the old one, and the connection starts again. */
      g_debug ("the server's journal is %s, the cache held %s: starting again", journal_id,
               wg_store_get_journal_id (self->cache));
      drop_early_stream (self);
      observe_health (self, object, received_ms);
      g_free (self->reset_journal_id);
      self->reset_journal_id = g_strdup (journal_id);
      self->reset_head = json_object_get_int_member_with_default (object, "head", 0);
      wg_cache_writer_reset (self->writer, journal_id, reset_done_cb, job_owner_new (self));
      early_snapshot_journal (self, journal_id, self->reset_head);
      return;
    }
  observe_health (self, object, received_ms);
  /* The same journal with fewer events than this cache holds (an older
   * copy of it restored): out of step, as protocol.md says, until the
   * cache is cleared.  Nothing is asked of a server that lacks them. */
  if (object != NULL && json_object_has_member (object, "head")
      && json_object_get_int_member (object, "head") < wg_store_head (self->cache))
    {
      g_debug ("the server's head %" G_GINT64_FORMAT " is behind the cache's %" G_GINT64_FORMAT,
               json_object_get_int_member (object, "head"), wg_store_head (self->cache));
      set_state (self, WG_SYNC_OUT_OF_STEP);
      schedule_reconnect (self, 0);
      return;
    }
  if (object != NULL && json_object_has_member (object, "head"))
    set_head (self, json_object_get_int_member (object, "head"));
  early_snapshot_journal (self, wg_store_get_journal_id (self->cache), self->head);
  health_answered (self);
}

/* The clock offset from the health check's answer. */
static void
observe_health (WgSyncClient *self,
                JsonObject   *object,
                gint64        received_ms)
{
  if (object != NULL && json_object_has_member (object, "server_time"))
    wg_clock_observe_server (self->clock, json_object_get_int_member (object, "server_time"),
                             self->health_sent_ms, received_ms);
  /* An exercise's record: its clock is exercise time (paused time left out). */
  else if (object != NULL && json_object_has_member (object, "clock"))
    wg_clock_observe_server (self->clock, json_object_get_int_member (object, "clock"),
                             self->health_sent_ms, received_ms);
}

/* The health check answered for the journal the cache holds: on. */
static void
health_answered (WgSyncClient *self)
{
  /* The login under way brings the token the journal needs. */
  if (self->awaiting_login)
    {
      self->health_done = TRUE;
      return;
    }
  if (self->stream_early && stream_catches_up (self))
    {
      /* The stream asked with the health check goes on; its "live" may
       * have come first. */
      self->stream_early = FALSE;
      if (self->state != WG_SYNC_ONLINE)
        set_state (self, WG_SYNC_CATCHING_UP);
      kick_sender (self);
      return;
    }
  drop_early_stream (self);
  catch_up (self);
}

static void
connect_now (WgSyncClient *self)
{
  /* An exercise's record has the health check's members: its journal id,
   * head and clock. */
  g_autofree char *path = g_str_equal (self->base_path, WG_SYNC_LIVE_BASE_PATH)
                          ? g_strdup ("/api/v1/health") : g_strdup (self->base_path);
  /* The first connection's snapshot and health check were asked at the
   * login's answer; a later one asks again. */
  g_autoptr(WgSnapshotFetch) fetch = g_steal_pointer (&self->snapshot_fetch);
  g_autoptr(JsonNode) early_health = NULL;
  gint64 early_received_ms = 0;

  if (!self->running)
    return;

  set_state (self, WG_SYNC_CONNECTING);
  self->health_done = FALSE;
  if (fetch != NULL && !self->awaiting_login)
    early_health = wg_snapshot_fetch_take_health (fetch, &self->health_sent_ms, &early_received_ms);
  if (early_health == NULL)
    {
      self->health_sent_ms = wg_wall_time_ms ();
      wg_api_client_request_async (self->api, "GET", path, NULL, self->cancellable,
                                   health_cb, job_owner_new (self));
    }
  /* A cache to resume from (a warm start on its token, a reconnect): the
   * stream's handshake goes with the health check instead of a round trip after it (each answer waits for
   * the main loop, busy with the window's first frames).  Its "hello"
   * names the journal before any event, and the health check's answer
   * still decides what follows. */
  self->stream_early = FALSE;
  if (!self->awaiting_login && self->stream == NULL && wg_store_head (self->cache) > 0)
    {
      self->stream_early = TRUE;
      open_stream (self);
    }
  /* An empty cache (a cold start): the snapshot goes with the health
   * check too.  It names its journal, checked when it is applied. */
  forget_early_snapshot (self);
  if (!self->awaiting_login && wg_store_head (self->cache) == 0
      && g_str_equal (self->base_path, WG_SYNC_LIVE_BASE_PATH))
    {
      if (fetch == NULL)
        fetch = wg_snapshot_fetch_new (self->api, self->base_path, FALSE, self->cancellable);
      self->snapshot_early = TRUE;
      /* In already: the stream is asked now, and with the health check
       * answered too the writer gets it now, ahead of the views' first
       * reads, without waiting for a turn of the main loop (the window is
       * built next). */
      self->early_snapshot = wg_snapshot_fetch_take_snapshot (fetch);
      if (self->early_snapshot != NULL)
        open_stream_ahead (self);
      else
        wg_snapshot_fetch_wait_async (fetch, early_snapshot_cb, job_owner_new (self));
    }
  if (early_health != NULL)
    take_health (self, early_health, early_received_ms);
}

/* The outbox. */

static gboolean
resend_cb (gpointer user_data)
{
  WgSyncClient *self = user_data;

  self->resend_id = 0;
  kick_sender (self);
  return G_SOURCE_REMOVE;
}

static JsonNode *
refusal_json (guint       status,
              const char *code,
              const char *title,
              const char *detail)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, title);
  json_builder_set_member_name (builder, "detail");
  json_builder_add_string_value (builder, detail);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* Kept for its user, like a rule's refusal. */
static void
settle_refusal_node (WgSyncClient *self,
                     const char   *id,
                     JsonNode     *refusal,
                     WgProblem    *problem)
{
  g_autoptr(GError) store_error = NULL;
  g_autofree char *answer_text = json_to_string (refusal, FALSE);

  if (!wg_outbox_settle (self->outbox, id, WG_OUTBOX_REFUSED, answer_text,
                         wg_clock_get_now_ms (self->clock), &store_error))
    g_warning ("Could not record a refused command: %s", store_error->message);
  g_signal_emit (self, signals[COMMAND_SETTLED], 0, id, FALSE, refusal, problem);
}

static void
settle_refused (WgSyncClient *self,
                const char   *id,
                WgProblem    *problem,
                const char   *message)
{
  g_autoptr(JsonNode) refusal = NULL;

  refusal = refusal_json (problem != NULL ? problem->status : 0,
                          problem != NULL && problem->code != NULL ? problem->code : "refused",
                          problem != NULL && problem->title != NULL ? problem->title : message,
                          problem != NULL ? problem->detail : NULL);
  settle_refusal_node (self, id, refusal, problem);
}

/* A retryable failure: kept queued, sent again after a backoff (or after
 * the next login). */
static void
retry_later (WgSyncClient  *self,
             WgOutboxEntry *entry,
             WgProblem     *problem,
             const GError  *error)
{
  g_autoptr(GError) store_error = NULL;
  gint64 delay;

  if (!wg_outbox_record_failure (self->outbox, entry->id, error->message, &store_error))
    g_warning ("Could not record a failed send: %s", store_error->message);
  if (g_error_matches (error, WG_API_ERROR, WG_API_ERROR_UNAUTHORIZED))
    {
      /* Keep it queued for this user's next login. */
      set_state (self, WG_SYNC_LOGIN_REQUIRED);
      close_stream (self);
      return;
    }
  delay = wg_backoff_next_delay_ms (&self->send_backoff, problem != NULL ? problem->retry_after_ms : 0);
  self->resend_id = g_timeout_add (MAX (delay, 1), resend_cb, self);
}

static void
command_sent_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WgSyncClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) store_error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(WgOutboxEntry) entry = NULL;
  g_autofree char *answer_text = NULL;

  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (answer == NULL && cancelled (error))
    return;
  entry = g_steal_pointer (&self->sending);

  if (answer != NULL)
    {
      answer_text = json_to_string (answer, FALSE);
      if (!wg_outbox_settle (self->outbox, entry->id, WG_OUTBOX_ACCEPTED, answer_text,
                             wg_clock_get_now_ms (self->clock), &store_error))
        g_warning ("Could not record an accepted command: %s", store_error->message);
      wg_backoff_reset (&self->send_backoff);
      g_signal_emit (self, signals[COMMAND_SETTLED], 0, entry->id, TRUE, answer, NULL);
    }
  else if (wg_api_error_is_retryable (error))
    {
      retry_later (self, entry, problem, error);
      return;
    }
  else
    settle_refused (self, entry->id, problem, error->message);

  notify_queued (self);
  kick_sender (self);
}

/* ---- uploads: an outbox entry of type WG_OUTBOX_UPLOAD_TYPE ------------ */

/* Calls @func on each queued command of this user whose `attachments`
 * lists @local_id. */
typedef void (*DependentFunc) (WgSyncClient  *self,
                               WgOutboxEntry *entry,
                               JsonNode      *body,
                               JsonArray     *attachments,
                               guint          index,
                               gpointer       data);

static void
foreach_dependent (WgSyncClient  *self,
                   const char    *local_id,
                   DependentFunc  func,
                   gpointer       data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) queued = wg_outbox_list (self->outbox, self->username, WG_OUTBOX_QUEUED, &error);

  if (queued == NULL)
    {
      g_warning ("Could not read the outbox: %s", error->message);
      return;
    }
  for (guint i = 0; i < queued->len; i++)
    {
      WgOutboxEntry *entry = g_ptr_array_index (queued, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root, *member;
      JsonArray *attachments;

      if (g_str_equal (entry->type, WG_OUTBOX_UPLOAD_TYPE) ||
          !json_parser_load_from_data (parser, entry->body, -1, NULL) ||
          !JSON_NODE_HOLDS_OBJECT ((root = json_parser_get_root (parser))))
        continue;
      member = json_object_get_member (json_node_get_object (root), "attachments");
      attachments = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;
      for (guint j = 0; attachments != NULL && j < json_array_get_length (attachments); j++)
        {
          JsonNode *element = json_array_get_element (attachments, j);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING &&
              g_str_equal (json_node_get_string (element), local_id))
            {
              func (self, entry, root, attachments, j, data);
              break;
            }
        }
    }
}

static void
substitute_cb (WgSyncClient  *self,
               WgOutboxEntry *entry,
               JsonNode      *body,
               JsonArray     *attachments,
               guint          index,
               gpointer       data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  json_node_set_string (json_array_get_element (attachments, index), data);
  text = json_to_string (body, FALSE);
  if (!wg_outbox_update_body (self->outbox, entry->id, text, &error))
    g_warning ("Could not put an upload's id into command %s: %s", entry->id, error->message);
}

static void
refuse_dependent_cb (WgSyncClient  *self,
                     WgOutboxEntry *entry,
                     JsonNode      *body,
                     JsonArray     *attachments,
                     guint          index,
                     gpointer       data)
{
  settle_refusal_node (self, entry->id, data, NULL);
}

static void
upload_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WgSyncClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) store_error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(WgAttachmentInfo) info = NULL;
  g_autoptr(WgOutboxEntry) entry = NULL;

  info = wg_api_client_upload_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (info == NULL && cancelled (error))
    return;
  entry = g_steal_pointer (&self->sending);

  if (info != NULL)
    {
      g_autoptr(JsonNode) answer = wg_attachment_info_to_json (info);
      g_autofree char *answer_text = json_to_string (answer, FALSE);
      g_autoptr(JsonParser) parser = json_parser_new ();

      /* The commands behind it carry the server's id from now on. */
      foreach_dependent (self, entry->id, substitute_cb, info->id);
      if (!wg_outbox_settle (self->outbox, entry->id, WG_OUTBOX_ACCEPTED, answer_text,
                             wg_clock_get_now_ms (self->clock), &store_error))
        g_warning ("Could not record an accepted upload: %s", store_error->message);
      /* The server has it: the local copy goes. */
      if (json_parser_load_from_data (parser, entry->body, -1, NULL) &&
          JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        {
          const char *file = json_object_get_string_member_with_default (
            json_node_get_object (json_parser_get_root (parser)), "path", NULL);

          if (file != NULL)
            g_unlink (file);
        }
      wg_backoff_reset (&self->send_backoff);
      g_signal_emit (self, signals[COMMAND_SETTLED], 0, entry->id, TRUE, answer, NULL);
    }
  else if (wg_api_error_is_retryable (error))
    {
      retry_later (self, entry, problem, error);
      return;
    }
  else
    {
      /* 413, 415, 422: the photo will never pass; neither will the
       * commands that need it. */
      g_autoptr(JsonNode) dependent = refusal_json (0, "upload-refused",
                                                    _("A photo of this command was refused"),
                                                    error->message);

      settle_refused (self, entry->id, problem, error->message);
      foreach_dependent (self, entry->id, refuse_dependent_cb, dependent);
    }

  notify_queued (self);
  kick_sender (self);
}

static void
send_upload (WgSyncClient  *self,
             WgOutboxEntry *entry)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *sha = NULL;
  JsonObject *body = NULL;
  const char *path = NULL, *expected = NULL;

  if (json_parser_load_from_data (parser, entry->body, -1, NULL) &&
      JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      body = json_node_get_object (json_parser_get_root (parser));
      path = json_object_get_string_member_with_default (body, "path", NULL);
      expected = json_object_get_string_member_with_default (body, "sha256", NULL);
    }
  if (path != NULL)
    mapped = g_mapped_file_new (path, FALSE, &error);
  if (mapped != NULL)
    {
      bytes = g_mapped_file_get_bytes (mapped);
      sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
    }
  if (bytes == NULL || g_strcmp0 (sha, expected) != 0)
    {
      /* Our own copy is gone or changed: it can never be sent. */
      g_autoptr(JsonNode) dependent = refusal_json (0, "upload-refused",
                                                    _("A photo of this command was refused"),
                                                    _("The queued copy of the photo is missing or damaged"));
      g_autoptr(JsonNode) refusal = refusal_json (0, "upload-missing",
                                                  _("The queued copy of the photo is missing or damaged"),
                                                  error != NULL ? error->message : NULL);

      settle_refusal_node (self, entry->id, refusal, NULL);
      foreach_dependent (self, entry->id, refuse_dependent_cb, dependent);
      wg_outbox_entry_free (entry);
      notify_queued (self);
      return;
    }

  self->sending = entry;
  wg_api_client_upload_async (self->api, bytes,
                              json_object_get_string_member_with_default (body, "media_type", NULL),
                              self->cancellable, upload_sent_cb, g_object_ref (self));
}

static void
kick_sender (WgSyncClient *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) envelope = NULL;
  g_autofree char *path = NULL;
  WgOutboxEntry *entry;

  if (!self->running || self->sending != NULL || self->resend_id != 0)
    return;
  if (self->state != WG_SYNC_CATCHING_UP && self->state != WG_SYNC_ONLINE)
    return;

  entry = wg_outbox_next (self->outbox, self->username, &error);
  if (entry == NULL)
    {
      if (error != NULL)
        g_warning ("Could not read the outbox: %s", error->message);
      return;
    }
  if (g_str_equal (entry->type, WG_OUTBOX_UPLOAD_TYPE))
    {
      send_upload (self, entry);
      /* A copy found missing was settled at once: the next one. */
      if (self->sending == NULL)
        kick_sender (self);
      return;
    }

  if (!json_parser_load_from_data (parser, entry->body, -1, &error))
    {
      /* Our own file, written by us: a broken body can never be sent. */
      g_warning ("A queued command has a broken body: %s", error->message);
      wg_outbox_settle (self->outbox, entry->id, WG_OUTBOX_REFUSED,
                        "{\"code\":\"invalid-command\"}", wg_clock_get_now_ms (self->clock), NULL);
      wg_outbox_entry_free (entry);
      return;
    }

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, entry->id);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, entry->type);
  json_builder_set_member_name (builder, "body");
  json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  json_builder_end_object (builder);
  envelope = json_builder_get_root (builder);

  self->sending = entry;
  path = g_strconcat (self->base_path, "/commands", NULL);
  wg_api_client_request_async (self->api, "POST", path, envelope, self->cancellable,
                               command_sent_cb, g_object_ref (self));
}

/**
 * wg_sync_client_send:
 * @body: the command's body
 *
 * Queues a command: it is on disk when this returns, and goes to the server
 * as soon as it can, retried with the same id until answered.
 *
 * Returns: (transfer full): the command's id
 */
char *
wg_sync_client_send (WgSyncClient  *self,
                     const char    *type,
                     JsonNode      *body,
                     GError       **error)
{
  g_autofree char *id = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (type != NULL && body != NULL, NULL);

  id = g_uuid_string_random ();
  text = json_to_string (body, FALSE);
  if (!wg_outbox_enqueue (self->outbox, self->username, id, type, text,
                          wg_clock_get_now_ms (self->clock), error))
    return NULL;

  notify_queued (self);
  kick_sender (self);
  return g_steal_pointer (&id);
}

/**
 * wg_sync_client_set_upload_dir:
 *
 * Where queued photos are copied (the console's cache directory for this
 * server and user).  Default: $XDG_CACHE_HOME/wangge/uploads.
 */
void
wg_sync_client_set_upload_dir (WgSyncClient *self,
                               const char   *dir)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));

  g_free (self->upload_dir);
  self->upload_dir = g_strdup (dir);
}

/**
 * wg_sync_client_queue_upload:
 * @bytes: the photo, JPEG or PNG
 *
 * Queues a photo like a command: copied into the upload directory (named by
 * its SHA-256) and on disk when this returns; sent before the commands
 * queued after it.  Put the returned local id in a command's
 * `attachments`: when the server answers the upload, the id it gave
 * replaces the local one in every queued command.  A refused upload (413,
 * 415, 422) is kept as a refusal, and the commands that name it are refused
 * with code "upload-refused".  Refused at once: more than 8 MiB
 * (WG_API_ERROR_TOO_LARGE) or not JPEG/PNG by its first bytes
 * (WG_API_ERROR_REFUSED).
 *
 * Returns: (transfer full): the local id (a UUID), or %NULL with @error set
 */
char *
wg_sync_client_queue_upload (WgSyncClient  *self,
                             GBytes        *bytes,
                             GError       **error)
{
  static const guint8 jpeg_magic[] = { 0xff, 0xd8, 0xff };
  static const guint8 png_magic[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *id = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char *media_type;
  gsize size;
  const guint8 *data;

  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), NULL);
  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &size);
  if (size > WG_UPLOAD_MAX_BYTES)
    {
      g_set_error (error, WG_API_ERROR, WG_API_ERROR_TOO_LARGE,
                   _("The photo is larger than %d MiB"), WG_UPLOAD_MAX_BYTES / (1024 * 1024));
      return NULL;
    }
  if (size >= sizeof png_magic && memcmp (data, png_magic, sizeof png_magic) == 0)
    media_type = "image/png";
  else if (size >= sizeof jpeg_magic && memcmp (data, jpeg_magic, sizeof jpeg_magic) == 0)
    media_type = "image/jpeg";
  else
    {
      g_set_error_literal (error, WG_API_ERROR, WG_API_ERROR_REFUSED,
                           _("Only JPEG and PNG photos can be attached"));
      return NULL;
    }

  dir = self->upload_dir != NULL ? g_strdup (self->upload_dir)
                                 : g_build_filename (g_get_user_cache_dir (), "wangge", "uploads", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the folder “%s”: %s"), dir, g_strerror (saved));
      return NULL;
    }
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  name = g_strconcat (sha, g_str_equal (media_type, "image/png") ? ".png" : ".jpg", NULL);
  path = g_build_filename (dir, name, NULL);
  if (!g_file_set_contents_full (path, (const char *) data, size,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, error))
    return NULL;

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, sha);
  json_builder_set_member_name (builder, "media_type");
  json_builder_add_string_value (builder, media_type);
  json_builder_set_member_name (builder, "bytes");
  json_builder_add_int_value (builder, (gint64) size);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);
  text = json_to_string (body, FALSE);

  id = g_uuid_string_random ();
  if (!wg_outbox_enqueue (self->outbox, self->username, id, WG_OUTBOX_UPLOAD_TYPE, text,
                          wg_clock_get_now_ms (self->clock), error))
    return NULL;

  notify_queued (self);
  kick_sender (self);
  return g_steal_pointer (&id);
}

/* Properties and life cycle. */

static void
wg_sync_client_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  WgSyncClient *self = WG_SYNC_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_HEAD:
      g_value_set_int64 (value, self->head);
      break;
    case PROP_APPLIED:
      g_value_set_int64 (value, wg_store_head (self->cache));
      break;
    case PROP_LAG_EVENTS:
      g_value_set_int64 (value, wg_sync_client_get_lag_events (self));
      break;
    case PROP_QUEUED:
      g_value_set_uint (value, wg_sync_client_get_queued (self));
      break;
    case PROP_BACKFILLING:
      g_value_set_boolean (value, wg_sync_client_get_backfilling (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_sync_client_dispose (GObject *object)
{
  WgSyncClient *self = WG_SYNC_CLIENT (object);

  wg_sync_client_stop (self);

  G_OBJECT_CLASS (wg_sync_client_parent_class)->dispose (object);
}

static void
wg_sync_client_finalize (GObject *object)
{
  WgSyncClient *self = WG_SYNC_CLIENT (object);

  g_clear_object (&self->api);
  g_clear_pointer (&self->cache, wg_store_unref);
  g_clear_object (&self->writer);
  g_clear_object (&self->clock);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->base_path, g_free);
  g_clear_pointer (&self->upload_dir, g_free);
  g_clear_pointer (&self->reset_journal_id, g_free);
  g_clear_pointer (&self->early_snapshot, wg_cache_snapshot_free);
  g_clear_object (&self->snapshot_fetch);
  g_clear_pointer (&self->snapshot_journal, g_free);
  g_clear_pointer (&self->stream_journal, g_free);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->adopting, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->page_cancellable);
  g_clear_object (&self->backfill_cancellable);
  g_clear_pointer (&self->backfill_store, wg_store_unref);
  wg_backoff_clear (&self->reconnect_backoff);
  wg_backoff_clear (&self->send_backoff);

  G_OBJECT_CLASS (wg_sync_client_parent_class)->finalize (object);
}

static void
wg_sync_client_class_init (WgSyncClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wg_sync_client_get_property;
  object_class->dispose = wg_sync_client_dispose;
  object_class->finalize = wg_sync_client_finalize;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, WG_SYNC_OFFLINE, WG_SYNC_OUT_OF_STEP, WG_SYNC_OFFLINE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_HEAD] =
    g_param_spec_int64 ("head", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_APPLIED] =
    g_param_spec_int64 ("applied", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LAG_EVENTS] =
    g_param_spec_int64 ("lag-events", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_QUEUED] =
    g_param_spec_uint ("queued", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_BACKFILLING] =
    g_param_spec_boolean ("backfilling", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WgSyncClient::changes-applied:
   * @changes: the events just applied to the cache and the incidents
   *   they touched, as the cache holds them now
   *
   * Emitted on the main loop for each batch the writer applied, just
   * before ::events-applied with the same events.
   */
  signals[CHANGES_APPLIED] =
    g_signal_new ("changes-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, WG_TYPE_CHANGE_SET);
  /**
   * WgSyncClient::events-applied:
   * @events: (element-type WgEvent): the events just applied to the cache
   */
  signals[EVENTS_APPLIED] =
    g_signal_new ("events-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  /**
   * WgSyncClient::cache-reset:
   *
   * The cache held another journal's events and was emptied: whatever was
   * read from it is gone.  Events of the new journal follow as
   * ::events-applied.
   */
  signals[CACHE_RESET] =
    g_signal_new ("cache-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /**
   * WgSyncClient::positions-received:
   * @positions: (element-type JsonObject): unit, ts, lat, lon, status
   */
  signals[POSITIONS_RECEIVED] =
    g_signal_new ("positions-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_ARRAY);
  /**
   * WgSyncClient::command-settled:
   * @id: the command's id
   * @accepted: whether the server applied it
   * @answer: the server's answer: its events, or the problem
   * @problem: (nullable): the refusal, when refused
   */
  signals[COMMAND_SETTLED] =
    g_signal_new ("command-settled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_BOOLEAN, JSON_TYPE_NODE,
                  G_TYPE_POINTER);
}

static void
wg_sync_client_init (WgSyncClient *self)
{
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  self->adopting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  wg_backoff_init (&self->reconnect_backoff, BASE_BACKOFF_MS, MAX_BACKOFF_MS, 0);
  wg_backoff_init (&self->send_backoff, BASE_BACKOFF_MS, MAX_BACKOFF_MS, 0);
  self->backfill_days = 90;
}

/**
 * wg_sync_client_new:
 * @full_view: whether the user's role sees the whole journal (admin, duty
 *   leader, dispatcher, trainer, wall), so that seqs must follow each other
 * @username: the user whose queued commands this client sends
 */
WgSyncClient *
wg_sync_client_new (WgApiClient *api,
                    WgStore     *cache,
                    WgOutbox    *outbox,
                    WgClock     *clock,
                    const char  *username,
                    gboolean     full_view)
{
  WgSyncClient *self;

  g_return_val_if_fail (WG_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (cache != NULL && outbox != NULL && username != NULL, NULL);
  g_return_val_if_fail (WG_IS_CLOCK (clock), NULL);

  self = g_object_new (WG_TYPE_SYNC_CLIENT, NULL);
  self->api = g_object_ref (api);
  self->cache = wg_store_ref (cache);
  self->writer = wg_cache_writer_new (wg_store_get_path (cache), full_view);
  self->outbox = outbox;
  self->clock = g_object_ref (clock);
  self->username = g_strdup (username);
  self->full_view = full_view;
  self->base_path = g_strdup (WG_SYNC_LIVE_BASE_PATH);
  self->head = wg_store_head (cache);
  return self;
}

void
wg_sync_client_set_base_path (WgSyncClient *self,
                              const char   *base_path)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));
  g_return_if_fail (base_path != NULL && !self->running);

  g_free (self->base_path);
  self->base_path = g_strdup (base_path);
}

void
wg_sync_client_start (WgSyncClient *self)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));

  if (self->running)
    return;

  self->running = TRUE;
  self->cancellable = g_cancellable_new ();
  wg_cache_writer_set_exercise (self->writer, wg_store_get_exercise (self->cache));
  connect_now (self);
}

void
wg_sync_client_stop (WgSyncClient *self)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));

  self->running = FALSE;
  self->awaiting_login = FALSE;
  self->epoch++;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  cancel_page (self);
  cancel_backfill (self);
  close_stream (self);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->resend_id, g_source_remove);
  g_clear_handle_id (&self->apply_id, g_source_remove);
  if (self->pending != NULL)
    g_ptr_array_set_size (self->pending, 0);
  self->snapshot_unstored = FALSE;
  g_clear_pointer (&self->sending, wg_outbox_entry_free);
  set_state (self, WG_SYNC_OFFLINE);
}

/* After a new login (the api client has the new token): go on. */
void
wg_sync_client_resume (WgSyncClient *self)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));

  if (self->state == WG_SYNC_LOGIN_REQUIRED)
    set_state (self, WG_SYNC_OFFLINE);
  if (!self->running)
    {
      wg_sync_client_start (self);
      return;
    }
  /* A warm start's login answered: on from the health check it made
   * meanwhile (or when it answers). */
  if (self->awaiting_login)
    {
      self->awaiting_login = FALSE;
      if (self->health_done)
        {
          self->health_done = FALSE;
          catch_up (self);
        }
      return;
    }
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  wg_backoff_reset (&self->reconnect_backoff);
  connect_now (self);
}

/* ---- Adopting an incident ------------------------------------------------- */

typedef struct
{
  JobOwner *owner;
  char     *incident;
  char     *journal_id;  /* the cache's when asked */
} Adoption;

static void
adoption_free (Adoption *adoption)
{
  job_owner_free (adoption->owner);
  g_free (adoption->incident);
  g_free (adoption->journal_id);
  g_free (adoption);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Adoption, adoption_free)

static void
adopted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(JobOwner) owner = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgCacheBatch) batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);

  if (batch == NULL)
    {
      g_warning ("Could not add an incident to the local copy: %s", error->message);
      return;
    }
  take_batch (owner->self, batch);
}

static void
incident_events_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Adoption) adoption = user_data;
  WgSyncClient *self = adoption->owner->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(GBytes) answer = wg_api_client_get_bytes_finish (WG_API_CLIENT (source), result, &problem, &error);

  if (answer == NULL && cancelled (error))
    return;
  g_hash_table_remove (self->adopting, adoption->incident);
  /* Of a journal the cache has since let go: dropped. */
  if (!self->running || g_strcmp0 (adoption->journal_id, wg_store_get_journal_id (self->cache)) != 0)
    return;
  if (answer == NULL)
    {
      /* The next event of the incident asks again. */
      g_debug ("events of %s: %s", adoption->incident,
               error != NULL ? error->message : problem != NULL ? problem->title : "no answer");
      return;
    }
  wg_cache_writer_adopt_incident (self->writer, adoption->incident, answer, adopted_cb,
                                  job_owner_new (self));
}

void
wg_sync_client_adopt_incident (WgSyncClient *self,
                               const char   *incident)
{
  g_autofree char *escaped = NULL;
  g_autofree char *path = NULL;
  Adoption *adoption;

  g_return_if_fail (WG_IS_SYNC_CLIENT (self));
  g_return_if_fail (incident != NULL);

  if (!self->running || !g_hash_table_add (self->adopting, g_strdup (incident)))
    return;
  escaped = g_uri_escape_string (incident, NULL, FALSE);
  path = g_strdup_printf ("/api/v1/incidents/%s/events", escaped);
  adoption = g_new0 (Adoption, 1);
  adoption->owner = job_owner_new (self);
  adoption->incident = g_strdup (incident);
  adoption->journal_id = g_strdup (wg_store_get_journal_id (self->cache));
  wg_api_client_get_bytes_async (self->api, path, self->cancellable, incident_events_cb, adoption);
}

static void
cache_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  g_autoptr(WgCacheBatch) batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);

  if (batch == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&batch->answer), batch->answer_free);
}

void
wg_sync_client_read_cache_async (WgSyncClient        *self,
                                 WgCacheRead          read,
                                 gpointer             data,
                                 GDestroyNotify       data_free,
                                 GDestroyNotify       answer_free,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WG_IS_SYNC_CLIENT (self));
  g_return_if_fail (read != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_sync_client_read_cache_async);
  /* A drill's cache is marked for its exercise after the client is made. */
  wg_cache_writer_set_exercise (self->writer, wg_store_get_exercise (self->cache));
  wg_cache_writer_read (self->writer, read, data, data_free, answer_free, cache_read_cb, task);
}

gpointer
wg_sync_client_read_cache_finish (WgSyncClient  *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wg_sync_client_take_snapshot_fetch (WgSyncClient    *self,
                                    WgSnapshotFetch *fetch)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));
  g_return_if_fail (WG_IS_SNAPSHOT_FETCH (fetch));
  g_return_if_fail (!self->running);

  g_set_object (&self->snapshot_fetch, fetch);
}

static void
forces_registered_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(WgSyncClient) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgCacheBatch) batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);

  /* The cache has no units: dispatch finds none to offer, and the map's
   * forces show no state; nothing is wrong with what the server sent. */
  if (batch == NULL)
    g_warning ("Could not register the forces in the local copy: %s", error->message);
}

void
wg_sync_client_register_forces (WgSyncClient *self,
                                WgReference  *reference)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));
  g_return_if_fail (WG_IS_REFERENCE (reference));

  wg_cache_writer_register_forces (self->writer, reference, forces_registered_cb, g_object_ref (self));
}

void
wg_sync_client_await_login (WgSyncClient *self)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));

  if (self->running)
    return;
  self->awaiting_login = TRUE;
  wg_sync_client_start (self);
}

WgSyncState
wg_sync_client_get_state (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), WG_SYNC_OFFLINE);
  return self->state;
}

gint64
wg_sync_client_get_head (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), 0);
  return self->head;
}

gint64
wg_sync_client_get_applied (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), 0);
  return wg_store_head (self->cache);
}

gint64
wg_sync_client_get_lag_events (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), 0);

  /* A filtered view's head can run ahead of its last event by design. */
  if (!self->full_view)
    return self->state == WG_SYNC_ONLINE ? 0 : MAX (0, self->head - wg_store_head (self->cache));
  return MAX (0, self->head - wg_store_head (self->cache));
}

/**
 * wg_sync_client_get_lag_seconds:
 *
 * How far behind the server's head the cache is, in seconds of server
 * time: 0 when caught up, else how long the cache has been behind the head
 * it knows of.  Not the age of the newest event applied: after a quiet
 * spell that would count the quiet as lag.
 */
double
wg_sync_client_get_lag_seconds (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), 0);

  if (wg_sync_client_get_lag_events (self) == 0 || self->behind_since == 0)
    return 0;
  return MAX (0, wg_clock_get_now_ms (self->clock) - self->behind_since) / 1000.0;
}

guint
wg_sync_client_get_queued (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), 0);
  return wg_outbox_count (self->outbox, self->username, WG_OUTBOX_QUEUED);
}

WgApiClient *
wg_sync_client_get_api (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), NULL);
  return self->api;
}

WgStore *
wg_sync_client_get_cache (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), NULL);
  return self->cache;
}

/* Whether older history is being pulled into the cache (after a start
 * from a snapshot): the day's ended incidents, then the journal. */
gboolean
wg_sync_client_get_backfilling (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), FALSE);
  return self->backfill_cancellable != NULL || self->ended_head > 0;
}

/**
 * wg_sync_client_set_backfill_days:
 * @days: how far back the history goes into the cache (0: all of it)
 *
 * Default 90 (the GSettings key `backfill-days`); replay and statistics
 * fetch older history from the server.
 */
void
wg_sync_client_set_backfill_days (WgSyncClient *self,
                                  guint         days)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));
  self->backfill_days = days;
}

void
wg_sync_client_set_max_backoff_ms (WgSyncClient *self,
                                   gint64        max_ms)
{
  g_return_if_fail (WG_IS_SYNC_CLIENT (self));

  wg_backoff_clear (&self->reconnect_backoff);
  wg_backoff_clear (&self->send_backoff);
  wg_backoff_init (&self->reconnect_backoff, MIN (BASE_BACKOFF_MS, max_ms), max_ms, 0);
  wg_backoff_init (&self->send_backoff, MIN (BASE_BACKOFF_MS, max_ms), max_ms, 0);
}

gboolean
_wg_sync_client_drop_stream (WgSyncClient *self)
{
  g_return_val_if_fail (WG_IS_SYNC_CLIENT (self), FALSE);

  if (self->stream == NULL
      || soup_websocket_connection_get_state (self->stream) != SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;

  /* The handlers stay connected: "closed" arrives and reconnects. */
  soup_websocket_connection_close (self->stream, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "test cut");
  return TRUE;
}
