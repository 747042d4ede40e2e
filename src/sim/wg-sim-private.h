/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulator's insides, shared by its parts: wg-sim.c (life),
 * -scheduler, -field (actions), -reactions (to the journal), -stream and
 * -load (load mode).
 */
#pragma once

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "src/core/wg-backoff.h"
#include "src/core/wg-command.h"
#include "src/core/wg-reference.h"
#include "src/core/wg-summary.h"
#include "wg-sim-net.h"
#include "wg-sim-photo.h"
#include "wg-sim.h"

G_BEGIN_DECLS

#define TICK_MS              10      /* the scheduler's real-time resolution */
#define PATROL_SPEED_MPS     1.2     /* a grid worker walking the grid */
#define PATROL_CAR_MPS       4.2     /* a police car cruising its police grid, 15 km/h */
#define PATROL_BICYCLE_MPS   2.5     /* an auxiliary on a bicycle, 9 km/h */
#define POSITIONS_ACCOUNTS   8       /* admin clients sharing the position posts */
#define LOAD_BATCH           500
#define DRAIN_MS             60000   /* at the end: answers still due (logins under load and sanitizers take seconds) */
#define LOAD_MAX_IN_FLIGHT   4000
#define SECONDS_PER_HOUR     3600.0
/* The Helong figure: 7,989 grid events routed and handled in 2023. */
#define HELONG_EVENTS_PER_YEAR 7989.0
#define PHOTO_WIDTH          800
#define PHOTO_HEIGHT         600

typedef enum {
  A_REPORT,
  A_POSITIONS,
  A_HOUR,
  A_END,
  A_HANDLE_ON_SPOT,
  A_ROUTE,
  A_ACCEPT,
  A_FEEDBACK,
  A_VERIFY,
  A_CLOSE,
  A_ACK_ALARM,
  A_DISPATCH,
  A_REPLACE,
  A_RESOLVE,
  A_MEDIATE,          /* the grid worker mediates a dispute first */
  A_REVIEW,           /* the centre reviews a rejection request */
  A_EXTENSION_ASK,    /* the department asks for more time */
  A_EXTENSION_ANSWER, /* the centre answers */
  A_ANSWER,           /* the department answers a supervision notice */
  A_CALL_BACK,        /* the centre calls the resident back */
  A_ASG_ACK,
  A_ASG_EN_ROUTE,
  A_ASG_ON_SCENE,
  A_ASG_CLEAR,
  A_ASG_NOACK_CHECK,
  A_ASG_CANCEL,
} ActionKind;

typedef struct
{
  double      t;          /* simulated seconds since the start */
  guint64     order;      /* ties: scheduling order */
  ActionKind  kind;
  char       *subject;    /* incident or assignment id */
  char       *extra;
  int         n;
} Action;

typedef struct
{
  WgForce  *force;
  double    lat, lon;
  /* Travel: from (lat0, lon0) at t0 to (lat1, lon1) at t1. */
  gboolean  moving;
  double    lat0, lon0, t0;
  double    lat1, lon1, t1;
  /* Patrol leg: from (leg_lat, leg_lon) at leg_t0 to the waypoint at
   * leg_t1; a pure function of time, so that positions and report
   * locations do not depend on when the ticks happen to run. */
  double    leg_lat, leg_lon, leg_t0, leg_t1;
  double    target_lat, target_lon;   /* patrol waypoint */
  gboolean  patrols;                  /* grid workers, community and auxiliary police */
  GPtrArray *patrol_grids;            /* WgGrid*, not owned: where it patrols */
  double    patrol_mps;
  gboolean  has_device;               /* posts its position all the time, not only when dispatched */
  gboolean  active;                   /* its positions are posted */
  char     *assignment;               /* open assignment, as the journal says */
  gboolean  off_duty;                 /* unit.status_changed said so */
  double    blocked_until;            /* the server called it unavailable */
  GRand    *rand;
} SimUnit;

typedef struct
{
  char        *id;
  char        *grade;
  char        *state;
  WgCategory  *category;
  WgGrid      *grid;
  double       lat, lon;
  char        *department;    /* routed to */
  char        *case_number;
  gboolean     alarm_open;
  gboolean     alarm_acked;
  gboolean     followed_up;
  gboolean     needs_call_back;  /* a hotline or walk-in case: called back before it closes */
  gboolean     called_back;      /* satisfied, or basically */
  gboolean     reworked;
  guint        call_back_sent;   /* feedbacks + 1 when the call-back went out */
  gboolean     denied;           /* a rejection request was denied: the department accepts */
  gint64       asked_deadline;   /* an extension request's deadline, server time */
  gint64       deadline;         /* the current step's, as the events say (server time), 0: none */
  guint        routes, feedbacks, verifies, dispatches, replacements;
  GPtrArray   *assignments;   /* char* ids */
  GRand       *rand;
} SimIncident;

typedef struct
{
  char    *id;
  char    *incident;
  char    *unit;
  char    *state;
  GRand   *rand;
} SimAssignment;

typedef struct
{
  guint   reports[3];        /* general, professional, emergency */
  guint   closed[3];
  guint   rejections, escalations, overdue, verification_failures;
  guint64 positions;
} Counters;

struct _WgSim
{
  WgSimConfig   config;
  WgSimNet     *net;
  WgReference  *reference;
  GMainLoop    *loop;
  int           status;
  gboolean      stopping;
  gboolean      started;
  char         *ns;              /* the run's namespace for command ids */

  /* Clock: simulated seconds = (monotonic - start) * speed. */
  gint64        start_us;
  GSequence    *actions;
  guint64       order;
  guint         tick_id;
  guint         signal_ids[2];

  GHashTable   *units;           /* force id -> SimUnit* */
  GPtrArray    *workers;         /* SimUnit* of the grid workers, file order */
  GHashTable   *worker_of_grid;  /* grid code -> WgForce* */
  GHashTable   *incidents;       /* id -> SimIncident* */
  GHashTable   *assignments;     /* id -> SimAssignment* */
  GRand        *report_rand;
  guint         report_counter;
  guint         positions_account;
  guint         hour;
  Counters      counters;
  guint         escalation_s;

  /* The stream, as the dispatcher (sees every event). */
  SoupWebsocketConnection *stream;
  GCancellable *stream_cancellable;
  gint64        last_seq;
  WgBackoff     stream_backoff;
  guint         stream_retry_id;
  guint         stream_failures;
  gint64        last_ack_us;
  gint64        acked_seq;
  gboolean      stream_connecting;
  guint         drain_id;
  guint         expected_logins;
  gint64        drain_deadline_us;
  double        last_summary_t;
  /* A drill: the server's time less the exercise's clock (the time it was
   * paused, or for one from a past incident how far back it started). */
  gint64        exercise_offset_ms;

  /* Load mode. */
  gboolean      load;
  double       *load_lat, *load_lon;
  guint         load_cursor;
  double        load_position_credit, load_report_credit;
  gint64        load_last_us;
  gint64        load_end_us;
  guint         load_reports_skipped, load_positions_skipped;
  guint64       load_points_sent;
  guint         baseline_slot;
};


/* wg-sim-scheduler.c */
double _wg_sim_now (WgSim *self);
double _wg_sim_uniform (GRand  *rand,
                        double  a,
                        double  b);
double _wg_sim_distance_m (double lat0, double lon0, double lat1, double lon1);
char *_wg_sim_command_id (WgSim      *self,
                          const char *format,
                          ...) G_GNUC_PRINTF (2, 3);
GRand *_wg_sim_rand_for (WgSim      *self,
                         const char *id);
int _wg_sim_grade_index (const char *grade);
gboolean _wg_sim_state_is (const char *state,
                           const char *a);
gboolean _wg_sim_incident_open (SimIncident *inc);
gboolean _wg_sim_assignment_open (SimAssignment *asg);
void _wg_sim_incident_free (SimIncident *inc);
void _wg_sim_assignment_free (SimAssignment *asg);
void _wg_sim_unit_free (SimUnit *unit);
void _wg_sim_set_state (char       **state,
                        const char  *value);
JsonObject *_wg_sim_body_new (const char *incident);
void _wg_sim_send_command_full (WgSim          *self,
                                const char     *account,
                                const char     *id,
                                const char     *type,
                                JsonObject     *body,
                                WgSimNetDone    done,
                                gpointer        user_data,
                                GDestroyNotify  destroy);
void _wg_sim_send_command (WgSim        *self,
                           const char   *account,
                           const char   *id,
                           const char   *type,
                           JsonObject   *body,
                           WgSimNetDone  done,
                           gpointer      user_data);
const char *_wg_sim_get_string (JsonObject *object,
                                const char *name);
void _wg_sim_action_free (Action *action);
void _wg_sim_schedule_at (WgSim      *self,
                          double      t,
                          ActionKind  kind,
                          const char *subject,
                          const char *extra,
                          int         n);
void _wg_sim_schedule (WgSim      *self,
                       double      delay,
                       ActionKind  kind,
                       const char *subject,
                       const char *extra,
                       int         n);
gboolean _wg_sim_tick_cb (gpointer data);

/* wg-sim-field.c */
double _wg_sim_handle_window (WgSim       *self,
                              SimIncident *inc);
void _wg_sim_unit_travel (WgSim   *self,
                          SimUnit *unit,
                          double   lat,
                          double   lon,
                          double   seconds);
void _wg_sim_patrol_next_leg (SimUnit *unit,
                              double   t0);
void _wg_sim_unit_advance (WgSim   *self,
                           SimUnit *unit,
                           double   t);
WgCategory *_wg_sim_pick_category (WgSim *self,
                                   GRand *rand);
void _wg_sim_schedule_next_report (WgSim  *self,
                                   double  after);
void _wg_sim_run_action (WgSim  *self,
                         Action *a);

/* wg-sim-reactions.c */
void _wg_sim_on_event (WgSim      *self,
                       JsonObject *event);

/* wg-sim-stream.c */
void _wg_sim_stream_drop (WgSim *self);
void _wg_sim_stream_connect (WgSim *self);

/* wg-sim-load.c */
void _wg_sim_load_start (WgSim *self);

/* wg-sim.c */
void _wg_sim_print_summary (WgSim      *self,
                            double      t);
/* A drill: reads the exercise's clock again (it stops while paused). */
void _wg_sim_exercise_read_clock (WgSim *self);

G_END_DECLS
