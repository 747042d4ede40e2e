/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Open incidents as pins coloured by grade.  Pins that would overlap are
 * stacked: the most urgent one is drawn with a count badge.  An emergency
 * nobody has acknowledged yet pulses: its ring is drawn by the pulse layer
 * (wg-pulse-layer.h), whose timer runs only while such a pin is on screen.
 */
#define G_LOG_DOMAIN "wg-incident-layer"

#include "config.h"

#include "wg-incident-layer.h"
#include "wg-map-private.h"

#define STACK_CELL 40.0

typedef struct
{
  WgMapIncident *incident;  /* borrowed from the model */
  double         mx, my;
  WgMapGrade     grade;
  gboolean       pulsing;
} Item;

typedef struct
{
  float  x, y;
  guint  item;
  guint  count;
} Drawn;

struct _WgIncidentLayer
{
  ShumateLayer  parent_instance;

  GListModel   *model;
  GArray       *items;        /* Item; rebuilt when dirty */
  gboolean      dirty;
  char         *selected;
  gboolean      gcj02;

  GArray       *drawn;
  GHashTable   *stack;        /* cell key -> index into drawn + 1 (scratch) */
  GHashTable   *badges;       /* count -> GdkTexture */
  gboolean      pulsing_visible;  /* in the pulse layer's last snapshot */
  GtkWidget    *pulse_layer;      /* weak */
  GtkWidget    *dependents[2];    /* weak: labels that give way to the pins */
};

G_DEFINE_FINAL_TYPE (WgIncidentLayer, wg_incident_layer, SHUMATE_TYPE_LAYER)

static int
urgency (const Item *item)
{
  return item->grade * 2 + (item->pulsing ? 1 : 0);
}

static void
rebuild (WgIncidentLayer *self)
{
  guint n;

  g_array_set_size (self->items, 0);
  self->dirty = FALSE;
  if (self->model == NULL)
    return;

  n = g_list_model_get_n_items (self->model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WgMapIncident) incident = g_list_model_get_item (self->model, i);
      Item item;

      if (!wg_map_incident_is_open (incident))
        continue;
      item.incident = incident;
      item.grade = wg_map_incident_get_grade (incident);
      item.pulsing = item.grade == WG_MAP_GRADE_EMERGENCY && !wg_map_incident_get_acknowledged (incident);
      _wg_project_point (wg_map_incident_get_latitude (incident),
                         wg_map_incident_get_longitude (incident),
                         self->gcj02, &item.mx, &item.my);
      g_array_append_val (self->items, item);
    }
}

static GdkTexture *
get_badge (WgIncidentLayer *self,
           guint            count,
           int              sf)
{
  GdkTexture *texture = g_hash_table_lookup (self->badges, GUINT_TO_POINTER (count));
  char label[16];

  if (texture)
    return texture;
  g_snprintf (label, sizeof label, count > 99 ? "99+" : "%u", count);
  texture = _wg_render_badge (label, &(GdkRGBA) { 0.65, 0.11, 0.18, 0.95 }, 18, sf);
  g_hash_table_insert (self->badges, GUINT_TO_POINTER (count), texture);
  return texture;
}

/* The ring of an unacknowledged emergency around the pin's point, grown
 * and faded to @phase (0..1). */
static void
append_ring (GtkSnapshot *snapshot,
             double       x,
             double       y,
             double       phase)
{
  double r = 8 + 22 * phase;
  GskRoundedRect ring;
  GdkRGBA c = { 0.88, 0.11, 0.14, 0.85 * (1 - phase) };

  gsk_rounded_rect_init_from_rect (&ring, &GRAPHENE_RECT_INIT (x - r, y - r, 2 * r, 2 * r), r);
  gtk_snapshot_append_border (snapshot, &ring, (float[]) { 3, 3, 3, 3 },
                              (GdkRGBA[]) { c, c, c, c });
}

static void
wg_incident_layer_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  WgIncidentLayer *self = WG_INCIDENT_LAYER (widget);
  WgMapProjection p;
  int sf = gtk_widget_get_scale_factor (widget);
  const double s = WG_INCIDENT_ICON_SIZE;
  gboolean animate;

  g_array_set_size (self->drawn, 0);
  g_hash_table_remove_all (self->stack);

  if (self->dirty)
    rebuild (self);
  if (self->items->len == 0
      || !_wg_projection_init (&p, widget, shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return;

  /* Stack pins by screen cell, keeping the most urgent on top. */
  for (guint i = 0; i < self->items->len; i++)
    {
      const Item *item = &g_array_index (self->items, Item, i);
      double x, y;
      gpointer key, found;

      _wg_projection_to_widget (&p, item->mx, item->my, &x, &y);
      if (!(x > -s && y > -s && x < p.width + s && y < p.height + 2 * s))
        continue;

      /* The cell's column and row, 16 bits each, in unsigned arithmetic. */
      key = GUINT_TO_POINTER (((guint) floor ((item->mx * p.scale) / STACK_CELL) & 0xffffu) << 16
                              | ((guint) floor ((item->my * p.scale) / STACK_CELL) & 0xffffu));
      found = g_hash_table_lookup (self->stack, key);
      if (found)
        {
          Drawn *d = &g_array_index (self->drawn, Drawn, GPOINTER_TO_UINT (found) - 1);
          const Item *top = &g_array_index (self->items, Item, d->item);

          d->count++;
          if (urgency (item) > urgency (top))
            {
              d->item = i;
              d->x = x;
              d->y = y;
            }
        }
      else
        {
          Drawn d = { x, y, i, 1 };
          g_array_append_val (self->drawn, d);
          g_hash_table_insert (self->stack, key, GUINT_TO_POINTER (self->drawn->len));
        }
    }

  /* The ring pulses in the pulse layer; with reduced motion it stands
   * here, halfway out. */
  animate = _wg_animations_enabled (widget);

  gtk_snapshot_save (snapshot);
  _wg_projection_push_rotation (&p, snapshot);
  for (guint k = 0; k < self->drawn->len; k++)
    {
      const Drawn *d = &g_array_index (self->drawn, Drawn, k);
      const Item *item = &g_array_index (self->items, Item, d->item);
      /* The pin's point is at the bottom centre of the icon. */
      double left = d->x - s / 2, top = d->y - s;
      gboolean selected = self->selected && g_str_equal (self->selected, wg_map_incident_get_id (item->incident));

      if (item->pulsing && !animate)
        append_ring (snapshot, d->x, d->y, 0.35);
      if (selected)
        {
          GskRoundedRect halo;
          gsk_rounded_rect_init_from_rect (&halo, &GRAPHENE_RECT_INIT (d->x - 18, top - 4, 36, 36), 18);
          gtk_snapshot_append_border (snapshot, &halo, (float[]) { 3, 3, 3, 3 },
                                      (GdkRGBA[]) { { 0.10, 0.37, 0.71, 1 }, { 0.10, 0.37, 0.71, 1 },
                                                    { 0.10, 0.37, 0.71, 1 }, { 0.10, 0.37, 0.71, 1 } });
        }
      gtk_snapshot_append_texture (snapshot, _wg_icon_incident (item->grade, sf),
                                   &GRAPHENE_RECT_INIT (left, top, s, s));
      if (d->count > 1)
        {
          GdkTexture *badge = get_badge (self, d->count, sf);
          double bw = gdk_texture_get_width (badge) / (double) sf;
          double bh = gdk_texture_get_height (badge) / (double) sf;

          gtk_snapshot_append_texture (snapshot, badge,
                                       &GRAPHENE_RECT_INIT (left + s - bw / 2, top - bh / 3, bw, bh));
        }
    }
  gtk_snapshot_restore (snapshot);
}

gboolean
_wg_incident_layer_snapshot_pulse (WgIncidentLayer       *self,
                                   GtkSnapshot           *snapshot,
                                   const WgMapProjection *p,
                                   double                 phase,
                                   gboolean               animate)
{
  const double s = WG_INCIDENT_ICON_SIZE;

  self->pulsing_visible = FALSE;
  if (!animate || !gtk_widget_get_visible (GTK_WIDGET (self)))
    return FALSE;
  if (self->dirty)
    rebuild (self);
  for (guint i = 0; i < self->items->len; i++)
    {
      const Item *item = &g_array_index (self->items, Item, i);
      double x, y;

      if (!item->pulsing)
        continue;
      _wg_projection_to_widget (p, item->mx, item->my, &x, &y);
      if (!(x > -s && y > -s && x < p->width + s && y < p->height + 2 * s))
        continue;
      append_ring (snapshot, x, y, phase);
      self->pulsing_visible = TRUE;
    }
  return self->pulsing_visible;
}

void
_wg_incident_layer_add_obstacles (WgIncidentLayer       *self,
                                  const WgMapProjection *p,
                                  GArray                *rects)
{
  const double s = WG_INCIDENT_ICON_SIZE;

  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    return;
  if (self->dirty)
    rebuild (self);
  for (guint i = 0; i < self->items->len; i++)
    {
      const Item *item = &g_array_index (self->items, Item, i);
      graphene_rect_t pin;
      double x, y;

      _wg_projection_to_widget (p, item->mx, item->my, &x, &y);
      if (!(x > -s && y > -s && x < p->width + s && y < p->height + 2 * s))
        continue;
      /* The pin's point is at the bottom centre of the icon. */
      graphene_rect_init (&pin, x - s / 2, y - s, s, s);
      g_array_append_val (rects, pin);
    }
}

void
_wg_incident_layer_add_dependent (WgIncidentLayer *self,
                                  GtkWidget       *dependent)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->dependents); i++)
    if (self->dependents[i] == NULL)
      {
        g_set_weak_pointer (&self->dependents[i], dependent);
        return;
      }
  g_assert_not_reached ();
}

void
_wg_incident_layer_set_pulse_layer (WgIncidentLayer *self,
                                    GtkWidget       *pulse_layer)
{
  g_set_weak_pointer (&self->pulse_layer, pulse_layer);
}

static void
viewport_changed_cb (WgIncidentLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
mark_dirty (WgIncidentLayer *self)
{
  self->dirty = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->pulse_layer != NULL)
    gtk_widget_queue_draw (self->pulse_layer);
  for (guint i = 0; i < G_N_ELEMENTS (self->dependents); i++)
    if (self->dependents[i] != NULL)
      gtk_widget_queue_draw (self->dependents[i]);
}

static void
incident_notify_cb (WgIncidentLayer *self)
{
  mark_dirty (self);
}

static void
watch_items (WgIncidentLayer *self,
             guint            position,
             guint            added)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (self->model, i);
      g_signal_connect_object (item, "notify", G_CALLBACK (incident_notify_cb), self, G_CONNECT_SWAPPED);
    }
}

static void
items_changed_cb (WgIncidentLayer *self,
                  guint            position,
                  guint            removed,
                  guint            added,
                  GListModel      *model)
{
  /* Removed items keep a dead handler until they are finalized or notify
   * once more (which only marks the layer dirty): harmless. */
  watch_items (self, position, added);
  mark_dirty (self);
}

static void
wg_incident_layer_constructed (GObject *object)
{
  WgIncidentLayer *self = WG_INCIDENT_LAYER (object);

  G_OBJECT_CLASS (wg_incident_layer_parent_class)->constructed (object);
  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
disconnect_model (WgIncidentLayer *self)
{
  guint n;

  if (self->model == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->model, self);
  n = g_list_model_get_n_items (self->model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (self->model, i);
      g_signal_handlers_disconnect_by_data (item, self);
    }
  g_clear_object (&self->model);
}

static void
wg_incident_layer_dispose (GObject *object)
{
  WgIncidentLayer *self = WG_INCIDENT_LAYER (object);

  disconnect_model (self);
  g_array_set_size (self->items, 0);
  for (guint i = 0; i < G_N_ELEMENTS (self->dependents); i++)
    g_clear_weak_pointer (&self->dependents[i]);
  G_OBJECT_CLASS (wg_incident_layer_parent_class)->dispose (object);
}

static void
wg_incident_layer_finalize (GObject *object)
{
  WgIncidentLayer *self = WG_INCIDENT_LAYER (object);

  g_array_unref (self->items);
  g_array_unref (self->drawn);
  g_hash_table_unref (self->stack);
  g_hash_table_unref (self->badges);
  g_free (self->selected);
  G_OBJECT_CLASS (wg_incident_layer_parent_class)->finalize (object);
}

static void
wg_incident_layer_class_init (WgIncidentLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wg_incident_layer_constructed;
  object_class->dispose = wg_incident_layer_dispose;
  object_class->finalize = wg_incident_layer_finalize;
  widget_class->snapshot = wg_incident_layer_snapshot;
}

static void
wg_incident_layer_init (WgIncidentLayer *self)
{
  self->items = g_array_new (FALSE, FALSE, sizeof (Item));
  self->drawn = g_array_new (FALSE, FALSE, sizeof (Drawn));
  self->stack = g_hash_table_new (NULL, NULL);
  self->badges = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

WgIncidentLayer *
wg_incident_layer_new (ShumateViewport *viewport)
{
  return g_object_new (WG_TYPE_INCIDENT_LAYER, "viewport", viewport, NULL);
}

void
wg_incident_layer_set_model (WgIncidentLayer *self,
                             GListModel      *model)
{
  g_return_if_fail (WG_IS_INCIDENT_LAYER (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));
  g_return_if_fail (model == NULL || g_list_model_get_item_type (model) == WG_TYPE_MAP_INCIDENT);

  if (self->model == model)
    return;
  disconnect_model (self);
  if (model)
    {
      self->model = g_object_ref (model);
      g_signal_connect_object (model, "items-changed", G_CALLBACK (items_changed_cb), self, G_CONNECT_SWAPPED);
      watch_items (self, 0, g_list_model_get_n_items (model));
    }
  g_array_set_size (self->items, 0);
  mark_dirty (self);
}

GListModel *
wg_incident_layer_get_model (WgIncidentLayer *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_LAYER (self), NULL);
  return self->model;
}

void
wg_incident_layer_set_selected (WgIncidentLayer *self,
                                const char      *id)
{
  g_return_if_fail (WG_IS_INCIDENT_LAYER (self));
  if (g_strcmp0 (self->selected, id) == 0)
    return;
  g_free (self->selected);
  self->selected = g_strdup (id);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
wg_incident_layer_set_gcj02 (WgIncidentLayer *self,
                             gboolean         gcj02)
{
  g_return_if_fail (WG_IS_INCIDENT_LAYER (self));
  self->gcj02 = !!gcj02;
  mark_dirty (self);
}

WgMapIncident *
wg_incident_layer_lookup (WgIncidentLayer *self,
                          const char      *id)
{
  guint n;

  g_return_val_if_fail (WG_IS_INCIDENT_LAYER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (self->model == NULL)
    return NULL;
  n = g_list_model_get_n_items (self->model);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WgMapIncident) incident = g_list_model_get_item (self->model, i);
      if (g_str_equal (wg_map_incident_get_id (incident), id))
        return incident;   /* the model keeps it alive */
    }
  return NULL;
}

WgMapIncident *
wg_incident_layer_pick (WgIncidentLayer *self,
                        double           x,
                        double           y,
                        guint           *stack_size)
{
  WgMapProjection p;
  const double s = WG_INCIDENT_ICON_SIZE;

  g_return_val_if_fail (WG_IS_INCIDENT_LAYER (self), NULL);

  if (!_wg_projection_init (&p, GTK_WIDGET (self), shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return NULL;
  _wg_projection_unrotate (&p, &x, &y);
  if (self->dirty)
    return NULL;   /* nothing drawn yet for the current data */

  for (guint k = self->drawn->len; k > 0; k--)
    {
      const Drawn *d = &g_array_index (self->drawn, Drawn, k - 1);

      if (x >= d->x - s / 2 - 2 && x <= d->x + s / 2 + 2 && y >= d->y - s - 2 && y <= d->y + 2)
        {
          if (stack_size)
            *stack_size = d->count;
          return g_array_index (self->items, Item, d->item).incident;
        }
    }
  return NULL;
}

gboolean
wg_incident_layer_is_pulsing (WgIncidentLayer *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_LAYER (self), FALSE);
  return self->pulsing_visible;
}

void
_wg_incident_layer_collect (WgIncidentLayer *self,
                            GArray          *items)
{
  if (self->dirty)
    return;   /* nothing drawn yet for the current data */
  for (guint k = 0; k < self->drawn->len; k++)
    {
      const Drawn *d = &g_array_index (self->drawn, Drawn, k);
      WgMapIncident *incident = g_array_index (self->items, Item, d->item).incident;
      /* The pin's middle: its point is at the bottom. */
      WgMapItem item = { WG_MAP_SELECTION_INCIDENT, wg_map_incident_get_id (incident),
                         d->x, d->y - WG_INCIDENT_ICON_SIZE / 2 };

      g_array_append_val (items, item);
    }
}
