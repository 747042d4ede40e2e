/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

#include "wg-clock.h"
#include "wg-position-store.h"

G_BEGIN_DECLS

#define WG_TYPE_FORCE_LAYER (wg_force_layer_get_type ())
G_DECLARE_FINAL_TYPE (WgForceLayer, wg_force_layer, WG, FORCE_LAYER, ShumateLayer)

WgForceLayer    *wg_force_layer_new              (ShumateViewport *viewport);
void             wg_force_layer_set_store        (WgForceLayer    *self,
                                                  WgPositionStore *store);
WgPositionStore *wg_force_layer_get_store        (WgForceLayer    *self);
/* "now" for staleness; live or replay.  Without a clock, nothing is stale. */
void             wg_force_layer_set_clock        (WgForceLayer    *self,
                                                  WgClock         *clock);
void             wg_force_layer_set_stale_after  (WgForceLayer    *self,
                                                  guint            seconds);
void             wg_force_layer_set_show_trails  (WgForceLayer    *self,
                                                  gboolean         show_trails);
gboolean         wg_force_layer_get_show_trails  (WgForceLayer    *self);
void             wg_force_layer_set_selected     (WgForceLayer    *self,
                                                  int              unit_index);
void             wg_force_layer_set_gcj02        (WgForceLayer    *self,
                                                  gboolean         gcj02);
/* What is drawn under the widget point, from the last frame: a unit index
 * (>= 0), or -1; @cluster_size tells how many units a cluster holds
 * (1 for a single unit), with the cluster's centre in @cluster_lat/lon. */
int              wg_force_layer_pick             (WgForceLayer    *self,
                                                  double           x,
                                                  double           y,
                                                  guint           *cluster_size,
                                                  double          *cluster_lat,
                                                  double          *cluster_lon);
/* Counters for tests and benchmarks. */
guint            wg_force_layer_get_n_drawn_units    (WgForceLayer *self);
guint            wg_force_layer_get_n_drawn_clusters (WgForceLayer *self);

G_END_DECLS
