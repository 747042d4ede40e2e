/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-commit-batcher.h"

G_BEGIN_DECLS

typedef struct _WgCommitWriter WgCommitWriter;

/* Runs on the writer thread, once per batch: open one transaction, apply
 * every item (filling item->result or item->error), commit synchronously.
 * FALSE with @error if the commit failed: nothing of the batch is stored.
 * Must not touch item->msg, nor anything the main loop uses. */
typedef gboolean (*WgCommitWriterBatchFunc) (GPtrArray     *items,
                                             gpointer       user_data,
                                             GError       **error);
/* Runs on the main loop for each batch, in commit order, before its
 * answers: what the main loop does with committed data (publishing it).
 * @batch_error is the commit failure, if any.  After the answers the items
 * (their data and result) are freed on the writer thread: whatever of them
 * the main loop shares with its own structures, it frees or copies here
 * or in the answer function. */
typedef void     (*WgCommitWriterDoneFunc)  (GPtrArray     *items,
                                             const GError  *batch_error,
                                             gpointer       user_data);

/* Runs on the writer thread once items wait, before the batch takes
 * them: what a batch must wait for (the journal lock on PostgreSQL), so
 * that items arriving meanwhile join this batch. */
typedef void     (*WgCommitWriterPrepareFunc) (gpointer       user_data);
WgCommitWriter *wg_commit_writer_new           (guint                    max_items,
                                                WgCommitWriterBatchFunc  batch_func,
                                                WgCommitWriterDoneFunc   done_func,
                                                WgCommitAnswerFunc       answer_func,
                                                gpointer                 user_data);
void            wg_commit_writer_free          (WgCommitWriter          *self);
/* Before the first submit. */
void            wg_commit_writer_set_prepare_func (WgCommitWriter            *self,
                                                   WgCommitWriterPrepareFunc  prepare_func);
/* @msg may be NULL: work of the server's own (a timer), nobody to answer. */
void            wg_commit_writer_submit        (WgCommitWriter          *self,
                                                SoupServerMessage       *msg,
                                                gpointer                 data,
                                                GDestroyNotify           data_destroy);
/* Submitted, not yet taken into a batch. */
guint           wg_commit_writer_get_n_waiting (WgCommitWriter          *self);
/* Nothing waiting and no batch running. */
gboolean        wg_commit_writer_is_idle       (WgCommitWriter          *self);
/* Waits until everything submitted is committed, then answers it. */
void            wg_commit_writer_flush         (WgCommitWriter          *self);
guint64         wg_commit_writer_get_n_batches (WgCommitWriter          *self);
guint64         wg_commit_writer_get_n_items   (WgCommitWriter          *self);
guint           wg_commit_writer_get_max_batch (WgCommitWriter          *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgCommitWriter, wg_commit_writer_free)

G_END_DECLS
