/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A power-loss SQLite VFS for the fault tests, preloaded into the real
 * wangge-server (LD_PRELOAD): its constructor registers "wg-fault" as the
 * default VFS, so the journal, the accounts and every other database of the
 * process go through it without a line of test code in the server.
 *
 * Every write lands in a per-file overlay in this process's memory, not in
 * the file: reads see the overlay (read your writes), xSync copies it to the
 * file.  SIGKILL of the process then is a power cut: whatever was written
 * but not synced is gone, whatever was synced is in the file.  (The copy at
 * xSync is not fsync'd: the test only kills processes, so the kernel's page
 * cache stands in for the platter and the test stays fast.)
 *
 * Environment:
 *  WG_FAULT_VFS_EARLY=P   each written 4 KiB block reaches the file at once
 *                         with probability P percent, whole or only its first
 *                         1-7 sectors of 512 bytes (a disk persisting an
 *                         arbitrary subset of unsynced writes, in any order,
 *                         torn);
 *  WG_FAULT_VFS_FULL=PATH while PATH exists the disk is full: a write or
 *                         truncate that would grow a file fails with
 *                         SQLITE_FULL (overwriting allocated space works, as
 *                         on a real file system);
 *  WG_FAULT_VFS_SYNCHRONOUS=NORMAL rewrites "PRAGMA synchronous = FULL"
 *                         to NORMAL in sqlite3_exec(): the variant that a
 *                         power cut must catch;
 *  WG_FAULT_VFS_HOLD_SYNC=PATH while PATH exists an xSync of the journal
 *                         (journal.db and its WAL) waits: a disk that takes
 *                         its time, with the commit in the middle of it.
 */
#define G_LOG_DOMAIN "wg-fault-vfs"

#include "config.h"

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <glib.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 4096

typedef struct
{
  char          *path;
  GHashTable    *blocks;      /* block index -> guint8[BLOCK], unsynced */
  sqlite3_int64  size;        /* logical size */
  sqlite3_int64  floor;       /* the file's bytes at and beyond this are stale
                               * (an unsynced truncate): they read as zeros */
} Overlay;

typedef struct
{
  sqlite3_file  base;
  Overlay      *overlay;      /* NULL: temporary file, straight through */
  sqlite3_file *real;
} FaultFile;

static sqlite3_vfs *base_vfs;
static sqlite3_vfs fault_vfs;
static GMutex lock;
static GHashTable *overlays;  /* path -> Overlay */
static guint early_percent;
static const char *full_flag;
static gboolean downgrade_sync;
static const char *hold_sync_flag;

static gboolean
disk_full (void)
{
  return full_flag != NULL && access (full_flag, F_OK) == 0;
}

/* Bytes [offset, offset + amt) as the file holds them, zeros beyond the
 * floor. */
static int
read_real (FaultFile     *self,
           guint8        *buf,
           int            amt,
           sqlite3_int64  offset)
{
  Overlay *ov = self->overlay;
  int valid;
  int rc;

  memset (buf, 0, amt);
  if (offset >= ov->floor)
    return SQLITE_OK;
  valid = (int) MIN ((sqlite3_int64) amt, ov->floor - offset);
  rc = self->real->pMethods->xRead (self->real, buf, valid, offset);
  if (rc == SQLITE_IOERR_SHORT_READ)
    rc = SQLITE_OK;
  return rc;
}

static guint8 *
get_block (FaultFile     *self,
           sqlite3_int64  index,
           int           *rc)
{
  Overlay *ov = self->overlay;
  guint8 *block = g_hash_table_lookup (ov->blocks, &index);
  gint64 *key;

  *rc = SQLITE_OK;
  if (block != NULL)
    return block;
  block = g_malloc (BLOCK);
  *rc = read_real (self, block, BLOCK, index * BLOCK);
  if (*rc != SQLITE_OK)
    {
      g_free (block);
      return NULL;
    }
  /* Bytes past the logical end are zeros, whatever the file holds. */
  if (index * BLOCK + BLOCK > ov->size)
    {
      sqlite3_int64 keep = MAX (0, ov->size - index * BLOCK);

      memset (block + keep, 0, BLOCK - keep);
    }
  key = g_new (gint64, 1);
  *key = index;
  g_hash_table_insert (ov->blocks, key, block);
  return block;
}

/* A block, or its first sectors (torn), reaches the file before its sync. */
static int
write_block_early (FaultFile     *self,
                   sqlite3_int64  index,
                   const guint8  *block)
{
  int sectors = g_random_int_range (1, BLOCK / 512 + 1);

  return self->real->pMethods->xWrite (self->real, block, sectors * 512, index * BLOCK);
}

/* ---- io methods ---------------------------------------------------------- */

static int
fault_close (sqlite3_file *file)
{
  FaultFile *self = (FaultFile *) file;

  /* The overlay stays: closing a file does not make its writes durable. */
  return self->real->pMethods->xClose (self->real);
}

static int
fault_read (sqlite3_file  *file,
            void          *buf,
            int            amt,
            sqlite3_int64  offset)
{
  FaultFile *self = (FaultFile *) file;
  Overlay *ov = self->overlay;
  guint8 *out = buf;
  int done = 0;
  int rc = SQLITE_OK;

  if (ov == NULL)
    return self->real->pMethods->xRead (self->real, buf, amt, offset);

  g_mutex_lock (&lock);
  memset (buf, 0, amt);
  while (done < amt && offset + done < ov->size)
    {
      sqlite3_int64 pos = offset + done;
      sqlite3_int64 index = pos / BLOCK;
      int in_block = (int) (pos % BLOCK);
      int n = (int) MIN ((sqlite3_int64) MIN (amt - done, BLOCK - in_block), ov->size - pos);
      guint8 *block = g_hash_table_lookup (ov->blocks, &index);

      if (block != NULL)
        memcpy (out + done, block + in_block, n);
      else if ((rc = read_real (self, out + done, n, pos)) != SQLITE_OK)
        break;
      done += n;
    }
  g_mutex_unlock (&lock);
  if (rc != SQLITE_OK)
    return rc;
  return done < amt ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static int
fault_write (sqlite3_file  *file,
             const void    *buf,
             int            amt,
             sqlite3_int64  offset)
{
  FaultFile *self = (FaultFile *) file;
  Overlay *ov = self->overlay;
  const guint8 *in = buf;
  int done = 0;
  int rc = SQLITE_OK;

  if (ov == NULL)
    return self->real->pMethods->xWrite (self->real, buf, amt, offset);

  g_mutex_lock (&lock);
  if (offset + amt > ov->size && disk_full ())
    {
      g_mutex_unlock (&lock);
      return SQLITE_FULL;
    }
  while (done < amt)
    {
      sqlite3_int64 pos = offset + done;
      sqlite3_int64 index = pos / BLOCK;
      int in_block = (int) (pos % BLOCK);
      int n = MIN (amt - done, BLOCK - in_block);
      guint8 *block = get_block (self, index, &rc);

      if (block == NULL)
        break;
      memcpy (block + in_block, in + done, n);
      done += n;
      ov->size = MAX (ov->size, pos + n);
      if (early_percent > 0 && (guint) g_random_int_range (0, 100) < early_percent)
        rc = write_block_early (self, index, block);
      if (rc != SQLITE_OK)
        break;
    }
  g_mutex_unlock (&lock);
  return rc;
}

static int
fault_truncate (sqlite3_file  *file,
                sqlite3_int64  size)
{
  FaultFile *self = (FaultFile *) file;
  Overlay *ov = self->overlay;
  GHashTableIter iter;
  gpointer key, value;

  if (ov == NULL)
    return self->real->pMethods->xTruncate (self->real, size);

  g_mutex_lock (&lock);
  if (size > ov->size && disk_full ())
    {
      g_mutex_unlock (&lock);
      return SQLITE_FULL;
    }
  g_hash_table_iter_init (&iter, ov->blocks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      sqlite3_int64 index = *(gint64 *) key;

      if (index * BLOCK >= size)
        g_hash_table_iter_remove (&iter);
      else if (index * BLOCK + BLOCK > size)
        memset ((guint8 *) value + (size - index * BLOCK), 0, BLOCK - (size - index * BLOCK));
    }
  ov->size = size;
  ov->floor = MIN (ov->floor, size);
  g_mutex_unlock (&lock);
  return SQLITE_OK;
}

static int
fault_sync (sqlite3_file *file,
            int           flags)
{
  FaultFile *self = (FaultFile *) file;
  Overlay *ov = self->overlay;
  GHashTableIter iter;
  gpointer key, value;
  int rc = SQLITE_OK;

  if (ov == NULL)
    return self->real->pMethods->xSync (self->real, flags);

  /* Outside the lock: the other connections go on reading meanwhile. */
  if (hold_sync_flag != NULL)
    {
      g_autofree char *base = g_path_get_basename (ov->path);

      while (g_str_has_prefix (base, "journal.db") && g_file_test (hold_sync_flag, G_FILE_TEST_EXISTS))
        g_usleep (2000);
    }

  g_mutex_lock (&lock);
  /* Stale bytes go first, then the blocks, then the logical end. */
  rc = self->real->pMethods->xTruncate (self->real, ov->floor);
  g_hash_table_iter_init (&iter, ov->blocks);
  while (rc == SQLITE_OK && g_hash_table_iter_next (&iter, &key, &value))
    {
      sqlite3_int64 index = *(gint64 *) key;
      int n = (int) MIN ((sqlite3_int64) BLOCK, ov->size - index * BLOCK);

      rc = self->real->pMethods->xWrite (self->real, value, n, index * BLOCK);
    }
  if (rc == SQLITE_OK)
    rc = self->real->pMethods->xTruncate (self->real, ov->size);
  if (rc == SQLITE_OK)
    {
      g_hash_table_remove_all (ov->blocks);
      ov->floor = ov->size;
    }
  g_mutex_unlock (&lock);
  return rc;
}

static int
fault_file_size (sqlite3_file  *file,
                 sqlite3_int64 *size)
{
  FaultFile *self = (FaultFile *) file;

  if (self->overlay == NULL)
    return self->real->pMethods->xFileSize (self->real, size);
  g_mutex_lock (&lock);
  *size = self->overlay->size;
  g_mutex_unlock (&lock);
  return SQLITE_OK;
}

static int
fault_lock (sqlite3_file *file,
            int           level)
{
  FaultFile *self = (FaultFile *) file;

  return self->real->pMethods->xLock (self->real, level);
}

static int
fault_unlock (sqlite3_file *file,
              int           level)
{
  FaultFile *self = (FaultFile *) file;

  return self->real->pMethods->xUnlock (self->real, level);
}

static int
fault_check_reserved_lock (sqlite3_file *file,
                           int          *out)
{
  FaultFile *self = (FaultFile *) file;

  return self->real->pMethods->xCheckReservedLock (self->real, out);
}

static int
fault_file_control (sqlite3_file *file,
                    int           op,
                    void         *arg)
{
  FaultFile *self = (FaultFile *) file;

  /* A size hint would grow the file behind the overlay's back. */
  if (self->overlay != NULL && (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE))
    return SQLITE_OK;
  return self->real->pMethods->xFileControl (self->real, op, arg);
}

static int
fault_sector_size (sqlite3_file *file)
{
  FaultFile *self = (FaultFile *) file;

  return self->real->pMethods->xSectorSize (self->real);
}

static int
fault_device_characteristics (sqlite3_file *file)
{
  FaultFile *self = (FaultFile *) file;

  return self->real->pMethods->xDeviceCharacteristics (self->real);
}

/* The wal-index is shared memory, not storage: straight through (SQLite
 * rebuilds it from the WAL when the first connection opens). */
static int
fault_shm_map (sqlite3_file  *file,
               int            page,
               int            page_size,
               int            extend,
               void volatile **out)
{
  FaultFile *self = (FaultFile *) file;

  return self->real->pMethods->xShmMap (self->real, page, page_size, extend, out);
}

static int
fault_shm_lock (sqlite3_file *file,
                int           offset,
                int           n,
                int           flags)
{
  FaultFile *self = (FaultFile *) file;

  return self->real->pMethods->xShmLock (self->real, offset, n, flags);
}

static void
fault_shm_barrier (sqlite3_file *file)
{
  FaultFile *self = (FaultFile *) file;

  self->real->pMethods->xShmBarrier (self->real);
}

static int
fault_shm_unmap (sqlite3_file *file,
                 int           delete_flag)
{
  FaultFile *self = (FaultFile *) file;

  return self->real->pMethods->xShmUnmap (self->real, delete_flag);
}

/* No memory mapping: it would read the file behind the overlay. */
static int
fault_fetch (sqlite3_file   *file,
             sqlite3_int64   offset,
             int             amt,
             void          **out)
{
  *out = NULL;
  return SQLITE_OK;
}

static int
fault_unfetch (sqlite3_file  *file,
               sqlite3_int64  offset,
               void          *p)
{
  return SQLITE_OK;
}

static const sqlite3_io_methods fault_io_methods = {
  .iVersion = 3,
  .xClose = fault_close,
  .xRead = fault_read,
  .xWrite = fault_write,
  .xTruncate = fault_truncate,
  .xSync = fault_sync,
  .xFileSize = fault_file_size,
  .xLock = fault_lock,
  .xUnlock = fault_unlock,
  .xCheckReservedLock = fault_check_reserved_lock,
  .xFileControl = fault_file_control,
  .xSectorSize = fault_sector_size,
  .xDeviceCharacteristics = fault_device_characteristics,
  .xShmMap = fault_shm_map,
  .xShmLock = fault_shm_lock,
  .xShmBarrier = fault_shm_barrier,
  .xShmUnmap = fault_shm_unmap,
  .xFetch = fault_fetch,
  .xUnfetch = fault_unfetch,
};

/* ---- vfs methods --------------------------------------------------------- */

static void
overlay_free (gpointer data)
{
  Overlay *ov = data;

  g_hash_table_unref (ov->blocks);
  g_free (ov->path);
  g_free (ov);
}

static int
fault_open (sqlite3_vfs  *vfs,
            const char   *name,
            sqlite3_file *file,
            int           flags,
            int          *out_flags)
{
  FaultFile *self = (FaultFile *) file;
  int rc;

  self->real = (sqlite3_file *) &self[1];
  self->overlay = NULL;
  rc = base_vfs->xOpen (base_vfs, name, self->real, flags, out_flags);
  if (rc != SQLITE_OK)
    {
      self->base.pMethods = NULL;
      return rc;
    }
  self->base.pMethods = &fault_io_methods;
  if (name == NULL || (flags & SQLITE_OPEN_DELETEONCLOSE) != 0)
    return SQLITE_OK;

  g_mutex_lock (&lock);
  self->overlay = g_hash_table_lookup (overlays, name);
  if (self->overlay == NULL)
    {
      Overlay *ov = g_new0 (Overlay, 1);

      ov->path = g_strdup (name);
      ov->blocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
      rc = self->real->pMethods->xFileSize (self->real, &ov->size);
      ov->floor = ov->size;
      g_hash_table_insert (overlays, ov->path, ov);
      self->overlay = ov;
    }
  g_mutex_unlock (&lock);
  if (rc != SQLITE_OK)
    {
      self->real->pMethods->xClose (self->real);
      self->base.pMethods = NULL;
    }
  return rc;
}

static int
fault_delete (sqlite3_vfs *vfs,
              const char  *name,
              int          sync_dir)
{
  g_mutex_lock (&lock);
  g_hash_table_remove (overlays, name);
  g_mutex_unlock (&lock);
  return base_vfs->xDelete (base_vfs, name, sync_dir);
}

static int
fault_access (sqlite3_vfs *vfs,
              const char  *name,
              int          flags,
              int         *out)
{
  return base_vfs->xAccess (base_vfs, name, flags, out);
}

static int
fault_full_pathname (sqlite3_vfs *vfs,
                     const char  *name,
                     int          n,
                     char        *out)
{
  return base_vfs->xFullPathname (base_vfs, name, n, out);
}

static void *
fault_dl_open (sqlite3_vfs *vfs,
               const char  *name)
{
  return base_vfs->xDlOpen (base_vfs, name);
}

static void
fault_dl_error (sqlite3_vfs *vfs,
                int          n,
                char        *out)
{
  base_vfs->xDlError (base_vfs, n, out);
}

static void (*fault_dl_sym (sqlite3_vfs *vfs,
                            void        *handle,
                            const char  *symbol)) (void)
{
  return base_vfs->xDlSym (base_vfs, handle, symbol);
}

static void
fault_dl_close (sqlite3_vfs *vfs,
                void        *handle)
{
  base_vfs->xDlClose (base_vfs, handle);
}

static int
fault_randomness (sqlite3_vfs *vfs,
                  int          n,
                  char        *out)
{
  return base_vfs->xRandomness (base_vfs, n, out);
}

static int
fault_sleep (sqlite3_vfs *vfs,
             int          us)
{
  return base_vfs->xSleep (base_vfs, us);
}

static int
fault_current_time (sqlite3_vfs *vfs,
                    double      *out)
{
  return base_vfs->xCurrentTime (base_vfs, out);
}

static int
fault_get_last_error (sqlite3_vfs *vfs,
                      int          n,
                      char        *out)
{
  return base_vfs->xGetLastError (base_vfs, n, out);
}

static int
fault_current_time_int64 (sqlite3_vfs   *vfs,
                          sqlite3_int64 *out)
{
  return base_vfs->xCurrentTimeInt64 (base_vfs, out);
}

__attribute__((constructor)) static void
fault_vfs_register (void)
{
  const char *early = g_getenv ("WG_FAULT_VFS_EARLY");

  base_vfs = sqlite3_vfs_find (NULL);
  g_assert (base_vfs != NULL && base_vfs->iVersion >= 2);
  overlays = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, overlay_free);
  early_percent = early != NULL ? (guint) MIN (100, g_ascii_strtoull (early, NULL, 10)) : 0;
  full_flag = g_getenv ("WG_FAULT_VFS_FULL");
  downgrade_sync = g_strcmp0 (g_getenv ("WG_FAULT_VFS_SYNCHRONOUS"), "NORMAL") == 0;
  hold_sync_flag = g_getenv ("WG_FAULT_VFS_HOLD_SYNC");

  fault_vfs.iVersion = 2;
  fault_vfs.szOsFile = (int) sizeof (FaultFile) + base_vfs->szOsFile;
  fault_vfs.mxPathname = base_vfs->mxPathname;
  fault_vfs.zName = "wg-fault";
  fault_vfs.xOpen = fault_open;
  fault_vfs.xDelete = fault_delete;
  fault_vfs.xAccess = fault_access;
  fault_vfs.xFullPathname = fault_full_pathname;
  fault_vfs.xDlOpen = fault_dl_open;
  fault_vfs.xDlError = fault_dl_error;
  fault_vfs.xDlSym = fault_dl_sym;
  fault_vfs.xDlClose = fault_dl_close;
  fault_vfs.xRandomness = fault_randomness;
  fault_vfs.xSleep = fault_sleep;
  fault_vfs.xCurrentTime = fault_current_time;
  fault_vfs.xGetLastError = fault_get_last_error;
  fault_vfs.xCurrentTimeInt64 = fault_current_time_int64;
  g_assert (sqlite3_vfs_register (&fault_vfs, 1) == SQLITE_OK);
}

/* The synchronous=NORMAL variant: the server's own pragma, downgraded. */
int
sqlite3_exec (sqlite3     *db,
              const char  *sql,
              int        (*callback) (void *, int, char **, char **),
              void        *data,
              char       **errmsg)
{
  static int (*real_exec) (sqlite3 *, const char *, int (*) (void *, int, char **, char **), void *, char **);
  g_autofree char *rewritten = NULL;

  if (real_exec == NULL)
    real_exec = dlsym (RTLD_NEXT, "sqlite3_exec");
  if (downgrade_sync && sql != NULL && strstr (sql, "PRAGMA synchronous = FULL") != NULL)
    {
      GString *s = g_string_new (sql);

      g_string_replace (s, "PRAGMA synchronous = FULL", "PRAGMA synchronous = NORMAL", 0);
      rewritten = g_string_free (s, FALSE);
      sql = rewritten;
    }
  return real_exec (db, sql, callback, data, errmsg);
}
