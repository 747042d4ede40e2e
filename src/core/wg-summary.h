/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What a grid worker or a hotline operator writes in a report's summary:
 * a short Chinese sentence saying what happened (a building number here,
 * a count there), not the category's name.  For the simulator and the
 * history generator.  Categories it does not know get a plain sentence
 * built from @fallback_name.  Draws from @rand only.  Free with g_free(). */
char *wg_summary_compose (const char *category,
                          const char *fallback_name,
                          GRand      *rand);

/* What a mediation in the grid, a department's feedback or a call-back
 * says, for the same uses. */
char *wg_summary_mediation (gboolean    succeeded,
                            GRand      *rand);

G_END_DECLS
