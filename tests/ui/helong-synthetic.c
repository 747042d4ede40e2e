/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "helong-synthetic.h"

#define LON_STEP 0.0046
#define LAT_STEP 0.0040

static const char *communities[] = {
  "鹤边", "鹤龙", "龙岗", "马沥", "黄边", "鹤联", "鹤泰", "骏盈", "长红", "新鹤", "明珠",
};

static void
vertex (int     r,
        int     c,
        double *lat,
        double *lon)
{
  /* Deterministic jitter on inner vertices so the grids look drawn, not
   * ruled; border vertices stay on the outline. */
  guint h = (guint) (r * 73856093u) ^ (guint) (c * 19349663u);
  double jx = ((h % 1000) / 1000.0 - 0.5) * 0.35;
  double jy = (((h / 1000) % 1000) / 1000.0 - 0.5) * 0.35;

  if (r == 0 || r == HELONG_ROWS || c == 0 || c == HELONG_COLS)
    jx = jy = 0;
  *lat = HELONG_LAT + (HELONG_ROWS / 2.0 - r - jy) * LAT_STEP;
  *lon = HELONG_LON + (c - HELONG_COLS / 2.0 + jx) * LON_STEP;
}

static guint
community_of (int r,
              int c)
{
  return MIN ((guint) ((r * HELONG_COLS + c) * 11 / (HELONG_ROWS * HELONG_COLS)), 10u);
}

GPtrArray *
helong_grids (void)
{
  GPtrArray *grids = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_map_grid_unref);
  guint number[11] = { 0 };

  for (int r = 0; r < HELONG_ROWS; r++)
    for (int c = 0; c < HELONG_COLS; c++)
      {
        double ring[8 * 2];
        g_autofree char *code = g_strdup_printf ("HL-%02d-%02d", r + 1, c + 1);
        g_autofree char *name = NULL;
        guint k = community_of (r, c);

        vertex (r, c, &ring[0], &ring[1]);
        /* a midpoint on the top edge bends the outline a little */
        vertex (r, c + 1, &ring[4], &ring[5]);
        ring[2] = (ring[0] + ring[4]) / 2 + ((r + c) % 3 - 1) * 0.0004;
        ring[3] = (ring[1] + ring[5]) / 2;
        vertex (r + 1, c + 1, &ring[6], &ring[7]);
        vertex (r + 1, c, &ring[8], &ring[9]);
        name = g_strdup_printf ("%s%u网格", communities[k], ++number[k]);
        g_ptr_array_add (grids, wg_map_grid_new (code, name, 2, ring, 5));
      }
  return grids;
}

WgMapStation *
helong_stations (guint *n_stations)
{
  WgMapStation *stations = g_new0 (WgMapStation, 11);
  double sum_lat[11] = { 0 }, sum_lon[11] = { 0 };
  guint count[11] = { 0 };

  for (int r = 0; r < HELONG_ROWS; r++)
    for (int c = 0; c < HELONG_COLS; c++)
      {
        double lat, lon;
        guint k = community_of (r, c);

        vertex (r, c, &lat, &lon);
        sum_lat[k] += lat - LAT_STEP / 2;
        sum_lon[k] += lon + LON_STEP / 2;
        count[k]++;
      }
  for (guint k = 0; k < 11; k++)
    {
      stations[k].id = g_strdup_printf ("station-%u", k + 1);
      stations[k].name = g_strdup_printf ("%s工作站", communities[k]);
      /* Off the grid centre, so that the station does not hide a label */
      stations[k].lat = sum_lat[k] / count[k] - LAT_STEP * 0.3;
      stations[k].lon = sum_lon[k] / count[k] + LON_STEP * 0.25;
    }
  *n_stations = 11;
  return stations;
}

void
helong_stations_free (WgMapStation *stations,
                      guint         n_stations)
{
  for (guint i = 0; i < n_stations; i++)
    {
      g_free ((char *) stations[i].id);
      g_free ((char *) stations[i].name);
    }
  g_free (stations);
}

void
helong_fill_store (WgPositionStore *store,
                   guint            n_units,
                   gint64           now_ms,
                   guint32          seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  double south = HELONG_LAT - HELONG_ROWS / 2.0 * LAT_STEP;
  double west = HELONG_LON - HELONG_COLS / 2.0 * LON_STEP;

  for (guint i = 0; i < n_units; i++)
    {
      g_autofree char *id = g_strdup_printf ("unit-%u", i);
      double t = g_rand_double (rand);
      WgUnitType type = t < 0.55 ? WG_UNIT_TYPE_GRID_WORKER
                      : t < 0.62 ? WG_UNIT_TYPE_GRID_LEADER
                      : t < 0.82 ? WG_UNIT_TYPE_POLICE
                      : t < 0.92 ? WG_UNIT_TYPE_EMERGENCY_UNIT
                      : WG_UNIT_TYPE_DEPARTMENT;
      double s = g_rand_double (rand);
      WgPositionStatus status = s < 0.62 ? WG_UNIT_STATUS_AVAILABLE
                          : s < 0.78 ? WG_UNIT_STATUS_BUSY
                          : s < 0.86 ? WG_UNIT_STATUS_EN_ROUTE
                          : s < 0.92 ? WG_UNIT_STATUS_ON_SCENE
                          : WG_UNIT_STATUS_OFF_DUTY;
      guint index = wg_position_store_add_unit (store, id, type, status);
      /* a few have not reported for a while: drawn dimmed */
      gint64 when = g_rand_double (rand) < 0.05 ? now_ms - 600 * 1000 : now_ms;

      wg_position_store_set_position (store, index,
                                      south + g_rand_double (rand) * HELONG_ROWS * LAT_STEP,
                                      west + g_rand_double (rand) * HELONG_COLS * LON_STEP,
                                      when);
    }
}

void
helong_move_units (WgPositionStore *store,
                   gint64           now_ms,
                   GRand           *rand)
{
  guint n = wg_position_store_get_n_units (store);
  g_autofree WgPositionUpdate *updates = g_new (WgPositionUpdate, n);
  const double *lats = wg_position_store_get_lats (store);
  const double *lons = wg_position_store_get_lons (store);

  for (guint i = 0; i < n; i++)
    {
      updates[i].unit_id = wg_position_store_get_unit_id (store, i);
      updates[i].lat = lats[i] + (g_rand_double (rand) - 0.5) * 0.00008;
      updates[i].lon = lons[i] + (g_rand_double (rand) - 0.5) * 0.00008;
      updates[i].time_ms = now_ms;
      updates[i].status = -1;
    }
  wg_position_store_apply (store, updates, n);
}

GListStore *
helong_incidents (guint   n,
                  guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GListStore *store = g_list_store_new (WG_TYPE_MAP_INCIDENT);
  double south = HELONG_LAT - HELONG_ROWS / 2.0 * LAT_STEP;
  double west = HELONG_LON - HELONG_COLS / 2.0 * LON_STEP;
  static const char *summaries[] = {
    "3楼冒烟", "消防通道堵塞", "楼顶违建", "劳资纠纷", "路灯损坏", "占道经营", "独居老人走失",
  };

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WgMapIncident) incident = NULL;
      g_autofree char *id = g_strdup_printf ("inc-%u", i);
      g_autofree char *number = g_strdup_printf ("HL-20261128-%04u", i + 1);
      double g = g_rand_double (rand);
      WgMapGrade grade = g < 0.05 ? WG_MAP_GRADE_EMERGENCY
                       : g < 0.30 ? WG_MAP_GRADE_PROFESSIONAL
                       : WG_MAP_GRADE_GENERAL;

      incident = wg_map_incident_new (id, number, grade,
                                      south + g_rand_double (rand) * HELONG_ROWS * LAT_STEP,
                                      west + g_rand_double (rand) * HELONG_COLS * LON_STEP);
      wg_map_incident_set_summary (incident, summaries[i % G_N_ELEMENTS (summaries)]);
      wg_map_incident_set_acknowledged (incident, grade != WG_MAP_GRADE_EMERGENCY || i % 3 != 0);
      wg_map_incident_set_state (incident, grade == WG_MAP_GRADE_EMERGENCY ? "dispatched" : "reported");
      g_list_store_append (store, incident);
    }
  return store;
}

void
helong_set_grid_states (WgGridLayer *layer)
{
  wg_grid_layer_set_state (layer, "HL-03-05", WG_GRID_STATE_EMERGENCY | WG_GRID_STATE_OPEN_INCIDENTS, 3);
  wg_grid_layer_set_state (layer, "HL-02-02", WG_GRID_STATE_OVERDUE | WG_GRID_STATE_OPEN_INCIDENTS, 2);
  wg_grid_layer_set_state (layer, "HL-06-08", WG_GRID_STATE_OVERDUE | WG_GRID_STATE_OPEN_INCIDENTS, 1);
  wg_grid_layer_set_state (layer, "HL-05-03", WG_GRID_STATE_HOTSPOT | WG_GRID_STATE_OPEN_INCIDENTS, 4);
  wg_grid_layer_set_state (layer, "HL-01-07", WG_GRID_STATE_HOTSPOT, 0);
  for (int i = 0; i < 12; i++)
    {
      g_autofree char *code = g_strdup_printf ("HL-%02d-%02d", 1 + (i * 5) % 7, 1 + (i * 4) % 9);
      if (wg_grid_layer_get_state (layer, code) == WG_GRID_STATE_NONE)
        wg_grid_layer_set_state (layer, code, WG_GRID_STATE_OPEN_INCIDENTS, 1 + i % 3);
    }
}
