/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-incident-actions"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wg-console-util.h"
#include "wg-decide.h"
#include "wg-dispatch-dialog.h"
#include "wg-action-table.h"
#include "wg-incident-actions.h"

struct _WgIncidentActions
{
  GObject             parent_instance;

  WgContext          *context;
  WgIncidentModel    *model;
  GSimpleActionGroup *group;
  GtkWindow          *parent;       /* weak */
  GHashTable         *reasons;      /* action name -> reason (owned) */
  char               *incident;     /* the selected incident's id */
};

G_DEFINE_FINAL_TYPE (WgIncidentActions, wg_incident_actions, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Display order; the key is bound by the window and shown in the detail
 * sheet's menu.  Acknowledge's A goes to the window's win.acknowledge:
 * the banner's alarm first, else the selected incident's. */
static const WgIncidentActionEntry entries[] = {
  { "acknowledge", WG_CMD_ALARM_ACKNOWLEDGE, "a" },
  { "dispatch", WG_CMD_DISPATCH_ASSIGN, "d" },
  { "route", WG_CMD_INCIDENT_ROUTE, "r" },
  { "handle-on-spot", WG_CMD_INCIDENT_HANDLE_ON_SPOT, "h" },
  { "accept", WG_CMD_INCIDENT_ACCEPT, "<Shift>a" },
  { "reject", WG_CMD_INCIDENT_REJECT, "<Shift>j" },
  { "feedback", WG_CMD_INCIDENT_FEEDBACK, "f" },
  { "verify", WG_CMD_INCIDENT_VERIFY, "v" },
  { "resolve", WG_CMD_INCIDENT_RESOLVE, "s" },
  { "upgrade", WG_CMD_INCIDENT_UPGRADE, "u" },
  { "escalate", WG_CMD_INCIDENT_ESCALATE, "e" },
  { "extend", WG_CMD_INCIDENT_EXTEND, "<Shift>d" },
  { "suspend", WG_CMD_INCIDENT_SUSPEND, "<Shift>s" },
  { "resume", WG_CMD_INCIDENT_RESUME, "<Shift>u" },
  { "note", WG_CMD_INCIDENT_NOTE, "n" },
  { "close", WG_CMD_INCIDENT_CLOSE, "<Shift>c" },
  { "cancel", WG_CMD_INCIDENT_CANCEL, "<Shift>x" },
  /* The full work-order cycle */
  { "call-back", WG_CMD_INCIDENT_CALL_BACK, "b" },
  { "review-rejection", WG_CMD_INCIDENT_REVIEW_REJECTION, "<Shift>r" },
  { "mediate", WG_CMD_INCIDENT_MEDIATE, "<Shift>m" },
  { "supervise", WG_CMD_INCIDENT_SUPERVISE, "<Shift>p" },
  { "answer-supervision", WG_CMD_INCIDENT_ANSWER_SUPERVISION, "<Shift>w" },
  { "request-extension", WG_CMD_INCIDENT_REQUEST_EXTENSION, "<Shift>e" },
  { "decline-extension", WG_CMD_INCIDENT_DECLINE_EXTENSION, "<Shift>n" },
  { "merge", WG_CMD_INCIDENT_MERGE, "<Shift>g" },
  { "downgrade", WG_CMD_INCIDENT_DOWNGRADE, "<Shift>o" },
};

const WgIncidentActionEntry *
wg_incident_actions_list (guint *n_entries)
{
  *n_entries = G_N_ELEMENTS (entries);
  return entries;
}

static const WgIncidentActionEntry *
lookup_entry (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    if (g_str_equal (entries[i].name, name))
      return &entries[i];
  return NULL;
}

static WgScope
actor_scope (const WgActor          *actor,
             WgReference            *reference,
             const WgIncidentRecord *record)
{
  WgScope scope = WG_SCOPE_NONE;

  if (actor->grid != NULL && record->grid != NULL)
    {
      WgGrid *mine = wg_reference_lookup_grid (reference, actor->grid);
      WgGrid *theirs = wg_reference_lookup_grid (reference, record->grid);

      if (g_strcmp0 (actor->grid, record->grid) == 0 ||
          (mine != NULL && theirs != NULL && wg_grid_is_within (theirs, mine)))
        scope |= WG_SCOPE_OWN_GRID;
    }
  if (actor->department != NULL && g_strcmp0 (actor->department, record->department) == 0)
    scope |= WG_SCOPE_OWN_DEPT;
  return scope;
}

/* What the engine checks beyond role and state (protocol.md, "The full
 * work-order cycle"), so that the console does not offer what it would
 * refuse. */
static gboolean
cycle_allows (WgCommandType           command,
              WgReference            *reference,
              const WgIncidentRecord *record,
              char                  **reason)
{
  switch (command)
    {
    case WG_CMD_INCIDENT_CLOSE:
      if (record->call_back_required
          && record->call_back != WG_SATISFACTION_SATISFIED
          && record->call_back != WG_SATISFACTION_BASICALLY_SATISFIED)
        {
          *reason = g_strdup (_("The resident must be called back and satisfied first"));
          return FALSE;
        }
      break;
    case WG_CMD_INCIDENT_ANSWER_SUPERVISION:
      if (record->supervision < 0)
        {
          *reason = g_strdup (_("There is no supervision notice to answer"));
          return FALSE;
        }
      break;
    case WG_CMD_INCIDENT_DECLINE_EXTENSION:
      if (record->extension_requested == 0)
        {
          *reason = g_strdup (_("No extension was requested"));
          return FALSE;
        }
      break;
    case WG_CMD_INCIDENT_REQUEST_EXTENSION:
      if (record->extension_requested != 0)
        {
          *reason = g_strdup (_("An extension request is waiting for the centre"));
          return FALSE;
        }
      break;
    case WG_CMD_INCIDENT_ROUTE:
      {
        WgCategory *category = record->category != NULL
                               ? wg_reference_lookup_category (reference, record->category) : NULL;

        if (record->state == WG_STATE_REPORTED && category != NULL && category->mediate_first
            && g_strcmp0 (record->mediation, "failed") != 0)
          {
            *reason = g_strdup (_("Mediate it in the grid first"));
            return FALSE;
          }
      }
      break;
    case WG_CMD_INCIDENT_MEDIATE:
      {
        WgCategory *category = record->category != NULL
                               ? wg_reference_lookup_category (reference, record->category) : NULL;

        if (category == NULL || !category->mediate_first || g_strcmp0 (record->mediation, "failed") == 0)
          {
            *reason = g_strdup (_("Only disputes not yet mediated in the grid"));
            return FALSE;
          }
      }
      break;
    default:
      break;
    }
  return TRUE;
}

gboolean
wg_incident_command_allowed (WgCommandType           command,
                             const WgActor          *actor,
                             WgReference            *reference,
                             const WgIncidentRecord *record,
                             char                  **reason)
{
  g_return_val_if_fail (reason != NULL, FALSE);

  *reason = NULL;
  if (actor == NULL)
    {
      *reason = g_strdup (_("Nobody is logged in"));
      return FALSE;
    }
  if (record == NULL)
    {
      *reason = g_strdup (_("No incident is selected"));
      return FALSE;
    }
  if (!wg_decide_role_may (command, actor->role, actor_scope (actor, reference, record)))
    {
      if (wg_decide_role_may (command, actor->role, WG_SCOPE_OWN_GRID | WG_SCOPE_OWN_DEPT))
        *reason = g_strdup (_("Only for incidents of your own grid or department"));
      else
        /* TRANSLATORS: %s is a role, e.g. "Dispatcher" */
        *reason = g_strdup_printf (_("Not for your role (%s)"), wg_role_label (actor->role));
      return FALSE;
    }
  if (!wg_decide_incident_legal (command, record->grade, record->state, record->alarm))
    {
      if (command == WG_CMD_ALARM_ACKNOWLEDGE)
        *reason = g_strdup (_("There is no unacknowledged alarm"));
      else
        /* TRANSLATORS: %s is an incident state, e.g. "Closed" */
        *reason = g_strdup_printf (_("Not possible while the incident is %s"),
                                   wg_incident_state_label (record->state));
      return FALSE;
    }
  return cycle_allows (command, reference, record, reason);
}

void
wg_incident_actions_refresh (WgIncidentActions *self)
{
  WgIncidentItem *item;
  const WgIncidentRecord *record = NULL;

  g_return_if_fail (WG_IS_INCIDENT_ACTIONS (self));

  item = wg_incident_model_lookup (self->model, self->incident);
  if (item != NULL)
    record = wg_incident_item_get_record (item);

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->group), entries[i].name);
      char *reason = NULL;
      gboolean allowed = FALSE;

      if (wg_context_get_read_only (self->context))
        reason = g_strdup (_("Replay shows the past: no command can be sent from it"));
      else
        allowed = wg_incident_command_allowed (entries[i].command,
                                               wg_context_get_actor (self->context),
                                               wg_context_get_reference (self->context),
                                               record, &reason);

      if (reason != NULL)
        g_hash_table_replace (self->reasons, (gpointer) entries[i].name, reason);
      else
        g_hash_table_remove (self->reasons, entries[i].name);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action), allowed);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

void
wg_incident_actions_split (const WgActor          *actor,
                           WgReference            *reference,
                           const WgIncidentRecord *record,
                           GPtrArray              *primary,
                           GPtrArray              *more)
{
  gboolean allowed[G_N_ELEMENTS (entries)];
  const char * const *names;

  g_return_if_fail (primary != NULL && more != NULL);

  if (actor == NULL || record == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autofree char *reason = NULL;

      allowed[i] = wg_incident_command_allowed (entries[i].command, actor, reference, record, &reason);
    }
  names = wg_action_table_primary (actor->role, record->grade, record->state, record->alarm);
  for (guint i = 0; names[i] != NULL; i++)
    {
      const WgIncidentActionEntry *entry = lookup_entry (names[i]);

      g_assert (entry != NULL);
      if (allowed[entry - entries])
        g_ptr_array_add (primary, (gpointer) entry);
    }
  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    if (allowed[i] && !g_ptr_array_find (primary, &entries[i], NULL))
      g_ptr_array_add (more, (gpointer) &entries[i]);
}

void
wg_incident_actions_get_shown (WgIncidentActions *self,
                               GPtrArray         *primary,
                               GPtrArray         *more)
{
  WgIncidentItem *item;

  g_return_if_fail (WG_IS_INCIDENT_ACTIONS (self));

  if (wg_context_get_read_only (self->context))
    return;
  item = wg_incident_model_lookup (self->model, self->incident);
  wg_incident_actions_split (wg_context_get_actor (self->context),
                             wg_context_get_reference (self->context),
                             item != NULL ? wg_incident_item_get_record (item) : NULL,
                             primary, more);
}

const char *
wg_incident_actions_get_reason (WgIncidentActions *self,
                                const char        *action_name)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ACTIONS (self), NULL);
  return g_hash_table_lookup (self->reasons, action_name);
}

/* Sending */

static void
show_not_sent (WgIncidentActions *self,
               const char        *message)
{
  GtkWidget *dialog = adw_message_dialog_new (self->parent, _("Not Sent"), message);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "ok", _("_OK"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
send_command (WgIncidentActions *self,
              WgCommandType      command,
              JsonObject        *body)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = wg_context_send (self->context, command, body, &error);

  if (id == NULL)
    show_not_sent (self, error->message);
}

/* The id of the incident numbered @case_number, or NULL. */
static const char *
find_case (WgIncidentModel *model,
           const char      *case_number)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      const WgIncidentRecord *record = wg_incident_item_get_record (item);

      if (g_strcmp0 (record->case_number, case_number) == 0)
        return record->id;
    }
  return NULL;
}

static JsonObject *
incident_body (const char *incident)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "incident", incident);
  return body;
}

/* Dialogs asking for what a command needs */

typedef struct {
  WgIncidentActions *self;
  WgCommandType      command;
  char              *incident;
  GtkDropDown       *choice;
  GPtrArray         *codes;       /* char*, parallel to the choice */
  GtkEntry          *text;
  const char        *choice_key;  /* body member of the choice */
  const char        *text_key;    /* body member of the text */
  gboolean           text_required;
} Ask;

static void
ask_free (Ask *ask)
{
  g_clear_object (&ask->self);
  g_free (ask->incident);
  g_clear_pointer (&ask->codes, g_ptr_array_unref);
  g_free (ask);
}

static void
ask_response_cb (AdwMessageDialog *dialog,
                 const char       *response,
                 Ask              *ask)
{
  g_autoptr(JsonObject) body = NULL;
  const char *text = ask->text != NULL ? gtk_editable_get_text (GTK_EDITABLE (ask->text)) : NULL;

  if (!g_str_equal (response, "apply"))
    return;

  body = incident_body (ask->incident);
  if (ask->choice != NULL)
    {
      guint i = gtk_drop_down_get_selected (ask->choice);
      const char *code = i < ask->codes->len ? ask->codes->pdata[i] : NULL;

      if (ask->command == WG_CMD_INCIDENT_VERIFY)
        json_object_set_boolean_member (body, "passed", g_strcmp0 (code, "passed") == 0);
      else if (ask->command == WG_CMD_INCIDENT_EXTEND)
        {
          gint64 hours = g_ascii_strtoll (code, NULL, 10);
          json_object_set_int_member (body, "deadline",
                                      wg_context_now_ms (ask->self->context) + hours * 3600 * 1000);
        }
      else if (ask->command == WG_CMD_INCIDENT_REQUEST_EXTENSION)
        {
          /* Asked for beyond the current deadline, as the engine wants it. */
          WgIncidentItem *item = wg_incident_model_lookup (ask->self->model, ask->incident);
          gint64 base = wg_context_now_ms (ask->self->context);
          gint64 hours = g_ascii_strtoll (code, NULL, 10);

          if (item != NULL)
            base = MAX (base, wg_incident_item_get_record (item)->deadline);
          json_object_set_int_member (body, "deadline", base + hours * 3600 * 1000);
        }
      else if (ask->command == WG_CMD_INCIDENT_REVIEW_REJECTION)
        json_object_set_boolean_member (body, "approve", g_strcmp0 (code, "approve") == 0);
      else if (ask->command == WG_CMD_INCIDENT_DOWNGRADE && g_strcmp0 (code, "false_alarm") == 0)
        {
          json_object_set_string_member (body, "to", "general");
          json_object_set_boolean_member (body, "false_alarm", TRUE);
        }
      else if (code != NULL)
        json_object_set_string_member (body, ask->choice_key, code);
    }
  if (ask->command == WG_CMD_INCIDENT_MERGE)
    {
      g_autofree char *case_number = g_strstrip (g_strdup (text));
      const char *into = find_case (ask->self->model, case_number);
      g_autofree char *reason = NULL;

      if (into == NULL)
        {
          /* TRANSLATORS: %s is the case number the user typed */
          g_autofree char *message = g_strdup_printf (_("No case has the number %s."), case_number);

          show_not_sent (ask->self, message);
          return;
        }
      /* TRANSLATORS: the reason of a merge; %s is the other case's number */
      reason = g_strdup_printf (_("Same matter as %s"), case_number);
      json_object_set_string_member (body, "into", into);
      json_object_set_string_member (body, "reason", reason);
    }
  else if (ask->text_key != NULL && text != NULL && *text != '\0')
    json_object_set_string_member (body, ask->text_key, text);
  else if (ask->text_key != NULL && ask->text_required)
    json_object_set_string_member (body, ask->text_key, wg_command_label (ask->command));

  send_command (ask->self, ask->command, body);
}

static void
entry_changed_cb (GtkEditable      *entry,
                  AdwMessageDialog *dialog)
{
  const char *text = gtk_editable_get_text (entry);

  adw_message_dialog_set_response_enabled (dialog, "apply", text != NULL && *text != '\0');
}

static void
ask (WgIncidentActions *self,
     WgCommandType      command,
     const char        *heading,
     const char        *body_text,
     const char        *apply_label,
     gboolean           destructive,
     const char        *choice_key,
     GPtrArray         *codes,          /* taken */
     const char *const *labels,
     guint              selected,
     const char        *text_key,
     const char        *placeholder,
     gboolean           text_required)
{
  GtkWidget *dialog = adw_message_dialog_new (self->parent, heading, body_text);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  Ask *a = g_new0 (Ask, 1);

  a->self = g_object_ref (self);
  a->command = command;
  a->incident = g_strdup (self->incident);
  a->codes = codes;
  a->choice_key = choice_key;
  a->text_key = text_key;
  a->text_required = text_required;

  if (labels != NULL)
    {
      a->choice = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (labels));
      gtk_drop_down_set_selected (a->choice, selected);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (a->choice));
    }
  if (text_key != NULL)
    {
      a->text = GTK_ENTRY (gtk_entry_new ());
      gtk_entry_set_placeholder_text (a->text, placeholder);
      gtk_entry_set_activates_default (a->text, TRUE);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (a->text));
    }
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), box);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Back"),
                                    "apply", apply_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "apply",
                                              destructive ? ADW_RESPONSE_DESTRUCTIVE
                                                          : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "apply");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  if (a->text != NULL && text_required)
    {
      adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (dialog), "apply", FALSE);
      g_signal_connect_object (a->text, "changed", G_CALLBACK (entry_changed_cb), dialog, 0);
    }
  g_signal_connect_data (dialog, "response", G_CALLBACK (ask_response_cb), a,
                         (GClosureNotify) ask_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  if (a->text != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (a->text));
}

static GPtrArray *
strv_to_codes (const char *const *codes)
{
  GPtrArray *array = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; codes[i] != NULL; i++)
    g_ptr_array_add (array, g_strdup (codes[i]));
  return array;
}

static void
ask_route (WgIncidentActions      *self,
           const WgIncidentRecord *record)
{
  WgReference *reference = wg_context_get_reference (self->context);
  GPtrArray *departments = wg_reference_get_departments (reference);
  WgCategory *category = wg_reference_lookup_category (reference, record->category);
  GPtrArray *codes = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();
  guint selected = 0;

  for (guint i = 0; i < departments->len; i++)
    {
      WgDepartment *d = departments->pdata[i];

      g_ptr_array_add (codes, g_strdup (d->code));
      g_ptr_array_add (labels, (gpointer) wg_context_department_label (self->context, d->code));
      if (category != NULL && category->department == d)
        selected = i;
    }
  g_ptr_array_add (labels, NULL);
  ask (self, WG_CMD_INCIDENT_ROUTE, _("Route to a Department"),
       _("The department accepts it, handles it and gives feedback before the deadline."),
       _("_Route"), FALSE, "department", codes, (const char *const *) labels->pdata, selected,
       "instructions", _("Instructions (optional)"), FALSE);
}

static void
action_activated_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  WgIncidentActions *self = user_data;
  const WgIncidentActionEntry *entry = lookup_entry (g_action_get_name (G_ACTION (action)));
  WgIncidentItem *item = wg_incident_model_lookup (self->model, self->incident);
  const WgIncidentRecord *record;

  if (entry == NULL || item == NULL)
    return;
  record = wg_incident_item_get_record (item);

  switch (entry->command)
    {
    case WG_CMD_ALARM_ACKNOWLEDGE:
    case WG_CMD_INCIDENT_ACCEPT:
      {
        g_autoptr(JsonObject) body = incident_body (self->incident);
        send_command (self, entry->command, body);
      }
      break;
    case WG_CMD_DISPATCH_ASSIGN:
      {
        GtkWidget *dialog = wg_dispatch_dialog_new (self->context, self->incident);

        gtk_window_set_transient_for (GTK_WINDOW (dialog), self->parent);
        gtk_window_present (GTK_WINDOW (dialog));
      }
      break;
    case WG_CMD_INCIDENT_ROUTE:
      ask_route (self, record);
      break;
    case WG_CMD_INCIDENT_HANDLE_ON_SPOT:
      ask (self, entry->command, _("Handle on the Spot"), NULL, _("_Handle"), FALSE,
           NULL, NULL, NULL, 0, "resolution", _("What was done"), TRUE);
      break;
    case WG_CMD_INCIDENT_REJECT:
      ask (self, entry->command, _("Reject"), _("The incident goes back to the dispatcher to be routed again."),
           _("_Reject"), TRUE, NULL, NULL, NULL, 0, "reason", _("Why it is not yours"), TRUE);
      break;
    case WG_CMD_INCIDENT_FEEDBACK:
      {
        static const char *codes[] = { "resolved", "partly", "unresolved", "mediated",
                                       "mediation_failed", NULL };
        const char *labels[] = { _("Resolved"), _("Partly resolved"), _("Unresolved"),
                                 _("Mediated"), _("Mediation failed"), NULL };

        ask (self, entry->command, _("Give Feedback"), NULL, _("_Send"), FALSE, "outcome",
             strv_to_codes (codes), labels, 0, "result", _("Result"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_VERIFY:
      {
        static const char *codes[] = { "passed", "failed", NULL };
        const char *labels[] = { _("Verified on site"), _("Not done: back to the department"), NULL };

        ask (self, entry->command, _("Verify"), NULL, _("_Verify"), FALSE, "passed",
             strv_to_codes (codes), labels, 0, "remark", _("Remark (optional)"), FALSE);
      }
      break;
    case WG_CMD_INCIDENT_EXTEND:
      {
        static const char *codes[] = { "1", "4", "24", "72", NULL };
        const char *labels[] = { _("One more hour"), _("Four more hours"), _("One more day"),
                                 _("Three more days"), NULL };

        ask (self, entry->command, _("Extend the Deadline"), NULL, _("_Extend"), FALSE,
             "deadline", strv_to_codes (codes), labels, 2, "reason", _("Reason"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_SUSPEND:
      ask (self, entry->command, _("Suspend"), _("Deadlines stop while it is suspended."),
           _("_Suspend"), FALSE, NULL, NULL, NULL, 0, "reason", _("Reason"), TRUE);
      break;
    case WG_CMD_INCIDENT_RESUME:
      ask (self, entry->command, _("Resume"), NULL, _("_Resume"), FALSE, NULL, NULL, NULL, 0,
           "reason", _("Reason"), TRUE);
      break;
    case WG_CMD_INCIDENT_RESOLVE:
      ask (self, entry->command, _("Resolve"), _("The emergency is over; follow-up can be routed."),
           _("_Resolve"), FALSE, NULL, NULL, NULL, 0, "summary", _("What was done"), TRUE);
      break;
    case WG_CMD_INCIDENT_UPGRADE:
      ask (self, entry->command, _("Upgrade to Emergency"),
           _("The alarm goes to the duty leader and forces can be dispatched."),
           _("_Upgrade"), TRUE, NULL, NULL, NULL, 0, "reason", _("Why it is an emergency now"), TRUE);
      break;
    case WG_CMD_INCIDENT_ESCALATE:
      {
        static const char *codes[] = { "station", "centre", "district", NULL };
        const char *labels[] = { _("Work station"), _("Grid centre"), _("District"), NULL };

        ask (self, entry->command, _("Escalate"), NULL, _("_Escalate"), FALSE, "level",
             strv_to_codes (codes), labels, 1, "reason", _("Reason"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_NOTE:
      ask (self, entry->command, _("Add a Note"), NULL, _("_Add"), FALSE, NULL, NULL, NULL, 0,
           "text", _("Note"), TRUE);
      break;
    case WG_CMD_INCIDENT_CLOSE:
      {
        g_autofree char *text = g_strdup_printf (_("Close %s? Closing is final."), record->case_number);

        ask (self, entry->command, _("Close the Incident?"), text, _("_Close"), TRUE, NULL,
             NULL, NULL, 0, "remark", _("Remark (optional)"), FALSE);
      }
      break;
    case WG_CMD_INCIDENT_CANCEL:
      {
        g_autofree char *text = g_strdup_printf (_("Cancel %s? Its open assignments are cancelled too."),
                                                 record->case_number);

        ask (self, entry->command, _("Cancel the Incident?"), text, _("C_ancel Incident"), TRUE,
             NULL, NULL, NULL, 0, "reason", _("Reason"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_CALL_BACK:
      {
        static const char *codes[] = { "satisfied", "basically_satisfied", "unsatisfied", NULL };
        const char *labels[] = { C_("satisfaction", "Satisfied"), C_("satisfaction", "Basically satisfied"),
                                 _("Unsatisfied: the department does it again"), NULL };

        ask (self, entry->command, _("Call Back the Resident"),
             _("Ask the resident whether the matter is settled and how satisfied they are."),
             _("_Record"), FALSE, "satisfaction", strv_to_codes (codes), labels, 0,
             "remark", _("What the resident said"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_REVIEW_REJECTION:
      {
        static const char *codes[] = { "deny", "approve", NULL };
        const char *labels[] = { _("Deny: the department keeps the case"),
                                 _("Approve: route it again"), NULL };

        ask (self, entry->command, _("Review the Rejection"),
             _("The department asked to give the case back."), _("_Decide"), FALSE, "approve",
             strv_to_codes (codes), labels, 0, "remark", _("Remark (optional)"), FALSE);
      }
      break;
    case WG_CMD_INCIDENT_MEDIATE:
      {
        static const char *codes[] = { "mediated", "failed", NULL };
        const char *labels[] = { _("Mediated: the parties agreed"),
                                 _("Mediation failed: route to a department"), NULL };

        ask (self, entry->command, _("Mediate in the Grid"), NULL, _("_Record"), FALSE, "outcome",
             strv_to_codes (codes), labels, 0, "remark", _("What was agreed or why it failed"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_SUPERVISE:
      {
        static const char *codes[] = { "urge", "supervise", NULL };
        const char *labels[] = { _("Urge (a reminder)"), _("Supervise (a formal notice)"), NULL };

        ask (self, entry->command, _("Supervise the Department"),
             _("The department sees the notice until it answers."), _("_Send"), FALSE, "level",
             strv_to_codes (codes), labels, 0, "remark", _("What is expected"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_ANSWER_SUPERVISION:
      ask (self, entry->command, _("Answer the Supervision"), NULL, _("_Answer"), FALSE, NULL,
           NULL, NULL, 0, "text", _("What is being done and by when"), TRUE);
      break;
    case WG_CMD_INCIDENT_REQUEST_EXTENSION:
      {
        static const char *codes[] = { "24", "72", "168", NULL };
        const char *labels[] = { _("One more day"), _("Three more days"), _("One more week"), NULL };

        ask (self, entry->command, _("Request an Extension"),
             _("The centre approves or declines it."), _("_Request"), FALSE, "deadline",
             strv_to_codes (codes), labels, 0, "reason", _("Reason"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_DECLINE_EXTENSION:
      ask (self, entry->command, _("Decline the Extension"),
           _("The department keeps its current deadline."), _("_Decline"), TRUE, NULL, NULL,
           NULL, 0, "reason", _("Reason"), TRUE);
      break;
    case WG_CMD_INCIDENT_MERGE:
      {
        g_autofree char *text = g_strdup_printf (_("Merge %s into another case about the same matter? It is closed as a repeat."),
                                                 record->case_number);

        ask (self, entry->command, _("Merge into Another Case"), text, _("_Merge"), TRUE, NULL,
             NULL, NULL, 0, "into", _("The other case's number"), TRUE);
      }
      break;
    case WG_CMD_INCIDENT_DOWNGRADE:
      {
        static const char *codes[] = { "professional", "general", "false_alarm", NULL };
        const char *labels[] = { _("To a professional event"), _("To a general event"),
                                 _("False alarm"), NULL };

        ask (self, entry->command, _("Downgrade the Emergency"),
             _("The alarm ends and the forces are recalled."), _("_Downgrade"), TRUE, "to",
             strv_to_codes (codes), labels, 0, "reason", _("Reason"), TRUE);
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
}

static void
selection_changed_cb (WgIncidentActions *self)
{
  g_free (self->incident);
  self->incident = g_strdup (wg_view_model_get_selected_incident (wg_context_get_view_model (self->context)));
  wg_incident_actions_refresh (self);
}

static void
events_applied_cb (WgIncidentActions *self)
{
  /* After the model (connected first) has updated its items. */
  wg_incident_actions_refresh (self);
}

static void
wg_incident_actions_dispose (GObject *object)
{
  WgIncidentActions *self = WG_INCIDENT_ACTIONS (object);

  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (wg_context_get_view_model (self->context), self);
  g_clear_object (&self->context);
  g_clear_object (&self->model);
  g_clear_object (&self->group);
  g_clear_weak_pointer (&self->parent);

  G_OBJECT_CLASS (wg_incident_actions_parent_class)->dispose (object);
}

static void
wg_incident_actions_finalize (GObject *object)
{
  WgIncidentActions *self = WG_INCIDENT_ACTIONS (object);

  g_clear_pointer (&self->reasons, g_hash_table_unref);
  g_clear_pointer (&self->incident, g_free);

  G_OBJECT_CLASS (wg_incident_actions_parent_class)->finalize (object);
}

static void
wg_incident_actions_class_init (WgIncidentActionsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_incident_actions_dispose;
  object_class->finalize = wg_incident_actions_finalize;

  /* After each refresh: the enabled actions or the selection may differ. */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wg_incident_actions_init (WgIncidentActions *self)
{
  self->reasons = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self->group = g_simple_action_group_new ();

  for (guint i = 0; i < G_N_ELEMENTS (entries); i++)
    {
      g_autoptr(GSimpleAction) action = g_simple_action_new (entries[i].name, NULL);

      g_signal_connect_object (action, "activate", G_CALLBACK (action_activated_cb), self, 0);
      g_action_map_add_action (G_ACTION_MAP (self->group), G_ACTION (action));
    }
}

WgIncidentActions *
wg_incident_actions_new (WgContext       *context,
                         WgIncidentModel *model)
{
  WgIncidentActions *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (model), NULL);

  self = g_object_new (WG_TYPE_INCIDENT_ACTIONS, NULL);
  self->context = g_object_ref (context);
  self->model = g_object_ref (model);
  g_signal_connect_object (wg_context_get_view_model (context), "notify::selected-incident",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  selection_changed_cb (self);
  return self;
}

GActionGroup *
wg_incident_actions_get_group (WgIncidentActions *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_ACTIONS (self), NULL);
  return G_ACTION_GROUP (self->group);
}

void
wg_incident_actions_set_parent (WgIncidentActions *self,
                                GtkWindow         *parent)
{
  g_return_if_fail (WG_IS_INCIDENT_ACTIONS (self));
  g_set_weak_pointer (&self->parent, parent);
}
