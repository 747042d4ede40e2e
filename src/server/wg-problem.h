/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Every refusal is application/problem+json (RFC 9457).  "type" is
 * WG_PROBLEM_TYPE_BASE + slug; "code" repeats the slug for programs. */
#define WG_PROBLEM_TYPE_BASE "https://wangge.example/problems/"
#define WG_PROBLEM_CONTENT_TYPE "application/problem+json"

const char *wg_problem_title_for_slug (const char        *slug);

JsonNode   *wg_problem_new            (guint              status,
                                       const char        *slug,
                                       const char        *detail);
char       *wg_problem_to_string      (guint              status,
                                       const char        *slug,
                                       const char        *detail);
void        wg_problem_respond        (SoupServerMessage *msg,
                                       guint              status,
                                       const char        *slug,
                                       const char        *detail);
guint       wg_problem_status_for_error (const GError    *error);
const char *wg_problem_slug_for_error (const GError      *error);
void        wg_problem_respond_error  (SoupServerMessage *msg,
                                       const GError      *error);

void        wg_json_respond           (SoupServerMessage *msg,
                                       guint              status,
                                       JsonNode          *node);
void        wg_json_respond_builder   (SoupServerMessage *msg,
                                       guint              status,
                                       JsonBuilder       *builder);

G_END_DECLS
