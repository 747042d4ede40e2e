/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* wangge-sim: the field side (grid workers, departments, dispatched forces)
 * and optionally the centre, acting through the server's public API with
 * the demo accounts.  Decisions are drawn from random streams seeded by the
 * seed and the id of what they concern, and command ids are derived from
 * the seed and the step, so a run is reproducible and a retried or
 * restarted run sends the same ids. */

typedef struct
{
  char    *server;              /* http://127.0.0.1:8470 */
  char    *password;
  double   speed;               /* simulated seconds per real second */
  guint32  seed;
  double   duration;            /* simulated seconds; 0: until stopped */
  gboolean play_centre;         /* also acknowledge, dispatch, route, close */
  double   reports_per_hour;    /* simulated hour, whole street */
  double   emergency_share;     /* < 0: the categories' own mix */
  double   step_scale;          /* department/step durations: fraction of the category limits */
  double   wind_down;           /* no new reports in the last N simulated seconds */
  double   position_interval;   /* simulated seconds between position posts */
  double   late_ack_share;      /* alarms the centre acknowledges only after escalation */
  double   no_ack_share;        /* assignments the unit never acknowledges */
  double   reject_share;        /* first routings the department rejects */
  double   late_feedback_share; /* feedbacks after the deadline */
  double   hotline_share;       /* with the centre: professional reports taken as 12345 calls (called back) */
  double   mediation_success_share; /* disputes settled by the grid worker's mediation */
  double   extension_share;     /* accepted cases whose department asks for more time */
  double   unsatisfied_share;   /* call-backs of a department's case found unsatisfied (rework) */
  double   photo_share;         /* reports, feedbacks, verifications of categories with a scene that carry a photo */
  /* A drill (docs/drills.md): the field's and the forces' answers inside
   * this exercise, through its endpoints; no reports (the scenario's are
   * the server's), no positions and no photos (live data). */
  char    *exercise;
  /* Load mode (when units > 0 or report_rate > 0). */
  guint    units;
  double   report_rate;         /* reports per real second */
  double   baseline_seconds;    /* health GETs at the same request rate afterwards */
} WgSimConfig;

void          wg_sim_config_init  (WgSimConfig       *config);
void          wg_sim_config_clear (WgSimConfig       *config);

typedef struct _WgSim WgSim;

WgSim        *wg_sim_new          (const WgSimConfig *config);
/* Runs until the duration ends or wg_sim_stop(); returns the exit status. */
int           wg_sim_run          (WgSim             *self);
void          wg_sim_stop         (WgSim             *self);
void          wg_sim_free         (WgSim             *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgSim, wg_sim_free)

G_END_DECLS
