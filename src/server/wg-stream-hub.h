/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "wg-track-store.h"

G_BEGIN_DECLS

/* WebSocket close codes of /api/v1/stream (docs/api.md). */
#define WG_STREAM_CLOSE_GOING_AWAY     1001  /* server shutting down */
#define WG_STREAM_CLOSE_UNSUPPORTED    1003  /* a binary message */
#define WG_STREAM_CLOSE_BAD_PAYLOAD    1007  /* not JSON, too deep, not UTF-8 */
#define WG_STREAM_CLOSE_TOO_BIG        1009  /* over the incoming size limit (libsoup) */
#define WG_STREAM_CLOSE_INTERNAL       1011  /* the journal could not be read */
#define WG_STREAM_CLOSE_SLOW_CONSUMER  4008  /* outgoing queue overflowed */
#define WG_STREAM_CLOSE_KEEPALIVE      4009  /* no pong nor message for 3 intervals */

typedef struct
{
  char     *user;          /* nullable when no authentication is wired in */
  char     *role;
  char     *grid;          /* the account's scope (wg-actor.h), nullable */
  char     *department;
  char     *unit;
  char    **units;         /* the units the account acts for, nullable */
  gboolean  no_positions;  /* this subscriber may not see live positions */
} WgStreamIdentity;

typedef struct
{
  guint  queue_max;              /* frames waiting for the socket, per subscriber */
  gsize  max_incoming_bytes;
  guint  keepalive_seconds;      /* 0: no pings */
  guint  close_timeout_seconds;  /* after a close frame, before the socket is shut */
  gint   socket_send_buffer;     /* SO_SNDBUF of stream sockets; 0: the system's */
  guint  positions_interval_ms;  /* position coalescing: at most one per unit per interval */
  guint  positions_per_message;
  guint  json_max_depth;
} WgStreamHubOptions;

typedef gint64     (*WgStreamHeadFunc)    (gpointer                 user_data);
/* Events with seq > @after in seq order, at most @limit, each a JSON object
 * with an integer "seq": (transfer full) (element-type JsonNode). */
typedef GPtrArray *(*WgStreamBacklogFunc) (gint64                   after,
                                           guint                    limit,
                                           gpointer                 user_data,
                                           GError                 **error);
/* @event as @who may see it: NULL when hidden (views with gaps: grid
 * workers, departments), else a new reference to @event itself or to a
 * redacted copy (masked phones).  Subscribers given the same node share
 * one encoded frame. */
typedef JsonNode  *(*WgStreamFilterFunc)  (const WgStreamIdentity  *who,
                                           JsonNode                *event,
                                           gpointer                 user_data);

typedef struct _WgStreamHub WgStreamHub;

void          wg_stream_hub_options_init_default (WgStreamHubOptions   *options);
void          wg_stream_identity_clear     (WgStreamIdentity      *identity);
JsonNode     *wg_track_point_to_json       (const WgTrackPoint    *point);

WgStreamHub  *wg_stream_hub_new            (const WgStreamHubOptions *options);
void          wg_stream_hub_free           (WgStreamHub           *self);
void          wg_stream_hub_set_journal    (WgStreamHub           *self,
                                            WgStreamHeadFunc       head_func,
                                            WgStreamBacklogFunc    backlog_func,
                                            WgStreamFilterFunc     filter_func,
                                            gpointer               user_data);
void          wg_stream_hub_set_journal_id (WgStreamHub           *self,
                                            const char            *journal_id);
gint64        wg_stream_hub_get_head       (WgStreamHub           *self);

gboolean      wg_stream_hub_prepare        (WgStreamHub           *self,
                                            SoupServerMessage     *msg,
                                            GHashTable            *query,
                                            WgStreamIdentity      *identity);
void          wg_stream_hub_accept         (WgStreamHub           *self,
                                            SoupServerMessage     *msg,
                                            SoupWebsocketConnection *connection);

void          wg_stream_hub_publish_event  (WgStreamHub           *self,
                                            gint64                 seq,
                                            JsonNode              *event);
void          wg_stream_hub_queue_position (WgStreamHub           *self,
                                            const WgTrackPoint    *point);
void          wg_stream_hub_flush_positions (WgStreamHub          *self);

JsonNode     *wg_stream_hub_build_presence (WgStreamHub           *self);
guint         wg_stream_hub_get_n_subscribers (WgStreamHub        *self);
guint         wg_stream_hub_get_n_closing  (WgStreamHub           *self);
guint64       wg_stream_hub_get_n_slow_closed (WgStreamHub        *self);
void          wg_stream_hub_close_all      (WgStreamHub           *self,
                                            gushort                code,
                                            const char            *reason);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgStreamHub, wg_stream_hub_free)

G_END_DECLS
