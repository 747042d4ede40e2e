/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-incident-model"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-incident-model.h"
#include "wg-map-incident.h"

struct _WgIncidentModel
{
  GObject     parent_instance;

  WgContext  *context;
  GPtrArray  *items;     /* WgIncidentItem* */
  GHashTable *index;     /* id -> position + 1 (items are never removed) */
  GListStore *map_items; /* WgMapIncident*, same positions */
  guint       n_changes;
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WgIncidentModel, wg_incident_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return WG_TYPE_INCIDENT_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return WG_INCIDENT_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  WgIncidentModel *self = WG_INCIDENT_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

/* Who works on it now: the forces of its open assignments, else the
 * department it is routed to. */
static char *
describe_assignee (WgIncidentModel        *self,
                   const WgIncidentRecord *record)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) assignments = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  guint n_open = 0;

  assignments = wg_store_list_assignments (wg_context_get_store (self->context), record->id, &error);
  if (assignments == NULL)
    {
      g_warning ("Could not read the assignments of %s: %s", record->id, error->message);
      return NULL;
    }
  for (guint i = 0; i < assignments->len; i++)
    {
      WgAssignmentRecord *a = assignments->pdata[i];

      if (!wg_assignment_state_is_open (a->state))
        continue;
      if (n_open < 2)
        {
          if (text->len > 0)
            g_string_append (text, ", ");
          g_string_append (text, wg_context_force_label (self->context, a->unit));
        }
      n_open++;
    }
  if (n_open > 2)
    g_string_append_printf (text, " +%u", n_open - 2);
  if (n_open == 0 && record->department != NULL)
    g_string_append (text, wg_context_department_label (self->context, record->department));
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

static WgMapGrade
map_grade (WgGrade grade)
{
  switch (grade)
    {
    case WG_GRADE_EMERGENCY:
      return WG_MAP_GRADE_EMERGENCY;
    case WG_GRADE_PROFESSIONAL:
      return WG_MAP_GRADE_PROFESSIONAL;
    case WG_GRADE_GENERAL:
    case WG_N_GRADES:
    default:
      return WG_MAP_GRADE_GENERAL;
    }
}

static void
sync_map_item (WgMapIncident          *map_item,
               const WgIncidentRecord *record,
               WgContext              *context)
{
  g_autofree char *summary = g_strdup_printf ("%s · %s",
                                              wg_context_category_label (context, record->category),
                                              record->summary ?: "");

  wg_map_incident_set_grade (map_item, map_grade (record->grade));
  wg_map_incident_set_location (map_item, record->lat, record->lon);
  wg_map_incident_set_summary (map_item, summary);
  wg_map_incident_set_state (map_item, wg_incident_state_to_string (record->state));
  wg_map_incident_set_acknowledged (map_item,
                                    record->alarm != WG_ALARM_RAISED &&
                                    record->alarm != WG_ALARM_ESCALATED);
}

static void
append_record (WgIncidentModel  *self,
               WgIncidentRecord *record)
{
  g_autofree char *assignee = describe_assignee (self, record);
  g_autoptr(WgMapIncident) map_item = wg_map_incident_new (record->id, record->case_number,
                                                           map_grade (record->grade),
                                                           record->lat, record->lon);
  WgIncidentItem *item;

  sync_map_item (map_item, record, self->context);
  item = wg_incident_item_new (record, assignee);
  g_ptr_array_add (self->items, item);
  g_hash_table_insert (self->index, g_strdup (wg_incident_item_get_id (item)),
                       GUINT_TO_POINTER (self->items->len));
  g_list_store_append (self->map_items, map_item);
}

static void
refresh_incident (WgIncidentModel *self,
                  const char      *id)
{
  g_auto(WgIncidentRecord) record = { 0 };
  g_autoptr(GError) error = NULL;
  gpointer value;

  if (!wg_store_get_incident (wg_context_get_store (self->context), id, &record, &error))
    {
      if (error != NULL)
        g_warning ("Could not read incident %s: %s", id, error->message);
      return;
    }

  if (g_hash_table_lookup_extended (self->index, id, NULL, &value))
    {
      guint position = GPOINTER_TO_UINT (value) - 1;
      WgIncidentItem *item = self->items->pdata[position];
      g_autofree char *assignee = describe_assignee (self, &record);
      g_autoptr(WgMapIncident) map_item = g_list_model_get_item (G_LIST_MODEL (self->map_items),
                                                                 position);

      sync_map_item (map_item, &record, self->context);
      if (wg_incident_item_update (item, &record, assignee))
        {
          self->n_changes++;
          g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 1);
        }
    }
  else
    {
      append_record (self, &record);
      self->n_changes++;
      g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
    }
}

static void
events_applied_cb (WgIncidentModel *self,
                   GPtrArray       *events)
{
  g_autoptr(GPtrArray) touched = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  /* Each incident once per batch, in the order it first appears. */
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->incident == NULL || event->exercise != NULL)
        continue;
      if (g_hash_table_add (seen, event->incident))
        g_ptr_array_add (touched, event->incident);
    }
  for (guint i = 0; i < touched->len; i++)
    refresh_incident (self, touched->pdata[i]);
}

static void
wg_incident_model_dispose (GObject *object)
{
  WgIncidentModel *self = WG_INCIDENT_MODEL (object);

  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (wg_incident_model_parent_class)->dispose (object);
}

static void
wg_incident_model_finalize (GObject *object)
{
  WgIncidentModel *self = WG_INCIDENT_MODEL (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->index, g_hash_table_unref);
  g_clear_object (&self->map_items);

  G_OBJECT_CLASS (wg_incident_model_parent_class)->finalize (object);
}

static void
wg_incident_model_class_init (WgIncidentModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_incident_model_dispose;
  object_class->finalize = wg_incident_model_finalize;
}

static void
wg_incident_model_init (WgIncidentModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->map_items = g_list_store_new (WG_TYPE_MAP_INCIDENT);
}

static int
compare_reported (gconstpointer a,
                  gconstpointer b)
{
  const WgIncidentRecord *ra = *(WgIncidentRecord * const *) a;
  const WgIncidentRecord *rb = *(WgIncidentRecord * const *) b;

  if (ra->reported_at != rb->reported_at)
    return ra->reported_at < rb->reported_at ? -1 : 1;
  return g_strcmp0 (ra->id, rb->id);
}

WgIncidentModel *
wg_incident_model_new (WgContext *context)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  WgIncidentModel *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);

  self = g_object_new (WG_TYPE_INCIDENT_MODEL, NULL);
  self->context = g_object_ref (context);

  records = wg_store_list_incidents (wg_context_get_store (context), FALSE, &error);
  if (records == NULL)
    g_warning ("Could not read the incidents: %s", error->message);
  else
    {
      g_ptr_array_sort (records, compare_reported);
      for (guint i = 0; i < records->len; i++)
        append_record (self, records->pdata[i]);
    }

  g_signal_connect_object (context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}

WgIncidentItem *
wg_incident_model_lookup (WgIncidentModel *self,
                          const char      *id)
{
  gpointer value;

  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (self), NULL);

  if (id == NULL || !g_hash_table_lookup_extended (self->index, id, NULL, &value))
    return NULL;
  return self->items->pdata[GPOINTER_TO_UINT (value) - 1];
}

GListModel *
wg_incident_model_get_map_model (WgIncidentModel *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (self), NULL);
  return G_LIST_MODEL (self->map_items);
}

guint
wg_incident_model_get_n_changes (WgIncidentModel *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (self), 0);
  return self->n_changes;
}
