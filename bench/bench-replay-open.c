/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opening Replay on a console whose cache holds the generated Helong year
 * (issue 17): how long wg_replay_new() holds the main loop, and how long
 * the timeline's ticks take to arrive from the worker.  Baseline in the
 * same run: reading the ticks the way Replay did before (every event of
 * the cache read and decoded, in pages of 5,000, on the main loop); the
 * open before = today's open + that read (nothing else changed).  With a
 * display, also the whole Replay window (wg_replay_window_open) beside a
 * live window over the same cache, and a scrub in it: SCRUB_SEEKS seeks
 * across the journal a frame (16 ms) apart, the main loop's stalls seen
 * by a 10 ms probe (p99, max) until the worker has answered, against the
 * same seeks run by a session on the main loop as Replay did before (each
 * seek's own time is a stall then, before the views refill); then the
 * same scrub again, landing elsewhere, from the board it left filled (the
 * refill replaces a full board).
 *   bench-replay-open [--short] [--days N] [--rounds N]   (--short: 60 days, 1 round)
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "test-files.h"
#include "wg-context.h"
#include "wg-history.h"
#include "wg-journal-ticks.h"
#include "wg-replay.h"
#include "wg-replay-session.h"
#include "wg-replay-window.h"

#define SCRUB_SEEKS 20

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e3;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (GArray *values)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, values->len / 2);
}

/* The ticks as Replay read them before: each event decoded. */
static guint
read_ticks_decoding (WgStore *cache)
{
  g_autoptr(GArray) ticks = g_array_new (FALSE, FALSE, sizeof (WgReplayMoment));
  gint64 after = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) page = wg_store_read_journal (cache, after, 5000, &error);

      if (page == NULL)
        g_error ("%s", error->message);
      if (page->len == 0)
        return ticks->len;
      for (guint i = 0; i < page->len; i++)
        {
          WgEvent *event = page->pdata[i];
          WgReplayMoment tick = { event->ts, event->seq, event->type };

          after = event->seq;
          if (event->exercise == NULL)
            g_array_append_val (ticks, tick);
        }
    }
}

static void
ticks_loaded_cb (WgReplay *replay,
                 gboolean *done)
{
  *done = TRUE;
}

/* The gaps between a 10 ms probe's runs: the main loop's stalls. */
typedef struct
{
  gint64  last;
  GArray *gaps;   /* double, ms */
} Probe;

static gboolean
probe_cb (gpointer data)
{
  Probe *probe = data;
  gint64 now = g_get_monotonic_time ();
  double gap = (now - probe->last) / 1e3;

  g_array_append_val (probe->gaps, gap);
  probe->last = now;
  return G_SOURCE_CONTINUE;
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static double
percentile (GArray *values,
            double  p)
{
  g_array_sort (values, compare_doubles);
  return g_array_index (values, double, MIN (values->len - 1, (guint) (p * values->len)));
}

/* The scrub's moments: across the journal, back and forth. */
static gint64
scrub_moment (guint  i,
              gint64 first_ts,
              gint64 last_ts)
{
  guint k = (i * 7) % SCRUB_SEEKS;

  return first_ts + (last_ts - first_ts) * (gint64) (k + 1) / (SCRUB_SEEKS + 1);
}

int
main (int   argc,
      char *argv[])
{
  guint days = 365, rounds = 3;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-replay-open-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *demo = g_build_filename (SOURCE_DATADIR, "demo", NULL);
  g_autoptr(WgReference) reference = NULL;
  g_autoptr(WgActor) actor = wg_actor_new ("trainer", WG_ROLE_TRAINER, NULL, NULL, NULL);
  g_autoptr(GArray) decode = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) query = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) blocked = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ready = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) window_open = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) sync_seeks = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) stalls = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) filled_stalls = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 first_ts = 0, last_ts = 0;
  g_autoptr(WgApplication) app = NULL;
  WgHistoryParams params;
  WgHistoryStats stats;
  guint n_ticks = 0;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--short"))
        days = 60, rounds = 1;
      else if (g_str_equal (argv[i], "--days") && i + 1 < argc)
        days = (guint) atoi (argv[++i]);
      else if (g_str_equal (argv[i], "--rounds") && i + 1 < argc)
        rounds = (guint) atoi (argv[++i]);
    }
  rounds = MAX (rounds, 1);
  g_assert_no_error (error);
  reference = wg_reference_load_dir (demo, &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "journal.db", NULL);
  {
    g_autoptr(WgStore) store = wg_store_open (path, &error);

    g_assert_no_error (error);
    wg_history_params_init_from_reference (&params, reference);
    params.seed = 42;
    params.anchor = "2026-11-28";
    params.days = days;
    if (!wg_history_generate (store, NULL, reference, &params, &stats, &error))
      g_error ("%s", error->message);
  }

  if (gtk_init_check ())
    {
      adw_init ();
      app = wg_application_new (G_APPLICATION_NON_UNIQUE);
      if (!g_application_register (G_APPLICATION (app), NULL, &error))
        g_error ("%s", error->message);
    }

  for (guint round = 0; round < rounds; round++)
    {
      g_autoptr(WgContext) context = wg_context_new_local (reference, path, actor, &error);
      g_autoptr(WgReplay) replay = NULL;
      g_autoptr(GArray) ticks = NULL;
      gboolean done = FALSE;
      gint64 start;
      double t;

      g_assert_no_error (error);
      start = g_get_monotonic_time ();
      n_ticks = read_ticks_decoding (wg_context_get_store (context));
      t = ms_since (start);
      g_array_append_val (decode, t);

      start = g_get_monotonic_time ();
      ticks = wg_journal_ticks_read_file (path, &error);
      g_assert_no_error (error);
      t = ms_since (start);
      g_array_append_val (query, t);
      g_assert_cmpuint (ticks->len, ==, n_ticks);

      start = g_get_monotonic_time ();
      replay = wg_replay_new (context, &error);
      g_assert_no_error (error);
      t = ms_since (start);
      g_array_append_val (blocked, t);
      g_signal_connect (replay, "ticks-loaded", G_CALLBACK (ticks_loaded_cb), &done);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
      t = ms_since (start);
      g_array_append_val (ready, t);
      g_assert_cmpuint (wg_replay_get_ticks (replay)->len, ==, n_ticks);

      if (app != NULL)
        {
          WgWindow *live = wg_window_new_with_context (app, context);
          WgWindow *window;

          gtk_window_present (GTK_WINDOW (live));
          while (g_main_context_iteration (NULL, FALSE))
            ;
          start = g_get_monotonic_time ();
          window = wg_replay_window_open (live, &error);
          g_assert_no_error (error);
          t = ms_since (start);
          g_array_append_val (window_open, t);

          /* The scrub, the window laid out first. */
          {
            WgReplay *shown = wg_replay_window_get_replay (window);
            Probe probe = { 0, stalls };
            guint probe_id;

            gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
            while (!wg_replay_is_settled (shown) || !wg_replay_get_ticks_loaded (shown))
              g_main_context_iteration (NULL, TRUE);
            iterate_for (200);
            if (!wg_journal_ticks_get_span (wg_context_get_store (context), &first_ts, &last_ts, &error))
              g_error ("%s", error != NULL ? error->message : "no events");
            probe.last = g_get_monotonic_time ();
            probe_id = g_timeout_add (10, probe_cb, &probe);
            for (guint i = 0; i < SCRUB_SEEKS; i++)
              {
                wg_replay_seek (shown, scrub_moment (i, first_ts, last_ts));
                iterate_for (16);
              }
            while (!wg_replay_is_settled (shown))
              g_main_context_iteration (NULL, TRUE);
            iterate_for (100);
            g_source_remove (probe_id);

            /* Again from where it stopped, the board filled: the seeks
             * land elsewhere, so that the refill replaces a full board. */
            probe.gaps = filled_stalls;
            probe.last = g_get_monotonic_time ();
            probe_id = g_timeout_add (10, probe_cb, &probe);
            for (guint i = 0; i < SCRUB_SEEKS; i++)
              {
                wg_replay_seek (shown, scrub_moment (i + 5, first_ts, last_ts));
                iterate_for (16);
              }
            while (!wg_replay_is_settled (shown))
              g_main_context_iteration (NULL, TRUE);
            iterate_for (100);
            g_source_remove (probe_id);
          }
          gtk_window_destroy (GTK_WINDOW (window));
          gtk_window_destroy (GTK_WINDOW (live));
          while (g_main_context_iteration (NULL, FALSE))
            ;
        }
    }

  /* Before: the same seeks by a session on the main loop. */
  if (stalls->len > 0)
    {
      g_autoptr(WgStore) source = wg_store_open (path, &error);
      g_autoptr(WgReplaySession) session = NULL;

      g_assert_no_error (error);
      session = wg_replay_session_new (source, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < SCRUB_SEEKS; i++)
        {
          gint64 start = g_get_monotonic_time ();
          double t;

          if (!wg_replay_session_seek (session, scrub_moment (i, first_ts, last_ts), NULL, &error))
            g_error ("%s", error->message);
          t = ms_since (start);
          g_array_append_val (sync_seeks, t);
        }
    }

  printf ("bench-replay-open: %u days, %u events, median of %u rounds\n", days, n_ticks, rounds);
  printf ("  ticks: decoding every event %.0f ms, one query of stored columns %.0f ms: %.1fx\n",
          median (decode), median (query), median (decode) / MAX (median (query), 0.001));
  printf ("  open (main loop held): before %.0f ms (today's open + the decoding read), after %.0f ms: %.1fx\n",
          median (blocked) + median (decode), median (blocked),
          (median (blocked) + median (decode)) / MAX (median (blocked), 0.001));
  printf ("  ticks on the timeline after %.0f ms (off the main loop)\n", median (ready));
  if (window_open->len > 0)
    printf ("  the Replay window (main loop held): before %.0f ms, after %.0f ms: %.1fx\n",
            median (window_open) + median (decode), median (window_open),
            (median (window_open) + median (decode)) / MAX (median (window_open), 0.001));
  if (stalls->len > 0)
    printf ("  scrub of %u seeks a frame apart (%u rounds): main-loop stalls (10 ms probe) p99 %.1f ms, max %.1f ms;"
            " before, on the main loop, each seek alone held it: p99 %.1f ms, max %.1f ms\n",
            SCRUB_SEEKS, rounds, percentile (stalls, 0.99), percentile (stalls, 1.0),
            percentile (sync_seeks, 0.99), percentile (sync_seeks, 1.0));
  if (filled_stalls->len > 0)
    printf ("  the same scrub again from the filled board: main-loop stalls p99 %.1f ms, max %.1f ms\n",
            percentile (filled_stalls, 0.99), percentile (filled_stalls, 1.0));
  test_rm_rf (dir);
  return 0;
}
