/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <shumate/shumate.h>

#include "wg-force-layer.h"
#include "wg-grid-layer.h"
#include "wg-incident-layer.h"
#include "wg-police-grid-layer.h"
#include "wg-station-layer.h"

G_BEGIN_DECLS

typedef enum {
  WG_MAP_SELECTION_NONE,
  WG_MAP_SELECTION_INCIDENT,
  WG_MAP_SELECTION_UNIT,
  WG_MAP_SELECTION_STATION,
  WG_MAP_SELECTION_GRID,
} WgMapSelectionKind;

GType wg_map_selection_kind_get_type (void) G_GNUC_CONST;
#define WG_TYPE_MAP_SELECTION_KIND (wg_map_selection_kind_get_type ())

#define WG_TYPE_MAP_VIEW (wg_map_view_get_type ())
G_DECLARE_FINAL_TYPE (WgMapView, wg_map_view, WG, MAP_VIEW, GtkWidget)

GtkWidget          *wg_map_view_new                (void);

ShumateMap         *wg_map_view_get_map            (WgMapView  *self);
ShumateViewport    *wg_map_view_get_viewport       (WgMapView  *self);
WgGridLayer        *wg_map_view_get_grid_layer     (WgMapView  *self);
WgStationLayer     *wg_map_view_get_station_layer  (WgMapView  *self);
WgForceLayer       *wg_map_view_get_force_layer    (WgMapView  *self);
WgIncidentLayer    *wg_map_view_get_incident_layer (WgMapView  *self);
/* Hidden until switched on: show it with its "visible" property. */
WgPoliceGridLayer  *wg_map_view_get_police_grid_layer (WgMapView *self);

/* "schematic" (or NULL/""), "mbtiles:/path/file.mbtiles",
 * "xyz:https://tile.example/{z}/{x}/{y}.png"; "mbtiles-gcj02:" and
 * "xyz-gcj02:" for sources in GCJ-02 (sets the gcj02 property; any other
 * spec clears it).  Switchable at any time; a source that cannot be used
 * leaves the schematic background and sets base-map-error. */
void                wg_map_view_set_base_map       (WgMapView  *self,
                                                    const char *spec);
const char         *wg_map_view_get_base_map       (WgMapView  *self);
const char         *wg_map_view_get_base_map_error (WgMapView  *self);
void                wg_map_view_set_cache_dir      (WgMapView  *self,
                                                    const char *cache_dir);
const char         *wg_map_view_get_cache_dir      (WgMapView  *self);
/* The base map is in GCJ-02: shift the WGS-84 overlays onto it. */
void                wg_map_view_set_gcj02          (WgMapView  *self,
                                                    gboolean    gcj02);
gboolean            wg_map_view_get_gcj02          (WgMapView  *self);
gboolean            wg_map_view_get_offline        (WgMapView  *self);
void                wg_map_view_set_show_legend    (WgMapView  *self,
                                                    gboolean    show_legend);
gboolean            wg_map_view_get_show_legend    (WgMapView  *self);
/* Animation length for fly-to and fit, in ms (0: jump). */
void                wg_map_view_set_fly_duration   (WgMapView  *self,
                                                    guint       ms);

/* Data */
void                wg_map_view_set_grids          (WgMapView  *self,
                                                    GPtrArray  *grids);
void                wg_map_view_set_stations       (WgMapView          *self,
                                                    const WgMapStation *stations,
                                                    guint               n_stations);
void                wg_map_view_set_position_store (WgMapView       *self,
                                                    WgPositionStore *store);
void                wg_map_view_set_incidents      (WgMapView  *self,
                                                    GListModel *incidents);
void                wg_map_view_set_clock          (WgMapView  *self,
                                                    WgClock    *clock);

/* Selection: a kind and an id (incident id, unit id, station id, grid
 * code).  Properties "selection-kind" and "selection-id". */
WgMapSelectionKind  wg_map_view_get_selection_kind (WgMapView  *self);
const char         *wg_map_view_get_selection_id   (WgMapView  *self);
void                wg_map_view_select             (WgMapView          *self,
                                                    WgMapSelectionKind  kind,
                                                    const char         *id);
/* Hit test at a widget point, as a click does; TRUE if something was hit
 * (selection changes to it, or to none). */
gboolean            wg_map_view_select_at          (WgMapView  *self,
                                                    double      x,
                                                    double      y);
/* Describe what is under a point (tooltip text), or NULL. */
char               *wg_map_view_describe_at        (WgMapView  *self,
                                                    double      x,
                                                    double      y);
/* The selection in words (what its tooltip says), or NULL */
char               *wg_map_view_describe_selection (WgMapView *self);
/* Keyboard stepping: selects the next (@direction > 0) or previous thing
 * on screen, nearest to the centre first, and shows its description in a
 * callout.  FALSE if nothing is on screen. */
gboolean            wg_map_view_step               (WgMapView  *self,
                                                    int         direction);
/* The callout's text while it shows, or NULL */
const char         *wg_map_view_get_callout        (WgMapView  *self);

/* Camera */
void                wg_map_view_fly_to             (WgMapView  *self,
                                                    double      lat,
                                                    double      lon,
                                                    double      zoom);
gboolean            wg_map_view_fly_to_incident    (WgMapView  *self,
                                                    const char *id);
gboolean            wg_map_view_fly_to_unit        (WgMapView  *self,
                                                    const char *unit_id);
void                wg_map_view_fit_bounds         (WgMapView  *self,
                                                    double      south,
                                                    double      west,
                                                    double      north,
                                                    double      east);
gboolean            wg_map_view_fit_grid           (WgMapView  *self,
                                                    const char *code);
gboolean            wg_map_view_fit_open_emergencies (WgMapView *self);
/* Widget coordinates of a WGS-84 point (with the GCJ-02 shift if set). */
void                wg_map_view_location_to_widget (WgMapView  *self,
                                                    double      lat,
                                                    double      lon,
                                                    double     *x,
                                                    double     *y);

G_END_DECLS
