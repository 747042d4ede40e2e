/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* What the views of one window share: the selected incident and unit.
 * The board, the map and the detail pane bind to it. */
#define WG_TYPE_VIEW_MODEL (wg_view_model_get_type ())
G_DECLARE_FINAL_TYPE (WgViewModel, wg_view_model, WG, VIEW_MODEL, GObject)

WgViewModel *wg_view_model_new                   (void);
const char  *wg_view_model_get_selected_incident (WgViewModel *self);
void         wg_view_model_set_selected_incident (WgViewModel *self,
                                                  const char  *incident);
const char  *wg_view_model_get_selected_unit     (WgViewModel *self);
void         wg_view_model_set_selected_unit     (WgViewModel *self,
                                                  const char  *unit);

G_END_DECLS
