/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wangge-server's core object: the SoupServer on its listening socket, the
 * router, the request limits, the stream hub and the stores.  The journal
 * (commands, journal pages, stream backlog) plugs in through
 * wg_server_set_journal() and the router; see docs/api.md.
 */
#define G_LOG_DOMAIN "wg-server"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "wg-data-lock.h"
#include "wg-json-guard.h"
#include "wg-metrics.h"
#include "wg-positions-api.h"
#include "wg-problem.h"
#include "wg-request-limits.h"
#include "wg-server.h"

struct _WgServer
{
  GObject               parent_instance;

  WgServerConfig        config;
  char                 *data_dir;
  WgDataLock           *data_lock;
  SoupServer           *soup;
  GSocket              *listener;
  guint16               port;
  WgRouter             *router;
  WgMetrics            *metrics;
  WgRequestLimits      *limits;
  WgStreamHub          *hub;
  WgTrackStore         *tracks;
  WgPositionsApi       *positions;

  WgStreamHeadFunc      head_func;
  gpointer              journal_data;
  char                 *journal_id;
  WgServerIdentifyFunc  identify_func;
  gpointer              identify_data;

  gboolean              shutting_down;
};

G_DEFINE_FINAL_TYPE (WgServer, wg_server, G_TYPE_OBJECT)

/* ---- routes ------------------------------------------------------------ */

static void
health_cb (SoupServerMessage *msg,
           GHashTable        *params,
           GHashTable        *query,
           gpointer           user_data)
{
  WgServer *self = user_data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "status");
  json_builder_add_string_value (builder, self->shutting_down ? "shutting-down" : "ok");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, wg_server_get_head (self));
  if (self->journal_id != NULL)
    {
      json_builder_set_member_name (builder, "journal_id");
      json_builder_add_string_value (builder, self->journal_id);
    }
  json_builder_set_member_name (builder, "server_time");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

static void
presence_cb (SoupServerMessage *msg,
             GHashTable        *params,
             GHashTable        *query,
             gpointer           user_data)
{
  WgServer *self = user_data;
  g_autoptr(JsonNode) presence = NULL;
  WgStreamIdentity identity = { 0 };

  if (!wg_server_identify (self, msg, &identity))
    return;
  wg_stream_identity_clear (&identity);

  presence = wg_stream_hub_build_presence (self->hub);
  wg_json_respond (msg, SOUP_STATUS_OK, presence);
}

static void
default_handler_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  WgServer *self = user_data;

  wg_router_dispatch (self->router, msg);
  if (self->shutting_down)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

static void
stream_http_cb (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  WgServer *self = user_data;
  WgStreamIdentity identity = { 0 };

  /* libsoup matches prefixes: /api/v1/stream/x lands here too. */
  if (!g_str_equal (path, "/api/v1/stream"))
    {
      wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "not-found", NULL);
      return;
    }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET");
      wg_problem_respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed", NULL);
      return;
    }
  if (self->shutting_down)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting-down", NULL);
      return;
    }
  if (!wg_server_identify (self, msg, &identity))
    return;

  /* Leaving the status unset lets libsoup complete the upgrade. */
  wg_stream_hub_prepare (self->hub, msg, query, &identity);
  wg_stream_identity_clear (&identity);
}

static void
stream_websocket_cb (SoupServer              *server,
                     SoupServerMessage       *msg,
                     const char              *path,
                     SoupWebsocketConnection *connection,
                     gpointer                 user_data)
{
  WgServer *self = user_data;

  wg_stream_hub_accept (self->hub, msg, connection);
}

/* ---- public ------------------------------------------------------------ */

gboolean
wg_server_identify (WgServer          *self,
                    SoupServerMessage *msg,
                    WgStreamIdentity  *identity)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (WG_IS_SERVER (self), FALSE);

  if (self->identify_func == NULL)
    return TRUE;
  if (!self->identify_func (msg, identity, self->identify_data, &error))
    {
      wg_stream_identity_clear (identity);
      /* Known caller, not allowed here: 403, not 401. */
      if (error != NULL && error->domain == G_IO_ERROR && error->code == G_IO_ERROR_PERMISSION_DENIED)
        wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden", error->message);
      else
        wg_problem_respond (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                            error != NULL ? error->message : NULL);
      return FALSE;
    }
  wg_metrics_set_user (msg, identity->user);
  return TRUE;
}

/* An application/json request body within the size limit, or answers the
 * problem and returns NULL. */
GBytes *
wg_server_read_json_bytes (WgServer          *self,
                           SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);

  g_return_val_if_fail (WG_IS_SERVER (self), NULL);

  if (content_type == NULL || g_ascii_strcasecmp (content_type, "application/json") != 0)
    {
      wg_problem_respond (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", NULL);
      return NULL;
    }

  bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  /* Bodies over the limit never get here (wg-request-limits); this is a
   * second fence for bodies that reach a handler some other way. */
  if (g_bytes_get_size (bytes) > self->config.body_max_bytes)
    {
      wg_problem_respond (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "body-too-large", NULL);
      return NULL;
    }
  return g_steal_pointer (&bytes);
}

/* @bytes decoded through the guard, or answers the problem and returns
 * NULL. */
JsonNode *
wg_server_parse_json_bytes (WgServer          *self,
                            SoupServerMessage *msg,
                            GBytes            *bytes)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_return_val_if_fail (WG_IS_SERVER (self), NULL);

  node = wg_json_parse_untrusted (bytes, self->config.json_max_depth, &error);
  if (node == NULL)
    {
      wg_problem_respond_error (msg, error);
      return NULL;
    }
  return node;
}

/* Both: an application/json request body decoded through the guard, or
 * the problem answered and NULL. */
JsonNode *
wg_server_read_json_body (WgServer          *self,
                          SoupServerMessage *msg)
{
  g_autoptr(GBytes) bytes = wg_server_read_json_bytes (self, msg);

  return bytes != NULL ? wg_server_parse_json_bytes (self, msg, bytes) : NULL;
}

WgServer *
wg_server_new (const WgServerConfig  *config,
               GError               **error)
{
  g_autoptr(WgServer) self = NULL;
  g_autofree char *tracks_path = NULL;
  WgStreamHubOptions hub_options;
  WgTrackPolicy policy;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (WG_TYPE_SERVER, NULL);
  self->config = *config;
  self->config.address = g_strdup (config->address);
  self->config.data_dir = g_strdup (config->data_dir);
  self->config.demo_password = g_strdup (config->demo_password);
  self->config.demo_anchor = g_strdup (config->demo_anchor);
  self->config.reference_dir = g_strdup (config->reference_dir);
  self->config.tls_cert = g_strdup (config->tls_cert);
  self->config.tls_key = g_strdup (config->tls_key);
  self->config.metrics_token = g_strdup (config->metrics_token);

  if (config->data_dir != NULL)
    self->data_dir = g_strdup (config->data_dir);
  else if (g_getenv ("STATE_DIRECTORY") != NULL)
    self->data_dir = g_strdup (g_getenv ("STATE_DIRECTORY"));   /* systemd StateDirectory= */
  else
    self->data_dir = g_build_filename (g_get_user_data_dir (), "wangge-server", NULL);
  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create the data directory “%s”: %s"), self->data_dir, g_strerror (saved));
      return NULL;
    }
  /* One server per data directory, and `restore` refuses while it runs. */
  self->data_lock = wg_data_lock_acquire (self->data_dir, error);
  if (self->data_lock == NULL)
    return NULL;

  policy.keep_interval_ms = (gint64) config->keep_interval_seconds * 1000;
  policy.keep_distance_m = config->keep_distance_meters;
  policy.retention_ms = (gint64) config->retention_days * 24 * 3600 * 1000;
  tracks_path = g_build_filename (self->data_dir, "positions.db", NULL);
  self->tracks = wg_track_store_open (tracks_path, &policy, error);
  if (self->tracks == NULL)
    return NULL;

  self->soup = soup_server_new ("server-header", "wangge-server/" PACKAGE_VERSION " ", NULL);
  self->router = wg_router_new ();
  self->metrics = wg_metrics_new (self);
  self->limits = wg_request_limits_new (self->soup, config->body_max_bytes);

  wg_stream_hub_options_init_default (&hub_options);
  hub_options.queue_max = config->stream_queue_max;
  hub_options.max_incoming_bytes = config->ws_max_message_bytes;
  hub_options.keepalive_seconds = config->ws_keepalive_seconds;
  hub_options.close_timeout_seconds = config->stream_close_timeout_seconds;
  hub_options.socket_send_buffer = config->stream_send_buffer;
  hub_options.positions_interval_ms = config->broadcast_interval_ms;
  self->hub = wg_stream_hub_new (&hub_options);

  wg_router_add (self->router, "GET", "/api/v1/health", health_cb, self);
  wg_router_add (self->router, "GET", "/api/v1/presence", presence_cb, self);
  self->positions = wg_positions_api_new (self);
  if (config->database != NULL &&
      !wg_positions_api_use_database (self->positions, config->database, &policy, error))
    return NULL;

  soup_server_add_handler (self->soup, NULL, default_handler_cb, self, NULL);
  soup_server_add_handler (self->soup, "/api/v1/stream", stream_http_cb, self, NULL);
  soup_server_add_websocket_handler (self->soup, "/api/v1/stream", NULL, NULL,
                                     stream_websocket_cb, self, NULL);

  return g_steal_pointer (&self);
}

gboolean
wg_server_start (WgServer  *self,
                 GError   **error)
{
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) bind_address = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) socket = NULL;

  g_return_val_if_fail (WG_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->listener == NULL, FALSE);

  address = g_inet_address_new_from_string (self->config.address);
  if (address == NULL)
    {
      g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                   _("“%s” is not an IP address"), self->config.address);
      return FALSE;
    }
  bind_address = g_inet_socket_address_new (address, self->config.port);

  /* Our own socket: soup_server_listen_local() leaves the backlog at 10,
   * which costs a p99 of 660 ms under 64 connections (platform-notes.md). */
  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  if (!g_socket_bind (socket, bind_address, TRUE, error))
    return FALSE;
  g_socket_set_listen_backlog (socket, WG_LISTEN_BACKLOG);
  if (!g_socket_listen (socket, error))
    return FALSE;
  if (self->config.tls_cert != NULL)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;

      certificate = g_tls_certificate_new_from_files (self->config.tls_cert, self->config.tls_key, error);
      if (certificate == NULL)
        return FALSE;
      soup_server_set_tls_certificate (self->soup, certificate);
    }
  if (!soup_server_listen_socket (self->soup, socket,
                                  self->config.tls_cert != NULL ? SOUP_SERVER_LISTEN_HTTPS : 0, error))
    return FALSE;

  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  self->listener = g_steal_pointer (&socket);

  wg_positions_api_start (self->positions);
  return TRUE;
}

/* First step of a clean stop: refuse new work, commit and answer what
 * waits, say goodbye to stream subscribers.  The caller then lets the main
 * loop run briefly so that answers and close frames go out, and calls
 * wg_server_stop(). */
void
wg_server_begin_shutdown (WgServer *self)
{
  g_return_if_fail (WG_IS_SERVER (self));

  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;
  wg_positions_api_flush (self->positions);
  wg_stream_hub_close_all (self->hub, WG_STREAM_CLOSE_GOING_AWAY, "server shutting down");
}

void
wg_server_stop (WgServer *self)
{
  g_return_if_fail (WG_IS_SERVER (self));

  wg_server_begin_shutdown (self);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->listener);
}

const WgServerConfig *
wg_server_get_config (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), NULL);
  return &self->config;
}

const char *
wg_server_get_data_dir (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), NULL);
  return self->data_dir;
}

SoupServer *
wg_server_get_soup_server (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), NULL);
  return self->soup;
}

WgRouter *
wg_server_get_router (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), NULL);
  return self->router;
}

WgMetrics *
wg_server_get_metrics (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), NULL);
  return self->metrics;
}

WgStreamHub *
wg_server_get_stream_hub (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), NULL);
  return self->hub;
}

WgTrackStore *
wg_server_get_track_store (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), NULL);
  return self->tracks;
}

WgRequestLimits *
wg_server_get_request_limits (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), NULL);
  return self->limits;
}

guint16
wg_server_get_port (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), 0);
  return self->port;
}

char *
wg_server_dup_url (WgServer *self)
{
  g_autoptr(GInetAddress) address = NULL;

  g_return_val_if_fail (WG_IS_SERVER (self), NULL);

  address = g_inet_address_new_from_string (self->config.address);
  if (address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("%s://[%s]:%u", self->config.tls_cert != NULL ? "https" : "http",
                            self->config.address, self->port);
  return g_strdup_printf ("%s://%s:%u", self->config.tls_cert != NULL ? "https" : "http",
                          self->config.address, self->port);
}

gboolean
wg_server_is_shutting_down (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), FALSE);
  return self->shutting_down;
}

/* The engine plugs in here: the journal head (health, stream, presence),
 * the backlog reader and the per-role filter of the stream. */
void
wg_server_set_journal (WgServer            *self,
                       WgStreamHeadFunc     head_func,
                       WgStreamBacklogFunc  backlog_func,
                       WgStreamFilterFunc   filter_func,
                       gpointer             user_data)
{
  g_return_if_fail (WG_IS_SERVER (self));

  self->head_func = head_func;
  self->journal_data = user_data;
  wg_stream_hub_set_journal (self->hub, head_func, backlog_func, filter_func, user_data);
}

/* The id of the journal the engine serves (health, the stream's hello). */
void
wg_server_set_journal_id (WgServer   *self,
                          const char *journal_id)
{
  g_return_if_fail (WG_IS_SERVER (self));

  g_free (self->journal_id);
  self->journal_id = g_strdup (journal_id);
  wg_stream_hub_set_journal_id (self->hub, journal_id);
}

gint64
wg_server_get_head (WgServer *self)
{
  g_return_val_if_fail (WG_IS_SERVER (self), 0);
  return self->head_func != NULL ? self->head_func (self->journal_data) : 0;
}

/* Call after the commit that made @seq durable, in seq order. */
void
wg_server_publish_event (WgServer *self,
                         gint64    seq,
                         JsonNode *event)
{
  g_return_if_fail (WG_IS_SERVER (self));
  wg_stream_hub_publish_event (self->hub, seq, event);
}

void
wg_server_set_identify_func (WgServer             *self,
                             WgServerIdentifyFunc  func,
                             gpointer              user_data)
{
  g_return_if_fail (WG_IS_SERVER (self));
  self->identify_func = func;
  self->identify_data = user_data;
}

static void
wg_server_finalize (GObject *object)
{
  WgServer *self = WG_SERVER (object);

  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_pointer (&self->positions, wg_positions_api_free);
  g_clear_pointer (&self->hub, wg_stream_hub_free);
  g_clear_pointer (&self->limits, wg_request_limits_free);
  g_clear_pointer (&self->metrics, wg_metrics_free);
  g_clear_pointer (&self->router, wg_router_free);
  g_clear_object (&self->soup);
  g_clear_object (&self->listener);
  g_clear_pointer (&self->tracks, wg_track_store_free);
  g_clear_pointer (&self->data_lock, wg_data_lock_release);
  g_free (self->data_dir);
  g_free (self->journal_id);
  g_free (self->config.address);
  g_free (self->config.data_dir);
  g_free (self->config.demo_password);
  g_free (self->config.demo_anchor);
  g_free (self->config.reference_dir);
  g_free (self->config.tls_cert);
  g_free (self->config.tls_key);
  g_free (self->config.metrics_token);

  G_OBJECT_CLASS (wg_server_parent_class)->finalize (object);
}

static void
wg_server_class_init (WgServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wg_server_finalize;
}

static void
wg_server_init (WgServer *self)
{
}
