/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WG_SERVER_CONFIG_ERROR (wg_server_config_error_quark ())

typedef enum {
  WG_SERVER_CONFIG_ERROR_INVALID,
  WG_SERVER_CONFIG_ERROR_NOT_LOOPBACK,
} WgServerConfigError;

typedef struct
{
  /* [server] */
  char    *address;
  guint    port;
  char    *data_dir;
  gboolean demo;
  char    *demo_password;
  char    *demo_anchor;            /* YYYY-MM-DD */
  int      demo_days;              /* days of generated history on the first demo start */
  guint    demo_streets;           /* > 1: the demo is a generated city of that many streets (wg-city.h) */
  double   demo_incident_scale;    /* its incidents per street, times this */
  char    *reference_dir;          /* reference data (not in demo mode); nullable */
  char    *database;               /* libpq URI of the PostgreSQL journal; NULL: SQLite only */
  char    *tls_cert;               /* PEM files: HTTPS and WSS when both are set */
  char    *tls_key;

  /* [limits] */
  gsize    body_max_bytes;
  guint    json_max_depth;
  gsize    ws_max_message_bytes;
  guint    stream_queue_max;
  guint    ws_keepalive_seconds;
  guint    stream_close_timeout_seconds;
  gint     stream_send_buffer;
  guint    batch_max_delay_us;
  guint    batch_max_items;

  /* [auth] */
  guint    token_lifetime_seconds; /* sliding: renewed in use */
  guint    command_rate;           /* commands per second per token, sustained */
  guint    command_burst;
  guint    login_max_failures;     /* per username from one address within the window */
  guint    login_max_user_failures;    /* per username from everywhere */
  guint    login_max_address_failures; /* per address, whatever the username */
  guint    login_window_seconds;
  guint    password_threads;

  /* [positions] */
  guint    keep_interval_seconds;
  double   keep_distance_meters;
  guint    retention_days;
  guint    purge_interval_seconds;
  guint    broadcast_interval_ms;
  guint    max_batch;
  guint    max_future_seconds;
  guint    query_max;

  /* [exercises] */
  guint    exercise_lease_seconds;          /* on PostgreSQL: an owner silent this long loses its exercises */

  /* [attachments] */
  gsize    attachment_max_bytes;            /* one upload */
  guint    attachment_max_age_seconds;      /* unreferenced uploads older than this are removed */
  guint    attachment_purge_interval_seconds;
  guint    attachment_workers;              /* decode threads */
  guint    attachment_queue_max;            /* uploads waiting for a decode thread */

  /* [metrics] */
  char    *metrics_token;          /* bearer token of GET /metrics; NULL: no metrics */

  /* [log] */
  gboolean log_requests;           /* one structured line per answered request */
} WgServerConfig;

GQuark          wg_server_config_error_quark (void);

WgServerConfig *wg_server_config_new         (void);
void            wg_server_config_free        (WgServerConfig  *self);
gboolean        wg_server_config_load_file   (WgServerConfig  *self,
                                              const char      *path,
                                              GError         **error);
gboolean        wg_server_config_validate    (WgServerConfig  *self,
                                              GError         **error);
gboolean        wg_server_address_is_loopback (const char     *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgServerConfig, wg_server_config_free)

G_END_DECLS
