/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why a pre-update hook: the rows an event changes are not always its
 * incident's (a merge counts the repeat on the case it was merged into,
 * an assignment changes its unit), so the journal alone cannot say which
 * rows a delta must hold.  The hook sees every row written on this
 * connection and only keeps its key.  TEMP triggers did the same at +50%
 * of the projection's CPU (bench-projection): a statement with a trigger
 * opens a statement journal.  Why not sqlite3session: a changeset holds
 * only the columns that differ from the previous checkpoint, which is
 * wrong when applied to a state taken between the two checkpoints.
 *
 * The marks are not undone with a rolled-back change: a row marked but
 * not changed is copied as it is (or gets a tombstone when absent), which
 * a delta may hold.  A rolled-back checkpoint is the store's to notice
 * (its delta_since then differs from its last checkpoint).
 */
#define G_LOG_DOMAIN "wg-store"

#include "config.h"

/* sqlite3.h declares the hook only then; Debian's libsqlite3 is built
 * with it (its sqlite3session needs it). */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1

#include <string.h>

#include "wg-error.h"
#include "wg-store-delta.h"

const char *const _wg_store_delta_keys[] = {
  "incident, department", "incident, started_seq", "id", "incident", "id", "id", "id", NULL,
};

#define MAX_KEYS 2

typedef struct
{
  const char *table;
  guint       n_keys;
  int         key_columns[MAX_KEYS];
  /* Encoded key -> sqlite3_value *[n_keys] of the rows written. */
  GHashTable *marked;
} Table;

struct _WgStoreDelta
{
  sqlite3 *db;
  Table    tables[8];
  guint    n_tables;
};

static void
free_values (gpointer data)
{
  sqlite3_value **values = data;

  for (guint i = 0; i < MAX_KEYS; i++)
    sqlite3_value_free (values[i]);
  g_free (values);
}

/* Appends "TYPE:TEXT\x1f" of @value to the key encoded in @buf (@len
 * bytes so far, NUL-terminated within @size): without printf, as this
 * runs for every row a command writes. */
static gsize
encode_key_part (char          *buf,
                 gsize          len,
                 gsize          size,
                 sqlite3_value *value)
{
  int type = sqlite3_value_type (value);
  const char *text = (const char *) sqlite3_value_text (value);
  gsize text_len = text != NULL ? strlen (text) : 0;

  if (len + 4 > size)
    return len;
  /* Cut to what fits, as g_snprintf() cut it. */
  text_len = MIN (text_len, size - len - 4);
  buf[len++] = (char) ('0' + type);
  buf[len++] = ':';
  if (text_len > 0)
    memcpy (buf + len, text, text_len);
  len += text_len;
  buf[len++] = '\x1f';
  buf[len] = '\0';
  return len;
}

static void
mark_key (Table   *table,
          sqlite3 *db,
          gboolean old)
{
  sqlite3_value *values[MAX_KEYS] = { NULL, NULL };
  char encoded[256] = "";
  gsize len = 0;

  for (guint k = 0; k < table->n_keys; k++)
    {
      if ((old ? sqlite3_preupdate_old (db, table->key_columns[k], &values[k])
               : sqlite3_preupdate_new (db, table->key_columns[k], &values[k])) != SQLITE_OK)
        return;
      len = encode_key_part (encoded, len, sizeof encoded, values[k]);
    }
  /* Keys longer than the buffer are cut: two of them may then share a
   * mark, and only the first is kept.  None is near that long. */
  if (!g_hash_table_contains (table->marked, encoded))
    {
      sqlite3_value **copies = g_new0 (sqlite3_value *, MAX_KEYS);

      for (guint k = 0; k < table->n_keys; k++)
        copies[k] = sqlite3_value_dup (values[k]);
      g_hash_table_insert (table->marked, g_strdup (encoded), copies);
    }
}

static void
mark (void          *user_data,
      sqlite3       *db,
      int            op,
      const char    *db_name,
      const char    *table_name,
      sqlite3_int64  key1,
      sqlite3_int64  key2)
{
  WgStoreDelta *self = user_data;

  if (strcmp (db_name, "main") != 0)
    return;
  for (guint i = 0; i < self->n_tables; i++)
    if (strcmp (self->tables[i].table, table_name) == 0)
      {
        /* An UPDATE marks the old key too, should it change a key. */
        if (op != SQLITE_INSERT)
          mark_key (&self->tables[i], db, TRUE);
        if (op != SQLITE_DELETE)
          mark_key (&self->tables[i], db, FALSE);
        return;
      }
}

WgStoreDelta *
_wg_store_delta_new (WgStore  *store,
                     GError  **error)
{
  g_autoptr(WgStoreDelta) self = g_new0 (WgStoreDelta, 1);

  self->db = wg_store_get_sqlite (store);
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      Table *table = &self->tables[self->n_tables++];
      g_auto(GStrv) keys = g_strsplit (_wg_store_delta_keys[i], ", ", -1);

      g_assert (self->n_tables <= G_N_ELEMENTS (self->tables));
      table->table = _wg_projection_tables[i];
      table->n_keys = g_strv_length (keys);
      g_assert (table->n_keys <= MAX_KEYS);
      table->marked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, free_values);
      {
        g_autofree char *sql = g_strdup_printf ("SELECT * FROM main.%s", table->table);
        sqlite3_stmt *stmt;

        /* The hook counts a row's columns as SELECT * orders them. */
        if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
          {
            g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (self->db));
            return NULL;
          }
        for (guint k = 0; k < table->n_keys; k++)
          {
            table->key_columns[k] = -1;
            for (int n = 0; n < sqlite3_column_count (stmt); n++)
              if (strcmp (sqlite3_column_name (stmt, n), keys[k]) == 0)
                table->key_columns[k] = n;
          }
        sqlite3_finalize (stmt);
        for (guint k = 0; k < table->n_keys; k++)
          if (table->key_columns[k] < 0)
            {
              g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s has no column %s", table->table, keys[k]);
              return NULL;
            }
      }
    }
  sqlite3_preupdate_hook (self->db, mark, self);
  return g_steal_pointer (&self);
}

void
_wg_store_delta_free (WgStoreDelta *self)
{
  if (self == NULL)
    return;
  sqlite3_preupdate_hook (self->db, NULL, NULL);
  for (guint i = 0; i < self->n_tables; i++)
    g_clear_pointer (&self->tables[i].marked, g_hash_table_unref);
  g_free (self);
}

void
_wg_store_delta_forget (WgStoreDelta *self)
{
  for (guint i = 0; i < self->n_tables; i++)
    g_hash_table_remove_all (self->tables[i].marked);
}

static sqlite3_stmt *
prepare (WgStoreDelta  *self,
         const char    *sql,
         GError       **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (self->db));
  return stmt;
}

gboolean
_wg_store_delta_write (WgStoreDelta  *self,
                       gint64         cp,
                       gint64        *rows_out,
                       GError       **error)
{
  gint64 rows = 0;

  for (guint i = 0; i < self->n_tables; i++)
    {
      Table *table = &self->tables[i];
      g_auto(GStrv) keys = g_strsplit (_wg_store_delta_keys[i], ", ", -1);
      g_autofree char *copy_sql = NULL;
      g_autofree char *tomb_sql = NULL;
      sqlite3_stmt *copy, *tomb;
      GHashTableIter iter;
      gpointer value;

      if (g_hash_table_size (table->marked) == 0)
        continue;
      /* cp_<table> has the table's columns in its order, after cp. */
      copy_sql = table->n_keys == 1
        ? g_strdup_printf ("INSERT INTO cp_%s SELECT ?1, * FROM main.%s WHERE %s = ?2",
                           table->table, table->table, keys[0])
        : g_strdup_printf ("INSERT INTO cp_%s SELECT ?1, * FROM main.%s WHERE %s = ?2 AND %s = ?3",
                           table->table, table->table, keys[0], keys[1]);
      tomb_sql = g_strdup_printf ("INSERT INTO cp_deleted (cp, tbl, k1, k2) VALUES (?1, '%s', ?2, ?3)",
                                  table->table);
      copy = prepare (self, copy_sql, error);
      if (copy == NULL)
        return FALSE;
      tomb = prepare (self, tomb_sql, error);
      if (tomb == NULL)
        {
          sqlite3_finalize (copy);
          return FALSE;
        }
      g_hash_table_iter_init (&iter, table->marked);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          sqlite3_value **values = value;
          int rc;

          sqlite3_bind_int64 (copy, 1, cp);
          for (guint k = 0; k < table->n_keys; k++)
            sqlite3_bind_value (copy, 2 + k, values[k]);
          rc = sqlite3_step (copy);
          sqlite3_reset (copy);
          if (rc == SQLITE_DONE && sqlite3_changes (self->db) == 0)
            {
              sqlite3_bind_int64 (tomb, 1, cp);
              for (guint k = 0; k < table->n_keys; k++)
                sqlite3_bind_value (tomb, 2 + k, values[k]);
              rc = sqlite3_step (tomb);
              sqlite3_reset (tomb);
            }
          if (rc != SQLITE_DONE)
            {
              g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (self->db));
              sqlite3_finalize (copy);
              sqlite3_finalize (tomb);
              return FALSE;
            }
          rows++;
        }
      sqlite3_finalize (copy);
      sqlite3_finalize (tomb);
    }
  _wg_store_delta_forget (self);
  *rows_out = rows;
  return TRUE;
}
