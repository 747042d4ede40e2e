/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

typedef struct
{
  const char *id;
  const char *name;
  double      lat;
  double      lon;
} WgMapStation;

#define WG_TYPE_STATION_LAYER (wg_station_layer_get_type ())
G_DECLARE_FINAL_TYPE (WgStationLayer, wg_station_layer, WG, STATION_LAYER, ShumateLayer)

WgStationLayer *wg_station_layer_new          (ShumateViewport    *viewport);
/* Copies @stations. */
void            wg_station_layer_set_stations (WgStationLayer     *self,
                                               const WgMapStation *stations,
                                               guint               n_stations);
guint           wg_station_layer_get_n_stations (WgStationLayer   *self);
void            wg_station_layer_set_gcj02    (WgStationLayer     *self,
                                               gboolean            gcj02);
/* The id of the station whose icon is under the widget point, or NULL. */
const char     *wg_station_layer_pick         (WgStationLayer     *self,
                                               double              x,
                                               double              y);
gboolean        wg_station_layer_get_location (WgStationLayer     *self,
                                               const char         *id,
                                               double             *lat,
                                               double             *lon);
const char     *wg_station_layer_get_name     (WgStationLayer     *self,
                                               const char         *id);

G_END_DECLS
