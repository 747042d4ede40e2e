/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgWorker: one libpq connection on a thread of its own, which runs the
 * jobs queued to it one after the other, in the order queued, so that no
 * libpq call runs on a main loop.  What the PostgreSQL stores beside the
 * journal (wg-pg-data, wg-pg-track, wg-pg-sessions, wg-pg-attachments) are
 * built on it.
 *
 * A job's answer goes back through its GTask, whose callback runs in the
 * thread-default main context of the caller that queued it.  Jobs queued
 * one after the other with the same group function run in one call (a
 * group commit: one transaction for the rows waiting together).  A
 * connection lost (PostgreSQL restarted) is opened again before the next
 * job: the job that met the loss fails and says so.
 */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

typedef struct _WgPgWorker WgPgWorker;

/* Runs one job on the worker's thread and answers @task, whose task data
 * is the job's.  @owner: as given to wg_pg_worker_new(). */
typedef void (*WgPgJobFunc)   (GTask     *task,
                               gpointer   owner);

/* One job of a group. */
typedef struct
{
  GTask    *task;   /* NULL: nobody waits for the answer */
  gpointer  data;
} WgPgJob;

/* Runs @jobs (WgPgJob) on the worker's thread and answers each task. */
typedef void (*WgPgGroupFunc) (GPtrArray *jobs,
                               gpointer   owner);

/* Connects (blocking: at start, before the main loop runs) and starts the
 * thread, named @thread_name.  @what names the data in errors. */
WgPgWorker *wg_pg_worker_new            (const char          *conninfo,
                                         const char          *what,
                                         const char          *thread_name,
                                         gpointer             owner,
                                         GError             **error);
/* Runs the jobs already queued, then stops the thread and closes the
 * connection. */
void        wg_pg_worker_free           (WgPgWorker          *self);

/* The worker's connection: for the owner's setup before its first job is
 * queued, then for its job functions, on the worker's thread only. */
PGconn     *wg_pg_worker_get_connection (WgPgWorker          *self);

/* Queues @func; @data (freed with @data_free) becomes the task's data.
 * Any thread. */
void        wg_pg_worker_run_async      (WgPgWorker          *self,
                                         WgPgJobFunc          func,
                                         gpointer             data,
                                         GDestroyNotify       data_free,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data,
                                         gpointer             source_tag);
/* Queues a job of a group: the jobs of @func waiting together run in one
 * call, as many as fit @max_weight (each weighs @weight; the first always
 * goes).  @callback NULL: no task, nobody waits.  Any thread. */
void        wg_pg_worker_run_grouped    (WgPgWorker          *self,
                                         WgPgGroupFunc        func,
                                         guint                weight,
                                         guint                max_weight,
                                         gpointer             data,
                                         GDestroyNotify       data_free,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data,
                                         gpointer             source_tag);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgWorker, wg_pg_worker_free)

G_END_DECLS
