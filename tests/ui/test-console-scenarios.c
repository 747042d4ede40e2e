/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Scenarios 1, 2 and 3 of scenarios.md against the real wangge-server
 * (--demo), each to `closed`.  The centre's part goes through the
 * consoles' own actions: the board's selection, the "win." and "incident."
 * actions (A, D, R, S, V, Shift+C), the dispatch dialog and the dialogs the
 * actions open, answered with Enter.  The field side (grid workers, units,
 * departments) is played over HTTP, as the simulator would.  The result is
 * checked on the server's journal (GET /api/v1/journal).
 */
#include "config.h"

#include <glib/gi18n.h>

#include "console-test-util.h"
#include "wg-dispatch-dialog.h"
#include "wg-intake-dialog.h"
#include "wg-photo-viewer.h"
#include "wg-sim-photo.h"
#include "wg-test-server.h"
#include "wg-window.h"

static char *data_home;

/* A console logged in to @server and online, its outbox empty. */
static WgApplication *
start_console (WgTestServer *server,
               const char   *username)
{
  WgApplication *app = console_test_open (username, server->base_url);

  g_assert_true (wg_test_iterate_until (console_test_is_online,
                                        console_test_find_window (app), 20000));
  return app;
}

/* The field side, over HTTP */

typedef struct {
  WgTestServer *server;
  GHashTable   *tokens;   /* username -> token */
} Field;

/* The demo server without its admin token (each console and field account
 * logs in as itself), and the field side's empty token cache. */
static void
start_demo_server (WgTestServer *server,
                   Field        *field)
{
  const char *args[] = { "--demo", NULL };

  server->no_admin = TRUE;
  wg_test_server_start (server, args);
  field->server = server;
  field->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* Closes the console of @window, then stops the server: it must exit 0. */
static void
close_console_and_server (WgWindow      *window,
                          WgApplication *app,
                          Field         *field)
{
  gtk_window_destroy (GTK_WINDOW (window));
  wg_test_iterate_for (100);
  g_object_unref (app);
  g_clear_pointer (&field->tokens, g_hash_table_unref);
  g_assert_cmpint (wg_test_server_stop (field->server), ==, 0);
}

static const char *
field_token (Field      *field,
             const char *username)
{
  char *token = g_hash_table_lookup (field->tokens, username);

  if (token == NULL)
    {
      token = wg_test_server_login (field->server, username, "demo");
      g_hash_table_insert (field->tokens, g_strdup (username), token);
    }
  return token;
}

/* Sends @type as @username; asserts it was accepted and returns the
 * incident of its first event (interned). */
static const char *
field_send (Field      *field,
            const char *username,
            const char *type,
            const char *body_json)
{
  g_autoptr(WgTestResponse) response = wg_test_server_command (field->server,
                                                               field_token (field, username),
                                                               NULL, type, body_json);
  JsonObject *o;
  JsonArray *events;

  if (response->status != 200)
    g_error ("%s as %s: %u %.*s", type, username, response->status,
             (int) g_bytes_get_size (response->body),
             (const char *) g_bytes_get_data (response->body, NULL));
  o = wg_test_response_object (response);
  events = json_object_get_array_member (o, "events");
  g_assert_cmpuint (json_array_get_length (events), >, 0);
  o = json_array_get_object_element (events, 0);
  if (!json_object_has_member (o, "incident") || json_object_get_null_member (o, "incident"))
    return NULL;
  return g_intern_string (json_object_get_string_member (o, "incident"));
}

static char *
report_body (WgReference *reference,
             const char  *worker,
             const char  *grade,
             const char  *category,
             const char  *summary,
             const char  *handled)
{
  g_autoptr(GPtrArray) forces = wg_reference_dup_forces_for_account (reference, worker);
  WgForce *force = NULL;
  WgGrid *grid;
  double lat, lon;

  for (guint i = 0; i < forces->len && force == NULL; i++)
    if (((WgForce *) forces->pdata[i])->grid != NULL)
      force = forces->pdata[i];
  g_assert_nonnull (force);
  grid = wg_reference_lookup_grid (reference, force->grid->code);
  g_assert_nonnull (grid);
  wg_geo_shape_interior_point (grid->shape, &lat, &lon);
  return g_strdup_printf ("{\"grade\": \"%s\", \"category\": \"%s\","
                          " \"location\": {\"lat\": %.7f, \"lon\": %.7f},"
                          " \"summary\": \"%s\", \"source\": \"grid_worker\"%s%s%s}",
                          grade, category, lat, lon, summary,
                          handled != NULL ? ", \"handled_on_spot\": {\"resolution\": \"" : "",
                          handled != NULL ? handled : "",
                          handled != NULL ? "\"}" : "");
}

/* The console's side */

typedef struct {
  WgWindow         *window;
  const char       *incident;
  WgIncidentState   state;
} StateWait;

static const WgIncidentRecord *
console_record (WgWindow   *window,
                const char *incident)
{
  WgIncidentItem *item = wg_incident_model_lookup (wg_window_get_model (window), incident);

  return item != NULL ? wg_incident_item_get_record (item) : NULL;
}

static gboolean
model_filled (gpointer window)
{
  return wg_incident_model_is_filled (wg_window_get_model (window));
}

static gboolean
reached_state (gpointer data)
{
  StateWait *w = data;
  const WgIncidentRecord *record = console_record (w->window, w->incident);

  return record != NULL && record->state == w->state;
}

static void
wait_state (WgWindow        *window,
            const char      *incident,
            WgIncidentState  state)
{
  StateWait w = { window, incident, state };

  if (!wg_test_iterate_until (reached_state, &w, 20000))
    {
      const WgIncidentRecord *record = console_record (window, incident);
      g_error ("%s never reached %s on the console (it is %s)", incident,
               wg_incident_state_to_string (state),
               record != NULL ? wg_incident_state_to_string (record->state) : "absent");
    }
}

static gboolean
alarm_acknowledged (gpointer data)
{
  StateWait *w = data;
  const WgIncidentRecord *record = console_record (w->window, w->incident);

  return record != NULL && record->alarm == WG_ALARM_ACKNOWLEDGED;
}

/* As a click on its row does. */
static void
select_row (WgWindow   *window,
            const char *incident)
{
  WgIncidentBoard *board = wg_window_get_board (window);
  GListModel *rows = wg_incident_board_get_rows (board);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (rows, i);

      if (g_strcmp0 (wg_incident_item_get_id (item), incident) == 0)
        {
          gtk_single_selection_set_selected (wg_incident_board_get_selection (board), i);
          wg_test_iterate_for (50);
          g_assert_cmpstr (wg_view_model_get_selected_incident (wg_context_get_view_model (wg_window_get_context (window))),
                           ==, incident);
          return;
        }
    }
  g_error ("%s is not on the board", incident);
}

static guint
row_of (WgWindow   *window,
        const char *incident)
{
  GListModel *rows = wg_incident_board_get_rows (wg_window_get_board (window));

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (rows, i);

      if (g_strcmp0 (wg_incident_item_get_id (item), incident) == 0)
        return i;
    }
  return G_MAXUINT;
}

static gboolean
on_board (gpointer data)
{
  StateWait *w = data;
  return row_of (w->window, w->incident) != G_MAXUINT;
}

static AdwMessageDialog *
open_message_dialog (void)
{
  AdwMessageDialog *dialog = NULL;

  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      dialog = l->data;
  return dialog;
}

static gboolean
has_message_dialog (gpointer data)
{
  return open_message_dialog () != NULL;
}

static gboolean
no_message_dialog (gpointer data)
{
  return open_message_dialog () == NULL;
}

/* Activates "incident.@action" as its key does, fills in the dialog it
 * opens (@choice: the drop-down's position, or -1 to keep the suggested
 * one; @text for the entry, or NULL) and answers with Enter in the entry. */
static void
act_with_dialog (WgWindow   *window,
                 const char *action,
                 int         choice,
                 const char *text)
{
  g_autofree char *name = g_strconcat ("incident.", action, NULL);
  AdwMessageDialog *dialog;
  GtkWidget *entry = NULL;

  g_assert_null (wg_incident_actions_get_reason (wg_window_get_actions (window), action));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), name, NULL));
  g_assert_true (wg_test_iterate_until (has_message_dialog, NULL, 5000));
  dialog = open_message_dialog ();
  for (GtkWidget *child = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (dialog));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_DROP_DOWN (child) && choice >= 0)
        gtk_drop_down_set_selected (GTK_DROP_DOWN (child), choice);
      else if (GTK_IS_ENTRY (child))
        entry = child;
    }
  g_assert_nonnull (entry);
  if (text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (entry), text);
  /* Enter in the entry answers with the default response and closes. */
  g_signal_emit_by_name (gtk_editable_get_delegate (GTK_EDITABLE (entry)), "activate");
  g_assert_true (wg_test_iterate_until (no_message_dialog, NULL, 5000));
}

static int
department_position (WgWindow   *window,
                     const char *code)
{
  GPtrArray *departments = wg_reference_get_departments (wg_context_get_reference (wg_window_get_context (window)));

  for (guint i = 0; i < departments->len; i++)
    if (g_str_equal (((WgDepartment *) departments->pdata[i])->code, code))
      return i;
  g_assert_not_reached ();
}

/* The server's journal for one incident */

typedef struct {
  char *type;
  char *actor;
  char *command;
} JournalEvent;

static void
journal_event_free (JournalEvent *e)
{
  g_free (e->type);
  g_free (e->actor);
  g_free (e->command);
  g_free (e);
}

static GPtrArray *
server_journal (Field      *field,
                const char *incident)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) journal_event_free);
  gint64 after = 0;
  gboolean more = TRUE;

  while (more)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%ld&limit=5000", (long) after);
      g_autoptr(WgTestResponse) response = wg_test_server_request_as (field->server,
                                                                      field_token (field, "leader"),
                                                                      "GET", path, NULL, NULL);
      JsonObject *o;
      JsonArray *events;

      g_assert_cmpuint (response->status, ==, 200);
      o = wg_test_response_object (response);
      events = json_object_get_array_member (o, "events");
      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *e = json_array_get_object_element (events, i);
          JournalEvent *je;

          if (json_object_get_null_member (e, "incident") ||
              g_strcmp0 (json_object_get_string_member (e, "incident"), incident) != 0)
            continue;
          je = g_new0 (JournalEvent, 1);
          je->type = g_strdup (json_object_get_string_member (e, "type"));
          je->actor = g_strdup (json_object_get_string_member_with_default (e, "actor", ""));
          je->command = json_object_get_null_member (e, "command")
                        ? NULL : g_strdup (json_object_get_string_member (e, "command"));
          g_ptr_array_add (out, je);
        }
      more = json_object_get_boolean_member (o, "more");
      after = json_object_get_int_member (o, "head");
    }
  return out;
}

/* Asserts that @expected (type, or "type@actor") occur in this order in
 * @journal, and that no command appears twice in it under two answers
 * (every command of the console applied once). */
static void
assert_journal (GPtrArray         *journal,
                const char *const *expected)
{
  guint at = 0;
  g_autoptr(GString) seen = g_string_new (NULL);

  for (guint i = 0; i < journal->len; i++)
    {
      JournalEvent *e = journal->pdata[i];
      g_string_append_printf (seen, " %s@%s", e->type, e->actor);
    }
  for (guint i = 0; expected[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (expected[i], "@", 2);
      gboolean found = FALSE;

      for (; at < journal->len && !found; at++)
        {
          JournalEvent *e = journal->pdata[at];

          found = g_str_equal (e->type, parts[0]) &&
                  (parts[1] == NULL || g_str_equal (e->actor, parts[1]));
        }
      if (!found)
        g_error ("%s is missing (in order) from the journal:%s", expected[i], seen->str);
    }
}

static guint
count_type (GPtrArray  *journal,
            const char *type)
{
  guint n = 0;

  for (guint i = 0; i < journal->len; i++)
    n += g_str_equal (((JournalEvent *) journal->pdata[i])->type, type);
  return n;
}

typedef struct {
  WgTestServer  *server;
  Field          field;
  WgApplication *leader_app;
  WgApplication *dispatcher_app;
  WgWindow      *leader;
  WgWindow      *dispatcher;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->server = wg_test_server_new (NULL);
  start_demo_server (f->server, &f->field);
  f->leader_app = start_console (f->server, "leader");
  f->dispatcher_app = start_console (f->server, "dispatcher");
  f->leader = console_test_find_window (f->leader_app);
  f->dispatcher = console_test_find_window (f->dispatcher_app);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->leader));
  gtk_window_destroy (GTK_WINDOW (f->dispatcher));
  wg_test_iterate_for (100);
  g_clear_object (&f->leader_app);
  g_clear_object (&f->dispatcher_app);
  g_clear_pointer (&f->field.tokens, g_hash_table_unref);
  g_assert_cmpint (wg_test_server_stop (f->server), ==, 0);
  g_clear_pointer (&f->server, wg_test_server_free);
}

static gboolean
dispatch_settled (gpointer dialog)
{
  return !wg_dispatch_dialog_is_pending (dialog);
}

/* 1. Emergency: fire in a residential building. */
static void
test_scenario_fire (Fixture       *f,
                    gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->leader));
  WgStore *store = wg_context_get_store (wg_window_get_context (f->leader));
  g_autofree char *report = report_body (reference, "worker-17", "emergency", "fire", "3楼冒烟", NULL);
  g_autoptr(GPtrArray) assignments = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) selected = NULL;
  WgDispatchDialog *dispatch = NULL;
  const char *incident;
  StateWait wait;

  /* 1. worker-17 reports from the field. */
  incident = field_send (&f->field, "worker-17", "incident.report", report);
  g_assert_nonnull (incident);

  /* 2. Every console: the banner, the row on top of the board. */
  wait = (StateWait) { f->leader, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  g_assert_true (wg_alarm_banner_get_revealed (wg_window_get_alarm_banner (f->leader)));
  g_assert_cmpuint (row_of (f->leader, incident), ==, 0);
  wait.window = f->dispatcher;
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  g_assert_true (wg_alarm_banner_get_revealed (wg_window_get_alarm_banner (f->dispatcher)));

  /* 3. The leader presses A, nothing selected: the banner's alarm is
   * acknowledged, and its incident selected (the map flies to it), so that
   * the next D is about it. */
  g_assert_null (wg_view_model_get_selected_incident (wg_context_get_view_model (wg_window_get_context (f->leader))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->leader), "win.acknowledge", NULL));
  g_assert_cmpstr (wg_view_model_get_selected_incident (wg_context_get_view_model (wg_window_get_context (f->leader))),
                   ==, incident);
  g_assert_cmpstr (wg_map_view_get_selection_id (wg_window_get_map_view (f->leader)), ==, incident);
  g_assert_true (wg_window_get_detail_revealed (f->leader));
  wait.window = f->dispatcher;
  g_assert_true (wg_test_iterate_until (alarm_acknowledged, &wait, 15000));
  wait.window = f->leader;
  g_assert_true (wg_test_iterate_until (alarm_acknowledged, &wait, 15000));

  /* 4. D: the plan's forces are preselected; Enter dispatches them. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->leader), "incident.dispatch", NULL));
  wg_test_iterate_for (100);
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (WG_IS_DISPATCH_DIALOG (l->data))
      dispatch = g_object_ref (l->data);
  g_assert_nonnull (dispatch);
  selected = wg_dispatch_dialog_dup_selected (dispatch);
  /* fire: 2 emergency units, police, grid leader, grid worker, department team */
  g_assert_cmpuint (g_strv_length (selected), ==, 6);
  wg_dispatch_dialog_dispatch (dispatch);
  g_assert_true (wg_test_iterate_until (dispatch_settled, dispatch, 15000));
  g_assert_null (wg_dispatch_dialog_get_error (dispatch));
  g_object_unref (dispatch);
  wait_state (f->leader, incident, WG_STATE_DISPATCHED);

  /* 5. Each force: acknowledged, en route, on scene, then cleared. */
  assignments = wg_store_list_assignments (store, incident, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (assignments->len, ==, 6);
  {
    static const char *steps[] = { "assignment.acknowledge", "assignment.en_route",
                                   "assignment.on_scene", "assignment.clear" };

    for (guint s = 0; s < G_N_ELEMENTS (steps); s++)
      {
        for (guint i = 0; i < assignments->len; i++)
          {
            WgAssignmentRecord *a = assignments->pdata[i];
            WgForce *force = wg_reference_lookup_force (reference, a->unit);
            g_autofree char *body = g_strdup_printf ("{\"assignment\": \"%s\"}", a->id);

            g_assert_nonnull (force);
            g_assert_nonnull (force->account);
            field_send (&f->field, force->account, steps[s], body);
          }
        if (s == 2)
          wait_state (f->leader, incident, WG_STATE_ON_SCENE);
      }
  }

  /* 6. Resolved (S); follow-up routed (R) to housing as a professional step. */
  act_with_dialog (f->leader, "resolve", -1, "明火已扑灭，无人员伤亡");
  wait_state (f->leader, incident, WG_STATE_RESOLVED);
  act_with_dialog (f->leader, "route", department_position (f->leader, "housing"),
                   "检查楼栋消防安全");
  wait_state (f->leader, incident, WG_STATE_ROUTED);
  g_assert_cmpstr (console_record (f->leader, incident)->department, ==, "housing");

  /* The housing department's side. */
  {
    g_autofree char *accept = g_strdup_printf ("{\"incident\": \"%s\"}", incident);
    g_autofree char *feedback = g_strdup_printf ("{\"incident\": \"%s\", \"result\": \"已完成消防安全检查\","
                                                 " \"outcome\": \"resolved\"}", incident);

    field_send (&f->field, "dept-housing", "incident.accept", accept);
    field_send (&f->field, "dept-housing", "incident.feedback", feedback);
  }
  wait_state (f->leader, incident, WG_STATE_FEEDBACK_GIVEN);

  /* It comes back: V, then Shift+C. */
  act_with_dialog (f->leader, "verify", -1, NULL);
  wait_state (f->leader, incident, WG_STATE_VERIFIED);
  act_with_dialog (f->leader, "close", -1, NULL);
  wait_state (f->leader, incident, WG_STATE_CLOSED);
  wait_state (f->dispatcher, incident, WG_STATE_CLOSED);

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.reported@worker-17", "alarm.raised", "alarm.acknowledged@leader",
      "assignment.created@leader", "incident.dispatched@leader",
      "assignment.acknowledged", "incident.on_scene", "assignment.cleared",
      "incident.resolved@leader", "incident.routed@leader",
      "incident.accepted@dept-housing", "incident.feedback_given@dept-housing",
      "incident.verified@leader", "incident.closed@leader", NULL
    };
    assert_journal (journal, expected);
  }
  g_assert_cmpuint (count_type (journal, "assignment.created"), ==, 6);
  g_assert_cmpuint (count_type (journal, "assignment.cleared"), ==, 6);
  g_assert_cmpuint (count_type (journal, "alarm.acknowledged"), ==, 1);
  g_assert_cmpuint (count_type (journal, "incident.dispatched"), ==, 1);
  g_assert_cmpuint (count_type (journal, "incident.closed"), ==, 1);
}

/* 2. Professional: illegal structure on a rooftop, rejected once. */
static void
test_scenario_professional (Fixture       *f,
                            gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->dispatcher));
  g_autofree char *report = report_body (reference, "worker-05", "professional", "illegal_structure",
                                         "楼顶违章搭建铁皮房", NULL);
  g_autofree char *accept = NULL;
  g_autofree char *reject = NULL;
  g_autofree char *review = NULL;
  g_autofree char *feedback = NULL;
  g_autofree char *verify = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  const char *incident;
  StateWait wait;

  incident = field_send (&f->field, "worker-05", "incident.report", report);
  wait = (StateWait) { f->dispatcher, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  g_assert_false (wg_alarm_banner_get_revealed (wg_window_get_alarm_banner (f->dispatcher)));

  /* The dispatcher routes it (R) to the suggested department. */
  select_row (f->dispatcher, incident);
  act_with_dialog (f->dispatcher, "route", -1, NULL);
  wait_state (f->dispatcher, incident, WG_STATE_ROUTED);
  g_assert_cmpstr (console_record (f->dispatcher, incident)->department, ==, "urban");
  g_assert_cmpint (console_record (f->dispatcher, incident)->deadline, >, 0);

  /* Not ours: back to the dispatcher, who routes it again. */
  accept = g_strdup_printf ("{\"incident\": \"%s\"}", incident);
  reject = g_strdup_printf ("{\"incident\": \"%s\", \"reason\": \"请转交街道规划办\"}", incident);
  field_send (&f->field, "dept-urban", "incident.reject", reject);
  wait_state (f->dispatcher, incident, WG_STATE_REJECTION_PENDING);
  /* The centre reviews the request (退单审核) and approves it. */
  review = g_strdup_printf ("{\"incident\": \"%s\", \"approve\": true}", incident);
  field_send (&f->field, "leader-2", "incident.review_rejection", review);
  wait_state (f->dispatcher, incident, WG_STATE_REJECTED);
  act_with_dialog (f->dispatcher, "route", department_position (f->dispatcher, "urban"),
                   "属城管执法范围，请受理");
  wait_state (f->dispatcher, incident, WG_STATE_ROUTED);

  /* Accepted, feedback; the grid worker verifies on site. */
  field_send (&f->field, "dept-urban", "incident.accept", accept);
  feedback = g_strdup_printf ("{\"incident\": \"%s\", \"result\": \"已拆除\", \"outcome\": \"resolved\"}",
                              incident);
  field_send (&f->field, "dept-urban", "incident.feedback", feedback);
  verify = g_strdup_printf ("{\"incident\": \"%s\", \"passed\": true, \"remark\": \"现场已拆除\"}", incident);
  field_send (&f->field, "worker-05", "incident.verify", verify);
  wait_state (f->dispatcher, incident, WG_STATE_VERIFIED);

  /* The centre closes it. */
  act_with_dialog (f->dispatcher, "close", -1, "办结");
  wait_state (f->dispatcher, incident, WG_STATE_CLOSED);
  wait_state (f->leader, incident, WG_STATE_CLOSED);

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.reported@worker-05", "incident.routed@dispatcher", "incident.rejection_requested@dept-urban",
      "incident.rejected@leader-2",
      "incident.routed@dispatcher", "incident.accepted@dept-urban",
      "incident.feedback_given@dept-urban", "incident.verified@worker-05",
      "incident.closed@dispatcher", NULL
    };
    assert_journal (journal, expected);
  }
  g_assert_cmpuint (count_type (journal, "incident.routed"), ==, 2);
  g_assert_cmpuint (count_type (journal, "incident.closed"), ==, 1);
  g_assert_cmpuint (count_type (journal, "alarm.raised"), ==, 0);
}

typedef struct {
  WgWindow   *window;
  const char *incident;
  int         call_back;   /* WgSatisfaction */
} CallBackWait;

static gboolean
called_back (gpointer data)
{
  CallBackWait *w = data;
  const WgIncidentRecord *record = console_record (w->window, w->incident);

  return record != NULL && record->call_back == w->call_back;
}

/* Issue 20: a 12345 hotline case through the whole cycle.  The centre
 * routes it, calls the resident back (回访) unsatisfied, which sends it
 * back to the department (返工); after the second feedback the call-back
 * is satisfied and only then can the case be closed. */
static void
test_scenario_hotline_call_back (Fixture       *f,
                                 gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->dispatcher));
  g_autofree char *worker_report = report_body (reference, "worker-05", "professional",
                                                "illegal_structure", "市民来电：楼顶违章搭建", NULL);
  g_autoptr(GString) report = g_string_new (worker_report);
  g_autofree char *accept = NULL;
  g_autofree char *feedback = NULL;
  g_autofree char *verify = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  const char *incident;
  StateWait wait;
  CallBackWait call_back;

  /* The 12345 hotline passes the call on (the call-taker's side). */
  g_assert_nonnull (strstr (report->str, "\"grid_worker\""));
  g_string_replace (report, "\"grid_worker\"", "\"hotline_12345\"", 1);
  incident = field_send (&f->field, "dispatcher", "incident.report", report->str);
  wait = (StateWait) { f->dispatcher, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  g_assert_true (console_record (f->dispatcher, incident)->call_back_required);

  select_row (f->dispatcher, incident);
  act_with_dialog (f->dispatcher, "route", -1, NULL);
  wait_state (f->dispatcher, incident, WG_STATE_ROUTED);

  accept = g_strdup_printf ("{\"incident\": \"%s\"}", incident);
  feedback = g_strdup_printf ("{\"incident\": \"%s\", \"result\": \"已拆除\", \"outcome\": \"resolved\"}",
                              incident);
  verify = g_strdup_printf ("{\"incident\": \"%s\", \"passed\": true, \"remark\": \"现场已拆除\"}", incident);
  field_send (&f->field, "dept-urban", "incident.accept", accept);
  field_send (&f->field, "dept-urban", "incident.feedback", feedback);
  field_send (&f->field, "worker-05", "incident.verify", verify);
  wait_state (f->dispatcher, incident, WG_STATE_VERIFIED);

  /* Not closable before the call-back: the console says why. */
  g_assert_nonnull (wg_incident_actions_get_reason (wg_window_get_actions (f->dispatcher), "close"));

  /* The resident is unsatisfied: back to the department. */
  act_with_dialog (f->dispatcher, "call-back", WG_SATISFACTION_UNSATISFIED, "铁皮房只拆了一半");
  wait_state (f->dispatcher, incident, WG_STATE_ACCEPTED);
  field_send (&f->field, "dept-urban", "incident.feedback", feedback);
  field_send (&f->field, "worker-05", "incident.verify", verify);
  wait_state (f->dispatcher, incident, WG_STATE_VERIFIED);
  g_assert_nonnull (wg_incident_actions_get_reason (wg_window_get_actions (f->dispatcher), "close"));

  /* Satisfied this time: now it closes. */
  act_with_dialog (f->dispatcher, "call-back", WG_SATISFACTION_SATISFIED, "已全部拆除，群众满意");
  call_back = (CallBackWait) { f->dispatcher, incident, WG_SATISFACTION_SATISFIED };
  g_assert_true (wg_test_iterate_until (called_back, &call_back, 20000));
  act_with_dialog (f->dispatcher, "close", -1, "办结");
  wait_state (f->dispatcher, incident, WG_STATE_CLOSED);
  wait_state (f->leader, incident, WG_STATE_CLOSED);

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.reported@dispatcher", "incident.routed@dispatcher", "incident.accepted@dept-urban",
      "incident.feedback_given@dept-urban", "incident.verified@worker-05",
      "incident.called_back@dispatcher", "incident.reworked@dispatcher",
      "incident.feedback_given@dept-urban", "incident.verified@worker-05",
      "incident.called_back@dispatcher", "incident.closed@dispatcher", NULL
    };
    assert_journal (journal, expected);
  }
  g_assert_cmpuint (count_type (journal, "incident.called_back"), ==, 2);
  g_assert_cmpuint (count_type (journal, "incident.reworked"), ==, 1);
  g_assert_cmpuint (count_type (journal, "incident.closed"), ==, 1);
}

static gboolean
find_css_class (GtkWidget  *widget,
                const char *css_class)
{
  if (gtk_widget_has_css_class (widget, css_class) && gtk_widget_is_drawable (widget))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (find_css_class (child, css_class))
      return TRUE;
  return FALSE;
}

static gboolean
supervision_shown (gpointer window)
{
  return find_css_class (window, "supervision-notice");
}

static gboolean
supervision_gone (gpointer window)
{
  return !find_css_class (window, "supervision-notice");
}

/* Issue 20: the centre supervises (督办) a routed case; the department's
 * console shows the notice, with Answer Supervision first, until it
 * answers. */
static void
test_scenario_supervision (Fixture       *f,
                           gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->dispatcher));
  g_autofree char *report = report_body (reference, "worker-05", "professional", "illegal_structure",
                                         "楼顶违章搭建", NULL);
  g_autoptr(WgApplication) dept_app = start_console (f->server, "dept-urban");
  WgWindow *dept = console_test_find_window (dept_app);
  g_autoptr(GPtrArray) primary = g_ptr_array_new ();
  g_autoptr(GPtrArray) more = g_ptr_array_new ();
  g_autoptr(GPtrArray) journal = NULL;
  const char *incident;
  StateWait wait;

  incident = field_send (&f->field, "worker-05", "incident.report", report);
  wait = (StateWait) { f->dispatcher, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  select_row (f->dispatcher, incident);
  act_with_dialog (f->dispatcher, "route", department_position (f->dispatcher, "urban"), NULL);
  wait_state (dept, incident, WG_STATE_ROUTED);
  select_row (dept, incident);
  g_assert_true (supervision_gone (dept));
  g_assert_nonnull (wg_incident_actions_get_reason (wg_window_get_actions (dept), "answer-supervision"));

  /* The centre supervises (the second level, 督办). */
  act_with_dialog (f->dispatcher, "supervise", WG_SUPERVISION_SUPERVISE, "请今天内签收");
  g_assert_true (wg_test_iterate_until (supervision_shown, dept, 15000));
  wg_incident_actions_get_shown (wg_window_get_actions (dept), primary, more);
  g_assert_cmpuint (primary->len, >, 0);
  g_assert_cmpstr (((const WgIncidentActionEntry *) primary->pdata[0])->name, ==, "answer-supervision");
  /* The board's chip finds it on both sides. */
  wg_incident_board_set_filters (wg_window_get_board (f->dispatcher), WG_BOARD_FILTER_SUPERVISED);
  /* The centre's console learns it from its stream, maybe after the department's. */
  wait = (StateWait) { f->dispatcher, incident, WG_STATE_ROUTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));

  /* The department answers: the notice goes. */
  act_with_dialog (dept, "answer-supervision", -1, "已安排人员，今天下午签收");
  g_assert_true (wg_test_iterate_until (supervision_gone, dept, 15000));
  g_assert_nonnull (wg_incident_actions_get_reason (wg_window_get_actions (dept), "answer-supervision"));
  g_assert_true (wg_test_iterate_until (supervision_gone, f->dispatcher, 15000));
  g_assert_cmpuint (row_of (f->dispatcher, incident), ==, G_MAXUINT);
  wg_incident_board_set_filters (wg_window_get_board (f->dispatcher), WG_BOARD_FILTER_OPEN);

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.reported@worker-05", "incident.routed@dispatcher", "incident.supervised@dispatcher",
      "incident.supervision_answered@dept-urban", NULL
    };
    assert_journal (journal, expected);
  }
  gtk_window_destroy (GTK_WINDOW (dept));
  wg_test_iterate_for (100);
}

/* Issue 20: a department's rejection reviewed on the console (退单审核):
 * denied (it stays with the department), then approved and routed to
 * another department. */
static void
test_scenario_rejection_review (Fixture       *f,
                                gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->dispatcher));
  g_autofree char *report = report_body (reference, "worker-05", "professional", "illegal_structure",
                                         "楼道违规加装铁门", NULL);
  g_autofree char *reject = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  const char *incident;
  StateWait wait;

  incident = field_send (&f->field, "worker-05", "incident.report", report);
  wait = (StateWait) { f->dispatcher, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  select_row (f->dispatcher, incident);
  act_with_dialog (f->dispatcher, "route", department_position (f->dispatcher, "urban"), NULL);
  wait_state (f->dispatcher, incident, WG_STATE_ROUTED);

  reject = g_strdup_printf ("{\"incident\": \"%s\", \"reason\": \"属住建部门职责\"}", incident);
  field_send (&f->field, "dept-urban", "incident.reject", reject);
  wait_state (f->dispatcher, incident, WG_STATE_REJECTION_PENDING);
  /* The board's chip finds it. */
  wg_incident_board_set_filters (wg_window_get_board (f->dispatcher), WG_BOARD_FILTER_REJECTION_PENDING);
  g_assert_cmpuint (row_of (f->dispatcher, incident), !=, G_MAXUINT);
  act_with_dialog (f->dispatcher, "review-rejection", 0, "违建查处属城管职责，请继续办理");
  wait_state (f->dispatcher, incident, WG_STATE_ROUTED);
  g_assert_cmpuint (row_of (f->dispatcher, incident), ==, G_MAXUINT);
  wg_incident_board_set_filters (wg_window_get_board (f->dispatcher), WG_BOARD_FILTER_OPEN);
  select_row (f->dispatcher, incident);

  field_send (&f->field, "dept-urban", "incident.reject", reject);
  wait_state (f->dispatcher, incident, WG_STATE_REJECTION_PENDING);
  act_with_dialog (f->dispatcher, "review-rejection", 1, NULL);
  wait_state (f->dispatcher, incident, WG_STATE_REJECTED);
  act_with_dialog (f->dispatcher, "route", department_position (f->dispatcher, "housing"), NULL);
  wait_state (f->dispatcher, incident, WG_STATE_ROUTED);
  g_assert_cmpstr (console_record (f->dispatcher, incident)->department, ==, "housing");

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.routed@dispatcher", "incident.rejection_requested@dept-urban",
      "incident.rejection_denied@dispatcher", "incident.rejection_requested@dept-urban",
      "incident.rejected@dispatcher", "incident.routed@dispatcher", NULL
    };
    assert_journal (journal, expected);
  }
}

/* Issue 20: a neighbours' dispute is mediated in the grid first (小事不出
 * 网格): the console does not route it before, and closes it after. */
static void
test_scenario_mediation (Fixture       *f,
                         gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->dispatcher));
  g_autofree char *report = report_body (reference, "worker-05", "professional", "dispute_neighbour",
                                         "楼上楼下漏水纠纷", NULL);
  g_autoptr(GPtrArray) journal = NULL;
  const char *incident;
  StateWait wait;

  incident = field_send (&f->field, "worker-05", "incident.report", report);
  wait = (StateWait) { f->dispatcher, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  select_row (f->dispatcher, incident);
  g_assert_nonnull (wg_incident_actions_get_reason (wg_window_get_actions (f->dispatcher), "route"));
  act_with_dialog (f->dispatcher, "mediate", 0, "双方同意共同维修，楼上赔偿五百元");
  wait_state (f->dispatcher, incident, WG_STATE_RESOLVED);
  act_with_dialog (f->dispatcher, "close", -1, NULL);
  wait_state (f->dispatcher, incident, WG_STATE_CLOSED);

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.reported@worker-05", "incident.mediated@dispatcher", "incident.closed@dispatcher", NULL
    };
    assert_journal (journal, expected);
  }
  g_assert_cmpuint (count_type (journal, "incident.routed"), ==, 0);
}

/* Issue 20: a general event the grid cannot handle is transferred to a
 * department (转派) with the console's Route. */
static void
test_scenario_transfer (Fixture       *f,
                        gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->dispatcher));
  g_autofree char *report = report_body (reference, "worker-05", "general", "garbage",
                                         "小区门口建筑垃圾堆放", NULL);
  g_autoptr(GPtrArray) journal = NULL;
  const char *incident;
  StateWait wait;

  incident = field_send (&f->field, "worker-05", "incident.report", report);
  wait = (StateWait) { f->dispatcher, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  select_row (f->dispatcher, incident);
  act_with_dialog (f->dispatcher, "route", department_position (f->dispatcher, "urban"), "网格无法清运，请转派城管");
  wait_state (f->dispatcher, incident, WG_STATE_ROUTED);
  g_assert_cmpint (console_record (f->dispatcher, incident)->grade, ==, WG_GRADE_PROFESSIONAL);

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.reported@worker-05", "incident.regraded@dispatcher", "incident.routed@dispatcher", NULL
    };
    assert_journal (journal, expected);
  }
}

typedef struct {
  WgWindow   *window;
  const char *incident;
  gboolean    requested;
} ExtensionWait;

static gboolean
extension_seen (gpointer data)
{
  ExtensionWait *w = data;
  const WgIncidentRecord *record = console_record (w->window, w->incident);

  return record != NULL && (record->extension_requested != 0) == w->requested;
}

/* Issue 20: the department asks for more time on its console, the centre
 * declines on its own; a second report of the same matter is merged into
 * the first by its case number. */
static void
test_scenario_extension_and_merge (Fixture       *f,
                                   gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->dispatcher));
  g_autofree char *report = report_body (reference, "worker-05", "professional", "illegal_structure",
                                         "天台违规搭建阳光房", NULL);
  g_autofree char *again = report_body (reference, "worker-05", "professional", "illegal_structure",
                                        "天台阳光房（重复反映）", NULL);
  g_autofree char *accept = NULL;
  g_autofree char *case_number = NULL;
  g_autoptr(WgApplication) dept_app = start_console (f->server, "dept-urban");
  WgWindow *dept = console_test_find_window (dept_app);
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GPtrArray) duplicate_journal = NULL;
  const char *incident, *duplicate;
  StateWait wait;
  ExtensionWait extension;

  incident = field_send (&f->field, "worker-05", "incident.report", report);
  wait = (StateWait) { f->dispatcher, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  select_row (f->dispatcher, incident);
  act_with_dialog (f->dispatcher, "route", department_position (f->dispatcher, "urban"), NULL);
  accept = g_strdup_printf ("{\"incident\": \"%s\"}", incident);
  wait_state (dept, incident, WG_STATE_ROUTED);
  field_send (&f->field, "dept-urban", "incident.accept", accept);
  wait_state (dept, incident, WG_STATE_ACCEPTED);

  select_row (dept, incident);
  act_with_dialog (dept, "request-extension", 1, "需要业主配合，三天内拆除");
  extension = (ExtensionWait) { f->dispatcher, incident, TRUE };
  g_assert_true (wg_test_iterate_until (extension_seen, &extension, 15000));
  /* The department's own console learns it from its stream, maybe later. */
  extension.window = dept;
  g_assert_true (wg_test_iterate_until (extension_seen, &extension, 15000));
  extension.window = f->dispatcher;
  g_assert_nonnull (wg_incident_actions_get_reason (wg_window_get_actions (dept), "request-extension"));
  act_with_dialog (f->dispatcher, "decline-extension", -1, "违建须按期拆除");
  extension.requested = FALSE;
  g_assert_true (wg_test_iterate_until (extension_seen, &extension, 15000));
  g_assert_nonnull (wg_incident_actions_get_reason (wg_window_get_actions (f->dispatcher), "decline-extension"));

  /* The same rooftop reported again: merged into the first. */
  case_number = g_strdup (console_record (f->dispatcher, incident)->case_number);
  duplicate = field_send (&f->field, "worker-05", "incident.report", again);
  wait = (StateWait) { f->dispatcher, duplicate, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  select_row (f->dispatcher, duplicate);
  act_with_dialog (f->dispatcher, "merge", -1, case_number);
  wait_state (f->dispatcher, duplicate, WG_STATE_MERGED);
  g_assert_cmpstr (console_record (f->dispatcher, duplicate)->merged_into, ==, incident);

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.accepted@dept-urban", "incident.extension_requested@dept-urban",
      "incident.extension_declined@dispatcher", NULL
    };
    assert_journal (journal, expected);
  }
  duplicate_journal = server_journal (&f->field, duplicate);
  {
    const char *expected[] = { "incident.reported@worker-05", "incident.merged@dispatcher", NULL };
    assert_journal (duplicate_journal, expected);
  }
  gtk_window_destroy (GTK_WINDOW (dept));
  wg_test_iterate_for (100);
}

static gboolean
is_general (gpointer data)
{
  StateWait *w = data;
  const WgIncidentRecord *record = console_record (w->window, w->incident);

  return record != NULL && record->grade == WG_GRADE_GENERAL;
}

/* Issue 20: the duty leader downgrades a false alarm on the console: the
 * alarm ends, the case becomes a general event. */
static void
test_scenario_downgrade (Fixture       *f,
                         gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->leader));
  g_autofree char *report = report_body (reference, "worker-05", "emergency", "fire",
                                         "楼顶冒烟", NULL);
  g_autoptr(GPtrArray) journal = NULL;
  const char *incident;
  StateWait wait;

  incident = field_send (&f->field, "worker-05", "incident.report", report);
  wait = (StateWait) { f->leader, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
  select_row (f->leader, incident);
  select_row (f->dispatcher, incident);
  /* Only the duty leader downgrades. */
  g_assert_nonnull (wg_incident_actions_get_reason (wg_window_get_actions (f->dispatcher), "downgrade"));
  act_with_dialog (f->leader, "downgrade", 2, "误报：居民天台烧烤的烟");
  g_assert_true (wg_test_iterate_until (is_general, &wait, 15000));
  g_assert_cmpint (console_record (f->leader, incident)->alarm, !=, WG_ALARM_RAISED);

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = { "alarm.raised", "incident.downgraded@leader", NULL };
    assert_journal (journal, expected);
  }
  g_assert_cmpuint (count_type (journal, "alarm.acknowledged"), ==, 0);
}

/* 3. General: blocked fire lane, handled on the spot in one go. */
static void
test_scenario_general (Fixture       *f,
                       gconstpointer  data)
{
  WgReference *reference = wg_context_get_reference (wg_window_get_context (f->leader));
  g_autofree char *report = report_body (reference, "worker-09", "general", "fire_lane_blocked",
                                         "消防通道被电动车堵塞", "已联系车主挪走");
  g_autoptr(GPtrArray) journal = NULL;
  const char *incident;
  guint n_actions;
  const WgIncidentActionEntry *entries = wg_incident_actions_list (&n_actions);

  incident = field_send (&f->field, "worker-09", "incident.report", report);

  /* Both consoles see it, already closed; nothing is left to do but a note. */
  wait_state (f->leader, incident, WG_STATE_CLOSED);
  wait_state (f->dispatcher, incident, WG_STATE_CLOSED);
  g_assert_false (wg_alarm_banner_get_revealed (wg_window_get_alarm_banner (f->leader)));
  /* Not among the open rows; with the "open" chip off, there it is. */
  g_assert_cmpuint (row_of (f->dispatcher, incident), ==, G_MAXUINT);
  wg_incident_board_set_filters (wg_window_get_board (f->dispatcher), WG_BOARD_FILTER_NONE);
  select_row (f->dispatcher, incident);
  for (guint i = 0; i < n_actions; i++)
    {
      GActionGroup *group = wg_incident_actions_get_group (wg_window_get_actions (f->dispatcher));

      g_assert_cmpint (g_action_group_get_action_enabled (group, entries[i].name), ==,
                       g_str_equal (entries[i].name, "note"));
    }

  journal = server_journal (&f->field, incident);
  {
    const char *expected[] = {
      "incident.reported@worker-09", "incident.handled_on_spot@worker-09",
      "incident.closed@worker-09", NULL
    };
    assert_journal (journal, expected);
  }
  g_assert_cmpuint (journal->len, ==, 3);
}

static gboolean
is_offline (gpointer window)
{
  WgSyncClient *sync = wg_context_get_sync_client (wg_window_get_context (window));
  WgSyncState state = wg_sync_client_get_state (sync);

  return state == WG_SYNC_OFFLINE || state == WG_SYNC_CONNECTING;
}

static gboolean
note_in_cache (gpointer data)
{
  StateWait *w = data;
  return console_test_cache_has_note (w->window, w->incident);
}

/* Offline: the server stops; the dispatcher routes an incident and adds a
 * note (both queue); the console is closed and started again while the
 * server is still away (it opens on its cache, offline, the two commands
 * still queued); the server comes back on the same port: the console logs
 * in again, sends them, shows the final state, and the server's journal
 * holds each command's events exactly once. */
static void
test_offline_restart (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autofree char *port = NULL;
  g_autofree char *report = NULL;
  g_autofree char *url = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GPtrArray) queued = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) commands = NULL;
  WgApplication *app;
  WgWindow *window;
  Field field = { 0 };
  const char *incident;
  StateWait wait;

  start_demo_server (server, &field);
  url = g_strdup (server->base_url);
  port = g_strdup_printf ("%u", server->port);

  app = start_console (server, "dispatcher");
  window = console_test_find_window (app);
  report = report_body (wg_context_get_reference (wg_window_get_context (window)), "worker-05",
                        "professional", "road_damage", "人行道地砖破损", NULL);
  incident = field_send (&field, "worker-05", "incident.report", report);
  wait = (StateWait) { window, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));

  /* The server goes away: act anyway. */
  g_hash_table_remove_all (field.tokens);
  wg_sync_client_set_max_backoff_ms (wg_context_get_sync_client (wg_window_get_context (window)), 300);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  g_assert_true (wg_test_iterate_until (is_offline, window, 15000));
  select_row (window, incident);
  act_with_dialog (window, "route", -1, "请尽快修复");
  act_with_dialog (window, "note", -1, "居民再次来电催办");
  wg_test_iterate_for (100);
  g_assert_true (is_offline (window));
  g_assert_true (g_str_has_suffix (wg_window_get_connection_text (window), ", 2 queued"));
  queued = wg_outbox_list (wg_context_get_outbox (wg_window_get_context (window)), "dispatcher",
                           WG_OUTBOX_QUEUED, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (queued->len, ==, 2);
  commands = g_new0 (char *, 3);
  for (guint i = 0; i < 2; i++)
    commands[i] = g_strdup (((WgOutboxEntry *) queued->pdata[i])->id);

  /* The console is closed, and started again with the server still away. */
  gtk_window_destroy (GTK_WINDOW (window));
  wg_test_iterate_for (100);
  /* As the end of g_application_run() does when the process exits (the
   * application object stays registered, as in the other tests: GLib 2.74
   * has no way to unregister it short of g_application_run()). */
  g_signal_emit_by_name (app, "shutdown");
  app = console_test_open ("dispatcher", url);
  window = console_test_find_window (app);
  wg_sync_client_set_max_backoff_ms (wg_context_get_sync_client (wg_window_get_context (window)), 300);
  wait.window = window;
  /* The cache: the incident as it was (read off the main loop), the
   * commands still queued. */
  g_assert_true (wg_test_iterate_until (model_filled, window, 5000));
  g_assert_nonnull (console_record (window, incident));
  g_assert_cmpint (console_record (window, incident)->state, ==, WG_STATE_REPORTED);
  wg_test_iterate_for (200);
  g_assert_true (is_offline (window));
  g_assert_true (g_str_has_suffix (wg_window_get_connection_text (window), ", 2 queued"));

  /* The server is back: a new login, the queue goes out, the state follows. */
  {
    const char *restart[] = { "--demo", "--port", port, NULL };
    wg_test_server_start (server, restart);
  }
  g_assert_cmpstr (server->base_url, ==, url);
  g_assert_true (wg_test_iterate_until (console_test_is_online, window, 30000));
  wait_state (window, incident, WG_STATE_ROUTED);
  g_assert_true (wg_test_iterate_until (note_in_cache, &wait, 15000));
  g_assert_cmpstr (console_record (window, incident)->department, ==, "urban");
  g_assert_cmpstr (wg_window_get_connection_text (window), ==, "Online");

  journal = server_journal (&field, incident);
  {
    const char *expected[] = {
      "incident.reported@worker-05", "incident.routed@dispatcher", "incident.noted@dispatcher", NULL
    };
    assert_journal (journal, expected);
  }
  g_assert_cmpuint (count_type (journal, "incident.routed"), ==, 1);
  g_assert_cmpuint (count_type (journal, "incident.noted"), ==, 1);
  /* Each queued command's events, once. */
  for (guint c = 0; c < 2; c++)
    {
      guint n = 0;

      for (guint i = 0; i < journal->len; i++)
        n += g_strcmp0 (((JournalEvent *) journal->pdata[i])->command, commands[c]) == 0;
      g_assert_cmpuint (n, ==, 1);
    }

  close_console_and_server (window, app, &field);
}

static gboolean
routed_on_board (gpointer data)
{
  StateWait *w = data;
  const WgIncidentRecord *record = console_record (w->window, w->incident);

  return row_of (w->window, w->incident) != G_MAXUINT && record != NULL && record->state == w->state;
}

/* A department's console, running, meets an incident at its routing (its
 * report is below the cache's head): the incident is on its board with its
 * report (summary, source, caller masked, the report in the timeline), and
 * the department accepts and gives feedback through its own actions. */
static void
test_department_meets_routed (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autoptr(GPtrArray) journal = NULL;
  g_autofree char *report = NULL;
  g_autofree char *route = NULL;
  g_autofree char *located = NULL;
  WgApplication *app;
  WgWindow *window;
  WgDetailPane *detail;
  Field field = { 0 };
  const char *incident;
  StateWait wait;

  start_demo_server (server, &field);
  app = start_console (server, "dept-urban");
  window = console_test_find_window (app);
  g_assert_cmpint (wg_context_get_actor (wg_window_get_context (window))->role, ==, WG_ROLE_DEPARTMENT);

  /* A call taken at the centre, then routed to urban management. */
  located = report_body (wg_context_get_reference (wg_window_get_context (window)), "worker-05",
                         "professional", "road_damage", "井盖缺失", NULL);
  /* The dispatcher's report carries the caller: swap the source. */
  report = g_strdup_printf ("%.*s, \"caller\": {\"name\": \"王女士\", \"phone\": \"13812345678\"}}",
                            (int) strlen (located) - 1, located);
  incident = field_send (&field, "dispatcher", "incident.report", report);
  /* Events of other incidents move the journal on before the routing. */
  {
    g_autofree char *other = report_body (wg_context_get_reference (wg_window_get_context (window)),
                                          "worker-09", "general", "noise", "夜间施工噪音", NULL);
    field_send (&field, "worker-09", "incident.report", other);
  }
  wg_test_iterate_for (300);
  g_assert_null (console_record (window, incident));
  route = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"urban\"}", incident);
  field_send (&field, "dispatcher", "incident.route", route);

  wait = (StateWait) { window, incident, WG_STATE_ROUTED };
  g_assert_true (wg_test_iterate_until (routed_on_board, &wait, 15000));
  g_assert_cmpstr (console_record (window, incident)->summary, ==, "井盖缺失");
  select_row (window, incident);
  detail = wg_window_get_detail_pane (window);
  /* reported + routed */
  g_assert_cmpuint (wg_detail_pane_get_n_timeline_rows (detail), >=, 2);
  /* A department sees the caller's phone masked. */
  g_assert_nonnull (wg_detail_pane_get_caller_text (detail));
  g_assert_true (g_str_has_prefix (wg_detail_pane_get_caller_text (detail), "王女士 138"));
  g_assert_null (strstr (wg_detail_pane_get_caller_text (detail), "12345"));

  /* Accepted and answered from the department's own console. */
  g_assert_null (wg_incident_actions_get_reason (wg_window_get_actions (window), "accept"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "incident.accept", NULL));
  wait_state (window, incident, WG_STATE_ACCEPTED);
  act_with_dialog (window, "feedback", 0, "已补装井盖");
  wait_state (window, incident, WG_STATE_FEEDBACK_GIVEN);

  journal = server_journal (&field, incident);
  {
    const char *expected[] = {
      "incident.reported@dispatcher", "incident.routed@dispatcher", "incident.accepted@dept-urban",
      "incident.feedback_given@dept-urban", NULL
    };
    assert_journal (journal, expected);
  }

  close_console_and_server (window, app, &field);
}

/* A field photo as the simulator draws it (a real picture, not a flat
 * colour, so the screenshots show what a duty leader would see). */
static GBytes *
make_jpeg (int             width,
           int             height,
           WgSimPhotoScene scene,
           guint32         seed)
{
  WgSimPhotoSpec spec = { .scene = scene, .seed = seed, .width = width, .height = height,
                          .case_number = "HL-20261128-0001", .time_ms = 1795833000000 };
  g_autoptr(GError) error = NULL;
  GBytes *bytes = wg_sim_photo_render (&spec, WG_SIM_PHOTO_JPEG, &error);

  g_assert_no_error (error);
  return bytes;
}

static char *
upload (Field      *field,
        const char *username,
        GBytes     *bytes)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_bytes (field->server, field_token (field, username),
                                                              "POST", "/api/v1/attachments",
                                                              "image/jpeg", bytes, NULL);

  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (json_object_get_string_member (wg_test_response_object (r), "id"));
}

typedef struct {
  WgDetailPane *detail;
  guint         n;
} ThumbWait;

static gboolean
thumbnails_shown (gpointer data)
{
  ThumbWait *w = data;
  return wg_detail_pane_get_n_thumbnails_shown (w->detail) >= w->n;
}

static WgPhotoViewer *
find_viewer (void)
{
  WgPhotoViewer *viewer = NULL;

  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (WG_IS_PHOTO_VIEWER (l->data))
      viewer = l->data;
  return viewer;
}

static gboolean
viewer_loaded (gpointer viewer)
{
  return wg_photo_viewer_get_texture (viewer) != NULL;
}

/* Issue #12: a grid worker's photos (one with the report, one with a note)
 * show as thumbnails in the detail pane and its timeline, fetched once and
 * kept on disk by sha; a click opens the viewer at display size, which
 * goes to the next photo and zooms. */
static void
test_photos (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autoptr(GBytes) first = make_jpeg (2000, 1500, WG_SIM_PHOTO_ILLEGAL_STRUCTURE, 1);
  g_autoptr(GBytes) second = make_jpeg (900, 1200, WG_SIM_PHOTO_ILLEGAL_STRUCTURE, 2);
  g_autofree char *first_id = NULL;
  g_autofree char *second_id = NULL;
  g_autofree char *located = NULL;
  g_autofree char *report = NULL;
  g_autofree char *note = NULL;
  WgAttachmentCache *cache;
  WgPhotoViewer *viewer;
  WgApplication *app;
  WgWindow *window;
  WgDetailPane *detail;
  Field field = { 0 };
  const char *incident;
  StateWait wait;
  ThumbWait thumbs;

  start_demo_server (server, &field);
  app = start_console (server, "leader");
  window = console_test_find_window (app);
  detail = wg_window_get_detail_pane (window);
  cache = wg_context_get_attachment_cache (wg_window_get_context (window));
  g_assert_nonnull (cache);

  first_id = upload (&field, "worker-05", first);
  second_id = upload (&field, "worker-05", second);
  located = report_body (wg_context_get_reference (wg_window_get_context (window)), "worker-05",
                         "professional", "illegal_structure", "楼顶违建", NULL);
  report = g_strdup_printf ("%.*s, \"attachments\": [\"%s\"]}", (int) strlen (located) - 1, located,
                            first_id);
  incident = field_send (&field, "worker-05", "incident.report", report);
  note = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"另一角度\", \"attachments\": [\"%s\"]}",
                          incident, second_id);
  field_send (&field, "worker-05", "incident.note", note);

  wait = (StateWait) { window, incident, WG_STATE_REPORTED };
  g_assert_true (wg_test_iterate_until (note_in_cache, &wait, 15000));
  select_row (window, incident);
  g_assert_cmpuint (wg_detail_pane_get_n_photos (detail), ==, 2);
  /* Both in the Photos section, and each with its event in the timeline. */
  thumbs = (ThumbWait) { detail, 4 };
  g_assert_true (wg_test_iterate_until (thumbnails_shown, &thumbs, 15000));
  g_assert_cmpuint (wg_attachment_cache_get_n_fetched (cache), ==, 2);
  /* Kept by sha: the file's name is the sha-256 of the thumbnail bytes. */
  {
    g_autoptr(GDir) dir = g_dir_open (wg_attachment_cache_get_directory (cache), 0, NULL);
    const char *name;
    guint n_blobs = 0;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      if (strlen (name) == 64)
        n_blobs++;
    g_assert_cmpuint (n_blobs, ==, 2);
  }

  /* Another event rebuilds the pane: no new request. */
  {
    g_autofree char *more = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"已通知城管\"}", incident);
    field_send (&field, "leader", "incident.note", more);
    wg_test_iterate_for (500);
  }
  g_assert_true (wg_test_iterate_until (thumbnails_shown, &thumbs, 5000));
  g_assert_cmpuint (wg_attachment_cache_get_n_fetched (cache), ==, 2);

  /* For screenshots: WANGGE_TEST_PAUSE_MS=N holds the pane, then the
   * viewer, on screen for N ms each. */
  if (g_getenv ("WANGGE_TEST_PAUSE_MS") != NULL)
    wg_test_iterate_for (g_ascii_strtoull (g_getenv ("WANGGE_TEST_PAUSE_MS"), NULL, 10));
  /* A click opens the viewer on that photo, at display size. */
  g_signal_emit_by_name (wg_detail_pane_get_thumbnail_button (detail, 0), "clicked");
  viewer = find_viewer ();
  g_assert_nonnull (viewer);
  g_assert_cmpuint (wg_photo_viewer_get_n_photos (viewer), ==, 2);
  g_assert_cmpuint (wg_photo_viewer_get_index (viewer), ==, 0);
  g_assert_true (wg_test_iterate_until (viewer_loaded, viewer, 15000));
  g_assert_cmpint (gdk_texture_get_width (wg_photo_viewer_get_texture (viewer)), ==, 1600);
  g_assert_cmpint (gdk_texture_get_height (wg_photo_viewer_get_texture (viewer)), ==, 1200);
  if (g_getenv ("WANGGE_TEST_PAUSE_MS") != NULL)
    wg_test_iterate_for (g_ascii_strtoull (g_getenv ("WANGGE_TEST_PAUSE_MS"), NULL, 10));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.zoom-in", NULL));
  g_assert_cmpfloat (wg_photo_viewer_get_zoom (viewer), >, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.zoom-fit", NULL));
  g_assert_cmpfloat (wg_photo_viewer_get_zoom (viewer), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (viewer), "viewer.next", NULL));
  g_assert_cmpuint (wg_photo_viewer_get_index (viewer), ==, 1);
  g_assert_true (wg_test_iterate_until (viewer_loaded, viewer, 15000));
  g_assert_cmpint (gdk_texture_get_width (wg_photo_viewer_get_texture (viewer)), ==, 900);
  g_assert_cmpint (gdk_texture_get_height (wg_photo_viewer_get_texture (viewer)), ==, 1200);
  gtk_window_destroy (GTK_WINDOW (viewer));

  /* Call intake with a photo from a file: uploaded at Report, then the
   * report (through the outbox) names it. */
  {
    g_autoptr(GBytes) third = make_jpeg (640, 480, WG_SIM_PHOTO_FIRE_LANE, 3);
    g_autofree char *path = g_build_filename (data_home, "门口.jpg", NULL);
    g_autoptr(GFile) file = g_file_new_for_path (path);
    g_autoptr(GPtrArray) journal = NULL;
    WgIntakeDialog *intake;
    gpointer alive;
    WgGrid *grid;
    double lat, lon;
    const char *reported = NULL;

    g_assert_true (g_file_set_contents (path, g_bytes_get_data (third, NULL), g_bytes_get_size (third), NULL));
    intake = WG_INTAKE_DIALOG (wg_window_open_intake (window));
    g_assert_true (wg_intake_dialog_set_category (intake, "garbage"));
    grid = wg_reference_lookup_grid (wg_context_get_reference (wg_window_get_context (window)), "440111012003006");
    wg_geo_shape_interior_point (grid->shape, &lat, &lon);
    wg_intake_dialog_set_location (intake, lat, lon);
    wg_intake_dialog_set_summary (intake, "门口垃圾堆放");
    wg_intake_dialog_add_photo (intake, file);
    g_assert_cmpuint (wg_intake_dialog_get_n_photos (intake), ==, 1);
    alive = intake;
    g_object_add_weak_pointer (G_OBJECT (intake), &alive);
    g_signal_emit_by_name (wg_intake_dialog_get_submit_button (intake), "clicked");
    for (int i = 0; i < 300 && alive != NULL; i++)
      wg_test_iterate_for (50);
    g_assert_null (alive);
    g_assert_true (wg_test_iterate_until (console_test_is_online, window, 15000));

    /* On the server: the report with its photo. */
    {
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, field_token (&field, "leader"), "GET",
                                                               "/api/v1/journal?after=0&limit=5000", NULL, NULL);
      JsonArray *events = json_object_get_array_member (wg_test_response_object (r), "events");

      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *e = json_array_get_object_element (events, i);
          JsonObject *body = json_object_get_object_member (e, "body");

          if (g_str_equal (json_object_get_string_member (e, "type"), "incident.reported") &&
              g_strcmp0 (json_object_get_string_member_with_default (body, "summary", NULL), "门口垃圾堆放") == 0)
            {
              g_assert_true (json_object_has_member (body, "attachments"));
              g_assert_cmpuint (json_array_get_length (json_object_get_array_member (body, "attachments")), ==, 1);
              g_assert_cmpstr (json_object_get_string_member (e, "actor"), ==, "leader");
              reported = g_intern_string (json_object_get_string_member (e, "incident"));
            }
        }
    }
    g_assert_nonnull (reported);
    wait = (StateWait) { window, reported, WG_STATE_REPORTED };
    g_assert_true (wg_test_iterate_until (on_board, &wait, 15000));
    select_row (window, reported);
    thumbs = (ThumbWait) { detail, 2 };
    g_assert_true (wg_test_iterate_until (thumbnails_shown, &thumbs, 15000));
    (void) journal;
  }

  close_console_and_server (window, app, &field);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  data_home = console_test_data_home ("wangge-console-scenarios-XXXXXX");
  if (!console_test_init (&argc, &argv))
    return g_test_run ();

  g_test_add ("/console-scenarios/1-fire", Fixture, NULL,
              fixture_set_up, test_scenario_fire, fixture_tear_down);
  g_test_add ("/console-scenarios/2-professional", Fixture, NULL,
              fixture_set_up, test_scenario_professional, fixture_tear_down);
  g_test_add ("/console-scenarios/3-general", Fixture, NULL,
              fixture_set_up, test_scenario_general, fixture_tear_down);
  g_test_add ("/console-scenarios/hotline-call-back", Fixture, NULL,
              fixture_set_up, test_scenario_hotline_call_back, fixture_tear_down);
  g_test_add ("/console-scenarios/supervision", Fixture, NULL,
              fixture_set_up, test_scenario_supervision, fixture_tear_down);
  g_test_add ("/console-scenarios/rejection-review", Fixture, NULL,
              fixture_set_up, test_scenario_rejection_review, fixture_tear_down);
  g_test_add ("/console-scenarios/mediation", Fixture, NULL,
              fixture_set_up, test_scenario_mediation, fixture_tear_down);
  g_test_add ("/console-scenarios/transfer", Fixture, NULL,
              fixture_set_up, test_scenario_transfer, fixture_tear_down);
  g_test_add ("/console-scenarios/extension-and-merge", Fixture, NULL,
              fixture_set_up, test_scenario_extension_and_merge, fixture_tear_down);
  g_test_add ("/console-scenarios/downgrade", Fixture, NULL,
              fixture_set_up, test_scenario_downgrade, fixture_tear_down);
  g_test_add_func ("/console-scenarios/offline-restart", test_offline_restart);
  g_test_add_func ("/console-scenarios/department-meets-routed", test_department_meets_routed);
  g_test_add_func ("/console-scenarios/photos", test_photos);
  status = g_test_run ();
  test_rm_rf (data_home);
  return status;
}
