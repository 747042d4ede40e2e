/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "wg-context.h"
#include "wg-incident-model.h"

G_BEGIN_DECLS

/* The big screen's one model (the centre's wall): what every wall window
 * shows, so that a map on one monitor and the tiles on another never
 * disagree.  The figures come from the statistics (GET /api/v1/statistics
 * with a server, the same wg-statistics implementation on the local store
 * without one), refreshed on a timer and soon after events; the open
 * incidents from the incident model; consoles online from presence.
 *
 * The banner: a new emergency (an alarm raised on an emergency) holds it
 * until someone acknowledges the alarm anywhere; then the banner says who
 * (the acknowledging event's actor) for a minute. */
#define WG_TYPE_WALL (wg_wall_get_type ())
G_DECLARE_FINAL_TYPE (WgWall, wg_wall, WG, WALL, GObject)

#define WG_WALL_HOURS 24

WgWall          *wg_wall_new                 (WgContext  *context);
/* Without a server: the demo reference on an empty local store, with the
 * demo scenarios' incidents when @with_incidents. */
WgContext       *wg_wall_new_demo_context    (gboolean    with_incidents,
                                              GError    **error);
WgContext       *wg_wall_get_context         (WgWall     *self);
WgIncidentModel *wg_wall_get_model           (WgWall     *self);

/* Statistics answers (NULL until the first arrives): since midnight in the
 * centre's time zone, since 1 January, and the 28 days before today plus
 * today. */
JsonObject      *wg_wall_get_today           (WgWall     *self);
JsonObject      *wg_wall_get_year            (WgWall     *self);
JsonObject      *wg_wall_get_recent          (WgWall     *self);
/* Incidents received in each of the last 24 hours, oldest first (the last
 * is the current hour); -1 where not known yet. */
void             wg_wall_get_hourly          (WgWall     *self,
                                              double      counts[WG_WALL_HOURS]);
/* GET /api/v1/presence's answer, NULL without a server or until known. */
JsonObject      *wg_wall_get_presence        (WgWall     *self);
/* Grid codes (char *) that stand out today against their own 4 weeks. */
GPtrArray       *wg_wall_get_standout_grids  (WgWall     *self);
/* Asks for the figures again now. */
void             wg_wall_refresh             (WgWall     *self);

/* The banner's incident (NULL when none) and, once acknowledged, who did. */
const char      *wg_wall_get_banner_incident (WgWall     *self);
const char      *wg_wall_get_acknowledged_by (WgWall     *self);

/* Whether the screen saver is held off (gtk_application_inhibit worked). */
gboolean         wg_wall_get_inhibited       (WgWall     *self);
void             wg_wall_set_inhibited       (WgWall     *self,
                                              gboolean    inhibited);

/* Whether a grid with @today cases today and @before cases in the 28 days
 * before stands out: at least three today and more than three times its
 * daily mean. */
gboolean         wg_wall_grid_stands_out     (guint       today,
                                              guint       before);

/* Which monitor shows the map and which the tiles: the largest (the first
 * of equals) the map, the next largest the tiles; with one monitor, both
 * in one window on it (@board_monitor = -1). */
void             wg_wall_choose_monitors     (GListModel *monitors,
                                              int        *map_monitor,
                                              int        *board_monitor);

/* Applies the "wall-text-scale" setting to the wall's style (app CSS), now
 * and whenever it changes. */
void             wg_wall_follow_text_scale   (GSettings  *settings);

G_END_DECLS
