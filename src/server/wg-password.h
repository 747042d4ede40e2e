/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define WG_PASSWORD_ERROR (wg_password_error_quark ())

typedef enum {
  WG_PASSWORD_ERROR_WRONG,   /* the password does not match */
  WG_PASSWORD_ERROR_BUSY,    /* too many checks queued: try again shortly */
  WG_PASSWORD_ERROR_FAILED,  /* out of memory or a malformed stored hash */
} WgPasswordError;

GQuark   wg_password_error_quark  (void);

/* Argon2id at libsodium's interactive limits (~0.1 s and 64 MiB a hash): far
 * too slow for the main loop, so the async calls run on a small pool whose
 * queue is bounded; a flood of logins is refused instead of queued. */
typedef struct _WgPasswordPool WgPasswordPool;

WgPasswordPool *wg_password_pool_new       (guint             threads,
                                            guint             max_queued);
void            wg_password_pool_free      (WgPasswordPool   *self);
void            wg_password_verify_async   (WgPasswordPool   *self,
                                            const char       *stored_hash,
                                            const char       *password,
                                            GCancellable     *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer          user_data);
gboolean        wg_password_verify_finish  (WgPasswordPool   *self,
                                            GAsyncResult     *result,
                                            GError          **error);

char           *wg_password_hash           (const char       *password,
                                            GError          **error);
char           *wg_password_hash_published (const char       *password,
                                            GError          **error);
gboolean        wg_password_verify         (const char       *stored_hash,
                                            const char       *password,
                                            GError          **error);
const char     *wg_password_dummy_hash     (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPasswordPool, wg_password_pool_free)

G_END_DECLS
