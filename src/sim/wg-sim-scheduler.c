/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulator's scheduler: simulated time, the queue of actions and the
 * tick that runs them, and the helpers every part uses (random streams,
 * command ids, sending commands).
 */
#define G_LOG_DOMAIN "wg-sim"

#include "config.h"

#include "wg-sim-private.h"

/* ---- helpers ------------------------------------------------------------ */

double
_wg_sim_now (WgSim *self)
{
  if (!self->started)
    return 0;
  return (g_get_monotonic_time () - self->start_us) / 1e6 * self->config.speed;
}

double
_wg_sim_uniform (GRand  *rand,
                 double  a,
                 double  b)
{
  return g_rand_double_range (rand, a, b);
}

/* Metres between two points (equirectangular: fine inside one street). */
double
_wg_sim_distance_m (double lat0, double lon0, double lat1, double lon1)
{
  double k = 111320.0;
  double dy = (lat1 - lat0) * k;
  double dx = (lon1 - lon0) * k * cos ((lat0 + lat1) / 2 * G_PI / 180);

  return sqrt (dx * dx + dy * dy);
}

char *
_wg_sim_command_id (WgSim      *self,
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

GRand *
_wg_sim_rand_for (WgSim      *self,
                  const char *id)
{
  guint32 seed[2] = { self->config.seed, g_str_hash (id) };

  return g_rand_new_with_seed_array (seed, 2);
}

int
_wg_sim_grade_index (const char *grade)
{
  if (g_strcmp0 (grade, "emergency") == 0)
    return 2;
  if (g_strcmp0 (grade, "professional") == 0)
    return 1;
  return 0;
}

gboolean
_wg_sim_state_is (const char *state,
                  const char *a)
{
  return g_strcmp0 (state, a) == 0;
}

gboolean
_wg_sim_incident_open (SimIncident *inc)
{
  return !_wg_sim_state_is (inc->state, "closed") && !_wg_sim_state_is (inc->state, "cancelled");
}

gboolean
_wg_sim_assignment_open (SimAssignment *asg)
{
  return !_wg_sim_state_is (asg->state, "cleared") && !_wg_sim_state_is (asg->state, "cancelled");
}

void
_wg_sim_incident_free (SimIncident *inc)
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

void
_wg_sim_assignment_free (SimAssignment *asg)
{
  g_free (asg->id);
  g_free (asg->incident);
  g_free (asg->unit);
  g_free (asg->state);
  g_rand_free (asg->rand);
  g_free (asg);
}

void
_wg_sim_unit_free (SimUnit *unit)
{
  g_free (unit->assignment);
  g_clear_pointer (&unit->patrol_grids, g_ptr_array_unref);
  g_rand_free (unit->rand);
  g_free (unit);
}

void
_wg_sim_set_state (char       **state,
                   const char  *value)
{
  g_free (*state);
  *state = g_strdup (value);
}

JsonObject *
_wg_sim_body_new (const char *incident)
{
  JsonObject *body = json_object_new ();

  if (incident != NULL)
    json_object_set_string_member (body, "incident", incident);
  return body;
}

void
_wg_sim_send_command_full (WgSim          *self,
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

void
_wg_sim_send_command (WgSim        *self,
                      const char   *account,
                      const char   *id,
                      const char   *type,
                      JsonObject   *body,
                      WgSimNetDone  done,
                      gpointer      user_data)
{
  _wg_sim_send_command_full (self, account, id, type, body, done, user_data, NULL);
}

const char *
_wg_sim_get_string (JsonObject *object,
                    const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
           ? json_node_get_string (node) : NULL;
}

/* ---- scheduler ---------------------------------------------------------- */

void
_wg_sim_action_free (Action *action)
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

void
_wg_sim_schedule_at (WgSim      *self,
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

void
_wg_sim_schedule (WgSim      *self,
                  double      delay,
                  ActionKind  kind,
                  const char *subject,
                  const char *extra,
                  int         n)
{
  _wg_sim_schedule_at (self, _wg_sim_now (self) + MAX (0.0, delay), kind, subject, extra, n);
}


/* ---- the clock ---------------------------------------------------------- */

gboolean
_wg_sim_tick_cb (gpointer data)
{
  WgSim *self = data;
  double now = _wg_sim_now (self);

  while (!self->stopping && !g_sequence_is_empty (self->actions))
    {
      GSequenceIter *first = g_sequence_get_begin_iter (self->actions);
      Action *action = g_sequence_get (first);

      if (action->t > now)
        break;
      g_sequence_remove (first);
      _wg_sim_run_action (self, action);
      _wg_sim_action_free (action);
    }
  return G_SOURCE_CONTINUE;
}
