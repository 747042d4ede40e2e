/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wg-password.h"

#include <sodium.h>

static void
test_hash_and_verify (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = wg_password_hash ("正确的密码 horse", &error);
  g_autofree char *again = wg_password_hash ("正确的密码 horse", NULL);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (hash, "$argon2id$"));
  /* Salted: the same password never gives the same hash. */
  g_assert_cmpstr (hash, !=, again);

  g_assert_true (wg_password_verify (hash, "正确的密码 horse", &error));
  g_assert_no_error (error);
  g_assert_false (wg_password_verify (hash, "正确的密码 hors", &error));
  g_assert_error (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_WRONG);
  g_clear_error (&error);

  g_assert_false (wg_password_verify ("plaintext", "plaintext", &error));
  g_assert_error (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_false (wg_password_verify (wg_password_dummy_hash (), "", &error));
  g_assert_error (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_WRONG);
}

/* The demo's printed password: a valid argon2id hash at the lowest limits,
 * checked like any other; everything else at the interactive limits. */
static void
test_published_password (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *published = wg_password_hash_published ("demo", &error);
  g_autofree char *kept = wg_password_hash ("demo", NULL);

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (published, "$argon2id$"));
  g_assert_true (wg_password_verify (published, "demo", &error));
  g_assert_false (wg_password_verify (published, "demo ", &error));
  g_assert_error (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_WRONG);
  g_assert_cmpint (crypto_pwhash_str_needs_rehash (published, crypto_pwhash_OPSLIMIT_MIN,
                                                   crypto_pwhash_MEMLIMIT_MIN), ==, 0);
  g_assert_cmpint (crypto_pwhash_str_needs_rehash (kept, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                   crypto_pwhash_MEMLIMIT_INTERACTIVE), ==, 0);
  g_assert_cmpint (crypto_pwhash_str_needs_rehash (published, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                   crypto_pwhash_MEMLIMIT_INTERACTIVE), ==, 1);
}

typedef struct
{
  WgPasswordPool *pool;
  guint           pending;
  guint           accepted;
  guint           wrong;
  guint           busy;
  GThread        *caller;
} Checks;

static void
verified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Checks *checks = user_data;
  g_autoptr(GError) error = NULL;

  /* Answers come back on the caller's main context, never on a worker. */
  g_assert_true (g_thread_self () == checks->caller);

  if (wg_password_verify_finish (checks->pool, result, &error))
    checks->accepted++;
  else if (g_error_matches (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_WRONG))
    checks->wrong++;
  else if (g_error_matches (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_BUSY))
    checks->busy++;
  else
    g_assert_not_reached ();
  checks->pending--;
}

static void
test_pool_is_async_and_bounded (void)
{
  g_autofree char *hash = wg_password_hash ("leader-password", NULL);
  Checks checks = { 0 };

  checks.pool = wg_password_pool_new (2, 3);
  checks.caller = g_thread_self ();

  /* The main loop stays free while hashes run: the calls return before any
   * answer, which only comes through the main loop. */
  wg_password_verify_async (checks.pool, hash, "leader-password", NULL, verified_cb, &checks);
  wg_password_verify_async (checks.pool, hash, "wrong", NULL, verified_cb, &checks);
  checks.pending = 2;
  g_assert_cmpuint (checks.accepted + checks.wrong + checks.busy, ==, 0);

  /* A flood beyond the queue's bound is refused, not queued. */
  for (int i = 0; i < 12; i++)
    {
      checks.pending++;
      wg_password_verify_async (checks.pool, hash, "flood", NULL, verified_cb, &checks);
    }

  while (checks.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (checks.accepted, ==, 1);
  g_assert_cmpuint (checks.busy, >, 0);
  g_assert_cmpuint (checks.wrong + checks.busy, ==, 13);

  wg_password_pool_free (checks.pool);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/password/hash-and-verify", test_hash_and_verify);
  g_test_add_func ("/password/published", test_published_password);
  g_test_add_func ("/password/pool-async-bounded", test_pool_is_async_and_bounded);
  return g_test_run ();
}
