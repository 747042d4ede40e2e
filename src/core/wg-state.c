/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-state"

#include "config.h"

#include "wg-error.h"
#include "wg-json.h"
#include "wg-json-write.h"
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
  g_clear_pointer (&record->source, g_free);
  g_clear_pointer (&record->co_departments, g_strfreev);
  g_clear_pointer (&record->mediation, g_free);
  g_clear_pointer (&record->merged_into, g_free);
}

/* A deep copy of @src into @dest (whose contents are not freed). */
void
wg_incident_record_copy (const WgIncidentRecord *src,
                         WgIncidentRecord       *dest)
{
  *dest = *src;
  dest->id = g_strdup (src->id);
  dest->case_number = g_strdup (src->case_number);
  dest->category = g_strdup (src->category);
  dest->summary = g_strdup (src->summary);
  dest->grid = g_strdup (src->grid);
  dest->department = g_strdup (src->department);
  dest->reporter = g_strdup (src->reporter);
  dest->source = g_strdup (src->source);
  dest->co_departments = g_strdupv (src->co_departments);
  dest->mediation = g_strdup (src->mediation);
  dest->merged_into = g_strdup (src->merged_into);
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

/* The full work-order cycle's members; absent ones read as their
 * defaults, so that records written before it still decode. */
static void
cycle_to_json (const WgIncidentRecord *r,
               JsonObject             *o)
{
  wg_json_set_nullable_string (o, "source", r->source);
  if (r->co_departments != NULL && r->co_departments[0] != NULL)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; r->co_departments[i] != NULL; i++)
        json_array_add_string_element (array, r->co_departments[i]);
      json_object_set_array_member (o, "co_departments", array);
    }
  if (r->handle_deadline > 0)
    json_object_set_int_member (o, "handle_deadline", r->handle_deadline);
  wg_json_set_nullable_string (o, "mediation", r->mediation);
  json_object_set_boolean_member (o, "call_back_required", r->call_back_required);
  wg_json_set_nullable_string (o, "call_back", r->call_back >= 0 ? wg_satisfaction_to_string (r->call_back) : NULL);
  if (r->extension_requested > 0)
    json_object_set_int_member (o, "extension_requested", r->extension_requested);
  wg_json_set_nullable_string (o, "supervision",
                               r->supervision >= 0 ? wg_supervision_level_to_string (r->supervision) : NULL);
  if (r->supervision_answer_by > 0)
    json_object_set_int_member (o, "supervision_answer_by", r->supervision_answer_by);
  wg_json_set_nullable_string (o, "merged_into", r->merged_into);
  json_object_set_int_member (o, "repeats", r->repeats);
  json_object_set_int_member (o, "reworks", r->reworks);
  if (r->alarm_raised_at > 0)
    json_object_set_int_member (o, "alarm_raised_at", r->alarm_raised_at);
}

static gboolean
cycle_from_json (JsonObject        *o,
                 WgIncidentRecord  *r,
                 GError           **error)
{
  const char *source = NULL, *mediation = NULL, *call_back = NULL, *supervision = NULL;
  const char *merged_into = NULL;
  JsonArray *co = NULL;
  gint64 repeats = 0, reworks = 0;
  WgSatisfaction satisfaction;
  WgSupervisionLevel level;

  if (!wg_json_get_string (o, "source", FALSE, &source, error) ||
      !wg_json_get_array (o, "co_departments", FALSE, &co, error) ||
      !wg_json_get_int (o, "handle_deadline", FALSE, &r->handle_deadline, error) ||
      !wg_json_get_string (o, "mediation", FALSE, &mediation, error) ||
      !wg_json_get_boolean (o, "call_back_required", FALSE, &r->call_back_required, error) ||
      !wg_json_get_string (o, "call_back", FALSE, &call_back, error) ||
      !wg_json_get_int (o, "extension_requested", FALSE, &r->extension_requested, error) ||
      !wg_json_get_string (o, "supervision", FALSE, &supervision, error) ||
      !wg_json_get_int (o, "supervision_answer_by", FALSE, &r->supervision_answer_by, error) ||
      !wg_json_get_string (o, "merged_into", FALSE, &merged_into, error) ||
      !wg_json_get_int (o, "repeats", FALSE, &repeats, error) ||
      !wg_json_get_int (o, "reworks", FALSE, &reworks, error) ||
      !wg_json_get_int (o, "alarm_raised_at", FALSE, &r->alarm_raised_at, error))
    return FALSE;
  r->call_back = -1;
  if (call_back != NULL)
    {
      if (!wg_satisfaction_from_string (call_back, &satisfaction))
        return invalid (error, "call_back");
      r->call_back = satisfaction;
    }
  r->supervision = -1;
  if (supervision != NULL)
    {
      if (!wg_supervision_level_from_string (supervision, &level))
        return invalid (error, "supervision");
      r->supervision = level;
    }
  if (repeats < 0 || repeats > G_MAXUINT || reworks < 0 || reworks > G_MAXUINT)
    return invalid (error, "repeats");
  if (co != NULL)
    {
      guint n = json_array_get_length (co);

      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (co, i);
          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
            return invalid (error, "co_departments");
        }
      r->co_departments = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        r->co_departments[i] = g_strdup (json_array_get_string_element (co, i));
    }
  r->repeats = repeats;
  r->reworks = reworks;
  r->source = g_strdup (wg_source_normalize (source) != NULL ? wg_source_normalize (source) : source);
  r->mediation = g_strdup (mediation);
  r->merged_into = g_strdup (merged_into);
  return TRUE;
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
  cycle_to_json (r, o);
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
  if (!cycle_from_json (o, &r, error))
    {
      wg_incident_record_clear (&r);
      return FALSE;
    }

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

/* The members wg_unit_record_to_json() makes, as its text shows them,
 * without the braces: a city's snapshot writes 25,000 units. */
void
wg_unit_record_write_members (GString            *out,
                              const WgUnitRecord *r)
{
  wg_json_write_member_name (out, "id", TRUE);
  wg_json_write_string (out, r->id);
  wg_json_write_member_name (out, "type", FALSE);
  wg_json_write_string (out, r->type);
  wg_json_write_member_name (out, "name", FALSE);
  wg_json_write_string (out, r->name);
  wg_json_write_member_name (out, "home_grid", FALSE);
  wg_json_write_string (out, r->home_grid);
  wg_json_write_member_name (out, "account", FALSE);
  wg_json_write_string (out, r->account);
  wg_json_write_member_name (out, "status", FALSE);
  wg_json_write_string (out, wg_unit_status_to_string (r->status));
  wg_json_write_member_name (out, "open_assignments", FALSE);
  wg_json_write_int (out, r->open_assignments);
  wg_json_write_member_name (out, "updated_at", FALSE);
  wg_json_write_int (out, r->updated_at);
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
