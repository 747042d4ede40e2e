/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The public display's view of an event or an incident
 * (wg-public-display.h).  Free text is taken out by member name: the
 * caller and the parties to a mediation are residents, and remarks,
 * reasons, notes, results and details are written by staff about
 * residents, so none of them is shown to visitors.  Only the summary of an
 * ordinary case stays: it says what happened, and the board needs it.
 */
#define G_LOG_DOMAIN "wg-public-display"

#include "config.h"

#include <math.h>
#include <string.h>

#include "wg-json.h"
#include "wg-json-write.h"
#include "wg-public-display.h"

/* Members never shown on a public display, whatever the case. */
static const char *const private_members[] = {
  "caller", "callers", "parties", "details", "address", "attachments",
  "remark", "reason", "text", "resolution", "result", "instructions",
};

/* Shown for an ordinary case only; a sensitive case's are empty strings,
 * so that every reader of the event (the projection wants a summary) takes
 * it as it is. */
static const char *const sensitive_members[] = {
  "summary",
};

void
wg_public_case_init (WgPublicCase *pcase,
                     WgRules      *rules,
                     const char   *category,
                     const char   *grid)
{
  const WgCategoryRule *rule;

  g_return_if_fail (pcase != NULL);
  g_return_if_fail (rules != NULL);

  *pcase = (WgPublicCase) { 0 };
  rule = category != NULL ? wg_rules_lookup_category (rules, category) : NULL;
  pcase->sensitive = rule != NULL && rule->sensitive;
  pcase->has_centre = wg_rules_get_grid_centre (rules, grid, &pcase->centre_lat, &pcase->centre_lon);
}

static gboolean
is_listed (const char        *member,
           const char *const *list,
           gsize              n)
{
  for (gsize i = 0; i < n; i++)
    if (strcmp (member, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
is_emptied (const char         *member,
            const WgPublicCase *pcase)
{
  return pcase->sensitive && is_listed (member, sensitive_members, G_N_ELEMENTS (sensitive_members));
}

static gboolean
is_hidden (const char *member)
{
  return is_listed (member, private_members, G_N_ELEMENTS (private_members));
}

/* The grid's centre; outside every grid (or without reference data), the
 * location rounded to 0.01 degree, about a kilometre. */
static void
coarse_point (JsonNode           *location,
              const WgPublicCase *pcase,
              double             *lat,
              double             *lon)
{
  *lat = pcase->centre_lat;
  *lon = pcase->centre_lon;
  if (!pcase->has_centre)
    {
      JsonObject *exact = location != NULL && JSON_NODE_HOLDS_OBJECT (location)
                          ? json_node_get_object (location) : NULL;

      *lat = exact != NULL ? round (json_object_get_double_member_with_default (exact, "lat", 0) * 100) / 100 : 0;
      *lon = exact != NULL ? round (json_object_get_double_member_with_default (exact, "lon", 0) * 100) / 100 : 0;
    }
}

static JsonNode *
coarse_location (JsonNode           *location,
                 const WgPublicCase *pcase)
{
  JsonObject *coarse = json_object_new ();
  double lat, lon;

  coarse_point (location, pcase, &lat, &lon);
  json_object_set_double_member (coarse, "lat", lat);
  json_object_set_double_member (coarse, "lon", lon);
  return wg_json_node_take_object (coarse);
}

/* Whether @object has anything the display must not show as it is. */
static gboolean
needs_reducing (JsonObject         *object,
                const WgPublicCase *pcase)
{
  g_autoptr(GList) members = json_object_get_members (object);

  for (GList *l = members; l != NULL; l = l->next)
    if (is_hidden (l->data) || is_emptied (l->data, pcase) || strcmp (l->data, "location") == 0)
      return TRUE;
  return FALSE;
}

/* @from without the hidden members, its location coarsened. */
static JsonObject *
reduce_object (JsonObject         *from,
               const WgPublicCase *pcase)
{
  JsonObject *to = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (from);

  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;

      if (is_hidden (member))
        continue;
      if (strcmp (member, "location") == 0)
        json_object_set_member (to, member, coarse_location (json_object_get_member (from, member), pcase));
      else if (is_emptied (member, pcase))
        json_object_set_string_member (to, member, "");
      else
        json_object_set_member (to, member, json_node_ref (json_object_get_member (from, member)));
    }
  return to;
}

WgEvent *
wg_event_for_public_display (WgEvent            *self,
                             const WgPublicCase *pcase)
{
  g_autoptr(JsonObject) body = NULL;
  WgEvent *copy;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (pcase != NULL, NULL);

  if (!needs_reducing (self->body, pcase))
    return wg_event_ref (self);
  body = reduce_object (self->body, pcase);
  copy = wg_event_new (self->type, self->ts, self->actor, self->role, self->command,
                       self->subject, self->incident, body);
  wg_event_set_seq (copy, self->seq);
  if (self->exercise != NULL)
    wg_event_set_exercise (copy, self->exercise);
  return copy;
}

/* @self's body as text into @body (as wg_json_write_object() writes it)
 * and, in the same pass, the body of wg_event_for_public_display (@self,
 * @pcase) into @public_body, without building the reduced copy (the
 * journal stores both for every event): a member the display keeps as it
 * is gets the bytes just written for the full body, not a second
 * encoding. */
void
wg_public_display_write_bodies (WgEvent            *self,
                                const WgPublicCase *pcase,
                                GString            *body,
                                GString            *public_body)
{
  JsonObjectIter iter;
  const char *member;
  JsonNode *value;
  gboolean first = TRUE;
  gboolean public_first = TRUE;

  g_return_if_fail (self != NULL);
  g_return_if_fail (pcase != NULL);

  g_string_append_c (body, '{');
  g_string_append_c (public_body, '{');
  json_object_iter_init_ordered (&iter, self->body);
  while (json_object_iter_next_ordered (&iter, &member, &value))
    {
      gsize name_start, start;

      if (!first)
        g_string_append_c (body, ',');
      first = FALSE;
      name_start = body->len;
      wg_json_write_member_name (body, member, TRUE);
      start = body->len;
      wg_json_write_node (body, value);
      if (is_hidden (member))
        continue;
      /* The name's text as just written for the full body. */
      if (!public_first)
        g_string_append_c (public_body, ',');
      public_first = FALSE;
      wg_json_append_bytes (public_body, body->str + name_start, start - name_start);
      if (strcmp (member, "location") == 0)
        {
          double lat, lon;

          /* coarse_location()'s text, without its tree for every event. */
          coarse_point (value, pcase, &lat, &lon);
          wg_json_append_literal (public_body, "{\"lat\":");
          wg_json_write_double (public_body, lat);
          wg_json_append_literal (public_body, ",\"lon\":");
          wg_json_write_double (public_body, lon);
          g_string_append_c (public_body, '}');
        }
      else if (is_emptied (member, pcase))
        wg_json_append_literal (public_body, "\"\"");
      else
        wg_json_append_bytes (public_body, body->str + start, body->len - start);
    }
  g_string_append_c (body, '}');
  g_string_append_c (public_body, '}');
}

void
wg_public_display_reduce_incident (JsonObject         *incident,
                                   const WgPublicCase *pcase)
{
  g_autoptr(GList) members = NULL;

  g_return_if_fail (incident != NULL);
  g_return_if_fail (pcase != NULL);

  members = json_object_get_members (incident);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *member = l->data;

      if (is_emptied (member, pcase))
        json_object_set_string_member (incident, member, "");
      else if (strcmp (member, "location") == 0)
        json_object_set_member (incident, member,
                                coarse_location (json_object_get_member (incident, member), pcase));
      else if (is_hidden (member))
        json_object_remove_member (incident, member);
    }
}
