/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-api-client.h"

G_BEGIN_DECLS

/* Photos on incidents, as the console shows them: GET
 * /api/v1/attachments/{id}/thumbnail and /display, kept on disk by the
 * sha-256 the server gives as ETag (so a photo is fetched once per
 * console), always decoded through wg-image (off the main loop) before a
 * texture is made.  Uploads go through the outbox
 * (wg_sync_client_queue_upload). */
#define WG_TYPE_ATTACHMENT_CACHE (wg_attachment_cache_get_type ())
G_DECLARE_FINAL_TYPE (WgAttachmentCache, wg_attachment_cache, WG, ATTACHMENT_CACHE, GObject)

/* @directory: where the bytes are kept (created when missing). */
WgAttachmentCache *wg_attachment_cache_new          (WgApiClient         *api,
                                                     const char          *directory);
const char        *wg_attachment_cache_get_directory (WgAttachmentCache  *self);
void               wg_attachment_cache_load_async   (WgAttachmentCache   *self,
                                                     const char          *id,
                                                     WgAttachmentVariant  variant,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
GdkTexture        *wg_attachment_cache_load_finish  (WgAttachmentCache   *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);
/* How many were fetched from the server, and read from the disk cache. */
guint              wg_attachment_cache_get_n_fetched (WgAttachmentCache  *self);
guint              wg_attachment_cache_get_n_cached  (WgAttachmentCache  *self);

/* The ids listed in an event's body ("attachments"), or NULL. */
GStrv              wg_attachment_ids_of_body        (JsonObject          *body);

G_END_DECLS
