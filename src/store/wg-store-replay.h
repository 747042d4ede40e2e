/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-store.h"
#include "wg-track-store.h"

G_BEGIN_DECLS

/* The unit and span (created to ended; an open one to G_MAXINT64) of
 * every assignment that began before @before_ms and was still open at
 * @open_after_ms: the track points replay keeps past the positions'
 * retention.  WgTrackSpan*, in creation order. */
GPtrArray *wg_store_list_assignment_spans (WgStore  *self,
                                           gint64    before_ms,
                                           gint64    open_after_ms,
                                           GError  **error);

G_END_DECLS
