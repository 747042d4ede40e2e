/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal, the idempotency table and the checkpoints; the state
 * tables are written by wg-projection.c only.
 */
#define G_LOG_DOMAIN "wg-store"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "wg-decide.h"
#include "wg-error.h"
#include "wg-json.h"
#include "wg-sqlite.h"
#include "wg-store-delta.h"
#include "wg-store-private.h"
#include "wg-wal-checkpointer.h"

struct _WgStore
{
  gatomicrefcount  ref_count;
  sqlite3         *db;
  char            *path;
  WgRules         *rules;
  GHashTable      *stmts;       /* const char *sql -> sqlite3_stmt */
  WgStateReader    reader;
  gint64           head_seq;
  gint64           head_ts;
  gint64           last_checkpoint_seq;
  guint            checkpoint_interval;
  /* Delta checkpoints (wg-store-delta.h): every delta_interval events
   * between full ones; the last full one; the rows marked since delta_since
   * (-1: not since this open; a checkpoint rolled back leaves it unequal
   * to last_checkpoint_seq, so the next one has no delta). */
  guint            delta_interval;
  gint64           last_full_seq;
  gint64           last_full_rows;
  WgStoreDelta    *delta_marks;
  gint64           delta_since;
  gboolean         in_batch;
  /* SQLite rolled the whole batch back on its own (SQLITE_FULL, IOERR or
   * NOMEM in a statement that has no statement journal): no savepoint is
   * left, so the batch can only fail. */
  gboolean         batch_lost;
  /* Begun by wg_store_begin_without_savepoints(); set when a change that
   * wrote failed: the batch must run again with its savepoints. */
  gboolean         batch_unguarded;
  gboolean         batch_needs_savepoints;
  WgWalCheckpointer *wal_checkpointer;
  char            *exercise;
  gboolean         keep_event_text;
  /* One day's incidents per street (case numbers), each street's counted
   * once and then kept up by the appends: counting per report cost a scan
   * of the day's incidents.  Keys "PREFIX-DAY-"; the day NULL when
   * unknown; forgotten whenever a change is undone. */
  char            *case_day;
  GHashTable      *case_counts;
  char            *journal_id;
  WgStoreCommandCheck command_check;
  gpointer         command_check_data;
};

G_DEFINE_BOXED_TYPE (WgStore, wg_store, wg_store_ref, wg_store_unref)

/* Migrations, by PRAGMA user_version: entry i takes version i to i + 1. */
static const char *const migrations[] = {
  /* 0 -> 1 */
  "CREATE TABLE journal ("
  "  seq INTEGER PRIMARY KEY,"
  "  ts INTEGER NOT NULL,"
  "  type TEXT NOT NULL,"
  "  actor TEXT,"
  "  role TEXT,"
  "  command TEXT,"
  "  subject TEXT NOT NULL,"
  "  incident TEXT,"
  "  exercise TEXT,"
  "  body TEXT NOT NULL"
  ");"
  "CREATE INDEX journal_incident ON journal (incident, seq) WHERE incident IS NOT NULL;"
  "CREATE TABLE commands ("
  "  id TEXT PRIMARY KEY,"
  "  type TEXT NOT NULL,"
  "  body_hash TEXT NOT NULL,"
  "  actor TEXT NOT NULL,"
  "  role TEXT NOT NULL,"
  "  received_at INTEGER NOT NULL,"
  "  outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'refused')),"
  "  first_seq INTEGER,"
  "  last_seq INTEGER,"
  "  error_code TEXT,"
  "  error_message TEXT"
  ") WITHOUT ROWID;"
  "CREATE TABLE units ("
  "  id TEXT PRIMARY KEY,"
  "  type TEXT,"
  "  name TEXT,"
  "  home_grid TEXT,"
  "  account TEXT,"
  "  status TEXT NOT NULL DEFAULT 'available',"
  "  open_assignments INTEGER NOT NULL DEFAULT 0,"
  "  updated_at INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX units_account ON units (account);"
  "CREATE TABLE incidents ("
  "  id TEXT PRIMARY KEY,"
  "  case_number TEXT,"
  "  case_day TEXT,"
  "  grade TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  category TEXT,"
  "  summary TEXT,"
  "  grid TEXT,"
  "  department TEXT,"
  "  default_department TEXT,"
  "  lat REAL,"
  "  lon REAL,"
  "  reporter TEXT,"
  "  reported_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  step TEXT,"
  "  deadline INTEGER,"
  "  overdue INTEGER NOT NULL DEFAULT 0,"
  "  suspended_from TEXT,"
  "  suspended_at INTEGER,"
  "  escalation_level TEXT,"
  "  first_seq INTEGER NOT NULL,"
  "  last_seq INTEGER NOT NULL"
  ");"
  "CREATE INDEX incidents_case_day ON incidents (case_day);"
  "CREATE INDEX incidents_open_deadline ON incidents (deadline)"
  "  WHERE deadline IS NOT NULL AND overdue = 0;"
  "CREATE TABLE alarms ("
  "  incident TEXT PRIMARY KEY REFERENCES incidents (id),"
  "  state TEXT NOT NULL,"
  "  raised_at INTEGER NOT NULL,"
  "  changed_at INTEGER NOT NULL,"
  "  escalations INTEGER NOT NULL DEFAULT 0,"
  "  escalated_to TEXT,"
  "  acknowledged_at INTEGER,"
  "  acknowledged_by TEXT"
  ");"
  "CREATE TABLE assignments ("
  "  id TEXT PRIMARY KEY,"
  "  incident TEXT NOT NULL REFERENCES incidents (id),"
  "  unit TEXT NOT NULL REFERENCES units (id),"
  "  state TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL,"
  "  acknowledged_at INTEGER,"
  "  en_route_at INTEGER,"
  "  on_scene_at INTEGER,"
  "  ended_at INTEGER,"
  "  created_seq INTEGER NOT NULL"
  ");"
  "CREATE INDEX assignments_incident ON assignments (incident);"
  "CREATE INDEX assignments_unit ON assignments (unit);"
  "CREATE TABLE deadlines ("
  "  incident TEXT NOT NULL REFERENCES incidents (id),"
  "  step TEXT NOT NULL,"
  "  started_at INTEGER NOT NULL,"
  "  started_seq INTEGER NOT NULL,"
  "  due_at INTEGER,"
  "  ended_at INTEGER,"
  "  overdue INTEGER NOT NULL DEFAULT 0,"
  "  overdue_at INTEGER,"
  "  extensions INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (incident, started_seq)"
  ") WITHOUT ROWID;"
  "CREATE INDEX deadlines_open ON deadlines (incident) WHERE ended_at IS NULL;"
  "CREATE TABLE roster ("
  "  id INTEGER PRIMARY KEY CHECK (id = 1),"
  "  duty_leader TEXT,"
  "  since INTEGER,"
  "  previous TEXT"
  ");"
  /* Every department an incident was routed to, from which seq: a
   * department's journal view starts there. */
  "CREATE TABLE routings ("
  "  incident TEXT NOT NULL REFERENCES incidents (id),"
  "  department TEXT NOT NULL,"
  "  first_seq INTEGER NOT NULL,"
  "  PRIMARY KEY (incident, department)"
  ") WITHOUT ROWID;"
  "CREATE INDEX routings_department ON routings (department, incident);"
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;"
  /* Checkpoints: copies of the projection tables, keyed by the seq they
   * were taken at. */
  "CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, rows INTEGER NOT NULL);"
  "CREATE TABLE cp_units AS SELECT 0 AS cp, * FROM units WHERE 0;"
  "CREATE TABLE cp_incidents AS SELECT 0 AS cp, * FROM incidents WHERE 0;"
  "CREATE TABLE cp_alarms AS SELECT 0 AS cp, * FROM alarms WHERE 0;"
  "CREATE TABLE cp_assignments AS SELECT 0 AS cp, * FROM assignments WHERE 0;"
  "CREATE TABLE cp_deadlines AS SELECT 0 AS cp, * FROM deadlines WHERE 0;"
  "CREATE TABLE cp_roster AS SELECT 0 AS cp, * FROM roster WHERE 0;"
  "CREATE TABLE cp_routings AS SELECT 0 AS cp, * FROM routings WHERE 0;"
  "CREATE INDEX cp_units_cp ON cp_units (cp);"
  "CREATE INDEX cp_incidents_cp ON cp_incidents (cp);"
  "CREATE INDEX cp_alarms_cp ON cp_alarms (cp);"
  "CREATE INDEX cp_assignments_cp ON cp_assignments (cp);"
  "CREATE INDEX cp_deadlines_cp ON cp_deadlines (cp);"
  "CREATE INDEX cp_roster_cp ON cp_roster (cp);"
  "CREATE INDEX cp_routings_cp ON cp_routings (cp);",
  /* 1 -> 2: each event's JSON text, built once when it is appended and
   * served as it is (wg-journal-view.c); json_masked is NULL when it would
   * be the same as json.  Indexes for the reading rules' lookups. */
  "ALTER TABLE journal ADD COLUMN json TEXT;"
  "ALTER TABLE journal ADD COLUMN json_masked TEXT;"
  "CREATE INDEX journal_unit_status ON journal (subject, seq) WHERE type = 'unit.status_changed';"
  "CREATE INDEX incidents_grid ON incidents (grid);",
  /* 2 -> 3: the full work-order cycle.  co_departments is a JSON array;
   * source is kept as the journal has it (readers normalise old slugs). */
  "ALTER TABLE incidents ADD COLUMN source TEXT;"
  "ALTER TABLE incidents ADD COLUMN co_departments TEXT;"
  "ALTER TABLE incidents ADD COLUMN handle_deadline INTEGER;"
  "ALTER TABLE incidents ADD COLUMN mediation TEXT;"
  "ALTER TABLE incidents ADD COLUMN call_back_required INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE incidents ADD COLUMN call_back TEXT;"
  "ALTER TABLE incidents ADD COLUMN extension_requested INTEGER;"
  "ALTER TABLE incidents ADD COLUMN supervision TEXT;"
  "ALTER TABLE incidents ADD COLUMN merged_into TEXT;"
  "ALTER TABLE incidents ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE incidents ADD COLUMN reworks INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE cp_incidents ADD COLUMN source TEXT;"
  "ALTER TABLE cp_incidents ADD COLUMN co_departments TEXT;"
  "ALTER TABLE cp_incidents ADD COLUMN handle_deadline INTEGER;"
  "ALTER TABLE cp_incidents ADD COLUMN mediation TEXT;"
  "ALTER TABLE cp_incidents ADD COLUMN call_back_required INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE cp_incidents ADD COLUMN call_back TEXT;"
  "ALTER TABLE cp_incidents ADD COLUMN extension_requested INTEGER;"
  "ALTER TABLE cp_incidents ADD COLUMN supervision TEXT;"
  "ALTER TABLE cp_incidents ADD COLUMN merged_into TEXT;"
  "ALTER TABLE cp_incidents ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE cp_incidents ADD COLUMN reworks INTEGER NOT NULL DEFAULT 0;"
  "UPDATE incidents SET source = (SELECT json_extract (j.body, '$.source') FROM journal j"
  "  WHERE j.seq = incidents.first_seq AND j.type = 'incident.reported');",
  /* 3 -> 4: the public display's text of each event (the wall role,
   * wg-public-display.h); the server fills it for the events before, at
   * its start (wg_store_fill_event_texts()). */
  "ALTER TABLE journal ADD COLUMN json_public TEXT;"
  /* A supervision notice's answer deadline, while its timer waits. */
  "ALTER TABLE incidents ADD COLUMN supervision_answer_by INTEGER;"
  "ALTER TABLE cp_incidents ADD COLUMN supervision_answer_by INTEGER;"
  "CREATE INDEX incidents_supervision_due ON incidents (supervision_answer_by)"
  "  WHERE supervision_answer_by IS NOT NULL;",
  /* 4 -> 5: delta checkpoints (wg-store-delta.h).  A checkpoint holds a
   * full copy (full, rows; under cp = seq) and/or the delta from the
   * checkpoint at base (delta_rows; under cp = -seq; NULL base: none); the
   * rows a delta removes are tombstones, keyed as the table is (k1, k2). */
  "ALTER TABLE checkpoints ADD COLUMN full INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE checkpoints ADD COLUMN base INTEGER;"
  "ALTER TABLE checkpoints ADD COLUMN delta_rows INTEGER;"
  "CREATE TABLE cp_deleted (cp INTEGER NOT NULL, tbl TEXT NOT NULL, k1, k2);"
  "CREATE INDEX cp_deleted_cp ON cp_deleted (cp);",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == WG_STORE_SCHEMA_VERSION);

/* Key order of each projection table for wg_store_dump_state(). */
static const struct {
  const char *table;
  const char *order;
} dump_tables[] = {
  { "units", "id" },
  { "incidents", "id" },
  { "alarms", "incident" },
  { "assignments", "id" },
  { "deadlines", "incident, started_seq" },
  { "roster", "id" },
  { "routings", "incident, department" },
};

gboolean
_wg_store_set_error (WgStore  *self,
                     GError  **error)
{
  g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s: %s",
               self->path, sqlite3_errmsg (self->db));
  return FALSE;
}

sqlite3_stmt *
_wg_store_stmt (WgStore     *self,
                const char  *sql,
                GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->stmts, sql);

  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }
  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  g_hash_table_insert (self->stmts, (gpointer) sql, stmt);
  return stmt;
}

gboolean
_wg_store_step_done (WgStore       *self,
                     sqlite3_stmt  *stmt,
                     GError       **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _wg_store_set_error (self, error);
  return TRUE;
}

gboolean
_wg_store_exec (WgStore     *self,
                const char  *sql,
                GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return _wg_store_set_error (self, error);
  return TRUE;
}

/* A transaction's own statement (BEGIN, SAVEPOINT, RELEASE, COMMIT), run
 * once or twice per command: prepared once, not parsed each time as
 * sqlite3_exec() would.  @sql must be a string literal (the cache key). */
static gboolean
exec_cached (WgStore     *self,
             const char  *sql,
             GError     **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self, sql, error);

  return stmt != NULL && _wg_store_step_done (self, stmt, error);
}

/* ---------------------------------------------------------------- reader */

#define INCIDENT_COLUMNS \
  "i.id, i.case_number, i.grade, i.state, i.category, i.summary, i.grid, i.department," \
  " i.lat, i.lon, i.reporter, i.reported_at, i.updated_at, i.step, i.deadline, i.overdue," \
  " a.state, a.changed_at, a.escalations, i.suspended_from, i.suspended_at, i.escalation_level," \
  " i.source, i.co_departments, i.handle_deadline, i.mediation, i.call_back_required, i.call_back," \
  " i.extension_requested, i.supervision, i.merged_into, i.repeats, i.reworks, a.raised_at," \
  " i.supervision_answer_by"

/* The full work-order cycle's columns, from @first on. */
static void
read_cycle_columns (sqlite3_stmt     *stmt,
                    int               first,
                    WgIncidentRecord *r)
{
  const char *source = (const char *) sqlite3_column_text (stmt, first);
  const char *co = (const char *) sqlite3_column_text (stmt, first + 1);
  WgSatisfaction satisfaction;
  WgSupervisionLevel level;

  r->source = g_strdup (wg_source_normalize (source) != NULL ? wg_source_normalize (source) : source);
  if (co != NULL)
    {
      g_autoptr(JsonNode) node = wg_json_parse (co, -1, NULL);

      if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
        {
          JsonArray *array = json_node_get_array (node);
          guint n = json_array_get_length (array);

          r->co_departments = g_new0 (char *, n + 1);
          for (guint i = 0; i < n; i++)
            r->co_departments[i] = g_strdup (json_array_get_string_element (array, i));
        }
    }
  r->handle_deadline = sqlite3_column_int64 (stmt, first + 2);
  r->mediation = wg_sqlite_column_dup (stmt, first + 3);
  r->call_back_required = sqlite3_column_int (stmt, first + 4) != 0;
  r->call_back = wg_satisfaction_from_string ((const char *) sqlite3_column_text (stmt, first + 5), &satisfaction)
                 ? (int) satisfaction : -1;
  r->extension_requested = sqlite3_column_int64 (stmt, first + 6);
  r->supervision = wg_supervision_level_from_string ((const char *) sqlite3_column_text (stmt, first + 7), &level)
                   ? (int) level : -1;
  r->merged_into = wg_sqlite_column_dup (stmt, first + 8);
  r->repeats = sqlite3_column_int (stmt, first + 9);
  r->reworks = sqlite3_column_int (stmt, first + 10);
  r->alarm_raised_at = sqlite3_column_int64 (stmt, first + 11);
  r->supervision_answer_by = sqlite3_column_int64 (stmt, first + 12);
}

static void
read_incident_row (sqlite3_stmt     *stmt,
                   WgIncidentRecord *out)
{
  WgIncidentRecord r = { 0 };
  WgStep step;
  WgEscalationLevel level;

  r.id = wg_sqlite_column_dup (stmt, 0);
  r.case_number = wg_sqlite_column_dup (stmt, 1);
  wg_grade_from_string ((const char *) sqlite3_column_text (stmt, 2), &r.grade);
  wg_incident_state_from_string ((const char *) sqlite3_column_text (stmt, 3), &r.state);
  r.category = wg_sqlite_column_dup (stmt, 4);
  r.summary = wg_sqlite_column_dup (stmt, 5);
  r.grid = wg_sqlite_column_dup (stmt, 6);
  r.department = wg_sqlite_column_dup (stmt, 7);
  r.lat = sqlite3_column_double (stmt, 8);
  r.lon = sqlite3_column_double (stmt, 9);
  r.reporter = wg_sqlite_column_dup (stmt, 10);
  r.reported_at = sqlite3_column_int64 (stmt, 11);
  r.updated_at = sqlite3_column_int64 (stmt, 12);
  r.step = wg_step_from_string ((const char *) sqlite3_column_text (stmt, 13), &step) ? (int) step : -1;
  r.deadline = sqlite3_column_int64 (stmt, 14);
  r.overdue = sqlite3_column_int (stmt, 15) != 0;
  if (!wg_alarm_state_from_string ((const char *) sqlite3_column_text (stmt, 16), &r.alarm))
    r.alarm = WG_ALARM_NONE;
  r.alarm_changed_at = sqlite3_column_int64 (stmt, 17);
  r.alarm_escalations = sqlite3_column_int (stmt, 18);
  if (!wg_incident_state_from_string ((const char *) sqlite3_column_text (stmt, 19), &r.suspended_from))
    r.suspended_from = WG_STATE_REPORTED;
  r.suspended_at = sqlite3_column_int64 (stmt, 20);
  r.escalation_level = wg_escalation_level_from_string ((const char *) sqlite3_column_text (stmt, 21), &level)
                       ? (int) level : -1;
  read_cycle_columns (stmt, 22, &r);
  *out = r;
}

/* Steps a query for the one row with id ?1.  Returns the statement on that
 * row (read it, then sqlite3_reset() it), or NULL: no such row (@error
 * unset) or a failure (@error set). */
static sqlite3_stmt *
step_row_by_id (WgStore     *self,
                const char  *sql,
                const char  *id,
                GError     **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self, sql, error);
  int rc;

  if (stmt == NULL)
    return NULL;
  wg_sqlite_bind_text_or_null (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return stmt;
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    _wg_store_set_error (self, error);
  return NULL;
}

static gboolean
reader_get_incident (gpointer           user_data,
                     const char        *id,
                     WgIncidentRecord  *out,
                     GError           **error)
{
  WgStore *self = user_data;
  sqlite3_stmt *stmt = step_row_by_id (self,
    "SELECT " INCIDENT_COLUMNS " FROM incidents i LEFT JOIN alarms a ON a.incident = i.id"
    " WHERE i.id = ?1", id, error);

  if (stmt == NULL)
    return FALSE;
  read_incident_row (stmt, out);
  sqlite3_reset (stmt);
  return TRUE;
}

static void
read_assignment_row (sqlite3_stmt       *stmt,
                     WgAssignmentRecord *out)
{
  WgAssignmentRecord r = { 0 };

  r.id = wg_sqlite_column_dup (stmt, 0);
  r.incident = wg_sqlite_column_dup (stmt, 1);
  r.unit = wg_sqlite_column_dup (stmt, 2);
  wg_assignment_state_from_string ((const char *) sqlite3_column_text (stmt, 3), &r.state);
  r.created_at = sqlite3_column_int64 (stmt, 4);
  r.updated_at = sqlite3_column_int64 (stmt, 5);
  *out = r;
}

static gboolean
reader_get_assignment (gpointer             user_data,
                       const char          *id,
                       WgAssignmentRecord  *out,
                       GError             **error)
{
  WgStore *self = user_data;
  sqlite3_stmt *stmt = step_row_by_id (self,
    "SELECT id, incident, unit, state, created_at, updated_at FROM assignments WHERE id = ?1", id, error);

  if (stmt == NULL)
    return FALSE;
  read_assignment_row (stmt, out);
  sqlite3_reset (stmt);
  return TRUE;
}

static void
read_unit_row (sqlite3_stmt *stmt,
               WgUnitRecord *out)
{
  WgUnitRecord r = { 0 };

  r.id = wg_sqlite_column_dup (stmt, 0);
  r.type = wg_sqlite_column_dup (stmt, 1);
  r.name = wg_sqlite_column_dup (stmt, 2);
  r.home_grid = wg_sqlite_column_dup (stmt, 3);
  r.account = wg_sqlite_column_dup (stmt, 4);
  wg_unit_status_from_string ((const char *) sqlite3_column_text (stmt, 5), &r.status);
  r.open_assignments = sqlite3_column_int (stmt, 6);
  r.updated_at = sqlite3_column_int64 (stmt, 7);
  *out = r;
}

static gboolean
reader_get_unit (gpointer       user_data,
                 const char    *id,
                 WgUnitRecord  *out,
                 GError       **error)
{
  WgStore *self = user_data;
  sqlite3_stmt *stmt = step_row_by_id (self,
    "SELECT id, type, name, home_grid, account, status, open_assignments, updated_at"
    " FROM units WHERE id = ?1", id, error);

  if (stmt == NULL)
    return FALSE;
  read_unit_row (stmt, out);
  sqlite3_reset (stmt);
  return TRUE;
}

static GPtrArray *
reader_open_assignments (gpointer     user_data,
                         const char  *incident,
                         GError     **error)
{
  WgStore *self = user_data;
  g_autoptr(GPtrArray) result = wg_assignment_record_array_new ();
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "SELECT id, incident, unit, state, created_at, updated_at FROM assignments"
    " WHERE incident = ?1 AND state NOT IN ('cleared', 'cancelled') ORDER BY created_seq, id", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  wg_sqlite_bind_text_or_null (stmt, 1, incident);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgAssignmentRecord *r = g_new0 (WgAssignmentRecord, 1);
      read_assignment_row (stmt, r);
      g_ptr_array_add (result, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&result);
}

static gint64
reader_count_cases_on_day (gpointer     user_data,
                           const char  *day,
                           const char  *prefix,
                           GError     **error)
{
  WgStore *self = user_data;
  g_autofree char *key = g_strconcat (prefix, "-", day, "-", NULL);
  gpointer cached;
  sqlite3_stmt *stmt;
  gint64 count;

  if (g_strcmp0 (self->case_day, day) != 0)
    {
      g_hash_table_remove_all (self->case_counts);
      g_free (self->case_day);
      self->case_day = g_strdup (day);
    }
  if (g_hash_table_lookup_extended (self->case_counts, key, NULL, &cached))
    return GPOINTER_TO_INT (cached);
  stmt = _wg_store_stmt (self,
                         "SELECT count(*) FROM incidents"
                         " WHERE case_day = ?1 AND substr (case_number, 1, length (?2)) = ?2", error);
  if (stmt == NULL)
    return -1;
  wg_sqlite_bind_text_or_null (stmt, 1, day);
  wg_sqlite_bind_text_or_null (stmt, 2, key);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _wg_store_set_error (self, error);
      return -1;
    }
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  g_hash_table_insert (self->case_counts, g_steal_pointer (&key), GINT_TO_POINTER ((int) count));
  return count;
}

/* A report appended on the counted day: one more case of its street. */
static void
count_appended_case (WgStore *self,
                     WgEvent *event)
{
  const char *number = json_object_get_string_member_with_default (event->body, "case_number", NULL);
  const char *last_dash = number != NULL ? strrchr (number, '-') : NULL;
  g_autofree char *key = NULL;
  gpointer cached;

  if (last_dash == NULL)
    return;
  key = g_strndup (number, last_dash - number + 1);
  if (g_hash_table_lookup_extended (self->case_counts, key, NULL, &cached))
    g_hash_table_insert (self->case_counts, g_steal_pointer (&key), GINT_TO_POINTER (GPOINTER_TO_INT (cached) + 1));
}

static void
forget_case_day (WgStore *self)
{
  g_clear_pointer (&self->case_day, g_free);
  g_hash_table_remove_all (self->case_counts);
}

static GPtrArray *
reader_timer_candidates (gpointer     user_data,
                         gint64       now_ms,
                         GError     **error)
{
  WgStore *self = user_data;
  g_autoptr(GPtrArray) result = wg_incident_record_array_new ();
  /* Indexed parts: open alarms (few), passed deadlines, and supervision
   * notices past their answer deadline. */
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "SELECT " INCIDENT_COLUMNS " FROM alarms a JOIN incidents i ON i.id = a.incident"
    " WHERE a.state IN ('raised', 'escalated') AND a.escalations < 2"
    "   AND i.state NOT IN ('closed', 'cancelled', 'merged')"
    " UNION "
    "SELECT " INCIDENT_COLUMNS " FROM incidents i LEFT JOIN alarms a ON a.incident = i.id"
    " WHERE i.deadline IS NOT NULL AND i.overdue = 0 AND i.deadline <= ?1"
    "   AND i.state NOT IN ('closed', 'cancelled', 'merged', 'suspended')"
    " UNION "
    "SELECT " INCIDENT_COLUMNS " FROM incidents i LEFT JOIN alarms a ON a.incident = i.id"
    " WHERE i.supervision_answer_by IS NOT NULL AND i.supervision_answer_by <= ?1"
    "   AND i.state NOT IN ('closed', 'cancelled', 'merged')"
    " ORDER BY 1", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgIncidentRecord *r = g_new0 (WgIncidentRecord, 1);
      read_incident_row (stmt, r);
      g_ptr_array_add (result, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&result);
}

static JsonNode *
reader_get_caller (gpointer     user_data,
                   const char  *incident,
                   GError     **error)
{
  WgStore *self = user_data;
  sqlite3_stmt *stmt;
  JsonNode *caller = NULL;
  int rc;

  /* journal_incident (incident, seq): the report is the first row. */
  stmt = _wg_store_stmt (self,
    "SELECT json_extract (body, '$.caller') FROM journal"
    " WHERE incident = ?1 AND type = 'incident.reported' ORDER BY seq LIMIT 1", error);
  if (stmt == NULL)
    return NULL;
  wg_sqlite_bind_text_or_null (stmt, 1, incident);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) == SQLITE_TEXT)
    {
      caller = wg_json_parse ((const char *) sqlite3_column_text (stmt, 0), -1, NULL);
      if (caller != NULL && !JSON_NODE_HOLDS_OBJECT (caller))
        g_clear_pointer (&caller, json_node_unref);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    _wg_store_set_error (self, error);
  return caller;
}

static const WgStateReaderFuncs store_reader_funcs = {
  reader_get_incident,
  reader_get_assignment,
  reader_get_unit,
  reader_open_assignments,
  reader_count_cases_on_day,
  reader_timer_candidates,
  reader_get_caller,
};

/* ------------------------------------------------------------ lifecycle */

static gboolean
read_int (WgStore     *self,
          const char  *sql,
          gint64      *out,
          GError     **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      return _wg_store_set_error (self, error);
    }
  *out = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
load_head (WgStore  *self,
           GError  **error)
{
  /* A cache started from a snapshot is complete up to the snapshot's head
   * even where its journal has no event there (yet: back-fill). */
  return read_int (self, "SELECT max (coalesce ((SELECT max (seq) FROM journal), 0),"
                         " coalesce ((SELECT value FROM meta WHERE key = 'snapshot_head'), 0))",
                   &self->head_seq, error) &&
         read_int (self, "SELECT coalesce ((SELECT ts FROM journal ORDER BY seq DESC LIMIT 1), 0)", &self->head_ts, error) &&
         read_int (self, "SELECT coalesce (max (seq), 0) FROM checkpoints", &self->last_checkpoint_seq, error) &&
         read_int (self, "SELECT coalesce (max (seq), 0) FROM checkpoints WHERE full", &self->last_full_seq, error) &&
         read_int (self, "SELECT coalesce ((SELECT rows FROM checkpoints WHERE full ORDER BY seq DESC LIMIT 1), 0)",
                   &self->last_full_rows, error);
}

/* The journal's id is made once, when the journal is created (or first
 * opened by a version that knows of it), and stays with the file. */
static gboolean
load_journal_id (WgStore  *self,
                 GError  **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self, "SELECT value FROM meta WHERE key = 'journal_id'", error);
  g_autofree char *fresh = NULL;

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    self->journal_id = wg_sqlite_column_dup (stmt, 0);
  sqlite3_reset (stmt);
  if (self->journal_id != NULL)
    return TRUE;

  fresh = g_uuid_string_random ();
  stmt = _wg_store_stmt (self, "INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_id', ?1)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, fresh, -1, SQLITE_TRANSIENT);
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;
  self->journal_id = g_steal_pointer (&fresh);
  return TRUE;
}

static gboolean
migrate (WgStore  *self,
         GError  **error)
{
  const WgSqliteErrors errors = { wg_error_quark, WG_ERROR_STORE, self->path };

  return wg_sqlite_migrate (self->db, &errors, migrations, G_N_ELEMENTS (migrations), error);
}

static void
finalize_stmt (gpointer data)
{
  sqlite3_finalize (data);
}

static WgStore *
store_open (const char  *path,
            gboolean     durable,
            int          open_flags,
            GError     **error)
{
  g_autoptr(WgStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_new0 (WgStore, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->path = g_strdup (path);
  self->rules = wg_rules_new ();
  self->case_counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, finalize_stmt);
  self->reader.funcs = &store_reader_funcs;
  self->reader.user_data = self;
  self->checkpoint_interval = WG_STORE_DEFAULT_CHECKPOINT_INTERVAL;
  self->delta_interval = WG_STORE_DEFAULT_DELTA_INTERVAL;
  self->delta_since = -1;

  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | open_flags,
                       NULL) != SQLITE_OK)
    {
      if (self->db == NULL)
        {
          g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s: out of memory", path);
          return NULL;
        }
      _wg_store_set_error (self, error);
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, 5000);

  if (!_wg_store_exec (self, durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF", error) ||
      !_wg_store_exec (self,
                       "PRAGMA journal_mode = WAL;"
                       "PRAGMA foreign_keys = ON;"
                       "PRAGMA cache_size = -32768;"
                       "PRAGMA temp_store = MEMORY;", error) ||
      !migrate (self, error) ||
      !load_head (self, error) ||
      !load_journal_id (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

WgStore *
wg_store_open (const char  *path,
               GError     **error)
{
  return store_open (path, TRUE, 0, error);
}

/* SQLite's "multi-thread" mode for this connection: no mutex taken and
 * released in every call (bind, step, column...: some 70 calls and 6,400
 * instructions a command on the server's writer). */
WgStore *
wg_store_open_unshared (const char  *path,
                        GError     **error)
{
  return store_open (path, TRUE, SQLITE_OPEN_NOMUTEX, error);
}

WgStore *
wg_store_ref (WgStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wg_store_unref (WgStore *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_hash_table_unref (self->stmts);
  g_clear_pointer (&self->delta_marks, _wg_store_delta_free);
  g_clear_pointer (&self->wal_checkpointer, wg_wal_checkpointer_free);
  if (self->db != NULL)
    sqlite3_close (self->db);
  wg_rules_unref (self->rules);
  g_free (self->exercise);
  g_free (self->case_day);
  g_hash_table_unref (self->case_counts);
  g_free (self->journal_id);
  g_free (self->path);
  g_free (self);
}

const char *
wg_store_get_path (WgStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

void
wg_store_set_rules (WgStore *self,
                    WgRules *rules)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (rules != NULL);
  wg_rules_ref (rules);
  wg_rules_unref (self->rules);
  self->rules = rules;
}

WgRules *
wg_store_get_rules (WgStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->rules;
}

void
wg_store_set_checkpoint_interval (WgStore *self,
                                  guint    events)
{
  g_return_if_fail (self != NULL);
  self->checkpoint_interval = events;
}

void
wg_store_set_delta_interval (WgStore *self,
                             guint    events)
{
  g_return_if_fail (self != NULL);
  self->delta_interval = events;
}

void
wg_store_set_exercise (WgStore    *self,
                       const char *exercise)
{
  g_return_if_fail (self != NULL);
  g_free (self->exercise);
  self->exercise = g_strdup (exercise);
}

void
wg_store_set_keep_event_text (WgStore  *self,
                              gboolean  keep)
{
  g_return_if_fail (self != NULL);
  self->keep_event_text = keep;
}

const char *
wg_store_get_exercise (WgStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->exercise;
}

const WgStateReader *
wg_store_get_reader (WgStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->reader;
}

gpointer
wg_store_get_sqlite (WgStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->db;
}

gint64
wg_store_head (WgStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->head_seq;
}

gboolean
wg_store_reload (WgStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  g_clear_pointer (&self->journal_id, g_free);
  return load_head (self, error) && load_journal_id (self, error);
}

void
wg_store_follow_head (WgStore *self,
                      gint64   seq)
{
  g_return_if_fail (self != NULL);
  self->head_seq = seq;
}

/* An emptied journal's head, in memory. */
static void
forget_head (WgStore *self)
{
  self->head_seq = 0;
  self->head_ts = 0;
  self->last_checkpoint_seq = 0;
  self->last_full_seq = 0;
  self->last_full_rows = 0;
}

/* @journal_id may be this store's own (a replay keeps its source's). */
static void
set_journal_id (WgStore    *self,
                const char *journal_id)
{
  if (self->journal_id == journal_id)
    return;
  g_free (self->journal_id);
  self->journal_id = g_strdup (journal_id);
}

void
wg_store_follow_reset (WgStore    *self,
                       const char *journal_id)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (journal_id != NULL);

  forget_head (self);
  set_journal_id (self, journal_id);
}

gboolean
wg_store_register_unit (WgStore     *self,
                        const char  *id,
                        const char  *type,
                        const char  *name,
                        const char  *home_grid,
                        const char  *account,
                        GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  stmt = _wg_store_stmt (self,
    "INSERT INTO units (id, type, name, home_grid, account) VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (id) DO UPDATE SET type = ?2, name = ?3, home_grid = ?4, account = ?5", error);
  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, id);
  wg_sqlite_bind_text_or_null (stmt, 2, type);
  wg_sqlite_bind_text_or_null (stmt, 3, name);
  wg_sqlite_bind_text_or_null (stmt, 4, home_grid);
  wg_sqlite_bind_text_or_null (stmt, 5, account);
  return _wg_store_step_done (self, stmt, error);
}

/* ---------------------------------------------------------- transactions */

gboolean
wg_store_begin (WgStore  *self,
                GError  **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  self->batch_needs_savepoints = FALSE;
  if (!exec_cached (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  self->in_batch = TRUE;
  self->batch_lost = FALSE;
  self->batch_unguarded = FALSE;
  return TRUE;
}

gboolean
wg_store_checkpoint_wal_in_background (WgStore  *self,
                                       guint     frames,
                                       GError  **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->wal_checkpointer == NULL, FALSE);

  self->wal_checkpointer = wg_wal_checkpointer_new (self->db, frames, error);
  return self->wal_checkpointer != NULL;
}

guint64
wg_store_get_wal_checkpoints (WgStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->wal_checkpointer != NULL ? wg_wal_checkpointer_get_n_checkpoints (self->wal_checkpointer) : 0;
}

gboolean
wg_store_begin_without_savepoints (WgStore  *self,
                                   GError  **error)
{
  if (!wg_store_begin (self, error))
    return FALSE;
  self->batch_unguarded = TRUE;
  return TRUE;
}

gboolean
wg_store_batch_needs_savepoints (WgStore *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->batch_needs_savepoints;
}

gboolean
wg_store_commit (WgStore  *self,
                 GError  **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->in_batch, FALSE);

  if (self->batch_lost || sqlite3_get_autocommit (self->db))
    {
      /* Committing now would end nothing, or only the savepoints that
       * ran after the rollback in a transaction of their own. */
      g_set_error (error, WG_ERROR, WG_ERROR_STORE,
                   "%s: the batch was rolled back after a storage failure", self->path);
      wg_store_rollback (self);
      return FALSE;
    }
  self->in_batch = FALSE;
  if (!exec_cached (self, "COMMIT", error))
    {
      wg_store_rollback (self);
      return FALSE;
    }
  return TRUE;
}

void
wg_store_rollback (WgStore *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self != NULL);

  self->in_batch = FALSE;
  self->batch_lost = FALSE;
  forget_case_day (self);
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (!load_head (self, &error))
    g_warning ("Cannot reload the journal head after a rollback: %s", error->message);
}

gboolean
wg_store_in_transaction (WgStore *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return !sqlite3_get_autocommit (self->db);
}

/* One logical change: a transaction of its own, or a savepoint inside a
 * group commit. */
typedef struct {
  gint64 head_seq;
  gint64 head_ts;
  gint64 last_checkpoint_seq;
  gint64 last_full_seq;
  gint64 last_full_rows;
  sqlite3_int64 changes;   /* the connection's rows changed, at the start */
} Mark;

static gboolean
change_begin (WgStore  *self,
              Mark     *mark,
              GError  **error)
{
  mark->head_seq = self->head_seq;
  mark->head_ts = self->head_ts;
  mark->last_checkpoint_seq = self->last_checkpoint_seq;
  mark->last_full_seq = self->last_full_seq;
  mark->last_full_rows = self->last_full_rows;
  if (self->in_batch && (self->batch_lost || sqlite3_get_autocommit (self->db)))
    {
      /* Outside a transaction a savepoint would start (and its release
       * commit) one of its own, with seqs after the lost ones: a gap. */
      self->batch_lost = TRUE;
      g_set_error (error, WG_ERROR, WG_ERROR_STORE,
                   "%s: the batch was rolled back after a storage failure", self->path);
      return FALSE;
    }
  mark->changes = sqlite3_total_changes64 (self->db);
  if (self->in_batch && self->batch_unguarded)
    return TRUE;
  return exec_cached (self, self->in_batch ? "SAVEPOINT wg_change" : "BEGIN IMMEDIATE", error);
}

static gboolean
change_end (WgStore  *self,
            Mark     *mark,
            GError  **error)
{
  if (self->in_batch && self->batch_unguarded)
    return TRUE;
  if (exec_cached (self, self->in_batch ? "RELEASE wg_change" : "COMMIT", error))
    return TRUE;
  forget_case_day (self);
  if (self->in_batch)
    {
      sqlite3_exec (self->db, "ROLLBACK TO wg_change; RELEASE wg_change", NULL, NULL, NULL);
      if (sqlite3_get_autocommit (self->db))
        self->batch_lost = TRUE;
      self->head_seq = mark->head_seq;
      self->head_ts = mark->head_ts;
      self->last_checkpoint_seq = mark->last_checkpoint_seq;
      self->last_full_seq = mark->last_full_seq;
      self->last_full_rows = mark->last_full_rows;
    }
  else
    wg_store_rollback (self);
  return FALSE;
}

static void
change_abort (WgStore *self,
              Mark    *mark)
{
  forget_case_day (self);
  if (self->in_batch && self->batch_unguarded)
    {
      /* A failed statement undid its own rows (or SQLite the whole
       * batch); rows of the change's earlier statements have no savepoint
       * to go back to. */
      if (sqlite3_get_autocommit (self->db))
        self->batch_lost = TRUE;
      else if (sqlite3_total_changes64 (self->db) != mark->changes)
        self->batch_lost = self->batch_needs_savepoints = TRUE;
    }
  else if (self->in_batch)
    {
      sqlite3_exec (self->db, "ROLLBACK TO wg_change; RELEASE wg_change", NULL, NULL, NULL);
      if (sqlite3_get_autocommit (self->db))
        self->batch_lost = TRUE;
    }
  else if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  self->head_seq = mark->head_seq;
  self->head_ts = mark->head_ts;
  self->last_checkpoint_seq = mark->last_checkpoint_seq;
  self->last_full_seq = mark->last_full_seq;
  self->last_full_rows = mark->last_full_rows;
}

/* --------------------------------------------------------------- journal */

static gboolean
insert_journal (WgStore  *self,
                WgEvent  *event,
                GError  **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "INSERT INTO journal (seq, ts, type, actor, role, command, subject, incident, exercise, body,"
    " json, json_masked, json_public) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", error);
  g_autofree char *body = NULL;
  g_autofree char *text = NULL;
  g_autofree char *masked = NULL;
  g_autofree char *public = NULL;

  if (stmt == NULL)
    return FALSE;
  if (self->keep_event_text)
    {
      text = _wg_store_event_texts (self, event, &body, &masked, &public, error);
      if (text == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 11, text, -1, SQLITE_STATIC);
      wg_sqlite_bind_static_or_null (stmt, 12, masked);
      sqlite3_bind_text (stmt, 13, public, -1, SQLITE_STATIC);
    }
  else
    body = wg_json_object_to_string (event->body);
  sqlite3_bind_int64 (stmt, 1, event->seq);
  sqlite3_bind_int64 (stmt, 2, event->ts);
  wg_sqlite_bind_static_or_null (stmt, 3, wg_event_get_type_name (event));
  wg_sqlite_bind_static_or_null (stmt, 4, event->actor);
  wg_sqlite_bind_static_or_null (stmt, 5, event->role);
  wg_sqlite_bind_static_or_null (stmt, 6, event->command);
  wg_sqlite_bind_static_or_null (stmt, 7, event->subject);
  wg_sqlite_bind_static_or_null (stmt, 8, event->incident);
  wg_sqlite_bind_static_or_null (stmt, 9, event->exercise);
  sqlite3_bind_text (stmt, 10, body, -1, SQLITE_STATIC);
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;
  /* The answer to the command sends the same texts. */
  if (text != NULL)
    wg_event_keep_texts (event, g_steal_pointer (&text), g_steal_pointer (&masked));
  return TRUE;
}

static gboolean write_checkpoint (WgStore  *self,
                                  gboolean  full,
                                  GError  **error);

static gboolean
maybe_checkpoint (WgStore  *self,
                  GError  **error)
{
  /* A full copy every interval events, but never more often than one row
   * copied per four events: the state grows.  In between a delta every
   * delta_interval events, when the marks cover the span since the last
   * checkpoint. */
  gboolean full_due = self->head_seq - self->last_full_seq >= MAX ((gint64) self->checkpoint_interval,
                                                                   self->last_full_rows / 4);
  gboolean delta_due = self->delta_interval > 0 &&
                       self->head_seq - self->last_checkpoint_seq >= (gint64) self->delta_interval;

  if (self->checkpoint_interval == 0 || !(full_due || delta_due))
    return TRUE;
  return write_checkpoint (self, full_due, error);
}

/* Appends @events with the next seqs (ts never before the head's) and
 * projects each.  Inside a change. */
static gboolean
append_events (WgStore    *self,
               GPtrArray  *events,
               GError    **error)
{
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      wg_event_set_seq (event, self->head_seq + 1);
      wg_event_set_ts (event, MAX (event->ts, self->head_ts));
      if (self->exercise != NULL)
        wg_event_set_exercise (event, self->exercise);
      if (!insert_journal (self, event, error) ||
          !_wg_projection_apply (self, event, error))
        return FALSE;
      if (event->type == WG_EV_INCIDENT_REPORTED && self->case_day != NULL)
        count_appended_case (self, event);
      self->head_seq = event->seq;
      self->head_ts = event->ts;
    }
  return maybe_checkpoint (self, error);
}

WgEvent *
_wg_store_read_event_row (sqlite3_stmt  *stmt,
                          GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) body = NULL;
  WgEventType type;
  WgEvent *event;

  if (!wg_event_type_from_string ((const char *) sqlite3_column_text (stmt, 2), &type))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "unknown event type in the journal");
      return NULL;
    }
  body = wg_json_parse ((const char *) sqlite3_column_text (stmt, 9), -1, &local_error);
  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "bad event body in the journal");
      return NULL;
    }
  event = wg_event_new (type, sqlite3_column_int64 (stmt, 1),
                        (const char *) sqlite3_column_text (stmt, 3),
                        (const char *) sqlite3_column_text (stmt, 4),
                        (const char *) sqlite3_column_text (stmt, 5),
                        (const char *) sqlite3_column_text (stmt, 6),
                        (const char *) sqlite3_column_text (stmt, 7),
                        json_node_get_object (body));
  wg_event_set_seq (event, sqlite3_column_int64 (stmt, 0));
  if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
    wg_event_set_exercise (event, (const char *) sqlite3_column_text (stmt, 8));
  return event;
}

static GPtrArray *
collect_events (WgStore       *self,
                sqlite3_stmt  *stmt,
                GError       **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgEvent *event = _wg_store_read_event_row (stmt, error);
      if (event == NULL)
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      g_ptr_array_add (events, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&events);
}

#define EVENT_COLUMNS "seq, ts, type, actor, role, command, subject, incident, exercise, body"

GPtrArray *
wg_store_read_journal (WgStore  *self,
                       gint64    after_seq,
                       guint     limit,
                       GError  **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _wg_store_stmt (self,
    "SELECT " EVENT_COLUMNS " FROM journal WHERE seq > ?1 ORDER BY seq LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_seq);
  sqlite3_bind_int64 (stmt, 2, limit);
  return collect_events (self, stmt, error);
}

GPtrArray *
wg_store_read_journal_as (WgStore       *self,
                          const WgActor *actor,
                          gint64         after_seq,
                          guint          limit,
                          GError       **error)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *unit = NULL;
  WgJournalViewer viewer;
  sqlite3_stmt *stmt;
  gboolean sees_phones;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  sees_phones = actor->role == WG_ROLE_ADMIN || actor->role == WG_ROLE_DUTY_LEADER ||
                actor->role == WG_ROLE_DISPATCHER;

  if (actor->role == WG_ROLE_GRID_WORKER || actor->role == WG_ROLE_DEPARTMENT)
    {
      /* The actor's own unit: named in the actor, or by account. */
      unit = g_strdup (actor->unit);
      if (unit == NULL)
        {
          int rc;

          stmt = _wg_store_stmt (self, "SELECT id FROM units WHERE account = ?1 ORDER BY id LIMIT 1", error);
          if (stmt == NULL)
            return NULL;
          wg_sqlite_bind_text_or_null (stmt, 1, actor->username);
          rc = sqlite3_step (stmt);
          if (rc == SQLITE_ROW)
            unit = wg_sqlite_column_dup (stmt, 0);
          sqlite3_reset (stmt);
          if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            {
              _wg_store_set_error (self, error);
              return NULL;
            }
        }

      /* The same rule as every other read (wg-journal-view.c). */
      wg_journal_viewer_init_from_actor (&viewer, actor);
      viewer.unit = unit;
      stmt = _wg_store_view_page_stmt (self, &viewer, after_seq, limit, error);
      if (stmt == NULL)
        return NULL;
      events = collect_events (self, stmt, error);
    }
  else
    events = wg_store_read_journal (self, after_seq, limit, error);

  if (events == NULL)
    return NULL;
  if (!sees_phones)
    for (guint i = 0; i < events->len; i++)
      {
        WgEvent *redacted = wg_event_redact_caller (events->pdata[i]);
        wg_event_unref (events->pdata[i]);
        events->pdata[i] = redacted;
      }
  return g_steal_pointer (&events);
}

GPtrArray *
wg_store_events_of_command (WgStore     *self,
                            const char  *command_id,
                            GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (command_id != NULL, NULL);

  /* A command's events are contiguous: the commands table knows where.
   * A console cache has no commands table rows: scan (rare). */
  stmt = _wg_store_stmt (self,
    "SELECT " EVENT_COLUMNS " FROM journal WHERE seq BETWEEN"
    " (SELECT first_seq FROM commands WHERE id = ?1) AND (SELECT last_seq FROM commands WHERE id = ?1)"
    " UNION ALL "
    "SELECT " EVENT_COLUMNS " FROM journal WHERE command = ?1"
    " AND NOT EXISTS (SELECT 1 FROM commands WHERE id = ?1)"
    " ORDER BY 1", error);
  if (stmt == NULL)
    return NULL;
  wg_sqlite_bind_text_or_null (stmt, 1, command_id);
  return collect_events (self, stmt, error);
}

GPtrArray *
wg_store_read_incident_events (WgStore     *self,
                               const char  *incident,
                               GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (incident != NULL, NULL);

  /* journal_incident (incident, seq) answers it without a scan. */
  stmt = _wg_store_stmt (self,
    "SELECT " EVENT_COLUMNS " FROM journal WHERE incident = ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  wg_sqlite_bind_text_or_null (stmt, 1, incident);
  return collect_events (self, stmt, error);
}

void
wg_attachment_refs_free (WgAttachmentRefs *refs)
{
  if (refs == NULL)
    return;
  g_free (refs->actor);
  g_free (refs->incident);
  g_strfreev (refs->ids);
  g_free (refs);
}

GPtrArray *
wg_store_read_attachment_refs (WgStore  *self,
                               gint64    since_ts,
                               GError  **error)
{
  g_autoptr(GPtrArray) refs = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_attachment_refs_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _wg_store_stmt (self,
    "SELECT actor, incident, json_extract (body, '$.attachments') FROM journal"
    " WHERE ts >= ?1 AND incident IS NOT NULL AND actor IS NOT NULL"
    " AND json_type (body, '$.attachments') = 'array' ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, since_ts);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) list = wg_json_parse ((const char *) sqlite3_column_text (stmt, 2), -1, NULL);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      WgAttachmentRefs *ref;
      JsonArray *array;

      if (list == NULL || !JSON_NODE_HOLDS_ARRAY (list))
        continue;
      array = json_node_get_array (list);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          g_autofree char *id = NULL;

          if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
            continue;
          id = g_ascii_strdown (json_node_get_string (element), -1);
          g_strv_builder_add (builder, id);
        }
      ref = g_new0 (WgAttachmentRefs, 1);
      ref->ids = g_strv_builder_end (builder);
      if (ref->ids[0] == NULL)
        {
          wg_attachment_refs_free (ref);
          continue;
        }
      ref->actor = wg_sqlite_column_dup (stmt, 0);
      ref->incident = wg_sqlite_column_dup (stmt, 1);
      g_ptr_array_add (refs, ref);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&refs);
}

gboolean
wg_store_adopt_incident (WgStore     *self,
                         const char  *incident,
                         GPtrArray   *events,
                         GError     **error)
{
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GHashTable) had = g_hash_table_new (g_int64_hash, g_int64_equal);
  sqlite3_stmt *stmt;
  Mark mark;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (incident != NULL, FALSE);
  g_return_val_if_fail (events != NULL, FALSE);

  forget_case_day (self);

  stmt = _wg_store_stmt (self, "SELECT 1 FROM incidents WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, incident);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;   /* known already: nothing to adopt */

  if (!change_begin (self, &mark, error))
    return FALSE;

  before = wg_store_read_incident_events (self, incident, error);
  if (before == NULL)
    goto fail;
  for (guint i = 0; i < before->len; i++)
    g_hash_table_add (had, &((WgEvent *) before->pdata[i])->seq);

  /* The events of the incident this view missed (below its head), next to
   * those it has; then the incident is projected from its first event on.
   * Its later events were applied while it was unknown and changed
   * nothing; step rows, should there be any, go first. */
  stmt = _wg_store_stmt (self,
    "INSERT OR IGNORE INTO journal (seq, ts, type, actor, role, command, subject, incident, exercise, body)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
  if (stmt == NULL)
    goto fail;
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      g_autofree char *body = NULL;

      if (g_strcmp0 (event->incident, incident) != 0 || event->seq > self->head_seq)
        continue;
      body = wg_json_object_to_string (event->body);
      sqlite3_bind_int64 (stmt, 1, event->seq);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      wg_sqlite_bind_text_or_null (stmt, 3, wg_event_get_type_name (event));
      wg_sqlite_bind_text_or_null (stmt, 4, event->actor);
      wg_sqlite_bind_text_or_null (stmt, 5, event->role);
      wg_sqlite_bind_text_or_null (stmt, 6, event->command);
      wg_sqlite_bind_text_or_null (stmt, 7, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 8, event->incident);
      wg_sqlite_bind_text_or_null (stmt, 9, event->exercise);
      sqlite3_bind_text (stmt, 10, body, -1, SQLITE_STATIC);
      if (!_wg_store_step_done (self, stmt, error))
        goto fail;
    }
  stmt = _wg_store_stmt (self, "DELETE FROM deadlines WHERE incident = ?1", error);
  if (stmt == NULL)
    goto fail;
  wg_sqlite_bind_text_or_null (stmt, 1, incident);
  if (!_wg_store_step_done (self, stmt, error))
    goto fail;

  all = wg_store_read_incident_events (self, incident, error);
  if (all == NULL)
    goto fail;
  for (guint i = 0; i < all->len; i++)
    {
      WgEvent *event = all->pdata[i];

      /* Assignments of the view's own unit were projected in full when
       * they came (they do not need the incident): not twice. */
      if (g_hash_table_contains (had, &event->seq) &&
          g_str_has_prefix (wg_event_get_type_name (event), "assignment."))
        continue;
      if (!_wg_projection_apply (self, event, error))
        goto fail;
    }

  if (!change_end (self, &mark, error))
    goto fail;
  return TRUE;

fail:
  change_abort (self, &mark);
  return FALSE;
}

/* -------------------------------------------------------------- commands */

static gboolean
store_answer (WgStore        *self,
              WgCommand      *command,
              const WgActor  *actor,
              gint64          now_ms,
              GPtrArray      *events,
              const GError   *refusal,
              GError        **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "INSERT INTO commands (id, type, body_hash, actor, role, received_at, outcome,"
    " first_seq, last_seq, error_code, error_message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    error);

  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_static_or_null (stmt, 1, wg_command_get_id (command));
  wg_sqlite_bind_static_or_null (stmt, 2, wg_command_get_type_name (command));
  wg_sqlite_bind_static_or_null (stmt, 3, wg_command_get_body_hash (command));
  wg_sqlite_bind_static_or_null (stmt, 4, actor->username);
  wg_sqlite_bind_static_or_null (stmt, 5, wg_role_to_string (actor->role));
  sqlite3_bind_int64 (stmt, 6, now_ms);
  if (events != NULL)
    {
      wg_sqlite_bind_static_or_null (stmt, 7, "accepted");
      sqlite3_bind_int64 (stmt, 8, ((WgEvent *) events->pdata[0])->seq);
      sqlite3_bind_int64 (stmt, 9, ((WgEvent *) events->pdata[events->len - 1])->seq);
    }
  else
    {
      wg_sqlite_bind_static_or_null (stmt, 7, "refused");
      wg_sqlite_bind_static_or_null (stmt, 10, wg_error_code_to_slug (refusal->code));
      wg_sqlite_bind_static_or_null (stmt, 11, refusal->message);
    }
  return _wg_store_step_done (self, stmt, error);
}

/* The stored answer to a command id seen before: 1 found (answered into
 * the out parameters), 0 not seen, -1 failure. */
static int
lookup_answer (WgStore        *self,
               WgCommand      *command,
               const WgActor  *actor,
               GPtrArray     **events_out,
               GError        **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "SELECT type, body_hash, actor, outcome, first_seq, last_seq, error_code, error_message"
    " FROM commands WHERE id = ?1", error);
  g_autofree char *type = NULL, *hash = NULL, *who = NULL, *outcome = NULL;
  g_autofree char *code = NULL, *message = NULL;
  gint64 first, last;
  int rc;

  if (stmt == NULL)
    return -1;
  wg_sqlite_bind_static_or_null (stmt, 1, wg_command_get_id (command));
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return 0;
    }
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _wg_store_set_error (self, error);
      return -1;
    }
  type = wg_sqlite_column_dup (stmt, 0);
  hash = wg_sqlite_column_dup (stmt, 1);
  who = wg_sqlite_column_dup (stmt, 2);
  outcome = wg_sqlite_column_dup (stmt, 3);
  first = sqlite3_column_int64 (stmt, 4);
  last = sqlite3_column_int64 (stmt, 5);
  code = wg_sqlite_column_dup (stmt, 6);
  message = wg_sqlite_column_dup (stmt, 7);
  sqlite3_reset (stmt);

  if (g_strcmp0 (type, wg_command_get_type_name (command)) != 0 ||
      g_strcmp0 (hash, wg_command_get_body_hash (command)) != 0 ||
      g_strcmp0 (who, actor->username) != 0)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_IDEMPOTENCY_KEY_REUSE,
                   "command id %s was used for another command", wg_command_get_id (command));
      return -1;
    }

  if (g_strcmp0 (outcome, "accepted") == 0)
    {
      g_autoptr(GPtrArray) events = NULL;

      stmt = _wg_store_stmt (self,
        "SELECT " EVENT_COLUMNS " FROM journal WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq", error);
      if (stmt == NULL)
        return -1;
      sqlite3_bind_int64 (stmt, 1, first);
      sqlite3_bind_int64 (stmt, 2, last);
      events = collect_events (self, stmt, error);
      if (events == NULL)
        return -1;
      if (events_out != NULL)
        *events_out = g_steal_pointer (&events);
      return 1;
    }
  else
    {
      WgErrorCode error_code = WG_ERROR_STORE;

      wg_error_code_from_slug (code, &error_code);
      g_set_error_literal (error, WG_ERROR, error_code, message != NULL ? message : "");
      return 1;
    }
}

void
wg_store_set_command_check (WgStore             *self,
                            WgStoreCommandCheck  check,
                            gpointer             user_data)
{
  g_return_if_fail (self != NULL);
  self->command_check = check;
  self->command_check_data = user_data;
}

/* Ends the change begun as @mark with @refusal (taken): a rule's refusal
 * is an answer too, stored so that a retry gets the same one. */
static gboolean
end_refused (WgStore        *self,
             Mark           *mark,
             WgCommand      *command,
             const WgActor  *actor,
             gint64          now_ms,
             GError         *refusal,
             GError        **error)
{
  if (wg_error_is_rule_refusal (refusal))
    {
      if (!store_answer (self, command, actor, now_ms, NULL, refusal, error) ||
          !change_end (self, mark, error))
        {
          change_abort (self, mark);
          g_error_free (refusal);
          return FALSE;
        }
    }
  else
    change_abort (self, mark);
  g_propagate_error (error, refusal);
  return FALSE;
}

/* wg_store_execute_command(), or with @found_refusal set,
 * wg_store_refuse_command(). */
static gboolean
execute_command (WgStore        *self,
                 WgCommand      *command,
                 const WgActor  *actor,
                 gint64          now_ms,
                 const GError   *found_refusal,
                 GPtrArray     **events_out,
                 gboolean       *replayed,
                 GError        **error)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) refusal = NULL;
  g_autoptr(GError) local_error = NULL;
  Mark mark;
  int seen;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (command != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);

  if (replayed != NULL)
    *replayed = FALSE;
  if (!change_begin (self, &mark, error))
    return FALSE;

  seen = lookup_answer (self, command, actor, &events, &local_error);
  if (seen != 0)
    {
      change_abort (self, &mark);
      if (replayed != NULL)
        *replayed = seen == 1;
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (events_out != NULL)
        *events_out = g_steal_pointer (&events);
      return TRUE;
    }

  if (found_refusal != NULL)
    return end_refused (self, &mark, command, actor, now_ms, g_error_copy (found_refusal), error);
  events = wg_decide (&self->reader, self->rules, command, actor, now_ms, &refusal);
  if (events == NULL ||
      (self->command_check != NULL &&
       !self->command_check (command, actor, events, self->command_check_data, &refusal)))
    return end_refused (self, &mark, command, actor, now_ms, g_steal_pointer (&refusal), error);

  if (!append_events (self, events, error) ||
      !store_answer (self, command, actor, now_ms, events, NULL, error))
    {
      change_abort (self, &mark);
      return FALSE;
    }
  if (!change_end (self, &mark, error))
    return FALSE;

  if (events_out != NULL)
    *events_out = g_steal_pointer (&events);
  return TRUE;
}

gboolean
wg_store_execute_command (WgStore        *self,
                          WgCommand      *command,
                          const WgActor  *actor,
                          gint64          now_ms,
                          GPtrArray     **events_out,
                          gboolean       *replayed,
                          GError        **error)
{
  return execute_command (self, command, actor, now_ms, NULL, events_out, replayed, error);
}

gboolean
wg_store_refuse_command (WgStore        *self,
                         WgCommand      *command,
                         const WgActor  *actor,
                         gint64          now_ms,
                         const GError   *refusal,
                         GPtrArray     **events_out,
                         gboolean       *replayed,
                         GError        **error)
{
  g_return_val_if_fail (refusal != NULL, FALSE);

  return execute_command (self, command, actor, now_ms, refusal, events_out, replayed, error);
}

gboolean
wg_store_run_timers (WgStore     *self,
                     gint64       now_ms,
                     GPtrArray  **events_out,
                     GError     **error)
{
  g_autoptr(GPtrArray) events = NULL;
  Mark mark;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!change_begin (self, &mark, error))
    return FALSE;
  events = wg_decide_timers (&self->reader, self->rules, now_ms, error);
  if (events == NULL)
    {
      change_abort (self, &mark);
      return FALSE;
    }
  if (events->len == 0)
    /* Nothing due (the usual case): no commit, no fsync. */
    change_abort (self, &mark);
  else if (!append_events (self, events, error))
    {
      change_abort (self, &mark);
      return FALSE;
    }
  else if (!change_end (self, &mark, error))
    return FALSE;
  if (events_out != NULL)
    *events_out = g_steal_pointer (&events);
  return TRUE;
}

gboolean
wg_store_apply_events (WgStore    *self,
                       GPtrArray  *events,
                       GError    **error)
{
  Mark mark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (events != NULL, FALSE);

  if (!change_begin (self, &mark, error))
    return FALSE;

  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->seq <= self->head_seq)
        {
          g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT,
                       "event %" G_GINT64_FORMAT " is not after the head %" G_GINT64_FORMAT,
                       event->seq, self->head_seq);
          change_abort (self, &mark);
          return FALSE;
        }
      if (!insert_journal (self, event, error) ||
          !_wg_projection_apply (self, event, error))
        {
          change_abort (self, &mark);
          return FALSE;
        }
      /* Counted as an appended report is: on PostgreSQL each batch
       * applies the other instances' reports, and counting the day's
       * cases again after each would cost a scan of them per batch. */
      if (event->type == WG_EV_INCIDENT_REPORTED && self->case_day != NULL)
        count_appended_case (self, event);
      self->head_seq = event->seq;
      self->head_ts = MAX (self->head_ts, event->ts);
    }

  if (!maybe_checkpoint (self, error) ||
      !change_end (self, &mark, error))
    {
      change_abort (self, &mark);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_meta_int (WgStore     *self,
              const char  *key,
              gint64       value,
              GError     **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, value);
  return _wg_store_step_done (self, stmt, error);
}

static gint64
get_meta_int (WgStore    *self,
              const char *key)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self, "SELECT value FROM meta WHERE key = ?1", NULL);
  gint64 value = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

static int
compare_event_seq (gconstpointer a,
                   gconstpointer b)
{
  gint64 sa = (*(WgEvent * const *) a)->seq, sb = (*(WgEvent * const *) b)->seq;

  return sa < sb ? -1 : sa > sb;
}

/* A unit's state as registering it leaves it (the columns' defaults). */
static gboolean
unit_is_as_registered (const WgUnitRecord *unit)
{
  return unit->status == WG_UNIT_AVAILABLE && unit->open_assignments == 0 && unit->updated_at == 0;
}

/* The ids of the units whose state is not as registered. */
static GHashTable *
units_not_as_registered (WgStore  *self,
                         GError  **error)
{
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _wg_store_stmt (self, "SELECT id FROM units"
                               " WHERE status <> 'available' OR open_assignments <> 0 OR updated_at <> 0", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

gboolean
wg_store_apply_snapshot (WgStore     *self,
                         gint64       head,
                         GPtrArray   *events,
                         GPtrArray   *units,
                         const char  *duty_leader,
                         gint64       duty_since,
                         GError     **error)
{
  g_autoptr(GPtrArray) sorted = NULL;
  g_autoptr(GHashTable) changed = NULL;
  sqlite3_stmt *stmt;
  Mark mark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (events != NULL && units != NULL, FALSE);
  g_return_val_if_fail (self->head_seq == 0, FALSE);

  /* Each incident's events in one global seq order: the projection meets
   * them as it would have. */
  sorted = g_ptr_array_copy (events, (GCopyFunc) wg_event_ref, NULL);
  g_ptr_array_set_free_func (sorted, (GDestroyNotify) wg_event_unref);
  g_ptr_array_sort (sorted, compare_event_seq);

  if (!change_begin (self, &mark, error))
    return FALSE;
  for (guint i = 0; i < sorted->len; i++)
    {
      WgEvent *event = sorted->pdata[i];

      if (event->seq > head || (i > 0 && event->seq == ((WgEvent *) sorted->pdata[i - 1])->seq))
        {
          g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT,
                       "snapshot event %" G_GINT64_FORMAT " is repeated or after its head %" G_GINT64_FORMAT,
                       event->seq, head);
          goto failed;
        }
      if (!insert_journal (self, event, error) ||
          !_wg_projection_apply (self, event, error))
        goto failed;
      self->head_ts = MAX (self->head_ts, event->ts);
    }

  /* What the events of open incidents do not tell: units' own statuses and
   * the roster.  A unit the snapshot has as registered (available, never
   * changed: most of a city's) is left alone when the cache has it so too,
   * rather than rewritten: one pass reads which units are not. */
  changed = units_not_as_registered (self, error);
  if (changed == NULL)
    goto failed;
  for (guint i = 0; i < units->len; i++)
    {
      WgUnitRecord *unit = units->pdata[i];

      if (unit->id != NULL && unit_is_as_registered (unit) && !g_hash_table_contains (changed, unit->id))
        continue;
      stmt = _wg_store_stmt (self, "UPDATE units SET status = ?2, open_assignments = ?3, updated_at = ?4 WHERE id = ?1",
                             error);
      if (stmt == NULL)
        goto failed;
      wg_sqlite_bind_text_or_null (stmt, 1, unit->id);
      sqlite3_bind_text (stmt, 2, wg_unit_status_to_string (unit->status), -1, SQLITE_STATIC);
      sqlite3_bind_int64 (stmt, 3, unit->open_assignments);
      sqlite3_bind_int64 (stmt, 4, unit->updated_at);
      if (!_wg_store_step_done (self, stmt, error))
        goto failed;
    }
  if (duty_leader != NULL)
    {
      stmt = _wg_store_stmt (self, "INSERT OR REPLACE INTO roster (id, duty_leader, since) VALUES (1, ?1, ?2)", error);
      if (stmt == NULL)
        goto failed;
      wg_sqlite_bind_text_or_null (stmt, 1, duty_leader);
      sqlite3_bind_int64 (stmt, 2, duty_since);
      if (!_wg_store_step_done (self, stmt, error))
        goto failed;
    }

  if (!set_meta_int (self, "snapshot_head", head, error) ||
      !set_meta_int (self, "backfill_after", 0, error))
    goto failed;
  self->head_seq = head;
  if (!change_end (self, &mark, error))
    return FALSE;
  return TRUE;

failed:
  change_abort (self, &mark);
  return FALSE;
}

typedef struct
{
  char   *id;
  char   *status;
  gint64  open_assignments;
  gint64  updated_at;
} SavedUnit;

static void
saved_unit_free (SavedUnit *unit)
{
  g_free (unit->id);
  g_free (unit->status);
  g_free (unit);
}

/* Whether the journal holds an event of @incident at or below @head
 * (@below) and above it (@above). */
static gboolean
incident_seqs (WgStore     *self,
               const char  *incident,
               gint64       head,
               gboolean    *below,
               gboolean    *above,
               GError     **error)
{
  /* journal_incident (incident, seq) answers both without a scan. */
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "SELECT EXISTS (SELECT 1 FROM journal WHERE incident = ?1 AND seq <= ?2),"
    " EXISTS (SELECT 1 FROM journal WHERE incident = ?1 AND seq > ?2)", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  wg_sqlite_bind_text_or_null (stmt, 1, incident);
  sqlite3_bind_int64 (stmt, 2, head);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *below = sqlite3_column_int (stmt, 0) != 0;
      *above = sqlite3_column_int (stmt, 1) != 0;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _wg_store_set_error (self, error);
  return TRUE;
}

static gboolean
delete_incident_rows (WgStore     *self,
                      const char  *incident,
                      GError     **error)
{
  static const char *const statements[] = {
    "DELETE FROM deadlines WHERE incident = ?1",
    "DELETE FROM alarms WHERE incident = ?1",
    "DELETE FROM routings WHERE incident = ?1",
    "DELETE FROM incidents WHERE id = ?1",
  };

  for (guint i = 0; i < G_N_ELEMENTS (statements); i++)
    {
      sqlite3_stmt *stmt = _wg_store_stmt (self, statements[i], error);

      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, incident);
      if (!_wg_store_step_done (self, stmt, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
wg_store_apply_ended_snapshot (WgStore     *self,
                               gint64       head,
                               GPtrArray   *events,
                               GPtrArray  **applied,
                               GError     **error)
{
  g_autoptr(GPtrArray) sorted = NULL;
  g_autoptr(GPtrArray) done = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GHashTable) skipped = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) fresh = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) later = g_ptr_array_new ();
  g_autoptr(GHashTable) unit_ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) units = g_ptr_array_new_with_free_func ((GDestroyNotify) saved_unit_free);
  g_autoptr(GPtrArray) merges = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  sqlite3_stmt *stmt;
  Mark mark;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (events != NULL && applied != NULL, FALSE);

  if (head > self->head_seq)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT,
                   "the ended incidents at %" G_GINT64_FORMAT " are after the head %" G_GINT64_FORMAT,
                   head, self->head_seq);
      return FALSE;
    }
  sorted = g_ptr_array_copy (events, (GCopyFunc) wg_event_ref, NULL);
  g_ptr_array_set_free_func (sorted, (GDestroyNotify) wg_event_unref);
  g_ptr_array_sort (sorted, compare_event_seq);

  /* An incident with an event at or below @head is known already (it was
   * open then: the snapshot's first part had it).  One with events above
   * it only came by the stream while this part was on its way: those
   * changed little (an unknown incident's rows are not there to change),
   * so it is projected again from its first event, as the whole
   * snapshot and the stream would have had it. */
  for (guint i = 0; i < sorted->len; i++)
    {
      WgEvent *event = sorted->pdata[i];
      gboolean below = FALSE, above = FALSE;

      if (event->incident == NULL || g_hash_table_contains (skipped, event->incident) ||
          g_hash_table_contains (fresh, event->incident))
        continue;
      if (!incident_seqs (self, event->incident, head, &below, &above, error))
        return FALSE;
      if (below)
        g_hash_table_add (skipped, event->incident);
      else
        {
          g_hash_table_add (fresh, event->incident);
          if (above)
            g_ptr_array_add (later, event->incident);
        }
    }

  /* The units as the first part and the stream left them: that part had
   * every unit's state at @head, and these older events' assignments all
   * ended by then (an incident's end cancels its open ones). */
  for (guint i = 0; i < sorted->len; i++)
    {
      WgEvent *event = sorted->pdata[i];
      const char *unit;

      if (event->incident == NULL || !g_hash_table_contains (fresh, event->incident) ||
          !g_str_has_prefix (wg_event_get_type_name (event), "assignment.") ||
          (unit = wg_event_get_body_string (event, "unit")) == NULL ||
          !g_hash_table_add (unit_ids, (gpointer) unit))
        continue;
      stmt = _wg_store_stmt (self, "SELECT status, open_assignments, updated_at FROM units WHERE id = ?1", error);
      if (stmt == NULL)
        return FALSE;
      wg_sqlite_bind_text_or_null (stmt, 1, unit);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          SavedUnit *saved = g_new0 (SavedUnit, 1);

          saved->id = g_strdup (unit);
          saved->status = wg_sqlite_column_dup (stmt, 0);
          saved->open_assignments = sqlite3_column_int64 (stmt, 1);
          saved->updated_at = sqlite3_column_int64 (stmt, 2);
          g_ptr_array_add (units, saved);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return _wg_store_set_error (self, error);
    }

  /* Cases the first part merged into one of these: that part's
   * `incident.merged` counted the repeat on a case not there yet. */
  stmt = _wg_store_stmt (self, "SELECT " EVENT_COLUMNS " FROM journal WHERE type = 'incident.merged' ORDER BY seq",
                         error);
  if (stmt == NULL)
    return FALSE;
  {
    g_autoptr(GPtrArray) all = collect_events (self, stmt, error);

    if (all == NULL)
      return FALSE;
    for (guint i = 0; i < all->len; i++)
      {
        WgEvent *merged = all->pdata[i];
        const char *into = wg_event_get_body_string (merged, "into");

        if (into != NULL && g_hash_table_contains (fresh, into) &&
            (merged->incident == NULL || !g_hash_table_contains (fresh, merged->incident)))
          g_ptr_array_add (merges, wg_event_ref (merged));
      }
  }

  forget_case_day (self);
  if (!change_begin (self, &mark, error))
    return FALSE;
  /* Such an incident's rows go and come again; assignments made after
   * @head stay, pointing at it meanwhile. */
  if (later->len > 0 && !_wg_store_exec (self, "PRAGMA defer_foreign_keys = ON", error))
    goto failed;
  for (guint i = 0; i < later->len; i++)
    if (!delete_incident_rows (self, later->pdata[i], error))
      goto failed;
  for (guint i = 0; i < sorted->len; i++)
    {
      WgEvent *event = sorted->pdata[i];

      if (event->incident == NULL || !g_hash_table_contains (fresh, event->incident))
        continue;
      if (event->seq > head)
        {
          g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT,
                       "ended incident's event %" G_GINT64_FORMAT " is after its head %" G_GINT64_FORMAT,
                       event->seq, head);
          goto failed;
        }
      if (!insert_journal (self, event, error) ||
          !_wg_projection_apply (self, event, error))
        goto failed;
      self->head_ts = MAX (self->head_ts, event->ts);
      g_ptr_array_add (done, wg_event_ref (event));
    }
  /* Their events after @head, as they came: the assignments those made
   * have their rows (and moved their units) already. */
  for (guint i = 0; i < later->len; i++)
    {
      g_autoptr(GPtrArray) all = wg_store_read_incident_events (self, later->pdata[i], error);

      if (all == NULL)
        goto failed;
      for (guint j = 0; j < all->len; j++)
        {
          WgEvent *event = all->pdata[j];

          if (event->seq <= head)
            continue;
          g_ptr_array_add (done, wg_event_ref (event));
          if (g_str_has_prefix (wg_event_get_type_name (event), "assignment."))
            continue;
          if (!_wg_projection_apply (self, event, error))
            goto failed;
        }
    }
  for (guint i = 0; i < merges->len; i++)
    if (!_wg_projection_apply_merge_target (self, merges->pdata[i], error))
      goto failed;
  /* Stored: a later start does not ask them again. */
  if (!set_meta_int (self, "ended_head", 0, error))
    goto failed;
  for (guint i = 0; i < units->len; i++)
    {
      SavedUnit *unit = units->pdata[i];

      stmt = _wg_store_stmt (self, "UPDATE units SET status = ?2, open_assignments = ?3, updated_at = ?4 WHERE id = ?1",
                             error);
      if (stmt == NULL)
        goto failed;
      wg_sqlite_bind_text_or_null (stmt, 1, unit->id);
      wg_sqlite_bind_text_or_null (stmt, 2, unit->status);
      sqlite3_bind_int64 (stmt, 3, unit->open_assignments);
      sqlite3_bind_int64 (stmt, 4, unit->updated_at);
      if (!_wg_store_step_done (self, stmt, error))
        goto failed;
    }
  if (!change_end (self, &mark, error))
    return FALSE;
  g_ptr_array_sort (done, compare_event_seq);
  *applied = g_steal_pointer (&done);
  return TRUE;

failed:
  change_abort (self, &mark);
  return FALSE;
}

gint64
wg_store_get_backfill_after (WgStore *self)
{
  gint64 snapshot_head;

  g_return_val_if_fail (self != NULL, 0);

  snapshot_head = get_meta_int (self, "snapshot_head");
  return snapshot_head > 0 ? get_meta_int (self, "backfill_after") : self->head_seq;
}

gint64
wg_store_get_snapshot_head (WgStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return get_meta_int (self, "snapshot_head");
}

gboolean
wg_store_set_ended_head (WgStore  *self,
                         gint64    head,
                         GError  **error)
{
  Mark mark;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!change_begin (self, &mark, error))
    return FALSE;
  if (!set_meta_int (self, "ended_head", head, error))
    {
      change_abort (self, &mark);
      return FALSE;
    }
  return change_end (self, &mark, error);
}

gint64
wg_store_get_ended_head (WgStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return get_meta_int (self, "ended_head");
}

gboolean
wg_store_backfill_events (WgStore     *self,
                          GPtrArray   *events,
                          gint64       through,
                          GError     **error)
{
  sqlite3_stmt *stmt;
  Mark mark;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (events != NULL, FALSE);

  if (!change_begin (self, &mark, error))
    return FALSE;
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      g_autofree char *body = NULL;

      if (event->seq > through)
        break;
      stmt = _wg_store_stmt (self,
        "INSERT OR IGNORE INTO journal (seq, ts, type, actor, role, command, subject, incident, exercise, body)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
      if (stmt == NULL)
        goto failed;
      body = wg_json_object_to_string (event->body);
      sqlite3_bind_int64 (stmt, 1, event->seq);
      sqlite3_bind_int64 (stmt, 2, event->ts);
      wg_sqlite_bind_text_or_null (stmt, 3, wg_event_get_type_name (event));
      wg_sqlite_bind_text_or_null (stmt, 4, event->actor);
      wg_sqlite_bind_text_or_null (stmt, 5, event->role);
      wg_sqlite_bind_text_or_null (stmt, 6, event->command);
      wg_sqlite_bind_text_or_null (stmt, 7, event->subject);
      wg_sqlite_bind_text_or_null (stmt, 8, event->incident);
      wg_sqlite_bind_text_or_null (stmt, 9, event->exercise);
      sqlite3_bind_text (stmt, 10, body, -1, SQLITE_TRANSIENT);
      if (!_wg_store_step_done (self, stmt, error))
        goto failed;
    }
  if (!set_meta_int (self, "backfill_after", through, error))
    goto failed;
  if (!change_end (self, &mark, error))
    return FALSE;
  return TRUE;

failed:
  change_abort (self, &mark);
  return FALSE;
}

/* ------------------------------------------------------------------ state */

gboolean
wg_store_get_incident (WgStore           *self,
                       const char        *id,
                       WgIncidentRecord  *out,
                       GError           **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return reader_get_incident (self, id, out, error);
}

gboolean
wg_store_get_assignment (WgStore             *self,
                         const char          *id,
                         WgAssignmentRecord  *out,
                         GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return reader_get_assignment (self, id, out, error);
}

gboolean
wg_store_get_unit (WgStore       *self,
                   const char    *id,
                   WgUnitRecord  *out,
                   GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return reader_get_unit (self, id, out, error);
}

GPtrArray *
wg_store_list_incidents (WgStore   *self,
                         gboolean   open_only,
                         GError   **error)
{
  g_autoptr(GPtrArray) result = wg_incident_record_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _wg_store_stmt (self,
    "SELECT " INCIDENT_COLUMNS " FROM incidents i LEFT JOIN alarms a ON a.incident = i.id"
    " WHERE NOT ?1 OR i.state NOT IN ('closed', 'cancelled', 'merged')"
    " ORDER BY CASE i.grade WHEN 'emergency' THEN 0 WHEN 'professional' THEN 1 ELSE 2 END,"
    " i.reported_at, i.id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int (stmt, 1, open_only);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgIncidentRecord *r = g_new0 (WgIncidentRecord, 1);
      read_incident_row (stmt, r);
      g_ptr_array_add (result, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&result);
}

GPtrArray *
wg_store_list_assignments (WgStore     *self,
                           const char  *incident,
                           GError     **error)
{
  g_autoptr(GPtrArray) result = wg_assignment_record_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (incident != NULL, NULL);

  stmt = _wg_store_stmt (self,
    "SELECT id, incident, unit, state, created_at, updated_at FROM assignments"
    " WHERE incident = ?1 ORDER BY created_seq, id", error);
  if (stmt == NULL)
    return NULL;
  wg_sqlite_bind_text_or_null (stmt, 1, incident);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgAssignmentRecord *r = g_new0 (WgAssignmentRecord, 1);
      read_assignment_row (stmt, r);
      g_ptr_array_add (result, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&result);
}

GPtrArray *
wg_store_list_units (WgStore  *self,
                     GError  **error)
{
  g_autoptr(GPtrArray) result = wg_unit_record_array_new ();
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _wg_store_stmt (self,
    "SELECT id, type, name, home_grid, account, status, open_assignments, updated_at"
    " FROM units ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgUnitRecord *r = g_new0 (WgUnitRecord, 1);
      read_unit_row (stmt, r);
      g_ptr_array_add (result, r);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&result);
}

char *
wg_store_get_duty_leader (WgStore  *self,
                          GError  **error)
{
  sqlite3_stmt *stmt;
  char *result = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _wg_store_stmt (self, "SELECT duty_leader FROM roster WHERE id = 1", error);
  if (stmt == NULL)
    return NULL;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    result = wg_sqlite_column_dup (stmt, 0);
  else if (rc != SQLITE_DONE)
    _wg_store_set_error (self, error);
  sqlite3_reset (stmt);
  return result;
}

/* ------------------------------------------------------------ checkpoints */

static gboolean
clear_projection (WgStore  *self,
                  gboolean  keep_units,
                  GError  **error)
{
  forget_case_day (self);
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      g_autofree char *sql = NULL;

      if (keep_units && strcmp (_wg_projection_tables[i], "units") == 0)
        sql = g_strdup ("UPDATE units SET status = 'available', open_assignments = 0, updated_at = 0");
      else
        sql = g_strdup_printf ("DELETE FROM %s", _wg_projection_tables[i]);
      if (!_wg_store_exec (self, sql, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
wg_store_rebuild (WgStore  *self,
                  GError  **error)
{
  Mark mark;
  gint64 after = 0;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!change_begin (self, &mark, error))
    return FALSE;
  if (!clear_projection (self, TRUE, error))
    goto failed;

  for (;;)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (self, after, 1000, error);

      if (page == NULL)
        goto failed;
      if (page->len == 0)
        break;
      for (guint i = 0; i < page->len; i++)
        if (!_wg_projection_apply (self, page->pdata[i], error))
          goto failed;
      after = ((WgEvent *) page->pdata[page->len - 1])->seq;
    }

  if (!change_end (self, &mark, error))
    return FALSE;
  return TRUE;

failed:
  change_abort (self, &mark);
  return FALSE;
}

const char *
wg_store_get_journal_id (WgStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->journal_id;
}

gboolean
wg_store_renew_journal_id (WgStore  *self,
                           GError  **error)
{
  g_autofree char *fresh = g_uuid_string_random ();
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  stmt = _wg_store_stmt (self, "UPDATE meta SET value = ?1 WHERE key = 'journal_id'", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, fresh, -1, SQLITE_TRANSIENT);
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;
  g_free (self->journal_id);
  self->journal_id = g_steal_pointer (&fresh);
  return TRUE;
}

gboolean
wg_store_reset (WgStore     *self,
                const char  *journal_id,
                GError     **error)
{
  Mark mark;
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (journal_id != NULL, FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  if (!change_begin (self, &mark, error))
    return FALSE;
  if (!clear_projection (self, TRUE, error))
    goto failed;
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM cp_%s", _wg_projection_tables[i]);

      if (!_wg_store_exec (self, sql, error))
        goto failed;
    }
  if (!_wg_store_exec (self,
                       "DELETE FROM journal; DELETE FROM commands; DELETE FROM checkpoints; DELETE FROM cp_deleted;"
                       " DELETE FROM meta WHERE key IN ('projected_seq', 'snapshot_head', 'backfill_after', 'ended_head')",
                       error))
    goto failed;
  stmt = _wg_store_stmt (self, "INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_id', ?1)", error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_text (stmt, 1, journal_id, -1, SQLITE_TRANSIENT);
  if (!_wg_store_step_done (self, stmt, error))
    goto failed;
  forget_head (self);
  if (!change_end (self, &mark, error))
    return FALSE;
  set_journal_id (self, journal_id);
  return TRUE;

failed:
  change_abort (self, &mark);
  return FALSE;
}

gboolean
wg_store_name_journal (WgStore     *self,
                       const char  *journal_id,
                       GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 marks = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (journal_id != NULL, FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  /* Any event, snapshot (even at head 0) or projection built elsewhere
   * leaves its mark; units change only through those. */
  if (!read_int (self, "SELECT count (*) FROM meta WHERE key IN ('projected_seq', 'snapshot_head')", &marks,
                 error))
    return FALSE;
  if (self->head_seq > 0 || marks > 0)
    return wg_store_reset (self, journal_id, error);

  stmt = _wg_store_stmt (self, "INSERT OR REPLACE INTO meta (key, value) VALUES ('journal_id', ?1)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, journal_id, -1, SQLITE_TRANSIENT);
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;
  set_journal_id (self, journal_id);
  return TRUE;
}

/* The rows changed since the last checkpoint (when the marks cover that
 * span) and, when @full or there is no such delta, a full copy of the
 * projection.  A full checkpoint keeps its delta too, so that a replay
 * goes on from a state before it through the deltas alone. */
static gboolean
write_checkpoint (WgStore   *self,
                  gboolean   full,
                  GError   **error)
{
  sqlite3_stmt *stmt;
  gboolean delta = self->delta_interval > 0 && self->last_checkpoint_seq > 0 &&
                   self->delta_since == self->last_checkpoint_seq;
  gint64 rows = 0, delta_rows = 0;

  full = full || !delta;
  /* The marks are forgotten below: until this checkpoint is in, no
   * delta may rely on them. */
  self->delta_since = -1;
  if (delta && !_wg_store_delta_write (self->delta_marks, -self->head_seq, &delta_rows, error))
    return FALSE;
  if (full)
    for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
      {
        g_autofree char *sql = g_strdup_printf ("INSERT INTO cp_%s SELECT %" G_GINT64_FORMAT ", * FROM %s",
                                                _wg_projection_tables[i], self->head_seq,
                                                _wg_projection_tables[i]);
        if (!_wg_store_exec (self, sql, error))
          return FALSE;
        rows += sqlite3_changes (self->db);
      }
  /* From here the marks count again (the first time: the hook). */
  if (self->delta_interval > 0 && !delta)
    {
      if (self->delta_marks != NULL)
        _wg_store_delta_forget (self->delta_marks);
      else if ((self->delta_marks = _wg_store_delta_new (self, error)) == NULL)
        return FALSE;
    }

  stmt = _wg_store_stmt (self,
    "INSERT INTO checkpoints (seq, ts, rows, full, base, delta_rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->head_seq);
  sqlite3_bind_int64 (stmt, 2, self->head_ts);
  sqlite3_bind_int64 (stmt, 3, rows);
  sqlite3_bind_int (stmt, 4, full);
  if (delta)
    {
      sqlite3_bind_int64 (stmt, 5, self->last_checkpoint_seq);
      sqlite3_bind_int64 (stmt, 6, delta_rows);
    }
  if (!_wg_store_step_done (self, stmt, error))
    return FALSE;

  self->last_checkpoint_seq = self->head_seq;
  if (full)
    {
      self->last_full_seq = self->head_seq;
      self->last_full_rows = rows;
    }
  if (self->delta_interval > 0)
    self->delta_since = self->head_seq;
  g_debug ("checkpoint at seq %" G_GINT64_FORMAT ": %" G_GINT64_FORMAT " rows, delta %s%" G_GINT64_FORMAT " rows",
           self->head_seq, rows, delta ? "" : "none, ", delta_rows);
  return TRUE;
}

gboolean
wg_store_checkpoint (WgStore  *self,
                     GError  **error)
{
  Mark mark;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->head_seq == self->last_checkpoint_seq)
    return TRUE;
  if (!change_begin (self, &mark, error))
    return FALSE;
  if (!write_checkpoint (self, TRUE, error))
    {
      change_abort (self, &mark);
      return FALSE;
    }
  return change_end (self, &mark, error);
}

guint
wg_store_count_checkpoints (WgStore *self)
{
  gint64 n = 0;

  g_return_val_if_fail (self != NULL, 0);
  if (!read_int (self, "SELECT count(*) FROM checkpoints", &n, NULL))
    return 0;
  return n;
}

gint64
wg_store_get_projected_seq (WgStore *self)
{
  sqlite3_stmt *stmt;
  gint64 seq = self->head_seq;

  g_return_val_if_fail (self != NULL, 0);

  stmt = _wg_store_stmt (self, "SELECT value FROM meta WHERE key = 'projected_seq'", NULL);
  if (stmt != NULL)
    {
      if (sqlite3_step (stmt) == SQLITE_ROW)
        seq = MAX (seq, sqlite3_column_int64 (stmt, 0));
      sqlite3_reset (stmt);
    }
  return seq;
}

/* "a, b, c": the columns of @table, for copying rows between tables whose
 * column order may differ. */
static char *
column_list (WgStore     *self,
             const char  *table,
             GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA main.table_info (%s)", table);
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt;
  int rc;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, (const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_strdup (out->str);
}

WgStore *
wg_store_state_at (WgStore     *self,
                   gint64       t_ms,
                   const char  *scratch_path,
                   GError     **error)
{
  g_autoptr(WgStore) scratch = NULL;
  g_autofree char *wal = NULL, *shm = NULL;
  sqlite3_stmt *stmt;
  gint64 cp = 0, applied = 0, after;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (scratch_path != NULL, NULL);
  /* The scratch connection reads what is committed. */
  g_return_val_if_fail (!wg_store_in_transaction (self), NULL);

  wal = g_strconcat (scratch_path, "-wal", NULL);
  shm = g_strconcat (scratch_path, "-shm", NULL);
  g_unlink (scratch_path);
  g_unlink (wal);
  g_unlink (shm);

  /* A scratch database is rebuilt on demand: no need to make it durable. */
  scratch = store_open (scratch_path, FALSE, 0, error);
  if (scratch == NULL)
    return NULL;
  wg_store_set_rules (scratch, self->rules);
  wg_store_set_checkpoint_interval (scratch, 0);

  /* The source is read through the scratch connection. */
  {
    char *attach_sql = sqlite3_mprintf ("ATTACH %Q AS src", self->path);
    gboolean ok = _wg_store_exec (scratch, attach_sql, error);

    sqlite3_free (attach_sql);
    if (!ok || !_wg_store_exec (scratch, "BEGIN", error))
      return NULL;
  }

  stmt = _wg_store_stmt (scratch, "SELECT coalesce (max (seq), 0) FROM src.checkpoints WHERE ts <= ?1 AND full", error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, t_ms);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _wg_store_set_error (scratch, error);
      goto failed;
    }
  cp = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);

  /* Parents before children: the list is in deletion order. */
  for (guint i = g_strv_length ((char **) _wg_projection_tables); i-- > 0;)
    {
      const char *table = _wg_projection_tables[i];
      g_autofree char *columns = column_list (scratch, table, error);
      g_autofree char *sql = NULL;

      if (columns == NULL)
        goto failed;
      if (cp > 0)
        sql = g_strdup_printf ("INSERT INTO main.%s (%s) SELECT %s FROM src.cp_%s WHERE cp = %" G_GINT64_FORMAT,
                               table, columns, columns, table, cp);
      else if (strcmp (table, "units") == 0)
        sql = g_strdup ("INSERT INTO main.units (id, type, name, home_grid, account)"
                        " SELECT id, type, name, home_grid, account FROM src.units");
      else
        continue;
      if (!_wg_store_exec (scratch, sql, error))
        goto failed;
    }
  /* Units registered after the checkpoint. */
  if (!_wg_store_exec (scratch,
                       "INSERT OR IGNORE INTO main.units (id, type, name, home_grid, account)"
                       " SELECT id, type, name, home_grid, account FROM src.units", error))
    goto failed;

  applied = cp;
  after = cp;
  for (;;)
    {
      g_autoptr(GPtrArray) page = NULL;

      stmt = _wg_store_stmt (scratch,
        "SELECT " EVENT_COLUMNS " FROM src.journal WHERE seq > ?1 AND ts <= ?2 ORDER BY seq LIMIT 1000", error);
      if (stmt == NULL)
        goto failed;
      sqlite3_bind_int64 (stmt, 1, after);
      sqlite3_bind_int64 (stmt, 2, t_ms);
      page = collect_events (scratch, stmt, error);
      if (page == NULL)
        goto failed;
      if (page->len == 0)
        break;
      for (guint i = 0; i < page->len; i++)
        {
          if (!_wg_projection_apply (scratch, page->pdata[i], error))
            goto failed;
          applied = ((WgEvent *) page->pdata[i])->seq;
        }
      after = applied;
    }

  stmt = _wg_store_stmt (scratch, "INSERT OR REPLACE INTO meta (key, value) VALUES ('projected_seq', ?1)", error);
  if (stmt == NULL)
    goto failed;
  sqlite3_bind_int64 (stmt, 1, applied);
  if (!_wg_store_step_done (scratch, stmt, error))
    goto failed;

  if (!_wg_store_exec (scratch, "COMMIT", error))
    goto failed;
  /* Statements on src must go before DETACH. */
  g_hash_table_remove_all (scratch->stmts);
  if (!_wg_store_exec (scratch, "DETACH src", error))
    return NULL;
  return g_steal_pointer (&scratch);

failed:
  rc = sqlite3_get_autocommit (scratch->db);
  if (!rc)
    sqlite3_exec (scratch->db, "ROLLBACK", NULL, NULL, NULL);
  return NULL;
}

/* ------------------------------------------------------------------- dump */

char *
wg_store_dump_state (WgStore  *self,
                     GError  **error)
{
  g_autoptr(GString) out = g_string_new (NULL);

  g_return_val_if_fail (self != NULL, NULL);

  for (guint t = 0; t < G_N_ELEMENTS (dump_tables); t++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT * FROM %s ORDER BY %s",
                                              dump_tables[t].table, dump_tables[t].order);
      sqlite3_stmt *stmt;
      int rc;

      if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        {
          _wg_store_set_error (self, error);
          return NULL;
        }
      g_string_append_printf (out, "[%s]\n", dump_tables[t].table);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            {
              if (c > 0)
                g_string_append_c (out, '|');
              if (sqlite3_column_type (stmt, c) == SQLITE_NULL)
                g_string_append (out, "NULL");
              else
                g_string_append (out, (const char *) sqlite3_column_text (stmt, c));
            }
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          _wg_store_set_error (self, error);
          return NULL;
        }
    }
  return g_strdup (out->str);
}
