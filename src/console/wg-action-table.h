/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-vocab.h"

G_BEGIN_DECLS

/* The actions that fit the moment: for an incident's grade, state and alarm
 * and the console's role, the two or three "incident." actions shown as
 * buttons, most urgent first.  The rest of the allowed actions go to the
 * detail sheet's menu.  The table is policy only: the caller still drops
 * what the role or the state does not allow (wg_incident_command_allowed),
 * so a row may name an action some of its roles cannot use.
 * Documented in docs/console.md ("Actions that fit the moment"). */

#define WG_ACTION_TABLE_MAX_PRIMARY 3

/* A NULL-terminated array of action names (without "incident."), static. */
const char * const *wg_action_table_primary (WgRole          role,
                                             WgGrade         grade,
                                             WgIncidentState state,
                                             WgAlarmState    alarm);

G_END_DECLS
