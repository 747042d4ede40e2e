/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-unit-detail"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-console-util.h"
#include "wg-decide.h"
#include "wg-unit-detail.h"
#include "wg-unit-state.h"

struct _WgUnitDetail
{
  GtkWidget   parent_instance;

  /* template */
  GtkWidget  *box;
  GtkLabel   *title;
  GtkWidget  *grid_key;
  GtkLabel   *grid_value;
  GtkWidget  *status_key;
  GtkLabel   *status_value;
  GtkWidget  *open_key;
  GtkLabel   *open_value;
  GtkLabel   *kind_value;
  GtkLabel   *position_value;
  GtkWidget  *status_buttons;

  WgContext  *context;
  WgForce    *force;        /* the reference's */
  WgUnitState *state;       /* its record in the cache, a view-model */
  GHashTable *buttons;      /* status slug -> GtkButton */
};

G_DEFINE_FINAL_TYPE (WgUnitDetail, wg_unit_detail, GTK_TYPE_WIDGET)

static void
status_clicked_cb (GtkButton    *button,
                   WgUnitDetail *self)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  json_object_set_string_member (body, "unit", self->force->id);
  json_object_set_string_member (body, "status", g_object_get_data (G_OBJECT (button), "wg-status"));
  id = wg_context_send (self->context, WG_CMD_UNIT_STATUS, body, &error);
  if (id == NULL)
    gtk_widget_set_tooltip_text (GTK_WIDGET (button), error->message);
}

void
wg_unit_detail_update (WgUnitDetail *self)
{
  const WgActor *actor;
  const WgUnitRecord *record;
  g_autofree char *ago = NULL;
  g_autofree char *where = NULL;
  GtkWidget *child;
  gboolean known;
  double lat, lon;
  gint64 age;

  g_return_if_fail (WG_IS_UNIT_DETAIL (self));

  actor = wg_context_get_actor (self->context);
  record = wg_unit_state_get_record (self->state);
  known = record != NULL;
  gtk_widget_set_visible (self->status_key, known);
  gtk_widget_set_visible (GTK_WIDGET (self->status_value), known);
  gtk_widget_set_visible (self->open_key, known);
  gtk_widget_set_visible (GTK_WIDGET (self->open_value), known);
  if (known)
    {
      g_autofree char *open = g_strdup_printf ("%u", record->open_assignments);

      gtk_label_set_label (self->status_value, wg_unit_status_label (record->status));
      gtk_label_set_label (self->open_value, open);
    }

  age = wg_context_force_position (self->context, self->force, &lat, &lon);
  ago = age >= 0 ? wg_format_duration (age) : NULL;
  where = age >= 0
          /* TRANSLATORS: coordinates, then how long ago */
          ? g_strdup_printf (_("%.5f, %.5f, %s ago"), lat, lon, ago)
          : g_strdup (_("No position reported; home shown"));
  gtk_label_set_label (self->position_value, where);

  g_hash_table_remove_all (self->buttons);
  while ((child = gtk_widget_get_first_child (self->status_buttons)) != NULL)
    gtk_box_remove (GTK_BOX (self->status_buttons), child);
  if (actor != NULL && known)
    {
      WgScope scope = actor->unit != NULL && g_strcmp0 (actor->unit, self->force->id) == 0
                      ? WG_SCOPE_OWN_UNIT : WG_SCOPE_NONE;

      for (WgUnitStatus st = 0; st < WG_N_UNIT_STATUSES && wg_decide_role_may (WG_CMD_UNIT_STATUS, actor->role, scope); st++)
        {
          GtkWidget *button = gtk_button_new_with_label (wg_unit_status_label (st));

          g_object_set_data (G_OBJECT (button), "wg-status", (gpointer) wg_unit_status_to_string (st));
          gtk_widget_set_sensitive (button, st != record->status);
          if (st == record->status)
            gtk_widget_set_tooltip_text (button, _("That is its status now"));
          g_signal_connect_object (button, "clicked", G_CALLBACK (status_clicked_cb), self, 0);
          gtk_box_append (GTK_BOX (self->status_buttons), button);
          g_hash_table_replace (self->buttons, (gpointer) wg_unit_status_to_string (st), button);
        }
    }
}

static void
wg_unit_detail_dispose (GObject *object)
{
  WgUnitDetail *self = WG_UNIT_DETAIL (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_UNIT_DETAIL);
  g_clear_object (&self->state);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (wg_unit_detail_parent_class)->dispose (object);
}

static void
wg_unit_detail_finalize (GObject *object)
{
  WgUnitDetail *self = WG_UNIT_DETAIL (object);

  g_clear_pointer (&self->buttons, g_hash_table_unref);
  G_OBJECT_CLASS (wg_unit_detail_parent_class)->finalize (object);
}

static void
wg_unit_detail_class_init (WgUnitDetailClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_unit_detail_dispose;
  object_class->finalize = wg_unit_detail_finalize;

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-unit-detail.ui");
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, box);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, title);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, kind_value);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, grid_key);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, grid_value);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, status_key);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, status_value);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, open_key);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, open_value);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, position_value);
  gtk_widget_class_bind_template_child (widget_class, WgUnitDetail, status_buttons);
}

static void
wg_unit_detail_init (WgUnitDetail *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->buttons = g_hash_table_new (g_str_hash, g_str_equal);
}

GtkWidget *
wg_unit_detail_new (WgContext  *context,
                    const char *unit)
{
  WgForce *force;
  WgUnitDetail *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (unit != NULL, NULL);

  force = wg_reference_lookup_force (wg_context_get_reference (context), unit);
  if (force == NULL)
    return NULL;
  self = g_object_new (WG_TYPE_UNIT_DETAIL, NULL);
  self->context = g_object_ref (context);
  self->force = force;
  self->state = wg_unit_state_new (context, force->id);
  g_signal_connect_object (self->state, "changed", G_CALLBACK (wg_unit_detail_update), self,
                           G_CONNECT_SWAPPED);

  if (force->title_zh != NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s · %s", force->name_zh, force->title_zh);
      gtk_label_set_label (self->title, text);
    }
  else
    gtk_label_set_label (self->title, force->name_zh);
  gtk_label_set_label (self->kind_value, wg_force_type_label (force->type));
  gtk_widget_set_visible (self->grid_key, force->grid != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->grid_value), force->grid != NULL);
  if (force->grid != NULL)
    gtk_label_set_label (self->grid_value, force->grid->name_zh);
  wg_unit_detail_update (self);
  return GTK_WIDGET (self);
}

const char *
wg_unit_detail_get_unit (WgUnitDetail *self)
{
  g_return_val_if_fail (WG_IS_UNIT_DETAIL (self), NULL);
  return self->force->id;
}

GtkWidget *
wg_unit_detail_get_status_button (WgUnitDetail *self,
                                  const char   *status)
{
  g_return_val_if_fail (WG_IS_UNIT_DETAIL (self), NULL);
  return g_hash_table_lookup (self->buttons, status);
}
