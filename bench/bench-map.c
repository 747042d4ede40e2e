/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Map frame times under Xvfb: the same pan and zoom path, for a fixed time
 * each, over an offline MBTiles base map, for
 *   1. the bare map (base tiles only),
 *   2. our layers: 20,000 forces moving at 1 Hz + 63 grids + 11 stations
 *      + 500 incidents,
 *   3. the same points as ShumateMarkerLayer markers (as many as can be
 *      added within a time budget, 40 s: all 20,511 on a quiet machine),
 *      moving at 1 Hz too.
 * After 2 and 3, an interleaved pan shows the overlay on every other frame
 * only: the difference between neighbouring frames is the overlay's own
 * cost, with the same tiles, camera path and machine load.
 * Frame time = interval between frame-clock ticks (the clock runs at the
 * display rate and slips when a frame takes longer).  Prints p50/p95/p99
 * and the ratios against the bare map and the marker layer.
 *
 *   xvfb-run -a -s "-screen 0 1920x1080x24" _build/bench/bench-map
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "helong-synthetic.h"
#include "map-test-util.h"
#include "wg-mbtiles.h"
#include "wg-map-private.h"
#include "test-files.h"

typedef enum {
  SCENARIO_BARE,
  SCENARIO_LAYERS,
  SCENARIO_MARKERS,
} Scenario;

static const char *scenario_names[] = {
  "bare map",
  "our layers (20k forces, 63 grids, 500 incidents)",
  "ShumateMarkerLayer",
};

typedef struct
{
  double p50, p95, p99;
  /* Work per frame: frame start to the end of its paint */
  double busy50, busy95, busy99;
  guint  frames;
  guint  points;
  double cpu_ms;       /* process CPU time (all threads, llvmpipe's too) per frame */
  double setup_ms;     /* handing the points to the map */
  double update_ms;    /* mean cost of one 1 Hz update of all units */
  /* Interleaved phase: the overlay shown on every other frame of the same
   * pan, so that both halves see the same tiles, camera path and load. */
  double with50, with95;        /* frame work with the overlay */
  double without50, without95;  /* the same frames' neighbours without it */
  double with_cpu50, without_cpu50;   /* process CPU per frame, the same */
  guint  nodes;                 /* render nodes of the overlay in one frame */
  double offscreen_snapshot_ms, offscreen_render_ms;
} Figures;

static double phase_seconds = 5.0;
static int width = 1280, height = 800;
static double marker_budget_s = 40.0;
static char *only_layers;   /* e.g. "forces,grids" to see what costs what */
static gboolean static_camera;   /* idle cost: pulsing, 1 Hz updates */

static cairo_status_t
append_cb (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* A plausible raster tile: land colour, blocks, a road, water. */
static GBytes *
make_tile (int z, int x, int y)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 256, 256);
  cairo_t *cr = cairo_create (surface);
  GByteArray *bytes = g_byte_array_new ();
  guint h = (guint) (x * 2654435761u) ^ (guint) (y * 40503u) ^ (guint) z;

  cairo_set_source_rgb (cr, 0.95, 0.94, 0.91);
  cairo_paint (cr);
  for (int i = 0; i < 14; i++)
    {
      h = h * 1103515245u + 12345u;
      cairo_rectangle (cr, (h >> 8) % 230, (h >> 16) % 230, 12 + (h % 40), 10 + ((h >> 4) % 30));
      cairo_set_source_rgb (cr, 0.85 + (h % 10) / 100.0, 0.84, 0.82);
      cairo_fill (cr);
    }
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 6);
  cairo_move_to (cr, 0, 40 + h % 160);
  cairo_line_to (cr, 256, 60 + (h >> 3) % 160);
  cairo_stroke (cr);
  cairo_set_source_rgb (cr, 0.67, 0.83, 0.87);
  cairo_rectangle (cr, 0, 236, 256, 20);
  cairo_fill (cr);
  cairo_destroy (cr);
  cairo_surface_write_to_png_stream (surface, append_cb, bytes);
  cairo_surface_destroy (surface);
  return g_byte_array_free_to_bytes (bytes);
}

static void
lonlat_to_tile (double lat, double lon, int z, int *tx, int *ty)
{
  double r = lat * G_PI / 180.0;

  *tx = (int) ((lon + 180.0) / 360.0 * (1 << z));
  *ty = (int) ((1.0 - log (tan (r) + 1.0 / cos (r)) / G_PI) / 2.0 * (1 << z));
}

static char *
make_mbtiles (const char *dir)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, "bench.mbtiles", NULL);
  g_autoptr(WgMbtilesWriter) writer = wg_mbtiles_writer_new (path, &error);
  guint n = 0;

  if (writer == NULL)
    g_error ("%s", error->message);
  for (int z = 13; z <= 17; z++)
    {
      int x0, y0, x1, y1;

      lonlat_to_tile (HELONG_LAT + 0.035, HELONG_LON - 0.05, z, &x0, &y0);
      lonlat_to_tile (HELONG_LAT - 0.035, HELONG_LON + 0.05, z, &x1, &y1);
      for (int x = x0; x <= x1; x++)
        for (int y = y0; y <= y1; y++)
          {
            g_autoptr(GBytes) tile = make_tile (z, x, y);
            if (!wg_mbtiles_writer_add_tile (writer, z, x, y, tile, &error))
              g_error ("%s", error->message);
            n++;
          }
    }
  wg_mbtiles_writer_set_metadata (writer, "minzoom", "13", NULL);
  wg_mbtiles_writer_set_metadata (writer, "maxzoom", "17", NULL);
  if (!wg_mbtiles_writer_finish (writer, &error))
    g_error ("%s", error->message);
  g_print ("base map: %u generated PNG tiles, zoom 13-17\n", n);
  return path;
}

typedef struct
{
  ShumateMap      *map;
  ShumateViewport *viewport;
  GArray          *frame_ms;
  GArray          *busy_ms;
  gint64           start_us;
  gint64           last_us;
  gboolean         done;
  /* Interleaved phase */
  GPtrArray       *overlays;      /* widgets shown on every other frame */
  gboolean         interleave;
  gboolean         overlay_shown;
  GArray          *with_ms;
  GArray          *without_ms;
  /* Process CPU time (all threads, llvmpipe's included) per frame: less
   * moved by other processes' load than wall time */
  double           last_cpu;
  GArray          *with_cpu;
  GArray          *without_cpu;
} Run;

static void
show_overlays (Run      *run,
               gboolean  shown)
{
  /* Opacity 0: GTK skips the widget's snapshot, and no relayout is needed. */
  for (guint i = 0; i < run->overlays->len; i++)
    gtk_widget_set_opacity (run->overlays->pdata[i], shown ? 1.0 : 0.0);
  run->overlay_shown = shown;
}

/* Pan on a circle at a fixed zoom, then zoom in and out on the spot. */
static gboolean
camera_tick_cb (GtkWidget     *widget,
                GdkFrameClock *clock,
                gpointer       user_data)
{
  Run *run = user_data;
  gint64 now = gdk_frame_clock_get_frame_time (clock);
  double t;

  if (run->start_us == 0)
    run->start_us = now;
  else if (!run->interleave)
    {
      double ms = (now - run->last_us) / 1000.0;
      g_array_append_val (run->frame_ms, ms);
    }
  run->last_us = now;
  t = (now - run->start_us) / (double) G_USEC_PER_SEC;

  if (run->interleave)
    {
      double a = 2 * G_PI * t / 4.0;

      if (t >= phase_seconds)
        {
          run->done = TRUE;
          return G_SOURCE_REMOVE;
        }
      shumate_map_center_on (run->map, HELONG_LAT + 0.006 * sin (a), HELONG_LON + 0.008 * cos (a));
      show_overlays (run, !run->overlay_shown);
      return G_SOURCE_CONTINUE;
    }
  if (static_camera && t < 2 * phase_seconds)
    return G_SOURCE_CONTINUE;
  if (t < phase_seconds)
    {
      double a = 2 * G_PI * t / 4.0;
      shumate_map_center_on (run->map, HELONG_LAT + 0.006 * sin (a), HELONG_LON + 0.008 * cos (a));
      shumate_viewport_set_zoom_level (run->viewport, 15.5);
    }
  else if (t < 2 * phase_seconds)
    {
      shumate_map_center_on (run->map, HELONG_LAT, HELONG_LON);
      shumate_viewport_set_zoom_level (run->viewport, 15.5 + 1.3 * sin (2 * G_PI * (t - phase_seconds) / 3.0));
    }
  else
    {
      run->done = TRUE;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static double
cpu_time_ms (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3
         + ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Run           *run)
{
  double ms, cpu, cpu_ms;

  if (run->start_us == 0 || run->done)
    return;
  ms = (g_get_monotonic_time () - gdk_frame_clock_get_frame_time (clock)) / 1000.0;
  cpu = cpu_time_ms ();
  cpu_ms = cpu - run->last_cpu;
  if (run->interleave)
    {
      g_array_append_val (run->overlay_shown ? run->with_ms : run->without_ms, ms);
      if (run->last_cpu > 0)
        g_array_append_val (run->overlay_shown ? run->with_cpu : run->without_cpu, cpu_ms);
    }
  else
    g_array_append_val (run->busy_ms, ms);
  run->last_cpu = cpu;
}

typedef struct
{
  WgPositionStore *store;
  GPtrArray       *markers;
  GRand           *rand;
  double           total_ms;
  guint            count;
} Mover;

static gboolean
move_cb (gpointer user_data)
{
  Mover *m = user_data;
  gint64 start = g_get_monotonic_time ();

  helong_move_units (m->store, g_get_real_time () / 1000, m->rand);
  if (m->markers)
    {
      const double *lats = wg_position_store_get_lats (m->store);
      const double *lons = wg_position_store_get_lons (m->store);

      for (guint i = 0; i < m->markers->len && i < wg_position_store_get_n_units (m->store); i++)
        shumate_location_set_location (m->markers->pdata[i], lats[i], lons[i]);
    }
  m->total_ms += (g_get_monotonic_time () - start) / 1000.0;
  m->count++;
  return G_SOURCE_CONTINUE;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
percentile (GArray *sorted, double p)
{
  guint i;

  if (sorted->len == 0)
    return NAN;
  i = (guint) ceil (p * sorted->len);
  return g_array_index (sorted, double, MIN (MAX (i, 1), sorted->len) - 1);
}

static guint
count_nodes (GskRenderNode *node)
{
  guint n = 1;

  if (node == NULL)
    return 0;
  switch ((int) gsk_render_node_get_node_type (node))
    {
    case GSK_CONTAINER_NODE:
      for (guint i = 0; i < gsk_container_node_get_n_children (node); i++)
        n += count_nodes (gsk_container_node_get_child (node, i));
      break;
    case GSK_TRANSFORM_NODE:
      n += count_nodes (gsk_transform_node_get_child (node));
      break;
    case GSK_OPACITY_NODE:
      n += count_nodes (gsk_opacity_node_get_child (node));
      break;
    case GSK_CLIP_NODE:
      n += count_nodes (gsk_clip_node_get_child (node));
      break;
    case GSK_ROUNDED_CLIP_NODE:
      n += count_nodes (gsk_rounded_clip_node_get_child (node));
      break;
    case GSK_DEBUG_NODE:
      n += count_nodes (gsk_debug_node_get_child (node));
      break;
    default:
      break;
    }
  return n;
}

/* Render nodes one frame of these widgets makes, and the time to make them
 * (the main thread's part of the overlay's cost). */
static guint
snapshot_overlays (GPtrArray *overlays,
                   double    *ms)
{
  gint64 start = g_get_monotonic_time ();
  guint n = 0;

  for (guint i = 0; i < overlays->len; i++)
    {
      GtkWidget *widget = overlays->pdata[i];
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      GskRenderNode *node;

      GTK_WIDGET_GET_CLASS (widget)->snapshot (widget, snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      if (overlays->len > 1)
        g_print ("    %s: %u nodes\n", G_OBJECT_TYPE_NAME (widget), count_nodes (node));
      n += count_nodes (node);
      g_clear_pointer (&node, gsk_render_node_unref);
    }
  *ms = (g_get_monotonic_time () - start) / 1000.0;
  return n;
}

/* The overlay alone, rendered offscreen @n times by the window's renderer
 * (llvmpipe under Xvfb): process CPU per snapshot and per render, medians.
 * Without the base map and without frame pacing, so that the overlay's
 * own cost is measured many times over, in the same conditions for ours
 * and the markers. */
static void
render_overlays (GtkWidget *window,
                 GPtrArray *overlays,
                 guint      n,
                 double    *snapshot_ms,
                 double    *render_ms)
{
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  g_autoptr(GArray) snaps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) renders = g_array_new (FALSE, FALSE, sizeof (double));
  int w = gtk_widget_get_width (window), h = gtk_widget_get_height (window);

  for (guint k = 0; k < n; k++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();
      GskRenderNode *node;
      GdkTexture *texture;
      double t0 = cpu_time_ms (), t1, t2;

      for (guint i = 0; i < overlays->len; i++)
        GTK_WIDGET_GET_CLASS (overlays->pdata[i])->snapshot (overlays->pdata[i], snapshot);
      node = gtk_snapshot_free_to_node (snapshot);
      t1 = cpu_time_ms ();
      texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
      t2 = cpu_time_ms ();
      g_array_append_val (snaps, (double) { t1 - t0 });
      g_array_append_val (renders, (double) { t2 - t1 });
      g_object_unref (texture);
      gsk_render_node_unref (node);
    }
  g_array_sort (snaps, compare_double);
  g_array_sort (renders, compare_double);
  *snapshot_ms = percentile (snaps, 0.5);
  *render_ms = percentile (renders, 0.5);

  /* Less what the same render of nothing costs (target, clear, read back) */
  g_array_set_size (renders, 0);
  for (guint k = 0; k < n; k++)
    {
      GskRenderNode *node = gsk_color_node_new (&(GdkRGBA) { 0, 0, 0, 0 }, &GRAPHENE_RECT_INIT (0, 0, 1, 1));
      double t0 = cpu_time_ms ();
      GdkTexture *texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));

      g_array_append_val (renders, (double) { cpu_time_ms () - t0 });
      g_object_unref (texture);
      gsk_render_node_unref (node);
    }
  g_array_sort (renders, compare_double);
  *render_ms = MAX (0, *render_ms - percentile (renders, 0.5));
}

static GtkWidget *
marker_widget (GdkTexture *texture)
{
  GtkWidget *image = gtk_image_new_from_paintable (GDK_PAINTABLE (texture));
  gtk_image_set_pixel_size (GTK_IMAGE (image), 16);
  return image;
}

static Figures
run_scenario (Scenario    scenario,
              const char *mbtiles)
{
  g_autofree char *spec = g_strconcat ("mbtiles:", mbtiles, NULL);
  g_autoptr(WgPositionStore) store = wg_position_store_new ();
  g_autoptr(GListStore) incidents = NULL;
  g_autoptr(GPtrArray) grids = NULL;
  g_autoptr(GPtrArray) markers = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(WgClock) clock = wg_clock_new ();
  GtkWidget *window;
  WgMapView *view;
  WgMapStation *stations;
  guint n_stations, move_id;
  gint64 setup_start;
  double cpu_start;
  gulong paint_id;
  Run run = { 0 };
  Mover mover = { 0 };
  g_autoptr(GPtrArray) overlays = g_ptr_array_new ();
  Figures fig = { 0 };

  helong_fill_store (store, 20000, wg_clock_get_now_ms (clock), 5);
  incidents = helong_incidents (500, 9);

  view = WG_MAP_VIEW (wg_map_view_new ());
  wg_map_view_set_fly_duration (view, 0);
  wg_map_view_set_base_map (view, spec);
  if (wg_map_view_get_base_map_error (view))
    g_error ("%s", wg_map_view_get_base_map_error (view));
  wg_map_view_set_show_legend (view, FALSE);
  window = map_test_window (view, width, height);
  wg_map_view_fly_to (view, HELONG_LAT, HELONG_LON, 15.5);
  run.map = wg_map_view_get_map (view);
  run.viewport = wg_map_view_get_viewport (view);

  stations = helong_stations (&n_stations);
  setup_start = g_get_monotonic_time ();
  if (scenario == SCENARIO_LAYERS)
    {
      grids = helong_grids ();
      wg_map_view_set_grids (view, grids);
      helong_set_grid_states (wg_map_view_get_grid_layer (view));
      wg_map_view_set_stations (view, stations, n_stations);
      wg_map_view_set_position_store (view, store);
      wg_map_view_set_clock (view, clock);
      wg_map_view_set_incidents (view, G_LIST_MODEL (incidents));
      fig.points = wg_position_store_get_n_units (store) + g_list_model_get_n_items (G_LIST_MODEL (incidents)) + n_stations;
      /* up to the first frame that shows them */
      map_test_wait_frames (window, 1);
      fig.setup_ms = (g_get_monotonic_time () - setup_start) / 1000.0;
      {
        GtkWidget *layers[] = {
          GTK_WIDGET (wg_map_view_get_grid_layer (view)),
          GTK_WIDGET (wg_map_view_get_station_layer (view)),
          GTK_WIDGET (wg_map_view_get_force_layer (view)),
          GTK_WIDGET (wg_map_view_get_incident_layer (view)),
        };
        const char *names[] = { "grids", "stations", "forces", "incidents" };

        for (guint k = 0; k < G_N_ELEMENTS (layers); k++)
          gtk_widget_set_visible (layers[k], only_layers == NULL || strstr (only_layers, names[k]) != NULL);
        /* Every overlay layer of ours on the map (the grid names are a
         * layer of their own, shown with the grids) */
        for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (run.map)); child;
             child = gtk_widget_get_next_sibling (child))
          if (g_str_has_prefix (G_OBJECT_TYPE_NAME (child), "Wg") && gtk_widget_get_visible (child))
            g_ptr_array_add (overlays, child);
      }
    }
  else if (scenario == SCENARIO_MARKERS)
    {
      ShumateMarkerLayer *layer = shumate_marker_layer_new (run.viewport);
      const double *lats = wg_position_store_get_lats (store);
      const double *lons = wg_position_store_get_lons (store);
      const guint8 *types = wg_position_store_get_types (store);
      const guint8 *statuses = wg_position_store_get_statuses (store);
      guint n_units = wg_position_store_get_n_units (store);
      guint n_inc = g_list_model_get_n_items (G_LIST_MODEL (incidents));
      gint64 start = g_get_monotonic_time ();
      guint added = 0;

      markers = g_ptr_array_new ();
      shumate_map_add_layer (run.map, SHUMATE_LAYER (layer));
      g_ptr_array_add (overlays, layer);
      /* Units first (they are what moves), then incidents, then stations,
       * until the budget runs out. */
      for (guint i = 0; i < n_units + n_inc + n_stations; i++)
        {
          ShumateMarker *marker = shumate_marker_new ();
          double lat, lon;
          GdkTexture *icon;

          if (i < n_units)
            {
              lat = lats[i];
              lon = lons[i];
              icon = _wg_icon_unit (types[i], statuses[i], FALSE, 1);
            }
          else if (i < n_units + n_inc)
            {
              g_autoptr(WgMapIncident) inc = g_list_model_get_item (G_LIST_MODEL (incidents), i - n_units);
              lat = wg_map_incident_get_latitude (inc);
              lon = wg_map_incident_get_longitude (inc);
              icon = _wg_icon_incident (wg_map_incident_get_grade (inc), 1);
            }
          else
            {
              lat = stations[i - n_units - n_inc].lat;
              lon = stations[i - n_units - n_inc].lon;
              icon = _wg_icon_station (1);
            }
          shumate_marker_set_child (marker, marker_widget (icon));
          shumate_location_set_location (SHUMATE_LOCATION (marker), lat, lon);
          shumate_marker_layer_add_marker (layer, marker);
          if (i < n_units)
            g_ptr_array_add (markers, marker);
          added++;
          /* Let GTK lay them out as they come, as a live app would. */
          if (added % 1000 == 0)
            {
              map_test_wait_frames (window, 1);
              if ((g_get_monotonic_time () - start) / 1e6 > marker_budget_s)
                break;
            }
        }
      g_print ("  markers: added %u of %u in %.1f s\n", added, n_units + n_inc + n_stations,
               (g_get_monotonic_time () - start) / 1e6);
      fig.points = added;
      fig.setup_ms = (g_get_monotonic_time () - setup_start) / 1000.0;
      mover.markers = markers;
    }

  /* Warm up: tiles loaded, caches filled. */
  map_test_wait_frames (window, 30);

  mover.store = store;
  mover.rand = rand;
  move_id = g_timeout_add_seconds (1, move_cb, &mover);

  run.frame_ms = g_array_new (FALSE, FALSE, sizeof (double));
  run.busy_ms = g_array_new (FALSE, FALSE, sizeof (double));
  paint_id = g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                               G_CALLBACK (after_paint_cb), &run);
  gtk_widget_add_tick_callback (window, camera_tick_cb, &run, NULL);
  cpu_start = cpu_time_ms ();
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  fig.cpu_ms = (cpu_time_ms () - cpu_start) / MAX (run.frame_ms->len, 1);
  g_source_remove (move_id);
  fig.update_ms = mover.count ? mover.total_ms / mover.count : NAN;
  g_signal_handler_disconnect (gtk_widget_get_frame_clock (window), paint_id);

  g_array_sort (run.frame_ms, compare_double);
  fig.frames = run.frame_ms->len;
  fig.p50 = percentile (run.frame_ms, 0.50);
  fig.p95 = percentile (run.frame_ms, 0.95);
  fig.p99 = percentile (run.frame_ms, 0.99);
  g_array_sort (run.busy_ms, compare_double);
  fig.busy50 = percentile (run.busy_ms, 0.50);
  fig.busy95 = percentile (run.busy_ms, 0.95);
  fig.busy99 = percentile (run.busy_ms, 0.99);
  g_array_unref (run.frame_ms);
  g_array_unref (run.busy_ms);

  if (overlays->len > 0)
    {
      double snap_ms;

      fig.nodes = snapshot_overlays (overlays, &snap_ms);
      g_print ("  overlay: %u render nodes in one frame, snapshot %.1f ms\n", fig.nodes, snap_ms);

      /* Interleaved phase: the same pan, overlay on every other frame. */
      run.overlays = overlays;
      run.interleave = TRUE;
      run.overlay_shown = TRUE;
      run.start_us = 0;
      run.done = FALSE;
      run.with_ms = g_array_new (FALSE, FALSE, sizeof (double));
      run.without_ms = g_array_new (FALSE, FALSE, sizeof (double));
      run.with_cpu = g_array_new (FALSE, FALSE, sizeof (double));
      run.without_cpu = g_array_new (FALSE, FALSE, sizeof (double));
      run.last_cpu = 0;
      gtk_widget_add_tick_callback (window, camera_tick_cb, &run, NULL);
      paint_id = g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint",
                                   G_CALLBACK (after_paint_cb), &run);
      while (!run.done)
        g_main_context_iteration (NULL, TRUE);
      g_signal_handler_disconnect (gtk_widget_get_frame_clock (window), paint_id);
      show_overlays (&run, TRUE);
      map_test_wait_frames (window, 2);
      render_overlays (window, overlays, 30, &fig.offscreen_snapshot_ms, &fig.offscreen_render_ms);
      g_print ("  offscreen, overlay alone (CPU p50 of 30): snapshot %.2f ms, render %.2f ms (less an empty render)\n",
               fig.offscreen_snapshot_ms, fig.offscreen_render_ms);
      g_array_sort (run.with_ms, compare_double);
      g_array_sort (run.without_ms, compare_double);
      fig.with50 = percentile (run.with_ms, 0.50);
      fig.with95 = percentile (run.with_ms, 0.95);
      fig.without50 = percentile (run.without_ms, 0.50);
      fig.without95 = percentile (run.without_ms, 0.95);
      g_print ("  interleaved: %u frames with, %u without the overlay\n",
               run.with_ms->len, run.without_ms->len);
      g_array_sort (run.with_cpu, compare_double);
      g_array_sort (run.without_cpu, compare_double);
      fig.with_cpu50 = percentile (run.with_cpu, 0.50);
      fig.without_cpu50 = percentile (run.without_cpu, 0.50);
      g_array_unref (run.with_ms);
      g_array_unref (run.without_ms);
      g_array_unref (run.with_cpu);
      g_array_unref (run.without_cpu);
    }

  gtk_window_destroy (GTK_WINDOW (window));
  helong_stations_free (stations, n_stations);
  /* Let the destroyed widgets go before the next run. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return fig;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *mbtiles = NULL;
  gboolean skip_markers = FALSE;
  Figures figs[3] = { { 0 } };
  const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &phase_seconds, "Seconds of panning, then of zooming", "S" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "Window width", "PX" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "Window height", "PX" },
    { "marker-budget", 0, 0, G_OPTION_ARG_DOUBLE, &marker_budget_s, "Seconds allowed to add markers", "S" },
    { "skip-markers", 0, 0, G_OPTION_ARG_NONE, &skip_markers, "Do not run the marker layer", NULL },
    { "static", 0, 0, G_OPTION_ARG_NONE, &static_camera, "Keep the camera still (idle cost)", NULL },
    { "only-layers", 0, 0, G_OPTION_ARG_STRING, &only_layers, "Show only these of our layers: grids,stations,forces,incidents", "LIST" },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("- map frame-time benchmark");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (!gtk_init_check ())
    {
      g_printerr ("No display: run under xvfb-run -a -s \"-screen 0 1920x1080x24\"\n");
      return EXIT_FAILURE;
    }

  dir = g_dir_make_tmp ("wg-bench-map-XXXXXX", &error);
  g_assert_no_error (error);
  mbtiles = make_mbtiles (dir);
  g_print ("window %dx%d, %.1f s pan + %.1f s zoom per run, renderer %s\n", width, height,
           phase_seconds, phase_seconds, g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "default");

  for (Scenario s = SCENARIO_BARE; s <= SCENARIO_MARKERS; s++)
    {
      if (s == SCENARIO_MARKERS && skip_markers)
        continue;
      g_print ("running: %s\n", scenario_names[s]);
      figs[s] = run_scenario (s, mbtiles);
      g_print ("  frames %u, points %u, setup %.0f ms, 1 Hz update %.1f ms, CPU %.1f ms/frame\n",
               figs[s].frames, figs[s].points, figs[s].setup_ms, figs[s].update_ms, figs[s].cpu_ms);
    }

  g_print ("\n%-50s %25s   %25s\n", "", "frame interval (ms)", "frame work (ms)");
  g_print ("%-50s %8s %8s %8s   %8s %8s %8s\n", "", "p50", "p95", "p99", "p50", "p95", "p99");
  for (Scenario s = SCENARIO_BARE; s <= SCENARIO_MARKERS; s++)
    if (figs[s].frames > 0)
      g_print ("%-50s %8.1f %8.1f %8.1f   %8.1f %8.1f %8.1f\n", scenario_names[s],
               figs[s].p50, figs[s].p95, figs[s].p99, figs[s].busy50, figs[s].busy95, figs[s].busy99);
  g_print ("\noverlay cost, interleaved frames (work with - without, ms):\n");
  for (Scenario s = SCENARIO_LAYERS; s <= SCENARIO_MARKERS; s++)
    if (figs[s].frames > 0)
      g_print ("%-50s p50 %.1f - %.1f = %.1f   p95 %.1f - %.1f = %.1f   (%u nodes)\n", scenario_names[s],
               figs[s].with50, figs[s].without50, figs[s].with50 - figs[s].without50,
               figs[s].with95, figs[s].without95, figs[s].with95 - figs[s].without95, figs[s].nodes);
  g_print ("overlay cost, interleaved frames (process CPU per frame, p50, ms):\n");
  for (Scenario s = SCENARIO_LAYERS; s <= SCENARIO_MARKERS; s++)
    if (figs[s].frames > 0)
      g_print ("%-50s %.1f - %.1f = %.1f\n", scenario_names[s],
               figs[s].with_cpu50, figs[s].without_cpu50, figs[s].with_cpu50 - figs[s].without_cpu50);
  g_print ("\nratio p95 layers / bare:    interval %.2f, work %.2f (goal <= 1.5)\n",
           figs[SCENARIO_LAYERS].p95 / figs[SCENARIO_BARE].p95,
           figs[SCENARIO_LAYERS].busy95 / figs[SCENARIO_BARE].busy95);
  if (figs[SCENARIO_MARKERS].frames > 0)
    {
      const Figures *b = &figs[SCENARIO_BARE], *l = &figs[SCENARIO_LAYERS], *m = &figs[SCENARIO_MARKERS];

      g_print ("ratio p95 markers / layers: interval %.1f, work %.1f (goal >= 20; markers: %u points vs %u)\n",
               m->p95 / l->p95, m->busy95 / l->busy95, m->points, l->points);
      /* A free overlay would score the bare map's time: that is the most
       * any whole-frame ratio can be in this run. */
      g_print ("ceiling (a free overlay = the bare map): markers / bare p95: interval %.1f, work %.1f\n",
               m->p95 / b->p95, m->busy95 / b->busy95);
      /* What the overlay itself adds to a frame, over the bare map */
      g_print ("overlay cost p50 (work - bare): layers %.1f ms, markers %.1f ms, ratio %.1f\n",
               l->busy50 - b->busy50, m->busy50 - b->busy50,
               (m->busy50 - b->busy50) / MAX (l->busy50 - b->busy50, 0.1));
      g_print ("overlay cost, interleaved: markers / layers: work p50 %.1f, p95 %.1f, CPU p50 %.1f (markers: %u points vs %u)\n",
               (m->with50 - m->without50) / MAX (l->with50 - l->without50, 0.1),
               (m->with95 - m->without95) / MAX (l->with95 - l->without95, 0.1),
               (m->with_cpu50 - m->without_cpu50) / MAX (l->with_cpu50 - l->without_cpu50, 0.1),
               m->points, l->points);
      g_print ("overlay alone offscreen (CPU, snapshot + render): layers %.1f ms, markers %.1f ms, ratio %.1f (per point %.1f)\n",
               l->offscreen_snapshot_ms + l->offscreen_render_ms,
               m->offscreen_snapshot_ms + m->offscreen_render_ms,
               (m->offscreen_snapshot_ms + m->offscreen_render_ms)
               / MAX (l->offscreen_snapshot_ms + l->offscreen_render_ms, 0.01),
               ((m->offscreen_snapshot_ms + m->offscreen_render_ms) / m->points)
               / MAX ((l->offscreen_snapshot_ms + l->offscreen_render_ms) / l->points, 1e-6));
      g_print ("overlay cost per point, interleaved CPU p50: layers %.2f us, markers %.2f us, ratio %.1f\n",
               1000 * (l->with_cpu50 - l->without_cpu50) / l->points,
               1000 * (m->with_cpu50 - m->without_cpu50) / m->points,
               ((m->with_cpu50 - m->without_cpu50) / m->points)
               / MAX ((l->with_cpu50 - l->without_cpu50) / l->points, 1e-6));
      g_print ("setup: layers %.0f ms for %u points, markers %.0f ms for %u (per point: ratio %.0f)\n",
               l->setup_ms, l->points, m->setup_ms, m->points,
               (m->setup_ms / m->points) / (l->setup_ms / l->points));
      g_print ("1 Hz update: layers %.1f ms for %u units, markers %.1f ms for %u (per unit: ratio %.0f)\n",
               l->update_ms, 20000u, m->update_ms, MIN (m->points, 20000u),
               (m->update_ms / MIN (m->points, 20000u)) / (l->update_ms / 20000.0));
    }

  test_rm_rf (dir);
  return EXIT_SUCCESS;
}
