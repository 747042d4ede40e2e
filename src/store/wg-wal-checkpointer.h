/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

typedef struct _WgWalCheckpointer WgWalCheckpointer;

WgWalCheckpointer *wg_wal_checkpointer_new              (sqlite3            *db,
                                                         guint               frames,
                                                         GError            **error);
void               wg_wal_checkpointer_free             (WgWalCheckpointer  *self);
guint64            wg_wal_checkpointer_get_n_checkpoints (WgWalCheckpointer *self);

G_END_DECLS
