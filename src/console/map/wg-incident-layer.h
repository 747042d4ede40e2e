/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "wg-map-incident.h"

G_BEGIN_DECLS

#define WG_TYPE_INCIDENT_LAYER (wg_incident_layer_get_type ())
G_DECLARE_FINAL_TYPE (WgIncidentLayer, wg_incident_layer, WG, INCIDENT_LAYER, ShumateLayer)

WgIncidentLayer *wg_incident_layer_new           (ShumateViewport *viewport);
/* @model: a GListModel of WgMapIncident.  Closed and cancelled ones are
 * not drawn. */
void             wg_incident_layer_set_model     (WgIncidentLayer *self,
                                                  GListModel      *model);
GListModel      *wg_incident_layer_get_model     (WgIncidentLayer *self);
void             wg_incident_layer_set_selected  (WgIncidentLayer *self,
                                                  const char      *id);
void             wg_incident_layer_set_gcj02     (WgIncidentLayer *self,
                                                  gboolean         gcj02);
WgMapIncident   *wg_incident_layer_lookup        (WgIncidentLayer *self,
                                                  const char      *id);
/* The incident drawn under the widget point (the most urgent of a stack),
 * or NULL; @stack_size says how many share its spot. */
WgMapIncident   *wg_incident_layer_pick          (WgIncidentLayer *self,
                                                  double           x,
                                                  double           y,
                                                  guint           *stack_size);
/* TRUE while an unacknowledged emergency is on screen (and it pulses). */
gboolean         wg_incident_layer_is_pulsing    (WgIncidentLayer *self);

G_END_DECLS
