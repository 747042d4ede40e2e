/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The position track in PostgreSQL (wg-pg-track.h, docs/postgresql.md).
 * A WgPgWorker owns the connection and runs the jobs in order; the
 * additions waiting at once are written in one transaction, four
 * statements whatever their number of points (unnest() over arrays), so
 * that 20,000 points a second cost a few round trips and one WAL flush.
 * Which points are kept is decided on each unit's last kept point as
 * stored in positions_latest, its row locked meanwhile: the same answer
 * whichever instance the points go to.
 */
#define G_LOG_DOMAIN "wg-pg-track"

#include "config.h"

#include <libpq-fe.h>

#include "wg-pg-journal.h"
#include "wg-pg-text.h"
#include "wg-pg-track.h"
#include "wg-pg-worker.h"

/* pg_advisory_xact_lock's key while creating the tables: "wgtr". */
#define SCHEMA_LOCK_KEY "2003268722"
/* Held by each group from its start to COMMIT, "wgtc": the change numbers
 * of positions_latest are then taken in commit order, and a reader that
 * saw number N has seen every number below it. */
#define CHANGE_LOCK_KEY "2003268707"
/* A group stops growing there: its arrays stay a few megabytes. */
#define GROUP_MAX_POINTS 50000

/* What a read or a purge asks (an addition's job is its points). */
typedef struct
{
  GPtrArray     *spans;      /* a purge's: WgTrackSpan, nullable */
  gint64         now_ms;     /* a purge's */
  char          *unit;       /* a query's, the latest's; nullable */
  gint64         from_ms;
  gint64         to_ms;
  WgTrackCursor  after;
  guint          limit;
} Job;

/* A page and where it ends, for wg_pg_track_query_page_finish(). */
typedef struct
{
  GPtrArray     *points;
  WgTrackCursor  next;
  gboolean       more;
} Page;

struct _WgPgTrack
{
  WgPgWorker    *worker;
  PGconn        *conn;   /* the worker's */
  WgTrackPolicy  policy;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static void
job_free (Job *job)
{
  g_clear_pointer (&job->spans, g_ptr_array_unref);
  g_free (job->unit);
  g_free (job);
}

static void
page_free (Page *page)
{
  g_clear_pointer (&page->points, g_ptr_array_unref);
  g_free (page);
}

void
wg_pg_track_added_free (WgPgTrackAdded *added)
{
  if (added == NULL)
    return;
  g_clear_pointer (&added->changed, g_ptr_array_unref);
  g_free (added);
}

static void
rollback_quietly (WgPgTrack *self)
{
  PGresult *result = PQexec (self->conn, "ROLLBACK");

  PQclear (result);
}

static WgTrackPoint *
point_from_row (PGresult *result,
                int       row)
{
  return wg_track_point_new (PQgetvalue (result, row, 0),
                             g_ascii_strtoll (PQgetvalue (result, row, 1), NULL, 10),
                             g_ascii_strtod (PQgetvalue (result, row, 2), NULL),
                             g_ascii_strtod (PQgetvalue (result, row, 3), NULL),
                             PQgetisnull (result, row, 4) ? NULL : PQgetvalue (result, row, 4));
}

static gboolean
create_schema (WgPgTrack  *self,
               GError    **error)
{
  /* Under a lock: instances starting together would race on CREATE. */
  static const char *const schema =
    "BEGIN;"
    "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ");"
    /* id: the sequence makes it unique; no index of its own, which would
     * cost each point a third index entry. */
    "CREATE TABLE IF NOT EXISTS positions ("
    "  id     bigserial,"
    "  unit   text NOT NULL,"
    "  ts     bigint NOT NULL,"
    "  lat    double precision NOT NULL,"
    "  lon    double precision NOT NULL,"
    "  status text);"
    "CREATE INDEX IF NOT EXISTS positions_ts ON positions (ts, id);"
    "CREATE INDEX IF NOT EXISTS positions_unit_ts ON positions (unit, ts, id);"
    "CREATE SEQUENCE IF NOT EXISTS positions_change;"
    "CREATE TABLE IF NOT EXISTS positions_latest ("
    "  unit        text PRIMARY KEY,"
    "  ts          bigint NOT NULL,"
    "  lat         double precision NOT NULL,"
    "  lon         double precision NOT NULL,"
    "  status      text,"
    "  kept_ts     bigint,"
    "  kept_lat    double precision,"
    "  kept_lon    double precision,"
    "  kept_status text,"
    "  changed     bigint NOT NULL)"
    /* Room on each page for the new version of its rows: every group
     * updates them, and an update on the same page skips the index. */
    "  WITH (fillfactor = 50);"
    /* A unit's time on an incident: its points then outlive the
     * retention (wg_track_store_keep_spans). */
    "CREATE TABLE IF NOT EXISTS positions_spans ("
    "  unit    text NOT NULL,"
    "  from_ts bigint NOT NULL,"
    "  to_ts   bigint NOT NULL,"
    "  PRIMARY KEY (unit, from_ts));"
    "COMMIT";
  g_autoptr(PGresult) result = PQexec (self->conn, schema);

  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      rollback_quietly (self);
      return wg_pg_set_error (error, "creating the position tables", PQresultErrorMessage (result));
    }
  return TRUE;
}

/* Columns as arrays in PostgreSQL's text form, for unnest(): unit, then
 * a point's ts, lat, lon, status once or twice. */
#define MAX_COLUMNS 9

typedef struct
{
  guint    n_columns;
  GString *columns[MAX_COLUMNS];
} Arrays;

static void
arrays_init (Arrays *arrays,
             guint   n_columns)
{
  arrays->n_columns = n_columns;
  for (guint i = 0; i < n_columns; i++)
    arrays->columns[i] = g_string_new ("{");
}

static void
arrays_clear (Arrays *arrays)
{
  for (guint i = 0; i < arrays->n_columns; i++)
    g_string_free (arrays->columns[i], TRUE);
}

/* ts, lat, lon, status of @point (NULL: four NULLs) from column @first. */
static void
arrays_add_point (Arrays             *arrays,
                  guint               first,
                  const WgTrackPoint *point)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  GString **columns = arrays->columns + first;

  char ts[24];

  if (point == NULL)
    {
      for (guint i = 0; i < 4; i++)
        wg_pg_array_append_plain (columns[i], "NULL");
      return;
    }
  g_snprintf (ts, sizeof ts, "%" G_GINT64_FORMAT, point->ts);
  wg_pg_array_append_plain (columns[0], ts);
  wg_pg_array_append_plain (columns[1], g_ascii_dtostr (buffer, sizeof buffer, point->lat));
  wg_pg_array_append_plain (columns[2], g_ascii_dtostr (buffer, sizeof buffer, point->lon));
  wg_pg_array_append_text (columns[3], point->status);
}

static PGresult *
run_arrays (PGconn          *conn,
            const char      *what,
            const char      *sql,
            Arrays          *arrays,
            ExecStatusType   expect,
            GError         **error)
{
  const char *params[MAX_COLUMNS];

  for (guint i = 0; i < arrays->n_columns; i++)
    {
      g_string_append_c (arrays->columns[i], '}');
      params[i] = arrays->columns[i]->str;
    }
  return wg_pg_run (conn, what, sql, (int) arrays->n_columns, params, expect, error);
}

/* run_arrays() in a pipeline: sends the statement. */
static gboolean
send_arrays (PGconn      *conn,
             const char  *what,
             const char  *sql,
             Arrays      *arrays,
             GError     **error)
{
  const char *params[MAX_COLUMNS];

  for (guint i = 0; i < arrays->n_columns; i++)
    {
      g_string_append_c (arrays->columns[i], '}');
      params[i] = arrays->columns[i]->str;
    }
  return wg_pg_pipeline_send (conn, what, sql, (int) arrays->n_columns, params, error);
}

#define POINT_TYPES "$2::bigint[], $3::float8[], $4::float8[], $5::text[]"
#define KEPT_TYPES "$6::bigint[], $7::float8[], $8::float8[], $9::text[]"
#define NEWER(column) column " = CASE WHEN excluded.ts > positions_latest.ts" \
  " THEN excluded." column " ELSE positions_latest." column " END"
#define KEPT(column) column " = CASE WHEN excluded.kept_ts IS NULL" \
  " THEN positions_latest." column " ELSE excluded." column " END"
/* Kept points: unit, then POINT_TYPES. */
#define INSERT_POSITIONS "INSERT INTO positions (unit, ts, lat, lon, status)" \
  " SELECT * FROM unnest ($1::text[], " POINT_TYPES ")"
/* Each unit's newest point and last kept one: only a newer point replaces
 * a unit's latest, whichever instance wrote it. */
#define UPSERT_LATEST "INSERT INTO positions_latest (unit, ts, lat, lon, status," \
  " kept_ts, kept_lat, kept_lon, kept_status, changed)" \
  " SELECT u.*, nextval ('positions_change')" \
  " FROM unnest ($1::text[], " POINT_TYPES ", " KEPT_TYPES ") AS u" \
  " ON CONFLICT (unit) DO UPDATE SET " NEWER ("ts") ", " NEWER ("lat") ", " \
  NEWER ("lon") ", " NEWER ("status") ", " NEWER ("changed") ", " KEPT ("kept_ts") ", " \
  KEPT ("kept_lat") ", " KEPT ("kept_lon") ", " KEPT ("kept_status")

/* What a group does to one unit. */
typedef struct
{
  WgTrackPoint *newest;      /* the group's, borrowed */
  WgTrackPoint *last_kept;   /* owned; from the table, then the group's */
  gboolean      kept;        /* the group keeps a point of it */
} UnitWork;

static void
unit_work_free (UnitWork *work)
{
  g_clear_pointer (&work->last_kept, wg_track_point_free);
  g_free (work);
}

#define LOCK_UNITS \
  "SELECT unit, kept_ts, kept_lat, kept_lon, kept_status FROM positions_latest" \
  " WHERE unit = ANY ($1::text[]) ORDER BY unit FOR UPDATE"

/* The units' names, a text[] for LOCK_UNITS. */
static char *
units_array (GHashTable *units)
{
  GString *names = g_string_new ("{");
  GHashTableIter iter;
  const char *unit;

  g_hash_table_iter_init (&iter, units);
  while (g_hash_table_iter_next (&iter, (gpointer *) &unit, NULL))
    wg_pg_array_append_text (names, unit);
  g_string_append_c (names, '}');
  return g_string_free (names, FALSE);
}

/* Opens the group's transaction in one round trip: the positions lock,
 * then each unit's last kept point, its row locked until COMMIT
 * (instances taking points of one unit decide one after the other; in
 * unit order, so that two groups never wait for each other). */
static gboolean
begin_group (WgPgTrack   *self,
             GHashTable  *units,
             GError     **error)
{
  g_autofree char *names = units_array (units);
  const char *params[] = { names };
  g_autoptr(PGresult) began = NULL;
  g_autoptr(PGresult) locked = NULL;
  g_autoptr(PGresult) result = NULL;
  gboolean ok;

  ok = wg_pg_pipeline_start (self->conn, error) &&
       wg_pg_pipeline_send (self->conn, "beginning a transaction", "BEGIN", 0, NULL, error) &&
       wg_pg_pipeline_send (self->conn, "taking the positions lock",
                            "SELECT pg_advisory_xact_lock(" CHANGE_LOCK_KEY ")", 0, NULL, error) &&
       wg_pg_pipeline_send (self->conn, "locking the units' positions", LOCK_UNITS, 1, params, error) &&
       wg_pg_pipeline_sync (self->conn, error) &&
       (began = wg_pg_pipeline_result (self->conn, "beginning a transaction", PGRES_COMMAND_OK, error)) != NULL &&
       (locked = wg_pg_pipeline_result (self->conn, "taking the positions lock", PGRES_TUPLES_OK, error)) != NULL &&
       (result = wg_pg_pipeline_result (self->conn, "locking the units' positions", PGRES_TUPLES_OK, error)) != NULL;
  if (!wg_pg_pipeline_end (self->conn, ok ? error : NULL) || !ok)
    return FALSE;
  for (int row = 0; row < PQntuples (result); row++)
    {
      UnitWork *work = g_hash_table_lookup (units, PQgetvalue (result, row, 0));

      if (!PQgetisnull (result, row, 1))
        work->last_kept = point_from_row (result, row);
    }
  return TRUE;
}

/* Stores the kept points (@kept, when there are any) and the latest,
 * and commits, in one round trip: the upsert's result (unit, ts of each
 * unit's latest), or NULL with @error. */
static PGresult *
store_group (WgPgTrack  *self,
             Arrays     *kept,
             Arrays     *latest,
             GError    **error)
{
  gboolean any_kept = kept->columns[0]->len > 1;
  g_autoptr(PGresult) inserted = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autoptr(PGresult) committed = NULL;
  gboolean ok;

  /* Only a newer point replaces a unit's latest, whichever instance
   * wrote it. */
  ok = wg_pg_pipeline_start (self->conn, error) &&
       (!any_kept || send_arrays (self->conn, "storing positions", INSERT_POSITIONS, kept, error)) &&
       send_arrays (self->conn, "storing the latest positions", UPSERT_LATEST " RETURNING unit, ts", latest, error) &&
       wg_pg_pipeline_send (self->conn, "committing positions", "COMMIT", 0, NULL, error) &&
       wg_pg_pipeline_sync (self->conn, error) &&
       (!any_kept ||
        (inserted = wg_pg_pipeline_result (self->conn, "storing positions", PGRES_COMMAND_OK, error)) != NULL) &&
       (result = wg_pg_pipeline_result (self->conn, "storing the latest positions", PGRES_TUPLES_OK, error)) != NULL &&
       (committed = wg_pg_pipeline_result (self->conn, "committing positions", PGRES_COMMAND_OK, error)) != NULL;
  if (!wg_pg_pipeline_end (self->conn, ok ? error : NULL) || !ok)
    return NULL;
  return g_steal_pointer (&result);
}

/* One transaction for every addition of @jobs; fills each one's answer. */
static gboolean
add_group (WgPgTrack  *self,
           GPtrArray  *jobs,
           GPtrArray  *answers,
           GError    **error)
{
  g_autoptr(GHashTable) units = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                       (GDestroyNotify) unit_work_free);
  g_autoptr(PGresult) result = NULL;
  Arrays kept, latest;
  GHashTableIter iter;
  UnitWork *work;
  gboolean ok;

  for (guint i = 0; i < jobs->len; i++)
    {
      GPtrArray *points = ((WgPgJob *) g_ptr_array_index (jobs, i))->data;

      for (guint j = 0; j < points->len; j++)
        {
          WgTrackPoint *point = g_ptr_array_index (points, j);

          work = g_hash_table_lookup (units, point->unit);
          if (work == NULL)
            {
              work = g_new0 (UnitWork, 1);
              g_hash_table_insert (units, point->unit, work);
            }
          if (work->newest == NULL || point->ts > work->newest->ts)
            work->newest = point;
        }
    }

  ok = begin_group (self, units, error);

  arrays_init (&kept, 5);
  arrays_init (&latest, 9);
  for (guint i = 0; ok && i < jobs->len; i++)
    {
      GPtrArray *points = ((WgPgJob *) g_ptr_array_index (jobs, i))->data;
      WgPgTrackAdded *added = g_new0 (WgPgTrackAdded, 1);

      added->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
      g_ptr_array_add (answers, added);
      for (guint j = 0; j < points->len; j++)
        {
          WgTrackPoint *point = g_ptr_array_index (points, j);

          work = g_hash_table_lookup (units, point->unit);
          added->accepted++;
          if (wg_track_policy_keeps (&self->policy, work->last_kept, point))
            {
              g_clear_pointer (&work->last_kept, wg_track_point_free);
              work->last_kept = wg_track_point_copy (point);
              work->kept = TRUE;
              wg_pg_array_append_text (kept.columns[0], point->unit);
              arrays_add_point (&kept, 1, point);
              added->kept++;
            }
        }
    }
  g_hash_table_iter_init (&iter, units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &work))
    {
      wg_pg_array_append_text (latest.columns[0], work->newest->unit);
      arrays_add_point (&latest, 1, work->newest);
      arrays_add_point (&latest, 5, work->kept ? work->last_kept : NULL);
    }

  if (ok)
    {
      result = store_group (self, &kept, &latest, error);
      ok = result != NULL;
    }
  arrays_clear (&kept);
  arrays_clear (&latest);
  if (!ok)
    {
      rollback_quietly (self);
      return FALSE;
    }

  /* Units whose latest is now this group's newest point. */
  for (int row = 0; row < PQntuples (result); row++)
    {
      work = g_hash_table_lookup (units, PQgetvalue (result, row, 0));
      if (work != NULL && g_ascii_strtoll (PQgetvalue (result, row, 1), NULL, 10) != work->newest->ts)
        g_hash_table_remove (units, PQgetvalue (result, row, 0));
    }
  for (guint i = 0; i < jobs->len; i++)
    {
      GPtrArray *points = ((WgPgJob *) g_ptr_array_index (jobs, i))->data;
      WgPgTrackAdded *added = g_ptr_array_index (answers, i);

      for (guint j = 0; j < points->len; j++)
        {
          WgTrackPoint *point = g_ptr_array_index (points, j);

          work = g_hash_table_lookup (units, point->unit);
          if (work != NULL && work->newest == point)
            g_ptr_array_add (added->changed, wg_track_point_copy (point));
        }
    }
  return TRUE;
}

static void
run_add_group (GPtrArray *jobs,
               gpointer   owner)
{
  WgPgTrack *self = owner;
  g_autoptr(GPtrArray) answers = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  if (!add_group (self, jobs, answers, &error))
    {
      g_ptr_array_set_free_func (answers, (GDestroyNotify) wg_pg_track_added_free);
      for (guint i = 0; i < jobs->len; i++)
        g_task_return_error (((WgPgJob *) g_ptr_array_index (jobs, i))->task, g_error_copy (error));
      return;
    }
  for (guint i = 0; i < jobs->len; i++)
    g_task_return_pointer (((WgPgJob *) g_ptr_array_index (jobs, i))->task, g_ptr_array_index (answers, i),
                           (GDestroyNotify) wg_pg_track_added_free);
}

static void
run_query (GTask    *task,
           gpointer  owner)
{
  WgPgTrack *self = owner;
  Job *job = g_task_get_task_data (task);
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, job->from_ms);
  g_autofree char *to = g_strdup_printf ("%" G_GINT64_FORMAT, job->to_ms);
  g_autofree char *limit = g_strdup_printf ("%u", job->limit + 1);
  g_autofree char *after_ts = g_strdup_printf ("%" G_GINT64_FORMAT, job->after.ts);
  g_autofree char *after_id = g_strdup_printf ("%" G_GINT64_FORMAT, job->after.id);
  const char *params[] = { from, to, limit, job->unit, after_ts, after_id };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) error = NULL;
  Page *page;
  int n;

  /* (ts, id) as on SQLite: a page goes on after the last row of the one
   * before, never from a timestamp that many points share. */
  result = wg_pg_run (self->conn, "reading positions",
                "SELECT unit, ts, lat, lon, status, id FROM positions"
                " WHERE ts >= $1 AND ts < $2 AND ($4::text IS NULL OR unit = $4)"
                " AND (ts, id) > ($5::bigint, $6::bigint) ORDER BY ts, id LIMIT $3",
                G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  page = g_new0 (Page, 1);
  page->points = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  page->next = (WgTrackCursor) { -1, -1 };
  n = PQntuples (result);
  page->more = (guint) n > job->limit;
  for (int row = 0; row < n && (guint) row < job->limit; row++)
    {
      g_ptr_array_add (page->points, point_from_row (result, row));
      page->next.ts = g_ascii_strtoll (PQgetvalue (result, row, 1), NULL, 10);
      page->next.id = g_ascii_strtoll (PQgetvalue (result, row, 5), NULL, 10);
    }
  g_task_return_pointer (task, page, (GDestroyNotify) page_free);
}

static void
run_latest (GTask    *task,
            gpointer  owner)
{
  WgPgTrack *self = owner;
  Job *job = g_task_get_task_data (task);
  const char *params[] = { job->unit };
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *points;

  result = wg_pg_run (self->conn, "reading the latest positions",
                "SELECT unit, ts, lat, lon, status FROM positions_latest"
                " WHERE $1::text IS NULL OR unit = $1 ORDER BY unit",
                1, params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  points = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  for (int row = 0; row < PQntuples (result); row++)
    g_ptr_array_add (points, point_from_row (result, row));
  g_task_return_pointer (task, points, (GDestroyNotify) g_ptr_array_unref);
}

/* Records the spans (one row per unit and start, widened to the later
 * end), then deletes one bounded step of the points past the retention
 * outside every span, and the latest positions as old: every instance
 * may run it, a point is deleted once. */
static void
run_purge (GTask    *task,
           gpointer  owner)
{
  WgPgTrack *self = owner;
  Job *job = g_task_get_task_data (task);
  g_autofree char *cutoff = g_strdup_printf ("%" G_GINT64_FORMAT, job->now_ms - self->policy.retention_ms);
  g_autofree char *step = g_strdup_printf ("%u", WG_PG_TRACK_PURGE_STEP);
  const char *params[] = { cutoff, step };
  g_autoptr(PGresult) deleted = NULL;
  g_autoptr(PGresult) latest = NULL;
  GError *error = NULL;
  guint n;

  if (job->spans != NULL && job->spans->len > 0)
    {
      g_autoptr(GHashTable) widest = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_autoptr(GPtrArray) unique = g_ptr_array_new ();
      g_autoptr(PGresult) kept = NULL;
      GString *columns[3];
      const char *span_params[3];

      /* One row per (unit, start) in the statement: ON CONFLICT would
       * refuse to update a row twice. */
      for (guint i = 0; i < job->spans->len; i++)
        {
          WgTrackSpan *span = g_ptr_array_index (job->spans, i);
          char *key = g_strdup_printf ("%s\t%" G_GINT64_FORMAT, span->unit, span->from_ms);
          WgTrackSpan *known = g_hash_table_lookup (widest, key);

          if (known == NULL)
            {
              g_hash_table_insert (widest, key, span);
              g_ptr_array_add (unique, span);
              continue;
            }
          g_free (key);
          known->to_ms = MAX (known->to_ms, span->to_ms);
        }
      for (guint c = 0; c < 3; c++)
        columns[c] = g_string_new ("{");
      for (guint i = 0; i < unique->len; i++)
        {
          WgTrackSpan *span = g_ptr_array_index (unique, i);
          char number[24];

          wg_pg_array_append_text (columns[0], span->unit);
          g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, span->from_ms);
          wg_pg_array_append_plain (columns[1], number);
          g_snprintf (number, sizeof number, "%" G_GINT64_FORMAT, span->to_ms);
          wg_pg_array_append_plain (columns[2], number);
        }
      for (guint c = 0; c < 3; c++)
        {
          g_string_append_c (columns[c], '}');
          span_params[c] = columns[c]->str;
        }
      kept = wg_pg_run (self->conn, "keeping the assigned units' tracks",
                  "INSERT INTO positions_spans (unit, from_ts, to_ts)"
                  " SELECT * FROM unnest ($1::text[], $2::bigint[], $3::bigint[])"
                  " ON CONFLICT (unit, from_ts) DO UPDATE"
                  " SET to_ts = greatest (positions_spans.to_ts, excluded.to_ts)",
                  3, span_params, PGRES_COMMAND_OK, &error);
      for (guint c = 0; c < 3; c++)
        g_string_free (columns[c], TRUE);
      if (kept == NULL)
        {
          g_task_return_error (task, error);
          return;
        }
    }

  /* By ctid: positions has no index on id. */
  deleted = wg_pg_run (self->conn, "purging positions",
                 "DELETE FROM positions WHERE ctid = ANY (ARRAY ("
                 " SELECT ctid FROM positions p WHERE ts < $1 AND NOT EXISTS ("
                 "  SELECT 1 FROM positions_spans s WHERE s.unit = p.unit AND p.ts BETWEEN s.from_ts AND s.to_ts)"
                 " ORDER BY ts LIMIT $2))",
                 2, params, PGRES_COMMAND_OK, &error);
  if (deleted != NULL)
    latest = wg_pg_run (self->conn, "purging the latest positions", "DELETE FROM positions_latest WHERE ts < $1",
                  1, params, PGRES_COMMAND_OK, &error);
  if (latest == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  n = (guint) g_ascii_strtoull (PQcmdTuples (deleted), NULL, 10);
  g_task_return_int (task, n);
}

/* The latest positions changed after number job->from_ms (a change
 * number; below zero: none, only where the numbers stand). */
static void
run_changes (GTask    *task,
             gpointer  owner)
{
  WgPgTrack *self = owner;
  Job *job = g_task_get_task_data (task);
  g_autofree char *after = g_strdup_printf ("%" G_GINT64_FORMAT, job->from_ms);
  const char *params[] = { after };
  g_autoptr(PGresult) result = NULL;
  GError *error = NULL;
  Page *page;

  if (job->from_ms < 0)
    result = wg_pg_run (self->conn, "reading the positions' change number",
                  "SELECT coalesce (max (changed), 0) FROM positions_latest", 0, NULL, PGRES_TUPLES_OK, &error);
  else
    result = wg_pg_run (self->conn, "reading the changed positions",
                  "SELECT unit, ts, lat, lon, status, changed FROM positions_latest"
                  " WHERE changed > $1 ORDER BY changed", 1, params, PGRES_TUPLES_OK, &error);
  if (result == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  page = g_new0 (Page, 1);
  page->points = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  page->next.id = MAX (job->from_ms, 0);
  if (job->from_ms < 0)
    page->next.id = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  else
    for (int row = 0; row < PQntuples (result); row++)
      {
        g_ptr_array_add (page->points, point_from_row (result, row));
        page->next.id = g_ascii_strtoll (PQgetvalue (result, row, 5), NULL, 10);
      }
  g_task_return_pointer (task, page, (GDestroyNotify) page_free);
}

WgPgTrack *
wg_pg_track_open (const char           *conninfo,
                  const WgTrackPolicy  *policy,
                  GError              **error)
{
  g_autoptr(WgPgTrack) self = g_new0 (WgPgTrack, 1);

  g_return_val_if_fail (conninfo != NULL, NULL);

  if (policy != NULL)
    self->policy = *policy;
  else
    wg_track_policy_init_default (&self->policy);
  self->worker = wg_pg_worker_new (conninfo, "positions", "wg-pg-track", self, error);
  if (self->worker == NULL)
    return NULL;
  self->conn = wg_pg_worker_get_connection (self->worker);
  if (!create_schema (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
wg_pg_track_free (WgPgTrack *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->worker, wg_pg_worker_free);
  g_free (self);
}

void
wg_pg_track_add_async (WgPgTrack           *self,
                       GPtrArray           *points,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (self != NULL && points != NULL);

  /* Group commit: every addition already waiting goes along. */
  wg_pg_worker_run_grouped (self->worker, run_add_group, points->len, GROUP_MAX_POINTS, g_ptr_array_ref (points),
                            (GDestroyNotify) g_ptr_array_unref, cancellable, callback, user_data,
                            wg_pg_track_add_async);
}

WgPgTrackAdded *
wg_pg_track_add_finish (WgPgTrack     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wg_pg_track_query_page_async (WgPgTrack           *self,
                              const char          *unit,
                              gint64               from_ms,
                              gint64               to_ms,
                              const WgTrackCursor *after,
                              guint                limit,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  Job *job;

  g_return_if_fail (self != NULL && limit > 0);

  job = g_new0 (Job, 1);
  job->unit = g_strdup (unit);
  job->from_ms = from_ms;
  job->to_ms = to_ms;
  job->after = after != NULL ? *after : (WgTrackCursor) { G_MININT64, G_MININT64 };
  job->limit = limit;
  wg_pg_worker_run_async (self->worker, run_query, job, (GDestroyNotify) job_free, cancellable, callback, user_data,
                          wg_pg_track_query_page_async);
}

GPtrArray *
wg_pg_track_query_page_finish (WgPgTrack      *self,
                               GAsyncResult   *result,
                               WgTrackCursor  *out_next,
                               gboolean       *out_more,
                               GError        **error)
{
  Page *page;
  GPtrArray *points;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  page = g_task_propagate_pointer (G_TASK (result), error);
  if (page == NULL)
    return NULL;
  if (out_next != NULL)
    *out_next = page->next;
  if (out_more != NULL)
    *out_more = page->more;
  points = g_steal_pointer (&page->points);
  page_free (page);
  return points;
}

void
wg_pg_track_latest_async (WgPgTrack           *self,
                          const char          *unit,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  Job *job;

  g_return_if_fail (self != NULL);

  job = g_new0 (Job, 1);
  job->unit = g_strdup (unit);
  wg_pg_worker_run_async (self->worker, run_latest, job, (GDestroyNotify) job_free, cancellable, callback, user_data,
                          wg_pg_track_latest_async);
}

GPtrArray *
wg_pg_track_latest_finish (WgPgTrack     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wg_pg_track_purge_async (WgPgTrack           *self,
                         gint64               now_ms,
                         GPtrArray           *spans,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  Job *job;

  g_return_if_fail (self != NULL);

  job = g_new0 (Job, 1);
  job->now_ms = now_ms;
  job->spans = spans != NULL ? g_ptr_array_ref (spans) : NULL;
  wg_pg_worker_run_async (self->worker, run_purge, job, (GDestroyNotify) job_free, cancellable, callback, user_data,
                          wg_pg_track_purge_async);
}

gboolean
wg_pg_track_purge_finish (WgPgTrack     *self,
                          GAsyncResult  *result,
                          guint         *out_deleted,
                          GError       **error)
{
  GError *local_error = NULL;
  gssize deleted;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  deleted = g_task_propagate_int (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (out_deleted != NULL)
    *out_deleted = (guint) deleted;
  return TRUE;
}

void
wg_pg_track_changes_async (WgPgTrack           *self,
                           gint64               after,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  Job *job;

  g_return_if_fail (self != NULL);

  job = g_new0 (Job, 1);
  job->from_ms = after;
  wg_pg_worker_run_async (self->worker, run_changes, job, (GDestroyNotify) job_free, cancellable, callback, user_data,
                          wg_pg_track_changes_async);
}

GPtrArray *
wg_pg_track_changes_finish (WgPgTrack     *self,
                            GAsyncResult  *result,
                            gint64        *out_next,
                            GError       **error)
{
  WgTrackCursor next = { -1, -1 };
  GPtrArray *points = wg_pg_track_query_page_finish (self, result, &next, NULL, error);

  if (points != NULL && out_next != NULL)
    *out_next = next.id;
  return points;
}

/* Points a statement at most while publishing local tracks. */
#define PUBLISH_PAGE 20000

gboolean
wg_pg_track_publish_local (PGconn        *conn,
                           WgTrackStore  *local,
                           GError       **error)
{
  g_autoptr(GPtrArray) latest = NULL;
  g_autoptr(GHashTable) last_kept = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) wg_track_point_free);
  WgTrackCursor after = { -1, -1 };
  gboolean more = TRUE;
  Arrays arrays;

  g_return_val_if_fail (conn != NULL && local != NULL, FALSE);

  for (gboolean first = TRUE; more; first = FALSE)
    {
      g_autoptr(GPtrArray) page = wg_track_store_query_page (local, NULL, G_MININT64, G_MAXINT64,
                                                             first ? NULL : &after, PUBLISH_PAGE, &after, &more,
                                                             error);
      g_autoptr(PGresult) inserted = NULL;

      if (page == NULL)
        return FALSE;
      if (page->len == 0)
        break;
      arrays_init (&arrays, 5);
      for (guint i = 0; i < page->len; i++)
        {
          WgTrackPoint *point = g_ptr_array_index (page, i);

          wg_pg_array_append_text (arrays.columns[0], point->unit);
          arrays_add_point (&arrays, 1, point);
          /* In time order: the last one seen is the unit's last kept. */
          point = wg_track_point_copy (point);
          g_hash_table_replace (last_kept, point->unit, point);
        }
      inserted = run_arrays (conn, "publishing positions", INSERT_POSITIONS, &arrays, PGRES_COMMAND_OK, error);
      arrays_clear (&arrays);
      if (inserted == NULL)
        return FALSE;
    }

  latest = wg_track_store_dup_latest (local);
  if (latest->len > 0)
    {
      g_autoptr(PGresult) upserted = NULL;

      arrays_init (&arrays, 9);
      for (guint i = 0; i < latest->len; i++)
        {
          WgTrackPoint *point = g_ptr_array_index (latest, i);

          wg_pg_array_append_text (arrays.columns[0], point->unit);
          arrays_add_point (&arrays, 1, point);
          arrays_add_point (&arrays, 5, g_hash_table_lookup (last_kept, point->unit));
        }
      upserted = run_arrays (conn, "publishing the latest positions", UPSERT_LATEST, &arrays, PGRES_COMMAND_OK,
                             error);
      arrays_clear (&arrays);
      if (upserted == NULL)
        return FALSE;
    }
  return TRUE;
}
