/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replay's search for a past incident (wg_store_search_incidents): one
 * Chinese character finds its incidents (no FTS tokenizer splits Chinese),
 * a case number in any ASCII case, codes of matching names, and dates.
 */
#include "config.h"

#include "engine-fixture.h"
#include "wg-incident-search.h"

static void
report (Fixture    *f,
        const char *grade,
        const char *category,
        double      lon,
        const char *summary,
        gint64      at)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgCommand) command = fixture_commandf ("incident.report",
                                                   "{\"grade\": \"%s\", \"category\": \"%s\", \"location\": {\"lat\": 23.25, \"lon\": %.2f},"
                                                   " \"summary\": \"%s\"}", grade, category, lon, summary);
  g_autoptr(GPtrArray) events = fixture_run (f, command, leader, at);
}

static char *
search (Fixture               *f,
        const WgIncidentQuery *query)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = wg_store_search_incidents (f->store, query, 100, &error);
  g_autoptr(GString) summaries = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    {
      g_auto(WgIncidentRecord) record = { 0 };

      g_assert_true (wg_store_get_incident (f->store, ids->pdata[i], &record, NULL));
      g_string_append_printf (summaries, "%s%s", i > 0 ? "|" : "", record.summary);
    }
  return g_string_free (g_steal_pointer (&summaries), FALSE);
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  const gint64 day = 24 * 3600 * 1000;
  const char *const fire[] = { "fire", NULL };
  const char *const grid[] = { "g05", NULL };
  g_auto(WgIncidentRecord) first = { 0 };
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *case_number = NULL;

  report (f, "emergency", "fire", 113.25, "仓库起火，浓烟", FIXTURE_T0);
  report (f, "general", "fire_lane", 113.25, "消防通道被占", FIXTURE_T0 + day);
  report (f, "professional", "structure", 113.35, "楼道灭火器过期", FIXTURE_T0 + 2 * day);
  report (f, "general", "fire_lane", 113.25, "车辆堵门", FIXTURE_T0 + 3 * day);

  /* One character, anywhere in the summary; latest first. */
  {
    g_autofree char *found = search (f, &(WgIncidentQuery) { .text = "火" });
    g_assert_cmpstr (found, ==, "楼道灭火器过期|仓库起火，浓烟");
  }
  {
    g_autofree char *found = search (f, &(WgIncidentQuery) { .text = "烟" });
    g_assert_cmpstr (found, ==, "仓库起火，浓烟");
  }
  /* The caller's codes of matching names: 火 in "火灾" (fire). */
  {
    g_autofree char *found = search (f, &(WgIncidentQuery) { .text = "火", .categories = fire });
    g_assert_cmpstr (found, ==, "楼道灭火器过期|仓库起火，浓烟");
  }
  {
    g_autofree char *found = search (f, &(WgIncidentQuery) { .text = "东区", .grids = grid });
    g_assert_cmpstr (found, ==, "楼道灭火器过期");
  }
  /* Dates: [from, to). */
  {
    g_autofree char *found = search (f, &(WgIncidentQuery) { .from_ms = FIXTURE_T0 + day,
                                                             .to_ms = FIXTURE_T0 + 3 * day });
    g_assert_cmpstr (found, ==, "楼道灭火器过期|消防通道被占");
  }
  {
    g_autofree char *found = search (f, &(WgIncidentQuery) { .text = "火", .to_ms = FIXTURE_T0 + day });
    g_assert_cmpstr (found, ==, "仓库起火，浓烟");
  }
  /* The case number, in lower case too. */
  all = wg_store_search_incidents (f->store, &(WgIncidentQuery) { 0 }, 100, NULL);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_true (wg_store_get_incident (f->store, all->pdata[3], &first, NULL));
  g_assert_nonnull (first.case_number);
  case_number = g_ascii_strdown (first.case_number, -1);
  {
    g_autofree char *found = search (f, &(WgIncidentQuery) { .text = case_number });
    g_assert_cmpstr (found, ==, "仓库起火，浓烟");
  }
  /* Nothing matches: empty, not an error; the limit holds. */
  {
    g_autofree char *found = search (f, &(WgIncidentQuery) { .text = "水" });
    g_assert_cmpstr (found, ==, "");
  }
  {
    g_autoptr(GPtrArray) two = wg_store_search_incidents (f->store, &(WgIncidentQuery) { 0 }, 2, NULL);
    g_assert_cmpuint (two->len, ==, 2);
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/incident-search/chinese-case-codes-dates", Fixture, NULL, fixture_set_up, test_search,
              fixture_tear_down);
  return g_test_run ();
}
