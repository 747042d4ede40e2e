/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drill mode on a console without a server (the exercise's context is a
 * local one, as in the demo): the trainer's score grid shows the scores
 * wg-drill-score computes for the run of wg_demo_fill_drill (by hand in the
 * comments); a trainee acknowledges and dispatches in the exercise through
 * the console's own actions, and the live board and banner show none of it,
 * nor the exercise's map the live incidents; the trainer's report export.
 * Joining an exercise on the real server waits for its routes (branch
 * drills-server).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "console-test-util.h"
#include "wg-demo.h"
#include "wg-dispatch-dialog.h"
#include "wg-drill-window.h"

static void
settle (void)
{
  for (int i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

static WgWindow *
open_live_window (WgApplication **app_out)
{
  g_autoptr(GError) error = NULL;
  WgApplication *app = wg_application_new (G_APPLICATION_NON_UNIQUE);
  WgWindow *window;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  window = wg_window_new (app);
  g_assert_true (wg_demo_fill (wg_window_get_context (window), &error));
  g_assert_no_error (error);
  gtk_window_present (GTK_WINDOW (window));
  *app_out = app;
  return window;
}

static WgDrillWindow *
open_drill (WgWindow   *live,
            const char *username,
            WgRole      role)
{
  WgContext *context = wg_window_get_context (live);
  g_autoptr(WgActor) actor = wg_actor_new (username, role, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgContext) drill = wg_context_new_local (wg_context_get_reference (context), ":memory:", actor, &error);
  g_autoptr(WgDrillSession) session = NULL;
  GtkWidget *window;

  g_assert_no_error (error);
  wg_context_place_forces_at_home (drill);
  session = wg_drill_session_new (drill, "ex-test", "missing-elderly");
  wg_drill_scorer_add_trainee (wg_drill_session_get_scorer (session), "dispatcher-wang", "dispatcher");
  g_assert_true (wg_demo_fill_drill (drill, &error));
  g_assert_no_error (error);
  window = wg_drill_window_new (session, context, wg_window_get_model (live));
  gtk_window_present (GTK_WINDOW (window));
  settle ();
  return WG_DRILL_WINDOW (window);
}

static char *
find_incident (WgIncidentModel *model,
               const char      *category)
{
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (model)); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (g_strcmp0 (wg_incident_item_get_record (item)->category, category) == 0)
        return g_strdup (wg_incident_item_get_id (item));
    }
  return NULL;
}

/* The run (wg-demo.c): the missing person's alarm acknowledged by
 * leader-zhang at 90 s against 60 s: 100 * (120 - 90) / 60 = 50; dispatched
 * by dispatcher-li at 150 s against 180 s (time 100) with cp-20, gw-46,
 * ap-11, gw-31, ap-10, vt-09, eu-01 against the plan of 3 grid workers, 1
 * community police, 2 auxiliary police, 1 volunteer team: 1 missing, 1
 * extra: 100 * 6/7 - 10 = 75.714, decision (100 + 75.714) / 2 = 87.857;
 * the fire, 40 s old: both decisions waiting.  dispatcher-wang never
 * acted. */
static void
test_score_grid (void)
{
  g_autoptr(WgApplication) app = NULL;
  WgWindow *live = open_live_window (&app);
  WgDrillWindow *drill = open_drill (live, "trainer", WG_ROLE_TRAINER);
  GtkColumnView *grid = wg_drill_window_get_grid (drill);
  g_autoptr(WgDrillScore) score = wg_drill_session_compute (wg_drill_window_get_session (drill), FALSE);
  WgDrillDecision *d = score->decisions->pdata[1];
  g_autofree char *zhang_ack = wg_drill_window_dup_cell_text (drill, "leader-zhang", 1);
  g_autofree char *li_ack = wg_drill_window_dup_cell_text (drill, "dispatcher-li", 1);
  g_autofree char *li_dispatch = wg_drill_window_dup_cell_text (drill, "dispatcher-li", 2);
  g_autofree char *li_total = wg_drill_window_dup_cell_text (drill, "dispatcher-li", 0);
  g_autofree char *wang_total = wg_drill_window_dup_cell_text (drill, "dispatcher-wang", 0);
  g_autofree char *fire_ack = wg_drill_window_dup_cell_text (drill, "leader-zhang", 3);
  g_autofree char *s90 = g_strdup_printf (_("%d s"), 90);
  g_autofree char *s150 = g_strdup_printf (_("%d s"), 150);
  g_autofree char *expected_zhang = g_strdup_printf (_("%.0f (%s)"), 50.0, s90);
  g_autofree char *expected_li = g_strdup_printf (_("%.0f (%s)"), 88.0, s150);

  /* Trainee, 4 decisions, total. */
  g_assert_cmpuint (g_list_model_get_n_items (gtk_column_view_get_columns (grid)), ==, 6);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (gtk_column_view_get_model (grid))), ==, 3);
  g_assert_cmpfloat_with_epsilon (d->points, 87.857, 0.001);
  g_assert_cmpuint (d->proposal_followed, ==, 6);

  g_assert_cmpstr (zhang_ack, ==, expected_zhang);
  g_assert_cmpstr (li_ack, ==, "—");
  g_assert_cmpstr (li_dispatch, ==, expected_li);
  g_assert_cmpstr (li_total, ==, "88");
  g_assert_cmpstr (wang_total, ==, _("never acted"));
  g_assert_cmpint (((WgDrillDecision *) score->decisions->pdata[2])->state, ==, WG_DRILL_PENDING);
  g_assert_nonnull (fire_ack);
  g_assert_cmpstr (fire_ack, !=, "—");

  gtk_window_destroy (GTK_WINDOW (drill));
  gtk_window_destroy (GTK_WINDOW (live));
}

/* A duty leader in the exercise acknowledges its fire and dispatches with
 * the dispatch dialog's proposal, through the console's actions: the
 * exercise's score has both; the live board's fire is still
 * unacknowledged, its banner still up, and no live incident or assignment
 * came of it. */
static void
test_trainee_acts (void)
{
  g_autoptr(WgApplication) app = NULL;
  WgWindow *live = open_live_window (&app);
  WgContext *live_context = wg_window_get_context (live);
  guint live_incidents = g_list_model_get_n_items (G_LIST_MODEL (wg_window_get_model (live)));
  WgDrillWindow *drill = open_drill (live, "leader-zhang", WG_ROLE_DUTY_LEADER);
  WgContext *drill_context = wg_drill_session_get_context (wg_drill_window_get_session (drill));
  g_autofree char *fire = find_incident (wg_drill_window_get_model (drill), "fire");
  g_autofree char *live_fire = find_incident (wg_window_get_model (live), "fire");
  g_autoptr(WgDrillScore) score = NULL;
  g_auto(WgIncidentRecord) live_record = { 0 };
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog;
  WgDrillDecision *d;

  g_assert_nonnull (fire);
  g_assert_cmpstr (fire, !=, live_fire);
  wg_view_model_set_selected_incident (wg_context_get_view_model (drill_context), fire);
  settle ();
  /* The drill's case numbers are longer (EX-): its case column is wider
   * than the live one. */
  {
    g_autoptr(GtkColumnViewColumn) live_case = g_list_model_get_item (
      gtk_column_view_get_columns (wg_incident_board_get_column_view (wg_window_get_board (live))), 0);
    g_autoptr(GtkColumnViewColumn) drill_case = g_list_model_get_item (
      gtk_column_view_get_columns (wg_incident_board_get_column_view (wg_drill_window_get_board (drill))), 0);

    g_assert_cmpint (gtk_column_view_column_get_fixed_width (drill_case), >,
                     gtk_column_view_column_get_fixed_width (live_case));
  }
  /* The drill's map: the drill's incidents, not the live ones, and the
   * board's selection. */
  {
    WgMapView *map = wg_drill_window_get_map_view (drill);

    g_assert_cmpstr (wg_map_view_get_selection_id (map), ==, fire);
    g_assert_true (wg_map_view_fly_to_incident (map, fire));
    g_assert_false (wg_map_view_fly_to_incident (map, live_fire));
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (drill), "incident.acknowledge", NULL));
  settle ();

  /* The dialog closes itself once the dispatch is accepted. */
  dialog = g_object_ref (wg_dispatch_dialog_new (drill_context, fire));
  gtk_window_present (GTK_WINDOW (dialog));
  settle ();
  wg_dispatch_dialog_dispatch (WG_DISPATCH_DIALOG (dialog));
  settle ();
  gtk_window_destroy (GTK_WINDOW (dialog));
  g_object_unref (dialog);

  score = wg_drill_session_compute (wg_drill_window_get_session (drill), FALSE);
  d = wg_drill_score_lookup_decision (score, fire, WG_DRILL_DECISION_ACKNOWLEDGE);
  g_assert_cmpint (d->state, ==, WG_DRILL_TAKEN);
  g_assert_cmpstr (d->actor, ==, "leader-zhang");
  g_assert_cmpfloat (d->points, ==, 100);
  d = wg_drill_score_lookup_decision (score, fire, WG_DRILL_DECISION_DISPATCH);
  g_assert_cmpint (d->state, ==, WG_DRILL_TAKEN);
  g_assert_cmpstr (d->actor, ==, "leader-zhang");
  /* The dialog preselects the plan: the recommender's proposal, followed. */
  g_assert_cmpuint (d->proposal_followed, ==, d->units->len);
  g_assert_cmpuint (d->missing, ==, 0);

  /* The trainer's "Export Report…": the grid as it stands, in a PDF. */
  {
    g_autofree char *dir = g_dir_make_tmp ("wg-drill-report-XXXXXX", NULL);
    g_autofree char *path = g_build_filename (dir, "ex-test.pdf", NULL);
    g_autofree char *text = NULL;
    WgForce *proposed = wg_reference_lookup_force (wg_context_get_reference (drill_context), d->proposal[0]);
    const char *argv[] = { "pdftotext", "-layout", path, "-", NULL };
    int status = 0;

    g_assert_true (wg_drill_window_export_report (drill, path, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                                 NULL, NULL, &text, NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (text, "ex-test"));
    g_assert_nonnull (strstr (text, d->case_number));
    {
      WgDrillTrainee *t = wg_drill_score_lookup_trainee (score, "leader-zhang");
      g_autofree char *row = g_strdup_printf ("leader-zhang .* %u +%u +%.0f\\b", t->taken, t->missed, t->points);

      g_assert_cmpuint (t->taken, >=, 2);
      g_assert_true (g_regex_match_simple (row, text, 0, 0));
    }
    /* The recommender's proposal, by the force's name. */
    g_assert_nonnull (strstr (text, proposed->name_zh));
    g_unlink (path);
    g_rmdir (dir);
  }

  /* Nothing of it live. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (wg_window_get_model (live))), ==, live_incidents);
  g_assert_null (wg_incident_model_lookup (wg_window_get_model (live), fire));
  g_assert_true (wg_store_get_incident (wg_context_get_store (live_context), live_fire, &live_record, &error));
  g_assert_cmpint (live_record.alarm, !=, WG_ALARM_ACKNOWLEDGED);
  g_assert_cmpint (live_record.state, ==, WG_STATE_REPORTED);

  gtk_window_destroy (GTK_WINDOW (drill));
  gtk_window_destroy (GTK_WINDOW (live));
}

int
main (int   argc,
      char *argv[])
{
  if (!console_test_init (&argc, &argv))
    return g_test_run ();

  g_test_add_func ("/drill/score-grid", test_score_grid);
  g_test_add_func ("/drill/trainee-acts", test_trainee_acts);
  return g_test_run ();
}
