/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The audit trail and the bookmarks in PostgreSQL (wg-pg-data.h), on a
 * WgPgWorker; the audit rows waiting together go in one INSERT over
 * unnest()ed arrays.
 */
#define G_LOG_DOMAIN "wg-pg-data"

#include "config.h"

#include <libpq-fe.h>

#include "wg-pg-data.h"
#include "wg-pg-journal.h"
#include "wg-pg-text.h"
#include "wg-pg-worker.h"

/* pg_advisory_xact_lock's key while creating the tables: "wgda". */
#define SCHEMA_LOCK_KEY "2003264609"
/* Audit rows in one INSERT at most. */
#define AUDIT_GROUP_MAX 5000

/* What a read asks: the audit's rows after an id, or the bookmarks of a
 * span of moments. */
typedef struct
{
  gint64  from;       /* the audit's after_id, or the bookmarks' from */
  gint64  to;
  char   *incident;   /* nullable */
  guint   limit;
} Query;

struct _WgPgData
{
  WgPgWorker *worker;
  PGconn     *conn;   /* the worker's */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static void
query_free (Query *query)
{
  g_free (query->incident);
  g_free (query);
}

static Query *
query_new (gint64      from,
           gint64      to,
           const char *incident,
           guint       limit)
{
  Query *query = g_new0 (Query, 1);

  query->from = from;
  query->to = to;
  query->incident = g_strdup (incident);
  query->limit = limit;
  return query;
}

static char *
dup_value (PGresult *result,
           int       row,
           int       column)
{
  return PQgetisnull (result, row, column) ? NULL : g_strdup (PQgetvalue (result, row, column));
}

static gboolean
create_schema (WgPgData  *self,
               GError   **error)
{
  /* Under a lock: instances starting together would race on CREATE. */
  static const char *const schema =
    "BEGIN;"
    "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ");"
    "CREATE TABLE IF NOT EXISTS audit ("
    "  id         bigserial PRIMARY KEY,"
    "  ts_ms      bigint NOT NULL,"
    "  actor      text,"
    "  address    text,"
    "  action     text NOT NULL,"
    "  command_id text,"
    "  status     integer NOT NULL,"
    "  result     text);"
    "CREATE TABLE IF NOT EXISTS bookmarks ("
    "  id       text PRIMARY KEY,"
    "  moment   bigint NOT NULL,"
    "  incident text,"
    "  remark   text NOT NULL,"
    "  author   text NOT NULL,"
    "  created  bigint NOT NULL);"
    "CREATE INDEX IF NOT EXISTS bookmarks_moment ON bookmarks (moment, created);"
    "CREATE INDEX IF NOT EXISTS bookmarks_incident ON bookmarks (incident, moment, created);"
    "COMMIT";
  g_autoptr(PGresult) result = PQexec (self->conn, schema);

  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      PQclear (PQexec (self->conn, "ROLLBACK"));
      return wg_pg_set_error (error, "creating the audit and bookmark tables", PQresultErrorMessage (result));
    }
  return TRUE;
}

static void
write_audit (GPtrArray *jobs,
             gpointer   owner)
{
  WgPgData *self = owner;
  GString *columns[7];
  const char *params[7];
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) error = NULL;

  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    columns[c] = g_string_new ("{");
  for (guint i = 0; i < jobs->len; i++)
    {
      WgAuditEntry *entry = ((WgPgJob *) g_ptr_array_index (jobs, i))->data;
      char number[24];

      g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, entry->ts_ms);
      wg_pg_array_append_plain (columns[0], number);
      wg_pg_array_append_text (columns[1], entry->actor);
      wg_pg_array_append_text (columns[2], entry->address);
      wg_pg_array_append_text (columns[3], entry->action);
      wg_pg_array_append_text (columns[4], entry->command_id);
      g_snprintf (number, sizeof number, "%d", entry->status);
      wg_pg_array_append_plain (columns[5], number);
      wg_pg_array_append_text (columns[6], entry->result);
    }
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    {
      g_string_append_c (columns[c], '}');
      params[c] = columns[c]->str;
    }
  result = wg_pg_run (self->conn, "writing audit rows",
                "INSERT INTO audit (ts_ms, actor, address, action, command_id, status, result)"
                " SELECT * FROM unnest ($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[],"
                " $6::integer[], $7::text[])",
                G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, &error);
  if (result == NULL)
    g_warning ("Cannot write %u audit rows: %s", jobs->len, error->message);
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    g_string_free (columns[c], TRUE);
}

static void
read_audit (GTask    *task,
            gpointer  owner)
{
  WgPgData *self = owner;
  Query *query = g_task_get_task_data (task);
  g_autofree char *after = g_strdup_printf ("%" G_GINT64_FORMAT, query->from);
  g_autofree char *limit = g_strdup_printf ("%u", query->limit);
  const char *params[] = { after, limit };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;
  GPtrArray *entries;

  result = wg_pg_run (self->conn, "reading the audit trail",
                "SELECT id, ts_ms, actor, address, action, command_id, status, result"
                " FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
                G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_audit_entry_free);
  for (int row = 0; row < PQntuples (result); row++)
    {
      WgAuditEntry *entry = g_new0 (WgAuditEntry, 1);

      entry->id = g_ascii_strtoll (PQgetvalue (result, row, 0), NULL, 10);
      entry->ts_ms = g_ascii_strtoll (PQgetvalue (result, row, 1), NULL, 10);
      entry->actor = dup_value (result, row, 2);
      entry->address = dup_value (result, row, 3);
      entry->action = dup_value (result, row, 4);
      entry->command_id = dup_value (result, row, 5);
      entry->status = (int) g_ascii_strtoll (PQgetvalue (result, row, 6), NULL, 10);
      entry->result = dup_value (result, row, 7);
      g_ptr_array_add (entries, entry);
    }
  g_task_return_pointer (task, entries, (GDestroyNotify) g_ptr_array_unref);
}

static void
add_bookmark (GTask    *task,
              gpointer  owner)
{
  WgPgData *self = owner;
  WgBookmark *bookmark = g_task_get_task_data (task);
  g_autofree char *moment = g_strdup_printf ("%" G_GINT64_FORMAT, bookmark->moment);
  g_autofree char *created = g_strdup_printf ("%" G_GINT64_FORMAT, bookmark->created);
  const char *params[] = { bookmark->id, moment, bookmark->incident, bookmark->remark, bookmark->author, created };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;

  result = wg_pg_run (self->conn, "storing a bookmark",
                "INSERT INTO bookmarks (id, moment, incident, remark, author, created)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
list_bookmarks (GTask    *task,
                gpointer  owner)
{
  WgPgData *self = owner;
  Query *query = g_task_get_task_data (task);
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, query->from);
  g_autofree char *to = g_strdup_printf ("%" G_GINT64_FORMAT, query->to);
  g_autofree char *limit = g_strdup_printf ("%u", query->limit);
  const char *params[] = { from, to, limit, query->incident };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;
  GPtrArray *bookmarks;

  result = wg_pg_run (self->conn, "reading bookmarks",
                "SELECT id, moment, incident, remark, author, created FROM bookmarks"
                " WHERE moment >= $1 AND moment < $2 AND ($4::text IS NULL OR incident = $4)"
                " ORDER BY moment, created LIMIT $3",
                G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  bookmarks = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_bookmark_free);
  for (int row = 0; row < PQntuples (result); row++)
    {
      WgBookmark *bookmark = g_new0 (WgBookmark, 1);

      bookmark->id = dup_value (result, row, 0);
      bookmark->moment = g_ascii_strtoll (PQgetvalue (result, row, 1), NULL, 10);
      bookmark->incident = dup_value (result, row, 2);
      bookmark->remark = dup_value (result, row, 3);
      bookmark->author = dup_value (result, row, 4);
      bookmark->created = g_ascii_strtoll (PQgetvalue (result, row, 5), NULL, 10);
      g_ptr_array_add (bookmarks, bookmark);
    }
  g_task_return_pointer (task, bookmarks, (GDestroyNotify) g_ptr_array_unref);
}

WgPgData *
wg_pg_data_open (const char  *conninfo,
                 GError     **error)
{
  g_autoptr(WgPgData) self = g_new0 (WgPgData, 1);

  g_return_val_if_fail (conninfo != NULL, NULL);

  self->worker = wg_pg_worker_new (conninfo, "the audit and bookmarks", "wg-pg-data", self, error);
  if (self->worker == NULL)
    return NULL;
  self->conn = wg_pg_worker_get_connection (self->worker);
  if (!create_schema (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
wg_pg_data_free (WgPgData *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->worker, wg_pg_worker_free);
  g_free (self);
}

void
wg_pg_data_audit (WgPgData           *self,
                  const WgAuditEntry *entry)
{
  WgAuditEntry *copy;

  g_return_if_fail (self != NULL && entry != NULL && entry->action != NULL);

  copy = g_new0 (WgAuditEntry, 1);
  copy->ts_ms = entry->ts_ms;
  copy->actor = g_strdup (entry->actor);
  copy->address = g_strdup (entry->address);
  copy->action = g_strdup (entry->action);
  copy->command_id = g_strdup (entry->command_id);
  copy->status = entry->status;
  copy->result = g_strdup (entry->result);
  wg_pg_worker_run_grouped (self->worker, write_audit, 1, AUDIT_GROUP_MAX, copy, (GDestroyNotify) wg_audit_entry_free,
                            NULL, NULL, NULL, wg_pg_data_audit);
}

void
wg_pg_data_read_audit_async (WgPgData            *self,
                             gint64               after_id,
                             guint                limit,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (self != NULL && limit > 0);

  wg_pg_worker_run_async (self->worker, read_audit, query_new (after_id, 0, NULL, limit), (GDestroyNotify) query_free,
                          NULL, callback, user_data, wg_pg_data_read_audit_async);
}

GPtrArray *
wg_pg_data_read_audit_finish (WgPgData      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wg_pg_data_add_bookmark_async (WgPgData            *self,
                               const WgBookmark    *bookmark,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  WgBookmark *copy;

  g_return_if_fail (self != NULL && bookmark != NULL);

  copy = g_new0 (WgBookmark, 1);
  copy->id = g_strdup (bookmark->id);
  copy->moment = bookmark->moment;
  copy->incident = g_strdup (bookmark->incident);
  copy->remark = g_strdup (bookmark->remark);
  copy->author = g_strdup (bookmark->author);
  copy->created = bookmark->created;
  wg_pg_worker_run_async (self->worker, add_bookmark, copy, (GDestroyNotify) wg_bookmark_free,
                          NULL, callback, user_data, wg_pg_data_add_bookmark_async);
}

gboolean
wg_pg_data_add_bookmark_finish (WgPgData      *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wg_pg_data_list_bookmarks_async (WgPgData            *self,
                                 gint64               from,
                                 gint64               to,
                                 const char          *incident,
                                 guint                limit,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (self != NULL && limit > 0);

  wg_pg_worker_run_async (self->worker, list_bookmarks, query_new (from, to, incident, limit),
                          (GDestroyNotify) query_free, NULL, callback, user_data, wg_pg_data_list_bookmarks_async);
}

GPtrArray *
wg_pg_data_list_bookmarks_finish (WgPgData      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
