/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-map-view.h"

G_BEGIN_DECLS

GtkWidget *map_test_window      (WgMapView   *view,
                                 int          width,
                                 int          height);
void       map_test_wait_frames (GtkWidget   *widget,
                                 guint        frames);
gboolean   map_test_wait_until  (gboolean   (*condition) (gpointer),
                                 gpointer     data,
                                 guint        timeout_ms);
/* The colour drawn at a point of @widget, as 0xRRGGBB. */
guint32    map_test_pixel       (GtkWidget   *widget,
                                 int          x,
                                 int          y);
/* A solid-colour 256 px PNG tile */
GBytes    *map_test_png_tile    (guint32      rgb);
void       map_test_hide_overlays (WgMapView *view);
guint      map_test_count_files (const char  *dir,
                                 const char  *suffix);

G_END_DECLS
