/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Delta checkpoints (issue 17): the rows of the projection changed since
 * the previous checkpoint (in cp_<table> under cp = -seq), and a tombstone
 * (cp_deleted, same cp) for each row removed.  Applied to the state at any
 * seq between the previous checkpoint and its own, a delta gives the state
 * at its own seq: a row it does not hold did not change in between.  The
 * store learns which rows changed through a pre-update hook on its own
 * connection, set at its first checkpoint; after an open the first
 * checkpoint therefore has no delta (and is a full copy).
 */
#pragma once

#include "wg-store-private.h"

G_BEGIN_DECLS

typedef struct _WgStoreDelta WgStoreDelta;

/* Starts marking the rows written to @store's projection (from now on:
 * the marks start at the checkpoint being written). */
WgStoreDelta *_wg_store_delta_new    (WgStore       *store,
                                      GError       **error);
void          _wg_store_delta_free   (WgStoreDelta  *self);
/* Forgets the rows marked so far. */
void          _wg_store_delta_forget (WgStoreDelta  *self);
/* Copies the marked rows into cp_<table> under @cp, a tombstone for each
 * marked row that is gone, and forgets the marks; *@rows_out: rows copied
 * plus tombstones. */
gboolean      _wg_store_delta_write  (WgStoreDelta  *self,
                                      gint64         cp,
                                      gint64        *rows_out,
                                      GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgStoreDelta, _wg_store_delta_free)

/* The key columns of each projection table, in _wg_projection_tables'
 * order ("a" or "a, b"): a tombstone's k1 (and k2) hold them. */
extern const char *const _wg_store_delta_keys[];

G_END_DECLS
