/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "wg-grid-layer.h"
#include "wg-incident-layer.h"

G_BEGIN_DECLS

/* What pulses on the map, and only that: the rings of unacknowledged
 * emergencies and their grids' flashing fills, drawn in a layer of their
 * own above the grids so that each step of the pulse re-draws a few nodes
 * (the other layers keep their cached pictures and the changed area stays
 * small).  Steps come from a timer at WG_PULSE_STEPS per period, not from
 * the frame clock, which then sleeps between them.  With reduced motion it
 * draws nothing; the layers draw their steady marks themselves. */
#define WG_TYPE_PULSE_LAYER (wg_pulse_layer_get_type ())
G_DECLARE_FINAL_TYPE (WgPulseLayer, wg_pulse_layer, WG, PULSE_LAYER, ShumateLayer)

WgPulseLayer *wg_pulse_layer_new         (ShumateViewport *viewport,
                                          WgGridLayer     *grids,
                                          WgIncidentLayer *incidents);
/* Whether the pulse timer runs (something pulses on screen). */
gboolean      wg_pulse_layer_is_running  (WgPulseLayer    *self);

G_END_DECLS
