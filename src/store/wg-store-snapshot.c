/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-store-snapshot"

#include "config.h"

#include "wg-json-write.h"
#include "wg-journal-view.h"
#include "wg-sqlite.h"
#include "wg-store-private.h"
#include "wg-store-snapshot.h"

/* Incidents open, or ended (closed, cancelled, merged into another) since
 * ?1: the projection has no ended_at, but an ended incident changes no
 * more, so its last change is its end. */
#define SNAPSHOT_INCIDENTS \
  "SELECT id FROM incidents WHERE state NOT IN ('closed', 'cancelled') OR updated_at >= ?1"
/* WG_STORE_SNAPSHOT_OPEN_ONLY: those still open, merged ones not either. */
#define OPEN_INCIDENTS \
  "SELECT id FROM incidents WHERE state NOT IN ('closed', 'cancelled', 'merged')"

static void
step_clock_free (WgStepClock *clock)
{
  g_free (clock->incident);
  g_free (clock->step);
  g_free (clock);
}

void
wg_store_snapshot_free (WgStoreSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_free (snapshot->journal_id);
  g_clear_pointer (&snapshot->incidents, g_ptr_array_unref);
  g_clear_pointer (&snapshot->assignments, g_ptr_array_unref);
  g_clear_pointer (&snapshot->step_clocks, g_ptr_array_unref);
  g_clear_pointer (&snapshot->events, g_ptr_array_unref);
  g_clear_pointer (&snapshot->units, g_ptr_array_unref);
  g_free (snapshot->duty_leader);
  g_free (snapshot);
}

static gboolean
read_incidents (WgStore          *store,
                gint64            ended_since_ms,
                WgStoreSnapshot  *snapshot,
                GError          **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (store,
                                       ended_since_ms == WG_STORE_SNAPSHOT_OPEN_ONLY
                                       ? OPEN_INCIDENTS " ORDER BY reported_at, id"
                                       : SNAPSHOT_INCIDENTS " ORDER BY reported_at, id", error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (ended_since_ms != WG_STORE_SNAPSHOT_OPEN_ONLY)
    sqlite3_bind_int64 (stmt, 1, ended_since_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, wg_sqlite_column_dup (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _wg_store_set_error (store, error);

  /* A few hundred indexed lookups through the store's own readers: the
   * records, assignments and events come out exactly as everywhere else. */
  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = ids->pdata[i];
      WgIncidentRecord *record = g_new0 (WgIncidentRecord, 1);
      g_autoptr(GPtrArray) assignments = NULL;
      g_autoptr(GPtrArray) events = NULL;

      g_ptr_array_add (snapshot->incidents, record);
      if (!wg_store_get_incident (store, id, record, error))
        return FALSE;
      assignments = wg_store_list_assignments (store, id, error);
      if (assignments == NULL)
        return FALSE;
      g_ptr_array_extend_and_steal (snapshot->assignments, g_steal_pointer (&assignments));
      events = wg_store_read_incident_events (store, id, error);
      if (events == NULL)
        return FALSE;
      g_ptr_array_extend_and_steal (snapshot->events, g_steal_pointer (&events));
    }
  return TRUE;
}

static gboolean
read_step_clocks (WgStore          *store,
                  gint64            ended_since_ms,
                  WgStoreSnapshot  *snapshot,
                  GError          **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (store,
    ended_since_ms == WG_STORE_SNAPSHOT_OPEN_ONLY
    ? "SELECT incident, step, started_at, started_seq, due_at, ended_at, overdue, extensions"
      " FROM deadlines WHERE incident IN (" OPEN_INCIDENTS ")"
      " ORDER BY incident, started_seq"
    : "SELECT incident, step, started_at, started_seq, due_at, ended_at, overdue, extensions"
      " FROM deadlines WHERE incident IN (" SNAPSHOT_INCIDENTS ")"
      " ORDER BY incident, started_seq", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  if (ended_since_ms != WG_STORE_SNAPSHOT_OPEN_ONLY)
    sqlite3_bind_int64 (stmt, 1, ended_since_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgStepClock *clock = g_new0 (WgStepClock, 1);

      clock->incident = wg_sqlite_column_dup (stmt, 0);
      clock->step = wg_sqlite_column_dup (stmt, 1);
      clock->started_at = sqlite3_column_int64 (stmt, 2);
      clock->started_seq = sqlite3_column_int64 (stmt, 3);
      clock->due_at = sqlite3_column_int64 (stmt, 4);
      clock->ended_at = sqlite3_column_int64 (stmt, 5);
      clock->overdue = sqlite3_column_int (stmt, 6) != 0;
      clock->extensions = (guint) sqlite3_column_int (stmt, 7);
      g_ptr_array_add (snapshot->step_clocks, clock);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _wg_store_set_error (store, error);
  return TRUE;
}

static gboolean
read_roster (WgStore          *store,
             WgStoreSnapshot  *snapshot,
             GError          **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (store, "SELECT duty_leader, since FROM roster WHERE id = 1", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      snapshot->duty_leader = wg_sqlite_column_dup (stmt, 0);
      snapshot->duty_since = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _wg_store_set_error (store, error);
  return TRUE;
}

WgStoreSnapshot *
wg_store_read_snapshot (WgStore  *store,
                        gint64    ended_since_ms,
                        GError  **error)
{
  g_autoptr(WgStoreSnapshot) snapshot = g_new0 (WgStoreSnapshot, 1);
  gboolean own_transaction;
  gboolean ok;

  g_return_val_if_fail (store != NULL, NULL);

  snapshot->incidents = wg_incident_record_array_new ();
  snapshot->assignments = wg_assignment_record_array_new ();
  snapshot->step_clocks = g_ptr_array_new_with_free_func ((GDestroyNotify) step_clock_free);
  snapshot->events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);

  /* One read transaction: every part is at the same head.  Inside a
   * caller's transaction (a group commit) the reads see it already. */
  own_transaction = !wg_store_in_transaction (store);
  if (own_transaction && !_wg_store_exec (store, "BEGIN DEFERRED", error))
    return NULL;
  snapshot->journal_id = g_strdup (wg_store_get_journal_id (store));
  snapshot->head = wg_store_head (store);
  ok = read_incidents (store, ended_since_ms, snapshot, error) &&
       read_step_clocks (store, ended_since_ms, snapshot, error) &&
       read_roster (store, snapshot, error) &&
       (snapshot->units = wg_store_list_units (store, error)) != NULL;
  if (own_transaction)
    _wg_store_exec (store, "COMMIT", NULL);
  if (!ok)
    return NULL;
  return g_steal_pointer (&snapshot);
}

/* What the whole snapshot has and its open part not, as of ?2: the
 * incidents closed or cancelled at or after ?1 and the merged ones (as
 * SNAPSHOT_INCIDENTS has them), now, and those changed since ?2 that had
 * ended by then (an incident reopened since is open now).  Those that were
 * still open at ?2 come too (ended since): the caller has them already
 * and skips them. */
#define ENDED_INCIDENTS \
  "SELECT id FROM incidents WHERE (state IN ('closed', 'cancelled') AND updated_at >= ?1) OR state = 'merged'" \
  " OR id IN (SELECT j.incident FROM journal j WHERE j.seq > ?2 AND j.incident IS NOT NULL" \
  "   AND EXISTS (SELECT 1 FROM journal c WHERE c.incident = j.incident AND c.seq <= ?2" \
  "     AND ((c.type IN ('incident.closed', 'incident.cancelled') AND c.ts >= ?1)" \
  "          OR c.type = 'incident.merged')))" \
  " ORDER BY reported_at, id"

gboolean
wg_store_append_ended_snapshot (WgStore               *store,
                                const WgJournalViewer *viewer,
                                gint64                 ended_since_ms,
                                gint64                 head,
                                GString               *out,
                                guint                 *n_incidents,
                                GError               **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gboolean own_transaction;
  gboolean ok = TRUE;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (viewer != NULL, FALSE);
  g_return_val_if_fail (out != NULL && n_incidents != NULL, FALSE);

  own_transaction = !wg_store_in_transaction (store);
  if (own_transaction && !_wg_store_exec (store, "BEGIN DEFERRED", error))
    return FALSE;
  stmt = _wg_store_stmt (store, ENDED_INCIDENTS, error);
  if (stmt == NULL)
    ok = FALSE;
  else
    {
      sqlite3_bind_int64 (stmt, 1, ended_since_ms);
      sqlite3_bind_int64 (stmt, 2, head);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        g_ptr_array_add (ids, wg_sqlite_column_dup (stmt, 0));
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        ok = _wg_store_set_error (store, error);
    }
  /* Each incident's stored texts as the journal's pages send them: no
   * event is decoded or written again. */
  for (guint i = 0; ok && i < ids->len; i++)
    {
      gsize start = out->len;
      guint n = 0;

      if (*n_incidents > 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, '{');
      wg_json_write_member_name (out, "id", TRUE);
      wg_json_write_string (out, ids->pdata[i]);
      wg_json_write_member_name (out, "events", FALSE);
      g_string_append_c (out, '[');
      ok = wg_store_append_incident_text_through (store, viewer, ids->pdata[i], head, out, &n, error);
      g_string_append (out, "]}");
      /* Not in the caller's view. */
      if (ok && n == 0)
        g_string_truncate (out, start);
      else if (ok)
        (*n_incidents)++;
    }
  if (own_transaction)
    _wg_store_exec (store, "COMMIT", NULL);
  return ok;
}

GHashTable *
wg_store_open_assignment_units (WgStore  *store,
                                GError  **error)
{
  g_autoptr(GHashTable) units = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_ptr_array_unref);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = _wg_store_stmt (store,
    "SELECT incident, unit FROM assignments WHERE state NOT IN ('cleared', 'cancelled')"
    " ORDER BY incident, created_seq, id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *incident = (const char *) sqlite3_column_text (stmt, 0);
      GPtrArray *list = g_hash_table_lookup (units, incident);

      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (units, g_strdup (incident), list);
        }
      g_ptr_array_add (list, wg_sqlite_column_dup (stmt, 1));
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (store, error);
      return NULL;
    }
  return g_steal_pointer (&units);
}
