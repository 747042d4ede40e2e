/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgSessions: sessions and the failed-login windows in PostgreSQL, shared
 * by every server instance on one database (docs/postgresql.md).
 *
 * A token is signed with a key kept in the database (HMAC-SHA256 over its
 * id, issue time and user name), so any instance checks it at once, in
 * memory, without a round trip: a token issued by another instance a
 * moment ago works.  Renewals and revocations go to the sessions table; a
 * poll every WG_PG_SESSIONS_POLL_MS brings the other instances' into this
 * instance's memory, so a logout anywhere ends the session everywhere
 * within that time.
 *
 * The command rate of a session is each instance's token bucket, charged
 * at each poll with what the other instances accepted on that session
 * (command_usage rows): between two polls every instance may still spend
 * its own bucket, so the rate holds across instances with a lag of one
 * poll.
 *
 * The failed-login windows are rows of login_attempts, counted and taken
 * under one advisory lock: attempts being checked on any instance hold
 * their place, so parallel guesses spread over instances get no more
 * tries than serial ones on one.
 *
 * Blocking (libpq) work runs on one worker thread with its own connection;
 * the _async calls answer in the thread-default main context of their
 * caller.  Everything else is for that main context only.
 */
#pragma once

#include <gio/gio.h>

#include "wg-account-store.h"

G_BEGIN_DECLS

typedef struct _WgPgSessions WgPgSessions;

#define WG_PG_SESSIONS_POLL_MS 250

typedef struct
{
  guint  max_pair;     /* one user name from one address */
  guint  max_user;     /* one user name from everywhere */
  guint  max_address;  /* one address, whatever the name */
  gint64 window_ms;
} WgPgLoginLimits;

/* Blocking, at start: connects, creates the tables, reads (or makes) the
 * signing key, loads the sessions still running and copies the shared
 * accounts (wg-pg-accounts.h) into @accounts, as each poll does then with
 * the accounts changed. */
WgPgSessions *wg_pg_sessions_open           (const char             *conninfo,
                                             gint64                  lifetime_ms,
                                             const WgPgLoginLimits  *limits,
                                             WgAccountStore         *accounts,
                                             GError                **error);
/* Waits for the worker's current job; answers still queued come back
 * cancelled. */
void          wg_pg_sessions_free           (WgPgSessions           *self);

/* In memory: the user name @token acts for, or NULL (@error says why:
 * unknown, expired or revoked).  A token in use is renewed (its expiry
 * moves to @now_ms + the lifetime, at most once a minute; the database
 * learns it at the next poll). */
char         *wg_pg_sessions_check          (WgPgSessions           *self,
                                             const char             *token,
                                             gint64                  now_ms,
                                             GError                **error);

/* Whether a login for @username from @address may be checked now; if so
 * it holds a place in the three windows until wg_pg_sessions_login_end. */
void          wg_pg_sessions_login_begin_async  (WgPgSessions       *self,
                                                 const char         *username,
                                                 const char         *address,
                                                 gint64              now_ms,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
/* Returns: FALSE with @error (the database failed), else TRUE with
 * @attempt > 0 when allowed, 0 and @retry_after_s when refused. */
gboolean      wg_pg_sessions_login_begin_finish (WgPgSessions       *self,
                                                 GAsyncResult       *result,
                                                 gint64             *attempt,
                                                 double             *retry_after_s,
                                                 GError            **error);
/* Ends the check: a failure counts in the three windows; a success
 * (@username non-NULL) clears the pair's failures and opens a session for
 * @username; neither (@failed FALSE, @username NULL: the check did not
 * happen) only gives the place back. */
void          wg_pg_sessions_login_end_async    (WgPgSessions       *self,
                                                 gint64              attempt,
                                                 gboolean            failed,
                                                 const char         *username,
                                                 gint64              now_ms,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
/* Returns: the new token (on success) or NULL; @expires_ms its expiry. */
char         *wg_pg_sessions_login_end_finish   (WgPgSessions       *self,
                                                 GAsyncResult       *result,
                                                 gint64             *expires_ms,
                                                 GError            **error);

/* Ends the session of @token on every instance. */
void          wg_pg_sessions_revoke_async       (WgPgSessions       *self,
                                                 const char         *token,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
gboolean      wg_pg_sessions_revoke_finish      (WgPgSessions       *self,
                                                 GAsyncResult       *result,
                                                 GError            **error);

/* The session id of @token (its first part): the key of its command
 * rate, the same on every instance.  NULL for a malformed token. */
char         *wg_pg_sessions_dup_id             (const char         *token);
/* One command accepted on this instance for session @id: the other
 * instances learn it at the next poll. */
void          wg_pg_sessions_count_command      (WgPgSessions       *self,
                                                 const char         *id);
/* Called after each poll with the commands the other instances accepted
 * since the previous one, by session id (id -> count in a
 * GUINT_TO_POINTER). */
typedef void (*WgPgUsageFunc) (GHashTable *used_elsewhere,
                               gpointer    user_data);
void          wg_pg_sessions_set_usage_func     (WgPgSessions       *self,
                                                 WgPgUsageFunc       func,
                                                 gpointer            user_data);

/* Starts the poll in the caller's thread-default main context. */
void          wg_pg_sessions_start              (WgPgSessions       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgSessions, wg_pg_sessions_free)

G_END_DECLS
