/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "wg-store.h"

G_BEGIN_DECLS

/* Replay's search for a past incident.  SQLite's FTS tokenizers do not
 * split Chinese, so the text is found with instr(): one character such as
 * 火 finds every summary that holds it.  Category and grid names live in
 * the reference, not in the store: the caller passes the codes whose names
 * hold the text, and an incident of one of them matches too. */
typedef struct
{
  const char        *text;        /* in the summary or the case number (ASCII case ignored); NULL or "": any */
  const char *const *categories;  /* codes whose names hold the text; NULL: none */
  const char *const *grids;       /* likewise for grids */
  gint64             from_ms;     /* reported at or after (0: no bound) */
  gint64             to_ms;       /* reported before (0: no bound) */
} WgIncidentQuery;

/* The ids of the incidents matching @query, latest report first, at most
 * @limit (char*). */
GPtrArray *wg_store_search_incidents (WgStore                *self,
                                      const WgIncidentQuery  *query,
                                      guint                   limit,
                                      GError                **error);

G_END_DECLS
