/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Moving forces, read straight from the packed WgPositionStore.
 *
 * Per frame: project every unit with two multiply-adds (the Mercator part is
 * redone only when the store's generation moves), drop those off screen, bin
 * the rest into world-anchored cells (stable while panning), and draw one
 * pre-rendered texture per cell: the unit's icon when it is alone, a count
 * badge when several share the cell.  Store changes only queue a draw, so a
 * burst of updates costs one frame.
 */
#define G_LOG_DOMAIN "wg-force-layer"

#include "config.h"

#include <string.h>

#include "wg-force-layer.h"
#include "wg-map-private.h"

#define CLUSTER_CELL 80.0
/* A cell with up to this many units shows them all; more become a badge. */
#define CLUSTER_MIN 4
#define CLUSTER_MAX_ZOOM 17.0
#define MARGIN 24.0
#define MAX_TRAILS 2000
#define TRAIL_POINTS 64

typedef struct
{
  float   x, y;
  float   radius;
  int     index;      /* unit index of a single unit; first unit of a cluster */
  guint   count;
} Drawn;

struct _WgForceLayer
{
  ShumateLayer     parent_instance;

  WgPositionStore *store;
  guint            watch_id;
  WgClock         *clock;
  gint64           stale_after_ms;
  gboolean         show_trails;
  gboolean         gcj02;
  int              selected;

  /* Unit-square Mercator per unit, valid for mxy_generation */
  double          *mxy;
  guint            mxy_capacity;
  guint64          mxy_generation;
  gboolean         mxy_valid;

  /* Binning scratch */
  guint           *cell_count;
  int             *cell_first;
  double          *cell_sx;
  double          *cell_sy;
  guint            n_cells_alloc;

  GArray          *drawn;
  GHashTable      *badges;     /* label -> GdkTexture */
  guint            n_drawn_units;
  guint            n_drawn_clusters;
};

G_DEFINE_FINAL_TYPE (WgForceLayer, wg_force_layer, SHUMATE_TYPE_LAYER)

static void
update_projection (WgForceLayer *self)
{
  guint n = wg_position_store_get_n_units (self->store);
  guint64 gen = wg_position_store_get_generation (self->store);
  const double *lats, *lons;
  const gint64 *times;

  if (self->mxy_valid && gen == self->mxy_generation)
    return;

  if (n > self->mxy_capacity)
    {
      self->mxy_capacity = MAX (n, self->mxy_capacity * 2);
      self->mxy = g_renew (double, self->mxy, 2 * (gsize) self->mxy_capacity);
    }
  lats = wg_position_store_get_lats (self->store);
  lons = wg_position_store_get_lons (self->store);
  times = wg_position_store_get_times (self->store);
  for (guint i = 0; i < n; i++)
    {
      if (times[i] == 0)
        {
          /* Never positioned: keep off the map. */
          self->mxy[2 * i] = self->mxy[2 * i + 1] = NAN;
          continue;
        }
      _wg_project_point (lats[i], lons[i], self->gcj02, &self->mxy[2 * i], &self->mxy[2 * i + 1]);
    }
  self->mxy_generation = gen;
  self->mxy_valid = TRUE;
}

static GdkTexture *
get_badge (WgForceLayer *self,
           guint         count,
           int           scale)
{
  char label[16];
  GdkTexture *texture;
  double size;

  if (count < 1000)
    g_snprintf (label, sizeof label, "%u", count);
  else if (count < 10000)
    g_snprintf (label, sizeof label, "%.1fk", count / 1000.0);
  else
    g_snprintf (label, sizeof label, "%uk", count / 1000);

  texture = g_hash_table_lookup (self->badges, label);
  if (texture)
    return texture;

  if (g_hash_table_size (self->badges) > 1024)
    g_hash_table_remove_all (self->badges);

  size = count < 10 ? 20 : count < 100 ? 24 : count < 1000 ? 28 : 32;
  /* Neutral: a cluster mixes statuses, and blue already means en route. */
  texture = _wg_render_badge (label, &(GdkRGBA) { 0.24, 0.22, 0.27, 0.88 }, size, scale);
  g_hash_table_insert (self->badges, g_strdup (label), texture);
  return texture;
}

static void
draw_unit (WgForceLayer *self,
           GtkSnapshot  *snapshot,
           guint         i,
           double        x,
           double        y,
           gint64        now_ms,
           int           sf)
{
  const guint8 *types = wg_position_store_get_types (self->store);
  const guint8 *statuses = wg_position_store_get_statuses (self->store);
  const gint64 *times = wg_position_store_get_times (self->store);
  gboolean stale = now_ms > 0 && now_ms - times[i] > self->stale_after_ms;
  const double s = WG_UNIT_ICON_SIZE;
  Drawn d = { x, y, s / 2 + 2, i, 1 };

  gtk_snapshot_append_texture (snapshot, _wg_icon_unit (types[i], statuses[i], stale, sf),
                               &GRAPHENE_RECT_INIT (x - s / 2, y - s / 2, s, s));
  g_array_append_val (self->drawn, d);
  self->n_drawn_units++;
}

static void
draw_trails (WgForceLayer          *self,
             GtkSnapshot           *snapshot,
             const WgMapProjection *p)
{
  cairo_t *cr;
  guint n = wg_position_store_get_n_units (self->store);
  const guint8 *statuses = wg_position_store_get_statuses (self->store);
  double lats[TRAIL_POINTS], lons[TRAIL_POINTS];
  guint drawn = 0;

  if (wg_position_store_get_trail_length (self->store) == 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, p->width, p->height));
  cairo_set_line_width (cr, 2.0);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint i = 0; i < n && drawn < MAX_TRAILS; i++)
    {
      double x, y;
      guint k;
      GdkRGBA c;

      if (isnan (self->mxy[2 * i]))
        continue;
      _wg_projection_to_widget (p, self->mxy[2 * i], self->mxy[2 * i + 1], &x, &y);
      if (x < -200 || y < -200 || x > p->width + 200 || y > p->height + 200)
        continue;
      k = wg_position_store_get_trail (self->store, i, lats, lons, TRAIL_POINTS);
      if (k < 2)
        continue;
      cairo_new_path (cr);
      for (guint j = 0; j < k; j++)
        {
          double mx, my;
          _wg_project_point (lats[j], lons[j], self->gcj02, &mx, &my);
          _wg_projection_to_widget (p, mx, my, &x, &y);
          cairo_line_to (cr, x, y);
        }
      _wg_status_color (statuses[i], &c);
      c.alpha = (int) i == self->selected ? 0.95 : 0.55;
      gdk_cairo_set_source_rgba (cr, &c);
      cairo_stroke (cr);
      drawn++;
    }
  cairo_destroy (cr);
}

static void
wg_force_layer_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  WgForceLayer *self = WG_FORCE_LAYER (widget);
  WgMapProjection p;
  guint n;
  int sf = gtk_widget_get_scale_factor (widget);
  gint64 now_ms = self->clock ? wg_clock_get_now_ms (self->clock) : 0;
  gboolean cluster;

  g_array_set_size (self->drawn, 0);
  self->n_drawn_units = 0;
  self->n_drawn_clusters = 0;

  if (self->store == NULL
      || !_wg_projection_init (&p, widget, shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return;

  update_projection (self);
  n = wg_position_store_get_n_units (self->store);
  cluster = p.zoom < CLUSTER_MAX_ZOOM;

  gtk_snapshot_save (snapshot);
  _wg_projection_push_rotation (&p, snapshot);

  if (self->show_trails)
    draw_trails (self, snapshot, &p);

  if (!cluster)
    {
      for (guint i = 0; i < n; i++)
        {
          double x, y;

          _wg_projection_to_widget (&p, self->mxy[2 * i], self->mxy[2 * i + 1], &x, &y);
          if (!(x > -MARGIN && y > -MARGIN && x < p.width + MARGIN && y < p.height + MARGIN))
            continue;   /* also drops NAN */
          draw_unit (self, snapshot, i, x, y, now_ms, sf);
        }
    }
  else
    {
      /* Cells anchored to the world grid at this zoom, so that clusters do
       * not jump while the map pans. */
      double col0 = floor ((p.ox - MARGIN) / CLUSTER_CELL);
      double row0 = floor ((p.oy - MARGIN) / CLUSTER_CELL);
      guint cols = (guint) ceil ((p.width + 2 * MARGIN) / CLUSTER_CELL) + 2;
      guint rows = (guint) ceil ((p.height + 2 * MARGIN) / CLUSTER_CELL) + 2;
      guint n_cells = cols * rows;

      if (n_cells > self->n_cells_alloc)
        {
          self->n_cells_alloc = n_cells;
          self->cell_count = g_renew (guint, self->cell_count, n_cells);
          self->cell_first = g_renew (int, self->cell_first, n_cells);
          self->cell_sx = g_renew (double, self->cell_sx, n_cells);
          self->cell_sy = g_renew (double, self->cell_sy, n_cells);
        }
      memset (self->cell_count, 0, sizeof (guint) * n_cells);

      for (guint i = 0; i < n; i++)
        {
          double wx = self->mxy[2 * i] * p.scale, wy = self->mxy[2 * i + 1] * p.scale;
          double x = wx - p.ox, y = wy - p.oy;
          guint c;
          int cx, cy;

          if (!(x > -MARGIN && y > -MARGIN && x < p.width + MARGIN && y < p.height + MARGIN))
            continue;
          cx = (int) (floor (wx / CLUSTER_CELL) - col0);
          cy = (int) (floor (wy / CLUSTER_CELL) - row0);
          if (cx < 0 || cy < 0 || cx >= (int) cols || cy >= (int) rows)
            continue;
          c = cy * cols + cx;
          if (self->cell_count[c]++ == 0)
            {
              self->cell_first[c] = i;
              self->cell_sx[c] = x;
              self->cell_sy[c] = y;
            }
          else
            {
              self->cell_sx[c] += x;
              self->cell_sy[c] += y;
            }
        }

      /* Sparse cells: every unit on its own. */
      for (guint i = 0; i < n; i++)
        {
          double wx = self->mxy[2 * i] * p.scale, wy = self->mxy[2 * i + 1] * p.scale;
          double x = wx - p.ox, y = wy - p.oy;
          int cx, cy;

          if (!(x > -MARGIN && y > -MARGIN && x < p.width + MARGIN && y < p.height + MARGIN))
            continue;
          cx = (int) (floor (wx / CLUSTER_CELL) - col0);
          cy = (int) (floor (wy / CLUSTER_CELL) - row0);
          if (cx < 0 || cy < 0 || cx >= (int) cols || cy >= (int) rows)
            continue;
          if (self->cell_count[cy * cols + cx] < CLUSTER_MIN)
            draw_unit (self, snapshot, i, x, y, now_ms, sf);
        }

      /* Dense cells: one badge at their centre. */
      for (guint c = 0; c < n_cells; c++)
        {
          guint count = self->cell_count[c];
          GdkTexture *badge;
          double x, y, w, h;
          Drawn d;

          if (count < CLUSTER_MIN)
            continue;
          x = self->cell_sx[c] / count;
          y = self->cell_sy[c] / count;
          badge = get_badge (self, count, sf);
          w = gdk_texture_get_width (badge) / (double) sf;
          h = gdk_texture_get_height (badge) / (double) sf;
          d = (Drawn) { x, y, h / 2, self->cell_first[c], count };
          gtk_snapshot_append_texture (snapshot, badge,
                                       &GRAPHENE_RECT_INIT (x - w / 2, y - h / 2, w, h));
          g_array_append_val (self->drawn, d);
          self->n_drawn_clusters++;
        }
    }

  /* The selected unit stands out wherever it is, clustered or not. */
  if (self->selected >= 0 && (guint) self->selected < n && !isnan (self->mxy[2 * self->selected]))
    {
      double x, y;
      GskRoundedRect ring;

      _wg_projection_to_widget (&p, self->mxy[2 * self->selected], self->mxy[2 * self->selected + 1], &x, &y);
      gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (x - 14, y - 14, 28, 28), 14);
      gtk_snapshot_append_border (snapshot, &ring, (float[]) { 3, 3, 3, 3 },
                                  (GdkRGBA[]) { { 0.10, 0.37, 0.71, 1 }, { 0.10, 0.37, 0.71, 1 },
                                                { 0.10, 0.37, 0.71, 1 }, { 0.10, 0.37, 0.71, 1 } });
      draw_unit (self, snapshot, self->selected, x, y, now_ms, sf);
    }

  gtk_snapshot_restore (snapshot);
}

static void
viewport_changed_cb (WgForceLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
store_changed_cb (WgPositionStore *store,
                  guint64          generation,
                  gpointer         user_data)
{
  /* Coalesced by GTK: at most one redraw per frame however many updates. */
  gtk_widget_queue_draw (GTK_WIDGET (user_data));
}

static void
wg_force_layer_constructed (GObject *object)
{
  WgForceLayer *self = WG_FORCE_LAYER (object);

  G_OBJECT_CLASS (wg_force_layer_parent_class)->constructed (object);
  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
wg_force_layer_dispose (GObject *object)
{
  WgForceLayer *self = WG_FORCE_LAYER (object);

  if (self->store)
    {
      wg_position_store_remove_watch (self->store, self->watch_id);
      g_clear_pointer (&self->store, wg_position_store_unref);
    }
  g_clear_object (&self->clock);
  G_OBJECT_CLASS (wg_force_layer_parent_class)->dispose (object);
}

static void
wg_force_layer_finalize (GObject *object)
{
  WgForceLayer *self = WG_FORCE_LAYER (object);

  g_free (self->mxy);
  g_free (self->cell_count);
  g_free (self->cell_first);
  g_free (self->cell_sx);
  g_free (self->cell_sy);
  g_array_unref (self->drawn);
  g_hash_table_unref (self->badges);
  G_OBJECT_CLASS (wg_force_layer_parent_class)->finalize (object);
}

static void
wg_force_layer_class_init (WgForceLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wg_force_layer_constructed;
  object_class->dispose = wg_force_layer_dispose;
  object_class->finalize = wg_force_layer_finalize;
  widget_class->snapshot = wg_force_layer_snapshot;
}

static void
wg_force_layer_init (WgForceLayer *self)
{
  self->selected = -1;
  self->stale_after_ms = 120 * 1000;
  self->drawn = g_array_new (FALSE, FALSE, sizeof (Drawn));
  self->badges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

WgForceLayer *
wg_force_layer_new (ShumateViewport *viewport)
{
  return g_object_new (WG_TYPE_FORCE_LAYER, "viewport", viewport, NULL);
}

void
wg_force_layer_set_store (WgForceLayer    *self,
                          WgPositionStore *store)
{
  g_return_if_fail (WG_IS_FORCE_LAYER (self));

  if (self->store == store)
    return;
  if (self->store)
    {
      wg_position_store_remove_watch (self->store, self->watch_id);
      g_clear_pointer (&self->store, wg_position_store_unref);
    }
  if (store)
    {
      self->store = wg_position_store_ref (store);
      self->watch_id = wg_position_store_add_watch (store, store_changed_cb, self);
    }
  self->mxy_valid = FALSE;
  self->selected = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

WgPositionStore *
wg_force_layer_get_store (WgForceLayer *self)
{
  g_return_val_if_fail (WG_IS_FORCE_LAYER (self), NULL);
  return self->store;
}

void
wg_force_layer_set_clock (WgForceLayer *self,
                          WgClock      *clock)
{
  g_return_if_fail (WG_IS_FORCE_LAYER (self));
  if (g_set_object (&self->clock, clock))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
wg_force_layer_set_stale_after (WgForceLayer *self,
                                guint         seconds)
{
  g_return_if_fail (WG_IS_FORCE_LAYER (self));
  self->stale_after_ms = (gint64) seconds * 1000;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
wg_force_layer_set_show_trails (WgForceLayer *self,
                                gboolean      show_trails)
{
  g_return_if_fail (WG_IS_FORCE_LAYER (self));
  self->show_trails = !!show_trails;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
wg_force_layer_get_show_trails (WgForceLayer *self)
{
  g_return_val_if_fail (WG_IS_FORCE_LAYER (self), FALSE);
  return self->show_trails;
}

void
wg_force_layer_set_selected (WgForceLayer *self,
                             int           unit_index)
{
  g_return_if_fail (WG_IS_FORCE_LAYER (self));
  if (self->selected == unit_index)
    return;
  self->selected = unit_index;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
wg_force_layer_set_gcj02 (WgForceLayer *self,
                          gboolean      gcj02)
{
  g_return_if_fail (WG_IS_FORCE_LAYER (self));
  self->gcj02 = !!gcj02;
  self->mxy_valid = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
wg_force_layer_pick (WgForceLayer *self,
                     double        x,
                     double        y,
                     guint        *cluster_size,
                     double       *cluster_lat,
                     double       *cluster_lon)
{
  WgMapProjection p;
  const Drawn *best = NULL;
  double best_d = G_MAXDOUBLE;

  g_return_val_if_fail (WG_IS_FORCE_LAYER (self), -1);

  if (!_wg_projection_init (&p, GTK_WIDGET (self), shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return -1;
  _wg_projection_unrotate (&p, &x, &y);

  /* Later draws are on top: on ties the last wins. */
  for (guint i = 0; i < self->drawn->len; i++)
    {
      const Drawn *d = &g_array_index (self->drawn, Drawn, i);
      double dist = hypot (d->x - x, d->y - y);

      if (dist <= d->radius && dist <= best_d)
        {
          best = d;
          best_d = dist;
        }
    }
  if (best == NULL)
    return -1;

  if (cluster_size)
    *cluster_size = best->count;
  if (cluster_lat && cluster_lon)
    _wg_mercator_inverse ((best->x + p.ox) / p.scale, (best->y + p.oy) / p.scale,
                          cluster_lat, cluster_lon);
  return best->index;
}

guint
wg_force_layer_get_n_drawn_units (WgForceLayer *self)
{
  g_return_val_if_fail (WG_IS_FORCE_LAYER (self), 0);
  return self->n_drawn_units;
}

guint
wg_force_layer_get_n_drawn_clusters (WgForceLayer *self)
{
  g_return_val_if_fail (WG_IS_FORCE_LAYER (self), 0);
  return self->n_drawn_clusters;
}

void
_wg_force_layer_collect (WgForceLayer *self,
                         GArray       *items)
{
  guint n = self->drawn->len;

  if (self->store == NULL)
    return;
  for (guint i = 0; i < n; i++)
    {
      const Drawn *d = &g_array_index (self->drawn, Drawn, i);
      WgMapItem item = { WG_MAP_SELECTION_UNIT, NULL, d->x, d->y };
      gboolean again = FALSE;

      if (d->count != 1 || (guint) d->index >= wg_position_store_get_n_units (self->store))
        continue;
      /* The selected unit is drawn last once more, highlighted. */
      if (i == n - 1 && d->index == self->selected)
        for (guint j = 0; j < i && !again; j++)
          again = g_array_index (self->drawn, Drawn, j).index == d->index
                  && g_array_index (self->drawn, Drawn, j).count == 1;
      if (again)
        continue;
      item.id = wg_position_store_get_unit_id (self->store, d->index);
      g_array_append_val (items, item);
    }
}
