/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wg-rate-limit.h"

#define SECOND G_USEC_PER_SEC

static void
test_bucket_allows_burst_then_rate (void)
{
  g_autoptr(WgRateLimiter) limiter = wg_rate_limiter_new (50, 100);
  gint64 t = 1000 * SECOND;
  double retry = -1;
  guint allowed = 0;

  /* A console dispatching fast: 100 at once pass, the 101st waits 1/50 s. */
  for (int i = 0; i < 100; i++)
    allowed += wg_rate_limiter_try (limiter, "token-a", t, NULL);
  g_assert_cmpuint (allowed, ==, 100);
  g_assert_false (wg_rate_limiter_try (limiter, "token-a", t, &retry));
  g_assert_cmpfloat_with_epsilon (retry, 0.02, 1e-9);

  /* Another key has its own bucket. */
  g_assert_true (wg_rate_limiter_try (limiter, "token-b", t, NULL));

  /* 50 commands/s sustained for 10 s all pass. */
  allowed = 0;
  for (int i = 1; i <= 500; i++)
    allowed += wg_rate_limiter_try (limiter, "token-a", t + i * SECOND / 50, NULL);
  g_assert_cmpuint (allowed, ==, 500);

  /* 100/s sustained does not: about half are refused. */
  allowed = 0;
  t += 20 * SECOND;
  for (int i = 1; i <= 1000; i++)
    allowed += wg_rate_limiter_try (limiter, "token-a", t + i * SECOND / 100, NULL);
  g_assert_cmpuint (allowed, >=, 590);
  g_assert_cmpuint (allowed, <=, 610);
}

/* Permits another server instance used: charged here, down to -burst. */
static void
test_bucket_charge (void)
{
  g_autoptr(WgRateLimiter) limiter = wg_rate_limiter_new (50, 100);
  gint64 t = 1000 * SECOND;
  double retry = -1;

  wg_rate_limiter_charge (limiter, "token-a", 99, t);
  g_assert_true (wg_rate_limiter_try (limiter, "token-a", t, NULL));
  g_assert_false (wg_rate_limiter_try (limiter, "token-a", t, &retry));
  g_assert_cmpfloat_with_epsilon (retry, 0.02, 1e-9);

  /* A debt larger than the burst waits no longer than an empty burst's. */
  wg_rate_limiter_charge (limiter, "token-a", 1000, t);
  g_assert_false (wg_rate_limiter_try (limiter, "token-a", t, &retry));
  g_assert_cmpfloat_with_epsilon (retry, 101 / 50.0, 1e-9);
}

static void
test_bucket_prune_forgets_full_buckets (void)
{
  g_autoptr(WgRateLimiter) limiter = wg_rate_limiter_new (1, 5);

  wg_rate_limiter_try (limiter, "a", 0, NULL);
  wg_rate_limiter_try (limiter, "b", 4 * SECOND, NULL);
  g_assert_cmpuint (wg_rate_limiter_get_size (limiter), ==, 2);
  wg_rate_limiter_prune (limiter, 2 * SECOND);
  g_assert_cmpuint (wg_rate_limiter_get_size (limiter), ==, 1);
  wg_rate_limiter_prune (limiter, 6 * SECOND);
  g_assert_cmpuint (wg_rate_limiter_get_size (limiter), ==, 0);
}

static void
test_failure_window (void)
{
  g_autoptr(WgFailureWindow) window = wg_failure_window_new (5, 60 * SECOND);
  double retry = 0;

  for (int i = 0; i < 4; i++)
    wg_failure_window_record (window, "leader", i * SECOND);
  g_assert_true (wg_failure_window_allows (window, "leader", 4 * SECOND, NULL));

  wg_failure_window_record (window, "leader", 10 * SECOND);
  g_assert_false (wg_failure_window_allows (window, "leader", 10 * SECOND, &retry));
  /* The first failure (t=0) leaves the window at t=60. */
  g_assert_cmpfloat_with_epsilon (retry, 50.0, 1e-9);
  g_assert_true (wg_failure_window_allows (window, "dispatcher", 10 * SECOND, NULL));
  g_assert_true (wg_failure_window_allows (window, "leader", 60 * SECOND, NULL));

  /* A success forgets the failures. */
  wg_failure_window_forget (window, "leader");
  g_assert_true (wg_failure_window_allows (window, "leader", 11 * SECOND, NULL));

  /* 60 failures in a row stay refused as long as they keep coming. */
  for (int i = 0; i < 60; i++)
    wg_failure_window_record (window, "10.0.0.9", 100 * SECOND + i * SECOND / 10);
  g_assert_false (wg_failure_window_allows (window, "10.0.0.9", 106 * SECOND, &retry));
  g_assert_cmpfloat (retry, >, 0);

  wg_failure_window_prune (window, 1000 * SECOND);
  g_assert_cmpuint (wg_failure_window_get_size (window), ==, 0);
}

/* Attempts being checked count: parallel guesses get no more tries than
 * serial ones, and a success frees its place without counting. */
static void
test_failure_window_pending (void)
{
  g_autoptr(WgFailureWindow) window = wg_failure_window_new (5, 60 * SECOND);
  double retry = 0;

  for (int i = 0; i < 5; i++)
    {
      g_assert_true (wg_failure_window_allows (window, "leader", 0, NULL));
      wg_failure_window_begin (window, "leader");
    }
  g_assert_false (wg_failure_window_allows (window, "leader", 0, &retry));
  g_assert_cmpfloat_with_epsilon (retry, 1.0, 1e-9);

  /* One success: a place again; a success is no failure. */
  wg_failure_window_end (window, "leader", FALSE, SECOND);
  g_assert_true (wg_failure_window_allows (window, "leader", SECOND, NULL));

  /* The other four fail, and one more in flight fills the window: it
   * stays refused until the first failure leaves it, after the check. */
  for (int i = 0; i < 4; i++)
    wg_failure_window_end (window, "leader", TRUE, 2 * SECOND);
  wg_failure_window_begin (window, "leader");
  g_assert_false (wg_failure_window_allows (window, "leader", 3 * SECOND, &retry));
  g_assert_cmpfloat_with_epsilon (retry, 59.0, 1e-9);

  /* Forgetting keeps the attempt in flight, and pruning keeps its key. */
  wg_failure_window_forget (window, "leader");
  wg_failure_window_prune (window, 1000 * SECOND);
  g_assert_cmpuint (wg_failure_window_get_size (window), ==, 1);
  wg_failure_window_end (window, "leader", TRUE, 1000 * SECOND);
  g_assert_true (wg_failure_window_allows (window, "leader", 1000 * SECOND, NULL));
  wg_failure_window_prune (window, 2000 * SECOND);
  g_assert_cmpuint (wg_failure_window_get_size (window), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rate-limit/bucket", test_bucket_allows_burst_then_rate);
  g_test_add_func ("/rate-limit/bucket-charge", test_bucket_charge);
  g_test_add_func ("/rate-limit/bucket-prune", test_bucket_prune_forgets_full_buckets);
  g_test_add_func ("/rate-limit/failure-window", test_failure_window);
  g_test_add_func ("/rate-limit/failure-window/pending", test_failure_window_pending);
  return g_test_run ();
}
