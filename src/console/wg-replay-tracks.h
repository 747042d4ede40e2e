/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-replay.h"

G_BEGIN_DECLS

/* Forces at their recorded positions during a replay: the kept track
 * points of the replay's span, fetched page by page from the server
 * (GET /api/v1/positions?from=&to=&cursor=), and at each moment every
 * tracked unit placed in the replay context's position store at its
 * position interpolated between the points around it (at its last point
 * after its track ends, and shown stale from then on), with short trails.
 * A unit without a track is not drawn ("no track"): none is invented. */
#define WG_TYPE_REPLAY_TRACKS (wg_replay_tracks_get_type ())
G_DECLARE_FINAL_TYPE (WgReplayTracks, wg_replay_tracks, WG, REPLAY_TRACKS, GObject)

WgReplayTracks *wg_replay_tracks_new       (WgReplay       *replay);
/* A point of @unit's track (the server's pages, or tests). */
void            wg_replay_tracks_add_point (WgReplayTracks *self,
                                            const char     *unit,
                                            gint64          ts,
                                            double          lat,
                                            double          lon);
/* @unit's position at @t_ms: FALSE when it has no track or its track has
 * not begun by then. */
gboolean        wg_replay_tracks_position  (WgReplayTracks *self,
                                            const char     *unit,
                                            gint64          t_ms,
                                            double         *lat,
                                            double         *lon);
/* How many units have a track. */
guint           wg_replay_tracks_get_n_units (WgReplayTracks *self);

G_END_DECLS
