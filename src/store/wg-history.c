/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The history generator.  A discrete-event simulation over a binary heap of
 * pending actions keyed by simulated time: each action issues one real
 * command through wg_store_execute_command() (or runs the store's timers),
 * then schedules the incident's next action.  Nothing here reads the wall
 * clock (the elapsed time in the stats aside) or the process time zone:
 * times come from the anchor date in the centre's time zone, randomness
 * from one GRand seeded with params->seed, ids from wg_uuid_derive().
 */
#define G_LOG_DOMAIN "wg-history"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wg-calendar.h"
#include "wg-error.h"
#include "wg-history.h"
#include "wg-json.h"
#include "wg-reference-rules.h"
#include "wg-store-reference.h"
#include "wg-summary.h"

#define SECOND G_GINT64_CONSTANT (1000)
#define MINUTE (60 * SECOND)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)
#define TRACK_REPORT_MS (5 * SECOND)   /* how often a moving device reports */

G_DEFINE_QUARK (wg-history-error-quark, wg_history_error)

typedef enum {
  ACT_REPORT,
  ACT_INCIDENT,      /* b: the incident's next phase */
  ACT_ASSIGNMENT,    /* b: index of the assignment in the incident */
  ACT_ALARM_ACK,
  ACT_TIMER,
  ACT_HANDOVER,
  ACT_PATROL,
} ActKind;

typedef enum {
  PH_HANDLE,
  PH_ROUTE,
  PH_ACCEPT,
  PH_REJECT,
  PH_SIDE,           /* a note, escalation, extension or suspension before the feedback */
  PH_RESUME,
  PH_FEEDBACK,
  PH_VERIFY,
  PH_CLOSE,
  PH_UPGRADE,
  PH_CANCEL,
  PH_DISPATCH,
  PH_RESOLVE,
  PH_MEDIATE,        /* a dispute mediated in the grid first */
  PH_REVIEW,         /* the centre reviews a rejection request */
  PH_EXTENSION,      /* the centre answers an extension request */
  PH_SUPERVISE,
  PH_ANSWER,         /* the department answers the supervision */
  PH_MERGE,          /* a duplicate merged into the open case of its grid */
  PH_TRANSFER,       /* a general event the grid could not handle, to a department */
} Phase;

typedef enum {
  SIDE_NONE,
  SIDE_NOTE,
  SIDE_ESCALATE,
  SIDE_EXTEND,
  SIDE_SUSPEND,
} Side;

typedef struct {
  gint64  t;
  guint64 seq;
  guint8  kind;
  guint32 a;
  guint32 b;
} Act;

typedef struct {
  char          *id;
  WgForce       *force;
  guint          force_index;
  gint64         t_ack, t_enr, t_ons, t_clr;
  guint          done;          /* steps done: 0 notified .. 4 cleared */
} Asg;

typedef struct {
  char             *id;
  gint64            reported_at;
  const WgCategory *category;
  WgGrid           *grid;
  WgForce          *worker;       /* the grid's worker */
  double            lat, lon;
  WgGrade           grade;
  gboolean          dispute;       /* drawn before the report: exactly the share */
  gboolean          stays_open;
  gboolean          terminal;
  gboolean          wrong_first;  /* routed to a wrong department first */
  gboolean          late;         /* feedback after the handle deadline */
  Side              side;
  const WgDepartment *department; /* routed to */
  gint64            routed_at;
  gint64            feedback_at;
  guint             feedbacks;
  const char       *last_outcome;
  int               step;         /* the current step, -1 none */
  gint64            deadline;
  gint64            timer_at;     /* the deadline a timer run is scheduled for */
  GArray           *assignments;  /* Asg */
  gboolean          followup;
  gboolean          deny_rejection; /* the (right) department asks to reject, denied */
  gboolean          supervise;
  gboolean          notice_open;    /* supervised, not answered yet */
  gboolean          reworked;
  gint64            asked_deadline; /* an extension request's deadline */
  guint32           merge_into;     /* index + 1 of the case it duplicates, 0: none */
} Inc;

typedef struct {
  WgStore               *store;
  WgTrackStore          *tracks;
  WgReference           *ref;
  WgCalendar            *calendar;
  const WgHistoryParams *p;
  WgHistoryStats        *stats;
  GRand                 *rand;
  GRand                 *track_rand;  /* tracks only: the journal never depends on them */
  char                  *root_id;
  guint64                n_commands;
  guint                  in_batch;
  gint64                 start, end;
  gint64                 until;       /* nothing happens at or after it (<= end) */
  gint64                 escalation_ms;  /* the store's alarm escalation interval */
  GArray                *heap;        /* Act */
  guint64                heap_seq;
  Inc                   *incidents;
  guint                  n_incidents;
  GPtrArray             *forces;
  GHashTable            *force_index; /* WgForce* -> index + 1 */
  gint64                *busy_until;  /* per force */
  gint64                *patrol_until;
  WgActor              **unit_actors; /* per force */
  WgActor               *dispatcher;
  GHashTable            *leader_actors;
  GHashTable            *dept_actors;
  GPtrArray             *dispute_cats, *other_cats;
  double                 dispute_weight, other_weight;
  GPtrArray             *departments;
  GHashTable            *last_in_grid;  /* grid code -> index + 1 of its latest professional report */
  GPtrArray             *points;      /* WgTrackPoint*, not yet written */
} Gen;

/* ------------------------------------------------------------------ */
/* The heap */

static gboolean
act_before (const Act *x,
            const Act *y)
{
  return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void
push (Gen     *gen,
      gint64   t,
      ActKind  kind,
      guint32  a,
      guint32  b)
{
  Act act = { t, gen->heap_seq++, kind, a, b };
  guint i;

  g_array_append_val (gen->heap, act);
  i = gen->heap->len - 1;
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      Act *ap = &g_array_index (gen->heap, Act, parent);
      Act *ai = &g_array_index (gen->heap, Act, i);
      Act tmp;

      if (!act_before (ai, ap))
        break;
      tmp = *ap; *ap = *ai; *ai = tmp;
      i = parent;
    }
}

static gboolean
pop (Gen *gen,
     Act *out)
{
  guint n = gen->heap->len, i = 0;
  Act *h;

  if (n == 0)
    return FALSE;
  h = &g_array_index (gen->heap, Act, 0);
  *out = h[0];
  h[0] = h[n - 1];
  g_array_set_size (gen->heap, n - 1);
  n--;
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      Act tmp;

      if (l < n && act_before (&h[l], &h[m]))
        m = l;
      if (r < n && act_before (&h[r], &h[m]))
        m = r;
      if (m == i)
        break;
      tmp = h[m]; h[m] = h[i]; h[i] = tmp;
      i = m;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Random helpers */

static double
uniform (Gen    *gen,
         double  lo,
         double  hi)
{
  return g_rand_double_range (gen->rand, lo, hi);
}

static gboolean
chance (Gen    *gen,
        double  p)
{
  return g_rand_double (gen->rand) < p;
}

static gint64
minutes (Gen    *gen,
         double  lo,
         double  hi)
{
  return (gint64) (uniform (gen, lo, hi) * MINUTE);
}

/* @t plus @minutes of working time; plain time when the calendar has none. */
static gint64
working (Gen    *gen,
         gint64  t,
         double  mins)
{
  gint64 r = wg_calendar_add_working_ms (gen->calendar, t, (gint64) (mins * MINUTE));
  return r > t ? r : t + (gint64) (mins * MINUTE);
}

/* When an incident's next action happens: @natural, but near the end of the
 * year every delay is cut to a quarter of the time left, so that everything
 * but the few incidents meant to stay open closes within the year. */
static gint64
at (Gen    *gen,
    gint64  now,
    gint64  natural)
{
  gint64 cap = (gen->end - 1 - now) / 4;

  if (natural < now)
    natural = now;
  return natural - now > cap ? now + MAX (cap, 0) : natural;
}

/* ------------------------------------------------------------------ */
/* Actors */

static WgActor *
dept_actor (Gen                *gen,
            const WgDepartment *department)
{
  WgActor *actor = g_hash_table_lookup (gen->dept_actors, department->code);

  if (actor == NULL)
    {
      actor = wg_actor_new (department->account, WG_ROLE_DEPARTMENT, NULL, department->code, NULL);
      g_hash_table_insert (gen->dept_actors, department->code, actor);
    }
  return actor;
}

static WgActor *
leader_actor (Gen    *gen,
              gint64  t)
{
  const WgPerson *person = wg_reference_get_duty_leader_at (gen->ref, t);
  const char *account = person != NULL ? person->account : "leader";
  WgActor *actor = g_hash_table_lookup (gen->leader_actors, account);

  if (actor == NULL)
    {
      actor = wg_actor_new (account, WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
      g_hash_table_insert (gen->leader_actors, g_strdup (account), actor);
    }
  return actor;
}

static guint
force_index (Gen     *gen,
             WgForce *force)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (gen->force_index, force)) - 1;
}

/* The account acting for a unit: grid workers with their grid; leaders,
 * police and emergency units as field accounts scoped to their home grid or
 * station area; department teams as their department. */
static WgActor *
unit_actor (Gen     *gen,
            WgForce *force)
{
  WgActor **actor = &gen->unit_actors[force_index (gen, force)];

  if (*actor == NULL)
    {
      if (force->type == WG_FORCE_DEPARTMENT_TEAM && force->department != NULL)
        *actor = wg_actor_new (force->account, WG_ROLE_DEPARTMENT, NULL, force->department->code, force->id);
      else
        {
          const char *grid = force->grid != NULL ? force->grid->code
                             : force->station != NULL ? force->station->code : NULL;
          *actor = wg_actor_new (force->account, WG_ROLE_GRID_WORKER, grid, NULL, force->id);
        }
    }
  return *actor;
}

/* ------------------------------------------------------------------ */
/* Commands */

static gboolean
flush_batch (Gen     *gen,
             gboolean reopen,
             GError **error)
{
  if (!wg_store_commit (gen->store, error))
    return FALSE;
  gen->in_batch = 0;
  return !reopen || wg_store_begin (gen->store, error);
}

static void
note_deadline (Gen    *gen,
               Inc    *inc,
               gint64  now)
{
  /* A timer run at the deadline, so that incident.overdue comes on time
   * when the step is still open then. */
  if (inc->step >= 0 && inc->deadline > now && inc->deadline < gen->end && inc->deadline != inc->timer_at)
    {
      push (gen, inc->deadline, ACT_TIMER, 0, 0);
      inc->timer_at = inc->deadline;
    }
}

static void
count_timer_events (Gen       *gen,
                    GPtrArray *events)
{
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->type == WG_EV_ALARM_ESCALATED)
        gen->stats->alarm_escalations++;
      else if (event->type == WG_EV_INCIDENT_OVERDUE)
        gen->stats->overdue++;
    }
}

static char *
next_command_id (Gen *gen)
{
  g_autofree char *label = g_strdup_printf ("command/%" G_GUINT64_FORMAT, gen->n_commands);
  return wg_uuid_derive (gen->root_id, label);
}

/* Runs one command; a refusal is a bug of the generator: it fails. */
static gboolean
run (Gen            *gen,
     Inc            *inc,
     WgCommandType   type,
     JsonObject     *body,
     const WgActor  *actor,
     gint64          now,
     GError        **error)
{
  g_autofree char *id = next_command_id (gen);
  g_autoptr(WgCommand) command = wg_command_new (id, type, body);
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean replayed = FALSE;

  gen->n_commands++;
  json_object_unref (body);
  if (!wg_store_execute_command (gen->store, command, actor, now, &events, &replayed, &local_error))
    {
      g_autofree char *text = wg_command_to_string (command);

      g_set_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_REFUSED,
                   "%s by %s at %" G_GINT64_FORMAT " refused: %s (%s)",
                   wg_command_type_to_string (type), actor->username, now,
                   local_error->message, text);
      return FALSE;
    }
  gen->stats->commands++;
  gen->stats->events += events->len;

  for (guint i = 0; inc != NULL && i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      JsonNode *step;

      if (g_strcmp0 (event->incident, inc->id) != 0 || event->body == NULL)
        continue;
      if ((step = json_object_get_member (event->body, "step")) != NULL)
        {
          WgStep s;

          if (JSON_NODE_HOLDS_NULL (step) || !wg_step_from_string (json_node_get_string (step), &s))
            inc->step = -1, inc->deadline = 0;
          else
            {
              JsonNode *d = json_object_get_member (event->body, "deadline");

              inc->step = s;
              inc->deadline = d != NULL && !JSON_NODE_HOLDS_NULL (d) ? json_node_get_int (d) : 0;
            }
        }
      if (event->type == WG_EV_INCIDENT_ROUTED)
        gen->stats->routings++;
      else if (event->type == WG_EV_INCIDENT_MERGED)
        inc->terminal = TRUE, gen->stats->merged++;
      if (event->type == WG_EV_INCIDENT_CLOSED)
        inc->terminal = TRUE, gen->stats->closed++;
      else if (event->type == WG_EV_INCIDENT_CANCELLED)
        inc->terminal = TRUE, gen->stats->cancelled++;
    }
  if (inc != NULL)
    note_deadline (gen, inc, now);

  if (++gen->in_batch >= gen->p->batch)
    return flush_batch (gen, TRUE, error);
  return TRUE;
}

static JsonObject *
incident_body (Inc *inc)
{
  JsonObject *body = json_object_new ();
  json_object_set_string_member (body, "incident", inc->id);
  return body;
}

static const WgActor *
worker_of (Gen *gen,
           Inc *inc)
{
  return unit_actor (gen, inc->worker);
}

/* ------------------------------------------------------------------ */
/* Tracks */

static void
add_point (Gen        *gen,
           const char *unit,
           gint64      ts,
           double      lat,
           double      lon,
           const char *status)
{
  if (gen->tracks != NULL && ts < gen->until)
    g_ptr_array_add (gen->points, wg_track_point_new (unit, ts, lat, lon, status));
}

static void
add_trip (Gen        *gen,
          const char *unit,
          gint64      from_t,
          gint64      to_t,
          double      lat0,
          double      lon0,
          double      lat1,
          double      lon1,
          const char *status)
{
  if (gen->tracks == NULL || to_t <= from_t)
    return;
  for (gint64 t = from_t; t < to_t; t += TRACK_REPORT_MS)
    {
      double f = (double) (t - from_t) / (double) (to_t - from_t);
      add_point (gen, unit, t, lat0 + f * (lat1 - lat0), lon0 + f * (lon1 - lon0), status);
    }
}

/* A unit dispatched while on patrol leaves its patrol at once. */
static void
cut_patrol (Gen        *gen,
            const char *unit,
            gint64      now)
{
  for (guint i = gen->points->len; i > 0; i--)
    {
      WgTrackPoint *point = gen->points->pdata[i - 1];

      if (point->ts >= now && strcmp (point->unit, unit) == 0 &&
          (g_strcmp0 (point->status, "patrol") == 0 || g_strcmp0 (point->status, "available") == 0))
        g_ptr_array_remove_index (gen->points, i - 1);
    }
}

static int
point_cmp (gconstpointer a,
           gconstpointer b)
{
  const WgTrackPoint *x = *(WgTrackPoint *const *) a;
  const WgTrackPoint *y = *(WgTrackPoint *const *) b;

  if (x->ts != y->ts)
    return x->ts < y->ts ? -1 : 1;
  return strcmp (x->unit, y->unit);
}

/* Writes the points before @now (all of them are known by then), in time
 * order, through the track store's storage policy. */
static gboolean
flush_points (Gen     *gen,
              gint64   now,
              GError **error)
{
  guint n = 0;

  if (gen->tracks == NULL || gen->points->len == 0)
    return TRUE;
  g_ptr_array_sort (gen->points, point_cmp);
  while (n < gen->points->len && ((WgTrackPoint *) gen->points->pdata[n])->ts < now)
    n++;
  if (n == 0)
    return TRUE;
  if (!wg_track_store_begin (gen->tracks, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      gboolean kept = FALSE;

      if (!wg_track_store_add (gen->tracks, gen->points->pdata[i], NULL, &kept, error))
        {
          wg_track_store_rollback (gen->tracks);
          return FALSE;
        }
      gen->stats->track_points++;
      gen->stats->track_points_kept += kept;
    }
  if (!wg_track_store_commit (gen->tracks, error))
    return FALSE;
  g_ptr_array_remove_range (gen->points, 0, n);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Incidents */

static const char *const surnames[] = { "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周" };
static const char *const given[] = { "先生", "女士", "伯", "姨", "师傅" };

static const WgCategory *
pick_category (Gen      *gen,
               gboolean  dispute)
{
  GPtrArray *cats = dispute ? gen->dispute_cats : gen->other_cats;
  double u = g_rand_double (gen->rand) * (dispute ? gen->dispute_weight : gen->other_weight);

  for (guint i = 0; i < cats->len; i++)
    {
      const WgCategory *cat = cats->pdata[i];
      if ((u -= cat->weight) < 0)
        return cat;
    }
  return cats->pdata[cats->len - 1];
}

/* Where a report came from (protocol.md's one vocabulary).  Calls with a
 * caller reach the dispatcher: the 12345 hotline most, emergencies through
 * 110 too, people walking in and phoning the centre; the grid worker finds
 * the rest on patrol, in the grid's WeChat groups and at contact points. */
static const char *
pick_source (Gen      *gen,
             Inc      *inc,
             gboolean  by_phone)
{
  double u = g_rand_double (gen->rand);

  if (by_phone && inc->grade == WG_GRADE_EMERGENCY)
    return u < 0.6 ? "police_110" : u < 0.9 ? "hotline_12345" : "phone";
  if (by_phone)
    return u < 0.7 ? "hotline_12345" : u < 0.9 ? "walk_in" : "phone";
  return u < 0.85 ? "patrol" : u < 0.95 ? "wechat_group" : "contact_point";
}

static void
schedule (Gen    *gen,
          Inc    *inc,
          gint64  now,
          gint64  natural,
          Phase   phase)
{
  push (gen, at (gen, now, natural), ACT_INCIDENT, inc - gen->incidents, phase);
}

static void start_emergency (Gen *gen, Inc *inc, gint64 now);

/* A second report of a matter already open in the grid (重复件), reported
 * in the last days: now and then the dispatcher merges it into that one.
 * Disputes stay as they are (their count is drawn exactly). */
static gboolean
find_duplicate (Gen    *gen,
                Inc    *inc,
                gint64  now)
{
  g_autofree char *key = g_strdup (inc->grid->code);
  guint32 prev = GPOINTER_TO_UINT (g_hash_table_lookup (gen->last_in_grid, key));
  Inc *other = prev > 0 ? &gen->incidents[prev - 1] : NULL;

  g_hash_table_replace (gen->last_in_grid, g_steal_pointer (&key), GUINT_TO_POINTER (inc - gen->incidents + 1));
  if (other == NULL || other->terminal || other->dispute || inc->dispute ||
      now - other->reported_at > 5 * DAY || !chance (gen, gen->p->merge_rate))
    return FALSE;
  inc->merge_into = prev;
  return TRUE;
}

static gboolean
do_report (Gen     *gen,
           Inc     *inc,
           gint64   now,
           GError **error)
{
  JsonObject *body, *loc;
  const WgActor *actor;
  g_autofree char *summary = NULL;
  const char *source;
  gboolean by_phone;
  gboolean on_spot = FALSE;

  inc->category = pick_category (gen, inc->dispute && gen->dispute_cats->len > 0);
  inc->dispute = g_strcmp0 (inc->category->klass, "dispute") == 0;
  if (!wg_grade_from_string (inc->category->grade, &inc->grade))
    inc->grade = WG_GRADE_GENERAL;
  inc->grid = wg_reference_pick_grid (gen->ref, wg_reference_get_max_level (gen->ref), g_rand_double (gen->rand));
  wg_grid_random_point (inc->grid, gen->rand, &inc->lat, &inc->lon);
  for (guint i = 0; inc->grid->responsible != NULL && i < inc->grid->responsible->len; i++)
    {
      WgForce *force = inc->grid->responsible->pdata[i];
      if (force->type == WG_FORCE_GRID_WORKER)
        {
          inc->worker = force;
          break;
        }
    }
  if (inc->worker == NULL)
    {
      g_set_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_INVALID,
                   "grid %s has no grid worker", inc->grid->code);
      return FALSE;
    }
  inc->step = -1;

  body = json_object_new ();
  loc = json_object_new ();
  by_phone = inc->grade == WG_GRADE_EMERGENCY ? chance (gen, 0.5)
             : inc->grade == WG_GRADE_PROFESSIONAL ? chance (gen, 0.2) : FALSE;
  actor = by_phone ? gen->dispatcher : worker_of (gen, inc);
  source = pick_source (gen, inc, by_phone);
  summary = wg_summary_compose (inc->category->code, inc->category->name_zh, gen->rand);

  json_object_set_string_member (body, "grade", inc->category->grade);
  json_object_set_string_member (body, "category", inc->category->code);
  json_object_set_double_member (loc, "lat", round (inc->lat * 1e6) / 1e6);
  json_object_set_double_member (loc, "lon", round (inc->lon * 1e6) / 1e6);
  json_object_set_object_member (body, "location", loc);
  json_object_set_string_member (body, "summary", summary);
  json_object_set_string_member (body, "source", source);
  json_object_set_string_member (body, "grid", inc->grid->code);
  if (by_phone)
    {
      JsonObject *caller = json_object_new ();
      g_autofree char *name = g_strconcat (surnames[g_rand_int_range (gen->rand, 0, G_N_ELEMENTS (surnames))],
                                           given[g_rand_int_range (gen->rand, 0, G_N_ELEMENTS (given))], NULL);
      g_autofree char *phone = g_strdup_printf ("13%09d", g_rand_int_range (gen->rand, 0, 1000000000));

      json_object_set_string_member (caller, "name", name);
      json_object_set_string_member (caller, "phone", phone);
      json_object_set_object_member (body, "caller", caller);
    }
  if (inc->grade == WG_GRADE_GENERAL && !inc->stays_open && chance (gen, gen->p->on_spot_rate))
    {
      JsonObject *spot = json_object_new ();
      json_object_set_string_member (spot, "resolution", "已现场处置");
      json_object_set_object_member (body, "handled_on_spot", spot);
      on_spot = TRUE;
    }

  gen->stats->incidents++;
  gen->stats->by_grade[inc->grade]++;
  gen->stats->disputes += inc->dispute;
  if (!run (gen, inc, WG_CMD_INCIDENT_REPORT, body, actor, now, error))
    return FALSE;

  if (inc->stays_open || on_spot)
    return TRUE;

  switch (inc->grade)
    {
    case WG_GRADE_GENERAL:
      /* Now and then what the worker went to handle turns out an
       * emergency (an e-bike on fire, not just charging in the hall). */
      if (chance (gen, gen->p->upgrade_rate / 3))
        schedule (gen, inc, now, now + minutes (gen, 2, 15), PH_UPGRADE);
      else if (inc->category->department != NULL && chance (gen, gen->p->transfer_rate))
        /* The grid cannot handle it (a truck of rubble to clear): the
         * centre transfers it to the department (转派). */
        schedule (gen, inc, now, now + minutes (gen, 30, 240), PH_TRANSFER);
      else
        schedule (gen, inc, now, now + minutes (gen, 10, 180), PH_HANDLE);
      break;
    case WG_GRADE_PROFESSIONAL:
      if (inc->category->n_response_steps > 0 && chance (gen, gen->p->upgrade_rate))
        schedule (gen, inc, now, now + minutes (gen, 2, 15), PH_UPGRADE);
      else if (chance (gen, gen->p->cancel_rate))
        schedule (gen, inc, now, now + minutes (gen, 5, 60), PH_CANCEL);
      else if (inc->category->mediate_first)
        /* 小事不出网格: the grid worker and the five heads try first. */
        schedule (gen, inc, now, now + minutes (gen, 30, 8 * 60), PH_MEDIATE);
      else if (find_duplicate (gen, inc, now))
        schedule (gen, inc, now, now + minutes (gen, 5, 60), PH_MERGE);
      else
        {
          inc->wrong_first = chance (gen, gen->p->rejection_rate);
          inc->deny_rejection = !inc->wrong_first &&
                                chance (gen, gen->p->rejection_denied_rate / (1 - gen->p->rejection_rate));
          /* Now and then the centre routes late (past its hour). */
          schedule (gen, inc, now, chance (gen, 0.01) ? working (gen, now, uniform (gen, 70, 240))
                                                      : now + minutes (gen, 2, 40), PH_ROUTE);
        }
      break;
    case WG_GRADE_EMERGENCY:
    default:
      start_emergency (gen, inc, now);
      break;
    }
  return TRUE;
}

/* An emergency from @now: the duty leader acknowledges the alarm (late now
 * and then, so that alarm.escalated appears), the dispatcher dispatches
 * without waiting for it. */
static void
start_emergency (Gen    *gen,
                 Inc    *inc,
                 gint64  now)
{
  guint32 i = inc - gen->incidents;
  gint64 ack;

  if (chance (gen, gen->p->unacknowledged_rate))
    ack = at (gen, now, now + (gint64) (uniform (gen, 1.03, 2.8) * gen->escalation_ms));
  else
    ack = at (gen, now, now + (gint64) uniform (gen, 5, 50) * SECOND);
  push (gen, ack, ACT_ALARM_ACK, i, 0);
  /* The store escalates an alarm unacknowledged for its interval, twice. */
  for (gint64 e = now + gen->escalation_ms; e <= ack && e <= now + 2 * gen->escalation_ms; e += gen->escalation_ms)
    if (e < gen->end)
      push (gen, e, ACT_TIMER, 0, 0);
  schedule (gen, inc, now, now + (gint64) (chance (gen, 0.03) ? uniform (gen, 185, 400)
                                                               : uniform (gen, 20, 150)) * SECOND,
            PH_DISPATCH);
}

static const WgDepartment *
other_department (Gen                *gen,
                  const WgDepartment *not_this)
{
  for (;;)
    {
      const WgDepartment *d = gen->departments->pdata[g_rand_int_range (gen->rand, 0, gen->departments->len)];
      if (d != not_this || gen->departments->len < 2)
        return d;
    }
}

static double
handle_limit_minutes (const WgCategory *cat)
{
  guint hours = cat->accept_hours + cat->feedback_hours;
  return hours > 0 ? hours * 60.0 : 16 * 60.0;
}

static gboolean
do_dispatch (Gen     *gen,
             Inc     *inc,
             gint64   now,
             GError **error)
{
  JsonObject *body = incident_body (inc);
  JsonArray *units = json_array_new ();
  gint64 first_ons = G_MAXINT64, last_clr = 0, resolve_t;
  guint32 idx = inc - gen->incidents;

  inc->assignments = g_array_new (FALSE, TRUE, sizeof (Asg));
  /* A category without a response plan (an upgraded general one): the
   * grid's worker, the nearest emergency unit and police officer. */
  static const WgResponseStep default_plan[] = {
    { WG_FORCE_GRID_WORKER, 1 }, { WG_FORCE_EMERGENCY_UNIT, 1 }, { WG_FORCE_COMMUNITY_POLICE, 1 },
  };
  const WgResponseStep *plan = inc->category->n_response_steps > 0 ? inc->category->response_plan : default_plan;
  guint n_steps = inc->category->n_response_steps > 0 ? inc->category->n_response_steps : G_N_ELEMENTS (default_plan);

  for (guint s = 0; s < n_steps; s++)
    {
      const WgResponseStep *need = &plan[s];
      g_autoptr(GPtrArray) near = wg_reference_dup_forces_near (gen->ref, inc->lat, inc->lon,
                                                               need->type, 0, 0);
      guint taken = 0;

      /* The grid's own worker first: it knows the place and the people. */
      if (need->type == WG_FORCE_GRID_WORKER && inc->worker != NULL && g_ptr_array_remove (near, inc->worker))
        g_ptr_array_insert (near, 0, inc->worker);

      for (guint k = 0; k < near->len && taken < need->count; k++)
        {
          WgForce *force = near->pdata[k];
          guint fi = force_index (gen, force);
          guint slot = fi;
          Asg asg = { 0 };

          if (gen->busy_until[slot] >= now)
            continue;
          asg.force = force;
          asg.force_index = fi;
          g_array_append_val (inc->assignments, asg);
          taken++;
          gen->busy_until[slot] = G_MAXINT64; /* until its times are known below */
        }
    }
  if (inc->assignments->len == 0)
    {
      /* Everyone of the plan is busy: the nearest free force of any kind. */
      g_autoptr(GPtrArray) near = wg_reference_dup_forces_near (gen->ref, inc->lat, inc->lon,
                                                               WG_N_FORCE_TYPES, 0, 0);
      for (guint k = 0; k < near->len; k++)
        {
          WgForce *force = near->pdata[k];
          guint fi = force_index (gen, force);
          guint slot = fi;
          Asg asg = { 0 };

          if (force->type == WG_FORCE_FIVE_HEAD || gen->busy_until[slot] >= now)
            continue;
          asg.force = force;
          asg.force_index = fi;
          g_array_append_val (inc->assignments, asg);
          break;
        }
    }
  if (inc->assignments->len == 0)
    {
      json_array_unref (units);
      json_object_unref (body);
      g_set_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_INVALID, "no free force for an emergency");
      return FALSE;
    }

  for (guint k = 0; k < inc->assignments->len; k++)
    {
      Asg *asg = &g_array_index (inc->assignments, Asg, k);
      json_array_add_string_element (units, asg->force->id);
    }
  json_object_set_array_member (body, "units", units);
  {
    /* The assignment ids decide() derives from the command id. */
    g_autofree char *cmd_id = next_command_id (gen);

    for (guint k = 0; k < inc->assignments->len; k++)
      {
        Asg *asg = &g_array_index (inc->assignments, Asg, k);
        g_autofree char *label = g_strconcat ("assignment/", asg->force->id, NULL);

        asg->id = wg_uuid_derive (cmd_id, label);
      }
  }
  if (!run (gen, inc, WG_CMD_DISPATCH_ASSIGN, body, gen->dispatcher, now, error))
    return FALSE;
  gen->stats->dispatches++;
  gen->stats->assignments += inc->assignments->len;

  /* Times of every step, from the travel time of each force. */
  for (guint k = 0; k < inc->assignments->len; k++)
    {
      Asg *asg = &g_array_index (inc->assignments, Asg, k);
      double eta = wg_force_eta_seconds (asg->force, asg->force->lat, asg->force->lon,
                                         inc->lat, inc->lon);

      asg->t_ack = at (gen, now, now + (gint64) uniform (gen, 8, 60) * SECOND);
      asg->t_enr = at (gen, asg->t_ack, asg->t_ack + (gint64) uniform (gen, 5, 40) * SECOND);
      asg->t_ons = at (gen, asg->t_enr, asg->t_enr + (gint64) (MAX (eta, 20) * uniform (gen, 0.9, 1.25) * SECOND));
      first_ons = MIN (first_ons, asg->t_ons);
    }
  resolve_t = at (gen, first_ons, first_ons + minutes (gen, 15, 90));
  for (guint k = 0; k < inc->assignments->len; k++)
    {
      Asg *asg = &g_array_index (inc->assignments, Asg, k);
      gint64 from = MAX (asg->t_ons, resolve_t);
      guint slot = asg->force_index;
      const char *unit = asg->force->id;
      double hlat = asg->force->lat, hlon = asg->force->lon;
      gint64 back;

      asg->t_clr = at (gen, from, from + minutes (gen, 1, 15));
      last_clr = MAX (last_clr, asg->t_clr);
      back = asg->t_clr + (asg->t_ons - asg->t_enr);
      gen->busy_until[slot] = asg->t_clr;
      if (gen->tracks != NULL && gen->patrol_until[slot] >= now)
        cut_patrol (gen, unit, now);
      gen->patrol_until[slot] = MAX (gen->patrol_until[slot], back);
      push (gen, asg->t_ack, ACT_ASSIGNMENT, idx, k);

      add_point (gen, unit, now, hlat, hlon, "notified");
      add_trip (gen, unit, asg->t_enr, asg->t_ons, hlat, hlon, inc->lat, inc->lon, "en_route");
      add_point (gen, unit, asg->t_ons, inc->lat, inc->lon, "on_scene");
      add_trip (gen, unit, asg->t_clr, back, inc->lat, inc->lon, hlat, hlon, "returning");
      add_point (gen, unit, back, hlat, hlon, "available");
    }
  push (gen, resolve_t, ACT_INCIDENT, idx, PH_RESOLVE);
  inc->followup = inc->category->department != NULL && chance (gen, gen->p->followup_rate);
  inc->feedback_at = last_clr; /* kept for the close */
  return TRUE;
}

static gboolean
do_assignment (Gen     *gen,
               Inc     *inc,
               guint    k,
               gint64   now,
               GError **error)
{
  static const WgCommandType steps[] = {
    WG_CMD_ASSIGNMENT_ACKNOWLEDGE, WG_CMD_ASSIGNMENT_EN_ROUTE,
    WG_CMD_ASSIGNMENT_ON_SCENE, WG_CMD_ASSIGNMENT_CLEAR,
  };
  Asg *asg = &g_array_index (inc->assignments, Asg, k);
  JsonObject *body;
  gint64 next;

  /* Closing cancels the open assignments; nothing left to do then. */
  if (inc->terminal || asg->done >= G_N_ELEMENTS (steps))
    return TRUE;
  body = json_object_new ();
  json_object_set_string_member (body, "assignment", asg->id);
  if (!run (gen, inc, steps[asg->done], body, unit_actor (gen, asg->force), now, error))
    return FALSE;
  asg->done++;
  next = asg->done == 1 ? asg->t_enr : asg->done == 2 ? asg->t_ons : asg->done == 3 ? asg->t_clr : -1;
  if (next >= 0)
    push (gen, next, ACT_ASSIGNMENT, inc - gen->incidents, k);
  return TRUE;
}

static gboolean
do_route (Gen     *gen,
          Inc     *inc,
          gint64   now,
          GError **error)
{
  JsonObject *body = incident_body (inc);
  const WgDepartment *dept = inc->category->department;
  gint64 accept;

  if (inc->department != NULL)
    gen->stats->reroutes++;
  if (inc->wrong_first && inc->department == NULL)
    dept = other_department (gen, dept);
  if (dept == NULL)
    dept = other_department (gen, NULL);
  json_object_set_string_member (body, "department", dept->code);
  json_object_set_string_member (body, "instructions", "请按时限办理并反馈");
  inc->department = dept;
  if (!run (gen, inc, WG_CMD_INCIDENT_ROUTE, body, gen->dispatcher, now, error))
    return FALSE;
  inc->routed_at = now;

  accept = working (gen, now, uniform (gen, 5, MAX (10, inc->category->accept_hours * 60 * 0.7)));
  if (dept != inc->category->department && inc->category->department != NULL)
    {
      schedule (gen, inc, now, accept, PH_REJECT);
      return TRUE;
    }
  inc->late = chance (gen, gen->p->late_feedback_rate);
  {
    double limit = handle_limit_minutes (inc->category);
    double frac = inc->late ? uniform (gen, 1.05, 1.6) : uniform (gen, 0.08, 0.8);

    inc->feedback_at = MAX (working (gen, now, frac * limit), accept + 30 * MINUTE);
  }
  inc->side = SIDE_NONE;
  inc->supervise = FALSE;
  if (inc->grade == WG_GRADE_PROFESSIONAL)
    {
      double u = g_rand_double (gen->rand);
      /* Half the late ones ask for more time, and some of the others. */
      double ext = (gen->p->extension_request_rate - gen->p->late_feedback_rate / 2) /
                   (1 - gen->p->late_feedback_rate);

      if (chance (gen, inc->late ? 0.5 : MAX (ext, 0)))
        inc->side = SIDE_EXTEND;
      else if ((u -= gen->p->escalate_rate) < 0)
        inc->side = SIDE_ESCALATE;
      else if ((u -= gen->p->suspend_rate) < 0)
        inc->side = SIDE_SUSPEND;
      else if ((u -= gen->p->note_rate) < 0)
        inc->side = SIDE_NOTE;
      /* The centre presses the late ones mostly (督办/催办); not while
       * suspended. */
      if (inc->side != SIDE_SUSPEND)
        inc->supervise = chance (gen, inc->late ? 0.6 : (gen->p->supervision_rate - 0.6 * gen->p->late_feedback_rate) /
                                                         (1 - gen->p->late_feedback_rate));
    }
  if (inc->deny_rejection)
    {
      /* The department asks to reject a case that is its own. */
      inc->deny_rejection = FALSE;
      inc->wrong_first = FALSE;
      schedule (gen, inc, now, accept, PH_REJECT);
      return TRUE;
    }
  schedule (gen, inc, now, accept, PH_ACCEPT);
  return TRUE;
}

static gboolean
do_side (Gen     *gen,
         Inc     *inc,
         gint64   now,
         GError **error)
{
  JsonObject *body = incident_body (inc);

  switch (inc->side)
    {
    case SIDE_NOTE:
      json_object_set_string_member (body, "text", "已电话联系当事人，约定上门时间");
      gen->stats->notes++;
      return run (gen, inc, WG_CMD_INCIDENT_NOTE, body, dept_actor (gen, inc->department), now, error);

    case SIDE_ESCALATE:
      {
        gboolean station = chance (gen, 0.6);
        json_object_set_string_member (body, "level", station ? "station" : "centre");
        json_object_set_string_member (body, "reason", station ? "需工作站协调多方" : "涉及多个部门，提请中心协调");
        gen->stats->incident_escalations++;
        return run (gen, inc, WG_CMD_INCIDENT_ESCALATE, body,
                    station ? worker_of (gen, inc) : gen->dispatcher, now, error);
      }

    case SIDE_EXTEND:
      {
        /* The department asks for more time (延期申请); the centre
         * answers before the feedback: approved, the handle deadline
         * moves past it, which then is not overdue. */
        gint64 deadline = MAX (inc->deadline, inc->feedback_at);
        deadline = MAX (working (gen, deadline, uniform (gen, 120, 960)), now + HOUR);
        inc->asked_deadline = deadline;
        json_object_set_int_member (body, "deadline", deadline);
        json_object_set_string_member (body, "reason", "需协调业主及物业，申请延期");
        gen->stats->extension_requests++;
        if (!run (gen, inc, WG_CMD_INCIDENT_REQUEST_EXTENSION, body, dept_actor (gen, inc->department), now, error))
          return FALSE;
        schedule (gen, inc, now, now + (gint64) ((inc->feedback_at - now) * uniform (gen, 0.2, 0.5)), PH_EXTENSION);
        return TRUE;
      }

    case SIDE_SUSPEND:
      json_object_set_string_member (body, "reason", "当事人外出，暂缓处理");
      gen->stats->suspensions++;
      return run (gen, inc, WG_CMD_INCIDENT_SUSPEND, body, leader_actor (gen, now), now, error);

    case SIDE_NONE:
    default:
      json_object_unref (body);
      return TRUE;
    }
}

/* The department answers a supervision notice; at the latest with its
 * feedback. */
static gboolean
answer_supervision (Gen     *gen,
                    Inc     *inc,
                    gint64   now,
                    GError **error)
{
  JsonObject *body;

  if (!inc->notice_open)
    return TRUE;
  inc->notice_open = FALSE;
  body = incident_body (inc);
  json_object_set_string_member (body, "text", "已安排专人跟进，将于近日办结反馈");
  return run (gen, inc, WG_CMD_INCIDENT_ANSWER_SUPERVISION, body, dept_actor (gen, inc->department), now, error);
}

static gboolean
do_feedback (Gen     *gen,
             Inc     *inc,
             gint64   now,
             GError **error)
{
  JsonObject *body;
  const char *outcome, *result;

  if (!answer_supervision (gen, inc, now, error))
    return FALSE;
  body = incident_body (inc);

  if (inc->dispute)
    {
      gboolean failed = inc->feedbacks == 0 && chance (gen, 0.08);
      outcome = failed ? "mediation_failed" : "mediated";
      result = failed ? "双方分歧较大，调解未成功" : "经调解双方达成一致";
      if (failed)
        gen->stats->mediation_failed++;
      else
        gen->stats->mediated++;
    }
  else
    {
      gboolean partly = inc->feedbacks == 0 && chance (gen, 0.06);
      outcome = partly ? "partly" : "resolved";
      result = partly ? "已部分处理，待后续跟进" : "已处理完毕";
    }
  json_object_set_string_member (body, "result", result);
  json_object_set_string_member (body, "outcome", outcome);
  inc->last_outcome = outcome;
  inc->feedbacks++;
  if (!run (gen, inc, WG_CMD_INCIDENT_FEEDBACK, body, dept_actor (gen, inc->department), now, error))
    return FALSE;
  schedule (gen, inc, now, now + minutes (gen, 30, 360), PH_VERIFY);
  return TRUE;
}

/* A case from the hotline (the category's call_back rule) closes only
 * after a satisfied call-back (回访). */
static gboolean
call_back_if_needed (Gen      *gen,
                     Inc      *inc,
                     gint64    now,
                     gboolean *reworked,
                     GError  **error)
{
  g_auto(WgIncidentRecord) record = { 0 };
  JsonObject *body;
  const char *satisfaction = "satisfied", *remark = "群众表示满意";

  *reworked = FALSE;
  if (!wg_store_get_incident (gen->store, inc->id, &record, error))
    return FALSE;
  if (!record.call_back_required || record.call_back == WG_SATISFACTION_SATISFIED ||
      record.call_back == WG_SATISFACTION_BASICALLY_SATISFIED)
    return TRUE;
  /* Unsatisfied sends a department's case back once (返工); a dispute
   * settled in the grid has no department to send it to. */
  if (inc->department != NULL && !inc->reworked && !inc->stays_open &&
      chance (gen, gen->p->unsatisfied_rate))
    {
      satisfaction = "unsatisfied";
      remark = "群众反映问题仍未解决";
      inc->reworked = *reworked = TRUE;
      gen->stats->unsatisfied++;
    }
  else if (chance (gen, 0.2))
    satisfaction = "basically_satisfied", remark = "群众基本满意";
  body = incident_body (inc);
  json_object_set_string_member (body, "satisfaction", satisfaction);
  json_object_set_string_member (body, "remark", remark);
  gen->stats->call_backs++;
  return run (gen, inc, WG_CMD_INCIDENT_CALL_BACK, body, gen->dispatcher, now, error);
}

static gboolean
do_verify (Gen     *gen,
           Inc     *inc,
           gint64   now,
           GError **error)
{
  JsonObject *body = incident_body (inc);
  gboolean passed = TRUE;

  if (inc->feedbacks < 3)
    {
      if (g_strcmp0 (inc->last_outcome, "mediation_failed") == 0)
        passed = FALSE;
      else if (g_strcmp0 (inc->last_outcome, "partly") == 0)
        passed = chance (gen, 0.5);
      else
        passed = !chance (gen, gen->p->verify_fail_rate);
    }
  json_object_set_boolean_member (body, "passed", passed);
  json_object_set_string_member (body, "remark", passed ? "现场核实已办结" : "现场核实未解决，退回重办");
  if (!run (gen, inc, WG_CMD_INCIDENT_VERIFY, body, worker_of (gen, inc), now, error))
    return FALSE;
  if (passed)
    schedule (gen, inc, now, now + minutes (gen, 5, 120), PH_CLOSE);
  else
    {
      gen->stats->verification_failures++;
      schedule (gen, inc, now, working (gen, now, uniform (gen, 120, 960)), PH_FEEDBACK);
    }
  return TRUE;
}

static gboolean
do_phase (Gen     *gen,
          Inc     *inc,
          Phase    phase,
          gint64   now,
          GError **error)
{
  JsonObject *body;

  if (inc->terminal)
    return TRUE;

  switch (phase)
    {
    case PH_HANDLE:
      body = incident_body (inc);
      json_object_set_string_member (body, "resolution", "已上门处置");
      return run (gen, inc, WG_CMD_INCIDENT_HANDLE_ON_SPOT, body, worker_of (gen, inc), now, error);

    case PH_ROUTE:
      return do_route (gen, inc, now, error);

    case PH_REJECT:
      /* A rejection is a request the centre reviews (退单审核). */
      body = incident_body (inc);
      json_object_set_string_member (body, "reason", "非本部门职责");
      gen->stats->rejection_requests++;
      if (!run (gen, inc, WG_CMD_INCIDENT_REJECT, body, dept_actor (gen, inc->department), now, error))
        return FALSE;
      schedule (gen, inc, now, now + minutes (gen, 10, 90), PH_REVIEW);
      return TRUE;

    case PH_REVIEW:
      {
        gboolean approve = inc->department != inc->category->department;

        body = incident_body (inc);
        json_object_set_boolean_member (body, "approve", approve);
        json_object_set_string_member (body, "remark", approve ? "确非该部门职责，重新流转" : "属本部门职责，请签收办理");
        if (!run (gen, inc, WG_CMD_INCIDENT_REVIEW_REJECTION, body, gen->dispatcher, now, error))
          return FALSE;
        if (approve)
          {
            gen->stats->rejections++;
            inc->wrong_first = FALSE;
            schedule (gen, inc, now, now + minutes (gen, 3, 40), PH_ROUTE);
          }
        else
          schedule (gen, inc, now, working (gen, now, uniform (gen, 5, 60)), PH_ACCEPT);
        return TRUE;
      }

    case PH_ACCEPT:
      if (!run (gen, inc, WG_CMD_INCIDENT_ACCEPT, incident_body (inc), dept_actor (gen, inc->department), now, error))
        return FALSE;
      inc->feedback_at = MAX (inc->feedback_at, now + 30 * MINUTE);
      if (inc->supervise)
        schedule (gen, inc, now, now + (gint64) ((inc->feedback_at - now) * uniform (gen, 0.55, 0.8)), PH_SUPERVISE);
      if (inc->side != SIDE_NONE)
        schedule (gen, inc, now, now + (gint64) ((inc->feedback_at - now) * uniform (gen, 0.1, 0.5)), PH_SIDE);
      else
        schedule (gen, inc, now, inc->feedback_at, PH_FEEDBACK);
      return TRUE;

    case PH_SIDE:
      if (!do_side (gen, inc, now, error))
        return FALSE;
      if (inc->side == SIDE_SUSPEND)
        schedule (gen, inc, now, now + minutes (gen, 24 * 60, 4 * 24 * 60), PH_RESUME);
      else
        schedule (gen, inc, now, inc->feedback_at, PH_FEEDBACK);
      inc->side = SIDE_NONE;
      return TRUE;

    case PH_RESUME:
      body = incident_body (inc);
      json_object_set_string_member (body, "reason", "当事人已返回");
      if (!run (gen, inc, WG_CMD_INCIDENT_RESUME, body, leader_actor (gen, now), now, error))
        return FALSE;
      inc->feedback_at = working (gen, now, uniform (gen, 120, 960));
      schedule (gen, inc, now, inc->feedback_at, PH_FEEDBACK);
      return TRUE;

    case PH_FEEDBACK:
      return do_feedback (gen, inc, now, error);

    case PH_VERIFY:
      return do_verify (gen, inc, now, error);

    case PH_CLOSE:
      {
        gboolean reworked = FALSE;

        if (!call_back_if_needed (gen, inc, now, &reworked, error))
          return FALSE;
        if (reworked)
          {
            /* 返工: the department handles it again. */
            inc->feedback_at = working (gen, now, uniform (gen, 120, 960));
            schedule (gen, inc, now, inc->feedback_at, PH_FEEDBACK);
            return TRUE;
          }
      }
      body = incident_body (inc);
      json_object_set_string_member (body, "remark", "办结");
      return run (gen, inc, WG_CMD_INCIDENT_CLOSE, body, gen->dispatcher, now, error);

    case PH_UPGRADE:
      body = incident_body (inc);
      json_object_set_string_member (body, "reason", "现场人员聚集，事态升级");
      gen->stats->upgrades++;
      if (!run (gen, inc, WG_CMD_INCIDENT_UPGRADE, body, worker_of (gen, inc), now, error))
        return FALSE;
      inc->grade = WG_GRADE_EMERGENCY;
      start_emergency (gen, inc, now);
      return TRUE;

    case PH_CANCEL:
      body = incident_body (inc);
      json_object_set_string_member (body, "reason", "重复上报");
      return run (gen, inc, WG_CMD_INCIDENT_CANCEL, body, gen->dispatcher, now, error);

    case PH_DISPATCH:
      return do_dispatch (gen, inc, now, error);

    case PH_MEDIATE:
      {
        gboolean ok = chance (gen, gen->p->mediation_success_rate);
        g_autofree char *remark = wg_summary_mediation (ok, gen->rand);
        JsonArray *parties = json_array_new ();

        body = incident_body (inc);
        json_object_set_string_member (body, "outcome", ok ? "mediated" : "failed");
        json_object_set_string_member (body, "remark", remark);
        json_array_add_string_element (parties, "当事双方");
        json_array_add_string_element (parties, "议事长");
        json_object_set_array_member (body, "parties", parties);
        gen->stats->grid_mediations++;
        gen->stats->grid_mediations_failed += !ok;
        if (!run (gen, inc, WG_CMD_INCIDENT_MEDIATE, body, worker_of (gen, inc), now, error))
          return FALSE;
        if (ok)
          schedule (gen, inc, now, now + minutes (gen, 10, 120), PH_CLOSE);
        else
          {
            /* Only a failed mediation goes to a department. */
            inc->wrong_first = chance (gen, gen->p->rejection_rate);
            schedule (gen, inc, now, now + minutes (gen, 10, 60), PH_ROUTE);
          }
        return TRUE;
      }

    case PH_EXTENSION:
      body = incident_body (inc);
      if (chance (gen, gen->p->extension_approval_rate))
        {
          json_object_set_int_member (body, "deadline", inc->asked_deadline);
          json_object_set_string_member (body, "reason", "同意延期");
          gen->stats->extensions++;
          return run (gen, inc, WG_CMD_INCIDENT_EXTEND, body, gen->dispatcher, now, error);
        }
      json_object_set_string_member (body, "reason", "理由不充分，请按原时限办结");
      gen->stats->extensions_declined++;
      return run (gen, inc, WG_CMD_INCIDENT_DECLINE_EXTENSION, body, gen->dispatcher, now, error);

    case PH_SUPERVISE:
      {
        gboolean hard = inc->late && chance (gen, 0.5);

        body = incident_body (inc);
        json_object_set_string_member (body, "level", hard ? "supervise" : "urge");
        json_object_set_string_member (body, "remark", hard ? "已超时限，请说明原因并限期办结" : "请加快办理进度");
        gen->stats->supervisions++;
        if (!run (gen, inc, WG_CMD_INCIDENT_SUPERVISE, body, gen->dispatcher, now, error))
          return FALSE;
        inc->notice_open = TRUE;
        schedule (gen, inc, now, now + (gint64) (MAX (inc->feedback_at - now, 0) * uniform (gen, 0.2, 0.8)),
                  PH_ANSWER);
        return TRUE;
      }

    case PH_ANSWER:
      return answer_supervision (gen, inc, now, error);

    case PH_TRANSFER:
      /* Routed, it is a professional case from now on (incident.regraded). */
      gen->stats->transfers++;
      inc->grade = WG_GRADE_PROFESSIONAL;
      inc->wrong_first = FALSE;
      return do_route (gen, inc, now, error);

    case PH_MERGE:
      {
        Inc *into = &gen->incidents[inc->merge_into - 1];

        if (into->terminal)
          {
            /* The other one closed meanwhile: this one is handled on its own. */
            inc->merge_into = 0;
            inc->wrong_first = chance (gen, gen->p->rejection_rate);
            return do_route (gen, inc, now, error);
          }
        body = incident_body (inc);
        json_object_set_string_member (body, "into", into->id);
        json_object_set_string_member (body, "reason", "同一问题重复反映，合并办理");
        return run (gen, inc, WG_CMD_INCIDENT_MERGE, body, gen->dispatcher, now, error);
      }

    case PH_RESOLVE:
      body = incident_body (inc);
      json_object_set_string_member (body, "summary", "现场处置完毕");
      if (!run (gen, inc, WG_CMD_INCIDENT_RESOLVE, body, gen->dispatcher, now, error))
        return FALSE;
      if (inc->followup)
        {
          inc->wrong_first = FALSE;
          schedule (gen, inc, now, now + minutes (gen, 10, 60), PH_ROUTE);
        }
      else
        {
          gint64 after = MAX (inc->feedback_at, now);
          schedule (gen, inc, now, after + minutes (gen, 2, 20), PH_CLOSE);
        }
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
do_alarm_ack (Gen     *gen,
              Inc     *inc,
              gint64   now,
              GError **error)
{
  return run (gen, inc, WG_CMD_ALARM_ACKNOWLEDGE, incident_body (inc), leader_actor (gen, now), now, error);
}

static gboolean
do_timers (Gen     *gen,
           gint64   now,
           GError **error)
{
  g_autoptr(GPtrArray) events = NULL;

  if (!wg_store_run_timers (gen->store, now, &events, error))
    return FALSE;
  if (events != NULL)
    {
      gen->stats->events += events->len;
      count_timer_events (gen, events);
    }
  return TRUE;
}

static gboolean
do_handover (Gen     *gen,
             gint64   now,
             GError **error)
{
  const WgPerson *out = wg_reference_get_duty_leader_at (gen->ref, now - 1);
  const WgPerson *in = wg_reference_get_duty_leader_at (gen->ref, now);
  JsonObject *body;

  if (!flush_points (gen, now, error))
    return FALSE;
  if (out == NULL || in == NULL || g_strcmp0 (out->account, in->account) == 0)
    return TRUE;
  body = json_object_new ();
  json_object_set_string_member (body, "to", in->account);
  json_object_set_string_member (body, "remark", "交接班");
  gen->stats->handovers++;
  return run (gen, NULL, WG_CMD_ROSTER_HANDOVER, body, leader_actor (gen, now - 1), now, error);
}

/* A grid worker's patrol of about an hour through its grid, on foot: stored
 * as a track only (patrols are not journal events). */
static void
do_patrol (Gen    *gen,
           gint64  now)
{
  GPtrArray *workers = wg_reference_get_forces_by_type (gen->ref, WG_FORCE_GRID_WORKER);
  WgForce *force;
  guint slot;
  double lat, lon;
  const char *unit;
  gint64 t = now, stop = now + (gint64) g_rand_double_range (gen->track_rand, 40, 80) * MINUTE;

  if (workers->len == 0 || gen->tracks == NULL)
    return;
  force = workers->pdata[g_rand_int_range (gen->track_rand, 0, workers->len)];
  slot = force_index (gen, force);
  if (gen->busy_until[slot] >= now || gen->patrol_until[slot] >= now || force->grid == NULL)
    return;
  stop = MIN (stop, gen->end - 1);
  gen->patrol_until[slot] = stop;
  unit = force->id;
  lat = force->lat;
  lon = force->lon;
  while (t < stop)
    {
      double nlat, nlon, eta;
      gint64 leg;

      wg_grid_random_point (force->grid, gen->track_rand, &nlat, &nlon);
      eta = wg_track_distance_m (lat, lon, nlat, nlon) / (5000.0 / 3600.0);
      leg = MIN ((gint64) (eta * SECOND) + SECOND, stop - t);
      add_trip (gen, unit, t, t + leg, lat, lon, nlat, nlon, "patrol");
      t += leg;
      lat = nlat;
      lon = nlon;
    }
  add_point (gen, unit, stop, lat, lon, "available");
}

/* ------------------------------------------------------------------ */

void
wg_history_params_init (WgHistoryParams *params)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  params->seed = 42;
  params->anchor = "2026-11-28";
  params->days = 365;
  params->incidents_per_year = 7989;
  params->incident_scale = 1.0;
  params->closure_rate = 0.9997;
  params->dispute_share = 900.0 / 7989.0;
  params->on_spot_rate = 0.9;
  params->rejection_rate = 0.085;
  params->rejection_denied_rate = 0.04;
  params->late_feedback_rate = 0.04;
  params->unacknowledged_rate = 0.1;
  params->verify_fail_rate = 0.03;
  params->upgrade_rate = 0.03;
  params->followup_rate = 0.25;
  params->cancel_rate = 0.002;
  params->escalate_rate = 0.015;
  params->note_rate = 0.05;
  params->suspend_rate = 0.004;
  params->mediation_success_rate = 0.88;
  params->extension_request_rate = 0.05;
  params->extension_approval_rate = 0.8;
  params->supervision_rate = 0.05;
  params->unsatisfied_rate = 0.065;
  params->merge_rate = 0.17;
  params->transfer_rate = 0.1;
  params->patrols_per_day = 2;
  params->batch = 2000;
}

/**
 * wg_history_params_init_from_reference:
 *
 * The defaults, with the targets of the reference's world.json "history"
 * (events_per_year, closure_rate, disputes_per_year) where it has them.
 */
void
wg_history_params_init_from_reference (WgHistoryParams *params,
                                       WgReference     *reference)
{
  JsonObject *world, *history = NULL;

  g_return_if_fail (params != NULL);
  g_return_if_fail (WG_IS_REFERENCE (reference));

  wg_history_params_init (params);
  world = wg_reference_get_world_object (reference);
  if (world != NULL && json_object_has_member (world, "history") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (world, "history")))
    history = json_object_get_object_member (world, "history");
  if (history == NULL)
    return;
  if (json_object_has_member (history, "events_per_year"))
    params->incidents_per_year = (guint) MAX (0, json_object_get_int_member (history, "events_per_year"));
  if (json_object_has_member (history, "closure_rate"))
    params->closure_rate = json_object_get_double_member (history, "closure_rate");
  if (json_object_has_member (history, "disputes_per_year") && params->incidents_per_year > 0)
    params->dispute_share = json_object_get_double_member (history, "disputes_per_year") /
                            params->incidents_per_year;
}

double
wg_history_stats_closure_rate (const WgHistoryStats *stats)
{
  g_return_val_if_fail (stats != NULL, 0);
  if (stats->incidents <= stats->cancelled + stats->merged)
    return 1.0;
  return (double) stats->closed / (double) (stats->incidents - stats->cancelled - stats->merged);
}

static gboolean
parse_anchor (GTimeZone   *tz,
              const char  *anchor,
              guint        days,
              gint64      *start,
              gint64      *end,
              GError     **error)
{
  int y, m, d;
  char tail;
  g_autoptr(GDateTime) midnight = NULL;
  g_autoptr(GDateTime) first = NULL;

  if (anchor == NULL || sscanf (anchor, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
      !g_date_valid_dmy (d, m, y))
    {
      g_set_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_INVALID,
                   "anchor must be a date YYYY-MM-DD, not “%s”", anchor != NULL ? anchor : "(null)");
      return FALSE;
    }
  midnight = g_date_time_new (tz, y, m, d, 0, 0, 0);
  first = g_date_time_add_days (midnight, -(int) days);
  *end = g_date_time_to_unix (midnight) * SECOND;
  *start = g_date_time_to_unix (first) * SECOND;
  return TRUE;
}

static void
gen_clear (Gen *gen)
{
  for (guint i = 0; gen->incidents != NULL && i < gen->n_incidents; i++)
    {
      Inc *inc = &gen->incidents[i];

      g_free (inc->id);
      if (inc->assignments != NULL)
        {
          for (guint k = 0; k < inc->assignments->len; k++)
            g_free (g_array_index (inc->assignments, Asg, k).id);
          g_array_unref (inc->assignments);
        }
    }
  g_free (gen->incidents);
  for (guint i = 0; gen->unit_actors != NULL && i < gen->forces->len; i++)
    g_clear_pointer (&gen->unit_actors[i], wg_actor_free);
  g_free (gen->unit_actors);
  g_free (gen->busy_until);
  g_free (gen->patrol_until);
  g_clear_pointer (&gen->heap, g_array_unref);
  g_clear_pointer (&gen->force_index, g_hash_table_unref);
  g_clear_pointer (&gen->leader_actors, g_hash_table_unref);
  g_clear_pointer (&gen->dept_actors, g_hash_table_unref);
  g_clear_pointer (&gen->last_in_grid, g_hash_table_unref);
  g_clear_pointer (&gen->dispute_cats, g_ptr_array_unref);
  g_clear_pointer (&gen->other_cats, g_ptr_array_unref);
  g_clear_pointer (&gen->points, g_ptr_array_unref);
  g_clear_pointer (&gen->dispatcher, wg_actor_free);
  g_clear_pointer (&gen->rand, g_rand_free);
  g_clear_pointer (&gen->track_rand, g_rand_free);
  g_clear_pointer (&gen->calendar, wg_calendar_unref);
  g_free (gen->root_id);
}

/* The report times: the incidents spread over the days (weekends and
 * holidays a little quieter), each day by an hourly profile (busy in the
 * daytime, quiet at night); sorted. */
static gint64 *
report_times (Gen   *gen,
              guint  n,
              guint  days)
{
  static const double hours[24] = {
    2, 1.2, 0.8, 0.6, 0.6, 1, 2.5, 5, 8, 10, 10, 9,
    7, 7, 9, 10, 10, 9, 8, 7, 6, 5, 4, 3,
  };
  g_autofree double *cum = g_new0 (double, days + 1);
  gint64 *times = g_new (gint64, MAX (n, 1));
  double hour_total = 0;
  guint k = 0;

  for (guint h = 0; h < 24; h++)
    hour_total += hours[h];
  for (guint d = 0; d < days; d++)
    {
      gboolean working_day = wg_calendar_add_working_ms (gen->calendar, gen->start + d * DAY, 1) <
                             gen->start + (d + 1) * DAY;

      cum[d + 1] = cum[d] + (working_day ? 1.0 : 0.8);
    }
  for (guint d = 0; d < days; d++)
    {
      guint lo = (guint) floor ((double) n * cum[d] / cum[days]);
      guint hi = (guint) floor ((double) n * cum[d + 1] / cum[days]);

      if (d == days - 1)
        hi = n;
      for (guint i = lo; i < hi && k < n; i++)
        {
          double u = g_rand_double (gen->rand) * hour_total;
          guint h = 0;

          while (h < 23 && (u -= hours[h]) >= 0)
            h++;
          times[k++] = gen->start + d * DAY + h * HOUR + (gint64) (g_rand_double (gen->rand) * HOUR);
        }
    }
  g_assert (k == n);
  for (guint i = 1; i < n; i++)
    {
      gint64 v = times[i];
      guint j = i;

      /* Days are in order already: only within a day is there work. */
      while (j > 0 && times[j - 1] > v)
        {
          times[j] = times[j - 1];
          j--;
        }
      times[j] = v;
    }
  return times;
}

gboolean
wg_history_generate (WgStore               *store,
                     WgTrackStore          *tracks,
                     WgReference           *reference,
                     const WgHistoryParams *params,
                     WgHistoryStats        *stats_out,
                     GError               **error)
{
  Gen gen = { 0 };
  WgHistoryStats stats = { 0 };
  g_autofree gint64 *times = NULL;
  g_autofree char *label = NULL;
  gint64 began = g_get_monotonic_time ();
  guint n_streets;
  GPtrArray *categories;
  guint n, n_open;
  gboolean ok = FALSE;
  Act act;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (WG_IS_REFERENCE (reference), FALSE);
  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (params->days == 0 || params->batch == 0 || params->incident_scale <= 0)
    {
      g_set_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_INVALID,
                   "days, batch and incident scale must be positive");
      return FALSE;
    }
  if (wg_store_head (store) != 0)
    {
      g_set_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_NOT_EMPTY,
                   "the store already has %" G_GINT64_FORMAT " events", wg_store_head (store));
      return FALSE;
    }

  /* Per street: a city's history is its streets' together. */
  n_streets = wg_reference_get_streets (reference)->len;
  gen.store = store;
  gen.tracks = tracks;
  gen.ref = reference;
  gen.p = params;
  gen.stats = &stats;
  gen.rand = g_rand_new_with_seed_array ((const guint32[]) { (guint32) params->seed,
                                                             (guint32) (params->seed >> 32) }, 2);
  label = g_strdup_printf ("wangge-history/%" G_GUINT64_FORMAT "/%s/%u/%u", params->seed,
                           params->anchor != NULL ? params->anchor : "", params->days, n_streets);
  gen.track_rand = g_rand_new_with_seed ((guint32) (params->seed ^ 0x7261636bu));
  gen.root_id = wg_uuid_derive ("6ba7b810-9dad-11d1-80b4-00c04fd430c8", label);
  gen.heap = g_array_new (FALSE, FALSE, sizeof (Act));
  gen.forces = wg_reference_get_forces (reference);
  gen.force_index = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < gen.forces->len; i++)
    g_hash_table_insert (gen.force_index, gen.forces->pdata[i], GUINT_TO_POINTER (i + 1));
  gen.busy_until = g_new0 (gint64, gen.forces->len);
  gen.patrol_until = g_new0 (gint64, gen.forces->len);
  gen.unit_actors = g_new0 (WgActor *, gen.forces->len);
  gen.dispatcher = wg_actor_new ("dispatcher", WG_ROLE_DISPATCHER, NULL, NULL, NULL);
  gen.leader_actors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) wg_actor_free);
  gen.dept_actors = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) wg_actor_free);
  gen.last_in_grid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gen.departments = wg_reference_get_departments (reference);
  gen.points = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  gen.dispute_cats = g_ptr_array_new ();
  gen.other_cats = g_ptr_array_new ();
  categories = wg_reference_get_categories (reference);
  for (guint i = 0; i < categories->len; i++)
    {
      WgCategory *cat = categories->pdata[i];
      gboolean dispute = g_strcmp0 (cat->klass, "dispute") == 0;

      g_ptr_array_add (dispute ? gen.dispute_cats : gen.other_cats, cat);
      *(dispute ? &gen.dispute_weight : &gen.other_weight) += cat->weight;
    }
  if (gen.other_cats->len == 0 || gen.departments->len == 0)
    {
      g_set_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_INVALID,
                   "the reference needs categories of several classes and departments");
      goto out;
    }

  gen.calendar = wg_reference_build_calendar (reference, error);
  if (gen.calendar == NULL ||
      !parse_anchor (wg_reference_get_time_zone (reference), params->anchor, params->days,
                     &gen.start, &gen.end, error))
    goto out;
  /* Cut short (a history up to "now"): what would come later does not
   * happen, so the cases under way then are open, as in a live journal. */
  gen.until = params->until_ms > 0 ? MIN (params->until_ms, gen.end) : gen.end;
  stats.start_ms = gen.start;
  stats.end_ms = gen.until;

  if (!wg_store_adopt_reference (store, reference, error))
    goto out;
  gen.escalation_ms = MAX (SECOND, wg_rules_get_escalation_interval (wg_store_get_rules (store)));

  n = (guint) llround ((double) params->incidents_per_year * params->days / 365.0 *
                       n_streets * params->incident_scale);
  n_open = (guint) llround (n * (1.0 - CLAMP (params->closure_rate, 0.0, 1.0)));
  times = report_times (&gen, n, params->days);
  gen.n_incidents = n;
  gen.incidents = g_new0 (Inc, MAX (n, 1));
  /* Exactly round (n x dispute_share) disputes, at random places. */
  {
    guint n_disputes = (guint) llround (n * CLAMP (params->dispute_share, 0.0, 1.0));
    g_autofree guint *order = g_new (guint, MAX (n, 1));

    for (guint i = 0; i < n; i++)
      order[i] = i;
    for (guint i = 0; i < n_disputes && i < n; i++)
      {
        guint j = g_rand_int_range (gen.rand, i, n);
        guint tmp = order[i];

        order[i] = order[j];
        order[j] = tmp;
        gen.incidents[order[i]].dispute = TRUE;
      }
  }
  for (guint i = 0; i < n; i++)
    {
      Inc *inc = &gen.incidents[i];

      inc->id = NULL; /* the engine derives it from the report's command id */
      inc->stays_open = i >= n - n_open;
      inc->reported_at = times[i];
      push (&gen, times[i], ACT_REPORT, i, 0);
    }
  for (guint d = 0; d < params->days; d++)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc ((gen.start + d * DAY + 12 * HOUR) / SECOND);
      g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, wg_reference_get_time_zone (reference));
      g_autoptr(GDateTime) day = g_date_time_new (wg_reference_get_time_zone (reference),
                                                  g_date_time_get_year (local), g_date_time_get_month (local),
                                                  g_date_time_get_day_of_month (local), 0, 0, 0);
      gint64 midnight = g_date_time_to_unix (day) * SECOND;

      push (&gen, midnight + 8 * HOUR, ACT_HANDOVER, 0, 0);
      push (&gen, midnight + 20 * HOUR, ACT_HANDOVER, 0, 0);
      for (guint k = 0; tracks != NULL && k < params->patrols_per_day * n_streets; k++)
        push (&gen, midnight + 8 * HOUR + (gint64) (g_rand_double (gen.track_rand) * 9 * HOUR), ACT_PATROL, 0, 0);
    }

  if (!wg_store_begin (store, error))
    goto out;
  while (pop (&gen, &act))
    {
      Inc *inc = act.kind == ACT_REPORT || act.kind == ACT_INCIDENT || act.kind == ACT_ASSIGNMENT ||
                 act.kind == ACT_ALARM_ACK ? &gen.incidents[act.a] : NULL;
      gboolean step_ok = TRUE;

      if (act.t >= gen.until)
        continue;
      switch ((ActKind) act.kind)
        {
        case ACT_REPORT:
          {
            /* The id decide() derives from the report's command id. */
            g_autofree char *cmd_id = next_command_id (&gen);

            inc->id = wg_uuid_derive (cmd_id, "incident");
            step_ok = do_report (&gen, inc, act.t, error);
          }
          break;
        case ACT_INCIDENT:
          step_ok = do_phase (&gen, inc, act.b, act.t, error);
          break;
        case ACT_ASSIGNMENT:
          step_ok = do_assignment (&gen, inc, act.b, act.t, error);
          break;
        case ACT_ALARM_ACK:
          step_ok = do_alarm_ack (&gen, inc, act.t, error);
          break;
        case ACT_TIMER:
          step_ok = do_timers (&gen, act.t, error);
          break;
        case ACT_HANDOVER:
          step_ok = do_handover (&gen, act.t, error);
          break;
        case ACT_PATROL:
          do_patrol (&gen, act.t);
          break;
        default:
          g_assert_not_reached ();
        }
      if (!step_ok)
        {
          wg_store_rollback (store);
          goto out;
        }
    }
  if (!wg_store_commit (store, error) || !flush_points (&gen, G_MAXINT64, error))
    goto out;

  for (guint i = 0; i < n; i++)
    if (!gen.incidents[i].terminal)
      stats.open++;
  ok = TRUE;

out:
  stats.elapsed_s = (g_get_monotonic_time () - began) / 1e6;
  if (stats_out != NULL)
    *stats_out = stats;
  gen_clear (&gen);
  return ok;
}
