/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Grid polygons, filled by state, with names and codes where they fit.
 *
 * GTK 4.8 has no GskPath, so polygons go through cairo.  Re-rasterising
 * every polygon at full screen size on every frame would cost more than
 * the whole base map, so the layer rasterises 512 px tiles of its own once
 * per zoom level ("render zoom") and reuses them while the map pans.  While
 * the zoom animates the tiles of the render zoom are drawn scaled; the layer
 * re-renders at the new zoom when it settles or drifts too far.
 */
#define G_LOG_DOMAIN "wg-grid-layer"

#include "config.h"

#include <pango/pangocairo.h>

#include "wg-map-private.h"

#define TILE_SIZE 512
#define MAX_CACHED_TILES 64
#define SETTLE_MS 150

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
} Entry;

struct _WgGridLayer
{
  ShumateLayer  parent_instance;

  GArray       *entries;       /* Entry, sorted by level (coarse first) */
  GHashTable   *by_code;       /* code -> index + 1 */
  char         *selected;
  gboolean      gcj02;

  /* Tile cache at the render zoom */
  GHashTable   *tiles;         /* packed (tx, ty) -> GdkTexture or NULL (empty) */
  double        render_scale;
  int           render_sf;
  guint         settle_id;
};

G_DEFINE_FINAL_TYPE (WgGridLayer, wg_grid_layer, SHUMATE_TYPE_LAYER)

static void
entry_clear (gpointer data)
{
  Entry *e = data;

  g_clear_pointer (&e->grid, wg_map_grid_unref);
  g_clear_pointer (&e->mxy, g_free);
}

static void
unref_texture (gpointer texture)
{
  /* Empty tiles are cached as NULL. */
  if (texture != NULL)
    g_object_unref (texture);
}

static void
invalidate (WgGridLayer *self)
{
  g_hash_table_remove_all (self->tiles);
  gtk_widget_queue_draw (GTK_WIDGET (self));
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

static void
path_entry (cairo_t     *cr,
            const Entry *e,
            double       scale)
{
  cairo_new_path (cr);
  for (guint i = 0; i < e->grid->n_points; i++)
    cairo_line_to (cr, e->mxy[2 * i] * scale, e->mxy[2 * i + 1] * scale);
  cairo_close_path (cr);
}

static void
draw_label (WgGridLayer *self,
            cairo_t     *cr,
            const Entry *e,
            double       scale)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font;
  g_autofree char *markup = NULL;
  double box_w = (e->max_x - e->min_x) * scale;
  double box_h = (e->max_y - e->min_y) * scale;
  int lw, lh;

  if (box_w < 40 || box_h < 18)
    return;

  font = pango_font_description_from_string ("Sans Bold 10");
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);

  markup = g_markup_printf_escaped ("%s\n<span size='small' weight='normal'>%s</span>",
                                    e->grid->name, e->grid->code);
  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &lw, &lh);
  if (lw > box_w * 0.92 || lh > box_h * 0.85)
    {
      /* Name only, then nothing. */
      pango_layout_set_text (layout, e->grid->name, -1);
      pango_layout_get_pixel_size (layout, &lw, &lh);
      if (lw > box_w * 0.92 || lh > box_h * 0.85)
        return;
    }

  cairo_move_to (cr, e->label_x * scale - lw / 2.0, e->label_y * scale - lh / 2.0);
  pango_cairo_layout_path (cr, layout);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
  cairo_set_line_width (cr, 3.0);
  cairo_stroke (cr);
  cairo_move_to (cr, e->label_x * scale - lw / 2.0, e->label_y * scale - lh / 2.0);
  cairo_set_source_rgb (cr, 0.14, 0.16, 0.20);
  pango_cairo_show_layout (cr, layout);
}

static GdkTexture *
render_tile (WgGridLayer *self,
             int          tx,
             int          ty)
{
  double scale = self->render_scale;
  double x0 = (double) tx * TILE_SIZE, y0 = (double) ty * TILE_SIZE;
  cairo_surface_t *surface = NULL;
  cairo_t *cr = NULL;
  GdkTexture *texture;
  /* Labels may overhang their polygon's box a little: widen the test. */
  const double pad = 80;

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < self->entries->len; i++)
      {
        const Entry *e = &g_array_index (self->entries, Entry, i);
        gboolean selected = self->selected && g_str_equal (self->selected, e->grid->code);
        GdkRGBA fill, stroke;

        if (e->max_x * scale + pad < x0 || e->min_x * scale - pad > x0 + TILE_SIZE
            || e->max_y * scale + pad < y0 || e->min_y * scale - pad > y0 + TILE_SIZE)
          continue;

        if (cr == NULL)
          {
            surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32,
                                                  TILE_SIZE * self->render_sf,
                                                  TILE_SIZE * self->render_sf);
            cr = cairo_create (surface);
            cairo_scale (cr, self->render_sf, self->render_sf);
            cairo_translate (cr, -x0, -y0);
          }

        if (pass == 0)
          {
            _wg_grid_state_color (e->state, &fill, &stroke);
            path_entry (cr, e, scale);
            if (selected)
              {
                fill.alpha = MAX (fill.alpha, 0.18) + 0.10;
                stroke.red = 0x1a / 255.0;
                stroke.green = 0x5f / 255.0;
                stroke.blue = 0xb4 / 255.0;
                stroke.alpha = 1;
              }
            gdk_cairo_set_source_rgba (cr, &fill);
            cairo_fill_preserve (cr);
            gdk_cairo_set_source_rgba (cr, &stroke);
            cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
            cairo_set_line_width (cr, selected ? 4.0 : (e->grid->level <= 1 ? 2.0 : 1.2));
            if (e->grid->level > 1 && !selected && e->state == WG_GRID_STATE_NONE)
              cairo_set_dash (cr, (double[]) { 5, 3 }, 2, 0);
            cairo_stroke (cr);
            cairo_set_dash (cr, NULL, 0, 0);
          }
        else
          draw_label (self, cr, e, scale);
      }

  if (cr == NULL)
    return NULL;

  cairo_destroy (cr);
  texture = _wg_texture_from_surface (surface);
  cairo_surface_destroy (surface);
  return texture;
}

static gboolean
settle_cb (gpointer user_data)
{
  WgGridLayer *self = user_data;

  self->settle_id = 0;
  self->render_scale = 0;   /* re-render at whatever the zoom is now */
  invalidate (self);
  return G_SOURCE_REMOVE;
}

static void
wg_grid_layer_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  WgGridLayer *self = WG_GRID_LAYER (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  WgMapProjection p;
  int sf = gtk_widget_get_scale_factor (widget);
  double f, vx0, vy0, vx1, vy1;
  int tx0, ty0, tx1, ty1;

  if (self->entries->len == 0 || !_wg_projection_init (&p, widget, viewport))
    return;

  f = self->render_scale > 0 ? p.scale / self->render_scale : 0;
  if (f < 0.6 || f > 1.7 || sf != self->render_sf)
    {
      g_hash_table_remove_all (self->tiles);
      self->render_scale = p.scale;
      self->render_sf = sf;
      f = 1.0;
    }
  if (f != 1.0)
    {
      g_clear_handle_id (&self->settle_id, g_source_remove);
      self->settle_id = g_timeout_add (SETTLE_MS, settle_cb, self);
    }
  if (g_hash_table_size (self->tiles) > MAX_CACHED_TILES)
    g_hash_table_remove_all (self->tiles);

  /* Visible area in render-zoom pixels. */
  vx0 = p.ox / f;
  vy0 = p.oy / f;
  vx1 = (p.ox + p.width) / f;
  vy1 = (p.oy + p.height) / f;
  if (p.rotation != 0)
    {
      /* Cover the rotated view's bounding circle. */
      double r = hypot (p.width, p.height) / 2 / f;
      double cx = (vx0 + vx1) / 2, cy = (vy0 + vy1) / 2;
      vx0 = cx - r; vx1 = cx + r; vy0 = cy - r; vy1 = cy + r;
    }
  tx0 = (int) floor (vx0 / TILE_SIZE);
  ty0 = (int) floor (vy0 / TILE_SIZE);
  tx1 = (int) floor (vx1 / TILE_SIZE);
  ty1 = (int) floor (vy1 / TILE_SIZE);

  gtk_snapshot_save (snapshot);
  _wg_projection_push_rotation (&p, snapshot);
  for (int ty = ty0; ty <= ty1; ty++)
    for (int tx = tx0; tx <= tx1; tx++)
      {
        gint64 key = ((gint64) tx << 32) | (guint32) ty;
        gpointer value;
        GdkTexture *texture;

        if (!g_hash_table_lookup_extended (self->tiles, &key, NULL, &value))
          {
            gint64 *k = g_new (gint64, 1);
            *k = key;
            value = render_tile (self, tx, ty);
            g_hash_table_insert (self->tiles, k, value);
          }
        texture = value;
        if (texture == NULL)
          continue;
        gtk_snapshot_append_texture (snapshot, texture,
                                     &GRAPHENE_RECT_INIT (tx * TILE_SIZE * f - p.ox,
                                                          ty * TILE_SIZE * f - p.oy,
                                                          TILE_SIZE * f, TILE_SIZE * f));
      }
  gtk_snapshot_restore (snapshot);
}

static void
viewport_changed_cb (WgGridLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
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
wg_grid_layer_dispose (GObject *object)
{
  WgGridLayer *self = WG_GRID_LAYER (object);

  g_clear_handle_id (&self->settle_id, g_source_remove);
  G_OBJECT_CLASS (wg_grid_layer_parent_class)->dispose (object);
}

static void
wg_grid_layer_finalize (GObject *object)
{
  WgGridLayer *self = WG_GRID_LAYER (object);

  g_array_unref (self->entries);
  g_hash_table_unref (self->by_code);
  g_hash_table_unref (self->tiles);
  g_free (self->selected);
  G_OBJECT_CLASS (wg_grid_layer_parent_class)->finalize (object);
}

static void
wg_grid_layer_class_init (WgGridLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wg_grid_layer_constructed;
  object_class->dispose = wg_grid_layer_dispose;
  object_class->finalize = wg_grid_layer_finalize;
  widget_class->snapshot = wg_grid_layer_snapshot;
}

static void
wg_grid_layer_init (WgGridLayer *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, entry_clear);
  self->by_code = g_hash_table_new (g_str_hash, g_str_equal);
  self->tiles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, unref_texture);
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
