/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-console-util"

#include "config.h"

#include <epoxy/gl.h>
#include <glib/gi18n.h>
#include <string.h>

#include "wg-console-util.h"
#include "wg-reference.h"
#include "wg-renderer-choice.h"

const char *
wg_grade_label (WgGrade grade)
{
  switch (grade)
    {
    case WG_GRADE_GENERAL:
      return C_("grade", "General");
    case WG_GRADE_PROFESSIONAL:
      return C_("grade", "Professional");
    case WG_GRADE_EMERGENCY:
      return C_("grade", "Emergency");
    case WG_N_GRADES:
    default:
      return "";
    }
}

const char *
wg_source_label (const char *source)
{
  if (g_strcmp0 (source, "phone") == 0)
    return C_("source", "Phone call");
  if (g_strcmp0 (source, "walk_in") == 0)
    return C_("source", "Walk-in");
  if (g_strcmp0 (source, "field") == 0)
    return C_("source", "Field report");
  if (g_strcmp0 (source, "online") == 0)
    return C_("source", "Online request");
  if (g_strcmp0 (source, "other") == 0)
    return C_("source", "Other");
  /* What field devices and the history generator send. */
  if (g_strcmp0 (source, "patrol") == 0)
    return C_("source", "Found on patrol");
  if (g_strcmp0 (source, "hotline") == 0)
    return C_("source", "Hotline call");
  if (g_strcmp0 (source, "grid_worker") == 0)
    return C_("source", "Grid worker’s report");
  /* protocol.md's one vocabulary of sources. */
  if (g_strcmp0 (source, "hotline_12345") == 0)
    return C_("source", "12345 hotline");
  if (g_strcmp0 (source, "police_110") == 0)
    return C_("source", "110 police linkage");
  if (g_strcmp0 (source, "wechat_group") == 0)
    return C_("source", "Grid WeChat group");
  if (g_strcmp0 (source, "sensor") == 0)
    return C_("source", "Sensor or video");
  if (g_strcmp0 (source, "contact_point") == 0)
    return C_("source", "Contact point");
  return source;
}

const char *
wg_grade_css_class (WgGrade grade)
{
  switch (grade)
    {
    case WG_GRADE_PROFESSIONAL:
      return "grade-professional";
    case WG_GRADE_EMERGENCY:
      return "grade-emergency";
    case WG_GRADE_GENERAL:
    case WG_N_GRADES:
    default:
      return "grade-general";
    }
}

const char *
wg_incident_state_label (WgIncidentState state)
{
  switch (state)
    {
    case WG_STATE_REPORTED:
      return C_("incident state", "Reported");
    case WG_STATE_ROUTED:
      return C_("incident state", "Routed");
    case WG_STATE_ACCEPTED:
      return C_("incident state", "Accepted");
    case WG_STATE_REJECTED:
      return C_("incident state", "Rejected");
    case WG_STATE_FEEDBACK_GIVEN:
      return C_("incident state", "Feedback given");
    case WG_STATE_VERIFIED:
      return C_("incident state", "Verified");
    case WG_STATE_DISPATCHED:
      return C_("incident state", "Dispatched");
    case WG_STATE_ON_SCENE:
      return C_("incident state", "On scene");
    case WG_STATE_RESOLVED:
      return C_("incident state", "Resolved");
    case WG_STATE_SUSPENDED:
      return C_("incident state", "Suspended");
    case WG_STATE_CLOSED:
      return C_("incident state", "Closed");
    case WG_STATE_CANCELLED:
      return C_("incident state", "Cancelled");
    case WG_STATE_REJECTION_PENDING:
      return C_("incident state", "Rejection under review");
    case WG_STATE_MERGED:
      return C_("incident state", "Merged");
    case WG_N_STATES:
    default:
      return "";
    }
}

const char *
wg_assignment_state_label (WgAssignmentState state)
{
  switch (state)
    {
    case WG_ASSIGNMENT_NOTIFIED:
      return C_("assignment state", "Notified");
    case WG_ASSIGNMENT_ACKNOWLEDGED:
      return C_("assignment state", "Acknowledged");
    case WG_ASSIGNMENT_EN_ROUTE:
      return C_("assignment state", "En route");
    case WG_ASSIGNMENT_ON_SCENE:
      return C_("assignment state", "On scene");
    case WG_ASSIGNMENT_CLEARED:
      return C_("assignment state", "Cleared");
    case WG_ASSIGNMENT_CANCELLED:
      return C_("assignment state", "Cancelled");
    case WG_N_ASSIGNMENT_STATES:
    default:
      return "";
    }
}

const char *
wg_force_type_label (int type)
{
  switch (type)
    {
    case WG_FORCE_GRID_WORKER: return _("Grid worker");
    case WG_FORCE_GRID_LEADER: return _("Grid leader");
    case WG_FORCE_FIVE_HEAD: return _("Grid head");
    case WG_FORCE_COMMUNITY_POLICE: return _("Community police");
    case WG_FORCE_AUXILIARY_POLICE: return _("Auxiliary police");
    case WG_FORCE_EMERGENCY_UNIT: return _("Minimal emergency unit");
    case WG_FORCE_DEPARTMENT_TEAM: return _("Department team");
    case WG_FORCE_VOLUNTEER_TEAM: return _("Volunteer team");
    case WG_N_FORCE_TYPES:
    default:
      return "";
    }
}

const char *
wg_unit_status_label (WgUnitStatus status)
{
  switch (status)
    {
    case WG_UNIT_AVAILABLE:
      return C_("unit status", "Available");
    case WG_UNIT_BUSY:
      return C_("unit status", "Busy");
    case WG_UNIT_OFF_DUTY:
      return C_("unit status", "Off duty");
    case WG_N_UNIT_STATUSES:
    default:
      return "";
    }
}

const char *
wg_role_label (WgRole role)
{
  switch (role)
    {
    case WG_ROLE_ADMIN:
      return C_("role", "Administrator");
    case WG_ROLE_DUTY_LEADER:
      return C_("role", "Duty leader");
    case WG_ROLE_DISPATCHER:
      return C_("role", "Dispatcher");
    case WG_ROLE_TRAINER:
      return C_("role", "Trainer");
    case WG_ROLE_GRID_WORKER:
      return C_("role", "Grid worker");
    case WG_ROLE_DEPARTMENT:
      return C_("role", "Department");
    case WG_ROLE_WALL:
      return C_("role", "Wall");
    case WG_N_ROLES:
    default:
      return "";
    }
}

const char *
wg_event_type_label (WgEventType type)
{
  switch (type)
    {
    case WG_EV_INCIDENT_REPORTED: return C_("event", "Reported");
    case WG_EV_INCIDENT_HANDLED_ON_SPOT: return C_("event", "Handled on the spot");
    case WG_EV_INCIDENT_ROUTED: return C_("event", "Routed");
    case WG_EV_INCIDENT_ACCEPTED: return C_("event", "Accepted");
    case WG_EV_INCIDENT_REJECTED: return C_("event", "Rejected");
    case WG_EV_INCIDENT_FEEDBACK_GIVEN: return C_("event", "Feedback given");
    case WG_EV_INCIDENT_VERIFIED: return C_("event", "Verified");
    case WG_EV_INCIDENT_VERIFICATION_FAILED: return C_("event", "Verification failed");
    case WG_EV_INCIDENT_EXTENDED: return C_("event", "Deadline extended");
    case WG_EV_INCIDENT_SUSPENDED: return C_("event", "Suspended");
    case WG_EV_INCIDENT_RESUMED: return C_("event", "Resumed");
    case WG_EV_INCIDENT_RESOLVED: return C_("event", "Resolved");
    case WG_EV_INCIDENT_CLOSED: return C_("event", "Closed");
    case WG_EV_INCIDENT_UPGRADED: return C_("event", "Upgraded to emergency");
    case WG_EV_INCIDENT_ESCALATED: return C_("event", "Escalated");
    case WG_EV_INCIDENT_CANCELLED: return C_("event", "Cancelled");
    case WG_EV_INCIDENT_NOTED: return C_("event", "Note");
    case WG_EV_INCIDENT_DISPATCHED: return C_("event", "Dispatched");
    case WG_EV_INCIDENT_ON_SCENE: return C_("event", "First force on scene");
    case WG_EV_INCIDENT_OVERDUE: return C_("event", "Overdue");
    case WG_EV_ALARM_RAISED: return C_("event", "Alarm raised");
    case WG_EV_ALARM_ESCALATED: return C_("event", "Alarm escalated");
    case WG_EV_ALARM_ACKNOWLEDGED: return C_("event", "Alarm acknowledged");
    case WG_EV_ASSIGNMENT_CREATED: return C_("event", "Force notified");
    case WG_EV_ASSIGNMENT_ACKNOWLEDGED: return C_("event", "Force acknowledged");
    case WG_EV_ASSIGNMENT_EN_ROUTE: return C_("event", "Force en route");
    case WG_EV_ASSIGNMENT_ON_SCENE: return C_("event", "Force on scene");
    case WG_EV_ASSIGNMENT_CLEARED: return C_("event", "Force cleared");
    case WG_EV_ASSIGNMENT_CANCELLED: return C_("event", "Assignment cancelled");
    case WG_EV_UNIT_STATUS_CHANGED: return C_("event", "Unit status changed");
    case WG_EV_ROSTER_HANDED_OVER: return C_("event", "Duty handed over");
    case WG_EV_INCIDENT_MEDIATED: return C_("event", "Mediated in the grid");
    case WG_EV_INCIDENT_REGRADED: return C_("event", "Transferred to a department");
    case WG_EV_INCIDENT_REJECTION_REQUESTED: return C_("event", "Rejection requested");
    case WG_EV_INCIDENT_REJECTION_DENIED: return C_("event", "Rejection denied");
    case WG_EV_INCIDENT_EXTENSION_REQUESTED: return C_("event", "Extension requested");
    case WG_EV_INCIDENT_EXTENSION_DECLINED: return C_("event", "Extension declined");
    case WG_EV_INCIDENT_SUPERVISED: return C_("event", "Supervised");
    case WG_EV_INCIDENT_SUPERVISION_ANSWERED: return C_("event", "Supervision answered");
    case WG_EV_INCIDENT_CALLED_BACK: return C_("event", "Called back");
    case WG_EV_INCIDENT_REWORKED: return C_("event", "Sent back for rework");
    case WG_EV_INCIDENT_MERGED: return C_("event", "Merged into another case");
    case WG_EV_INCIDENT_DOWNGRADED: return C_("event", "Downgraded");
    case WG_N_EVENT_TYPES:
    default:
      return "";
    }
}

const char *
wg_command_label (WgCommandType type)
{
  switch (type)
    {
    case WG_CMD_INCIDENT_REPORT: return C_("command", "Report");
    case WG_CMD_INCIDENT_HANDLE_ON_SPOT: return C_("command", "Handle on the Spot");
    case WG_CMD_INCIDENT_ROUTE: return C_("command", "Route…");
    case WG_CMD_INCIDENT_ACCEPT: return C_("command", "Accept");
    case WG_CMD_INCIDENT_REJECT: return C_("command", "Reject…");
    case WG_CMD_INCIDENT_FEEDBACK: return C_("command", "Give Feedback…");
    case WG_CMD_INCIDENT_VERIFY: return C_("command", "Verify…");
    case WG_CMD_INCIDENT_EXTEND: return C_("command", "Extend…");
    case WG_CMD_INCIDENT_SUSPEND: return C_("command", "Suspend…");
    case WG_CMD_INCIDENT_RESUME: return C_("command", "Resume…");
    case WG_CMD_INCIDENT_RESOLVE: return C_("command", "Resolve…");
    case WG_CMD_INCIDENT_CLOSE: return C_("command", "Close…");
    case WG_CMD_INCIDENT_UPGRADE: return C_("command", "Upgrade…");
    case WG_CMD_INCIDENT_ESCALATE: return C_("command", "Escalate…");
    case WG_CMD_INCIDENT_CANCEL: return C_("command", "Cancel…");
    case WG_CMD_INCIDENT_NOTE: return C_("command", "Add Note");
    case WG_CMD_ALARM_ACKNOWLEDGE: return C_("command", "Acknowledge");
    case WG_CMD_DISPATCH_ASSIGN: return C_("command", "Dispatch…");
    case WG_CMD_ASSIGNMENT_ACKNOWLEDGE: return C_("command", "Acknowledged");
    case WG_CMD_ASSIGNMENT_EN_ROUTE: return C_("command", "En Route");
    case WG_CMD_ASSIGNMENT_ON_SCENE: return C_("command", "On Scene");
    case WG_CMD_ASSIGNMENT_CLEAR: return C_("command", "Clear");
    case WG_CMD_ASSIGNMENT_CANCEL: return C_("command", "Cancel Assignment");
    case WG_CMD_UNIT_STATUS: return C_("command", "Unit Status");
    case WG_CMD_ROSTER_HANDOVER: return C_("command", "Hand Over Duty…");
    case WG_CMD_INCIDENT_MEDIATE: return C_("command", "Mediate…");
    case WG_CMD_INCIDENT_REVIEW_REJECTION: return C_("command", "Review Rejection…");
    case WG_CMD_INCIDENT_REQUEST_EXTENSION: return C_("command", "Request Extension…");
    case WG_CMD_INCIDENT_DECLINE_EXTENSION: return C_("command", "Decline Extension…");
    case WG_CMD_INCIDENT_SUPERVISE: return C_("command", "Supervise…");
    case WG_CMD_INCIDENT_ANSWER_SUPERVISION: return C_("command", "Answer Supervision…");
    case WG_CMD_INCIDENT_CALL_BACK: return C_("command", "Call Back…");
    case WG_CMD_INCIDENT_MERGE: return C_("command", "Merge…");
    case WG_CMD_INCIDENT_DOWNGRADE: return C_("command", "Downgrade…");
    case WG_N_COMMAND_TYPES:
    default:
      return "";
    }
}

char *
wg_format_duration (gint64 ms)
{
  const char *sign = ms < 0 ? "−" : "";
  gint64 s = ABS (ms) / 1000;

  if (s < 60)
    /* TRANSLATORS: a duration in seconds */
    return g_strdup_printf (_("%s%ld s"), sign, (long) s);
  if (s < 3600)
    return g_strdup_printf ("%s%" G_GINT64_FORMAT ":%02" G_GINT64_FORMAT, sign, s / 60, s % 60);
  if (s < 86400)
    /* TRANSLATORS: hours and minutes */
    return g_strdup_printf (_("%s%ld h %02ld min"), sign, (long) (s / 3600), (long) ((s % 3600) / 60));
  /* TRANSLATORS: days and hours */
  return g_strdup_printf (_("%s%ld d %ld h"), sign, (long) (s / 86400), (long) ((s % 86400) / 3600));
}

char *
wg_format_time_of_day (gint64     utc_ms,
                       GTimeZone *zone)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (utc_ms / 1000);
  g_autoptr(GDateTime) local = NULL;

  if (utc == NULL)
    return g_strdup ("");
  local = zone != NULL ? g_date_time_to_timezone (utc, zone) : g_date_time_to_local (utc);
  return g_date_time_format (local, "%H:%M:%S");
}

void
wg_widget_set_css_variant (GtkWidget  *widget,
                           const char *prefix,
                           const char *css_class)
{
  g_auto(GStrv) classes = gtk_widget_get_css_classes (widget);

  for (guint i = 0; classes[i] != NULL; i++)
    if (g_str_has_prefix (classes[i], prefix) && g_strcmp0 (classes[i], css_class) != 0)
      gtk_widget_remove_css_class (widget, classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (widget, css_class);
}

void
wg_prefer_cairo_on_software_gl (GdkDisplay *display)
{
  g_autoptr(GdkGLContext) context = NULL;
  const char *renderer;
  gboolean software;

  g_return_if_fail (GDK_IS_DISPLAY (display));

  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  context = gdk_display_create_gl_context (display, NULL);
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    return;
  gdk_gl_context_make_current (context);
  renderer = (const char *) glGetString (GL_RENDERER);
  g_debug ("OpenGL renderer: %s", renderer);
  software = renderer != NULL
             && (strstr (renderer, "llvmpipe") != NULL || strstr (renderer, "softpipe") != NULL
                 || strstr (renderer, "SWR") != NULL);
  if (software)
    g_setenv ("GSK_RENDERER", "cairo", TRUE);
  wg_renderer_choice_remember (software, renderer);
  gdk_gl_context_clear_current ();
}
