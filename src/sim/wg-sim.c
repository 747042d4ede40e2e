/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-sim"

#include "config.h"

#include "wg-sim.h"

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

#define TICK_MS              10      /* the scheduler's real-time resolution */
#define PATROL_SPEED_MPS     1.2     /* a grid worker walking the grid */
#define PATROL_CAR_MPS       4.2     /* a police car cruising its police grid, 15 km/h */
#define PATROL_BICYCLE_MPS   2.5     /* an auxiliary on a bicycle, 9 km/h */
#define POSITIONS_ACCOUNTS   8       /* admin clients sharing the position posts */
#define LOAD_BATCH           500
#define DRAIN_MS             10000   /* at the end: answers still due */
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

static void schedule (WgSim *self, double delay, ActionKind kind, const char *subject, const char *extra, int n);
static void stream_connect (WgSim *self);

/* ---- configuration ------------------------------------------------------ */

void
wg_sim_config_init (WgSimConfig *config)
{
  memset (config, 0, sizeof *config);
  config->server = g_strdup ("http://127.0.0.1:8470");
  config->password = g_strdup ("demo");
  config->speed = 1.0;
  config->seed = 1;
  config->play_centre = FALSE;
  config->reports_per_hour = HELONG_EVENTS_PER_YEAR / (365.0 * 24.0);
  config->emergency_share = -1;
  config->step_scale = 1.0;
  config->position_interval = 10;
  config->late_ack_share = 0.2;
  config->no_ack_share = 0.08;
  config->reject_share = 0.12;
  config->late_feedback_share = 0.15;
  config->hotline_share = 0.15;
  config->mediation_success_share = 0.88;
  config->extension_share = 0.05;
  config->unsatisfied_share = 0.05;
  config->baseline_seconds = 10;
  config->photo_share = 0.3;
}

void
wg_sim_config_clear (WgSimConfig *config)
{
  g_clear_pointer (&config->server, g_free);
  g_clear_pointer (&config->password, g_free);
}

/* ---- helpers ------------------------------------------------------------ */

static double
sim_now (WgSim *self)
{
  if (!self->started)
    return 0;
  return (g_get_monotonic_time () - self->start_us) / 1e6 * self->config.speed;
}

static double
uniform (GRand  *rand,
         double  a,
         double  b)
{
  return g_rand_double_range (rand, a, b);
}

/* Metres between two points (equirectangular: fine inside one street). */
static double
distance_m (double lat0, double lon0, double lat1, double lon1)
{
  double k = 111320.0;
  double dy = (lat1 - lat0) * k;
  double dx = (lon1 - lon0) * k * cos ((lat0 + lat1) / 2 * G_PI / 180);

  return sqrt (dx * dx + dy * dy);
}

static char *
command_id (WgSim      *self,
            const char *format,
            ...) G_GNUC_PRINTF (2, 3);

static char *
command_id (WgSim      *self,
            const char *format,
            ...)
{
  g_autofree char *label = NULL;
  va_list args;

  va_start (args, format);
  label = g_strdup_vprintf (format, args);
  va_end (args);
  return wg_uuid_derive (self->ns, label);
}

static GRand *
rand_for (WgSim      *self,
          const char *id)
{
  guint32 seed[2] = { self->config.seed, g_str_hash (id) };

  return g_rand_new_with_seed_array (seed, 2);
}

static int
grade_index (const char *grade)
{
  if (g_strcmp0 (grade, "emergency") == 0)
    return 2;
  if (g_strcmp0 (grade, "professional") == 0)
    return 1;
  return 0;
}

static gboolean
state_is (const char *state,
          const char *a)
{
  return g_strcmp0 (state, a) == 0;
}

static gboolean
incident_open (SimIncident *inc)
{
  return !state_is (inc->state, "closed") && !state_is (inc->state, "cancelled");
}

static gboolean
assignment_open (SimAssignment *asg)
{
  return !state_is (asg->state, "cleared") && !state_is (asg->state, "cancelled");
}

static void
sim_incident_free (SimIncident *inc)
{
  g_free (inc->case_number);
  g_free (inc->id);
  g_free (inc->grade);
  g_free (inc->state);
  g_free (inc->department);
  g_ptr_array_unref (inc->assignments);
  g_rand_free (inc->rand);
  g_free (inc);
}

static void
sim_assignment_free (SimAssignment *asg)
{
  g_free (asg->id);
  g_free (asg->incident);
  g_free (asg->unit);
  g_free (asg->state);
  g_rand_free (asg->rand);
  g_free (asg);
}

static void
sim_unit_free (SimUnit *unit)
{
  g_free (unit->assignment);
  g_clear_pointer (&unit->patrol_grids, g_ptr_array_unref);
  g_rand_free (unit->rand);
  g_free (unit);
}

static void
set_state (char       **state,
           const char  *value)
{
  g_free (*state);
  *state = g_strdup (value);
}

static JsonObject *
body_new (const char *incident)
{
  JsonObject *body = json_object_new ();

  if (incident != NULL)
    json_object_set_string_member (body, "incident", incident);
  return body;
}

static void
send_command_full (WgSim          *self,
                   const char     *account,
                   const char     *id,
                   const char     *type,
                   JsonObject     *body,
                   WgSimNetDone    done,
                   gpointer        user_data,
                   GDestroyNotify  destroy)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), body);

  json_object_unref (body);
  g_debug ("%s %s %s", account, type, id);
  wg_sim_net_command (self->net, account, id, type, node, done, user_data, destroy);
}

static void
send_command (WgSim        *self,
              const char   *account,
              const char   *id,
              const char   *type,
              JsonObject   *body,
              WgSimNetDone  done,
              gpointer      user_data)
{
  send_command_full (self, account, id, type, body, done, user_data, NULL);
}

/* ---- photos ------------------------------------------------------------- */

typedef struct
{
  WgSim      *sim;
  char       *account;
  char       *id;
  char       *type;
  JsonObject *body;
} PhotoJob;

static void
photo_job_free (gpointer data)
{
  PhotoJob *job = data;

  g_free (job->account);
  g_free (job->id);
  g_free (job->type);
  g_clear_pointer (&job->body, json_object_unref);
  g_free (job);
}

/* The command goes out once the photo is answered, with it or (refused)
 * without it. */
static void
photo_uploaded (gpointer   user_data,
                JsonNode  *answer,
                WgProblem *problem)
{
  PhotoJob *job = user_data;
  JsonObject *object = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  const char *attachment = object != NULL ? json_object_get_string_member_with_default (object, "id", NULL) : NULL;

  if (attachment != NULL)
    {
      JsonArray *list = json_array_new ();

      json_array_add_string_element (list, attachment);
      json_object_set_array_member (job->body, "attachments", list);
    }
  else
    g_debug ("A photo for %s was refused: %s", job->id,
             problem != NULL && problem->code != NULL ? problem->code : "no answer");
  send_command (job->sim, job->account, job->id, job->type, g_steal_pointer (&job->body), NULL, NULL);
}

/* Sends the command, first with a photo of the place when the category has
 * a scene and this incident's draw falls within --photo-share.  The draw
 * and the picture come from the incident's id, not from the random
 * streams: photos change nothing else in a run. */
static void
send_with_photo (WgSim       *self,
                 const char  *account,
                 const char  *id,
                 const char  *type,
                 JsonObject  *body,
                 const char  *incident,
                 const char  *category,
                 const char  *case_number,
                 gboolean     repaired)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) photo = NULL;
  g_autofree char *key = g_strdup_printf ("%u/%s/photo", self->config.seed, incident);
  guint32 hash = g_str_hash (key);
  WgSimPhotoSpec spec = { 0 };
  PhotoJob *job;

  spec.scene = category != NULL ? wg_sim_photo_scene_for_category (category) : WG_SIM_PHOTO_NONE;
  if (spec.scene == WG_SIM_PHOTO_NONE || self->config.photo_share <= 0 ||
      (hash % 10000) / 10000.0 >= self->config.photo_share)
    {
      send_command (self, account, id, type, body, NULL, NULL);
      return;
    }
  spec.repaired = repaired;
  spec.seed = hash;
  spec.width = PHOTO_WIDTH;
  spec.height = PHOTO_HEIGHT;
  spec.case_number = case_number;
  spec.time_ms = wg_sim_net_server_now_ms (self->net);
  spec.time_zone = wg_reference_get_time_zone (self->reference);
  photo = wg_sim_photo_render (&spec, WG_SIM_PHOTO_JPEG, &error);
  if (photo == NULL)
    {
      g_warning ("Cannot draw a photo for %s: %s", id, error->message);
      send_command (self, account, id, type, body, NULL, NULL);
      return;
    }
  job = g_new0 (PhotoJob, 1);
  job->sim = self;
  job->account = g_strdup (account);
  job->id = g_strdup (id);
  job->type = g_strdup (type);
  job->body = body;
  wg_sim_net_upload (self->net, account, photo, wg_sim_photo_media_type (WG_SIM_PHOTO_JPEG),
                     photo_uploaded, job, photo_job_free);
}

/* The grid worker responsible for @grid (or its nearest ancestor). */
static WgForce *
worker_for_grid (WgSim  *self,
                 WgGrid *grid)
{
  for (; grid != NULL; grid = grid->parent)
    {
      WgForce *force = g_hash_table_lookup (self->worker_of_grid, grid->code);

      if (force != NULL)
        return force;
    }
  return NULL;
}

static const char *
department_account (WgSim      *self,
                    const char *code)
{
  WgDepartment *dept = code != NULL ? wg_reference_lookup_department (self->reference, code) : NULL;

  return dept != NULL ? dept->account : NULL;
}

/* The length of a professional step in simulated seconds: the category's
 * limit scaled by --step-scale. */
static double
handle_window (WgSim       *self,
               SimIncident *inc)
{
  double hours = 24;

  if (inc->category != NULL && inc->category->accept_hours + inc->category->feedback_hours > 0)
    hours = inc->category->accept_hours + inc->category->feedback_hours;
  return MAX (60.0, hours * SECONDS_PER_HOUR * self->config.step_scale);
}

/* ---- positions ---------------------------------------------------------- */

static void
unit_travel (WgSim   *self,
             SimUnit *unit,
             double   lat,
             double   lon,
             double   seconds)
{
  double t = sim_now (self);

  unit->moving = TRUE;
  unit->lat0 = unit->lat;
  unit->lon0 = unit->lon;
  unit->t0 = t;
  unit->lat1 = lat;
  unit->lon1 = lon;
  unit->t1 = t + MAX (1.0, seconds);
  unit->active = TRUE;
}

static void
patrol_next_leg (SimUnit *unit,
                 double   t0)
{
  double d;

  WgGrid *grid = g_ptr_array_index (unit->patrol_grids, 0);

  /* One grid (a grid worker's) draws no grid: its stream stays as it was. */
  if (unit->patrol_grids->len > 1)
    grid = g_ptr_array_index (unit->patrol_grids, g_rand_int_range (unit->rand, 0, unit->patrol_grids->len));
  unit->leg_lat = unit->target_lat;
  unit->leg_lon = unit->target_lon;
  wg_grid_random_point (grid, unit->rand, &unit->target_lat, &unit->target_lon);
  d = distance_m (unit->leg_lat, unit->leg_lon, unit->target_lat, unit->target_lon);
  unit->leg_t0 = t0;
  unit->leg_t1 = t0 + MAX (1.0, d / unit->patrol_mps);
}

static void
unit_advance (WgSim   *self,
              SimUnit *unit,
              double   t)
{
  if (unit->moving)
    {
      double f = unit->t1 > unit->t0 ? (t - unit->t0) / (unit->t1 - unit->t0) : 1;

      f = CLAMP (f, 0.0, 1.0);
      unit->lat = unit->lat0 + (unit->lat1 - unit->lat0) * f;
      unit->lon = unit->lon0 + (unit->lon1 - unit->lon0) * f;
      if (f >= 1.0)
        unit->moving = FALSE;
      return;
    }
  if (unit->patrols && unit->assignment == NULL)
    {
      double f;

      if (unit->leg_t1 <= unit->leg_t0)
        {
          /* Back from an assignment: the next leg starts where it is. */
          unit->target_lat = unit->lat;
          unit->target_lon = unit->lon;
          patrol_next_leg (unit, t);
        }
      while (t >= unit->leg_t1)
        patrol_next_leg (unit, unit->leg_t1);
      f = (t - unit->leg_t0) / (unit->leg_t1 - unit->leg_t0);
      f = CLAMP (f, 0.0, 1.0);
      unit->lat = unit->leg_lat + (unit->target_lat - unit->leg_lat) * f;
      unit->lon = unit->leg_lon + (unit->target_lon - unit->leg_lon) * f;
    }
}

static void
add_point (JsonArray  *points,
           const char *unit,
           gint64      ts,
           double      lat,
           double      lon,
           const char *status)
{
  JsonObject *point = json_object_new ();

  json_object_set_string_member (point, "unit", unit);
  json_object_set_int_member (point, "ts", ts);
  json_object_set_double_member (point, "lat", lat);
  json_object_set_double_member (point, "lon", lon);
  if (status != NULL)
    json_object_set_string_member (point, "status", status);
  json_array_add_object_element (points, point);
}

static void
post_points (WgSim     *self,
             JsonArray *points)
{
  g_autofree char *account = NULL;
  JsonObject *body;

  if (json_array_get_length (points) == 0)
    {
      json_array_unref (points);
      return;
    }
  self->counters.positions += json_array_get_length (points);
  body = json_object_new ();
  json_object_set_array_member (body, "positions", points);
  /* Units may post only their own positions; the simulator speaks for all
   * of them at once, as the admin (one request per tick, not hundreds). */
  account = g_strdup_printf ("admin#%u", self->positions_account++ % POSITIONS_ACCOUNTS);
  wg_sim_net_positions (self->net, account, json_node_init_object (json_node_alloc (), body), NULL, NULL);
  json_object_unref (body);
}

static void
positions_tick (WgSim  *self,
                double  t)
{
  /* Positions carry the server's time: the server refuses points far in
   * its future, and simulated time runs ahead of it. */
  gint64 ts = wg_sim_net_server_now_ms (self->net);
  JsonArray *points = json_array_new ();
  GHashTableIter iter;
  gpointer value;
  g_autoptr(GList) ids = NULL;

  /* Sorted, so that patrol random streams advance in the same order. */
  ids = g_hash_table_get_keys (self->units);
  ids = g_list_sort (ids, (GCompareFunc) strcmp);
  for (GList *l = ids; l != NULL; l = l->next)
    {
      SimUnit *unit = g_hash_table_lookup (self->units, l->data);
      gboolean was_moving = unit->moving;

      if (!unit->patrols && !unit->has_device && !unit->active)
        continue;
      unit_advance (self, unit, t);
      add_point (points, unit->force->id, ts, unit->lat, unit->lon,
                 unit->assignment != NULL ? "busy" : "available");
      /* A force without a device (a volunteer team) back home is posted
       * once more, then no longer. */
      if (!unit->patrols && !unit->has_device && !was_moving && !unit->moving && unit->assignment == NULL)
        unit->active = FALSE;
    }
  (void) iter;
  (void) value;
  post_points (self, points);
}

/* ---- scheduler ---------------------------------------------------------- */

static void
action_free (Action *action)
{
  g_free (action->subject);
  g_free (action->extra);
  g_free (action);
}

static int
action_compare (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  const Action *x = a, *y = b;

  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
schedule_at (WgSim      *self,
             double      t,
             ActionKind  kind,
             const char *subject,
             const char *extra,
             int         n)
{
  Action *action = g_new0 (Action, 1);

  action->t = t;
  action->order = self->order++;
  action->kind = kind;
  action->subject = g_strdup (subject);
  action->extra = g_strdup (extra);
  action->n = n;
  g_sequence_insert_sorted (self->actions, action, action_compare, NULL);
}

static void
schedule (WgSim      *self,
          double      delay,
          ActionKind  kind,
          const char *subject,
          const char *extra,
          int         n)
{
  schedule_at (self, sim_now (self) + MAX (0.0, delay), kind, subject, extra, n);
}

/* ---- the summary -------------------------------------------------------- */

static void
print_summary (WgSim      *self,
               double      t)
{
  const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
  guint open = 0;
  GHashTableIter iter;
  gpointer value;
  guint s = (guint) t;

  self->last_summary_t = t;
  g_hash_table_iter_init (&iter, self->incidents);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (incident_open (value))
      open++;

  /* TRANSLATORS: one line per simulated hour; the first field is the
   * simulated time h:mm:ss */
  g_print (_("[%u:%02u:%02u] reports %u general, %u professional, %u emergency; "
             "closed %u; open %u; rejections %u, escalations %u, overdue %u; "
             "positions %lu; refused %lu"
             ", retries %lu\n"),
           s / 3600, (s / 60) % 60, s % 60,
           self->counters.reports[0], self->counters.reports[1], self->counters.reports[2],
           self->counters.closed[0] + self->counters.closed[1] + self->counters.closed[2], open,
           self->counters.rejections, self->counters.escalations, self->counters.overdue,
           self->counters.positions, stats->refused, stats->retries);
  fflush (stdout);
}

/* ---- the field ---------------------------------------------------------- */

static WgCategory *
pick_category (WgSim *self,
               GRand *rand)
{
  GPtrArray *categories = wg_reference_get_categories (self->reference);
  gboolean emergency;
  double total = 0, u;

  if (self->config.emergency_share < 0)
    return wg_reference_pick_category (self->reference, g_rand_double (rand));

  emergency = g_rand_double (rand) < self->config.emergency_share;
  for (guint i = 0; i < categories->len; i++)
    {
      WgCategory *c = g_ptr_array_index (categories, i);

      if (g_str_equal (c->grade, "emergency") == emergency)
        total += c->weight;
    }
  u = g_rand_double (rand) * total;
  for (guint i = 0; i < categories->len; i++)
    {
      WgCategory *c = g_ptr_array_index (categories, i);

      if (g_str_equal (c->grade, "emergency") != emergency)
        continue;
      if (u < c->weight)
        return c;
      u -= c->weight;
    }
  return g_ptr_array_index (categories, categories->len - 1);
}

static void
do_report (WgSim  *self,
           double  t)
{
  GRand *rand = self->report_rand;
  SimUnit *worker;
  WgCategory *category;
  g_autofree char *id = NULL;
  g_autofree char *summary = NULL;
  JsonObject *body, *location;
  const char *reporter;
  guint n = ++self->report_counter;

  if (self->workers->len == 0)
    return;
  worker = g_ptr_array_index (self->workers, g_rand_int_range (rand, 0, self->workers->len));
  category = pick_category (self, rand);
  id = command_id (self, "report/%u", n);

  /* Where the worker is on patrol: inside their own grid. */
  unit_advance (self, worker, t);
  reporter = worker->force->account;
  body = json_object_new ();
  json_object_set_string_member (body, "grade", category->grade);
  json_object_set_string_member (body, "category", category->code);
  location = json_object_new ();
  json_object_set_double_member (location, "lat", worker->lat);
  json_object_set_double_member (location, "lon", worker->lon);
  json_object_set_object_member (body, "location", location);
  /* What was found and how, from a stream of the report's own: the
   * report stream draws what it always drew. */
  {
    g_autoptr(GRand) words = rand_for (self, id);
    double u = g_rand_double (words);

    summary = wg_summary_compose (category->code, category->name_zh, words);
    json_object_set_string_member (body, "summary", summary);
    /* Playing the centre, it also takes 12345 calls: a resident reports a
     * professional matter where the grid worker happens to be. */
    if (self->config.play_centre && g_str_equal (category->grade, "professional") &&
        g_rand_double (words) < self->config.hotline_share)
      {
        JsonObject *caller = json_object_new ();
        g_autofree char *phone = g_strdup_printf ("139%08u", g_rand_int_range (words, 0, 100000000));

        json_object_set_string_member (body, "source", "hotline_12345");
        json_object_set_string_member (caller, "name", "来电市民");
        json_object_set_string_member (caller, "phone", phone);
        json_object_set_object_member (body, "caller", caller);
        reporter = "dispatcher";
      }
    else
      json_object_set_string_member (body, "source", u < 0.85 ? "patrol" : u < 0.95 ? "wechat_group" : "contact_point");
  }
  if (worker->force->grid != NULL)
    json_object_set_string_member (body, "grid", worker->force->grid->code);
  /* Most general matters are handled as they are found (即采即办). */
  if (g_str_equal (category->grade, "general") && g_rand_double (rand) < 0.7)
    {
      JsonObject *on_spot = json_object_new ();

      json_object_set_string_member (on_spot, "resolution", "已现场处置");
      json_object_set_object_member (body, "handled_on_spot", on_spot);
    }
  {
    g_autofree char *incident = wg_uuid_derive (id, "incident");

    send_with_photo (self, reporter, id, "incident.report", body, incident, category->code,
                     NULL, FALSE);
  }
}

/* Reports, positions and summaries are chained on simulated time itself
 * (not on when the previous one happened to run): the same seed gives the
 * same reports at the same simulated moments. */
static void
schedule_next_report (WgSim  *self,
                      double  after)
{
  double rate = self->config.reports_per_hour / SECONDS_PER_HOUR;
  double delay;

  if (rate <= 0)
    return;
  delay = -log (1.0 - g_rand_double (self->report_rand)) / rate;
  schedule_at (self, after + delay, A_REPORT, NULL, NULL, 0);
}

/* The nearest available forces of @type, not in @taken. */
static void
pick_forces (WgSim       *self,
             SimIncident *inc,
             WgForceType  type,
             guint        count,
             GPtrArray   *taken)
{
  g_autoptr(GPtrArray) near = wg_reference_dup_forces_near (self->reference, inc->lat, inc->lon, type, 0, 0);
  WgForce *own = inc->grid != NULL ? g_hash_table_lookup (self->worker_of_grid, inc->grid->code) : NULL;
  guint picked = 0;

  /* The grid's own worker is the first on scene: it knows the place and
   * the people, wherever it happens to be on its round. */
  if (type == WG_FORCE_GRID_WORKER && own != NULL && near != NULL && g_ptr_array_remove (near, own))
    g_ptr_array_insert (near, 0, own);
  for (guint i = 0; near != NULL && i < near->len && picked < count; i++)
    {
      WgForce *force = g_ptr_array_index (near, i);
      SimUnit *unit = g_hash_table_lookup (self->units, force->id);
      gboolean dup = FALSE;

      if (unit == NULL || unit->assignment != NULL || force->account == NULL || unit->off_duty ||
          unit->blocked_until > sim_now (self))
        continue;
      for (guint j = 0; j < taken->len; j++)
        dup |= g_str_equal (g_ptr_array_index (taken, j), force->id);
      if (dup)
        continue;
      g_ptr_array_add (taken, force->id);
      picked++;
    }
}

typedef struct
{
  WgSim *sim;
  char  *incident;
  char  *type;   /* replacement: the force type slug; NULL: the plan */
  int    n;
} DispatchJob;

static void
dispatch_done (gpointer   user_data,
               JsonNode  *answer,
               WgProblem *problem)
{
  DispatchJob *job = user_data;

  /* A unit was taken by someone else meanwhile, or is off duty in a way
   * the journal since the start did not show: leave it out for a while
   * and plan again shortly. */
  if (answer == NULL && problem != NULL && g_strcmp0 (problem->code, "unit-unavailable") == 0 &&
      problem->detail != NULL && g_str_has_prefix (problem->detail, "unit "))
    {
      g_autofree char *unit_id = g_strndup (problem->detail + 5, strcspn (problem->detail + 5, " "));
      SimUnit *unit = g_hash_table_lookup (job->sim->units, unit_id);

      if (unit != NULL)
        unit->blocked_until = sim_now (job->sim) + 1800;
    }
  /* n is the attempt; for a replacement, index * 100 + attempt. */
  if (answer == NULL && job->n % 100 < 6)
    schedule (job->sim, 20, job->type != NULL ? A_REPLACE : A_DISPATCH, job->incident, job->type, job->n + 1);
}

static void
dispatch_job_free (gpointer data)
{
  DispatchJob *job = data;

  g_free (job->incident);
  g_free (job->type);
  g_free (job);
}

static void
send_dispatch (WgSim       *self,
               SimIncident *inc,
               GPtrArray   *units,
               const char  *label,
               const char  *type,
               int          n)
{
  JsonObject *body = body_new (inc->id);
  JsonArray *array = json_array_new ();
  g_autofree char *id = command_id (self, "%s/%s/%d", inc->id, label, n);
  DispatchJob *job;

  for (guint i = 0; i < units->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (units, i));
  json_object_set_array_member (body, "units", array);
  job = g_new0 (DispatchJob, 1);
  job->sim = self;
  job->incident = g_strdup (inc->id);
  job->type = g_strdup (type);
  job->n = n;
  send_command_full (self, "dispatcher", id, "dispatch.assign", body, dispatch_done, job, dispatch_job_free);
}

static void
do_dispatch (WgSim       *self,
             SimIncident *inc,
             int          n)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new ();
  WgCategory *c = inc->category;

  if (!state_is (inc->state, "reported") && !state_is (inc->state, "dispatched") &&
      !state_is (inc->state, "on_scene"))
    return;
  if (inc->dispatches > 0)
    return;
  for (guint i = 0; c != NULL && i < c->n_response_steps; i++)
    pick_forces (self, inc, c->response_plan[i].type, c->response_plan[i].count, units);
  if (units->len == 0)
    {
      pick_forces (self, inc, WG_FORCE_EMERGENCY_UNIT, 1, units);
      pick_forces (self, inc, WG_FORCE_COMMUNITY_POLICE, 1, units);
    }
  if (units->len == 0)
    {
      if (n < 6)
        schedule (self, 30, A_DISPATCH, inc->id, NULL, n + 1);
      return;
    }
  send_dispatch (self, inc, units, "dispatch", NULL, n);
}

static void
do_replace (WgSim       *self,
            SimIncident *inc,
            const char  *type_slug,
            int          n)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new ();
  WgForceType type;

  if (!state_is (inc->state, "dispatched") && !state_is (inc->state, "on_scene"))
    return;
  if (!wg_force_type_from_slug (type_slug, &type))
    return;
  pick_forces (self, inc, type, 1, units);
  if (units->len == 0)
    return;
  send_dispatch (self, inc, units, "replace", type_slug, n);
}

static void
do_route (WgSim       *self,
          SimIncident *inc,
          int          n)
{
  JsonObject *body;
  g_autofree char *id = NULL;
  const char *department;
  double window = handle_window (self, inc);

  if (!state_is (inc->state, "reported") && !state_is (inc->state, "rejected") &&
      !state_is (inc->state, "resolved"))
    return;
  department = inc->category != NULL && inc->category->department != NULL
                 ? inc->category->department->code : "judicial";
  body = body_new (inc->id);
  json_object_set_string_member (body, "department", department);
  /* The handling deadline in the simulation's time: the category's limit
   * scaled, compressed by --speed into the server's clock. */
  json_object_set_int_member (body, "deadline",
                              wg_sim_net_server_now_ms (self->net) +
                              (gint64) MAX (1000.0, window / self->config.speed * 1000));
  json_object_set_string_member (body, "instructions",
                                 state_is (inc->state, "resolved") ? "应急处置后续跟进" : "请按时限办理");
  id = command_id (self, "%s/route/%d", inc->id, n);
  send_command (self, "dispatcher", id, "incident.route", body, NULL, NULL);
}

static void
run_action (WgSim  *self,
            Action *a)
{
  SimIncident *inc = NULL;
  SimAssignment *asg = NULL;
  SimUnit *unit = NULL;
  g_autofree char *id = NULL;
  JsonObject *body;

  switch (a->kind)
    {
    case A_REPORT:
      if (self->config.duration <= 0 || a->t < self->config.duration - self->config.wind_down)
        do_report (self, a->t);
      schedule_next_report (self, a->t);
      return;
    case A_POSITIONS:
      positions_tick (self, a->t);
      schedule_at (self, a->t + self->config.position_interval, A_POSITIONS, NULL, NULL, 0);
      return;
    case A_HOUR:
      print_summary (self, ++self->hour * SECONDS_PER_HOUR);
      schedule_at (self, a->t + SECONDS_PER_HOUR, A_HOUR, NULL, NULL, 0);
      return;
    case A_END:
      wg_sim_stop (self);
      return;
    default:
      break;
    }

  if (a->kind >= A_ASG_ACK)
    {
      asg = g_hash_table_lookup (self->assignments, a->subject);
      if (asg == NULL)
        return;
      inc = g_hash_table_lookup (self->incidents, asg->incident);
      unit = g_hash_table_lookup (self->units, asg->unit);
      if (unit == NULL || unit->force->account == NULL)
        return;
    }
  else
    {
      inc = g_hash_table_lookup (self->incidents, a->subject);
      if (inc == NULL || !incident_open (inc))
        return;
    }

  switch (a->kind)
    {
    case A_HANDLE_ON_SPOT:
      {
        WgForce *worker = worker_for_grid (self, inc->grid);

        if (!state_is (inc->state, "reported") || worker == NULL)
          return;
        body = body_new (inc->id);
        json_object_set_string_member (body, "resolution", "已现场处置");
        id = command_id (self, "%s/handle", inc->id);
        send_command (self, worker->account, id, "incident.handle_on_spot", body, NULL, NULL);
      }
      break;

    case A_ROUTE:
      do_route (self, inc, a->n);
      break;

    case A_ACCEPT:
      {
        const char *account = department_account (self, inc->department);
        gboolean reject;

        if (!state_is (inc->state, "routed") || account == NULL)
          return;
        /* Sometimes a department says "not ours" to a first routing. */
        reject = inc->routes == 1 && !inc->denied && g_rand_double (inc->rand) < self->config.reject_share;
        body = body_new (inc->id);
        if (reject)
          json_object_set_string_member (body, "reason", "非本部门职责");
        id = command_id (self, "%s/%s/%d", inc->id, reject ? "reject" : "accept", a->n);
        send_command (self, account, id, reject ? "incident.reject" : "incident.accept", body, NULL, NULL);
      }
      break;

    case A_FEEDBACK:
      {
        const char *account = department_account (self, inc->department);
        gboolean dispute = inc->category != NULL && g_strcmp0 (inc->category->klass, "dispute") == 0;
        double u = g_rand_double (inc->rand);

        if (!state_is (inc->state, "accepted") || account == NULL)
          return;
        body = body_new (inc->id);
        json_object_set_string_member (body, "result", dispute ? "已组织调解" : "已处理完毕");
        json_object_set_string_member (body, "outcome",
                                       dispute ? (u < 0.9 ? "mediated" : "mediation_failed")
                                               : (u < 0.85 ? "resolved" : "partly"));
        id = command_id (self, "%s/feedback/%d", inc->id, a->n);
        send_with_photo (self, account, id, "incident.feedback", body, inc->id,
                         inc->category != NULL ? inc->category->code : NULL, inc->case_number, TRUE);
      }
      break;

    case A_VERIFY:
      {
        WgForce *worker = worker_for_grid (self, inc->grid);
        gboolean passed = inc->verifies > 1 || g_rand_double (inc->rand) >= 0.1;

        if (!state_is (inc->state, "feedback_given") || worker == NULL)
          return;
        body = body_new (inc->id);
        json_object_set_boolean_member (body, "passed", passed);
        json_object_set_string_member (body, "remark", passed ? "现场核实已办结" : "现场核实未整改到位");
        id = command_id (self, "%s/verify/%d", inc->id, a->n);
        send_with_photo (self, worker->account, id, "incident.verify", body, inc->id,
                         inc->category != NULL ? inc->category->code : NULL, inc->case_number, passed);
      }
      break;

    case A_CLOSE:
      /* The duty leader has to have seen the alarm before it is closed. */
      if (inc->alarm_open && !inc->alarm_acked)
        {
          schedule (self, 30, A_CLOSE, inc->id, NULL, a->n);
          return;
        }
      if (state_is (inc->state, "resolved"))
        {
          for (guint i = 0; i < inc->assignments->len; i++)
            {
              SimAssignment *other = g_hash_table_lookup (self->assignments,
                                                          g_ptr_array_index (inc->assignments, i));

              if (other != NULL && assignment_open (other))
                {
                  schedule (self, 30, A_CLOSE, inc->id, NULL, a->n);
                  return;
                }
            }
          /* Some emergencies leave follow-up work for a department. */
          if (g_str_equal (inc->grade, "emergency") && !inc->followed_up && g_rand_double (inc->rand) < 0.15)
            {
              inc->followed_up = TRUE;
              do_route (self, inc, 100 + (int) inc->routes + 1);
              return;
            }
        }
      else if (!state_is (inc->state, "verified"))
        return;
      /* A hotline or walk-in case: the resident is called back first (回访). */
      if (inc->needs_call_back && !inc->called_back)
        {
          schedule (self, uniform (inc->rand, 30, 120), A_CALL_BACK, inc->id, NULL, 0);
          return;
        }
      body = body_new (inc->id);
      json_object_set_string_member (body, "remark", "办结");
      id = command_id (self, "%s/close", inc->id);
      send_command (self, "dispatcher", id, "incident.close", body, NULL, NULL);
      break;

    case A_MEDIATE:
      {
        WgForce *worker = worker_for_grid (self, inc->grid);
        gboolean ok = g_rand_double (inc->rand) < self->config.mediation_success_share;
        g_autofree char *remark = wg_summary_mediation (ok, inc->rand);

        if (!state_is (inc->state, "reported") || worker == NULL)
          return;
        body = body_new (inc->id);
        json_object_set_string_member (body, "outcome", ok ? "mediated" : "failed");
        json_object_set_string_member (body, "remark", remark);
        id = command_id (self, "%s/mediate", inc->id);
        send_command (self, worker->account, id, "incident.mediate", body, NULL, NULL);
      }
      break;

    case A_REVIEW:
      {
        gboolean approve = g_rand_double (inc->rand) < 0.7;

        if (!state_is (inc->state, "rejection_pending"))
          return;
        body = body_new (inc->id);
        json_object_set_boolean_member (body, "approve", approve);
        json_object_set_string_member (body, "remark", approve ? "确非该部门职责，重新流转" : "属本部门职责，请签收办理");
        id = command_id (self, "%s/review/%d", inc->id, a->n);
        send_command (self, "dispatcher", id, "incident.review_rejection", body, NULL, NULL);
      }
      break;

    case A_EXTENSION_ASK:
      {
        const char *account = department_account (self, inc->department);
        double window = handle_window (self, inc);

        if (!state_is (inc->state, "accepted") || account == NULL)
          return;
        body = body_new (inc->id);
        /* Well past the handling deadline in force. */
        json_object_set_int_member (body, "deadline",
                                    MAX (wg_sim_net_server_now_ms (self->net), inc->deadline) +
                                    (gint64) MAX (60000.0, window / self->config.speed * 1000));
        json_object_set_string_member (body, "reason", "需协调业主及物业，申请延期");
        id = command_id (self, "%s/ask-extension", inc->id);
        send_command (self, account, id, "incident.request_extension", body, NULL, NULL);
      }
      break;

    case A_EXTENSION_ANSWER:
      {
        gboolean approve = g_rand_double (inc->rand) < 0.8;

        /* Answered already by the feedback itself: nothing to extend. */
        if (!state_is (inc->state, "accepted"))
          return;
        body = body_new (inc->id);
        if (approve && inc->asked_deadline > wg_sim_net_server_now_ms (self->net))
          {
            json_object_set_int_member (body, "deadline", inc->asked_deadline);
            json_object_set_string_member (body, "reason", "同意延期");
          }
        else
          {
            approve = FALSE;
            json_object_set_string_member (body, "reason", "理由不充分，请按原时限办结");
          }
        id = command_id (self, "%s/answer-extension", inc->id);
        send_command (self, "dispatcher", id, approve ? "incident.extend" : "incident.decline_extension",
                      body, NULL, NULL);
      }
      break;

    case A_ANSWER:
      {
        const char *account = department_account (self, inc->department);

        if (account == NULL)
          return;
        body = body_new (inc->id);
        json_object_set_string_member (body, "text", "已安排专人跟进，将于近日办结反馈");
        id = command_id (self, "%s/answer/%u", inc->id, inc->feedbacks);
        send_command (self, account, id, "incident.answer_supervision", body, NULL, NULL);
      }
      break;

    case A_CALL_BACK:
      {
        /* Unsatisfied sends a department's case back once (返工). */
        gboolean unsatisfied = inc->department != NULL && !inc->reworked &&
                               g_rand_double (inc->rand) < self->config.unsatisfied_share;
        const char *satisfaction = unsatisfied ? "unsatisfied"
                                   : g_rand_double (inc->rand) < 0.2 ? "basically_satisfied" : "satisfied";

        if (!state_is (inc->state, "verified") && !state_is (inc->state, "resolved"))
          return;
        if (inc->call_back_sent == inc->feedbacks + 1)
          return;
        inc->call_back_sent = inc->feedbacks + 1;
        inc->reworked |= unsatisfied;
        body = body_new (inc->id);
        json_object_set_string_member (body, "satisfaction", satisfaction);
        json_object_set_string_member (body, "remark", unsatisfied ? "群众反映问题仍未解决" : "群众表示满意");
        id = command_id (self, "%s/call-back/%u", inc->id, inc->feedbacks);
        send_command (self, "dispatcher", id, "incident.call_back", body, NULL, NULL);
      }
      break;

    case A_ACK_ALARM:
      if (!inc->alarm_open || inc->alarm_acked)
        return;
      id = command_id (self, "%s/ack/%d", inc->id, a->n);
      send_command (self, "leader", id, "alarm.acknowledge", body_new (inc->id), NULL, NULL);
      break;

    case A_DISPATCH:
      do_dispatch (self, inc, a->n);
      break;

    case A_REPLACE:
      do_replace (self, inc, a->extra, a->n);
      break;

    case A_RESOLVE:
      if (!state_is (inc->state, "dispatched") && !state_is (inc->state, "on_scene"))
        return;
      body = body_new (inc->id);
      json_object_set_string_member (body, "summary", "现场处置完毕");
      id = command_id (self, "%s/resolve", inc->id);
      send_command (self, "dispatcher", id, "incident.resolve", body, NULL, NULL);
      break;

    case A_ASG_ACK:
    case A_ASG_EN_ROUTE:
    case A_ASG_ON_SCENE:
    case A_ASG_CLEAR:
      {
        static const char *const need[] = { "notified", "acknowledged", "en_route", "on_scene" };
        static const char *const type[] = { "assignment.acknowledge", "assignment.en_route",
                                            "assignment.on_scene", "assignment.clear" };
        guint k = a->kind - A_ASG_ACK;

        if (!state_is (asg->state, need[k]))
          return;
        body = json_object_new ();
        json_object_set_string_member (body, "assignment", asg->id);
        id = command_id (self, "%s/%s", asg->id, type[k]);
        send_command (self, unit->force->account, id, type[k], body, NULL, NULL);
      }
      break;

    case A_ASG_NOACK_CHECK:
      if (!state_is (asg->state, "notified") || inc == NULL || !incident_open (inc))
        return;
      body = json_object_new ();
      json_object_set_string_member (body, "assignment", asg->id);
      json_object_set_string_member (body, "reason", "超时未确认，改派");
      id = command_id (self, "%s/cancel-unacknowledged", asg->id);
      send_command (self, "dispatcher", id, "assignment.cancel", body, NULL, NULL);
      inc->replacements++;
      schedule (self, uniform (inc->rand, 5, 20), A_REPLACE, inc->id,
                wg_force_type_to_slug (unit->force->type), (int) inc->replacements * 100 + 1);
      break;

    case A_ASG_CANCEL:
      if (!assignment_open (asg) || state_is (asg->state, "on_scene"))
        return;
      body = json_object_new ();
      json_object_set_string_member (body, "assignment", asg->id);
      json_object_set_string_member (body, "reason", "已处置完毕，取消出动");
      id = command_id (self, "%s/cancel-resolved", asg->id);
      send_command (self, "dispatcher", id, "assignment.cancel", body, NULL, NULL);
      break;

    default:
      break;
    }
}

/* ---- reacting to the journal ------------------------------------------- */

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
           ? json_node_get_string (node) : NULL;
}

static SimIncident *
incident_from_report (WgSim      *self,
                      const char *id,
                      JsonObject *body)
{
  SimIncident *inc = g_new0 (SimIncident, 1);
  JsonObject *location = json_object_get_object_member (body, "location");
  const char *grid = get_string (body, "grid");

  inc->id = g_strdup (id);
  inc->grade = g_strdup (get_string (body, "grade"));
  inc->case_number = g_strdup (get_string (body, "case_number"));
  inc->state = g_strdup ("reported");
  inc->category = wg_reference_lookup_category (self->reference, get_string (body, "category"));
  if (location != NULL)
    {
      inc->lat = json_object_get_double_member_with_default (location, "lat", 0);
      inc->lon = json_object_get_double_member_with_default (location, "lon", 0);
    }
  inc->grid = grid != NULL ? wg_reference_lookup_grid (self->reference, grid) : NULL;
  if (inc->grid == NULL)
    inc->grid = wg_reference_find_grid (self->reference, inc->lat, inc->lon);
  if (inc->category != NULL && inc->category->call_back != WG_CALL_BACK_NEVER)
    inc->needs_call_back = inc->category->call_back == WG_CALL_BACK_ALWAYS ||
                           g_strcmp0 (get_string (body, "source"), "hotline_12345") == 0 ||
                           g_strcmp0 (get_string (body, "source"), "walk_in") == 0;
  inc->assignments = g_ptr_array_new_with_free_func (g_free);
  inc->rand = rand_for (self, id);
  g_hash_table_insert (self->incidents, inc->id, inc);
  return inc;
}

static void
schedule_ack (WgSim       *self,
              SimIncident *inc)
{
  double late = (self->escalation_s + 5.0) * self->config.speed;
  gboolean fits = self->config.duration <= 0 ||
                  sim_now (self) + late < self->config.duration - 60;

  /* A late acknowledgement comes after the server's escalation interval,
   * which runs on the server's clock: real seconds, times --speed here. */
  if (fits && g_rand_double (inc->rand) < self->config.late_ack_share)
    schedule (self, late, A_ACK_ALARM, inc->id, NULL, 1);
  else
    schedule (self, uniform (inc->rand, 5, 40), A_ACK_ALARM, inc->id, NULL, 1);
}

static void
unit_release (WgSim         *self,
              SimAssignment *asg)
{
  SimUnit *unit = g_hash_table_lookup (self->units, asg->unit);

  if (unit == NULL || g_strcmp0 (unit->assignment, asg->id) != 0)
    return;
  g_clear_pointer (&unit->assignment, g_free);
  /* Patrols go back to patrolling; the others go home. */
  if (!unit->patrols)
    unit_travel (self, unit, unit->force->lat, unit->force->lon,
                 wg_force_eta_seconds (unit->force, unit->lat, unit->lon, unit->force->lat, unit->force->lon));
  else
    {
      unit_advance (self, unit, sim_now (self));
      unit->moving = FALSE;
      unit->leg_t1 = unit->leg_t0 = 0;  /* a new leg from here */
    }
}

static void
on_event (WgSim      *self,
          JsonObject *event)
{
  gint64 seq = json_object_get_int_member_with_default (event, "seq", 0);
  const char *type = get_string (event, "type");
  const char *subject = get_string (event, "subject");
  const char *incident = get_string (event, "incident");
  JsonObject *body = json_object_get_object_member (event, "body");
  gboolean centre = self->config.play_centre;
  SimIncident *inc;
  SimAssignment *asg;

  if (seq <= self->last_seq || type == NULL)
    return;
  self->last_seq = seq;
  if (json_object_has_member (event, "exercise"))
    return;

  if (g_str_equal (type, "incident.reported") && subject != NULL && body != NULL)
    {
      if (g_hash_table_contains (self->incidents, subject))
        return;
      inc = incident_from_report (self, subject, body);
      self->counters.reports[grade_index (inc->grade)]++;
      if (g_str_equal (inc->grade, "general"))
        schedule (self, uniform (inc->rand, 120, 900), A_HANDLE_ON_SPOT, inc->id, NULL, 0);
      else if (g_str_equal (inc->grade, "professional") && inc->category != NULL && inc->category->mediate_first)
        /* 小事不出网格: the grid worker mediates first. */
        schedule (self, uniform (inc->rand, 60, 600), A_MEDIATE, inc->id, NULL, 0);
      else if (g_str_equal (inc->grade, "professional") && centre)
        schedule (self, uniform (inc->rand, 30, 180), A_ROUTE, inc->id, NULL, 1);
      else if (g_str_equal (inc->grade, "emergency") && centre)
        schedule (self, uniform (inc->rand, 10, 60), A_DISPATCH, inc->id, NULL, 1);
      return;
    }

  if (g_str_has_prefix (type, "assignment."))
    {
      if (subject == NULL)
        return;
      if (g_str_equal (type, "assignment.created"))
        {
          const char *unit_id = get_string (body, "unit");
          SimUnit *unit = unit_id != NULL ? g_hash_table_lookup (self->units, unit_id) : NULL;

          asg = g_new0 (SimAssignment, 1);
          asg->id = g_strdup (subject);
          asg->incident = g_strdup (incident);
          asg->unit = g_strdup (unit_id);
          asg->state = g_strdup ("notified");
          asg->rand = rand_for (self, subject);
          g_hash_table_replace (self->assignments, asg->id, asg);
          inc = incident != NULL ? g_hash_table_lookup (self->incidents, incident) : NULL;
          if (inc != NULL)
            {
              g_ptr_array_add (inc->assignments, g_strdup (subject));
              inc->dispatches++;
            }
          if (unit != NULL)
            {
              g_free (unit->assignment);
              unit->assignment = g_strdup (subject);
              unit->active = TRUE;
            }
          /* Now and then a force does not answer: the console shows it
           * red, and the centre cancels and sends another. */
          if (g_rand_double (asg->rand) >= self->config.no_ack_share)
            schedule (self, uniform (asg->rand, 5, 30), A_ASG_ACK, asg->id, NULL, 0);
          else if (centre)
            schedule (self, uniform (asg->rand, 70, 120), A_ASG_NOACK_CHECK, asg->id, NULL, 0);
          return;
        }
      asg = g_hash_table_lookup (self->assignments, subject);
      if (asg == NULL)
        return;
      set_state (&asg->state, type + strlen ("assignment."));
      inc = asg->incident != NULL ? g_hash_table_lookup (self->incidents, asg->incident) : NULL;
      if (g_str_equal (type, "assignment.acknowledged"))
        schedule (self, uniform (asg->rand, 3, 15), A_ASG_EN_ROUTE, asg->id, NULL, 0);
      else if (g_str_equal (type, "assignment.en_route"))
        {
          SimUnit *unit = g_hash_table_lookup (self->units, asg->unit);
          double eta = 60;

          if (unit != NULL && inc != NULL)
            {
              unit_advance (self, unit, sim_now (self));
              eta = MAX (20.0, wg_force_eta_seconds (unit->force, unit->lat, unit->lon, inc->lat, inc->lon));
              unit_travel (self, unit, inc->lat, inc->lon, eta);
            }
          schedule (self, eta, A_ASG_ON_SCENE, asg->id, NULL, 0);
        }
      else if (g_str_equal (type, "assignment.on_scene"))
        {
          if (inc != NULL && state_is (inc->state, "resolved"))
            schedule (self, uniform (asg->rand, 10, 60), A_ASG_CLEAR, asg->id, NULL, 0);
        }
      else if (g_str_equal (type, "assignment.cleared") || g_str_equal (type, "assignment.cancelled"))
        unit_release (self, asg);
      return;
    }

  if (g_str_equal (type, "unit.status_changed") && subject != NULL)
    {
      SimUnit *unit = g_hash_table_lookup (self->units, subject);

      if (unit != NULL)
        unit->off_duty = g_strcmp0 (get_string (body, "status"), "off_duty") == 0;
      return;
    }
  if (g_str_equal (type, "alarm.escalated"))
    self->counters.escalations++;
  if (g_str_equal (type, "incident.rejected"))
    self->counters.rejections++;
  if (g_str_equal (type, "incident.overdue"))
    self->counters.overdue++;
  if (g_str_equal (type, "incident.verification_failed"))
    self->counters.verification_failures++;

  inc = incident != NULL ? g_hash_table_lookup (self->incidents, incident) : NULL;
  if (inc == NULL)
    return;
  if (body != NULL && json_object_has_member (body, "step"))
    inc->deadline = json_object_get_int_member_with_default (body, "deadline", 0);

  if (g_str_equal (type, "alarm.raised"))
    {
      inc->alarm_open = TRUE;
      inc->alarm_acked = FALSE;
      if (centre)
        schedule_ack (self, inc);
    }
  else if (g_str_equal (type, "alarm.acknowledged"))
    inc->alarm_acked = TRUE;
  else if (g_str_equal (type, "incident.upgraded"))
    {
      set_state (&inc->grade, "emergency");
      set_state (&inc->state, "reported");
      if (centre)
        schedule (self, uniform (inc->rand, 10, 60), A_DISPATCH, inc->id, NULL, 1);
    }
  else if (g_str_equal (type, "incident.routed"))
    {
      set_state (&inc->state, "routed");
      set_state (&inc->department, get_string (body, "department"));
      inc->routes++;
      schedule (self, uniform (inc->rand, 0.1, 0.6) *
                      (inc->category != NULL && inc->category->accept_hours > 0 ? inc->category->accept_hours : 2) *
                      SECONDS_PER_HOUR * self->config.step_scale + 20,
                A_ACCEPT, inc->id, NULL, inc->routes);
    }
  else if (g_str_equal (type, "incident.rejection_requested"))
    {
      set_state (&inc->state, "rejection_pending");
      /* The centre reviews the request (退单审核). */
      if (centre)
        schedule (self, uniform (inc->rand, 20, 90), A_REVIEW, inc->id, NULL, inc->routes);
    }
  else if (g_str_equal (type, "incident.rejection_denied"))
    {
      /* Back to the department, which has to accept now. */
      set_state (&inc->state, "routed");
      inc->denied = TRUE;
      schedule (self, uniform (inc->rand, 20, 120), A_ACCEPT, inc->id, NULL, inc->routes + 100);
    }
  else if (g_str_equal (type, "incident.mediated"))
    {
      gboolean ok = g_strcmp0 (get_string (body, "outcome"), "mediated") == 0;

      if (ok)
        set_state (&inc->state, "resolved");
      if (centre)
        schedule (self, uniform (inc->rand, 30, 120), ok ? A_CLOSE : A_ROUTE, inc->id, NULL, 1);
    }
  else if (g_str_equal (type, "incident.extension_requested"))
    {
      inc->asked_deadline = json_object_get_int_member_with_default (body, "requested_deadline", 0);
      if (centre)
        schedule (self, uniform (inc->rand, 20, 120), A_EXTENSION_ANSWER, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.overdue"))
    {
      /* The centre presses the department (催办/督办). */
      if (centre && inc->department != NULL &&
          (state_is (inc->state, "routed") || state_is (inc->state, "accepted")))
        {
          JsonObject *notice = body_new (inc->id);
          g_autofree char *id = command_id (self, "%s/supervise/%" G_GINT64_FORMAT, inc->id,
                                            json_object_get_int_member_with_default (body, "deadline", 0));
          gboolean handle = g_strcmp0 (get_string (body, "step"), "handle") == 0;

          json_object_set_string_member (notice, "level", handle ? "supervise" : "urge");
          json_object_set_string_member (notice, "remark", handle ? "已超时限，请说明原因并限期办结" : "请尽快签收");
          send_command (self, "dispatcher", id, "incident.supervise", notice, NULL, NULL);
        }
    }
  else if (g_str_equal (type, "incident.supervised"))
    schedule (self, uniform (inc->rand, 30, 300), A_ANSWER, inc->id, NULL, 0);
  else if (g_str_equal (type, "incident.called_back"))
    {
      const char *satisfaction = get_string (body, "satisfaction");

      inc->called_back = g_strcmp0 (satisfaction, "unsatisfied") != 0;
      if (inc->called_back && centre)
        schedule (self, uniform (inc->rand, 30, 90), A_CLOSE, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.rejected"))
    {
      set_state (&inc->state, "rejected");
      if (centre)
        schedule (self, uniform (inc->rand, 30, 120), A_ROUTE, inc->id, NULL, inc->routes + 1);
    }
  else if (g_str_equal (type, "incident.accepted") || g_str_equal (type, "incident.verification_failed") ||
           g_str_equal (type, "incident.reworked"))
    {
      double window = handle_window (self, inc);
      gboolean late = g_rand_double (inc->rand) < self->config.late_feedback_share;

      /* Now and then the department asks for more time first. */
      if (g_str_equal (type, "incident.accepted") && g_rand_double (inc->rand) < self->config.extension_share)
        schedule (self, uniform (inc->rand, 0.05, 0.12) * window, A_EXTENSION_ASK, inc->id, NULL, 0);
      set_state (&inc->state, "accepted");
      inc->feedbacks++;
      /* Category-dependent: a share of the category's handling limit;
       * sometimes past it, so the server marks the step overdue. */
      schedule (self, late ? uniform (inc->rand, 1.1, 1.3) * window : uniform (inc->rand, 0.15, 0.6) * window,
                A_FEEDBACK, inc->id, NULL, inc->feedbacks);
    }
  else if (g_str_equal (type, "incident.feedback_given"))
    {
      set_state (&inc->state, "feedback_given");
      inc->verifies++;
      schedule (self, uniform (inc->rand, 60, 300), A_VERIFY, inc->id, NULL, inc->verifies);
    }
  else if (g_str_equal (type, "incident.verified"))
    {
      set_state (&inc->state, "verified");
      if (centre)
        schedule (self, uniform (inc->rand, 30, 150), A_CLOSE, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.dispatched"))
    set_state (&inc->state, "dispatched");
  else if (g_str_equal (type, "incident.on_scene"))
    {
      set_state (&inc->state, "on_scene");
      if (centre)
        schedule (self, uniform (inc->rand, 120, 480), A_RESOLVE, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.resolved"))
    {
      set_state (&inc->state, "resolved");
      for (guint i = 0; i < inc->assignments->len; i++)
        {
          asg = g_hash_table_lookup (self->assignments, g_ptr_array_index (inc->assignments, i));
          if (asg == NULL || !assignment_open (asg))
            continue;
          if (state_is (asg->state, "on_scene"))
            schedule (self, uniform (asg->rand, 10, 60), A_ASG_CLEAR, asg->id, NULL, 0);
          else if (centre)
            schedule (self, uniform (asg->rand, 5, 20), A_ASG_CANCEL, asg->id, NULL, 0);
        }
      if (centre)
        schedule (self, uniform (inc->rand, 60, 120), A_CLOSE, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.closed") || g_str_equal (type, "incident.cancelled"))
    {
      if (g_str_equal (type, "incident.closed") && incident_open (inc))
        self->counters.closed[grade_index (inc->grade)]++;
      set_state (&inc->state, type + strlen ("incident."));
    }
  else if (g_str_equal (type, "incident.suspended"))
    set_state (&inc->state, "suspended");
}

/* ---- the stream --------------------------------------------------------- */

static void
stream_drop (WgSim *self)
{
  if (self->stream == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->stream, self);
  if (soup_websocket_connection_get_state (self->stream) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->stream, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->stream);
}

static gboolean
unref_once (gpointer data)
{
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

static gboolean
stream_retry_cb (gpointer data)
{
  WgSim *self = data;

  self->stream_retry_id = 0;
  stream_connect (self);
  return G_SOURCE_REMOVE;
}

static void
stream_retry_later (WgSim *self)
{
  gint64 delay;

  stream_drop (self);
  if (self->stopping || self->stream_retry_id != 0)
    return;
  /* Every few failures the token may be what is wrong (a server that
   * lost its sessions): log in again. */
  if (++self->stream_failures % 4 == 0)
    wg_sim_net_login (self->net, "dispatcher");
  delay = wg_backoff_next_delay_ms (&self->stream_backoff, 0);
  self->stream_retry_id = g_timeout_add (MAX (delay, 50), stream_retry_cb, self);
}

static void
stream_message_cb (SoupWebsocketConnection *connection,
                   gint                     kind,
                   GBytes                  *message,
                   gpointer                 user_data)
{
  WgSim *self = user_data;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonObject *object;
  const char *type;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);

  if (kind != SOUP_WEBSOCKET_DATA_TEXT || !json_parser_load_from_data (parser, data, length, &error))
    return;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return;
  object = json_node_get_object (root);
  type = get_string (object, "type");
  if (g_strcmp0 (type, "event") == 0 && json_object_has_member (object, "event"))
    on_event (self, json_object_get_object_member (object, "event"));
  else if (g_strcmp0 (type, "live") == 0)
    {
      wg_backoff_reset (&self->stream_backoff);
      self->stream_failures = 0;
    }

  /* Tell the server how far we are (presence shows the lag), at most
   * once a second. */
  if (self->last_seq > self->acked_seq && g_get_monotonic_time () - self->last_ack_us > G_USEC_PER_SEC &&
      soup_websocket_connection_get_state (connection) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_autofree char *ack = g_strdup_printf ("{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}", self->last_seq);

      soup_websocket_connection_send_text (connection, ack);
      self->acked_seq = self->last_seq;
      self->last_ack_us = g_get_monotonic_time ();
    }
}

static void
stream_closed_cb (SoupWebsocketConnection *connection,
                  gpointer                 user_data)
{
  WgSim *self = user_data;

  g_debug ("Stream closed (%u)", soup_websocket_connection_get_close_code (connection));
  /* Not unreffed inside its own signal emission: on the next turn. */
  g_signal_handlers_disconnect_by_data (connection, self);
  g_idle_add_full (G_PRIORITY_DEFAULT, unref_once, g_steal_pointer (&self->stream), NULL);
  stream_retry_later (self);
}

static void
stream_connected_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  WgSim *self = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *connection;

  self->stream_connecting = FALSE;
  connection = wg_api_client_stream_finish (WG_API_CLIENT (source), result, &error);
  if (connection != NULL && self->stopping)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (connection);
      return;
    }
  if (connection == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("Stream: %s", error->message);
          stream_retry_later (self);
        }
      return;
    }
  self->stream = connection;
  g_signal_connect (connection, "message", G_CALLBACK (stream_message_cb), self);
  g_signal_connect (connection, "closed", G_CALLBACK (stream_closed_cb), self);
}

static void
stream_connect (WgSim *self)
{
  g_autofree char *path = NULL;

  if (self->stopping)
    return;
  if (!wg_sim_net_is_logged_in (self->net, "dispatcher"))
    {
      wg_sim_net_login (self->net, "dispatcher");
      self->stream_retry_id = g_timeout_add (200, stream_retry_cb, self);
      return;
    }
  path = g_strdup_printf ("/api/v1/stream?after=%" G_GINT64_FORMAT, self->last_seq);
  self->stream_connecting = TRUE;
  wg_api_client_stream_async (wg_sim_net_get_client (self->net, "dispatcher"), path,
                              self->stream_cancellable, stream_connected_cb, self);
}

/* ---- the clock ---------------------------------------------------------- */

static gboolean
tick_cb (gpointer data)
{
  WgSim *self = data;
  double now = sim_now (self);

  while (!self->stopping && !g_sequence_is_empty (self->actions))
    {
      GSequenceIter *first = g_sequence_get_begin_iter (self->actions);
      Action *action = g_sequence_get (first);

      if (action->t > now)
        break;
      g_sequence_remove (first);
      run_action (self, action);
      action_free (action);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- load mode ---------------------------------------------------------- */

static void
load_report (WgSim *self)
{
  SimUnit *worker = g_ptr_array_index (self->workers, self->report_counter % self->workers->len);
  GRand *rand = self->report_rand;
  WgCategory *category = pick_category (self, rand);
  g_autofree char *id = command_id (self, "load-report/%u", ++self->report_counter);
  JsonObject *body = json_object_new ();
  JsonObject *location = json_object_new ();
  double lat, lon;

  wg_grid_random_point (worker->force->grid, rand, &lat, &lon);
  json_object_set_string_member (body, "grade", category->grade);
  json_object_set_string_member (body, "category", category->code);
  json_object_set_double_member (location, "lat", lat);
  json_object_set_double_member (location, "lon", lon);
  json_object_set_object_member (body, "location", location);
  json_object_set_string_member (body, "summary", category->name_zh);
  json_object_set_string_member (body, "source", "patrol");
  json_object_set_string_member (body, "grid", worker->force->grid->code);
  if (g_str_equal (category->grade, "general"))
    {
      JsonObject *on_spot = json_object_new ();

      json_object_set_string_member (on_spot, "resolution", "已现场处置");
      json_object_set_object_member (body, "handled_on_spot", on_spot);
    }
  self->counters.reports[grade_index (category->grade)]++;
  send_command (self, worker->force->account, id, "incident.report", body, NULL, NULL);
}

static void
load_positions (WgSim *self,
                guint  count)
{
  gint64 ts = wg_sim_net_server_now_ms (self->net);
  GString *text = g_string_sized_new (count * 80 + 16);
  g_autofree char *account = g_strdup_printf ("admin#%u", self->positions_account++ % POSITIONS_ACCOUNTS);
  g_autoptr(GBytes) body = NULL;

  g_string_append (text, "{\"positions\":[");
  for (guint i = 0; i < count; i++)
    {
      guint k = self->load_cursor++ % self->config.units;
      char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];

      /* A small random walk: ~5 m per second. */
      self->load_lat[k] += g_rand_double_range (self->report_rand, -4.5e-5, 4.5e-5);
      self->load_lon[k] += g_rand_double_range (self->report_rand, -4.5e-5, 4.5e-5);
      g_string_append_printf (text, "%s{\"unit\":\"load-%05u\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":%s,\"lon\":%s}",
                              i > 0 ? "," : "", k, ts,
                              g_ascii_formatd (lat, sizeof lat, "%.7f", self->load_lat[k]),
                              g_ascii_formatd (lon, sizeof lon, "%.7f", self->load_lon[k]));
    }
  g_string_append (text, "]}");
  self->load_points_sent += count;
  self->counters.positions += count;
  body = g_string_free_to_bytes (text);
  wg_sim_net_positions_text (self->net, account, body);
}

static void
load_print (WgSim  *self,
            double  seconds)
{
  const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
  double c50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_COMMAND, 0.5);
  double c99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_COMMAND, 0.99);
  double p50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_POSITIONS, 0.5);
  double p99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_POSITIONS, 0.99);

  double answered_share = stats->sent[WG_SIM_LATENCY_POSITIONS] > 0
                            ? stats->answered[WG_SIM_LATENCY_POSITIONS] / (double) stats->sent[WG_SIM_LATENCY_POSITIONS]
                            : 0;

  g_print (_("load: %.1f s; positions %.0f points/s (%lu posts answered of %lu); "
             "reports %.1f/s (%lu answered of %lu); refused %lu, retries %lu, skipped (in flight) %u\n"),
           seconds,
           self->load_points_sent * answered_share / seconds,
           stats->answered[WG_SIM_LATENCY_POSITIONS], stats->sent[WG_SIM_LATENCY_POSITIONS],
           stats->answered[WG_SIM_LATENCY_COMMAND] / seconds,
           stats->answered[WG_SIM_LATENCY_COMMAND], stats->sent[WG_SIM_LATENCY_COMMAND],
           stats->refused, stats->retries, self->load_reports_skipped + self->load_positions_skipped);
  g_print (_("load: acknowledgement latency: commands p50 %.1f ms p99 %.1f ms; positions p50 %.1f ms p99 %.1f ms\n"),
           c50, c99, p50, p99);
  fflush (stdout);
}

typedef struct
{
  WgSim  *sim;
  gint64  end_us;
  double  credit;
  double  rate;
  gint64  last_us;
  gint64  start_us;
  guint   sent;
} Baseline;

static gboolean
baseline_tick_cb (gpointer data)
{
  Baseline *b = data;
  WgSim *self = b->sim;
  gint64 now = g_get_monotonic_time ();

  if (self->stopping)
    {
      g_free (b);
      return G_SOURCE_REMOVE;
    }
  if (now >= b->end_us)
    {
      if (wg_sim_net_outstanding (self->net) == 0 || now >= b->end_us + 10 * G_USEC_PER_SEC)
        {
          const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
          double h50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_HEALTH, 0.5);
          double h99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_HEALTH, 0.99);
          double c50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_COMMAND, 0.5);
          double c99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_COMMAND, 0.99);
          double p50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_POSITIONS, 0.5);
          double p99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_POSITIONS, 0.99);

          g_print (_("baseline: GET /api/v1/health at %.0f req/s: %lu answered, p50 %.1f ms p99 %.1f ms\n"),
                   b->rate, stats->answered[WG_SIM_LATENCY_HEALTH], h50, h99);
          g_print (_("ratio to baseline: commands p50 x%.1f p99 x%.1f; positions p50 x%.1f p99 x%.1f\n"),
                   c50 / MAX (h50, 0.01), c99 / MAX (h99, 0.01), p50 / MAX (h50, 0.01), p99 / MAX (h99, 0.01));
          fflush (stdout);
          g_free (b);
          wg_sim_stop (self);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  b->credit += (now - b->last_us) / 1e6 * b->rate;
  b->last_us = now;
  while (b->credit >= 1)
    {
      b->credit -= 1;
      wg_sim_net_health (self->net, self->baseline_slot++, NULL, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static void
load_finish (WgSim *self)
{
  const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
  /* The rates are over the load window, or until the last answer when the
   * server was still answering after it. */
  double seconds = MAX (self->load_end_us, stats->last_answer_us) - self->start_us;

  seconds /= 1e6;
  Baseline *b;

  load_print (self, seconds);
  if (self->config.baseline_seconds <= 0)
    {
      wg_sim_stop (self);
      return;
    }
  /* The same request rate, on the same machine, minutes later: what the
   * server answers when it has nothing to store. */
  b = g_new0 (Baseline, 1);
  b->sim = self;
  b->rate = self->config.report_rate + self->config.units / (double) LOAD_BATCH;
  b->last_us = b->start_us = g_get_monotonic_time ();
  b->end_us = b->start_us + (gint64) (self->config.baseline_seconds * G_USEC_PER_SEC);
  g_timeout_add (TICK_MS, baseline_tick_cb, b);
}

static gboolean
load_tick_cb (gpointer data)
{
  WgSim *self = data;
  gint64 now = g_get_monotonic_time ();
  double dt = (now - self->load_last_us) / 1e6;

  if (self->stopping)
    return G_SOURCE_REMOVE;
  if (now >= self->load_end_us)
    {
      /* Let the last answers arrive (at most 10 s). */
      if (wg_sim_net_outstanding (self->net) == 0 || now >= self->load_end_us + 10 * G_USEC_PER_SEC)
        {
          load_finish (self);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  self->load_last_us = now;
  self->load_position_credit += dt * self->config.units;
  self->load_report_credit += dt * self->config.report_rate;
  while (self->load_position_credit >= LOAD_BATCH ||
         (self->load_position_credit >= 1 && self->config.units < LOAD_BATCH))
    {
      guint count = MIN ((guint) self->load_position_credit, LOAD_BATCH);

      self->load_position_credit -= count;
      if (wg_sim_net_outstanding (self->net) > LOAD_MAX_IN_FLIGHT)
        self->load_positions_skipped++;
      else
        load_positions (self, count);
    }
  while (self->load_report_credit >= 1)
    {
      self->load_report_credit -= 1;
      if (wg_sim_net_outstanding (self->net) > LOAD_MAX_IN_FLIGHT)
        self->load_reports_skipped++;
      else
        load_report (self);
    }
  return G_SOURCE_CONTINUE;
}

/* Log every account in before the clock starts: logins cost an argon2id
 * hash each on the server, which is not what the load run measures. */
static gboolean
load_wait_logins_cb (gpointer data)
{
  WgSim *self = data;
  const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
  double seconds = self->config.duration > 0 ? self->config.duration : 60;

  if (self->stopping)
    return G_SOURCE_REMOVE;
  if (stats->logins < self->workers->len + POSITIONS_ACCOUNTS + 1)
    return G_SOURCE_CONTINUE;
  g_print (_("load: %u units at 1 Hz, %.0f reports/s, for %.0f s\n"),
           self->config.units, self->config.report_rate, seconds);
  fflush (stdout);
  self->started = TRUE;
  self->start_us = self->load_last_us = g_get_monotonic_time ();
  self->load_end_us = self->start_us + (gint64) (seconds * G_USEC_PER_SEC);
  g_timeout_add (TICK_MS / 2, load_tick_cb, self);
  return G_SOURCE_REMOVE;
}

static void
load_start (WgSim *self)
{
  GRand *rand = self->report_rand;

  self->load_lat = g_new (double, MAX (1, self->config.units));
  self->load_lon = g_new (double, MAX (1, self->config.units));
  for (guint k = 0; k < self->config.units; k++)
    {
      WgGrid *grid = wg_reference_pick_grid (self->reference, wg_reference_get_max_level (self->reference),
                                             g_rand_double (rand));

      wg_grid_random_point (grid, rand, &self->load_lat[k], &self->load_lon[k]);
    }
  for (guint i = 0; i < self->workers->len; i++)
    wg_sim_net_login (self->net, ((SimUnit *) g_ptr_array_index (self->workers, i))->force->account);
  for (guint i = 0; i < POSITIONS_ACCOUNTS; i++)
    {
      g_autofree char *account = g_strdup_printf ("admin#%u", i);

      wg_sim_net_login (self->net, account);
    }
  g_timeout_add (50, load_wait_logins_cb, self);
}

/* ---- life --------------------------------------------------------------- */

static void
build_world (WgSim *self)
{
  GPtrArray *forces = wg_reference_get_forces (self->reference);
  GPtrArray *grid_workers = wg_reference_get_forces_by_type (self->reference, WG_FORCE_GRID_WORKER);
  guint covering = 60, chief = 180;

  wg_reference_get_escalation_delays (self->reference, &covering, &chief);
  self->escalation_s = covering;
  for (guint i = 0; i < forces->len; i++)
    {
      WgForce *force = g_ptr_array_index (forces, i);
      SimUnit *unit = g_new0 (SimUnit, 1);

      unit->force = force;
      unit->lat = force->lat;
      unit->lon = force->lon;
      unit->rand = rand_for (self, force->id);
      g_hash_table_insert (self->units, force->id, unit);
    }
  for (guint i = 0; grid_workers != NULL && i < grid_workers->len; i++)
    {
      WgForce *force = g_ptr_array_index (grid_workers, i);
      SimUnit *unit = g_hash_table_lookup (self->units, force->id);

      if (force->grid == NULL || force->account == NULL)
        continue;
      unit->patrols = TRUE;
      unit->patrol_grids = g_ptr_array_new ();
      g_ptr_array_add (unit->patrol_grids, force->grid);
      unit->patrol_mps = PATROL_SPEED_MPS;
      wg_grid_random_point (force->grid, unit->rand, &unit->target_lat, &unit->target_lon);
      patrol_next_leg (unit, 0);
      unit->lat = unit->leg_lat;
      unit->lon = unit->leg_lon;
      g_ptr_array_add (self->workers, unit);
      g_hash_table_insert (self->worker_of_grid, force->grid->code, force);
    }
  for (guint i = 0; i < forces->len; i++)
    {
      WgForce *force = g_ptr_array_index (forces, i);
      SimUnit *unit = g_hash_table_lookup (self->units, force->id);

      /* Five heads are volunteers without a terminal (their grid worker
       * speaks for them), volunteer teams are called through their grid
       * leader: the others carry a phone or a car terminal and are on the
       * dispatcher's map all the time. */
      if (unit->patrols || force->account == NULL ||
          force->type == WG_FORCE_FIVE_HEAD || force->type == WG_FORCE_VOLUNTEER_TEAM)
        continue;
      unit->has_device = TRUE;
      /* Police cars and auxiliaries on bicycles patrol their police grid
       * (or their work-station area); posts, leaders and teams stay put. */
      if (force->type == WG_FORCE_COMMUNITY_POLICE || force->type == WG_FORCE_AUXILIARY_POLICE)
        {
          WgGrid *area = force->station != NULL ? force->station->grid : NULL;

          unit->patrol_grids = g_ptr_array_new ();
          if (force->police_grid != NULL)
            g_ptr_array_extend (unit->patrol_grids, force->police_grid->grids, NULL, NULL);
          else
            for (guint k = 0; area != NULL && k < area->children->len; k++)
              g_ptr_array_add (unit->patrol_grids, g_ptr_array_index (area->children, k));
          if (unit->patrol_grids->len == 0)
            {
              g_clear_pointer (&unit->patrol_grids, g_ptr_array_unref);
              continue;
            }
          unit->patrols = TRUE;
          unit->patrol_mps = force->speed == WG_SPEED_CAR ? PATROL_CAR_MPS : PATROL_BICYCLE_MPS;
          unit->target_lat = force->lat;
          unit->target_lon = force->lon;
          patrol_next_leg (unit, 0);
        }
    }
}

static void
field_begin (WgSim *self)
{
  self->started = TRUE;
  self->start_us = g_get_monotonic_time ();
  schedule_next_report (self, 0);
  schedule (self, 0, A_POSITIONS, NULL, NULL, 0);
  schedule (self, SECONDS_PER_HOUR, A_HOUR, NULL, NULL, 0);
  if (self->config.duration > 0)
    schedule (self, self->config.duration, A_END, NULL, NULL, 0);
  self->tick_id = g_timeout_add (TICK_MS, tick_cb, self);
  stream_connect (self);
  g_print (_("wangge-sim: %u grid workers patrolling, speed x%g, seed %u%s\n"),
           self->workers->len, self->config.speed, self->config.seed,
           self->config.play_centre ? _(", playing the centre") : "");
  fflush (stdout);
}

static gboolean
field_wait_logins_cb (gpointer data)
{
  WgSim *self = data;

  if (self->stopping)
    return G_SOURCE_REMOVE;
  if (wg_sim_net_get_stats (self->net)->logins < self->expected_logins)
    return G_SOURCE_CONTINUE;
  field_begin (self);
  return G_SOURCE_REMOVE;
}

/* The grid workers (and the centre) log in at the start of their shift,
 * before the clock runs: a login costs the server an argon2id hash, and
 * a report must not wait for one while simulated time runs on.  Forces
 * and departments log in when first called on. */
static void
field_start (WgSim *self)
{
  const char *centre[] = { "leader", NULL };
  guint n = 1;   /* the dispatcher, logged in for the reference */

  for (guint i = 0; i < self->workers->len; i++, n++)
    wg_sim_net_login (self->net, ((SimUnit *) g_ptr_array_index (self->workers, i))->force->account);
  for (guint i = 0; i < POSITIONS_ACCOUNTS; i++, n++)
    {
      g_autofree char *account = g_strdup_printf ("admin#%u", i);

      wg_sim_net_login (self->net, account);
    }
  for (guint i = 0; self->config.play_centre && centre[i] != NULL; i++, n++)
    wg_sim_net_login (self->net, centre[i]);
  self->expected_logins = n;
  g_timeout_add (20, field_wait_logins_cb, self);
}

static void
start (WgSim *self)
{
  build_world (self);
  if (self->load)
    load_start (self);
  else
    field_start (self);
}

static void
reference_done (gpointer   user_data,
                JsonNode  *answer,
                WgProblem *problem)
{
  WgSim *self = user_data;
  g_autoptr(GError) error = NULL;

  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    {
      g_printerr (_("wangge-sim: cannot read the reference data: %s\n"),
                  problem != NULL && problem->detail != NULL ? problem->detail : _("no answer"));
      self->status = 1;
      wg_sim_stop (self);
      return;
    }
  self->reference = wg_reference_load_bundle (json_node_get_object (answer), &error);
  if (self->reference == NULL)
    {
      g_printerr (_("wangge-sim: the server's reference data is not usable: %s\n"), error->message);
      self->status = 1;
      wg_sim_stop (self);
      return;
    }
  start (self);
}

static void
health_done (gpointer   user_data,
             JsonNode  *answer,
             WgProblem *problem)
{
  WgSim *self = user_data;
  JsonObject *object = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;

  /* React to what happens from now on, not to the server's past. */
  if (object != NULL)
    self->last_seq = json_object_get_int_member_with_default (object, "head", 0);
  wg_sim_net_get (self->net, "dispatcher", "/api/v1/reference", reference_done, self);
}

static gboolean
signal_cb (gpointer data)
{
  WgSim *self = data;

  g_printerr (_("wangge-sim: stopping\n"));
  wg_sim_stop (self);
  return G_SOURCE_CONTINUE;
}

WgSim *
wg_sim_new (const WgSimConfig *config)
{
  WgSim *self;
  g_autofree char *seed_label = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  self = g_new0 (WgSim, 1);
  self->config = *config;
  self->config.server = g_strdup (config->server);
  self->config.password = g_strdup (config->password);
  if (self->config.speed <= 0)
    self->config.speed = 1;
  self->load = config->units > 0 || config->report_rate > 0;
  seed_label = g_strdup_printf ("wangge-sim/%u", config->seed);
  self->ns = wg_uuid_derive ("00000000-0000-0000-0000-000000000000", seed_label);
  self->actions = g_sequence_new (NULL);  /* actions are freed by who takes them */
  self->units = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) sim_unit_free);
  self->workers = g_ptr_array_new ();
  self->worker_of_grid = g_hash_table_new (g_str_hash, g_str_equal);
  self->incidents = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) sim_incident_free);
  self->assignments = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) sim_assignment_free);
  self->report_rand = g_rand_new_with_seed (config->seed);
  self->stream_cancellable = g_cancellable_new ();
  wg_backoff_init (&self->stream_backoff, 100, 3000, config->seed);
  self->loop = g_main_loop_new (NULL, FALSE);
  return self;
}

int
wg_sim_run (WgSim *self)
{
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (self != NULL, 1);

  self->net = wg_sim_net_new (self->config.server, self->config.password, self->config.seed, &error);
  if (self->net == NULL)
    {
      g_printerr ("wangge-sim: %s\n", error->message);
      return 2;
    }
  self->signal_ids[0] = g_unix_signal_add (SIGINT, signal_cb, self);
  self->signal_ids[1] = g_unix_signal_add (SIGTERM, signal_cb, self);
  wg_sim_net_health (self->net, 0, health_done, self);
  if (!self->stopping)
    g_main_loop_run (self->loop);

  if (self->started && !self->load && (guint) sim_now (self) != (guint) self->last_summary_t)
    print_summary (self, self->config.duration > 0 ? MIN (sim_now (self), self->config.duration) : sim_now (self));
  return self->status;
}

/* Commands already sent get their answers (at most DRAIN_MS): a run that
 * ends loses nothing it started, and a rerun with the same seed sends the
 * same commands. */
static gboolean
drain_cb (gpointer data)
{
  WgSim *self = data;

  if (wg_sim_net_outstanding (self->net) > 0 && g_get_monotonic_time () < self->drain_deadline_us)
    return G_SOURCE_CONTINUE;
  self->drain_id = 0;
  g_main_loop_quit (self->loop);
  return G_SOURCE_REMOVE;
}

void
wg_sim_stop (WgSim *self)
{
  g_return_if_fail (self != NULL);

  if (self->stopping)
    {
      /* A second signal: now. */
      g_main_loop_quit (self->loop);
      return;
    }
  self->stopping = TRUE;
  g_cancellable_cancel (self->stream_cancellable);
  g_clear_handle_id (&self->stream_retry_id, g_source_remove);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  stream_drop (self);
  if (self->net != NULL && wg_sim_net_outstanding (self->net) > 0)
    {
      self->drain_deadline_us = g_get_monotonic_time () + DRAIN_MS * 1000;
      self->drain_id = g_timeout_add (20, drain_cb, self);
      return;
    }
  g_main_loop_quit (self->loop);
}

void
wg_sim_free (WgSim *self)
{
  if (self == NULL)
    return;
  self->stopping = TRUE;
  g_clear_handle_id (&self->stream_retry_id, g_source_remove);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->drain_id, g_source_remove);
  for (guint i = 0; i < G_N_ELEMENTS (self->signal_ids); i++)
    g_clear_handle_id (&self->signal_ids[i], g_source_remove);
  stream_drop (self);
  g_cancellable_cancel (self->stream_cancellable);
  /* Callbacks still due hold a pointer to us: let them run first. */
  while (self->stream_connecting)
    g_main_context_iteration (NULL, TRUE);
  g_clear_pointer (&self->net, wg_sim_net_free);
  if (self->actions != NULL)
    {
      while (!g_sequence_is_empty (self->actions))
        {
          GSequenceIter *first = g_sequence_get_begin_iter (self->actions);

          action_free (g_sequence_get (first));
          g_sequence_remove (first);
        }
      g_clear_pointer (&self->actions, g_sequence_free);
    }
  g_clear_pointer (&self->incidents, g_hash_table_destroy);
  g_clear_pointer (&self->assignments, g_hash_table_destroy);
  g_clear_pointer (&self->units, g_hash_table_destroy);
  g_clear_pointer (&self->workers, g_ptr_array_unref);
  g_clear_pointer (&self->worker_of_grid, g_hash_table_destroy);
  g_clear_pointer (&self->report_rand, g_rand_free);
  g_clear_object (&self->stream_cancellable);
  g_clear_object (&self->reference);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_free (self->load_lat);
  g_free (self->load_lon);
  g_free (self->ns);
  wg_backoff_clear (&self->stream_backoff);
  wg_sim_config_clear (&self->config);
  g_free (self);
}
