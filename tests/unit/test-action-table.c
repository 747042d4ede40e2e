/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Actions that fit the moment: per incident state and role, the buttons the
 * detail sheet shows (the action table, less what the role or state does
 * not allow) and what goes to the menu.  docs/console.md has the table.
 */
#include "config.h"

#include "wg-action-table.h"
#include "wg-context.h"
#include "wg-incident-actions.h"

static WgReference *reference;

typedef struct {
  const char      *what;
  const char      *user;
  WgRole           role;
  WgGrade          grade;
  WgIncidentState  state;
  WgAlarmState     alarm;
  const char      *buttons;   /* space-separated, in order */
  const char      *in_menu;   /* some of the menu's, space-separated */
  const char      *nowhere;   /* neither button nor menu */
  /* The work-order cycle's state of the case; NULL/FALSE: none. */
  const char      *category;
  const char      *mediation;
  gboolean         call_back_required;
  const char      *call_back;          /* satisfaction */
  const char      *supervision;        /* level of the notice waiting */
  gboolean         extension_requested;
} Case;

static const Case cases[] = {
  { "unacknowledged emergency/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_EMERGENCY, WG_STATE_REPORTED, WG_ALARM_RAISED,
    "acknowledge dispatch", "escalate note cancel", "close resolve route accept" },
  { "escalated alarm/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_EMERGENCY, WG_STATE_REPORTED, WG_ALARM_ESCALATED,
    "acknowledge dispatch", "note", "close" },
  /* Only the duty leader acknowledges: the dispatcher still dispatches. */
  { "unacknowledged emergency/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_EMERGENCY, WG_STATE_REPORTED, WG_ALARM_RAISED,
    "dispatch", "note", "acknowledge close" },
  { "acknowledged emergency/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_EMERGENCY, WG_STATE_REPORTED, WG_ALARM_ACKNOWLEDGED,
    "dispatch escalate", "note cancel", "acknowledge close" },
  { "dispatched/unacknowledged/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_EMERGENCY, WG_STATE_DISPATCHED, WG_ALARM_RAISED,
    "acknowledge dispatch", "note", "close" },
  { "dispatched/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_EMERGENCY, WG_STATE_DISPATCHED, WG_ALARM_ACKNOWLEDGED,
    "dispatch resolve", "note", "acknowledge" },
  { "on scene/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_EMERGENCY, WG_STATE_ON_SCENE, WG_ALARM_ACKNOWLEDGED,
    "resolve dispatch", "note", "acknowledge" },
  { "resolved emergency/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_EMERGENCY, WG_STATE_RESOLVED, WG_ALARM_ACKNOWLEDGED,
    "close route", "note", "dispatch acknowledge" },
  { "reported professional/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_PROFESSIONAL, WG_STATE_REPORTED, WG_ALARM_NONE,
    "route upgrade", "note cancel", "dispatch acknowledge accept handle-on-spot" },
  { "routed/the department", "dept-urban", WG_ROLE_DEPARTMENT,
    WG_GRADE_PROFESSIONAL, WG_STATE_ROUTED, WG_ALARM_NONE,
    "accept reject", "note", "route close cancel" },
  { "accepted/the department", "dept-urban", WG_ROLE_DEPARTMENT,
    WG_GRADE_PROFESSIONAL, WG_STATE_ACCEPTED, WG_ALARM_NONE,
    "feedback note", "", "accept route" },
  { "routed/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_PROFESSIONAL, WG_STATE_ROUTED, WG_ALARM_NONE,
    "extend supervise note", "cancel merge", "accept feedback decline-extension" },
  { "feedback given/grid worker", "worker-17", WG_ROLE_GRID_WORKER,
    WG_GRADE_PROFESSIONAL, WG_STATE_FEEDBACK_GIVEN, WG_ALARM_NONE,
    "verify", "note", "close route" },
  { "verified/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_PROFESSIONAL, WG_STATE_VERIFIED, WG_ALARM_NONE,
    "call-back close", "note merge", "verify accept" },
  /* A hotline case closes after a satisfied call-back only. */
  { "verified hotline/not called back", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_PROFESSIONAL, WG_STATE_VERIFIED, WG_ALARM_NONE,
    "call-back", "note", "close", NULL, NULL, TRUE, NULL },
  { "verified hotline/basically satisfied", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_PROFESSIONAL, WG_STATE_VERIFIED, WG_ALARM_NONE,
    "call-back close", "note", "", NULL, NULL, TRUE, "basically_satisfied" },
  { "verified hotline/unsatisfied", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_PROFESSIONAL, WG_STATE_VERIFIED, WG_ALARM_NONE,
    "call-back", "note", "close", NULL, NULL, TRUE, "unsatisfied" },
  { "verified/the department", "dept-urban", WG_ROLE_DEPARTMENT,
    WG_GRADE_PROFESSIONAL, WG_STATE_VERIFIED, WG_ALARM_NONE,
    "note", "", "call-back close" },
  { "mediated dispute/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_PROFESSIONAL, WG_STATE_RESOLVED, WG_ALARM_NONE,
    "call-back close", "note", "", "dispute_neighbour", "mediated" },
  { "rejection pending/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_PROFESSIONAL, WG_STATE_REJECTION_PENDING, WG_ALARM_NONE,
    "review-rejection supervise", "note merge", "route accept" },
  { "rejection pending/the department", "dept-urban", WG_ROLE_DEPARTMENT,
    WG_GRADE_PROFESSIONAL, WG_STATE_REJECTION_PENDING, WG_ALARM_NONE,
    "note", "", "review-rejection accept" },
  { "supervised routed/the department", "dept-urban", WG_ROLE_DEPARTMENT,
    WG_GRADE_PROFESSIONAL, WG_STATE_ROUTED, WG_ALARM_NONE,
    "answer-supervision accept reject", "note request-extension", "supervise",
    NULL, NULL, FALSE, NULL, "urge" },
  { "supervised accepted/the department", "dept-urban", WG_ROLE_DEPARTMENT,
    WG_GRADE_PROFESSIONAL, WG_STATE_ACCEPTED, WG_ALARM_NONE,
    "answer-supervision feedback note", "request-extension", "supervise",
    NULL, NULL, FALSE, NULL, "supervise" },
  { "extension asked/the department", "dept-urban", WG_ROLE_DEPARTMENT,
    WG_GRADE_PROFESSIONAL, WG_STATE_ACCEPTED, WG_ALARM_NONE,
    "feedback note", "", "request-extension decline-extension answer-supervision",
    NULL, NULL, FALSE, NULL, NULL, TRUE },
  { "extension asked/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_PROFESSIONAL, WG_STATE_ACCEPTED, WG_ALARM_NONE,
    "extend supervise note", "decline-extension merge", "request-extension answer-supervision",
    NULL, NULL, FALSE, NULL, NULL, TRUE },
  { "reported dispute/grid worker", "worker-17", WG_ROLE_GRID_WORKER,
    WG_GRADE_PROFESSIONAL, WG_STATE_REPORTED, WG_ALARM_NONE,
    "mediate upgrade", "note", "route", "dispute_neighbour" },
  { "reported dispute/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_PROFESSIONAL, WG_STATE_REPORTED, WG_ALARM_NONE,
    "mediate upgrade", "note merge", "route", "dispute_neighbour" },
  { "mediation failed/dispatcher", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_PROFESSIONAL, WG_STATE_REPORTED, WG_ALARM_NONE,
    "route upgrade", "note", "mediate", "dispute_neighbour", "failed" },
  { "acknowledged emergency/downgrade", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_EMERGENCY, WG_STATE_DISPATCHED, WG_ALARM_ACKNOWLEDGED,
    "dispatch resolve", "downgrade merge", "" },
  { "emergency/dispatcher cannot downgrade", "dispatcher", WG_ROLE_DISPATCHER,
    WG_GRADE_EMERGENCY, WG_STATE_DISPATCHED, WG_ALARM_ACKNOWLEDGED,
    "dispatch resolve", "merge", "downgrade" },
  { "rejected/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_PROFESSIONAL, WG_STATE_REJECTED, WG_ALARM_NONE,
    "route", "note", "accept" },
  { "suspended/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_PROFESSIONAL, WG_STATE_SUSPENDED, WG_ALARM_NONE,
    "resume", "note", "suspend" },
  { "reported general/grid worker", "worker-17", WG_ROLE_GRID_WORKER,
    WG_GRADE_GENERAL, WG_STATE_REPORTED, WG_ALARM_NONE,
    "handle-on-spot upgrade", "note", "dispatch route close mediate" },
  /* Closed: nothing to press (a note, where allowed, is in the menu). */
  { "closed/duty leader", "leader", WG_ROLE_DUTY_LEADER,
    WG_GRADE_PROFESSIONAL, WG_STATE_CLOSED, WG_ALARM_NONE,
    "", "", "close cancel dispatch route" },
  { "emergency/wall", "wall", WG_ROLE_WALL,
    WG_GRADE_EMERGENCY, WG_STATE_REPORTED, WG_ALARM_RAISED,
    "", "", "acknowledge dispatch note" },
};

static char *
names (GPtrArray *entries)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; i < entries->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? " " : "",
                            ((const WgIncidentActionEntry *) entries->pdata[i])->name);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
listed (GPtrArray  *entries,
        const char *name)
{
  for (guint i = 0; i < entries->len; i++)
    if (g_str_equal (((const WgIncidentActionEntry *) entries->pdata[i])->name, name))
      return TRUE;
  return FALSE;
}

static void
test_per_state_and_role (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(GPtrArray) primary = g_ptr_array_new ();
  g_autoptr(GPtrArray) more = g_ptr_array_new ();
  g_autofree char *shown = NULL;
  g_auto(GStrv) in_menu = g_strsplit (c->in_menu, " ", -1);
  g_auto(GStrv) nowhere = g_strsplit (c->nowhere, " ", -1);
  WgIncidentRecord record = {
    .id = (char *) "i-1", .grade = c->grade, .state = c->state, .alarm = c->alarm,
    .grid = (char *) "HL-17", .department = (char *) "urban", .step = -1,
    .escalation_level = -1, .category = (char *) c->category, .mediation = (char *) c->mediation,
    .call_back_required = c->call_back_required, .call_back = -1, .supervision = -1,
    .extension_requested = c->extension_requested ? G_GINT64_CONSTANT (1800000000000) : 0,
  };
  WgSatisfaction satisfaction;
  WgSupervisionLevel level;

  if (c->call_back != NULL)
    {
      g_assert_true (wg_satisfaction_from_string (c->call_back, &satisfaction));
      record.call_back = satisfaction;
    }
  if (c->supervision != NULL)
    {
      g_assert_true (wg_supervision_level_from_string (c->supervision, &level));
      record.supervision = level;
    }

  actor = wg_actor_new (c->user, c->role,
                        c->role == WG_ROLE_GRID_WORKER ? "HL-17" : NULL,
                        c->role == WG_ROLE_DEPARTMENT ? "urban" : NULL, NULL);
  wg_incident_actions_split (actor, reference, &record, primary, more);

  shown = names (primary);
  g_assert_cmpstr (shown, ==, c->buttons);
  g_assert_cmpuint (primary->len, <=, WG_ACTION_TABLE_MAX_PRIMARY);
  for (guint i = 0; in_menu[i] != NULL; i++)
    if (*in_menu[i] != '\0')
      g_assert_true (listed (more, in_menu[i]));
  for (guint i = 0; nowhere[i] != NULL; i++)
    if (*nowhere[i] != '\0')
      {
        g_assert_false (listed (primary, nowhere[i]));
        g_assert_false (listed (more, nowhere[i]));
      }
  /* Nothing twice. */
  for (guint i = 0; i < primary->len; i++)
    g_assert_false (g_ptr_array_find (more, primary->pdata[i], NULL));
}

/* Every name in the table is an action, and every action has a key. */
static void
test_table_names_actions (void)
{
  guint n;
  const WgIncidentActionEntry *entries = wg_incident_actions_list (&n);

  for (guint i = 0; i < n; i++)
    {
      guint key = 0;
      GdkModifierType mods;

      g_assert_true (gtk_accelerator_parse (entries[i].accel, &key, &mods));
      g_assert_cmpuint (key, !=, 0);
    }
  for (WgRole role = 0; role < WG_N_ROLES; role++)
    for (WgGrade grade = 0; grade < WG_N_GRADES; grade++)
      for (WgIncidentState state = 0; state < WG_N_STATES; state++)
        for (WgAlarmState alarm = 0; alarm < WG_N_ALARM_STATES; alarm++)
          {
            const char * const *primary = wg_action_table_primary (role, grade, state, alarm);
            guint k;

            for (k = 0; primary[k] != NULL; k++)
              {
                gboolean found = FALSE;

                for (guint i = 0; i < n && !found; i++)
                  found = g_str_equal (entries[i].name, primary[k]);
                g_assert_true (found);
              }
            g_assert_cmpuint (k, <=, WG_ACTION_TABLE_MAX_PRIMARY);
          }
}

/* No one selected, nobody logged in: nothing. */
static void
test_nothing (void)
{
  g_autoptr(GPtrArray) primary = g_ptr_array_new ();
  g_autoptr(GPtrArray) more = g_ptr_array_new ();
  g_autoptr(WgActor) actor = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);

  wg_incident_actions_split (actor, reference, NULL, primary, more);
  wg_incident_actions_split (NULL, reference, NULL, primary, more);
  g_assert_cmpuint (primary->len + more->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  reference = wg_context_load_demo_reference (&error);
  g_assert_no_error (error);

  g_test_add_func ("/action-table/names-actions", test_table_names_actions);
  g_test_add_func ("/action-table/nothing", test_nothing);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/action-table/%s", cases[i].what);

      g_strdelimit (path, " ", '-');
      g_test_add_data_func (path, &cases[i], test_per_state_and_role);
    }
  status = g_test_run ();
  g_object_unref (reference);
  return status;
}
