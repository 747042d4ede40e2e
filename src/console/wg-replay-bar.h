/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-map-view.h"
#include "wg-replay.h"
#include "wg-replay-bookmarks.h"
#include "wg-replay-timeline.h"

G_BEGIN_DECLS

/* The controls under the replay's map: back to live, previous / play /
 * next event, speed (1x to 600x), the moment, the timeline, the selected
 * incident's key moments, follow-the-incident, bookmarks (added, listed,
 * exported as CSV through GtkFileChooserNative), a time-window picker, and the search for a past
 * incident (case number, category, grid, date or any text: one Chinese
 * character finds its incidents; wg_store_search_incidents()). */
#define WG_TYPE_REPLAY_BAR (wg_replay_bar_get_type ())
G_DECLARE_FINAL_TYPE (WgReplayBar, wg_replay_bar, WG, REPLAY_BAR, GtkWidget)

GtkWidget        *wg_replay_bar_new          (WgReplay    *replay,
                                              WgMapView   *map_view);
WgReplayTimeline *wg_replay_bar_get_timeline (WgReplayBar *self);
/* Searches the incidents for @text as the search entry does (off the
 * main loop with a server); categories and grids match by name. */
void              wg_replay_bar_search       (WgReplayBar *self,
                                              const char  *text);
/* (element-type WgIncidentRecord): what the last search found, latest
 * first, as its rows show; NULL while it is under way. */
GPtrArray        *wg_replay_bar_get_found    (WgReplayBar *self);
/* Picks @incident: selects it, spans the timeline over it (a minute
 * either side), shows its key moments and goes to its report. */
void              wg_replay_bar_pick         (WgReplayBar *self,
                                              const char  *incident);
/* Spans the timeline over the day @date (2026-11-27, the centre's time
 * zone) and goes to its start; FALSE when @date is not one. */
gboolean          wg_replay_bar_pick_day     (WgReplayBar *self,
                                              const char  *date);
/* Limits the timeline to @from_ms .. @to_ms (as the time-window picker
 * does) and goes to its start when the moment shown is outside; an error
 * a person understands when @to_ms is not after @from_ms or the window
 * leaves the journal (wg_replay_get_bounds(), in whole minutes). */
gboolean          wg_replay_bar_set_time_window (WgReplayBar *self,
                                                 gint64       from_ms,
                                                 gint64       to_ms,
                                                 GError     **error);
/* Opens the time-window picker (a calendar and hour:minute for each end). */
void              wg_replay_bar_show_window_picker (WgReplayBar *self);
void              wg_replay_bar_toggle_play  (WgReplayBar *self);
/* The replay's bookmarks; adds one at the moment shown, with the selected
 * incident and @remark (as the Add Bookmark button does). */
WgReplayBookmarks *wg_replay_bar_get_bookmarks (WgReplayBar *self);
void              wg_replay_bar_add_bookmark (WgReplayBar *self,
                                              const char  *remark);
/* Exports the bookmarks to @file (CSV) off the main loop; the bar says
 * when it is done or what failed (what the Export button does). */
void              wg_replay_bar_export_bookmarks (WgReplayBar *self,
                                                  GFile       *file);
/* @ms as the centre's local date and time. */
char             *wg_replay_format_moment    (WgReplay    *replay,
                                              gint64       ms);

G_END_DECLS
