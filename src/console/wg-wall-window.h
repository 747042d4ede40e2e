/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wg-map-view.h"
#include "wg-wall.h"

G_BEGIN_DECLS

typedef enum {
  WG_WALL_PART_ALL,     /* one monitor: the map with the tiles beside it */
  WG_WALL_PART_MAP,     /* the map alone */
  WG_WALL_PART_BOARD,   /* the tiles and the open cases */
} WgWallPart;

/* A window of the big screen: shows one WgWall (read only: no actions,
 * no keys but F11, no pointer, no tooltips). */
#define WG_TYPE_WALL_WINDOW (wg_wall_window_get_type ())
G_DECLARE_FINAL_TYPE (WgWallWindow, wg_wall_window, WG, WALL_WINDOW, AdwApplicationWindow)

WgWallWindow *wg_wall_window_new          (GtkApplication *application,
                                           WgWall         *wall,
                                           WgWallPart      part);
WgWall       *wg_wall_window_get_wall     (WgWallWindow   *self);
WgWallPart    wg_wall_window_get_part     (WgWallWindow   *self);
WgMapView    *wg_wall_window_get_map_view (WgWallWindow   *self);
/* The grid of tiles (for tests). */
GtkWidget    *wg_wall_window_get_tiles    (WgWallWindow   *self);
/* The emergency banner over the window (for tests). */
GtkWidget    *wg_wall_window_get_banner   (WgWallWindow   *self);
/* Fullscreen on @monitor (NULL: wherever the window is); the monitor
 * asked for is kept, for tests (without a window manager nothing
 * happens). */
void          wg_wall_window_fullscreen_on (WgWallWindow  *self,
                                            GdkMonitor    *monitor);
GdkMonitor   *wg_wall_window_get_monitor  (WgWallWindow   *self);
/* What F11 last asked for. */
gboolean      wg_wall_window_get_fullscreen_requested (WgWallWindow *self);

/* Opens the wall on @monitors (the display's when NULL): the map on one
 * and the tiles on another, or both in one window on a single monitor,
 * each fullscreen on its monitor; dark, the pointer hidden, the screen
 * saver held off.  When a monitor comes or goes, the wall's windows open
 * again on the monitors there are then.  Returns the windows (map
 * first). */
GPtrArray    *wg_wall_window_open_all     (GtkApplication *application,
                                           WgWall         *wall,
                                           GListModel     *monitors);

G_END_DECLS
