/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-detail-pane"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wg-console-util.h"
#include "wg-decide.h"
#include "wg-detail-pane.h"
#include "wg-incident-detail.h"
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
  WgAssignmentList  *assignments;    /* the incident's assignments */

  GtkWidget         *stack;
  GtkWidget         *incident_page;  /* a scrolled WgIncidentDetail, built on first use */
  WgIncidentDetail  *incident_detail;
  GtkWidget         *content;        /* the force's, rebuilt per force */
  GtkWidget         *actions_box;
  GtkWidget         *primary_box;    /* the action table's buttons */
  GtkWidget         *more_button;    /* the other allowed actions, with keys */
  GHashTable        *buttons;        /* action name -> GtkButton shown now */
  char              *shown;          /* the shown actions, to rebuild on change only */
  WgUnitDetail      *unit_detail;    /* the force shown, in content */
};

G_DEFINE_FINAL_TYPE (WgDetailPane, wg_detail_pane, GTK_TYPE_WIDGET)

/* The force's card goes before another force or an incident shows. */
static void
drop_content (WgDetailPane *self)
{
  self->unit_detail = NULL;
  if (self->content != NULL)
    gtk_stack_remove (GTK_STACK (self->stack), self->content);
  self->content = NULL;
}

static GtkWidget *
scrolled (GtkWidget *child)
{
  GtkWidget *window = gtk_scrolled_window_new ();

  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (window), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (window), child);
  return window;
}

/* The incident the timeline model holds, shown in place: the detail is
 * built once (on the first selection, not before the window's first
 * frame) and updated from its view-models after that. */
static void
show_incident (WgDetailPane *self)
{
  if (self->incident == NULL || wg_incident_model_lookup (self->model, self->incident) == NULL)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      return;
    }
  if (self->incident_detail == NULL)
    {
      GtkWidget *detail = wg_incident_detail_new (self->context, self->model, self->timeline,
                                                  self->assignments);

      self->incident_detail = WG_INCIDENT_DETAIL (detail);
      self->incident_page = scrolled (detail);
      gtk_stack_add_named (GTK_STACK (self->stack), self->incident_page, "incident");
    }
  wg_incident_detail_update (self->incident_detail);
  gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "incident");
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
  drop_content (self);
  detail = wg_unit_detail_new (self->context, self->unit);
  if (detail == NULL)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->stack), "empty");
      return;
    }
  self->unit_detail = WG_UNIT_DETAIL (detail);
  self->content = scrolled (detail);
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
    show_incident (self);
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

      /* In place: the timeline model has added the new events' rows. */
      if (self->incident != NULL && g_strcmp0 (event->incident, self->incident) == 0)
        {
          show_incident (self);
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

  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (wg_context_get_view_model (self->context), self);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->context);
  g_clear_object (&self->model);
  g_clear_object (&self->actions);
  g_clear_object (&self->timeline);
  g_clear_object (&self->assignments);

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

/* The incident detail when it shows, else NULL. */
static WgIncidentDetail *
shown_incident_detail (WgDetailPane *self)
{
  return self->incident_detail != NULL
         && gtk_stack_get_visible_child (GTK_STACK (self->stack)) == self->incident_page
         ? self->incident_detail : NULL;
}

GtkWidget *
wg_detail_pane_get_incident_detail (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return GTK_WIDGET (shown_incident_detail (self));
}

const char *
wg_detail_pane_get_caller_text (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return shown_incident_detail (self) != NULL
         ? wg_incident_detail_get_caller_text (self->incident_detail) : NULL;
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
  return shown_incident_detail (self) != NULL
         ? wg_incident_detail_get_n_timeline_rows (self->incident_detail) : 0;
}

guint
wg_detail_pane_get_n_late_assignments (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), 0);
  return shown_incident_detail (self) != NULL
         ? wg_incident_detail_get_n_late_assignments (self->incident_detail) : 0;
}

guint
wg_detail_pane_get_n_photos (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), 0);
  return shown_incident_detail (self) != NULL
         ? wg_incident_detail_get_n_photos (self->incident_detail) : 0;
}

guint
wg_detail_pane_get_n_thumbnails_shown (WgDetailPane *self)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), 0);
  return shown_incident_detail (self) != NULL
         ? wg_incident_detail_get_n_thumbnails_shown (self->incident_detail) : 0;
}

GtkWidget *
wg_detail_pane_get_thumbnail_button (WgDetailPane *self,
                                     guint         index)
{
  g_return_val_if_fail (WG_IS_DETAIL_PANE (self), NULL);
  return shown_incident_detail (self) != NULL
         ? wg_incident_detail_get_thumbnail_button (self->incident_detail, index) : NULL;
}
