/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgJournal: the durable journal and the command answers (idempotency)
 * in PostgreSQL, shared by any number of server instances; each instance
 * keeps its projection in a local WgStore, its mirror (docs/postgresql.md).
 *
 * A batch: wg_pg_journal_begin() opens a PostgreSQL transaction, takes the
 * one journal lock (pg_advisory_xact_lock), reads the stored answers
 * (every instance's) to the batch's command ids, applies to the mirror
 * what other instances appended, and opens the mirror's batch; each
 * command is answered from the stored answers, else decided on the mirror
 * and its events and answer are inserted with the same seqs;
 * wg_pg_journal_commit() notifies the listeners, commits PostgreSQL, then
 * the mirror.  Each takes one round trip to PostgreSQL (pipeline mode).  A mirror that fails to commit only lags: it catches up from
 * PostgreSQL at the next batch.
 *
 * Blocking (libpq): on the server's writer thread only.  Not thread-safe.
 */
#pragma once

#include <libpq-fe.h>

#include "wg-store.h"
#include "wg-track-store.h"

G_BEGIN_DECLS

typedef struct _WgPgJournal WgPgJournal;

#define WG_PG_JOURNAL_SCHEMA_VERSION 1
/* The channel of LISTEN/NOTIFY; the payload is the new head. */
#define WG_PG_JOURNAL_CHANNEL "wangge_journal"

/* Connects to @conninfo (a libpq URI or key=value string), creates or
 * migrates the schema, gives a new journal its id. */
WgPgJournal *wg_pg_journal_open          (const char   *conninfo,
                                          GError      **error);
void         wg_pg_journal_free          (WgPgJournal  *self);
const char  *wg_pg_journal_get_id        (WgPgJournal  *self);
/* Inside a batch: its connection, whose transaction commits or rolls back
 * with the batch's events (what must commit with them: the attachments a
 * command references). */
PGconn      *wg_pg_journal_get_connection (WgPgJournal *self);

/* At start: a mirror of another journal, or ahead of this one (a database
 * restored from an older backup), is emptied and takes this journal's id;
 * then it catches up.  Outside a batch. */
gboolean     wg_pg_journal_attach_mirror (WgPgJournal  *self,
                                          WgStore      *mirror,
                                          GError      **error);
/* At start, after local seeding (--demo's history) appended events to the
 * mirror above @base, its head when attached: stores them in PostgreSQL
 * (with the points of @tracks, nullable: the history's generated tracks)
 * if the journal is still at @base; else another instance wrote first,
 * and the mirror is emptied and catches up. */
gboolean     wg_pg_journal_publish_local (WgPgJournal  *self,
                                          WgStore      *mirror,
                                          gint64        base,
                                          WgTrackStore *tracks,
                                          GError      **error);

/* The batch.  @command_ids (NULL-terminated, nullable): the id of every
 * command the batch will execute, whose stored answers are read with the
 * lock.  @caught_up (nullable): the events of other instances the mirror
 * applied, in seq order, to publish before the batch's own; if the batch
 * rolls back, those the mirror's batch applied are removed from it (it
 * may become empty). */
/* The lock ahead of the batch, before its commands are known: what
 * wg_pg_journal_begin() does but read the answers, which the next
 * wg_pg_journal_begin() then reads in a round trip of its own.  Commands
 * arriving while this waits for another instance's batch join the next
 * batch instead of waiting for the one after it.  On failure nothing is
 * held and wg_pg_journal_begin() tries from the start. */
gboolean     wg_pg_journal_lock          (WgPgJournal         *self,
                                          WgStore             *mirror,
                                          GError             **error);
gboolean     wg_pg_journal_begin         (WgPgJournal         *self,
                                          WgStore             *mirror,
                                          const char * const  *command_ids,
                                          GPtrArray          **caught_up,
                                          GError             **error);
/* A batch that only catches up: what wg_pg_journal_begin() applies, in
 * the mirror's batch, read without a transaction or the lock (commits are
 * serialised by the lock, so a read sees a gap-free prefix); nothing may
 * be executed or appended in it.  Locked ahead, the batch is
 * wg_pg_journal_begin()'s. */
gboolean     wg_pg_journal_begin_catch_up (WgPgJournal        *self,
                                           WgStore            *mirror,
                                           GPtrArray         **caught_up,
                                           GError            **error);
/* Whether wg_pg_journal_lock() holds the lock for the next batch. */
gboolean     wg_pg_journal_is_locked     (WgPgJournal         *self);
/* wg_store_execute_command(), or wg_store_refuse_command() with @refusal,
 * across instances.  @command's id must be among the batch's
 * @command_ids. */
gboolean     wg_pg_journal_execute_command (WgPgJournal    *self,
                                            WgStore        *mirror,
                                            WgCommand      *command,
                                            const WgActor  *actor,
                                            gint64          now_ms,
                                            const GError   *refusal,
                                            GPtrArray     **events_out,
                                            gboolean       *replayed,
                                            GError        **error);
/* wg_store_run_timers() across instances: decided under the lock on the
 * caught-up mirror, so that each system event is appended once. */
gboolean     wg_pg_journal_run_timers    (WgPgJournal  *self,
                                          WgStore      *mirror,
                                          gint64        now_ms,
                                          GPtrArray   **events_out,
                                          GError      **error);
gboolean     wg_pg_journal_commit        (WgPgJournal  *self,
                                          WgStore      *mirror,
                                          GError      **error);
void         wg_pg_journal_rollback      (WgPgJournal  *self,
                                          WgStore      *mirror);

/* libpq's notice processor for our connections (wg-pg-listener.c too). */
void         _wg_pg_notice_cb            (void         *data,
                                          const char   *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgJournal, wg_pg_journal_free)

G_END_DECLS
