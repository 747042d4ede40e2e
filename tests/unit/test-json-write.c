/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wg-json-write must write exactly json-glib's text: stored event texts
 * and command hashes were written by json-glib before it.
 */
#include <math.h>
#include <string.h>

#include "wg-event.h"
#include "wg-json-write.h"
#include "wg-public-display.h"
#include "tests/common/test-sanitizer.h"

/* Random coordinates (six doubles each): a fifth of them under
 * AddressSanitizer (CI's LeakSanitizer stage: 14 s for this test). */
#define COORDINATES TEST_SAMPLE (20000, 4000)

static void
assert_same_text (JsonNode *node)
{
  g_autofree char *expected = json_to_string (node, FALSE);
  g_autofree char *ours = wg_json_node_to_text (node);

  g_assert_cmpstr (ours, ==, expected);
}

static void
test_strings (void)
{
  /* Every byte but NUL, alone and between others; UTF-8, invalid UTF-8. */
  for (int c = 1; c < 256; c++)
    {
      char alone[2] = { (char) c, 0 };
      char between[4] = { 'a', (char) c, 'b', 0 };
      g_autoptr(JsonNode) alone_node = json_node_init_string (json_node_alloc (), alone);
      g_autoptr(JsonNode) between_node = json_node_init_string (json_node_alloc (), between);

      assert_same_text (alone_node);
      assert_same_text (between_node);
    }
  {
    const char *texts[] = { "", "网格 签收\u2028😀", "a\xffz", "\xed\xa0\x80", "\x1f\x1f\"\\/\b\f\n\r\t\x7f" };

    for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
      {
        g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), texts[i]);
        g_autoptr(JsonObject) object = json_object_new ();
        g_autoptr(JsonNode) holder = NULL;

        assert_same_text (node);
        /* As a member name too. */
        json_object_set_int_member (object, texts[i], 1);
        holder = json_node_init_object (json_node_alloc (), object);
        assert_same_text (holder);
      }
  }
}

static void
test_numbers (void)
{
  const gint64 ints[] = { 0, 1, -1, 9, 10, 1733560000000, G_MAXINT64, G_MININT64 };
  const double doubles[] = { 0, -0.0, 1, -1, 0.1, 23.21, 113.29, 1e300, 1e-7, 1e21, 1e16, 5e-324,
                             123456789012345678.0, 1.5, 100, -42.125, G_MAXDOUBLE, G_MINDOUBLE };

  for (guint i = 0; i < G_N_ELEMENTS (ints); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_int (json_node_alloc (), ints[i]);

      assert_same_text (node);
    }
  for (guint i = 0; i < G_N_ELEMENTS (doubles); i++)
    {
      g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), doubles[i]);

      assert_same_text (node);
    }
  /* The range written without printf: coordinates at every precision,
   * next to powers of ten, exact ties at the 17th digit (odd / 2^18 and
   * 1 + odd / 2^17 have 18 significant digits, the last a 5). */
  for (guint i = 0; i < COORDINATES; i++)
    {
      double lat = g_random_double_range (-90, 90);
      double scale = pow (10, g_random_int_range (0, 10));
      double values[] = {
        lat, round (lat * scale) / scale, g_random_double_range (-1e17, 1e17),
        ldexp (g_random_double_range (0.5, 1), g_random_int_range (-10, 57)),
        (2 * g_random_int_range (13107, 131072) + 1) / 262144.0,
        1 + (2 * g_random_int_range (0, 65536) + 1) / 131072.0,
      };

      for (guint j = 0; j < G_N_ELEMENTS (values); j++)
        {
          g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), values[j]);

          assert_same_text (node);
        }
    }
  for (int e = -5; e <= 18; e++)
    {
      double power = pow (10, e);
      double around[] = { power, nextafter (power, 0), nextafter (power, G_MAXDOUBLE), -power };

      for (guint j = 0; j < G_N_ELEMENTS (around); j++)
        {
          g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), around[j]);

          assert_same_text (node);
        }
    }
  /* Random doubles across the exponents. */
  for (guint i = 0; i < 2000; i++)
    {
      double value = ldexp (g_random_double_range (-1, 1), g_random_int_range (-1074, 1024));
      g_autoptr(JsonNode) node = json_node_init_double (json_node_alloc (), value);

      assert_same_text (node);
    }
}

static void
test_documents (void)
{
  const char *documents[] = {
    "{}", "[]", "null", "true", "[false,null,1,-2.5,\"x\"]",
    "{\"b\":1,\"a\":[true,null,{\"x\":\"y\"}],\"c\":{},\"d\":[],\"b\":2}",
    "{\"id\":\"c1\",\"type\":\"incident.report\",\"body\":{\"grade\":\"general\",\"category\":\"garbage\","
    "\"location\":{\"lat\":23.21,\"lon\":113.29},\"summary\":\"bench \\u0001 \\\"q\\\" 满溢\","
    "\"caller\":{\"name\":\"王\",\"phone\":\"13800138000\"},\"photos\":[],\"n\":12345678901234}}",
    "[[[[[[1]]]],{\"a\":{\"b\":{\"c\":[1.0,2e5,-3e-5]}}}]]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(JsonNode) node = json_from_string (documents[i], NULL);

      g_assert_nonnull (node);
      assert_same_text (node);
    }
}

static void
test_null_string (void)
{
  g_autoptr(GString) out = g_string_new (NULL);

  wg_json_write_string (out, NULL);
  wg_json_write_member_name (out, "k", FALSE);
  wg_json_write_int (out, -7);
  g_assert_cmpstr (out->str, ==, "null,\"k\":-7");
}

/* The texts the journal stores, written without building nodes, against
 * the node-built ones: the full event, and the public display's for each
 * kind of case (wg_event_for_public_display is the reference). */
static void
test_event_texts (void)
{
  const char *bodies[] = {
    "{}",
    "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.21,\"lon\":113.29},"
    "\"summary\":\"满溢\",\"caller\":{\"name\":\"王\",\"phone\":\"13800138000\"},\"remark\":\"x\","
    "\"case_day\":\"20261207\",\"photos\":[\"a\"],\"n\":3}",
    "{\"to\":\"leader\",\"location\":null,\"summary\":\"\"}",
  };
  const WgPublicCase cases[] = {
    { FALSE, FALSE, 0, 0 }, { TRUE, FALSE, 0, 0 }, { FALSE, TRUE, 42.5, 129.25 }, { TRUE, TRUE, 42.5, 129.25 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    for (guint with_exercise = 0; with_exercise < 2; with_exercise++)
      {
        g_autoptr(JsonNode) body = json_from_string (bodies[i], NULL);
        g_autoptr(WgEvent) event = wg_event_new (WG_EV_INCIDENT_REPORTED, 1733560000123, "dispatcher", "dispatcher",
                                                 "c1", "s\"1", NULL, json_node_get_object (body));
        g_autoptr(JsonNode) node = NULL;
        g_autofree char *expected = NULL;
        g_autofree char *ours = NULL;

        wg_event_set_seq (event, 42);
        if (with_exercise)
          wg_event_set_exercise (event, "ex-1");
        node = wg_event_to_json (event);
        expected = json_to_string (node, FALSE);
        ours = wg_event_to_string (event);
        g_assert_cmpstr (ours, ==, expected);

        for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
          {
            g_autoptr(WgEvent) public = wg_event_for_public_display (event, &cases[c]);
            g_autoptr(JsonNode) public_node = wg_event_to_json (public);
            g_autofree char *public_expected = json_to_string (public_node, FALSE);
            g_autoptr(GString) own_body = g_string_new (NULL);
            g_autoptr(GString) public_body = g_string_new (NULL);
            g_autoptr(GString) own_ours = g_string_new (NULL);
            g_autoptr(GString) public_ours = g_string_new (NULL);

            wg_public_display_write_bodies (event, &cases[c], own_body, public_body);
            wg_event_write_json_with_body (event, own_body->str, own_body->len, own_ours);
            g_assert_cmpstr (own_ours->str, ==, expected);
            wg_event_write_json_with_body (event, public_body->str, public_body->len, public_ours);
            g_assert_cmpstr (public_ours->str, ==, public_expected);
          }
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json-write/strings", test_strings);
  g_test_add_func ("/json-write/numbers", test_numbers);
  g_test_add_func ("/json-write/documents", test_documents);
  g_test_add_func ("/json-write/null-string", test_null_string);
  g_test_add_func ("/json-write/event-texts", test_event_texts);
  return g_test_run ();
}
