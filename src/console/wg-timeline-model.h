/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "wg-context.h"
#include "wg-timeline-event.h"

G_BEGIN_DECLS

/* The events of one incident, oldest first, as a GListModel of
 * WgTimelineEvent: read once when the incident is set (the store's
 * indexed query, behind this view-model, not in a widget), then each new
 * event of the incident that the context applies is appended:
 * items_changed (n, 0, 1) for one event, never clear-and-refill. */
#define WG_TYPE_TIMELINE_MODEL (wg_timeline_model_get_type ())
G_DECLARE_FINAL_TYPE (WgTimelineModel, wg_timeline_model, WG, TIMELINE_MODEL, GObject)

WgTimelineModel *wg_timeline_model_new          (WgContext       *context);
/* Shows @incident's events (NULL: none). */
void             wg_timeline_model_set_incident (WgTimelineModel *self,
                                                 const char      *incident);
const char      *wg_timeline_model_get_incident (WgTimelineModel *self);

G_END_DECLS
