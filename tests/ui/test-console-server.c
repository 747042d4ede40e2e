/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two consoles against the real wangge-server (--demo accounts): each logs
 * in from the command line (--server, --username, WANGGE_PASSWORD), loads
 * /api/v1/reference, syncs its own cache.  The dispatcher takes a call, the
 * duty leader's banner shows the alarm, the leader acknowledges it, and
 * both consoles see the same board.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "console-test-util.h"
#include "wg-dispatch-dialog.h"
#include "wg-incident-detail.h"
#include "wg-intake-dialog.h"
#include "wg-test-server.h"
#include "wg-window.h"

static char *data_home;

static gboolean
has_rows (gpointer window)
{
  return g_list_model_get_n_items (wg_incident_board_get_rows (wg_window_get_board (window))) > 0;
}

static gboolean
banner_up (gpointer window)
{
  return wg_alarm_banner_get_revealed (wg_window_get_alarm_banner (window));
}

static gboolean
banner_down (gpointer window)
{
  return !wg_alarm_banner_get_revealed (wg_window_get_alarm_banner (window));
}

static gboolean
ready (gpointer dialogs)
{
  WgDispatchDialog **d = dialogs;
  return wg_dispatch_dialog_is_ready (d[0]) && (d[1] == NULL || wg_dispatch_dialog_is_ready (d[1]));
}

static gboolean
settled (gpointer dialogs)
{
  WgDispatchDialog **d = dialogs;
  return !wg_dispatch_dialog_is_pending (d[0]) && !wg_dispatch_dialog_is_pending (d[1]);
}

static gboolean
dispatched (gpointer window)
{
  GListModel *rows = wg_incident_board_get_rows (wg_window_get_board (window));
  g_autoptr(WgIncidentItem) item = g_list_model_get_item (rows, 0);

  return item != NULL && wg_incident_item_get_record (item)->state == WG_STATE_DISPATCHED;
}

static gboolean
is_offline (gpointer window)
{
  WgSyncClient *sync = wg_context_get_sync_client (wg_window_get_context (window));
  WgSyncState state = wg_sync_client_get_state (sync);

  return state == WG_SYNC_OFFLINE || state == WG_SYNC_CONNECTING;
}

typedef struct {
  WgWindow   *window;
  const char *incident;
} NoteWait;

static gboolean
has_note (gpointer data)
{
  NoteWait *w = data;
  return console_test_cache_has_note (w->window, w->incident);
}

static void
test_two_consoles (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", NULL };
  g_autoptr(WgApplication) dispatcher_app = NULL;
  g_autoptr(WgApplication) leader_app = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  WgWindow *dispatcher, *leader;
  WgIntakeDialog *intake;
  WgGrid *grid;
  GListModel *rows;
  WgIncidentItem *item;
  double lat, lon;

  server->no_admin = TRUE;
  wg_test_server_start (server, args);

  dispatcher_app = console_test_open ("dispatcher", server->base_url);
  leader_app = console_test_open ("leader", server->base_url);
  dispatcher = console_test_find_window (dispatcher_app);
  leader = console_test_find_window (leader_app);

  /* Logged in, in the header, and live. */
  g_assert_cmpint (wg_context_get_actor (wg_window_get_context (dispatcher))->role, ==, WG_ROLE_DISPATCHER);
  g_assert_cmpint (wg_context_get_actor (wg_window_get_context (leader))->role, ==, WG_ROLE_DUTY_LEADER);
  g_assert_true (wg_test_iterate_until (console_test_is_online, dispatcher, 15000));
  g_assert_true (wg_test_iterate_until (console_test_is_online, leader, 15000));
  g_assert_cmpstr (wg_window_get_connection_text (dispatcher), ==, "Online");
  g_assert_false (banner_up (leader));

  /* 5. Call intake at the dispatcher's console: a fire. */
  intake = WG_INTAKE_DIALOG (wg_window_open_intake (dispatcher));
  g_assert_true (wg_intake_dialog_set_category (intake, "fire"));
  grid = wg_reference_lookup_grid (wg_context_get_reference (wg_window_get_context (dispatcher)),
                                   "440111012006003");
  g_assert_nonnull (grid);
  wg_geo_shape_interior_point (grid->shape, &lat, &lon);
  wg_intake_dialog_set_location (intake, lat, lon);
  wg_intake_dialog_set_summary (intake, "3楼冒烟");
  wg_intake_dialog_set_caller (intake, "张先生", "13700001234");
  command = wg_intake_dialog_submit (intake, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
  gtk_window_destroy (GTK_WINDOW (intake));

  /* It goes out, comes back on both streams and tops both boards. */
  g_assert_true (wg_test_iterate_until (has_rows, dispatcher, 15000));
  g_assert_true (wg_test_iterate_until (has_rows, leader, 15000));
  rows = wg_incident_board_get_rows (wg_window_get_board (leader));
  item = g_list_model_get_item (rows, 0);
  g_object_unref (item);
  g_assert_true (g_str_has_prefix (wg_incident_item_get_case_number (item), "HL-"));
  g_assert_cmpstr (wg_incident_item_get_record (item)->grid, ==, "440111012006003");

  /* The leader's banner; the leader acknowledges with A. */
  g_assert_true (wg_test_iterate_until (banner_up, leader, 5000));
  g_assert_true (wg_test_iterate_until (banner_up, dispatcher, 5000));
  g_assert_true (gtk_widget_get_visible (wg_alarm_banner_get_acknowledge_button (wg_window_get_alarm_banner (leader))));
  g_assert_false (gtk_widget_get_visible (wg_alarm_banner_get_acknowledge_button (wg_window_get_alarm_banner (dispatcher))));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (leader), "win.acknowledge", NULL));
  g_assert_true (wg_test_iterate_until (banner_down, leader, 15000));
  g_assert_true (wg_test_iterate_until (banner_down, dispatcher, 15000));

  /* Both press D at the same moment with the same plan: one wins, the
   * other is told the units were taken, and its list is refreshed. */
  {
    const char *incident = wg_incident_item_get_id (item);
    WgDispatchDialog *d[2];
    g_auto(GStrv) first = NULL;
    guint n_refused = 0;

    d[0] = WG_DISPATCH_DIALOG (wg_dispatch_dialog_new (wg_window_get_context (dispatcher), incident));
    d[1] = WG_DISPATCH_DIALOG (wg_dispatch_dialog_new (wg_window_get_context (leader), incident));
    gtk_window_present (GTK_WINDOW (d[0]));
    gtk_window_present (GTK_WINDOW (d[1]));
    g_assert_true (wg_test_iterate_until (ready, d, 5000));
    first = wg_dispatch_dialog_dup_selected (d[0]);
    g_assert_cmpuint (g_strv_length (first), >, 0);
    /* Keep the windows alive past a successful close. */
    g_object_ref (d[0]);
    g_object_ref (d[1]);
    wg_dispatch_dialog_dispatch (d[0]);
    wg_dispatch_dialog_dispatch (d[1]);
    g_assert_true (wg_dispatch_dialog_is_pending (d[0]));
    g_assert_true (wg_dispatch_dialog_is_pending (d[1]));
    g_assert_true (wg_test_iterate_until (settled, d, 15000));
    /* The refused list is read again. */
    g_assert_true (wg_test_iterate_until (ready, d, 5000));
    for (guint i = 0; i < 2; i++)
      if (wg_dispatch_dialog_get_error (d[i]) != NULL)
        {
          GArray *now = wg_dispatch_dialog_get_candidates (d[i]);

          n_refused++;
          g_assert_nonnull (strstr (wg_dispatch_dialog_get_error (d[i]), "another console"));
          /* The units the other console took are no longer offered. */
          for (guint c = 0; c < now->len; c++)
            g_assert_false (g_strv_contains ((const char * const *) first,
                                             g_array_index (now, WgDispatchCandidate, c).force->id));
          gtk_window_destroy (GTK_WINDOW (d[i]));
        }
    g_assert_cmpuint (n_refused, ==, 1);
    g_assert_true (wg_test_iterate_until (dispatched, leader, 15000));
    g_assert_true (wg_test_iterate_until (dispatched, dispatcher, 15000));
    g_object_unref (d[0]);
    g_object_unref (d[1]);
  }

  /* Offline: the server goes away; the header says so, a note queues;
   * when it is back on the same port the note goes out once and the other
   * console sees it. */
  {
    const char *incident = g_intern_string (wg_incident_item_get_id (item));
    g_autofree char *port = g_strdup_printf ("%u", server->port);
    const char *restart[] = { "--demo", "--port", port, NULL };
    g_autoptr(JsonObject) body = json_object_new ();
    g_autofree char *note = NULL;
    NoteWait wait = { leader, incident };

    wg_sync_client_set_max_backoff_ms (wg_context_get_sync_client (wg_window_get_context (dispatcher)), 300);
    wg_sync_client_set_max_backoff_ms (wg_context_get_sync_client (wg_window_get_context (leader)), 300);
    g_assert_cmpint (wg_test_server_stop (server), ==, 0);
    g_assert_true (wg_test_iterate_until (is_offline, dispatcher, 15000));
    json_object_set_string_member (body, "incident", incident);
    json_object_set_string_member (body, "text", "消防车已到楼下");
    note = wg_context_send (wg_window_get_context (dispatcher), WG_CMD_INCIDENT_NOTE, body, &error);
    g_assert_no_error (error);
    wg_test_iterate_for (100);
    g_assert_nonnull (strstr (wg_window_get_connection_text (dispatcher), "1 queued"));

    wg_test_server_start (server, restart);
    g_assert_true (wg_test_iterate_until (console_test_is_online, dispatcher, 20000));
    g_assert_true (wg_test_iterate_until (has_note, &wait, 15000));
    g_assert_true (g_str_has_prefix (wg_window_get_connection_text (dispatcher), "Online"));
  }

  gtk_window_destroy (GTK_WINDOW (dispatcher));
  gtk_window_destroy (GTK_WINDOW (leader));
  wg_test_iterate_for (100);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

static gboolean
has_login_error (gpointer app)
{
  return wg_application_get_login_error (app) != NULL;
}

static gboolean
has_assignment_rows (gpointer window)
{
  GtkWidget *detail = wg_detail_pane_get_incident_detail (wg_window_get_detail_pane (window));

  return detail != NULL && wg_incident_detail_get_n_assignments (WG_INCIDENT_DETAIL (detail)) > 0;
}

static gboolean
backfill_done (gpointer window)
{
  return !wg_sync_client_get_backfilling (wg_context_get_sync_client (wg_window_get_context (window)));
}

static gboolean
timeline_filled (gpointer window)
{
  return wg_detail_pane_get_n_timeline_rows (wg_window_get_detail_pane (window)) > 0;
}

typedef struct {
  WgWindow   *window;
  const char *unit;
  char       *incident;
} UnitWait;

static gboolean
shows_unit (gpointer data)
{
  UnitWait *w = data;
  return g_strcmp0 (wg_detail_pane_get_unit (wg_window_get_detail_pane (w->window)), w->unit) == 0;
}

#define METRICS_TOKEN "metrics-0123456789abcdef"

/* Password logins the server accepted so far (its metrics). */
static guint64
logins_accepted (WgTestServer *server)
{
  static const char series[] =
    "wangge_http_requests_total{route=\"/api/v1/session\",method=\"POST\",status=\"200\"} ";
  g_autoptr(WgTestResponse) metrics = wg_test_server_request_as (server, METRICS_TOKEN, "GET", "/metrics",
                                                                 NULL, NULL);
  g_autofree char *text = NULL;
  const char *line;

  g_assert_cmpuint (metrics->status, ==, 200);
  text = g_strndup (g_bytes_get_data (metrics->body, NULL), g_bytes_get_size (metrics->body));
  line = strstr (text, series);
  return line != NULL ? g_ascii_strtoull (line + strlen (series), NULL, 10) : 0;
}

/* Where the console keeps @username's token for @server (wg-application.c). */
static char *
saved_token_path (WgTestServer *server,
                  const char   *username)
{
  g_autofree char *server_key = g_strdup_printf ("127_0_0_1_%u", server->port);

  return g_build_filename (g_get_user_data_dir (), "wangge", username, server_key, username, "token", NULL);
}

static guint
count_windows (WgApplication *app)
{
  guint n = 0;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    n += WG_IS_WINDOW (l->data);
  return n;
}

/* A cold start (an empty cache) from the snapshot of a server with a
 * day of history: the header names the duty leader on duty (the demo's
 * `leader`) at once, not the rotation's pick.  Then the main loop runs no
 * SQL on the cache while the window works: a report comes in, the leader
 * selects it (the detail's timeline and assignments), opens the dispatch
 * dialog (the forces' states), dispatches, and looks at a force's card,
 * back-fill going on; then a warm start on the same profile fills the
 * board and catches up.  Every read goes to the cache writer's thread. */
static void
test_cold_start_no_sql (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new ("[metrics]\ntoken=" METRICS_TOKEN "\n");
  const char *args[] = { "--demo", "--demo-days", "1", NULL };
  g_autofree char *token_path = NULL;
  WgApplication *cold_app;
  WgApplication *warm_app;
  guint64 logins;
  g_autoptr(WgApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) location = json_object_new ();
  g_autofree char *command = NULL;
  WgDispatchDialog *d[2] = { NULL, NULL };
  UnitWait unit = { NULL, };
  WgWindow *window;
  WgContext *context;
  WgIncidentItem *item;
  WgGrid *grid;
  double lat, lon;

  server->no_admin = TRUE;
  wg_test_server_start (server, args);
  /* The cold start's login goes out before GTK starts, on a thread: the
   * server has taken it before the application is activated, the main
   * loop not run. */
  logins = logins_accepted (server);
  g_setenv ("WANGGE_PASSWORD", "demo", TRUE);
  cold_app = console_test_register ("leader", server->base_url);
  for (guint i = 0; i < 1000 && logins_accepted (server) == logins; i++)
    g_usleep (10000);
  g_assert_cmpuint (logins_accepted (server), ==, logins + 1);
  console_test_activate (cold_app);
  window = console_test_find_window (cold_app);
  context = wg_window_get_context (window);
  g_assert_true (wg_test_iterate_until (console_test_is_online, window, 30000));
  g_assert_cmpstr (wg_context_get_duty_leader (context), ==, "leader");
  g_assert_cmpstr (wg_window_get_duty_text (window), ==, "On duty: 张建华");

  /* Measured from here on, back-fill (the day below the snapshot) going
   * on meanwhile. */
  console_test_count_sql_begin (context);

  grid = wg_reference_lookup_grid (wg_context_get_reference (context), "440111012006003");
  wg_geo_shape_interior_point (grid->shape, &lat, &lon);
  json_object_set_string_member (body, "grade", "emergency");
  json_object_set_string_member (body, "category", "fire");
  json_object_set_double_member (location, "lat", lat);
  json_object_set_double_member (location, "lon", lon);
  json_object_set_object_member (body, "location", g_steal_pointer (&location));
  json_object_set_string_member (body, "summary", "3楼冒烟");
  command = wg_context_send (context, WG_CMD_INCIDENT_REPORT, body, &error);
  g_assert_no_error (error);
  g_assert_true (wg_test_iterate_until (banner_up, window, 15000));
  item = NULL;
  {
    GListModel *rows = wg_incident_board_get_rows (wg_window_get_board (window));

    for (guint i = 0; item == NULL && i < g_list_model_get_n_items (rows); i++)
      {
        g_autoptr(WgIncidentItem) row = g_list_model_get_item (rows, i);

        if (g_strcmp0 (wg_incident_item_get_record (row)->summary, "3楼冒烟") == 0)
          item = row;
      }
  }
  g_assert_nonnull (item);

  wg_view_model_set_selected_incident (wg_context_get_view_model (context), wg_incident_item_get_id (item));
  g_assert_true (wg_test_iterate_until (timeline_filled, window, 5000));
  d[0] = WG_DISPATCH_DIALOG (wg_dispatch_dialog_new (context, wg_incident_item_get_id (item)));
  g_object_ref (d[0]);
  gtk_window_present (GTK_WINDOW (d[0]));
  g_assert_true (wg_test_iterate_until (ready, d, 5000));
  g_assert_cmpuint (wg_dispatch_dialog_get_candidates (d[0])->len, >, 0);
  unit.window = window;
  unit.incident = g_strdup (wg_incident_item_get_id (item));
  unit.unit = g_array_index (wg_dispatch_dialog_get_candidates (d[0]), WgDispatchCandidate, 0).force->id;
  wg_dispatch_dialog_dispatch (d[0]);
  d[1] = d[0];
  g_assert_true (wg_test_iterate_until (settled, d, 15000));
  g_assert_null (wg_dispatch_dialog_get_error (d[0]));
  g_object_unref (d[0]);
  g_assert_true (wg_test_iterate_until (has_assignment_rows, window, 5000));

  wg_view_model_set_selected_unit (wg_context_get_view_model (context), unit.unit);
  g_assert_true (wg_test_iterate_until (shows_unit, &unit, 5000));
  g_assert_true (wg_test_iterate_until (backfill_done, window, 15000));
  wg_test_iterate_for (200);

  g_assert_cmpuint (console_test_count_sql_end (context), ==, 0);

  /* A warm start on the same profile: from the window up, the board fills
   * and catches up through the writer alone, on the token the cold start
   * saved: no password is checked again. */
  gtk_window_destroy (GTK_WINDOW (window));
  wg_test_iterate_for (100);
  /* As the end of g_application_run() does; the application object stays
   * registered (test-console-scenarios.c, test_offline_restart). */
  g_signal_emit_by_name (cold_app, "shutdown");
  token_path = saved_token_path (server, "leader");
  g_assert_true (g_file_test (token_path, G_FILE_TEST_IS_REGULAR));
  logins = logins_accepted (server);
  /* Activated twice in a row (a second instance's activate arriving
   * meanwhile): the window comes once its requests are written, after
   * activate returned, and there is one. */
  warm_app = console_test_register ("leader", server->base_url);
  g_application_activate (G_APPLICATION (warm_app));
  g_assert_null (console_test_find_window (warm_app));
  console_test_activate (warm_app);
  wg_test_iterate_for (100);
  g_assert_cmpuint (count_windows (warm_app), ==, 1);
  window = console_test_find_window (warm_app);
  context = wg_window_get_context (window);
  console_test_count_sql_begin (context);
  g_assert_true (wg_test_iterate_until (console_test_is_online, window, 30000));
  g_assert_true (wg_test_iterate_until (has_rows, window, 5000));
  g_assert_nonnull (wg_incident_model_lookup (wg_window_get_model (window), unit.incident));
  g_assert_cmpstr (wg_window_get_duty_text (window), ==, "On duty: 张建华");
  wg_test_iterate_for (200);
  g_assert_cmpuint (console_test_count_sql_end (context), ==, 0);
  g_assert_cmpuint (logins_accepted (server), ==, logins);

  /* A token the server no longer takes (expired, revoked): the password
   * given at start logs in again, and the new token is kept. */
  gtk_window_destroy (GTK_WINDOW (window));
  wg_test_iterate_for (100);
  g_signal_emit_by_name (warm_app, "shutdown");
  g_assert_true (g_file_set_contents (token_path, "not-a-token-of-this-server", -1, NULL));
  app = console_test_open ("leader", server->base_url);
  window = console_test_find_window (app);
  g_assert_true (wg_test_iterate_until (console_test_is_online, window, 30000));
  g_assert_cmpuint (logins_accepted (server), ==, logins + 1);
  {
    g_autofree char *kept = NULL;

    g_assert_true (g_file_get_contents (token_path, &kept, NULL, NULL));
    g_assert_cmpstr (kept, !=, "not-a-token-of-this-server");
  }

  gtk_window_destroy (GTK_WINDOW (window));
  wg_test_iterate_for (100);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  g_free (unit.incident);
}

/* Without WANGGE_PASSWORD the console asks; a wrong password is refused
 * in place, the right one opens the window. */
static void
test_login_window (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(WgApplication) app = g_object_new (WG_TYPE_APPLICATION, "application-id",
                                               "io.github.wangge.Test.login",
                                               "flags", G_APPLICATION_NON_UNIQUE, NULL);
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);

  server->no_admin = TRUE;
  wg_test_server_start (server, args);
  g_variant_dict_insert (options, "profile", "s", "login");
  g_variant_dict_insert (options, "server", "s", server->base_url);
  g_variant_dict_insert (options, "username", "s", "dispatcher");
  g_assert_cmpint (G_APPLICATION_GET_CLASS (app)->handle_local_options (G_APPLICATION (app), options),
                   ==, -1);
  /* Unset before the start, as a console's environment is. */
  g_unsetenv ("WANGGE_PASSWORD");
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));
  g_assert_nonnull (wg_application_get_login_window (app));
  g_assert_null (console_test_find_window (app));

  wg_application_log_in_with (app, "not the password");
  g_assert_true (wg_test_iterate_until (has_login_error, app, 10000));
  g_assert_nonnull (wg_application_get_login_window (app));

  wg_application_log_in_with (app, "demo");
  g_assert_true (wg_test_iterate_until (console_test_has_window, app, 15000));
  g_assert_null (wg_application_get_login_window (app));
  g_assert_cmpstr (wg_context_get_actor (wg_window_get_context (console_test_find_window (app)))->username, ==,
                   "dispatcher");

  gtk_window_destroy (GTK_WINDOW (console_test_find_window (app)));
  wg_test_iterate_for (100);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  data_home = console_test_data_home ("wangge-console-server-XXXXXX");
  if (!console_test_init (&argc, &argv))
    return g_test_run ();

  /* First: the leader's profile has no cache yet. */
  g_test_add_func ("/console-server/cold-start-no-sql", test_cold_start_no_sql);
  g_test_add_func ("/console-server/two-consoles", test_two_consoles);
  g_test_add_func ("/console-server/login-window", test_login_window);
  status = g_test_run ();
  test_rm_rf (data_home);
  return status;
}
