/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wg-api-client.h"
#include "wg-cache-writer.h"

G_BEGIN_DECLS

/* A cold start's snapshot, after the base path: the open incidents alone
 * (the day's ended ones follow from GET /snapshot/ended), the units as a
 * table (docs/api.md). */
#define WG_SNAPSHOT_OPEN_PART "/snapshot?ended=false&units=table"

/* A cold start's GET /api/v1/snapshot and health check, asked as soon as
 * the login answers, the snapshot parsed and decoded on a thread while the
 * reference loads on its own: the sync client takes the decoded answer
 * once the cache is open (its head and journal id open the stream at
 * once) and gives it to the writer once the health check has named the
 * journal (the writer still checks the snapshot's journal id before
 * anything is applied).  The health check answered by then names it at
 * once, with no round trip after the reference. */
#define WG_TYPE_SNAPSHOT_FETCH (wg_snapshot_fetch_get_type ())
G_DECLARE_FINAL_TYPE (WgSnapshotFetch, wg_snapshot_fetch, WG, SNAPSHOT_FETCH, GObject)

/* Asks at once, under @base_path (WG_SYNC_LIVE_BASE_PATH), and with
 * @with_health the live journal's health check. */
WgSnapshotFetch *wg_snapshot_fetch_new         (WgApiClient         *api,
                                                const char          *base_path,
                                                gboolean             with_health,
                                                GCancellable        *cancellable);
/* The answer is in, decoded or refused. */
gboolean         wg_snapshot_fetch_is_done     (WgSnapshotFetch     *self);
/* The answer, decoded, once it is (at once if it is already); one caller. */
void             wg_snapshot_fetch_wait_async  (WgSnapshotFetch     *self,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
/* Returns: (transfer full): the snapshot, or NULL with @error and, for a
 * refusal, @problem. */
WgCacheSnapshot *wg_snapshot_fetch_wait_finish (WgSnapshotFetch     *self,
                                                GAsyncResult        *result,
                                                WgProblem          **problem,
                                                GError             **error);

/* Returns: (transfer full) (nullable): the health check's answer if it
 * came (once): when it was asked and answered (wall clock, ms). */
JsonNode        *wg_snapshot_fetch_take_health (WgSnapshotFetch     *self,
                                                gint64              *sent_ms,
                                                gint64              *received_ms);
/* Returns: (transfer full) (nullable): the snapshot if it is in and was
 * decoded, else NULL (wg_snapshot_fetch_wait_async() then). */
WgCacheSnapshot *wg_snapshot_fetch_take_snapshot (WgSnapshotFetch   *self);

G_END_DECLS
