/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console's incident model over a cache of N incidents: how long it
 * takes to build (baseline: the store listing the same incidents), and
 * what one live update costs (one incident routed, applied in place).
 *   bench-board [--short] [N]     (N: 5,000 by default, 1,000 with --short)
 */
#include "config.h"

#include <glib/gstdio.h>

#include "wg-context.h"
#include "wg-demo.h"
#include "wg-incident-model.h"

static double
seconds_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  guint n = 5000;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-board-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autoptr(WgReference) reference = NULL;
  g_autoptr(WgActor) actor = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgContext) context = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(WgIncidentModel) model = NULL;
  gint64 now, start;
  double t_list = 0, t_model, t_update;
  const guint n_updates = 100;
  const guint rounds = 3;
  guint n_measured;

  /* bench-board [--short] [N] */
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--short"))
        n = 1000;
      else if (g_ascii_strtoull (argv[i], NULL, 10) >= 20)
        n = (guint) g_ascii_strtoull (argv[i], NULL, 10);
    }

  g_assert_no_error (error);
  path = g_build_filename (dir, "journal.db", NULL);
  reference = wg_context_load_demo_reference (&error);
  g_assert_no_error (error);
  context = wg_context_new_local (reference, path, actor, &error);
  g_assert_no_error (error);
  now = wg_context_now_ms (context);

  /* N professional incidents, a tenth of them emergencies, in one go. */
  g_assert_true (wg_store_begin (wg_context_get_store (context), &error));
  for (guint i = 0; i < n; i++)
    {
      char *id = wg_demo_run (context, "worker-17", now - (gint64) (n - i) * 1000, events, &error,
                              "incident.report",
                              "{\"grade\": \"%s\", \"category\": \"%s\","
                              " \"location\": {\"lat\": 23.2154, \"lon\": 113.2927}, \"summary\": \"%u\"}",
                              i % 10 == 0 ? "emergency" : "professional",
                              i % 10 == 0 ? "fire" : "streetlight", i);
      g_assert_no_error (error);
      g_ptr_array_add (ids, id);
    }
  g_assert_true (wg_store_commit (wg_context_get_store (context), &error));

  /* Baseline: the store listing them (what any view must at least do). */
  for (guint r = 0; r < rounds; r++)
    {
      g_autoptr(GPtrArray) list = NULL;

      start = g_get_monotonic_time ();
      list = wg_store_list_incidents (wg_context_get_store (context), FALSE, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (list->len, ==, n);
      t_list += seconds_since (start);
    }
  t_list /= rounds;

  start = g_get_monotonic_time ();
  model = wg_incident_model_new (context);
  t_model = seconds_since (start);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);

  /* Live updates: route one professional incident at a time. */
  t_update = 0;
  n_measured = 0;
  for (guint u = 0; u < n_updates; u++)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
      const char *id = ids->pdata[1 + (u * 10) % (n - 1)];
      g_autofree char *subject = NULL;

      if ((1 + (u * 10) % (n - 1)) % 10 == 0)
        continue;
      subject = wg_demo_run (context, "dispatcher", now, batch, &error, "incident.route",
                             "{\"incident\": \"%s\", \"department\": \"urban\"}", id);
      g_assert_no_error (error);
      start = g_get_monotonic_time ();
      wg_context_events_applied (context, batch);
      t_update += seconds_since (start);
      n_measured++;
    }
  t_update /= MAX (n_measured, 1);

  g_print ("incidents: %u\n", n);
  g_print ("store listing (baseline): %.1f ms\n", t_list * 1000);
  g_print ("incident model built: %.1f ms (%.2fx the listing)\n", t_model * 1000, t_model / t_list);
  g_print ("one live update applied in place: %.3f ms (%.4fx the listing)\n",
           t_update * 1000, t_update / t_list);

  g_clear_object (&model);
  g_clear_object (&context);
  g_remove (path);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);
    g_remove (wal);
    g_remove (shm);
  }
  g_rmdir (dir);
  return 0;
}
