/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The history generator: a year of a street's grid events, produced by
 * issuing real commands through wg_store_execute_command() (decide +
 * append + project) with the right actors at simulated times, so every
 * event is one the live system could have produced.  Deterministic: the
 * same parameters give the same journal, byte for byte.  docs/history.md
 * describes the model.
 */
#pragma once

#include "wg-reference.h"
#include "wg-store.h"
#include "wg-track-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint64     seed;
  const char *anchor;               /* "YYYY-MM-DD": the history ends at its local midnight */
  guint       days;                 /* 365 */
  gint64      until_ms;             /* 0; else the history is cut there (before the anchor's
                                     * midnight): nothing at or after it happens */
  guint       incidents_per_year;   /* per street of the reference (a city: wg-city.h): 7989 */
  double      incident_scale;       /* multiplies the incidents (city scale), 1.0 */
  double      closure_rate;         /* closed / (reported - cancelled): 0.9997 */
  double      dispute_share;        /* of all incidents: 900 / 7989 */
  double      on_spot_rate;         /* general ones handled in the report itself: 0.9 */
  double      rejection_rate;       /* professional routings first sent to a wrong department, whose
                                     * rejection request the centre approves: 0.085 */
  double      rejection_denied_rate; /* routings whose (right) department asks to reject, denied: 0.04 */
  double      late_feedback_rate;   /* departments feeding back after the handle deadline: 0.04 */
  double      unacknowledged_rate;  /* alarms acknowledged after more than 60 s: 0.1 */
  double      verify_fail_rate;     /* verifications failing (besides failed mediations): 0.03 */
  double      upgrade_rate;         /* professional ones with a response plan upgraded: 0.03
                                     * (general ones not handled at once: a third of it) */
  double      followup_rate;        /* emergencies with a professional follow-up: 0.25 */
  double      cancel_rate;          /* professional ones cancelled as duplicates: 0.002 */
  double      escalate_rate;        /* professional ones escalated (incident.escalate): 0.015 */
  double      note_rate;            /* professional ones with a note: 0.05 */
  double      suspend_rate;         /* professional ones suspended for a while: 0.004 */
  /* The full work-order cycle (issue 20) */
  double      mediation_success_rate; /* mediate-first disputes settled in the grid: 0.88 */
  double      extension_request_rate; /* routings whose department asks for more time: 0.05 */
  double      extension_approval_rate; /* of those, approved by the centre: 0.8 */
  double      supervision_rate;     /* professional cases supervised (督办/催办): 0.05 */
  double      unsatisfied_rate;     /* call-backs of a department's case found unsatisfied: 0.065 */
  double      merge_rate;           /* professional reports merged into an open case of their grid: 0.17
                                     * of those with such a case */
  double      transfer_rate;        /* general ones not handled at once transferred to a department: 0.1 */
  guint       patrols_per_day;      /* sampled grid-worker patrols with a stored track, per street: 2 */
  guint       batch;                /* commands per group commit: 2000 */
} WgHistoryParams;

typedef struct
{
  guint   incidents;
  guint   by_grade[3];              /* as reported: general, professional, emergency */
  guint   upgrades;
  guint   closed;
  guint   cancelled;
  guint   open;
  guint   disputes;
  guint   mediated;
  guint   mediation_failed;
  guint   rejections;               /* approved rejection requests (each re-routed) */
  guint   reroutes;
  guint   routings;                 /* incident.routed */
  guint   rejection_requests;
  guint   grid_mediations;          /* incident.mediate */
  guint   grid_mediations_failed;
  guint   extension_requests;
  guint   extensions_declined;
  guint   supervisions;
  guint   call_backs;
  guint   unsatisfied;
  guint   merged;
  guint   transfers;                /* general events routed to a department (转派) */
  guint   verification_failures;
  guint   incident_escalations;     /* incident.escalate */
  guint   alarm_escalations;        /* alarm.escalated (timers) */
  guint   overdue;                  /* incident.overdue (timers) */
  guint   notes;
  guint   extensions;
  guint   suspensions;
  guint   dispatches;
  guint   assignments;
  guint   handovers;
  guint64 commands;
  guint64 events;
  guint64 track_points;             /* reported to the track store */
  guint64 track_points_kept;        /* kept by its storage policy */
  gint64  start_ms;                 /* the simulated year: [start_ms, end_ms) */
  gint64  end_ms;
  double  elapsed_s;
} WgHistoryStats;

#define WG_HISTORY_ERROR (wg_history_error_quark ())

typedef enum {
  WG_HISTORY_ERROR_INVALID,   /* bad parameters */
  WG_HISTORY_ERROR_REFUSED,   /* a command was refused: a bug of the generator or the engine */
  WG_HISTORY_ERROR_NOT_EMPTY, /* the store already has a journal */
} WgHistoryError;

GQuark   wg_history_error_quark  (void);

/* The Helong defaults above. */
void     wg_history_params_init  (WgHistoryParams       *params);
/* The same, with the targets of the reference's world.json "history". */
void     wg_history_params_init_from_reference (WgHistoryParams *params,
                                                WgReference     *reference);

/* Generates the history into an empty @store (adopting @reference), and
 * the stored position tracks into @tracks when not NULL. */
gboolean wg_history_generate     (WgStore               *store,
                                  WgTrackStore          *tracks,
                                  WgReference           *reference,
                                  const WgHistoryParams *params,
                                  WgHistoryStats        *stats_out,
                                  GError               **error);

/* Closed / (incidents - cancelled - merged). */
double   wg_history_stats_closure_rate (const WgHistoryStats *stats);

G_END_DECLS
