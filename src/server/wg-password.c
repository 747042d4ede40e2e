/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-password"

#include "config.h"

#include <sodium.h>
#include <string.h>

#include "wg-password.h"

G_DEFINE_QUARK (wg-password-error-quark, wg_password_error)

struct _WgPasswordPool
{
  GThreadPool *pool;
  guint        max_queued;
};

typedef struct
{
  char *stored_hash;
  char *password;
} VerifyJob;

static void
verify_job_free (VerifyJob *job)
{
  g_free (job->stored_hash);
  if (job->password != NULL)
    {
      sodium_memzero (job->password, strlen (job->password));
      g_free (job->password);
    }
  g_free (job);
}

static void
ensure_sodium (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      if (sodium_init () < 0)
        g_error ("libsodium could not be initialised");
      g_once_init_leave (&initialised, 1);
    }
}

static char *
hash_at (const char         *password,
         unsigned long long  opslimit,
         size_t              memlimit,
         GError            **error)
{
  char out[crypto_pwhash_STRBYTES];

  g_return_val_if_fail (password != NULL, NULL);

  ensure_sodium ();
  if (crypto_pwhash_str (out, password, strlen (password), opslimit, memlimit) != 0)
    {
      g_set_error_literal (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_FAILED,
                           "Not enough memory to hash the password");
      return NULL;
    }
  return g_strdup (out);
}

char *
wg_password_hash (const char  *password,
                  GError     **error)
{
  return hash_at (password, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                  crypto_pwhash_MEMLIMIT_INTERACTIVE, error);
}

/**
 * wg_password_hash_published:
 *
 * An argon2id hash at libsodium's lowest limits, for a password printed in
 * the documentation (the demo's default, on a server that only listens on
 * loopback).  Anyone can read such a password, so a costly hash of it
 * protects nothing; it would only make each login cost the machine ~0.27 s
 * and 64 MiB, and the simulator logs seventy demo accounts in at each start
 * while the console starts beside it.  The verification reads the limits
 * from the hash, so nothing else changes.
 */
char *
wg_password_hash_published (const char  *password,
                            GError     **error)
{
  return hash_at (password, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN, error);
}

gboolean
wg_password_verify (const char  *stored_hash,
                    const char  *password,
                    GError     **error)
{
  g_return_val_if_fail (stored_hash != NULL && password != NULL, FALSE);

  ensure_sodium ();
  if (!g_str_has_prefix (stored_hash, crypto_pwhash_STRPREFIX)
      || strlen (stored_hash) >= crypto_pwhash_STRBYTES)
    {
      g_set_error_literal (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_FAILED,
                           "The stored password hash is not an argon2id hash");
      return FALSE;
    }
  if (crypto_pwhash_str_verify (stored_hash, password, strlen (password)) != 0)
    {
      g_set_error_literal (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_WRONG,
                           "Wrong user name or password");
      return FALSE;
    }
  return TRUE;
}

/**
 * wg_password_dummy_hash:
 *
 * A valid hash of no account's password, to verify against when a user name
 * is unknown: the answer then takes as long as for a real account and does
 * not tell which names exist.
 */
const char *
wg_password_dummy_hash (void)
{
  static gsize dummy = 0;

  if (g_once_init_enter (&dummy))
    {
      unsigned char random[16];
      g_autofree char *secret = NULL;

      ensure_sodium ();
      randombytes_buf (random, sizeof random);
      secret = g_base64_encode (random, sizeof random);
      g_once_init_leave (&dummy, (gsize) wg_password_hash (secret, NULL));
    }
  return (const char *) dummy;
}

static void
verify_in_thread (gpointer data,
                  gpointer user_data)
{
  g_autoptr(GTask) task = data;
  VerifyJob *job = g_task_get_task_data (task);
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;

  if (wg_password_verify (job->stored_hash, job->password, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

WgPasswordPool *
wg_password_pool_new (guint threads,
                      guint max_queued)
{
  WgPasswordPool *self;

  g_return_val_if_fail (threads > 0, NULL);

  ensure_sodium ();
  self = g_new0 (WgPasswordPool, 1);
  self->max_queued = max_queued;
  self->pool = g_thread_pool_new (verify_in_thread, NULL, (int) threads, FALSE, NULL);
  return self;
}

void
wg_password_pool_free (WgPasswordPool *self)
{
  if (self == NULL)
    return;
  /* Let running checks finish: their tasks hold references to callers. */
  g_thread_pool_free (self->pool, FALSE, TRUE);
  g_free (self);
}

void
wg_password_verify_async (WgPasswordPool      *self,
                          const char          *stored_hash,
                          const char          *password,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  VerifyJob *job;

  g_return_if_fail (self != NULL);
  g_return_if_fail (stored_hash != NULL && password != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_password_verify_async);

  if (g_thread_pool_unprocessed (self->pool) >= self->max_queued)
    {
      g_task_return_new_error (task, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_BUSY,
                               "Too many logins at once; try again in a moment");
      return;
    }

  job = g_new0 (VerifyJob, 1);
  job->stored_hash = g_strdup (stored_hash);
  job->password = g_strdup (password);
  g_task_set_task_data (task, job, (GDestroyNotify) verify_job_free);
  g_thread_pool_push (self->pool, g_steal_pointer (&task), NULL);
}

gboolean
wg_password_verify_finish (WgPasswordPool  *self,
                           GAsyncResult    *result,
                           GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wg_password_verify_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
