/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal as each viewer may read it: one visibility rule (protocol.md,
 * "Reading the journal") for pages, an incident's events, the stream and
 * photos, and reads that serve the JSON text stored with each event (no
 * JSON is built or parsed per event on a read).
 */
#pragma once

#include "wg-actor.h"
#include "wg-store.h"

G_BEGIN_DECLS

/* The stored texts of an event: one value, one journal column and one
 * case in _wg_store_event_texts() each. */
typedef enum
{
  WG_EVENT_TEXT_FULL,     /* as the journal holds it: admin, duty leader, dispatcher */
  WG_EVENT_TEXT_MASKED,   /* caller phones masked: trainer, grid worker, department */
  WG_EVENT_TEXT_PUBLIC,   /* a public display's (wg-public-display.h): wall */
} WgEventText;

/* Who reads: the scope of an account (strings borrowed). */
typedef struct
{
  WgRole      role;
  const char *grid;        /* a grid worker's scope: a grid code prefix */
  const char *department;  /* a department's code */
  const char *unit;        /* the unit the account acts for */
} WgJournalViewer;

void        wg_journal_viewer_init_from_actor (WgJournalViewer       *viewer,
                                               const WgActor         *actor);
/* Admin, duty leader, dispatcher, trainer and wall read every event. */
gboolean    wg_journal_viewer_reads_all       (const WgJournalViewer *viewer);
WgEventText wg_journal_viewer_get_text        (const WgJournalViewer *viewer);

/* Appends to @out the texts of the events after @after_seq that @viewer
 * sees, at most @limit, in seq order and comma-separated (the inside of a
 * JSON array); @last_seq gets the last one's seq (unchanged when none). */
gboolean    wg_store_append_journal_text  (WgStore               *self,
                                           const WgJournalViewer *viewer,
                                           gint64                 after_seq,
                                           guint                  limit,
                                           GString               *out,
                                           guint                 *n_events,
                                           gint64                *last_seq,
                                           GError               **error);
/* The same events, each text on its own (GBytes) in @texts and its seq in
 * @seqs (gint64). */
gboolean    wg_store_read_journal_texts   (WgStore               *self,
                                           const WgJournalViewer *viewer,
                                           gint64                 after_seq,
                                           guint                  limit,
                                           GPtrArray             *texts,
                                           GArray                *seqs,
                                           GError               **error);
/* The same for every event of @incident that @viewer sees. */
gboolean    wg_store_append_incident_text (WgStore               *self,
                                           const WgJournalViewer *viewer,
                                           const char            *incident,
                                           GString               *out,
                                           guint                 *n_events,
                                           GError               **error);
/* The same, only the events at or below @through_seq. */
gboolean    wg_store_append_incident_text_through (WgStore               *self,
                                                   const WgJournalViewer *viewer,
                                                   const char            *incident,
                                                   gint64                 through_seq,
                                                   GString               *out,
                                                   guint                 *n_events,
                                                   GError               **error);
/* Whether @viewer sees the committed event with these columns. */
gboolean    wg_store_event_visible        (WgStore               *self,
                                           const WgJournalViewer *viewer,
                                           gint64                 seq,
                                           const char            *type,
                                           const char            *subject,
                                           const char            *incident,
                                           gboolean              *visible,
                                           GError               **error);
/* Whether @viewer sees any event of @incident (photos follow this). */
gboolean    wg_store_incident_visible     (WgStore               *self,
                                           const WgJournalViewer *viewer,
                                           const char            *incident,
                                           gboolean              *visible,
                                           GError               **error);

/* The text of the committed event @seq as @text gives it, or NULL with
 * @error set (also when there is no such event). */
char       *wg_store_read_event_text      (WgStore               *self,
                                           gint64                 seq,
                                           WgEventText            text,
                                           GError               **error);

/* Stores the texts of the events that have none (a journal kept before
 * the store kept them, schema 1, or the public one, schema 3), a thousand
 * a transaction.  Outside any transaction; after the reference is
 * adopted (the public text puts a case at its grid's centre). */
gboolean    wg_store_fill_event_texts     (WgStore               *self,
                                           guint                 *n_filled,
                                           GError               **error);

G_END_DECLS
