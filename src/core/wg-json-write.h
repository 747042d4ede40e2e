/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Compact JSON text straight into a GString, byte for byte what json-glib
 * 1.6's json_to_string (node, FALSE) writes (its escapes, its "%.17g"
 * doubles with ".0" added when there is no '.', members in insertion
 * order), without a JsonGenerator: the server writes several texts per
 * command, and the generator's allocations and printf calls were a tenth
 * of its CPU.  Stored texts and command hashes keep matching because the
 * output does not change (tests/unit/test-json-write.c compares the two).
 */
#pragma once

#include <json-glib/json-glib.h>
#include <string.h>

G_BEGIN_DECLS

/* @n bytes appended to @out: GLib 2.74's g_string_append_len() is a call
 * through g_string_insert_len() (overlap and position checks) for every
 * piece, most of them a few bytes long, so they are copied here when they
 * fit, which they mostly do. */
static inline void
wg_json_append_bytes (GString    *out,
                      const char *bytes,
                      gsize       n)
{
  if (out->len + n < out->allocated_len)
    {
      memcpy (out->str + out->len, bytes, n);
      out->len += n;
      out->str[out->len] = '\0';
    }
  else
    g_string_append_len (out, bytes, n);
}

/* A literal's bytes, its length known when compiled. */
#define wg_json_append_literal(out, literal) \
  wg_json_append_bytes ((out), "" literal, sizeof (literal) - 1)

void  wg_json_write_node           (GString    *out,
                                    JsonNode   *node);
void  wg_json_write_object         (GString    *out,
                                    JsonObject *object);
/* @value quoted and escaped; NULL is written as null. */
void  wg_json_write_string         (GString    *out,
                                    const char *value);
void  wg_json_write_int            (GString    *out,
                                    gint64      value);
void  wg_json_write_double         (GString    *out,
                                    double      value);
/* "name": with the separator before it unless @first. */
void  wg_json_write_member_name    (GString    *out,
                                    const char *name,
                                    gboolean    first);
char *wg_json_node_to_text         (JsonNode   *node);
/* @value's decimal digits, at least @min_digits of them (zeros first),
 * written to end at @end (room for 20 before it): returns the first.  No
 * printf: case numbers and request ids are written for every command. */
char *wg_format_decimal            (char       *end,
                                    guint64     value,
                                    guint       min_digits);

G_END_DECLS
