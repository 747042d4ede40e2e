/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A replay session keeps one scratch state for its whole life and moves it:
 * forward by projecting the events in between, backward (or far forward)
 * by restoring the nearest checkpoint of the source into it and projecting
 * from there.  The source is ATTACHed to the scratch connection, so one
 * transaction reads the source and writes the state.
 *
 * Measured (bench-seek, bench/README.md): before sessions each seek made a
 * new database file, copied the checkpoint into it and projected; the
 * file's creation, its schema and writing its pages took most of the
 * time.  The session's state lives in memory (no file, no WAL: pages are
 * never written out), without foreign keys (a derived copy, filled in
 * bulk: a DELETE without WHERE then truncates a table at once instead of
 * checking every child row), and a forward move projects only the events
 * in between.
 */
#define G_LOG_DOMAIN "wg-replay"

#include "config.h"

#include <string.h>

#include "wg-error.h"
#include "wg-replay-session.h"
#include "wg-store-private.h"

/* Images of the state's database (sqlite3_serialize) are cut into
 * chunks of IMAGE_CHUNK bytes; a chunk equal to the one at the same offset
 * of the nearest image is shared, not copied.  Between two images 500
 * events apart about three quarters of the pages are the same (closed
 * incidents do not change), so an image costs about a quarter of its
 * size. */
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
};

/* Restoring a checkpoint copies about this many rows in the time it takes
 * to project one event (bench-seek, in-memory state). */
#define ROWS_PER_EVENT 20

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
  if (!ok)
    return NULL;

  self->columns = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; _wg_projection_tables[i] != NULL; i++)
    {
      char *columns = column_list (wg_store_get_sqlite (self->state), _wg_projection_tables[i], error);

      if (columns == NULL)
        return NULL;
      g_ptr_array_add (self->columns, columns);
    }
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

/* Which start costs least: the current state (free), the nearest image
 * (a copy of its bytes) or the nearest checkpoint (a copy of its rows),
 * counted in events projected.  An image of about this many bytes costs
 * as much as projecting one event (bench-seek). */
#define IMAGE_BYTES_PER_EVENT 100000

static gboolean
move_to (WgReplaySession  *self,
         gint64            t_ms,
         GError          **error)
{
  gint64 cp = 0, cp_ts = G_MININT64, cp_rows = 0, best;
  Image *image = best_image (self, t_ms);
  sqlite3_stmt *stmt;
  enum { FROM_HERE, FROM_IMAGE, FROM_CHECKPOINT } from;
  gboolean done = FALSE;

  stmt = _wg_store_stmt (self->state,
                         "SELECT seq, ts, rows FROM src.checkpoints WHERE ts <= ?1 ORDER BY seq DESC LIMIT 1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, t_ms);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      cp = sqlite3_column_int64 (stmt, 0);
      cp_ts = sqlite3_column_int64 (stmt, 1);
      cp_rows = sqlite3_column_int64 (stmt, 2);
    }
  sqlite3_reset (stmt);

  /* The current state is a valid start when no event after it is earlier
   * than t (ts never goes back along the journal); so is an image.  A
   * later start saves projecting the events up to it. */
  from = FROM_CHECKPOINT;
  best = cp - cp_rows / ROWS_PER_EVENT;
  if (image != NULL && image->seq - (gint64) (image->size / IMAGE_BYTES_PER_EVENT) >= best)
    {
      from = FROM_IMAGE;
      best = image->seq - (gint64) (image->size / IMAGE_BYTES_PER_EVENT);
    }
  if (!self->empty && t_ms >= self->seq_ts && self->seq >= best)
    from = FROM_HERE;

  if (from == FROM_IMAGE && !restore_image (self, image, error))
    return FALSE;
  if (!_wg_store_exec (self->state, "BEGIN", error))
    return FALSE;
  if (from == FROM_CHECKPOINT)
    {
      if (!restore_checkpoint (self, cp, error))
        return FALSE;
      self->seq = cp;
      self->seq_ts = cp_ts;
      g_debug ("replay: checkpoint at seq %" G_GINT64_FORMAT " restored", cp);
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
      if (!_wg_store_exec (self->state, "BEGIN", error))
        return FALSE;
    }
}

gboolean
wg_replay_session_seek (WgReplaySession  *self,
                        gint64            t_ms,
                        GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!wg_store_in_transaction (self->state), FALSE);

  if (!move_to (self, t_ms, error))
    {
      if (wg_store_in_transaction (self->state))
        sqlite3_exec (wg_store_get_sqlite (self->state), "ROLLBACK", NULL, NULL, NULL);
      self->empty = TRUE;
      self->seq = 0;
      self->seq_ts = G_MININT64;
      return FALSE;
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
  g_clear_pointer (&self->state, wg_store_unref);
  g_clear_pointer (&self->columns, g_ptr_array_unref);
  for (guint i = 0; self->images != NULL && i < self->images->len; i++)
    image_free (self, self->images->pdata[i]);
  g_clear_pointer (&self->images, g_ptr_array_unref);
  g_free (self);
}
