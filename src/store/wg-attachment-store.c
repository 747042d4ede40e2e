/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Photo attachments, outside the journal: the bytes as content-addressed
 * files under <data-dir>/attachments/<sha256[0:2]>/<sha256> (one file however
 * often the same picture is uploaded), the metadata in a database of its own,
 * <data-dir>/attachments.db, so that multi-megabyte uploads never sit in or
 * wait on journal transactions.
 *
 * Order of writes: files first (each durable: temporary file, fsync, rename,
 * fsync of the directory), then the row. A crash in between leaves a file no
 * row names, which the next purge does not see but which costs only disk
 * space; never a row naming a missing file.
 *
 * Not thread-safe: use a store from one thread (the server's main loop).
 */
#define G_LOG_DOMAIN "wg-attachment-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "wg-attachment-store.h"
#include "wg-sqlite.h"

G_DEFINE_QUARK (wg-attachment-store-error-quark, wg_attachment_store_error)

struct _WgAttachmentStore
{
  char         *blob_dir;
  sqlite3      *db;
  sqlite3_stmt *insert;
  sqlite3_stmt *lookup;
  sqlite3_stmt *reference;
  sqlite3_stmt *by_incident;
  sqlite3_stmt *blob_used;
};

static const char *migrations[] = {
  /* user_version 1 */
  "CREATE TABLE attachments ("
  "  id TEXT PRIMARY KEY NOT NULL,"
  "  sha256 TEXT NOT NULL,"
  "  media_type TEXT NOT NULL,"
  "  width INTEGER NOT NULL,"
  "  height INTEGER NOT NULL,"
  "  bytes INTEGER NOT NULL,"
  "  uploader TEXT NOT NULL,"
  "  uploaded_ms INTEGER NOT NULL,"
  "  referenced_by TEXT,"
  "  referenced_ms INTEGER,"
  "  display_sha256 TEXT,"
  "  display_media_type TEXT,"
  "  thumbnail_sha256 TEXT,"
  "  thumbnail_media_type TEXT"
  ");"
  "CREATE INDEX attachments_by_incident ON attachments (referenced_by, referenced_ms);"
  "CREATE INDEX attachments_unreferenced ON attachments (uploaded_ms) WHERE referenced_by IS NULL;"
  "CREATE INDEX attachments_by_sha256 ON attachments (sha256);"
  "CREATE INDEX attachments_by_display ON attachments (display_sha256);"
  "CREATE INDEX attachments_by_thumbnail ON attachments (thumbnail_sha256);",
};

#define COLUMNS "id, sha256, media_type, width, height, bytes, uploader, uploaded_ms," \
                " referenced_by, referenced_ms, display_sha256, display_media_type," \
                " thumbnail_sha256, thumbnail_media_type"

const char *
wg_attachment_store_error_code (WgAttachmentStoreError code)
{
  switch (code)
    {
    case WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT: return "unknown-attachment";
    case WG_ATTACHMENT_STORE_ERROR_IN_USE: return "attachment-in-use";
    case WG_ATTACHMENT_STORE_ERROR_DATABASE:
    case WG_ATTACHMENT_STORE_ERROR_IO:
    default: return "internal-error";
    }
}

WgAttachment *
wg_attachment_copy (const WgAttachment *attachment)
{
  WgAttachment *copy = g_new0 (WgAttachment, 1);

  *copy = *attachment;
  copy->id = g_strdup (attachment->id);
  copy->sha256 = g_strdup (attachment->sha256);
  copy->media_type = g_strdup (attachment->media_type);
  copy->uploader = g_strdup (attachment->uploader);
  copy->incident = g_strdup (attachment->incident);
  copy->display_sha256 = g_strdup (attachment->display_sha256);
  copy->display_media_type = g_strdup (attachment->display_media_type);
  copy->thumbnail_sha256 = g_strdup (attachment->thumbnail_sha256);
  copy->thumbnail_media_type = g_strdup (attachment->thumbnail_media_type);
  return copy;
}

void
wg_attachment_free (WgAttachment *attachment)
{
  if (attachment == NULL)
    return;
  g_free (attachment->id);
  g_free (attachment->sha256);
  g_free (attachment->media_type);
  g_free (attachment->uploader);
  g_free (attachment->incident);
  g_free (attachment->display_sha256);
  g_free (attachment->display_media_type);
  g_free (attachment->thumbnail_sha256);
  g_free (attachment->thumbnail_media_type);
  g_free (attachment);
}

static const WgSqliteErrors db_errors = {
  wg_attachment_store_error_quark, WG_ATTACHMENT_STORE_ERROR_DATABASE, "Attachment database"
};

static void
rollback (WgAttachmentStore *self)
{
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

WgAttachmentStore *
wg_attachment_store_open (const char  *data_dir,
                          GError     **error)
{
  g_autoptr(WgAttachmentStore) self = g_new0 (WgAttachmentStore, 1);
  g_autofree char *db_path = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->blob_dir = g_build_filename (data_dir, "attachments", NULL);
  if (g_mkdir_with_parents (self->blob_dir, 0750) != 0)
    {
      int saved = errno;

      g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IO,
                   "Cannot create “%s”: %s", self->blob_dir, g_strerror (saved));
      return NULL;
    }

  db_path = g_build_filename (data_dir, "attachments.db", NULL);
  if (sqlite3_open_v2 (db_path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_DATABASE,
                   "Cannot open the attachment database “%s”: %s", db_path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);

  if (!wg_sqlite_exec (self->db, &db_errors, "PRAGMA journal_mode = WAL", error)
      || !wg_sqlite_exec (self->db, &db_errors, "PRAGMA synchronous = FULL", error)
      || !wg_sqlite_migrate (self->db, &db_errors, migrations, G_N_ELEMENTS (migrations), error))
    return NULL;

  if (!(self->insert = wg_sqlite_prepare (self->db, &db_errors, "INSERT INTO attachments (" COLUMNS ")"
                                          " VALUES (?,?,?,?,?,?,?,?,NULL,NULL,?,?,?,?)", error))
      || !(self->lookup = wg_sqlite_prepare (self->db, &db_errors, "SELECT " COLUMNS " FROM attachments WHERE id = ?", error))
      || !(self->reference = wg_sqlite_prepare (self->db, &db_errors, "UPDATE attachments SET referenced_by = ?, referenced_ms = ?"
                                                " WHERE id = ? AND referenced_by IS NULL", error))
      || !(self->by_incident = wg_sqlite_prepare (self->db, &db_errors, "SELECT " COLUMNS " FROM attachments"
                                                  " WHERE referenced_by = ? ORDER BY referenced_ms, uploaded_ms, id",
                                                  error))
      || !(self->blob_used = wg_sqlite_prepare (self->db, &db_errors, "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1)"
                                                " OR EXISTS (SELECT 1 FROM attachments WHERE display_sha256 = ?1)"
                                                " OR EXISTS (SELECT 1 FROM attachments WHERE thumbnail_sha256 = ?1)",
                                                error)))
    return NULL;

  return g_steal_pointer (&self);
}

void
wg_attachment_store_close (WgAttachmentStore *self)
{
  if (self == NULL)
    return;
  sqlite3_finalize (self->insert);
  sqlite3_finalize (self->lookup);
  sqlite3_finalize (self->reference);
  sqlite3_finalize (self->by_incident);
  sqlite3_finalize (self->blob_used);
  sqlite3_close_v2 (self->db);
  g_free (self->blob_dir);
  g_free (self);
}

static gboolean
is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

char *
wg_attachment_store_blob_path (WgAttachmentStore *self,
                               const char        *sha256)
{
  char prefix[3];

  g_return_val_if_fail (self != NULL, NULL);
  /* Names come from our own rows, but a path is built from them: refuse
   * anything that is not a hash. */
  g_return_val_if_fail (is_sha256 (sha256), NULL);

  prefix[0] = sha256[0];
  prefix[1] = sha256[1];
  prefix[2] = '\0';
  return g_build_filename (self->blob_dir, prefix, sha256, NULL);
}

static gboolean
fsync_directory (const char  *path,
                 GError     **error)
{
  int fd = g_open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int saved;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IO,
               "Cannot sync “%s”: %s", path, g_strerror (saved));
  return FALSE;
}

/* Writes the blob unless a file of that hash and size is there already.
 * Returns its hash. */
static char *
write_blob (WgAttachmentStore  *self,
            GBytes             *bytes,
            GError            **error)
{
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_autofree char *path = wg_attachment_store_blob_path (self, sha256);
  g_autofree char *dir = g_path_get_dirname (path);
  GStatBuf st;
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GError *local_error = NULL;

  if (g_stat (path, &st) == 0 && (gsize) st.st_size == len)
    return g_steal_pointer (&sha256);

  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      int saved = errno;

      g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IO,
                   "Cannot create “%s”: %s", dir, g_strerror (saved));
      return NULL;
    }
  /* CONSISTENT | DURABLE: a temporary file, fsync'd, renamed over the name. */
  if (!g_file_set_contents_full (path, (const char *) (data != NULL ? data : (const guint8 *) ""), len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0640, &local_error))
    {
      g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IO,
                   "Cannot store an attachment: %s", local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  /* The rename itself is durable only once the directory is. */
  if (!fsync_directory (dir, error))
    return NULL;
  return g_steal_pointer (&sha256);
}

static WgAttachment *
read_row (sqlite3_stmt *stmt)
{
  WgAttachment *attachment = g_new0 (WgAttachment, 1);

  attachment->id = wg_sqlite_column_dup (stmt, 0);
  attachment->sha256 = wg_sqlite_column_dup (stmt, 1);
  attachment->media_type = wg_sqlite_column_dup (stmt, 2);
  attachment->width = sqlite3_column_int (stmt, 3);
  attachment->height = sqlite3_column_int (stmt, 4);
  attachment->bytes = sqlite3_column_int64 (stmt, 5);
  attachment->uploader = wg_sqlite_column_dup (stmt, 6);
  attachment->uploaded_ms = sqlite3_column_int64 (stmt, 7);
  attachment->incident = wg_sqlite_column_dup (stmt, 8);
  attachment->referenced_ms = sqlite3_column_int64 (stmt, 9);
  attachment->display_sha256 = wg_sqlite_column_dup (stmt, 10);
  attachment->display_media_type = wg_sqlite_column_dup (stmt, 11);
  attachment->thumbnail_sha256 = wg_sqlite_column_dup (stmt, 12);
  attachment->thumbnail_media_type = wg_sqlite_column_dup (stmt, 13);
  return attachment;
}

char *
wg_attachment_store_add (WgAttachmentStore         *self,
                         const WgAttachmentUpload  *upload,
                         GError                   **error)
{
  g_autofree char *id = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *display_sha256 = NULL;
  g_autofree char *thumbnail_sha256 = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (upload != NULL && upload->original != NULL, NULL);
  g_return_val_if_fail (upload->media_type != NULL && upload->uploader != NULL, NULL);
  g_return_val_if_fail ((upload->display == NULL) == (upload->display_media_type == NULL), NULL);
  g_return_val_if_fail ((upload->thumbnail == NULL) == (upload->thumbnail_media_type == NULL), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(sha256 = write_blob (self, upload->original, error)))
    return NULL;
  if (upload->display != NULL && !(display_sha256 = write_blob (self, upload->display, error)))
    return NULL;
  if (upload->thumbnail != NULL && !(thumbnail_sha256 = write_blob (self, upload->thumbnail, error)))
    return NULL;

  id = g_uuid_string_random ();
  sqlite3_bind_text (self->insert, 1, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (self->insert, 2, sha256, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (self->insert, 3, upload->media_type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (self->insert, 4, upload->width);
  sqlite3_bind_int (self->insert, 5, upload->height);
  sqlite3_bind_int64 (self->insert, 6, g_bytes_get_size (upload->original));
  sqlite3_bind_text (self->insert, 7, upload->uploader, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (self->insert, 8, upload->uploaded_ms);
  wg_sqlite_bind_text_or_null (self->insert, 9, display_sha256);
  wg_sqlite_bind_text_or_null (self->insert, 10, upload->display_media_type);
  wg_sqlite_bind_text_or_null (self->insert, 11, thumbnail_sha256);
  wg_sqlite_bind_text_or_null (self->insert, 12, upload->thumbnail_media_type);
  rc = sqlite3_step (self->insert);
  sqlite3_reset (self->insert);
  sqlite3_clear_bindings (self->insert);
  if (rc != SQLITE_DONE)
    {
      wg_sqlite_set_error (self->db, &db_errors, error);
      return NULL;
    }
  return g_steal_pointer (&id);
}

WgAttachment *
wg_attachment_store_lookup (WgAttachmentStore  *self,
                            const char         *id,
                            GError            **error)
{
  WgAttachment *attachment = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  sqlite3_bind_text (self->lookup, 1, id, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (self->lookup);
  if (rc == SQLITE_ROW)
    attachment = read_row (self->lookup);
  else if (rc == SQLITE_DONE)
    g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT,
                 _("There is no attachment “%s”"), id);
  else
    wg_sqlite_set_error (self->db, &db_errors, error);
  sqlite3_reset (self->lookup);
  sqlite3_clear_bindings (self->lookup);
  return attachment;
}

GBytes *
wg_attachment_store_read_blob (WgAttachmentStore  *self,
                               const char         *sha256,
                               GError            **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GMappedFile) mapped = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!is_sha256 (sha256))
    {
      g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT,
                   _("There is no such attachment file"));
      return NULL;
    }
  path = wg_attachment_store_blob_path (self, sha256);
  mapped = g_mapped_file_new (path, FALSE, &local_error);
  if (mapped == NULL)
    {
      g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IO,
                   "Cannot read an attachment: %s", local_error->message);
      g_error_free (local_error);
      return NULL;
    }
  return g_mapped_file_get_bytes (mapped);
}

gboolean
wg_attachment_check_ids (const char * const     *ids,
                         const char             *uploader,
                         const char             *incident,
                         WgAttachmentLookupFunc  lookup,
                         gpointer                user_data,
                         GError                **error)
{
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(WgAttachment) attachment = NULL;
      g_autoptr(GError) local_error = NULL;

      attachment = lookup (ids[i], user_data, &local_error);
      if (attachment == NULL &&
          !g_error_matches (local_error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      /* Another user's upload looks exactly like a missing one: ids must
       * not be probed, nor other people's photos borrowed. */
      if (attachment == NULL || g_strcmp0 (attachment->uploader, uploader) != 0)
        {
          g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT,
                       _("There is no attachment “%s”"), ids[i]);
          return FALSE;
        }
      if (attachment->incident != NULL && g_strcmp0 (attachment->incident, incident) != 0)
        {
          g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IN_USE,
                       _("The attachment “%s” belongs to another incident"), ids[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static WgAttachment *
lookup_cb (const char  *id,
           gpointer     user_data,
           GError     **error)
{
  return wg_attachment_store_lookup (user_data, id, error);
}

/* Checks every id, inside the caller's transaction if any. */
static gboolean
check_ids (WgAttachmentStore   *self,
           const char * const  *ids,
           const char          *uploader,
           const char          *incident,
           GError             **error)
{
  return wg_attachment_check_ids (ids, uploader, incident, lookup_cb, self, error);
}

gboolean
wg_attachment_store_check (WgAttachmentStore   *self,
                           const char * const  *ids,
                           const char          *uploader,
                           const char          *incident,
                           GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (ids != NULL && uploader != NULL && incident != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return check_ids (self, ids, uploader, incident, error);
}

gboolean
wg_attachment_store_reference (WgAttachmentStore   *self,
                               const char * const  *ids,
                               const char          *uploader,
                               const char          *incident,
                               gint64               now_ms,
                               GError             **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (ids != NULL && uploader != NULL && incident != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* All or nothing: one transaction, checked inside it. Referencing again for
   * the same incident is a no-op, so a retried command is harmless. */
  if (!wg_sqlite_exec (self->db, &db_errors, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!check_ids (self, ids, uploader, incident, error))
    {
      rollback (self);
      return FALSE;
    }
  for (guint i = 0; ids[i] != NULL; i++)
    {
      int rc;

      sqlite3_bind_text (self->reference, 1, incident, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (self->reference, 2, now_ms);
      sqlite3_bind_text (self->reference, 3, ids[i], -1, SQLITE_TRANSIENT);
      rc = sqlite3_step (self->reference);
      sqlite3_reset (self->reference);
      sqlite3_clear_bindings (self->reference);
      if (rc != SQLITE_DONE)
        {
          wg_sqlite_set_error (self->db, &db_errors, error);
          rollback (self);
          return FALSE;
        }
    }
  if (!wg_sqlite_exec (self->db, &db_errors, "COMMIT", error))
    {
      rollback (self);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
wg_attachment_store_list_for_incident (WgAttachmentStore  *self,
                                       const char         *incident,
                                       GError            **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_attachment_free);
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (incident != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  sqlite3_bind_text (self->by_incident, 1, incident, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (self->by_incident)) == SQLITE_ROW)
    g_ptr_array_add (list, read_row (self->by_incident));
  sqlite3_reset (self->by_incident);
  sqlite3_clear_bindings (self->by_incident);
  if (rc != SQLITE_DONE)
    {
      wg_sqlite_set_error (self->db, &db_errors, error);
      return NULL;
    }
  return g_steal_pointer (&list);
}

static gboolean
blob_used (WgAttachmentStore  *self,
           const char         *sha256,
           gboolean           *used,
           GError            **error)
{
  int rc;

  sqlite3_bind_text (self->blob_used, 1, sha256, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (self->blob_used);
  if (rc == SQLITE_ROW)
    *used = sqlite3_column_int (self->blob_used, 0) != 0;
  sqlite3_reset (self->blob_used);
  sqlite3_clear_bindings (self->blob_used);
  if (rc != SQLITE_ROW)
    return wg_sqlite_set_error (self->db, &db_errors, error);
  return TRUE;
}

/* The upload time of the oldest unreferenced row, or 0 when every row is
 * referenced: how far back a restart must look for commands whose
 * reference was lost. */
gboolean
wg_attachment_store_oldest_unreferenced (WgAttachmentStore  *self,
                                         gint64             *uploaded_ms,
                                         GError            **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (uploaded_ms != NULL, FALSE);

  *uploaded_ms = 0;
  if (sqlite3_prepare_v2 (self->db, "SELECT min (uploaded_ms) FROM attachments WHERE referenced_by IS NULL",
                          -1, &stmt, NULL) != SQLITE_OK)
    return wg_sqlite_set_error (self->db, &db_errors, error);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    *uploaded_ms = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return wg_sqlite_set_error (self->db, &db_errors, error);
  return TRUE;
}

gboolean
wg_attachment_store_purge (WgAttachmentStore  *self,
                           gint64              uploaded_before_ms,
                           guint              *removed,
                           GError            **error)
{
  g_autoptr(GHashTable) blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *select = NULL;
  sqlite3_stmt *delete = NULL;
  GHashTableIter iter;
  gpointer key;
  guint n_removed;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (removed != NULL)
    *removed = 0;
  if (!wg_sqlite_exec (self->db, &db_errors, "BEGIN IMMEDIATE", error))
    return FALSE;

  if (sqlite3_prepare_v2 (self->db,
                          "SELECT sha256, display_sha256, thumbnail_sha256 FROM attachments"
                          " WHERE referenced_by IS NULL AND uploaded_ms < ?", -1, &select, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_int64 (select, 1, uploaded_before_ms);
  while ((rc = sqlite3_step (select)) == SQLITE_ROW)
    for (int column = 0; column < 3; column++)
      if (sqlite3_column_type (select, column) != SQLITE_NULL)
        g_hash_table_add (blobs, wg_sqlite_column_dup (select, column));
  if (rc != SQLITE_DONE)
    goto failed;

  if (sqlite3_prepare_v2 (self->db,
                          "DELETE FROM attachments WHERE referenced_by IS NULL AND uploaded_ms < ?",
                          -1, &delete, NULL) != SQLITE_OK)
    goto failed;
  sqlite3_bind_int64 (delete, 1, uploaded_before_ms);
  if (sqlite3_step (delete) != SQLITE_DONE)
    goto failed;
  n_removed = sqlite3_changes (self->db);

  /* Files still named by a remaining row (the same picture uploaded again)
   * stay. */
  g_hash_table_iter_init (&iter, blobs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      gboolean used = TRUE;

      if (!blob_used (self, key, &used, error))
        {
          g_clear_pointer (&select, sqlite3_finalize);
          g_clear_pointer (&delete, sqlite3_finalize);
          rollback (self);
          return FALSE;
        }
      if (used)
        g_hash_table_iter_remove (&iter);
    }

  if (!wg_sqlite_exec (self->db, &db_errors, "COMMIT", error))
    {
      g_clear_pointer (&select, sqlite3_finalize);
      g_clear_pointer (&delete, sqlite3_finalize);
      rollback (self);
      return FALSE;
    }
  sqlite3_finalize (select);
  sqlite3_finalize (delete);

  /* After the commit: a crash before this point leaves orphan files, never
   * rows without their file. */
  g_hash_table_iter_init (&iter, blobs);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_autofree char *path = wg_attachment_store_blob_path (self, key);

      if (path != NULL && g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IO,
                       "Cannot remove “%s”: %s", path, g_strerror (saved));
          return FALSE;
        }
    }
  if (removed != NULL)
    *removed = n_removed;
  return TRUE;

failed:
  wg_sqlite_set_error (self->db, &db_errors, error);
  sqlite3_finalize (select);
  sqlite3_finalize (delete);
  rollback (self);
  return FALSE;
}
