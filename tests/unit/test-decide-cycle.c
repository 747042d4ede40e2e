/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The full work-order cycle (protocol.md) through decide() and the
 * projection: what the command matrix of test-decide.c cannot reach
 * (requests and notices waiting for an answer, mediation, call-backs and
 * rework, merges, downgrades, 转派 and 改派, co-departments, sources, the
 * acceptance deadline and the escalation delays), refusals included.
 */
#include "config.h"

#include "engine-fixture.h"

typedef struct {
  Fixture  f;
  gint64   now;
  WgActor *leader;
  WgActor *dispatcher;
  WgActor *worker;       /* g17 */
  WgActor *other_worker; /* g05 */
  WgActor *cgj;
  WgActor *sfs;
  GString *types;
} Cycle;

static void
cycle_set_up (Cycle         *c,
              gconstpointer  data)
{
  fixture_set_up (&c->f, data);
  c->now = FIXTURE_T0;
  c->leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  c->dispatcher = wg_actor_new ("disp", WG_ROLE_DISPATCHER, NULL, NULL, NULL);
  c->worker = wg_actor_new ("gw17", WG_ROLE_GRID_WORKER, "g17", NULL, NULL);
  c->other_worker = wg_actor_new ("gw05", WG_ROLE_GRID_WORKER, "g05", NULL, NULL);
  c->cgj = wg_actor_new ("dept-cgj", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  c->sfs = wg_actor_new ("dept-sfs", WG_ROLE_DEPARTMENT, NULL, "sfs", NULL);
  c->types = g_string_new (NULL);
}

static void
cycle_tear_down (Cycle         *c,
                 gconstpointer  data)
{
  g_string_free (c->types, TRUE);
  wg_actor_free (c->leader);
  wg_actor_free (c->dispatcher);
  wg_actor_free (c->worker);
  wg_actor_free (c->other_worker);
  wg_actor_free (c->cgj);
  wg_actor_free (c->sfs);
  fixture_tear_down (&c->f, data);
}

/* Sends a command that must be accepted; returns the types of its events
 * (valid until the next call). */
static const char *
ok (Cycle         *c,
    const WgActor *actor,
    const char    *type,
    const char    *format,
    ...) G_GNUC_PRINTF (4, 5);

static const char *
ok (Cycle         *c,
    const WgActor *actor,
    const char    *type,
    const char    *format,
    ...)
{
  g_autofree char *body = NULL;
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GPtrArray) events = NULL;
  va_list args;

  va_start (args, format);
  body = g_strdup_vprintf (format, args);
  va_end (args);
  command = fixture_command (type, body);
  events = fixture_run (&c->f, command, actor, c->now += 1000);
  return fixture_event_types (events, c->types);
}

/* Sends a command that must be refused with @code, writing nothing. */
static void
refused (Cycle         *c,
         const WgActor *actor,
         WgErrorCode    code,
         const char    *type,
         const char    *format,
         ...) G_GNUC_PRINTF (5, 6);

static void
refused (Cycle         *c,
         const WgActor *actor,
         WgErrorCode    code,
         const char    *type,
         const char    *format,
         ...)
{
  g_autofree char *body = NULL;
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  gint64 head = wg_store_head (c->f.store);
  va_list args;

  va_start (args, format);
  body = g_strdup_vprintf (format, args);
  va_end (args);
  command = fixture_command (type, body);
  if (wg_store_execute_command (c->f.store, command, actor, c->now += 1000, &events, NULL, &error))
    g_error ("%s %s: expected %s, got [%s]", type, body, wg_error_code_to_slug (code),
             fixture_event_types (events, c->types));
  if (!g_error_matches (error, WG_ERROR, code))
    g_error ("%s %s: expected %s, got %s", type, body, wg_error_code_to_slug (code), error->message);
  g_assert_cmpint (wg_store_head (c->f.store), ==, head);
}

static char *
report (Cycle      *c,
        const char *grade,
        const char *category,
        const char *source)
{
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *source_member = source != NULL ? g_strdup_printf (", \"source\": \"%s\"", source) : g_strdup ("");

  command = fixture_commandf ("incident.report",
    "{\"grade\": \"%s\", \"category\": \"%s\", \"location\": {\"lat\": 23.2, \"lon\": 113.25},"
    " \"summary\": \"s\"%s}", grade, category, source_member);
  events = fixture_run (&c->f, command, c->dispatcher, c->now += 1000);
  return g_strdup (((WgEvent *) events->pdata[0])->subject);
}

static void
get (Cycle            *c,
     const char       *id,
     WgIncidentRecord *out)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wg_store_get_incident (c->f.store, id, out, &error));
  g_assert_no_error (error);
}

static void
assert_state (Cycle      *c,
              const char *id,
              const char *state)
{
  g_auto(WgIncidentRecord) r = { 0 };

  get (c, id, &r);
  g_assert_cmpstr (wg_incident_state_to_string (r.state), ==, state);
}

/* The projection built event by event equals the one rebuilt from the
 * journal. */
static void
assert_rebuild_equal (Cycle *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *incremental = wg_store_dump_state (c->f.store, &error);
  g_autofree char *rebuilt = NULL;

  g_assert_no_error (error);
  g_assert_true (wg_store_rebuild (c->f.store, &error));
  g_assert_no_error (error);
  rebuilt = wg_store_dump_state (c->f.store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (incremental, ==, rebuilt);
}

/* ------------------------------------------------------------ the hotline flow */

static void
test_call_back_and_rework (Cycle         *c,
                           gconstpointer  data)
{
  g_autofree char *id = report (c, "professional", "structure", "hotline_12345");
  g_auto(WgIncidentRecord) r = { 0 };
  gint64 rework_deadline;

  get (c, id, &r);
  g_assert_true (r.call_back_required);
  g_assert_cmpstr (r.source, ==, "hotline_12345");
  wg_incident_record_clear (&r);

  g_assert_cmpstr (ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id),
                   ==, "incident.routed");
  get (c, id, &r);
  g_assert_cmpint (r.step, ==, WG_STEP_ACCEPT);
  wg_incident_record_clear (&r);
  ok (c, c->cgj, "incident.accept", "{\"incident\": \"%s\"}", id);
  get (c, id, &r);
  g_assert_cmpint (r.step, ==, WG_STEP_HANDLE);
  wg_incident_record_clear (&r);
  ok (c, c->cgj, "incident.feedback", "{\"incident\": \"%s\", \"result\": \"fixed\"}", id);
  ok (c, c->worker, "incident.verify", "{\"incident\": \"%s\", \"passed\": true}", id);

  /* No call-back yet: the case does not close. */
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.close", "{\"incident\": \"%s\"}", id);
  /* Only the centre calls back, with a known answer and a remark. */
  refused (c, c->worker, WG_ERROR_FORBIDDEN, "incident.call_back",
           "{\"incident\": \"%s\", \"satisfaction\": \"satisfied\", \"remark\": \"r\"}", id);
  refused (c, c->cgj, WG_ERROR_FORBIDDEN, "incident.call_back",
           "{\"incident\": \"%s\", \"satisfaction\": \"satisfied\", \"remark\": \"r\"}", id);
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.call_back",
           "{\"incident\": \"%s\", \"satisfaction\": \"happy\", \"remark\": \"r\"}", id);
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.call_back",
           "{\"incident\": \"%s\", \"satisfaction\": \"satisfied\"}", id);

  /* Unsatisfied: 返工, back to the department with a new deadline. */
  g_assert_cmpstr (ok (c, c->dispatcher, "incident.call_back",
                       "{\"incident\": \"%s\", \"satisfaction\": \"unsatisfied\", \"remark\": \"still leaking\"}", id),
                   ==, "incident.called_back incident.reworked");
  get (c, id, &r);
  g_assert_cmpstr (wg_incident_state_to_string (r.state), ==, "accepted");
  g_assert_cmpint (r.step, ==, WG_STEP_HANDLE);
  g_assert_cmpint (r.deadline, >, c->now);
  g_assert_cmpuint (r.reworks, ==, 1);
  g_assert_cmpint (r.call_back, ==, -1);
  rework_deadline = r.deadline;
  wg_incident_record_clear (&r);
  g_assert_cmpint (rework_deadline, >, 0);

  ok (c, c->cgj, "incident.feedback", "{\"incident\": \"%s\", \"result\": \"fixed again\"}", id);
  ok (c, c->worker, "incident.verify", "{\"incident\": \"%s\", \"passed\": true}", id);
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.close", "{\"incident\": \"%s\"}", id);
  g_assert_cmpstr (ok (c, c->leader, "incident.call_back",
                       "{\"incident\": \"%s\", \"satisfaction\": \"basically_satisfied\", \"remark\": \"ok\"}", id),
                   ==, "incident.called_back");
  g_assert_cmpstr (ok (c, c->dispatcher, "incident.close", "{\"incident\": \"%s\"}", id), ==, "incident.closed");
  assert_state (c, id, "closed");
  assert_rebuild_equal (c);
}

/* A case from patrol needs no call-back; a category can ask for one on
 * every case, or for none. */
static void
test_call_back_rules (Cycle         *c,
                      gconstpointer  data)
{
  g_assert_false (wg_rules_needs_call_back (c->f.rules, "structure", "patrol"));
  g_assert_false (wg_rules_needs_call_back (c->f.rules, "structure", NULL));
  g_assert_true (wg_rules_needs_call_back (c->f.rules, "structure", "hotline_12345"));
  g_assert_true (wg_rules_needs_call_back (c->f.rules, "structure", "walk_in"));
  /* The first release's slug for the hotline. */
  g_assert_true (wg_rules_needs_call_back (c->f.rules, "structure", "hotline"));
  wg_rules_set_category_cycle (c->f.rules, "structure", FALSE, WG_CALL_BACK_ALWAYS);
  g_assert_true (wg_rules_needs_call_back (c->f.rules, "structure", "patrol"));
  wg_rules_set_category_cycle (c->f.rules, "structure", FALSE, WG_CALL_BACK_NEVER);
  g_assert_false (wg_rules_needs_call_back (c->f.rules, "structure", "hotline_12345"));
  g_assert_false (wg_rules_needs_call_back (c->f.rules, "no-such-category", "hotline_12345"));
}

/* ------------------------------------------------------------ sources */

static void
test_sources (Cycle         *c,
              gconstpointer  data)
{
  static const char *const sources[] = {
    "hotline_12345", "police_110", "patrol", "walk_in", "phone", "wechat_group", "sensor", "contact_point", "other",
  };
  g_autofree char *old = NULL;
  g_auto(WgIncidentRecord) r = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *id = report (c, "general", "fire_lane", sources[i]);
      g_auto(WgIncidentRecord) one = { 0 };

      get (c, id, &one);
      g_assert_cmpstr (one.source, ==, sources[i]);
    }
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.report",
           "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.2, \"lon\": 113.25},"
           " \"summary\": \"s\", \"source\": \"carrier_pigeon\"}");
  /* The first release's slugs are taken and stored as today's. */
  old = report (c, "general", "fire_lane", "hotline");
  get (c, old, &r);
  g_assert_cmpstr (r.source, ==, "hotline_12345");
  g_assert_cmpstr (wg_source_normalize ("field"), ==, "patrol");
  g_assert_cmpstr (wg_source_normalize ("online"), ==, "other");
  g_assert_null (wg_source_normalize ("carrier_pigeon"));
  g_assert_null (wg_source_normalize (NULL));
}

/* ------------------------------------------------------------ mediation */

static void
test_mediation (Cycle         *c,
                gconstpointer  data)
{
  g_autofree char *failed = report (c, "professional", "neighbour_dispute", "patrol");
  g_autofree char *mediated = report (c, "professional", "neighbour_dispute", "walk_in");
  g_autofree char *structure = report (c, "professional", "structure", NULL);
  g_auto(WgIncidentRecord) r = { 0 };

  /* Mediated in the grid first: not routed before. */
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.route",
           "{\"incident\": \"%s\", \"department\": \"sfs\"}", failed);
  /* Not by another grid's worker, nor a department; a known outcome. */
  refused (c, c->other_worker, WG_ERROR_FORBIDDEN, "incident.mediate",
           "{\"incident\": \"%s\", \"outcome\": \"failed\", \"remark\": \"r\"}", failed);
  refused (c, c->sfs, WG_ERROR_FORBIDDEN, "incident.mediate",
           "{\"incident\": \"%s\", \"outcome\": \"failed\", \"remark\": \"r\"}", failed);
  refused (c, c->worker, WG_ERROR_INVALID_FIELD, "incident.mediate",
           "{\"incident\": \"%s\", \"outcome\": \"maybe\", \"remark\": \"r\"}", failed);
  /* A category that is not mediated first is routed. */
  refused (c, c->worker, WG_ERROR_ILLEGAL_TRANSITION, "incident.mediate",
           "{\"incident\": \"%s\", \"outcome\": \"mediated\", \"remark\": \"r\"}", structure);

  /* Failed: still reported, now to be routed. */
  g_assert_cmpstr (ok (c, c->worker, "incident.mediate",
                       "{\"incident\": \"%s\", \"outcome\": \"failed\", \"remark\": \"the parties would not meet\","
                       " \"parties\": [\"Wang\", \"Li\"]}", failed), ==, "incident.mediated");
  get (c, failed, &r);
  g_assert_cmpstr (wg_incident_state_to_string (r.state), ==, "reported");
  g_assert_cmpstr (r.mediation, ==, "failed");
  g_assert_cmpint (r.step, ==, WG_STEP_ROUTE);
  refused (c, c->worker, WG_ERROR_ILLEGAL_TRANSITION, "incident.mediate",
           "{\"incident\": \"%s\", \"outcome\": \"mediated\", \"remark\": \"r\"}", failed);
  g_assert_cmpstr (ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"sfs\"}", failed),
                   ==, "incident.routed");

  /* Mediated: resolved, then call-back (a walk-in) and close. */
  ok (c, c->leader, "incident.mediate", "{\"incident\": \"%s\", \"outcome\": \"mediated\", \"remark\": \"agreed\"}",
      mediated);
  assert_state (c, mediated, "resolved");
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.close", "{\"incident\": \"%s\"}", mediated);
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.route",
           "{\"incident\": \"%s\", \"department\": \"sfs\"}", mediated);
  /* Unsatisfied with a grid mediation: back to be routed. */
  g_assert_cmpstr (ok (c, c->dispatcher, "incident.call_back",
                       "{\"incident\": \"%s\", \"satisfaction\": \"unsatisfied\", \"remark\": \"no\"}", mediated),
                   ==, "incident.called_back incident.reworked");
  assert_state (c, mediated, "reported");
  ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"sfs\"}", mediated);
  assert_rebuild_equal (c);
}

/* ------------------------------------------------------------ rejection review */

static void
test_rejection_review (Cycle         *c,
                       gconstpointer  data)
{
  g_autofree char *id = report (c, "professional", "structure", NULL);
  g_auto(WgIncidentRecord) r = { 0 };
  gint64 accept_deadline;

  ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id);
  get (c, id, &r);
  accept_deadline = r.deadline;
  wg_incident_record_clear (&r);

  refused (c, c->sfs, WG_ERROR_FORBIDDEN, "incident.reject", "{\"incident\": \"%s\", \"reason\": \"r\"}", id);
  g_assert_cmpstr (ok (c, c->cgj, "incident.reject", "{\"incident\": \"%s\", \"reason\": \"not ours\"}", id),
                   ==, "incident.rejection_requested");
  assert_state (c, id, "rejection_pending");
  /* While the centre reviews, the department can neither accept nor ask
   * again; only D and L review, with approve given. */
  refused (c, c->cgj, WG_ERROR_ILLEGAL_TRANSITION, "incident.accept", "{\"incident\": \"%s\"}", id);
  refused (c, c->cgj, WG_ERROR_ILLEGAL_TRANSITION, "incident.reject", "{\"incident\": \"%s\", \"reason\": \"r\"}", id);
  refused (c, c->cgj, WG_ERROR_FORBIDDEN, "incident.review_rejection", "{\"incident\": \"%s\", \"approve\": true}", id);
  refused (c, c->worker, WG_ERROR_FORBIDDEN, "incident.review_rejection", "{\"incident\": \"%s\", \"approve\": true}",
           id);
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.review_rejection", "{\"incident\": \"%s\"}", id);

  /* Denied: routed again, on the same acceptance deadline. */
  g_assert_cmpstr (ok (c, c->dispatcher, "incident.review_rejection",
                       "{\"incident\": \"%s\", \"approve\": false, \"remark\": \"it is yours\"}", id),
                   ==, "incident.rejection_denied");
  get (c, id, &r);
  g_assert_cmpstr (wg_incident_state_to_string (r.state), ==, "routed");
  g_assert_cmpint (r.step, ==, WG_STEP_ACCEPT);
  g_assert_cmpint (r.deadline, ==, accept_deadline);
  wg_incident_record_clear (&r);
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.review_rejection",
           "{\"incident\": \"%s\", \"approve\": true}", id);

  /* Asked again and approved: back to the centre, routed elsewhere. */
  ok (c, c->cgj, "incident.reject", "{\"incident\": \"%s\", \"reason\": \"really not ours\"}", id);
  g_assert_cmpstr (ok (c, c->leader, "incident.review_rejection", "{\"incident\": \"%s\", \"approve\": true}", id),
                   ==, "incident.rejected");
  get (c, id, &r);
  g_assert_cmpstr (wg_incident_state_to_string (r.state), ==, "rejected");
  g_assert_cmpint (r.step, ==, WG_STEP_ROUTE);
  wg_incident_record_clear (&r);
  ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"sfs\"}", id);
  ok (c, c->sfs, "incident.accept", "{\"incident\": \"%s\"}", id);
  assert_rebuild_equal (c);
}

/* ------------------------------------------------------------ 转派, 改派, 协办 */

static void
test_transfer_and_reroute (Cycle         *c,
                           gconstpointer  data)
{
  g_autofree char *general = report (c, "general", "fire_lane", NULL);
  g_autofree char *pro = report (c, "professional", "structure", NULL);
  g_auto(WgIncidentRecord) r = { 0 };

  /* 转派: the grid could not handle it; it becomes professional. */
  g_assert_cmpstr (ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", general),
                   ==, "incident.regraded incident.routed");
  get (c, general, &r);
  g_assert_cmpint (r.grade, ==, WG_GRADE_PROFESSIONAL);
  g_assert_cmpstr (wg_incident_state_to_string (r.state), ==, "routed");
  wg_incident_record_clear (&r);
  refused (c, c->worker, WG_ERROR_ILLEGAL_TRANSITION, "incident.handle_on_spot",
           "{\"incident\": \"%s\", \"resolution\": \"r\"}", general);

  /* 改派 while not accepted, not to the same department; co-departments
   * are distinct and not the lead. */
  ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", pro);
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.route",
           "{\"incident\": \"%s\", \"department\": \"cgj\"}", pro);
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.route",
           "{\"incident\": \"%s\", \"department\": \"sfs\", \"co_departments\": [\"sfs\"]}", pro);
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.route",
           "{\"incident\": \"%s\", \"department\": \"sfs\", \"co_departments\": [\"cgj\", \"cgj\"]}", pro);
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.route",
           "{\"incident\": \"%s\", \"department\": \"sfs\", \"co_departments\": [7]}", pro);
  g_assert_cmpstr (ok (c, c->dispatcher, "incident.route",
                       "{\"incident\": \"%s\", \"department\": \"sfs\", \"co_departments\": [\"cgj\"]}", pro),
                   ==, "incident.routed");
  get (c, pro, &r);
  g_assert_cmpstr (r.department, ==, "sfs");
  g_assert_nonnull (r.co_departments);
  g_assert_cmpstr (r.co_departments[0], ==, "cgj");
  g_assert_null (r.co_departments[1]);
  wg_incident_record_clear (&r);

  /* The co-department (协办) adds notes; the lead (主办) moves the state. */
  ok (c, c->cgj, "incident.note", "{\"incident\": \"%s\", \"text\": \"we can help on Monday\"}", pro);
  refused (c, c->cgj, WG_ERROR_FORBIDDEN, "incident.accept", "{\"incident\": \"%s\"}", pro);
  refused (c, c->cgj, WG_ERROR_FORBIDDEN, "incident.reject", "{\"incident\": \"%s\", \"reason\": \"r\"}", pro);
  ok (c, c->sfs, "incident.accept", "{\"incident\": \"%s\"}", pro);
  /* Accepted: no more 改派. */
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.route",
           "{\"incident\": \"%s\", \"department\": \"cgj\"}", pro);
  assert_rebuild_equal (c);
}

/* ------------------------------------------------------------ extension */

static void
test_extension (Cycle         *c,
                gconstpointer  data)
{
  g_autofree char *id = report (c, "professional", "structure", NULL);
  g_auto(WgIncidentRecord) r = { 0 };
  gint64 later = c->now + G_GINT64_CONSTANT (30) * 86400000;

  refused (c, c->dispatcher, WG_ERROR_FORBIDDEN, "incident.request_extension",
           "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"r\"}", id, later);
  ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id);
  ok (c, c->cgj, "incident.accept", "{\"incident\": \"%s\"}", id);
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.decline_extension",
           "{\"incident\": \"%s\", \"reason\": \"no\"}", id);
  refused (c, c->cgj, WG_ERROR_INVALID_FIELD, "incident.request_extension",
           "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"r\"}", id, c->now - 1);
  refused (c, c->cgj, WG_ERROR_INVALID_FIELD, "incident.request_extension", "{\"incident\": \"%s\", \"reason\": \"r\"}",
           id);

  g_assert_cmpstr (ok (c, c->cgj, "incident.request_extension",
                       "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"parts\"}", id, later),
                   ==, "incident.extension_requested");
  get (c, id, &r);
  g_assert_cmpint (r.extension_requested, ==, later);
  wg_incident_record_clear (&r);
  refused (c, c->cgj, WG_ERROR_ILLEGAL_TRANSITION, "incident.request_extension",
           "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"r\"}", id, later + 1);
  refused (c, c->cgj, WG_ERROR_FORBIDDEN, "incident.decline_extension", "{\"incident\": \"%s\", \"reason\": \"no\"}",
           id);
  g_assert_cmpstr (ok (c, c->dispatcher, "incident.decline_extension",
                       "{\"incident\": \"%s\", \"reason\": \"do it this week\"}", id), ==, "incident.extension_declined");
  get (c, id, &r);
  g_assert_cmpint (r.extension_requested, ==, 0);
  wg_incident_record_clear (&r);

  /* Asked again, approved with incident.extend. */
  ok (c, c->cgj, "incident.request_extension",
      "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"parts\"}", id, later);
  g_assert_cmpstr (ok (c, c->leader, "incident.extend",
                       "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"approved\"}", id, later),
                   ==, "incident.extended");
  get (c, id, &r);
  g_assert_cmpint (r.extension_requested, ==, 0);
  g_assert_cmpint (r.deadline, ==, later);
  wg_incident_record_clear (&r);
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.decline_extension",
           "{\"incident\": \"%s\", \"reason\": \"no\"}", id);
  assert_rebuild_equal (c);
}

/* ------------------------------------------------------------ supervision */

static void
test_supervision (Cycle         *c,
                  gconstpointer  data)
{
  g_autofree char *id = report (c, "professional", "structure", NULL);
  g_auto(WgIncidentRecord) r = { 0 };

  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.supervise",
           "{\"incident\": \"%s\", \"level\": \"urge\", \"remark\": \"r\"}", id);
  ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id);
  refused (c, c->cgj, WG_ERROR_ILLEGAL_TRANSITION, "incident.answer_supervision",
           "{\"incident\": \"%s\", \"text\": \"t\"}", id);
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.supervise",
           "{\"incident\": \"%s\", \"level\": \"shout\", \"remark\": \"r\"}", id);
  refused (c, c->cgj, WG_ERROR_FORBIDDEN, "incident.supervise",
           "{\"incident\": \"%s\", \"level\": \"urge\", \"remark\": \"r\"}", id);

  g_assert_cmpstr (ok (c, c->dispatcher, "incident.supervise",
                       "{\"incident\": \"%s\", \"level\": \"urge\", \"remark\": \"please accept\"}", id),
                   ==, "incident.supervised");
  /* A stronger notice replaces the waiting one. */
  ok (c, c->leader, "incident.supervise",
      "{\"incident\": \"%s\", \"level\": \"supervise\", \"remark\": \"today\", \"deadline\": %" G_GINT64_FORMAT "}",
      id, c->now + 3600000);
  get (c, id, &r);
  g_assert_cmpint (r.supervision, ==, WG_SUPERVISION_SUPERVISE);
  g_assert_cmpint (r.supervision_answer_by, >, c->now);
  /* Not answered by answer_by: one overdue event (step answer_supervision),
   * the notice stays; the case's own step is not late for it. */
  {
    gint64 answer_by = r.supervision_answer_by;
    g_autoptr(GPtrArray) events = NULL;
    g_autoptr(GString) types = g_string_new (NULL);
    g_autoptr(GError) error = NULL;
    JsonObject *body;

    g_assert_true (wg_store_run_timers (c->f.store, answer_by - 1, &events, &error));
    g_assert_cmpstr (fixture_event_types (events, types), ==, "");
    g_clear_pointer (&events, g_ptr_array_unref);
    g_assert_true (wg_store_run_timers (c->f.store, answer_by, &events, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (fixture_event_types (events, types), ==, "incident.overdue");
    body = ((WgEvent *) events->pdata[0])->body;
    g_assert_cmpstr (json_object_get_string_member (body, "step"), ==, "answer_supervision");
    g_assert_cmpint (json_object_get_int_member (body, "deadline"), ==, answer_by);
    g_assert_cmpstr (json_object_get_string_member (body, "department"), ==, "cgj");
    g_clear_pointer (&events, g_ptr_array_unref);
    g_assert_true (wg_store_run_timers (c->f.store, answer_by + 1000, &events, &error));
    g_assert_cmpstr (fixture_event_types (events, types), ==, "");
  }
  wg_incident_record_clear (&r);
  get (c, id, &r);
  g_assert_cmpint (r.supervision, ==, WG_SUPERVISION_SUPERVISE);
  g_assert_cmpint (r.supervision_answer_by, ==, 0);
  g_assert_false (r.overdue);
  wg_incident_record_clear (&r);
  refused (c, c->sfs, WG_ERROR_FORBIDDEN, "incident.answer_supervision", "{\"incident\": \"%s\", \"text\": \"t\"}", id);
  g_assert_cmpstr (ok (c, c->cgj, "incident.answer_supervision",
                       "{\"incident\": \"%s\", \"text\": \"a team goes at 14:00\"}", id), ==,
                   "incident.supervision_answered");
  get (c, id, &r);
  g_assert_cmpint (r.supervision, ==, -1);
  wg_incident_record_clear (&r);
  refused (c, c->cgj, WG_ERROR_ILLEGAL_TRANSITION, "incident.answer_supervision",
           "{\"incident\": \"%s\", \"text\": \"t\"}", id);
  assert_rebuild_equal (c);
}

/* ------------------------------------------------------------ merge */

static void
test_merge (Cycle         *c,
            gconstpointer  data)
{
  /* Found on patrol (no call-back), then a resident phones the hotline. */
  g_autofree char *first = report (c, "professional", "structure", "patrol");
  g_autofree char *dup = NULL;
  g_autofree char *closed = report (c, "general", "fire_lane", NULL);
  g_autoptr(GPtrArray) dup_events = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *merged;
  g_auto(WgIncidentRecord) r = { 0 };

  {
    g_autoptr(WgCommand) hotline = fixture_command ("incident.report",
      "{\"grade\": \"professional\", \"category\": \"structure\", \"location\": {\"lat\": 23.2, \"lon\": 113.25},"
      " \"summary\": \"s\", \"source\": \"hotline_12345\", \"caller\": {\"name\": \"Wu\", \"phone\": \"13900139000\"}}");
    g_autoptr(GPtrArray) events = fixture_run (&c->f, hotline, c->dispatcher, c->now += 1000);

    dup = g_strdup (((WgEvent *) events->pdata[0])->subject);
  }
  ok (c, c->worker, "incident.handle_on_spot", "{\"incident\": \"%s\", \"resolution\": \"r\"}", closed);
  refused (c, c->worker, WG_ERROR_FORBIDDEN, "incident.merge",
           "{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"r\"}", dup, first);
  refused (c, c->dispatcher, WG_ERROR_INVALID_FIELD, "incident.merge",
           "{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"r\"}", dup, dup);
  refused (c, c->dispatcher, WG_ERROR_UNKNOWN_INCIDENT, "incident.merge",
           "{\"incident\": \"%s\", \"into\": \"00000000-0000-4000-8000-000000000000\", \"reason\": \"r\"}", dup);
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.merge",
           "{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"r\"}", dup, closed);

  g_assert_cmpstr (ok (c, c->dispatcher, "incident.merge",
                       "{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"same leak\"}", dup, first),
                   ==, "incident.merged");
  get (c, dup, &r);
  g_assert_cmpstr (wg_incident_state_to_string (r.state), ==, "merged");
  g_assert_cmpstr (r.merged_into, ==, first);
  g_assert_cmpint (r.step, ==, -1);
  g_assert_false (wg_incident_state_is_open (r.state));
  wg_incident_record_clear (&r);
  get (c, first, &r);
  g_assert_cmpuint (r.repeats, ==, 1);
  /* The duplicate's caller is called back on the case it joined: the
   * merge carries who it is. */
  g_assert_true (r.call_back_required);
  wg_incident_record_clear (&r);
  dup_events = wg_store_read_incident_events (c->f.store, dup, &error);
  g_assert_no_error (error);
  merged = ((WgEvent *) dup_events->pdata[dup_events->len - 1])->body;
  g_assert_true (json_object_get_boolean_member (merged, "call_back_required"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (merged, "caller"), "phone"), ==,
                   "13900139000");
  /* Terminal: nothing more on the duplicate but notes. */
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.route",
           "{\"incident\": \"%s\", \"department\": \"cgj\"}", dup);
  refused (c, c->dispatcher, WG_ERROR_ILLEGAL_TRANSITION, "incident.merge",
           "{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"r\"}", first, dup);
  ok (c, c->dispatcher, "incident.note", "{\"incident\": \"%s\", \"text\": \"caller told\"}", dup);
  assert_rebuild_equal (c);
}

/* ------------------------------------------------------------ downgrade */

static void
test_downgrade (Cycle         *c,
                gconstpointer  data)
{
  g_autofree char *id = report (c, "emergency", "fire", "police_110");
  g_autofree char *general = report (c, "emergency", "fire", NULL);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(WgIncidentRecord) r = { 0 };

  refused (c, c->dispatcher, WG_ERROR_FORBIDDEN, "incident.downgrade",
           "{\"incident\": \"%s\", \"to\": \"professional\", \"reason\": \"r\"}", id);
  refused (c, c->leader, WG_ERROR_INVALID_FIELD, "incident.downgrade",
           "{\"incident\": \"%s\", \"to\": \"emergency\", \"reason\": \"r\"}", id);
  refused (c, c->leader, WG_ERROR_INVALID_FIELD, "incident.downgrade",
           "{\"incident\": \"%s\", \"to\": \"professional\", \"reason\": \"r\", \"false_alarm\": \"yes\"}", id);

  g_assert_cmpstr (ok (c, c->leader, "incident.downgrade",
                       "{\"incident\": \"%s\", \"to\": \"professional\", \"reason\": \"smoke from a barbecue\","
                       " \"false_alarm\": true}", id), ==, "incident.downgraded");
  get (c, id, &r);
  g_assert_cmpint (r.grade, ==, WG_GRADE_PROFESSIONAL);
  g_assert_cmpstr (wg_incident_state_to_string (r.state), ==, "reported");
  g_assert_cmpint (r.alarm, ==, WG_ALARM_NONE);
  g_assert_cmpint (r.step, ==, WG_STEP_ROUTE);
  wg_incident_record_clear (&r);
  /* Its alarm ends: no escalation, no acknowledgement; no second
   * downgrade. */
  refused (c, c->leader, WG_ERROR_ILLEGAL_TRANSITION, "incident.downgrade",
           "{\"incident\": \"%s\", \"to\": \"general\", \"reason\": \"r\"}", id);
  refused (c, c->leader, WG_ERROR_ILLEGAL_TRANSITION, "alarm.acknowledge", "{\"incident\": \"%s\"}", id);

  /* Dispatched: the forces are recalled. */
  g_assert_true (wg_store_register_unit (c->f.store, "u-dg", "police", "u-dg", "g17", "acct-u-dg", &error));
  ok (c, c->dispatcher, "dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u-dg\"]}", general);
  g_assert_cmpstr (ok (c, c->leader, "incident.downgrade",
                       "{\"incident\": \"%s\", \"to\": \"general\", \"reason\": \"minor\"}", general),
                   ==, "assignment.cancelled incident.downgraded");
  get (c, general, &r);
  g_assert_cmpint (r.grade, ==, WG_GRADE_GENERAL);
  g_assert_cmpint (r.step, ==, -1);
  wg_incident_record_clear (&r);
  ok (c, c->worker, "incident.handle_on_spot", "{\"incident\": \"%s\", \"resolution\": \"done\"}", general);

  g_assert_true (wg_store_run_timers (c->f.store, c->now + 3600000, &events, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < events->len; i++)
    g_assert_cmpint (((WgEvent *) events->pdata[i])->type, !=, WG_EV_ALARM_ESCALATED);
  assert_rebuild_equal (c);
}

/* ------------------------------------------------------------ timers */

/* Acceptance has its own deadline and overdue (签收超时). */
static void
test_accept_overdue (Cycle         *c,
                     gconstpointer  data)
{
  g_autofree char *id = report (c, "professional", "structure", NULL);
  g_autoptr(GError) error = NULL;
  g_auto(WgIncidentRecord) r = { 0 };
  gint64 deadline;

  ok (c, c->dispatcher, "incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id);
  get (c, id, &r);
  g_assert_cmpint (r.step, ==, WG_STEP_ACCEPT);
  deadline = r.deadline;
  wg_incident_record_clear (&r);
  /* 120 working minutes from Friday 10:00 and a few seconds: past the
   * lunch break. */
  g_assert_cmpint (deadline, >, c->now + 2 * 3600000);

  {
    g_autoptr(GPtrArray) events = NULL;
    g_autoptr(GString) types = g_string_new (NULL);

    g_assert_true (wg_store_run_timers (c->f.store, deadline - 1, &events, &error));
    g_assert_cmpstr (fixture_event_types (events, types), ==, "");
    g_clear_pointer (&events, g_ptr_array_unref);
    g_assert_true (wg_store_run_timers (c->f.store, deadline, &events, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (fixture_event_types (events, types), ==, "incident.overdue");
    g_assert_cmpstr (json_object_get_string_member (((WgEvent *) events->pdata[0])->body, "step"), ==, "accept");
    g_assert_cmpint (json_object_get_int_member (((WgEvent *) events->pdata[0])->body, "deadline"), ==, deadline);
  }
  get (c, id, &r);
  g_assert_true (r.overdue);
  wg_incident_record_clear (&r);
  /* Accepted late: the handling step starts with no overdue. */
  c->now = deadline + 1000;
  ok (c, c->cgj, "incident.accept", "{\"incident\": \"%s\"}", id);
  get (c, id, &r);
  g_assert_cmpint (r.step, ==, WG_STEP_HANDLE);
  g_assert_false (r.overdue);
  assert_rebuild_equal (c);
}

/* The chief's escalation uses the roster's own delay since the raise, not
 * twice the first. */
static void
test_escalation_delays (Cycle         *c,
                        gconstpointer  data)
{
  g_autofree char *id = NULL;
  g_autoptr(GString) types = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  gint64 raised;
  struct {
    gint64 at;
    const char *events;
  } steps[] = {
    { 59999, "" },
    { 60000, "alarm.escalated" },
    { 120000, "incident.overdue" },  /* the dispatch step (2 min), no chief yet */
    { 179999, "" },
    { 180000, "alarm.escalated" },
    { 900000, "" },
  };

  wg_rules_set_escalation_interval (c->f.rules, 60000);
  wg_rules_set_chief_delay (c->f.rules, 180000);
  g_assert_cmpint (wg_rules_get_escalation_delay (c->f.rules, 1), ==, 60000);
  g_assert_cmpint (wg_rules_get_escalation_delay (c->f.rules, 2), ==, 180000);
  id = report (c, "emergency", "fire", NULL);
  raised = c->now;

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(GPtrArray) events = NULL;

      g_assert_true (wg_store_run_timers (c->f.store, raised + steps[i].at, &events, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (fixture_event_types (events, types), ==, steps[i].events);
      if (g_str_equal (steps[i].events, "alarm.escalated"))
        g_assert_cmpstr (json_object_get_string_member (((WgEvent *) events->pdata[0])->body, "to"), ==,
                         steps[i].at == 60000 ? "leader-area1" : "chief");
    }

  /* A chief's delay shorter than the first never comes before it. */
  wg_rules_set_chief_delay (c->f.rules, 30000);
  g_assert_cmpint (wg_rules_get_escalation_delay (c->f.rules, 2), ==, 60000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Cycle, NULL, cycle_set_up, func, cycle_tear_down)
  ADD ("/cycle/call-back-and-rework", test_call_back_and_rework);
  ADD ("/cycle/call-back-rules", test_call_back_rules);
  ADD ("/cycle/sources", test_sources);
  ADD ("/cycle/mediation", test_mediation);
  ADD ("/cycle/rejection-review", test_rejection_review);
  ADD ("/cycle/transfer-and-reroute", test_transfer_and_reroute);
  ADD ("/cycle/extension", test_extension);
  ADD ("/cycle/supervision", test_supervision);
  ADD ("/cycle/merge", test_merge);
  ADD ("/cycle/downgrade", test_downgrade);
  ADD ("/cycle/accept-overdue", test_accept_overdue);
  ADD ("/cycle/escalation-delays", test_escalation_delays);
#undef ADD

  return g_test_run ();
}
