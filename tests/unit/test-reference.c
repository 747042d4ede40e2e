/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reference loader on a tiny world written into a temporary directory:
 * what it links, and what it says about broken files.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "wg-reference.h"
#include "test-demo.h"

static const char *world_json =
  "{\"format\": \"wangge-world/1\", \"synthetic\": true, \"name_zh\": \"测试街道\",\n"
  " \"street_code\": \"TS\", \"time_zone\": \"Asia/Shanghai\",\n"
  " \"centre\": {\"lat\": 23.0005, \"lon\": 113.0005},\n"
  " \"calendar\": {\"work_week\": [1, 2, 3, 4, 5],\n"
  "   \"work_hours\": [{\"start\": \"08:30\", \"end\": \"12:00\"}, {\"start\": \"14:00\", \"end\": \"17:30\"}],\n"
  "   \"holidays\": [\"2026-10-02\", \"2026-10-01\"], \"workdays\": [\"2026-10-10\"]}}\n";

static const char *departments_json =
  "{\"departments\": [\n"
  " {\"code\": \"police\", \"name_zh\": \"公安\", \"account\": \"dept-police\", \"stationed\": true},\n"
  " {\"code\": \"fire\", \"name_zh\": \"消防\", \"account\": \"dept-fire\"}]}\n";

/* Street = community = [113.000, 113.002] x [23.000, 23.001]; two grids. */
#define SQ(a, b) "[[[" a ", 23.000], [" b ", 23.000], [" b ", 23.001], [" a ", 23.001], [" a ", 23.000]]]"
static const char *grids_json =
  "{\"type\": \"FeatureCollection\", \"features\": [\n"
  " {\"type\": \"Feature\", \"properties\": {\"code\": \"100000001001002\", \"name_zh\": \"东网格\", \"level\": 3,"
  "   \"parent\": \"100000001001\", \"households\": 300, \"responsible\": [\"gw-2\"]},"
  "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": " SQ ("113.001", "113.002") "}},\n"
  " {\"type\": \"Feature\", \"properties\": {\"code\": \"100000001\", \"name_zh\": \"测试街道\", \"level\": 1,"
  "   \"parent\": null},"
  "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": " SQ ("113.000", "113.002") "}},\n"
  " {\"type\": \"Feature\", \"properties\": {\"code\": \"100000001001\", \"name_zh\": \"一社区\", \"level\": 2,"
  "   \"parent\": \"100000001\", \"responsible\": [\"gl-1\"]},"
  "  \"geometry\": {\"type\": \"MultiPolygon\", \"coordinates\": [" SQ ("113.000", "113.002") "]}},\n"
  " {\"type\": \"Feature\", \"properties\": {\"code\": \"100000001001001\", \"name_zh\": \"西网格\", \"level\": 3,"
  "   \"parent\": \"100000001001\", \"households\": 100, \"responsible\": [\"gw-1\"]},"
  "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": " SQ ("113.000", "113.001") "}}]}\n";

static const char *stations_json =
  "{\"stations\": [{\"code\": \"100000001001\", \"name_zh\": \"一社区工作站\", \"grid\": \"100000001001\","
  " \"lat\": 23.0005, \"lon\": 113.0015, \"leader\": \"gl-1\"}]}\n";

static const char *forces_json =
  "{\"forces\": [\n"
  " {\"id\": \"gw-1\", \"type\": \"grid_worker\", \"name_zh\": \"王伟\", \"grid\": \"100000001001001\","
  "  \"lat\": 23.0005, \"lon\": 113.0005, \"speed\": \"foot\", \"capabilities\": [\"patrol\"], \"account\": \"worker-01\"},\n"
  " {\"id\": \"gw-2\", \"type\": \"grid_worker\", \"name_zh\": \"李娜\", \"grid\": \"100000001001002\","
  "  \"lat\": 23.0005, \"lon\": 113.0018, \"speed\": \"bicycle\", \"account\": \"worker-02\"},\n"
  " {\"id\": \"fh-1\", \"type\": \"five_head\", \"sub_kind\": \"building\", \"name_zh\": \"张敏\","
  "  \"grid\": \"100000001001001\", \"lat\": 23.0006, \"lon\": 113.0006, \"speed\": \"foot\", \"account\": \"worker-01\"},\n"
  " {\"id\": \"gl-1\", \"type\": \"grid_leader\", \"name_zh\": \"陈强\", \"station\": \"100000001001\","
  "  \"lat\": 23.0005, \"lon\": 113.0015, \"speed\": \"bicycle\", \"account\": \"gridleader-01\"},\n"
  " {\"id\": \"dt-police\", \"type\": \"department_team\", \"name_zh\": \"公安工作组\", \"department\": \"police\","
  "  \"lat\": 23.0005, \"lon\": 113.0010, \"speed\": \"car\", \"members\": 4, \"account\": \"dept-police\"},\n"
  " {\"id\": \"cp-1\", \"type\": \"community_police\", \"name_zh\": \"赵磊\", \"station\": \"100000001001\","
  "  \"lat\": 23.0005, \"lon\": 113.0002, \"speed\": \"car\", \"account\": \"police-01\"}]}\n";

/* The dual grid: one police grid made of both governance grids. */
static const char *police_grids_json =
  "{\"type\": \"FeatureCollection\", \"features\": [\n"
  " {\"type\": \"Feature\", \"properties\": {\"code\": \"100000001001JW01\", \"name_zh\": \"一社区第1警务网格\","
  "   \"station\": \"100000001001\", \"grids\": [\"100000001001001\", \"100000001001002\"], \"police\": [\"cp-1\"]},"
  "  \"geometry\": {\"type\": \"Polygon\", \"coordinates\": " SQ ("113.000", "113.002") "}}]}\n";

static const char *categories_json =
  "{\"categories\": [\n"
  " {\"code\": \"fire\", \"name_zh\": \"火灾\", \"name_en\": \"Fire\", \"grade\": \"emergency\","
  "  \"department\": \"fire\", \"class\": \"emergency\", \"weight\": 1,"
  "  \"limits\": {\"ack_seconds\": 60, \"dispatch_minutes\": 3, \"on_scene_minutes\": 10},"
  "  \"response_plan\": [{\"type\": \"grid_worker\", \"count\": 1}, {\"type\": \"department_team\", \"count\": 1}]},\n"
  " {\"code\": \"noise\", \"name_zh\": \"噪音扰民\", \"name_en\": \"Noise\", \"grade\": \"professional\","
  "  \"department\": \"police\", \"weight\": 3, \"limits\": {\"accept_hours\": 2, \"feedback_hours\": 24},"
  "  \"mediate_first\": true, \"call_back\": false}]}\n";

static const char *roster_json =
  "{\"shifts\": [{\"code\": \"day\", \"start\": \"08:00\", \"end\": \"20:00\"},"
  "             {\"code\": \"night\", \"start\": \"20:00\", \"end\": \"08:00\"}],\n"
  " \"duty_leaders\": [{\"account\": \"leader\", \"name_zh\": \"张建华\"}, {\"account\": \"leader-2\", \"name_zh\": \"李文斌\"}],\n"
  " \"rotation\": {\"anchor\": \"2025-01-01\", \"pattern\": [[\"leader\", \"leader-2\"], [\"leader-2\", \"leader\"]]},\n"
  " \"covering\": [{\"station\": \"100000001001\", \"account\": \"street-leader-01\", \"name_zh\": \"黄志峰\"}],\n"
  " \"chief\": {\"account\": \"chief\", \"name_zh\": \"罗国强\"},\n"
  " \"escalation\": {\"covering_after_seconds\": 30, \"chief_after_seconds\": 90}}\n";

static const struct { const char *name; const char **text; } files[] = {
  { "world.json", &world_json },
  { "departments.json", &departments_json },
  { "grids.geojson", &grids_json },
  { "stations.json", &stations_json },
  { "forces.json", &forces_json },
  { "categories.json", &categories_json },
  { "roster.json", &roster_json },
  { "police_grids.geojson", &police_grids_json },
};

/* Writes the fixture into a fresh temporary directory, with @file's text
 * changed by replacing @from with @to (all NULL: unchanged). */
static char *
write_world (const char *file,
             const char *from,
             const char *to)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("wg-reference-XXXXXX", &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i].name, NULL);
      g_autoptr(GString) text = g_string_new (*files[i].text);

      if (file && g_str_equal (file, files[i].name))
        {
          if (to == NULL)
            continue;   /* the file is missing */
          g_assert_cmpuint (g_string_replace (text, from, to, 1), ==, 1);
        }
      g_file_set_contents (path, text->str, text->len, &error);
      g_assert_no_error (error);
    }

  return dir;
}

static void
remove_world (const char *dir)
{
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i].name, NULL);
      g_remove (path);
    }
  g_rmdir (dir);
}

static void
test_load_and_link (void)
{
  g_autofree char *dir = write_world (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = wg_reference_load_dir (dir, &error);
  g_autoptr(GPtrArray) l3 = NULL;
  WgGrid *root, *west, *east;
  WgStation *station;
  WgForce *gw1;
  const WgCalendarConfig *cal;

  g_assert_no_error (error);
  g_assert_nonnull (ref);
  g_assert_cmpstr (wg_reference_get_name_zh (ref), ==, "测试街道");
  g_assert_cmpstr (wg_reference_get_street_code (ref), ==, "TS");
  g_assert_nonnull (wg_reference_get_time_zone (ref));
  g_assert_true (wg_reference_is_synthetic (ref));
  g_assert_cmpuint (wg_reference_get_max_level (ref), ==, 3);

  /* Level, then code order, whatever the file order. */
  root = wg_reference_get_root (ref);
  g_assert_cmpstr (root->code, ==, "100000001");
  g_assert_true (g_ptr_array_index (wg_reference_get_grids (ref), 0) == root);
  l3 = wg_reference_dup_grids_at_level (ref, 3);
  g_assert_cmpuint (l3->len, ==, 2);
  west = g_ptr_array_index (l3, 0);
  east = g_ptr_array_index (l3, 1);
  g_assert_cmpstr (west->code, ==, "100000001001001");
  g_assert_cmpstr (east->code, ==, "100000001001002");
  g_assert_true (west->parent->parent == root);
  g_assert_cmpuint (west->parent->children->len, ==, 2);
  g_assert_true (wg_grid_get_ancestor_at_level (east, 1) == root);
  g_assert_true (wg_grid_is_within (east, root));
  g_assert_false (wg_grid_is_within (east, west));
  g_assert_cmpstr (west->kind, ==, "grid");
  g_assert_cmpfloat_with_epsilon (west->area_m2, 102.3 * 110.7, 200);

  /* Point lookups resolve to the deepest grid. */
  g_assert_true (wg_reference_find_grid (ref, 23.0005, 113.0003) == west);
  g_assert_true (wg_reference_find_grid (ref, 23.0005, 113.0017) == east);
  g_assert_null (wg_reference_find_grid (ref, 23.0020, 113.0017));

  station = wg_reference_lookup_station (ref, "100000001001");
  g_assert_nonnull (station);
  g_assert_true (west->station == station && east->station == station);
  g_assert_true (station->leader == wg_reference_lookup_force (ref, "gl-1"));

  gw1 = wg_reference_lookup_force (ref, "gw-1");
  g_assert_true (gw1->grid == west);
  g_assert_true (gw1->station == station);
  g_assert_cmpuint (g_strv_length (gw1->capabilities), ==, 1);
  g_assert_cmpuint (gw1->members, ==, 1);
  g_assert_true (g_ptr_array_index (west->responsible, 0) == gw1);
  g_assert_cmpuint (wg_reference_lookup_force (ref, "dt-police")->members, ==, 4);
  g_assert_true (wg_reference_lookup_force (ref, "dt-police")->department ==
                 wg_reference_lookup_department (ref, "police"));
  g_assert_true (wg_reference_lookup_department (ref, "police")->stationed);
  g_assert_false (wg_reference_lookup_department (ref, "fire")->stationed);

  cal = wg_reference_get_calendar (ref);
  g_assert_cmpuint (cal->work_week, ==, 0x3e);
  g_assert_cmpuint (cal->work_periods->len, ==, 4);
  g_assert_cmpuint (g_array_index (cal->work_periods, guint, 0), ==, 510);
  g_assert_cmpstr (cal->holidays[0], ==, "2026-10-01");
  g_assert_cmpstr (cal->workdays[0], ==, "2026-10-10");
  remove_world (dir);
}

static void
test_forces_and_categories (void)
{
  g_autofree char *dir = write_world (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = wg_reference_load_dir (dir, &error);
  g_autoptr(GPtrArray) near = NULL;
  g_autoptr(GPtrArray) mine = NULL;
  WgCategory *fire;
  WgForceType t;
  guint counts[2] = { 0, 0 };

  g_assert_no_error (error);

  g_assert_cmpuint (wg_reference_get_forces_by_type (ref, WG_FORCE_GRID_WORKER)->len, ==, 2);
  near = wg_reference_dup_forces_near (ref, 23.0005, 113.0019, WG_FORCE_GRID_WORKER, 0, 0);
  g_assert_cmpuint (near->len, ==, 2);
  g_assert_cmpstr (((WgForce *) g_ptr_array_index (near, 0))->id, ==, "gw-2");
  g_clear_pointer (&near, g_ptr_array_unref);
  near = wg_reference_dup_forces_near (ref, 23.0005, 113.0019, WG_N_FORCE_TYPES, 50, 0);
  g_assert_cmpuint (near->len, ==, 2);   /* gw-2 (10 m) and gl-1 (41 m) */
  g_clear_pointer (&near, g_ptr_array_unref);
  near = wg_reference_dup_forces_near (ref, 23.0005, 113.0019, WG_N_FORCE_TYPES, 0, 1);
  g_assert_cmpuint (near->len, ==, 1);
  mine = wg_reference_dup_forces_for_account (ref, "worker-01");
  g_assert_cmpuint (mine->len, ==, 2);   /* the worker and the five head */

  /* 1 km at 5 km/h with a detour of 1.3: 936 s. */
  g_assert_cmpfloat_with_epsilon (wg_force_eta_seconds (wg_reference_lookup_force (ref, "gw-1"),
                                                        23.0, 113.0, 23.0 + 1000 / 111194.9, 113.0),
                                  936, 1);

  g_assert_true (wg_force_type_from_slug ("emergency_unit", &t));
  g_assert_cmpint (t, ==, WG_FORCE_EMERGENCY_UNIT);
  g_assert_false (wg_force_type_from_slug ("robot", &t));
  g_assert_cmpstr (wg_force_type_to_slug (WG_FORCE_FIVE_HEAD), ==, "five_head");

  fire = wg_reference_lookup_category (ref, "fire");
  g_assert_cmpstr (fire->grade, ==, "emergency");
  g_assert_cmpuint (fire->dispatch_seconds, ==, 180);
  g_assert_cmpuint (fire->on_scene_seconds, ==, 600);
  g_assert_cmpuint (fire->n_response_steps, ==, 2);
  g_assert_cmpint (fire->response_plan[1].type, ==, WG_FORCE_DEPARTMENT_TEAM);
  /* The full work-order cycle's flags and their defaults. */
  g_assert_false (fire->mediate_first);
  g_assert_cmpint (fire->call_back, ==, WG_CALL_BACK_BY_SOURCE);
  g_assert_true (wg_reference_lookup_category (ref, "noise")->mediate_first);
  g_assert_cmpint (wg_reference_lookup_category (ref, "noise")->call_back, ==, WG_CALL_BACK_NEVER);
  g_assert_cmpuint (wg_reference_lookup_category (ref, "noise")->feedback_hours, ==, 24);
  g_assert_null (wg_reference_lookup_category (ref, "flood"));

  /* Weights 1 : 3. */
  for (guint i = 0; i < 400; i++)
    counts[wg_reference_pick_category (ref, (i + 0.5) / 400) == fire ? 0 : 1]++;
  g_assert_cmpuint (counts[0], ==, 100);
  g_assert_true (wg_reference_pick_category (ref, 1.0) != NULL);

  /* Households 100 : 300. */
  g_assert_cmpstr (wg_reference_pick_grid (ref, 3, 0.2)->code, ==, "100000001001001");
  g_assert_cmpstr (wg_reference_pick_grid (ref, 3, 0.3)->code, ==, "100000001001002");
  g_assert_null (wg_reference_pick_grid (ref, 4, 0.3));
  remove_world (dir);
}

static void
test_roster (void)
{
  g_autofree char *dir = write_world (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = wg_reference_load_dir (dir, &error);
  g_autoptr(GPtrArray) chain = NULL;
  guint covering_s, chief_s;

  g_assert_no_error (error);

  /* Day 0 (anchor): day leader, night leader-2; day 1 swapped. */
  g_assert_cmpstr (wg_reference_get_duty_leader_at (ref, test_shanghai_ms (2025, 1, 1, 10, 0))->account, ==, "leader");
  g_assert_cmpstr (wg_reference_get_duty_leader_at (ref, test_shanghai_ms (2025, 1, 1, 21, 0))->account, ==, "leader-2");
  /* 03:00 on day 1 still belongs to day 0's night shift. */
  g_assert_cmpstr (wg_reference_get_duty_leader_at (ref, test_shanghai_ms (2025, 1, 2, 3, 0))->account, ==, "leader-2");
  g_assert_cmpstr (wg_reference_get_duty_leader_at (ref, test_shanghai_ms (2025, 1, 2, 8, 0))->account, ==, "leader-2");
  g_assert_cmpstr (wg_reference_get_duty_leader_at (ref, test_shanghai_ms (2025, 1, 2, 20, 0))->account, ==, "leader");
  /* Before the anchor the pattern runs backwards. */
  g_assert_cmpstr (wg_reference_get_duty_leader_at (ref, test_shanghai_ms (2024, 12, 31, 12, 0))->account, ==, "leader-2");
  g_assert_cmpuint (wg_reference_get_duty_leaders (ref)->len, ==, 2);

  chain = wg_reference_dup_escalation_chain (ref, wg_reference_lookup_grid (ref, "100000001001002"));
  g_assert_cmpuint (chain->len, ==, 2);
  g_assert_cmpstr (((WgPerson *) g_ptr_array_index (chain, 0))->account, ==, "street-leader-01");
  g_assert_cmpstr (((WgPerson *) g_ptr_array_index (chain, 1))->account, ==, "chief");
  g_clear_pointer (&chain, g_ptr_array_unref);
  /* The street itself has no work station: straight to the chief. */
  chain = wg_reference_dup_escalation_chain (ref, wg_reference_get_root (ref));
  g_assert_cmpuint (chain->len, ==, 1);
  wg_reference_get_escalation_delays (ref, &covering_s, &chief_s);
  g_assert_cmpuint (covering_s, ==, 30);
  g_assert_cmpuint (chief_s, ==, 90);
  remove_world (dir);
}

/* Deeper levels (Panlong's 4th and 5th) nest the same way; where they do
 * not cover their parent, lookups stop at the parent. */
static void
test_deeper_levels (void)
{
  g_autofree char *dir = write_world ("grids.geojson", "}}]}",
    "}},\n {\"type\": \"Feature\", \"properties\": {\"code\": \"100000001001001001\", \"name_zh\": \"第一楼栋网格\","
    " \"level\": 4, \"parent\": \"100000001001001\"},"
    " \"geometry\": {\"type\": \"Polygon\", \"coordinates\": " SQ ("113.000", "113.0005") "}}]}");
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = wg_reference_load_dir (dir, &error);
  g_autoptr(GPtrArray) l4 = NULL;
  WgGrid *deep, *west;

  g_assert_no_error (error);
  g_assert_cmpuint (wg_reference_get_max_level (ref), ==, 4);
  l4 = wg_reference_dup_grids_at_level (ref, 4);
  g_assert_cmpuint (l4->len, ==, 1);
  deep = g_ptr_array_index (l4, 0);
  west = wg_reference_lookup_grid (ref, "100000001001001");
  g_assert_true (deep->parent == west);
  g_assert_cmpstr (deep->kind, ==, "grid");
  g_assert_true (deep->station == west->station);
  g_assert_true (wg_grid_get_ancestor_at_level (deep, 2) == west->parent);
  g_assert_null (wg_grid_get_ancestor_at_level (west, 4));

  g_assert_true (wg_reference_find_grid (ref, 23.0005, 113.0002) == deep);
  g_assert_true (wg_reference_find_grid (ref, 23.0005, 113.0007) == west);
  remove_world (dir);
}

static void
test_bundle_round_trip (void)
{
  g_autofree char *dir = write_world (NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = wg_reference_load_dir (dir, &error);
  g_autoptr(WgReference) copy = NULL;
  g_autoptr(WgReference) broken = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) wrapped = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  json_node_set_object (wrapped, wg_reference_get_bundle (ref));
  text = json_to_string (wrapped, FALSE);
  g_assert_nonnull (strstr (text, "\"format\":\"wangge-reference/1\""));

  /* What a console does with GET /api/v1/reference. */
  node = json_from_string (text, &error);
  g_assert_no_error (error);
  copy = wg_reference_load_bundle (json_node_get_object (node), &error);
  g_assert_no_error (error);
  g_assert_null (wg_reference_get_dir (copy));
  g_assert_cmpuint (wg_reference_get_grids (copy)->len, ==, wg_reference_get_grids (ref)->len);
  g_assert_cmpuint (wg_reference_get_forces (copy)->len, ==, wg_reference_get_forces (ref)->len);
  g_assert_cmpstr (wg_reference_find_grid (copy, 23.0005, 113.0017)->code, ==, "100000001001002");
  g_assert_cmpstr (wg_reference_get_chief (copy)->account, ==, "chief");

  /* What a console does with its saved copy: a member at a time, no tree
   * kept; the same model. */
  {
    g_autoptr(WgReference) from_text = wg_reference_load_bundle_text (text, strlen (text), &error);
    g_autofree char *spaced = g_strdup_printf (" \n{ \"extra\" : [1, {\"a\": \"}\\\"\"}] ,%s", text + 1);
    g_autoptr(WgReference) from_spaced = NULL;
    g_autoptr(WgReference) damaged = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (json_object_get_size (wg_reference_get_bundle (from_text)), ==, 0);
    g_assert_cmpuint (wg_reference_get_grids (from_text)->len, ==, wg_reference_get_grids (ref)->len);
    g_assert_cmpuint (wg_reference_get_forces (from_text)->len, ==, wg_reference_get_forces (ref)->len);
    g_assert_cmpstr (wg_reference_find_grid (from_text, 23.0005, 113.0017)->code, ==, "100000001001002");
    g_assert_cmpstr (wg_reference_get_chief (from_text)->account, ==, "chief");
    /* Spaces, another member holding brackets and quotes in strings. */
    from_spaced = wg_reference_load_bundle_text (spaced, strlen (spaced), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (wg_reference_get_grids (from_spaced)->len, ==, wg_reference_get_grids (ref)->len);
    /* Cut short, not an object, nested too deep. */
    damaged = wg_reference_load_bundle_text (text, strlen (text) / 2, &error);
    g_assert_null (damaged);
    g_assert_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE);
    g_clear_error (&error);
    damaged = wg_reference_load_bundle_text ("[1, 2]", 6, &error);
    g_assert_null (damaged);
    g_assert_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE);
    g_clear_error (&error);
    {
      g_autoptr(GString) deep = g_string_new ("{\"world\": ");

      for (guint i = 0; i < 1000; i++)
        g_string_append_c (deep, '[');
      for (guint i = 0; i < 1000; i++)
        g_string_append_c (deep, ']');
      g_string_append_c (deep, '}');
      damaged = wg_reference_load_bundle_text (deep->str, deep->len, &error);
      g_assert_null (damaged);
      g_assert_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE);
      g_clear_error (&error);
    }
  }

  json_object_remove_member (json_node_get_object (node), "forces");
  broken = wg_reference_load_bundle (json_node_get_object (node), &error);
  g_assert_null (broken);
  g_assert_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "forces.json: missing from the bundle"));
  g_clear_error (&error);
  {
    g_autofree char *without_forces = json_to_string (node, FALSE);
    g_autoptr(WgReference) broken_text = wg_reference_load_bundle_text (without_forces, strlen (without_forces),
                                                                        &error);

    g_assert_null (broken_text);
    g_assert_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "forces.json: missing from the bundle"));
  }
  remove_world (dir);
}

static void
test_police_grids (void)
{
  g_autofree char *dir = write_world (NULL, NULL, NULL);
  g_autofree char *bare = write_world ("police_grids.geojson", NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = wg_reference_load_dir (dir, &error);
  g_autoptr(WgReference) none = NULL;
  g_autoptr(WgReference) copy = NULL;
  WgPoliceGrid *p;
  WgForce *cp;

  g_assert_no_error (error);
  g_assert_cmpuint (wg_reference_get_police_grids (ref)->len, ==, 1);
  p = wg_reference_lookup_police_grid (ref, "100000001001JW01");
  g_assert_nonnull (p);
  g_assert_cmpstr (p->station->code, ==, "100000001001");
  g_assert_cmpuint (p->grids->len, ==, 2);
  g_assert_true (wg_reference_lookup_grid (ref, "100000001001002")->police_grid == p);
  cp = wg_reference_lookup_force (ref, "cp-1");
  g_assert_true (cp->police_grid == p);
  g_assert_true (g_ptr_array_index (p->police, 0) == cp);
  g_assert_null (wg_reference_lookup_force (ref, "gw-1")->police_grid);
  g_assert_true (wg_reference_find_police_grid (ref, 23.0005, 113.0017) == p);
  g_assert_null (wg_reference_find_police_grid (ref, 23.1, 113.0017));

  /* It travels in the bundle (GET /api/v1/reference). */
  copy = wg_reference_load_bundle (wg_reference_get_bundle (ref), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wg_reference_get_police_grids (copy)->len, ==, 1);
  g_clear_object (&copy);
  {
    g_autoptr(JsonNode) wrapped = json_node_new (JSON_NODE_OBJECT);
    g_autofree char *text = NULL;

    json_node_set_object (wrapped, wg_reference_get_bundle (ref));
    text = json_to_string (wrapped, FALSE);
    copy = wg_reference_load_bundle_text (text, strlen (text), &error);
    g_assert_no_error (error);
    g_assert_cmpuint (wg_reference_get_police_grids (copy)->len, ==, 1);
    g_clear_object (&copy);
  }

  /* A street without a police layer has none, from a directory or a bundle. */
  none = wg_reference_load_dir (bare, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wg_reference_get_police_grids (none)->len, ==, 0);
  g_assert_null (wg_reference_find_police_grid (none, 23.0005, 113.0017));
  g_assert_null (wg_reference_lookup_grid (none, "100000001001002")->police_grid);
  copy = wg_reference_load_bundle (wg_reference_get_bundle (none), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wg_reference_get_police_grids (copy)->len, ==, 0);
  remove_world (dir);
  remove_world (bare);
}

typedef struct
{
  const char       *file;
  const char       *from;
  const char       *to;      /* NULL: the file is missing */
  WgReferenceError  code;
  const char       *message; /* a substring of the message */
} Broken;

static const Broken broken[] = {
  { "grids.geojson", "{\"type\": \"FeatureCollection\"", "{\"type\": \"FeatureCollection\",,",
    WG_REFERENCE_ERROR_PARSE, "grids.geojson: not valid JSON" },
  { "grids.geojson", "[113.000, 23.001], [113.000, 23.000]]]}}]}", "[113.000, 23.001], [113.0001, 23.000]]]}}]}",
    WG_REFERENCE_ERROR_GEOMETRY, "grids.geojson: feature 3 (code 100000001001001): polygon 0 ring 0 does not end where it starts" },
  { "grids.geojson", "[[[113.001, 23.000], [113.002, 23.000], [113.002, 23.001], [113.001, 23.001]",
    "[[[113.001, 23.000], [113.002, 23.001], [113.002, 23.000], [113.001, 23.001]",
    WG_REFERENCE_ERROR_GEOMETRY, "grids.geojson: feature 0 (code 100000001001002): invalid polygon: ring 0 intersects itself" },
  { "grids.geojson", "\"parent\": \"100000001\"", "\"parent\": \"100000009\"",
    WG_REFERENCE_ERROR_UNKNOWN_REF, "grids.geojson: feature 2 (code 100000001001): unknown parent \"100000009\"" },
  { "grids.geojson", "\"code\": \"100000001001002\"", "\"code\": \"100000001001001\"",
    WG_REFERENCE_ERROR_DUPLICATE, "grids.geojson: feature 3 (code 100000001001001): code used twice" },
  { "grids.geojson", "\"level\": 2", "\"level\": \"two\"",
    WG_REFERENCE_ERROR_INVALID, "grids.geojson: feature 2 (code 100000001001): \"level\" is not a number" },
  { "grids.geojson", "\"code\": \"100000001001002\"", "\"code\": \"100000001002\"",
    WG_REFERENCE_ERROR_INVALID, "feature 0 (code 100000001002): the code must be the parent's code 100000001001 followed by 3 digits" },
  { "grids.geojson", "\"level\": 2", "\"level\": 3",
    WG_REFERENCE_ERROR_INVALID, "feature 0 (code 100000001001002): level 3 under a parent of level 3" },
  { "grids.geojson", "\"type\": \"MultiPolygon\"", "\"type\": \"Point\"",
    WG_REFERENCE_ERROR_GEOMETRY, "feature 2 (code 100000001001): geometry type \"Point\" is not Polygon or MultiPolygon" },
  { "forces.json", "\"type\": \"grid_leader\"", "\"type\": \"robot\"",
    WG_REFERENCE_ERROR_INVALID, "forces.json: force 3 (id gl-1): unknown force type \"robot\"" },
  { "forces.json", "\"lat\": 23.0006", "\"lat\": 123.0006",
    WG_REFERENCE_ERROR_INVALID, "forces.json: force 2 (id fh-1): \"lat\" is 123.001, outside -90 to 90" },
  { "forces.json", "\"sub_kind\": \"building\", ", "",
    WG_REFERENCE_ERROR_INVALID, "forces.json: force 2 (id fh-1): missing \"sub_kind\"" },
  { "forces.json", "\"grid\": \"100000001001002\"", "\"grid\": \"100000001001003\"",
    WG_REFERENCE_ERROR_UNKNOWN_REF, "forces.json: force 1 (id gw-2): unknown grid \"100000001001003\"" },
  { "forces.json", "\"speed\": \"car\"", "\"speed\": \"rocket\"",
    WG_REFERENCE_ERROR_INVALID, "forces.json: force 4 (id dt-police): unknown speed \"rocket\"" },
  { "categories.json", "\"department\": \"police\"", "\"department\": \"nope\"",
    WG_REFERENCE_ERROR_UNKNOWN_REF, "categories.json: category 1 (noise): unknown department \"nope\"" },
  { "categories.json", ",  \"response_plan\": [{\"type\": \"grid_worker\", \"count\": 1}, {\"type\": \"department_team\", \"count\": 1}]", "",
    WG_REFERENCE_ERROR_INVALID, "categories.json: category 0 (fire): an emergency category needs a \"response_plan\"" },
  { "categories.json", "\"count\": 1}]", "\"count\": 0}]",
    WG_REFERENCE_ERROR_INVALID, "categories.json: category 0 (fire) response_plan[1]: \"count\" must be 1 or more" },
  { "categories.json", "\"mediate_first\": true", "\"mediate_first\": 1",
    WG_REFERENCE_ERROR_INVALID, "categories.json: category 1 (noise): \"mediate_first\" is not true or false" },
  { "categories.json", "\"grade\": \"professional\"", "\"grade\": \"general\"",
    WG_REFERENCE_ERROR_INVALID, "categories.json: category 1 (noise): only a professional category is mediated first" },
  { "categories.json", "\"grade\": \"professional\"", "\"grade\": \"urgent\"",
    WG_REFERENCE_ERROR_INVALID, "categories.json: category 1 (noise): unknown grade \"urgent\"" },
  { "stations.json", "\"lat\": 23.0005, \"lon\": 113.0015", "\"lat\": 23.0105, \"lon\": 113.0015",
    WG_REFERENCE_ERROR_GEOMETRY, "stations.json: station 0 (code 100000001001): the position" },
  { "stations.json", "\"leader\": \"gl-1\"", "\"leader\": \"gl-9\"",
    WG_REFERENCE_ERROR_UNKNOWN_REF, "stations.json: station 100000001001: unknown leader force \"gl-9\"" },
  { "world.json", "\"Asia/Shanghai\"", "\"Mars/Olympus\"",
    WG_REFERENCE_ERROR_INVALID, "world.json: unknown time zone \"Mars/Olympus\"" },
  { "world.json", "\"2026-10-02\"", "\"2026-02-30\"",
    WG_REFERENCE_ERROR_INVALID, "world.json: calendar: \"holidays\" element 0 (\"2026-02-30\") is not a YYYY-MM-DD date" },
  { "world.json", "\"end\": \"12:00\"", "\"end\": \"07:00\"",
    WG_REFERENCE_ERROR_INVALID, "world.json: calendar work_hours[0]: \"08:30\" to \"07:00\"" },
  { "roster.json", "[\"leader-2\", \"leader\"]", "[\"leader-2\", \"nobody\"]",
    WG_REFERENCE_ERROR_UNKNOWN_REF, "roster.json: rotation pattern[1]: element 1 is not the account of a duty leader" },
  { "roster.json", "\"station\": \"100000001001\"", "\"station\": \"100000001002\"",
    WG_REFERENCE_ERROR_UNKNOWN_REF, "roster.json: covering 0: unknown station \"100000001002\"" },
  { "roster.json", NULL, NULL,
    WG_REFERENCE_ERROR_IO, "roster.json: " },
  { "departments.json", "{\"departments\": [", "[",
    WG_REFERENCE_ERROR_PARSE, "departments.json: not valid JSON" },
  { "departments.json", "\"code\": \"fire\"", "\"code\": \"police\"",
    WG_REFERENCE_ERROR_DUPLICATE, "departments.json: department 1 (police): code used twice" },
  { "police_grids.geojson", "\"police\": [\"cp-1\"]", "\"police\": [\"gw-1\"]",
    WG_REFERENCE_ERROR_INVALID, "police_grids.geojson: feature 0 (code 100000001001JW01): force gw-1 is not community or auxiliary police" },
  { "police_grids.geojson", "\"100000001001002\"]", "\"100000001001001\"]",
    WG_REFERENCE_ERROR_DUPLICATE, "police_grids.geojson: feature 0 (code 100000001001JW01): grid 100000001001001 is already in police grid 100000001001JW01" },
  { "police_grids.geojson", "\"grids\": [\"100000001001001\", ", "\"grids\": [\"100000001009001\", ",
    WG_REFERENCE_ERROR_UNKNOWN_REF, "police_grids.geojson: feature 0 (code 100000001001JW01): unknown grid \"100000001009001\"" },
};

static void
test_malformed (gconstpointer data)
{
  const Broken *b = data;
  g_autofree char *dir = write_world (b->file, b->from, b->to);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = wg_reference_load_dir (dir, &error);

  g_assert_null (ref);
  g_assert_error (error, WG_REFERENCE_ERROR, (int) b->code);
  if (strstr (error->message, b->message) == NULL)
    g_error ("message \"%s\" lacks \"%s\"", error->message, b->message);
  remove_world (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reference/load-and-link", test_load_and_link);
  g_test_add_func ("/reference/forces-and-categories", test_forces_and_categories);
  g_test_add_func ("/reference/roster", test_roster);
  g_test_add_func ("/reference/deeper-levels", test_deeper_levels);
  g_test_add_func ("/reference/bundle-round-trip", test_bundle_round_trip);
  g_test_add_func ("/reference/police-grids", test_police_grids);
  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autofree char *path = g_strdup_printf ("/reference/malformed/%02u-%s", i, broken[i].file);

      g_test_add_data_func (path, &broken[i], test_malformed);
    }

  return g_test_run ();
}
