/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-window"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wg-console-util.h"
#include "wg-decide.h"
#include "wg-drill-window.h"
#include "wg-intake-dialog.h"
#include "wg-map-data.h"
#include "wg-map-setup.h"
#include "wg-replay-window.h"
#include "wg-window.h"

struct _WgWindow
{
  AdwApplicationWindow  parent_instance;

  /* template */
  WgMapView            *map_view;
  GtkWidget            *side_pane;
  GtkWidget            *banner_slot;
  GtkWidget            *detail_slot;
  AdwWindowTitle       *window_title;
  AdwToastOverlay      *toast_overlay;
  GtkLabel             *connection_label;
  GtkLabel             *user_label;
  GtkLabel             *duty_label;
  GtkPaned             *paned;
  AdwFlap              *flap;

  WgContext            *context;
  WgIncidentModel      *model;
  WgIncidentActions    *actions;
  WgIncidentBoard      *board;
  WgDetailPane         *detail;
  WgAlarmBanner        *banner;
  char                 *connection_text;
  char                 *source_text;   /* in place of the sync state */
  char                 *duty_text;
  gboolean              syncing_selection;
  guint                 connection_id;
  gboolean              first_frame_armed;
  gboolean              cached_frame_armed;
};

G_DEFINE_FINAL_TYPE (WgWindow, wg_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_CONTEXT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GSettings *
get_settings (WgWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return WG_IS_APPLICATION (app) ? wg_application_get_settings (WG_APPLICATION (app)) : NULL;
}

static void
go_home (WgWindow *self)
{
  wg_map_setup_go_home (self->map_view, wg_context_get_reference (self->context));
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  shumate_map_zoom_in (wg_map_view_get_map (WG_WINDOW (widget)->map_view));
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  shumate_map_zoom_out (wg_map_view_get_map (WG_WINDOW (widget)->map_view));
}

static void
home_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  go_home (WG_WINDOW (widget));
}

static void
fullscreen_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static void
intake_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  wg_window_open_intake (WG_WINDOW (widget));
}

static void
acknowledge_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  WgWindow *self = WG_WINDOW (widget);

  /* The alarm on the banner first: that is what A is for. */
  if (!wg_alarm_banner_acknowledge (self->banner))
    g_action_group_activate_action (wg_incident_actions_get_group (self->actions), "acknowledge", NULL);
}

static void
close_detail_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  WgWindow *self = WG_WINDOW (widget);
  WgViewModel *vm = wg_context_get_view_model (self->context);

  if (!adw_flap_get_reveal_flap (self->flap))
    return;
  self->syncing_selection = TRUE;
  wg_map_view_select (self->map_view, WG_MAP_SELECTION_NONE, NULL);
  self->syncing_selection = FALSE;
  wg_view_model_set_selected_incident (vm, NULL);
  wg_view_model_set_selected_unit (vm, NULL);
  adw_flap_set_reveal_flap (self->flap, FALSE);
}

static void
mute_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WgWindow *self = WG_WINDOW (widget);

  wg_alarm_banner_set_muted (self->banner, !wg_alarm_banner_get_muted (self->banner));
}

static void
search_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  wg_incident_board_focus_search (WG_WINDOW (widget)->board);
}

/* Hand-over */

typedef struct {
  WgWindow    *self;
  GtkDropDown *to;
  GtkEntry    *remark;
  GPtrArray   *accounts;
} Handover;

static void
handover_free (Handover *h)
{
  g_object_unref (h->self);
  g_ptr_array_unref (h->accounts);
  g_free (h);
}

static void
handover_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      Handover         *h)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  guint i;
  const char *remark;

  if (!g_str_equal (response, "handover"))
    return;
  i = gtk_drop_down_get_selected (h->to);
  if (i >= h->accounts->len)
    return;
  body = json_object_new ();
  json_object_set_string_member (body, "to", h->accounts->pdata[i]);
  remark = gtk_editable_get_text (GTK_EDITABLE (h->remark));
  if (*remark != '\0')
    json_object_set_string_member (body, "remark", remark);
  id = wg_context_send (h->self->context, WG_CMD_ROSTER_HANDOVER, body, &error);
  if (id == NULL)
    adw_toast_overlay_add_toast (h->self->toast_overlay, adw_toast_new (error->message));
}

/* Drill mode: joining or starting an exercise (wg-drill-window.c). */
static void
drill_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  WgWindow *self = WG_WINDOW (widget);

  wg_drill_choose (self->context, self->model, GTK_WINDOW (self));
}

static void
handover_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  WgWindow *self = WG_WINDOW (widget);
  WgReference *reference = wg_context_get_reference (self->context);
  const WgActor *actor = wg_context_get_actor (self->context);
  GPtrArray *leaders = wg_reference_get_duty_leaders (reference);
  GListModel *model = G_LIST_MODEL (self->model);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *summary = NULL;
  guint n_emergencies = 0, n_alarms = 0;
  Handover *h;
  GtkWidget *dialog, *box;

  if (actor == NULL || !wg_decide_role_may (WG_CMD_ROSTER_HANDOVER, actor->role, WG_SCOPE_NONE))
    {
      adw_toast_overlay_add_toast (self->toast_overlay,
                                   adw_toast_new (_("Only the duty leader hands over duty")));
      return;
    }

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (model, i);
      const WgIncidentRecord *r = wg_incident_item_get_record (item);

      if (wg_incident_state_is_open (r->state) && r->grade == WG_GRADE_EMERGENCY)
        n_emergencies++;
      if (wg_incident_item_is_unacknowledged (item))
        n_alarms++;
    }
  /* TRANSLATORS: the summary shown before handing over duty */
  summary = g_strdup_printf (_("Open emergencies: %u. Unacknowledged alarms: %u. "
                               "The next duty leader takes them over."), n_emergencies, n_alarms);

  h = g_new0 (Handover, 1);
  h->self = g_object_ref (self);
  h->accounts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < leaders->len; i++)
    {
      const WgPerson *p = leaders->pdata[i];
      g_autofree char *label = NULL;

      if (g_strcmp0 (p->account, actor->username) == 0)
        continue;
      label = g_strdup_printf ("%s (%s)", p->name_zh, p->account);
      gtk_string_list_append (names, label);
      g_ptr_array_add (h->accounts, g_strdup (p->account));
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Hand Over Duty"), summary);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  h->to = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&names)), NULL));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (h->to));
  h->remark = GTK_ENTRY (gtk_entry_new ());
  gtk_entry_set_placeholder_text (h->remark, _("Remark for the next duty leader (optional)"));
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (h->remark));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Back"),
                                    "handover", _("_Hand Over"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "handover",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (handover_response_cb), h,
                         (GClosureNotify) handover_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Header */

static void
update_duty (WgWindow *self)
{
  const char *account = wg_context_get_duty_leader (self->context);

  if (account == NULL)
    {
      const WgPerson *p = wg_reference_get_duty_leader_at (wg_context_get_reference (self->context),
                                                           wg_context_now_ms (self->context));
      account = p != NULL ? p->account : NULL;
    }
  g_free (self->duty_text);
  self->duty_text = account != NULL
                    /* TRANSLATORS: %s is the duty leader's name */
                    ? g_strdup_printf (_("On duty: %s"), wg_context_person_name (self->context, account))
                    : g_strdup (_("Nobody on duty"));
  gtk_label_set_label (self->duty_label, self->duty_text);
}

static void
update_connection (WgWindow *self)
{
  WgSyncClient *sync = wg_context_get_sync_client (self->context);
  g_autofree char *text = NULL;
  const char *variant = "connection-online";

  if (self->source_text != NULL)
    {
      text = g_strdup (self->source_text);
      variant = "connection-local";
    }
  else if (sync == NULL)
    {
      text = g_strdup (_("Local (no server)"));
      variant = "connection-local";
    }
  else
    {
      guint queued = wg_sync_client_get_queued (sync);
      double lag = wg_sync_client_get_lag_seconds (sync);

      switch (wg_sync_client_get_state (sync))
        {
        case WG_SYNC_OFFLINE:
          /* TRANSLATORS: %u commands are waiting to be sent */
          text = g_strdup_printf (_("Offline, %u queued"), queued);
          variant = "connection-offline";
          break;
        case WG_SYNC_CONNECTING:
          text = g_strdup_printf (_("Connecting…, %u queued"), queued);
          variant = "connection-offline";
          break;
        case WG_SYNC_CATCHING_UP:
          text = g_strdup_printf (_("Catching up, %ld events behind"),
                                  (long) wg_sync_client_get_lag_events (sync));
          variant = "connection-lagging";
          break;
        case WG_SYNC_ONLINE:
          if (queued > 0)
            text = g_strdup_printf (_("Online, %u queued"), queued);
          else if (lag >= 2)
            text = g_strdup_printf (_("Online, lag %.0f s"), lag);
          else
            text = g_strdup (_("Online"));
          if (lag >= 2 || queued > 0)
            variant = "connection-lagging";
          break;
        case WG_SYNC_LOGIN_REQUIRED:
          text = g_strdup_printf (_("Logged out, %u queued"), queued);
          variant = "connection-offline";
          break;
        case WG_SYNC_OUT_OF_STEP:
        default:
          text = g_strdup (_("Out of step with the server"));
          variant = "connection-offline";
          break;
        }
    }
  g_free (self->connection_text);
  self->connection_text = g_steal_pointer (&text);
  gtk_label_set_label (self->connection_label, self->connection_text);
  adw_window_title_set_subtitle (self->window_title, self->connection_text);
  wg_widget_set_css_variant (GTK_WIDGET (self->connection_label), "connection-", variant);
}

static void
update_user (WgWindow *self)
{
  const WgActor *actor = wg_context_get_actor (self->context);
  g_autofree char *text = NULL;

  if (actor == NULL)
    text = g_strdup (_("Not logged in"));
  else
    text = g_strdup_printf ("%s · %s", actor->username, wg_role_label (actor->role));
  gtk_label_set_label (self->user_label, text);
}

/* The lag in seconds grows without any notification: look again now and
 * then. */
static gboolean
connection_tick_cb (gpointer user_data)
{
  update_connection (user_data);
  return G_SOURCE_CONTINUE;
}

/* Map and selection */

static void
update_grid_states (WgWindow *self)
{
  wg_map_data_fill_grid_states (self->map_view, G_LIST_MODEL (self->model), wg_context_now_ms (self->context),
                                NULL);
}

static void
map_selection_cb (WgWindow *self)
{
  if (self->syncing_selection)
    return;
  if (wg_map_view_get_selection_kind (self->map_view) == WG_MAP_SELECTION_INCIDENT)
    wg_view_model_set_selected_incident (wg_context_get_view_model (self->context),
                                         wg_map_view_get_selection_id (self->map_view));
  else if (wg_map_view_get_selection_kind (self->map_view) == WG_MAP_SELECTION_UNIT)
    {
      WgViewModel *vm = wg_context_get_view_model (self->context);

      /* A force: the detail pane shows it instead of an incident. */
      wg_view_model_set_selected_incident (vm, NULL);
      wg_view_model_set_selected_unit (vm, NULL);
      wg_view_model_set_selected_unit (vm, wg_map_view_get_selection_id (self->map_view));
    }
  else if (wg_map_view_get_selection_kind (self->map_view) == WG_MAP_SELECTION_NONE)
    {
      WgViewModel *vm = wg_context_get_view_model (self->context);

      /* Escape on the map or a click on nothing: the sheet goes too. */
      wg_view_model_set_selected_incident (vm, NULL);
      wg_view_model_set_selected_unit (vm, NULL);
    }
}

/* The detail sheet is open while something is selected. */
static void
update_sheet (WgWindow *self)
{
  WgViewModel *vm = wg_context_get_view_model (self->context);

  adw_flap_set_reveal_flap (self->flap, wg_view_model_get_selected_incident (vm) != NULL
                                        || wg_view_model_get_selected_unit (vm) != NULL);
}

static void
view_model_selection_cb (WgWindow *self)
{
  const char *id = wg_view_model_get_selected_incident (wg_context_get_view_model (self->context));

  update_sheet (self);
  if (id == NULL)
    return;
  self->syncing_selection = TRUE;
  if (g_strcmp0 (wg_map_view_get_selection_id (self->map_view), id) != 0)
    {
      wg_map_view_select (self->map_view, WG_MAP_SELECTION_INCIDENT, id);
      wg_map_view_fly_to_incident (self->map_view, id);
    }
  self->syncing_selection = FALSE;
}

static void
alarm_raised_cb (WgWindow   *self,
                 const char *incident)
{
  wg_map_view_fly_to_incident (self->map_view, incident);
}

static void
events_applied_cb (WgWindow  *self,
                   GPtrArray *events)
{
  GTimeZone *zone = wg_reference_get_time_zone (wg_context_get_reference (self->context));
  WgClock *clock = wg_context_get_clock (self->context);

  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      /* Toasts are news: events older than a minute arrive while catching
       * up (a restart, a night offline) and only update the board. */
      if (wg_clock_get_now_ms (clock) - event->ts > 60 * 1000)
        continue;

      if (event->type == WG_EV_ALARM_ACKNOWLEDGED)
        {
          WgIncidentItem *item = wg_incident_model_lookup (self->model, event->incident);
          g_autofree char *after = NULL;
          g_autofree char *text = NULL;
          WgRole role;

          if (item == NULL)
            continue;
          after = wg_format_duration (event->ts - wg_incident_item_get_record (item)->reported_at);
          /* TRANSLATORS: case number, who (name and role), time after the report */
          text = g_strdup_printf (_("%s: alarm seen by %s (%s) after %s"),
                                  wg_incident_item_get_case_number (item),
                                  wg_context_person_name (self->context, event->actor),
                                  event->role != NULL && wg_role_from_string (event->role, &role)
                                  ? wg_role_label (role) : "",
                                  after);
          adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
        }
      else if (event->type == WG_EV_ALARM_ESCALATED)
        {
          g_autofree char *time = wg_format_time_of_day (event->ts, zone);
          const char *to = json_object_get_string_member_with_default (event->body, "to", "");
          g_autofree char *text = g_strdup_printf (_("%s: alarm escalated to %s"), time, to);

          adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
        }
    }
  update_grid_states (self);
}

static void
command_settled_cb (WgWindow   *self,
                    const char *id,
                    gboolean    accepted,
                    const char *code,
                    const char *detail)
{
  g_autofree char *text = NULL;

  if (accepted)
    return;
  /* TRANSLATORS: %s is the server's reason */
  text = g_strdup_printf (_("Refused: %s"), detail ?: code ?: "");
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (text));
}

/* Life cycle */

static void
save_window_state (WgWindow *self)
{
  GSettings *settings = get_settings (self);
  int width, height;

  if (settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_set_int (settings, "board-width", CLAMP (gtk_paned_get_position (self->paned), 360, 1200));
}

static gboolean
wg_window_close_request (GtkWindow *window)
{
  /* A replay keeps the live window's size and board width. */
  if (!wg_context_get_read_only (WG_WINDOW (window)->context))
    save_window_state (WG_WINDOW (window));
  return GTK_WINDOW_CLASS (wg_window_parent_class)->close_request (window);
}

static void
replay_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  WgWindow *self = WG_WINDOW (source);
  g_autoptr(GError) error = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.replay", TRUE);
  /* Cancelled: this window closed meanwhile, nothing to say. */
  if (wg_replay_window_open_finish (result, &error) == NULL &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (error->message));
}

/* Replay opens beside Live, in a window of its own (wg-replay-window.h),
 * once its worker has read the journal's span: nothing is read here. */
static void
replay_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  /* One Replay per press, however often it is pressed meanwhile. */
  gtk_widget_action_set_enabled (widget, "win.replay", FALSE);
  wg_replay_window_open_async (WG_WINDOW (widget), NULL, replay_opened_cb, NULL);
}

static WgContext *
new_demo_context (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_context_load_demo_reference (&error);
  g_autoptr(WgActor) actor = NULL;
  const WgPerson *leader;
  WgContext *context;

  if (reference == NULL)
    g_error ("The demo reference data cannot be read: %s", error->message);
  leader = wg_reference_get_duty_leader_at (reference, wg_wall_time_ms ());
  actor = wg_actor_new (leader != NULL ? leader->account : "leader", WG_ROLE_DUTY_LEADER,
                        NULL, NULL, NULL);
  context = wg_context_new_local (reference, ":memory:", actor, &error);
  if (context == NULL)
    g_error ("The demo store cannot be opened: %s", error->message);
  wg_context_place_forces_at_home (context);
  return context;
}

/* ---- WANGGE_EXIT_AFTER_FIRST_FRAME ---------------------------------------
 *
 * For bench-console-start: when the variable is set, the first frame
 * painted after the window is mapped and the cache has caught up with the
 * server (sync "online"; at once without a server) is the first complete
 * one: the board and the map show the whole cache.  The console prints
 * that frame's CLOCK_MONOTONIC time (the benchmark started its clock before
 * spawning us), the incidents on the board and its peak RSS, then quits.
 * A frame-clock signal, not a timer: the time is that of a painted frame.
 * A warm start (a cache, the login still going on) also prints
 * `first-cached-frame`: the first frame painted with the cached picture. */

static gboolean
first_frame_ready (WgWindow *self)
{
  WgSyncClient *sync = wg_context_get_sync_client (self->context);

  return gtk_widget_get_mapped (GTK_WIDGET (self)) && wg_incident_model_is_filled (self->model)
         && (sync == NULL || wg_sync_client_get_state (sync) == WG_SYNC_ONLINE);
}

static void
first_frame_painted_cb (GdkFrameClock *clock,
                        WgWindow      *self)
{
  g_autofree char *status = NULL;
  const char *hwm = NULL;
  GApplication *app;

  g_signal_handlers_disconnect_by_func (clock, first_frame_painted_cb, self);
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    hwm = strstr (status, "VmHWM:");
  g_print ("first-complete-frame monotonic-us=%" G_GINT64_FORMAT " incidents=%u vmhwm-kib=%ld\n",
           g_get_monotonic_time (), g_list_model_get_n_items (G_LIST_MODEL (self->model)),
           hwm != NULL ? (long) g_ascii_strtoll (hwm + strlen ("VmHWM:"), NULL, 10) : -1L);
  fflush (stdout);
  app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  /* WANGGE_EXIT_AFTER_BACKFILL: the application quits later. */
  if (app != NULL && g_getenv ("WANGGE_EXIT_AFTER_BACKFILL") == NULL)
    g_application_quit (app);
}

static void
cached_frame_painted_cb (GdkFrameClock *clock,
                         WgWindow      *self)
{
  g_signal_handlers_disconnect_by_func (clock, cached_frame_painted_cb, self);
  g_print ("first-cached-frame monotonic-us=%" G_GINT64_FORMAT " incidents=%u\n",
           g_get_monotonic_time (), g_list_model_get_n_items (G_LIST_MODEL (self->model)));
  fflush (stdout);
}

static void
first_frame_check (WgWindow *self)
{
  GdkFrameClock *clock;

  if (!self->cached_frame_armed && gtk_widget_get_mapped (GTK_WIDGET (self)) && !first_frame_ready (self)
      && wg_incident_model_is_filled (self->model) && wg_store_head (wg_context_get_store (self->context)) > 0)
    {
      self->cached_frame_armed = TRUE;
      g_signal_connect_object (gtk_widget_get_frame_clock (GTK_WIDGET (self)), "after-paint",
                               G_CALLBACK (cached_frame_painted_cb), self, 0);
    }
  if (self->first_frame_armed || !first_frame_ready (self))
    return;
  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  if (clock == NULL)
    return;
  self->first_frame_armed = TRUE;
  g_signal_connect_object (clock, "after-paint", G_CALLBACK (first_frame_painted_cb), self, 0);
  /* The next frame, with whatever the catch-up changed: not a redraw of
   * the whole window (every widget snapshot again, the map's layers drawn
   * again), which no start without this hook pays. */
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
}

static void
build_views (WgWindow *self)
{
  if (self->context == NULL)
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
      WgContext *app_context = WG_IS_APPLICATION (app) ? wg_application_get_context (WG_APPLICATION (app)) : NULL;

      self->context = app_context != NULL ? g_object_ref (app_context) : new_demo_context ();
    }
  self->model = wg_incident_model_new (self->context);
  self->actions = wg_incident_actions_new (self->context, self->model);
  wg_incident_actions_set_parent (self->actions, GTK_WINDOW (self));
  gtk_widget_insert_action_group (GTK_WIDGET (self), "incident",
                                  wg_incident_actions_get_group (self->actions));

  self->board = WG_INCIDENT_BOARD (wg_incident_board_new (self->context, self->model));
  gtk_widget_set_vexpand (GTK_WIDGET (self->board), TRUE);
  gtk_box_append (GTK_BOX (self->side_pane), GTK_WIDGET (self->board));

  self->detail = WG_DETAIL_PANE (wg_detail_pane_new (self->context, self->model, self->actions));
  gtk_widget_set_vexpand (GTK_WIDGET (self->detail), TRUE);
  gtk_box_append (GTK_BOX (self->detail_slot), GTK_WIDGET (self->detail));

  self->banner = WG_ALARM_BANNER (wg_alarm_banner_new (self->context, self->model));
  gtk_box_append (GTK_BOX (self->banner_slot), GTK_WIDGET (self->banner));
  g_signal_connect_object (self->banner, "alarm-raised", G_CALLBACK (alarm_raised_cb), self,
                           G_CONNECT_SWAPPED);

  wg_map_setup_show_context (self->map_view, self->context, self->model);
  {
    g_autoptr(GSimpleActionGroup) view = g_simple_action_group_new ();
    g_autoptr(GPropertyAction) legend = g_property_action_new ("legend", self->map_view, "show-legend");
    g_autoptr(GPropertyAction) police = g_property_action_new ("police-grids",
                                                               wg_map_view_get_police_grid_layer (self->map_view),
                                                               "visible");

    g_action_map_add_action (G_ACTION_MAP (view), G_ACTION (legend));
    g_action_map_add_action (G_ACTION_MAP (view), G_ACTION (police));
    gtk_widget_insert_action_group (GTK_WIDGET (self), "view", G_ACTION_GROUP (view));
  }
  g_signal_connect_object (self->map_view, "notify::selection-id", G_CALLBACK (map_selection_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wg_context_get_view_model (self->context), "notify::selected-incident",
                           G_CALLBACK (view_model_selection_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wg_context_get_view_model (self->context), "notify::selected-unit",
                           G_CALLBACK (update_sheet), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (self->context, "command-settled", G_CALLBACK (command_settled_cb), self,
                           G_CONNECT_SWAPPED);
  /* A handover, a snapshot's roster, the cache's roster read at open. */
  g_signal_connect_object (self->context, "notify::duty-leader", G_CALLBACK (update_duty), self,
                           G_CONNECT_SWAPPED);
  /* The grid fills follow a filled board (read off the main loop with a
   * server) and a refilled one (another journal, a replay gone back in
   * time). */
  g_signal_connect_object (self->model, "filled", G_CALLBACK (update_grid_states), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->context, "cache-reset", G_CALLBACK (update_grid_states), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  if (wg_context_get_sync_client (self->context) != NULL)
    {
      WgSyncClient *sync = wg_context_get_sync_client (self->context);

      g_signal_connect_object (sync, "notify::state", G_CALLBACK (update_connection), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (sync, "notify::queued", G_CALLBACK (update_connection), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (sync, "notify::lag-events", G_CALLBACK (update_connection), self, G_CONNECT_SWAPPED);
      self->connection_id = g_timeout_add_seconds (2, connection_tick_cb, self);
    }

  update_connection (self);
  update_user (self);
  update_duty (self);
  update_grid_states (self);
  update_sheet (self);
  go_home (self);

  if (g_getenv ("WANGGE_EXIT_AFTER_FIRST_FRAME") != NULL)
    {
      g_signal_connect_after (self, "map", G_CALLBACK (first_frame_check), NULL);
      g_signal_connect_object (self->model, "filled", G_CALLBACK (first_frame_check), self, G_CONNECT_SWAPPED);
      if (wg_context_get_sync_client (self->context) != NULL)
        g_signal_connect_object (wg_context_get_sync_client (self->context), "notify::state",
                                 G_CALLBACK (first_frame_check), self, G_CONNECT_SWAPPED);
    }
}

/* The shortcuts window, built the first time it is asked for: GTK would
 * build gtk/help-overlay.ui with every window, before its first frame
 * (6% of a warm start's CPU), so ours lives at another path. */
static void
show_help_overlay_cb (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  GtkApplicationWindow *window = user_data;
  GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (window);

  if (overlay == NULL)
    {
      g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (RESOURCE_BASE_PATH "/wg-help-overlay.ui");

      overlay = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      gtk_application_window_set_help_overlay (window, overlay);
    }
  gtk_window_present (GTK_WINDOW (overlay));
}

static void
wg_window_constructed (GObject *object)
{
  WgWindow *self = WG_WINDOW (object);
  GSettings *settings = get_settings (self);

  G_OBJECT_CLASS (wg_window_parent_class)->constructed (object);

  if (settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      /* The first start asks to be maximised (the key's default). */
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      gtk_paned_set_position (self->paned, g_settings_get_int (settings, "board-width"));
    }

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  {
    static const GActionEntry help_overlay[] = { { "show-help-overlay", show_help_overlay_cb } };

    g_action_map_add_action_entries (G_ACTION_MAP (self), help_overlay, G_N_ELEMENTS (help_overlay), self);
  }
  build_views (self);
}

static void
wg_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  WgWindow *self = WG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_object (value, self->context);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  WgWindow *self = WG_WINDOW (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_set_object (&self->context, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_window_dispose (GObject *object)
{
  WgWindow *self = WG_WINDOW (object);

  if (self->context != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->context, self);
      g_signal_handlers_disconnect_by_data (wg_context_get_view_model (self->context), self);
      if (wg_context_get_sync_client (self->context) != NULL)
        g_signal_handlers_disconnect_by_data (wg_context_get_sync_client (self->context), self);
    }
  g_clear_handle_id (&self->connection_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_WINDOW);
  g_clear_object (&self->actions);
  g_clear_object (&self->model);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (wg_window_parent_class)->dispose (object);
}

static void
wg_window_finalize (GObject *object)
{
  WgWindow *self = WG_WINDOW (object);

  g_clear_pointer (&self->connection_text, g_free);
  g_clear_pointer (&self->source_text, g_free);
  g_clear_pointer (&self->duty_text, g_free);

  G_OBJECT_CLASS (wg_window_parent_class)->finalize (object);
}

static void
wg_window_class_init (WgWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);
  const WgIncidentActionEntry *entries;
  guint n_entries;
  static const struct { guint key; GdkModifierType mods; const char *action; } keys[] = {
    { GDK_KEY_a, 0, "win.acknowledge" },
    { GDK_KEY_n, GDK_CONTROL_MASK, "win.intake" },
    { GDK_KEY_f, GDK_CONTROL_MASK, "win.search" },
    { GDK_KEY_l, GDK_CONTROL_MASK, "view.legend" },
    { GDK_KEY_m, 0, "win.mute" },
    { GDK_KEY_Escape, 0, "win.close-detail" },
    { GDK_KEY_h, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.handover" },
    { GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.drill" },
    { GDK_KEY_r, GDK_CONTROL_MASK, "win.replay" },
    { GDK_KEY_plus, GDK_CONTROL_MASK, "map.zoom-in" },
    { GDK_KEY_equal, GDK_CONTROL_MASK, "map.zoom-in" },
    { GDK_KEY_KP_Add, GDK_CONTROL_MASK, "map.zoom-in" },
    { GDK_KEY_minus, GDK_CONTROL_MASK, "map.zoom-out" },
    { GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, "map.zoom-out" },
    { GDK_KEY_0, GDK_CONTROL_MASK, "map.home" },
  };

  object_class->constructed = wg_window_constructed;
  object_class->dispose = wg_window_dispose;
  object_class->finalize = wg_window_finalize;
  object_class->get_property = wg_window_get_property;
  object_class->set_property = wg_window_set_property;
  window_class->close_request = wg_window_close_request;

  properties[PROP_CONTEXT] =
    g_param_spec_object ("context", NULL, NULL, WG_TYPE_CONTEXT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (WG_TYPE_MAP_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WgWindow, map_view);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, side_pane);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, banner_slot);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, detail_slot);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, connection_label);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, user_label);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, duty_label);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, flap);

  gtk_widget_class_install_action (widget_class, "win.fullscreen", NULL, fullscreen_action);
  gtk_widget_class_install_action (widget_class, "win.intake", NULL, intake_action);
  gtk_widget_class_install_action (widget_class, "win.acknowledge", NULL, acknowledge_action);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_action);
  gtk_widget_class_install_action (widget_class, "win.mute", NULL, mute_action);
  gtk_widget_class_install_action (widget_class, "win.close-detail", NULL, close_detail_action);
  gtk_widget_class_install_action (widget_class, "win.handover", NULL, handover_action);
  gtk_widget_class_install_action (widget_class, "win.drill", NULL, drill_action);
  gtk_widget_class_install_action (widget_class, "win.replay", NULL, replay_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "map.home", NULL, home_action);

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i].key, keys[i].mods, keys[i].action, NULL);
  /* The incident actions' keys come with their table (A is above). */
  entries = wg_incident_actions_list (&n_entries);
  for (guint i = 0; i < n_entries; i++)
    {
      g_autofree char *action = g_strdup_printf ("incident.%s", entries[i].name);
      guint key;
      GdkModifierType mods;

      if (entries[i].command == WG_CMD_ALARM_ACKNOWLEDGE)
        continue;
      if (!gtk_accelerator_parse (entries[i].accel, &key, &mods))
        g_error ("Bad key %s for %s", entries[i].accel, entries[i].name);
      gtk_widget_class_add_binding_action (widget_class, key, mods, action, NULL);
    }
}

static void
wg_window_init (WgWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

WgWindow *
wg_window_new (WgApplication *application)
{
  return g_object_new (WG_TYPE_WINDOW, "application", application, NULL);
}

WgWindow *
wg_window_new_with_context (WgApplication *application,
                            WgContext     *context)
{
  return g_object_new (WG_TYPE_WINDOW, "application", application, "context", context, NULL);
}

WgContext *
wg_window_get_context (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->context;
}

ShumateMap *
wg_window_get_map (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return wg_map_view_get_map (self->map_view);
}

WgMapView *
wg_window_get_map_view (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->map_view;
}

GtkWidget *
wg_window_get_side_pane (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->side_pane;
}

gboolean
wg_window_get_detail_revealed (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), FALSE);
  return adw_flap_get_reveal_flap (self->flap);
}

WgIncidentBoard *
wg_window_get_board (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->board;
}

WgDetailPane *
wg_window_get_detail_pane (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->detail;
}

WgAlarmBanner *
wg_window_get_alarm_banner (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->banner;
}

WgIncidentModel *
wg_window_get_model (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->model;
}

WgIncidentActions *
wg_window_get_actions (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->actions;
}

void
wg_window_set_source_text (WgWindow   *self,
                           const char *text)
{
  g_return_if_fail (WG_IS_WINDOW (self));

  g_free (self->source_text);
  self->source_text = g_strdup (text);
  update_connection (self);
}

const char *
wg_window_get_connection_text (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->connection_text;
}

const char *
wg_window_get_duty_text (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->duty_text;
}

GtkWidget *
wg_window_open_intake (WgWindow *self)
{
  GtkWidget *dialog;

  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);

  dialog = wg_intake_dialog_new (self->context);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}
