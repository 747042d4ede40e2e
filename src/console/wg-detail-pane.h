/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-context.h"
#include "wg-incident-actions.h"
#include "wg-incident-model.h"

G_BEGIN_DECLS

/* The selected incident in full: summary, location, source, caller,
 * timeline, the current step's clock, assignments with their timers, and
 * at the bottom the two or three actions the moment calls for as buttons,
 * the rest of what the role may do now in a menu with their keys. */
#define WG_TYPE_DETAIL_PANE (wg_detail_pane_get_type ())
G_DECLARE_FINAL_TYPE (WgDetailPane, wg_detail_pane, WG, DETAIL_PANE, GtkWidget)

GtkWidget  *wg_detail_pane_new                 (WgContext         *context,
                                                WgIncidentModel   *model,
                                                WgIncidentActions *actions);
/* The button of an "incident." action when the moment shows it as one
 * (wg-action-table.h), or NULL. */
GtkWidget  *wg_detail_pane_get_action_button   (WgDetailPane      *self,
                                                const char        *action_name);
/* The menu of the other actions allowed now, or NULL when there are none. */
GMenuModel *wg_detail_pane_get_more_menu       (WgDetailPane      *self);
/* The force shown (selected on the map), or NULL. */
const char *wg_detail_pane_get_unit            (WgDetailPane      *self);
/* Its unit.status button for @status ("available", "busy", "off_duty"),
 * or NULL when the role may not set it. */
GtkWidget  *wg_detail_pane_get_unit_status_button (WgDetailPane   *self,
                                                   const char     *status);
/* The caller as shown (masked unless the role may see it). */
const char *wg_detail_pane_get_caller_text     (WgDetailPane      *self);
guint       wg_detail_pane_get_n_timeline_rows (WgDetailPane      *self);
/* The WgIncidentDetail when it shows, else NULL: built once, then updated
 * in place. */
GtkWidget  *wg_detail_pane_get_incident_detail (WgDetailPane      *self);
/* The selected incident's events (WgTimelineModel). */
GListModel *wg_detail_pane_get_timeline        (WgDetailPane      *self);
/* How many assignment rows are red (not acknowledged in time). */
guint       wg_detail_pane_get_n_late_assignments (WgDetailPane   *self);

/* Photos of the incident shown, and how many thumbnails (the Photos
 * section, then the timeline's) have their picture. */
guint       wg_detail_pane_get_n_photos        (WgDetailPane      *self);
guint       wg_detail_pane_get_n_thumbnails_shown (WgDetailPane   *self);
/* The button of the @index-th thumbnail (it opens the viewer), or NULL. */
GtkWidget  *wg_detail_pane_get_thumbnail_button (WgDetailPane     *self,
                                                 guint             index);

G_END_DECLS
