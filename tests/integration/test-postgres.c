/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wangge-server --database on a private PostgreSQL cluster
 * (docs/postgresql.md):
 *
 *  - conformance: the same commands, with the same ids, on SQLite and on
 *    PostgreSQL give the same answers and the same journal (times aside);
 *    also in a city of two streets, each numbering its own cases;
 *  - two instances on one database: commands alternating between them,
 *    retries sent to the other instance, a stream subscriber on one seeing
 *    a report made through the other within 1 s, one gap-free journal
 *    that both serve;
 *  - sessions and login limits across instances: a token from one works
 *    on the other, a logout on one ends it on both within a second, 40
 *    parallel wrong passwords split over both get at most 5 checks;
 *  - accounts shared: added or disabled with --database through one
 *    instance's data directory, in force on every instance;
 *  - --demo with history (three streets): generated once into PostgreSQL,
 *    adopted by the next instance;
 *  - the timers of two instances escalate an alarm once, also when the
 *    instance that took the report is killed before they fall due;
 *  - kill -9 of an instance during writes: every acknowledged command is
 *    kept, and the retries through the other instance apply none twice;
 *  - an immediate shutdown of PostgreSQL during writes, then its restart:
 *    the same, through the same instance, and the other one catches up.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "wg-city.h"
#include "wg-test-postgres.h"
#include "wg-test-server.h"

/* Inside the demo street. */
#define LOC "{\"lat\": 23.21, \"lon\": 113.29}"
#define REPORT "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": " LOC \
               ", \"summary\": \"3楼冒烟\", \"source\": \"phone\"}"

static WgTestPostgres *cluster;
static char *skip_reason;

/* Without PostgreSQL installed each case skips, saying why. */
#define REQUIRE_CLUSTER() \
  G_STMT_START { if (cluster == NULL) { g_test_skip (skip_reason); return; } } G_STMT_END

/* The writers and their retries send hundreds of commands on one token:
 * the per-session rate limit is not what these tests are about. */
#define CONFIG "[auth]\ncommand-rate=100000\ncommand-burst=100000\n"

static WgTestServer *
start_server_with (const char *config,
                   const char *database)
{
  WgTestServer *server = wg_test_server_new (config);
  const char *args[] = { "--demo", database != NULL ? "--database" : NULL, database, NULL };

  wg_test_server_start (server, args);
  return server;
}

static WgTestServer *
start_server (const char *database)
{
  return start_server_with (CONFIG, database);
}

static char *
command_id (guint tag,
            guint n)
{
  return g_strdup_printf ("00000000-0000-4000-8000-%04u%08u", tag, n);
}

/* Every event of the journal as @token reads it, in seq order. */
static JsonArray *
read_journal (WgTestServer *server,
              const char   *token)
{
  JsonArray *all = json_array_new ();
  gint64 after = 0;

  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=5000", after);
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
      JsonObject *page;
      JsonArray *events;

      g_assert_cmpuint (r->status, ==, 200);
      page = wg_test_response_object (r);
      events = json_object_get_array_member (page, "events");
      for (guint i = 0; i < json_array_get_length (events); i++)
        json_array_add_element (all, json_node_copy (json_array_get_element (events, i)));
      if (!json_object_get_boolean_member (page, "more"))
        return all;
      after = json_object_get_int_member (page, "head");
    }
}

/* An event without its times: seq, type, actor, command, subject,
 * incident and the body's strings. */
static char *
describe_event (JsonObject *event)
{
  JsonObject *body = json_object_get_object_member (event, "body");
  g_autoptr(GList) members = json_object_get_members (body);
  GString *out = g_string_new (NULL);

  members = g_list_sort (members, (GCompareFunc) strcmp);
  g_string_append_printf (out, "%" G_GINT64_FORMAT " %s %s %s %s %s {",
                          json_object_get_int_member (event, "seq"),
                          json_object_get_string_member (event, "type"),
                          json_object_get_string_member_with_default (event, "actor", "-"),
                          json_object_get_string_member_with_default (event, "command", "-"),
                          json_object_get_string_member_with_default (event, "subject", "-"),
                          json_object_get_string_member_with_default (event, "incident", "-"));
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *member = json_object_get_member (body, l->data);

      if (JSON_NODE_HOLDS_VALUE (member) && json_node_get_value_type (member) == G_TYPE_STRING)
        g_string_append_printf (out, " %s=%s", (char *) l->data, json_node_get_string (member));
      else
        g_string_append_printf (out, " %s", (char *) l->data);
    }
  g_string_append (out, " }");
  return g_string_free (out, FALSE);
}

static char *
describe_journal (JsonArray *events)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      g_autofree char *line = describe_event (json_array_get_object_element (events, i));

      g_string_append_printf (out, "%s\n", line);
    }
  return g_string_free (out, FALSE);
}

/* Each street's case numbers of a day follow each other in the journal's
 * order, whichever instance decided them: an instance counts the reports
 * it caught up from the other, as its own. */
static void
assert_case_numbers_follow (JsonArray *events)
{
  g_autoptr(GHashTable) last = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      const char *number, *dash;
      char *day_of_street;
      gint64 n;
      gpointer previous;

      if (!g_str_equal (json_object_get_string_member (event, "type"), "incident.reported"))
        continue;
      number = json_object_get_string_member (json_object_get_object_member (event, "body"), "case_number");
      dash = strrchr (number, '-');
      g_assert_nonnull (dash);
      n = g_ascii_strtoll (dash + 1, NULL, 10);
      day_of_street = g_strndup (number, dash - number);
      if (g_hash_table_lookup_extended (last, day_of_street, NULL, &previous))
        g_assert_cmpint (n, ==, GPOINTER_TO_INT (previous) + 1);
      g_hash_table_replace (last, day_of_street, GINT_TO_POINTER ((int) n));
    }
}

/* seq 1..n, no gap, no repeat. */
static void
assert_gap_free (JsonArray *events)
{
  for (guint i = 0; i < json_array_get_length (events); i++)
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (events, i), "seq"), ==, i + 1);
}

typedef struct
{
  const char *user;
  const char *type;
  const char *body;
  guint       status;
} Step;

/* Accepted, refused by a rule, refused by the state machine, retried. */
static const Step steps[] = {
  { "dispatcher", "incident.report", REPORT, 200 },
  { "dispatcher", "dispatch.assign", "{\"incident\": \"$I\", \"units\": [\"eu-01\", \"cp-01\"]}", 200 },
  { "dispatcher", "dispatch.assign", "{\"incident\": \"$I\", \"units\": [\"eu-01\"]}", 409 },
  { "dispatcher", "dispatch.assign", "{\"incident\": \"$I\", \"units\": []}", 422 },
  { "leader", "alarm.acknowledge", "{\"incident\": \"$I\"}", 200 },
  { "dispatcher", "alarm.acknowledge", "{\"incident\": \"$I\"}", 403 },
  { "leader", "incident.resolve", "{\"incident\": \"$I\", \"summary\": \"明火已扑灭\"}", 200 },
  { "dispatcher", "incident.route", "{\"incident\": \"$I\", \"department\": \"housing\"}", 200 },
  { "dispatcher", "incident.note", "{\"incident\": \"$I\", \"text\": \"回访满意\"}", 200 },
};

/* Runs @list's steps (each twice: the retry gets the first answer), with
 * @vars (name, value, ..., NULL) put in their bodies, and returns the
 * answers, one line each. */
static char *
run_step_list (WgTestServer      *server,
               const Step        *list,
               guint              n_steps,
               const char *const *vars)
{
  g_autoptr(GHashTable) tokens = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *incident = NULL;
  GString *answers = g_string_new (NULL);

  for (guint i = 0; i < n_steps; i++)
    {
      const Step *step = &list[i];
      const char *token = g_hash_table_lookup (tokens, step->user);
      g_autofree char *id = command_id (1, i);
      GString *body = g_string_new (step->body);

      if (token == NULL)
        {
          token = wg_test_server_login (server, step->user, "demo");
          g_hash_table_insert (tokens, (gpointer) step->user, (gpointer) token);
        }
      if (incident != NULL)
        g_string_replace (body, "$I", incident, 0);
      for (guint v = 0; vars != NULL && vars[v] != NULL; v += 2)
        g_string_replace (body, vars[v], vars[v + 1], 0);
      for (guint attempt = 0; attempt < 2; attempt++)
        {
          g_autoptr(WgTestResponse) r = wg_test_server_command (server, token, id, step->type, body->str);
          JsonObject *answer = r->json != NULL ? wg_test_response_object (r) : NULL;

          if (r->status != step->status)
            g_error ("step %u: %u %s", i, r->status, (const char *) g_bytes_get_data (r->body, NULL));
          if (r->status == 200)
            {
              JsonArray *events = json_object_get_array_member (answer, "events");

              g_assert_cmpint (json_object_get_boolean_member (answer, "replayed"), ==, attempt == 1);
              if (incident == NULL)
                incident = g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                                    "incident"));
              g_string_append_printf (answers, "%u 200 %u events\n", i, json_array_get_length (events));
            }
          else
            g_string_append_printf (answers, "%u %u %s\n", i, r->status,
                                    json_object_get_string_member (answer, "code"));
        }
      g_string_free (body, TRUE);
    }
  return g_string_free (answers, FALSE);
}

static char *
run_steps (WgTestServer *server)
{
  return run_step_list (server, steps, G_N_ELEMENTS (steps), NULL);
}

static void
test_conformance (void)
{
  g_autofree char *database = NULL;
  g_autoptr(WgTestServer) sqlite = NULL;
  g_autoptr(WgTestServer) postgres = NULL;
  g_autofree char *answers_sqlite = NULL, *answers_postgres = NULL;
  g_autofree char *token_sqlite = NULL, *token_postgres = NULL;
  g_autoptr(JsonArray) journal_sqlite = NULL, journal_postgres = NULL;
  g_autofree char *text_sqlite = NULL, *text_postgres = NULL;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  sqlite = start_server (NULL);
  postgres = start_server (database);
  answers_sqlite = run_steps (sqlite);
  answers_postgres = run_steps (postgres);
  token_sqlite = wg_test_server_login (sqlite, "dispatcher", "demo");
  token_postgres = wg_test_server_login (postgres, "dispatcher", "demo");
  journal_sqlite = read_journal (sqlite, token_sqlite);
  journal_postgres = read_journal (postgres, token_postgres);
  text_sqlite = describe_journal (journal_sqlite);
  text_postgres = describe_journal (journal_postgres);

  g_assert_cmpstr (answers_postgres, ==, answers_sqlite);
  g_assert_cmpuint (json_array_get_length (journal_sqlite), >=, 8);
  assert_gap_free (journal_postgres);
  g_assert_cmpstr (text_postgres, ==, text_sqlite);

  /* A restart keeps it: the mirror is checked against the database. */
  g_assert_cmpint (wg_test_server_stop (postgres), ==, 0);
  {
    const char *args[] = { "--demo", "--database", database, NULL };
    g_autofree char *token = NULL;
    g_autoptr(JsonArray) again = NULL;
    g_autofree char *text_again = NULL;

    wg_test_server_start (postgres, args);
    token = wg_test_server_login (postgres, "dispatcher", "demo");
    again = read_journal (postgres, token);
    text_again = describe_journal (again);
    g_assert_cmpstr (text_again, ==, text_sqlite);
  }
}

/* A city of two streets (--demo-streets 2): reports in street B carry
 * B's case prefix, each street numbers its own cases, and the journal is
 * the same on both backends. */
static const Step city_steps[] = {
  { "dispatcher", "incident.report", "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": $B,"
                                     " \"summary\": \"3楼冒烟\", \"source\": \"phone\"}", 200 },
  { "dispatcher", "dispatch.assign", "{\"incident\": \"$I\", \"units\": [\"$UB\"]}", 200 },
  { "dispatcher", "incident.report", "{\"grade\": \"general\", \"category\": \"garbage\", \"location\": $A,"
                                     " \"summary\": \"垃圾堆放\"}", 200 },
  { "dispatcher", "incident.report", "{\"grade\": \"general\", \"category\": \"garbage\", \"location\": $B,"
                                     " \"summary\": \"垃圾堆放\"}", 200 },
  { "dispatcher", "dispatch.assign", "{\"incident\": \"$I\", \"units\": [\"$UA\"]}", 200 },
};

static char *
location_of (WgGrid *grid)
{
  return g_strdup_printf ("{\"lat\": %.7f, \"lon\": %.7f}", grid->centroid_lat, grid->centroid_lon);
}

/* The emergency unit of the street's first community. */
static const char *
unit_of (WgReference *city,
         WgGrid      *street)
{
  GPtrArray *units = wg_reference_get_forces_by_type (city, WG_FORCE_EMERGENCY_UNIT);

  for (guint i = 0; i < units->len; i++)
    {
      WgForce *unit = g_ptr_array_index (units, i);

      if (wg_grid_get_street (unit->grid) == street)
        return unit->id;
    }
  g_assert_not_reached ();
}

static void
test_city_conformance (void)
{
  g_autofree char *demo = g_build_filename (g_getenv ("WANGGE_SOURCE_DIR"), "data", "demo", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) base = wg_reference_load_dir (demo, &error);
  g_autoptr(WgReference) city = NULL;
  g_autofree char *database = NULL, *loc_a = NULL, *loc_b = NULL;
  WgTestServer *server[2];
  char *answers[2], *text[2];
  g_autoptr(GPtrArray) numbers = g_ptr_array_new_with_free_func (g_free);
  WgGrid *a, *b;
  JsonArray *journal = NULL;

  REQUIRE_CLUSTER ();
  g_assert_no_error (error);
  city = wg_city_new_reference (base, 2, WG_CITY_DEFAULT_SEED, &error);
  g_assert_no_error (error);
  a = g_ptr_array_index (wg_reference_get_streets (city), 0);
  b = g_ptr_array_index (wg_reference_get_streets (city), 1);
  loc_a = location_of (g_ptr_array_index (((WgGrid *) g_ptr_array_index (a->children, 0))->children, 0));
  loc_b = location_of (g_ptr_array_index (((WgGrid *) g_ptr_array_index (b->children, 3))->children, 5));
  database = wg_test_postgres_new_database (cluster);
  for (guint i = 0; i < 2; i++)
    {
      const char *args[] = { "--demo", "--demo-streets", "2", i == 1 ? "--database" : NULL, database, NULL };
      const char *vars[] = { "$UB", unit_of (city, b), "$UA", unit_of (city, a), "$A", loc_a, "$B", loc_b, NULL };
      g_autofree char *token = NULL;

      server[i] = wg_test_server_new (CONFIG);
      wg_test_server_start (server[i], args);
      answers[i] = run_step_list (server[i], city_steps, G_N_ELEMENTS (city_steps), vars);
      token = wg_test_server_login (server[i], "dispatcher", "demo");
      if (journal != NULL)
        json_array_unref (journal);
      journal = read_journal (server[i], token);
      text[i] = describe_journal (journal);
    }
  g_assert_cmpstr (answers[1], ==, answers[0]);
  g_assert_cmpstr (text[1], ==, text[0]);
  assert_gap_free (journal);

  /* B's, A's, B's again: each street its own sequence. */
  for (guint i = 0; i < json_array_get_length (journal); i++)
    {
      JsonObject *event = json_array_get_object_element (journal, i);

      if (g_str_equal (json_object_get_string_member (event, "type"), "incident.reported"))
        g_ptr_array_add (numbers, g_strdup (json_object_get_string_member (json_object_get_object_member (event, "body"),
                                                                           "case_number")));
    }
  g_assert_cmpuint (numbers->len, ==, 3);
  {
    const char *want[3][2] = { { b->case_prefix, "-0001" }, { a->case_prefix, "-0001" }, { b->case_prefix, "-0002" } };

    for (guint i = 0; i < 3; i++)
      {
        g_autofree char *prefix = g_strconcat (want[i][0], "-", NULL);

        g_assert_true (g_str_has_prefix (numbers->pdata[i], prefix));
        g_assert_true (g_str_has_suffix (numbers->pdata[i], want[i][1]));
      }
  }
  json_array_unref (journal);
  for (guint i = 0; i < 2; i++)
    {
      g_free (answers[i]);
      g_free (text[i]);
      wg_test_server_free (server[i]);
    }
}

/* The first event's seq of a report sent to @url, 0 when the server is
 * gone (the connection drops: the test's helpers would abort). */
static gint64
send_report (SoupSession *session,
             const char  *url,
             const char  *token,
             const char  *id)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  g_autofree char *text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":%s}",
                                           id, REPORT);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *root;

  body = g_bytes_new (text, strlen (text));
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (session, msg, NULL, NULL);
  if (answer == NULL || soup_message_get_status (msg) != 200 ||
      !json_parser_load_from_data (parser, g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), NULL))
    return 0;
  root = json_node_get_object (json_parser_get_root (parser));
  return json_object_get_int_member (json_array_get_object_element (json_object_get_array_member (root, "events"), 0),
                                     "seq");
}

typedef struct
{
  WgTestServer *server[2];
  char         *token[2];   /* dispatcher's, on each */
} Pair;

/* A command sent to both instances at once (a client's retry through
 * the other while the first attempt is in flight): each instance's
 * thread sends the same ids in the same order, so that many pairs meet
 * in batches whose lock windows follow each other. */
#define N_RACED 20

typedef struct
{
  WgTestServer *server;
  const char   *token;
  gint64        seq[N_RACED];
} Racer;

static gpointer
racer_thread (gpointer data)
{
  Racer *racer = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = wg_test_server_url (racer->server, "/api/v1/commands");

  for (guint i = 0; i < N_RACED; i++)
    {
      g_autofree char *id = command_id (3, i);

      racer->seq[i] = send_report (session, url, racer->token, id);
    }
  return NULL;
}

/* Both attempts answered with the same seq: one applied, the other
 * replayed (the journal holds each command once). */
static void
race_retries (Pair *pair)
{
  Racer racers[2];
  GThread *threads[2];

  for (guint i = 0; i < 2; i++)
    {
      racers[i].server = pair->server[i];
      racers[i].token = pair->token[i];
      threads[i] = g_thread_new ("racer", racer_thread, &racers[i]);
    }
  for (guint i = 0; i < 2; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < N_RACED; i++)
    {
      g_assert_cmpint (racers[0].seq[i], >, 0);
      g_assert_cmpint (racers[0].seq[i], ==, racers[1].seq[i]);
    }
}

static void
pair_start_with (Pair       *pair,
                 const char *config,
                 const char *database)
{
  for (guint i = 0; i < 2; i++)
    {
      pair->server[i] = start_server_with (config, database);
      pair->token[i] = wg_test_server_login (pair->server[i], "dispatcher", "demo");
    }
}

static void
pair_start (Pair       *pair,
            const char *database)
{
  pair_start_with (pair, CONFIG, database);
}

static void
pair_clear (Pair *pair)
{
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&pair->server[i], wg_test_server_free);
      g_clear_pointer (&pair->token[i], g_free);
    }
}

static void
test_two_instances (void)
{
  g_autofree char *database = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) ws = NULL;
  g_autoptr(JsonNode) hello = NULL, live = NULL;
  JsonArray *journal[2];
  char *text[2];
  g_autoptr(GHashTable) reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Pair pair = { 0 };
  const guint n = 20;
  gint64 streamed = 0;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  pair_start (&pair, database);

  /* A console on instance 1 sees a report made through instance 2. */
  ws = wg_test_server_websocket_as (pair.server[0], pair.token[0], "/api/v1/stream", &error);
  g_assert_no_error (error);
  hello = wg_test_websocket_wait_type (ws, "hello", 5000);
  live = wg_test_websocket_wait_type (ws, "live", 5000);
  g_assert_nonnull (hello);
  g_assert_nonnull (live);
  {
    gint64 start = g_get_monotonic_time ();
    g_autoptr(WgTestResponse) r = wg_test_server_command (pair.server[1], pair.token[1], NULL,
                                                          "incident.report", REPORT);
    g_autoptr(JsonNode) event = NULL;
    gint64 elapsed_ms;

    g_assert_cmpuint (r->status, ==, 200);
    event = wg_test_websocket_wait_type (ws, "event", 1000);
    elapsed_ms = (g_get_monotonic_time () - start) / 1000;
    g_assert_nonnull (event);
    streamed = json_object_get_int_member (json_object_get_object_member (json_node_get_object (event), "event"), "seq");
    g_test_message ("report through instance 2 seen on instance 1's stream after %" G_GINT64_FORMAT " ms",
                    elapsed_ms);
    g_assert_cmpint (elapsed_ms, <, 1000);
  }

  /* Alternating, each retried through the other instance. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = command_id (2, i);
      guint first = i % 2, other = 1 - first;
      g_autoptr(WgTestResponse) r = wg_test_server_command (pair.server[first], pair.token[first], id,
                                                            "incident.report", REPORT);
      g_autoptr(WgTestResponse) retry = wg_test_server_command (pair.server[other], pair.token[other], id,
                                                                "incident.report", REPORT);
      JsonObject *answer, *again;

      g_assert_cmpuint (r->status, ==, 200);
      g_assert_cmpuint (retry->status, ==, 200);
      answer = wg_test_response_object (r);
      again = wg_test_response_object (retry);
      g_assert_false (json_object_get_boolean_member (answer, "replayed"));
      g_assert_true (json_object_get_boolean_member (again, "replayed"));
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_object_get_array_member (again, "events"), 0), "seq"),
                       ==,
                       json_object_get_int_member (json_array_get_object_element (json_object_get_array_member (answer, "events"), 0), "seq"));
    }
  /* The same id with another command, through the other instance. */
  {
    g_autofree char *id = command_id (2, 0);
    g_autoptr(WgTestResponse) r = wg_test_server_command (pair.server[1], pair.token[1], id,
                                                          "incident.note", "{\"incident\": \"x\", \"text\": \"y\"}");

    wg_test_response_assert_problem (r, 409, "idempotency-key-reuse");
  }
  race_retries (&pair);

  for (guint i = 0; i < 2; i++)
    {
      journal[i] = read_journal (pair.server[i], pair.token[i]);
      text[i] = describe_journal (journal[i]);
      assert_gap_free (journal[i]);
    }
  g_assert_cmpstr (text[0], ==, text[1]);
  for (guint i = 0; i < json_array_get_length (journal[0]); i++)
    {
      JsonObject *event = json_array_get_object_element (journal[0], i);

      if (g_str_equal (json_object_get_string_member (event, "type"), "incident.reported"))
        g_assert_true (g_hash_table_add (reported, g_strdup (json_object_get_string_member (event, "command"))));
    }
  g_assert_cmpuint (g_hash_table_size (reported), ==, n + 1 + N_RACED);
  assert_case_numbers_follow (journal[0]);
  /* Instance 1's stream had them all in order, the other's too (caught up
   * by its next batch while its writer worked, or by one of their own),
   * within 1 s of the last answer. */
  {
    gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
    gint64 head = (gint64) json_array_get_length (journal[0]);

    while (streamed < head)
      {
        gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
        g_autoptr(JsonNode) event = left_ms > 0 ? wg_test_websocket_wait_type (ws, "event", (guint) left_ms) : NULL;

        g_assert_nonnull (event);
        g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_node_get_object (event), "event"), "seq"),
                         ==, ++streamed);
      }
  }
  for (guint i = 0; i < 2; i++)
    {
      json_array_unref (journal[i]);
      g_free (text[i]);
    }
  pair_clear (&pair);
}

/* --demo with history: the first instance generates it into PostgreSQL,
 * the second adopts it. */
/* The forces' generated tracks went to PostgreSQL with the history: a
 * unit's whole track, read through the instance that adopted it. */
static void
assert_demo_tracks (WgTestServer *server,
                    const char   *database)
{
  g_autofree char *token = wg_test_server_login (server, "dispatcher", "demo");
  g_autoptr(WgTestResponse) latest = wg_test_server_request_as (server, token, "GET", "/api/v1/positions/latest",
                                                                NULL, NULL);
  g_autoptr(WgTestResponse) window = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *count_sql = NULL;
  g_autofree char *path = NULL;
  JsonArray *units;
  gint64 now = g_get_real_time () / 1000;
  gint64 stored;

  g_assert_cmpuint (latest->status, ==, 200);
  units = json_object_get_array_member (wg_test_response_object (latest), "positions");
  g_assert_cmpuint (json_array_get_length (units), >, 0);
  g_assert_cmpint (wg_test_postgres_query_number (database, "SELECT count(*) FROM positions_latest"), ==,
                   json_array_get_length (units));
  unit = g_strdup (json_object_get_string_member (json_array_get_object_element (units, 0), "unit"));
  count_sql = g_strdup_printf ("SELECT count(*) FROM positions WHERE unit = '%s'", unit);
  stored = wg_test_postgres_query_number (database, count_sql);
  g_assert_cmpint (stored, >, 1);
  g_assert_cmpint (stored, <=, 1000);
  path = g_strdup_printf ("/api/v1/positions?unit=%s&from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT "&limit=1000",
                          unit, now - 30 * 24 * 3600 * G_GINT64_CONSTANT (1000), now + 60 * 1000);
  window = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
  g_assert_cmpuint (window->status, ==, 200);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (wg_test_response_object (window),
                                                                        "positions")), ==, stored);
}

static void
test_demo_history (void)
{
  g_autofree char *database = NULL;
  WgTestServer *server[2];
  JsonArray *journal[2];
  char *text[2];

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  for (guint i = 0; i < 2; i++)
    {
      /* Three streets: the city-scale path (--demo-streets 100) in small. */
      const char *args[] = { "--demo", "--demo-days", "2", "--demo-streets", "3", "--database", database, NULL };
      g_autofree char *token = NULL;

      server[i] = wg_test_server_new (NULL);
      wg_test_server_start (server[i], args);
      token = wg_test_server_login (server[i], "dispatcher", "demo");
      journal[i] = read_journal (server[i], token);
      text[i] = describe_journal (journal[i]);
      assert_gap_free (journal[i]);
    }
  g_assert_cmpuint (json_array_get_length (journal[0]), >, 10);
  /* The city's third street numbers its own cases. */
  g_assert_nonnull (strstr (text[0], "case_number=HZ01-"));
  g_assert_cmpstr (text[1], ==, text[0]);
  assert_demo_tracks (server[1], database);
  for (guint i = 0; i < 2; i++)
    {
      json_array_unref (journal[i]);
      g_free (text[i]);
      wg_test_server_free (server[i]);
    }
}

/* The demo reference with alarms escalating after 1 s and 2 s, in
 * @server's data directory (for --reference). */
static char *
write_fast_reference (WgTestServer *server)
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
      g_autoptr(GString) edited = NULL;

      g_file_get_contents (from, &text, NULL, &error);
      g_assert_no_error (error);
      edited = g_string_new (text);
      if (g_str_equal (name, "roster.json"))
        {
          g_assert_cmpuint (g_string_replace (edited, "\"covering_after_seconds\": 60", "\"covering_after_seconds\": 1", 1), ==, 1);
          g_assert_cmpuint (g_string_replace (edited, "\"chief_after_seconds\": 180", "\"chief_after_seconds\": 2", 1), ==, 1);
        }
      g_file_set_contents (to, edited->str, edited->len, &error);
      g_assert_no_error (error);
    }
  return dir;
}

static guint
count_type (JsonArray  *events,
            const char *type)
{
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (events, i), "type"), type))
      n++;
  return n;
}

/* Both instances run the timers each second; the escalations of one
 * alarm are appended once (level 1, then 2), not once per instance. */
/* Two instances on @database with alarms escalating after 1 s and 2 s, a
 * dispatcher logged in on each. */
static void
start_fast_pair (const char    *database,
                 WgTestServer  *server[2],
                 char          *token[2])
{
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *dir = NULL;

      server[i] = wg_test_server_new (NULL);
      dir = write_fast_reference (server[i]);
      {
        const char *args[] = { "--reference", dir, "--database", database, NULL };

        wg_test_server_add_user (server[i], "disp", "disp-password", "dispatcher", NULL);
        wg_test_server_start (server[i], args);
      }
      token[i] = wg_test_server_login (server[i], "disp", "disp-password");
    }
}

/* The journal through @server once it has @n escalations (10 s at most). */
static JsonArray *
wait_for_escalations (WgTestServer *server,
                      const char   *token,
                      guint         n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  JsonArray *journal = NULL;

  do
    {
      g_clear_pointer (&journal, json_array_unref);
      g_usleep (200 * 1000);
      journal = read_journal (server, token);
    }
  while (count_type (journal, "alarm.escalated") < n && g_get_monotonic_time () < deadline);
  g_assert_cmpuint (count_type (journal, "alarm.escalated"), ==, n);
  return journal;
}

/* An unacknowledged alarm reported through instance 1 escalates to level
 * 1 then 2, once each, although both instances run the timers every
 * second.  With @kill_reporter instance 1 is killed before the first
 * escalation falls due: instance 2 runs them, and instance 1, restarted
 * on its mirror, appends neither again. */
static void
check_timers_once (gboolean kill_reporter)
{
  g_autofree char *database = NULL;
  WgTestServer *server[2];
  char *token[2];
  g_autoptr(WgTestResponse) r = NULL;
  g_autoptr(JsonArray) journal = NULL;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  start_fast_pair (database, server, token);

  r = wg_test_server_command (server[0], token[0], NULL, "incident.report", REPORT);
  g_assert_cmpuint (r->status, ==, 200);
  if (kill_reporter)
    wg_test_server_kill (server[0]);
  journal = wait_for_escalations (server[1], token[1], 2);
  if (kill_reporter)
    {
      g_autofree char *dir = g_build_filename (server[0]->data_dir, "reference", NULL);

      wg_test_server_start (server[0], (const char *[]) { "--reference", dir, "--database", database, NULL });
      g_free (token[0]);
      token[0] = wg_test_server_login (server[0], "disp", "disp-password");
    }
  /* Two more turns of both instances' timers: nothing again. */
  g_usleep (2500 * 1000);
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&journal, json_array_unref);
      journal = read_journal (server[i], token[i]);
      g_assert_cmpuint (count_type (journal, "alarm.escalated"), ==, 2);
      assert_gap_free (journal);
    }

  for (guint i = 0; i < 2; i++)
    {
      g_free (token[i]);
      wg_test_server_free (server[i]);
    }
}

static void
test_timers_once (void)
{
  check_timers_once (FALSE);
}

static void
test_timers_kill (void)
{
  check_timers_once (TRUE);
}

/* ---- kill -9 during writes --------------------------------------------- */

#define N_WRITERS 3

typedef struct
{
  WgTestServer *server;
  const char   *token;
  guint         tag;
  GMutex        lock;
  guint         n_sent;
  GArray       *acked_seq;   /* gint64, by command number; 0: no answer */
  gboolean      stop;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = wg_test_server_url (w->server, "/api/v1/commands");

  for (guint i = 0;; i++)
    {
      g_autofree char *id = command_id (w->tag, i);
      gint64 seq;

      g_mutex_lock (&w->lock);
      if (w->stop)
        {
          g_mutex_unlock (&w->lock);
          return NULL;
        }
      w->n_sent = i + 1;
      g_array_set_size (w->acked_seq, i + 1);
      g_mutex_unlock (&w->lock);

      seq = send_report (session, url, w->token, id);
      if (seq == 0)
        return NULL;
      g_mutex_lock (&w->lock);
      g_array_index (w->acked_seq, gint64, i) = seq;
      g_mutex_unlock (&w->lock);
    }
}

typedef struct
{
  Writer   writers[N_WRITERS];
  GThread *threads[N_WRITERS];
} Writers;

/* N_WRITERS threads sending reports to @server, each with its own ids. */
static void
writers_start (Writers      *ws,
               WgTestServer *server,
               const char   *token)
{
  for (guint t = 0; t < N_WRITERS; t++)
    {
      Writer *w = &ws->writers[t];

      memset (w, 0, sizeof *w);
      w->server = server;
      w->token = token;
      w->tag = 10 + t;
      g_mutex_init (&w->lock);
      w->acked_seq = g_array_new (FALSE, TRUE, sizeof (gint64));
      ws->threads[t] = g_thread_new ("writer", writer_thread, w);
    }
}

static void
writers_stop (Writers *ws)
{
  for (guint t = 0; t < N_WRITERS; t++)
    {
      g_mutex_lock (&ws->writers[t].lock);
      ws->writers[t].stop = TRUE;
      g_mutex_unlock (&ws->writers[t].lock);
      g_thread_join (ws->threads[t]);
    }
}

/* Every command the writers sent, again through @server (a 503 retried
 * while the database comes back): an acknowledged one gets its first
 * answer; one never answered is applied now or was already.  Then each
 * is in the journal once, gap-free.  Returns the journal. */
static JsonArray *
writers_check (Writers      *ws,
               WgTestServer *server,
               const char   *token)
{
  g_autoptr(GHashTable) reported = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonArray *journal;
  guint acked = 0, total = 0;

  for (guint t = 0; t < N_WRITERS; t++)
    {
      Writer *w = &ws->writers[t];

      for (guint i = 0; i < w->n_sent; i++)
        {
          g_autofree char *id = command_id (w->tag, i);
          WgTestResponse *r = NULL;
          JsonObject *answer;
          gint64 seq, acked_seq = g_array_index (w->acked_seq, gint64, i);

          for (guint attempt = 0; attempt < 100; attempt++)
            {
              g_clear_pointer (&r, wg_test_response_free);
              r = wg_test_server_command (server, token, id, "incident.report", REPORT);
              if (r->status != 503)
                break;
              g_usleep (100 * 1000);
            }
          g_assert_cmpuint (r->status, ==, 200);
          answer = wg_test_response_object (r);
          seq = json_object_get_int_member (json_array_get_object_element (
                  json_object_get_array_member (answer, "events"), 0), "seq");
          total++;
          if (acked_seq != 0)
            {
              acked++;
              g_assert_true (json_object_get_boolean_member (answer, "replayed"));
              g_assert_cmpint (seq, ==, acked_seq);
            }
          wg_test_response_free (r);
        }
      g_array_unref (w->acked_seq);
      g_mutex_clear (&w->lock);
    }
  g_test_message ("%u commands acknowledged before the failure, %u sent", acked, total);
  g_assert_cmpuint (acked, >, 0);

  journal = read_journal (server, token);
  assert_gap_free (journal);
  for (guint i = 0; i < json_array_get_length (journal); i++)
    {
      JsonObject *event = json_array_get_object_element (journal, i);

      if (g_str_equal (json_object_get_string_member (event, "type"), "incident.reported"))
        g_assert_true (g_hash_table_add (reported, g_strdup (json_object_get_string_member (event, "command"))));
    }
  g_assert_cmpuint (g_hash_table_size (reported), ==, total);
  return journal;
}

static void
test_kill9 (void)
{
  g_autofree char *database = NULL;
  g_autoptr(JsonArray) journal = NULL;
  Writers ws;
  Pair pair = { 0 };

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  pair_start (&pair, database);
  writers_start (&ws, pair.server[0], pair.token[0]);
  /* Writes in flight on instance 1 when it dies. */
  g_usleep (700 * 1000);
  wg_test_server_kill (pair.server[0]);
  writers_stop (&ws);
  journal = writers_check (&ws, pair.server[1], pair.token[1]);

  /* Instance 1 restarts on its mirror and serves the same journal. */
  {
    const char *args[] = { "--demo", "--database", database, NULL };
    g_autofree char *token = NULL;
    g_autoptr(JsonArray) again = NULL;
    g_autofree char *text = describe_journal (journal);
    g_autofree char *text_again = NULL;

    wg_test_server_start (pair.server[0], args);
    token = wg_test_server_login (pair.server[0], "dispatcher", "demo");
    again = read_journal (pair.server[0], token);
    text_again = describe_journal (again);
    g_assert_cmpstr (text_again, ==, text);
  }
  pair_clear (&pair);
}

/* PostgreSQL itself stops at once during writes (SIGQUIT) and comes back:
 * the instances reconnect, the retries find their answers. */
static void
test_database_crash (void)
{
  g_autofree char *database = NULL;
  g_autoptr(JsonArray) journal = NULL;
  g_autoptr(JsonArray) other = NULL;
  g_autofree char *text = NULL;
  g_autofree char *text_other = NULL;
  Writers ws;
  Pair pair = { 0 };

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  pair_start (&pair, database);
  writers_start (&ws, pair.server[0], pair.token[0]);
  g_usleep (700 * 1000);
  wg_test_postgres_crash (cluster);
  writers_stop (&ws);
  wg_test_postgres_restart (cluster);
  journal = writers_check (&ws, pair.server[0], pair.token[0]);

  /* Instance 2 catches up through its own reconnected connections. */
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      g_clear_pointer (&other, json_array_unref);
      other = read_journal (pair.server[1], pair.token[1]);
      if (json_array_get_length (other) == json_array_get_length (journal))
        break;
      g_usleep (100 * 1000);
    }
  text = describe_journal (journal);
  text_other = describe_journal (other);
  g_assert_cmpstr (text_other, ==, text);
  pair_clear (&pair);
}

/* ---- sessions and login limits across instances ----------------------- */

static SoupMessage *
login_message (WgTestServer *server,
               const char   *username,
               const char   *password)
{
  g_autofree char *url = wg_test_server_url (server, "/api/v1/session");
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  SoupMessage *msg = soup_message_new ("POST", url);

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  return msg;
}

static guint
journal_status (WgTestServer *server,
                const char   *token)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", "/api/v1/journal?limit=1",
                                                           NULL, NULL);

  return r->status;
}

/* A token works on every instance; a logout on one ends it on the other
 * within a second, also after a restart; a session's command rate holds
 * across instances; 40 parallel wrong passwords for one user, split over
 * the two instances, get at most 5 checks (the pair's limit) between
 * them. */
static void
test_sessions (void)
{
  g_autofree char *database = NULL;
  g_autofree char *forged = NULL;
  g_autoptr(SoupSession) session = NULL;
  Pair pair = { 0 };
  WgTestAnswerTally g = { .expected = 40 };

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  /* Bursts of 10, then one a second. */
  pair_start_with (&pair, "[auth]\ncommand-rate=1\ncommand-burst=10\n", database);

  /* Issued by instance 1, used at once on instance 2, for reads and commands. */
  g_assert_cmpuint (journal_status (pair.server[1], pair.token[0]), ==, 200);
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (pair.server[1], pair.token[0], NULL,
                                                          "incident.report", REPORT);

    g_assert_cmpuint (r->status, ==, 200);
  }
  forged = g_strdup (pair.token[0]);
  forged[strlen (forged) - 1] = forged[strlen (forged) - 1] == '0' ? '1' : '0';
  g_assert_cmpuint (journal_status (pair.server[0], forged), ==, 401);
  g_assert_cmpuint (journal_status (pair.server[1], forged), ==, 401);

  /* Logged out through instance 2: over there at once, over here soon. */
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (pair.server[1], pair.token[0], "DELETE",
                                                             "/api/v1/session", NULL, NULL);
    gint64 start = g_get_monotonic_time ();
    gint64 elapsed_ms;

    g_assert_cmpuint (r->status, ==, 204);
    g_assert_cmpuint (journal_status (pair.server[1], pair.token[0]), ==, 401);
    while (journal_status (pair.server[0], pair.token[0]) == 200 &&
           g_get_monotonic_time () - start < 3 * G_USEC_PER_SEC)
      wg_test_iterate_for (20);
    elapsed_ms = (g_get_monotonic_time () - start) / 1000;
    g_test_message ("a logout through instance 2 took effect on instance 1 after %" G_GINT64_FORMAT " ms",
                    elapsed_ms);
    g_assert_cmpuint (journal_status (pair.server[0], pair.token[0]), ==, 401);
    g_assert_cmpint (elapsed_ms, <, 1000);
  }
  /* The other session goes on, on both. */
  g_assert_cmpuint (journal_status (pair.server[0], pair.token[1]), ==, 200);
  g_assert_cmpuint (journal_status (pair.server[1], pair.token[1]), ==, 200);
  /* A restarted instance knows both from the database. */
  {
    const char *args[] = { "--demo", "--database", database, NULL };

    g_assert_cmpint (wg_test_server_stop (pair.server[0]), ==, 0);
    wg_test_server_start (pair.server[0], args);
    g_assert_cmpuint (journal_status (pair.server[0], pair.token[0]), ==, 401);
    g_assert_cmpuint (journal_status (pair.server[0], pair.token[1]), ==, 200);
  }

  /* Session 2's burst spent half here, half there: each instance knows
   * of the other half after a poll, and refuses what its own bucket
   * alone would still allow (5 each). */
  for (guint round = 0; round < 2; round++)
    {
      guint accepted = 0, refused = 0;

      for (guint i = 0; i < 10; i++)
        {
          g_autoptr(WgTestResponse) r = wg_test_server_command (pair.server[i % 2], pair.token[1], NULL,
                                                                "incident.report", REPORT);

          accepted += r->status == 200;
          refused += r->status == 429;
        }
      g_test_message ("commands on one session over two instances, round %u: %u accepted, %u refused",
                      round + 1, accepted, refused);
      g_assert_cmpuint (accepted + refused, ==, 10);
      if (round == 0)
        {
          g_assert_cmpuint (accepted, ==, 10);
          wg_test_iterate_for (3 * 250 + 100);
        }
      else
        g_assert_cmpuint (accepted, <=, 5);
    }

  /* 40 wrong passwords at once, alternating between the instances. */
  session = soup_session_new_with_options ("max-conns-per-host", 64, "timeout", 120, NULL);
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(SoupMessage) msg = login_message (pair.server[i % 2], "dispatcher", "guess");

      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, wg_test_answer_tally_cb, &g);
    }
  g_assert_true (wg_test_iterate_until (wg_test_answer_tally_done, &g, 60 * 1000));
  g_test_message ("40 parallel guesses over two instances: %u checked (401), %u refused (429)",
                  g.unauthorized, g.throttled);
  g_assert_cmpuint (g.unauthorized, >=, 1);
  g_assert_cmpuint (g.unauthorized, <=, 5);
  g_assert_cmpuint (g.unauthorized + g.throttled, ==, 40);
  /* The pair's window is full on both: the right password waits too. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SoupMessage) msg = login_message (pair.server[i], "dispatcher", "demo");
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);

      g_assert_cmpuint (soup_message_get_status (msg), ==, 429);
      g_assert_nonnull (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"));
    }
  pair_clear (&pair);
}

/* ---- accounts shared through the database -------------------------------- */

/* wangge-server user VERB NAME --data-dir (@server's) --database @database. */
static void
run_user_command (WgTestServer *server,
                  const char   *database,
                  const char   *verb,
                  const char   *name)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  process = g_subprocess_launcher_spawn (launcher, &error, WANGGE_SERVER_BIN, "user", verb, name,
                                         "--data-dir", server->data_dir, "--database", database, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);
}

static guint
login_status (WgTestServer *server,
              const char   *username,
              const char   *password)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  g_autoptr(WgTestResponse) r = wg_test_server_request (server, "POST", "/api/v1/session", "application/json",
                                                        body);

  return r->status;
}

/* An account added with --database through one instance's data directory
 * logs in on the other within a poll; disabled the same way, its session
 * ends on both. */
static void
test_accounts (void)
{
  g_autofree char *database = NULL;
  g_autofree char *token = NULL;
  const char *args[] = { "--database", NULL, NULL };
  Pair pair = { 0 };

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  pair_start (&pair, database);
  args[1] = database;

  wg_test_server_add_user (pair.server[0], "clerk", "clerk-password", "dispatcher", args);
  wg_test_iterate_for (3 * 250 + 100);
  g_assert_cmpuint (login_status (pair.server[1], "clerk", "clerk-password"), ==, 200);
  token = wg_test_server_login (pair.server[0], "clerk", "clerk-password");
  g_assert_cmpuint (journal_status (pair.server[1], token), ==, 200);

  run_user_command (pair.server[0], database, "disable", "clerk");
  wg_test_iterate_for (3 * 250 + 100);
  g_assert_cmpuint (journal_status (pair.server[0], token), ==, 401);
  g_assert_cmpuint (journal_status (pair.server[1], token), ==, 401);
  g_assert_cmpuint (login_status (pair.server[1], "clerk", "clerk-password"), ==, 401);

  /* Enabled through the other instance's directory (which has its copy);
   * an instance started afterwards copies the account at start. */
  run_user_command (pair.server[1], database, "enable", "clerk");
  {
    g_autoptr(WgTestServer) third = start_server (database);

    g_assert_cmpuint (login_status (third, "clerk", "clerk-password"), ==, 200);
  }
  pair_clear (&pair);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/postgres/conformance", test_conformance);
  g_test_add_func ("/postgres/city-conformance", test_city_conformance);
  g_test_add_func ("/postgres/two-instances", test_two_instances);
  g_test_add_func ("/postgres/demo", test_demo_history);
  g_test_add_func ("/postgres/sessions", test_sessions);
  g_test_add_func ("/postgres/accounts", test_accounts);
  g_test_add_func ("/postgres/timers", test_timers_once);
  g_test_add_func ("/postgres/timers-kill", test_timers_kill);
  g_test_add_func ("/postgres/kill9", test_kill9);
  g_test_add_func ("/postgres/database-crash", test_database_crash);
  cluster = wg_test_postgres_start (&skip_reason);
  status = g_test_run ();
  g_clear_pointer (&cluster, wg_test_postgres_stop);
  g_free (skip_reason);
  return status;
}
