/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store around decide(): idempotency, group commit, migrations, the
 * console cache path and journal reads, on real SQLite files.
 */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "engine-fixture.h"
#include "wg-journal-view.h"
#include "wg-json.h"
#include "wg-store-snapshot.h"

static const char *const fire_report =
  "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
  " \"summary\": \"smoke\"}";

/* tests/unit/test-store.c's journal-bytes digests, from the build before
 * the engine-cpu pass (2026-12-07). */
#define JOURNAL_BYTES "5e5ca1a6af8800f0df4134933291967150df359616b1c8f48bf6d81d824cb616"
#define COMMANDS_BYTES "ddad0f4be290cf5036327e463caf40715131dd43f8771707a6445004395be77f"

static void
test_idempotency (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgActor) other = wg_actor_new ("leader-2", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgActor) dept = wg_actor_new ("dept-cgj", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  g_autoptr(WgCommand) report = fixture_command ("incident.report", fire_report);
  g_autoptr(WgCommand) changed = NULL;
  g_autoptr(GPtrArray) first = NULL, again = NULL;
  g_autoptr(GError) error = NULL;
  gboolean replayed = TRUE;
  gint64 head;

  g_assert_true (wg_store_register_unit (f->store, "u1", "police", "car 1", "g17", NULL, &error));
  g_assert_true (wg_store_execute_command (f->store, report, leader, FIXTURE_T0, &first, &replayed, &error));
  g_assert_false (replayed);
  head = wg_store_head (f->store);
  g_assert_cmpint (head, ==, 2);

  /* The same command later: the same answer, nothing appended. */
  g_assert_true (wg_store_execute_command (f->store, report, leader, FIXTURE_T0 + 5000, &again, &replayed, &error));
  g_assert_true (replayed);
  g_assert_cmpint (wg_store_head (f->store), ==, head);
  g_assert_cmpuint (again->len, ==, first->len);
  for (guint i = 0; i < first->len; i++)
    g_assert_true (wg_event_equal (first->pdata[i], again->pdata[i]));

  /* Same id, other body or other sender: key reuse. */
  {
    g_autoptr(JsonNode) body = wg_json_parse ("{\"grade\": \"general\", \"category\": \"fire_lane\","
                                              " \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": \"x\"}", -1, NULL);
    changed = wg_command_new (wg_command_get_id (report), WG_CMD_INCIDENT_REPORT, json_node_get_object (body));
  }
  g_assert_false (wg_store_execute_command (f->store, changed, leader, FIXTURE_T0 + 6000, NULL, NULL, &error));
  g_assert_error (error, WG_ERROR, WG_ERROR_IDEMPOTENCY_KEY_REUSE);
  g_clear_error (&error);
  g_assert_false (wg_store_execute_command (f->store, report, other, FIXTURE_T0 + 6000, NULL, NULL, &error));
  g_assert_error (error, WG_ERROR, WG_ERROR_IDEMPOTENCY_KEY_REUSE);
  g_clear_error (&error);
  g_assert_cmpint (wg_store_head (f->store), ==, head);

  /* A refusal by a rule is an answer too: the retry gets it even after
   * the state changed so that the command would now pass. */
  {
    g_autoptr(WgCommand) pro = fixture_command ("incident.report",
      "{\"grade\": \"professional\", \"category\": \"structure\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
      " \"summary\": \"roof\"}");
    g_autoptr(GPtrArray) reported = fixture_run (f, pro, leader, FIXTURE_T0 + 6500);
    const char *id = ((WgEvent *) reported->pdata[0])->subject;
    g_autoptr(WgCommand) note = fixture_commandf ("incident.note", "{\"incident\": \"%s\", \"text\": \"x\"}", id);
    g_autoptr(WgCommand) note2 = fixture_commandf ("incident.note", "{\"incident\": \"%s\", \"text\": \"x\"}", id);

    g_assert_false (wg_store_execute_command (f->store, note, dept, FIXTURE_T0 + 7000, NULL, &replayed, &error));
    g_assert_error (error, WG_ERROR, WG_ERROR_FORBIDDEN);
    g_assert_false (replayed);
    g_clear_error (&error);

    fixture_run_ok (f, fixture_commandf ("incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id),
                    leader, FIXTURE_T0 + 8000);
    head = wg_store_head (f->store);

    g_assert_false (wg_store_execute_command (f->store, note, dept, FIXTURE_T0 + 9000, NULL, &replayed, &error));
    g_assert_error (error, WG_ERROR, WG_ERROR_FORBIDDEN);
    g_assert_true (replayed);
    g_clear_error (&error);
    g_assert_cmpint (wg_store_head (f->store), ==, head);

    /* The same note under a new id passes now. */
    fixture_run_ok (f, g_steal_pointer (&note2), dept, FIXTURE_T0 + 9500);
    g_assert_cmpint (wg_store_head (f->store), ==, head + 1);
  }

  /* Audit: every event names its command. */
  {
    g_autoptr(GPtrArray) events = wg_store_events_of_command (f->store, wg_command_get_id (report), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (events->len, ==, 2);
  }
}

static void
test_group_commit (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgCommand) a = fixture_command ("incident.report", fire_report);
  g_autoptr(WgCommand) bad = fixture_command ("incident.note", "{\"incident\": \"nope\", \"text\": \"x\"}");
  g_autoptr(WgCommand) b = fixture_command ("incident.report", fire_report);
  g_autoptr(WgCommand) c = fixture_command ("incident.report", fire_report);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);

  g_assert_true (wg_store_begin (f->store, &error));
  g_assert_true (wg_store_in_transaction (f->store));
  g_assert_true (wg_store_execute_command (f->store, a, leader, FIXTURE_T0, NULL, NULL, &error));
  g_assert_false (wg_store_execute_command (f->store, bad, leader, FIXTURE_T0 + 1, NULL, NULL, &error));
  g_assert_error (error, WG_ERROR, WG_ERROR_UNKNOWN_INCIDENT);
  g_clear_error (&error);
  g_assert_true (wg_store_execute_command (f->store, b, leader, FIXTURE_T0 + 2, &events, NULL, &error));
  /* Seqs stay gap-free across the refused command. */
  g_assert_cmpint (((WgEvent *) events->pdata[0])->seq, ==, 3);
  g_assert_true (wg_store_commit (f->store, &error));
  g_assert_false (wg_store_in_transaction (f->store));
  g_assert_cmpint (wg_store_head (f->store), ==, 4);

  /* A rolled-back batch leaves nothing, and the head follows. */
  g_assert_true (wg_store_begin (f->store, &error));
  g_assert_true (wg_store_execute_command (f->store, c, leader, FIXTURE_T0 + 3, NULL, NULL, &error));
  g_assert_cmpint (wg_store_head (f->store), ==, 6);
  wg_store_rollback (f->store);
  g_assert_cmpint (wg_store_head (f->store), ==, 4);

  /* What was committed is there for another connection, refusal too. */
  {
    g_autoptr(WgStore) second = wg_store_open (path, &error);
    g_autoptr(GPtrArray) replay = NULL;
    gboolean replayed = FALSE;

    g_assert_no_error (error);
    wg_store_set_rules (second, f->rules);
    g_assert_cmpint (wg_store_head (second), ==, 4);
    g_assert_false (wg_store_execute_command (second, bad, leader, FIXTURE_T0 + 9, NULL, &replayed, &error));
    g_assert_error (error, WG_ERROR, WG_ERROR_UNKNOWN_INCIDENT);
    g_assert_true (replayed);
    g_clear_error (&error);
    g_assert_true (wg_store_execute_command (second, c, leader, FIXTURE_T0 + 10, &replay, &replayed, &error));
    g_assert_false (replayed);
    g_assert_cmpint (((WgEvent *) replay->pdata[0])->seq, ==, 5);
  }
}

/* Case numbers count the day's incidents: consecutive across refusals,
 * rolled-back batches and restarts. */
static const char *
case_number_of (GPtrArray *events)
{
  return json_object_get_string_member (((WgEvent *) events->pdata[0])->body, "case_number");
}

static void
test_case_numbers (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgCommand) a = fixture_command ("incident.report", fire_report);
  g_autoptr(WgCommand) bad = fixture_command ("incident.note", "{\"incident\": \"nope\", \"text\": \"x\"}");
  g_autoptr(WgCommand) lost = fixture_command ("incident.report", fire_report);
  g_autoptr(WgCommand) b = fixture_command ("incident.report", fire_report);
  g_autoptr(WgCommand) c = fixture_command ("incident.report", fire_report);
  g_autoptr(WgCommand) d = fixture_command ("incident.report", fire_report);
  g_autoptr(GPtrArray) events_a = NULL;
  g_autoptr(GPtrArray) events_b = NULL;
  g_autoptr(GPtrArray) events_c = NULL;
  g_autoptr(GPtrArray) events_d = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);

  g_assert_true (wg_store_execute_command (f->store, a, leader, FIXTURE_T0, &events_a, NULL, &error));
  g_assert_true (g_str_has_suffix (case_number_of (events_a), "-0001"));
  g_assert_false (wg_store_execute_command (f->store, bad, leader, FIXTURE_T0 + 1, NULL, NULL, &error));
  g_clear_error (&error);

  g_assert_true (wg_store_begin (f->store, &error));
  g_assert_true (wg_store_execute_command (f->store, lost, leader, FIXTURE_T0 + 2, NULL, NULL, &error));
  wg_store_rollback (f->store);

  g_assert_true (wg_store_execute_command (f->store, b, leader, FIXTURE_T0 + 3, &events_b, NULL, &error));
  g_assert_true (g_str_has_suffix (case_number_of (events_b), "-0002"));

  /* After a restart the count starts from the table. */
  g_clear_pointer (&f->store, wg_store_unref);
  f->store = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_set_rules (f->store, f->rules);
  g_assert_true (wg_store_execute_command (f->store, c, leader, FIXTURE_T0 + 4, &events_c, NULL, &error));
  g_assert_true (g_str_has_suffix (case_number_of (events_c), "-0003"));
  g_assert_false (wg_store_execute_command (f->store, bad, leader, FIXTURE_T0 + 5, NULL, NULL, &error));
  g_clear_error (&error);
  g_assert_true (wg_store_execute_command (f->store, d, leader, FIXTURE_T0 + 6, &events_d, NULL, &error));
  g_assert_true (g_str_has_suffix (case_number_of (events_d), "-0004"));
}

static void
test_migrations (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);
  g_autofree char *future = g_build_filename (f->dir, "future.db", NULL);
  g_autoptr(GError) error = NULL;
  sqlite3 *db;

  fixture_run_ok (f, fixture_command ("incident.report", fire_report), leader, FIXTURE_T0);
  g_clear_pointer (&f->store, wg_store_unref);

  /* Reopening keeps everything and does not migrate again. */
  f->store = wg_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wg_store_head (f->store), ==, 2);
  db = wg_store_get_sqlite (f->store);
  {
    sqlite3_stmt *stmt;
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, WG_STORE_SCHEMA_VERSION);
    sqlite3_finalize (stmt);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
    sqlite3_finalize (stmt);
    g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA foreign_keys", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
    sqlite3_finalize (stmt);
  }

  /* A database from a newer program is refused, not damaged. */
  g_assert_cmpint (sqlite3_open (future, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  {
    g_autoptr(WgStore) store = wg_store_open (future, &error);
    g_assert_null (store);
    g_assert_error (error, WG_ERROR, WG_ERROR_STORE);
  }
}

/* A console cache applies what it pulls and ends with the same state. */
static void
test_console_cache (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autofree char *cache_path = g_build_filename (f->dir, "cache.db", NULL);
  g_autoptr(WgStore) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL;
  g_autoptr(WgCommand) report = fixture_command ("incident.report", fire_report);
  g_autoptr(GPtrArray) reported = NULL;
  const char *id;
  gint64 after = 0;

  g_assert_true (wg_store_register_unit (f->store, "u1", "police", "car 1", "g17", "car1", &error));
  reported = fixture_run (f, report, leader, FIXTURE_T0);
  id = ((WgEvent *) reported->pdata[0])->subject;
  fixture_run_ok (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\"]}", id),
                  leader, FIXTURE_T0 + 1000);
  fixture_run_ok (f, fixture_commandf ("alarm.acknowledge", "{\"incident\": \"%s\"}", id), leader, FIXTURE_T0 + 2000);
  fixture_run_ok (f, fixture_command ("unit.status", "{\"unit\": \"u1\", \"status\": \"busy\"}"), leader,
                  FIXTURE_T0 + 3000);
  fixture_run_ok (f, fixture_command ("roster.handover", "{\"to\": \"wang\"}"), leader, FIXTURE_T0 + 4000);

  cache = wg_store_open (cache_path, &error);
  g_assert_no_error (error);
  g_assert_true (wg_store_register_unit (cache, "u1", "police", "car 1", "g17", "car1", &error));

  /* Pull in pages of 2. */
  for (;;)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (f->store, after, 2, &error);
      g_assert_no_error (error);
      if (page->len == 0)
        break;
      g_assert_true (wg_store_apply_events (cache, page, &error));
      g_assert_no_error (error);
      after = ((WgEvent *) page->pdata[page->len - 1])->seq;
    }
  g_assert_cmpint (wg_store_head (cache), ==, wg_store_head (f->store));

  /* Lists for boards. */
  {
    g_autoptr(GPtrArray) open = wg_store_list_incidents (cache, TRUE, &error);
    g_autoptr(GPtrArray) assignments = wg_store_list_assignments (cache, id, &error);
    g_autoptr(GPtrArray) units = wg_store_list_units (cache, &error);
    WgIncidentRecord *incident;

    g_assert_no_error (error);
    g_assert_cmpuint (open->len, ==, 1);
    incident = open->pdata[0];
    g_assert_cmpstr (incident->id, ==, id);
    g_assert_cmpint (incident->state, ==, WG_STATE_DISPATCHED);
    g_assert_cmpint (incident->alarm, ==, WG_ALARM_ACKNOWLEDGED);
    g_assert_cmpuint (assignments->len, ==, 1);
    g_assert_cmpstr (((WgAssignmentRecord *) assignments->pdata[0])->unit, ==, "u1");
    g_assert_cmpuint (units->len, ==, 1);
    g_assert_cmpint (((WgUnitRecord *) units->pdata[0])->status, ==, WG_UNIT_BUSY);
    g_assert_cmpuint (((WgUnitRecord *) units->pdata[0])->open_assignments, ==, 1);
  }

  a = wg_store_dump_state (f->store, &error);
  b = wg_store_dump_state (cache, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a, ==, b);
  {
    g_autofree char *leader_now = wg_store_get_duty_leader (cache, &error);
    g_autoptr(GPtrArray) audit = wg_store_events_of_command (cache, wg_command_get_id (report), &error);
    g_autoptr(GPtrArray) audit_server = wg_store_events_of_command (f->store, wg_command_get_id (report), &error);

    g_assert_cmpstr (leader_now, ==, "wang");
    /* The cache has no commands rows: the audit scans, same answer. */
    g_assert_cmpuint (audit->len, ==, 2);
    g_assert_cmpuint (audit_server->len, ==, 2);
    for (guint i = 0; i < audit->len; i++)
      g_assert_true (wg_event_equal (audit->pdata[i], audit_server->pdata[i]));
  }

  /* An old event again is refused and changes nothing. */
  {
    g_autoptr(GPtrArray) old = wg_store_read_journal (f->store, 0, 1, &error);
    g_assert_false (wg_store_apply_events (cache, old, &error));
    g_assert_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT);
    g_assert_cmpint (wg_store_head (cache), ==, wg_store_head (f->store));
  }
}

static void
test_units (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(WgActor) car = wg_actor_new ("car1", WG_ROLE_DEPARTMENT, NULL, "police", NULL);
  g_autoptr(WgActor) stranger = wg_actor_new ("car2", WG_ROLE_DEPARTMENT, NULL, "police", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(WgUnitRecord) unit = { 0 };
  g_autoptr(WgCommand) status = fixture_command ("unit.status", "{\"unit\": \"u1\", \"status\": \"off_duty\"}");
  g_autoptr(WgCommand) status2 = fixture_command ("unit.status", "{\"unit\": \"u1\", \"status\": \"busy\"}");

  g_assert_true (wg_store_register_unit (f->store, "u1", "police", "car 1", "g17", "car1", &error));
  /* The unit's own account by its username. */
  fixture_run_ok (f, g_steal_pointer (&status), car, FIXTURE_T0);
  g_assert_false (wg_store_execute_command (f->store, status2, stranger, FIXTURE_T0 + 1, NULL, NULL, &error));
  g_assert_error (error, WG_ERROR, WG_ERROR_FORBIDDEN);
  g_clear_error (&error);

  /* Registering again updates the reference, keeps the status. */
  g_assert_true (wg_store_register_unit (f->store, "u1", "police", "car 1 (new)", "g18", "car1", &error));
  g_assert_true (wg_store_get_unit (f->store, "u1", &unit, &error));
  g_assert_cmpstr (unit.name, ==, "car 1 (new)");
  g_assert_cmpstr (unit.home_grid, ==, "g18");
  g_assert_cmpint (unit.status, ==, WG_UNIT_OFF_DUTY);
}

/* A unit's own view: the events of its assignments, not the report of
 * an incident in another grid.  The cache still takes them. */
static void
test_partial_view (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autofree char *cache_path = g_build_filename (f->dir, "unit-view.db", NULL);
  g_autoptr(WgStore) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgCommand) report = fixture_command ("incident.report", fire_report);
  g_autoptr(GPtrArray) reported = NULL, all = NULL, view = NULL;
  g_auto(WgAssignmentRecord) assignment = { 0 };
  const char *id;

  g_assert_true (wg_store_register_unit (f->store, "u1", "police", "car 1", "g05", "car1", &error));
  reported = fixture_run (f, report, leader, FIXTURE_T0);
  id = ((WgEvent *) reported->pdata[0])->subject;
  fixture_run_ok (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\"]}", id),
                  leader, FIXTURE_T0 + 1000);

  all = wg_store_read_journal (f->store, 0, 100, &error);
  view = g_ptr_array_new ();
  for (guint i = 0; i < all->len; i++)
    {
      WgEvent *event = all->pdata[i];
      if (event->type == WG_EV_ASSIGNMENT_CREATED)
        g_ptr_array_add (view, event);
    }
  g_assert_cmpuint (view->len, ==, 1);

  cache = wg_store_open (cache_path, &error);
  g_assert_no_error (error);
  g_assert_true (wg_store_apply_events (cache, view, &error));
  g_assert_no_error (error);
  g_assert_true (wg_store_get_assignment (cache, ((WgEvent *) view->pdata[0])->subject, &assignment, &error));
  g_assert_cmpstr (assignment.unit, ==, "u1");
  g_assert_cmpint (assignment.state, ==, WG_ASSIGNMENT_NOTIFIED);
  /* The view has a gap in seq: its head is the last seq seen. */
  g_assert_cmpint (wg_store_head (cache), ==, ((WgEvent *) view->pdata[0])->seq);
}

static void
test_exercise (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgCommand) report = fixture_command ("incident.report", fire_report);
  g_autoptr(GPtrArray) events = NULL, journal = NULL;
  g_autoptr(GError) error = NULL;

  wg_store_set_exercise (f->store, "ex-missing-person");
  events = fixture_run (f, report, leader, FIXTURE_T0);
  journal = wg_store_read_journal (f->store, 0, 10, &error);
  g_assert_cmpuint (journal->len, ==, 2);
  for (guint i = 0; i < journal->len; i++)
    {
      g_assert_cmpstr (((WgEvent *) events->pdata[i])->exercise, ==, "ex-missing-person");
      g_assert_cmpstr (((WgEvent *) journal->pdata[i])->exercise, ==, "ex-missing-person");
    }
}

static gboolean
view_has (GPtrArray  *view,
          const char *type,
          const char *incident)
{
  for (guint i = 0; i < view->len; i++)
    {
      WgEvent *event = view->pdata[i];
      if (g_str_equal (wg_event_get_type_name (event), type) && g_strcmp0 (event->incident, incident) == 0)
        return TRUE;
    }
  return FALSE;
}

static GPtrArray *
view_of (Fixture       *f,
         const WgActor *actor)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *view = wg_store_read_journal_as (f->store, actor, 0, 1000, &error);

  g_assert_no_error (error);
  for (guint i = 1; i < view->len; i++)
    g_assert_cmpint (((WgEvent *) view->pdata[i - 1])->seq, <, ((WgEvent *) view->pdata[i])->seq);
  return view;
}

static void
test_journal_views (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgActor) trainer = wg_actor_new ("trainer", WG_ROLE_TRAINER, NULL, NULL, NULL);
  g_autoptr(WgActor) worker17 = wg_actor_new ("worker-17", WG_ROLE_GRID_WORKER, "g17", NULL, NULL);
  g_autoptr(WgActor) worker05 = wg_actor_new ("worker-05", WG_ROLE_GRID_WORKER, "g05", NULL, NULL);
  g_autoptr(WgActor) cgj = wg_actor_new ("cgj-desk", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  g_autoptr(WgActor) car = wg_actor_new ("car5", WG_ROLE_DEPARTMENT, NULL, "police", NULL);
  g_autoptr(WgCommand) in17 = fixture_command ("incident.report",
    "{\"grade\": \"professional\", \"category\": \"structure\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"roof\", \"caller\": {\"name\": \"Chen\", \"phone\": \"13800138000\"}}");
  g_autoptr(WgCommand) in05 = fixture_command ("incident.report",
    "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 23.25, \"lon\": 113.375},"
    " \"summary\": \"smoke\"}");
  g_autoptr(GPtrArray) r17 = NULL, r05 = NULL, all = NULL, v = NULL;
  g_autoptr(GError) error = NULL;
  const char *a, *b;

  g_assert_true (wg_store_register_unit (f->store, "u5", "police", "car 5", "g05", "car5", &error));
  r17 = fixture_run (f, in17, leader, FIXTURE_T0);
  r05 = fixture_run (f, in05, leader, FIXTURE_T0 + 1000);
  a = ((WgEvent *) r17->pdata[0])->subject;
  b = ((WgEvent *) r05->pdata[0])->subject;
  fixture_run_ok (f, fixture_commandf ("incident.note", "{\"incident\": \"%s\", \"text\": \"before routing\"}", a),
                  leader, FIXTURE_T0 + 2000);
  fixture_run_ok (f, fixture_commandf ("incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", a),
                  leader, FIXTURE_T0 + 3000);
  fixture_run_ok (f, fixture_commandf ("incident.accept", "{\"incident\": \"%s\"}", a), cgj, FIXTURE_T0 + 4000);
  fixture_run_ok (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u5\"]}", b),
                  leader, FIXTURE_T0 + 5000);
  fixture_run_ok (f, fixture_command ("unit.status", "{\"unit\": \"u5\", \"status\": \"busy\"}"), car,
                  FIXTURE_T0 + 6000);
  all = view_of (f, leader);
  g_assert_cmpint (all->len, ==, wg_store_head (f->store));

  /* The duty leader sees the phone, the trainer everything but it. */
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     ((WgEvent *) all->pdata[0])->body, "caller"), "phone"), ==, "13800138000");
  v = view_of (f, trainer);
  g_assert_cmpuint (v->len, ==, all->len);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     ((WgEvent *) v->pdata[0])->body, "caller"), "phone"), ==, "138****8000");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                     ((WgEvent *) all->pdata[0])->body, "caller"), "phone"), ==, "13800138000");
  g_clear_pointer (&v, g_ptr_array_unref);

  /* Grid workers: their grid's incidents only. */
  v = view_of (f, worker17);
  g_assert_true (view_has (v, "incident.reported", a));
  g_assert_true (view_has (v, "incident.noted", a));
  g_assert_false (view_has (v, "incident.reported", b));
  g_clear_pointer (&v, g_ptr_array_unref);
  v = view_of (f, worker05);
  g_assert_true (view_has (v, "incident.reported", b));
  g_assert_true (view_has (v, "assignment.created", b));
  g_assert_false (view_has (v, "incident.reported", a));
  g_clear_pointer (&v, g_ptr_array_unref);

  /* The department: the report, then from the routing on; not the note
   * written before it was routed there. */
  v = view_of (f, cgj);
  g_assert_true (view_has (v, "incident.reported", a));
  g_assert_false (view_has (v, "incident.noted", a));
  g_assert_true (view_has (v, "incident.routed", a));
  g_assert_true (view_has (v, "incident.accepted", a));
  g_assert_false (view_has (v, "incident.reported", b));
  g_assert_cmpuint (v->len, ==, 3);
  g_clear_pointer (&v, g_ptr_array_unref);

  /* A unit's own account: the incident it is assigned to (its report:
   * location, summary, case number), from the assignment on, and its own
   * status; nothing of the other incident. */
  v = view_of (f, car);
  g_assert_cmpuint (v->len, ==, 4);
  g_assert_true (view_has (v, "incident.reported", b));
  g_assert_true (view_has (v, "assignment.created", b));
  g_assert_true (view_has (v, "incident.dispatched", b));
  g_assert_true (view_has (v, "unit.status_changed", NULL));
  g_assert_false (view_has (v, "incident.reported", a));
}

/* The events @viewer sees, as the store serves their text, in pages of
 * @limit: parsed back into events. */
static GPtrArray *
text_view_of (Fixture               *f,
              const WgJournalViewer *viewer,
              guint                  limit)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  gint64 after = 0;

  while (TRUE)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) text = g_string_new ("[");
      g_autoptr(JsonNode) root = NULL;
      guint n = 0;
      gint64 last = after;
      JsonArray *array;

      g_assert_true (wg_store_append_journal_text (f->store, viewer, after, limit, text, &n, &last, &error));
      g_assert_no_error (error);
      g_string_append_c (text, ']');
      root = wg_json_parse (text->str, -1, &error);
      g_assert_no_error (error);
      array = json_node_get_array (root);
      g_assert_cmpuint (json_array_get_length (array), ==, n);
      for (guint i = 0; i < n; i++)
        {
          WgEvent *event = wg_event_from_json (json_array_get_element (array, i), &error);

          g_assert_no_error (error);
          g_assert_cmpint (event->seq, >, events->len > 0 ? ((WgEvent *) events->pdata[events->len - 1])->seq : 0);
          g_ptr_array_add (events, event);
        }
      if (n < limit)
        return events;
      g_assert_cmpint (last, >, after);
      after = last;
    }
}

/* One rule: pages (text and events), the one-event check and the incident
 * check agree, for every kind of viewer, with stored texts and with texts
 * encoded on reading (rows stored without them). */
static void
check_one_rule (Fixture               *f,
                const WgJournalViewer *viewer,
                const WgActor         *actor)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = wg_store_read_journal (f->store, 0, 10000, &error);
  g_autoptr(GPtrArray) pages = text_view_of (f, viewer, 1000);
  g_autoptr(GPtrArray) small = text_view_of (f, viewer, 2);
  g_autoptr(GPtrArray) events = wg_store_read_journal_as (f->store, actor, 0, 1000, &error);
  guint k = 0;

  g_assert_cmpuint (small->len, ==, pages->len);
  g_assert_cmpuint (events->len, ==, pages->len);
  for (guint i = 0; i < all->len; i++)
    {
      WgEvent *event = all->pdata[i];
      gboolean visible = FALSE;

      g_assert_true (wg_store_event_visible (f->store, viewer, event->seq, wg_event_get_type_name (event),
                                             event->subject, event->incident, &visible, &error));
      if (!visible)
        continue;
      g_assert_cmpuint (k, <, pages->len);
      g_assert_cmpint (((WgEvent *) pages->pdata[k])->seq, ==, event->seq);
      g_assert_true (wg_event_equal (pages->pdata[k], small->pdata[k]));
      g_assert_true (wg_event_equal (pages->pdata[k], events->pdata[k]));
      if (wg_journal_viewer_get_text (viewer) == WG_EVENT_TEXT_FULL)
        g_assert_true (wg_event_equal (pages->pdata[k], event));
      if (event->incident != NULL)
        {
          g_assert_true (wg_store_incident_visible (f->store, viewer, event->incident, &visible, &error));
          g_assert_true (visible);
        }
      k++;
    }
  g_assert_cmpuint (k, ==, pages->len);
}

static void
test_reading_rule (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgActor) trainer = wg_actor_new ("trainer", WG_ROLE_TRAINER, NULL, NULL, NULL);
  g_autoptr(WgActor) worker17 = wg_actor_new ("worker-17", WG_ROLE_GRID_WORKER, "g17", NULL, "gw17");
  g_autoptr(WgActor) cgj = wg_actor_new ("cgj-desk", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  g_autoptr(WgActor) sfs = wg_actor_new ("sfs-desk", WG_ROLE_DEPARTMENT, NULL, "sfs", NULL);
  g_autoptr(WgActor) police = wg_actor_new ("police-05", WG_ROLE_GRID_WORKER, NULL, NULL, "u5");
  g_autoptr(WgActor) fire = wg_actor_new ("fire-06", WG_ROLE_GRID_WORKER, NULL, NULL, "u6");
  const WgActor *actors[] = { leader, trainer, worker17, cgj, sfs, police, fire };
  g_autoptr(WgCommand) in17 = fixture_command ("incident.report",
    "{\"grade\": \"professional\", \"category\": \"structure\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"roof\", \"caller\": {\"name\": \"Chen\", \"phone\": \"13800138000\"}}");
  g_autoptr(WgCommand) in05 = fixture_command ("incident.report",
    "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 23.25, \"lon\": 113.375},"
    " \"summary\": \"smoke\", \"caller\": {\"name\": \"Li\", \"phone\": \"13900139000\"}}");
  g_autoptr(GPtrArray) r17 = NULL, r05 = NULL, routed = NULL, v = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonArray) co = json_array_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  WgJournalViewer viewer;
  gboolean visible = TRUE;
  const char *a, *b;
  guint n = 0;
  WgEvent *event;

  /* The first half without stored texts (as a console cache keeps it). */
  g_assert_true (wg_store_register_unit (f->store, "u5", "police", "car 5", "g05", "police-05", &error));
  g_assert_true (wg_store_register_unit (f->store, "u6", "fire", "engine 6", "g05", "fire-06", &error));
  r17 = fixture_run (f, in17, leader, FIXTURE_T0);
  a = ((WgEvent *) r17->pdata[0])->subject;
  fixture_run_ok (f, fixture_commandf ("incident.note", "{\"incident\": \"%s\", \"text\": \"before\"}", a),
                  leader, FIXTURE_T0 + 1000);
  wg_store_set_keep_event_text (f->store, TRUE);
  r05 = fixture_run (f, in05, leader, FIXTURE_T0 + 2000);
  b = ((WgEvent *) r05->pdata[0])->subject;

  /* A routing with a co-department (as the full work-order cycle writes
   * it), then the lead department works on it. */
  json_object_set_string_member (body, "department", "cgj");
  json_array_add_string_element (co, "sfs");
  json_object_set_array_member (body, "co_departments", json_array_ref (co));
  event = wg_event_new (WG_EV_INCIDENT_ROUTED, FIXTURE_T0 + 3000, "leader", "duty_leader", NULL, a, a, body);
  wg_event_set_seq (event, wg_store_head (f->store) + 1);
  routed = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_ptr_array_add (routed, event);
  g_assert_true (wg_store_apply_events (f->store, routed, &error));
  g_assert_no_error (error);
  fixture_run_ok (f, fixture_commandf ("incident.accept", "{\"incident\": \"%s\"}", a), cgj, FIXTURE_T0 + 4000);
  fixture_run_ok (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u5\"]}", b),
                  leader, FIXTURE_T0 + 5000);
  fixture_run_ok (f, fixture_commandf ("incident.note", "{\"incident\": \"%s\", \"text\": \"after\"}", b),
                  leader, FIXTURE_T0 + 6000);

  for (guint i = 0; i < G_N_ELEMENTS (actors); i++)
    {
      wg_journal_viewer_init_from_actor (&viewer, actors[i]);
      check_one_rule (f, &viewer, actors[i]);
    }

  /* The police unit's account: the fire's report (location, summary, case
   * number; the phone masked) and what came after its assignment. */
  wg_journal_viewer_init_from_actor (&viewer, police);
  v = text_view_of (f, &viewer, 1000);
  g_assert_true (view_has (v, "incident.reported", b));
  g_assert_true (view_has (v, "assignment.created", b));
  g_assert_true (view_has (v, "incident.noted", b));
  g_assert_false (view_has (v, "incident.reported", a));
  event = v->pdata[0];
  g_assert_cmpstr (json_object_get_string_member (event->body, "summary"), ==, "smoke");
  g_assert_nonnull (json_object_get_string_member (event->body, "case_number"));
  g_assert_true (json_object_has_member (event->body, "location"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event->body, "caller"), "phone"),
                   ==, "139****9000");
  g_clear_pointer (&v, g_ptr_array_unref);
  g_assert_true (wg_store_append_incident_text (f->store, &viewer, b, text, &n, &error));
  g_assert_cmpuint (n, ==, 4);   /* reported, then created, dispatched, noted */
  g_assert_true (wg_store_incident_visible (f->store, &viewer, a, &visible, &error));
  g_assert_false (visible);

  /* Another unit's account sees nothing of it. */
  wg_journal_viewer_init_from_actor (&viewer, fire);
  g_assert_true (wg_store_incident_visible (f->store, &viewer, b, &visible, &error));
  g_assert_false (visible);

  /* The co-department: the report and from its routing on, like the lead. */
  wg_journal_viewer_init_from_actor (&viewer, sfs);
  v = text_view_of (f, &viewer, 1000);
  g_assert_true (view_has (v, "incident.reported", a));
  g_assert_true (view_has (v, "incident.routed", a));
  g_assert_true (view_has (v, "incident.accepted", a));
  g_assert_false (view_has (v, "incident.noted", a));
  g_assert_false (view_has (v, "incident.reported", b));

  /* The rows stored without their texts get them once; nothing changes
   * for any reader. */
  g_assert_true (wg_store_fill_event_texts (f->store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, r17->len + 1);
  g_assert_true (wg_store_fill_event_texts (f->store, &n, &error));
  g_assert_cmpuint (n, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (actors); i++)
    {
      wg_journal_viewer_init_from_actor (&viewer, actors[i]);
      check_one_rule (f, &viewer, actors[i]);
    }
}

/* The wall's text (wg-public-display.h): stored with each event, filled
 * for a journal kept before it, served by the one reading rule. */
static void
test_public_text (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgActor) wall = wg_actor_new ("wall", WG_ROLE_WALL, NULL, NULL, NULL);
  g_autoptr(GPtrArray) fire = NULL, dispute = NULL, view = NULL;
  g_autoptr(WgCommand) report_fire = NULL, report_dispute = NULL;
  g_autoptr(GError) error = NULL;
  WgJournalViewer viewer;
  guint n = 0;

  wg_rules_set_category_sensitive (f->rules, "labour_dispute", TRUE);
  wg_rules_add_grid_centre (f->rules, "g17", 23.2, 113.2);
  /* Before the store kept texts (a schema 3 journal has no public one). */
  report_fire = fixture_command ("incident.report",
    "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"smoke\", \"details\": \"flat 502\", \"caller\": {\"name\": \"Wu\", \"phone\": \"13900139000\"}}");
  fire = fixture_run (f, report_fire, leader, FIXTURE_T0);
  wg_store_set_keep_event_text (f->store, TRUE);
  report_dispute = fixture_command ("incident.report",
    "{\"grade\": \"professional\", \"category\": \"labour_dispute\", \"location\": {\"lat\": 23.26, \"lon\": 113.31},"
    " \"summary\": \"wages unpaid\", \"caller\": {\"name\": \"Li\", \"phone\": \"13700137000\"}}");
  dispute = fixture_run (f, report_dispute, leader, FIXTURE_T0 + 1000);
  fixture_run_ok (f, fixture_commandf ("incident.note", "{\"incident\": \"%s\", \"text\": \"Li called\"}",
                                       ((WgEvent *) dispute->pdata[0])->subject), leader, FIXTURE_T0 + 2000);

  for (guint pass = 0; pass < 2; pass++)
    {
      wg_journal_viewer_init_from_actor (&viewer, wall);
      g_assert_cmpint (wg_journal_viewer_get_text (&viewer), ==, WG_EVENT_TEXT_PUBLIC);
      view = text_view_of (f, &viewer, 1000);
      g_assert_cmpuint (view->len, ==, 4);   /* reported, alarm.raised; reported; noted */
      for (guint i = 0; i < view->len; i++)
        {
          WgEvent *event = view->pdata[i];
          g_autofree char *text = wg_event_to_string (event);

          g_assert_null (strstr (text, "Wu"));
          g_assert_null (strstr (text, "Li"));
          g_assert_null (strstr (text, "13900139000"));
          g_assert_null (strstr (text, "139****9000"));
          g_assert_null (strstr (text, "13700137000"));
          g_assert_null (strstr (text, "137****7000"));
          g_assert_null (strstr (text, "flat 502"));
          g_assert_null (strstr (text, "wages"));
        }
      /* The fire at its grid's centre with its summary; the dispute (in
       * g05, whose centre is unknown) rounded to 0.01 degree, without it. */
      {
        WgEvent *reported = view->pdata[0];
        JsonObject *location = json_object_get_object_member (reported->body, "location");

        g_assert_cmpstr (json_object_get_string_member (reported->body, "summary"), ==, "smoke");
        g_assert_cmpfloat (json_object_get_double_member (location, "lat"), ==, 23.2);
        g_assert_cmpfloat (json_object_get_double_member (location, "lon"), ==, 113.2);
        reported = view->pdata[2];
        location = json_object_get_object_member (reported->body, "location");
        g_assert_cmpstr (json_object_get_string_member (reported->body, "summary"), ==, "");
        g_assert_cmpstr (json_object_get_string_member (reported->body, "category"), ==, "labour_dispute");
        g_assert_cmpfloat_with_epsilon (json_object_get_double_member (location, "lon"), 113.31, 1e-9);
        g_assert_false (json_object_has_member (((WgEvent *) view->pdata[3])->body, "text"));
      }
      /* The wall's console projects its view like any other. */
      {
        g_autofree char *path = g_strdup_printf ("%s/wall-cache-%u.db", f->dir, pass);
        g_autoptr(WgStore) cache = wg_store_open (path, &error);
        g_auto(WgIncidentRecord) r = { 0 };

        g_assert_no_error (error);
        g_assert_true (wg_store_apply_events (cache, view, &error));
        g_assert_no_error (error);
        g_assert_true (wg_store_get_incident (cache, ((WgEvent *) view->pdata[2])->subject, &r, &error));
        g_assert_cmpstr (r.summary, ==, "");
        g_assert_cmpstr (r.category, ==, "labour_dispute");
      }
      g_clear_pointer (&view, g_ptr_array_unref);

      /* The rows without texts get them once, the same for every reader. */
      g_assert_true (wg_store_fill_event_texts (f->store, &n, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, pass == 0 ? fire->len : 0);
    }
  {
    g_autofree char *text = wg_store_read_event_text (f->store, 1, WG_EVENT_TEXT_PUBLIC, &error);

    g_assert_no_error (error);
    g_assert_null (strstr (text, "caller"));
    g_assert_null (wg_store_read_event_text (f->store, 99, WG_EVENT_TEXT_PUBLIC, &error));
    g_assert_error (error, WG_ERROR, WG_ERROR_STORE);
  }
}

/* A department's cache that was running when an incident was routed to
 * it: the routing arrives above its head, the report below it.  Applying
 * the routing does not fail (no step row for an unknown incident); the
 * adoption of the incident's events as the server gives them projects it
 * from its report, and the routing's step is there once. */
static void
test_adopt_incident (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgActor) cgj = wg_actor_new ("cgj-desk", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  g_autoptr(WgCommand) report = fixture_command ("incident.report",
    "{\"grade\": \"professional\", \"category\": \"structure\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"roof\"}");
  g_autofree char *cache_path = g_build_filename (f->dir, "department.db", NULL);
  g_autoptr(WgStore) cache = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reported = NULL, view = NULL, live = NULL, all = NULL, mine = NULL;
  g_auto(WgIncidentRecord) record = { 0 };
  gint64 head;
  const char *id;
  sqlite3 *db;
  sqlite3_stmt *stmt;

  reported = fixture_run (f, report, leader, FIXTURE_T0);
  id = ((WgEvent *) reported->pdata[0])->subject;
  /* fixture_run_ok takes the command. */
  fixture_run_ok (f, fixture_command ("incident.report", fire_report), leader, FIXTURE_T0 + 1000);

  /* The department's console is live (its view is empty so far)... */
  cache = wg_store_open (cache_path, &error);
  g_assert_no_error (error);
  view = wg_store_read_journal_as (f->store, cgj, 0, 100, &error);
  g_assert_cmpuint (view->len, ==, 0);
  head = wg_store_head (f->store);

  /* ...when the routing comes: above its head, the report below. */
  fixture_run_ok (f, fixture_commandf ("incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id),
                  leader, FIXTURE_T0 + 2000);
  live = wg_store_read_journal_as (f->store, cgj, head, 100, &error);
  g_assert_cmpuint (live->len, ==, 1);
  g_assert_true (wg_store_apply_events (cache, live, &error));
  g_assert_no_error (error);
  g_assert_false (wg_store_get_incident (cache, id, &record, NULL));

  /* GET /api/v1/incidents/{id}/events: the department's view of it. */
  all = wg_store_read_journal_as (f->store, cgj, 0, 100, &error);
  mine = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  for (guint i = 0; i < all->len; i++)
    if (g_strcmp0 (((WgEvent *) all->pdata[i])->incident, id) == 0)
      g_ptr_array_add (mine, wg_event_ref (all->pdata[i]));
  g_assert_cmpuint (mine->len, ==, 2);
  g_assert_true (wg_store_adopt_incident (cache, id, mine, &error));
  g_assert_no_error (error);

  g_assert_true (wg_store_get_incident (cache, id, &record, &error));
  g_assert_cmpstr (record.summary, ==, "roof");
  g_assert_cmpint (record.state, ==, WG_STATE_ROUTED);
  g_assert_cmpstr (record.department, ==, "cgj");
  g_assert_cmpint (record.step, >=, 0);
  /* Both events in the cache's journal, in seq order; its head unchanged. */
  g_clear_pointer (&all, g_ptr_array_unref);
  all = wg_store_read_incident_events (cache, id, &error);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpint (((WgEvent *) all->pdata[0])->type, ==, WG_EV_INCIDENT_REPORTED);
  g_assert_cmpint (((WgEvent *) all->pdata[1])->type, ==, WG_EV_INCIDENT_ROUTED);
  g_assert_cmpint (wg_store_head (cache), ==, ((WgEvent *) live->pdata[0])->seq);
  /* One open step row, not two. */
  db = wg_store_get_sqlite (cache);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM deadlines WHERE incident = ?1 AND ended_at IS NULL",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 1);
  sqlite3_finalize (stmt);

  /* Adopting again changes nothing; the department goes on from there. */
  g_assert_true (wg_store_adopt_incident (cache, id, mine, &error));
  fixture_run_ok (f, fixture_commandf ("incident.accept", "{\"incident\": \"%s\"}", id), cgj, FIXTURE_T0 + 3000);
  g_clear_pointer (&live, g_ptr_array_unref);
  live = wg_store_read_journal_as (f->store, cgj, wg_store_head (cache), 100, &error);
  g_assert_true (wg_store_apply_events (cache, live, &error));
  wg_incident_record_clear (&record);
  g_assert_true (wg_store_get_incident (cache, id, &record, &error));
  g_assert_cmpint (record.state, ==, WG_STATE_ACCEPTED);
}

static WgUnitRecord *
find_unit (GPtrArray  *units,
           const char *id)
{
  for (guint i = 0; i < units->len; i++)
    if (g_strcmp0 (((WgUnitRecord *) units->pdata[i])->id, id) == 0)
      return units->pdata[i];
  g_assert_not_reached ();
}

/* The snapshot's store leaves a unit alone only when both it and the cache
 * have it as registered: a unit its events moved, or one the cache held
 * otherwise, takes the snapshot's state. */
static void
test_snapshot_units (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autofree char *cache_path = g_build_filename (f->dir, "cache.db", NULL);
  g_autoptr(WgStore) cache = NULL;
  g_autoptr(WgStoreSnapshot) snapshot = NULL;
  g_autoptr(WgCommand) report = NULL;
  g_autoptr(GPtrArray) reported = NULL;
  g_autoptr(GPtrArray) no_events = g_ptr_array_new ();
  g_autoptr(GPtrArray) earlier = wg_unit_record_array_new ();
  g_autoptr(GPtrArray) cache_units = NULL;
  g_autoptr(GError) error = NULL;
  WgUnitRecord *unit;
  const char *ids[] = { "u1", "u2", "u3" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_true (wg_store_register_unit (f->store, ids[i], "police", ids[i], "g17", NULL, &error));
  report = fixture_command ("incident.report", fire_report);
  reported = fixture_run (f, report, leader, FIXTURE_T0);
  fixture_run_ok (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\"]}",
                                       ((WgEvent *) reported->pdata[0])->subject),
                  leader, FIXTURE_T0 + 1000);
  snapshot = wg_store_read_snapshot (f->store, FIXTURE_T0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (find_unit (snapshot->units, "u1")->open_assignments, ==, 1);
  /* The snapshot's u1 as registered although its events dispatch it (the
   * store must not trust what the events left), u2 off duty, u3 as
   * registered. */
  unit = find_unit (snapshot->units, "u1");
  unit->status = WG_UNIT_AVAILABLE;
  unit->open_assignments = 0;
  unit->updated_at = 0;
  unit = find_unit (snapshot->units, "u2");
  unit->status = WG_UNIT_OFF_DUTY;
  unit->updated_at = FIXTURE_T0 + 500;
  g_assert_true (find_unit (snapshot->units, "u3")->status == WG_UNIT_AVAILABLE);
  g_assert_cmpint (find_unit (snapshot->units, "u3")->updated_at, ==, 0);

  cache = wg_store_open (cache_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_true (wg_store_register_unit (cache, ids[i], "police", ids[i], "g17", NULL, &error));
  /* The cache holds u3 off duty (a snapshot of an empty journal). */
  unit = g_new0 (WgUnitRecord, 1);
  unit->id = g_strdup ("u3");
  unit->status = WG_UNIT_OFF_DUTY;
  unit->updated_at = FIXTURE_T0 - 1000;
  g_ptr_array_add (earlier, unit);
  g_assert_true (wg_store_apply_snapshot (cache, 0, no_events, earlier, NULL, 0, &error));
  g_assert_no_error (error);

  g_assert_true (wg_store_apply_snapshot (cache, snapshot->head, snapshot->events, snapshot->units,
                                         snapshot->duty_leader, snapshot->duty_since, &error));
  g_assert_no_error (error);
  cache_units = wg_store_list_units (cache, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cache_units->len, ==, 3);
  unit = find_unit (cache_units, "u1");
  g_assert_true (unit->status == WG_UNIT_AVAILABLE);
  g_assert_cmpuint (unit->open_assignments, ==, 0);
  g_assert_cmpint (unit->updated_at, ==, 0);
  unit = find_unit (cache_units, "u2");
  g_assert_true (unit->status == WG_UNIT_OFF_DUTY);
  g_assert_cmpint (unit->updated_at, ==, FIXTURE_T0 + 500);
  unit = find_unit (cache_units, "u3");
  g_assert_true (unit->status == WG_UNIT_AVAILABLE);
  g_assert_cmpint (unit->updated_at, ==, 0);
}

/* A cache started from the server's snapshot holds the same state as the
 * server for what is open, is complete up to the snapshot's head (also
 * after a reopen), takes the older journal by back-fill, and an id change
 * empties it.  A new cache only takes the server's journal id; one that
 * held a snapshot, even of an empty journal, is emptied. */
static void
test_snapshot_backfill_and_reset (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autofree char *cache_path = g_build_filename (f->dir, "cache.db", NULL);
  g_autoptr(WgStore) cache = NULL;
  g_autoptr(WgStoreSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) reported = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GHashTable) units = NULL;
  g_autoptr(WgCommand) fire = NULL;
  g_autofree char *server_id = g_strdup (wg_store_get_journal_id (f->store));
  const char *open_id;

  g_assert_true (g_uuid_string_is_valid (server_id));
  g_assert_true (wg_store_register_unit (f->store, "u1", "police", "car 1", "g17", "car1", &error));
  /* An old incident, ended long ago, then an open one with a unit on it. */
  fixture_run_ok (f, fixture_command ("incident.report",
                                      "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\":"
                                      " {\"lat\": 23.2, \"lon\": 113.2}, \"summary\": \"old\","
                                      " \"handled_on_spot\": {\"resolution\": \"done\"}}"),
                  leader, FIXTURE_T0);
  fire = fixture_command ("incident.report", fire_report);
  reported = fixture_run (f, fire, leader, FIXTURE_T0 + 3 * 86400000);
  open_id = ((WgEvent *) reported->pdata[0])->subject;
  fixture_run_ok (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\"]}", open_id),
                  leader, FIXTURE_T0 + 3 * 86400000 + 1000);
  fixture_run_ok (f, fixture_command ("roster.handover", "{\"to\": \"wang\"}"), leader, FIXTURE_T0 + 3 * 86400000 + 2000);

  units = wg_store_open_assignment_units (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (units), ==, 1);
  g_assert_cmpstr (((GPtrArray *) g_hash_table_lookup (units, open_id))->pdata[0], ==, "u1");

  snapshot = wg_store_read_snapshot (f->store, FIXTURE_T0 + 2 * 86400000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (snapshot->journal_id, ==, server_id);
  g_assert_cmpint (snapshot->head, ==, wg_store_head (f->store));
  g_assert_cmpuint (snapshot->incidents->len, ==, 1);
  g_assert_cmpstr (((WgIncidentRecord *) snapshot->incidents->pdata[0])->id, ==, open_id);
  g_assert_cmpuint (snapshot->assignments->len, ==, 1);
  g_assert_cmpuint (snapshot->step_clocks->len, >=, 1);
  g_assert_cmpstr (snapshot->duty_leader, ==, "wang");

  cache = wg_store_open (cache_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wg_store_get_journal_id (cache), !=, server_id);
  g_assert_true (wg_store_register_unit (cache, "u1", "police", "car 1", "g17", "car1", &error));
  g_assert_true (wg_store_name_journal (cache, server_id, &error));
  g_assert_cmpstr (wg_store_get_journal_id (cache), ==, server_id);
  g_assert_true (wg_store_apply_snapshot (cache, snapshot->head, snapshot->events, snapshot->units,
                                         snapshot->duty_leader, snapshot->duty_since, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wg_store_head (cache), ==, snapshot->head);
  g_assert_cmpint (wg_store_get_backfill_after (cache), ==, 0);
  {
    g_autoptr(GPtrArray) open = wg_store_list_incidents (cache, FALSE, &error);
    g_autoptr(GPtrArray) cache_units = wg_store_list_units (cache, &error);
    g_autofree char *duty = wg_store_get_duty_leader (cache, &error);

    g_assert_cmpuint (open->len, ==, 1);
    g_assert_cmpint (((WgUnitRecord *) cache_units->pdata[0])->open_assignments, ==, 1);
    g_assert_cmpstr (duty, ==, "wang");
  }

  /* Complete up to the snapshot's head after a reopen too. */
  g_clear_pointer (&cache, wg_store_unref);
  cache = wg_store_open (cache_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wg_store_head (cache), ==, snapshot->head);
  g_assert_cmpstr (wg_store_get_journal_id (cache), ==, server_id);

  /* Back-fill: the whole journal, the projection untouched. */
  all = wg_store_read_journal (f->store, 0, 1000, &error);
  g_assert_true (wg_store_backfill_events (cache, all, snapshot->head, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wg_store_get_backfill_after (cache), ==, snapshot->head);
  {
    g_autoptr(GPtrArray) theirs = wg_store_read_journal (cache, 0, 1000, &error);
    g_autoptr(GPtrArray) open = wg_store_list_incidents (cache, FALSE, &error);

    g_assert_cmpuint (theirs->len, ==, all->len);
    g_assert_cmpuint (open->len, ==, 1);
  }

  /* Another journal: all gone, units kept, the head and marks at 0. */
  g_assert_true (wg_store_name_journal (cache, "9a3f52d4-2f5e-4c1e-8a43-0d6b7a1c2e11", &error));
  g_assert_cmpint (wg_store_head (cache), ==, 0);
  g_assert_cmpint (wg_store_get_snapshot_head (cache), ==, 0);
  {
    g_autoptr(GPtrArray) journal = wg_store_read_journal (cache, 0, 1000, &error);
    g_autoptr(GPtrArray) open = wg_store_list_incidents (cache, FALSE, &error);
    g_autoptr(GPtrArray) cache_units = wg_store_list_units (cache, &error);

    g_assert_cmpuint (journal->len, ==, 0);
    g_assert_cmpuint (open->len, ==, 0);
    g_assert_cmpuint (cache_units->len, ==, 1);
    g_assert_cmpint (((WgUnitRecord *) cache_units->pdata[0])->open_assignments, ==, 0);
  }
  g_clear_pointer (&cache, wg_store_unref);
  cache = wg_store_open (cache_path, &error);
  g_assert_cmpint (wg_store_head (cache), ==, 0);
  g_assert_cmpstr (wg_store_get_journal_id (cache), ==, "9a3f52d4-2f5e-4c1e-8a43-0d6b7a1c2e11");

  /* A snapshot of an empty journal leaves the head at 0 but its roster
   * and units in the cache: another journal empties it all the same. */
  {
    g_autoptr(GPtrArray) no_events = g_ptr_array_new ();
    g_autoptr(GPtrArray) busy = wg_unit_record_array_new ();
    WgUnitRecord *unit = g_new0 (WgUnitRecord, 1);
    g_autoptr(GPtrArray) cache_units = NULL;
    g_autofree char *duty = NULL;

    unit->id = g_strdup ("u1");
    unit->status = WG_UNIT_OFF_DUTY;
    unit->updated_at = FIXTURE_T0;
    g_ptr_array_add (busy, unit);
    g_assert_true (wg_store_apply_snapshot (cache, 0, no_events, busy, "wang", FIXTURE_T0, &error));
    g_assert_cmpint (wg_store_head (cache), ==, 0);
    g_assert_true (wg_store_name_journal (cache, server_id, &error));
    g_assert_cmpstr (wg_store_get_journal_id (cache), ==, server_id);
    duty = wg_store_get_duty_leader (cache, &error);
    g_assert_no_error (error);
    g_assert_null (duty);
    cache_units = wg_store_list_units (cache, &error);
    g_assert_cmpint (((WgUnitRecord *) cache_units->pdata[0])->status, ==, WG_UNIT_AVAILABLE);
  }
}

/* A command of @type with a fixed id: its incident's id follows. */
static WgCommand *
fixed_command (guint       n,
               const char *type,
               const char *body_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = wg_json_parse (body_json, -1, &error);
  g_autofree char *id = g_strdup_printf ("00000000-0000-4000-8000-%012u", n);
  WgCommandType kind;

  g_assert_no_error (error);
  g_assert_true (wg_command_type_from_string (type, &kind));
  return wg_command_new (id, kind, json_node_get_object (node));
}

/* SHA-256 over the columns of the rows @select reads (named: a column
 * added later leaves the digest as it is). */
static char *
table_digest (const char *path,
              const char *select)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, select, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    for (int i = 0; i < sqlite3_column_count (stmt); i++)
      {
        const guchar *text = sqlite3_column_text (stmt, i);

        g_checksum_update (sum, text != NULL ? text : (const guchar *) "\x01", -1);
        g_checksum_update (sum, (const guchar *) "\x00|", 2);
      }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_strdup (g_checksum_get_string (sum));
}

/* The journal's and the commands' bytes for a fixed sequence of commands
 * (three grades, a caller, a note, a refusal, local midnight crossed):
 * a change to the command path's speed must leave them as they were. */
static void
test_journal_bytes (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);
  g_autofree char *journal = NULL, *commands = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fire = NULL;
  g_autoptr(WgCommand) report = fixed_command (1, "incident.report", fire_report);
  g_autoptr(WgCommand) refused = fixed_command (4, "incident.note", "{\"incident\": \"nope\", \"text\": \"x\"}");
  g_autofree char *note = NULL;
  const gint64 day = 24 * 3600 * 1000;

  wg_store_set_keep_event_text (f->store, TRUE);
  fire = fixture_run (f, report, leader, FIXTURE_T0);
  note = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"on the way\"}", ((WgEvent *) fire->pdata[0])->subject);
  fixture_run_ok (f, fixed_command (2, "incident.report",
    "{\"grade\": \"professional\", \"category\": \"labour_dispute\", \"location\": {\"lat\": 23.26, \"lon\": 113.31},"
    " \"summary\": \"bins full\", \"details\": \"flat 502\", \"source\": \"hotline_12345\","
    " \"caller\": {\"name\": \"Li\", \"phone\": \"13700137000\"}}"), leader, FIXTURE_T0 + 1000);
  fixture_run_ok (f, fixed_command (3, "incident.note", note), leader, FIXTURE_T0 + 2000);
  g_assert_false (wg_store_execute_command (f->store, refused, leader, FIXTURE_T0 + 3000, NULL, NULL, &error));
  g_clear_error (&error);
  for (guint i = 0; i < 4; i++)
    fixture_run_ok (f, fixed_command (10 + i, "incident.report",
      "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.21, \"lon\": 113.29},"
      " \"summary\": \"bench\"}"), leader, FIXTURE_T0 + i * day / 3);

  journal = table_digest (path, "SELECT seq, ts, type, actor, role, command, subject, incident, exercise, body,"
                                 " json, json_masked, json_public FROM journal ORDER BY seq");
  commands = table_digest (path, "SELECT id, type, body_hash, actor, role, received_at, outcome, first_seq,"
                                 " last_seq, error_code, error_message FROM commands ORDER BY id");
  g_test_message ("journal %s, commands %s", journal, commands);
  g_assert_cmpstr (journal, ==, JOURNAL_BYTES);
  g_assert_cmpstr (commands, ==, COMMANDS_BYTES);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/idempotency", Fixture, NULL, fixture_set_up, test_idempotency, fixture_tear_down);
  g_test_add ("/store/group-commit", Fixture, NULL, fixture_set_up, test_group_commit, fixture_tear_down);
  g_test_add ("/store/case-numbers", Fixture, NULL, fixture_set_up, test_case_numbers, fixture_tear_down);
  g_test_add ("/store/migrations", Fixture, NULL, fixture_set_up, test_migrations, fixture_tear_down);
  g_test_add ("/store/console-cache", Fixture, NULL, fixture_set_up, test_console_cache, fixture_tear_down);
  g_test_add ("/store/units", Fixture, NULL, fixture_set_up, test_units, fixture_tear_down);
  g_test_add ("/store/partial-view", Fixture, NULL, fixture_set_up, test_partial_view, fixture_tear_down);
  g_test_add ("/store/exercise", Fixture, NULL, fixture_set_up, test_exercise, fixture_tear_down);
  g_test_add ("/store/journal-views", Fixture, NULL, fixture_set_up, test_journal_views, fixture_tear_down);
  g_test_add ("/store/reading-rule", Fixture, NULL, fixture_set_up, test_reading_rule, fixture_tear_down);
  g_test_add ("/store/journal-bytes", Fixture, NULL, fixture_set_up, test_journal_bytes, fixture_tear_down);
  g_test_add ("/store/public-text", Fixture, NULL, fixture_set_up, test_public_text, fixture_tear_down);
  g_test_add ("/store/adopt-incident", Fixture, NULL, fixture_set_up, test_adopt_incident, fixture_tear_down);
  g_test_add ("/store/snapshot-backfill-reset", Fixture, NULL, fixture_set_up, test_snapshot_backfill_and_reset,
              fixture_tear_down);
  g_test_add ("/store/snapshot-units", Fixture, NULL, fixture_set_up, test_snapshot_units,
              fixture_tear_down);
  return g_test_run ();
}
