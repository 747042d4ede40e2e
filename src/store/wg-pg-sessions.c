/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sessions and failed-login windows shared through PostgreSQL
 * (wg-pg-sessions.h, docs/postgresql.md).
 *
 * A token is "<id>.<issued ms>.<user name in hex>.<HMAC-SHA256 in hex>".
 * The id names the session's row; the signature lets any instance trust
 * the rest without asking the database.  What can change after issue (the
 * expiry, renewed while the token is used, and revocation) is kept per id
 * in memory, fed by this instance's own answers and by the poll, which
 * reads the rows changed lately (by the database's clock).
 */
#define G_LOG_DOMAIN "wg-pg-sessions"

#include "config.h"

#include <libpq-fe.h>
#include <string.h>
#include <sys/random.h>

#include "wg-error.h"
#include "wg-pg-accounts.h"
#include "wg-pg-journal.h"
#include "wg-pg-text.h"
#include "wg-pg-sessions.h"
#include "wg-pg-worker.h"

/* The login windows' advisory lock: "gate" in ASCII. */
#define LOGIN_LOCK_KEY "1734440037"
/* The schema's: the journal's lock, which its migration takes too. */
#define SCHEMA_LOCK_KEY "2002873959"
#define ID_BYTES 16
#define KEY_BYTES 32
#define RENEW_AFTER_MS (60 * 1000)
/* Tokens issued up to this far in this instance's future (clocks differ
 * a little between machines) are accepted. */
#define CLOCK_SKEW_MS (60 * 1000)
/* Each poll reads again what changed this long before the previous one:
 * a change stamped just before a poll may commit just after it. */
#define POLL_OVERLAP_MS (5 * 1000)
#define NOW_MS_SQL "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

typedef struct
{
  gint64   expires;
  gint64   renewed;   /* when this instance last moved the expiry */
  gboolean revoked;
} Session;

typedef struct
{
  char    *id;
  gint64   expires;
  gboolean revoked;
} SessionRow;

struct _WgPgSessions
{
  WgPgWorker     *worker;
  PGconn         *conn;        /* the worker's */
  char           *key;         /* hex; read-only after open */
  gint64          lifetime_ms;
  WgPgLoginLimits limits;
  GCancellable   *cancellable;

  /* Main context only: */
  WgAccountStore *accounts;    /* the copy of the shared accounts (not ours) */
  GHashTable     *sessions;    /* id -> Session */
  GHashTable     *renewals;    /* id -> expiry, for the next poll */
  char           *instance;    /* this process's name in command_usage */
  GHashTable     *usage;       /* session id -> commands accepted since the last poll */
  gint64          usage_seen;  /* the newest command_usage row read */
  WgPgUsageFunc   usage_func;
  gpointer        usage_data;
  gint64          polled_to;   /* the database's clock at the last poll */
  gboolean        poll_running;
  guint           poll_id;
};

typedef enum
{
  JOB_LOGIN_BEGIN,
  JOB_LOGIN_END,
  JOB_REVOKE,
  JOB_POLL,
} JobKind;

typedef struct
{
  JobKind    kind;
  char      *username;
  char      *address;
  char      *id;
  gint64     attempt;
  gboolean   failed;
  gint64     now_ms;
  GHashTable *renewals;   /* JOB_POLL: id -> expiry */
  GHashTable *usage;      /* JOB_POLL: this instance's counts */
  gboolean   usage_stored;
  gint64     since;
  gint64     usage_seen;

  /* Answers: */
  double     retry_after_s;
  char      *token;
  gint64     expires;
  GPtrArray *rows;        /* SessionRow */
  GHashTable *elsewhere;  /* the other instances' counts */
  GPtrArray *changed_accounts; /* WgAccount */
  gint64     polled_to;
} Job;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static void
session_row_free (SessionRow *row)
{
  g_free (row->id);
  g_free (row);
}

static void
job_free (Job *job)
{
  g_free (job->username);
  g_free (job->address);
  g_free (job->id);
  g_free (job->token);
  g_clear_pointer (&job->renewals, g_hash_table_unref);
  g_clear_pointer (&job->usage, g_hash_table_unref);
  g_clear_pointer (&job->elsewhere, g_hash_table_unref);
  g_clear_pointer (&job->changed_accounts, g_ptr_array_unref);
  g_clear_pointer (&job->rows, g_ptr_array_unref);
  g_free (job);
}

static void
rollback_quietly (PGconn *conn)
{
  PGresult *result = PQexec (conn, "ROLLBACK");

  PQclear (result);
}

static char *
random_hex (gsize n_bytes)
{
  guchar bytes[KEY_BYTES];
  GString *hex = g_string_sized_new (n_bytes * 2);
  gsize filled = 0;

  g_assert (n_bytes <= sizeof bytes);
  while (filled < n_bytes)
    {
      ssize_t got = getrandom (bytes + filled, n_bytes - filled, 0);

      if (got > 0)
        filled += got;
    }
  for (gsize i = 0; i < n_bytes; i++)
    g_string_append_printf (hex, "%02x", bytes[i]);
  return g_string_free (hex, FALSE);
}

static char *
sign (WgPgSessions *self,
      const char   *text)
{
  return g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) self->key,
                                    strlen (self->key), text, -1);
}

/* Compares every byte whatever differs first: the time a check takes
 * tells nothing about the right signature (its length is no secret). */
static gboolean
equal_in_constant_time (const char *a,
                        const char *b)
{
  gsize length = strlen (a);
  guchar differ = 0;

  if (strlen (b) != length)
    return FALSE;
  for (gsize i = 0; i < length; i++)
    differ |= (guchar) a[i] ^ (guchar) b[i];
  return differ == 0;
}

/* ---- the worker -------------------------------------------------------- */

/* When the attempts at @at (ascending, all in the window) fall under
 * @max, if they reach it; 0 else. */
static double
window_retry_after (GArray *at,
                    guint   max,
                    gint64  window_ms,
                    gint64  now_ms)
{
  guint must_leave;

  if (at->len < max)
    return 0;
  must_leave = at->len - max + 1;
  return MAX (1.0, (g_array_index (at, gint64, must_leave - 1) + window_ms - now_ms) / 1000.0);
}

static gboolean
do_login_begin (WgPgSessions  *self,
                Job           *job,
                GError       **error)
{
  g_autofree char *pair = g_strconcat (job->username, "\n", job->address, NULL);
  g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, job->now_ms);
  g_autofree char *cut_text = g_strdup_printf ("%" G_GINT64_FORMAT, job->now_ms - self->limits.window_ms);
  g_autoptr(PGresult) counted = NULL;
  g_autoptr(GArray) pair_at = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) user_at = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) address_at = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (!wg_pg_run_command (self->conn, "a statement failed", "BEGIN", error))
    return FALSE;
  {
    const char *params[] = { cut_text };
    g_autoptr(PGresult) locked = wg_pg_run (self->conn, "a statement failed", "SELECT pg_advisory_xact_lock(" LOGIN_LOCK_KEY ")",
                                      0, NULL, PGRES_TUPLES_OK, error);
    g_autoptr(PGresult) pruned = NULL;

    if (locked == NULL)
      goto fail;
    pruned = wg_pg_run (self->conn, "a statement failed", "DELETE FROM login_attempts WHERE at <= $1", 1, params, PGRES_COMMAND_OK, error);
    if (pruned == NULL)
      goto fail;
  }
  {
    const char *params[] = { pair, job->username, job->address, cut_text };

    counted = wg_pg_run (self->conn, "a statement failed",
                   "SELECT pair = $1, username = $2, address = $3, at FROM login_attempts"
                   " WHERE state < 2 AND at > $4 AND (username = $2 OR address = $3) ORDER BY at",
                   4, params, PGRES_TUPLES_OK, error);
    if (counted == NULL)
      goto fail;
  }
  for (int i = 0; i < PQntuples (counted); i++)
    {
      gint64 at = g_ascii_strtoll (PQgetvalue (counted, i, 3), NULL, 10);

      if (*PQgetvalue (counted, i, 0) == 't')
        g_array_append_val (pair_at, at);
      if (*PQgetvalue (counted, i, 1) == 't')
        g_array_append_val (user_at, at);
      if (*PQgetvalue (counted, i, 2) == 't')
        g_array_append_val (address_at, at);
    }
  job->retry_after_s = MAX (window_retry_after (pair_at, self->limits.max_pair, self->limits.window_ms, job->now_ms),
                            MAX (window_retry_after (user_at, self->limits.max_user, self->limits.window_ms, job->now_ms),
                                 window_retry_after (address_at, self->limits.max_address,
                                                     self->limits.window_ms, job->now_ms)));
  if (job->retry_after_s == 0)
    {
      const char *params[] = { pair, job->username, job->address, now_text };
      g_autoptr(PGresult) inserted = wg_pg_run (self->conn, "a statement failed",
        "INSERT INTO login_attempts (pair, username, address, at, state) VALUES ($1, $2, $3, $4, 0)"
        " RETURNING id", 4, params, PGRES_TUPLES_OK, error);

      if (inserted == NULL)
        goto fail;
      job->attempt = g_ascii_strtoll (PQgetvalue (inserted, 0, 0), NULL, 10);
    }
  if (!wg_pg_run_command (self->conn, "a statement failed", "COMMIT", error))
    goto fail;
  return TRUE;

fail:
  rollback_quietly (self->conn);
  return FALSE;
}

static gboolean
do_login_end (WgPgSessions  *self,
              Job           *job,
              GError       **error)
{
  g_autofree char *attempt_text = g_strdup_printf ("%" G_GINT64_FORMAT, job->attempt);
  /* A success or a check that did not happen leaves the windows (2); a
   * failure stays in them (1). */
  const char *state = job->failed ? "1" : "2";

  if (!wg_pg_run_command (self->conn, "a statement failed", "BEGIN", error))
    return FALSE;
  {
    const char *params[] = { attempt_text, state };
    g_autoptr(PGresult) ended = wg_pg_run (self->conn, "a statement failed", "UPDATE login_attempts SET state = $2 WHERE id = $1",
                                     2, params, PGRES_COMMAND_OK, error);

    if (ended == NULL)
      goto fail;
  }
  if (job->username != NULL)
    {
      g_autofree char *id = random_hex (ID_BYTES);
      g_autofree char *issued = g_strdup_printf ("%" G_GINT64_FORMAT, job->now_ms);
      g_autofree char *expires = NULL;
      g_autofree char *user_hex = NULL;
      g_autofree char *signed_text = NULL;
      g_autofree char *signature = NULL;
      GString *hex = g_string_new (NULL);

      for (const char *c = job->username; *c != '\0'; c++)
        g_string_append_printf (hex, "%02x", (guchar) *c);
      user_hex = g_string_free (hex, FALSE);
      job->expires = job->now_ms + self->lifetime_ms;
      expires = g_strdup_printf ("%" G_GINT64_FORMAT, job->expires);
      {
        const char *params[] = { attempt_text };
        g_autoptr(PGresult) forgot = wg_pg_run (self->conn, "a statement failed",
          "UPDATE login_attempts SET state = 2 WHERE state = 1"
          " AND pair = (SELECT pair FROM login_attempts WHERE id = $1)", 1, params, PGRES_COMMAND_OK, error);

        if (forgot == NULL)
          goto fail;
      }
      {
        /* Sessions a day past their expiry are of no use to anyone: a
         * token's own issue time already refuses them. */
        const char *params[] = { issued };
        g_autoptr(PGresult) pruned = wg_pg_run (self->conn, "a statement failed",
          "DELETE FROM sessions WHERE expires < $1::bigint - 86400000", 1, params, PGRES_COMMAND_OK, error);

        if (pruned == NULL)
          goto fail;
      }
      {
        const char *params[] = { id, job->username, expires };
        g_autoptr(PGresult) opened = wg_pg_run (self->conn, "a statement failed",
          "INSERT INTO sessions (id, username, expires, revoked, changed_at)"
          " VALUES ($1, $2, $3, false, " NOW_MS_SQL ")", 3, params, PGRES_COMMAND_OK, error);

        if (opened == NULL)
          goto fail;
      }
      signed_text = g_strdup_printf ("%s.%s.%s", id, issued, user_hex);
      signature = sign (self, signed_text);
      job->token = g_strdup_printf ("%s.%s", signed_text, signature);
      job->id = g_steal_pointer (&id);
    }
  if (!wg_pg_run_command (self->conn, "a statement failed", "COMMIT", error))
    goto fail;
  return TRUE;

fail:
  rollback_quietly (self->conn);
  g_clear_pointer (&job->token, g_free);
  return FALSE;
}

static gboolean
do_revoke (WgPgSessions  *self,
           Job           *job,
           GError       **error)
{
  const char *params[] = { job->id };
  g_autoptr(PGresult) revoked = wg_pg_run (self->conn, "a statement failed",
    "UPDATE sessions SET revoked = true, changed_at = " NOW_MS_SQL " WHERE id = $1",
    1, params, PGRES_COMMAND_OK, error);

  return revoked != NULL;
}

/* The accounts changed at or after @since (0: all). */
static GPtrArray *
read_accounts (PGconn      *conn,
               gint64       since,
               GError     **error)
{
  g_autofree char *since_text = g_strdup_printf ("%" G_GINT64_FORMAT, since);
  const char *params[] = { since_text };
  g_autoptr(PGresult) rows = wg_pg_run (conn, "a statement failed",
    "SELECT username, role, password_hash, display_name, grid, department, unit, disabled"
    " FROM accounts WHERE changed_at >= $1", 1, params, PGRES_TUPLES_OK, error);
  GPtrArray *accounts;

  if (rows == NULL)
    return NULL;
  accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_account_free);
  for (int i = 0; i < PQntuples (rows); i++)
    {
      WgAccount *account = g_new0 (WgAccount, 1);

      account->username = g_strdup (PQgetvalue (rows, i, 0));
      account->role = g_strdup (PQgetvalue (rows, i, 1));
      account->password_hash = g_strdup (PQgetvalue (rows, i, 2));
      account->display_name = PQgetisnull (rows, i, 3) ? NULL : g_strdup (PQgetvalue (rows, i, 3));
      account->grid = PQgetisnull (rows, i, 4) ? NULL : g_strdup (PQgetvalue (rows, i, 4));
      account->department = PQgetisnull (rows, i, 5) ? NULL : g_strdup (PQgetvalue (rows, i, 5));
      account->unit = PQgetisnull (rows, i, 6) ? NULL : g_strdup (PQgetvalue (rows, i, 6));
      account->disabled = *PQgetvalue (rows, i, 7) == 't';
      g_ptr_array_add (accounts, account);
    }
  return accounts;
}

/* Stores this instance's command counts since the last poll, reads the
 * others' since the last row seen, and drops rows older than any poll
 * needs. */
static gboolean
exchange_usage (WgPgSessions  *self,
                Job           *job,
                GError       **error)
{
  g_autofree char *seen = g_strdup_printf ("%" G_GINT64_FORMAT, job->usage_seen);
  g_autoptr(PGresult) pruned = NULL;
  g_autoptr(PGresult) others = NULL;
  GHashTableIter iter;
  gpointer id, n;

  g_hash_table_iter_init (&iter, job->usage);
  while (g_hash_table_iter_next (&iter, &id, &n))
    {
      g_autofree char *n_text = g_strdup_printf ("%u", GPOINTER_TO_UINT (n));
      const char *params[] = { self->instance, id, n_text };
      g_autoptr(PGresult) stored = wg_pg_run (self->conn, "a statement failed",
        "INSERT INTO command_usage (instance, session, n, at) VALUES ($1, $2, $3, " NOW_MS_SQL ")",
        3, params, PGRES_COMMAND_OK, error);

      if (stored == NULL)
        return FALSE;
    }
  job->usage_stored = TRUE;

  pruned = wg_pg_run (self->conn, "a statement failed", "DELETE FROM command_usage WHERE at < " NOW_MS_SQL " - 60000",
                0, NULL, PGRES_COMMAND_OK, error);
  if (pruned == NULL)
    return FALSE;
  {
    const char *params[] = { seen, self->instance };

    others = wg_pg_run (self->conn, "a statement failed", "SELECT id, session, n FROM command_usage WHERE id > $1 AND instance <> $2",
                  2, params, PGRES_TUPLES_OK, error);
    if (others == NULL)
      return FALSE;
  }
  job->elsewhere = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < PQntuples (others); i++)
    {
      const char *session = PQgetvalue (others, i, 1);
      guint before = GPOINTER_TO_UINT (g_hash_table_lookup (job->elsewhere, session));

      job->usage_seen = MAX (job->usage_seen, g_ascii_strtoll (PQgetvalue (others, i, 0), NULL, 10));
      g_hash_table_insert (job->elsewhere, g_strdup (session),
                           GUINT_TO_POINTER (before + (guint) g_ascii_strtoull (PQgetvalue (others, i, 2), NULL, 10)));
    }
  return TRUE;
}

/* Renewals first, so that the rows read back carry them. */
static gboolean
do_poll (WgPgSessions  *self,
         Job           *job,
         GError       **error)
{
  g_autofree char *since = g_strdup_printf ("%" G_GINT64_FORMAT, job->since);
  g_autoptr(PGresult) now = NULL;
  g_autoptr(PGresult) changed = NULL;
  GHashTableIter iter;
  gpointer id, expires;

  g_hash_table_iter_init (&iter, job->renewals);
  while (g_hash_table_iter_next (&iter, &id, &expires))
    {
      g_autofree char *expires_text = g_strdup_printf ("%" G_GINT64_FORMAT, *(gint64 *) expires);
      const char *params[] = { id, expires_text };
      g_autoptr(PGresult) renewed = wg_pg_run (self->conn, "a statement failed",
        "UPDATE sessions SET expires = GREATEST(expires, $2), changed_at = " NOW_MS_SQL
        " WHERE id = $1 AND NOT revoked", 2, params, PGRES_COMMAND_OK, error);

      if (renewed == NULL)
        return FALSE;
    }

  if (!exchange_usage (self, job, error))
    return FALSE;
  now = wg_pg_run (self->conn, "a statement failed", "SELECT " NOW_MS_SQL, 0, NULL, PGRES_TUPLES_OK, error);
  if (now == NULL)
    return FALSE;
  job->polled_to = g_ascii_strtoll (PQgetvalue (now, 0, 0), NULL, 10);
  {
    const char *params[] = { since };

    changed = wg_pg_run (self->conn, "a statement failed", "SELECT id, expires, revoked FROM sessions WHERE changed_at >= $1",
                   1, params, PGRES_TUPLES_OK, error);
    if (changed == NULL)
      return FALSE;
  }
  job->changed_accounts = read_accounts (self->conn, job->since, error);
  if (job->changed_accounts == NULL)
    return FALSE;
  job->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) session_row_free);
  for (int i = 0; i < PQntuples (changed); i++)
    {
      SessionRow *row = g_new0 (SessionRow, 1);

      row->id = g_strdup (PQgetvalue (changed, i, 0));
      row->expires = g_ascii_strtoll (PQgetvalue (changed, i, 1), NULL, 10);
      row->revoked = *PQgetvalue (changed, i, 2) == 't';
      g_ptr_array_add (job->rows, row);
    }
  return TRUE;
}

/* On the worker's thread.  Jobs still queued at the end come back
 * cancelled. */
static void
run_job (GTask    *task,
         gpointer  owner)
{
  WgPgSessions *self = owner;
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  if (g_task_return_error_if_cancelled (task))
    return;
  switch (job->kind)
    {
    case JOB_LOGIN_BEGIN:
      ok = do_login_begin (self, job, &error);
      break;
    case JOB_LOGIN_END:
      ok = do_login_end (self, job, &error);
      break;
    case JOB_REVOKE:
      ok = do_revoke (self, job, &error);
      break;
    case JOB_POLL:
      ok = do_poll (self, job, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

static void
queue (WgPgSessions        *self,
       Job                 *job,
       gpointer             source_tag,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  wg_pg_worker_run_async (self->worker, run_job, job, (GDestroyNotify) job_free, self->cancellable, callback,
                          user_data, source_tag);
}

/* ---- life -------------------------------------------------------------- */

static gboolean
create_schema (WgPgSessions  *self,
               GError       **error)
{
  static const char *const schema =
    "CREATE TABLE IF NOT EXISTS sessions ("
    "  id         text PRIMARY KEY,"
    "  username   text NOT NULL,"
    "  expires    bigint NOT NULL,"
    "  revoked    boolean NOT NULL,"
    "  changed_at bigint NOT NULL);"
    "CREATE INDEX IF NOT EXISTS sessions_changed_at ON sessions (changed_at);"
    "CREATE TABLE IF NOT EXISTS login_attempts ("
    "  id       bigserial PRIMARY KEY,"
    "  pair     text NOT NULL,"
    "  username text NOT NULL,"
    "  address  text NOT NULL,"
    "  at       bigint NOT NULL,"
    "  state    smallint NOT NULL);"
    "CREATE INDEX IF NOT EXISTS login_attempts_at ON login_attempts (at);"
    "CREATE TABLE IF NOT EXISTS command_usage ("
    "  id       bigserial PRIMARY KEY,"
    "  instance text NOT NULL,"
    "  session  text NOT NULL,"
    "  n        integer NOT NULL,"
    "  at       bigint NOT NULL);"
    "CREATE INDEX IF NOT EXISTS command_usage_at ON command_usage (at);"
    WG_PG_ACCOUNTS_TABLE;
  g_autofree char *new_key = random_hex (KEY_BYTES);
  g_autoptr(PGresult) key = NULL;
  g_autoptr(PGresult) quiet = PQexec (self->conn, "SET client_min_messages = warning");

  if (!wg_pg_run_command (self->conn, "a statement failed", "BEGIN", error))
    return FALSE;
  {
    g_autoptr(PGresult) locked = wg_pg_run (self->conn, "a statement failed", "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")",
                                      0, NULL, PGRES_TUPLES_OK, error);

    if (locked == NULL || !wg_pg_run_command (self->conn, "a statement failed", schema, error))
      goto fail;
  }
  {
    const char *params[] = { new_key };
    g_autoptr(PGresult) set = wg_pg_run (self->conn, "a statement failed",
      "INSERT INTO meta (key, value) VALUES ('session_key', $1) ON CONFLICT (key) DO NOTHING",
      1, params, PGRES_COMMAND_OK, error);

    if (set == NULL)
      goto fail;
  }
  key = wg_pg_run (self->conn, "a statement failed", "SELECT value FROM meta WHERE key = 'session_key'", 0, NULL, PGRES_TUPLES_OK, error);
  if (key == NULL || !wg_pg_run_command (self->conn, "a statement failed", "COMMIT", error))
    goto fail;
  self->key = g_strdup (PQgetvalue (key, 0, 0));
  return TRUE;

fail:
  rollback_quietly (self->conn);
  return FALSE;
}

static Session *
session_get (WgPgSessions *self,
             const char   *id,
             gint64        expires)
{
  Session *session = g_hash_table_lookup (self->sessions, id);

  if (session == NULL)
    {
      session = g_new0 (Session, 1);
      session->expires = expires;
      g_hash_table_insert (self->sessions, g_strdup (id), session);
    }
  return session;
}

static void
apply_rows (WgPgSessions *self,
            GPtrArray    *rows)
{
  for (guint i = 0; i < rows->len; i++)
    {
      SessionRow *row = g_ptr_array_index (rows, i);
      Session *session = session_get (self, row->id, row->expires);

      session->expires = MAX (session->expires, row->expires);
      session->revoked |= row->revoked;
    }
}

WgPgSessions *
wg_pg_sessions_open (const char             *conninfo,
                     gint64                  lifetime_ms,
                     const WgPgLoginLimits  *limits,
                     WgAccountStore         *accounts,
                     GError                **error)
{
  g_autoptr(WgPgSessions) self = g_new0 (WgPgSessions, 1);
  g_autoptr(GPtrArray) shared_accounts = NULL;

  g_return_val_if_fail (conninfo != NULL && limits != NULL, NULL);

  self->lifetime_ms = lifetime_ms;
  self->limits = *limits;
  self->accounts = accounts;
  self->cancellable = g_cancellable_new ();
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->renewals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->usage = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->instance = random_hex (ID_BYTES);
  /* One thread: the connection is not shared, and the jobs keep their
   * order (a logout after its login). */
  self->worker = wg_pg_worker_new (conninfo, "the sessions", "wg-pg-sessions", self, error);
  if (self->worker == NULL)
    return NULL;
  self->conn = wg_pg_worker_get_connection (self->worker);
  if (!create_schema (self, error))
    return NULL;

  /* Every session that may still run (revoked ones too), once. */
  {
    g_autofree char *cut = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000 - CLOCK_SKEW_MS);
    const char *params[] = { cut };
    g_autoptr(PGresult) running = wg_pg_run (self->conn, "a statement failed", "SELECT id, expires, revoked FROM sessions WHERE expires > $1",
                                       1, params, PGRES_TUPLES_OK, error);
    g_autoptr(PGresult) now = wg_pg_run (self->conn, "a statement failed", "SELECT " NOW_MS_SQL, 0, NULL, PGRES_TUPLES_OK, error);
    /* The others' past commands are charged to nobody here. */
    g_autoptr(PGresult) usage = wg_pg_run (self->conn, "a statement failed", "SELECT coalesce(max(id), 0) FROM command_usage",
                                     0, NULL, PGRES_TUPLES_OK, error);

    if (running == NULL || now == NULL || usage == NULL)
      return NULL;
    self->usage_seen = g_ascii_strtoll (PQgetvalue (usage, 0, 0), NULL, 10);
    shared_accounts = read_accounts (self->conn, 0, error);
    if (shared_accounts == NULL ||
        (shared_accounts->len > 0 && !wg_account_store_put (self->accounts, shared_accounts, error)))
      return NULL;
    for (int i = 0; i < PQntuples (running); i++)
      {
        Session *session = session_get (self, PQgetvalue (running, i, 0),
                                        g_ascii_strtoll (PQgetvalue (running, i, 1), NULL, 10));

        session->revoked = *PQgetvalue (running, i, 2) == 't';
      }
    self->polled_to = g_ascii_strtoll (PQgetvalue (now, 0, 0), NULL, 10);
  }
  return g_steal_pointer (&self);
}

void
wg_pg_sessions_free (WgPgSessions *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->worker, wg_pg_worker_free);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->renewals, g_hash_table_unref);
  g_clear_pointer (&self->usage, g_hash_table_unref);
  g_free (self->instance);
  g_free (self->key);
  g_free (self);
}

/* ---- checks ------------------------------------------------------------ */

char *
wg_pg_sessions_check (WgPgSessions  *self,
                      const char    *token,
                      gint64         now_ms,
                      GError       **error)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *signed_text = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *username = NULL;
  Session *session;
  gint64 issued;
  gsize user_length;

  g_return_val_if_fail (self != NULL && token != NULL, NULL);

  parts = g_strsplit (token, ".", 5);
  if (g_strv_length (parts) != 4 ||
      !g_ascii_string_to_signed (parts[1], 10, 0, G_MAXINT64, &issued, NULL))
    goto invalid;
  signed_text = g_strdup_printf ("%s.%s.%s", parts[0], parts[1], parts[2]);
  signature = sign (self, signed_text);
  if (!equal_in_constant_time (signature, parts[3]))
    goto invalid;

  user_length = strlen (parts[2]) / 2;
  username = g_malloc0 (user_length + 1);
  for (gsize i = 0; i < user_length; i++)
    username[i] = (char) ((g_ascii_xdigit_value (parts[2][2 * i]) << 4) |
                          g_ascii_xdigit_value (parts[2][2 * i + 1]));

  session = g_hash_table_lookup (self->sessions, parts[0]);
  if (session == NULL)
    {
      /* Issued by another instance since the last poll (the signature
       * says it was issued, at that time). */
      if (issued > now_ms + CLOCK_SKEW_MS || issued + self->lifetime_ms <= now_ms)
        goto expired;
      session = session_get (self, parts[0], issued + self->lifetime_ms);
      session->renewed = issued;
    }
  if (session->revoked)
    {
      g_set_error_literal (error, WG_ERROR, WG_ERROR_STORE, "The session has ended: log in again");
      return NULL;
    }
  if (session->expires <= now_ms)
    goto expired;
  if (now_ms - session->renewed >= RENEW_AFTER_MS)
    {
      gint64 *expires = g_new (gint64, 1);

      session->renewed = now_ms;
      session->expires = MAX (session->expires, now_ms + self->lifetime_ms);
      *expires = session->expires;
      g_hash_table_replace (self->renewals, g_strdup (parts[0]), expires);
    }
  return g_steal_pointer (&username);

invalid:
  g_set_error_literal (error, WG_ERROR, WG_ERROR_STORE, "The token is not valid: log in again");
  return NULL;
expired:
  g_set_error_literal (error, WG_ERROR, WG_ERROR_STORE, "The session has expired: log in again");
  return NULL;
}

/* ---- logins ------------------------------------------------------------ */

void
wg_pg_sessions_login_begin_async (WgPgSessions       *self,
                                  const char         *username,
                                  const char         *address,
                                  gint64              now_ms,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  Job *job = g_new0 (Job, 1);

  job->kind = JOB_LOGIN_BEGIN;
  job->username = g_strdup (username);
  job->address = g_strdup (address);
  job->now_ms = now_ms;
  queue (self, job, wg_pg_sessions_login_begin_async, callback, user_data);
}

gboolean
wg_pg_sessions_login_begin_finish (WgPgSessions  *self,
                                   GAsyncResult  *result,
                                   gint64        *attempt,
                                   double        *retry_after_s,
                                   GError       **error)
{
  Job *job = g_task_get_task_data (G_TASK (result));

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  *attempt = job->attempt;
  *retry_after_s = job->retry_after_s;
  return TRUE;
}

void
wg_pg_sessions_login_end_async (WgPgSessions       *self,
                                gint64              attempt,
                                gboolean            failed,
                                const char         *username,
                                gint64              now_ms,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  Job *job = g_new0 (Job, 1);

  job->kind = JOB_LOGIN_END;
  job->attempt = attempt;
  job->failed = failed;
  job->username = g_strdup (username);
  job->now_ms = now_ms;
  queue (self, job, wg_pg_sessions_login_end_async, callback, user_data);
}

char *
wg_pg_sessions_login_end_finish (WgPgSessions  *self,
                                 GAsyncResult  *result,
                                 gint64        *expires_ms,
                                 GError       **error)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  Session *session;

  if (!g_task_propagate_boolean (G_TASK (result), error) || job->token == NULL)
    return NULL;
  session = session_get (self, job->id, job->expires);
  session->renewed = job->now_ms;
  if (expires_ms != NULL)
    *expires_ms = job->expires;
  return g_steal_pointer (&job->token);
}

void
wg_pg_sessions_revoke_async (WgPgSessions       *self,
                             const char         *token,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  Job *job = g_new0 (Job, 1);

  job->kind = JOB_REVOKE;
  job->id = wg_pg_sessions_dup_id (token);
  if (job->id == NULL)
    job->id = g_strdup (token);
  queue (self, job, wg_pg_sessions_revoke_async, callback, user_data);
}

gboolean
wg_pg_sessions_revoke_finish (WgPgSessions  *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  Job *job = g_task_get_task_data (G_TASK (result));
  Session *session;

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  session = session_get (self, job->id, 0);
  session->revoked = TRUE;
  return TRUE;
}

/* ---- the poll ---------------------------------------------------------- */

static void
poll_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WgPgSessions *self = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer id, value;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Cannot poll the sessions: %s", error->message);
      /* The renewals go again with the next poll. */
      g_hash_table_iter_init (&iter, job->renewals);
      while (g_hash_table_iter_next (&iter, &id, &value))
        if (!g_hash_table_contains (self->renewals, id))
          g_hash_table_insert (self->renewals, g_strdup (id), g_memdup2 (value, sizeof (gint64)));
      /* Our counts too, unless stored (a part stored counts twice:
       * on the safe side). */
      g_hash_table_iter_init (&iter, job->usage);
      while (!job->usage_stored && g_hash_table_iter_next (&iter, &id, &value))
        g_hash_table_insert (self->usage, g_strdup (id),
                             GUINT_TO_POINTER (GPOINTER_TO_UINT (value) +
                                               GPOINTER_TO_UINT (g_hash_table_lookup (self->usage, id))));
      self->poll_running = FALSE;
      return;
    }
  self->poll_running = FALSE;
  self->polled_to = job->polled_to;
  self->usage_seen = job->usage_seen;
  apply_rows (self, job->rows);
  if (job->changed_accounts->len > 0 && !wg_account_store_put (self->accounts, job->changed_accounts, &error))
    g_warning ("Cannot copy the shared accounts: %s", error->message);
  if (self->usage_func != NULL && g_hash_table_size (job->elsewhere) > 0)
    self->usage_func (job->elsewhere, self->usage_data);

  /* Sessions long over are forgotten (a later use meets the expiry
   * check on the token's own issue time and lifetime first). */
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &id, &value))
    {
      Session *session = value;

      if (session->expires + CLOCK_SKEW_MS < job->polled_to &&
          !g_hash_table_contains (self->renewals, id))
        g_hash_table_iter_remove (&iter);
    }
}

static gboolean
poll_cb (gpointer data)
{
  WgPgSessions *self = data;
  Job *job;

  if (self->poll_running)
    return G_SOURCE_CONTINUE;
  self->poll_running = TRUE;
  job = g_new0 (Job, 1);
  job->kind = JOB_POLL;
  job->since = self->polled_to - POLL_OVERLAP_MS;
  job->renewals = g_steal_pointer (&self->renewals);
  self->renewals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  job->usage = g_steal_pointer (&self->usage);
  self->usage = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  job->usage_seen = self->usage_seen;
  queue (self, job, poll_cb, poll_done_cb, self);
  return G_SOURCE_CONTINUE;
}

char *
wg_pg_sessions_dup_id (const char *token)
{
  const char *dot = strchr (token, '.');

  return dot != NULL ? g_strndup (token, dot - token) : NULL;
}

void
wg_pg_sessions_count_command (WgPgSessions *self,
                              const char   *id)
{
  guint before;

  g_return_if_fail (self != NULL && id != NULL);

  before = GPOINTER_TO_UINT (g_hash_table_lookup (self->usage, id));
  g_hash_table_insert (self->usage, g_strdup (id), GUINT_TO_POINTER (before + 1));
}

void
wg_pg_sessions_set_usage_func (WgPgSessions  *self,
                               WgPgUsageFunc  func,
                               gpointer       user_data)
{
  g_return_if_fail (self != NULL);

  self->usage_func = func;
  self->usage_data = user_data;
}

void
wg_pg_sessions_start (WgPgSessions *self)
{
  g_return_if_fail (self != NULL);

  if (self->poll_id == 0)
    self->poll_id = g_timeout_add (WG_PG_SESSIONS_POLL_MS, poll_cb, self);
}
