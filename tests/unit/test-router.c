/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The router on a real SoupServer: literal and {name} segments, 404 and 405
 * problems with Allow, the decoded query.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "wg-problem.h"
#include "wg-router.h"

typedef struct
{
  SoupServer  *server;
  WgRouter    *router;
  SoupSession *session;
  char        *base;
} Fixture;

static void
echo_cb (SoupServerMessage *msg,
         GHashTable        *params,
         GHashTable        *query,
         gpointer           user_data)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  const char *id = g_hash_table_lookup (params, "id");
  const char *q = g_hash_table_lookup (query, "q");

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "route");
  json_builder_add_string_value (builder, user_data);
  json_builder_set_member_name (builder, "id");
  if (id != NULL)
    json_builder_add_string_value (builder, id);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "q");
  if (q != NULL)
    json_builder_add_string_value (builder, q);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

static void
default_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  wg_router_dispatch (user_data, msg);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  fx->router = wg_router_new ();
  wg_router_add (fx->router, "GET", "/api/v1/incidents/{id}/cap", echo_cb, (gpointer) "cap");
  wg_router_add (fx->router, "GET", "/api/v1/incidents/{id}", echo_cb, (gpointer) "incident");
  wg_router_add (fx->router, "POST", "/api/v1/incidents/{id}", echo_cb, (gpointer) "incident-post");
  wg_router_add (fx->router, "GET", "/api/v1/journal", echo_cb, (gpointer) "journal");
  fx->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx->server, NULL, default_cb, fx->router, NULL);
  soup_server_listen_local (fx->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fx->server);
  fx->base = g_uri_to_string (uris->data);
  fx->base[strlen (fx->base) - 1] = '\0';   /* no trailing slash */
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  fx->session = soup_session_new ();
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_clear_object (&fx->session);
  soup_server_disconnect (fx->server);
  g_clear_object (&fx->server);
  g_clear_pointer (&fx->router, wg_router_free);
  g_free (fx->base);
}

typedef struct
{
  gboolean     done;
  guint        status;
  char        *allow;
  char        *content_type;
  JsonNode    *json;
} Reply;

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Reply *reply = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(JsonParser) parser = json_parser_new ();
  SoupMessageHeaders *headers;

  g_assert_no_error (error);
  headers = soup_message_get_response_headers (msg);
  reply->status = soup_message_get_status (msg);
  reply->allow = g_strdup (soup_message_headers_get_one (headers, "Allow"));
  reply->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  reply->json = json_parser_steal_root (parser);
  reply->done = TRUE;
}

static Reply *
request (Fixture    *fx,
         const char *method,
         const char *path)
{
  g_autofree char *url = g_strconcat (fx->base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Reply *reply = g_new0 (Reply, 1);

  soup_session_send_and_read_async (fx->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, reply);
  while (!reply->done)
    g_main_context_iteration (NULL, TRUE);
  return reply;
}

static void
reply_free (Reply *reply)
{
  g_free (reply->allow);
  g_free (reply->content_type);
  g_clear_pointer (&reply->json, json_node_unref);
  g_free (reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static const char *
member (Reply      *reply,
        const char *name)
{
  return json_object_get_string_member_with_default (json_node_get_object (reply->json), name, NULL);
}

static void
test_captures_and_query (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(Reply) cap = request (fx, "GET", "/api/v1/incidents/4b1c-77/cap");
  g_autoptr(Reply) incident = request (fx, "GET", "/api/v1/incidents/abc?q=hello%20world");
  g_autoptr(Reply) post = request (fx, "POST", "/api/v1/incidents/abc");
  g_autoptr(Reply) journal = request (fx, "GET", "/api/v1/journal?after=5&q=x");

  g_assert_cmpuint (cap->status, ==, 200);
  g_assert_cmpstr (member (cap, "route"), ==, "cap");
  g_assert_cmpstr (member (cap, "id"), ==, "4b1c-77");
  g_assert_cmpstr (member (incident, "route"), ==, "incident");
  g_assert_cmpstr (member (incident, "id"), ==, "abc");
  g_assert_cmpstr (member (incident, "q"), ==, "hello world");
  g_assert_cmpstr (member (post, "route"), ==, "incident-post");
  g_assert_cmpstr (member (journal, "route"), ==, "journal");
  g_assert_cmpstr (member (journal, "q"), ==, "x");
}

/* A path longer than the router's stack copy, and one of more segments
 * than it splits there, take g_strsplit()'s way to the same answers. */
static void
test_long_paths (Fixture       *fx,
                 gconstpointer  data)
{
  g_autofree char *long_id = g_strnfill (300, 'x');
  g_autofree char *long_path = g_strdup_printf ("/api/v1/incidents/%s/cap", long_id);
  g_autoptr(Reply) cap = request (fx, "GET", long_path);
  g_autoptr(Reply) deep = request (fx, "GET", "/api/v1/incidents/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q");

  g_assert_cmpuint (cap->status, ==, 200);
  g_assert_cmpstr (member (cap, "route"), ==, "cap");
  g_assert_cmpstr (member (cap, "id"), ==, long_id);
  g_assert_cmpuint (deep->status, ==, 404);
}

static void
test_not_found_and_not_allowed (Fixture       *fx,
                                gconstpointer  data)
{
  const char *missing[] = {
    "/", "/api", "/api/v1/incidents", "/api/v1/incidents//cap", "/api/v1/incidents/a/cap/x",
    "/api/v1/journal/", "/API/v1/journal",
  };
  g_autoptr(Reply) wrong = request (fx, "DELETE", "/api/v1/incidents/abc");
  g_autoptr(Reply) wrong_cap = request (fx, "POST", "/api/v1/incidents/abc/cap");

  for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autoptr(Reply) r = request (fx, "GET", missing[i]);

      g_test_message ("%s", missing[i]);
      g_assert_cmpuint (r->status, ==, 404);
      g_assert_cmpstr (r->content_type, ==, "application/problem+json");
      g_assert_cmpstr (member (r, "code"), ==, "not-found");
    }

  g_assert_cmpuint (wrong->status, ==, 405);
  g_assert_cmpstr (wrong->allow, ==, "GET, POST");
  g_assert_cmpstr (member (wrong, "code"), ==, "method-not-allowed");
  g_assert_cmpstr (member (wrong, "type"), ==, "https://wangge.example/problems/method-not-allowed");
  g_assert_cmpuint (wrong_cap->status, ==, 405);
  g_assert_cmpstr (wrong_cap->allow, ==, "GET");
}

static void
test_has_path (Fixture       *fx,
               gconstpointer  data)
{
  g_assert_true (wg_router_has_path (fx->router, "/api/v1/incidents/x/cap"));
  g_assert_true (wg_router_has_path (fx->router, "/api/v1/journal"));
  g_assert_false (wg_router_has_path (fx->router, "/api/v1/journals"));
  g_assert_false (wg_router_has_path (fx->router, "api/v1/journal"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/router/captures-and-query", Fixture, NULL, fixture_setup, test_captures_and_query, fixture_teardown);
  g_test_add ("/router/long-paths", Fixture, NULL, fixture_setup, test_long_paths, fixture_teardown);
  g_test_add ("/router/not-found-and-not-allowed", Fixture, NULL, fixture_setup, test_not_found_and_not_allowed, fixture_teardown);
  g_test_add ("/router/has-path", Fixture, NULL, fixture_setup, test_has_path, fixture_teardown);

  return g_test_run ();
}
