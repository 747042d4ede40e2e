/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for what the server does with a command body before it
 * writes anything: the JSON guard, json-glib, the envelope codec (and its
 * strict reader, which must agree with it), and
 * decide()'s validation of the body against a store that holds one incident
 * of each grade.  Events and state records go through their codecs too (a
 * console reads them from the server).  A refusal is the expected outcome;
 * a crash, a sanitizer report or a GLib critical is a finding.
 *
 *   CC=clang meson setup _build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined
 *   _build-fuzz/tests/fuzz/fuzz-command -max_total_time=60 SCRATCH tests/fuzz/corpus/command
 */
#include <glib.h>
#include <stdint.h>

#include "wg-command.h"
#include "wg-decide.h"
#include "wg-event.h"
#include "wg-json-guard.h"
#include "wg-state.h"
#include "wg-store.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static WgStore *store;
static WgRules *rules;

static const char *seed_commands[] = {
  "{\"id\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"incident.report\",\"body\":"
  "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":{\"lat\":23.21,\"lon\":113.29},"
  "\"summary\":\"smoke\",\"grid\":\"440111012003017\"}}",
  "{\"id\":\"00000000-0000-4000-8000-000000000002\",\"type\":\"incident.report\",\"body\":"
  "{\"grade\":\"professional\",\"category\":\"illegal_structure\",\"location\":{\"lat\":23.2,\"lon\":113.3},"
  "\"summary\":\"shed\",\"grid\":\"440111012003017\"}}",
};

static void
set_up (void)
{
  const guint fire[WG_N_STEPS] = { [WG_STEP_DISPATCH] = 3, [WG_STEP_ARRIVE] = 10 };
  const guint structure[WG_N_STEPS] = { [WG_STEP_ROUTE] = 60, [WG_STEP_HANDLE] = 600 };
  WgActor leader = { .username = (char *) "leader", .role = WG_ROLE_DUTY_LEADER };

  store = wg_store_open (":memory:", NULL);
  g_assert (store != NULL);
  rules = wg_rules_new ();
  wg_rules_add_category (rules, "fire", WG_GRADE_EMERGENCY, "fire", fire);
  wg_rules_add_category (rules, "illegal_structure", WG_GRADE_PROFESSIONAL, "urban", structure);
  wg_rules_add_category (rules, "garbage", WG_GRADE_GENERAL, "urban", NULL);
  wg_store_set_rules (store, rules);
  wg_store_register_unit (store, "eu-01", "emergency_unit", "一号", "440111012003017", "unit-eu-01",
                          NULL);

  for (guint i = 0; i < G_N_ELEMENTS (seed_commands); i++)
    {
      g_autoptr(WgCommand) command = wg_command_from_string (seed_commands[i], -1, NULL);
      g_autoptr(GPtrArray) events = NULL;
      gboolean replayed;

      g_assert (command != NULL);
      g_assert (wg_store_execute_command (store, command, &leader, 1764310930000, &events,
                                          &replayed, NULL));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const WgActor actors[] = {
    { .username = (char *) "leader", .role = WG_ROLE_DUTY_LEADER },
    { .username = (char *) "worker-17", .role = WG_ROLE_GRID_WORKER, .grid = (char *) "440111012003017" },
    { .username = (char *) "dept-urban", .role = WG_ROLE_DEPARTMENT, .department = (char *) "urban" },
    { .username = (char *) "unit-eu-01", .role = WG_ROLE_GRID_WORKER, .unit = (char *) "eu-01" },
  };
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(WgCommand) strict = NULL;
  g_autoptr(WgEvent) event = NULL;
  WgIncidentRecord record = { 0 };

  if (store == NULL)
    set_up ();

  /* The server's fast path for a command: where it reads one, the tree's
   * codec reads the same. */
  if (wg_json_guard_scan ((const char *) data, size, 64, NULL))
    strict = wg_command_read_strict ((const char *) data, size, 64);

  node = wg_json_parse_untrusted_data ((const char *) data, size, 64, NULL);
  if (node == NULL)
    {
      g_assert (strict == NULL);
      return 0;
    }

  command = wg_command_from_json (node, NULL);
  if (strict != NULL)
    {
      g_assert (command != NULL);
      g_assert (g_str_equal (wg_command_get_id (strict), wg_command_get_id (command)));
      g_assert (wg_command_get_kind (strict) == wg_command_get_kind (command));
      g_assert (json_object_equal (wg_command_get_body (strict), wg_command_get_body (command)));
    }
  if (command != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (actors); i++)
      {
        g_autoptr(GPtrArray) events = wg_decide (wg_store_get_reader (store), rules, command,
                                                 &actors[i], 1764310990000, NULL);
      }

  event = wg_event_from_json (node, NULL);
  if (event != NULL)
    {
      g_autofree char *text = wg_event_to_string (event);
    }

  if (wg_incident_record_from_json (node, &record, NULL))
    wg_incident_record_clear (&record);

  return 0;
}
