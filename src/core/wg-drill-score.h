/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Scoring an exercise (docs/drills.md, "Scoring"): from the exercise's
 * journal, each alarm gives two decisions, acknowledging it and the first
 * dispatch to its incident.  A decision is timed from the moment the
 * trainees could first see the alarm (its raise, or the exercise's start
 * when the alarm came with the starting state) on the exercise's clock
 * (its events' ts, which leave paused time out: docs/api.md), and scored against its target: 60 s (or the category's acknowledgement
 * limit) for the acknowledgement, the category's dispatch limit for the
 * dispatch, whose forces are also compared with the category's response
 * plan.  Each decision also carries what the recommender proposed and,
 * for an exercise started from a past incident, what really happened
 * there; these are shown, not scored.  Trainees are scored on the
 * decisions they took and on those their role could have taken but
 * nobody did.
 *
 * The scorer takes events as they come (a live score grid) and computes a
 * score at any moment; it keeps references to nothing but its reference.
 */
#pragma once

#include "wg-event.h"
#include "wg-reference.h"

G_BEGIN_DECLS

/* Acknowledgement target when the category has none (protocol: 60 s). */
#define WG_DRILL_ACK_TARGET_MS (60 * 1000)
/* Points taken off the forces' part for each force beyond the plan. */
#define WG_DRILL_EXTRA_FORCE_PENALTY 10.0

typedef enum {
  WG_DRILL_DECISION_ACKNOWLEDGE,   /* alarm.acknowledge */
  WG_DRILL_DECISION_DISPATCH,      /* dispatch.assign, the first for the incident */
} WgDrillDecisionKind;

typedef enum {
  WG_DRILL_PENDING,   /* not taken yet, and there is still time for points */
  WG_DRILL_TAKEN,
  WG_DRILL_MISSED,    /* not taken, and too late for any point (or the exercise ended) */
  WG_DRILL_VOID,      /* the alarm ended without it (downgraded, cancelled, closed): not scored */
} WgDrillDecisionState;

typedef struct
{
  WgDrillDecisionKind   kind;
  WgDrillDecisionState  state;
  char        *incident;
  char        *case_number;    /* may be NULL when the report is not in the events */
  char        *category;
  char        *actor;          /* who took it, NULL unless TAKEN */
  char        *role;
  gint64       start_ts;       /* when the trainees could first see the alarm */
  gint64       elapsed_ms;     /* to the decision (TAKEN) or to now */
  gint64       target_ms;
  double       time_points;    /* 0..100 */
  /* Dispatch only: the forces sent to the incident by the trainees. */
  GPtrArray   *units;          /* char*, in the order assigned */
  guint        planned;        /* forces the response plan asks for */
  guint        missing;        /* of those, not sent */
  guint        extra;          /* sent beyond the plan */
  double       force_points;   /* 0..100 */
  /* The decision's score, 0..100: the time's points (acknowledgement),
   * the mean of time and forces (dispatch); 0 when MISSED. */
  double       points;
  /* Shown beside it, not scored. */
  GStrv        proposal;       /* what the recommender proposed, or NULL */
  guint        proposal_followed; /* units sent that it proposed */
  gint64       real_elapsed_ms;/* the real incident's time for the same decision, -1 when unknown */
  GPtrArray   *real_units;     /* char*: the real incident's forces, empty when unknown */
} WgDrillDecision;

typedef struct
{
  char        *username;
  char        *role;
  guint        taken;          /* decisions taken */
  guint        missed;         /* decisions missed that their role could have taken */
  double       points;         /* mean over taken and missed, 0 when neither */
  gboolean     acted;          /* took at least one decision */
} WgDrillTrainee;

typedef struct
{
  GPtrArray   *decisions;      /* WgDrillDecision*, by start, acknowledgement before dispatch */
  GPtrArray   *trainees;       /* WgDrillTrainee*, as first seen */
  double       points;         /* mean over the decisions not PENDING or VOID, 0 when none */
} WgDrillScore;

typedef struct _WgDrillScorer WgDrillScorer;

WgDrillScorer *wg_drill_scorer_new          (WgReference   *reference);
void           wg_drill_scorer_free         (WgDrillScorer *self);
/* The exercise's clock at its start (the record's start_clock).  An
 * exercise from a past incident opens with that incident's events up to
 * the chosen moment: decisions taken by then are not the trainees', the
 * others count from the start. */
void           wg_drill_scorer_set_start    (WgDrillScorer *self,
                                             gint64         start_ts);
/* A participant, so that one who never acts has a row. */
void           wg_drill_scorer_add_trainee  (WgDrillScorer *self,
                                             const char    *username,
                                             const char    *role);
/* The units the recommender proposed for @incident. */
void           wg_drill_scorer_set_proposal (WgDrillScorer      *self,
                                             const char         *incident,
                                             const char * const *units);
/* The real incident @incident of the exercise was started from: its own
 * journal events (alarm raised, acknowledged, assignments). */
void           wg_drill_scorer_set_reality  (WgDrillScorer *self,
                                             const char    *incident,
                                             GPtrArray     *real_events);
/* The exercise's events, in seq order.  Whoever acknowledges an alarm or
 * dispatches after the start becomes a trainee. */
void           wg_drill_scorer_add_event    (WgDrillScorer *self,
                                             WgEvent       *event);
/* The score at @now_ms; @ended: the exercise is over, nothing is pending. */
WgDrillScore  *wg_drill_scorer_compute      (WgDrillScorer *self,
                                             gint64         now_ms,
                                             gboolean       ended);

void           wg_drill_score_free          (WgDrillScore  *score);
WgDrillTrainee *wg_drill_score_lookup_trainee (WgDrillScore *score,
                                               const char   *username);
/* The decision of @kind for @incident, or NULL. */
WgDrillDecision *wg_drill_score_lookup_decision (WgDrillScore        *score,
                                                 const char          *incident,
                                                 WgDrillDecisionKind  kind);

/* The points for a time: full up to @target_ms, falling linearly to none
 * at twice the target. */
double         wg_drill_time_points         (gint64         elapsed_ms,
                                             gint64         target_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgDrillScorer, wg_drill_scorer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgDrillScore, wg_drill_score_free)

G_END_DECLS
