/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bearer tokens checked from memory (the SQLite backend).  Checking one in
 * the account database costs a SHA-256 and two reads, each its own WAL
 * read transaction (four fcntl calls), on the main loop for every request.
 * This process creates, renews and revokes its sessions, so it knows what
 * the database would answer, except for:
 *
 *  - time: an entry is only used until the token's expiry or its next
 *    renewal (wg_account_store_check_token_until()), then checked there
 *    again (which renews it);
 *  - other processes: `wangge-server user passwd|disable|enable|add` (and a
 *    PostgreSQL account copy) end tokens or change what they act as; each
 *    such change rewrites the account store's stamp, eight random bytes
 *    read (one pread of a file kept open) before every check: when they
 *    changed, everything is checked in the database again.  The command
 *    rewrites them after its commit and before it exits, so a request sent
 *    after that meets them.  Without the stamp file every check goes to
 *    the database.
 *
 * The table is keyed by the token itself, hashed with a secret key and
 * compared in constant time: its buckets tell a timing attacker nothing.
 */
#define G_LOG_DOMAIN "wg-token-cache"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "wg-token-cache.h"

typedef struct
{
  WgAccount *account;
  gint64     settled_until_ms;   /* then checked in the database again */
} Entry;

struct _WgTokenCache
{
  WgAccountStore *accounts;
  guint           max_entries;
  GHashTable     *entries;   /* token -> Entry* */
  int             stamp_fd;  /* -1: nothing from memory */
  guint64         stamp;
};

static guchar hash_key[crypto_shorthash_KEYBYTES];

static guint
token_hash (gconstpointer key)
{
  const char *token = key;
  guchar out[crypto_shorthash_BYTES];
  guint value;

  crypto_shorthash (out, (const guchar *) token, strlen (token), hash_key);
  memcpy (&value, out, sizeof value);
  return value;
}

static gboolean
token_equal (gconstpointer a,
             gconstpointer b)
{
  gsize length = strlen (a);

  return length == strlen (b) && sodium_memcmp (a, b, length) == 0;
}

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  wg_account_free (entry->account);
  g_free (entry);
}

/* Whether the stamp is as it was, remembering it as it is. */
static gboolean
stamp_unchanged (WgTokenCache *self)
{
  guint64 value = 0;

  if (self->stamp_fd < 0 || pread (self->stamp_fd, &value, sizeof value, 0) < 0)
    return FALSE;
  if (value == self->stamp)
    return TRUE;
  self->stamp = value;
  return FALSE;
}

WgTokenCache *
wg_token_cache_new (WgAccountStore *accounts,
                    guint           max_entries)
{
  static gsize key_made = 0;
  WgTokenCache *self;

  g_return_val_if_fail (accounts != NULL, NULL);

  if (g_once_init_enter (&key_made))
    {
      crypto_shorthash_keygen (hash_key);
      g_once_init_leave (&key_made, 1);
    }
  self = g_new0 (WgTokenCache, 1);
  self->accounts = accounts;
  self->max_entries = MAX (1, max_entries);
  self->entries = g_hash_table_new_full (token_hash, token_equal, g_free, entry_free);
  self->stamp_fd = g_open (wg_account_store_get_stamp_path (accounts), O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
  if (self->stamp_fd < 0)
    g_warning ("Tokens are checked in the database only: %s: %s",
               wg_account_store_get_stamp_path (accounts), g_strerror (errno));
  stamp_unchanged (self);
  return self;
}

void
wg_token_cache_free (WgTokenCache *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->entries);
  if (self->stamp_fd >= 0)
    close (self->stamp_fd);
  g_free (self);
}

WgAccount *
wg_token_cache_check (WgTokenCache  *self,
                      const char    *token,
                      gint64         now_ms,
                      gint64         lifetime_ms,
                      GError       **error)
{
  g_autoptr(WgAccount) account = NULL;
  Entry *entry;
  gint64 settled_until = 0;

  g_return_val_if_fail (self != NULL && token != NULL, NULL);

  if (!stamp_unchanged (self))
    g_hash_table_remove_all (self->entries);

  entry = g_hash_table_lookup (self->entries, token);
  if (entry != NULL && now_ms < entry->settled_until_ms)
    return wg_account_copy (entry->account);

  account = wg_account_store_check_token_until (self->accounts, token, now_ms, lifetime_ms, NULL,
                                                &settled_until, error);
  if (account == NULL)
    {
      g_hash_table_remove (self->entries, token);
      return NULL;
    }
  if (entry == NULL && g_hash_table_size (self->entries) >= self->max_entries)
    wg_token_cache_prune (self, now_ms);
  if (entry == NULL && g_hash_table_size (self->entries) >= self->max_entries)
    g_hash_table_remove_all (self->entries);
  entry = g_new0 (Entry, 1);
  entry->account = wg_account_copy (account);
  entry->settled_until_ms = settled_until;
  g_hash_table_replace (self->entries, g_strdup (token), entry);
  return g_steal_pointer (&account);
}

void
wg_token_cache_forget (WgTokenCache *self,
                       const char   *token)
{
  g_return_if_fail (self != NULL && token != NULL);
  g_hash_table_remove (self->entries, token);
}

static gboolean
due_cb (gpointer key,
        gpointer value,
        gpointer user_data)
{
  const Entry *entry = value;
  const gint64 *now_ms = user_data;

  return *now_ms >= entry->settled_until_ms;
}

void
wg_token_cache_prune (WgTokenCache *self,
                      gint64        now_ms)
{
  g_return_if_fail (self != NULL);
  g_hash_table_foreach_remove (self->entries, due_cb, &now_ms);
}

guint
wg_token_cache_get_size (WgTokenCache *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->entries);
}
