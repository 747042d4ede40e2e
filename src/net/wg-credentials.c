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

static void
looked_up_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

void
wg_credentials_lookup_async (const char          *server_url,
                             const char          *username,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, wg_credentials_lookup_async);
  secret_password_lookup (&token_schema, cancellable, looked_up_cb, task, "server", server_url,
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
