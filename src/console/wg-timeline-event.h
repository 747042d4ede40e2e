/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "wg-event.h"

G_BEGIN_DECLS

/* One journal event of an incident's timeline, as a list item. */
#define WG_TYPE_TIMELINE_EVENT (wg_timeline_event_get_type ())
G_DECLARE_FINAL_TYPE (WgTimelineEvent, wg_timeline_event, WG, TIMELINE_EVENT, GObject)

WgTimelineEvent *wg_timeline_event_new       (WgEvent         *event);
WgEvent         *wg_timeline_event_get_event (WgTimelineEvent *self);

G_END_DECLS
