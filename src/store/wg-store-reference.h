/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-reference.h"
#include "wg-store.h"

G_BEGIN_DECLS

gboolean wg_store_adopt_reference (WgStore      *store,
                                   WgReference  *reference,
                                   GError      **error);

G_END_DECLS
