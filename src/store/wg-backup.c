/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Backup and restore of a server's data directory (docs/operations.md).
 */
#define G_LOG_DOMAIN "wg-backup"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "wg-backup.h"
#include "wg-store.h"

#define JOURNAL_DB "journal.db"
#define ATTACHMENTS_DB "attachments.db"
/* Exercises (drills): each its journal <id>.db, its track <id>-positions.db
 * and its record <id>.json. */
#define EXERCISES_DIR "exercises"
#define ATTACHMENTS_DIR "attachments"
/* integrity_check lines named per database: enough to see what is wrong. */
#define MAX_INTEGRITY_LINES 10

G_DEFINE_QUARK (wg-backup-error-quark, wg_backup_error)

static gboolean
set_io_error (GError     **error,
              const char  *what,
              const char  *path,
              int          saved_errno)
{
  g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_IO, "%s “%s”: %s", what, path,
               g_strerror (saved_errno));
  return FALSE;
}

static gboolean
fsync_path (const char  *path,
            gboolean     directory,
            GError     **error)
{
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0), 0);
  int saved;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  return set_io_error (error, "Cannot sync", path, saved);
}

static sqlite3 *
open_db (const char  *path,
         int          flags,
         GError     **error)
{
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_DATABASE, "Cannot open “%s”: %s", path,
                   db != NULL ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close_v2 (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  /* The server may hold the write lock for a commit batch. */
  sqlite3_busy_timeout (db, 10000);
  return db;
}

static gboolean
db_error (sqlite3     *db,
          const char  *path,
          GError     **error)
{
  g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_DATABASE, "%s: %s", path, sqlite3_errmsg (db));
  return FALSE;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The databases of @dir, journal.db first, then by name. */
static GPtrArray *
list_databases (const char  *dir,
                GError     **error)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (handle == NULL)
    return NULL;
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, ".db") && !g_str_equal (name, JOURNAL_DB))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  {
    g_autofree char *journal = g_build_filename (dir, JOURNAL_DB, NULL);

    if (g_file_test (journal, G_FILE_TEST_IS_REGULAR))
      g_ptr_array_insert (names, 0, g_strdup (JOURNAL_DB));
  }
  return g_steal_pointer (&names);
}

/* The files of @dir whose names end in @suffix, by name; none when @dir is
 * not there. */
static GPtrArray *
list_names (const char  *dir,
            const char  *suffix,
            GError     **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) handle = NULL;
  const char *name;

  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&names);
  handle = g_dir_open (dir, 0, error);
  if (handle == NULL)
    return NULL;
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

/* The attachment files the attachments database of @dir names. */
static GPtrArray *
list_blobs (const char  *dir,
            GError     **error)
{
  g_autofree char *path = g_build_filename (dir, ATTACHMENTS_DB, NULL);
  g_autoptr(GPtrArray) hashes = g_ptr_array_new_with_free_func (g_free);
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&hashes);
  if ((db = open_db (path, SQLITE_OPEN_READONLY, error)) == NULL)
    return NULL;
  if (sqlite3_prepare_v2 (db, "SELECT sha256 FROM attachments"
                              " UNION SELECT display_sha256 FROM attachments WHERE display_sha256 IS NOT NULL"
                              " UNION SELECT thumbnail_sha256 FROM attachments WHERE thumbnail_sha256 IS NOT NULL",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      db_error (db, path, error);
      sqlite3_close_v2 (db);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *hash = (const char *) sqlite3_column_text (stmt, 0);

      /* The name becomes a path: only a hash may. */
      if (hash != NULL && strlen (hash) == 64 && strspn (hash, "0123456789abcdef") == 64)
        g_ptr_array_add (hashes, g_strdup (hash));
    }
  if (rc != SQLITE_DONE)
    db_error (db, path, error);
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);
  if (rc != SQLITE_DONE)
    return NULL;
  return g_steal_pointer (&hashes);
}

static char *
blob_path (const char *dir,
           const char *hash)
{
  char prefix[3] = { hash[0], hash[1], '\0' };

  return g_build_filename (dir, ATTACHMENTS_DIR, prefix, hash, NULL);
}

/* Removes what a failed backup or restore left: only directories this file
 * made, never a data directory. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* Copies a file durably; returns its size, or -1. */
static gint64
copy_file (const char  *from,
           const char  *to,
           GError     **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) target = g_file_new_for_path (to);
  g_autofree char *dir = g_path_get_dirname (to);
  GStatBuf st;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      set_io_error (error, "Cannot create", dir, errno);
      return -1;
    }
  if (!g_file_copy (source, target, G_FILE_COPY_NONE, NULL, NULL, NULL, error) ||
      !fsync_path (to, FALSE, error))
    return -1;
  if (g_stat (to, &st) != 0)
    {
      set_io_error (error, "Cannot read", to, errno);
      return -1;
    }
  return (gint64) st.st_size;
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : 0;
}

/* One consistent snapshot of the database at @from in the new file @to. */
static gboolean
snapshot_database (const char  *from,
                   const char  *to,
                   GError     **error)
{
  sqlite3 *db = open_db (from, SQLITE_OPEN_READWRITE, error);
  sqlite3_stmt *stmt = NULL;
  gboolean ok;

  if (db == NULL)
    return FALSE;
  ok = sqlite3_prepare_v2 (db, "VACUUM INTO ?1", -1, &stmt, NULL) == SQLITE_OK &&
       sqlite3_bind_text (stmt, 1, to, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
       sqlite3_step (stmt) == SQLITE_DONE;
  if (!ok)
    db_error (db, from, error);
  sqlite3_finalize (stmt);
  sqlite3_close_v2 (db);
  return ok && fsync_path (to, FALSE, error);
}

static gint64
journal_head (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  gint64 head = 0;

  if (sqlite3_prepare_v2 (db, "SELECT coalesce (max (seq), 0) FROM journal", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    head = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return head;
}

static gboolean
write_manifest (const char             *dir,
                const WgBackupSummary  *summary,
                GError                **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created = g_date_time_format_iso8601 (now);
  g_autofree char *path = g_build_filename (dir, WG_BACKUP_MANIFEST, NULL);
  g_autofree char *text = NULL;
  gsize len;

  g_key_file_set_string (file, "backup", "created", created);
  g_key_file_set_string (file, "backup", "version", PACKAGE_VERSION);
  g_key_file_set_int64 (file, "backup", "journal-head", summary->journal_head);
  g_key_file_set_uint64 (file, "backup", "databases", summary->databases);
  g_key_file_set_uint64 (file, "backup", "files", summary->files);
  g_key_file_set_uint64 (file, "backup", "exercises", summary->exercises);
  text = g_key_file_to_data (file, &len, NULL);
  return g_file_set_contents_full (path, text, len,
                                   G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, 0600, error);
}

/* The exercises, while the server may run them: every record before the
 * databases, so that a step a record lists as fired is in the copied
 * journal (one fired after the record was copied fires again on restore,
 * as the same command, stored once). */
static gboolean
copy_exercises (const char       *data_dir,
                const char       *partial,
                WgBackupSummary  *sum,
                GError          **error)
{
  g_autofree char *from_dir = g_build_filename (data_dir, EXERCISES_DIR, NULL);
  g_autofree char *to_dir = g_build_filename (partial, EXERCISES_DIR, NULL);
  g_autoptr(GPtrArray) records = NULL, databases = NULL;

  if (!g_file_test (from_dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  records = list_names (from_dir, ".json", error);
  databases = records != NULL ? list_names (from_dir, ".db", error) : NULL;
  if (databases == NULL)
    return FALSE;
  if (g_mkdir (to_dir, 0700) != 0)
    return set_io_error (error, "Cannot create", to_dir, errno);
  for (guint i = 0; i < records->len; i++)
    {
      g_autofree char *from = g_build_filename (from_dir, g_ptr_array_index (records, i), NULL);
      g_autofree char *to = g_build_filename (to_dir, g_ptr_array_index (records, i), NULL);
      gint64 size = copy_file (from, to, error);

      if (size < 0)
        return FALSE;
      sum->exercises++;
      sum->bytes += size;
    }
  for (guint i = 0; i < databases->len; i++)
    {
      g_autofree char *from = g_build_filename (from_dir, g_ptr_array_index (databases, i), NULL);
      g_autofree char *to = g_build_filename (to_dir, g_ptr_array_index (databases, i), NULL);

      if (!snapshot_database (from, to, error))
        return FALSE;
      sum->databases++;
      sum->bytes += file_size (to);
    }
  return fsync_path (to_dir, TRUE, error);
}

/* The copy itself, into the new directory @partial. */
static gboolean
fill_backup (const char       *data_dir,
             const char       *partial,
             GPtrArray        *databases,
             WgBackupSummary  *out,
             GError          **error)
{
  g_autoptr(GPtrArray) blobs = NULL;
  WgBackupSummary sum = { 0 };

  for (guint i = 0; i < databases->len; i++)
    {
      const char *name = g_ptr_array_index (databases, i);
      g_autofree char *from = g_build_filename (data_dir, name, NULL);
      g_autofree char *to = g_build_filename (partial, name, NULL);

      if (!snapshot_database (from, to, error))
        return FALSE;
      sum.databases++;
      sum.bytes += file_size (to);
    }
  {
    g_autofree char *journal = g_build_filename (partial, JOURNAL_DB, NULL);
    sqlite3 *db = open_db (journal, SQLITE_OPEN_READONLY, error);

    if (db == NULL)
      return FALSE;
    sum.journal_head = journal_head (db);
    sqlite3_close_v2 (db);
  }
  if (!copy_exercises (data_dir, partial, &sum, error))
    return FALSE;

  /* Content-named files never change: the copy of the database lists them. */
  blobs = list_blobs (partial, error);
  if (blobs == NULL)
    return FALSE;
  for (guint i = 0; i < blobs->len; i++)
    {
      g_autofree char *from = blob_path (data_dir, g_ptr_array_index (blobs, i));
      g_autofree char *to = blob_path (partial, g_ptr_array_index (blobs, i));
      gint64 size = copy_file (from, to, error);

      if (size < 0)
        return FALSE;
      sum.files++;
      sum.bytes += size;
    }
  if (blobs->len > 0)
    {
      g_autofree char *top = g_build_filename (partial, ATTACHMENTS_DIR, NULL);
      g_autoptr(GDir) handle = g_dir_open (top, 0, error);
      const char *name;

      if (handle == NULL)
        return FALSE;
      while ((name = g_dir_read_name (handle)) != NULL)
        {
          g_autofree char *sub = g_build_filename (top, name, NULL);

          if (!fsync_path (sub, TRUE, error))
            return FALSE;
        }
      if (!fsync_path (top, TRUE, error))
        return FALSE;
    }

  if (!write_manifest (partial, &sum, error) || !fsync_path (partial, TRUE, error))
    return FALSE;
  *out = sum;
  return TRUE;
}

gboolean
wg_backup_create (const char       *data_dir,
                  const char       *dest,
                  WgBackupSummary  *summary,
                  GError          **error)
{
  g_autoptr(GPtrArray) databases = NULL;
  g_autofree char *partial = NULL;
  g_autofree char *parent = NULL;
  WgBackupSummary sum = { 0 };

  g_return_val_if_fail (data_dir != NULL && dest != NULL, FALSE);

  if (g_file_test (dest, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_EXISTS,
                   "“%s” exists already: name a new directory", dest);
      return FALSE;
    }
  databases = list_databases (data_dir, error);
  if (databases == NULL)
    return FALSE;
  if (databases->len == 0 || !g_str_equal (g_ptr_array_index (databases, 0), JOURNAL_DB))
    {
      g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_INVALID,
                   "“%s” holds no journal.db: not a server's data directory", data_dir);
      return FALSE;
    }

  /* Written beside @dest and renamed at the end: a backup cut short is
   * never taken for a whole one. */
  partial = g_strconcat (dest, ".partial", NULL);
  if (g_file_test (partial, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_EXISTS,
                   "“%s” is left from an interrupted backup: remove it first", partial);
      return FALSE;
    }
  if (g_mkdir_with_parents (partial, 0700) != 0)
    return set_io_error (error, "Cannot create", partial, errno);

  if (!fill_backup (data_dir, partial, databases, &sum, error))
    {
      remove_tree (partial);
      return FALSE;
    }
  if (g_rename (partial, dest) != 0)
    {
      int saved = errno;

      remove_tree (partial);
      return set_io_error (error, "Cannot rename the finished backup to", dest, saved);
    }
  parent = g_path_get_dirname (dest);
  if (!fsync_path (parent, TRUE, error))
    return FALSE;
  if (summary != NULL)
    *summary = sum;
  return TRUE;
}

/* ---- check ------------------------------------------------------------- */

static void
check_database (const char *path,
                const char *name,
                GString    *problems,
                gint64     *head_out)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint lines = 0;
  int rc;

  /* Read-only and immutable: checking must not change the backup (no
   * -wal, no -shm beside it). */
  {
    g_autofree char *uri = g_strconcat ("file:", path, "?immutable=1", NULL);

    if (sqlite3_open_v2 (uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
      {
        g_string_append_printf (problems, "%s: cannot open: %s\n", name,
                                db != NULL ? sqlite3_errmsg (db) : "out of memory");
        sqlite3_close_v2 (db);
        return;
      }
  }
  if (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL) != SQLITE_OK)
    {
      g_string_append_printf (problems, "%s: %s\n", name, sqlite3_errmsg (db));
      sqlite3_close_v2 (db);
      return;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (line, "ok") != 0 && lines++ < MAX_INTEGRITY_LINES)
        g_string_append_printf (problems, "%s: %s\n", name, line);
    }
  if (rc != SQLITE_DONE)
    g_string_append_printf (problems, "%s: %s\n", name, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  stmt = NULL;

  if (head_out != NULL)
    {
      /* seq is the rowid: count == max and min == 1 means no gap. */
      if (sqlite3_prepare_v2 (db, "SELECT count (*), coalesce (min (seq), 0), coalesce (max (seq), 0) FROM journal",
                              -1, &stmt, NULL) != SQLITE_OK || sqlite3_step (stmt) != SQLITE_ROW)
        g_string_append_printf (problems, "%s: cannot read the journal: %s\n", name, sqlite3_errmsg (db));
      else
        {
          gint64 count = sqlite3_column_int64 (stmt, 0);
          gint64 min = sqlite3_column_int64 (stmt, 1);
          gint64 max = sqlite3_column_int64 (stmt, 2);

          if (count > 0 && (min != 1 || max != count))
            g_string_append_printf (problems, "%s: the journal has gaps: %" G_GINT64_FORMAT " events"
                                    " between seq %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT "\n",
                                    name, count, min, max);
          *head_out = max;
        }
      sqlite3_finalize (stmt);
    }
  sqlite3_close_v2 (db);
}

/* Each exercise: its record an object, its journal there, gap-free and
 * whole like the live one, its other databases whole. */
static void
check_exercises (const char      *backup_dir,
                 GString         *problems,
                 WgBackupSummary *sum)
{
  g_autofree char *dir = g_build_filename (backup_dir, EXERCISES_DIR, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = list_names (dir, ".json", &error);
  g_autoptr(GPtrArray) databases = records != NULL ? list_names (dir, ".db", &error) : NULL;

  if (databases == NULL)
    {
      g_string_append_printf (problems, EXERCISES_DIR ": %s\n", error->message);
      return;
    }
  for (guint i = 0; i < records->len; i++)
    {
      const char *name = g_ptr_array_index (records, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *id = g_strndup (name, strlen (name) - strlen (".json"));
      g_autofree char *journal = g_strconcat (id, ".db", NULL);
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (!json_parser_load_from_file (parser, path, NULL) || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        g_string_append_printf (problems, EXERCISES_DIR "/%s: not an exercise's record\n", name);
      if (!g_ptr_array_find_with_equal_func (databases, journal, g_str_equal, NULL))
        g_string_append_printf (problems, EXERCISES_DIR "/%s is missing\n", journal);
      sum->exercises++;
      sum->bytes += file_size (path);
    }
  for (guint i = 0; i < databases->len; i++)
    {
      const char *name = g_ptr_array_index (databases, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *label = g_build_filename (EXERCISES_DIR, name, NULL);
      gint64 head = 0;

      check_database (path, label, problems, g_str_has_suffix (name, "-positions.db") ? NULL : &head);
      sum->databases++;
      sum->bytes += file_size (path);
    }
}

gboolean
wg_backup_check (const char       *backup_dir,
                 WgBackupSummary  *summary,
                 GError          **error)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(GPtrArray) databases = NULL;
  g_autoptr(GPtrArray) blobs = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *manifest = g_build_filename (backup_dir, WG_BACKUP_MANIFEST, NULL);
  WgBackupSummary sum = { 0 };

  g_return_val_if_fail (backup_dir != NULL, FALSE);

  if (!g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_INVALID,
                   "“%s” is not a finished backup (it has no %s)", backup_dir, WG_BACKUP_MANIFEST);
      return FALSE;
    }
  databases = list_databases (backup_dir, error);
  if (databases == NULL)
    return FALSE;
  if (databases->len == 0 || !g_str_equal (g_ptr_array_index (databases, 0), JOURNAL_DB))
    g_string_append (problems, "journal.db is missing\n");
  for (guint i = 0; i < databases->len; i++)
    {
      const char *name = g_ptr_array_index (databases, i);
      g_autofree char *path = g_build_filename (backup_dir, name, NULL);

      check_database (path, name, problems, g_str_equal (name, JOURNAL_DB) ? &sum.journal_head : NULL);
      sum.databases++;
      sum.bytes += file_size (path);
    }

  check_exercises (backup_dir, problems, &sum);

  blobs = list_blobs (backup_dir, &local_error);
  if (blobs == NULL)
    g_string_append_printf (problems, "%s\n", local_error->message);
  for (guint i = 0; blobs != NULL && i < blobs->len; i++)
    {
      const char *hash = g_ptr_array_index (blobs, i);
      g_autofree char *path = blob_path (backup_dir, hash);
      g_autofree char *contents = NULL;
      g_autofree char *actual = NULL;
      gsize len;

      if (!g_file_get_contents (path, &contents, &len, NULL))
        {
          g_string_append_printf (problems, "attachment %s is missing\n", hash);
          continue;
        }
      actual = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
      if (!g_str_equal (actual, hash))
        g_string_append_printf (problems, "attachment %s does not hold what its name says\n", hash);
      sum.files++;
      sum.bytes += len;
    }

  if (problems->len > 0)
    {
      g_string_truncate (problems, problems->len - 1);
      g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_INVALID, "%s", problems->str);
      return FALSE;
    }
  if (summary != NULL)
    *summary = sum;
  return TRUE;
}

/* ---- restore ----------------------------------------------------------- */

/* The journal's identity (protocol.md, "Identity of the journal"): a
 * restored journal may lack commits the consoles have seen. */
static char *
renew_journal_id (const char  *journal_path,
                  GError     **error)
{
  g_autoptr(WgStore) store = wg_store_open (journal_path, error);

  if (store == NULL || !wg_store_renew_journal_id (store, error))
    return NULL;
  /* Closing the last connection checkpoints the WAL into the file. */
  return g_strdup (wg_store_get_journal_id (store));
}

/* The backup's exercises into @staging; their journals get new ids too:
 * a drill's console may have seen commits the copy lacks. */
static gboolean
stage_exercises (const char  *backup_dir,
                 const char  *staging,
                 GPtrArray   *staged,
                 GError     **error)
{
  g_autofree char *from_dir = g_build_filename (backup_dir, EXERCISES_DIR, NULL);
  g_autofree char *to_dir = g_build_filename (staging, EXERCISES_DIR, NULL);
  g_autoptr(GPtrArray) names = NULL;

  if (!g_file_test (from_dir, G_FILE_TEST_IS_DIR))
    return TRUE;
  names = list_names (from_dir, "", error);
  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *from = g_build_filename (from_dir, name, NULL);
      g_autofree char *to = g_build_filename (to_dir, name, NULL);

      if (copy_file (from, to, error) < 0)
        return FALSE;
      if (g_str_has_suffix (name, ".db") && !g_str_has_suffix (name, "-positions.db"))
        {
          g_autofree char *id = renew_journal_id (to, error);

          if (id == NULL || !fsync_path (to, FALSE, error))
            return FALSE;
        }
    }
  if (!g_file_test (to_dir, G_FILE_TEST_IS_DIR) && g_mkdir (to_dir, 0700) != 0)
    return set_io_error (error, "Cannot create", to_dir, errno);
  g_ptr_array_add (staged, g_strdup (EXERCISES_DIR));
  return fsync_path (to_dir, TRUE, error);
}

/* What a data directory holds that a restore replaces. */
static gboolean
is_data_entry (const char *name)
{
  return g_str_has_suffix (name, ".db") || g_str_has_suffix (name, ".db-wal") ||
         g_str_has_suffix (name, ".db-shm") || g_str_has_suffix (name, ".db-journal") ||
         g_str_equal (name, ATTACHMENTS_DIR) || g_str_equal (name, EXERCISES_DIR);
}

static gboolean
move_aside (const char  *data_dir,
            const char  *aside,
            GError     **error)
{
  g_autoptr(GDir) handle = g_dir_open (data_dir, 0, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (handle == NULL)
    return FALSE;
  while ((name = g_dir_read_name (handle)) != NULL)
    if (is_data_entry (name))
      g_ptr_array_add (names, g_strdup (name));
  if (names->len == 0)
    return TRUE;
  if (g_mkdir (aside, 0700) != 0)
    return set_io_error (error, "Cannot create", aside, errno);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *from = g_build_filename (data_dir, g_ptr_array_index (names, i), NULL);
      g_autofree char *to = g_build_filename (aside, g_ptr_array_index (names, i), NULL);

      if (g_rename (from, to) != 0)
        return set_io_error (error, "Cannot move aside", from, errno);
    }
  return fsync_path (aside, TRUE, error);
}

gboolean
wg_backup_restore (const char  *backup_dir,
                   const char  *data_dir,
                   char       **new_journal_id,
                   GError     **error)
{
  g_autoptr(GPtrArray) databases = NULL;
  g_autoptr(GPtrArray) blobs = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *aside_name = g_strconcat ("before-restore-", stamp, NULL);
  g_autofree char *aside = g_build_filename (data_dir, aside_name, NULL);
  g_autofree char *template = g_build_filename (data_dir, ".restore-XXXXXX", NULL);
  g_autofree char *journal = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GPtrArray) staged = g_ptr_array_new_with_free_func (g_free);
  char *staging;

  g_return_val_if_fail (backup_dir != NULL && data_dir != NULL, FALSE);

  if (!wg_backup_check (backup_dir, NULL, error))
    return FALSE;
  if ((databases = list_databases (backup_dir, error)) == NULL ||
      (blobs = list_blobs (backup_dir, error)) == NULL)
    return FALSE;
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    return set_io_error (error, "Cannot create", data_dir, errno);
  if (g_file_test (aside, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WG_BACKUP_ERROR, WG_BACKUP_ERROR_EXISTS,
                   "“%s” exists already: wait a second and restore again", aside);
      return FALSE;
    }

  /* Staged inside the data directory: the final renames stay on one file
   * system, and an interrupted restore leaves the old data in place. */
  staging = g_mkdtemp_full (template, 0700);
  if (staging == NULL)
    return set_io_error (error, "Cannot create", template, errno);

  for (guint i = 0; i < databases->len; i++)
    {
      const char *name = g_ptr_array_index (databases, i);
      g_autofree char *from = g_build_filename (backup_dir, name, NULL);
      g_autofree char *to = g_build_filename (staging, name, NULL);

      if (copy_file (from, to, error) < 0)
        goto unstage;
      g_ptr_array_add (staged, g_strdup (name));
    }
  for (guint i = 0; i < blobs->len; i++)
    {
      g_autofree char *from = blob_path (backup_dir, g_ptr_array_index (blobs, i));
      g_autofree char *to = blob_path (staging, g_ptr_array_index (blobs, i));

      if (copy_file (from, to, error) < 0)
        goto unstage;
    }
  if (blobs->len > 0)
    g_ptr_array_add (staged, g_strdup (ATTACHMENTS_DIR));
  if (!stage_exercises (backup_dir, staging, staged, error))
    goto unstage;

  journal = g_build_filename (staging, JOURNAL_DB, NULL);
  id = renew_journal_id (journal, error);
  if (id == NULL || !fsync_path (journal, FALSE, error) || !fsync_path (staging, TRUE, error))
    goto unstage;

  /* From here a failure leaves files moved: the message names them. */
  if (!move_aside (data_dir, aside, error))
    return FALSE;
  for (guint i = 0; i < staged->len; i++)
    {
      g_autofree char *from = g_build_filename (staging, g_ptr_array_index (staged, i), NULL);
      g_autofree char *to = g_build_filename (data_dir, g_ptr_array_index (staged, i), NULL);

      if (g_rename (from, to) != 0)
        return set_io_error (error, "Cannot move into place", to, errno);
    }
  if (g_rmdir (staging) != 0)
    return set_io_error (error, "Cannot remove", staging, errno);
  if (!fsync_path (data_dir, TRUE, error))
    return FALSE;

  if (new_journal_id != NULL)
    *new_journal_id = g_steal_pointer (&id);
  return TRUE;

  /* Nothing of the data directory has changed yet. */
unstage:
  remove_tree (staging);
  return FALSE;
}

/* ---- upgrades ------------------------------------------------------------ */

gboolean
wg_backup_before_upgrade (const char  *data_dir,
                          char       **backup_out,
                          GError     **error)
{
  g_autofree char *journal = g_build_filename (data_dir, JOURNAL_DB, NULL);
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *stamp = NULL;
  g_autofree char *name = NULL;
  g_autofree char *dest = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  g_return_val_if_fail (data_dir != NULL, FALSE);

  if (backup_out != NULL)
    *backup_out = NULL;
  if (!g_file_test (journal, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  if ((db = open_db (journal, SQLITE_OPEN_READONLY, error)) == NULL)
    return FALSE;
  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  if (version < 0)
    db_error (db, journal, error);
  sqlite3_close_v2 (db);
  if (version < 0)
    return FALSE;
  /* 0: a new file; newer than ours: the store refuses it, nothing migrates. */
  if (version == 0 || version >= WG_STORE_SCHEMA_VERSION)
    return TRUE;

  now = g_date_time_new_now_utc ();
  stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  name = g_strdup_printf ("pre-upgrade-%d-%s", version, stamp);
  dest = g_build_filename (data_dir, name, NULL);
  if (!wg_backup_create (data_dir, dest, NULL, error))
    return FALSE;
  if (backup_out != NULL)
    *backup_out = g_steal_pointer (&dest);
  return TRUE;
}
