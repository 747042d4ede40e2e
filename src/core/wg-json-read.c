/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-json"

#include "config.h"

#include <math.h>
#include <string.h>

#include "wg-json-read.h"

typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
  guint       max_depth;
} Reader;

static JsonNode *read_value (Reader *r);

/* json_node_init_object/array take a reference of their own. */
static JsonNode *
node_take_object (JsonObject *object)
{
  JsonNode *node = json_node_init_object (json_node_alloc (), object);

  json_object_unref (object);
  return node;
}

static JsonNode *
node_take_array (JsonArray *array)
{
  JsonNode *node = json_node_init_array (json_node_alloc (), array);

  json_array_unref (array);
  return node;
}

static void
skip_space (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
    r->p++;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* A string after its opening quote, as new UTF-8 text; NULL to decline.
 * Raw control characters, NUL and bad UTF-8 never get here (the guard). */
static char *
read_string (Reader *r)
{
  const char *start = r->p;
  GString *out = NULL;

  while (r->p < r->end)
    {
      char c = *r->p;

      if (c == '"')
        {
          char *text;

          if (out == NULL)
            text = g_strndup (start, r->p - start);
          else
            {
              g_string_append_len (out, start, r->p - start);
              text = g_string_free (out, FALSE);
            }
          r->p++;
          return text;
        }
      if ((guchar) c < 0x20)
        break;
      if (c != '\\')
        {
          r->p++;
          continue;
        }
      if (out == NULL)
        out = g_string_sized_new (r->p - start + 16);
      g_string_append_len (out, start, r->p - start);
      if (r->end - r->p < 2)
        break;
      switch (r->p[1])
        {
        case '"':  g_string_append_c (out, '"'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '/':  g_string_append_c (out, '/'); break;
        case 'b':  g_string_append_c (out, '\b'); break;
        case 'f':  g_string_append_c (out, '\f'); break;
        case 'n':  g_string_append_c (out, '\n'); break;
        case 'r':  g_string_append_c (out, '\r'); break;
        case 't':  g_string_append_c (out, '\t'); break;
        case 'u':
          {
            gunichar u = 0;

            if (r->end - r->p < 6)
              goto decline;
            for (int i = 2; i < 6; i++)
              {
                int d = hex_digit (r->p[i]);

                if (d < 0)
                  goto decline;
                u = u * 16 + (gunichar) d;
              }
            /* Surrogates (pairs or lone) and NUL: json-glib's. */
            if (u == 0 || (u >= 0xd800 && u <= 0xdfff))
              goto decline;
            g_string_append_unichar (out, u);
            r->p += 4;
          }
          break;
        default:
          goto decline;
        }
      r->p += 2;
      start = r->p;
    }

decline:
  if (out != NULL)
    g_string_free (out, TRUE);
  return NULL;
}

/* A string (a member's name or a value) after its opening quote, copied
 * into @buffer when it has no escape and fits; NULL (nothing read) for
 * read_string() to do. */
static const char *
read_short_text (Reader *r,
                 char   *buffer,
                 gsize   size)
{
  const char *p = r->p;

  while (p < r->end && (gsize) (p - r->p) < size && *p != '"' && *p != '\\' && (guchar) *p >= 0x20)
    p++;
  if (p >= r->end || (gsize) (p - r->p) >= size || *p != '"')
    return NULL;
  memcpy (buffer, r->p, p - r->p);
  buffer[p - r->p] = '\0';
  r->p = p + 1;
  return buffer;
}

static gboolean
is_digit (char c)
{
  return c >= '0' && c <= '9';
}

static JsonNode *
read_number (Reader *r)
{
  const char *start = r->p;
  const char *p = r->p;
  gboolean is_double = FALSE;
  guint n_digits = 0;
  char token[64];

  if (p < r->end && *p == '-')
    p++;
  if (p >= r->end || !is_digit (*p))
    return NULL;
  /* No leading zeros; "-0" is json-glib's integer 0: its own path. */
  if (*p == '0' && (p + 1 < r->end && is_digit (p[1])))
    return NULL;
  while (p < r->end && is_digit (*p))
    {
      p++;
      n_digits++;
    }
  if (p < r->end && *p == '.')
    {
      is_double = TRUE;
      p++;
      if (p >= r->end || !is_digit (*p))
        return NULL;
      while (p < r->end && is_digit (*p))
        p++;
    }
  if (p < r->end && (*p == 'e' || *p == 'E'))
    {
      is_double = TRUE;
      p++;
      if (p < r->end && (*p == '+' || *p == '-'))
        p++;
      if (p >= r->end || !is_digit (*p))
        return NULL;
      while (p < r->end && is_digit (*p))
        p++;
    }
  if ((gsize) (p - start) >= sizeof token)
    return NULL;
  memcpy (token, start, p - start);
  token[p - start] = '\0';
  r->p = p;

  if (is_double)
    {
      double value = g_ascii_strtod (token, NULL);

      if (!isfinite (value))
        return NULL;
      return json_node_init_double (json_node_alloc (), value);
    }
  /* json-glib wraps integers that overflow; and "-0" is its own. */
  if (n_digits > 18 || strcmp (token, "-0") == 0)
    return NULL;
  return json_node_init_int (json_node_alloc (), g_ascii_strtoll (token, NULL, 10));
}

static JsonNode *
read_object (Reader *r)
{
  JsonObject *object = json_object_new ();

  skip_space (r);
  if (r->p < r->end && *r->p == '}')
    {
      r->p++;
      return node_take_object (object);
    }
  for (;;)
    {
      g_autofree char *escaped_name = NULL;
      const char *name;
      char short_name[64];
      JsonNode *value;
      guint size;

      if (r->p >= r->end || *r->p != '"')
        break;
      r->p++;
      /* json-glib copies the name it keeps: a short one without escapes
       * (every member of a command) is not copied a first time here. */
      if ((name = read_short_text (r, short_name, sizeof short_name)) == NULL &&
          (name = escaped_name = read_string (r)) == NULL)
        break;
      skip_space (r);
      if (r->p >= r->end || *r->p != ':')
        break;
      r->p++;
      value = read_value (r);
      if (value == NULL)
        break;
      /* A duplicate replaces a member instead of adding one: declined,
       * without a lookup of its own for every member. */
      size = json_object_get_size (object);
      json_object_set_member (object, name, value);
      if (json_object_get_size (object) == size)
        break;
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          skip_space (r);
          continue;
        }
      if (r->p < r->end && *r->p == '}')
        {
          r->p++;
          return node_take_object (object);
        }
      break;
    }
  json_object_unref (object);
  return NULL;
}

static JsonNode *
read_array (Reader *r)
{
  JsonArray *array = json_array_new ();

  skip_space (r);
  if (r->p < r->end && *r->p == ']')
    {
      r->p++;
      return node_take_array (array);
    }
  for (;;)
    {
      JsonNode *value = read_value (r);

      if (value == NULL)
        break;
      json_array_add_element (array, value);
      skip_space (r);
      if (r->p < r->end && *r->p == ',')
        {
          r->p++;
          continue;
        }
      if (r->p < r->end && *r->p == ']')
        {
          r->p++;
          return node_take_array (array);
        }
      break;
    }
  json_array_unref (array);
  return NULL;
}

static gboolean
read_word (Reader     *r,
           const char *word,
           gsize       length)
{
  if ((gsize) (r->end - r->p) < length || memcmp (r->p, word, length) != 0)
    return FALSE;
  r->p += length;
  return TRUE;
}

static JsonNode *
read_value (Reader *r)
{
  JsonNode *node = NULL;

  skip_space (r);
  if (r->p >= r->end)
    return NULL;
  switch (*r->p)
    {
    case '{':
    case '[':
      if (++r->depth > r->max_depth)
        return NULL;
      r->p++;
      node = *(r->p - 1) == '{' ? read_object (r) : read_array (r);
      r->depth--;
      return node;
    case '"':
      {
        g_autofree char *escaped = NULL;
        const char *text;
        char short_text[64];

        r->p++;
        /* json-glib copies the text it keeps, as it does a member's name. */
        if ((text = read_short_text (r, short_text, sizeof short_text)) == NULL &&
            (text = escaped = read_string (r)) == NULL)
          return NULL;
        return json_node_init_string (json_node_alloc (), text);
      }
    case 't':
      return read_word (r, "true", 4) ? json_node_init_boolean (json_node_alloc (), TRUE) : NULL;
    case 'f':
      return read_word (r, "false", 5) ? json_node_init_boolean (json_node_alloc (), FALSE) : NULL;
    case 'n':
      return read_word (r, "null", 4) ? json_node_init_null (json_node_alloc ()) : NULL;
    default:
      return read_number (r);
    }
}

JsonNode *
wg_json_read_strict (const char *data,
                     gsize       length,
                     guint       max_depth)
{
  Reader r = { data, data + length, 0, max_depth };
  JsonNode *root;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  root = read_value (&r);
  if (root == NULL)
    return NULL;
  skip_space (&r);
  if (r.p != r.end)
    {
      json_node_unref (root);
      return NULL;
    }
  json_node_seal (root);
  return root;
}

gboolean
wg_json_read_strict_members (const char        *data,
                             gsize              length,
                             guint              max_depth,
                             const char *const *names,
                             guint              n_names,
                             JsonNode         **values)
{
  Reader r = { data, data + length, 1, max_depth };
  gboolean read = FALSE;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (names != NULL && values != NULL, FALSE);

  memset (values, 0, n_names * sizeof *values);
  skip_space (&r);
  if (max_depth < 1 || r.p >= r.end || *r.p != '{')
    return FALSE;
  r.p++;
  skip_space (&r);
  if (r.p < r.end && *r.p == '}')
    {
      r.p++;
      read = TRUE;
    }
  while (!read)
    {
      g_autofree char *escaped_name = NULL;
      const char *name;
      char short_name[64];
      guint i;

      if (r.p >= r.end || *r.p != '"')
        break;
      r.p++;
      if ((name = read_short_text (&r, short_name, sizeof short_name)) == NULL &&
          (name = escaped_name = read_string (&r)) == NULL)
        break;
      for (i = 0; i < n_names && strcmp (names[i], name) != 0; i++)
        ;
      /* Another member, or one twice: the whole text's reader decides. */
      if (i == n_names || values[i] != NULL)
        break;
      skip_space (&r);
      if (r.p >= r.end || *r.p != ':')
        break;
      r.p++;
      if ((values[i] = read_value (&r)) == NULL)
        break;
      skip_space (&r);
      if (r.p < r.end && *r.p == ',')
        {
          r.p++;
          skip_space (&r);
          continue;
        }
      if (r.p < r.end && *r.p == '}')
        {
          r.p++;
          read = TRUE;
          break;
        }
      break;
    }
  skip_space (&r);
  if (!read || r.p != r.end)
    {
      for (guint i = 0; i < n_names; i++)
        g_clear_pointer (&values[i], json_node_unref);
      return FALSE;
    }
  for (guint i = 0; i < n_names; i++)
    if (values[i] != NULL)
      json_node_seal (values[i]);
  return TRUE;
}
