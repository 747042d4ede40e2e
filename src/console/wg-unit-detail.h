/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-context.h"

G_BEGIN_DECLS

/* A force picked on the map: who (name, title), kind, home grid, status,
 * open assignments, last position and its age, and the unit.status
 * buttons for those who may set it.  Its record comes from a view-model
 * (WgUnitState) that follows the cache; wg_unit_detail_update () shows it
 * again after events. */
#define WG_TYPE_UNIT_DETAIL (wg_unit_detail_get_type ())
G_DECLARE_FINAL_TYPE (WgUnitDetail, wg_unit_detail, WG, UNIT_DETAIL, GtkWidget)

/* NULL when @unit is no force of the reference. */
GtkWidget  *wg_unit_detail_new               (WgContext    *context,
                                              const char   *unit);
void        wg_unit_detail_update            (WgUnitDetail *self);
const char *wg_unit_detail_get_unit          (WgUnitDetail *self);
/* The unit.status button for @status ("available", "busy", "off_duty"),
 * or NULL when the role may not set it. */
GtkWidget  *wg_unit_detail_get_status_button (WgUnitDetail *self,
                                              const char   *status);

G_END_DECLS
