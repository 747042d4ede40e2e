/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The accounts in PostgreSQL (wg-pg-accounts.h): the command line's side.
 * The servers' side is the sessions poll (wg-pg-sessions.c).
 */
#define G_LOG_DOMAIN "wg-pg-accounts"

#include "config.h"

#include <libpq-fe.h>

#include "wg-error.h"
#include "wg-pg-accounts.h"
#include "wg-pg-journal.h"
#include "wg-pg-text.h"

/* The schema's lock: the journal's, which its migration takes too. */
#define SCHEMA_LOCK_KEY "2002873959"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

static gboolean
check (PGresult       *result,
       ExecStatusType  expect,
       GError        **error)
{
  g_autofree char *text = NULL;

  if (PQresultStatus (result) == expect)
    return TRUE;
  text = g_strchomp (g_strdup (PQresultErrorMessage (result)));
  g_set_error (error, WG_ERROR, WG_ERROR_STORE, "PostgreSQL, a statement failed: %s", text);
  return FALSE;
}

gboolean
wg_pg_accounts_put (const char       *conninfo,
                    const WgAccount  *account,
                    GError          **error)
{
  PGconn *conn;
  gboolean ok = FALSE;
  const char *params[] = {
    account->username, account->role, account->password_hash, account->display_name,
    account->grid, account->department, account->unit, account->disabled ? "true" : "false",
  };

  g_return_val_if_fail (conninfo != NULL && account != NULL, FALSE);

  conn = wg_pg_connect (conninfo, "the accounts", error);
  if (conn == NULL)
    return FALSE;
  {
    g_autoptr(PGresult) quiet = PQexec (conn, "SET client_min_messages = warning");
    g_autoptr(PGresult) begun = PQexec (conn, "BEGIN");
    g_autoptr(PGresult) locked = NULL;
    g_autoptr(PGresult) created = NULL;
    g_autoptr(PGresult) stored = NULL;
    g_autoptr(PGresult) committed = NULL;

    if (!check (begun, PGRES_COMMAND_OK, error))
      goto out;
    locked = PQexec (conn, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY ")");
    if (!check (locked, PGRES_TUPLES_OK, error))
      goto out;
    created = PQexec (conn, WG_PG_ACCOUNTS_TABLE);
    if (!check (created, PGRES_COMMAND_OK, error))
      goto out;
    stored = PQexecParams (conn,
                           "INSERT INTO accounts (username, role, password_hash, display_name, grid,"
                           " department, unit, disabled, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
                           " (extract(epoch FROM clock_timestamp()) * 1000)::bigint)"
                           " ON CONFLICT (username) DO UPDATE SET role = excluded.role,"
                           " password_hash = excluded.password_hash, display_name = excluded.display_name,"
                           " grid = excluded.grid, department = excluded.department, unit = excluded.unit,"
                           " disabled = excluded.disabled, changed_at = excluded.changed_at",
                           G_N_ELEMENTS (params), NULL, params, NULL, NULL, 0);
    if (!check (stored, PGRES_COMMAND_OK, error))
      goto out;
    committed = PQexec (conn, "COMMIT");
    ok = check (committed, PGRES_COMMAND_OK, error);
  }
out:
  PQfinish (conn);
  return ok;
}
