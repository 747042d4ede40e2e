/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's insides, shared by wg-engine.c and its parts: -attachments
 * (photos), -audit, -bookmarks, -demo (seeding), -journal (reads), -sessions
 * (logins), -statistics, -stream (identity, filter, the journal the stream
 * replays).
 */
#pragma once

#include "wg-account-store.h"
#include "wg-actor.h"
#include "wg-attachment-store.h"
#include "wg-audit-writer.h"
#include "wg-bookmark-store.h"
#include "wg-commit-writer.h"
#include "wg-engine.h"
#include "wg-journal-view.h"
#include "wg-password.h"
#include "wg-pg-data.h"
#include "wg-pg-journal.h"
#include "wg-pg-listener.h"
#include "wg-pg-sessions.h"
#include "wg-rate-limit.h"
#include "wg-reference.h"
#include "wg-router.h"
#include "wg-store.h"
#include "wg-token-cache.h"

G_BEGIN_DECLS

/* libsoup 3.2 has no name for 429. */
#define WG_STATUS_TOO_MANY_REQUESTS 429

/* Roles as bits, for the read checks. */
#define ROLE_BIT(r) (1u << (r))
#define READ_ALL_ROLES (ROLE_BIT (WG_ROLE_ADMIN) | ROLE_BIT (WG_ROLE_DUTY_LEADER) | \
                        ROLE_BIT (WG_ROLE_DISPATCHER) | ROLE_BIT (WG_ROLE_TRAINER) | \
                        ROLE_BIT (WG_ROLE_WALL))
#define PHONE_ROLES (ROLE_BIT (WG_ROLE_ADMIN) | ROLE_BIT (WG_ROLE_DUTY_LEADER) | \
                     ROLE_BIT (WG_ROLE_DISPATCHER))
/* Not the wall: a CAP alert carries the summary and the exact location. */
#define CAP_ROLES (ROLE_BIT (WG_ROLE_ADMIN) | ROLE_BIT (WG_ROLE_DUTY_LEADER) | \
                   ROLE_BIT (WG_ROLE_DISPATCHER))

struct _WgEngine
{
  WgServer        *server;
  WgServerConfig   config;        /* a shallow copy: strings belong to the server */
  WgStore         *store;         /* the main loop's reads (WAL: beside the writer) */
  WgStore         *writer_store;  /* the writer thread's: every journal write */
  WgReference     *reference;     /* nullable */
  GBytes          *reference_json;
  char            *reference_etag;  /* quoted sha256 of reference_json */
  GBytes          *reference_blob;  /* the same as a GVariant (wg-reference-blob.h) */
  char            *reference_blob_etag;
  WgAccountStore  *accounts;
  WgAccountStore  *writer_accounts;  /* the writer thread's: the roster check */
  WgBookmarkStore *bookmarks;
  WgAuditWriter   *audit_writer;     /* the command audit rows, on a thread of their own */
  WgPasswordPool  *pool;
  WgCommitWriter  *writer;
  gboolean         timers_queued;
  gboolean         purge_queued;
  WgRateLimiter   *command_limiter;
  WgFailureWindow *pair_failures;     /* user name and address (wg-engine-sessions.c) */
  WgFailureWindow *user_failures;
  WgFailureWindow *address_failures;
  WgTokenCache    *token_cache;       /* SQLite's sessions checked in memory (wg-token-cache.h) */
  guint            timer_id;
  guint            prune_id;

  /* Failed commits, reported at most every STORAGE_WARNING_INTERVAL_US
   * (by the writer thread). */
  guint64          storage_failures;
  gint64           storage_warned_us;

  /* The last live snapshots per caller (wg-engine-snapshot.c): WgSnapshotCache*. */
  GPtrArray       *snapshot_cache;

  /* One-entry cache: the stream masks the same event for many subscribers. */
  JsonNode        *redact_in;
  JsonNode        *redact_out;
  JsonNode        *public_in;
  JsonNode        *public_out;

  /* Photos (wg-engine-attachments.c). */
  WgAttachmentStore *attachments;
  WgAttachmentStore *writer_attachments; /* the writer thread's: checks and references */
  struct _WgPgAttachments *pg_attachments; /* with --database, instead of both */
  GThreadPool       *upload_pool;
  gpointer           upload_shared;    /* UploadShared, outlives the engine */
  guint              uploads_queued;   /* waiting, decoding or (PostgreSQL) being stored */
  GHashTable        *batch_claims;     /* upload id -> incident, within one commit batch (writer thread) */
  guint              purge_id;

  /* Drills (wg-engine-exercises.c). */
  struct _WgEngineExercises *exercises;
  /* PostgreSQL (wg-engine-postgres.c), NULL without --database. */
  WgPgJournal       *pg;             /* the writer thread's */
  WgPgListener      *pg_listener;
  WgPgSessions      *pg_sessions;    /* the main loop's: sessions, login windows */
  gint64             pg_base;        /* the mirror's head before local seeding */
  WgPgData          *pg_data;        /* audit and bookmarks; its own thread */
  gboolean           catch_up_queued;
  gint               catch_up_waiting; /* atomic: queued, not yet in a batch */
  gint64             pg_announced;   /* the newest head another instance announced */
  guint              pg_catch_up_id; /* a catch-up put off while the writer works */
};

/* wg-engine-statistics.c */
void        _wg_engine_add_statistics_routes (WgEngine              *self,
                                              WgRouter              *router);
/* wg-engine-bookmarks.c: opens bookmarks.db */
gboolean    _wg_engine_add_bookmark_routes   (WgEngine              *self,
                                              WgRouter              *router,
                                              GError               **error);

char       *_wg_engine_remote_address       (SoupServerMessage      *msg);
const char *_wg_engine_bearer_token         (SoupServerMessage      *msg);
void        _wg_engine_respond_retry_after  (SoupServerMessage      *msg,
                                             guint                   status,
                                             const char             *slug,
                                             const char             *detail,
                                             double                  retry_after_s);
void        _wg_engine_audit                (WgEngine               *self,
                                             const char             *actor,
                                             const char             *address,
                                             const char             *action,
                                             const char             *command_id,
                                             guint                   status,
                                             const char             *result);
char       *_wg_engine_answer_code          (SoupServerMessage      *msg);
gboolean    _wg_engine_parse_count          (GHashTable             *query,
                                             const char             *name,
                                             gint64                  min,
                                             gint64                  max,
                                             gint64                 *inout);
WgActor    *_wg_engine_require_actor        (WgEngine               *self,
                                             SoupServerMessage      *msg,
                                             guint                   roles);

/* wg-engine-stream.c */
void        _wg_engine_stream_init          (WgEngine               *self);
/* The reader @who is, for the store's reading rule; FALSE: no known role. */
gboolean    _wg_engine_viewer_from_identity (const WgStreamIdentity *who,
                                             WgJournalViewer        *viewer);
JsonNode   *_wg_engine_filter_cb            (const WgStreamIdentity *who,
                                             JsonNode               *event,
                                             gpointer                user_data);
gboolean    _wg_engine_publish_events       (WgEngine               *self,
                                             GPtrArray              *events);

/* wg-engine-journal.c */
/* GET .../journal?after|from_ts&limit over @store (the live journal or an
 * exercise's) as @actor may read it. */
void        _wg_engine_respond_journal      (WgStore                *store,
                                             SoupServerMessage      *msg,
                                             GHashTable             *query,
                                             const WgActor          *actor);
/* GET .../incidents/{id}/events over @store as @actor may read it. */
void        _wg_engine_respond_incident_events (WgStore             *store,
                                             SoupServerMessage      *msg,
                                             const char             *id,
                                             const WgActor          *actor);
void        _wg_engine_get_journal_cb       (SoupServerMessage      *msg,
                                             GHashTable             *params,
                                             GHashTable             *query,
                                             gpointer                user_data);
void        _wg_engine_get_incident_events_cb (SoupServerMessage    *msg,
                                             GHashTable             *params,
                                             GHashTable             *query,
                                             gpointer                user_data);

/* wg-engine.c: the CAP alert of @store's incident @id; with
 * @exercise_note, an exercise's (status Exercise, the note naming it). */
void        _wg_engine_respond_cap          (WgEngine               *self,
                                             WgStore                *store,
                                             SoupServerMessage      *msg,
                                             const char             *id,
                                             const char             *exercise_note,
                                             gint64                  now_ms);

/* wg-engine-audit.c */
void        _wg_engine_get_audit_cb         (SoupServerMessage      *msg,
                                             GHashTable             *params,
                                             GHashTable             *query,
                                             gpointer                user_data);
void        _wg_engine_request_read_cb      (SoupServer             *server,
                                             SoupServerMessage      *msg,
                                             gpointer                user_data);

/* wg-engine-demo.c */
/* The reference in @dir; with --demo-streets N > 1, the city of N
 * streets generated from it (wg-city.h). */
WgReference *_wg_engine_load_reference      (WgEngine               *self,
                                             const char             *dir,
                                             GError                **error);
gboolean    _wg_engine_seed_demo            (WgEngine               *self,
                                             GError                **error);

/* wg-engine-snapshot.c: GET /api/v1/snapshot */
typedef struct _WgSnapshotCache WgSnapshotCache;
typedef struct
{
  WgStore            *store;
  WgStreamFilterFunc  filter;       /* what each caller sees of an event */
  gpointer            filter_data;
  WgTrackStore       *tracks;       /* the units' positions, nullable */
} SnapshotSource;

/* The snapshot of @source's journal as @who sees it (the live one, an
 * exercise's). */
void        _wg_engine_respond_snapshot     (const SnapshotSource   *source,
                                             SoupServerMessage      *msg,
                                             const WgStreamIdentity *who);
void        _wg_engine_snapshot_init        (WgEngine               *self,
                                             WgRouter               *router);

/* wg-engine-attachments.c */
gboolean    _wg_engine_attachments_init     (WgEngine               *self,
                                             GError                **error);
void        _wg_engine_attachments_start    (WgEngine               *self);
void        _wg_engine_attachments_fini     (WgEngine               *self);
/* On the writer thread, with self->writer_attachments: */
void        _wg_engine_attachments_batch_begin (WgEngine            *self);
void        _wg_engine_attachments_committed (WgEngine              *self,
                                             WgCommand              *command,
                                             const WgActor          *actor,
                                             GPtrArray              *events);
void        _wg_engine_attachments_purge    (WgEngine               *self);
/* wg-engine.c: the purge goes to the writer thread, one queued at most. */
void        _wg_engine_queue_purge          (WgEngine               *self);

/* wg-engine-exercises.c: /api/v1/exercises, each on a journal of its own */
gboolean    _wg_engine_exercises_init       (WgEngine               *self,
                                             WgRouter               *router,
                                             GError                **error);
void        _wg_engine_exercises_start      (WgEngine               *self);
void        _wg_engine_exercises_fini       (WgEngine               *self);
/* wg-engine-postgres.c: the journal in PostgreSQL with --database, else
 * the SQLite store's own calls. */
gboolean    _wg_engine_postgres_open        (WgEngine               *self,
                                             GError                **error);
gboolean    _wg_engine_postgres_publish_seed (WgEngine              *self,
                                             GError                **error);
void        _wg_engine_postgres_start       (WgEngine               *self);
/* The writer's batches take the journal lock before their commands. */
void        _wg_engine_postgres_prepare_writer (WgEngine            *self);
void        _wg_engine_postgres_stop        (WgEngine               *self);
void        _wg_engine_postgres_fini        (WgEngine               *self);
/* On the writer thread.  @command_ids: of the commands the batch will
 * execute (NULL-terminated); @only_catch_up: the batch does nothing
 * else (on PostgreSQL it takes no lock then). */
gboolean    _wg_engine_store_begin          (WgEngine               *self,
                                             const char * const     *command_ids,
                                             gboolean                only_catch_up,
                                             GPtrArray             **caught_up,
                                             GError                **error);
gboolean    _wg_engine_store_execute        (WgEngine               *self,
                                             WgCommand              *command,
                                             const WgActor          *actor,
                                             gint64                  now_ms,
                                             const GError           *refusal,
                                             GPtrArray             **events_out,
                                             gboolean               *replayed,
                                             GError                **error);
gboolean    _wg_engine_store_run_timers     (WgEngine               *self,
                                             gint64                  now_ms,
                                             GPtrArray             **events_out,
                                             GError                **error);
gboolean    _wg_engine_store_commit         (WgEngine               *self,
                                             GError                **error);
/* wg-engine.c: a catch-up batch, one queued at most. */
void        _wg_engine_queue_catch_up       (WgEngine               *self);

/* wg-engine-sessions.c */
void        _wg_engine_sessions_init        (WgEngine               *self);
void        _wg_engine_sessions_prune       (WgEngine               *self,
                                             gint64                  now_us);
void        _wg_engine_sessions_fini        (WgEngine               *self);
/* The session's command rate (per instance on SQLite, across instances
 * on PostgreSQL). */
gboolean    _wg_engine_sessions_allow_command (WgEngine             *self,
                                             SoupServerMessage      *msg,
                                             double                 *retry_after_s);
WgAccount  *_wg_engine_account_for_token    (WgEngine               *self,
                                             const char             *token,
                                             GError                **error);

G_END_DECLS
