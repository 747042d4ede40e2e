/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GET /api/v1/snapshot against the real server: the journal id and head of
 * the health check, open and recently closed incidents with their events,
 * assignments and step clocks, open alarms, units and the roster; filtered
 * by role as the journal is; the same view again while nothing changed,
 * a new one after a unit's move or a command.
 */
#include "config.h"

#include <string.h>

#include "wg-test-server.h"

#define DEMO_PASSWORD "demo"

static char *
report (WgTestServer *server,
        const char   *token,
        const char   *body)
{
  g_autoptr(WgTestResponse) answer = wg_test_server_command (server, token, NULL, "incident.report", body);
  JsonArray *events;

  g_assert_cmpuint (answer->status, ==, 200);
  events = json_object_get_array_member (wg_test_response_object (answer), "events");
  return g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0), "incident"));
}

static JsonObject *
find_incident (JsonObject *snapshot,
               const char *id)
{
  JsonArray *incidents = json_object_get_array_member (snapshot, "incidents");

  for (guint i = 0; i < json_array_get_length (incidents); i++)
    {
      JsonObject *incident = json_array_get_object_element (incidents, i);

      if (g_str_equal (json_object_get_string_member (incident, "id"), id))
        return incident;
    }
  return NULL;
}

static JsonObject *
find_unit (JsonObject *snapshot,
           const char *id)
{
  JsonArray *units = json_object_get_array_member (snapshot, "units");

  for (guint i = 0; i < json_array_get_length (units); i++)
    {
      JsonObject *unit = json_array_get_object_element (units, i);

      if (g_str_equal (json_object_get_string_member (unit, "id"), id))
        return unit;
    }
  return NULL;
}

static char *
member_text (JsonObject *object,
             const char *name)
{
  return json_to_string (json_object_get_member (object, name), FALSE);
}

static WgTestResponse *
get_snapshot (WgTestServer *server,
              const char   *token)
{
  WgTestResponse *answer = wg_test_server_request_as (server, token, "GET", "/api/v1/snapshot", NULL, NULL);

  g_assert_cmpuint (answer->status, ==, 200);
  return answer;
}

static void
test_snapshot_by_role (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  g_autofree char *token = NULL;
  g_autofree char *dept_token = NULL;
  g_autofree char *emergency = NULL;
  g_autofree char *routed = NULL;
  g_autofree char *closed = NULL;
  g_autoptr(WgTestResponse) health = NULL;
  g_autoptr(WgTestResponse) full = NULL;
  g_autoptr(WgTestResponse) dept = NULL;
  g_autoptr(WgTestResponse) anonymous = NULL;
  JsonObject *snapshot, *incident;
  JsonArray *array;
  gint64 head;

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  emergency = report (server, token,
                      "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":{\"lat\":23.2105,\"lon\":113.2903},"
                      "\"summary\":\"厨房起火\"}");
  routed = report (server, token,
                   "{\"grade\":\"professional\",\"category\":\"illegal_structure\","
                   "\"location\":{\"lat\":23.2105,\"lon\":113.2903},\"summary\":\"楼顶违建\","
                   "\"caller\":{\"name\":\"李女士\",\"phone\":\"13800138000\"}}");
  closed = report (server, token,
                   "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.2105,\"lon\":113.2903},"
                   "\"summary\":\"垃圾堆放\",\"handled_on_spot\":{\"resolution\":\"已清理\"}}");
  {
    g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"department\":\"urban\"}", routed);
    g_autoptr(WgTestResponse) answer = wg_test_server_command (server, token, NULL, "incident.route", body);

    g_assert_cmpuint (answer->status, ==, 200);
  }

  health = wg_test_server_get (server, "/api/v1/health");
  head = json_object_get_int_member (wg_test_response_object (health), "head");

  /* The dispatcher reads everything. */
  full = get_snapshot (server, token);
  snapshot = wg_test_response_object (full);
  g_assert_cmpstr (json_object_get_string_member (snapshot, "journal_id"), ==,
                   json_object_get_string_member (wg_test_response_object (health), "journal_id"));
  g_assert_cmpint (json_object_get_int_member (snapshot, "head"), ==, head);

  incident = find_incident (snapshot, emergency);
  g_assert_nonnull (incident);
  g_assert_cmpstr (json_object_get_string_member (incident, "alarm"), ==, "raised");
  array = json_object_get_array_member (incident, "events");
  g_assert_cmpuint (json_array_get_length (array), >=, 2);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *event = json_array_get_object_element (array, i);

      g_assert_cmpstr (json_object_get_string_member (event, "incident"), ==, emergency);
      g_assert_cmpint (json_object_get_int_member (event, "seq"), <=, head);
    }
  g_assert_nonnull (json_object_get_array_member (incident, "assignments"));

  incident = find_incident (snapshot, routed);
  g_assert_nonnull (incident);
  g_assert_cmpstr (json_object_get_string_member (incident, "state"), ==, "routed");
  array = json_object_get_array_member (incident, "step_clocks");
  g_assert_cmpuint (json_array_get_length (array), >=, 1);
  {
    g_autofree char *text = json_to_string (json_object_get_member (incident, "events"), FALSE);

    g_assert_nonnull (strstr (text, "13800138000"));
  }

  /* Closed minutes ago: on the board's "today". */
  incident = find_incident (snapshot, closed);
  g_assert_nonnull (incident);
  g_assert_cmpstr (json_object_get_string_member (incident, "state"), ==, "closed");

  array = json_object_get_array_member (snapshot, "alarms");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 0), "incident"), ==,
                   emergency);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (snapshot, "units")), >, 10);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (snapshot, "roster")));

  /* The department reads what was routed to it, phones masked, no alarm
   * of others, no roster. */
  dept_token = wg_test_server_login (server, "dept-urban", DEMO_PASSWORD);
  dept = get_snapshot (server, dept_token);
  snapshot = wg_test_response_object (dept);
  g_assert_cmpint (json_object_get_int_member (snapshot, "head"), ==, head);
  array = json_object_get_array_member (snapshot, "incidents");
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  incident = find_incident (snapshot, routed);
  g_assert_nonnull (incident);
  {
    g_autofree char *text = json_to_string (json_object_get_member (incident, "events"), FALSE);

    g_assert_null (strstr (text, "13800138000"));
  }
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (snapshot, "alarms")), ==, 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (snapshot, "roster")));

  /* The dispatcher again at the same head, the department's view asked
   * in between: the same view (kept by the server) at a new moment. */
  {
    g_autoptr(WgTestResponse) again = get_snapshot (server, token);
    JsonObject *first = wg_test_response_object (full);
    JsonObject *second = wg_test_response_object (again);
    const char *members[] = { "incidents", "alarms", "units", "roster" };

    g_assert_cmpint (json_object_get_int_member (second, "head"), ==, head);
    g_assert_cmpint (json_object_get_int_member (second, "server_time"), >=,
                     json_object_get_int_member (first, "server_time"));
    for (guint i = 0; i < G_N_ELEMENTS (members); i++)
      {
        g_autofree char *was = member_text (first, members[i]);
        g_autofree char *is = member_text (second, members[i]);

        g_assert_cmpstr (is, ==, was);
      }
  }

  /* A unit moved: its new position, the head unchanged. */
  {
    JsonObject *first = wg_test_response_object (full);
    const char *unit = json_object_get_string_member (
      json_array_get_object_element (json_object_get_array_member (first, "units"), 0), "id");
    g_autofree char *body = g_strdup_printf ("{\"positions\":[{\"unit\":\"%s\",\"ts\":%" G_GINT64_FORMAT
                                             ",\"lat\":23.2111,\"lon\":113.2911,\"status\":\"available\"}]}",
                                             unit, g_get_real_time () / 1000);
    g_autoptr(WgTestResponse) posted = wg_test_server_request_as (server, server->token, "POST", "/api/v1/positions",
                                                                  "application/json", body);
    g_autoptr(WgTestResponse) moved = NULL;
    JsonObject *position;

    g_assert_cmpuint (posted->status, ==, 200);
    moved = get_snapshot (server, token);
    g_assert_cmpint (json_object_get_int_member (wg_test_response_object (moved), "head"), ==, head);
    position = json_object_get_object_member (find_unit (wg_test_response_object (moved), unit), "position");
    g_assert_nonnull (position);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (position, "lat"), 23.2111, 1e-9);
  }

  /* A command: the next snapshot is at its head, with its incident. */
  {
    g_autofree char *later = report (server, token,
                                     "{\"grade\":\"general\",\"category\":\"garbage\","
                                     "\"location\":{\"lat\":23.2105,\"lon\":113.2903},\"summary\":\"又有垃圾\"}");
    g_autoptr(WgTestResponse) after = get_snapshot (server, token);

    g_assert_cmpint (json_object_get_int_member (wg_test_response_object (after), "head"), >, head);
    g_assert_nonnull (find_incident (wg_test_response_object (after), later));
  }

  /* Nobody logged in: refused. */
  anonymous = wg_test_server_request_as (server, NULL, "GET", "/api/v1/snapshot", NULL, NULL);
  g_assert_cmpuint (anonymous->status, ==, 401);
}


/* The snapshot in two parts: ?ended=false has the open incidents and says
 * so; /snapshot/ended?head=H the closed ones with their events up to H
 * (a note after H is not there), by role as the journal; a bad head is
 * refused with a problem. */
static void
test_snapshot_ended_apart (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  static const char *const bad[] = { "", "?head=", "?head=abc", "?head=-1", "?head=1x", "?head=99999999" };
  g_autofree char *token = NULL;
  g_autofree char *worker_token = NULL;
  g_autofree char *open = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *path = NULL;
  g_autoptr(WgTestResponse) apart = NULL;
  g_autoptr(WgTestResponse) whole = NULL;
  g_autoptr(WgTestResponse) ended = NULL;
  g_autoptr(WgTestResponse) later = NULL;
  g_autoptr(WgTestResponse) other = NULL;
  JsonObject *incident;
  JsonArray *events;
  gint64 head;

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  open = report (server, token,
                 "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":{\"lat\":23.2105,\"lon\":113.2903},"
                 "\"summary\":\"厨房起火\"}");
  closed = report (server, token,
                   "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.2105,\"lon\":113.2903},"
                   "\"summary\":\"垃圾堆放\",\"handled_on_spot\":{\"resolution\":\"已清理\"}}");

  apart = wg_test_server_request_as (server, token, "GET", "/api/v1/snapshot?ended=false", NULL, NULL);
  g_assert_cmpuint (apart->status, ==, 200);
  g_assert_true (json_object_get_boolean_member (wg_test_response_object (apart), "ended_apart"));
  g_assert_nonnull (find_incident (wg_test_response_object (apart), open));
  g_assert_null (find_incident (wg_test_response_object (apart), closed));
  g_assert_nonnull (json_object_get_array_member (wg_test_response_object (apart), "units"));
  whole = get_snapshot (server, token);
  g_assert_false (json_object_has_member (wg_test_response_object (whole), "ended_apart"));
  g_assert_nonnull (find_incident (wg_test_response_object (whole), closed));
  head = json_object_get_int_member (wg_test_response_object (apart), "head");

  /* A note on the closed case after the head. */
  {
    g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"回访无异议\"}", closed);
    g_autoptr(WgTestResponse) noted = wg_test_server_command (server, token, NULL, "incident.note", body);

    g_assert_cmpuint (noted->status, ==, 200);
  }
  path = g_strdup_printf ("/api/v1/snapshot/ended?head=%" G_GINT64_FORMAT, head);
  ended = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
  g_assert_cmpuint (ended->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (wg_test_response_object (ended), "head"), ==, head);
  g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (ended), "journal_id"), ==,
                   json_object_get_string_member (wg_test_response_object (whole), "journal_id"));
  g_assert_null (find_incident (wg_test_response_object (ended), open));
  incident = find_incident (wg_test_response_object (ended), closed);
  g_assert_nonnull (incident);
  events = json_object_get_array_member (incident, "events");
  /* The same events as the whole snapshot's, none after the head. */
  {
    g_autofree char *ours = json_to_string (json_object_get_member (incident, "events"), FALSE);
    g_autofree char *theirs = member_text (find_incident (wg_test_response_object (whole), closed), "events");

    g_assert_cmpstr (ours, ==, theirs);
  }
  for (guint i = 0; i < json_array_get_length (events); i++)
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (events, i), "seq"), <=, head);

  /* At the later head the note is there. */
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/api/v1/snapshot/ended?head=%" G_GINT64_FORMAT, wg_test_server_head (server));
  later = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
  g_assert_cmpuint (later->status, ==, 200);
  incident = find_incident (wg_test_response_object (later), closed);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (incident, "events")), ==,
                    json_array_get_length (events) + 1);

  /* Another grid's worker sees none of it. */
  worker_token = wg_test_server_login (server, "worker-63", DEMO_PASSWORD);
  other = wg_test_server_request_as (server, worker_token, "GET", path, NULL, NULL);
  g_assert_cmpuint (other->status, ==, 200);
  g_assert_null (find_incident (wg_test_response_object (other), closed));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *bad_path = g_strconcat ("/api/v1/snapshot/ended", bad[i], NULL);
      g_autoptr(WgTestResponse) refused = wg_test_server_request_as (server, token, "GET", bad_path, NULL, NULL);

      g_assert_cmpuint (refused->status, ==, 400);
      g_assert_cmpstr (refused->content_type, ==, "application/problem+json");
    }
  {
    g_autoptr(WgTestResponse) refused = wg_test_server_request_as (server, token, "GET",
                                                                   "/api/v1/snapshot?ended=maybe", NULL, NULL);
    g_autoptr(WgTestResponse) refused_units = wg_test_server_request_as (server, token, "GET",
                                                                         "/api/v1/snapshot?units=csv", NULL, NULL);
    g_autoptr(WgTestResponse) anonymous = wg_test_server_request_as (server, NULL, "GET", path, NULL, NULL);

    g_assert_cmpuint (refused->status, ==, 400);
    g_assert_cmpstr (refused->content_type, ==, "application/problem+json");
    g_assert_cmpuint (refused_units->status, ==, 400);
    g_assert_cmpuint (anonymous->status, ==, 401);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/snapshot/by-role", test_snapshot_by_role);
  g_test_add_func ("/snapshot/ended-apart", test_snapshot_ended_apart);
  return g_test_run ();
}
