/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>

#include "wg-account-store.h"
#include "wg-audit-writer.h"

#define HOUR_MS (3600 * 1000)

typedef struct
{
  char           *dir;
  char           *path;
  WgAccountStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) accounts = g_ptr_array_new ();
  WgAccount leader = { .username = (char *) "leader", .role = (char *) "duty_leader",
                       .password_hash = (char *) "$argon2id$fake", .display_name = (char *) "张伟" };
  WgAccount worker = { .username = (char *) "worker-17", .role = (char *) "grid_worker",
                       .password_hash = (char *) "$argon2id$fake",
                       .grid = (char *) "440111012003017", .unit = (char *) "gw-17" };

  fixture->dir = g_dir_make_tmp ("wangge-accounts-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "accounts.db", NULL);
  fixture->store = wg_account_store_open (fixture->path, &error);
  g_assert_no_error (error);

  g_ptr_array_add (accounts, &leader);
  g_ptr_array_add (accounts, &worker);
  g_assert_true (wg_account_store_add (fixture->store, accounts, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

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
}

/* put(): a copy kept in step with the shared accounts replaces a row of
 * the same name, and the account's tokens stay. */
static void
test_put_replaces (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new ();
  g_autoptr(WgAccount) leader = NULL;
  g_autoptr(WgAccount) clerk = NULL;
  g_autoptr(WgAccount) holder = NULL;
  g_autofree char *token = NULL;
  WgAccount disabled = { .username = (char *) "leader", .role = (char *) "duty_leader",
                         .password_hash = (char *) "$argon2id$other", .disabled = TRUE };
  WgAccount added = { .username = (char *) "clerk", .role = (char *) "dispatcher",
                      .password_hash = (char *) "$argon2id$fake" };

  token = wg_account_store_create_token (fixture->store, "leader", 0, HOUR_MS, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (changed, &disabled);
  g_ptr_array_add (changed, &added);
  g_assert_true (wg_account_store_put (fixture->store, changed, &error));
  g_assert_no_error (error);

  leader = wg_account_store_lookup (fixture->store, "leader", &error);
  g_assert_no_error (error);
  g_assert_true (leader->disabled);
  g_assert_cmpstr (leader->password_hash, ==, "$argon2id$other");
  g_assert_null (leader->display_name);
  clerk = wg_account_store_lookup (fixture->store, "clerk", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (clerk->role, ==, "dispatcher");
  /* The token is still there: refused for the account's being disabled. */
  holder = wg_account_store_check_token (fixture->store, token, 1000, HOUR_MS, NULL, &error);
  g_assert_null (holder);
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_DISABLED);
}

static void
test_accounts (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgAccount) worker = wg_account_store_lookup (fixture->store, "worker-17", &error);
  g_autoptr(WgAccount) nobody = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) again = g_ptr_array_new ();
  WgAccount duplicate = { .username = (char *) "leader", .role = (char *) "admin",
                          .password_hash = (char *) "x" };
  WgAccount fresh = { .username = (char *) "dispatcher", .role = (char *) "dispatcher",
                      .password_hash = (char *) "x" };

  g_assert_no_error (error);
  g_assert_cmpstr (worker->role, ==, "grid_worker");
  g_assert_cmpstr (worker->grid, ==, "440111012003017");
  g_assert_cmpstr (worker->unit, ==, "gw-17");
  g_assert_null (worker->department);

  nobody = wg_account_store_lookup (fixture->store, "' OR 1=1 --", &error);
  g_assert_null (nobody);
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* All or nothing: one duplicate refuses the batch. */
  g_ptr_array_add (again, &fresh);
  g_ptr_array_add (again, &duplicate);
  g_assert_false (wg_account_store_add (fixture->store, again, &error));
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  all = wg_account_store_list (fixture->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);
  g_assert_cmpstr (((WgAccount *) all->pdata[0])->username, ==, "leader");
  g_assert_cmpstr (((WgAccount *) all->pdata[0])->display_name, ==, "张伟");
}

static void
test_tokens_expire_renew_and_revoke (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const gint64 t0 = 1764310930000;
  gint64 expires = 0;
  g_autofree char *token = wg_account_store_create_token (fixture->store, "leader", t0, 8 * HOUR_MS,
                                                          &expires, &error);
  g_autoptr(WgAccount) account = NULL;
  g_autofree char *forged = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (token), ==, 43);
  g_assert_null (strpbrk (token, "+/="));
  g_assert_cmpint (expires, ==, t0 + 8 * HOUR_MS);

  /* In use, it is renewed: 7 h later it lasts 8 h from then. */
  account = wg_account_store_check_token (fixture->store, token, t0 + 7 * HOUR_MS, 8 * HOUR_MS,
                                          &expires, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (account->username, ==, "leader");
  g_assert_cmpint (expires, ==, t0 + 15 * HOUR_MS);
  g_clear_pointer (&account, wg_account_free);

  /* Unused past its expiry, it is refused. */
  account = wg_account_store_check_token (fixture->store, token, t0 + 15 * HOUR_MS, 8 * HOUR_MS,
                                          NULL, &error);
  g_assert_null (account);
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  /* A forged token (one character changed) is refused. */
  g_clear_pointer (&token, g_free);
  token = wg_account_store_create_token (fixture->store, "leader", t0, 8 * HOUR_MS, NULL, &error);
  forged = g_strdup (token);
  forged[0] = forged[0] == 'A' ? 'B' : 'A';
  account = wg_account_store_check_token (fixture->store, forged, t0, 8 * HOUR_MS, NULL, &error);
  g_assert_null (account);
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  /* Logging out ends the token at once. */
  g_assert_true (wg_account_store_revoke_token (fixture->store, token, &error));
  account = wg_account_store_check_token (fixture->store, token, t0, 8 * HOUR_MS, NULL, &error);
  g_assert_null (account);
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN);
}

static void
test_password_change_and_disable_end_sessions (Fixture       *fixture,
                                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const gint64 t0 = 1764310930000;
  g_autofree char *first = wg_account_store_create_token (fixture->store, "worker-17", t0, HOUR_MS,
                                                          NULL, &error);
  g_autofree char *second = NULL;
  WgAccount *account;

  g_assert_true (wg_account_store_set_password (fixture->store, "worker-17", "$argon2id$new", &error));
  g_assert_no_error (error);
  account = wg_account_store_check_token (fixture->store, first, t0, HOUR_MS, NULL, &error);
  g_assert_null (account);
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  second = wg_account_store_create_token (fixture->store, "worker-17", t0, HOUR_MS, NULL, &error);
  g_assert_true (wg_account_store_set_disabled (fixture->store, "worker-17", TRUE, &error));
  account = wg_account_store_check_token (fixture->store, second, t0, HOUR_MS, NULL, &error);
  g_assert_null (account);
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN);
  g_clear_error (&error);

  g_assert_false (wg_account_store_set_disabled (fixture->store, "nobody", TRUE, &error));
  g_assert_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_NOT_FOUND);
}

static void
test_audit_survives_reopen (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  WgAuditEntry login = { .ts_ms = 1, .actor = (char *) "leader", .address = (char *) "127.0.0.1",
                         .action = (char *) "login", .status = 200 };
  WgAuditEntry refused = { .ts_ms = 2, .actor = (char *) "worker-17",
                           .address = (char *) "127.0.0.1",
                           .action = (char *) "command:incident.close",
                           .command_id = (char *) "6f1c0a5e-2d3b-4b8e-9a71-3c2f5d7e8a90",
                           .status = 403, .result = (char *) "forbidden" };

  g_assert_true (wg_account_store_audit (fixture->store, &login, &error));
  g_assert_true (wg_account_store_audit (fixture->store, &refused, &error));
  g_assert_no_error (error);

  wg_account_store_close (fixture->store);
  fixture->store = wg_account_store_open (fixture->path, &error);
  g_assert_no_error (error);

  entries = wg_account_store_read_audit (fixture->store, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 2);
  g_assert_cmpstr (((WgAuditEntry *) entries->pdata[0])->result, ==, "ok");
  g_assert_cmpstr (((WgAuditEntry *) entries->pdata[1])->result, ==, "forbidden");
  g_assert_cmpint (((WgAuditEntry *) entries->pdata[1])->status, ==, 403);
  g_clear_pointer (&entries, g_ptr_array_unref);

  entries = wg_account_store_read_audit (fixture->store, 1, 100, &error);
  g_assert_cmpuint (entries->len, ==, 1);
}

static GPtrArray *
audit_rows (guint first,
            guint n)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_audit_entry_free);

  for (guint i = first; i < first + n; i++)
    {
      WgAuditEntry *entry = g_new0 (WgAuditEntry, 1);

      entry->ts_ms = i;
      entry->actor = g_strdup ("dispatcher");
      entry->action = g_strdup ("command:incident.report");
      entry->command_id = g_strdup_printf ("00000000-0000-4000-8000-%012u", i);
      entry->status = 200;
      entry->result = g_strdup ("ok");
      g_ptr_array_add (rows, entry);
    }
  return rows;
}

/* The writer thread's rows: in their order, readable once flushed, and
 * every queued one written by the time it is freed. */
static void
test_audit_writer (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  WgAuditWriter *writer = wg_audit_writer_new (fixture->path, &error);

  g_assert_no_error (error);
  for (guint batch = 0; batch < 10; batch++)
    wg_audit_writer_queue (writer, audit_rows (batch * 5, 5));
  wg_audit_writer_flush (writer);
  entries = wg_account_store_read_audit (fixture->store, 0, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 50);
  for (guint i = 0; i < entries->len; i++)
    g_assert_cmpint (((WgAuditEntry *) entries->pdata[i])->ts_ms, ==, i);
  g_clear_pointer (&entries, g_ptr_array_unref);

  for (guint batch = 10; batch < 40; batch++)
    wg_audit_writer_queue (writer, audit_rows (batch * 5, 5));
  wg_audit_writer_free (writer);
  entries = wg_account_store_read_audit (fixture->store, 0, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, 200);
  g_assert_cmpint (((WgAuditEntry *) entries->pdata[199])->ts_ms, ==, 199);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/account-store/accounts", Fixture, NULL, fixture_set_up, test_accounts,
              fixture_tear_down);
  g_test_add ("/account-store/put", Fixture, NULL, fixture_set_up, test_put_replaces,
              fixture_tear_down);
  g_test_add ("/account-store/tokens", Fixture, NULL, fixture_set_up,
              test_tokens_expire_renew_and_revoke, fixture_tear_down);
  g_test_add ("/account-store/password-and-disable", Fixture, NULL, fixture_set_up,
              test_password_change_and_disable_end_sessions, fixture_tear_down);
  g_test_add ("/account-store/audit", Fixture, NULL, fixture_set_up, test_audit_survives_reopen,
              fixture_tear_down);
  g_test_add ("/account-store/audit-writer", Fixture, NULL, fixture_set_up, test_audit_writer,
              fixture_tear_down);
  return g_test_run ();
}
