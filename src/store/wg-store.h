/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgStore: the journal and its projection in one SQLite file.  The server,
 * the console's cache and replay all use it:
 *
 *  - the server: wg_store_execute_command() = idempotency check + decide()
 *    + append + project, in one transaction (or in one savepoint of a
 *    group commit opened with wg_store_begin()); wg_store_run_timers() for
 *    the system events (alarm.escalated, incident.overdue);
 *  - the console's cache: wg_store_apply_events() for pulled events;
 *  - replay: a WgReplaySession (wg-replay-session.h) moves one state from
 *    moment to moment; wg_store_state_at() builds the state at one moment
 *    into a scratch database from the nearest checkpoint.
 *
 * Pragmas: WAL, foreign_keys, synchronous=FULL, busy_timeout 5 s.  The
 * journal's seq is assigned here, gap-free; event ts never goes back.
 * Not thread-safe: use one WgStore per thread.
 */
#pragma once

#include <glib-object.h>

#include "wg-actor.h"
#include "wg-command.h"
#include "wg-event.h"
#include "wg-rules.h"
#include "wg-state.h"

G_BEGIN_DECLS

typedef struct _WgStore WgStore;

#define WG_TYPE_STORE (wg_store_get_type ())
#define WG_STORE_SCHEMA_VERSION 5
#define WG_STORE_DEFAULT_CHECKPOINT_INTERVAL 10000
#define WG_STORE_DEFAULT_DELTA_INTERVAL 250

GType       wg_store_get_type    (void) G_GNUC_CONST;
/* Creates or migrates the database at @path. */
WgStore    *wg_store_open        (const char  *path,
                                  GError     **error);
/* The same for a store that one thread at a time uses, never two at once
 * (a WgStore is not safe to share anyway: its statements are cached
 * without a lock): SQLite locks nothing for it. */
WgStore    *wg_store_open_unshared (const char  *path,
                                    GError     **error);
WgStore    *wg_store_ref         (WgStore     *self);
void        wg_store_unref       (WgStore     *self);

const char *wg_store_get_path    (WgStore     *self);
/* The rules decide() uses; the store starts with wg_rules_new(). */
void        wg_store_set_rules   (WgStore     *self,
                                  WgRules     *rules);
WgRules    *wg_store_get_rules   (WgStore     *self);
/* A checkpoint every @events events (0: never), and at most one per
 * (rows in the last checkpoint / 4) events, so that copying the growing
 * state costs at most about one row per event. */
void        wg_store_set_checkpoint_interval (WgStore *self,
                                              guint    events);
/* Between full checkpoints, a delta checkpoint (only the rows changed
 * since the previous checkpoint) every @events events (0: none); replay
 * restores a far moment from them (wg-replay-session.h). */
void        wg_store_set_delta_interval (WgStore *self,
                                         guint    events);
/* An exercise's store: every event it appends carries @exercise (NULL:
 * live).  Exercises keep a journal of their own, in a separate file. */
void        wg_store_set_exercise (WgStore    *self,
                                   const char *exercise);
const char *wg_store_get_exercise (WgStore    *self);
/* Whether appended events keep their JSON texts (full and masked) for
 * reads that serve them as they are (wg-journal-view.h): a server's
 * journal does, a console's cache need not (a row without them is encoded
 * when it is read). */
void        wg_store_set_keep_event_text (WgStore  *self,
                                          gboolean  keep);
/* The reader decide() uses, over this store (valid while it lives). */
const WgStateReader *wg_store_get_reader (WgStore *self);
/* For read-only queries of the server's own (e.g. journal views). */
gpointer    wg_store_get_sqlite  (WgStore     *self);

/* Units come from reference data, not from commands.  Registering an
 * existing unit updates its reference columns and keeps its status. */
gboolean    wg_store_register_unit (WgStore     *self,
                                    const char  *id,
                                    const char  *type,
                                    const char  *name,
                                    const char  *home_grid,
                                    const char  *account,
                                    GError     **error);

/* Group commit: between begin and commit every command runs in its own
 * savepoint; a refused or failed command does not undo the others. */
gboolean    wg_store_begin       (WgStore     *self,
                                  GError     **error);
/* The same without a savepoint per command (a savepoint's statement journal
 * copies every page a command touches that the batch dirtied before: about
 * a tenth of the writer's work per command).  A refused command writes
 * nothing before it is refused, so only a failure after a write needs one:
 * then the batch can only end whole, wg_store_commit() fails and
 * wg_store_batch_needs_savepoints() says to run it again after
 * wg_store_begin(). */
gboolean    wg_store_begin_without_savepoints (WgStore  *self,
                                               GError  **error);
gboolean    wg_store_batch_needs_savepoints   (WgStore  *self);

/* The WAL checkpointed on a thread of its own once it holds @frames pages
 * (wg-wal-checkpointer.c), not in the commit that filled it: for the
 * connection that commits the server's batches. */
gboolean    wg_store_checkpoint_wal_in_background (WgStore  *self,
                                                   guint     frames,
                                                   GError  **error);
guint64     wg_store_get_wal_checkpoints      (WgStore  *self);
gboolean    wg_store_commit      (WgStore     *self,
                                  GError     **error);
void        wg_store_rollback    (WgStore     *self);
gboolean    wg_store_in_transaction (WgStore  *self);

/* Called by wg_store_execute_command() after decide() accepted a new
 * command and before its events are appended (never for a retry, which
 * gets its stored answer): a check of what the journal does not hold (the
 * server's attachments).  FALSE refuses the command with @error, and
 * nothing is appended; a rule's refusal (wg_error_is_rule_refusal()) is
 * stored like decide()'s own. */
typedef gboolean (*WgStoreCommandCheck) (WgCommand      *command,
                                         const WgActor  *actor,
                                         GPtrArray      *events,
                                         gpointer        user_data,
                                         GError        **error);
void        wg_store_set_command_check (WgStore             *self,
                                        WgStoreCommandCheck  check,
                                        gpointer             user_data);

/* Runs @command for @actor at @now_ms.  TRUE with @events_out (the
 * appended events, seq set) when accepted; FALSE with a WG_ERROR when
 * refused (a rule's refusal is stored: the same command again gets the
 * same refusal) or on failure.  A retry (same id, type, body and actor)
 * gets the stored answer and appends nothing; *replayed is then TRUE.
 * The same id with another command: WG_ERROR_IDEMPOTENCY_KEY_REUSE. */
gboolean    wg_store_execute_command (WgStore        *self,
                                      WgCommand      *command,
                                      const WgActor  *actor,
                                      gint64          now_ms,
                                      GPtrArray     **events_out,
                                      gboolean       *replayed,
                                      GError        **error);
/* As wg_store_execute_command(), for a command already refused by a rule
 * outside decide() (the server's account checks): @refusal is stored as
 * decide()'s own would be; a command id seen before gets its stored
 * answer instead. */
gboolean    wg_store_refuse_command  (WgStore        *self,
                                      WgCommand      *command,
                                      const WgActor  *actor,
                                      gint64          now_ms,
                                      const GError   *refusal,
                                      GPtrArray     **events_out,
                                      gboolean       *replayed,
                                      GError        **error);
/* Appends and projects the system events due at @now_ms. */
gboolean    wg_store_run_timers  (WgStore     *self,
                                  gint64       now_ms,
                                  GPtrArray  **events_out,
                                  GError     **error);
/* A console cache: events pulled from the server, seq > head, in order
 * (gaps allowed for partial views), projected by the same code. */
gboolean    wg_store_apply_events (WgStore    *self,
                                   GPtrArray  *events,
                                   GError    **error);

/* A console's cold start (GET /api/v1/snapshot): the events of the
 * snapshot's incidents, applied in seq order, then the units' statuses and
 * the roster as the snapshot has them; the cache is complete up to @head
 * from then on (wg_store_head()), its journal below @head only holds what
 * the snapshot brought until back-fill adds the rest.  Only on an empty
 * cache. */
gboolean    wg_store_apply_snapshot (WgStore     *self,
                                     gint64       head,
                                     GPtrArray   *events,
                                     GPtrArray   *units,
                                     const char  *duty_leader,
                                     gint64       duty_since,
                                     GError     **error);
/* The other part of a snapshot asked without its ended incidents
 * (GET /api/v1/snapshot/ended at the first part's @head): their @events,
 * at or below @head, into the cache the first part started (its head at
 * or above @head).  Incidents the cache knows below @head are skipped;
 * one the stream brought events of since is projected again with them.
 * The units keep their states.  @applied gets the events whose incidents
 * changed, in seq order (the change set's). */
gboolean    wg_store_apply_ended_snapshot (WgStore     *self,
                                           gint64       head,
                                           GPtrArray   *events,
                                           GPtrArray  **applied,
                                           GError     **error);
/* A snapshot without its ended incidents was stored at @head: they are
 * to be asked (0: none, or stored: wg_store_apply_ended_snapshot() sets
 * it back to 0). */
gboolean    wg_store_set_ended_head (WgStore  *self,
                                     gint64    head,
                                     GError  **error);
gint64      wg_store_get_ended_head (WgStore  *self);
/* The snapshot's head (0: the cache was not started from one). */
gint64      wg_store_get_snapshot_head (WgStore *self);
/* Back-fill has stored the journal up to here (the snapshot's head when
 * done; the store's head for a cache not started from a snapshot). */
gint64      wg_store_get_backfill_after (WgStore *self);
/* Back-fill: older events (seq <= @through, the page's complete head,
 * which must be <= the snapshot's head) into the journal, for timelines
 * and replay; the projection is the snapshot's already and is not
 * touched.  Events already there are kept. */
gboolean    wg_store_backfill_events (WgStore     *self,
                                      GPtrArray   *events,
                                      gint64       through,
                                      GError     **error);

gint64      wg_store_head        (WgStore     *self);
/* Reads the head and the journal id again, after another connection
 * (a console's cache writer) changed them otherwise than by appending:
 * wg_store_reset(). */
gboolean    wg_store_reload      (WgStore     *self,
                                  GError     **error);
/* A store that reads a journal another connection appends to (the
 * server's writer thread) shows the head that writer committed and the
 * server published, not what its own snapshot happens to hold. */
void        wg_store_follow_head (WgStore     *self,
                                  gint64       seq);
/* After another connection's wg_store_reset() to @journal_id: this one
 * follows without reading the file again. */
void        wg_store_follow_reset (WgStore    *self,
                                   const char *journal_id);
/* Events with seq > @after_seq, at most @limit, in seq order. */
GPtrArray  *wg_store_read_journal (WgStore    *self,
                                   gint64      after_seq,
                                   guint       limit,
                                   GError    **error);
/* The journal as @actor may read it (protocol.md, "Reading the journal"):
 * all of it for admin, duty leader, dispatcher, trainer and wall; for a
 * grid worker the events of incidents in their grid and of their own unit;
 * for a department the events of incidents routed to it from the routing
 * on (plus each one's incident.reported) and of its own unit.  Caller
 * phones are masked for all but admin, duty leader and dispatcher.  The
 * view has gaps in seq; it is complete up to wg_store_head(). */
GPtrArray  *wg_store_read_journal_as (WgStore       *self,
                                      const WgActor *actor,
                                      gint64         after_seq,
                                      guint          limit,
                                      GError       **error);
/* Every event of @incident in this store, in seq order (indexed). */
GPtrArray  *wg_store_read_incident_events (WgStore    *self,
                                           const char *incident,
                                           GError    **error);
/* A console cache of a partial view (a department) meets an incident at
 * `incident.routed`, above its head, when the incident's earlier events
 * (`incident.reported`) are below it.  Given the incident's events as the
 * server's GET /api/v1/incidents/{id}/events returns them, stores those at
 * or below the head that it lacks and projects the incident from its first
 * event.  Nothing happens when the incident is known already. */
gboolean    wg_store_adopt_incident (WgStore    *self,
                                     const char *incident,
                                     GPtrArray  *events,
                                     GError    **error);
/* Events caused by a command (audit), in seq order. */
GPtrArray  *wg_store_events_of_command (WgStore    *self,
                                        const char *command_id,
                                        GError    **error);

/* The attachments named by the events of one command (lower-cased ids). */
typedef struct
{
  char  *actor;
  char  *incident;
  char **ids;
} WgAttachmentRefs;

void        wg_attachment_refs_free (WgAttachmentRefs *refs);
/* Events since @since_ts (ms) with an incident, an actor and a
 * body.attachments array, in seq order: (element-type WgAttachmentRefs). */
GPtrArray  *wg_store_read_attachment_refs (WgStore    *self,
                                           gint64      since_ts,
                                           GError    **error);

/* State lookups (same as the reader's). */
gboolean    wg_store_get_incident   (WgStore            *self,
                                     const char         *id,
                                     WgIncidentRecord   *out,
                                     GError            **error);
gboolean    wg_store_get_assignment (WgStore            *self,
                                     const char         *id,
                                     WgAssignmentRecord *out,
                                     GError            **error);
gboolean    wg_store_get_unit       (WgStore            *self,
                                     const char         *id,
                                     WgUnitRecord       *out,
                                     GError            **error);
/* Incidents (WgIncidentRecord*), emergencies first, then by report time;
 * @open_only leaves out closed and cancelled ones. */
GPtrArray  *wg_store_list_incidents   (WgStore            *self,
                                       gboolean            open_only,
                                       GError            **error);
/* Assignments (WgAssignmentRecord*) of an incident, oldest first. */
GPtrArray  *wg_store_list_assignments (WgStore            *self,
                                       const char         *incident,
                                       GError            **error);
/* Units (WgUnitRecord*) by id. */
GPtrArray  *wg_store_list_units       (WgStore            *self,
                                       GError            **error);
/* The duty leader on duty (roster.handed_over), or NULL. */
char       *wg_store_get_duty_leader (WgStore           *self,
                                      GError           **error);

/* The journal's id (protocol.md, "Identity of the journal"): a UUID made
 * when the journal is created.  A console's cache holds the id of the
 * server's journal it mirrors. */
const char *wg_store_get_journal_id (WgStore  *self);
/* Gives the journal a new id and keeps its events: a restored backup may
 * lack commits that consoles have seen (protocol.md, "Identity of the
 * journal"). */
gboolean    wg_store_renew_journal_id (WgStore  *self,
                                       GError  **error);
/* A console's cache that meets a server journal with another id: empties
 * the journal, the command answers, the projection (units keep their
 * reference columns) and the checkpoints in one transaction, and takes
 * @journal_id as its own.  Not inside wg_store_begin(). */
gboolean    wg_store_reset       (WgStore     *self,
                                  const char  *journal_id,
                                  GError     **error);
/* wg_store_reset() for a store that may never have held a journal (a
 * console's new cache, its units registered only): with no event, no
 * snapshot and no projection built elsewhere, it only takes @journal_id
 * (its units are as a reset leaves them: no pass over them).  Any other
 * store gets the whole reset. */
gboolean    wg_store_name_journal (WgStore    *self,
                                   const char *journal_id,
                                   GError    **error);

/* Clears the projection and projects the whole journal again. */
gboolean    wg_store_rebuild     (WgStore     *self,
                                  GError     **error);
/* Writes a checkpoint of the projection at the current head. */
gboolean    wg_store_checkpoint  (WgStore     *self,
                                  GError     **error);
guint       wg_store_count_checkpoints (WgStore *self);
/* The state at @t_ms (all events with ts <= t_ms) in a new database at
 * @scratch_path (replaced if it exists): the nearest checkpoint before
 * t, then the events after it.  Its journal stays empty; the last seq
 * applied is wg_store_get_projected_seq(). */
WgStore    *wg_store_state_at    (WgStore     *self,
                                  gint64       t_ms,
                                  const char  *scratch_path,
                                  GError     **error);
gint64      wg_store_get_projected_seq (WgStore *self);

/* Every projection table, rows in key order, as text: two stores with the
 * same state give the same dump. */
char       *wg_store_dump_state  (WgStore     *self,
                                  GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgStore, wg_store_unref)

G_END_DECLS
