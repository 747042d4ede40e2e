/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-reference.h"
#include "wg-rules.h"

G_BEGIN_DECLS

/* Step limits the reference data does not give per category: the centre's
 * own service levels, in working minutes. */
#define WG_DEFAULT_ROUTE_MINUTES   60   /* the centre routes within an hour */
#define WG_DEFAULT_VERIFY_MINUTES 480   /* the grid verifies within a working day */
#define WG_DEFAULT_CLOSE_MINUTES  240
#define WG_DEFAULT_RESOLVE_MINUTES 120  /* emergency: on scene to resolved, plain minutes */

WgRules    *wg_reference_build_rules    (WgReference  *reference,
                                         GError      **error);
WgCalendar *wg_reference_build_calendar (WgReference  *reference,
                                         GError      **error);

G_END_DECLS
