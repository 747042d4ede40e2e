/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * problem+json answers.  The slugs are the stable part of the contract
 * (docs/api.md lists them); titles are for people and may be translated.
 */
#define G_LOG_DOMAIN "wg-problem"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wg-attachment-store.h"
#include "wg-error.h"
#include "wg-image.h"
#include "wg-json-guard.h"
#include "wg-json-write.h"
#include "wg-problem.h"
#include "wg-track-store.h"

typedef struct
{
  const char *slug;
  const char *title;
} ProblemType;

static const ProblemType problem_types[] = {
  { "not-found", N_("No such resource") },
  { "unauthorized", N_("Authentication required") },
  { "method-not-allowed", N_("Method not allowed on this resource") },
  { "body-too-large", N_("Request body too large") },
  { "unsupported-media-type", N_("The body must be application/json") },
  { "json-too-deep", N_("JSON nested too deeply") },
  { "json-comment", N_("Comments are not JSON") },
  { "json-nul", N_("NUL characters are not allowed") },
  { "invalid-utf8", N_("The body is not valid UTF-8") },
  { "malformed-json", N_("The body is not valid JSON") },
  { "invalid-request", N_("Invalid request parameters") },
  { "invalid-positions", N_("Invalid positions") },
  { "websocket-required", N_("This resource needs a WebSocket upgrade") },
  { "seq-beyond-head", N_("The requested sequence number is beyond the journal head") },
  { "shutting-down", N_("The server is shutting down") },
  { "storage-failed", N_("The server could not store the request") },
  { "internal-error", N_("Internal server error") },
  { "forbidden", N_("Not allowed for this account") },
  { "too-many-requests", N_("Too many requests: slow down") },
  { "invalid-credentials", N_("Wrong user name or password") },
  { "busy", N_("The server is busy: try again shortly") },
  { "no-reference", N_("The server has no reference data") },
  { "not-emergency", N_("Only emergencies have a CAP alert") },
  { "invalid-command", N_("Malformed command") },
  { "invalid-field", N_("A field of the command is missing or wrong") },
  { "unknown-incident", N_("No such incident") },
  { "unknown-assignment", N_("No such assignment") },
  { "unknown-unit", N_("No such unit") },
  { "unknown-category", N_("No such category") },
  { "unknown-department", N_("No such department") },
  { "location-out-of-area", N_("The location is outside the area this centre serves") },
  { "illegal-transition", N_("Not possible in the current state") },
  { "unit-unavailable", N_("A unit is not available") },
  { "idempotency-key-reuse", N_("The command id was used for another command") },
  { "store-failure", N_("The database failed: try again") },
  { "too-large", N_("The file is too large") },
  { "image-too-many-pixels", N_("The image has too many pixels") },
  { "image-malformed", N_("The image is damaged or not readable") },
  { "unknown-attachment", N_("No such attachment") },
  { "attachment-in-use", N_("The attachment belongs to another incident") },
};

const char *
wg_problem_title_for_slug (const char *slug)
{
  for (guint i = 0; i < G_N_ELEMENTS (problem_types); i++)
    if (g_str_equal (problem_types[i].slug, slug))
      return _(problem_types[i].title);
  return _("Request refused");
}

JsonNode *
wg_problem_new (guint       status,
                const char *slug,
                const char *detail)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *type = NULL;

  g_return_val_if_fail (slug != NULL, NULL);

  type = g_strconcat (WG_PROBLEM_TYPE_BASE, slug, NULL);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, wg_problem_title_for_slug (slug));
  json_builder_set_member_name (builder, "status");
  json_builder_add_int_value (builder, status);
  if (detail != NULL)
    {
      json_builder_set_member_name (builder, "detail");
      json_builder_add_string_value (builder, detail);
    }
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, slug);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
wg_problem_to_string (guint       status,
                      const char *slug,
                      const char *detail)
{
  g_autoptr(JsonNode) node = wg_problem_new (status, slug, detail);

  return wg_json_node_to_text (node);
}

void
wg_problem_respond (SoupServerMessage *msg,
                    guint              status,
                    const char        *slug,
                    const char        *detail)
{
  char *body;
  gsize length;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  body = wg_problem_to_string (status, slug, detail);
  length = strlen (body);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, WG_PROBLEM_CONTENT_TYPE, SOUP_MEMORY_TAKE, body, length);
}

/* Maps the errors of our own domains to their problem; anything else is a
 * 500 whose detail is the message (it never carries secrets). */
/* The status wg_problem_respond_error() answers for @error. */
guint
wg_problem_status_for_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, SOUP_STATUS_INTERNAL_SERVER_ERROR);

  if (error->domain == WG_JSON_GUARD_ERROR)
    return SOUP_STATUS_BAD_REQUEST;
  if (error->domain == WG_ERROR)
    return wg_error_code_http_status (error->code);
  if (error->domain == WG_IMAGE_ERROR)
    return wg_image_error_http_status (error->code);
  if (error->domain == WG_ATTACHMENT_STORE_ERROR)
    {
      /* In a command: the ids are the command's fields. */
      if (error->code == WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT)
        return SOUP_STATUS_UNPROCESSABLE_ENTITY;
      if (error->code == WG_ATTACHMENT_STORE_ERROR_IN_USE)
        return SOUP_STATUS_CONFLICT;
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    }
  if (error->domain == WG_TRACK_STORE_ERROR)
    return SOUP_STATUS_SERVICE_UNAVAILABLE;
  return SOUP_STATUS_INTERNAL_SERVER_ERROR;
}

/* The slug wg_problem_respond_error() answers @error with. */
const char *
wg_problem_slug_for_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, "internal-error");

  if (error->domain == WG_JSON_GUARD_ERROR)
    return wg_json_guard_error_slug (error->code);
  if (error->domain == WG_ERROR)
    return wg_error_code_to_slug (error->code);
  if (error->domain == WG_IMAGE_ERROR)
    return wg_image_error_code (error->code);
  if (error->domain == WG_ATTACHMENT_STORE_ERROR)
    return error->code == WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT ||
           error->code == WG_ATTACHMENT_STORE_ERROR_IN_USE
             ? wg_attachment_store_error_code (error->code) : "storage-failed";
  if (error->domain == WG_TRACK_STORE_ERROR)
    return "storage-failed";
  return "internal-error";
}

void
wg_problem_respond_error (SoupServerMessage *msg,
                          const GError      *error)
{
  g_return_if_fail (error != NULL);

  wg_problem_respond (msg, wg_problem_status_for_error (error), wg_problem_slug_for_error (error),
                      error->message);
}

void
wg_json_respond (SoupServerMessage *msg,
                 guint              status,
                 JsonNode          *node)
{
  char *body;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));
  g_return_if_fail (node != NULL);

  body = wg_json_node_to_text (node);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

void
wg_json_respond_builder (SoupServerMessage *msg,
                         guint              status,
                         JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  wg_json_respond (msg, status, root);
}
