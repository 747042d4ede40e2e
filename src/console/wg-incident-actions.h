/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-context.h"
#include "wg-incident-model.h"

G_BEGIN_DECLS

/* The "incident." actions on the selected incident: one per command of
 * protocol.md that the console's role may send, enabled where the engine's
 * tables (wg_decide_*) say it is legal.  Each disabled action has a
 * reason, which the buttons show as their tooltip. */
#define WG_TYPE_INCIDENT_ACTIONS (wg_incident_actions_get_type ())
G_DECLARE_FINAL_TYPE (WgIncidentActions, wg_incident_actions, WG, INCIDENT_ACTIONS, GObject)

typedef struct {
  const char    *name;      /* action name, without the "incident." prefix */
  WgCommandType  command;
  const char    *accel;     /* gtk_accelerator_parse() syntax */
} WgIncidentActionEntry;

WgIncidentActions *wg_incident_actions_new        (WgContext         *context,
                                                   WgIncidentModel   *model);
GActionGroup      *wg_incident_actions_get_group  (WgIncidentActions *self);
/* The window the dialogs belong to. */
void               wg_incident_actions_set_parent (WgIncidentActions *self,
                                                   GtkWindow         *parent);
/* The actions in display order. */
const WgIncidentActionEntry *
                   wg_incident_actions_list       (guint             *n_entries);
/* The selected incident's actions as the detail sheet shows them: the
 * action table's buttons that are allowed now into @primary, the other
 * allowed actions (display order) into @more; entries are static.  Nothing
 * selected: both stay empty. */
void               wg_incident_actions_get_shown  (WgIncidentActions *self,
                                                   GPtrArray         *primary,
                                                   GPtrArray         *more);
/* The same for any @actor and @record (either may be NULL: nothing). */
void               wg_incident_actions_split      (const WgActor          *actor,
                                                   WgReference            *reference,
                                                   const WgIncidentRecord *record,
                                                   GPtrArray              *primary,
                                                   GPtrArray              *more);
/* Why @action_name cannot be used now, or NULL when it can. */
const char        *wg_incident_actions_get_reason (WgIncidentActions *self,
                                                   const char        *action_name);
/* Whether @actor (or NULL) may send @command about @record now; when not,
 * @reason tells why (translated, static or owned by the caller). */
gboolean           wg_incident_command_allowed    (WgCommandType           command,
                                                   const WgActor          *actor,
                                                   WgReference            *reference,
                                                   const WgIncidentRecord *record,
                                                   char                  **reason);
/* Re-reads the selected incident (after events arrived). */
void               wg_incident_actions_refresh    (WgIncidentActions *self);

G_END_DECLS
