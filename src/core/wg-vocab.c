/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One string table per enum, indexed by the enum value, so that the order
 * of the enum and the slug can be checked side by side.
 */
#define G_LOG_DOMAIN "wg-vocab"

#include "config.h"

#include <string.h>

#include "wg-vocab.h"

static const char *const grade_names[] = {
  "general", "professional", "emergency",
};

static const char *const incident_state_names[] = {
  "reported", "routed", "accepted", "rejected", "feedback_given", "verified",
  "dispatched", "on_scene", "resolved", "suspended", "closed", "cancelled",
  "rejection_pending", "merged",
};

static const char *const alarm_state_names[] = {
  "none", "raised", "escalated", "acknowledged",
};

static const char *const assignment_state_names[] = {
  "notified", "acknowledged", "en_route", "on_scene", "cleared", "cancelled",
};

static const char *const unit_status_names[] = {
  "available", "busy", "off_duty",
};

static const char *const role_names[] = {
  "admin", "duty_leader", "dispatcher", "trainer", "grid_worker", "department", "wall",
};

static const char *const step_names[] = {
  "route", "handle", "verify", "close", "dispatch", "arrive", "resolve", "accept",
};

static const char *const escalation_level_names[] = {
  "station", "centre", "district",
};

static const char *const command_type_names[] = {
  "incident.report",
  "incident.handle_on_spot",
  "incident.route",
  "incident.accept",
  "incident.reject",
  "incident.feedback",
  "incident.verify",
  "incident.extend",
  "incident.suspend",
  "incident.resume",
  "incident.resolve",
  "incident.close",
  "incident.upgrade",
  "incident.escalate",
  "incident.cancel",
  "incident.note",
  "alarm.acknowledge",
  "dispatch.assign",
  "assignment.acknowledge",
  "assignment.en_route",
  "assignment.on_scene",
  "assignment.clear",
  "assignment.cancel",
  "unit.status",
  "roster.handover",
  "incident.mediate",
  "incident.review_rejection",
  "incident.request_extension",
  "incident.decline_extension",
  "incident.supervise",
  "incident.answer_supervision",
  "incident.call_back",
  "incident.merge",
  "incident.downgrade",
};

static const char *const event_type_names[] = {
  "incident.reported",
  "incident.handled_on_spot",
  "incident.routed",
  "incident.accepted",
  "incident.rejected",
  "incident.feedback_given",
  "incident.verified",
  "incident.verification_failed",
  "incident.extended",
  "incident.suspended",
  "incident.resumed",
  "incident.resolved",
  "incident.closed",
  "incident.upgraded",
  "incident.escalated",
  "incident.cancelled",
  "incident.noted",
  "incident.dispatched",
  "incident.on_scene",
  "incident.overdue",
  "alarm.raised",
  "alarm.escalated",
  "alarm.acknowledged",
  "assignment.created",
  "assignment.acknowledged",
  "assignment.en_route",
  "assignment.on_scene",
  "assignment.cleared",
  "assignment.cancelled",
  "unit.status_changed",
  "roster.handed_over",
  "incident.mediated",
  "incident.regraded",
  "incident.rejection_requested",
  "incident.rejection_denied",
  "incident.extension_requested",
  "incident.extension_declined",
  "incident.supervised",
  "incident.supervision_answered",
  "incident.called_back",
  "incident.reworked",
  "incident.merged",
  "incident.downgraded",
};

static const char *const source_names[] = {
  "hotline_12345", "police_110", "patrol", "walk_in", "phone", "wechat_group", "sensor",
  "contact_point", "other",
};

static const char *const satisfaction_names[] = {
  "satisfied", "basically_satisfied", "unsatisfied",
};

static const char *const supervision_level_names[] = {
  "urge", "supervise",
};

G_STATIC_ASSERT (G_N_ELEMENTS (grade_names) == WG_N_GRADES);
G_STATIC_ASSERT (G_N_ELEMENTS (incident_state_names) == WG_N_STATES);
G_STATIC_ASSERT (G_N_ELEMENTS (alarm_state_names) == WG_N_ALARM_STATES);
G_STATIC_ASSERT (G_N_ELEMENTS (assignment_state_names) == WG_N_ASSIGNMENT_STATES);
G_STATIC_ASSERT (G_N_ELEMENTS (unit_status_names) == WG_N_UNIT_STATUSES);
G_STATIC_ASSERT (G_N_ELEMENTS (role_names) == WG_N_ROLES);
G_STATIC_ASSERT (G_N_ELEMENTS (step_names) == WG_N_STEPS);
G_STATIC_ASSERT (G_N_ELEMENTS (escalation_level_names) == WG_N_ESCALATION_LEVELS);
G_STATIC_ASSERT (G_N_ELEMENTS (command_type_names) == WG_N_COMMAND_TYPES);
G_STATIC_ASSERT (G_N_ELEMENTS (event_type_names) == WG_N_EVENT_TYPES);
G_STATIC_ASSERT (G_N_ELEMENTS (source_names) == WG_N_SOURCES);
G_STATIC_ASSERT (G_N_ELEMENTS (satisfaction_names) == WG_N_SATISFACTIONS);
G_STATIC_ASSERT (G_N_ELEMENTS (supervision_level_names) == WG_N_SUPERVISION_LEVELS);
G_STATIC_ASSERT (WG_N_STATES <= 32);

static gboolean
lookup (const char *const *names,
        guint              n_names,
        const char        *str,
        guint             *out_value)
{
  if (str == NULL)
    return FALSE;

  for (guint i = 0; i < n_names; i++)
    {
      if (strcmp (names[i], str) == 0)
        {
          if (out_value != NULL)
            *out_value = i;
          return TRUE;
        }
    }

  return FALSE;
}

#define WG_DEFINE_VOCAB(Type, name, N)                                  \
  const char *                                                          \
  wg_##name##_to_string (Type value)                                    \
  {                                                                     \
    g_return_val_if_fail ((guint) value < (guint) N, NULL);             \
    return name##_names[value];                                         \
  }                                                                     \
                                                                        \
  gboolean                                                              \
  wg_##name##_from_string (const char *str,                             \
                           Type       *out_value)                       \
  {                                                                     \
    guint v;                                                            \
    if (!lookup (name##_names, N, str, &v))                             \
      return FALSE;                                                     \
    if (out_value != NULL)                                              \
      *out_value = (Type) v;                                            \
    return TRUE;                                                        \
  }

WG_DEFINE_VOCAB (WgGrade, grade, WG_N_GRADES)
WG_DEFINE_VOCAB (WgIncidentState, incident_state, WG_N_STATES)
WG_DEFINE_VOCAB (WgAlarmState, alarm_state, WG_N_ALARM_STATES)
WG_DEFINE_VOCAB (WgAssignmentState, assignment_state, WG_N_ASSIGNMENT_STATES)
WG_DEFINE_VOCAB (WgUnitStatus, unit_status, WG_N_UNIT_STATUSES)
WG_DEFINE_VOCAB (WgRole, role, WG_N_ROLES)
WG_DEFINE_VOCAB (WgStep, step, WG_N_STEPS)
WG_DEFINE_VOCAB (WgEscalationLevel, escalation_level, WG_N_ESCALATION_LEVELS)
WG_DEFINE_VOCAB (WgCommandType, command_type, WG_N_COMMAND_TYPES)
WG_DEFINE_VOCAB (WgEventType, event_type, WG_N_EVENT_TYPES)
WG_DEFINE_VOCAB (WgSource, source, WG_N_SOURCES)
WG_DEFINE_VOCAB (WgSatisfaction, satisfaction, WG_N_SATISFACTIONS)
WG_DEFINE_VOCAB (WgSupervisionLevel, supervision_level, WG_N_SUPERVISION_LEVELS)

/* The first release's slugs: its console, simulator and history generator
 * wrote these into journals that must stay readable. */
static const struct {
  const char *old;
  WgSource    now;
} legacy_sources[] = {
  { "hotline", WG_SOURCE_HOTLINE_12345 },
  { "field", WG_SOURCE_PATROL },
  { "grid_worker", WG_SOURCE_PATROL },
  { "online", WG_SOURCE_OTHER },
};

const char *
wg_source_normalize (const char *slug)
{
  WgSource source;

  if (wg_source_from_string (slug, &source))
    return source_names[source];
  for (guint i = 0; slug != NULL && i < G_N_ELEMENTS (legacy_sources); i++)
    if (strcmp (legacy_sources[i].old, slug) == 0)
      return source_names[legacy_sources[i].now];
  return NULL;
}

gboolean
wg_incident_state_is_open (WgIncidentState state)
{
  return state != WG_STATE_CLOSED && state != WG_STATE_CANCELLED && state != WG_STATE_MERGED;
}

gboolean
wg_assignment_state_is_open (WgAssignmentState state)
{
  return state != WG_ASSIGNMENT_CLEARED && state != WG_ASSIGNMENT_CANCELLED;
}
