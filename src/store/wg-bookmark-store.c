/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-bookmark-store"

#include "wg-bookmark-store.h"

#include "wg-sqlite.h"

G_DEFINE_QUARK (wg-bookmark-store-error-quark, wg_bookmark_store_error)

static const WgSqliteErrors db_errors = {
  wg_bookmark_store_error_quark, WG_BOOKMARK_STORE_ERROR_DATABASE, "Bookmark database"
};

static const char *const migrations[] = {
  /* 0 -> 1 */
  "CREATE TABLE bookmarks ("
  "  id TEXT PRIMARY KEY,"
  "  moment INTEGER NOT NULL,"
  "  incident TEXT,"
  "  remark TEXT NOT NULL,"
  "  author TEXT NOT NULL,"
  "  created INTEGER NOT NULL"
  ");"
  "CREATE INDEX bookmarks_moment ON bookmarks (moment);"
  "CREATE INDEX bookmarks_incident ON bookmarks (incident, moment) WHERE incident IS NOT NULL;",
};

struct _WgBookmarkStore
{
  sqlite3      *db;
  sqlite3_stmt *insert;
  sqlite3_stmt *list;
  sqlite3_stmt *list_incident;
};

void
wg_bookmark_free (WgBookmark *bookmark)
{
  if (bookmark == NULL)
    return;
  g_free (bookmark->id);
  g_free (bookmark->incident);
  g_free (bookmark->remark);
  g_free (bookmark->author);
  g_free (bookmark);
}

WgBookmarkStore *
wg_bookmark_store_open (const char  *path,
                        GError     **error)
{
  g_autoptr(WgBookmarkStore) self = g_new0 (WgBookmarkStore, 1);

  g_return_val_if_fail (path != NULL, NULL);

  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_BOOKMARK_STORE_ERROR, WG_BOOKMARK_STORE_ERROR_DATABASE,
                   "Cannot open the bookmark database “%s”: %s", path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);
  if (!wg_sqlite_exec (self->db, &db_errors, "PRAGMA journal_mode = WAL", error) ||
      !wg_sqlite_exec (self->db, &db_errors, "PRAGMA synchronous = FULL", error) ||
      !wg_sqlite_migrate (self->db, &db_errors, migrations, G_N_ELEMENTS (migrations), error) ||
      !(self->insert = wg_sqlite_prepare (self->db, &db_errors,
                                          "INSERT INTO bookmarks (id, moment, incident, remark, author, created)"
                                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", error)) ||
      !(self->list = wg_sqlite_prepare (self->db, &db_errors,
                                        "SELECT id, moment, incident, remark, author, created FROM bookmarks"
                                        " WHERE moment >= ?1 AND moment < ?2 ORDER BY moment, created LIMIT ?3",
                                        error)) ||
      !(self->list_incident = wg_sqlite_prepare (self->db, &db_errors,
                                                 "SELECT id, moment, incident, remark, author, created FROM bookmarks"
                                                 " WHERE incident = ?4 AND moment >= ?1 AND moment < ?2"
                                                 " ORDER BY moment, created LIMIT ?3", error)))
    return NULL;
  return g_steal_pointer (&self);
}

void
wg_bookmark_store_free (WgBookmarkStore *self)
{
  if (self == NULL)
    return;
  sqlite3_finalize (self->insert);
  sqlite3_finalize (self->list);
  sqlite3_finalize (self->list_incident);
  sqlite3_close (self->db);
  g_free (self);
}

gboolean
wg_bookmark_store_add (WgBookmarkStore  *self,
                       const WgBookmark *bookmark,
                       GError          **error)
{
  sqlite3_stmt *stmt = self->insert;
  int rc;

  g_return_val_if_fail (self != NULL && bookmark != NULL && bookmark->id != NULL, FALSE);

  sqlite3_bind_text (stmt, 1, bookmark->id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, bookmark->moment);
  wg_sqlite_bind_text_or_null (stmt, 3, bookmark->incident);
  sqlite3_bind_text (stmt, 4, bookmark->remark != NULL ? bookmark->remark : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, bookmark->author, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, bookmark->created);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    return wg_sqlite_set_error (self->db, &db_errors, error);
  return TRUE;
}

GPtrArray *
wg_bookmark_store_list (WgBookmarkStore *self,
                        gint64           from,
                        gint64           to,
                        const char      *incident,
                        guint            limit,
                        GError         **error)
{
  g_autoptr(GPtrArray) bookmarks = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_bookmark_free);
  sqlite3_stmt *stmt = incident != NULL ? self->list_incident : self->list;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  sqlite3_bind_int64 (stmt, 3, limit);
  if (incident != NULL)
    sqlite3_bind_text (stmt, 4, incident, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgBookmark *b = g_new0 (WgBookmark, 1);

      b->id = wg_sqlite_column_dup (stmt, 0);
      b->moment = sqlite3_column_int64 (stmt, 1);
      b->incident = wg_sqlite_column_dup (stmt, 2);
      b->remark = wg_sqlite_column_dup (stmt, 3);
      b->author = wg_sqlite_column_dup (stmt, 4);
      b->created = sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (bookmarks, b);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      wg_sqlite_set_error (self->db, &db_errors, error);
      return NULL;
    }
  return g_steal_pointer (&bookmarks);
}
