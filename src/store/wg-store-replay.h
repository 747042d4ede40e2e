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

/* The seq of the last event before @ts_ms (0: none), at most the head: the
 * page after it starts at the first event with ts >= @ts_ms
 * (GET /api/v1/journal?from_ts=).  A binary search over seq (ts never goes
 * back along the journal), so the journal needs no index on ts. */
gboolean   wg_store_seq_before_ts (WgStore  *self,
                                   gint64    ts_ms,
                                   gint64   *seq_out,
                                   GError  **error);

G_END_DECLS
