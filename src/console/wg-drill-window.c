/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-drill-window"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-alarm-banner.h"
#include "wg-console-util.h"
#include "wg-detail-pane.h"
#include "wg-drill-window.h"
#include "wg-incident-actions.h"
#include "wg-incident-board.h"
#include "wg-map-data.h"
#include "wg-map-setup.h"
#include "wg-report.h"
#include "wg-scenario.h"

struct _WgDrillWindow
{
  AdwWindow        parent_instance;

  WgDrillSession  *session;
  WgContext       *live;
  WgIncidentModel *live_model;
  WgIncidentModel *model;
  WgIncidentActions *actions;
  WgDrillScore    *score;
  GtkStringList   *trainees;    /* the grid's rows: usernames */
  guint            n_columns;   /* decision columns in the grid */
  guint            tick_id;
  gboolean         ended;

  AdwHeaderBar    *header;
  GtkLabel        *title_label;
  GtkWidget       *trainer_box;
  GtkBox          *banner_slot;
  GtkBox          *board_slot;
  GtkBox          *detail_slot;
  GtkBox          *map_slot;
  WgMapView       *map_view;
  WgIncidentBoard *board;
  gboolean         syncing_selection;
  GtkWidget       *score_pane;
  GtkLabel        *summary_label;
  GtkColumnView   *grid;
  GtkLabel        *decisions_label;
};

G_DEFINE_FINAL_TYPE (WgDrillWindow, wg_drill_window, ADW_TYPE_WINDOW)

static const char *
kind_label (WgDrillDecisionKind kind)
{
  return kind == WG_DRILL_DECISION_ACKNOWLEDGE ? C_("command", "Acknowledge") : _("Dispatch");
}

static char *
format_seconds (gint64 ms)
{
  /* TRANSLATORS: seconds */
  return g_strdup_printf (_("%d s"), (int) (ms / 1000));
}

char *
wg_drill_window_dup_cell_text (WgDrillWindow *self,
                               const char    *username,
                               guint          column)
{
  WgDrillTrainee *trainee;
  WgDrillDecision *d;

  g_return_val_if_fail (WG_IS_DRILL_WINDOW (self), NULL);

  trainee = self->score != NULL ? wg_drill_score_lookup_trainee (self->score, username) : NULL;
  if (trainee == NULL)
    return g_strdup ("");
  if (column == 0 || column > self->score->decisions->len)
    return trainee->acted || trainee->missed > 0
           ? g_strdup_printf ("%.0f", trainee->points) : g_strdup (_("never acted"));

  d = self->score->decisions->pdata[column - 1];
  switch (d->state)
    {
    case WG_DRILL_TAKEN:
      if (g_strcmp0 (d->actor, username) == 0)
        {
          g_autofree char *time = format_seconds (d->elapsed_ms);

          /* TRANSLATORS: points of a decision, and the time it took */
          return g_strdup_printf (_("%.0f (%s)"), d->points, time);
        }
      return g_strdup ("—");
    case WG_DRILL_MISSED:
      if (g_strcmp0 (trainee->role, "duty_leader") == 0 ||
          (d->kind == WG_DRILL_DECISION_DISPATCH && g_strcmp0 (trainee->role, "dispatcher") == 0))
        return g_strdup (_("0 (missed)"));
      return g_strdup ("—");
    case WG_DRILL_PENDING:
      {
        g_autofree char *time = format_seconds (d->elapsed_ms);

        /* TRANSLATORS: a decision not taken yet, with the time running */
        return g_strdup_printf (_("waiting %s"), time);
      }
    case WG_DRILL_VOID:
    default:
      return g_strdup (_("not scored"));
    }
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_list_item_set_child (item, label);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              WgDrillWindow            *self)
{
  GtkStringObject *row = gtk_list_item_get_item (item);
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "column"));
  const char *username = gtk_string_object_get_string (row);
  g_autofree char *text = NULL;

  if (column == G_MAXUINT)
    {
      WgDrillTrainee *t = wg_drill_score_lookup_trainee (self->score, username);

      WgRole role;

      if (t != NULL && t->role != NULL && wg_role_from_string (t->role, &role))
        text = g_strdup_printf ("%s · %s", username, wg_role_label (role));
      else
        text = g_strdup (username);
    }
  else
    text = wg_drill_window_dup_cell_text (self, username, column);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static GtkColumnViewColumn *
make_column (WgDrillWindow *self,
             const char    *title,
             guint          column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_object_set_data (G_OBJECT (factory), "column", GUINT_TO_POINTER (column));
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), self);
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_resizable (col, TRUE);
  return col;
}

static char *
decision_title (WgDrillDecision *d)
{
  return g_strdup_printf ("%s\n%s", d->case_number != NULL ? d->case_number : d->incident, kind_label (d->kind));
}

/* One line per decision: what the grid cannot show. */
static char *
describe_decisions (WgDrillWindow *self)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < self->score->decisions->len; i++)
    {
      WgDrillDecision *d = self->score->decisions->pdata[i];
      g_autofree char *title = decision_title (d);
      g_autofree char *elapsed = format_seconds (d->elapsed_ms);
      g_autofree char *target = format_seconds (d->target_ms);

      g_strdelimit (title, "\n", ' ');
      /* TRANSLATORS: a decision, the time it took, its target */
      g_string_append_printf (s, _("%s: %s of %s"), title, elapsed, target);
      if (d->kind == WG_DRILL_DECISION_DISPATCH && d->state == WG_DRILL_TAKEN)
        {
          g_string_append (s, "; ");
          g_string_append_printf (s, _("%u forces sent, %u of %u planned missing, %u extra"),
                                  d->units->len, d->missing, d->planned, d->extra);
          if (d->proposal != NULL)
            {
              g_string_append (s, "; ");
              g_string_append_printf (s, _("%u of the recommender’s %u followed"),
                                      d->proposal_followed, g_strv_length (d->proposal));
            }
        }
      if (d->real_elapsed_ms >= 0)
        {
          g_autofree char *real = format_seconds (d->real_elapsed_ms);

          g_string_append (s, "; ");
          g_string_append_printf (s, _("in reality %s, %u forces"), real, d->real_units->len);
        }
      g_string_append_c (s, '\n');
    }
  if (s->len > 0)
    g_string_truncate (s, s->len - 1);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

void
wg_drill_window_refresh (WgDrillWindow *self)
{
  g_autofree char *summary = NULL;
  g_autofree char *decisions = NULL;
  guint n_rows;

  g_return_if_fail (WG_IS_DRILL_WINDOW (self));

  g_clear_pointer (&self->score, wg_drill_score_free);
  self->score = wg_drill_session_compute (self->session, self->ended);

  /* Decisions only ever come: add their columns before the total. */
  for (guint i = self->n_columns; i < self->score->decisions->len; i++)
    {
      g_autofree char *title = decision_title (self->score->decisions->pdata[i]);
      g_autoptr(GtkColumnViewColumn) col = make_column (self, title, i + 1);

      gtk_column_view_insert_column (self->grid, i + 1, col);
    }
  self->n_columns = self->score->decisions->len;

  /* Rows: new trainees at the end, the others redrawn in place. */
  n_rows = g_list_model_get_n_items (G_LIST_MODEL (self->trainees));
  for (guint i = 0; i < self->score->trainees->len; i++)
    {
      WgDrillTrainee *t = self->score->trainees->pdata[i];
      const char *row[] = { t->username, NULL };

      gtk_string_list_splice (self->trainees, i, i < n_rows ? 1 : 0, row);
    }

  summary = g_strdup_printf (_("Exercise score %.0f of 100 over %u decisions"), self->score->points,
                             self->score->decisions->len);
  gtk_label_set_text (self->summary_label, summary);
  decisions = describe_decisions (self);
  gtk_label_set_text (self->decisions_label, decisions);
}

/* The map */

static void
update_grid_states (WgDrillWindow *self)
{
  wg_map_data_fill_grid_states (self->map_view, G_LIST_MODEL (self->model),
                                wg_context_now_ms (wg_drill_session_get_context (self->session)), NULL);
}

static void
map_selection_cb (WgDrillWindow *self)
{
  WgViewModel *vm = wg_context_get_view_model (wg_drill_session_get_context (self->session));

  if (self->syncing_selection)
    return;
  if (wg_map_view_get_selection_kind (self->map_view) == WG_MAP_SELECTION_INCIDENT)
    wg_view_model_set_selected_incident (vm, wg_map_view_get_selection_id (self->map_view));
  else if (wg_map_view_get_selection_kind (self->map_view) == WG_MAP_SELECTION_NONE)
    wg_view_model_set_selected_incident (vm, NULL);
}

static void
selected_incident_cb (WgDrillWindow *self)
{
  const char *id = wg_view_model_get_selected_incident (
    wg_context_get_view_model (wg_drill_session_get_context (self->session)));

  if (id == NULL || g_strcmp0 (wg_map_view_get_selection_id (self->map_view), id) == 0)
    return;
  self->syncing_selection = TRUE;
  wg_map_view_select (self->map_view, WG_MAP_SELECTION_INCIDENT, id);
  wg_map_view_fly_to_incident (self->map_view, id);
  self->syncing_selection = FALSE;
}

static void
alarm_raised_cb (WgDrillWindow *self,
                 const char    *incident)
{
  wg_map_view_fly_to_incident (self->map_view, incident);
}

/* The same map widget as live, over the exercise's context: its incidents,
 * its forces where the exercise's track has them, its grids' fills. */
static void
setup_map (WgDrillWindow *self,
           WgContext     *drill,
           GtkWidget     *drill_banner)
{
  self->map_view = WG_MAP_VIEW (wg_map_view_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->map_view), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->map_view), TRUE);
  gtk_box_append (self->map_slot, GTK_WIDGET (self->map_view));
  wg_map_setup_show_context (self->map_view, drill, self->model);
  wg_map_setup_go_home (self->map_view, wg_context_get_reference (drill));

  g_signal_connect_object (self->map_view, "notify::selection-id", G_CALLBACK (map_selection_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (wg_context_get_view_model (drill), "notify::selected-incident",
                           G_CALLBACK (selected_incident_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (drill_banner, "alarm-raised", G_CALLBACK (alarm_raised_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->model, "items-changed", G_CALLBACK (update_grid_states), self, G_CONNECT_SWAPPED);
  update_grid_states (self);
}

static gboolean
tick_cb (gpointer user_data)
{
  WgDrillWindow *self = WG_DRILL_WINDOW (user_data);

  wg_drill_window_refresh (self);
  /* Overdue fills follow the clock. */
  update_grid_states (self);
  return G_SOURCE_CONTINUE;
}

/* The trainer's commands */

static void
trainer_sent_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WgDrillWindow) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;

  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (answer == NULL)
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("The exercise did not take the command"),
                                                  problem != NULL && problem->title != NULL
                                                  ? problem->title : error->message);

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  /* Ended: what is still waiting is missed. */
  if (JSON_NODE_HOLDS_OBJECT (answer))
    {
      JsonObject *record = json_object_get_object_member (json_node_get_object (answer), "exercise");

      if (record != NULL && g_strcmp0 (json_object_get_string_member_with_default (record, "state", NULL), "ended") == 0)
        {
          self->ended = TRUE;
          wg_drill_window_refresh (self);
        }
    }
}

static void
send_trainer_command (WgDrillWindow *self,
                      const char    *type,
                      JsonObject    *body)
{
  WgSyncClient *sync = wg_context_get_sync_client (wg_drill_session_get_context (self->session));
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *escaped = g_uri_escape_string (wg_drill_session_get_id (self->session), NULL, FALSE);
  g_autofree char *path = g_strconcat ("/api/v1/exercises/", escaped, "/commands", NULL);
  g_autoptr(JsonObject) envelope = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  if (sync == NULL)
    return;
  json_object_set_string_member (envelope, "id", uuid);
  json_object_set_string_member (envelope, "type", type);
  json_object_set_object_member (envelope, "body", body != NULL ? json_object_ref (body) : json_object_new ());
  json_node_set_object (node, envelope);
  wg_api_client_request_async (wg_sync_client_get_api (sync), "POST", path, node, NULL,
                               trainer_sent_cb, g_object_ref (self));
}

static void
trainer_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  /* drill.pause -> exercise.pause */
  g_autofree char *type = g_strconcat ("exercise.", action_name + strlen ("drill."), NULL);

  send_trainer_command (WG_DRILL_WINDOW (widget), type, NULL);
}

/* Injecting: a scripted step now, or a field note of the trainer's own. */

static WgScenario *
load_scenario (const char  *file,
               GError     **error)
{
  g_autofree char *source = g_build_filename (SOURCE_DATADIR, "scenarios", file, NULL);
  g_autofree char *installed = g_build_filename (PKGDATADIR, "scenarios", file, NULL);

  return wg_scenario_load (g_file_test (source, G_FILE_TEST_EXISTS) ? source : installed, error);
}

void
wg_drill_window_inject (WgDrillWindow *self,
                        const char    *step,
                        const char    *note)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (WG_IS_DRILL_WINDOW (self));
  g_return_if_fail ((step == NULL) != (note == NULL));

  if (note != NULL)
    {
      JsonObject *field = json_object_new ();

      json_object_set_string_member (field, "text", note);
      json_object_set_string_member (body, "command", "incident.note");
      json_object_set_string_member (body, "as", "grid_worker");
      json_object_set_object_member (body, "body", field);
    }
  else
    json_object_set_string_member (body, "step", step);
  send_trainer_command (self, "exercise.inject", body);
}

static void
inject_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    WgDrillWindow    *self)
{
  GtkDropDown *steps = g_object_get_data (G_OBJECT (dialog), "steps");
  GtkEditable *note = g_object_get_data (G_OBJECT (dialog), "note");
  GStrv ids = g_object_get_data (G_OBJECT (dialog), "ids");
  const char *text = gtk_editable_get_text (note);
  guint chosen = gtk_drop_down_get_selected (steps);

  if (!g_str_equal (response, "inject"))
    return;
  if (text[0] != '\0')
    wg_drill_window_inject (self, NULL, text);
  else if (chosen < g_strv_length (ids))
    wg_drill_window_inject (self, ids[chosen], NULL);
}

static void
inject_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  WgDrillWindow *self = WG_DRILL_WINDOW (widget);
  const char *file = wg_drill_session_get_scenario_file (self->session);
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_autoptr(WgScenario) scenario = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog, *box, *steps, *note;

  if (file != NULL && (scenario = load_scenario (file, &error)) == NULL)
    g_warning ("Could not read the scenario %s: %s", file, error->message);
  for (guint i = 0; scenario != NULL && i < scenario->steps->len; i++)
    {
      WgScenarioStep *step = scenario->steps->pdata[i];
      g_autofree char *label = g_strdup_printf ("%s · %s", step->id, step->say_zh != NULL ? step->say_zh : "");

      gtk_string_list_append (labels, label);
      g_strv_builder_add (ids, step->id);
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Inject"),
                                   _("Fire a step of the scenario now, or send a field note of your own."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "inject", _("_Inject"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "inject", ADW_RESPONSE_SUGGESTED);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  steps = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (labels)), NULL);
  gtk_widget_set_sensitive (steps, g_list_model_get_n_items (G_LIST_MODEL (labels)) > 0);
  note = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (note), _("Field note (instead of a step)"));
  gtk_box_append (GTK_BOX (box), steps);
  gtk_box_append (GTK_BOX (box), note);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  g_object_set_data (G_OBJECT (dialog), "steps", steps);
  g_object_set_data (G_OBJECT (dialog), "note", note);
  g_object_set_data_full (G_OBJECT (dialog), "ids", g_strv_builder_end (ids), (GDestroyNotify) g_strfreev);
  g_signal_connect_object (dialog, "response", G_CALLBACK (inject_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The after-action report: the grid as it stands, with the exercise's
 * record (a console without a server has none: its id and title only). */

gboolean
wg_drill_window_export_report (WgDrillWindow  *self,
                               const char     *path,
                               GError        **error)
{
  JsonObject *record;
  g_autoptr(JsonObject) local = NULL;

  g_return_val_if_fail (WG_IS_DRILL_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  wg_drill_window_refresh (self);
  record = wg_drill_session_get_record (self->session);
  if (record == NULL)
    {
      record = local = json_object_new ();
      json_object_set_string_member (local, "id", wg_drill_session_get_id (self->session));
      json_object_set_string_member (local, "title", wg_drill_session_get_title (self->session));
      json_object_set_string_member (local, "state", self->ended ? "ended" : "running");
    }
  return wg_report_exercise_pdf (record, self->score,
                                 wg_context_get_reference (wg_drill_session_get_context (self->session)),
                                 path, error);
}

static void
export_response_cb (GtkNativeDialog *chooser,
                    int              response,
                    WgDrillWindow   *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  g_object_unref (chooser);
  if (file == NULL)
    return;
  path = g_file_get_path (file);
  if (path == NULL || !wg_drill_window_export_report (self, path, &error))
    {
      GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Could not write the report"),
                                                  error != NULL ? error->message : _("Choose a file on this computer."));

      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static void
export_report_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  WgDrillWindow *self = WG_DRILL_WINDOW (widget);
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = g_strdup_printf ("%s.pdf", wg_drill_session_get_id (self->session));

  chooser = gtk_file_chooser_native_new (_("Export the Exercise’s Report"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_file_filter_set_name (filter, _("PDF documents"));
  gtk_file_filter_add_mime_type (filter, "application/pdf");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
wg_drill_window_dispose (GObject *object)
{
  WgDrillWindow *self = WG_DRILL_WINDOW (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_DRILL_WINDOW);
  G_OBJECT_CLASS (wg_drill_window_parent_class)->dispose (object);
}

static void
wg_drill_window_finalize (GObject *object)
{
  WgDrillWindow *self = WG_DRILL_WINDOW (object);

  g_clear_pointer (&self->score, wg_drill_score_free);
  g_clear_object (&self->trainees);
  g_clear_object (&self->actions);
  g_clear_object (&self->model);
  g_clear_object (&self->live_model);
  g_clear_object (&self->live);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (wg_drill_window_parent_class)->finalize (object);
}

static void
wg_drill_window_class_init (WgDrillWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_drill_window_dispose;
  object_class->finalize = wg_drill_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/wangge/Console/wg-drill-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, header);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, title_label);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, trainer_box);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, banner_slot);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, board_slot);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, detail_slot);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, map_slot);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, score_pane);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, summary_label);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, grid);
  gtk_widget_class_bind_template_child (widget_class, WgDrillWindow, decisions_label);

  gtk_widget_class_install_action (widget_class, "drill.inject", NULL, inject_action);
  gtk_widget_class_install_action (widget_class, "drill.pause", NULL, trainer_action);
  gtk_widget_class_install_action (widget_class, "drill.resume", NULL, trainer_action);
  gtk_widget_class_install_action (widget_class, "drill.end", NULL, trainer_action);
  gtk_widget_class_install_action (widget_class, "drill.export-report", NULL, export_report_action);
}

static void
wg_drill_window_init (WgDrillWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wg_drill_window_new (WgDrillSession  *session,
                     WgContext       *live,
                     WgIncidentModel *live_model)
{
  WgDrillWindow *self;
  WgContext *drill;
  const WgActor *actor;
  gboolean trainer;
  GtkWidget *board, *detail, *drill_banner;
  g_autoptr(GtkNoSelection) selection = NULL;
  g_autofree char *title = NULL;

  g_return_val_if_fail (WG_IS_DRILL_SESSION (session), NULL);
  g_return_val_if_fail (live == NULL || WG_IS_CONTEXT (live), NULL);

  self = g_object_new (WG_TYPE_DRILL_WINDOW, NULL);
  self->session = g_object_ref (session);
  drill = wg_drill_session_get_context (session);
  actor = wg_context_get_actor (drill);
  trainer = actor != NULL && actor->role == WG_ROLE_TRAINER;

  /* TRANSLATORS: the window's title: the exercise's title */
  title = g_strdup_printf (_("Exercise: %s"), wg_drill_session_get_title (session));
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_label_set_text (self->title_label, wg_drill_session_get_title (session));
  /* The trainer runs the exercise and watches the scores; trainees act. */
  gtk_widget_set_visible (self->trainer_box, trainer);
  gtk_widget_set_visible (self->score_pane, trainer);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drill.inject", wg_context_get_sync_client (drill) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drill.pause", wg_context_get_sync_client (drill) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drill.resume", wg_context_get_sync_client (drill) != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "drill.end", wg_context_get_sync_client (drill) != NULL);

  /* A live emergency shows over the drill: the live banner, on the live
   * context. */
  if (live != NULL && live_model != NULL)
    {
      self->live = g_object_ref (live);
      self->live_model = g_object_ref (live_model);
      gtk_box_append (self->banner_slot, wg_alarm_banner_new (live, live_model));
    }

  /* The exercise's own alarm, in the exercise's colour, under the live one. */
  self->model = wg_incident_model_new (drill);
  drill_banner = wg_alarm_banner_new (drill, self->model);
  gtk_widget_add_css_class (drill_banner, "exercise");
  gtk_box_append (self->banner_slot, drill_banner);

  /* Trainees act with their live roles: the same actions and sheet as
   * live, on the exercise's context (its commands go to its endpoint). */
  self->actions = wg_incident_actions_new (drill, self->model);
  wg_incident_actions_set_parent (self->actions, GTK_WINDOW (self));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "incident", wg_incident_actions_get_group (self->actions));
  board = wg_incident_board_new (drill, self->model);
  self->board = WG_INCIDENT_BOARD (board);
  gtk_widget_set_vexpand (board, TRUE);
  gtk_box_append (self->board_slot, board);
  detail = wg_detail_pane_new (drill, self->model, self->actions);
  gtk_widget_set_vexpand (detail, TRUE);
  gtk_box_append (self->detail_slot, detail);
  setup_map (self, drill, drill_banner);

  self->trainees = gtk_string_list_new (NULL);
  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->trainees)));
  gtk_column_view_set_model (self->grid, GTK_SELECTION_MODEL (selection));
  {
    g_autoptr(GtkColumnViewColumn) who = make_column (self, _("Trainee"), G_MAXUINT);
    g_autoptr(GtkColumnViewColumn) total = make_column (self, _("Score"), 0);

    gtk_column_view_append_column (self->grid, who);
    gtk_column_view_append_column (self->grid, total);
  }

  g_signal_connect_object (session, "changed", G_CALLBACK (wg_drill_window_refresh), self, G_CONNECT_SWAPPED);
  self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  wg_drill_window_refresh (self);
  return GTK_WIDGET (self);
}

WgDrillSession *
wg_drill_window_get_session (WgDrillWindow *self)
{
  g_return_val_if_fail (WG_IS_DRILL_WINDOW (self), NULL);
  return self->session;
}

gboolean
wg_drill_window_is_ended (WgDrillWindow *self)
{
  g_return_val_if_fail (WG_IS_DRILL_WINDOW (self), FALSE);
  return self->ended;
}

WgIncidentBoard *
wg_drill_window_get_board (WgDrillWindow *self)
{
  g_return_val_if_fail (WG_IS_DRILL_WINDOW (self), NULL);
  return self->board;
}

WgMapView *
wg_drill_window_get_map_view (WgDrillWindow *self)
{
  g_return_val_if_fail (WG_IS_DRILL_WINDOW (self), NULL);
  return self->map_view;
}

WgIncidentModel *
wg_drill_window_get_model (WgDrillWindow *self)
{
  g_return_val_if_fail (WG_IS_DRILL_WINDOW (self), NULL);
  return self->model;
}

GtkColumnView *
wg_drill_window_get_grid (WgDrillWindow *self)
{
  g_return_val_if_fail (WG_IS_DRILL_WINDOW (self), NULL);
  return self->grid;
}

/* Starting and joining */

typedef struct
{
  WgContext       *live;
  WgIncidentModel *live_model;
  GtkWindow       *parent;
} Opening;

static void
opening_free (Opening *o)
{
  g_object_unref (o->live);
  g_clear_object (&o->live_model);
  g_clear_object (&o->parent);
  g_free (o);
}

static Opening *
opening_new (WgContext       *live,
             WgIncidentModel *live_model,
             GtkWindow       *parent)
{
  Opening *o = g_new0 (Opening, 1);

  o->live = g_object_ref (live);
  o->live_model = live_model != NULL ? g_object_ref (live_model) : NULL;
  o->parent = parent != NULL ? g_object_ref (parent) : NULL;
  return o;
}

static void
show_refusal (GtkWindow  *parent,
              const char *heading,
              WgProblem  *problem,
              GError     *error)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading,
                                              problem != NULL && problem->title != NULL
                                              ? problem->title : error->message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Opening *o = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgDrillSession) session = wg_drill_session_new_remote_finish (WG_CONTEXT (source), result, &error);

  if (session == NULL)
    show_refusal (o->parent, _("Could not join the exercise"), NULL, error);
  else
    gtk_window_present (GTK_WINDOW (wg_drill_window_new (session, o->live, o->live_model)));
  opening_free (o);
}

/* The exercise's window once its cache is ready (made off the main loop). */
static void
open_exercise (Opening    *o,
               JsonObject *record)
{
  const char *id = json_object_get_string_member_with_default (record, "id", NULL);
  const char *title = json_object_get_string_member_with_default (record, "title", id);

  if (id != NULL)
    wg_drill_session_new_remote_async (o->live, id, title, NULL, joined_cb,
                                       opening_new (o->live, o->live_model, o->parent));
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Opening *o = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;

  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The server’s answer was not understood"));
      show_refusal (o->parent, _("Could not start the exercise"), problem, error);
    }
  else
    open_exercise (o, json_node_get_object (answer));
  opening_free (o);
}

static void
post_exercise (WgContext       *live,
               WgIncidentModel *live_model,
               GtkWindow       *parent,
               JsonObject      *body)
{
  WgSyncClient *sync = wg_context_get_sync_client (live);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  g_return_if_fail (sync != NULL);

  json_node_set_object (node, body);
  wg_api_client_request_async (wg_sync_client_get_api (sync), "POST", "/api/v1/exercises", node, NULL,
                               started_cb, opening_new (live, live_model, parent));
}

void
wg_drill_start_from_incident (WgContext       *live,
                              WgIncidentModel *live_model,
                              GtkWindow       *parent,
                              const char      *case_number,
                              gint64           t_ms)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (WG_IS_CONTEXT (live));
  g_return_if_fail (case_number != NULL);

  json_object_set_string_member (body, "incident", case_number);
  json_object_set_int_member (body, "at", t_ms);
  post_exercise (live, live_model, parent, body);
}

void
wg_drill_start_from_scenario (WgContext       *live,
                              WgIncidentModel *live_model,
                              GtkWindow       *parent,
                              const char      *scenario_file)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_if_fail (WG_IS_CONTEXT (live));
  g_return_if_fail (scenario_file != NULL);

  json_object_set_string_member (body, "scenario", scenario_file);
  post_exercise (live, live_model, parent, body);
}

/* The chooser: running exercises to join, and for a trainer the scenarios
 * to start. */

static const char *const scenario_files[] = {
  "fire-residential.json", "labour-dispute-crowd.json", "missing-elderly.json",
};

static void
chosen_cb (AdwMessageDialog *dialog,
           const char       *response,
           gpointer          user_data)
{
  Opening *o = user_data;
  GtkDropDown *drop = g_object_get_data (G_OBJECT (dialog), "choices");
  GPtrArray *records = g_object_get_data (G_OBJECT (dialog), "records");
  guint chosen = drop != NULL ? gtk_drop_down_get_selected (drop) : GTK_INVALID_LIST_POSITION;

  if (g_str_equal (response, "open") && chosen != GTK_INVALID_LIST_POSITION)
    {
      if (chosen < records->len)
        open_exercise (o, records->pdata[chosen]);
      else
        wg_drill_start_from_scenario (o->live, o->live_model, o->parent,
                                      scenario_files[chosen - records->len]);
    }
  opening_free (o);
}

static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Opening *o = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  const WgActor *actor = wg_context_get_actor (o->live);
  JsonArray *list = NULL;
  GtkWidget *dialog, *drop;

  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (answer == NULL)
    {
      show_refusal (o->parent, _("Could not list the exercises"), problem, error);
      g_ptr_array_unref (records);
      opening_free (o);
      return;
    }
  if (JSON_NODE_HOLDS_OBJECT (answer) &&
      json_object_has_member (json_node_get_object (answer), "exercises"))
    list = json_object_get_array_member (json_node_get_object (answer), "exercises");
  for (guint i = 0; list != NULL && i < json_array_get_length (list); i++)
    {
      JsonObject *record = json_array_get_object_element (list, i);
      g_autofree char *name = NULL;

      if (record == NULL || g_strcmp0 (json_object_get_string_member_with_default (record, "state", ""), "ended") == 0)
        continue;
      /* TRANSLATORS: join an exercise: its title and id */
      name = g_strdup_printf (_("Join: %s (%s)"),
                              json_object_get_string_member_with_default (record, "title", ""),
                              json_object_get_string_member_with_default (record, "id", ""));
      gtk_string_list_append (names, name);
      g_ptr_array_add (records, json_object_ref (record));
    }
  if (actor != NULL && actor->role == WG_ROLE_TRAINER)
    for (guint i = 0; i < G_N_ELEMENTS (scenario_files); i++)
      {
        /* TRANSLATORS: start an exercise from a scenario file */
        g_autofree char *name = g_strdup_printf (_("Start: %s"), scenario_files[i]);

        gtk_string_list_append (names, name);
      }

  dialog = adw_message_dialog_new (o->parent, _("Drill"),
                                   g_list_model_get_n_items (G_LIST_MODEL (names)) > 0
                                   ? _("Join a running exercise. Everything in it stays out of the live board.")
                                   : _("No exercise is running. A trainer starts one."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "open", _("_Open"), NULL);
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "open",
                                           g_list_model_get_n_items (G_LIST_MODEL (names)) > 0);
  drop = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (names)), NULL);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), drop);
  g_object_set_data (G_OBJECT (dialog), "choices", drop);
  g_object_set_data_full (G_OBJECT (dialog), "records", records, (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (chosen_cb), o);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
wg_drill_choose (WgContext       *live,
                 WgIncidentModel *live_model,
                 GtkWindow       *parent)
{
  WgSyncClient *sync;

  g_return_if_fail (WG_IS_CONTEXT (live));

  sync = wg_context_get_sync_client (live);
  if (sync == NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                                     _("Drills need the server: this console runs without one."));

      show_refusal (parent, _("Could not list the exercises"), NULL, error);
      return;
    }
  wg_api_client_request_async (wg_sync_client_get_api (sync), "GET", "/api/v1/exercises", NULL, NULL,
                               listed_cb, opening_new (live, live_model, parent));
}
