/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replay's seek: one WgReplaySession moved to random moments of a
 * generated history, in random order (back and forth), and played forward
 * at 600x (a frame every 100 ms: steps of a minute), against projecting
 * the same journal prefix from scratch in the same run, and against
 * wg_store_state_at (a new scratch database per seek, the way replay
 * worked before sessions).  Wall time and the thread's CPU time (less
 * sensitive to a loaded machine).  Histories: the Helong year, and in the
 * full run the city-scale history (bench-console-start's --city-scale:
 * the Helong street's incidents times 3).  Goals (issue 17): p95 < 50 ms
 * for the year, < 200 ms for the city, >= 100x faster than from scratch.
 * Also prints the checkpoints' count and the journal's size, so that a
 * denser checkpoint policy shows its cost.
 *
 *   bench-seek [--short] [--moments N] [--checkpoint-interval N] [--seed N]
 *              [--city-scale X] [--days N] [--baselines N]
 */
#define G_LOG_DOMAIN "bench-seek"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "test-files.h"
#include "wg-bench.h"
#include "wg-history.h"
#include "wg-replay-session.h"

#define PLAY_STEPS 100
#define PLAY_STEP_MS 60000

static char *
demo_dir (void)
{
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

typedef struct
{
  gint64 wall_us;
  gint64 cpu_us;
} Cost;

static gint64
cpu_now_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
cost_start (Cost *cost)
{
  cost->wall_us = g_get_monotonic_time ();
  cost->cpu_us = cpu_now_us ();
}

static void
cost_stop (Cost   *cost,
           GArray *walls,
           GArray *cpus)
{
  gint64 wall = g_get_monotonic_time () - cost->wall_us;
  gint64 cpu = cpu_now_us () - cost->cpu_us;

  g_array_append_val (walls, wall);
  g_array_append_val (cpus, cpu);
}

/* The journal prefix up to @t applied to an empty store, as a console
 * cache would: the from-scratch baseline. */
static void
project_from_scratch (WgStore    *source,
                      gint64      t,
                      const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgStore) scratch = NULL;
  g_autoptr(GPtrArray) units = wg_store_list_units (source, &error);
  gint64 after = 0;
  gboolean done = FALSE;

  g_assert_no_error (error);
  test_rm_rf (path);
  scratch = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_set_rules (scratch, wg_store_get_rules (source));
  wg_store_set_checkpoint_interval (scratch, 0);
  for (guint i = 0; i < units->len; i++)
    {
      WgUnitRecord *unit = units->pdata[i];

      if (!wg_store_register_unit (scratch, unit->id, unit->type, unit->name, unit->home_grid, unit->account, &error))
        g_error ("register: %s", error->message);
    }
  while (!done)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (source, after, 5000, &error);
      g_autoptr(GPtrArray) prefix = g_ptr_array_new ();

      g_assert_no_error (error);
      for (guint i = 0; i < page->len; i++)
        {
          WgEvent *event = page->pdata[i];

          if (event->ts > t)
            {
              done = TRUE;
              break;
            }
          g_ptr_array_add (prefix, event);
          after = event->seq;
        }
      if (page->len < 5000)
        done = TRUE;
      if (prefix->len > 0 && !wg_store_apply_events (scratch, prefix, &error))
        g_error ("apply: %s", error->message);
    }
}

typedef struct
{
  GArray *wall;
  GArray *cpu;
} Series;

static void
series_init (Series *s)
{
  s->wall = g_array_new (FALSE, FALSE, sizeof (gint64));
  s->cpu = g_array_new (FALSE, FALSE, sizeof (gint64));
}

static void
series_clear (Series *s)
{
  g_clear_pointer (&s->wall, g_array_unref);
  g_clear_pointer (&s->cpu, g_array_unref);
}

static double
ms (GArray *sorted,
    double  p)
{
  return wg_bench_percentile (sorted, p) / 1000.0;
}

static void
series_print (const char *what,
              Series     *s)
{
  wg_bench_sort_gint64 (s->wall);
  wg_bench_sort_gint64 (s->cpu);
  printf ("  %s, %u: wall p50 %.1f ms, p95 %.1f ms, max %.1f ms; CPU p50 %.1f ms, p95 %.1f ms\n",
          what, s->wall->len, ms (s->wall, 0.5), ms (s->wall, 0.95), ms (s->wall, 1.0),
          ms (s->cpu, 0.5), ms (s->cpu, 0.95));
}

static void
run_history (const char *label,
             WgReference *ref,
             double       incident_scale,
             int          days,
             int          seed,
             int          interval,
             int          delta_interval,
             int          moments,
             int          baselines,
             double       p95_goal_ms)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-seek-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *scratch = g_build_filename (dir, "scratch.db", NULL);
  g_autofree char *baseline_path = g_build_filename (dir, "baseline.db", NULL);
  g_autofree char *interval_text = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed ((guint32) seed);
  g_autoptr(WgStore) store = NULL;
  g_autoptr(WgReplaySession) session = NULL;
  Series seeks, plays, scratches, state_ats;
  GStatBuf st = { 0 };
  WgHistoryParams params;
  WgHistoryStats stats;
  gint64 first_ts, last_ts;
  double generate_s, p95, ratio, cpu_ratio;

  series_init (&seeks);
  series_init (&plays);
  series_init (&scratches);
  series_init (&state_ats);

  store = wg_store_open (path, &error);
  g_assert_no_error (error);
  if (interval >= 0)
    wg_store_set_checkpoint_interval (store, (guint) interval);
  if (delta_interval >= 0)
    wg_store_set_delta_interval (store, (guint) delta_interval);
  wg_history_params_init_from_reference (&params, ref);
  params.seed = (guint64) seed;
  params.anchor = "2026-11-28";
  params.days = days;
  params.incident_scale = incident_scale;
  {
    gint64 start = g_get_monotonic_time ();

    if (!wg_history_generate (store, NULL, ref, &params, &stats, &error))
      g_error ("generate: %s", error->message);
    generate_s = (g_get_monotonic_time () - start) / 1e6;
  }
  {
    g_autoptr(GPtrArray) head = wg_store_read_journal (store, 0, 1, &error);
    g_autoptr(GPtrArray) tail = wg_store_read_journal (store, wg_store_head (store) - 1, 1, &error);

    first_ts = ((WgEvent *) head->pdata[0])->ts;
    last_ts = ((WgEvent *) tail->pdata[0])->ts;
  }
  interval_text = interval >= 0 ? g_strdup_printf ("%d", interval) : g_strdup ("default");
  g_stat (path, &st);
  printf ("bench-seek: %s, %u incidents, %" G_GINT64_FORMAT " events, %u checkpoints "
          "(interval %s), generated in %.1f s, journal %.1f MiB\n",
          label, stats.incidents, wg_store_head (store), wg_store_count_checkpoints (store),
          interval_text, generate_s, st.st_size / 1048576.0);

  session = wg_replay_session_new (store, &error);
  g_assert_no_error (error);
  for (int i = 0; i < moments; i++)
    {
      gint64 t = first_ts + (gint64) (g_rand_double (rand) * (last_ts - first_ts));
      Cost cost;

      cost_start (&cost);
      if (!wg_replay_session_seek (session, t, NULL, &error))
        g_error ("seek: %s", error->message);
      cost_stop (&cost, seeks.wall, seeks.cpu);

      if (i < baselines)
        {
          g_autoptr(WgStore) at = NULL;

          cost_start (&cost);
          at = wg_store_state_at (store, t, scratch, &error);
          if (at == NULL)
            g_error ("state_at: %s", error->message);
          cost_stop (&cost, state_ats.wall, state_ats.cpu);

          cost_start (&cost);
          project_from_scratch (store, t, baseline_path);
          cost_stop (&cost, scratches.wall, scratches.cpu);
        }
    }
  {
    gint64 t = first_ts + (gint64) (g_rand_double (rand) * (last_ts - first_ts));

    if (!wg_replay_session_seek (session, t, NULL, &error))
      g_error ("seek: %s", error->message);
    for (int i = 0; i < PLAY_STEPS; i++)
      {
        Cost cost;

        t += PLAY_STEP_MS;
        cost_start (&cost);
        if (!wg_replay_session_seek (session, t, NULL, &error))
          g_error ("seek: %s", error->message);
        cost_stop (&cost, plays.wall, plays.cpu);
      }
  }

  series_print ("seek, random moments back and forth", &seeks);
  series_print ("play at 600x (steps of a minute)", &plays);
  series_print ("wg_store_state_at (a new scratch file each)", &state_ats);
  series_print ("from scratch (the same prefix)", &scratches);
  p95 = ms (seeks.wall, 0.95);
  ratio = ms (scratches.wall, 0.5) / ms (seeks.wall, 0.5);
  cpu_ratio = ms (scratches.cpu, 0.5) / MAX (ms (seeks.cpu, 0.5), 0.001);
  printf ("  ratio (scratch p50 / seek p50): wall %.0fx, CPU %.0fx; state_at p50 / seek p50: %.0fx\n",
          ratio, cpu_ratio, ms (state_ats.wall, 0.5) / ms (seeks.wall, 0.5));
  printf ("  goals: p95 < %.0f ms: %s; >= 100x: %s\n", p95_goal_ms,
          p95 < p95_goal_ms ? "met" : "NOT met", ratio >= 100 ? "met" : "NOT met");

  series_clear (&seeks);
  series_clear (&plays);
  series_clear (&scratches);
  series_clear (&state_ats);
  g_clear_pointer (&session, wg_replay_session_free);
  g_clear_pointer (&store, wg_store_unref);
  test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  gboolean short_run = FALSE;
  int moments = 200, baselines = 8, interval = -1, delta_interval = -1, seed = 42, days = 365;
  double city_scale = 3;
  const GOptionEntry entries[] = {
    { "short", 0, 0, G_OPTION_ARG_NONE, &short_run, "Fewer moments, no city-scale history", NULL },
    { "moments", 0, 0, G_OPTION_ARG_INT, &moments, "Random moments to seek to (200)", "N" },
    { "checkpoint-interval", 0, 0, G_OPTION_ARG_INT, &interval, "Events between full checkpoints (the store's default)", "N" },
    { "delta-interval", 0, 0, G_OPTION_ARG_INT, &delta_interval, "Events between delta checkpoints (the store's default; 0: none)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the history and of the moments (42)", "N" },
    { "city-scale", 0, 0, G_OPTION_ARG_DOUBLE, &city_scale, "Incidents per street times X for the city-scale history (3; 0 skips it)", "X" },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, "Days of each history (365)", "N" },
    { "baselines", 0, 0, G_OPTION_ARG_INT, &baselines, "Moments also projected from scratch (8; --short: 2)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *demo = demo_dir ();
  g_autoptr(WgReference) ref = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (short_run)
    {
      moments = MIN (moments, 20);
      baselines = MIN (baselines, 2);
      city_scale = 0;
    }
  days = CLAMP (days, 1, 3660);
  baselines = CLAMP (baselines, 1, moments);

  ref = wg_reference_load_dir (demo, &error);
  g_assert_no_error (error);
  {
    g_autofree char *label = days == 365 ? g_strdup ("Helong year") : g_strdup_printf ("Helong, %d days", days);

    run_history (label, ref, 1.0, days, seed, interval, delta_interval, moments, baselines, 50);
  }
  if (city_scale > 0)
    {
      g_autofree char *label = g_strdup_printf ("city-scale history (incident scale %g, %d days)", city_scale, days);

      run_history (label, ref, city_scale, days, seed, interval, delta_interval, moments, baselines, 200);
    }
  return 0;
}
