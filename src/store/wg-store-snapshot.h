/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The current state at the journal's head, read from the projection in one
 * read transaction: what GET /api/v1/snapshot sends (before the server
 * filters it by role) and what a console fills its board from at once.
 */
#pragma once

#include "wg-journal-view.h"
#include "wg-store.h"

G_BEGIN_DECLS

/* A step clock (the deadlines table): when a step started, when it is due. */
typedef struct {
  char    *incident;
  char    *step;
  gint64   started_at;
  gint64   started_seq;
  gint64   due_at;       /* 0: none */
  gint64   ended_at;     /* 0: still running */
  gboolean overdue;
  guint    extensions;
} WgStepClock;

typedef struct {
  char       *journal_id;
  gint64      head;
  GPtrArray  *incidents;    /* WgIncidentRecord*: open ones, and those closed or cancelled since the cut-off */
  GPtrArray  *assignments;  /* WgAssignmentRecord* of those incidents, by incident, oldest first */
  GPtrArray  *step_clocks;  /* WgStepClock* of those incidents, by incident, oldest first */
  GPtrArray  *events;       /* WgEvent* of those incidents, by incident, in seq order */
  GPtrArray  *units;        /* WgUnitRecord*, by id */
  char       *duty_leader;  /* NULL: nobody has taken over */
  gint64      duty_since;
} WgStoreSnapshot;

/* The state at the head: every open incident and those that ended at or
 * after @ended_since_ms, with their events, assignments and step clocks;
 * every unit; the roster.  @ended_since_ms WG_STORE_SNAPSHOT_OPEN_ONLY:
 * the open incidents alone (not the merged ones either, which the other
 * always has). */
#define WG_STORE_SNAPSHOT_OPEN_ONLY G_MAXINT64
WgStoreSnapshot *wg_store_read_snapshot     (WgStore          *store,
                                             gint64            ended_since_ms,
                                             GError          **error);
void             wg_store_snapshot_free     (WgStoreSnapshot  *snapshot);

/* The snapshot's other part (GET /api/v1/snapshot/ended): the incidents
 * that had been closed or cancelled at or after @ended_since_ms, or
 * merged, as of @head, each as {"id":...,"events":[...]} with its events at or below
 * @head that @viewer sees (the stored texts), comma-separated onto @out
 * (the inside of a JSON array), in report order; @n_incidents counts
 * them.  One read transaction. */
gboolean         wg_store_append_ended_snapshot (WgStore               *store,
                                                 const WgJournalViewer *viewer,
                                                 gint64                 ended_since_ms,
                                                 gint64                 head,
                                                 GString               *out,
                                                 guint                 *n_incidents,
                                                 GError               **error);

/* The units of every open assignment, grouped by incident (id -> GPtrArray
 * of unit ids, oldest assignment first), in one query: the board names who
 * works on each incident. */
GHashTable      *wg_store_open_assignment_units (WgStore       *store,
                                                 GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgStoreSnapshot, wg_store_snapshot_free)

G_END_DECLS
