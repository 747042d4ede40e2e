/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exercises on the real server (docs/api.md, "Exercises"):
 *  - a drill run as a trainer and two trainees' consoles would run it
 *    (accepted commands, refusals by role and by rule, malformed bodies,
 *    attachments, pause, inject, end) leaves nothing on any live channel:
 *    journal, stream, snapshot, presence, statistics, audit, command
 *    metrics, CAP, idempotency ids; its own journal, stream and CAP carry
 *    it, with EX- case numbers;
 *  - only the trainer starts, injects, pauses and ends (403, nothing
 *    written);
 *  - a restart resumes a running exercise and the scripted steps that fell
 *    due while the server was down fire in the order they fell due;
 *  - a pause freezes the exercise's timers: no escalation while paused,
 *    escalation after the resume;
 *  - an exercise's positions stay in its own track, snapshot and stream,
 *    and live positions stay live;
 *  - wangge-sim --exercise plays the forces inside the drill: a unit the
 *    trainees dispatch acknowledges, travels and arrives in the drill's
 *    journal, while the live journal and positions get nothing.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "wg-test-postgres.h"
#include "wg-test-server.h"

#define METRICS_TOKEN "metrics-0123456789abcdef"
#define FIRE "fire-residential.json"

typedef struct
{
  WgTestServer *server;
  char         *id;
  char         *incident;
} Drill;

static void
drill_clear (Drill *drill)
{
  g_clear_pointer (&drill->id, g_free);
  g_clear_pointer (&drill->incident, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Drill, drill_clear)

static WgTestResponse *
exercise_command (WgTestServer *server,
                  const char   *exercise,
                  const char   *token,
                  const char   *id,
                  const char   *type,
                  const char   *body_json)
{
  g_autofree char *own_id = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/commands", exercise);
  g_autofree char *text = NULL;

  if (id == NULL)
    id = own_id = g_uuid_string_random ();
  text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"%s\",\"body\":%s}", id, type, body_json);
  return wg_test_server_request_as (server, token, "POST", path, "application/json", text);
}

static WgTestResponse *
exercise_get (WgTestServer *server,
              const char   *token,
              const char   *exercise,
              const char   *tail)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s%s", exercise, tail);

  return wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
}

static void
start_drill (Drill        *drill,
             WgTestServer *server,
             const char   *trainer)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer, "POST", "/api/v1/exercises",
                                                           "application/json", "{\"scenario\":\"" FIRE "\"}");
  JsonObject *o;

  g_assert_cmpuint (r->status, ==, 201);
  o = wg_test_response_object (r);
  g_assert_cmpstr (json_object_get_string_member (o, "state"), ==, "running");
  drill->server = server;
  drill->id = g_strdup (json_object_get_string_member (o, "id"));
  drill->incident = g_strdup (json_object_get_string_member (o, "incident"));
  g_assert_nonnull (drill->incident);
  g_assert_nonnull (soup_message_headers_get_one (r->headers, "Location"));
}

/* The exercise's journal as @token reads it. */
static JsonArray *
exercise_events (Drill      *drill,
                 const char *token)
{
  g_autoptr(WgTestResponse) r = exercise_get (drill->server, token, drill->id, "/journal?after=0");

  g_assert_cmpuint (r->status, ==, 200);
  return json_array_ref (json_object_get_array_member (wg_test_response_object (r), "events"));
}

static gint64
exercise_head (Drill      *drill,
               const char *token)
{
  g_autoptr(WgTestResponse) r = exercise_get (drill->server, token, drill->id, "");

  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_int_member (wg_test_response_object (r), "head");
}

static char *
body_text (WgTestResponse *r)
{
  return g_strndup (g_bytes_get_data (r->body, NULL), g_bytes_get_size (r->body));
}

/* What each live channel shows, as text to compare before and after. */
typedef struct
{
  gint64  head;
  char   *journal;
  char   *snapshot_incidents;
  char   *snapshot_units;
  char   *statistics;
  char   *audit_commands;
  char   *metrics_commands;
  gint64  presence;
} LiveView;

static void
live_view_clear (LiveView *view)
{
  g_free (view->journal);
  g_free (view->snapshot_incidents);
  g_free (view->snapshot_units);
  g_free (view->statistics);
  g_free (view->audit_commands);
  g_free (view->metrics_commands);
}

static char *
member_text (JsonObject *o,
             const char *member)
{
  return json_to_string (json_object_get_member (o, member), FALSE);
}

static void
read_live (WgTestServer *server,
           const char   *dispatcher,
           LiveView     *view)
{
  g_autoptr(WgTestResponse) journal = wg_test_server_request_as (server, dispatcher, "GET", "/api/v1/journal?after=0", NULL, NULL);
  g_autoptr(WgTestResponse) snapshot = wg_test_server_request_as (server, dispatcher, "GET", "/api/v1/snapshot", NULL, NULL);
  g_autoptr(WgTestResponse) stats = wg_test_server_request_as (server, dispatcher, "GET", "/api/v1/statistics?period=2026", NULL, NULL);
  g_autoptr(WgTestResponse) audit = wg_test_server_request_as (server, server->token, "GET", "/api/v1/audit?limit=1000", NULL, NULL);
  g_autoptr(WgTestResponse) metrics = wg_test_server_request_as (server, METRICS_TOKEN, "GET", "/metrics", NULL, NULL);
  g_autoptr(WgTestResponse) presence = wg_test_server_request_as (server, dispatcher, "GET", "/api/v1/presence", NULL, NULL);
  g_autoptr(GString) audit_commands = g_string_new (NULL);
  g_autoptr(GString) metrics_commands = g_string_new (NULL);
  g_autofree char *metrics_text = NULL;
  g_auto(GStrv) lines = NULL;
  JsonArray *entries;
  JsonObject *stats_object;

  g_assert_cmpuint (journal->status, ==, 200);
  g_assert_cmpuint (snapshot->status, ==, 200);
  g_assert_cmpuint (stats->status, ==, 200);
  g_assert_cmpuint (audit->status, ==, 200);
  g_assert_cmpuint (metrics->status, ==, 200);
  g_assert_cmpuint (presence->status, ==, 200);

  view->head = wg_test_server_head (server);
  view->journal = member_text (wg_test_response_object (journal), "events");
  view->snapshot_incidents = member_text (wg_test_response_object (snapshot), "incidents");
  view->snapshot_units = member_text (wg_test_response_object (snapshot), "units");
  /* The figures, not when they were computed. */
  stats_object = wg_test_response_object (stats);
  json_object_remove_member (stats_object, "generated_at");
  json_object_remove_member (stats_object, "computed_at");
  view->statistics = body_text (stats);
  g_free (view->statistics);
  {
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), stats_object);

    view->statistics = json_to_string (node, FALSE);
  }

  entries = json_object_get_array_member (wg_test_response_object (audit), "entries");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      const char *action = json_object_get_string_member (entry, "action");

      if (g_str_has_prefix (action, "command"))
        g_string_append_printf (audit_commands, "%s %s\n", action, json_object_get_string_member (entry, "result"));
    }
  view->audit_commands = g_string_free (g_steal_pointer (&audit_commands), FALSE);

  metrics_text = body_text (metrics);
  lines = g_strsplit (metrics_text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "wangge_commands_total") || g_str_has_prefix (lines[i], "wangge_journal_head"))
      g_string_append_printf (metrics_commands, "%s\n", lines[i]);
  view->metrics_commands = g_string_free (g_steal_pointer (&metrics_commands), FALSE);

  {
    JsonNode *root = presence->json;
    JsonArray *consoles = JSON_NODE_HOLDS_ARRAY (root) ? json_node_get_array (root)
                        : json_object_get_array_member (json_node_get_object (root), "consoles");

    view->presence = json_array_get_length (consoles);
  }
}

static void
assert_same_live (const LiveView *a,
                  const LiveView *b)
{
  g_assert_cmpint (a->head, ==, b->head);
  g_assert_cmpstr (a->journal, ==, b->journal);
  g_assert_cmpstr (a->snapshot_incidents, ==, b->snapshot_incidents);
  g_assert_cmpstr (a->snapshot_units, ==, b->snapshot_units);
  g_assert_cmpstr (a->statistics, ==, b->statistics);
  g_assert_cmpstr (a->audit_commands, ==, b->audit_commands);
  g_assert_cmpstr (a->metrics_commands, ==, b->metrics_commands);
  g_assert_cmpint (a->presence, ==, b->presence);
}

static void
test_no_leak (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new ("[metrics]\ntoken=" METRICS_TOKEN "\n");
  const char *args[] = { "--demo", NULL };
  g_autofree char *trainer = NULL, *leader = NULL, *dispatcher = NULL, *worker = NULL;
  g_autofree char *live_incident = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Drill) drill = { 0 };
  LiveView before = { 0 }, after = { 0 };
  WgTestWebsocket *live_ws, *drill_ws;
  g_autofree char *drill_ws_path = NULL;
  const char *reused_id = "0d8f8a11-5b0e-4c55-9a0a-1f7b2f1c0e01";
  gint64 head;
  guint drill_frames = 0;

  wg_test_server_start (server, args);
  trainer = wg_test_server_login (server, "trainer", "demo");
  leader = wg_test_server_login (server, "leader", "demo");
  dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  worker = wg_test_server_login (server, "worker-17", "demo");

  /* Some live state to compare: an emergency on the live board. */
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, dispatcher, NULL, "incident.report",
                                                          "{\"grade\":\"emergency\",\"category\":\"fire\","
                                                          "\"location\":{\"lat\":23.2065,\"lon\":113.2984},\"summary\":\"live\"}");
    g_assert_cmpuint (r->status, ==, 200);
    live_incident = g_strdup (json_object_get_string_member (json_array_get_object_element (
      json_object_get_array_member (wg_test_response_object (r), "events"), 0), "incident"));
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"units\":[\"ap-02\"]}", live_incident);
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, dispatcher, NULL, "dispatch.assign", body);

    g_assert_cmpuint (r->status, ==, 200);
  }
  live_ws = wg_test_server_websocket_as (server, dispatcher, "/api/v1/stream?after=0", &error);
  g_assert_no_error (error);
  wg_test_iterate_for (300);
  read_live (server, dispatcher, &before);

  /* Only the trainer starts one; bad requests start nothing. */
  {
    static const struct { const char *body; guint status; const char *code; } bad[] = {
      { "{\"scenario\":\"no-such.json\"}", 404, "unknown-scenario" },
      { "{\"scenario\":\"../demo/world.json\"}", 422, "invalid-field" },
      { "{\"scenario\":5}", 422, "invalid-field" },
      { "{}", 400, "invalid-request" },
      { "{\"scenario\":\"" FIRE "\",\"incident\":\"x\",\"at\":1}", 400, "invalid-request" },
      { "{\"incident\":\"HL-20990101-0001\",\"at\":1796601600000}", 404, "unknown-incident" },
      { "[1]", 400, "invalid-request" },
      { "{\"scenario\":", 400, NULL },
    };
    const char *others[] = { dispatcher, leader, worker, server->token };
    g_autoptr(WgTestResponse) list = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (others); i++)
      {
        g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, others[i], "POST", "/api/v1/exercises",
                                                                 "application/json", "{\"scenario\":\"" FIRE "\"}");
        wg_test_response_assert_problem (r, 403, "forbidden");
      }
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer, "POST", "/api/v1/exercises",
                                                                 "application/json", bad[i].body);
        if (bad[i].code != NULL)
          wg_test_response_assert_problem (r, bad[i].status, bad[i].code);
        else
          g_assert_cmpuint (r->status, ==, bad[i].status);
      }
    list = wg_test_server_request_as (server, dispatcher, "GET", "/api/v1/exercises", NULL, NULL);
    g_assert_cmpuint (list->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (list), "exercises")), ==, 0);
  }

  start_drill (&drill, server, trainer);
  drill_ws_path = g_strdup_printf ("/api/v1/exercises/%s/stream?after=0", drill.id);
  drill_ws = wg_test_server_websocket_as (server, dispatcher, drill_ws_path, &error);
  g_assert_no_error (error);

  /* The trainees, with their live roles. */
  {
    g_autofree char *ack = g_strdup_printf ("{\"incident\":\"%s\"}", drill.incident);
    g_autofree char *assign = g_strdup_printf ("{\"incident\":\"%s\",\"units\":[\"ap-01\",\"ap-02\"]}", drill.incident);
    g_autofree char *photo = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"照片\",\"attachments\":[\"3f1c2b9a-0d4e-4f5a-8b6c-7d8e9f0a1b2c\"]}",
                                              drill.incident);
    g_autoptr(WgTestResponse) refused = exercise_command (server, drill.id, dispatcher, NULL, "alarm.acknowledge", ack);
    g_autoptr(WgTestResponse) acked = exercise_command (server, drill.id, leader, NULL, "alarm.acknowledge", ack);
    g_autoptr(WgTestResponse) again = exercise_command (server, drill.id, leader, NULL, "alarm.acknowledge", ack);
    g_autoptr(WgTestResponse) assigned = exercise_command (server, drill.id, dispatcher, reused_id, "dispatch.assign", assign);
    g_autoptr(WgTestResponse) with_photo = exercise_command (server, drill.id, worker, NULL, "incident.note", photo);
    g_autoptr(WgTestResponse) unknown_type = exercise_command (server, drill.id, dispatcher, NULL, "incident.fly", ack);
    g_autoptr(WgTestResponse) wrong_types = exercise_command (server, drill.id, dispatcher, NULL, "incident.note", "[1,2]");
    g_autoptr(WgTestResponse) malformed = NULL;
    g_autoptr(WgTestResponse) nowhere = exercise_command (server, "ex-nowhere", leader, NULL, "alarm.acknowledge", ack);
    g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/commands", drill.id);
    JsonObject *event;

    wg_test_response_assert_problem (refused, 403, "forbidden");
    g_assert_cmpuint (acked->status, ==, 200);
    g_assert_cmpuint (again->status, ==, 409);
    g_assert_cmpuint (assigned->status, ==, 200);
    event = json_array_get_object_element (json_object_get_array_member (wg_test_response_object (acked), "events"), 0);
    g_assert_cmpstr (json_object_get_string_member (event, "exercise"), ==, drill.id);
    wg_test_response_assert_problem (with_photo, 422, "attachments-not-in-exercise");
    g_assert_cmpuint (unknown_type->status, >=, 400);
    g_assert_cmpuint (wrong_types->status, >=, 400);
    malformed = wg_test_server_request_as (server, dispatcher, "POST", path, "application/json", "{\"id\":");
    g_assert_cmpuint (malformed->status, ==, 400);
    wg_test_response_assert_problem (nowhere, 404, "unknown-exercise");
  }

  /* The trainer's commands are the trainer's: 403 and nothing written. */
  head = exercise_head (&drill, trainer);
  {
    const char *types[] = { "exercise.pause", "exercise.end", "exercise.resume" };

    for (guint i = 0; i < G_N_ELEMENTS (types); i++)
      {
        g_autoptr(WgTestResponse) r = exercise_command (server, drill.id, leader, NULL, types[i], "{}");
        wg_test_response_assert_problem (r, 403, "forbidden");
      }
    {
      g_autoptr(WgTestResponse) r = exercise_command (server, drill.id, dispatcher, NULL, "exercise.inject",
                                                      "{\"step\":\"resident-call\"}");
      wg_test_response_assert_problem (r, 403, "forbidden");
    }
  }
  g_assert_cmpint (exercise_head (&drill, trainer), ==, head);

  /* Inject, pause, resume. */
  {
    const char *pause_id = "6a0e7d52-9f61-4e0c-8f1d-5b0b8d3c2a10";
    g_autoptr(WgTestResponse) injected = exercise_command (server, drill.id, trainer, NULL, "exercise.inject",
                                                           "{\"step\":\"resident-call\"}");
    g_autoptr(WgTestResponse) twice = exercise_command (server, drill.id, trainer, NULL, "exercise.inject",
                                                        "{\"step\":\"resident-call\"}");
    g_autoptr(WgTestResponse) no_step = exercise_command (server, drill.id, trainer, NULL, "exercise.inject",
                                                          "{\"step\":\"no-such-step\"}");
    g_autoptr(WgTestResponse) ad_hoc = exercise_command (server, drill.id, trainer, NULL, "exercise.inject",
                                                         "{\"command\":\"incident.note\",\"as\":\"hotline\","
                                                         "\"body\":{\"text\":\"又一位住户来电\"}}");
    g_autoptr(WgTestResponse) paused = exercise_command (server, drill.id, trainer, pause_id, "exercise.pause", "{}");
    g_autoptr(WgTestResponse) paused_again = exercise_command (server, drill.id, trainer, pause_id, "exercise.pause", "{}");
    g_autofree char *note = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"x\"}", drill.incident);
    g_autoptr(WgTestResponse) while_paused = exercise_command (server, drill.id, dispatcher, NULL, "incident.note", note);
    g_autoptr(WgTestResponse) resumed = exercise_command (server, drill.id, trainer, NULL, "exercise.resume", "{}");

    g_assert_cmpuint (injected->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (injected), "events")), ==, 1);
    wg_test_response_assert_problem (twice, 409, "step-fired");
    wg_test_response_assert_problem (no_step, 422, "unknown-step");
    g_assert_cmpuint (ad_hoc->status, ==, 200);
    g_assert_cmpuint (paused->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (wg_test_response_object (paused), "exercise"),
                                                    "state"), ==, "paused");
    g_assert_cmpuint (paused_again->status, ==, 200);
    g_assert_true (json_object_get_boolean_member (wg_test_response_object (paused_again), "replayed"));
    wg_test_response_assert_problem (while_paused, 409, "exercise-paused");
    g_assert_cmpuint (resumed->status, ==, 200);
  }

  /* Its own journal: EX- case numbers, every event marked. */
  {
    g_autoptr(JsonArray) events = exercise_events (&drill, dispatcher);
    JsonObject *first = json_array_get_object_element (events, 0);

    g_assert_cmpuint (json_array_get_length (events), >=, 5);
    g_assert_cmpint (json_object_get_int_member (first, "seq"), ==, 1);
    g_assert_true (g_str_has_prefix (json_object_get_string_member (json_object_get_object_member (first, "body"), "case_number"),
                                     "EX-HL-"));
    for (guint i = 0; i < json_array_get_length (events); i++)
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (events, i), "exercise"), ==, drill.id);
  }
  /* Its snapshot: the drill's incident, with both units assigned (one of
   * them busy on a live incident: the drill does not know). */
  {
    g_autoptr(WgTestResponse) r = exercise_get (server, dispatcher, drill.id, "/snapshot");
    JsonArray *incidents, *assignments;
    g_autoptr(GString) units = g_string_new (NULL);

    g_assert_cmpuint (r->status, ==, 200);
    incidents = json_object_get_array_member (wg_test_response_object (r), "incidents");
    g_assert_cmpuint (json_array_get_length (incidents), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (incidents, 0), "id"), ==, drill.incident);
    assignments = json_object_get_array_member (json_array_get_object_element (incidents, 0), "assignments");
    for (guint i = 0; i < json_array_get_length (assignments); i++)
      g_string_append_printf (units, "%s ", json_object_get_string_member (json_array_get_object_element (assignments, i), "unit"));
    g_assert_cmpstr (units->str, ==, "ap-01 ap-02 ");
  }
  /* CAP: Exercise, and which one; the live CAP knows no such incident. */
  {
    g_autofree char *tail = g_strdup_printf ("/incidents/%s/cap", drill.incident);
    g_autofree char *live_path = g_strdup_printf ("/api/v1/incidents/%s/cap", drill.incident);
    g_autofree char *live_cap_path = g_strdup_printf ("/api/v1/incidents/%s/cap", live_incident);
    g_autoptr(WgTestResponse) cap = exercise_get (server, dispatcher, drill.id, tail);
    g_autoptr(WgTestResponse) live = wg_test_server_request_as (server, dispatcher, "GET", live_path, NULL, NULL);
    g_autoptr(WgTestResponse) live_cap = wg_test_server_request_as (server, dispatcher, "GET", live_cap_path, NULL, NULL);
    g_autofree char *xml = body_text (cap);
    g_autofree char *live_xml = body_text (live_cap);
    g_autofree char *note = g_strdup_printf ("<note>演练 Exercise %s: ", drill.id);

    g_assert_cmpuint (cap->status, ==, 200);
    g_assert_nonnull (strstr (xml, "<status>Exercise</status>"));
    g_assert_nonnull (strstr (xml, note));
    g_assert_nonnull (strstr (xml, "<incidents>EX-HL-"));
    wg_test_response_assert_problem (live, 404, "unknown-incident");
    g_assert_cmpuint (live_cap->status, ==, 200);
    g_assert_nonnull (strstr (live_xml, "<status>Actual</status>"));
    g_assert_null (strstr (live_xml, "<note>"));
  }

  /* The end: read-only, kept for review. */
  {
    g_autofree char *note = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"x\"}", drill.incident);
    g_autoptr(WgTestResponse) ended = exercise_command (server, drill.id, trainer, NULL, "exercise.end", "{}");
    g_autoptr(WgTestResponse) after_end = exercise_command (server, drill.id, dispatcher, NULL, "incident.note", note);
    g_autoptr(WgTestResponse) end_again = exercise_command (server, drill.id, trainer, NULL, "exercise.end", "{}");
    g_autoptr(WgTestResponse) list = wg_test_server_request_as (server, worker, "GET", "/api/v1/exercises", NULL, NULL);
    JsonArray *exercises;

    g_assert_cmpuint (ended->status, ==, 200);
    wg_test_response_assert_problem (after_end, 409, "exercise-ended");
    wg_test_response_assert_problem (end_again, 409, "exercise-ended");
    exercises = json_object_get_array_member (wg_test_response_object (list), "exercises");
    g_assert_cmpuint (json_array_get_length (exercises), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (exercises, 0), "state"), ==, "ended");
  }

  /* The drill's stream got the drill's events, the live one nothing new. */
  wg_test_iterate_for (500);
  while (!g_queue_is_empty (&drill_ws->messages))
    {
      g_autoptr(JsonNode) node = g_queue_pop_head (&drill_ws->messages);
      JsonObject *o = json_node_get_object (node);

      if (g_strcmp0 (json_object_get_string_member_with_default (o, "type", NULL), "event") == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "event"), "exercise"), ==, drill.id);
          drill_frames++;
        }
    }
  g_assert_cmpuint (drill_frames, >=, 5);
  while (!g_queue_is_empty (&live_ws->messages))
    {
      g_autoptr(JsonNode) node = g_queue_pop_head (&live_ws->messages);
      g_autofree char *text = json_to_string (node, FALSE);

      g_assert_null (strstr (text, "\"exercise\""));
      g_assert_null (strstr (text, drill.id));
      g_assert_null (strstr (text, "EX-HL-"));
    }
  /* With the drill's stream still open: presence lists the live one only. */
  read_live (server, dispatcher, &after);
  assert_same_live (&before, &after);
  wg_test_websocket_free (drill_ws);
  live_view_clear (&before);
  live_view_clear (&after);

  /* The drill's command ids are not the live journal's: the same id is a
   * new command here. */
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, dispatcher, reused_id, "incident.note",
                                                          "{\"incident\":\"00000000-0000-4000-8000-000000000000\",\"text\":\"x\"}");
    g_autoptr(WgTestResponse) live_note = NULL;
    g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"live\"}", live_incident);

    g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (r), "code"), !=, "idempotency-key-reuse");
    live_note = wg_test_server_command (server, dispatcher, "0d8f8a11-5b0e-4c55-9a0a-1f7b2f1c0e02", "incident.note", body);
    g_assert_cmpuint (live_note->status, ==, 200);
  }
  wg_test_websocket_free (live_ws);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

/* Down for 90 s of exercise time (the record says so): on restart the
 * running exercise goes on, and the steps due meanwhile fire in order. */
static void
test_restart (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", NULL };
  g_autofree char *trainer = NULL, *dispatcher = NULL;
  g_autofree char *record_path = NULL, *name = NULL, *text = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(Drill) drill = { 0 };
  JsonObject *record;
  JsonArray *fired;

  wg_test_server_start (server, args);
  trainer = wg_test_server_login (server, "trainer", "demo");
  start_drill (&drill, server, trainer);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);

  if (server->database != NULL)
    {
      /* On PostgreSQL the record is the register's (the file is a cache). */
      g_autofree char *sql = g_strdup_printf ("UPDATE exercises SET saved = jsonb_set(saved::jsonb, '{paused_ms}',"
                                              " to_jsonb((saved::jsonb->>'paused_ms')::bigint - 90000))::text"
                                              " WHERE id = '%s'", drill.id);

      wg_test_postgres_execute (server->database, sql);
    }
  else
    {
      name = g_strconcat (drill.id, ".json", NULL);
      record_path = g_build_filename (server->data_dir, "exercises", name, NULL);
      json_parser_load_from_file (parser, record_path, &error);
      g_assert_no_error (error);
      record = json_node_get_object (json_parser_get_root (parser));
      json_object_set_int_member (record, "paused_ms", json_object_get_int_member (record, "paused_ms") - 90000);
      text = json_to_string (json_parser_get_root (parser), TRUE);
      g_file_set_contents (record_path, text, -1, &error);
      g_assert_no_error (error);
    }

  wg_test_server_start (server, args);
  trainer = (g_free (trainer), wg_test_server_login (server, "trainer", "demo"));
  dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  {
    g_autoptr(WgTestResponse) r = exercise_get (server, dispatcher, drill.id, "");
    g_autoptr(JsonArray) events = exercise_events (&drill, dispatcher);
    const char *texts[] = { "住户来电", "火势蔓延" };
    guint found = 0;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (r), "state"), ==, "running");
    fired = json_object_get_array_member (wg_test_response_object (r), "fired");
    g_assert_cmpuint (json_array_get_length (fired), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (fired, 1), "step"), ==, "resident-call");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (fired, 2), "step"), ==, "spreading");
    for (guint i = 0; i < json_array_get_length (events); i++)
      {
        JsonObject *event = json_array_get_object_element (events, i);
        JsonObject *body = json_object_get_object_member (event, "body");

        if (!g_str_equal (json_object_get_string_member (event, "type"), "incident.noted"))
          continue;
        g_assert_cmpuint (found, <, G_N_ELEMENTS (texts));
        g_assert_nonnull (strstr (json_object_get_string_member (body, "text"), texts[found]));
        found++;
      }
    g_assert_cmpuint (found, ==, 2);
  }
  /* Nothing of it on the live journal. */
  g_assert_cmpint (wg_test_server_head (server), ==, 0);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

/* A copy of the demo reference whose alarms escalate after 1 s. */
static char *
fast_reference (WgTestServer *server)
{
  g_autofree char *src = g_build_filename (g_getenv ("WANGGE_SOURCE_DIR"), "data", "demo", NULL);
  char *dir = g_build_filename (server->data_dir, "reference", NULL);
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) error = NULL;
  const char *name;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  listing = g_dir_open (src, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *from = g_build_filename (src, name, NULL);
      g_autofree char *to = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;
      gsize length;

      g_file_get_contents (from, &text, &length, &error);
      g_assert_no_error (error);
      if (g_str_equal (name, "roster.json"))
        {
          g_autoptr(GString) edited = g_string_new (text);

          g_assert_cmpuint (g_string_replace (edited, "\"covering_after_seconds\": 60", "\"covering_after_seconds\": 1", 1), ==, 1);
          g_free (text);
          length = edited->len;
          text = g_string_free (g_steal_pointer (&edited), FALSE);
        }
      g_file_set_contents (to, text, length, &error);
      g_assert_no_error (error);
    }
  return dir;
}

static guint
count_type (Drill      *drill,
            const char *token,
            const char *type)
{
  g_autoptr(JsonArray) events = exercise_events (drill, token);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (events, i), "type"), type))
      n++;
  return n;
}

static void
test_pause_freezes_timers (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autofree char *dir = fast_reference (server);
  const char *args[] = { "--reference", dir, NULL };
  g_autofree char *trainer = NULL;
  g_auto(Drill) drill = { 0 };
  gint64 deadline;

  wg_test_server_add_user (server, "coach", "coach-password", "trainer", NULL);
  wg_test_server_start (server, args);
  trainer = wg_test_server_login (server, "coach", "coach-password");
  start_drill (&drill, server, trainer);
  {
    g_autoptr(WgTestResponse) r = exercise_command (server, drill.id, trainer, NULL, "exercise.pause", "{}");
    g_assert_cmpuint (r->status, ==, 200);
  }
  /* Three escalation intervals of wall time: nothing while paused. */
  wg_test_iterate_for (3500);
  g_assert_cmpuint (count_type (&drill, trainer, "alarm.raised"), ==, 1);
  g_assert_cmpuint (count_type (&drill, trainer, "alarm.escalated"), ==, 0);
  g_assert_cmpuint (count_type (&drill, trainer, "incident.overdue"), ==, 0);
  {
    g_autoptr(WgTestResponse) r = exercise_command (server, drill.id, trainer, NULL, "exercise.resume", "{}");
    g_assert_cmpuint (r->status, ==, 200);
  }
  deadline = g_get_monotonic_time () + 6 * G_USEC_PER_SEC;
  while (count_type (&drill, trainer, "alarm.escalated") == 0 && g_get_monotonic_time () < deadline)
    wg_test_iterate_for (200);
  g_assert_cmpuint (count_type (&drill, trainer, "alarm.escalated"), >=, 1);
  g_assert_cmpint (wg_test_server_head (server), ==, 0);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

/* From a past incident at a moment: its events up to then are the
 * drill's start (EX- case number), the live incident does not change. */
static void
test_from_incident (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", NULL };
  g_autofree char *trainer = NULL, *leader = NULL, *dispatcher = NULL;
  g_autofree char *live_id = NULL, *case_number = NULL, *body = NULL, *live_before = NULL, *live_after = NULL;
  g_auto(Drill) drill = { 0 };
  gint64 before_report, at;

  wg_test_server_start (server, args);
  trainer = wg_test_server_login (server, "trainer", "demo");
  leader = wg_test_server_login (server, "leader", "demo");
  dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  before_report = wg_test_now_ms () - 1000;
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, dispatcher, NULL, "incident.report",
                                                          "{\"grade\":\"emergency\",\"category\":\"fire\","
                                                          "\"location\":{\"lat\":23.2065,\"lon\":113.2984},\"summary\":\"厨房起火\"}");
    JsonObject *first;

    g_assert_cmpuint (r->status, ==, 200);
    first = json_array_get_object_element (json_object_get_array_member (wg_test_response_object (r), "events"), 0);
    live_id = g_strdup (json_object_get_string_member (first, "incident"));
    case_number = g_strdup (json_object_get_string_member (json_object_get_object_member (first, "body"), "case_number"));
  }
  wg_test_iterate_for (50);
  at = wg_test_now_ms ();
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, dispatcher, "GET", "/api/v1/snapshot", NULL, NULL);

    live_before = member_text (wg_test_response_object (r), "incidents");
  }

  /* Before the report there was no such incident; the future is refused. */
  body = g_strdup_printf ("{\"incident\":\"%s\",\"at\":%" G_GINT64_FORMAT "}", case_number, before_report);
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer, "POST", "/api/v1/exercises", "application/json", body);
    wg_test_response_assert_problem (r, 404, "unknown-incident");
  }
  g_free (body);
  body = g_strdup_printf ("{\"incident\":\"%s\",\"at\":%" G_GINT64_FORMAT "}", case_number, at + 3600 * 1000);
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer, "POST", "/api/v1/exercises", "application/json", body);
    wg_test_response_assert_problem (r, 422, "invalid-field");
  }
  g_free (body);
  body = g_strdup_printf ("{\"incident\":\"%s\",\"at\":%" G_GINT64_FORMAT "}", case_number, at);
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer, "POST", "/api/v1/exercises", "application/json", body);
    JsonObject *o;

    g_assert_cmpuint (r->status, ==, 201);
    o = wg_test_response_object (r);
    drill.server = server;
    drill.id = g_strdup (json_object_get_string_member (o, "id"));
    drill.incident = g_strdup (json_object_get_string_member (o, "incident"));
    g_assert_cmpstr (drill.incident, ==, live_id);
    g_assert_cmpstr (json_object_get_string_member (o, "source_incident"), ==, case_number);
    g_assert_cmpint (json_object_get_int_member (o, "elapsed_ms"), <, 60000);
  }
  {
    g_autoptr(JsonArray) events = exercise_events (&drill, dispatcher);
    g_autofree char *expected = g_strconcat ("EX-", case_number, NULL);
    JsonObject *first = json_array_get_object_element (events, 0);

    g_assert_cmpint (json_object_get_int_member (first, "seq"), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (first, "exercise"), ==, drill.id);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "body"), "case_number"), ==, expected);
  }
  /* The trainees go on from there: the alarm is still to acknowledge. */
  {
    g_autofree char *ack = g_strdup_printf ("{\"incident\":\"%s\"}", drill.incident);
    g_autoptr(WgTestResponse) acked = exercise_command (server, drill.id, leader, NULL, "alarm.acknowledge", ack);
    g_autoptr(WgTestResponse) snapshot = exercise_get (server, dispatcher, drill.id, "/snapshot");
    g_autoptr(WgTestResponse) live = wg_test_server_request_as (server, dispatcher, "GET", "/api/v1/snapshot", NULL, NULL);

    g_assert_cmpuint (acked->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (snapshot), "incidents")), ==, 1);
    live_after = member_text (wg_test_response_object (live), "incidents");
    g_assert_cmpstr (live_after, ==, live_before);
  }
  g_assert_cmpint (wg_test_server_head (server), ==, 2);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *) user_data = TRUE;
}

static gboolean
has_event (Drill      *drill,
           const char *token,
           const char *type,
           const char *actor)
{
  g_autoptr(JsonArray) events = exercise_events (drill, token);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);

      if (g_str_equal (json_object_get_string_member (event, "type"), type) &&
          (actor == NULL || g_strcmp0 (json_object_get_string_member (event, "actor"), actor) == 0))
        return TRUE;
    }
  return FALSE;
}

static void
test_sim_in_exercise (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", NULL };
  g_autofree char *trainer = NULL, *leader = NULL, *dispatcher = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) sim = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Drill) drill = { 0 };
  gboolean done = FALSE;
  gint64 deadline;

  wg_test_server_start (server, args);
  trainer = wg_test_server_login (server, "trainer", "demo");
  leader = wg_test_server_login (server, "leader", "demo");
  dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  start_drill (&drill, server, trainer);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  sim = g_subprocess_launcher_spawn (launcher, &error, WANGGE_SIM_BIN,
                                     "--server", server->base_url, "--password", "demo",
                                     "--exercise", drill.id, "--speed", "120", "--seed", "7",
                                     "--no-ack-share", "0", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (sim, NULL, wait_done_cb, &done);
  /* Its logins, then its stream. */
  wg_test_iterate_for (3000);
  g_assert_false (done);

  /* The trainees: acknowledge, dispatch the emergency unit of the grid. */
  {
    g_autofree char *ack = g_strdup_printf ("{\"incident\":\"%s\"}", drill.incident);
    g_autofree char *assign = g_strdup_printf ("{\"incident\":\"%s\",\"units\":[\"ap-01\"]}", drill.incident);
    g_autoptr(WgTestResponse) acked = exercise_command (server, drill.id, leader, NULL, "alarm.acknowledge", ack);
    g_autoptr(WgTestResponse) assigned = exercise_command (server, drill.id, dispatcher, NULL, "dispatch.assign", assign);

    g_assert_cmpuint (acked->status, ==, 200);
    g_assert_cmpuint (assigned->status, ==, 200);
  }
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!has_event (&drill, dispatcher, "assignment.on_scene", NULL) && g_get_monotonic_time () < deadline && !done)
    wg_test_iterate_for (500);
  g_assert_true (has_event (&drill, dispatcher, "assignment.acknowledged", NULL));
  g_assert_true (has_event (&drill, dispatcher, "assignment.on_scene", NULL));

  /* The unit sent moved on the drill's own track. */
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/positions/latest?unit=ap-01", drill.id);
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, dispatcher, "GET", path, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (r), "positions")), ==, 1);
  }

  g_subprocess_send_signal (sim, SIGTERM);
  g_assert_true (wg_test_iterate_until (flag_set, &done, 20000));

  /* Nothing live: no event, no position. */
  g_assert_cmpint (wg_test_server_head (server), ==, 0);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/positions?from=0&to=%" G_GINT64_FORMAT, wg_test_now_ms () + 1000);
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, dispatcher, "GET", path, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (r), "positions")), ==, 0);
  }
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

static WgTestResponse *
post_positions (WgTestServer *server,
                const char   *token,
                const char   *path,
                const char   *unit,
                gint64        ts,
                double        lat,
                double        lon)
{
  g_autofree char *body = g_strdup_printf ("{\"positions\":[{\"unit\":\"%s\",\"ts\":%" G_GINT64_FORMAT
                                           ",\"lat\":%.6f,\"lon\":%.6f,\"status\":\"busy\"}]}",
                                           unit, ts, lat, lon);

  return wg_test_server_request_as (server, token, "POST", path, "application/json", body);
}

/* The units of a snapshot (live or an exercise's) that carry a position. */
static char *
positioned_units (WgTestServer *server,
                  const char   *token,
                  const char   *path)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
  g_autoptr(GString) out = g_string_new (NULL);
  JsonArray *units;

  g_assert_cmpuint (r->status, ==, 200);
  units = json_object_get_array_member (wg_test_response_object (r), "units");
  for (guint i = 0; i < json_array_get_length (units); i++)
    {
      JsonObject *unit = json_array_get_object_element (units, i);

      if (json_object_has_member (unit, "position"))
        g_string_append_printf (out, "%s ", json_object_get_string_member (unit, "id"));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
latest_units (WgTestServer *server,
              const char   *token,
              const char   *path)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
  g_autoptr(GString) out = g_string_new (NULL);
  JsonArray *points;

  g_assert_cmpuint (r->status, ==, 200);
  points = json_object_get_array_member (wg_test_response_object (r), "positions");
  for (guint i = 0; i < json_array_get_length (points); i++)
    g_string_append_printf (out, "%s ", json_object_get_string_member (json_array_get_object_element (points, i), "unit"));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* An exercise's positions channel: its points (exercise time) stay in its
 * own track, snapshot and stream; the live ones stay live; bad batches,
 * other units and roles that may not read positions are refused; a paused
 * or ended exercise takes none. */
static void
test_positions (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", NULL };
  g_autofree char *trainer = NULL, *dispatcher = NULL, *worker = NULL, *eu01 = NULL;
  g_autofree char *post_path = NULL, *latest_path = NULL, *snapshot_path = NULL, *ws_path = NULL;
  g_autofree char *units = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(Drill) drill = { 0 };
  g_autoptr(WgTestWebsocket) live_ws = NULL, drill_ws = NULL;
  gint64 clock, now;
  guint drill_positions = 0;

  wg_test_server_start (server, args);
  trainer = wg_test_server_login (server, "trainer", "demo");
  dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  worker = wg_test_server_login (server, "worker-17", "demo");
  eu01 = wg_test_server_login (server, "unit-eu-01", "demo");
  start_drill (&drill, server, trainer);
  post_path = g_strdup_printf ("/api/v1/exercises/%s/positions", drill.id);
  latest_path = g_strdup_printf ("/api/v1/exercises/%s/positions/latest", drill.id);
  snapshot_path = g_strdup_printf ("/api/v1/exercises/%s/snapshot", drill.id);
  ws_path = g_strdup_printf ("/api/v1/exercises/%s/stream?after=0", drill.id);
  live_ws = wg_test_server_websocket_as (server, dispatcher, "/api/v1/stream?after=0", &error);
  g_assert_no_error (error);
  drill_ws = wg_test_server_websocket_as (server, dispatcher, ws_path, &error);
  g_assert_no_error (error);
  {
    g_autoptr(WgTestResponse) r = exercise_get (server, trainer, drill.id, "");

    clock = json_object_get_int_member (wg_test_response_object (r), "clock");
  }
  now = wg_test_now_ms ();

  /* The drill's forces: one as the unit's own account, one as an admin. */
  {
    g_autoptr(WgTestResponse) own = post_positions (server, eu01, post_path, "eu-01", clock, 23.2101, 113.2901);
    g_autoptr(WgTestResponse) admin = post_positions (server, server->token, post_path, "eu-03", clock, 23.2103, 113.2903);
    g_autoptr(WgTestResponse) other = post_positions (server, eu01, post_path, "eu-02", clock, 23.2102, 113.2902);
    g_autoptr(WgTestResponse) reader = post_positions (server, dispatcher, post_path, "eu-02", clock, 23.2102, 113.2902);
    g_autoptr(WgTestResponse) bad = post_positions (server, server->token, post_path, "eu-02", clock, 123.0, 113.29);
    g_autoptr(WgTestResponse) nowhere = post_positions (server, server->token, "/api/v1/exercises/ex-nowhere/positions",
                                                        "eu-02", clock, 23.21, 113.29);

    g_assert_cmpuint (own->status, ==, 200);
    g_assert_cmpint (json_object_get_int_member (wg_test_response_object (own), "accepted"), ==, 1);
    g_assert_cmpuint (admin->status, ==, 200);
    wg_test_response_assert_problem (other, 403, "forbidden");
    wg_test_response_assert_problem (reader, 403, "forbidden");
    wg_test_response_assert_problem (bad, 422, "invalid-positions");
    wg_test_response_assert_problem (nowhere, 404, "unknown-exercise");
  }
  /* A live force, live. */
  {
    g_autoptr(WgTestResponse) live = post_positions (server, server->token, "/api/v1/positions", "eu-02", now,
                                                     23.2202, 113.2802);

    g_assert_cmpuint (live->status, ==, 200);
  }

  /* Each track has its own. */
  units = latest_units (server, dispatcher, latest_path);
  g_assert_cmpstr (units, ==, "eu-01 eu-03 ");
  g_free (units);
  units = latest_units (server, dispatcher, "/api/v1/positions/latest");
  g_assert_cmpstr (units, ==, "eu-02 ");
  g_free (units);
  {
    g_autofree char *window = g_strdup_printf ("/api/v1/exercises/%s/positions?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT
                                               "&unit=eu-01", drill.id, clock - 1000, clock + 1000);
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, dispatcher, "GET", window, NULL, NULL);
    g_autofree char *live_window = g_strdup_printf ("/api/v1/positions?from=0&to=%" G_GINT64_FORMAT, now + 1000);
    g_autoptr(WgTestResponse) live = wg_test_server_request_as (server, dispatcher, "GET", live_window, NULL, NULL);
    JsonArray *points;

    g_assert_cmpuint (r->status, ==, 200);
    points = json_object_get_array_member (wg_test_response_object (r), "positions");
    g_assert_cmpuint (json_array_get_length (points), ==, 1);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json_array_get_object_element (points, 0), "lat"),
                                    23.2101, 1e-6);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (live), "positions")),
                      ==, 1);
  }
  /* The snapshots: the drill's units carry the drill's positions, the live
   * units the live ones; a grid worker's role reads none. */
  units = positioned_units (server, dispatcher, snapshot_path);
  g_assert_cmpstr (units, ==, "eu-01 eu-03 ");
  g_free (units);
  units = positioned_units (server, dispatcher, "/api/v1/snapshot");
  g_assert_cmpstr (units, ==, "eu-02 ");
  g_free (units);
  units = positioned_units (server, worker, snapshot_path);
  g_assert_cmpstr (units, ==, "");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, worker, "GET", latest_path, NULL, NULL);

    wg_test_response_assert_problem (r, 403, "forbidden");
  }

  /* The streams: the drill's positions on the drill's, none on the live one. */
  wg_test_iterate_for (1500);
  while (!g_queue_is_empty (&drill_ws->messages))
    {
      g_autoptr(JsonNode) node = g_queue_pop_head (&drill_ws->messages);
      g_autofree char *text = json_to_string (node, FALSE);

      g_assert_null (strstr (text, "eu-02"));
      if (strstr (text, "\"positions\"") != NULL && strstr (text, "eu-01") != NULL)
        drill_positions++;
    }
  g_assert_cmpuint (drill_positions, >=, 1);
  while (!g_queue_is_empty (&live_ws->messages))
    {
      g_autoptr(JsonNode) node = g_queue_pop_head (&live_ws->messages);
      g_autofree char *text = json_to_string (node, FALSE);

      g_assert_null (strstr (text, "eu-01"));
      g_assert_null (strstr (text, "eu-03"));
    }

  /* The journal reads are the live handlers over the drill's journal:
   * from a moment as from a seq. */
  {
    g_autoptr(WgTestResponse) by_seq = exercise_get (server, dispatcher, drill.id, "/journal?after=0");
    g_autofree char *tail = g_strdup_printf ("/journal?from_ts=%" G_GINT64_FORMAT, clock - 60000);
    g_autoptr(WgTestResponse) by_time = exercise_get (server, dispatcher, drill.id, tail);
    g_autoptr(WgTestResponse) both = exercise_get (server, dispatcher, drill.id, "/journal?after=0&from_ts=1");
    g_autofree char *a = NULL, *b = NULL;

    g_assert_cmpuint (by_seq->status, ==, 200);
    g_assert_cmpuint (by_time->status, ==, 200);
    a = member_text (wg_test_response_object (by_seq), "events");
    b = member_text (wg_test_response_object (by_time), "events");
    g_assert_cmpstr (a, ==, b);
    wg_test_response_assert_problem (both, 400, "invalid-request");
  }

  /* Paused, then ended: no position is taken. */
  {
    g_autoptr(WgTestResponse) paused = exercise_command (server, drill.id, trainer, NULL, "exercise.pause", "{}");
    g_autoptr(WgTestResponse) while_paused = post_positions (server, eu01, post_path, "eu-01", clock + 1000, 23.2111, 113.2911);
    g_autoptr(WgTestResponse) ended = exercise_command (server, drill.id, trainer, NULL, "exercise.end", "{}");
    g_autoptr(WgTestResponse) after_end = post_positions (server, eu01, post_path, "eu-01", clock + 2000, 23.2111, 113.2911);
    g_autoptr(WgTestResponse) kept = wg_test_server_request_as (server, dispatcher, "GET", latest_path, NULL, NULL);
    JsonArray *points;

    g_assert_cmpuint (paused->status, ==, 200);
    wg_test_response_assert_problem (while_paused, 409, "exercise-paused");
    g_assert_cmpuint (ended->status, ==, 200);
    wg_test_response_assert_problem (after_end, 409, "exercise-ended");
    /* Kept for review: the last position is still the first one. */
    points = json_object_get_array_member (wg_test_response_object (kept), "positions");
    g_assert_cmpuint (json_array_get_length (points), ==, 2);
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json_array_get_object_element (points, 0), "lat"),
                                    23.2101, 1e-6);
  }
  g_clear_pointer (&drill_ws, wg_test_websocket_free);
  g_clear_pointer (&live_ws, wg_test_websocket_free);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/exercises/no-leak", test_no_leak);
  g_test_add_func ("/exercises/restart", test_restart);
  g_test_add_func ("/exercises/from-incident", test_from_incident);
  g_test_add_func ("/exercises/pause-freezes-timers", test_pause_freezes_timers);
  g_test_add_func ("/exercises/positions", test_positions);
  g_test_add_func ("/exercises/sim", test_sim_in_exercise);
  return g_test_run ();
}
