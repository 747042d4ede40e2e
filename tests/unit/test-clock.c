/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wg-clock.h"

static void
test_live_follows_wall_clock_with_offset (void)
{
  g_autoptr(WgClock) clock = wg_clock_new ();
  gint64 before, now;

  g_assert_cmpint (wg_clock_get_mode (clock), ==, WG_CLOCK_LIVE);
  before = wg_wall_time_ms ();
  now = wg_clock_get_now_ms (clock);
  g_assert_cmpint (now, >=, before);
  g_assert_cmpint (now - before, <, 1000);

  wg_clock_set_offset_ms (clock, 90000);
  now = wg_clock_get_now_ms (clock);
  g_assert_cmpint (now - wg_wall_time_ms (), >=, 89000);
  g_assert_cmpint (now - wg_wall_time_ms (), <=, 90000);
}

static void
test_observe_server_keeps_tightest_round_trip (void)
{
  g_autoptr(WgClock) clock = wg_clock_new ();

  /* Round trip 100 ms: server said 5050 at the middle (local 1050). */
  wg_clock_observe_server (clock, 5050, 1000, 1100);
  g_assert_cmpint (wg_clock_get_offset_ms (clock), ==, 4000);

  /* A slower round trip is less precise and must not win. */
  wg_clock_observe_server (clock, 9000, 2000, 3000);
  g_assert_cmpint (wg_clock_get_offset_ms (clock), ==, 4000);

  /* A faster one does. */
  wg_clock_observe_server (clock, 7010, 3000, 3020);
  g_assert_cmpint (wg_clock_get_offset_ms (clock), ==, 4000);
  wg_clock_observe_server (clock, 8012, 4000, 4004);
  g_assert_cmpint (wg_clock_get_offset_ms (clock), ==, 4010);
}

static void
count_cb (WgClock *clock,
          guint   *count)
{
  (*count)++;
}

static void
test_replay_seek_rate_and_live (void)
{
  g_autoptr(WgClock) clock = wg_clock_new ();
  const gint64 anchor = 1764310930000; /* 2025-11-28 14:22:10 +08:00 */
  guint jumps = 0;
  gint64 now, paused;

  g_signal_connect (clock, "jumped", G_CALLBACK (count_cb), &jumps);

  wg_clock_start_replay (clock, anchor);
  wg_clock_set_rate (clock, 0.0);
  g_assert_cmpint (wg_clock_get_mode (clock), ==, WG_CLOCK_REPLAY);
  /* Replay runs at 1x until the pause: a few ms, more under valgrind. */
  paused = wg_clock_get_now_ms (clock);
  g_assert_cmpint (paused, >=, anchor);
  g_assert_cmpint (paused, <, anchor + 1000);
  g_usleep (20000);
  /* Paused: time stands still. */
  now = wg_clock_get_now_ms (clock);
  g_assert_cmpint (now, ==, paused);

  wg_clock_set_rate (clock, 100.0);
  g_usleep (50000);
  now = wg_clock_get_now_ms (clock);
  /* 50 ms at 100x is about 5 s; allow a loaded machine generous slack. */
  g_assert_cmpint (now - anchor, >=, 4900);
  g_assert_cmpint (now - anchor, <, 60000);

  wg_clock_seek (clock, anchor - 3600000);
  g_assert_cmpint (wg_clock_get_now_ms (clock) - (anchor - 3600000), <, 1000);

  wg_clock_go_live (clock);
  g_assert_cmpint (wg_clock_get_mode (clock), ==, WG_CLOCK_LIVE);
  g_assert_cmpfloat (wg_clock_get_rate (clock), ==, 1.0);
  g_assert_cmpint (llabs (wg_clock_get_now_ms (clock) - wg_wall_time_ms ()), <, 1000);
  g_assert_cmpuint (jumps, ==, 3);
}

typedef struct {
  WgClock *clock;
  guint    ticks;
  gint64   last_tick_ms;   /* the clock's now at the last tick */
  guint    jumps;
} Ticks;

static void
tick_cb (WgClock *clock,
         Ticks   *t)
{
  t->ticks++;
  t->last_tick_ms = wg_clock_get_now_ms (clock);
}

static void
jumped_cb (WgClock *clock,
           Ticks   *t)
{
  t->jumps++;
}

static void
watch (Ticks   *t,
       WgClock *clock)
{
  t->clock = clock;
  g_signal_connect (clock, "tick", G_CALLBACK (tick_cb), t);
  g_signal_connect (clock, "jumped", G_CALLBACK (jumped_cb), t);
}

static void
iterate_ms (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

/* Live: both clocks tick on the live clock's whole seconds; the view clock
 * reads the live clock's time, offset included. */
static void
test_view_follows_live (void)
{
  g_autoptr(WgClock) live = wg_clock_new ();
  g_autoptr(WgClock) view = wg_clock_new_view (live);
  Ticks lt = { 0 }, vt = { 0 };

  watch (&lt, live);
  watch (&vt, view);
  g_assert_true (wg_clock_get_live (view) == live);
  g_assert_true (wg_clock_get_live (live) == live);

  wg_clock_set_offset_ms (live, 90000);
  g_assert_cmpint (llabs (wg_clock_get_now_ms (view) - wg_clock_get_now_ms (live)), <, 5);
  g_assert_cmpint (wg_clock_get_offset_ms (view), ==, 90000);
  /* A jump of the live clock is one of the view's too, with a tick. */
  g_assert_cmpuint (lt.jumps, ==, 1);
  g_assert_cmpuint (vt.jumps, ==, 1);
  g_assert_cmpuint (vt.ticks, ==, 1);

  lt.ticks = vt.ticks = 0;
  iterate_ms (2600);
  /* Two or three whole seconds passed; each tick lands just after one. */
  g_assert_cmpuint (lt.ticks, >=, 2);
  g_assert_cmpuint (lt.ticks, <=, 3);
  g_assert_cmpuint (vt.ticks, ==, lt.ticks);
  g_assert_cmpint (lt.last_tick_ms % 1000, <, 200);
}

/* Replay: the view clock runs on its own at its rate, the live clock goes
 * on (a live alarm keeps counting on it); back to live, they agree. */
static void
test_view_replay_rate_and_jumps (void)
{
  g_autoptr(WgClock) live = wg_clock_new ();
  g_autoptr(WgClock) view = wg_clock_new_view (live);
  const gint64 anchor = 1764310930000; /* 2025-11-28 14:22:10 +08:00 */
  Ticks lt = { 0 }, vt = { 0 };
  gint64 live_before, now;

  watch (&lt, live);
  watch (&vt, view);
  live_before = wg_clock_get_now_ms (live);

  wg_clock_start_replay (view, anchor);
  g_assert_cmpint (wg_clock_get_mode (view), ==, WG_CLOCK_REPLAY);
  g_assert_cmpint (wg_clock_get_mode (live), ==, WG_CLOCK_LIVE);
  g_assert_cmpuint (vt.jumps, ==, 1);
  g_assert_cmpuint (vt.ticks, ==, 1);
  g_assert_cmpuint (lt.jumps, ==, 0);

  /* 10x: about ten ticks a second of wall time. */
  wg_clock_set_rate (view, 10.0);
  vt.ticks = 0;
  iterate_ms (1000);
  now = wg_clock_get_now_ms (view);
  g_assert_cmpint (now - anchor, >=, 9000);
  g_assert_cmpint (now - anchor, <, 30000);
  g_assert_cmpuint (vt.ticks, >=, 6);
  g_assert_cmpuint (vt.ticks, <=, 11);
  /* The live clock went on at 1x meanwhile. */
  g_assert_cmpint (wg_clock_get_now_ms (live) - live_before, >=, 1000);
  g_assert_cmpint (wg_clock_get_now_ms (live) - live_before, <, 5000);
  g_assert_cmpuint (lt.ticks, >=, 1);
  g_assert_cmpuint (lt.ticks, <=, 2);

  /* 1000x: no more than ten ticks a second of wall time. */
  wg_clock_set_rate (view, 1000.0);
  vt.ticks = 0;
  iterate_ms (500);
  g_assert_cmpuint (vt.ticks, <=, 6);

  /* Paused: no ticks; a seek is a jump, with one tick. */
  wg_clock_set_rate (view, 0.0);
  vt.ticks = 0;
  iterate_ms (1200);
  g_assert_cmpuint (vt.ticks, ==, 0);
  vt.jumps = 0;
  wg_clock_seek (view, anchor - 3600000);
  g_assert_cmpuint (vt.jumps, ==, 1);
  g_assert_cmpuint (vt.ticks, ==, 1);
  g_assert_cmpint (vt.last_tick_ms, ==, anchor - 3600000);

  /* A live clock's jump does not move a view in replay. */
  vt.jumps = 0;
  wg_clock_set_offset_ms (live, 5000);
  g_assert_cmpuint (vt.jumps, ==, 0);
  g_assert_cmpint (wg_clock_get_now_ms (view), ==, anchor - 3600000);

  wg_clock_go_live (view);
  g_assert_cmpuint (vt.jumps, ==, 1);
  g_assert_cmpint (llabs (wg_clock_get_now_ms (view) - wg_clock_get_now_ms (live)), <, 5);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clock/live-offset", test_live_follows_wall_clock_with_offset);
  g_test_add_func ("/clock/observe-server", test_observe_server_keeps_tightest_round_trip);
  g_test_add_func ("/clock/replay", test_replay_seek_rate_and_live);
  g_test_add_func ("/clock/view-follows-live", test_view_follows_live);
  g_test_add_func ("/clock/view-replay", test_view_replay_rate_and_jumps);
  return g_test_run ();
}
