/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A private PostgreSQL cluster for one test program: initdb and postgres
 * from `pg_config --bindir`, in a temporary folder that also holds its
 * Unix socket (no TCP), fsync=on and synchronous_commit=on.  As root (CI)
 * the cluster runs as the `postgres` account, else as `nobody`: initdb
 * and postgres refuse root. */
typedef struct
{
  char        *dir;         /* the cluster's folder: data/ and the socket */
  char        *user;        /* the account it runs as, NULL: ours */
  char        *postgres_bin;
  guint        n_databases;
  GSubprocess *postgres;
} WgTestPostgres;

/* NULL and a skip message when PostgreSQL is not installed. */
WgTestPostgres *wg_test_postgres_start        (char           **skip_reason);
/* A new empty database; its libpq URI (postgresql://...). */
char           *wg_test_postgres_new_database (WgTestPostgres  *self);
/* Statements on @database (a URI from wg_test_postgres_new_database),
 * asserted to succeed: without rows, or the number in the first row's
 * first column. */
void            wg_test_postgres_execute      (const char      *database,
                                               const char      *sql);
gint64          wg_test_postgres_query_number (const char      *database,
                                               const char      *sql);
/* An immediate shutdown (SIGQUIT), as a crash of the database server. */
void            wg_test_postgres_crash        (WgTestPostgres  *self);
/* Starts it again on the same folder (crash recovery). */
void            wg_test_postgres_restart      (WgTestPostgres  *self);
/* Fast shutdown (SIGINT), waits, removes the folder. */
void            wg_test_postgres_stop         (WgTestPostgres  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgTestPostgres, wg_test_postgres_stop)

G_END_DECLS
