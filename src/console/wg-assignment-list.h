/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-context.h"

G_BEGIN_DECLS

/* The view-model of one incident's assignments, for the detail: read from
 * the cache (wg_context_read_cache: off the main loop with a server) when
 * the incident is set and again when a batch touches it, so that the
 * widget that shows them reads no store; ::changed says the records were
 * read. */
#define WG_TYPE_ASSIGNMENT_LIST (wg_assignment_list_get_type ())
G_DECLARE_FINAL_TYPE (WgAssignmentList, wg_assignment_list, WG, ASSIGNMENT_LIST, GObject)

WgAssignmentList *wg_assignment_list_new          (WgContext        *context);
void              wg_assignment_list_set_incident (WgAssignmentList *self,
                                                   const char       *incident);
/* (element-type WgAssignmentRecord): oldest first; empty without an
 * incident. */
GPtrArray        *wg_assignment_list_get_records  (WgAssignmentList *self);

G_END_DECLS
