/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console's load of a city's reference (wg-reference-cache.c): the
 * model from the JSON bundle's text (baseline, what the console read until
 * the binary reference) against the model from the binary reference
 * (wg-reference-blob.h), each from the bytes of a file in memory, best of
 * a few rounds, in this process; and the server's build of the binary
 * reference from its model, once per round.  No display, no server.
 *
 *   _build/bench/bench-reference-load [--streets N] [--rounds N]
 */
#include "config.h"

#include <string.h>

#include "wg-city.h"
#include "wg-reference-blob.h"
#include "test-demo.h"

static double
seconds_since (gint64 start_us)
{
  return (g_get_monotonic_time () - start_us) / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  int streets = WG_CITY_STREETS, rounds = 3;
  GOptionEntry entries[] = {
    { "streets", 0, 0, G_OPTION_ARG_INT, &streets, "Streets of the city (default 100)", "N" },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Rounds of each load (default 3)", "N" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) base = NULL;
  g_autoptr(JsonObject) bundle = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GBytes) blob = NULL;
  double best_json = G_MAXDOUBLE, best_blob = G_MAXDOUBLE, best_build = G_MAXDOUBLE;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || streets < 1 || rounds < 1)
    {
      g_printerr ("%s\n", error != NULL ? error->message : "--streets and --rounds: 1 or more");
      return 2;
    }

  base = test_demo_reference ();
  bundle = wg_city_build_bundle (base, streets, WG_CITY_DEFAULT_SEED);
  json_object_set_string_member (bundle, "timezone", wg_reference_get_time_zone_id (base));
  node = json_node_init_object (json_node_alloc (), bundle);
  text = json_to_string (node, FALSE);
  {
    g_autoptr(WgReference) city = wg_reference_load_bundle_text (text, strlen (text), &error);

    g_assert_no_error (error);
    for (int r = 0; r < rounds; r++)
      {
        gint64 start = g_get_monotonic_time ();

        g_clear_pointer (&blob, g_bytes_unref);
        blob = wg_reference_blob_build (city, bundle);
        best_build = MIN (best_build, seconds_since (start));
      }
  }
  g_print ("city of %d streets: JSON %.1f MB, binary %.1f MB, built by the server in %.0f ms (best)\n", streets,
           strlen (text) / 1e6, g_bytes_get_size (blob) / 1e6, best_build * 1e3);

  for (int r = 0; r < rounds; r++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(WgReference) from_json = wg_reference_load_bundle_text (text, strlen (text), &error);
      double json_s = seconds_since (start);
      g_autoptr(WgReference) from_blob = NULL;
      double blob_s;

      g_assert_no_error (error);
      g_clear_object (&from_json);
      start = g_get_monotonic_time ();
      from_blob = wg_reference_load_blob (blob, &error);
      g_assert_no_error (error);
      blob_s = seconds_since (start);
      g_print ("round %d: JSON %.0f ms, binary %.0f ms\n", r + 1, json_s * 1e3, blob_s * 1e3);
      best_json = MIN (best_json, json_s);
      best_blob = MIN (best_blob, blob_s);
    }
  g_print ("best: JSON %.0f ms (baseline), binary %.0f ms: %.2fx the JSON load\n", best_json * 1e3,
           best_blob * 1e3, best_blob / best_json);
  return 0;
}
