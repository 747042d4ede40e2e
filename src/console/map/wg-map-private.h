/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Helpers shared by the map layers: the Web Mercator projection done once
 * per snapshot (the same arithmetic as ShumateViewport, without a call and a
 * property lookup per point), and the icon textures the layers and the
 * legend share.
 */
#pragma once

#include <math.h>
#include <shumate/shumate.h>

#include "wg-position-store.h"
#include "wg-map-incident.h"
#include "wg-grid-layer.h"
#include "wg-force-layer.h"
#include "wg-incident-layer.h"
#include "wg-station-layer.h"
#include "wg-map-view.h"

G_BEGIN_DECLS

typedef struct
{
  double zoom;
  double scale;          /* world size in pixels: tile_size * 2^zoom */
  double ox, oy;         /* world pixel at the widget's (0, 0), unrotated */
  double width, height;
  double rotation;       /* radians, around the widget's centre */
} WgMapProjection;

#define WG_MAX_LATITUDE 85.0511287798

static inline void
_wg_mercator (double  lat,
              double  lon,
              double *mx,
              double *my)
{
  double s;

  lat = CLAMP (lat, -WG_MAX_LATITUDE, WG_MAX_LATITUDE);
  s = sin (lat * G_PI / 180.0);
  *mx = (lon + 180.0) / 360.0;
  *my = 0.5 - log ((1.0 + s) / (1.0 - s)) / (4.0 * G_PI);
}

static inline void
_wg_mercator_inverse (double  mx,
                      double  my,
                      double *lat,
                      double *lon)
{
  *lon = mx * 360.0 - 180.0;
  *lat = 180.0 / G_PI * atan (sinh (G_PI * (1.0 - 2.0 * my)));
}

static inline void
_wg_projection_to_widget (const WgMapProjection *p,
                          double                 mx,
                          double                 my,
                          double                *x,
                          double                *y)
{
  *x = mx * p->scale - p->ox;
  *y = my * p->scale - p->oy;
}

gboolean  _wg_projection_init         (WgMapProjection *p,
                                       GtkWidget       *widget,
                                       ShumateViewport *viewport);
void      _wg_projection_unrotate     (const WgMapProjection *p,
                                       double                *x,
                                       double                *y);
void      _wg_projection_push_rotation (const WgMapProjection *p,
                                        GtkSnapshot           *snapshot);
/* Projects a WGS-84 point to the unit square, shifted to GCJ-02 if asked. */
void      _wg_project_point           (double    lat,
                                       double    lon,
                                       gboolean  gcj02,
                                       double   *mx,
                                       double   *my);

/* Colours */
void      _wg_grade_color             (WgMapGrade    grade,
                                       GdkRGBA      *rgba);
void      _wg_status_color            (WgPositionStatus  status,
                                       GdkRGBA      *rgba);
void      _wg_grid_state_color        (WgGridState   state,
                                       GdkRGBA      *fill,
                                       GdkRGBA      *stroke);

/* Icons (cached per scale factor; transfer none) */
GdkTexture *_wg_icon_incident          (WgMapGrade    grade,
                                        int           scale);
GdkTexture *_wg_icon_unit              (WgUnitType    type,
                                        WgPositionStatus  status,
                                        gboolean      stale,
                                        int           scale);
GdkTexture *_wg_icon_station           (int           scale);
GdkTexture *_wg_icon_grid_swatch       (WgGridState   state,
                                        int           scale);
/* transfer full */
GdkTexture *_wg_texture_from_surface   (cairo_surface_t *surface);
GdkTexture *_wg_render_badge           (const char   *text,
                                        const GdkRGBA *bg,
                                        double        min_size,
                                        int           scale);

/* What the last frame showed, for keyboard stepping: one entry per
 * selectable thing on screen (clusters and hidden stack members are not
 * selectable), in unrotated widget coordinates.  kind is a
 * WgMapSelectionKind; id is borrowed from the layer. */
typedef struct
{
  int         kind;
  const char *id;
  double      x, y;
} WgMapItem;

void        _wg_incident_layer_collect (WgIncidentLayer *self,
                                        GArray          *items);
void        _wg_force_layer_collect    (WgForceLayer    *self,
                                        GArray          *items);
void        _wg_station_layer_collect  (WgStationLayer  *self,
                                        GArray          *items);
void        _wg_grid_layer_collect     (WgGridLayer     *self,
                                        GArray          *items);

/* The grid labels as a layer above the forces (transfer floating) */
ShumateLayer *_wg_grid_layer_create_label_layer (WgGridLayer *self);

/* Labels do not cover each other: what a more important layer occupies on
 * screen (graphene_rect_t, widget coordinates of projection @p) is added
 * to @rects, and a lesser label that would overlap one is left out: a
 * station's name gives way to incident pins, a grid's name to stations
 * (icon and name) and pins.  The layers redraw their @dependent (weak)
 * when what they occupy changes. */
void        _wg_incident_layer_add_obstacles (WgIncidentLayer       *self,
                                              const WgMapProjection *p,
                                              GArray                *rects);
void        _wg_station_layer_add_obstacles  (WgStationLayer        *self,
                                              const WgMapProjection *p,
                                              GArray                *rects);
void        _wg_incident_layer_add_dependent (WgIncidentLayer       *self,
                                              GtkWidget             *dependent);
void        _wg_station_layer_set_incidents  (WgStationLayer        *self,
                                              WgIncidentLayer       *incidents);
void        _wg_grid_layer_set_obstacles     (WgGridLayer           *self,
                                              WgStationLayer        *stations,
                                              WgIncidentLayer       *incidents);
gboolean    _wg_rect_hits_any                (const graphene_rect_t *rect,
                                              GArray                *rects);
/* Redraws the grid names (what they give way to changed). */
void        _wg_grid_layer_queue_labels      (WgGridLayer           *self);
/* Grid names drawn in the last frame (for tests). */
guint       _wg_grid_layer_get_n_labels      (WgGridLayer           *self);

/* Pulsing (unacknowledged emergencies): the incident ring and the grid
 * fill move in the same steps, drawn by the pulse layer (wg-pulse-layer.h)
 * on a timer.  PULSE_STEPS per period: 5 fps, not the display rate: each
 * step repaints its area (costly in software). */
#define WG_PULSE_PERIOD_US (1200 * 1000)
#define WG_PULSE_STEPS 6
/* 0 <= phase < 1, in WG_PULSE_STEPS steps */
double      _wg_pulse_phase            (void);
/* FALSE when the user asked for reduced motion (gtk-enable-animations). */
gboolean    _wg_animations_enabled     (GtkWidget    *widget);
/* TRUE when @widget's window renders with cairo (software OpenGL): there a
 * colour node costs a cairo_fill of its own, and paths are cheaper. */
gboolean    _wg_renders_with_cairo     (GtkWidget    *widget);
/* For the pulse layer: draw what pulses at @phase (nothing unless
 * @animate: the layer then draws it steady itself), in the projection @p
 * with its rotation pushed; TRUE when something pulsing is on screen.
 * The layers redraw @pulse_layer (weak) when what pulses may change. */
gboolean    _wg_grid_layer_snapshot_pulse     (WgGridLayer           *self,
                                               GtkSnapshot           *snapshot,
                                               const WgMapProjection *p,
                                               double                 phase,
                                               gboolean               animate);
gboolean    _wg_incident_layer_snapshot_pulse (WgIncidentLayer       *self,
                                               GtkSnapshot           *snapshot,
                                               const WgMapProjection *p,
                                               double                 phase,
                                               gboolean               animate);
void        _wg_grid_layer_set_pulse_layer    (WgGridLayer           *self,
                                               GtkWidget             *pulse_layer);
void        _wg_incident_layer_set_pulse_layer (WgIncidentLayer      *self,
                                                GtkWidget            *pulse_layer);

#define WG_INCIDENT_ICON_SIZE 26.0
#define WG_UNIT_ICON_SIZE     16.0
#define WG_STATION_ICON_SIZE  24.0

G_END_DECLS
