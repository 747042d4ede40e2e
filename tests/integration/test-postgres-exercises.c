/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exercises on PostgreSQL (docs/postgresql.md, "Exercises"): two server
 * instances on one private cluster.  An exercise started through instance
 * 1 is listed and read through instance 2, and its stream there (relayed
 * from instance 1) gets a command made through instance 1 within 1 s;
 * trainees' commands alternating between the instances, each retried
 * through the other, give one gap-free exercise journal with each command
 * once; the trainer's control commands go through either; one of a
 * register from before the lease is read, not run.  An owner
 * killed for good: the other instance takes its exercise over once the
 * lease lapses, from PostgreSQL (its units where they were), and the
 * owner restarted later is fenced.  An owner stopped gracefully hands its
 * exercise over at once.
 */
#include "config.h"

#include <signal.h>

#include "wg-test-postgres.h"
#include "wg-test-server.h"

#define FIRE "fire-residential.json"
#define CONFIG "[auth]\ncommand-rate=100000\ncommand-burst=100000\n"
/* A short lease: the takeover within seconds. */
#define LEASE_SECONDS 4
#define SHORT_LEASE_CONFIG CONFIG "[exercises]\nlease-seconds=4\n"

static WgTestPostgres *cluster;
static char *skip_reason;

#define REQUIRE_CLUSTER() \
  G_STMT_START { if (cluster == NULL) { g_test_skip (skip_reason); return; } } G_STMT_END

static WgTestServer *
start_server_with (const char *database,
                   const char *config)
{
  WgTestServer *server = wg_test_server_new (config);
  const char *args[] = { "--demo", "--database", database, NULL };

  wg_test_server_start (server, args);
  return server;
}

static WgTestServer *
start_server (const char *database)
{
  return start_server_with (database, CONFIG);
}

static char *
command_id (guint n)
{
  return g_strdup_printf ("00000000-0000-4000-8000-0022%08u", n);
}

static WgTestResponse *
exercise_command (WgTestServer *server,
                  const char   *exercise,
                  const char   *token,
                  const char   *id,
                  const char   *type,
                  const char   *body_json)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/commands", exercise);
  g_autofree char *text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"%s\",\"body\":%s}", id, type, body_json);

  return wg_test_server_request_as (server, token, "POST", path, "application/json", text);
}

/* @type sent to @server until an instance runs the exercise again (503
 * exercise-unreachable meanwhile, every @poll_ms, for at most the lease
 * and ten seconds); the answer, and in @unreachable how many 503s. */
static WgTestResponse *
exercise_command_until_served (WgTestServer *server,
                               const char   *exercise,
                               const char   *token,
                               const char   *id,
                               const char   *type,
                               const char   *body_json,
                               guint         poll_ms,
                               guint        *unreachable)
{
  gint64 deadline = g_get_monotonic_time () + (LEASE_SECONDS + 10) * G_USEC_PER_SEC;

  *unreachable = 0;
  for (;;)
    {
      WgTestResponse *r = exercise_command (server, exercise, token, id, type, body_json);

      if (r->status == 200 || g_get_monotonic_time () > deadline)
        return r;
      wg_test_response_assert_problem (r, 503, "exercise-unreachable");
      wg_test_response_free (r);
      (*unreachable)++;
      g_usleep (poll_ms * 1000);
    }
}

static JsonArray *
exercise_journal (WgTestServer *server,
                  const char   *token,
                  const char   *exercise)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/journal?after=0&limit=5000", exercise);
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  return json_array_ref (json_object_get_array_member (wg_test_response_object (r), "events"));
}

static gint64
first_seq (WgTestResponse *r)
{
  JsonArray *events = json_object_get_array_member (wg_test_response_object (r), "events");

  return json_object_get_int_member (json_array_get_object_element (events, 0), "seq");
}

static void
test_two_instances (void)
{
  g_autofree char *database = NULL;
  g_autofree char *id = NULL, *incident = NULL, *note = NULL;
  char *trainer[2] = { NULL }, *dispatcher[2] = { NULL };
  g_autoptr(GHashTable) noted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  WgTestServer *server[2];
  JsonArray *journal[2];
  const guint n = 10;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  for (guint i = 0; i < 2; i++)
    {
      server[i] = start_server (database);
      trainer[i] = wg_test_server_login (server[i], "trainer", "demo");
      dispatcher[i] = wg_test_server_login (server[i], "dispatcher", "demo");
    }

  /* Started through instance 1: listed and read through instance 2. */
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server[0], trainer[0], "POST", "/api/v1/exercises",
                                                             "application/json", "{\"scenario\":\"" FIRE "\"}");
    JsonObject *o;

    g_assert_cmpuint (r->status, ==, 201);
    o = wg_test_response_object (r);
    id = g_strdup (json_object_get_string_member (o, "id"));
    incident = g_strdup (json_object_get_string_member (o, "incident"));
    g_assert_nonnull (incident);
  }
  {
    g_autoptr(WgTestResponse) list = wg_test_server_request_as (server[1], dispatcher[1], "GET", "/api/v1/exercises",
                                                                NULL, NULL);
    JsonArray *all;

    g_assert_cmpuint (list->status, ==, 200);
    all = json_object_get_array_member (wg_test_response_object (list), "exercises");
    g_assert_cmpuint (json_array_get_length (all), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (all, 0), "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (all, 0), "state"), ==, "running");
  }
  {
    g_autofree char *path = g_strconcat ("/api/v1/exercises/", id, NULL);
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server[1], dispatcher[1], "GET", path, NULL, NULL);
    g_autoptr(WgTestResponse) forged = wg_test_server_request_as (server[1], "forged.1.2.3", "GET", path, NULL, NULL);
    g_autoptr(WgTestResponse) nowhere = wg_test_server_request_as (server[1], dispatcher[1], "GET",
                                                                   "/api/v1/exercises/ex-nowhere", NULL, NULL);
    JsonObject *o;

    g_assert_cmpuint (r->status, ==, 200);
    o = wg_test_response_object (r);
    g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (o, "incident"), ==, incident);
    g_assert_cmpint (json_object_get_int_member (o, "head"), >=, 1);
    wg_test_response_assert_problem (forged, 401, "unauthorized");
    wg_test_response_assert_problem (nowhere, 404, "unknown-exercise");
  }

  /* Instance 2's stream of the exercise sees a note made through
   * instance 1 within 1 s. */
  note = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"演练记录\"}", incident);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/stream", id);
    g_autofree char *cid = command_id (100);
    g_autoptr(GError) error = NULL;
    g_autoptr(WgTestWebsocket) ws = wg_test_server_websocket_as (server[1], dispatcher[1], path, &error);
    g_autoptr(JsonNode) hello = NULL, live = NULL, event = NULL;
    g_autoptr(WgTestResponse) r = NULL;
    gint64 start, elapsed_ms;

    g_assert_no_error (error);
    hello = wg_test_websocket_wait_type (ws, "hello", 5000);
    live = wg_test_websocket_wait_type (ws, "live", 5000);
    g_assert_nonnull (hello);
    g_assert_nonnull (live);
    start = g_get_monotonic_time ();
    r = exercise_command (server[0], id, dispatcher[0], cid, "incident.note", note);
    g_assert_cmpuint (r->status, ==, 200);
    event = wg_test_websocket_wait_type (ws, "event", 1000);
    elapsed_ms = (g_get_monotonic_time () - start) / 1000;
    g_assert_nonnull (event);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_node_get_object (event),
                                                                                   "event"), "command"), ==, cid);
    g_test_message ("a note through instance 1 on instance 2's exercise stream after %" G_GINT64_FORMAT " ms",
                    elapsed_ms);
    g_assert_cmpint (elapsed_ms, <, 1000);
  }

  /* Alternating, each retried through the other instance. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *cid = command_id (i);
      guint first = i % 2, other = 1 - first;
      g_autoptr(WgTestResponse) r = exercise_command (server[first], id, dispatcher[first], cid, "incident.note", note);
      g_autoptr(WgTestResponse) retry = exercise_command (server[other], id, dispatcher[other], cid, "incident.note",
                                                          note);

      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpuint (retry->status, ==, 200);
      g_assert_false (json_object_get_boolean_member (wg_test_response_object (r), "replayed"));
      g_assert_true (json_object_get_boolean_member (wg_test_response_object (retry), "replayed"));
      g_assert_cmpint (first_seq (retry), ==, first_seq (r));
    }
  for (guint i = 0; i < 2; i++)
    journal[i] = exercise_journal (server[i], dispatcher[i], id);
  g_assert_cmpuint (json_array_get_length (journal[0]), ==, json_array_get_length (journal[1]));
  for (guint i = 0; i < json_array_get_length (journal[0]); i++)
    {
      JsonObject *event = json_array_get_object_element (journal[0], i);
      JsonObject *same = json_array_get_object_element (journal[1], i);

      g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, i + 1);
      g_assert_cmpint (json_object_get_int_member (same, "seq"), ==, i + 1);
      g_assert_cmpstr (json_object_get_string_member (event, "type"), ==, json_object_get_string_member (same, "type"));
      g_assert_cmpstr (json_object_get_string_member (event, "exercise"), ==, id);
      if (g_str_equal (json_object_get_string_member (event, "type"), "incident.noted"))
        g_assert_true (g_hash_table_add (noted, g_strdup (json_object_get_string_member (event, "command"))));
    }
  g_assert_cmpuint (g_hash_table_size (noted), ==, n + 1);
  for (guint i = 0; i < 2; i++)
    json_array_unref (journal[i]);

  /* The trainer pauses through instance 2: trainees are refused through
   * instance 1. */
  {
    g_autofree char *pause = g_uuid_string_random ();
    g_autofree char *late = g_uuid_string_random ();
    g_autoptr(WgTestResponse) paused = exercise_command (server[1], id, trainer[1], pause, "exercise.pause", "{}");
    g_autoptr(WgTestResponse) refused = exercise_command (server[0], id, dispatcher[0], late, "incident.note", note);

    g_assert_cmpuint (paused->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (wg_test_response_object (paused),
                                                                                  "exercise"), "state"),
                     ==, "paused");
    wg_test_response_assert_problem (refused, 409, "exercise-paused");
  }

  /* An exercise of a register from before the lease (no journal there,
   * nothing to resume it from): its record is read, anything else is
   * refused as such, not forwarded to an owner that no longer runs it. */
  wg_test_postgres_execute (database, "INSERT INTO exercises (id, owner_url, started_at, record) VALUES"
                                      " ('ex-before', 'http://127.0.0.1:1', 1, '{\"id\":\"ex-before\","
                                      "\"state\":\"running\",\"started_at\":1,\"start_clock\":1}')");
  {
    g_autofree char *cid = command_id (150);
    g_autoptr(WgTestResponse) record = wg_test_server_request_as (server[1], dispatcher[1], "GET",
                                                                  "/api/v1/exercises/ex-before", NULL, NULL);
    g_autoptr(WgTestResponse) refused = exercise_command (server[0], "ex-before", dispatcher[0], cid,
                                                          "incident.note", note);

    g_assert_cmpuint (record->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (record), "id"), ==, "ex-before");
    wg_test_response_assert_problem (refused, 410, "exercise-not-resumable");
  }
  for (guint i = 0; i < 2; i++)
    wg_test_server_free (server[i]);
  for (guint i = 0; i < 2; i++)
    g_free (dispatcher[i]), g_free (trainer[i]);
}

/* The owner killed: its exercise is still listed and read through the
 * other instance, whose commands for it get 503 and write nothing;
 * restarted on its data directory (on another port), it registers its
 * address again and the other instance's commands and retries reach it. */
static void
test_owner_restart (void)
{
  g_autofree char *database = NULL;
  g_autofree char *id = NULL, *incident = NULL, *note = NULL, *path = NULL;
  g_autofree char *trainer = NULL, *dispatcher = NULL;
  g_autofree char *first = command_id (200), *second = command_id (201);
  g_autoptr(JsonArray) journal = NULL;
  WgTestServer *server[2];
  const char *args[] = { "--demo", "--database", NULL, NULL };
  guint16 old_port;
  guint noted = 0;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  args[2] = database;
  for (guint i = 0; i < 2; i++)
    server[i] = start_server (database);
  trainer = wg_test_server_login (server[0], "trainer", "demo");
  dispatcher = wg_test_server_login (server[1], "dispatcher", "demo");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server[0], trainer, "POST", "/api/v1/exercises",
                                                             "application/json", "{\"scenario\":\"" FIRE "\"}");

    g_assert_cmpuint (r->status, ==, 201);
    id = g_strdup (json_object_get_string_member (wg_test_response_object (r), "id"));
    incident = g_strdup (json_object_get_string_member (wg_test_response_object (r), "incident"));
  }
  note = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"演练记录\"}", incident);
  path = g_strconcat ("/api/v1/exercises/", id, NULL);
  {
    g_autoptr(WgTestResponse) r = exercise_command (server[1], id, dispatcher, first, "incident.note", note);

    g_assert_cmpuint (r->status, ==, 200);
  }

  old_port = server[0]->port;
  wg_test_server_kill (server[0]);
  {
    g_autoptr(WgTestResponse) refused = exercise_command (server[1], id, dispatcher, second, "incident.note", note);
    g_autoptr(WgTestResponse) record = wg_test_server_request_as (server[1], dispatcher, "GET", path, NULL, NULL);
    g_autoptr(WgTestResponse) list = wg_test_server_request_as (server[1], dispatcher, "GET", "/api/v1/exercises",
                                                                NULL, NULL);

    wg_test_response_assert_problem (refused, 503, "exercise-unreachable");
    g_assert_cmpuint (record->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (record), "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (record), "state"), ==, "running");
    g_assert_cmpuint (list->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (list),
                                                                           "exercises")), ==, 1);
  }

  wg_test_server_start (server[0], args);
  g_test_message ("owner restarted on port %u (was %u)", server[0]->port, old_port);
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    g_autoptr(WgTestResponse) r = NULL;
    g_autoptr(WgTestResponse) retry = NULL;

    /* Its address is registered again as it starts. */
    for (;;)
      {
        g_clear_pointer (&r, wg_test_response_free);
        r = exercise_command (server[1], id, dispatcher, second, "incident.note", note);
        if (r->status == 200 || g_get_monotonic_time () > deadline)
          break;
        g_usleep (100 * 1000);
      }
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_false (json_object_get_boolean_member (wg_test_response_object (r), "replayed"));
    retry = exercise_command (server[1], id, dispatcher, first, "incident.note", note);
    g_assert_cmpuint (retry->status, ==, 200);
    g_assert_true (json_object_get_boolean_member (wg_test_response_object (retry), "replayed"));
  }
  journal = exercise_journal (server[1], dispatcher, id);
  for (guint i = 0; i < json_array_get_length (journal); i++)
    {
      JsonObject *event = json_array_get_object_element (journal, i);

      g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, i + 1);
      noted += g_str_equal (json_object_get_string_member (event, "type"), "incident.noted");
    }
  g_assert_cmpuint (noted, ==, 2);
  for (guint i = 0; i < 2; i++)
    wg_test_server_free (server[i]);
}

static gint64
elapsed_ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000;
}

/* Both instances on @database with @config, the dispatcher logged in on
 * each; the trainer starts a fire drill through the first: its id, its
 * incident and a trainee's note on it. */
static void
start_drill_on_two (const char    *database,
                    const char    *config,
                    WgTestServer  *server[2],
                    char          *dispatcher[2],
                    char         **trainer,
                    char         **id,
                    char         **incident,
                    char         **note)
{
  for (guint i = 0; i < 2; i++)
    {
      server[i] = start_server_with (database, config);
      dispatcher[i] = wg_test_server_login (server[i], "dispatcher", "demo");
    }
  *trainer = wg_test_server_login (server[0], "trainer", "demo");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server[0], *trainer, "POST", "/api/v1/exercises",
                                                             "application/json", "{\"scenario\":\"" FIRE "\"}");

    g_assert_cmpuint (r->status, ==, 201);
    *id = g_strdup (json_object_get_string_member (wg_test_response_object (r), "id"));
    *incident = g_strdup (json_object_get_string_member (wg_test_response_object (r), "incident"));
  }
  *note = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"演练记录\"}", *incident);
}

static WgTestResponse *
post_position (WgTestServer *server,
               const char   *exercise,
               const char   *unit,
               gint64        ts,
               double        lat,
               double        lon)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/positions", exercise);
  g_autofree char *body = g_strdup_printf ("{\"positions\":[{\"unit\":\"%s\",\"ts\":%" G_GINT64_FORMAT
                                           ",\"lat\":%.6f,\"lon\":%.6f,\"status\":\"busy\"}]}",
                                           unit, ts, lat, lon);

  return wg_test_server_request_as (server, server->token, "POST", path, "application/json", body);
}

/* The latest position of @unit on @exercise through @server: its ts, lat
 * and lon. */
static void
assert_latest_position (WgTestServer *server,
                        const char   *token,
                        const char   *exercise,
                        const char   *unit,
                        gint64        ts,
                        double        lat,
                        double        lon)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/positions/latest?unit=%s", exercise, unit);
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
  JsonArray *positions;
  JsonObject *position;

  g_assert_cmpuint (r->status, ==, 200);
  positions = json_object_get_array_member (wg_test_response_object (r), "positions");
  g_assert_cmpuint (json_array_get_length (positions), ==, 1);
  position = json_array_get_object_element (positions, 0);
  g_assert_cmpint (json_object_get_int_member (position, "ts"), ==, ts);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (position, "lat"), lat, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (position, "lon"), lon, 1e-9);
}

/* The exercise's clock now, through @server. */
static gint64
exercise_clock (WgTestServer *server,
                const char   *token,
                const char   *exercise)
{
  g_autofree char *path = g_strconcat ("/api/v1/exercises/", exercise, NULL);
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_int_member (wg_test_response_object (r), "clock");
}

/* The owner killed for good: once its lease lapses the other instance
 * takes the exercise over from PostgreSQL and serves it (a new command,
 * a retry of one the dead owner acknowledged, a step that fell due
 * meanwhile, the stream from its `after`, the units where the dead owner
 * last placed them); the owner restarted on its data directory appends
 * nothing and forwards to the new owner.  That one stopped gracefully
 * (SIGTERM) hands the exercise over at once: the restarted one takes it
 * at its next tick, not once the lease lapsed. */
static void
test_takeover (void)
{
  g_autofree char *database = NULL;
  g_autofree char *id = NULL, *incident = NULL, *note = NULL, *path = NULL;
  g_autofree char *trainer = NULL;
  char *dispatcher[2] = { NULL };
  g_autofree char *acked = command_id (300), *forwarded = command_id (301);
  g_autofree char *after_death = command_id (302), *after_return = command_id (303);
  g_autofree char *after_stop = command_id (304);
  g_autofree char *owner_sql = NULL;
  g_autoptr(JsonArray) journal = NULL;
  g_autoptr(GHashTable) noted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  WgTestServer *server[2];
  const char *args[] = { "--demo", "--database", NULL, NULL };
  gint64 acked_seq = 0, forwarded_seq = 0, start, round_trip_us = 0, placed_at, stopped_ms, served_ms;
  guint hotline = 0;
  const guint timed = 10;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  args[2] = database;
  start_drill_on_two (database, SHORT_LEASE_CONFIG, server, dispatcher, &trainer, &id, &incident, &note);
  path = g_strconcat ("/api/v1/exercises/", id, NULL);

  /* Acknowledged by the owner, directly and forwarded; the round trip of
   * a note on the owner, every one stored in PostgreSQL before its answer. */
  {
    g_autoptr(WgTestResponse) r = exercise_command (server[0], id, dispatcher[0], acked, "incident.note", note);
    g_autoptr(WgTestResponse) f = exercise_command (server[1], id, dispatcher[1], forwarded, "incident.note", note);

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (f->status, ==, 200);
    acked_seq = first_seq (r);
    forwarded_seq = first_seq (f);
  }
  for (guint i = 0; i < timed; i++)
    {
      g_autofree char *cid = command_id (310 + i);
      g_autoptr(WgTestResponse) r = NULL;

      start = g_get_monotonic_time ();
      r = exercise_command (server[0], id, dispatcher[0], cid, "incident.note", note);
      round_trip_us += g_get_monotonic_time () - start;
      g_assert_cmpuint (r->status, ==, 200);
    }
  g_test_message ("an exercise note on its owner: %.1f ms round trip (mean of %u)",
                  round_trip_us / 1000.0 / timed, timed);
  /* The unit placed: each a move, stored in PostgreSQL before its answer;
   * the same number of late points (older than the unit's latest: its
   * track only, as before) in the same run, for the cost. */
  placed_at = exercise_clock (server[0], trainer, id) - 1000;
  {
    gint64 moved_us = 0, late_us = 0;

    for (guint i = 0; i < 2 * timed; i++)
      {
        gboolean late = i >= timed;
        gint64 ts = late ? placed_at - 60000 + i : placed_at - timed + 1 + i;
        g_autoptr(WgTestResponse) r = NULL;

        start = g_get_monotonic_time ();
        r = post_position (server[0], id, "eu-03", ts, 23.2123, 113.2923);
        *(late ? &late_us : &moved_us) += g_get_monotonic_time () - start;
        g_assert_cmpuint (r->status, ==, 200);
      }
    g_test_message ("positions on the exercise's owner: %.1f ms round trip for a move, %.1f ms for a late point"
                    " (means of %u)", moved_us / 1000.0 / timed, late_us / 1000.0 / timed, timed);
  }

  wg_test_server_kill (server[0]);
  start = g_get_monotonic_time ();
  /* 45 s of the exercise pass while its owner is dead: the hotline's
   * call (00:40) falls due during the outage. */
  {
    g_autofree char *sql = g_strdup_printf ("UPDATE exercises SET saved = jsonb_set(saved::jsonb, '{start_clock}',"
                                            " to_jsonb((saved::jsonb->>'start_clock')::bigint - 45000))::text"
                                            " WHERE id = '%s'", id);

    wg_test_postgres_execute (database, sql);
  }
  {
    guint unreachable;
    g_autoptr(WgTestResponse) r = exercise_command_until_served (server[1], id, dispatcher[1], after_death,
                                                                 "incident.note", note, 250, &unreachable);
    g_autoptr(WgTestResponse) retry = NULL;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_false (json_object_get_boolean_member (wg_test_response_object (r), "replayed"));
    g_test_message ("the owner killed: a command served by the other instance after %" G_GINT64_FORMAT
                    " ms (lease %d s; %u answers 503 before)", elapsed_ms_since (start), LEASE_SECONDS, unreachable);
    retry = exercise_command (server[1], id, dispatcher[1], acked, "incident.note", note);
    g_assert_cmpuint (retry->status, ==, 200);
    g_assert_true (json_object_get_boolean_member (wg_test_response_object (retry), "replayed"));
    g_assert_cmpint (first_seq (retry), ==, acked_seq);
  }
  /* The unit where the dead owner last placed it. */
  assert_latest_position (server[1], dispatcher[1], id, "eu-03", placed_at, 23.2123, 113.2923);

  /* The trainer's stream on the survivor, from where it was. */
  {
    g_autofree char *stream = g_strdup_printf ("/api/v1/exercises/%s/stream?after=%" G_GINT64_FORMAT, id,
                                               forwarded_seq);
    g_autofree char *trainer_1 = wg_test_server_login (server[1], "trainer", "demo");
    g_autoptr(GError) error = NULL;
    g_autoptr(WgTestWebsocket) ws = wg_test_server_websocket_as (server[1], trainer_1, stream, &error);
    g_autoptr(JsonNode) event = NULL;

    g_assert_no_error (error);
    event = wg_test_websocket_wait_type (ws, "event", 5000);
    g_assert_nonnull (event);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (event),
                                                                                "event"), "seq"),
                     ==, forwarded_seq + 1);
  }

  /* Back on its data directory: the lease is the other's, it appends
   * nothing and forwards. */
  wg_test_server_start (server[0], args);
  {
    g_autoptr(WgTestResponse) r = NULL;
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    for (;;)
      {
        g_clear_pointer (&r, wg_test_response_free);
        r = exercise_command (server[0], id, dispatcher[0], after_return, "incident.note", note);
        if (r->status == 200 || g_get_monotonic_time () > deadline)
          break;
        g_usleep (100 * 1000);
      }
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_false (json_object_get_boolean_member (wg_test_response_object (r), "replayed"));
  }
  /* It claims what it may before it serves: the exercise is the other's. */
  owner_sql = g_strdup_printf ("SELECT count(*) FROM exercises WHERE id = '%s' AND owner_url = '%s'", id,
                               server[1]->base_url);
  g_assert_cmpint (wg_test_postgres_query_number (database, owner_sql), ==, 1);

  /* The new owner stopped gracefully (SIGTERM): it gives its lease up as
   * it exits, and the old one takes the exercise back at its next tick,
   * without waiting the lease out; the unit where the stopped owner
   * placed it last, the steps fired once in the record. */
  placed_at = exercise_clock (server[1], trainer, id) - 500;
  {
    g_autoptr(WgTestResponse) r = post_position (server[1], id, "eu-03", placed_at, 23.2133, 113.2933);

    g_assert_cmpuint (r->status, ==, 200);
  }
  start = g_get_monotonic_time ();
  g_assert_cmpint (wg_test_server_stop (server[1]), ==, 0);
  stopped_ms = elapsed_ms_since (start);
  {
    guint unreachable;
    g_autoptr(WgTestResponse) r = exercise_command_until_served (server[0], id, dispatcher[0], after_stop,
                                                                 "incident.note", note, 50, &unreachable);
    g_autoptr(WgTestResponse) retry = NULL;

    served_ms = elapsed_ms_since (start);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_false (json_object_get_boolean_member (wg_test_response_object (r), "replayed"));
    g_test_message ("the owner stopped (SIGTERM, exited after %" G_GINT64_FORMAT " ms): a command served by the"
                    " other instance %" G_GINT64_FORMAT " ms after the signal (%u answers 503 before)",
                    stopped_ms, served_ms, unreachable);
    g_assert_cmpint (served_ms, <, LEASE_SECONDS * 1000);
    retry = exercise_command (server[0], id, dispatcher[0], after_return, "incident.note", note);
    g_assert_cmpuint (retry->status, ==, 200);
    g_assert_true (json_object_get_boolean_member (wg_test_response_object (retry), "replayed"));
  }
  assert_latest_position (server[0], dispatcher[0], id, "eu-03", placed_at, 23.2133, 113.2933);
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server[0], trainer, "GET", path, NULL, NULL);
    g_autoptr(GHashTable) steps = g_hash_table_new (g_str_hash, g_str_equal);
    JsonObject *record;
    JsonArray *fired;

    g_assert_cmpuint (r->status, ==, 200);
    record = wg_test_response_object (r);
    g_assert_true (json_object_has_member (json_object_get_object_member (record, "first_actions"),
                                           "incident.note"));
    fired = json_object_get_array_member (record, "fired");
    for (guint i = 0; i < json_array_get_length (fired); i++)
      {
        const char *step = json_object_get_string_member (json_array_get_object_element (fired, i), "step");

        g_assert_true (g_hash_table_add (steps, (gpointer) step));
      }
    g_assert_cmpuint (g_hash_table_size (steps), >=, 1);
  }

  journal = exercise_journal (server[0], dispatcher[0], id);
  for (guint i = 0; i < json_array_get_length (journal); i++)
    {
      JsonObject *event = json_array_get_object_element (journal, i);

      g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, i + 1);
      if (!g_str_equal (json_object_get_string_member (event, "type"), "incident.noted"))
        continue;
      if (g_strcmp0 (json_object_get_string_member (event, "actor"), "exercise-hotline") == 0)
        hotline++;
      else
        g_assert_true (g_hash_table_add (noted, g_strdup (json_object_get_string_member (event, "command"))));
    }
  g_assert_cmpuint (hotline, ==, 1);
  g_assert_cmpuint (g_hash_table_size (noted), ==, timed + 5);
  g_assert_true (g_hash_table_contains (noted, acked));
  g_assert_true (g_hash_table_contains (noted, after_death));
  g_assert_true (g_hash_table_contains (noted, after_return));
  g_assert_true (g_hash_table_contains (noted, after_stop));
  for (guint i = 0; i < 2; i++)
    wg_test_server_free (server[i]);
  for (guint i = 0; i < 2; i++)
    g_free (dispatcher[i]);
}

static void
signal_server (WgTestServer *server,
               int           signal_number)
{
  const char *pid = g_subprocess_get_identifier (server->process);

  g_assert_nonnull (pid);
  g_assert_cmpint (kill ((pid_t) g_ascii_strtoll (pid, NULL, 10), signal_number), ==, 0);
}

/* Fencing: the owner stopped (SIGSTOP) past its lease, the other instance
 * takes the exercise over; the old owner, running again, still has the
 * exercise in memory but PostgreSQL refuses its sync (the lease is the
 * other's), so its command is not acknowledged there: it answers 503
 * and, dropping the exercise, forwards the retry to the new owner. */
static void
test_takeover_fenced (void)
{
  g_autofree char *database = NULL;
  g_autofree char *id = NULL, *incident = NULL, *note = NULL, *owner_sql = NULL, *events_sql = NULL;
  g_autofree char *trainer = NULL;
  char *dispatcher[2] = { NULL };
  g_autofree char *before = command_id (400), *taken = command_id (401), *fenced = command_id (402);
  g_autoptr(JsonArray) journal = NULL;
  g_autoptr(GHashTable) noted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  WgTestServer *server[2];
  gint64 deadline;
  guint refused = 0;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  start_drill_on_two (database, SHORT_LEASE_CONFIG, server, dispatcher, &trainer, &id, &incident, &note);
  {
    g_autoptr(WgTestResponse) r = exercise_command (server[0], id, dispatcher[0], before, "incident.note", note);

    g_assert_cmpuint (r->status, ==, 200);
  }

  signal_server (server[0], SIGSTOP);
  /* Not through instance 2 meanwhile: its forward to a stopped owner
   * would wait for the forwarding timeout. */
  owner_sql = g_strdup_printf ("SELECT count(*) FROM exercises WHERE id = '%s' AND owner_url = '%s'", id,
                               server[1]->base_url);
  deadline = g_get_monotonic_time () + (LEASE_SECONDS + 10) * G_USEC_PER_SEC;
  while (wg_test_postgres_query_number (database, owner_sql) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (200 * 1000);
  g_assert_cmpint (wg_test_postgres_query_number (database, owner_sql), ==, 1);
  {
    g_autoptr(WgTestResponse) r = exercise_command (server[1], id, dispatcher[1], taken, "incident.note", note);

    g_assert_cmpuint (r->status, ==, 200);
  }

  signal_server (server[0], SIGCONT);
  {
    g_autoptr(WgTestResponse) r = NULL;

    deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    for (;;)
      {
        g_clear_pointer (&r, wg_test_response_free);
        r = exercise_command (server[0], id, dispatcher[0], fenced, "incident.note", note);
        if (r->status == 200 || g_get_monotonic_time () > deadline)
          break;
        wg_test_response_assert_problem (r, 503, "exercise-unreachable");
        refused++;
        g_usleep (100 * 1000);
      }
    g_assert_cmpuint (r->status, ==, 200);
    g_test_message ("the fenced owner's command: %u answers 503 before the one forwarded", refused);
  }

  journal = exercise_journal (server[1], dispatcher[1], id);
  for (guint i = 0; i < json_array_get_length (journal); i++)
    {
      JsonObject *event = json_array_get_object_element (journal, i);

      g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, i + 1);
      if (g_str_equal (json_object_get_string_member (event, "type"), "incident.noted") &&
          g_strcmp0 (json_object_get_string_member (event, "actor"), "exercise-hotline") != 0)
        g_assert_true (g_hash_table_add (noted, g_strdup (json_object_get_string_member (event, "command"))));
    }
  g_assert_cmpuint (g_hash_table_size (noted), ==, 3);
  g_assert_true (g_hash_table_contains (noted, fenced));
  events_sql = g_strdup_printf ("SELECT count(*) FROM exercise_events WHERE exercise_id = '%s'", id);
  g_assert_cmpint (wg_test_postgres_query_number (database, events_sql), ==, json_array_get_length (journal));
  for (guint i = 0; i < 2; i++)
    wg_test_server_free (server[i]);
  for (guint i = 0; i < 2; i++)
    g_free (dispatcher[i]);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/postgres-exercises/two-instances", test_two_instances);
  g_test_add_func ("/postgres-exercises/owner-restart", test_owner_restart);
  g_test_add_func ("/postgres-exercises/takeover", test_takeover);
  g_test_add_func ("/postgres-exercises/takeover-fenced", test_takeover_fenced);
  cluster = wg_test_postgres_start (&skip_reason);
  status = g_test_run ();
  g_clear_pointer (&cluster, wg_test_postgres_stop);
  g_free (skip_reason);
  return status;
}
