/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The server's replay resources on the real server: the positions window
 * pages with an opaque cursor through 10,000 points that share one
 * timestamp (100 pages of 100, each point once); bookmarks are made and
 * listed by trainers, duty leaders and dispatchers, refused to others and
 * for bad input (nothing stored); the journal pages from a moment
 * (from_ts) as the caller's view has them, bad values refused.
 */
#include "config.h"

#include "wg-test-server.h"

static WgTestServer *server;

static void
test_positions_cursor (void)
{
  gint64 ts = g_get_real_time () / 1000 - 5000;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *cursor = NULL;
  guint pages = 0;

  for (guint batch = 0; batch < 2; batch++)
    {
      g_autoptr(GString) body = g_string_new ("{\"positions\":[");
      g_autoptr(WgTestResponse) r = NULL;

      for (guint i = 0; i < 5000; i++)
        g_string_append_printf (body, "%s{\"unit\":\"sim-%05u\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":23.2,\"lon\":113.3}",
                                i > 0 ? "," : "", batch * 5000 + i, ts);
      g_string_append (body, "]}");
      r = wg_test_server_post_json (server, "/api/v1/positions", body->str);
      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpint (json_object_get_int_member (wg_test_response_object (r), "kept"), ==, 5000);
    }

  for (;;)
    {
      g_autofree char *path = NULL;
      g_autoptr(WgTestResponse) r = NULL;
      JsonObject *o;
      JsonArray *positions;

      if (cursor == NULL)
        path = g_strdup_printf ("/api/v1/positions?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT "&limit=100",
                                ts, ts + 1);
      else
        path = g_strdup_printf ("/api/v1/positions?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT
                                "&limit=100&cursor=%s", ts, ts + 1, cursor);
      r = wg_test_server_get (server, path);
      g_assert_cmpuint (r->status, ==, 200);
      o = wg_test_response_object (r);
      positions = json_object_get_array_member (o, "positions");
      g_assert_cmpuint (json_array_get_length (positions), ==, 100);
      for (guint i = 0; i < json_array_get_length (positions); i++)
        g_assert_true (g_hash_table_add (seen, g_strdup (json_object_get_string_member (
                                                   json_array_get_object_element (positions, i), "unit"))));
      pages++;
      g_assert_cmpuint (pages, <=, 100);
      g_clear_pointer (&cursor, g_free);
      if (json_object_get_null_member (o, "next"))
        {
          g_assert_false (json_object_get_boolean_member (o, "truncated"));
          break;
        }
      g_assert_true (json_object_get_boolean_member (o, "truncated"));
      cursor = g_strdup (json_object_get_string_member (o, "next"));
    }
  g_assert_cmpuint (pages, ==, 100);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 10000);

  /* A cursor is opaque but checked. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/positions?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT
                                             "&cursor=not*a*cursor", ts, ts + 1);
    g_autoptr(WgTestResponse) r = wg_test_server_get (server, path);

    g_assert_cmpuint (r->status, ==, 400);
    g_assert_cmpstr (r->content_type, ==, "application/problem+json");
  }
}

static void
test_bookmarks (void)
{
  g_autofree char *trainer = wg_test_server_login (server, "trainer", "demo");
  g_autofree char *dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  g_autofree char *worker = wg_test_server_login (server, "worker-17", "demo");
  g_autoptr(WgTestResponse) report = NULL, made = NULL, listed = NULL, of_incident = NULL;
  g_autofree char *incident = NULL, *body = NULL, *path = NULL;
  static const struct { const char *body; guint status; } bad[] = {
    { "{\"remark\":\"x\"}", 422 },
    { "{\"moment\":-5,\"remark\":\"x\"}", 422 },
    { "{\"moment\":\"soon\",\"remark\":\"x\"}", 422 },
    { "{\"moment\":5,\"remark\":\"x\",\"incident\":\"7f0c7a36-3a8e-4c1a-9b59-0e0c5f1d2a11\"}", 404 },
    { "{\"moment\":5,\"remark\":\"x\",\"incident\":\"not-an-id\"}", 404 },
    { "[1,2]", 400 },
    { "{\"moment\":5", 400 },
  };

  report = wg_test_server_command (server, dispatcher, NULL, "incident.report",
                                   "{\"grade\":\"emergency\",\"category\":\"fire\","
                                   "\"location\":{\"lat\":23.2065,\"lon\":113.2984},\"summary\":\"3楼冒烟\"}");
  g_assert_cmpuint (report->status, ==, 200);
  incident = g_strdup (json_object_get_string_member (json_array_get_object_element (
    json_object_get_array_member (wg_test_response_object (report), "events"), 0), "incident"));
  g_assert_nonnull (incident);

  body = g_strdup_printf ("{\"moment\":1795865256000,\"incident\":\"%s\",\"remark\":\"调度决策点：先派最小应急单元\"}", incident);
  made = wg_test_server_request_as (server, trainer, "POST", "/api/v1/bookmarks", "application/json", body);
  g_assert_cmpuint (made->status, ==, 201);
  g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (made), "author"), ==, "trainer");
  {
    g_autoptr(WgTestResponse) other = wg_test_server_request_as (server, dispatcher, "POST", "/api/v1/bookmarks",
                                                                 "application/json",
                                                                 "{\"moment\":1795865000000,\"remark\":\"交班前\"}");
    g_autoptr(WgTestResponse) refused = wg_test_server_request_as (server, worker, "POST", "/api/v1/bookmarks",
                                                                   "application/json",
                                                                   "{\"moment\":1,\"remark\":\"x\"}");
    g_assert_cmpuint (other->status, ==, 201);
    g_assert_cmpuint (refused->status, ==, 403);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer, "POST", "/api/v1/bookmarks",
                                                               "application/json", bad[i].body);
      g_assert_cmpuint (r->status, ==, bad[i].status);
      g_assert_cmpstr (r->content_type, ==, "application/problem+json");
    }

  listed = wg_test_server_request_as (server, trainer, "GET", "/api/v1/bookmarks", NULL, NULL);
  g_assert_cmpuint (listed->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (listed),
                                                                         "bookmarks")), ==, 2);
  path = g_strdup_printf ("/api/v1/bookmarks?incident=%s", incident);
  of_incident = wg_test_server_request_as (server, dispatcher, "GET", path, NULL, NULL);
  g_assert_cmpuint (of_incident->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (of_incident),
                                                                         "bookmarks")), ==, 1);
}

typedef struct
{
  gint64 seq;
  gint64 ts;
} SeqTs;

/* The (seq, ts) of the events of one journal page. */
static GArray *
page_events (WgTestResponse *r,
             gboolean       *more)
{
  JsonObject *o = wg_test_response_object (r);
  JsonArray *events = json_object_get_array_member (o, "events");
  GArray *out = g_array_new (FALSE, FALSE, sizeof (SeqTs));

  g_assert_cmpuint (r->status, ==, 200);
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      SeqTs e = { json_object_get_int_member (event, "seq"), json_object_get_int_member (event, "ts") };

      g_array_append_val (out, e);
    }
  if (more != NULL)
    *more = json_object_get_boolean_member (o, "more");
  return out;
}

/* The whole journal as @token reads it. */
static GArray *
whole_view (const char *token)
{
  GArray *all = g_array_new (FALSE, FALSE, sizeof (SeqTs));
  gint64 after = 0;
  gboolean more = TRUE;

  while (more)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=5000", after);
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
      g_autoptr(GArray) page = page_events (r, &more);

      g_array_append_vals (all, page->data, page->len);
      if (page->len > 0)
        after = g_array_index (page, SeqTs, page->len - 1).seq;
    }
  return all;
}

static void
check_from_ts (const char *token,
               GArray     *view,
               gint64      t)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/journal?from_ts=%" G_GINT64_FORMAT "&limit=7", t);
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
  g_autoptr(GArray) page = page_events (r, NULL);
  guint first = 0;

  while (first < view->len && g_array_index (view, SeqTs, first).ts < t)
    first++;
  g_assert_cmpuint (page->len, ==, MIN (7, view->len - first));
  for (guint i = 0; i < page->len; i++)
    g_assert_cmpint (g_array_index (page, SeqTs, i).seq, ==, g_array_index (view, SeqTs, first + i).seq);
}

static void
test_journal_from_ts (void)
{
  g_autofree char *dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  g_autofree char *grid = wg_test_server_grid_at (server, dispatcher, "{\"lat\":23.2065,\"lon\":113.2984}");
  g_autofree char *worker_name = wg_test_server_grid_worker (server, grid, TRUE);
  g_autofree char *worker = wg_test_server_login (server, worker_name, "demo");
  const char *bad[] = { "from_ts=soon", "from_ts=-1", "from_ts=", "from_ts=1e3", "from_ts=5&after=0",
                        "from_ts=99999999999999999999" };

  /* Events of the same moment: a page may start inside such a run.  The
   * grid worker of their grid sees them, and not the others. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(WgTestResponse) report = wg_test_server_command (server, dispatcher, NULL, "incident.report",
        "{\"grade\":\"general\",\"category\":\"garbage\","
        "\"location\":{\"lat\":23.2065,\"lon\":113.2984},\"summary\":\"垃圾堆放\"}");

      g_assert_cmpuint (report->status, ==, 200);
    }

  for (guint v = 0; v < 2; v++)
    {
      const char *token = v == 0 ? dispatcher : worker;
      g_autoptr(GArray) view = whole_view (token);
      gint64 first_ts, last_ts;

      g_assert_cmpuint (view->len, >, 3);
      first_ts = g_array_index (view, SeqTs, 0).ts;
      last_ts = g_array_index (view, SeqTs, view->len - 1).ts;
      check_from_ts (token, view, 0);
      check_from_ts (token, view, first_ts);
      check_from_ts (token, view, last_ts);
      check_from_ts (token, view, last_ts + 1);
      for (guint i = 1; i <= 8; i++)
        {
          gint64 ts = g_array_index (view, SeqTs, view->len * i / 9).ts;

          check_from_ts (token, view, ts);
          check_from_ts (token, view, ts + 1);
          check_from_ts (token, view, first_ts + (last_ts - first_ts) * i / 9);
        }
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?%s", bad[i]);
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, dispatcher, "GET", path, NULL, NULL);

      wg_test_response_assert_problem (r, 400, "invalid-request");
    }
}

int
main (int argc, char **argv)
{
  const char *args[] = { "--demo", NULL };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/replay/positions-cursor", test_positions_cursor);
  g_test_add_func ("/replay/bookmarks", test_bookmarks);
  g_test_add_func ("/replay/journal-from-ts", test_journal_from_ts);
  server = wg_test_server_new (NULL);
  wg_test_server_start (server, args);
  status = g_test_run ();
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  wg_test_server_free (server);
  return status;
}
