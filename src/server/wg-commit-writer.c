/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Group commit on a writer thread.  A durable commit waits for the disk
 * (an fsync: a fraction of a millisecond on a quiet disk, tens of them on
 * a busy one); on the main loop that wait stopped every read and every
 * answer.  Here handlers queue their decoded request and return with the
 * message paused; one thread takes everything queued (up to max_items),
 * runs the batch function (one transaction, one fsync) and hands the batch
 * back to the main loop, which publishes it and answers each message.
 * While the thread waits for the disk, the main loop reads and queues the
 * next batch: batches form by themselves, no delay is needed.
 *
 * Only the main loop touches messages; the thread sees an item's data,
 * result and error, handed over under the lock.  Batches come back in
 * commit order.  Once answered, an item goes back to the thread to be
 * freed (its data and result: the events' trees, the command's): the
 * main loop's time is every request's wait (reads, checks, answers), and
 * memory freed on the thread that allocated it costs less (malloc's
 * per-thread cache).
 */
#define G_LOG_DOMAIN "wg-commit-writer"

#include "config.h"

#include "wg-commit-writer.h"

typedef struct
{
  GPtrArray *items;    /* WgCommitItem*, freed on the main loop */
  GError    *error;    /* the commit failure */
} Batch;

struct _WgCommitWriter
{
  guint                   max_items;
  WgCommitWriterBatchFunc batch_func;
  WgCommitWriterPrepareFunc prepare_func;   /* nullable */
  WgCommitWriterDoneFunc  done_func;
  WgCommitAnswerFunc      answer_func;
  gpointer                user_data;
  GMainContext           *context;

  GThread                *thread;
  GMutex                  lock;
  GCond                   cond;
  /* Under the lock: */
  GPtrArray              *waiting;    /* WgCommitItem*, not yet taken */
  GQueue                  committed;  /* Batch*, to answer on the main loop */
  GPtrArray              *retired;    /* GPtrArray* of answered items, to free here */
  GSource                *answer_source;
  gboolean                busy;
  gboolean                stopping;
  guint64                 n_batches;
  guint64                 n_items;
  guint                   max_batch;
};

/* Main loop. */
static void
item_release_msg (WgCommitItem *item)
{
  if (item->msg == NULL)
    return;
  /* By its id: a search of the message's handlers by data was 1,600
   * instructions of every command. */
  g_clear_signal_handler (&item->disconnected_id, item->msg);
  g_clear_object (&item->msg);
}

/* On the writer thread once answered (item_release_msg() done), or on
 * whichever thread frees the writer. */
static void
item_free (gpointer data)
{
  WgCommitItem *item = data;

  item_release_msg (item);
  if (item->data_destroy != NULL && item->data != NULL)
    item->data_destroy (item->data);
  if (item->result_destroy != NULL && item->result != NULL)
    item->result_destroy (item->result);
  g_clear_error (&item->error);
  g_free (item);
}

static void
batch_free (Batch *batch)
{
  g_clear_pointer (&batch->items, g_ptr_array_unref);
  g_clear_error (&batch->error);
  g_free (batch);
}

static void
msg_disconnected_cb (SoupServerMessage *msg,
                     WgCommitItem      *item)
{
  /* The client went away: the item still commits (it was accepted for
   * processing), but there is nobody to answer or unpause. */
  g_clear_signal_handler (&item->disconnected_id, msg);
  g_clear_object (&item->msg);
}

/* Main loop: the committed batches, in order. */
static void
answer_committed (WgCommitWriter *self)
{
  GQueue batches = G_QUEUE_INIT;
  Batch *batch;

  g_mutex_lock (&self->lock);
  batches = self->committed;
  g_queue_init (&self->committed);
  if (self->answer_source != NULL)
    {
      /* Run by a flush: the idle has nothing left to do. */
      g_source_destroy (self->answer_source);
      g_clear_pointer (&self->answer_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  while ((batch = g_queue_pop_head (&batches)) != NULL)
    {
      self->done_func (batch->items, batch->error, self->user_data);
      for (guint i = 0; i < batch->items->len; i++)
        {
          WgCommitItem *item = g_ptr_array_index (batch->items, i);

          if (item->msg == NULL)
            continue;
          self->answer_func (item, batch->error, self->user_data);
          soup_server_message_unpause (item->msg);
          item_release_msg (item);
        }
      g_mutex_lock (&self->lock);
      g_ptr_array_add (self->retired, g_steal_pointer (&batch->items));
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      batch_free (batch);
    }
}

/* Writer thread, with the lock held: frees the answered items without it. */
static void
free_retired (WgCommitWriter *self)
{
  g_autoptr(GPtrArray) retired = NULL;

  if (self->retired->len == 0)
    return;
  retired = g_steal_pointer (&self->retired);
  self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_mutex_unlock (&self->lock);
  g_clear_pointer (&retired, g_ptr_array_unref);
  g_mutex_lock (&self->lock);
}

static gboolean
answer_committed_cb (gpointer data)
{
  answer_committed (data);
  return G_SOURCE_REMOVE;
}

static gpointer
writer_thread (gpointer data)
{
  WgCommitWriter *self = data;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      Batch *batch;
      guint n;

      while (self->waiting->len == 0 && self->retired->len == 0 && !self->stopping)
        g_cond_wait (&self->cond, &self->lock);
      if (self->waiting->len == 0)
        {
          if (self->retired->len == 0)
            break;
          free_retired (self);
          continue;
        }
      if (self->prepare_func != NULL)
        {
          g_mutex_unlock (&self->lock);
          self->prepare_func (self->user_data);
          g_mutex_lock (&self->lock);
        }

      batch = g_new0 (Batch, 1);
      n = MIN (self->waiting->len, self->max_items);
      batch->items = g_ptr_array_new_full (n, item_free);
      for (guint i = 0; i < n; i++)
        g_ptr_array_add (batch->items, g_ptr_array_index (self->waiting, i));
      g_ptr_array_remove_range (self->waiting, 0, n);
      self->busy = TRUE;
      g_mutex_unlock (&self->lock);

      self->batch_func (batch->items, self->user_data, &batch->error);

      g_mutex_lock (&self->lock);
      self->busy = FALSE;
      self->n_batches++;
      self->n_items += n;
      self->max_batch = MAX (self->max_batch, n);
      g_queue_push_tail (&self->committed, batch);
      if (self->answer_source == NULL)
        {
          /* Answers go out ahead of reading more requests. */
          self->answer_source = g_idle_source_new ();
          g_source_set_priority (self->answer_source, G_PRIORITY_HIGH);
          g_source_set_callback (self->answer_source, answer_committed_cb, self, NULL);
          g_source_attach (self->answer_source, self->context);
        }
      g_cond_broadcast (&self->cond);
      /* While the main loop answers this batch: the ones it answered. */
      free_retired (self);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

WgCommitWriter *
wg_commit_writer_new (guint                   max_items,
                      WgCommitWriterBatchFunc batch_func,
                      WgCommitWriterDoneFunc  done_func,
                      WgCommitAnswerFunc      answer_func,
                      gpointer                user_data)
{
  WgCommitWriter *self;

  g_return_val_if_fail (batch_func != NULL, NULL);
  g_return_val_if_fail (done_func != NULL, NULL);
  g_return_val_if_fail (answer_func != NULL, NULL);

  self = g_new0 (WgCommitWriter, 1);
  self->max_items = MAX (1, max_items);
  self->batch_func = batch_func;
  self->done_func = done_func;
  self->answer_func = answer_func;
  self->user_data = user_data;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->waiting = g_ptr_array_new ();
  self->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_queue_init (&self->committed);
  self->thread = g_thread_new ("wg-commit-writer", writer_thread, self);
  return self;
}

void
wg_commit_writer_free (WgCommitWriter *self)
{
  if (self == NULL)
    return;

  /* Whatever waits is committed and answered, not dropped. */
  wg_commit_writer_flush (self);
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);

  if (self->answer_source != NULL)
    {
      g_source_destroy (self->answer_source);
      g_clear_pointer (&self->answer_source, g_source_unref);
    }
  g_ptr_array_unref (self->waiting);
  g_ptr_array_unref (self->retired);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_main_context_unref (self->context);
  g_free (self);
}

void
wg_commit_writer_set_prepare_func (WgCommitWriter            *self,
                                   WgCommitWriterPrepareFunc  prepare_func)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  self->prepare_func = prepare_func;
  g_mutex_unlock (&self->lock);
}

guint
wg_commit_writer_get_n_waiting (WgCommitWriter *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);

  g_mutex_lock (&self->lock);
  n = self->waiting->len;
  g_mutex_unlock (&self->lock);
  return n;
}

gboolean
wg_commit_writer_is_idle (WgCommitWriter *self)
{
  gboolean idle;

  g_return_val_if_fail (self != NULL, FALSE);

  g_mutex_lock (&self->lock);
  idle = self->waiting->len == 0 && !self->busy;
  g_mutex_unlock (&self->lock);
  return idle;
}

void
wg_commit_writer_submit (WgCommitWriter    *self,
                         SoupServerMessage *msg,
                         gpointer           data,
                         GDestroyNotify     data_destroy)
{
  WgCommitItem *item;

  g_return_if_fail (self != NULL);
  g_return_if_fail (msg == NULL || SOUP_IS_SERVER_MESSAGE (msg));

  item = g_new0 (WgCommitItem, 1);
  item->data = data;
  item->data_destroy = data_destroy;
  if (msg != NULL)
    {
      item->msg = g_object_ref (msg);
      item->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (msg_disconnected_cb), item);
      soup_server_message_pause (msg);
    }
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->waiting, item);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

void
wg_commit_writer_flush (WgCommitWriter *self)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  while (self->waiting->len > 0 || self->busy)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
  answer_committed (self);
}

guint64
wg_commit_writer_get_n_batches (WgCommitWriter *self)
{
  guint64 n;

  g_return_val_if_fail (self != NULL, 0);
  g_mutex_lock (&self->lock);
  n = self->n_batches;
  g_mutex_unlock (&self->lock);
  return n;
}

guint64
wg_commit_writer_get_n_items (WgCommitWriter *self)
{
  guint64 n;

  g_return_val_if_fail (self != NULL, 0);
  g_mutex_lock (&self->lock);
  n = self->n_items;
  g_mutex_unlock (&self->lock);
  return n;
}

guint
wg_commit_writer_get_max_batch (WgCommitWriter *self)
{
  guint n;

  g_return_val_if_fail (self != NULL, 0);
  g_mutex_lock (&self->lock);
  n = self->max_batch;
  g_mutex_unlock (&self->lock);
  return n;
}
