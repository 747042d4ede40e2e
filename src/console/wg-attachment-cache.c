/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-attachment-cache"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "wg-attachment-cache.h"
#include "wg-image.h"

struct _WgAttachmentCache
{
  GObject      parent_instance;

  WgApiClient *api;
  char        *directory;
  guint        n_fetched;
  guint        n_cached;
};

G_DEFINE_FINAL_TYPE (WgAttachmentCache, wg_attachment_cache, G_TYPE_OBJECT)

typedef struct {
  char             *id;
  WgAttachmentVariant variant;
  GBytes           *bytes;   /* to decode */
} Load;

static void
load_free (Load *load)
{
  g_free (load->id);
  g_clear_pointer (&load->bytes, g_bytes_unref);
  g_free (load);
}

static const char *
variant_name (WgAttachmentVariant variant)
{
  switch (variant)
    {
    case WG_ATTACHMENT_THUMBNAIL:
      return "thumbnail";
    case WG_ATTACHMENT_DISPLAY:
      return "display";
    case WG_ATTACHMENT_ORIGINAL:
    default:
      return "original";
    }
}

static guint
variant_side (WgAttachmentVariant variant)
{
  return variant == WG_ATTACHMENT_THUMBNAIL ? WG_IMAGE_THUMBNAIL_SIDE : WG_IMAGE_DISPLAY_SIDE;
}

static gboolean
is_sha256 (const char *text)
{
  if (text == NULL || strlen (text) != 64)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      return FALSE;
  return TRUE;
}

static gboolean
is_uuid (const char *text)
{
  /* The ids name files: nothing but a UUID's characters. */
  if (text == NULL || strlen (text) != 36)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isxdigit (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

/* <dir>/index/<id>.<variant> holds the sha of the bytes; <dir>/<sha> the bytes. */
static char *
index_path (WgAttachmentCache *self,
            const char        *id,
            WgAttachmentVariant variant)
{
  g_autofree char *name = g_strdup_printf ("%s.%s", id, variant_name (variant));
  return g_build_filename (self->directory, "index", name, NULL);
}

static char *
blob_path (WgAttachmentCache *self,
           const char        *sha)
{
  return g_build_filename (self->directory, sha, NULL);
}

/* In a worker thread: the same checks and decoder as an upload gets on the
 * server, whoever made the bytes. */
static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Load *load = task_data;

  WgImageLimits limits;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  WgImageInfo info;

  wg_image_limits_init (&limits);
  pixbuf = wg_image_decode (load->bytes, &limits, variant_side (load->variant), &info, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, gdk_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static void
decode (GTask  *task,
        GBytes *bytes)
{
  Load *load = g_task_get_task_data (task);

  load->bytes = g_bytes_ref (bytes);
  g_task_run_in_thread (task, decode_thread);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WgAttachmentCache *self = g_task_get_source_object (task);
  Load *load = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *blob = NULL;
  g_autofree char *index = NULL;

  if (!wg_api_client_download_finish (WG_API_CLIENT (source), result, &bytes, &etag, NULL, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (bytes == NULL)  /* 304: not asked for, so not expected */
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The photo arrived damaged"));
      return;
    }

  /* The ETag is the sha-256 of the bytes: checked, then the file's name. */
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  if (etag != NULL)
    {
      g_strdelimit (etag, "\"", ' ');
      g_strstrip (etag);
      if (is_sha256 (etag) && g_strcmp0 (etag, sha) != 0)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   _("The photo arrived damaged"));
          return;
        }
    }
  self->n_fetched++;

  blob = blob_path (self, sha);
  index = index_path (self, load->id, load->variant);
  if (!g_file_set_contents_full (blob, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error) ||
      !g_file_set_contents_full (index, sha, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    /* Shown all the same; fetched again next time. */
    g_debug ("not cached: %s", error->message);
  decode (g_steal_pointer (&task), bytes);
}

void
wg_attachment_cache_load_async (WgAttachmentCache   *self,
                                const char          *id,
                                WgAttachmentVariant  variant,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *index = NULL;
  g_autofree char *sha = NULL;
  Load *load;

  g_return_if_fail (WG_IS_ATTACHMENT_CACHE (self));
  g_return_if_fail (id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_attachment_cache_load_async);
  load = g_new0 (Load, 1);
  load->id = g_strdup (id);
  load->variant = variant;
  g_task_set_task_data (task, load, (GDestroyNotify) load_free);

  if (!is_uuid (id))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("Not a photo"));
      return;
    }

  /* On disk already: no request at all (the bytes of an id never change). */
  index = index_path (self, id, variant);
  if (g_file_get_contents (index, &sha, NULL, NULL) && is_sha256 (g_strstrip (sha)))
    {
      g_autofree char *blob = blob_path (self, sha);
      g_autoptr(GMappedFile) mapped = g_mapped_file_new (blob, FALSE, NULL);

      if (mapped != NULL)
        {
          g_autoptr(GBytes) bytes = g_mapped_file_get_bytes (mapped);
          g_autofree char *check = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

          if (g_str_equal (check, sha))
            {
              self->n_cached++;
              decode (g_steal_pointer (&task), bytes);
              return;
            }
        }
    }

  if (self->api == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                               _("Photos need a server"));
      return;
    }
  wg_api_client_download_async (self->api, id, variant, NULL, cancellable, fetched_cb,
                                g_steal_pointer (&task));
}

GdkTexture *
wg_attachment_cache_load_finish (WgAttachmentCache  *self,
                                 GAsyncResult       *result,
                                 GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
wg_attachment_cache_get_n_fetched (WgAttachmentCache *self)
{
  g_return_val_if_fail (WG_IS_ATTACHMENT_CACHE (self), 0);
  return self->n_fetched;
}

guint
wg_attachment_cache_get_n_cached (WgAttachmentCache *self)
{
  g_return_val_if_fail (WG_IS_ATTACHMENT_CACHE (self), 0);
  return self->n_cached;
}

GStrv
wg_attachment_ids_of_body (JsonObject *body)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonNode *node;
  JsonArray *array;

  if (body == NULL || (node = json_object_get_member (body, "attachments")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_strv_builder_add (builder, json_node_get_string (element));
    }
  return g_strv_builder_end (builder);
}

/* GObject */

static void
wg_attachment_cache_finalize (GObject *object)
{
  WgAttachmentCache *self = WG_ATTACHMENT_CACHE (object);

  g_clear_object (&self->api);
  g_clear_pointer (&self->directory, g_free);

  G_OBJECT_CLASS (wg_attachment_cache_parent_class)->finalize (object);
}

static void
wg_attachment_cache_class_init (WgAttachmentCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wg_attachment_cache_finalize;
}

static void
wg_attachment_cache_init (WgAttachmentCache *self)
{
}

WgAttachmentCache *
wg_attachment_cache_new (WgApiClient *api,
                         const char  *directory)
{
  WgAttachmentCache *self;
  g_autofree char *index = NULL;

  g_return_val_if_fail (api == NULL || WG_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (directory != NULL, NULL);

  self = g_object_new (WG_TYPE_ATTACHMENT_CACHE, NULL);
  self->api = api != NULL ? g_object_ref (api) : NULL;
  self->directory = g_strdup (directory);
  index = g_build_filename (directory, "index", NULL);
  if (g_mkdir_with_parents (index, 0700) != 0)
    g_warning ("Photos are not kept: %s: %s", index, g_strerror (errno));
  return self;
}

const char *
wg_attachment_cache_get_directory (WgAttachmentCache *self)
{
  g_return_val_if_fail (WG_IS_ATTACHMENT_CACHE (self), NULL);
  return self->directory;
}
