/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgReplaySession: the projection of a journal at any past moment, moved
 * from moment to moment (replay, issue 17; protocol.md, "Replay and
 * exercises").  The console's Replay mode seeks it as its view clock moves
 * and reads the state store as it reads its cache.
 *
 *   session = wg_replay_session_new (cache, &error);
 *   wg_replay_session_seek (session, t_ms, &error);
 *   state = wg_replay_session_get_state (session);   // wg_store_list_incidents (state, ...) ...
 *
 * The state store is the same object for the whole session: each seek
 * changes its tables in place.  It lives in memory (its path is not a
 * file: open no other connection to it); its journal stays empty (an
 * incident's events up to t come from the source, by ts) and its head is
 * 0 (its wg_store_get_projected_seq() is wg_replay_session_get_seq()).
 * The source is read through a connection of the session's own, so it may
 * be appended to meanwhile (a live server, a console's cache): a seek sees
 * what was committed when it ran.  Events the source gains below seqs the
 * session has passed (a console cache's back-fill) are not seen: make the
 * session once back-fill is done, or anew.  The session keeps up to 128
 * MiB of images of its state for seeks back.  Not thread-safe: one thread
 * uses a session and its state store.
 */
#pragma once

#include "wg-store.h"

G_BEGIN_DECLS

typedef struct _WgReplaySession WgReplaySession;

/* A session over @source's journal (its file: an in-memory store cannot
 * be replayed), starting before the first event (an empty state, seq 0,
 * time G_MININT64). */
WgReplaySession *wg_replay_session_new      (WgStore          *source,
                                             GError          **error);
/* Moves the state to @t_ms: every event with ts <= @t_ms applied, and no
 * other.  On failure the state is incomplete until a seek succeeds
 * (wg_replay_session_get_seq() is 0; the next seek starts afresh).
 * @cancellable (nullable) cancelled, the seek stops between two steps of
 * IMAGE_EVERY events with G_IO_ERROR_CANCELLED: the state then holds
 * every event up to wg_replay_session_get_seq() (a moment on the way),
 * where the next seek may start; wg_replay_session_get_time() is the last
 * seek's that succeeded. */
gboolean         wg_replay_session_seek     (WgReplaySession  *self,
                                             gint64            t_ms,
                                             GCancellable     *cancellable,
                                             GError          **error);
/* The store holding the projection at the current moment (owned by the
 * session; ref it to keep it past the session, but it stops moving). */
WgStore         *wg_replay_session_get_state (WgReplaySession *self);
/* The moment of the last successful seek. */
gint64           wg_replay_session_get_time (WgReplaySession  *self);
/* The seq of the last event applied (0: none). */
gint64           wg_replay_session_get_seq  (WgReplaySession  *self);
void             wg_replay_session_free     (WgReplaySession  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgReplaySession, wg_replay_session_free)

G_END_DECLS
