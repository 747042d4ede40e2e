/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-journal-ticks"

#include "config.h"

#include "wg-error.h"
#include "wg-journal-ticks.h"
#include "wg-store-private.h"

#define TICKS_SQL "SELECT seq, ts, type FROM journal WHERE exercise IS NULL ORDER BY seq"

static gboolean
db_error (sqlite3  *db,
          GError  **error)
{
  g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (db));
  return FALSE;
}

/* Steps @stmt (TICKS_SQL) to its end into @ticks.  A journal has a few
 * dozen types: each is looked up once. */
static gboolean
collect (sqlite3       *db,
         sqlite3_stmt  *stmt,
         GArray        *ticks,
         GError       **error)
{
  g_autoptr(GHashTable) types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *name = (const char *) sqlite3_column_text (stmt, 2);
      WgJournalTick tick = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1), 0 };
      gpointer found;

      if (name == NULL)
        name = "";
      if (g_hash_table_lookup_extended (types, name, NULL, &found))
        tick.type = GPOINTER_TO_INT (found);
      else
        {
          WgEventType type;

          /* A type this build does not know still gets its tick. */
          if (!wg_event_type_from_string (name, &type))
            type = WG_N_EVENT_TYPES;
          g_hash_table_insert (types, g_strdup (name), GINT_TO_POINTER (type));
          tick.type = type;
        }
      g_array_append_val (ticks, tick);
    }
  if (rc != SQLITE_DONE)
    return db_error (db, error);
  return TRUE;
}

GArray *
wg_journal_ticks_read_file (const char  *path,
                            GError     **error)
{
  g_autoptr(GArray) ticks = g_array_new (FALSE, FALSE, sizeof (WgJournalTick));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  g_return_val_if_fail (path != NULL, NULL);

  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "Cannot open “%s”: %s", path,
                   db != NULL ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close_v2 (db);
      return NULL;
    }
  /* The console's writer may hold the lock for a batch. */
  sqlite3_busy_timeout (db, 10000);
  ok = sqlite3_prepare_v2 (db, TICKS_SQL, -1, &stmt, NULL) == SQLITE_OK
       ? collect (db, stmt, ticks, error)
       : db_error (db, error);
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);
  return ok ? g_steal_pointer (&ticks) : NULL;
}

GArray *
wg_journal_ticks_read (WgStore  *store,
                       GError  **error)
{
  g_autoptr(GArray) ticks = g_array_new (FALSE, FALSE, sizeof (WgJournalTick));
  sqlite3_stmt *stmt;

  g_return_val_if_fail (store != NULL, NULL);

  stmt = _wg_store_stmt (store, TICKS_SQL, error);
  if (stmt == NULL)
    return NULL;
  if (!collect (sqlite3_db_handle (stmt), stmt, ticks, error))
    {
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&ticks);
}

static gboolean
read_end (WgStore     *store,
          const char  *sql,
          gint64      *ts,
          gboolean    *found,
          GError     **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (store, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  *found = rc == SQLITE_ROW;
  if (*found)
    *ts = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _wg_store_set_error (store, error);
  return TRUE;
}

gboolean
wg_journal_ticks_get_span (WgStore  *store,
                           gint64   *first_ts,
                           gint64   *last_ts,
                           GError  **error)
{
  gboolean found_first = FALSE, found_last = FALSE;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_end (store, "SELECT ts FROM journal WHERE exercise IS NULL ORDER BY seq LIMIT 1",
                 first_ts, &found_first, error) ||
      !read_end (store, "SELECT ts FROM journal WHERE exercise IS NULL ORDER BY seq DESC LIMIT 1",
                 last_ts, &found_last, error))
    return FALSE;
  return found_first && found_last;
}
