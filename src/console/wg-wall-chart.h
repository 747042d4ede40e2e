/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  WG_WALL_CHART_BARS,   /* one bar per value, coloured */
  WG_WALL_CHART_LINE,   /* a line over the values, oldest left */
} WgWallChartKind;

/* A small chart of a wall tile, drawn with GtkSnapshot: bars (with an
 * optional target line across them) or a line.  A negative value is not
 * known (a gap in the line, no bar). */
#define WG_TYPE_WALL_CHART (wg_wall_chart_get_type ())
G_DECLARE_FINAL_TYPE (WgWallChart, wg_wall_chart, WG, WALL_CHART, GtkWidget)

GtkWidget *wg_wall_chart_new        (WgWallChartKind  kind);
/* @colors: one per value, or NULL for the foreground colour. */
void       wg_wall_chart_set_values (WgWallChart     *self,
                                     const double    *values,
                                     const GdkRGBA   *colors,
                                     guint            n_values);
/* A line across the bars at @target (0: none). */
void       wg_wall_chart_set_target (WgWallChart     *self,
                                     double           target);

G_END_DECLS
