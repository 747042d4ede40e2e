/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-assignment-list.h"
#include "wg-context.h"
#include "wg-incident-model.h"
#include "wg-timeline-model.h"

G_BEGIN_DECLS

/* One incident in full: case number, grade, state, summary, the current
 * step's clock, where, who reported it (the caller masked unless the role
 * may see it), its photos, assignments with their timers and the
 * timeline.  Built once from its template and updated in place from its
 * view-models: the record from the incident model, the assignments from a
 * WgAssignmentList, the events from a WgTimelineModel (one new event is one
 * new row). */
#define WG_TYPE_INCIDENT_DETAIL (wg_incident_detail_get_type ())
G_DECLARE_FINAL_TYPE (WgIncidentDetail, wg_incident_detail, WG, INCIDENT_DETAIL, GtkWidget)

/* An assignment still notified after this long turns red. */
#define WG_ASSIGNMENT_ACK_LIMIT_MS (60 * 1000)

/* @timeline and @assignments follow the incident shown: whoever picks the
 * incident sets it on them, then calls wg_incident_detail_update (). */
GtkWidget  *wg_incident_detail_new              (WgContext        *context,
                                                 WgIncidentModel  *model,
                                                 WgTimelineModel  *timeline,
                                                 WgAssignmentList *assignments);
/* Shows the timeline's incident as the view-models hold it now; FALSE when
 * the incident model does not know it. */
gboolean    wg_incident_detail_update           (WgIncidentDetail *self);

/* The caller as shown (masked unless the role may see it), or NULL. */
const char *wg_incident_detail_get_caller_text  (WgIncidentDetail *self);
guint       wg_incident_detail_get_n_timeline_rows (WgIncidentDetail *self);
/* How many assignment rows are red (not acknowledged in time). */
/* The assignment rows shown (read from the cache after the incident). */
guint       wg_incident_detail_get_n_assignments (WgIncidentDetail *self);
guint       wg_incident_detail_get_n_late_assignments (WgIncidentDetail *self);
/* Photos of the incident, and how many thumbnails (the Photos section,
 * then the timeline's) have their picture. */
guint       wg_incident_detail_get_n_photos     (WgIncidentDetail *self);
guint       wg_incident_detail_get_n_thumbnails_shown (WgIncidentDetail *self);
/* The button of the @index-th thumbnail (it opens the viewer), or NULL. */
GtkWidget  *wg_incident_detail_get_thumbnail_button (WgIncidentDetail *self,
                                                     guint             index);

G_END_DECLS
