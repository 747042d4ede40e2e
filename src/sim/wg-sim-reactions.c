/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reactions to the journal: what the field and the centre do when the
 * stream shows an event (a routing, an assignment, an alarm...).
 */
#define G_LOG_DOMAIN "wg-sim"

#include "config.h"

#include "wg-sim-private.h"

/* ---- reacting to the journal ------------------------------------------- */

static SimIncident *
incident_from_report (WgSim      *self,
                      const char *id,
                      JsonObject *body)
{
  SimIncident *inc = g_new0 (SimIncident, 1);
  JsonObject *location = json_object_get_object_member (body, "location");
  const char *grid = _wg_sim_get_string (body, "grid");

  inc->id = g_strdup (id);
  inc->grade = g_strdup (_wg_sim_get_string (body, "grade"));
  inc->case_number = g_strdup (_wg_sim_get_string (body, "case_number"));
  inc->state = g_strdup ("reported");
  inc->category = wg_reference_lookup_category (self->reference, _wg_sim_get_string (body, "category"));
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
                           g_strcmp0 (_wg_sim_get_string (body, "source"), "hotline_12345") == 0 ||
                           g_strcmp0 (_wg_sim_get_string (body, "source"), "walk_in") == 0;
  inc->assignments = g_ptr_array_new_with_free_func (g_free);
  inc->rand = _wg_sim_rand_for (self, id);
  g_hash_table_insert (self->incidents, inc->id, inc);
  return inc;
}

static void
schedule_ack (WgSim       *self,
              SimIncident *inc)
{
  double late = (self->escalation_s + 5.0) * self->config.speed;
  gboolean fits = self->config.duration <= 0 ||
                  _wg_sim_now (self) + late < self->config.duration - 60;

  /* A late acknowledgement comes after the server's escalation interval,
   * which runs on the server's clock: real seconds, times --speed here. */
  if (fits && g_rand_double (inc->rand) < self->config.late_ack_share)
    _wg_sim_schedule (self, late, A_ACK_ALARM, inc->id, NULL, 1);
  else
    _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 5, 40), A_ACK_ALARM, inc->id, NULL, 1);
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
    _wg_sim_unit_travel (self, unit, unit->force->lat, unit->force->lon,
                         wg_force_eta_seconds (unit->force, unit->lat, unit->lon, unit->force->lat, unit->force->lon));
  else
    {
      _wg_sim_unit_advance (self, unit, _wg_sim_now (self));
      unit->moving = FALSE;
      unit->leg_t1 = unit->leg_t0 = 0;  /* a new leg from here */
    }
}

void
_wg_sim_on_event (WgSim      *self,
                  JsonObject *event)
{
  gint64 seq = json_object_get_int_member_with_default (event, "seq", 0);
  const char *type = _wg_sim_get_string (event, "type");
  const char *subject = _wg_sim_get_string (event, "subject");
  const char *incident = _wg_sim_get_string (event, "incident");
  JsonObject *body = json_object_get_object_member (event, "body");
  gboolean centre = self->config.play_centre;
  SimIncident *inc;
  SimAssignment *asg;

  if (seq <= self->last_seq || type == NULL)
    return;
  self->last_seq = seq;
  /* Live, the live events only; in a drill, the drill's. */
  if (json_object_has_member (event, "exercise") != (self->config.exercise != NULL))
    return;

  if (g_str_equal (type, "incident.reported") && subject != NULL && body != NULL)
    {
      if (g_hash_table_contains (self->incidents, subject))
        return;
      inc = incident_from_report (self, subject, body);
      self->counters.reports[_wg_sim_grade_index (inc->grade)]++;
      if (g_str_equal (inc->grade, "general"))
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 120, 900), A_HANDLE_ON_SPOT, inc->id, NULL, 0);
      else if (g_str_equal (inc->grade, "professional") && inc->category != NULL && inc->category->mediate_first)
        /* 小事不出网格: the grid worker mediates first. */
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 60, 600), A_MEDIATE, inc->id, NULL, 0);
      else if (g_str_equal (inc->grade, "professional") && centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 30, 180), A_ROUTE, inc->id, NULL, 1);
      else if (g_str_equal (inc->grade, "emergency") && centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 10, 60), A_DISPATCH, inc->id, NULL, 1);
      return;
    }

  if (g_str_has_prefix (type, "assignment."))
    {
      if (subject == NULL)
        return;
      if (g_str_equal (type, "assignment.created"))
        {
          const char *unit_id = _wg_sim_get_string (body, "unit");
          SimUnit *unit = unit_id != NULL ? g_hash_table_lookup (self->units, unit_id) : NULL;

          asg = g_new0 (SimAssignment, 1);
          asg->id = g_strdup (subject);
          asg->incident = g_strdup (incident);
          asg->unit = g_strdup (unit_id);
          asg->state = g_strdup ("notified");
          asg->rand = _wg_sim_rand_for (self, subject);
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
            _wg_sim_schedule (self, _wg_sim_uniform (asg->rand, 5, 30), A_ASG_ACK, asg->id, NULL, 0);
          else if (centre)
            _wg_sim_schedule (self, _wg_sim_uniform (asg->rand, 70, 120), A_ASG_NOACK_CHECK, asg->id, NULL, 0);
          return;
        }
      asg = g_hash_table_lookup (self->assignments, subject);
      if (asg == NULL)
        return;
      _wg_sim_set_state (&asg->state, type + strlen ("assignment."));
      inc = asg->incident != NULL ? g_hash_table_lookup (self->incidents, asg->incident) : NULL;
      if (g_str_equal (type, "assignment.acknowledged"))
        _wg_sim_schedule (self, _wg_sim_uniform (asg->rand, 3, 15), A_ASG_EN_ROUTE, asg->id, NULL, 0);
      else if (g_str_equal (type, "assignment.en_route"))
        {
          SimUnit *unit = g_hash_table_lookup (self->units, asg->unit);
          double eta = 60;

          if (unit != NULL && inc != NULL)
            {
              _wg_sim_unit_advance (self, unit, _wg_sim_now (self));
              eta = MAX (20.0, wg_force_eta_seconds (unit->force, unit->lat, unit->lon, inc->lat, inc->lon));
              _wg_sim_unit_travel (self, unit, inc->lat, inc->lon, eta);
            }
          _wg_sim_schedule (self, eta, A_ASG_ON_SCENE, asg->id, NULL, 0);
        }
      else if (g_str_equal (type, "assignment.on_scene"))
        {
          if (inc != NULL && _wg_sim_state_is (inc->state, "resolved"))
            _wg_sim_schedule (self, _wg_sim_uniform (asg->rand, 10, 60), A_ASG_CLEAR, asg->id, NULL, 0);
        }
      else if (g_str_equal (type, "assignment.cleared") || g_str_equal (type, "assignment.cancelled"))
        unit_release (self, asg);
      return;
    }

  if (g_str_equal (type, "unit.status_changed") && subject != NULL)
    {
      SimUnit *unit = g_hash_table_lookup (self->units, subject);

      if (unit != NULL)
        unit->off_duty = g_strcmp0 (_wg_sim_get_string (body, "status"), "off_duty") == 0;
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
      _wg_sim_set_state (&inc->grade, "emergency");
      _wg_sim_set_state (&inc->state, "reported");
      if (centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 10, 60), A_DISPATCH, inc->id, NULL, 1);
    }
  else if (g_str_equal (type, "incident.routed"))
    {
      _wg_sim_set_state (&inc->state, "routed");
      _wg_sim_set_state (&inc->department, _wg_sim_get_string (body, "department"));
      inc->routes++;
      _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 0.1, 0.6) *
                              (inc->category != NULL && inc->category->accept_hours > 0 ? inc->category->accept_hours : 2) *
                              SECONDS_PER_HOUR * self->config.step_scale + 20,
                        A_ACCEPT, inc->id, NULL, inc->routes);
    }
  else if (g_str_equal (type, "incident.rejection_requested"))
    {
      _wg_sim_set_state (&inc->state, "rejection_pending");
      /* The centre reviews the request (退单审核). */
      if (centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 20, 90), A_REVIEW, inc->id, NULL, inc->routes);
    }
  else if (g_str_equal (type, "incident.rejection_denied"))
    {
      /* Back to the department, which has to accept now. */
      _wg_sim_set_state (&inc->state, "routed");
      inc->denied = TRUE;
      _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 20, 120), A_ACCEPT, inc->id, NULL, inc->routes + 100);
    }
  else if (g_str_equal (type, "incident.mediated"))
    {
      gboolean ok = g_strcmp0 (_wg_sim_get_string (body, "outcome"), "mediated") == 0;

      if (ok)
        _wg_sim_set_state (&inc->state, "resolved");
      if (centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 30, 120), ok ? A_CLOSE : A_ROUTE, inc->id, NULL, 1);
    }
  else if (g_str_equal (type, "incident.extension_requested"))
    {
      inc->asked_deadline = json_object_get_int_member_with_default (body, "requested_deadline", 0);
      if (centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 20, 120), A_EXTENSION_ANSWER, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.overdue"))
    {
      /* The centre presses the department (催办/督办). */
      if (centre && inc->department != NULL &&
          (_wg_sim_state_is (inc->state, "routed") || _wg_sim_state_is (inc->state, "accepted")))
        {
          JsonObject *notice = _wg_sim_body_new (inc->id);
          g_autofree char *id = _wg_sim_command_id (self, "%s/supervise/%" G_GINT64_FORMAT, inc->id,
                                                    json_object_get_int_member_with_default (body, "deadline", 0));
          gboolean handle = g_strcmp0 (_wg_sim_get_string (body, "step"), "handle") == 0;

          json_object_set_string_member (notice, "level", handle ? "supervise" : "urge");
          json_object_set_string_member (notice, "remark", handle ? "已超时限，请说明原因并限期办结" : "请尽快签收");
          _wg_sim_send_command (self, "dispatcher", id, "incident.supervise", notice, NULL, NULL);
        }
    }
  else if (g_str_equal (type, "incident.supervised"))
    _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 30, 300), A_ANSWER, inc->id, NULL, 0);
  else if (g_str_equal (type, "incident.called_back"))
    {
      const char *satisfaction = _wg_sim_get_string (body, "satisfaction");

      inc->called_back = g_strcmp0 (satisfaction, "unsatisfied") != 0;
      if (inc->called_back && centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 30, 90), A_CLOSE, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.rejected"))
    {
      _wg_sim_set_state (&inc->state, "rejected");
      if (centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 30, 120), A_ROUTE, inc->id, NULL, inc->routes + 1);
    }
  else if (g_str_equal (type, "incident.accepted") || g_str_equal (type, "incident.verification_failed") ||
           g_str_equal (type, "incident.reworked"))
    {
      double window = _wg_sim_handle_window (self, inc);
      gboolean late = g_rand_double (inc->rand) < self->config.late_feedback_share;

      /* Now and then the department asks for more time first. */
      if (g_str_equal (type, "incident.accepted") && g_rand_double (inc->rand) < self->config.extension_share)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 0.05, 0.12) * window, A_EXTENSION_ASK, inc->id, NULL, 0);
      _wg_sim_set_state (&inc->state, "accepted");
      inc->feedbacks++;
      /* Category-dependent: a share of the category's handling limit;
       * sometimes past it, so the server marks the step overdue. */
      _wg_sim_schedule (self, late ? _wg_sim_uniform (inc->rand, 1.1, 1.3) * window : _wg_sim_uniform (inc->rand, 0.15, 0.6) * window,
                        A_FEEDBACK, inc->id, NULL, inc->feedbacks);
    }
  else if (g_str_equal (type, "incident.feedback_given"))
    {
      _wg_sim_set_state (&inc->state, "feedback_given");
      inc->verifies++;
      _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 60, 300), A_VERIFY, inc->id, NULL, inc->verifies);
    }
  else if (g_str_equal (type, "incident.verified"))
    {
      _wg_sim_set_state (&inc->state, "verified");
      if (centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 30, 150), A_CLOSE, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.dispatched"))
    _wg_sim_set_state (&inc->state, "dispatched");
  else if (g_str_equal (type, "incident.on_scene"))
    {
      _wg_sim_set_state (&inc->state, "on_scene");
      if (centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 120, 480), A_RESOLVE, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.resolved"))
    {
      _wg_sim_set_state (&inc->state, "resolved");
      for (guint i = 0; i < inc->assignments->len; i++)
        {
          asg = g_hash_table_lookup (self->assignments, g_ptr_array_index (inc->assignments, i));
          if (asg == NULL || !_wg_sim_assignment_open (asg))
            continue;
          if (_wg_sim_state_is (asg->state, "on_scene"))
            _wg_sim_schedule (self, _wg_sim_uniform (asg->rand, 10, 60), A_ASG_CLEAR, asg->id, NULL, 0);
          else if (centre)
            _wg_sim_schedule (self, _wg_sim_uniform (asg->rand, 5, 20), A_ASG_CANCEL, asg->id, NULL, 0);
        }
      if (centre)
        _wg_sim_schedule (self, _wg_sim_uniform (inc->rand, 60, 120), A_CLOSE, inc->id, NULL, 0);
    }
  else if (g_str_equal (type, "incident.closed") || g_str_equal (type, "incident.cancelled"))
    {
      if (g_str_equal (type, "incident.closed") && _wg_sim_incident_open (inc))
        self->counters.closed[_wg_sim_grade_index (inc->grade)]++;
      _wg_sim_set_state (&inc->state, type + strlen ("incident."));
    }
  else if (g_str_equal (type, "incident.suspended"))
    _wg_sim_set_state (&inc->state, "suspended");
}
