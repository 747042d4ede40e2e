/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A replay session keeps one scratch state for its whole life and moves it:
 * forward by projecting the events in between; backward (or far forward)
 * from the best of three starts, counted in events it saves: the state as
 * it is, an image the session took of its own state earlier (a copy of the
 * database's bytes), or the source's last full checkpoint (a copy of its
 * rows); each start then goes on through the source's delta checkpoints
 * after it (wg-store-delta.h: the rows changed, a copy of a few hundred
 * rows per delta) when that saves projecting events.  The source is
 * ATTACHed to the state's connection, so one statement reads the source
 * and the projection writes the state.
 *
 * Why (bench-seek, bench/README.md): before sessions each seek made a new
 * database file, copied the checkpoint's rows into it and projected up to
 * 10,000 events (the source's checkpoints are that far apart and each is
 * a full copy, so denser ones cost the server's append path and its disk).
 * Copying rows costs about as much as projecting one event per 20 rows,
 * copying an image's bytes almost nothing, and projecting an event some
 * 25 to 50 us: so the session keeps images every IMAGE_EVERY events in
 * memory, sharing the pages that did not change, and a seek back projects
 * at most IMAGE_EVERY events once the session has passed that way.  The
 * state lives in memory (no file, no WAL), without foreign keys (a derived
 * copy: a DELETE without WHERE then truncates a table at once instead of
 * checking every child row).  A cold seek, far from any image, used to
 * project up to 10,000 events from the source's checkpoint (the p95 of
 * bench-seek); the source now keeps a delta checkpoint every 250 events,
 * so a cold seek copies the rows of the deltas in between and projects
 * fewer than 250 events.
 */
#define G_LOG_DOMAIN "wg-replay"

#include "config.h"

#include <string.h>

#include "wg-error.h"
#include "wg-replay-session.h"
#include "wg-store-delta.h"

/* Images of the state's database (sqlite3_serialize) are cut into
 * chunks of IMAGE_CHUNK bytes; a chunk equal to the one at the same offset
 * of the nearest image is shared, not copied.  Between two images 1,000
 * events apart half to three quarters of the pages are the same (closed
 * incidents do not change), so an image costs a fraction of its size. */
#define IMAGE_CHUNK 4096

typedef struct
{
  gint          ref;
  gsize         len;
  unsigned char data[];
} Chunk;

/* A copy of the state's database at seq. */
typedef struct
{
  gint64         seq;
  gint64         seq_ts;
  sqlite3_int64  size;
  guint          n_chunks;
  Chunk        **chunks;
} Image;

/* An image of the state is kept for every IMAGE_EVERY events the session
 * projects through, up to IMAGE_BYTES_MAX of chunks (then those closest
 * to their neighbours go first, so that the rest stay evenly spread):
 * seeking back to a moment near one already passed copies the image's
 * bytes and projects fewer than IMAGE_EVERY events. */
#define IMAGE_EVERY 500
#define IMAGE_BYTES_MAX ((gsize) 128 * 1024 * 1024)

struct _WgReplaySession
{
  WgStore *state;
  /* "a, b, c" per projection table (in _wg_projection_tables' order): the
   * checkpoint copies' column order may differ from the tables'. */
  GPtrArray *columns;
  gint64   time;
  gint64   seq;
  /* ts of the event at seq: a later moment needs only the events after
   * seq (ts never goes back along the journal). */
  gint64   seq_ts;
  /* The state holds nothing yet, not even the units. */
  gboolean empty;
  GPtrArray *images;    /* Image*, by seq */
  gsize    image_bytes; /* of their chunks, each counted once */
  /* Per projection table: the statements applying a delta (?1: its seq),
   * its tombstones first. */
  sqlite3_stmt **delta_deletes;
  sqlite3_stmt **delta_inserts;
  sqlite3_stmt *delta_tombstones;
  /* Seqs of the delta checkpoints found damaged (gint64*): seeks go
   * through none of them. */
  GHashTable *bad_deltas;
};

/* A checkpoint of the source: a full copy of rows (full), the delta from
 * the checkpoint at base (0: none) of delta_rows, or both. */
typedef struct
{
  gint64   seq;
  gint64   ts;
  gint64   rows;
  gboolean full;
  gint64   base;
  gint64   delta_rows;
} Checkpoint;

/* Restoring a checkpoint copies about this many rows in the time it takes
 * to project one event (bench-seek, in-memory state: a delta of 440 rows
 * in 1.1 ms, an event in 30 to 40 us). */
#define ROWS_PER_EVENT 12

static char *
column_list (sqlite3     *db,
             const char  *table,
             GError     **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA main.table_info (%s)", table);
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (db));
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (out->len > 0)
        g_string_append (out, ", ");
      g_string_append (out, (const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (db));
      return NULL;
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static sqlite3_stmt *
prepare (sqlite3     *db,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v3 (db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "replay: %s", sqlite3_errmsg (db));
      return NULL;
    }
  return stmt;
}

static gboolean
prepare_delta_statements (WgReplaySession  *self,
                          GError          **error)
{
  sqlite3 *db = wg_store_get_sqlite (self->state);
  guint n = self->columns->len;

  self->delta_deletes = g_new0 (sqlite3_stmt *, n);
  self->delta_inserts = g_new0 (sqlite3_stmt *, n);
  for (guint i = 0; i < n; i++)
    {
      const char *table = _wg_projection_tables[i];
      const char *keys = _wg_store_delta_keys[i];
      const char *columns = self->columns->pdata[i];
      g_autofree char *deletes = g_strdup_printf (
        "DELETE FROM main.%s WHERE (%s) IN (SELECT %s FROM src.cp_deleted WHERE cp = ?1 AND tbl = '%s')",
        table, keys, strchr (keys, ',') != NULL ? "k1, k2" : "k1", table);
      g_autofree char *inserts = g_strdup_printf (
        "INSERT OR REPLACE INTO main.%s (%s) SELECT %s FROM src.cp_%s WHERE cp = ?1",
        table, columns, columns, table);

      self->delta_deletes[i] = prepare (db, deletes, error);
      if (self->delta_deletes[i] == NULL)
        return FALSE;
      self->delta_inserts[i] = prepare (db, inserts, error);
      if (self->delta_inserts[i] == NULL)
        return FALSE;
    }
  self->delta_tombstones = prepare (db, "SELECT count(*) FROM src.cp_deleted WHERE cp = ?1", error);
  return self->delta_tombstones != NULL;
}

WgReplaySession *
wg_replay_session_new (WgStore  *source,
                       GError  **error)
{
  g_autoptr(WgReplaySession) self = g_new0 (WgReplaySession, 1);
  char *attach_sql;
  gboolean ok;

  g_return_val_if_fail (source != NULL, NULL);

  self->time = G_MININT64;
  self->seq_ts = G_MININT64;
  self->empty = TRUE;
  self->bad_deltas = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->images = g_ptr_array_new ();
  self->state = wg_store_open (":memory:", error);
  if (self->state == NULL)
    return NULL;
  wg_store_set_rules (self->state, wg_store_get_rules (source));
  wg_store_set_checkpoint_interval (self->state, 0);
  if (!_wg_store_exec (self->state, "PRAGMA foreign_keys = OFF", error))
    return NULL;

  attach_sql = sqlite3_mprintf ("ATTACH %Q AS src", wg_store_get_path (source));
  ok = _wg_store_exec (self->state, attach_sql, error);
  sqlite3_free (attach_sql);
  /* Checkpoints are read again and again: keep their pages at hand. */
  if (!ok || !_wg_store_exec (self->state, "PRAGMA src.cache_size = -65536; PRAGMA src.mmap_size = 1073741824", error))
    return NULL;

  self->columns = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      char *columns = column_list (wg_store_get_sqlite (self->state), _wg_projection_tables[i], error);

      if (columns == NULL)
        return NULL;
      g_ptr_array_add (self->columns, columns);
    }
  if (!prepare_delta_statements (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
image_free (WgReplaySession *self,
            Image           *image)
{
  for (guint i = 0; i < image->n_chunks; i++)
    if (--image->chunks[i]->ref == 0)
      {
        self->image_bytes -= image->chunks[i]->len;
        g_free (image->chunks[i]);
      }
  g_free (image->chunks);
  g_free (image);
}

/* The image with the highest seq whose state is a prefix of the state at
 * @t_ms. */
static Image *
best_image (WgReplaySession *self,
            gint64           t_ms)
{
  Image *best = NULL;

  for (guint i = 0; i < self->images->len; i++)
    {
      Image *image = self->images->pdata[i];

      if (image->seq_ts <= t_ms)
        best = image;
    }
  return best;
}

/* Drops the image whose neighbours are closest to each other (never the
 * first or the last). */
static void
drop_an_image (WgReplaySession *self)
{
  guint victim = 1;
  gint64 narrowest = G_MAXINT64;

  for (guint i = 1; i + 1 < self->images->len; i++)
    {
      gint64 gap = ((Image *) self->images->pdata[i + 1])->seq - ((Image *) self->images->pdata[i - 1])->seq;

      if (gap < narrowest)
        {
          narrowest = gap;
          victim = i;
        }
    }
  image_free (self, g_ptr_array_steal_index (self->images, victim));
}

/* An image of the state at self->seq, unless its IMAGE_EVERY bucket has
 * one.  Out of memory, none is kept: images only save time. */
static void
take_image (WgReplaySession *self)
{
  unsigned char *data;
  sqlite3_int64 size = 0;
  Image *image, *near = NULL;
  guint at = 0;

  for (guint i = 0; i < self->images->len; i++)
    {
      Image *other = self->images->pdata[i];

      if (other->seq / IMAGE_EVERY == self->seq / IMAGE_EVERY)
        return;
      if (other->seq < self->seq)
        at = i + 1;
    }
  /* Chunks are compared with the image just before, else just after. */
  if (at > 0)
    near = self->images->pdata[at - 1];
  else if (self->images->len > 0)
    near = self->images->pdata[0];

  data = sqlite3_serialize (wg_store_get_sqlite (self->state), "main", &size, 0);
  if (data == NULL)
    return;
  image = g_new0 (Image, 1);
  image->seq = self->seq;
  image->seq_ts = self->seq_ts;
  image->size = size;
  image->n_chunks = (guint) ((size + IMAGE_CHUNK - 1) / IMAGE_CHUNK);
  image->chunks = g_new (Chunk *, image->n_chunks);
  for (guint i = 0; i < image->n_chunks; i++)
    {
      gsize len = MIN (IMAGE_CHUNK, (gsize) (size - (sqlite3_int64) i * IMAGE_CHUNK));
      const unsigned char *bytes = data + (gsize) i * IMAGE_CHUNK;
      Chunk *chunk = near != NULL && i < near->n_chunks ? near->chunks[i] : NULL;

      if (chunk != NULL && chunk->len == len && memcmp (chunk->data, bytes, len) == 0)
        chunk->ref++;
      else
        {
          chunk = g_malloc (sizeof (Chunk) + len);
          chunk->ref = 1;
          chunk->len = len;
          memcpy (chunk->data, bytes, len);
          self->image_bytes += len;
        }
      image->chunks[i] = chunk;
    }
  sqlite3_free (data);
  g_ptr_array_insert (self->images, (gint) at, image);
  while (self->image_bytes > IMAGE_BYTES_MAX && self->images->len > 2)
    drop_an_image (self);
}

/* Replaces the state's database by a copy of @image. */
static gboolean
restore_image (WgReplaySession  *self,
               Image            *image,
               GError          **error)
{
  sqlite3 *db = wg_store_get_sqlite (self->state);
  unsigned char *copy = sqlite3_malloc64 (image->size);
  int rc;

  if (copy == NULL)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "replay: out of memory");
      return FALSE;
    }
  for (guint i = 0; i < image->n_chunks; i++)
    memcpy (copy + (gsize) i * IMAGE_CHUNK, image->chunks[i]->data, image->chunks[i]->len);
  /* The state's statements are prepared again on their next use. */
  rc = sqlite3_deserialize (db, "main", copy, image->size, image->size,
                            SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "replay: %s", sqlite3_errstr (rc));
      return FALSE;
    }
  self->seq = image->seq;
  self->seq_ts = image->seq_ts;
  g_debug ("replay: image at seq %" G_GINT64_FORMAT " restored", image->seq);
  return TRUE;
}

/* Empties the state and fills it with checkpoint @cp of the source (0: no
 * checkpoint, units only), plus the units registered since. */
static gboolean
restore_checkpoint (WgReplaySession  *self,
                    gint64            cp,
                    GError          **error)
{
  /* Children first when deleting, parents first when inserting. */
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM main.%s", _wg_projection_tables[i]);

      if (!_wg_store_exec (self->state, sql, error))
        return FALSE;
    }
  for (guint i = self->columns->len; i-- > 0;)
    {
      const char *table = _wg_projection_tables[i];
      const char *columns = self->columns->pdata[i];
      g_autofree char *sql = NULL;

      if (cp > 0)
        sql = g_strdup_printf ("INSERT INTO main.%s (%s) SELECT %s FROM src.cp_%s WHERE cp = %" G_GINT64_FORMAT,
                               table, columns, columns, table, cp);
      else
        continue;
      if (!_wg_store_exec (self->state, sql, error))
        return FALSE;
    }
  return _wg_store_exec (self->state,
                         "INSERT OR IGNORE INTO main.units (id, type, name, home_grid, account)"
                         " SELECT id, type, name, home_grid, account FROM src.units", error);
}

/* Projects the source's events after self->seq with ts <= @t_ms, or up to
 * @until_seq when that comes first (*@done FALSE).  The
 * scan stops at the first later event (ts never goes back along the
 * journal; the ts index this would need otherwise costs every append). */
static gboolean
project_until (WgReplaySession  *self,
               gint64            t_ms,
               gint64            until_seq,
               gboolean         *done,
               GError          **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = _wg_store_stmt (self->state,
    "SELECT seq, ts, type, actor, role, command, subject, incident, exercise, body"
    " FROM src.journal WHERE seq > ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, self->seq);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && sqlite3_column_int64 (stmt, 1) <= t_ms)
    {
      g_autoptr(WgEvent) event = _wg_store_read_event_row (stmt, error);

      if (event == NULL || !_wg_projection_apply (self->state, event, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      self->seq = event->seq;
      self->seq_ts = event->ts;
      if (self->seq >= until_seq)
        break;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return _wg_store_set_error (self->state, error);
  *done = self->seq < until_seq;
  return TRUE;
}

/* Applies delta checkpoint @cp to the state, checking it holds the rows
 * it was written with; a damaged one is remembered (self->bad_deltas). */
static gboolean
apply_delta (WgReplaySession  *self,
             const Checkpoint *cp,
             GError          **error)
{
  sqlite3 *db = wg_store_get_sqlite (self->state);
  gint64 rows = 0;

  for (guint i = 0; i < self->columns->len; i++)
    {
      sqlite3_stmt *steps[] = { self->delta_deletes[i], self->delta_inserts[i] };

      for (guint s = 0; s < G_N_ELEMENTS (steps); s++)
        {
          int rc;

          sqlite3_bind_int64 (steps[s], 1, -cp->seq);
          rc = sqlite3_step (steps[s]);
          sqlite3_reset (steps[s]);
          if (rc != SQLITE_DONE)
            return _wg_store_set_error (self->state, error);
        }
      rows += sqlite3_changes (db);
    }
  sqlite3_bind_int64 (self->delta_tombstones, 1, -cp->seq);
  if (sqlite3_step (self->delta_tombstones) != SQLITE_ROW)
    {
      sqlite3_reset (self->delta_tombstones);
      return _wg_store_set_error (self->state, error);
    }
  rows += sqlite3_column_int64 (self->delta_tombstones, 0);
  sqlite3_reset (self->delta_tombstones);
  if (rows != cp->delta_rows)
    {
      g_hash_table_add (self->bad_deltas, g_memdup2 (&cp->seq, sizeof cp->seq));
      g_set_error (error, WG_ERROR, WG_ERROR_STORE,
                   "replay: the delta checkpoint at seq %" G_GINT64_FORMAT " holds %" G_GINT64_FORMAT
                   " rows instead of %" G_GINT64_FORMAT, cp->seq, rows, cp->delta_rows);
      return FALSE;
    }
  self->seq = cp->seq;
  self->seq_ts = cp->ts;
  return TRUE;
}

/* The source's checkpoints at or before @t_ms, by seq; *@chain_out: the
 * index of the first one of the unbroken chain of deltas that ends with
 * the last (each based on the one before; none in self->bad_deltas): a
 * state at or after that one's base goes on through
 * the deltas. */
static GArray *
read_checkpoints (WgReplaySession  *self,
                  gint64            t_ms,
                  guint            *chain_out,
                  GError          **error)
{
  g_autoptr(GArray) cps = g_array_new (FALSE, FALSE, sizeof (Checkpoint));
  sqlite3_stmt *stmt;
  guint chain;
  int rc;

  stmt = _wg_store_stmt (self->state,
    "SELECT seq, ts, rows, full, coalesce (base, 0), coalesce (delta_rows, 0) FROM src.checkpoints"
    " WHERE ts <= ?1 ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, t_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Checkpoint cp = {
        sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2),
        sqlite3_column_int (stmt, 3) != 0, sqlite3_column_int64 (stmt, 4), sqlite3_column_int64 (stmt, 5),
      };

      g_array_append_val (cps, cp);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self->state, error);
      return NULL;
    }
  for (chain = cps->len; chain > 0; chain--)
    {
      const Checkpoint *cp = &g_array_index (cps, Checkpoint, chain - 1);

      if (cp->base == 0 || g_hash_table_contains (self->bad_deltas, &cp->seq) ||
          (chain > 1 && cp->base != g_array_index (cps, Checkpoint, chain - 2).seq))
        break;
    }
  *chain_out = chain;
  return g_steal_pointer (&cps);
}

/* Which start costs least, counted in events projected: the current state
 * (free), the nearest image (a copy of its bytes) or the last full
 * checkpoint (a copy of its rows), each followed by the delta checkpoints
 * after it (a copy of their rows) when that saves projecting events.  An
 * image of about IMAGE_BYTES_PER_EVENT bytes costs as much as projecting
 * one event (bench-seek). */
#define IMAGE_BYTES_PER_EVENT 100000

typedef struct
{
  /* FROM_HERE, FROM_IMAGE or FROM_CHECKPOINT */
  int     from;
  /* The first delta to apply (an index in the checkpoints; their count:
   * none). */
  guint   first_delta;
  /* The seq it reaches less its cost. */
  gint64  value;
} Start;

enum { FROM_HERE, FROM_IMAGE, FROM_CHECKPOINT };

/* The best way on from a state at @seq costing @cost: the deltas of the
 * chain after it, or none. */
static void
consider (Start        *best,
          int           from,
          gint64        seq,
          gint64        cost,
          const GArray *cps,
          guint         chain)
{
  Start start = { from, cps->len, seq - cost };
  guint first = chain;
  gint64 rows = 0;

  /* A delta applies to a state between its base and its own seq. */
  while (first < cps->len && g_array_index (cps, Checkpoint, first).seq <= seq)
    first++;
  if (first < cps->len && g_array_index (cps, Checkpoint, first).base <= seq)
    {
      gint64 value;

      for (guint i = first; i < cps->len; i++)
        rows += g_array_index (cps, Checkpoint, i).delta_rows;
      value = g_array_index (cps, Checkpoint, cps->len - 1).seq - cost - rows / ROWS_PER_EVENT;
      if (value > start.value)
        {
          start.first_delta = first;
          start.value = value;
        }
    }
  if (start.value > best->value || (start.value == best->value && from == FROM_HERE))
    *best = start;
}

static gboolean
move_to (WgReplaySession  *self,
         gint64            t_ms,
         GCancellable     *cancellable,
         GError          **error)
{
  Image *image = best_image (self, t_ms);
  const Checkpoint *full = NULL;
  g_autoptr(GArray) cps = NULL;
  Start best = { FROM_CHECKPOINT, 0, 0 };
  sqlite3_stmt *stmt;
  gboolean done = FALSE;
  guint chain;

  cps = read_checkpoints (self, t_ms, &chain, error);
  if (cps == NULL)
    return FALSE;
  best.first_delta = cps->len;
  for (guint i = cps->len; i-- > 0 && full == NULL;)
    if (g_array_index (cps, Checkpoint, i).full)
      full = &g_array_index (cps, Checkpoint, i);
  if (full != NULL)
    {
      best.value = G_MININT64;
      consider (&best, FROM_CHECKPOINT, full->seq, full->rows / ROWS_PER_EVENT, cps, chain);
    }
  /* The current state is a valid start when no event after it is earlier
   * than t (ts never goes back along the journal); so is an image.  A
   * later start saves projecting the events up to it. */
  if (image != NULL)
    consider (&best, FROM_IMAGE, image->seq, (gint64) (image->size / IMAGE_BYTES_PER_EVENT), cps, chain);
  if (!self->empty && t_ms >= self->seq_ts)
    consider (&best, FROM_HERE, self->seq, 0, cps, chain);

  if (best.from == FROM_IMAGE && !restore_image (self, image, error))
    return FALSE;
  if (!_wg_store_exec (self->state, "BEGIN", error))
    return FALSE;
  if (best.from == FROM_CHECKPOINT)
    {
      if (!restore_checkpoint (self, full != NULL ? full->seq : 0, error))
        return FALSE;
      self->seq = full != NULL ? full->seq : 0;
      self->seq_ts = full != NULL ? full->ts : G_MININT64;
      g_debug ("replay: checkpoint at seq %" G_GINT64_FORMAT " restored", self->seq);
    }
  for (guint i = best.first_delta; i < cps->len; i++)
    if (!apply_delta (self, &g_array_index (cps, Checkpoint, i), error))
      return FALSE;
  /* The state at the last delta is imaged too: projecting from a delta
   * seldom ends a bucket of IMAGE_EVERY events. */
  if (best.first_delta < cps->len)
    {
      g_debug ("replay: %u deltas applied up to seq %" G_GINT64_FORMAT, cps->len - best.first_delta, self->seq);
      if (!_wg_store_exec (self->state, "COMMIT", error))
        return FALSE;
      take_image (self);
      if (!_wg_store_exec (self->state, "BEGIN", error))
        return FALSE;
    }
  /* In steps of IMAGE_EVERY events, each committed and imaged. */
  for (;;)
    {
      gint64 bucket_end = (self->seq / IMAGE_EVERY + 1) * IMAGE_EVERY;

      if (!project_until (self, t_ms, bucket_end, &done, error))
        return FALSE;
      stmt = _wg_store_stmt (self->state, "INSERT OR REPLACE INTO main.meta (key, value) VALUES ('projected_seq', ?1)", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, self->seq);
      if (!_wg_store_step_done (self->state, stmt, error) ||
          !_wg_store_exec (self->state, "COMMIT", error))
        return FALSE;
      if (done)
        return TRUE;
      take_image (self);
      /* Between two steps the state holds every event up to self->seq:
       * a seek given up (a newer one asked) stops here. */
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!_wg_store_exec (self->state, "BEGIN", error))
        return FALSE;
    }
}

static void
forget_state (WgReplaySession *self)
{
  if (wg_store_in_transaction (self->state))
    sqlite3_exec (wg_store_get_sqlite (self->state), "ROLLBACK", NULL, NULL, NULL);
  self->empty = TRUE;
  self->seq = 0;
  self->seq_ts = G_MININT64;
}

gboolean
wg_replay_session_seek (WgReplaySession  *self,
                        gint64            t_ms,
                        GCancellable     *cancellable,
                        GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!wg_store_in_transaction (self->state), FALSE);

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      guint bad_deltas = g_hash_table_size (self->bad_deltas);

      if (move_to (self, t_ms, cancellable, &local_error))
        break;
      /* Given up between two steps: the state is whole up to its seq,
       * a start for the next seek. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->empty = FALSE;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      forget_state (self);
      /* A damaged delta checkpoint only costs time: the events are the
       * truth, and the next try goes round it. */
      if (g_hash_table_size (self->bad_deltas) == bad_deltas)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_debug ("%s", local_error->message);
    }
  self->time = t_ms;
  self->empty = FALSE;
  return TRUE;
}

WgStore *
wg_replay_session_get_state (WgReplaySession *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->state;
}

gint64
wg_replay_session_get_time (WgReplaySession *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->time;
}

gint64
wg_replay_session_get_seq (WgReplaySession *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

void
wg_replay_session_free (WgReplaySession *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; self->columns != NULL && i < self->columns->len; i++)
    {
      if (self->delta_deletes != NULL)
        sqlite3_finalize (self->delta_deletes[i]);
      if (self->delta_inserts != NULL)
        sqlite3_finalize (self->delta_inserts[i]);
    }
  g_free (self->delta_deletes);
  g_free (self->delta_inserts);
  sqlite3_finalize (self->delta_tombstones);
  g_clear_pointer (&self->state, wg_store_unref);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  for (guint i = 0; self->images != NULL && i < self->images->len; i++)
    image_free (self, self->images->pdata[i]);
  g_clear_pointer (&self->images, g_ptr_array_unref);
  g_clear_pointer (&self->bad_deltas, g_hash_table_unref);
  g_free (self);
}
