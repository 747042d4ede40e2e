/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-error"

#include "config.h"

#include <string.h>

#include "wg-error.h"

static const struct {
  const char *slug;
  guint status;
} error_table[] = {
  [WG_ERROR_INVALID_COMMAND] = { "invalid-command", 400 },
  [WG_ERROR_INVALID_FIELD] = { "invalid-field", 422 },
  [WG_ERROR_UNKNOWN_INCIDENT] = { "unknown-incident", 404 },
  [WG_ERROR_UNKNOWN_ASSIGNMENT] = { "unknown-assignment", 404 },
  [WG_ERROR_UNKNOWN_UNIT] = { "unknown-unit", 404 },
  [WG_ERROR_UNKNOWN_CATEGORY] = { "unknown-category", 422 },
  [WG_ERROR_ILLEGAL_TRANSITION] = { "illegal-transition", 409 },
  [WG_ERROR_FORBIDDEN] = { "forbidden", 403 },
  [WG_ERROR_UNIT_UNAVAILABLE] = { "unit-unavailable", 409 },
  [WG_ERROR_IDEMPOTENCY_KEY_REUSE] = { "idempotency-key-reuse", 409 },
  [WG_ERROR_INVALID_EVENT] = { "invalid-event", 422 },
  [WG_ERROR_STORE] = { "store-failure", 500 },
  [WG_ERROR_UNKNOWN_DEPARTMENT] = { "unknown-department", 422 },
  [WG_ERROR_LOCATION_OUT_OF_AREA] = { "location-out-of-area", 422 },
  [WG_ERROR_UNKNOWN_ATTACHMENT] = { "unknown-attachment", 422 },
  [WG_ERROR_ATTACHMENT_IN_USE] = { "attachment-in-use", 409 },
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_table) == WG_N_ERRORS);

G_DEFINE_QUARK (wg-error-quark, wg_error)

const char *
wg_error_code_to_slug (WgErrorCode code)
{
  g_return_val_if_fail ((guint) code < WG_N_ERRORS, NULL);
  return error_table[code].slug;
}

gboolean
wg_error_code_from_slug (const char  *slug,
                         WgErrorCode *out_code)
{
  for (guint i = 0; slug != NULL && i < WG_N_ERRORS; i++)
    {
      if (strcmp (error_table[i].slug, slug) == 0)
        {
          if (out_code != NULL)
            *out_code = (WgErrorCode) i;
          return TRUE;
        }
    }
  return FALSE;
}

guint
wg_error_code_http_status (WgErrorCode code)
{
  g_return_val_if_fail ((guint) code < WG_N_ERRORS, 500);
  return error_table[code].status;
}

gboolean
wg_error_is_rule_refusal (const GError *error)
{
  if (error == NULL || error->domain != WG_ERROR)
    return FALSE;

  switch ((WgErrorCode) error->code)
    {
    case WG_ERROR_INVALID_FIELD:
    case WG_ERROR_UNKNOWN_INCIDENT:
    case WG_ERROR_UNKNOWN_ASSIGNMENT:
    case WG_ERROR_UNKNOWN_UNIT:
    case WG_ERROR_UNKNOWN_CATEGORY:
    case WG_ERROR_ILLEGAL_TRANSITION:
    case WG_ERROR_FORBIDDEN:
    case WG_ERROR_UNIT_UNAVAILABLE:
    case WG_ERROR_UNKNOWN_DEPARTMENT:
    case WG_ERROR_LOCATION_OUT_OF_AREA:
    case WG_ERROR_UNKNOWN_ATTACHMENT:
    case WG_ERROR_ATTACHMENT_IN_USE:
      return TRUE;
    case WG_ERROR_INVALID_COMMAND:
    case WG_ERROR_IDEMPOTENCY_KEY_REUSE:
    case WG_ERROR_INVALID_EVENT:
    case WG_ERROR_STORE:
    case WG_N_ERRORS:
    default:
      return FALSE;
    }
}
