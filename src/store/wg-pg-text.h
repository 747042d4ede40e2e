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

G_END_DECLS
