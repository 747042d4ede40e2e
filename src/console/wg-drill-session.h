/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-context.h"
#include "wg-drill-score.h"

G_BEGIN_DECLS

/* A console's side of one exercise (docs/console.md, "Drill"): a context of
 * its own over a separate cache (never the live one) whose sync client
 * reads the exercise's snapshot, journal and stream and sends to its
 * commands endpoint; the score of what happens in it, kept as its events
 * arrive (::changed). */
#define WG_TYPE_DRILL_SESSION (wg_drill_session_get_type ())
G_DECLARE_FINAL_TYPE (WgDrillSession, wg_drill_session, WG, DRILL_SESSION, GObject)

/* Joins exercise @id on @live's server, as @live's user with their live
 * role, over a cache of its own for as long as the session (made and
 * filled with the reference on a thread: no SQL on the main loop). */
void            wg_drill_session_new_remote_async  (WgContext           *live,
                                                    const char          *id,
                                                    const char          *title,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
WgDrillSession *wg_drill_session_new_remote_finish (WgContext           *live,
                                                    GAsyncResult        *result,
                                                    GError             **error);
/* Over a context the caller made (a console without a server: the demo,
 * the screenshots, tests). */
WgDrillSession *wg_drill_session_new        (WgContext   *drill,
                                             const char  *id,
                                             const char  *title);
WgContext      *wg_drill_session_get_context (WgDrillSession *self);
const char     *wg_drill_session_get_id      (WgDrillSession *self);
const char     *wg_drill_session_get_title   (WgDrillSession *self);
/* The scenario file the exercise plays (once its record is read), or NULL. */
const char     *wg_drill_session_get_scenario_file (WgDrillSession *self);
WgDrillScorer  *wg_drill_session_get_scorer  (WgDrillSession *self);
/* The exercise's record (GET /api/v1/exercises/{id}): its scenario, the
 * past incident it started from, its clock at the start.  A remote session
 * reads it itself; wangge report gives it. */
void            wg_drill_session_set_record  (WgDrillSession *self,
                                              JsonObject     *record);
/* The record last read, or NULL. */
JsonObject     *wg_drill_session_get_record  (WgDrillSession *self);
/* From a past incident: its id (the same in the exercise) once the
 * exercise's first events were read, else NULL. */
const char     *wg_drill_session_get_source_incident (WgDrillSession *self);
/* The score now (the drill context's clock); @ended once the exercise is over. */
WgDrillScore   *wg_drill_session_compute     (WgDrillSession *self,
                                              gboolean        ended);

G_END_DECLS
