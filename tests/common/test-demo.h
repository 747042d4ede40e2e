/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-reference.h"

G_BEGIN_DECLS

/* The demo street's reference from data/demo (aborts the test if it does
 * not load). */
WgReference *test_demo_reference (void);

/* A moment in Shanghai time (UTC+8), in ms since the epoch. */
gint64       test_shanghai_ms    (int year,
                                  int month,
                                  int day,
                                  int hour,
                                  int minute);

G_END_DECLS
