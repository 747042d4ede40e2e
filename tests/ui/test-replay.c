/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replay (scenario 6) on a duty leader's console logged in to the real
 * wangge-server (--demo): a history made through the console's own
 * commands, then Replay opened with its key (Ctrl+R's action).  At every
 * event's moment the replay's board rows, map items and alarm banner equal
 * what the test computes from the journal events itself; it scrubs back,
 * steps, plays at 60x; every command is absent or refused; one Chinese
 * character finds its incidents; a live emergency during the replay shows
 * the live banner over it.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "console-test-util.h"
#include "wg-demo.h"
#include "wg-error.h"
#include "wg-json.h"
#include "wg-map-incident.h"
#include "wg-replay-bar.h"
#include "wg-replay-window.h"
#include "wg-test-server.h"

static char *data_home;

/* An export's answer. */
typedef struct
{
  gboolean  done;
  GError   *error;
} ExportWait;

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  ExportWait *wait = user_data;

  wg_replay_bookmarks_export_finish (WG_REPLAY_BOOKMARKS (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
export_done (gpointer wait)
{
  return ((ExportWait *) wait)->done;
}

typedef struct {
  WgTestServer  *server;
  WgApplication *app;
  WgWindow      *live;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *args[] = { "--demo", NULL };

  f->server = wg_test_server_new (NULL);
  /* The admin posts the forces' positions (as the simulator's feed would). */
  wg_test_server_start (f->server, args);
  f->app = console_test_open ("leader", f->server->base_url);
  f->live = console_test_find_window (f->app);
  g_assert_true (wg_test_iterate_until (console_test_is_online, f->live, 20000));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l != NULL;
       l = gtk_application_get_windows (GTK_APPLICATION (f->app)))
    gtk_window_destroy (l->data);
  wg_test_iterate_for (100);
  g_clear_object (&f->app);
  g_assert_cmpint (wg_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, wg_test_server_free);
}

/* Sends @type with the body @json through the live console and waits
 * until the server has it and the cache holds its events. */
static char *
send (WgWindow   *window,
      const char *type,
      const char *json)
{
  WgContext *context = wg_window_get_context (window);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = wg_json_parse (json, -1, &error);
  WgCommandType kind;
  char *id;

  g_assert_no_error (error);
  g_assert_true (wg_command_type_from_string (type, &kind));
  id = wg_context_send (context, kind, json_node_get_object (body), &error);
  g_assert_no_error (error);
  g_assert_true (wg_test_iterate_until (console_test_is_online, window, 10000));
  /* Distinct moments, so that each event has a moment of its own. */
  wg_test_iterate_for (30);
  return id;
}

static char *
location_of (WgReference *reference,
             const char  *grid_code)
{
  WgGrid *grid = wg_reference_lookup_grid (reference, grid_code);
  double lat, lon;

  g_assert_nonnull (grid);
  wg_geo_shape_interior_point (grid->shape, &lat, &lon);
  return g_strdup_printf ("{\"lat\": %.7f, \"lon\": %.7f}", lat, lon);
}

/* The incident whose report carried @summary, from the cache. */
static char *
incident_of (WgWindow   *window,
             const char *summary)
{
  g_autoptr(GPtrArray) events = wg_store_read_journal (wg_context_get_store (wg_window_get_context (window)),
                                                       0, 100000, NULL);

  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->type == WG_EV_INCIDENT_REPORTED &&
          g_strcmp0 (wg_event_get_body_string (event, "summary"), summary) == 0)
        return g_strdup (event->incident);
    }
  g_assert_not_reached ();
}

/* The history: a fire (emergency) reported, acknowledged, dispatched,
 * reached and resolved; a noise complaint in between. */
static void
make_history (Fixture  *f,
              char    **fire_out,
              char    **noise_out)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->live));
  g_autofree char *at_fire = location_of (reference, "440111012003006");
  g_autofree char *at_noise = location_of (reference, "440111012010002");
  g_autofree char *fire = NULL, *noise = NULL;
  g_autoptr(GPtrArray) assignments = NULL;
  const char *assignment;
  g_autofree char *body = NULL;

  body = g_strdup_printf ("{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": %s,"
                          " \"summary\": \"3楼起火冒烟\"}", at_fire);
  g_free (send (f->live, "incident.report", body));
  fire = incident_of (f->live, "3楼起火冒烟");
  g_free (body);
  body = g_strdup_printf ("{\"grade\": \"general\", \"category\": \"noise\", \"location\": %s,"
                          " \"summary\": \"夜间装修噪音\"}", at_noise);
  g_free (send (f->live, "incident.report", body));
  noise = incident_of (f->live, "夜间装修噪音");
  g_free (body);

  body = g_strdup_printf ("{\"incident\": \"%s\"}", fire);
  g_free (send (f->live, "alarm.acknowledge", body));
  g_free (body);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"units\": [\"cp-03\", \"eu-03\"]}", fire);
  g_free (send (f->live, "dispatch.assign", body));
  g_free (body);
  assignments = wg_store_list_assignments (wg_context_get_store (wg_window_get_context (f->live)), fire, NULL);
  g_assert_cmpuint (assignments->len, >=, 1);
  assignment = ((WgAssignmentRecord *) assignments->pdata[0])->id;
  for (guint i = 0; i < 3; i++)
    {
      static const char *const steps[] = { "assignment.acknowledge", "assignment.en_route", "assignment.on_scene" };

      body = g_strdup_printf ("{\"assignment\": \"%s\"}", assignment);
      g_free (send (f->live, steps[i], body));
      g_free (body);
    }
  body = g_strdup_printf ("{\"incident\": \"%s\", \"summary\": \"明火已扑灭\"}", fire);
  g_free (send (f->live, "incident.resolve", body));
  *fire_out = g_steal_pointer (&fire);
  *noise_out = g_steal_pointer (&noise);
}

/* What the journal says at @t, computed here from the events alone. */
typedef struct {
  guint    n_incidents;
  guint    n_fire_events;
  gboolean fire_known;
  gboolean fire_unacknowledged;
  gboolean fire_resolved;
} Expected;

static Expected
expected_at (GPtrArray  *journal,
             const char *fire,
             gint64      t)
{
  Expected e = { 0 };

  for (guint i = 0; i < journal->len; i++)
    {
      WgEvent *event = journal->pdata[i];

      if (event->ts > t)
        break;
      if (event->type == WG_EV_INCIDENT_REPORTED)
        e.n_incidents++;
      if (g_strcmp0 (event->incident, fire) != 0)
        continue;
      e.n_fire_events++;
      if (event->type == WG_EV_INCIDENT_REPORTED)
        e.fire_known = TRUE;
      else if (event->type == WG_EV_ALARM_RAISED)
        e.fire_unacknowledged = TRUE;
      else if (event->type == WG_EV_ALARM_ACKNOWLEDGED)
        e.fire_unacknowledged = FALSE;
      else if (event->type == WG_EV_INCIDENT_RESOLVED)
        e.fire_resolved = TRUE;
    }
  return e;
}

/* The replay's worker has answered every seek and read given to it. */
static gboolean
settled (gpointer replay)
{
  return wg_replay_is_settled (replay);
}

static void
seek (WgReplay *replay,
      gint64    t)
{
  wg_replay_seek (replay, t);
  g_assert_true (wg_test_iterate_until (settled, replay, 10000));
}

static void
assert_shows (WgWindow   *replay,
              GPtrArray  *journal,
              const char *fire,
              gint64      t)
{
  Expected e = expected_at (journal, fire, t);
  WgIncidentModel *model;
  WgIncidentItem *item;
  WgAlarmBanner *banner = wg_window_get_alarm_banner (replay);

  /* The state moves, and the views read it, off the main loop. */
  g_assert_true (wg_test_iterate_until (settled, wg_replay_window_get_replay (replay), 10000));
  model = wg_window_get_model (replay);
  item = wg_incident_model_lookup (model, fire);

  g_assert_cmpint (wg_replay_get_time (wg_replay_window_get_replay (replay)), ==, t);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, e.n_incidents);
  g_assert_cmpuint (g_list_model_get_n_items (wg_incident_model_get_map_model (model)), ==, e.n_incidents);
  g_assert_cmpint (item != NULL, ==, e.fire_known);
  if (item == NULL)
    return;
  /* The fire's grid fill: pulsing while its alarm is unacknowledged. */
  g_assert_cmpint (!!(wg_grid_layer_get_state (wg_map_view_get_grid_layer (wg_window_get_map_view (replay)),
                                               wg_incident_item_get_record (item)->grid)
                      & WG_GRID_STATE_UNACKNOWLEDGED), ==, e.fire_unacknowledged);
  g_assert_cmpint (wg_incident_item_is_unacknowledged (item), ==, e.fire_unacknowledged);
  g_assert_cmpint (wg_incident_item_get_record (item)->state == WG_STATE_RESOLVED, ==, e.fire_resolved);
  /* The detail's timeline of the selected fire: its events up to t. */
  if (g_strcmp0 (wg_view_model_get_selected_incident (wg_context_get_view_model (wg_window_get_context (replay))),
                 fire) == 0)
    g_assert_cmpuint (g_list_model_get_n_items (wg_detail_pane_get_timeline (wg_window_get_detail_pane (replay))),
                      ==, e.n_fire_events);
  /* The banner of the moment shown. */
  g_assert_cmpint (g_strcmp0 (wg_alarm_banner_get_incident (banner), fire) == 0, ==, e.fire_unacknowledged);
}

static gboolean
search_done (gpointer bar)
{
  return wg_replay_bar_get_found (bar) != NULL;
}

/* The ids the replay's search finds for @text (read off the main loop). */
static GPtrArray *
search (WgReplayBar *bar,
        const char  *text)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *found;

  wg_replay_bar_search (bar, text);
  g_assert_true (wg_test_iterate_until (search_done, bar, 5000));
  found = wg_replay_bar_get_found (bar);
  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (ids, g_strdup (((WgIncidentRecord *) found->pdata[i])->id));
  return ids;
}

static gboolean
is_replay_window (gpointer window)
{
  return WG_IS_WINDOW (window) && wg_replay_window_get_replay (window) != NULL;
}

static WgWindow *
find_replay_window (WgApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (is_replay_window (l->data))
      return l->data;
  return NULL;
}

static gboolean
has_replay_window (gpointer app)
{
  return find_replay_window (app) != NULL;
}

typedef struct {
  WgReplayBookmarks *bookmarks;
  guint              n;
} BookmarkWait;

static gboolean
has_bookmarks (gpointer data)
{
  BookmarkWait *wait = data;

  return wg_replay_bookmarks_get (wait->bookmarks)->len >= wait->n;
}

static gboolean
has_tracks (gpointer tracks)
{
  return wg_replay_tracks_get_n_units (tracks) > 0;
}

static gboolean
ticks_loaded (gpointer replay)
{
  return wg_replay_get_ticks_loaded (replay);
}

typedef struct {
  WgAlarmBanner *banner;
  guint          n;
} SoundWait;

static gboolean
has_sounded (gpointer data)
{
  SoundWait *wait = data;

  return wg_alarm_banner_get_n_sounds (wait->banner) >= wait->n;
}

/* The first descendant of @widget of @type whose label (a button's, a
 * menu button's tooltip) is @text, or the @nth of @type when @text is
 * NULL. */
static GtkWidget *
find_widget (GtkWidget  *widget,
             GType       type,
             const char *text,
             guint      *nth)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        {
          if (text == NULL && (*nth)-- == 0)
            return child;
          if (text != NULL && GTK_IS_BUTTON (child) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (child)), text) == 0)
            return child;
          if (text != NULL && GTK_IS_MENU_BUTTON (child) && g_strcmp0 (gtk_widget_get_tooltip_text (child), text) == 0)
            return child;
        }
      if ((found = find_widget (child, type, text, nth)) != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_nth (GtkWidget *widget,
          GType      type,
          guint      nth)
{
  return find_widget (widget, type, NULL, &nth);
}

static GtkWidget *
find_labelled (GtkWidget  *widget,
               GType       type,
               const char *text)
{
  guint nth = 0;

  return find_widget (widget, type, text, &nth);
}

static GtkWidget *
find_error_label (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_LABEL (child) && gtk_widget_has_css_class (child, "error"))
        return child;
      if ((found = find_error_label (child)) != NULL)
        return found;
    }
  return NULL;
}

static gboolean
live_banner_shows (gpointer replay)
{
  return wg_alarm_banner_get_revealed (WG_ALARM_BANNER (wg_replay_window_get_live_banner (replay)));
}

static gboolean
model_filled (gpointer model)
{
  return wg_incident_model_is_filled (model);
}

/* The board's model after the seeks so far (refills keep the items that
 * did not change) equals a model filled afresh from the same state: the
 * same items in the same order, showing the same, and their map items. */
static void
assert_as_fresh (WgWindow *replay)
{
  WgReplay *session = wg_replay_window_get_replay (replay);
  WgIncidentModel *model = wg_window_get_model (replay);
  g_autoptr(WgIncidentModel) fresh = NULL;
  GListModel *map = wg_incident_model_get_map_model (model);
  GListModel *fresh_map;
  guint n;

  g_assert_true (wg_test_iterate_until (settled, session, 10000));
  fresh = wg_incident_model_new (wg_replay_get_context (session));
  g_assert_true (wg_test_iterate_until (model_filled, fresh, 10000));
  fresh_map = wg_incident_model_get_map_model (fresh);
  n = g_list_model_get_n_items (G_LIST_MODEL (fresh));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);
  g_assert_cmpuint (g_list_model_get_n_items (map), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_autoptr(WgIncidentItem) expected = g_list_model_get_item (G_LIST_MODEL (fresh), i);
      g_autoptr(WgMapIncident) map_item = g_list_model_get_item (map, i);
      g_autoptr(WgMapIncident) expected_map = g_list_model_get_item (fresh_map, i);
      const WgIncidentRecord *a = wg_incident_item_get_record (item);
      const WgIncidentRecord *b = wg_incident_item_get_record (expected);

      g_assert_cmpstr (a->id, ==, b->id);
      g_assert_true (wg_incident_model_lookup (model, a->id) == item);
      g_assert_cmpint (a->state, ==, b->state);
      g_assert_cmpint (a->alarm, ==, b->alarm);
      g_assert_cmpint (a->grade, ==, b->grade);
      g_assert_cmpint (a->updated_at, ==, b->updated_at);
      g_assert_cmpstr (wg_incident_item_get_assignee (item), ==, wg_incident_item_get_assignee (expected));
      g_assert_cmpstr (wg_map_incident_get_id (map_item), ==, b->id);
      g_assert_cmpstr (wg_map_incident_get_state (map_item), ==, wg_map_incident_get_state (expected_map));
      g_assert_cmpint (wg_map_incident_get_acknowledged (map_item), ==,
                       wg_map_incident_get_acknowledged (expected_map));
    }
}

static void
test_replay (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *fire = NULL, *noise = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GError) error = NULL;
  WgStore *cache = wg_context_get_store (wg_window_get_context (f->live));
  WgWindow *replay;
  WgReplay *session;
  WgReplayBar *bar;
  WgReplayTracks *tracks;
  gint64 from, to, head, track_from = 0;
  guint n_sounds;

  make_history (f, &fire, &noise);
  journal = wg_store_read_journal (cache, 0, 100000, &error);
  g_assert_no_error (error);
  /* cp-03's track: 1 km north in 20 s from the dispatch on. */
  for (guint i = 0; i < journal->len; i++)
    if (((WgEvent *) journal->pdata[i])->type == WG_EV_ASSIGNMENT_CREATED)
      {
        track_from = ((WgEvent *) journal->pdata[i])->ts;
        break;
      }
  {
    g_autofree char *body = g_strdup_printf ("{\"positions\": ["
                                             "{\"unit\": \"cp-03\", \"ts\": %" G_GINT64_FORMAT ", \"lat\": 23.20, \"lon\": 113.29},"
                                             "{\"unit\": \"cp-03\", \"ts\": %" G_GINT64_FORMAT ", \"lat\": 23.21, \"lon\": 113.29}]}",
                                             track_from, track_from + 20000);
    g_autoptr(WgTestResponse) response = wg_test_server_post_json (f->server, "/api/v1/positions", body);

    g_assert_cmpuint (response->status, ==, 200);
  }

  /* Replay opens beside Live with its key's action. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->live), "win.replay", NULL));
  /* Once its worker has read the journal's span (off the main loop). */
  g_assert_true (wg_test_iterate_until (has_replay_window, f->app, 10000));
  replay = find_replay_window (f->app);
  session = wg_replay_window_get_replay (replay);
  bar = WG_REPLAY_BAR (wg_replay_window_get_bar (replay));
  /* The header says what is replayed: the server's journal, as the
   * console's cache holds it (the replay itself has no sync). */
  g_assert_cmpstr (wg_window_get_connection_text (replay), ==,
                   _("Replay of the server’s journal, from this console’s cache"));
  /* The timeline's ticks arrive from a worker: every event of the cache. */
  g_assert_true (wg_test_iterate_until (ticks_loaded, session, 10000));
  g_assert_cmpuint (wg_replay_get_ticks (session)->len, ==, journal->len);
  for (guint i = 0; i < journal->len; i++)
    {
      g_assert_cmpint (g_array_index (wg_replay_get_ticks (session), WgReplayMoment, i).seq, ==,
                       ((WgEvent *) journal->pdata[i])->seq);
      g_assert_cmpint (g_array_index (wg_replay_get_ticks (session), WgReplayMoment, i).type, ==,
                       ((WgEvent *) journal->pdata[i])->type);
    }
  wg_replay_get_window (session, &from, &to);
  g_assert_cmpint (from, <, ((WgEvent *) journal->pdata[0])->ts);
  g_assert_cmpint (to, >, ((WgEvent *) journal->pdata[journal->len - 1])->ts);

  /* Forces at their recorded positions: cp-03 interpolated along its
   * track, hidden before it; eu-03 has none ("no track"). */
  tracks = wg_replay_window_get_tracks (replay);
  g_assert_true (wg_test_iterate_until (has_tracks, tracks, 5000));
  {
    WgPositionStore *positions = wg_context_get_position_store (wg_replay_get_context (session));
    int cp = wg_position_store_lookup (positions, "cp-03");
    int eu = wg_position_store_lookup (positions, "eu-03");

    g_assert_cmpint (cp, >=, 0);
    g_assert_cmpint (eu, >=, 0);
    seek (session, track_from + 10000);
    g_assert_cmpfloat_with_epsilon (wg_position_store_get_lats (positions)[cp], 23.205, 1e-6);
    g_assert_cmpint (wg_position_store_get_times (positions)[cp], ==, track_from + 10000);
    g_assert_cmpint (wg_position_store_get_times (positions)[eu], ==, 0);
    seek (session, track_from - 1000);
    g_assert_cmpint (wg_position_store_get_times (positions)[cp], ==, 0);
    seek (session, track_from + 40000);
    g_assert_cmpfloat_with_epsilon (wg_position_store_get_lats (positions)[cp], 23.21, 1e-6);
    g_assert_cmpint (wg_position_store_get_times (positions)[cp], ==, track_from + 20000);
  }

  /* Scrub: each event's moment, a moment before it, forward then back,
   * the fire selected. */
  wg_view_model_set_selected_incident (wg_context_get_view_model (wg_replay_get_context (session)), fire);
  for (guint i = 0; i < journal->len; i++)
    {
      gint64 ts = ((WgEvent *) journal->pdata[i])->ts;

      wg_replay_seek (session, ts);
      assert_shows (replay, journal, fire, ts);
      wg_replay_seek (session, ts - 1);
      assert_shows (replay, journal, fire, ts - 1);
    }
  for (guint i = journal->len; i > 0; i--)
    {
      gint64 ts = ((WgEvent *) journal->pdata[i - 1])->ts;

      wg_replay_seek (session, ts);
      assert_shows (replay, journal, fire, ts);
    }

  /* Random seek pairs: each lands as a fresh fill would show it. */
  for (guint i = 0; i < 12; i++)
    {
      gint64 a = ((WgEvent *) journal->pdata[g_test_rand_int_range (0, journal->len)])->ts;
      gint64 b = ((WgEvent *) journal->pdata[g_test_rand_int_range (0, journal->len)])->ts;

      seek (session, a);
      assert_as_fresh (replay);
      seek (session, b);
      assert_as_fresh (replay);
    }

  /* Step: from the start, each event's moment in turn. */
  wg_replay_seek (session, from);
  assert_shows (replay, journal, fire, from);
  for (guint i = 0; i < journal->len; i++)
    {
      gint64 ts = ((WgEvent *) journal->pdata[i])->ts;

      if (i > 0 && ts == ((WgEvent *) journal->pdata[i - 1])->ts)
        continue;
      g_assert_true (wg_replay_step (session, 1));
      assert_shows (replay, journal, fire, ts);
    }
  g_assert_false (wg_replay_step (session, 1));
  g_assert_true (wg_replay_step (session, -1));

  /* The fire's key moments: reported first, resolved last. */
  {
    g_autoptr(GArray) moments = wg_replay_key_moments (session, fire);
    guint n_resolved = 0;

    g_assert_cmpuint (moments->len, >=, 6);
    g_assert_cmpint (g_array_index (moments, WgReplayMoment, 0).type, ==, WG_EV_INCIDENT_REPORTED);
    for (guint i = 0; i < moments->len; i++)
      n_resolved += g_array_index (moments, WgReplayMoment, i).type == WG_EV_INCIDENT_RESOLVED;
    g_assert_cmpuint (n_resolved, ==, 1);
    wg_replay_seek (session, from);
    g_assert_true (wg_replay_step_moment (session, fire, 1));
    assert_shows (replay, journal, fire, g_array_index (moments, WgReplayMoment, 0).ts);
  }

  /* Play at 60x from the start: the minute before the first event goes
   * by in a second of wall time; the state follows the clock. */
  wg_replay_seek (session, from);
  wg_replay_set_rate (session, 60.0);
  wg_test_iterate_for (1500);
  {
    gint64 t = wg_replay_get_time (session);

    g_assert_cmpint (t, >, from + 30 * 1000);
    wg_replay_set_rate (session, 0.0);
    t = wg_replay_get_time (session);
    assert_shows (replay, journal, fire, t);
  }
  wg_replay_seek (session, to);
  assert_shows (replay, journal, fire, to);

  /* Read-only: every incident action off with its reason, no buttons, the
   * window's commands off, and a command sent anyway refused. */
  wg_view_model_set_selected_incident (wg_context_get_view_model (wg_replay_get_context (session)), fire);
  {
    WgIncidentActions *actions = wg_window_get_actions (replay);
    GActionGroup *group = wg_incident_actions_get_group (actions);
    g_auto(GStrv) names = g_action_group_list_actions (group);
    g_autoptr(GPtrArray) primary = g_ptr_array_new ();
    g_autoptr(GPtrArray) more = g_ptr_array_new ();
    g_autoptr(JsonObject) body = json_object_new ();
    g_autofree char *id = NULL;
    static const char *const window_actions[] = { "win.intake", "win.acknowledge", "win.handover", "win.replay" };

    g_assert_cmpuint (g_strv_length (names), >, 10);
    for (guint i = 0; names[i] != NULL; i++)
      {
        g_assert_false (g_action_group_get_action_enabled (group, names[i]));
        g_assert_nonnull (wg_incident_actions_get_reason (actions, names[i]));
      }
    wg_incident_actions_get_shown (actions, primary, more);
    g_assert_cmpuint (primary->len + more->len, ==, 0);
    guint n_windows = g_list_model_get_n_items (gtk_window_get_toplevels ());

    /* Off: activating them opens no dialog and no second replay. */
    for (guint i = 0; i < G_N_ELEMENTS (window_actions); i++)
      gtk_widget_activate_action (GTK_WIDGET (replay), window_actions[i], NULL);
    wg_test_iterate_for (100);
    g_assert_cmpuint (g_list_model_get_n_items (gtk_window_get_toplevels ()), ==, n_windows);
    g_assert_false (gtk_widget_get_visible (wg_alarm_banner_get_acknowledge_button (wg_window_get_alarm_banner (replay))));

    head = wg_store_head (cache);
    json_object_set_string_member (body, "incident", fire);
    json_object_set_string_member (body, "text", "x");
    id = wg_context_send (wg_replay_get_context (session), WG_CMD_INCIDENT_NOTE, body, &error);
    g_assert_null (id);
    g_assert_error (error, WG_ERROR, WG_ERROR_FORBIDDEN);
    g_clear_error (&error);
    g_assert_cmpuint (wg_sync_client_get_queued (wg_context_get_sync_client (wg_window_get_context (f->live))), ==, 0);
  }

  /* Search: one character, and a case number in lower case. */
  {
    g_autoptr(GPtrArray) found = search (bar, "火");
    g_autoptr(GPtrArray) noisy = search (bar, "噪");
    g_auto(WgIncidentRecord) record = { 0 };
    g_autofree char *number = NULL;
    g_autoptr(GPtrArray) by_number = NULL;

    g_assert_cmpuint (found->len, ==, 1);
    g_assert_cmpstr (found->pdata[0], ==, fire);
    g_assert_cmpuint (noisy->len, ==, 1);
    g_assert_cmpstr (noisy->pdata[0], ==, noise);
    g_assert_true (wg_store_get_incident (cache, fire, &record, NULL));
    number = g_ascii_strdown (record.case_number, -1);
    by_number = search (bar, number);
    g_assert_cmpuint (by_number->len, ==, 1);
    /* A day as the span. */
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (record.reported_at / 1000);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, wg_reference_get_time_zone (
                                                              wg_context_get_reference (wg_window_get_context (f->live))));
      g_autofree char *day = g_date_time_format (local, "%Y-%m-%d");
      g_autoptr(GPtrArray) that_day = search (bar, day);
      gint64 day_from, day_to;

      g_assert_cmpuint (that_day->len, ==, 2);
      g_assert_false (wg_replay_bar_pick_day (bar, "yesterday"));
      g_assert_true (wg_replay_bar_pick_day (bar, day));
      wg_replay_get_window (session, &day_from, &day_to);
      g_assert_cmpint (day_to - day_from, ==, 24 * 3600 * 1000);
      g_assert_cmpint (day_from, <=, record.reported_at);
      g_assert_cmpint (record.reported_at, <, day_to);
      g_assert_cmpint (wg_replay_get_time (session), ==, day_from);
    }
    wg_replay_bar_pick (bar, noise);
    /* Its span follows its key moments, read off the main loop. */
    g_assert_true (wg_test_iterate_until (settled, session, 10000));
    g_assert_cmpstr (wg_view_model_get_selected_incident (wg_context_get_view_model (wg_replay_get_context (session))),
                     ==, noise);
  }

  /* The time-window picker: to after from, within the journal; it
   * limits the timeline.  Through the picker's own fields, then the
   * function. */
  {
    GtkWidget *button = find_labelled (GTK_WIDGET (bar), GTK_TYPE_MENU_BUTTON, _("Time Window"));
    GtkWidget *popover, *apply, *message;
    GtkCalendar *from_day, *to_day;
    GtkSpinButton *from_hour, *from_minute, *to_hour, *to_minute;
    gint64 bounds_from, bounds_to, window_from, window_to, fire_at = 0;
    g_autoptr(GDateTime) utc = NULL;
    g_autoptr(GDateTime) local = NULL;
    g_autoptr(GDateTime) start = NULL;

    g_assert_nonnull (button);
    popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
    wg_replay_bar_show_window_picker (bar);
    wg_test_iterate_for (50);
    g_assert_true (gtk_widget_get_visible (popover));
    from_day = GTK_CALENDAR (find_nth (popover, GTK_TYPE_CALENDAR, 0));
    to_day = GTK_CALENDAR (find_nth (popover, GTK_TYPE_CALENDAR, 1));
    from_hour = GTK_SPIN_BUTTON (find_nth (popover, GTK_TYPE_SPIN_BUTTON, 0));
    from_minute = GTK_SPIN_BUTTON (find_nth (popover, GTK_TYPE_SPIN_BUTTON, 1));
    to_hour = GTK_SPIN_BUTTON (find_nth (popover, GTK_TYPE_SPIN_BUTTON, 2));
    to_minute = GTK_SPIN_BUTTON (find_nth (popover, GTK_TYPE_SPIN_BUTTON, 3));
    apply = find_labelled (popover, GTK_TYPE_BUTTON, _("_Show This Window"));
    message = find_error_label (popover);
    g_assert_nonnull (to_minute);
    g_assert_nonnull (apply);
    g_assert_nonnull (message);
    /* It opens on the window shown, which is valid. */
    g_assert_true (gtk_widget_get_sensitive (apply));
    g_assert_false (gtk_widget_get_visible (message));

    for (guint i = 0; i < journal->len; i++)
      if (g_strcmp0 (((WgEvent *) journal->pdata[i])->subject, fire) == 0)
        {
          fire_at = ((WgEvent *) journal->pdata[i])->ts;
          break;
        }
    utc = g_date_time_new_from_unix_utc (fire_at / 1000);
    local = g_date_time_to_timezone (utc, wg_reference_get_time_zone (
                                       wg_context_get_reference (wg_window_get_context (f->live))));
    start = g_date_time_new (g_date_time_get_timezone (local), g_date_time_get_year (local),
                             g_date_time_get_month (local), g_date_time_get_day_of_month (local),
                             g_date_time_get_hour (local), g_date_time_get_minute (local), 0);

    /* To before from: refused, with the reason under the fields. */
    gtk_calendar_select_day (from_day, start);
    gtk_calendar_select_day (to_day, start);
    gtk_spin_button_set_value (from_hour, g_date_time_get_hour (start));
    gtk_spin_button_set_value (from_minute, g_date_time_get_minute (start));
    gtk_spin_button_set_value (to_hour, g_date_time_get_hour (start));
    gtk_spin_button_set_value (to_minute, g_date_time_get_minute (start));
    g_assert_false (gtk_widget_get_sensitive (apply));
    g_assert_true (gtk_widget_get_visible (message));
    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (message)), ==, _("The end of the window must come after its start."));

    /* A day before the journal: refused, saying where it begins. */
    wg_replay_get_bounds (session, &bounds_from, &bounds_to);
    {
      g_autoptr(GDateTime) day_before = g_date_time_add_days (start, -1);
      g_autofree char *first = wg_replay_format_moment (session, bounds_from / 60000 * 60000);

      gtk_calendar_select_day (from_day, day_before);
      gtk_spin_button_set_value (to_hour, (g_date_time_get_hour (start) + 1) % 24);
      g_assert_false (gtk_widget_get_sensitive (apply));
      g_assert_nonnull (strstr (gtk_label_get_label (GTK_LABEL (message)), first));
    }

    /* The fire's minute to the end of the journal: shown. */
    {
      g_autoptr(GDateTime) end_utc = g_date_time_new_from_unix_utc ((bounds_to / 60000 + 1) * 60);
      g_autoptr(GDateTime) end = g_date_time_to_timezone (end_utc, g_date_time_get_timezone (local));

      gtk_calendar_select_day (from_day, start);
      gtk_calendar_select_day (to_day, end);
      gtk_spin_button_set_value (to_hour, g_date_time_get_hour (end));
      gtk_spin_button_set_value (to_minute, g_date_time_get_minute (end));
    }
    g_assert_true (gtk_widget_get_sensitive (apply));
    g_assert_false (gtk_widget_get_visible (message));
    g_signal_emit_by_name (apply, "clicked");
    wg_test_iterate_for (50);
    g_assert_false (gtk_widget_get_visible (popover));
    wg_replay_get_window (session, &window_from, &window_to);
    g_assert_cmpint (window_from, ==, g_date_time_to_unix (start) * 1000);
    g_assert_cmpint (window_to, ==, (bounds_to / 60000 + 1) * 60000);
    g_assert_cmpint (wg_replay_get_time (session), >=, window_from);
    g_assert_cmpint (wg_replay_get_time (session), <=, window_to);
    /* Stepping stays inside the window. */
    wg_replay_seek (session, window_from);
    g_assert_false (wg_replay_step (session, -1));

    /* The same rules through the function. */
    g_assert_false (wg_replay_bar_set_time_window (bar, window_to, window_from, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (wg_replay_bar_set_time_window (bar, bounds_from - 24 * 3600 * 1000, window_to, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    wg_replay_get_window (session, &from, &to);
    g_assert_cmpint (from, ==, window_from);
    g_assert_cmpint (to, ==, window_to);
    g_assert_true (wg_replay_bar_set_time_window (bar, bounds_from / 60000 * 60000, window_to, &error));
    g_assert_no_error (error);

    /* Whole Journal: every event again. */
    wg_replay_bar_show_window_picker (bar);
    wg_test_iterate_for (50);
    g_signal_emit_by_name (find_labelled (popover, GTK_TYPE_BUTTON, _("_Whole Journal")), "clicked");
    wg_test_iterate_for (50);
    g_assert_false (gtk_widget_get_visible (popover));
    wg_replay_get_window (session, &from, &to);
    g_assert_cmpint (from, ==, bounds_from);
    g_assert_cmpint (to, ==, bounds_to);
  }

  /* Bookmarks: added at moments from the timeline's bar, exported as CSV
   * (UTF-8 with a BOM, CRLF, quoted where needed). */
  {
    WgReplayBookmarks *bookmarks = wg_replay_bar_get_bookmarks (bar);
    g_auto(WgIncidentRecord) record = { 0 };
    g_autofree char *dir = g_dir_make_tmp ("wangge-bookmarks-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "bookmarks.csv", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autofree char *csv = NULL;
    g_autofree char *expected = NULL;
    g_auto(GStrv) lines = NULL;
    GArray *moments;

    wg_replay_bar_pick (bar, fire);
    g_assert_true (wg_test_iterate_until (settled, session, 10000));
    moments = wg_replay_key_moments (session, fire);
    wg_replay_seek (session, g_array_index (moments, WgReplayMoment, 2).ts);
    wg_replay_bar_add_bookmark (bar, "确认及时, \"9 秒\"");
    g_assert_true (wg_test_iterate_until (has_bookmarks, &(BookmarkWait) { bookmarks, 1 }, 5000));
    wg_view_model_set_selected_incident (wg_context_get_view_model (wg_replay_get_context (session)), NULL);
    wg_replay_seek (session, g_array_index (moments, WgReplayMoment, moments->len - 1).ts);
    wg_replay_bar_add_bookmark (bar, "处置完毕");
    g_assert_true (wg_test_iterate_until (has_bookmarks, &(BookmarkWait) { bookmarks, 2 }, 5000));

    /* Written off the main loop; into a folder that is not there, an
     * error that says so. */
    {
      g_autofree char *missing = g_build_filename (dir, "gone", "bookmarks.csv", NULL);
      g_autoptr(GFile) nowhere = g_file_new_for_path (missing);
      ExportWait failed = { FALSE, NULL };
      ExportWait exported = { FALSE, NULL };

      wg_replay_bookmarks_export_async (bookmarks, nowhere, NULL, exported_cb, &failed);
      g_assert_true (wg_test_iterate_until (export_done, &failed, 10000));
      g_assert_error (failed.error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      g_clear_error (&failed.error);
      wg_replay_bookmarks_export_async (bookmarks, file, NULL, exported_cb, &exported);
      g_assert_true (wg_test_iterate_until (export_done, &exported, 10000));
      g_assert_no_error (exported.error);
    }
    g_assert_true (g_file_get_contents (path, &csv, NULL, NULL));
    g_assert_true (g_str_has_prefix (csv, "\xEF\xBB\xBF"));
    lines = g_strsplit (csv + 3, "\r\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 4);
    g_assert_cmpstr (lines[3], ==, "");
    g_assert_null (strchr (lines[1], '\n'));
    g_assert_true (wg_store_get_incident (cache, fire, &record, NULL));
    expected = g_strdup_printf ("%s,\"确认及时, \"\"9 秒\"\"\",leader,%s", record.case_number, fire);
    g_assert_nonnull (strstr (lines[1], expected));
    g_assert_nonnull (strstr (lines[2], ",,处置完毕,leader,"));
    g_array_unref (moments);
    g_unlink (path);
    g_rmdir (dir);
  }

  /* A live emergency while the replay shows the start: its live banner
   * over the replay, which still shows no incident at all. */
  wg_replay_seek (session, from);
  g_assert_false (live_banner_shows (replay));
  n_sounds = wg_alarm_banner_get_n_sounds (wg_window_get_alarm_banner (f->live));
  {
    WgReference *reference = wg_context_get_reference (wg_window_get_context (f->live));
    g_autofree char *at = location_of (reference, "440111012008006");
    g_autofree char *body = g_strdup_printf ("{\"grade\": \"emergency\", \"category\": \"traffic_accident\","
                                             " \"location\": %s, \"summary\": \"两车相撞\"}", at);

    g_free (send (f->live, "incident.report", body));
  }
  g_assert_true (wg_test_iterate_until (live_banner_shows, replay, 5000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (wg_window_get_model (replay))), ==, 0);
  g_assert_null (wg_alarm_banner_get_incident (wg_window_get_alarm_banner (replay)));
  g_assert_cmpint (wg_store_head (cache), >, head);

  /* It beeps once, from the live window, and again at its repeat; the
   * replay's window only shows it.  Muting either mutes both. */
  {
    WgAlarmBanner *live_banner = wg_window_get_alarm_banner (f->live);
    WgAlarmBanner *shown = WG_ALARM_BANNER (wg_replay_window_get_live_banner (replay));

    g_assert_true (wg_test_iterate_until (has_sounded, &(SoundWait) { live_banner, n_sounds + 2 }, 10000));
    g_assert_cmpuint (wg_alarm_banner_get_n_sounds (shown), ==, 0);
    wg_alarm_banner_set_muted (shown, TRUE);
    g_assert_true (wg_alarm_banner_get_muted (live_banner));
    wg_alarm_banner_set_muted (live_banner, FALSE);
    g_assert_false (wg_alarm_banner_get_muted (shown));

    /* The live window gone, the replay's sounds for the live alarm. */
    gtk_window_destroy (GTK_WINDOW (f->live));
    f->live = NULL;
    g_assert_true (wg_test_iterate_until (has_sounded, &(SoundWait) { shown, 1 }, 10000));
  }

  /* Back to live: the replay's window goes, the live one stays. */
  gtk_window_close (GTK_WINDOW (replay));
  wg_test_iterate_for (100);
  g_assert_null (find_replay_window (f->app));
}

/* A console without a server keeps its cache in memory: the replay
 * projects it itself.  At each event's moment, forward and back, the
 * replay's store holds the incidents reported by then. */
static void
test_replay_in_memory (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_context_load_demo_reference (&error);
  g_autoptr(WgActor) actor = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgContext) live = NULL;
  g_autoptr(WgReplay) replay = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  WgStore *state;

  g_assert_no_error (error);
  live = wg_context_new_local (reference, ":memory:", actor, &error);
  g_assert_no_error (error);
  g_assert_true (wg_demo_fill (live, &error));
  journal = wg_store_read_journal (wg_context_get_store (live), 0, 100000, &error);
  g_assert_no_error (error);
  /* Opened as the Replay action opens it: answered from the main loop. */
  {
    g_autoptr(GAsyncResult) result = NULL;

    wg_replay_new_async (live, NULL, console_test_keep_result, &result);
    g_assert_null (result);
    g_assert_true (wg_test_iterate_until (console_test_has_result, &result, 5000));
    replay = wg_replay_new_finish (result, &error);
    g_assert_no_error (error);
  }
  state = wg_context_get_store (wg_replay_get_context (replay));

  for (guint pass = 0; pass < 2; pass++)
    for (guint j = 0; j < journal->len; j++)
      {
        guint i = pass == 0 ? j : journal->len - 1 - j;
        gint64 ts = ((WgEvent *) journal->pdata[i])->ts;
        g_autoptr(GPtrArray) incidents = NULL;
        guint n_reported = 0;
        gint64 last_seq = 0;

        for (guint k = 0; k < journal->len && ((WgEvent *) journal->pdata[k])->ts <= ts; k++)
          {
            n_reported += ((WgEvent *) journal->pdata[k])->type == WG_EV_INCIDENT_REPORTED;
            last_seq = ((WgEvent *) journal->pdata[k])->seq;
          }
        wg_replay_seek (replay, ts);
        incidents = wg_store_list_incidents (state, FALSE, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (incidents->len, ==, n_reported);
        g_assert_cmpint (wg_replay_get_seq (replay), ==, last_seq);
      }
}

int
main (int    argc,
      char **argv)
{
  int status;

  data_home = console_test_data_home ("wangge-replay-XXXXXX");
  if (!console_test_init (&argc, &argv))
    return g_test_run ();

  g_test_add ("/replay/scenario-6", Fixture, NULL, fixture_set_up, test_replay, fixture_tear_down);
  g_test_add_func ("/replay/in-memory", test_replay_in_memory);
  status = g_test_run ();
  test_rm_rf (data_home);
  return status;
}
