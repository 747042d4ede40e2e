/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-map-setup"

#include "config.h"

#include "wg-map-data.h"
#include "wg-map-setup.h"
#include "wg-window.h"

void
wg_map_setup_show_context (WgMapView       *map,
                           WgContext       *context,
                           WgIncidentModel *model)
{
  g_return_if_fail (WG_IS_MAP_VIEW (map));
  g_return_if_fail (WG_IS_CONTEXT (context));
  g_return_if_fail (WG_IS_INCIDENT_MODEL (model));

  wg_map_data_load_reference (map, wg_context_get_reference (context));
  /* The legend on demand: it covers a good part of the map. */
  wg_map_view_set_show_legend (map, FALSE);
  wg_map_view_set_position_store (map, wg_context_get_position_store (context));
  wg_map_view_set_clock (map, wg_context_get_clock (context));
  wg_map_view_set_incidents (map, wg_incident_model_get_map_model (model));
}

void
wg_map_setup_go_home (WgMapView   *map,
                      WgReference *reference)
{
  WgGrid *root;
  const WgGeoBBox *box;

  g_return_if_fail (WG_IS_MAP_VIEW (map));
  g_return_if_fail (WG_IS_REFERENCE (reference));

  root = wg_reference_get_root (reference);
  box = root != NULL && root->shape != NULL ? wg_geo_shape_get_bbox (root->shape) : NULL;
  if (box != NULL)
    wg_map_view_fit_bounds (map, box->min_lat, box->min_lon, box->max_lat, box->max_lon);
  else
    wg_map_view_fly_to (map, WG_HOME_LATITUDE, WG_HOME_LONGITUDE, WG_HOME_ZOOM);
}
