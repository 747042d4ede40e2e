/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-store"

#include "wg-incident-search.h"

#include "wg-store-private.h"

/* The codes as a JSON array, for json_each() (one statement whatever their
 * number). */
static char *
codes_to_json (const char *const *codes)
{
  g_autoptr(GString) json = g_string_new ("[");

  for (guint i = 0; codes != NULL && codes[i] != NULL; i++)
    {
      g_autofree char *escaped = g_strescape (codes[i], NULL);

      g_string_append_printf (json, "%s\"%s\"", i > 0 ? "," : "", escaped);
    }
  g_string_append_c (json, ']');
  return g_string_free (g_steal_pointer (&json), FALSE);
}

GPtrArray *
wg_store_search_incidents (WgStore                *self,
                           const WgIncidentQuery  *query,
                           guint                   limit,
                           GError                **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *categories = NULL;
  g_autofree char *grids = NULL;
  const char *text;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (query != NULL, NULL);

  text = query->text != NULL && query->text[0] != '\0' ? query->text : NULL;
  categories = codes_to_json (query->categories);
  grids = codes_to_json (query->grids);
  stmt = _wg_store_stmt (self,
    "SELECT id FROM incidents"
    " WHERE (?1 IS NULL"
    "        OR instr (summary, ?1) > 0"
    "        OR instr (lower (case_number), lower (?1)) > 0"
    "        OR category IN (SELECT value FROM json_each (?2))"
    "        OR grid IN (SELECT value FROM json_each (?3)))"
    "   AND (?4 = 0 OR reported_at >= ?4)"
    "   AND (?5 = 0 OR reported_at < ?5)"
    " ORDER BY reported_at DESC, id LIMIT ?6", error);
  if (stmt == NULL)
    return NULL;
  if (text != NULL)
    sqlite3_bind_text (stmt, 1, text, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, categories, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, grids, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, query->from_ms);
  sqlite3_bind_int64 (stmt, 5, query->to_ms);
  sqlite3_bind_int64 (stmt, 6, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}
