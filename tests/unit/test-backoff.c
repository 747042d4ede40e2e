/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wg-backoff.h"

static void
test_grows_to_ceiling_with_jitter (void)
{
  WgBackoff backoff;
  gint64 largest[12] = { 0 };
  gint64 smallest[12];

  for (int i = 0; i < 12; i++)
    smallest[i] = G_MAXINT64;

  /* Over many consoles (seeds), attempt n waits within [0, min(max, base 2^n)]
   * and the waits spread over that range rather than bunching. */
  for (guint32 seed = 1; seed <= 400; seed++)
    {
      wg_backoff_init (&backoff, 500, 30000, seed);
      for (int n = 0; n < 12; n++)
        {
          gint64 delay = wg_backoff_next_delay_ms (&backoff, 0);
          gint64 ceiling = MIN ((gint64) 500 << n, 30000);

          g_assert_cmpint (delay, >=, 0);
          g_assert_cmpint (delay, <=, ceiling);
          largest[n] = MAX (largest[n], delay);
          smallest[n] = MIN (smallest[n], delay);
        }
      wg_backoff_clear (&backoff);
    }

  for (int n = 0; n < 12; n++)
    {
      gint64 ceiling = MIN ((gint64) 500 << n, 30000);

      g_assert_cmpint (largest[n], >, ceiling * 9 / 10);
      g_assert_cmpint (smallest[n], <, ceiling / 10);
    }
}

static void
test_retry_after_and_reset (void)
{
  WgBackoff backoff;

  wg_backoff_init (&backoff, 500, 30000, 7);
  /* The server's Retry-After is a floor. */
  g_assert_cmpint (wg_backoff_next_delay_ms (&backoff, 5000), >=, 5000);
  for (int i = 0; i < 30; i++)
    wg_backoff_next_delay_ms (&backoff, 0);
  wg_backoff_reset (&backoff);
  g_assert_cmpint (wg_backoff_next_delay_ms (&backoff, 0), <=, 500);
  wg_backoff_clear (&backoff);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/backoff/grows-with-jitter", test_grows_to_ceiling_with_jitter);
  g_test_add_func ("/backoff/retry-after-and-reset", test_retry_after_and_reset);
  return g_test_run ();
}
