/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Renders WgMapView with the synthetic Helong data to a PNG, in process.
 *
 *   xvfb-run -a -s "-screen 0 1920x1080x24" \
 *     _build/bench/map-screenshot OUT.png [--forces N] [--zoom Z] [--base-map SPEC]
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>
#include <stdlib.h>

#include "helong-synthetic.h"

static int frames_left = 30;
static GtkWidget *window;
static GtkWidget *view;
static const char *out_path;
static int exit_code = EXIT_FAILURE;
static GMainLoop *loop;

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w, h;

  gtk_widget_queue_draw (widget);
  if (--frames_left > 0)
    return G_SOURCE_CONTINUE;

  w = gtk_widget_get_width (view);
  h = gtk_widget_get_height (view);
  paintable = gtk_widget_paintable_new (view);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL)
    {
      g_printerr ("Nothing drawn\n");
      g_main_loop_quit (loop);
      return G_SOURCE_REMOVE;
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (gdk_texture_save_to_png (texture, out_path))
    {
      g_print ("Wrote %s (%dx%d)\n", out_path, w, h);
      exit_code = EXIT_SUCCESS;
    }
  else
    g_printerr ("Could not write %s\n", out_path);
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgPositionStore) store = NULL;
  g_autoptr(GListStore) incidents = NULL;
  g_autoptr(GPtrArray) grids = NULL;
  g_autoptr(WgClock) clock = NULL;
  WgMapStation *stations;
  guint n_stations;
  int n_forces = 900, n_incidents = 60;
  double zoom = 15.55, rotation = 0;
  char *base_map = NULL;
  const GOptionEntry entries[] = {
    { "forces", 0, 0, G_OPTION_ARG_INT, &n_forces, "Number of units", "N" },
    { "incidents", 0, 0, G_OPTION_ARG_INT, &n_incidents, "Number of incidents", "N" },
    { "zoom", 0, 0, G_OPTION_ARG_DOUBLE, &zoom, "Zoom level", "Z" },
    { "rotation", 0, 0, G_OPTION_ARG_DOUBLE, &rotation, "Map rotation", "DEGREES" },
    { "base-map", 0, 0, G_OPTION_ARG_STRING, &base_map, "Base map spec", "SPEC" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* As the console does: WANGGE_LOCALEDIR=_build/po LANGUAGE=zh_CN for the
   * Chinese legend from a build tree. */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("WANGGE_LOCALEDIR") ? g_getenv ("WANGGE_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  context = g_option_context_new ("OUT.png");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2)
    {
      g_printerr ("%s\n", error ? error->message : "usage: map-screenshot OUT.png");
      return 2;
    }
  out_path = argv[1];
  if (!gtk_init_check ())
    {
      g_printerr ("No display\n");
      return EXIT_FAILURE;
    }

  clock = wg_clock_new ();
  store = wg_position_store_new ();
  helong_fill_store (store, n_forces, wg_clock_get_now_ms (clock), 7);
  incidents = helong_incidents (n_incidents, 11);
  grids = helong_grids ();
  stations = helong_stations (&n_stations);

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "Wangge map");
  gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
  gtk_window_set_decorated (GTK_WINDOW (window), FALSE);
  view = wg_map_view_new ();
  gtk_window_set_child (GTK_WINDOW (window), view);
  wg_map_view_set_fly_duration (WG_MAP_VIEW (view), 0);
  if (base_map)
    wg_map_view_set_base_map (WG_MAP_VIEW (view), base_map);
  wg_map_view_set_grids (WG_MAP_VIEW (view), grids);
  helong_set_grid_states (wg_map_view_get_grid_layer (WG_MAP_VIEW (view)));
  wg_map_view_set_stations (WG_MAP_VIEW (view), stations, n_stations);
  wg_map_view_set_position_store (WG_MAP_VIEW (view), store);
  wg_map_view_set_clock (WG_MAP_VIEW (view), clock);
  wg_map_view_set_incidents (WG_MAP_VIEW (view), G_LIST_MODEL (incidents));
  wg_map_view_fly_to (WG_MAP_VIEW (view), HELONG_LAT, HELONG_LON, zoom);
  shumate_viewport_set_rotation (wg_map_view_get_viewport (WG_MAP_VIEW (view)), rotation * G_PI / 180.0);
  wg_map_view_select (WG_MAP_VIEW (view), WG_MAP_SELECTION_GRID, "HL-04-06");
  gtk_window_present (GTK_WINDOW (window));
  gtk_widget_add_tick_callback (window, tick_cb, NULL, NULL);

  loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
  gtk_window_destroy (GTK_WINDOW (window));
  helong_stations_free (stations, n_stations);
  g_free (base_map);
  return exit_code;
}
