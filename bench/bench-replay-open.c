/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Opening Replay on a console whose cache holds the generated Helong year
 * (issues 17, 16): how long opening holds the main loop, synchronously
 * (wg_replay_new(), the journal's span and the session's set-up on the
 * main loop, as the console did before) and asynchronously
 * (wg_replay_new_async(): its call and its finish), alternated in each
 * round, and how long the timeline's ticks take to arrive from the
 * worker.  Baseline for the ticks in the same run: reading them the way
 * Replay did in session 6 (every event of the cache read and decoded, in
 * pages of 5,000, on the main loop).  With a display, also the whole
 * Replay window opened by the Replay action beside a live window over the
 * same cache (the main loop's stalls, a 10 ms probe, from the action to
 * its first picture), and a scrub in it: SCRUB_SEEKS seeks
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

/* An asynchronous opening: the replay, and the time its finish took. */
typedef struct
{
  WgReplay *replay;
  double    finish_ms;
  gboolean  answered;
} Opened;

static void
replay_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Opened *opened = user_data;
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  opened->replay = wg_replay_new_finish (result, &error);
  opened->finish_ms = ms_since (start);
  g_assert_no_error (error);
  opened->answered = TRUE;
}

static void
window_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(WgWindow **) user_data = wg_replay_window_open_finish (result, &error);
  g_assert_no_error (error);
}

static void
print_load (const char *when)
{
  g_autofree char *load = NULL;

  if (g_file_get_contents ("/proc/loadavg", &load, NULL, NULL))
    printf ("  load %s: %s", when, load);
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
  g_autoptr(GArray) async_held = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) async_answered = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) window_stalls = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ready = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) window_open = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) window_shown = g_array_new (FALSE, FALSE, sizeof (double));
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
  print_load ("at the start");
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

      /* Old and new alternated: the synchronous open first in even
       * rounds, the asynchronous one first in odd rounds. */
      for (guint k = 0; k < 2; k++)
        {
          if ((k + round) % 2 == 0)
            {
              g_autoptr(WgReplay) sync = NULL;

              start = g_get_monotonic_time ();
              sync = wg_replay_new (context, &error);
              g_assert_no_error (error);
              t = ms_since (start);
              g_array_append_val (blocked, t);
              /* Its ticks' reading ends before the next open. */
              while (!wg_replay_get_ticks_loaded (sync) || !wg_replay_is_settled (sync))
                g_main_context_iteration (NULL, TRUE);
            }
          else
            {
              Opened opened = { NULL, 0, FALSE };
              double held;

              start = g_get_monotonic_time ();
              wg_replay_new_async (context, NULL, replay_opened_cb, &opened);
              held = ms_since (start);
              while (!opened.answered)
                g_main_context_iteration (NULL, TRUE);
              t = ms_since (start);
              g_array_append_val (async_answered, t);
              held += opened.finish_ms;
              g_array_append_val (async_held, held);
              replay = opened.replay;
              /* From the answer on: the ticks are read once the replay
               * is made. */
              start = g_get_monotonic_time ();
              while (!wg_replay_get_ticks_loaded (replay))
                g_main_context_iteration (NULL, TRUE);
              t = ms_since (start);
              g_array_append_val (ready, t);
              while (!wg_replay_is_settled (replay))
                g_main_context_iteration (NULL, TRUE);
            }
        }
      g_assert_cmpuint (wg_replay_get_ticks (replay)->len, ==, n_ticks);

      if (app != NULL)
        {
          WgWindow *live = wg_window_new_with_context (app, context);
          WgWindow *window;

          gtk_window_present (GTK_WINDOW (live));
          while (g_main_context_iteration (NULL, FALSE))
            ;
          /* As the Replay action opens it, the probe running from the
           * action to the first picture (the ticks, the state at its
           * start, a frame). */
          {
            Probe probe = { g_get_monotonic_time (), window_stalls };
            guint probe_id = g_timeout_add (10, probe_cb, &probe);

            window = NULL;
            start = g_get_monotonic_time ();
            wg_replay_window_open_async (live, NULL, window_opened_cb, &window);
            while (window == NULL)
              g_main_context_iteration (NULL, TRUE);
            t = ms_since (start);
            g_array_append_val (window_open, t);
            gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
            while (!wg_replay_is_settled (wg_replay_window_get_replay (window)) ||
                   !wg_replay_get_ticks_loaded (wg_replay_window_get_replay (window)))
              g_main_context_iteration (NULL, TRUE);
            iterate_for (50);
            t = ms_since (start);
            g_array_append_val (window_shown, t);
            g_source_remove (probe_id);
          }

          /* The scrub, the window laid out first. */
          {
            WgReplay *shown = wg_replay_window_get_replay (window);
            Probe probe = { 0, stalls };
            guint probe_id;

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
  print_load ("at the end");
  printf ("  ticks: decoding every event %.0f ms, one query of stored columns %.0f ms: %.1fx\n",
          median (decode), median (query), median (decode) / MAX (median (query), 0.001));
  printf ("  open (main loop held): wg_replay_new %.1f ms, wg_replay_new_async %.2f ms (its call and its finish;"
          " answered after %.0f ms): %.0fx\n",
          median (blocked), median (async_held), median (async_answered),
          median (blocked) / MAX (median (async_held), 0.001));
  printf ("  ticks on the timeline %.0f ms after the open answered (off the main loop)\n", median (ready));
  if (window_open->len > 0)
    printf ("  the Replay window by its action: opened after %.0f ms, first picture after %.0f ms;"
            " main-loop stalls meanwhile (10 ms probe) p99 %.1f ms, max %.1f ms\n",
            median (window_open), median (window_shown),
            percentile (window_stalls, 0.99), percentile (window_stalls, 1.0));
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
