/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "wg-attachment-info.h"

G_BEGIN_DECLS

#define WG_API_ERROR (wg_api_error_quark ())

/* What went wrong, in the classes that decide what a client does next
 * (protocol.md, "Idempotency and retries"). */
typedef enum {
  WG_API_ERROR_NETWORK,          /* no answer: retry with the same id */
  WG_API_ERROR_UNAUTHORIZED,     /* 401: log in again, then retry */
  WG_API_ERROR_THROTTLED,        /* 429: retry after Retry-After */
  WG_API_ERROR_SERVER,           /* 5xx: retry */
  WG_API_ERROR_TOO_LARGE,        /* 413: not stored, but the same body will not pass */
  WG_API_ERROR_REFUSED,          /* any other 4xx: a rule said no; do not retry */
  WG_API_ERROR_INVALID_RESPONSE, /* the answer was not what the API promises */
  WG_API_ERROR_INSECURE,         /* plain HTTP to a host that is not this machine */
} WgApiError;

GQuark wg_api_error_quark (void);

/* wg_api_client_when_written()'s call back. */
typedef void (*WgWrittenFunc) (gpointer user_data);

/* A refusal as the server described it (RFC 9457). */
typedef struct
{
  guint   status;
  char   *code;        /* stable slug for programs: "illegal-transition", ... */
  char   *title;
  char   *detail;
  gint64  retry_after_ms;
} WgProblem;

void       wg_problem_free        (WgProblem *problem);
gboolean   wg_api_error_is_retryable (const GError *error);

#define WG_TYPE_API_CLIENT (wg_api_client_get_type ())
G_DECLARE_FINAL_TYPE (WgApiClient, wg_api_client, WG, API_CLIENT, GObject)

WgApiClient *wg_api_client_new              (const char          *base_url,
                                             gboolean             allow_insecure,
                                             GError             **error);
const char  *wg_api_client_get_base_url     (WgApiClient         *self);
void         wg_api_client_set_token        (WgApiClient         *self,
                                             const char          *token);
const char  *wg_api_client_get_token        (WgApiClient         *self);
gboolean     wg_api_client_set_ca_file      (WgApiClient         *self,
                                             const char          *path,
                                             GError             **error);
SoupSession *wg_api_client_get_session      (WgApiClient         *self);
char        *wg_api_client_build_url        (WgApiClient         *self,
                                             const char          *path_and_query);

void         wg_api_client_request_async    (WgApiClient         *self,
                                             const char          *method,
                                             const char          *path_and_query,
                                             JsonNode            *body,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
JsonNode    *wg_api_client_request_finish   (WgApiClient         *self,
                                             GAsyncResult        *result,
                                             WgProblem          **problem,
                                             GError             **error);

void         wg_api_client_get_bytes_async  (WgApiClient         *self,
                                             const char          *path_and_query,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
GBytes      *wg_api_client_get_bytes_finish (WgApiClient         *self,
                                             GAsyncResult        *result,
                                             WgProblem          **problem,
                                             GError             **error);

void         wg_api_client_login_async      (WgApiClient         *self,
                                             const char          *username,
                                             const char          *password,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
void         wg_api_client_login_on_thread_async (WgApiClient    *self,
                                                  const char     *username,
                                                  const char     *password,
                                                  GCancellable   *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer        user_data);
JsonObject  *wg_api_client_login_finish     (WgApiClient         *self,
                                             GAsyncResult        *result,
                                             WgProblem          **problem,
                                             GError             **error);
void         wg_api_client_when_written     (WgApiClient         *self,
                                             guint                timeout_ms,
                                             WgWrittenFunc        callback,
                                             gpointer             user_data,
                                             GDestroyNotify       destroy);

void         wg_api_client_stream_async     (WgApiClient         *self,
                                             const char          *path_and_query,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data);
SoupWebsocketConnection *
             wg_api_client_stream_finish    (WgApiClient         *self,
                                             GAsyncResult        *result,
                                             GError             **error);

/* Photos (docs/api.md, "Attachments"). */
typedef enum {
  WG_ATTACHMENT_ORIGINAL,
  WG_ATTACHMENT_DISPLAY,     /* longest side <= 1600 px */
  WG_ATTACHMENT_THUMBNAIL,   /* longest side <= 320 px */
} WgAttachmentVariant;

WgAttachmentInfo *wg_attachment_info_from_json  (JsonNode            *node,
                                                 GError             **error);

void              wg_api_client_upload_async    (WgApiClient         *self,
                                                 GBytes              *bytes,
                                                 const char          *content_type,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
WgAttachmentInfo *wg_api_client_upload_finish   (WgApiClient         *self,
                                                 GAsyncResult        *result,
                                                 WgProblem          **problem,
                                                 GError             **error);
void              wg_api_client_download_async  (WgApiClient         *self,
                                                 const char          *id,
                                                 WgAttachmentVariant  variant,
                                                 const char          *if_none_match,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
void              wg_api_client_get_cached_async (WgApiClient         *self,
                                                  const char          *path_and_query,
                                                  const char          *if_none_match,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean          wg_api_client_download_finish (WgApiClient         *self,
                                                 GAsyncResult        *result,
                                                 GBytes             **bytes,
                                                 char               **etag,
                                                 char               **media_type,
                                                 WgProblem          **problem,
                                                 GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgProblem, wg_problem_free)

G_END_DECLS
