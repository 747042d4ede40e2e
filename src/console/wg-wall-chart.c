/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wg-wall-chart.h"

struct _WgWallChart
{
  GtkWidget        parent_instance;

  WgWallChartKind  kind;
  GArray          *values;   /* double */
  GArray          *colors;   /* GdkRGBA, empty for the foreground */
  double           target;
};

G_DEFINE_FINAL_TYPE (WgWallChart, wg_wall_chart, GTK_TYPE_WIDGET)

static double
scale_top (WgWallChart *self)
{
  double top = self->target;

  for (guint i = 0; i < self->values->len; i++)
    top = MAX (top, g_array_index (self->values, double, i));
  return top > 0 ? top : 1;
}

static void
snapshot_bars (WgWallChart   *self,
               GtkSnapshot   *snapshot,
               float          width,
               float          height,
               const GdkRGBA *fg)
{
  guint n = self->values->len;
  double top = scale_top (self);
  float slot = width / n;
  float gap = MIN (slot * 0.25f, 12.f);

  for (guint i = 0; i < n; i++)
    {
      double value = g_array_index (self->values, double, i);
      const GdkRGBA *color = self->colors->len == n ? &g_array_index (self->colors, GdkRGBA, i) : fg;
      /* A zero still shows: a hairline on the base. */
      float h = value < 0 ? 0 : MAX (2.f, (float) (height * value / top));

      gtk_snapshot_append_color (snapshot, color,
                                 &GRAPHENE_RECT_INIT (i * slot + gap / 2, height - h, slot - gap, h));
    }
  if (self->target > 0)
    {
      GdkRGBA line = *fg;
      float y = height - (float) (height * self->target / top);

      line.alpha = 0.8f;
      gtk_snapshot_append_color (snapshot, &line, &GRAPHENE_RECT_INIT (0, MAX (0, y - 1), width, 2));
    }
}

static void
snapshot_line (WgWallChart   *self,
               GtkSnapshot   *snapshot,
               float          width,
               float          height,
               const GdkRGBA *fg)
{
  guint n = self->values->len;
  double top = scale_top (self);
  cairo_t *cr;
  gboolean drawing = FALSE;
  GdkRGBA base = *fg;

  base.alpha = 0.3f;
  gtk_snapshot_append_color (snapshot, &base, &GRAPHENE_RECT_INIT (0, height - 1, width, 1));
  if (n < 2)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_width (cr, CLAMP (height / 24, 2.0, 4.0));
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  gdk_cairo_set_source_rgba (cr, fg);
  for (guint i = 0; i < n; i++)
    {
      double value = g_array_index (self->values, double, i);
      double x = width * i / (n - 1);
      double y = 2 + (height - 4) * (1 - MAX (value, 0) / top);

      if (value < 0)
        drawing = FALSE;
      else if (drawing)
        cairo_line_to (cr, x, y);
      else
        {
          cairo_move_to (cr, x, y);
          drawing = TRUE;
        }
    }
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
wg_wall_chart_snapshot (GtkWidget   *widget,
                        GtkSnapshot *snapshot)
{
  WgWallChart *self = WG_WALL_CHART (widget);
  float width = gtk_widget_get_width (widget);
  float height = gtk_widget_get_height (widget);
  GdkRGBA fg;

  if (self->values->len == 0 || width <= 0 || height <= 0)
    return;
  /* GTK 4.8: the style context is the way to the CSS colour. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (self->kind == WG_WALL_CHART_BARS)
    snapshot_bars (self, snapshot, width, height, &fg);
  else
    snapshot_line (self, snapshot, width, height, &fg);
}

static void
wg_wall_chart_finalize (GObject *object)
{
  WgWallChart *self = WG_WALL_CHART (object);

  g_clear_pointer (&self->values, g_array_unref);
  g_clear_pointer (&self->colors, g_array_unref);

  G_OBJECT_CLASS (wg_wall_chart_parent_class)->finalize (object);
}

static void
wg_wall_chart_class_init (WgWallChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = wg_wall_chart_finalize;
  widget_class->snapshot = wg_wall_chart_snapshot;
  gtk_widget_class_set_css_name (widget_class, "wallchart");
}

static void
wg_wall_chart_init (WgWallChart *self)
{
  self->values = g_array_new (FALSE, FALSE, sizeof (double));
  self->colors = g_array_new (FALSE, FALSE, sizeof (GdkRGBA));
  gtk_widget_add_css_class (GTK_WIDGET (self), "wall-chart");
}

GtkWidget *
wg_wall_chart_new (WgWallChartKind kind)
{
  WgWallChart *self = g_object_new (WG_TYPE_WALL_CHART, NULL);

  self->kind = kind;
  return GTK_WIDGET (self);
}

void
wg_wall_chart_set_values (WgWallChart   *self,
                          const double  *values,
                          const GdkRGBA *colors,
                          guint          n_values)
{
  g_return_if_fail (WG_IS_WALL_CHART (self));

  g_array_set_size (self->values, 0);
  g_array_append_vals (self->values, values, n_values);
  g_array_set_size (self->colors, 0);
  if (colors != NULL)
    g_array_append_vals (self->colors, colors, n_values);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
wg_wall_chart_set_target (WgWallChart *self,
                          double       target)
{
  g_return_if_fail (WG_IS_WALL_CHART (self));

  self->target = target;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
