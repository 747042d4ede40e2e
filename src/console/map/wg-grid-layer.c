/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Grid polygons, filled by state, with names and codes where they fit.
 *
 * Software rendering (llvmpipe under Xvfb, and many government desktops)
 * is bound by fill rate, and a sampled texture costs several times a flat
 * colour per pixel.  So nothing here covers the screen and nothing big is
 * a texture:
 *  - outlines are thin colour nodes, one per edge (a few hundred nodes,
 *    no texels);
 *  - a fill is a stack of horizontal colour strips covering the polygon
 *    (scanline spans).  llvmpipe shades 4x4 pixel blocks, so the strips
 *    are 4 px rows aligned to the screen's multiples of 4, split into
 *    1 px rows only where an edge slants or a corner falls (error under a
 *    pixel, under the outline).  Recomputed per frame: a few hundred
 *    intersections.  Only grids with a state have a fill.  GTK 4.8 has
 *    neither GskPath nor mask nodes, and a texture of the grid's box cost
 *    bilinear texels over its whole box, outside the polygon too;
 *  - labels are small textures rendered once, shown where they fit.
 * Where GTK renders with cairo (the console's choice on software OpenGL,
 * wg_prefer_cairo_on_software_gl), each colour node is a cairo_fill of its
 * own: there the fills and outlines are the polygons' paths in one cairo
 * node instead (hundreds of strips and edges were most of a busy street's
 * first frame).
 * An unacknowledged emergency fill flashes in the incident pulse's steps:
 * the pulse layer draws it (and only it) on each step, so this layer keeps
 * its cached picture; with animations off it is steady, drawn here.
 */
#define G_LOG_DOMAIN "wg-grid-layer"

#include "config.h"

#include <pango/pangocairo.h>

#include "wg-map-private.h"

/* Fill rows: llvmpipe's block height */
#define ROW 4
/* A quiet grid narrower than this on screen has no outline: a city seen
 * whole (20,000 grids) shows its communities, not a mesh of grey. */
#define MIN_OUTLINE_PX 10

struct _WgMapGrid
{
  gatomicrefcount  ref_count;
  char            *code;
  char            *name;
  guint            level;
  guint            n_points;
  double          *latlon;
  double           south, west, north, east;
};

G_DEFINE_BOXED_TYPE (WgMapGrid, wg_map_grid, wg_map_grid_ref, wg_map_grid_unref)

GType
wg_grid_state_get_type (void)
{
  static gsize type_id;
  static const GFlagsValue values[] = {
    { WG_GRID_STATE_NONE, "WG_GRID_STATE_NONE", "none" },
    { WG_GRID_STATE_OPEN_INCIDENTS, "WG_GRID_STATE_OPEN_INCIDENTS", "open-incidents" },
    { WG_GRID_STATE_HOTSPOT, "WG_GRID_STATE_HOTSPOT", "hotspot" },
    { WG_GRID_STATE_OVERDUE, "WG_GRID_STATE_OVERDUE", "overdue" },
    { WG_GRID_STATE_EMERGENCY, "WG_GRID_STATE_EMERGENCY", "emergency" },
    { WG_GRID_STATE_UNACKNOWLEDGED, "WG_GRID_STATE_UNACKNOWLEDGED", "unacknowledged" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_flags_register_static (g_intern_static_string ("WgGridState"), values));
  return type_id;
}

WgMapGrid *
wg_map_grid_new (const char   *code,
                 const char   *name,
                 guint         level,
                 const double *latlon,
                 guint         n_points)
{
  WgMapGrid *grid;

  g_return_val_if_fail (code != NULL, NULL);
  g_return_val_if_fail (latlon != NULL && n_points >= 3, NULL);

  grid = g_new0 (WgMapGrid, 1);
  g_atomic_ref_count_init (&grid->ref_count);
  grid->code = g_strdup (code);
  grid->name = g_strdup (name ? name : code);
  grid->level = level;
  /* Drop an explicit closing point. */
  if (latlon[0] == latlon[2 * (n_points - 1)] && latlon[1] == latlon[2 * (n_points - 1) + 1])
    n_points--;
  grid->n_points = n_points;
  grid->latlon = g_memdup2 (latlon, sizeof (double) * 2 * n_points);
  grid->south = grid->north = latlon[0];
  grid->west = grid->east = latlon[1];
  for (guint i = 1; i < n_points; i++)
    {
      grid->south = MIN (grid->south, latlon[2 * i]);
      grid->north = MAX (grid->north, latlon[2 * i]);
      grid->west = MIN (grid->west, latlon[2 * i + 1]);
      grid->east = MAX (grid->east, latlon[2 * i + 1]);
    }
  return grid;
}

WgMapGrid *
wg_map_grid_ref (WgMapGrid *grid)
{
  g_return_val_if_fail (grid != NULL, NULL);
  g_atomic_ref_count_inc (&grid->ref_count);
  return grid;
}

void
wg_map_grid_unref (WgMapGrid *grid)
{
  g_return_if_fail (grid != NULL);
  if (!g_atomic_ref_count_dec (&grid->ref_count))
    return;
  g_free (grid->code);
  g_free (grid->name);
  g_free (grid->latlon);
  g_free (grid);
}

const char *
wg_map_grid_get_code (WgMapGrid *grid)
{
  g_return_val_if_fail (grid != NULL, NULL);
  return grid->code;
}

const char *
wg_map_grid_get_name (WgMapGrid *grid)
{
  g_return_val_if_fail (grid != NULL, NULL);
  return grid->name;
}

guint
wg_map_grid_get_level (WgMapGrid *grid)
{
  g_return_val_if_fail (grid != NULL, 0);
  return grid->level;
}

void
wg_map_grid_get_bounds (WgMapGrid *grid,
                        double    *south,
                        double    *west,
                        double    *north,
                        double    *east)
{
  g_return_if_fail (grid != NULL);
  *south = grid->south;
  *west = grid->west;
  *north = grid->north;
  *east = grid->east;
}

typedef struct
{
  WgMapGrid   *grid;
  double      *mxy;        /* unit-square Mercator, 2 per point */
  double       min_x, min_y, max_x, max_y;
  double       label_x, label_y;
  WgGridState  state;
  guint        n_open;
  PangoLayout *layout[2];  /* name + code, name only */
  GdkTexture  *label[2];   /* drawn when first shown */
  double       label_w[2], label_h[2];
  int          label_sf[2];
} Entry;

struct _WgGridLayer
{
  ShumateLayer  parent_instance;

  GArray       *entries;       /* Entry, sorted by level (coarse first) */
  GHashTable   *by_code;       /* code -> index + 1 */
  char         *selected;
  gboolean      gcj02;
  gboolean      pulsing_visible;  /* in the pulse layer's last snapshot */
  GtkWidget    *pulse_layer;   /* weak */
  GArray       *scratch;       /* double: a ring in widget coordinates */
  GtkWidget    *label_layer;   /* weak; draws the labels when set */
  WgStationLayer  *stations;   /* weak: names give way to stations ... */
  WgIncidentLayer *incidents;  /* weak: ... and to incident pins */
  GArray       *obstacles;     /* graphene_rect_t, scratch */
  guint         n_labels;      /* drawn in the last snapshot */
};

G_DEFINE_FINAL_TYPE (WgGridLayer, wg_grid_layer, SHUMATE_TYPE_LAYER)

static void
entry_clear (gpointer data)
{
  Entry *e = data;

  g_clear_pointer (&e->grid, wg_map_grid_unref);
  g_clear_pointer (&e->mxy, g_free);
  g_clear_object (&e->label[0]);
  g_clear_object (&e->label[1]);
  g_clear_object (&e->layout[0]);
  g_clear_object (&e->layout[1]);
}

static void
invalidate (WgGridLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->label_layer)
    gtk_widget_queue_draw (self->label_layer);
  if (self->pulse_layer)
    gtk_widget_queue_draw (self->pulse_layer);
}

static void
project_entry (WgGridLayer *self,
               Entry       *e)
{
  WgMapGrid *g = e->grid;
  double area = 0, cx = 0, cy = 0;

  g_free (e->mxy);
  e->mxy = g_new (double, 2 * g->n_points);
  for (guint i = 0; i < g->n_points; i++)
    _wg_project_point (g->latlon[2 * i], g->latlon[2 * i + 1], self->gcj02,
                       &e->mxy[2 * i], &e->mxy[2 * i + 1]);

  e->min_x = e->max_x = e->mxy[0];
  e->min_y = e->max_y = e->mxy[1];
  for (guint i = 0; i < g->n_points; i++)
    {
      double x0 = e->mxy[2 * i], y0 = e->mxy[2 * i + 1];
      double x1 = e->mxy[2 * ((i + 1) % g->n_points)], y1 = e->mxy[2 * ((i + 1) % g->n_points) + 1];
      double cross = x0 * y1 - x1 * y0;

      e->min_x = MIN (e->min_x, x0);
      e->max_x = MAX (e->max_x, x0);
      e->min_y = MIN (e->min_y, y0);
      e->max_y = MAX (e->max_y, y0);
      area += cross;
      cx += (x0 + x1) * cross;
      cy += (y0 + y1) * cross;
    }
  /* Area centroid; fall back to the box centre for degenerate rings. */
  if (fabs (area) > 1e-20)
    {
      e->label_x = cx / (3.0 * area);
      e->label_y = cy / (3.0 * area);
    }
  else
    {
      e->label_x = (e->min_x + e->max_x) / 2;
      e->label_y = (e->min_y + e->max_y) / 2;
    }
}

static gboolean
is_selected (WgGridLayer *self,
             const Entry *e)
{
  return self->selected != NULL && g_str_equal (self->selected, e->grid->code);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* One row of spans at yc (even-odd rule), from y to y + h. */
static void
append_row (GtkSnapshot   *snapshot,
            const double  *pts,
            guint          n,
            double         y,
            double         h,
            const GdkRGBA *color)
{
  double yc = y + h / 2, xs[64];
  guint k = 0;

  for (guint i = 0, j = n - 1; i < n; j = i++)
    {
      double xi = pts[2 * i], yi = pts[2 * i + 1];
      double xj = pts[2 * j], yj = pts[2 * j + 1];

      if ((yi > yc) != (yj > yc) && k < G_N_ELEMENTS (xs))
        xs[k++] = xi + (yc - yi) * (xj - xi) / (yj - yi);
    }
  qsort (xs, k, sizeof (double), compare_double);
  for (guint m = 0; m + 1 < k; m += 2)
    if (xs[m + 1] - xs[m] >= 0.5)
      gtk_snapshot_append_color (snapshot, color, &GRAPHENE_RECT_INIT (xs[m], y, xs[m + 1] - xs[m], h));
}

static void
append_fill (GtkSnapshot           *snapshot,
             const WgMapProjection *p,
             const Entry           *e,
             GArray                *scratch,
             const GdkRGBA         *color)
{
  guint n = e->grid->n_points;
  double *pts, top, bottom, margin;

  g_array_set_size (scratch, 2 * n);
  pts = (double *) (void *) scratch->data;
  for (guint i = 0; i < n; i++)
    _wg_projection_to_widget (p, e->mxy[2 * i], e->mxy[2 * i + 1], &pts[2 * i], &pts[2 * i + 1]);
  /* Rows off screen are skipped; a rotated view shows more of them. */
  margin = p->rotation != 0 ? ceil (hypot (p->width, p->height) / 2 / ROW) * ROW : 0;
  top = MAX (-margin, floor ((e->min_y * p->scale - p->oy) / ROW) * ROW);
  bottom = MIN (p->height + margin, e->max_y * p->scale - p->oy);

  for (double y = top; y < bottom; y += ROW)
    {
      gboolean split = FALSE;

      /* A corner in the row, or an edge moving more than 1.5 px across
       * it: 1 px rows there. */
      for (guint i = 0, j = n - 1; i < n && !split; j = i++)
        {
          double xi = pts[2 * i], yi = pts[2 * i + 1];
          double xj = pts[2 * j], yj = pts[2 * j + 1];

          if (yi >= y && yi < y + ROW)
            split = TRUE;
          else if (MIN (yi, yj) < y + ROW && MAX (yi, yj) > y
                   && fabs (xj - xi) * ROW > 1.5 * fabs (yj - yi))
            split = TRUE;
        }
      if (split)
        for (int r = 0; r < ROW; r++)
          append_row (snapshot, pts, n, y + r, 1, color);
      else
        append_row (snapshot, pts, n, y, ROW, color);
    }
}

/* @layout at (@halo, @halo) on @cr (a surface of @sf device pixels per
 * pixel) over a white halo @halo pixels wide.  The halo is the text's own
 * mask painted around it at every offset within @halo, not a stroke of the
 * glyphs' outlines: stroking them with round joins was a third of a warm
 * start's CPU (all the grids' labels are drawn before the first frame). */
static void
show_layout_with_halo (cairo_t     *cr,
                       PangoLayout *layout,
                       int          width,
                       int          height,
                       double       halo,
                       int          sf)
{
  cairo_surface_t *mask = cairo_image_surface_create (CAIRO_FORMAT_A8, width, height);
  cairo_t *mask_cr = cairo_create (mask);
  int reach = (int) ceil (halo);

  cairo_scale (mask_cr, sf, sf);
  cairo_move_to (mask_cr, halo, halo);
  pango_cairo_show_layout (mask_cr, layout);
  cairo_destroy (mask_cr);
  cairo_surface_set_device_scale (mask, sf, sf);

  /* One group, so that overlapping offsets do not darken the halo. */
  cairo_push_group (cr);
  cairo_set_source_rgb (cr, 1, 1, 1);
  for (int dy = -reach; dy <= reach; dy++)
    for (int dx = -reach; dx <= reach; dx++)
      if ((dx != 0 || dy != 0) && dx * dx + dy * dy <= (halo + 0.25) * (halo + 0.25))
        cairo_mask_surface (cr, mask, dx, dy);
  cairo_pop_group_to_source (cr);
  cairo_paint_with_alpha (cr, 0.9);

  cairo_set_source_rgb (cr, 0.14, 0.16, 0.20);
  cairo_mask_surface (cr, mask, 0, 0);
  cairo_surface_destroy (mask);
}

#define LABEL_HALO 2.0

/* Both variants' sizes, which decide the one shown; each is drawn only
 * when it is first shown (drawing is most of a label's cost). */
static void
measure_labels (Entry *e)
{
  for (guint variant = 0; variant < 2; variant++)
    {
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
      cairo_t *cr = cairo_create (surface);
      PangoLayout *layout = pango_cairo_create_layout (cr);
      PangoFontDescription *font = pango_font_description_from_string ("Sans Bold 10");
      g_autofree char *markup = NULL;
      int lw, lh;

      pango_layout_set_font_description (layout, font);
      pango_font_description_free (font);
      pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
      if (variant == 0)
        markup = g_markup_printf_escaped ("%s\n<span size='small' weight='normal'>%s</span>",
                                          e->grid->name, e->grid->code);
      else
        markup = g_markup_printf_escaped ("%s", e->grid->name);
      pango_layout_set_markup (layout, markup, -1);
      pango_layout_get_pixel_size (layout, &lw, &lh);
      cairo_destroy (cr);
      cairo_surface_destroy (surface);

      e->label_w[variant] = lw + 2 * LABEL_HALO;
      e->label_h[variant] = lh + 2 * LABEL_HALO;
      g_set_object (&e->layout[variant], layout);
      g_object_unref (layout);
    }
}

static GdkTexture *
get_label (Entry *e,
           guint  variant,
           int    sf)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  int width, height;

  if (e->label[variant] != NULL && e->label_sf[variant] == sf)
    return e->label[variant];

  width = (int) ceil (e->label_w[variant] * sf);
  height = (int) ceil (e->label_h[variant] * sf);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  cairo_scale (cr, sf, sf);
  pango_cairo_update_layout (cr, e->layout[variant]);
  show_layout_with_halo (cr, e->layout[variant], width, height, LABEL_HALO, sf);
  cairo_destroy (cr);

  g_clear_object (&e->label[variant]);
  e->label[variant] = _wg_texture_from_surface (surface);
  e->label_sf[variant] = sf;
  cairo_surface_destroy (surface);
  return e->label[variant];
}

/* A line of @width from (x0, y0) to (x1, y1) as a rotated colour node. */
static void
append_line (GtkSnapshot   *snapshot,
             double         x0,
             double         y0,
             double         x1,
             double         y1,
             double         width,
             const GdkRGBA *color)
{
  double dx = x1 - x0, dy = y1 - y0;
  double len = hypot (dx, dy);

  if (len < 0.5)
    return;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x0, y0));
  gtk_snapshot_rotate (snapshot, atan2 (dy, dx) * 180.0 / G_PI);
  /* Overlap half a width at each end so corners close. */
  gtk_snapshot_append_color (snapshot, color,
                             &GRAPHENE_RECT_INIT (-width / 2, -width / 2, len + width, width));
  gtk_snapshot_restore (snapshot);
}

static void
append_outline (GtkSnapshot           *snapshot,
                const WgMapProjection *p,
                const Entry           *e,
                double                 width,
                const GdkRGBA         *color)
{
  guint n = e->grid->n_points;
  double px, py;

  _wg_projection_to_widget (p, e->mxy[2 * (n - 1)], e->mxy[2 * (n - 1) + 1], &px, &py);
  for (guint i = 0; i < n; i++)
    {
      double x, y;

      _wg_projection_to_widget (p, e->mxy[2 * i], e->mxy[2 * i + 1], &x, &y);
      append_line (snapshot, px, py, x, y, width, color);
      px = x;
      py = y;
    }
}

/* Labels where they fit: name and code, or just the name. */
static void
snapshot_labels (WgGridLayer           *self,
                 GtkSnapshot           *snapshot,
                 const WgMapProjection *p,
                 int                    sf)
{
  double r = (p->rotation != 0 ? hypot (p->width, p->height) / 2 : 0);
  double vx0 = (p->ox - r) / p->scale, vy0 = (p->oy - r) / p->scale;
  double vx1 = (p->ox + p->width + r) / p->scale, vy1 = (p->oy + p->height + r) / p->scale;

  self->n_labels = 0;
  g_array_set_size (self->obstacles, 0);
  if (self->stations != NULL)
    _wg_station_layer_add_obstacles (self->stations, p, self->obstacles);
  if (self->incidents != NULL)
    _wg_incident_layer_add_obstacles (self->incidents, p, self->obstacles);

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);
      double box_w = (e->max_x - e->min_x) * p->scale;
      double box_h = (e->max_y - e->min_y) * p->scale;
      double x, y;
      int variant;

      if (e->max_x < vx0 || e->min_x > vx1 || e->max_y < vy0 || e->min_y > vy1
          || box_w < 40 || box_h < 18)
        continue;
      if (e->layout[0] == NULL)
        measure_labels (e);
      _wg_projection_to_widget (p, e->label_x, e->label_y, &x, &y);
      /* Name and code where they fit and cover nothing more important,
       * else the name alone, else nothing. */
      for (variant = 0; variant < 2; variant++)
        {
          graphene_rect_t box = GRAPHENE_RECT_INIT (round (x - e->label_w[variant] / 2),
                                                    round (y - e->label_h[variant] / 2),
                                                    e->label_w[variant], e->label_h[variant]);

          if (e->label_w[variant] > box_w * 0.92 || e->label_h[variant] > box_h * 0.85
              || _wg_rect_hits_any (&box, self->obstacles))
            continue;
          gtk_snapshot_append_texture (snapshot, get_label (e, variant, sf), &box);
          self->n_labels++;
          break;
        }
    }
}

/* An unacknowledged emergency's grid */
static gboolean
is_flashing (const Entry *e)
{
  return (e->state & WG_GRID_STATE_UNACKNOWLEDGED) && (e->state & WG_GRID_STATE_EMERGENCY);
}

/* The fill of @e, its alpha times @flash where it flashes. */
static void
fill_color (WgGridLayer *self,
            const Entry *e,
            double       flash,
            GdkRGBA     *fill,
            GdkRGBA     *stroke)
{
  _wg_grid_state_color (e->state, fill, stroke);
  if (is_selected (self, e))
    fill->alpha = MAX (fill->alpha, 0.18) + 0.10;
  if (is_flashing (e))
    fill->alpha = MIN (0.85, fill->alpha * flash);
}

/* ---- under the cairo renderer ------------------------------------------- */

gboolean
_wg_renders_with_cairo (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GskRenderer *renderer = native != NULL ? gtk_native_get_renderer (native) : NULL;

  return renderer != NULL && GSK_IS_CAIRO_RENDERER (renderer);
}

static void
path_polygon (cairo_t               *cr,
              const WgMapProjection *p,
              const Entry           *e)
{
  for (guint i = 0; i < e->grid->n_points; i++)
    {
      double x, y;

      _wg_projection_to_widget (p, e->mxy[2 * i], e->mxy[2 * i + 1], &x, &y);
      if (i == 0)
        cairo_move_to (cr, x, y);
      else
        cairo_line_to (cr, x, y);
    }
  cairo_close_path (cr);
}

/* A quiet grid too small on screen for its outline to say anything. */
static gboolean
has_outline (const WgMapProjection *p,
             const Entry           *e)
{
  return e->state != WG_GRID_STATE_NONE
         || MAX (e->max_x - e->min_x, e->max_y - e->min_y) * p->scale >= MIN_OUTLINE_PX;
}

/* The part of the (rotated) view a grid covers, in widget coordinates. */
static graphene_rect_t
screen_box (const WgMapProjection *p,
            const Entry           *e,
            double                 margin)
{
  double x0 = e->min_x * p->scale - p->ox - margin, y0 = e->min_y * p->scale - p->oy - margin;
  double x1 = e->max_x * p->scale - p->ox + margin, y1 = e->max_y * p->scale - p->oy + margin;
  double r = p->rotation != 0 ? hypot (p->width, p->height) / 2 : 0;

  x0 = MAX (x0, -r);
  y0 = MAX (y0, -r);
  x1 = MIN (x1, p->width + r);
  y1 = MIN (y1, p->height + r);
  return GRAPHENE_RECT_INIT (floor (x0), floor (y0), MAX (0, ceil (x1) - floor (x0)), MAX (0, ceil (y1) - floor (y0)));
}

static void
fill_path (cairo_t               *cr,
           const WgMapProjection *p,
           const Entry           *e,
           const GdkRGBA         *color)
{
  cairo_new_path (cr);
  path_polygon (cr, p, e);
  gdk_cairo_set_source_rgba (cr, color);
  cairo_fill (cr);
}

/* The same picture as the fills and outlines of wg_grid_layer_snapshot:
 * one stroke per run of outlines of the same colour and width. */
static void
append_grids_cairo (WgGridLayer           *self,
                    GtkSnapshot           *snapshot,
                    const WgMapProjection *p,
                    const guint8          *visible,
                    const Entry           *selected,
                    gboolean               animate)
{
  double r = p->rotation != 0 ? hypot (p->width, p->height) / 2 : 0;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (-r, -r, p->width + 2 * r,
                                                                          p->height + 2 * r));
  GdkRGBA run_color = { 0 };
  double run_width = 0;
  gboolean in_run = FALSE;

  cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *e = &g_array_index (self->entries, Entry, i);
      GdkRGBA fill, stroke;

      if (!visible[i] || (e->state == WG_GRID_STATE_NONE && e != selected)
          || (is_flashing (e) && animate))
        continue;
      fill_color (self, e, is_flashing (e) ? 1.6 : 1.0, &fill, &stroke);
      fill_path (cr, p, e, &fill);
    }

  cairo_new_path (cr);
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->entries->len; i++)
      {
        const Entry *e = &g_array_index (self->entries, Entry, i);
        GdkRGBA fill, stroke;
        double width;

        if (!visible[i] || (pass == 0) != (e->state == WG_GRID_STATE_NONE) || e == selected
            || !has_outline (p, e))
          continue;
        _wg_grid_state_color (e->state, &fill, &stroke);
        width = e->state != WG_GRID_STATE_NONE ? 2.0 : (e->grid->level <= 1 ? 2.0 : 1.2);
        if (in_run && (width != run_width || !gdk_rgba_equal (&stroke, &run_color)))
          {
            gdk_cairo_set_source_rgba (cr, &run_color);
            cairo_set_line_width (cr, run_width);
            cairo_stroke (cr);
          }
        run_color = stroke;
        run_width = width;
        in_run = TRUE;
        path_polygon (cr, p, e);
      }
  if (in_run)
    {
      gdk_cairo_set_source_rgba (cr, &run_color);
      cairo_set_line_width (cr, run_width);
      cairo_stroke (cr);
    }
  if (selected != NULL)
    {
      path_polygon (cr, p, selected);
      cairo_set_source_rgb (cr, 0x1a / 255.0, 0x5f / 255.0, 0xb4 / 255.0);
      cairo_set_line_width (cr, 4.0);
      cairo_stroke (cr);
    }
  cairo_destroy (cr);
}

static void
wg_grid_layer_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  WgGridLayer *self = WG_GRID_LAYER (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  WgMapProjection p;
  int sf = gtk_widget_get_scale_factor (widget);
  double vx0, vy0, vx1, vy1;
  g_autofree guint8 *visible = NULL;
  const Entry *selected = NULL;
  gboolean animate = _wg_animations_enabled (widget);

  if (self->entries->len == 0 || !_wg_projection_init (&p, widget, viewport))
    return;

  /* The view in unit coordinates, with room for rotation. */
  {
    double r = (p.rotation != 0 ? hypot (p.width, p.height) / 2 : 0);
    vx0 = (p.ox - r) / p.scale;
    vy0 = (p.oy - r) / p.scale;
    vx1 = (p.ox + p.width + r) / p.scale;
    vy1 = (p.oy + p.height + r) / p.scale;
  }
  visible = g_new0 (guint8, self->entries->len);
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *e = &g_array_index (self->entries, Entry, i);

      visible[i] = !(e->max_x < vx0 || e->min_x > vx1 || e->max_y < vy0 || e->min_y > vy1);
      if (visible[i] && is_selected (self, e))
        selected = e;
    }

  gtk_snapshot_save (snapshot);
  _wg_projection_push_rotation (&p, snapshot);
  if (_wg_renders_with_cairo (widget))
    {
      append_grids_cairo (self, snapshot, &p, visible, selected, animate);
      if (self->label_layer == NULL)
        snapshot_labels (self, snapshot, &p, sf);
      gtk_snapshot_restore (snapshot);
      return;
    }

  /* Fills: only grids with something to say. */
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);
      GdkRGBA fill, stroke;

      if (!visible[i])
        continue;
      if (e->state == WG_GRID_STATE_NONE && !is_selected (self, e))
        continue;
      /* Flashing: the pulse layer's; steady and strong with animations off. */
      if (is_flashing (e) && animate)
        continue;
      fill_color (self, e, is_flashing (e) ? 1.6 : 1.0, &fill, &stroke);
      append_fill (snapshot, &p, e, self->scratch, &fill);
    }

  /* Outlines: quiet ones first, so that coloured edges win. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->entries->len; i++)
      {
        const Entry *e = &g_array_index (self->entries, Entry, i);
        GdkRGBA fill, stroke;

        if (!visible[i] || (pass == 0) != (e->state == WG_GRID_STATE_NONE) || e == selected)
          continue;
        if (!has_outline (&p, e))
          continue;
        _wg_grid_state_color (e->state, &fill, &stroke);
        append_outline (snapshot, &p, e,
                        e->state != WG_GRID_STATE_NONE ? 2.0 : (e->grid->level <= 1 ? 2.0 : 1.2),
                        &stroke);
      }
  if (selected)
    append_outline (snapshot, &p, selected, 4.0, &(GdkRGBA) { 0x1a / 255.0, 0x5f / 255.0, 0xb4 / 255.0, 1 });

  if (self->label_layer == NULL)
    snapshot_labels (self, snapshot, &p, sf);

  gtk_snapshot_restore (snapshot);
}

gboolean
_wg_grid_layer_snapshot_pulse (WgGridLayer           *self,
                               GtkSnapshot           *snapshot,
                               const WgMapProjection *p,
                               double                 phase,
                               gboolean               animate)
{
  double r = (p->rotation != 0 ? hypot (p->width, p->height) / 2 : 0);
  double vx0 = (p->ox - r) / p->scale, vy0 = (p->oy - r) / p->scale;
  double vx1 = (p->ox + p->width + r) / p->scale, vy1 = (p->oy + p->height + r) / p->scale;
  /* Up and down once per pulse period. */
  double flash = 0.5 + 2.0 * (1.0 - fabs (2.0 * phase - 1.0));
  gboolean with_cairo = _wg_renders_with_cairo (GTK_WIDGET (self));

  self->pulsing_visible = FALSE;
  if (!animate || !gtk_widget_get_visible (GTK_WIDGET (self)))
    return FALSE;
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *e = &g_array_index (self->entries, Entry, i);
      GdkRGBA fill, stroke;

      if (!is_flashing (e) || e->max_x < vx0 || e->min_x > vx1 || e->max_y < vy0 || e->min_y > vy1)
        continue;
      fill_color (self, e, flash, &fill, &stroke);
      if (with_cairo)
        {
          /* Its own node over its own box: a step repaints only that. */
          graphene_rect_t box = screen_box (p, e, 1);
          cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &box);

          cairo_set_fill_rule (cr, CAIRO_FILL_RULE_EVEN_ODD);
          fill_path (cr, p, e, &fill);
          cairo_destroy (cr);
        }
      else
        append_fill (snapshot, p, e, self->scratch, &fill);
      self->pulsing_visible = TRUE;
    }
  return self->pulsing_visible;
}

void
_wg_grid_layer_queue_labels (WgGridLayer *self)
{
  gtk_widget_queue_draw (self->label_layer != NULL ? self->label_layer : GTK_WIDGET (self));
}

guint
_wg_grid_layer_get_n_labels (WgGridLayer *self)
{
  return self->n_labels;
}

void
_wg_grid_layer_set_obstacles (WgGridLayer     *self,
                              WgStationLayer  *stations,
                              WgIncidentLayer *incidents)
{
  g_set_weak_pointer (&self->stations, stations);
  g_set_weak_pointer (&self->incidents, incidents);
  if (incidents != NULL)
    _wg_incident_layer_add_dependent (incidents, self->label_layer != NULL ? self->label_layer
                                                                           : GTK_WIDGET (self));
}

void
_wg_grid_layer_set_pulse_layer (WgGridLayer *self,
                                GtkWidget   *pulse_layer)
{
  g_set_weak_pointer (&self->pulse_layer, pulse_layer);
}

static void
viewport_changed_cb (WgGridLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* The grid labels as a layer of their own, so that they can sit above the
 * forces (a dense cluster badge on a grid's name made it unreadable). */

#define WG_TYPE_GRID_LABEL_LAYER (wg_grid_label_layer_get_type ())
G_DECLARE_FINAL_TYPE (WgGridLabelLayer, wg_grid_label_layer, WG, GRID_LABEL_LAYER, ShumateLayer)

struct _WgGridLabelLayer
{
  ShumateLayer  parent_instance;
  WgGridLayer  *grids;   /* weak */
};

G_DEFINE_FINAL_TYPE (WgGridLabelLayer, wg_grid_label_layer, SHUMATE_TYPE_LAYER)

static void
wg_grid_label_layer_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  WgGridLabelLayer *self = WG_GRID_LABEL_LAYER (widget);
  WgMapProjection p;

  if (self->grids == NULL
      || !_wg_projection_init (&p, widget, shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return;
  gtk_snapshot_save (snapshot);
  _wg_projection_push_rotation (&p, snapshot);
  snapshot_labels (self->grids, snapshot, &p, gtk_widget_get_scale_factor (widget));
  gtk_snapshot_restore (snapshot);
}

static void
wg_grid_label_layer_dispose (GObject *object)
{
  WgGridLabelLayer *self = WG_GRID_LABEL_LAYER (object);

  if (self->grids)
    g_object_remove_weak_pointer (G_OBJECT (self->grids), (gpointer *) &self->grids);
  self->grids = NULL;
  G_OBJECT_CLASS (wg_grid_label_layer_parent_class)->dispose (object);
}

static void
wg_grid_label_layer_class_init (WgGridLabelLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wg_grid_label_layer_dispose;
  GTK_WIDGET_CLASS (klass)->snapshot = wg_grid_label_layer_snapshot;
}

static void
wg_grid_label_layer_init (WgGridLabelLayer *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

ShumateLayer *
_wg_grid_layer_create_label_layer (WgGridLayer *self)
{
  WgGridLabelLayer *labels;

  g_return_val_if_fail (WG_IS_GRID_LAYER (self), NULL);
  g_return_val_if_fail (self->label_layer == NULL, NULL);

  labels = g_object_new (WG_TYPE_GRID_LABEL_LAYER,
                         "viewport", shumate_layer_get_viewport (SHUMATE_LAYER (self)), NULL);
  labels->grids = self;
  g_object_add_weak_pointer (G_OBJECT (self), (gpointer *) &labels->grids);
  self->label_layer = GTK_WIDGET (labels);
  g_object_add_weak_pointer (G_OBJECT (labels), (gpointer *) &self->label_layer);
  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (gtk_widget_queue_draw), labels, G_CONNECT_SWAPPED);
  /* Hidden with the grids */
  g_object_bind_property (self, "visible", labels, "visible", G_BINDING_SYNC_CREATE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return SHUMATE_LAYER (labels);
}

static void
wg_grid_layer_constructed (GObject *object)
{
  WgGridLayer *self = WG_GRID_LAYER (object);

  G_OBJECT_CLASS (wg_grid_layer_parent_class)->constructed (object);
  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
wg_grid_layer_finalize (GObject *object)
{
  WgGridLayer *self = WG_GRID_LAYER (object);

  g_array_unref (self->entries);
  g_array_unref (self->scratch);
  g_array_unref (self->obstacles);
  g_clear_weak_pointer (&self->stations);
  g_clear_weak_pointer (&self->incidents);
  g_hash_table_unref (self->by_code);
  g_free (self->selected);
  G_OBJECT_CLASS (wg_grid_layer_parent_class)->finalize (object);
}

static void
wg_grid_layer_class_init (WgGridLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wg_grid_layer_constructed;
  object_class->finalize = wg_grid_layer_finalize;
  widget_class->snapshot = wg_grid_layer_snapshot;
}

static void
wg_grid_layer_init (WgGridLayer *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
  self->by_code = g_hash_table_new (g_str_hash, g_str_equal);
  self->scratch = g_array_new (FALSE, FALSE, sizeof (double));
  self->obstacles = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  /* Clicks go to the map (drag to pan); WgMapView does the hit testing. */
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

WgGridLayer *
wg_grid_layer_new (ShumateViewport *viewport)
{
  return g_object_new (WG_TYPE_GRID_LAYER, "viewport", viewport, NULL);
}

static int
compare_level (gconstpointer a,
               gconstpointer b)
{
  WgMapGrid *ga = *(WgMapGrid **) a, *gb = *(WgMapGrid **) b;
  return (int) ga->level - (int) gb->level;
}

void
wg_grid_layer_set_grids (WgGridLayer *self,
                         GPtrArray   *grids)
{
  g_autoptr(GPtrArray) sorted = NULL;

  g_return_if_fail (WG_IS_GRID_LAYER (self));
  g_return_if_fail (grids != NULL);

  g_array_set_size (self->entries, 0);
  g_hash_table_remove_all (self->by_code);

  /* Not g_ptr_array_copy(): it would carry over @grids' free func. */
  sorted = g_ptr_array_sized_new (grids->len);
  for (guint i = 0; i < grids->len; i++)
    g_ptr_array_add (sorted, grids->pdata[i]);
  g_ptr_array_sort (sorted, compare_level);
  for (guint i = 0; i < sorted->len; i++)
    {
      Entry e = { 0 };

      e.grid = wg_map_grid_ref (sorted->pdata[i]);
      project_entry (self, &e);
      g_array_append_val (self->entries, e);
    }
  for (guint i = 0; i < self->entries->len; i++)
    g_hash_table_insert (self->by_code, g_array_index (self->entries, Entry, i).grid->code,
                         GUINT_TO_POINTER (i + 1));
  invalidate (self);
}

guint
wg_grid_layer_get_n_grids (WgGridLayer *self)
{
  g_return_val_if_fail (WG_IS_GRID_LAYER (self), 0);
  return self->entries->len;
}

static Entry *
lookup_entry (WgGridLayer *self,
              const char  *code)
{
  guint index = GPOINTER_TO_UINT (g_hash_table_lookup (self->by_code, code));

  return index ? &g_array_index (self->entries, Entry, index - 1) : NULL;
}

WgMapGrid *
wg_grid_layer_lookup (WgGridLayer *self,
                      const char  *code)
{
  Entry *e;

  g_return_val_if_fail (WG_IS_GRID_LAYER (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);

  e = lookup_entry (self, code);
  return e ? e->grid : NULL;
}

void
wg_grid_layer_set_state (WgGridLayer *self,
                         const char  *code,
                         WgGridState  state,
                         guint        n_open)
{
  Entry *e;

  g_return_if_fail (WG_IS_GRID_LAYER (self));
  g_return_if_fail (code != NULL);

  e = lookup_entry (self, code);
  if (e == NULL || (e->state == state && e->n_open == n_open))
    return;
  e->state = state;
  e->n_open = n_open;
  invalidate (self);
}

WgGridState
wg_grid_layer_get_state (WgGridLayer *self,
                         const char  *code)
{
  Entry *e;

  g_return_val_if_fail (WG_IS_GRID_LAYER (self), WG_GRID_STATE_NONE);
  e = lookup_entry (self, code);
  return e ? e->state : WG_GRID_STATE_NONE;
}

void
wg_grid_layer_clear_states (WgGridLayer *self)
{
  g_return_if_fail (WG_IS_GRID_LAYER (self));

  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);
      e->state = WG_GRID_STATE_NONE;
      e->n_open = 0;
    }
  invalidate (self);
}

void
wg_grid_layer_set_selected (WgGridLayer *self,
                            const char  *code)
{
  g_return_if_fail (WG_IS_GRID_LAYER (self));

  if (g_strcmp0 (self->selected, code) == 0)
    return;
  g_free (self->selected);
  self->selected = g_strdup (code);
  invalidate (self);
}

void
wg_grid_layer_set_gcj02 (WgGridLayer *self,
                         gboolean     gcj02)
{
  g_return_if_fail (WG_IS_GRID_LAYER (self));

  gcj02 = !!gcj02;
  if (self->gcj02 == gcj02)
    return;
  self->gcj02 = gcj02;
  for (guint i = 0; i < self->entries->len; i++)
    project_entry (self, &g_array_index (self->entries, Entry, i));
  invalidate (self);
}

static gboolean
point_in_ring (const double *mxy,
               guint         n,
               double        x,
               double        y)
{
  gboolean inside = FALSE;

  for (guint i = 0, j = n - 1; i < n; j = i++)
    {
      double xi = mxy[2 * i], yi = mxy[2 * i + 1];
      double xj = mxy[2 * j], yj = mxy[2 * j + 1];

      if (((yi > y) != (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi))
        inside = !inside;
    }
  return inside;
}

WgMapGrid *
wg_grid_layer_pick (WgGridLayer *self,
                    double       x,
                    double       y)
{
  ShumateViewport *viewport;
  WgMapProjection p;
  double mx, my;

  g_return_val_if_fail (WG_IS_GRID_LAYER (self), NULL);

  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  if (!_wg_projection_init (&p, GTK_WIDGET (self), viewport))
    return NULL;
  _wg_projection_unrotate (&p, &x, &y);
  mx = (x + p.ox) / p.scale;
  my = (y + p.oy) / p.scale;

  /* Entries are sorted coarse to fine: the last hit is the most detailed. */
  for (guint i = self->entries->len; i > 0; i--)
    {
      const Entry *e = &g_array_index (self->entries, Entry, i - 1);

      if (mx < e->min_x || mx > e->max_x || my < e->min_y || my > e->max_y)
        continue;
      if (point_in_ring (e->mxy, e->grid->n_points, mx, my))
        return e->grid;
    }
  return NULL;
}

gboolean
wg_grid_layer_is_pulsing (WgGridLayer *self)
{
  g_return_val_if_fail (WG_IS_GRID_LAYER (self), FALSE);
  return self->pulsing_visible;
}

void
_wg_grid_layer_collect (WgGridLayer *self,
                        GArray      *items)
{
  WgMapProjection p;

  if (!_wg_projection_init (&p, GTK_WIDGET (self), shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return;
  /* Each grid at its label's point, where a reader looks for it. */
  for (guint i = 0; i < self->entries->len; i++)
    {
      const Entry *e = &g_array_index (self->entries, Entry, i);
      WgMapItem item = { WG_MAP_SELECTION_GRID, e->grid->code, 0, 0 };

      _wg_projection_to_widget (&p, e->label_x, e->label_y, &item.x, &item.y);
      g_array_append_val (items, item);
    }
}
