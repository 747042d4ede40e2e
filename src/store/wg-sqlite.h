/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* What the small SQLite databases (accounts, attachments, outbox, tracks,
 * the journal) have in common: their errors carry each database's own
 * domain and code, named after the database. */
typedef struct
{
  GQuark      (*domain) (void);   /* the error quark function */
  int         code;
  const char *name;               /* "Account database": starts every message */
} WgSqliteErrors;

/* Process-wide settings for a server: call before any database is opened
 * (later, it changes nothing).  SQLite's memory statistics, which nothing
 * here reads, take a global mutex on every allocation: 240 allocations a
 * command, the main loop's and the writer thread's connections contending
 * for it. */
void          wg_sqlite_configure_process (void);

/* Sets "<name>: <sqlite3_errmsg>" and returns FALSE, for `return` chains. */
gboolean      wg_sqlite_set_error         (sqlite3               *db,
                                           const WgSqliteErrors  *errors,
                                           GError               **error);
gboolean      wg_sqlite_exec              (sqlite3               *db,
                                           const WgSqliteErrors  *errors,
                                           const char            *sql,
                                           GError               **error);
/* A statement kept for the database's lifetime (SQLITE_PREPARE_PERSISTENT). */
sqlite3_stmt *wg_sqlite_prepare           (sqlite3               *db,
                                           const WgSqliteErrors  *errors,
                                           const char            *sql,
                                           GError               **error);
/* Brings PRAGMA user_version up to @n_migrations: migration i takes
 * version i to i + 1, each in a transaction of its own.  A newer version
 * than this program knows is refused. */
gboolean      wg_sqlite_migrate           (sqlite3               *db,
                                           const WgSqliteErrors  *errors,
                                           const char *const     *migrations,
                                           guint                  n_migrations,
                                           GError               **error);

void          wg_sqlite_bind_text_or_null (sqlite3_stmt          *stmt,
                                           int                    column,
                                           const char            *text);
/* Without a copy, for the hot paths: @text must stay as it is until the
 * statement is reset. */
void          wg_sqlite_bind_static_or_null (sqlite3_stmt        *stmt,
                                             int                  column,
                                             const char          *text);
char         *wg_sqlite_column_dup        (sqlite3_stmt          *stmt,
                                           int                    column);

G_END_DECLS
