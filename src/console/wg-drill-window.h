/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wg-drill-session.h"
#include "wg-incident-board.h"
#include "wg-incident-model.h"
#include "wg-map-view.h"

G_BEGIN_DECLS

/* Drill mode (docs/console.md, "Drill"): one exercise in a window of its
 * own, EXERCISE across its header in a colour no live screen uses; the
 * exercise's board, on which trainees act with their live roles, and its
 * map (the live window's widget over the exercise's context); the live
 * alarm banner above it (the live sync keeps running); the score grid,
 * trainee by decision, live; for a trainer, pause, resume and end. */
#define WG_TYPE_DRILL_WINDOW (wg_drill_window_get_type ())
G_DECLARE_FINAL_TYPE (WgDrillWindow, wg_drill_window, WG, DRILL_WINDOW, AdwWindow)

/* @live and @live_model: the console's live context and incidents, for the
 * live banner over the drill. */
GtkWidget      *wg_drill_window_new          (WgDrillSession  *session,
                                              WgContext       *live,
                                              WgIncidentModel *live_model);
WgDrillSession *wg_drill_window_get_session  (WgDrillWindow   *self);
GtkColumnView  *wg_drill_window_get_grid     (WgDrillWindow   *self);
/* The exercise's incidents. */
WgIncidentModel *wg_drill_window_get_model   (WgDrillWindow   *self);
/* The exercise's board. */
WgIncidentBoard *wg_drill_window_get_board   (WgDrillWindow   *self);
/* The exercise's map: its incidents, grids and forces (the exercise's
 * positions). */
WgMapView      *wg_drill_window_get_map_view (WgDrillWindow   *self);
/* What the grid's cell for @username and the decision in column @column
 * (1 = the first decision) shows. */
char           *wg_drill_window_dup_cell_text (WgDrillWindow  *self,
                                               const char     *username,
                                               guint           column);
/* The trainer's exercise.inject: scripted @step now, or a grid worker's
 * @note (one of the two); a refusal is shown on the window. */
void            wg_drill_window_inject       (WgDrillWindow   *self,
                                              const char      *step,
                                              const char      *note);
/* The trainer's console heard the exercise end: nothing is pending. */
gboolean        wg_drill_window_is_ended     (WgDrillWindow   *self);
/* Recomputes the score and the grid now (the window does every second). */
void            wg_drill_window_refresh      (WgDrillWindow   *self);
/* The after-action report of the exercise as a PDF: the grid as it stands
 * now (the trainer's "Export Report…" writes it where the user chose). */
gboolean        wg_drill_window_export_report (WgDrillWindow  *self,
                                               const char     *path,
                                               GError        **error);

/* Starts an exercise from a past incident (@case_number, or its id) at the
 * moment @t_ms (UTC ms) on @live's server, as a trainer, and opens it in
 * Drill mode; a refusal is shown on @parent.  For Replay's "Start a drill
 * from here". */
void            wg_drill_start_from_incident (WgContext       *live,
                                              WgIncidentModel *live_model,
                                              GtkWindow       *parent,
                                              const char      *case_number,
                                              gint64           t_ms);
/* Starts an exercise from a scenario file of data/scenarios (trainer). */
void            wg_drill_start_from_scenario (WgContext       *live,
                                              WgIncidentModel *live_model,
                                              GtkWindow       *parent,
                                              const char      *scenario_file);
/* Lists the exercises on @live's server; the user joins one (or, a
 * trainer, starts one from a scenario). */
void            wg_drill_choose              (WgContext       *live,
                                              WgIncidentModel *live_model,
                                              GtkWindow       *parent);

G_END_DECLS
