/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-vocab.h"

G_BEGIN_DECLS

/* Labels for people (translated) of the protocol's vocabulary. */
const char *wg_grade_label            (WgGrade           grade);
const char *wg_incident_state_label   (WgIncidentState   state);
const char *wg_assignment_state_label (WgAssignmentState state);
const char *wg_role_label             (WgRole            role);
const char *wg_unit_status_label      (WgUnitStatus      status);
/* WgForceType (wg-reference.h), as an int to keep this header light. */
const char *wg_force_type_label       (int               type);
const char *wg_event_type_label       (WgEventType       type);
const char *wg_command_label          (WgCommandType     type);
/* How a report came in: "phone", "walk_in", "field", "online", "other". */
const char *wg_source_label           (const char       *source);
/* "grade-emergency", ... for CSS. */
const char *wg_grade_css_class        (WgGrade           grade);

/* "45 s", "12:05", "3 h 20 min", "2 d 4 h"; negative durations get a
 * leading minus. */
char       *wg_format_duration        (gint64            ms);
/* Local time of day in the centre's zone, "14:02:18". */
char       *wg_format_time_of_day     (gint64            utc_ms,
                                       GTimeZone        *zone);

/* Replaces every CSS class of @widget starting with @prefix by @css_class
 * (NULL: removes them). */
void        wg_widget_set_css_variant (GtkWidget        *widget,
                                       const char       *prefix,
                                       const char       *css_class);

/* On software OpenGL (llvmpipe and its kin: desk PCs without a GPU, Xvfb)
 * GTK 4.8's GL renderer repaints the whole window for every frame, so a
 * pulsing alarm or a ticking timer costs most of a core; its cairo renderer
 * repaints only what changed.  Picks cairo there, before the first window
 * is realised; a GSK_RENDERER the user set wins. */
void        wg_prefer_cairo_on_software_gl (GdkDisplay   *display);

G_END_DECLS
