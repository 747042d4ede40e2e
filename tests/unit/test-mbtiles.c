/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "wg-mbtiles.h"
#include "test-files.h"

/* Tile payloads: only the magic matters to the reader (it sniffs, the map's
 * decoder decodes); each carries its z/x/y so that a wrong row shows. */
static GBytes *
fake_tile (WgTileFormat format, int z, int x, int y)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xe0 };
  GByteArray *a = g_byte_array_new ();
  g_autofree char *tag = g_strdup_printf ("tile %d/%d/%d", z, x, y);

  if (format == WG_TILE_FORMAT_PNG)
    g_byte_array_append (a, png, sizeof png);
  else
    g_byte_array_append (a, jpeg, sizeof jpeg);
  g_byte_array_append (a, (const guint8 *) tag, strlen (tag));
  return g_byte_array_free_to_bytes (a);
}

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  f->dir = g_dir_make_tmp ("wg-mbtiles-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  test_rm_rf (f->dir);
  g_free (f->dir);
}

static void
exec_sql (sqlite3 *db, const char *sql)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) != SQLITE_OK)
    g_error ("%s: %s", sql, msg);
}

static void
insert_blob (sqlite3 *db, const char *sql, int a, int b, int c, const char *text, GBytes *blob)
{
  sqlite3_stmt *stmt;
  gsize len;
  const void *data = g_bytes_get_data (blob, &len);

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int (stmt, 1, a);
  sqlite3_bind_int (stmt, 2, b);
  sqlite3_bind_int (stmt, 3, c);
  if (text)
    sqlite3_bind_text (stmt, 4, text, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, text ? 5 : 4, data, len, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
}

/* A table-based file the way most tools write it; rows flipped (TMS). */
static char *
make_table_file (Fixture *f, const char *name, WgTileFormat format)
{
  char *path = g_build_filename (f->dir, name, NULL);
  sqlite3 *db;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db,
            "PRAGMA synchronous=OFF; BEGIN;"
            "CREATE TABLE metadata (name TEXT, value TEXT);"
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
            "INSERT INTO metadata VALUES ('name', 'helong'), ('minzoom', '0'), ('maxzoom', '14'),"
            " ('bounds', '113.25,23.18,113.33,23.24');");
  for (int z = 0; z <= 2; z++)
    for (int x = 0; x < (1 << z); x++)
      for (int y = 0; y < (1 << z); y++)
        {
          g_autoptr(GBytes) t = fake_tile (format, z, x, y);
          insert_blob (db, "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)", z, x, (1 << z) - 1 - y, NULL, t);
        }
  /* Helong at zoom 14: x 13347, y 7105 (XYZ) */
  {
    g_autoptr(GBytes) t = fake_tile (format, 14, 13347, 7105);
    insert_blob (db, "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)", 14, 13347, (1 << 14) - 1 - 7105, NULL, t);
  }
  exec_sql (db, "COMMIT;");
  sqlite3_close (db);
  return path;
}

static void
assert_tile (WgMbtiles *mb, int z, int x, int y, WgTileFormat want_format)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) want = fake_tile (want_format, z, x, y);
  WgTileFormat format = WG_TILE_FORMAT_UNKNOWN;

  got = wg_mbtiles_get_tile (mb, z, x, y, &format, &error);
  g_assert_no_error (error);
  g_assert_nonnull (got);
  g_assert_cmpint (format, ==, want_format);
  g_assert_true (g_bytes_equal (got, want));
}

static void
test_table_png (Fixture *f, gconstpointer data)
{
  g_autofree char *path = make_table_file (f, "table.mbtiles", WG_TILE_FORMAT_PNG);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgMbtiles) mb = wg_mbtiles_open (path, &error);
  double w, s, e, n;

  g_assert_no_error (error);
  assert_tile (mb, 0, 0, 0, WG_TILE_FORMAT_PNG);
  assert_tile (mb, 2, 1, 0, WG_TILE_FORMAT_PNG);
  assert_tile (mb, 2, 3, 1, WG_TILE_FORMAT_PNG);
  assert_tile (mb, 14, 13347, 7105, WG_TILE_FORMAT_PNG);
  g_assert_cmpint (wg_mbtiles_get_min_zoom (mb), ==, 0);
  g_assert_cmpint (wg_mbtiles_get_max_zoom (mb), ==, 14);
  g_assert_true (wg_mbtiles_get_bounds (mb, &w, &s, &e, &n));
  g_assert_cmpfloat (w, ==, 113.25);
  g_assert_cmpfloat (n, ==, 23.24);
}

static void
test_jpeg (Fixture *f, gconstpointer data)
{
  g_autofree char *path = make_table_file (f, "jpeg.mbtiles", WG_TILE_FORMAT_JPEG);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgMbtiles) mb = wg_mbtiles_open (path, &error);

  g_assert_no_error (error);
  assert_tile (mb, 1, 0, 1, WG_TILE_FORMAT_JPEG);
  assert_tile (mb, 14, 13347, 7105, WG_TILE_FORMAT_JPEG);
}

static void
test_view_over_map_images (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "view.mbtiles", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgMbtiles) mb = NULL;
  sqlite3 *db;

  /* mb-util's deduplicating layout; no minzoom/maxzoom metadata */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db,
            "PRAGMA synchronous=OFF; BEGIN;"
            "CREATE TABLE map (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_id TEXT);"
            "CREATE TABLE images (tile_data BLOB, tile_id TEXT);"
            "CREATE TABLE metadata (name TEXT, value TEXT);"
            "CREATE VIEW tiles AS SELECT map.zoom_level AS zoom_level, map.tile_column AS tile_column,"
            " map.tile_row AS tile_row, images.tile_data AS tile_data"
            " FROM map JOIN images ON images.tile_id = map.tile_id;");
  for (int z = 1; z <= 3; z++)
    for (int x = 0; x < (1 << z); x++)
      for (int y = 0; y < (1 << z); y++)
        {
          g_autoptr(GBytes) t = fake_tile (WG_TILE_FORMAT_PNG, z, x, y);
          g_autofree char *id = g_strdup_printf ("id-%d-%d-%d", z, x, y);
          sqlite3_stmt *stmt;

          insert_blob (db, "INSERT INTO map VALUES (?1, ?2, ?3, ?4)", z, x, (1 << z) - 1 - y, id,
                       NULL == id ? NULL : t);
          g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO images VALUES (?1, ?2)", -1, &stmt, NULL), ==, SQLITE_OK);
          sqlite3_bind_blob (stmt, 1, g_bytes_get_data (t, NULL), g_bytes_get_size (t), SQLITE_STATIC);
          sqlite3_bind_text (stmt, 2, id, -1, SQLITE_STATIC);
          g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
          sqlite3_finalize (stmt);
        }
  exec_sql (db, "COMMIT;");
  sqlite3_close (db);

  mb = wg_mbtiles_open (path, &error);
  g_assert_no_error (error);
  assert_tile (mb, 3, 5, 2, WG_TILE_FORMAT_PNG);
  assert_tile (mb, 1, 1, 0, WG_TILE_FORMAT_PNG);
  g_assert_cmpint (wg_mbtiles_get_min_zoom (mb), ==, 1);
  g_assert_cmpint (wg_mbtiles_get_max_zoom (mb), ==, 3);
}

static void
test_missing_tile (Fixture *f, gconstpointer data)
{
  g_autofree char *path = make_table_file (f, "missing.mbtiles", WG_TILE_FORMAT_PNG);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgMbtiles) mb = wg_mbtiles_open (path, &error);
  g_autoptr(GBytes) t = NULL;

  g_assert_no_error (error);
  t = wg_mbtiles_get_tile (mb, 5, 3, 3, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_FOUND);
  g_clear_error (&error);
  t = wg_mbtiles_get_tile (mb, 2, 4, 0, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_FOUND);
}

static void
test_refuses_bad_files (Fixture *f, gconstpointer data)
{
  g_autofree char *text = g_build_filename (f->dir, "notes.mbtiles", NULL);
  g_autofree char *empty = g_build_filename (f->dir, "empty.mbtiles", NULL);
  g_autofree char *other = g_build_filename (f->dir, "other.mbtiles", NULL);
  g_autofree char *badcols = g_build_filename (f->dir, "badcols.mbtiles", NULL);
  g_autofree char *corrupt = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "absent.mbtiles", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  WgMbtiles *mb;
  sqlite3 *db;
  gsize len;

  g_assert_true (g_file_set_contents (text, "these are not tiles\n", -1, NULL));
  mb = wg_mbtiles_open (text, &error);
  g_assert_null (mb);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_MBTILES);
  g_assert_nonnull (strstr (error->message, "not an MBTiles file"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  mb = wg_mbtiles_open (empty, &error);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_MBTILES);
  g_clear_error (&error);

  mb = wg_mbtiles_open (missing, &error);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_OPEN);
  g_clear_error (&error);

  /* An SQLite file that is something else */
  g_assert_cmpint (sqlite3_open (other, &db), ==, SQLITE_OK);
  exec_sql (db, "CREATE TABLE journal (seq INTEGER, body TEXT);");
  sqlite3_close (db);
  mb = wg_mbtiles_open (other, &error);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_MBTILES);
  g_assert_nonnull (strstr (error->message, "tiles"));
  g_clear_error (&error);

  /* A tiles table without the MBTiles columns */
  g_assert_cmpint (sqlite3_open (badcols, &db), ==, SQLITE_OK);
  exec_sql (db, "CREATE TABLE tiles (z INTEGER, data BLOB);");
  sqlite3_close (db);
  mb = wg_mbtiles_open (badcols, &error);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_MBTILES);
  g_clear_error (&error);

  /* A view that would run a function it must not (trusted_schema=OFF) */
  {
    g_autofree char *hostile = g_build_filename (f->dir, "hostile.mbtiles", NULL);
    g_autoptr(GBytes) tile = NULL;

    g_assert_cmpint (sqlite3_open (hostile, &db), ==, SQLITE_OK);
    exec_sql (db,
              "CREATE TABLE metadata (name TEXT, value TEXT);"
              "CREATE TABLE t (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
              "CREATE VIEW tiles AS SELECT zoom_level, tile_column, tile_row,"
              " load_extension('/tmp/evil') AS tile_data FROM t;"
              "INSERT INTO t VALUES (0, 0, 0, x'00');");
    sqlite3_close (db);
    mb = wg_mbtiles_open (hostile, &error);
    if (mb != NULL)
      {
        /* Refused at the latest when the view is used */
        tile = wg_mbtiles_get_tile (mb, 0, 0, 0, NULL, &error);
        g_assert_null (tile);
        g_assert_nonnull (error);
        g_assert_false (g_error_matches (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_FOUND));
        wg_mbtiles_close (mb);
      }
    g_assert_nonnull (error);
    g_test_message ("hostile view: %s", error->message);
    g_clear_error (&error);
  }

  /* A real MBTiles file with its schema page overwritten */
  corrupt = make_table_file (f, "corrupt.mbtiles", WG_TILE_FORMAT_PNG);
  g_assert_true (g_file_get_contents (corrupt, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 4096);
  memset (contents + 100, 0xa5, 3000);
  g_assert_true (g_file_set_contents (corrupt, contents, len, NULL));
  mb = wg_mbtiles_open (corrupt, &error);
  g_assert_null (mb);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "corrupt"));
}

static void
test_non_image_tile (Fixture *f, gconstpointer data)
{
  g_autofree char *path = make_table_file (f, "junk.mbtiles", WG_TILE_FORMAT_PNG);
  g_autoptr(GBytes) junk = g_bytes_new_static ("<html>oops</html>", 17);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgMbtiles) mb = NULL;
  g_autoptr(GBytes) t = NULL;
  sqlite3 *db;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  insert_blob (db, "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)", 3, 0, 7, NULL, junk);
  sqlite3_close (db);

  mb = wg_mbtiles_open (path, &error);
  g_assert_no_error (error);
  t = wg_mbtiles_get_tile (mb, 3, 0, 0, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_BAD_TILE);
}

static void
write_file (const char *dir, const char *rel, GBytes *bytes)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
}

static void
test_packer_round_trip (Fixture *f, gconstpointer data)
{
  g_autofree char *tiles = g_build_filename (f->dir, "helong-tiles", NULL);
  g_autofree char *out = g_build_filename (f->dir, "helong.mbtiles", NULL);
  g_autofree char *exe = g_build_filename (g_getenv ("WANGGE_BUILD_DIR"), "src", "tiles", "wangge-tiles", NULL);
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_autofree char *value = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgMbtiles) mb = NULL;
  const char *argv[] = { exe, "pack", tiles, out, NULL };
  int status;
  guint n = 0;

  for (int z = 12; z <= 14; z++)
    {
      int x0 = 13347 >> (14 - z), y0 = 7105 >> (14 - z);
      for (int x = x0; x <= x0 + 1; x++)
        for (int y = y0; y <= y0 + 1; y++)
          {
            WgTileFormat fmt = (x + y) % 2 ? WG_TILE_FORMAT_JPEG : WG_TILE_FORMAT_PNG;
            g_autoptr(GBytes) t = fake_tile (fmt, z, x, y);
            g_autofree char *rel = g_strdup_printf ("%d/%d/%d.%s", z, x, y,
                                                    fmt == WG_TILE_FORMAT_PNG ? "png" : "jpg");
            write_file (tiles, rel, t);
            n++;
          }
    }
  {
    g_autoptr(GBytes) meta = g_bytes_new_static ("{\"name\": \"Helong street\", \"attribution\": \"test\"}", 48);
    write_file (tiles, "metadata.json", meta);
  }
  {
    g_autoptr(GBytes) stray = g_bytes_new_static ("x", 1);
    write_file (tiles, "README", stray);
    write_file (tiles, "14/notanumber/1.png", stray);
  }

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &stdout_text, &stderr_text, &status, &error));
  g_assert_no_error (error);
  g_test_message ("stdout: %s stderr: %s", stdout_text, stderr_text);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  g_assert_no_error (error);

  mb = wg_mbtiles_open (out, &error);
  g_assert_no_error (error);
  for (int z = 12; z <= 14; z++)
    {
      int x0 = 13347 >> (14 - z), y0 = 7105 >> (14 - z);
      for (int x = x0; x <= x0 + 1; x++)
        for (int y = y0; y <= y0 + 1; y++)
          assert_tile (mb, z, x, y, (x + y) % 2 ? WG_TILE_FORMAT_JPEG : WG_TILE_FORMAT_PNG);
    }
  g_assert_cmpint (wg_mbtiles_get_min_zoom (mb), ==, 12);
  g_assert_cmpint (wg_mbtiles_get_max_zoom (mb), ==, 14);
  value = wg_mbtiles_dup_metadata (mb, "name");
  g_assert_cmpstr (value, ==, "Helong street");
  g_clear_pointer (&value, g_free);
  value = wg_mbtiles_dup_metadata (mb, "bounds");
  g_assert_nonnull (value);
  {
    double w, s, e, nn;
    g_assert_true (wg_mbtiles_get_bounds (mb, &w, &s, &e, &nn));
    /* The packed tiles cover Helong (23.21 N, 113.29 E). */
    g_assert_cmpfloat (w, <, 113.29);
    g_assert_cmpfloat (e, >, 113.29);
    g_assert_cmpfloat (s, <, 23.21);
    g_assert_cmpfloat (nn, >, 23.21);
  }

  /* It refuses to overwrite. */
  g_clear_pointer (&stdout_text, g_free);
  g_clear_pointer (&stderr_text, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &stdout_text, &stderr_text, &status, &error));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (stderr_text, "already exists"));
}

/* Found by fuzz-mbtiles: a file in WAL mode made the read-only reader create
 * -wal and -shm files beside the user's map (and fail where it cannot write
 * there).  A base map is read as a finished file, with nothing written. */
static void
test_wal_file_untouched (Fixture *f, gconstpointer data)
{
  g_autofree char *path = make_table_file (f, "wal.mbtiles", WG_TILE_FORMAT_PNG);
  g_autofree char *wal = g_strconcat (path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (path, "-shm", NULL);
  g_autoptr(GError) error = NULL;
  WgMbtiles *mb;
  sqlite3 *db;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, "PRAGMA journal_mode=WAL;");
  sqlite3_close (db);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));

  mb = wg_mbtiles_open (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (mb);
  assert_tile (mb, 14, 13347, 7105, WG_TILE_FORMAT_PNG);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));
  wg_mbtiles_close (mb);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (shm, G_FILE_TEST_EXISTS));
}

/* A path that needs escaping in a URI still opens. */
static void
test_path_with_uri_characters (Fixture *f, gconstpointer data)
{
  g_autofree char *path = make_table_file (f, "a ?b#c%41&d=1.mbtiles", WG_TILE_FORMAT_JPEG);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgMbtiles) mb = wg_mbtiles_open (path, &error);

  g_assert_no_error (error);
  assert_tile (mb, 0, 0, 0, WG_TILE_FORMAT_JPEG);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/mbtiles/table-png", test_table_png);
  ADD ("/mbtiles/jpeg", test_jpeg);
  ADD ("/mbtiles/view-map-images", test_view_over_map_images);
  ADD ("/mbtiles/missing-tile", test_missing_tile);
  ADD ("/mbtiles/refuses-bad-files", test_refuses_bad_files);
  ADD ("/mbtiles/non-image-tile", test_non_image_tile);
  ADD ("/mbtiles/packer-round-trip", test_packer_round_trip);
  ADD ("/mbtiles/wal-file-untouched", test_wal_file_untouched);
  ADD ("/mbtiles/path-with-uri-characters", test_path_with_uri_characters);
#undef ADD
  return g_test_run ();
}
