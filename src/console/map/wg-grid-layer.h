/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

/* The state that colours a grid, most urgent wins when several are set. */
typedef enum {
  WG_GRID_STATE_NONE           = 0,
  WG_GRID_STATE_OPEN_INCIDENTS = 1 << 0,
  WG_GRID_STATE_HOTSPOT        = 1 << 1,
  WG_GRID_STATE_OVERDUE        = 1 << 2,
  WG_GRID_STATE_EMERGENCY      = 1 << 3,
  /* An emergency here nobody has acknowledged yet: the fill flashes
   * (steady when animations are off). */
  WG_GRID_STATE_UNACKNOWLEDGED = 1 << 4,
} WgGridState;

GType wg_grid_state_get_type (void) G_GNUC_CONST;
#define WG_TYPE_GRID_STATE (wg_grid_state_get_type ())

/* One grid polygon: code, name, level (1 = top) and an outer ring of
 * WGS-84 points (lat, lon pairs; closing point optional). */
typedef struct _WgMapGrid WgMapGrid;

#define WG_TYPE_MAP_GRID (wg_map_grid_get_type ())
GType       wg_map_grid_get_type  (void) G_GNUC_CONST;
WgMapGrid  *wg_map_grid_new       (const char   *code,
                                   const char   *name,
                                   guint         level,
                                   const double *latlon,
                                   guint         n_points);
WgMapGrid  *wg_map_grid_ref       (WgMapGrid    *grid);
void        wg_map_grid_unref     (WgMapGrid    *grid);
const char *wg_map_grid_get_code  (WgMapGrid    *grid);
const char *wg_map_grid_get_name  (WgMapGrid    *grid);
guint       wg_map_grid_get_level (WgMapGrid    *grid);
void        wg_map_grid_get_bounds (WgMapGrid   *grid,
                                    double      *south,
                                    double      *west,
                                    double      *north,
                                    double      *east);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgMapGrid, wg_map_grid_unref)

#define WG_TYPE_GRID_LAYER (wg_grid_layer_get_type ())
G_DECLARE_FINAL_TYPE (WgGridLayer, wg_grid_layer, WG, GRID_LAYER, ShumateLayer)

WgGridLayer *wg_grid_layer_new            (ShumateViewport *viewport);
/* @grids: WgMapGrid elements; the layer keeps a reference to each. */
void         wg_grid_layer_set_grids      (WgGridLayer     *self,
                                           GPtrArray       *grids);
guint        wg_grid_layer_get_n_grids    (WgGridLayer     *self);
WgMapGrid   *wg_grid_layer_lookup         (WgGridLayer     *self,
                                           const char      *code);
void         wg_grid_layer_set_state      (WgGridLayer     *self,
                                           const char      *code,
                                           WgGridState      state,
                                           guint            n_open);
WgGridState  wg_grid_layer_get_state      (WgGridLayer     *self,
                                           const char      *code);
void         wg_grid_layer_clear_states   (WgGridLayer     *self);
void         wg_grid_layer_set_selected   (WgGridLayer     *self,
                                           const char      *code);
void         wg_grid_layer_set_gcj02      (WgGridLayer     *self,
                                           gboolean         gcj02);
/* TRUE while an unacknowledged emergency grid flashes on screen. */
gboolean     wg_grid_layer_is_pulsing     (WgGridLayer     *self);
/* The most detailed grid containing the widget point, or NULL. */
WgMapGrid   *wg_grid_layer_pick           (WgGridLayer     *self,
                                           double           x,
                                           double           y);

G_END_DECLS
