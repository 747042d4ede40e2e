/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The field's actions: reports, the forces' movements and positions,
 * photos, dispatches, and every scheduled step of the work-order cycle.
 */
#define G_LOG_DOMAIN "wg-sim"

#include "config.h"

#include "wg-sim-private.h"

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
  _wg_sim_send_command (job->sim, job->account, job->id, job->type, g_steal_pointer (&job->body), NULL, NULL);
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
      _wg_sim_send_command (self, account, id, type, body, NULL, NULL);
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
      _wg_sim_send_command (self, account, id, type, body, NULL, NULL);
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
double
_wg_sim_handle_window (WgSim       *self,
                       SimIncident *inc)
{
  double hours = 24;

  if (inc->category != NULL && inc->category->accept_hours + inc->category->feedback_hours > 0)
    hours = inc->category->accept_hours + inc->category->feedback_hours;
  return MAX (60.0, hours * SECONDS_PER_HOUR * self->config.step_scale);
}

/* ---- positions ---------------------------------------------------------- */

void
_wg_sim_unit_travel (WgSim   *self,
                     SimUnit *unit,
                     double   lat,
                     double   lon,
                     double   seconds)
{
  double t = _wg_sim_now (self);

  unit->moving = TRUE;
  unit->lat0 = unit->lat;
  unit->lon0 = unit->lon;
  unit->t0 = t;
  unit->lat1 = lat;
  unit->lon1 = lon;
  unit->t1 = t + MAX (1.0, seconds);
  unit->active = TRUE;
}

void
_wg_sim_patrol_next_leg (SimUnit *unit,
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
  d = _wg_sim_distance_m (unit->leg_lat, unit->leg_lon, unit->target_lat, unit->target_lon);
  unit->leg_t0 = t0;
  unit->leg_t1 = t0 + MAX (1.0, d / unit->patrol_mps);
}

void
_wg_sim_unit_advance (WgSim   *self,
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
          _wg_sim_patrol_next_leg (unit, t);
        }
      while (t >= unit->leg_t1)
        _wg_sim_patrol_next_leg (unit, unit->leg_t1);
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
   * its future, and simulated time runs ahead of it.  A drill's carry its
   * exercise's time, as its events do. */
  gint64 ts = wg_sim_net_server_now_ms (self->net) - (self->config.exercise != NULL ? self->exercise_offset_ms : 0);
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
      /* A drill moves only the forces sent in it: the others are on live
       * duty, and their positions are live data. */
      if (self->config.exercise != NULL && !unit->active)
        continue;
      _wg_sim_unit_advance (self, unit, t);
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
  if (self->config.exercise != NULL)
    _wg_sim_exercise_read_clock (self);
}


/* ---- the field ---------------------------------------------------------- */

WgCategory *
_wg_sim_pick_category (WgSim *self,
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
  category = _wg_sim_pick_category (self, rand);
  id = _wg_sim_command_id (self, "report/%u", n);

  /* Where the worker is on patrol: inside their own grid. */
  _wg_sim_unit_advance (self, worker, t);
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
    g_autoptr(GRand) words = _wg_sim_rand_for (self, id);
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
void
_wg_sim_schedule_next_report (WgSim  *self,
                              double  after)
{
  double rate = self->config.reports_per_hour / SECONDS_PER_HOUR;
  double delay;

  if (rate <= 0)
    return;
  delay = -log (1.0 - g_rand_double (self->report_rand)) / rate;
  _wg_sim_schedule_at (self, after + delay, A_REPORT, NULL, NULL, 0);
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
          unit->blocked_until > _wg_sim_now (self))
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
        unit->blocked_until = _wg_sim_now (job->sim) + 1800;
    }
  /* n is the attempt; for a replacement, index * 100 + attempt. */
  if (answer == NULL && job->n % 100 < 6)
    _wg_sim_schedule (job->sim, 20, job->type != NULL ? A_REPLACE : A_DISPATCH, job->incident, job->type, job->n + 1);
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
  JsonObject *body = _wg_sim_body_new (inc->id);
  JsonArray *array = json_array_new ();
  g_autofree char *id = _wg_sim_command_id (self, "%s/%s/%d", inc->id, label, n);
  DispatchJob *job;

  for (guint i = 0; i < units->len; i++)
    json_array_add_string_element (array, g_ptr_array_index (units, i));
  json_object_set_array_member (body, "units", array);
  job = g_new0 (DispatchJob, 1);
  job->sim = self;
  job->incident = g_strdup (inc->id);
  job->type = g_strdup (type);
  job->n = n;
  _wg_sim_send_command_full (self, "dispatcher", id, "dispatch.assign", body, dispatch_done, job, dispatch_job_free);
}

static void
do_dispatch (WgSim       *self,
             SimIncident *inc,
             int          n)
{
  g_autoptr(GPtrArray) units = g_ptr_array_new ();
  WgCategory *c = inc->category;

  if (!_wg_sim_state_is (inc->state, "reported") && !_wg_sim_state_is (inc->state, "dispatched") &&
      !_wg_sim_state_is (inc->state, "on_scene"))
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
        _wg_sim_schedule (self, 30, A_DISPATCH, inc->id, NULL, n + 1);
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

  if (!_wg_sim_state_is (inc->state, "dispatched") && !_wg_sim_state_is (inc->state, "on_scene"))
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
  double window = _wg_sim_handle_window (self, inc);

  if (!_wg_sim_state_is (inc->state, "reported") && !_wg_sim_state_is (inc->state, "rejected") &&
      !_wg_sim_state_is (inc->state, "resolved"))
    return;
  department = inc->category != NULL && inc->category->department != NULL
                 ? inc->category->department->code : "judicial";
  body = _wg_sim_body_new (inc->id);
  json_object_set_string_member (body, "department", department);
  /* The handling deadline in the simulation's time: the category's limit
   * scaled, compressed by --speed into the server's clock. */
  json_object_set_int_member (body, "deadline",
                              wg_sim_net_server_now_ms (self->net) +
                              (gint64) MAX (1000.0, window / self->config.speed * 1000));
  json_object_set_string_member (body, "instructions",
                                 _wg_sim_state_is (inc->state, "resolved") ? "应急处置后续跟进" : "请按时限办理");
  id = _wg_sim_command_id (self, "%s/route/%d", inc->id, n);
  _wg_sim_send_command (self, "dispatcher", id, "incident.route", body, NULL, NULL);
}

void
_wg_sim_run_action (WgSim  *self,
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
      _wg_sim_schedule_next_report (self, a->t);
      return;
    case A_POSITIONS:
      positions_tick (self, a->t);
      _wg_sim_schedule_at (self, a->t + self->config.position_interval, A_POSITIONS, NULL, NULL, 0);
      return;
    case A_HOUR:
      _wg_sim_print_summary (self, ++self->hour * SECONDS_PER_HOUR);
      _wg_sim_schedule_at (self, a->t + SECONDS_PER_HOUR, A_HOUR, NULL, NULL, 0);
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
      if (inc == NULL || !_wg_sim_incident_open (inc))
        return;
    }

  switch (a->kind)
    {
    case A_HANDLE_ON_SPOT:
      {
        WgForce *worker = worker_for_grid (self, inc->grid);

        if (!_wg_sim_state_is (inc->state, "reported") || worker == NULL)
          return;
        body = _wg_sim_body_new (inc->id);
        json_object_set_string_member (body, "resolution", "已现场处置");
        id = _wg_sim_command_id (self, "%s/handle", inc->id);
        _wg_sim_send_command (self, worker->account, id, "incident.handle_on_spot", body, NULL, NULL);
      }
      break;

    case A_ROUTE:
      do_route (self, inc, a->n);
      break;

    case A_ACCEPT:
      {
        const char *account = department_account (self, inc->department);
        gboolean reject;

        if (!_wg_sim_state_is (inc->state, "routed") || account == NULL)
          return;
        /* Sometimes a department says "not ours" to a first routing. */
        reject = inc->routes == 1 && !inc->denied && g_rand_double (inc->rand) < self->config.reject_share;
        body = _wg_sim_body_new (inc->id);
        if (reject)
          json_object_set_string_member (body, "reason", "非本部门职责");
        id = _wg_sim_command_id (self, "%s/%s/%d", inc->id, reject ? "reject" : "accept", a->n);
        _wg_sim_send_command (self, account, id, reject ? "incident.reject" : "incident.accept", body, NULL, NULL);
      }
      break;

    case A_FEEDBACK:
      {
        const char *account = department_account (self, inc->department);
        gboolean dispute = inc->category != NULL && g_strcmp0 (inc->category->klass, "dispute") == 0;
        double u = g_rand_double (inc->rand);

        if (!_wg_sim_state_is (inc->state, "accepted") || account == NULL)
          return;
        body = _wg_sim_body_new (inc->id);
        json_object_set_string_member (body, "result", dispute ? "已组织调解" : "已处理完毕");
        json_object_set_string_member (body, "outcome",
                                       dispute ? (u < 0.9 ? "mediated" : "mediation_failed")
                                               : (u < 0.85 ? "resolved" : "partly"));
        id = _wg_sim_command_id (self, "%s/feedback/%d", inc->id, a->n);
        send_with_photo (self, account, id, "incident.feedback", body, inc->id,
                         inc->category != NULL ? inc->category->code : NULL, inc->case_number, TRUE);
      }
      break;

    case A_VERIFY:
      {
        WgForce *worker = worker_for_grid (self, inc->grid);
        gboolean passed = inc->verifies > 1 || g_rand_double (inc->rand) >= 0.1;

        if (!_wg_sim_state_is (inc->state, "feedback_given") || worker == NULL)
          return;
        body = _wg_sim_body_new (inc->id);
        json_object_set_boolean_member (body, "passed", passed);
        json_object_set_string_member (body, "remark", passed ? "现场核实已办结" : "现场核实未整改到位");
        id = _wg_sim_command_id (self, "%s/verify/%d", inc->id, a->n);
        send_with_photo (self, worker->account, id, "incident.verify", body, inc->id,
                         inc->category != NULL ? inc->category->code : NULL, inc->case_number, passed);
      }
      break;

    case A_CLOSE:
      /* The duty leader has to have seen the alarm before it is closed. */
      if (inc->alarm_open && !inc->alarm_acked)
        {
          _wg_sim_schedule (self, 30, A_CLOSE, inc->id, NULL, a->n);
          return;
        }
      if (_wg_sim_state_is (inc->state, "resolved"))
        {
          for (guint i = 0; i < inc->assignments->len; i++)
            {
              SimAssignment *other = g_hash_table_lookup (self->assignments,
                                                          g_ptr_array_index (inc->assignments, i));

              if (other != NULL && _wg_sim_assignment_open (other))
                {
                  _wg_sim_schedule (self, 30, A_CLOSE, inc->id, NULL, a->n);
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
      else if (!_wg_sim_state_is (inc->state, "verified"))
        return;
      /* A hotline or walk-in case: the resident is called back first (回访). */
      if (inc->needs_call_back && !inc->called_back)
        {
          _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 30, 120), A_CALL_BACK, inc->id, NULL, 0);
          return;
        }
      body = _wg_sim_body_new (inc->id);
      json_object_set_string_member (body, "remark", "办结");
      id = _wg_sim_command_id (self, "%s/close", inc->id);
      _wg_sim_send_command (self, "dispatcher", id, "incident.close", body, NULL, NULL);
      break;

    case A_MEDIATE:
      {
        WgForce *worker = worker_for_grid (self, inc->grid);
        gboolean ok = g_rand_double (inc->rand) < self->config.mediation_success_share;
        g_autofree char *remark = wg_summary_mediation (ok, inc->rand);

        if (!_wg_sim_state_is (inc->state, "reported") || worker == NULL)
          return;
        body = _wg_sim_body_new (inc->id);
        json_object_set_string_member (body, "outcome", ok ? "mediated" : "failed");
        json_object_set_string_member (body, "remark", remark);
        id = _wg_sim_command_id (self, "%s/mediate", inc->id);
        _wg_sim_send_command (self, worker->account, id, "incident.mediate", body, NULL, NULL);
      }
      break;

    case A_REVIEW:
      {
        gboolean approve = g_rand_double (inc->rand) < 0.7;

        if (!_wg_sim_state_is (inc->state, "rejection_pending"))
          return;
        body = _wg_sim_body_new (inc->id);
        json_object_set_boolean_member (body, "approve", approve);
        json_object_set_string_member (body, "remark", approve ? "确非该部门职责，重新流转" : "属本部门职责，请签收办理");
        id = _wg_sim_command_id (self, "%s/review/%d", inc->id, a->n);
        _wg_sim_send_command (self, "dispatcher", id, "incident.review_rejection", body, NULL, NULL);
      }
      break;

    case A_EXTENSION_ASK:
      {
        const char *account = department_account (self, inc->department);
        double window = _wg_sim_handle_window (self, inc);

        if (!_wg_sim_state_is (inc->state, "accepted") || account == NULL)
          return;
        body = _wg_sim_body_new (inc->id);
        /* Well past the handling deadline in force. */
        json_object_set_int_member (body, "deadline",
                                    MAX (wg_sim_net_server_now_ms (self->net), inc->deadline) +
                                    (gint64) MAX (60000.0, window / self->config.speed * 1000));
        json_object_set_string_member (body, "reason", "需协调业主及物业，申请延期");
        id = _wg_sim_command_id (self, "%s/ask-extension", inc->id);
        _wg_sim_send_command (self, account, id, "incident.request_extension", body, NULL, NULL);
      }
      break;

    case A_EXTENSION_ANSWER:
      {
        gboolean approve = g_rand_double (inc->rand) < 0.8;

        /* Answered already by the feedback itself: nothing to extend. */
        if (!_wg_sim_state_is (inc->state, "accepted"))
          return;
        body = _wg_sim_body_new (inc->id);
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
        id = _wg_sim_command_id (self, "%s/answer-extension", inc->id);
        _wg_sim_send_command (self, "dispatcher", id, approve ? "incident.extend" : "incident.decline_extension",
                              body, NULL, NULL);
      }
      break;

    case A_ANSWER:
      {
        const char *account = department_account (self, inc->department);

        if (account == NULL)
          return;
        body = _wg_sim_body_new (inc->id);
        json_object_set_string_member (body, "text", "已安排专人跟进，将于近日办结反馈");
        id = _wg_sim_command_id (self, "%s/answer/%u", inc->id, inc->feedbacks);
        _wg_sim_send_command (self, account, id, "incident.answer_supervision", body, NULL, NULL);
      }
      break;

    case A_CALL_BACK:
      {
        /* Unsatisfied sends a department's case back once (返工). */
        gboolean unsatisfied = inc->department != NULL && !inc->reworked &&
                               g_rand_double (inc->rand) < self->config.unsatisfied_share;
        const char *satisfaction = unsatisfied ? "unsatisfied"
                                   : g_rand_double (inc->rand) < 0.2 ? "basically_satisfied" : "satisfied";

        if (!_wg_sim_state_is (inc->state, "verified") && !_wg_sim_state_is (inc->state, "resolved"))
          return;
        if (inc->call_back_sent == inc->feedbacks + 1)
          return;
        inc->call_back_sent = inc->feedbacks + 1;
        inc->reworked |= unsatisfied;
        body = _wg_sim_body_new (inc->id);
        json_object_set_string_member (body, "satisfaction", satisfaction);
        json_object_set_string_member (body, "remark", unsatisfied ? "群众反映问题仍未解决" : "群众表示满意");
        id = _wg_sim_command_id (self, "%s/call-back/%u", inc->id, inc->feedbacks);
        _wg_sim_send_command (self, "dispatcher", id, "incident.call_back", body, NULL, NULL);
      }
      break;

    case A_ACK_ALARM:
      if (!inc->alarm_open || inc->alarm_acked)
        return;
      id = _wg_sim_command_id (self, "%s/ack/%d", inc->id, a->n);
      _wg_sim_send_command (self, "leader", id, "alarm.acknowledge", _wg_sim_body_new (inc->id), NULL, NULL);
      break;

    case A_DISPATCH:
      do_dispatch (self, inc, a->n);
      break;

    case A_REPLACE:
      do_replace (self, inc, a->extra, a->n);
      break;

    case A_RESOLVE:
      if (!_wg_sim_state_is (inc->state, "dispatched") && !_wg_sim_state_is (inc->state, "on_scene"))
        return;
      body = _wg_sim_body_new (inc->id);
      json_object_set_string_member (body, "summary", "现场处置完毕");
      id = _wg_sim_command_id (self, "%s/resolve", inc->id);
      _wg_sim_send_command (self, "dispatcher", id, "incident.resolve", body, NULL, NULL);
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

        if (!_wg_sim_state_is (asg->state, need[k]))
          return;
        body = json_object_new ();
        json_object_set_string_member (body, "assignment", asg->id);
        id = _wg_sim_command_id (self, "%s/%s", asg->id, type[k]);
        _wg_sim_send_command (self, unit->force->account, id, type[k], body, NULL, NULL);
      }
      break;

    case A_ASG_NOACK_CHECK:
      if (!_wg_sim_state_is (asg->state, "notified") || inc == NULL || !_wg_sim_incident_open (inc))
        return;
      body = json_object_new ();
      json_object_set_string_member (body, "assignment", asg->id);
      json_object_set_string_member (body, "reason", "超时未确认，改派");
      id = _wg_sim_command_id (self, "%s/cancel-unacknowledged", asg->id);
      _wg_sim_send_command (self, "dispatcher", id, "assignment.cancel", body, NULL, NULL);
      inc->replacements++;
      _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 5, 20), A_REPLACE, inc->id,
                        wg_force_type_to_slug (unit->force->type), (int) inc->replacements * 100 + 1);
      break;

    case A_ASG_CANCEL:
      if (!_wg_sim_assignment_open (asg) || _wg_sim_state_is (asg->state, "on_scene"))
        return;
      body = json_object_new ();
      json_object_set_string_member (body, "assignment", asg->id);
      json_object_set_string_member (body, "reason", "已处置完毕，取消出动");
      id = _wg_sim_command_id (self, "%s/cancel-resolved", asg->id);
      _wg_sim_send_command (self, "dispatcher", id, "assignment.cancel", body, NULL, NULL);
      break;

    default:
      break;
    }
}
