/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The accounts in PostgreSQL, shared by every server instance on one
 * database (docs/postgresql.md): `wangge-server user ...` with a database
 * stores the account there after its own data directory's accounts.db;
 * each instance copies the rows into its accounts.db at start and with
 * each sessions poll (wg-pg-sessions.h), and reads only its copy.
 */
#pragma once

#include "wg-account-store.h"

G_BEGIN_DECLS

/* The table; changed_at is the database's clock, in ms. */
#define WG_PG_ACCOUNTS_TABLE \
  "CREATE TABLE IF NOT EXISTS accounts (" \
  "  username      text PRIMARY KEY," \
  "  role          text NOT NULL," \
  "  password_hash text NOT NULL," \
  "  display_name  text," \
  "  grid          text," \
  "  department    text," \
  "  unit          text," \
  "  disabled      boolean NOT NULL," \
  "  changed_at    bigint NOT NULL);" \
  "CREATE INDEX IF NOT EXISTS accounts_changed_at ON accounts (changed_at);"

/* Blocking (the command line's): stores @account in the database at
 * @conninfo, replacing the one of the same name; the instances have it
 * within a poll. */
gboolean wg_pg_accounts_put (const char       *conninfo,
                             const WgAccount  *account,
                             GError          **error);

G_END_DECLS
