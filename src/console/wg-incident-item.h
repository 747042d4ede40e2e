/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "wg-state.h"

G_BEGIN_DECLS

/* One row of the incident board: the projection's record of an incident
 * and what the board shows beside it.  Updated in place as events arrive;
 * each changed property is notified. */
#define WG_TYPE_INCIDENT_ITEM (wg_incident_item_get_type ())
G_DECLARE_FINAL_TYPE (WgIncidentItem, wg_incident_item, WG, INCIDENT_ITEM, GObject)

/* Both take the record's contents (the record is left cleared). */
WgIncidentItem         *wg_incident_item_new          (WgIncidentRecord *record,
                                                       const char       *assignee);
gboolean                wg_incident_item_update       (WgIncidentItem   *self,
                                                       WgIncidentRecord *record,
                                                       const char       *assignee);

const WgIncidentRecord *wg_incident_item_get_record   (WgIncidentItem   *self);
const char             *wg_incident_item_get_id       (WgIncidentItem   *self);
const char             *wg_incident_item_get_case_number (WgIncidentItem *self);
const char             *wg_incident_item_get_assignee (WgIncidentItem   *self);
/* The units of its open assignments (@units: unit ids; NULL: none), as the
 * cache writer's change set or the model's fill read them: the board's
 * "Mine" for a unit asks here, not the store.  Returns whether they changed. */
gboolean                wg_incident_item_set_units    (WgIncidentItem   *self,
                                                       GPtrArray        *units);
gboolean                wg_incident_item_has_unit     (WgIncidentItem   *self,
                                                       const char       *unit);
/* Open, with an alarm raised or escalated but not acknowledged. */
gboolean                wg_incident_item_is_unacknowledged (WgIncidentItem *self);
gboolean                wg_incident_item_is_open      (WgIncidentItem   *self);
/* Past the current step's deadline at @now_ms (or marked overdue). */
gboolean                wg_incident_item_is_overdue   (WgIncidentItem   *self,
                                                       gint64            now_ms);

G_END_DECLS
