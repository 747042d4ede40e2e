/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgMapView in a real window under Xvfb: projection, hit testing at known
 * screen points, selection property and bindings, fly-to/fit, keyboard,
 * clustering, pulsing, and an MBTiles base map drawn on screen.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "helong-synthetic.h"
#include "map-test-util.h"
#include "wg-map-private.h"
#include "wg-mbtiles.h"
#include "test-files.h"

#define W 1200
#define H 800

typedef struct
{
  GtkWidget       *window;
  WgMapView       *view;
  WgPositionStore *store;
  GListStore      *incidents;
  WgMapStation    *stations;
  guint            n_stations;
  guint            notifies;
} Fixture;

/* Known places, relative to the Helong centre */
#define INC_A_LAT (HELONG_LAT + 0.0010)
#define INC_A_LON (HELONG_LON)
#define INC_B_LAT (HELONG_LAT - 0.0015)
#define INC_B_LON (HELONG_LON - 0.0020)
#define UNIT_LAT  (HELONG_LAT)
#define UNIT_LON  (HELONG_LON + 0.0025)
#define STATION_LAT (HELONG_LAT - 0.0020)
#define STATION_LON (HELONG_LON + 0.0030)

static void
notify_cb (GObject *object, GParamSpec *pspec, Fixture *f)
{
  f->notifies++;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) grids = helong_grids ();
  g_autoptr(WgMapIncident) a = NULL;
  g_autoptr(WgMapIncident) b = NULL;
  guint unit;

  f->view = WG_MAP_VIEW (wg_map_view_new ());
  wg_map_view_set_fly_duration (f->view, 0);
  wg_map_view_set_grids (f->view, grids);

  f->stations = g_new0 (WgMapStation, 1);
  f->stations[0].id = g_strdup ("station-x");
  f->stations[0].name = g_strdup ("鹤联工作站");
  f->stations[0].lat = STATION_LAT;
  f->stations[0].lon = STATION_LON;
  f->n_stations = 1;
  wg_map_view_set_stations (f->view, f->stations, f->n_stations);

  f->store = wg_position_store_new ();
  unit = wg_position_store_add_unit (f->store, "police-7", WG_UNIT_TYPE_POLICE, WG_UNIT_STATUS_AVAILABLE);
  wg_position_store_set_position (f->store, unit, UNIT_LAT, UNIT_LON, 1000);
  wg_map_view_set_position_store (f->view, f->store);

  f->incidents = g_list_store_new (WG_TYPE_MAP_INCIDENT);
  a = wg_map_incident_new ("inc-a", "HL-0001", WG_MAP_GRADE_EMERGENCY, INC_A_LAT, INC_A_LON);
  b = wg_map_incident_new ("inc-b", "HL-0002", WG_MAP_GRADE_GENERAL, INC_B_LAT, INC_B_LON);
  g_list_store_append (f->incidents, b);
  g_list_store_append (f->incidents, a);
  wg_map_view_set_incidents (f->view, G_LIST_MODEL (f->incidents));

  g_signal_connect (f->view, "notify::selection-id", G_CALLBACK (notify_cb), f);

  f->window = map_test_window (f->view, W, H);
  wg_map_view_fly_to (f->view, HELONG_LAT, HELONG_LON, 17);
  map_test_wait_frames (f->window, 3);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->view)), ==, W);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->incidents);
  g_clear_pointer (&f->store, wg_position_store_unref);
  helong_stations_free (f->stations, f->n_stations);
}

static void
screen_point (Fixture *f, double lat, double lon, double *x, double *y)
{
  wg_map_view_location_to_widget (f->view, lat, lon, x, y);
  g_assert_cmpfloat (*x, >, 0);
  g_assert_cmpfloat (*x, <, W);
  g_assert_cmpfloat (*y, >, 0);
  g_assert_cmpfloat (*y, <, H);
}

static void
test_projection_matches_shumate (Fixture *f, gconstpointer data)
{
  ShumateViewport *viewport = wg_map_view_get_viewport (f->view);
  GtkWidget *map = GTK_WIDGET (wg_map_view_get_map (f->view));
  const double points[][2] = { { INC_A_LAT, INC_A_LON }, { UNIT_LAT, UNIT_LON }, { 23.2, 113.28 } };

  for (guint zoom = 14; zoom <= 18; zoom += 2)
    {
      wg_map_view_fly_to (f->view, HELONG_LAT + 0.0003, HELONG_LON - 0.0002, zoom + 0.37);
      for (guint i = 0; i < G_N_ELEMENTS (points); i++)
        {
          double ours_x, ours_y, theirs_x, theirs_y;

          wg_map_view_location_to_widget (f->view, points[i][0], points[i][1], &ours_x, &ours_y);
          shumate_viewport_location_to_widget_coords (viewport, map, points[i][0], points[i][1],
                                                      &theirs_x, &theirs_y);
          g_assert_cmpfloat_with_epsilon (ours_x, theirs_x, 0.01);
          g_assert_cmpfloat_with_epsilon (ours_y, theirs_y, 0.01);
        }
    }
}

static void
test_hit_testing (Fixture *f, gconstpointer data)
{
  g_autoptr(GtkWidget) label = g_object_ref_sink (gtk_label_new (""));
  WgMapGrid *grid;
  double x, y, s, w, n, e;

  g_object_bind_property (f->view, "selection-id", label, "label", G_BINDING_DEFAULT);

  /* The incident pin stands above its point. */
  screen_point (f, INC_A_LAT, INC_A_LON, &x, &y);
  g_assert_true (wg_map_view_select_at (f->view, x, y - 12));
  g_assert_cmpint (wg_map_view_get_selection_kind (f->view), ==, WG_MAP_SELECTION_INCIDENT);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "inc-a");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, "inc-a");
  g_assert_cmpuint (f->notifies, ==, 1);

  screen_point (f, INC_B_LAT, INC_B_LON, &x, &y);
  g_assert_true (wg_map_view_select_at (f->view, x + 3, y - 5));
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "inc-b");

  screen_point (f, UNIT_LAT, UNIT_LON, &x, &y);
  g_assert_true (wg_map_view_select_at (f->view, x + 2, y - 2));
  g_assert_cmpint (wg_map_view_get_selection_kind (f->view), ==, WG_MAP_SELECTION_UNIT);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "police-7");

  screen_point (f, STATION_LAT, STATION_LON, &x, &y);
  g_assert_true (wg_map_view_select_at (f->view, x, y));
  g_assert_cmpint (wg_map_view_get_selection_kind (f->view), ==, WG_MAP_SELECTION_STATION);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "station-x");

  /* The middle of grid HL-04-04 (west of the centre), away from markers */
  grid = wg_grid_layer_lookup (wg_map_view_get_grid_layer (f->view), "HL-04-04");
  g_assert_nonnull (grid);
  wg_map_grid_get_bounds (grid, &s, &w, &n, &e);
  screen_point (f, (s + n) / 2, (w + e) / 2, &x, &y);
  g_assert_true (wg_map_view_select_at (f->view, x, y));
  g_assert_cmpint (wg_map_view_get_selection_kind (f->view), ==, WG_MAP_SELECTION_GRID);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "HL-04-04");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, "HL-04-04");

  /* The tooltip text says what is there. */
  {
    g_autofree char *text = wg_map_view_describe_at (f->view, x, y);
    g_assert_nonnull (strstr (text, "HL-04-04"));
  }

  /* Outside every grid: nothing, and the selection clears. */
  wg_map_view_fly_to (f->view, HELONG_LAT + 0.05, HELONG_LON, 17);
  map_test_wait_frames (f->window, 2);
  g_assert_false (wg_map_view_select_at (f->view, W / 2, H / 2));
  g_assert_cmpint (wg_map_view_get_selection_kind (f->view), ==, WG_MAP_SELECTION_NONE);
  g_assert_null (wg_map_view_get_selection_id (f->view));
}

static void
test_hit_testing_gcj02 (Fixture *f, gconstpointer data)
{
  double x, y;

  /* With a GCJ-02 base map the overlays move by a few hundred metres; a
   * click where the incident is now drawn still finds it. */
  wg_map_view_set_gcj02 (f->view, TRUE);
  wg_map_view_fly_to (f->view, INC_A_LAT, INC_A_LON, 17);
  map_test_wait_frames (f->window, 2);
  screen_point (f, INC_A_LAT, INC_A_LON, &x, &y);
  g_assert_cmpfloat (fabs (x - W / 2.0), <, 1);
  g_assert_cmpfloat (fabs (y - H / 2.0), <, 1);
  g_assert_true (wg_map_view_select_at (f->view, x, y - 12));
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "inc-a");
}

static void
assert_centre (Fixture *f, double lat, double lon)
{
  ShumateViewport *viewport = wg_map_view_get_viewport (f->view);

  g_assert_cmpfloat_with_epsilon (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)), lat, 1e-6);
  g_assert_cmpfloat_with_epsilon (shumate_location_get_longitude (SHUMATE_LOCATION (viewport)), lon, 1e-6);
}

static void
test_fly_and_fit (Fixture *f, gconstpointer data)
{
  ShumateViewport *viewport = wg_map_view_get_viewport (f->view);
  WgMapGrid *grid;
  double s, w, n, e, x0, y0, x1, y1;

  g_assert_true (wg_map_view_fly_to_incident (f->view, "inc-b"));
  assert_centre (f, INC_B_LAT, INC_B_LON);
  g_assert_false (wg_map_view_fly_to_incident (f->view, "no-such"));

  g_assert_true (wg_map_view_fly_to_unit (f->view, "police-7"));
  assert_centre (f, UNIT_LAT, UNIT_LON);
  g_assert_cmpfloat (shumate_viewport_get_zoom_level (viewport), >=, 17);

  g_assert_true (wg_map_view_fit_grid (f->view, "HL-01-01"));
  map_test_wait_frames (f->window, 2);
  grid = wg_grid_layer_lookup (wg_map_view_get_grid_layer (f->view), "HL-01-01");
  wg_map_grid_get_bounds (grid, &s, &w, &n, &e);
  wg_map_view_location_to_widget (f->view, n, w, &x0, &y0);
  wg_map_view_location_to_widget (f->view, s, e, &x1, &y1);
  g_assert_cmpfloat (x0, >=, 0);
  g_assert_cmpfloat (y0, >=, 0);
  g_assert_cmpfloat (x1, <=, W);
  g_assert_cmpfloat (y1, <=, H);
  /* and fills a good part of the view */
  g_assert_cmpfloat (MAX ((x1 - x0) / W, (y1 - y0) / H), >, 0.5);

  /* One open emergency: fit flies to it. */
  g_assert_true (wg_map_view_fit_open_emergencies (f->view));
  assert_centre (f, INC_A_LAT, INC_A_LON);
}

static void
test_keyboard (Fixture *f, gconstpointer data)
{
  /* Most urgent first: the unacknowledged emergency, then the other. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "map.next-incident", NULL));
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "inc-a");
  assert_centre (f, INC_A_LAT, INC_A_LON);
  gtk_widget_activate_action (GTK_WIDGET (f->view), "map.next-incident", NULL);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "inc-b");
  gtk_widget_activate_action (GTK_WIDGET (f->view), "map.previous-incident", NULL);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, "inc-a");
  gtk_widget_activate_action (GTK_WIDGET (f->view), "map.clear-selection", NULL);
  g_assert_cmpint (wg_map_view_get_selection_kind (f->view), ==, WG_MAP_SELECTION_NONE);
}

static void
test_keyboard_items (Fixture *f, gconstpointer data)
{
  /* Known distances from the centre at zoom 17: inc-a ~100 px, the unit
   * and inc-b ~230 px, the station ~345 px; grids at their labels. */
  const char *expected[] = { "inc-a", "police-7", "inc-b", "station-x", NULL };
  g_autoptr(GPtrArray) visited = g_ptr_array_new_with_free_func (g_free);
  guint next_expected = 0, grids = 0, first_grid = G_MAXUINT;
  double last_distance = -1;

  map_test_wait_frames (f->window, 2);
  /* Step forward until the order comes round again. */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *text = NULL;
      const char *id;
      double x = W / 2.0, y = H / 2.0, d;

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "map.next-item", NULL));
      id = wg_map_view_get_selection_id (f->view);
      g_assert_nonnull (id);
      if (visited->len > 0 && g_str_equal (id, visited->pdata[0]))
        break;
      g_ptr_array_add (visited, g_strdup (id));

      /* Announced: the callout says what the selection's tooltip says. */
      text = wg_map_view_describe_selection (f->view);
      g_assert_nonnull (text);
      g_assert_cmpstr (wg_map_view_get_callout (f->view), ==, text);

      switch (wg_map_view_get_selection_kind (f->view))
        {
        case WG_MAP_SELECTION_GRID:
          {
            WgMapGrid *grid = wg_grid_layer_lookup (wg_map_view_get_grid_layer (f->view), id);
            g_assert_nonnull (strstr (text, wg_map_grid_get_code (grid)));
            if (first_grid == G_MAXUINT)
              first_grid = i;
            grids++;
            continue;   /* no known point to check the distance against */
          }
        case WG_MAP_SELECTION_INCIDENT:
          screen_point (f, g_str_equal (id, "inc-a") ? INC_A_LAT : INC_B_LAT,
                        g_str_equal (id, "inc-a") ? INC_A_LON : INC_B_LON, &x, &y);
          y -= 13;   /* the pin's middle */
          break;
        case WG_MAP_SELECTION_UNIT:
          screen_point (f, UNIT_LAT, UNIT_LON, &x, &y);
          g_assert_nonnull (strstr (text, "police-7"));
          break;
        case WG_MAP_SELECTION_STATION:
          screen_point (f, STATION_LAT, STATION_LON, &x, &y);
          g_assert_cmpstr (text, ==, "鹤联工作站");
          break;
        case WG_MAP_SELECTION_NONE:
        default:
          g_assert_not_reached ();
        }
      /* The named things come in order, nearest first. */
      d = hypot (x - W / 2.0, y - H / 2.0);
      g_assert_cmpfloat (d, >=, last_distance - 1);
      last_distance = d;
      g_assert_true (g_strv_contains (expected, id));
      next_expected++;
    }
  g_assert_cmpuint (next_expected, ==, (G_N_ELEMENTS (expected) - 1));
  for (guint k = 0; k < (G_N_ELEMENTS (expected) - 1); k++)
    g_assert_true (g_ptr_array_find_with_equal_func (visited, expected[k], g_str_equal, NULL));
  g_assert_cmpuint (grids, >=, 2);
  g_assert_cmpuint (visited->len, ==, next_expected + grids);

  /* Backwards from the first: the farthest thing. */
  gtk_widget_activate_action (GTK_WIDGET (f->view), "map.previous-item", NULL);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, visited->pdata[visited->len - 1]);
  gtk_widget_activate_action (GTK_WIDGET (f->view), "map.next-item", NULL);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==, visited->pdata[0]);

  /* A click elsewhere takes the callout away. */
  wg_map_view_select (f->view, WG_MAP_SELECTION_NONE, NULL);
  g_assert_null (wg_map_view_get_callout (f->view));

  /* Keyboard hit testing at the centre: the grid under it. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "map.select-centre", NULL));
  g_assert_cmpint (wg_map_view_get_selection_kind (f->view), ==, WG_MAP_SELECTION_GRID);
  g_assert_cmpstr (wg_map_view_get_selection_id (f->view), ==,
                   wg_map_grid_get_code (wg_grid_layer_pick (wg_map_view_get_grid_layer (f->view), W / 2.0, H / 2.0)));
  g_assert_nonnull (wg_map_view_get_callout (f->view));

  /* The camera moving leaves the callout behind: it goes. */
  wg_map_view_fly_to (f->view, HELONG_LAT + 0.001, HELONG_LON, 17);
  g_assert_null (wg_map_view_get_callout (f->view));
}

/* Labels do not cover each other: a station on a grid's name hides it. */
static void
test_station_hides_grid_name (Fixture *f, gconstpointer data)
{
  WgGridLayer *layer = wg_map_view_get_grid_layer (f->view);
  WgMapGrid *grid = wg_grid_layer_pick (layer, W / 2.0, H / 2.0);
  double south, west, north, east;
  guint before;
  WgMapStation moved;

  g_assert_nonnull (grid);
  map_test_wait_frames (f->window, 2);
  before = _wg_grid_layer_get_n_labels (layer);
  g_assert_cmpuint (before, >, 0);

  /* The station moves onto the middle of the grid, where its name is. */
  wg_map_grid_get_bounds (grid, &south, &west, &north, &east);
  moved = f->stations[0];
  moved.lat = (south + north) / 2;
  moved.lon = (west + east) / 2;
  wg_map_view_set_stations (f->view, &moved, 1);
  map_test_wait_frames (f->window, 3);
  g_assert_cmpuint (_wg_grid_layer_get_n_labels (layer), <, before);
}

static void
test_pulse_only_while_unacknowledged (Fixture *f, gconstpointer data)
{
  WgIncidentLayer *layer = wg_map_view_get_incident_layer (f->view);
  g_autoptr(WgMapIncident) a = g_list_model_get_item (G_LIST_MODEL (f->incidents), 1);

  map_test_wait_frames (f->window, 2);
  g_assert_true (wg_incident_layer_is_pulsing (layer));
  wg_map_incident_set_acknowledged (a, TRUE);
  map_test_wait_frames (f->window, 3);
  g_assert_false (wg_incident_layer_is_pulsing (layer));
  /* Closed incidents leave the map. */
  wg_map_incident_set_state (a, "closed");
  map_test_wait_frames (f->window, 2);
  {
    double x, y;
    wg_map_view_location_to_widget (f->view, INC_A_LAT, INC_A_LON, &x, &y);
    g_assert_null (wg_incident_layer_pick (layer, x, y - 12, NULL));
  }
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

/* Colours seen at a point over a little more than one pulse period. */
static guint
count_colours_over_time (Fixture *f, double x, double y, guint32 *first)
{
  guint32 seen[16];
  guint n_seen = 0;

  for (guint i = 0; i < 14; i++)
    {
      guint32 rgb = map_test_pixel (GTK_WIDGET (f->view), (int) x, (int) y);
      gboolean known = FALSE;

      for (guint k = 0; k < n_seen; k++)
        known |= seen[k] == rgb;
      if (!known && n_seen < G_N_ELEMENTS (seen))
        seen[n_seen++] = rgb;
      if (i == 0 && first)
        *first = rgb;
      /* The main loop runs meanwhile: the pulse layer's step timer must
       * fire for it to draw the next step (a sleep left the slow sanitizer
       * build seeing two steps in fourteen samples). */
      map_test_wait_until (never, NULL, 100);
    }
  return n_seen;
}

static void
test_grid_pulse (Fixture *f, gconstpointer data)
{
  WgGridLayer *layer = wg_map_view_get_grid_layer (f->view);
  GtkSettings *settings = gtk_widget_get_settings (GTK_WIDGET (f->view));
  WgMapGrid *grid;
  const char *code;
  guint32 steady, plain, none;
  double x, y;

  /* A point inside a grid, clear of pins, units, labels and outlines */
  screen_point (f, HELONG_LAT - 0.0006, HELONG_LON - 0.0009, &x, &y);
  grid = wg_grid_layer_pick (layer, x, y);
  g_assert_nonnull (grid);
  code = wg_map_grid_get_code (grid);

  /* No state: no fill. */
  g_assert_cmpuint (count_colours_over_time (f, x, y, &none), ==, 1);

  /* An emergency that has been acknowledged: a steady fill. */
  wg_grid_layer_set_state (layer, code, WG_GRID_STATE_EMERGENCY | WG_GRID_STATE_OPEN_INCIDENTS, 1);
  map_test_wait_frames (f->window, 2);
  g_assert_false (wg_grid_layer_is_pulsing (layer));
  g_assert_cmpuint (count_colours_over_time (f, x, y, &plain), ==, 1);
  g_assert_cmphex (plain, !=, none);

  /* Not acknowledged: the fill flashes. */
  wg_grid_layer_set_state (layer, code, WG_GRID_STATE_EMERGENCY | WG_GRID_STATE_OPEN_INCIDENTS
                                        | WG_GRID_STATE_UNACKNOWLEDGED, 1);
  map_test_wait_frames (f->window, 2);
  g_assert_true (wg_grid_layer_is_pulsing (layer));
  g_assert_cmpuint (count_colours_over_time (f, x, y, NULL), >=, 3);

  /* Reduced motion: steady, and stronger than an acknowledged one. */
  g_object_set (settings, "gtk-enable-animations", FALSE, NULL);
  map_test_wait_frames (f->window, 3);
  g_assert_false (wg_grid_layer_is_pulsing (layer));
  g_assert_false (wg_incident_layer_is_pulsing (wg_map_view_get_incident_layer (f->view)));
  g_assert_cmpuint (count_colours_over_time (f, x, y, &steady), ==, 1);
  g_assert_cmpuint (steady, !=, plain);
  g_object_set (settings, "gtk-enable-animations", TRUE, NULL);
  map_test_wait_frames (f->window, 2);
  g_assert_true (wg_grid_layer_is_pulsing (layer));

  /* Acknowledged: it stops. */
  wg_grid_layer_set_state (layer, code, WG_GRID_STATE_EMERGENCY | WG_GRID_STATE_OPEN_INCIDENTS, 1);
  map_test_wait_frames (f->window, 3);
  g_assert_false (wg_grid_layer_is_pulsing (layer));
}

static void
test_stacked_incidents (Fixture *f, gconstpointer data)
{
  g_autoptr(WgMapIncident) c = wg_map_incident_new ("inc-c", "HL-0003", WG_MAP_GRADE_PROFESSIONAL,
                                                     INC_B_LAT + 0.00001, INC_B_LON);
  g_autoptr(WgMapIncident) d = wg_map_incident_new ("inc-d", "HL-0004", WG_MAP_GRADE_GENERAL,
                                                     INC_B_LAT, INC_B_LON + 0.00001);
  g_autofree char *text = NULL;
  WgMapIncident *top;
  guint stack = 0;
  double x, y;

  /* Three pins on one spot: the most urgent is drawn, with a count. */
  g_list_store_append (f->incidents, c);
  g_list_store_append (f->incidents, d);
  map_test_wait_frames (f->window, 2);
  screen_point (f, INC_B_LAT, INC_B_LON, &x, &y);
  top = wg_incident_layer_pick (wg_map_view_get_incident_layer (f->view), x, y - 12, &stack);
  g_assert_nonnull (top);
  g_assert_cmpstr (wg_map_incident_get_id (top), ==, "inc-c");
  g_assert_cmpuint (stack, ==, 3);
  text = wg_map_view_describe_at (f->view, x, y - 12);
  g_assert_nonnull (strstr (text, "HL-0003"));
  g_assert_nonnull (strstr (text, "2 more incidents"));
}

static void
test_trails (Fixture *f, gconstpointer data)
{
  WgForceLayer *layer = wg_map_view_get_force_layer (f->view);
  int unit = wg_position_store_lookup (f->store, "police-7");
  double x0, y0, x1, y1;
  guint32 without, with;
  int mx, my;

  gtk_widget_set_visible (GTK_WIDGET (wg_map_view_get_grid_layer (f->view)), FALSE);
  wg_map_view_set_show_legend (f->view, FALSE);
  wg_position_store_set_trail_length (f->store, 16);
  /* Eastwards in ten steps */
  for (int i = 0; i <= 10; i++)
    wg_position_store_set_position (f->store, unit, UNIT_LAT - 0.0012, UNIT_LON - 0.003 + i * 0.0002, 2000 + i);
  screen_point (f, UNIT_LAT - 0.0012, UNIT_LON - 0.003, &x0, &y0);
  screen_point (f, UNIT_LAT - 0.0012, UNIT_LON - 0.001, &x1, &y1);
  mx = (int) round ((x0 + x1) / 2);
  my = (int) round ((y0 + y1) / 2);

  map_test_wait_frames (f->window, 2);
  without = map_test_pixel (GTK_WIDGET (f->view), mx, my);
  wg_force_layer_set_show_trails (layer, TRUE);
  map_test_wait_frames (f->window, 2);
  with = map_test_pixel (GTK_WIDGET (f->view), mx, my);
  g_test_message ("trail midpoint: %06x without, %06x with", without, with);
  g_assert_cmphex (with, !=, without);
  /* Available = green: the trail takes the unit's status colour */
  g_assert_cmpuint ((with >> 8) & 0xff, >, (with >> 16) & 0xff);
}

static void
test_clusters (Fixture *f, gconstpointer data)
{
  WgForceLayer *layer = wg_map_view_get_force_layer (f->view);
  ShumateViewport *viewport = wg_map_view_get_viewport (f->view);
  g_autoptr(WgPositionStore) store = wg_position_store_new ();
  guint units, clusters;
  double zoom;

  helong_fill_store (store, 20000, 1000, 3);
  wg_map_view_set_position_store (f->view, store);
  wg_map_view_fly_to (f->view, HELONG_LAT, HELONG_LON, 14);
  map_test_wait_frames (f->window, 2);

  units = wg_force_layer_get_n_drawn_units (layer);
  clusters = wg_force_layer_get_n_drawn_clusters (layer);
  g_test_message ("zoom 14: %u single units, %u clusters", units, clusters);
  g_assert_cmpuint (clusters, >, 0);
  g_assert_cmpuint (units + clusters, <, 2000);

  /* A click on a cluster zooms into it instead of selecting. */
  zoom = shumate_viewport_get_zoom_level (viewport);
  for (int y = 0; y < H; y += 4)
    {
      guint size = 0;
      if (wg_force_layer_pick (layer, W / 2.0, y, &size, NULL, NULL) >= 0 && size > 1)
        {
          g_assert_true (wg_map_view_select_at (f->view, W / 2.0, y));
          break;
        }
    }
  g_assert_cmpfloat_with_epsilon (shumate_viewport_get_zoom_level (viewport), zoom + 2, 1e-9);
  g_assert_cmpint (wg_map_view_get_selection_kind (f->view), ==, WG_MAP_SELECTION_NONE);

  /* Zoomed in: no clustering, and culling keeps the count to what is seen */
  wg_map_view_fly_to (f->view, HELONG_LAT, HELONG_LON, 18);
  map_test_wait_frames (f->window, 2);
  g_assert_cmpuint (wg_force_layer_get_n_drawn_clusters (layer), ==, 0);
  g_assert_cmpuint (wg_force_layer_get_n_drawn_units (layer), >, 0);
  g_assert_cmpuint (wg_force_layer_get_n_drawn_units (layer), <, 20000 / 4);
}

static void
test_mbtiles_base_map (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-map-mbtiles-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "helong.mbtiles", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk.mbtiles", NULL);
  g_autofree char *spec = g_strconcat ("mbtiles:", path, NULL);
  g_autofree char *junk_spec = g_strconcat ("mbtiles:", junk, NULL);
  g_autoptr(GBytes) magenta = map_test_png_tile (0xff00ff);
  g_autoptr(WgMbtilesWriter) writer = NULL;
  double mx = (HELONG_LON + 180.0) / 360.0;
  double lat = HELONG_LAT * G_PI / 180.0;
  double my = (1.0 - log (tan (lat) + 1.0 / cos (lat)) / G_PI) / 2.0;
  int cx = (int) (mx * 65536), cy = (int) (my * 65536);

  g_assert_no_error (error);
  writer = wg_mbtiles_writer_new (path, &error);
  g_assert_no_error (error);
  for (int x = cx - 4; x <= cx + 4; x++)
    for (int y = cy - 4; y <= cy + 4; y++)
      {
        wg_mbtiles_writer_add_tile (writer, 16, x, y, magenta, &error);
        g_assert_no_error (error);
      }
  wg_mbtiles_writer_finish (writer, &error);
  g_assert_no_error (error);
  g_clear_pointer (&writer, wg_mbtiles_writer_free);

  map_test_hide_overlays (f->view);
  wg_map_view_fly_to (f->view, HELONG_LAT, HELONG_LON, 16);
  map_test_wait_frames (f->window, 2);
  /* Schematic: no tiles, the plain background */
  g_assert_cmphex (map_test_pixel (GTK_WIDGET (f->view), W / 2, H / 2), !=, 0xff00ff);

  wg_map_view_set_base_map (f->view, spec);
  g_assert_null (wg_map_view_get_base_map_error (f->view));
  /* Tiles arrive one by one: the centre's and the corner's. */
  for (guint i = 0; i < 100 && (map_test_pixel (GTK_WIDGET (f->view), W / 2, H / 2) != 0xff00ff
                                || map_test_pixel (GTK_WIDGET (f->view), 20, 20) != 0xff00ff); i++)
    map_test_wait_frames (f->window, 1);
  g_assert_cmphex (map_test_pixel (GTK_WIDGET (f->view), W / 2, H / 2), ==, 0xff00ff);
  g_assert_cmphex (map_test_pixel (GTK_WIDGET (f->view), 20, 20), ==, 0xff00ff);

  /* A file that is not MBTiles: a clear error, the schematic map stays */
  g_assert_true (g_file_set_contents (junk, "PK\x03\x04 not a database", -1, NULL));
  wg_map_view_set_base_map (f->view, junk_spec);
  g_assert_nonnull (wg_map_view_get_base_map_error (f->view));
  g_assert_nonnull (strstr (wg_map_view_get_base_map_error (f->view), "not an MBTiles file"));
  map_test_wait_frames (f->window, 2);
  g_assert_cmphex (map_test_pixel (GTK_WIDGET (f->view), W / 2, H / 2), !=, 0xff00ff);

  /* A GCJ-02 source shifts the overlays; other sources do not */
  {
    g_autofree char *gcj_spec = g_strconcat ("mbtiles-gcj02:", path, NULL);

    g_assert_false (wg_map_view_get_gcj02 (f->view));
    wg_map_view_set_base_map (f->view, gcj_spec);
    g_assert_null (wg_map_view_get_base_map_error (f->view));
    g_assert_true (wg_map_view_get_gcj02 (f->view));
    for (guint i = 0; i < 100 && map_test_pixel (GTK_WIDGET (f->view), W / 2, H / 2) != 0xff00ff; i++)
      map_test_wait_frames (f->window, 1);
    g_assert_cmphex (map_test_pixel (GTK_WIDGET (f->view), W / 2, H / 2), ==, 0xff00ff);
  }

  /* And back, switchable at run time */
  wg_map_view_set_base_map (f->view, "schematic");
  g_assert_null (wg_map_view_get_base_map_error (f->view));
  g_assert_false (wg_map_view_get_gcj02 (f->view));
  g_assert_cmpstr (wg_map_view_get_base_map (f->view), ==, "schematic");

  test_rm_rf (dir);
}

/* The police grids (dual grid): off until switched on, then dashed navy
 * outlines along their edges. */
static void
test_police_grids (Fixture *f, gconstpointer data)
{
  WgPoliceGridLayer *layer = wg_map_view_get_police_grid_layer (f->view);
  const double latlon[] = {
    HELONG_LAT - 0.002, HELONG_LON - 0.003, HELONG_LAT - 0.002, HELONG_LON + 0.003,
    HELONG_LAT + 0.002, HELONG_LON + 0.003, HELONG_LAT + 0.002, HELONG_LON - 0.003,
  };
  const WgMapPoliceGrid area = { "440111012001JW01", "鹤鸣社区第1警务网格", latlon, 4 };
  guint blue_before = 0, blue_after = 0;

  wg_police_grid_layer_set_areas (layer, &area, 1);
  g_assert_cmpuint (wg_police_grid_layer_get_n_areas (layer), ==, 1);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (layer)));
  map_test_hide_overlays (f->view);
  map_test_wait_frames (f->window, 3);

  /* Along the southern edge, where no other layer draws. */
  for (int k = 0; k < 2; k++)
    {
      guint *blue = k == 0 ? &blue_before : &blue_after;

      if (k == 1)
        {
          gtk_widget_set_visible (GTK_WIDGET (layer), TRUE);
          map_test_wait_frames (f->window, 3);
        }
      for (double lon = HELONG_LON - 0.0025; lon < HELONG_LON + 0.0025; lon += 0.0001)
        {
          double x, y;
          guint32 rgb;

          screen_point (f, HELONG_LAT - 0.002, lon, &x, &y);
          rgb = map_test_pixel (GTK_WIDGET (f->view), (int) x, (int) y);
          *blue += (rgb & 0xff) > ((rgb >> 16) & 0xff) + 60;
        }
    }
  g_assert_cmpuint (blue_before, ==, 0);
  g_assert_cmpuint (blue_after, >, 10);
}

/* Pixels of the grid layer alone in a 12 px square at (lat, lon) that
 * are not the map's background. */
static guint
grid_ink_at (Fixture *f,
             double   lat,
             double   lon)
{
  guint32 background;
  guint ink = 0;
  double cx, cy;

  screen_point (f, lat, lon, &cx, &cy);
  gtk_widget_set_visible (GTK_WIDGET (wg_map_view_get_grid_layer (f->view)), FALSE);
  background = map_test_pixel (GTK_WIDGET (f->view), (int) cx, (int) cy);
  gtk_widget_set_visible (GTK_WIDGET (wg_map_view_get_grid_layer (f->view)), TRUE);
  map_test_wait_frames (f->window, 2);
  for (int dy = -6; dy <= 6; dy += 2)
    for (int dx = -6; dx <= 6; dx += 2)
      ink += map_test_pixel (GTK_WIDGET (f->view), (int) cx + dx, (int) cy + dy) != background;
  return ink;
}

/* A city seen whole: a quiet grid a few pixels wide has no outline (20,000
 * of them would be a grey mesh), one with open incidents still shows; the
 * same grid zoomed in has its outline. */
static void
test_small_grids_without_outlines (Fixture *f, gconstpointer data)
{
  WgGridLayer *layer = wg_map_view_get_grid_layer (f->view);
  g_autoptr(GPtrArray) grids = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_map_grid_unref);
  const double lat = HELONG_LAT + 0.3, lon = HELONG_LON + 0.3, half = 0.002;  /* some 400 m */
  const double latlon[] = { lat - half, lon - half, lat - half, lon + half,
                            lat + half, lon + half, lat + half, lon - half };

  g_ptr_array_add (grids, wg_map_grid_new ("900000001001001", "小网格", 2, latlon, 4));
  wg_map_view_set_grids (f->view, grids);
  map_test_hide_overlays (f->view);

  /* Zoom 10: about 5 px wide. */
  wg_map_view_fly_to (f->view, lat, lon, 10);
  map_test_wait_frames (f->window, 3);
  g_assert_cmpuint (grid_ink_at (f, lat, lon), ==, 0);
  wg_grid_layer_set_state (layer, "900000001001001", WG_GRID_STATE_OPEN_INCIDENTS, 1);
  map_test_wait_frames (f->window, 3);
  g_assert_cmpuint (grid_ink_at (f, lat, lon), >, 0);
  wg_grid_layer_clear_states (layer);

  /* Zoom 13: some 40 px, outlined. */
  wg_map_view_fly_to (f->view, lat + half, lon, 13);
  map_test_wait_frames (f->window, 3);
  g_assert_cmpuint (grid_ink_at (f, lat + half, lon), >, 0);
}

/* The distinct stations a click on each of @stations finds. */
static guint
stations_picked (Fixture      *f,
                 WgMapStation *stations,
                 guint         n)
{
  WgStationLayer *layer = wg_map_view_get_station_layer (f->view);
  g_autoptr(GHashTable) found = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < n; i++)
    {
      double x, y;
      const char *id;

      screen_point (f, stations[i].lat, stations[i].lon, &x, &y);
      id = wg_station_layer_pick (layer, x, y);
      if (id != NULL)
        g_hash_table_add (found, (gpointer) id);
    }
  return g_hash_table_size (found);
}

/* A city seen whole: a hundred stations some 200 m apart show a badge or
 * a few, not a lattice; zoomed in (names shown), every one. */
static void
test_station_badges_thinned (Fixture *f, gconstpointer data)
{
  const double lat = HELONG_LAT + 0.3, lon = HELONG_LON + 0.3, step = 0.002;
  WgMapStation stations[100] = { { 0 } };
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint seen;

  for (guint i = 0; i < G_N_ELEMENTS (stations); i++)
    {
      char *id = g_strdup_printf ("station-%u", i);

      g_ptr_array_add (names, id);
      stations[i].id = id;
      stations[i].name = id;
      stations[i].lat = lat + (i / 10) * step;
      stations[i].lon = lon + (i % 10) * step;
    }
  wg_map_view_set_stations (f->view, stations, G_N_ELEMENTS (stations));

  wg_map_view_fly_to (f->view, lat + 4.5 * step, lon + 4.5 * step, 10);
  map_test_wait_frames (f->window, 3);
  seen = stations_picked (f, stations, G_N_ELEMENTS (stations));
  g_assert_cmpuint (seen, >=, 1);
  g_assert_cmpuint (seen, <=, 4);

  wg_map_view_fly_to (f->view, lat + 4.5 * step, lon + 4.5 * step, 14);
  map_test_wait_frames (f->window, 3);
  g_assert_cmpuint (stations_picked (f, stations, G_N_ELEMENTS (stations)), ==, G_N_ELEMENTS (stations));
}

static void
skip_no_display (void)
{
  g_test_skip ("No display: run under xvfb-run -a");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  if (!gtk_init_check ())
    g_test_add_func ("/map/no-display", skip_no_display);
  else
    {
      ADD ("/map/projection-matches-shumate", test_projection_matches_shumate);
      ADD ("/map/hit-testing", test_hit_testing);
      ADD ("/map/hit-testing-gcj02", test_hit_testing_gcj02);
      ADD ("/map/fly-and-fit", test_fly_and_fit);
      ADD ("/map/keyboard", test_keyboard);
      ADD ("/map/keyboard-items", test_keyboard_items);
      ADD ("/map/station-hides-grid-name", test_station_hides_grid_name);
      ADD ("/map/pulse", test_pulse_only_while_unacknowledged);
      ADD ("/map/grid-pulse", test_grid_pulse);
      ADD ("/map/clusters", test_clusters);
      ADD ("/map/stacked-incidents", test_stacked_incidents);
      ADD ("/map/trails", test_trails);
      ADD ("/map/mbtiles-base-map", test_mbtiles_base_map);
      ADD ("/map/police-grids", test_police_grids);
      ADD ("/map/small-grids-without-outlines", test_small_grids_without_outlines);
      ADD ("/map/station-badges-thinned", test_station_badges_thinned);
    }
#undef ADD
  return g_test_run ();
}
