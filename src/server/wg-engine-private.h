/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine's insides, shared by wg-engine.c and wg-engine-attachments.c.
 */
#pragma once

#include <sqlite3.h>

#include "wg-account-store.h"
#include "wg-actor.h"
#include "wg-attachment-store.h"
#include "wg-engine.h"
#include "wg-password.h"
#include "wg-rate-limit.h"
#include "wg-reference.h"
#include "wg-store.h"

G_BEGIN_DECLS

/* libsoup 3.2 has no name for 429. */
#define WG_STATUS_TOO_MANY_REQUESTS 429

/* Roles as bits, for the read checks. */
#define ROLE_BIT(r) (1u << (r))
#define READ_ALL_ROLES (ROLE_BIT (WG_ROLE_ADMIN) | ROLE_BIT (WG_ROLE_DUTY_LEADER) | \
                        ROLE_BIT (WG_ROLE_DISPATCHER) | ROLE_BIT (WG_ROLE_TRAINER) | \
                        ROLE_BIT (WG_ROLE_WALL))
#define PHONE_ROLES (ROLE_BIT (WG_ROLE_ADMIN) | ROLE_BIT (WG_ROLE_DUTY_LEADER) | \
                     ROLE_BIT (WG_ROLE_DISPATCHER))
#define CAP_ROLES (ROLE_BIT (WG_ROLE_ADMIN) | ROLE_BIT (WG_ROLE_DUTY_LEADER) | \
                   ROLE_BIT (WG_ROLE_DISPATCHER) | ROLE_BIT (WG_ROLE_WALL))

struct _WgEngine
{
  WgServer        *server;
  WgServerConfig   config;        /* a shallow copy: strings belong to the server */
  WgStore         *store;
  WgReference     *reference;     /* nullable */
  GBytes          *reference_json;
  WgAccountStore  *accounts;
  WgPasswordPool  *pool;
  WgCommitBatcher *batcher;
  WgRateLimiter   *command_limiter;
  WgFailureWindow *user_failures;
  WgFailureWindow *address_failures;
  sqlite3_stmt    *visible_stmt;
  guint            timer_id;
  guint            prune_id;

  /* Failed commits, reported at most every STORAGE_WARNING_INTERVAL_US. */
  guint64          storage_failures;
  gint64           storage_warned_us;

  /* One-entry cache: the stream masks the same event for many subscribers. */
  JsonNode        *redact_in;
  JsonNode        *redact_out;

  /* Photos (wg-engine-attachments.c). */
  WgAttachmentStore *attachments;
  GThreadPool       *upload_pool;
  gpointer           upload_shared;    /* UploadShared, outlives the engine */
  guint              uploads_queued;   /* waiting or decoding */
  GHashTable        *batch_claims;     /* upload id -> incident, within one commit batch */
  guint              purge_id;
};

char       *_wg_engine_remote_address       (SoupServerMessage      *msg);
const char *_wg_engine_bearer_token         (SoupServerMessage      *msg);
void        _wg_engine_respond_retry_after  (SoupServerMessage      *msg,
                                             guint                   status,
                                             const char             *slug,
                                             const char             *detail,
                                             double                  retry_after_s);
void        _wg_engine_audit                (WgEngine               *self,
                                             const char             *actor,
                                             const char             *address,
                                             const char             *action,
                                             const char             *command_id,
                                             guint                   status,
                                             const char             *result);
char       *_wg_engine_answer_code          (SoupServerMessage      *msg);
WgActor    *_wg_engine_require_actor        (WgEngine               *self,
                                             SoupServerMessage      *msg,
                                             guint                   roles);
JsonNode   *_wg_engine_filter_cb            (const WgStreamIdentity *who,
                                             JsonNode               *event,
                                             gpointer                user_data);
GPtrArray  *_wg_engine_read_incident_events (WgEngine               *self,
                                             const char             *incident,
                                             GError                **error);

/* wg-engine-snapshot.c: GET /api/v1/snapshot */
void        _wg_engine_snapshot_init        (WgEngine               *self,
                                             WgRouter               *router);

/* wg-engine-attachments.c */
gboolean    _wg_engine_attachments_init     (WgEngine               *self,
                                             GError                **error);
void        _wg_engine_attachments_start    (WgEngine               *self);
void        _wg_engine_attachments_fini     (WgEngine               *self);
void        _wg_engine_attachments_batch_begin (WgEngine            *self);
void        _wg_engine_attachments_committed (WgEngine              *self,
                                             WgCommand              *command,
                                             const WgActor          *actor,
                                             GPtrArray              *events);

G_END_DECLS
