/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-sqlite"

#include "config.h"

#include "wg-sqlite.h"

gboolean
wg_sqlite_set_error (sqlite3               *db,
                     const WgSqliteErrors  *errors,
                     GError               **error)
{
  g_set_error (error, errors->domain (), errors->code, "%s: %s", errors->name, sqlite3_errmsg (db));
  return FALSE;
}

void
wg_sqlite_configure_process (void)
{
  /* SQLITE_MISUSE once SQLite is initialized: then it stays as it is. */
  sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
}

gboolean
wg_sqlite_exec (sqlite3               *db,
                const WgSqliteErrors  *errors,
                const char            *sql,
                GError               **error)
{
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return wg_sqlite_set_error (db, errors, error);
  return TRUE;
}

sqlite3_stmt *
wg_sqlite_prepare (sqlite3               *db,
                   const WgSqliteErrors  *errors,
                   const char            *sql,
                   GError               **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      wg_sqlite_set_error (db, errors, error);
      sqlite3_finalize (stmt);
      return NULL;
    }
  return stmt;
}

gboolean
wg_sqlite_migrate (sqlite3               *db,
                   const WgSqliteErrors  *errors,
                   const char *const     *migrations,
                   guint                  n_migrations,
                   GError               **error)
{
  sqlite3_stmt *stmt = NULL;
  int version;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK
      || sqlite3_step (stmt) != SQLITE_ROW)
    {
      sqlite3_finalize (stmt);
      return wg_sqlite_set_error (db, errors, error);
    }
  version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);

  if (version < 0 || version > (int) n_migrations)
    {
      g_set_error (error, errors->domain (), errors->code,
                   "%s: schema version %d is newer than this program's %u",
                   errors->name, version, n_migrations);
      return FALSE;
    }

  for (guint i = version; i < n_migrations; i++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %u", i + 1);

      if (!wg_sqlite_exec (db, errors, "BEGIN IMMEDIATE", error))
        return FALSE;
      if (!wg_sqlite_exec (db, errors, migrations[i], error)
          || !wg_sqlite_exec (db, errors, bump, error))
        {
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (!wg_sqlite_exec (db, errors, "COMMIT", error))
        return FALSE;
    }
  return TRUE;
}

void
wg_sqlite_bind_text_or_null (sqlite3_stmt *stmt,
                             int           column,
                             const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, column);
}

void
wg_sqlite_bind_static_or_null (sqlite3_stmt *stmt,
                               int           column,
                               const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, column, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (stmt, column);
}

char *
wg_sqlite_column_dup (sqlite3_stmt *stmt,
                      int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}
