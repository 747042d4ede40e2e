/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <shumate/shumate.h>

#include "wg-alarm-banner.h"
#include "wg-application.h"
#include "wg-context.h"
#include "wg-detail-pane.h"
#include "wg-incident-actions.h"
#include "wg-incident-board.h"
#include "wg-incident-model.h"
#include "wg-map-view.h"

G_BEGIN_DECLS

#define WG_TYPE_WINDOW (wg_window_get_type ())
G_DECLARE_FINAL_TYPE (WgWindow, wg_window, WG, WINDOW, AdwApplicationWindow)

/* Until the reference data says otherwise, the map opens on the Helong street. */
#define WG_HOME_LATITUDE   23.21
#define WG_HOME_LONGITUDE 113.29
#define WG_HOME_ZOOM       15.0

/* Without a context of the application's, the window runs on the demo
 * reference with an empty local store. */
WgWindow          *wg_window_new              (WgApplication *application);
WgWindow          *wg_window_new_with_context (WgApplication *application,
                                               WgContext     *context);
WgContext         *wg_window_get_context      (WgWindow      *self);
ShumateMap        *wg_window_get_map          (WgWindow      *self);
WgMapView         *wg_window_get_map_view     (WgWindow      *self);
GtkWidget         *wg_window_get_side_pane    (WgWindow      *self);
WgIncidentBoard   *wg_window_get_board        (WgWindow      *self);
/* Whether the detail sheet is open over the map (something is selected). */
gboolean           wg_window_get_detail_revealed (WgWindow    *self);
WgDetailPane      *wg_window_get_detail_pane  (WgWindow      *self);
WgAlarmBanner     *wg_window_get_alarm_banner (WgWindow      *self);
WgIncidentModel   *wg_window_get_model        (WgWindow      *self);
WgIncidentActions *wg_window_get_actions      (WgWindow      *self);
const char        *wg_window_get_connection_text (WgWindow   *self);
/* Shown in the header in place of the sync state (a replay says what it
 * replays); NULL gives the sync state back. */
void               wg_window_set_source_text  (WgWindow      *self,
                                               const char    *text);
const char        *wg_window_get_duty_text    (WgWindow      *self);
/* Opens the intake dialog (as Ctrl+N does) and returns it. */
GtkWidget         *wg_window_open_intake      (WgWindow      *self);

G_END_DECLS
