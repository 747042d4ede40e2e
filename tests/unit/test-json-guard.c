/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "wg-json-guard.h"

static void
assert_refused (const char       *text,
                gsize             length,
                guint             max_depth,
                WgJsonGuardError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  /* Syntax errors pass the scan: only json-glib sees them. */
  if (code != WG_JSON_GUARD_ERROR_SYNTAX)
    {
      g_assert_false (wg_json_guard_scan (text, length, max_depth, &error));
      g_assert_error (error, WG_JSON_GUARD_ERROR, code);
      g_clear_error (&error);
    }
  else
    g_assert_true (wg_json_guard_scan (text, length, max_depth, NULL));
  node = wg_json_parse_untrusted_data (text, length, max_depth, &error);
  g_assert_null (node);
  g_assert_error (error, WG_JSON_GUARD_ERROR, code);
}

static void
assert_accepted (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_true (wg_json_guard_scan (text, strlen (text), 64, &error));
  g_assert_no_error (error);
  node = wg_json_parse_untrusted_data (text, strlen (text), 64, &error);
  g_assert_no_error (error);
  g_assert_nonnull (node);
}

static char *
nested (char   open,
        char   close,
        gsize  n)
{
  char *s = g_malloc (2 * n + 1);

  memset (s, open, n);
  memset (s + n, close, n);
  s[2 * n] = '\0';
  return s;
}

static void
test_plain_documents (void)
{
  assert_accepted ("{}");
  assert_accepted ("[]");
  assert_accepted ("0");
  assert_accepted ("\"x\"");
  assert_accepted ("{\"positions\":[{\"unit\":\"u1\",\"lat\":31.2,\"lon\":121.4}]}");
  assert_accepted ("  \n\t{\"a\" : [1, 2.5e3, true, false, null]}\r\n");
  assert_accepted ("{\"name\":\"网格 Wangge\"}");
}

static void
test_depth_limit_boundary (void)
{
  g_autofree char *ok = nested ('[', ']', 64);
  g_autofree char *deep = nested ('[', ']', 65);
  g_autofree char *objs = NULL;
  g_autoptr(GString) s = g_string_new (NULL);

  assert_accepted (ok);
  assert_refused (deep, strlen (deep), 64, WG_JSON_GUARD_ERROR_TOO_DEEP);

  /* Objects and arrays count alike. */
  for (guint i = 0; i < 65; i++)
    g_string_append (s, i % 2 ? "[" : "{\"k\":");
  objs = g_strdup (s->str);
  assert_refused (objs, strlen (objs), 64, WG_JSON_GUARD_ERROR_TOO_DEEP);

  /* A custom limit. */
  assert_refused ("[[[1]]]", 7, 2, WG_JSON_GUARD_ERROR_TOO_DEEP);
  g_assert_true (wg_json_guard_scan ("[[[1]]]", 7, 3, NULL));
}

static void
test_one_mebibyte_of_brackets (void)
{
  gsize n = 1024 * 1024;
  g_autofree char *s = g_malloc (n);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  gint64 start = g_get_monotonic_time ();

  memset (s, '[', n);
  node = wg_json_parse_untrusted_data (s, n, 64, &error);
  g_assert_null (node);
  g_assert_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_TOO_DEEP);
  /* It stops at the 65th byte; the whole scan must be far below a second. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  memset (s, '{', n);
  g_clear_error (&error);
  g_assert_false (wg_json_guard_scan (s, n, 64, &error));
  g_assert_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_TOO_DEEP);
}

static void
test_long_flat_document_is_linear (void)
{
  g_autoptr(GString) s = g_string_new ("[");
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 200000; i++)
    g_string_append (s, "[1,\"a\\\"]\"],");
  g_string_append (s, "0]");
  g_assert_true (wg_json_guard_scan (s->str, s->len, 2, &error));
  g_assert_no_error (error);
}

static void
test_comments_refused (void)
{
  assert_refused ("// hi\n{}", 8, 64, WG_JSON_GUARD_ERROR_COMMENT);
  assert_refused ("{} // trailing", 14, 64, WG_JSON_GUARD_ERROR_COMMENT);
  assert_refused ("/* c */ {}", 10, 64, WG_JSON_GUARD_ERROR_COMMENT);
  assert_refused ("{\"a\":/*x*/1}", 12, 64, WG_JSON_GUARD_ERROR_COMMENT);
  assert_refused ("[1,/", 4, 64, WG_JSON_GUARD_ERROR_COMMENT);
}

static void
test_slashes_inside_strings_allowed (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const char *text = "{\"url\":\"http://x/*y*/\",\"c\":\"// not a comment\"}";
  JsonObject *obj;

  node = wg_json_parse_untrusted_data (text, strlen (text), 64, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (node);
  g_assert_cmpstr (json_object_get_string_member (obj, "url"), ==, "http://x/*y*/");
  g_assert_cmpstr (json_object_get_string_member (obj, "c"), ==, "// not a comment");
}

static void
test_escaped_quotes_and_brackets_in_strings (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  /* Brackets inside strings do not count; \" does not end a string; \\"
   * does. */
  const char *text = "{\"a\":\"[[[[\\\"]]]]{{{\",\"b\":\"\\\\\",\"c\":[\"\\\\\\\"\"]}";
  g_autoptr(GString) s = g_string_new ("\"");

  node = wg_json_parse_untrusted_data (text, strlen (text), 2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "a"), ==,
                   "[[[[\"]]]]{{{");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "b"), ==, "\\");

  for (guint i = 0; i < 10000; i++)
    g_string_append_c (s, '[');
  g_string_append_c (s, '"');
  g_assert_true (wg_json_guard_scan (s->str, s->len, 1, NULL));

  /* An escaped backslash followed by a quote ends the string: the bracket
   * after it counts. */
  assert_refused ("[\"\\\\\"]]", 7, 64, WG_JSON_GUARD_ERROR_UNBALANCED);
  /* A comment right after an escaped quote stays inside the string. */
  assert_accepted ("[\"\\\"//\"]");
}

static void
test_nul_bytes_refused (void)
{
  const char with_nul[] = "{\"a\":\"x\0y\"}";

  assert_refused (with_nul, sizeof with_nul - 1, 64, WG_JSON_GUARD_ERROR_NUL);
  assert_refused ("\0", 1, 64, WG_JSON_GUARD_ERROR_NUL);
  assert_refused ("{\"a\":\"x\\u0000y\"}", 16, 64, WG_JSON_GUARD_ERROR_NUL);
  /* \u00000 is still NUL followed by '0'; \u0001 is not NUL. */
  assert_accepted ("[\"\\u0001\"]");
}

static void
test_invalid_utf8_refused (void)
{
  assert_refused ("[\"\xff\"]", 5, 64, WG_JSON_GUARD_ERROR_INVALID_UTF8);
  assert_refused ("[\"\xc3\"]", 5, 64, WG_JSON_GUARD_ERROR_INVALID_UTF8);        /* truncated sequence */
  assert_refused ("[\"\xc0\xaf\"]", 6, 64, WG_JSON_GUARD_ERROR_INVALID_UTF8);    /* overlong '/' */
  assert_refused ("[\"\xed\xa0\x80\"]", 7, 64, WG_JSON_GUARD_ERROR_INVALID_UTF8); /* surrogate */
  assert_refused ("[1]\xe4\xb8", 5, 64, WG_JSON_GUARD_ERROR_INVALID_UTF8);
}

static void
test_control_characters_in_strings_refused (void)
{
  assert_refused ("[\"a\nb\"]", 7, 64, WG_JSON_GUARD_ERROR_CONTROL_CHAR);
  assert_refused ("[\"\x01\"]", 5, 64, WG_JSON_GUARD_ERROR_CONTROL_CHAR);
}

static void
test_unbalanced_and_empty (void)
{
  assert_refused ("]", 1, 64, WG_JSON_GUARD_ERROR_UNBALANCED);
  assert_refused ("[1]]", 4, 64, WG_JSON_GUARD_ERROR_UNBALANCED);
  assert_refused ("[1", 2, 64, WG_JSON_GUARD_ERROR_UNBALANCED);
  assert_refused ("\"abc", 4, 64, WG_JSON_GUARD_ERROR_UNBALANCED);
  assert_refused ("[\"abc\\", 6, 64, WG_JSON_GUARD_ERROR_UNBALANCED);
  assert_refused ("", 0, 64, WG_JSON_GUARD_ERROR_EMPTY);
  assert_refused (" \n\t ", 4, 64, WG_JSON_GUARD_ERROR_EMPTY);
}

static void
test_syntax_errors_reported_by_parser (void)
{
  /* The scan passes these; json-glib refuses them, and the error keeps our
   * domain so the server maps it to one slug. */
  assert_refused ("{\"a\" 1}", 7, 64, WG_JSON_GUARD_ERROR_SYNTAX);
  assert_refused ("[1,,2]", 6, 64, WG_JSON_GUARD_ERROR_SYNTAX);
  assert_refused ("{\"a\":}", 6, 64, WG_JSON_GUARD_ERROR_SYNTAX);
}

static void
test_parse_from_bytes (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("{\"x\":[1,2,3]}", 13);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonNode) none = NULL;

  node = wg_json_parse_untrusted (bytes, 64, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (node), "x")), ==, 3);

  none = wg_json_parse_untrusted (empty, 64, &error);
  g_assert_null (none);
  g_assert_error (error, WG_JSON_GUARD_ERROR, WG_JSON_GUARD_ERROR_EMPTY);
}

/* Random texts over JSON's own characters (plus slashes, stars, escapes,
 * bytes of multibyte UTF-8): the scan never over-reads (ASan builds check),
 * its depth verdict matches a plain bracket count outside strings, and
 * whatever it lets through json-glib parses or refuses without harm. */
static void
test_random_inputs (void)
{
  static const char alphabet[] = "[]{}\",:/*\\ ntu0a1-.e\n\xe4\xb8\xad";
  guint accepted = 0;

  for (guint round = 0; round < 20000; round++)
    {
      gsize length = g_test_rand_int_range (0, 80);
      g_autofree char *text = g_malloc (length + 1);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;
      gboolean in_string = FALSE;
      int depth = 0, max_depth = 0;

      for (gsize i = 0; i < length; i++)
        text[i] = alphabet[g_test_rand_int_range (0, sizeof alphabet - 1)];
      text[length] = '\0';

      if (!wg_json_guard_scan (text, length, 4, &error))
        {
          g_assert_true (error->domain == WG_JSON_GUARD_ERROR);
          continue;
        }

      /* Accepted: then it is UTF-8, has no comment, and nests at most 4. */
      g_assert_true (g_utf8_validate (text, length, NULL));
      for (gsize i = 0; i < length; i++)
        {
          char c = text[i];

          if (in_string)
            {
              if (c == '\\')
                i++;
              else if (c == '"')
                in_string = FALSE;
              continue;
            }
          g_assert_cmpint (c, !=, '/');
          if (c == '"')
            in_string = TRUE;
          else if (c == '[' || c == '{')
            {
              depth++;
              max_depth = MAX (max_depth, depth);
            }
          else if (c == ']' || c == '}')
            depth--;
          g_assert_cmpint (depth, >=, 0);
        }
      g_assert_false (in_string);
      g_assert_cmpint (depth, ==, 0);
      g_assert_cmpint (max_depth, <=, 4);

      accepted++;
      node = wg_json_parse_untrusted_data (text, length, 4, &error);
      g_assert_true ((node != NULL) != (error != NULL));
    }
  g_test_message ("%u of 20000 random texts passed the scan", accepted);
  g_assert_cmpuint (accepted, >, 0);
}

static void
test_slugs_are_stable (void)
{
  g_assert_cmpstr (wg_json_guard_error_slug (WG_JSON_GUARD_ERROR_TOO_DEEP), ==, "json-too-deep");
  g_assert_cmpstr (wg_json_guard_error_slug (WG_JSON_GUARD_ERROR_COMMENT), ==, "json-comment");
  g_assert_cmpstr (wg_json_guard_error_slug (WG_JSON_GUARD_ERROR_INVALID_UTF8), ==, "invalid-utf8");
  g_assert_cmpstr (wg_json_guard_error_slug (WG_JSON_GUARD_ERROR_NUL), ==, "json-nul");
  g_assert_cmpstr (wg_json_guard_error_slug (WG_JSON_GUARD_ERROR_SYNTAX), ==, "malformed-json");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json-guard/plain-documents", test_plain_documents);
  g_test_add_func ("/json-guard/depth-limit-boundary", test_depth_limit_boundary);
  g_test_add_func ("/json-guard/one-mebibyte-of-brackets", test_one_mebibyte_of_brackets);
  g_test_add_func ("/json-guard/long-flat-document", test_long_flat_document_is_linear);
  g_test_add_func ("/json-guard/comments-refused", test_comments_refused);
  g_test_add_func ("/json-guard/slashes-in-strings", test_slashes_inside_strings_allowed);
  g_test_add_func ("/json-guard/escapes", test_escaped_quotes_and_brackets_in_strings);
  g_test_add_func ("/json-guard/nul", test_nul_bytes_refused);
  g_test_add_func ("/json-guard/invalid-utf8", test_invalid_utf8_refused);
  g_test_add_func ("/json-guard/control-chars", test_control_characters_in_strings_refused);
  g_test_add_func ("/json-guard/unbalanced-and-empty", test_unbalanced_and_empty);
  g_test_add_func ("/json-guard/syntax", test_syntax_errors_reported_by_parser);
  g_test_add_func ("/json-guard/bytes", test_parse_from_bytes);
  g_test_add_func ("/json-guard/random-inputs", test_random_inputs);
  g_test_add_func ("/json-guard/slugs", test_slugs_are_stable);

  return g_test_run ();
}
