/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An online XYZ base map (OSM-style template, or a provider such as
 * Tianditu with its key in the URL) with libshumate's file cache in a
 * directory we choose.
 *
 * Why not ShumateTileDownloader as is: in libshumate 1.0 its cache directory
 * is fixed (the user cache dir), and when a cached copy exists it hides
 * network failures, so the map could not tell the user it is offline.  This
 * source keeps the same behaviour (serve from cache at once, revalidate
 * stale tiles with ETag, keep cached tiles when the network fails) and
 * reports connectivity.
 */
#define G_LOG_DOMAIN "wg-xyz-source"

#include "config.h"

#include <libsoup/soup.h>

#include "wg-mbtiles.h"
#include "wg-xyz-source.h"

#define CACHE_SIZE_LIMIT (200 * 1000 * 1000)
#define MAX_AGE_US (G_TIME_SPAN_DAY * 7)
/* While offline, cached tiles are served without asking the network; after
 * this long a request tries again, so the map notices when it is back. */
#define RETRY_US (30 * G_USEC_PER_SEC)
/* A tile is a few kB; a server sending more is broken or hostile. */
#define MAX_TILE_BYTES (4 * 1024 * 1024)
#define READ_CHUNK 65536

struct _WgXyzSource
{
  ShumateDataSource  parent_instance;
  char              *url_template;
  char              *cache_dir;
  ShumateFileCache  *cache;
  SoupSession       *session;
  gboolean           offline;
  gint64             last_failure_us;
  guint              n_downloaded;
  guint              n_from_cache;
  guint              n_failed;
  guint              subdomain;
};

G_DEFINE_FINAL_TYPE (WgXyzSource, wg_xyz_source, SHUMATE_TYPE_DATA_SOURCE)

enum {
  PROP_0,
  PROP_URL_TEMPLATE,
  PROP_CACHE_DIR,
  PROP_OFFLINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  int           x, y, z;
  GBytes       *cached;
  char         *etag;
  SoupMessage  *msg;
  GInputStream *stream;
  GByteArray   *body;
} Request;

static void
request_free (Request *req)
{
  g_clear_object (&req->stream);
  g_clear_pointer (&req->body, g_byte_array_unref);
  g_clear_pointer (&req->cached, g_bytes_unref);
  g_clear_pointer (&req->etag, g_free);
  g_clear_object (&req->msg);
  g_free (req);
}

static void
set_offline (WgXyzSource *self,
             gboolean     offline)
{
  if (self->offline == offline)
    return;
  self->offline = offline;
  g_debug ("%s", offline ? "offline" : "online again");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

char *
wg_xyz_source_dup_tile_uri (WgXyzSource *self,
                            int          x,
                            int          y,
                            int          zoom)
{
  GString *s;
  const char *p;

  g_return_val_if_fail (WG_IS_XYZ_SOURCE (self), NULL);

  s = g_string_sized_new (strlen (self->url_template) + 16);
  for (p = self->url_template; *p; p++)
    {
      if (g_str_has_prefix (p, "{x}") || g_str_has_prefix (p, "#X#"))
        g_string_append_printf (s, "%d", x), p += 2;
      else if (g_str_has_prefix (p, "{y}") || g_str_has_prefix (p, "#Y#"))
        g_string_append_printf (s, "%d", y), p += 2;
      else if (g_str_has_prefix (p, "{z}") || g_str_has_prefix (p, "#Z#"))
        g_string_append_printf (s, "%d", zoom), p += 2;
      else if (g_str_has_prefix (p, "{-y}"))
        g_string_append_printf (s, "%d", (1 << zoom) - 1 - y), p += 3;
      else if (g_str_has_prefix (p, "{s}"))
        g_string_append_c (s, "abc"[(x + y) % 3]), p += 2;
      else
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

static void
store_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* A tile that could not be cached is still on screen; only the next
   * offline session misses it. */
  if (!shumate_file_cache_store_tile_finish (SHUMATE_FILE_CACHE (object), result, &error))
    g_debug ("Could not cache tile: %s", error->message);
}

static void
download_failed (GTask  *task,
                 GError *error)
{
  WgXyzSource *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->n_failed++;
      self->last_failure_us = g_get_monotonic_time ();
      set_offline (self, TRUE);
    }
  if (req->cached)
    g_task_return_pointer (task, g_bytes_ref (req->cached), (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_error (task, g_error_copy (error));
}

static void
download_done (GTask  *task,
               GBytes *body_in)
{
  WgXyzSource *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(GBytes) body = body_in;
  SoupStatus status;

  set_offline (self, FALSE);
  if (body == NULL)
    {
      /* Too big: the server answered (so we are online) with junk. */
      self->n_failed++;
      if (req->cached)
        g_task_return_pointer (task, g_bytes_ref (req->cached), (GDestroyNotify) g_bytes_unref);
      else
        g_task_return_new_error (task, SHUMATE_TILE_DOWNLOADER_ERROR,
                                 SHUMATE_TILE_DOWNLOADER_ERROR_BAD_RESPONSE,
                                 "Tile %d/%d/%d: response over %d bytes",
                                 req->z, req->x, req->y, MAX_TILE_BYTES);
      return;
    }

  status = soup_message_get_status (req->msg);

  if (status == SOUP_STATUS_NOT_MODIFIED && req->cached)
    {
      shumate_file_cache_mark_up_to_date (self->cache, req->x, req->y, req->z);
      g_task_return_pointer (task, g_bytes_ref (req->cached), (GDestroyNotify) g_bytes_unref);
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status)
      || wg_tile_format_sniff (g_bytes_get_data (body, NULL), g_bytes_get_size (body)) == WG_TILE_FORMAT_UNKNOWN)
    {
      self->n_failed++;
      if (req->cached)
        g_task_return_pointer (task, g_bytes_ref (req->cached), (GDestroyNotify) g_bytes_unref);
      else
        g_task_return_new_error (task, SHUMATE_TILE_DOWNLOADER_ERROR,
                                 SHUMATE_TILE_DOWNLOADER_ERROR_BAD_RESPONSE,
                                 "Tile %d/%d/%d: HTTP %u or not an image", req->z, req->x, req->y, status);
      return;
    }

  self->n_downloaded++;
  shumate_file_cache_store_tile_async (self->cache, req->x, req->y, req->z, body,
                                       soup_message_headers_get_one (soup_message_get_response_headers (req->msg), "ETag"),
                                       NULL, store_done_cb, NULL);
  g_signal_emit_by_name (self, "received-data", req->x, req->y, req->z, body);
  g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) g_bytes_unref);
}

static void read_chunk (GTask *task);

static void
chunk_read_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GBytes) chunk = NULL;
  g_autoptr(GError) error = NULL;

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);
  if (chunk == NULL)
    {
      download_failed (task, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      download_done (task, g_byte_array_free_to_bytes (g_steal_pointer (&req->body)));
      return;
    }
  if (req->body->len + g_bytes_get_size (chunk) > MAX_TILE_BYTES)
    {
      download_done (task, NULL);
      return;
    }
  g_byte_array_append (req->body, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  read_chunk (g_steal_pointer (&task));
}

static void
read_chunk (GTask *task)
{
  Request *req = g_task_get_task_data (task);

  g_input_stream_read_bytes_async (req->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), chunk_read_cb, task);
}

static void
sent_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  req->stream = soup_session_send_finish (SOUP_SESSION (object), result, &error);
  if (req->stream == NULL)
    {
      download_failed (task, error);
      g_object_unref (task);
      return;
    }
  if (soup_message_headers_get_content_length (soup_message_get_response_headers (req->msg)) > MAX_TILE_BYTES)
    {
      download_done (task, NULL);
      g_object_unref (task);
      return;
    }
  req->body = g_byte_array_new ();
  read_chunk (task);
}

static void
fetch (GTask *task)
{
  WgXyzSource *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autofree char *uri = wg_xyz_source_dup_tile_uri (self, req->x, req->y, req->z);

  req->msg = soup_message_new (SOUP_METHOD_GET, uri);
  if (req->msg == NULL)
    {
      g_task_return_new_error (task, SHUMATE_TILE_DOWNLOADER_ERROR,
                               SHUMATE_TILE_DOWNLOADER_ERROR_MALFORMED_URL,
                               "Invalid tile URL %s", uri);
      g_object_unref (task);
      return;
    }
  if (req->etag)
    soup_message_headers_append (soup_message_get_request_headers (req->msg), "If-None-Match", req->etag);

  /* Read by hand rather than with send_and_read(), to cap the size. */
  soup_session_send_async (self->session, req->msg, G_PRIORITY_DEFAULT,
                           g_task_get_cancellable (task), sent_cb, task);
}

static void
cache_lookup_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  WgXyzSource *self = g_task_get_source_object (task);
  Request *req = g_task_get_task_data (task);
  g_autoptr(GDateTime) modtime = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean fresh = FALSE;

  bytes = shumate_file_cache_get_tile_finish (SHUMATE_FILE_CACHE (object), &req->etag, &modtime,
                                              result, NULL);
  if (bytes != NULL
      && wg_tile_format_sniff (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)) != WG_TILE_FORMAT_UNKNOWN)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      self->n_from_cache++;
      g_signal_emit_by_name (self, "received-data", req->x, req->y, req->z, bytes);
      fresh = modtime != NULL && g_date_time_difference (now, modtime) < MAX_AGE_US;
      req->cached = g_steal_pointer (&bytes);
    }

  if (req->cached
      && (fresh || (self->offline && g_get_monotonic_time () - self->last_failure_us < RETRY_US)))
    {
      g_task_return_pointer (task, g_bytes_ref (req->cached), (GDestroyNotify) g_bytes_unref);
      g_object_unref (task);
      return;
    }

  fetch (task);
}

static void
wg_xyz_source_get_tile_data_async (ShumateDataSource   *source,
                                   int                  x,
                                   int                  y,
                                   int                  zoom_level,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  WgXyzSource *self = WG_XYZ_SOURCE (source);
  GTask *task;
  Request *req;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_xyz_source_get_tile_data_async);
  req = g_new0 (Request, 1);
  req->x = x;
  req->y = y;
  req->z = zoom_level;
  g_task_set_task_data (task, req, (GDestroyNotify) request_free);

  shumate_file_cache_get_tile_async (self->cache, x, y, zoom_level, cancellable,
                                     cache_lookup_cb, task);
}

static GBytes *
wg_xyz_source_get_tile_data_finish (ShumateDataSource  *source,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wg_xyz_source_constructed (GObject *object)
{
  WgXyzSource *self = WG_XYZ_SOURCE (object);
  g_autofree char *key = NULL;

  G_OBJECT_CLASS (wg_xyz_source_parent_class)->constructed (object);

  key = g_strcanon (g_strdup (self->url_template ? self->url_template : ""),
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", '_');
  if (self->cache_dir == NULL)
    self->cache_dir = g_build_filename (g_get_user_cache_dir (), "wangge", "tiles", NULL);
  self->cache = shumate_file_cache_new_full (CACHE_SIZE_LIMIT, key, self->cache_dir);
  self->session = soup_session_new_with_options ("user-agent", "Wangge/" PACKAGE_VERSION,
                                                 "max-conns-per-host", 4,
                                                 "timeout", 15,
                                                 NULL);
}

static void
wg_xyz_source_finalize (GObject *object)
{
  WgXyzSource *self = WG_XYZ_SOURCE (object);

  g_clear_object (&self->cache);
  g_clear_object (&self->session);
  g_free (self->url_template);
  g_free (self->cache_dir);
  G_OBJECT_CLASS (wg_xyz_source_parent_class)->finalize (object);
}

static void
wg_xyz_source_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WgXyzSource *self = WG_XYZ_SOURCE (object);

  switch (prop_id)
    {
    case PROP_URL_TEMPLATE: g_value_set_string (value, self->url_template); break;
    case PROP_CACHE_DIR: g_value_set_string (value, self->cache_dir); break;
    case PROP_OFFLINE: g_value_set_boolean (value, self->offline); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_xyz_source_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  WgXyzSource *self = WG_XYZ_SOURCE (object);

  switch (prop_id)
    {
    case PROP_URL_TEMPLATE: self->url_template = g_value_dup_string (value); break;
    case PROP_CACHE_DIR: self->cache_dir = g_value_dup_string (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_xyz_source_class_init (WgXyzSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  object_class->constructed = wg_xyz_source_constructed;
  object_class->finalize = wg_xyz_source_finalize;
  object_class->get_property = wg_xyz_source_get_property;
  object_class->set_property = wg_xyz_source_set_property;
  source_class->get_tile_data_async = wg_xyz_source_get_tile_data_async;
  source_class->get_tile_data_finish = wg_xyz_source_get_tile_data_finish;

  properties[PROP_URL_TEMPLATE] =
    g_param_spec_string ("url-template", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CACHE_DIR] =
    g_param_spec_string ("cache-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_OFFLINE] =
    g_param_spec_boolean ("offline", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wg_xyz_source_init (WgXyzSource *self)
{
}

WgXyzSource *
wg_xyz_source_new (const char *url_template,
                   const char *cache_dir)
{
  g_return_val_if_fail (url_template != NULL, NULL);

  return g_object_new (WG_TYPE_XYZ_SOURCE,
                       "url-template", url_template,
                       "cache-dir", cache_dir,
                       NULL);
}

const char *
wg_xyz_source_get_url_template (WgXyzSource *self)
{
  g_return_val_if_fail (WG_IS_XYZ_SOURCE (self), NULL);
  return self->url_template;
}

const char *
wg_xyz_source_get_cache_dir (WgXyzSource *self)
{
  g_return_val_if_fail (WG_IS_XYZ_SOURCE (self), NULL);
  return self->cache_dir;
}

gboolean
wg_xyz_source_get_offline (WgXyzSource *self)
{
  g_return_val_if_fail (WG_IS_XYZ_SOURCE (self), FALSE);
  return self->offline;
}

guint
wg_xyz_source_get_n_downloaded (WgXyzSource *self)
{
  g_return_val_if_fail (WG_IS_XYZ_SOURCE (self), 0);
  return self->n_downloaded;
}

guint
wg_xyz_source_get_n_from_cache (WgXyzSource *self)
{
  g_return_val_if_fail (WG_IS_XYZ_SOURCE (self), 0);
  return self->n_from_cache;
}

guint
wg_xyz_source_get_n_failed (WgXyzSource *self)
{
  g_return_val_if_fail (WG_IS_XYZ_SOURCE (self), 0);
  return self->n_failed;
}
