/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-state"

#include "config.h"

#include "wg-error.h"
#include "wg-json.h"
#include "wg-state.h"

void
wg_incident_record_clear (WgIncidentRecord *record)
{
  g_clear_pointer (&record->id, g_free);
  g_clear_pointer (&record->case_number, g_free);
  g_clear_pointer (&record->category, g_free);
  g_clear_pointer (&record->summary, g_free);
  g_clear_pointer (&record->grid, g_free);
  g_clear_pointer (&record->department, g_free);
  g_clear_pointer (&record->reporter, g_free);
}

void
wg_assignment_record_clear (WgAssignmentRecord *record)
{
  g_clear_pointer (&record->id, g_free);
  g_clear_pointer (&record->incident, g_free);
  g_clear_pointer (&record->unit, g_free);
}

void
wg_unit_record_clear (WgUnitRecord *record)
{
  g_clear_pointer (&record->id, g_free);
  g_clear_pointer (&record->type, g_free);
  g_clear_pointer (&record->name, g_free);
  g_clear_pointer (&record->home_grid, g_free);
  g_clear_pointer (&record->account, g_free);
}

static void
incident_record_free (gpointer data)
{
  wg_incident_record_clear (data);
  g_free (data);
}

static void
assignment_record_free (gpointer data)
{
  wg_assignment_record_clear (data);
  g_free (data);
}

static void
unit_record_free (gpointer data)
{
  wg_unit_record_clear (data);
  g_free (data);
}

GPtrArray *
wg_unit_record_array_new (void)
{
  return g_ptr_array_new_with_free_func (unit_record_free);
}

GPtrArray *
wg_incident_record_array_new (void)
{
  return g_ptr_array_new_with_free_func (incident_record_free);
}

GPtrArray *
wg_assignment_record_array_new (void)
{
  return g_ptr_array_new_with_free_func (assignment_record_free);
}

static gboolean
invalid (GError **error,
         const char *what)
{
  g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD, "bad %s", what);
  return FALSE;
}

JsonNode *
wg_incident_record_to_json (const WgIncidentRecord *r)
{
  JsonObject *o = json_object_new ();
  JsonObject *loc = json_object_new ();

  json_object_set_string_member (o, "id", r->id);
  wg_json_set_nullable_string (o, "case_number", r->case_number);
  json_object_set_string_member (o, "grade", wg_grade_to_string (r->grade));
  json_object_set_string_member (o, "state", wg_incident_state_to_string (r->state));
  wg_json_set_nullable_string (o, "category", r->category);
  wg_json_set_nullable_string (o, "summary", r->summary);
  wg_json_set_nullable_string (o, "grid", r->grid);
  wg_json_set_nullable_string (o, "department", r->department);
  json_object_set_double_member (loc, "lat", r->lat);
  json_object_set_double_member (loc, "lon", r->lon);
  json_object_set_object_member (o, "location", loc);
  wg_json_set_nullable_string (o, "reporter", r->reporter);
  json_object_set_int_member (o, "reported_at", r->reported_at);
  json_object_set_int_member (o, "updated_at", r->updated_at);
  wg_json_set_nullable_string (o, "step", r->step >= 0 ? wg_step_to_string (r->step) : NULL);
  if (r->deadline > 0)
    json_object_set_int_member (o, "deadline", r->deadline);
  else
    json_object_set_null_member (o, "deadline");
  json_object_set_boolean_member (o, "overdue", r->overdue);
  json_object_set_string_member (o, "alarm", wg_alarm_state_to_string (r->alarm));
  json_object_set_int_member (o, "alarm_changed_at", r->alarm_changed_at);
  json_object_set_int_member (o, "alarm_escalations", r->alarm_escalations);
  if (r->state == WG_STATE_SUSPENDED)
    {
      json_object_set_string_member (o, "suspended_from", wg_incident_state_to_string (r->suspended_from));
      json_object_set_int_member (o, "suspended_at", r->suspended_at);
    }
  wg_json_set_nullable_string (o, "escalation_level",
                               r->escalation_level >= 0 ? wg_escalation_level_to_string (r->escalation_level) : NULL);
  return wg_json_node_take_object (o);
}

gboolean
wg_incident_record_from_json (JsonNode          *node,
                              WgIncidentRecord  *out,
                              GError           **error)
{
  WgIncidentRecord r = { 0 };
  JsonObject *o, *loc = NULL;
  const char *id = NULL, *case_number = NULL, *grade = NULL, *state = NULL;
  const char *category = NULL, *summary = NULL, *grid = NULL, *department = NULL;
  const char *reporter = NULL, *step = NULL, *alarm = NULL, *suspended_from = NULL;
  const char *level = NULL;
  gint64 escalations = 0;
  WgStep step_value;
  WgEscalationLevel level_value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "incident");
  o = json_node_get_object (node);
  if (!wg_json_get_string (o, "id", TRUE, &id, error) ||
      !wg_json_get_string (o, "case_number", FALSE, &case_number, error) ||
      !wg_json_get_string (o, "grade", TRUE, &grade, error) ||
      !wg_json_get_string (o, "state", TRUE, &state, error) ||
      !wg_json_get_string (o, "category", FALSE, &category, error) ||
      !wg_json_get_string (o, "summary", FALSE, &summary, error) ||
      !wg_json_get_string (o, "grid", FALSE, &grid, error) ||
      !wg_json_get_string (o, "department", FALSE, &department, error) ||
      !wg_json_get_object (o, "location", TRUE, &loc, error) ||
      !wg_json_get_double (loc, "lat", TRUE, &r.lat, error) ||
      !wg_json_get_double (loc, "lon", TRUE, &r.lon, error) ||
      !wg_json_get_string (o, "reporter", FALSE, &reporter, error) ||
      !wg_json_get_int (o, "reported_at", TRUE, &r.reported_at, error) ||
      !wg_json_get_int (o, "updated_at", TRUE, &r.updated_at, error) ||
      !wg_json_get_string (o, "step", FALSE, &step, error) ||
      !wg_json_get_int (o, "deadline", FALSE, &r.deadline, error) ||
      !wg_json_get_boolean (o, "overdue", TRUE, &r.overdue, error) ||
      !wg_json_get_string (o, "alarm", TRUE, &alarm, error) ||
      !wg_json_get_int (o, "alarm_changed_at", TRUE, &r.alarm_changed_at, error) ||
      !wg_json_get_int (o, "alarm_escalations", TRUE, &escalations, error) ||
      !wg_json_get_string (o, "suspended_from", FALSE, &suspended_from, error) ||
      !wg_json_get_int (o, "suspended_at", FALSE, &r.suspended_at, error) ||
      !wg_json_get_string (o, "escalation_level", FALSE, &level, error))
    return FALSE;

  if (!wg_grade_from_string (grade, &r.grade))
    return invalid (error, "grade");
  if (!wg_incident_state_from_string (state, &r.state))
    return invalid (error, "state");
  if (!wg_alarm_state_from_string (alarm, &r.alarm))
    return invalid (error, "alarm");
  r.step = -1;
  if (step != NULL)
    {
      if (!wg_step_from_string (step, &step_value))
        return invalid (error, "step");
      r.step = step_value;
    }
  r.escalation_level = -1;
  if (level != NULL)
    {
      if (!wg_escalation_level_from_string (level, &level_value))
        return invalid (error, "escalation_level");
      r.escalation_level = level_value;
    }
  if (suspended_from != NULL && !wg_incident_state_from_string (suspended_from, &r.suspended_from))
    return invalid (error, "suspended_from");
  if (escalations < 0 || escalations > G_MAXUINT)
    return invalid (error, "alarm_escalations");
  r.alarm_escalations = escalations;

  r.id = g_strdup (id);
  r.case_number = g_strdup (case_number);
  r.category = g_strdup (category);
  r.summary = g_strdup (summary);
  r.grid = g_strdup (grid);
  r.department = g_strdup (department);
  r.reporter = g_strdup (reporter);
  *out = r;
  return TRUE;
}

JsonNode *
wg_assignment_record_to_json (const WgAssignmentRecord *r)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", r->id);
  json_object_set_string_member (o, "incident", r->incident);
  json_object_set_string_member (o, "unit", r->unit);
  json_object_set_string_member (o, "state", wg_assignment_state_to_string (r->state));
  json_object_set_int_member (o, "created_at", r->created_at);
  json_object_set_int_member (o, "updated_at", r->updated_at);
  return wg_json_node_take_object (o);
}

gboolean
wg_assignment_record_from_json (JsonNode            *node,
                                WgAssignmentRecord  *out,
                                GError             **error)
{
  WgAssignmentRecord r = { 0 };
  JsonObject *o;
  const char *id = NULL, *incident = NULL, *unit = NULL, *state = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "assignment");
  o = json_node_get_object (node);
  if (!wg_json_get_string (o, "id", TRUE, &id, error) ||
      !wg_json_get_string (o, "incident", TRUE, &incident, error) ||
      !wg_json_get_string (o, "unit", TRUE, &unit, error) ||
      !wg_json_get_string (o, "state", TRUE, &state, error) ||
      !wg_json_get_int (o, "created_at", TRUE, &r.created_at, error) ||
      !wg_json_get_int (o, "updated_at", TRUE, &r.updated_at, error))
    return FALSE;
  if (!wg_assignment_state_from_string (state, &r.state))
    return invalid (error, "state");
  r.id = g_strdup (id);
  r.incident = g_strdup (incident);
  r.unit = g_strdup (unit);
  *out = r;
  return TRUE;
}

JsonNode *
wg_unit_record_to_json (const WgUnitRecord *r)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", r->id);
  wg_json_set_nullable_string (o, "type", r->type);
  wg_json_set_nullable_string (o, "name", r->name);
  wg_json_set_nullable_string (o, "home_grid", r->home_grid);
  wg_json_set_nullable_string (o, "account", r->account);
  json_object_set_string_member (o, "status", wg_unit_status_to_string (r->status));
  json_object_set_int_member (o, "open_assignments", r->open_assignments);
  json_object_set_int_member (o, "updated_at", r->updated_at);
  return wg_json_node_take_object (o);
}

gboolean
wg_unit_record_from_json (JsonNode      *node,
                          WgUnitRecord  *out,
                          GError       **error)
{
  WgUnitRecord r = { 0 };
  JsonObject *o;
  const char *id = NULL, *type = NULL, *name = NULL, *home_grid = NULL;
  const char *account = NULL, *status = NULL;
  gint64 open = 0;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "unit");
  o = json_node_get_object (node);
  if (!wg_json_get_string (o, "id", TRUE, &id, error) ||
      !wg_json_get_string (o, "type", FALSE, &type, error) ||
      !wg_json_get_string (o, "name", FALSE, &name, error) ||
      !wg_json_get_string (o, "home_grid", FALSE, &home_grid, error) ||
      !wg_json_get_string (o, "account", FALSE, &account, error) ||
      !wg_json_get_string (o, "status", TRUE, &status, error) ||
      !wg_json_get_int (o, "open_assignments", TRUE, &open, error) ||
      !wg_json_get_int (o, "updated_at", TRUE, &r.updated_at, error))
    return FALSE;
  if (!wg_unit_status_from_string (status, &r.status))
    return invalid (error, "status");
  if (open < 0 || open > G_MAXUINT)
    return invalid (error, "open_assignments");
  r.open_assignments = open;
  r.id = g_strdup (id);
  r.type = g_strdup (type);
  r.name = g_strdup (name);
  r.home_grid = g_strdup (home_grid);
  r.account = g_strdup (account);
  *out = r;
  return TRUE;
}
