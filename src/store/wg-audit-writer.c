/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The command audit rows on a thread of their own.  The server's writer
 * thread used to write each group commit's rows right after the journal's
 * commit, in a transaction of their own on the accounts file: some 50,000
 * instructions a batch on the thread every answer waits for.  Here the
 * writer only hands the rows over; this thread writes whatever has piled
 * up in one transaction, so under load one commit carries several
 * batches' rows.  Its connection runs with synchronous=NORMAL (see
 * wg_account_store_relax_durability()); rows still queued when the process
 * is killed are lost with it, like the last rows a power cut takes: the
 * commands themselves are in the journal, durably, before anyone is
 * answered.  A stop (wg_audit_writer_free()) writes every queued row.
 */
#define G_LOG_DOMAIN "wg-store"

#include "config.h"

#include "wg-account-store.h"
#include "wg-audit-writer.h"

struct _WgAuditWriter
{
  WgAccountStore *accounts;   /* the thread's */
  GThread        *thread;
  GMutex          lock;
  GCond           cond;
  /* Under the lock (the one condition wakes the thread and the flushes
   * alike: always broadcast): */
  GPtrArray      *queued;     /* of WgAuditEntry */
  guint64         n_queued;   /* rows ever queued */
  guint64         n_done;     /* rows ever written (or given up) */
  gboolean        stopping;
};

static gpointer
audit_thread (gpointer data)
{
  WgAuditWriter *self = data;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      g_autoptr(GPtrArray) entries = NULL;
      g_autoptr(GError) error = NULL;

      while (self->queued->len == 0 && !self->stopping)
        g_cond_wait (&self->cond, &self->lock);
      if (self->queued->len == 0)
        break;
      entries = g_steal_pointer (&self->queued);
      self->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_audit_entry_free);
      g_mutex_unlock (&self->lock);

      if (!wg_account_store_audit_many (self->accounts, entries, &error))
        g_warning ("Cannot write %u audit rows: %s", entries->len, error->message);

      g_mutex_lock (&self->lock);
      self->n_done += entries->len;
      g_cond_broadcast (&self->cond);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

WgAuditWriter *
wg_audit_writer_new (const char  *accounts_path,
                     GError     **error)
{
  g_autoptr(WgAccountStore) accounts = NULL;
  WgAuditWriter *self;

  g_return_val_if_fail (accounts_path != NULL, NULL);

  accounts = wg_account_store_open_unshared (accounts_path, error);
  if (accounts == NULL || !wg_account_store_relax_durability (accounts, error))
    return NULL;

  self = g_new0 (WgAuditWriter, 1);
  self->accounts = g_steal_pointer (&accounts);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_audit_entry_free);
  self->thread = g_thread_new ("wg-audit", audit_thread, self);
  return self;
}

/* Takes @entries (an array of WgAuditEntry, its free function theirs):
 * written in their order, after every row queued before. */
void
wg_audit_writer_queue (WgAuditWriter *self,
                       GPtrArray     *entries)
{
  g_return_if_fail (self != NULL && entries != NULL);

  g_mutex_lock (&self->lock);
  self->n_queued += entries->len;
  g_ptr_array_extend_and_steal (self->queued, entries);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* Returns once every row queued before is written: a read of the audit
 * sees the commands already answered. */
void
wg_audit_writer_flush (WgAuditWriter *self)
{
  guint64 target;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  target = self->n_queued;
  while (self->n_done < target)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);
}

/* Writes every queued row, then stops the thread. */
void
wg_audit_writer_free (WgAuditWriter *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  g_ptr_array_unref (self->queued);
  wg_account_store_close (self->accounts);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}
