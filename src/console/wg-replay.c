/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-replay"

#include "config.h"

#include "wg-journal-ticks.h"
#include "wg-replay.h"
#include "wg-replay-session.h"
#include "wg-store-reference.h"

#define JOURNAL_PAGE 5000
/* A move over more events than this refills the views at once (one
 * ::cache-reset) rather than announcing each incident it touched. */
#define MAX_ANNOUNCED 2000

struct _WgReplay
{
  GObject          parent_instance;

  WgContext       *live;
  WgStore         *cache;     /* the live cache, whose journal is replayed */
  WgContext       *context;   /* read-only, over the state store */
  WgReplaySession *session;   /* NULL: a cache in memory, projected here */
  WgStore         *state;
  GArray          *ticks;     /* WgReplayMoment of every event, seq order */
  gboolean         ticks_loaded;
  GCancellable    *cancellable;
  gint64           seq;       /* the last event in the state */
  gint64           from_ms;
  gint64           to_ms;
  gint64           bounds_from_ms;  /* the whole journal, with its margins */
  gint64           bounds_to_ms;
};

G_DEFINE_FINAL_TYPE (WgReplay, wg_replay, G_TYPE_OBJECT)

enum {
  MOVED,
  TICKS_LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The cache's live events with @after < seq <= @through, in order. */
static GPtrArray *
read_between (WgStore  *cache,
              gint64    after,
              gint64    through,
              GError  **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);

  while (after < through)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (cache, after, JOURNAL_PAGE, error);

      if (page == NULL)
        return NULL;
      if (page->len == 0)
        break;
      for (guint i = 0; i < page->len; i++)
        {
          WgEvent *event = page->pdata[i];

          after = event->seq;
          if (event->seq > through)
            break;
          /* Exercises keep a journal of their own: replay is the live one. */
          if (event->exercise == NULL)
            g_ptr_array_add (events, wg_event_ref (event));
        }
    }
  return g_steal_pointer (&events);
}

/* The seq of the last event with ts <= @t_ms (0: none). */
static gint64
seq_at (WgReplay *self,
        gint64    t_ms)
{
  guint lo = 0, hi = self->ticks->len;

  /* ts never goes back along the journal. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->ticks, WgReplayMoment, mid).ts <= t_ms)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 ? g_array_index (self->ticks, WgReplayMoment, lo - 1).seq : 0;
}

/* Without a session: the state projected here, forward by the events in
 * between, back by projecting again from the start. */
static gboolean
project_to (WgReplay   *self,
            gint64      seq,
            GPtrArray **batch_out,
            GError    **error)
{
  g_autoptr(GPtrArray) batch = NULL;

  if (seq < self->seq)
    {
      if (!wg_store_reset (self->state, wg_store_get_journal_id (self->state), error))
        return FALSE;
      self->seq = 0;
    }
  batch = read_between (self->cache, self->seq, seq, error);
  if (batch == NULL || (batch->len > 0 && !wg_store_apply_events (self->state, batch, error)))
    return FALSE;
  *batch_out = g_steal_pointer (&batch);
  return TRUE;
}

/* Brings the state to every event with ts <= @t_ms and tells the views:
 * forward by the events in between, backward (or a long way) by a
 * refill. */
static void
follow (WgReplay *self,
        gint64    t_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  gint64 before = self->seq;
  gint64 seq;

  if (self->session != NULL)
    {
      if (!wg_replay_session_seek (self->session, t_ms, &error))
        {
          g_warning ("Could not replay up to %" G_GINT64_FORMAT ": %s", t_ms, error->message);
          return;
        }
      seq = wg_replay_session_get_seq (self->session);
      if (seq > before && seq - before <= MAX_ANNOUNCED)
        batch = read_between (self->cache, before, seq, &error);
    }
  else
    {
      seq = seq_at (self, t_ms);
      if (seq != before && !project_to (self, seq, &batch, &error))
        {
          g_warning ("Could not replay up to %" G_GINT64_FORMAT ": %s", t_ms, error->message);
          return;
        }
    }
  self->seq = seq;

  if (seq < before || (seq > before && (batch == NULL || batch->len > MAX_ANNOUNCED)))
    g_signal_emit_by_name (self->context, "cache-reset");
  else if (batch != NULL && batch->len > 0)
    wg_context_events_applied (self->context, batch);
  g_signal_emit (self, signals[MOVED], 0);
}

static void
clock_moved_cb (WgReplay *self)
{
  WgClock *clock = wg_context_get_clock (self->context);
  gint64 now = wg_clock_get_now_ms (clock);

  /* The end of the window pauses the play. */
  if (now >= self->to_ms && wg_clock_get_rate (clock) > 0.0)
    {
      wg_clock_set_rate (clock, 0.0);
      wg_clock_seek (clock, self->to_ms);
      return;
    }
  follow (self, now);
}

static void
wg_replay_dispose (GObject *object)
{
  WgReplay *self = WG_REPLAY (object);

  g_cancellable_cancel (self->cancellable);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (wg_context_get_clock (self->context), self);
  g_clear_object (&self->context);
  g_clear_object (&self->live);

  G_OBJECT_CLASS (wg_replay_parent_class)->dispose (object);
}

static void
wg_replay_finalize (GObject *object)
{
  WgReplay *self = WG_REPLAY (object);

  g_clear_pointer (&self->state, wg_store_unref);
  g_clear_pointer (&self->session, wg_replay_session_free);
  g_clear_pointer (&self->cache, wg_store_unref);
  g_clear_pointer (&self->ticks, g_array_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (wg_replay_parent_class)->finalize (object);
}

static void
wg_replay_class_init (WgReplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_replay_dispose;
  object_class->finalize = wg_replay_finalize;

  /**
   * WgReplay::moved:
   *
   * The state now shows another moment (a seek, a step, or the play).
   */
  signals[MOVED] = g_signal_new ("moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * WgReplay::ticks-loaded:
   *
   * wg_replay_get_ticks() holds every event now (read off the main loop).
   */
  signals[TICKS_LOADED] = g_signal_new ("ticks-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wg_replay_init (WgReplay *self)
{
  self->ticks = g_array_new (FALSE, FALSE, sizeof (WgReplayMoment));
  self->cancellable = g_cancellable_new ();
}

static GArray *
moments_of (GArray *ticks)
{
  GArray *moments = g_array_sized_new (FALSE, FALSE, sizeof (WgReplayMoment), ticks->len);

  for (guint i = 0; i < ticks->len; i++)
    {
      const WgJournalTick *tick = &g_array_index (ticks, WgJournalTick, i);
      WgReplayMoment moment = { tick->ts, tick->seq, tick->type };

      g_array_append_val (moments, moment);
    }
  return moments;
}

static void
read_ticks_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ticks = wg_journal_ticks_read_file (task_data, &error);

  if (ticks == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, moments_of (ticks), (GDestroyNotify) g_array_unref);
}

static void
ticks_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  WgReplay *self = WG_REPLAY (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ticks = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (ticks == NULL)
    {
      g_warning ("Could not read the timeline's events: %s", error->message);
      return;
    }
  g_array_unref (self->ticks);
  self->ticks = g_steal_pointer (&ticks);
  self->ticks_loaded = TRUE;
  g_signal_emit (self, signals[TICKS_LOADED], 0);
}

/* The timeline's ticks: for a cache in a file, off the main loop through
 * a connection of the worker's own (a year's journal takes a while); a
 * cache in memory has no other connection, and is small. */
static gboolean
start_reading_ticks (WgReplay  *self,
                     GError   **error)
{
  const char *path = wg_store_get_path (self->cache);
  g_autoptr(GTask) task = NULL;

  if (g_strcmp0 (path, ":memory:") == 0)
    {
      g_autoptr(GArray) ticks = wg_journal_ticks_read (self->cache, error);

      if (ticks == NULL)
        return FALSE;
      g_array_unref (self->ticks);
      self->ticks = moments_of (ticks);
      self->ticks_loaded = TRUE;
      return TRUE;
    }
  task = g_task_new (self, self->cancellable, ticks_read_cb, NULL);
  g_task_set_source_tag (task, start_reading_ticks);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, read_ticks_thread);
  return TRUE;
}

/* The state store: a session's when the cache is a file (checkpoints,
 * fast seeks), else one projected here. */
static WgStore *
open_state (WgReplay  *self,
            GError   **error)
{
  g_autoptr(WgStore) state = NULL;

  if (g_strcmp0 (wg_store_get_path (self->cache), ":memory:") != 0)
    {
      self->session = wg_replay_session_new (self->cache, error);
      return self->session != NULL ? wg_store_ref (wg_replay_session_get_state (self->session)) : NULL;
    }
  state = wg_store_open (":memory:", error);
  if (state == NULL || !wg_store_adopt_reference (state, wg_context_get_reference (self->live), error))
    return NULL;
  wg_store_set_rules (state, wg_store_get_rules (self->cache));
  return g_steal_pointer (&state);
}

WgReplay *
wg_replay_new (WgContext  *live,
               GError    **error)
{
  g_autoptr(WgReplay) self = NULL;
  g_autoptr(GError) span_error = NULL;
  WgClock *clock;
  gboolean has_events;

  g_return_val_if_fail (WG_IS_CONTEXT (live), NULL);

  self = g_object_new (WG_TYPE_REPLAY, NULL);
  self->live = g_object_ref (live);
  self->cache = wg_store_ref (wg_context_get_store (live));
  has_events = wg_journal_ticks_get_span (self->cache, &self->from_ms, &self->to_ms, &span_error);
  if (span_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&span_error));
      return NULL;
    }
  if (!start_reading_ticks (self, error))
    return NULL;
  self->state = open_state (self, error);
  if (self->state == NULL)
    return NULL;
  self->context = wg_context_new (wg_context_get_reference (live), self->state, NULL, NULL,
                                  wg_context_get_live_clock (live), wg_context_get_actor (live));
  wg_context_set_read_only (self->context, TRUE);
  wg_context_set_journal_store (self->context, self->cache);

  if (!has_events)
    self->from_ms = self->to_ms = wg_context_now_ms (live);
  /* A moment to see the first event come and the last one settle. */
  self->from_ms -= 60 * 1000;
  self->to_ms += 60 * 1000;
  self->bounds_from_ms = self->from_ms;
  self->bounds_to_ms = self->to_ms;

  clock = wg_context_get_clock (self->context);
  wg_clock_start_replay (clock, self->from_ms);
  wg_clock_set_rate (clock, 0.0);
  g_signal_connect_object (clock, "tick", G_CALLBACK (clock_moved_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (clock, "jumped", G_CALLBACK (clock_moved_cb), self, G_CONNECT_SWAPPED);
  follow (self, self->from_ms);
  return g_steal_pointer (&self);
}

WgContext *
wg_replay_get_context (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), NULL);
  return self->context;
}

WgContext *
wg_replay_get_live_context (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), NULL);
  return self->live;
}

GArray *
wg_replay_get_ticks (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), NULL);
  return self->ticks;
}

gboolean
wg_replay_get_ticks_loaded (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), FALSE);
  return self->ticks_loaded;
}

void
wg_replay_set_window (WgReplay *self,
                      gint64    from_ms,
                      gint64    to_ms)
{
  g_return_if_fail (WG_IS_REPLAY (self));
  g_return_if_fail (from_ms < to_ms);

  self->from_ms = from_ms;
  self->to_ms = to_ms;
  g_signal_emit (self, signals[MOVED], 0);
}

void
wg_replay_get_window (WgReplay *self,
                      gint64   *from_ms,
                      gint64   *to_ms)
{
  g_return_if_fail (WG_IS_REPLAY (self));
  *from_ms = self->from_ms;
  *to_ms = self->to_ms;
}

void
wg_replay_get_bounds (WgReplay *self,
                      gint64   *from_ms,
                      gint64   *to_ms)
{
  g_return_if_fail (WG_IS_REPLAY (self));
  *from_ms = self->bounds_from_ms;
  *to_ms = self->bounds_to_ms;
}

gint64
wg_replay_get_time (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), 0);
  return wg_clock_get_now_ms (wg_context_get_clock (self->context));
}

void
wg_replay_seek (WgReplay *self,
                gint64    t_ms)
{
  g_return_if_fail (WG_IS_REPLAY (self));
  wg_clock_seek (wg_context_get_clock (self->context), CLAMP (t_ms, self->from_ms, self->to_ms));
}

void
wg_replay_set_rate (WgReplay *self,
                    double    rate)
{
  WgClock *clock;

  g_return_if_fail (WG_IS_REPLAY (self));
  clock = wg_context_get_clock (self->context);
  /* Play from the start again once the end is reached. */
  if (rate > 0.0 && wg_clock_get_now_ms (clock) >= self->to_ms)
    wg_clock_seek (clock, self->from_ms);
  wg_clock_set_rate (clock, CLAMP (rate, 0.0, 600.0));
  g_signal_emit (self, signals[MOVED], 0);
}

double
wg_replay_get_rate (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), 0.0);
  return wg_clock_get_rate (wg_context_get_clock (self->context));
}

gboolean
wg_replay_step (WgReplay *self,
                int       direction)
{
  gint64 now;

  g_return_val_if_fail (WG_IS_REPLAY (self), FALSE);

  now = wg_replay_get_time (self);
  for (guint i = 0; i < self->ticks->len; i++)
    {
      guint k = direction > 0 ? i : self->ticks->len - 1 - i;
      gint64 ts = g_array_index (self->ticks, WgReplayMoment, k).ts;

      if (direction > 0 ? ts > now && ts <= self->to_ms : ts < now && ts >= self->from_ms)
        {
          wg_replay_seek (self, ts);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
is_key_moment (WgEventType type)
{
  switch (type)
    {
    case WG_EV_INCIDENT_REPORTED:
    case WG_EV_ALARM_RAISED:
    case WG_EV_ALARM_ACKNOWLEDGED:
    case WG_EV_ASSIGNMENT_CREATED:
    case WG_EV_ASSIGNMENT_ON_SCENE:
    case WG_EV_INCIDENT_RESOLVED:
    case WG_EV_INCIDENT_ROUTED:
    case WG_EV_INCIDENT_ACCEPTED:
    case WG_EV_INCIDENT_FEEDBACK_GIVEN:
    case WG_EV_INCIDENT_VERIFIED:
    case WG_EV_INCIDENT_CALLED_BACK:
    case WG_EV_INCIDENT_CLOSED:
      return TRUE;
    default:
      return FALSE;
    }
}

GArray *
wg_replay_key_moments (WgReplay   *self,
                       const char *incident)
{
  GArray *moments = g_array_new (FALSE, FALSE, sizeof (WgReplayMoment));
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (WG_IS_REPLAY (self), moments);

  if (incident == NULL)
    return moments;
  events = wg_store_read_incident_events (self->cache, incident, &error);
  if (events == NULL)
    {
      g_warning ("Could not read the events of %s: %s", incident, error->message);
      return moments;
    }
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (is_key_moment (event->type))
        {
          WgReplayMoment moment = { event->ts, event->seq, event->type };

          g_array_append_val (moments, moment);
        }
    }
  return moments;
}

gboolean
wg_replay_step_moment (WgReplay   *self,
                       const char *incident,
                       int         direction)
{
  g_autoptr(GArray) moments = NULL;
  gint64 now;

  g_return_val_if_fail (WG_IS_REPLAY (self), FALSE);

  moments = wg_replay_key_moments (self, incident);
  now = wg_replay_get_time (self);
  for (guint i = 0; i < moments->len; i++)
    {
      guint k = direction > 0 ? i : moments->len - 1 - i;
      gint64 ts = g_array_index (moments, WgReplayMoment, k).ts;

      if (direction > 0 ? ts > now : ts < now)
        {
          wg_replay_seek (self, ts);
          return TRUE;
        }
    }
  return FALSE;
}

gint64
wg_replay_get_seq (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), 0);
  return self->seq;
}
