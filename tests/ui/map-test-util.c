/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "map-test-util.h"

GtkWidget *
map_test_window (WgMapView *view,
                 int        width,
                 int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (view));
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static gboolean
count_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  guint *left = user_data;

  gtk_widget_queue_draw (widget);
  if (*left > 0)
    (*left)--;
  return *left > 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

void
map_test_wait_frames (GtkWidget *widget,
                      guint      frames)
{
  guint left = frames;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  gtk_widget_add_tick_callback (widget, count_tick_cb, &left, NULL);
  while (left > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (left, ==, 0);
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;
  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
map_test_wait_until (gboolean (*condition) (gpointer),
                     gpointer   data,
                     guint      timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return condition (data);
}

typedef struct
{
  GtkWidget *widget;
  int      x, y;
  guint32  rgb;
  gboolean done;
} PixelRequest;

/* Rendered after a paint, when layout is done and the widget's render
 * nodes are current (in a tick, a pending resize yields no node). */
static void
pixel_after_paint_cb (GdkFrameClock *clock,
                      gpointer       user_data)
{
  PixelRequest *req = user_data;
  GtkWidget *widget;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w, h;
  g_autofree guchar *data = NULL;
  guchar *px;

  widget = req->widget;
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  paintable = gtk_widget_paintable_new (widget);
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  data = g_malloc (4 * (gsize) w * h);
  gdk_texture_download (texture, data, 4 * w);
  /* cairo ARGB32 layout: B G R A in memory on little-endian */
  px = data + 4 * ((gsize) req->y * w + req->x);
  req->rgb = ((guint32) px[2] << 16) | ((guint32) px[1] << 8) | px[0];
  req->done = TRUE;
}

guint32
map_test_pixel (GtkWidget *widget,
                int        x,
                int        y)
{
  PixelRequest req = { widget, x, y, 0, FALSE };
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (widget));
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  GdkFrameClock *clock = gtk_widget_get_frame_clock (root);
  gulong id;

  id = g_signal_connect (clock, "after-paint", G_CALLBACK (pixel_after_paint_cb), &req);
  gtk_widget_queue_draw (root);
  while (!req.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (clock, id);
  g_assert_true (req.done);
  return req.rgb;
}

static cairo_status_t
append_cb (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
map_test_png_tile (guint32 rgb)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 256, 256);
  cairo_t *cr = cairo_create (surface);
  GByteArray *bytes = g_byte_array_new ();

  cairo_set_source_rgb (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png_stream (surface, append_cb, bytes), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return g_byte_array_free_to_bytes (bytes);
}

void
map_test_hide_overlays (WgMapView *view)
{
  gtk_widget_set_visible (GTK_WIDGET (wg_map_view_get_grid_layer (view)), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (wg_map_view_get_station_layer (view)), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (wg_map_view_get_force_layer (view)), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (wg_map_view_get_incident_layer (view)), FALSE);
  wg_map_view_set_show_legend (view, FALSE);
}

guint
map_test_count_files (const char *path,
                      const char *suffix)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return g_str_has_suffix (path, suffix) ? 1 : 0;
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      n += map_test_count_files (child, suffix);
    }
  return n;
}
