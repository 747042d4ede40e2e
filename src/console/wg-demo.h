/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-context.h"

G_BEGIN_DECLS

/* Fills the context's local store with incidents after the scenarios of
 * scenarios.md (a fire whose alarm nobody has acknowledged yet, a traffic
 * accident with forces on the way, a rooftop structure routed to urban
 * management, a labour dispute with the judicial office, a fire lane
 * handled on the spot, ...), through the real engine, reported over the
 * last hours; then emits ::events-applied.  For the demo, screenshots and
 * UI tests. */
gboolean wg_demo_fill (WgContext  *context,
                       GError    **error);
/* A drill in progress on @drill (a context of its own, forces at home): a
 * missing elderly person acknowledged late (90 s) by leader-zhang and
 * dispatched at 150 s by dispatcher-li: six of the recommender's seven
 * forces, short of one grid worker, and an emergency unit more; and a fire
 * reported 40 s ago that nobody has answered yet.  For Drill
 * mode's screenshots and tests. */
gboolean wg_demo_fill_drill (WgContext  *drill,
                             GError    **error);

/* One command through the engine as @username (role from the demo
 * accounts: "leader*" duty leader, "dispatcher*" dispatcher, "worker-NN"
 * the grid worker of grid NN, "dept-CODE" a department), at @at_ms; its
 * events are appended to @events.  Returns the subject of the first
 * event (the incident or assignment id), or NULL with @error. */
char    *wg_demo_run  (WgContext   *context,
                       const char  *username,
                       gint64       at_ms,
                       GPtrArray   *events,
                       GError     **error,
                       const char  *type,
                       const char  *body_format,
                       ...) G_GNUC_PRINTF (7, 8);

G_END_DECLS
