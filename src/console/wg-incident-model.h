/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "wg-context.h"
#include "wg-incident-item.h"

G_BEGIN_DECLS

/* The incidents of the context's store as a GListModel of WgIncidentItem,
 * in report order, filled in two queries (with a server, on the cache
 * writer's thread: empty until ::filled) and kept in step with
 * ::events-applied (from the batch's change set when the sync client's
 * writer read one, without a query on the main loop): a changed incident is updated in place and announced
 * as items_changed (pos, 1, 1) (a run of neighbours as one; a batch with
 * more than 8 runs, such as a catch-up page, as one range), new ones
 * appended in one; nothing is cleared and refilled, except when the cache
 * itself was emptied for another journal (::cache-reset: one
 * items_changed (0, old, new)).  Alongside, the same
 * incidents as WgMapIncident for the map. */
#define WG_TYPE_INCIDENT_MODEL (wg_incident_model_get_type ())
G_DECLARE_FINAL_TYPE (WgIncidentModel, wg_incident_model, WG, INCIDENT_MODEL, GObject)

WgIncidentModel *wg_incident_model_new            (WgContext       *context);
WgIncidentItem  *wg_incident_model_lookup         (WgIncidentModel *self,
                                                   const char      *id);
GListModel      *wg_incident_model_get_map_model  (WgIncidentModel *self);
gboolean         wg_incident_model_is_filled      (WgIncidentModel *self);
/* How many items_changed were emitted since creation (for tests). */
guint            wg_incident_model_get_n_changes  (WgIncidentModel *self);

G_END_DECLS
