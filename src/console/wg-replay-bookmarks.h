/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "wg-replay.h"

G_BEGIN_DECLS

/* A replay's bookmarks (a moment, an incident, a remark, who): read from
 * the server (GET /api/v1/bookmarks) when the replay opens, added there
 * (POST /api/v1/bookmarks; outside the journal, so a read-only replay may);
 * without a server they stay with this replay.  Exported as CSV for the
 * after-action review (复盘). */
typedef struct
{
  char   *id;
  gint64  moment;     /* UTC ms */
  char   *incident;   /* nullable */
  char   *remark;
  char   *author;
} WgReplayBookmark;

void wg_replay_bookmark_free (WgReplayBookmark *bookmark);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgReplayBookmark, wg_replay_bookmark_free)

#define WG_TYPE_REPLAY_BOOKMARKS (wg_replay_bookmarks_get_type ())
G_DECLARE_FINAL_TYPE (WgReplayBookmarks, wg_replay_bookmarks, WG, REPLAY_BOOKMARKS, GObject)

WgReplayBookmarks *wg_replay_bookmarks_new    (WgReplay           *replay);
/* WgReplayBookmark*, by moment. */
GPtrArray         *wg_replay_bookmarks_get    (WgReplayBookmarks  *self);
/* Marks the moment shown, with the selected incident (if any). */
void               wg_replay_bookmarks_add_async  (WgReplayBookmarks   *self,
                                                   const char          *remark,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean           wg_replay_bookmarks_add_finish (WgReplayBookmarks   *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);
/* A WgCacheRead of the journal store: @ids (a NULL-terminated char**) ->
 * a GHashTable of incident -> case number, for those that have one. */
gpointer           wg_replay_bookmarks_read_case_numbers (WgStore  *store,
                                                          gpointer  ids,
                                                          GError  **error);
/* The incidents the bookmarks name, for that read. */
char             **wg_replay_bookmarks_dup_incidents     (WgReplayBookmarks *self);
/* Writes the bookmarks to @file as CSV for a spreadsheet: UTF-8 with a
 * BOM, CRLF, a header row, then moment (the centre's local time), case
 * number, remark, author, incident id.  The case numbers are read on the
 * replay's worker and the file written on a thread: nothing of it on the
 * main loop. */
void               wg_replay_bookmarks_export_async      (WgReplayBookmarks   *self,
                                                          GFile               *file,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean           wg_replay_bookmarks_export_finish     (WgReplayBookmarks   *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

G_END_DECLS
