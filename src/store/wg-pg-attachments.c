/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Photo attachments in PostgreSQL (wg-pg-attachments.h,
 * docs/postgresql.md).  The bytes go as binary parameters and come back
 * as binary results: a 10 MiB photo is neither escaped nor copied on the
 * way out (the answer's GBytes holds the PGresult).
 */
#define G_LOG_DOMAIN "wg-pg-attachments"

#include "config.h"

#include <glib/gi18n.h>
#include <libpq-fe.h>

#include "wg-pg-attachments.h"
#include "wg-pg-text.h"
#include "wg-pg-worker.h"

/* pg_advisory_xact_lock's key while creating the tables: "wgat". */
#define SCHEMA_LOCK_KEY "2003263860"
/* Held shared by each upload and exclusively by a purge, "wgab": a purge
 * deciding which contents no row names any more does not race an upload
 * naming one of them again. */
#define CONTENT_LOCK_KEY "2003263842"

#define COLUMNS "id, sha256, media_type, width, height, bytes, uploader, uploaded_ms," \
                " referenced_by, referenced_ms, display_sha256, display_media_type," \
                " thumbnail_sha256, thumbnail_media_type"

struct _WgPgAttachments
{
  WgPgWorker *worker;
  PGconn     *conn;     /* the worker's */
  PGconn     *writer;   /* the commit writer's */
};

/* What an upload stores, owned by its job. */
typedef struct
{
  GBytes *original;
  char   *media_type;
  guint   width;
  guint   height;
  GBytes *display;
  char   *display_media_type;
  GBytes *thumbnail;
  char   *thumbnail_media_type;
  char   *uploader;
  gint64  uploaded_ms;
} Upload;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static void
upload_free (Upload *upload)
{
  g_clear_pointer (&upload->original, g_bytes_unref);
  g_clear_pointer (&upload->display, g_bytes_unref);
  g_clear_pointer (&upload->thumbnail, g_bytes_unref);
  g_free (upload->media_type);
  g_free (upload->display_media_type);
  g_free (upload->thumbnail_media_type);
  g_free (upload->uploader);
  g_free (upload);
}

static void
rollback_quietly (PGconn *conn)
{
  PQclear (PQexec (conn, "ROLLBACK"));
}

static char *
dup_value (PGresult *result,
           int       row,
           int       column)
{
  return PQgetisnull (result, row, column) ? NULL : g_strdup (PQgetvalue (result, row, column));
}

static gint64
int_value (PGresult *result,
           int       row,
           int       column)
{
  return PQgetisnull (result, row, column) ? 0 : g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

/* A row of COLUMNS. */
static WgAttachment *
attachment_from_row (PGresult *result,
                     int       row)
{
  WgAttachment *attachment = g_new0 (WgAttachment, 1);

  attachment->id = dup_value (result, row, 0);
  attachment->sha256 = dup_value (result, row, 1);
  attachment->media_type = dup_value (result, row, 2);
  attachment->width = (guint) int_value (result, row, 3);
  attachment->height = (guint) int_value (result, row, 4);
  attachment->bytes = int_value (result, row, 5);
  attachment->uploader = dup_value (result, row, 6);
  attachment->uploaded_ms = int_value (result, row, 7);
  attachment->incident = dup_value (result, row, 8);
  attachment->referenced_ms = int_value (result, row, 9);
  attachment->display_sha256 = dup_value (result, row, 10);
  attachment->display_media_type = dup_value (result, row, 11);
  attachment->thumbnail_sha256 = dup_value (result, row, 12);
  attachment->thumbnail_media_type = dup_value (result, row, 13);
  return attachment;
}

/* The row of @id (locked until COMMIT with @for_update), or NULL with
 * WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT as on SQLite. */
static WgAttachment *
lookup_row (PGconn      *conn,
            const char  *id,
            gboolean     for_update,
            GError     **error)
{
  const char *params[] = { id };
  g_autoptr(PGresult) result = NULL;

  result = wg_pg_run (conn, "reading an attachment",
                      for_update ? "SELECT " COLUMNS " FROM attachments WHERE id = $1 FOR UPDATE"
                                 : "SELECT " COLUMNS " FROM attachments WHERE id = $1",
                      1, params, PGRES_TUPLES_OK, error);
  if (result == NULL)
    return NULL;
  if (PQntuples (result) == 0)
    {
      g_set_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT,
                   _("There is no attachment “%s”"), id);
      return NULL;
    }
  return attachment_from_row (result, 0);
}

static gboolean
create_schema (PGconn  *conn,
               GError **error)
{
  /* Under a lock: instances starting together would race on CREATE. */
  static const char *const schema =
    "BEGIN;"
    "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ");"
    /* One row per content however often it is uploaded. */
    "CREATE TABLE IF NOT EXISTS attachment_contents ("
    "  sha256 text PRIMARY KEY,"
    "  bytes  bytea NOT NULL);"
    "CREATE TABLE IF NOT EXISTS attachments ("
    "  id                   text PRIMARY KEY,"
    "  sha256               text NOT NULL,"
    "  media_type           text NOT NULL,"
    "  width                integer NOT NULL,"
    "  height               integer NOT NULL,"
    "  bytes                bigint NOT NULL,"
    "  uploader             text NOT NULL,"
    "  uploaded_ms          bigint NOT NULL,"
    "  referenced_by        text,"
    "  referenced_ms        bigint,"
    "  display_sha256       text,"
    "  display_media_type   text,"
    "  thumbnail_sha256     text,"
    "  thumbnail_media_type text);"
    "CREATE INDEX IF NOT EXISTS attachments_by_incident ON attachments (referenced_by, referenced_ms);"
    "CREATE INDEX IF NOT EXISTS attachments_unreferenced ON attachments (uploaded_ms) WHERE referenced_by IS NULL;"
    "CREATE INDEX IF NOT EXISTS attachments_by_sha256 ON attachments (sha256);"
    "CREATE INDEX IF NOT EXISTS attachments_by_display ON attachments (display_sha256);"
    "CREATE INDEX IF NOT EXISTS attachments_by_thumbnail ON attachments (thumbnail_sha256);"
    "COMMIT";
  g_autoptr(PGresult) result = PQexec (conn, schema);

  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      rollback_quietly (conn);
      return wg_pg_set_error (error, "creating the attachment tables", PQresultErrorMessage (result));
    }
  return TRUE;
}

/* ---- the worker's ------------------------------------------------------- */

/* Stores @bytes unless its content is there already; its SHA-256. */
static char *
store_content (PGconn  *conn,
               GBytes  *bytes,
               GError **error)
{
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  const char *params[] = { sha256, data != NULL ? data : "" };
  const int lengths[] = { 0, (int) length };
  const int formats[] = { 0, 1 };
  g_autoptr(PGresult) result = NULL;

  result = PQexecParams (conn, "INSERT INTO attachment_contents (sha256, bytes) VALUES ($1, $2)"
                         " ON CONFLICT (sha256) DO NOTHING", 2, NULL, params, lengths, formats, 0);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      wg_pg_set_error (error, "storing an attachment", PQresultErrorMessage (result));
      return NULL;
    }
  return g_steal_pointer (&sha256);
}

/* The contents, then the row, in one transaction: a row never names a
 * content that is not there. */
static void
run_add (GTask    *task,
         gpointer  owner)
{
  WgPgAttachments *self = owner;
  Upload *upload = g_task_get_task_data (task);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *sha256 = NULL;
  g_autofree char *display_sha256 = NULL;
  g_autofree char *thumbnail_sha256 = NULL;
  g_autofree char *width = g_strdup_printf ("%u", upload->width);
  g_autofree char *height = g_strdup_printf ("%u", upload->height);
  g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (upload->original));
  g_autofree char *uploaded = g_strdup_printf ("%" G_GINT64_FORMAT, upload->uploaded_ms);
  g_autoptr(PGresult) locked = NULL;
  g_autoptr(PGresult) inserted = NULL;
  GError *error = NULL;

  if (!wg_pg_run_command (self->conn, "beginning an upload", "BEGIN", &error))
    goto fail;
  locked = wg_pg_run (self->conn, "taking the attachment lock", "SELECT pg_advisory_xact_lock_shared(" CONTENT_LOCK_KEY ")",
                      0, NULL, PGRES_TUPLES_OK, &error);
  if (locked == NULL ||
      (sha256 = store_content (self->conn, upload->original, &error)) == NULL ||
      (upload->display != NULL && (display_sha256 = store_content (self->conn, upload->display, &error)) == NULL) ||
      (upload->thumbnail != NULL && (thumbnail_sha256 = store_content (self->conn, upload->thumbnail, &error)) == NULL))
    goto fail;
  {
    const char *params[] = { id, sha256, upload->media_type, width, height, size, upload->uploader, uploaded,
                             display_sha256, upload->display_media_type, thumbnail_sha256,
                             upload->thumbnail_media_type };

    inserted = wg_pg_run (self->conn, "storing an attachment",
                          "INSERT INTO attachments (" COLUMNS ")"
                          " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, $9, $10, $11, $12) RETURNING " COLUMNS,
                          G_N_ELEMENTS (params), params, PGRES_TUPLES_OK, &error);
  }
  if (inserted == NULL || !wg_pg_run_command (self->conn, "committing an upload", "COMMIT", &error))
    goto fail;
  g_task_return_pointer (task, attachment_from_row (inserted, 0), (GDestroyNotify) wg_attachment_free);
  return;

fail:
  rollback_quietly (self->conn);
  g_task_return_error (task, error);
}

static void
run_lookup (GTask    *task,
            gpointer  owner)
{
  WgPgAttachments *self = owner;
  GError *error = NULL;
  WgAttachment *attachment = lookup_row (self->conn, g_task_get_task_data (task), FALSE, &error);

  if (attachment == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, attachment, (GDestroyNotify) wg_attachment_free);
}

static void
run_read_blob (GTask    *task,
               gpointer  owner)
{
  WgPgAttachments *self = owner;
  const char *params[] = { g_task_get_task_data (task) };
  PGresult *result;
  GError *error = NULL;

  /* Binary: the bytes as stored, no hex text twice their size. */
  result = PQexecParams (self->conn, "SELECT bytes FROM attachment_contents WHERE sha256 = $1",
                         1, NULL, params, NULL, NULL, 1);
  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    {
      wg_pg_set_error (&error, "reading an attachment", PQresultErrorMessage (result));
      PQclear (result);
      g_task_return_error (task, error);
      return;
    }
  if (PQntuples (result) == 0)
    {
      PQclear (result);
      g_task_return_new_error (task, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IO,
                               "Cannot read an attachment: no content %s", (const char *) params[0]);
      return;
    }
  g_task_return_pointer (task, g_bytes_new_with_free_func (PQgetvalue (result, 0, 0), PQgetlength (result, 0, 0),
                                                           (GDestroyNotify) PQclear, result),
                         (GDestroyNotify) g_bytes_unref);
}

/* ---- life --------------------------------------------------------------- */

WgPgAttachments *
wg_pg_attachments_open (const char  *conninfo,
                        GError     **error)
{
  g_autoptr(WgPgAttachments) self = g_new0 (WgPgAttachments, 1);

  g_return_val_if_fail (conninfo != NULL, NULL);

  self->worker = wg_pg_worker_new (conninfo, "attachments", "wg-pg-attachments", self, error);
  if (self->worker == NULL)
    return NULL;
  self->conn = wg_pg_worker_get_connection (self->worker);
  if (!create_schema (self->conn, error))
    return NULL;
  self->writer = wg_pg_connect (conninfo, "attachments (the commit writer)", error);
  if (self->writer == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
wg_pg_attachments_free (WgPgAttachments *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->worker, wg_pg_worker_free);
  g_clear_pointer (&self->writer, PQfinish);
  g_free (self);
}

/* ---- the main loop's ---------------------------------------------------- */

void
wg_pg_attachments_add_async (WgPgAttachments          *self,
                             const WgAttachmentUpload *upload,
                             GAsyncReadyCallback       callback,
                             gpointer                  user_data)
{
  Upload *copy;

  g_return_if_fail (self != NULL && upload != NULL && upload->original != NULL);
  g_return_if_fail (upload->media_type != NULL && upload->uploader != NULL);
  g_return_if_fail ((upload->display == NULL) == (upload->display_media_type == NULL));
  g_return_if_fail ((upload->thumbnail == NULL) == (upload->thumbnail_media_type == NULL));

  copy = g_new0 (Upload, 1);
  copy->original = g_bytes_ref (upload->original);
  copy->media_type = g_strdup (upload->media_type);
  copy->width = upload->width;
  copy->height = upload->height;
  copy->display = upload->display != NULL ? g_bytes_ref (upload->display) : NULL;
  copy->display_media_type = g_strdup (upload->display_media_type);
  copy->thumbnail = upload->thumbnail != NULL ? g_bytes_ref (upload->thumbnail) : NULL;
  copy->thumbnail_media_type = g_strdup (upload->thumbnail_media_type);
  copy->uploader = g_strdup (upload->uploader);
  copy->uploaded_ms = upload->uploaded_ms;
  wg_pg_worker_run_async (self->worker, run_add, copy, (GDestroyNotify) upload_free, NULL, callback, user_data,
                          wg_pg_attachments_add_async);
}

WgAttachment *
wg_pg_attachments_add_finish (WgPgAttachments  *self,
                              GAsyncResult     *result,
                              GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wg_pg_attachments_lookup_async (WgPgAttachments     *self,
                                const char          *id,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (self != NULL && id != NULL);

  wg_pg_worker_run_async (self->worker, run_lookup, g_strdup (id), g_free, NULL, callback, user_data,
                          wg_pg_attachments_lookup_async);
}

WgAttachment *
wg_pg_attachments_lookup_finish (WgPgAttachments  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wg_pg_attachments_read_blob_async (WgPgAttachments     *self,
                                   const char          *sha256,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (self != NULL && sha256 != NULL);

  wg_pg_worker_run_async (self->worker, run_read_blob, g_strdup (sha256), g_free, NULL, callback, user_data,
                          wg_pg_attachments_read_blob_async);
}

GBytes *
wg_pg_attachments_read_blob_finish (WgPgAttachments  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the commit writer's ------------------------------------------------ */

/* A connection lost (a restart of PostgreSQL) is opened again for the
 * next call: this one fails, and says so. */
static PGconn *
writer_connection (WgPgAttachments *self)
{
  if (PQstatus (self->writer) != CONNECTION_OK)
    PQreset (self->writer);
  return self->writer;
}

/* Locks the row until COMMIT. */
static WgAttachment *
lookup_for_update_cb (const char  *id,
                      gpointer     user_data,
                      GError     **error)
{
  return lookup_row (user_data, id, TRUE, error);
}

gboolean
wg_pg_attachments_reference_in (PGconn              *conn,
                                const char * const  *ids,
                                const char          *uploader,
                                const char          *incident,
                                gint64               now_ms,
                                GError             **error)
{
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, now_ms);

  g_return_val_if_fail (conn != NULL && ids != NULL && uploader != NULL && incident != NULL, FALSE);

  /* Checked on the rows locked: another instance referencing the same
   * upload waits, then sees this reference.  Referencing again for the
   * same incident changes nothing. */
  if (!wg_attachment_check_ids (ids, uploader, incident, lookup_for_update_cb, conn, error))
    return FALSE;
  for (guint i = 0; ids[i] != NULL; i++)
    {
      const char *params[] = { incident, now, ids[i] };
      g_autoptr(PGresult) updated = wg_pg_run (conn, "referencing attachments",
                                               "UPDATE attachments SET referenced_by = $1, referenced_ms = $2"
                                               " WHERE id = $3 AND referenced_by IS NULL",
                                               G_N_ELEMENTS (params), params, PGRES_COMMAND_OK, error);

      if (updated == NULL)
        return FALSE;
    }
  return TRUE;
}

gboolean
wg_pg_attachments_reference (WgPgAttachments     *self,
                             const char * const  *ids,
                             const char          *uploader,
                             const char          *incident,
                             gint64               now_ms,
                             GError             **error)
{
  PGconn *conn;

  g_return_val_if_fail (self != NULL, FALSE);

  /* All or nothing. */
  conn = writer_connection (self);
  if (!wg_pg_run_command (conn, "referencing attachments", "BEGIN", error))
    return FALSE;
  if (wg_pg_attachments_reference_in (conn, ids, uploader, incident, now_ms, error) &&
      wg_pg_run_command (conn, "referencing attachments", "COMMIT", error))
    return TRUE;
  rollback_quietly (conn);
  return FALSE;
}

gboolean
wg_pg_attachments_oldest_unreferenced (WgPgAttachments  *self,
                                       gint64           *uploaded_ms,
                                       GError          **error)
{
  g_autoptr(PGresult) result = NULL;

  g_return_val_if_fail (self != NULL && uploaded_ms != NULL, FALSE);

  *uploaded_ms = 0;
  result = wg_pg_run (writer_connection (self), "reading the oldest unreferenced attachment",
                      "SELECT min (uploaded_ms) FROM attachments WHERE referenced_by IS NULL",
                      0, NULL, PGRES_TUPLES_OK, error);
  if (result == NULL)
    return FALSE;
  *uploaded_ms = int_value (result, 0, 0);
  return TRUE;
}

gboolean
wg_pg_attachments_purge (WgPgAttachments  *self,
                         gint64            uploaded_before_ms,
                         guint            *removed,
                         GError          **error)
{
  g_autofree char *before = g_strdup_printf ("%" G_GINT64_FORMAT, uploaded_before_ms);
  g_autoptr(GString) contents = g_string_new ("{");
  g_autoptr(PGresult) locked = NULL;
  g_autoptr(PGresult) deleted = NULL;
  PGconn *conn;

  g_return_val_if_fail (self != NULL, FALSE);

  if (removed != NULL)
    *removed = 0;
  conn = writer_connection (self);
  if (!wg_pg_run_command (conn, "purging attachments", "BEGIN", error))
    return FALSE;
  locked = wg_pg_run (conn, "taking the attachment lock", "SELECT pg_advisory_xact_lock(" CONTENT_LOCK_KEY ")",
                      0, NULL, PGRES_TUPLES_OK, error);
  if (locked == NULL)
    goto fail;
  {
    const char *params[] = { before };

    deleted = wg_pg_run (conn, "purging attachments",
                         "DELETE FROM attachments WHERE referenced_by IS NULL AND uploaded_ms < $1"
                         " RETURNING sha256, display_sha256, thumbnail_sha256",
                         1, params, PGRES_TUPLES_OK, error);
    if (deleted == NULL)
      goto fail;
  }
  for (int row = 0; row < PQntuples (deleted); row++)
    for (int column = 0; column < 3; column++)
      if (!PQgetisnull (deleted, row, column))
        wg_pg_array_append_text (contents, PQgetvalue (deleted, row, column));
  g_string_append_c (contents, '}');
  if (PQntuples (deleted) > 0)
    {
      /* Contents still named by a remaining row (the same picture
       * uploaded again) stay. */
      const char *params[] = { contents->str };
      g_autoptr(PGresult) unused = wg_pg_run (conn, "purging attachment contents",
                                              "DELETE FROM attachment_contents c WHERE c.sha256 = ANY ($1::text[])"
                                              " AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = c.sha256"
                                              " OR a.display_sha256 = c.sha256 OR a.thumbnail_sha256 = c.sha256)",
                                              1, params, PGRES_COMMAND_OK, error);

      if (unused == NULL)
        goto fail;
    }
  if (!wg_pg_run_command (conn, "purging attachments", "COMMIT", error))
    goto fail;
  if (removed != NULL)
    *removed = (guint) PQntuples (deleted);
  return TRUE;

fail:
  rollback_quietly (conn);
  return FALSE;
}
