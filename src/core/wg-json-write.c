/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-json"

#include "config.h"

#include <math.h>
#include <string.h>

#include "wg-json-write.h"

/* json-glib 1.6 escapes '"', '\\', the short escapes and the control
 * characters below 0x1f as \u00xx, and DEL as \u007f; 0x1f itself and
 * every byte from 0x80 on pass through as they are.  A run of bytes
 * written as they are ends at one of these or at the terminating NUL:
 * one lookup a byte (the server writes some 1,500 bytes of strings a
 * command). */
static const guchar ends_run[256] = {
  [0x00 ... 0x1e] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

void
wg_json_write_string (GString    *out,
                      const char *value)
{
  static const char hex[] = "0123456789abcdef";
  const guchar *p = (const guchar *) value;

  if (value == NULL)
    {
      wg_json_append_bytes (out, "null", 4);
      return;
    }
  g_string_append_c (out, '"');
  for (;;)
    {
      const guchar *run = p;

      while (!ends_run[*p])
        p++;
      if (p > run)
        wg_json_append_bytes (out, (const char *) run, p - run);
      if (*p == '\0')
        break;
      switch (*p)
        {
        case '"':  wg_json_append_bytes (out, "\\\"", 2); break;
        case '\\': wg_json_append_bytes (out, "\\\\", 2); break;
        case '\b': wg_json_append_bytes (out, "\\b", 2); break;
        case '\f': wg_json_append_bytes (out, "\\f", 2); break;
        case '\n': wg_json_append_bytes (out, "\\n", 2); break;
        case '\r': wg_json_append_bytes (out, "\\r", 2); break;
        case '\t': wg_json_append_bytes (out, "\\t", 2); break;
        default:
          {
            char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 0xf] };

            wg_json_append_bytes (out, u, sizeof u);
          }
          break;
        }
      p++;
    }
  g_string_append_c (out, '"');
}

char *
wg_format_decimal (char    *end,
                   guint64  value,
                   guint    min_digits)
{
  char *p = end;

  do
    {
      *--p = (char) ('0' + value % 10);
      value /= 10;
    }
  while (value != 0 || (guint) (end - p) < min_digits);
  return p;
}

void
wg_json_write_int (GString *out,
                   gint64   value)
{
  char buf[24];
  char *end = buf + sizeof buf;
  char *p = wg_format_decimal (end, value < 0 ? (guint64) 0 - (guint64) value : (guint64) value, 1);

  if (value < 0)
    *--p = '-';
  wg_json_append_bytes (out, p, end - p);
}

/* "%.17g" of @value into @buf for 1e-3 <= |value| < 1e17 with a
 * fraction part, exactly as printf rounds it (to nearest, ties to even),
 * in integer arithmetic: printf's own conversion was most of a command's
 * JSON time.  FALSE for the values it leaves to printf. */
static gboolean
format_g17 (double  value,
            char   *buf)
{
  static const guint64 powers[] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
    1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
    1000000000000000000ull, 10000000000000000000ull,
  };
  union { double d; guint64 u; } bits = { .d = value };
  int biased = (int) ((bits.u >> 52) & 0x7ff);
  guint64 mantissa = (bits.u & ((G_GUINT64_CONSTANT (1) << 52) - 1)) | (G_GUINT64_CONSTANT (1) << 52);
  int shift = 1075 - biased;   /* |value| = mantissa / 2^shift */
  double magnitude = fabs (value);
  int exponent, k;
  guint64 digits = 0;
  char text[18];
  char *p = buf;

  if (biased == 0 || biased == 0x7ff || !(magnitude >= 1e-3 && magnitude < 1e17) || shift <= 0 || shift > 120)
    return FALSE;
  exponent = (int) floor (log10 (magnitude));
  /* log10 can miss by one next to a power of ten: the digit count says. */
  for (int attempt = 0; attempt < 3; attempt++)
    {
      unsigned __int128 scaled, remainder, half;

      k = 16 - exponent;
      if (k < 0 || k >= (int) G_N_ELEMENTS (powers))
        return FALSE;
      scaled = (unsigned __int128) mantissa * powers[k];
      digits = (guint64) (scaled >> shift);
      remainder = scaled & ((((unsigned __int128) 1) << shift) - 1);
      half = ((unsigned __int128) 1) << (shift - 1);
      if (digits < powers[16])
        {
          exponent--;
          continue;
        }
      if (digits >= powers[17])
        {
          exponent++;
          continue;
        }
      if (remainder > half || (remainder == half && (digits & 1) != 0))
        digits++;
      if (digits == powers[17])
        {
          digits = powers[16];
          exponent++;
        }
      break;
    }
  if (digits < powers[16] || digits >= powers[17] || exponent < -3 || exponent > 16)
    return FALSE;

  for (int i = 16; i >= 0; i--)
    {
      text[i] = (char) ('0' + digits % 10);
      digits /= 10;
    }
  text[17] = '\0';
  {
    int last = 16;   /* the last significant digit: %g drops trailing zeros */

    while (last > 0 && text[last] == '0')
      last--;
    if (value < 0)
      *p++ = '-';
    if (exponent >= 0)
      {
        memcpy (p, text, exponent + 1);
        p += exponent + 1;
        if (last > exponent)
          {
            *p++ = '.';
            memcpy (p, text + exponent + 1, last - exponent);
            p += last - exponent;
          }
      }
    else
      {
        *p++ = '0';
        *p++ = '.';
        for (int i = -1; i > exponent; i--)
          *p++ = '0';
        memcpy (p, text, last + 1);
        p += last + 1;
      }
    *p = '\0';
  }
  return TRUE;
}

void
wg_json_write_double (GString *out,
                      double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!format_g17 (value, buf))
    g_ascii_dtostr (buf, sizeof buf, value);
  wg_json_append_bytes (out, buf, strlen (buf));
  /* json-glib's way of keeping a double a double, "1e+21" included. */
  if (strchr (buf, '.') == NULL)
    wg_json_append_bytes (out, ".0", 2);
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
            wg_json_append_bytes (out, "true", 4);
          else
            wg_json_append_bytes (out, "false", 5);
          break;
        case G_TYPE_STRING:
          wg_json_write_string (out, json_node_get_string (node));
          break;
        default:
          /* json-glib holds no other value types. */
          wg_json_append_bytes (out, "null", 4);
          break;
        }
      break;

    case JSON_NODE_NULL:
    default:
      wg_json_append_bytes (out, "null", 4);
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
