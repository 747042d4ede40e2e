/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-replay.h"

G_BEGIN_DECLS

/* The replay's timeline: a tick per event of the window, coloured by kind,
 * the selected incident's key moments taller, and the moment shown as a
 * cursor; a click or a drag seeks.  One widget drawn with GtkSnapshot, not
 * a widget per tick. */
#define WG_TYPE_REPLAY_TIMELINE (wg_replay_timeline_get_type ())
G_DECLARE_FINAL_TYPE (WgReplayTimeline, wg_replay_timeline, WG, REPLAY_TIMELINE, GtkWidget)

GtkWidget *wg_replay_timeline_new          (WgReplay         *replay);
/* The incident whose key moments stand out (NULL: none). */
void       wg_replay_timeline_set_incident (WgReplayTimeline *self,
                                            const char       *incident);
/* The bookmarks' moments (gint64), marked under the track. */
void       wg_replay_timeline_set_bookmarks (WgReplayTimeline *self,
                                             GArray           *moments);
/* The moment at @x pixels from the widget's left edge. */
gint64     wg_replay_timeline_time_at      (WgReplayTimeline *self,
                                            double            x);

G_END_DECLS
