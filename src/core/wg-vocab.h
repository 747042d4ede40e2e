/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The wire vocabulary of protocol.md: grades, states, roles, command and
 * event types, each an enum with its protocol slug.  Slugs are never
 * translated; *_from_string() returns FALSE for an unknown slug.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  WG_GRADE_GENERAL,
  WG_GRADE_PROFESSIONAL,
  WG_GRADE_EMERGENCY,
  WG_N_GRADES
} WgGrade;

/* One enum for all grades; which states a grade uses is in wg-decide.c. */
typedef enum {
  WG_STATE_REPORTED,
  WG_STATE_ROUTED,
  WG_STATE_ACCEPTED,
  WG_STATE_REJECTED,
  WG_STATE_FEEDBACK_GIVEN,
  WG_STATE_VERIFIED,
  WG_STATE_DISPATCHED,
  WG_STATE_ON_SCENE,
  WG_STATE_RESOLVED,
  WG_STATE_SUSPENDED,
  WG_STATE_CLOSED,
  WG_STATE_CANCELLED,
  WG_STATE_REJECTION_PENDING, /* a department asked to reject; the centre reviews */
  WG_STATE_MERGED,            /* terminal: closed into another case */
  WG_N_STATES
} WgIncidentState;

typedef enum {
  WG_ALARM_NONE,
  WG_ALARM_RAISED,
  WG_ALARM_ESCALATED,
  WG_ALARM_ACKNOWLEDGED,
  WG_N_ALARM_STATES
} WgAlarmState;

typedef enum {
  WG_ASSIGNMENT_NOTIFIED,
  WG_ASSIGNMENT_ACKNOWLEDGED,
  WG_ASSIGNMENT_EN_ROUTE,
  WG_ASSIGNMENT_ON_SCENE,
  WG_ASSIGNMENT_CLEARED,
  WG_ASSIGNMENT_CANCELLED,
  WG_N_ASSIGNMENT_STATES
} WgAssignmentState;

typedef enum {
  WG_UNIT_AVAILABLE,
  WG_UNIT_BUSY,
  WG_UNIT_OFF_DUTY,
  WG_N_UNIT_STATUSES
} WgUnitStatus;

typedef enum {
  WG_ROLE_ADMIN,
  WG_ROLE_DUTY_LEADER,
  WG_ROLE_DISPATCHER,
  WG_ROLE_TRAINER,
  WG_ROLE_GRID_WORKER,
  WG_ROLE_DEPARTMENT,
  WG_ROLE_WALL,
  WG_N_ROLES
} WgRole;

/* Steps that carry a deadline.  Emergency steps count plain minutes,
 * professional ones working minutes on the centre's calendar. */
typedef enum {
  WG_STEP_ROUTE,     /* professional: reported/rejected -> routed */
  WG_STEP_HANDLE,    /* accepted -> feedback_given */
  WG_STEP_VERIFY,    /* feedback_given -> verified */
  WG_STEP_CLOSE,     /* verified -> closed */
  WG_STEP_DISPATCH,  /* emergency: reported -> dispatched */
  WG_STEP_ARRIVE,    /* dispatched -> on_scene */
  WG_STEP_RESOLVE,   /* on_scene -> resolved */
  WG_STEP_ACCEPT,    /* professional: routed -> accepted (签收) */
  WG_N_STEPS
} WgStep;

typedef enum {
  WG_ESCALATION_STATION,
  WG_ESCALATION_CENTRE,
  WG_ESCALATION_DISTRICT,
  WG_N_ESCALATION_LEVELS
} WgEscalationLevel;

typedef enum {
  WG_CMD_INCIDENT_REPORT,
  WG_CMD_INCIDENT_HANDLE_ON_SPOT,
  WG_CMD_INCIDENT_ROUTE,
  WG_CMD_INCIDENT_ACCEPT,
  WG_CMD_INCIDENT_REJECT,
  WG_CMD_INCIDENT_FEEDBACK,
  WG_CMD_INCIDENT_VERIFY,
  WG_CMD_INCIDENT_EXTEND,
  WG_CMD_INCIDENT_SUSPEND,
  WG_CMD_INCIDENT_RESUME,
  WG_CMD_INCIDENT_RESOLVE,
  WG_CMD_INCIDENT_CLOSE,
  WG_CMD_INCIDENT_UPGRADE,
  WG_CMD_INCIDENT_ESCALATE,
  WG_CMD_INCIDENT_CANCEL,
  WG_CMD_INCIDENT_NOTE,
  WG_CMD_ALARM_ACKNOWLEDGE,
  WG_CMD_DISPATCH_ASSIGN,
  WG_CMD_ASSIGNMENT_ACKNOWLEDGE,
  WG_CMD_ASSIGNMENT_EN_ROUTE,
  WG_CMD_ASSIGNMENT_ON_SCENE,
  WG_CMD_ASSIGNMENT_CLEAR,
  WG_CMD_ASSIGNMENT_CANCEL,
  WG_CMD_UNIT_STATUS,
  WG_CMD_ROSTER_HANDOVER,
  /* The full work-order cycle (protocol.md). */
  WG_CMD_INCIDENT_MEDIATE,
  WG_CMD_INCIDENT_REVIEW_REJECTION,
  WG_CMD_INCIDENT_REQUEST_EXTENSION,
  WG_CMD_INCIDENT_DECLINE_EXTENSION,
  WG_CMD_INCIDENT_SUPERVISE,
  WG_CMD_INCIDENT_ANSWER_SUPERVISION,
  WG_CMD_INCIDENT_CALL_BACK,
  WG_CMD_INCIDENT_MERGE,
  WG_CMD_INCIDENT_DOWNGRADE,
  WG_N_COMMAND_TYPES
} WgCommandType;

typedef enum {
  WG_EV_INCIDENT_REPORTED,
  WG_EV_INCIDENT_HANDLED_ON_SPOT,
  WG_EV_INCIDENT_ROUTED,
  WG_EV_INCIDENT_ACCEPTED,
  WG_EV_INCIDENT_REJECTED,
  WG_EV_INCIDENT_FEEDBACK_GIVEN,
  WG_EV_INCIDENT_VERIFIED,
  WG_EV_INCIDENT_VERIFICATION_FAILED,
  WG_EV_INCIDENT_EXTENDED,
  WG_EV_INCIDENT_SUSPENDED,
  WG_EV_INCIDENT_RESUMED,
  WG_EV_INCIDENT_RESOLVED,
  WG_EV_INCIDENT_CLOSED,
  WG_EV_INCIDENT_UPGRADED,
  WG_EV_INCIDENT_ESCALATED,
  WG_EV_INCIDENT_CANCELLED,
  WG_EV_INCIDENT_NOTED,
  WG_EV_INCIDENT_DISPATCHED,
  WG_EV_INCIDENT_ON_SCENE,
  WG_EV_INCIDENT_OVERDUE,
  WG_EV_ALARM_RAISED,
  WG_EV_ALARM_ESCALATED,
  WG_EV_ALARM_ACKNOWLEDGED,
  WG_EV_ASSIGNMENT_CREATED,
  WG_EV_ASSIGNMENT_ACKNOWLEDGED,
  WG_EV_ASSIGNMENT_EN_ROUTE,
  WG_EV_ASSIGNMENT_ON_SCENE,
  WG_EV_ASSIGNMENT_CLEARED,
  WG_EV_ASSIGNMENT_CANCELLED,
  WG_EV_UNIT_STATUS_CHANGED,
  WG_EV_ROSTER_HANDED_OVER,
  /* The full work-order cycle (protocol.md). */
  WG_EV_INCIDENT_MEDIATED,
  WG_EV_INCIDENT_REGRADED,
  WG_EV_INCIDENT_REJECTION_REQUESTED,
  WG_EV_INCIDENT_REJECTION_DENIED,
  WG_EV_INCIDENT_EXTENSION_REQUESTED,
  WG_EV_INCIDENT_EXTENSION_DECLINED,
  WG_EV_INCIDENT_SUPERVISED,
  WG_EV_INCIDENT_SUPERVISION_ANSWERED,
  WG_EV_INCIDENT_CALLED_BACK,
  WG_EV_INCIDENT_REWORKED,
  WG_EV_INCIDENT_MERGED,
  WG_EV_INCIDENT_DOWNGRADED,
  WG_N_EVENT_TYPES
} WgEventType;

/* Where a report came from: one vocabulary for intake, simulator, history
 * and statistics. */
typedef enum {
  WG_SOURCE_HOTLINE_12345,
  WG_SOURCE_POLICE_110,
  WG_SOURCE_PATROL,
  WG_SOURCE_WALK_IN,
  WG_SOURCE_PHONE,
  WG_SOURCE_WECHAT_GROUP,
  WG_SOURCE_SENSOR,
  WG_SOURCE_CONTACT_POINT,
  WG_SOURCE_OTHER,
  WG_N_SOURCES
} WgSource;

/* A resident's answer on a call-back (回访). */
typedef enum {
  WG_SATISFACTION_SATISFIED,
  WG_SATISFACTION_BASICALLY_SATISFIED,
  WG_SATISFACTION_UNSATISFIED,
  WG_N_SATISFACTIONS
} WgSatisfaction;

/* incident.supervise: 催办 (urge) or 督办 (supervise). */
typedef enum {
  WG_SUPERVISION_URGE,
  WG_SUPERVISION_SUPERVISE,
  WG_N_SUPERVISION_LEVELS
} WgSupervisionLevel;

/* The `step` of the incident.overdue of a supervision notice that was not
 * answered by its answer_by: not a step of the case (WgStep). */
#define WG_SUPERVISION_ANSWER_STEP "answer_supervision"

#define WG_DECLARE_VOCAB(Type, name) \
  const char *wg_##name##_to_string   (Type value); \
  gboolean    wg_##name##_from_string (const char *str, Type *out_value);

WG_DECLARE_VOCAB (WgGrade, grade)
WG_DECLARE_VOCAB (WgIncidentState, incident_state)
WG_DECLARE_VOCAB (WgAlarmState, alarm_state)
WG_DECLARE_VOCAB (WgAssignmentState, assignment_state)
WG_DECLARE_VOCAB (WgUnitStatus, unit_status)
WG_DECLARE_VOCAB (WgRole, role)
WG_DECLARE_VOCAB (WgStep, step)
WG_DECLARE_VOCAB (WgEscalationLevel, escalation_level)
WG_DECLARE_VOCAB (WgCommandType, command_type)
WG_DECLARE_VOCAB (WgEventType, event_type)
WG_DECLARE_VOCAB (WgSource, source)
WG_DECLARE_VOCAB (WgSatisfaction, satisfaction)
WG_DECLARE_VOCAB (WgSupervisionLevel, supervision_level)

#undef WG_DECLARE_VOCAB

/* A source slug, or one the first release used ("hotline", "field",
 * "online", "grid_worker"), as today's slug; NULL when unknown.  Old
 * journals keep their slugs; readers map them through this. */
const char *wg_source_normalize (const char *slug);

/* Closed, cancelled and merged are terminal; every other state is open. */
gboolean wg_incident_state_is_open   (WgIncidentState state);
/* Notified..on_scene: the unit is tied up. */
gboolean wg_assignment_state_is_open (WgAssignmentState state);

G_END_DECLS
