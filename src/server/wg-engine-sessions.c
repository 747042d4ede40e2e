/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sessions: POST /api/v1/session checks a password on the password pool
 * (never on the main loop) behind the failed-login windows and answers a
 * token; DELETE /api/v1/session revokes the caller's token.
 *
 * Three windows (protocol.md, "Limits"): one user name from one address
 * (a person's typos lock only that pair: a centre's consoles share one
 * address), one user name from everywhere, one address whatever the name.
 * A login being checked holds a place in all three until its answer, so
 * parallel guesses get no more tries than serial ones.
 *
 * On PostgreSQL (--database) the windows, the sessions and the command
 * rates are every instance's (WgPgSessions, docs/postgresql.md): a login
 * asks the database for its place before the check and opens its session
 * there after it, a logout revokes there, and a token is checked in
 * memory.  On SQLite all of it stays in this instance.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wg-engine-private.h"
#include "wg-json.h"
#include "wg-problem.h"

#define USERNAME_MAX_BYTES 64
#define PASSWORD_MAX_BYTES 1024
/* Sessions checked in memory: far more than consoles and field devices
 * log in between two prunes. */
#define TOKEN_CACHE_MAX 10000

typedef struct
{
  WgEngine          *engine;
  SoupServerMessage *msg;
  WgAccount         *account;    /* NULL: unknown user */
  char              *username;
  char              *address;
  char              *pair;       /* the pair's key in pair_failures */
  char              *password;   /* until PostgreSQL lets the check begin */
  gint64             attempt;    /* PostgreSQL's row of this check */
} LoginJob;

static void
login_job_free (LoginJob *job)
{
  g_clear_object (&job->msg);
  g_clear_pointer (&job->account, wg_account_free);
  g_free (job->username);
  g_free (job->address);
  g_free (job->pair);
  if (job->password != NULL)
    explicit_bzero (job->password, strlen (job->password));
  g_free (job->password);
  g_free (job);
}

static void
add_nullable (JsonBuilder *builder,
              const char  *name,
              const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static char *
pair_key (const char *username,
          const char *address)
{
  /* An address never holds a newline: the last one splits the key again. */
  return g_strconcat (username, "\n", address, NULL);
}

/* Whether a login for @username from @address may be checked now, and if
 * not, when to try again. */
static gboolean
login_allowed (WgEngine   *self,
               const char *username,
               const char *address,
               const char *pair,
               gint64      now_us,
               double     *retry_after_s)
{
  double retry_pair = 0, retry_user = 0, retry_address = 0;
  gboolean pair_ok = wg_failure_window_allows (self->pair_failures, pair, now_us, &retry_pair);
  gboolean user_ok = wg_failure_window_allows (self->user_failures, username, now_us, &retry_user);
  gboolean address_ok = wg_failure_window_allows (self->address_failures, address, now_us, &retry_address);

  *retry_after_s = MAX (retry_pair, MAX (retry_user, retry_address));
  return pair_ok && user_ok && address_ok;
}

static void
login_begin (WgEngine *self,
             LoginJob *job)
{
  wg_failure_window_begin (self->pair_failures, job->pair);
  wg_failure_window_begin (self->user_failures, job->username);
  wg_failure_window_begin (self->address_failures, job->address);
}

/* Ends the check begun by login_begin(): a failure counts in all three
 * windows; a success clears the pair (its typos), not the wider counts. */
static void
login_end (WgEngine *self,
           LoginJob *job,
           gboolean  failed)
{
  gint64 now_us = g_get_monotonic_time ();

  if (job->attempt != 0)
    {
      if (self->pg_sessions == NULL)
        return;
      /* Nobody waits for it: the answer goes out now.  Were it lost, the
       * attempt would go on counting as a failure, which errs on the
       * safe side. */
      wg_pg_sessions_login_end_async (self->pg_sessions, job->attempt, failed, NULL,
                                      g_get_real_time () / 1000, NULL, NULL);
      return;
    }

  wg_failure_window_end (self->pair_failures, job->pair, failed, now_us);
  wg_failure_window_end (self->user_failures, job->username, failed, now_us);
  wg_failure_window_end (self->address_failures, job->address, failed, now_us);
}

/* PostgreSQL's answer came after the engine stopped: nothing to touch. */
static gboolean
engine_gone (GAsyncResult *result)
{
  return g_cancellable_is_cancelled (g_task_get_cancellable (G_TASK (result)));
}

static void
respond_session (LoginJob   *job,
                 const char *token,
                 gint64      expires)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "token");
  json_builder_add_string_value (builder, token);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, job->account->username);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, job->account->role);
  json_builder_set_member_name (builder, "expires");
  json_builder_add_int_value (builder, expires);
  add_nullable (builder, "display_name", job->account->display_name);
  add_nullable (builder, "grid", job->account->grid);
  add_nullable (builder, "department", job->account->department);
  add_nullable (builder, "unit", job->account->unit);
  json_builder_set_member_name (builder, "server_time");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  json_builder_end_object (builder);
  wg_json_respond_builder (job->msg, SOUP_STATUS_OK, builder);
}

/* The answer is set: audit it and send it. */
static void
login_finish (LoginJob *job)
{
  g_autofree char *code = _wg_engine_answer_code (job->msg);

  _wg_engine_audit (job->engine, job->username, job->address, "login", NULL,
                    soup_server_message_get_status (job->msg), code);
  soup_server_message_unpause (job->msg);
  login_job_free (job);
}

static void
login_opened_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  LoginJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  gint64 expires = 0;

  if (engine_gone (result))
    {
      login_job_free (job);
      return;
    }
  token = wg_pg_sessions_login_end_finish (job->engine->pg_sessions, result, &expires, &error);
  if (token == NULL)
    wg_problem_respond (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  else
    respond_session (job, token, expires);
  login_finish (job);
}

static void
login_verified_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LoginJob *job = user_data;
  WgEngine *self = job->engine;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = wg_password_verify_finish (self->pool, result, &error);
  if (g_error_matches (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_BUSY))
    {
      login_end (self, job, FALSE);
      _wg_engine_respond_retry_after (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                                      _("Too many logins at once: try again in a moment"), 1);
    }
  else if (ok && job->account != NULL && !job->account->disabled)
    {
      g_autofree char *token = NULL;
      gint64 expires = 0;

      if (job->attempt != 0 && self->pg_sessions != NULL)
        {
          /* The session opens in PostgreSQL, with the pair's failures
           * forgotten, before the answer: login_opened_cb. */
          wg_pg_sessions_login_end_async (self->pg_sessions, job->attempt, FALSE, job->account->username,
                                          g_get_real_time () / 1000, login_opened_cb, job);
          return;
        }
      if (job->attempt != 0)
        wg_problem_respond (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting-down", NULL);
      else
        {
          login_end (self, job, FALSE);
          wg_failure_window_forget (self->pair_failures, job->pair);
          token = wg_account_store_create_token (self->accounts, job->account->username,
                                                 g_get_real_time () / 1000,
                                                 (gint64) self->config.token_lifetime_seconds * 1000,
                                                 &expires, &error);
          if (token == NULL)
            wg_problem_respond (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
          else
            respond_session (job, token, expires);
        }
    }
  else
    {
      /* Same answer for a wrong password, an unknown user and a disabled
       * account: nothing to learn about which accounts exist. */
      login_end (self, job, TRUE);
      wg_problem_respond (job->msg, SOUP_STATUS_UNAUTHORIZED, "invalid-credentials", NULL);
    }

  login_finish (job);
}

/* Unknown users are checked against the dummy hash: the same time. */
static void
verify (WgEngine   *self,
        LoginJob   *job,
        const char *password)
{
  job->account = wg_account_store_lookup (self->accounts, job->username, NULL);
  wg_password_verify_async (self->pool,
                            job->account != NULL && !job->account->disabled
                              ? job->account->password_hash : wg_password_dummy_hash (),
                            password, NULL, login_verified_cb, job);
}

static void
login_gate_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LoginJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = g_steal_pointer (&job->password);
  double retry_after = 0;

  if (engine_gone (result))
    {
      login_job_free (job);
      return;
    }
  if (!wg_pg_sessions_login_begin_finish (job->engine->pg_sessions, result, &job->attempt, &retry_after, &error))
    wg_problem_respond (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  else if (job->attempt == 0)
    _wg_engine_respond_retry_after (job->msg, WG_STATUS_TOO_MANY_REQUESTS, "too-many-requests",
                                    _("Too many failed logins: wait before trying again"),
                                    retry_after);
  else
    {
      verify (job->engine, job, password);
      explicit_bzero (password, strlen (password));
      return;
    }
  explicit_bzero (password, strlen (password));
  login_finish (job);
}

static void
post_session_cb (SoupServerMessage *msg,
                 GHashTable        *params,
                 GHashTable        *query,
                 gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *address = _wg_engine_remote_address (msg);
  g_autofree char *code = NULL;
  const char *username = NULL, *password = NULL;
  double retry_after = 0;
  LoginJob *job;
  JsonObject *body;

  root = wg_server_read_json_body (self->server, msg);
  if (root == NULL)
    goto refused;
  body = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (body != NULL)
    {
      JsonNode *u = json_object_get_member (body, "username");
      JsonNode *p = json_object_get_member (body, "password");

      if (u != NULL && JSON_NODE_HOLDS_VALUE (u) && json_node_get_value_type (u) == G_TYPE_STRING)
        username = json_node_get_string (u);
      if (p != NULL && JSON_NODE_HOLDS_VALUE (p) && json_node_get_value_type (p) == G_TYPE_STRING)
        password = json_node_get_string (p);
    }
  if (username == NULL || password == NULL || *username == '\0' ||
      strlen (username) > USERNAME_MAX_BYTES || strlen (password) > PASSWORD_MAX_BYTES)
    {
      wg_problem_respond (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid-request",
                          _("Send {\"username\": \"…\", \"password\": \"…\"} (strings; user name 1 to 64 bytes)"));
      goto refused;
    }

  job = g_new0 (LoginJob, 1);
  job->engine = self;
  job->msg = g_object_ref (msg);
  job->username = g_strdup (username);
  job->address = g_strdup (address);
  job->pair = pair_key (username, address);
  if (self->pg_sessions != NULL)
    {
      /* The windows are every instance's: PostgreSQL decides (login_gate_cb). */
      job->password = g_strdup (password);
      soup_server_message_pause (msg);
      wg_pg_sessions_login_begin_async (self->pg_sessions, username, address, g_get_real_time () / 1000,
                                        login_gate_cb, job);
      return;
    }
  if (!login_allowed (self, username, address, job->pair, g_get_monotonic_time (), &retry_after))
    {
      login_job_free (job);
      _wg_engine_respond_retry_after (msg, WG_STATUS_TOO_MANY_REQUESTS, "too-many-requests",
                                      _("Too many failed logins: wait before trying again"),
                                      retry_after);
      goto refused;
    }
  login_begin (self, job);
  soup_server_message_pause (msg);
  verify (self, job, password);
  return;

refused:
  code = _wg_engine_answer_code (msg);
  _wg_engine_audit (self, username, address, "login", NULL, soup_server_message_get_status (msg), code);
}

typedef struct
{
  WgEngine          *engine;
  SoupServerMessage *msg;
  char              *username;
  char              *address;
} LogoutJob;

static void
logout_job_free (LogoutJob *job)
{
  g_clear_object (&job->msg);
  g_free (job->username);
  g_free (job->address);
  g_free (job);
}

/* The session is over in PostgreSQL: every instance's poll sees it. */
static void
logout_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  LogoutJob *job = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;

  if (engine_gone (result))
    {
      logout_job_free (job);
      return;
    }
  if (!wg_pg_sessions_revoke_finish (job->engine->pg_sessions, result, &error))
    wg_problem_respond (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  else
    soup_server_message_set_status (job->msg, SOUP_STATUS_NO_CONTENT, NULL);
  code = _wg_engine_answer_code (job->msg);
  _wg_engine_audit (job->engine, job->username, job->address, "logout", NULL,
                    soup_server_message_get_status (job->msg), code);
  soup_server_message_unpause (job->msg);
  logout_job_free (job);
}

static void
delete_session_cb (SoupServerMessage *msg,
                   GHashTable        *params,
                   GHashTable        *query,
                   gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = _wg_engine_remote_address (msg);

  if (actor == NULL)
    return;
  if (self->pg_sessions != NULL)
    {
      LogoutJob *job = g_new0 (LogoutJob, 1);

      job->engine = self;
      job->msg = g_object_ref (msg);
      job->username = g_strdup (actor->username);
      job->address = g_steal_pointer (&address);
      soup_server_message_pause (msg);
      wg_pg_sessions_revoke_async (self->pg_sessions, _wg_engine_bearer_token (msg), logout_done_cb, job);
      return;
    }
  wg_token_cache_forget (self->token_cache, _wg_engine_bearer_token (msg));
  if (!wg_account_store_revoke_token (self->accounts, _wg_engine_bearer_token (msg), &error))
    {
      wg_problem_respond (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", error->message);
      _wg_engine_audit (self, actor->username, address, "logout", NULL, SOUP_STATUS_UNAUTHORIZED, "unauthorized");
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
  _wg_engine_audit (self, actor->username, address, "logout", NULL, SOUP_STATUS_NO_CONTENT, "ok");
}

gboolean
_wg_engine_sessions_allow_command (WgEngine          *self,
                                   SoupServerMessage *msg,
                                   double            *retry_after_s)
{
  const char *token = _wg_engine_bearer_token (msg);
  g_autofree char *id = NULL;

  if (self->pg_sessions == NULL)
    return wg_rate_limiter_try (self->command_limiter, token, g_get_monotonic_time (), retry_after_s);
  /* Keyed by the session id, which the other instances' counts name. */
  id = wg_pg_sessions_dup_id (token);
  if (!wg_rate_limiter_try (self->command_limiter, id, g_get_monotonic_time (), retry_after_s))
    return FALSE;
  wg_pg_sessions_count_command (self->pg_sessions, id);
  return TRUE;
}

/* The account @token acts for, or NULL: this instance's tokens on SQLite,
 * every instance's on PostgreSQL (checked in memory: no round trip on
 * the main loop). */
WgAccount *
_wg_engine_account_for_token (WgEngine    *self,
                              const char  *token,
                              GError     **error)
{
  g_autofree char *username = NULL;

  if (self->pg_sessions == NULL)
    return wg_token_cache_check (self->token_cache, token, g_get_real_time () / 1000,
                                 (gint64) self->config.token_lifetime_seconds * 1000, error);
  username = wg_pg_sessions_check (self->pg_sessions, token, g_get_real_time () / 1000, error);
  if (username == NULL)
    return NULL;
  return wg_account_store_lookup (self->accounts, username, error);
}

void
_wg_engine_sessions_init (WgEngine *self)
{
  WgRouter *router = wg_server_get_router (self->server);
  gint64 window_us = (gint64) self->config.login_window_seconds * G_USEC_PER_SEC;

  self->pair_failures = wg_failure_window_new (self->config.login_max_failures, window_us);
  self->user_failures = wg_failure_window_new (self->config.login_max_user_failures, window_us);
  self->address_failures = wg_failure_window_new (self->config.login_max_address_failures, window_us);
  self->token_cache = wg_token_cache_new (self->accounts, TOKEN_CACHE_MAX);

  wg_router_add (router, "POST", "/api/v1/session", post_session_cb, self);
  wg_router_add (router, "DELETE", "/api/v1/session", delete_session_cb, self);
}

void
_wg_engine_sessions_prune (WgEngine *self,
                           gint64    now_us)
{
  wg_failure_window_prune (self->pair_failures, now_us);
  wg_failure_window_prune (self->user_failures, now_us);
  wg_failure_window_prune (self->address_failures, now_us);
  wg_token_cache_prune (self->token_cache, g_get_real_time () / 1000);
}

/* After the password pool is gone: no login is being checked any more. */
void
_wg_engine_sessions_fini (WgEngine *self)
{
  g_clear_pointer (&self->pair_failures, wg_failure_window_free);
  g_clear_pointer (&self->user_failures, wg_failure_window_free);
  g_clear_pointer (&self->address_failures, wg_failure_window_free);
  g_clear_pointer (&self->token_cache, wg_token_cache_free);
}
