/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Scoring an exercise (docs/drills.md, "Scoring"): a constructed run on the
 * demo street whose scores are computed by hand in the comments: a late
 * acknowledgement, a missing force, an extra force, alarms nobody
 * answered, a trainee who never acted; live (pending) decisions; an
 * exercise started from a past incident, compared with the recommender's
 * proposal and with what really happened.
 */
#include "config.h"

#include "wg-drill-score.h"

#define S(x) ((gint64) (x) * 1000)
#define EPS 0.001

static WgReference *
demo_reference (void)
{
  const char *src = g_getenv ("WANGGE_SOURCE_DIR");
  g_autofree char *dir = src != NULL ? g_build_filename (src, "data", "demo", NULL)
                                     : g_build_filename (SOURCE_DATADIR, "demo", NULL);
  g_autoptr(GError) error = NULL;
  WgReference *reference = wg_reference_load_dir (dir, &error);

  g_assert_no_error (error);
  return reference;
}

static void
add (WgDrillScorer *scorer,
     WgEventType    type,
     gint64         ts,
     const char    *actor,
     const char    *role,
     const char    *incident,
     const char    *key,
     const char    *value)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(WgEvent) event = NULL;

  if (key != NULL)
    json_object_set_string_member (body, key, value);
  event = wg_event_new (type, ts, actor, role, actor != NULL ? "cmd" : NULL, incident, incident, body);
  wg_drill_scorer_add_event (scorer, event);
}

static void
raise_alarm (WgDrillScorer *scorer,
             gint64         ts,
             const char    *incident,
             const char    *category)
{
  add (scorer, WG_EV_INCIDENT_REPORTED, ts, "worker-17", "grid_worker", incident, "category", category);
  add (scorer, WG_EV_ALARM_RAISED, ts, "worker-17", "grid_worker", incident, "category", category);
}

static void
assign (WgDrillScorer      *scorer,
        gint64              ts,
        const char         *actor,
        const char         *role,
        const char         *incident,
        const char * const *units)
{
  for (guint i = 0; units[i] != NULL; i++)
    add (scorer, WG_EV_ASSIGNMENT_CREATED, ts, actor, role, incident, "unit", units[i]);
}

/* The run:
 *  - fire (plan: 1 grid worker, 2 emergency units, 1 community police, 1 grid
 *    leader, 1 department team = 6; limits 60 s and 180 s), raised at 0:
 *    zhang acknowledges at 90 s, late: 100 * (120 - 90) / 60 = 50;
 *    li dispatches at 150 s (time 100) five forces without the department
 *    team: forces 100 * 5/6 = 83.333; decision (100 + 83.333) / 2 = 91.667.
 *  - missing person (plan: 3 grid workers, 1 community police, 2 auxiliary
 *    police, 1 volunteer team = 7; limits 60 s and 180 s), raised at 1000 s:
 *    zhang acknowledges at +30 s: 100; li dispatches at +240 s:
 *    100 * (360 - 240) / 180 = 66.667, the whole plan and an emergency unit
 *    more: 100 - 10 = 90; decision (66.667 + 90) / 2 = 78.333.
 *  - crowd, raised at 2000 s: nobody acknowledges nor dispatches before the
 *    end at 2100 s: both missed, 0.
 *  - wang, a dispatcher, joined and never acted.
 * Exercise: (50 + 91.667 + 100 + 78.333 + 0 + 0) / 6 = 53.333.
 * zhang: taken 50 and 100, missed the crowd's acknowledgement and dispatch
 * (a duty leader may take both): 150 / 4 = 37.5.
 * li: taken 91.667 and 78.333, missed the crowd's dispatch: 170 / 3 = 56.667.
 * wang: missed the crowd's dispatch only: 0, never acted. */
static WgDrillScorer *
constructed_run (WgReference *reference)
{
  static const char *const fire_units[] = { "gw-01", "eu-01", "eu-02", "cp-01", "gl-01", NULL };
  static const char *const missing_units[] = { "gw-02", "gw-03", "gw-04", "cp-02", "ap-01", "ap-02",
                                               "vt-01", "eu-03", NULL };
  WgDrillScorer *scorer = wg_drill_scorer_new (reference);

  wg_drill_scorer_add_trainee (scorer, "wang", "dispatcher");

  raise_alarm (scorer, S (0), "i-fire", "fire");
  add (scorer, WG_EV_ALARM_ACKNOWLEDGED, S (90), "zhang", "duty_leader", "i-fire", NULL, NULL);
  assign (scorer, S (150), "li", "dispatcher", "i-fire", fire_units);
  add (scorer, WG_EV_INCIDENT_DISPATCHED, S (150), "li", "dispatcher", "i-fire", NULL, NULL);

  raise_alarm (scorer, S (1000), "i-missing", "missing_person");
  add (scorer, WG_EV_ALARM_ACKNOWLEDGED, S (1030), "zhang", "duty_leader", "i-missing", NULL, NULL);
  assign (scorer, S (1240), "li", "dispatcher", "i-missing", missing_units);

  raise_alarm (scorer, S (2000), "i-crowd", "crowd");
  return scorer;
}

static void
test_constructed_run (void)
{
  g_autoptr(WgReference) reference = demo_reference ();
  g_autoptr(WgDrillScorer) scorer = constructed_run (reference);
  g_autoptr(WgDrillScore) score = wg_drill_scorer_compute (scorer, S (2100), TRUE);
  WgDrillDecision *d;
  WgDrillTrainee *t;

  g_assert_cmpuint (score->decisions->len, ==, 6);

  d = wg_drill_score_lookup_decision (score, "i-fire", WG_DRILL_DECISION_ACKNOWLEDGE);
  g_assert_cmpint (d->state, ==, WG_DRILL_TAKEN);
  g_assert_cmpstr (d->actor, ==, "zhang");
  g_assert_cmpint (d->elapsed_ms, ==, S (90));
  g_assert_cmpint (d->target_ms, ==, S (60));
  g_assert_cmpfloat_with_epsilon (d->points, 50, EPS);

  d = wg_drill_score_lookup_decision (score, "i-fire", WG_DRILL_DECISION_DISPATCH);
  g_assert_cmpint (d->state, ==, WG_DRILL_TAKEN);
  g_assert_cmpstr (d->actor, ==, "li");
  g_assert_cmpint (d->target_ms, ==, S (180));
  g_assert_cmpfloat_with_epsilon (d->time_points, 100, EPS);
  g_assert_cmpuint (d->units->len, ==, 5);
  g_assert_cmpuint (d->planned, ==, 6);
  g_assert_cmpuint (d->missing, ==, 1);
  g_assert_cmpuint (d->extra, ==, 0);
  g_assert_cmpfloat_with_epsilon (d->force_points, 500.0 / 6, EPS);
  g_assert_cmpfloat_with_epsilon (d->points, 91.6667, EPS);

  d = wg_drill_score_lookup_decision (score, "i-missing", WG_DRILL_DECISION_ACKNOWLEDGE);
  g_assert_cmpfloat_with_epsilon (d->points, 100, EPS);

  d = wg_drill_score_lookup_decision (score, "i-missing", WG_DRILL_DECISION_DISPATCH);
  g_assert_cmpint (d->elapsed_ms, ==, S (240));
  g_assert_cmpfloat_with_epsilon (d->time_points, 66.6667, EPS);
  g_assert_cmpuint (d->planned, ==, 7);
  g_assert_cmpuint (d->missing, ==, 0);
  g_assert_cmpuint (d->extra, ==, 1);
  g_assert_cmpfloat_with_epsilon (d->force_points, 90, EPS);
  g_assert_cmpfloat_with_epsilon (d->points, 78.3333, EPS);

  for (WgDrillDecisionKind kind = WG_DRILL_DECISION_ACKNOWLEDGE; kind <= WG_DRILL_DECISION_DISPATCH; kind++)
    {
      d = wg_drill_score_lookup_decision (score, "i-crowd", kind);
      g_assert_cmpint (d->state, ==, WG_DRILL_MISSED);
      g_assert_null (d->actor);
      g_assert_cmpfloat (d->points, ==, 0);
    }

  g_assert_cmpfloat_with_epsilon (score->points, 320.0 / 6, EPS);

  g_assert_cmpuint (score->trainees->len, ==, 3);
  t = wg_drill_score_lookup_trainee (score, "zhang");
  g_assert_cmpuint (t->taken, ==, 2);
  g_assert_cmpuint (t->missed, ==, 2);
  g_assert_cmpfloat_with_epsilon (t->points, 37.5, EPS);
  t = wg_drill_score_lookup_trainee (score, "li");
  g_assert_cmpuint (t->taken, ==, 2);
  g_assert_cmpuint (t->missed, ==, 1);
  g_assert_cmpfloat_with_epsilon (t->points, 170.0 / 3, EPS);
  t = wg_drill_score_lookup_trainee (score, "wang");
  g_assert_false (t->acted);
  g_assert_cmpuint (t->taken, ==, 0);
  g_assert_cmpuint (t->missed, ==, 1);
  g_assert_cmpfloat (t->points, ==, 0);
  /* The grid worker who reported is no trainee. */
  g_assert_null (wg_drill_score_lookup_trainee (score, "worker-17"));
}

/* While the exercise runs, the crowd's decisions are pending: 30 s after its
 * raise nothing is lost yet and they count nowhere (the exercise:
 * 320 / 4 = 80); past twice the acknowledgement's target (120 s) the
 * acknowledgement is missed, while the dispatch can still earn its forces'
 * half and stays pending. */
static void
test_pending (void)
{
  g_autoptr(WgReference) reference = demo_reference ();
  g_autoptr(WgDrillScorer) scorer = constructed_run (reference);
  g_autoptr(WgDrillScore) early = wg_drill_scorer_compute (scorer, S (2030), FALSE);
  g_autoptr(WgDrillScore) late = wg_drill_scorer_compute (scorer, S (2130), FALSE);
  WgDrillDecision *d;

  d = wg_drill_score_lookup_decision (early, "i-crowd", WG_DRILL_DECISION_ACKNOWLEDGE);
  g_assert_cmpint (d->state, ==, WG_DRILL_PENDING);
  g_assert_cmpint (d->elapsed_ms, ==, S (30));
  g_assert_cmpfloat_with_epsilon (early->points, 80, EPS);
  g_assert_cmpfloat (wg_drill_score_lookup_trainee (early, "wang")->points, ==, 0);
  g_assert_cmpuint (wg_drill_score_lookup_trainee (early, "wang")->missed, ==, 0);

  d = wg_drill_score_lookup_decision (late, "i-crowd", WG_DRILL_DECISION_ACKNOWLEDGE);
  g_assert_cmpint (d->state, ==, WG_DRILL_MISSED);
  d = wg_drill_score_lookup_decision (late, "i-crowd", WG_DRILL_DECISION_DISPATCH);
  g_assert_cmpint (d->state, ==, WG_DRILL_PENDING);
  /* zhang: (50 + 100 + 0) / 3 = 50. */
  g_assert_cmpfloat_with_epsilon (wg_drill_score_lookup_trainee (late, "zhang")->points, 50, EPS);
}

/* An alarm downgraded before anyone acknowledged it is not scored. */
static void
test_void (void)
{
  g_autoptr(WgReference) reference = demo_reference ();
  g_autoptr(WgDrillScorer) scorer = wg_drill_scorer_new (reference);
  g_autoptr(WgDrillScore) score = NULL;

  wg_drill_scorer_add_trainee (scorer, "zhang", "duty_leader");
  raise_alarm (scorer, S (0), "i-false", "fire");
  add (scorer, WG_EV_INCIDENT_DOWNGRADED, S (20), "zhang", "duty_leader", "i-false", "to", "general");
  score = wg_drill_scorer_compute (scorer, S (600), TRUE);
  g_assert_cmpint (wg_drill_score_lookup_decision (score, "i-false", WG_DRILL_DECISION_ACKNOWLEDGE)->state,
                   ==, WG_DRILL_VOID);
  g_assert_cmpint (wg_drill_score_lookup_decision (score, "i-false", WG_DRILL_DECISION_DISPATCH)->state,
                   ==, WG_DRILL_VOID);
  g_assert_cmpfloat (score->points, ==, 0);
  g_assert_cmpuint (wg_drill_score_lookup_trainee (score, "zhang")->missed, ==, 0);
}

/* From a past incident: the real one was raised at 0, acknowledged at 45 s,
 * dispatched at 200 s (eu-01, cp-01).  The exercise opens with its events
 * up to a moment when it was raised (5000 s) and already acknowledged
 * (5010 s, by the real leader); its clock starts at 5020 s: only the
 * dispatch is the trainees'.  Its time counts from the start: li at
 * 5200 s, 180 s: 100; he
 * sends eu-01, gw-05, cp-01, of which the recommender proposed eu-01 and
 * gw-05 (with eu-02); the plan for a fire lacks 1 emergency unit, the grid
 * leader and the department team: 100 * 3/6 = 50; decision 75. */
static void
test_from_past_incident (void)
{
  static const char *const proposal[] = { "eu-01", "eu-02", "gw-05", NULL };
  static const char *const sent[] = { "eu-01", "gw-05", "cp-01", NULL };
  static const char *const real_units[] = { "eu-01", "cp-01", NULL };
  g_autoptr(WgReference) reference = demo_reference ();
  g_autoptr(WgDrillScorer) scorer = wg_drill_scorer_new (reference);
  g_autoptr(GPtrArray) real_events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(WgDrillScore) score = NULL;
  g_autoptr(JsonObject) fire = json_object_new ();
  WgDrillDecision *d;

  json_object_set_string_member (fire, "category", "fire");
  g_ptr_array_add (real_events, wg_event_new (WG_EV_ALARM_RAISED, S (0), "worker-17", "grid_worker", "c",
                                              "real-1", "real-1", fire));
  g_ptr_array_add (real_events, wg_event_new (WG_EV_ALARM_ACKNOWLEDGED, S (45), "chen", "duty_leader", "c",
                                              "real-1", "real-1", NULL));
  for (guint i = 0; real_units[i] != NULL; i++)
    {
      g_autoptr(JsonObject) body = json_object_new ();

      json_object_set_string_member (body, "unit", real_units[i]);
      g_ptr_array_add (real_events, wg_event_new (WG_EV_ASSIGNMENT_CREATED, S (200), "chen", "duty_leader", "c",
                                                  "a", "real-1", body));
    }

  wg_drill_scorer_set_reality (scorer, "i-ex", real_events);
  wg_drill_scorer_set_proposal (scorer, "i-ex", proposal);
  wg_drill_scorer_set_start (scorer, S (5020));
  raise_alarm (scorer, S (5000), "i-ex", "fire");
  add (scorer, WG_EV_ALARM_ACKNOWLEDGED, S (5010), "chen", "duty_leader", "i-ex", NULL, NULL);
  assign (scorer, S (5200), "li", "dispatcher", "i-ex", sent);
  score = wg_drill_scorer_compute (scorer, S (5300), TRUE);

  g_assert_null (wg_drill_score_lookup_decision (score, "i-ex", WG_DRILL_DECISION_ACKNOWLEDGE));
  d = wg_drill_score_lookup_decision (score, "i-ex", WG_DRILL_DECISION_DISPATCH);
  g_assert_nonnull (d);
  g_assert_cmpint (d->start_ts, ==, S (5020));
  g_assert_cmpint (d->elapsed_ms, ==, S (180));
  g_assert_cmpfloat_with_epsilon (d->force_points, 50, EPS);
  g_assert_cmpfloat_with_epsilon (d->points, 75, EPS);
  g_assert_cmpuint (d->proposal_followed, ==, 2);
  g_assert_cmpint (d->real_elapsed_ms, ==, S (200));
  g_assert_cmpuint (d->real_units->len, ==, 2);
  g_assert_cmpfloat_with_epsilon (score->points, 75, EPS);
  /* The real leader acted before the start: no trainee. */
  g_assert_null (wg_drill_score_lookup_trainee (score, "chen"));
  g_assert_cmpuint (score->trainees->len, ==, 1);
}

static void
test_time_points (void)
{
  g_assert_cmpfloat (wg_drill_time_points (0, S (60)), ==, 100);
  g_assert_cmpfloat (wg_drill_time_points (S (60), S (60)), ==, 100);
  g_assert_cmpfloat (wg_drill_time_points (S (75), S (60)), ==, 75);
  g_assert_cmpfloat (wg_drill_time_points (S (120), S (60)), ==, 0);
  g_assert_cmpfloat (wg_drill_time_points (S (3600), S (60)), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/drill-score/time-points", test_time_points);
  g_test_add_func ("/drill-score/constructed-run", test_constructed_run);
  g_test_add_func ("/drill-score/pending", test_pending);
  g_test_add_func ("/drill-score/void", test_void);
  g_test_add_func ("/drill-score/from-past-incident", test_from_past_incident);
  return g_test_run ();
}
