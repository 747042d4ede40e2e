/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The first rows of a selection model, as a selection model of their own:
 * what the board's column view holds.  GTK 4.8's list and column views keep
 * up to 200 rows alive (built, bound and measured) whatever their height,
 * so a busy board of 300 incidents built 200 rows of 8 cells before its
 * first frame.  The board shows the first rows and grows them as it
 * scrolls or selects further down.  Selecting a row here selects it in the
 * whole model, at the same position.  The items are WgBoardRow places
 * (wg-board-row.h): a change of the model changes what they show, and
 * only rows added or dropped at the end are announced to the view. */
#define WG_TYPE_BOARD_ROWS (wg_board_rows_get_type ())
G_DECLARE_FINAL_TYPE (WgBoardRows, wg_board_rows, WG, BOARD_ROWS, GObject)

WgBoardRows *wg_board_rows_new         (GtkSelectionModel *model,
                                        guint              size);
guint        wg_board_rows_get_size    (WgBoardRows       *self);
/* Never shrinks: rows once shown stay. */
void         wg_board_rows_grow_to     (WgBoardRows       *self,
                                        guint              size);

G_END_DECLS
