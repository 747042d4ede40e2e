/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One PostgreSQL connection on its own thread, fed by a queue
 * (wg-pg-worker.h).
 */
#define G_LOG_DOMAIN "wg-pg-worker"

#include "config.h"

#include "wg-pg-text.h"
#include "wg-pg-worker.h"

typedef struct
{
  WgPgJobFunc     func;        /* one of func, group_func; neither: stop */
  WgPgGroupFunc   group_func;
  guint           weight;
  guint           max_weight;
  WgPgJob         job;
  GDestroyNotify  data_free;   /* of job.data when there is no task */
} Job;

struct _WgPgWorker
{
  PGconn      *conn;
  gpointer     owner;
  GAsyncQueue *queue;
  GThread     *thread;
};

static void
job_free (Job *job)
{
  if (job->job.task != NULL)
    g_object_unref (job->job.task);
  else if (job->data_free != NULL && job->job.data != NULL)
    job->data_free (job->job.data);
  g_free (job);
}

static void
run_group (WgPgWorker *self,
           Job        *first,
           Job       **next)
{
  g_autoptr(GPtrArray) group = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  g_autoptr(GPtrArray) jobs = g_ptr_array_new ();
  guint weight = first->weight;

  g_ptr_array_add (group, first);
  while (weight < first->max_weight && (*next = g_async_queue_try_pop (self->queue)) != NULL &&
         (*next)->group_func == first->group_func)
    {
      weight += (*next)->weight;
      g_ptr_array_add (group, g_steal_pointer (next));
    }
  for (guint i = 0; i < group->len; i++)
    g_ptr_array_add (jobs, &((Job *) g_ptr_array_index (group, i))->job);
  first->group_func (jobs, self->owner);
}

static gpointer
thread_func (gpointer data)
{
  WgPgWorker *self = data;
  Job *next = NULL;

  for (;;)
    {
      Job *job = next != NULL ? next : g_async_queue_pop (self->queue);

      next = NULL;
      if (job->func == NULL && job->group_func == NULL)
        {
          job_free (job);
          return NULL;
        }
      if (PQstatus (self->conn) != CONNECTION_OK)
        PQreset (self->conn);
      if (job->group_func != NULL)
        {
          run_group (self, job, &next);
          continue;
        }
      job->func (job->job.task, self->owner);
      job_free (job);
    }
}

WgPgWorker *
wg_pg_worker_new (const char  *conninfo,
                  const char  *what,
                  const char  *thread_name,
                  gpointer     owner,
                  GError     **error)
{
  g_autoptr(WgPgWorker) self = g_new0 (WgPgWorker, 1);

  g_return_val_if_fail (conninfo != NULL && what != NULL && thread_name != NULL, NULL);

  self->conn = wg_pg_connect (conninfo, what, error);
  if (self->conn == NULL)
    return NULL;
  self->owner = owner;
  self->queue = g_async_queue_new ();
  self->thread = g_thread_new (thread_name, thread_func, self);
  return g_steal_pointer (&self);
}

void
wg_pg_worker_free (WgPgWorker *self)
{
  if (self == NULL)
    return;
  if (self->thread != NULL)
    {
      g_async_queue_push (self->queue, g_new0 (Job, 1));
      g_thread_join (self->thread);
    }
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->conn, PQfinish);
  g_free (self);
}

PGconn *
wg_pg_worker_get_connection (WgPgWorker *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->conn;
}

/* A job of @func or @group_func; a task but for a group's job nobody
 * waits for (@callback NULL). */
static void
queue_job (WgPgWorker          *self,
           WgPgJobFunc          func,
           WgPgGroupFunc        group_func,
           guint                weight,
           guint                max_weight,
           gpointer             data,
           GDestroyNotify       data_free,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data,
           gpointer             source_tag)
{
  Job *job = g_new0 (Job, 1);

  job->func = func;
  job->group_func = group_func;
  job->weight = weight;
  job->max_weight = max_weight;
  job->job.data = data;
  if (func != NULL || callback != NULL)
    {
      job->job.task = g_task_new (NULL, cancellable, callback, user_data);
      g_task_set_source_tag (job->job.task, source_tag);
      g_task_set_task_data (job->job.task, data, data_free);
    }
  else
    job->data_free = data_free;
  g_async_queue_push (self->queue, job);
}

void
wg_pg_worker_run_async (WgPgWorker          *self,
                        WgPgJobFunc          func,
                        gpointer             data,
                        GDestroyNotify       data_free,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data,
                        gpointer             source_tag)
{
  g_return_if_fail (self != NULL && func != NULL);

  queue_job (self, func, NULL, 0, 0, data, data_free, cancellable, callback, user_data, source_tag);
}

void
wg_pg_worker_run_grouped (WgPgWorker          *self,
                          WgPgGroupFunc        func,
                          guint                weight,
                          guint                max_weight,
                          gpointer             data,
                          GDestroyNotify       data_free,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data,
                          gpointer             source_tag)
{
  g_return_if_fail (self != NULL && func != NULL);

  queue_job (self, NULL, func, weight, max_weight, data, data_free, cancellable, callback, user_data, source_tag);
}
