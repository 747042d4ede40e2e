/* SPDX-License-Identifier: GPL-3.0-or-later
 * The generated city reference, and case numbers per street: each street
 * its own prefix and gap-free sequence, the same after a reopen, a rebuild
 * and a second run of the same commands. */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "wg-city.h"
#include "wg-reference-rules.h"
#include "wg-store-reference.h"
#include "test-demo.h"
#include "tests/common/test-sanitizer.h"

#define SEED 20261207
/* Under AddressSanitizer (CI's LeakSanitizer stage, where building a
 * street's grids is most of this test's time) cities of fewer streets,
 * the same checks; natively 12 and 4. */
#define SOME_STREETS TEST_SAMPLE (12, 3)
#define FEW_STREETS TEST_SAMPLE (4, 2)

static char *
bundle_text (JsonObject *bundle)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), bundle);

  return json_to_string (node, FALSE);
}

/* The counts scale with the streets: ten stations and 200 grids each. */
static void
test_city_of (gconstpointer data)
{
  guint n_streets = GPOINTER_TO_UINT (data);
  g_autoptr(WgReference) base = test_demo_reference ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) city = wg_city_new_reference (base, n_streets, SEED, &error);
  g_autoptr(GPtrArray) grids = NULL;
  g_autoptr(GHashTable) prefixes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) per_street = g_hash_table_new (NULL, NULL);
  g_autoptr(WgRules) rules = NULL;
  GPtrArray *streets;

  g_assert_no_error (error);
  streets = wg_reference_get_streets (city);
  g_assert_cmpuint (streets->len, ==, n_streets);
  g_assert_true (wg_reference_get_root (city) == g_ptr_array_index (streets, 0));
  g_assert_cmpuint (wg_reference_get_stations (city)->len, ==, 10 * n_streets);
  grids = wg_reference_dup_grids_at_level (city, 3);
  g_assert_cmpuint (grids->len, ==, 200 * n_streets);
  g_assert_cmpstr (wg_reference_get_street_code (city), ==, "GZ");

  for (guint i = 0; i < streets->len; i++)
    {
      WgGrid *street = g_ptr_array_index (streets, i);

      /* A Guangzhou district (4401xx) and a street number. */
      g_assert_cmpuint (strlen (street->code), ==, 9);
      g_assert_true (g_str_has_prefix (street->code, "4401"));
      g_assert_nonnull (street->name_en);
      g_assert_true (g_str_has_suffix (street->name_zh, "街道"));
      g_assert_nonnull (street->case_prefix);
      g_assert_true (g_hash_table_add (prefixes, street->case_prefix));
      g_assert_cmpuint (street->children->len, ==, WG_CITY_COMMUNITIES);
    }
  for (guint i = 0; i < grids->len; i++)
    {
      WgGrid *grid = g_ptr_array_index (grids, i);
      WgGrid *street = wg_grid_get_street (grid);

      g_hash_table_insert (per_street, street,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (per_street, street)) + 1));
      g_assert_nonnull (grid->station);
      g_assert_true (wg_grid_get_street (grid->station->grid) == street);
    }
  for (guint i = 0; i < streets->len; i++)
    g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (per_street, streets->pdata[i])), ==, 200);

  /* Each grid has its worker; a point lies in one grid of one street. */
  rules = wg_reference_build_rules (city, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < grids->len; i += n_streets < 100 ? 97 : 997)
    {
      WgGrid *grid = g_ptr_array_index (grids, i);
      g_autofree char *prefix = wg_rules_dup_case_prefix (rules, grid->code);
      g_autofree char *resolved = wg_rules_resolve_grid (rules, grid->centroid_lat, grid->centroid_lon);
      gboolean has_worker = FALSE;

      for (guint k = 0; k < grid->responsible->len; k++)
        has_worker |= ((WgForce *) grid->responsible->pdata[k])->type == WG_FORCE_GRID_WORKER;
      g_assert_true (has_worker);
      g_assert_cmpstr (prefix, ==, wg_grid_get_street (grid)->case_prefix);
      g_assert_cmpstr (resolved, ==, grid->code);
    }
}

static void
test_city_deterministic (void)
{
  g_autoptr(WgReference) base = test_demo_reference ();
  g_autoptr(JsonObject) one = wg_city_build_bundle (base, FEW_STREETS, SEED);
  g_autoptr(JsonObject) two = wg_city_build_bundle (base, FEW_STREETS, SEED);
  g_autoptr(JsonObject) other = wg_city_build_bundle (base, FEW_STREETS, SEED + 1);
  g_autofree char *one_text = bundle_text (one);
  g_autofree char *two_text = bundle_text (two);
  g_autofree char *other_text = bundle_text (other);

  g_assert_cmpstr (one_text, ==, two_text);
  g_assert_cmpstr (one_text, !=, other_text);
}

static void
set_street_prefix (JsonObject *bundle,
                   guint       street,
                   const char *prefix)
{
  JsonArray *features = json_object_get_array_member (json_object_get_object_member (bundle, "grids"), "features");
  guint seen = 0;

  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      JsonObject *props = json_object_get_object_member (json_array_get_object_element (features, i), "properties");

      if (json_object_get_int_member (props, "level") == 1 && seen++ == street)
        json_object_set_string_member (props, "case_prefix", prefix);
    }
}

static void
test_city_bad_prefixes (void)
{
  g_autoptr(WgReference) base = test_demo_reference ();
  const struct { const char *prefix; int code; } cases[] = {
    { "LW01", WG_REFERENCE_ERROR_DUPLICATE },   /* the first street's */
    { "LW-2", WG_REFERENCE_ERROR_INVALID },
    { "", WG_REFERENCE_ERROR_INVALID },
    { "ABCDEFGHIJKLMNOPQ", WG_REFERENCE_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) bundle = wg_city_build_bundle (base, 2, SEED);
      g_autoptr(GError) error = NULL;
      g_autoptr(WgReference) city = NULL;

      set_street_prefix (bundle, 1, cases[i].prefix);
      city = wg_reference_load_bundle (bundle, &error);
      g_assert_null (city);
      g_assert_error (error, WG_REFERENCE_ERROR, cases[i].code);
    }
}

/* Reports at @points (street index, or -1: near the city but in no grid)
 * one minute apart from 09:00 on 2026-12-07 (the last one the next day);
 * returns their case numbers. */
static GPtrArray *
report_all (WgStore     *store,
            WgReference *city,
            const int   *points,
            guint        n,
            guint        first)
{
  GPtrArray *numbers = g_ptr_array_new_with_free_func (g_free);
  WgActor dispatcher = { .username = (char *) "dispatcher", .role = WG_ROLE_DISPATCHER };

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WgCommand) report = NULL;
      g_autoptr(GPtrArray) events = NULL;
      g_autofree char *text = NULL;
      WgIncidentRecord incident = { 0 };
      gboolean replayed = FALSE;
      double lat, lon;
      gint64 at = i + 1 == n ? test_shanghai_ms (2026, 12, 8, 9, 0)
                             : test_shanghai_ms (2026, 12, 7, 9, 0) + (gint64) (first + i) * 60000;

      if (points[i] >= 0)
        {
          /* A different community of the street each time. */
          WgGrid *street = g_ptr_array_index (wg_reference_get_streets (city), points[i]);
          WgGrid *community = g_ptr_array_index (street->children, (first + i) % street->children->len);
          WgGrid *grid = g_ptr_array_index (community->children, 0);

          lat = grid->centroid_lat;
          lon = grid->centroid_lon;
        }
      else
        {
          /* 1 km north of the first street: within the centre's margin. */
          lat = wg_reference_get_root (city)->centroid_lat + 0.03;
          lon = wg_reference_get_root (city)->centroid_lon;
        }
      text = g_strdup_printf ("{\"id\":\"6f1c0a5e-2d3b-4b8e-9a71-%012u\",\"type\":\"incident.report\","
                              "\"body\":{\"grade\":\"general\",\"category\":\"garbage\","
                              "\"location\":{\"lat\":%.7f,\"lon\":%.7f},\"summary\":\"垃圾堆放\"}}",
                              first + i, lat, lon);
      report = wg_command_from_string (text, -1, &error);
      g_assert_no_error (error);
      g_assert_true (wg_store_execute_command (store, report, &dispatcher, at, &events, &replayed, &error));
      g_assert_no_error (error);
      g_assert_true (wg_store_get_incident (store, ((WgEvent *) events->pdata[0])->incident, &incident, &error));
      g_ptr_array_add (numbers, g_strdup (incident.case_number));
      wg_incident_record_clear (&incident);
    }
  return numbers;
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *file = g_build_filename (dir, name, NULL);
      g_unlink (file);
    }
  g_rmdir (dir);
}

static WgStore *
open_store (const char  *dir,
            const char  *name,
            WgReference *city)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (dir, name, NULL);
  WgStore *store = wg_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (wg_store_adopt_reference (store, city, &error));
  g_assert_no_error (error);
  return store;
}

static void
test_numbering_per_street (void)
{
  g_autoptr(WgReference) base = test_demo_reference ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) city = wg_city_new_reference (base, 2, SEED, &error);
  g_autofree char *dir = g_dir_make_tmp ("wangge-city-XXXXXX", &error);
  g_autoptr(WgStore) store = NULL;
  g_autoptr(WgStore) again = NULL;
  g_autoptr(GPtrArray) numbers = NULL, more = NULL, second_run = NULL;
  g_autofree char *before = NULL, *after = NULL;
  const char *a, *b;
  /* Streets A (0) and B (1) in turn, one case in no street, then B the next day. */
  const int points[] = { 0, 1, 0, 0, 1, -1, 0, 1 };
  const char *expected[] = {
    "%A-20261207-0001", "%B-20261207-0001", "%A-20261207-0002", "%A-20261207-0003",
    "%B-20261207-0002", "GZ-20261207-0001", "%A-20261207-0004", "%B-20261208-0001",
  };
  const int later[] = { 1, 0, 1 };
  const char *later_expected[] = { "%B-20261207-0003", "%A-20261207-0005", "%B-20261208-0002" };

  g_assert_no_error (error);
  a = ((WgGrid *) g_ptr_array_index (wg_reference_get_streets (city), 0))->case_prefix;
  b = ((WgGrid *) g_ptr_array_index (wg_reference_get_streets (city), 1))->case_prefix;
  g_assert_cmpstr (a, !=, b);

  store = open_store (dir, "journal.db", city);
  numbers = report_all (store, city, points, G_N_ELEMENTS (points), 0);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *want = g_strdup (expected[i]);

      if (want[0] == '%')
        {
          g_autofree char *tail = g_strdup (want + 2);
          g_free (want);
          want = g_strconcat (expected[i][1] == 'A' ? a : b, tail, NULL);
        }
      g_assert_cmpstr (numbers->pdata[i], ==, want);
    }

  /* Reopened, each street's sequence goes on where it stopped. */
  g_clear_pointer (&store, wg_store_unref);
  store = open_store (dir, "journal.db", city);
  more = report_all (store, city, later, G_N_ELEMENTS (later), 100);
  for (guint i = 0; i < G_N_ELEMENTS (later_expected); i++)
    {
      g_autofree char *want = g_strconcat (later_expected[i][1] == 'A' ? a : b, later_expected[i] + 2, NULL);
      g_assert_cmpstr (more->pdata[i], ==, want);
    }

  /* Projected again from the journal: the same cases. */
  before = wg_store_dump_state (store, &error);
  g_assert_no_error (error);
  g_assert_true (wg_store_rebuild (store, &error));
  after = wg_store_dump_state (store, &error);
  g_assert_cmpstr (before, ==, after);

  /* The same commands on a new journal: the same numbers. */
  again = open_store (dir, "again.db", city);
  second_run = report_all (again, city, points, G_N_ELEMENTS (points), 0);
  for (guint i = 0; i < numbers->len; i++)
    g_assert_cmpstr (second_run->pdata[i], ==, numbers->pdata[i]);

  g_clear_pointer (&store, wg_store_unref);
  g_clear_pointer (&again, wg_store_unref);
  remove_dir (dir);
}

static void
test_exercise_mark (void)
{
  g_autoptr(WgRules) rules = wg_rules_new ();
  g_autofree char *plain = NULL, *street = NULL, *marked = NULL, *outside = NULL;

  wg_rules_add_street (rules, "440106001", "TH01");
  plain = wg_rules_dup_case_prefix (rules, NULL);
  street = wg_rules_dup_case_prefix (rules, "440106001003017");
  wg_rules_set_case_mark (rules, "EX-");
  marked = wg_rules_dup_case_prefix (rules, "440106001003017");
  outside = wg_rules_dup_case_prefix (rules, "440106002003017");
  g_assert_cmpstr (plain, ==, "HL");
  g_assert_cmpstr (street, ==, "TH01");
  g_assert_cmpstr (marked, ==, "EX-TH01");
  g_assert_cmpstr (outside, ==, "EX-HL");
}

int
main (int   argc,
      char *argv[])
{
  /* --part=1: all but the city of 100 streets (2 s here, minutes under
   * LeakSanitizer's full stacks: a slow test of its own, --part=2). */
  const char *part = argc > 1 && g_str_has_prefix (argv[argc - 1], "--part=") ? argv[argc - 1] + 7 : "";
  g_autofree char *some_streets = NULL;

  if (*part != '\0')
    argc--;
  g_test_init (&argc, &argv, NULL);
  if (!g_str_equal (part, "1"))
    g_test_add_data_func ("/city/100-streets", GUINT_TO_POINTER (WG_CITY_STREETS), test_city_of);
  if (g_str_equal (part, "2"))
    return g_test_run ();
  some_streets = g_strdup_printf ("/city/%u-streets", SOME_STREETS);
  g_test_add_data_func (some_streets, GUINT_TO_POINTER (SOME_STREETS), test_city_of);
  g_test_add_func ("/city/deterministic", test_city_deterministic);
  g_test_add_func ("/city/bad-prefixes", test_city_bad_prefixes);
  g_test_add_func ("/city/numbering-per-street", test_numbering_per_street);
  g_test_add_func ("/city/exercise-mark", test_exercise_mark);
  return g_test_run ();
}
