/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The command matrix of protocol.md, case by case: every command on an
 * incident in every reachable (grade, state), sent by every kind of actor
 * (role x scope).  The expectations below are written from protocol.md
 * independently of wg-decide.c's table: a legal case must give exactly the
 * listed events, an illegal one the listed error code and no events.
 */
#include "config.h"

#include "engine-fixture.h"
#include "tests/common/test-sanitizer.h"

/* Under AddressSanitizer (CI's LeakSanitizer stage, where the incident
 * matrix is most of this test's time) every other (command, grade, state)
 * of it: each command, grade, state and actor still meets the same code
 * paths; the native stage runs the whole matrix. */
#define MATRIX_STRIDE TEST_SAMPLE (1, 2)

/* Actors: key, role, grid, department, unit.  "Gown" works in the
 * incident's grid (g17), "Pown" is the department the builder routes to
 * (cgj).  For assignments, "Uown-G"/"Uown-P" are the unit's own account. */
typedef struct {
  const char *key;
  WgRole      role;
  const char *grid;
  const char *department;
} ActorSpec;

static const ActorSpec actor_specs[] = {
  { "A", WG_ROLE_ADMIN, NULL, NULL },
  { "L", WG_ROLE_DUTY_LEADER, NULL, NULL },
  { "D", WG_ROLE_DISPATCHER, NULL, NULL },
  { "T", WG_ROLE_TRAINER, NULL, NULL },
  { "W", WG_ROLE_WALL, NULL, NULL },
  { "Gown", WG_ROLE_GRID_WORKER, "g17", NULL },
  { "Gother", WG_ROLE_GRID_WORKER, "g05", NULL },
  { "Pown", WG_ROLE_DEPARTMENT, NULL, "cgj" },
  { "Pother", WG_ROLE_DEPARTMENT, NULL, "police" },
};

#define PRO_ALL "reported routed accepted rejected feedback_given verified rejection_pending"
#define EM_FOLLOW "routed accepted rejected feedback_given verified rejection_pending"
#define OPEN_G "reported"
/* A professional case is resolved when mediated in the grid. */
#define OPEN_P PRO_ALL " resolved suspended"
#define OPEN_E "reported dispatched on_scene resolved " EM_FOLLOW " suspended"
#define ALL_G "reported closed cancelled merged"
#define ALL_P OPEN_P " closed cancelled merged"
#define ALL_E OPEN_E " closed cancelled merged"
#define WITH_DEPT "routed accepted rejection_pending"

/* protocol.md's table, for commands on incidents. */
typedef struct {
  const char *command;
  const char *who;          /* actor keys allowed */
  const char *legal[WG_N_GRADES];
  const char *events;       /* when legal (see expected_events ()) */
} IncidentCase;

static const IncidentCase incident_cases[] = {
  { "incident.handle_on_spot", "Gown D L", { "reported", "", "" },
    "incident.handled_on_spot incident.closed" },
  /* 转派 of a general event, 改派 while not accepted (to another
   * department: valid_command () routes to sfs). */
  { "incident.route", "D L", { "reported", "reported rejected routed", "resolved rejected routed" },
    "incident.routed" },
  { "incident.accept", "Pown", { "", "routed", "routed" }, "incident.accepted" },
  { "incident.reject", "Pown", { "", "routed", "routed" }, "incident.rejection_requested" },
  { "incident.feedback", "Pown", { "", "accepted", "accepted" }, "incident.feedback_given" },
  { "incident.verify", "Gown D L", { "", "feedback_given", "feedback_given" }, "incident.verified" },
  { "incident.extend", "D L", { "", PRO_ALL, "reported dispatched on_scene " EM_FOLLOW }, "incident.extended" },
  { "incident.suspend", "L", { "", PRO_ALL, EM_FOLLOW }, "incident.suspended" },
  { "incident.resume", "L", { "", "suspended", "suspended" }, "incident.resumed" },
  { "incident.resolve", "D L", { "", "", "dispatched on_scene" }, "incident.resolved" },
  { "incident.close", "D L", { "", "verified resolved", "resolved verified" }, "incident.closed" },
  { "incident.upgrade", "Gown D L", { "reported", PRO_ALL, "" }, "incident.upgraded alarm.raised" },
  { "incident.escalate", "Gown D L", { OPEN_G, OPEN_P, OPEN_E }, "incident.escalated" },
  { "incident.cancel", "D L", { OPEN_G, OPEN_P, OPEN_E }, "incident.cancelled" },
  { "incident.note", "A L D Gown Pown", { ALL_G, ALL_P, ALL_E }, "incident.noted" },
  /* The alarm flag is separate from the state: raised on every emergency
   * the builder makes, never on the others. */
  { "alarm.acknowledge", "L", { "", "", ALL_E }, "alarm.acknowledged" },
  { "dispatch.assign", "D L", { "", "", "reported dispatched on_scene" }, "assignment.created" },
  /* The full work-order cycle.  mediate, decline_extension and
   * answer_supervision also need what the builder never makes (a category
   * mediated first, a request or notice waiting): the matrix expects
   * illegal-transition for them where the table allows them (see
   * waits_for_more ()); test-decide-cycle.c covers them. */
  { "incident.mediate", "Gown D L", { "", "reported", "" }, "incident.mediated" },
  { "incident.review_rejection", "D L", { "", "rejection_pending", "rejection_pending" }, "incident.rejected" },
  { "incident.request_extension", "Pown", { "", "routed accepted", "routed accepted" },
    "incident.extension_requested" },
  { "incident.decline_extension", "D L", { "", OPEN_P, EM_FOLLOW " suspended" }, "incident.extension_declined" },
  { "incident.supervise", "D L", { "", WITH_DEPT, WITH_DEPT }, "incident.supervised" },
  { "incident.answer_supervision", "Pown", { "", OPEN_P, OPEN_E }, "incident.supervision_answered" },
  { "incident.call_back", "D L", { "", "verified resolved", "verified resolved" }, "incident.called_back" },
  { "incident.merge", "D L", { OPEN_G, OPEN_P, OPEN_E }, "incident.merged" },
  { "incident.downgrade", "L", { "", "", "reported dispatched on_scene resolved" }, "incident.downgraded" },
};

static gboolean
word_in (const char *word,
         const char *list)
{
  g_auto(GStrv) words = g_strsplit (list, " ", -1);
  return g_strv_contains ((const char *const *) words, word);
}

static gboolean
waits_for_more (const char *command)
{
  return g_str_equal (command, "incident.mediate") || g_str_equal (command, "incident.decline_extension") ||
         g_str_equal (command, "incident.answer_supervision");
}

/* ------------------------------------------------------------ builder */

typedef struct {
  char    *id;
  gboolean routed_to_cgj;     /* department = cgj */
  guint    open_assignments;
} Built;

typedef struct {
  Fixture  f;
  gint64   now;
  WgActor *leader;
  WgActor *dept;
  guint    n_cases;
} Matrix;

static gint64
tick (Matrix *m)
{
  return m->now += 1000;
}

static void
run (Matrix     *m,
     WgCommand  *command,
     WgActor    *actor)
{
  fixture_run_ok (&m->f, command, actor, tick (m));
}

static char *
new_unit (Matrix     *m,
          const char *prefix)
{
  g_autoptr(GError) error = NULL;
  char *unit = g_strdup_printf ("%s-%u", prefix, ++m->f.serial);
  g_autofree char *account = g_strdup_printf ("acct-%s", unit);

  wg_store_register_unit (m->f.store, unit, "police", unit, "g17", account, &error);
  g_assert_no_error (error);
  return unit;
}

static char *
assignment_of (Matrix     *m,
               const char *incident)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) open = wg_store_get_reader (m->f.store)->funcs->open_assignments_of_incident (
    m->f.store, incident, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (open->len, >=, 1);
  return g_strdup (((WgAssignmentRecord *) open->pdata[0])->id);
}

static void
build (Matrix          *m,
       WgGrade          grade,
       WgIncidentState  state,
       Built           *out)
{
  static const char *categories[] = { "fire_lane", "structure", "fire" };
  /* A professional case is resolved by mediation in the grid only. */
  gboolean mediated = grade == WG_GRADE_PROFESSIONAL && state == WG_STATE_RESOLVED;
  g_autoptr(WgCommand) report = fixture_commandf ("incident.report",
    "{\"grade\": \"%s\", \"category\": \"%s\", \"location\": {\"lat\": 23.2, \"lon\": 113.25},"
    " \"summary\": \"test\"}", wg_grade_to_string (grade), mediated ? "neighbour_dispute" : categories[grade]);
  g_autoptr(GPtrArray) events = fixture_run (&m->f, report, m->leader, tick (m));
  const char *id = ((WgEvent *) events->pdata[0])->subject;
  g_autofree char *unit = NULL;
  g_autofree char *assignment = NULL;
  WgIncidentState path = state;

  out->id = g_strdup (id);
  out->routed_to_cgj = FALSE;
  out->open_assignments = 0;

  if (state == WG_STATE_REPORTED)
    return;
  if (state == WG_STATE_MERGED)
    {
      g_autoptr(WgCommand) other = fixture_commandf ("incident.report",
        "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.2, \"lon\": 113.25},"
        " \"summary\": \"the first report\"}");
      g_autoptr(GPtrArray) first = fixture_run (&m->f, other, m->leader, tick (m));

      run (m, fixture_commandf ("incident.merge", "{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"dup\"}",
                                id, ((WgEvent *) first->pdata[0])->subject), m->leader);
      return;
    }
  if (mediated)
    {
      run (m, fixture_commandf ("incident.mediate", "{\"incident\": \"%s\", \"outcome\": \"mediated\","
                                " \"remark\": \"agreed\"}", id), m->leader);
      return;
    }
  if (state == WG_STATE_CANCELLED)
    {
      run (m, fixture_commandf ("incident.cancel", "{\"incident\": \"%s\", \"reason\": \"dup\"}", id), m->leader);
      return;
    }
  if (grade == WG_GRADE_GENERAL)
    {
      g_assert (state == WG_STATE_CLOSED);
      run (m, fixture_commandf ("incident.handle_on_spot", "{\"incident\": \"%s\", \"resolution\": \"ok\"}", id),
           m->leader);
      return;
    }

  if (grade == WG_GRADE_EMERGENCY)
    {
      unit = new_unit (m, "b");
      run (m, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"%s\"]}", id, unit),
           m->leader);
      out->open_assignments = 1;
      if (state == WG_STATE_DISPATCHED)
        return;
      assignment = assignment_of (m, id);
      run (m, fixture_commandf ("assignment.acknowledge", "{\"assignment\": \"%s\"}", assignment), m->leader);
      run (m, fixture_commandf ("assignment.en_route", "{\"assignment\": \"%s\"}", assignment), m->leader);
      run (m, fixture_commandf ("assignment.on_scene", "{\"assignment\": \"%s\"}", assignment), m->leader);
      if (state == WG_STATE_ON_SCENE)
        return;
      run (m, fixture_commandf ("incident.resolve", "{\"incident\": \"%s\", \"summary\": \"out\"}", id), m->leader);
      if (state == WG_STATE_RESOLVED)
        return;
      if (state == WG_STATE_CLOSED)
        {
          run (m, fixture_commandf ("incident.close", "{\"incident\": \"%s\"}", id), m->leader);
          out->open_assignments = 0;
          return;
        }
    }

  /* The professional flow (also an emergency's follow-up). */
  if (state == WG_STATE_SUSPENDED)
    path = WG_STATE_ROUTED;
  if (state == WG_STATE_CLOSED)
    path = WG_STATE_VERIFIED;

  run (m, fixture_commandf ("incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id), m->leader);
  out->routed_to_cgj = TRUE;
  if (path == WG_STATE_REJECTED || path == WG_STATE_REJECTION_PENDING)
    {
      run (m, fixture_commandf ("incident.reject", "{\"incident\": \"%s\", \"reason\": \"no\"}", id), m->dept);
      if (path == WG_STATE_REJECTED)
        run (m, fixture_commandf ("incident.review_rejection", "{\"incident\": \"%s\", \"approve\": true}", id),
             m->leader);
      return;
    }
  if (path != WG_STATE_ROUTED)
    {
      run (m, fixture_commandf ("incident.accept", "{\"incident\": \"%s\"}", id), m->dept);
      if (path != WG_STATE_ACCEPTED)
        {
          run (m, fixture_commandf ("incident.feedback", "{\"incident\": \"%s\", \"result\": \"done\"}", id),
               m->dept);
          if (path != WG_STATE_FEEDBACK_GIVEN)
            run (m, fixture_commandf ("incident.verify", "{\"incident\": \"%s\", \"passed\": true}", id),
                 m->leader);
        }
    }
  if (state == WG_STATE_SUSPENDED)
    run (m, fixture_commandf ("incident.suspend", "{\"incident\": \"%s\", \"reason\": \"wait\"}", id), m->leader);
  if (state == WG_STATE_CLOSED)
    run (m, fixture_commandf ("incident.close", "{\"incident\": \"%s\"}", id), m->leader);
}

static WgCommand *
valid_command (Matrix     *m,
               const char *type,
               const char *id)
{
  if (g_str_equal (type, "incident.handle_on_spot"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"resolution\": \"moved the bikes\"}", id);
  if (g_str_equal (type, "incident.route"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"department\": \"sfs\"}", id);
  if (g_str_equal (type, "incident.mediate"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"outcome\": \"mediated\", \"remark\": \"agreed\"}", id);
  if (g_str_equal (type, "incident.review_rejection"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"approve\": true}", id);
  if (g_str_equal (type, "incident.request_extension"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"r\"}",
                             id, m->now + G_GINT64_CONSTANT (100) * 86400000);
  if (g_str_equal (type, "incident.supervise"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"level\": \"urge\", \"remark\": \"late\"}", id);
  if (g_str_equal (type, "incident.answer_supervision"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"text\": \"on it\"}", id);
  if (g_str_equal (type, "incident.call_back"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"satisfaction\": \"satisfied\", \"remark\": \"ok\"}",
                             id);
  if (g_str_equal (type, "incident.merge"))
    {
      g_autoptr(WgCommand) other = fixture_commandf ("incident.report",
        "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.2, \"lon\": 113.25},"
        " \"summary\": \"the first report\"}");
      g_autoptr(GPtrArray) first = fixture_run (&m->f, other, m->leader, tick (m));

      return fixture_commandf (type, "{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"same\"}", id,
                               ((WgEvent *) first->pdata[0])->subject);
    }
  if (g_str_equal (type, "incident.downgrade"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"to\": \"professional\", \"reason\": \"r\"}", id);
  if (g_str_equal (type, "incident.accept") || g_str_equal (type, "incident.close") ||
      g_str_equal (type, "alarm.acknowledge"))
    return fixture_commandf (type, "{\"incident\": \"%s\"}", id);
  if (g_str_equal (type, "incident.feedback"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"result\": \"removed\", \"outcome\": \"resolved\"}", id);
  if (g_str_equal (type, "incident.verify"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"passed\": true}", id);
  if (g_str_equal (type, "incident.extend"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"r\"}",
                             id, m->now + G_GINT64_CONSTANT (100) * 86400000);
  if (g_str_equal (type, "incident.resolve"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"summary\": \"fire out\"}", id);
  if (g_str_equal (type, "incident.escalate"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"level\": \"centre\", \"reason\": \"big\"}", id);
  if (g_str_equal (type, "incident.note"))
    return fixture_commandf (type, "{\"incident\": \"%s\", \"text\": \"called back\"}", id);
  if (g_str_equal (type, "dispatch.assign"))
    {
      g_autofree char *unit = new_unit (m, "x");
      return fixture_commandf (type, "{\"incident\": \"%s\", \"units\": [\"%s\"]}", id, unit);
    }
  /* reject, suspend, resume, upgrade, cancel */
  return fixture_commandf (type, "{\"incident\": \"%s\", \"reason\": \"because\"}", id);
}

static char *
expected_events (const IncidentCase *c,
                 WgGrade             grade,
                 WgIncidentState     state,
                 const Built        *built)
{
  GString *s = g_string_new (NULL);

  if (g_str_equal (c->command, "incident.close") || g_str_equal (c->command, "incident.cancel") ||
      g_str_equal (c->command, "incident.merge") || g_str_equal (c->command, "incident.downgrade"))
    for (guint i = 0; i < built->open_assignments; i++)
      g_string_append (s, "assignment.cancelled ");
  /* 转派: a general event becomes professional first. */
  if (g_str_equal (c->command, "incident.route") && grade == WG_GRADE_GENERAL)
    g_string_append (s, "incident.regraded ");
  g_string_append (s, c->events);
  if (g_str_equal (c->command, "dispatch.assign") && state == WG_STATE_REPORTED)
    g_string_append (s, " incident.dispatched");
  return g_string_free (s, FALSE);
}

static const struct {
  WgGrade grade;
  const char *states;
} reachable[] = {
  { WG_GRADE_GENERAL, ALL_G },
  { WG_GRADE_PROFESSIONAL, ALL_P },
  { WG_GRADE_EMERGENCY, ALL_E },
};

static void
check_case (Matrix            *m,
            WgCommand         *command,
            const ActorSpec   *spec,
            const char        *username,
            const char        *unit,
            gboolean           allowed,
            gboolean           legal,
            const char        *want_events,
            const char        *label)
{
  g_autoptr(WgActor) actor = wg_actor_new (username, spec->role, spec->grid, spec->department, unit);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) got = g_string_new (NULL);
  gint64 head = wg_store_head (m->f.store);
  gboolean ok;

  ok = wg_store_execute_command (m->f.store, command, actor, tick (m), &events, NULL, &error);
  m->n_cases++;

  if (!allowed || !legal)
    {
      WgErrorCode want = !allowed ? WG_ERROR_FORBIDDEN : WG_ERROR_ILLEGAL_TRANSITION;
      if (ok || !g_error_matches (error, WG_ERROR, want))
        g_error ("%s: expected %s, got %s", label, wg_error_code_to_slug (want),
                 ok ? fixture_event_types (events, got) : error->message);
      g_assert_null (events);
      g_assert_cmpint (wg_store_head (m->f.store), ==, head);
    }
  else
    {
      if (!ok)
        g_error ("%s: expected %s, got %s", label, want_events, error->message);
      fixture_event_types (events, got);
      if (!g_str_equal (got->str, want_events))
        g_error ("%s: expected [%s], got [%s]", label, want_events, got->str);
      for (guint i = 0; i < events->len; i++)
        {
          WgEvent *event = events->pdata[i];
          g_assert_cmpstr (event->command, ==, wg_command_get_id (command));
          g_assert_cmpstr (event->actor, ==, username);
          g_assert_cmpint (event->seq, ==, head + 1 + i);
        }
    }
}

static void
matrix_set_up (Matrix *m)
{
  fixture_set_up (&m->f, NULL);
  m->now = FIXTURE_T0;
  m->leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  m->dept = wg_actor_new ("dept-cgj", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  /* One transaction for the whole matrix: each command in a savepoint. */
  wg_store_set_checkpoint_interval (m->f.store, 0);
  g_assert_true (wg_store_begin (m->f.store, NULL));
}

static void
matrix_tear_down (Matrix *m)
{
  wg_store_rollback (m->f.store);
  wg_actor_free (m->leader);
  wg_actor_free (m->dept);
  fixture_tear_down (&m->f, NULL);
}

/* The matrix's commands in two halves: under the sanitizers it is the
 * longest unit test, and two halves run on two cores. */
typedef struct
{
  guint first;
  guint end;
} CaseRange;

static void
test_incident_matrix (gconstpointer data)
{
  const CaseRange *range = data;
  Matrix m = { 0 };
  guint n_states = 0, n_sampled = 0;

  matrix_set_up (&m);

  for (guint c = range->first; c < range->end; c++)
    {
      const IncidentCase *ic = &incident_cases[c];

      for (guint g = 0; g < G_N_ELEMENTS (reachable); g++)
        {
          g_auto(GStrv) states = g_strsplit (reachable[g].states, " ", -1);

          for (guint s = 0; states[s] != NULL; s++)
            {
              WgIncidentState state;

              g_assert_true (wg_incident_state_from_string (states[s], &state));
              n_states++;
              if ((c + g + s) % MATRIX_STRIDE != 0)
                continue;
              n_sampled++;

              /* The refusals first, all on one built incident (a refusal
               * writes nothing: check_case checks the head), then the first
               * acceptance on it too and each further one on an incident of
               * its own.  Building is most of the matrix's time, and CI runs
               * it under the sanitizers. */
              Built shared = { 0 };
              gboolean shared_used = FALSE;

              build (&m, reachable[g].grade, state, &shared);
              for (guint pass = 0; pass < 2; pass++)
                for (guint a = 0; a < G_N_ELEMENTS (actor_specs); a++)
                  {
                    const ActorSpec *spec = &actor_specs[a];
                    Built fresh = { 0 };
                    Built *built = &shared;
                    g_autoptr(WgCommand) command = NULL;
                    g_autofree char *label = NULL;
                    g_autofree char *want = NULL;
                    g_autofree char *username = g_strdup_printf ("user-%s", spec->key);
                    gboolean allowed, legal;

                    /* The same grade and state build the same way. */
                    allowed = word_in (spec->key, ic->who) &&
                              (!g_str_equal (spec->key, "Pown") || shared.routed_to_cgj);
                    legal = word_in (states[s], ic->legal[reachable[g].grade]) && !waits_for_more (ic->command);
                    if ((pass == 1) != (allowed && legal))
                      continue;
                    if (pass == 1 && shared_used)
                      {
                        build (&m, reachable[g].grade, state, &fresh);
                        built = &fresh;
                      }
                    shared_used = pass == 1;
                    command = valid_command (&m, ic->command, built->id);
                    want = expected_events (ic, reachable[g].grade, state, built);
                    label = g_strdup_printf ("%s on %s/%s by %s", ic->command,
                                             wg_grade_to_string (reachable[g].grade), states[s], spec->key);
                    check_case (&m, command, spec, username, NULL, allowed, legal, want, label);
                    g_free (fresh.id);
                  }
              g_free (shared.id);
            }
        }
    }

  g_test_message ("%u incident cases", m.n_cases);
  g_assert_cmpuint (n_states, ==, (range->end - range->first) * 30);
  g_assert_cmpuint (n_sampled, >=, n_states / MATRIX_STRIDE);
  g_assert_cmpuint (m.n_cases, ==, n_sampled * G_N_ELEMENTS (actor_specs));
  matrix_tear_down (&m);
}

/* ------------------------------------------------------------ assignments */

static const struct {
  const char *command;
  const char *who;
  const char *legal;
  const char *events;
} assignment_cases[] = {
  { "assignment.acknowledge", "L D Uown-G Uown-P", "notified", "assignment.acknowledged" },
  { "assignment.en_route", "L D Uown-G Uown-P", "acknowledged", "assignment.en_route" },
  { "assignment.on_scene", "L D Uown-G Uown-P", "en_route", "assignment.on_scene incident.on_scene" },
  { "assignment.clear", "L D Uown-G Uown-P", "on_scene", "assignment.cleared" },
  { "assignment.cancel", "L D", "notified acknowledged en_route on_scene", "assignment.cancelled" },
};

static const ActorSpec unit_actor_specs[] = {
  { "A", WG_ROLE_ADMIN, NULL, NULL },
  { "L", WG_ROLE_DUTY_LEADER, NULL, NULL },
  { "D", WG_ROLE_DISPATCHER, NULL, NULL },
  { "T", WG_ROLE_TRAINER, NULL, NULL },
  { "W", WG_ROLE_WALL, NULL, NULL },
  { "Uown-G", WG_ROLE_GRID_WORKER, "g17", NULL },   /* by account name */
  { "Uown-P", WG_ROLE_DEPARTMENT, NULL, "police" }, /* by actor unit */
  { "G", WG_ROLE_GRID_WORKER, "g17", NULL },
  { "P", WG_ROLE_DEPARTMENT, NULL, "police" },
};

static void
test_assignment_matrix (void)
{
  static const char *const states[] = {
    "notified", "acknowledged", "en_route", "on_scene", "cleared", "cancelled",
  };
  static const char *const steps[] = {
    "assignment.acknowledge", "assignment.en_route", "assignment.on_scene", "assignment.clear",
  };
  Matrix m = { 0 };

  matrix_set_up (&m);

  for (guint c = 0; c < G_N_ELEMENTS (assignment_cases); c++)
    for (guint s = 0; s < G_N_ELEMENTS (states); s++)
      for (guint a = 0; a < G_N_ELEMENTS (unit_actor_specs); a++)
        {
          const ActorSpec *spec = &unit_actor_specs[a];
          Built built = { 0 };
          g_autofree char *unit = NULL, *assignment = NULL, *label = NULL, *username = NULL;
          g_autoptr(WgCommand) command = NULL;
          const char *actor_unit = NULL;
          gboolean allowed, legal;
          const char *want;

          build (&m, WG_GRADE_EMERGENCY, WG_STATE_REPORTED, &built);
          unit = new_unit (&m, "a");
          run (&m, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"%s\"]}",
                                     built.id, unit), m.leader);
          assignment = assignment_of (&m, built.id);
          if (g_str_equal (states[s], "cancelled"))
            run (&m, fixture_commandf ("assignment.cancel", "{\"assignment\": \"%s\", \"reason\": \"r\"}",
                                       assignment), m.leader);
          else
            for (guint i = 0; i < G_N_ELEMENTS (steps) && !g_str_equal (states[s], states[i]); i++)
              run (&m, fixture_commandf (steps[i], "{\"assignment\": \"%s\"}", assignment), m.leader);

          if (g_str_equal (assignment_cases[c].command, "assignment.cancel"))
            command = fixture_commandf ("assignment.cancel", "{\"assignment\": \"%s\", \"reason\": \"wrong unit\"}",
                                        assignment);
          else
            command = fixture_commandf (assignment_cases[c].command, "{\"assignment\": \"%s\"}", assignment);

          if (g_str_equal (spec->key, "Uown-G"))
            username = g_strdup_printf ("acct-%s", unit);
          else
            username = g_strdup_printf ("user-%s", spec->key);
          if (g_str_equal (spec->key, "Uown-P"))
            actor_unit = unit;

          allowed = word_in (spec->key, assignment_cases[c].who);
          legal = word_in (states[s], assignment_cases[c].legal);
          want = assignment_cases[c].events;
          label = g_strdup_printf ("%s on %s by %s", assignment_cases[c].command, states[s], spec->key);
          check_case (&m, command, spec, username, actor_unit, allowed, legal, want, label);
          g_free (built.id);
        }

  g_assert_cmpuint (m.n_cases, ==, G_N_ELEMENTS (assignment_cases) * 6 * G_N_ELEMENTS (unit_actor_specs));
  matrix_tear_down (&m);
}

/* Commands with no incident state: report, unit.status, roster.handover. */
static void
test_stateless_matrix (void)
{
  static const struct {
    const char *command;
    const char *who;
  } cases[] = {
    { "incident.report", "Gown D L" },
    { "unit.status", "L D Uown-G Uown-P" },
    { "roster.handover", "L" },
  };
  static const ActorSpec specs[] = {
    { "A", WG_ROLE_ADMIN, NULL, NULL },
    { "L", WG_ROLE_DUTY_LEADER, NULL, NULL },
    { "D", WG_ROLE_DISPATCHER, NULL, NULL },
    { "T", WG_ROLE_TRAINER, NULL, NULL },
    { "W", WG_ROLE_WALL, NULL, NULL },
    { "Gown", WG_ROLE_GRID_WORKER, "g17", NULL },
    { "Gother", WG_ROLE_GRID_WORKER, "g05", NULL },
    { "Uown-G", WG_ROLE_GRID_WORKER, "g05", NULL },
    { "Uown-P", WG_ROLE_DEPARTMENT, NULL, "police" },
    { "P", WG_ROLE_DEPARTMENT, NULL, "cgj" },
  };
  Matrix m = { 0 };

  matrix_set_up (&m);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (guint a = 0; a < G_N_ELEMENTS (specs); a++)
      {
        const ActorSpec *spec = &specs[a];
        g_autofree char *unit = new_unit (&m, "s");
        g_autofree char *username = NULL, *label = NULL;
        g_autoptr(WgCommand) command = NULL;
        const char *want = NULL;

        if (g_str_equal (cases[c].command, "incident.report"))
          {
            command = fixture_command ("incident.report",
              "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 23.2, \"lon\": 113.25},"
              " \"summary\": \"smoke on the 3rd floor\"}");
            want = "incident.reported alarm.raised";
          }
        else if (g_str_equal (cases[c].command, "unit.status"))
          {
            command = fixture_commandf ("unit.status", "{\"unit\": \"%s\", \"status\": \"off_duty\"}", unit);
            want = "unit.status_changed";
          }
        else
          {
            command = fixture_command ("roster.handover", "{\"to\": \"leader-2\"}");
            want = "roster.handed_over";
          }
        username = g_str_equal (spec->key, "Uown-G") ? g_strdup_printf ("acct-%s", unit)
                                                     : g_strdup_printf ("user-%s", spec->key);
        label = g_strdup_printf ("%s by %s", cases[c].command, spec->key);
        check_case (&m, command, spec, username, g_str_equal (spec->key, "Uown-P") ? unit : NULL,
                    word_in (spec->key, cases[c].who), TRUE, want, label);
      }

  matrix_tear_down (&m);
}

/* ------------------------------------------------------------ specifics */

static void
expect_refusal (Fixture       *f,
                WgCommand     *command,
                const WgActor *actor,
                gint64         now,
                WgErrorCode    code)
{
  g_autoptr(WgCommand) owned = command;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gint64 head = wg_store_head (f->store);

  g_assert_false (wg_store_execute_command (f->store, command, actor, now, &events, NULL, &error));
  if (!g_error_matches (error, WG_ERROR, code))
    g_error ("%s: expected %s, got %s", wg_command_get_type_name (command), wg_error_code_to_slug (code),
             error ? error->message : "nothing");
  g_assert_null (events);
  g_assert_cmpint (wg_store_head (f->store), ==, head);
}

static char *
report (Fixture       *f,
        const WgActor *actor,
        const char    *grade,
        const char    *category,
        gint64         now)
{
  g_autoptr(WgCommand) command = fixture_commandf ("incident.report",
    "{\"grade\": \"%s\", \"category\": \"%s\", \"location\": {\"lat\": 23.2, \"lon\": 113.25},"
    " \"summary\": \"s\"}", grade, category);
  g_autoptr(GPtrArray) events = fixture_run (f, command, actor, now);
  return g_strdup (((WgEvent *) events->pdata[0])->subject);
}

static void
test_invalid_fields (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgActor) dept = wg_actor_new ("dept-cgj", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  g_autofree char *id = report (f, leader, "professional", "structure", FIXTURE_T0);
  static const struct {
    const char *type;
    const char *body;
    gboolean    by_department;
  } cases[] = {
    { "incident.report", "{}" },
    { "incident.report", "{\"grade\": \"urgent\", \"category\": \"fire\", \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": \"s\"}" },
    { "incident.report", "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 91, \"lon\": 1}, \"summary\": \"s\"}" },
    { "incident.report", "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 1}, \"summary\": \"s\"}" },
    { "incident.report", "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": \"\"}" },
    { "incident.report", "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": 5}" },
    { "incident.report", "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": \"s\", \"handled_on_spot\": {\"resolution\": \"x\"}}" },
    { "incident.report", "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": \"s\", \"handled_on_spot\": {}}" },
    { "incident.report", "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": \"s\", \"caller\": \"x\"}" },
    { "incident.route", "{\"incident\": \"%s\"}" },
    { "incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\", \"deadline\": 5}" },
    { "incident.reject", "{\"incident\": \"%s\"}", TRUE },
    { "incident.feedback", "{\"incident\": \"%s\", \"result\": \"r\", \"outcome\": \"great\"}", TRUE },
    { "incident.verify", "{\"incident\": \"%s\", \"passed\": \"yes\"}" },
    { "incident.extend", "{\"incident\": \"%s\", \"reason\": \"r\"}" },
    { "incident.escalate", "{\"incident\": \"%s\", \"level\": \"province\", \"reason\": \"r\"}" },
    { "incident.note", "{\"incident\": \"%s\"}" },
    { "incident.cancel", "{\"incident\": 42, \"reason\": \"r\"}" },
    { "incident.note", "{\"incident\": \"%s\", \"text\": \"t\", \"attachments\": \"x\"}" },
    { "incident.note", "{\"incident\": \"%s\", \"text\": \"t\", \"attachments\": [\"photo.jpg\"]}" },
    { "incident.note", "{\"incident\": \"%s\", \"text\": \"t\", \"attachments\": [\"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a21\", \"B1946AC9-2D6E-4C1B-9F3A-5E8D7C6B4A21\"]}" },
    { "incident.note", "{\"incident\": \"%s\", \"text\": \"t\", \"attachments\": [\"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a20\", \"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a21\", \"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a22\", \"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a23\", \"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a24\", \"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a25\", \"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a26\", \"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a27\", \"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a28\"]}" },
    { "incident.verify", "{\"incident\": \"%s\", \"passed\": true, \"attachments\": [7]}" },
    { "incident.report", "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": \"s\", \"attachments\": [\"\"]}" },
    { "dispatch.assign", "{\"incident\": \"%s\", \"units\": []}" },
    { "dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\", \"u1\"]}" },
    { "dispatch.assign", "{\"incident\": \"%s\", \"units\": [3]}" },
    { "assignment.cancel", "{\"assignment\": \"a\"}" },
    { "unit.status", "{\"unit\": \"u1\", \"status\": \"sleeping\"}" },
    { "roster.handover", "{}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *body = NULL;
      g_auto(GStrv) parts = g_strsplit (cases[i].body, "%s", 2);

      body = g_strjoinv (id, parts);
      expect_refusal (f, fixture_command (cases[i].type, body), cases[i].by_department ? dept : leader,
                      FIXTURE_T0 + 1000, WG_ERROR_INVALID_FIELD);
    }

  expect_refusal (f, fixture_command ("incident.report",
                  "{\"grade\": \"general\", \"category\": \"moon\", \"location\": {\"lat\": 1, \"lon\": 1}, \"summary\": \"s\"}"),
                  leader, FIXTURE_T0 + 1000, WG_ERROR_UNKNOWN_CATEGORY);
  expect_refusal (f, fixture_command ("incident.note", "{\"incident\": \"nope\", \"text\": \"t\"}"),
                  leader, FIXTURE_T0 + 1000, WG_ERROR_UNKNOWN_INCIDENT);
  expect_refusal (f, fixture_command ("assignment.clear", "{\"assignment\": \"nope\"}"),
                  leader, FIXTURE_T0 + 1000, WG_ERROR_UNKNOWN_ASSIGNMENT);
  expect_refusal (f, fixture_command ("unit.status", "{\"unit\": \"nope\", \"status\": \"busy\"}"),
                  leader, FIXTURE_T0 + 1000, WG_ERROR_UNKNOWN_UNIT);
}

static void
test_dispatch_all_or_nothing (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autofree char *fire = NULL, *other = NULL;
  g_auto(WgUnitRecord) unit = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GString) types = g_string_new (NULL);
  g_autoptr(WgCommand) dispatch = NULL;

  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *id = g_strdup_printf ("u%u", i);
      g_assert_true (wg_store_register_unit (f->store, id, "police", id, "g17", NULL, &error));
    }
  fire = report (f, leader, "emergency", "fire", FIXTURE_T0);
  other = report (f, leader, "emergency", "fire", FIXTURE_T0 + 1);

  fixture_run_ok (f, fixture_command ("unit.status", "{\"unit\": \"u2\", \"status\": \"off_duty\"}"),
                  leader, FIXTURE_T0 + 2);
  fixture_run_ok (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u3\"]}", other),
                  leader, FIXTURE_T0 + 3);

  /* One off duty, one tied up elsewhere, one unknown: each refuses all. */
  expect_refusal (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\", \"u2\"]}", fire),
                  leader, FIXTURE_T0 + 4, WG_ERROR_UNIT_UNAVAILABLE);
  expect_refusal (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\", \"u3\"]}", fire),
                  leader, FIXTURE_T0 + 4, WG_ERROR_UNIT_UNAVAILABLE);
  expect_refusal (f, fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\", \"u9\"]}", fire),
                  leader, FIXTURE_T0 + 4, WG_ERROR_UNKNOWN_UNIT);
  g_assert_true (wg_store_get_unit (f->store, "u1", &unit, &error));
  g_assert_cmpuint (unit.open_assignments, ==, 0);

  /* Busy is not unavailable; dispatch does not wait for the alarm's
   * acknowledgement. */
  fixture_run_ok (f, fixture_command ("unit.status", "{\"unit\": \"u4\", \"status\": \"busy\"}"),
                  leader, FIXTURE_T0 + 5);
  dispatch = fixture_commandf ("dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"u1\", \"u4\"]}", fire);
  events = fixture_run (f, dispatch, leader, FIXTURE_T0 + 6);
  g_assert_cmpstr (fixture_event_types (events, types), ==,
                   "assignment.created incident.dispatched assignment.created");
}

static void
test_case_numbers (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  /* 2026-11-27 23:59:59 and 2026-11-28 00:00:00 in Asia/Shanghai. */
  const gint64 before_midnight = G_GINT64_CONSTANT (1795795199000);
  const gint64 midnight = G_GINT64_CONSTANT (1795795200000);
  const char *want[] = { "HL-20261127-0001", "HL-20261127-0002", "HL-20261128-0001", "HL-20261128-0002" };
  const gint64 when[] = { FIXTURE_T0, before_midnight, midnight, midnight + 5 };

  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_autofree char *id = report (f, leader, "general", "fire_lane", when[i]);
      g_auto(WgIncidentRecord) incident = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_true (wg_store_get_incident (f->store, id, &incident, &error));
      g_assert_cmpstr (incident.case_number, ==, want[i]);
    }
}

static gint64
deadline_of (Fixture    *f,
             const char *id,
             WgStep     *step)
{
  g_auto(WgIncidentRecord) incident = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (wg_store_get_incident (f->store, id, &incident, &error));
  *step = incident.step;
  return incident.deadline;
}

static void
test_deadlines (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  /* Friday 2026-11-27 16:50 +08:00. */
  const gint64 friday_1650 = G_GINT64_CONSTANT (1795769400000);
  /* Monday 2026-11-30 08:50 +08:00: 40 min on Friday, 20 on Monday. */
  const gint64 monday_0850 = G_GINT64_CONSTANT (1795999800000);
  g_autoptr(WgActor) dept = wg_actor_new ("dept-cgj", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  g_autofree char *pro = report (f, leader, "professional", "structure", friday_1650);
  g_autofree char *em = report (f, leader, "emergency", "fire", friday_1650);
  WgStep step;

  g_assert_cmpint (deadline_of (f, pro, &step), ==, monday_0850);
  g_assert_cmpint (step, ==, WG_STEP_ROUTE);
  /* Emergency steps count plain minutes, weekend or not. */
  g_assert_cmpint (deadline_of (f, em, &step), ==, friday_1650 + 2 * 60000);
  g_assert_cmpint (step, ==, WG_STEP_DISPATCH);

  /* An explicit routing deadline wins over the category's. */
  fixture_run_ok (f, fixture_commandf ("incident.route",
                  "{\"incident\": \"%s\", \"department\": \"cgj\", \"deadline\": %" G_GINT64_FORMAT "}",
                  pro, monday_0850 + 3600000), leader, friday_1650 + 1000);
  /* Acceptance (签收) has its own step first: 120 working minutes from
   * 16:50:01, 39:59 on Friday and 80:01 on Monday from 08:30. */
  g_assert_cmpint (deadline_of (f, pro, &step), ==, monday_0850 + 60 * 60000 + 1000);
  g_assert_cmpint (step, ==, WG_STEP_ACCEPT);
  fixture_run_ok (f, fixture_commandf ("incident.accept", "{\"incident\": \"%s\"}", pro), dept,
                  friday_1650 + 2000);
  g_assert_cmpint (deadline_of (f, pro, &step), ==, monday_0850 + 3600000);
  g_assert_cmpint (step, ==, WG_STEP_HANDLE);

  /* Suspended for the weekend, the step keeps its working time left. */
  fixture_run_ok (f, fixture_commandf ("incident.suspend", "{\"incident\": \"%s\", \"reason\": \"r\"}", pro),
                  leader, friday_1650 + 10 * 60000);  /* 17:00, 30 working min to Friday's end */
  fixture_run_ok (f, fixture_commandf ("incident.resume", "{\"incident\": \"%s\", \"reason\": \"r\"}", pro),
                  leader, monday_0850 + 10 * 60000);  /* Monday 09:00 */
  /* Left at suspension: 17:00-17:30 Fri (30) + 08:30-09:50 Mon (80) = 110 min,
   * from Monday 09:00: 10:50. */
  g_assert_cmpint (deadline_of (f, pro, &step), ==, monday_0850 + 120 * 60000);
  g_assert_cmpint (step, ==, WG_STEP_HANDLE);
}

static void
test_timers (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autofree char *id = report (f, leader, "emergency", "fire", FIXTURE_T0);
  g_autoptr(GString) types = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  struct {
    gint64 at;
    const char *events;
    const char *to;
  } steps[] = {
    { 59999, "", NULL },
    { 60000, "alarm.escalated", "leader-area1" },
    { 60001, "", NULL },
    { 120000, "alarm.escalated incident.overdue", "chief" },
    { 600000, "", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(GPtrArray) events = NULL;

      g_assert_true (wg_store_run_timers (f->store, FIXTURE_T0 + steps[i].at, &events, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (fixture_event_types (events, types), ==, steps[i].events);
      if (steps[i].to != NULL)
        {
          WgEvent *event = events->pdata[0];
          g_assert_cmpstr (json_object_get_string_member (event->body, "to"), ==, steps[i].to);
          g_assert_null (event->command);
          g_assert_null (event->actor);
        }
    }

  /* Acknowledged: no more escalation; dispatched: a new step, no overdue
   * until its own deadline. */
  fixture_run_ok (f, fixture_commandf ("alarm.acknowledge", "{\"incident\": \"%s\"}", id), leader,
                  FIXTURE_T0 + 700000);
  {
    g_autoptr(GPtrArray) events = NULL;
    g_assert_true (wg_store_run_timers (f->store, FIXTURE_T0 + 800000, &events, &error));
    g_assert_cmpuint (events->len, ==, 0);
  }
  /* Acknowledging twice is illegal. */
  expect_refusal (f, fixture_commandf ("alarm.acknowledge", "{\"incident\": \"%s\"}", id), leader,
                  FIXTURE_T0 + 800001, WG_ERROR_ILLEGAL_TRANSITION);
}

/* The queries the console uses to enable its actions agree with the
 * same expectations. */
static void
test_table_queries (void)
{
  static const struct {
    const char *key;
    WgRole role;
    WgScope scope;
  } who[] = {
    { "A", WG_ROLE_ADMIN, WG_SCOPE_NONE },
    { "L", WG_ROLE_DUTY_LEADER, WG_SCOPE_NONE },
    { "D", WG_ROLE_DISPATCHER, WG_SCOPE_NONE },
    { "T", WG_ROLE_TRAINER, WG_SCOPE_OWN_GRID | WG_SCOPE_OWN_DEPT | WG_SCOPE_OWN_UNIT },
    { "W", WG_ROLE_WALL, WG_SCOPE_OWN_GRID | WG_SCOPE_OWN_DEPT | WG_SCOPE_OWN_UNIT },
    { "Gown", WG_ROLE_GRID_WORKER, WG_SCOPE_OWN_GRID },
    { "Gother", WG_ROLE_GRID_WORKER, WG_SCOPE_NONE },
    { "Pown", WG_ROLE_DEPARTMENT, WG_SCOPE_OWN_DEPT },
    { "Pother", WG_ROLE_DEPARTMENT, WG_SCOPE_NONE },
  };

  for (guint c = 0; c < G_N_ELEMENTS (incident_cases); c++)
    {
      WgCommandType type;

      g_assert_true (wg_command_type_from_string (incident_cases[c].command, &type));
      for (guint a = 0; a < G_N_ELEMENTS (who); a++)
        if (wg_decide_role_may (type, who[a].role, who[a].scope) != word_in (who[a].key, incident_cases[c].who))
          g_error ("%s by %s", incident_cases[c].command, who[a].key);

      for (guint g = 0; g < WG_N_GRADES; g++)
        for (guint st = 0; st < WG_N_STATES; st++)
          {
            /* The builder raises an alarm on every emergency only. */
            WgAlarmState alarm = g == WG_GRADE_EMERGENCY ? WG_ALARM_RAISED : WG_ALARM_NONE;
            gboolean want = word_in (wg_incident_state_to_string (st), incident_cases[c].legal[g]);

            if (wg_decide_incident_legal (type, g, st, alarm) != want)
              g_error ("%s on %s/%s", incident_cases[c].command, wg_grade_to_string (g),
                       wg_incident_state_to_string (st));
          }
    }

  /* The alarm flag, not the state, decides an acknowledgement. */
  g_assert_false (wg_decide_incident_legal (WG_CMD_ALARM_ACKNOWLEDGE, WG_GRADE_EMERGENCY, WG_STATE_REPORTED,
                                            WG_ALARM_ACKNOWLEDGED));
  g_assert_true (wg_decide_incident_legal (WG_CMD_ALARM_ACKNOWLEDGE, WG_GRADE_EMERGENCY, WG_STATE_REPORTED,
                                           WG_ALARM_ESCALATED));
  /* Not an incident command. */
  g_assert_false (wg_decide_incident_legal (WG_CMD_UNIT_STATUS, WG_GRADE_EMERGENCY, WG_STATE_REPORTED,
                                            WG_ALARM_NONE));
  for (guint c = 0; c < G_N_ELEMENTS (assignment_cases); c++)
    {
      WgCommandType type;

      g_assert_true (wg_command_type_from_string (assignment_cases[c].command, &type));
      for (guint st = 0; st < WG_N_ASSIGNMENT_STATES; st++)
        g_assert_cmpint (wg_decide_assignment_legal (type, st), ==,
                         word_in (wg_assignment_state_to_string (st), assignment_cases[c].legal));
    }
}

/* Rules with departments and a street: routes go to known departments
 * only, reports come from within 5 km of the street; both refusals are
 * stored, so the same command again gets the same answer. */
static void
test_reference_checks (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  /* About 2 km by 2 km around the reports' location (113.25, 23.2). */
  const WgGeoPoint street[] = { { 113.24, 23.19 }, { 113.26, 23.19 }, { 113.26, 23.21 }, { 113.24, 23.21 } };
  g_autoptr(WgGeoShape) shape = wg_geo_shape_new ();
  g_autofree char *id = NULL;
  g_autoptr(WgCommand) typo = NULL;
  g_autoptr(GError) error = NULL;
  gboolean replayed = FALSE;

  wg_geo_shape_add_ring (shape, street, G_N_ELEMENTS (street), FALSE);
  wg_rules_add_area (f->rules, shape);
  wg_rules_add_department (f->rules, "cgj");
  wg_rules_add_department (f->rules, "sfs");

  id = report (f, leader, "professional", "structure", FIXTURE_T0);
  typo = fixture_commandf ("incident.route", "{\"incident\": \"%s\", \"department\": \"cjg\"}", id);
  expect_refusal (f, wg_command_ref (typo), leader, FIXTURE_T0 + 1000, WG_ERROR_UNKNOWN_DEPARTMENT);
  g_assert_false (wg_store_execute_command (f->store, typo, leader, FIXTURE_T0 + 2000, NULL, &replayed, &error));
  g_assert_error (error, WG_ERROR, WG_ERROR_UNKNOWN_DEPARTMENT);
  g_assert_true (replayed);
  g_clear_error (&error);
  /* A co-department (协办) the reference does not know: the same refusal,
   * nothing written. */
  expect_refusal (f, fixture_commandf ("incident.route",
                                       "{\"incident\": \"%s\", \"department\": \"cgj\", \"co_departments\": [\"sfs\", \"sfz\"]}", id),
                  leader, FIXTURE_T0 + 2500, WG_ERROR_UNKNOWN_DEPARTMENT);
  fixture_run_ok (f, fixture_commandf ("incident.route", "{\"incident\": \"%s\", \"department\": \"cgj\"}", id),
                  leader, FIXTURE_T0 + 3000);

  /* 4 km east of the street's edge: taken, outside any grid it knows of
   * (the fixture's resolver answers anyway); 6 km: refused. */
  fixture_run_ok (f, fixture_command ("incident.report",
    "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.2, \"lon\": 113.299},"
    " \"summary\": \"s\"}"), leader, FIXTURE_T0 + 4000);
  expect_refusal (f, fixture_command ("incident.report",
    "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.2, \"lon\": 113.319},"
    " \"summary\": \"s\"}"), leader, FIXTURE_T0 + 5000, WG_ERROR_LOCATION_OUT_OF_AREA);
  expect_refusal (f, fixture_command ("incident.report",
    "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 1, \"lon\": 1},"
    " \"summary\": \"s\"}"), leader, FIXTURE_T0 + 6000, WG_ERROR_LOCATION_OUT_OF_AREA);
}

int
main (int   argc,
      char *argv[])
{
  static const CaseRange first_half = { 0, G_N_ELEMENTS (incident_cases) / 2 };
  static const CaseRange second_half = { G_N_ELEMENTS (incident_cases) / 2, G_N_ELEMENTS (incident_cases) };
  /* --part=1: all but the matrix's second half; --part=2: only that half
   * (two meson tests); neither: everything. */
  const char *part = argc > 1 && g_str_has_prefix (argv[argc - 1], "--part=") ? argv[argc - 1] + 7 : "";

  if (*part != '\0')
    argc--;
  g_test_init (&argc, &argv, NULL);

  if (g_str_equal (part, "2"))
    {
      g_test_add_data_func ("/decide/matrix/incidents/2", &second_half, test_incident_matrix);
      return g_test_run ();
    }
  g_test_add_data_func ("/decide/matrix/incidents/1", &first_half, test_incident_matrix);
  if (!g_str_equal (part, "1"))
    g_test_add_data_func ("/decide/matrix/incidents/2", &second_half, test_incident_matrix);
  g_test_add_func ("/decide/matrix/assignments", test_assignment_matrix);
  g_test_add_func ("/decide/matrix/stateless", test_stateless_matrix);
  g_test_add_func ("/decide/table-queries", test_table_queries);
  g_test_add ("/decide/invalid-fields", Fixture, NULL, fixture_set_up, test_invalid_fields, fixture_tear_down);
  g_test_add ("/decide/dispatch-all-or-nothing", Fixture, NULL, fixture_set_up, test_dispatch_all_or_nothing,
              fixture_tear_down);
  g_test_add ("/decide/case-numbers", Fixture, NULL, fixture_set_up, test_case_numbers, fixture_tear_down);
  g_test_add ("/decide/deadlines", Fixture, NULL, fixture_set_up, test_deadlines, fixture_tear_down);
  g_test_add ("/decide/timers", Fixture, NULL, fixture_set_up, test_timers, fixture_tear_down);
  g_test_add ("/decide/reference-checks", Fixture, NULL, fixture_set_up, test_reference_checks, fixture_tear_down);

  return g_test_run ();
}
