/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

/* wg_geo_distance_m() lives in wg-geo.h. */
#include "wg-geo.h"

G_BEGIN_DECLS

/* WGS-84 <-> GCJ-02 ("Mars coordinates", used by Chinese commercial maps).
 * Outside mainland China's rough bounding box both are the identity.
 */
gboolean wg_gcj02_out_of_china (double lat,
                                double lon);
void     wg_wgs84_to_gcj02     (double  lat,
                                double  lon,
                                double *out_lat,
                                double *out_lon);
void     wg_gcj02_to_wgs84     (double  lat,
                                double  lon,
                                double *out_lat,
                                double *out_lon);

G_END_DECLS
