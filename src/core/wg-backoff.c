/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-backoff"

#include "config.h"

#include "wg-backoff.h"

/**
 * wg_backoff_init:
 * @seed: seeds the jitter; 0 picks a random seed
 */
void
wg_backoff_init (WgBackoff *self,
                 gint64     base_ms,
                 gint64     max_ms,
                 guint32    seed)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (base_ms > 0 && max_ms >= base_ms);

  self->base_ms = base_ms;
  self->max_ms = max_ms;
  self->failures = 0;
  self->rand = seed != 0 ? g_rand_new_with_seed (seed) : g_rand_new ();
}

void
wg_backoff_clear (WgBackoff *self)
{
  g_return_if_fail (self != NULL);
  g_clear_pointer (&self->rand, g_rand_free);
}

/**
 * wg_backoff_next_delay_ms:
 * @retry_after_ms: what the server asked for (Retry-After), or 0
 *
 * Counts one more failure and returns how long to wait before the next try:
 * never less than the server asked for.
 */
gint64
wg_backoff_next_delay_ms (WgBackoff *self,
                          gint64     retry_after_ms)
{
  gint64 ceiling;
  gint64 delay;

  g_return_val_if_fail (self != NULL && self->rand != NULL, 0);

  /* 2^20 times any sane base is already past the ceiling. */
  ceiling = self->base_ms << MIN (self->failures, 20u);
  ceiling = MIN (ceiling, self->max_ms);
  self->failures++;

  delay = (gint64) (g_rand_double (self->rand) * ceiling);
  return MAX (delay, retry_after_ms);
}

void
wg_backoff_reset (WgBackoff *self)
{
  g_return_if_fail (self != NULL);
  self->failures = 0;
}
