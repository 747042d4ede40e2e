/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Accounts, bearer tokens and the audit trail, in a database of their own
 * beside the journal: logins and audit rows never wait on journal commits.
 * Tokens are stored as SHA-256 hashes only, so a copy of this file does not
 * let anyone act as its users.
 */
#define G_LOG_DOMAIN "wg-account-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "wg-account-store.h"
#include "wg-sqlite.h"

G_DEFINE_QUARK (wg-account-store-error-quark, wg_account_store_error)

#define TOKEN_BYTES 32
/* Renewing a sliding expiry on every request would write on every request. */
#define RENEW_AFTER_MS (60 * 1000)

struct _WgAccountStore
{
  char         *stamp_path;
  sqlite3      *db;
  sqlite3_stmt *lookup;
  sqlite3_stmt *token_lookup;
  sqlite3_stmt *token_renew;
  sqlite3_stmt *audit_insert;
};

static const char *migrations[] = {
  /* user_version 1 */
  "CREATE TABLE accounts ("
  "  username TEXT PRIMARY KEY NOT NULL,"
  "  role TEXT NOT NULL,"
  "  password_hash TEXT NOT NULL,"
  "  display_name TEXT,"
  "  grid TEXT,"
  "  department TEXT,"
  "  unit TEXT,"
  "  disabled INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE TABLE tokens ("
  "  hash TEXT PRIMARY KEY NOT NULL,"
  "  username TEXT NOT NULL REFERENCES accounts (username) ON DELETE CASCADE,"
  "  created_ms INTEGER NOT NULL,"
  "  expires_ms INTEGER NOT NULL,"
  "  renewed_ms INTEGER NOT NULL"
  ");"
  "CREATE INDEX tokens_by_user ON tokens (username);"
  "CREATE TABLE audit ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  ts_ms INTEGER NOT NULL,"
  "  actor TEXT,"
  "  address TEXT,"
  "  action TEXT NOT NULL,"
  "  command_id TEXT,"
  "  status INTEGER NOT NULL,"
  "  result TEXT NOT NULL"
  ");",
};

WgAccount *
wg_account_copy (const WgAccount *account)
{
  WgAccount *copy = g_new0 (WgAccount, 1);

  copy->username = g_strdup (account->username);
  copy->role = g_strdup (account->role);
  copy->password_hash = g_strdup (account->password_hash);
  copy->display_name = g_strdup (account->display_name);
  copy->grid = g_strdup (account->grid);
  copy->department = g_strdup (account->department);
  copy->unit = g_strdup (account->unit);
  copy->disabled = account->disabled;
  return copy;
}

void
wg_account_free (WgAccount *account)
{
  if (account == NULL)
    return;
  g_free (account->username);
  g_free (account->role);
  g_free (account->password_hash);
  g_free (account->display_name);
  g_free (account->grid);
  g_free (account->department);
  g_free (account->unit);
  g_free (account);
}

void
wg_audit_entry_free (WgAuditEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->actor);
  g_free (entry->address);
  g_free (entry->action);
  g_free (entry->command_id);
  g_free (entry->result);
  g_free (entry);
}

static const WgSqliteErrors db_errors = {
  wg_account_store_error_quark, WG_ACCOUNT_STORE_ERROR_DATABASE, "Account database"
};

static gboolean
set_db_error (WgAccountStore  *self,
              GError         **error,
              const char      *what)
{
  g_set_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_DATABASE,
               "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static WgAccountStore *
account_store_open (const char  *path,
                    int          open_flags,
                    GError     **error)
{
  g_autoptr(WgAccountStore) self = g_new0 (WgAccountStore, 1);

  g_return_val_if_fail (path != NULL, NULL);

  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | open_flags,
                       NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_DATABASE,
                   "Cannot open the account database “%s”: %s", path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);
  self->stamp_path = g_strconcat (path, WG_ACCOUNT_STORE_STAMP_SUFFIX, NULL);

  if (!wg_sqlite_exec (self->db, &db_errors, "PRAGMA journal_mode = WAL", error)
      || !wg_sqlite_exec (self->db, &db_errors, "PRAGMA synchronous = FULL", error)
      || !wg_sqlite_exec (self->db, &db_errors, "PRAGMA foreign_keys = ON", error)
      || !wg_sqlite_migrate (self->db, &db_errors, migrations, G_N_ELEMENTS (migrations), error))
    return NULL;

  if (!(self->lookup = wg_sqlite_prepare (self->db, &db_errors,
                                          "SELECT username, role, password_hash, display_name, grid,"
                                          " department, unit, disabled FROM accounts WHERE username = ?",
                                          error))
      || !(self->token_lookup = wg_sqlite_prepare (self->db, &db_errors,
                                                   "SELECT username, expires_ms, renewed_ms FROM tokens"
                                                   " WHERE hash = ?", error))
      || !(self->token_renew = wg_sqlite_prepare (self->db, &db_errors,
                                                  "UPDATE tokens SET expires_ms = ?, renewed_ms = ?"
                                                  " WHERE hash = ?", error))
      || !(self->audit_insert = wg_sqlite_prepare (self->db, &db_errors,
                                                   "INSERT INTO audit (ts_ms, actor, address, action,"
                                                   " command_id, status, result) VALUES (?,?,?,?,?,?,?)",
                                                   error)))
    return NULL;

  return g_steal_pointer (&self);
}

WgAccountStore *
wg_account_store_open (const char  *path,
                       GError     **error)
{
  return account_store_open (path, 0, error);
}

/* SQLite's "multi-thread" mode: no mutex entered and left in every call. */
WgAccountStore *
wg_account_store_open_unshared (const char  *path,
                                GError     **error)
{
  return account_store_open (path, SQLITE_OPEN_NOMUTEX, error);
}

gboolean
wg_account_store_relax_durability (WgAccountStore  *self,
                                   GError         **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return wg_sqlite_exec (self->db, &db_errors, "PRAGMA synchronous = NORMAL", error);
}

void
wg_account_store_close (WgAccountStore *self)
{
  if (self == NULL)
    return;
  sqlite3_finalize (self->lookup);
  sqlite3_finalize (self->token_lookup);
  sqlite3_finalize (self->token_renew);
  sqlite3_finalize (self->audit_insert);
  sqlite3_close_v2 (self->db);
  g_free (self->stamp_path);
  g_free (self);
}

/**
 * wg_account_store_add:
 * @accounts: (element-type WgAccount): the accounts to add
 *
 * Adds all the accounts in one transaction, or none: seeding a demo's few
 * hundred accounts costs one commit.
 */
/* After a committed change of accounts or of their tokens: a running
 * server checks tokens from memory and learns of changes made by another
 * process (`wangge-server user ...`) from this file: eight random bytes,
 * rewritten in place (the server keeps it open and reads them before each
 * check).  A change the server might miss is an error, not a warning. */
static gboolean
touch_stamp (WgAccountStore  *self,
             GError         **error)
{
  guint64 value = g_random_int () | ((guint64) g_random_int () << 32);
  int fd = g_open (self->stamp_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  int saved = 0;

  if (fd < 0 || pwrite (fd, &value, sizeof value, 0) != (ssize_t) sizeof value)
    saved = errno;
  if (fd >= 0)
    close (fd);
  if (saved == 0)
    return TRUE;
  g_set_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_DATABASE,
               "The change is stored, but a running server may not notice it before it restarts: %s: %s",
               self->stamp_path, g_strerror (saved));
  return FALSE;
}

const char *
wg_account_store_get_stamp_path (WgAccountStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->stamp_path;
}

static gboolean
store_accounts (WgAccountStore  *self,
                GPtrArray       *accounts,
                gboolean         replace,
                GError         **error)
{
  sqlite3_stmt *insert;

  if (!(insert = wg_sqlite_prepare (self->db, &db_errors,
                                    replace
                                      ? "INSERT INTO accounts (username, role, password_hash, display_name,"
                                        " grid, department, unit, disabled) VALUES (?,?,?,?,?,?,?,?)"
                                        " ON CONFLICT (username) DO UPDATE SET role = excluded.role,"
                                        " password_hash = excluded.password_hash,"
                                        " display_name = excluded.display_name, grid = excluded.grid,"
                                        " department = excluded.department, unit = excluded.unit,"
                                        " disabled = excluded.disabled"
                                      : "INSERT INTO accounts (username, role, password_hash, display_name,"
                                        " grid, department, unit, disabled) VALUES (?,?,?,?,?,?,?,?)",
                                    error)))
    return FALSE;
  if (!wg_sqlite_exec (self->db, &db_errors, "BEGIN IMMEDIATE", error))
    {
      sqlite3_finalize (insert);
      return FALSE;
    }

  for (guint i = 0; i < accounts->len; i++)
    {
      const WgAccount *account = g_ptr_array_index (accounts, i);
      int rc;

      sqlite3_reset (insert);
      sqlite3_bind_text (insert, 1, account->username, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 2, account->role, -1, SQLITE_STATIC);
      sqlite3_bind_text (insert, 3, account->password_hash, -1, SQLITE_STATIC);
      wg_sqlite_bind_text_or_null (insert, 4, account->display_name);
      wg_sqlite_bind_text_or_null (insert, 5, account->grid);
      wg_sqlite_bind_text_or_null (insert, 6, account->department);
      wg_sqlite_bind_text_or_null (insert, 7, account->unit);
      sqlite3_bind_int (insert, 8, account->disabled);
      rc = sqlite3_step (insert);
      if (rc != SQLITE_DONE)
        {
          if (sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
            g_set_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_EXISTS,
                         "There is already an account “%s”", account->username);
          else
            set_db_error (self, error, "Cannot add an account");
          sqlite3_finalize (insert);
          sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }

  sqlite3_finalize (insert);
  return wg_sqlite_exec (self->db, &db_errors, "COMMIT", error) && touch_stamp (self, error);
}

gboolean
wg_account_store_add (WgAccountStore  *self,
                      GPtrArray       *accounts,
                      GError         **error)
{
  g_return_val_if_fail (self != NULL && accounts != NULL, FALSE);
  return store_accounts (self, accounts, FALSE, error);
}

/* Adds the accounts, or replaces the ones of the same names (their
 * tokens stay): a copy kept in step with another source (PostgreSQL's
 * accounts, shared by several servers). */
gboolean
wg_account_store_put (WgAccountStore  *self,
                      GPtrArray       *accounts,
                      GError         **error)
{
  g_return_val_if_fail (self != NULL && accounts != NULL, FALSE);
  return store_accounts (self, accounts, TRUE, error);
}

static WgAccount *
read_account (sqlite3_stmt *stmt)
{
  WgAccount *account = g_new0 (WgAccount, 1);

  account->username = wg_sqlite_column_dup (stmt, 0);
  account->role = wg_sqlite_column_dup (stmt, 1);
  account->password_hash = wg_sqlite_column_dup (stmt, 2);
  account->display_name = wg_sqlite_column_dup (stmt, 3);
  account->grid = wg_sqlite_column_dup (stmt, 4);
  account->department = wg_sqlite_column_dup (stmt, 5);
  account->unit = wg_sqlite_column_dup (stmt, 6);
  account->disabled = sqlite3_column_int (stmt, 7) != 0;
  return account;
}

WgAccount *
wg_account_store_lookup (WgAccountStore  *self,
                         const char      *username,
                         GError         **error)
{
  WgAccount *account = NULL;
  int rc;

  g_return_val_if_fail (self != NULL && username != NULL, NULL);

  sqlite3_reset (self->lookup);
  sqlite3_bind_text (self->lookup, 1, username, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (self->lookup);
  if (rc == SQLITE_ROW)
    account = read_account (self->lookup);
  else if (rc == SQLITE_DONE)
    g_set_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_NOT_FOUND,
                 "There is no account “%s”", username);
  else
    set_db_error (self, error, "Cannot look up an account");
  sqlite3_reset (self->lookup);
  return account;
}

GPtrArray *
wg_account_store_list (WgAccountStore  *self,
                       GError         **error)
{
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_account_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors,
                                  "SELECT username, role, password_hash, display_name, grid, department,"
                                  " unit, disabled FROM accounts ORDER BY username", error)))
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (accounts, read_account (stmt));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Cannot list accounts");
      return NULL;
    }
  return g_steal_pointer (&accounts);
}

/* Runs an UPDATE of one account and revokes its tokens, in one transaction. */
static gboolean
update_account (WgAccountStore  *self,
                const char      *sql,
                const char      *username,
                const char      *text,
                int              number,
                GError         **error)
{
  sqlite3_stmt *update = NULL;
  sqlite3_stmt *revoke = NULL;
  gboolean ok = FALSE;

  if (!wg_sqlite_exec (self->db, &db_errors, "BEGIN IMMEDIATE", error))
    return FALSE;

  if (!(update = wg_sqlite_prepare (self->db, &db_errors, sql, error))
      || !(revoke = wg_sqlite_prepare (self->db, &db_errors, "DELETE FROM tokens WHERE username = ?", error)))
    goto out;

  if (text != NULL)
    sqlite3_bind_text (update, 1, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_int (update, 1, number);
  sqlite3_bind_text (update, 2, username, -1, SQLITE_STATIC);
  if (sqlite3_step (update) != SQLITE_DONE)
    {
      set_db_error (self, error, "Cannot change an account");
      goto out;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_NOT_FOUND,
                   "There is no account “%s”", username);
      goto out;
    }
  sqlite3_bind_text (revoke, 1, username, -1, SQLITE_STATIC);
  if (sqlite3_step (revoke) != SQLITE_DONE)
    {
      set_db_error (self, error, "Cannot revoke tokens");
      goto out;
    }
  ok = TRUE;

out:
  sqlite3_finalize (update);
  sqlite3_finalize (revoke);
  if (ok)
    return wg_sqlite_exec (self->db, &db_errors, "COMMIT", error) && touch_stamp (self, error);
  sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/* A new password ends every session of the account. */
gboolean
wg_account_store_set_password (WgAccountStore  *self,
                               const char      *username,
                               const char      *password_hash,
                               GError         **error)
{
  g_return_val_if_fail (self != NULL && username != NULL && password_hash != NULL, FALSE);
  return update_account (self, "UPDATE accounts SET password_hash = ? WHERE username = ?",
                         username, password_hash, 0, error);
}

gboolean
wg_account_store_set_disabled (WgAccountStore  *self,
                               const char      *username,
                               gboolean         disabled,
                               GError         **error)
{
  g_return_val_if_fail (self != NULL && username != NULL, FALSE);
  return update_account (self, "UPDATE accounts SET disabled = ? WHERE username = ?",
                         username, NULL, disabled ? 1 : 0, error);
}

static char *
hash_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/**
 * wg_account_store_create_token:
 *
 * Returns: a new random 256-bit bearer token (URL-safe base64), of which only
 *   the hash is kept
 */
char *
wg_account_store_create_token (WgAccountStore  *self,
                               const char      *username,
                               gint64           now_ms,
                               gint64           lifetime_ms,
                               gint64          *expires_ms,
                               GError         **error)
{
  guchar random[TOKEN_BYTES];
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  sqlite3_stmt *insert;
  gsize filled = 0;

  g_return_val_if_fail (self != NULL && username != NULL, NULL);

  while (filled < sizeof random)
    {
      ssize_t got = getrandom (random + filled, sizeof random - filled, 0);
      if (got < 0)
        {
          g_set_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_DATABASE,
                       "No randomness for a token: %s", g_strerror (errno));
          return NULL;
        }
      filled += got;
    }
  token = g_base64_encode (random, sizeof random);
  g_strdelimit (token, "+", '-');
  g_strdelimit (token, "/", '_');
  g_strdelimit (token, "=", '\0');
  hash = hash_token (token);

  if (!(insert = wg_sqlite_prepare (self->db, &db_errors,
                                    "INSERT INTO tokens (hash, username, created_ms, expires_ms, renewed_ms)"
                                    " VALUES (?,?,?,?,?)", error)))
    return NULL;
  sqlite3_bind_text (insert, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (insert, 2, username, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (insert, 3, now_ms);
  sqlite3_bind_int64 (insert, 4, now_ms + lifetime_ms);
  sqlite3_bind_int64 (insert, 5, now_ms);
  if (sqlite3_step (insert) != SQLITE_DONE)
    {
      set_db_error (self, error, "Cannot store a token");
      sqlite3_finalize (insert);
      return NULL;
    }
  sqlite3_finalize (insert);

  if (expires_ms != NULL)
    *expires_ms = now_ms + lifetime_ms;
  return g_steal_pointer (&token);
}

/**
 * wg_account_store_check_token:
 * @expires_ms: (out) (optional): the token's expiry after this use
 *
 * Finds the account a bearer token acts for.  A token in use is renewed: it
 * expires @lifetime_ms after its last use (renewed at most once a minute).
 */
WgAccount *
wg_account_store_check_token (WgAccountStore  *self,
                              const char      *token,
                              gint64           now_ms,
                              gint64           lifetime_ms,
                              gint64          *expires_ms,
                              GError         **error)
{
  return wg_account_store_check_token_until (self, token, now_ms, lifetime_ms, expires_ms, NULL, error);
}

/**
 * wg_account_store_check_token_until:
 * @settled_until_ms: (out) (optional): until when checking the token again
 *   gives the same answer and writes nothing, unless someone changes its
 *   account or its tokens: its expiry, or its next renewal, whichever
 *   comes first
 *
 * wg_account_store_check_token(), for a cache of checked tokens.
 */
WgAccount *
wg_account_store_check_token_until (WgAccountStore  *self,
                                    const char      *token,
                                    gint64           now_ms,
                                    gint64           lifetime_ms,
                                    gint64          *expires_ms,
                                    gint64          *settled_until_ms,
                                    GError         **error)
{
  g_autofree char *hash = NULL;
  g_autofree char *username = NULL;
  g_autoptr(WgAccount) account = NULL;
  gint64 expires, renewed;
  int rc;

  g_return_val_if_fail (self != NULL && token != NULL, NULL);

  hash = hash_token (token);
  sqlite3_reset (self->token_lookup);
  sqlite3_bind_text (self->token_lookup, 1, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step (self->token_lookup);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (self->token_lookup);
      if (rc != SQLITE_DONE)
        set_db_error (self, error, "Cannot check a token");
      else
        g_set_error_literal (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN,
                             "The token is not valid: log in again");
      return NULL;
    }
  username = wg_sqlite_column_dup (self->token_lookup, 0);
  expires = sqlite3_column_int64 (self->token_lookup, 1);
  renewed = sqlite3_column_int64 (self->token_lookup, 2);
  sqlite3_reset (self->token_lookup);

  if (expires <= now_ms)
    {
      g_set_error_literal (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN,
                           "The session has expired: log in again");
      return NULL;
    }

  account = wg_account_store_lookup (self, username, error);
  if (account == NULL)
    return NULL;
  if (account->disabled)
    {
      g_set_error (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_DISABLED,
                   "The account “%s” is disabled", username);
      return NULL;
    }

  if (now_ms - renewed >= RENEW_AFTER_MS)
    {
      renewed = now_ms;
      expires = now_ms + lifetime_ms;
      sqlite3_reset (self->token_renew);
      sqlite3_bind_int64 (self->token_renew, 1, expires);
      sqlite3_bind_int64 (self->token_renew, 2, now_ms);
      sqlite3_bind_text (self->token_renew, 3, hash, -1, SQLITE_STATIC);
      rc = sqlite3_step (self->token_renew);
      sqlite3_reset (self->token_renew);
      if (rc != SQLITE_DONE)
        {
          set_db_error (self, error, "Cannot renew a token");
          return NULL;
        }
    }

  if (expires_ms != NULL)
    *expires_ms = expires;
  if (settled_until_ms != NULL)
    *settled_until_ms = MIN (expires, renewed + RENEW_AFTER_MS);
  return g_steal_pointer (&account);
}

gboolean
wg_account_store_revoke_token (WgAccountStore  *self,
                               const char      *token,
                               GError         **error)
{
  g_autofree char *hash = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL && token != NULL, FALSE);

  hash = hash_token (token);
  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors, "DELETE FROM tokens WHERE hash = ?", error)))
    return FALSE;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return set_db_error (self, error, "Cannot revoke a token");
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error_literal (error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_INVALID_TOKEN,
                           "The token is not valid");
      return FALSE;
    }
  return TRUE;
}

gboolean
wg_account_store_audit (WgAccountStore      *self,
                        const WgAuditEntry  *entry,
                        GError             **error)
{
  int rc;

  g_return_val_if_fail (self != NULL && entry != NULL && entry->action != NULL, FALSE);

  sqlite3_reset (self->audit_insert);
  sqlite3_bind_int64 (self->audit_insert, 1, entry->ts_ms);
  wg_sqlite_bind_text_or_null (self->audit_insert, 2, entry->actor);
  wg_sqlite_bind_text_or_null (self->audit_insert, 3, entry->address);
  sqlite3_bind_text (self->audit_insert, 4, entry->action, -1, SQLITE_TRANSIENT);
  wg_sqlite_bind_text_or_null (self->audit_insert, 5, entry->command_id);
  sqlite3_bind_int (self->audit_insert, 6, entry->status);
  sqlite3_bind_text (self->audit_insert, 7, entry->result != NULL ? entry->result : "ok", -1,
                     SQLITE_TRANSIENT);
  rc = sqlite3_step (self->audit_insert);
  sqlite3_reset (self->audit_insert);
  if (rc != SQLITE_DONE)
    return set_db_error (self, error, "Cannot write the audit trail");
  return TRUE;
}

gboolean
wg_account_store_audit_many (WgAccountStore  *self,
                             GPtrArray       *entries,
                             GError         **error)
{
  g_return_val_if_fail (self != NULL && entries != NULL, FALSE);

  if (entries->len == 0)
    return TRUE;
  if (!wg_sqlite_exec (self->db, &db_errors, "BEGIN IMMEDIATE", error))
    return FALSE;
  for (guint i = 0; i < entries->len; i++)
    if (!wg_account_store_audit (self, g_ptr_array_index (entries, i), error))
      {
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        return FALSE;
      }
  if (!wg_sqlite_exec (self->db, &db_errors, "COMMIT", error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
wg_account_store_read_audit (WgAccountStore  *self,
                             gint64           after_id,
                             guint            limit,
                             GError         **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_audit_entry_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  if (!(stmt = wg_sqlite_prepare (self->db, &db_errors,
                                  "SELECT id, ts_ms, actor, address, action, command_id, status, result"
                                  " FROM audit WHERE id > ? ORDER BY id LIMIT ?", error)))
    return NULL;
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int (stmt, 2, (int) MIN (limit, (guint) G_MAXINT));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgAuditEntry *entry = g_new0 (WgAuditEntry, 1);

      entry->id = sqlite3_column_int64 (stmt, 0);
      entry->ts_ms = sqlite3_column_int64 (stmt, 1);
      entry->actor = wg_sqlite_column_dup (stmt, 2);
      entry->address = wg_sqlite_column_dup (stmt, 3);
      entry->action = wg_sqlite_column_dup (stmt, 4);
      entry->command_id = wg_sqlite_column_dup (stmt, 5);
      entry->status = sqlite3_column_int (stmt, 6);
      entry->result = wg_sqlite_column_dup (stmt, 7);
      g_ptr_array_add (entries, entry);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      set_db_error (self, error, "Cannot read the audit trail");
      return NULL;
    }
  return g_steal_pointer (&entries);
}
