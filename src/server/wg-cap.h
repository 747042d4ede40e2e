/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OASIS CAP 1.2 alerts for emergency incidents (GET
 * /api/v1/incidents/{id}/cap; docs/api.md has the mapping).
 */
#pragma once

#include "wg-reference.h"
#include "wg-state.h"

G_BEGIN_DECLS

/* The CAP category (Fire, Safety, Rescue, ...) of one of our categories. */
const char *wg_cap_category_for   (const char             *category);
/* "2026-11-28T20:15:03+08:00": CAP's dateTime, whole seconds, explicit
 * offset of @tz. */
char       *wg_cap_format_time    (gint64                  utc_ms,
                                   GTimeZone              *tz);
/* The <alert> document of @incident.  @reference (nullable) names the
 * category and the grid; @exercise makes the status "Exercise". */
char       *wg_cap_build_alert    (const WgIncidentRecord *incident,
                                   WgReference            *reference,
                                   const char             *sender,
                                   gboolean                exercise,
                                   gint64                  now_ms);
/* The same for an exercise's incident (@exercise_note non-NULL): status
 * "Exercise", and @exercise_note in <note> names the exercise. */
char       *wg_cap_build_exercise_alert (const WgIncidentRecord *incident,
                                         WgReference            *reference,
                                         const char             *sender,
                                         const char             *exercise_note,
                                         gint64                  now_ms);

G_END_DECLS
