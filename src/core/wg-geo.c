/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small planar geometry on lon/lat degrees: enough for grids of a few
 * hundred metres, where the curvature of the earth is far below the
 * precision of any drawn boundary.
 */
#define G_LOG_DOMAIN "wg-geo"

#include "config.h"

#include <math.h>

#include <glib/gi18n.h>

#include "wg-geo.h"

#define EARTH_RADIUS_M 6371008.8
#define M_PER_DEG (EARTH_RADIUS_M * G_PI / 180.0)
/* Points closer than this (degrees, about 0.1 mm) to an edge are on it. */
#define ON_EDGE_EPS 1e-9

typedef struct
{
  WgGeoPoint *points;
  guint       n_points;
  gboolean    is_hole;
} Ring;

struct _WgGeoShape
{
  gatomicrefcount  ref_count;
  GArray          *rings;
  WgGeoBBox        bbox;
};

G_DEFINE_BOXED_TYPE (WgGeoShape, wg_geo_shape, wg_geo_shape_ref, wg_geo_shape_unref)
G_DEFINE_QUARK (wg-geo-error-quark, wg_geo_error)

double
wg_geo_distance_m (double lat1,
                   double lon1,
                   double lat2,
                   double lon2)
{
  double p1 = lat1 * G_PI / 180.0;
  double p2 = lat2 * G_PI / 180.0;
  double dp = p2 - p1;
  double dl = (lon2 - lon1) * G_PI / 180.0;
  double a = sin (dp / 2) * sin (dp / 2) + cos (p1) * cos (p2) * sin (dl / 2) * sin (dl / 2);

  return 2 * EARTH_RADIUS_M * atan2 (sqrt (a), sqrt (MAX (0.0, 1 - a)));
}

WgGeoBBox
wg_geo_bbox_empty (void)
{
  return (WgGeoBBox) { G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };
}

void
wg_geo_bbox_extend (WgGeoBBox *bbox,
                    double     lat,
                    double     lon)
{
  bbox->min_lon = MIN (bbox->min_lon, lon);
  bbox->max_lon = MAX (bbox->max_lon, lon);
  bbox->min_lat = MIN (bbox->min_lat, lat);
  bbox->max_lat = MAX (bbox->max_lat, lat);
}

gboolean
wg_geo_bbox_contains (const WgGeoBBox *bbox,
                      double           lat,
                      double           lon)
{
  return lon >= bbox->min_lon && lon <= bbox->max_lon &&
         lat >= bbox->min_lat && lat <= bbox->max_lat;
}

gboolean
wg_geo_bbox_intersects (const WgGeoBBox *a,
                        const WgGeoBBox *b)
{
  return a->min_lon <= b->max_lon && b->min_lon <= a->max_lon &&
         a->min_lat <= b->max_lat && b->min_lat <= a->max_lat;
}

gboolean
wg_geo_ring_contains (const WgGeoPoint *ring,
                      guint             n_points,
                      double            lat,
                      double            lon)
{
  gboolean inside = FALSE;

  for (guint i = 0, j = n_points - 1; i < n_points; j = i++)
    {
      const WgGeoPoint *a = &ring[i];
      const WgGeoPoint *b = &ring[j];

      /* Half-open in latitude, strict in longitude: each shared edge is
       * counted for one side only. */
      if ((a->lat > lat) != (b->lat > lat))
        {
          double x = a->lon + (lat - a->lat) * (b->lon - a->lon) / (b->lat - a->lat);

          if (lon < x)
            inside = !inside;
        }
    }

  return inside;
}

double
wg_geo_ring_signed_area (const WgGeoPoint *ring,
                         guint             n_points)
{
  double s = 0;

  /* Shoelace about the first vertex keeps the products small. */
  for (guint i = 0; i < n_points; i++)
    {
      const WgGeoPoint *a = &ring[i];
      const WgGeoPoint *b = &ring[(i + 1) % n_points];

      s += (a->lon - ring[0].lon) * (b->lat - ring[0].lat) -
           (b->lon - ring[0].lon) * (a->lat - ring[0].lat);
    }

  return s / 2;
}

WgGeoShape *
wg_geo_shape_new (void)
{
  WgGeoShape *self = g_new0 (WgGeoShape, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->rings = g_array_new (FALSE, FALSE, sizeof (Ring));
  self->bbox = wg_geo_bbox_empty ();

  return self;
}

WgGeoShape *
wg_geo_shape_ref (WgGeoShape *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wg_geo_shape_unref (WgGeoShape *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      for (guint i = 0; i < self->rings->len; i++)
        g_free (g_array_index (self->rings, Ring, i).points);
      g_array_unref (self->rings);
      g_free (self);
    }
}

void
wg_geo_shape_add_ring (WgGeoShape       *self,
                       const WgGeoPoint *points,
                       guint             n_points,
                       gboolean          is_hole)
{
  Ring ring = { NULL, 0, is_hole };

  g_return_if_fail (self != NULL);
  g_return_if_fail (points != NULL || n_points == 0);

  /* Drop the closing point and repeated points; keep the rest as given. */
  ring.points = g_new (WgGeoPoint, MAX (n_points, 1));
  for (guint i = 0; i < n_points; i++)
    {
      if (ring.n_points > 0 &&
          points[i].lat == ring.points[ring.n_points - 1].lat &&
          points[i].lon == ring.points[ring.n_points - 1].lon)
        continue;
      ring.points[ring.n_points++] = points[i];
      wg_geo_bbox_extend (&self->bbox, points[i].lat, points[i].lon);
    }
  if (ring.n_points > 1 &&
      ring.points[0].lat == ring.points[ring.n_points - 1].lat &&
      ring.points[0].lon == ring.points[ring.n_points - 1].lon)
    ring.n_points--;

  g_array_append_val (self->rings, ring);
}

guint
wg_geo_shape_get_n_rings (WgGeoShape *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->rings->len;
}

const WgGeoPoint *
wg_geo_shape_get_ring (WgGeoShape *self,
                       guint       index,
                       guint      *n_points,
                       gboolean   *is_hole)
{
  const Ring *ring;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->rings->len, NULL);

  ring = &g_array_index (self->rings, Ring, index);
  if (n_points)
    *n_points = ring->n_points;
  if (is_hole)
    *is_hole = ring->is_hole;

  return ring->points;
}

const WgGeoBBox *
wg_geo_shape_get_bbox (WgGeoShape *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return &self->bbox;
}

gboolean
wg_geo_shape_contains (WgGeoShape *self,
                       double      lat,
                       double      lon)
{
  gboolean inside = FALSE;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!wg_geo_bbox_contains (&self->bbox, lat, lon))
    return FALSE;

  /* Even-odd over all rings: right for holes and for disjoint parts. */
  for (guint i = 0; i < self->rings->len; i++)
    {
      const Ring *ring = &g_array_index (self->rings, Ring, i);

      if (ring->n_points >= 3 && wg_geo_ring_contains (ring->points, ring->n_points, lat, lon))
        inside = !inside;
    }

  return inside;
}

/* Metres from @p to the segment a-b, on a plane tangent at @p: right at
 * street and city scale, which is where the answer matters. */
static double
segment_distance_m (double            lat,
                    double            lon,
                    const WgGeoPoint *a,
                    const WgGeoPoint *b)
{
  double k = M_PER_DEG;
  double kx = k * cos (lat * G_PI / 180.0);
  double ax = (a->lon - lon) * kx, ay = (a->lat - lat) * k;
  double bx = (b->lon - lon) * kx, by = (b->lat - lat) * k;
  double dx = bx - ax, dy = by - ay;
  double len2 = dx * dx + dy * dy;
  double t = len2 > 0 ? CLAMP (-(ax * dx + ay * dy) / len2, 0.0, 1.0) : 0.0;

  return hypot (ax + t * dx, ay + t * dy);
}

/* 0 inside the shape, else metres to its nearest edge. */
double
wg_geo_shape_distance_m (WgGeoShape *self,
                         double      lat,
                         double      lon)
{
  double best = G_MAXDOUBLE;

  g_return_val_if_fail (self != NULL, G_MAXDOUBLE);

  if (wg_geo_shape_contains (self, lat, lon))
    return 0;
  for (guint i = 0; i < self->rings->len; i++)
    {
      const Ring *ring = &g_array_index (self->rings, Ring, i);

      for (guint j = 0; j < ring->n_points; j++)
        best = MIN (best, segment_distance_m (lat, lon, &ring->points[j],
                                              &ring->points[(j + 1) % ring->n_points]));
    }
  return best;
}

/* Area on the sinusoidal projection (x = R lon cos lat, y = R lat), which
 * is equal-area: adjacent shapes sharing vertices add up exactly, which a
 * per-shape local projection would not. */
static double
ring_area_m2 (const WgGeoPoint *ring,
              guint             n)
{
  double s = 0, x0, y0;

  x0 = ring[0].lon * cos (ring[0].lat * G_PI / 180.0);
  y0 = ring[0].lat;
  for (guint i = 0; i < n; i++)
    {
      const WgGeoPoint *a = &ring[i];
      const WgGeoPoint *b = &ring[(i + 1) % n];
      double ax = a->lon * cos (a->lat * G_PI / 180.0) - x0, ay = a->lat - y0;
      double bx = b->lon * cos (b->lat * G_PI / 180.0) - x0, by = b->lat - y0;

      s += ax * by - bx * ay;
    }

  return fabs (s / 2) * M_PER_DEG * M_PER_DEG;
}

double
wg_geo_shape_area_m2 (WgGeoShape *self)
{
  double m2 = 0;

  g_return_val_if_fail (self != NULL, 0);

  for (guint i = 0; i < self->rings->len; i++)
    {
      const Ring *ring = &g_array_index (self->rings, Ring, i);
      double a;

      if (ring->n_points < 3)
        continue;
      a = ring_area_m2 (ring->points, ring->n_points);
      m2 += ring->is_hole ? -a : a;
    }

  return m2;
}

void
wg_geo_shape_centroid (WgGeoShape *self,
                       double     *lat,
                       double     *lon)
{
  double sa = 0, sx = 0, sy = 0;

  g_return_if_fail (self != NULL);

  for (guint r = 0; r < self->rings->len; r++)
    {
      const Ring *ring = &g_array_index (self->rings, Ring, r);
      double ra = 0, rx = 0, ry = 0, sign;
      WgGeoPoint o;

      if (ring->n_points < 3)
        continue;
      o = ring->points[0];
      for (guint i = 0; i < ring->n_points; i++)
        {
          const WgGeoPoint *a = &ring->points[i];
          const WgGeoPoint *b = &ring->points[(i + 1) % ring->n_points];
          double ax = a->lon - o.lon, ay = a->lat - o.lat;
          double bx = b->lon - o.lon, by = b->lat - o.lat;
          double c = ax * by - bx * ay;

          ra += c;
          rx += (ax + bx) * c;
          ry += (ay + by) * c;
        }
      /* Orient each ring by its role, whatever its winding in the file. */
      sign = ((ra >= 0) == !ring->is_hole) ? 1 : -1;
      sa += sign * ra / 2;
      sx += sign * (rx / 6 + o.lon * ra / 2);
      sy += sign * (ry / 6 + o.lat * ra / 2);
    }

  if (sa == 0)
    {
      *lat = (self->bbox.min_lat + self->bbox.max_lat) / 2;
      *lon = (self->bbox.min_lon + self->bbox.max_lon) / 2;
      return;
    }
  *lon = sx / sa;
  *lat = sy / sa;
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

void
wg_geo_shape_interior_point (WgGeoShape *self,
                             double     *lat,
                             double     *lon)
{
  g_autoptr(GArray) xs = g_array_new (FALSE, FALSE, sizeof (double));
  double best_w = -1;

  g_return_if_fail (self != NULL);

  wg_geo_shape_centroid (self, lat, lon);
  if (wg_geo_shape_contains (self, *lat, *lon))
    return;

  /* Scan a few horizontal lines; take the middle of the widest inside
   * interval.  The fractions avoid landing exactly on lattice vertices. */
  for (guint k = 1; k < 8; k++)
    {
      double y = self->bbox.min_lat + (self->bbox.max_lat - self->bbox.min_lat) * (k / 8.0 + 0.0137);

      g_array_set_size (xs, 0);
      for (guint r = 0; r < self->rings->len; r++)
        {
          const Ring *ring = &g_array_index (self->rings, Ring, r);

          for (guint i = 0, j = ring->n_points - 1; i < ring->n_points; j = i++)
            {
              const WgGeoPoint *a = &ring->points[i], *b = &ring->points[j];

              if ((a->lat > y) != (b->lat > y))
                {
                  double x = a->lon + (y - a->lat) * (b->lon - a->lon) / (b->lat - a->lat);
                  g_array_append_val (xs, x);
                }
            }
        }
      g_array_sort (xs, cmp_double);
      for (guint i = 0; i + 1 < xs->len; i += 2)
        {
          double w = g_array_index (xs, double, i + 1) - g_array_index (xs, double, i);

          if (w > best_w)
            {
              best_w = w;
              *lat = y;
              *lon = (g_array_index (xs, double, i + 1) + g_array_index (xs, double, i)) / 2;
            }
        }
    }
}

void
wg_geo_shape_random_point (WgGeoShape *self,
                           GRand      *rand,
                           double     *lat,
                           double     *lon)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (rand != NULL);

  /* Rejection sampling: grids fill most of their box, so this ends fast. */
  for (guint tries = 0; tries < 1000; tries++)
    {
      double y = g_rand_double_range (rand, self->bbox.min_lat, self->bbox.max_lat);
      double x = g_rand_double_range (rand, self->bbox.min_lon, self->bbox.max_lon);

      if (wg_geo_shape_contains (self, y, x))
        {
          *lat = y;
          *lon = x;
          return;
        }
    }
  wg_geo_shape_interior_point (self, lat, lon);
}

static int
orient (const WgGeoPoint *a,
        const WgGeoPoint *b,
        const WgGeoPoint *c)
{
  double v = (b->lon - a->lon) * (c->lat - a->lat) - (b->lat - a->lat) * (c->lon - a->lon);

  return (v > 0) - (v < 0);
}

static gboolean
on_segment (const WgGeoPoint *p,
            const WgGeoPoint *a,
            const WgGeoPoint *b)
{
  double dx = b->lon - a->lon, dy = b->lat - a->lat;
  double len2 = dx * dx + dy * dy;
  double t, px, py;

  if (len2 == 0)
    return fabs (p->lon - a->lon) <= ON_EDGE_EPS && fabs (p->lat - a->lat) <= ON_EDGE_EPS;
  t = ((p->lon - a->lon) * dx + (p->lat - a->lat) * dy) / len2;
  t = CLAMP (t, 0.0, 1.0);
  px = a->lon + t * dx - p->lon;
  py = a->lat + t * dy - p->lat;

  return px * px + py * py <= ON_EDGE_EPS * ON_EDGE_EPS;
}

/* Any contact, endpoints included. */
static gboolean
segments_touch (const WgGeoPoint *p1,
                const WgGeoPoint *p2,
                const WgGeoPoint *p3,
                const WgGeoPoint *p4)
{
  int o1 = orient (p1, p2, p3), o2 = orient (p1, p2, p4);
  int o3 = orient (p3, p4, p1), o4 = orient (p3, p4, p2);

  if (o1 * o2 < 0 && o3 * o4 < 0)
    return TRUE;

  return on_segment (p3, p1, p2) || on_segment (p4, p1, p2) ||
         on_segment (p1, p3, p4) || on_segment (p2, p3, p4);
}

/* Interiors cross: touching at endpoints or running along each other
 * does not count. */
static gboolean
segments_cross (const WgGeoPoint *p1,
                const WgGeoPoint *p2,
                const WgGeoPoint *p3,
                const WgGeoPoint *p4)
{
  return orient (p1, p2, p3) * orient (p1, p2, p4) < 0 &&
         orient (p3, p4, p1) * orient (p3, p4, p2) < 0;
}

gboolean
wg_geo_shape_validate (WgGeoShape  *self,
                       GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->rings->len == 0)
    {
      g_set_error (error, WG_GEO_ERROR, WG_GEO_ERROR_TOO_FEW_POINTS,
                   _("polygon has no rings"));
      return FALSE;
    }

  for (guint r = 0; r < self->rings->len; r++)
    {
      const Ring *ring = &g_array_index (self->rings, Ring, r);
      guint n = ring->n_points;

      if (n < 3)
        {
          g_set_error (error, WG_GEO_ERROR, WG_GEO_ERROR_TOO_FEW_POINTS,
                       _("ring %u has %u distinct points, at least 3 are needed"), r, n);
          return FALSE;
        }
      for (guint i = 0; i < n; i++)
        {
          const WgGeoPoint *p = &ring->points[i];

          if (!isfinite (p->lat) || !isfinite (p->lon) ||
              p->lat < -90 || p->lat > 90 || p->lon < -180 || p->lon > 180)
            {
              g_set_error (error, WG_GEO_ERROR, WG_GEO_ERROR_OUT_OF_RANGE,
                           _("ring %u point %u (%g, %g) is not a longitude, latitude pair"),
                           r, i, p->lon, p->lat);
              return FALSE;
            }
        }
      /* Non-adjacent edges of one ring must not meet at all. */
      for (guint i = 0; i < n; i++)
        for (guint j = i + 1; j < n; j++)
          {
            gboolean adjacent = (j == i + 1) || (i == 0 && j == n - 1);
            const WgGeoPoint *a1 = &ring->points[i], *a2 = &ring->points[(i + 1) % n];
            const WgGeoPoint *b1 = &ring->points[j], *b2 = &ring->points[(j + 1) % n];

            if (adjacent ? (n > 3 && orient (a1, a2, b2) == 0 && orient (a1, a2, b1) == 0 &&
                            ((j == i + 1) ? on_segment (b2, a1, a2) || on_segment (a1, b1, b2)
                                          : on_segment (a2, b1, b2) || on_segment (b1, a1, a2)))
                         : segments_touch (a1, a2, b1, b2))
              {
                g_set_error (error, WG_GEO_ERROR, WG_GEO_ERROR_SELF_INTERSECTION,
                             _("ring %u intersects itself between edges %u and %u"), r, i, j);
                return FALSE;
              }
          }
      if (wg_geo_ring_signed_area (ring->points, n) == 0)
        {
          g_set_error (error, WG_GEO_ERROR, WG_GEO_ERROR_ZERO_AREA,
                       _("ring %u encloses no area"), r);
          return FALSE;
        }
    }

  /* Rings must not cross each other; each hole must lie in an outer ring. */
  for (guint r = 0; r < self->rings->len; r++)
    {
      const Ring *a = &g_array_index (self->rings, Ring, r);

      for (guint s = r + 1; s < self->rings->len; s++)
        {
          const Ring *b = &g_array_index (self->rings, Ring, s);

          for (guint i = 0; i < a->n_points; i++)
            for (guint j = 0; j < b->n_points; j++)
              if (segments_cross (&a->points[i], &a->points[(i + 1) % a->n_points],
                                  &b->points[j], &b->points[(j + 1) % b->n_points]))
                {
                  g_set_error (error, WG_GEO_ERROR, WG_GEO_ERROR_SELF_INTERSECTION,
                               _("rings %u and %u cross"), r, s);
                  return FALSE;
                }
        }

      if (a->is_hole)
        {
          gboolean inside_outer = FALSE;

          for (guint s = 0; s < self->rings->len && !inside_outer; s++)
            {
              const Ring *b = &g_array_index (self->rings, Ring, s);

              if (!b->is_hole &&
                  wg_geo_ring_contains (b->points, b->n_points, a->points[0].lat, a->points[0].lon))
                inside_outer = TRUE;
            }
          if (!inside_outer)
            {
              g_set_error (error, WG_GEO_ERROR, WG_GEO_ERROR_HOLE_OUTSIDE,
                           _("hole ring %u lies outside every outer ring"), r);
              return FALSE;
            }
        }
    }

  return TRUE;
}

static gboolean
on_boundary (WgGeoShape *self,
             const WgGeoPoint *p)
{
  for (guint r = 0; r < self->rings->len; r++)
    {
      const Ring *ring = &g_array_index (self->rings, Ring, r);

      for (guint i = 0; i < ring->n_points; i++)
        if (on_segment (p, &ring->points[i], &ring->points[(i + 1) % ring->n_points]))
          return TRUE;
    }

  return FALSE;
}

static gboolean
strictly_inside (WgGeoShape       *self,
                 const WgGeoPoint *p)
{
  return wg_geo_shape_contains (self, p->lat, p->lon) && !on_boundary (self, p);
}

/* Any vertex or edge midpoint of a strictly inside b? */
static gboolean
probes_inside (WgGeoShape *a,
               WgGeoShape *b)
{
  for (guint r = 0; r < a->rings->len; r++)
    {
      const Ring *ring = &g_array_index (a->rings, Ring, r);

      for (guint i = 0; i < ring->n_points; i++)
        {
          const WgGeoPoint *p = &ring->points[i];
          const WgGeoPoint *q = &ring->points[(i + 1) % ring->n_points];
          WgGeoPoint m = { (p->lon + q->lon) / 2, (p->lat + q->lat) / 2 };

          if (strictly_inside (b, p) || strictly_inside (b, &m))
            return TRUE;
        }
    }

  return FALSE;
}

gboolean
wg_geo_shape_overlaps (WgGeoShape *a,
                       WgGeoShape *b)
{
  WgGeoPoint ia, ib;

  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  if (!wg_geo_bbox_intersects (&a->bbox, &b->bbox))
    return FALSE;

  for (guint r = 0; r < a->rings->len; r++)
    for (guint s = 0; s < b->rings->len; s++)
      {
        const Ring *x = &g_array_index (a->rings, Ring, r);
        const Ring *y = &g_array_index (b->rings, Ring, s);

        for (guint i = 0; i < x->n_points; i++)
          for (guint j = 0; j < y->n_points; j++)
            if (segments_cross (&x->points[i], &x->points[(i + 1) % x->n_points],
                                &y->points[j], &y->points[(j + 1) % y->n_points]))
              return TRUE;
      }

  if (probes_inside (a, b) || probes_inside (b, a))
    return TRUE;

  /* Same outline, or one inside the other touching it only at vertices. */
  wg_geo_shape_interior_point (a, &ia.lat, &ia.lon);
  wg_geo_shape_interior_point (b, &ib.lat, &ib.lon);

  return strictly_inside (b, &ia) || strictly_inside (a, &ib);
}
