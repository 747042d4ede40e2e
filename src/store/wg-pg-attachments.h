/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgAttachments: photo attachments in PostgreSQL, shared by every
 * server instance on one database (docs/postgresql.md, "Attachments").
 * The metadata is a table like attachments.db's; the bytes are bytea
 * rows, one per content (SHA-256), committed with the metadata in one
 * transaction, so that a photo is replicated and backed up with the row
 * that names it.  The refusals are the SQLite store's
 * (wg_attachment_check_ids), with its error domain.
 *
 * Two connections: the main loop's calls (_async) run on a WgPgWorker and
 * answer in the caller's thread-default main context; the commit
 * writer's (reference, purge) block on a connection of their own, which
 * only that thread uses (and the start, before it runs).  A command's
 * references go in its batch's own transaction on the journal's
 * connection (wg_pg_attachments_reference_in): they commit with its
 * events, or not at all.
 */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

#include "wg-attachment-store.h"

G_BEGIN_DECLS

typedef struct _WgPgAttachments WgPgAttachments;

/* Connects twice and creates the tables if needed.  Blocking: at start,
 * before the main loop runs. */
WgPgAttachments *wg_pg_attachments_open           (const char                *conninfo,
                                                   GError                   **error);
/* Finishes the work already queued, then closes both connections. */
void             wg_pg_attachments_free           (WgPgAttachments           *self);

/* Stores @upload (its bytes are referenced, not copied) and answers the
 * new attachment's row. */
void             wg_pg_attachments_add_async      (WgPgAttachments           *self,
                                                   const WgAttachmentUpload  *upload,
                                                   GAsyncReadyCallback        callback,
                                                   gpointer                   user_data);
WgAttachment    *wg_pg_attachments_add_finish     (WgPgAttachments           *self,
                                                   GAsyncResult              *result,
                                                   GError                   **error);
/* The row of @id, or WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT. */
void             wg_pg_attachments_lookup_async   (WgPgAttachments           *self,
                                                   const char                *id,
                                                   GAsyncReadyCallback        callback,
                                                   gpointer                   user_data);
WgAttachment    *wg_pg_attachments_lookup_finish  (WgPgAttachments           *self,
                                                   GAsyncResult              *result,
                                                   GError                   **error);
/* The bytes of content @sha256. */
void             wg_pg_attachments_read_blob_async (WgPgAttachments          *self,
                                                    const char               *sha256,
                                                    GAsyncReadyCallback       callback,
                                                    gpointer                  user_data);
GBytes          *wg_pg_attachments_read_blob_finish (WgPgAttachments         *self,
                                                     GAsyncResult            *result,
                                                     GError                 **error);

/* Blocking, inside the caller's transaction on @conn: the check of
 * wg_attachment_store_check() on the rows locked, then the reference of
 * wg_attachment_store_reference(). */
gboolean         wg_pg_attachments_reference_in   (PGconn                    *conn,
                                                   const char * const        *ids,
                                                   const char                *uploader,
                                                   const char                *incident,
                                                   gint64                     now_ms,
                                                   GError                   **error);

/* The commit writer's, blocking, in transactions of their own; as
 * wg_attachment_store_reference(), _oldest_unreferenced() and _purge(). */
gboolean         wg_pg_attachments_reference      (WgPgAttachments           *self,
                                                   const char * const        *ids,
                                                   const char                *uploader,
                                                   const char                *incident,
                                                   gint64                     now_ms,
                                                   GError                   **error);
gboolean         wg_pg_attachments_oldest_unreferenced (WgPgAttachments      *self,
                                                        gint64               *uploaded_ms,
                                                        GError              **error);
gboolean         wg_pg_attachments_purge          (WgPgAttachments           *self,
                                                   gint64                     uploaded_before_ms,
                                                   guint                     *removed,
                                                   GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgAttachments, wg_pg_attachments_free)

G_END_DECLS
