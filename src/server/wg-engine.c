/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal engine behind wangge-server's HTTP API (docs/api.md):
 *
 *  - commands go through the commit writer: on its thread, one transaction
 *    per batch, one savepoint per command (wg_store_execute_command),
 *    commit with synchronous=FULL; then, back on the main loop, the events
 *    are published to the stream in seq order and the answers go out.  The
 *    timers' system events go through the writer too: every journal write
 *    happens on that thread, through its own connection (writer_store);
 *    the main loop reads through another (store), WAL letting both run;
 *  - the stream replays the journal after ?after= and filters each event
 *    per subscriber by the store's one reading rule (wg-journal-view.h);
 *  - identity: a bearer token from the account store; roles are checked
 *    here for reads and by decide() for commands;
 *  - sessions: argon2id on the password pool, never on the main loop;
 *  - in parts of their own: the stream's identity and filter
 *    (wg-engine-stream.c), journal reads (-journal), the audit trail
 *    (-audit), demo seeding (-demo) and photos (-attachments).
 *
 * Everything else runs on the main loop but the password hashing.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "wg-account-store.h"
#include "wg-actor.h"
#include "wg-cap.h"
#include "wg-command.h"
#include "wg-engine-private.h"
#include "wg-error.h"
#include "wg-event.h"
#include "wg-password.h"
#include "wg-problem.h"
#include "wg-rate-limit.h"
#include "wg-reference-blob.h"
#include "wg-reference.h"
#include "wg-store-reference.h"
#include "wg-journal-view.h"
#include "wg-json.h"
#include "wg-json-guard.h"
#include "wg-json-write.h"
#include "wg-store.h"

#define PASSWORD_QUEUE_MAX 64
#define TIMER_INTERVAL_S 1
#define PRUNE_INTERVAL_S 60

/* ---- helpers ----------------------------------------------------------- */

char *
_wg_engine_remote_address (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GInetAddress *address;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("unknown");
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4)
    {
      /* By hand: inet_ntop()'s sprintf was 2,000 instructions of every
       * command (the audit row's address). */
      const guint8 *bytes = g_inet_address_to_bytes (address);
      char text[16], *out = text;

      for (guint i = 0; i < 4; i++)
        {
          if (i > 0)
            *out++ = '.';
          if (bytes[i] >= 100)
            *out++ = (char) ('0' + bytes[i] / 100);
          if (bytes[i] >= 10)
            *out++ = (char) ('0' + bytes[i] / 10 % 10);
          *out++ = (char) ('0' + bytes[i] % 10);
        }
      return g_strndup (text, out - text);
    }
  return g_inet_address_to_string (address);
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

gboolean
_wg_engine_parse_count (GHashTable *query,
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

/* ---- commands ---------------------------------------------------------- */

/* The writer's work: a command from a client, or a turn of the server's
 * own (then command is NULL). */
typedef enum
{
  JOB_COMMAND,
  JOB_TIMERS,
  JOB_PURGE,
  JOB_CATCH_UP,   /* another instance appended (PostgreSQL): the batch's begin catches up */
} JobKind;

typedef struct
{
  JobKind    kind;
  GBytes    *body;        /* the request's, until the writer reads it into command */
  WgCommand *command;
  GError    *read_error;  /* the body is no command: answered and audited on the main loop */
  WgActor   *actor;
  char      *address;
  GError    *refusal;   /* by a rule decide() cannot check (accounts), or NULL */
} CommandJob;

static void
command_job_free (gpointer data)
{
  CommandJob *job = data;

  g_clear_pointer (&job->body, g_bytes_unref);
  g_clear_pointer (&job->command, wg_command_unref);
  g_clear_error (&job->read_error);
  g_clear_pointer (&job->actor, wg_actor_free);
  g_free (job->address);
  g_clear_error (&job->refusal);
  g_free (job);
}

typedef struct
{
  GPtrArray *caught_up;   /* other instances' events applied before the batch (PostgreSQL) */
  GPtrArray *events;
  gboolean   replayed;
  gint64     head;
  char      *answer;          /* the 200 answer's text, written on the writer thread */
  gsize      answer_length;
  const char *outcome;        /* the metrics' label of a stored command: static */
} CommandResult;

static void
command_result_free (gpointer data)
{
  CommandResult *result = data;

  g_clear_pointer (&result->caught_up, g_ptr_array_unref);
  g_clear_pointer (&result->events, g_ptr_array_unref);
  g_free (result->answer);
  g_free (result);
}

/* On the writer thread, once the batch is durable: the answer's text, so
 * that the main loop only hands it to the message.  Written as text, in
 * the members' order of the builder it replaced. */
static void
write_command_answer (CommandJob    *job,
                      CommandResult *result)
{
  gboolean sees_phones = (ROLE_BIT (job->actor->role) & PHONE_ROLES) != 0;
  gsize length = 0;
  GString *out;

  /* Sized to the texts: a block of 1 KiB or more is one of malloc's large
   * ones, each merging the freed small blocks first (3,600 instructions). */
  for (guint i = 0; result->events != NULL && i < result->events->len; i++)
    {
      const char *text = wg_event_get_text (g_ptr_array_index (result->events, i), !sees_phones);

      length += text != NULL ? strlen (text) + 1 : 512;
    }
  out = g_string_sized_new (length + 96);
  g_string_append (out, "{\"command\":");
  wg_json_write_string (out, wg_command_get_id (job->command));
  g_string_append (out, result->replayed ? ",\"replayed\":true,\"events\":[" : ",\"replayed\":false,\"events\":[");
  for (guint i = 0; result->events != NULL && i < result->events->len; i++)
    {
      WgEvent *event = g_ptr_array_index (result->events, i);
      const char *text = wg_event_get_text (event, !sees_phones);

      if (i > 0)
        g_string_append_c (out, ',');
      if (text != NULL)
        g_string_append (out, text);
      else
        {
          /* A replayed answer, read back from the journal. */
          g_autoptr(WgEvent) shown = sees_phones ? wg_event_ref (event) : wg_event_redact_caller (event);

          wg_event_write_json (shown, out);
        }
    }
  g_string_append (out, "],\"head\":");
  wg_json_write_int (out, result->head);
  g_string_append_c (out, '}');
  result->answer_length = out->len;
  result->answer = g_string_free (out, FALSE);
}

#define STORAGE_WARNING_INTERVAL_US (10 * G_USEC_PER_SEC)
/* SQLite's own threshold for a checkpoint. */
#define WAL_CHECKPOINT_FRAMES 1000

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

/* On the writer thread.  decide() does not know the accounts: the server
 * checks that the roster goes to a duty leader's account.  The refusal is
 * a rule's, stored with the command id like decide()'s own. */
static gboolean
check_roster_target (WgEngine   *self,
                     WgCommand  *command,
                     GError    **error)
{
  const char *to;
  g_autoptr(WgAccount) target = NULL;

  if (wg_command_get_kind (command) != WG_CMD_ROSTER_HANDOVER)
    return TRUE;
  to = json_object_get_string_member_with_default (wg_command_get_body (command), "to", NULL);
  if (to == NULL)
    return TRUE;
  target = wg_account_store_lookup (self->writer_accounts, to, NULL);
  if (target == NULL || target->disabled || g_strcmp0 (target->role, "duty_leader") != 0)
    {
      g_set_error_literal (error, WG_ERROR, WG_ERROR_INVALID_FIELD,
                           "body.to must name an enabled duty leader's account");
      return FALSE;
    }
  return TRUE;
}

/* On the writer thread, before the batch's transaction: the request's body
 * read into its command, or the refusal the main loop answers.  Most
 * commands: strict JSON read straight into the command.  Anything else
 * takes the general path, whose refusals are the reference. */
static void
read_command (WgEngine   *self,
              CommandJob *job)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) body = g_steal_pointer (&job->body);
  guint max_depth = self->config.json_max_depth;
  gsize length = 0;
  const char *data = g_bytes_get_data (body, &length);

  if (data != NULL && wg_json_guard_scan (data, length, max_depth, NULL))
    job->command = wg_command_read_strict (data, length, max_depth);
  if (job->command == NULL)
    {
      root = wg_json_parse_untrusted (body, max_depth, &job->read_error);
      if (root == NULL)
        return;
      job->command = wg_command_from_json (root, &job->read_error);
      if (job->command == NULL)
        return;
    }
  check_roster_target (self, job->command, &job->refusal);
}

/* On the writer thread: runs the batch in one transaction, each command's
 * result on its item.  On SQLite the commands run without a savepoint
 * each unless @savepoints (wg_store_begin_without_savepoints()). */
static gboolean
store_batch (WgEngine   *self,
             GPtrArray  *items,
             gint64      now_ms,
             gboolean    savepoints,
             gboolean   *purge,
             GError    **error)
{
  g_autoptr(GPtrArray) caught_up = NULL;
  g_autoptr(GPtrArray) command_ids = g_ptr_array_new ();
  gboolean only_catch_up = TRUE;

  /* The batch's command ids: on PostgreSQL their stored answers are read
   * in one statement. */
  for (guint i = 0; i < items->len; i++)
    {
      CommandJob *job = ((WgCommitItem *) g_ptr_array_index (items, i))->data;

      if (job->body != NULL)
        read_command (self, job);
      if (job->command != NULL)
        g_ptr_array_add (command_ids, (gpointer) wg_command_get_id (job->command));
      if (job->kind == JOB_CATCH_UP)
        g_atomic_int_set (&self->catch_up_waiting, FALSE);
      else
        only_catch_up = FALSE;
    }
  g_ptr_array_add (command_ids, NULL);
  if (self->pg == NULL && !savepoints
      ? !wg_store_begin_without_savepoints (self->writer_store, error)
      : !_wg_engine_store_begin (self, (const char * const *) command_ids->pdata, only_catch_up,
                                 &caught_up, error))
    return FALSE;

  _wg_engine_attachments_batch_begin (self);
  for (guint i = 0; i < items->len; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);
      CommandJob *job = item->data;
      CommandResult *result = g_new0 (CommandResult, 1);

      /* A second run starts the batch again. */
      g_clear_pointer (&item->result, command_result_free);
      g_clear_error (&item->error);
      item->result = result;
      item->result_destroy = command_result_free;
      if (i == 0)
        result->caught_up = g_steal_pointer (&caught_up);
      if (job->kind == JOB_TIMERS)
        _wg_engine_store_run_timers (self, now_ms, &result->events, &item->error);
      else if (job->kind == JOB_PURGE)
        *purge = TRUE;
      else if (job->command != NULL)
        _wg_engine_store_execute (self, job->command, job->actor, now_ms, job->refusal,
                                  &result->events, &result->replayed, &item->error);
    }
  return _wg_engine_store_commit (self, error);
}

/* On the writer thread. */
static gboolean
commands_batch_cb (GPtrArray  *items,
                   gpointer    user_data,
                   GError    **error)
{
  WgEngine *self = user_data;
  g_autoptr(GPtrArray) audits = NULL;
  g_autoptr(GError) unguarded_error = NULL;
  gint64 now_ms = g_get_real_time () / 1000;
  gboolean purge = FALSE;
  gint64 began_us = g_get_monotonic_time ();
  gint64 head;

  if (!store_batch (self, items, now_ms, FALSE, &purge, &unguarded_error))
    {
      /* A command failed after writing: the batch again, each command in
       * its own savepoint, as if the first run had not been. */
      if (self->pg != NULL || !wg_store_batch_needs_savepoints (self->writer_store) ||
          !store_batch (self, items, now_ms, TRUE, &purge, error))
        {
          if (*error == NULL)
            g_propagate_error (error, g_steal_pointer (&unguarded_error));
          warn_storage_failure (self, items->len, *error);
          return FALSE;
        }
    }

  wg_metrics_observe_batch (wg_server_get_metrics (self->server), items->len, g_get_monotonic_time () - began_us);

  /* Durable: the main loop publishes them (commands_done_cb). */
  head = wg_store_head (self->writer_store);
  audits = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_audit_entry_free);
  for (guint i = 0; i < items->len; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);
      CommandJob *job = item->data;
      CommandResult *result = item->result;
      guint status = 200;
      const char *code = "ok";
      g_autofree char *action = NULL;
      WgAuditEntry *entry;

      result->head = head;
      if (job->kind != JOB_COMMAND)
        {
          if (item->error != NULL)
            g_warning ("Timers failed: %s", item->error->message);
          continue;
        }
      if (job->command == NULL)
        continue;
      if (!result->replayed && result->events != NULL)
        _wg_engine_attachments_committed (self, job->command, job->actor, result->events);
      if (item->error == NULL)
        write_command_answer (job, result);
      else
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
      /* Counted on the main loop (commands_done_cb): the message is its. */
      result->outcome = result->replayed ? "replayed" : item->error == NULL ? "accepted" : code;
      action = g_strconcat ("command:", wg_command_get_type_name (job->command), NULL);
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
  /* Queued for a thread that groups them (PostgreSQL's data thread, or
   * the accounts file's audit writer): not written on the thread every
   * answer waits for. */
  if (self->pg_data != NULL)
    for (guint i = 0; i < audits->len; i++)
      wg_pg_data_audit (self->pg_data, g_ptr_array_index (audits, i));
  else
    wg_audit_writer_queue (self->audit_writer, g_steal_pointer (&audits));
  if (purge)
    _wg_engine_attachments_purge (self);
  return TRUE;
}

/* On the main loop, each batch in commit order: the reads may see it, the
 * stream shows it. */
static void
commands_done_cb (GPtrArray    *items,
                  const GError *batch_error,
                  gpointer      user_data)
{
  WgEngine *self = user_data;

  for (guint i = 0; i < items->len; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);
      CommandJob *job = item->data;
      CommandResult *result = item->result;

      if (job->kind == JOB_TIMERS)
        self->timers_queued = FALSE;
      else if (job->kind == JOB_PURGE)
        self->purge_queued = FALSE;
      else if (job->kind == JOB_CATCH_UP)
        self->catch_up_queued = FALSE;
      else if (job->read_error != NULL)
        _wg_engine_audit (self, job->actor->username, job->address, "command", NULL,
                          wg_problem_status_for_error (job->read_error),
                          wg_problem_slug_for_error (job->read_error));
      /* No result: the batch failed to begin. */
      if (result != NULL && result->caught_up != NULL && result->caught_up->len > 0)
        {
          /* Other instances' commits the mirror applied, whatever became
           * of this batch (those applied inside it went if it rolled back:
           * the next batch applies them again). */
          WgEvent *last = g_ptr_array_index (result->caught_up, result->caught_up->len - 1);

          wg_store_follow_head (self->store, last->seq);
          /* Published events share their bodies' JsonObjects, whose
           * reference count is not atomic: they are freed here, not with
           * the rest of the item on the writer thread. */
          if (_wg_engine_publish_events (self, result->caught_up))
            g_clear_pointer (&result->caught_up, g_ptr_array_unref);
        }
      if (batch_error != NULL)
        continue;
      if (result->outcome != NULL)
        wg_metrics_count_command (wg_server_get_metrics (self->server), item->msg,
                                  wg_command_get_type_name (job->command), result->outcome);
      wg_store_follow_head (self->store, result->head);
      if (!result->replayed && result->events != NULL &&
          _wg_engine_publish_events (self, result->events))
        g_clear_pointer (&result->events, g_ptr_array_unref);
    }
}

static void
commands_answer_cb (WgCommitItem *item,
                    const GError *batch_error,
                    gpointer      user_data)
{
  CommandJob *job = item->data;
  CommandResult *result = item->result;

  /* Never stored: refused whatever became of the batch. */
  if (job->read_error != NULL)
    {
      wg_problem_respond_error (item->msg, job->read_error);
      return;
    }
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
  soup_server_message_set_status (item->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (item->msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&result->answer), result->answer_length);
}

static void
post_commands_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *address = _wg_engine_remote_address (msg);
  g_autofree char *code = NULL;
  double retry_after = 0;
  CommandJob *job;

  actor = _wg_engine_require_actor (self, msg, 0);
  if (actor == NULL)
    return;

  if (!_wg_engine_sessions_allow_command (self, msg, &retry_after))
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

  bytes = wg_server_read_json_bytes (self->server, msg);
  if (bytes == NULL)
    goto refused;

  /* Read into its command on the writer thread (read_command()): the main
   * loop's time is every request's wait, reads and other answers too. */
  job = g_new0 (CommandJob, 1);
  job->kind = JOB_COMMAND;
  job->body = g_steal_pointer (&bytes);
  job->actor = g_steal_pointer (&actor);
  job->address = g_steal_pointer (&address);
  wg_commit_writer_submit (self->writer, msg, job, command_job_free);
  return;

refused:
  code = _wg_engine_answer_code (msg);
  _wg_engine_audit (self, actor->username, address, "command", NULL, soup_server_message_get_status (msg), code);
}

/* ---- timers ------------------------------------------------------------ */

static void
queue_job (WgEngine *self,
           JobKind   kind)
{
  CommandJob *job = g_new0 (CommandJob, 1);

  job->kind = kind;
  wg_commit_writer_submit (self->writer, NULL, job, command_job_free);
}

static gboolean
timers_cb (gpointer data)
{
  WgEngine *self = data;

  /* The system events are journal writes: the writer's, in the next batch
   * (one turn queued at most, however long the disk takes). */
  if (!self->timers_queued)
    {
      self->timers_queued = TRUE;
      queue_job (self, JOB_TIMERS);
    }
  return G_SOURCE_CONTINUE;
}

void
_wg_engine_queue_purge (WgEngine *self)
{
  if (!self->purge_queued)
    {
      self->purge_queued = TRUE;
      queue_job (self, JOB_PURGE);
    }
}

void
_wg_engine_queue_catch_up (WgEngine *self)
{
  if (!self->catch_up_queued)
    {
      self->catch_up_queued = TRUE;
      g_atomic_int_set (&self->catch_up_waiting, TRUE);
      queue_job (self, JOB_CATCH_UP);
    }
}

static gboolean
prune_cb (gpointer data)
{
  WgEngine *self = data;
  gint64 now = g_get_monotonic_time ();

  wg_rate_limiter_prune (self->command_limiter, now);
  _wg_engine_sessions_prune (self, now);
  return G_SOURCE_CONTINUE;
}

/* ---- reference --------------------------------------------------------- */

/* The bundle as served: the loaded files and the time zone's id. */
static JsonObject *
build_reference_bundle (WgReference *reference)
{
  JsonObject *bundle = wg_reference_get_bundle (reference);
  JsonObject *copy = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (bundle);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (bundle, l->data)));
  json_object_set_string_member (copy, "timezone", wg_reference_get_time_zone_id (reference));
  return copy;
}

static GBytes *
build_reference_json (JsonObject *bundle)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length;
  char *text;

  json_node_set_object (root, bundle);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

/* Computed once at load: a console holding this copy asks with it and
 * gets a 304 instead of the whole bundle (a city's is some 15 MB). */
static char *
reference_etag (GBytes *json)
{
  g_autofree char *sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, json);

  return g_strdup_printf ("\"%s\"", sha256);
}

/* One form of the reference (@bytes, NULL when the server has none) with
 * its @etag: 304 when If-None-Match names our copy, else the bytes
 * themselves (not copied: a city's are some 15 MB). */
static void
respond_reference (WgEngine          *self,
                   SoupServerMessage *msg,
                   GBytes            *bytes,
                   const char        *etag,
                   const char        *content_type)
{
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);
  const char *if_none_match;

  if (actor == NULL)
    return;
  if (bytes == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "no-reference",
                          _("Start the server with --reference DIR or --demo"));
      return;
    }
  if_none_match = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "If-None-Match");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", etag);
  if (if_none_match != NULL && strstr (if_none_match, etag) != NULL)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg), content_type, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
}

static void
get_reference_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;

  respond_reference (self, msg, self->reference_json, self->reference_etag, "application/json");
}

/* The same reference as a GVariant (wg-reference-blob.h): a console
 * reads it without parsing its outlines. */
static void
get_reference_binary_cb (SoupServerMessage *msg,
                         GHashTable        *params,
                         GHashTable        *query,
                         gpointer           user_data)
{
  WgEngine *self = user_data;

  respond_reference (self, msg, self->reference_blob, self->reference_blob_etag, WG_REFERENCE_BLOB_CONTENT_TYPE);
}

/* ---- CAP --------------------------------------------------------------- */

void
_wg_engine_respond_cap (WgEngine          *self,
                        WgStore           *store,
                        SoupServerMessage *msg,
                        const char        *id,
                        const char        *exercise_note,
                        gint64             now_ms)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *sender = NULL;
  WgIncidentRecord incident = { 0 };
  gsize length;

  if (!wg_store_get_incident (store, id, &incident, &error))
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
  xml = exercise_note != NULL ? wg_cap_build_exercise_alert (&incident, self->reference, sender, exercise_note, now_ms)
                              : wg_cap_build_alert (&incident, self->reference, sender, FALSE, now_ms);
  wg_incident_record_clear (&incident);
  length = strlen (xml);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/cap+xml; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&xml), length);
}

static void
get_cap_cb (SoupServerMessage *msg,
            GHashTable        *params,
            GHashTable        *query,
            gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, CAP_ROLES);

  if (actor != NULL)
    _wg_engine_respond_cap (self, self->store, msg, g_hash_table_lookup (params, "id"), NULL, g_get_real_time () / 1000);
}

/* ---- life -------------------------------------------------------------- */

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

  /* The writer's connection sets up the journal (reference, demo) before
   * its thread starts; the main loop's opens on the result. */
  journal_path = g_build_filename (wg_server_get_data_dir (server), "journal.db", NULL);
  self->writer_store = wg_store_open_unshared (journal_path, error);
  if (self->writer_store == NULL)
    return NULL;
  /* Reads serve each event's text as it was stored (wg-journal-view.h):
   * the writer stores it with each append. */
  wg_store_set_keep_event_text (self->writer_store, TRUE);
  accounts_path = g_build_filename (wg_server_get_data_dir (server), "accounts.db", NULL);
  self->accounts = wg_account_store_open (accounts_path, error);
  if (self->accounts == NULL)
    return NULL;
  self->writer_accounts = wg_account_store_open_unshared (accounts_path, error);
  if (self->writer_accounts == NULL)
    return NULL;
  /* The command audit: one fsync per batch (the journal's) is the cost of
   * durability; the audit rows go to a thread of their own, without one. */
  self->audit_writer = wg_audit_writer_new (accounts_path, error);
  if (self->audit_writer == NULL)
    return NULL;

  if (config->demo)
    reference_dir = wg_engine_find_demo_dir ();
  else if (config->reference_dir != NULL)
    reference_dir = g_strdup (config->reference_dir);
  if (reference_dir != NULL)
    {
      self->reference = _wg_engine_load_reference (self, reference_dir, error);
      if (self->reference == NULL)
        return NULL;
      /* Every start: the rules are not stored, and units keep their status. */
      if (!wg_store_adopt_reference (self->writer_store, self->reference, error))
        return NULL;
      {
        g_autoptr(JsonObject) bundle = build_reference_bundle (self->reference);

        self->reference_json = build_reference_json (bundle);
        self->reference_etag = reference_etag (self->reference_json);
        self->reference_blob = wg_reference_blob_build (self->reference, bundle);
        self->reference_blob_etag = reference_etag (self->reference_blob);
      }
    }
  /* A journal from before the store kept its texts (or its public one)
   * gets them once, here: the public text needs the reference's grids. */
  {
    guint filled = 0;

    if (!wg_store_fill_event_texts (self->writer_store, &filled, error))
      return NULL;
    if (filled > 0)
      g_message ("Stored the JSON texts of %u earlier events", filled);
  }
  /* With --database the journal is PostgreSQL's; journal.db is this
   * instance's mirror of it (wg-engine-postgres.c), caught up here with
   * the reference adopted (the stored public texts need its grids). */
  if (!_wg_engine_postgres_open (self, error))
    return NULL;

  self->pool = wg_password_pool_new (MAX (1, config->password_threads), PASSWORD_QUEUE_MAX);
  if (config->demo && !_wg_engine_seed_demo (self, error))
    return NULL;
  if (!_wg_engine_postgres_publish_seed (self, error))
    return NULL;
  self->store = wg_store_open (journal_path, error);
  if (self->store == NULL)
    return NULL;
  /* The centre's calendar (statistics' periods, CAP) for the reading side too. */
  wg_store_set_rules (self->store, wg_store_get_rules (self->writer_store));

  self->command_limiter = wg_rate_limiter_new (config->command_rate, config->command_burst);
  if (!_wg_engine_attachments_init (self, error))
    return NULL;
  /* Not in the commit that fills the WAL: that batch's requests waited
   * for the whole checkpoint (PostgreSQL's mirror keeps SQLite's own). */
  if (self->pg == NULL &&
      !wg_store_checkpoint_wal_in_background (self->writer_store, WAL_CHECKPOINT_FRAMES, error))
    return NULL;
  self->writer = wg_commit_writer_new (config->batch_max_items, commands_batch_cb, commands_done_cb,
                                       commands_answer_cb, self);
  _wg_engine_postgres_prepare_writer (self);

  _wg_engine_stream_init (self);
  wg_server_set_journal_id (server, wg_store_get_journal_id (self->store));

  router = wg_server_get_router (server);
  wg_router_add (router, "POST", "/api/v1/commands", post_commands_cb, self);
  wg_router_add (router, "GET", "/api/v1/journal", _wg_engine_get_journal_cb, self);
  wg_router_add (router, "GET", "/api/v1/reference", get_reference_cb, self);
  wg_router_add (router, "GET", "/api/v1/reference/binary", get_reference_binary_cb, self);
  wg_router_add (router, "GET", "/api/v1/incidents/{id}/cap", get_cap_cb, self);
  wg_router_add (router, "GET", "/api/v1/incidents/{id}/events", _wg_engine_get_incident_events_cb, self);
  wg_router_add (router, "GET", "/api/v1/audit", _wg_engine_get_audit_cb, self);
  _wg_engine_add_statistics_routes (self, router);
  if (!_wg_engine_add_bookmark_routes (self, router, error))
    return NULL;
  _wg_engine_sessions_init (self);
  _wg_engine_snapshot_init (self, router);
  if (!_wg_engine_exercises_init (self, router, error))
    return NULL;
  g_signal_connect (wg_server_get_soup_server (server), "request-read", G_CALLBACK (_wg_engine_request_read_cb), self);

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
  _wg_engine_postgres_start (self);
  _wg_engine_exercises_start (self);
}

void
wg_engine_flush (WgEngine *self)
{
  g_return_if_fail (self != NULL);
  wg_commit_writer_flush (self->writer);
}

void
wg_engine_free (WgEngine *self)
{
  if (self == NULL)
    return;

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->prune_id, g_source_remove);
  g_clear_pointer (&self->bookmarks, wg_bookmark_store_free);
  _wg_engine_exercises_fini (self);
  if (self->server != NULL && self->writer != NULL)
    {
      g_signal_handlers_disconnect_by_data (wg_server_get_soup_server (self->server), self);
      wg_server_set_journal (self->server, NULL, NULL, NULL, NULL);
      wg_server_set_journal_id (self->server, NULL);
      wg_server_set_identify_func (self->server, NULL, NULL);
    }
  _wg_engine_postgres_stop (self);
  /* Commits and answers what waits, then stops the thread. */
  g_clear_pointer (&self->writer, wg_commit_writer_free);
  _wg_engine_postgres_fini (self);
  _wg_engine_attachments_fini (self);
  /* Waits for logins being hashed. */
  g_clear_pointer (&self->pool, wg_password_pool_free);
  g_clear_pointer (&self->command_limiter, wg_rate_limiter_free);
  _wg_engine_sessions_fini (self);
  g_clear_pointer (&self->snapshot_cache, g_ptr_array_unref);
  g_clear_pointer (&self->redact_in, json_node_unref);
  g_clear_pointer (&self->redact_out, json_node_unref);
  g_clear_pointer (&self->public_in, json_node_unref);
  g_clear_pointer (&self->public_out, json_node_unref);
  g_clear_pointer (&self->reference_json, g_bytes_unref);
  g_clear_pointer (&self->reference_etag, g_free);
  g_clear_pointer (&self->reference_blob, g_bytes_unref);
  g_clear_pointer (&self->reference_blob_etag, g_free);
  g_clear_object (&self->reference);
  /* After the commit writer's last batch: writes the rows it queued. */
  g_clear_pointer (&self->audit_writer, wg_audit_writer_free);
  g_clear_pointer (&self->accounts, wg_account_store_close);
  g_clear_pointer (&self->writer_accounts, wg_account_store_close);
  g_clear_pointer (&self->store, wg_store_unref);
  g_clear_pointer (&self->writer_store, wg_store_unref);
  g_free (self);
}
