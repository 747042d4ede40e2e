/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-command"

#include "config.h"

#include <string.h>

#include "wg-command.h"
#include "wg-error.h"
#include "wg-json.h"
#include "wg-json-read.h"

struct _WgCommand
{
  gatomicrefcount  ref_count;
  char            *id;
  WgCommandType    type;
  JsonObject      *body;
  char            *body_hash;   /* computed on first use: see wg_command_get_body_hash() */
};

G_DEFINE_BOXED_TYPE (WgCommand, wg_command, wg_command_ref, wg_command_unref)

WgCommand *
wg_command_new (const char    *id,
                WgCommandType  type,
                JsonObject    *body)
{
  WgCommand *self;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail ((guint) type < WG_N_COMMAND_TYPES, NULL);

  self = g_new0 (WgCommand, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->id = g_strdup (id);
  self->type = type;
  self->body = body != NULL ? json_object_ref (body) : json_object_new ();
  return self;
}

WgCommand *
wg_command_ref (WgCommand *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wg_command_unref (WgCommand *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->id);
  json_object_unref (self->body);
  g_free (self->body_hash);
  g_free (self);
}

const char *
wg_command_get_id (WgCommand *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

WgCommandType
wg_command_get_kind (WgCommand *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->type;
}

const char *
wg_command_get_type_name (WgCommand *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return wg_command_type_to_string (self->type);
}

JsonObject *
wg_command_get_body (WgCommand *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->body;
}

/* Only the idempotency check needs the hash, and the server runs that on
 * its writer thread: computing it there, not when the main loop decodes
 * the request, moves a SHA-256 of the canonical body off the main loop.
 * Two threads asking at once compute it twice and keep the first. */
const char *
wg_command_get_body_hash (WgCommand *self)
{
  char *hash;

  g_return_val_if_fail (self != NULL, NULL);
  hash = g_atomic_pointer_get (&self->body_hash);
  if (hash != NULL)
    return hash;
  hash = wg_json_object_hash (self->body);
  if (!g_atomic_pointer_compare_and_exchange (&self->body_hash, NULL, hash))
    g_free (hash);
  return g_atomic_pointer_get (&self->body_hash);
}

WgCommand *
wg_command_from_json (JsonNode  *node,
                      GError   **error)
{
  JsonObject *object;
  JsonObject *body = NULL;
  const char *id = NULL;
  const char *type_name = NULL;
  WgCommandType type;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (node != NULL, NULL);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_COMMAND, "a command must be a JSON object");
      return NULL;
    }
  object = json_node_get_object (node);

  if (!wg_json_get_string (object, "id", TRUE, &id, &local_error) ||
      !wg_json_get_string (object, "type", TRUE, &type_name, &local_error) ||
      !wg_json_get_object (object, "body", TRUE, &body, &local_error))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_COMMAND, "%s", local_error->message);
      return NULL;
    }
  if (!wg_uuid_is_valid (id))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_COMMAND, "command id '%s' is not a UUID", id);
      return NULL;
    }
  if (!wg_command_type_from_string (type_name, &type))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_COMMAND, "unknown command type '%s'", type_name);
      return NULL;
    }
  if (json_object_get_size (object) != 3)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_COMMAND, "a command has only id, type and body");
      return NULL;
    }

  return wg_command_new (id, type, body);
}

WgCommand *
wg_command_from_string (const char  *text,
                        gssize       length,
                        GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  node = wg_json_parse (text, length, &local_error);
  if (node == NULL)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_COMMAND, "%s", local_error->message);
      return NULL;
    }
  return wg_command_from_json (node, error);
}

/* A string member's text, or NULL. */
static const char *
node_string (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* The common case of a request's text (guarded: wg_json_guard_scan()):
 * strict JSON of a well-formed command, read without building the
 * envelope's object (a third of the request's tree).  NULL for anything
 * else, with no error: wg_command_from_json() on the whole text's tree
 * then gives the answer or the refusal, as before. */
WgCommand *
wg_command_read_strict (const char *data,
                        gsize       length,
                        guint       max_depth)
{
  static const char *const names[] = { "id", "type", "body" };
  JsonNode *values[G_N_ELEMENTS (names)];
  const char *id, *type_name;
  WgCommandType type;
  WgCommand *command = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (!wg_json_read_strict_members (data, length, max_depth, names, G_N_ELEMENTS (names), values))
    return NULL;
  id = node_string (values[0]);
  type_name = node_string (values[1]);
  if (id != NULL && wg_uuid_is_valid (id) && type_name != NULL && wg_command_type_from_string (type_name, &type) &&
      values[2] != NULL && JSON_NODE_HOLDS_OBJECT (values[2]))
    command = wg_command_new (id, type, json_node_get_object (values[2]));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_clear_pointer (&values[i], json_node_unref);
  return command;
}

JsonNode *
wg_command_to_json (WgCommand *self)
{
  JsonObject *object = json_object_new ();

  g_return_val_if_fail (self != NULL, NULL);

  json_object_set_string_member (object, "id", self->id);
  json_object_set_string_member (object, "type", wg_command_type_to_string (self->type));
  json_object_set_object_member (object, "body", json_object_ref (self->body));
  return wg_json_node_take_object (object);
}

char *
wg_command_to_string (WgCommand *self)
{
  g_autoptr(JsonNode) node = wg_command_to_json (self);
  return json_to_string (node, FALSE);
}

/* By hand: printf took two thirds of a derived id (6,600 instructions of
 * 9,600), and decide() derives one for every report. */
static char *
format_uuid (guint8 bytes[16])
{
  static const char hex[] = "0123456789abcdef";
  char *text = g_malloc (37);
  char *out = text;

  for (guint i = 0; i < 16; i++)
    {
      if (i == 4 || i == 6 || i == 8 || i == 10)
        *out++ = '-';
      *out++ = hex[bytes[i] >> 4];
      *out++ = hex[bytes[i] & 0x0f];
    }
  *out = '\0';
  return text;
}

char *
wg_uuid_new (void)
{
  return g_uuid_string_random ();
}

char *
wg_uuid_derive (const char *parent,
                const char *label)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize len = sizeof digest;

  g_return_val_if_fail (parent != NULL, NULL);
  g_return_val_if_fail (label != NULL, NULL);

  g_checksum_update (checksum, (const guchar *) parent, strlen (parent));
  g_checksum_update (checksum, (const guchar *) "/", 1);
  g_checksum_update (checksum, (const guchar *) label, strlen (label));
  g_checksum_get_digest (checksum, digest, &len);
  digest[6] = (digest[6] & 0x0f) | 0x50;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  return format_uuid (digest);
}

gboolean
wg_uuid_is_valid (const char *text)
{
  return text != NULL && g_uuid_string_is_valid (text);
}
