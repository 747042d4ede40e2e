/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "wg-api-client.h"
#include "wg-cache-writer.h"
#include "wg-change-set.h"
#include "wg-clock.h"
#include "wg-outbox.h"
#include "wg-snapshot-fetch.h"
#include "wg-store.h"

G_BEGIN_DECLS

typedef enum {
  WG_SYNC_OFFLINE,       /* the server cannot be reached: reading the cache, queueing */
  WG_SYNC_CONNECTING,    /* trying */
  WG_SYNC_CATCHING_UP,   /* pulling what happened while away */
  WG_SYNC_ONLINE,        /* live: events arrive as they commit */
  WG_SYNC_LOGIN_REQUIRED,/* the session ended: queued commands wait for a new login */
  WG_SYNC_OUT_OF_STEP,   /* the server's journal is behind this cache: it must be cleared */
} WgSyncState;

/* The outbox entries that are photos, not commands. */
#define WG_OUTBOX_UPLOAD_TYPE "attachment.upload"
#define WG_UPLOAD_MAX_BYTES (8 * 1024 * 1024)

#define WG_TYPE_SYNC_CLIENT (wg_sync_client_get_type ())
G_DECLARE_FINAL_TYPE (WgSyncClient, wg_sync_client, WG, SYNC_CLIENT, GObject)

WgSyncClient *wg_sync_client_new            (WgApiClient   *api,
                                             WgStore       *cache,
                                             WgOutbox      *outbox,
                                             WgClock       *clock,
                                             const char    *username,
                                             gboolean       full_view);
/* The live endpoints' prefix; an exercise's is
 * "/api/v1/exercises/<id>" (its journal, snapshot, stream and commands, and
 * its record for the health check).  Set before starting. */
#define WG_SYNC_LIVE_BASE_PATH "/api/v1"
void          wg_sync_client_set_base_path  (WgSyncClient  *self,
                                             const char    *base_path);
void          wg_sync_client_start          (WgSyncClient  *self);
void          wg_sync_client_stop           (WgSyncClient  *self);
char         *wg_sync_client_send           (WgSyncClient  *self,
                                             const char    *type,
                                             JsonNode      *body,
                                             GError       **error);
void          wg_sync_client_resume         (WgSyncClient  *self);
/* A partial view (a department, a grid worker) meets an incident at
 * `incident.routed` whose report is below its head: its events are
 * fetched and adopted into the cache by the writer, then announced as a
 * batch of their own (::changes-applied, ::events-applied).  Once per
 * incident at a time. */
void          wg_sync_client_adopt_incident (WgSyncClient  *self,
                                             const char    *incident);
/* Reads the cache on its writer's connection, off the main loop, after
 * the batches given to it before (wg_cache_writer_read()): the answer
 * comes after the ::changes-applied of those, before any later. */
void          wg_sync_client_read_cache_async  (WgSyncClient        *self,
                                                WgCacheRead          read,
                                                gpointer             data,
                                                GDestroyNotify       data_free,
                                                GDestroyNotify       answer_free,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gpointer      wg_sync_client_read_cache_finish (WgSyncClient        *self,
                                                GAsyncResult        *result,
                                                GError             **error);
/* A login is under way (a warm start): starts with the health check alone
 * (it needs no token) and goes on to the journal at
 * wg_sync_client_resume(), so that it neither meets a 401 first nor waits
 * for the health check after the login. */
void          wg_sync_client_await_login    (WgSyncClient  *self);
/* Before wg_sync_client_start(): the first connection, on an empty cache,
 * takes the snapshot @fetch asked for instead of asking it again. */
void          wg_sync_client_take_snapshot_fetch (WgSyncClient    *self,
                                                  WgSnapshotFetch *fetch);
/* @reference's forces registered as units in the cache by its writer,
 * before any job given after this (the snapshot, the reads of the views):
 * the main loop does not wait for it. */
void          wg_sync_client_register_forces (WgSyncClient  *self,
                                              WgReference   *reference);
void          wg_sync_client_set_upload_dir (WgSyncClient  *self,
                                             const char    *dir);
char         *wg_sync_client_queue_upload   (WgSyncClient  *self,
                                             GBytes        *bytes,
                                             GError       **error);

WgSyncState   wg_sync_client_get_state      (WgSyncClient  *self);
gint64        wg_sync_client_get_head       (WgSyncClient  *self);
gint64        wg_sync_client_get_applied    (WgSyncClient  *self);
gint64        wg_sync_client_get_lag_events (WgSyncClient  *self);
double        wg_sync_client_get_lag_seconds (WgSyncClient *self);
guint         wg_sync_client_get_queued     (WgSyncClient  *self);
WgApiClient  *wg_sync_client_get_api        (WgSyncClient  *self);
WgStore      *wg_sync_client_get_cache      (WgSyncClient  *self);
gboolean      wg_sync_client_get_backfilling (WgSyncClient *self);
void          wg_sync_client_set_backfill_days (WgSyncClient *self,
                                                guint         days);

/* For tests and the demo: how long the next reconnect waits, at most. */
void          wg_sync_client_set_max_backoff_ms (WgSyncClient *self,
                                                 gint64        max_ms);

G_END_DECLS
