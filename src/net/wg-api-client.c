/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one door to the server's HTTP API for the console, the simulator and
 * tests: JSON in, JSON out, refusals turned into a WgProblem and a GError whose
 * code says what to do next.  libsoup's async API, on the caller's thread.
 */
#define G_LOG_DOMAIN "wg-api-client"

#include "config.h"

#include <string.h>

#include "wg-api-client.h"

G_DEFINE_QUARK (wg-api-error-quark, wg_api_error)

/* Backlog pages and position batches come over the stream in one message. */
#define STREAM_MAX_INCOMING (16 * 1024 * 1024)
#define STREAM_KEEPALIVE_S  15
#define REQUEST_TIMEOUT_S   30

struct _WgApiClient
{
  GObject      parent_instance;

  GUri        *base;
  char        *base_url;
  char        *token;
  SoupSession *session;
  guint        unwritten;  /* requests not yet written out (wg_api_client_when_written) */
  GList       *waiters;    /* of Waiter, until each is called back */
};

typedef struct
{
  WgApiClient    *client;
  WgWrittenFunc   callback;
  gpointer        user_data;
  GDestroyNotify  destroy;
  guint           source_id; /* the timeout, then the idle once all is written */
  gboolean        written;
} Waiter;

G_DEFINE_FINAL_TYPE (WgApiClient, wg_api_client, G_TYPE_OBJECT)

void
wg_problem_free (WgProblem *problem)
{
  if (problem == NULL)
    return;
  g_free (problem->code);
  g_free (problem->title);
  g_free (problem->detail);
  g_free (problem);
}

/**
 * wg_api_error_is_retryable:
 *
 * Whether the request was not stored by the server, so that sending it again
 * with the same command id is safe and may succeed (protocol.md).
 */
gboolean
wg_api_error_is_retryable (const GError *error)
{
  if (error == NULL || error->domain != WG_API_ERROR)
    return FALSE;

  switch ((WgApiError) error->code)
    {
    case WG_API_ERROR_NETWORK:
    case WG_API_ERROR_UNAUTHORIZED:
    case WG_API_ERROR_THROTTLED:
    case WG_API_ERROR_SERVER:
      return TRUE;
    case WG_API_ERROR_TOO_LARGE:
    case WG_API_ERROR_REFUSED:
    case WG_API_ERROR_INVALID_RESPONSE:
    case WG_API_ERROR_INSECURE:
    default:
      return FALSE;
    }
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr(GInetAddress) address = NULL;

  if (host == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  address = g_inet_address_new_from_string (host);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

static void
waiter_free (Waiter *waiter)
{
  g_clear_handle_id (&waiter->source_id, g_source_remove);
  if (waiter->destroy != NULL)
    waiter->destroy (waiter->user_data);
  g_free (waiter);
}

static gboolean
waiter_call_cb (gpointer user_data)
{
  Waiter *waiter = user_data;

  waiter->source_id = 0;
  waiter->client->waiters = g_list_remove (waiter->client->waiters, waiter);
  waiter->callback (waiter->user_data);
  waiter_free (waiter);
  return G_SOURCE_REMOVE;
}

/* Each waiter's timeout gives way to an idle: called back from the main
 * loop, never from within libsoup's signal. */
static void
waiters_written (WgApiClient *self)
{
  for (GList *l = self->waiters; l != NULL; l = l->next)
    {
      Waiter *waiter = l->data;

      if (waiter->written)
        continue;
      waiter->written = TRUE;
      g_clear_handle_id (&waiter->source_id, g_source_remove);
      waiter->source_id = g_idle_add (waiter_call_cb, waiter);
    }
}

static void
wg_api_client_finalize (GObject *object)
{
  WgApiClient *self = WG_API_CLIENT (object);

  /* Not called back: the caller's data is let go. */
  g_list_free_full (g_steal_pointer (&self->waiters), (GDestroyNotify) waiter_free);

  g_clear_pointer (&self->base, g_uri_unref);
  g_clear_pointer (&self->base_url, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (wg_api_client_parent_class)->finalize (object);
}

static void
wg_api_client_class_init (WgApiClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wg_api_client_finalize;
}

static SoupSession *
session_new (void)
{
  return soup_session_new_with_options ("user-agent", "wangge/" PACKAGE_VERSION,
                                        "timeout", REQUEST_TIMEOUT_S,
                                        NULL);
}

static void
wg_api_client_init (WgApiClient *self)
{
  self->session = session_new ();
}

/**
 * wg_api_client_new:
 * @base_url: the server, e.g. https://wangge.example.org or http://127.0.0.1:8470
 * @allow_insecure: allow plain HTTP to a host other than this machine
 *
 * Plain HTTP would carry passwords and residents' data in the clear, so it is
 * refused for anything but loopback unless explicitly allowed.
 */
WgApiClient *
wg_api_client_new (const char  *base_url,
                   gboolean     allow_insecure,
                   GError     **error)
{
  g_autoptr(WgApiClient) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) parse_error = NULL;
  const char *scheme;

  g_return_val_if_fail (base_url != NULL, NULL);

  uri = g_uri_parse (base_url, G_URI_FLAGS_NONE, &parse_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, WG_API_ERROR, WG_API_ERROR_INSECURE,
                   "“%s” is not a server address", base_url);
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (!g_str_equal (scheme, "https") && !g_str_equal (scheme, "http"))
    {
      g_set_error (error, WG_API_ERROR, WG_API_ERROR_INSECURE,
                   "“%s” is not an http:// or https:// address", base_url);
      return NULL;
    }
  if (g_str_equal (scheme, "http") && !allow_insecure && !host_is_loopback (g_uri_get_host (uri)))
    {
      g_set_error (error, WG_API_ERROR, WG_API_ERROR_INSECURE,
                   "Plain HTTP to %s would send passwords in the clear: use https://",
                   g_uri_get_host (uri));
      return NULL;
    }

  self = g_object_new (WG_TYPE_API_CLIENT, NULL);
  self->base = g_steal_pointer (&uri);
  self->base_url = g_strdup (base_url);
  /* Strip a trailing slash: paths are appended with their own. */
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  return g_steal_pointer (&self);
}

const char *
wg_api_client_get_base_url (WgApiClient *self)
{
  g_return_val_if_fail (WG_IS_API_CLIENT (self), NULL);
  return self->base_url;
}

void
wg_api_client_set_token (WgApiClient *self,
                         const char  *token)
{
  g_return_if_fail (WG_IS_API_CLIENT (self));

  if (g_strcmp0 (self->token, token) == 0)
    return;
  g_free (self->token);
  self->token = g_strdup (token);
}

const char *
wg_api_client_get_token (WgApiClient *self)
{
  g_return_val_if_fail (WG_IS_API_CLIENT (self), NULL);
  return self->token;
}

/* A centre with its own certificate authority gives its CA file. */
gboolean
wg_api_client_set_ca_file (WgApiClient  *self,
                           const char   *path,
                           GError      **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (WG_IS_API_CLIENT (self), FALSE);

  database = g_tls_file_database_new (path, error);
  if (database == NULL)
    return FALSE;
  soup_session_set_tls_database (self->session, database);
  return TRUE;
}

SoupSession *
wg_api_client_get_session (WgApiClient *self)
{
  g_return_val_if_fail (WG_IS_API_CLIENT (self), NULL);
  return self->session;
}

char *
wg_api_client_build_url (WgApiClient *self,
                         const char  *path_and_query)
{
  g_return_val_if_fail (WG_IS_API_CLIENT (self), NULL);
  g_return_val_if_fail (path_and_query != NULL && path_and_query[0] == '/', NULL);

  return g_strconcat (self->base_url, path_and_query, NULL);
}

typedef struct
{
  SoupMessage *message;
  WgProblem   *problem;
  gboolean     raw;          /* a download: the bytes, not JSON */
  char        *etag;
  char        *media_type;
  WgApiClient *client;       /* counts it in unwritten until it is written or ends */
} RequestData;

static void
request_written (RequestData *data)
{
  if (data->client == NULL)
    return;
  data->client->unwritten--;
  if (data->client->unwritten == 0)
    waiters_written (data->client);
  data->client = NULL;
}

static void
request_data_free (RequestData *data)
{
  request_written (data);
  g_clear_object (&data->message);
  g_clear_pointer (&data->problem, wg_problem_free);
  g_free (data->etag);
  g_free (data->media_type);
  g_free (data);
}

static WgApiError
error_for_status (guint status)
{
  if (status == SOUP_STATUS_UNAUTHORIZED)
    return WG_API_ERROR_UNAUTHORIZED;
  if (status == 429) /* Too Many Requests: libsoup 3.2 has no name for it */
    return WG_API_ERROR_THROTTLED;
  if (status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE)
    return WG_API_ERROR_TOO_LARGE;
  if (status >= 500)
    return WG_API_ERROR_SERVER;
  return WG_API_ERROR_REFUSED;
}

static char *
dup_member (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return g_strdup (json_node_get_string (node));
}

static WgProblem *
problem_from_answer (SoupMessage *message,
                     JsonNode    *body)
{
  WgProblem *problem = g_new0 (WgProblem, 1);
  JsonObject *object = body != NULL && JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body)
                                                                      : NULL;
  const char *retry_after = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                          "Retry-After");

  problem->status = soup_message_get_status (message);
  problem->code = dup_member (object, "code");
  problem->title = dup_member (object, "title");
  problem->detail = dup_member (object, "detail");
  if (problem->title == NULL)
    problem->title = g_strdup (soup_message_get_reason_phrase (message));
  if (retry_after != NULL)
    {
      guint64 seconds;

      if (g_ascii_string_to_unsigned (retry_after, 10, 0, 86400, &seconds, NULL))
        problem->retry_after_ms = seconds * 1000;
    }
  return problem;
}

/* The answer (@bytes, or @error: both taken) checked and handed to @task,
 * whether sent from the main loop or on a thread. */
static void
request_answered (GTask  *task,
                  GBytes *answer,
                  GError *send_error)
{
  RequestData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = send_error;
  g_autoptr(GBytes) bytes = answer;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(JsonNode) body = NULL;
  const char *content_type;
  guint status;

  request_written (data);
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_NETWORK,
                                 "The server cannot be reached: %s", error->message);
      return;
    }

  status = soup_message_get_status (data->message);
  content_type = soup_message_headers_get_content_type (
    soup_message_get_response_headers (data->message), NULL);

  if (data->raw && (status == SOUP_STATUS_OK || status == SOUP_STATUS_NOT_MODIFIED))
    {
      SoupMessageHeaders *headers = soup_message_get_response_headers (data->message);

      data->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
      data->media_type = g_strdup (content_type);
      /* Not modified: TRUE with no bytes. */
      if (status == SOUP_STATUS_NOT_MODIFIED)
        g_task_return_pointer (task, NULL, NULL);
      else
        g_task_return_pointer (task, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
      return;
    }

  if (g_bytes_get_size (bytes) > 0 && content_type != NULL
      && (g_str_equal (content_type, "application/json")
          || g_str_equal (content_type, "application/problem+json")))
    {
      parser = json_parser_new_immutable ();
      if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL),
                                       g_bytes_get_size (bytes), &error))
        {
          g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_INVALID_RESPONSE,
                                   "The server answered malformed JSON: %s", error->message);
          return;
        }
      body = json_parser_steal_root (parser);
    }

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      if (body == NULL)
        body = json_node_new (JSON_NODE_NULL);
      g_task_return_pointer (task, g_steal_pointer (&body), (GDestroyNotify) json_node_unref);
      return;
    }

  data->problem = problem_from_answer (data->message, body);
  g_task_return_new_error (task, WG_API_ERROR, error_for_status (status), "%s%s%s",
                           data->problem->title != NULL ? data->problem->title : "Refused",
                           data->problem->detail != NULL ? ": " : "",
                           data->problem->detail != NULL ? data->problem->detail : "");
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GError *error = NULL;
  GBytes *bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  request_answered (user_data, bytes, error);
  g_object_unref (user_data);
}

typedef struct
{
  GTask        *task;      /* the request's */
  GTlsDatabase *database;  /* the client's session's (its own CA file, or the system's) */
} ThreadSend;

static void
thread_send_free (ThreadSend *send)
{
  g_object_unref (send->task);
  g_clear_object (&send->database);
  g_free (send);
}

/* A request sent on a thread of its own, with a session of its own made
 * there: the message is the thread's until the answer comes back to the
 * main context. */
static void
send_on_thread (GTask        *thread_task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  ThreadSend *send = task_data;
  RequestData *data = g_task_get_task_data (send->task);
  g_autoptr(SoupSession) session = session_new ();
  GError *error = NULL;
  GBytes *bytes;

  if (send->database != NULL)
    soup_session_set_tls_database (session, send->database);
  bytes = soup_session_send_and_read (session, data->message, cancellable, &error);
  if (bytes == NULL)
    g_task_return_error (thread_task, error);
  else
    g_task_return_pointer (thread_task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
sent_on_thread_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GError *error = NULL;
  GBytes *bytes = g_task_propagate_pointer (G_TASK (result), &error);
  ThreadSend *send = g_task_get_task_data (G_TASK (result));

  request_answered (send->task, bytes, error);
}

/* Sends @body (raw, of @content_type) and answers on @task, whose task
 * data it sets; @on_thread: not from the main loop but on a thread, sent
 * at once whatever keeps the main loop busy. */
static void
start_request (WgApiClient  *self,
               GTask        *task,
               const char   *method,
               const char   *path_and_query,
               const char   *content_type,
               GBytes       *body,
               const char   *if_none_match,
               gboolean      raw,
               gboolean      on_thread)
{
  g_autofree char *url = NULL;
  RequestData *data;

  url = wg_api_client_build_url (self, path_and_query);
  data = g_new0 (RequestData, 1);
  data->raw = raw;
  data->message = soup_message_new (method, url);
  g_task_set_task_data (task, data, (GDestroyNotify) request_data_free);
  if (data->message == NULL)
    {
      g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_INVALID_RESPONSE,
                               "“%s” is not a valid request address", url);
      g_object_unref (task);
      return;
    }

  if (self->token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (data->message),
                                    "Authorization", authorization);
    }
  if (!raw)
    soup_message_headers_replace (soup_message_get_request_headers (data->message),
                                  "Accept", "application/json, application/problem+json");
  if (if_none_match != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (data->message),
                                  "If-None-Match", if_none_match);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (data->message, content_type, body);

  if (on_thread)
    {
      g_autoptr(GTask) thread_task = g_task_new (self, g_task_get_cancellable (task),
                                                 sent_on_thread_cb, NULL);
      ThreadSend *send = g_new0 (ThreadSend, 1);

      send->task = task;
      g_set_object (&send->database, soup_session_get_tls_database (self->session));
      g_task_set_task_data (thread_task, send, (GDestroyNotify) thread_send_free);
      g_task_run_in_thread (thread_task, send_on_thread);
      return;
    }
  data->client = self;
  self->unwritten++;
  g_signal_connect_swapped (data->message, "wrote-body", G_CALLBACK (request_written), data);
  soup_session_send_and_read_async (self->session, data->message, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), request_done_cb, task);
}

static void
request_json (WgApiClient         *self,
              const char          *method,
              const char          *path_and_query,
              JsonNode            *body,
              gboolean             on_thread,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  GTask *task;
  g_autoptr(GBytes) bytes = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_api_client_request_async);
  if (body != NULL)
    {
      char *text = json_to_string (body, FALSE);

      bytes = g_bytes_new_take (text, strlen (text));
    }
  start_request (self, task, method, path_and_query, "application/json", bytes, NULL, FALSE, on_thread);
}

/**
 * wg_api_client_request_async:
 * @body: (nullable): the JSON body, sent as application/json
 */
void
wg_api_client_request_async (WgApiClient         *self,
                             const char          *method,
                             const char          *path_and_query,
                             JsonNode            *body,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (WG_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL && path_and_query != NULL);

  request_json (self, method, path_and_query, body, FALSE, cancellable, callback, user_data);
}

/**
 * wg_api_client_request_finish:
 * @problem: (out) (optional) (transfer full): the server's refusal, when it sent one
 *
 * Returns: (transfer full): the answer's JSON (a null node for an empty
 *   answer), or %NULL with @error set
 */
JsonNode *
wg_api_client_request_finish (WgApiClient   *self,
                              GAsyncResult  *result,
                              WgProblem    **problem,
                              GError       **error)
{
  RequestData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (problem != NULL)
    *problem = data != NULL ? g_steal_pointer (&data->problem) : NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
login_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  WgApiClient *self = WG_API_CLIENT (source);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonObject *object;
  const char *token;

  answer = wg_api_client_request_finish (self, result, &problem, &error);
  if (answer == NULL)
    {
      RequestData *data = g_new0 (RequestData, 1);

      /* Handed to wg_api_client_login_finish() like a request's own. */
      data->problem = g_steal_pointer (&problem);
      g_task_set_task_data (task, data, (GDestroyNotify) request_data_free);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  object = JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  token = object != NULL ? json_object_get_string_member_with_default (object, "token", NULL) : NULL;
  if (token == NULL || *token == '\0')
    {
      g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_INVALID_RESPONSE,
                               "The server's answer to the login has no token");
      return;
    }

  wg_api_client_set_token (self, token);
  g_task_return_pointer (task, json_object_ref (object), (GDestroyNotify) json_object_unref);
}

static void
login (WgApiClient         *self,
       const char          *username,
       const char          *password,
       gboolean             on_thread,
       GCancellable        *cancellable,
       GAsyncReadyCallback  callback,
       gpointer             user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) body = NULL;
  GTask *task;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_api_client_login_async);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  request_json (self, "POST", "/api/v1/session", body, on_thread, cancellable, login_done_cb, task);
}

void
wg_api_client_login_async (WgApiClient         *self,
                           const char          *username,
                           const char          *password,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (WG_IS_API_CLIENT (self));
  g_return_if_fail (username != NULL && password != NULL);

  login (self, username, password, FALSE, cancellable, callback, user_data);
}

/**
 * wg_api_client_login_on_thread_async:
 *
 * wg_api_client_login_async(), but sent at once on a thread of its own
 * (the answer comes back on the main context, to
 * wg_api_client_login_finish()): for a login made before something that
 * keeps the main loop busy (GTK's start-up), which the server works on
 * meanwhile.
 */
void
wg_api_client_login_on_thread_async (WgApiClient         *self,
                                     const char          *username,
                                     const char          *password,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_return_if_fail (WG_IS_API_CLIENT (self));
  g_return_if_fail (username != NULL && password != NULL);

  login (self, username, password, TRUE, cancellable, callback, user_data);
}

/**
 * wg_api_client_when_written:
 * @callback: called once, from the main loop
 * @destroy: (nullable): frees @user_data after @callback, or when the
 *   client goes first
 *
 * Calls @callback back when every request sent so far is written out
 * (its answer may be on its way), or when @timeout_ms passed: for a
 * caller about to keep the main loop busy (building a window) while the
 * server works on them.  Nothing waits here: the caller returns and goes
 * on in @callback.
 */
void
wg_api_client_when_written (WgApiClient    *self,
                            guint           timeout_ms,
                            WgWrittenFunc   callback,
                            gpointer        user_data,
                            GDestroyNotify  destroy)
{
  Waiter *waiter;

  g_return_if_fail (WG_IS_API_CLIENT (self));
  g_return_if_fail (callback != NULL);

  waiter = g_new0 (Waiter, 1);
  waiter->client = self;
  waiter->callback = callback;
  waiter->user_data = user_data;
  waiter->destroy = destroy;
  waiter->written = self->unwritten == 0;
  waiter->source_id = waiter->written ? g_idle_add (waiter_call_cb, waiter)
                                      : g_timeout_add (timeout_ms, waiter_call_cb, waiter);
  self->waiters = g_list_prepend (self->waiters, waiter);
}

/**
 * wg_api_client_login_finish:
 *
 * On success the client keeps the token for every later request.
 *
 * Returns: (transfer full): the session: token, role, expires, unit
 */
JsonObject *
wg_api_client_login_finish (WgApiClient   *self,
                            GAsyncResult  *result,
                            WgProblem    **problem,
                            GError       **error)
{
  RequestData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (problem != NULL)
    *problem = data != NULL ? g_steal_pointer (&data->problem) : NULL;
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
stream_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  connection = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (connection == NULL)
    {
      SoupMessage *message = g_task_get_task_data (task);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      /* A token refused at the handshake, as any request's 401: log in again. */
      else if (soup_message_get_status (message) == SOUP_STATUS_UNAUTHORIZED)
        g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_UNAUTHORIZED,
                                 "The live stream cannot be opened: %s", error->message);
      else
        g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_NETWORK,
                                 "The live stream cannot be opened: %s", error->message);
      return;
    }

  soup_websocket_connection_set_max_incoming_payload_size (connection, STREAM_MAX_INCOMING);
  soup_websocket_connection_set_keepalive_interval (connection, STREAM_KEEPALIVE_S);
  g_task_return_pointer (task, connection, g_object_unref);
}

void
wg_api_client_stream_async (WgApiClient         *self,
                            const char          *path_and_query,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(SoupMessage) message = NULL;
  g_autofree char *url = NULL;
  GTask *task;

  g_return_if_fail (WG_IS_API_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_api_client_stream_async);

  url = wg_api_client_build_url (self, path_and_query);
  message = soup_message_new ("GET", url);
  if (message == NULL)
    {
      g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_INVALID_RESPONSE,
                               "“%s” is not a valid stream address", url);
      g_object_unref (task);
      return;
    }
  if (self->token != NULL)
    {
      g_autofree char *authorization = g_strconcat ("Bearer ", self->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization",
                                    authorization);
    }

  g_task_set_task_data (task, g_object_ref (message), g_object_unref);
  soup_session_websocket_connect_async (self->session, message, NULL, NULL, G_PRIORITY_DEFAULT,
                                        cancellable, stream_done_cb, task);
}

SoupWebsocketConnection *
wg_api_client_stream_finish (WgApiClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- attachments -------------------------------------------------------- */

/**
 * wg_attachment_info_from_json:
 *
 * Reads the answer of POST /api/v1/attachments.
 */
WgAttachmentInfo *
wg_attachment_info_from_json (JsonNode  *node,
                              GError   **error)
{
  JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  g_autoptr(WgAttachmentInfo) info = g_new0 (WgAttachmentInfo, 1);

  info->id = dup_member (object, "id");
  info->media_type = dup_member (object, "media_type");
  info->sha256 = dup_member (object, "sha256");
  if (info->id == NULL || !g_uuid_string_is_valid (info->id) || info->media_type == NULL || info->sha256 == NULL)
    {
      g_set_error_literal (error, WG_API_ERROR, WG_API_ERROR_INVALID_RESPONSE,
                           "The server’s answer to an upload has no id, media type or sha256");
      return NULL;
    }
  info->width = (guint) json_object_get_int_member_with_default (object, "width", 0);
  info->height = (guint) json_object_get_int_member_with_default (object, "height", 0);
  info->bytes = json_object_get_int_member_with_default (object, "bytes", 0);
  return g_steal_pointer (&info);
}

/**
 * wg_api_client_upload_async:
 * @bytes: the file, JPEG or PNG, at most 8 MiB
 * @content_type: (nullable): "image/jpeg" or "image/png" (the server checks the content)
 *
 * POST /api/v1/attachments.  Refusals: WG_API_ERROR_TOO_LARGE (413
 * too-large), WG_API_ERROR_REFUSED (415 unsupported-media-type, 422
 * image-too-many-pixels / image-malformed, 403), or the retryable classes.
 */
void
wg_api_client_upload_async (WgApiClient         *self,
                            GBytes              *bytes,
                            const char          *content_type,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WG_IS_API_CLIENT (self));
  g_return_if_fail (bytes != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_api_client_upload_async);
  start_request (self, task, "POST", "/api/v1/attachments",
                 content_type != NULL ? content_type : "application/octet-stream", bytes, NULL, FALSE,
                 FALSE);
}

/**
 * wg_api_client_upload_finish:
 * @problem: (out) (optional) (transfer full): the server's refusal, when it sent one
 *
 * Returns: (transfer full): the new attachment, or %NULL with @error set
 */
WgAttachmentInfo *
wg_api_client_upload_finish (WgApiClient   *self,
                             GAsyncResult  *result,
                             WgProblem    **problem,
                             GError       **error)
{
  g_autoptr(JsonNode) node = NULL;
  RequestData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (problem != NULL)
    *problem = data != NULL ? g_steal_pointer (&data->problem) : NULL;
  node = g_task_propagate_pointer (G_TASK (result), error);
  if (node == NULL)
    return NULL;
  return wg_attachment_info_from_json (node, error);
}

static const char *const variant_suffix[] = {
  [WG_ATTACHMENT_ORIGINAL] = "",
  [WG_ATTACHMENT_DISPLAY] = "/display",
  [WG_ATTACHMENT_THUMBNAIL] = "/thumbnail",
};

/**
 * wg_api_client_download_async:
 * @id: the attachment's id (from an event's `attachments`)
 * @if_none_match: (nullable): the ETag of a cached copy
 *
 * GET /api/v1/attachments/{id}[/display|/thumbnail].  Not permitted and
 * unknown are the same WG_API_ERROR_REFUSED (404 unknown-attachment).
 */
void
wg_api_client_download_async (WgApiClient          *self,
                              const char           *id,
                              WgAttachmentVariant   variant,
                              const char           *if_none_match,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data)
{
  g_autofree char *path = NULL;
  GTask *task;

  g_return_if_fail (WG_IS_API_CLIENT (self));
  g_return_if_fail (id != NULL);
  g_return_if_fail ((guint) variant < G_N_ELEMENTS (variant_suffix));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_api_client_download_async);
  if (!g_uuid_string_is_valid (id))
    {
      g_task_return_new_error (task, WG_API_ERROR, WG_API_ERROR_REFUSED, "“%s” is not an attachment id", id);
      g_object_unref (task);
      return;
    }
  path = g_strconcat ("/api/v1/attachments/", id, variant_suffix[variant], NULL);
  start_request (self, task, "GET", path, NULL, NULL, if_none_match, TRUE, FALSE);
}

/**
 * wg_api_client_get_cached_async:
 * @if_none_match: (nullable): the ETag of the copy the caller holds
 *
 * A GET of something the caller keeps a copy of, left unparsed; finish it
 * with wg_api_client_download_finish(): no bytes when the copy is current.
 */
void
wg_api_client_get_cached_async (WgApiClient         *self,
                                const char          *path_and_query,
                                const char          *if_none_match,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WG_IS_API_CLIENT (self));
  g_return_if_fail (path_and_query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_api_client_get_cached_async);
  start_request (self, task, "GET", path_and_query, NULL, NULL, if_none_match, TRUE, FALSE);
}

/**
 * wg_api_client_download_finish:
 * @bytes: (out) (transfer full): the image, or %NULL when the server said
 *   304 (the copy with @if_none_match's ETag is current)
 * @etag: (out) (optional) (transfer full): the ETag (quoted sha256)
 * @media_type: (out) (optional) (transfer full): "image/jpeg" or "image/png"
 * @problem: (out) (optional) (transfer full): the server's refusal
 *
 * Returns: TRUE on 200 or 304
 */
gboolean
wg_api_client_download_finish (WgApiClient   *self,
                               GAsyncResult  *result,
                               GBytes       **bytes,
                               char         **etag,
                               char         **media_type,
                               WgProblem    **problem,
                               GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  RequestData *data;
  GBytes *answer;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  *bytes = NULL;
  data = g_task_get_task_data (G_TASK (result));
  if (problem != NULL)
    *problem = data != NULL ? g_steal_pointer (&data->problem) : NULL;
  answer = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *bytes = answer;
  if (etag != NULL)
    *etag = data != NULL ? g_steal_pointer (&data->etag) : NULL;
  if (media_type != NULL)
    *media_type = data != NULL ? g_steal_pointer (&data->media_type) : NULL;
  return TRUE;
}

/**
 * wg_api_client_get_bytes_async:
 *
 * A GET whose JSON answer is left unparsed, for a worker thread to parse
 * (journal pages and snapshots are large).  A refusal is read as
 * wg_api_client_request_async() reads it.
 */
void
wg_api_client_get_bytes_async (WgApiClient         *self,
                               const char          *path_and_query,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WG_IS_API_CLIENT (self));
  g_return_if_fail (path_and_query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_api_client_get_bytes_async);
  start_request (self, task, "GET", path_and_query, NULL, NULL, NULL, TRUE, FALSE);
}

/**
 * wg_api_client_get_bytes_finish:
 * @problem: (out) (optional) (transfer full): the server's refusal
 *
 * Returns: (transfer full): the answer's body, or %NULL with @error set
 */
GBytes *
wg_api_client_get_bytes_finish (WgApiClient   *self,
                                GAsyncResult  *result,
                                WgProblem    **problem,
                                GError       **error)
{
  RequestData *data;
  GBytes *bytes;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (problem != NULL)
    *problem = data != NULL ? g_steal_pointer (&data->problem) : NULL;
  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (bytes == NULL && error != NULL && *error == NULL)
    g_set_error_literal (error, WG_API_ERROR, WG_API_ERROR_INVALID_RESPONSE, "The server answered nothing");
  return bytes;
}
