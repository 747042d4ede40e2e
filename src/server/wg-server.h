/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "wg-commit-batcher.h"
#include "wg-metrics.h"
#include "wg-request-limits.h"
#include "wg-router.h"
#include "wg-server-config.h"
#include "wg-stream-hub.h"
#include "wg-track-store.h"

G_BEGIN_DECLS

/* Wiring the journal engine (wg-engine.c does all of this; main.c calls
 * wg_engine_new() between wg_server_new() and wg_server_start()):
 *
 * - wg_server_set_journal (server, head, backlog, filter, engine): the head
 *   seq for health/presence/stream, the journal pages the stream replays
 *   after ?after=SEQ, and the per-role visibility of events.
 * - wg_server_set_identify_func (server, identify, engine): bearer token ->
 *   user and role; FALSE answers 401 "unauthorized".
 * - wg_router_add (wg_server_get_router (server), "POST", "/api/v1/commands",
 *   ...), "GET /api/v1/journal", "GET /api/v1/reference",
 *   "GET /api/v1/incidents/{id}/cap": handlers read bodies with
 *   wg_server_read_json_body() and refuse with wg_problem_respond().
 * - Commands go through a WgCommitWriter (batches of at most the config's
 *   batch_max_items): on the writer thread the batch function opens one
 *   transaction on the writer's own connection, handles each item under its
 *   own SAVEPOINT (a refused item sets item->error and rolls back to it; the
 *   same command id twice in one batch meets its own idempotency row) and
 *   commits with synchronous=FULL; back on the main loop the done function
 *   calls wg_server_publish_event() for each appended event in seq order and
 *   the answer function turns item->result / item->error into the HTTP
 *   answer.  Positions use a WgCommitBatcher on the main loop
 *   (batch_max_delay_us/batch_max_items).
 */
#define WG_LISTEN_BACKLOG 511

#define WG_TYPE_SERVER (wg_server_get_type ())
G_DECLARE_FINAL_TYPE (WgServer, wg_server, WG, SERVER, GObject)

/* Who is calling: fills @identity from the request (its bearer token), or
 * returns FALSE with @error for a 401 (G_IO_ERROR_PERMISSION_DENIED: a
 * known caller not allowed here, 403).  Without an identify function every
 * caller is anonymous (user and role null). */
typedef gboolean (*WgServerIdentifyFunc) (SoupServerMessage  *msg,
                                          WgStreamIdentity   *identity,
                                          gpointer            user_data,
                                          GError            **error);

WgServer        *wg_server_new                (const WgServerConfig   *config,
                                               GError                **error);
gboolean         wg_server_start              (WgServer               *self,
                                               GError                **error);
void             wg_server_begin_shutdown     (WgServer               *self);
void             wg_server_stop               (WgServer               *self);

const WgServerConfig *wg_server_get_config    (WgServer               *self);
const char      *wg_server_get_data_dir       (WgServer               *self);
SoupServer      *wg_server_get_soup_server    (WgServer               *self);
WgRouter        *wg_server_get_router         (WgServer               *self);
WgStreamHub     *wg_server_get_stream_hub     (WgServer               *self);
WgMetrics       *wg_server_get_metrics        (WgServer               *self);
WgTrackStore    *wg_server_get_track_store    (WgServer               *self);
WgRequestLimits *wg_server_get_request_limits (WgServer               *self);
guint16          wg_server_get_port           (WgServer               *self);
char            *wg_server_dup_url            (WgServer               *self);
gboolean         wg_server_is_shutting_down   (WgServer               *self);

void             wg_server_set_journal        (WgServer               *self,
                                               WgStreamHeadFunc        head_func,
                                               WgStreamBacklogFunc     backlog_func,
                                               WgStreamFilterFunc      filter_func,
                                               gpointer                user_data);
void             wg_server_set_journal_id     (WgServer               *self,
                                               const char             *journal_id);
gint64           wg_server_get_head           (WgServer               *self);
void             wg_server_publish_event      (WgServer               *self,
                                               gint64                  seq,
                                               JsonNode               *event);
void             wg_server_set_identify_func  (WgServer               *self,
                                               WgServerIdentifyFunc    func,
                                               gpointer                user_data);
gboolean         wg_server_identify           (WgServer               *self,
                                               SoupServerMessage      *msg,
                                               WgStreamIdentity       *identity);

JsonNode        *wg_server_read_json_body     (WgServer               *self,
                                               SoupServerMessage      *msg);
GBytes          *wg_server_read_json_bytes    (WgServer               *self,
                                               SoupServerMessage      *msg);
JsonNode        *wg_server_parse_json_bytes   (WgServer               *self,
                                               SoupServerMessage      *msg,
                                               GBytes                 *bytes);

G_END_DECLS
