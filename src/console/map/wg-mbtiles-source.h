/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define WG_TYPE_MBTILES_SOURCE (wg_mbtiles_source_get_type ())
G_DECLARE_FINAL_TYPE (WgMbtilesSource, wg_mbtiles_source, WG, MBTILES_SOURCE, ShumateDataSource)

WgMbtilesSource *wg_mbtiles_source_new          (const char      *path,
                                                 GError         **error);
const char      *wg_mbtiles_source_get_path     (WgMbtilesSource *self);
int              wg_mbtiles_source_get_min_zoom (WgMbtilesSource *self);
int              wg_mbtiles_source_get_max_zoom (WgMbtilesSource *self);
gboolean         wg_mbtiles_source_get_bounds   (WgMbtilesSource *self,
                                                 double          *west,
                                                 double          *south,
                                                 double          *east,
                                                 double          *north);
char            *wg_mbtiles_source_dup_attribution (WgMbtilesSource *self);
/* Tiles served / not found so far (shumate_map_get_state() does not track
 * tile loading). */
guint            wg_mbtiles_source_get_n_served  (WgMbtilesSource *self);
guint            wg_mbtiles_source_get_n_missing (WgMbtilesSource *self);

G_END_DECLS
