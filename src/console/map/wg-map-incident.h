/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  WG_MAP_GRADE_GENERAL,
  WG_MAP_GRADE_PROFESSIONAL,
  WG_MAP_GRADE_EMERGENCY,
} WgMapGrade;

GType wg_map_grade_get_type (void) G_GNUC_CONST;
#define WG_TYPE_MAP_GRADE (wg_map_grade_get_type ())

/* What the map needs to know of an incident.  The console keeps a
 * GListModel of these in step with its incident projection and hands it to
 * WgIncidentLayer; property changes redraw the map. */
#define WG_TYPE_MAP_INCIDENT (wg_map_incident_get_type ())
G_DECLARE_FINAL_TYPE (WgMapIncident, wg_map_incident, WG, MAP_INCIDENT, GObject)

WgMapIncident *wg_map_incident_new              (const char    *id,
                                                 const char    *case_number,
                                                 WgMapGrade     grade,
                                                 double         lat,
                                                 double         lon);
const char    *wg_map_incident_get_id           (WgMapIncident *self);
const char    *wg_map_incident_get_case_number  (WgMapIncident *self);
const char    *wg_map_incident_get_summary      (WgMapIncident *self);
void           wg_map_incident_set_summary      (WgMapIncident *self,
                                                 const char    *summary);
WgMapGrade     wg_map_incident_get_grade        (WgMapIncident *self);
void           wg_map_incident_set_grade        (WgMapIncident *self,
                                                 WgMapGrade     grade);
double         wg_map_incident_get_latitude     (WgMapIncident *self);
double         wg_map_incident_get_longitude    (WgMapIncident *self);
void           wg_map_incident_set_location     (WgMapIncident *self,
                                                 double         lat,
                                                 double         lon);
gboolean       wg_map_incident_get_acknowledged (WgMapIncident *self);
void           wg_map_incident_set_acknowledged (WgMapIncident *self,
                                                 gboolean       acknowledged);
/* protocol state slug: "reported", "dispatched", ..., "closed" */
const char    *wg_map_incident_get_state        (WgMapIncident *self);
void           wg_map_incident_set_state        (WgMapIncident *self,
                                                 const char    *state);
gboolean       wg_map_incident_is_open          (WgMapIncident *self);

G_END_DECLS
