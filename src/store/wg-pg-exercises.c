/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The exercises in PostgreSQL (wg-pg-exercises.h), on a WgPgWorker: the
 * register with its leases, and each exercise's journal and answers.
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

G_DEFINE_QUARK (wg-pg-exercises-error-quark, wg_pg_exercises_error)

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

WgPgExerciseSync *
wg_pg_exercise_sync_new (void)
{
  WgPgExerciseSync *sync = g_new0 (WgPgExerciseSync, 1);

  sync->seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  sync->events = g_ptr_array_new_with_free_func (g_free);
  sync->answers = g_ptr_array_new_with_free_func (g_free);
  sync->positions = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  return sync;
}

void
wg_pg_exercise_sync_free (WgPgExerciseSync *sync)
{
  if (sync == NULL)
    return;
  g_free (sync->id);
  g_free (sync->instance);
  g_free (sync->owner_url);
  g_free (sync->record);
  g_free (sync->saved);
  g_array_unref (sync->seqs);
  g_ptr_array_unref (sync->events);
  g_ptr_array_unref (sync->answers);
  g_ptr_array_unref (sync->positions);
  g_free (sync);
}

void
wg_pg_exercise_claim_free (WgPgExerciseClaim *claim)
{
  if (claim == NULL)
    return;
  g_free (claim->id);
  g_free (claim->saved);
  g_clear_pointer (&claim->events, g_ptr_array_unref);
  g_clear_pointer (&claim->answers, g_ptr_array_unref);
  g_clear_pointer (&claim->positions, g_ptr_array_unref);
  g_free (claim);
}

static gboolean
create_schema (WgPgExercises  *self,
               GError        **error)
{
  /* Under a lock: instances starting together would race on CREATE.  The
   * lease and the journal came after the register: a register of before
   * gets the columns, its exercises no journal (never taken over). */
  return wg_pg_run_command (self->conn, "creating the exercises' tables",
                            "BEGIN;"
                            "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ");"
                            "CREATE TABLE IF NOT EXISTS exercises ("
                            "  id         text PRIMARY KEY,"
                            "  owner_url  text NOT NULL,"
                            "  started_at bigint NOT NULL,"
                            "  record     text NOT NULL);"
                            "ALTER TABLE exercises"
                            "  ADD COLUMN IF NOT EXISTS saved text,"
                            "  ADD COLUMN IF NOT EXISTS lease_owner text,"
                            "  ADD COLUMN IF NOT EXISTS lease_until timestamptz,"
                            "  ADD COLUMN IF NOT EXISTS head bigint NOT NULL DEFAULT 0;"
                            "CREATE TABLE IF NOT EXISTS exercise_events ("
                            "  exercise_id text NOT NULL,"
                            "  seq         bigint NOT NULL,"
                            "  event       text NOT NULL,"
                            "  PRIMARY KEY (exercise_id, seq));"
                            "CREATE TABLE IF NOT EXISTS exercise_commands ("
                            "  exercise_id text NOT NULL,"
                            "  id          text NOT NULL,"
                            "  answer      text NOT NULL,"
                            "  PRIMARY KEY (exercise_id, id));"
                            "CREATE TABLE IF NOT EXISTS exercise_positions ("
                            "  exercise_id text NOT NULL,"
                            "  unit        text NOT NULL,"
                            "  ts          bigint NOT NULL,"
                            "  lat         double precision NOT NULL,"
                            "  lon         double precision NOT NULL,"
                            "  status      text,"
                            "  PRIMARY KEY (exercise_id, unit));"
                            "COMMIT",
                            error);
}

static void
rollback (WgPgExercises *self)
{
  g_autoptr(PGresult) result = PQexec (self->conn, "ROLLBACK");
}

static char *
text_array (GPtrArray *texts)
{
  GString *array = g_string_new ("{");

  for (guint i = 0; texts != NULL && i < texts->len; i++)
    wg_pg_array_append_text (array, texts->pdata[i]);
  g_string_append_c (array, '}');
  return g_string_free (array, FALSE);
}

static char *
double_text (double value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_dtostr (buffer, sizeof buffer, value));
}

/* Each unit's newest position, one multi-row upsert: a point older than
 * the one stored (posted late) leaves it. */
static gboolean
store_positions (WgPgExercises     *self,
                 WgPgExerciseSync  *sync,
                 GError           **error)
{
  GString *columns[5];
  g_autofree char *units = NULL, *times = NULL, *lats = NULL, *lons = NULL, *statuses = NULL;
  g_autoptr(PGresult) stored = NULL;

  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    columns[c] = g_string_new ("{");
  for (guint i = 0; i < sync->positions->len; i++)
    {
      WgTrackPoint *point = sync->positions->pdata[i];
      g_autofree char *ts = g_strdup_printf ("%" G_GINT64_FORMAT, point->ts);
      g_autofree char *lat = double_text (point->lat);
      g_autofree char *lon = double_text (point->lon);

      wg_pg_array_append_text (columns[0], point->unit);
      wg_pg_array_append_plain (columns[1], ts);
      wg_pg_array_append_plain (columns[2], lat);
      wg_pg_array_append_plain (columns[3], lon);
      wg_pg_array_append_text (columns[4], point->status);
    }
  for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
    g_string_append_c (columns[c], '}');
  units = g_string_free (columns[0], FALSE);
  times = g_string_free (columns[1], FALSE);
  lats = g_string_free (columns[2], FALSE);
  lons = g_string_free (columns[3], FALSE);
  statuses = g_string_free (columns[4], FALSE);
  {
    const char *params[] = { sync->id, units, times, lats, lons, statuses };

    stored = wg_pg_run (self->conn, "storing an exercise's positions",
                        "INSERT INTO exercise_positions (exercise_id, unit, ts, lat, lon, status)"
                        " SELECT $1, unnest($2::text[]), unnest($3::bigint[]), unnest($4::float8[]),"
                        " unnest($5::float8[]), unnest($6::text[])"
                        " ON CONFLICT (exercise_id, unit) DO UPDATE SET ts = excluded.ts, lat = excluded.lat,"
                        " lon = excluded.lon, status = excluded.status WHERE excluded.ts > exercise_positions.ts",
                        G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, error);
  }
  return stored != NULL;
}

/* The register's row first: its lock serialises the syncs and claims of
 * one exercise, and its lease decides whether this one may append. */
static gboolean
sync_in_transaction (WgPgExercises     *self,
                     WgPgExerciseSync  *sync,
                     GError           **error)
{
  g_autofree char *started_at = g_strdup_printf ("%" G_GINT64_FORMAT, sync->started_at);
  g_autofree char *lease_ms = g_strdup_printf ("%u", sync->lease_ms);
  g_autofree char *head = g_strdup_printf ("%" G_GINT64_FORMAT, sync->head);
  const char *row_params[] = { sync->id, sync->owner_url, started_at, sync->record, sync->saved, sync->instance,
                               lease_ms };
  g_autoptr(PGresult) row = NULL;
  gint64 stored_head;

  row = wg_pg_run (self->conn, "storing an exercise",
                   "INSERT INTO exercises (id, owner_url, started_at, record, saved, lease_owner, lease_until)"
                   " VALUES ($1, $2, $3, $4, $5, $6, now() + $7 * interval '1 millisecond')"
                   " ON CONFLICT (id) DO UPDATE SET owner_url = excluded.owner_url, record = excluded.record,"
                   " saved = excluded.saved WHERE exercises.lease_owner = excluded.lease_owner"
                   " RETURNING head",
                   G_N_ELEMENTS (row_params), row_params, PGRES_TUPLES_OK, error);
  if (row == NULL)
    return FALSE;
  if (PQntuples (row) == 0)
    {
      g_set_error (error, WG_PG_EXERCISES_ERROR, WG_PG_EXERCISES_ERROR_LEASE_LOST,
                   "exercise %s: another instance holds its lease", sync->id);
      return FALSE;
    }
  stored_head = g_ascii_strtoll (PQgetvalue (row, 0, 0), NULL, 10);
  if (stored_head + (gint64) sync->seqs->len != sync->head ||
      (sync->seqs->len > 0 && g_array_index (sync->seqs, gint64, 0) != stored_head + 1))
    {
      g_set_error (error, WG_PG_EXERCISES_ERROR, WG_PG_EXERCISES_ERROR_DIVERGED,
                   "exercise %s: PostgreSQL holds its journal up to %" G_GINT64_FORMAT ", this instance's"
                   " copy %" G_GINT64_FORMAT " with %u events to store",
                   sync->id, stored_head, sync->head, sync->seqs->len);
      return FALSE;
    }
  if (sync->seqs->len > 0)
    {
      GString *seqs = g_string_new ("{");
      g_autofree char *seq_array = NULL;
      g_autofree char *event_array = text_array (sync->events);
      g_autoptr(PGresult) inserted = NULL;
      g_autoptr(PGresult) moved = NULL;
      const char *head_params[] = { sync->id, head };

      for (guint i = 0; i < sync->seqs->len; i++)
        {
          g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, g_array_index (sync->seqs, gint64, i));

          wg_pg_array_append_plain (seqs, seq);
        }
      g_string_append_c (seqs, '}');
      seq_array = g_string_free (seqs, FALSE);
      {
        const char *params[] = { sync->id, seq_array, event_array };

        inserted = wg_pg_run (self->conn, "storing an exercise's events",
                              "INSERT INTO exercise_events (exercise_id, seq, event)"
                              " SELECT $1, unnest($2::bigint[]), unnest($3::text[])",
                              G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, error);
      }
      if (inserted == NULL)
        return FALSE;
      moved = wg_pg_run (self->conn, "storing an exercise's head",
                         "UPDATE exercises SET head = $2 WHERE id = $1",
                         G_N_ELEMENTS (head_params), head_params, PGRES_COMMAND_OK, error);
      if (moved == NULL)
        return FALSE;
    }
  if (sync->answers->len > 0)
    {
      g_autofree char *answer_array = text_array (sync->answers);
      const char *params[] = { sync->id, answer_array };
      g_autoptr(PGresult) answered = NULL;

      /* The id is the answer's own "id" member. */
      answered = wg_pg_run (self->conn, "storing an exercise's answers",
                            "INSERT INTO exercise_commands (exercise_id, id, answer)"
                            " SELECT $1, a::json->>'id', a FROM unnest($2::text[]) AS a"
                            " ON CONFLICT (exercise_id, id) DO NOTHING",
                            G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, error);
      if (answered == NULL)
        return FALSE;
    }
  return sync->positions->len == 0 || store_positions (self, sync, error);
}

static void
sync_job (GTask    *task,
      gpointer  owner)
{
  WgPgExercises *self = owner;
  WgPgExerciseSync *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!wg_pg_run_command (self->conn, "beginning an exercise's sync", "BEGIN", &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!sync_in_transaction (self, data, &error))
    {
      rollback (self);
      g_task_return_error (task, error);
      return;
    }
  if (!wg_pg_run_command (self->conn, "committing an exercise's sync", "COMMIT", &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
renew_job (GTask    *task,
       gpointer  owner)
{
  WgPgExercises *self = owner;
  char **data = g_task_get_task_data (task);
  const char *params[] = { data[0], data[1] };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;
  GStrvBuilder *ids;

  /* Also a lease of ours that lapsed and nobody took: whoever updates the
   * row first has it. */
  result = wg_pg_run (self->conn, "renewing the exercises' leases",
                      "UPDATE exercises SET lease_until = now() + $2 * interval '1 millisecond'"
                      " WHERE lease_owner = $1 RETURNING id",
                      G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ids = g_strv_builder_new ();
  for (int i = 0; i < PQntuples (result); i++)
    g_strv_builder_add (ids, PQgetvalue (result, i, 0));
  g_task_return_pointer (task, g_strv_builder_end (ids), (GDestroyNotify) g_strfreev);
  g_strv_builder_unref (ids);
}

static void
release_job (GTask    *task,
             gpointer  owner)
{
  WgPgExercises *self = owner;
  char **data = g_task_get_task_data (task);
  const char *params[] = { data[0], data[1] };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) error = NULL;

  result = wg_pg_run (self->conn, "giving an exercise's lease up",
                      "UPDATE exercises SET lease_owner = NULL, lease_until = now()"
                      " WHERE lease_owner = $1 AND ($2::text IS NULL OR id = $2)",
                      G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, &error);
  if (result == NULL)
    g_warning ("%s", error->message);
  g_task_return_boolean (task, result != NULL);
}

static GPtrArray *
column_texts (PGresult *result,
              int       column)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (texts, g_strdup (PQgetvalue (result, i, column)));
  return texts;
}

/* The journal and answers of @claim->id (gap-free up to @head). */
static gboolean
read_exercise (WgPgExercises      *self,
               WgPgExerciseClaim  *claim,
               gint64              head,
               GError            **error)
{
  const char *params[] = { claim->id };
  g_autoptr(PGresult) events = NULL;
  g_autoptr(PGresult) answers = NULL;
  g_autoptr(PGresult) positions = NULL;

  events = wg_pg_run (self->conn, "reading an exercise's journal",
                      "SELECT seq, event FROM exercise_events WHERE exercise_id = $1 ORDER BY seq",
                      G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, error);
  if (events == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (events); i++)
    if (g_ascii_strtoll (PQgetvalue (events, i, 0), NULL, 10) != i + 1)
      return wg_pg_set_error (error, "reading an exercise's journal", "a gap in its seq");
  if (PQntuples (events) != head)
    return wg_pg_set_error (error, "reading an exercise's journal", "fewer events than its head");
  answers = wg_pg_run (self->conn, "reading an exercise's answers",
                       "SELECT answer FROM exercise_commands WHERE exercise_id = $1",
                       G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, error);
  if (answers == NULL)
    return FALSE;
  positions = wg_pg_run (self->conn, "reading an exercise's positions",
                         "SELECT unit, ts, lat, lon, status FROM exercise_positions WHERE exercise_id = $1",
                         G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, error);
  if (positions == NULL)
    return FALSE;
  claim->events = column_texts (events, 1);
  claim->answers = column_texts (answers, 0);
  claim->positions = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  for (int i = 0; i < PQntuples (positions); i++)
    g_ptr_array_add (claim->positions,
                     wg_track_point_new (PQgetvalue (positions, i, 0),
                                         g_ascii_strtoll (PQgetvalue (positions, i, 1), NULL, 10),
                                         g_ascii_strtod (PQgetvalue (positions, i, 2), NULL),
                                         g_ascii_strtod (PQgetvalue (positions, i, 3), NULL),
                                         PQgetisnull (positions, i, 4) ? NULL : PQgetvalue (positions, i, 4)));
  return TRUE;
}

static gboolean
claim_in_transaction (WgPgExercises  *self,
                      char          **data,
                      GPtrArray      *claims,
                      GError        **error)
{
  const char *params[] = { data[0], data[1], data[2], data[3] };
  g_autoptr(PGresult) taken = NULL;

  /* Never one this instance runs (a lease of its own that lapsed is
   * renewed, not rebuilt).  SKIP LOCKED: a row being synced is still its
   * owner's; the WHERE again on the locked row, so that of two instances
   * one wins. */
  taken = wg_pg_run (self->conn, "taking exercises over",
                     "UPDATE exercises SET lease_owner = $1, owner_url = $2,"
                     " lease_until = now() + $3 * interval '1 millisecond'"
                     " WHERE id IN (SELECT id FROM exercises WHERE saved IS NOT NULL AND NOT id = ANY ($4::text[])"
                     "   AND (lease_until < now() OR lease_owner = $1)"
                     "   FOR UPDATE SKIP LOCKED)"
                     " AND (lease_until < now() OR lease_owner = $1)"
                     " RETURNING id, saved, head",
                     G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, error);
  if (taken == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (taken); i++)
    {
      WgPgExerciseClaim *claim = g_new0 (WgPgExerciseClaim, 1);

      claim->id = g_strdup (PQgetvalue (taken, i, 0));
      claim->saved = g_strdup (PQgetvalue (taken, i, 1));
      g_ptr_array_add (claims, claim);
      if (!read_exercise (self, claim, g_ascii_strtoll (PQgetvalue (taken, i, 2), NULL, 10), error))
        return FALSE;
    }
  return TRUE;
}

static void
claim_job (GTask    *task,
       gpointer  owner)
{
  WgPgExercises *self = owner;
  char **data = g_task_get_task_data (task);
  g_autoptr(GPtrArray) claims = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_pg_exercise_claim_free);
  GError *error = NULL;

  if (!wg_pg_run_command (self->conn, "beginning to take exercises over", "BEGIN", &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (!claim_in_transaction (self, data, claims, &error))
    {
      rollback (self);
      g_task_return_error (task, error);
      return;
    }
  if (!wg_pg_run_command (self->conn, "committing the exercises taken over", "COMMIT", &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&claims), (GDestroyNotify) g_ptr_array_unref);
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
                      "SELECT id, owner_url, started_at, record, saved IS NOT NULL FROM exercises"
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
      row->resumable = g_str_equal (PQgetvalue (result, i, 4), "t");
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
wg_pg_exercises_sync_async (WgPgExercises       *self,
                            WgPgExerciseSync    *data,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (self != NULL && data != NULL && data->id != NULL && data->instance != NULL &&
                    data->owner_url != NULL && data->record != NULL && data->saved != NULL);

  wg_pg_worker_run_async (self->worker, sync_job, data, (GDestroyNotify) wg_pg_exercise_sync_free, cancellable,
                          callback, user_data, wg_pg_exercises_sync_async);
}

gboolean
wg_pg_exercises_sync_finish (WgPgExercises  *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
wg_pg_exercises_renew_async (WgPgExercises       *self,
                             const char          *instance,
                             guint                lease_ms,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  char **data = g_new0 (char *, 3);

  g_return_if_fail (self != NULL && instance != NULL);

  data[0] = g_strdup (instance);
  data[1] = g_strdup_printf ("%u", lease_ms);
  wg_pg_worker_run_async (self->worker, renew_job, data, (GDestroyNotify) g_strfreev, cancellable, callback, user_data,
                          wg_pg_exercises_renew_async);
}

char **
wg_pg_exercises_renew_finish (WgPgExercises  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wg_pg_exercises_release (WgPgExercises *self,
                         const char    *instance,
                         const char    *id)
{
  char **data = g_new0 (char *, 3);

  g_return_if_fail (self != NULL && instance != NULL);

  data[0] = g_strdup (instance);
  data[1] = g_strdup (id);
  wg_pg_worker_run_async (self->worker, release_job, data, (GDestroyNotify) g_strfreev, NULL, NULL, NULL,
                          wg_pg_exercises_release);
}

void
wg_pg_exercises_claim_async (WgPgExercises       *self,
                             const char          *instance,
                             const char          *owner_url,
                             guint                lease_ms,
                             const char * const  *held,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  char **data = g_new0 (char *, 5);
  GString *ids = g_string_new ("{");

  g_return_if_fail (self != NULL && instance != NULL && owner_url != NULL);

  for (guint i = 0; held != NULL && held[i] != NULL; i++)
    wg_pg_array_append_text (ids, held[i]);
  g_string_append_c (ids, '}');
  data[0] = g_strdup (instance);
  data[1] = g_strdup (owner_url);
  data[2] = g_strdup_printf ("%u", lease_ms);
  data[3] = g_string_free (ids, FALSE);
  wg_pg_worker_run_async (self->worker, claim_job, data, (GDestroyNotify) g_strfreev, cancellable, callback, user_data,
                          wg_pg_exercises_claim_async);
}

GPtrArray *
wg_pg_exercises_claim_finish (WgPgExercises  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
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
