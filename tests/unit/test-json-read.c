/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wg_json_read_strict() must build json-glib's tree for what it reads and
 * decline whatever json-glib refuses, on what passes the guard (as in
 * wg_json_parse_untrusted): generated documents, and every one of them
 * with random bytes changed.  wg_json_read_strict_members() must read
 * the same members where it reads the object, and decline the rest.
 */
#include <math.h>
#include <string.h>

#include "wg-command.h"
#include "wg-json-guard.h"
#include "wg-json-read.h"
#include "tests/common/test-sanitizer.h"

/* A fifth of them under AddressSanitizer (CI's LeakSanitizer stage: 30 s
 * for the whole number, 0.3 s natively). */
#define DOCUMENTS TEST_SAMPLE (20000, 4000)

static void
assert_same_tree (JsonNode *a,
                  JsonNode *b)
{
  g_assert_cmpint (JSON_NODE_TYPE (a), ==, JSON_NODE_TYPE (b));
  g_assert_true (json_node_is_immutable (a));
  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter ia, ib;
        const char *na, *nb;
        JsonNode *va, *vb;

        g_assert_cmpuint (json_object_get_size (json_node_get_object (a)), ==,
                          json_object_get_size (json_node_get_object (b)));
        json_object_iter_init_ordered (&ia, json_node_get_object (a));
        json_object_iter_init_ordered (&ib, json_node_get_object (b));
        while (json_object_iter_next_ordered (&ia, &na, &va))
          {
            g_assert_true (json_object_iter_next_ordered (&ib, &nb, &vb));
            g_assert_cmpstr (na, ==, nb);
            assert_same_tree (va, vb);
          }
      }
      break;
    case JSON_NODE_ARRAY:
      {
        JsonArray *aa = json_node_get_array (a), *ab = json_node_get_array (b);

        g_assert_cmpuint (json_array_get_length (aa), ==, json_array_get_length (ab));
        for (guint i = 0; i < json_array_get_length (aa); i++)
          assert_same_tree (json_array_get_element (aa, i), json_array_get_element (ab, i));
      }
      break;
    case JSON_NODE_VALUE:
      g_assert_true (json_node_get_value_type (a) == json_node_get_value_type (b));
      if (json_node_get_value_type (a) == G_TYPE_INT64)
        g_assert_cmpint (json_node_get_int (a), ==, json_node_get_int (b));
      else if (json_node_get_value_type (a) == G_TYPE_DOUBLE)
        {
          double da = json_node_get_double (a), db = json_node_get_double (b);

          g_assert_cmpmem (&da, sizeof da, &db, sizeof db);
        }
      else if (json_node_get_value_type (a) == G_TYPE_BOOLEAN)
        g_assert_cmpint (json_node_get_boolean (a), ==, json_node_get_boolean (b));
      else
        g_assert_cmpstr (json_node_get_string (a), ==, json_node_get_string (b));
      break;
    case JSON_NODE_NULL:
    default:
      break;
    }
}

/* The members' reader on @text, against the whole text's tree @ours (NULL:
 * declined): the same values under all the names, a decline with one
 * name short, and a decline wherever the whole reader declines or the
 * text is not an object. */
static void
check_members (const char *text,
               gsize       length,
               JsonNode   *ours)
{
  const char *names[8];
  JsonNode *values[G_N_ELEMENTS (names)];
  guint n = 0;

  if (ours != NULL && JSON_NODE_HOLDS_OBJECT (ours) &&
      json_object_get_size (json_node_get_object (ours)) <= G_N_ELEMENTS (names))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *node;

      json_object_iter_init (&iter, json_node_get_object (ours));
      while (json_object_iter_next (&iter, &name, &node))
        names[n++] = name;
      g_assert_true (wg_json_read_strict_members (text, length, WG_JSON_GUARD_DEFAULT_MAX_DEPTH, names, n, values));
      for (guint i = 0; i < n; i++)
        {
          assert_same_tree (values[i], json_object_get_member (json_node_get_object (ours), names[i]));
          json_node_unref (values[i]);
        }
      if (n > 0)
        {
          g_assert_false (wg_json_read_strict_members (text, length, WG_JSON_GUARD_DEFAULT_MAX_DEPTH,
                                                       names, n - 1, values));
          for (guint i = 0; i < n - 1; i++)
            g_assert_null (values[i]);
        }
      return;
    }
  if (ours == NULL || !JSON_NODE_HOLDS_OBJECT (ours))
    {
      names[0] = "a";
      g_assert_false (wg_json_read_strict_members (text, length, WG_JSON_GUARD_DEFAULT_MAX_DEPTH, names, 1, values));
      g_assert_null (values[0]);
    }
}

/* Ours, when it reads @text, is json-glib's tree (so json-glib refusing
 * means ours declined).  TRUE when ours read it.  Texts ours declines go
 * to json-glib only when @always: its parser leaks on some malformed
 * texts (json-glib 1.6), which valgrind would count against this test. */
static gboolean
check_text (const char *text,
            gsize       length,
            gboolean    always)
{
  g_autoptr(JsonNode) ours = NULL;
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  JsonNode *theirs;

  /* What the guard refuses (bad UTF-8, comments...) never gets here. */
  if (!wg_json_guard_scan (text, length, WG_JSON_GUARD_DEFAULT_MAX_DEPTH, NULL))
    return FALSE;
  ours = wg_json_read_strict (text, length, WG_JSON_GUARD_DEFAULT_MAX_DEPTH);
  check_members (text, length, ours);
  if (ours == NULL && !always)
    return FALSE;

  if (!json_parser_load_from_data (parser, text, length, NULL) ||
      (theirs = json_parser_get_root (parser)) == NULL)
    {
      if (ours != NULL)
        g_error ("read what json-glib refuses: %.*s", (int) length, text);
      return FALSE;
    }
  if (ours != NULL)
    assert_same_tree (ours, theirs);
  return ours != NULL;
}

static const char *const pieces[] = {
  "a", "网格", "\\\"", "\\\\", "\\/", "\\b\\f\\n\\r\\t", "\\u00e9", "\\u4E2D", "\\ud83d\\ude00", "\\u0041",
  "😀", " ", "'", "}", "]", ",", ":",
  /* Across the reader's 64-byte buffer for short texts, with and without
   * a piece after it. */
  "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefgh",
};

static void
append_string (GString *out)
{
  guint n = g_random_int_range (0, 5);

  g_string_append_c (out, '"');
  for (guint i = 0; i < n; i++)
    g_string_append (out, pieces[g_random_int_range (0, G_N_ELEMENTS (pieces))]);
  g_string_append_c (out, '"');
}

static void
append_value (GString *out,
              guint    depth)
{
  static const char *const numbers[] = {
    "0", "-1", "7", "1733560000000", "123456789012345678", "1234567890123456789", "-0", "0.5", "-0.0",
    "23.210000000000001", "113.29", "1e5", "1E-7", "2.5e+3", "1e400", "9223372036854775807",
  };
  guint kind = g_random_int_range (0, depth > 4 ? 4 : 7);

  switch (kind)
    {
    case 0:
      append_string (out);
      break;
    case 1:
      g_string_append (out, numbers[g_random_int_range (0, G_N_ELEMENTS (numbers))]);
      break;
    case 2:
      g_string_append_printf (out, "%.17g", g_random_double_range (-180, 180));
      break;
    case 3:
      g_string_append (out, g_random_boolean () ? (g_random_boolean () ? "true" : "false") : "null");
      break;
    case 4:
    case 5:
      {
        guint n = g_random_int_range (0, 5);

        g_string_append_c (out, '{');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append (out, g_random_int_range (0, 8) == 0 ? " , " : ",");
            if (g_random_int_range (0, 6) == 0)
              g_string_append (out, "\"k\"");   /* duplicates, now and then */
            else
              append_string (out);
            g_string_append (out, g_random_boolean () ? ":" : " :\n ");
            append_value (out, depth + 1);
          }
        g_string_append_c (out, '}');
      }
      break;
    default:
      {
        guint n = g_random_int_range (0, 5);

        g_string_append (out, g_random_boolean () ? "[" : "[ ");
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            append_value (out, depth + 1);
          }
        g_string_append_c (out, ']');
      }
      break;
    }
}

static void
test_generated (void)
{
  guint read = 0;

  for (guint i = 0; i < DOCUMENTS; i++)
    {
      g_autoptr(GString) text = g_string_new (g_random_boolean () ? "" : " ");

      append_value (text, 0);
      if (g_random_boolean ())
        g_string_append (text, "\n");
      read += check_text (text->str, text->len, TRUE);
      /* The same text with bytes changed, dropped or cut short. */
      for (guint j = 0; j < 4; j++)
        {
          g_autofree char *mutated = g_strdup (text->str);
          gsize at = g_random_int_range (0, text->len);
          gsize length = text->len;

          switch (j)
            {
            case 0:
              {
                static const char replacements[] = "{}[],:\"\\0123456789.eE-+ tfn";

                mutated[at] = replacements[g_random_int_range (0, sizeof replacements - 1)];
              }
              break;
            case 1:
              memmove (mutated + at, mutated + at + 1, length - at);
              length--;
              break;
            default:
              length = at;
              break;
            }
          check_text (mutated, length, FALSE);
        }
    }
  /* Most of the generated documents are the fast path's. */
  g_assert_cmpuint (read, >, DOCUMENTS / 4);
}

static void
test_command (void)
{
  const char *text = "{\"id\":\"6f1c1f7e-2b5d-4a39-8f47-9d2f1a1e0c3b\",\"type\":\"incident.report\",\"body\":"
                     "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,\"lon\":113.29},"
                     "\"summary\":\"bench\"}}";

  g_assert_true (check_text (text, strlen (text), TRUE));
}

/* The command read without its envelope's object is the command read from
 * the whole tree; anything not a well-formed command is declined. */
static void
test_command_strict (void)
{
  const char *id = "6f1c1f7e-2b5d-4a39-8f47-9d2f1a1e0c3b";
  const char *body = "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,\"lon\":113.29},"
                     "\"summary\":\"bench\"}";
  g_autofree char *text = g_strdup_printf (" {\"type\" : \"incident.report\",\"body\":%s,\"\\u0069d\":\"%s\"}\n", body, id);
  g_autoptr(WgCommand) fast = wg_command_read_strict (text, strlen (text), WG_JSON_GUARD_DEFAULT_MAX_DEPTH);
  g_autoptr(WgCommand) slow = wg_command_from_string (text, -1, NULL);
  /* @: the id. */
  const char *declined[] = {
    "{\"id\":\"@\",\"type\":\"incident.report\",\"body\":{},\"extra\":1}",
    "{\"id\":\"@\",\"type\":\"incident.report\"}",
    "{\"id\":\"@\",\"type\":\"incident.report\",\"body\":[]}",
    "{\"id\":\"@\",\"type\":\"incident.report\",\"body\":null}",
    "{\"id\":\"@\",\"id\":\"@\",\"type\":\"incident.report\",\"body\":{}}",
    "{\"id\":\"@\",\"type\":\"incident.nothing\",\"body\":{}}",
    "{\"id\":\"@\",\"type\":7,\"body\":{}}",
    "{\"id\":\"not-@\",\"type\":\"incident.report\",\"body\":{}}",
    "{\"id\":\"@\",\"type\":\"incident.report\",\"body\":{}} x",
    "[\"@\"]",
  };

  g_assert_nonnull (fast);
  g_assert_nonnull (slow);
  g_assert_cmpstr (wg_command_get_id (fast), ==, id);
  g_assert_cmpint (wg_command_get_kind (fast), ==, wg_command_get_kind (slow));
  g_assert_cmpstr (wg_command_get_body_hash (fast), ==, wg_command_get_body_hash (slow));
  g_assert_true (json_object_equal (wg_command_get_body (fast), wg_command_get_body (slow)));
  for (guint i = 0; i < G_N_ELEMENTS (declined); i++)
    {
      g_auto(GStrv) around = g_strsplit (declined[i], "@", -1);
      g_autofree char *wrong = g_strjoinv (id, around);
      g_autoptr(WgCommand) none = wg_command_read_strict (wrong, strlen (wrong), WG_JSON_GUARD_DEFAULT_MAX_DEPTH);

      g_test_message ("%s", wrong);
      g_assert_null (none);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-read/command", test_command);
  g_test_add_func ("/json-read/command-strict", test_command_strict);
  g_test_add_func ("/json-read/generated", test_generated);
  return g_test_run ();
}
