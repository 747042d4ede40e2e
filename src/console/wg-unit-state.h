/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-context.h"

G_BEGIN_DECLS

/* The view-model of one force's record in the cache (status, open
 * assignments), for the unit detail: read from the cache
 * (wg_context_read_cache: off the main loop with a server) when made and
 * again when a batch concerns the unit, so that the widget reads no
 * store; ::changed says the record was read. */
#define WG_TYPE_UNIT_STATE (wg_unit_state_get_type ())
G_DECLARE_FINAL_TYPE (WgUnitState, wg_unit_state, WG, UNIT_STATE, GObject)

WgUnitState        *wg_unit_state_new        (WgContext   *context,
                                              const char  *unit);
/* NULL when the cache does not know the unit. */
const WgUnitRecord *wg_unit_state_get_record (WgUnitState *self);

G_END_DECLS
