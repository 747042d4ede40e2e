/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The register of exercises in PostgreSQL (wg-pg-exercises.h), on a
 * WgPgWorker.
 */
#define G_LOG_DOMAIN "wg-pg-exercises"

#include "config.h"

#include <libpq-fe.h>

#include "wg-pg-exercises.h"
#include "wg-pg-text.h"
#include "wg-pg-worker.h"

/* pg_advisory_xact_lock's key while creating the table: "wgex". */
#define SCHEMA_LOCK_KEY "2003264888"

struct _WgPgExercises
{
  WgPgWorker *worker;
  PGconn     *conn;   /* the worker's */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

void
wg_pg_exercise_row_free (WgPgExerciseRow *row)
{
  if (row == NULL)
    return;
  g_free (row->id);
  g_free (row->owner_url);
  g_free (row->record);
  g_free (row);
}

static gboolean
create_schema (WgPgExercises  *self,
               GError        **error)
{
  /* Under a lock: instances starting together would race on CREATE. */
  return wg_pg_run_command (self->conn, "creating the exercises' table",
                            "BEGIN;"
                            "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ");"
                            "CREATE TABLE IF NOT EXISTS exercises ("
                            "  id         text PRIMARY KEY,"
                            "  owner_url  text NOT NULL,"
                            "  started_at bigint NOT NULL,"
                            "  record     text NOT NULL);"
                            "COMMIT",
                            error);
}

static void
put (GTask    *task,
     gpointer  owner)
{
  WgPgExercises *self = owner;
  WgPgExerciseRow *row = g_task_get_task_data (task);
  g_autofree char *started_at = g_strdup_printf ("%" G_GINT64_FORMAT, row->started_at);
  const char *params[] = { row->id, row->owner_url, started_at, row->record };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;

  result = wg_pg_run (self->conn, "registering an exercise",
                      "INSERT INTO exercises (id, owner_url, started_at, record) VALUES ($1, $2, $3, $4)"
                      " ON CONFLICT (id) DO UPDATE SET owner_url = excluded.owner_url,"
                      " started_at = excluded.started_at, record = excluded.record",
                      G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, &error);
  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
list (GTask    *task,
      gpointer  owner)
{
  WgPgExercises *self = owner;
  const char *id = g_task_get_task_data (task);
  const char *params[] = { id };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;
  GPtrArray *rows;

  result = wg_pg_run (self->conn, "reading the exercises",
                      "SELECT id, owner_url, started_at, record FROM exercises"
                      " WHERE $1::text IS NULL OR id = $1 ORDER BY started_at DESC, id",
                      G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_pg_exercise_row_free);
  for (int i = 0; i < PQntuples (result); i++)
    {
      WgPgExerciseRow *row = g_new0 (WgPgExerciseRow, 1);

      row->id = g_strdup (PQgetvalue (result, i, 0));
      row->owner_url = g_strdup (PQgetvalue (result, i, 1));
      row->started_at = g_ascii_strtoll (PQgetvalue (result, i, 2), NULL, 10);
      row->record = g_strdup (PQgetvalue (result, i, 3));
      g_ptr_array_add (rows, row);
    }
  g_task_return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref);
}

WgPgExercises *
wg_pg_exercises_open (const char  *conninfo,
                      GError     **error)
{
  g_autoptr(WgPgExercises) self = g_new0 (WgPgExercises, 1);

  g_return_val_if_fail (conninfo != NULL, NULL);

  self->worker = wg_pg_worker_new (conninfo, "the exercises", "wg-pg-exercises", self, error);
  if (self->worker == NULL)
    return NULL;
  self->conn = wg_pg_worker_get_connection (self->worker);
  if (!create_schema (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
wg_pg_exercises_free (WgPgExercises *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->worker, wg_pg_worker_free);
  g_free (self);
}

void
wg_pg_exercises_put_async (WgPgExercises         *self,
                           const WgPgExerciseRow *row,
                           GCancellable          *cancellable,
                           GAsyncReadyCallback    callback,
                           gpointer               user_data)
{
  WgPgExerciseRow *copy;

  g_return_if_fail (self != NULL && row != NULL && row->id != NULL && row->owner_url != NULL &&
                    row->record != NULL);

  copy = g_new0 (WgPgExerciseRow, 1);
  copy->id = g_strdup (row->id);
  copy->owner_url = g_strdup (row->owner_url);
  copy->started_at = row->started_at;
  copy->record = g_strdup (row->record);
  wg_pg_worker_run_async (self->worker, put, copy, (GDestroyNotify) wg_pg_exercise_row_free, cancellable,
                          callback, user_data, wg_pg_exercises_put_async);
}

gboolean
wg_pg_exercises_put_finish (WgPgExercises  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wg_pg_exercises_list_async (WgPgExercises       *self,
                            const char          *id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (self != NULL);

  wg_pg_worker_run_async (self->worker, list, g_strdup (id), g_free, cancellable, callback, user_data,
                          wg_pg_exercises_list_async);
}

GPtrArray *
wg_pg_exercises_list_finish (WgPgExercises  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
