/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-drill-score"

#include "config.h"

#include "wg-drill-score.h"

/* What the journal says of one incident's alarm, as far as scoring goes. */
typedef struct
{
  char       *id;
  char       *case_number;
  char       *category;
  gint64      raised_ts;      /* -1 until its alarm is raised */
  gint64      ended_ts;       /* the alarm ended without the decisions: -1 */
  gboolean    acknowledged_at_start;
  gboolean    dispatched_at_start;
  gint64      ack_ts;
  char       *ack_actor;
  char       *ack_role;
  gint64      dispatch_ts;
  char       *dispatch_actor;
  char       *dispatch_role;
  GPtrArray  *units;          /* char*: assigned after the raise */
  GStrv       proposal;
  char       *real_incident;  /* set_reality was called */
  gint64      real_ack_ms;
  gint64      real_dispatch_ms;
  GPtrArray  *real_units;
} Track;

struct _WgDrillScorer
{
  WgReference *reference;
  gint64       start_ts;
  GHashTable  *tracks;        /* incident id -> Track* */
  GPtrArray   *order;         /* Track*, as first raised */
  GPtrArray   *trainees;      /* WgDrillTrainee*, without scores */
};

static Track *
track_new (const char *id)
{
  Track *t = g_new0 (Track, 1);

  t->id = g_strdup (id);
  t->raised_ts = t->ended_ts = t->ack_ts = t->dispatch_ts = -1;
  t->real_ack_ms = t->real_dispatch_ms = -1;
  t->units = g_ptr_array_new_with_free_func (g_free);
  t->real_units = g_ptr_array_new_with_free_func (g_free);
  return t;
}

static void
track_free (Track *t)
{
  g_free (t->id);
  g_free (t->case_number);
  g_free (t->category);
  g_free (t->ack_actor);
  g_free (t->ack_role);
  g_free (t->dispatch_actor);
  g_free (t->dispatch_role);
  g_ptr_array_unref (t->units);
  g_strfreev (t->proposal);
  g_free (t->real_incident);
  g_ptr_array_unref (t->real_units);
  g_free (t);
}

static void
trainee_free (WgDrillTrainee *t)
{
  g_free (t->username);
  g_free (t->role);
  g_free (t);
}

static void
decision_free (WgDrillDecision *d)
{
  g_free (d->incident);
  g_free (d->case_number);
  g_free (d->category);
  g_free (d->actor);
  g_free (d->role);
  g_clear_pointer (&d->units, g_ptr_array_unref);
  g_strfreev (d->proposal);
  g_clear_pointer (&d->real_units, g_ptr_array_unref);
  g_free (d);
}

WgDrillScorer *
wg_drill_scorer_new (WgReference *reference)
{
  WgDrillScorer *self;

  g_return_val_if_fail (WG_IS_REFERENCE (reference), NULL);

  self = g_new0 (WgDrillScorer, 1);
  self->reference = g_object_ref (reference);
  self->start_ts = G_MININT64;
  self->tracks = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) track_free);
  self->order = g_ptr_array_new ();
  self->trainees = g_ptr_array_new_with_free_func ((GDestroyNotify) trainee_free);
  return self;
}

void
wg_drill_scorer_free (WgDrillScorer *self)
{
  if (self == NULL)
    return;
  g_object_unref (self->reference);
  g_ptr_array_unref (self->order);
  g_hash_table_unref (self->tracks);
  g_ptr_array_unref (self->trainees);
  g_free (self);
}

static WgDrillTrainee *
find_trainee (WgDrillScorer *self,
              const char    *username)
{
  for (guint i = 0; i < self->trainees->len; i++)
    {
      WgDrillTrainee *t = self->trainees->pdata[i];

      if (g_str_equal (t->username, username))
        return t;
    }
  return NULL;
}

void
wg_drill_scorer_add_trainee (WgDrillScorer *self,
                             const char    *username,
                             const char    *role)
{
  WgDrillTrainee *t;

  g_return_if_fail (self != NULL);
  g_return_if_fail (username != NULL);

  t = find_trainee (self, username);
  if (t == NULL)
    {
      t = g_new0 (WgDrillTrainee, 1);
      t->username = g_strdup (username);
      g_ptr_array_add (self->trainees, t);
    }
  if (role != NULL && t->role == NULL)
    t->role = g_strdup (role);
}

static Track *
lookup_track (WgDrillScorer *self,
              const char    *incident,
              gboolean       create)
{
  Track *t = g_hash_table_lookup (self->tracks, incident);

  if (t == NULL && create)
    {
      t = track_new (incident);
      g_hash_table_insert (self->tracks, t->id, t);
    }
  return t;
}

void
wg_drill_scorer_set_proposal (WgDrillScorer      *self,
                              const char         *incident,
                              const char * const *units)
{
  Track *t;

  g_return_if_fail (self != NULL);
  g_return_if_fail (incident != NULL);

  t = lookup_track (self, incident, TRUE);
  g_strfreev (t->proposal);
  t->proposal = g_strdupv ((char **) units);
}

/* Applies one event to @t: the same for the exercise's journal and for a
 * past incident's, so that both are measured alike. */
static void
track_apply (Track   *t,
             WgEvent *event)
{
  switch (event->type)
    {
    case WG_EV_INCIDENT_REPORTED:
      g_free (t->case_number);
      t->case_number = g_strdup (wg_event_get_body_string (event, "case_number"));
      if (t->category == NULL)
        t->category = g_strdup (wg_event_get_body_string (event, "category"));
      break;

    case WG_EV_ALARM_RAISED:
      if (t->raised_ts >= 0)
        break;
      t->raised_ts = event->ts;
      if (wg_event_get_body_string (event, "category") != NULL)
        {
          g_free (t->category);
          t->category = g_strdup (wg_event_get_body_string (event, "category"));
        }
      break;

    case WG_EV_ALARM_ACKNOWLEDGED:
      if (t->raised_ts < 0 || t->ack_ts >= 0)
        break;
      t->ack_ts = event->ts;
      t->ack_actor = g_strdup (event->actor);
      t->ack_role = g_strdup (event->role);
      break;

    case WG_EV_ASSIGNMENT_CREATED:
      if (t->raised_ts < 0 || wg_event_get_body_string (event, "unit") == NULL)
        break;
      if (t->dispatch_ts < 0)
        {
          t->dispatch_ts = event->ts;
          t->dispatch_actor = g_strdup (event->actor);
          t->dispatch_role = g_strdup (event->role);
        }
      g_ptr_array_add (t->units, g_strdup (wg_event_get_body_string (event, "unit")));
      break;

    case WG_EV_INCIDENT_DOWNGRADED:
    case WG_EV_INCIDENT_CANCELLED:
    case WG_EV_INCIDENT_CLOSED:
    case WG_EV_INCIDENT_MERGED:
      if (t->raised_ts >= 0 && t->ended_ts < 0)
        t->ended_ts = event->ts;
      break;

    default:
      break;
    }
}

void
wg_drill_scorer_set_reality (WgDrillScorer *self,
                             const char    *incident,
                             GPtrArray     *real_events)
{
  Track *t;
  g_autoptr(GHashTable) real = NULL;

  g_return_if_fail (self != NULL);
  g_return_if_fail (incident != NULL);
  g_return_if_fail (real_events != NULL);

  t = lookup_track (self, incident, TRUE);
  real = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) track_free);
  for (guint i = 0; i < real_events->len; i++)
    {
      WgEvent *event = real_events->pdata[i];
      Track *r;

      if (event->incident == NULL)
        continue;
      r = g_hash_table_lookup (real, event->incident);
      if (r == NULL)
        {
          r = track_new (event->incident);
          g_hash_table_insert (real, r->id, r);
          /* The first incident named is the one the exercise copied. */
          if (t->real_incident == NULL)
            t->real_incident = g_strdup (event->incident);
        }
      track_apply (r, event);
    }
  if (t->real_incident != NULL)
    {
      Track *r = g_hash_table_lookup (real, t->real_incident);

      if (r->raised_ts >= 0 && r->ack_ts >= 0)
        t->real_ack_ms = r->ack_ts - r->raised_ts;
      if (r->raised_ts >= 0 && r->dispatch_ts >= 0)
        t->real_dispatch_ms = r->dispatch_ts - r->raised_ts;
      g_ptr_array_set_size (t->real_units, 0);
      for (guint i = 0; i < r->units->len; i++)
        g_ptr_array_add (t->real_units, g_strdup (r->units->pdata[i]));
    }
}

void
wg_drill_scorer_set_start (WgDrillScorer *self,
                           gint64         start_ts)
{
  g_return_if_fail (self != NULL);
  self->start_ts = start_ts;
}

static gint64
elapsed (gint64 from,
         gint64 to)
{
  return MAX (to - from, 0);
}

void
wg_drill_scorer_add_event (WgDrillScorer *self,
                           WgEvent       *event)
{
  Track *t;
  gboolean had_raise, decision, before_start;

  g_return_if_fail (self != NULL);
  g_return_if_fail (event != NULL);

  decision = event->type == WG_EV_ALARM_ACKNOWLEDGED || event->type == WG_EV_ASSIGNMENT_CREATED;
  before_start = event->ts <= self->start_ts;
  /* The scenario's field side (the hotline taker is a dispatcher account)
   * acts too: only the decisions make a trainee. */
  if (event->actor != NULL && decision && !before_start)
    wg_drill_scorer_add_trainee (self, event->actor, event->role);
  if (event->incident == NULL)
    return;

  t = lookup_track (self, event->incident, event->type == WG_EV_ALARM_RAISED ||
                                           event->type == WG_EV_INCIDENT_REPORTED);
  if (t == NULL)
    return;
  had_raise = t->raised_ts >= 0;
  track_apply (t, event);
  /* Taken in the starting state, before the trainees came. */
  if (before_start && had_raise && event->type == WG_EV_ALARM_ACKNOWLEDGED)
    t->acknowledged_at_start = TRUE;
  if (before_start && had_raise && event->type == WG_EV_ASSIGNMENT_CREATED)
    t->dispatched_at_start = TRUE;
  if (!had_raise && t->raised_ts >= 0)
    g_ptr_array_add (self->order, t);
}

double
wg_drill_time_points (gint64 elapsed_ms,
                      gint64 target_ms)
{
  g_return_val_if_fail (target_ms > 0, 0);

  if (elapsed_ms <= target_ms)
    return 100;
  if (elapsed_ms >= 2 * target_ms)
    return 0;
  return 100.0 * (double) (2 * target_ms - elapsed_ms) / (double) target_ms;
}

/* Compares the units sent with the category's response plan. */
static void
score_forces (WgDrillScorer   *self,
              WgCategory      *category,
              WgDrillDecision *d)
{
  guint wanted[WG_N_FORCE_TYPES] = { 0, };
  guint sent[WG_N_FORCE_TYPES] = { 0, };

  d->planned = d->missing = d->extra = 0;
  for (guint s = 0; category != NULL && s < category->n_response_steps; s++)
    {
      wanted[category->response_plan[s].type] += category->response_plan[s].count;
      d->planned += category->response_plan[s].count;
    }
  for (guint i = 0; i < d->units->len; i++)
    {
      WgForce *force = wg_reference_lookup_force (self->reference, d->units->pdata[i]);

      /* A unit the reference does not know cannot be in the plan. */
      if (force == NULL)
        d->extra++;
      else
        sent[force->type]++;
    }
  for (guint type = 0; type < WG_N_FORCE_TYPES; type++)
    {
      guint covered = MIN (sent[type], wanted[type]);

      d->missing += wanted[type] - covered;
      d->extra += sent[type] - covered;
    }
  d->force_points = d->planned > 0 ? 100.0 * (d->planned - d->missing) / d->planned : 100.0;
  d->force_points = MAX (d->force_points - WG_DRILL_EXTRA_FORCE_PENALTY * d->extra, 0);

  if (d->proposal != NULL)
    for (guint i = 0; i < d->units->len; i++)
      if (g_strv_contains ((const char * const *) d->proposal, d->units->pdata[i]))
        d->proposal_followed++;
}

static WgDrillDecision *
make_decision (WgDrillScorer       *self,
               Track               *t,
               WgDrillDecisionKind  kind,
               gint64               now_ms,
               gboolean             ended)
{
  WgCategory *category = t->category != NULL ? wg_reference_lookup_category (self->reference, t->category) : NULL;
  gboolean ack = kind == WG_DRILL_DECISION_ACKNOWLEDGE;
  gint64 taken_ts = ack ? t->ack_ts : t->dispatch_ts;
  WgDrillDecision *d;

  /* Taken before the exercise began: the starting state, not a decision. */
  if (ack ? t->acknowledged_at_start : t->dispatched_at_start)
    return NULL;

  d = g_new0 (WgDrillDecision, 1);
  d->kind = kind;
  d->incident = g_strdup (t->id);
  d->case_number = g_strdup (t->case_number);
  d->category = g_strdup (t->category);
  d->start_ts = MAX (t->raised_ts, self->start_ts);
  d->units = g_ptr_array_new_with_free_func (g_free);
  d->real_units = g_ptr_array_new_with_free_func (g_free);
  d->proposal = g_strdupv (t->proposal);
  d->real_elapsed_ms = ack ? t->real_ack_ms : t->real_dispatch_ms;
  for (guint i = 0; i < t->real_units->len; i++)
    g_ptr_array_add (d->real_units, g_strdup (t->real_units->pdata[i]));
  if (ack)
    d->target_ms = category != NULL && category->ack_seconds > 0
                   ? (gint64) category->ack_seconds * 1000 : WG_DRILL_ACK_TARGET_MS;
  else
    d->target_ms = category != NULL && category->dispatch_seconds > 0
                   ? (gint64) category->dispatch_seconds * 1000 : 3 * WG_DRILL_ACK_TARGET_MS;

  if (taken_ts >= 0)
    {
      d->state = WG_DRILL_TAKEN;
      d->actor = g_strdup (ack ? t->ack_actor : t->dispatch_actor);
      d->role = g_strdup (ack ? t->ack_role : t->dispatch_role);
      d->elapsed_ms = elapsed (d->start_ts, taken_ts);
    }
  else
    {
      gint64 until = t->ended_ts >= 0 ? MIN (t->ended_ts, now_ms) : now_ms;

      d->elapsed_ms = elapsed (d->start_ts, until);
      if (t->ended_ts >= 0 && t->ended_ts <= now_ms)
        d->state = WG_DRILL_VOID;
      else if (ended || (ack && d->elapsed_ms >= 2 * d->target_ms))
        d->state = WG_DRILL_MISSED;
      else
        d->state = WG_DRILL_PENDING;
    }

  if (d->state == WG_DRILL_TAKEN)
    {
      d->time_points = wg_drill_time_points (d->elapsed_ms, d->target_ms);
      if (ack)
        d->points = d->time_points;
      else
        {
          for (guint i = 0; i < t->units->len; i++)
            g_ptr_array_add (d->units, g_strdup (t->units->pdata[i]));
          score_forces (self, category, d);
          d->points = (d->time_points + d->force_points) / 2;
        }
    }
  return d;
}

/* Whether @role may take a decision of @kind (protocol.md's table). */
static gboolean
role_may_take (const char          *role,
               WgDrillDecisionKind  kind)
{
  if (g_strcmp0 (role, "duty_leader") == 0)
    return TRUE;
  return kind == WG_DRILL_DECISION_DISPATCH && g_strcmp0 (role, "dispatcher") == 0;
}

WgDrillScore *
wg_drill_scorer_compute (WgDrillScorer *self,
                         gint64         now_ms,
                         gboolean       ended)
{
  WgDrillScore *score;
  guint counted = 0;

  g_return_val_if_fail (self != NULL, NULL);

  score = g_new0 (WgDrillScore, 1);
  score->decisions = g_ptr_array_new_with_free_func ((GDestroyNotify) decision_free);
  score->trainees = g_ptr_array_new_with_free_func ((GDestroyNotify) trainee_free);

  for (guint i = 0; i < self->trainees->len; i++)
    {
      WgDrillTrainee *src = self->trainees->pdata[i];
      WgDrillTrainee *t = g_new0 (WgDrillTrainee, 1);

      t->username = g_strdup (src->username);
      t->role = g_strdup (src->role);
      g_ptr_array_add (score->trainees, t);
    }

  for (guint i = 0; i < self->order->len; i++)
    for (WgDrillDecisionKind kind = WG_DRILL_DECISION_ACKNOWLEDGE; kind <= WG_DRILL_DECISION_DISPATCH; kind++)
      {
        WgDrillDecision *d = make_decision (self, self->order->pdata[i], kind, now_ms, ended);

        if (d == NULL)
          continue;
        g_ptr_array_add (score->decisions, d);
        if (d->state == WG_DRILL_TAKEN || d->state == WG_DRILL_MISSED)
          {
            score->points += d->points;
            counted++;
          }

        for (guint j = 0; j < score->trainees->len; j++)
          {
            WgDrillTrainee *t = score->trainees->pdata[j];

            if (d->state == WG_DRILL_TAKEN && g_strcmp0 (d->actor, t->username) == 0)
              {
                t->taken++;
                t->acted = TRUE;
                t->points += d->points;
              }
            else if (d->state == WG_DRILL_MISSED && role_may_take (t->role, d->kind))
              t->missed++;
          }
      }

  if (counted > 0)
    score->points /= counted;
  for (guint j = 0; j < score->trainees->len; j++)
    {
      WgDrillTrainee *t = score->trainees->pdata[j];

      if (t->taken + t->missed > 0)
        t->points /= t->taken + t->missed;
    }
  return score;
}

void
wg_drill_score_free (WgDrillScore *score)
{
  if (score == NULL)
    return;
  g_ptr_array_unref (score->decisions);
  g_ptr_array_unref (score->trainees);
  g_free (score);
}

WgDrillTrainee *
wg_drill_score_lookup_trainee (WgDrillScore *score,
                               const char   *username)
{
  g_return_val_if_fail (score != NULL, NULL);

  for (guint i = 0; i < score->trainees->len; i++)
    {
      WgDrillTrainee *t = score->trainees->pdata[i];

      if (g_strcmp0 (t->username, username) == 0)
        return t;
    }
  return NULL;
}

WgDrillDecision *
wg_drill_score_lookup_decision (WgDrillScore        *score,
                                const char          *incident,
                                WgDrillDecisionKind  kind)
{
  g_return_val_if_fail (score != NULL, NULL);

  for (guint i = 0; i < score->decisions->len; i++)
    {
      WgDrillDecision *d = score->decisions->pdata[i];

      if (d->kind == kind && g_strcmp0 (d->incident, incident) == 0)
        return d;
    }
  return NULL;
}
