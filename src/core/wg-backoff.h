/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exponential backoff with full jitter, for reconnecting and resending: after
 * failure n the wait is uniform in [0, min(max, base * 2^n)], so that a
 * hundred consoles losing the server at once do not return in step. */
typedef struct
{
  gint64  base_ms;
  gint64  max_ms;
  guint   failures;
  GRand  *rand;
} WgBackoff;

void    wg_backoff_init          (WgBackoff *self,
                                  gint64     base_ms,
                                  gint64     max_ms,
                                  guint32    seed);
void    wg_backoff_clear         (WgBackoff *self);
gint64  wg_backoff_next_delay_ms (WgBackoff *self,
                                  gint64     retry_after_ms);
void    wg_backoff_reset         (WgBackoff *self);

G_END_DECLS
