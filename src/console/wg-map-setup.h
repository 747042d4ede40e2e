/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-context.h"
#include "wg-incident-model.h"
#include "wg-map-view.h"

G_BEGIN_DECLS

/* What the live window's map and the wall's have in common: @context's
 * street (its grids, stations and forces, their positions), @model's
 * incidents, on @context's view clock, without the legend. */
void wg_map_setup_show_context (WgMapView       *map,
                                WgContext       *context,
                                WgIncidentModel *model);
/* The whole street in view (the reference's root grid), or the demo's
 * home without one. */
void wg_map_setup_go_home      (WgMapView       *map,
                                WgReference     *reference);

G_END_DECLS
