/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drill mode against the real server (wangge-server --demo): the trainer
 * starts the missing-elderly scenario; a duty leader's console joins it,
 * acknowledges the exercise's alarm and dispatches the dispatch dialog's
 * proposal through its own actions, its commands going to the exercise's
 * endpoint; the trainer's console joins too and its score grid shows the
 * scores (both decisions within their targets, the plan sent whole: 100,
 * 100); a force sent moves on the exercise's track and the drill's map has
 * it there, the live picture not; the live board, the server's live
 * journal and the leader's live cache show none of it; the trainer injects a scripted step, pauses and
 * ends the exercise from the window.  From a past incident (Replay's "Start a drill from here"): a
 * live fire acknowledged, then, after the chosen moment, dispatched; the
 * trainer's drill starts in between, so only the dispatch is the
 * trainees', waiting, beside what really happened.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "console-test-util.h"
#include "wg-dispatch-dialog.h"
#include "wg-drill-window.h"
#include "wg-replay-window.h"
#include "wg-test-server.h"

static WgApplication *
start_console (WgTestServer *server,
               const char   *username)
{
  WgApplication *app = console_test_open (username, server->base_url);

  g_assert_true (wg_test_iterate_until (console_test_is_online, console_test_find_window (app), 20000));
  return app;
}

typedef struct {
  WgDrillWindow *window;
  const char    *incident;
  const char    *state;
} Wait;

typedef struct
{
  WgDrillSession *session;
  guint           n_statements;   /* on the main thread before the answer */
  guint           n_connections;  /* opened meanwhile */
} Joined;

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Joined *joined = user_data;
  g_autoptr(GError) error = NULL;

  joined->n_statements = console_test_count_main_sql_end (NULL, &joined->n_connections);
  joined->session = wg_drill_session_new_remote_finish (WG_CONTEXT (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
has_joined (gpointer joined)
{
  return ((Joined *) joined)->session != NULL;
}

static gboolean
drill_has_incident (gpointer data)
{
  Wait *w = data;
  WgContext *drill = wg_drill_session_get_context (wg_drill_window_get_session (w->window));
  g_auto(WgIncidentRecord) record = { 0 };

  /* On the board (the actions act on its rows), and in this state. */
  if (wg_incident_model_lookup (wg_drill_window_get_model (w->window), w->incident) == NULL ||
      !wg_store_get_incident (wg_context_get_store (drill), w->incident, &record, NULL))
    return FALSE;
  return w->state == NULL || g_str_equal (wg_incident_state_to_string (record.state), w->state);
}

static gboolean
dispatch_settled (gpointer dialog)
{
  return !wg_dispatch_dialog_is_pending (dialog);
}

typedef struct {
  WgTestServer *server;
  const char   *token;
  const char   *path;
  const char   *state;
} RecordWait;

static gboolean
exercise_in_state (gpointer data)
{
  RecordWait *w = data;
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (w->server, w->token, "GET", w->path, NULL, NULL);

  return r->status == 200 &&
         g_strcmp0 (json_object_get_string_member (wg_test_response_object (r), "state"), w->state) == 0;
}

typedef struct
{
  WgDrillSession *session;
  const char     *incident;
} ProposalWait;

/* The dispatch proposal for @incident's alarm has been read. */
static gboolean
has_proposal (gpointer data)
{
  ProposalWait *w = data;
  g_autoptr(WgDrillScore) score = wg_drill_session_compute (w->session, FALSE);
  WgDrillDecision *d = wg_drill_score_lookup_decision (score, w->incident, WG_DRILL_DECISION_DISPATCH);

  return d != NULL && d->proposal != NULL && d->proposal[0] != NULL;
}

/* The window learns the end from the server's answer. */
static gboolean
drill_ended (gpointer window)
{
  return wg_drill_window_is_ended (window);
}

static gboolean
camera_noted (gpointer data)
{
  Wait *w = data;
  WgContext *drill = wg_drill_session_get_context (wg_drill_window_get_session (w->window));
  g_autoptr(GPtrArray) events = wg_store_read_incident_events (wg_context_get_store (drill), w->incident, NULL);

  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->type == WG_EV_INCIDENT_NOTED &&
          g_strstr_len (wg_event_get_body_string (event, "text"), -1, "监控") != NULL)
        return TRUE;
    }
  return FALSE;
}

static gboolean
grid_scored (gpointer window)
{
  g_autoptr(WgDrillScore) score = wg_drill_session_compute (wg_drill_window_get_session (window), FALSE);

  wg_drill_window_refresh (window);
  return score->decisions->len == 2 &&
         ((WgDrillDecision *) score->decisions->pdata[0])->state == WG_DRILL_TAKEN &&
         ((WgDrillDecision *) score->decisions->pdata[1])->state == WG_DRILL_TAKEN;
}

typedef struct {
  WgContext  *context;
  const char *unit;
  double      lat;
} PositionWait;

static gboolean
unit_at (gpointer data)
{
  PositionWait *w = data;
  WgPositionStore *positions = wg_context_get_position_store (w->context);
  int index = wg_position_store_lookup (positions, w->unit);

  return index >= 0 && G_APPROX_VALUE (wg_position_store_get_lats (positions)[index], w->lat, 1e-6);
}

static WgDrillWindow *
find_drill_window (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (WG_IS_DRILL_WINDOW (window))
        return WG_DRILL_WINDOW (window);
    }
  return NULL;
}

static gboolean
drill_window_open (gpointer data)
{
  return find_drill_window () != NULL;
}

static AdwMessageDialog *
find_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && g_object_get_data (window, "choices") != NULL)
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

static gboolean
chooser_open (gpointer data)
{
  return find_chooser () != NULL;
}

static void
test_drill_on_server (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", NULL };
  g_autofree char *trainer_token = NULL, *leader_token = NULL;
  g_autoptr(WgApplication) leader_app = NULL, trainer_app = NULL;
  g_autoptr(WgDrillSession) leader_session = NULL, trainer_session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL, *incident = NULL, *record_path = NULL;
  g_autofree char *ack_cell = NULL, *dispatch_cell = NULL, *total = NULL;
  g_autoptr(WgDrillScore) score = NULL;
  WgWindow *leader, *trainer;
  WgDrillWindow *leader_drill, *trainer_drill;
  WgContext *drill_context;
  GtkWidget *dialog;
  guint live_incidents;
  WgDrillDecision *d;

  server->no_admin = TRUE;
  wg_test_server_start (server, args);
  trainer_token = wg_test_server_login (server, "trainer", "demo");
  leader_token = wg_test_server_login (server, "leader", "demo");
  leader_app = start_console (server, "leader");
  leader = console_test_find_window (leader_app);
  live_incidents = g_list_model_get_n_items (G_LIST_MODEL (wg_window_get_model (leader)));

  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer_token, "POST", "/api/v1/exercises",
                                                             "application/json",
                                                             "{\"scenario\": \"missing-elderly.json\"}");
    JsonObject *o;

    g_assert_cmpuint (r->status, ==, 201);
    o = wg_test_response_object (r);
    id = g_strdup (json_object_get_string_member (o, "id"));
    incident = g_strdup (json_object_get_string_member (o, "incident"));
    record_path = g_strconcat ("/api/v1/exercises/", id, NULL);
  }

  /* The leader joins from the main menu's list (win.drill), acknowledges
   * and dispatches in the exercise. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (leader), "win.drill", NULL));
  g_assert_true (wg_test_iterate_until (chooser_open, NULL, 20000));
  {
    AdwMessageDialog *chooser = find_chooser ();
    GtkDropDown *choices = g_object_get_data (G_OBJECT (chooser), "choices");
    GtkStringObject *first = g_list_model_get_item (gtk_drop_down_get_model (choices), 0);

    /* A duty leader joins; only a trainer starts. */
    g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (choices)), ==, 1);
    g_assert_nonnull (strstr (gtk_string_object_get_string (first), id));
    g_object_unref (first);
    adw_message_dialog_response (chooser, "open");
  }
  g_assert_true (wg_test_iterate_until (drill_window_open, NULL, 20000));
  leader_drill = find_drill_window ();
  leader_session = g_object_ref (wg_drill_window_get_session (leader_drill));
  drill_context = wg_drill_session_get_context (leader_session);
  {
    Wait w = { leader_drill, incident, NULL };

    g_assert_true (wg_test_iterate_until (drill_has_incident, &w, 20000));
  }
  /* From the drill's first picture (its journal still being read for the
   * score, the proposal for the alarm's dispatch on its way) to the
   * dispatch: no SQL on the main loop's connection to the drill's cache.
   * (Before it, the sync client's reset of the new cache to the
   * exercise's journal reloads the head there: 10 statements, as every
   * cold start's.) */
  console_test_count_sql_begin (drill_context);
  wg_view_model_set_selected_incident (wg_context_get_view_model (drill_context), incident);
  wg_test_iterate_for (100);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (leader_drill), "incident.acknowledge", NULL));

  dialog = g_object_ref (wg_dispatch_dialog_new (drill_context, incident));
  gtk_window_present (GTK_WINDOW (dialog));
  wg_test_iterate_for (100);
  wg_dispatch_dialog_dispatch (WG_DISPATCH_DIALOG (dialog));
  g_assert_true (wg_test_iterate_until (dispatch_settled, dialog, 20000));
  g_assert_null (wg_dispatch_dialog_get_error (WG_DISPATCH_DIALOG (dialog)));
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);
  /* The proposal for the alarm's dispatch, read once the cache held the
   * incident (its journal came first). */
  g_assert_true (wg_test_iterate_until (has_proposal, &(ProposalWait) { leader_session, incident }, 20000));
  g_assert_cmpuint (console_test_count_sql_end (drill_context), ==, 0);
  /* (This check reads the cache itself.) */
  {
    Wait w = { leader_drill, incident, "dispatched" };

    g_assert_true (wg_test_iterate_until (drill_has_incident, &w, 20000));
  }

  /* The trainer's grid: acknowledged and dispatched within seconds (60 s
   * and 180 s targets: 100 each), the dialog's plan sent whole (forces
   * 100): leader scores 100. */
  trainer_app = start_console (server, "trainer");
  trainer = console_test_find_window (trainer_app);
  /* Joining: the exercise's cache made and the reference written into
   * it with no statement on the main thread. */
  {
    Joined joined = { NULL, 0, 0 };

    /* Every connection opened meanwhile (the exercise's cache, its
     * outbox) is counted. */
    console_test_count_main_sql_begin (NULL, TRUE);
    wg_drill_session_new_remote_async (wg_window_get_context (trainer), id, "missing-elderly", NULL,
                                       joined_cb, &joined);
    g_assert_true (wg_test_iterate_until (has_joined, &joined, 20000));
    /* The cache and the outbox were counted. */
    g_assert_cmpuint (joined.n_connections, >=, 2);
    g_assert_cmpuint (joined.n_statements, ==, 0);
    trainer_session = joined.session;
  }
  trainer_drill = WG_DRILL_WINDOW (wg_drill_window_new (trainer_session, wg_window_get_context (trainer),
                                                        wg_window_get_model (trainer)));
  gtk_window_present (GTK_WINDOW (trainer_drill));
  g_assert_true (wg_test_iterate_until (grid_scored, trainer_drill, 20000));
  score = wg_drill_session_compute (trainer_session, FALSE);
  d = wg_drill_score_lookup_decision (score, incident, WG_DRILL_DECISION_ACKNOWLEDGE);
  g_assert_cmpstr (d->actor, ==, "leader");
  g_assert_cmpint (d->elapsed_ms, <, 60 * 1000);
  g_assert_cmpfloat (d->points, ==, 100);
  d = wg_drill_score_lookup_decision (score, incident, WG_DRILL_DECISION_DISPATCH);
  g_assert_cmpstr (d->actor, ==, "leader");
  g_assert_cmpuint (d->missing, ==, 0);
  g_assert_cmpuint (d->extra, ==, 0);
  g_assert_cmpfloat (d->points, ==, 100);
  ack_cell = wg_drill_window_dup_cell_text (trainer_drill, "leader", 1);
  dispatch_cell = wg_drill_window_dup_cell_text (trainer_drill, "leader", 2);
  total = wg_drill_window_dup_cell_text (trainer_drill, "leader", 0);
  g_assert_true (g_str_has_prefix (ack_cell, "100"));
  g_assert_true (g_str_has_prefix (dispatch_cell, "100"));
  g_assert_cmpstr (total, ==, "100");

  /* A force sent moves on the exercise's own track: the drill's map has it
   * there, the live picture does not. */
  {
    WgReference *reference = wg_context_get_reference (drill_context);
    WgForce *force = NULL;
    g_autofree char *token = NULL, *path = NULL, *body = NULL, *record = NULL;
    g_autoptr(WgTestResponse) posted = NULL;
    PositionWait w = { wg_drill_session_get_context (trainer_session), NULL, 23.2345 };
    PositionWait live = { wg_window_get_context (trainer), NULL, 23.2345 };
    gint64 clock;

    for (guint i = 0; force == NULL && i < d->units->len; i++)
      {
        WgForce *f = wg_reference_lookup_force (reference, d->units->pdata[i]);

        if (f != NULL && f->account != NULL)
          force = f;
      }
    g_assert_nonnull (force);
    token = wg_test_server_login (server, force->account, "demo");
    record = g_strdup_printf ("/api/v1/exercises/%s", id);
    {
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer_token, "GET", record, NULL, NULL);

      clock = json_object_get_int_member (wg_test_response_object (r), "clock");
    }
    path = g_strdup_printf ("/api/v1/exercises/%s/positions", id);
    body = g_strdup_printf ("{\"positions\":[{\"unit\":\"%s\",\"ts\":%" G_GINT64_FORMAT
                            ",\"lat\":23.2345,\"lon\":113.2789,\"status\":\"busy\"}]}", force->id, clock);
    posted = wg_test_server_request_as (server, token, "POST", path, "application/json", body);
    g_assert_cmpuint (posted->status, ==, 200);
    w.unit = live.unit = force->id;
    g_assert_true (wg_test_iterate_until (unit_at, &w, 20000));
    g_assert_false (unit_at (&live));
    g_assert_true (wg_map_view_fly_to_unit (wg_drill_window_get_map_view (trainer_drill), force->id));
  }

  /* Nothing live: the leader's live board and cache, the server's live journal. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (wg_window_get_model (leader))), ==, live_incidents);
  g_assert_null (wg_incident_model_lookup (wg_window_get_model (leader), incident));
  {
    g_auto(WgIncidentRecord) record = { 0 };

    g_assert_false (wg_store_get_incident (wg_context_get_store (wg_window_get_context (leader)), incident,
                                           &record, NULL));
  }
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, leader_token, "GET",
                                                             "/api/v1/journal?after=0&limit=5000", NULL, NULL);
    JsonArray *events;

    g_assert_cmpuint (r->status, ==, 200);
    events = json_object_get_array_member (wg_test_response_object (r), "events");
    for (guint i = 0; i < json_array_get_length (events); i++)
      {
        JsonObject *e = json_array_get_object_element (events, i);

        g_assert_false (json_object_has_member (e, "exercise"));
        g_assert_cmpstr (json_object_get_string_member_with_default (e, "incident", ""), !=, incident);
      }
  }

  /* The trainer injects the camera's lead (due at 10:00) now. */
  {
    Wait w = { trainer_drill, incident, NULL };

    wg_drill_window_inject (trainer_drill, "camera", NULL);
    g_assert_true (wg_test_iterate_until (camera_noted, &w, 20000));
  }

  /* The trainer pauses, then ends it, from the window. */
  {
    RecordWait w = { server, trainer_token, record_path, "paused" };

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (trainer_drill), "drill.pause", NULL));
    g_assert_true (wg_test_iterate_until (exercise_in_state, &w, 20000));
    w.state = "ended";
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (trainer_drill), "drill.end", NULL));
    g_assert_true (wg_test_iterate_until (exercise_in_state, &w, 20000));
    g_assert_true (wg_test_iterate_until (drill_ended, trainer_drill, 20000));
  }

  gtk_window_destroy (GTK_WINDOW (trainer_drill));
  gtk_window_destroy (GTK_WINDOW (leader_drill));
  gtk_window_destroy (GTK_WINDOW (trainer));
  gtk_window_destroy (GTK_WINDOW (leader));
  wg_test_iterate_for (100);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

static gboolean
reality_known (gpointer window)
{
  g_autoptr(WgDrillScore) score = wg_drill_session_compute (wg_drill_window_get_session (window), FALSE);

  return score->decisions->len > 0 &&
         ((WgDrillDecision *) score->decisions->pdata[0])->real_elapsed_ms >= 0;
}

typedef struct
{
  WgWindow   *window;
  const char *incident;
} LiveWait;

static gboolean
live_has_incident (gpointer data)
{
  LiveWait *w = data;

  return wg_incident_model_lookup (wg_window_get_model (w->window), w->incident) != NULL;
}

/* The first button under @widget labelled @label. */
static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
replay_settled (gpointer replay)
{
  return wg_replay_is_settled (replay);
}

/* A trainer replays the incident, stops at a moment and starts a drill
 * from there (the replay's "Start a Drill from Here"). */
static void
test_drill_from_incident (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", NULL };
  g_autofree char *dispatcher = NULL, *leader = NULL, *incident = NULL, *case_number = NULL;
  g_autoptr(WgApplication) trainer_app = NULL;
  g_autoptr(WgDrillScore) score = NULL;
  WgWindow *trainer;
  WgDrillWindow *drill;
  WgDrillDecision *d;
  gint64 moment;

  server->no_admin = TRUE;
  wg_test_server_start (server, args);
  dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  leader = wg_test_server_login (server, "leader", "demo");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, dispatcher, NULL, "incident.report",
                                                          "{\"grade\":\"emergency\",\"category\":\"fire\","
                                                          "\"location\":{\"lat\":23.2065,\"lon\":113.2984},"
                                                          "\"summary\":\"3楼冒烟\"}");
    JsonObject *reported;

    g_assert_cmpuint (r->status, ==, 200);
    reported = json_array_get_object_element (json_object_get_array_member (wg_test_response_object (r), "events"), 0);
    incident = g_strdup (json_object_get_string_member (reported, "incident"));
    case_number = g_strdup (json_object_get_string_member (json_object_get_object_member (reported, "body"),
                                                           "case_number"));
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\"}", incident);
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, leader, NULL, "alarm.acknowledge", body);

    g_assert_cmpuint (r->status, ==, 200);
  }
  wg_test_iterate_for (50);
  moment = wg_test_now_ms ();
  wg_test_iterate_for (50);
  {
    g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"units\":[\"eu-01\",\"cp-01\"]}", incident);
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, dispatcher, NULL, "dispatch.assign", body);

    g_assert_cmpuint (r->status, ==, 200);
  }

  trainer_app = start_console (server, "trainer");
  trainer = console_test_find_window (trainer_app);
  {
    LiveWait w = { trainer, incident };
    g_autoptr(GError) error = NULL;
    WgWindow *replay_window;
    WgReplay *replay;
    GtkWidget *button;

    g_assert_true (wg_test_iterate_until (live_has_incident, &w, 20000));
    replay_window = console_test_open_replay (trainer, &error);
    g_assert_no_error (error);
    replay = wg_replay_window_get_replay (replay_window);
    wg_replay_seek (replay, moment);
    /* The replay's board shows the moment once its worker has moved. */
    g_assert_true (wg_test_iterate_until (replay_settled, replay, 20000));
    button = find_button (GTK_WIDGET (replay_window), "Start a _Drill from Here");
    g_assert_nonnull (button);
    g_assert_false (gtk_widget_get_sensitive (button));
    wg_view_model_set_selected_incident (wg_context_get_view_model (wg_replay_get_context (replay)), incident);
    g_assert_true (gtk_widget_get_sensitive (button));
    g_signal_emit_by_name (button, "clicked");
    g_assert_true (wg_test_iterate_until (drill_window_open, NULL, 20000));
    gtk_window_destroy (GTK_WINDOW (replay_window));
  }
  drill = find_drill_window ();
  g_assert_true (wg_test_iterate_until (reality_known, drill, 20000));

  score = wg_drill_session_compute (wg_drill_window_get_session (drill), FALSE);
  g_assert_cmpuint (score->decisions->len, ==, 1);
  d = score->decisions->pdata[0];
  g_assert_cmpint (d->kind, ==, WG_DRILL_DECISION_DISPATCH);
  g_assert_cmpint (d->state, ==, WG_DRILL_PENDING);
  /* The exercise's own case number (the server puts EX- before it). */
  g_assert_true (g_str_has_prefix (d->case_number, "EX-"));
  g_assert_cmpstr (d->case_number + 3, ==, case_number);
  /* The leader acknowledged before the moment: not a trainee. */
  g_assert_null (wg_drill_score_lookup_trainee (score, "leader"));
  g_assert_cmpint (d->real_elapsed_ms, >, 0);
  g_assert_cmpuint (d->real_units->len, ==, 2);

  gtk_window_destroy (GTK_WINDOW (drill));
  gtk_window_destroy (GTK_WINDOW (trainer));
  wg_test_iterate_for (100);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  if (!console_test_init (&argc, &argv))
    return g_test_run ();

  g_test_add_func ("/drill-server/trainee-and-trainer", test_drill_on_server);
  g_test_add_func ("/drill-server/from-incident", test_drill_from_incident);
  return g_test_run ();
}
