/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replay's seek: the state of the Helong year at random moments, from the
 * nearest checkpoint plus the events after it (wg_store_state_at), against
 * projecting the same journal prefix from scratch in the same run.  Goals
 * (issue: replay): p95 < 50 ms for the year, >= 100x faster than from
 * scratch.  Also prints the checkpoints' count and the journal's size, so
 * that a denser checkpoint policy shows its cost.
 *
 *   bench-seek [--short] [--moments N] [--checkpoint-interval N] [--seed N]
 */
#define G_LOG_DOMAIN "bench-seek"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>

#include "test-files.h"
#include "wg-bench.h"
#include "wg-history.h"

static char *
demo_dir (void)
{
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

/* The journal prefix up to @t applied to an empty store, as a console
 * cache would: the from-scratch baseline. */
static gint64
project_from_scratch (WgStore    *source,
                      WgRules    *rules,
                      gint64      t,
                      const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgStore) scratch = NULL;
  gint64 after = 0, start = g_get_monotonic_time ();
  gboolean done = FALSE;

  test_rm_rf (path);
  scratch = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_set_rules (scratch, rules);
  wg_store_set_checkpoint_interval (scratch, 0);
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
  return g_get_monotonic_time () - start;
}

int
main (int    argc,
      char **argv)
{
  gboolean short_run = FALSE;
  int moments = 200, baselines = 8, interval = -1, seed = 42;
  const GOptionEntry entries[] = {
    { "short", 0, 0, G_OPTION_ARG_NONE, &short_run, "Fewer moments", NULL },
    { "moments", 0, 0, G_OPTION_ARG_INT, &moments, "Random moments to seek to (200)", "N" },
    { "checkpoint-interval", 0, 0, G_OPTION_ARG_INT, &interval, "Events between checkpoints (the store's default)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the history and of the moments (42)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-seek-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *scratch = g_build_filename (dir, "scratch.db", NULL);
  g_autofree char *baseline_path = g_build_filename (dir, "baseline.db", NULL);
  g_autofree char *demo = demo_dir ();
  g_autoptr(WgReference) ref = NULL;
  g_autoptr(GArray) seeks = g_array_new (FALSE, FALSE, sizeof (gint64));      /* us */
  g_autoptr(GArray) scratches = g_array_new (FALSE, FALSE, sizeof (gint64));  /* us */
  g_autofree char *interval_text = NULL;
  GStatBuf st = { 0 };
  g_autoptr(GRand) rand = NULL;
  WgHistoryParams params;
  WgHistoryStats stats;
  WgStore *store;
  gint64 first_ts, last_ts;
  double generate_s, p50, p95, worst, base50, ratio;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (short_run)
    {
      moments = MIN (moments, 20);
      baselines = 2;
    }
  rand = g_rand_new_with_seed ((guint32) seed);

  ref = wg_reference_load_dir (demo, &error);
  g_assert_no_error (error);
  store = wg_store_open (path, &error);
  g_assert_no_error (error);
  if (interval >= 0)
    wg_store_set_checkpoint_interval (store, (guint) interval);
  wg_history_params_init_from_reference (&params, ref);
  params.seed = (guint64) seed;
  params.anchor = "2026-11-28";
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
  printf ("bench-seek: Helong year, %u incidents, %" G_GINT64_FORMAT " events, %u checkpoints "
          "(interval %s), generated in %.1f s, journal %.1f MiB\n",
          stats.incidents, wg_store_head (store), wg_store_count_checkpoints (store),
          interval_text, generate_s, st.st_size / 1048576.0);

  for (int i = 0; i < moments; i++)
    {
      gint64 t = first_ts + (gint64) (g_rand_double (rand) * (last_ts - first_ts));
      gint64 start = g_get_monotonic_time ();
      g_autoptr(WgStore) at = wg_store_state_at (store, t, scratch, &error);
      gint64 us = g_get_monotonic_time () - start;

      if (at == NULL)
        g_error ("state_at: %s", error->message);
      g_array_append_val (seeks, us);
      if (i < baselines)
        {
          gint64 base = project_from_scratch (store, wg_store_get_rules (store), t, baseline_path);
          g_array_append_val (scratches, base);
        }
    }

  wg_bench_sort_gint64 (seeks);
  wg_bench_sort_gint64 (scratches);
  p50 = wg_bench_percentile (seeks, 0.50) / 1000.0;
  p95 = wg_bench_percentile (seeks, 0.95) / 1000.0;
  worst = wg_bench_percentile (seeks, 1.0) / 1000.0;
  base50 = wg_bench_percentile (scratches, 0.50) / 1000.0;
  ratio = base50 / p50;
  printf ("seek (checkpoint + delta), %d random moments: p50 %.1f ms, p95 %.1f ms, max %.1f ms\n",
          moments, p50, p95, worst);
  printf ("from scratch (same prefix, %d moments): p50 %.0f ms\n", baselines, base50);
  printf ("ratio (scratch p50 / seek p50): %.0fx\n", ratio);
  printf ("goals: p95 < 50 ms: %s; >= 100x: %s\n", p95 < 50 ? "met" : "NOT met", ratio >= 100 ? "met" : "NOT met");

  wg_store_unref (store);
  test_rm_rf (dir);
  return 0;
}
