/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every command goes through the same steps, in this order, so that the
 * same mistake always gives the same code:
 *
 *   1. may this role ever send it?                     forbidden
 *   2. is the body well formed?                        invalid-field
 *   3. does the subject exist?                         unknown-*
 *   4. is the actor in scope (own grid, dept, unit)?   forbidden
 *   5. is it legal in the current state?               illegal-transition
 *   6. command specifics (units free, ...)             unit-unavailable, ...
 *      and the reference (route's department,          unknown-department,
 *      report's location)                              location-out-of-area
 *
 * Steps 1, 4 and 5 are read from command_table[] only.
 */
#define G_LOG_DOMAIN "wg-decide"

#include "config.h"

#include <string.h>

#include "wg-decide.h"
#include "wg-error.h"
#include "wg-json.h"
#include "wg-json-write.h"

#define R(x) (1u << WG_ROLE_##x)
#define S(x) (1u << WG_STATE_##x)
#define A(x) (1u << WG_ASSIGNMENT_##x)
#define AL(x) (1u << WG_ALARM_##x)

/* The states each grade goes through (protocol.md, "Incident states"). */
#define PRO_FLOW (S (REPORTED) | S (ROUTED) | S (ACCEPTED) | S (REJECTED) | S (FEEDBACK_GIVEN) | S (VERIFIED) | \
                  S (REJECTION_PENDING))
#define EM_FOLLOW (S (ROUTED) | S (ACCEPTED) | S (REJECTED) | S (FEEDBACK_GIVEN) | S (VERIFIED) | \
                   S (REJECTION_PENDING))
#define EM_MAIN (S (REPORTED) | S (DISPATCHED) | S (ON_SCENE) | S (RESOLVED))
#define TERMINAL (S (CLOSED) | S (CANCELLED) | S (MERGED))
#define GEN_OPEN (S (REPORTED))
/* A mediated dispute is a resolved professional case (protocol.md). */
#define PRO_OPEN (PRO_FLOW | S (RESOLVED) | S (SUSPENDED))
/* Where a department's case stands between routing and verification. */
#define WITH_DEPT (S (ROUTED) | S (ACCEPTED) | S (REJECTION_PENDING))
#define EM_OPEN (EM_MAIN | EM_FOLLOW | S (SUSPENDED))
#define OPEN_STATES { GEN_OPEN, PRO_OPEN, EM_OPEN }
#define ALL_STATES { GEN_OPEN | TERMINAL, PRO_OPEN | TERMINAL, EM_OPEN | TERMINAL }
#define DL (R (DISPATCHER) | R (DUTY_LEADER))

typedef enum {
  SUBJECT_NONE,
  SUBJECT_INCIDENT,
  SUBJECT_ASSIGNMENT,
  SUBJECT_UNIT,
} SubjectKind;

typedef struct {
  WgCommandType type;
  SubjectKind   subject;
  guint         roles;        /* allowed whatever the scope */
  guint         grid_roles;   /* allowed on the actor's own grid */
  guint         dept_roles;   /* allowed for the department routed to */
  guint         unit_roles;   /* allowed for the unit's own account */
  /* Legal incident states per grade (general, professional, emergency). */
  guint         states[WG_N_GRADES];
  guint         alarm_states; /* 0: any */
  guint         assignment_states;
  guint         co_dept_roles; /* allowed for a co-department (协办) */
} CommandRule;

/* The one place that says who may do what in which state (protocol.md). */
static const CommandRule command_table[] = {
  { WG_CMD_INCIDENT_REPORT, SUBJECT_NONE, DL, R (GRID_WORKER), 0, 0, { 0 }, 0, 0 },
  { WG_CMD_INCIDENT_HANDLE_ON_SPOT, SUBJECT_INCIDENT, DL, R (GRID_WORKER), 0, 0,
    { S (REPORTED), 0, 0 }, 0, 0 },
  /* Also 转派 (a general event), and 改派 (again while not accepted). */
  { WG_CMD_INCIDENT_ROUTE, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { S (REPORTED), S (REPORTED) | S (REJECTED) | S (ROUTED), S (RESOLVED) | S (REJECTED) | S (ROUTED) }, 0, 0 },
  { WG_CMD_INCIDENT_ACCEPT, SUBJECT_INCIDENT, 0, 0, R (DEPARTMENT), 0,
    { 0, S (ROUTED), S (ROUTED) }, 0, 0 },
  { WG_CMD_INCIDENT_REJECT, SUBJECT_INCIDENT, 0, 0, R (DEPARTMENT), 0,
    { 0, S (ROUTED), S (ROUTED) }, 0, 0 },
  { WG_CMD_INCIDENT_FEEDBACK, SUBJECT_INCIDENT, 0, 0, R (DEPARTMENT), 0,
    { 0, S (ACCEPTED), S (ACCEPTED) }, 0, 0 },
  { WG_CMD_INCIDENT_VERIFY, SUBJECT_INCIDENT, DL, R (GRID_WORKER), 0, 0,
    { 0, S (FEEDBACK_GIVEN), S (FEEDBACK_GIVEN) }, 0, 0 },
  { WG_CMD_INCIDENT_EXTEND, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { 0, PRO_FLOW, (EM_MAIN & ~S (RESOLVED)) | EM_FOLLOW }, 0, 0 },
  { WG_CMD_INCIDENT_SUSPEND, SUBJECT_INCIDENT, R (DUTY_LEADER), 0, 0, 0,
    { 0, PRO_FLOW, EM_FOLLOW }, 0, 0 },
  { WG_CMD_INCIDENT_RESUME, SUBJECT_INCIDENT, R (DUTY_LEADER), 0, 0, 0,
    { 0, S (SUSPENDED), S (SUSPENDED) }, 0, 0 },
  { WG_CMD_INCIDENT_RESOLVE, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { 0, 0, S (DISPATCHED) | S (ON_SCENE) }, 0, 0 },
  { WG_CMD_INCIDENT_CLOSE, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { 0, S (VERIFIED) | S (RESOLVED), S (RESOLVED) | S (VERIFIED) }, 0, 0 },
  { WG_CMD_INCIDENT_UPGRADE, SUBJECT_INCIDENT, DL, R (GRID_WORKER), 0, 0,
    { S (REPORTED), PRO_FLOW, 0 }, 0, 0 },
  { WG_CMD_INCIDENT_ESCALATE, SUBJECT_INCIDENT, DL, R (GRID_WORKER), 0, 0,
    OPEN_STATES, 0, 0 },
  { WG_CMD_INCIDENT_CANCEL, SUBJECT_INCIDENT, DL, 0, 0, 0,
    OPEN_STATES, 0, 0 },
  { WG_CMD_INCIDENT_NOTE, SUBJECT_INCIDENT, R (ADMIN) | DL, R (GRID_WORKER), R (DEPARTMENT), 0,
    ALL_STATES, 0, 0, R (DEPARTMENT) },
  { WG_CMD_ALARM_ACKNOWLEDGE, SUBJECT_INCIDENT, R (DUTY_LEADER), 0, 0, 0,
    ALL_STATES, AL (RAISED) | AL (ESCALATED), 0 },
  { WG_CMD_DISPATCH_ASSIGN, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { 0, 0, S (REPORTED) | S (DISPATCHED) | S (ON_SCENE) }, 0, 0 },
  { WG_CMD_ASSIGNMENT_ACKNOWLEDGE, SUBJECT_ASSIGNMENT, DL, 0, 0, R (GRID_WORKER) | R (DEPARTMENT),
    { 0 }, 0, A (NOTIFIED) },
  { WG_CMD_ASSIGNMENT_EN_ROUTE, SUBJECT_ASSIGNMENT, DL, 0, 0, R (GRID_WORKER) | R (DEPARTMENT),
    { 0 }, 0, A (ACKNOWLEDGED) },
  { WG_CMD_ASSIGNMENT_ON_SCENE, SUBJECT_ASSIGNMENT, DL, 0, 0, R (GRID_WORKER) | R (DEPARTMENT),
    { 0 }, 0, A (EN_ROUTE) },
  { WG_CMD_ASSIGNMENT_CLEAR, SUBJECT_ASSIGNMENT, DL, 0, 0, R (GRID_WORKER) | R (DEPARTMENT),
    { 0 }, 0, A (ON_SCENE) },
  { WG_CMD_ASSIGNMENT_CANCEL, SUBJECT_ASSIGNMENT, DL, 0, 0, 0,
    { 0 }, 0, A (NOTIFIED) | A (ACKNOWLEDGED) | A (EN_ROUTE) | A (ON_SCENE) },
  { WG_CMD_UNIT_STATUS, SUBJECT_UNIT, DL, 0, 0, R (GRID_WORKER) | R (DEPARTMENT), { 0 }, 0, 0 },
  { WG_CMD_ROSTER_HANDOVER, SUBJECT_NONE, R (DUTY_LEADER), 0, 0, 0, { 0 }, 0, 0 },
  /* The full work-order cycle (protocol.md); see decide_cycle (). */
  { WG_CMD_INCIDENT_MEDIATE, SUBJECT_INCIDENT, DL, R (GRID_WORKER), 0, 0,
    { 0, S (REPORTED), 0 }, 0, 0 },
  { WG_CMD_INCIDENT_REVIEW_REJECTION, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { 0, S (REJECTION_PENDING), S (REJECTION_PENDING) }, 0, 0 },
  { WG_CMD_INCIDENT_REQUEST_EXTENSION, SUBJECT_INCIDENT, 0, 0, R (DEPARTMENT), 0,
    { 0, S (ROUTED) | S (ACCEPTED), S (ROUTED) | S (ACCEPTED) }, 0, 0 },
  { WG_CMD_INCIDENT_DECLINE_EXTENSION, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { 0, PRO_OPEN, EM_FOLLOW | S (SUSPENDED) }, 0, 0 },
  { WG_CMD_INCIDENT_SUPERVISE, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { 0, WITH_DEPT, WITH_DEPT }, 0, 0 },
  { WG_CMD_INCIDENT_ANSWER_SUPERVISION, SUBJECT_INCIDENT, 0, 0, R (DEPARTMENT), 0,
    { 0, PRO_OPEN, EM_OPEN }, 0, 0 },
  { WG_CMD_INCIDENT_CALL_BACK, SUBJECT_INCIDENT, DL, 0, 0, 0,
    { 0, S (VERIFIED) | S (RESOLVED), S (VERIFIED) | S (RESOLVED) }, 0, 0 },
  { WG_CMD_INCIDENT_MERGE, SUBJECT_INCIDENT, DL, 0, 0, 0,
    OPEN_STATES, 0, 0 },
  { WG_CMD_INCIDENT_DOWNGRADE, SUBJECT_INCIDENT, R (DUTY_LEADER), 0, 0, 0,
    { 0, 0, EM_MAIN }, 0, 0 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (command_table) == WG_N_COMMAND_TYPES);

static const CommandRule *
rule_for (WgCommandType type)
{
  const CommandRule *rule = &command_table[type];
  g_assert (rule->type == type);
  return rule;
}

gboolean
wg_decide_role_may (WgCommandType type,
                    WgRole        role,
                    WgScope       scope)
{
  const CommandRule *rule;
  guint bit = 1u << role;

  g_return_val_if_fail ((guint) type < WG_N_COMMAND_TYPES, FALSE);
  g_return_val_if_fail ((guint) role < WG_N_ROLES, FALSE);

  rule = rule_for (type);
  if (rule->roles & bit)
    return TRUE;
  if ((rule->grid_roles & bit) && (scope & WG_SCOPE_OWN_GRID))
    return TRUE;
  if ((rule->dept_roles & bit) && (scope & WG_SCOPE_OWN_DEPT))
    return TRUE;
  if ((rule->unit_roles & bit) && (scope & WG_SCOPE_OWN_UNIT))
    return TRUE;
  if ((rule->co_dept_roles & bit) && (scope & WG_SCOPE_CO_DEPT))
    return TRUE;
  return FALSE;
}

static gboolean
role_may_ever (const CommandRule *rule,
               WgRole             role)
{
  guint bit = 1u << role;
  return ((rule->roles | rule->grid_roles | rule->dept_roles | rule->unit_roles | rule->co_dept_roles) & bit) != 0;
}

gboolean
wg_decide_incident_legal (WgCommandType   type,
                          WgGrade         grade,
                          WgIncidentState state,
                          WgAlarmState    alarm)
{
  const CommandRule *rule;

  g_return_val_if_fail ((guint) type < WG_N_COMMAND_TYPES, FALSE);
  g_return_val_if_fail ((guint) grade < WG_N_GRADES, FALSE);
  g_return_val_if_fail ((guint) state < WG_N_STATES, FALSE);

  rule = rule_for (type);
  if (rule->subject != SUBJECT_INCIDENT)
    return FALSE;
  if ((rule->states[grade] & (1u << state)) == 0)
    return FALSE;
  if (rule->alarm_states != 0 && (rule->alarm_states & (1u << alarm)) == 0)
    return FALSE;
  return TRUE;
}

gboolean
wg_decide_assignment_legal (WgCommandType     type,
                            WgAssignmentState state)
{
  const CommandRule *rule;

  g_return_val_if_fail ((guint) type < WG_N_COMMAND_TYPES, FALSE);
  rule = rule_for (type);
  if (rule->subject != SUBJECT_ASSIGNMENT)
    return FALSE;
  return (rule->assignment_states & (1u << state)) != 0;
}

/* ------------------------------------------------------------------ */

typedef struct {
  const WgStateReader *reader;
  WgRules             *rules;
  WgCommand           *command;
  const WgActor       *actor;
  JsonObject          *body;
  gint64               now;
  GPtrArray           *events;
} Ctx;

static JsonObject *
emit (Ctx        *ctx,
      WgEventType type,
      const char *subject,
      const char *incident)
{
  JsonObject *body = json_object_new ();
  WgEvent *event;

  if (ctx->actor != NULL)
    event = wg_event_new (type, ctx->now, ctx->actor->username,
                          wg_role_to_string (ctx->actor->role),
                          wg_command_get_id (ctx->command), subject, incident, body);
  else
    event = wg_event_new (type, ctx->now, NULL, NULL, NULL, subject, incident, body);
  json_object_unref (body);
  g_ptr_array_add (ctx->events, event);
  return body;
}

static gboolean
fail (GError     **error,
      WgErrorCode  code,
      const char  *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError     **error,
      WgErrorCode  code,
      const char  *format,
      ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  {
    g_autofree char *message = g_strdup_vprintf (format, args);
    g_set_error_literal (error, WG_ERROR, code, message);
  }
  va_end (args);
  return FALSE;
}

static gboolean
is_emergency_step (WgStep step)
{
  return step == WG_STEP_DISPATCH || step == WG_STEP_ARRIVE || step == WG_STEP_RESOLVE;
}

/* The deadline of @step started at @from, or 0 when the category sets none. */
static gint64
step_deadline (Ctx        *ctx,
               const char *category,
               WgStep      step,
               gint64      from)
{
  const WgCategoryRule *cat = wg_rules_lookup_category (ctx->rules, category);
  guint minutes;

  if (cat == NULL || (minutes = cat->limits[step]) == 0)
    return 0;
  if (is_emergency_step (step))
    return from + (gint64) minutes * 60 * 1000;
  return MAX (0, wg_calendar_add_working_minutes (wg_rules_get_calendar (ctx->rules), from, minutes));
}

static void
set_step (JsonObject *body,
          int         step,
          gint64      deadline)
{
  if (step < 0)
    {
      json_object_set_null_member (body, "step");
      json_object_set_null_member (body, "deadline");
      return;
    }
  json_object_set_string_member (body, "step", wg_step_to_string (step));
  if (deadline > 0)
    json_object_set_int_member (body, "deadline", deadline);
  else
    json_object_set_null_member (body, "deadline");
}

static void
start_step (Ctx                    *ctx,
            JsonObject             *body,
            const WgIncidentRecord *incident,
            WgStep                  step)
{
  set_step (body, step, step_deadline (ctx, incident->category, step, ctx->now));
}

static void
copy_member (JsonObject *to,
             JsonObject *from,
             const char *member)
{
  JsonNode *node = json_object_get_member (from, member);

  /* A sealed node (a command's body is sealed) is shared as it is:
   * json_node_copy() would share its value or object anyway, after a
   * g_debug() call about copying an immutable node. */
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    json_object_set_member (to, member, json_node_is_immutable (node) ? json_node_ref (node) : json_node_copy (node));
}

/* attachments: at most WG_MAX_ATTACHMENTS distinct upload ids (UUIDs);
 * whether they exist and are the actor's is the server's check. */
static gboolean
check_attachments (JsonObject  *body,
                   GError     **error)
{
  JsonArray *array = NULL;
  guint n;

  if (!wg_json_get_array (body, "attachments", FALSE, &array, error))
    return FALSE;
  n = array != NULL ? json_array_get_length (array) : 0;
  if (n > WG_MAX_ATTACHMENTS)
    return fail (error, WG_ERROR_INVALID_FIELD, "at most %d attachments", WG_MAX_ATTACHMENTS);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *id;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          !wg_uuid_is_valid ((id = json_node_get_string (node))))
        return fail (error, WG_ERROR_INVALID_FIELD, "attachments must be upload ids (UUIDs)");
      for (guint j = 0; j < i; j++)
        if (g_ascii_strcasecmp (json_array_get_string_element (array, j), id) == 0)
          return fail (error, WG_ERROR_INVALID_FIELD, "attachment %s listed twice", id);
    }
  return TRUE;
}

static gboolean
get_location (JsonObject  *body,
              double      *lat,
              double      *lon,
              GError     **error)
{
  JsonObject *loc = NULL;

  if (!wg_json_get_object (body, "location", TRUE, &loc, error) ||
      !wg_json_get_double (loc, "lat", TRUE, lat, error) ||
      !wg_json_get_double (loc, "lon", TRUE, lon, error))
    return FALSE;
  if (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
    return fail (error, WG_ERROR_INVALID_FIELD, "location out of range");
  return TRUE;
}

/* Reference checks of their own (step 6): the route's department and
 * co-departments, the report's location. */
static gboolean
check_department (Ctx         *ctx,
                  const char  *department,
                  GError     **error)
{
  if (!wg_rules_department_exists (ctx->rules, department))
    return fail (error, WG_ERROR_UNKNOWN_DEPARTMENT, "unknown department '%s'", department);
  return TRUE;
}

/* Every co-department (协办) of a route exists too (their form was checked
 * with the body). */
static gboolean
check_co_departments_exist (Ctx         *ctx,
                            GError     **error)
{
  JsonArray *array = NULL;

  if (!wg_json_get_array (ctx->body, "co_departments", FALSE, &array, error))
    return FALSE;
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    if (!check_department (ctx, json_array_get_string_element (array, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
check_in_area (Ctx     *ctx,
               double   lat,
               double   lon,
               GError **error)
{
  if (!wg_rules_near_area (ctx->rules, lat, lon))
    return fail (error, WG_ERROR_LOCATION_OUT_OF_AREA,
                 "location %.5f, %.5f is more than %.0f km from every street served",
                 lat, lon, WG_AREA_MARGIN_M / 1000);
  return TRUE;
}

static WgScope
scope_for_incident (const WgActor          *actor,
                    const WgIncidentRecord *incident)
{
  WgScope scope = WG_SCOPE_NONE;

  /* Grid codes extend their parent's by three digits per level: a worker's
   * grid holds every deeper grid whose code it begins. */
  if (actor->grid != NULL && incident->grid != NULL && g_str_has_prefix (incident->grid, actor->grid))
    scope |= WG_SCOPE_OWN_GRID;
  if (actor->department != NULL && incident->department != NULL &&
      strcmp (actor->department, incident->department) == 0)
    scope |= WG_SCOPE_OWN_DEPT;
  if (actor->department != NULL && incident->co_departments != NULL &&
      g_strv_contains ((const char *const *) incident->co_departments, actor->department))
    scope |= WG_SCOPE_CO_DEPT;
  return scope;
}

static WgScope
scope_for_unit (const WgActor      *actor,
                const WgUnitRecord *unit)
{
  if ((actor->unit != NULL && strcmp (actor->unit, unit->id) == 0) ||
      (unit->account != NULL && strcmp (unit->account, actor->username) == 0))
    return WG_SCOPE_OWN_UNIT;
  return WG_SCOPE_NONE;
}

static gboolean
check_scope (Ctx      *ctx,
             WgScope   scope,
             GError  **error)
{
  if (!wg_decide_role_may (wg_command_get_kind (ctx->command), ctx->actor->role, scope))
    return fail (error, WG_ERROR_FORBIDDEN, "%s may not %s here",
                 wg_role_to_string (ctx->actor->role), wg_command_get_type_name (ctx->command));
  return TRUE;
}

static gboolean
load_incident (Ctx               *ctx,
               const char        *id,
               WgIncidentRecord  *out,
               GError           **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!ctx->reader->funcs->get_incident (ctx->reader->user_data, id, out, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return fail (error, WG_ERROR_UNKNOWN_INCIDENT, "no incident %s", id);
    }
  return TRUE;
}

static gboolean
load_unit (Ctx           *ctx,
           const char    *id,
           WgUnitRecord  *out,
           GError       **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!ctx->reader->funcs->get_unit (ctx->reader->user_data, id, out, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return fail (error, WG_ERROR_UNKNOWN_UNIT, "no unit %s", id);
    }
  return TRUE;
}

static gboolean
check_incident_state (Ctx                    *ctx,
                      const WgIncidentRecord *incident,
                      GError                **error)
{
  WgCommandType type = wg_command_get_kind (ctx->command);

  if (!wg_decide_incident_legal (type, incident->grade, incident->state, incident->alarm))
    return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "%s is not possible on a %s incident that is %s (alarm %s)",
                 wg_command_type_to_string (type), wg_grade_to_string (incident->grade),
                 wg_incident_state_to_string (incident->state),
                 wg_alarm_state_to_string (incident->alarm));
  return TRUE;
}

/* Cancel the incident's open assignments so that its units become
 * available again when it closes or is cancelled. */
static gboolean
cancel_open_assignments (Ctx                    *ctx,
                         const WgIncidentRecord *incident,
                         const char             *reason,
                         GError                **error)
{
  g_autoptr(GPtrArray) open = NULL;

  open = ctx->reader->funcs->open_assignments_of_incident (ctx->reader->user_data, incident->id, error);
  if (open == NULL)
    return FALSE;
  for (guint i = 0; i < open->len; i++)
    {
      WgAssignmentRecord *a = open->pdata[i];
      JsonObject *b = emit (ctx, WG_EV_ASSIGNMENT_CANCELLED, a->id, incident->id);
      json_object_set_string_member (b, "unit", a->unit);
      json_object_set_string_member (b, "reason", reason);
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */

/* "%s-%s-%04" G_GINT64_FORMAT without printf's machinery (a sixth of
 * decide's own instructions for a report). */
static char *
format_case_number (const char *prefix,
                    const char *day,
                    gint64      number)
{
  char digits[21];

  digits[20] = '\0';
  return g_strconcat (prefix, "-", day, "-", wg_format_decimal (digits + 20, (guint64) MAX (number, 0), 4), NULL);
}

static gboolean
decide_report (Ctx     *ctx,
               GError **error)
{
  JsonObject *body = ctx->body;
  const char *grade_name = NULL, *category = NULL, *summary = NULL, *grid = NULL;
  const char *details = NULL, *source = NULL, *resolution = NULL;
  JsonObject *caller = NULL, *on_spot = NULL, *b;
  const char *caller_name = NULL, *caller_phone = NULL;
  double lat = 0, lon = 0;
  WgGrade grade;
  const WgCategoryRule *cat;
  g_autofree char *resolved_grid = NULL;
  g_autofree char *incident_id = NULL;
  g_autofree char *day = NULL;
  g_autofree char *case_prefix = NULL;
  g_autofree char *case_number = NULL;
  WgIncidentRecord existing = { 0 };
  g_autoptr(GError) local_error = NULL;
  WgIncidentRecord incident = { 0 };
  gint64 count;

  if (!wg_json_get_string (body, "grade", TRUE, &grade_name, error) ||
      !wg_json_get_string (body, "category", TRUE, &category, error) ||
      !get_location (body, &lat, &lon, error) ||
      !wg_json_get_string (body, "summary", TRUE, &summary, error) ||
      !wg_json_get_string (body, "details", FALSE, &details, error) ||
      !wg_json_get_string (body, "source", FALSE, &source, error) ||
      !wg_json_get_string (body, "grid", FALSE, &grid, error) ||
      !wg_json_get_object (body, "caller", FALSE, &caller, error) ||
      !wg_json_get_object (body, "handled_on_spot", FALSE, &on_spot, error) ||
      !check_attachments (body, error))
    return FALSE;
  if (caller != NULL &&
      (!wg_json_get_string (caller, "name", FALSE, &caller_name, error) ||
       !wg_json_get_string (caller, "phone", FALSE, &caller_phone, error)))
    return FALSE;
  if (!wg_grade_from_string (grade_name, &grade))
    return fail (error, WG_ERROR_INVALID_FIELD, "unknown grade '%s'", grade_name);
  /* One vocabulary of sources; the first release's slugs still map. */
  if (source != NULL && (source = wg_source_normalize (source)) == NULL)
    return fail (error, WG_ERROR_INVALID_FIELD, "unknown source");
  if (on_spot != NULL)
    {
      if (grade != WG_GRADE_GENERAL)
        return fail (error, WG_ERROR_INVALID_FIELD, "only a general incident is handled on the spot");
      if (!wg_json_get_string (on_spot, "resolution", TRUE, &resolution, error))
        return FALSE;
    }
  cat = wg_rules_lookup_category (ctx->rules, category);
  if (cat == NULL)
    return fail (error, WG_ERROR_UNKNOWN_CATEGORY, "unknown category '%s'", category);
  if (!check_in_area (ctx, lat, lon, error))
    return FALSE;

  /* The grid: as given, else where the location lies, else the reporting
   * grid worker's own. */
  if (grid == NULL)
    {
      resolved_grid = wg_rules_resolve_grid (ctx->rules, lat, lon);
      if (resolved_grid == NULL && ctx->actor->grid != NULL && ctx->actor->role == WG_ROLE_GRID_WORKER)
        resolved_grid = g_strdup (ctx->actor->grid);
      grid = resolved_grid;
    }
  incident.grid = (char *) grid;
  if (!check_scope (ctx, scope_for_incident (ctx->actor, &incident), error))
    return FALSE;

  /* The incident id comes from the command id; a retry of the command is
   * answered by the store before it gets here, so an existing incident
   * means a client reused a command id. */
  incident_id = wg_uuid_derive (wg_command_get_id (ctx->command), "incident");
  if (ctx->reader->funcs->get_incident (ctx->reader->user_data, incident_id, &existing, &local_error))
    {
      wg_incident_record_clear (&existing);
      return fail (error, WG_ERROR_IDEMPOTENCY_KEY_REUSE, "incident %s exists", incident_id);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* PREFIX-DAY-NNNN: the grid's street's prefix and that street's own
   * sequence of the day, gap-free as no incident is ever deleted. */
  day = wg_calendar_local_day (wg_rules_get_calendar (ctx->rules), ctx->now);
  case_prefix = wg_rules_dup_case_prefix (ctx->rules, grid);
  count = ctx->reader->funcs->count_cases_on_day (ctx->reader->user_data, day, case_prefix, error);
  if (count < 0)
    return FALSE;
  case_number = format_case_number (case_prefix, day, count + 1);

  b = emit (ctx, WG_EV_INCIDENT_REPORTED, incident_id, incident_id);
  json_object_set_string_member (b, "case_number", case_number);
  json_object_set_string_member (b, "case_day", day);
  /* The command's own string values (checked above), their nodes shared,
   * not a new value and a copy of the text each. */
  copy_member (b, body, "grade");
  copy_member (b, body, "category");
  copy_member (b, body, "location");
  copy_member (b, body, "summary");
  copy_member (b, body, "details");
  if (source != NULL)
    json_object_set_string_member (b, "source", source);
  copy_member (b, body, "caller");
  if (wg_rules_needs_call_back (ctx->rules, category, source))
    json_object_set_boolean_member (b, "call_back_required", TRUE);
  copy_member (b, body, "attachments");
  wg_json_set_nullable_string (b, "grid", grid);
  wg_json_set_nullable_string (b, "default_department", cat->department);
  incident.category = (char *) category;
  if (grade == WG_GRADE_PROFESSIONAL)
    start_step (ctx, b, &incident, WG_STEP_ROUTE);
  else if (grade == WG_GRADE_EMERGENCY)
    start_step (ctx, b, &incident, WG_STEP_DISPATCH);
  else
    set_step (b, -1, 0);

  if (grade == WG_GRADE_EMERGENCY)
    {
      b = emit (ctx, WG_EV_ALARM_RAISED, incident_id, incident_id);
      json_object_set_string_member (b, "category", category);
      wg_json_set_nullable_string (b, "grid", grid);
    }
  if (resolution != NULL)
    {
      b = emit (ctx, WG_EV_INCIDENT_HANDLED_ON_SPOT, incident_id, incident_id);
      json_object_set_string_member (b, "resolution", resolution);
      emit (ctx, WG_EV_INCIDENT_CLOSED, incident_id, incident_id);
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* The full work-order cycle (protocol.md, "The full work-order cycle"):
 * routing again and from a general event, and the commands added with it.
 * Kept together so that the first release's code above stays as it was. */

#define WG_MAX_CO_DEPARTMENTS 8

/* co_departments (协办): distinct department codes, not the lead one. */
static gboolean
check_co_departments (JsonObject  *body,
                      const char  *department,
                      GError     **error)
{
  JsonArray *array = NULL;
  guint n;

  if (!wg_json_get_array (body, "co_departments", FALSE, &array, error))
    return FALSE;
  n = array != NULL ? json_array_get_length (array) : 0;
  if (n > WG_MAX_CO_DEPARTMENTS)
    return fail (error, WG_ERROR_INVALID_FIELD, "at most %d co_departments", WG_MAX_CO_DEPARTMENTS);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      const char *code;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
          *(code = json_node_get_string (node)) == '\0')
        return fail (error, WG_ERROR_INVALID_FIELD, "co_departments must be department codes");
      if (g_strcmp0 (code, department) == 0)
        return fail (error, WG_ERROR_INVALID_FIELD, "the lead department is not its own co-department");
      for (guint j = 0; j < i; j++)
        if (strcmp (json_array_get_string_element (array, j), code) == 0)
          return fail (error, WG_ERROR_INVALID_FIELD, "co-department %s listed twice", code);
    }
  return TRUE;
}

/* incident.route: 转派 of a general event (it becomes professional), the
 * first routing, a re-routing after an approved rejection, and 改派 while
 * the department has not accepted yet.  The acceptance step (签收) starts
 * now; a deadline in the command is the one for handling, which starts on
 * acceptance. */
static gboolean
route_incident (Ctx                    *ctx,
                WgIncidentRecord       *incident,
                const char             *department,
                const char             *instructions,
                gint64                  handle_deadline,
                GError                **error)
{
  const WgCategoryRule *cat = wg_rules_lookup_category (ctx->rules, incident->category);
  JsonObject *b;

  if (incident->grade == WG_GRADE_PROFESSIONAL && incident->state == WG_STATE_REPORTED &&
      cat != NULL && cat->mediate_first && g_strcmp0 (incident->mediation, "failed") != 0)
    return fail (error, WG_ERROR_ILLEGAL_TRANSITION,
                 "a %s is mediated in the grid first (incident.mediate); only a failed mediation is routed",
                 incident->category);
  if (incident->state == WG_STATE_ROUTED && g_strcmp0 (incident->department, department) == 0)
    return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "the incident is already routed to %s", department);

  if (incident->grade == WG_GRADE_GENERAL)
    {
      b = emit (ctx, WG_EV_INCIDENT_REGRADED, incident->id, incident->id);
      json_object_set_string_member (b, "from", wg_grade_to_string (WG_GRADE_GENERAL));
      json_object_set_string_member (b, "to", wg_grade_to_string (WG_GRADE_PROFESSIONAL));
      json_object_set_string_member (b, "reason", "transfer");
    }

  b = emit (ctx, WG_EV_INCIDENT_ROUTED, incident->id, incident->id);
  json_object_set_string_member (b, "department", department);
  if (incident->state == WG_STATE_ROUTED)
    json_object_set_string_member (b, "previous_department", incident->department);
  if (instructions != NULL)
    json_object_set_string_member (b, "instructions", instructions);
  copy_member (b, ctx->body, "co_departments");
  if (handle_deadline > 0)
    json_object_set_int_member (b, "handle_deadline", handle_deadline);
  start_step (ctx, b, incident, WG_STEP_ACCEPT);
  return TRUE;
}

/* The incident @into a duplicate is merged into: another open incident. */
static gboolean
check_merge_target (Ctx                    *ctx,
                    const WgIncidentRecord *incident,
                    const char             *into,
                    WgIncidentRecord       *target,
                    GError                **error)
{
  if (strcmp (incident->id, into) == 0)
    return fail (error, WG_ERROR_INVALID_FIELD, "an incident is not merged into itself");
  if (!load_incident (ctx, into, target, error))
    return FALSE;
  if (!wg_incident_state_is_open (target->state))
    return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "incident %s is %s: merge into an open one", into,
                 wg_incident_state_to_string (target->state));
  return TRUE;
}

static gboolean
decide_cycle (Ctx         *ctx,
              const char  *id,
              GError     **error)
{
  WgCommandType type = wg_command_get_kind (ctx->command);
  JsonObject *body = ctx->body, *b;
  const char *text = NULL, *remark = NULL, *name = NULL, *into = NULL;
  gint64 deadline = 0;
  gboolean approve = FALSE, false_alarm = FALSE;
  WgSatisfaction satisfaction = WG_SATISFACTION_SATISFIED;
  WgSupervisionLevel level = WG_SUPERVISION_URGE;
  WgGrade to = WG_GRADE_PROFESSIONAL;
  g_auto(WgIncidentRecord) incident = { 0 };
  g_auto(WgIncidentRecord) target = { 0 };
  const WgCategoryRule *cat;
  JsonArray *parties = NULL;

  /* Body first (step 2), subject next (step 3). */
  switch (type)
    {
    case WG_CMD_INCIDENT_MEDIATE:
      if (!wg_json_get_string (body, "outcome", TRUE, &name, error) ||
          !wg_json_get_string (body, "remark", TRUE, &remark, error) ||
          !wg_json_get_array (body, "parties", FALSE, &parties, error))
        return FALSE;
      if (!g_str_equal (name, "mediated") && !g_str_equal (name, "failed"))
        return fail (error, WG_ERROR_INVALID_FIELD, "unknown outcome '%s' (mediated or failed)", name);
      break;
    case WG_CMD_INCIDENT_REVIEW_REJECTION:
      if (!wg_json_get_boolean (body, "approve", TRUE, &approve, error) ||
          !wg_json_get_string (body, "remark", FALSE, &remark, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_REQUEST_EXTENSION:
      if (!wg_json_get_int (body, "deadline", TRUE, &deadline, error) ||
          !wg_json_get_string (body, "reason", TRUE, &text, error))
        return FALSE;
      if (deadline <= ctx->now)
        return fail (error, WG_ERROR_INVALID_FIELD, "deadline must be in the future");
      break;
    case WG_CMD_INCIDENT_DECLINE_EXTENSION:
      if (!wg_json_get_string (body, "reason", TRUE, &text, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_SUPERVISE:
      if (!wg_json_get_string (body, "level", TRUE, &name, error) ||
          !wg_json_get_string (body, "remark", TRUE, &remark, error) ||
          !wg_json_get_int (body, "deadline", FALSE, &deadline, error))
        return FALSE;
      if (!wg_supervision_level_from_string (name, &level))
        return fail (error, WG_ERROR_INVALID_FIELD, "unknown level '%s' (urge or supervise)", name);
      if (json_object_has_member (body, "deadline") && deadline <= ctx->now)
        return fail (error, WG_ERROR_INVALID_FIELD, "deadline must be in the future");
      break;
    case WG_CMD_INCIDENT_ANSWER_SUPERVISION:
      if (!wg_json_get_string (body, "text", TRUE, &text, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_CALL_BACK:
      if (!wg_json_get_string (body, "satisfaction", TRUE, &name, error) ||
          !wg_json_get_string (body, "remark", TRUE, &remark, error) ||
          !wg_json_get_int (body, "deadline", FALSE, &deadline, error))
        return FALSE;
      if (!wg_satisfaction_from_string (name, &satisfaction))
        return fail (error, WG_ERROR_INVALID_FIELD,
                     "unknown satisfaction '%s' (satisfied, basically_satisfied or unsatisfied)", name);
      if (json_object_has_member (body, "deadline") && deadline <= ctx->now)
        return fail (error, WG_ERROR_INVALID_FIELD, "deadline must be in the future");
      break;
    case WG_CMD_INCIDENT_MERGE:
      if (!wg_json_get_string (body, "into", TRUE, &into, error) ||
          !wg_json_get_string (body, "reason", TRUE, &text, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_DOWNGRADE:
      if (!wg_json_get_string (body, "to", TRUE, &name, error) ||
          !wg_json_get_string (body, "reason", TRUE, &text, error) ||
          !wg_json_get_boolean (body, "false_alarm", FALSE, &false_alarm, error))
        return FALSE;
      if (!wg_grade_from_string (name, &to) || to == WG_GRADE_EMERGENCY)
        return fail (error, WG_ERROR_INVALID_FIELD, "unknown grade '%s' (general or professional)", name);
      break;
    default:
      g_assert_not_reached ();
    }

  if (!load_incident (ctx, id, &incident, error) ||
      !check_scope (ctx, scope_for_incident (ctx->actor, &incident), error) ||
      !check_incident_state (ctx, &incident, error))
    return FALSE;
  cat = wg_rules_lookup_category (ctx->rules, incident.category);

  switch (type)
    {
    case WG_CMD_INCIDENT_MEDIATE:
      if (cat == NULL || !cat->mediate_first)
        return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "a %s is not mediated in the grid: route it",
                     incident.category);
      if (g_strcmp0 (incident.mediation, "failed") == 0)
        return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "the mediation failed already: route the incident");
      b = emit (ctx, WG_EV_INCIDENT_MEDIATED, id, id);
      json_object_set_string_member (b, "outcome", name);
      json_object_set_string_member (b, "remark", remark);
      copy_member (b, body, "parties");
      if (g_str_equal (name, "mediated"))
        {
          /* Resolved in the grid: call-back and close follow. */
          json_object_set_string_member (b, "state", wg_incident_state_to_string (WG_STATE_RESOLVED));
          start_step (ctx, b, &incident, WG_STEP_CLOSE);
        }
      break;

    case WG_CMD_INCIDENT_REVIEW_REJECTION:
      if (approve)
        {
          b = emit (ctx, WG_EV_INCIDENT_REJECTED, id, id);
          json_object_set_string_member (b, "department", incident.department);
          if (remark != NULL)
            json_object_set_string_member (b, "remark", remark);
          start_step (ctx, b, &incident, WG_STEP_ROUTE);
        }
      else
        {
          /* Back to routed: the department must accept, on the same
           * acceptance deadline. */
          b = emit (ctx, WG_EV_INCIDENT_REJECTION_DENIED, id, id);
          json_object_set_string_member (b, "department", incident.department);
          if (remark != NULL)
            json_object_set_string_member (b, "remark", remark);
        }
      break;

    case WG_CMD_INCIDENT_REQUEST_EXTENSION:
      if (incident.extension_requested > 0)
        return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "an extension request is waiting for an answer");
      if (incident.step < 0)
        return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "the incident has no step to extend");
      if (incident.deadline > 0 && deadline <= incident.deadline)
        return fail (error, WG_ERROR_INVALID_FIELD, "an extension moves the deadline later");
      b = emit (ctx, WG_EV_INCIDENT_EXTENSION_REQUESTED, id, id);
      json_object_set_string_member (b, "reason", text);
      json_object_set_int_member (b, "requested_deadline", deadline);
      json_object_set_string_member (b, "for_step", wg_step_to_string (incident.step));
      break;

    case WG_CMD_INCIDENT_DECLINE_EXTENSION:
      if (incident.extension_requested <= 0)
        return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "no extension request is waiting");
      b = emit (ctx, WG_EV_INCIDENT_EXTENSION_DECLINED, id, id);
      json_object_set_string_member (b, "reason", text);
      json_object_set_int_member (b, "requested_deadline", incident.extension_requested);
      break;

    case WG_CMD_INCIDENT_SUPERVISE:
      b = emit (ctx, WG_EV_INCIDENT_SUPERVISED, id, id);
      json_object_set_string_member (b, "level", name);
      json_object_set_string_member (b, "remark", remark);
      json_object_set_string_member (b, "department", incident.department);
      if (deadline > 0)
        json_object_set_int_member (b, "answer_by", deadline);
      break;

    case WG_CMD_INCIDENT_ANSWER_SUPERVISION:
      if (incident.supervision < 0)
        return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "no supervision notice is waiting for an answer");
      b = emit (ctx, WG_EV_INCIDENT_SUPERVISION_ANSWERED, id, id);
      json_object_set_string_member (b, "text", text);
      json_object_set_string_member (b, "level", wg_supervision_level_to_string (incident.supervision));
      break;

    case WG_CMD_INCIDENT_CALL_BACK:
      b = emit (ctx, WG_EV_INCIDENT_CALLED_BACK, id, id);
      json_object_set_string_member (b, "satisfaction", name);
      json_object_set_string_member (b, "remark", remark);
      if (satisfaction != WG_SATISFACTION_UNSATISFIED)
        break;
      /* 返工: back to the department with a new handling deadline; a
       * dispute mediated in the grid goes back to be routed. */
      if (incident.department != NULL)
        {
          b = emit (ctx, WG_EV_INCIDENT_REWORKED, id, id);
          json_object_set_string_member (b, "state", wg_incident_state_to_string (WG_STATE_ACCEPTED));
          json_object_set_string_member (b, "department", incident.department);
          if (deadline > 0)
            set_step (b, WG_STEP_HANDLE, deadline);
          else
            start_step (ctx, b, &incident, WG_STEP_HANDLE);
        }
      else if (incident.grade == WG_GRADE_PROFESSIONAL)
        {
          b = emit (ctx, WG_EV_INCIDENT_REWORKED, id, id);
          json_object_set_string_member (b, "state", wg_incident_state_to_string (WG_STATE_REPORTED));
          start_step (ctx, b, &incident, WG_STEP_ROUTE);
        }
      break;

    case WG_CMD_INCIDENT_MERGE:
      if (!check_merge_target (ctx, &incident, into, &target, error) ||
          !cancel_open_assignments (ctx, &incident, "incident merged", error))
        return FALSE;
      b = emit (ctx, WG_EV_INCIDENT_MERGED, id, id);
      json_object_set_string_member (b, "into", target.id);
      wg_json_set_nullable_string (b, "into_case_number", target.case_number);
      json_object_set_string_member (b, "reason", text);
      /* The duplicate's caller waits for the answer of the case it joins:
       * that case is called back before it closes, the caller's details
       * here for it (masked and hidden as any caller's). */
      if (incident.call_back_required)
        json_object_set_boolean_member (b, "call_back_required", TRUE);
      {
        g_autoptr(GError) local_error = NULL;
        JsonNode *caller = ctx->reader->funcs->get_caller (ctx->reader->user_data, id, &local_error);

        if (local_error != NULL)
          {
            g_propagate_error (error, g_steal_pointer (&local_error));
            return FALSE;
          }
        if (caller != NULL)
          json_object_set_member (b, "caller", caller);
      }
      break;

    case WG_CMD_INCIDENT_DOWNGRADE:
      /* The forces sent to it are recalled. */
      if (!cancel_open_assignments (ctx, &incident, "incident downgraded", error))
        return FALSE;
      b = emit (ctx, WG_EV_INCIDENT_DOWNGRADED, id, id);
      json_object_set_string_member (b, "from", wg_grade_to_string (WG_GRADE_EMERGENCY));
      json_object_set_string_member (b, "to", name);
      json_object_set_string_member (b, "reason", text);
      json_object_set_boolean_member (b, "false_alarm", false_alarm);
      /* Not an emergency after all: its alarm ends, and the case starts
       * over in its grade unless it was resolved already. */
      if (incident.state == WG_STATE_RESOLVED)
        {
          json_object_set_string_member (b, "state", wg_incident_state_to_string (WG_STATE_RESOLVED));
          set_step (b, -1, 0);
        }
      else
        {
          json_object_set_string_member (b, "state", wg_incident_state_to_string (WG_STATE_REPORTED));
          if (to == WG_GRADE_PROFESSIONAL)
            start_step (ctx, b, &incident, WG_STEP_ROUTE);
          else
            set_step (b, -1, 0);
        }
      break;

    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static gboolean
decide_on_incident (Ctx     *ctx,
                    GError **error)
{
  WgCommandType type = wg_command_get_kind (ctx->command);
  JsonObject *body = ctx->body, *b;
  const char *id = NULL;
  const char *text = NULL, *department = NULL, *instructions = NULL, *remark = NULL;
  const char *outcome = NULL, *level_name = NULL;
  gint64 deadline = 0;
  gboolean passed = FALSE;
  JsonArray *units = NULL;
  g_auto(WgIncidentRecord) incident = { 0 };
  g_autoptr(GPtrArray) unit_ids = NULL;
  WgEscalationLevel level = 0;

  if (!wg_json_get_string (body, "incident", TRUE, &id, error))
    return FALSE;
  if (type >= WG_CMD_INCIDENT_MEDIATE)
    return decide_cycle (ctx, id, error);

  /* Body first (step 2), subject next (step 3). */
  switch (type)
    {
    case WG_CMD_INCIDENT_HANDLE_ON_SPOT:
      if (!wg_json_get_string (body, "resolution", TRUE, &text, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_ROUTE:
      if (!wg_json_get_string (body, "department", TRUE, &department, error) ||
          !wg_json_get_int (body, "deadline", FALSE, &deadline, error) ||
          !wg_json_get_string (body, "instructions", FALSE, &instructions, error) ||
          !check_co_departments (body, department, error))
        return FALSE;
      if (json_object_has_member (body, "deadline") && deadline <= ctx->now)
        return fail (error, WG_ERROR_INVALID_FIELD, "deadline must be in the future");
      break;
    case WG_CMD_INCIDENT_REJECT:
    case WG_CMD_INCIDENT_SUSPEND:
    case WG_CMD_INCIDENT_RESUME:
    case WG_CMD_INCIDENT_UPGRADE:
    case WG_CMD_INCIDENT_CANCEL:
      if (!wg_json_get_string (body, "reason", TRUE, &text, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_FEEDBACK:
      if (!wg_json_get_string (body, "result", TRUE, &text, error) ||
          !wg_json_get_string (body, "outcome", FALSE, &outcome, error) ||
          !check_attachments (body, error))
        return FALSE;
      if (outcome != NULL && !g_strv_contains ((const char *const[]) {
            "resolved", "partly", "unresolved", "mediated", "mediation_failed", NULL }, outcome))
        return fail (error, WG_ERROR_INVALID_FIELD, "unknown outcome '%s'", outcome);
      break;
    case WG_CMD_INCIDENT_VERIFY:
      if (!wg_json_get_boolean (body, "passed", TRUE, &passed, error) ||
          !wg_json_get_string (body, "remark", FALSE, &remark, error) ||
          !check_attachments (body, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_EXTEND:
      if (!wg_json_get_int (body, "deadline", TRUE, &deadline, error) ||
          !wg_json_get_string (body, "reason", TRUE, &text, error))
        return FALSE;
      if (deadline <= ctx->now)
        return fail (error, WG_ERROR_INVALID_FIELD, "deadline must be in the future");
      break;
    case WG_CMD_INCIDENT_RESOLVE:
      if (!wg_json_get_string (body, "summary", TRUE, &text, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_CLOSE:
      if (!wg_json_get_string (body, "remark", FALSE, &remark, error))
        return FALSE;
      break;
    case WG_CMD_INCIDENT_ESCALATE:
      if (!wg_json_get_string (body, "level", TRUE, &level_name, error) ||
          !wg_json_get_string (body, "reason", TRUE, &text, error))
        return FALSE;
      if (!wg_escalation_level_from_string (level_name, &level))
        return fail (error, WG_ERROR_INVALID_FIELD, "unknown level '%s'", level_name);
      break;
    case WG_CMD_INCIDENT_NOTE:
      if (!wg_json_get_string (body, "text", TRUE, &text, error) ||
          !check_attachments (body, error))
        return FALSE;
      break;
    case WG_CMD_DISPATCH_ASSIGN:
      if (!wg_json_get_array (body, "units", TRUE, &units, error))
        return FALSE;
      if (json_array_get_length (units) == 0 || json_array_get_length (units) > WG_DISPATCH_MAX_UNITS)
        return fail (error, WG_ERROR_INVALID_FIELD, "units must list 1 to %d units", WG_DISPATCH_MAX_UNITS);
      unit_ids = g_ptr_array_new ();
      for (guint i = 0; i < json_array_get_length (units); i++)
        {
          JsonNode *node = json_array_get_element (units, i);
          const char *unit;

          if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING ||
              *(unit = json_node_get_string (node)) == '\0')
            return fail (error, WG_ERROR_INVALID_FIELD, "units must be unit ids");
          for (guint j = 0; j < unit_ids->len; j++)
            if (strcmp (unit_ids->pdata[j], unit) == 0)
              return fail (error, WG_ERROR_INVALID_FIELD, "unit %s listed twice", unit);
          g_ptr_array_add (unit_ids, (gpointer) unit);
        }
      break;
    case WG_CMD_INCIDENT_ACCEPT:
    case WG_CMD_ALARM_ACKNOWLEDGE:
      break;
    case WG_CMD_INCIDENT_REPORT:
    case WG_CMD_ASSIGNMENT_ACKNOWLEDGE:
    case WG_CMD_ASSIGNMENT_EN_ROUTE:
    case WG_CMD_ASSIGNMENT_ON_SCENE:
    case WG_CMD_ASSIGNMENT_CLEAR:
    case WG_CMD_ASSIGNMENT_CANCEL:
    case WG_CMD_UNIT_STATUS:
    case WG_CMD_ROSTER_HANDOVER:
    case WG_N_COMMAND_TYPES:
    default:
      g_assert_not_reached ();
    }

  if (!load_incident (ctx, id, &incident, error) ||
      !check_scope (ctx, scope_for_incident (ctx->actor, &incident), error) ||
      !check_incident_state (ctx, &incident, error))
    return FALSE;

  switch (type)
    {
    case WG_CMD_INCIDENT_HANDLE_ON_SPOT:
      b = emit (ctx, WG_EV_INCIDENT_HANDLED_ON_SPOT, id, id);
      json_object_set_string_member (b, "resolution", text);
      emit (ctx, WG_EV_INCIDENT_CLOSED, id, id);
      break;

    case WG_CMD_INCIDENT_ROUTE:
      if (!check_department (ctx, department, error) ||
          !check_co_departments_exist (ctx, error) ||
          !route_incident (ctx, &incident, department, instructions, deadline, error))
        return FALSE;
      break;

    case WG_CMD_INCIDENT_ACCEPT:
      b = emit (ctx, WG_EV_INCIDENT_ACCEPTED, id, id);
      /* Acceptance ends its own step; handling starts now. */
      if (incident.handle_deadline > ctx->now)
        set_step (b, WG_STEP_HANDLE, incident.handle_deadline);
      else
        start_step (ctx, b, &incident, WG_STEP_HANDLE);
      break;

    case WG_CMD_INCIDENT_REJECT:
      /* A request: the centre reviews it (incident.review_rejection). */
      b = emit (ctx, WG_EV_INCIDENT_REJECTION_REQUESTED, id, id);
      json_object_set_string_member (b, "reason", text);
      json_object_set_string_member (b, "department", incident.department);
      break;

    case WG_CMD_INCIDENT_FEEDBACK:
      b = emit (ctx, WG_EV_INCIDENT_FEEDBACK_GIVEN, id, id);
      json_object_set_string_member (b, "result", text);
      copy_member (b, body, "outcome");
      copy_member (b, body, "attachments");
      start_step (ctx, b, &incident, WG_STEP_VERIFY);
      break;

    case WG_CMD_INCIDENT_VERIFY:
      b = emit (ctx, passed ? WG_EV_INCIDENT_VERIFIED : WG_EV_INCIDENT_VERIFICATION_FAILED, id, id);
      copy_member (b, body, "remark");
      copy_member (b, body, "attachments");
      start_step (ctx, b, &incident, passed ? WG_STEP_CLOSE : WG_STEP_HANDLE);
      break;

    case WG_CMD_INCIDENT_EXTEND:
      if (incident.step < 0)
        return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "the incident has no step to extend");
      if (incident.deadline > 0 && deadline <= incident.deadline)
        return fail (error, WG_ERROR_INVALID_FIELD, "an extension moves the deadline later");
      b = emit (ctx, WG_EV_INCIDENT_EXTENDED, id, id);
      json_object_set_string_member (b, "reason", text);
      if (incident.deadline > 0)
        json_object_set_int_member (b, "previous_deadline", incident.deadline);
      set_step (b, incident.step, deadline);
      break;

    case WG_CMD_INCIDENT_SUSPEND:
      b = emit (ctx, WG_EV_INCIDENT_SUSPENDED, id, id);
      json_object_set_string_member (b, "reason", text);
      json_object_set_string_member (b, "previous_state", wg_incident_state_to_string (incident.state));
      break;

    case WG_CMD_INCIDENT_RESUME:
      b = emit (ctx, WG_EV_INCIDENT_RESUMED, id, id);
      json_object_set_string_member (b, "reason", text);
      json_object_set_string_member (b, "state", wg_incident_state_to_string (incident.suspended_from));
      /* The step keeps the time it had left when it was suspended. */
      if (incident.step >= 0 && incident.deadline > incident.suspended_at)
        {
          WgCalendar *cal = wg_rules_get_calendar (ctx->rules);
          gint64 new_deadline;

          if (is_emergency_step (incident.step))
            new_deadline = ctx->now + (incident.deadline - incident.suspended_at);
          else
            new_deadline = wg_calendar_add_working_ms (cal, ctx->now,
                                                       wg_calendar_working_ms_between (cal, incident.suspended_at,
                                                                                       incident.deadline));
          if (new_deadline > 0)
            set_step (b, incident.step, new_deadline);
        }
      break;

    case WG_CMD_INCIDENT_RESOLVE:
      b = emit (ctx, WG_EV_INCIDENT_RESOLVED, id, id);
      json_object_set_string_member (b, "summary", text);
      set_step (b, -1, 0);
      break;

    case WG_CMD_INCIDENT_CLOSE:
      if (incident.call_back_required &&
          incident.call_back != WG_SATISFACTION_SATISFIED &&
          incident.call_back != WG_SATISFACTION_BASICALLY_SATISFIED)
        return fail (error, WG_ERROR_ILLEGAL_TRANSITION,
                     "the case needs a satisfied call-back (incident.call_back) before it closes");
      if (!cancel_open_assignments (ctx, &incident, "incident closed", error))
        return FALSE;
      b = emit (ctx, WG_EV_INCIDENT_CLOSED, id, id);
      copy_member (b, body, "remark");
      break;

    case WG_CMD_INCIDENT_UPGRADE:
      b = emit (ctx, WG_EV_INCIDENT_UPGRADED, id, id);
      json_object_set_string_member (b, "from", wg_grade_to_string (incident.grade));
      json_object_set_string_member (b, "to", wg_grade_to_string (WG_GRADE_EMERGENCY));
      json_object_set_string_member (b, "reason", text);
      start_step (ctx, b, &incident, WG_STEP_DISPATCH);
      b = emit (ctx, WG_EV_ALARM_RAISED, id, id);
      json_object_set_string_member (b, "category", incident.category);
      wg_json_set_nullable_string (b, "grid", incident.grid);
      break;

    case WG_CMD_INCIDENT_ESCALATE:
      b = emit (ctx, WG_EV_INCIDENT_ESCALATED, id, id);
      json_object_set_string_member (b, "level", level_name);
      json_object_set_string_member (b, "reason", text);
      break;

    case WG_CMD_INCIDENT_CANCEL:
      if (!cancel_open_assignments (ctx, &incident, "incident cancelled", error))
        return FALSE;
      b = emit (ctx, WG_EV_INCIDENT_CANCELLED, id, id);
      json_object_set_string_member (b, "reason", text);
      break;

    case WG_CMD_INCIDENT_NOTE:
      b = emit (ctx, WG_EV_INCIDENT_NOTED, id, id);
      json_object_set_string_member (b, "text", text);
      copy_member (b, body, "attachments");
      break;

    case WG_CMD_ALARM_ACKNOWLEDGE:
      emit (ctx, WG_EV_ALARM_ACKNOWLEDGED, id, id);
      break;

    case WG_CMD_DISPATCH_ASSIGN:
      {
        /* All or nothing: check every unit before emitting anything. */
        for (guint i = 0; i < unit_ids->len; i++)
          {
            g_auto(WgUnitRecord) unit = { 0 };

            if (!load_unit (ctx, unit_ids->pdata[i], &unit, error))
              return FALSE;
            if (unit.status == WG_UNIT_OFF_DUTY || unit.open_assignments > 0)
              return fail (error, WG_ERROR_UNIT_UNAVAILABLE, "unit %s is %s", unit.id,
                           unit.status == WG_UNIT_OFF_DUTY ? "off duty" : "assigned elsewhere");
          }
        for (guint i = 0; i < unit_ids->len; i++)
          {
            g_autofree char *label = g_strconcat ("assignment/", (const char *) unit_ids->pdata[i], NULL);
            g_autofree char *assignment = wg_uuid_derive (wg_command_get_id (ctx->command), label);

            b = emit (ctx, WG_EV_ASSIGNMENT_CREATED, assignment, id);
            json_object_set_string_member (b, "unit", unit_ids->pdata[i]);
            if (i == 0 && incident.state == WG_STATE_REPORTED)
              {
                b = emit (ctx, WG_EV_INCIDENT_DISPATCHED, id, id);
                json_object_set_string_member (b, "assignment", assignment);
                start_step (ctx, b, &incident, WG_STEP_ARRIVE);
              }
          }
      }
      break;

    case WG_CMD_INCIDENT_REPORT:
    case WG_CMD_ASSIGNMENT_ACKNOWLEDGE:
    case WG_CMD_ASSIGNMENT_EN_ROUTE:
    case WG_CMD_ASSIGNMENT_ON_SCENE:
    case WG_CMD_ASSIGNMENT_CLEAR:
    case WG_CMD_ASSIGNMENT_CANCEL:
    case WG_CMD_UNIT_STATUS:
    case WG_CMD_ROSTER_HANDOVER:
    case WG_N_COMMAND_TYPES:
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

static gboolean
decide_on_assignment (Ctx     *ctx,
                      GError **error)
{
  WgCommandType type = wg_command_get_kind (ctx->command);
  const char *id = NULL, *reason = NULL;
  g_auto(WgAssignmentRecord) assignment = { 0 };
  g_auto(WgUnitRecord) unit = { 0 };
  g_autoptr(GError) local_error = NULL;
  JsonObject *b;
  static const WgEventType event_for[] = {
    [WG_CMD_ASSIGNMENT_ACKNOWLEDGE] = WG_EV_ASSIGNMENT_ACKNOWLEDGED,
    [WG_CMD_ASSIGNMENT_EN_ROUTE] = WG_EV_ASSIGNMENT_EN_ROUTE,
    [WG_CMD_ASSIGNMENT_ON_SCENE] = WG_EV_ASSIGNMENT_ON_SCENE,
    [WG_CMD_ASSIGNMENT_CLEAR] = WG_EV_ASSIGNMENT_CLEARED,
    [WG_CMD_ASSIGNMENT_CANCEL] = WG_EV_ASSIGNMENT_CANCELLED,
  };

  if (!wg_json_get_string (ctx->body, "assignment", TRUE, &id, error))
    return FALSE;
  if (type == WG_CMD_ASSIGNMENT_CANCEL &&
      !wg_json_get_string (ctx->body, "reason", TRUE, &reason, error))
    return FALSE;

  if (!ctx->reader->funcs->get_assignment (ctx->reader->user_data, id, &assignment, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      return fail (error, WG_ERROR_UNKNOWN_ASSIGNMENT, "no assignment %s", id);
    }
  if (!load_unit (ctx, assignment.unit, &unit, error) ||
      !check_scope (ctx, scope_for_unit (ctx->actor, &unit), error))
    return FALSE;
  if (!wg_decide_assignment_legal (type, assignment.state))
    return fail (error, WG_ERROR_ILLEGAL_TRANSITION, "%s is not possible on an assignment that is %s",
                 wg_command_type_to_string (type), wg_assignment_state_to_string (assignment.state));

  b = emit (ctx, event_for[type], id, assignment.incident);
  json_object_set_string_member (b, "unit", assignment.unit);
  if (reason != NULL)
    json_object_set_string_member (b, "reason", reason);

  if (type == WG_CMD_ASSIGNMENT_ON_SCENE)
    {
      g_auto(WgIncidentRecord) incident = { 0 };

      if (!load_incident (ctx, assignment.incident, &incident, error))
        return FALSE;
      /* The first arrival moves the incident on scene. */
      if (incident.state == WG_STATE_DISPATCHED)
        {
          b = emit (ctx, WG_EV_INCIDENT_ON_SCENE, incident.id, incident.id);
          json_object_set_string_member (b, "unit", assignment.unit);
          json_object_set_string_member (b, "assignment", id);
          start_step (ctx, b, &incident, WG_STEP_RESOLVE);
        }
    }
  return TRUE;
}

static gboolean
decide_unit_status (Ctx     *ctx,
                    GError **error)
{
  const char *id = NULL, *status_name = NULL;
  WgUnitStatus status;
  g_auto(WgUnitRecord) unit = { 0 };
  JsonObject *b;

  if (!wg_json_get_string (ctx->body, "unit", TRUE, &id, error) ||
      !wg_json_get_string (ctx->body, "status", TRUE, &status_name, error))
    return FALSE;
  if (!wg_unit_status_from_string (status_name, &status))
    return fail (error, WG_ERROR_INVALID_FIELD, "unknown status '%s'", status_name);
  if (!load_unit (ctx, id, &unit, error) ||
      !check_scope (ctx, scope_for_unit (ctx->actor, &unit), error))
    return FALSE;

  b = emit (ctx, WG_EV_UNIT_STATUS_CHANGED, id, NULL);
  json_object_set_string_member (b, "status", status_name);
  json_object_set_string_member (b, "previous", wg_unit_status_to_string (unit.status));
  return TRUE;
}

static gboolean
decide_handover (Ctx     *ctx,
                 GError **error)
{
  const char *to = NULL, *remark = NULL;
  JsonObject *b;

  if (!wg_json_get_string (ctx->body, "to", TRUE, &to, error) ||
      !wg_json_get_string (ctx->body, "remark", FALSE, &remark, error) ||
      !check_scope (ctx, WG_SCOPE_NONE, error))
    return FALSE;
  b = emit (ctx, WG_EV_ROSTER_HANDED_OVER, to, NULL);
  json_object_set_string_member (b, "from", ctx->actor->username);
  json_object_set_string_member (b, "to", to);
  if (remark != NULL)
    json_object_set_string_member (b, "remark", remark);
  return TRUE;
}

GPtrArray *
wg_decide (const WgStateReader *reader,
           WgRules             *rules,
           WgCommand           *command,
           const WgActor       *actor,
           gint64               now_ms,
           GError             **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  const CommandRule *rule;
  Ctx ctx;
  gboolean ok;

  g_return_val_if_fail (reader != NULL && reader->funcs != NULL, NULL);
  g_return_val_if_fail (rules != NULL, NULL);
  g_return_val_if_fail (command != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ctx.reader = reader;
  ctx.rules = rules;
  ctx.command = command;
  ctx.actor = actor;
  ctx.body = wg_command_get_body (command);
  ctx.now = now_ms;
  ctx.events = events;

  rule = rule_for (wg_command_get_kind (command));
  if (!role_may_ever (rule, actor->role))
    {
      fail (error, WG_ERROR_FORBIDDEN, "%s may not %s", wg_role_to_string (actor->role),
            wg_command_get_type_name (command));
      return NULL;
    }

  switch (rule->subject)
    {
    case SUBJECT_NONE:
      ok = rule->type == WG_CMD_INCIDENT_REPORT ? decide_report (&ctx, error)
                                                : decide_handover (&ctx, error);
      break;
    case SUBJECT_INCIDENT:
      ok = decide_on_incident (&ctx, error);
      break;
    case SUBJECT_ASSIGNMENT:
      ok = decide_on_assignment (&ctx, error);
      break;
    case SUBJECT_UNIT:
      ok = decide_unit_status (&ctx, error);
      break;
    default:
      g_assert_not_reached ();
    }

  if (!ok)
    return NULL;
  g_assert (events->len > 0);
  return g_steal_pointer (&events);
}

GPtrArray *
wg_decide_timers (const WgStateReader *reader,
                  WgRules             *rules,
                  gint64               now_ms,
                  GError             **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GPtrArray) candidates = NULL;
  Ctx ctx = { 0 };

  g_return_val_if_fail (reader != NULL && reader->funcs != NULL, NULL);
  g_return_val_if_fail (rules != NULL, NULL);

  candidates = reader->funcs->timer_candidates (reader->user_data, now_ms, error);
  if (candidates == NULL)
    return NULL;

  ctx.reader = reader;
  ctx.rules = rules;
  ctx.now = now_ms;
  ctx.events = events;

  for (guint i = 0; i < candidates->len; i++)
    {
      WgIncidentRecord *incident = candidates->pdata[i];
      JsonObject *b;

      if (!wg_incident_state_is_open (incident->state))
        continue;

      /* Each level has its delay since the raise (the roster's: the
       * covering leader's, then the chief's); a record without the raise
       * time counts from the last change. */
      if ((incident->alarm == WG_ALARM_RAISED || incident->alarm == WG_ALARM_ESCALATED) &&
          incident->alarm_escalations < 2 &&
          (incident->alarm_raised_at > 0
             ? now_ms >= incident->alarm_raised_at + wg_rules_get_escalation_delay (rules, incident->alarm_escalations + 1)
             : now_ms >= incident->alarm_changed_at + wg_rules_get_escalation_interval (rules)))
        {
          guint level = incident->alarm_escalations + 1;

          b = emit (&ctx, WG_EV_ALARM_ESCALATED, incident->id, incident->id);
          wg_json_set_nullable_string (b, "to", wg_rules_escalation_target (rules, incident->grid, level));
          json_object_set_int_member (b, "level", level);
        }

      if (incident->state != WG_STATE_SUSPENDED && incident->step >= 0 &&
          incident->deadline > 0 && !incident->overdue && now_ms >= incident->deadline)
        {
          b = emit (&ctx, WG_EV_INCIDENT_OVERDUE, incident->id, incident->id);
          json_object_set_string_member (b, "step", wg_step_to_string (incident->step));
          json_object_set_int_member (b, "deadline", incident->deadline);
        }

      /* The department did not answer a supervision notice in time: once
       * per notice; the notice stays until answered. */
      if (incident->supervision >= 0 && incident->supervision_answer_by > 0 &&
          now_ms >= incident->supervision_answer_by)
        {
          b = emit (&ctx, WG_EV_INCIDENT_OVERDUE, incident->id, incident->id);
          json_object_set_string_member (b, "step", WG_SUPERVISION_ANSWER_STEP);
          json_object_set_int_member (b, "deadline", incident->supervision_answer_by);
          wg_json_set_nullable_string (b, "department", incident->department);
        }
    }

  return g_steal_pointer (&events);
}
