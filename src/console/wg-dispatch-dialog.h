/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wg-context.h"

G_BEGIN_DECLS

/* A force that could go, as the dispatch dialog ranks it. */
typedef struct {
  WgForce  *force;
  double    distance_m;
  double    eta_s;          /* from its latest position (or home) */
  double    rank_eta_s;     /* with the penalty for a stale position: half
                             * its age (at most 900 s), 450 s without one */
  gint64    position_age_ms;/* -1: no report, its home was used */
  gboolean  stale;
  gboolean  in_plan;        /* picked by the category's response plan */
  gboolean  own_grid;       /* the incident grid's own worker, first of the plan */
} WgDispatchCandidate;

/* Positions older than this count as stale. */
#define WG_DISPATCH_STALE_MS (120 * 1000)

/* Available forces for @incident: the response plan's picks first (the
 * incident grid's own worker, when free, first of them and first of its
 * step; for each step, the nearest of its type by ETA), then the others by ETA, at
 * most @max_others of them.  Unavailable units (an open assignment, off
 * duty, busy) are left out. */
GArray    *wg_dispatch_rank            (WgContext              *context,
                                        const WgIncidentRecord *incident,
                                        GHashTable             *busy,
                                        guint                   max_others);

/* What ranking needs of the cache: the incident (`id` NULL when the cache
 * does not know it) and @busy, the ids of the forces that cannot go (an
 * open assignment, off duty, busy). */
typedef struct {
  WgIncidentRecord  incident;
  GHashTable       *busy;
} WgDispatchFacts;

void       wg_dispatch_facts_free      (WgDispatchFacts        *facts);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgDispatchFacts, wg_dispatch_facts_free)
/* A WgCacheRead (wg_context_read_cache) of the facts for the incident
 * @incident (a string). */
gpointer   wg_dispatch_read_facts      (WgStore                *store,
                                        gpointer                incident,
                                        GError                **error);

#define WG_TYPE_DISPATCH_DIALOG (wg_dispatch_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WgDispatchDialog, wg_dispatch_dialog, WG, DISPATCH_DIALOG, AdwWindow)

GtkWidget *wg_dispatch_dialog_new            (WgContext        *context,
                                              const char       *incident);
GArray    *wg_dispatch_dialog_get_candidates (WgDispatchDialog *self);
/* Unit ids ticked, in list order. */
GStrv      wg_dispatch_dialog_dup_selected   (WgDispatchDialog *self);
void       wg_dispatch_dialog_set_selected   (WgDispatchDialog *self,
                                              const char       *unit,
                                              gboolean          selected);
/* As Enter does: sends dispatch.assign with the ticked units. */
void       wg_dispatch_dialog_dispatch       (WgDispatchDialog *self);
/* The list shows the cache's answer (with a server it is read off the
 * main loop after the dialog opens and after a refusal). */
gboolean   wg_dispatch_dialog_is_ready       (WgDispatchDialog *self);
gboolean   wg_dispatch_dialog_is_pending     (WgDispatchDialog *self);
/* The refusal shown, or NULL. */
const char *wg_dispatch_dialog_get_error     (WgDispatchDialog *self);

G_END_DECLS
