/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wg-position-store.h"

static void
count_cb (WgPositionStore *store,
          guint64          generation,
          gpointer         user_data)
{
  guint *count = user_data;
  (*count)++;
}

static void
test_add_lookup_update (void)
{
  g_autoptr(WgPositionStore) store = wg_position_store_new ();
  guint64 gen;
  guint a, b;

  a = wg_position_store_add_unit (store, "worker-1", WG_UNIT_TYPE_GRID_WORKER, WG_UNIT_STATUS_AVAILABLE);
  b = wg_position_store_add_unit (store, "police-7", WG_UNIT_TYPE_POLICE, WG_UNIT_STATUS_BUSY);
  g_assert_cmpuint (a, ==, 0);
  g_assert_cmpuint (b, ==, 1);
  g_assert_cmpint (wg_position_store_lookup (store, "police-7"), ==, 1);
  g_assert_cmpint (wg_position_store_lookup (store, "nobody"), ==, -1);
  g_assert_cmpstr (wg_position_store_get_unit_id (store, 1), ==, "police-7");
  /* Adding an existing id updates it in place. */
  g_assert_cmpuint (wg_position_store_add_unit (store, "worker-1", WG_UNIT_TYPE_GRID_LEADER,
                                                WG_UNIT_STATUS_OFF_DUTY), ==, 0);
  g_assert_cmpuint (wg_position_store_get_n_units (store), ==, 2);
  g_assert_cmpuint (wg_position_store_get_types (store)[0], ==, WG_UNIT_TYPE_GRID_LEADER);

  gen = wg_position_store_get_generation (store);
  wg_position_store_set_position (store, b, 23.21, 113.29, 1000);
  g_assert_cmpuint (wg_position_store_get_generation (store), >, gen);
  g_assert_cmpfloat (wg_position_store_get_lats (store)[b], ==, 23.21);
  g_assert_cmpfloat (wg_position_store_get_lons (store)[b], ==, 113.29);
  g_assert_cmpint (wg_position_store_get_times (store)[b], ==, 1000);
  g_assert_cmpint (wg_position_store_get_times (store)[a], ==, 0);

  gen = wg_position_store_get_generation (store);
  wg_position_store_set_status (store, b, WG_UNIT_STATUS_BUSY);
  g_assert_cmpuint (wg_position_store_get_generation (store), ==, gen);
  wg_position_store_set_status (store, b, WG_UNIT_STATUS_EN_ROUTE);
  g_assert_cmpuint (wg_position_store_get_statuses (store)[b], ==, WG_UNIT_STATUS_EN_ROUTE);
}

static void
test_batch_is_one_change (void)
{
  g_autoptr(WgPositionStore) store = wg_position_store_new ();
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree WgPositionUpdate *updates = g_new0 (WgPositionUpdate, 20001);
  guint notified = 0, watch;
  guint64 gen;

  for (guint i = 0; i < 20000; i++)
    {
      g_ptr_array_add (ids, g_strdup_printf ("unit-%u", i));
      wg_position_store_add_unit (store, ids->pdata[i], i % WG_UNIT_N_TYPES, WG_UNIT_STATUS_AVAILABLE);
    }
  for (guint i = 0; i < 20000; i++)
    {
      updates[i].unit_id = ids->pdata[i];
      updates[i].lat = 23.2 + i * 1e-6;
      updates[i].lon = 113.3;
      updates[i].time_ms = 5000;
      updates[i].status = (i == 5) ? WG_UNIT_STATUS_ON_SCENE : -1;
    }
  updates[20000].unit_id = "unknown";

  watch = wg_position_store_add_watch (store, count_cb, &notified);
  gen = wg_position_store_get_generation (store);
  g_assert_cmpuint (wg_position_store_apply (store, updates, 20001), ==, 20000);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_cmpuint (wg_position_store_get_generation (store), ==, gen + 1);
  g_assert_cmpfloat_with_epsilon (wg_position_store_get_lats (store)[19999], 23.2 + 19999e-6, 1e-12);
  g_assert_cmpuint (wg_position_store_get_statuses (store)[5], ==, WG_UNIT_STATUS_ON_SCENE);
  g_assert_cmpuint (wg_position_store_get_statuses (store)[6], ==, WG_UNIT_STATUS_AVAILABLE);

  wg_position_store_remove_watch (store, watch);
  wg_position_store_set_position (store, 0, 1, 1, 1);
  g_assert_cmpuint (notified, ==, 1);
}

static void
test_trails (void)
{
  g_autoptr(WgPositionStore) store = wg_position_store_new ();
  double lats[8], lons[8];
  guint n;

  wg_position_store_set_trail_length (store, 4);
  wg_position_store_add_unit (store, "a", WG_UNIT_TYPE_POLICE, WG_UNIT_STATUS_AVAILABLE);
  /* Grow past the initial capacity: existing trails must survive. */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *id = g_strdup_printf ("filler-%u", i);
      wg_position_store_add_unit (store, id, WG_UNIT_TYPE_OTHER, WG_UNIT_STATUS_AVAILABLE);
      if (i < 6)
        wg_position_store_set_position (store, 0, i, 10 + i, i);
    }

  n = wg_position_store_get_trail (store, 0, lats, lons, 8);
  g_assert_cmpuint (n, ==, 4);
  /* oldest first: the last four of 0..5 */
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpfloat (lats[i], ==, 2 + i);
      g_assert_cmpfloat (lons[i], ==, 12 + i);
    }
  n = wg_position_store_get_trail (store, 0, lats, lons, 2);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpfloat (lats[0], ==, 4);
  g_assert_cmpfloat (lats[1], ==, 5);
  g_assert_cmpuint (wg_position_store_get_trail (store, 150, lats, lons, 8), ==, 0);

  wg_position_store_set_trail_length (store, 0);
  g_assert_cmpuint (wg_position_store_get_trail (store, 0, lats, lons, 8), ==, 0);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/position-store/add-lookup-update", test_add_lookup_update);
  g_test_add_func ("/position-store/batch", test_batch_is_one_change);
  g_test_add_func ("/position-store/trails", test_trails);
  return g_test_run ();
}
