/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WG_ATTACHMENT_STORE_ERROR (wg_attachment_store_error_quark ())

typedef enum {
  WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT, /* no such id, or another user's upload */
  WG_ATTACHMENT_STORE_ERROR_IN_USE,             /* already referenced by another incident */
  WG_ATTACHMENT_STORE_ERROR_DATABASE,
  WG_ATTACHMENT_STORE_ERROR_IO,
} WgAttachmentStoreError;

GQuark      wg_attachment_store_error_quark (void);
const char *wg_attachment_store_error_code  (WgAttachmentStoreError code);

/* What an upload stores; the image checks (wg-image, in the server) are done
 * before. display and thumbnail may be NULL. */
typedef struct
{
  GBytes     *original;
  const char *media_type;
  guint       width;
  guint       height;
  GBytes     *display;
  const char *display_media_type;
  GBytes     *thumbnail;
  const char *thumbnail_media_type;
  const char *uploader;
  gint64      uploaded_ms;
} WgAttachmentUpload;

typedef struct
{
  char   *id;                    /* UUID */
  char   *sha256;                /* of the original, lower-case hex */
  char   *media_type;
  guint   width;
  guint   height;
  gint64  bytes;
  char   *uploader;
  gint64  uploaded_ms;
  char   *incident;              /* NULL until a command references it */
  gint64  referenced_ms;         /* 0 while unreferenced */
  char   *display_sha256;        /* NULL if none */
  char   *display_media_type;
  char   *thumbnail_sha256;      /* NULL if none */
  char   *thumbnail_media_type;
} WgAttachment;

WgAttachment *wg_attachment_copy (const WgAttachment *attachment);
void          wg_attachment_free (WgAttachment       *attachment);

/* The row of @id, or NULL with @error (for no such row,
 * WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT). */
typedef WgAttachment *(*WgAttachmentLookupFunc) (const char  *id,
                                                 gpointer     user_data,
                                                 GError     **error);
/* Whether @uploader may attach the uploads @ids, looked up with @lookup,
 * to @incident: the one rule of every backend.  Another user's upload is
 * refused as unknown, one referenced by another incident as in use. */
gboolean      wg_attachment_check_ids (const char * const     *ids,
                                       const char             *uploader,
                                       const char             *incident,
                                       WgAttachmentLookupFunc  lookup,
                                       gpointer                user_data,
                                       GError                **error);

typedef struct _WgAttachmentStore WgAttachmentStore;

WgAttachmentStore *wg_attachment_store_open       (const char                *data_dir,
                                                   GError                   **error);
void               wg_attachment_store_close      (WgAttachmentStore         *self);

char              *wg_attachment_store_add        (WgAttachmentStore         *self,
                                                   const WgAttachmentUpload  *upload,
                                                   GError                   **error);
WgAttachment      *wg_attachment_store_lookup     (WgAttachmentStore         *self,
                                                   const char                *id,
                                                   GError                   **error);
char              *wg_attachment_store_blob_path  (WgAttachmentStore         *self,
                                                   const char                *sha256);
GBytes            *wg_attachment_store_read_blob  (WgAttachmentStore         *self,
                                                   const char                *sha256,
                                                   GError                   **error);
gboolean           wg_attachment_store_check      (WgAttachmentStore         *self,
                                                   const char * const        *ids,
                                                   const char                *uploader,
                                                   const char                *incident,
                                                   GError                   **error);
gboolean           wg_attachment_store_reference  (WgAttachmentStore         *self,
                                                   const char * const        *ids,
                                                   const char                *uploader,
                                                   const char                *incident,
                                                   gint64                     now_ms,
                                                   GError                   **error);
GPtrArray         *wg_attachment_store_list_for_incident (WgAttachmentStore  *self,
                                                          const char         *incident,
                                                          GError            **error);
gboolean           wg_attachment_store_oldest_unreferenced (WgAttachmentStore *self,
                                                            gint64            *uploaded_ms,
                                                            GError           **error);
gboolean           wg_attachment_store_purge      (WgAttachmentStore         *self,
                                                   gint64                     uploaded_before_ms,
                                                   guint                     *removed,
                                                   GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgAttachment, wg_attachment_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgAttachmentStore, wg_attachment_store_close)

G_END_DECLS
