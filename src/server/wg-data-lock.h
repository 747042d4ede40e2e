/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A server's claim on its data directory: an exclusive lock (flock) on
 * DIR/wangge-server.lock, which holds the owner's pid, for as long as the
 * owner lives.  The kernel drops it when the process ends, even on a
 * crash, so a stale file never blocks.  `restore` takes it too, so that it
 * never replaces the files of a running server. */
typedef struct _WgDataLock WgDataLock;

#define WG_DATA_LOCK_FILE "wangge-server.lock"

/* G_IO_ERROR_BUSY when another process holds it. */
WgDataLock *wg_data_lock_acquire (const char  *data_dir,
                                  GError     **error);
void        wg_data_lock_release (WgDataLock  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgDataLock, wg_data_lock_release)

G_END_DECLS
