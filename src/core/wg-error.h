/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WG_ERROR: the stable refusal codes of the engine.  Each code has a slug
 * (the problem+json `code`, never translated) and an HTTP status.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WG_ERROR (wg_error_quark ())

typedef enum {
  WG_ERROR_INVALID_COMMAND,       /* malformed envelope or unknown type */
  WG_ERROR_INVALID_FIELD,         /* a body field missing or of the wrong kind */
  WG_ERROR_UNKNOWN_INCIDENT,
  WG_ERROR_UNKNOWN_ASSIGNMENT,
  WG_ERROR_UNKNOWN_UNIT,
  WG_ERROR_UNKNOWN_CATEGORY,
  WG_ERROR_ILLEGAL_TRANSITION,    /* not legal in the current state */
  WG_ERROR_FORBIDDEN,             /* role or scope does not allow it */
  WG_ERROR_UNIT_UNAVAILABLE,
  WG_ERROR_IDEMPOTENCY_KEY_REUSE, /* same command id, another command */
  WG_ERROR_INVALID_EVENT,         /* malformed event (codec, pulled journal) */
  WG_ERROR_STORE,                 /* the database failed: not the client's fault */
  WG_ERROR_UNKNOWN_DEPARTMENT,    /* a route to a department not in the reference data */
  WG_ERROR_LOCATION_OUT_OF_AREA,  /* farther than the margin from every street served */
  WG_ERROR_UNKNOWN_ATTACHMENT,    /* no such upload, or another user's */
  WG_ERROR_ATTACHMENT_IN_USE,     /* an upload already on another incident */
  WG_N_ERRORS
} WgErrorCode;

GQuark       wg_error_quark         (void);
const char  *wg_error_code_to_slug  (WgErrorCode code);
gboolean     wg_error_code_from_slug (const char  *slug,
                                      WgErrorCode *out_code);
guint        wg_error_code_http_status (WgErrorCode code);
/* TRUE for refusals by a rule, which the idempotency table stores. */
gboolean     wg_error_is_rule_refusal (const GError *error);

G_END_DECLS
