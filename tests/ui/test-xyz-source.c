/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The online base map against a real tile server on loopback: tiles are
 * served and cached in our directory; once the server is gone the cached
 * tiles still show (also after a "restart") and the view says offline.
 */
#include "config.h"

#include <libsoup/soup.h>

#include "map-test-util.h"
#include "wg-xyz-source.h"
#include "test-files.h"

#define W 800
#define H 600
#define TILE_RGB 0x22aacc

typedef struct
{
  SoupServer *server;
  GBytes     *tile;
  guint       requests;
  char       *url;
  char       *cache_dir;
} Fixture;

static void
tile_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fixture *f = user_data;
  int z, x, y;

  f->requests++;
  if (sscanf (path, "/tiles/%d/%d/%d.png", &z, &x, &y) != 3)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_append (soup_server_message_get_response_headers (msg), "ETag", "\"v1\"");
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (f->tile, NULL), g_bytes_get_size (f->tile));
}

static void
big_handler (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
  gsize size = 5 * 1024 * 1024;
  guint8 *data = g_malloc0 (size);

  memcpy (data, png, sizeof png);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_TAKE, (char *) data, size);
}

static void
start_server (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, "/tiles", tile_handler, f, NULL);
  soup_server_add_handler (f->server, "/big", big_handler, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->url = g_strdup_printf ("xyz:http://127.0.0.1:%d/tiles/{z}/{x}/{y}.png", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
stop_server (Fixture *f)
{
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->tile = map_test_png_tile (TILE_RGB);
  f->cache_dir = g_dir_make_tmp ("wg-xyz-cache-XXXXXX", &error);
  g_assert_no_error (error);
  start_server (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->server)
    stop_server (f);
  test_rm_rf (f->cache_dir);
  g_free (f->cache_dir);
  g_free (f->url);
  g_bytes_unref (f->tile);
}

typedef struct
{
  GtkWidget *window;
  WgMapView *view;
} View;

static View
open_view (Fixture *f)
{
  View v;

  v.view = WG_MAP_VIEW (wg_map_view_new ());
  wg_map_view_set_fly_duration (v.view, 0);
  map_test_hide_overlays (v.view);
  wg_map_view_set_cache_dir (v.view, f->cache_dir);
  wg_map_view_set_base_map (v.view, f->url);
  g_assert_null (wg_map_view_get_base_map_error (v.view));
  v.window = map_test_window (v.view, W, H);
  wg_map_view_fly_to (v.view, 23.21, 113.29, 15);
  map_test_wait_frames (v.window, 2);
  return v;
}

static WgXyzSource *
view_source (View *v)
{
  /* The renderer's data source is not public API; the count of tiles on
   * screen is what matters, so read it through the pixels instead where
   * possible, and through the source for counters. */
  ShumateMapSource *ref = shumate_viewport_get_reference_map_source (wg_map_view_get_viewport (v->view));
  ShumateDataSource *ds = NULL;

  g_object_get (ref, "data-source", &ds, NULL);
  g_assert_true (WG_IS_XYZ_SOURCE (ds));
  g_object_unref (ds);   /* the renderer keeps it */
  return WG_XYZ_SOURCE (ds);
}

static gboolean
shows_tile (gpointer data)
{
  View *v = data;

  gtk_widget_queue_draw (v->window);
  return map_test_pixel (GTK_WIDGET (v->view), W / 2, H / 2) == TILE_RGB
         && map_test_pixel (GTK_WIDGET (v->view), 10, 10) == TILE_RGB;
}

static gboolean
is_offline (gpointer data)
{
  return wg_map_view_get_offline (((View *) data)->view);
}

static void
test_serves_caches_and_survives_outage (Fixture *f, gconstpointer data)
{
  View v = open_view (f);
  WgXyzSource *source = view_source (&v);
  guint cached_files;

  /* Online: tiles are downloaded and drawn */
  g_assert_true (map_test_wait_until (shows_tile, &v, 10000));
  g_assert_cmpuint (f->requests, >, 0);
  g_assert_cmpuint (wg_xyz_source_get_n_downloaded (source), >, 0);
  g_assert_false (wg_map_view_get_offline (v.view));
  g_assert_cmpstr (wg_xyz_source_get_cache_dir (source), ==, f->cache_dir);

  /* ... and cached in our directory (the writes are asynchronous) */
  for (guint i = 0; i < 200 && map_test_count_files (f->cache_dir, ".png") == 0; i++)
    g_main_context_iteration (NULL, FALSE), g_usleep (10000);
  cached_files = map_test_count_files (f->cache_dir, ".png");
  g_test_message ("%u tiles downloaded, %u cached files", wg_xyz_source_get_n_downloaded (source), cached_files);
  g_assert_cmpuint (cached_files, >, 0);
  map_test_wait_frames (v.window, 5);

  /* The server goes away */
  stop_server (f);

  /* Panning to where nothing is cached fails: the view says offline */
  wg_map_view_fly_to (v.view, 23.21, 113.40, 15);
  g_assert_true (map_test_wait_until (is_offline, &v, 10000));
  g_assert_cmpuint (wg_xyz_source_get_n_failed (source), >, 0);

  /* Back where we were: the cached tiles are still drawn */
  wg_map_view_fly_to (v.view, 23.21, 113.29, 15);
  g_assert_true (map_test_wait_until (shows_tile, &v, 10000));
  gtk_window_destroy (GTK_WINDOW (v.window));

  /* A fresh view (the console restarted, still no network) draws the
   * cached tiles without the server. */
  v = open_view (f);
  source = view_source (&v);
  g_assert_true (map_test_wait_until (shows_tile, &v, 10000));
  g_assert_cmpuint (wg_xyz_source_get_n_from_cache (source), >, 0);
  g_assert_cmpuint (wg_xyz_source_get_n_downloaded (source), ==, 0);
  wg_map_view_fly_to (v.view, 23.30, 113.50, 15);
  g_assert_true (map_test_wait_until (is_offline, &v, 10000));

  /* A switch back to the schematic map clears the offline notice */
  wg_map_view_set_base_map (v.view, "schematic");
  g_assert_false (wg_map_view_get_offline (v.view));
  gtk_window_destroy (GTK_WINDOW (v.window));
}

static gboolean
failed_once (gpointer data)
{
  View *v = data;
  return wg_xyz_source_get_n_failed (view_source (v)) > 0;
}

static void
check_refused (Fixture    *f,
               const char *prefix)
{
  View v;
  char *p = strstr (f->url, "/tiles/");

  memcpy (p, prefix, 7);
  v = open_view (f);
  g_assert_true (map_test_wait_until (failed_once, &v, 10000));
  g_assert_false (wg_map_view_get_offline (v.view));
  g_assert_cmpuint (wg_xyz_source_get_n_downloaded (view_source (&v)), ==, 0);
  g_assert_cmpuint (map_test_count_files (f->cache_dir, ".png"), ==, 0);
  gtk_window_destroy (GTK_WINDOW (v.window));
  memcpy (strstr (f->url, prefix), "/tiles/", 7);
}

static void
test_http_error_is_not_offline (Fixture *f, gconstpointer data)
{
  /* 404: the map is online, the tiles are just missing. */
  check_refused (f, "/nopes/");
  /* 5 MiB "tiles": refused, nothing cached. */
  check_refused (f, "/big/x/");
}

static void
test_url_template (Fixture *f, gconstpointer data)
{
  g_autoptr(WgXyzSource) source = wg_xyz_source_new ("https://t{s}.example.cn/{z}/{x}/{y}.png?tk=KEY&tms={-y}",
                                                     f->cache_dir);
  g_autofree char *uri = wg_xyz_source_dup_tile_uri (source, 3, 5, 4);

  g_assert_cmpstr (uri, ==, "https://tc.example.cn/4/3/5.png?tk=KEY&tms=10");
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
  if (!gtk_init_check ())
    g_test_add_func ("/xyz/no-display", skip_no_display);
  else
    {
      g_test_add ("/xyz/url-template", Fixture, NULL, fixture_setup, test_url_template, fixture_teardown);
      g_test_add ("/xyz/serve-cache-offline", Fixture, NULL, fixture_setup,
                  test_serves_caches_and_survives_outage, fixture_teardown);
      g_test_add ("/xyz/http-error-not-offline", Fixture, NULL, fixture_setup,
                  test_http_error_is_not_offline, fixture_teardown);
    }
  return g_test_run ();
}
