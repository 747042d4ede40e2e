/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>
#include <unistd.h>

#include "wg-server-config.h"

static char *
write_temp (const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("wg-config-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_defaults (void)
{
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (config->address, ==, "127.0.0.1");
  g_assert_cmpuint (config->port, ==, 8470);
  g_assert_cmpuint (config->body_max_bytes, ==, 1024 * 1024);
  g_assert_cmpuint (config->json_max_depth, ==, 64);
  g_assert_cmpuint (config->ws_max_message_bytes, ==, 64 * 1024);
  g_assert_cmpuint (config->keep_interval_seconds, ==, 15);
  g_assert_cmpfloat (config->keep_distance_meters, ==, 25.0);
  g_assert_cmpuint (config->retention_days, ==, 90);
  g_assert_cmpuint (config->broadcast_interval_ms, ==, 1000);
  g_assert_true (wg_server_config_validate (config, &error));
  g_assert_no_error (error);
}

static void
test_file_overrides (void)
{
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = write_temp ("[server]\naddress=::1\nport=9000\ndata-dir=/srv/wg\n"
                                      "[limits]\nbody-max-bytes=4096\njson-max-depth=16\nstream-queue-max=32\n"
                                      "[positions]\nkeep-interval-seconds=5\nkeep-distance-meters=12.5\n"
                                      "retention-days=30\nbroadcast-interval-ms=250\n");

  g_assert_true (wg_server_config_load_file (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->address, ==, "::1");
  g_assert_cmpuint (config->port, ==, 9000);
  g_assert_cmpstr (config->data_dir, ==, "/srv/wg");
  g_assert_cmpuint (config->body_max_bytes, ==, 4096);
  g_assert_cmpuint (config->json_max_depth, ==, 16);
  g_assert_cmpuint (config->stream_queue_max, ==, 32);
  g_assert_cmpuint (config->keep_interval_seconds, ==, 5);
  g_assert_cmpfloat (config->keep_distance_meters, ==, 12.5);
  g_assert_cmpuint (config->retention_days, ==, 30);
  g_assert_cmpuint (config->broadcast_interval_ms, ==, 250);
  /* Untouched keys keep their defaults. */
  g_assert_cmpuint (config->ws_max_message_bytes, ==, 64 * 1024);
  g_unlink (path);
}

static void
test_bad_values_are_errors (void)
{
  const char *texts[] = {
    "[server]\nport=70000\n",
    "[server]\nport=-1\n",
    "[limits]\nbody-max-bytes=lots\n",
    "[limits]\njson-max-depth=1\n",
    "[positions]\nretention-days=0\n",
    "[positions]\nkeep-distance-meters=-3\n",
    "not a key file",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(WgServerConfig) config = wg_server_config_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *path = write_temp (texts[i]);

      g_test_message ("%s", texts[i]);
      g_assert_false (wg_server_config_load_file (config, path, &error));
      g_assert_nonnull (error);
      g_unlink (path);
    }
}

static void
test_demo_only_on_loopback (void)
{
  const struct {
    const char *address;
    gboolean    ok;
  } cases[] = {
    { "127.0.0.1", TRUE },
    { "127.0.0.2", TRUE },
    { "::1", TRUE },
    { "0.0.0.0", FALSE },
    { "::", FALSE },
    { "192.168.1.10", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WgServerConfig) config = wg_server_config_new ();
      g_autoptr(GError) error = NULL;

      g_free (config->address);
      config->address = g_strdup (cases[i].address);
      config->demo = TRUE;
      g_assert_cmpint (wg_server_config_validate (config, &error), ==, cases[i].ok);
      if (!cases[i].ok)
        g_assert_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_NOT_LOOPBACK);
      /* Without --demo any address will do. */
      config->demo = FALSE;
      g_clear_error (&error);
      g_assert_true (wg_server_config_validate (config, &error));
    }
}

static void
test_demo_anchor (void)
{
  const struct {
    const char *anchor;
    gboolean    ok;
  } cases[] = {
    { "2026-11-28", TRUE },
    { "2024-02-29", TRUE },
    { "2026-02-29", FALSE },
    { "2026-13-01", FALSE },
    { "2026-1-1", FALSE },
    { "2026-11-28x", FALSE },
    { "yesterday", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WgServerConfig) config = wg_server_config_new ();
      g_autoptr(GError) error = NULL;

      config->demo = TRUE;
      config->demo_anchor = g_strdup (cases[i].anchor);
      g_test_message ("%s", cases[i].anchor);
      g_assert_cmpint (wg_server_config_validate (config, &error), ==, cases[i].ok);
    }
}

/* A city's demo: 1 to 1000 streets, an incident scale in (0, 100]. */
static void
test_demo_city (void)
{
  const struct {
    guint    streets;
    double   scale;
    gboolean ok;
  } cases[] = {
    { 1, 1.0, TRUE },
    { 100, 3.0, TRUE },
    { 1000, 100.0, TRUE },
    { 0, 1.0, FALSE },
    { 1001, 1.0, FALSE },
    { G_MAXUINT, 1.0, FALSE },
    { 100, 0.0, FALSE },
    { 100, -1.0, FALSE },
    { 100, 101.0, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WgServerConfig) config = wg_server_config_new ();
      g_autoptr(GError) error = NULL;

      config->demo = TRUE;
      config->demo_streets = cases[i].streets;
      config->demo_incident_scale = cases[i].scale;
      g_test_message ("%u streets, scale %g", cases[i].streets, cases[i].scale);
      g_assert_cmpint (wg_server_config_validate (config, &error), ==, cases[i].ok);
    }
}

/* The metrics token must not be guessable; the request log is on or off. */
static void
test_metrics_and_log (void)
{
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *good = write_temp ("[metrics]\ntoken=0123456789abcdef\n[log]\nrequests=true\n");
  g_autofree char *short_token = write_temp ("[metrics]\ntoken=secret\n");
  g_autofree char *bad_log = write_temp ("[log]\nrequests=sometimes\n");

  g_assert_null (config->metrics_token);
  g_assert_false (config->log_requests);
  g_assert_true (wg_server_config_load_file (config, good, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->metrics_token, ==, "0123456789abcdef");
  g_assert_true (config->log_requests);
  g_assert_true (wg_server_config_validate (config, &error));
  g_assert_no_error (error);

  g_assert_true (wg_server_config_load_file (config, short_token, &error));
  g_assert_false (wg_server_config_validate (config, &error));
  g_assert_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_false (wg_server_config_load_file (config, bad_log, &error));
  g_assert_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID);
  g_unlink (good);
  g_unlink (short_token);
  g_unlink (bad_log);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server-config/defaults", test_defaults);
  g_test_add_func ("/server-config/file-overrides", test_file_overrides);
  g_test_add_func ("/server-config/bad-values", test_bad_values_are_errors);
  g_test_add_func ("/server-config/demo-loopback", test_demo_only_on_loopback);
  g_test_add_func ("/server-config/demo-anchor", test_demo_anchor);
  g_test_add_func ("/server-config/demo-city", test_demo_city);
  g_test_add_func ("/server-config/metrics-and-log", test_metrics_and_log);

  return g_test_run ();
}
