/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A console's session token, kept in the desktop's Secret Service (the
 * keyring) per server and user, so that a restart does not ask for the
 * password again.  Where there is no Secret Service (a kiosk without a
 * session bus) every call fails with an error and the token lives in memory
 * only: callers carry on. */

void     wg_credentials_store_async   (const char          *server_url,
                                       const char          *username,
                                       const char          *token,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean wg_credentials_store_finish  (GAsyncResult        *result,
                                       GError             **error);
void     wg_credentials_lookup_async  (const char          *server_url,
                                       const char          *username,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
char    *wg_credentials_lookup_finish (GAsyncResult        *result,
                                       GError             **error);
void     wg_credentials_clear_async   (const char          *server_url,
                                       const char          *username,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
gboolean wg_credentials_clear_finish  (GAsyncResult        *result,
                                       GError             **error);

G_END_DECLS
