/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-detail-pane"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wg-assignment-list.h"
#include "wg-console-util.h"
#include "wg-decide.h"
#include "wg-detail-pane.h"
#include "wg-photo-strip.h"
#include "wg-photo-viewer.h"
#include "wg-timeline-model.h"
#include "wg-unit-detail.h"

struct _WgDetailPane
{
  GtkWidget          parent_instance;

  WgContext         *context;
  WgIncidentModel   *model;
  WgIncidentActions *actions;
  char              *incident;
  char              *unit;           /* a force shown instead of an incident */
  WgTimelineModel   *timeline;       /* the incident's events */

  GtkWidget         *stack;
  GtkWidget         *content;        /* rebuilt per incident */
  GtkWidget         *actions_box;
  GtkWidget         *primary_box;    /* the action table's buttons */
  GtkWidget         *more_button;    /* the other allowed actions, with keys */
  GHashTable        *buttons;        /* action name -> GtkButton shown now */
  char              *shown;          /* the shown actions, to rebuild on change only */
  WgUnitDetail      *unit_detail;    /* the force shown, in content */
  GtkLabel          *step_label;
  GPtrArray         *assignment_rows;/* AssignmentRow* */
  WgAssignmentList  *assignments;    /* the shown incident's, a view-model */
  char              *caller_text;
  guint              n_timeline_rows;

  /* Photos */
  GHashTable        *thumbs;         /* attachment id -> GdkTexture */
  GHashTable        *thumbs_loading; /* attachment ids */
  GPtrArray         *strips;         /* WgPhotoStrip of this rebuild */
  GStrv              photo_ids;      /* the incident's, in timeline order */
  GCancellable      *cancellable;
};

typedef struct {
  GtkWidget         *row;
  GtkLabel          *timer;
  WgAssignmentState  state;
  gint64             created_at;
  gint64             updated_at;
} AssignmentRow;

G_DEFINE_FINAL_TYPE (WgDetailPane, wg_detail_pane, GTK_TYPE_WIDGET)

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

static GtkWidget *
add_field (GtkGrid    *grid,
           int         row,
           const char *name,
           const char *value)
{
  GtkWidget *key = gtk_label_new (name);
  GtkWidget *val = gtk_label_new (value);

  gtk_label_set_xalign (GTK_LABEL (key), 1);
  gtk_label_set_yalign (GTK_LABEL (key), 0);
  gtk_widget_add_css_class (key, "dim-label");
  gtk_label_set_xalign (GTK_LABEL (val), 0);
  gtk_label_set_wrap (GTK_LABEL (val), TRUE);
  gtk_label_set_selectable (GTK_LABEL (val), TRUE);
  gtk_widget_set_hexpand (val, TRUE);
  gtk_grid_attach (grid, key, 0, row, 1, 1);
  gtk_grid_attach (grid, val, 1, row, 1, 1);
  return val;
}

static GtkWidget *
section_title (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_set_margin_top (label, 12);
  return label;
}

static void
update_timers (WgDetailPane *self)
{
  gint64 now = wg_context_now_ms (self->context);
  WgIncidentItem *item = wg_incident_model_lookup (self->model, self->incident);

  if (item != NULL && self->step_label != NULL)
    {
      const WgIncidentRecord *r = wg_incident_item_get_record (item);
      const char *step = step_label (r->step);

      if (wg_incident_state_is_open (r->state) && step != NULL && r->deadline > 0)
        {
          g_autofree char *left = wg_format_duration (r->deadline - now);
          /* TRANSLATORS: step name, then the time left on it */
          g_autofree char *text = g_strdup_printf (_("%s: %s left"), step, left);

          gtk_label_set_label (self->step_label, text);
          wg_widget_set_css_variant (GTK_WIDGET (self->step_label), "time-",
                                     r->deadline <= now || r->overdue ? "time-over"
                                     : r->deadline - now < 60 * 1000 ? "time-short" : "time-ok");
        }
      else
        {
          gtk_label_set_label (self->step_label, wg_incident_state_is_open (r->state)
                                                 ? _("No deadline on this step") : _("Finished"));
          wg_widget_set_css_variant (GTK_WIDGET (self->step_label), "time-", NULL);
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

/* The last incident's or force's content goes (its timeline rows with it)
 * before the timeline model turns to another incident. */
static void
drop_content (WgDetailPane *self)
{
  g_ptr_array_set_size (self->strips, 0);
  self->unit_detail = NULL;
  if (self->content != NULL)
    gtk_stack_remove (GTK_STACK (self->stack), self->content);
  self->content = NULL;
}

/* The timeline's events (borrowed from its model), oldest first. */
static GPtrArray *
timeline_events (WgDetailPane *self)
{
  GListModel *model = G_LIST_MODEL (self->timeline);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WgTimelineEvent) item = g_list_model_get_item (model, i);

      g_ptr_array_add (events, wg_event_ref (wg_timeline_event_get_event (item)));
    }
  return events;
}

typedef struct {
  WgDetailPane  *self;
  char          *assignment;
  WgCommandType  command;
} AssignmentCommand;

static void
assignment_command_free (gpointer data,
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
assignment_menu (WgDetailPane             *self,
                 const WgAssignmentRecord *a)
{
  static const WgCommandType commands[] = {
    WG_CMD_ASSIGNMENT_ACKNOWLEDGE, WG_CMD_ASSIGNMENT_EN_ROUTE, WG_CMD_ASSIGNMENT_ON_SCENE,
    WG_CMD_ASSIGNMENT_CLEAR, WG_CMD_ASSIGNMENT_CANCEL,
  };
  const WgActor *actor = wg_context_get_actor (self->context);
  GtkWidget *menu = gtk_menu_button_new ();
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  WgScope scope = WG_SCOPE_NONE;
  guint n_shown = 0;

  if (actor == NULL)
    return NULL;
  if (actor->unit != NULL && g_strcmp0 (actor->unit, a->unit) == 0)
    scope = WG_SCOPE_OWN_UNIT;
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
          gtk_widget_set_sensitive (button, FALSE);
          /* TRANSLATORS: %s is an assignment state, e.g. "En route" */
          {
            g_autofree char *reason = g_strdup_printf (_("Not possible while the force is %s"),
                                                       wg_assignment_state_label (a->state));
            gtk_widget_set_tooltip_text (button, reason);
          }
        }
      c = g_new0 (AssignmentCommand, 1);
      c->self = self;
      c->assignment = g_strdup (a->id);
      c->command = commands[i];
      g_object_set_data (G_OBJECT (button), "wg-menu", menu);
      g_signal_connect_data (button, "clicked", G_CALLBACK (assignment_command_cb), c,
                             assignment_command_free, 0);
      gtk_box_append (GTK_BOX (box), button);
      n_shown++;
    }
  if (n_shown == 0)
    {
      g_object_ref_sink (menu);
      g_object_unref (menu);
      g_object_ref_sink (popover);
      g_object_unref (popover);
      return NULL;
    }
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (menu), popover);
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu), "view-more-symbolic");
  gtk_widget_set_valign (menu, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (menu, "flat");
  gtk_widget_set_tooltip_text (menu, _("Update this assignment"));
  return menu;
}

/* Photos: thumbnails from the attachment cache, each loaded once per pane
 * (a rebuild reuses the textures); a click opens the viewer. */

static void
show_thumbnails (WgDetailPane *self)
{
  for (guint i = 0; i < self->strips->len; i++)
    wg_photo_strip_show (self->strips->pdata[i], self->thumbs);
}

typedef struct {
  WgDetailPane *self;
  char         *id;
} ThumbnailLoad;

static void
thumbnail_loaded_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  ThumbnailLoad *load = user_data;
  g_autoptr(WgDetailPane) self = load->self;
  g_autofree char *id = load->id;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = wg_attachment_cache_load_finish (WG_ATTACHMENT_CACHE (source), result, &error);

  g_free (load);
  if (texture == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_hash_table_remove (self->thumbs_loading, id);
  if (texture == NULL)
    {
      /* The grey placeholder stays; the next rebuild asks again. */
      g_debug ("thumbnail %s: %s", id, error->message);
      return;
    }
  g_hash_table_insert (self->thumbs, g_strdup (id), g_steal_pointer (&texture));
  show_thumbnails (self);
}

static void
photo_activated_cb (WgPhotoStrip *strip,
                    const char   *id,
                    WgDetailPane *self)
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
thumbnail_strip (WgDetailPane      *self,
                 const char *const *ids,
                 int                height)
{
  WgAttachmentCache *cache = wg_context_get_attachment_cache (self->context);
  GtkWidget *strip = wg_photo_strip_new (ids, height);

  g_signal_connect_object (strip, "photo-activated", G_CALLBACK (photo_activated_cb), self, 0);
  g_ptr_array_add (self->strips, g_object_ref (strip));
  /* Each thumbnail is fetched once and kept by id for every strip. */
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

/* One event of the timeline: time, what, who, its photos. */
static GtkWidget *
timeline_row_new (gpointer item,
                  gpointer user_data)
{
  WgDetailPane *self = user_data;
  WgEvent *event = wg_timeline_event_get_event (item);
  GTimeZone *zone = wg_reference_get_time_zone (wg_context_get_reference (self->context));
  g_autofree char *time = wg_format_time_of_day (event->ts, zone);
  g_autofree char *detail = event_detail (self->context, event);
  g_autofree char *who = NULL;
  GtkWidget *erow = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *time_label = gtk_label_new (time);
  GtkWidget *text_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *what = gtk_label_new (wg_event_type_label (event->type));
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
  {
    GtkWidget *who_label = gtk_label_new (who);

    gtk_label_set_xalign (GTK_LABEL (who_label), 0);
    gtk_widget_add_css_class (who_label, "caption");
    gtk_widget_add_css_class (who_label, "dim-label");
    gtk_box_append (GTK_BOX (text_box), who_label);
  }
  {
    g_auto(GStrv) ids = wg_attachment_ids_of_body (event->body);

    if (ids != NULL && wg_context_get_attachment_cache (self->context) != NULL)
      {
        GtkWidget *strip = thumbnail_strip (self, (const char * const *) ids, 48);

        gtk_widget_set_margin_top (strip, 4);
        gtk_box_append (GTK_BOX (text_box), strip);
      }
  }
  gtk_box_append (GTK_BOX (erow), text_box);
  return erow;
}

static void
rebuild (WgDetailPane *self)
{
  WgIncidentItem *item = wg_incident_model_lookup (self->model, self->incident);
  const WgIncidentRecord *r;
  const WgActor *actor = wg_context_get_actor (self->context);
  GTimeZone *zone = wg_reference_get_time_zone (wg_context_get_reference (self->context));
  g_autoptr(GPtrArray) timeline = NULL;
  GPtrArray *assignments;
  GtkWidget *box, *header, *grade, *summary, *list;
  GtkGrid *grid;
  JsonObject *report_body = NULL;
  int row = 0;

  self->step_label = NULL;
  g_ptr_array_set_size (self->assignment_rows, 0);
  g_clear_pointer (&self->caller_text, g_free);
  self->n_timeline_rows = 0;
  g_ptr_array_set_size (self->strips, 0);
  g_clear_pointer (&self->photo_ids, g_strfreev);

  drop_content (self);

  if (item == NULL)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      return;
    }
  r = wg_incident_item_get_record (item);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_add_css_class (box, "detail-content");

  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  {
    GtkWidget *case_label = gtk_label_new (r->case_number);

    gtk_widget_add_css_class (case_label, "title-2");
    gtk_widget_add_css_class (case_label, "numeric");
    gtk_label_set_selectable (GTK_LABEL (case_label), TRUE);
    gtk_box_append (GTK_BOX (header), case_label);
  }
  grade = gtk_label_new (wg_grade_label (r->grade));
  gtk_widget_add_css_class (grade, "badge");
  gtk_widget_add_css_class (grade, wg_grade_css_class (r->grade));
  gtk_widget_set_valign (grade, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (header), grade);
  {
    GtkWidget *state = gtk_label_new (wg_incident_state_label (r->state));

    gtk_widget_add_css_class (state, "state-pill");
    gtk_widget_set_valign (state, GTK_ALIGN_CENTER);
    gtk_box_append (GTK_BOX (header), state);
  }
  gtk_box_append (GTK_BOX (box), header);

  /* Until the department answers, on every console (its own shows the
   * Answer Supervision button first). */
  if (r->supervision >= 0)
    {
      GtkWidget *notice = gtk_label_new (r->supervision == WG_SUPERVISION_URGE
                                         ? _("Urge notice from the centre, not answered yet")
                                         : _("Supervision notice from the centre, not answered yet"));

      gtk_label_set_wrap (GTK_LABEL (notice), TRUE);
      gtk_label_set_xalign (GTK_LABEL (notice), 0);
      gtk_widget_add_css_class (notice, "heading");
      gtk_widget_add_css_class (notice, "warning");
      gtk_widget_add_css_class (notice, "supervision-notice");
      gtk_box_append (GTK_BOX (box), notice);
    }

  summary = gtk_label_new (r->summary);
  gtk_label_set_wrap (GTK_LABEL (summary), TRUE);
  gtk_label_set_xalign (GTK_LABEL (summary), 0);
  gtk_widget_add_css_class (summary, "title-4");
  gtk_box_append (GTK_BOX (box), summary);

  self->step_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->step_label, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->step_label), "step-clock");
  gtk_widget_add_css_class (GTK_WIDGET (self->step_label), "numeric");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->step_label));

  timeline = timeline_events (self);
  {
    g_autoptr(GStrvBuilder) photos = g_strv_builder_new ();

    for (guint i = 0; i < timeline->len; i++)
      {
        WgEvent *event = timeline->pdata[i];
        g_auto(GStrv) ids = wg_attachment_ids_of_body (event->body);

        if (event->type == WG_EV_INCIDENT_REPORTED)
          report_body = event->body;
        if (ids != NULL)
          g_strv_builder_addv (photos, (const char **) ids);
      }
    self->photo_ids = g_strv_builder_end (photos);
  }

  grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_column_spacing (grid, 12);
  gtk_grid_set_row_spacing (grid, 4);
  gtk_widget_set_margin_top (GTK_WIDGET (grid), 6);
  add_field (grid, row++, _("Category"), wg_context_category_label (self->context, r->category));
  {
    g_autofree char *location = g_strdup_printf ("%s\n%.5f, %.5f",
                                                 r->grid != NULL ? wg_context_grid_label (self->context, r->grid)
                                                                 : _("Outside the street"),
                                                 r->lat, r->lon);
    add_field (grid, row++, _("Location"), location);
  }
  if (report_body != NULL)
    {
      const char *source = json_object_get_string_member_with_default (report_body, "source", NULL);
      JsonNode *caller_node = json_object_get_member (report_body, "caller");

      if (source != NULL)
        add_field (grid, row++, _("Source"), wg_source_label (source));
      if (caller_node != NULL && JSON_NODE_HOLDS_OBJECT (caller_node))
        {
          JsonObject *caller = json_node_get_object (caller_node);
          const char *name = json_object_get_string_member_with_default (caller, "name", "");
          const char *phone = json_object_get_string_member_with_default (caller, "phone", "");
          g_autofree char *shown_phone = may_see_caller (actor) ? g_strdup (phone) : mask_phone (phone);

          self->caller_text = g_strdup_printf ("%s %s", name, shown_phone);
          g_strstrip (self->caller_text);
          add_field (grid, row++, _("Caller"), self->caller_text);
        }
    }
  add_field (grid, row++, _("Reporter"), r->reporter ?: "");
  {
    g_autofree char *at = wg_format_time_of_day (r->reported_at, zone);
    add_field (grid, row++, _("Reported"), at);
  }
  if (r->department != NULL)
    add_field (grid, row++, _("Department"), wg_context_department_label (self->context, r->department));
  if (r->alarm != WG_ALARM_NONE)
    {
      const char *alarm = r->alarm == WG_ALARM_ACKNOWLEDGED ? _("Acknowledged")
                          : r->alarm == WG_ALARM_ESCALATED ? _("Escalated, not acknowledged")
                          : _("Raised, not acknowledged");
      GtkWidget *value = add_field (grid, row++, _("Alarm"), alarm);

      if (r->alarm != WG_ALARM_ACKNOWLEDGED && wg_incident_state_is_open (r->state))
        gtk_widget_add_css_class (value, "error");
    }
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (grid));

  /* Photos, all of them (the timeline shows each with its event) */
  if (self->photo_ids[0] != NULL && wg_context_get_attachment_cache (self->context) != NULL)
    {
      gtk_box_append (GTK_BOX (box), section_title (_("Photos")));
      gtk_box_append (GTK_BOX (box), thumbnail_strip (self, (const char * const *) self->photo_ids, 90));
    }

  /* Assignments */
  assignments = wg_assignment_list_get_records (self->assignments);
  if (assignments->len > 0)
    {
      gtk_box_append (GTK_BOX (box), section_title (_("Assignments")));
      list = gtk_list_box_new ();
      gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
      gtk_widget_add_css_class (list, "boxed-list");
      for (guint i = 0; i < assignments->len; i++)
        {
          WgAssignmentRecord *a = assignments->pdata[i];
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
          gtk_list_box_append (GTK_LIST_BOX (list), arow);
        }
      gtk_box_append (GTK_BOX (box), list);
    }

  /* Timeline, oldest first */
  gtk_box_append (GTK_BOX (box), section_title (_("Timeline")));
  list = gtk_list_box_new ();
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "timeline");
  gtk_list_box_bind_model (GTK_LIST_BOX (list), G_LIST_MODEL (self->timeline),
                           timeline_row_new, self, NULL);
  self->n_timeline_rows = g_list_model_get_n_items (G_LIST_MODEL (self->timeline));
  gtk_box_append (GTK_BOX (box), list);

  self->content = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->content), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->content), box);
  gtk_stack_add_named (GTK_STACK (self->stack), self->content, "incident");
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "incident");
  update_timers (self);
}

/* A force: who, what, where last seen, and its status for those who may
 * set it (unit.status). */
static void
rebuild_unit (WgDetailPane *self)
{
  GtkWidget *detail;

  /* The same force again (after events): its card re-reads itself. */
  if (self->unit_detail != NULL && self->content != NULL
      && g_strcmp0 (wg_unit_detail_get_unit (self->unit_detail), self->unit) == 0)
    {
      wg_unit_detail_update (self->unit_detail);
      return;
    }
  self->step_label = NULL;
  g_ptr_array_set_size (self->assignment_rows, 0);
  drop_content (self);
  detail = wg_unit_detail_new (self->context, self->unit);
  if (detail == NULL)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      return;
    }
  self->unit_detail = WG_UNIT_DETAIL (detail);
  self->content = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (self->content), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (self->content), detail);
  gtk_stack_add_named (GTK_STACK (self->stack), self->content, "unit");
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "unit");
}

/* The buttons the moment calls for (wg-action-table.c) and a menu with the
 * rest of what is allowed now: no wall of greyed buttons. */
static void
update_buttons (WgDetailPane *self)
{
  g_autoptr(GPtrArray) primary = g_ptr_array_new ();
  g_autoptr(GPtrArray) more = g_ptr_array_new ();
  g_autoptr(GString) shown = g_string_new (NULL);
  g_autoptr(GMenu) menu = NULL;
  GtkWidget *child;

  if (self->incident != NULL)
    wg_incident_actions_get_shown (self->actions, primary, more);
  for (guint i = 0; i < primary->len; i++)
    g_string_append_printf (shown, "%s ", ((const WgIncidentActionEntry *) primary->pdata[i])->name);
  g_string_append_c (shown, '|');
  for (guint i = 0; i < more->len; i++)
    g_string_append_printf (shown, " %s", ((const WgIncidentActionEntry *) more->pdata[i])->name);
  gtk_widget_set_visible (self->actions_box, primary->len + more->len > 0);
  /* Rebuilt only when they change: a live update keeps the focus. */
  if (g_strcmp0 (self->shown, shown->str) == 0)
    return;
  g_free (self->shown);
  self->shown = g_strdup (shown->str);

  g_hash_table_remove_all (self->buttons);
  while ((child = gtk_widget_get_first_child (self->primary_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->primary_box), child);
  for (guint i = 0; i < primary->len; i++)
    {
      const WgIncidentActionEntry *entry = primary->pdata[i];
      g_autofree char *action = g_strdup_printf ("incident.%s", entry->name);
      g_autofree char *tooltip = NULL;
      GtkWidget *button = gtk_button_new_with_label (wg_command_label (entry->command));
      guint key;
      GdkModifierType mods;

      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
      if (gtk_accelerator_parse (entry->accel, &key, &mods))
        {
          g_autofree char *label = gtk_accelerator_get_label (key, mods);
          /* TRANSLATORS: an action's button tooltip: its name and its key */
          tooltip = g_strdup_printf (_("%s (key %s)"), wg_command_label (entry->command), label);
          gtk_widget_set_tooltip_text (button, tooltip);
        }
      gtk_widget_set_hexpand (button, TRUE);
      if (entry->command == WG_CMD_INCIDENT_CANCEL)
        gtk_widget_add_css_class (button, "destructive-action");
      else if (i == 0)
        gtk_widget_add_css_class (button, "suggested-action");
      g_hash_table_insert (self->buttons, (gpointer) entry->name, button);
      gtk_box_append (GTK_BOX (self->primary_box), button);
    }

  menu = g_menu_new ();
  for (guint i = 0; i < more->len; i++)
    {
      const WgIncidentActionEntry *entry = more->pdata[i];
      g_autofree char *action = g_strdup_printf ("incident.%s", entry->name);
      g_autoptr(GMenuItem) item = g_menu_item_new (wg_command_label (entry->command), action);

      g_menu_item_set_attribute (item, "accel", "s", entry->accel);
      g_menu_append_item (menu, item);
    }
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->more_button), G_MENU_MODEL (menu));
  gtk_widget_set_visible (self->more_button, more->len > 0);
}

static void
selection_changed_cb (WgDetailPane *self)
{
  g_free (self->incident);
  self->incident = g_strdup (wg_view_model_get_selected_incident (wg_context_get_view_model (self->context)));
  drop_content (self);
  wg_timeline_model_set_incident (self->timeline, self->incident);
  wg_assignment_list_set_incident (self->assignments, self->incident);
  if (self->incident != NULL)
    g_clear_pointer (&self->unit, g_free);
  if (self->incident == NULL && self->unit != NULL)
    rebuild_unit (self);
  else
    rebuild (self);
  update_buttons (self);
}

static void
unit_selection_changed_cb (WgDetailPane *self)
{
  const char *unit = wg_view_model_get_selected_unit (wg_context_get_view_model (self->context));

  if (unit == NULL)
    return;
  /* The last thing picked is what the pane shows. */
  g_free (self->unit);
  self->unit = g_strdup (unit);
  g_clear_pointer (&self->incident, g_free);
  drop_content (self);
  wg_timeline_model_set_incident (self->timeline, NULL);
  wg_assignment_list_set_incident (self->assignments, NULL);
  rebuild_unit (self);
  update_buttons (self);
}

static void
events_applied_cb (WgDetailPane *self,
                   GPtrArray    *events)
{
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (self->incident != NULL && g_strcmp0 (event->incident, self->incident) == 0)
        {
          rebuild (self);
          break;
        }
      if (self->unit != NULL && (g_strcmp0 (event->subject, self->unit) == 0 ||
                                 g_strcmp0 (json_object_get_string_member_with_default (event->body, "unit", NULL),
                                            self->unit) == 0))
        {
          rebuild_unit (self);
          break;
        }
    }
  update_buttons (self);
}

static void
build_actions (WgDetailPane *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->primary_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_set_homogeneous (GTK_BOX (self->primary_box), TRUE);
  gtk_widget_set_hexpand (self->primary_box, TRUE);
  gtk_box_append (GTK_BOX (row), self->primary_box);

  self->more_button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (self->more_button), "view-more-symbolic");
  gtk_widget_set_tooltip_text (self->more_button, _("More Actions"));
  gtk_box_append (GTK_BOX (row), self->more_button);

  self->actions_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_add_css_class (self->actions_box, "detail-actions");
  gtk_box_append (GTK_BOX (self->actions_box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_box_append (GTK_BOX (self->actions_box), row);
  gtk_widget_set_margin_top (row, 8);
  gtk_widget_set_margin_bottom (row, 8);
  gtk_widget_set_margin_start (row, 8);
  gtk_widget_set_margin_end (row, 8);
}

static void
wg_detail_pane_dispose (GObject *object)
{
  WgDetailPane *self = WG_DETAIL_PANE (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_ptr_array_set_size (self->strips, 0);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (wg_context_get_view_model (self->context), self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->context);
  g_clear_object (&self->model);
  g_clear_object (&self->actions);
  g_clear_object (&self->timeline);

  G_OBJECT_CLASS (wg_detail_pane_parent_class)->dispose (object);
}

static void
wg_detail_pane_finalize (GObject *object)
{
  WgDetailPane *self = WG_DETAIL_PANE (object);

  g_clear_pointer (&self->incident, g_free);
  g_clear_pointer (&self->unit, g_free);
  g_clear_pointer (&self->buttons, g_hash_table_unref);
  g_clear_pointer (&self->shown, g_free);
  g_clear_pointer (&self->assignment_rows, g_ptr_array_unref);
  g_clear_object (&self->assignments);
  g_clear_pointer (&self->caller_text, g_free);
  g_clear_pointer (&self->thumbs, g_hash_table_unref);
  g_clear_pointer (&self->thumbs_loading, g_hash_table_unref);
  g_clear_pointer (&self->strips, g_ptr_array_unref);
  g_clear_pointer (&self->photo_ids, g_strfreev);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (wg_detail_pane_parent_class)->finalize (object);
}

static void
wg_detail_pane_class_init (WgDetailPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_detail_pane_dispose;
  object_class->finalize = wg_detail_pane_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "detail-pane");
}

static void
wg_detail_pane_init (WgDetailPane *self)
{
  self->buttons = g_hash_table_new (g_str_hash, g_str_equal);
  self->assignment_rows = g_ptr_array_new_with_free_func (g_free);
  self->thumbs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->thumbs_loading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->strips = g_ptr_array_new_with_free_func (g_object_unref);
  self->cancellable = g_cancellable_new ();
  gtk_orientable_set_orientation (GTK_ORIENTABLE (gtk_widget_get_layout_manager (GTK_WIDGET (self))),
                                  GTK_ORIENTATION_VERTICAL);
}

GtkWidget *
wg_detail_pane_new (WgContext         *context,
                    WgIncidentModel   *model,
                    WgIncidentActions *actions)
{
  WgDetailPane *self;
  GtkWidget *empty;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (model), NULL);
  g_return_val_if_fail (WG_IS_INCIDENT_ACTIONS (actions), NULL);

  self = g_object_new (WG_TYPE_DETAIL_PANE, NULL);
  self->context = g_object_ref (context);
  self->model = g_object_ref (model);
  self->actions = g_object_ref (actions);
  self->timeline = wg_timeline_model_new (context);
  self->assignments = wg_assignment_list_new (context);

  self->stack = gtk_stack_new ();
  gtk_widget_set_vexpand (self->stack, TRUE);
  gtk_widget_set_parent (self->stack, GTK_WIDGET (self));
  empty = adw_status_page_new ();
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (empty), "view-list-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (empty), _("No Incident Selected"));
  adw_status_page_set_description (ADW_STATUS_PAGE (empty),
                                   _("Pick an incident on the board or on the map."));
  gtk_widget_add_css_class (empty, "compact");
  gtk_stack_add_named (GTK_STACK (self->stack), empty, "empty");

  build_actions (self);
  gtk_widget_set_parent (self->actions_box, GTK_WIDGET (self));

  g_signal_connect_object (wg_context_get_view_model (context), "notify::selected-incident",
                           G_CALLBACK (selection_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (wg_context_get_view_model (context), "notify::selected-unit",
                           G_CALLBACK (unit_selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (actions, "changed", G_CALLBACK (update_buttons), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wg_context_get_clock (context), "tick", G_CALLBACK (update_timers), self,
                           G_CONNECT_SWAPPED);
  selection_changed_cb (self);
  return GTK_WIDGET (self);
}

GtkWidget *
wg_detail_pane_get_action_button (WgDetailPane *self,
                                  const char   *action_name)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return g_hash_table_lookup (self->buttons, action_name);
}

GMenuModel *
wg_detail_pane_get_more_menu (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return gtk_widget_get_visible (self->more_button)
         ? gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (self->more_button)) : NULL;
}

GtkWidget *
wg_detail_pane_get_unit_status_button (WgDetailPane *self,
                                       const char   *status)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return self->unit_detail != NULL ? wg_unit_detail_get_status_button (self->unit_detail, status) : NULL;
}

const char *
wg_detail_pane_get_unit (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return self->unit;
}

const char *
wg_detail_pane_get_caller_text (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return self->caller_text;
}

GListModel *
wg_detail_pane_get_timeline (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return G_LIST_MODEL (self->timeline);
}

guint
wg_detail_pane_get_n_timeline_rows (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), 0);
  return self->n_timeline_rows;
}

guint
wg_detail_pane_get_n_late_assignments (WgDetailPane *self)
{
  guint n = 0;

  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), 0);

  for (guint i = 0; i < self->assignment_rows->len; i++)
    {
      AssignmentRow *a = self->assignment_rows->pdata[i];
      if (gtk_widget_has_css_class (a->row, "late"))
        n++;
    }
  return n;
}

guint
wg_detail_pane_get_n_photos (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), 0);
  return self->photo_ids != NULL ? g_strv_length (self->photo_ids) : 0;
}

guint
wg_detail_pane_get_n_thumbnails_shown (WgDetailPane *self)
{
  guint n = 0;

  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), 0);
  for (guint i = 0; i < self->strips->len; i++)
    n += wg_photo_strip_get_n_shown (self->strips->pdata[i]);
  return n;
}

GtkWidget *
wg_detail_pane_get_thumbnail_button (WgDetailPane *self,
                                     guint         index)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  for (guint i = 0; i < self->strips->len; i++)
    {
      guint n = g_strv_length ((char **) wg_photo_strip_get_ids (self->strips->pdata[i]));

      if (index < n)
        return wg_photo_strip_get_button (self->strips->pdata[i], index);
      index -= n;
    }
  return NULL;
}
