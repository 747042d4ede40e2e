/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Photos on incidents (docs/photos.md): POST /api/v1/attachments decodes
 * the upload on a small thread pool (never on the main loop) and stores it
 * with its derived sizes; GET /api/v1/attachments/{id}[/display|/thumbnail]
 * answers those who may see the event that carries it; the command check
 * refuses unknown or foreign ids before anything is appended; the reference
 * is recorded after the journal commit and again at start (the two
 * databases cannot commit together); unreferenced uploads are purged.
 * With --database the attachments are PostgreSQL's (wg-pg-attachments.h):
 * the main loop's reads and uploads go through its worker thread and
 * answer from its callbacks; the writer thread's check of a command
 * references its uploads in the batch's own transaction (they commit
 * together there), and its purges block on a connection of their own.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wg-attachment-info.h"
#include "wg-engine-private.h"
#include "wg-error.h"
#include "wg-event.h"
#include "wg-image.h"
#include "wg-journal-view.h"
#include "wg-json.h"
#include "wg-pg-attachments.h"
#include "wg-problem.h"

#define UPLOAD_PATH "/api/v1/attachments"
/* Who uploads: the roles whose commands carry photos (A for notes). */
#define UPLOAD_ROLES (ROLE_BIT (WG_ROLE_GRID_WORKER) | ROLE_BIT (WG_ROLE_DEPARTMENT) | \
                      ROLE_BIT (WG_ROLE_DISPATCHER) | ROLE_BIT (WG_ROLE_DUTY_LEADER) | \
                      ROLE_BIT (WG_ROLE_ADMIN))

typedef enum {
  VARIANT_ORIGINAL,
  VARIANT_DISPLAY,
  VARIANT_THUMBNAIL,
} Variant;

/* Outlives the engine while decodes are in flight: a finished decode
 * whose engine is gone is dropped. */
typedef struct
{
  gatomicrefcount  ref_count;
  WgEngine        *engine;
} UploadShared;

static UploadShared *
upload_shared_ref (UploadShared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
upload_shared_unref (UploadShared *shared)
{
  if (g_atomic_ref_count_dec (&shared->ref_count))
    g_free (shared);
}

typedef struct
{
  UploadShared      *shared;
  SoupServerMessage *msg;
  GBytes            *body;
  WgImageLimits      limits;
  char              *uploader;
  char              *address;
  WgImageDerived    *derived;   /* set by the worker */
  GError            *error;     /* set by the worker */
} UploadJob;

static void
upload_job_free (gpointer data)
{
  UploadJob *job = data;

  g_clear_pointer (&job->shared, upload_shared_unref);
  g_clear_object (&job->msg);
  g_clear_pointer (&job->body, g_bytes_unref);
  g_clear_pointer (&job->derived, wg_image_derived_free);
  g_clear_error (&job->error);
  g_free (job->uploader);
  g_free (job->address);
  g_free (job);
}

static void
set_location (SoupServerMessage *msg,
              const char        *id)
{
  g_autofree char *location = g_strconcat (UPLOAD_PATH "/", id, NULL);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
}

static void
respond_attachment (SoupServerMessage  *msg,
                    guint               status,
                    const WgAttachment *attachment)
{
  const WgAttachmentInfo info = {
    .id = attachment->id, .media_type = attachment->media_type, .width = attachment->width,
    .height = attachment->height, .bytes = attachment->bytes, .sha256 = attachment->sha256,
  };
  g_autoptr(JsonNode) answer = wg_attachment_info_to_json (&info);

  wg_json_respond (msg, status, answer);
}

/* Audits an answered upload and lets the answer go. */
static void
release_upload (WgEngine          *self,
                SoupServerMessage *msg,
                const char        *uploader,
                const char        *address,
                const char        *id)
{
  g_autofree char *code = _wg_engine_answer_code (msg);

  _wg_engine_audit (self, uploader, address, "upload", id, soup_server_message_get_status (msg), code);
  soup_server_message_unpause (msg);
}

/* Answers an upload once stored (@attachment) or not (@error). */
static void
finish_upload (WgEngine           *self,
               SoupServerMessage  *msg,
               const char         *uploader,
               const char         *address,
               const WgAttachment *attachment,
               const GError       *error)
{
  if (attachment == NULL)
    wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  else
    {
      set_location (msg, attachment->id);
      respond_attachment (msg, SOUP_STATUS_CREATED, attachment);
    }
  release_upload (self, msg, uploader, address, attachment != NULL ? attachment->id : NULL);
}

/* An upload on its way to PostgreSQL. */
typedef struct
{
  UploadShared      *shared;
  SoupServerMessage *msg;
  char              *uploader;
  char              *address;
} PgUpload;

static void
pg_stored_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PgUpload *upload = user_data;
  WgEngine *self = upload->shared->engine;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgAttachment) attachment = wg_pg_attachments_add_finish (NULL, result, &error);

  if (self != NULL)
    {
      self->uploads_queued--;
      finish_upload (self, upload->msg, upload->uploader, upload->address, attachment, error);
    }
  upload_shared_unref (upload->shared);
  g_object_unref (upload->msg);
  g_free (upload->uploader);
  g_free (upload->address);
  g_free (upload);
}

/* Main thread: the decode is done. */
static gboolean
upload_done_cb (gpointer data)
{
  UploadJob *job = data;
  WgEngine *self = job->shared->engine;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgAttachment) attachment = NULL;
  g_autofree char *id = NULL;

  if (self == NULL)
    return G_SOURCE_REMOVE;   /* the engine is gone; so is the server */

  if (job->error != NULL)
    {
      self->uploads_queued--;
      if (job->error->domain == WG_IMAGE_ERROR)
        wg_problem_respond (job->msg, wg_image_error_http_status (job->error->code),
                            wg_image_error_code (job->error->code), job->error->message);
      else
        wg_problem_respond (job->msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "image-malformed",
                            job->error->message);
      release_upload (self, job->msg, job->uploader, job->address, NULL);
    }
  else
    {
      WgImageDerived *d = job->derived;
      WgAttachmentUpload upload = {
        .original = job->body,
        .media_type = wg_image_format_media_type (d->format),
        .width = d->width,
        .height = d->height,
        .display = d->display,
        .display_media_type = d->display != NULL ? wg_image_format_media_type (d->display_format) : NULL,
        .thumbnail = d->thumbnail,
        .thumbnail_media_type = d->thumbnail != NULL ? wg_image_format_media_type (d->thumbnail_format) : NULL,
        .uploader = job->uploader,
        .uploaded_ms = g_get_real_time () / 1000,
      };

      /* Still queued until stored: the bound holds the bodies waiting for
       * PostgreSQL too. */
      if (self->pg_attachments != NULL)
        {
          PgUpload *stored = g_new0 (PgUpload, 1);

          stored->shared = upload_shared_ref (job->shared);
          stored->msg = g_object_ref (job->msg);
          stored->uploader = g_strdup (job->uploader);
          stored->address = g_strdup (job->address);
          wg_pg_attachments_add_async (self->pg_attachments, &upload, pg_stored_cb, stored);
          return G_SOURCE_REMOVE;
        }
      self->uploads_queued--;
      id = wg_attachment_store_add (self->attachments, &upload, &error);
      if (id != NULL)
        attachment = wg_attachment_store_lookup (self->attachments, id, &error);
      finish_upload (self, job->msg, job->uploader, job->address, attachment, error);
    }
  return G_SOURCE_REMOVE;
}

/* Worker thread: only wg_image_process (thread-safe, no engine state). */
static void
upload_work (gpointer data,
             gpointer pool_data)
{
  UploadJob *job = data;

  job->derived = wg_image_process (job->body, &job->limits, &job->error);
  g_idle_add_full (G_PRIORITY_DEFAULT, upload_done_cb, job, upload_job_free);
}

static void
post_attachment_cb (SoupServerMessage *msg,
                    GHashTable        *params,
                    GHashTable        *query,
                    gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = _wg_engine_remote_address (msg);
  g_autofree char *code = NULL;
  double retry_after = 0;
  UploadJob *job;

  actor = _wg_engine_require_actor (self, msg, 0);
  if (actor == NULL)
    return;
  if ((ROLE_BIT (actor->role) & UPLOAD_ROLES) == 0)
    {
      wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                          _("This account’s role sends no commands with photos"));
      goto refused;
    }
  /* An 8 MiB upload costs more than a command: it counts against the same
   * bucket. */
  if (!wg_rate_limiter_try (self->command_limiter, _wg_engine_bearer_token (msg),
                            g_get_monotonic_time (), &retry_after))
    {
      _wg_engine_respond_retry_after (msg, WG_STATUS_TOO_MANY_REQUESTS, "too-many-requests",
                                      _("Too many requests for this session: wait and retry"),
                                      retry_after);
      goto refused;
    }
  if (wg_server_is_shutting_down (self->server))
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting-down", NULL);
      goto refused;
    }
  if (self->uploads_queued >= self->config.attachment_queue_max)
    {
      _wg_engine_respond_retry_after (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                                      _("Too many photos are being checked: try again shortly"), 1);
      goto refused;
    }

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  /* The limit was enforced before the body was read (wg-request-limits);
   * this is a second fence. */
  if (g_bytes_get_size (body) > self->config.attachment_max_bytes)
    {
      wg_problem_respond (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large", NULL);
      goto refused;
    }

  job = g_new0 (UploadJob, 1);
  job->shared = upload_shared_ref (self->upload_shared);
  job->msg = g_object_ref (msg);
  job->body = g_steal_pointer (&body);
  wg_image_limits_init (&job->limits);
  job->limits.max_bytes = self->config.attachment_max_bytes;
  job->uploader = g_strdup (actor->username);
  job->address = g_steal_pointer (&address);
  soup_server_message_pause (msg);
  self->uploads_queued++;
  if (!g_thread_pool_push (self->upload_pool, job, &error))
    {
      self->uploads_queued--;
      soup_server_message_unpause (msg);
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy", error->message);
      address = g_strdup (job->address);
      upload_job_free (job);
      goto refused;
    }
  return;

refused:
  code = _wg_engine_answer_code (msg);
  _wg_engine_audit (self, actor->username, address, "upload", NULL, soup_server_message_get_status (msg), code);
}

/* ---- reading ------------------------------------------------------------ */

/* Unreferenced: its uploader only.  Referenced: whoever may read its
 * incident, by the store's one reading rule (photos follow the incident),
 * but a public display, which shows no photos. */
static gboolean
may_read (WgEngine               *self,
          const WgStreamIdentity *who,
          const WgAttachment     *attachment,
          GError                **error)
{
  WgJournalViewer viewer;
  gboolean visible = FALSE;

  if (attachment->incident == NULL)
    return g_strcmp0 (who->user, attachment->uploader) == 0;
  if (!_wg_engine_viewer_from_identity (who, &viewer) ||
      wg_journal_viewer_get_text (&viewer) == WG_EVENT_TEXT_PUBLIC)
    return FALSE;
  if (!wg_store_incident_visible (self->store, &viewer, attachment->incident, &visible, error))
    return FALSE;
  return visible;
}

/* Answers @msg for @attachment (NULL: not found, or @lookup_error) as
 * @identity asks for it, but its bytes: then returns the hash of the
 * content to send and sets @media_type. */
static const char *
answer_read (WgEngine                *self,
             SoupServerMessage       *msg,
             const WgStreamIdentity  *identity,
             const WgAttachment      *attachment,
             const GError            *lookup_error,
             Variant                  variant,
             const char             **media_type)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *etag = NULL;
  const char *sha256, *if_none_match;
  SoupMessageHeaders *headers;
  gboolean allowed;

  if (attachment == NULL && lookup_error != NULL &&
      !g_error_matches (lookup_error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT))
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", lookup_error->message);
      return NULL;
    }
  allowed = attachment != NULL && may_read (self, identity, attachment, &error);
  if (error != NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return NULL;
    }
  /* Not permitted and not there: the same answer. */
  if (!allowed)
    {
      wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-attachment", NULL);
      return NULL;
    }

  sha256 = attachment->sha256;
  *media_type = attachment->media_type;
  if (variant == VARIANT_DISPLAY && attachment->display_sha256 != NULL)
    {
      sha256 = attachment->display_sha256;
      *media_type = attachment->display_media_type;
    }
  else if (variant == VARIANT_THUMBNAIL && attachment->thumbnail_sha256 != NULL)
    {
      sha256 = attachment->thumbnail_sha256;
      *media_type = attachment->thumbnail_media_type;
    }

  headers = soup_server_message_get_response_headers (msg);
  etag = g_strdup_printf ("\"%s\"", sha256);
  soup_message_headers_replace (headers, "ETag", etag);
  /* Content never changes for an id. */
  soup_message_headers_replace (headers, "Cache-Control", "private, max-age=31536000, immutable");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  if_none_match = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "If-None-Match");
  if (if_none_match != NULL && (strstr (if_none_match, etag) != NULL || g_str_equal (if_none_match, "*")))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return NULL;
    }
  return sha256;
}

/* The content's @bytes (NULL: @error) as answer_read() chose it. */
static void
answer_bytes (SoupServerMessage  *msg,
              const WgAttachment *attachment,
              const char         *media_type,
              GBytes             *bytes,
              const GError       *error)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *disposition = NULL;

  if (bytes == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  disposition = g_strdup_printf ("inline; filename=\"%s.%s\"", attachment->id,
                                 g_str_equal (media_type, "image/png") ? "png" : "jpg");
  soup_message_headers_replace (headers, "Content-Disposition", disposition);
  soup_message_headers_set_content_type (headers, media_type, NULL);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
}

/* A read from PostgreSQL: the row, then (if it is to be sent) the
 * content. */
typedef struct
{
  UploadShared      *shared;
  SoupServerMessage *msg;
  WgStreamIdentity   identity;
  Variant            variant;
  WgAttachment      *attachment;
  const char        *media_type;   /* the attachment's */
} PgRead;

static void
pg_read_free (PgRead *read)
{
  /* A server gone has no answers to send. */
  if (read->shared->engine != NULL)
    soup_server_message_unpause (read->msg);
  upload_shared_unref (read->shared);
  g_object_unref (read->msg);
  wg_stream_identity_clear (&read->identity);
  g_clear_pointer (&read->attachment, wg_attachment_free);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgRead, pg_read_free)

static void
pg_content_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(PgRead) read = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = wg_pg_attachments_read_blob_finish (NULL, result, &error);

  if (read->shared->engine != NULL)
    answer_bytes (read->msg, read->attachment, read->media_type, bytes, error);
}

static void
pg_looked_up_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PgRead) read = user_data;
  WgEngine *self = read->shared->engine;
  g_autoptr(GError) error = NULL;
  const char *sha256;

  read->attachment = wg_pg_attachments_lookup_finish (NULL, result, &error);
  if (self == NULL)
    return;
  sha256 = answer_read (self, read->msg, &read->identity, read->attachment, error, read->variant,
                        &read->media_type);
  if (sha256 != NULL)
    wg_pg_attachments_read_blob_async (self->pg_attachments, sha256, pg_content_cb, g_steal_pointer (&read));
}

static void
get_attachment (WgEngine          *self,
                SoupServerMessage *msg,
                GHashTable        *params,
                Variant            variant)
{
  g_autoptr(WgAttachment) attachment = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  WgStreamIdentity identity = { 0 };
  g_autofree char *id = g_ascii_strdown (g_hash_table_lookup (params, "id"), -1);
  const char *sha256, *media_type = NULL;

  if (!wg_server_identify (self->server, msg, &identity))
    return;
  if (self->pg_attachments != NULL && wg_uuid_is_valid (id))
    {
      PgRead *read = g_new0 (PgRead, 1);

      read->shared = upload_shared_ref (self->upload_shared);
      read->msg = g_object_ref (msg);
      read->identity = identity;
      read->variant = variant;
      soup_server_message_pause (msg);
      wg_pg_attachments_lookup_async (self->pg_attachments, id, pg_looked_up_cb, read);
      return;
    }
  if (self->pg_attachments == NULL && wg_uuid_is_valid (id))
    attachment = wg_attachment_store_lookup (self->attachments, id, &error);
  sha256 = answer_read (self, msg, &identity, attachment, error, variant, &media_type);
  wg_stream_identity_clear (&identity);
  if (sha256 == NULL)
    return;
  g_clear_error (&error);
  bytes = wg_attachment_store_read_blob (self->attachments, sha256, &error);
  answer_bytes (msg, attachment, media_type, bytes, error);
}

static void
get_original_cb (SoupServerMessage *msg,
                 GHashTable        *params,
                 GHashTable        *query,
                 gpointer           user_data)
{
  get_attachment (user_data, msg, params, VARIANT_ORIGINAL);
}

static void
get_display_cb (SoupServerMessage *msg,
                GHashTable        *params,
                GHashTable        *query,
                gpointer           user_data)
{
  get_attachment (user_data, msg, params, VARIANT_DISPLAY);
}

static void
get_thumbnail_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  get_attachment (user_data, msg, params, VARIANT_THUMBNAIL);
}

/* ---- commands ----------------------------------------------------------- */

/* The command's attachment ids (NULL if none), decide() having checked
 * their shape. */
static GStrv
command_attachment_ids (WgCommand *command)
{
  JsonObject *body = wg_command_get_body (command);
  JsonNode *member = json_object_get_member (body, "attachments");
  JsonArray *array;
  g_autoptr(GStrvBuilder) builder = NULL;

  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return NULL;
  array = json_node_get_array (member);
  if (json_array_get_length (array) == 0)
    return NULL;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *id = g_ascii_strdown (json_array_get_string_element (array, i), -1);

      g_strv_builder_add (builder, id);
    }
  return g_strv_builder_end (builder);
}

static const char *
events_incident (GPtrArray *events)
{
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = g_ptr_array_index (events, i);

      if (event->incident != NULL)
        return event->incident;
    }
  return NULL;
}

/* A command's upload ids are its fields: refusing them is a rule's
 * refusal (WG_ERROR), stored with the command id; a database failure
 * stays what it is.  Takes @store_error. */
static gboolean
refuse_attachments (GError  *store_error,
                    GError **error)
{
  if (g_error_matches (store_error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT))
    g_set_error_literal (error, WG_ERROR, WG_ERROR_UNKNOWN_ATTACHMENT, store_error->message);
  else if (g_error_matches (store_error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IN_USE))
    g_set_error_literal (error, WG_ERROR, WG_ERROR_ATTACHMENT_IN_USE, store_error->message);
  else
    {
      g_propagate_error (error, store_error);
      return FALSE;
    }
  g_error_free (store_error);
  return FALSE;
}

/* The writer thread's check of a command's uploads.  On PostgreSQL it
 * references them too, in the batch's transaction: they commit with the
 * command's events, and a command on another instance checked after that
 * commit sees them in use. */
static gboolean
check_ids (WgEngine            *self,
           const char * const  *ids,
           const char          *uploader,
           const char          *incident,
           GError             **error)
{
  if (self->pg_attachments != NULL)
    return wg_pg_attachments_reference_in (wg_pg_journal_get_connection (self->pg), ids, uploader, incident,
                                           g_get_real_time () / 1000, error);
  return wg_attachment_store_check (self->writer_attachments, ids, uploader, incident, error);
}

/* The writer thread's reference after the commit, and the start's. */
static gboolean
reference_ids (WgEngine            *self,
               const char * const  *ids,
               const char          *uploader,
               const char          *incident,
               GError             **error)
{
  gint64 now_ms = g_get_real_time () / 1000;

  if (self->pg_attachments != NULL)
    return wg_pg_attachments_reference (self->pg_attachments, ids, uploader, incident, now_ms, error);
  return wg_attachment_store_reference (self->writer_attachments, ids, uploader, incident, now_ms, error);
}

static gboolean
command_check_cb (WgCommand      *command,
                  const WgActor  *actor,
                  GPtrArray      *events,
                  gpointer        user_data,
                  GError        **error)
{
  WgEngine *self = user_data;
  g_auto(GStrv) ids = command_attachment_ids (command);
  const char *incident = events_incident (events);
  GError *store_error = NULL;

  if (ids == NULL)
    return TRUE;
  if (incident == NULL)
    {
      g_set_error_literal (error, WG_ERROR, WG_ERROR_INVALID_FIELD, "attachments belong to an incident");
      return FALSE;
    }
  /* Two commands of one batch naming the same upload for two incidents:
   * neither is referenced yet, so the store's check passes both. */
  for (guint i = 0; ids[i] != NULL; i++)
    {
      const char *claimed = g_hash_table_lookup (self->batch_claims, ids[i]);

      if (claimed != NULL && !g_str_equal (claimed, incident))
        {
          g_set_error (error, WG_ERROR, WG_ERROR_ATTACHMENT_IN_USE,
                       "attachment %s is already used by incident %s", ids[i], claimed);
          return FALSE;
        }
    }
  if (!check_ids (self, (const char * const *) ids, actor->username, incident, &store_error))
    return refuse_attachments (store_error, error);
  for (guint i = 0; ids[i] != NULL; i++)
    g_hash_table_insert (self->batch_claims, g_strdup (ids[i]), g_strdup (incident));
  return TRUE;
}

void
_wg_engine_attachments_batch_begin (WgEngine *self)
{
  g_hash_table_remove_all (self->batch_claims);
}

void
_wg_engine_attachments_committed (WgEngine      *self,
                                  WgCommand     *command,
                                  const WgActor *actor,
                                  GPtrArray     *events)
{
  g_auto(GStrv) ids = command_attachment_ids (command);
  g_autoptr(GError) error = NULL;
  const char *incident = events_incident (events);

  /* On PostgreSQL the check referenced them, in the batch. */
  if (ids == NULL || incident == NULL || self->pg_attachments != NULL)
    return;
  /* The command is accepted already: a failure here is logged, and the
   * next start references the journal's attachments again. */
  if (!reference_ids (self, (const char * const *) ids, actor->username, incident, &error))
    g_warning ("Cannot record the attachments of command %s: %s", wg_command_get_id (command),
               error->message);
}

/* At start, before the writer thread runs (its store or connection is
 * free): the journal's events with attachments since the oldest
 * unreferenced upload, referenced again (a no-op for those already). */
static gboolean
rereference (WgEngine  *self,
             GError   **error)
{
  g_autoptr(GPtrArray) refs = NULL;
  gint64 oldest = 0;
  guint n = 0;

  if (self->pg_attachments != NULL ? !wg_pg_attachments_oldest_unreferenced (self->pg_attachments, &oldest, error)
                                   : !wg_attachment_store_oldest_unreferenced (self->writer_attachments, &oldest, error))
    return FALSE;
  if (oldest == 0)
    return TRUE;
  refs = wg_store_read_attachment_refs (self->store, oldest, error);
  if (refs == NULL)
    return FALSE;
  for (guint i = 0; i < refs->len; i++)
    {
      WgAttachmentRefs *ref = g_ptr_array_index (refs, i);
      g_autoptr(GError) local_error = NULL;

      if (!reference_ids (self, (const char * const *) ref->ids, ref->actor, ref->incident, &local_error))
        g_warning ("Cannot reference the attachments of incident %s again: %s",
                   ref->incident, local_error->message);
      else
        n++;
    }
  g_debug ("Attachments of %u events referenced again", n);
  return TRUE;
}

/* ---- purge -------------------------------------------------------------- */

/* On the writer thread, after a batch's references: a purge in between
 * could remove an upload that a command was just checked against. */
void
_wg_engine_attachments_purge (WgEngine *self)
{
  g_autoptr(GError) error = NULL;
  gint64 cutoff = g_get_real_time () / 1000 - (gint64) self->config.attachment_max_age_seconds * 1000;
  guint removed = 0;

  if (self->pg_attachments != NULL ? !wg_pg_attachments_purge (self->pg_attachments, cutoff, &removed, &error)
                                   : !wg_attachment_store_purge (self->writer_attachments, cutoff, &removed, &error))
    g_warning ("Cannot purge unreferenced attachments: %s", error->message);
  else if (removed > 0)
    g_debug ("Purged %u unreferenced attachments", removed);
}

static gboolean
purge_cb (gpointer data)
{
  _wg_engine_queue_purge (data);
  return G_SOURCE_CONTINUE;
}

/* ---- life --------------------------------------------------------------- */

gboolean
_wg_engine_attachments_init (WgEngine  *self,
                             GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  UploadShared *shared;
  WgRouter *router = wg_server_get_router (self->server);

  if (self->config.database != NULL)
    {
      self->pg_attachments = wg_pg_attachments_open (self->config.database, error);
      if (self->pg_attachments == NULL)
        return FALSE;
    }
  else
    {
      self->attachments = wg_attachment_store_open (wg_server_get_data_dir (self->server), error);
      if (self->attachments == NULL)
        return FALSE;
      self->writer_attachments = wg_attachment_store_open (wg_server_get_data_dir (self->server), error);
      if (self->writer_attachments == NULL)
        return FALSE;
    }
  self->batch_claims = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!rereference (self, &local_error))
    g_warning ("Cannot reference the journal’s attachments again: %s", local_error->message);

  shared = g_new0 (UploadShared, 1);
  g_atomic_ref_count_init (&shared->ref_count);
  shared->engine = self;
  self->upload_shared = shared;
  /* Bounded: at most attachment_workers decodes at once (each up to a few
   * hundred MB at the pixel limit); the queue is bounded in the handler. */
  self->upload_pool = g_thread_pool_new_full (upload_work, NULL, upload_job_free,
                                              (int) MAX (1, self->config.attachment_workers),
                                              FALSE, error);
  if (self->upload_pool == NULL)
    return FALSE;

  wg_request_limits_set_upload_path (wg_server_get_request_limits (self->server), UPLOAD_PATH,
                                     self->config.attachment_max_bytes, "too-large");
  wg_store_set_command_check (self->writer_store, command_check_cb, self);
  wg_router_add (router, "POST", UPLOAD_PATH, post_attachment_cb, self);
  wg_router_add (router, "GET", UPLOAD_PATH "/{id}", get_original_cb, self);
  wg_router_add (router, "GET", UPLOAD_PATH "/{id}/display", get_display_cb, self);
  wg_router_add (router, "GET", UPLOAD_PATH "/{id}/thumbnail", get_thumbnail_cb, self);
  return TRUE;
}

void
_wg_engine_attachments_start (WgEngine *self)
{
  if (self->purge_id != 0 || (self->attachments == NULL && self->pg_attachments == NULL))
    return;
  purge_cb (self);
  self->purge_id = g_timeout_add_seconds (MAX (1, self->config.attachment_purge_interval_seconds),
                                          purge_cb, self);
}

void
_wg_engine_attachments_fini (WgEngine *self)
{
  g_clear_handle_id (&self->purge_id, g_source_remove);
  if (self->upload_pool != NULL)
    {
      /* Drops what waits, waits for the decodes running; their answers,
       * queued on the main loop, find no engine. */
      g_thread_pool_free (g_steal_pointer (&self->upload_pool), TRUE, TRUE);
    }
  if (self->upload_shared != NULL)
    {
      ((UploadShared *) self->upload_shared)->engine = NULL;
      g_clear_pointer (&self->upload_shared, upload_shared_unref);
    }
  if (self->writer_store != NULL)
    wg_store_set_command_check (self->writer_store, NULL, NULL);
  g_clear_pointer (&self->attachments, wg_attachment_store_close);
  g_clear_pointer (&self->writer_attachments, wg_attachment_store_close);
  g_clear_pointer (&self->pg_attachments, wg_pg_attachments_free);
  g_clear_pointer (&self->batch_claims, g_hash_table_unref);
}
