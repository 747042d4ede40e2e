/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-context.h"

G_BEGIN_DECLS

/* Replay: the whole picture at any past moment t, read-only.
 *
 * A replay has a context of its own (wg_replay_get_context()), read-only,
 * over a state store that holds the projection of every event of the live
 * cache's journal with ts <= t, and whose view clock is in replay mode:
 * the board, the map, the detail and the alarm banner of a WgWindow over
 * it are the same views as Live's.  When the view clock moves (seek, or
 * play at a rate) the state follows: forward by applying the events in
 * between (one ::events-applied, so the views update in place), backward
 * by projecting again from the start (one ::cache-reset).
 *
 * With a cache in a file (a session, checkpoints) the state moves on a
 * worker thread, which also runs every read of the replay's views
 * (wg_context_set_reader()): no SQL on the main loop.  Seeks asked while
 * one runs supersede it: only the newest is shown, never one late. */
#define WG_TYPE_REPLAY (wg_replay_get_type ())
G_DECLARE_FINAL_TYPE (WgReplay, wg_replay, WG, REPLAY, GObject)

/* A key moment of an incident (reported, alarm, acknowledged, each
 * dispatch and arrival, resolved; routed, accepted, feedback, verified,
 * call-back, closed). */
typedef struct
{
  gint64       ts;
  gint64       seq;
  WgEventType  type;
} WgReplayMoment;

/* Starts a minute before the first event of @live's cache journal. */
WgReplay   *wg_replay_new            (WgContext   *live,
                                      GError     **error);
/* The same, with no SQL on the main loop for a cache in a file: the
 * journal's span and the session's set-up are read on a thread.  The
 * error (the cache missing or damaged) is a sentence for the user. */
void        wg_replay_new_async      (WgContext           *live,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
WgReplay   *wg_replay_new_finish     (GAsyncResult        *result,
                                      GError             **error);
WgContext  *wg_replay_get_context    (WgReplay    *self);
WgContext  *wg_replay_get_live_context (WgReplay  *self);
/* Every event of the live journal as read at start (WgReplayMoment), seq
 * order: the timeline's ticks.  Read off the main loop for a cache in a
 * file: empty until ::ticks-loaded (stepping from event to event waits
 * for them too). */
GArray     *wg_replay_get_ticks      (WgReplay    *self);
gboolean    wg_replay_get_ticks_loaded (WgReplay  *self);
/* The span shown by the timeline. */
void        wg_replay_set_window     (WgReplay    *self,
                                      gint64       from_ms,
                                      gint64       to_ms);
void        wg_replay_get_window     (WgReplay    *self,
                                      gint64      *from_ms,
                                      gint64      *to_ms);
/* The whole journal as read at start, a minute either side: the widest
 * window. */
void        wg_replay_get_bounds     (WgReplay    *self,
                                      gint64      *from_ms,
                                      gint64      *to_ms);
gint64      wg_replay_get_time       (WgReplay    *self);
void        wg_replay_seek           (WgReplay    *self,
                                      gint64       t_ms);
/* 0 pauses; 1 to 600 plays. */
void        wg_replay_set_rate       (WgReplay    *self,
                                      double       rate);
double      wg_replay_get_rate       (WgReplay    *self);
/* To the previous (@direction < 0) or next event's moment; FALSE when
 * there is none. */
gboolean    wg_replay_step           (WgReplay    *self,
                                      int          direction);
/* @incident's key moments (WgReplayMoment), in order, as read: with a
 * cache in a file they are read off the main loop, the first call giving
 * none (then ::key-moments-read). */
GArray     *wg_replay_key_moments    (WgReplay    *self,
                                      const char  *incident);
/* To @incident's previous or next key moment. */
gboolean    wg_replay_step_moment    (WgReplay    *self,
                                      const char  *incident,
                                      int          direction);
/* Whether every seek and read given to the worker has been answered
 * (for tests and benchmarks). */
gboolean    wg_replay_is_settled     (WgReplay    *self);
/* The last seq projected into the state (for tests). */
gint64      wg_replay_get_seq        (WgReplay    *self);

G_END_DECLS
