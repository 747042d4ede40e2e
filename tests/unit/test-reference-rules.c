/* SPDX-License-Identifier: GPL-3.0-or-later
 * The Helong reference as the rules decide() runs by, and a store that adopts it. */
#include "config.h"

#include <glib/gstdio.h>

#include "wg-reference-rules.h"
#include "wg-store-reference.h"
#include "test-demo.h"

/* 2026-11-30 is a Monday (test_shanghai_ms: UTC+8). */
static void
test_rules_from_reference (void)
{
  g_autoptr(WgReference) reference = test_demo_reference ();
  g_autoptr(GError) error = NULL;
  g_autoptr(WgRules) rules = wg_reference_build_rules (reference, &error);
  const WgCategoryRule *fire, *rental, *garbage;
  g_autoptr(GPtrArray) grids = wg_reference_dup_grids_at_level (reference, 3);
  WgGrid *grid17 = g_ptr_array_index (grids, 16);
  g_autofree char *resolved = NULL;
  WgCalendar *calendar;

  g_assert_no_error (error);
  g_assert_cmpstr (wg_rules_get_street_code (rules), ==, "HL");

  fire = wg_rules_lookup_category (rules, "fire");
  g_assert_nonnull (fire);
  g_assert_cmpint (fire->grade, ==, WG_GRADE_EMERGENCY);
  g_assert_cmpstr (fire->department, ==, "fire");
  g_assert_cmpuint (fire->limits[WG_STEP_DISPATCH], ==, 3);
  g_assert_cmpuint (fire->limits[WG_STEP_ARRIVE], ==, 10);

  rental = wg_rules_lookup_category (rules, "dispute_rental");
  g_assert_cmpint (rental->grade, ==, WG_GRADE_PROFESSIONAL);
  g_assert_cmpstr (rental->department, ==, "judicial");
  /* Accept (签收) within 2 working hours, then feed back within 40. */
  g_assert_cmpuint (rental->limits[WG_STEP_ACCEPT], ==, 2 * 60);
  g_assert_cmpuint (rental->limits[WG_STEP_HANDLE], ==, 40 * 60);
  g_assert_cmpuint (rental->limits[WG_STEP_ROUTE], ==, WG_DEFAULT_ROUTE_MINUTES);

  garbage = wg_rules_lookup_category (rules, "garbage");
  g_assert_cmpint (garbage->grade, ==, WG_GRADE_GENERAL);
  g_assert_null (wg_rules_lookup_category (rules, "no-such-category"));

  /* A location resolves to the comprehensive grid it lies in. */
  resolved = wg_rules_resolve_grid (rules, grid17->centroid_lat, grid17->centroid_lon);
  g_assert_cmpstr (resolved, ==, grid17->code);
  g_assert_null (wg_rules_resolve_grid (rules, 39.9, 116.4));

  /* Routes go to the reference's departments only. */
  g_assert_true (wg_rules_department_exists (rules, "judicial"));
  g_assert_false (wg_rules_department_exists (rules, "polcie"));

  /* The street with a 5 km margin: the street's east edge lies near
   * longitude 113.3101; Beijing is far outside. */
  g_assert_true (wg_rules_near_area (rules, grid17->centroid_lat, grid17->centroid_lon));
  g_assert_true (wg_rules_near_area (rules, 23.21, 113.33));
  g_assert_false (wg_rules_near_area (rules, 23.21, 113.378));
  g_assert_false (wg_rules_near_area (rules, 39.9, 116.4));

  /* The roster's own delays, both since the raise (60 s, 180 s). */
  g_assert_cmpint (wg_rules_get_escalation_delay (rules, 1), ==, 60000);
  g_assert_cmpint (wg_rules_get_escalation_delay (rules, 2), ==, 180000);

  /* The alarm goes to the street leader covering the area, then the chief. */
  g_assert_nonnull (wg_rules_escalation_target (rules, grid17->code, 1));
  g_assert_cmpstr (wg_rules_escalation_target (rules, grid17->code, 2), ==,
                   wg_reference_get_chief (reference)->account);
  g_assert_cmpstr (wg_rules_escalation_target (rules, grid17->code, 1), ==,
                   wg_reference_get_covering_leader (reference, grid17->station)->account);

  /* Working hours in the centre's time zone, whatever the process's TZ. */
  calendar = wg_rules_get_calendar (rules);
  g_assert_true (wg_calendar_is_working_time (calendar, test_shanghai_ms (2026, 11, 30, 9, 0)));
  g_assert_false (wg_calendar_is_working_time (calendar, test_shanghai_ms (2026, 11, 30, 12, 30)));
  g_assert_false (wg_calendar_is_working_time (calendar, test_shanghai_ms (2026, 11, 28, 10, 0)));
}

static void
test_store_adopts_reference (void)
{
  g_autoptr(WgReference) reference = test_demo_reference ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wangge-adopt-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(WgStore) store = wg_store_open (path, &error);
  g_autoptr(WgCommand) report = NULL;
  g_autoptr(GPtrArray) events = NULL;
  WgUnitRecord unit = { 0 };
  WgIncidentRecord incident = { 0 };
  WgActor worker = { .username = (char *) "worker-17", .role = WG_ROLE_GRID_WORKER };
  WgGrid *grid17 = wg_reference_lookup_force (reference, "gw-17")->grid;
  g_autofree char *body = NULL;
  gboolean replayed = FALSE;

  g_assert_no_error (error);
  g_assert_true (wg_store_adopt_reference (store, reference, &error));
  g_assert_no_error (error);

  /* Every force can be dispatched. */
  g_assert_true (wg_store_get_unit (store, "gw-17", &unit, &error));
  g_assert_cmpstr (unit.account, ==, "worker-17");
  wg_unit_record_clear (&unit);
  g_assert_true (wg_store_get_unit (store, "eu-01", &unit, &error));
  g_assert_cmpstr (unit.account, ==, "unit-eu-01");
  wg_unit_record_clear (&unit);

  /* Adopting again keeps what there is. */
  g_assert_true (wg_store_adopt_reference (store, reference, &error));

  /* Worker 17 reports a fire in its own grid: the grid comes from the map. */
  worker.grid = grid17->code;
  body = g_strdup_printf ("{\"id\":\"6f1c0a5e-2d3b-4b8e-9a71-3c2f5d7e8a90\",\"type\":\"incident.report\","
                          "\"body\":{\"grade\":\"emergency\",\"category\":\"fire\","
                          "\"location\":{\"lat\":%.7f,\"lon\":%.7f},\"summary\":\"3楼冒烟\"}}",
                          grid17->centroid_lat, grid17->centroid_lon);
  report = wg_command_from_string (body, -1, &error);
  g_assert_no_error (error);
  g_assert_true (wg_store_execute_command (store, report, &worker, test_shanghai_ms (2026, 11, 28, 14, 2),
                                           &events, &replayed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 2); /* incident.reported, alarm.raised */
  g_assert_true (wg_store_get_incident (store, ((WgEvent *) events->pdata[0])->incident, &incident,
                                        &error));
  g_assert_cmpstr (incident.grid, ==, grid17->code);
  g_assert_cmpstr (incident.case_number, ==, "HL-20261128-0001");
  wg_incident_record_clear (&incident);

  g_clear_pointer (&store, wg_store_unref);
  {
    g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name (handle)) != NULL)
      {
        g_autofree char *file = g_build_filename (dir, name, NULL);
        g_unlink (file);
      }
    g_rmdir (dir);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reference-rules/rules", test_rules_from_reference);
  g_test_add_func ("/reference-rules/store-adopts", test_store_adopts_reference);
  return g_test_run ();
}
