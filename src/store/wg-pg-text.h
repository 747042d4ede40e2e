/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Text helpers of the PostgreSQL stores (wg-pg-track.c, wg-pg-data.c):
 * arrays in PostgreSQL's text form, for INSERT ... SELECT FROM unnest()
 * (many rows in one statement), and libpq's messages as GErrors.
 */
#pragma once

#include <glib.h>

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

G_END_DECLS
