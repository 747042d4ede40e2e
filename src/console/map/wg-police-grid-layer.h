/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

/* A police grid (警务网格) to draw: its outline as lat/lon pairs. */
typedef struct
{
  const char   *code;
  const char   *name;
  const double *latlon;     /* 2 * n_points: lat, lon, lat, lon, ... */
  guint         n_points;
} WgMapPoliceGrid;

#define WG_TYPE_POLICE_GRID_LAYER (wg_police_grid_layer_get_type ())
G_DECLARE_FINAL_TYPE (WgPoliceGridLayer, wg_police_grid_layer, WG, POLICE_GRID_LAYER, ShumateLayer)

/* Hidden until switched on (its "visible" property). */
WgPoliceGridLayer *wg_police_grid_layer_new         (ShumateViewport       *viewport);
/* Copies @areas. */
void               wg_police_grid_layer_set_areas   (WgPoliceGridLayer     *self,
                                                     const WgMapPoliceGrid *areas,
                                                     guint                  n_areas);
guint              wg_police_grid_layer_get_n_areas (WgPoliceGridLayer     *self);
void               wg_police_grid_layer_set_gcj02   (WgPoliceGridLayer     *self,
                                                     gboolean               gcj02);

G_END_DECLS
