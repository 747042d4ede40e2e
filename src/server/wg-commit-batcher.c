/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Group commit.  A durable commit costs an fsync (~210 us here), so one
 * transaction per request caps the server at a few thousand writes per
 * second.  Handlers submit their decoded request and return with the
 * message paused; the batcher runs the batch function once for everything
 * collected, as soon as the main loop has nothing more urgent to do (an idle
 * after the current turn) or after max_delay_us at the latest (busy loops
 * starve idles), or at once when max_items are waiting.  Only after that
 * commit is each message answered and unpaused: nobody hears "ok" before
 * the data is on disk.
 */
#define G_LOG_DOMAIN "wg-commit-batcher"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-commit-batcher.h"

struct _WgCommitBatcher
{
  guint               max_delay_us;
  guint               max_items;
  WgCommitBatchFunc   batch_func;
  WgCommitAnswerFunc  answer_func;
  gpointer            user_data;

  GPtrArray          *pending;      /* WgCommitItem* */
  GSource            *idle;
  GSource            *timeout;
  gboolean            running;

  guint64             n_batches;
  guint64             n_items;
  guint               max_batch;
};

static void
item_free (gpointer data)
{
  WgCommitItem *item = data;

  if (item->msg != NULL)
    {
      g_signal_handlers_disconnect_by_data (item->msg, item);
      g_clear_object (&item->msg);
    }
  if (item->data_destroy != NULL && item->data != NULL)
    item->data_destroy (item->data);
  if (item->result_destroy != NULL && item->result != NULL)
    item->result_destroy (item->result);
  g_clear_error (&item->error);
  g_free (item);
}

static void
msg_disconnected_cb (SoupServerMessage *msg,
                     WgCommitItem      *item)
{
  /* The client went away: the item still commits (it was accepted for
   * processing), but there is nobody to answer or unpause. */
  g_signal_handlers_disconnect_by_data (msg, item);
  g_clear_object (&item->msg);
}

static void
clear_sources (WgCommitBatcher *self)
{
  if (self->idle != NULL)
    {
      g_source_destroy (self->idle);
      g_clear_pointer (&self->idle, g_source_unref);
    }
  if (self->timeout != NULL)
    {
      g_source_destroy (self->timeout);
      g_clear_pointer (&self->timeout, g_source_unref);
    }
}

static void schedule (WgCommitBatcher *self);

static void
run_batch (WgCommitBatcher *self)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  clear_sources (self);
  if (self->pending->len == 0 || self->running)
    return;

  items = g_steal_pointer (&self->pending);
  self->pending = g_ptr_array_new_with_free_func (item_free);

  self->running = TRUE;
  ok = self->batch_func (items, self->user_data, &error);
  self->running = FALSE;

  self->n_batches++;
  self->n_items += items->len;
  self->max_batch = MAX (self->max_batch, items->len);

  for (guint i = 0; i < items->len; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);

      if (item->msg == NULL)
        continue;
      self->answer_func (item, ok ? NULL : error, self->user_data);
      soup_server_message_unpause (item->msg);
    }

  /* Items submitted while the batch ran (by an answer function, say)
   * wait for the next turn. */
  if (self->pending->len > 0)
    schedule (self);
}

static gboolean
run_batch_cb (gpointer data)
{
  run_batch (data);
  return G_SOURCE_REMOVE;
}

static void
schedule (WgCommitBatcher *self)
{
  if (self->pending->len >= self->max_items)
    {
      /* A full batch commits now, ahead of further reads. */
      clear_sources (self);
      self->idle = g_idle_source_new ();
      g_source_set_priority (self->idle, G_PRIORITY_HIGH);
      g_source_set_callback (self->idle, run_batch_cb, self, NULL);
      g_source_attach (self->idle, NULL);
      return;
    }

  if (self->idle == NULL)
    {
      self->idle = g_idle_source_new ();
      g_source_set_callback (self->idle, run_batch_cb, self, NULL);
      g_source_attach (self->idle, NULL);
    }
  if (self->timeout == NULL)
    {
      /* Whole milliseconds are the finest GLib timeout; 0 means "next
       * turn", which the idle already covers. */
      self->timeout = g_timeout_source_new (MAX (1, self->max_delay_us / 1000));
      g_source_set_callback (self->timeout, run_batch_cb, self, NULL);
      g_source_attach (self->timeout, NULL);
    }
}

WgCommitBatcher *
wg_commit_batcher_new (guint              max_delay_us,
                       guint              max_items,
                       WgCommitBatchFunc  batch_func,
                       WgCommitAnswerFunc answer_func,
                       gpointer           user_data)
{
  WgCommitBatcher *self;

  g_return_val_if_fail (batch_func != NULL, NULL);
  g_return_val_if_fail (answer_func != NULL, NULL);

  self = g_new0 (WgCommitBatcher, 1);
  self->max_delay_us = max_delay_us;
  self->max_items = MAX (1, max_items);
  self->batch_func = batch_func;
  self->answer_func = answer_func;
  self->user_data = user_data;
  self->pending = g_ptr_array_new_with_free_func (item_free);
  return self;
}

void
wg_commit_batcher_free (WgCommitBatcher *self)
{
  if (self == NULL)
    return;
  /* Whatever waits is committed and answered, not dropped. */
  wg_commit_batcher_flush (self);
  clear_sources (self);
  g_ptr_array_unref (self->pending);
  g_free (self);
}

void
wg_commit_batcher_submit (WgCommitBatcher   *self,
                          SoupServerMessage *msg,
                          gpointer           data,
                          GDestroyNotify     data_destroy)
{
  WgCommitItem *item;

  g_return_if_fail (self != NULL);
  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  item = g_new0 (WgCommitItem, 1);
  item->msg = g_object_ref (msg);
  item->data = data;
  item->data_destroy = data_destroy;
  g_signal_connect (msg, "disconnected", G_CALLBACK (msg_disconnected_cb), item);
  soup_server_message_pause (msg);
  g_ptr_array_add (self->pending, item);
  schedule (self);
}

void
wg_commit_batcher_flush (WgCommitBatcher *self)
{
  g_return_if_fail (self != NULL);

  while (self->pending->len > 0 && !self->running)
    run_batch (self);
}

guint
wg_commit_batcher_get_n_pending (WgCommitBatcher *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->pending->len;
}

guint64
wg_commit_batcher_get_n_batches (WgCommitBatcher *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_batches;
}

guint64
wg_commit_batcher_get_n_items (WgCommitBatcher *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_items;
}

guint
wg_commit_batcher_get_max_batch (WgCommitBatcher *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->max_batch;
}
