/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgExercises: the exercises in PostgreSQL, shared by every instance
 * (docs/postgresql.md, "Exercises").  An exercise runs on one instance at
 * a time, the holder of its lease; the register holds each one's record,
 * its owner's address and lease, and beside it the exercise's journal,
 * stored answers and each unit's newest position, written by the owner
 * before it answers.  Any instance lists every exercise and forwards the
 * requests for one to its owner; an instance takes over an exercise whose
 * lease lapsed (or was given up) and rebuilds it from here.  On a
 * WgPgWorker: no libpq call on the caller's main loop.
 */
#pragma once

#include <gio/gio.h>

#include "wg-track-store.h"

G_BEGIN_DECLS

#define WG_PG_EXERCISES_ERROR (wg_pg_exercises_error_quark ())
GQuark wg_pg_exercises_error_quark (void);

typedef enum
{
  /* Another instance holds the exercise's lease: this one appends nothing
   * more to it (fencing). */
  WG_PG_EXERCISES_ERROR_LEASE_LOST,
  /* The exercise's journal in PostgreSQL is not where this instance's copy
   * expects it (an earlier sync failed): its copy must be rebuilt. */
  WG_PG_EXERCISES_ERROR_DIVERGED,
} WgPgExercisesError;

typedef struct _WgPgExercises WgPgExercises;

/* One exercise in the register. */
typedef struct
{
  char   *id;
  char   *owner_url;   /* the owner's base URL, "http://host:port" */
  gint64  started_at;  /* UTC ms */
  char   *record;      /* its record as the API shows it, as last synced */
  /* FALSE: registered before the journal and lease were (no record to
   * resume from): only its record is kept, nobody runs it again. */
  gboolean resumable;
} WgPgExerciseRow;

/* What an owner stores of one exercise at once, in one transaction. */
typedef struct
{
  char      *id;
  char      *instance;    /* the lease holder's id: the sync is refused unless it holds the lease */
  char      *owner_url;
  gint64     started_at;
  char      *record;      /* as the API shows it */
  char      *saved;       /* as the owner keeps it: what a taker resumes from */
  gint64     head;        /* the exercise's head once these events are stored */
  GArray    *seqs;        /* gint64: the events appended since the last sync, in order */
  GPtrArray *events;      /* their JSON texts */
  GPtrArray *answers;     /* the commands' stored answers since then, JSON texts */
  GPtrArray *positions;   /* WgTrackPoint: each unit's newest posted since then, one per unit */
  guint      lease_ms;    /* the lease of a new exercise */
} WgPgExerciseSync;

/* An exercise this instance took over: everything to rebuild it. */
typedef struct
{
  char      *id;
  char      *saved;
  GPtrArray *events;      /* JSON texts, seq 1 ... head */
  GPtrArray *answers;     /* JSON texts */
  GPtrArray *positions;   /* WgTrackPoint: each unit's latest */
} WgPgExerciseClaim;

void               wg_pg_exercise_row_free    (WgPgExerciseRow    *row);
WgPgExerciseSync  *wg_pg_exercise_sync_new    (void);
void               wg_pg_exercise_sync_free   (WgPgExerciseSync   *sync);
void               wg_pg_exercise_claim_free  (WgPgExerciseClaim  *claim);

/* Connects and creates the tables if needed.  Blocking: at start, before
 * the main loop runs. */
WgPgExercises  *wg_pg_exercises_open          (const char           *conninfo,
                                               GError              **error);
/* Stores what is still queued, then stops the thread. */
void            wg_pg_exercises_free          (WgPgExercises        *self);

/* Stores @sync (taken) if @sync->instance holds the lease (a new exercise:
 * registers it with a lease of its own) and the exercise's journal in
 * PostgreSQL ends where @sync's events begin; else fails with
 * WG_PG_EXERCISES_ERROR.  Syncs are stored in the order queued.  Any
 * thread. */
void            wg_pg_exercises_sync_async    (WgPgExercises        *self,
                                               WgPgExerciseSync     *sync,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean        wg_pg_exercises_sync_finish   (WgPgExercises        *self,
                                               GAsyncResult         *result,
                                               GError              **error);
/* Extends by @lease_ms every lease @instance holds: the ids still held
 * (a GStrv). */
void            wg_pg_exercises_renew_async   (WgPgExercises        *self,
                                               const char           *instance,
                                               guint                 lease_ms,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
char          **wg_pg_exercises_renew_finish  (WgPgExercises        *self,
                                               GAsyncResult         *result,
                                               GError              **error);
/* Takes the lease of every exercise whose lease lapsed, and of those
 * @instance holds, except @held (the ids it runs), with a conditional
 * UPDATE: of two instances asking at once, one wins each.
 * Registers @owner_url for them.  WgPgExerciseClaim of each, with its
 * journal and answers. */
void            wg_pg_exercises_claim_async   (WgPgExercises        *self,
                                               const char           *instance,
                                               const char           *owner_url,
                                               guint                 lease_ms,
                                               const char * const   *held,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GPtrArray      *wg_pg_exercises_claim_finish  (WgPgExercises        *self,
                                               GAsyncResult         *result,
                                               GError              **error);
/* Gives up @instance's lease of @id (nullable: of every exercise it holds,
 * as it stops) at once: another instance may take it over.  Queued after
 * the syncs already queued; nobody waits (wg_pg_exercises_free() does).
 * Any thread. */
void            wg_pg_exercises_release       (WgPgExercises        *self,
                                               const char           *instance,
                                               const char           *id);
/* The exercise @id (nullable: every one, newest first) as WgPgExerciseRow;
 * an unknown @id gives an empty array. */
void            wg_pg_exercises_list_async    (WgPgExercises        *self,
                                               const char           *id,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GPtrArray      *wg_pg_exercises_list_finish   (WgPgExercises        *self,
                                               GAsyncResult         *result,
                                               GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgExercises, wg_pg_exercises_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgExerciseRow, wg_pg_exercise_row_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgExerciseSync, wg_pg_exercise_sync_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgExerciseClaim, wg_pg_exercise_claim_free)

G_END_DECLS
