/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server's tokens checked from memory (wg-token-cache.c) answer what
 * the account database answers: expiry and renewal on time, a logout at
 * once, and changes made by another process (a second connection, as
 * `wangge-server user ...` makes them) at the next check.
 */
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "wg-account-store.h"
#include "wg-token-cache.h"

#define MINUTE_MS (60 * 1000)
#define HOUR_MS (60 * MINUTE_MS)
#define T0 1700000000000

typedef struct
{
  char           *dir;
  char           *path;
  WgAccountStore *store;   /* the server's */
  WgAccountStore *other;   /* another process's */
  WgTokenCache   *cache;
  char           *token;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = g_ptr_array_new ();
  WgAccount clerk = { .username = (char *) "clerk", .role = (char *) "dispatcher",
                      .password_hash = (char *) "$argon2id$fake" };

  fixture->dir = g_dir_make_tmp ("wangge-token-cache-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "accounts.db", NULL);
  fixture->store = wg_account_store_open (fixture->path, &error);
  g_assert_no_error (error);
  g_ptr_array_add (accounts, &clerk);
  g_assert_true (wg_account_store_add (fixture->store, accounts, &error));
  fixture->other = wg_account_store_open (fixture->path, &error);
  g_assert_no_error (error);
  fixture->cache = wg_token_cache_new (fixture->store, 4);
  fixture->token = wg_account_store_create_token (fixture->store, "clerk", T0, HOUR_MS, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_clear_pointer (&fixture->cache, wg_token_cache_free);
  g_clear_pointer (&fixture->other, wg_account_store_close);
  g_clear_pointer (&fixture->store, wg_account_store_close);
  dir = g_dir_open (fixture->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (fixture->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
  g_free (fixture->token);
}

static gboolean
accepted (Fixture *fixture,
          gint64   now_ms)
{
  g_autoptr(WgAccount) account = wg_token_cache_check (fixture->cache, fixture->token, now_ms, HOUR_MS, NULL);

  if (account != NULL)
    g_assert_cmpstr (account->username, ==, "clerk");
  return account != NULL;
}

/* Deletes the token behind the stamp's back: only a check in the database
 * notices. */
static void
delete_tokens_quietly (Fixture *fixture)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (fixture->path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM tokens", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
}

/* Served from memory until the next renewal is due, then checked (and
 * renewed) in the database. */
static void
test_memory_until_renewal (Fixture       *fixture,
                           gconstpointer  data)
{
  g_assert_true (accepted (fixture, T0 + 1000));
  g_assert_cmpuint (wg_token_cache_get_size (fixture->cache), ==, 1);
  delete_tokens_quietly (fixture);
  g_assert_true (accepted (fixture, T0 + 2000));
  g_assert_true (accepted (fixture, T0 + MINUTE_MS - 1));
  /* The renewal is the database's: it finds no token. */
  g_assert_false (accepted (fixture, T0 + MINUTE_MS));
  g_assert_cmpuint (wg_token_cache_get_size (fixture->cache), ==, 0);
}

/* A renewal through the cache moves the expiry as the database's own. */
static void
test_expiry_and_renewal (Fixture       *fixture,
                         gconstpointer  data)
{
  g_assert_true (accepted (fixture, T0 + 50 * MINUTE_MS));   /* renewed: expires at T0 + 110 min */
  g_assert_true (accepted (fixture, T0 + 109 * MINUTE_MS));  /* renewed again */
  g_assert_true (accepted (fixture, T0 + 168 * MINUTE_MS));
  g_assert_false (accepted (fixture, T0 + 300 * MINUTE_MS));
}

/* Another process disables the account, changes its password or enables
 * it again: the next check refuses the token (each ended it). */
static void
test_other_process (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const char *verbs[] = { "disable", "passwd", "disable-enable" };

  for (guint i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      g_clear_pointer (&fixture->token, g_free);
      g_assert_true (wg_account_store_set_disabled (fixture->other, "clerk", FALSE, &error));
      fixture->token = wg_account_store_create_token (fixture->store, "clerk", T0, HOUR_MS, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (accepted (fixture, T0 + 1000));
      g_assert_true (accepted (fixture, T0 + 1001));

      if (g_str_equal (verbs[i], "passwd"))
        g_assert_true (wg_account_store_set_password (fixture->other, "clerk", "$argon2id$new", &error));
      else
        g_assert_true (wg_account_store_set_disabled (fixture->other, "clerk", TRUE, &error));
      if (g_str_equal (verbs[i], "disable-enable"))
        g_assert_true (wg_account_store_set_disabled (fixture->other, "clerk", FALSE, &error));
      g_assert_no_error (error);
      g_assert_false (accepted (fixture, T0 + 1002));
    }
}

/* A logout: never from memory again. */
static void
test_forget (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (accepted (fixture, T0 + 1000));
  wg_token_cache_forget (fixture->cache, fixture->token);
  g_assert_true (wg_account_store_revoke_token (fixture->store, fixture->token, &error));
  g_assert_false (accepted (fixture, T0 + 1001));
}

/* Bounded: more tokens than places are all still checked right. */
static void
test_bounded (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *token = wg_account_store_create_token (fixture->store, "clerk", T0, HOUR_MS, NULL, &error);
      g_autoptr(WgAccount) account = NULL;

      g_assert_no_error (error);
      account = wg_token_cache_check (fixture->cache, token, T0 + 1000, HOUR_MS, NULL);
      g_assert_nonnull (account);
      g_assert_cmpuint (wg_token_cache_get_size (fixture->cache), <=, 4);
    }
  g_assert_null (wg_token_cache_check (fixture->cache, "not-a-token", T0 + 1000, HOUR_MS, &error));
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN);
  wg_token_cache_prune (fixture->cache, T0 + MINUTE_MS);
  g_assert_cmpuint (wg_token_cache_get_size (fixture->cache), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/token-cache/memory-until-renewal", Fixture, NULL, fixture_set_up, test_memory_until_renewal,
              fixture_tear_down);
  g_test_add ("/token-cache/expiry-and-renewal", Fixture, NULL, fixture_set_up, test_expiry_and_renewal,
              fixture_tear_down);
  g_test_add ("/token-cache/other-process", Fixture, NULL, fixture_set_up, test_other_process, fixture_tear_down);
  g_test_add ("/token-cache/forget", Fixture, NULL, fixture_set_up, test_forget, fixture_tear_down);
  g_test_add ("/token-cache/bounded", Fixture, NULL, fixture_set_up, test_bounded, fixture_tear_down);
  return g_test_run ();
}
