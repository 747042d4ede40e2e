/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Coordinates are WGS 84 degrees.  Polygons are planar in lon/lat (fine at
 * street and city scale); areas and distances are in metres. */

typedef struct
{
  double lon;
  double lat;
} WgGeoPoint;

typedef struct
{
  double min_lon;
  double min_lat;
  double max_lon;
  double max_lat;
} WgGeoBBox;

#define WG_GEO_ERROR (wg_geo_error_quark ())

typedef enum {
  WG_GEO_ERROR_TOO_FEW_POINTS,
  WG_GEO_ERROR_OUT_OF_RANGE,
  WG_GEO_ERROR_SELF_INTERSECTION,
  WG_GEO_ERROR_ZERO_AREA,
  WG_GEO_ERROR_HOLE_OUTSIDE,
} WgGeoError;

GQuark      wg_geo_error_quark          (void);

double      wg_geo_distance_m           (double lat1,
                                         double lon1,
                                         double lat2,
                                         double lon2);

gboolean    wg_geo_bbox_contains        (const WgGeoBBox *bbox,
                                         double           lat,
                                         double           lon);
gboolean    wg_geo_bbox_intersects      (const WgGeoBBox *a,
                                         const WgGeoBBox *b);
WgGeoBBox   wg_geo_bbox_empty           (void);
void        wg_geo_bbox_extend          (WgGeoBBox       *bbox,
                                         double           lat,
                                         double           lon);

/* Crossing-number test with a half-open rule: a point on an edge shared by
 * two rings that use the same vertices belongs to exactly one of them. */
gboolean    wg_geo_ring_contains        (const WgGeoPoint *ring,
                                         guint             n_points,
                                         double            lat,
                                         double            lon);
/* Signed, in square degrees; positive when counter-clockwise. */
double      wg_geo_ring_signed_area     (const WgGeoPoint *ring,
                                         guint             n_points);

/* A polygon or multipolygon: rings under the even-odd rule, each flagged as
 * outer or hole.  Rings are stored open (the closing point dropped). */
typedef struct _WgGeoShape WgGeoShape;

#define WG_TYPE_GEO_SHAPE (wg_geo_shape_get_type ())
GType        wg_geo_shape_get_type      (void) G_GNUC_CONST;
WgGeoShape  *wg_geo_shape_new           (void);
WgGeoShape  *wg_geo_shape_ref           (WgGeoShape       *self);
void         wg_geo_shape_unref         (WgGeoShape       *self);
void         wg_geo_shape_add_ring      (WgGeoShape       *self,
                                         const WgGeoPoint *points,
                                         guint             n_points,
                                         gboolean          is_hole);
guint        wg_geo_shape_get_n_rings   (WgGeoShape       *self);
const WgGeoPoint *
             wg_geo_shape_get_ring      (WgGeoShape       *self,
                                         guint             index,
                                         guint            *n_points,
                                         gboolean         *is_hole);
const WgGeoBBox *
             wg_geo_shape_get_bbox      (WgGeoShape       *self);
gboolean     wg_geo_shape_contains      (WgGeoShape       *self,
                                         double            lat,
                                         double            lon);
double       wg_geo_shape_area_m2       (WgGeoShape       *self);
double       wg_geo_shape_distance_m    (WgGeoShape       *self,
                                         double            lat,
                                         double            lon);
void         wg_geo_shape_centroid      (WgGeoShape       *self,
                                         double           *lat,
                                         double           *lon);
/* A point inside the shape (not the centroid, which may lie outside). */
void         wg_geo_shape_interior_point(WgGeoShape       *self,
                                         double           *lat,
                                         double           *lon);
void         wg_geo_shape_random_point  (WgGeoShape       *self,
                                         GRand            *rand,
                                         double           *lat,
                                         double           *lon);
gboolean     wg_geo_shape_validate      (WgGeoShape       *self,
                                         GError          **error);
/* TRUE when the interiors intersect; touching along edges or at vertices
 * does not count. */
gboolean     wg_geo_shape_overlaps      (WgGeoShape       *a,
                                         WgGeoShape       *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgGeoShape, wg_geo_shape_unref)

G_END_DECLS
