/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-server.h"
#include "wg-track-store.h"

G_BEGIN_DECLS

typedef struct _WgPositionsApi WgPositionsApi;

WgPositionsApi *wg_positions_api_new   (WgServer       *server);
/* The track in PostgreSQL (--database) instead of positions.db: blocking,
 * before the main loop runs. */
gboolean        wg_positions_api_use_database (WgPositionsApi      *self,
                                               const char          *conninfo,
                                               const WgTrackPolicy *policy,
                                               GError             **error);
void            wg_positions_api_start (WgPositionsApi *self);
void            wg_positions_api_flush (WgPositionsApi *self);
void            wg_positions_api_free  (WgPositionsApi *self);

G_END_DECLS
