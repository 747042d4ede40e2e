/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The audit trail and the bookmarks in PostgreSQL (wg-pg-data.h).  One
 * thread owns the connection and takes jobs from a queue in order; the
 * audit rows waiting together go in one INSERT over unnest()ed arrays.
 */
#define G_LOG_DOMAIN "wg-pg-data"

#include "config.h"

#include <libpq-fe.h>

#include "wg-pg-data.h"
#include "wg-pg-journal.h"
#include "wg-pg-text.h"

/* pg_advisory_xact_lock's key while creating the tables: "wgda". */
#define SCHEMA_LOCK_KEY "2003264609"
/* Audit rows in one INSERT at most. */
#define AUDIT_GROUP_MAX 5000

typedef enum
{
  JOB_AUDIT,
  JOB_READ_AUDIT,
  JOB_ADD_BOOKMARK,
  JOB_LIST_BOOKMARKS,
  JOB_STOP,
} JobKind;

typedef struct
{
  JobKind       kind;
  GTask        *task;       /* NULL for JOB_AUDIT and JOB_STOP */
  WgAuditEntry *entry;      /* JOB_AUDIT */
  WgBookmark   *bookmark;   /* JOB_ADD_BOOKMARK */
  char         *incident;   /* JOB_LIST_BOOKMARKS; nullable */
  gint64        from;       /* the audit's after_id, or the bookmarks' from */
  gint64        to;
  guint         limit;
} Job;

struct _WgPgData
{
  PGconn      *conn;
  GAsyncQueue *queue;
  GThread     *thread;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_clear_pointer (&job->entry, wg_audit_entry_free);
  g_clear_pointer (&job->bookmark, wg_bookmark_free);
  g_free (job->incident);
  g_free (job);
}

/* A connection lost (a restart of PostgreSQL) is opened again for the
 * next job: this one fails, and says so. */
static PGresult *
run (WgPgData           *self,
     const char         *what,
     const char         *sql,
     int                 n_params,
     const char * const *params,
     ExecStatusType      expect,
     GError            **error)
{
  if (PQstatus (self->conn) != CONNECTION_OK)
    PQreset (self->conn);
  return wg_pg_run (self->conn, what, sql, n_params, params, expect, error);
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
write_audit (WgPgData  *self,
             GPtrArray *jobs)
{
  GString *columns[7];
  const char *params[7];
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) error = NULL;

  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    columns[c] = g_string_new ("{");
  for (guint i = 0; i < jobs->len; i++)
    {
      WgAuditEntry *entry = ((Job *) g_ptr_array_index (jobs, i))->entry;
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
  result = run (self, "writing audit rows",
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
read_audit (WgPgData *self,
            Job      *job)
{
  g_autofree char *after = g_strdup_printf ("%" G_GINT64_FORMAT, job->from);
  g_autofree char *limit = g_strdup_printf ("%u", job->limit);
  const char *params[] = { after, limit };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;
  GPtrArray *entries;

  result = run (self, "reading the audit trail",
                "SELECT id, ts_ms, actor, address, action, command_id, status, result"
                " FROM audit WHERE id > $1 ORDER BY id LIMIT $2",
                G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (job->task, error);
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
  g_task_return_pointer (job->task, entries, (GDestroyNotify) g_ptr_array_unref);
}

static void
add_bookmark (WgPgData *self,
              Job      *job)
{
  WgBookmark *bookmark = job->bookmark;
  g_autofree char *moment = g_strdup_printf ("%" G_GINT64_FORMAT, bookmark->moment);
  g_autofree char *created = g_strdup_printf ("%" G_GINT64_FORMAT, bookmark->created);
  const char *params[] = { bookmark->id, moment, bookmark->incident, bookmark->remark, bookmark->author, created };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;

  result = run (self, "storing a bookmark",
                "INSERT INTO bookmarks (id, moment, incident, remark, author, created)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, &error);
  if (result == NULL)
    g_task_return_error (job->task, error);
  else
    g_task_return_boolean (job->task, TRUE);
}

static void
list_bookmarks (WgPgData *self,
                Job      *job)
{
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, job->from);
  g_autofree char *to = g_strdup_printf ("%" G_GINT64_FORMAT, job->to);
  g_autofree char *limit = g_strdup_printf ("%u", job->limit);
  const char *params[] = { from, to, limit, job->incident };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;
  GPtrArray *bookmarks;

  result = run (self, "reading bookmarks",
                "SELECT id, moment, incident, remark, author, created FROM bookmarks"
                " WHERE moment >= $1 AND moment < $2 AND ($4::text IS NULL OR incident = $4)"
                " ORDER BY moment, created LIMIT $3",
                G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (job->task, error);
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
  g_task_return_pointer (job->task, bookmarks, (GDestroyNotify) g_ptr_array_unref);
}

static gpointer
thread_func (gpointer data)
{
  WgPgData *self = data;
  Job *next = NULL;

  for (;;)
    {
      Job *job = next != NULL ? next : g_async_queue_pop (self->queue);

      next = NULL;
      switch (job->kind)
        {
        case JOB_STOP:
          job_free (job);
          return NULL;
        case JOB_AUDIT:
          {
            g_autoptr(GPtrArray) group = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);

            g_ptr_array_add (group, job);
            while (group->len < AUDIT_GROUP_MAX && (next = g_async_queue_try_pop (self->queue)) != NULL &&
                   next->kind == JOB_AUDIT)
              g_ptr_array_add (group, g_steal_pointer (&next));
            write_audit (self, group);
          }
          continue;
        case JOB_READ_AUDIT:
          read_audit (self, job);
          break;
        case JOB_ADD_BOOKMARK:
          add_bookmark (self, job);
          break;
        case JOB_LIST_BOOKMARKS:
          list_bookmarks (self, job);
          break;
        default:
          g_assert_not_reached ();
        }
      job_free (job);
    }
}

WgPgData *
wg_pg_data_open (const char  *conninfo,
                 GError     **error)
{
  g_autoptr(WgPgData) self = g_new0 (WgPgData, 1);

  g_return_val_if_fail (conninfo != NULL, NULL);

  self->conn = wg_pg_connect (conninfo, "the audit and bookmarks", error);
  if (self->conn == NULL)
    return NULL;
  if (!create_schema (self, error))
    return NULL;
  self->queue = g_async_queue_new ();
  self->thread = g_thread_new ("wg-pg-data", thread_func, self);
  return g_steal_pointer (&self);
}

void
wg_pg_data_free (WgPgData *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      Job *stop = g_new0 (Job, 1);

      stop->kind = JOB_STOP;
      g_async_queue_push (self->queue, stop);
      g_thread_join (self->thread);
    }
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->conn, PQfinish);
  g_free (self);
}

static Job *
job_new (JobKind              kind,
         GAsyncReadyCallback  callback,
         gpointer             user_data,
         gpointer             source_tag)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  return job;
}

void
wg_pg_data_audit (WgPgData           *self,
                  const WgAuditEntry *entry)
{
  Job *job;

  g_return_if_fail (self != NULL && entry != NULL && entry->action != NULL);

  job = g_new0 (Job, 1);
  job->kind = JOB_AUDIT;
  job->entry = g_new0 (WgAuditEntry, 1);
  job->entry->ts_ms = entry->ts_ms;
  job->entry->actor = g_strdup (entry->actor);
  job->entry->address = g_strdup (entry->address);
  job->entry->action = g_strdup (entry->action);
  job->entry->command_id = g_strdup (entry->command_id);
  job->entry->status = entry->status;
  job->entry->result = g_strdup (entry->result);
  g_async_queue_push (self->queue, job);
}

void
wg_pg_data_read_audit_async (WgPgData            *self,
                             gint64               after_id,
                             guint                limit,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Job *job;

  g_return_if_fail (self != NULL && limit > 0);

  job = job_new (JOB_READ_AUDIT, callback, user_data, wg_pg_data_read_audit_async);
  job->from = after_id;
  job->limit = limit;
  g_async_queue_push (self->queue, job);
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
  Job *job;

  g_return_if_fail (self != NULL && bookmark != NULL);

  job = job_new (JOB_ADD_BOOKMARK, callback, user_data, wg_pg_data_add_bookmark_async);
  job->bookmark = g_new0 (WgBookmark, 1);
  job->bookmark->id = g_strdup (bookmark->id);
  job->bookmark->moment = bookmark->moment;
  job->bookmark->incident = g_strdup (bookmark->incident);
  job->bookmark->remark = g_strdup (bookmark->remark);
  job->bookmark->author = g_strdup (bookmark->author);
  job->bookmark->created = bookmark->created;
  g_async_queue_push (self->queue, job);
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
  Job *job;

  g_return_if_fail (self != NULL && limit > 0);

  job = job_new (JOB_LIST_BOOKMARKS, callback, user_data, wg_pg_data_list_bookmarks_async);
  job->from = from;
  job->to = to;
  job->incident = g_strdup (incident);
  job->limit = limit;
  g_async_queue_push (self->queue, job);
}

GPtrArray *
wg_pg_data_list_bookmarks_finish (WgPgData      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
