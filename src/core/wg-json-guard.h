/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define WG_JSON_GUARD_ERROR (wg_json_guard_error_quark ())

/* Stable codes: programs match on them, and the server maps each one to a
 * problem slug with wg_json_guard_error_slug(). */
typedef enum {
  WG_JSON_GUARD_ERROR_TOO_DEEP,       /* nesting deeper than the limit */
  WG_JSON_GUARD_ERROR_COMMENT,        /* // or block comment outside a string */
  WG_JSON_GUARD_ERROR_INVALID_UTF8,   /* bytes that are not UTF-8 */
  WG_JSON_GUARD_ERROR_NUL,            /* a NUL byte, or \u0000 in a string */
  WG_JSON_GUARD_ERROR_CONTROL_CHAR,   /* a raw control character in a string */
  WG_JSON_GUARD_ERROR_UNBALANCED,     /* a closing bracket without its opener, or an open string */
  WG_JSON_GUARD_ERROR_EMPTY,          /* nothing but white space */
  WG_JSON_GUARD_ERROR_SYNTAX,         /* json-glib refused the text */
} WgJsonGuardError;

#define WG_JSON_GUARD_DEFAULT_MAX_DEPTH 64

GQuark       wg_json_guard_error_quark    (void);
const char  *wg_json_guard_error_slug     (WgJsonGuardError   code);

gboolean     wg_json_guard_scan           (const char        *data,
                                           gsize              length,
                                           guint              max_depth,
                                           GError           **error);
JsonNode    *wg_json_parse_untrusted      (GBytes            *bytes,
                                           guint              max_depth,
                                           GError           **error);
JsonNode    *wg_json_parse_untrusted_data (const char        *data,
                                           gsize              length,
                                           guint              max_depth,
                                           GError           **error);

G_END_DECLS
