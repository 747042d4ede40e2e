/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-statistics"

#include "config.h"

#include "wg-statistics.h"

#include <glib/gi18n.h>

#include <gio/gio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define THIRTY_DAYS_MS ((gint64) 30 * 24 * 3600 * 1000)
#define DISPATCH_TARGET_MS ((gint64) 60 * 1000)

enum {
  RATE_ACCEPTANCE = 1 << 0,
  RATE_CLOSURE = 1 << 1,
  RATE_REWORK = 1 << 2,
  RATE_EXTENSION = 1 << 3,
  RATE_REJECTION = 1 << 4,
  RATE_SATISFACTION = 1 << 5,
};

/* What the figures need of one counted case, folded from its events. */
typedef struct
{
  char     *category;
  char     *grid;
  char     *source;
  char     *department;      /* the lead department it is routed to now */
  int       grade;           /* final grade */
  gint64    received;
  gint64    alarm_raised;
  gint64    first_dispatch;
  gint64    first_on_scene;
  gint64    routed_at;
  gint64    accepted_at;
  gboolean  awaiting_feedback;  /* accepted, no feedback yet on this acceptance */
  gint64    deadline;        /* of the step in force, 0 = none */
  gboolean  closed;
  gboolean  cancelled;
  gboolean  merged;
  gboolean  reworked;
  gboolean  extended;
  gboolean  called_back;
  gboolean  counted_for_department;  /* routed to the queried department */
  GHashTable *departments_extended;  /* departments it was extended for */
  GHashTable *departments_reworked;
  GHashTable *departments_called_back;
} Case;

struct _WgStatistics
{
  gint64      from;
  gint64      to;
  char       *area;
  char       *department;
  GHashTable *cases;          /* incident id -> Case */
  GHashTable *departments;    /* code -> WgDepartmentFigures (counts only) */
  WgFigures  *counts;         /* the counters of the period (rates set at compute) */
  GArray     *durations[WG_N_DURATIONS];
};

static const char *const grade_names[] = { "general", "professional", "emergency" };

static void
case_free (gpointer data)
{
  Case *c = data;

  g_free (c->category);
  g_free (c->grid);
  g_free (c->source);
  g_free (c->department);
  g_clear_pointer (&c->departments_extended, g_hash_table_unref);
  g_clear_pointer (&c->departments_reworked, g_hash_table_unref);
  g_clear_pointer (&c->departments_called_back, g_hash_table_unref);
  g_free (c);
}

static void
department_figures_free (gpointer data)
{
  WgDepartmentFigures *d = data;

  g_free (d->department);
  g_free (d);
}

static void
hotspot_free (gpointer data)
{
  WgHotspot *h = data;

  g_free (h->grid);
  g_free (h->category);
  g_free (h);
}

static int
grade_from_name (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (grade_names); i++)
    if (g_strcmp0 (name, grade_names[i]) == 0)
      return (int) i;
  return -1;
}

static GHashTable *
new_counter (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static void
count (GHashTable *counter,
       const char *key)
{
  gpointer old;

  if (key == NULL)
    key = "unknown";
  old = g_hash_table_lookup (counter, key);
  g_hash_table_replace (counter, g_strdup (key), GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
}

WgStatistics *
wg_statistics_new (gint64      from,
                   gint64      to,
                   const char *area,
                   const char *department)
{
  WgStatistics *self = g_new0 (WgStatistics, 1);

  self->from = from;
  self->to = to;
  self->area = g_strdup (area != NULL && *area != '\0' ? area : NULL);
  self->department = g_strdup (department != NULL && *department != '\0' ? department : NULL);
  self->cases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, case_free);
  self->departments = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, department_figures_free);
  self->counts = g_new0 (WgFigures, 1);
  self->counts->by_category = new_counter ();
  self->counts->by_source = new_counter ();
  self->counts->by_grid = new_counter ();
  self->counts->overdue_by_step = new_counter ();
  for (guint i = 0; i < WG_N_DURATIONS; i++)
    self->durations[i] = g_array_new (FALSE, FALSE, sizeof (gint64));
  return self;
}

void
wg_statistics_free (WgStatistics *self)
{
  if (self == NULL)
    return;
  g_free (self->area);
  g_free (self->department);
  g_hash_table_unref (self->cases);
  g_hash_table_unref (self->departments);
  wg_figures_free (self->counts);
  for (guint i = 0; i < WG_N_DURATIONS; i++)
    g_array_unref (self->durations[i]);
  g_free (self);
}

static WgDepartmentFigures *
department (WgStatistics *self,
            const char   *code)
{
  WgDepartmentFigures *d;

  if (code == NULL)
    return NULL;
  /* With a department asked for, only its own line is kept. */
  if (self->department != NULL && strcmp (code, self->department) != 0)
    return NULL;
  d = g_hash_table_lookup (self->departments, code);
  if (d == NULL)
    {
      d = g_new0 (WgDepartmentFigures, 1);
      d->department = g_strdup (code);
      g_hash_table_insert (self->departments, d->department, d);
    }
  return d;
}

static void
add_duration (WgStatistics  *self,
              WgDurationKind kind,
              gint64         from,
              gint64         to)
{
  gint64 ms;

  if (from <= 0 || to < from)
    return;
  ms = to - from;
  g_array_append_val (self->durations[kind], ms);
}

static gboolean
in_area (WgStatistics *self,
         const char   *grid)
{
  return self->area == NULL || (grid != NULL && g_str_has_prefix (grid, self->area));
}

static void
mark (GHashTable **set,
      const char  *key)
{
  if (key == NULL)
    return;
  if (*set == NULL)
    *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (*set, g_strdup (key));
}

static void
add_reported (WgStatistics *self,
              WgEvent      *event)
{
  Case *c;

  if (event->ts < self->from || event->ts >= self->to || event->incident == NULL)
    return;
  if (!in_area (self, wg_event_get_body_string (event, "grid")))
    return;
  c = g_new0 (Case, 1);
  c->category = g_strdup (wg_event_get_body_string (event, "category"));
  c->grid = g_strdup (wg_event_get_body_string (event, "grid"));
  c->source = g_strdup (wg_event_get_body_string (event, "source"));
  c->grade = grade_from_name (wg_event_get_body_string (event, "grade"));
  c->received = event->ts;
  c->deadline = wg_event_get_body_int (event, "deadline");
  g_hash_table_replace (self->cases, g_strdup (event->incident), c);
}

void
wg_statistics_add (WgStatistics *self,
                   WgEvent      *event)
{
  WgFigures *f = self->counts;
  const char *type = wg_event_get_type_name (event);
  WgDepartmentFigures *d;
  Case *c;

  g_return_if_fail (self != NULL && event != NULL);

  if (strcmp (type, "incident.reported") == 0)
    {
      add_reported (self, event);
      return;
    }
  if (event->incident == NULL || (c = g_hash_table_lookup (self->cases, event->incident)) == NULL)
    return;

  /* Every event that starts or moves a step carries the deadline in force
   * from then on; remember the old one for the step this event ends.  A
   * step is on time when no deadline was in force or it was done by then
   * (extensions had already moved it). */
  {
    gint64 deadline_before = c->deadline;

    if (json_object_has_member (event->body, "step"))
      c->deadline = wg_event_get_body_int (event, "deadline");

    d = department (self, c->department);

    if (strcmp (type, "incident.routed") == 0)
      {
        g_free (c->department);
        c->department = g_strdup (wg_event_get_body_string (event, "department"));
        c->routed_at = event->ts;
        c->accepted_at = 0;
        if (self->department == NULL || g_strcmp0 (c->department, self->department) == 0)
          c->counted_for_department = TRUE;
        if ((d = department (self, c->department)) != NULL)
          d->routed++;
      }
    else if (strcmp (type, "incident.regraded") == 0 || strcmp (type, "incident.upgraded") == 0 ||
             strcmp (type, "incident.downgraded") == 0)
      {
        const char *to = wg_event_get_body_string (event, "to");
        int grade = to != NULL ? grade_from_name (to) : grade_from_name (wg_event_get_body_string (event, "grade"));

        if (strcmp (type, "incident.upgraded") == 0)
          {
            grade = 2;
            f->upgraded++;
          }
        else if (strcmp (type, "incident.downgraded") == 0)
          {
            const char *reason = wg_event_get_body_string (event, "reason");

            f->downgraded++;
            if (json_object_get_boolean_member_with_default (event->body, "false_alarm", FALSE) ||
                (reason != NULL && (strstr (reason, "false alarm") != NULL || strstr (reason, "误报") != NULL)))
              f->false_alarms++;
          }
        if (grade >= 0)
          c->grade = grade;
      }
    else if (strcmp (type, "incident.accepted") == 0)
      {
        c->accepted_at = event->ts;
        c->awaiting_feedback = TRUE;
        add_duration (self, WG_DURATION_ACCEPT, c->routed_at, event->ts);
        if (d != NULL)
          {
            d->accepted++;
            d->handlings++;
            if (deadline_before <= 0 || event->ts <= deadline_before)
              d->accepted_on_time++;
          }
      }
    else if (strcmp (type, "incident.feedback_given") == 0)
      {
        /* 按期办结率 counts each acceptance once: a second feedback after a
         * failed verification is the same handling, late or not. */
        if (!c->awaiting_feedback)
          return;
        c->awaiting_feedback = FALSE;
        add_duration (self, WG_DURATION_HANDLE, c->accepted_at, event->ts);
        if (d != NULL)
          {
            d->feedback++;
            if (deadline_before <= 0 || event->ts <= deadline_before)
              d->feedback_on_time++;
          }
      }
    else if (strcmp (type, "incident.rejection_requested") == 0)
      {
        if (d != NULL)
          d->rejection_requests++;
      }
    else if (strcmp (type, "incident.rejected") == 0)
      {
        /* An approved rejection (or a first-release direct one): the case
         * goes back to the centre for re-routing. */
        if (d != NULL)
          d->rejections++;
        g_clear_pointer (&c->department, g_free);
      }
    else if (strcmp (type, "incident.extended") == 0)
      {
        c->extended = TRUE;
        if (d != NULL && (c->departments_extended == NULL ||
                          !g_hash_table_contains (c->departments_extended, d->department)))
          {
            d->extended_cases++;
            mark (&c->departments_extended, d->department);
          }
      }
    else if (strcmp (type, "incident.supervised") == 0)
      {
        if (d != NULL)
          d->supervised++;
      }
    else if (strcmp (type, "incident.called_back") == 0)
      {
        const char *satisfaction = wg_event_get_body_string (event, "satisfaction");
        gboolean satisfied = g_strcmp0 (satisfaction, "satisfied") == 0 ||
                             g_strcmp0 (satisfaction, "basically_satisfied") == 0;

        f->call_backs++;
        f->satisfied += satisfied;
        c->called_back = TRUE;
        if (d != NULL)
          {
            d->call_backs++;
            d->satisfied += satisfied;
            if (c->departments_called_back == NULL ||
                !g_hash_table_contains (c->departments_called_back, d->department))
              {
                d->cases_with_call_back++;
                mark (&c->departments_called_back, d->department);
              }
          }
      }
    else if (strcmp (type, "incident.reworked") == 0)
      {
        /* Back to the department with a new deadline: a handling of its own. */
        c->reworked = TRUE;
        c->awaiting_feedback = TRUE;
        if (d != NULL)
          d->handlings++;
        if (d != NULL && (c->departments_reworked == NULL ||
                          !g_hash_table_contains (c->departments_reworked, d->department)))
          {
            d->reworked_cases++;
            mark (&c->departments_reworked, d->department);
          }
      }
    else if (strcmp (type, "incident.mediated") == 0)
      {
        f->mediations++;
        if (g_strcmp0 (wg_event_get_body_string (event, "outcome"), "mediated") == 0)
          f->mediated++;
      }
    else if (strcmp (type, "incident.handled_on_spot") == 0)
      f->handled_on_spot++;
    else if (strcmp (type, "incident.overdue") == 0)
      {
        f->overdue++;
        count (f->overdue_by_step, wg_event_get_body_string (event, "step"));
        if (d != NULL)
          d->overdue++;
      }
    else if (strcmp (type, "alarm.raised") == 0)
      {
        if (c->alarm_raised == 0)
          c->alarm_raised = event->ts;
      }
    else if (strcmp (type, "alarm.acknowledged") == 0)
      add_duration (self, WG_DURATION_ACKNOWLEDGE, c->alarm_raised, event->ts);
    else if (strcmp (type, "incident.dispatched") == 0)
      {
        if (c->first_dispatch == 0)
          {
            c->first_dispatch = event->ts;
            add_duration (self, WG_DURATION_DISPATCH, c->received, event->ts);
          }
      }
    else if (strcmp (type, "incident.on_scene") == 0)
      {
        if (c->first_on_scene == 0)
          {
            c->first_on_scene = event->ts;
            add_duration (self, WG_DURATION_ARRIVE, c->first_dispatch, event->ts);
          }
      }
    else if (strcmp (type, "incident.closed") == 0)
      {
        c->closed = TRUE;
        add_duration (self, WG_DURATION_CLOSE, c->received, event->ts);
      }
    else if (strcmp (type, "incident.cancelled") == 0)
      c->cancelled = TRUE;
    else if (strcmp (type, "incident.merged") == 0)
      c->merged = TRUE;
  }
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

gint64
wg_nearest_rank (const gint64 *sorted,
                 guint         n,
                 double        p)
{
  guint rank;

  if (n == 0)
    return 0;
  rank = (guint) ceil (p / 100.0 * n);
  rank = CLAMP (rank, 1, n);
  return sorted[rank - 1];
}

static double
rate (guint  numerator,
      guint  denominator,
      guint *defined,
      guint  bit)
{
  if (denominator == 0)
    return 1.0;
  *defined |= bit;
  return (double) numerator / denominator;
}

static int
compare_departments (gconstpointer a,
                     gconstpointer b)
{
  const WgDepartmentFigures *x = *(WgDepartmentFigures * const *) a;
  const WgDepartmentFigures *y = *(WgDepartmentFigures * const *) b;

  if (fabs (x->score - y->score) > 1e-9)
    return x->score > y->score ? -1 : 1;
  if (x->routed != y->routed)
    return x->routed > y->routed ? -1 : 1;
  return strcmp (x->department, y->department);
}

static int
compare_hotspots (gconstpointer a,
                  gconstpointer b)
{
  const WgHotspot *x = *(WgHotspot * const *) a;
  const WgHotspot *y = *(WgHotspot * const *) b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  if (x->last != y->last)
    return x->last > y->last ? -1 : 1;
  return g_strcmp0 (x->grid, y->grid) != 0 ? g_strcmp0 (x->grid, y->grid)
                                           : g_strcmp0 (x->category, y->category);
}

/* Three or more cases of one category in one grid within 30 days. */
static GPtrArray *
find_hotspots (GHashTable *cases)
{
  g_autoptr(GHashTable) groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) g_array_unref);
  GPtrArray *hotspots = g_ptr_array_new_with_free_func (hotspot_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, cases);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Case *c = value;
      g_autofree char *group = NULL;
      GArray *times;

      if (c->grid == NULL || c->category == NULL || c->merged)
        continue;
      group = g_strconcat (c->grid, "\t", c->category, NULL);
      times = g_hash_table_lookup (groups, group);
      if (times == NULL)
        {
          times = g_array_new (FALSE, FALSE, sizeof (gint64));
          g_hash_table_insert (groups, g_steal_pointer (&group), times);
        }
      g_array_append_val (times, c->received);
    }

  g_hash_table_iter_init (&iter, groups);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *times = value;
      const gint64 *t;
      guint best = 0, best_start = 0, start = 0;

      if (times->len < 3)
        continue;
      g_array_sort (times, compare_gint64);
      t = (const gint64 *) times->data;
      for (guint end = 0; end < times->len; end++)
        {
          while (t[end] - t[start] >= THIRTY_DAYS_MS)
            start++;
          if (end - start + 1 > best)
            {
              best = end - start + 1;
              best_start = start;
            }
        }
      if (best >= 3)
        {
          WgHotspot *h = g_new0 (WgHotspot, 1);
          g_auto(GStrv) parts = g_strsplit (key, "\t", 2);

          h->grid = g_strdup (parts[0]);
          h->category = g_strdup (parts[1]);
          h->count = best;
          h->first = t[best_start];
          h->last = t[best_start + best - 1];
          g_ptr_array_add (hotspots, h);
        }
    }
  g_ptr_array_sort (hotspots, compare_hotspots);
  return hotspots;
}

static GHashTable *
copy_counter (GHashTable *counter)
{
  GHashTable *copy = new_counter ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, counter);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (copy, g_strdup (key), value);
  return copy;
}

WgFigures *
wg_statistics_compute (WgStatistics *self)
{
  WgFigures *f = g_new0 (WgFigures, 1);
  const WgFigures *n = self->counts;
  GHashTableIter iter;
  gpointer value;
  guint counted;

  g_return_val_if_fail (self != NULL, NULL);

  f->from = self->from;
  f->to = self->to;
  f->by_category = new_counter ();
  f->by_source = new_counter ();
  f->by_grid = new_counter ();
  f->overdue_by_step = copy_counter (n->overdue_by_step);
  f->upgraded = n->upgraded;
  f->downgraded = n->downgraded;
  f->false_alarms = n->false_alarms;
  f->overdue = n->overdue;
  f->mediations = n->mediations;
  f->mediated = n->mediated;
  f->call_backs = n->call_backs;
  f->satisfied = n->satisfied;
  f->handled_on_spot = n->handled_on_spot;

  g_hash_table_iter_init (&iter, self->cases);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Case *c = value;

      if (self->department != NULL && !c->counted_for_department)
        continue;
      f->received++;
      f->cancelled += c->cancelled;
      f->merged += c->merged;
      f->closed += c->closed && !c->cancelled && !c->merged;
      if (c->grade >= 0)
        f->by_grade[c->grade]++;
      count (f->by_category, c->category);
      count (f->by_source, c->source);
      count (f->by_grid, c->grid);
    }
  counted = f->received - f->cancelled - f->merged;
  f->closure_rate = counted > 0 ? (double) f->closed / counted : 1.0;
  f->mediation_rate = f->mediations > 0 ? (double) f->mediated / f->mediations : 1.0;
  f->satisfaction_rate = f->call_backs > 0 ? (double) f->satisfied / f->call_backs : 1.0;

  for (guint k = 0; k < WG_N_DURATIONS; k++)
    {
      g_autoptr(GArray) sorted = g_array_copy (self->durations[k]);
      WgDurationFigures *out = &f->durations[k];
      const gint64 *t;

      g_array_sort (sorted, compare_gint64);
      t = (const gint64 *) sorted->data;
      out->n = sorted->len;
      out->p50 = wg_nearest_rank (t, sorted->len, 50);
      out->p90 = wg_nearest_rank (t, sorted->len, 90);
      out->p95 = wg_nearest_rank (t, sorted->len, 95);
      if (k == WG_DURATION_DISPATCH)
        {
          out->target = DISPATCH_TARGET_MS;
          for (guint i = 0; i < sorted->len; i++)
            out->within_target += t[i] <= DISPATCH_TARGET_MS;
        }
    }

  f->departments = g_ptr_array_new_with_free_func (department_figures_free);
  g_hash_table_iter_init (&iter, self->departments);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      WgDepartmentFigures *d = g_memdup2 (value, sizeof (WgDepartmentFigures));

      d->department = g_strdup (d->department);
      d->defined = 0;
      d->on_time_acceptance = rate (d->accepted_on_time, d->routed, &d->defined, RATE_ACCEPTANCE);
      d->on_time_closure = rate (d->feedback_on_time, d->handlings, &d->defined, RATE_CLOSURE);
      d->rework_rate = d->cases_with_call_back > 0 ? (double) d->reworked_cases / d->cases_with_call_back : 0.0;
      if (d->cases_with_call_back > 0)
        d->defined |= RATE_REWORK;
      d->extension_rate = d->routed > 0 ? (double) d->extended_cases / d->routed : 0.0;
      d->rejection_rate = d->routed > 0 ? (double) d->rejections / d->routed : 0.0;
      if (d->routed > 0)
        d->defined |= RATE_EXTENSION | RATE_REJECTION;
      d->satisfaction_rate = rate (d->satisfied, d->call_backs, &d->defined, RATE_SATISFACTION);
      d->score = 30 * d->on_time_acceptance + 40 * d->on_time_closure +
                 20 * d->satisfaction_rate + 10 * (1 - d->rework_rate);
      /* Round to a hundredth so that the grade boundary does not hang on
       * floating-point noise (89.999999 is 90). */
      d->score = round (d->score * 100) / 100;
      d->grade = d->score >= 90 ? 'A' : d->score >= 80 ? 'B' : d->score >= 70 ? 'C' : 'D';
      g_ptr_array_add (f->departments, d);
    }
  g_ptr_array_sort (f->departments, compare_departments);
  for (guint i = 0; i < f->departments->len; i++)
    ((WgDepartmentFigures *) f->departments->pdata[i])->rank = i + 1;

  f->hotspots = find_hotspots (self->cases);
  return f;
}

void
wg_figures_free (WgFigures *f)
{
  if (f == NULL)
    return;
  g_clear_pointer (&f->by_category, g_hash_table_unref);
  g_clear_pointer (&f->by_source, g_hash_table_unref);
  g_clear_pointer (&f->by_grid, g_hash_table_unref);
  g_clear_pointer (&f->overdue_by_step, g_hash_table_unref);
  g_clear_pointer (&f->departments, g_ptr_array_unref);
  g_clear_pointer (&f->hotspots, g_ptr_array_unref);
  g_free (f);
}

WgDepartmentFigures *
wg_figures_lookup_department (WgFigures  *figures,
                              const char *code)
{
  for (guint i = 0; figures->departments != NULL && i < figures->departments->len; i++)
    {
      WgDepartmentFigures *d = figures->departments->pdata[i];
      if (g_strcmp0 (d->department, code) == 0)
        return d;
    }
  return NULL;
}

void
wg_figures_set_previous (WgFigures *figures,
                         WgFigures *previous)
{
  for (guint i = 0; i < figures->departments->len; i++)
    {
      WgDepartmentFigures *d = figures->departments->pdata[i];
      WgDepartmentFigures *before = previous != NULL ? wg_figures_lookup_department (previous, d->department) : NULL;

      d->previous_rank = before != NULL ? before->rank : 0;
    }
}

const char *
wg_duration_kind_to_string (WgDurationKind kind)
{
  static const char *const names[] = {
    [WG_DURATION_ACKNOWLEDGE] = "acknowledge",
    [WG_DURATION_DISPATCH] = "dispatch",
    [WG_DURATION_ARRIVE] = "arrive",
    [WG_DURATION_ACCEPT] = "accept",
    [WG_DURATION_HANDLE] = "handle",
    [WG_DURATION_CLOSE] = "close",
  };
  g_return_val_if_fail (kind < WG_N_DURATIONS, NULL);
  return names[kind];
}

static gint64
local_ms (GTimeZone *tz,
          int        year,
          int        month,
          int        day)
{
  g_autoptr(GDateTime) t = g_date_time_new (tz, year, month, day, 0, 0, 0);

  return t != NULL ? g_date_time_to_unix (t) * 1000 : -1;
}

gboolean
wg_statistics_parse_period (GTimeZone  *tz,
                            const char *period,
                            gint64     *from,
                            gint64     *to,
                            gint64     *previous_from,
                            GError    **error)
{
  unsigned year = 0, month = 0, day = 0;
  char tail;
  int n;

  g_return_val_if_fail (tz != NULL && period != NULL, FALSE);

  n = sscanf (period, "%4u-%2u-%2u%c", &year, &month, &day, &tail);
  if (n == 3 && strlen (period) == 10 && g_date_valid_dmy (day, month, year))
    {
      g_autoptr(GDateTime) start = g_date_time_new (tz, year, month, day, 0, 0, 0);
      g_autoptr(GDateTime) end = g_date_time_add_days (start, 1);
      g_autoptr(GDateTime) before = g_date_time_add_days (start, -1);

      *from = g_date_time_to_unix (start) * 1000;
      *to = g_date_time_to_unix (end) * 1000;
      *previous_from = g_date_time_to_unix (before) * 1000;
      return TRUE;
    }
  n = sscanf (period, "%4u-%2u%c", &year, &month, &tail);
  if (n == 2 && strlen (period) == 7 && year >= 1970 && month >= 1 && month <= 12)
    {
      *from = local_ms (tz, year, month, 1);
      *to = month == 12 ? local_ms (tz, year + 1, 1, 1) : local_ms (tz, year, month + 1, 1);
      *previous_from = month == 1 ? local_ms (tz, year - 1, 12, 1) : local_ms (tz, year, month - 1, 1);
      return TRUE;
    }
  n = sscanf (period, "%4u%c", &year, &tail);
  if (n == 1 && strlen (period) == 4 && year >= 1970)
    {
      *from = local_ms (tz, year, 1, 1);
      *to = local_ms (tz, year + 1, 1, 1);
      *previous_from = local_ms (tz, year - 1, 1, 1);
      return TRUE;
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               _("“%s” is not a period: use YYYY, YYYY-MM or YYYY-MM-DD"), period);
  return FALSE;
}

static JsonNode *
counter_to_json (GHashTable *counter)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (counter), (GCompareFunc) strcmp);

  json_builder_begin_object (b);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      json_builder_set_member_name (b, l->data);
      json_builder_add_int_value (b, GPOINTER_TO_UINT (g_hash_table_lookup (counter, l->data)));
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
add_int (JsonBuilder *b,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_double (JsonBuilder *b,
            const char  *name,
            double       value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_double_value (b, value);
}

static void
add_rate (JsonBuilder *b,
          const char  *name,
          double       value,
          gboolean     defined)
{
  json_builder_set_member_name (b, name);
  if (defined)
    json_builder_add_double_value (b, value);
  else
    json_builder_add_null_value (b);
}

JsonNode *
wg_figures_to_json (WgFigures *f)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_int (b, "from", f->from);
  add_int (b, "to", f->to);
  add_int (b, "received", f->received);
  add_int (b, "cancelled", f->cancelled);
  add_int (b, "merged", f->merged);
  add_int (b, "closed", f->closed);
  add_double (b, "closure_rate", f->closure_rate);
  json_builder_set_member_name (b, "by_grade");
  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (grade_names); i++)
    add_int (b, grade_names[i], f->by_grade[i]);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "by_category");
  json_builder_add_value (b, counter_to_json (f->by_category));
  json_builder_set_member_name (b, "by_source");
  json_builder_add_value (b, counter_to_json (f->by_source));
  json_builder_set_member_name (b, "by_grid");
  json_builder_add_value (b, counter_to_json (f->by_grid));
  add_int (b, "handled_on_spot", f->handled_on_spot);
  add_int (b, "upgraded", f->upgraded);
  add_int (b, "downgraded", f->downgraded);
  add_int (b, "false_alarms", f->false_alarms);
  add_int (b, "overdue", f->overdue);
  json_builder_set_member_name (b, "overdue_by_step");
  json_builder_add_value (b, counter_to_json (f->overdue_by_step));
  add_int (b, "mediations", f->mediations);
  add_int (b, "mediated", f->mediated);
  add_rate (b, "mediation_rate", f->mediation_rate, f->mediations > 0);
  add_int (b, "call_backs", f->call_backs);
  add_int (b, "satisfied", f->satisfied);
  add_rate (b, "satisfaction_rate", f->satisfaction_rate, f->call_backs > 0);

  json_builder_set_member_name (b, "durations");
  json_builder_begin_object (b);
  for (guint k = 0; k < WG_N_DURATIONS; k++)
    {
      const WgDurationFigures *d = &f->durations[k];

      json_builder_set_member_name (b, wg_duration_kind_to_string (k));
      json_builder_begin_object (b);
      add_int (b, "n", d->n);
      add_int (b, "p50", d->p50);
      add_int (b, "p90", d->p90);
      add_int (b, "p95", d->p95);
      if (d->target > 0)
        {
          add_int (b, "target", d->target);
          add_int (b, "within_target", d->within_target);
        }
      json_builder_end_object (b);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "departments");
  json_builder_begin_array (b);
  for (guint i = 0; i < f->departments->len; i++)
    {
      const WgDepartmentFigures *d = f->departments->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "department");
      json_builder_add_string_value (b, d->department);
      add_int (b, "routed", d->routed);
      add_int (b, "accepted", d->accepted);
      add_int (b, "accepted_on_time", d->accepted_on_time);
      add_int (b, "handlings", d->handlings);
      add_int (b, "feedback", d->feedback);
      add_int (b, "feedback_on_time", d->feedback_on_time);
      add_int (b, "extended_cases", d->extended_cases);
      add_int (b, "rejection_requests", d->rejection_requests);
      add_int (b, "rejections", d->rejections);
      add_int (b, "call_backs", d->call_backs);
      add_int (b, "satisfied", d->satisfied);
      add_int (b, "cases_with_call_back", d->cases_with_call_back);
      add_int (b, "reworked_cases", d->reworked_cases);
      add_int (b, "supervised", d->supervised);
      add_int (b, "overdue", d->overdue);
      add_rate (b, "on_time_acceptance", d->on_time_acceptance, d->defined & RATE_ACCEPTANCE);
      add_rate (b, "on_time_closure", d->on_time_closure, d->defined & RATE_CLOSURE);
      add_rate (b, "rework_rate", d->rework_rate, d->defined & RATE_REWORK);
      add_rate (b, "extension_rate", d->extension_rate, d->defined & RATE_EXTENSION);
      add_rate (b, "rejection_rate", d->rejection_rate, d->defined & RATE_REJECTION);
      add_rate (b, "satisfaction_rate", d->satisfaction_rate, d->defined & RATE_SATISFACTION);
      add_double (b, "score", d->score);
      json_builder_set_member_name (b, "grade");
      json_builder_add_string_value (b, (char[]) { d->grade, '\0' });
      add_int (b, "rank", d->rank);
      json_builder_set_member_name (b, "previous_rank");
      if (d->previous_rank > 0)
        json_builder_add_int_value (b, d->previous_rank);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "hotspots");
  json_builder_begin_array (b);
  for (guint i = 0; i < f->hotspots->len; i++)
    {
      const WgHotspot *h = f->hotspots->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "grid");
      json_builder_add_string_value (b, h->grid);
      json_builder_set_member_name (b, "category");
      json_builder_add_string_value (b, h->category);
      add_int (b, "count", h->count);
      add_int (b, "first", h->first);
      add_int (b, "last", h->last);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
