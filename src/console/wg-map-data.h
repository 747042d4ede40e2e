/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-map-view.h"
#include "wg-reference.h"

G_BEGIN_DECLS

/* Feeds a WgMapView with the reference data: grids below the street
 * level, and the work stations. */
void wg_map_data_load_reference (WgMapView   *view,
                                 WgReference *reference);
/* The grid fills from the open incidents of @incidents (WgIncidentItem*):
 * open, emergency, unacknowledged emergency, overdue at @now_ms, and how
 * many are open in each grid; the grids of @hotspots (grid codes, may be
 * NULL) are marked as hotspots too (the wall's). */
void wg_map_data_fill_grid_states (WgMapView  *view,
                                   GListModel *incidents,
                                   gint64      now_ms,
                                   GPtrArray  *hotspots);

G_END_DECLS
