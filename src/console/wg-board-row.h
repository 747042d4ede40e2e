/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One row the board's column view holds: a place that shows whichever
 * incident is at its position (WgBoardRows).  When the board's order or
 * contents change, the row's item changes (notify::item) and the cells
 * show the new one: GTK 4.8's list views build a new row widget, eight
 * cells, for every new item, which a replay's seek (every row replaced)
 * paid 2-3 ms a row on the main loop. */
#define WG_TYPE_BOARD_ROW (wg_board_row_get_type ())
G_DECLARE_FINAL_TYPE (WgBoardRow, wg_board_row, WG, BOARD_ROW, GObject)

WgBoardRow *wg_board_row_new      (GObject    *item);
/* The incident shown (a WgIncidentItem), never NULL. */
GObject    *wg_board_row_get_item (WgBoardRow *self);
void        wg_board_row_set_item (WgBoardRow *self,
                                   GObject    *item);

G_END_DECLS
