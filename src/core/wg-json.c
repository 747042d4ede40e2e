/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-json"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "wg-error.h"
#include "wg-json.h"
#include "wg-json-write.h"

/* Finds @member (a JSON null counts as absent): FALSE with @error only when a
 * required member is absent; *@node is NULL for an absent optional one. */
static gboolean
lookup (JsonObject  *object,
        const char  *member,
        gboolean     required,
        JsonNode   **node,
        GError     **error)
{
  *node = json_object_get_member (object, member);
  if (*node != NULL && JSON_NODE_HOLDS_NULL (*node))
    *node = NULL;
  if (*node == NULL && required)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD, "missing field '%s'", member);
      return FALSE;
    }
  return TRUE;
}

static gboolean
wrong_type (const char  *member,
            const char  *expected,
            GError     **error)
{
  g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD,
               "field '%s' must be %s", member, expected);
  return FALSE;
}

gboolean
wg_json_get_string (JsonObject  *object,
                    const char  *member,
                    gboolean     required,
                    const char **out,
                    GError     **error)
{
  JsonNode *node;

  if (!lookup (object, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (member, "a string", error);
  if (required && *json_node_get_string (node) == '\0')
    return wrong_type (member, "a non-empty string", error);
  *out = json_node_get_string (node);
  return TRUE;
}

gboolean
wg_json_get_int (JsonObject  *object,
                 const char  *member,
                 gboolean     required,
                 gint64      *out,
                 GError     **error)
{
  JsonNode *node;

  if (!lookup (object, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return wrong_type (member, "an integer", error);
  *out = json_node_get_int (node);
  return TRUE;
}

gboolean
wg_json_get_double (JsonObject  *object,
                    const char  *member,
                    gboolean     required,
                    double      *out,
                    GError     **error)
{
  JsonNode *node;
  GType type;

  if (!lookup (object, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return wrong_type (member, "a number", error);
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    *out = (double) json_node_get_int (node);
  else if (type == G_TYPE_DOUBLE)
    *out = json_node_get_double (node);
  else
    return wrong_type (member, "a number", error);
  return TRUE;
}

gboolean
wg_json_get_boolean (JsonObject  *object,
                     const char  *member,
                     gboolean     required,
                     gboolean    *out,
                     GError     **error)
{
  JsonNode *node;

  if (!lookup (object, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return wrong_type (member, "a boolean", error);
  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
wg_json_get_object (JsonObject  *object,
                    const char  *member,
                    gboolean     required,
                    JsonObject **out,
                    GError     **error)
{
  JsonNode *node;

  if (!lookup (object, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (member, "an object", error);
  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
wg_json_get_array (JsonObject  *object,
                   const char  *member,
                   gboolean     required,
                   JsonArray  **out,
                   GError     **error)
{
  JsonNode *node;

  if (!lookup (object, member, required, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (member, "an array", error);
  *out = json_node_get_array (node);
  return TRUE;
}

void
wg_json_set_nullable_string (JsonObject *object,
                             const char *member,
                             const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

typedef struct
{
  const char *name;
  JsonNode   *value;
} Member;

static int
compare_members (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (((const Member *) a)->name, ((const Member *) b)->name);
}

/* Most objects hashed (a command's body, its location, its caller) have a
 * handful of members: their names sorted on the stack, no list copied. */
#define CANONICAL_STACK_MEMBERS 16

static void
canonical_append (GString  *out,
                  JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        guint n = json_object_get_size (object);
        Member stack[CANONICAL_STACK_MEMBERS];
        g_autofree Member *heap = n > CANONICAL_STACK_MEMBERS ? g_new (Member, n) : NULL;
        Member *members = heap != NULL ? heap : stack;
        JsonObjectIter iter;
        guint i = 0;

        json_object_iter_init (&iter, object);
        while (i < n && json_object_iter_next (&iter, &members[i].name, &members[i].value))
          i++;
        qsort (members, i, sizeof (Member), compare_members);

        g_string_append_c (out, '{');
        for (guint j = 0; j < i; j++)
          {
            wg_json_write_member_name (out, members[j].name, j == 0);
            canonical_append (out, members[j].value);
          }
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            canonical_append (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      wg_json_write_node (out, node);
      break;
    }
}

char *
wg_json_to_canonical (JsonNode *node)
{
  GString *out;

  g_return_val_if_fail (node != NULL, NULL);
  out = g_string_sized_new (256);
  canonical_append (out, node);
  return g_string_free (out, FALSE);
}

char *
wg_json_object_hash (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  g_autofree char *text = wg_json_to_canonical (node);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

JsonNode *
wg_json_parse (const char *text,
               gssize      length,
               GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, length, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE, "empty document");
      return NULL;
    }
  return json_node_copy (root);
}

char *
wg_json_object_to_string (JsonObject *object)
{
  GString *out = g_string_sized_new (256);

  wg_json_write_object (out, object);
  return g_string_free (out, FALSE);
}

JsonNode *
wg_json_node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}
