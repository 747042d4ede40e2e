/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <sqlite3.h>

#include "wg-journal-view.h"
#include "wg-store.h"

G_BEGIN_DECLS

/* A cached prepared statement for @sql (a string literal: the pointer is
 * the key), reset and with its bindings cleared. */
sqlite3_stmt *_wg_store_stmt        (WgStore      *self,
                                     const char   *sql,
                                     GError      **error);
gboolean      _wg_store_exec        (WgStore      *self,
                                     const char   *sql,
                                     GError      **error);
gboolean      _wg_store_step_done   (WgStore      *self,
                                     sqlite3_stmt *stmt,
                                     GError      **error);
gboolean      _wg_store_set_error   (WgStore      *self,
                                     GError      **error);

/* The event of a journal row whose first ten columns are seq, ts, type,
 * actor, role, command, subject, incident, exercise, body. */
WgEvent      *_wg_store_read_event_row (sqlite3_stmt  *stmt,
                                        GError       **error);
/* @event's JSON text, in @body_out (optional) its body's, in @masked_out
 * the masked one (NULL when it is the same) and in @public_out the public
 * display's (always set).  Reads the incident's category and grid from the
 * projection. */
char         *_wg_store_event_texts  (WgStore       *self,
                                      WgEvent       *event,
                                      char         **body_out,
                                      char         **masked_out,
                                      char         **public_out,
                                      GError       **error);
/* The page query of @viewer, bound and ready to step (wg-journal-view.c). */
sqlite3_stmt *_wg_store_view_page_stmt (WgStore               *self,
                                        const WgJournalViewer *viewer,
                                        gint64                 after_seq,
                                        guint                  limit,
                                        GError               **error);

/* The projection: the one function turning an event into state-table
 * rows (wg-projection.c). */
gboolean      _wg_projection_apply  (WgStore      *self,
                                     WgEvent      *event,
                                     GError      **error);
/* Only what `incident.merged` changes of the case it was merged into. */
gboolean      _wg_projection_apply_merge_target (WgStore  *self,
                                                 WgEvent  *event,
                                                 GError  **error);
/* Tables of the projection, in the order they are cleared (children
 * first); NULL-terminated. */
extern const char *const _wg_projection_tables[];

G_END_DECLS
