/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the PostgreSQL stores (wg-pg-*.c) share: arrays in PostgreSQL's
 * text form, for INSERT ... SELECT FROM unnest() (many rows in one
 * statement); connecting; statements whose failure is a GError.
 */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

/* Appends @text (NULL: SQL NULL) to @array, which starts with "{" and is
 * closed with "}" by the caller. */
void     wg_pg_array_append_text  (GString     *array,
                                   const char  *text);
/* Appends a value that needs no quoting (a number, or "NULL"). */
void     wg_pg_array_append_plain (GString     *array,
                                   const char  *value);
/* Sets @error to "PostgreSQL, @what: @message" (libpq's, chomped);
 * returns FALSE. */
gboolean wg_pg_set_error          (GError     **error,
                                   const char  *what,
                                   const char  *message);

/* A new connection whose server notices go to the debug log, or NULL with
 * @error ("PostgreSQL, connecting for @what: ..."). */
PGconn  *wg_pg_connect            (const char  *conninfo,
                                   const char  *what,
                                   GError     **error);
/* One statement with text parameters: its result, or NULL with @error
 * (@what failed) unless its status is @expect. */
PGresult *wg_pg_run               (PGconn              *conn,
                                   const char          *what,
                                   const char          *sql,
                                   int                  n_params,
                                   const char * const  *params,
                                   ExecStatusType       expect,
                                   GError             **error);
/* Statements without parameters or rows (several at once, as a schema). */
gboolean wg_pg_run_command        (PGconn      *conn,
                                   const char  *what,
                                   const char  *sql,
                                   GError     **error);

/* Pipeline mode (libpq 14+): a step's statements go out together and
 * their results come back together, one round trip for all of them,
 * which matters where every instance waits for a lock held meanwhile.
 * Blocking mode is safe for our use: what is sent while results are
 * unread is a few statements, and a large result (a read) is read after
 * everything is sent.  start, send..., sync, one result per statement
 * sent (stop at the first failure), then end (always, also after a
 * failure). */
gboolean  wg_pg_pipeline_start    (PGconn              *conn,
                                   GError             **error);
gboolean  wg_pg_pipeline_send     (PGconn              *conn,
                                   const char          *what,
                                   const char          *sql,
                                   int                  n_params,
                                   const char * const  *params,
                                   GError             **error);
gboolean  wg_pg_pipeline_sync     (PGconn              *conn,
                                   GError             **error);
/* The next statement's result, or NULL with @error (@what failed) unless
 * its status is @expect; after a failure PostgreSQL skips the rest up to
 * the sync. */
PGresult *wg_pg_pipeline_result   (PGconn              *conn,
                                   const char          *what,
                                   ExecStatusType       expect,
                                   GError             **error);
/* Leaves pipeline mode, first reading what is left up to the sync. */
gboolean  wg_pg_pipeline_end      (PGconn              *conn,
                                   GError             **error);

G_END_DECLS
