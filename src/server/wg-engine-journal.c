/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Journal reads: GET /api/v1/journal (pages of the caller's view) and
 * GET /api/v1/incidents/{id}/events (one incident's events).
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>
#include <sqlite3.h>

#include "wg-engine-private.h"
#include "wg-error.h"
#include "wg-event.h"
#include "wg-json.h"
#include "wg-problem.h"
#include "wg-store.h"

#define JOURNAL_DEFAULT_LIMIT 500
#define JOURNAL_MAX_LIMIT 5000

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

void
_wg_engine_get_journal_cb (SoupServerMessage *msg,
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
  if (!_wg_engine_parse_count (query, "after", 0, G_MAXINT64, &after) ||
      !_wg_engine_parse_count (query, "limit", 1, JOURNAL_MAX_LIMIT, &limit))
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

void
_wg_engine_get_incident_events_cb (SoupServerMessage *msg,
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

