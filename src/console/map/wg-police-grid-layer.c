/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The police grids of a dual grid (双网融合): a second grid layer drawn
 * over the governance grids as dashed navy outlines with their names, so a
 * dispatcher sees which community police officer's ground a case is on.
 * A few dozen polygons: one cairo node per frame is cheap enough, and the
 * layer is off unless asked for.
 */
#define G_LOG_DOMAIN "wg-police-grid-layer"

#include "config.h"

#include <pango/pangocairo.h>

#include "wg-map-private.h"
#include "wg-police-grid-layer.h"

#define LABEL_MIN_ZOOM 14.0
#define NAVY 0.05, 0.14, 0.45

typedef struct
{
  char    *code;
  char    *name;
  GArray  *latlon;      /* double pairs, WGS-84 */
  GArray  *mxy;         /* double pairs, unit square (GCJ-02 when asked) */
  double   label_mx, label_my;
} Area;

struct _WgPoliceGridLayer
{
  ShumateLayer  parent_instance;
  GArray       *areas;
  gboolean      gcj02;
};

G_DEFINE_FINAL_TYPE (WgPoliceGridLayer, wg_police_grid_layer, SHUMATE_TYPE_LAYER)

static void
area_clear (gpointer data)
{
  Area *a = data;

  g_clear_pointer (&a->code, g_free);
  g_clear_pointer (&a->name, g_free);
  g_clear_pointer (&a->latlon, g_array_unref);
  g_clear_pointer (&a->mxy, g_array_unref);
}

static void
project_area (WgPoliceGridLayer *self,
              Area              *a)
{
  double sx = 0, sy = 0;
  guint n = a->latlon->len / 2;

  g_array_set_size (a->mxy, 0);
  for (guint i = 0; i < n; i++)
    {
      double mx, my;

      _wg_project_point (g_array_index (a->latlon, double, 2 * i),
                         g_array_index (a->latlon, double, 2 * i + 1), self->gcj02, &mx, &my);
      g_array_append_val (a->mxy, mx);
      g_array_append_val (a->mxy, my);
      sx += mx;
      sy += my;
    }
  /* The vertex mean is inside these compact, lattice-like shapes. */
  a->label_mx = n > 0 ? sx / n : 0;
  a->label_my = n > 0 ? sy / n : 0;
}

static void
wg_police_grid_layer_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  WgPoliceGridLayer *self = WG_POLICE_GRID_LAYER (widget);
  static const double dash[] = { 10, 5 };
  WgMapProjection p;
  cairo_t *cr;

  if (self->areas->len == 0
      || !_wg_projection_init (&p, widget, shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    return;

  gtk_snapshot_save (snapshot);
  _wg_projection_push_rotation (&p, snapshot);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (-p.width, -p.height, 3 * p.width, 3 * p.height));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < self->areas->len; i++)
    {
      Area *a = &g_array_index (self->areas, Area, i);

      for (guint k = 0; k < a->mxy->len / 2; k++)
        {
          double x, y;

          _wg_projection_to_widget (&p, g_array_index (a->mxy, double, 2 * k),
                                    g_array_index (a->mxy, double, 2 * k + 1), &x, &y);
          if (k == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_close_path (cr);
    }
  /* A white casing under navy dashes: apart from the governance grids'
   * thin blue outlines, which it runs along. */
  cairo_set_line_width (cr, 5);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.75);
  cairo_stroke_preserve (cr);
  cairo_set_line_width (cr, 3);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
  cairo_set_source_rgba (cr, NAVY, 0.95);
  cairo_stroke (cr);

  if (p.zoom >= LABEL_MIN_ZOOM)
    {
      PangoLayout *layout = pango_cairo_create_layout (cr);
      PangoFontDescription *font = pango_font_description_from_string ("Sans Bold 9");

      pango_layout_set_font_description (layout, font);
      pango_font_description_free (font);
      cairo_set_dash (cr, NULL, 0, 0);
      for (guint i = 0; i < self->areas->len; i++)
        {
          Area *a = &g_array_index (self->areas, Area, i);
          int lw, lh;
          double x, y;

          _wg_projection_to_widget (&p, a->label_mx, a->label_my, &x, &y);
          if (x < -200 || y < -50 || x > p.width + 200 || y > p.height + 50)
            continue;
          pango_layout_set_text (layout, a->name, -1);
          pango_layout_get_pixel_size (layout, &lw, &lh);
          /* below the governance grid's own name, which sits at its centre */
          cairo_move_to (cr, x - lw / 2.0, y + 10);
          pango_cairo_layout_path (cr, layout);
          cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
          cairo_set_line_width (cr, 3);
          cairo_stroke (cr);
          cairo_move_to (cr, x - lw / 2.0, y + 10);
          cairo_set_source_rgba (cr, NAVY, 1);
          pango_cairo_show_layout (cr, layout);
        }
      g_object_unref (layout);
    }
  cairo_destroy (cr);
  gtk_snapshot_restore (snapshot);
}

static void
viewport_changed_cb (WgPoliceGridLayer *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self)))
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
wg_police_grid_layer_constructed (GObject *object)
{
  WgPoliceGridLayer *self = WG_POLICE_GRID_LAYER (object);

  G_OBJECT_CLASS (wg_police_grid_layer_parent_class)->constructed (object);
  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
wg_police_grid_layer_finalize (GObject *object)
{
  WgPoliceGridLayer *self = WG_POLICE_GRID_LAYER (object);

  g_clear_pointer (&self->areas, g_array_unref);
  G_OBJECT_CLASS (wg_police_grid_layer_parent_class)->finalize (object);
}

static void
wg_police_grid_layer_class_init (WgPoliceGridLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wg_police_grid_layer_constructed;
  object_class->finalize = wg_police_grid_layer_finalize;
  widget_class->snapshot = wg_police_grid_layer_snapshot;
}

static void
wg_police_grid_layer_init (WgPoliceGridLayer *self)
{
  self->areas = g_array_new (FALSE, TRUE, sizeof (Area));
  g_array_set_clear_func (self->areas, area_clear);
  /* Outlines only: clicks go to the layers below. */
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

WgPoliceGridLayer *
wg_police_grid_layer_new (ShumateViewport *viewport)
{
  g_return_val_if_fail (SHUMATE_IS_VIEWPORT (viewport), NULL);
  return g_object_new (WG_TYPE_POLICE_GRID_LAYER, "viewport", viewport, NULL);
}

void
wg_police_grid_layer_set_areas (WgPoliceGridLayer     *self,
                                const WgMapPoliceGrid *areas,
                                guint                  n_areas)
{
  g_return_if_fail (WG_IS_POLICE_GRID_LAYER (self));
  g_return_if_fail (areas != NULL || n_areas == 0);

  g_array_set_size (self->areas, 0);
  for (guint i = 0; i < n_areas; i++)
    {
      Area a = { 0 };

      a.code = g_strdup (areas[i].code);
      a.name = g_strdup (areas[i].name);
      a.latlon = g_array_new (FALSE, FALSE, sizeof (double));
      g_array_append_vals (a.latlon, areas[i].latlon, 2 * areas[i].n_points);
      a.mxy = g_array_new (FALSE, FALSE, sizeof (double));
      project_area (self, &a);
      g_array_append_val (self->areas, a);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
wg_police_grid_layer_get_n_areas (WgPoliceGridLayer *self)
{
  g_return_val_if_fail (WG_IS_POLICE_GRID_LAYER (self), 0);
  return self->areas->len;
}

void
wg_police_grid_layer_set_gcj02 (WgPoliceGridLayer *self,
                                gboolean           gcj02)
{
  g_return_if_fail (WG_IS_POLICE_GRID_LAYER (self));

  gcj02 = !!gcj02;
  if (self->gcj02 == gcj02)
    return;
  self->gcj02 = gcj02;
  for (guint i = 0; i < self->areas->len; i++)
    project_area (self, &g_array_index (self->areas, Area, i));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
