/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A store's command answers as JSON text (wg-store-answers.h).
 */
#define G_LOG_DOMAIN "wg-store"

#include "config.h"

#include <json-glib/json-glib.h>

#include "wg-error.h"
#include "wg-sqlite.h"
#include "wg-store-answers.h"
#include "wg-store-private.h"

/* The columns of wg-store.c's commands table, in its order. */
static const char *const columns[] = {
  "id", "type", "body_hash", "actor", "role", "received_at", "outcome",
  "first_seq", "last_seq", "error_code", "error_message",
};

char *
wg_store_dup_answer (WgStore     *self,
                     const char  *command_id,
                     GError     **error)
{
  sqlite3_stmt *stmt = _wg_store_stmt (self,
    "SELECT id, type, body_hash, actor, role, received_at, outcome, first_seq, last_seq,"
    " error_code, error_message FROM commands WHERE id = ?1", error);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, command_id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      sqlite3_reset (stmt);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      _wg_store_set_error (self, error);
      return NULL;
    }
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      json_builder_set_member_name (builder, columns[i]);
      if (sqlite3_column_type (stmt, i) == SQLITE_NULL)
        json_builder_add_null_value (builder);
      else if (sqlite3_column_type (stmt, i) == SQLITE_INTEGER)
        json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, i));
      else
        json_builder_add_string_value (builder, (const char *) sqlite3_column_text (stmt, i));
    }
  json_builder_end_object (builder);
  sqlite3_reset (stmt);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static gboolean
import_answer (WgStore     *self,
               const char  *text,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  sqlite3_stmt *stmt;
  JsonObject *o;

  if (!json_parser_load_from_data (parser, text, -1, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error_literal (error, WG_ERROR, WG_ERROR_STORE, "a stored answer is not a JSON object");
      return FALSE;
    }
  o = json_node_get_object (json_parser_get_root (parser));
  stmt = _wg_store_stmt (self,
    "INSERT OR REPLACE INTO commands (id, type, body_hash, actor, role, received_at, outcome,"
    " first_seq, last_seq, error_code, error_message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    error);
  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (columns); i++)
    {
      JsonNode *value = json_object_get_member (o, columns[i]);

      if (value == NULL || JSON_NODE_HOLDS_NULL (value))
        sqlite3_bind_null (stmt, i + 1);
      else if (json_node_get_value_type (value) == G_TYPE_INT64)
        sqlite3_bind_int64 (stmt, i + 1, json_node_get_int (value));
      else
        sqlite3_bind_text (stmt, i + 1, json_node_get_string (value), -1, SQLITE_TRANSIENT);
    }
  return _wg_store_step_done (self, stmt, error);
}

gboolean
wg_store_import_answers (WgStore     *self,
                         GPtrArray   *answers,
                         GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (answers != NULL, FALSE);

  if (!wg_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < answers->len; i++)
    if (!import_answer (self, answers->pdata[i], error))
      {
        wg_store_rollback (self);
        return FALSE;
      }
  return wg_store_commit (self, error);
}
