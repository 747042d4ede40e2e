/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-replay"

#include "config.h"

#include "wg-replay.h"
#include "wg-store-reference.h"

#define JOURNAL_PAGE 5000

struct _WgReplay
{
  GObject    parent_instance;

  WgContext *live;
  WgContext *context;   /* read-only, over the state store */
  WgStore   *state;
  GPtrArray *events;    /* WgEvent*, the live cache's journal */
  guint      applied;   /* events[0 .. applied) are in the state */
  gint64     state_ms;  /* the moment the state shows */
  gint64     from_ms;
  gint64     to_ms;
};

G_DEFINE_FINAL_TYPE (WgReplay, wg_replay, G_TYPE_OBJECT)

enum {
  MOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Brings the state to every event with ts <= @t_ms. */
static void
follow (WgReplay *self,
        gint64    t_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  gboolean reset = FALSE;
  guint end;

  if (t_ms < self->state_ms &&
      self->applied > 0 && ((WgEvent *) self->events->pdata[self->applied - 1])->ts > t_ms)
    {
      /* Backward: project again from the start. */
      if (!wg_store_reset (self->state, wg_store_get_journal_id (self->state), &error))
        {
          g_warning ("Could not rewind the replay: %s", error->message);
          return;
        }
      self->applied = 0;
      reset = TRUE;
    }
  for (end = self->applied; end < self->events->len; end++)
    if (((WgEvent *) self->events->pdata[end])->ts > t_ms)
      break;
  for (guint i = self->applied; i < end; i++)
    g_ptr_array_add (batch, self->events->pdata[i]);
  self->state_ms = t_ms;
  if (batch->len > 0 && !wg_store_apply_events (self->state, batch, &error))
    {
      g_warning ("Could not replay up to %" G_GINT64_FORMAT ": %s", t_ms, error->message);
      return;
    }
  self->applied = end;
  if (reset)
    g_signal_emit_by_name (self->context, "cache-reset");
  else if (batch->len > 0)
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
  g_clear_pointer (&self->events, g_ptr_array_unref);

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
}

static void
wg_replay_init (WgReplay *self)
{
  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
}

static gboolean
read_journal (WgReplay  *self,
              GError   **error)
{
  WgStore *cache = wg_context_get_store (self->live);
  gint64 after = 0;

  for (;;)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (cache, after, JOURNAL_PAGE, error);

      if (page == NULL)
        return FALSE;
      if (page->len == 0)
        return TRUE;
      for (guint i = 0; i < page->len; i++)
        {
          WgEvent *event = page->pdata[i];

          after = event->seq;
          /* Exercises keep a journal of their own: replay is the live one. */
          if (event->exercise == NULL)
            g_ptr_array_add (self->events, wg_event_ref (event));
        }
    }
}

WgReplay *
wg_replay_new (WgContext  *live,
               GError    **error)
{
  g_autoptr(WgReplay) self = NULL;
  g_autoptr(WgStore) state = NULL;
  WgClock *clock;

  g_return_val_if_fail (WG_IS_CONTEXT (live), NULL);

  self = g_object_new (WG_TYPE_REPLAY, NULL);
  self->live = g_object_ref (live);
  if (!read_journal (self, error))
    return NULL;

  /* The state lives in memory: it is rebuilt from the journal at will. */
  state = wg_store_open (":memory:", error);
  if (state == NULL || !wg_store_adopt_reference (state, wg_context_get_reference (live), error))
    return NULL;
  self->state = wg_store_ref (state);
  self->context = wg_context_new (wg_context_get_reference (live), state, NULL, NULL,
                                  wg_context_get_live_clock (live), wg_context_get_actor (live));
  wg_context_set_read_only (self->context, TRUE);

  if (self->events->len > 0)
    {
      self->from_ms = ((WgEvent *) self->events->pdata[0])->ts;
      self->to_ms = ((WgEvent *) self->events->pdata[self->events->len - 1])->ts;
    }
  else
    self->from_ms = self->to_ms = wg_context_now_ms (live);
  /* A moment to see the first event come and the last one settle. */
  self->from_ms -= 60 * 1000;
  self->to_ms += 60 * 1000;

  clock = wg_context_get_clock (self->context);
  self->state_ms = G_MININT64;
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

GPtrArray *
wg_replay_get_events (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), NULL);
  return self->events;
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
  if (direction > 0)
    {
      for (guint i = 0; i < self->events->len; i++)
        {
          gint64 ts = ((WgEvent *) self->events->pdata[i])->ts;

          if (ts > now && ts <= self->to_ms)
            {
              wg_replay_seek (self, ts);
              return TRUE;
            }
        }
    }
  else
    {
      for (guint i = self->events->len; i > 0; i--)
        {
          gint64 ts = ((WgEvent *) self->events->pdata[i - 1])->ts;

          if (ts < now && ts >= self->from_ms)
            {
              wg_replay_seek (self, ts);
              return TRUE;
            }
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

  g_return_val_if_fail (WG_IS_REPLAY (self), moments);

  for (guint i = 0; incident != NULL && i < self->events->len; i++)
    {
      WgEvent *event = self->events->pdata[i];

      if (g_strcmp0 (event->incident, incident) == 0 && is_key_moment (event->type))
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
  return self->applied > 0 ? ((WgEvent *) self->events->pdata[self->applied - 1])->seq : 0;
}
