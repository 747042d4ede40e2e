/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal's ticks: the seq, ts and type of each live event (exercises
 * keep a journal of their own), read from stored columns in one query,
 * with no event decoded.  Replay's timeline draws a tick per event; on a
 * year's journal decoding every event took most of opening Replay.
 */
#pragma once

#include "wg-store.h"

G_BEGIN_DECLS

typedef struct
{
  gint64       seq;
  gint64       ts;
  WgEventType  type;
} WgJournalTick;

/* The ticks of the journal in the SQLite file @path (WgJournalTick, seq
 * order), through a read-only connection of its own, closed on return:
 * any thread may call it while others write the file. */
GArray   *wg_journal_ticks_read_file (const char  *path,
                                      GError     **error);
/* The same through @store's own connection (a store in memory has no
 * other). */
GArray   *wg_journal_ticks_read      (WgStore     *store,
                                      GError     **error);
/* The ts of the first and the last live event; FALSE with no error when
 * there is none.  Two lookups by seq: cheap on any journal. */
gboolean  wg_journal_ticks_get_span  (WgStore     *store,
                                      gint64      *first_ts,
                                      gint64      *last_ts,
                                      GError     **error);

G_END_DECLS
