/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-sync-client.h"

G_BEGIN_DECLS

/* Tests: cut the live stream as a network fault would; the client must
 * reconnect and miss nothing.  FALSE when no stream was open. */
gboolean _wg_sync_client_drop_stream (WgSyncClient *self);

G_END_DECLS
