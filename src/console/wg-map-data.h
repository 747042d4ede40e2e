/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-map-view.h"
#include "wg-reference.h"

G_BEGIN_DECLS

/* Feeds a WgMapView with the reference data: grids below the street
 * level, and the work stations. */
void wg_map_data_load_reference (WgMapView   *view,
                                 WgReference *reference);

G_END_DECLS
