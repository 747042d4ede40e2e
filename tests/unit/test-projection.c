/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Property tests of the one projection: random command sequences (seeded
 * GRand, mostly legal commands, refusals included) must give the same
 * state whether projected incrementally as they are appended, rebuilt from
 * the whole journal, applied by a console cache from pulled pages, or
 * reconstructed at a random moment t from the nearest checkpoint.
 */
#include "config.h"

#include "engine-fixture.h"
#include "tests/common/test-sanitizer.h"

#define N_UNITS 10
/* Moments reconstructed from checkpoints per run.  Each makes a store of
 * its own, running the schema's migrations: under AddressSanitizer with
 * LeakSanitizer's full stacks (CI's unit stage, where this test took a
 * minute; 2 s natively) three fifths of a run's CPU for twelve; four
 * there. */
#define MOMENTS TEST_SAMPLE (12, 4)
/* Steps of each random sequence: under AddressSanitizer half as many
 * (each step dumps the whole state: most of the rest of the time). */
#define STEPS(n) TEST_SAMPLE ((n), (n) / 2)

typedef struct {
  gint64  t;
  char   *dump;
} Snapshot;

static void
snapshot_free (gpointer data)
{
  Snapshot *s = data;
  g_free (s->dump);
  g_free (s);
}

typedef struct {
  Fixture    f;
  GRand     *rand;
  gint64     now;
  GPtrArray *incidents;    /* char* */
  GPtrArray *assignments;  /* char* */
  WgActor   *leader;
  guint      accepted;
  guint      refused;
} Run;

static const char *
pick (Run       *run,
      GPtrArray *from)
{
  if (from->len == 0)
    return NULL;
  return from->pdata[g_rand_int_range (run->rand, 0, from->len)];
}

static void
execute (Run           *run,
         WgCommand     *command,
         const WgActor *actor)
{
  g_autoptr(WgCommand) owned = command;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  if (!wg_store_execute_command (run->f.store, command, actor, run->now, &events, NULL, &error))
    {
      if (!wg_error_is_rule_refusal (error))
        g_error ("%s failed: %s", wg_command_get_type_name (command), error->message);
      run->refused++;
      return;
    }
  run->accepted++;
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      if (event->type == WG_EV_INCIDENT_REPORTED)
        g_ptr_array_add (run->incidents, g_strdup (event->subject));
      else if (event->type == WG_EV_ASSIGNMENT_CREATED)
        g_ptr_array_add (run->assignments, g_strdup (event->subject));
    }
}

static void
random_report (Run *run)
{
  static const char *kinds[][2] = {
    { "general", "fire_lane" }, { "professional", "structure" }, { "emergency", "fire" },
    { "professional", "labour_dispute" }, { "professional", "neighbour_dispute" },
  };
  static const char *sources[] = { "patrol", "hotline_12345", "walk_in", "police_110" };
  guint k = g_rand_int_range (run->rand, 0, G_N_ELEMENTS (kinds));
  gboolean on_spot = k == 0 && g_rand_boolean (run->rand);

  execute (run, fixture_commandf ("incident.report",
    "{\"grade\": \"%s\", \"category\": \"%s\", \"location\": {\"lat\": 23.25, \"lon\": %s},"
    " \"summary\": \"random\", \"source\": \"%s\"%s}", kinds[k][0], kinds[k][1],
    g_rand_boolean (run->rand) ? "113.25" : "113.375", sources[g_rand_int_range (run->rand, 0, G_N_ELEMENTS (sources))],
    on_spot ? ", \"handled_on_spot\": {\"resolution\": \"done\"}" : ""), run->leader);
}

static void
random_incident_command (Run *run)
{
  const char *id = pick (run, run->incidents);
  g_auto(WgIncidentRecord) incident = { 0 };
  g_autoptr(GError) error = NULL;
  WgCommandType legal[WG_N_COMMAND_TYPES];
  guint n_legal = 0;
  WgCommandType type;
  g_autoptr(WgActor) dept = NULL;
  const WgActor *actor = run->leader;
  WgCommand *command;

  if (id == NULL || !wg_store_get_incident (run->f.store, id, &incident, &error))
    {
      g_assert_no_error (error);
      random_report (run);
      return;
    }
  for (guint t = 0; t < WG_N_COMMAND_TYPES; t++)
    if (wg_decide_incident_legal (t, incident.grade, incident.state, incident.alarm))
      legal[n_legal++] = t;
  if (n_legal == 0)
    {
      random_report (run);
      return;
    }
  type = legal[g_rand_int_range (run->rand, 0, n_legal)];
  if (type == WG_CMD_INCIDENT_ACCEPT || type == WG_CMD_INCIDENT_REJECT || type == WG_CMD_INCIDENT_FEEDBACK ||
      type == WG_CMD_INCIDENT_REQUEST_EXTENSION || type == WG_CMD_INCIDENT_ANSWER_SUPERVISION)
    {
      dept = wg_actor_new ("dept-desk", WG_ROLE_DEPARTMENT, NULL, incident.department, NULL);
      actor = dept;
    }

  switch (type)
    {
    case WG_CMD_INCIDENT_HANDLE_ON_SPOT:
      command = fixture_commandf ("incident.handle_on_spot", "{\"incident\": \"%s\", \"resolution\": \"r\"}", id);
      break;
    case WG_CMD_INCIDENT_ROUTE:
      if (g_rand_boolean (run->rand))
        command = fixture_commandf ("incident.route", "{\"incident\": \"%s\", \"department\": \"%s\"}", id,
                                    g_rand_boolean (run->rand) ? "cgj" : "sfs");
      else
        command = fixture_commandf ("incident.route", "{\"incident\": \"%s\", \"department\": \"sfs\","
                                    " \"co_departments\": [\"cgj\"]}", id);
      break;
    /* The full work-order cycle. */
    case WG_CMD_INCIDENT_MEDIATE:
      command = fixture_commandf ("incident.mediate", "{\"incident\": \"%s\", \"outcome\": \"%s\", \"remark\": \"r\"}",
                                  id, g_rand_boolean (run->rand) ? "mediated" : "failed");
      break;
    case WG_CMD_INCIDENT_REVIEW_REJECTION:
      command = fixture_commandf ("incident.review_rejection", "{\"incident\": \"%s\", \"approve\": %s}", id,
                                  g_rand_boolean (run->rand) ? "true" : "false");
      break;
    case WG_CMD_INCIDENT_REQUEST_EXTENSION:
      command = fixture_commandf ("incident.request_extension", "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT
                                  ", \"reason\": \"r\"}", id,
                                  run->now + g_rand_int_range (run->rand, 3600, 9 * 86400) * G_GINT64_CONSTANT (1000));
      break;
    case WG_CMD_INCIDENT_DECLINE_EXTENSION:
      command = fixture_commandf ("incident.decline_extension", "{\"incident\": \"%s\", \"reason\": \"r\"}", id);
      break;
    case WG_CMD_INCIDENT_SUPERVISE:
      command = fixture_commandf ("incident.supervise", "{\"incident\": \"%s\", \"level\": \"%s\", \"remark\": \"r\"}",
                                  id, g_rand_boolean (run->rand) ? "urge" : "supervise");
      break;
    case WG_CMD_INCIDENT_ANSWER_SUPERVISION:
      command = fixture_commandf ("incident.answer_supervision", "{\"incident\": \"%s\", \"text\": \"t\"}", id);
      break;
    case WG_CMD_INCIDENT_CALL_BACK:
      {
        static const char *answers[] = { "satisfied", "basically_satisfied", "unsatisfied" };
        command = fixture_commandf ("incident.call_back", "{\"incident\": \"%s\", \"satisfaction\": \"%s\","
                                    " \"remark\": \"r\"}", id, answers[g_rand_int_range (run->rand, 0, 3)]);
      }
      break;
    case WG_CMD_INCIDENT_MERGE:
      command = fixture_commandf ("incident.merge", "{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"r\"}",
                                  id, pick (run, run->incidents));
      break;
    case WG_CMD_INCIDENT_DOWNGRADE:
      command = fixture_commandf ("incident.downgrade", "{\"incident\": \"%s\", \"to\": \"%s\", \"reason\": \"r\","
                                  " \"false_alarm\": true}", id, g_rand_boolean (run->rand) ? "general" : "professional");
      break;
    case WG_CMD_INCIDENT_FEEDBACK:
      command = fixture_commandf ("incident.feedback", "{\"incident\": \"%s\", \"result\": \"r\"}", id);
      break;
    case WG_CMD_INCIDENT_VERIFY:
      command = fixture_commandf ("incident.verify", "{\"incident\": \"%s\", \"passed\": %s}", id,
                                  g_rand_int_range (run->rand, 0, 3) ? "true" : "false");
      break;
    case WG_CMD_INCIDENT_EXTEND:
      command = fixture_commandf ("incident.extend", "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT
                                  ", \"reason\": \"r\"}", id,
                                  run->now + g_rand_int_range (run->rand, 3600, 3 * 86400) * G_GINT64_CONSTANT (1000));
      break;
    case WG_CMD_INCIDENT_RESOLVE:
      command = fixture_commandf ("incident.resolve", "{\"incident\": \"%s\", \"summary\": \"s\"}", id);
      break;
    case WG_CMD_INCIDENT_ESCALATE:
      command = fixture_commandf ("incident.escalate", "{\"incident\": \"%s\", \"level\": \"station\", \"reason\": \"r\"}", id);
      break;
    case WG_CMD_INCIDENT_NOTE:
      command = fixture_commandf ("incident.note", "{\"incident\": \"%s\", \"text\": \"t\"}", id);
      break;
    case WG_CMD_INCIDENT_ACCEPT:
    case WG_CMD_INCIDENT_CLOSE:
    case WG_CMD_ALARM_ACKNOWLEDGE:
      command = fixture_commandf (wg_command_type_to_string (type), "{\"incident\": \"%s\"}", id);
      break;
    case WG_CMD_DISPATCH_ASSIGN:
      {
        guint a = g_rand_int_range (run->rand, 0, N_UNITS);
        guint b = g_rand_int_range (run->rand, 0, N_UNITS);
        if (a == b)
          command = fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u%u\"]}", id, a);
        else
          command = fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u%u\", \"u%u\"]}",
                                      id, a, b);
      }
      break;
    case WG_CMD_INCIDENT_REJECT:
    case WG_CMD_INCIDENT_SUSPEND:
    case WG_CMD_INCIDENT_RESUME:
    case WG_CMD_INCIDENT_UPGRADE:
    case WG_CMD_INCIDENT_CANCEL:
      command = fixture_commandf (wg_command_type_to_string (type), "{\"incident\": \"%s\", \"reason\": \"r\"}", id);
      break;
    default:
      g_assert_not_reached ();
    }
  execute (run, command, actor);
}

static void
random_assignment_command (Run *run)
{
  static const char *const next[] = {
    [WG_ASSIGNMENT_NOTIFIED] = "assignment.acknowledge",
    [WG_ASSIGNMENT_ACKNOWLEDGED] = "assignment.en_route",
    [WG_ASSIGNMENT_EN_ROUTE] = "assignment.on_scene",
    [WG_ASSIGNMENT_ON_SCENE] = "assignment.clear",
  };
  const char *id = pick (run, run->assignments);
  g_auto(WgAssignmentRecord) assignment = { 0 };
  g_autoptr(GError) error = NULL;

  if (id == NULL || !wg_store_get_assignment (run->f.store, id, &assignment, &error) ||
      !wg_assignment_state_is_open (assignment.state))
    {
      g_assert_no_error (error);
      random_incident_command (run);
      return;
    }
  if (g_rand_int_range (run->rand, 0, 8) == 0)
    execute (run, fixture_commandf ("assignment.cancel", "{\"assignment\": \"%s\", \"reason\": \"r\"}", id),
             run->leader);
  else
    {
      /* Sent by the unit's own account. */
      g_autofree char *account = g_strdup_printf ("acct-%s", assignment.unit);
      g_autoptr(WgActor) unit = wg_actor_new (account, WG_ROLE_GRID_WORKER, "g17", NULL, NULL);
      execute (run, fixture_commandf (next[assignment.state], "{\"assignment\": \"%s\"}", id), unit);
    }
}

static void
random_step (Run *run)
{
  guint dice = g_rand_int_range (run->rand, 0, 100);
  g_autoptr(GError) error = NULL;

  if (dice < 12)
    random_report (run);
  else if (dice < 50)
    random_incident_command (run);
  else if (dice < 80)
    random_assignment_command (run);
  else if (dice < 88)
    {
      static const char *statuses[] = { "available", "available", "busy", "off_duty" };
      execute (run, fixture_commandf ("unit.status", "{\"unit\": \"u%d\", \"status\": \"%s\"}",
                                      g_rand_int_range (run->rand, 0, N_UNITS),
                                      statuses[g_rand_int_range (run->rand, 0, 4)]), run->leader);
    }
  else if (dice < 90)
    execute (run, fixture_commandf ("roster.handover", "{\"to\": \"leader-%d\"}", g_rand_int_range (run->rand, 0, 3)),
             run->leader);
  else
    {
      g_autoptr(GPtrArray) events = NULL;
      g_assert_true (wg_store_run_timers (run->f.store, run->now, &events, &error));
      g_assert_no_error (error);
    }
}

static void
check_seed (guint32 seed,
            guint   n_steps,
            guint   checkpoint_interval)
{
  Run run = { 0 };
  g_autoptr(GPtrArray) snapshots = g_ptr_array_new_with_free_func (snapshot_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *incremental = NULL, *rebuilt = NULL, *cached = NULL;
  g_autofree char *cache_path = NULL, *scratch_path = NULL;
  g_autoptr(WgStore) cache = NULL;
  gint64 start, after = 0;

  fixture_set_up (&run.f, NULL);
  run.rand = g_rand_new_with_seed (seed);
  run.incidents = g_ptr_array_new_with_free_func (g_free);
  run.assignments = g_ptr_array_new_with_free_func (g_free);
  run.leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  run.now = start = FIXTURE_T0;
  wg_store_set_checkpoint_interval (run.f.store, checkpoint_interval);
  wg_rules_set_escalation_interval (run.f.rules, 5 * 60000);

  for (guint u = 0; u < N_UNITS; u++)
    {
      g_autofree char *id = g_strdup_printf ("u%u", u);
      g_autofree char *account = g_strdup_printf ("acct-u%u", u);
      g_assert_true (wg_store_register_unit (run.f.store, id, "police", id, "g17", account, &error));
    }

  /* One transaction for the run (each command in a savepoint): fast, and
   * the group-commit path is exercised too. */
  g_assert_true (wg_store_begin (run.f.store, &error));
  for (guint i = 0; i < n_steps; i++)
    {
      Snapshot *snapshot;

      run.now += g_rand_int_range (run.rand, 1, 20 * 60) * 1000;
      random_step (&run);
      snapshot = g_new0 (Snapshot, 1);
      snapshot->t = run.now;
      snapshot->dump = wg_store_dump_state (run.f.store, &error);
      g_assert_no_error (error);
      g_ptr_array_add (snapshots, snapshot);
    }
  g_assert_true (wg_store_commit (run.f.store, &error));

  g_test_message ("seed %u: %u accepted, %u refused, head %" G_GINT64_FORMAT ", %u checkpoints",
                  seed, run.accepted, run.refused, wg_store_head (run.f.store),
                  wg_store_count_checkpoints (run.f.store));
  /* Mostly legal commands: the sequence really moves things. */
  g_assert_cmpuint (run.accepted, >, run.refused * 2);
  g_assert_cmpuint (run.incidents->len, >, 10);
  if (checkpoint_interval > 0)
    g_assert_cmpuint (wg_store_count_checkpoints (run.f.store), >=, 3);

  incremental = wg_store_dump_state (run.f.store, &error);
  g_assert_no_error (error);

  /* 1. Rebuilt from scratch. */
  g_assert_true (wg_store_rebuild (run.f.store, &error));
  rebuilt = wg_store_dump_state (run.f.store, &error);
  g_assert_cmpstr (incremental, ==, rebuilt);

  /* 2. A console cache fed pages of the journal. */
  cache_path = g_build_filename (run.f.dir, "cache.db", NULL);
  cache = wg_store_open (cache_path, &error);
  g_assert_no_error (error);
  for (guint u = 0; u < N_UNITS; u++)
    {
      g_autofree char *id = g_strdup_printf ("u%u", u);
      g_autofree char *account = g_strdup_printf ("acct-u%u", u);
      g_assert_true (wg_store_register_unit (cache, id, "police", id, "g17", account, &error));
    }
  for (;;)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (run.f.store, after, 97, &error);
      g_assert_no_error (error);
      if (page->len == 0)
        break;
      g_assert_true (wg_store_apply_events (cache, page, &error));
      after = ((WgEvent *) page->pdata[page->len - 1])->seq;
    }
  cached = wg_store_dump_state (cache, &error);
  g_assert_cmpstr (incremental, ==, cached);

  /* 3. At random moments, from checkpoints. */
  scratch_path = g_build_filename (run.f.dir, "scratch.db", NULL);
  for (guint k = 0; k < MOMENTS; k++)
    {
      gint64 t = start + g_rand_double_range (run.rand, 0, run.now - start + 1);
      g_autoptr(WgStore) scratch = NULL;
      g_autofree char *at = NULL;
      const char *want = NULL;

      if (k == 0)
        t = run.now;
      /* The state after the last step at or before t. */
      for (guint i = 0; i < snapshots->len; i++)
        {
          Snapshot *s = snapshots->pdata[i];
          if (s->t <= t)
            want = s->dump;
        }
      if (want == NULL)
        continue;
      scratch = wg_store_state_at (run.f.store, t, scratch_path, &error);
      g_assert_no_error (error);
      at = wg_store_dump_state (scratch, &error);
      if (g_strcmp0 (at, want) != 0)
        g_error ("seed %u: state at %" G_GINT64_FORMAT " differs:\n--- got\n%s\n--- want\n%s", seed, t, at, want);
    }

  g_rand_free (run.rand);
  g_ptr_array_unref (run.incidents);
  g_ptr_array_unref (run.assignments);
  wg_actor_free (run.leader);
  g_clear_pointer (&cache, wg_store_unref);
  fixture_tear_down (&run.f, NULL);
}

static void
test_random_sequences (void)
{
  guint32 seed = g_test_rand_int ();

  /* Fixed seeds, and one from GTest's (reported with --seed to replay). */
  check_seed (1, STEPS (400), 37);
  check_seed (20261128, STEPS (400), 50);
  check_seed (seed, STEPS (300), 29);
}

static void
test_without_checkpoints (void)
{
  check_seed (7, STEPS (200), 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/projection/random-sequences", test_random_sequences);
  g_test_add_func ("/projection/without-checkpoints", test_without_checkpoints);
  return g_test_run ();
}
