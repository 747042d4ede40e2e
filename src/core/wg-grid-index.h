/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "wg-geo.h"

G_BEGIN_DECLS

/* A static packed R-tree (Hilbert-sorted, 16 entries per node) over the
 * bounding boxes of shapes, with an exact point-in-polygon test on the
 * candidates.  Add everything, build once, then query from any thread (a
 * query on an index not built yet builds it first: not thread-safe). */
typedef struct _WgGridIndex WgGridIndex;

#define WG_TYPE_GRID_INDEX (wg_grid_index_get_type ())
GType         wg_grid_index_get_type      (void) G_GNUC_CONST;
WgGridIndex  *wg_grid_index_new           (void);
WgGridIndex  *wg_grid_index_ref           (WgGridIndex     *self);
void          wg_grid_index_unref         (WgGridIndex     *self);

/* @level orders nested shapes: lookups prefer the highest level.  @shape is
 * referenced; @item is returned by lookups and not owned. */
void          wg_grid_index_add           (WgGridIndex     *self,
                                           WgGeoShape      *shape,
                                           guint            level,
                                           gpointer         item);
void          wg_grid_index_build         (WgGridIndex     *self);
guint         wg_grid_index_get_size      (WgGridIndex     *self);

/* The item of the deepest shape containing the point, or NULL. */
gpointer      wg_grid_index_lookup        (WgGridIndex     *self,
                                           double           lat,
                                           double           lon);
/* Same answer by testing every shape in turn: the baseline for benchmarks
 * and tests. */
gpointer      wg_grid_index_lookup_linear (WgGridIndex     *self,
                                           double           lat,
                                           double           lon);
/* Appends the items of all shapes containing the point, any order. */
guint         wg_grid_index_query_point   (WgGridIndex     *self,
                                           double           lat,
                                           double           lon,
                                           GPtrArray       *out);
/* Appends the items whose bounding box meets @bbox (map culling). */
guint         wg_grid_index_query_bbox    (WgGridIndex     *self,
                                           const WgGeoBBox *bbox,
                                           GPtrArray       *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgGridIndex, wg_grid_index_unref)

G_END_DECLS
