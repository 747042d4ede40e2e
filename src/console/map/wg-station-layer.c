/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Area work stations: a handful of icons with their names.  Labels are
 * PangoLayouts made once per station and drawn on a rounded plate.  Seen
 * from far (no labels), one station per cell of the map's pixels: a city's
 * thousand stations made a lattice of badges over the city seen whole.
 */
#define G_LOG_DOMAIN "wg-station-layer"

#include "config.h"

#include "wg-map-private.h"
#include "wg-station-layer.h"

#define LABEL_MIN_ZOOM 13.0
/* Without labels, the side of a cell holding at most one badge. */
#define THIN_CELL_PX (WG_STATION_ICON_SIZE * 2.5)

typedef struct
{
  char        *id;
  char        *name;
  double       lat, lon;
  double       mx, my;
  PangoLayout *layout;
  double       x, y;      /* drawn at, last frame */
  gboolean     drawn;
  gboolean     thinned;   /* left out at this zoom: another holds its cell */
} Station;

struct _WgStationLayer
{
  ShumateLayer  parent_instance;
  GArray       *stations;
  gboolean      gcj02;
  WgIncidentLayer *incidents;  /* weak: names give way to their pins */
  GArray       *obstacles;     /* graphene_rect_t, scratch */
  GHashTable   *cells;         /* taken cells (thin()), scratch */
  double        thinned_at;    /* the scale thin() last ran for; 0: none */
};

G_DEFINE_FINAL_TYPE (WgStationLayer, wg_station_layer, SHUMATE_TYPE_LAYER)

static void
station_clear (gpointer data)
{
  Station *s = data;

  g_clear_pointer (&s->id, g_free);
  g_clear_pointer (&s->name, g_free);
  g_clear_object (&s->layout);
}

static void
ensure_layout (GtkWidget *widget,
               Station   *s)
{
  PangoAttrList *attrs;

  if (s->layout != NULL)
    return;
  attrs = pango_attr_list_new ();
  s->layout = gtk_widget_create_pango_layout (widget, s->name);
  pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_attr_list_insert (attrs, pango_attr_scale_new (0.9));
  pango_layout_set_attributes (s->layout, attrs);
  pango_attr_list_unref (attrs);
}

/* The icon and, where names are shown, the name's plate. */
static void
station_rects (WgStationLayer        *self,
               const Station         *s,
               double                 x,
               double                 y,
               gboolean               labels,
               graphene_rect_t       *icon,
               graphene_rect_t       *plate)
{
  const double half = WG_STATION_ICON_SIZE / 2;
  int lw = 0, lh = 0;

  graphene_rect_init (icon, x - half, y - half, WG_STATION_ICON_SIZE, WG_STATION_ICON_SIZE);
  if (labels && s->layout != NULL)
    pango_layout_get_pixel_size (s->layout, &lw, &lh);
  graphene_rect_init (plate, x - lw / 2.0 - 5, y + half + 2, labels ? lw + 10 : 0, labels ? lh + 2 : 0);
}

/* Which stations stand for their neighbours at @p's zoom: the first in
 * the stations' order takes its cell (cells fixed to the map, not the
 * screen, so that panning keeps the same ones). */
static void
thin (WgStationLayer        *self,
      const WgMapProjection *p)
{
  gboolean all = p->zoom >= LABEL_MIN_ZOOM;

  if (p->scale == self->thinned_at)
    return;
  self->thinned_at = p->scale;
  g_hash_table_remove_all (self->cells);
  for (guint i = 0; i < self->stations->len; i++)
    {
      Station *s = &g_array_index (self->stations, Station, i);
      gint64 cx = (gint64) floor (s->mx * p->scale / THIN_CELL_PX);
      gint64 cy = (gint64) floor (s->my * p->scale / THIN_CELL_PX);
      gint64 *cell;

      s->thinned = FALSE;
      if (all)
        continue;
      cell = g_new (gint64, 1);
      *cell = (cy << 32) ^ cx;
      s->thinned = !g_hash_table_add (self->cells, cell);
    }
}

void
_wg_station_layer_add_obstacles (WgStationLayer        *self,
                                 const WgMapProjection *p,
                                 GArray                *rects)
{
  gboolean labels = p->zoom >= LABEL_MIN_ZOOM;

  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    return;
  thin (self, p);
  for (guint i = 0; i < self->stations->len; i++)
    {
      Station *s = &g_array_index (self->stations, Station, i);
      graphene_rect_t icon, plate;
      double x, y;

      if (s->thinned)
        continue;
      _wg_projection_to_widget (p, s->mx, s->my, &x, &y);
      if (!(x > -200 && y > -50 && x < p->width + 200 && y < p->height + 50))
        continue;
      if (labels)
        ensure_layout (GTK_WIDGET (self), s);
      station_rects (self, s, x, y, labels, &icon, &plate);
      g_array_append_val (rects, icon);
      if (labels)
        g_array_append_val (rects, plate);
    }
}

void
_wg_station_layer_set_incidents (WgStationLayer  *self,
                                 WgIncidentLayer *incidents)
{
  g_set_weak_pointer (&self->incidents, incidents);
  if (incidents != NULL)
    _wg_incident_layer_add_dependent (incidents, GTK_WIDGET (self));
}

static void
wg_station_layer_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  WgStationLayer *self = WG_STATION_LAYER (widget);
  WgMapProjection p;
  GdkTexture *icon;
  const double half = WG_STATION_ICON_SIZE / 2;
  gboolean labels;

  if (self->stations->len == 0
      || !_wg_projection_init (&p, widget, shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return;

  icon = _wg_icon_station (gtk_widget_get_scale_factor (widget));
  labels = p.zoom >= LABEL_MIN_ZOOM;
  thin (self, &p);
  g_array_set_size (self->obstacles, 0);
  if (self->incidents != NULL)
    _wg_incident_layer_add_obstacles (self->incidents, &p, self->obstacles);

  gtk_snapshot_save (snapshot);
  _wg_projection_push_rotation (&p, snapshot);
  for (guint i = 0; i < self->stations->len; i++)
    {
      Station *s = &g_array_index (self->stations, Station, i);
      double x, y;

      _wg_projection_to_widget (&p, s->mx, s->my, &x, &y);
      s->drawn = !s->thinned && x > -200 && y > -50 && x < p.width + 200 && y < p.height + 50;
      s->x = x;
      s->y = y;
      /* Seen from far, a pin hides the badge under it (near, the name). */
      if (s->drawn && !labels)
        s->drawn = !_wg_rect_hits_any (&GRAPHENE_RECT_INIT (x - half, y - half, WG_STATION_ICON_SIZE,
                                                            WG_STATION_ICON_SIZE), self->obstacles);
      if (!s->drawn)
        continue;

      gtk_snapshot_append_texture (snapshot, icon,
                                   &GRAPHENE_RECT_INIT (x - half, y - half,
                                                        WG_STATION_ICON_SIZE, WG_STATION_ICON_SIZE));
      if (labels)
        {
          int lw, lh;
          GskRoundedRect plate;

          ensure_layout (widget, s);
          pango_layout_get_pixel_size (s->layout, &lw, &lh);
          gsk_rounded_rect_init_from_rect (&plate,
                                           &GRAPHENE_RECT_INIT (x - lw / 2.0 - 5, y + half + 2,
                                                                lw + 10, lh + 2),
                                           (lh + 2) / 2.0);
          /* An incident's pin is more important than the name. */
          if (_wg_rect_hits_any (&plate.bounds, self->obstacles))
            continue;
          gtk_snapshot_push_rounded_clip (snapshot, &plate);
          gtk_snapshot_append_color (snapshot, &(GdkRGBA) { 0.15, 0.45, 0.30, 0.92 }, &plate.bounds);
          gtk_snapshot_pop (snapshot);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x - lw / 2.0, y + half + 3));
          gtk_snapshot_append_layout (snapshot, s->layout, &(GdkRGBA) { 1, 1, 1, 1 });
          gtk_snapshot_restore (snapshot);
        }
    }
  gtk_snapshot_restore (snapshot);
}

static void
viewport_changed_cb (WgStationLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
wg_station_layer_constructed (GObject *object)
{
  WgStationLayer *self = WG_STATION_LAYER (object);

  G_OBJECT_CLASS (wg_station_layer_parent_class)->constructed (object);
  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
wg_station_layer_finalize (GObject *object)
{
  WgStationLayer *self = WG_STATION_LAYER (object);

  g_array_unref (self->stations);
  g_array_unref (self->obstacles);
  g_hash_table_unref (self->cells);
  g_clear_weak_pointer (&self->incidents);
  G_OBJECT_CLASS (wg_station_layer_parent_class)->finalize (object);
}

static void
wg_station_layer_class_init (WgStationLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wg_station_layer_constructed;
  object_class->finalize = wg_station_layer_finalize;
  widget_class->snapshot = wg_station_layer_snapshot;
}

static void
wg_station_layer_init (WgStationLayer *self)
{
  self->stations = g_array_new (FALSE, TRUE, sizeof (Station));
  self->obstacles = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));
  self->cells = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_array_set_clear_func (self->stations, station_clear);
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

WgStationLayer *
wg_station_layer_new (ShumateViewport *viewport)
{
  return g_object_new (WG_TYPE_STATION_LAYER, "viewport", viewport, NULL);
}

static void
project_all (WgStationLayer *self)
{
  self->thinned_at = 0;
  for (guint i = 0; i < self->stations->len; i++)
    {
      Station *s = &g_array_index (self->stations, Station, i);
      _wg_project_point (s->lat, s->lon, self->gcj02, &s->mx, &s->my);
    }
}

void
wg_station_layer_set_stations (WgStationLayer     *self,
                               const WgMapStation *stations,
                               guint               n_stations)
{
  g_return_if_fail (WG_IS_STATION_LAYER (self));
  g_return_if_fail (stations != NULL || n_stations == 0);

  g_array_set_size (self->stations, 0);
  for (guint i = 0; i < n_stations; i++)
    {
      Station s = { 0 };

      s.id = g_strdup (stations[i].id ? stations[i].id : stations[i].name);
      s.name = g_strdup (stations[i].name ? stations[i].name : s.id);
      s.lat = stations[i].lat;
      s.lon = stations[i].lon;
      g_array_append_val (self->stations, s);
    }
  project_all (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
wg_station_layer_get_n_stations (WgStationLayer *self)
{
  g_return_val_if_fail (WG_IS_STATION_LAYER (self), 0);
  return self->stations->len;
}

void
wg_station_layer_set_gcj02 (WgStationLayer *self,
                            gboolean        gcj02)
{
  g_return_if_fail (WG_IS_STATION_LAYER (self));
  self->gcj02 = !!gcj02;
  project_all (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
wg_station_layer_pick (WgStationLayer *self,
                       double          x,
                       double          y)
{
  WgMapProjection p;
  const double r = WG_STATION_ICON_SIZE / 2 + 2;

  g_return_val_if_fail (WG_IS_STATION_LAYER (self), NULL);

  if (!_wg_projection_init (&p, GTK_WIDGET (self), shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return NULL;
  _wg_projection_unrotate (&p, &x, &y);
  thin (self, &p);
  for (guint i = self->stations->len; i > 0; i--)
    {
      Station *s = &g_array_index (self->stations, Station, i - 1);
      double sx, sy;

      if (s->thinned)
        continue;
      _wg_projection_to_widget (&p, s->mx, s->my, &sx, &sy);
      if (fabs (sx - x) <= r && fabs (sy - y) <= r)
        return s->id;
    }
  return NULL;
}

static Station *
find (WgStationLayer *self,
      const char     *id)
{
  for (guint i = 0; i < self->stations->len; i++)
    {
      Station *s = &g_array_index (self->stations, Station, i);
      if (g_str_equal (s->id, id))
        return s;
    }
  return NULL;
}

gboolean
wg_station_layer_get_location (WgStationLayer *self,
                               const char     *id,
                               double         *lat,
                               double         *lon)
{
  Station *s;

  g_return_val_if_fail (WG_IS_STATION_LAYER (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  s = find (self, id);
  if (s == NULL)
    return FALSE;
  *lat = s->lat;
  *lon = s->lon;
  return TRUE;
}

const char *
wg_station_layer_get_name (WgStationLayer *self,
                           const char     *id)
{
  Station *s;

  g_return_val_if_fail (WG_IS_STATION_LAYER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  s = find (self, id);
  return s ? s->name : NULL;
}

void
_wg_station_layer_collect (WgStationLayer *self,
                           GArray         *items)
{
  for (guint i = 0; i < self->stations->len; i++)
    {
      const Station *s = &g_array_index (self->stations, Station, i);
      WgMapItem item = { WG_MAP_SELECTION_STATION, s->id, s->x, s->y };

      if (s->drawn)
        g_array_append_val (items, item);
    }
}
