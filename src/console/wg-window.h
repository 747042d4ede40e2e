/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <shumate/shumate.h>

#include "wg-application.h"

G_BEGIN_DECLS

#define WG_TYPE_WINDOW (wg_window_get_type ())
G_DECLARE_FINAL_TYPE (WgWindow, wg_window, WG, WINDOW, AdwApplicationWindow)

/* Until the reference data says otherwise, the map opens on the Helong street. */
#define WG_HOME_LATITUDE   23.21
#define WG_HOME_LONGITUDE 113.29
#define WG_HOME_ZOOM       15.0

WgWindow   *wg_window_new            (WgApplication *application);
ShumateMap *wg_window_get_map        (WgWindow      *self);
GtkWidget  *wg_window_get_side_pane  (WgWindow      *self);

G_END_DECLS
