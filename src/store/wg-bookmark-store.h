/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bookmarks for replay and reviews (protocol.md, "Replay and exercises"):
 * a moment, optionally an incident, a remark and who made it.  A resource of
 * its own, outside the journal, in bookmarks.db.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WG_BOOKMARK_STORE_ERROR (wg_bookmark_store_error_quark ())
GQuark wg_bookmark_store_error_quark (void);

typedef enum {
  WG_BOOKMARK_STORE_ERROR_DATABASE,
} WgBookmarkStoreError;

typedef struct
{
  char   *id;
  gint64  moment;      /* UTC ms of the journal moment it marks */
  char   *incident;    /* nullable */
  char   *remark;
  char   *author;
  gint64  created;     /* UTC ms */
} WgBookmark;

typedef struct _WgBookmarkStore WgBookmarkStore;

void             wg_bookmark_free             (WgBookmark      *bookmark);
WgBookmarkStore *wg_bookmark_store_open       (const char      *path,
                                               GError         **error);
void             wg_bookmark_store_free       (WgBookmarkStore *self);
/* Stores @bookmark (its id set by the caller). */
gboolean         wg_bookmark_store_add        (WgBookmarkStore *self,
                                               const WgBookmark *bookmark,
                                               GError         **error);
/* Bookmarks with a moment in [@from, @to) and, when @incident is set, of
 * that incident; by moment, at most @limit. */
GPtrArray       *wg_bookmark_store_list       (WgBookmarkStore *self,
                                               gint64           from,
                                               gint64           to,
                                               const char      *incident,
                                               guint            limit,
                                               GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgBookmark, wg_bookmark_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgBookmarkStore, wg_bookmark_store_free)

G_END_DECLS
