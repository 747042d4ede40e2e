/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-scenario"

#include "config.h"

#include "wg-scenario.h"

#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "wg-error.h"
#include "wg-json.h"

#define FORMAT "wangge-scenario/1"

/* What the field side may send in a drill: reports, news from the scene,
 * and the grid's own steps on a dispute. */
static const char *const field_commands[] = {
  "incident.report", "incident.note", "incident.mediate", "incident.upgrade", NULL,
};

struct _WgScenarioLog
{
  GHashTable *actions;   /* command type -> gint64* */
  GHashTable *fired;     /* step id -> gint64* */
};

static void
step_free (gpointer data)
{
  WgScenarioStep *step = data;

  g_free (step->id);
  g_free (step->action);
  g_free (step->step);
  g_free (step->command);
  g_free (step->as);
  g_clear_pointer (&step->body, json_object_unref);
  g_free (step->say_zh);
  g_free (step);
}

static void
decision_free (gpointer data)
{
  WgScenarioDecision *d = data;

  g_free (d->id);
  g_free (d->action);
  g_free (d->label_zh);
  g_free (d);
}

void
wg_scenario_free (WgScenario *self)
{
  if (self == NULL)
    return;
  g_free (self->id);
  g_free (self->title_zh);
  g_free (self->title_en);
  g_free (self->summary_zh);
  g_free (self->category);
  g_clear_pointer (&self->steps, g_ptr_array_unref);
  g_clear_pointer (&self->decisions, g_ptr_array_unref);
  g_free (self);
}

static gboolean
invalid (GError    **error,
         const char *where,
         const char *format,
         ...) G_GNUC_PRINTF (3, 4);

static gboolean
invalid (GError    **error,
         const char *where,
         const char *format,
         ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD, "%s: %s", where, message);
  return FALSE;
}

/* "mm:ss" or "h:mm:ss" -> ms. */
static gboolean
parse_clock (const char *text,
             gint64     *out_ms)
{
  unsigned a = 0, b = 0, c = 0;
  char tail;

  if (sscanf (text, "%u:%2u:%2u%c", &a, &b, &c, &tail) == 3 && b < 60 && c < 60)
    {
      *out_ms = ((gint64) a * 3600 + b * 60 + c) * 1000;
      return TRUE;
    }
  if (sscanf (text, "%u:%2u%c", &a, &b, &tail) == 2 && b < 60 && strlen (text) <= 6)
    {
      *out_ms = ((gint64) a * 60 + b) * 1000;
      return TRUE;
    }
  return FALSE;
}

static gboolean
get_clock (JsonObject *object,
           const char *member,
           const char *where,
           gint64     *out_ms,
           GError    **error)
{
  const char *text = NULL;

  if (!wg_json_get_string (object, member, FALSE, &text, error))
    return FALSE;
  if (text == NULL)
    {
      *out_ms = 0;
      return TRUE;
    }
  if (!parse_clock (text, out_ms))
    return invalid (error, where, _("“%s” is not a time like 02:00 or 1:05:00"), text);
  return TRUE;
}

static gboolean
parse_trigger (JsonObject     *trigger,
               WgScenarioStep *step,
               const char     *where,
               GError        **error)
{
  const char *at = NULL, *after_action = NULL, *after_step = NULL, *unless = NULL;

  if (!wg_json_get_string (trigger, "at", FALSE, &at, error) ||
      !wg_json_get_string (trigger, "after_action", FALSE, &after_action, error) ||
      !wg_json_get_string (trigger, "after_step", FALSE, &after_step, error) ||
      !wg_json_get_string (trigger, "unless", FALSE, &unless, error))
    return FALSE;
  if ((at != NULL) + (after_action != NULL) + (after_step != NULL) + (unless != NULL) != 1)
    return invalid (error, where, _("a trigger has exactly one of at, after_action, after_step and unless"));

  if (at != NULL)
    {
      step->kind = WG_TRIGGER_AT;
      if (!parse_clock (at, &step->delay_ms))
        return invalid (error, where, _("“%s” is not a time like 02:00 or 1:05:00"), at);
      return TRUE;
    }
  if (!get_clock (trigger, "delay", where, &step->delay_ms, error))
    return FALSE;
  if (after_action != NULL)
    {
      step->kind = WG_TRIGGER_AFTER_ACTION;
      step->action = g_strdup (after_action);
      return TRUE;
    }
  if (after_step != NULL)
    {
      step->kind = WG_TRIGGER_AFTER_STEP;
      step->step = g_strdup (after_step);
      return TRUE;
    }
  /* unless: the action must come within the delay after the step. */
  step->kind = WG_TRIGGER_UNLESS;
  step->action = g_strdup (unless);
  if (!wg_json_get_string (trigger, "since", TRUE, &after_step, error))
    return FALSE;
  step->step = g_strdup (after_step);
  if (step->delay_ms <= 0)
    return invalid (error, where, _("an “unless” trigger needs a delay"));
  return TRUE;
}

static gboolean
valid_command_type (const char *type)
{
  /* incident.*, alarm.*, dispatch.*, assignment.*, unit.*, roster.* */
  static const char *const prefixes[] = { "incident.", "alarm.", "dispatch.", "assignment.", "unit.", "roster." };

  for (guint i = 0; i < G_N_ELEMENTS (prefixes); i++)
    if (g_str_has_prefix (type, prefixes[i]) && strlen (type) > strlen (prefixes[i]))
      return TRUE;
  return FALSE;
}

WgScenario *
wg_scenario_parse (JsonNode  *root,
                   GError   **error)
{
  g_autoptr(WgScenario) self = g_new0 (WgScenario, 1);
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *o, *location = NULL;
  JsonArray *steps = NULL, *decisions = NULL;
  const char *format = NULL, *id = NULL, *title_zh = NULL, *title_en = NULL, *summary = NULL, *category = NULL;
  gint64 duration = 0;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return invalid (error, "scenario", _("not a JSON object")), NULL;
  o = json_node_get_object (root);
  if (!wg_json_get_string (o, "format", TRUE, &format, error))
    return NULL;
  if (strcmp (format, FORMAT) != 0)
    return invalid (error, "format", _("“%s”, expected “%s”"), format, FORMAT), NULL;
  if (!wg_json_get_string (o, "id", TRUE, &id, error) ||
      !wg_json_get_string (o, "title_zh", TRUE, &title_zh, error) ||
      !wg_json_get_string (o, "title_en", TRUE, &title_en, error) ||
      !wg_json_get_string (o, "summary_zh", TRUE, &summary, error) ||
      !wg_json_get_string (o, "category", TRUE, &category, error) ||
      !wg_json_get_object (o, "location", TRUE, &location, error) ||
      !wg_json_get_double (location, "lat", TRUE, &self->lat, error) ||
      !wg_json_get_double (location, "lon", TRUE, &self->lon, error) ||
      !wg_json_get_int (o, "duration_minutes", TRUE, &duration, error) ||
      !wg_json_get_array (o, "steps", TRUE, &steps, error) ||
      !wg_json_get_array (o, "decisions", TRUE, &decisions, error))
    return NULL;
  if (strspn (id, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen (id) || *id == '\0')
    return invalid (error, "id", _("“%s”: lower-case letters, digits and “-” only"), id), NULL;
  if (duration < 1 || duration > 24 * 60)
    return invalid (error, "duration_minutes", _("between 1 and 1440")), NULL;
  self->id = g_strdup (id);
  self->title_zh = g_strdup (title_zh);
  self->title_en = g_strdup (title_en);
  self->summary_zh = g_strdup (summary);
  self->category = g_strdup (category);
  self->duration_minutes = (guint) duration;

  self->steps = g_ptr_array_new_with_free_func (step_free);
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonNode *node = json_array_get_element (steps, i);
      g_autofree char *where = g_strdup_printf ("steps[%u]", i);
      JsonObject *s, *trigger = NULL, *body = NULL;
      const char *step_id = NULL, *command = NULL, *as = NULL, *say = NULL;
      WgScenarioStep *step;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (error, where, _("not an object")), NULL;
      s = json_node_get_object (node);
      if (!wg_json_get_string (s, "id", TRUE, &step_id, error) ||
          !wg_json_get_object (s, "trigger", TRUE, &trigger, error) ||
          !wg_json_get_string (s, "command", TRUE, &command, error) ||
          !wg_json_get_string (s, "as", TRUE, &as, error) ||
          !wg_json_get_object (s, "body", TRUE, &body, error) ||
          !wg_json_get_string (s, "say_zh", TRUE, &say, error))
        return NULL;
      if (!g_hash_table_add (ids, (gpointer) step_id))
        return invalid (error, where, _("the id “%s” is used twice"), step_id), NULL;
      if (!g_strv_contains (field_commands, command))
        return invalid (error, where, _("the field side does not send “%s”"), command), NULL;
      step = g_new0 (WgScenarioStep, 1);
      g_ptr_array_add (self->steps, step);
      step->id = g_strdup (step_id);
      step->command = g_strdup (command);
      step->as = g_strdup (as);
      step->body = json_object_ref (body);
      step->say_zh = g_strdup (say);
      if (!parse_trigger (trigger, step, where, error))
        return NULL;
      if (step->action != NULL && !valid_command_type (step->action))
        return invalid (error, where, _("“%s” is not a command type"), step->action), NULL;
      /* A step follows one listed before it: no loops, and a runner reading
       * the file in order has seen it. */
      if (step->step != NULL && (!g_hash_table_contains (ids, step->step) || g_str_equal (step->step, step->id)))
        return invalid (error, where, _("“%s” is not a step listed before this one"), step->step), NULL;
    }
  if (self->steps->len == 0 || ((WgScenarioStep *) self->steps->pdata[0])->kind != WG_TRIGGER_AT ||
      !g_str_equal (((WgScenarioStep *) self->steps->pdata[0])->command, "incident.report"))
    return invalid (error, "steps", _("the first step reports the incident at a fixed time")), NULL;

  self->decisions = g_ptr_array_new_with_free_func (decision_free);
  for (guint i = 0; i < json_array_get_length (decisions); i++)
    {
      JsonNode *node = json_array_get_element (decisions, i);
      g_autofree char *where = g_strdup_printf ("decisions[%u]", i);
      JsonObject *d;
      const char *decision_id = NULL, *action = NULL, *label = NULL;
      gint64 target = 0;
      WgScenarioDecision *decision;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        return invalid (error, where, _("not an object")), NULL;
      d = json_node_get_object (node);
      if (!wg_json_get_string (d, "id", TRUE, &decision_id, error) ||
          !wg_json_get_string (d, "action", TRUE, &action, error) ||
          !wg_json_get_int (d, "target_seconds", TRUE, &target, error) ||
          !wg_json_get_string (d, "label_zh", TRUE, &label, error))
        return NULL;
      if (!valid_command_type (action) || target < 1)
        return invalid (error, where, _("needs a command type and a target of 1 s or more")), NULL;
      decision = g_new0 (WgScenarioDecision, 1);
      decision->id = g_strdup (decision_id);
      decision->action = g_strdup (action);
      decision->target_seconds = (guint) target;
      decision->label_zh = g_strdup (label);
      g_ptr_array_add (self->decisions, decision);
    }
  return g_steal_pointer (&self);
}

WgScenario *
wg_scenario_load (const char  *path,
                  GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  WgScenario *scenario;

  if (!json_parser_load_from_file (parser, path, error))
    return NULL;
  scenario = wg_scenario_parse (json_parser_get_root (parser), &local_error);
  if (scenario == NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_set_error (error, local_error->domain, local_error->code, "%s: %s", base, local_error->message);
    }
  return scenario;
}

gboolean
wg_scenario_check_reference (WgScenario  *self,
                             WgReference *reference,
                             GError     **error)
{
  if (wg_reference_lookup_category (reference, self->category) == NULL)
    return invalid (error, self->id, _("no category “%s” in the reference data"), self->category);
  if (wg_reference_find_grid (reference, self->lat, self->lon) == NULL)
    return invalid (error, self->id, _("the place %.5f, %.5f lies in none of the street’s grids"), self->lat, self->lon);
  return TRUE;
}

WgScenarioStep *
wg_scenario_lookup_step (WgScenario *self,
                         const char *id)
{
  for (guint i = 0; i < self->steps->len; i++)
    if (g_str_equal (((WgScenarioStep *) self->steps->pdata[i])->id, id))
      return self->steps->pdata[i];
  return NULL;
}

/* ---- the log and what falls due ------------------------------------------ */

WgScenarioLog *
wg_scenario_log_new (void)
{
  WgScenarioLog *log = g_new0 (WgScenarioLog, 1);

  log->actions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  log->fired = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return log;
}

void
wg_scenario_log_free (WgScenarioLog *log)
{
  if (log == NULL)
    return;
  g_hash_table_unref (log->actions);
  g_hash_table_unref (log->fired);
  g_free (log);
}

static void
remember_first (GHashTable *table,
                const char *key,
                gint64      ms)
{
  if (!g_hash_table_contains (table, key))
    g_hash_table_insert (table, g_strdup (key), g_memdup2 (&ms, sizeof ms));
}

void
wg_scenario_log_action (WgScenarioLog *log,
                        const char    *command_type,
                        gint64         elapsed_ms)
{
  remember_first (log->actions, command_type, elapsed_ms);
}

void
wg_scenario_log_fired (WgScenarioLog *log,
                       const char    *step,
                       gint64         elapsed_ms)
{
  remember_first (log->fired, step, elapsed_ms);
}

static gint64
lookup (GHashTable *table,
        const char *key)
{
  gint64 *ms = g_hash_table_lookup (table, key);
  return ms != NULL ? *ms : -1;
}

gint64
wg_scenario_log_get_action (WgScenarioLog *log,
                            const char    *command_type)
{
  return lookup (log->actions, command_type);
}

gint64
wg_scenario_log_get_fired (WgScenarioLog *log,
                           const char    *step)
{
  return lookup (log->fired, step);
}

typedef struct
{
  WgScenarioStep *step;
  gint64          due;
  guint           order;
} Due;

static int
compare_due (gconstpointer a,
             gconstpointer b)
{
  const Due *x = a, *y = b;

  if (x->due != y->due)
    return x->due < y->due ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

GPtrArray *
wg_scenario_due (WgScenario    *self,
                 WgScenarioLog *log,
                 gint64         elapsed_ms)
{
  g_autoptr(GArray) due = g_array_new (FALSE, FALSE, sizeof (Due));
  g_autoptr(GHashTable) fired_now = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  GPtrArray *out = g_ptr_array_new ();
  gboolean found = TRUE;

  /* A step may follow one that falls due in this same call (after a
   * restart, say): go round until nothing more falls due. */
  while (found)
    {
      found = FALSE;
      for (guint i = 0; i < self->steps->len; i++)
        {
          WgScenarioStep *step = self->steps->pdata[i];
          gint64 at = -1, base;

          if (lookup (log->fired, step->id) >= 0 || g_hash_table_contains (fired_now, step->id))
            continue;
          switch (step->kind)
            {
            case WG_TRIGGER_AT:
              at = step->delay_ms;
              break;
            case WG_TRIGGER_AFTER_ACTION:
              base = lookup (log->actions, step->action);
              at = base >= 0 ? base + step->delay_ms : -1;
              break;
            case WG_TRIGGER_AFTER_STEP:
            case WG_TRIGGER_UNLESS:
              base = lookup (log->fired, step->step);
              if (base < 0 && g_hash_table_contains (fired_now, step->step))
                base = *(gint64 *) g_hash_table_lookup (fired_now, step->step);
              at = base >= 0 ? base + step->delay_ms : -1;
              if (step->kind == WG_TRIGGER_UNLESS && at >= 0)
                {
                  gint64 acted = lookup (log->actions, step->action);
                  if (acted >= 0 && acted <= at)
                    at = -1;      /* the trainees acted in time: it never fires */
                }
              break;
            default:
              g_assert_not_reached ();
            }
          if (at >= 0 && at <= elapsed_ms)
            {
              Due d = { step, at, i };

              g_array_append_val (due, d);
              g_hash_table_insert (fired_now, step->id, g_memdup2 (&at, sizeof at));
              found = TRUE;
            }
        }
    }
  g_array_sort (due, compare_due);
  for (guint i = 0; i < due->len; i++)
    g_ptr_array_add (out, g_array_index (due, Due, i).step);
  return out;
}
