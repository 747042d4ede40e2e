/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The audit trail: rows written for every login, command, upload and
 * positions post, and GET /api/v1/audit for the admin.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-account-store.h"
#include "wg-engine-private.h"
#include "wg-json.h"
#include "wg-problem.h"

#define AUDIT_DEFAULT_LIMIT 100
#define AUDIT_MAX_LIMIT 1000

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

  if (self->pg_data != NULL)
    wg_pg_data_audit (self->pg_data, &entry);
  else if (!wg_account_store_audit (self->accounts, &entry, &error))
    g_warning ("Cannot write an audit row (%s): %s", action, error->message);
}

static void
respond_audit (SoupServerMessage *msg,
               GPtrArray         *entries,
               gint64             after)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

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

/* A GET waiting for PostgreSQL: only the message, which outlives the
 * engine if need be. */
typedef struct
{
  SoupServerMessage *msg;
  gint64             after;
} AuditRead;

static void
pg_audit_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  AuditRead *read = user_data;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;

  entries = wg_pg_data_read_audit_finish (NULL, result, &error);
  if (entries == NULL)
    wg_problem_respond (read->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  else
    respond_audit (read->msg, entries, read->after);
  soup_server_message_unpause (read->msg);
  g_object_unref (read->msg);
  g_free (read);
}

void
_wg_engine_get_audit_cb (SoupServerMessage *msg,
                         GHashTable        *params,
                         GHashTable        *query,
                         gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, ROLE_BIT (WG_ROLE_ADMIN));
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GError) error = NULL;
  gint64 after = 0, limit = AUDIT_DEFAULT_LIMIT;

  if (actor == NULL)
    return;
  if (!_wg_engine_parse_count (query, "after", 0, G_MAXINT64, &after) ||
      !_wg_engine_parse_count (query, "limit", 1, AUDIT_MAX_LIMIT, &limit))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("“after” must be an audit row id and “limit” between 1 and 1000"));
      return;
    }
  if (self->pg_data != NULL)
    {
      AuditRead *read = g_new0 (AuditRead, 1);

      /* Every instance's rows, read on the data thread. */
      read->msg = g_object_ref (msg);
      read->after = after;
      soup_server_message_pause (msg);
      wg_pg_data_read_audit_async (self->pg_data, after, (guint) limit, pg_audit_read_cb, read);
      return;
    }
  /* The rows of commands already answered may still be queued: a short
   * wait on an admin's rare read, none on each command. */
  wg_audit_writer_flush (self->audit_writer);
  entries = wg_account_store_read_audit (self->accounts, after, (guint) limit, &error);
  if (entries == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  respond_audit (msg, entries, after);
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

void
_wg_engine_request_read_cb (SoupServer        *server,
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

