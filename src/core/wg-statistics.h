/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The centre's figures, computed once from journal events (domain.md, "How
 * the figures are counted"): the server's statistics endpoint, the wall and
 * the reports all read them from here.
 *
 * Feed every event of the journal (or of the incidents that may count) in
 * seq order with wg_statistics_add(); a case counts when its
 * incident.reported falls in [from, to) and in the area (a grid code
 * prefix: the street, a work station's community or one grid) and, with a
 * department set, when it was routed to that department.  Later events of a
 * counted case count too, whenever they happen (a case received in March and
 * closed in April is closed in March's figures).
 */
#pragma once

#include <json-glib/json-glib.h>

#include "wg-event.h"

G_BEGIN_DECLS

typedef struct _WgStatistics WgStatistics;

/* Nearest-rank percentiles over exact durations (ms). */
typedef struct
{
  guint  n;
  gint64 p50;
  gint64 p90;
  gint64 p95;
  gint64 target;          /* 0 when the step has no single target */
  guint  within_target;   /* durations <= target */
} WgDurationFigures;

typedef enum {
  WG_DURATION_ACKNOWLEDGE,  /* alarm raised -> acknowledged */
  WG_DURATION_DISPATCH,     /* reported -> first dispatch (target 60 s) */
  WG_DURATION_ARRIVE,       /* first dispatch -> first force on scene */
  WG_DURATION_ACCEPT,       /* routed -> accepted */
  WG_DURATION_HANDLE,       /* accepted -> feedback */
  WG_DURATION_CLOSE,        /* reported -> closed */
  WG_N_DURATIONS
} WgDurationKind;

/* One department's assessment (考核) for the period. */
typedef struct
{
  char   *department;
  guint   routed;             /* routings to it (incident.routed) */
  guint   accepted;
  guint   accepted_on_time;
  guint   handlings;          /* acceptances and reworks: each wants one feedback */
  guint   feedback;           /* first feedbacks of each handling */
  guint   feedback_on_time;
  guint   extended_cases;     /* cases with an approved extension */
  guint   rejections;         /* approved rejections */
  guint   rejection_requests;
  guint   call_backs;
  guint   satisfied;          /* satisfied + basically satisfied */
  guint   reworked_cases;
  guint   cases_with_call_back;
  guint   supervised;
  guint   overdue;
  /* Rates in [0, 1]; a rate with nothing to count is 1 (nothing against the
   * department) and flagged in @defined. */
  double  on_time_acceptance;  /* 按期签收率 */
  double  on_time_closure;     /* 按期办结率: feedback on time / handlings */
  double  rework_rate;         /* 返工率 */
  double  extension_rate;      /* 延期率 */
  double  rejection_rate;      /* 退单率 */
  double  satisfaction_rate;   /* 满意率 */
  guint   defined;             /* bit per rate above, in that order */
  double  score;               /* 30 x acceptance + 40 x closure + 20 x satisfaction + 10 x (1 - rework), in percent */
  char    grade;               /* 'A' >= 90, 'B' >= 80, 'C' >= 70, else 'D' */
  guint   rank;                /* 1 = best; ties by volume (routed), then code */
  guint   previous_rank;       /* 0 when not ranked in the previous period */
} WgDepartmentFigures;

typedef struct
{
  char  *grid;
  char  *category;
  guint  count;    /* most cases within any 30 days of the period */
  gint64 first;    /* the window with that many */
  gint64 last;
} WgHotspot;

typedef struct
{
  gint64      from;
  gint64      to;
  guint       received;
  guint       cancelled;
  guint       merged;
  guint       closed;
  double      closure_rate;       /* closed / (received - cancelled - merged); 1 when none */
  guint       by_grade[3];        /* final grade: general, professional, emergency */
  GHashTable *by_category;        /* code -> GUINT_TO_POINTER (count) */
  GHashTable *by_source;
  GHashTable *by_grid;
  guint       upgraded;
  guint       downgraded;
  guint       false_alarms;
  guint       overdue;            /* incident.overdue events */
  GHashTable *overdue_by_step;
  guint       mediations;
  guint       mediated;
  double      mediation_rate;     /* mediated / mediations; 1 when none */
  guint       call_backs;
  guint       satisfied;
  double      satisfaction_rate;
  guint       handled_on_spot;
  WgDurationFigures durations[WG_N_DURATIONS];
  GPtrArray  *departments;        /* WgDepartmentFigures*, by rank */
  GPtrArray  *hotspots;           /* WgHotspot*, most cases first */
} WgFigures;

WgStatistics *wg_statistics_new      (gint64        from,
                                      gint64        to,
                                      const char   *area,
                                      const char   *department);
void          wg_statistics_free     (WgStatistics *self);
void          wg_statistics_add      (WgStatistics *self,
                                      WgEvent      *event);
/* The figures of everything added so far. */
WgFigures    *wg_statistics_compute  (WgStatistics *self);

void          wg_figures_free        (WgFigures    *figures);
/* Sets each department's previous_rank from @previous (the same query over
 * the period before). */
void          wg_figures_set_previous (WgFigures   *figures,
                                       WgFigures   *previous);
WgDepartmentFigures *wg_figures_lookup_department (WgFigures  *figures,
                                                   const char *department);
JsonNode     *wg_figures_to_json     (WgFigures    *figures);

const char   *wg_duration_kind_to_string (WgDurationKind kind);

/* A period in the centre's time zone @tz: "YYYY", "YYYY-MM" or
 * "YYYY-MM-DD", as [@from, @to) in UTC ms, and the start of the period of
 * the same kind before it.  G_IO_ERROR_INVALID_ARGUMENT on anything else. */
gboolean      wg_statistics_parse_period (GTimeZone  *tz,
                                          const char *period,
                                          gint64     *from,
                                          gint64     *to,
                                          gint64     *previous_from,
                                          GError    **error);

/* Nearest-rank percentile @p (0 < p <= 100) of @sorted (ascending). */
gint64        wg_nearest_rank        (const gint64 *sorted,
                                      guint         n,
                                      double        p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgStatistics, wg_statistics_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgFigures, wg_figures_free)

G_END_DECLS
