/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-sim-net"

#include "config.h"

#include "wg-sim-net.h"

#include <string.h>

#include "src/core/wg-backoff.h"

#define LOGIN_RETRY_BASE_MS 200
#define RETRY_BASE_MS       100
#define RETRY_MAX_MS        5000

typedef enum {
  ACCOUNT_LOGGED_OUT,
  ACCOUNT_LOGIN_QUEUED,
  ACCOUNT_LOGGING_IN,
  ACCOUNT_READY,
} AccountState;

typedef enum {
  KIND_COMMAND,
  KIND_POSITIONS,
  KIND_HEALTH,
  KIND_GET,
  KIND_POSITIONS_RAW,   /* counted as positions */
  KIND_UPLOAD,          /* a photo; not counted among commands */
} Kind;

typedef struct _Account Account;

typedef struct
{
  WgSimNet     *net;
  Account      *account;     /* NULL for health */
  Kind          kind;
  char         *id;          /* command id, for the log */
  JsonNode     *envelope;    /* what is POSTed, the same on every attempt */
  WgSimNetDone  done;
  gpointer      user_data;
  GDestroyNotify destroy;
  WgBackoff     backoff;
  gint64        sent_us;
  guint         retry_id;
  gboolean      first_sent;
  guint         slot;        /* health: which anonymous client */
  char         *path;        /* KIND_GET */
  GBytes       *raw;         /* KIND_POSITIONS_RAW */
} Pending;

struct _Account
{
  WgSimNet    *net;
  char        *username;    /* the key: "admin#3" is a second client of admin */
  char        *login;
  WgApiClient *client;
  AccountState state;
  GQueue       waiting;      /* Pending* until logged in */
  WgBackoff    backoff;
  guint        retry_id;
};

struct _WgSimNet
{
  char          *base_url;
  char          *password;
  char          *commands_path;  /* the live one, or an exercise's */
  char          *positions_path; /* likewise */
  guint32        seed;
  GHashTable    *accounts;   /* username -> Account* */
  WgApiClient   *anonymous[WG_SIM_NET_HEALTH_SLOTS];
  GCancellable  *cancellable;
  GHashTable    *timed;      /* Pending* waiting for a retry timer */
  gboolean       stopped;
  guint          in_flight;
  guint          logins_in_flight;
  GQueue         login_queue; /* Account* waiting for a free login slot */
  guint          outstanding;  /* requests not yet done with: sent, waiting for a login or a retry */
  gint64         offset_ms;  /* server - local */
  WgSimNetStats  stats;
  GArray        *latency[WG_SIM_N_LATENCIES];  /* float ms */
};

static void pending_send (Pending *pending);
static void pending_answered (Pending *pending, JsonNode *answer, WgProblem *problem, GError *error);
static void account_login (Account *account);
static void login_next_queued (WgSimNet *self);

/* Every simulated device logs in from this one address, and the server
 * counts logins still being checked against that address's ceiling
 * (protocol.md, "Limits"): sixty grid workers logging in at once got 429s
 * and backed off for seconds.  A few at a time keep the server's password
 * threads busy without touching the ceiling. */
#define MAX_LOGINS_IN_FLIGHT 4

static void
pending_free (Pending *pending)
{
  pending->net->outstanding--;
  if (pending->destroy != NULL)
    pending->destroy (pending->user_data);
  g_clear_pointer (&pending->envelope, json_node_unref);
  g_free (pending->id);
  g_free (pending->path);
  g_clear_pointer (&pending->raw, g_bytes_unref);
  wg_backoff_clear (&pending->backoff);
  g_free (pending);
}

static void
account_free (Account *account)
{
  Pending *pending;

  g_clear_handle_id (&account->retry_id, g_source_remove);
  while ((pending = g_queue_pop_head (&account->waiting)) != NULL)
    pending_free (pending);
  g_clear_object (&account->client);
  wg_backoff_clear (&account->backoff);
  g_free (account->username);
  g_free (account->login);
  g_free (account);
}

WgSimNet *
wg_sim_net_new (const char  *base_url,
                const char  *password,
                guint32      seed,
                GError     **error)
{
  WgSimNet *self;
  g_autoptr(WgApiClient) probe = NULL;

  g_return_val_if_fail (base_url != NULL && password != NULL, NULL);

  probe = wg_api_client_new (base_url, FALSE, error);
  if (probe == NULL)
    return NULL;
  self = g_new0 (WgSimNet, 1);
  self->base_url = g_strdup (base_url);
  self->password = g_strdup (password);
  self->commands_path = g_strdup ("/api/v1/commands");
  self->positions_path = g_strdup ("/api/v1/positions");
  self->seed = seed;
  self->anonymous[0] = g_steal_pointer (&probe);
  for (guint i = 1; i < WG_SIM_NET_HEALTH_SLOTS; i++)
    self->anonymous[i] = wg_api_client_new (base_url, FALSE, NULL);
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) account_free);
  self->timed = g_hash_table_new (NULL, NULL);
  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < WG_SIM_N_LATENCIES; i++)
    self->latency[i] = g_array_new (FALSE, FALSE, sizeof (float));
  return self;
}

void
wg_sim_net_stop (WgSimNet *self)
{
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (self != NULL);

  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_hash_table_iter_init (&iter, self->timed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Pending *pending = key;

      g_clear_handle_id (&pending->retry_id, g_source_remove);
      pending_free (pending);
    }
  g_hash_table_remove_all (self->timed);
}

void
wg_sim_net_set_commands_path (WgSimNet   *self,
                              const char *path)
{
  g_free (self->commands_path);
  self->commands_path = g_strdup (path);
}

void
wg_sim_net_set_positions_path (WgSimNet   *self,
                               const char *path)
{
  g_free (self->positions_path);
  self->positions_path = g_strdup (path);
}

void
wg_sim_net_free (WgSimNet *self)
{
  if (self == NULL)
    return;
  wg_sim_net_stop (self);
  /* Cancelled requests finish on a later main-loop turn. */
  while (self->in_flight > 0)
    g_main_context_iteration (NULL, TRUE);
  g_queue_clear (&self->login_queue);
  g_hash_table_destroy (self->accounts);
  g_hash_table_destroy (self->timed);
  for (guint i = 0; i < WG_SIM_NET_HEALTH_SLOTS; i++)
    g_clear_object (&self->anonymous[i]);
  g_clear_object (&self->cancellable);
  for (guint i = 0; i < WG_SIM_N_LATENCIES; i++)
    g_array_unref (self->latency[i]);
  g_free (self->base_url);
  g_free (self->password);
  g_free (self->commands_path);
  g_free (self->positions_path);
  g_free (self);
}

static Account *
lookup_account (WgSimNet   *self,
                const char *username)
{
  Account *account = g_hash_table_lookup (self->accounts, username);

  if (account == NULL)
    {
      account = g_new0 (Account, 1);
      account->net = self;
      account->username = g_strdup (username);
      account->login = g_strndup (username, strcspn (username, "#"));
      /* Only a loopback or https URL got this far (wg_sim_net_new). */
      account->client = wg_api_client_new (self->base_url, FALSE, NULL);
      g_assert (account->client != NULL);
      g_queue_init (&account->waiting);
      wg_backoff_init (&account->backoff, LOGIN_RETRY_BASE_MS, RETRY_MAX_MS,
                       self->seed ^ g_str_hash (username));
      g_hash_table_insert (self->accounts, account->username, account);
    }
  return account;
}

static void
note_server_time (WgSimNet *self,
                  JsonNode *answer)
{
  JsonObject *object = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;

  if (object != NULL && json_object_has_member (object, "server_time"))
    self->offset_ms = json_object_get_int_member (object, "server_time") - g_get_real_time () / 1000;
}

static gboolean
account_login_again_cb (gpointer data)
{
  Account *account = data;

  account->retry_id = 0;
  account_login (account);
  return G_SOURCE_REMOVE;
}

static void
login_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Account *account = user_data;
  WgSimNet *self = account->net;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonObject) session = NULL;
  Pending *pending;

  self->in_flight--;
  self->logins_in_flight--;
  session = wg_api_client_login_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (self->stopped)
    return;
  login_next_queued (self);
  if (session == NULL)
    {
      gint64 delay = wg_backoff_next_delay_ms (&account->backoff,
                                               problem != NULL ? problem->retry_after_ms : 0);

      /* A wrong password is not going to get better, but the server may
       * be restarting with its accounts not yet seeded: keep trying,
       * slowly, and say so. */
      if (g_error_matches (error, WG_API_ERROR, WG_API_ERROR_UNAUTHORIZED))
        {
          g_warning ("Login of %s refused: %s", account->username, error->message);
          delay = MAX (delay, 2000);
        }
      self->stats.retries++;
      account->state = ACCOUNT_LOGGED_OUT;
      account->retry_id = g_timeout_add (MAX (delay, 10), account_login_again_cb, account);
      return;
    }

  self->stats.logins++;
  if (json_object_has_member (session, "server_time"))
    self->offset_ms = json_object_get_int_member (session, "server_time") - g_get_real_time () / 1000;
  wg_backoff_reset (&account->backoff);
  account->state = ACCOUNT_READY;
  while ((pending = g_queue_pop_head (&account->waiting)) != NULL)
    pending_send (pending);
}

static void
account_login (Account *account)
{
  WgSimNet *self = account->net;

  if (account->state != ACCOUNT_LOGGED_OUT || account->retry_id != 0 || self->stopped)
    return;
  if (self->logins_in_flight >= MAX_LOGINS_IN_FLIGHT)
    {
      account->state = ACCOUNT_LOGIN_QUEUED;
      g_queue_push_tail (&self->login_queue, account);
      return;
    }
  account->state = ACCOUNT_LOGGING_IN;
  self->in_flight++;
  self->logins_in_flight++;
  wg_api_client_login_async (account->client, account->login, self->password,
                             self->cancellable, login_done_cb, account);
}

static void
login_next_queued (WgSimNet *self)
{
  Account *account;

  while (self->logins_in_flight < MAX_LOGINS_IN_FLIGHT
         && (account = g_queue_pop_head (&self->login_queue)) != NULL)
    {
      account->state = ACCOUNT_LOGGED_OUT;
      account_login (account);
    }
}

static gboolean
retry_cb (gpointer data)
{
  Pending *pending = data;

  pending->retry_id = 0;
  g_hash_table_remove (pending->net->timed, pending);
  pending_send (pending);
  return G_SOURCE_REMOVE;
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Pending *pending = user_data;
  WgSimNet *self = pending->net;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;

  self->in_flight--;
  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  pending_answered (pending, answer, problem, error);
}

static void
upload_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(WgAttachmentInfo) info = NULL;
  g_autoptr(JsonNode) answer = NULL;

  pending->net->in_flight--;
  info = wg_api_client_upload_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (info != NULL)
    {
      JsonObject *object = json_object_new ();

      json_object_set_string_member (object, "id", info->id);
      json_object_set_string_member (object, "media_type", info->media_type);
      json_object_set_string_member (object, "sha256", info->sha256);
      answer = json_node_init_object (json_node_alloc (), object);
      json_object_unref (object);
    }
  pending_answered (pending, answer, problem, error);
}

static void
pending_answered (Pending   *pending,
                  JsonNode  *answer,
                  WgProblem *problem,
                  GError    *error)
{
  WgSimNet *self = pending->net;

  if (self->stopped)
    {
      pending_free (pending);
      return;
    }
  if (answer != NULL)
    {
      float ms = (g_get_monotonic_time () - pending->sent_us) / 1000.0f;

      note_server_time (self, answer);
      if (pending->kind < (Kind) WG_SIM_N_LATENCIES || pending->kind == KIND_POSITIONS_RAW)
        {
          Kind kind = pending->kind == KIND_POSITIONS_RAW ? KIND_POSITIONS : pending->kind;

          self->stats.answered[kind]++;
          self->stats.last_answer_us = g_get_monotonic_time ();
          g_array_append_val (self->latency[kind], ms);
        }
      if (pending->done != NULL)
        pending->done (pending->user_data, answer, NULL);
      pending_free (pending);
      return;
    }

  if (g_error_matches (error, WG_API_ERROR, WG_API_ERROR_UNAUTHORIZED) && pending->account != NULL)
    {
      /* The token expired or the server lost it: log in again, then the
       * same command with the same id. */
      self->stats.retries++;
      if (pending->account->state == ACCOUNT_READY)
        pending->account->state = ACCOUNT_LOGGED_OUT;
      g_queue_push_tail (&pending->account->waiting, pending);
      account_login (pending->account);
      return;
    }
  if (wg_api_error_is_retryable (error))
    {
      gint64 delay = wg_backoff_next_delay_ms (&pending->backoff,
                                               problem != NULL ? problem->retry_after_ms : 0);

      g_debug ("Retrying %s in %" G_GINT64_FORMAT " ms: %s",
               pending->id != NULL ? pending->id : "request", delay, error->message);
      self->stats.retries++;
      pending->retry_id = g_timeout_add (MAX (delay, 1), retry_cb, pending);
      g_hash_table_add (self->timed, pending);
      return;
    }

  self->stats.refused++;
  {
    g_autofree char *envelope = pending->envelope != NULL && pending->kind == KIND_COMMAND
                                  ? json_to_string (pending->envelope, FALSE) : NULL;

    g_debug ("Refused: %s: %s", envelope != NULL ? envelope : pending->path != NULL ? pending->path : "request",
             error->message);
  }
  if (pending->done != NULL)
    pending->done (pending->user_data, NULL, problem);
  pending_free (pending);
}

/* The load mode's position batches are built as text (json-glib objects
 * for 20,000 points a second would cost more than the server's parsing):
 * sent without the API client's JSON layer, answered in the same classes. */
static void
raw_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Pending *pending = user_data;
  SoupMessage *message = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;
  guint status;

  pending->net->in_flight--;
  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autoptr(GError) network = g_error_new (WG_API_ERROR, WG_API_ERROR_NETWORK, "%s", error->message);

          pending_answered (pending, NULL, NULL, network);
          return;
        }
      pending_answered (pending, NULL, NULL, error);
      return;
    }
  status = soup_message_get_status (message);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      answer = json_node_new (JSON_NODE_NULL);
      pending_answered (pending, answer, NULL, NULL);
      return;
    }
  problem = g_new0 (WgProblem, 1);
  problem->status = status;
  {
    const char *retry_after = soup_message_headers_get_one (soup_message_get_response_headers (message),
                                                            "Retry-After");
    guint64 seconds;

    if (retry_after != NULL && g_ascii_string_to_unsigned (retry_after, 10, 0, 86400, &seconds, NULL))
      problem->retry_after_ms = seconds * 1000;
  }
  error = g_error_new (WG_API_ERROR,
                       status == SOUP_STATUS_UNAUTHORIZED ? WG_API_ERROR_UNAUTHORIZED
                       : status == 429 ? WG_API_ERROR_THROTTLED
                       : status == SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE ? WG_API_ERROR_TOO_LARGE
                       : status >= 500 ? WG_API_ERROR_SERVER : WG_API_ERROR_REFUSED,
                       "HTTP %u", status);
  pending_answered (pending, NULL, problem, error);
}

static void
pending_send (Pending *pending)
{
  WgSimNet *self = pending->net;
  WgApiClient *client;

  if (self->stopped)
    {
      pending_free (pending);
      return;
    }
  if (pending->account != NULL && pending->account->state != ACCOUNT_READY)
    {
      g_queue_push_tail (&pending->account->waiting, pending);
      account_login (pending->account);
      return;
    }
  if (!pending->first_sent)
    {
      pending->first_sent = TRUE;
      if (pending->kind == KIND_POSITIONS_RAW)
        self->stats.sent[KIND_POSITIONS]++;
      else if (pending->kind < (Kind) WG_SIM_N_LATENCIES)
        self->stats.sent[pending->kind]++;
    }
  client = pending->account != NULL ? pending->account->client : self->anonymous[pending->slot];
  pending->sent_us = g_get_monotonic_time ();
  self->in_flight++;
  switch (pending->kind)
    {
    case KIND_COMMAND:
      wg_api_client_request_async (client, "POST", self->commands_path, pending->envelope,
                                   self->cancellable, request_done_cb, pending);
      break;
    case KIND_POSITIONS:
      wg_api_client_request_async (client, "POST", self->positions_path, pending->envelope,
                                   self->cancellable, request_done_cb, pending);
      break;
    case KIND_GET:
      wg_api_client_request_async (client, "GET", pending->path, NULL,
                                   self->cancellable, request_done_cb, pending);
      break;
    case KIND_POSITIONS_RAW:
      {
        g_autofree char *url = wg_api_client_build_url (client, self->positions_path);
        g_autofree char *authorization = g_strconcat ("Bearer ", wg_api_client_get_token (client), NULL);
        g_autoptr(SoupMessage) message = soup_message_new ("POST", url);

        soup_message_headers_replace (soup_message_get_request_headers (message), "Authorization",
                                      authorization);
        soup_message_set_request_body_from_bytes (message, "application/json", pending->raw);
        soup_session_send_and_read_async (wg_api_client_get_session (client), message, G_PRIORITY_DEFAULT,
                                          self->cancellable, raw_done_cb, pending);
      }
      break;
    case KIND_UPLOAD:
      wg_api_client_upload_async (client, pending->raw, pending->path, self->cancellable,
                                  upload_done_cb, pending);
      break;
    case KIND_HEALTH:
    default:
      wg_api_client_request_async (client, "GET", "/api/v1/health", NULL,
                                   self->cancellable, request_done_cb, pending);
      break;
    }
}

static Pending *
pending_new (WgSimNet     *self,
             const char   *username,
             Kind          kind,
             WgSimNetDone  done,
             gpointer      user_data)
{
  Pending *pending = g_new0 (Pending, 1);
  static guint32 counter;

  pending->net = self;
  self->outstanding++;
  pending->account = username != NULL ? lookup_account (self, username) : NULL;
  pending->kind = kind;
  pending->done = done;
  pending->user_data = user_data;
  wg_backoff_init (&pending->backoff, RETRY_BASE_MS, RETRY_MAX_MS, self->seed + (++counter));
  return pending;
}

void
wg_sim_net_command (WgSimNet     *self,
                    const char   *username,
                    const char   *id,
                    const char   *type,
                    JsonNode     *body,
                    WgSimNetDone    done,
                    gpointer        user_data,
                    GDestroyNotify  destroy)
{
  Pending *pending;
  JsonObject *envelope;

  g_return_if_fail (self != NULL && username != NULL && id != NULL && type != NULL && body != NULL);

  if (self->stopped)
    {
      json_node_unref (body);
      if (destroy != NULL)
        destroy (user_data);
      return;
    }
  pending = pending_new (self, username, KIND_COMMAND, done, user_data);
  pending->destroy = destroy;
  pending->id = g_strdup (id);
  envelope = json_object_new ();
  json_object_set_string_member (envelope, "id", id);
  json_object_set_string_member (envelope, "type", type);
  json_object_set_member (envelope, "body", body);
  pending->envelope = json_node_init_object (json_node_alloc (), envelope);
  json_object_unref (envelope);
  pending_send (pending);
}

void
wg_sim_net_upload (WgSimNet       *self,
                   const char     *username,
                   GBytes         *bytes,
                   const char     *media_type,
                   WgSimNetDone    done,
                   gpointer        user_data,
                   GDestroyNotify  destroy)
{
  Pending *pending;

  g_return_if_fail (self != NULL && username != NULL && bytes != NULL && media_type != NULL);

  if (self->stopped)
    {
      if (destroy != NULL)
        destroy (user_data);
      return;
    }
  pending = pending_new (self, username, KIND_UPLOAD, done, user_data);
  pending->destroy = destroy;
  pending->raw = g_bytes_ref (bytes);
  pending->path = g_strdup (media_type);
  pending_send (pending);
}

void
wg_sim_net_positions (WgSimNet     *self,
                      const char   *username,
                      JsonNode     *body,
                      WgSimNetDone  done,
                      gpointer      user_data)
{
  Pending *pending;

  g_return_if_fail (self != NULL && username != NULL && body != NULL);

  if (self->stopped)
    {
      json_node_unref (body);
      return;
    }
  pending = pending_new (self, username, KIND_POSITIONS, done, user_data);
  pending->envelope = body;
  pending_send (pending);
}

void
wg_sim_net_positions_text (WgSimNet   *self,
                           const char *username,
                           GBytes     *body)
{
  Pending *pending;

  g_return_if_fail (self != NULL && username != NULL && body != NULL);

  if (self->stopped)
    return;
  pending = pending_new (self, username, KIND_POSITIONS_RAW, NULL, NULL);
  pending->raw = g_bytes_ref (body);
  pending_send (pending);
}

void
wg_sim_net_health (WgSimNet     *self,
                   guint         slot,
                   WgSimNetDone  done,
                   gpointer      user_data)
{
  Pending *pending;

  g_return_if_fail (self != NULL);

  if (self->stopped)
    return;
  pending = pending_new (self, NULL, KIND_HEALTH, done, user_data);
  pending->slot = slot % WG_SIM_NET_HEALTH_SLOTS;
  pending_send (pending);
}

void
wg_sim_net_get (WgSimNet     *self,
                const char   *username,
                const char   *path,
                WgSimNetDone  done,
                gpointer      user_data)
{
  Pending *pending;

  g_return_if_fail (self != NULL && username != NULL && path != NULL);

  if (self->stopped)
    return;
  pending = pending_new (self, username, KIND_GET, done, user_data);
  pending->path = g_strdup (path);
  pending_send (pending);
}

WgApiClient *
wg_sim_net_get_client (WgSimNet   *self,
                       const char *username)
{
  g_return_val_if_fail (self != NULL && username != NULL, NULL);
  return lookup_account (self, username)->client;
}

gboolean
wg_sim_net_is_logged_in (WgSimNet   *self,
                         const char *username)
{
  g_return_val_if_fail (self != NULL && username != NULL, FALSE);
  return lookup_account (self, username)->state == ACCOUNT_READY;
}

void
wg_sim_net_login (WgSimNet   *self,
                  const char *username)
{
  Account *account;

  g_return_if_fail (self != NULL && username != NULL);
  account = lookup_account (self, username);
  /* After a 401 on the stream: the token is gone, log in afresh. */
  if (account->state == ACCOUNT_READY)
    account->state = ACCOUNT_LOGGED_OUT;
  account_login (account);
}

gint64
wg_sim_net_server_now_ms (WgSimNet *self)
{
  return g_get_real_time () / 1000 + self->offset_ms;
}

guint
wg_sim_net_in_flight (WgSimNet *self)
{
  return self->in_flight;
}

guint
wg_sim_net_outstanding (WgSimNet *self)
{
  return self->outstanding;
}

const WgSimNetStats *
wg_sim_net_get_stats (WgSimNet *self)
{
  return &self->stats;
}

static int
compare_float (gconstpointer a,
               gconstpointer b)
{
  float x = *(const float *) a, y = *(const float *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

double
wg_sim_net_latency_ms (WgSimNet     *self,
                       WgSimLatency  kind,
                       double        q)
{
  GArray *values;
  guint index;

  g_return_val_if_fail (self != NULL && kind < WG_SIM_N_LATENCIES, -1);

  values = self->latency[kind];
  if (values->len == 0)
    return -1;
  g_array_sort (values, compare_float);
  index = (guint) (CLAMP (q, 0.0, 1.0) * (values->len - 1) + 0.5);
  return g_array_index (values, float, index);
}

void
wg_sim_net_reset_latency (WgSimNet     *self,
                          WgSimLatency  kind)
{
  g_return_if_fail (self != NULL && kind < WG_SIM_N_LATENCIES);
  g_array_set_size (self->latency[kind], 0);
}
