/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-map-data"

#include "config.h"

#include "wg-incident-item.h"
#include "wg-map-data.h"

/* The second grid layer of a dual grid, when the reference has one. */
static void
load_police_grids (WgMapView   *view,
                   WgReference *reference)
{
  GPtrArray *police = wg_reference_get_police_grids (reference);
  g_autoptr(GPtrArray) rings = g_ptr_array_new_with_free_func (g_free);
  g_autofree WgMapPoliceGrid *areas = g_new0 (WgMapPoliceGrid, MAX (police->len, 1));
  guint n = 0;

  for (guint i = 0; i < police->len; i++)
    {
      WgPoliceGrid *pg = police->pdata[i];
      const WgGeoPoint *ring;
      double *latlon;
      guint n_points = 0;
      gboolean is_hole;

      if (wg_geo_shape_get_n_rings (pg->shape) == 0)
        continue;
      ring = wg_geo_shape_get_ring (pg->shape, 0, &n_points, &is_hole);
      latlon = g_new (double, 2 * n_points);
      for (guint p = 0; p < n_points; p++)
        {
          latlon[2 * p] = ring[p].lat;
          latlon[2 * p + 1] = ring[p].lon;
        }
      g_ptr_array_add (rings, latlon);
      areas[n++] = (WgMapPoliceGrid) { pg->code, pg->name_zh, latlon, n_points };
    }
  wg_police_grid_layer_set_areas (wg_map_view_get_police_grid_layer (view), areas, n);
}

void
wg_map_data_load_reference (WgMapView   *view,
                            WgReference *reference)
{
  g_autoptr(GPtrArray) grids = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_map_grid_unref);
  GPtrArray *all = wg_reference_get_grids (reference);
  GPtrArray *stations = wg_reference_get_stations (reference);
  g_autofree WgMapStation *map_stations = g_new0 (WgMapStation, MAX (stations->len, 1));

  g_return_if_fail (WG_IS_MAP_VIEW (view));
  g_return_if_fail (WG_IS_REFERENCE (reference));

  for (guint i = 0; i < all->len; i++)
    {
      WgGrid *grid = all->pdata[i];
      const WgGeoPoint *ring;
      g_autofree double *latlon = NULL;
      guint n_points = 0;
      gboolean is_hole;

      /* The street itself is the frame, not a grid to draw. */
      if (grid->level < 2 || grid->shape == NULL || wg_geo_shape_get_n_rings (grid->shape) == 0)
        continue;
      ring = wg_geo_shape_get_ring (grid->shape, 0, &n_points, &is_hole);
      latlon = g_new (double, 2 * n_points);
      for (guint p = 0; p < n_points; p++)
        {
          latlon[2 * p] = ring[p].lat;
          latlon[2 * p + 1] = ring[p].lon;
        }
      g_ptr_array_add (grids, wg_map_grid_new (grid->code, grid->name_zh, grid->level - 1,
                                               latlon, n_points));
    }
  wg_map_view_set_grids (view, grids);

  for (guint i = 0; i < stations->len; i++)
    {
      WgStation *station = stations->pdata[i];

      map_stations[i].id = station->code;
      map_stations[i].name = station->name_zh;
      map_stations[i].lat = station->lat;
      map_stations[i].lon = station->lon;
    }
  wg_map_view_set_stations (view, map_stations, stations->len);

  load_police_grids (view, reference);
}

void
wg_map_data_fill_grid_states (WgMapView  *view,
                              GListModel *incidents,
                              gint64      now_ms,
                              GPtrArray  *hotspots)
{
  WgGridLayer *layer;
  g_autoptr(GHashTable) states = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (WG_IS_MAP_VIEW (view));
  g_return_if_fail (G_IS_LIST_MODEL (incidents));

  layer = wg_map_view_get_grid_layer (view);
  for (guint i = 0; i < g_list_model_get_n_items (incidents); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (incidents, i);
      const WgIncidentRecord *r = wg_incident_item_get_record (item);
      guint state;

      if (r->grid == NULL || !wg_incident_state_is_open (r->state))
        continue;
      state = GPOINTER_TO_UINT (g_hash_table_lookup (states, r->grid)) | WG_GRID_STATE_OPEN_INCIDENTS;
      if (r->grade == WG_GRADE_EMERGENCY)
        state |= WG_GRID_STATE_EMERGENCY;
      if (r->grade == WG_GRADE_EMERGENCY && wg_incident_item_is_unacknowledged (item))
        state |= WG_GRID_STATE_UNACKNOWLEDGED;
      if (wg_incident_item_is_overdue (item, now_ms))
        state |= WG_GRID_STATE_OVERDUE;
      g_hash_table_insert (states, r->grid, GUINT_TO_POINTER (state));
      g_hash_table_insert (counts, r->grid,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, r->grid)) + 1));
    }
  for (guint i = 0; hotspots != NULL && i < hotspots->len; i++)
    g_hash_table_insert (states, hotspots->pdata[i],
                         GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (states, hotspots->pdata[i]))
                                           | WG_GRID_STATE_HOTSPOT));
  wg_grid_layer_clear_states (layer);
  g_hash_table_iter_init (&iter, states);
  while (g_hash_table_iter_next (&iter, &key, &value))
    wg_grid_layer_set_state (layer, key, GPOINTER_TO_UINT (value),
                             GPOINTER_TO_UINT (g_hash_table_lookup (counts, key)));
}
