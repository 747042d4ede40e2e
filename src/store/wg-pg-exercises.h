/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgExercises: the register of exercises in PostgreSQL, shared by every
 * instance (docs/postgresql.md, "Exercises").  An exercise runs on the
 * instance that started it, its owner; the register holds each one's
 * record as last saved and the owner's address, so that any instance lists
 * every exercise and forwards the requests for one to its owner.  On a
 * WgPgWorker: no libpq call on the caller's main loop.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _WgPgExercises WgPgExercises;

/* One exercise in the register. */
typedef struct
{
  char   *id;
  char   *owner_url;   /* the owner's base URL, "http://host:port" */
  gint64  started_at;  /* UTC ms */
  char   *record;      /* its record as JSON text, as last saved */
} WgPgExerciseRow;

void            wg_pg_exercise_row_free       (WgPgExerciseRow      *row);

/* Connects and creates the table if needed.  Blocking: at start, before
 * the main loop runs. */
WgPgExercises  *wg_pg_exercises_open          (const char           *conninfo,
                                               GError              **error);
/* Stores what is still queued, then stops the thread. */
void            wg_pg_exercises_free          (WgPgExercises        *self);

/* Inserts or replaces @row; the puts are stored in the order queued, so
 * the last one wins.  @callback nullable: nobody waits.  Any thread. */
void            wg_pg_exercises_put_async     (WgPgExercises        *self,
                                               const WgPgExerciseRow *row,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
gboolean        wg_pg_exercises_put_finish    (WgPgExercises        *self,
                                               GAsyncResult         *result,
                                               GError              **error);
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

G_END_DECLS
