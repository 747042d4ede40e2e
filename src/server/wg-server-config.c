/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Settings of wangge-server: defaults, then the key file of --config, then
 * the command line.  docs/api.md lists every key.
 */
#define G_LOG_DOMAIN "wg-server-config"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "wg-server-config.h"

#define METRICS_TOKEN_MIN 16

G_DEFINE_QUARK (wg-server-config-error-quark, wg_server_config_error)

WgServerConfig *
wg_server_config_new (void)
{
  WgServerConfig *self = g_new0 (WgServerConfig, 1);

  self->address = g_strdup ("127.0.0.1");
  self->port = 8470;
  self->demo_days = 365;
  self->demo_streets = 1;
  self->demo_incident_scale = 1.0;
  self->body_max_bytes = 1024 * 1024;
  self->json_max_depth = 64;
  self->ws_max_message_bytes = 64 * 1024;
  self->stream_queue_max = 256;
  self->ws_keepalive_seconds = 20;
  self->stream_close_timeout_seconds = 30;
  self->stream_send_buffer = 0;
  self->batch_max_delay_us = 2000;
  self->batch_max_items = 1024;
  self->token_lifetime_seconds = 12 * 3600;
  self->command_rate = 50;
  self->command_burst = 100;
  self->login_max_failures = 5;
  self->login_max_user_failures = 20;
  self->login_max_address_failures = 30;
  self->login_window_seconds = 60;
  self->password_threads = 2;
  self->keep_interval_seconds = 15;
  self->keep_distance_meters = 25.0;
  self->retention_days = 90;
  self->purge_interval_seconds = 3600;
  self->broadcast_interval_ms = 1000;
  self->max_batch = 5000;
  self->max_future_seconds = 300;
  self->query_max = 100000;
  self->exercise_lease_seconds = 10;
  self->attachment_max_bytes = 8 * 1024 * 1024;
  self->attachment_max_age_seconds = 24 * 3600;
  self->attachment_purge_interval_seconds = 3600;
  self->attachment_workers = 2;
  self->attachment_queue_max = 8;
  return self;
}

void
wg_server_config_free (WgServerConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->address);
  g_free (self->data_dir);
  g_free (self->demo_password);
  g_free (self->demo_anchor);
  g_free (self->reference_dir);
  g_free (self->database);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  g_free (self->metrics_token);
  g_free (self);
}

/* Reads an unsigned key if present; a wrong value is an error, not a
 * silent default. */
static gboolean
read_uint (GKeyFile    *file,
           const char  *group,
           const char  *key,
           guint64      min,
           guint64      max,
           guint64     *out,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *text = NULL;
  guint64 value;

  if (!g_key_file_has_key (file, group, key, NULL))
    return TRUE;
  text = g_key_file_get_string (file, group, key, &local_error);
  if (text == NULL ||
      !g_ascii_string_to_unsigned (g_strstrip (text), 10, min, max, &value, &local_error))
    {
      g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                   _("[%s] %s: %s"), group, key, local_error->message);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

#define READ_UINT(group, key, min, max, field) \
  G_STMT_START { \
    guint64 v_ = self->field; \
    if (!read_uint (file, group, key, min, max, &v_, error)) \
      return FALSE; \
    self->field = v_; \
  } G_STMT_END

gboolean
wg_server_config_load_file (WgServerConfig  *self,
                            const char      *path,
                            GError         **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_NONE, error))
    return FALSE;

  if (g_key_file_has_key (file, "server", "address", NULL))
    {
      g_free (self->address);
      self->address = g_key_file_get_string (file, "server", "address", NULL);
    }
  READ_UINT ("server", "port", 0, 65535, port);
  if (g_key_file_has_key (file, "server", "data-dir", NULL))
    {
      g_free (self->data_dir);
      self->data_dir = g_key_file_get_string (file, "server", "data-dir", NULL);
    }

  if (g_key_file_has_key (file, "server", "reference-dir", NULL))
    {
      g_free (self->reference_dir);
      self->reference_dir = g_key_file_get_string (file, "server", "reference-dir", NULL);
    }
  if (g_key_file_has_key (file, "server", "database", NULL))
    {
      g_free (self->database);
      self->database = g_key_file_get_string (file, "server", "database", NULL);
    }
  if (g_key_file_has_key (file, "server", "tls-cert", NULL))
    {
      g_free (self->tls_cert);
      self->tls_cert = g_key_file_get_string (file, "server", "tls-cert", NULL);
    }
  if (g_key_file_has_key (file, "server", "tls-key", NULL))
    {
      g_free (self->tls_key);
      self->tls_key = g_key_file_get_string (file, "server", "tls-key", NULL);
    }

  READ_UINT ("auth", "token-lifetime-seconds", 1, 365 * 86400, token_lifetime_seconds);
  READ_UINT ("auth", "command-rate", 1, 1000000, command_rate);
  READ_UINT ("auth", "command-burst", 1, 1000000, command_burst);
  READ_UINT ("auth", "login-max-failures", 1, 1000, login_max_failures);
  READ_UINT ("auth", "login-max-user-failures", 1, 1000, login_max_user_failures);
  READ_UINT ("auth", "login-max-address-failures", 1, 1000, login_max_address_failures);
  READ_UINT ("auth", "login-window-seconds", 1, 86400, login_window_seconds);
  READ_UINT ("auth", "password-threads", 1, 64, password_threads);

  READ_UINT ("limits", "body-max-bytes", 1024, G_MAXUINT32, body_max_bytes);
  READ_UINT ("limits", "json-max-depth", 2, 1024, json_max_depth);
  READ_UINT ("limits", "ws-max-message-bytes", 1024, 16 * 1024 * 1024, ws_max_message_bytes);
  READ_UINT ("limits", "stream-queue-max", 2, 1000000, stream_queue_max);
  READ_UINT ("limits", "ws-keepalive-seconds", 0, 3600, ws_keepalive_seconds);
  READ_UINT ("limits", "stream-close-timeout-seconds", 1, 3600, stream_close_timeout_seconds);
  READ_UINT ("limits", "stream-send-buffer", 0, 64 * 1024 * 1024, stream_send_buffer);
  READ_UINT ("limits", "batch-max-delay-us", 0, 1000000, batch_max_delay_us);
  READ_UINT ("limits", "batch-max-items", 1, 1000000, batch_max_items);

  READ_UINT ("positions", "keep-interval-seconds", 0, 86400, keep_interval_seconds);
  if (g_key_file_has_key (file, "positions", "keep-distance-meters", NULL))
    {
      double d = g_key_file_get_double (file, "positions", "keep-distance-meters", &local_error);

      if (local_error != NULL || !(d >= 0 && d <= 100000))
        {
          g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                       _("[positions] keep-distance-meters must be between 0 and 100000"));
          return FALSE;
        }
      self->keep_distance_meters = d;
    }
  READ_UINT ("positions", "retention-days", 1, 36500, retention_days);
  READ_UINT ("positions", "purge-interval-seconds", 1, 86400 * 7, purge_interval_seconds);
  READ_UINT ("positions", "broadcast-interval-ms", 10, 60000, broadcast_interval_ms);
  READ_UINT ("positions", "max-batch", 1, 1000000, max_batch);
  READ_UINT ("positions", "max-future-seconds", 0, 86400, max_future_seconds);
  READ_UINT ("positions", "query-max", 1, 10000000, query_max);

  READ_UINT ("exercises", "lease-seconds", 2, 3600, exercise_lease_seconds);

  READ_UINT ("attachments", "max-bytes", 1024, 64 * 1024 * 1024, attachment_max_bytes);
  READ_UINT ("attachments", "max-age-seconds", 1, 365 * 86400, attachment_max_age_seconds);
  READ_UINT ("attachments", "purge-interval-seconds", 1, 86400, attachment_purge_interval_seconds);
  READ_UINT ("attachments", "workers", 1, 16, attachment_workers);
  READ_UINT ("attachments", "queue-max", 1, 1024, attachment_queue_max);

  if (g_key_file_has_key (file, "metrics", "token", NULL))
    {
      g_free (self->metrics_token);
      self->metrics_token = g_key_file_get_string (file, "metrics", "token", NULL);
    }
  if (g_key_file_has_key (file, "log", "requests", NULL))
    {
      self->log_requests = g_key_file_get_boolean (file, "log", "requests", &local_error);
      if (local_error != NULL)
        {
          g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                       _("[log] requests must be true or false"));
          return FALSE;
        }
    }

  return TRUE;
}

gboolean
wg_server_address_is_loopback (const char *address)
{
  g_autoptr(GInetAddress) inet = NULL;

  if (address == NULL)
    return FALSE;
  inet = g_inet_address_new_from_string (address);
  return inet != NULL && g_inet_address_get_is_loopback (inet);
}

gboolean
wg_server_config_validate (WgServerConfig  *self,
                           GError         **error)
{
  g_autoptr(GInetAddress) inet = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  inet = g_inet_address_new_from_string (self->address);
  if (inet == NULL)
    {
      g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                   _("“%s” is not an IP address (use e.g. 127.0.0.1, ::1 or 0.0.0.0)"),
                   self->address);
      return FALSE;
    }
  if (self->demo && !g_inet_address_get_is_loopback (inet))
    {
      g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_NOT_LOOPBACK,
                   _("--demo creates accounts with a known password, so it only listens on "
                     "a loopback address (127.0.0.1 or ::1), not on “%s”"),
                   self->address);
      return FALSE;
    }
  if (self->demo_anchor != NULL)
    {
      int y, m, d;
      char tail;
      g_autoptr(GDateTime) date = NULL;

      if (sscanf (self->demo_anchor, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
          strlen (self->demo_anchor) != 10 ||
          (date = g_date_time_new_utc (y, m, d, 0, 0, 0)) == NULL)
        {
          g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                       _("--demo-anchor must be a date YYYY-MM-DD, not “%s”"), self->demo_anchor);
          return FALSE;
        }
    }
  if (self->demo_streets < 1 || self->demo_streets > 1000 ||
      !(self->demo_incident_scale > 0 && self->demo_incident_scale <= 100))
    {
      g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                   _("--demo-streets must be 1 to 1000 and --demo-incident-scale above 0, at most 100"));
      return FALSE;
    }
  if ((self->tls_cert == NULL) != (self->tls_key == NULL))
    {
      g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                   _("--tls-cert and --tls-key go together"));
      return FALSE;
    }
  /* Metrics are read from outside the centre's consoles: no guessable token. */
  if (self->metrics_token != NULL && strlen (self->metrics_token) < METRICS_TOKEN_MIN)
    {
      g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                   _("[metrics] token must be at least %u characters long"), METRICS_TOKEN_MIN);
      return FALSE;
    }
  if ((self->demo_password != NULL || self->demo_anchor != NULL) && !self->demo)
    {
      g_set_error (error, WG_SERVER_CONFIG_ERROR, WG_SERVER_CONFIG_ERROR_INVALID,
                   _("--demo-password and --demo-anchor only apply with --demo"));
      return FALSE;
    }
  return TRUE;
}
