/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The WAL's checkpoint on a thread of its own.  SQLite checkpoints in the
 * commit that takes the WAL past 1,000 pages: the committing thread copies
 * every page into the database file and syncs it, and the group commit's
 * batch (and every request waiting for it) waits those milliseconds; at
 * 64 commands in flight it came every few hundred commands and set the
 * p99.  Here the writer's connection only notes the WAL's size after each
 * commit and wakes this thread, which checkpoints through its own
 * connection (PASSIVE: it never waits for, nor blocks, the writer or the
 * readers), with the writer's synchronous setting, so the database file is
 * synced as it was.  Should the thread fall far behind, the writer
 * checkpoints itself, as SQLite would have.
 */
#define G_LOG_DOMAIN "wg-store"

#include "config.h"

#include "wg-error.h"
#include "wg-wal-checkpointer.h"

/* SQLite's own threshold (SQLITE_DEFAULT_WAL_AUTOCHECKPOINT, not in its
 * header). */
#define SQLITE_OWN_CHECKPOINT_FRAMES 1000
/* Far behind: the WAL at this many times the threshold. */
#define BEHIND_FACTOR 8

struct _WgWalCheckpointer
{
  sqlite3  *writer;   /* the connection whose commits are watched */
  sqlite3  *db;       /* the thread's own */
  guint     frames;
  /* The writer's thread only: the WAL's size at its last commit, and the
   * frames added since the thread was last woken. */
  guint     last_frames;
  guint     new_frames;
  GThread  *thread;
  GMutex    lock;
  GCond     cond;
  /* Under the lock: */
  gboolean  due;
  gboolean  stopping;
  guint64   n_checkpoints;
};

/* After each commit of the writer, on its thread. */
static int
wal_hook_cb (void       *data,
             sqlite3    *db,
             const char *name,
             int         n_frames)
{
  WgWalCheckpointer *self = data;
  guint size = (guint) MAX (n_frames, 0);

  /* The WAL starts again from its first frame once all of it is in the
   * database file: then every frame is new. */
  self->new_frames += size >= self->last_frames ? size - self->last_frames : size;
  self->last_frames = size;
  if (size >= self->frames * BEHIND_FACTOR)
    {
      sqlite3_wal_checkpoint_v2 (db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      return SQLITE_OK;
    }
  if (self->new_frames < self->frames)
    return SQLITE_OK;
  self->new_frames = 0;
  g_mutex_lock (&self->lock);
  self->due = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  return SQLITE_OK;
}

static gpointer
checkpoint_thread (gpointer data)
{
  WgWalCheckpointer *self = data;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      int rc;

      while (!self->due && !self->stopping)
        g_cond_wait (&self->cond, &self->lock);
      if (self->stopping)
        break;
      self->due = FALSE;
      g_mutex_unlock (&self->lock);

      /* SQLITE_BUSY: another checkpoint runs; the next commit asks again. */
      rc = sqlite3_wal_checkpoint_v2 (self->db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        g_warning ("Cannot checkpoint the journal's WAL: %s", sqlite3_errmsg (self->db));

      g_mutex_lock (&self->lock);
      if (rc == SQLITE_OK)
        self->n_checkpoints++;
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* Takes over the WAL checkpoints of @db (a connection to a database in
 * WAL mode) from the first commit past @frames pages. */
WgWalCheckpointer *
wg_wal_checkpointer_new (sqlite3   *db,
                         guint      frames,
                         GError   **error)
{
  WgWalCheckpointer *self;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *synchronous = NULL;
  const char *path;
  char *message = NULL;

  g_return_val_if_fail (db != NULL, NULL);
  g_return_val_if_fail (frames > 0, NULL);

  path = sqlite3_db_filename (db, "main");
  if (path == NULL || *path == '\0')
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "a database in memory has no WAL to checkpoint");
      return NULL;
    }

  /* The database file synced as the writer's own checkpoints synced it. */
  if (sqlite3_prepare_v2 (db, "PRAGMA synchronous", -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s: %s", path, sqlite3_errmsg (db));
      sqlite3_finalize (stmt);
      return NULL;
    }
  synchronous = g_strdup_printf ("PRAGMA synchronous = %d", sqlite3_column_int (stmt, 0));
  sqlite3_finalize (stmt);

  self = g_new0 (WgWalCheckpointer, 1);
  self->writer = db;
  self->frames = frames;
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
      sqlite3_exec (self->db, synchronous, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s: %s", path,
                   message != NULL ? message : self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      sqlite3_free (message);
      sqlite3_close (self->db);
      g_mutex_clear (&self->lock);
      g_cond_clear (&self->cond);
      g_free (self);
      return NULL;
    }
  self->thread = g_thread_new ("wg-wal-checkpoint", checkpoint_thread, self);
  /* Replaces SQLite's own hook: its checkpoint in the commit. */
  sqlite3_wal_hook (db, wal_hook_cb, self);
  return self;
}

/* Before the watched connection closes: SQLite's own checkpoints again. */
void
wg_wal_checkpointer_free (WgWalCheckpointer *self)
{
  if (self == NULL)
    return;

  sqlite3_wal_autocheckpoint (self->writer, SQLITE_OWN_CHECKPOINT_FRAMES);
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  sqlite3_close (self->db);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

guint64
wg_wal_checkpointer_get_n_checkpoints (WgWalCheckpointer *self)
{
  guint64 n;

  g_return_val_if_fail (self != NULL, 0);
  g_mutex_lock (&self->lock);
  n = self->n_checkpoints;
  g_mutex_unlock (&self->lock);
  return n;
}
