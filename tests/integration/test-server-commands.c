/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Commands, journal, stream, reference and CAP against the real server
 * with the demo reference and accounts: the three scenarios of
 * protocol.md step by step (each command type in a legal and an illegal
 * state), idempotency under concurrency, many writers at once (order and
 * idempotency), stream resume, durability across a
 * restart, and CAP validated against the OASIS schema.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "wg-test-server.h"

/* Inside the demo street: grid 440111012006003. */
#define LOC "{\"lat\": 23.21, \"lon\": 113.29}"

typedef struct
{
  WgTestServer *server;
  GHashTable   *tokens;    /* who -> token */
  GHashTable   *vars;      /* $NAME -> value */
  GHashTable   *users;     /* who -> username, logged in on first use */
  char         *own_grid;
} Fixture;

static char *
login (Fixture    *f,
       const char *who,
       const char *username)
{
  char *token = wg_test_server_login (f->server, username, "demo");

  g_hash_table_insert (f->tokens, g_strdup (who), token);
  return token;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *args[] = { "--demo", NULL };
  g_autoptr(WgTestResponse) r = NULL;

  f->server = wg_test_server_new (NULL);
  wg_test_server_start (f->server, args);
  f->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  f->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  login (f, "D", "dispatcher");
  /* Where LOC lies: report and read the grid back. */
  f->own_grid = wg_test_server_grid_at (f->server, g_hash_table_lookup (f->tokens, "D"), LOC);
  f->users = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_hash_table_insert (f->users, (gpointer) "G", wg_test_server_grid_worker (f->server, f->own_grid, TRUE));
  g_hash_table_insert (f->users, (gpointer) "G-other", wg_test_server_grid_worker (f->server, f->own_grid, FALSE));
  g_hash_table_insert (f->users, (gpointer) "L", g_strdup ("leader"));
  g_hash_table_insert (f->users, (gpointer) "P-judicial", g_strdup ("dept-judicial"));
  g_hash_table_insert (f->users, (gpointer) "P-women", g_strdup ("dept-women"));
  g_hash_table_insert (f->users, (gpointer) "P-housing", g_strdup ("dept-housing"));
  g_hash_table_insert (f->users, (gpointer) "P-fire", g_strdup ("dept-fire"));
  g_hash_table_insert (f->users, (gpointer) "P-urban", g_strdup ("dept-urban"));
  g_hash_table_insert (f->users, (gpointer) "U", g_strdup ("unit-eu-01"));
  g_hash_table_insert (f->users, (gpointer) "U-other", g_strdup ("unit-eu-02"));
  g_hash_table_insert (f->users, (gpointer) "T", g_strdup ("trainer"));
  g_hash_table_insert (f->users, (gpointer) "W", g_strdup ("wall"));
  g_hash_table_insert (f->tokens, g_strdup ("A"), g_strdup (f->server->token));

  r = wg_test_server_get (f->server, "/api/v1/reference");
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (r), "timezone"), ==, "Asia/Shanghai");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->tokens, g_hash_table_unref);
  g_clear_pointer (&f->vars, g_hash_table_unref);
  g_clear_pointer (&f->users, g_hash_table_unref);
  g_clear_pointer (&f->server, wg_test_server_free);
  g_free (f->own_grid);
}

typedef struct
{
  const char *who;
  const char *type;
  const char *body;
  guint       status;
  const char *code;     /* the problem's code, or the events (space separated) */
} Step;

static char *
expand (Fixture    *f,
        const char *text)
{
  GString *out = g_string_new (text);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, f->vars);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_string_replace (out, key, value, 0);
  return g_string_free (out, FALSE);
}

static void
run_steps (Fixture    *f,
           const Step *steps,
           guint       n_steps)
{
  g_autofree char *future = g_strdup_printf ("%" G_GINT64_FORMAT, wg_test_now_ms () + G_GINT64_CONSTANT (90) * 24 * 3600 * 1000);

  g_hash_table_insert (f->vars, g_strdup ("$FUTURE"), g_steal_pointer (&future));
  for (guint i = 0; i < n_steps; i++)
    {
      const Step *step = &steps[i];
      g_autofree char *body = expand (f, step->body);
      g_autoptr(WgTestResponse) r = NULL;
      const char *token = g_hash_table_lookup (f->tokens, step->who);
      gint64 head_before;

      if (token == NULL)
        token = login (f, step->who, g_hash_table_lookup (f->users, step->who));
      head_before = wg_test_server_head (f->server);

      g_assert_nonnull (token);
      g_test_message ("step %u: %s %s %s", i, step->who, step->type, body);
      r = wg_test_server_command (f->server, token, NULL, step->type, body);
      if (r->status != step->status)
        g_error ("step %u (%s %s): %u %s", i, step->who, step->type, r->status,
                 (const char *) g_bytes_get_data (r->body, NULL));
      if (step->status != 200)
        {
          wg_test_response_assert_problem (r, step->status, step->code);
          /* A refusal writes nothing. */
          g_assert_cmpint (wg_test_server_head (f->server), ==, head_before);
        }
      else
        {
          JsonObject *answer = wg_test_response_object (r);
          JsonArray *events = json_object_get_array_member (answer, "events");
          g_autoptr(GString) types = g_string_new (NULL);
          guint n_assignments = 0;

          for (guint j = 0; j < json_array_get_length (events); j++)
            {
              JsonObject *event = json_array_get_object_element (events, j);
              const char *type = json_object_get_string_member (event, "type");

              g_string_append_printf (types, "%s%s", j > 0 ? " " : "", type);
              if (g_str_equal (type, "incident.reported"))
                g_hash_table_insert (f->vars, g_strdup ("$I"),
                                     g_strdup (json_object_get_string_member (event, "incident")));
              if (g_str_equal (type, "assignment.created"))
                g_hash_table_insert (f->vars, g_strdup_printf ("$A%u", ++n_assignments),
                                     g_strdup (json_object_get_string_member (event, "subject")));
              /* Answered events are committed: seq up to the head. */
              g_assert_cmpint (json_object_get_int_member (event, "seq"), <=,
                               json_object_get_int_member (answer, "head"));
            }
          g_assert_cmpstr (types->str, ==, step->code);
          g_assert_false (json_object_get_boolean_member (answer, "replayed"));
          g_assert_cmpint (wg_test_server_head (f->server), ==, head_before + json_array_get_length (events));
        }
    }
}

/* Scenario 1: emergency fire, dispatched before the alarm is acknowledged,
 * then a professional follow-up. */
static const Step scenario_fire[] = {
  { "D", "incident.report", "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": " LOC ","
    " \"summary\": \"3楼冒烟\", \"source\": \"phone\", \"caller\": {\"name\": \"陈先生\", \"phone\": \"13800138000\"}}",
    200, "incident.reported alarm.raised" },
  { "G-other", "incident.handle_on_spot", "{\"incident\": \"$I\", \"resolution\": \"x\"}", 403, "forbidden" },
  { "D", "dispatch.assign", "{\"incident\": \"$I\", \"units\": [\"eu-01\", \"cp-01\"]}",
    200, "assignment.created incident.dispatched assignment.created" },
  { "D", "dispatch.assign", "{\"incident\": \"$I\", \"units\": [\"eu-01\"]}", 409, "unit-unavailable" },
  { "D", "dispatch.assign", "{\"incident\": \"$I\", \"units\": []}", 422, "invalid-field" },
  { "L", "alarm.acknowledge", "{\"incident\": \"$I\"}", 200, "alarm.acknowledged" },
  { "L", "alarm.acknowledge", "{\"incident\": \"$I\"}", 409, "illegal-transition" },
  { "D", "alarm.acknowledge", "{\"incident\": \"$I\"}", 403, "forbidden" },
  { "U", "assignment.acknowledge", "{\"assignment\": \"$A1\"}", 200, "assignment.acknowledged" },
  { "U-other", "assignment.en_route", "{\"assignment\": \"$A1\"}", 403, "forbidden" },
  { "U", "assignment.on_scene", "{\"assignment\": \"$A1\"}", 409, "illegal-transition" },
  { "U", "assignment.en_route", "{\"assignment\": \"$A1\"}", 200, "assignment.en_route" },
  { "U", "assignment.on_scene", "{\"assignment\": \"$A1\"}", 200, "assignment.on_scene incident.on_scene" },
  { "U", "assignment.clear", "{\"assignment\": \"$A2\"}", 403, "forbidden" },
  { "D", "assignment.cancel", "{\"assignment\": \"$A2\", \"reason\": \"已由最小应急单元处置\"}", 200, "assignment.cancelled" },
  { "D", "assignment.cancel", "{\"assignment\": \"$A2\", \"reason\": \"again\"}", 409, "illegal-transition" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"housing\"}", 409, "illegal-transition" },
  { "G", "incident.resolve", "{\"incident\": \"$I\", \"summary\": \"x\"}", 403, "forbidden" },
  { "L", "incident.resolve", "{\"incident\": \"$I\", \"summary\": \"明火已扑灭\"}", 200, "incident.resolved" },
  { "U", "assignment.clear", "{\"assignment\": \"$A1\"}", 200, "assignment.cleared" },
  { "U", "assignment.clear", "{\"assignment\": \"$A1\"}", 409, "illegal-transition" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"housing\", \"instructions\": \"楼栋消防安全检查\"}",
    200, "incident.routed" },
  { "P-fire", "incident.accept", "{\"incident\": \"$I\"}", 403, "forbidden" },
  { "P-housing", "incident.feedback", "{\"incident\": \"$I\", \"result\": \"x\"}", 409, "illegal-transition" },
  { "P-housing", "incident.accept", "{\"incident\": \"$I\"}", 200, "incident.accepted" },
  { "P-housing", "incident.accept", "{\"incident\": \"$I\"}", 409, "illegal-transition" },
  { "P-housing", "incident.feedback", "{\"incident\": \"$I\", \"result\": \"已检查\", \"outcome\": \"resolved\"}",
    200, "incident.feedback_given" },
  { "G-other", "incident.verify", "{\"incident\": \"$I\", \"passed\": true}", 403, "forbidden" },
  { "G", "incident.verify", "{\"incident\": \"$I\", \"passed\": true}", 200, "incident.verified" },
  { "G", "incident.verify", "{\"incident\": \"$I\", \"passed\": true}", 409, "illegal-transition" },
  { "D", "incident.close", "{\"incident\": \"$I\", \"remark\": \"办结\"}", 200, "incident.closed" },
  { "D", "incident.close", "{\"incident\": \"$I\"}", 409, "illegal-transition" },
  { "D", "incident.note", "{\"incident\": \"$I\"}", 422, "invalid-field" },
  { "D", "incident.note", "{\"incident\": \"$I\", \"text\": \"回访满意\"}", 200, "incident.noted" },
};

/* Scenario 2: professional, a dispute whose mediation in the grid failed,
 * rejected and routed again; suspended and resumed; a failed verification. */
static const Step scenario_professional[] = {
  { "G", "incident.report", "{\"grade\": \"professional\", \"category\": \"dispute_neighbour\", \"location\": " LOC ","
    " \"summary\": \"邻里噪音纠纷\"}", 200, "incident.reported" },
  { "G-other", "incident.report", "{\"grade\": \"professional\", \"category\": \"dispute_neighbour\", \"location\": " LOC ","
    " \"summary\": \"x\"}", 403, "forbidden" },
  { "G", "incident.report", "{\"grade\": \"professional\", \"category\": \"no_such_thing\", \"location\": " LOC ","
    " \"summary\": \"x\"}", 422, "unknown-category" },
  { "G", "incident.route", "{\"incident\": \"$I\", \"department\": \"judicial\"}", 403, "forbidden" },
  /* A dispute is mediated in the grid first (the demo data's mediate_first). */
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"judicial\"}", 409, "illegal-transition" },
  { "G", "incident.mediate", "{\"incident\": \"$I\", \"outcome\": \"failed\", \"remark\": \"双方分歧较大\"}",
    200, "incident.mediated" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"judicial\"}", 200, "incident.routed" },
  { "P-judicial", "incident.reject", "{\"incident\": \"$I\"}", 422, "invalid-field" },
  { "P-judicial", "incident.reject", "{\"incident\": \"$I\", \"reason\": \"非本部门职责\"}", 200,
    "incident.rejection_requested" },
  { "P-judicial", "incident.reject", "{\"incident\": \"$I\", \"reason\": \"again\"}", 409, "illegal-transition" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"women\"}", 409, "illegal-transition" },
  { "P-judicial", "incident.review_rejection", "{\"incident\": \"$I\", \"approve\": true}", 403, "forbidden" },
  { "D", "incident.review_rejection", "{\"incident\": \"$I\", \"approve\": true}", 200, "incident.rejected" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"women\"}", 200, "incident.routed" },
  { "P-judicial", "incident.accept", "{\"incident\": \"$I\"}", 403, "forbidden" },
  { "D", "incident.extend", "{\"incident\": \"$I\", \"deadline\": $FUTURE, \"reason\": \"需业主配合\"}",
    200, "incident.extended" },
  { "G", "incident.extend", "{\"incident\": \"$I\", \"deadline\": $FUTURE, \"reason\": \"x\"}", 403, "forbidden" },
  { "D", "incident.suspend", "{\"incident\": \"$I\", \"reason\": \"x\"}", 403, "forbidden" },
  { "L", "incident.resume", "{\"incident\": \"$I\", \"reason\": \"x\"}", 409, "illegal-transition" },
  { "L", "incident.suspend", "{\"incident\": \"$I\", \"reason\": \"当事人外出\"}", 200, "incident.suspended" },
  { "P-women", "incident.accept", "{\"incident\": \"$I\"}", 409, "illegal-transition" },
  { "L", "incident.resume", "{\"incident\": \"$I\", \"reason\": \"当事人返回\"}", 200, "incident.resumed" },
  { "P-women", "incident.accept", "{\"incident\": \"$I\"}", 200, "incident.accepted" },
  { "P-women", "incident.feedback", "{\"incident\": \"$I\", \"result\": \"已调解\", \"outcome\": \"mediated\"}",
    200, "incident.feedback_given" },
  { "G", "incident.verify", "{\"incident\": \"$I\", \"passed\": false, \"remark\": \"仍有噪音\"}",
    200, "incident.verification_failed" },
  { "D", "incident.close", "{\"incident\": \"$I\"}", 409, "illegal-transition" },
  { "P-women", "incident.feedback", "{\"incident\": \"$I\", \"result\": \"再次调解\", \"outcome\": \"resolved\"}",
    200, "incident.feedback_given" },
  { "D", "incident.verify", "{\"incident\": \"$I\", \"passed\": true}", 200, "incident.verified" },
  { "P-women", "incident.note", "{\"incident\": \"$I\", \"text\": \"已回访\"}", 200, "incident.noted" },
  { "P-judicial", "incident.note", "{\"incident\": \"$I\", \"text\": \"x\"}", 403, "forbidden" },
  { "P-housing", "incident.note", "{\"incident\": \"$I\", \"text\": \"x\"}", 403, "forbidden" },
  { "L", "incident.close", "{\"incident\": \"$I\"}", 200, "incident.closed" },
};

/* Scenario 3: general, handled on the spot (in the report, and after). */
static const Step scenario_general[] = {
  { "G", "incident.report", "{\"grade\": \"general\", \"category\": \"garbage\", \"location\": " LOC ","
    " \"summary\": \"垃圾堆放\", \"handled_on_spot\": {\"resolution\": \"已清理\"}}",
    200, "incident.reported incident.handled_on_spot incident.closed" },
  { "G", "incident.report", "{\"grade\": \"general\", \"category\": \"garbage\", \"location\": " LOC ","
    " \"summary\": \"垃圾堆放\"}", 200, "incident.reported" },
  { "G", "incident.route", "{\"incident\": \"$I\", \"department\": \"urban\"}", 403, "forbidden" },
  { "G", "incident.handle_on_spot", "{\"incident\": \"$I\"}", 422, "invalid-field" },
  { "G", "incident.handle_on_spot", "{\"incident\": \"$I\", \"resolution\": \"已清理\"}",
    200, "incident.handled_on_spot incident.closed" },
  { "G", "incident.handle_on_spot", "{\"incident\": \"$I\", \"resolution\": \"x\"}", 409, "illegal-transition" },
  /* 转派 is for an open general event the grid could not handle. */
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"urban\"}", 409, "illegal-transition" },
  { "G", "incident.report", "{\"grade\": \"general\", \"category\": \"garbage\", \"location\": " LOC ","
    " \"summary\": \"建筑垃圾，需清运车\"}", 200, "incident.reported" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"urban\"}", 200,
    "incident.regraded incident.routed" },
  { "G", "incident.handle_on_spot", "{\"incident\": \"$I\", \"resolution\": \"x\"}", 409, "illegal-transition" },
};

/* Upgrade, escalate, cancel, unit status, roster, unknown subjects. */
static const Step scenario_misc[] = {
  { "G", "incident.report", "{\"grade\": \"general\", \"category\": \"noise\", \"location\": " LOC ","
    " \"summary\": \"广场舞噪音\"}", 200, "incident.reported" },
  { "G", "incident.escalate", "{\"incident\": \"$I\", \"level\": \"galaxy\", \"reason\": \"x\"}", 422, "invalid-field" },
  { "G", "incident.escalate", "{\"incident\": \"$I\", \"level\": \"centre\", \"reason\": \"多次投诉\"}",
    200, "incident.escalated" },
  { "G-other", "incident.upgrade", "{\"incident\": \"$I\", \"reason\": \"x\"}", 403, "forbidden" },
  { "G", "incident.upgrade", "{\"incident\": \"$I\", \"reason\": \"聚集冲突\"}", 200, "incident.upgraded alarm.raised" },
  { "G", "incident.upgrade", "{\"incident\": \"$I\", \"reason\": \"x\"}", 409, "illegal-transition" },
  { "D", "dispatch.assign", "{\"incident\": \"$I\", \"units\": [\"eu-03\"]}",
    200, "assignment.created incident.dispatched" },
  { "G", "incident.cancel", "{\"incident\": \"$I\", \"reason\": \"x\"}", 403, "forbidden" },
  { "D", "incident.cancel", "{\"incident\": \"$I\", \"reason\": \"重复上报\"}", 200, "assignment.cancelled incident.cancelled" },
  { "D", "incident.cancel", "{\"incident\": \"$I\", \"reason\": \"x\"}", 409, "illegal-transition" },
  { "D", "incident.close", "{\"incident\": \"0b9f8a70-1c2d-4e5f-8a9b-0c1d2e3f4a5b\"}", 404, "unknown-incident" },
  { "D", "assignment.cancel", "{\"assignment\": \"0b9f8a70-1c2d-4e5f-8a9b-0c1d2e3f4a5b\", \"reason\": \"x\"}",
    404, "unknown-assignment" },
  { "U", "unit.status", "{\"unit\": \"eu-01\", \"status\": \"off_duty\"}", 200, "unit.status_changed" },
  { "U", "unit.status", "{\"unit\": \"eu-02\", \"status\": \"off_duty\"}", 403, "forbidden" },
  { "U", "unit.status", "{\"unit\": \"eu-01\", \"status\": \"asleep\"}", 422, "invalid-field" },
  { "D", "unit.status", "{\"unit\": \"no-such-unit\", \"status\": \"busy\"}", 404, "unknown-unit" },
  { "D", "incident.report", "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": " LOC ", \"summary\": \"x\"}",
    200, "incident.reported alarm.raised" },
  { "D", "dispatch.assign", "{\"incident\": \"$I\", \"units\": [\"eu-01\", \"eu-04\"]}", 409, "unit-unavailable" },
  { "D", "unit.status", "{\"unit\": \"eu-01\", \"status\": \"available\"}", 200, "unit.status_changed" },
  { "D", "roster.handover", "{\"to\": \"leader-2\"}", 403, "forbidden" },
  { "L", "roster.handover", "{\"to\": \"dispatcher\"}", 422, "invalid-field" },
  { "L", "roster.handover", "{\"to\": \"leader-2\", \"remark\": \"夜班交接\"}", 200, "roster.handed_over" },
  { "T", "incident.note", "{\"incident\": \"$I\", \"text\": \"x\"}", 403, "forbidden" },
  { "W", "incident.note", "{\"incident\": \"$I\", \"text\": \"x\"}", 403, "forbidden" },
  { "A", "incident.note", "{\"incident\": \"$I\", \"text\": \"系统备注\"}", 200, "incident.noted" },
  { "A", "incident.cancel", "{\"incident\": \"$I\", \"reason\": \"x\"}", 403, "forbidden" },
};

/* The full work-order cycle: a 12345 hotline case routed, accepted, fed
 * back, verified, called back unsatisfied, reworked, fed back, verified,
 * called back satisfied and closed. */
static const Step scenario_hotline[] = {
  { "D", "incident.report", "{\"grade\": \"professional\", \"category\": \"water_leak\", \"location\": " LOC ","
    " \"summary\": \"楼道水管漏水\", \"source\": \"hotline_12345\", \"caller\": {\"name\": \"黄女士\","
    " \"phone\": \"13900139000\"}}", 200, "incident.reported" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"housing\"}", 200, "incident.routed" },
  { "P-housing", "incident.accept", "{\"incident\": \"$I\"}", 200, "incident.accepted" },
  { "P-housing", "incident.feedback", "{\"incident\": \"$I\", \"result\": \"已更换阀门\"}", 200,
    "incident.feedback_given" },
  { "G", "incident.verify", "{\"incident\": \"$I\", \"passed\": true}", 200, "incident.verified" },
  { "D", "incident.close", "{\"incident\": \"$I\"}", 409, "illegal-transition" },
  { "G", "incident.call_back", "{\"incident\": \"$I\", \"satisfaction\": \"satisfied\", \"remark\": \"x\"}",
    403, "forbidden" },
  { "D", "incident.call_back", "{\"incident\": \"$I\", \"satisfaction\": \"fine\", \"remark\": \"x\"}",
    422, "invalid-field" },
  { "D", "incident.call_back", "{\"incident\": \"$I\", \"satisfaction\": \"unsatisfied\", \"remark\": \"仍在滴水\"}",
    200, "incident.called_back incident.reworked" },
  { "D", "incident.close", "{\"incident\": \"$I\"}", 409, "illegal-transition" },
  { "P-housing", "incident.feedback", "{\"incident\": \"$I\", \"result\": \"已更换整段水管\"}", 200,
    "incident.feedback_given" },
  { "G", "incident.verify", "{\"incident\": \"$I\", \"passed\": true}", 200, "incident.verified" },
  { "L", "incident.call_back", "{\"incident\": \"$I\", \"satisfaction\": \"satisfied\", \"remark\": \"不再漏水\"}",
    200, "incident.called_back" },
  { "D", "incident.close", "{\"incident\": \"$I\", \"remark\": \"办结\"}", 200, "incident.closed" },
};

/* A rejection reviewed and denied, asked again, approved and routed
 * elsewhere. */
static const Step scenario_rejection_review[] = {
  { "D", "incident.report", "{\"grade\": \"professional\", \"category\": \"illegal_structure\", \"location\": " LOC ","
    " \"summary\": \"天台搭建铁皮房\"}", 200, "incident.reported" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"urban\"}", 200, "incident.routed" },
  { "P-urban", "incident.reject", "{\"incident\": \"$I\", \"reason\": \"属住建职责\"}", 200,
    "incident.rejection_requested" },
  { "P-urban", "incident.accept", "{\"incident\": \"$I\"}", 409, "illegal-transition" },
  { "P-urban", "incident.review_rejection", "{\"incident\": \"$I\", \"approve\": true}", 403, "forbidden" },
  { "D", "incident.review_rejection", "{\"incident\": \"$I\"}", 422, "invalid-field" },
  { "D", "incident.review_rejection", "{\"incident\": \"$I\", \"approve\": false, \"remark\": \"违建属城管\"}",
    200, "incident.rejection_denied" },
  { "D", "incident.review_rejection", "{\"incident\": \"$I\", \"approve\": true}", 409, "illegal-transition" },
  { "P-urban", "incident.reject", "{\"incident\": \"$I\", \"reason\": \"房屋结构问题\"}", 200,
    "incident.rejection_requested" },
  { "L", "incident.review_rejection", "{\"incident\": \"$I\", \"approve\": true}", 200, "incident.rejected" },
  { "D", "incident.route", "{\"incident\": \"$I\", \"department\": \"housing\"}", 200, "incident.routed" },
  { "P-urban", "incident.accept", "{\"incident\": \"$I\"}", 403, "forbidden" },
  { "P-housing", "incident.accept", "{\"incident\": \"$I\"}", 200, "incident.accepted" },
};

/* The journal of the last incident ($I), its event types in order. */
static char *
incident_journal_types (Fixture *f)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, g_hash_table_lookup (f->tokens, "D"), "GET",
                                                           "/api/v1/journal?after=0&limit=5000", NULL, NULL);
  const char *incident = g_hash_table_lookup (f->vars, "$I");
  JsonArray *events;
  GString *types = g_string_new (NULL);

  g_assert_cmpuint (r->status, ==, 200);
  events = json_object_get_array_member (wg_test_response_object (r), "events");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *event = json_array_get_object_element (events, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (event, "incident", NULL), incident) == 0)
        g_string_append_printf (types, "%s%s", types->len > 0 ? " " : "", json_object_get_string_member (event, "type"));
    }
  return g_string_free (types, FALSE);
}

static void
test_work_order_cycle (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *hotline = NULL, *rejection = NULL;

  run_steps (f, scenario_hotline, G_N_ELEMENTS (scenario_hotline));
  hotline = incident_journal_types (f);
  g_assert_cmpstr (hotline, ==,
                   "incident.reported incident.routed incident.accepted incident.feedback_given incident.verified"
                   " incident.called_back incident.reworked incident.feedback_given incident.verified"
                   " incident.called_back incident.closed");

  run_steps (f, scenario_rejection_review, G_N_ELEMENTS (scenario_rejection_review));
  rejection = incident_journal_types (f);
  g_assert_cmpstr (rejection, ==,
                   "incident.reported incident.routed incident.rejection_requested incident.rejection_denied"
                   " incident.rejection_requested incident.rejected incident.routed incident.accepted");
}

static void
test_scenarios (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(WgTestResponse) bad = NULL;
  g_autoptr(WgTestResponse) journal = NULL;
  gint64 head = wg_test_server_head (f->server);

  run_steps (f, scenario_fire, G_N_ELEMENTS (scenario_fire));
  run_steps (f, scenario_professional, G_N_ELEMENTS (scenario_professional));
  run_steps (f, scenario_general, G_N_ELEMENTS (scenario_general));
  run_steps (f, scenario_misc, G_N_ELEMENTS (scenario_misc));

  /* A malformed envelope and an unknown type. */
  bad = wg_test_server_command (f->server, g_hash_table_lookup (f->tokens, "D"), NULL, "incident.teleport", "{}");
  wg_test_response_assert_problem (bad, 400, "invalid-command");
  g_clear_pointer (&bad, wg_test_response_free);
  bad = wg_test_server_command (f->server, g_hash_table_lookup (f->tokens, "D"), "not-a-uuid", "incident.note",
                                "{\"incident\": \"x\", \"text\": \"x\"}");
  wg_test_response_assert_problem (bad, 400, "invalid-command");
  g_clear_pointer (&bad, wg_test_response_free);
  bad = wg_test_server_request_as (f->server, g_hash_table_lookup (f->tokens, "D"), "POST", "/api/v1/commands",
                                   "application/json", "{\"id\": ");
  wg_test_response_assert_problem (bad, 400, "malformed-json");
  /* Each refusal audited, with no command id. */
  {
    g_autoptr(WgTestResponse) r = wg_test_server_get (f->server, "/api/v1/audit?limit=1000");
    JsonArray *entries = json_object_get_array_member (wg_test_response_object (r), "entries");
    guint invalid = 0, malformed = 0;

    for (guint i = 0; i < json_array_get_length (entries); i++)
      {
        JsonObject *e = json_array_get_object_element (entries, i);
        const char *result = json_object_get_string_member (e, "result");

        if (!g_str_equal (json_object_get_string_member (e, "action"), "command"))
          continue;
        g_assert_cmpint (json_object_get_int_member (e, "status"), ==, 400);
        g_assert_null (json_object_get_string_member_with_default (e, "command", NULL));
        invalid += g_str_equal (result, "invalid-command");
        malformed += g_str_equal (result, "malformed-json");
      }
    g_assert_cmpuint (invalid, ==, 2);
    g_assert_cmpuint (malformed, ==, 1);
  }

  /* The whole journal, in seq order and gap-free, for the dispatcher. */
  journal = wg_test_server_request_as (f->server, g_hash_table_lookup (f->tokens, "D"), "GET",
                                       "/api/v1/journal?after=0&limit=5000", NULL, NULL);
  g_assert_cmpuint (journal->status, ==, 200);
  {
    JsonObject *page = wg_test_response_object (journal);
    JsonArray *events = json_object_get_array_member (page, "events");

    g_assert_cmpint (json_object_get_int_member (page, "head"), ==, wg_test_server_head (f->server));
    g_assert_false (json_object_get_boolean_member (page, "more"));
    g_assert_cmpint (json_array_get_length (events), ==, json_object_get_int_member (page, "head"));
    g_assert_cmpint (json_array_get_length (events), >, head + 40);
    for (guint i = 0; i < json_array_get_length (events); i++)
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (events, i), "seq"), ==, i + 1);
  }
}

/* Pages: limit, after, "more" and "head". */
static void
test_journal_pages (Fixture       *f,
                    gconstpointer  data)
{
  const char *token = g_hash_table_lookup (f->tokens, "D");
  gint64 after = 0, head, pages = 0;

  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, token, NULL, "incident.report",
        "{\"grade\": \"general\", \"category\": \"garbage\", \"location\": " LOC ", \"summary\": \"p\"}");
      g_assert_cmpuint (r->status, ==, 200);
    }
  head = wg_test_server_head (f->server);
  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=4", after);
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, token, "GET", path, NULL, NULL);
      JsonObject *page = wg_test_response_object (r);
      JsonArray *events = json_object_get_array_member (page, "events");

      g_assert_cmpuint (r->status, ==, 200);
      for (guint i = 0; i < json_array_get_length (events); i++)
        g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (events, i), "seq"), ==,
                         after + i + 1);
      after = json_object_get_int_member (page, "head");
      pages++;
      if (!json_object_get_boolean_member (page, "more"))
        break;
    }
  g_assert_cmpint (after, ==, head);
  g_assert_cmpint (pages, >=, 2);

  {
    g_autoptr(WgTestResponse) r1 = wg_test_server_request_as (f->server, token, "GET", "/api/v1/journal?limit=0", NULL, NULL);
    g_autoptr(WgTestResponse) r2 = wg_test_server_request_as (f->server, token, "GET", "/api/v1/journal?limit=5001", NULL, NULL);
    g_autoptr(WgTestResponse) r3 = wg_test_server_request_as (f->server, token, "GET", "/api/v1/journal?after=-1", NULL, NULL);

    wg_test_response_assert_problem (r1, 400, "invalid-request");
    wg_test_response_assert_problem (r2, 400, "invalid-request");
    wg_test_response_assert_problem (r3, 400, "invalid-request");
  }
  {
    g_autofree char *beyond = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT, head + 1);
    g_autofree char *at = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT, head);
    g_autoptr(WgTestResponse) r1 = wg_test_server_request_as (f->server, token, "GET", beyond, NULL, NULL);
    g_autoptr(WgTestResponse) r2 = wg_test_server_request_as (f->server, token, "GET", at, NULL, NULL);

    wg_test_response_assert_problem (r1, 409, "seq-beyond-head");
    g_assert_cmpuint (r2->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wg_test_response_object (r2), "events")), ==, 0);
    g_assert_cmpint (json_object_get_int_member (wg_test_response_object (r2), "head"), ==, head);
  }
}

typedef struct
{
  guint  answered;
  guint  ok;
  guint  replayed;
  GPtrArray *bodies;
} Concurrent;

static void
concurrent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Concurrent *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  g_assert_no_error (error);
  c->answered++;
  if (soup_message_get_status (msg) == 200)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *answer;

      c->ok++;
      g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL));
      answer = json_node_get_object (json_parser_get_root (parser));
      c->replayed += json_object_get_boolean_member (answer, "replayed");
      /* Every answer carries the same events. */
      g_ptr_array_add (c->bodies, json_to_string (json_object_get_member (answer, "events"), FALSE));
    }
}

static gboolean
fifty_answered (gpointer data)
{
  return ((Concurrent *) data)->answered == 50;
}

static void
test_idempotency (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 100, "max-conns-per-host", 50, NULL);
  g_autofree char *url = wg_test_server_url (f->server, "/api/v1/commands");
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *auth = g_strconcat ("Bearer ", (char *) g_hash_table_lookup (f->tokens, "D"), NULL);
  g_autofree char *text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":{\"grade\":\"emergency\","
                                           "\"category\":\"fire\",\"location\":" LOC ",\"summary\":\"同一个\"}}", id);
  Concurrent c = { 0 };
  gint64 head = wg_test_server_head (f->server);

  c.bodies = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, concurrent_cb, &c);
    }
  g_assert_true (wg_test_iterate_until (fifty_answered, &c, 20000));
  g_assert_cmpuint (c.ok, ==, 50);
  g_assert_cmpuint (c.replayed, ==, 49);
  /* Appended once: incident.reported + alarm.raised. */
  g_assert_cmpint (wg_test_server_head (f->server), ==, head + 2);
  for (guint i = 1; i < c.bodies->len; i++)
    g_assert_cmpstr (g_ptr_array_index (c.bodies, i), ==, g_ptr_array_index (c.bodies, 0));
  g_ptr_array_unref (c.bodies);

  /* The same id with another body: 409; with another type: 409. */
  {
    g_autoptr(WgTestResponse) r1 = wg_test_server_command (f->server, g_hash_table_lookup (f->tokens, "D"), id,
      "incident.report", "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":" LOC ",\"summary\":\"另一个\"}");
    g_autoptr(WgTestResponse) r2 = wg_test_server_command (f->server, g_hash_table_lookup (f->tokens, "D"), id,
      "incident.note", "{\"incident\":\"x\",\"text\":\"y\"}");

    wg_test_response_assert_problem (r1, 409, "idempotency-key-reuse");
    wg_test_response_assert_problem (r2, 409, "idempotency-key-reuse");
  }

  /* A refusal is stored too: the retry gets the same refusal. */
  {
    g_autofree char *id2 = g_uuid_string_random ();
    const char *body = "{\"incident\":\"0b9f8a70-1c2d-4e5f-8a9b-0c1d2e3f4a5b\",\"summary\":\"x\"}";
    g_autoptr(WgTestResponse) r1 = wg_test_server_command (f->server, g_hash_table_lookup (f->tokens, "D"), id2,
                                                           "incident.resolve", body);
    g_autoptr(WgTestResponse) r2 = wg_test_server_command (f->server, g_hash_table_lookup (f->tokens, "D"), id2,
                                                           "incident.resolve", body);

    wg_test_response_assert_problem (r1, 404, "unknown-incident");
    wg_test_response_assert_problem (r2, 404, "unknown-incident");
  }
  g_assert_cmpint (wg_test_server_head (f->server), ==, head + 2);
}

static gint64
collect_events (WgTestWebsocket *ws,
                GArray          *seqs,
                gint64           until,
                guint            timeout_ms)
{
  gint64 last = 0;
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (last < until && g_get_monotonic_time () < deadline)
    {
      g_autoptr(JsonNode) node = wg_test_websocket_wait_type (ws, "event", 200);

      if (node == NULL)
        continue;
      last = json_object_get_int_member (json_object_get_object_member (json_node_get_object (node), "event"), "seq");
      g_array_append_val (seqs, last);
    }
  return last;
}

/* Drop and resume with ?after=: nothing missed, nothing twice. */
static void
test_stream_resume (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  const char *token = g_hash_table_lookup (f->tokens, "D");
  WgTestWebsocket *ws;
  gint64 last, head;

  ws = wg_test_server_websocket_as (f->server, token, "/api/v1/stream?after=0", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, token, NULL, "incident.report",
        "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":" LOC ",\"summary\":\"s\"}");
      g_assert_cmpuint (r->status, ==, 200);
    }
  head = wg_test_server_head (f->server);
  last = collect_events (ws, seqs, head, 5000);
  g_assert_cmpint (last, ==, head);
  wg_test_websocket_free (ws);

  /* Events while away. */
  for (guint i = 0; i < 7; i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, token, NULL, "incident.report",
        "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":" LOC ",\"summary\":\"s\"}");
      g_assert_cmpuint (r->status, ==, 200);
    }

  {
    g_autofree char *path = g_strdup_printf ("/api/v1/stream?after=%" G_GINT64_FORMAT, last);

    ws = wg_test_server_websocket_as (f->server, token, path, &error);
    g_assert_no_error (error);
  }
  /* And while connected again. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, token, NULL, "incident.report",
        "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":" LOC ",\"summary\":\"s\"}");
      g_assert_cmpuint (r->status, ==, 200);
    }
  head = wg_test_server_head (f->server);
  g_assert_cmpint (collect_events (ws, seqs, head, 5000), ==, head);
  wg_test_websocket_free (ws);

  /* 1..head exactly once each, in order. */
  g_assert_cmpuint (seqs->len, ==, head);
  for (guint i = 0; i < seqs->len; i++)
    g_assert_cmpint (g_array_index (seqs, gint64, i), ==, i + 1);
}

static char *
sqlite_integrity (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *result = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  result = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return result;
}

/* Every acknowledged event survives a restart, and the file is sound; so
 * do the commands' audit rows, written on a thread of their own (a stop
 * writes what it has queued). */
static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  const char *args[] = { "--demo", NULL };
  g_autofree char *path = g_build_filename (f->server->data_dir, "journal.db", NULL);
  g_autofree char *integrity = NULL;
  g_autoptr(GPtrArray) answered = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) commands = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *token = g_hash_table_lookup (f->tokens, "D");
  gint64 head;

  for (guint i = 0; i < 20; i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, token, NULL, "incident.report",
        "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":" LOC ",\"summary\":\"r\"}");
      JsonArray *events;

      g_assert_cmpuint (r->status, ==, 200);
      events = json_object_get_array_member (wg_test_response_object (r), "events");
      for (guint j = 0; j < json_array_get_length (events); j++)
        g_ptr_array_add (answered, json_to_string (json_array_get_element (events, j), FALSE));
      g_hash_table_add (commands, g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                                           "command")));
    }
  head = wg_test_server_head (f->server);
  g_assert_cmpint (wg_test_server_stop (f->server), ==, 0);

  integrity = sqlite_integrity (path);
  g_assert_cmpstr (integrity, ==, "ok");

  /* The second start reuses the data directory (and the demo accounts). */
  wg_test_server_start (f->server, args);
  g_assert_cmpint (wg_test_server_head (f->server), ==, head);
  {
    g_autofree char *token2 = wg_test_server_login (f->server, "dispatcher", "demo");
    g_autofree char *q = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=5000",
                                          head - (gint64) answered->len);
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, token2, "GET", q, NULL, NULL);
    JsonArray *events = json_object_get_array_member (wg_test_response_object (r), "events");

    g_assert_cmpuint (json_array_get_length (events), ==, answered->len);
    for (guint i = 0; i < answered->len; i++)
      {
        g_autofree char *again = json_to_string (json_array_get_element (events, i), FALSE);

        g_assert_cmpstr (again, ==, g_ptr_array_index (answered, i));
      }
  }
  {
    g_autoptr(WgTestResponse) r = wg_test_server_get (f->server, "/api/v1/audit?limit=1000");
    JsonArray *entries = json_object_get_array_member (wg_test_response_object (r), "entries");

    for (guint i = 0; i < json_array_get_length (entries); i++)
      {
        JsonObject *e = json_array_get_object_element (entries, i);
        const char *command = json_object_get_string_member_with_default (e, "command", NULL);

        if (command != NULL && g_hash_table_remove (commands, command))
          {
            g_assert_cmpstr (json_object_get_string_member (e, "action"), ==, "command:incident.report");
            g_assert_cmpint (json_object_get_int_member (e, "status"), ==, 200);
          }
      }
    g_assert_cmpuint (g_hash_table_size (commands), ==, 0);
  }
}

static void
test_reference_and_cap (Fixture       *f,
                        gconstpointer  data)
{
  /* The schema travels with the tests (tests/data/README.md). */
  g_autofree char *xsd = g_test_build_filename (G_TEST_DIST, "data", "CAP-v1.2.xsd", NULL);
  g_autofree char *xmllint = g_find_program_in_path ("xmllint");
  g_autofree char *emergency = NULL, *general = NULL;
  const char *token = g_hash_table_lookup (f->tokens, "D");

  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, token, NULL, "incident.report",
      "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":" LOC ",\"summary\":\"厨房起火 <b>&\"}");
    JsonArray *events = json_object_get_array_member (wg_test_response_object (r), "events");

    emergency = g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0), "incident"));
  }
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, token, NULL, "incident.report",
      "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":" LOC ",\"summary\":\"x\"}");
    JsonArray *events = json_object_get_array_member (wg_test_response_object (r), "events");

    general = g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0), "incident"));
  }

  {
    g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%s/cap", emergency);
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, token, "GET", path, NULL, NULL);
    g_autofree char *file = g_build_filename (f->server->data_dir, "alert.xml", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL, *err = NULL;
    const char *xml;
    int status = -1;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_true (g_str_has_prefix (r->content_type, "application/cap+xml"));
    xml = g_bytes_get_data (r->body, NULL);
    g_assert_nonnull (strstr (xml, "<status>Actual</status>"));
    g_assert_nonnull (strstr (xml, "<category>Fire</category>"));
    g_assert_nonnull (strstr (xml, "<language>zh-CN</language>"));
    g_assert_nonnull (strstr (xml, "+08:00</sent>"));
    g_assert_nonnull (strstr (xml, "厨房起火 &lt;b&gt;&amp;"));
    g_assert_true (g_regex_match_simple ("<circle>23\\.21\\d*,113\\.29\\d* 0\\.5</circle>", xml, 0, 0));

    if (xmllint == NULL)
      g_error ("xmllint (Debian: libxml2-utils) is needed to validate the CAP alert");
    g_assert_true (g_file_test (xsd, G_FILE_TEST_EXISTS));
    g_file_set_contents (file, xml, g_bytes_get_size (r->body), &error);
    g_assert_no_error (error);
    {
      const char *argv[] = { xmllint, "--noout", "--schema", xsd, file, NULL };

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
    }
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("CAP alert does not validate: %s\n%s", err, xml);
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%s/cap", general);
    g_autoptr(WgTestResponse) r1 = wg_test_server_request_as (f->server, token, "GET", path, NULL, NULL);
    g_autoptr(WgTestResponse) r2 = wg_test_server_request_as (f->server, token, "GET",
                                                              "/api/v1/incidents/0b9f8a70-1c2d-4e5f-8a9b-0c1d2e3f4a5b/cap",
                                                              NULL, NULL);

    wg_test_response_assert_problem (r1, 409, "not-emergency");
    wg_test_response_assert_problem (r2, 404, "unknown-incident");
  }
}

/* The server's timers: an unacknowledged alarm escalates to the covering
 * street leader, then to the chief, as system events on the journal and
 * the stream.  A copy of the demo reference with 1 s intervals, given with
 * --reference (no demo accounts). */
static void
test_timers (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autofree char *src = g_build_filename (g_getenv ("WANGGE_SOURCE_DIR"), "data", "demo", NULL);
  g_autofree char *dir = g_build_filename (server->data_dir, "reference", NULL);
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestResponse) r = NULL;
  g_autofree char *t = NULL;
  WgTestWebsocket *ws;
  const char *name;
  const char *args[] = { "--reference", dir, NULL };
  guint levels = 0;
  gint64 deadline;

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
          g_assert_cmpuint (g_string_replace (edited, "\"chief_after_seconds\": 180", "\"chief_after_seconds\": 2", 1), ==, 1);
          g_free (text);
          length = edited->len;
          text = g_string_free (g_steal_pointer (&edited), FALSE);
        }
      g_file_set_contents (to, text, length, &error);
      g_assert_no_error (error);
    }

  wg_test_server_add_user (server, "disp", "disp-password", "dispatcher", NULL);
  wg_test_server_start (server, args);
  t = wg_test_server_login (server, "disp", "disp-password");
  ws = wg_test_server_websocket (server, "/api/v1/stream?after=0", &error);
  g_assert_no_error (error);
  r = wg_test_server_command (server, t, NULL, "incident.report",
                              "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":" LOC ",\"summary\":\"t\"}");
  g_assert_cmpuint (r->status, ==, 200);

  deadline = g_get_monotonic_time () + 8 * G_USEC_PER_SEC;
  while (levels < 2 && g_get_monotonic_time () < deadline)
    {
      g_autoptr(JsonNode) node = wg_test_websocket_wait_type (ws, "event", 500);
      JsonObject *event;

      if (node == NULL)
        continue;
      event = json_object_get_object_member (json_node_get_object (node), "event");
      if (!g_str_equal (json_object_get_string_member (event, "type"), "alarm.escalated"))
        continue;
      /* A system event: no actor, no command. */
      g_assert_true (json_object_get_null_member (event, "actor"));
      g_assert_true (json_object_get_null_member (event, "command"));
      levels++;
      g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (event, "body"), "level"), ==, levels);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (event, "body"), "to"), ==,
                       levels == 1 ? "street-leader-06" : "chief");
    }
  g_assert_cmpuint (levels, ==, 2);
  wg_test_websocket_free (ws);
}

/* Many writers at once, every command sent twice at the same time and
 * once more afterwards: each is appended once, its answers carry the same
 * events, the journal is gap-free in commit order, and the stream shows it
 * in that order. */
/* Each is sent three times (two at once, one after): 90 per token, inside
 * the per-token burst of 100 however fast the server answers. */
#define MANY_PER_WRITER 30

typedef struct
{
  char       *id;
  char       *text;
  const char *token;
  char       *events;      /* the first 200 answer's events, as JSON */
  guint       answers;
  guint       fresh;       /* answers with replayed false */
} ManyCommand;

typedef struct
{
  GPtrArray *commands;     /* ManyCommand* */
  guint      waiting;
} Many;

static void
many_command_free (gpointer data)
{
  ManyCommand *c = data;

  g_free (c->id);
  g_free (c->text);
  g_free (c->events);
  g_free (c);
}

static void
many_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  ManyCommand *c = user_data;
  Many *many = g_object_get_data (source, "many");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *events = NULL;
  JsonObject *answer;

  g_assert_no_error (error);
  many->waiting--;
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), NULL));
  answer = json_node_get_object (json_parser_get_root (parser));
  events = json_to_string (json_object_get_member (answer, "events"), FALSE);
  c->answers++;
  if (!json_object_get_boolean_member (answer, "replayed"))
    c->fresh++;
  if (c->events == NULL)
    c->events = g_steal_pointer (&events);
  else
    g_assert_cmpstr (events, ==, c->events);
}

static void
many_send (Fixture     *f,
           SoupSession *session,
           Many        *many,
           ManyCommand *c)
{
  g_autofree char *url = wg_test_server_url (f->server, "/api/v1/commands");
  g_autofree char *auth = g_strconcat ("Bearer ", c->token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (c->text, strlen (c->text));

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  many->waiting++;
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, many_cb, c);
}

static gboolean
many_answered (gpointer data)
{
  return ((Many *) data)->waiting == 0;
}

static void
test_many_writers (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns", 200, "max-conns-per-host", 200, NULL);
  g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) by_command = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestResponse) page = NULL;
  g_autofree char *page_path = NULL;
  g_autofree char *stream_path = NULL;
  const char *writers[] = { "D", "L", "G" };
  gint64 head = wg_test_server_head (f->server), end;
  Many many = { 0 };
  WgTestWebsocket *ws;
  JsonArray *events;
  guint n_events = 0;

  login (f, "L", "leader");
  login (f, "G", g_hash_table_lookup (f->users, "G"));
  stream_path = g_strdup_printf ("/api/v1/stream?after=%" G_GINT64_FORMAT, head);
  ws = wg_test_server_websocket_as (f->server, g_hash_table_lookup (f->tokens, "D"), stream_path, &error);
  g_assert_no_error (error);

  many.commands = g_ptr_array_new_with_free_func (many_command_free);
  g_object_set_data (G_OBJECT (session), "many", &many);
  for (guint w = 0; w < G_N_ELEMENTS (writers); w++)
    for (guint i = 0; i < MANY_PER_WRITER; i++)
      {
        ManyCommand *c = g_new0 (ManyCommand, 1);

        c->id = g_uuid_string_random ();
        c->token = g_hash_table_lookup (f->tokens, writers[w]);
        c->text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":{\"grade\":\"%s\","
                                   "\"category\":\"%s\",\"location\":" LOC ",\"summary\":\"%s %u\"}}", c->id,
                                   i % 3 == 0 ? "emergency" : "general", i % 3 == 0 ? "fire" : "garbage",
                                   writers[w], i);
        g_ptr_array_add (many.commands, c);
      }
  /* Twice at once (the copies meet in one batch or in two), ... */
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < many.commands->len; i++)
      many_send (f, session, &many, g_ptr_array_index (many.commands, i));
  g_assert_true (wg_test_iterate_until (many_answered, &many, 60000));
  /* ... and once more, afterwards. */
  for (guint i = 0; i < many.commands->len; i++)
    many_send (f, session, &many, g_ptr_array_index (many.commands, i));
  g_assert_true (wg_test_iterate_until (many_answered, &many, 60000));

  for (guint i = 0; i < many.commands->len; i++)
    {
      ManyCommand *c = g_ptr_array_index (many.commands, i);
      g_autoptr(JsonNode) node = json_from_string (c->events, NULL);

      g_assert_cmpuint (c->answers, ==, 3);
      g_assert_cmpuint (c->fresh, ==, 1);
      n_events += json_array_get_length (json_node_get_array (node));
      g_hash_table_insert (by_command, c->id, c);
    }
  end = wg_test_server_head (f->server);
  g_assert_cmpint (end, ==, head + n_events);

  /* The journal: head+1 .. end, each event of an answered command, the
   * events of one command together and as its answer gave them. */
  page_path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=5000", head);
  page = wg_test_server_request_as (f->server, g_hash_table_lookup (f->tokens, "D"), "GET", page_path, NULL, NULL);
  g_assert_cmpuint (page->status, ==, 200);
  events = json_object_get_array_member (wg_test_response_object (page), "events");
  g_assert_cmpuint (json_array_get_length (events), ==, n_events);
  for (guint i = 0; i < n_events;)
    {
      JsonObject *event = json_array_get_object_element (events, i);
      ManyCommand *c = g_hash_table_lookup (by_command, json_object_get_string_member (event, "command"));
      g_autoptr(JsonNode) answered = NULL;
      JsonArray *own;

      g_assert_nonnull (c);
      answered = json_from_string (c->events, NULL);
      own = json_node_get_array (answered);
      for (guint k = 0; k < json_array_get_length (own); k++, i++)
        {
          JsonObject *mine = json_array_get_object_element (own, k);

          event = json_array_get_object_element (events, i);
          g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, head + i + 1);
          g_assert_cmpint (json_object_get_int_member (mine, "seq"), ==, head + i + 1);
          g_assert_cmpstr (json_object_get_string_member (event, "type"), ==,
                           json_object_get_string_member (mine, "type"));
        }
    }

  /* The stream: the same seqs, once each, in order. */
  g_assert_cmpint (collect_events (ws, seqs, end, 10000), ==, end);
  g_assert_cmpuint (seqs->len, ==, n_events);
  for (guint i = 0; i < seqs->len; i++)
    g_assert_cmpint (g_array_index (seqs, gint64, i), ==, head + i + 1);
  wg_test_websocket_free (ws);
  g_ptr_array_unref (many.commands);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/commands/scenarios", Fixture, NULL, fixture_set_up, test_scenarios, fixture_tear_down);
  g_test_add ("/commands/journal-pages", Fixture, NULL, fixture_set_up, test_journal_pages, fixture_tear_down);
  g_test_add ("/commands/work-order-cycle", Fixture, NULL, fixture_set_up, test_work_order_cycle, fixture_tear_down);
  g_test_add ("/commands/idempotency", Fixture, NULL, fixture_set_up, test_idempotency, fixture_tear_down);
  g_test_add ("/commands/many-writers", Fixture, NULL, fixture_set_up, test_many_writers, fixture_tear_down);
  g_test_add ("/commands/stream-resume", Fixture, NULL, fixture_set_up, test_stream_resume, fixture_tear_down);
  g_test_add ("/commands/restart", Fixture, NULL, fixture_set_up, test_restart, fixture_tear_down);
  g_test_add ("/commands/reference-and-cap", Fixture, NULL, fixture_set_up, test_reference_and_cap, fixture_tear_down);
  g_test_add_func ("/commands/timers", test_timers);
  return g_test_run ();
}
