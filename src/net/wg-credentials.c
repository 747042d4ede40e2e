/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-credentials"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "wg-credentials.h"

static const SecretSchema token_schema = {
  "io.github.wangge.Console.Session", SECRET_SCHEMA_NONE,
  {
    { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { "username", SECRET_SCHEMA_ATTRIBUTE_STRING },
    { NULL, 0 },
  }
};

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
wg_credentials_store_async (const char          *server_url,
                            const char          *username,
                            const char          *token,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *label = NULL;

  g_task_set_source_tag (task, wg_credentials_store_async);
  /* Translators: the keyring's label for a stored session; %s are the user and the server. */
  label = g_strdup_printf (_("Wangge session of %s on %s"), username, server_url);
  secret_password_store (&token_schema, SECRET_COLLECTION_DEFAULT, label, token, cancellable,
                         stored_cb, task, "server", server_url, "username", username, NULL);
}

gboolean
wg_credentials_store_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* How long a lookup waits for the keyring.  An unattended wall asks it at
 * start; a keyring that is locked waits for a password prompt nobody will
 * answer (or D-Bus starts a daemon that does), and the wall would show
 * nothing at all: after this it logs in by hand instead. */
#define LOOKUP_TIMEOUT_SECONDS 10

typedef struct
{
  GCancellable *lookup_cancellable;   /* the keyring's call, ours to cancel */
  guint         timeout_id;
  gulong        cancelled_id;         /* on the caller's cancellable */
} Lookup;

static void
lookup_free (Lookup *lookup)
{
  g_clear_handle_id (&lookup->timeout_id, g_source_remove);
  g_clear_object (&lookup->lookup_cancellable);
  g_free (lookup);
}

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Lookup *lookup = g_task_get_task_data (task);
  GError *error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (g_task_get_cancellable (task) != NULL)
    g_cancellable_disconnect (g_task_get_cancellable (task), lookup->cancelled_id);
  /* Answered already: timed out. */
  if (lookup->timeout_id == 0)
    {
      g_clear_error (&error);
      secret_password_free (token);
      return;
    }
  g_clear_handle_id (&lookup->timeout_id, g_source_remove);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

static gboolean
lookup_timed_out_cb (gpointer user_data)
{
  GTask *task = user_data;
  Lookup *lookup = g_task_get_task_data (task);

  lookup->timeout_id = 0;
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                           _("The keyring did not answer within %d seconds"), LOOKUP_TIMEOUT_SECONDS);
  g_cancellable_cancel (lookup->lookup_cancellable);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     GCancellable *lookup_cancellable)
{
  g_cancellable_cancel (lookup_cancellable);
}

/**
 * wg_credentials_lookup_async:
 *
 * Looks the token of @username on @server_url up in the keyring, and gives
 * up with %G_IO_ERROR_TIMED_OUT when the keyring has not answered in 10
 * seconds (a locked keyring waiting for a prompt).
 */
void
wg_credentials_lookup_async (const char          *server_url,
                             const char          *username,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Lookup *lookup = g_new0 (Lookup, 1);

  g_task_set_source_tag (task, wg_credentials_lookup_async);
  g_task_set_task_data (task, lookup, (GDestroyNotify) lookup_free);
  lookup->lookup_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    lookup->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                  g_object_ref (lookup->lookup_cancellable), g_object_unref);
  lookup->timeout_id = g_timeout_add_seconds (LOOKUP_TIMEOUT_SECONDS, lookup_timed_out_cb, task);
  secret_password_lookup (&token_schema, lookup->lookup_cancellable, looked_up_cb, task, "server", server_url,
                          "username", username, NULL);
}

/**
 * wg_credentials_lookup_finish:
 *
 * Returns: (nullable) (transfer full): the stored token, or %NULL (with
 *   @error unset when nothing is stored)
 */
char *
wg_credentials_lookup_finish (GAsyncResult  *result,
                              GError       **error)
{
  char *secret;
  char *token;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  /* Hand out plain memory (callers free with g_free); the secret's own copy
   * is wiped. */
  secret = g_task_propagate_pointer (G_TASK (result), error);
  token = g_strdup (secret);
  if (secret != NULL)
    secret_password_free (secret);
  return token;
}

static void
cleared_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
wg_credentials_clear_async (const char          *server_url,
                            const char          *username,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, wg_credentials_clear_async);
  secret_password_clear (&token_schema, cancellable, cleared_cb, task, "server", server_url,
                         "username", username, NULL);
}

gboolean
wg_credentials_clear_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
