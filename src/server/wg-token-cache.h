/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-account-store.h"

G_BEGIN_DECLS

typedef struct _WgTokenCache WgTokenCache;

/* Tokens of @accounts (borrowed; this process's sessions, SQLite) checked
 * in memory.  Main loop only. */
WgTokenCache *wg_token_cache_new    (WgAccountStore  *accounts,
                                     guint            max_entries);
void          wg_token_cache_free   (WgTokenCache    *self);
/* wg_account_store_check_token(), from memory while nothing could have
 * changed the answer. */
WgAccount    *wg_token_cache_check  (WgTokenCache    *self,
                                     const char      *token,
                                     gint64           now_ms,
                                     gint64           lifetime_ms,
                                     GError         **error);
/* The token is revoked (a logout): never from memory again. */
void          wg_token_cache_forget (WgTokenCache    *self,
                                     const char      *token);
/* Drops the entries whose check is due. */
void          wg_token_cache_prune  (WgTokenCache    *self,
                                     gint64           now_ms);
guint         wg_token_cache_get_size (WgTokenCache  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgTokenCache, wg_token_cache_free)

G_END_DECLS
