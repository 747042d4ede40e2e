/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the MBTiles reader (a base map is a file a user
 * chooses, from anywhere): the input is written to a file, opened with
 * wg_mbtiles_open(), and read the way the map reads it: zoom range, bounds,
 * metadata, every tile of zooms 0-3 and the corners of the declared zooms.
 * A refusal (not SQLite, no tiles table, corrupt, bad tile) is the expected
 * outcome; a crash, a sanitizer report or a GLib critical is a finding.
 * The seeds are small valid files (512-byte pages) from corpus/make-mbtiles.py.
 *
 *   CC=clang meson setup _build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined
 *   _build-fuzz/tests/fuzz/fuzz-mbtiles -max_total_time=60 SCRATCH tests/fuzz/corpus/mbtiles
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "wg-mbtiles.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static char *path;

/* An input in WAL mode made SQLite create -wal and -shm files beside it
 * (the reader now opens maps immutable): should any appear again, no
 * execution may see the last one's. */
static void
remove_files (void)
{
  static const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
}

static void
tear_down (void)
{
  g_autofree char *dir = g_path_get_dirname (path);

  remove_files ();
  g_rmdir (dir);
}

static void
set_up (void)
{
  /* tmpfs when there is one: a file per execution. */
  g_autofree char *dir = NULL;

  if (g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && access ("/dev/shm", W_OK) == 0)
    dir = g_strdup_printf ("/dev/shm/wg-fuzz-mbtiles-%d", (int) getpid ());
  else
    dir = g_strdup_printf ("%s/wg-fuzz-mbtiles-%d", g_get_tmp_dir (), (int) getpid ());
  g_mkdir_with_parents (dir, 0700);
  path = g_build_filename (dir, "input.mbtiles", NULL);
  atexit (tear_down);
}

static void
read_tile (WgMbtiles *mbtiles,
           int        z,
           int        x,
           int        y)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) tile = NULL;
  WgTileFormat format = WG_TILE_FORMAT_UNKNOWN;

  tile = wg_mbtiles_get_tile (mbtiles, z, x, y, &format, &error);
  g_assert ((tile == NULL) == (error != NULL));
  if (tile != NULL)
    {
      gsize len;
      const guint8 *bytes = g_bytes_get_data (tile, &len);

      g_assert (wg_tile_format_sniff (bytes, len) == format);
      g_assert (wg_tile_format_to_string (format) != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *keys[] = { "name", "format", "bounds", "center", "minzoom", "maxzoom",
                                "attribution", "description", "type", "version", "json" };
  g_autoptr(GError) error = NULL;
  g_autoptr(WgMbtiles) mbtiles = NULL;
  double w, s, e, n;
  int min_zoom, max_zoom;

  if (path == NULL)
    set_up ();
  remove_files ();
  if (!g_file_set_contents (path, (const char *) data, size, &error))
    g_error ("%s", error->message);

  mbtiles = wg_mbtiles_open (path, &error);
  if (mbtiles == NULL)
    {
      g_assert (error != NULL && error->domain == WG_MBTILES_ERROR);
      return 0;
    }

  min_zoom = wg_mbtiles_get_min_zoom (mbtiles);
  max_zoom = wg_mbtiles_get_max_zoom (mbtiles);
  g_assert (0 <= min_zoom && min_zoom <= max_zoom);
  if (wg_mbtiles_get_bounds (mbtiles, &w, &s, &e, &n))
    g_assert (w < e && s < n);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *value = wg_mbtiles_dup_metadata (mbtiles, keys[i]);

      g_assert (value == NULL || g_utf8_validate (value, -1, NULL));
    }

  for (int z = 0; z <= 3; z++)
    for (int x = 0; x < (1 << z); x++)
      for (int y = 0; y < (1 << z); y++)
        read_tile (mbtiles, z, x, y);
  for (int z = min_zoom; z <= max_zoom && z <= min_zoom + 3; z++)
    {
      int last = (1 << MIN (z, 30)) - 1;

      read_tile (mbtiles, z, 0, 0);
      read_tile (mbtiles, z, last, last);
      read_tile (mbtiles, z, last / 2, last / 2);
    }
  /* Out of range: refused before SQLite. */
  read_tile (mbtiles, -1, 0, 0);
  read_tile (mbtiles, 2, 4, 0);
  read_tile (mbtiles, 40, 0, 0);
  return 0;
}
