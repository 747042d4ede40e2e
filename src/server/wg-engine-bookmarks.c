/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * POST and GET /api/v1/bookmarks: trainers, duty leaders and dispatchers
 * mark moments of the journal for replay and reviews (protocol.md,
 * "Replay and exercises").  Kept in bookmarks.db, outside the journal, or
 * on PostgreSQL (--database) in its bookmarks table, shared by every
 * instance and written and read on the engine's data thread.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-bookmark-store.h"
#include "wg-command.h"
#include "wg-engine-private.h"
#include "wg-json.h"
#include "wg-problem.h"
#include "wg-server.h"

#define BOOKMARK_ROLES (ROLE_BIT (WG_ROLE_ADMIN) | ROLE_BIT (WG_ROLE_DUTY_LEADER) | \
                        ROLE_BIT (WG_ROLE_DISPATCHER) | ROLE_BIT (WG_ROLE_TRAINER))
#define REMARK_MAX_CHARS 1000
#define LIST_DEFAULT_LIMIT 500
#define LIST_MAX_LIMIT 5000

static void
add_bookmark_json (JsonBuilder      *b,
                   const WgBookmark *bookmark)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, bookmark->id);
  json_builder_set_member_name (b, "moment");
  json_builder_add_int_value (b, bookmark->moment);
  json_builder_set_member_name (b, "incident");
  if (bookmark->incident != NULL)
    json_builder_add_string_value (b, bookmark->incident);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "remark");
  json_builder_add_string_value (b, bookmark->remark);
  json_builder_set_member_name (b, "author");
  json_builder_add_string_value (b, bookmark->author);
  json_builder_set_member_name (b, "created");
  json_builder_add_int_value (b, bookmark->created);
  json_builder_end_object (b);
}

/* A request waiting for PostgreSQL: the message and the bookmark to
 * answer with, nothing of the engine's. */
typedef struct
{
  SoupServerMessage *msg;
  WgBookmark        *bookmark;
} BookmarkRequest;

static void
respond_created (SoupServerMessage *msg,
                 const WgBookmark  *bookmark)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *location = g_strconcat ("/api/v1/bookmarks/", bookmark->id, NULL);

  add_bookmark_json (b, bookmark);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
  wg_json_respond_builder (msg, SOUP_STATUS_CREATED, b);
}

static void
respond_list (SoupServerMessage *msg,
              GPtrArray         *bookmarks)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "bookmarks");
  json_builder_begin_array (b);
  for (guint i = 0; i < bookmarks->len; i++)
    add_bookmark_json (b, bookmarks->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, b);
}

static void
pg_added_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  BookmarkRequest *request = user_data;
  g_autoptr(GError) error = NULL;

  if (wg_pg_data_add_bookmark_finish (NULL, result, &error))
    respond_created (request->msg, request->bookmark);
  else
    wg_problem_respond (request->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  soup_server_message_unpause (request->msg);
  g_object_unref (request->msg);
  wg_bookmark_free (request->bookmark);
  g_free (request);
}

static void
pg_listed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SoupServerMessage) msg = user_data;
  g_autoptr(GPtrArray) bookmarks = NULL;
  g_autoptr(GError) error = NULL;

  bookmarks = wg_pg_data_list_bookmarks_finish (NULL, result, &error);
  if (bookmarks != NULL)
    respond_list (msg, bookmarks);
  else
    wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  soup_server_message_unpause (msg);
}

static void
post_bookmark_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, BOOKMARK_ROLES);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  WgBookmark bookmark = { 0 };
  JsonObject *body;
  const char *incident = NULL, *remark = NULL;
  gint64 moment = -1;

  if (actor == NULL)
    return;
  root = wg_server_read_json_body (self->server, msg);
  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", _("A bookmark is a JSON object"));
      return;
    }
  body = json_node_get_object (root);
  if (!wg_json_get_int (body, "moment", TRUE, &moment, &error) ||
      !wg_json_get_string (body, "incident", FALSE, &incident, &error) ||
      !wg_json_get_string (body, "remark", TRUE, &remark, &error))
    {
      wg_problem_respond (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid-field", error->message);
      return;
    }
  if (moment < 0 || g_utf8_strlen (remark, -1) > REMARK_MAX_CHARS || !g_utf8_validate (remark, -1, NULL))
    {
      g_autofree char *detail = g_strdup_printf (_("“moment” is UTC milliseconds and “remark” at most %d characters"),
                                                 REMARK_MAX_CHARS);
      wg_problem_respond (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid-field", detail);
      return;
    }
  if (incident != NULL)
    {
      g_auto(WgIncidentRecord) record = { 0 };

      if (!wg_uuid_is_valid (incident) || !wg_store_get_incident (self->store, incident, &record, &error))
        {
          if (error != NULL)
            wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
          else
            wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-incident", _("No such incident"));
          return;
        }
    }

  bookmark.id = wg_uuid_new ();
  bookmark.moment = moment;
  bookmark.incident = (char *) incident;
  bookmark.remark = (char *) remark;
  bookmark.author = actor->username;
  bookmark.created = g_get_real_time () / 1000;
  if (self->pg_data != NULL)
    {
      BookmarkRequest *request = g_new0 (BookmarkRequest, 1);

      request->msg = g_object_ref (msg);
      request->bookmark = g_new0 (WgBookmark, 1);
      request->bookmark->id = bookmark.id;
      request->bookmark->moment = moment;
      request->bookmark->incident = g_strdup (incident);
      request->bookmark->remark = g_strdup (remark);
      request->bookmark->author = g_strdup (actor->username);
      request->bookmark->created = bookmark.created;
      soup_server_message_pause (msg);
      wg_pg_data_add_bookmark_async (self->pg_data, request->bookmark, pg_added_cb, request);
      return;
    }
  if (!wg_bookmark_store_add (self->bookmarks, &bookmark, &error))
    {
      g_free (bookmark.id);
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  respond_created (msg, &bookmark);
  g_free (bookmark.id);
}

static gboolean
parse_int (GHashTable *query,
           const char *name,
           gint64      min,
           gint64      max,
           gint64     *out)
{
  const char *text = query != NULL ? g_hash_table_lookup (query, name) : NULL;
  char *end = NULL;

  if (text == NULL)
    return TRUE;
  *out = g_ascii_strtoll (text, &end, 10);
  return end != text && *end == '\0' && *out >= min && *out <= max;
}

static void
get_bookmarks_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, BOOKMARK_ROLES);
  g_autoptr(GPtrArray) bookmarks = NULL;
  g_autoptr(GError) error = NULL;
  const char *incident = query != NULL ? g_hash_table_lookup (query, "incident") : NULL;
  gint64 from = 0, to = G_MAXINT64, limit = LIST_DEFAULT_LIMIT;

  if (actor == NULL)
    return;
  if (!parse_int (query, "from", 0, G_MAXINT64, &from) || !parse_int (query, "to", 0, G_MAXINT64, &to) ||
      !parse_int (query, "limit", 1, LIST_MAX_LIMIT, &limit) || from >= to ||
      (incident != NULL && !wg_uuid_is_valid (incident)))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("Optional from < to (UTC milliseconds), incident (an id) and limit (1..5000)"));
      return;
    }
  if (self->pg_data != NULL)
    {
      soup_server_message_pause (msg);
      wg_pg_data_list_bookmarks_async (self->pg_data, from, to, incident, (guint) limit, pg_listed_cb,
                                       g_object_ref (msg));
      return;
    }
  bookmarks = wg_bookmark_store_list (self->bookmarks, from, to, incident, (guint) limit, &error);
  if (bookmarks == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  respond_list (msg, bookmarks);
}

gboolean
_wg_engine_add_bookmark_routes (WgEngine  *self,
                                WgRouter  *router,
                                GError   **error)
{
  g_autofree char *path = g_build_filename (wg_server_get_data_dir (self->server), "bookmarks.db", NULL);

  self->bookmarks = wg_bookmark_store_open (path, error);
  if (self->bookmarks == NULL)
    return FALSE;
  wg_router_add (router, "POST", "/api/v1/bookmarks", post_bookmark_cb, self);
  wg_router_add (router, "GET", "/api/v1/bookmarks", get_bookmarks_cb, self);
  return TRUE;
}
