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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clock/live-offset", test_live_follows_wall_clock_with_offset);
  g_test_add_func ("/clock/observe-server", test_observe_server_keeps_tightest_round_trip);
  g_test_add_func ("/clock/replay", test_replay_seek_rate_and_live);
  return g_test_run ();
}
