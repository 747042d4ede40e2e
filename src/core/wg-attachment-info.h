/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What the server says of an uploaded photo: the answer of POST
 * /api/v1/attachments (docs/api.md, "Attachments"), written by the server
 * and kept by the console's outbox. */
typedef struct
{
  char   *id;           /* what commands carry in `attachments` */
  char   *media_type;   /* of the original */
  guint   width;        /* after EXIF orientation */
  guint   height;
  gint64  bytes;
  char   *sha256;       /* of the original, lower-case hex */
} WgAttachmentInfo;

void      wg_attachment_info_free    (WgAttachmentInfo       *info);
JsonNode *wg_attachment_info_to_json (const WgAttachmentInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgAttachmentInfo, wg_attachment_info_free)

G_END_DECLS
