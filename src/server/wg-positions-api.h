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

/* The live handlers' parts, for another track store on another clock (an
 * exercise's positions, wg-engine-exercises.c): the same checks, answers
 * and shapes.  The caller has identified @msg's account. */

/* The body of a POST, validated whole against @now_ms (the retention
 * window before it, the configured margin after it) and against the units
 * @identity acts for; NULL once the problem is answered. */
GPtrArray      *wg_positions_read_batch       (WgServer               *server,
                                               SoupServerMessage      *msg,
                                               const WgStreamIdentity *identity,
                                               gint64                  now_ms);
void            wg_positions_respond_accepted (SoupServerMessage      *msg,
                                               guint                   accepted,
                                               guint                   kept);
/* GET .../positions/latest[?unit=] */
void            wg_positions_respond_latest   (SoupServerMessage      *msg,
                                               GHashTable             *query,
                                               WgTrackStore           *tracks);
/* GET .../positions?from&to[&unit][&limit][&cursor] */
void            wg_positions_respond_window   (WgServer               *server,
                                               SoupServerMessage      *msg,
                                               GHashTable             *query,
                                               WgTrackStore           *tracks);

G_END_DECLS
