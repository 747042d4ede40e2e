/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <shumate/shumate.h>

G_BEGIN_DECLS

#define WG_TYPE_XYZ_SOURCE (wg_xyz_source_get_type ())
G_DECLARE_FINAL_TYPE (WgXyzSource, wg_xyz_source, WG, XYZ_SOURCE, ShumateDataSource)

/* @url_template: {x} {y} {z}, {-y} (TMS row) and {s} (a, b, c);
 * @cache_dir: where tiles are kept (NULL: the user cache dir). */
WgXyzSource *wg_xyz_source_new              (const char  *url_template,
                                             const char  *cache_dir);
const char  *wg_xyz_source_get_url_template (WgXyzSource *self);
const char  *wg_xyz_source_get_cache_dir    (WgXyzSource *self);
/* TRUE after a download failed for want of the network (not a 404); FALSE
 * again after the next successful download. */
gboolean     wg_xyz_source_get_offline      (WgXyzSource *self);
char        *wg_xyz_source_dup_tile_uri     (WgXyzSource *self,
                                             int          x,
                                             int          y,
                                             int          zoom);
guint        wg_xyz_source_get_n_downloaded (WgXyzSource *self);
guint        wg_xyz_source_get_n_from_cache (WgXyzSource *self);
guint        wg_xyz_source_get_n_failed     (WgXyzSource *self);

G_END_DECLS
