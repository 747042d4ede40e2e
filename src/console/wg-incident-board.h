/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-context.h"
#include "wg-incident-model.h"

G_BEGIN_DECLS

/* Filter chips of the board; several at once narrow it down. */
typedef enum {
  WG_BOARD_FILTER_NONE           = 0,
  WG_BOARD_FILTER_EMERGENCY      = 1 << 0,
  WG_BOARD_FILTER_PROFESSIONAL   = 1 << 1,
  WG_BOARD_FILTER_GENERAL        = 1 << 2,
  WG_BOARD_FILTER_OPEN           = 1 << 3,
  WG_BOARD_FILTER_OVERDUE        = 1 << 4,
  WG_BOARD_FILTER_UNACKNOWLEDGED = 1 << 5,
  WG_BOARD_FILTER_MINE           = 1 << 6,
  /* The work-order cycle's queues */
  WG_BOARD_FILTER_REJECTION_PENDING = 1 << 7,
  WG_BOARD_FILTER_AWAITING_CALL_BACK = 1 << 8,
  WG_BOARD_FILTER_SUPERVISED     = 1 << 9,
  WG_BOARD_FILTER_REWORK         = 1 << 10,
} WgBoardFilter;

/* The incident board: filter chips and a search field over a column view
 * of the context's incidents, most urgent first. */
#define WG_TYPE_INCIDENT_BOARD (wg_incident_board_get_type ())
G_DECLARE_FINAL_TYPE (WgIncidentBoard, wg_incident_board, WG, INCIDENT_BOARD, GtkWidget)

GtkWidget          *wg_incident_board_new            (WgContext       *context,
                                                      WgIncidentModel *model);
GtkColumnView      *wg_incident_board_get_column_view (WgIncidentBoard *self);
GtkSingleSelection *wg_incident_board_get_selection  (WgIncidentBoard *self);
/* The filtered, sorted rows (WgIncidentItem). */
GListModel         *wg_incident_board_get_rows       (WgIncidentBoard *self);

WgBoardFilter       wg_incident_board_get_filters    (WgIncidentBoard *self);
void                wg_incident_board_set_filters    (WgIncidentBoard *self,
                                                      WgBoardFilter    filters);
/* A work-station area (its grid code) or NULL for all. */
void                wg_incident_board_set_area       (WgIncidentBoard *self,
                                                      const char      *station_grid);
/* A department code or NULL for all. */
void                wg_incident_board_set_department (WgIncidentBoard *self,
                                                      const char      *department);
void                wg_incident_board_set_search     (WgIncidentBoard *self,
                                                      const char      *text);
void                wg_incident_board_focus_search   (WgIncidentBoard *self);

/* The board's order: unacknowledged emergencies, open emergencies, other
 * open incidents, then closed ones; within each, least time left first. */
int                 wg_incident_board_compare        (WgIncidentItem  *a,
                                                      WgIncidentItem  *b);

G_END_DECLS
