/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * decide(): the pure heart of the engine.  Given the current state (read
 * through a WgStateReader), the reference rules, a command, its actor and
 * the server's time, it returns the events the command causes, or a
 * WG_ERROR with a stable code and no events.  It never writes anything;
 * the caller appends the events (assigning seq) and projects them.
 *
 * Ids of new things are derived from the command id (wg_uuid_derive), so
 * deciding the same command on the same state gives the same events:
 * incident id = derive (command, "incident"); assignment id =
 * derive (command, "assignment/<unit>").
 */
#pragma once

#include "wg-actor.h"
#include "wg-command.h"
#include "wg-event.h"
#include "wg-rules.h"
#include "wg-state.h"

G_BEGIN_DECLS

/* Events (WgEvent*, seq 0, ts @now_ms) in order, or NULL with @error. */
GPtrArray *wg_decide        (const WgStateReader *reader,
                             WgRules             *rules,
                             WgCommand           *command,
                             const WgActor       *actor,
                             gint64               now_ms,
                             GError             **error);

/* System events due at @now_ms: alarm.escalated for alarms unacknowledged
 * for the rules' delay since the raise (twice at most: area leader after
 * the first delay, then chief after the chief's own delay) and
 * incident.overdue for passed step deadlines (once per step).  The
 * server calls this from a timer and appends what it returns. */
GPtrArray *wg_decide_timers (const WgStateReader *reader,
                             WgRules             *rules,
                             gint64               now_ms,
                             GError             **error);

/* The command table, for the console to enable its actions.  How the
 * actor relates to the subject: */
typedef enum {
  WG_SCOPE_NONE       = 0,
  WG_SCOPE_OWN_GRID   = 1 << 0,  /* grid worker of the incident's grid */
  WG_SCOPE_OWN_DEPT   = 1 << 1,  /* the department it is routed to */
  WG_SCOPE_OWN_UNIT   = 1 << 2,  /* the unit's own account */
  WG_SCOPE_CO_DEPT    = 1 << 3,  /* a co-department (协办) of the incident */
} WgScope;

/* Whether @role with @scope may send @type at all (state aside). */
gboolean   wg_decide_role_may    (WgCommandType   type,
                                  WgRole          role,
                                  WgScope         scope);
/* Whether @type is legal on an incident of @grade in @state with @alarm
 * (commands on incidents only; FALSE for the others). */
gboolean   wg_decide_incident_legal (WgCommandType   type,
                                     WgGrade         grade,
                                     WgIncidentState state,
                                     WgAlarmState    alarm);
/* Whether @type is legal on an assignment in @state (assignment.* only). */
gboolean   wg_decide_assignment_legal (WgCommandType     type,
                                       WgAssignmentState state);

#define WG_DISPATCH_MAX_UNITS 64
/* incident.report, feedback, verify and note: upload ids per command. */
#define WG_MAX_ATTACHMENTS 8

G_END_DECLS
