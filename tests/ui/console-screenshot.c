/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not a test: opens the console on the demo scenarios at 1920x1080 for
 * screenshots (run under xvfb-run, then `import -window root`).
 *   console-screenshot [main|none|dispatch|alarm|intake|shortcuts|sorted|police-grids|call-back|call-back-form|drill|drill-score|replay|replay-open|replay-picker|wall|wall-board|busy] [SECONDS]
 * main: the traffic accident selected; none: nothing selected (the map
 * whole, the fire pulsing); dispatch: the dispatch dialog for
 * the fire; alarm: the fire's alarm on the banner, selected; shortcuts:
 * the shortcuts window; sorted: the board sorted by grid; police-grids: the
 * police grid layer switched on; call-back: a 12345 hotline case verified
 * and waiting for its call-back, selected; call-back-form: its call-back
 * form open; drill: Drill mode over the live window, a duty leader's view
 * of an exercise in progress (wg_demo_fill_drill) with the exercise's fire
 * selected, the live fire's banner above the exercise's; drill-score: the
 * trainer's view of the same, with the score grid; replay: scenario 6, the fire acknowledged, dispatched and
 * reached, replayed and paused with the forces on the way (their tracks
 * made up here: no server kept any), the replay's window over the live
 * one; replay-open: Replay just opened by its action, before any seek;
 * replay-picker: the same as replay with its time-window picker open; wall: the big-screen mode on the demo (one monitor: the map
 * and the tiles in one window); wall-board: the tiles' window of a wall on
 * two monitors; busy: bench-console-start's busy street (300 more open
 * incidents around the street's centre, 20 of them unacknowledged
 * emergencies, 180 routed to a department; 2,000 units at their positions),
 * nothing selected.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "wg-demo.h"
#include "wg-dispatch-dialog.h"
#include "wg-drill-window.h"
#include "wg-replay-bar.h"
#include "wg-replay-window.h"
#include "wg-wall-window.h"
#include "wg-window.h"

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Until Replay's worker has answered every seek and read. */
static void
settle (WgReplay *replay)
{
  while (!wg_replay_is_settled (replay))
    g_main_context_iteration (NULL, TRUE);
}

static const char *
find_incident_in (WgIncidentModel *incidents,
                  const char      *category)
{
  GListModel *model = G_LIST_MODEL (incidents);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (model, i);

      if (g_strcmp0 (wg_incident_item_get_record (item)->category, category) == 0)
        return wg_incident_item_get_id (item);
    }
  return NULL;
}

static const char *
find_incident (WgWindow   *window,
               const char *category)
{
  return find_incident_in (wg_window_get_model (window), category);
}

/* A 12345 hotline case routed, accepted, fed back and verified: the
 * call-back (回访) is the next step.  Returns its id. */
static char *
add_verified_hotline_case (WgContext *context)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GError) error = NULL;
  WgGrid *grid = wg_reference_lookup_grid (wg_context_get_reference (context), "440111012002002");
  gint64 now = wg_context_now_ms (context);
  char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];
  double y, x;
  char *incident;
  static const struct { const char *user; int minutes_ago; const char *type; const char *extra; } steps[] = {
    { "dispatcher", 140, "incident.route", ", \"department\": \"urban\"" },
    { "dept-urban", 120, "incident.accept", "" },
    { "dept-urban", 50, "incident.feedback",
      ", \"outcome\": \"resolved\", \"result\": \"已责令拆除\"" },
    { "worker-08", 20, "incident.verify",
      ", \"passed\": true, \"remark\": \"现场已拆除\"" },
  };

  g_assert (grid != NULL);
  wg_geo_shape_interior_point (grid->shape, &y, &x);
  g_ascii_dtostr (lat, sizeof lat, y);
  g_ascii_dtostr (lon, sizeof lon, x);
  incident = wg_demo_run (context, "dispatcher", now - 150 * 60 * 1000, events, &error, "incident.report",
                          "{\"grade\": \"professional\", \"category\": \"illegal_structure\","
                          " \"location\": {\"lat\": %s, \"lon\": %s}, \"source\": \"hotline_12345\","
                          " \"summary\": \"12345 来电：小区天台违规加建\","
                          " \"caller\": {\"name\": \"李先生\", \"phone\": \"13900001111\"}}", lat, lon);
  if (incident == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *subject = wg_demo_run (context, steps[i].user, now - steps[i].minutes_ago * 60 * 1000,
                                              events, &error, steps[i].type, "{\"incident\": \"%s\"%s}",
                                              incident, steps[i].extra);

      if (subject == NULL)
        g_error ("%s: %s", steps[i].type, error->message);
    }
  wg_context_events_applied (context, events);
  return incident;
}

/* Scenario 1's fire to the end of its response, for scenario 6 to replay:
 * acknowledged, two forces dispatched, on the way and on scene. */
static void
respond_to_fire (WgContext  *context,
                 const char *fire)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GError) error = NULL;
  gint64 now = wg_context_now_ms (context);
  g_autofree char *assignment = NULL;
  static const struct { int seconds_ago; const char *type; } steps[] = {
    { 20, "assignment.acknowledge" },
    { 12, "assignment.en_route" },
    { 2, "assignment.on_scene" },
  };

  g_free (wg_demo_run (context, "leader", now - 32 * 1000, events, &error, "alarm.acknowledge",
                       "{\"incident\": \"%s\"}", fire));
  assignment = wg_demo_run (context, "leader", now - 26 * 1000, events, &error, "dispatch.assign",
                            "{\"incident\": \"%s\", \"units\": [\"cp-03\", \"eu-03\"]}", fire);
  if (assignment == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autofree char *subject = wg_demo_run (context, "leader", now - steps[i].seconds_ago * 1000, events,
                                              &error, steps[i].type, "{\"assignment\": \"%s\"}", assignment);

      if (subject == NULL)
        g_error ("%s: %s", steps[i].type, error->message);
    }
  wg_context_events_applied (context, events);
}

/* Without a server nothing kept tracks: the two forces drive from home to
 * the fire in the 24 s between the dispatch and the arrival, a point
 * every 4 s, as a server would have kept them. */
static void
add_tracks (WgReplayTracks *tracks,
            WgContext      *context,
            const char     *fire)
{
  static const char *const units[] = { "cp-03", "eu-03" };
  WgReference *reference = wg_context_get_reference (context);
  g_auto(WgIncidentRecord) record = { 0 };
  gint64 now = wg_context_now_ms (context);

  if (!wg_store_get_incident (wg_context_get_store (context), fire, &record, NULL))
    g_error ("no fire");
  for (guint u = 0; u < G_N_ELEMENTS (units); u++)
    {
      WgForce *force = wg_reference_lookup_force (reference, units[u]);

      for (int step = 0; step <= 6; step++)
        {
          double f = step / 6.0;

          wg_replay_tracks_add_point (tracks, units[u], now - 26 * 1000 + step * 4000,
                                      force->lat + f * (record.lat - force->lat),
                                      force->lon + f * (record.lon - force->lon));
        }
    }
}

/* The busy street as bench-console-start builds it on its server. */
static void
fill_busy_street (WgContext *context)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GError) error = NULL;
  WgPositionStore *positions = wg_context_get_position_store (context);
  gint64 now = wg_context_now_ms (context);

  for (guint i = 0; i < 300; i++)
    {
      const char *grade = i < 20 ? "emergency" : i < 200 ? "professional" : "general";
      const char *category = i < 20 ? "fire" : i < 200 ? "illegal_structure" : "garbage";
      char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];
      g_autofree char *incident = NULL;

      g_ascii_dtostr (lat, sizeof lat, 23.200 + (i % 20) * 0.0012);
      g_ascii_dtostr (lon, sizeof lon, 113.275 + (i / 20) * 0.0012);
      incident = wg_demo_run (context, "dispatcher", now - (300 - i) * 1000, events, &error, "incident.report",
                              "{\"grade\": \"%s\", \"category\": \"%s\","
                              " \"location\": {\"lat\": %s, \"lon\": %s}, \"summary\": \"繁忙街道 %u\"}",
                              grade, category, lat, lon, i);
      if (incident == NULL)
        g_error ("%s", error->message);
      if (g_str_equal (grade, "professional"))
        g_free (wg_demo_run (context, "dispatcher", now - (300 - i) * 1000 + 500, events, &error,
                             "incident.route", "{\"incident\": \"%s\", \"department\": \"urban\"}",
                             incident));
    }
  wg_context_events_applied (context, events);
  for (guint u = 0; u < 2000; u++)
    {
      g_autofree char *unit = g_strdup_printf ("busy-%04u", u);
      guint index = wg_position_store_add_unit (positions, unit, WG_UNIT_TYPE_OTHER, WG_UNIT_STATUS_AVAILABLE);

      wg_position_store_set_position (positions, index, 23.19 + (u % 50) * 0.001, 113.26 + (u / 50) * 0.001, now);
    }
}

static gboolean
quit_cb (gpointer loop);

static void
run_wall (WgApplication *app,
          GMainLoop     *loop,
          guint          seconds,
          gboolean       board)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgContext) context = wg_wall_new_demo_context (TRUE, &error);
  g_autoptr(WgWall) wall = NULL;
  g_autoptr(GPtrArray) windows = NULL;

  if (context == NULL)
    g_error ("%s", error->message);
  wall = wg_wall_new (context);
  wg_wall_follow_text_scale (wg_application_get_settings (app));
  if (board)
    {
      windows = g_ptr_array_new ();
      g_ptr_array_add (windows, wg_wall_window_new (GTK_APPLICATION (app), wall, WG_WALL_PART_BOARD));
      adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
      gtk_window_set_default_size (windows->pdata[0], 1920, 1080);
      gtk_window_present (windows->pdata[0]);
    }
  else
    windows = wg_wall_window_open_all (GTK_APPLICATION (app), wall, NULL);
  g_timeout_add_seconds (seconds, quit_cb, loop);
  g_main_loop_run (loop);
  for (guint i = 0; i < windows->len; i++)
    gtk_window_destroy (windows->pdata[i]);
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  const char *localedir = g_getenv ("WANGGE_LOCALEDIR");
  const char *mode = argc > 1 ? argv[1] : "main";
  guint seconds = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 30;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgApplication) app = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  WgWindow *window;
  WgContext *context;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_init ();
  adw_init ();
  app = wg_application_new (G_APPLICATION_NON_UNIQUE);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  g_application_hold (G_APPLICATION (app));
  /* The application's startup loads the style sheet. */
  g_application_activate (G_APPLICATION (app));
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL;
       l = gtk_application_get_windows (GTK_APPLICATION (app)))
    gtk_window_destroy (l->data);

  if (g_str_has_prefix (mode, "wall"))
    {
      run_wall (app, loop, seconds, g_str_equal (mode, "wall-board"));
      return 0;
    }

  window = wg_window_new (app);
  context = wg_window_get_context (window);
  if (!wg_demo_fill (context, &error))
    g_error ("%s", error->message);
  gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
  gtk_window_maximize (GTK_WINDOW (window));
  gtk_window_present (GTK_WINDOW (window));
  /* The pointer sits in the middle of the screen: no tooltip there. */
  gtk_widget_set_has_tooltip (GTK_WIDGET (wg_window_get_map_view (window)), FALSE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (wg_window_get_map (window)), FALSE);

  if (g_str_equal (mode, "busy"))
    fill_busy_street (context);
  else if (g_str_equal (mode, "main"))
    wg_view_model_set_selected_incident (wg_context_get_view_model (context),
                                         find_incident (window, "traffic_accident"));
  else if (g_str_equal (mode, "alarm") || g_str_equal (mode, "dispatch"))
    wg_view_model_set_selected_incident (wg_context_get_view_model (context),
                                         find_incident (window, "fire"));
  else if (g_str_has_prefix (mode, "call-back"))
    {
      g_autofree char *incident = add_verified_hotline_case (context);

      wg_view_model_set_selected_incident (wg_context_get_view_model (context), incident);
      if (g_str_equal (mode, "call-back-form"))
        gtk_widget_activate_action (GTK_WIDGET (window), "incident.call-back", NULL);
    }
  if (g_str_equal (mode, "dispatch"))
    {
      GtkWidget *dialog = wg_dispatch_dialog_new (context, find_incident (window, "fire"));

      gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (window));
      gtk_window_present (GTK_WINDOW (dialog));
    }
  else if (g_str_equal (mode, "intake"))
    wg_window_open_intake (window);
  else if (g_str_equal (mode, "police-grids"))
    gtk_widget_activate_action (GTK_WIDGET (window), "view.police-grids", NULL);
  else if (g_str_equal (mode, "shortcuts"))
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
  else if (g_str_has_prefix (mode, "replay"))
    {
      g_autofree char *fire = g_strdup (find_incident (window, "fire"));
      WgWindow *replay;
      WgReplay *session;

      respond_to_fire (context, fire);
      {
        g_autoptr(GAsyncResult) opened = NULL;

        wg_replay_window_open_async (window, NULL, store_result_cb, &opened);
        while (opened == NULL)
          g_main_context_iteration (NULL, TRUE);
        replay = wg_replay_window_open_finish (opened, &error);
      }
      if (replay == NULL)
        g_error ("%s", error->message);
      gtk_window_set_default_size (GTK_WINDOW (replay), 1920, 1080);
      gtk_window_maximize (GTK_WINDOW (replay));
      gtk_widget_set_has_tooltip (GTK_WIDGET (wg_window_get_map_view (replay)), FALSE);
      gtk_widget_set_has_tooltip (GTK_WIDGET (wg_window_get_map (replay)), FALSE);
      session = wg_replay_window_get_replay (replay);
      /* Just opened: its first picture, a minute before the first event. */
      if (g_str_equal (mode, "replay-open"))
        settle (session);
      else
        {
          wg_replay_bar_pick (WG_REPLAY_BAR (wg_replay_window_get_bar (replay)), fire);
          settle (session);
          add_tracks (wg_replay_window_get_tracks (replay), context, fire);
          /* Paused on the way: acknowledged, forces assigned and driving. */
          for (;;)
            {
              WgIncidentItem *item;

              settle (session);
              item = wg_incident_model_lookup (wg_window_get_model (replay), fire);
              if ((item != NULL && wg_incident_item_get_record (item)->state == WG_STATE_DISPATCHED) ||
                  !wg_replay_step_moment (session, fire, 1))
                break;
            }
          wg_replay_seek (session, wg_replay_get_time (session) + 14 * 1000);
          if (g_str_equal (mode, "replay-picker"))
            wg_replay_bar_show_window_picker (WG_REPLAY_BAR (wg_replay_window_get_bar (replay)));
        }
    }
  else if (g_str_equal (mode, "sorted"))
    {
      GtkColumnView *view = wg_incident_board_get_column_view (wg_window_get_board (window));
      g_autoptr(GtkColumnViewColumn) column = g_list_model_get_item (gtk_column_view_get_columns (view), 3);

      gtk_column_view_sort_by_column (view, column, GTK_SORT_ASCENDING);
    }

  else if (g_str_has_prefix (mode, "drill"))
    {
      gboolean trainer = g_str_equal (mode, "drill-score");
      g_autoptr(WgActor) actor = trainer ? wg_actor_new ("trainer", WG_ROLE_TRAINER, NULL, NULL, NULL)
                                         : wg_actor_new ("leader-zhang", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
      g_autoptr(WgContext) drill = wg_context_new_local (wg_context_get_reference (context), ":memory:",
                                                         actor, &error);
      g_autoptr(WgDrillSession) session = NULL;
      GtkWidget *drill_window;

      if (drill == NULL)
        g_error ("%s", error->message);
      wg_context_place_forces_at_home (drill);
      session = wg_drill_session_new (drill, "ex-20261207-0001", "老人走失 · missing-elderly");
      wg_drill_scorer_add_trainee (wg_drill_session_get_scorer (session), "dispatcher-wang", "dispatcher");
      if (!wg_demo_fill_drill (drill, &error))
        g_error ("%s", error->message);
      drill_window = wg_drill_window_new (session, context, wg_window_get_model (window));
      gtk_window_set_default_size (GTK_WINDOW (drill_window), 1920, 1080);
      gtk_window_maximize (GTK_WINDOW (drill_window));
      gtk_window_present (GTK_WINDOW (drill_window));
      if (!trainer)
        wg_view_model_set_selected_incident (wg_context_get_view_model (drill),
                                             find_incident_in (wg_drill_window_get_model (WG_DRILL_WINDOW (drill_window)), "fire"));
    }

  g_timeout_add_seconds (seconds, quit_cb, loop);
  g_main_loop_run (loop);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
