/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small json-glib helpers shared by the codecs and decide(): typed member
 * access that tells a missing member from one of the wrong kind, and a
 * canonical serialisation (object members sorted, no whitespace) for
 * hashing command bodies.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Each returns FALSE and sets WG_ERROR_INVALID_FIELD (or the given code)
 * when the member is missing (if required) or has the wrong type.
 * A missing optional member leaves *out untouched and returns TRUE. */
gboolean wg_json_get_string  (JsonObject  *object,
                              const char  *member,
                              gboolean     required,
                              const char **out,
                              GError     **error);
gboolean wg_json_get_int     (JsonObject  *object,
                              const char  *member,
                              gboolean     required,
                              gint64      *out,
                              GError     **error);
gboolean wg_json_get_double  (JsonObject  *object,
                              const char  *member,
                              gboolean     required,
                              double      *out,
                              GError     **error);
gboolean wg_json_get_boolean (JsonObject  *object,
                              const char  *member,
                              gboolean     required,
                              gboolean    *out,
                              GError     **error);
gboolean wg_json_get_object  (JsonObject  *object,
                              const char  *member,
                              gboolean     required,
                              JsonObject **out,
                              GError     **error);
gboolean wg_json_get_array   (JsonObject  *object,
                              const char  *member,
                              gboolean     required,
                              JsonArray  **out,
                              GError     **error);

/* Strings that may be absent: NULL is written as JSON null. */
void     wg_json_set_nullable_string (JsonObject *object,
                                      const char *member,
                                      const char *value);

char    *wg_json_to_canonical (JsonNode   *node);
char    *wg_json_object_hash  (JsonObject *object);
JsonNode *wg_json_parse       (const char *text,
                               gssize      length,
                               GError    **error);
char    *wg_json_object_to_string (JsonObject *object);
/* A node holding @object, taking over the caller's reference. */
JsonNode *wg_json_node_take_object (JsonObject *object);

G_END_DECLS
