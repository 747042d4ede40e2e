/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-event"

#include "config.h"

#include <string.h>

#include "wg-error.h"
#include "wg-event.h"
#include "wg-json.h"
#include "wg-json-write.h"

G_DEFINE_BOXED_TYPE (WgEvent, wg_event, wg_event_ref, wg_event_unref)

WgEvent *
wg_event_new (WgEventType  type,
              gint64       ts,
              const char  *actor,
              const char  *role,
              const char  *command,
              const char  *subject,
              const char  *incident,
              JsonObject  *body)
{
  WgEvent *self;

  g_return_val_if_fail ((guint) type < WG_N_EVENT_TYPES, NULL);
  g_return_val_if_fail (subject != NULL, NULL);

  self = g_new0 (WgEvent, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->ts = ts;
  self->type = type;
  self->actor = g_strdup (actor);
  self->role = g_strdup (role);
  self->command = g_strdup (command);
  self->subject = g_strdup (subject);
  self->incident = g_strdup (incident);
  self->body = body != NULL ? json_object_ref (body) : json_object_new ();
  return self;
}

WgEvent *
wg_event_ref (WgEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wg_event_unref (WgEvent *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->actor);
  g_free (self->role);
  g_free (self->command);
  g_free (self->subject);
  g_free (self->incident);
  g_free (self->exercise);
  json_object_unref (self->body);
  g_free (self->text);
  g_free (self->text_masked);
  g_free (self);
}

static void
drop_texts (WgEvent *self)
{
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->text_masked, g_free);
}

void
wg_event_keep_texts (WgEvent *self,
                     char    *text,
                     char    *masked)
{
  g_return_if_fail (self != NULL);
  drop_texts (self);
  self->text = text;
  self->text_masked = masked;
}

const char *
wg_event_get_text (WgEvent  *self,
                   gboolean  masked)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (masked && self->text_masked != NULL)
    return self->text_masked;
  return self->text;
}

void
wg_event_set_seq (WgEvent *self,
                  gint64   seq)
{
  g_return_if_fail (self != NULL);
  if (self->seq != seq)
    drop_texts (self);
  self->seq = seq;
}

void
wg_event_set_ts (WgEvent *self,
                 gint64   ts)
{
  g_return_if_fail (self != NULL);
  if (self->ts != ts)
    drop_texts (self);
  self->ts = ts;
}

void
wg_event_set_exercise (WgEvent    *self,
                       const char *exercise)
{
  g_return_if_fail (self != NULL);
  drop_texts (self);
  g_free (self->exercise);
  self->exercise = g_strdup (exercise);
}

const char *
wg_event_get_type_name (WgEvent *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return wg_event_type_to_string (self->type);
}

static const char *const envelope_members[] = {
  "seq", "ts", "type", "actor", "role", "command", "subject", "incident", "body", "exercise",
};

WgEvent *
wg_event_from_json (JsonNode  *node,
                    GError   **error)
{
  JsonObject *object;
  JsonObject *body = NULL;
  gint64 seq = 0, ts = 0;
  const char *type_name = NULL, *actor = NULL, *role = NULL, *command = NULL;
  const char *subject = NULL, *incident = NULL, *exercise = NULL;
  WgEventType type;
  WgRole role_value;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GList) members = NULL;
  WgEvent *self;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "an event must be a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);

  /* Every envelope member but exercise must be present (maybe null). */
  for (guint i = 0; i < G_N_ELEMENTS (envelope_members) - 1; i++)
    {
      if (!json_object_has_member (object, envelope_members[i]))
        {
          g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT,
                       "event lacks '%s'", envelope_members[i]);
          return NULL;
        }
    }
  members = json_object_get_members (object);
  for (GList *l = members; l != NULL; l = l->next)
    {
      gboolean known = FALSE;
      for (guint i = 0; i < G_N_ELEMENTS (envelope_members); i++)
        known |= strcmp (l->data, envelope_members[i]) == 0;
      if (!known)
        {
          g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT,
                       "unexpected event member '%s'", (const char *) l->data);
          return NULL;
        }
    }

  if (!wg_json_get_int (object, "seq", TRUE, &seq, &local_error) ||
      !wg_json_get_int (object, "ts", TRUE, &ts, &local_error) ||
      !wg_json_get_string (object, "type", TRUE, &type_name, &local_error) ||
      !wg_json_get_string (object, "actor", FALSE, &actor, &local_error) ||
      !wg_json_get_string (object, "role", FALSE, &role, &local_error) ||
      !wg_json_get_string (object, "command", FALSE, &command, &local_error) ||
      !wg_json_get_string (object, "subject", TRUE, &subject, &local_error) ||
      !wg_json_get_string (object, "incident", FALSE, &incident, &local_error) ||
      !wg_json_get_string (object, "exercise", FALSE, &exercise, &local_error) ||
      !wg_json_get_object (object, "body", TRUE, &body, &local_error))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "%s", local_error->message);
      return NULL;
    }
  if (seq < 0 || ts < 0)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "seq and ts must not be negative");
      return NULL;
    }
  if (!wg_event_type_from_string (type_name, &type))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "unknown event type '%s'", type_name);
      return NULL;
    }
  if (role != NULL && !wg_role_from_string (role, &role_value))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "unknown role '%s'", role);
      return NULL;
    }
  if ((actor == NULL) != (role == NULL))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "actor and role go together");
      return NULL;
    }

  self = wg_event_new (type, ts, actor, role, command, subject, incident, body);
  self->seq = seq;
  self->exercise = g_strdup (exercise);
  return self;
}

WgEvent *
wg_event_from_string (const char  *text,
                      gssize       length,
                      GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  node = wg_json_parse (text, length, &local_error);
  if (node == NULL)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "%s", local_error->message);
      return NULL;
    }
  return wg_event_from_json (node, error);
}

JsonNode *
wg_event_to_json (WgEvent *self)
{
  JsonObject *object = json_object_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_object_set_int_member (object, "seq", self->seq);
  json_object_set_int_member (object, "ts", self->ts);
  json_object_set_string_member (object, "type", wg_event_type_to_string (self->type));
  wg_json_set_nullable_string (object, "actor", self->actor);
  wg_json_set_nullable_string (object, "role", self->role);
  wg_json_set_nullable_string (object, "command", self->command);
  json_object_set_string_member (object, "subject", self->subject);
  wg_json_set_nullable_string (object, "incident", self->incident);
  json_object_set_object_member (object, "body", json_object_ref (self->body));
  if (self->exercise != NULL)
    json_object_set_string_member (object, "exercise", self->exercise);
  return wg_json_node_take_object (object);
}

/* The envelope's member names are literals (with the comma before each
 * and the colon), not escaped again for every event. */
void
wg_event_write_json_head (WgEvent *self,
                          GString *out)
{
  g_return_if_fail (self != NULL);

  wg_json_append_literal (out, "{\"seq\":");
  wg_json_write_int (out, self->seq);
  wg_json_append_literal (out, ",\"ts\":");
  wg_json_write_int (out, self->ts);
  wg_json_append_literal (out, ",\"type\":");
  wg_json_write_string (out, wg_event_type_to_string (self->type));
  wg_json_append_literal (out, ",\"actor\":");
  wg_json_write_string (out, self->actor);
  wg_json_append_literal (out, ",\"role\":");
  wg_json_write_string (out, self->role);
  wg_json_append_literal (out, ",\"command\":");
  wg_json_write_string (out, self->command);
  wg_json_append_literal (out, ",\"subject\":");
  wg_json_write_string (out, self->subject);
  wg_json_append_literal (out, ",\"incident\":");
  wg_json_write_string (out, self->incident);
  wg_json_append_literal (out, ",\"body\":");
}

void
wg_event_write_json_tail (WgEvent *self,
                          GString *out)
{
  g_return_if_fail (self != NULL);

  if (self->exercise != NULL)
    {
      wg_json_append_literal (out, ",\"exercise\":");
      wg_json_write_string (out, self->exercise);
    }
  g_string_append_c (out, '}');
}

/* The text of wg_event_to_json() with @body_text (the body's own text)
 * in place of the body. */
void
wg_event_write_json_with_body (WgEvent    *self,
                               const char *body_text,
                               gsize       body_length,
                               GString    *out)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (body_text != NULL);

  wg_event_write_json_head (self, out);
  wg_json_append_bytes (out, body_text, body_length);
  wg_event_write_json_tail (self, out);
}

/* The text of wg_event_to_json(), written without building the node. */
void
wg_event_write_json (WgEvent *self,
                     GString *out)
{
  g_autoptr(GString) body = NULL;

  g_return_if_fail (self != NULL);

  body = g_string_sized_new (256);
  wg_json_write_object (body, self->body);
  wg_event_write_json_with_body (self, body->str, body->len, out);
}

char *
wg_event_to_string (WgEvent *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  out = g_string_sized_new (512);
  wg_event_write_json (self, out);
  return g_string_free (out, FALSE);
}

gboolean
wg_event_equal (WgEvent *a,
                WgEvent *b)
{
  g_autoptr(JsonNode) na = wg_event_to_json (a);
  g_autoptr(JsonNode) nb = wg_event_to_json (b);
  g_autofree char *ta = wg_json_to_canonical (na);
  g_autofree char *tb = wg_json_to_canonical (nb);

  return strcmp (ta, tb) == 0;
}

static char *
mask_phone (const char *phone)
{
  gsize len = strlen (phone);
  char *masked = g_strdup (phone);

  for (gsize i = 0; i < len; i++)
    if (len < 8 || (i >= 3 && i + 4 < len))
      masked[i] = '*';
  return masked;
}

/* A new object with @from's members (nested values shared, never mutated)
 * but @member set to @value. */
static JsonObject *
object_with (JsonObject *from,
             const char *member,
             JsonNode   *value)
{
  JsonObject *to = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (from);

  for (GList *l = members; l != NULL; l = l->next)
    if (strcmp (l->data, member) != 0)
      json_object_set_member (to, l->data, json_node_copy (json_object_get_member (from, l->data)));
  json_object_set_member (to, member, value);
  return to;
}

WgEvent *
wg_event_redact_caller (WgEvent *self)
{
  JsonNode *caller_node, *phone_node;
  JsonObject *caller;
  const char *phone;
  g_autofree char *masked = NULL;
  g_autoptr(JsonObject) new_caller = NULL;
  g_autoptr(JsonObject) body = NULL;
  WgEvent *copy;

  g_return_val_if_fail (self != NULL, NULL);

  caller_node = json_object_get_member (self->body, "caller");
  if (caller_node == NULL || !JSON_NODE_HOLDS_OBJECT (caller_node))
    return wg_event_ref (self);
  caller = json_node_get_object (caller_node);
  phone_node = json_object_get_member (caller, "phone");
  if (phone_node == NULL || !JSON_NODE_HOLDS_VALUE (phone_node) ||
      json_node_get_value_type (phone_node) != G_TYPE_STRING)
    return wg_event_ref (self);
  phone = json_node_get_string (phone_node);

  masked = mask_phone (phone);
  new_caller = object_with (caller, "phone", json_node_init_string (json_node_alloc (), masked));
  body = object_with (self->body, "caller", wg_json_node_take_object (g_steal_pointer (&new_caller)));
  copy = wg_event_new (self->type, self->ts, self->actor, self->role, self->command,
                       self->subject, self->incident, body);
  copy->seq = self->seq;
  copy->exercise = g_strdup (self->exercise);
  return copy;
}

const char *
wg_event_get_body_string (WgEvent    *self,
                          const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (self != NULL, NULL);
  node = json_object_get_member (self->body, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gint64
wg_event_get_body_int (WgEvent    *self,
                       const char *member)
{
  JsonNode *node;

  g_return_val_if_fail (self != NULL, 0);
  node = json_object_get_member (self->body, member);
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}
