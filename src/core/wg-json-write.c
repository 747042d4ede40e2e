/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-json"

#include "config.h"

#include <string.h>

#include "wg-json-write.h"

/* json-glib 1.6 escapes '"', '\\', the short escapes and the control
 * characters below 0x1f as \u00xx, and DEL as \u007f; 0x1f itself and
 * every byte from 0x80 on pass through as they are. */
static inline gboolean
needs_escape (guchar c)
{
  return c < 0x1f || c == '"' || c == '\\' || c == 0x7f;
}

void
wg_json_write_string (GString    *out,
                      const char *value)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p = (const guchar *) value;

  if (value == NULL)
    {
      g_string_append_len (out, "null", 4);
      return;
    }
  g_string_append_c (out, '"');
  while (*p != '\0')
    {
      const guchar *run = p;

      while (*p != '\0' && !needs_escape (*p))
        p++;
      if (p > run)
        g_string_append_len (out, (const char *) run, p - run);
      if (*p == '\0')
        break;
      switch (*p)
        {
        case '"':  g_string_append_len (out, "\\\"", 2); break;
        case '\\': g_string_append_len (out, "\\\\", 2); break;
        case '\b': g_string_append_len (out, "\\b", 2); break;
        case '\f': g_string_append_len (out, "\\f", 2); break;
        case '\n': g_string_append_len (out, "\\n", 2); break;
        case '\r': g_string_append_len (out, "\\r", 2); break;
        case '\t': g_string_append_len (out, "\\t", 2); break;
        default:
          {
            char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf] };

            g_string_append_len (out, u, sizeof u);
          }
          break;
        }
      p++;
    }
  g_string_append_c (out, '"');
}

void
wg_json_write_int (GString *out,
                   gint64   value)
{
  char buf[24];
  char *end = buf + sizeof buf;
  char *p = end;
  guint64 magnitude = value < 0 ? (guint64) 0 - (guint64) value : (guint64) value;

  do
    {
      *--p = (char) ('0' + magnitude % 10);
      magnitude /= 10;
    }
  while (magnitude != 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (out, p, end - p);
}

void
wg_json_write_double (GString *out,
                      double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_dtostr (buf, sizeof buf, value);
  g_string_append (out, buf);
  /* json-glib's way of keeping a double a double, "1e+21" included. */
  if (strchr (buf, '.') == NULL)
    g_string_append_len (out, ".0", 2);
}

void
wg_json_write_member_name (GString    *out,
                           const char *name,
                           gboolean    first)
{
  if (!first)
    g_string_append_c (out, ',');
  wg_json_write_string (out, name);
  g_string_append_c (out, ':');
}

void
wg_json_write_object (GString    *out,
                      JsonObject *object)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  gboolean first = TRUE;

  g_string_append_c (out, '{');
  json_object_iter_init_ordered (&iter, object);
  while (json_object_iter_next_ordered (&iter, &name, &member))
    {
      wg_json_write_member_name (out, name, first);
      wg_json_write_node (out, member);
      first = FALSE;
    }
  g_string_append_c (out, '}');
}

void
wg_json_write_node (GString  *out,
                    JsonNode *node)
{
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      wg_json_write_object (out, json_node_get_object (node));
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
            wg_json_write_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          wg_json_write_int (out, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          wg_json_write_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          if (json_node_get_boolean (node))
            g_string_append_len (out, "true", 4);
          else
            g_string_append_len (out, "false", 5);
          break;
        case G_TYPE_STRING:
          wg_json_write_string (out, json_node_get_string (node));
          break;
        default:
          /* json-glib holds no other value types. */
          g_string_append_len (out, "null", 4);
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append_len (out, "null", 4);
      break;
    }
}

char *
wg_json_node_to_text (JsonNode *node)
{
  GString *out = g_string_sized_new (256);

  g_return_val_if_fail (node != NULL, NULL);
  wg_json_write_node (out, node);
  return g_string_free (out, FALSE);
}
