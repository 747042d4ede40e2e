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
/* The bookmarks as CSV for a spreadsheet: UTF-8 with a BOM, CRLF, a header
 * row, then moment (the centre's local time), case number, remark,
 * author, incident id. */
char              *wg_replay_bookmarks_to_csv (WgReplayBookmarks  *self);
gboolean           wg_replay_bookmarks_export (WgReplayBookmarks  *self,
                                               GFile              *file,
                                               GError            **error);

G_END_DECLS
