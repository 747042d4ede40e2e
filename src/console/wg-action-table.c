/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-action-table"

#include "config.h"

#include "wg-action-table.h"

#define ANY (-1)
#define ROLE(r) (1u << (r))
#define CENTRE (ROLE (WG_ROLE_DUTY_LEADER) | ROLE (WG_ROLE_DISPATCHER) | ROLE (WG_ROLE_ADMIN))
#define FIELD (ROLE (WG_ROLE_GRID_WORKER))
#define DEPT (ROLE (WG_ROLE_DEPARTMENT))
#define ALL_ROLES ((1u << WG_N_ROLES) - 1)

/* An alarm that still waits for the duty leader. */
#define UNACKNOWLEDGED 1

typedef struct {
  guint       roles;      /* ROLE() bits */
  int         grade;      /* WgGrade or ANY */
  int         state;      /* WgIncidentState or ANY */
  int         alarm;      /* UNACKNOWLEDGED or ANY */
  const char *primary[WG_ACTION_TABLE_MAX_PRIMARY + 1];
} Row;

/* First match wins: the specific rows above the general ones.  A new
 * command of the work-order cycle is one row here (and one entry in
 * wg-incident-actions.c for its key and dialog). */
static const Row rows[] = {
  /* An alarm nobody has seen: see it, and send help without waiting. */
  { CENTRE, WG_GRADE_EMERGENCY, ANY, UNACKNOWLEDGED, { "acknowledge", "dispatch" } },

  /* Emergencies */
  { CENTRE, WG_GRADE_EMERGENCY, WG_STATE_REPORTED, ANY, { "dispatch", "escalate" } },
  { CENTRE, WG_GRADE_EMERGENCY, WG_STATE_DISPATCHED, ANY, { "dispatch", "resolve" } },
  { CENTRE, WG_GRADE_EMERGENCY, WG_STATE_ON_SCENE, ANY, { "resolve", "dispatch" } },
  { CENTRE, WG_GRADE_EMERGENCY, WG_STATE_RESOLVED, ANY, { "close", "route" } },

  /* Professional events, the centre's side */
  { CENTRE, ANY, WG_STATE_REPORTED, ANY, { "route", "mediate", "upgrade" } },
  { CENTRE, ANY, WG_STATE_REJECTED, ANY, { "route" } },
  { CENTRE, ANY, WG_STATE_REJECTION_PENDING, ANY, { "review-rejection", "supervise" } },
  { CENTRE, ANY, WG_STATE_ROUTED, ANY, { "extend", "supervise", "note" } },
  { CENTRE, ANY, WG_STATE_ACCEPTED, ANY, { "extend", "supervise", "note" } },
  { CENTRE, ANY, WG_STATE_FEEDBACK_GIVEN, ANY, { "verify" } },
  /* A hotline or walk-in case closes after a satisfied call-back. */
  { CENTRE, ANY, WG_STATE_VERIFIED, ANY, { "call-back", "close" } },
  { CENTRE, ANY, WG_STATE_RESOLVED, ANY, { "call-back", "close" } },
  { CENTRE, ANY, WG_STATE_SUSPENDED, ANY, { "resume" } },

  /* The department the case is routed to */
  /* A supervision notice first, while it waits for the answer. */
  { DEPT, ANY, WG_STATE_ROUTED, ANY, { "answer-supervision", "accept", "reject" } },
  { DEPT, ANY, WG_STATE_ACCEPTED, ANY, { "answer-supervision", "feedback", "note" } },

  /* The grid worker in the field */
  /* Disputes are mediated in the grid first (小事不出网格). */
  { FIELD, ANY, WG_STATE_REPORTED, ANY, { "mediate", "handle-on-spot", "upgrade" } },
  { FIELD, ANY, WG_STATE_FEEDBACK_GIVEN, ANY, { "verify" } },

  /* Anything else still open: a note. */
  { ALL_ROLES, ANY, ANY, ANY, { "note" } },
};

const char * const *
wg_action_table_primary (WgRole          role,
                         WgGrade         grade,
                         WgIncidentState state,
                         WgAlarmState    alarm)
{
  static const char * const none[] = { NULL };
  gboolean unacknowledged = alarm == WG_ALARM_RAISED || alarm == WG_ALARM_ESCALATED;

  g_return_val_if_fail (role < WG_N_ROLES, none);

  if (state == WG_STATE_CLOSED || state == WG_STATE_CANCELLED)
    return none;
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const Row *row = &rows[i];

      if ((row->roles & ROLE (role)) == 0
          || (row->grade != ANY && row->grade != (int) grade)
          || (row->state != ANY && row->state != (int) state)
          || (row->alarm == UNACKNOWLEDGED && !unacknowledged))
        continue;
      return row->primary;
    }
  return none;
}
