/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgTrack: the position track in PostgreSQL, shared by every server
 * instance on the same database (docs/postgresql.md, "Positions").  The
 * same rule as the SQLite track store decides which points are kept
 * (wg_track_policy_keeps), on each unit's last kept point whichever
 * instance took it; the latest position of each unit is a table of its
 * own.
 *
 * Every statement runs on a thread of its own with its own connection:
 * the calls below queue work and return at once; their callbacks run in
 * the caller's thread-default main context.  Additions waiting together
 * go in one transaction (group commit): an addition is answered only once
 * its points are durable.
 */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

#include "wg-track-store.h"

G_BEGIN_DECLS

typedef struct _WgPgTrack WgPgTrack;

/* What one addition did. */
typedef struct
{
  guint      accepted;
  guint      kept;
  GPtrArray *changed;   /* WgTrackPoint: points newer than their unit's latest */
} WgPgTrackAdded;

void         wg_pg_track_added_free         (WgPgTrackAdded       *added);

/* Connects and creates the tables if needed.  Blocking: at start, before
 * the main loop runs. */
WgPgTrack   *wg_pg_track_open               (const char           *conninfo,
                                             const WgTrackPolicy  *policy,
                                             GError              **error);
/* Finishes the work already queued, then stops the thread. */
void         wg_pg_track_free               (WgPgTrack            *self);

/* @points: WgTrackPoint, validated; a reference is taken. */
void         wg_pg_track_add_async          (WgPgTrack            *self,
                                             GPtrArray            *points,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
WgPgTrackAdded *wg_pg_track_add_finish      (WgPgTrack            *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* wg_track_store_query_page() on the shared track. */
void         wg_pg_track_query_page_async   (WgPgTrack            *self,
                                             const char           *unit,
                                             gint64                from_ms,
                                             gint64                to_ms,
                                             const WgTrackCursor  *after,
                                             guint                 limit,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GPtrArray   *wg_pg_track_query_page_finish  (WgPgTrack            *self,
                                             GAsyncResult         *result,
                                             WgTrackCursor        *out_next,
                                             gboolean             *out_more,
                                             GError              **error);

/* The latest position of @unit (NULL: of every unit, sorted by unit). */
void         wg_pg_track_latest_async       (WgPgTrack            *self,
                                             const char           *unit,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GPtrArray   *wg_pg_track_latest_finish      (WgPgTrack            *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* Points deleted by one purge step at most: a step does not hold the
 * thread (and the positions posted meanwhile) for long. */
#define WG_PG_TRACK_PURGE_STEP 5000

/* Records @spans (WgTrackSpan, nullable; a reference is taken) as
 * wg_track_store_keep_spans(), then one step of wg_track_store_purge():
 * fewer than WG_PG_TRACK_PURGE_STEP deleted means none is left. */
void         wg_pg_track_purge_async        (WgPgTrack            *self,
                                             gint64                now_ms,
                                             GPtrArray            *spans,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean     wg_pg_track_purge_finish       (WgPgTrack            *self,
                                             GAsyncResult         *result,
                                             guint                *out_deleted,
                                             GError              **error);

/* The latest positions that changed, whichever instance took them, after
 * change number @after (below zero: none; only *out_next, where the
 * numbers stand), in the order of their commits; *out_next is the number
 * to ask after next time. */
void         wg_pg_track_changes_async      (WgPgTrack            *self,
                                             gint64                after,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GPtrArray   *wg_pg_track_changes_finish     (WgPgTrack            *self,
                                             GAsyncResult         *result,
                                             gint64               *out_next,
                                             GError              **error);

/* Blocking, inside the caller's transaction on @conn, at start: stores
 * the points of @local as they are (kept by the same rule when they were
 * generated) and each unit's latest, a newer one only.  --demo's tracks,
 * published with the demo's journal.  The tables exist: an instance opens
 * its WgPgTrack before its journal. */
gboolean     wg_pg_track_publish_local      (PGconn               *conn,
                                             WgTrackStore         *local,
                                             GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgTrack, wg_pg_track_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgTrackAdded, wg_pg_track_added_free)

G_END_DECLS
