/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-incident-item"

#include "config.h"

#include "wg-incident-item.h"

struct _WgIncidentItem
{
  GObject           parent_instance;

  WgIncidentRecord  record;
  char             *assignee;
  GStrv             units;    /* of its open assignments, for the board's "Mine" */
};

G_DEFINE_FINAL_TYPE (WgIncidentItem, wg_incident_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CASE_NUMBER,
  PROP_GRADE,
  PROP_STATE,
  PROP_ALARM,
  PROP_CATEGORY,
  PROP_GRID,
  PROP_SUMMARY,
  PROP_DEADLINE,
  PROP_OVERDUE,
  PROP_ASSIGNEE,
  PROP_UPDATED_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
wg_incident_item_finalize (GObject *object)
{
  WgIncidentItem *self = WG_INCIDENT_ITEM (object);

  wg_incident_record_clear (&self->record);
  g_clear_pointer (&self->assignee, g_free);
  g_clear_pointer (&self->units, g_strfreev);

  G_OBJECT_CLASS (wg_incident_item_parent_class)->finalize (object);
}

static void
wg_incident_item_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  WgIncidentItem *self = WG_INCIDENT_ITEM (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->record.id);
      break;
    case PROP_CASE_NUMBER:
      g_value_set_string (value, self->record.case_number);
      break;
    case PROP_GRADE:
      g_value_set_int (value, self->record.grade);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->record.state);
      break;
    case PROP_ALARM:
      g_value_set_int (value, self->record.alarm);
      break;
    case PROP_CATEGORY:
      g_value_set_string (value, self->record.category);
      break;
    case PROP_GRID:
      g_value_set_string (value, self->record.grid);
      break;
    case PROP_SUMMARY:
      g_value_set_string (value, self->record.summary);
      break;
    case PROP_DEADLINE:
      g_value_set_int64 (value, self->record.deadline);
      break;
    case PROP_OVERDUE:
      g_value_set_boolean (value, self->record.overdue);
      break;
    case PROP_ASSIGNEE:
      g_value_set_string (value, self->assignee);
      break;
    case PROP_UPDATED_AT:
      g_value_set_int64 (value, self->record.updated_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_incident_item_class_init (WgIncidentItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = wg_incident_item_finalize;
  object_class->get_property = wg_incident_item_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_CASE_NUMBER] = g_param_spec_string ("case-number", NULL, NULL, NULL, flags);
  properties[PROP_GRADE] = g_param_spec_int ("grade", NULL, NULL, 0, WG_N_GRADES, 0, flags);
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, WG_N_STATES, 0, flags);
  properties[PROP_ALARM] = g_param_spec_int ("alarm", NULL, NULL, 0, WG_N_ALARM_STATES, 0, flags);
  properties[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, NULL, flags);
  properties[PROP_GRID] = g_param_spec_string ("grid", NULL, NULL, NULL, flags);
  properties[PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL, flags);
  properties[PROP_DEADLINE] = g_param_spec_int64 ("deadline", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_OVERDUE] = g_param_spec_boolean ("overdue", NULL, NULL, FALSE, flags);
  properties[PROP_ASSIGNEE] = g_param_spec_string ("assignee", NULL, NULL, NULL, flags);
  properties[PROP_UPDATED_AT] = g_param_spec_int64 ("updated-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wg_incident_item_init (WgIncidentItem *self)
{
}

WgIncidentItem *
wg_incident_item_new (WgIncidentRecord *record,
                      const char       *assignee)
{
  WgIncidentItem *self;

  g_return_val_if_fail (record != NULL && record->id != NULL, NULL);

  self = g_object_new (WG_TYPE_INCIDENT_ITEM, NULL);
  self->record = *record;
  memset (record, 0, sizeof *record);
  self->assignee = g_strdup (assignee);
  return self;
}

gboolean
wg_incident_item_set_units (WgIncidentItem *self,
                            GPtrArray      *units)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) strv = NULL;

  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), FALSE);

  for (guint i = 0; units != NULL && i < units->len; i++)
    g_strv_builder_add (builder, units->pdata[i]);
  strv = g_strv_builder_end (builder);
  if (self->units != NULL && g_strv_equal ((const char * const *) self->units, (const char * const *) strv))
    return FALSE;
  g_strfreev (self->units);
  self->units = g_steal_pointer (&strv);
  return TRUE;
}

gboolean
wg_incident_item_has_unit (WgIncidentItem *self,
                           const char     *unit)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), FALSE);
  return self->units != NULL && unit != NULL && g_strv_contains ((const char * const *) self->units, unit);
}

#define STR_CHANGED(field, prop) \
  if (g_strcmp0 (old.field, self->record.field) != 0) changed[n_changed++] = prop
#define VAL_CHANGED(field, prop) \
  if (old.field != self->record.field) changed[n_changed++] = prop

/**
 * wg_incident_item_update:
 *
 * Returns: whether anything the board shows changed
 */
gboolean
wg_incident_item_update (WgIncidentItem   *self,
                         WgIncidentRecord *record,
                         const char       *assignee)
{
  g_auto(WgIncidentRecord) old = self->record;
  guint changed[N_PROPS];
  guint n_changed = 0;
  gboolean other = FALSE;

  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), FALSE);
  g_return_val_if_fail (record != NULL && g_strcmp0 (record->id, self->record.id) == 0, FALSE);

  self->record = *record;
  memset (record, 0, sizeof *record);

  STR_CHANGED (case_number, PROP_CASE_NUMBER);
  VAL_CHANGED (grade, PROP_GRADE);
  VAL_CHANGED (state, PROP_STATE);
  VAL_CHANGED (alarm, PROP_ALARM);
  STR_CHANGED (category, PROP_CATEGORY);
  STR_CHANGED (grid, PROP_GRID);
  STR_CHANGED (summary, PROP_SUMMARY);
  VAL_CHANGED (deadline, PROP_DEADLINE);
  VAL_CHANGED (overdue, PROP_OVERDUE);
  VAL_CHANGED (updated_at, PROP_UPDATED_AT);
  if (g_strcmp0 (assignee, self->assignee) != 0)
    {
      g_free (self->assignee);
      self->assignee = g_strdup (assignee);
      changed[n_changed++] = PROP_ASSIGNEE;
    }
  /* Fields the board does not show as such but filters on. */
  other = g_strcmp0 (old.department, self->record.department) != 0 ||
          old.step != self->record.step ||
          old.alarm_escalations != self->record.alarm_escalations ||
          old.lat != self->record.lat || old.lon != self->record.lon;

  for (guint i = 0; i < n_changed; i++)
    g_object_notify_by_pspec (G_OBJECT (self), properties[changed[i]]);

  return n_changed > 0 || other;
}

#undef STR_CHANGED
#undef VAL_CHANGED

const WgIncidentRecord *
wg_incident_item_get_record (WgIncidentItem *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), NULL);
  return &self->record;
}

const char *
wg_incident_item_get_id (WgIncidentItem *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), NULL);
  return self->record.id;
}

const char *
wg_incident_item_get_case_number (WgIncidentItem *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), NULL);
  return self->record.case_number;
}

const char *
wg_incident_item_get_assignee (WgIncidentItem *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), NULL);
  return self->assignee;
}

gboolean
wg_incident_item_is_open (WgIncidentItem *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), FALSE);
  return wg_incident_state_is_open (self->record.state);
}

gboolean
wg_incident_item_is_unacknowledged (WgIncidentItem *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), FALSE);
  return wg_incident_state_is_open (self->record.state) &&
         (self->record.alarm == WG_ALARM_RAISED || self->record.alarm == WG_ALARM_ESCALATED);
}

gboolean
wg_incident_item_is_overdue (WgIncidentItem *self,
                             gint64          now_ms)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ITEM (self), FALSE);
  return wg_incident_state_is_open (self->record.state) &&
         (self->record.overdue || (self->record.deadline > 0 && self->record.deadline <= now_ms));
}
