/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The projection: events -> state tables (incidents with case numbers,
 * alarms, assignments, units, deadlines, roster).  The server runs it in
 * the transaction that appends the events, the console cache on pulled
 * events, replay on the events after a checkpoint: always this code.
 *
 * It trusts the events (decide() made them), but never assumes a row it
 * needs exists beyond what a well-formed journal guarantees: a partial
 * view (a grid worker's cache) may lack a unit's registration, so units
 * are created on first mention.
 */
#define G_LOG_DOMAIN "wg-projection"

#include "config.h"

#include <string.h>

#include "wg-error.h"
#include "wg-json.h"
#include "wg-sqlite.h"
#include "wg-store-private.h"

const char *const _wg_projection_tables[] = {
  "routings", "deadlines", "assignments", "alarms", "incidents", "roster", "units", NULL,
};

static gboolean
body_boolean (WgEvent    *event,
              const char *member)
{
  JsonNode *node = json_object_get_member (event->body, member);

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

static gboolean
need (WgEvent     *event,
      const char  *what,
      gboolean     ok,
      GError     **error)
{
  if (!ok)
    g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT,
                 "event %" G_GINT64_FORMAT " (%s) lacks %s", event->seq,
                 wg_event_get_type_name (event), what);
  return ok;
}

/* Every event of an incident touches it. */
static gboolean
touch_incident (WgStore  *self,
                WgEvent  *event,
                GError  **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "UPDATE incidents SET updated_at = ?2, last_seq = ?3 WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_static_or_null (stmt, 1, event->incident);
  sqlite3_bind_int64 (stmt, 2, event->ts);
  sqlite3_bind_int64 (stmt, 3, event->seq);
  return _wg_store_step_done (self, stmt, error);
}

static gboolean
set_incident_state (WgStore     *self,
                    WgEvent     *event,
                    const char  *state,
                    GError     **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self, "UPDATE incidents SET state = ?2 WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
  wg_sqlite_bind_text_or_null (stmt, 2, state);
  return _wg_store_step_done (self, stmt, error);
}

static gboolean
end_open_deadline (WgStore  *self,
                   WgEvent  *event,
                   GError  **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "UPDATE deadlines SET ended_at = ?2 WHERE incident = ?1 AND ended_at IS NULL", error);

  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
  sqlite3_bind_int64 (stmt, 2, event->ts);
  return _wg_store_step_done (self, stmt, error);
}

/* An event whose body has "step" starts that step (or, null, ends the
 * current one) with the body's "deadline". */
static gboolean
apply_step (WgStore  *self,
            WgEvent  *event,
            GError  **error)
{
  const char *step;
  gint64 deadline;
  sqlite3_stmt *stmt;

  if (!json_object_has_member (event->body, "step"))
    return TRUE;

  step = wg_event_get_body_string (event, "step");
  deadline = wg_event_get_body_int (event, "deadline");

  if (!end_open_deadline (self, event, error))
    return FALSE;

  /* A department's cache meets an incident at its routing, before it has
   * the report (the console adopts it then): no step for an unknown one. */
  stmt = _wg_store_stmt (self,
    "UPDATE incidents SET step = ?2, deadline = ?3, overdue = 0 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
  wg_sqlite_bind_text_or_null (stmt, 2, step);
  if (step != NULL && deadline > 0)
    sqlite3_bind_int64 (stmt, 3, deadline);
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;

  if (step == NULL)
    return TRUE;

  stmt = _wg_store_stmt (self,
    "INSERT INTO deadlines (incident, step, started_at, due_at, started_seq)"
    " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM incidents WHERE id = ?1)",
    error);
  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
  wg_sqlite_bind_text_or_null (stmt, 2, step);
  sqlite3_bind_int64 (stmt, 3, event->ts);
  if (deadline > 0)
    sqlite3_bind_int64 (stmt, 4, deadline);
  sqlite3_bind_int64 (stmt, 5, event->seq);
  return _wg_store_step_done (self, stmt, error);
}

static gboolean
clear_step (WgStore  *self,
            WgEvent  *event,
            GError  **error)
{
  sqlite3_stmt *stmt;

  if (!end_open_deadline (self, event, error))
    return FALSE;
  stmt = _wg_store_stmt (self,
    "UPDATE incidents SET step = NULL, deadline = NULL, overdue = 0 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
  return _wg_store_step_done (self, stmt, error);
}

/* A report of an incident this store has not met (every report on the
 * server): its whole row, step and deadline in one INSERT, and its first
 * deadline, instead of the upsert, three UPDATEs and a deadline check that
 * find nothing to change.  1: done; 0: the incident exists (a partial view
 * met it first), apply_reported() then; -1: failure. */
/* Parameters 1-13 of both report statements (the new incident's insert
 * and the upsert): the texts are the event's, which outlives the step. */
static void
bind_report_columns (sqlite3_stmt *stmt,
                     WgEvent      *event,
                     JsonObject   *loc)
{
  wg_sqlite_bind_static_or_null (stmt, 1, event->subject);
  wg_sqlite_bind_static_or_null (stmt, 2, wg_event_get_body_string (event, "case_number"));
  wg_sqlite_bind_static_or_null (stmt, 3, wg_event_get_body_string (event, "case_day"));
  wg_sqlite_bind_static_or_null (stmt, 4, wg_event_get_body_string (event, "grade"));
  wg_sqlite_bind_static_or_null (stmt, 5, wg_event_get_body_string (event, "category"));
  wg_sqlite_bind_static_or_null (stmt, 6, wg_event_get_body_string (event, "summary"));
  wg_sqlite_bind_static_or_null (stmt, 7, wg_event_get_body_string (event, "grid"));
  wg_sqlite_bind_static_or_null (stmt, 8, wg_event_get_body_string (event, "default_department"));
  if (loc != NULL)
    {
      double lat = 0, lon = 0;
      if (wg_json_get_double (loc, "lat", TRUE, &lat, NULL) &&
          wg_json_get_double (loc, "lon", TRUE, &lon, NULL))
        {
          sqlite3_bind_double (stmt, 9, lat);
          sqlite3_bind_double (stmt, 10, lon);
        }
    }
  wg_sqlite_bind_static_or_null (stmt, 11, event->actor);
  sqlite3_bind_int64 (stmt, 12, event->ts);
  sqlite3_bind_int64 (stmt, 13, event->seq);
}

static int
insert_new_report (WgStore  *self,
                   WgEvent  *event,
                   GError  **error)
{
  JsonObject *loc = NULL;
  const char *step = wg_event_get_body_string (event, "step");
  gint64 deadline = wg_event_get_body_int (event, "deadline");
  sqlite3_stmt *stmt;

  if (!wg_json_get_object (event->body, "location", TRUE, &loc, NULL))
    loc = NULL;
  if (!need (event, "grade, category and summary",
             wg_event_get_body_string (event, "grade") != NULL && wg_event_get_body_string (event, "category") != NULL &&
             wg_event_get_body_string (event, "summary") != NULL, error))
    return -1;

  stmt = _wg_store_stmt (self,
    "INSERT INTO incidents (id, case_number, case_day, grade, state, category, summary, grid,"
    " default_department, lat, lon, reporter, reported_at, updated_at, first_seq, last_seq,"
    " source, call_back_required, step, deadline)"
    " VALUES (?1, ?2, ?3, ?4, 'reported', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?13, ?14, ?15, ?16, ?17)"
    " ON CONFLICT (id) DO NOTHING", error);
  if (stmt == NULL)
    return -1;
  bind_report_columns (stmt, event, loc);
  wg_sqlite_bind_static_or_null (stmt, 14, wg_event_get_body_string (event, "source"));
  sqlite3_bind_int (stmt, 15, body_boolean (event, "call_back_required"));
  wg_sqlite_bind_static_or_null (stmt, 16, step);
  if (step != NULL && deadline > 0)
    sqlite3_bind_int64 (stmt, 17, deadline);
  if (!_wg_store_step_done (self, stmt, error))
    return -1;
  if (sqlite3_changes (wg_store_get_sqlite (self)) == 0)
    return 0;
  if (step == NULL)
    return 1;

  /* A new incident has no deadline to end. */
  stmt = _wg_store_stmt (self,
    "INSERT INTO deadlines (incident, step, started_at, due_at, started_seq) VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (stmt == NULL)
    return -1;
  wg_sqlite_bind_static_or_null (stmt, 1, event->subject);
  wg_sqlite_bind_static_or_null (stmt, 2, step);
  sqlite3_bind_int64 (stmt, 3, event->ts);
  if (deadline > 0)
    sqlite3_bind_int64 (stmt, 4, deadline);
  sqlite3_bind_int64 (stmt, 5, event->seq);
  return _wg_store_step_done (self, stmt, error) ? 1 : -1;
}

static gboolean
apply_reported (WgStore  *self,
                WgEvent  *event,
                GError  **error)
{
  JsonObject *loc = NULL;
  sqlite3_stmt *stmt;

  if (!wg_json_get_object (event->body, "location", TRUE, &loc, NULL))
    loc = NULL;
  if (!need (event, "grade, category and summary",
             wg_event_get_body_string (event, "grade") != NULL && wg_event_get_body_string (event, "category") != NULL &&
             wg_event_get_body_string (event, "summary") != NULL, error))
    return FALSE;

  /* An upsert: a partial view (a unit's own account) may have met the
   * incident through an assignment first (see apply_assignment ()). */
  stmt = _wg_store_stmt (self,
    "INSERT INTO incidents (id, case_number, case_day, grade, state, category, summary, grid,"
    " default_department, lat, lon, reporter, reported_at, updated_at, first_seq, last_seq)"
    " VALUES (?1, ?2, ?3, ?4, 'reported', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?13)"
    " ON CONFLICT (id) DO UPDATE SET case_number = ?2, case_day = ?3, grade = ?4, category = ?5,"
    " summary = ?6, grid = ?7, default_department = ?8, lat = ?9, lon = ?10, reporter = ?11,"
    " reported_at = ?12, first_seq = ?13", error);
  if (stmt == NULL)
    return FALSE;
  bind_report_columns (stmt, event, loc);
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;
  stmt = _wg_store_stmt (self,
    "UPDATE incidents SET source = ?2, call_back_required = ?3 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
  wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "source"));
  sqlite3_bind_int (stmt, 3, body_boolean (event, "call_back_required"));
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;
  return apply_step (self, event, error);
}

static gboolean
ensure_unit (WgStore     *self,
             const char  *unit,
             GError     **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self, "INSERT OR IGNORE INTO units (id) VALUES (?1)", error);

  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, unit);
  return _wg_store_step_done (self, stmt, error);
}

static gboolean
apply_assignment (WgStore  *self,
                  WgEvent  *event,
                  GError  **error)
{
  const char *unit = wg_event_get_body_string (event, "unit");
  const char *state = NULL, *column = NULL;
  sqlite3_stmt *stmt;
  gboolean closes = FALSE;
  g_autofree char *sql = NULL;

  if (!need (event, "unit", unit != NULL, error) ||
      !need (event, "incident", event->incident != NULL, error))
    return FALSE;

  switch (event->type)
    {
    case WG_EV_ASSIGNMENT_CREATED:
      if (!ensure_unit (self, unit, error))
        return FALSE;
      /* A unit's own view may not contain the incident's report (another
       * grid): keep a stub so that the assignment has its parent. */
      stmt = _wg_store_stmt (self,
        "INSERT OR IGNORE INTO incidents (id, grade, state, reported_at, updated_at, first_seq, last_seq)"
        " VALUES (?1, 'emergency', 'dispatched', ?2, ?2, ?3, ?3)", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->incident);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      sqlite3_bind_int64 (stmt, 3, event->seq);
      if (!_wg_store_step_done (self, stmt, error))
        return FALSE;
      stmt = _wg_store_stmt (self,
        "INSERT INTO assignments (id, incident, unit, state, created_at, updated_at, created_seq)"
        " VALUES (?1, ?2, ?3, 'notified', ?4, ?4, ?5)", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 2, event->incident);
      wg_sqlite_bind_text_or_null (stmt, 3, unit);
      sqlite3_bind_int64 (stmt, 4, event->ts);
      sqlite3_bind_int64 (stmt, 5, event->seq);
      if (!_wg_store_step_done (self, stmt, error))
        return FALSE;
      stmt = _wg_store_stmt (self,
        "UPDATE units SET open_assignments = open_assignments + 1, updated_at = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, unit);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      return _wg_store_step_done (self, stmt, error);

    case WG_EV_ASSIGNMENT_ACKNOWLEDGED:
      state = "acknowledged", column = "acknowledged_at";
      break;
    case WG_EV_ASSIGNMENT_EN_ROUTE:
      state = "en_route", column = "en_route_at";
      break;
    case WG_EV_ASSIGNMENT_ON_SCENE:
      state = "on_scene", column = "on_scene_at";
      break;
    case WG_EV_ASSIGNMENT_CLEARED:
      state = "cleared", column = "ended_at", closes = TRUE;
      break;
    case WG_EV_ASSIGNMENT_CANCELLED:
      state = "cancelled", column = "ended_at", closes = TRUE;
      break;
    default:
      g_assert_not_reached ();
    }

  /* One statement per column; the cache keys on the literal, so spell
   * them out rather than format them. */
  if (strcmp (column, "acknowledged_at") == 0)
    stmt = _wg_store_stmt (self, "UPDATE assignments SET state = ?2, updated_at = ?3, acknowledged_at = ?3 WHERE id = ?1", error);
  else if (strcmp (column, "en_route_at") == 0)
    stmt = _wg_store_stmt (self, "UPDATE assignments SET state = ?2, updated_at = ?3, en_route_at = ?3 WHERE id = ?1", error);
  else if (strcmp (column, "on_scene_at") == 0)
    stmt = _wg_store_stmt (self, "UPDATE assignments SET state = ?2, updated_at = ?3, on_scene_at = ?3 WHERE id = ?1", error);
  else
    stmt = _wg_store_stmt (self, "UPDATE assignments SET state = ?2, updated_at = ?3, ended_at = ?3 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
  wg_sqlite_bind_text_or_null (stmt, 2, state);
  sqlite3_bind_int64 (stmt, 3, event->ts);
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (wg_store_get_sqlite (self)) != 1)
    return need (event, "a known assignment", FALSE, error);

  if (closes)
    {
      stmt = _wg_store_stmt (self,
        "UPDATE units SET open_assignments = MAX (open_assignments - 1, 0), updated_at = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, unit);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      if (!_wg_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
apply_alarm (WgStore  *self,
             WgEvent  *event,
             GError  **error)
{
  sqlite3_stmt *stmt;

  switch (event->type)
    {
    case WG_EV_ALARM_RAISED:
      stmt = _wg_store_stmt (self,
        "INSERT OR REPLACE INTO alarms (incident, state, raised_at, changed_at, escalations)"
        " VALUES (?1, 'raised', ?2, ?2, 0)", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      break;

    case WG_EV_ALARM_ESCALATED:
      stmt = _wg_store_stmt (self,
        "UPDATE alarms SET state = 'escalated', changed_at = ?2, escalations = ?3, escalated_to = ?4"
        " WHERE incident = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      sqlite3_bind_int64 (stmt, 3, wg_event_get_body_int (event, "level"));
      wg_sqlite_bind_text_or_null (stmt, 4, wg_event_get_body_string (event, "to"));
      break;

    case WG_EV_ALARM_ACKNOWLEDGED:
      stmt = _wg_store_stmt (self,
        "UPDATE alarms SET state = 'acknowledged', changed_at = ?2, acknowledged_at = ?2,"
        " acknowledged_by = ?3 WHERE incident = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      wg_sqlite_bind_text_or_null (stmt, 3, event->actor);
      break;

    default:
      g_assert_not_reached ();
    }
  return _wg_store_step_done (self, stmt, error);
}

/* Co-departments (协办) read an incident like the lead one, from the
 * routing that named them (wg-journal-view.c). */
static gboolean
add_co_departments (WgStore  *self,
                    WgEvent  *event,
                    GError  **error)
{
  JsonNode *member = json_object_get_member (event->body, "co_departments");
  JsonArray *co = member != NULL && JSON_NODE_HOLDS_ARRAY (member) ? json_node_get_array (member) : NULL;

  for (guint i = 0; co != NULL && i < json_array_get_length (co); i++)
    {
      JsonNode *element = json_array_get_element (co, i);
      sqlite3_stmt *stmt;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        continue;
      stmt = _wg_store_stmt (self,
        "INSERT OR IGNORE INTO routings (incident, department, first_seq)"
        " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM incidents WHERE id = ?1)", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 2, json_node_get_string (element));
      sqlite3_bind_int64 (stmt, 3, event->seq);
      if (!_wg_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* The full work-order cycle's events.  Each statement is spelled out (the
 * statement cache keys on the literal). */
static gboolean
apply_cycle (WgStore  *self,
             WgEvent  *event,
             GError  **error)
{
  sqlite3_stmt *stmt = NULL;
  const char *state = wg_event_get_body_string (event, "state");

  switch (event->type)
    {
    case WG_EV_INCIDENT_MEDIATED:
      stmt = _wg_store_stmt (self,
        "UPDATE incidents SET mediation = ?2, state = coalesce (?3, state) WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "outcome"));
      wg_sqlite_bind_text_or_null (stmt, 3, state);
      break;

    case WG_EV_INCIDENT_REGRADED:
      stmt = _wg_store_stmt (self, "UPDATE incidents SET grade = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "to"));
      break;

    case WG_EV_INCIDENT_REJECTION_REQUESTED:
      return set_incident_state (self, event, "rejection_pending", error);
    case WG_EV_INCIDENT_REJECTION_DENIED:
      return set_incident_state (self, event, "routed", error);

    case WG_EV_INCIDENT_EXTENSION_REQUESTED:
      stmt = _wg_store_stmt (self, "UPDATE incidents SET extension_requested = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 2, wg_event_get_body_int (event, "requested_deadline"));
      break;
    case WG_EV_INCIDENT_EXTENSION_DECLINED:
      stmt = _wg_store_stmt (self, "UPDATE incidents SET extension_requested = NULL WHERE id = ?1", error);
      break;

    case WG_EV_INCIDENT_SUPERVISED:
      /* answer_by arms the notice's timer (wg_decide_timers()). */
      stmt = _wg_store_stmt (self,
        "UPDATE incidents SET supervision = ?2, supervision_answer_by = NULLIF (?3, 0) WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "level"));
      sqlite3_bind_int64 (stmt, 3, wg_event_get_body_int (event, "answer_by"));
      break;
    case WG_EV_INCIDENT_SUPERVISION_ANSWERED:
      stmt = _wg_store_stmt (self,
        "UPDATE incidents SET supervision = NULL, supervision_answer_by = NULL WHERE id = ?1", error);
      break;

    case WG_EV_INCIDENT_CALLED_BACK:
      stmt = _wg_store_stmt (self, "UPDATE incidents SET call_back = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "satisfaction"));
      break;

    case WG_EV_INCIDENT_REWORKED:
      /* Back to the department (or, mediated in the grid, to be routed):
       * the next call-back is a new one. */
      if (!need (event, "state", state != NULL, error))
        return FALSE;
      stmt = _wg_store_stmt (self,
        "UPDATE incidents SET state = ?2, reworks = reworks + 1, call_back = NULL,"
        " mediation = CASE WHEN ?2 = 'reported' THEN 'failed' ELSE mediation END WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 2, state);
      break;

    case WG_EV_INCIDENT_MERGED:
      if (!need (event, "into", wg_event_get_body_string (event, "into") != NULL, error))
        return FALSE;
      stmt = _wg_store_stmt (self, "UPDATE incidents SET state = 'merged', merged_into = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "into"));
      if (!_wg_store_step_done (self, stmt, error) || !clear_step (self, event, error))
        return FALSE;
      return _wg_projection_apply_merge_target (self, event, error);

    case WG_EV_INCIDENT_DOWNGRADED:
      if (!need (event, "to and state", wg_event_get_body_string (event, "to") != NULL && state != NULL, error))
        return FALSE;
      stmt = _wg_store_stmt (self, "UPDATE incidents SET grade = ?2, state = ?3 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "to"));
      wg_sqlite_bind_text_or_null (stmt, 3, state);
      if (!_wg_store_step_done (self, stmt, error))
        return FALSE;
      /* Its alarm ends. */
      stmt = _wg_store_stmt (self, "DELETE FROM alarms WHERE incident = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      return _wg_store_step_done (self, stmt, error) && apply_step (self, event, error);

    default:
      g_assert_not_reached ();
    }

  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
  return _wg_store_step_done (self, stmt, error) && apply_step (self, event, error);
}

static gboolean
apply_incident (WgStore  *self,
                WgEvent  *event,
                GError  **error)
{
  sqlite3_stmt *stmt;

  switch (event->type)
    {
    case WG_EV_INCIDENT_REPORTED:
      return apply_reported (self, event, error);

    case WG_EV_INCIDENT_HANDLED_ON_SPOT:
    case WG_EV_INCIDENT_NOTED:
      return TRUE;

    case WG_EV_INCIDENT_CLOSED:
      return set_incident_state (self, event, "closed", error) && clear_step (self, event, error);
    case WG_EV_INCIDENT_CANCELLED:
      return set_incident_state (self, event, "cancelled", error) && clear_step (self, event, error);

    case WG_EV_INCIDENT_ROUTED:
      {
        JsonNode *co = json_object_get_member (event->body, "co_departments");
        g_autofree char *co_text = NULL;

        if (co != NULL && JSON_NODE_HOLDS_ARRAY (co))
          co_text = wg_json_to_canonical (co);
        /* A new routing starts afresh: no request or notice of the
         * previous department stands. */
        stmt = _wg_store_stmt (self,
          "UPDATE incidents SET state = 'routed', department = ?2, co_departments = ?3, handle_deadline = ?4,"
          " extension_requested = NULL, supervision = NULL, supervision_answer_by = NULL, call_back = NULL"
          " WHERE id = ?1", error);
        if (stmt == NULL)
          return FALSE;
        wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
        wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "department"));
        wg_sqlite_bind_text_or_null (stmt, 3, co_text);
        if (wg_event_get_body_int (event, "handle_deadline") > 0)
          sqlite3_bind_int64 (stmt, 4, wg_event_get_body_int (event, "handle_deadline"));
        if (!_wg_store_step_done (self, stmt, error))
          return FALSE;
      }
      stmt = _wg_store_stmt (self,
        "INSERT OR IGNORE INTO routings (incident, department, first_seq)"
        " SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM incidents WHERE id = ?1)", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "department"));
      sqlite3_bind_int64 (stmt, 3, event->seq);
      return _wg_store_step_done (self, stmt, error) && add_co_departments (self, event, error) &&
             apply_step (self, event, error);

    case WG_EV_INCIDENT_ACCEPTED:
      return set_incident_state (self, event, "accepted", error) && apply_step (self, event, error);
    case WG_EV_INCIDENT_REJECTED:
      return set_incident_state (self, event, "rejected", error) && apply_step (self, event, error);
    case WG_EV_INCIDENT_FEEDBACK_GIVEN:
      return set_incident_state (self, event, "feedback_given", error) && apply_step (self, event, error);
    case WG_EV_INCIDENT_VERIFIED:
      return set_incident_state (self, event, "verified", error) && apply_step (self, event, error);
    case WG_EV_INCIDENT_VERIFICATION_FAILED:
      return set_incident_state (self, event, "accepted", error) && apply_step (self, event, error);
    case WG_EV_INCIDENT_RESOLVED:
      return set_incident_state (self, event, "resolved", error) && apply_step (self, event, error);
    case WG_EV_INCIDENT_DISPATCHED:
      return set_incident_state (self, event, "dispatched", error) && apply_step (self, event, error);
    case WG_EV_INCIDENT_ON_SCENE:
      return set_incident_state (self, event, "on_scene", error) && apply_step (self, event, error);

    case WG_EV_INCIDENT_EXTENDED:
      /* An approval answers a department's request too. */
      stmt = _wg_store_stmt (self,
        "UPDATE incidents SET deadline = ?2, overdue = 0, extension_requested = NULL WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      sqlite3_bind_int64 (stmt, 2, wg_event_get_body_int (event, "deadline"));
      if (!_wg_store_step_done (self, stmt, error))
        return FALSE;
      stmt = _wg_store_stmt (self,
        "UPDATE deadlines SET due_at = ?2, extensions = extensions + 1, overdue = 0"
        " WHERE incident = ?1 AND ended_at IS NULL", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      sqlite3_bind_int64 (stmt, 2, wg_event_get_body_int (event, "deadline"));
      return _wg_store_step_done (self, stmt, error);

    case WG_EV_INCIDENT_SUSPENDED:
      stmt = _wg_store_stmt (self,
        "UPDATE incidents SET suspended_from = state, suspended_at = ?2, state = 'suspended' WHERE id = ?1",
        error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      return _wg_store_step_done (self, stmt, error);

    case WG_EV_INCIDENT_RESUMED:
      if (!need (event, "state", wg_event_get_body_string (event, "state") != NULL, error))
        return FALSE;
      stmt = _wg_store_stmt (self,
        "UPDATE incidents SET state = ?2, suspended_from = NULL, suspended_at = NULL WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "state"));
      return _wg_store_step_done (self, stmt, error) && apply_step (self, event, error);

    case WG_EV_INCIDENT_UPGRADED:
      stmt = _wg_store_stmt (self,
        "UPDATE incidents SET grade = 'emergency', state = 'reported' WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      return _wg_store_step_done (self, stmt, error) && apply_step (self, event, error);

    case WG_EV_INCIDENT_ESCALATED:
      stmt = _wg_store_stmt (self, "UPDATE incidents SET escalation_level = ?2 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "level"));
      return _wg_store_step_done (self, stmt, error);

    case WG_EV_INCIDENT_MEDIATED:
    case WG_EV_INCIDENT_REGRADED:
    case WG_EV_INCIDENT_REJECTION_REQUESTED:
    case WG_EV_INCIDENT_REJECTION_DENIED:
    case WG_EV_INCIDENT_EXTENSION_REQUESTED:
    case WG_EV_INCIDENT_EXTENSION_DECLINED:
    case WG_EV_INCIDENT_SUPERVISED:
    case WG_EV_INCIDENT_SUPERVISION_ANSWERED:
    case WG_EV_INCIDENT_CALLED_BACK:
    case WG_EV_INCIDENT_REWORKED:
    case WG_EV_INCIDENT_MERGED:
    case WG_EV_INCIDENT_DOWNGRADED:
      return apply_cycle (self, event, error);

    case WG_EV_INCIDENT_OVERDUE:
      /* An unanswered supervision notice: its timer has run, the notice
       * stays until answered; the case's own step is not late for it. */
      if (g_strcmp0 (wg_event_get_body_string (event, "step"), WG_SUPERVISION_ANSWER_STEP) == 0)
        {
          stmt = _wg_store_stmt (self, "UPDATE incidents SET supervision_answer_by = NULL WHERE id = ?1", error);
          if (stmt == NULL)
            return FALSE;
          wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
          return _wg_store_step_done (self, stmt, error);
        }
      stmt = _wg_store_stmt (self, "UPDATE incidents SET overdue = 1 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      if (!_wg_store_step_done (self, stmt, error))
        return FALSE;
      stmt = _wg_store_stmt (self,
        "UPDATE deadlines SET overdue = 1, overdue_at = ?2 WHERE incident = ?1 AND ended_at IS NULL", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      return _wg_store_step_done (self, stmt, error);

    default:
      g_assert_not_reached ();
    }
}

/* The case an incident was merged into counts the repeat, and takes over
 * the duplicate's call-back (a partial view may not hold it). */
gboolean
_wg_projection_apply_merge_target (WgStore  *self,
                                   WgEvent  *event,
                                   GError  **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "UPDATE incidents SET repeats = repeats + 1, call_back_required = MAX (call_back_required, ?2)"
    " WHERE id = ?1", error);

  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, wg_event_get_body_string (event, "into"));
  sqlite3_bind_int (stmt, 2, body_boolean (event, "call_back_required"));
  return _wg_store_step_done (self, stmt, error);
}

gboolean
_wg_projection_apply (WgStore  *self,
                      WgEvent  *event,
                      GError  **error)
{
  sqlite3_stmt *stmt;
  gboolean ok;

  /* Its own incident's touch would write what the INSERT wrote. */
  if (event->type == WG_EV_INCIDENT_REPORTED &&
      (event->incident == NULL || g_strcmp0 (event->incident, event->subject) == 0))
    {
      int inserted = insert_new_report (self, event, error);

      if (inserted != 0)
        return inserted == 1;
    }

  switch (event->type)
    {
    case WG_EV_INCIDENT_REPORTED:
    case WG_EV_INCIDENT_HANDLED_ON_SPOT:
    case WG_EV_INCIDENT_ROUTED:
    case WG_EV_INCIDENT_ACCEPTED:
    case WG_EV_INCIDENT_REJECTED:
    case WG_EV_INCIDENT_FEEDBACK_GIVEN:
    case WG_EV_INCIDENT_VERIFIED:
    case WG_EV_INCIDENT_VERIFICATION_FAILED:
    case WG_EV_INCIDENT_EXTENDED:
    case WG_EV_INCIDENT_SUSPENDED:
    case WG_EV_INCIDENT_RESUMED:
    case WG_EV_INCIDENT_RESOLVED:
    case WG_EV_INCIDENT_CLOSED:
    case WG_EV_INCIDENT_UPGRADED:
    case WG_EV_INCIDENT_ESCALATED:
    case WG_EV_INCIDENT_CANCELLED:
    case WG_EV_INCIDENT_NOTED:
    case WG_EV_INCIDENT_DISPATCHED:
    case WG_EV_INCIDENT_ON_SCENE:
    case WG_EV_INCIDENT_OVERDUE:
    case WG_EV_INCIDENT_MEDIATED:
    case WG_EV_INCIDENT_REGRADED:
    case WG_EV_INCIDENT_REJECTION_REQUESTED:
    case WG_EV_INCIDENT_REJECTION_DENIED:
    case WG_EV_INCIDENT_EXTENSION_REQUESTED:
    case WG_EV_INCIDENT_EXTENSION_DECLINED:
    case WG_EV_INCIDENT_SUPERVISED:
    case WG_EV_INCIDENT_SUPERVISION_ANSWERED:
    case WG_EV_INCIDENT_CALLED_BACK:
    case WG_EV_INCIDENT_REWORKED:
    case WG_EV_INCIDENT_MERGED:
    case WG_EV_INCIDENT_DOWNGRADED:
      ok = apply_incident (self, event, error);
      break;

    case WG_EV_ALARM_RAISED:
    case WG_EV_ALARM_ESCALATED:
    case WG_EV_ALARM_ACKNOWLEDGED:
      ok = apply_alarm (self, event, error);
      break;

    case WG_EV_ASSIGNMENT_CREATED:
    case WG_EV_ASSIGNMENT_ACKNOWLEDGED:
    case WG_EV_ASSIGNMENT_EN_ROUTE:
    case WG_EV_ASSIGNMENT_ON_SCENE:
    case WG_EV_ASSIGNMENT_CLEARED:
    case WG_EV_ASSIGNMENT_CANCELLED:
      ok = apply_assignment (self, event, error);
      break;

    case WG_EV_UNIT_STATUS_CHANGED:
      if (!need (event, "status", wg_event_get_body_string (event, "status") != NULL, error) ||
          !ensure_unit (self, event->subject, error))
        return FALSE;
      stmt = _wg_store_stmt (self, "UPDATE units SET status = ?2, updated_at = ?3 WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 2, wg_event_get_body_string (event, "status"));
      sqlite3_bind_int64 (stmt, 3, event->ts);
      return _wg_store_step_done (self, stmt, error);

    case WG_EV_ROSTER_HANDED_OVER:
      stmt = _wg_store_stmt (self,
        "INSERT OR REPLACE INTO roster (id, duty_leader, since, previous) VALUES (1, ?1, ?2, ?3)", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, event->subject);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      wg_sqlite_bind_text_or_null (stmt, 3, wg_event_get_body_string (event, "from"));
      return _wg_store_step_done (self, stmt, error);

    case WG_N_EVENT_TYPES:
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    return FALSE;
  if (event->incident != NULL)
    return touch_incident (self, event, error);
  return TRUE;
}
