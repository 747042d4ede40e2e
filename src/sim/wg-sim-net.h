/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "src/net/wg-api-client.h"

G_BEGIN_DECLS

/* The simulator's side of the wire: one WgApiClient per demo account, logged
 * in on first use; commands and position batches retried with the same
 * command id (backoff, Retry-After, a new login after a 401) until they get
 * an answer or the simulator stops; acknowledgement latencies recorded. */

typedef struct _WgSimNet WgSimNet;

/* @answer: the 200 answer, or NULL when refused (then @problem says why,
 * possibly NULL for an invalid answer).  Never called after
 * wg_sim_net_stop(). */
typedef void (*WgSimNetDone) (gpointer    user_data,
                              JsonNode   *answer,
                              WgProblem  *problem);

typedef enum {
  WG_SIM_LATENCY_COMMAND,
  WG_SIM_LATENCY_POSITIONS,
  WG_SIM_LATENCY_HEALTH,
  WG_SIM_N_LATENCIES
} WgSimLatency;

typedef struct
{
  guint64 sent[WG_SIM_N_LATENCIES];       /* first attempts */
  guint64 answered[WG_SIM_N_LATENCIES];   /* 2xx */
  guint64 refused;                        /* a rule said no (not retried) */
  guint64 retries;                        /* network errors, 5xx, 429, 401 */
  guint64 logins;
  gint64  last_answer_us;                 /* monotonic time of the last 2xx */
} WgSimNetStats;

WgSimNet   *wg_sim_net_new            (const char    *base_url,
                                       const char    *password,
                                       guint32        seed,
                                       GError       **error);
void        wg_sim_net_free           (WgSimNet      *self);
/* Where commands go: /api/v1/commands, or an exercise's
 * /api/v1/exercises/{id}/commands (wangge-sim --exercise). */
void        wg_sim_net_set_commands_path (WgSimNet   *self,
                                          const char *path);
/* Where positions go: /api/v1/positions, or an exercise's
 * /api/v1/exercises/{id}/positions. */
void        wg_sim_net_set_positions_path (WgSimNet   *self,
                                           const char *path);
/* Cancels everything in flight; no callback runs afterwards. */
void        wg_sim_net_stop           (WgSimNet      *self);

/* Accounts are named by user name; "NAME#K" is another client (its own
 * connections and token) of the same account, to spread load. */

/* POST /api/v1/commands as @username.  Takes @body.  @destroy (nullable)
 * frees @user_data once the command is done with, called or not. */
void        wg_sim_net_command        (WgSimNet      *self,
                                       const char    *username,
                                       const char    *id,
                                       const char    *type,
                                       JsonNode      *body,
                                       WgSimNetDone   done,
                                       gpointer       user_data,
                                       GDestroyNotify destroy);
/* POST /api/v1/attachments as @username (retried like a command); the
 * answer is {"id", "media_type", "sha256"}. */
void        wg_sim_net_upload         (WgSimNet      *self,
                                       const char    *username,
                                       GBytes        *bytes,
                                       const char    *media_type,
                                       WgSimNetDone   done,
                                       gpointer       user_data,
                                       GDestroyNotify destroy);
/* POST the positions (wg_sim_net_set_positions_path) as @username.  Takes @body. */
void        wg_sim_net_positions      (WgSimNet      *self,
                                       const char    *username,
                                       JsonNode      *body,
                                       WgSimNetDone   done,
                                       gpointer       user_data);
#define WG_SIM_NET_HEALTH_SLOTS 16

/* POST /api/v1/positions as @username, a body already in JSON text. */
void        wg_sim_net_positions_text (WgSimNet      *self,
                                       const char    *username,
                                       GBytes        *body);
/* GET /api/v1/health (no account) on one of WG_SIM_NET_HEALTH_SLOTS
 * clients: the baseline of the load mode. */
void        wg_sim_net_health         (WgSimNet      *self,
                                       guint          slot,
                                       WgSimNetDone   done,
                                       gpointer       user_data);
/* GET @path as @username (retried like a command). */
void        wg_sim_net_get            (WgSimNet      *self,
                                       const char    *username,
                                       const char    *path,
                                       WgSimNetDone  done,
                                       gpointer      user_data);
/* Logged in (or logging in) client of @username, for the stream. */
WgApiClient *wg_sim_net_get_client    (WgSimNet      *self,
                                       const char    *username);
gboolean    wg_sim_net_is_logged_in   (WgSimNet      *self,
                                       const char    *username);
void        wg_sim_net_login          (WgSimNet      *self,
                                       const char    *username);

/* Server time (UTC ms) from the last answer's server_time and the local clock. */
gint64      wg_sim_net_server_now_ms  (WgSimNet      *self);
/* Requests on the wire (logins too). */
guint       wg_sim_net_in_flight      (WgSimNet      *self);
/* Requests not done with: on the wire, waiting for a login or a retry. */
guint       wg_sim_net_outstanding    (WgSimNet      *self);
const WgSimNetStats *
            wg_sim_net_get_stats      (WgSimNet      *self);
/* Latency quantile @q in [0, 1] of the answered requests of @kind, in ms;
 * -1 when none. */
double      wg_sim_net_latency_ms     (WgSimNet      *self,
                                       WgSimLatency   kind,
                                       double         q);
void        wg_sim_net_reset_latency  (WgSimNet      *self,
                                       WgSimLatency   kind);

G_END_DECLS
