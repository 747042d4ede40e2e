/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why triggers: the rows an event changes are not always its incident's
 * (a merge counts the repeat on the case it was merged into, an
 * assignment changes its unit), so the journal alone cannot say which
 * rows a delta must hold.  A TEMP trigger marks every row written, on
 * this connection only, and costs nothing in the file.  Why not
 * sqlite3session: a changeset holds only the columns that differ from the
 * previous checkpoint, which is wrong when applied to a state taken
 * between the two checkpoints.
 */
#define G_LOG_DOMAIN "wg-store"

#include "config.h"

#include <string.h>

#include "wg-store-delta.h"

const char *const _wg_store_delta_keys[] = {
  "incident, department", "incident, started_seq", "id", "incident", "id", "id", "id", NULL,
};

static gboolean
exec_printf (WgStore     *self,
             GError     **error,
             const char  *format,
             ...) G_GNUC_PRINTF (3, 4);

static gboolean
exec_printf (WgStore     *self,
             GError     **error,
             const char  *format,
             ...)
{
  g_autofree char *sql = NULL;
  va_list args;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  return _wg_store_exec (self, sql, error);
}

/* "new.a, new.b" for the key "a, b". */
static char *
prefixed (const char *keys,
          const char *prefix)
{
  g_auto(GStrv) parts = g_strsplit (keys, ", ", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; parts[i] != NULL; i++)
    g_string_append_printf (out, "%s%s.%s", i > 0 ? ", " : "", prefix, parts[i]);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
_wg_store_delta_reset (WgStore  *self,
                       GError  **error)
{
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      const char *table = _wg_projection_tables[i];
      const char *keys = _wg_store_delta_keys[i];
      g_autofree char *news = prefixed (keys, "new");
      g_autofree char *olds = prefixed (keys, "old");

      /* An UPDATE marks the old key too, should it ever change a key. */
      if (!exec_printf (self, error,
                        "CREATE TEMP TABLE IF NOT EXISTS dirty_%s (%s, PRIMARY KEY (%s)) WITHOUT ROWID;"
                        "CREATE TEMP TRIGGER IF NOT EXISTS dirty_%s_insert AFTER INSERT ON main.%s"
                        " BEGIN INSERT OR IGNORE INTO dirty_%s VALUES (%s); END;"
                        "CREATE TEMP TRIGGER IF NOT EXISTS dirty_%s_update AFTER UPDATE ON main.%s"
                        " BEGIN INSERT OR IGNORE INTO dirty_%s VALUES (%s); INSERT OR IGNORE INTO dirty_%s VALUES (%s); END;"
                        "CREATE TEMP TRIGGER IF NOT EXISTS dirty_%s_delete AFTER DELETE ON main.%s"
                        " BEGIN INSERT OR IGNORE INTO dirty_%s VALUES (%s); END;"
                        "DELETE FROM temp.dirty_%s;",
                        table, keys, keys,
                        table, table, table, news,
                        table, table, table, news, table, olds,
                        table, table, table, olds,
                        table))
        return FALSE;
    }
  return TRUE;
}

gboolean
_wg_store_delta_write (WgStore  *self,
                       gint64    cp,
                       gint64   *rows_out,
                       GError  **error)
{
  sqlite3 *db = wg_store_get_sqlite (self);
  gint64 rows = 0;

  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      const char *table = _wg_projection_tables[i];
      const char *keys = _wg_store_delta_keys[i];
      /* "k1" or "k1, k2": the tombstone's columns for the key. */
      const char *tomb_columns = strchr (keys, ',') != NULL ? "k1, k2" : "k1";

      /* cp_<table> has the table's columns in its order, after cp. */
      if (!exec_printf (self, error,
                        "INSERT INTO cp_%s SELECT %" G_GINT64_FORMAT ", * FROM main.%s"
                        " WHERE (%s) IN (SELECT %s FROM temp.dirty_%s)",
                        table, cp, table, keys, keys, table))
        return FALSE;
      rows += sqlite3_changes (db);
      if (!exec_printf (self, error,
                        "INSERT INTO cp_deleted (cp, tbl, %s) SELECT %" G_GINT64_FORMAT ", '%s', %s"
                        " FROM temp.dirty_%s WHERE (%s) NOT IN (SELECT %s FROM main.%s)",
                        tomb_columns, cp, table, keys, table, keys, keys, table))
        return FALSE;
      rows += sqlite3_changes (db);
      if (!exec_printf (self, error, "DELETE FROM temp.dirty_%s", table))
        return FALSE;
    }
  *rows_out = rows;
  return TRUE;
}
