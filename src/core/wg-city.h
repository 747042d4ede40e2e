/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A generated city reference (SYNTHETIC): N streets side by side, each
 * with its own street code (a Guangzhou district's code and a street
 * number), names in Chinese and English, case-number prefix, ten
 * communities with their work stations and 200 comprehensive grids, and
 * its own grid workers, grid leaders, police, volunteer teams and minimal
 * emergency units.  The departments, categories, calendar and duty roster
 * are the base reference's (the Helong demo's).  The same base, number
 * and seed give the same reference, byte for byte.  docs/postgresql.md,
 * "The city reference".
 */
#pragma once

#include "wg-reference.h"

G_BEGIN_DECLS

#define WG_CITY_STREETS           100
#define WG_CITY_COMMUNITIES       10   /* per street */
#define WG_CITY_GRIDS_PER_COMMUNITY 20 /* 200 per street, 20,000 in a city of 100 */
/* The demo's city (wangge-server --demo-streets, wangge-history --streets,
 * the benchmarks): one city whoever builds it. */
#define WG_CITY_DEFAULT_SEED      20261128

/* The bundle (wg_reference_load_bundle()'s form) of a city of @n_streets
 * (1 to 1000). */
JsonObject  *wg_city_build_bundle  (WgReference  *base,
                                    guint         n_streets,
                                    guint64       seed);
WgReference *wg_city_new_reference (WgReference  *base,
                                    guint         n_streets,
                                    guint64       seed,
                                    GError      **error);

G_END_DECLS
