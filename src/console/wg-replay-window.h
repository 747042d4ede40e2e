/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-replay.h"
#include "wg-replay-tracks.h"
#include "wg-window.h"

G_BEGIN_DECLS

/* Opens Replay beside the live window @live: a WgWindow over a replay's
 * read-only context (wg-replay.h), marked as a replay (a banner with the
 * moment shown, a tinted header), with the replay's controls and timeline
 * under its map, its commands off, and @live's own alarm banner on top, so
 * that a live emergency shows (on the live clock) over the replay. */
void      wg_replay_window_open_async  (WgWindow            *live,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* The window, presented (owned by the application), or NULL and a
 * sentence for the user (the cache missing or damaged). */
WgWindow *wg_replay_window_open_finish (GAsyncResult        *result,
                                        GError             **error);
/* The replay of a window opened by wg_replay_window_open_async(), else NULL. */
WgReplay *wg_replay_window_get_replay (WgWindow *window);
/* Its controls. */
GtkWidget *wg_replay_window_get_bar   (WgWindow *window);
/* Its forces' tracks. */
WgReplayTracks *wg_replay_window_get_tracks (WgWindow *window);
/* Its live alarm banner. */
GtkWidget *wg_replay_window_get_live_banner (WgWindow *window);

G_END_DECLS
