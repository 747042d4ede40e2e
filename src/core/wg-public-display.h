/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a public display (the `wall` role: the centre's big screen, seen by
 * visitors in the room) may show of a case (protocol.md, "Reading the
 * journal"): no resident's name or phone number, no free text but an
 * ordinary case's summary, locations coarsened to the grid's centre, and
 * sensitive cases (disputes, petitions, domestic violence) reduced to
 * category and grid (their summary an empty string).  Staff names (actors,
 * units) stay.
 */
#pragma once

#include "wg-event.h"
#include "wg-rules.h"

G_BEGIN_DECLS

/* What the display knows of the case an event belongs to. */
typedef struct
{
  gboolean sensitive;   /* category and grid only */
  gboolean has_centre;  /* the case's grid has a known centre */
  double   centre_lat;
  double   centre_lon;
} WgPublicCase;

/* The case of @category in @grid (either may be NULL: not a case, or
 * outside every grid) by @rules. */
void        wg_public_case_init           (WgPublicCase       *pcase,
                                           WgRules            *rules,
                                           const char         *category,
                                           const char         *grid);

/* @self as a public display may see it: a new reference to @self when
 * nothing is to be taken out. */
WgEvent    *wg_event_for_public_display   (WgEvent            *self,
                                           const WgPublicCase *pcase);

/* @self's body as its JSON text into @body, and the body of
 * wg_event_for_public_display (@self, @pcase) into @public_body. */
void        wg_public_display_write_bodies (WgEvent            *self,
                                            const WgPublicCase *pcase,
                                            GString            *body,
                                            GString            *public_body);
/* Reduces an incident's JSON (wg_incident_record_to_json()) in place:
 * summary, location and the caller's details as for its events. */
void        wg_public_display_reduce_incident (JsonObject         *incident,
                                               const WgPublicCase *pcase);

G_END_DECLS
