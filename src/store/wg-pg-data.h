/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgData: the audit trail and the bookmarks in PostgreSQL, shared by
 * every server instance on the same database (docs/postgresql.md, "The
 * data beside the journal").
 *
 * One thread of its own with its own connection runs every statement, in
 * the order asked; the calls return at once and their callbacks run in
 * the caller's thread-default main context.  Audit rows are written as
 * on SQLite's relaxed audit connection: after the answer, in groups (one
 * INSERT for the rows waiting together), none lost by a clean stop.
 */
#pragma once

#include <gio/gio.h>

#include "wg-account-store.h"
#include "wg-bookmark-store.h"

G_BEGIN_DECLS

typedef struct _WgPgData WgPgData;

/* Connects and creates the tables if needed.  Blocking: at start,
 * before the main loop runs. */
WgPgData  *wg_pg_data_open                (const char          *conninfo,
                                           GError             **error);
/* Writes the audit rows still waiting, then stops the thread. */
void       wg_pg_data_free                (WgPgData            *self);

/* Queues a copy of @entry (its id is the database's).  Any thread. */
void       wg_pg_data_audit               (WgPgData            *self,
                                           const WgAuditEntry  *entry);
/* Audit rows with an id above @after_id, by id, at most @limit. */
void       wg_pg_data_read_audit_async    (WgPgData            *self,
                                           gint64               after_id,
                                           guint                limit,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
GPtrArray *wg_pg_data_read_audit_finish   (WgPgData            *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* wg_bookmark_store_add() and _list() on the shared table. */
void       wg_pg_data_add_bookmark_async  (WgPgData            *self,
                                           const WgBookmark    *bookmark,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean   wg_pg_data_add_bookmark_finish (WgPgData            *self,
                                           GAsyncResult        *result,
                                           GError             **error);
void       wg_pg_data_list_bookmarks_async (WgPgData           *self,
                                            gint64              from,
                                            gint64              to,
                                            const char         *incident,
                                            guint               limit,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
GPtrArray *wg_pg_data_list_bookmarks_finish (WgPgData          *self,
                                             GAsyncResult      *result,
                                             GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgData, wg_pg_data_free)

G_END_DECLS
