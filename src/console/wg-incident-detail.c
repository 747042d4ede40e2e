/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-incident-detail"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wg-console-util.h"
#include "wg-decide.h"
#include "wg-incident-detail.h"
#include "wg-photo-strip.h"
#include "wg-photo-viewer.h"

struct _WgIncidentDetail
{
  GtkWidget          parent_instance;

  /* template */
  GtkWidget         *box;
  GtkLabel          *case_label;
  GtkWidget         *grade_label;
  GtkLabel          *state_label;
  GtkWidget         *supervision_label;
  GtkLabel          *summary_label;
  GtkWidget         *step_label;
  GtkLabel          *category_value;
  GtkLabel          *location_value;
  GtkWidget         *source_key;
  GtkLabel          *source_value;
  GtkWidget         *caller_key;
  GtkLabel          *caller_value;
  GtkLabel          *reporter_value;
  GtkLabel          *reported_value;
  GtkWidget         *department_key;
  GtkLabel          *department_value;
  GtkWidget         *alarm_key;
  GtkWidget         *alarm_value;
  GtkWidget         *photos_title;
  GtkWidget         *photos_box;
  GtkWidget         *assignments_title;
  GtkWidget         *assignments_list;
  GtkWidget         *timeline_list;

  WgContext         *context;
  WgIncidentModel   *model;
  WgTimelineModel   *timeline;
  WgAssignmentList  *assignments;

  char              *caller_text;
  GPtrArray         *assignment_rows;  /* AssignmentRow*, as shown */
  char              *assignments_shown;/* their ids and states, to rebuild on change only */
  GStrv              photo_ids;        /* the incident's, in timeline order */
  WgPhotoStrip      *photo_strip;      /* the Photos section's, or NULL */
  GHashTable        *thumbs;           /* attachment id -> GdkTexture, kept across incidents */
  GHashTable        *thumbs_loading;   /* attachment ids */
  GCancellable      *cancellable;
};

typedef struct {
  GtkWidget         *row;
  GtkLabel          *timer;
  WgAssignmentState  state;
  gint64             created_at;
  gint64             updated_at;
} AssignmentRow;

G_DEFINE_FINAL_TYPE (WgIncidentDetail, wg_incident_detail, GTK_TYPE_WIDGET)

static const char *
step_label (int step)
{
  switch (step)
    {
    case WG_STEP_ROUTE: return _("Route");
    case WG_STEP_HANDLE: return _("Handle");
    case WG_STEP_VERIFY: return _("Verify");
    case WG_STEP_CLOSE: return _("Close");
    case WG_STEP_DISPATCH: return _("Dispatch");
    case WG_STEP_ARRIVE: return _("Arrive");
    case WG_STEP_RESOLVE: return _("Resolve");
    case WG_STEP_ACCEPT: return _("Accept");
    default: return NULL;
    }
}

static gboolean
may_see_caller (const WgActor *actor)
{
  return actor != NULL && (actor->role == WG_ROLE_ADMIN || actor->role == WG_ROLE_DUTY_LEADER ||
                           actor->role == WG_ROLE_DISPATCHER);
}

static char *
mask_phone (const char *phone)
{
  char *masked = g_strdup (phone);
  gsize len = strlen (masked);

  /* Keep the first three and last two digits, as the server does. */
  for (gsize i = 3; i + 2 < len; i++)
    if (g_ascii_isdigit (masked[i]))
      masked[i] = '*';
  return masked;
}

static void
show_field (GtkWidget  *key,
            GtkLabel   *value,
            const char *text)
{
  gtk_widget_set_visible (key, text != NULL);
  gtk_widget_set_visible (GTK_WIDGET (value), text != NULL);
  gtk_label_set_label (value, text ?: "");
}

static const WgIncidentRecord *
shown_record (WgIncidentDetail *self)
{
  const char *incident = wg_timeline_model_get_incident (self->timeline);
  WgIncidentItem *item = incident != NULL ? wg_incident_model_lookup (self->model, incident) : NULL;

  return item != NULL ? wg_incident_item_get_record (item) : NULL;
}

/* Each second of the view clock: the step's time left and the
 * assignments' timers. */
static void
update_timers (WgIncidentDetail *self)
{
  gint64 now = wg_context_now_ms (self->context);
  const WgIncidentRecord *r = shown_record (self);

  if (r != NULL)
    {
      const char *step = step_label (r->step);

      if (wg_incident_state_is_open (r->state) && step != NULL && r->deadline > 0)
        {
          g_autofree char *left = wg_format_duration (r->deadline - now);
          /* TRANSLATORS: step name, then the time left on it */
          g_autofree char *text = g_strdup_printf (_("%s: %s left"), step, left);

          gtk_label_set_label (GTK_LABEL (self->step_label), text);
          wg_widget_set_css_variant (self->step_label, "time-",
                                     r->deadline <= now || r->overdue ? "time-over"
                                     : r->deadline - now < 60 * 1000 ? "time-short" : "time-ok");
        }
      else
        {
          gtk_label_set_label (GTK_LABEL (self->step_label), wg_incident_state_is_open (r->state)
                                                             ? _("No deadline on this step") : _("Finished"));
          wg_widget_set_css_variant (self->step_label, "time-", NULL);
        }
    }

  for (guint i = 0; i < self->assignment_rows->len; i++)
    {
      AssignmentRow *a = self->assignment_rows->pdata[i];
      g_autofree char *text = NULL;
      gboolean late;

      if (!wg_assignment_state_is_open (a->state))
        continue;
      text = wg_format_duration (now - a->updated_at);
      gtk_label_set_label (a->timer, text);
      late = a->state == WG_ASSIGNMENT_NOTIFIED && now - a->created_at > WG_ASSIGNMENT_ACK_LIMIT_MS;
      if (late)
        gtk_widget_add_css_class (a->row, "late");
      else
        gtk_widget_remove_css_class (a->row, "late");
    }
}

/* ---- Photos ---------------------------------------------------------------
 *
 * Thumbnails from the attachment cache, each loaded once (kept by id for
 * every strip and every later incident); a click opens the viewer. */

/* The strip of a timeline row, or NULL. */
static WgPhotoStrip *
row_strip (GtkWidget *row)
{
  GtkWidget *child = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));

  return child != NULL ? g_object_get_data (G_OBJECT (child), "wg-strip") : NULL;
}

/* The Photos section's strip, then the timeline rows' in order. */
static GPtrArray *
strips (WgIncidentDetail *self)
{
  GPtrArray *all = g_ptr_array_new ();

  if (self->photo_strip != NULL)
    g_ptr_array_add (all, self->photo_strip);
  for (GtkWidget *row = gtk_widget_get_first_child (self->timeline_list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && row_strip (row) != NULL)
      g_ptr_array_add (all, row_strip (row));
  return all;
}

static void
show_thumbnails (WgIncidentDetail *self)
{
  g_autoptr(GPtrArray) all = strips (self);

  for (guint i = 0; i < all->len; i++)
    wg_photo_strip_show (all->pdata[i], self->thumbs);
}

typedef struct {
  WgIncidentDetail *self;
  char             *id;
} ThumbnailLoad;

static void
thumbnail_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ThumbnailLoad *load = user_data;
  g_autoptr(WgIncidentDetail) self = load->self;
  g_autofree char *id = load->id;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = wg_attachment_cache_load_finish (WG_ATTACHMENT_CACHE (source), result, &error);

  g_free (load);
  if (texture == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_hash_table_remove (self->thumbs_loading, id);
  if (texture == NULL)
    {
      /* The grey placeholder stays; the next strip with it asks again. */
      g_debug ("thumbnail %s: %s", id, error->message);
      return;
    }
  g_hash_table_insert (self->thumbs, g_strdup (id), g_steal_pointer (&texture));
  show_thumbnails (self);
}

static void
photo_activated_cb (WgPhotoStrip     *strip,
                    const char       *id,
                    WgIncidentDetail *self)
{
  WgAttachmentCache *cache = wg_context_get_attachment_cache (self->context);
  GtkWidget *viewer;
  guint index = 0;

  if (cache == NULL || self->photo_ids == NULL)
    return;
  for (guint i = 0; self->photo_ids[i] != NULL; i++)
    if (g_str_equal (self->photo_ids[i], id))
      index = i;
  viewer = wg_photo_viewer_new (cache, (const char * const *) self->photo_ids, index);
  gtk_window_set_transient_for (GTK_WINDOW (viewer), GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  gtk_window_present (GTK_WINDOW (viewer));
}

static GtkWidget *
thumbnail_strip (WgIncidentDetail  *self,
                 const char *const *ids,
                 int                height)
{
  WgAttachmentCache *cache = wg_context_get_attachment_cache (self->context);
  GtkWidget *strip = wg_photo_strip_new (ids, height);

  g_signal_connect_object (strip, "photo-activated", G_CALLBACK (photo_activated_cb), self, 0);
  for (guint i = 0; ids[i] != NULL; i++)
    if (cache != NULL && !g_hash_table_contains (self->thumbs, ids[i]) &&
        g_hash_table_add (self->thumbs_loading, g_strdup (ids[i])))
      {
        ThumbnailLoad *load = g_new0 (ThumbnailLoad, 1);

        load->self = g_object_ref (self);
        load->id = g_strdup (ids[i]);
        wg_attachment_cache_load_async (cache, ids[i], WG_ATTACHMENT_THUMBNAIL, self->cancellable,
                                        thumbnail_loaded_cb, load);
      }
  wg_photo_strip_show (WG_PHOTO_STRIP (strip), self->thumbs);
  return strip;
}

/* The Photos section, rebuilt only when the incident's photos change. */
static void
update_photos (WgIncidentDetail *self,
               GStrv             ids)
{
  gboolean shown = ids[0] != NULL && wg_context_get_attachment_cache (self->context) != NULL;

  if (self->photo_ids != NULL && g_strv_equal ((const char * const *) self->photo_ids,
                                               (const char * const *) ids))
    {
      g_strfreev (ids);
      return;
    }
  g_strfreev (self->photo_ids);
  self->photo_ids = ids;
  if (self->photo_strip != NULL)
    gtk_box_remove (GTK_BOX (self->photos_box), GTK_WIDGET (self->photo_strip));
  self->photo_strip = NULL;
  gtk_widget_set_visible (self->photos_title, shown);
  if (shown)
    {
      self->photo_strip = WG_PHOTO_STRIP (thumbnail_strip (self, (const char * const *) ids, 90));
      gtk_box_append (GTK_BOX (self->photos_box), GTK_WIDGET (self->photo_strip));
    }
}

/* ---- Timeline rows -------------------------------------------------------- */

static char *
event_detail (WgContext *context,
              WgEvent   *event)
{
  static const char *text_members[] = { "text", "reason", "summary", "resolution", "result",
                                        "remark", "instructions" };
  const char *department;

  if (event->type == WG_EV_INCIDENT_ROUTED &&
      (department = json_object_get_string_member_with_default (event->body, "department", NULL)) != NULL)
    return g_strdup (wg_context_department_label (context, department));
  if (event->type == WG_EV_ASSIGNMENT_CREATED || event->type == WG_EV_ASSIGNMENT_ACKNOWLEDGED ||
      event->type == WG_EV_ASSIGNMENT_EN_ROUTE || event->type == WG_EV_ASSIGNMENT_ON_SCENE ||
      event->type == WG_EV_ASSIGNMENT_CLEARED || event->type == WG_EV_ASSIGNMENT_CANCELLED)
    {
      const char *unit = json_object_get_string_member_with_default (event->body, "unit", NULL);
      if (unit != NULL)
        return g_strdup (wg_context_force_label (context, unit));
    }
  if (event->type == WG_EV_ALARM_ESCALATED)
    {
      const char *to = json_object_get_string_member_with_default (event->body, "to", NULL);
      if (to != NULL)
        /* TRANSLATORS: the alarm went to this person */
        return g_strdup_printf (_("to %s"), to);
    }
  for (guint i = 0; i < G_N_ELEMENTS (text_members); i++)
    {
      const char *text = json_object_get_string_member_with_default (event->body, text_members[i], NULL);
      if (text != NULL && *text != '\0')
        return g_strdup (text);
    }
  return NULL;
}

/* One event of the timeline: time, what, who, its photos. */
static GtkWidget *
timeline_row_new (gpointer item,
                  gpointer user_data)
{
  WgIncidentDetail *self = user_data;
  WgEvent *event = wg_timeline_event_get_event (item);
  GTimeZone *zone = wg_reference_get_time_zone (wg_context_get_reference (self->context));
  g_autofree char *time = wg_format_time_of_day (event->ts, zone);
  g_autofree char *detail = event_detail (self->context, event);
  g_autofree char *who = NULL;
  g_auto(GStrv) ids = wg_attachment_ids_of_body (event->body);
  GtkWidget *erow = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *time_label = gtk_label_new (time);
  GtkWidget *text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *what = gtk_label_new (wg_event_type_label (event->type));
  GtkWidget *who_label;
  WgRole role;

  gtk_widget_add_css_class (time_label, "numeric");
  gtk_widget_add_css_class (time_label, "dim-label");
  gtk_label_set_yalign (GTK_LABEL (time_label), 0);
  gtk_box_append (GTK_BOX (erow), time_label);
  gtk_label_set_xalign (GTK_LABEL (what), 0);
  gtk_label_set_wrap (GTK_LABEL (what), TRUE);
  if (detail != NULL)
    {
      g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b> %s",
                                                         wg_event_type_label (event->type), detail);
      gtk_label_set_markup (GTK_LABEL (what), markup);
    }
  else
    gtk_widget_add_css_class (what, "heading");
  gtk_box_append (GTK_BOX (text_box), what);
  if (event->actor != NULL)
    who = g_strdup_printf ("%s · %s", event->actor,
                           event->role != NULL && wg_role_from_string (event->role, &role)
                           ? wg_role_label (role) : (event->role ?: ""));
  else
    who = g_strdup (_("System"));
  who_label = gtk_label_new (who);
  gtk_label_set_xalign (GTK_LABEL (who_label), 0);
  gtk_widget_add_css_class (who_label, "caption");
  gtk_widget_add_css_class (who_label, "dim-label");
  gtk_box_append (GTK_BOX (text_box), who_label);
  if (ids != NULL && wg_context_get_attachment_cache (self->context) != NULL)
    {
      GtkWidget *strip = thumbnail_strip (self, (const char * const *) ids, 48);

      gtk_widget_set_margin_top (strip, 4);
      gtk_box_append (GTK_BOX (text_box), strip);
      g_object_set_data (G_OBJECT (erow), "wg-strip", strip);
    }
  gtk_box_append (GTK_BOX (erow), text_box);
  return erow;
}

/* ---- Assignments ------------------------------------------------------------ */

typedef struct {
  WgIncidentDetail *self;
  char             *assignment;
  WgCommandType     command;
} AssignmentCommand;

static void
assignment_command_free (gpointer  data,
                         GClosure *closure)
{
  AssignmentCommand *c = data;

  g_free (c->assignment);
  g_free (c);
}

static void
assignment_command_cb (GtkButton         *button,
                       AssignmentCommand *c)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  json_object_set_string_member (body, "assignment", c->assignment);
  if (c->command == WG_CMD_ASSIGNMENT_CANCEL)
    json_object_set_string_member (body, "reason", _("Stood down from the console"));
  gtk_menu_button_popdown (GTK_MENU_BUTTON (g_object_get_data (G_OBJECT (button), "wg-menu")));
  id = wg_context_send (c->self->context, c->command, body, &error);
  if (id == NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (button), error->message);
}

/* The assignment commands the role may send, each enabled where legal. */
static GtkWidget *
assignment_menu (WgIncidentDetail         *self,
                 const WgAssignmentRecord *a)
{
  static const WgCommandType commands[] = {
    WG_CMD_ASSIGNMENT_ACKNOWLEDGE, WG_CMD_ASSIGNMENT_EN_ROUTE, WG_CMD_ASSIGNMENT_ON_SCENE,
    WG_CMD_ASSIGNMENT_CLEAR, WG_CMD_ASSIGNMENT_CANCEL,
  };
  const WgActor *actor = wg_context_get_actor (self->context);
  WgScope scope = WG_SCOPE_NONE;
  GtkWidget *menu, *popover, *box;

  if (actor == NULL)
    return NULL;
  if (actor->unit != NULL && g_strcmp0 (actor->unit, a->unit) == 0)
    scope = WG_SCOPE_OWN_UNIT;
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  menu = gtk_menu_button_new ();
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      GtkWidget *button;
      AssignmentCommand *c;

      if (!wg_decide_role_may (commands[i], actor->role, scope))
        continue;
      button = gtk_button_new_with_label (wg_command_label (commands[i]));
      gtk_widget_add_css_class (button, "flat");
      if (!wg_decide_assignment_legal (commands[i], a->state))
        {
          /* TRANSLATORS: %s is an assignment state, e.g. "En route" */
          g_autofree char *reason = g_strdup_printf (_("Not possible while the force is %s"),
                                                     wg_assignment_state_label (a->state));

          gtk_widget_set_sensitive (button, FALSE);
          gtk_widget_set_tooltip_text (button, reason);
        }
      c = g_new0 (AssignmentCommand, 1);
      c->self = self;
      c->assignment = g_strdup (a->id);
      c->command = commands[i];
      g_object_set_data (G_OBJECT (button), "wg-menu", menu);
      g_signal_connect_data (button, "clicked", G_CALLBACK (assignment_command_cb), c,
                             assignment_command_free, 0);
      gtk_box_append (GTK_BOX (box), button);
    }
  if (gtk_widget_get_first_child (box) == NULL)
    {
      g_object_ref_sink (menu);
      g_object_unref (menu);
      g_object_ref_sink (box);
      g_object_unref (box);
      return NULL;
    }
  popover = gtk_popover_new ();
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (menu), popover);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu), "view-more-symbolic");
  gtk_widget_set_valign (menu, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (menu, "flat");
  gtk_widget_set_tooltip_text (menu, _("Update this assignment"));
  return menu;
}

/* The rows, rebuilt only when an assignment comes, goes or changes state:
 * the timers tick in place. */
static void
update_assignments (WgIncidentDetail *self)
{
  GPtrArray *records = wg_assignment_list_get_records (self->assignments);
  g_autoptr(GString) shown = g_string_new (NULL);
  GtkWidget *child;

  for (guint i = 0; i < records->len; i++)
    {
      WgAssignmentRecord *a = records->pdata[i];

      g_string_append_printf (shown, "%s:%d:%" G_GINT64_FORMAT " ", a->id, a->state, a->updated_at);
    }
  if (g_strcmp0 (self->assignments_shown, shown->str) == 0)
    return;
  g_free (self->assignments_shown);
  self->assignments_shown = g_string_free (g_steal_pointer (&shown), FALSE);

  g_ptr_array_set_size (self->assignment_rows, 0);
  while ((child = gtk_widget_get_first_child (self->assignments_list)) != NULL)
    gtk_list_box_remove (GTK_LIST_BOX (self->assignments_list), child);
  gtk_widget_set_visible (self->assignments_title, records->len > 0);
  gtk_widget_set_visible (self->assignments_list, records->len > 0);
  for (guint i = 0; i < records->len; i++)
    {
      WgAssignmentRecord *a = records->pdata[i];
      GtkWidget *arow = adw_action_row_new ();
      GtkWidget *timer = gtk_label_new (NULL);
      AssignmentRow *ar = g_new0 (AssignmentRow, 1);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (arow),
                                     wg_context_force_label (self->context, a->unit));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (arow), wg_assignment_state_label (a->state));
      gtk_widget_add_css_class (timer, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (arow), timer);
      if (wg_assignment_state_is_open (a->state))
        {
          GtkWidget *menu = assignment_menu (self, a);

          if (menu != NULL)
            adw_action_row_add_suffix (ADW_ACTION_ROW (arow), menu);
        }
      gtk_widget_add_css_class (arow, "assignment");
      ar->row = arow;
      ar->timer = GTK_LABEL (timer);
      ar->state = a->state;
      ar->created_at = a->created_at;
      ar->updated_at = a->updated_at;
      g_ptr_array_add (self->assignment_rows, ar);
      gtk_list_box_append (GTK_LIST_BOX (self->assignments_list), arow);
    }
}

/* ---- The whole ---------------------------------------------------------------- */

gboolean
wg_incident_detail_update (WgIncidentDetail *self)
{
  const WgIncidentRecord *r;
  const WgActor *actor;
  GTimeZone *zone;
  GListModel *timeline;
  g_autoptr(GStrvBuilder) photos = g_strv_builder_new ();
  g_autoptr(WgTimelineEvent) report = NULL;
  g_autofree char *location = NULL;
  g_autofree char *reported_at = NULL;
  JsonObject *report_body = NULL;
  const char *source = NULL;
  const char *alarm = NULL;

  g_return_val_if_fail (WG_IS_INCIDENT_DETAIL (self), FALSE);

  r = shown_record (self);
  if (r == NULL)
    return FALSE;
  actor = wg_context_get_actor (self->context);
  zone = wg_reference_get_time_zone (wg_context_get_reference (self->context));

  gtk_label_set_label (self->case_label, r->case_number);
  gtk_label_set_label (GTK_LABEL (self->grade_label), wg_grade_label (r->grade));
  wg_widget_set_css_variant (self->grade_label, "grade-", wg_grade_css_class (r->grade));
  gtk_label_set_label (self->state_label, wg_incident_state_label (r->state));
  /* Until the department answers, on every console (its own shows the
   * Answer Supervision button first). */
  gtk_widget_set_visible (self->supervision_label, r->supervision >= 0);
  if (r->supervision >= 0)
    gtk_label_set_label (GTK_LABEL (self->supervision_label),
                         r->supervision == WG_SUPERVISION_URGE
                         ? _("Urge notice from the centre, not answered yet")
                         : _("Supervision notice from the centre, not answered yet"));
  gtk_label_set_label (self->summary_label, r->summary);

  timeline = G_LIST_MODEL (self->timeline);
  for (guint i = 0; i < g_list_model_get_n_items (timeline); i++)
    {
      g_autoptr(WgTimelineEvent) item = g_list_model_get_item (timeline, i);
      WgEvent *event = wg_timeline_event_get_event (item);
      g_auto(GStrv) ids = wg_attachment_ids_of_body (event->body);

      if (event->type == WG_EV_INCIDENT_REPORTED && report == NULL)
        report = g_object_ref (item);
      if (ids != NULL)
        g_strv_builder_addv (photos, (const char **) ids);
    }
  if (report != NULL)
    report_body = wg_timeline_event_get_event (report)->body;

  gtk_label_set_label (self->category_value, wg_context_category_label (self->context, r->category));
  location = g_strdup_printf ("%s\n%.5f, %.5f",
                              r->grid != NULL ? wg_context_grid_label (self->context, r->grid)
                                              : _("Outside the street"),
                              r->lat, r->lon);
  gtk_label_set_label (self->location_value, location);
  if (report_body != NULL)
    source = json_object_get_string_member_with_default (report_body, "source", NULL);
  show_field (self->source_key, self->source_value, source != NULL ? wg_source_label (source) : NULL);
  g_clear_pointer (&self->caller_text, g_free);
  if (report_body != NULL)
    {
      JsonNode *caller_node = json_object_get_member (report_body, "caller");

      if (caller_node != NULL && JSON_NODE_HOLDS_OBJECT (caller_node))
        {
          JsonObject *caller = json_node_get_object (caller_node);
          const char *name = json_object_get_string_member_with_default (caller, "name", "");
          const char *phone = json_object_get_string_member_with_default (caller, "phone", "");
          g_autofree char *shown_phone = may_see_caller (actor) ? g_strdup (phone) : mask_phone (phone);

          self->caller_text = g_strdup_printf ("%s %s", name, shown_phone);
          g_strstrip (self->caller_text);
        }
    }
  show_field (self->caller_key, self->caller_value, self->caller_text);
  gtk_label_set_label (self->reporter_value, r->reporter ?: "");
  reported_at = wg_format_time_of_day (r->reported_at, zone);
  gtk_label_set_label (self->reported_value, reported_at);
  show_field (self->department_key, self->department_value,
              r->department != NULL ? wg_context_department_label (self->context, r->department) : NULL);
  if (r->alarm != WG_ALARM_NONE)
    alarm = r->alarm == WG_ALARM_ACKNOWLEDGED ? _("Acknowledged")
            : r->alarm == WG_ALARM_ESCALATED ? _("Escalated, not acknowledged")
            : _("Raised, not acknowledged");
  show_field (self->alarm_key, GTK_LABEL (self->alarm_value), alarm);
  if (alarm != NULL && r->alarm != WG_ALARM_ACKNOWLEDGED && wg_incident_state_is_open (r->state))
    gtk_widget_add_css_class (self->alarm_value, "error");
  else
    gtk_widget_remove_css_class (self->alarm_value, "error");

  update_photos (self, g_strv_builder_end (photos));
  update_assignments (self);
  update_timers (self);
  return TRUE;
}

static void
timeline_changed_cb (WgIncidentDetail *self)
{
  wg_incident_detail_update (self);
}

/* The assignments come from the cache after the incident (off the main
 * loop with a server). */
static void
assignments_changed_cb (WgIncidentDetail *self)
{
  update_assignments (self);
  update_timers (self);
}

static void
wg_incident_detail_dispose (GObject *object)
{
  WgIncidentDetail *self = WG_INCIDENT_DETAIL (object);

  g_cancellable_cancel (self->cancellable);
  if (self->timeline_list != NULL)
    gtk_list_box_bind_model (GTK_LIST_BOX (self->timeline_list), NULL, NULL, NULL, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_INCIDENT_DETAIL);
  self->photo_strip = NULL;
  g_clear_object (&self->context);
  g_clear_object (&self->model);
  g_clear_object (&self->timeline);
  g_clear_object (&self->assignments);
  G_OBJECT_CLASS (wg_incident_detail_parent_class)->dispose (object);
}

static void
wg_incident_detail_finalize (GObject *object)
{
  WgIncidentDetail *self = WG_INCIDENT_DETAIL (object);

  g_clear_pointer (&self->caller_text, g_free);
  g_clear_pointer (&self->assignment_rows, g_ptr_array_unref);
  g_clear_pointer (&self->assignments_shown, g_free);
  g_clear_pointer (&self->photo_ids, g_strfreev);
  g_clear_pointer (&self->thumbs, g_hash_table_unref);
  g_clear_pointer (&self->thumbs_loading, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (wg_incident_detail_parent_class)->finalize (object);
}

static void
wg_incident_detail_class_init (WgIncidentDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_incident_detail_dispose;
  object_class->finalize = wg_incident_detail_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-incident-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, box);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, case_label);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, grade_label);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, state_label);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, supervision_label);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, summary_label);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, step_label);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, category_value);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, location_value);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, source_key);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, source_value);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, caller_key);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, caller_value);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, reporter_value);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, reported_value);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, department_key);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, department_value);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, alarm_key);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, alarm_value);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, photos_title);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, photos_box);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, assignments_title);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, assignments_list);
  gtk_widget_class_bind_template_child (widget_class, WgIncidentDetail, timeline_list);
}

static void
wg_incident_detail_init (WgIncidentDetail *self)
{
  self->assignment_rows = g_ptr_array_new_with_free_func (g_free);
  self->thumbs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->thumbs_loading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wg_incident_detail_new (WgContext        *context,
                        WgIncidentModel  *model,
                        WgTimelineModel  *timeline,
                        WgAssignmentList *assignments)
{
  WgIncidentDetail *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (model), NULL);
  g_return_val_if_fail (WG_IS_TIMELINE_MODEL (timeline), NULL);
  g_return_val_if_fail (WG_IS_ASSIGNMENT_LIST (assignments), NULL);

  self = g_object_new (WG_TYPE_INCIDENT_DETAIL, NULL);
  self->context = g_object_ref (context);
  self->model = g_object_ref (model);
  self->timeline = g_object_ref (timeline);
  self->assignments = g_object_ref (assignments);
  gtk_list_box_bind_model (GTK_LIST_BOX (self->timeline_list), G_LIST_MODEL (timeline),
                           timeline_row_new, self, NULL);
  /* The report (source, caller) and the photos come with the events, which
   * may be read off the main loop after the incident is picked. */
  g_signal_connect_object (timeline, "items-changed", G_CALLBACK (timeline_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (assignments, "changed", G_CALLBACK (assignments_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (wg_context_get_clock (context), "tick", G_CALLBACK (update_timers), self,
                           G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

const char *
wg_incident_detail_get_caller_text (WgIncidentDetail *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_DETAIL (self), NULL);
  return self->caller_text;
}

guint
wg_incident_detail_get_n_timeline_rows (WgIncidentDetail *self)
{
  guint n = 0;

  g_return_val_if_fail (WG_IS_INCIDENT_DETAIL (self), 0);
  for (GtkWidget *row = gtk_widget_get_first_child (self->timeline_list); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row))
      n++;
  return n;
}

guint
wg_incident_detail_get_n_assignments (WgIncidentDetail *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_DETAIL (self), 0);
  return self->assignment_rows->len;
}

guint
wg_incident_detail_get_n_late_assignments (WgIncidentDetail *self)
{
  guint n = 0;

  g_return_val_if_fail (WG_IS_INCIDENT_DETAIL (self), 0);
  for (guint i = 0; i < self->assignment_rows->len; i++)
    if (gtk_widget_has_css_class (((AssignmentRow *) self->assignment_rows->pdata[i])->row, "late"))
      n++;
  return n;
}

guint
wg_incident_detail_get_n_photos (WgIncidentDetail *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_DETAIL (self), 0);
  return self->photo_ids != NULL ? g_strv_length (self->photo_ids) : 0;
}

guint
wg_incident_detail_get_n_thumbnails_shown (WgIncidentDetail *self)
{
  g_autoptr(GPtrArray) all = NULL;
  guint n = 0;

  g_return_val_if_fail (WG_IS_INCIDENT_DETAIL (self), 0);
  all = strips (self);
  for (guint i = 0; i < all->len; i++)
    n += wg_photo_strip_get_n_shown (all->pdata[i]);
  return n;
}

GtkWidget *
wg_incident_detail_get_thumbnail_button (WgIncidentDetail *self,
                                         guint             index)
{
  g_autoptr(GPtrArray) all = NULL;

  g_return_val_if_fail (WG_IS_INCIDENT_DETAIL (self), NULL);
  all = strips (self);
  for (guint i = 0; i < all->len; i++)
    {
      guint n = g_strv_length ((char **) wg_photo_strip_get_ids (all->pdata[i]));

      if (index < n)
        return wg_photo_strip_get_button (all->pdata[i], index);
      index -= n;
    }
  return NULL;
}
