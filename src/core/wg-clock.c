/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Now" for every view and timer.  A console has two clocks:
 *
 *  - the live clock: the wall clock corrected by the offset to the
 *    server's clock, so that every console shows the same elapsed seconds;
 *  - the view clock (wg_clock_new_view()): the live clock in live mode; in
 *    replay mode the trainer moves it: it runs from an anchor at a chosen
 *    rate, or stands still (rate 0).
 *
 * Each emits ::tick at each whole second of its time (at most ten times a
 * second of wall time, however fast a replay runs) and ::jumped, then
 * ::tick, when its time moves otherwise.  A view clock in live mode passes
 * on the live clock's signals.  Ticks run on the thread-default main
 * context of the thread that made the clock.
 */
#define G_LOG_DOMAIN "wg-clock"

#include "config.h"

#include "wg-clock.h"

struct _WgClock
{
  GObject      parent_instance;

  WgClockMode  mode;
  gint64       offset_ms;

  /* Replay: now = replay_anchor_ms + (monotonic - anchor_monotonic) * rate */
  gint64       replay_anchor_ms;
  gint64       anchor_monotonic_us;
  double       rate;

  /* Best (smallest) round trip seen so far, to keep the tightest offset. */
  gint64       best_round_trip_ms;

  WgClock     *live;      /* a view clock: the live clock it follows in live mode */
  GSource     *tick_source;
  GMainContext *context;
};

G_DEFINE_FINAL_TYPE (WgClock, wg_clock, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODE,
  PROP_OFFSET_MS,
  PROP_RATE,
  N_PROPS
};

enum {
  TICK,
  JUMPED,
  N_SIGNALS
};

/* However fast a replay runs, views redraw at most this often. */
#define MIN_TICK_INTERVAL_MS 100

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

gint64
wg_wall_time_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
wg_clock_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  WgClock *self = WG_CLOCK (object);

  switch (prop_id)
    {
    case PROP_MODE:
      g_value_set_int (value, self->mode);
      break;
    case PROP_OFFSET_MS:
      g_value_set_int64 (value, self->offset_ms);
      break;
    case PROP_RATE:
      g_value_set_double (value, self->rate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void schedule_tick (WgClock *self);

static gboolean
tick_cb (gpointer user_data)
{
  WgClock *self = user_data;

  g_clear_pointer (&self->tick_source, g_source_unref);
  g_signal_emit (self, signals[TICK], 0);
  schedule_tick (self);
  return G_SOURCE_REMOVE;
}

/* The next tick at the next whole second of this clock's time.  None while
 * a view clock follows the live one (it passes on the live ticks) or while
 * a replay stands still. */
static void
schedule_tick (WgClock *self)
{
  gint64 now, to_next_second, delay_ms;
  double rate;

  if (self->tick_source != NULL)
    {
      g_source_destroy (self->tick_source);
      g_clear_pointer (&self->tick_source, g_source_unref);
    }
  rate = self->mode == WG_CLOCK_LIVE ? 1.0 : self->rate;
  if ((self->live != NULL && self->mode == WG_CLOCK_LIVE) || rate <= 0.0)
    return;

  now = wg_clock_get_now_ms (self);
  to_next_second = 1000 - ((now % 1000) + 1000) % 1000;
  /* A millisecond late rather than early: the wall and the monotonic clock
   * that times the source drift apart a little. */
  delay_ms = (gint64) (to_next_second / rate) + 1;
  if (rate > 1.0)
    delay_ms = MAX (delay_ms, MIN_TICK_INTERVAL_MS);

  self->tick_source = g_timeout_source_new ((guint) delay_ms);
  g_source_set_callback (self->tick_source, tick_cb, self, NULL);
  g_source_set_static_name (self->tick_source, "[wangge] clock tick");
  g_source_attach (self->tick_source, self->context);
}

/* Its time moved other than by passing: views recompute at once. */
static void
emit_jumped (WgClock *self)
{
  g_signal_emit (self, signals[JUMPED], 0);
  g_signal_emit (self, signals[TICK], 0);
  schedule_tick (self);
}

static void
live_tick_cb (WgClock *live,
              WgClock *self)
{
  if (self->mode == WG_CLOCK_LIVE)
    g_signal_emit (self, signals[TICK], 0);
}

static void
live_jumped_cb (WgClock *live,
                WgClock *self)
{
  if (self->mode == WG_CLOCK_LIVE)
    g_signal_emit (self, signals[JUMPED], 0);
}

static void
wg_clock_dispose (GObject *object)
{
  WgClock *self = WG_CLOCK (object);

  if (self->tick_source != NULL)
    {
      g_source_destroy (self->tick_source);
      g_clear_pointer (&self->tick_source, g_source_unref);
    }
  if (self->live != NULL)
    g_signal_handlers_disconnect_by_data (self->live, self);
  g_clear_object (&self->live);

  G_OBJECT_CLASS (wg_clock_parent_class)->dispose (object);
}

static void
wg_clock_finalize (GObject *object)
{
  WgClock *self = WG_CLOCK (object);

  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (wg_clock_parent_class)->finalize (object);
}

static void
wg_clock_class_init (WgClockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wg_clock_get_property;
  object_class->dispose = wg_clock_dispose;
  object_class->finalize = wg_clock_finalize;

  properties[PROP_MODE] =
    g_param_spec_int ("mode", NULL, NULL, WG_CLOCK_LIVE, WG_CLOCK_REPLAY, WG_CLOCK_LIVE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_OFFSET_MS] =
    g_param_spec_int64 ("offset-ms", NULL, NULL, G_MININT64, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_RATE] =
    g_param_spec_double ("rate", NULL, NULL, 0.0, 1000.0, 1.0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WgClock::tick:
   *
   * Emitted at each whole second of the clock's time (at most every 100 ms
   * of wall time in a fast replay, never while a replay is paused), and
   * right after ::jumped: every timer on screen redraws on it.
   */
  signals[TICK] = g_signal_new ("tick", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * WgClock::jumped:
   *
   * Emitted when "now" moves other than by the passing of time (a seek, a
   * change of mode or offset), so that views recompute their timers at once.
   */
  signals[JUMPED] = g_signal_new ("jumped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wg_clock_init (WgClock *self)
{
  self->mode = WG_CLOCK_LIVE;
  self->rate = 1.0;
  self->best_round_trip_ms = G_MAXINT64;
  self->context = g_main_context_ref_thread_default ();
}

/* A live clock: server time, once an offset is known. */
WgClock *
wg_clock_new (void)
{
  WgClock *self = g_object_new (WG_TYPE_CLOCK, NULL);

  schedule_tick (self);
  return self;
}

/**
 * wg_clock_new_view:
 * @live: the live clock
 *
 * A view clock: @live's time while live; wg_clock_start_replay() sets it
 * apart, wg_clock_go_live() brings it back.
 */
WgClock *
wg_clock_new_view (WgClock *live)
{
  WgClock *self;

  g_return_val_if_fail (WG_IS_CLOCK (live), NULL);
  g_return_val_if_fail (live->live == NULL, NULL);

  self = g_object_new (WG_TYPE_CLOCK, NULL);
  self->live = g_object_ref (live);
  g_signal_connect_object (live, "tick", G_CALLBACK (live_tick_cb), self, 0);
  g_signal_connect_object (live, "jumped", G_CALLBACK (live_jumped_cb), self, 0);
  return self;
}

WgClock *
wg_clock_get_live (WgClock *self)
{
  g_return_val_if_fail (WG_IS_CLOCK (self), NULL);
  return self->live != NULL ? self->live : self;
}

WgClockMode
wg_clock_get_mode (WgClock *self)
{
  g_return_val_if_fail (WG_IS_CLOCK (self), WG_CLOCK_LIVE);
  return self->mode;
}

gint64
wg_clock_get_now_ms (WgClock *self)
{
  g_return_val_if_fail (WG_IS_CLOCK (self), 0);

  if (self->mode == WG_CLOCK_LIVE)
    return self->live != NULL ? wg_clock_get_now_ms (self->live) : wg_wall_time_ms () + self->offset_ms;

  return self->replay_anchor_ms
         + (gint64) ((g_get_monotonic_time () - self->anchor_monotonic_us) / 1000.0 * self->rate);
}

gint64
wg_clock_get_offset_ms (WgClock *self)
{
  g_return_val_if_fail (WG_IS_CLOCK (self), 0);
  return wg_clock_get_live (self)->offset_ms;
}

void
wg_clock_set_offset_ms (WgClock *self,
                        gint64   offset_ms)
{
  g_return_if_fail (WG_IS_CLOCK (self));
  g_return_if_fail (self->live == NULL);

  if (self->offset_ms == offset_ms)
    return;

  self->offset_ms = offset_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFSET_MS]);
  emit_jumped (self);
}

/**
 * wg_clock_observe_server:
 * @server_ms: the server's time as it answered
 * @sent_local_ms: local wall time when the request left
 * @received_local_ms: local wall time when the answer came
 *
 * Feeds one observation of the server's clock.  The server's time is taken
 * to be the middle of the round trip; the observation with the shortest
 * round trip wins, since its error bound (half the round trip) is smallest.
 */
void
wg_clock_observe_server (WgClock *self,
                         gint64   server_ms,
                         gint64   sent_local_ms,
                         gint64   received_local_ms)
{
  gint64 round_trip;

  g_return_if_fail (WG_IS_CLOCK (self));
  g_return_if_fail (self->live == NULL);

  round_trip = MAX (0, received_local_ms - sent_local_ms);
  if (round_trip > self->best_round_trip_ms)
    return;

  self->best_round_trip_ms = round_trip;
  wg_clock_set_offset_ms (self, server_ms - (sent_local_ms + round_trip / 2));
}

static void
set_replay_anchor (WgClock *self,
                   gint64   at_ms)
{
  self->replay_anchor_ms = at_ms;
  self->anchor_monotonic_us = g_get_monotonic_time ();
}

void
wg_clock_start_replay (WgClock *self,
                       gint64   at_ms)
{
  g_return_if_fail (WG_IS_CLOCK (self));

  set_replay_anchor (self, at_ms);
  if (self->mode != WG_CLOCK_REPLAY)
    {
      self->mode = WG_CLOCK_REPLAY;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
    }
  emit_jumped (self);
}

void
wg_clock_seek (WgClock *self,
               gint64   at_ms)
{
  g_return_if_fail (WG_IS_CLOCK (self));
  g_return_if_fail (self->mode == WG_CLOCK_REPLAY);

  set_replay_anchor (self, at_ms);
  emit_jumped (self);
}

void
wg_clock_set_rate (WgClock *self,
                   double   rate)
{
  g_return_if_fail (WG_IS_CLOCK (self));
  g_return_if_fail (rate >= 0.0 && rate <= 1000.0);

  if (self->rate == rate)
    return;

  /* Re-anchor at the current moment so the change does not jump time. */
  if (self->mode == WG_CLOCK_REPLAY)
    set_replay_anchor (self, wg_clock_get_now_ms (self));
  self->rate = rate;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
  schedule_tick (self);
}

double
wg_clock_get_rate (WgClock *self)
{
  g_return_val_if_fail (WG_IS_CLOCK (self), 1.0);
  return self->rate;
}

void
wg_clock_go_live (WgClock *self)
{
  g_return_if_fail (WG_IS_CLOCK (self));

  if (self->mode == WG_CLOCK_LIVE)
    return;

  self->mode = WG_CLOCK_LIVE;
  self->rate = 1.0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
  emit_jumped (self);
}
