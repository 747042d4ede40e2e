/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CAP 1.2 building blocks: the dateTime form CAP requires, the category
 * mapping, escaping and the fields of an alert (the whole document is
 * validated against the OASIS schema in the integration suite).
 */
#include "config.h"

#include <string.h>

#include "wg-cap.h"

static void
test_time (void)
{
  g_autoptr(GTimeZone) shanghai = g_time_zone_new_identifier ("Asia/Shanghai");
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GTimeZone) west = g_time_zone_new_offset (-(5 * 3600 + 30 * 60));
  g_autofree char *a = NULL, *b = NULL, *c = NULL;

  g_assert_nonnull (shanghai);
  /* 2026-11-28 12:04:59.999 UTC: whole seconds, explicit offset, no "Z". */
  a = wg_cap_format_time (G_GINT64_CONSTANT (1795867499999), shanghai);
  g_assert_cmpstr (a, ==, "2026-11-28T20:04:59+08:00");
  b = wg_cap_format_time (G_GINT64_CONSTANT (1795867499999), utc);
  g_assert_cmpstr (b, ==, "2026-11-28T12:04:59+00:00");
  c = wg_cap_format_time (G_GINT64_CONSTANT (1795867499999), west);
  g_assert_cmpstr (c, ==, "2026-11-28T06:34:59-05:30");
}

static void
test_categories (void)
{
  g_assert_cmpstr (wg_cap_category_for ("fire"), ==, "Fire");
  g_assert_cmpstr (wg_cap_category_for ("flood"), ==, "Met");
  g_assert_cmpstr (wg_cap_category_for ("missing_person"), ==, "Rescue");
  g_assert_cmpstr (wg_cap_category_for ("medical_emergency"), ==, "Health");
  g_assert_cmpstr (wg_cap_category_for ("fight"), ==, "Security");
  g_assert_cmpstr (wg_cap_category_for ("traffic_accident"), ==, "Transport");
  g_assert_cmpstr (wg_cap_category_for ("water_leak"), ==, "Infra");
  g_assert_cmpstr (wg_cap_category_for ("dispute_family"), ==, "Safety");
  g_assert_cmpstr (wg_cap_category_for ("something_new"), ==, "Other");
  g_assert_cmpstr (wg_cap_category_for (NULL), ==, "Other");
}

static void
test_alert (void)
{
  WgIncidentRecord incident = { 0 };
  g_autofree char *xml = NULL;

  incident.id = (char *) "ebad3491-7ac0-554c-b9e7-9e91b46f49ba";
  incident.case_number = (char *) "HL-20261128-0001";
  incident.grade = WG_GRADE_EMERGENCY;
  incident.state = WG_STATE_CLOSED;
  incident.category = (char *) "fire";
  incident.summary = (char *) "<script>&\"";
  incident.lat = 23.21;
  incident.lon = 113.29;
  incident.reported_at = G_GINT64_CONSTANT (1795867496983);

  xml = wg_cap_build_alert (&incident, NULL, "wangge@HL", TRUE, G_GINT64_CONSTANT (1795867499999));
  g_assert_nonnull (strstr (xml, "<identifier>ebad3491-7ac0-554c-b9e7-9e91b46f49ba</identifier>"));
  g_assert_nonnull (strstr (xml, "<status>Exercise</status>"));
  g_assert_nonnull (strstr (xml, "<scope>Restricted</scope>"));
  g_assert_nonnull (strstr (xml, "<sent>2026-11-28T20:04:59+08:00</sent>"));
  g_assert_nonnull (strstr (xml, "<urgency>Past</urgency>"));
  g_assert_nonnull (strstr (xml, "&lt;script&gt;&amp;&quot;"));
  g_assert_null (strstr (xml, "<script>"));
  g_assert_nonnull (strstr (xml, "<circle>23.210000,113.290000 0.5</circle>"));
  g_assert_nonnull (strstr (xml, "<headline>HL-20261128-0001 fire</headline>"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cap/time", test_time);
  g_test_add_func ("/cap/categories", test_categories);
  g_test_add_func ("/cap/alert", test_alert);
  return g_test_run ();
}
