/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A replay session keeps one scratch state for its whole life and moves it:
 * forward by projecting the events in between, backward (or far forward)
 * by restoring the nearest checkpoint of the source into it and projecting
 * from there.  The source is ATTACHed to the scratch connection, so one
 * transaction reads the source and writes the state.
 *
 * Measured (bench-seek, bench/README.md): before sessions each seek made a
 * new database file, copied the checkpoint into it and projected; the
 * file's creation, its schema and writing its pages took most of the
 * time.  The session's state lives in memory (no file, no WAL: pages are
 * never written out), without foreign keys (a derived copy, filled in
 * bulk: a DELETE without WHERE then truncates a table at once instead of
 * checking every child row), and a forward move projects only the events
 * in between.
 */
#define G_LOG_DOMAIN "wg-replay"

#include "config.h"

#include <string.h>

#include "wg-error.h"
#include "wg-replay-session.h"
#include "wg-store-private.h"

struct _WgReplaySession
{
  WgStore *state;
  /* "a, b, c" per projection table (in _wg_projection_tables' order): the
   * checkpoint copies' column order may differ from the tables'. */
  GPtrArray *columns;
  gint64   time;
  gint64   seq;
  /* ts of the event at seq: a later moment needs only the events after
   * seq (ts never goes back along the journal). */
  gint64   seq_ts;
  /* The state holds nothing yet, not even the units. */
  gboolean empty;
};

/* Restoring a checkpoint copies about this many rows in the time it takes
 * to project one event (bench-seek, in-memory state). */
#define ROWS_PER_EVENT 20

static char *
column_list (sqlite3     *db,
             const char  *table,
             GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA main.table_info (%s)", table);
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (db));
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
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (db));
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

WgReplaySession *
wg_replay_session_new (WgStore  *source,
                       GError  **error)
{
  g_autoptr(WgReplaySession) self = g_new0 (WgReplaySession, 1);
  char *attach_sql;
  gboolean ok;

  g_return_val_if_fail (source != NULL, NULL);

  self->time = G_MININT64;
  self->seq_ts = G_MININT64;
  self->empty = TRUE;
  self->state = wg_store_open (":memory:", error);
  if (self->state == NULL)
    return NULL;
  wg_store_set_rules (self->state, wg_store_get_rules (source));
  wg_store_set_checkpoint_interval (self->state, 0);
  if (!_wg_store_exec (self->state, "PRAGMA foreign_keys = OFF", error))
    return NULL;

  attach_sql = sqlite3_mprintf ("ATTACH %Q AS src", wg_store_get_path (source));
  ok = _wg_store_exec (self->state, attach_sql, error);
  sqlite3_free (attach_sql);
  if (!ok)
    return NULL;

  self->columns = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      char *columns = column_list (wg_store_get_sqlite (self->state), _wg_projection_tables[i], error);

      if (columns == NULL)
        return NULL;
      g_ptr_array_add (self->columns, columns);
    }
  return g_steal_pointer (&self);
}

/* Empties the state and fills it with checkpoint @cp of the source (0: no
 * checkpoint, units only), plus the units registered since. */
static gboolean
restore_checkpoint (WgReplaySession  *self,
                    gint64            cp,
                    GError          **error)
{
  /* Children first when deleting, parents first when inserting. */
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM main.%s", _wg_projection_tables[i]);

      if (!_wg_store_exec (self->state, sql, error))
        return FALSE;
    }
  for (guint i = self->columns->len; i-- > 0;)
    {
      const char *table = _wg_projection_tables[i];
      const char *columns = self->columns->pdata[i];
      g_autofree char *sql = NULL;

      if (cp > 0)
        sql = g_strdup_printf ("INSERT INTO main.%s (%s) SELECT %s FROM src.cp_%s WHERE cp = %" G_GINT64_FORMAT,
                               table, columns, columns, table, cp);
      else
        continue;
      if (!_wg_store_exec (self->state, sql, error))
        return FALSE;
    }
  return _wg_store_exec (self->state,
                         "INSERT OR IGNORE INTO main.units (id, type, name, home_grid, account)"
                         " SELECT id, type, name, home_grid, account FROM src.units", error);
}

/* Projects the source's events after self->seq with ts <= @t_ms.  The
 * scan stops at the first later event (ts never goes back along the
 * journal; the ts index this would need otherwise costs every append). */
static gboolean
project_until (WgReplaySession  *self,
               gint64            t_ms,
               GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _wg_store_stmt (self->state,
    "SELECT seq, ts, type, actor, role, command, subject, incident, exercise, body"
    " FROM src.journal WHERE seq > ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->seq);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && sqlite3_column_int64 (stmt, 1) <= t_ms)
    {
      g_autoptr(WgEvent) event = _wg_store_read_event_row (stmt, error);

      if (event == NULL || !_wg_projection_apply (self->state, event, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      self->seq = event->seq;
      self->seq_ts = event->ts;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _wg_store_set_error (self->state, error);
  return TRUE;
}

static gboolean
move_to (WgReplaySession  *self,
         gint64            t_ms,
         GError          **error)
{
  gint64 cp = 0, cp_ts = G_MININT64, cp_rows = 0;
  sqlite3_stmt *stmt;
  gboolean restore;

  stmt = _wg_store_stmt (self->state,
                         "SELECT seq, ts, rows FROM src.checkpoints WHERE ts <= ?1 ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, t_ms);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      cp = sqlite3_column_int64 (stmt, 0);
      cp_ts = sqlite3_column_int64 (stmt, 1);
      cp_rows = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);

  /* The current state is a valid start when no event after it is earlier
   * than t.  A checkpoint between it and t saves projecting the events up
   * to the checkpoint, at the price of copying its rows. */
  if (self->empty || t_ms < self->seq_ts)
    restore = TRUE;
  else
    restore = cp - self->seq > cp_rows / ROWS_PER_EVENT;
  if (restore)
    {
      if (!restore_checkpoint (self, cp, error))
        return FALSE;
      self->seq = cp;
      self->seq_ts = cp_ts;
    }
  if (!project_until (self, t_ms, error))
    return FALSE;

  stmt = _wg_store_stmt (self->state, "INSERT OR REPLACE INTO main.meta (key, value) VALUES ('projected_seq', ?1)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->seq);
  return _wg_store_step_done (self->state, stmt, error);
}

gboolean
wg_replay_session_seek (WgReplaySession  *self,
                        gint64            t_ms,
                        GError          **error)
{
  gint64 seq = self->seq, seq_ts = self->seq_ts;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!wg_store_in_transaction (self->state), FALSE);

  if (!_wg_store_exec (self->state, "BEGIN", error))
    return FALSE;
  if (!move_to (self, t_ms, error))
    {
      sqlite3_exec (wg_store_get_sqlite (self->state), "ROLLBACK", NULL, NULL, NULL);
      self->seq = seq;
      self->seq_ts = seq_ts;
      return FALSE;
    }
  if (!_wg_store_exec (self->state, "COMMIT", error))
    {
      sqlite3_exec (wg_store_get_sqlite (self->state), "ROLLBACK", NULL, NULL, NULL);
      self->seq = seq;
      self->seq_ts = seq_ts;
      return FALSE;
    }
  self->time = t_ms;
  self->empty = FALSE;
  return TRUE;
}

WgStore *
wg_replay_session_get_state (WgReplaySession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->state;
}

gint64
wg_replay_session_get_time (WgReplaySession *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->time;
}

gint64
wg_replay_session_get_seq (WgReplaySession *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

void
wg_replay_session_free (WgReplaySession *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->state, wg_store_unref);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  g_free (self);
}
