/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _WgRequestLimits WgRequestLimits;

WgRequestLimits *wg_request_limits_new            (SoupServer      *server,
                                                   gsize            max_body_bytes);
void             wg_request_limits_free           (WgRequestLimits *self);
gsize            wg_request_limits_get_max_body   (WgRequestLimits *self);
guint64          wg_request_limits_get_n_refused  (WgRequestLimits *self);
void             wg_request_limits_set_upload_path (WgRequestLimits *self,
                                                   const char      *path,
                                                   gsize            max_bytes,
                                                   const char      *slug);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgRequestLimits, wg_request_limits_free)

G_END_DECLS
