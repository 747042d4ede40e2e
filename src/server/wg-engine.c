/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal engine behind wangge-server's HTTP API (docs/api.md):
 *
 *  - commands go through the group-commit batcher: one transaction per
 *    batch, one savepoint per command (wg_store_execute_command), commit
 *    with synchronous=FULL, then the events are published to the stream in
 *    seq order and the answers go out;
 *  - the stream replays the journal after ?after= and filters each event
 *    per subscriber as wg_store_read_journal_as() does for pages;
 *  - identity: a bearer token from the account store; roles are checked
 *    here for reads and by decide() for commands;
 *  - sessions: argon2id on the password pool, never on the main loop.
 *
 * Everything runs on the main loop but the password hashing.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "wg-account-store.h"
#include "wg-actor.h"
#include "wg-cap.h"
#include "wg-command.h"
#include "wg-engine-private.h"
#include "wg-history.h"
#include "wg-error.h"
#include "wg-event.h"
#include "wg-password.h"
#include "wg-problem.h"
#include "wg-rate-limit.h"
#include "wg-reference.h"
#include "wg-store-reference.h"
#include "wg-json.h"
#include "wg-store.h"

#define JOURNAL_DEFAULT_LIMIT 500
#define JOURNAL_MAX_LIMIT 5000
#define AUDIT_DEFAULT_LIMIT 100
#define AUDIT_MAX_LIMIT 1000
#define PASSWORD_QUEUE_MAX 64
#define USERNAME_MAX_BYTES 64
#define PASSWORD_MAX_BYTES 1024
#define TIMER_INTERVAL_S 1
#define PRUNE_INTERVAL_S 60

/* ---- helpers ----------------------------------------------------------- */

char *
_wg_engine_remote_address (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (G_IS_INET_SOCKET_ADDRESS (remote))
    return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  return g_strdup ("unknown");
}

const char *
_wg_engine_bearer_token (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  header += 7;
  while (*header == ' ')
    header++;
  return *header != '\0' ? header : NULL;
}

void
_wg_engine_respond_retry_after (SoupServerMessage *msg,
                     guint              status,
                     const char        *slug,
                     const char        *detail,
                     double             retry_after_s)
{
  g_autofree char *seconds = g_strdup_printf ("%u", (guint) MAX (1.0, ceil (retry_after_s)));

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", seconds);
  wg_problem_respond (msg, status, slug, detail);
}

void
_wg_engine_audit (WgEngine   *self,
       const char *actor,
       const char *address,
       const char *action,
       const char *command_id,
       guint       status,
       const char *result)
{
  g_autoptr(GError) error = NULL;
  WgAuditEntry entry = {
    .ts_ms = g_get_real_time () / 1000,
    .actor = (char *) actor,
    .address = (char *) address,
    .action = (char *) action,
    .command_id = (char *) command_id,
    .status = (int) status,
    .result = (char *) (result != NULL ? result : "ok"),
  };

  if (!wg_account_store_audit (self->accounts, &entry, &error))
    g_warning ("Cannot write an audit row (%s): %s", action, error->message);
}

/* The problem's code of an answer already set on @msg ("ok" for 2xx). */
char *
_wg_engine_answer_code (SoupServerMessage *msg)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = NULL;
  guint status = soup_server_message_get_status (msg);
  JsonNode *root;

  if (status >= 200 && status < 300)
    return g_strdup ("ok");
  body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  parser = json_parser_new ();
  if (body != NULL && json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                                  g_bytes_get_size (body), NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      const char *code = json_object_get_string_member_with_default (json_node_get_object (root),
                                                                      "code", NULL);
      if (code != NULL)
        return g_strdup (code);
    }
  return g_strdup_printf ("http-%u", status);
}

static WgActor *
actor_from_identity (const WgStreamIdentity *identity)
{
  WgRole role = WG_ROLE_WALL;

  if (identity->role == NULL || !wg_role_from_string (identity->role, &role))
    return NULL;
  return wg_actor_new (identity->user, role, identity->grid, identity->department, identity->unit);
}

/* Identifies the caller and checks its role against @roles (0: any
 * logged-in account).  Answers 401/403 itself and returns NULL. */
WgActor *
_wg_engine_require_actor (WgEngine          *self,
               SoupServerMessage *msg,
               guint              roles)
{
  WgStreamIdentity identity = { 0 };
  WgActor *actor;

  if (!wg_server_identify (self->server, msg, &identity))
    return NULL;
  actor = actor_from_identity (&identity);
  wg_stream_identity_clear (&identity);
  if (actor == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", NULL);
      return NULL;
    }
  if (roles != 0 && (ROLE_BIT (actor->role) & roles) == 0)
    {
      wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                          _("This account’s role may not read this resource"));
      wg_actor_free (actor);
      return NULL;
    }
  return actor;
}

static gboolean
parse_count (GHashTable *query,
             const char *name,
             gint64      min,
             gint64      max,
             gint64     *inout)
{
  const char *text = g_hash_table_lookup (query, name);
  gint64 value;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_signed (text, 10, min, max, &value, NULL))
    return FALSE;
  *inout = value;
  return TRUE;
}

static JsonNode *
events_to_json_array (GPtrArray *events)
{
  JsonArray *array = json_array_sized_new (events != NULL ? events->len : 0);
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; events != NULL && i < events->len; i++)
    json_array_add_element (array, wg_event_to_json (g_ptr_array_index (events, i)));
  json_node_take_array (node, array);
  return node;
}

/* ---- the journal for the stream --------------------------------------- */

static gint64
head_cb (gpointer user_data)
{
  WgEngine *self = user_data;

  return wg_store_head (self->store);
}

static GPtrArray *
backlog_cb (gint64     after,
            guint      limit,
            gpointer   user_data,
            GError   **error)
{
  WgEngine *self = user_data;
  g_autoptr(GPtrArray) events = wg_store_read_journal (self->store, after, limit, error);
  GPtrArray *nodes;

  if (events == NULL)
    return NULL;
  nodes = g_ptr_array_new_full (events->len, (GDestroyNotify) json_node_unref);
  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (nodes, wg_event_to_json (g_ptr_array_index (events, i)));
  return nodes;
}

static gboolean
role_in (const char *role,
         guint       roles)
{
  WgRole r;

  return role != NULL && wg_role_from_string (role, &r) && (ROLE_BIT (r) & roles) != 0;
}

/* One event as wg_store_read_journal_as() decides it for grid workers,
 * departments and unit accounts (the same predicate, for one row). */
static gboolean
event_visible (WgEngine               *self,
               const WgStreamIdentity *who,
               JsonObject             *event)
{
  sqlite3_stmt *stmt = self->visible_stmt;
  gboolean grid_worker = g_strcmp0 (who->role, "grid_worker") == 0;
  gboolean department = g_strcmp0 (who->role, "department") == 0;
  const char *incident = json_object_get_string_member_with_default (event, "incident", NULL);
  int rc;

  if (JSON_NODE_HOLDS_NULL (json_object_get_member (event, "incident")))
    incident = NULL;
  if (stmt == NULL)
    return FALSE;
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  sqlite3_bind_int64 (stmt, 1, json_object_get_int_member_with_default (event, "seq", 0));
  if (grid_worker && who->grid != NULL)
    sqlite3_bind_text (stmt, 2, who->grid, -1, SQLITE_TRANSIENT);
  if (department && who->department != NULL)
    sqlite3_bind_text (stmt, 3, who->department, -1, SQLITE_TRANSIENT);
  if (who->unit != NULL)
    sqlite3_bind_text (stmt, 4, who->unit, -1, SQLITE_TRANSIENT);
  if (incident != NULL)
    sqlite3_bind_text (stmt, 5, incident, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, json_object_get_string_member_with_default (event, "type", ""), -1,
                     SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, json_object_get_string_member_with_default (event, "subject", ""), -1,
                     SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      gboolean visible = sqlite3_column_int (stmt, 0) != 0;

      sqlite3_reset (stmt);
      return visible;
    }
  sqlite3_reset (stmt);
  g_warning ("Cannot decide the visibility of an event: %s",
             sqlite3_errmsg (wg_store_get_sqlite (self->store)));
  return FALSE;
}

static JsonNode *
redact (WgEngine *self,
        JsonNode *event)
{
  g_autoptr(WgEvent) parsed = NULL;
  g_autoptr(WgEvent) masked = NULL;
  JsonObject *body;

  body = json_object_get_object_member (json_node_get_object (event), "body");
  if (body == NULL || !json_object_has_member (body, "caller"))
    return json_node_ref (event);
  if (self->redact_in == event)
    return json_node_ref (self->redact_out);

  parsed = wg_event_from_json (event, NULL);
  if (parsed == NULL)
    return NULL;   /* never show what cannot be masked */
  masked = wg_event_redact_caller (parsed);
  g_clear_pointer (&self->redact_in, json_node_unref);
  g_clear_pointer (&self->redact_out, json_node_unref);
  self->redact_in = json_node_ref (event);
  self->redact_out = wg_event_to_json (masked);
  return json_node_ref (self->redact_out);
}

JsonNode *
_wg_engine_filter_cb (const WgStreamIdentity *who,
           JsonNode               *event,
           gpointer                user_data)
{
  WgEngine *self = user_data;

  if (!role_in (who->role, READ_ALL_ROLES) &&
      !event_visible (self, who, json_node_get_object (event)))
    return NULL;
  if (role_in (who->role, PHONE_ROLES))
    return json_node_ref (event);
  return redact (self, event);
}

static void
publish_events (WgEngine  *self,
                GPtrArray *events)
{
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = g_ptr_array_index (events, i);
      g_autoptr(JsonNode) node = wg_event_to_json (event);

      wg_server_publish_event (self->server, event->seq, node);
    }
}

/* ---- identity ---------------------------------------------------------- */

static gboolean
identify_cb (SoupServerMessage  *msg,
             WgStreamIdentity   *identity,
             gpointer            user_data,
             GError            **error)
{
  WgEngine *self = user_data;
  g_autoptr(WgAccount) account = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *token = _wg_engine_bearer_token (msg);
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  const char *method = soup_server_message_get_method (msg);
  GPtrArray *units;

  if (token == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("Log in first: POST /api/v1/session, then send “Authorization: Bearer TOKEN”"));
      return FALSE;
    }
  account = wg_account_store_check_token (self->accounts, token, g_get_real_time () / 1000,
                                          (gint64) self->config.token_lifetime_seconds * 1000,
                                          NULL, &local_error);
  if (account == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The token is unknown, expired or revoked: log in again"));
      return FALSE;
    }
  if (account->disabled)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The account is disabled"));
      return FALSE;
    }

  identity->user = g_strdup (account->username);
  identity->role = g_strdup (account->role);
  identity->grid = g_strdup (account->grid);
  identity->department = g_strdup (account->department);
  identity->unit = g_strdup (account->unit);
  identity->no_positions = !role_in (account->role, READ_ALL_ROLES);

  /* The units this account acts for: its own, and the forces the
   * reference names it the account of. */
  units = g_ptr_array_new ();
  if (account->unit != NULL)
    g_ptr_array_add (units, g_strdup (account->unit));
  if (self->reference != NULL)
    {
      g_autoptr(GPtrArray) forces = wg_reference_dup_forces_for_account (self->reference, account->username);

      for (guint i = 0; forces != NULL && i < forces->len; i++)
        {
          const WgForce *force = g_ptr_array_index (forces, i);

          if (g_strcmp0 (force->id, account->unit) != 0)
            g_ptr_array_add (units, g_strdup (force->id));
        }
    }
  g_ptr_array_add (units, NULL);
  identity->units = (char **) g_ptr_array_free (units, FALSE);

  /* Reads of the live picture of the forces and of who is connected. */
  if ((g_str_equal (path, "/api/v1/presence") || g_str_has_prefix (path, "/api/v1/positions")) &&
      method == SOUP_METHOD_GET && !role_in (account->role, READ_ALL_ROLES))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("This account’s role may not read positions or presence"));
      return FALSE;
    }
  if (g_str_equal (path, "/api/v1/positions") && method == SOUP_METHOD_POST &&
      g_strcmp0 (account->role, "admin") != 0 && identity->units[0] == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("Only accounts that act for a unit post positions"));
      return FALSE;
    }
  return TRUE;
}

/* ---- commands ---------------------------------------------------------- */

typedef struct
{
  WgCommand *command;
  WgActor   *actor;
  char      *address;
} CommandJob;

static void
command_job_free (gpointer data)
{
  CommandJob *job = data;

  g_clear_pointer (&job->command, wg_command_unref);
  g_clear_pointer (&job->actor, wg_actor_free);
  g_free (job->address);
  g_free (job);
}

typedef struct
{
  GPtrArray *events;
  gboolean   replayed;
  gint64     head;
} CommandResult;

static void
command_result_free (gpointer data)
{
  CommandResult *result = data;

  g_clear_pointer (&result->events, g_ptr_array_unref);
  g_free (result);
}

#define STORAGE_WARNING_INTERVAL_US (10 * G_USEC_PER_SEC)

/* The clients get 503 storage-failed; the operator must hear of it too
 * (a full disk), but not once per batch. */
static void
warn_storage_failure (WgEngine     *self,
                      guint         n_commands,
                      const GError *error)
{
  gint64 now = g_get_monotonic_time ();

  self->storage_failures += n_commands;
  if (self->storage_warned_us != 0 && now - self->storage_warned_us < STORAGE_WARNING_INTERVAL_US)
    return;
  g_warning ("Cannot store commands (%" G_GUINT64_FORMAT " refused since the last report): %s",
             self->storage_failures, error->message);
  self->storage_failures = 0;
  self->storage_warned_us = now;
}

static gboolean
commands_batch_cb (GPtrArray  *items,
                   gpointer    user_data,
                   GError    **error)
{
  WgEngine *self = user_data;
  g_autoptr(GPtrArray) audits = NULL;
  g_autoptr(GError) audit_error = NULL;
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 head;

  if (!wg_store_begin (self->store, error))
    {
      warn_storage_failure (self, items->len, *error);
      return FALSE;
    }

  _wg_engine_attachments_batch_begin (self);
  for (guint i = 0; i < items->len; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);
      CommandJob *job = item->data;
      CommandResult *result = g_new0 (CommandResult, 1);

      item->result = result;
      item->result_destroy = command_result_free;
      /* Each command in its own savepoint (wg_store_execute_command). */
      wg_store_execute_command (self->store, job->command, job->actor, now_ms,
                                &result->events, &result->replayed, &item->error);
    }

  if (!wg_store_commit (self->store, error))
    {
      warn_storage_failure (self, items->len, *error);
      return FALSE;
    }

  /* Durable: the stream may show them, in seq order (items ran in order). */
  head = wg_store_head (self->store);
  audits = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_audit_entry_free);
  for (guint i = 0; i < items->len; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);
      CommandJob *job = item->data;
      CommandResult *result = item->result;
      guint status = 200;
      const char *code = "ok";
      g_autofree char *action = g_strconcat ("command:", wg_command_get_type_name (job->command), NULL);
      WgAuditEntry *entry;

      result->head = head;
      if (!result->replayed && result->events != NULL)
        {
          _wg_engine_attachments_committed (self, job->command, job->actor, result->events);
          publish_events (self, result->events);
        }
      if (item->error != NULL)
        {
          if (item->error->domain == WG_ERROR)
            {
              status = wg_error_code_http_status (item->error->code);
              code = wg_error_code_to_slug (item->error->code);
            }
          else if (item->error->domain == WG_ATTACHMENT_STORE_ERROR)
            {
              status = wg_problem_status_for_error (item->error);
              code = wg_attachment_store_error_code (item->error->code);
            }
          else
            {
              status = 500;
              code = "internal-error";
            }
        }
      entry = g_new0 (WgAuditEntry, 1);
      entry->ts_ms = now_ms;
      entry->actor = g_strdup (job->actor->username);
      entry->address = g_strdup (job->address);
      entry->action = g_steal_pointer (&action);
      entry->command_id = g_strdup (wg_command_get_id (job->command));
      entry->status = (int) status;
      entry->result = g_strdup (code);
      g_ptr_array_add (audits, entry);
    }
  /* One transaction for the batch's audit rows: one fsync, not one each. */
  if (!wg_account_store_audit_many (self->accounts, audits, &audit_error))
    g_warning ("Cannot write %u audit rows: %s", audits->len, audit_error->message);
  return TRUE;
}

static void
commands_answer_cb (WgCommitItem *item,
                    const GError *batch_error,
                    gpointer      user_data)
{
  CommandJob *job = item->data;
  CommandResult *result = item->result;
  g_autoptr(JsonBuilder) builder = NULL;
  gboolean sees_phones;

  if (batch_error != NULL)
    {
      wg_problem_respond (item->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", batch_error->message);
      return;
    }
  if (item->error != NULL)
    {
      wg_problem_respond_error (item->msg, item->error);
      return;
    }

  sees_phones = (ROLE_BIT (job->actor->role) & PHONE_ROLES) != 0;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, wg_command_get_id (job->command));
  json_builder_set_member_name (builder, "replayed");
  json_builder_add_boolean_value (builder, result->replayed);
  json_builder_set_member_name (builder, "events");
  json_builder_begin_array (builder);
  for (guint i = 0; result->events != NULL && i < result->events->len; i++)
    {
      WgEvent *event = g_ptr_array_index (result->events, i);
      g_autoptr(WgEvent) shown = sees_phones ? wg_event_ref (event) : wg_event_redact_caller (event);

      json_builder_add_value (builder, wg_event_to_json (shown));
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, result->head);
  json_builder_end_object (builder);
  wg_json_respond_builder (item->msg, SOUP_STATUS_OK, builder);
}

static void
post_commands_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = _wg_engine_remote_address (msg);
  g_autofree char *code = NULL;
  double retry_after = 0;
  CommandJob *job;

  actor = _wg_engine_require_actor (self, msg, 0);
  if (actor == NULL)
    return;

  if (!wg_rate_limiter_try (self->command_limiter, _wg_engine_bearer_token (msg), g_get_monotonic_time (), &retry_after))
    {
      _wg_engine_respond_retry_after (msg, WG_STATUS_TOO_MANY_REQUESTS, "too-many-requests",
                           _("Too many commands for this session: wait and retry with the same id"),
                           retry_after);
      goto refused;
    }
  if (wg_server_is_shutting_down (self->server))
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting-down", NULL);
      goto refused;
    }

  root = wg_server_read_json_body (self->server, msg);
  if (root == NULL)
    goto refused;
  command = wg_command_from_json (root, &error);
  if (command == NULL)
    {
      wg_problem_respond_error (msg, error);
      goto refused;
    }

  /* decide() does not know the accounts: the server checks that the
   * roster goes to a duty leader's account. */
  if (wg_command_get_kind (command) == WG_CMD_ROSTER_HANDOVER)
    {
      const char *to = json_object_get_string_member_with_default (wg_command_get_body (command), "to", NULL);
      g_autoptr(WgAccount) target = NULL;

      if (to != NULL)
        target = wg_account_store_lookup (self->accounts, to, NULL);
      if (to != NULL && (target == NULL || target->disabled || g_strcmp0 (target->role, "duty_leader") != 0))
        {
          wg_problem_respond (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid-field",
                              "body.to must name an enabled duty leader's account");
          goto refused;
        }
    }

  job = g_new0 (CommandJob, 1);
  job->command = g_steal_pointer (&command);
  job->actor = g_steal_pointer (&actor);
  job->address = g_steal_pointer (&address);
  wg_commit_batcher_submit (self->batcher, msg, job, command_job_free);
  return;

refused:
  code = _wg_engine_answer_code (msg);
  _wg_engine_audit (self, actor->username, address, "command", NULL, soup_server_message_get_status (msg), code);
}

/* ---- timers ------------------------------------------------------------ */

static gboolean
timers_cb (gpointer data)
{
  WgEngine *self = data;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  /* Batches run inside one callback of this loop: never in between. */
  if (wg_store_in_transaction (self->store))
    return G_SOURCE_CONTINUE;
  if (!wg_store_run_timers (self->store, g_get_real_time () / 1000, &events, &error))
    {
      g_warning ("Timers failed: %s", error->message);
      return G_SOURCE_CONTINUE;
    }
  publish_events (self, events);
  return G_SOURCE_CONTINUE;
}

static gboolean
prune_cb (gpointer data)
{
  WgEngine *self = data;
  gint64 now = g_get_monotonic_time ();

  wg_rate_limiter_prune (self->command_limiter, now);
  wg_failure_window_prune (self->user_failures, now);
  wg_failure_window_prune (self->address_failures, now);
  return G_SOURCE_CONTINUE;
}

/* ---- journal ----------------------------------------------------------- */

static void
get_journal_cb (SoupServerMessage *msg,
                GHashTable        *params,
                GHashTable        *query,
                gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  gint64 after = 0, limit = JOURNAL_DEFAULT_LIMIT, head;
  gboolean more;

  actor = _wg_engine_require_actor (self, msg, 0);
  if (actor == NULL)
    return;
  if (!parse_count (query, "after", 0, G_MAXINT64, &after) ||
      !parse_count (query, "limit", 1, JOURNAL_MAX_LIMIT, &limit))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("“after” must be a sequence number and “limit” between 1 and 5000"));
      return;
    }

  head = wg_store_head (self->store);
  if (after > head)
    {
      g_autofree char *detail = g_strdup_printf ("after=%" G_GINT64_FORMAT " is beyond the journal head %" G_GINT64_FORMAT,
                                                 after, head);

      /* The client's cache is ahead of this server: it must resynchronise. */
      wg_problem_respond (msg, SOUP_STATUS_CONFLICT, "seq-beyond-head", detail);
      return;
    }
  events = wg_store_read_journal_as (self->store, actor, after, (guint) limit, &error);
  if (events == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  /* A full page is complete only up to its last event. */
  more = events->len == (guint) limit;
  if (more)
    head = ((WgEvent *) g_ptr_array_index (events, events->len - 1))->seq;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "events");
  json_builder_add_value (builder, events_to_json_array (events));
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, head);
  json_builder_set_member_name (builder, "more");
  json_builder_add_boolean_value (builder, more);
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

/* One incident's events as the caller may see them, whatever their seq: a
 * department that meets an incident at its routing (after its report)
 * fetches the report here. */
GPtrArray *
_wg_engine_read_incident_events (WgEngine    *self,
                      const char  *incident,
                      GError     **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  sqlite3 *db = wg_store_get_sqlite (self->store);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT seq, ts, type, actor, role, command, subject, incident, exercise, body"
                              " FROM journal WHERE incident = ?1 ORDER BY seq", -1, &stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (db));
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, incident, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(JsonNode) body = wg_json_parse ((const char *) sqlite3_column_text (stmt, 9), -1, NULL);
      WgEventType type;
      WgEvent *event;

      if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body) ||
          !wg_event_type_from_string ((const char *) sqlite3_column_text (stmt, 2), &type))
        continue;
      event = wg_event_new (type, sqlite3_column_int64 (stmt, 1),
                            (const char *) sqlite3_column_text (stmt, 3),
                            (const char *) sqlite3_column_text (stmt, 4),
                            (const char *) sqlite3_column_text (stmt, 5),
                            (const char *) sqlite3_column_text (stmt, 6),
                            (const char *) sqlite3_column_text (stmt, 7),
                            json_node_get_object (body));
      wg_event_set_seq (event, sqlite3_column_int64 (stmt, 0));
      if (sqlite3_column_type (stmt, 8) != SQLITE_NULL)
        wg_event_set_exercise (event, (const char *) sqlite3_column_text (stmt, 8));
      g_ptr_array_add (events, event);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "%s", sqlite3_errmsg (db));
      return NULL;
    }
  return g_steal_pointer (&events);
}

static void
get_incident_events_cb (SoupServerMessage *msg,
                        GHashTable        *params,
                        GHashTable        *query,
                        gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  WgStreamIdentity identity = { 0 };
  const char *id = g_hash_table_lookup (params, "id");
  JsonArray *shown;
  JsonNode *shown_node;
  gint64 head;

  if (!wg_server_identify (self->server, msg, &identity))
    return;
  head = wg_store_head (self->store);
  events = _wg_engine_read_incident_events (self, id, &error);
  if (events == NULL)
    {
      wg_stream_identity_clear (&identity);
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  shown = json_array_new ();
  for (guint i = 0; i < events->len; i++)
    {
      g_autoptr(JsonNode) node = wg_event_to_json (g_ptr_array_index (events, i));
      JsonNode *seen = _wg_engine_filter_cb (&identity, node, self);

      if (seen != NULL)
        json_array_add_element (shown, seen);
    }
  wg_stream_identity_clear (&identity);
  /* Not in the caller's view, or no such incident: the same answer. */
  if (json_array_get_length (shown) == 0)
    {
      json_array_unref (shown);
      wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-incident", NULL);
      return;
    }

  shown_node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (shown_node, shown);
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "incident");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "events");
  json_builder_add_value (builder, shown_node);
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, head);
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

/* ---- reference --------------------------------------------------------- */

static GBytes *
build_reference_json (WgReference *reference)
{
  JsonObject *bundle = wg_reference_get_bundle (reference);
  g_autoptr(JsonObject) copy = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GList) members = json_object_get_members (bundle);
  gsize length;
  char *text;

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (bundle, l->data)));
  json_object_set_string_member (copy, "timezone", wg_reference_get_time_zone_id (reference));
  json_node_set_object (root, copy);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

static void
get_reference_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);

  if (actor == NULL)
    return;
  if (self->reference_json == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "no-reference",
                          _("Start the server with --reference DIR or --demo"));
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (self->reference_json, NULL),
                                    g_bytes_get_size (self->reference_json));
}

/* ---- CAP --------------------------------------------------------------- */

static void
get_cap_cb (SoupServerMessage *msg,
            GHashTable        *params,
            GHashTable        *query,
            gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, CAP_ROLES);
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *sender = NULL;
  const char *id = g_hash_table_lookup (params, "id");
  WgIncidentRecord incident = { 0 };
  gsize length;

  if (actor == NULL)
    return;
  if (!wg_store_get_incident (self->store, id, &incident, &error))
    {
      if (g_error_matches (error, WG_ERROR, WG_ERROR_UNKNOWN_INCIDENT) || error == NULL)
        wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-incident", NULL);
      else
        wg_problem_respond_error (msg, error);
      return;
    }
  if (incident.grade != WG_GRADE_EMERGENCY)
    {
      wg_problem_respond (msg, SOUP_STATUS_CONFLICT, "not-emergency",
                          _("Only emergency incidents have a CAP alert"));
      wg_incident_record_clear (&incident);
      return;
    }
  sender = g_strdup_printf ("wangge@%s", self->reference != NULL
                                         ? wg_reference_get_street_code (self->reference) : "centre");
  xml = wg_cap_build_alert (&incident, self->reference, sender,
                            wg_store_get_exercise (self->store) != NULL, g_get_real_time () / 1000);
  wg_incident_record_clear (&incident);
  length = strlen (xml);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/cap+xml; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&xml), length);
}

/* ---- sessions ---------------------------------------------------------- */

typedef struct
{
  WgEngine          *engine;
  SoupServerMessage *msg;
  WgAccount         *account;    /* NULL: unknown user */
  char              *username;
  char              *address;
} LoginJob;

static void
login_job_free (LoginJob *job)
{
  g_clear_object (&job->msg);
  g_clear_pointer (&job->account, wg_account_free);
  g_free (job->username);
  g_free (job->address);
  g_free (job);
}

static void
add_nullable (JsonBuilder *builder,
              const char  *name,
              const char  *value)
{
  if (value == NULL)
    return;
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
login_verified_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  LoginJob *job = user_data;
  WgEngine *self = job->engine;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  gint64 now_us = g_get_monotonic_time ();
  gboolean ok;

  ok = wg_password_verify_finish (self->pool, result, &error);
  if (g_error_matches (error, WG_PASSWORD_ERROR, WG_PASSWORD_ERROR_BUSY))
    _wg_engine_respond_retry_after (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                         _("Too many logins at once: try again in a moment"), 1);
  else if (ok && job->account != NULL && !job->account->disabled)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autofree char *token = NULL;
      gint64 expires = 0;

      token = wg_account_store_create_token (self->accounts, job->account->username, g_get_real_time () / 1000,
                                             (gint64) self->config.token_lifetime_seconds * 1000,
                                             &expires, &error);
      if (token == NULL)
        wg_problem_respond (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      else
        {
          wg_failure_window_forget (self->user_failures, job->username);
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "token");
          json_builder_add_string_value (builder, token);
          json_builder_set_member_name (builder, "username");
          json_builder_add_string_value (builder, job->account->username);
          json_builder_set_member_name (builder, "role");
          json_builder_add_string_value (builder, job->account->role);
          json_builder_set_member_name (builder, "expires");
          json_builder_add_int_value (builder, expires);
          add_nullable (builder, "display_name", job->account->display_name);
          add_nullable (builder, "grid", job->account->grid);
          add_nullable (builder, "department", job->account->department);
          add_nullable (builder, "unit", job->account->unit);
          json_builder_set_member_name (builder, "server_time");
          json_builder_add_int_value (builder, g_get_real_time () / 1000);
          json_builder_end_object (builder);
          wg_json_respond_builder (job->msg, SOUP_STATUS_OK, builder);
        }
    }
  else
    {
      /* Same answer for a wrong password, an unknown user and a disabled
       * account: nothing to learn about which accounts exist. */
      wg_failure_window_record (self->user_failures, job->username, now_us);
      wg_failure_window_record (self->address_failures, job->address, now_us);
      wg_problem_respond (job->msg, SOUP_STATUS_UNAUTHORIZED, "invalid-credentials", NULL);
    }

  code = _wg_engine_answer_code (job->msg);
  _wg_engine_audit (self, job->username, job->address, "login", NULL, soup_server_message_get_status (job->msg), code);
  soup_server_message_unpause (job->msg);
  login_job_free (job);
}

static void
post_session_cb (SoupServerMessage *msg,
                 GHashTable        *params,
                 GHashTable        *query,
                 gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *address = _wg_engine_remote_address (msg);
  g_autofree char *code = NULL;
  const char *username = NULL, *password = NULL;
  double retry_user = 0, retry_address = 0;
  LoginJob *job;
  JsonObject *body;

  root = wg_server_read_json_body (self->server, msg);
  if (root == NULL)
    goto refused;
  body = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (body != NULL)
    {
      JsonNode *u = json_object_get_member (body, "username");
      JsonNode *p = json_object_get_member (body, "password");

      if (u != NULL && JSON_NODE_HOLDS_VALUE (u) && json_node_get_value_type (u) == G_TYPE_STRING)
        username = json_node_get_string (u);
      if (p != NULL && JSON_NODE_HOLDS_VALUE (p) && json_node_get_value_type (p) == G_TYPE_STRING)
        password = json_node_get_string (p);
    }
  if (username == NULL || password == NULL || *username == '\0' ||
      strlen (username) > USERNAME_MAX_BYTES || strlen (password) > PASSWORD_MAX_BYTES)
    {
      wg_problem_respond (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid-request",
                          _("Send {\"username\": \"…\", \"password\": \"…\"} (strings; user name 1 to 64 bytes)"));
      goto refused;
    }

  {
    gint64 now_us = g_get_monotonic_time ();
    gboolean user_ok = wg_failure_window_allows (self->user_failures, username, now_us, &retry_user);
    gboolean address_ok = wg_failure_window_allows (self->address_failures, address, now_us, &retry_address);

    if (!user_ok || !address_ok)
      {
        _wg_engine_respond_retry_after (msg, WG_STATUS_TOO_MANY_REQUESTS, "too-many-requests",
                             _("Too many failed logins: wait before trying again"),
                             MAX (retry_user, retry_address));
        code = _wg_engine_answer_code (msg);
        _wg_engine_audit (self, username, address, "login", NULL, soup_server_message_get_status (msg), code);
        return;
      }
  }

  job = g_new0 (LoginJob, 1);
  job->engine = self;
  job->msg = g_object_ref (msg);
  job->username = g_strdup (username);
  job->address = g_steal_pointer (&address);
  job->account = wg_account_store_lookup (self->accounts, username, NULL);
  soup_server_message_pause (msg);
  /* Unknown users are checked against the dummy hash: the same time. */
  wg_password_verify_async (self->pool,
                            job->account != NULL && !job->account->disabled
                              ? job->account->password_hash : wg_password_dummy_hash (),
                            password, NULL, login_verified_cb, job);
  return;

refused:
  code = _wg_engine_answer_code (msg);
  _wg_engine_audit (self, username, address, "login", NULL, soup_server_message_get_status (msg), code);
}

static void
delete_session_cb (SoupServerMessage *msg,
                   GHashTable        *params,
                   GHashTable        *query,
                   gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);
  g_autoptr(GError) error = NULL;
  g_autofree char *address = _wg_engine_remote_address (msg);

  if (actor == NULL)
    return;
  if (!wg_account_store_revoke_token (self->accounts, _wg_engine_bearer_token (msg), &error))
    {
      wg_problem_respond (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized", error->message);
      _wg_engine_audit (self, actor->username, address, "logout", NULL, SOUP_STATUS_UNAUTHORIZED, "unauthorized");
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
  _wg_engine_audit (self, actor->username, address, "logout", NULL, SOUP_STATUS_NO_CONTENT, "ok");
}

/* ---- audit ------------------------------------------------------------- */

static void
get_audit_cb (SoupServerMessage *msg,
              GHashTable        *params,
              GHashTable        *query,
              gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, ROLE_BIT (WG_ROLE_ADMIN));
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  gint64 after = 0, limit = AUDIT_DEFAULT_LIMIT;

  if (actor == NULL)
    return;
  if (!parse_count (query, "after", 0, G_MAXINT64, &after) ||
      !parse_count (query, "limit", 1, AUDIT_MAX_LIMIT, &limit))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("“after” must be an audit row id and “limit” between 1 and 1000"));
      return;
    }
  entries = wg_account_store_read_audit (self->accounts, after, (guint) limit, &error);
  if (entries == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "entries");
  json_builder_begin_array (builder);
  for (guint i = 0; i < entries->len; i++)
    {
      WgAuditEntry *entry = g_ptr_array_index (entries, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, entry->id);
      json_builder_set_member_name (builder, "ts");
      json_builder_add_int_value (builder, entry->ts_ms);
      json_builder_set_member_name (builder, "actor");
      if (entry->actor != NULL)
        json_builder_add_string_value (builder, entry->actor);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "address");
      json_builder_add_string_value (builder, entry->address != NULL ? entry->address : "");
      json_builder_set_member_name (builder, "action");
      json_builder_add_string_value (builder, entry->action);
      json_builder_set_member_name (builder, "command");
      if (entry->command_id != NULL)
        json_builder_add_string_value (builder, entry->command_id);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "status");
      json_builder_add_int_value (builder, entry->status);
      json_builder_set_member_name (builder, "result");
      json_builder_add_string_value (builder, entry->result != NULL ? entry->result : "");
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "last");
  json_builder_add_int_value (builder, entries->len > 0
                                       ? ((WgAuditEntry *) g_ptr_array_index (entries, entries->len - 1))->id
                                       : after);
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

/* Positions posts are answered by wg-positions-api: audit them when the
 * answer has gone out. */
typedef struct
{
  WgEngine *engine;
  char     *actor;
  char     *address;
} PositionsAudit;

static void
positions_audit_free (gpointer data)
{
  PositionsAudit *pa = data;

  g_free (pa->actor);
  g_free (pa->address);
  g_free (pa);
}

static void
positions_finished_cb (SoupServerMessage *msg,
                       gpointer           user_data)
{
  PositionsAudit *pa = user_data;
  g_autofree char *code = _wg_engine_answer_code (msg);

  _wg_engine_audit (pa->engine, pa->actor, pa->address, "positions", NULL, soup_server_message_get_status (msg), code);
}

static void
request_read_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  WgEngine *self = user_data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  g_autoptr(WgAccount) account = NULL;
  const char *token;
  PositionsAudit *pa;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST || !g_str_equal (path, "/api/v1/positions"))
    return;
  token = _wg_engine_bearer_token (msg);
  if (token != NULL)
    account = wg_account_store_check_token (self->accounts, token, g_get_real_time () / 1000,
                                            (gint64) self->config.token_lifetime_seconds * 1000, NULL, NULL);
  pa = g_new0 (PositionsAudit, 1);
  pa->engine = self;
  pa->actor = account != NULL ? g_strdup (account->username) : NULL;
  pa->address = _wg_engine_remote_address (msg);
  g_signal_connect_data (msg, "finished", G_CALLBACK (positions_finished_cb), pa,
                         (GClosureNotify) (void (*) (void)) positions_audit_free, 0);
}

/* ---- demo -------------------------------------------------------------- */

static void
add_account (GPtrArray  *accounts,
             GHashTable *seen,
             const char *username,
             const char *role,
             const char *hash,
             const char *display_name,
             const char *grid,
             const char *department,
             const char *unit)
{
  WgAccount *account;

  if (username == NULL || g_hash_table_contains (seen, username))
    return;
  account = g_new0 (WgAccount, 1);
  account->username = g_strdup (username);
  account->role = g_strdup (role);
  account->password_hash = g_strdup (hash);
  account->display_name = g_strdup (display_name);
  account->grid = g_strdup (grid);
  account->department = g_strdup (department);
  account->unit = g_strdup (unit);
  g_hash_table_add (seen, account->username);
  g_ptr_array_add (accounts, account);
}

/* The demo accounts (docs/api.md, "Demo accounts"), all with one password,
 * hashed once: seeding takes one argon2id hash, not one per account. */
static gboolean
seed_demo_accounts (WgEngine    *self,
                    const char  *password,
                    GError     **error)
{
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_account_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *hash = NULL;
  WgReference *ref = self->reference;
  GPtrArray *list;
  const WgPerson *chief;

  hash = wg_password_hash (password, error);
  if (hash == NULL)
    return FALSE;

  add_account (accounts, seen, "admin", "admin", hash, "系统管理员", NULL, NULL, NULL);
  list = wg_reference_get_duty_leaders (ref);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const WgPerson *person = g_ptr_array_index (list, i);

      add_account (accounts, seen, person->account, "duty_leader", hash, person->name_zh, NULL, NULL, NULL);
    }
  add_account (accounts, seen, "leader", "duty_leader", hash, "值班领导", NULL, NULL, NULL);
  add_account (accounts, seen, "dispatcher", "dispatcher", hash, "调度员", NULL, NULL, NULL);
  add_account (accounts, seen, "trainer", "trainer", hash, "培训员", NULL, NULL, NULL);
  add_account (accounts, seen, "wall", "wall", hash, "指挥大屏", NULL, NULL, NULL);

  /* Grid workers: their grid and their own force. */
  list = wg_reference_get_forces_by_type (ref, WG_FORCE_GRID_WORKER);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const WgForce *force = g_ptr_array_index (list, i);

      add_account (accounts, seen, force->account, "grid_worker", hash, force->name_zh,
                   force->grid != NULL ? force->grid->code : NULL, NULL, force->id);
    }

  /* Departments, with their team as their unit. */
  list = wg_reference_get_departments (ref);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const WgDepartment *dept = g_ptr_array_index (list, i);
      g_autoptr(GPtrArray) forces = wg_reference_dup_forces_for_account (ref, dept->account);

      add_account (accounts, seen, dept->account, "department", hash, dept->name_zh, NULL, dept->code,
                   forces != NULL && forces->len > 0 ? ((WgForce *) g_ptr_array_index (forces, 0))->id : NULL);
    }

  /* Every other force's account acts for its own unit only: role
   * grid_worker with no grid (the engine's "own unit" rules). */
  list = wg_reference_get_forces (ref);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const WgForce *force = g_ptr_array_index (list, i);

      add_account (accounts, seen, force->account, "grid_worker", hash, force->name_zh, NULL, NULL, force->id);
    }

  /* Street leaders covering the areas and the chief: read everything
   * (escalations go to them). */
  for (guint i = 0; i < wg_reference_get_stations (ref)->len; i++)
    {
      WgStation *station = g_ptr_array_index (wg_reference_get_stations (ref), i);
      const WgPerson *person = wg_reference_get_covering_leader (ref, station);

      if (person != NULL)
        add_account (accounts, seen, person->account, "duty_leader", hash, person->name_zh, NULL, NULL, NULL);
    }
  chief = wg_reference_get_chief (ref);
  if (chief != NULL)
    add_account (accounts, seen, chief->account, "duty_leader", hash, chief->name_zh, NULL, NULL, NULL);

  return wg_account_store_add (self->accounts, accounts, error);
}

/* The demo's past: a generated history of the Helong street up to the
 * anchor day (today in the centre's time zone unless given), into an empty
 * journal, with the forces' tracks.  About 3 s for a year. */
static gboolean
seed_demo_history (WgEngine  *self,
                   GError   **error)
{
  WgHistoryParams params;
  WgHistoryStats stats;
  g_autofree char *today = NULL;
  gint64 start = g_get_monotonic_time ();

  if (self->config.demo_days <= 0 || wg_store_head (self->store) > 0)
    return TRUE;

  wg_history_params_init_from_reference (&params, self->reference);
  params.seed = 20261128;
  params.days = self->config.demo_days;
  if (self->config.demo_anchor != NULL)
    params.anchor = self->config.demo_anchor;
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now (wg_reference_get_time_zone (self->reference));

      today = g_date_time_format (now, "%Y-%m-%d");
      params.anchor = today;
    }

  g_printerr (_("Generating %d days of demo history up to %s…\n"), self->config.demo_days,
              params.anchor);
  if (!wg_history_generate (self->store, wg_server_get_track_store (self->server), self->reference,
                            &params, &stats, error))
    return FALSE;
  g_printerr (_("Demo history: %u incidents, %u events, in %.1f s\n"), stats.incidents,
              (guint) wg_store_head (self->store), (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

/* After the demo's history, the `leader` account is the duty leader on
 * duty, whoever the rotation names for the hour the demo starts: the one
 * who logs in to try the console is the one the header names.  (Without
 * history, as tests start it, the journal stays empty.) */
static gboolean
seed_demo_duty (WgEngine  *self,
                GError   **error)
{
  g_autofree char *on_duty = wg_store_get_duty_leader (self->store, NULL);
  gint64 now_ms = g_get_real_time () / 1000;
  const WgPerson *rotation = wg_reference_get_duty_leader_at (self->reference, now_ms);
  const char *from = on_duty != NULL ? on_duty : rotation != NULL ? rotation->account : NULL;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *id = NULL;
  JsonObject *body;
  gboolean replayed;

  if (self->config.demo_days <= 0 || from == NULL || g_strcmp0 (from, "leader") == 0)
    return TRUE;
  body = json_object_new ();
  json_object_set_string_member (body, "to", "leader");
  id = wg_uuid_new ();
  command = wg_command_new (id, WG_CMD_ROSTER_HANDOVER, body);
  json_object_unref (body);
  actor = wg_actor_new (from, WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  return wg_store_execute_command (self->store, command, actor, now_ms, &events, &replayed, error);
}

/* Demo seeding, once per data directory: accounts, then the history. */
static gboolean
seed_demo (WgEngine  *self,
           GError   **error)
{
  g_autoptr(WgAccount) admin = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 start = g_get_monotonic_time ();

  admin = wg_account_store_lookup (self->accounts, "admin", &local_error);
  if (admin != NULL)
    return TRUE;   /* seeded on an earlier start */
  if (!g_error_matches (local_error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* The history first: the accounts mark the directory as seeded. */
  if (!seed_demo_history (self, error) || !seed_demo_duty (self, error))
    return FALSE;
  if (!seed_demo_accounts (self, self->config.demo_password != NULL ? self->config.demo_password : "demo",
                           error))
    return FALSE;
  g_debug ("Demo accounts seeded in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  return TRUE;
}

/* ---- life -------------------------------------------------------------- */

char *
wg_engine_find_demo_dir (void)
{
  g_autofree char *installed = g_build_filename (PKGDATADIR, "demo", "world.json", NULL);

  if (g_file_test (installed, G_FILE_TEST_EXISTS))
    return g_build_filename (PKGDATADIR, "demo", NULL);
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

#define VISIBLE_SQL \
  "SELECT (?2 IS NOT NULL AND ?5 IS NOT NULL AND EXISTS (SELECT 1 FROM incidents i WHERE i.id = ?5" \
  "        AND substr (i.grid, 1, length (?2)) = ?2))" \
  "  OR (?3 IS NOT NULL AND ?5 IS NOT NULL AND EXISTS (SELECT 1 FROM routings r WHERE r.incident = ?5" \
  "        AND r.department = ?3 AND (?1 >= r.first_seq OR ?6 = 'incident.reported')))" \
  "  OR (?4 IS NOT NULL AND ((?6 = 'unit.status_changed' AND ?7 = ?4)" \
  "        OR (?6 LIKE 'assignment.%' AND EXISTS (SELECT 1 FROM assignments a WHERE a.id = ?7 AND a.unit = ?4))))"

WgEngine *
wg_engine_new (WgServer  *server,
               GError   **error)
{
  g_autoptr(WgEngine) self = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *accounts_path = NULL;
  g_autofree char *reference_dir = NULL;
  const WgServerConfig *config;
  WgRouter *router;

  g_return_val_if_fail (WG_IS_SERVER (server), NULL);

  config = wg_server_get_config (server);
  self = g_new0 (WgEngine, 1);
  self->server = server;
  self->config = *config;

  journal_path = g_build_filename (wg_server_get_data_dir (server), "journal.db", NULL);
  self->store = wg_store_open (journal_path, error);
  if (self->store == NULL)
    return NULL;
  accounts_path = g_build_filename (wg_server_get_data_dir (server), "accounts.db", NULL);
  self->accounts = wg_account_store_open (accounts_path, error);
  if (self->accounts == NULL)
    return NULL;

  if (config->demo)
    reference_dir = wg_engine_find_demo_dir ();
  else if (config->reference_dir != NULL)
    reference_dir = g_strdup (config->reference_dir);
  if (reference_dir != NULL)
    {
      self->reference = wg_reference_load_dir (reference_dir, error);
      if (self->reference == NULL)
        return NULL;
      /* Every start: the rules are not stored, and units keep their status. */
      if (!wg_store_adopt_reference (self->store, self->reference, error))
        return NULL;
      self->reference_json = build_reference_json (self->reference);
    }

  self->pool = wg_password_pool_new (MAX (1, config->password_threads), PASSWORD_QUEUE_MAX);
  if (config->demo && !seed_demo (self, error))
    return NULL;

  if (sqlite3_prepare_v3 (wg_store_get_sqlite (self->store), VISIBLE_SQL, -1, SQLITE_PREPARE_PERSISTENT,
                          &self->visible_stmt, NULL) != SQLITE_OK)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE, "Cannot prepare the visibility query: %s",
                   sqlite3_errmsg (wg_store_get_sqlite (self->store)));
      return NULL;
    }

  self->command_limiter = wg_rate_limiter_new (config->command_rate, config->command_burst);
  self->user_failures = wg_failure_window_new (config->login_max_failures,
                                               (gint64) config->login_window_seconds * G_USEC_PER_SEC);
  self->address_failures = wg_failure_window_new (config->login_max_failures,
                                                  (gint64) config->login_window_seconds * G_USEC_PER_SEC);
  self->batcher = wg_commit_batcher_new (config->batch_max_delay_us, config->batch_max_items,
                                         commands_batch_cb, commands_answer_cb, self);
  if (!_wg_engine_attachments_init (self, error))
    return NULL;

  wg_server_set_journal (server, head_cb, backlog_cb, _wg_engine_filter_cb, self);
  wg_server_set_identify_func (server, identify_cb, self);

  router = wg_server_get_router (server);
  wg_router_add (router, "POST", "/api/v1/commands", post_commands_cb, self);
  wg_router_add (router, "GET", "/api/v1/journal", get_journal_cb, self);
  wg_router_add (router, "GET", "/api/v1/reference", get_reference_cb, self);
  wg_router_add (router, "GET", "/api/v1/incidents/{id}/cap", get_cap_cb, self);
  wg_router_add (router, "GET", "/api/v1/incidents/{id}/events", get_incident_events_cb, self);
  wg_router_add (router, "POST", "/api/v1/session", post_session_cb, self);
  wg_router_add (router, "DELETE", "/api/v1/session", delete_session_cb, self);
  wg_router_add (router, "GET", "/api/v1/audit", get_audit_cb, self);
  g_signal_connect (wg_server_get_soup_server (server), "request-read", G_CALLBACK (request_read_cb), self);

  return g_steal_pointer (&self);
}

void
wg_engine_start (WgEngine *self)
{
  g_return_if_fail (self != NULL);

  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (TIMER_INTERVAL_S, timers_cb, self);
  if (self->prune_id == 0)
    self->prune_id = g_timeout_add_seconds (PRUNE_INTERVAL_S, prune_cb, self);
  _wg_engine_attachments_start (self);
}

void
wg_engine_flush (WgEngine *self)
{
  g_return_if_fail (self != NULL);
  wg_commit_batcher_flush (self->batcher);
}

void
wg_engine_free (WgEngine *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->prune_id, g_source_remove);
  if (self->server != NULL && self->batcher != NULL)
    {
      g_signal_handlers_disconnect_by_data (wg_server_get_soup_server (self->server), self);
      wg_server_set_journal (self->server, NULL, NULL, NULL, NULL);
      wg_server_set_identify_func (self->server, NULL, NULL);
    }
  g_clear_pointer (&self->batcher, wg_commit_batcher_free);
  _wg_engine_attachments_fini (self);
  /* Waits for logins being hashed. */
  g_clear_pointer (&self->pool, wg_password_pool_free);
  g_clear_pointer (&self->visible_stmt, sqlite3_finalize);
  g_clear_pointer (&self->command_limiter, wg_rate_limiter_free);
  g_clear_pointer (&self->user_failures, wg_failure_window_free);
  g_clear_pointer (&self->address_failures, wg_failure_window_free);
  g_clear_pointer (&self->redact_in, json_node_unref);
  g_clear_pointer (&self->redact_out, json_node_unref);
  g_clear_pointer (&self->reference_json, g_bytes_unref);
  g_clear_object (&self->reference);
  g_clear_pointer (&self->accounts, wg_account_store_close);
  g_clear_pointer (&self->store, wg_store_unref);
  g_free (self);
}
