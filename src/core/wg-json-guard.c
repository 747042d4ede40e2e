/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A guard in front of json-glib for bytes from the network.  json-glib 1.6
 * parses recursively with no depth limit (a body of 1 MiB of "[" overflows
 * the stack) and accepts C and C++ comments, which are not JSON.  This
 * scanner walks the bytes once, in linear time and constant stack, and
 * refuses what json-glib must never see; only then does json-glib parse.
 */
#define G_LOG_DOMAIN "wg-json-guard"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wg-json-guard.h"
#include "wg-json-read.h"

G_DEFINE_QUARK (wg-json-guard-error-quark, wg_json_guard_error)

const char *
wg_json_guard_error_slug (WgJsonGuardError code)
{
  switch (code)
    {
    case WG_JSON_GUARD_ERROR_TOO_DEEP:
      return "json-too-deep";
    case WG_JSON_GUARD_ERROR_COMMENT:
      return "json-comment";
    case WG_JSON_GUARD_ERROR_INVALID_UTF8:
      return "invalid-utf8";
    case WG_JSON_GUARD_ERROR_NUL:
      return "json-nul";
    case WG_JSON_GUARD_ERROR_CONTROL_CHAR:
    case WG_JSON_GUARD_ERROR_UNBALANCED:
    case WG_JSON_GUARD_ERROR_EMPTY:
    case WG_JSON_GUARD_ERROR_SYNTAX:
      return "malformed-json";
    default:
      return "malformed-json";
    }
}

/* True for \u0000 starting at p (p points at the 'u'); end bounds the read. */
static gboolean
is_escaped_nul (const char *p,
                const char *end)
{
  return end - p >= 5 && p[1] == '0' && p[2] == '0' && p[3] == '0' && p[4] == '0';
}

/* In a string: the bytes the scan looks at (the control characters, the
 * quote and the backslash); the others are skipped. */
static const guchar ends_plain_run[256] = {
  [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1,
};

/* Whether @data is plain ASCII, eight bytes at a time: then it is UTF-8
 * (a NUL is refused before), which g_utf8_validate_len() would check
 * character by character, on every request the server reads. */
static gboolean
is_ascii (const char *data,
          gsize       length)
{
  gsize i = 0;

  for (; i + 8 <= length; i += 8)
    {
      guint64 word;

      memcpy (&word, data + i, sizeof word);
      if ((word & G_GUINT64_CONSTANT (0x8080808080808080)) != 0)
        return FALSE;
    }
  for (; i < length; i++)
    if ((guchar) data[i] >= 0x80)
      return FALSE;
  return TRUE;
}

gboolean
wg_json_guard_scan (const char  *data,
                    gsize        length,
                    guint        max_depth,
                    GError     **error)
{
  const char *p = data;
  const char *end = data + length;
  const char *invalid = NULL;
  gboolean in_string = FALSE;
  gboolean seen_value = FALSE;
  guint depth = 0;

  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* NUL first: g_utf8_validate_len accepts no NUL, and the message should
   * name the real problem. */
  if (length > 0 && memchr (data, '\0', length) != NULL)
    {
      g_set_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_NUL,
                   _("The JSON text contains a NUL byte at offset %lu"),
                   (gulong) ((const char *) memchr (data, '\0', length) - data));
      return FALSE;
    }

  if (!is_ascii (data, length) && !g_utf8_validate_len (data, length, &invalid))
    {
      g_set_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_INVALID_UTF8,
                   _("The JSON text is not valid UTF-8 at offset %lu"),
                   (gulong) (invalid - data));
      return FALSE;
    }

  for (; p < end; p++)
    {
      guchar c;

      if (in_string)
        {
          /* A string's plain bytes, skipped at once. */
          while (p < end && !ends_plain_run[(guchar) *p])
            p++;
          if (p >= end)
            break;
          c = (guchar) *p;
          if (c == '\\')
            {
              if (p + 1 >= end)
                break;
              if (p[1] == 'u' && is_escaped_nul (p + 1, end))
                {
                  g_set_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_NUL,
                               _("The JSON text contains an escaped NUL at offset %lu"),
                               (gulong) (p - data));
                  return FALSE;
                }
              p++; /* the escaped character cannot end the string */
            }
          else if (c == '"')
            in_string = FALSE;
          else if (c < 0x20)
            {
              g_set_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_CONTROL_CHAR,
                           _("The JSON text has a raw control character in a string at offset %lu"),
                           (gulong) (p - data));
              return FALSE;
            }
          continue;
        }

      c = (guchar) *p;
      switch (c)
        {
        case '"':
          in_string = TRUE;
          seen_value = TRUE;
          break;

        case '[':
        case '{':
          seen_value = TRUE;
          if (++depth > max_depth)
            {
              g_set_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_TOO_DEEP,
                           _("The JSON text nests deeper than %u levels"), max_depth);
              return FALSE;
            }
          break;

        case ']':
        case '}':
          if (depth == 0)
            {
              g_set_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_UNBALANCED,
                           _("The JSON text closes a bracket it never opened at offset %lu"),
                           (gulong) (p - data));
              return FALSE;
            }
          depth--;
          break;

        case '/':
          g_set_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_COMMENT,
                       _("The JSON text contains a comment or a stray slash at offset %lu"),
                       (gulong) (p - data));
          return FALSE;

        case ' ':
        case '\t':
        case '\n':
        case '\r':
          break;

        default:
          seen_value = TRUE;
          break;
        }
    }

  if (in_string)
    {
      g_set_error_literal (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_UNBALANCED,
                           _("The JSON text ends inside a string"));
      return FALSE;
    }
  if (depth != 0)
    {
      g_set_error_literal (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_UNBALANCED,
                           _("The JSON text ends before all its brackets are matched"));
      return FALSE;
    }
  if (!seen_value)
    {
      g_set_error_literal (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_EMPTY,
                           _("The JSON text is empty"));
      return FALSE;
    }

  return TRUE;
}

JsonNode *
wg_json_parse_untrusted_data (const char  *data,
                              gsize        length,
                              guint        max_depth,
                              GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!wg_json_guard_scan (data, length, max_depth, error))
    return NULL;

  /* Most texts are strict JSON that json-glib's scanner reads at a tenth
   * of the speed; anything else is json-glib's to read or refuse. */
  root = wg_json_read_strict (data, length, max_depth);
  if (root != NULL)
    return root;

  /* Immutable nodes: they are shared with the stream hub without copies. */
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_SYNTAX,
                   _("The JSON text is malformed: %s"), local_error->message);
      return NULL;
    }

  root = json_parser_steal_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_EMPTY,
                           _("The JSON text is empty"));
      return NULL;
    }

  return root;
}

JsonNode *
wg_json_parse_untrusted (GBytes      *bytes,
                         guint        max_depth,
                         GError     **error)
{
  gsize length = 0;
  const char *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  return wg_json_parse_untrusted_data (data != NULL ? data : "", length, max_depth, error);
}
