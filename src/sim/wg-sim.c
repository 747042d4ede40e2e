/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wangge-sim's life: configuration, the world built from the reference,
 * the start (logins, the stream, the first reports), the summary, the end.
 */
#define G_LOG_DOMAIN "wg-sim"

#include "config.h"

#include "wg-sim-private.h"

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
  g_clear_pointer (&config->exercise, g_free);
}


/* ---- the summary -------------------------------------------------------- */

void
_wg_sim_print_summary (WgSim      *self,
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
    if (_wg_sim_incident_open (value))
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
      unit->rand = _wg_sim_rand_for (self, force->id);
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
      _wg_sim_patrol_next_leg (unit, 0);
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
          _wg_sim_patrol_next_leg (unit, 0);
        }
    }
}

static void
field_begin (WgSim *self)
{
  self->started = TRUE;
  self->start_us = g_get_monotonic_time ();
  /* In a drill the scenario reports; the forces sent post their positions
   * to the exercise's own track. */
  if (self->config.exercise == NULL)
    _wg_sim_schedule_next_report (self, 0);
  _wg_sim_schedule (self, 0, A_POSITIONS, NULL, NULL, 0);
  _wg_sim_schedule (self, SECONDS_PER_HOUR, A_HOUR, NULL, NULL, 0);
  if (self->config.duration > 0)
    _wg_sim_schedule (self, self->config.duration, A_END, NULL, NULL, 0);
  self->tick_id = g_timeout_add (TICK_MS, _wg_sim_tick_cb, self);
  _wg_sim_stream_connect (self);
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

  /* In a drill nobody reports on a schedule: all log in when called on. */
  for (guint i = 0; self->config.exercise == NULL && i < self->workers->len; i++, n++)
    wg_sim_net_login (self->net, ((SimUnit *) g_ptr_array_index (self->workers, i))->force->account);
  for (guint i = 0; self->config.exercise == NULL && i < POSITIONS_ACCOUNTS; i++, n++)
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
    _wg_sim_load_start (self);
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
exercise_clock_done (gpointer   user_data,
                     JsonNode  *answer,
                     WgProblem *problem)
{
  WgSim *self = user_data;
  JsonObject *object = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;

  if (object != NULL && json_object_has_member (object, "clock"))
    self->exercise_offset_ms = wg_sim_net_server_now_ms (self->net) - json_object_get_int_member (object, "clock");
}

void
_wg_sim_exercise_read_clock (WgSim *self)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s", self->config.exercise);

  wg_sim_net_get (self->net, "dispatcher", path, exercise_clock_done, self);
}

/* A drill: one that runs. */
static void
exercise_done (gpointer   user_data,
               JsonNode  *answer,
               WgProblem *problem)
{
  WgSim *self = user_data;
  JsonObject *object = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;

  if (object == NULL || g_strcmp0 (json_object_get_string_member_with_default (object, "state", NULL), "ended") == 0)
    {
      g_printerr (_("wangge-sim: no running exercise %s: %s\n"), self->config.exercise,
                  object != NULL ? _("it has ended")
                  : problem != NULL && problem->detail != NULL ? problem->detail
                  : problem != NULL && problem->title != NULL ? problem->title : _("no answer"));
      self->status = 1;
      wg_sim_stop (self);
      return;
    }
  exercise_clock_done (self, answer, problem);
  /* The whole drill from its start: the incidents it already has are the
   * ones its forces are sent to (answers are idempotent: ids derive from
   * the seed and what they answer). */
  self->last_seq = 0;
  wg_sim_net_get (self->net, "dispatcher", "/api/v1/reference", reference_done, self);
}

static void
health_done (gpointer   user_data,
             JsonNode  *answer,
             WgProblem *problem)
{
  WgSim *self = user_data;
  JsonObject *object = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;

  /* React to what happens from now on, not to the server's past. */
  if (object != NULL && self->config.exercise == NULL)
    self->last_seq = json_object_get_int_member_with_default (object, "head", 0);
  if (self->config.exercise != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s", self->config.exercise);

      wg_sim_net_get (self->net, "dispatcher", path, exercise_done, self);
      return;
    }
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
  self->config.exercise = g_strdup (config->exercise);
  if (self->config.exercise != NULL)
    {
      /* The trainees are the centre; photos are live data. */
      self->config.play_centre = FALSE;
      self->config.photo_share = 0;
    }
  if (self->config.speed <= 0)
    self->config.speed = 1;
  self->load = config->units > 0 || config->report_rate > 0;
  seed_label = g_strdup_printf ("wangge-sim/%u", config->seed);
  self->ns = wg_uuid_derive ("00000000-0000-0000-0000-000000000000", seed_label);
  self->actions = g_sequence_new (NULL);  /* actions are freed by who takes them */
  self->units = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) _wg_sim_unit_free);
  self->workers = g_ptr_array_new ();
  self->worker_of_grid = g_hash_table_new (g_str_hash, g_str_equal);
  self->incidents = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) _wg_sim_incident_free);
  self->assignments = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) _wg_sim_assignment_free);
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
  if (self->config.exercise != NULL)
    {
      g_autofree char *commands = g_strdup_printf ("/api/v1/exercises/%s/commands", self->config.exercise);

      g_autofree char *positions = g_strdup_printf ("/api/v1/exercises/%s/positions", self->config.exercise);

      wg_sim_net_set_commands_path (self->net, commands);
      wg_sim_net_set_positions_path (self->net, positions);
    }
  self->signal_ids[0] = g_unix_signal_add (SIGINT, signal_cb, self);
  self->signal_ids[1] = g_unix_signal_add (SIGTERM, signal_cb, self);
  wg_sim_net_health (self->net, 0, health_done, self);
  if (!self->stopping)
    g_main_loop_run (self->loop);

  if (self->started && !self->load && (guint) _wg_sim_now (self) != (guint) self->last_summary_t)
    _wg_sim_print_summary (self, self->config.duration > 0 ? MIN (_wg_sim_now (self), self->config.duration) : _wg_sim_now (self));
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
  _wg_sim_stream_drop (self);
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
  _wg_sim_stream_drop (self);
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

          _wg_sim_action_free (g_sequence_get (first));
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
