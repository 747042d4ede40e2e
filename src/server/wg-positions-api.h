/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-server.h"

G_BEGIN_DECLS

typedef struct _WgPositionsApi WgPositionsApi;

WgPositionsApi *wg_positions_api_new   (WgServer       *server);
void            wg_positions_api_start (WgPositionsApi *self);
void            wg_positions_api_flush (WgPositionsApi *self);
void            wg_positions_api_free  (WgPositionsApi *self);

G_END_DECLS
