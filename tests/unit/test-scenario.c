/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drill scenarios: the shipped files load and fit the demo street; triggers
 * fall due at a time, after the trainees' first action of a kind, after
 * another step, or unless the trainees act in time; a runner that comes
 * back after a restart gets the steps that fell due meanwhile, in order;
 * malformed scenarios are refused with the place of the fault.
 */
#include "config.h"

#include "wg-scenario.h"

#define S(x) ((gint64) (x) * 1000)

static char *
data_path (const char *first, ...)
{
  const char *src = g_getenv ("WANGGE_SOURCE_DIR");
  g_autofree char *data = src != NULL ? g_build_filename (src, "data", NULL) : g_strdup (SOURCE_DATADIR);
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list args;
  const char *part;

  g_ptr_array_add (parts, data);
  va_start (args, first);
  for (part = first; part != NULL; part = va_arg (args, const char *))
    g_ptr_array_add (parts, (gpointer) part);
  va_end (args);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

static WgScenario *
load (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".json", NULL);
  g_autofree char *path = data_path ("scenarios", file, NULL);
  g_autoptr(GError) error = NULL;
  WgScenario *scenario = wg_scenario_load (path, &error);

  g_assert_no_error (error);
  return scenario;
}

static void
test_shipped_scenarios (void)
{
  static const char *const names[] = { "fire-residential", "labour-dispute-crowd", "missing-elderly" };
  g_autofree char *demo = data_path ("demo", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_reference_load_dir (demo, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(WgScenario) scenario = load (names[i]);

      g_assert_cmpstr (scenario->id, ==, names[i]);
      g_assert_true (wg_scenario_check_reference (scenario, reference, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (scenario->steps->len, >=, 4);
      g_assert_cmpuint (scenario->decisions->len, >=, 2);
    }
}

static const char *
ids (GPtrArray *steps)
{
  static char buffer[256];
  g_autoptr(GString) s = g_string_new (NULL);

  for (guint i = 0; i < steps->len; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? " " : "", ((WgScenarioStep *) steps->pdata[i])->id);
  g_strlcpy (buffer, s->str, sizeof buffer);
  return buffer;
}

/* Runs the scenario second by second as a runner would, firing what falls due. */
static char *
run (WgScenario    *scenario,
     WgScenarioLog *log,
     gint64         from_ms,
     gint64         to_ms)
{
  g_autoptr(GString) fired = g_string_new (NULL);

  for (gint64 t = from_ms; t <= to_ms; t += 1000)
    {
      g_autoptr(GPtrArray) due = wg_scenario_due (scenario, log, t);

      for (guint i = 0; i < due->len; i++)
        {
          WgScenarioStep *step = due->pdata[i];

          wg_scenario_log_fired (log, step->id, t);
          g_string_append_printf (fired, "%s%s@%" G_GINT64_FORMAT, fired->len > 0 ? " " : "", step->id, t / 1000);
        }
    }
  return g_string_free (g_steal_pointer (&fired), FALSE);
}

static void
test_triggers (void)
{
  g_autoptr(WgScenario) fire = load ("fire-residential");
  g_autoptr(WgScenarioLog) slow = wg_scenario_log_new ();
  g_autoptr(WgScenarioLog) quick = wg_scenario_log_new ();
  g_autofree char *slow_run = NULL, *quick_run = NULL, *rest = NULL;

  /* Nobody acknowledges within a minute: the fire spreads.  The first
   * dispatch at 1:30 brings the blocked lane two minutes later. */
  wg_scenario_log_action (slow, "dispatch.assign", S (90));
  slow_run = run (fire, slow, 0, S (600));
  g_assert_cmpstr (slow_run, ==, "report@0 resident-call@40 spreading@60 lane-blocked@210 evacuated@570");

  /* Acknowledged after 20 s: the fire does not spread, then or later; a
   * second dispatch does not move the first one's trigger. */
  wg_scenario_log_action (quick, "alarm.acknowledge", S (20));
  quick_run = run (fire, quick, 0, S (100));
  g_assert_cmpstr (quick_run, ==, "report@0 resident-call@40");
  wg_scenario_log_action (quick, "dispatch.assign", S (100));
  wg_scenario_log_action (quick, "dispatch.assign", S (200));
  rest = run (fire, quick, S (101), S (3600));
  g_assert_cmpstr (rest, ==, "lane-blocked@220 evacuated@580");
}

/* A runner back from a restart at 10:00 finds several steps due: each
 * once, in the order they fell due, chains included. */
static void
test_catch_up_after_restart (void)
{
  g_autoptr(WgScenario) fire = load ("fire-residential");
  g_autoptr(WgScenarioLog) log = wg_scenario_log_new ();
  g_autoptr(GPtrArray) due = NULL;
  g_autoptr(GPtrArray) again = NULL;

  wg_scenario_log_fired (log, "report", 0);
  wg_scenario_log_action (log, "alarm.acknowledge", S (30));
  wg_scenario_log_action (log, "dispatch.assign", S (90));
  due = wg_scenario_due (fire, log, S (600));
  g_assert_cmpstr (ids (due), ==, "resident-call lane-blocked evacuated");
  for (guint i = 0; i < due->len; i++)
    wg_scenario_log_fired (log, ((WgScenarioStep *) due->pdata[i])->id, S (600));
  again = wg_scenario_due (fire, log, S (601));
  g_assert_cmpuint (again->len, ==, 0);
}

static void
test_refusals (void)
{
  static const struct { const char *json; const char *where; } bad[] = {
    { "[]", "scenario" },
    { "{\"format\":\"wangge-scenario/2\"}", "format" },
    { "{\"format\":\"wangge-scenario/1\",\"id\":\"Fire!\",\"title_zh\":\"火\",\"title_en\":\"f\",\"summary_zh\":\"s\","
      "\"category\":\"fire\",\"location\":{\"lat\":23.2,\"lon\":113.2},\"duration_minutes\":10,\"steps\":[],\"decisions\":[]}", "id" },
    { "{\"format\":\"wangge-scenario/1\",\"id\":\"f\",\"title_zh\":\"火\",\"title_en\":\"f\",\"summary_zh\":\"s\","
      "\"category\":\"fire\",\"location\":{\"lat\":23.2,\"lon\":113.2},\"duration_minutes\":10,\"steps\":[],\"decisions\":[]}", "steps" },
    { "{\"format\":\"wangge-scenario/1\",\"id\":\"f\",\"title_zh\":\"火\",\"title_en\":\"f\",\"summary_zh\":\"s\","
      "\"category\":\"fire\",\"location\":{\"lat\":23.2,\"lon\":113.2},\"duration_minutes\":10,\"steps\":["
      "{\"id\":\"a\",\"trigger\":{\"at\":\"1:75\"},\"command\":\"incident.report\",\"as\":\"hotline\",\"body\":{},\"say_zh\":\"x\"}"
      "],\"decisions\":[]}", "steps[0]" },
    { "{\"format\":\"wangge-scenario/1\",\"id\":\"f\",\"title_zh\":\"火\",\"title_en\":\"f\",\"summary_zh\":\"s\","
      "\"category\":\"fire\",\"location\":{\"lat\":23.2,\"lon\":113.2},\"duration_minutes\":10,\"steps\":["
      "{\"id\":\"a\",\"trigger\":{\"at\":\"00:00\"},\"command\":\"incident.report\",\"as\":\"hotline\",\"body\":{},\"say_zh\":\"x\"},"
      "{\"id\":\"b\",\"trigger\":{\"after_step\":\"c\"},\"command\":\"incident.note\",\"as\":\"hotline\",\"body\":{},\"say_zh\":\"x\"},"
      "{\"id\":\"c\",\"trigger\":{\"at\":\"01:00\"},\"command\":\"incident.note\",\"as\":\"hotline\",\"body\":{},\"say_zh\":\"x\"}"
      "],\"decisions\":[]}", "steps[1]" },
    { "{\"format\":\"wangge-scenario/1\",\"id\":\"f\",\"title_zh\":\"火\",\"title_en\":\"f\",\"summary_zh\":\"s\","
      "\"category\":\"fire\",\"location\":{\"lat\":23.2,\"lon\":113.2},\"duration_minutes\":10,\"steps\":["
      "{\"id\":\"a\",\"trigger\":{\"at\":\"00:00\"},\"command\":\"incident.close\",\"as\":\"hotline\",\"body\":{},\"say_zh\":\"x\"}"
      "],\"decisions\":[]}", "steps[0]" },
    { "{\"format\":\"wangge-scenario/1\",\"id\":\"f\",\"title_zh\":\"火\",\"title_en\":\"f\",\"summary_zh\":\"s\","
      "\"category\":\"fire\",\"location\":{\"lat\":23.2,\"lon\":113.2},\"duration_minutes\":10,\"steps\":["
      "{\"id\":\"a\",\"trigger\":{\"at\":\"00:00\"},\"command\":\"incident.report\",\"as\":\"hotline\",\"body\":{},\"say_zh\":\"x\"},"
      "{\"id\":\"a\",\"trigger\":{\"unless\":\"alarm.acknowledge\",\"since\":\"a\",\"delay\":\"01:00\"},"
      "\"command\":\"incident.note\",\"as\":\"hotline\",\"body\":{},\"say_zh\":\"x\"}"
      "],\"decisions\":[]}", "steps[1]" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      g_autoptr(WgScenario) scenario = NULL;

      g_assert_true (json_parser_load_from_data (parser, bad[i].json, -1, NULL));
      scenario = wg_scenario_parse (json_parser_get_root (parser), &error);
      g_assert_null (scenario);
      g_assert_nonnull (error);
      if (!g_str_has_prefix (error->message, bad[i].where))
        g_error ("case %u: “%s” does not start with %s", i, error->message, bad[i].where);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scenario/shipped", test_shipped_scenarios);
  g_test_add_func ("/scenario/triggers", test_triggers);
  g_test_add_func ("/scenario/catch-up-after-restart", test_catch_up_after_restart);
  g_test_add_func ("/scenario/refusals", test_refusals);
  return g_test_run ();
}
