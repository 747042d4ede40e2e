/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "wg-state.h"

G_BEGIN_DECLS

/* What one batch applied to a console's cache changed, as the cache held
 * it right after the batch: the events, and each incident they touched
 * (exercises aside) with the units of its open assignments.  Read on the
 * thread that applied the batch, so that the main loop updates its views
 * without reading the store. */
typedef struct _WgChangeSet WgChangeSet;

#define WG_TYPE_CHANGE_SET (wg_change_set_get_type ())
GType        wg_change_set_get_type      (void) G_GNUC_CONST;

WgChangeSet *wg_change_set_new           (GPtrArray   *events);
WgChangeSet *wg_change_set_ref           (WgChangeSet *self);
void         wg_change_set_unref         (WgChangeSet *self);

/* (element-type WgEvent): in seq order */
GPtrArray   *wg_change_set_get_events    (WgChangeSet *self);
/* Takes @record (and @units, unit ids, oldest first; NULL: none). */
void         wg_change_set_add_incident  (WgChangeSet      *self,
                                          WgIncidentRecord *record,
                                          GPtrArray        *units);
/* The incident as the batch left it, or NULL when the batch did not
 * touch it; @units (nullable out) the units of its open assignments
 * (NULL: none). */
const WgIncidentRecord *wg_change_set_lookup_incident (WgChangeSet  *self,
                                                       const char   *id,
                                                       GPtrArray   **units);
guint        wg_change_set_get_n_incidents (WgChangeSet *self);
/* The account on duty as a snapshot's roster named it; NULL when the
 * batch was no snapshot (handovers are events of their own) or the roster
 * named nobody. */
void         wg_change_set_set_duty_leader (WgChangeSet *self,
                                            const char  *account);
const char  *wg_change_set_get_duty_leader (WgChangeSet *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgChangeSet, wg_change_set_unref)

G_END_DECLS
