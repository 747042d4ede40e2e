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

G_BEGIN_DECLS

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
