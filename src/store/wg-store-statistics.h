/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-statistics.h"
#include "wg-store.h"

G_BEGIN_DECLS

/* The figures (wg-statistics.h) of the cases received in [@from, @to) in
 * @area (a grid code prefix, NULL for all) and, with @department, routed to
 * it.  With @previous_from < @from the period [@previous_from, @from) is
 * computed too, for each department's previous rank. */
WgFigures *wg_store_compute_statistics (WgStore    *self,
                                        gint64      from,
                                        gint64      to,
                                        gint64      previous_from,
                                        const char *area,
                                        const char *department,
                                        GError    **error);

G_END_DECLS
