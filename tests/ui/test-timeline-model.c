/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgTimelineModel over a real local store filled through the engine: an
 * incident's events, oldest first; one new event is one
 * items_changed (n, 0, 1); another incident's events leave it alone;
 * switching incidents is one change.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>

#include "test-files.h"
#include "wg-demo.h"
#include "wg-timeline-model.h"

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
report (WgContext *context)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  char *id;

  g_assert_true (json_parser_load_from_data (parser,
                                             "{\"grade\": \"professional\", \"category\": \"streetlight\","
                                             " \"location\": {\"lat\": 23.2154, \"lon\": 113.2927},"
                                             " \"summary\": \"路灯不亮\"}", -1, &error));
  body = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  id = wg_context_send (context, WG_CMD_INCIDENT_REPORT, body, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

/* The one incident of @context's store other than @known (NULL: none
 * known yet).  Not "the latest reported": two reports can fall in the
 * same millisecond. */
static char *
new_incident (WgContext  *context,
              const char *known)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = wg_store_list_incidents (wg_context_get_store (context), FALSE, &error);
  const char *id = NULL;

  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    {
      const WgIncidentRecord *r = all->pdata[i];

      if (g_strcmp0 (r->id, known) == 0)
        continue;
      g_assert_null (id);
      id = r->id;
    }
  g_assert_nonnull (id);
  return g_strdup (id);
}

static void
note (WgContext  *context,
      const char *incident)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  json_object_set_string_member (body, "incident", incident);
  json_object_set_string_member (body, "text", "已电话联系");
  id = wg_context_send (context, WG_CMD_INCIDENT_NOTE, body, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
}

static void
test_one_event_one_insert (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wangge-timeline-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(WgReference) reference = wg_context_load_demo_reference (&error);
  g_autoptr(WgActor) actor = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgContext) context = NULL;
  g_autoptr(WgTimelineModel) model = NULL;
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (Change));
  g_autofree char *first = NULL, *second = NULL, *first_id = NULL, *second_id = NULL;
  GListModel *list;
  guint n;
  Change *c;

  g_assert_no_error (error);
  context = wg_context_new_local (reference, path, actor, &error);
  g_assert_no_error (error);
  first_id = report (context);
  first = new_incident (context, NULL);
  second_id = report (context);
  second = new_incident (context, first);
  g_assert_cmpstr (first, !=, second);

  model = wg_timeline_model_new (context);
  list = G_LIST_MODEL (model);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
  g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), changes);

  /* Set: the report, read once, in one change. */
  wg_timeline_model_set_incident (model, first);
  n = g_list_model_get_n_items (list);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (changes->len, ==, 1);
  c = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (c->position, ==, 0);
  g_assert_cmpuint (c->removed, ==, 0);
  g_assert_cmpuint (c->added, ==, n);
  {
    g_autoptr(WgTimelineEvent) item = g_list_model_get_item (list, 0);
    g_assert_cmpint (wg_timeline_event_get_event (item)->type, ==, WG_EV_INCIDENT_REPORTED);
  }

  /* One new event of the incident: one insert at the end. */
  g_array_set_size (changes, 0);
  note (context, first);
  g_assert_cmpuint (changes->len, ==, 1);
  c = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (c->position, ==, n);
  g_assert_cmpuint (c->removed, ==, 0);
  g_assert_cmpuint (c->added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, n + 1);
  {
    g_autoptr(WgTimelineEvent) item = g_list_model_get_item (list, n);
    g_assert_cmpint (wg_timeline_event_get_event (item)->type, ==, WG_EV_INCIDENT_NOTED);
  }

  /* Another incident's event: nothing. */
  g_array_set_size (changes, 0);
  note (context, second);
  g_assert_cmpuint (changes->len, ==, 0);

  /* Another incident: one change, all out, its events in. */
  wg_timeline_model_set_incident (model, second);
  g_assert_cmpuint (changes->len, ==, 1);
  c = &g_array_index (changes, Change, 0);
  g_assert_cmpuint (c->removed, ==, n + 1);
  g_assert_cmpuint (c->added, ==, g_list_model_get_n_items (list));

  g_clear_object (&model);
  g_clear_object (&context);
  test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/timeline-model/one-event-one-insert", test_one_event_one_insert);
  return g_test_run ();
}
