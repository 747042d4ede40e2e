/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-reference.h"
#include "wg-store.h"

G_BEGIN_DECLS

gboolean wg_store_adopt_reference (WgStore      *store,
                                   WgReference  *reference,
                                   GError      **error);
/* The two halves of wg_store_adopt_reference(), for a console whose cache
 * writer registers the units on its own connection while the main loop
 * goes on with the rules set. */
gboolean wg_store_adopt_rules     (WgStore      *store,
                                   WgReference  *reference,
                                   GError      **error);
gboolean wg_store_register_forces (WgStore      *store,
                                   WgReference  *reference,
                                   GError      **error);

G_END_DECLS
