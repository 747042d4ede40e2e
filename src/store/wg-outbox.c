/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A console's commands waiting for the server.  A command is on disk before
 * it is first sent (synchronous=FULL), goes out in the order it was made, is
 * retried with the same id until the server answers, and stays listed when
 * refused so that its user sees why.  The file is the console's own, beside
 * its journal cache; it survives restarts.
 */
#define G_LOG_DOMAIN "wg-outbox"

#include "config.h"

#include <sqlite3.h>

#include "wg-outbox.h"
#include "wg-sqlite.h"

G_DEFINE_QUARK (wg-outbox-error-quark, wg_outbox_error)

struct _WgOutbox
{
  sqlite3      *db;
  sqlite3_stmt *next;
  sqlite3_stmt *count;
};

static const char *state_names[] = { "queued", "accepted", "refused" };

static const char *schema =
  "CREATE TABLE IF NOT EXISTS outbox ("
  "  position INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  id TEXT NOT NULL UNIQUE,"
  "  owner TEXT NOT NULL,"
  "  type TEXT NOT NULL,"
  "  body TEXT NOT NULL,"
  "  created_ms INTEGER NOT NULL,"
  "  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'accepted', 'refused')),"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT,"
  "  answer TEXT,"
  "  settled_ms INTEGER"
  ");"
  "CREATE INDEX IF NOT EXISTS outbox_by_owner ON outbox (owner, state, position);"
  "PRAGMA user_version = 1;";

#define ENTRY_COLUMNS "position, id, owner, type, body, created_ms, state, attempts, last_error, answer"

void
wg_outbox_entry_free (WgOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->id);
  g_free (entry->owner);
  g_free (entry->type);
  g_free (entry->body);
  g_free (entry->last_error);
  g_free (entry->answer);
  g_free (entry);
}

static const WgSqliteErrors db_errors = {
  wg_outbox_error_quark, WG_OUTBOX_ERROR_DATABASE, "Outbox"
};

static gboolean
set_db_error (WgOutbox    *self,
              GError     **error,
              const char  *what)
{
  g_set_error (error, WG_OUTBOX_ERROR, WG_OUTBOX_ERROR_DATABASE, "%s: %s", what,
               sqlite3_errmsg (self->db));
  return FALSE;
}

WgOutbox *
wg_outbox_open (const char  *path,
                GError     **error)
{
  g_autoptr(WgOutbox) self = g_new0 (WgOutbox, 1);

  g_return_val_if_fail (path != NULL, NULL);

  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_OUTBOX_ERROR, WG_OUTBOX_ERROR_DATABASE,
                   "Cannot open the outbox “%s”: %s", path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);

  if (sqlite3_exec (self->db,
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;", NULL, NULL, NULL) != SQLITE_OK
      || sqlite3_exec (self->db, schema, NULL, NULL, NULL) != SQLITE_OK)
    {
      set_db_error (self, error, "Cannot prepare the outbox");
      return NULL;
    }

  if (!(self->next = wg_sqlite_prepare (self->db, &db_errors,
                                        "SELECT " ENTRY_COLUMNS " FROM outbox"
                                        " WHERE owner = ? AND state = 'queued' ORDER BY position LIMIT 1",
                                        error))
      || !(self->count = wg_sqlite_prepare (self->db, &db_errors,
                                            "SELECT count(*) FROM outbox WHERE owner = ? AND state = ?",
                                            error)))
    return NULL;

  return g_steal_pointer (&self);
}

void
wg_outbox_close (WgOutbox *self)
{
  if (self == NULL)
    return;
  sqlite3_finalize (self->next);
  sqlite3_finalize (self->count);
  sqlite3_close_v2 (self->db);
  g_free (self);
}

static WgOutboxState
state_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (name, state_names[i]) == 0)
      return i;
  g_return_val_if_reached (WG_OUTBOX_QUEUED);
}

static WgOutboxEntry *
read_entry (sqlite3_stmt *stmt)
{
  WgOutboxEntry *entry = g_new0 (WgOutboxEntry, 1);

  entry->position = sqlite3_column_int64 (stmt, 0);
  entry->id = wg_sqlite_column_dup (stmt, 1);
  entry->owner = wg_sqlite_column_dup (stmt, 2);
  entry->type = wg_sqlite_column_dup (stmt, 3);
  entry->body = wg_sqlite_column_dup (stmt, 4);
  entry->created_ms = sqlite3_column_int64 (stmt, 5);
  entry->state = state_from_name ((const char *) sqlite3_column_text (stmt, 6));
  entry->attempts = sqlite3_column_int (stmt, 7);
  entry->last_error = wg_sqlite_column_dup (stmt, 8);
  entry->answer = wg_sqlite_column_dup (stmt, 9);
  return entry;
}

gboolean
wg_outbox_enqueue (WgOutbox    *self,
                   const char  *owner,
                   const char  *id,
                   const char  *type,
                   const char  *body_json,
                   gint64       now_ms,
                   GError     **error)
{
  sqlite3_stmt *insert;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (owner != NULL && id != NULL && type != NULL && body_json != NULL, FALSE);

  if (!(insert = wg_sqlite_prepare (self->db, &db_errors,
                                    "INSERT INTO outbox (id, owner, type, body, created_ms) VALUES (?,?,?,?,?)",
                                    error)))
    return FALSE;
  sqlite3_bind_text (insert, 1, id, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 2, owner, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 3, type, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 4, body_json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 5, now_ms);
  rc = sqlite3_step (insert);
  sqlite3_finalize (insert);

  if (rc == SQLITE_CONSTRAINT)
    {
      g_set_error (error, WG_OUTBOX_ERROR, WG_OUTBOX_ERROR_DUPLICATE,
                   "The command %s is already in the outbox", id);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return set_db_error (self, error, "Cannot queue a command");
  return TRUE;
}

/**
 * wg_outbox_next:
 *
 * Returns: (nullable): the oldest command of @owner still waiting, or %NULL
 *   (with @error unset) when there is none
 */
WgOutboxEntry *
wg_outbox_next (WgOutbox    *self,
                const char  *owner,
                GError     **error)
{
  WgOutboxEntry *entry = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && owner != NULL, NULL);

  sqlite3_reset (self->next);
  sqlite3_bind_text (self->next, 1, owner, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (self->next);
  if (rc == SQLITE_ROW)
    entry = read_entry (self->next);
  else if (rc != SQLITE_DONE)
    set_db_error (self, error, "Cannot read the outbox");
  sqlite3_reset (self->next);
  return entry;
}

static gboolean
update_one (WgOutbox     *self,
            sqlite3_stmt *stmt,
            const char   *id,
            GError      **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_db_error (self, error, "Cannot update the outbox");
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, WG_OUTBOX_ERROR, WG_OUTBOX_ERROR_NOT_FOUND,
                   "The command %s is not in the outbox", id);
      return FALSE;
    }
  return TRUE;
}

gboolean
wg_outbox_record_failure (WgOutbox    *self,
                          const char  *id,
                          const char  *message,
                          GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL && id != NULL, FALSE);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors,
                                  "UPDATE outbox SET attempts = attempts + 1, last_error = ?"
                                  " WHERE id = ? AND state = 'queued'", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, message, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  return update_one (self, stmt, id, error);
}

/**
 * wg_outbox_settle:
 * @state: %WG_OUTBOX_ACCEPTED or %WG_OUTBOX_REFUSED
 * @answer_json: the server's answer: its events, or its problem
 */
gboolean
wg_outbox_settle (WgOutbox       *self,
                  const char     *id,
                  WgOutboxState   state,
                  const char     *answer_json,
                  gint64          now_ms,
                  GError        **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL && id != NULL, FALSE);
  g_return_val_if_fail (state == WG_OUTBOX_ACCEPTED || state == WG_OUTBOX_REFUSED, FALSE);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors,
                                  "UPDATE outbox SET state = ?, answer = ?, settled_ms = ?,"
                                  " attempts = attempts + 1, last_error = NULL"
                                  " WHERE id = ? AND state = 'queued'", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, state_names[state], -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, answer_json, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, now_ms);
  sqlite3_bind_text (stmt, 4, id, -1, SQLITE_STATIC);
  return update_one (self, stmt, id, error);
}

guint
wg_outbox_count (WgOutbox      *self,
                 const char    *owner,
                 WgOutboxState  state)
{
  guint count = 0;

  g_return_val_if_fail (self != NULL && owner != NULL, 0);

  sqlite3_reset (self->count);
  sqlite3_bind_text (self->count, 1, owner, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (self->count, 2, state_names[state], -1, SQLITE_STATIC);
  if (sqlite3_step (self->count) == SQLITE_ROW)
    count = sqlite3_column_int (self->count, 0);
  sqlite3_reset (self->count);
  return count;
}

GPtrArray *
wg_outbox_list (WgOutbox       *self,
                const char     *owner,
                WgOutboxState   state,
                GError        **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_outbox_entry_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL && owner != NULL, NULL);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors,
                                  "SELECT " ENTRY_COLUMNS " FROM outbox WHERE owner = ? AND state = ?"
                                  " ORDER BY position", error)))
    return NULL;
  sqlite3_bind_text (stmt, 1, owner, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, state_names[state], -1, SQLITE_STATIC);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (entries, read_entry (stmt));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Cannot list the outbox");
      return NULL;
    }
  return g_steal_pointer (&entries);
}

/* The user has seen a refusal: it leaves the list. */
gboolean
wg_outbox_dismiss (WgOutbox    *self,
                   const char  *id,
                   GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL && id != NULL, FALSE);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors, "DELETE FROM outbox WHERE id = ? AND state = 'refused'", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  return update_one (self, stmt, id, error);
}

/* One entry by id, in any state; NULL with WG_OUTBOX_ERROR_NOT_FOUND. */
WgOutboxEntry *
wg_outbox_lookup (WgOutbox    *self,
                  const char  *id,
                  GError     **error)
{
  sqlite3_stmt *stmt;
  WgOutboxEntry *entry = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && id != NULL, NULL);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors, "SELECT " ENTRY_COLUMNS " FROM outbox WHERE id = ?", error)))
    return NULL;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    entry = read_entry (stmt);
  else if (rc == SQLITE_DONE)
    g_set_error (error, WG_OUTBOX_ERROR, WG_OUTBOX_ERROR_NOT_FOUND, "%s is not in the outbox", id);
  else
    set_db_error (self, error, "Cannot read the outbox");
  sqlite3_finalize (stmt);
  return entry;
}

/* A queued entry's body, rewritten before it is first answered (an upload's
 * server id put in place of its local id). */
gboolean
wg_outbox_update_body (WgOutbox    *self,
                       const char  *id,
                       const char  *body_json,
                       GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL && id != NULL && body_json != NULL, FALSE);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors, "UPDATE outbox SET body = ? WHERE id = ? AND state = 'queued'", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, body_json, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
  return update_one (self, stmt, id, error);
}

gboolean
wg_outbox_prune_accepted (WgOutbox    *self,
                          gint64       before_ms,
                          GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors, "DELETE FROM outbox WHERE state = 'accepted' AND settled_ms < ?",
                                  error)))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, before_ms);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_db_error (self, error, "Cannot prune the outbox");
  return TRUE;
}
