/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _WgCommitBatcher WgCommitBatcher;

/* One request waiting for the next commit.  The batch function fills
 * @result (or @error) of each item; the answer function turns that into the
 * HTTP answer. */
typedef struct
{
  SoupServerMessage *msg;          /* NULL if the client went away */
  gpointer           data;         /* what the handler decoded */
  GDestroyNotify     data_destroy;
  gpointer           result;       /* set by the batch function */
  GDestroyNotify     result_destroy;
  GError            *error;        /* a refusal of this item alone */
  gulong             disconnected_id;   /* the writer's handler on msg, or 0 */
} WgCommitItem;

/* Runs once per batch: open one transaction, apply every item, commit
 * (synchronously: the answers promise durability).  Returns FALSE with
 * @error if the commit failed: then every item is answered with it, and
 * nothing of the batch is stored. */
typedef gboolean (*WgCommitBatchFunc)  (GPtrArray     *items,
                                        gpointer       user_data,
                                        GError       **error);
/* Answers one item (sets status and body on item->msg).  @batch_error is
 * the commit failure, if any; then item->result is meaningless. */
typedef void     (*WgCommitAnswerFunc) (WgCommitItem  *item,
                                        const GError  *batch_error,
                                        gpointer       user_data);

WgCommitBatcher *wg_commit_batcher_new            (guint              max_delay_us,
                                                   guint              max_items,
                                                   WgCommitBatchFunc  batch_func,
                                                   WgCommitAnswerFunc answer_func,
                                                   gpointer           user_data);
void             wg_commit_batcher_free           (WgCommitBatcher   *self);
void             wg_commit_batcher_submit         (WgCommitBatcher   *self,
                                                   SoupServerMessage *msg,
                                                   gpointer           data,
                                                   GDestroyNotify     data_destroy);
void             wg_commit_batcher_flush          (WgCommitBatcher   *self);
guint            wg_commit_batcher_get_n_pending  (WgCommitBatcher   *self);
guint64          wg_commit_batcher_get_n_batches  (WgCommitBatcher   *self);
guint64          wg_commit_batcher_get_n_items    (WgCommitBatcher   *self);
guint            wg_commit_batcher_get_max_batch  (WgCommitBatcher   *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgCommitBatcher, wg_commit_batcher_free)

G_END_DECLS
