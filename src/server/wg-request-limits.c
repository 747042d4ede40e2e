/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The body-size limit, enforced before the body is read.
 *
 * libsoup 3.2 keeps reading (and buffering) the whole body even when an
 * early handler has set an error status, unless the client sent
 * "Expect: 100-continue".  So a refused request takes the connection away
 * from libsoup: at got-headers when Content-Length is over the limit, or at
 * the got-chunk that crosses it for chunked bodies.  We write the 413
 * ourselves with "Connection: close", shut our side down, then drain what the
 * client still sends for a while before closing: closing with unread input
 * makes the kernel send a RST, which can destroy the answer in flight.
 */
#define G_LOG_DOMAIN "wg-request-limits"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wg-problem.h"
#include "wg-request-limits.h"

/* How long, and how much, a refused client may keep sending. */
#define DRAIN_TIMEOUT_SECONDS 5
#define DRAIN_MAX_BYTES (64 * 1024 * 1024)
#define DRAIN_BUFFER_SIZE 65536

struct _WgRequestLimits
{
  SoupServer *server;
  gulong      request_started_id;
  gsize       max_body;
  guint64     n_refused;
  /* POSTs to one path with their own limit (uploads): a declared
   * Content-Length is required there. */
  char       *upload_path;
  gsize       upload_max;
  char       *upload_slug;
};

typedef struct
{
  GIOStream    *stream;
  GSocket      *socket;
  GBytes       *answer;
  GCancellable *cancellable;
  guint         timeout_id;
  guint64       drained;
  guint8        buffer[DRAIN_BUFFER_SIZE];
} Refusal;

static void
refusal_free (Refusal *refusal)
{
  g_clear_handle_id (&refusal->timeout_id, g_source_remove);
  g_clear_object (&refusal->cancellable);
  g_clear_pointer (&refusal->answer, g_bytes_unref);
  g_clear_object (&refusal->socket);
  g_clear_object (&refusal->stream);
  g_free (refusal);
}

static void
refusal_finish (Refusal *refusal)
{
  /* Synchronous close of a socket stream does not block. */
  g_io_stream_close (refusal->stream, NULL, NULL);
  refusal_free (refusal);
}

static gboolean
drain_timeout_cb (gpointer data)
{
  Refusal *refusal = data;

  refusal->timeout_id = 0;
  g_cancellable_cancel (refusal->cancellable);
  return G_SOURCE_REMOVE;
}

static void
drain_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Refusal *refusal = data;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  if (n <= 0 || (refusal->drained += n) > DRAIN_MAX_BYTES)
    {
      refusal_finish (refusal);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), refusal->buffer, sizeof refusal->buffer,
                             G_PRIORITY_LOW, refusal->cancellable, drain_read_cb, refusal);
}

static void
answer_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  Refusal *refusal = data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_debug ("Could not send a 413: %s", error->message);
      refusal_finish (refusal);
      return;
    }
  g_output_stream_flush (G_OUTPUT_STREAM (source), NULL, NULL);

  /* The answer is out: tell the client we are done writing, then read
   * and drop what it still sends until it closes or we lose patience. */
  if (refusal->socket != NULL)
    g_socket_shutdown (refusal->socket, FALSE, TRUE, NULL);
  refusal->timeout_id = g_timeout_add_seconds (DRAIN_TIMEOUT_SECONDS, drain_timeout_cb, refusal);
  g_input_stream_read_async (g_io_stream_get_input_stream (refusal->stream),
                             refusal->buffer, sizeof refusal->buffer, G_PRIORITY_LOW,
                             refusal->cancellable, drain_read_cb, refusal);
}

static GBytes *
build_answer (gsize       max_body,
              const char *slug,
              const char *why)
{
  g_autofree char *detail = NULL;
  g_autofree char *body = NULL;
  g_autofree char *date = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  GString *answer;

  detail = g_strdup_printf (_("%s; the limit is %lu bytes"), why, (gulong) max_body);
  body = wg_problem_to_string (SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, slug, detail);
  date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  answer = g_string_new (NULL);
  g_string_append_printf (answer,
                          "HTTP/1.1 413 Payload Too Large\r\n"
                          "Date: %s\r\n"
                          "Content-Type: " WG_PROBLEM_CONTENT_TYPE "\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Connection: close\r\n"
                          "\r\n"
                          "%s",
                          date, strlen (body), body);
  return g_string_free_to_bytes (answer);
}

/* Takes the connection away from libsoup and answers 413 on it.  @msg may
 * be finalized by the steal: do not touch it afterwards. */
static void
refuse (WgRequestLimits   *self,
        SoupServerMessage *msg,
        gsize              max_body,
        const char        *slug,
        const char        *why)
{
  Refusal *refusal;
  GSocket *socket;
  gsize size;
  const void *data;

  self->n_refused++;
  refusal = g_new0 (Refusal, 1);
  socket = soup_server_message_get_socket (msg);
  refusal->socket = socket != NULL ? g_object_ref (socket) : NULL;
  refusal->answer = build_answer (max_body, slug, why);
  refusal->cancellable = g_cancellable_new ();
  refusal->stream = soup_server_message_steal_connection (msg);
  if (refusal->stream == NULL)
    {
      refusal_free (refusal);
      return;
    }

  data = g_bytes_get_data (refusal->answer, &size);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (refusal->stream),
                                   data, size, G_PRIORITY_DEFAULT, refusal->cancellable,
                                   answer_written_cb, refusal);
}

static gboolean
is_upload (WgRequestLimits   *self,
           SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);

  return self->upload_path != NULL && uri != NULL &&
         soup_server_message_get_method (msg) == SOUP_METHOD_POST &&
         g_strcmp0 (g_uri_get_path (uri), self->upload_path) == 0;
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              WgRequestLimits   *self)
{
  guint64 received = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "wg-body-received"));
  gboolean upload = is_upload (self, msg);
  gsize max = upload ? self->upload_max : self->max_body;

  received += g_bytes_get_size (chunk);
  if (received > max)
    {
      g_signal_handlers_disconnect_by_data (msg, self);
      refuse (self, msg, max, upload ? self->upload_slug : "body-too-large",
              _("The request body grew over the limit"));
      return;
    }
  g_object_set_data (G_OBJECT (msg), "wg-body-received", GSIZE_TO_POINTER ((gsize) received));
}

static void
got_headers_cb (SoupServerMessage *msg,
                WgRequestLimits   *self)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

  /* Some earlier check (a bad request line...) already answered. */
  if (soup_server_message_get_status (msg) != 0)
    return;

  if (is_upload (self, msg))
    {
      /* Decided here, before a byte of the (large) body is read. */
      if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
        {
          g_signal_handlers_disconnect_by_data (msg, self);
          refuse (self, msg, self->upload_max, self->upload_slug,
                  _("An upload must declare its Content-Length"));
        }
      else if (soup_message_headers_get_content_length (headers) > (goffset) self->upload_max)
        {
          g_signal_handlers_disconnect_by_data (msg, self);
          refuse (self, msg, self->upload_max, self->upload_slug,
                  _("The declared Content-Length is over the limit"));
        }
      return;
    }
  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH)
    {
      /* Chunked (or to the end of the connection): counted as it comes.
       * A declared length is all libsoup reads, so a body within it
       * needs no count (a handler and a call per chunk saved on every
       * command). */
      g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), self);
      return;
    }
  if (soup_message_headers_get_content_length (headers) > (goffset) self->max_body)
    {
      g_signal_handlers_disconnect_by_data (msg, self);
      refuse (self, msg, self->max_body, "body-too-large",
              _("The declared Content-Length is over the limit"));
    }
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    WgRequestLimits   *self)
{
  /* Connected after libsoup's own got-headers handler, so the URI and
   * headers are parsed when ours runs. */
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), self);
}

WgRequestLimits *
wg_request_limits_new (SoupServer *server,
                       gsize       max_body_bytes)
{
  WgRequestLimits *self;

  g_return_val_if_fail (SOUP_IS_SERVER (server), NULL);
  g_return_val_if_fail (max_body_bytes > 0, NULL);

  self = g_new0 (WgRequestLimits, 1);
  self->server = g_object_ref (server);
  self->max_body = max_body_bytes;
  self->request_started_id = g_signal_connect (server, "request-started",
                                               G_CALLBACK (request_started_cb), self);
  return self;
}

void
wg_request_limits_free (WgRequestLimits *self)
{
  if (self == NULL)
    return;
  g_clear_signal_handler (&self->request_started_id, self->server);
  g_clear_object (&self->server);
  g_free (self->upload_path);
  g_free (self->upload_slug);
  g_free (self);
}

/* POSTs to @path may carry up to @max_bytes (instead of the general
 * limit), must declare their Content-Length, and are refused with @slug. */
void
wg_request_limits_set_upload_path (WgRequestLimits *self,
                                   const char      *path,
                                   gsize            max_bytes,
                                   const char      *slug)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (path != NULL && slug != NULL);

  g_free (self->upload_path);
  g_free (self->upload_slug);
  self->upload_path = g_strdup (path);
  self->upload_max = max_bytes;
  self->upload_slug = g_strdup (slug);
}

gsize
wg_request_limits_get_max_body (WgRequestLimits *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->max_body;
}

guint64
wg_request_limits_get_n_refused (WgRequestLimits *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_refused;
}
