/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _WgRouter WgRouter;

/* @params: the {name} segments of the pattern; @query: the decoded query
 * (never NULL). */
typedef void (*WgRouteFunc) (SoupServerMessage *msg,
                             GHashTable        *params,
                             GHashTable        *query,
                             gpointer           user_data);

WgRouter *wg_router_new       (void);
void      wg_router_free      (WgRouter          *self);
void      wg_router_add       (WgRouter          *self,
                               const char        *method,
                               const char        *pattern,
                               WgRouteFunc        func,
                               gpointer           user_data);
gboolean  wg_router_has_path  (WgRouter          *self,
                               const char        *path);
void      wg_router_dispatch  (WgRouter          *self,
                               SoupServerMessage *msg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgRouter, wg_router_free)

G_END_DECLS
