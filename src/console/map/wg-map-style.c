/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Projection helpers and the map's visual vocabulary: GNOME palette colours
 * for grades, statuses and grid states, and pre-rendered icon textures (a
 * texture node per point is about twice as fast as drawing shapes per
 * point, and keeps every layer to one snapshot).
 */
#define G_LOG_DOMAIN "wg-map-style"

#include "config.h"

#include "wg-gcj02.h"
#include "wg-map-private.h"

gboolean
_wg_projection_init (WgMapProjection *p,
                     GtkWidget       *widget,
                     ShumateViewport *viewport)
{
  ShumateMapSource *ref = shumate_viewport_get_reference_map_source (viewport);
  double tile_size = ref ? shumate_map_source_get_tile_size (ref) : 256;
  double cx, cy;

  p->width = gtk_widget_get_width (widget);
  p->height = gtk_widget_get_height (widget);
  p->zoom = shumate_viewport_get_zoom_level (viewport);
  p->scale = tile_size * exp2 (p->zoom);
  p->rotation = shumate_viewport_get_rotation (viewport);
  _wg_mercator (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)),
                shumate_location_get_longitude (SHUMATE_LOCATION (viewport)),
                &cx, &cy);
  p->ox = cx * p->scale - p->width / 2.0;
  p->oy = cy * p->scale - p->height / 2.0;
  return ref != NULL && p->width > 0 && p->height > 0;
}

void
_wg_projection_unrotate (const WgMapProjection *p,
                         double                *x,
                         double                *y)
{
  double dx, dy, c, s;

  if (p->rotation == 0)
    return;
  dx = *x - p->width / 2.0;
  dy = *y - p->height / 2.0;
  c = cos (-p->rotation);
  s = sin (-p->rotation);
  *x = dx * c - dy * s + p->width / 2.0;
  *y = dx * s + dy * c + p->height / 2.0;
}

void
_wg_projection_push_rotation (const WgMapProjection *p,
                              GtkSnapshot           *snapshot)
{
  if (p->rotation == 0)
    return;
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (p->width / 2.0, p->height / 2.0));
  gtk_snapshot_rotate (snapshot, p->rotation * 180.0 / G_PI);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-p->width / 2.0, -p->height / 2.0));
}

double
_wg_pulse_phase (void)
{
  gint64 step = g_get_monotonic_time () / (WG_PULSE_PERIOD_US / WG_PULSE_STEPS);

  return (step % WG_PULSE_STEPS) / (double) WG_PULSE_STEPS;
}

gboolean
_wg_rect_hits_any (const graphene_rect_t *rect,
                   GArray                *rects)
{
  for (guint i = 0; rects != NULL && i < rects->len; i++)
    if (graphene_rect_intersection (rect, &g_array_index (rects, graphene_rect_t, i), NULL))
      return TRUE;
  return FALSE;
}

gboolean
_wg_animations_enabled (GtkWidget *widget)
{
  gboolean enabled = TRUE;

  g_object_get (gtk_widget_get_settings (widget), "gtk-enable-animations", &enabled, NULL);
  return enabled;
}

void
_wg_project_point (double    lat,
                   double    lon,
                   gboolean  gcj02,
                   double   *mx,
                   double   *my)
{
  if (gcj02)
    wg_wgs84_to_gcj02 (lat, lon, &lat, &lon);
  _wg_mercator (lat, lon, mx, my);
}

static void
rgba_from_hex (guint32  hex,
               double   alpha,
               GdkRGBA *rgba)
{
  rgba->red = ((hex >> 16) & 0xff) / 255.0;
  rgba->green = ((hex >> 8) & 0xff) / 255.0;
  rgba->blue = (hex & 0xff) / 255.0;
  rgba->alpha = alpha;
}

void
_wg_grade_color (WgMapGrade  grade,
                 GdkRGBA    *rgba)
{
  switch (grade)
    {
    case WG_MAP_GRADE_EMERGENCY:    rgba_from_hex (0xe01b24, 1, rgba); break;
    case WG_MAP_GRADE_PROFESSIONAL: rgba_from_hex (0xe66100, 1, rgba); break;
    case WG_MAP_GRADE_GENERAL:
    default:                        rgba_from_hex (0x1c71d8, 1, rgba); break;
    }
}

void
_wg_status_color (WgPositionStatus  status,
                  GdkRGBA      *rgba)
{
  switch (status)
    {
    case WG_UNIT_STATUS_AVAILABLE: rgba_from_hex (0x2ec27e, 1, rgba); break;
    case WG_UNIT_STATUS_BUSY:      rgba_from_hex (0xf5c211, 1, rgba); break;
    case WG_UNIT_STATUS_EN_ROUTE:  rgba_from_hex (0x3584e4, 1, rgba); break;
    case WG_UNIT_STATUS_ON_SCENE:  rgba_from_hex (0x9141ac, 1, rgba); break;
    case WG_UNIT_STATUS_OFF_DUTY:
    case WG_UNIT_N_STATUSES:
    default:                       rgba_from_hex (0x9a9996, 1, rgba); break;
    }
}

void
_wg_grid_state_color (WgGridState  state,
                      GdkRGBA     *fill,
                      GdkRGBA     *stroke)
{
  if (state & WG_GRID_STATE_EMERGENCY)
    {
      rgba_from_hex (0xe01b24, 0.30, fill);
      rgba_from_hex (0xc01c28, 0.95, stroke);
    }
  else if (state & WG_GRID_STATE_OVERDUE)
    {
      rgba_from_hex (0xff7800, 0.28, fill);
      rgba_from_hex (0xc64600, 0.90, stroke);
    }
  else if (state & WG_GRID_STATE_HOTSPOT)
    {
      rgba_from_hex (0x9141ac, 0.24, fill);
      rgba_from_hex (0x613583, 0.90, stroke);
    }
  else if (state & WG_GRID_STATE_OPEN_INCIDENTS)
    {
      rgba_from_hex (0xf6d32d, 0.30, fill);
      rgba_from_hex (0xc88800, 0.85, stroke);
    }
  else
    {
      rgba_from_hex (0x62a0ea, 0.07, fill);
      rgba_from_hex (0x1a5fb4, 0.55, stroke);
    }
}

GdkTexture *
_wg_texture_from_surface (cairo_surface_t *surface)
{
  g_autoptr(GBytes) bytes = NULL;
  int w, h, stride;

  cairo_surface_flush (surface);
  w = cairo_image_surface_get_width (surface);
  h = cairo_image_surface_get_height (surface);
  stride = cairo_image_surface_get_stride (surface);
  /* Cairo's ARGB32 is premultiplied native-endian: GDK_MEMORY_DEFAULT. */
  bytes = g_bytes_new (cairo_image_surface_get_data (surface), (gsize) stride * h);
  return gdk_memory_texture_new (w, h, GDK_MEMORY_DEFAULT, bytes, stride);
}

static cairo_t *
begin_icon (double            size,
            int               scale,
            cairo_surface_t **surface)
{
  int px = (int) ceil (size * scale);
  cairo_t *cr;

  *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, px, px);
  cr = cairo_create (*surface);
  cairo_scale (cr, scale, scale);
  return cr;
}

static GdkTexture *
end_icon (cairo_t         *cr,
          cairo_surface_t *surface)
{
  GdkTexture *texture;

  cairo_destroy (cr);
  texture = _wg_texture_from_surface (surface);
  cairo_surface_destroy (surface);
  return texture;
}

static GHashTable *
icon_cache (void)
{
  static GHashTable *cache;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  return cache;
}

#define ICON_KEY(kind, a, b, c, scale) \
  GUINT_TO_POINTER (((kind) << 24) | ((a) << 16) | ((b) << 8) | ((c) << 4) | (scale))

GdkTexture *
_wg_icon_incident (WgMapGrade grade,
                   int        scale)
{
  gpointer key = ICON_KEY (1, grade, 0, 0, scale);
  GdkTexture *texture = g_hash_table_lookup (icon_cache (), key);
  const double s = WG_INCIDENT_ICON_SIZE;
  cairo_surface_t *surface;
  cairo_t *cr;
  GdkRGBA c;

  if (texture)
    return texture;

  _wg_grade_color (grade, &c);
  cr = begin_icon (s, scale, &surface);

  /* A map pin: round head, point at the bottom centre. */
  cairo_new_path (cr);
  cairo_arc (cr, s / 2, s * 0.40, s * 0.34, G_PI * 0.80, G_PI * 2.20);
  cairo_line_to (cr, s / 2, s - 1.0);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_set_line_width (cr, 3.0);
  cairo_stroke_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &c);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);

  /* Grade glyph in the head: "!" emergency, a dot otherwise. */
  cairo_set_source_rgb (cr, 1, 1, 1);
  if (grade == WG_MAP_GRADE_EMERGENCY)
    {
      cairo_rectangle (cr, s / 2 - 1.4, s * 0.20, 2.8, s * 0.22);
      cairo_fill (cr);
      cairo_arc (cr, s / 2, s * 0.53, 1.6, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  else if (grade == WG_MAP_GRADE_PROFESSIONAL)
    {
      cairo_rectangle (cr, s / 2 - 3.5, s * 0.40 - 3.5, 7, 7);
      cairo_fill (cr);
    }
  else
    {
      cairo_arc (cr, s / 2, s * 0.40, 3.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }

  texture = end_icon (cr, surface);
  g_hash_table_insert (icon_cache (), key, texture);
  return texture;
}

static void
unit_shape (cairo_t    *cr,
            WgUnitType  type,
            double      s)
{
  double c = s / 2, r = s / 2 - 2;

  switch (type)
    {
    case WG_UNIT_TYPE_POLICE:          /* shield-ish square */
      cairo_rectangle (cr, c - r * 0.85, c - r * 0.85, r * 1.7, r * 1.7);
      break;
    case WG_UNIT_TYPE_EMERGENCY_UNIT:  /* diamond */
      cairo_move_to (cr, c, c - r - 0.5);
      cairo_line_to (cr, c + r + 0.5, c);
      cairo_line_to (cr, c, c + r + 0.5);
      cairo_line_to (cr, c - r - 0.5, c);
      cairo_close_path (cr);
      break;
    case WG_UNIT_TYPE_DEPARTMENT:      /* triangle */
      cairo_move_to (cr, c, c - r);
      cairo_line_to (cr, c + r, c + r * 0.8);
      cairo_line_to (cr, c - r, c + r * 0.8);
      cairo_close_path (cr);
      break;
    case WG_UNIT_TYPE_GRID_LEADER:     /* larger circle, inner ring below */
    case WG_UNIT_TYPE_GRID_WORKER:
    case WG_UNIT_TYPE_OTHER:
    case WG_UNIT_N_TYPES:
    default:
      cairo_arc (cr, c, c, type == WG_UNIT_TYPE_OTHER ? r * 0.75 : r, 0, 2 * G_PI);
      break;
    }
}

GdkTexture *
_wg_icon_unit (WgUnitType   type,
               WgPositionStatus status,
               gboolean     stale,
               int          scale)
{
  gpointer key = ICON_KEY (2, type, status, stale ? 1 : 0, scale);
  GdkTexture *texture = g_hash_table_lookup (icon_cache (), key);
  const double s = WG_UNIT_ICON_SIZE;
  double alpha = stale ? 0.40 : 1.0;
  cairo_surface_t *surface;
  cairo_t *cr;
  GdkRGBA c;

  if (texture)
    return texture;

  _wg_status_color (status, &c);
  cr = begin_icon (s, scale, &surface);
  cairo_push_group (cr);
  unit_shape (cr, type, s);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.35);
  cairo_set_line_width (cr, 2.5);
  cairo_stroke_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &c);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 1.4);
  cairo_stroke (cr);
  if (type == WG_UNIT_TYPE_GRID_LEADER)
    {
      cairo_arc (cr, s / 2, s / 2, 2.2, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_fill (cr);
    }
  cairo_pop_group_to_source (cr);
  cairo_paint_with_alpha (cr, alpha);

  texture = end_icon (cr, surface);
  g_hash_table_insert (icon_cache (), key, texture);
  return texture;
}

GdkTexture *
_wg_icon_station (int scale)
{
  gpointer key = ICON_KEY (3, 0, 0, 0, scale);
  GdkTexture *texture = g_hash_table_lookup (icon_cache (), key);
  const double s = WG_STATION_ICON_SIZE;
  cairo_surface_t *surface;
  cairo_t *cr;

  if (texture)
    return texture;

  cr = begin_icon (s, scale, &surface);
  /* A rounded badge with a house. */
  cairo_new_sub_path (cr);
  cairo_arc (cr, s - 6, 6, 4, -G_PI / 2, 0);
  cairo_arc (cr, s - 6, s - 6, 4, 0, G_PI / 2);
  cairo_arc (cr, 6, s - 6, 4, G_PI / 2, G_PI);
  cairo_arc (cr, 6, 6, 4, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.3);
  cairo_set_line_width (cr, 3);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgb (cr, 0x26 / 255.0, 0xa2 / 255.0, 0x69 / 255.0);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);

  cairo_move_to (cr, s / 2, 5);
  cairo_line_to (cr, s - 5, s / 2);
  cairo_line_to (cr, s - 7.5, s / 2);
  cairo_line_to (cr, s - 7.5, s - 6);
  cairo_line_to (cr, 7.5, s - 6);
  cairo_line_to (cr, 7.5, s / 2);
  cairo_line_to (cr, 5, s / 2);
  cairo_close_path (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);

  texture = end_icon (cr, surface);
  g_hash_table_insert (icon_cache (), key, texture);
  return texture;
}

GdkTexture *
_wg_icon_grid_swatch (WgGridState state,
                      int         scale)
{
  gpointer key = ICON_KEY (4, state, 0, 0, scale);
  GdkTexture *texture = g_hash_table_lookup (icon_cache (), key);
  const double s = 16;
  cairo_surface_t *surface;
  cairo_t *cr;
  GdkRGBA fill, stroke;

  if (texture)
    return texture;

  _wg_grid_state_color (state, &fill, &stroke);
  cr = begin_icon (s, scale, &surface);
  cairo_rectangle (cr, 1.5, 2.5, s - 3, s - 5);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill_preserve (cr);
  /* Legend swatches show the fill stronger than on the map, to read. */
  fill.alpha = MIN (1.0, fill.alpha * 2.0);
  gdk_cairo_set_source_rgba (cr, &fill);
  cairo_fill_preserve (cr);
  gdk_cairo_set_source_rgba (cr, &stroke);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);

  texture = end_icon (cr, surface);
  g_hash_table_insert (icon_cache (), key, texture);
  return texture;
}

GdkTexture *
_wg_render_badge (const char    *text,
                  const GdkRGBA *bg,
                  double         min_size,
                  int            scale)
{
  cairo_surface_t *surface;
  cairo_text_extents_t ext;
  cairo_t *cr;
  double w, h;
  GdkTexture *texture;

  /* Measure first on a scratch surface. */
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
  cr = cairo_create (surface);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, min_size * 0.48);
  cairo_text_extents (cr, text, &ext);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  h = min_size;
  w = MAX (h, ext.x_advance + h * 0.6);

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                        (int) ceil (w * scale), (int) ceil (h * scale));
  cr = cairo_create (surface);
  cairo_scale (cr, scale, scale);
  cairo_new_sub_path (cr);
  cairo_arc (cr, w - h / 2, h / 2, h / 2 - 1.5, -G_PI / 2, G_PI / 2);
  cairo_arc (cr, h / 2, h / 2, h / 2 - 1.5, G_PI / 2, 3 * G_PI / 2);
  cairo_close_path (cr);
  gdk_cairo_set_source_rgba (cr, bg);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, min_size * 0.48);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_move_to (cr, (w - ext.x_advance) / 2, h / 2 - ext.y_bearing - ext.height / 2);
  cairo_show_text (cr, text);
  cairo_destroy (cr);

  texture = _wg_texture_from_surface (surface);
  cairo_surface_destroy (surface);
  return texture;
}
