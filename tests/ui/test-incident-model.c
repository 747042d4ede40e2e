/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgIncidentModel over a real local store filled through the engine: a
 * batch of events is announced as few items_changed (a catch-up page
 * touches incidents all over the model), a live update stays exact, and
 * the items say what the store says.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>

#include "wg-demo.h"
#include "wg-incident-model.h"

typedef struct {
  guint position, removed, added;
} Change;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  GArray     *changes)
{
  Change change = { position, removed, added };

  g_array_append_val (changes, change);
}

static char *
report (WgContext *context,
        gint64     at_ms,
        guint      n,
        GPtrArray *events)
{
  g_autoptr(GError) error = NULL;
  char *id = wg_demo_run (context, "worker-17", at_ms, events, &error, "incident.report",
                          "{\"grade\": \"professional\", \"category\": \"streetlight\","
                          " \"location\": {\"lat\": 23.2154, \"lon\": 113.2927},"
                          " \"summary\": \"路灯 %u\"}", n);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static void
route (WgContext  *context,
       const char *incident,
       GPtrArray  *events)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = wg_demo_run (context, "dispatcher", wg_context_now_ms (context), events,
                                     &error, "incident.route",
                                     "{\"incident\": \"%s\", \"department\": \"urban\"}", incident);

  g_assert_no_error (error);
  g_assert_nonnull (id);
}

static void
assert_state (WgIncidentModel *model,
              guint            position,
              WgIncidentState  state)
{
  g_autoptr(WgIncidentItem) item = g_list_model_get_item (G_LIST_MODEL (model), position);
  g_autoptr(GObject) map_item = g_list_model_get_item (wg_incident_model_get_map_model (model),
                                                       position);
  g_autofree char *map_state = NULL;

  g_assert_cmpint (wg_incident_item_get_record (item)->state, ==, state);
  g_object_get (map_item, "state", &map_state, NULL);
  g_assert_cmpstr (map_state, ==, wg_incident_state_to_string (state));
}

static void
test_batch_and_live (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wangge-model-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(WgReference) reference = wg_context_load_demo_reference (&error);
  g_autoptr(WgActor) actor = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgContext) context = NULL;
  g_autoptr(WgIncidentModel) model = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  gint64 now;
  Change *c;

  g_assert_no_error (error);
  context = wg_context_new_local (reference, path, actor, &error);
  g_assert_no_error (error);
  now = wg_context_now_ms (context);
  for (guint i = 0; i < 40; i++)
    g_ptr_array_add (ids, report (context, now - (100 - i) * 60000, i, events));
  model = wg_incident_model_new (context);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 40);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), changes);

  /* A page's worth: every other incident routed (20 runs) and three new
   * ones, in one batch: one range and one append. */
  g_ptr_array_set_size (events, 0);
  for (guint i = 0; i < 40; i += 2)
    route (context, ids->pdata[i], events);
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (ids, report (context, now - (50 - i) * 60000, 40 + i, events));
  wg_context_events_applied (context, events);
  g_assert_cmpuint (changes->len, ==, 2);
  c = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (c->position, ==, 0);
  g_assert_cmpuint (c->removed, ==, 39);
  g_assert_cmpuint (c->added, ==, 39);
  c = &g_array_index (changes, Change, 1);
  g_assert_cmpuint (c->position, ==, 40);
  g_assert_cmpuint (c->removed, ==, 0);
  g_assert_cmpuint (c->added, ==, 3);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 43);
  g_assert_cmpuint (g_list_model_get_n_items (wg_incident_model_get_map_model (model)), ==, 43);
  for (guint i = 0; i < 43; i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpstr (wg_incident_item_get_id (item), ==, ids->pdata[i]);
      g_assert_true (wg_incident_model_lookup (model, ids->pdata[i]) == item);
      assert_state (model, i, i < 40 && i % 2 == 0 ? WG_STATE_ROUTED : WG_STATE_REPORTED);
    }

  /* Live: two incidents apart and two side by side, exact rows. */
  g_array_set_size (changes, 0);
  g_ptr_array_set_size (events, 0);
  route (context, ids->pdata[5], events);
  route (context, ids->pdata[41], events);
  route (context, ids->pdata[42], events);
  route (context, ids->pdata[1], events);
  wg_context_events_applied (context, events);
  g_assert_cmpuint (changes->len, ==, 3);
  c = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (c->position, ==, 1);
  g_assert_cmpuint (c->removed, ==, 1);
  g_assert_cmpuint (c->added, ==, 1);
  c = &g_array_index (changes, Change, 1);
  g_assert_cmpuint (c->position, ==, 5);
  g_assert_cmpuint (c->removed, ==, 1);
  g_assert_cmpuint (c->added, ==, 1);
  c = &g_array_index (changes, Change, 2);
  g_assert_cmpuint (c->position, ==, 41);
  g_assert_cmpuint (c->removed, ==, 2);
  g_assert_cmpuint (c->added, ==, 2);
  assert_state (model, 1, WG_STATE_ROUTED);
  assert_state (model, 5, WG_STATE_ROUTED);
  assert_state (model, 41, WG_STATE_ROUTED);
  assert_state (model, 42, WG_STATE_ROUTED);
  g_assert_cmpuint (wg_incident_model_get_n_changes (model), ==, 5);

  g_clear_object (&model);
  g_clear_object (&context);
  {
    g_autofree char *wal = g_strconcat (path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (path, "-shm", NULL);

    g_unlink (wal);
    g_unlink (shm);
    g_unlink (path);
    g_rmdir (dir);
  }
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/incident-model/batch-and-live", test_batch_and_live);
  return g_test_run ();
}
