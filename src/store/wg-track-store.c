/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The position track: where units were, for replay, and where they are now.
 *
 * It lives in its own SQLite file (positions.db), apart from the journal, so
 * that 20,000 units reporting at 1 Hz never wait behind, nor delay, a journal
 * commit.  It runs with synchronous=NORMAL in WAL mode: a power cut may lose
 * the last few hundred milliseconds of positions, which the units report
 * again a second later anyway; the journal, whose 2xx promises durability,
 * keeps synchronous=FULL.  NORMAL is also ~14x faster per commit here.
 *
 * Not every report is kept: a point per unit when keep_interval_ms passed
 * since the last kept one, or it moved keep_distance_m, or its status changed
 * (protocol.md: every 15 s or 25 m, whichever first).  The latest report of
 * each unit is kept apart, in memory and in a table, whatever the policy.
 */
#define G_LOG_DOMAIN "wg-track-store"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "wg-track-store.h"

typedef struct
{
  WgTrackPoint *latest;
  gboolean      has_kept;
  gint64        kept_ts;
  double        kept_lat;
  double        kept_lon;
  char         *kept_status;
} UnitState;

enum {
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_INSERT_TRACK,
  STMT_UPSERT_LATEST,
  STMT_QUERY_ALL,
  STMT_QUERY_UNIT,
  STMT_PURGE_TRACK,
  STMT_PURGE_LATEST,
  STMT_KEEP_SPAN,
  STMT_COUNT,
  N_STMTS
};

static const char *stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_INSERT_TRACK] = "INSERT INTO track (unit, ts, lat, lon, status) VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_UPSERT_LATEST] = "INSERT INTO latest (unit, ts, lat, lon, status) VALUES (?1, ?2, ?3, ?4, ?5) "
                         "ON CONFLICT (unit) DO UPDATE SET ts = excluded.ts, lat = excluded.lat, "
                         "lon = excluded.lon, status = excluded.status",
  /* (ts, id) is the order of the track_ts index (id is the rowid): a page
   * goes on after the last row of the one before, never from a timestamp
   * that many points may share. */
  [STMT_QUERY_ALL] = "SELECT unit, ts, lat, lon, status, id FROM track"
                     " WHERE ts >= ?1 AND ts < ?2 AND (ts, id) > (?5, ?6) ORDER BY ts, id LIMIT ?3",
  [STMT_QUERY_UNIT] = "SELECT unit, ts, lat, lon, status, id FROM track"
                      " WHERE unit = ?4 AND ts >= ?1 AND ts < ?2 AND (ts, id) > (?5, ?6) ORDER BY ts, id LIMIT ?3",
  /* Points of a unit while it was assigned to an incident stay as long as
   * the journal: replay and reviews show how the forces moved. */
  [STMT_PURGE_TRACK] = "DELETE FROM track WHERE id IN (SELECT id FROM track t WHERE ts < ?1"
                       " AND NOT EXISTS (SELECT 1 FROM kept k WHERE k.unit = t.unit"
                       " AND t.ts >= k.from_ts AND t.ts <= k.to_ts) LIMIT ?2)",
  [STMT_KEEP_SPAN] = "INSERT INTO kept (unit, from_ts, to_ts) VALUES (?1, ?2, ?3)"
                     " ON CONFLICT (unit, from_ts) DO UPDATE SET to_ts = max (to_ts, excluded.to_ts)",
  [STMT_PURGE_LATEST] = "DELETE FROM latest WHERE ts < ?1 RETURNING unit",
  [STMT_COUNT] = "SELECT count(*) FROM track",
};

struct _WgTrackStore
{
  sqlite3       *db;
  sqlite3_stmt  *stmts[N_STMTS];
  WgTrackPolicy  policy;
  GHashTable    *units;   /* unit id -> UnitState */
  gboolean       in_transaction;
  guint64        latest_changes;  /* wg_track_store_get_latest_changes() */
};

G_DEFINE_QUARK (wg-track-store-error-quark, wg_track_store_error)

static void
unit_state_free (gpointer data)
{
  UnitState *state = data;

  g_clear_pointer (&state->latest, wg_track_point_free);
  g_free (state->kept_status);
  g_free (state);
}

void
wg_track_policy_init_default (WgTrackPolicy *policy)
{
  g_return_if_fail (policy != NULL);

  policy->keep_interval_ms = WG_TRACK_POLICY_DEFAULT_INTERVAL_MS;
  policy->keep_distance_m = WG_TRACK_POLICY_DEFAULT_DISTANCE_M;
  policy->retention_ms = WG_TRACK_POLICY_DEFAULT_RETENTION_MS;
}

WgTrackPoint *
wg_track_point_new (const char *unit,
                    gint64      ts,
                    double      lat,
                    double      lon,
                    const char *status)
{
  WgTrackPoint *point;

  g_return_val_if_fail (unit != NULL, NULL);

  point = g_new0 (WgTrackPoint, 1);
  point->unit = g_strdup (unit);
  point->ts = ts;
  point->lat = lat;
  point->lon = lon;
  point->status = g_strdup (status);
  return point;
}

WgTrackPoint *
wg_track_point_copy (const WgTrackPoint *point)
{
  g_return_val_if_fail (point != NULL, NULL);

  return wg_track_point_new (point->unit, point->ts, point->lat, point->lon, point->status);
}

void
wg_track_point_free (WgTrackPoint *point)
{
  if (point == NULL)
    return;
  g_free (point->unit);
  g_free (point->status);
  g_free (point);
}

/* Great-circle distance (haversine, mean Earth radius): metres matter here,
 * not millimetres. */
double
wg_track_distance_m (double lat1,
                     double lon1,
                     double lat2,
                     double lon2)
{
  const double r = 6371008.8;
  double p1 = lat1 * G_PI / 180.0;
  double p2 = lat2 * G_PI / 180.0;
  double dp = (lat2 - lat1) * G_PI / 180.0;
  double dl = (lon2 - lon1) * G_PI / 180.0;
  double a = sin (dp / 2) * sin (dp / 2) + cos (p1) * cos (p2) * sin (dl / 2) * sin (dl / 2);

  return 2 * r * atan2 (sqrt (a), sqrt (1 - a));
}

static gboolean
set_sql_error (WgTrackStore  *self,
               GError       **error,
               const char    *what)
{
  g_set_error (error, WG_TRACK_STORE_ERROR, WG_TRACK_STORE_ERROR_SQL,
               "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static sqlite3_stmt *
get_stmt (WgTrackStore *self,
          guint         which)
{
  sqlite3_stmt *stmt = self->stmts[which];

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return stmt;
}

static gboolean
exec_simple (WgTrackStore  *self,
             guint          which,
             GError       **error)
{
  sqlite3_stmt *stmt = get_stmt (self, which);
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return set_sql_error (self, error, stmt_sql[which]);
  return TRUE;
}

static UnitState *
ensure_unit (WgTrackStore *self,
             const char   *unit)
{
  UnitState *state = g_hash_table_lookup (self->units, unit);

  if (state == NULL)
    {
      state = g_new0 (UnitState, 1);
      g_hash_table_insert (self->units, g_strdup (unit), state);
    }
  return state;
}

static WgTrackPoint *
point_from_row (sqlite3_stmt *stmt)
{
  return wg_track_point_new ((const char *) sqlite3_column_text (stmt, 0),
                             sqlite3_column_int64 (stmt, 1),
                             sqlite3_column_double (stmt, 2),
                             sqlite3_column_double (stmt, 3),
                             (const char *) sqlite3_column_text (stmt, 4));
}

/* Rebuilds the in-memory state from the tables: at open, and after a
 * rollback (the memory ran ahead of what was committed). */
static gboolean
load_state (WgTrackStore  *self,
            GError       **error)
{
  static const char *latest_sql = "SELECT unit, ts, lat, lon, status FROM latest";
  /* SQLite takes the bare columns from the row holding max(ts). */
  static const char *kept_sql = "SELECT unit, max(ts), lat, lon, status FROM track GROUP BY unit";
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_hash_table_remove_all (self->units);
  self->latest_changes++;

  if (sqlite3_prepare_v2 (self->db, latest_sql, -1, &stmt, NULL) != SQLITE_OK)
    return set_sql_error (self, error, latest_sql);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgTrackPoint *point = point_from_row (stmt);
      UnitState *state = ensure_unit (self, point->unit);

      state->latest = point;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_sql_error (self, error, latest_sql);

  if (sqlite3_prepare_v2 (self->db, kept_sql, -1, &stmt, NULL) != SQLITE_OK)
    return set_sql_error (self, error, kept_sql);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      UnitState *state = ensure_unit (self, (const char *) sqlite3_column_text (stmt, 0));

      state->has_kept = TRUE;
      state->kept_ts = sqlite3_column_int64 (stmt, 1);
      state->kept_lat = sqlite3_column_double (stmt, 2);
      state->kept_lon = sqlite3_column_double (stmt, 3);
      g_free (state->kept_status);
      state->kept_status = g_strdup ((const char *) sqlite3_column_text (stmt, 4));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_sql_error (self, error, kept_sql);

  return TRUE;
}

WgTrackStore *
wg_track_store_open (const char           *path,
                     const WgTrackPolicy  *policy,
                     GError              **error)
{
  static const char *schema =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA foreign_keys = ON;"
    "CREATE TABLE IF NOT EXISTS track ("
    "  id INTEGER PRIMARY KEY,"
    "  unit TEXT NOT NULL,"
    "  ts INTEGER NOT NULL,"
    "  lat REAL NOT NULL,"
    "  lon REAL NOT NULL,"
    "  status TEXT);"
    "CREATE INDEX IF NOT EXISTS track_unit_ts ON track (unit, ts);"
    "CREATE INDEX IF NOT EXISTS track_ts ON track (ts);"
    "CREATE TABLE IF NOT EXISTS kept ("
    "  unit TEXT NOT NULL,"
    "  from_ts INTEGER NOT NULL,"
    "  to_ts INTEGER NOT NULL,"
    "  PRIMARY KEY (unit, from_ts)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS latest ("
    "  unit TEXT PRIMARY KEY,"
    "  ts INTEGER NOT NULL,"
    "  lat REAL NOT NULL,"
    "  lon REAL NOT NULL,"
    "  status TEXT) WITHOUT ROWID;"
    "PRAGMA user_version = 1;";
  g_autoptr(WgTrackStore) self = NULL;
  char *errmsg = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (WgTrackStore, 1);
  self->units = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, unit_state_free);
  if (policy != NULL)
    self->policy = *policy;
  else
    wg_track_policy_init_default (&self->policy);

  if (sqlite3_open_v2 (path, &self->db,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_TRACK_STORE_ERROR, WG_TRACK_STORE_ERROR_OPEN,
                   _("Cannot open the position store “%s”: %s"), path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);

  if (sqlite3_exec (self->db, schema, NULL, NULL, &errmsg) != SQLITE_OK)
    {
      g_set_error (error, WG_TRACK_STORE_ERROR, WG_TRACK_STORE_ERROR_OPEN,
                   _("Cannot set up the position store “%s”: %s"), path, errmsg);
      sqlite3_free (errmsg);
      return NULL;
    }

  for (guint i = 0; i < N_STMTS; i++)
    {
      if (sqlite3_prepare_v3 (self->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                              &self->stmts[i], NULL) != SQLITE_OK)
        {
          set_sql_error (self, error, stmt_sql[i]);
          return NULL;
        }
    }

  if (!load_state (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

void
wg_track_store_free (WgTrackStore *self)
{
  if (self == NULL)
    return;

  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_clear_pointer (&self->units, g_hash_table_unref);
  g_free (self);
}

const WgTrackPolicy *
wg_track_store_get_policy (WgTrackStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->policy;
}

gboolean
wg_track_store_begin (WgTrackStore  *self,
                      GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->in_transaction)
    {
      g_set_error_literal (error, WG_TRACK_STORE_ERROR, WG_TRACK_STORE_ERROR_STATE,
                           "a transaction is already open");
      return FALSE;
    }
  if (!exec_simple (self, STMT_BEGIN, error))
    return FALSE;
  self->in_transaction = TRUE;
  return TRUE;
}

gboolean
wg_track_store_commit (WgTrackStore  *self,
                       GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (self->in_transaction, FALSE);

  if (!exec_simple (self, STMT_COMMIT, error))
    {
      wg_track_store_rollback (self);
      return FALSE;
    }
  self->in_transaction = FALSE;
  return TRUE;
}

void
wg_track_store_rollback (WgTrackStore *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self != NULL);

  if (!self->in_transaction)
    return;
  self->in_transaction = FALSE;
  if (sqlite3_get_autocommit (self->db) == 0)
    exec_simple (self, STMT_ROLLBACK, NULL);
  if (!load_state (self, &error))
    g_critical ("Cannot reload the position state after a rollback: %s", error->message);
}

gboolean
wg_track_policy_keeps (const WgTrackPolicy *policy,
                       const WgTrackPoint  *last_kept,
                       const WgTrackPoint  *point)
{
  if (last_kept == NULL)
    return TRUE;
  /* Late or repeated reports never rewrite the track behind its end. */
  if (point->ts <= last_kept->ts)
    return FALSE;
  if (point->ts - last_kept->ts >= policy->keep_interval_ms)
    return TRUE;
  if (wg_track_distance_m (last_kept->lat, last_kept->lon, point->lat, point->lon) >= policy->keep_distance_m)
    return TRUE;
  return g_strcmp0 (last_kept->status, point->status) != 0;
}

static gboolean
should_keep (const WgTrackPolicy *policy,
             const UnitState     *state,
             const WgTrackPoint  *point)
{
  WgTrackPoint last_kept = { NULL, state->kept_ts, state->kept_lat, state->kept_lon, state->kept_status };

  return wg_track_policy_keeps (policy, state->has_kept ? &last_kept : NULL, point);
}

static void
bind_point (sqlite3_stmt       *stmt,
            const WgTrackPoint *point)
{
  sqlite3_bind_text (stmt, 1, point->unit, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, point->ts);
  sqlite3_bind_double (stmt, 3, point->lat);
  sqlite3_bind_double (stmt, 4, point->lon);
  if (point->status != NULL)
    sqlite3_bind_text (stmt, 5, point->status, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 5);
}

/* Must run inside wg_track_store_begin()/commit(): on failure the caller
 * rolls back, which also restores the in-memory state. */
gboolean
wg_track_store_add (WgTrackStore       *self,
                    const WgTrackPoint *point,
                    gboolean           *out_latest,
                    gboolean           *out_kept,
                    GError            **error)
{
  UnitState *state;
  gboolean latest = FALSE;
  gboolean kept = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (point != NULL && point->unit != NULL, FALSE);

  if (!self->in_transaction)
    {
      g_set_error_literal (error, WG_TRACK_STORE_ERROR, WG_TRACK_STORE_ERROR_STATE,
                           "wg_track_store_add() needs an open transaction");
      return FALSE;
    }

  state = ensure_unit (self, point->unit);

  if (state->latest == NULL || point->ts > state->latest->ts)
    {
      sqlite3_stmt *stmt = get_stmt (self, STMT_UPSERT_LATEST);

      bind_point (stmt, point);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        return set_sql_error (self, error, "upsert latest position");
      g_clear_pointer (&state->latest, wg_track_point_free);
      state->latest = wg_track_point_copy (point);
      self->latest_changes++;
      latest = TRUE;
    }

  if (should_keep (&self->policy, state, point))
    {
      sqlite3_stmt *stmt = get_stmt (self, STMT_INSERT_TRACK);

      bind_point (stmt, point);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        return set_sql_error (self, error, "insert track point");
      state->has_kept = TRUE;
      state->kept_ts = point->ts;
      state->kept_lat = point->lat;
      state->kept_lon = point->lon;
      g_free (state->kept_status);
      state->kept_status = g_strdup (point->status);
      kept = TRUE;
    }

  if (out_latest != NULL)
    *out_latest = latest;
  if (out_kept != NULL)
    *out_kept = kept;
  return TRUE;
}

/* Adds @points (WgTrackPoint*) in one transaction of its own. */
gboolean
wg_track_store_add_batch (WgTrackStore  *self,
                          GPtrArray     *points,
                          guint         *out_kept,
                          GError       **error)
{
  guint kept_count = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (points != NULL, FALSE);

  if (!wg_track_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < points->len; i++)
    {
      gboolean kept = FALSE;

      if (!wg_track_store_add (self, g_ptr_array_index (points, i), NULL, &kept, error))
        {
          wg_track_store_rollback (self);
          return FALSE;
        }
      kept_count += kept;
    }
  if (!wg_track_store_commit (self, error))
    return FALSE;
  if (out_kept != NULL)
    *out_kept = kept_count;
  return TRUE;
}

static int
compare_points_by_unit (gconstpointer a,
                        gconstpointer b)
{
  const WgTrackPoint *pa = *(const WgTrackPoint * const *) a;
  const WgTrackPoint *pb = *(const WgTrackPoint * const *) b;

  return strcmp (pa->unit, pb->unit);
}

/* Returns: (transfer full) (element-type WgTrackPoint): the latest point of
 * every unit, sorted by unit id. */
GPtrArray *
wg_track_store_dup_latest (WgTrackStore *self)
{
  GPtrArray *result;
  GHashTableIter iter;
  UnitState *state;

  g_return_val_if_fail (self != NULL, NULL);

  result = g_ptr_array_new_full (g_hash_table_size (self->units), (GDestroyNotify) wg_track_point_free);
  g_hash_table_iter_init (&iter, self->units);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &state))
    if (state->latest != NULL)
      g_ptr_array_add (result, wg_track_point_copy (state->latest));
  g_ptr_array_sort (result, compare_points_by_unit);
  return result;
}

/* A unit's latest position when the track is kept elsewhere (PostgreSQL,
 * wg-pg-track.h): in memory only, for the snapshot; a later one only. */
void
wg_track_store_note_latest (WgTrackStore       *self,
                            const WgTrackPoint *point)
{
  UnitState *state;

  g_return_if_fail (self != NULL);
  g_return_if_fail (point != NULL && point->unit != NULL);

  state = ensure_unit (self, point->unit);
  if (state->latest != NULL && point->ts <= state->latest->ts)
    return;
  g_clear_pointer (&state->latest, wg_track_point_free);
  state->latest = wg_track_point_copy (point);
  self->latest_changes++;
}

/* Counts the changes of any unit's latest position: what was built from
 * them (a snapshot) is current while the count stays. */
guint64
wg_track_store_get_latest_changes (WgTrackStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->latest_changes;
}

const WgTrackPoint *
wg_track_store_lookup_latest (WgTrackStore *self,
                              const char   *unit)
{
  UnitState *state;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (unit != NULL, NULL);

  state = g_hash_table_lookup (self->units, unit);
  return state != NULL ? state->latest : NULL;
}

/* Kept points with from_ms <= ts < to_ms, of one unit or of all when @unit
 * is NULL, in time order; at most @limit, *out_truncated says if more. */
GPtrArray *
wg_track_store_query_page (WgTrackStore       *self,
                           const char         *unit,
                           gint64              from_ms,
                           gint64              to_ms,
                           const WgTrackCursor *after,
                           guint               limit,
                           WgTrackCursor      *out_next,
                           gboolean           *out_more,
                           GError            **error)
{
  g_autoptr(GPtrArray) result = NULL;
  sqlite3_stmt *stmt;
  WgTrackCursor last = { -1, -1 };
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (limit > 0, NULL);

  stmt = get_stmt (self, unit != NULL ? STMT_QUERY_UNIT : STMT_QUERY_ALL);
  sqlite3_bind_int64 (stmt, 1, from_ms);
  sqlite3_bind_int64 (stmt, 2, to_ms);
  sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
  if (unit != NULL)
    sqlite3_bind_text (stmt, 4, unit, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, after != NULL ? after->ts : G_MININT64);
  sqlite3_bind_int64 (stmt, 6, after != NULL ? after->id : G_MININT64);

  result = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (result->len == limit)
        break;     /* the one row past the page: there is more */
      g_ptr_array_add (result, point_from_row (stmt));
      last.ts = sqlite3_column_int64 (stmt, 1);
      last.id = sqlite3_column_int64 (stmt, 5);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      set_sql_error (self, error, "query track");
      return NULL;
    }
  if (out_more != NULL)
    *out_more = rc == SQLITE_ROW;
  if (out_next != NULL)
    *out_next = last;
  return g_steal_pointer (&result);
}

GPtrArray *
wg_track_store_query (WgTrackStore  *self,
                      const char    *unit,
                      gint64         from_ms,
                      gint64         to_ms,
                      guint          limit,
                      gboolean      *out_truncated,
                      GError       **error)
{
  return wg_track_store_query_page (self, unit, from_ms, to_ms, NULL, limit, NULL, out_truncated, error);
}

gboolean
wg_track_store_keep_spans (WgTrackStore  *self,
                           GPtrArray     *spans,
                           GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (!wg_track_store_begin (self, error))
    return FALSE;
  for (guint i = 0; i < spans->len; i++)
    {
      const WgTrackSpan *span = spans->pdata[i];
      sqlite3_stmt *stmt = get_stmt (self, STMT_KEEP_SPAN);

      sqlite3_bind_text (stmt, 1, span->unit, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, span->from_ms);
      sqlite3_bind_int64 (stmt, 3, span->to_ms);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          set_sql_error (self, error, "keep span");
          wg_track_store_rollback (self);
          return FALSE;
        }
    }
  return wg_track_store_commit (self, error);
}

/* Drops up to @max_rows points older than the retention (0: no bound),
 * and the units silent for as long; *out_more says whether old points
 * remain.  Bounded steps keep the main loop responsive: a day of 20,000
 * units at one point per 15 s is over 100 million rows. */
gboolean
wg_track_store_purge (WgTrackStore  *self,
                      gint64         now_ms,
                      guint          max_rows,
                      guint         *out_deleted,
                      gboolean      *out_more,
                      GError       **error)
{
  gint64 cutoff;
  sqlite3_stmt *stmt;
  guint deleted;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_transaction, FALSE);

  cutoff = now_ms - self->policy.retention_ms;
  if (!wg_track_store_begin (self, error))
    return FALSE;

  stmt = get_stmt (self, STMT_PURGE_TRACK);
  sqlite3_bind_int64 (stmt, 1, cutoff);
  sqlite3_bind_int64 (stmt, 2, max_rows > 0 ? (gint64) max_rows : -1);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sql_error (self, error, "purge track");
      wg_track_store_rollback (self);
      return FALSE;
    }
  deleted = sqlite3_changes (self->db);

  stmt = get_stmt (self, STMT_PURGE_LATEST);
  sqlite3_bind_int64 (stmt, 1, cutoff);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_remove (self->units, (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sql_error (self, error, "purge latest");
      wg_track_store_rollback (self);
      return FALSE;
    }

  if (!wg_track_store_commit (self, error))
    return FALSE;

  if (out_deleted != NULL)
    *out_deleted = deleted;
  if (out_more != NULL)
    *out_more = max_rows > 0 && deleted == max_rows;
  return TRUE;
}

gint64
wg_track_store_count (WgTrackStore  *self,
                      GError       **error)
{
  sqlite3_stmt *stmt;
  gint64 count;

  g_return_val_if_fail (self != NULL, -1);

  stmt = get_stmt (self, STMT_COUNT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      set_sql_error (self, error, "count track");
      sqlite3_reset (stmt);
      return -1;
    }
  count = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return count;
}

void
wg_track_span_free (WgTrackSpan *span)
{
  if (span == NULL)
    return;
  g_free (span->unit);
  g_free (span);
}
