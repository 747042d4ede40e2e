/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wg-error.h"
#include "wg-vocab.h"

/* Every enum value has a slug, every slug maps back, slugs are unique and
 * unknown ones are refused. */
#define CHECK_VOCAB(name, N)                                              \
  G_STMT_START {                                                          \
    g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal); \
    for (guint i = 0; i < (guint) N; i++)                                 \
      {                                                                   \
        const char *slug = wg_##name##_to_string (i);                     \
        guint back = G_MAXUINT;                                           \
        g_assert_nonnull (slug);                                          \
        g_assert_false (g_hash_table_contains (seen, slug));              \
        g_hash_table_add (seen, (gpointer) slug);                         \
        g_assert_true (wg_##name##_from_string (slug, (gpointer) &back)); \
        g_assert_cmpuint (back, ==, i);                                   \
      }                                                                   \
    g_assert_false (wg_##name##_from_string ("no-such-slug", NULL));      \
    g_assert_false (wg_##name##_from_string (NULL, NULL));                \
    g_assert_false (wg_##name##_from_string ("", NULL));                  \
  } G_STMT_END

static void
test_round_trips (void)
{
  CHECK_VOCAB (grade, WG_N_GRADES);
  CHECK_VOCAB (incident_state, WG_N_STATES);
  CHECK_VOCAB (alarm_state, WG_N_ALARM_STATES);
  CHECK_VOCAB (assignment_state, WG_N_ASSIGNMENT_STATES);
  CHECK_VOCAB (unit_status, WG_N_UNIT_STATUSES);
  CHECK_VOCAB (role, WG_N_ROLES);
  CHECK_VOCAB (step, WG_N_STEPS);
  CHECK_VOCAB (escalation_level, WG_N_ESCALATION_LEVELS);
  CHECK_VOCAB (command_type, WG_N_COMMAND_TYPES);
  CHECK_VOCAB (event_type, WG_N_EVENT_TYPES);
}

/* The slugs protocol.md names, spelled as it spells them. */
static void
test_protocol_slugs (void)
{
  const char *states[] = { "reported", "routed", "accepted", "rejected", "feedback_given", "verified",
                           "dispatched", "on_scene", "resolved", "suspended", "closed", "cancelled" };
  const char *roles[] = { "admin", "duty_leader", "dispatcher", "trainer", "grid_worker", "department", "wall" };
  const char *alarms[] = { "none", "raised", "escalated", "acknowledged" };
  const char *assignment[] = { "notified", "acknowledged", "en_route", "on_scene", "cleared", "cancelled" };
  const char *units[] = { "available", "busy", "off_duty" };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    g_assert_true (wg_incident_state_from_string (states[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    g_assert_true (wg_role_from_string (roles[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (alarms); i++)
    g_assert_true (wg_alarm_state_from_string (alarms[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (assignment); i++)
    g_assert_true (wg_assignment_state_from_string (assignment[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    g_assert_true (wg_unit_status_from_string (units[i], NULL));
  g_assert_cmpstr (wg_command_type_to_string (WG_CMD_DISPATCH_ASSIGN), ==, "dispatch.assign");
  g_assert_cmpstr (wg_event_type_to_string (WG_EV_ROSTER_HANDED_OVER), ==, "roster.handed_over");

  g_assert_false (wg_incident_state_is_open (WG_STATE_CLOSED));
  g_assert_false (wg_incident_state_is_open (WG_STATE_CANCELLED));
  g_assert_true (wg_incident_state_is_open (WG_STATE_SUSPENDED));
  g_assert_true (wg_assignment_state_is_open (WG_ASSIGNMENT_ON_SCENE));
  g_assert_false (wg_assignment_state_is_open (WG_ASSIGNMENT_CLEARED));
}

static void
test_error_codes (void)
{
  for (guint i = 0; i < WG_N_ERRORS; i++)
    {
      WgErrorCode back;
      const char *slug = wg_error_code_to_slug (i);
      guint status = wg_error_code_http_status (i);

      g_assert_true (wg_error_code_from_slug (slug, &back));
      g_assert_cmpuint (back, ==, i);
      g_assert_cmpuint (status, >=, 400);
      g_assert_cmpuint (status, <, 600);
    }
  g_assert_cmpstr (wg_error_code_to_slug (WG_ERROR_ILLEGAL_TRANSITION), ==, "illegal-transition");
  g_assert_cmpstr (wg_error_code_to_slug (WG_ERROR_IDEMPOTENCY_KEY_REUSE), ==, "idempotency-key-reuse");
  g_assert_cmpuint (wg_error_code_http_status (WG_ERROR_FORBIDDEN), ==, 403);
  g_assert_cmpuint (wg_error_code_http_status (WG_ERROR_IDEMPOTENCY_KEY_REUSE), ==, 409);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vocab/round-trips", test_round_trips);
  g_test_add_func ("/vocab/protocol-slugs", test_protocol_slugs);
  g_test_add_func ("/vocab/error-codes", test_error_codes);
  return g_test_run ();
}
