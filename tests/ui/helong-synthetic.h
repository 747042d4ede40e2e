/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Synthetic Helong-like data for map tests, the benchmark and screenshots
 * (the real reference data is loaded by the console).  Deterministic.
 */
#pragma once

#include "wg-map-view.h"

G_BEGIN_DECLS

#define HELONG_LAT 23.210
#define HELONG_LON 113.290
#define HELONG_COLS 9
#define HELONG_ROWS 7

/* 63 grids (codes "HL-RR-CC"), jittered quads tiling about 4 x 2.8 km */
GPtrArray    *helong_grids            (void);
/* 11 stations */
WgMapStation *helong_stations         (guint           *n_stations);
void          helong_stations_free    (WgMapStation    *stations,
                                       guint            n_stations);
/* @n_units units scattered over the area, ids "unit-%u" */
void          helong_fill_store       (WgPositionStore *store,
                                       guint            n_units,
                                       gint64           now_ms,
                                       guint32          seed);
/* Move every unit a few metres (one 1 Hz update), as one batch */
void          helong_move_units       (WgPositionStore *store,
                                       gint64           now_ms,
                                       GRand           *rand);
/* @n incidents, ids "inc-%u"; about 5% emergencies (a few unacknowledged) */
GListStore   *helong_incidents        (guint            n,
                                       guint32          seed);
/* A plausible mix of grid states */
void          helong_set_grid_states  (WgGridLayer     *layer);

G_END_DECLS
