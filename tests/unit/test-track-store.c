/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>

#include "wg-track-store.h"

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("wg-track-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "positions.db", NULL);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (fx->path, suffixes[i], NULL);
      g_unlink (p);
    }
  g_rmdir (fx->dir);
  g_free (fx->path);
  g_free (fx->dir);
}

/* About 1 m of latitude. */
#define METRE_LAT (1.0 / 111195.0)

static gboolean
add_one (WgTrackStore *store,
         const char   *unit,
         gint64        ts,
         double        lat,
         double        lon,
         const char   *status,
         gboolean     *latest)
{
  g_autoptr(WgTrackPoint) p = wg_track_point_new (unit, ts, lat, lon, status);
  g_autoptr(GError) error = NULL;
  gboolean kept = FALSE;

  g_assert_true (wg_track_store_begin (store, &error));
  g_assert_true (wg_track_store_add (store, p, latest, &kept, &error));
  g_assert_no_error (error);
  g_assert_true (wg_track_store_commit (store, &error));
  return kept;
}

static void
test_distance (void)
{
  /* One degree of latitude is ~111.2 km. */
  g_assert_cmpfloat_with_epsilon (wg_track_distance_m (31.0, 121.0, 32.0, 121.0), 111195.0, 50.0);
  g_assert_cmpfloat_with_epsilon (wg_track_distance_m (31.0, 121.0, 31.0, 121.0), 0.0, 1e-9);
}

static void
test_keep_policy (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTrackStore) store = NULL;
  g_autoptr(GPtrArray) all = NULL;
  gint64 t0 = 1800000000000;
  double lat = 31.2, lon = 121.4;
  gboolean latest = FALSE;

  store = wg_track_store_open (fx->path, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (add_one (store, "u1", t0, lat, lon, "available", &latest));   /* first */
  g_assert_true (latest);
  g_assert_false (add_one (store, "u1", t0 + 1000, lat + 10 * METRE_LAT, lon, "available", &latest));
  g_assert_true (latest);
  g_assert_false (add_one (store, "u1", t0 + 14999, lat + 24 * METRE_LAT, lon, "available", NULL));
  g_assert_true (add_one (store, "u1", t0 + 15000, lat + 24 * METRE_LAT, lon, "available", NULL)); /* 15 s */
  g_assert_false (add_one (store, "u1", t0 + 16000, lat + 40 * METRE_LAT, lon, "available", NULL)); /* 16 m */
  g_assert_true (add_one (store, "u1", t0 + 17000, lat + 50 * METRE_LAT, lon, "available", NULL)); /* 26 m */
  g_assert_true (add_one (store, "u1", t0 + 18000, lat + 50 * METRE_LAT, lon, "busy", NULL));      /* status */
  /* A late report changes neither the latest nor the track. */
  g_assert_false (add_one (store, "u1", t0 + 500, lat, lon, "busy", &latest));
  g_assert_false (latest);

  g_assert_cmpint (wg_track_store_lookup_latest (store, "u1")->ts, ==, t0 + 18000);
  g_assert_cmpstr (wg_track_store_lookup_latest (store, "u1")->status, ==, "busy");

  all = wg_track_store_query (store, "u1", 0, G_MAXINT64, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpint (((WgTrackPoint *) all->pdata[1])->ts, ==, t0 + 15000);
  g_assert_cmpint (((WgTrackPoint *) all->pdata[3])->ts, ==, t0 + 18000);
}

static void
test_custom_policy_and_query_window (Fixture       *fx,
                                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTrackStore) store = NULL;
  g_autoptr(GPtrArray) points = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  g_autoptr(GPtrArray) window = NULL;
  g_autoptr(GPtrArray) other = NULL;
  WgTrackPolicy policy = { .keep_interval_ms = 1000, .keep_distance_m = 1e9, .retention_ms = 60000 };
  gboolean truncated = TRUE;
  guint kept = 0;

  store = wg_track_store_open (fx->path, &policy, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 10; i++)
    {
      g_ptr_array_add (points, wg_track_point_new ("a", 1000 * i, 30, 120, NULL));
      g_ptr_array_add (points, wg_track_point_new ("b", 1000 * i + 500, 30, 120, NULL));
    }
  g_assert_true (wg_track_store_add_batch (store, points, &kept, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (kept, ==, 20);

  window = wg_track_store_query (store, NULL, 2000, 5000, 100, &truncated, &error);
  g_assert_no_error (error);
  g_assert_false (truncated);
  g_assert_cmpuint (window->len, ==, 6);    /* [2000, 5000): a2 b2 a3 b3 a4 b4 */
  g_assert_cmpint (((WgTrackPoint *) window->pdata[0])->ts, ==, 2000);
  g_assert_cmpint (((WgTrackPoint *) window->pdata[5])->ts, ==, 4500);

  other = wg_track_store_query (store, "b", 0, 100000, 3, &truncated, &error);
  g_assert_no_error (error);
  g_assert_true (truncated);
  g_assert_cmpuint (other->len, ==, 3);
  g_assert_cmpstr (((WgTrackPoint *) other->pdata[2])->unit, ==, "b");
}

static void
test_reopen_keeps_state (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  WgTrackStore *store;
  g_autoptr(GPtrArray) latest = NULL;

  store = wg_track_store_open (fx->path, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (add_one (store, "u9", 100000, 31, 121, NULL, NULL));
  g_assert_true (add_one (store, "u2", 100000, 31, 121, NULL, NULL));
  g_assert_false (add_one (store, "u9", 101000, 31, 121, NULL, NULL));
  wg_track_store_free (store);

  store = wg_track_store_open (fx->path, NULL, &error);
  g_assert_no_error (error);
  latest = wg_track_store_dup_latest (store);
  g_assert_cmpuint (latest->len, ==, 2);
  g_assert_cmpstr (((WgTrackPoint *) latest->pdata[0])->unit, ==, "u2");
  g_assert_cmpint (((WgTrackPoint *) latest->pdata[1])->ts, ==, 101000);
  /* The kept state survived: 2 s after the last kept point is not kept. */
  g_assert_false (add_one (store, "u9", 102000, 31, 121, NULL, NULL));
  g_assert_true (add_one (store, "u9", 115000, 31, 121, NULL, NULL));
  wg_track_store_free (store);
}

static void
test_rollback_restores_memory (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTrackStore) store = NULL;
  g_autoptr(WgTrackPoint) p = wg_track_point_new ("r", 5000, 10, 10, NULL);

  store = wg_track_store_open (fx->path, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (add_one (store, "r", 1000, 10, 10, NULL, NULL));

  g_assert_true (wg_track_store_begin (store, &error));
  g_assert_true (wg_track_store_add (store, p, NULL, NULL, &error));
  g_assert_cmpint (wg_track_store_lookup_latest (store, "r")->ts, ==, 5000);
  wg_track_store_rollback (store);
  g_assert_cmpint (wg_track_store_lookup_latest (store, "r")->ts, ==, 1000);
  g_assert_cmpint (wg_track_store_count (store, &error), ==, 1);

  /* Adding outside a transaction is refused, not silently autocommitted. */
  g_assert_false (wg_track_store_add (store, p, NULL, NULL, &error));
  g_assert_error (error, WG_TRACK_STORE_ERROR, WG_TRACK_STORE_ERROR_STATE);
}

static void
test_retention_purge (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTrackStore) store = NULL;
  g_autoptr(GPtrArray) latest = NULL;
  gint64 day = 24 * 3600 * 1000;
  gint64 now = 200 * day;
  guint deleted = 0;

  store = wg_track_store_open (fx->path, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (add_one (store, "old", now - 91 * day, 1, 1, NULL, NULL));
  g_assert_true (add_one (store, "live", now - 91 * day, 1, 1, NULL, NULL));
  g_assert_true (add_one (store, "live", now - 89 * day, 1, 1, NULL, NULL));
  g_assert_true (add_one (store, "live", now - 1000, 1, 1, NULL, NULL));

  g_assert_true (wg_track_store_purge (store, now, 0, &deleted, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deleted, ==, 2);
  g_assert_cmpint (wg_track_store_count (store, &error), ==, 2);
  latest = wg_track_store_dup_latest (store);
  g_assert_cmpuint (latest->len, ==, 1);
  g_assert_cmpstr (((WgTrackPoint *) latest->pdata[0])->unit, ==, "live");
  g_assert_null (wg_track_store_lookup_latest (store, "old"));
}

static void
test_retention_purge_in_steps (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTrackStore) store = NULL;
  g_autoptr(GPtrArray) points = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  gint64 day = 24 * 3600 * 1000;
  gint64 now = 200 * day;
  guint deleted = 0, steps = 0, total = 0;
  gboolean more = TRUE;

  store = wg_track_store_open (fx->path, NULL, &error);
  g_assert_no_error (error);
  /* 250 old points (kept: 15 s apart) and 10 recent ones. */
  for (guint i = 0; i < 250; i++)
    g_ptr_array_add (points, wg_track_point_new ("u", now - 100 * day + i * 15000, 1, 1, NULL));
  for (guint i = 0; i < 10; i++)
    g_ptr_array_add (points, wg_track_point_new ("u", now - 60000 + i * 15000, 1, 1, NULL));
  g_assert_true (wg_track_store_add_batch (store, points, NULL, &error));
  g_assert_cmpint (wg_track_store_count (store, &error), ==, 260);

  while (more)
    {
      g_assert_true (wg_track_store_purge (store, now, 100, &deleted, &more, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (deleted, <=, 100);
      total += deleted;
      steps++;
    }
  g_assert_cmpuint (total, ==, 250);
  g_assert_cmpuint (steps, ==, 3);
  g_assert_cmpint (wg_track_store_count (store, &error), ==, 10);
  g_assert_nonnull (wg_track_store_lookup_latest (store, "u"));
}

/* More points than a page share one timestamp (the simulator posts many
 * units in the same second): pages follow the cursor and give each point
 * once, never stalling on the timestamp. */
static void
test_cursor_pages_equal_timestamps (Fixture       *fx,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTrackStore) store = NULL;
  g_autoptr(GPtrArray) points = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  WgTrackCursor cursor = { -1, -1 };
  gboolean more = TRUE, first = TRUE;
  guint pages = 0;

  store = wg_track_store_open (fx->path, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *unit = g_strdup_printf ("u%05u", i);
      g_ptr_array_add (points, wg_track_point_new (unit, 5000, 1, 1, NULL));
    }
  g_ptr_array_add (points, wg_track_point_new ("later", 6000, 1, 1, NULL));
  g_assert_true (wg_track_store_add_batch (store, points, NULL, &error));
  g_assert_no_error (error);

  while (more)
    {
      g_autoptr(GPtrArray) page = wg_track_store_query_page (store, NULL, 5000, 5001, first ? NULL : &cursor,
                                                             100, &cursor, &more, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (page->len, ==, 100);
      for (guint i = 0; i < page->len; i++)
        g_assert_true (g_hash_table_add (seen, g_strdup (((WgTrackPoint *) page->pdata[i])->unit)));
      first = FALSE;
      pages++;
      g_assert_cmpuint (pages, <=, 100);
    }
  g_assert_cmpuint (pages, ==, 100);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 10000);
}

/* A unit's points while it was assigned outlive the retention. */
static void
test_kept_spans_survive_purge (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTrackStore) store = NULL;
  g_autoptr(GPtrArray) spans = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_span_free);
  g_autoptr(GPtrArray) left = NULL;
  WgTrackPolicy policy = { .keep_interval_ms = 1000, .keep_distance_m = 1e9, .retention_ms = 60000 };
  WgTrackSpan *span = g_new0 (WgTrackSpan, 1);
  guint deleted = 0;

  store = wg_track_store_open (fx->path, &policy, &error);
  g_assert_no_error (error);
  for (gint64 t = 0; t < 10; t++)
    {
      g_assert_true (add_one (store, "police-07", t * 1000, 1, 1, NULL, NULL));
      g_assert_true (add_one (store, "patrol-02", t * 1000, 1, 1, NULL, NULL));
    }
  span->unit = g_strdup ("police-07");
  span->from_ms = 3000;
  span->to_ms = 5000;
  g_ptr_array_add (spans, span);
  g_assert_true (wg_track_store_keep_spans (store, spans, &error));
  /* Known again with a later end (the assignment went on): widened. */
  span->to_ms = 6000;
  g_assert_true (wg_track_store_keep_spans (store, spans, &error));
  g_assert_no_error (error);

  g_assert_true (wg_track_store_purge (store, 1000000, 0, &deleted, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (deleted, ==, 16);
  left = wg_track_store_query (store, NULL, 0, G_MAXINT64, 100, NULL, &error);
  g_assert_cmpuint (left->len, ==, 4);    /* police-07 at 3, 4, 5 and 6 s */
  for (guint i = 0; i < left->len; i++)
    g_assert_cmpstr (((WgTrackPoint *) left->pdata[i])->unit, ==, "police-07");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/track-store/distance", test_distance);
  g_test_add ("/track-store/keep-policy", Fixture, NULL, fixture_setup, test_keep_policy, fixture_teardown);
  g_test_add ("/track-store/custom-policy-window", Fixture, NULL, fixture_setup, test_custom_policy_and_query_window, fixture_teardown);
  g_test_add ("/track-store/reopen", Fixture, NULL, fixture_setup, test_reopen_keeps_state, fixture_teardown);
  g_test_add ("/track-store/rollback", Fixture, NULL, fixture_setup, test_rollback_restores_memory, fixture_teardown);
  g_test_add ("/track-store/retention", Fixture, NULL, fixture_setup, test_retention_purge, fixture_teardown);
  g_test_add ("/track-store/retention-steps", Fixture, NULL, fixture_setup, test_retention_purge_in_steps, fixture_teardown);
  g_test_add ("/track-store/cursor-equal-timestamps", Fixture, NULL, fixture_setup, test_cursor_pages_equal_timestamps, fixture_teardown);
  g_test_add ("/track-store/kept-spans", Fixture, NULL, fixture_setup, test_kept_spans_survive_purge, fixture_teardown);

  return g_test_run ();
}
