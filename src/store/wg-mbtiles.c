/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MBTiles 1.x: an SQLite file with a `metadata (name, value)` table and
 * `tiles (zoom_level, tile_column, tile_row, tile_data)`, which tools such
 * as mb-util and TileMill often make a view over `map` + `images`.  Rows
 * count from the bottom (TMS).  Files come from elsewhere, so they are
 * opened read-only and defensively: no schema-defined side effects, no
 * triggers, a cap on blob size, and a content sniff before any byte reaches
 * an image decoder.
 */
#define G_LOG_DOMAIN "wg-mbtiles"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "wg-mbtiles.h"

#define MAX_TILE_BYTES (8 * 1024 * 1024)
#define MAX_ZOOM 24

G_DEFINE_QUARK (wg-mbtiles-error-quark, wg_mbtiles_error)

struct _WgMbtiles
{
  sqlite3      *db;
  sqlite3_stmt *tile_stmt;
  sqlite3_stmt *meta_stmt;
  GMutex        mutex;        /* statements are not shareable across threads */
  char         *path;
  int           min_zoom;
  int           max_zoom;
};

struct _WgMbtilesWriter
{
  sqlite3      *db;
  sqlite3_stmt *tile_stmt;
  sqlite3_stmt *meta_stmt;
  char         *path;
  gboolean      finished;
};

WgTileFormat
wg_tile_format_sniff (const guint8 *data,
                      gsize         len)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

  if (data == NULL)
    return WG_TILE_FORMAT_UNKNOWN;
  if (len >= sizeof png && memcmp (data, png, sizeof png) == 0)
    return WG_TILE_FORMAT_PNG;
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return WG_TILE_FORMAT_JPEG;
  if (len >= 12 && memcmp (data, "RIFF", 4) == 0 && memcmp (data + 8, "WEBP", 4) == 0)
    return WG_TILE_FORMAT_WEBP;
  return WG_TILE_FORMAT_UNKNOWN;
}

const char *
wg_tile_format_to_string (WgTileFormat format)
{
  switch (format)
    {
    case WG_TILE_FORMAT_PNG: return "png";
    case WG_TILE_FORMAT_JPEG: return "jpg";
    case WG_TILE_FORMAT_WEBP: return "webp";
    case WG_TILE_FORMAT_UNKNOWN:
    default: return NULL;
    }
}

static gint
sqlite_error_code (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_CORRUPT:
      return WG_MBTILES_ERROR_CORRUPT;
    case SQLITE_NOTADB:
      return WG_MBTILES_ERROR_NOT_MBTILES;
    default:
      return WG_MBTILES_ERROR_OPEN;
    }
}

static gboolean
check_sqlite_header (const char  *path,
                     GError     **error)
{
  static const char magic[16] = "SQLite format 3";
  char header[16];
  FILE *f;
  size_t n;

  f = g_fopen (path, "rb");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_OPEN,
                   _("Cannot open map file “%s”: %s"), path, g_strerror (saved));
      return FALSE;
    }
  n = fread (header, 1, sizeof header, f);
  fclose (f);

  if (n != sizeof header || memcmp (header, magic, sizeof magic) != 0)
    {
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_MBTILES,
                   _("“%s” is not an MBTiles file (not an SQLite database)"), path);
      return FALSE;
    }
  return TRUE;
}

static int
query_int (sqlite3    *db,
           const char *sql,
           int         fallback)
{
  sqlite3_stmt *stmt = NULL;
  int value = fallback;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW
      && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

WgMbtiles *
wg_mbtiles_open (const char  *path,
                 GError     **error)
{
  g_autoptr(WgMbtiles) self = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *tiles_type = NULL;
  g_autofree char *min_meta = NULL;
  g_autofree char *max_meta = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *immutable_uri = NULL;
  g_autoptr(GError) local_error = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_sqlite_header (path, error))
    return NULL;

  self = g_new0 (WgMbtiles, 1);
  g_mutex_init (&self->mutex);
  self->path = g_strdup (path);

  /* immutable=1: the map is a finished file that nobody writes while we
   * read it.  Without it, a file in WAL mode makes SQLite create -wal and
   * -shm files beside the user's map (found by fuzz-mbtiles), and fail
   * where it cannot write there. */
  absolute = g_canonicalize_filename (path, NULL);
  uri = g_filename_to_uri (absolute, NULL, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_OPEN,
                   _("Cannot open map file “%s”: %s"), path, local_error->message);
      return NULL;
    }
  immutable_uri = g_strconcat (uri, "?immutable=1", NULL);
  rc = sqlite3_open_v2 (immutable_uri, &self->db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW |
                        SQLITE_OPEN_URI,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, WG_MBTILES_ERROR, sqlite_error_code (rc),
                   _("Cannot open map file “%s”: %s"), path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }

  /* Untrusted schema: no functions with side effects from views, no
   * triggers, no writes to the schema, bounded blobs. */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
  sqlite3_limit (self->db, SQLITE_LIMIT_LENGTH, MAX_TILE_BYTES);
  sqlite3_limit (self->db, SQLITE_LIMIT_SQL_LENGTH, 100000);
  sqlite3_limit (self->db, SQLITE_LIMIT_ATTACHED, 0);
  rc = sqlite3_exec (self->db,
                     "PRAGMA trusted_schema=OFF; PRAGMA query_only=ON; PRAGMA cell_size_check=ON;",
                     NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    goto sqlite_failed;

  rc = sqlite3_prepare_v2 (self->db,
                           "SELECT type FROM sqlite_master WHERE name = 'tiles'",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    goto sqlite_failed;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    tiles_type = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    {
      sqlite3_finalize (stmt);
      goto sqlite_failed;
    }
  sqlite3_finalize (stmt);

  if (tiles_type == NULL || !(g_str_equal (tiles_type, "table") || g_str_equal (tiles_type, "view")))
    {
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_MBTILES,
                   _("“%s” is not an MBTiles file (no “tiles” table or view)"), path);
      return NULL;
    }

  rc = sqlite3_prepare_v3 (self->db,
                           "SELECT tile_data FROM tiles"
                           " WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                           -1, SQLITE_PREPARE_PERSISTENT, &self->tile_stmt, NULL);
  if (rc != SQLITE_OK)
    {
      if ((rc & 0xff) == SQLITE_CORRUPT)
        goto sqlite_failed;
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_MBTILES,
                   _("“%s” is not an MBTiles file: %s"), path, sqlite3_errmsg (self->db));
      return NULL;
    }

  /* metadata is optional in practice (mb-util files sometimes lack it). */
  if (sqlite3_prepare_v3 (self->db, "SELECT value FROM metadata WHERE name = ?1", -1,
                          SQLITE_PREPARE_PERSISTENT, &self->meta_stmt, NULL) != SQLITE_OK)
    self->meta_stmt = NULL;

  min_meta = wg_mbtiles_dup_metadata (self, "minzoom");
  max_meta = wg_mbtiles_dup_metadata (self, "maxzoom");
  self->min_zoom = min_meta ? (int) g_ascii_strtoll (min_meta, NULL, 10)
                            : query_int (self->db, "SELECT min(zoom_level) FROM tiles", 0);
  self->max_zoom = max_meta ? (int) g_ascii_strtoll (max_meta, NULL, 10)
                            : query_int (self->db, "SELECT max(zoom_level) FROM tiles", 18);
  self->min_zoom = CLAMP (self->min_zoom, 0, MAX_ZOOM);
  self->max_zoom = CLAMP (self->max_zoom, self->min_zoom, MAX_ZOOM);

  return g_steal_pointer (&self);

sqlite_failed:
  g_set_error (error, WG_MBTILES_ERROR, sqlite_error_code (rc),
               (rc & 0xff) == SQLITE_CORRUPT
                 ? _("Map file “%s” is corrupt: %s")
                 : _("Cannot read map file “%s”: %s"),
               path, sqlite3_errmsg (self->db));
  return NULL;
}

void
wg_mbtiles_close (WgMbtiles *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->tile_stmt, sqlite3_finalize);
  g_clear_pointer (&self->meta_stmt, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  g_mutex_clear (&self->mutex);
  g_free (self->path);
  g_free (self);
}

GBytes *
wg_mbtiles_get_tile (WgMbtiles     *self,
                     int            zoom,
                     int            x,
                     int            y,
                     WgTileFormat  *format,
                     GError       **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  GBytes *bytes = NULL;
  WgTileFormat fmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (zoom < 0 || zoom > MAX_ZOOM || x < 0 || y < 0 || x >= (1 << zoom) || y >= (1 << zoom))
    {
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_FOUND,
                   "No tile %d/%d/%d (out of range)", zoom, x, y);
      return NULL;
    }

  locker = g_mutex_locker_new (&self->mutex);
  sqlite3_bind_int (self->tile_stmt, 1, zoom);
  sqlite3_bind_int (self->tile_stmt, 2, x);
  sqlite3_bind_int (self->tile_stmt, 3, (1 << zoom) - 1 - y);
  rc = sqlite3_step (self->tile_stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type (self->tile_stmt, 0) == SQLITE_BLOB)
    {
      const void *blob = sqlite3_column_blob (self->tile_stmt, 0);
      int len = sqlite3_column_bytes (self->tile_stmt, 0);

      fmt = wg_tile_format_sniff (blob, len);
      if (fmt == WG_TILE_FORMAT_UNKNOWN)
        g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_BAD_TILE,
                     "Tile %d/%d/%d is not PNG, JPEG or WebP", zoom, x, y);
      else
        {
          bytes = g_bytes_new (blob, len);
          if (format)
            *format = fmt;
        }
    }
  else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_FOUND,
                 "No tile %d/%d/%d", zoom, x, y);
  else
    g_set_error (error, WG_MBTILES_ERROR, sqlite_error_code (rc),
                 "Reading tile %d/%d/%d: %s", zoom, x, y, sqlite3_errmsg (self->db));

  sqlite3_reset (self->tile_stmt);
  sqlite3_clear_bindings (self->tile_stmt);
  return bytes;
}

char *
wg_mbtiles_dup_metadata (WgMbtiles  *self,
                         const char *key)
{
  g_autoptr(GMutexLocker) locker = NULL;
  char *value = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (key != NULL, NULL);

  if (self->meta_stmt == NULL)
    return NULL;

  locker = g_mutex_locker_new (&self->mutex);
  sqlite3_bind_text (self->meta_stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (self->meta_stmt) == SQLITE_ROW
      && sqlite3_column_type (self->meta_stmt, 0) == SQLITE_TEXT)
    {
      const char *text = (const char *) sqlite3_column_text (self->meta_stmt, 0);
      if (g_utf8_validate (text, -1, NULL))
        value = g_strdup (text);
    }
  sqlite3_reset (self->meta_stmt);
  sqlite3_clear_bindings (self->meta_stmt);
  return value;
}

int
wg_mbtiles_get_min_zoom (WgMbtiles *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->min_zoom;
}

int
wg_mbtiles_get_max_zoom (WgMbtiles *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->max_zoom;
}

gboolean
wg_mbtiles_get_bounds (WgMbtiles *self,
                       double    *west,
                       double    *south,
                       double    *east,
                       double    *north)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) parts = NULL;
  double v[4];

  g_return_val_if_fail (self != NULL, FALSE);

  text = wg_mbtiles_dup_metadata (self, "bounds");
  if (text == NULL)
    return FALSE;
  parts = g_strsplit (text, ",", 5);
  if (g_strv_length (parts) != 4)
    return FALSE;
  for (guint i = 0; i < 4; i++)
    {
      char *end = NULL;
      v[i] = g_ascii_strtod (parts[i], &end);
      if (end == parts[i])
        return FALSE;
    }
  if (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] >= v[2] || v[1] >= v[3])
    return FALSE;
  *west = v[0];
  *south = v[1];
  *east = v[2];
  *north = v[3];
  return TRUE;
}

/* Writer */

static gboolean
writer_failed (WgMbtilesWriter  *self,
               const char       *what,
               GError          **error)
{
  g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_WRITE,
               _("Cannot write map file “%s” (%s): %s"),
               self->path, what, sqlite3_errmsg (self->db));
  return FALSE;
}

WgMbtilesWriter *
wg_mbtiles_writer_new (const char  *path,
                       GError     **error)
{
  g_autoptr(WgMbtilesWriter) self = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_WRITE,
                   _("“%s” already exists"), path);
      return NULL;
    }

  self = g_new0 (WgMbtilesWriter, 1);
  self->path = g_strdup (path);
  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      writer_failed (self, "open", error);
      return NULL;
    }

  if (sqlite3_exec (self->db,
                    "PRAGMA journal_mode=OFF;"
                    "PRAGMA synchronous=OFF;"
                    "PRAGMA application_id=0x4d504258;" /* 'MPBX', as in the spec */
                    "CREATE TABLE metadata (name TEXT PRIMARY KEY, value TEXT);"
                    "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER,"
                    " tile_row INTEGER, tile_data BLOB);"
                    "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);"
                    "BEGIN;",
                    NULL, NULL, NULL) != SQLITE_OK)
    {
      writer_failed (self, "schema", error);
      return NULL;
    }

  if (sqlite3_prepare_v2 (self->db,
                          "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data)"
                          " VALUES (?1, ?2, ?3, ?4)", -1, &self->tile_stmt, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (self->db,
                             "INSERT OR REPLACE INTO metadata (name, value) VALUES (?1, ?2)",
                             -1, &self->meta_stmt, NULL) != SQLITE_OK)
    {
      writer_failed (self, "prepare", error);
      return NULL;
    }

  return g_steal_pointer (&self);
}

gboolean
wg_mbtiles_writer_set_metadata (WgMbtilesWriter  *self,
                                const char       *key,
                                const char       *value,
                                GError          **error)
{
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL && value != NULL, FALSE);

  sqlite3_bind_text (self->meta_stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (self->meta_stmt, 2, value, -1, SQLITE_STATIC);
  rc = sqlite3_step (self->meta_stmt);
  sqlite3_reset (self->meta_stmt);
  if (rc != SQLITE_DONE)
    return writer_failed (self, "metadata", error);
  return TRUE;
}

gboolean
wg_mbtiles_writer_add_tile (WgMbtilesWriter  *self,
                            int               zoom,
                            int               x,
                            int               y,
                            GBytes           *data,
                            GError          **error)
{
  gsize len;
  const guint8 *bytes;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  bytes = g_bytes_get_data (data, &len);
  if (zoom < 0 || zoom > MAX_ZOOM || x < 0 || y < 0 || x >= (1 << zoom) || y >= (1 << zoom))
    {
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_WRITE,
                   _("Tile %d/%d/%d is out of range"), zoom, x, y);
      return FALSE;
    }
  if (wg_tile_format_sniff (bytes, len) == WG_TILE_FORMAT_UNKNOWN)
    {
      g_set_error (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_BAD_TILE,
                   _("Tile %d/%d/%d is not PNG, JPEG or WebP"), zoom, x, y);
      return FALSE;
    }

  sqlite3_bind_int (self->tile_stmt, 1, zoom);
  sqlite3_bind_int (self->tile_stmt, 2, x);
  sqlite3_bind_int (self->tile_stmt, 3, (1 << zoom) - 1 - y);
  sqlite3_bind_blob64 (self->tile_stmt, 4, bytes, len, SQLITE_STATIC);
  rc = sqlite3_step (self->tile_stmt);
  sqlite3_reset (self->tile_stmt);
  if (rc != SQLITE_DONE)
    return writer_failed (self, "tile", error);
  return TRUE;
}

gboolean
wg_mbtiles_writer_finish (WgMbtilesWriter  *self,
                          GError          **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->finished, FALSE);

  if (sqlite3_exec (self->db, "COMMIT;", NULL, NULL, NULL) != SQLITE_OK)
    return writer_failed (self, "commit", error);
  self->finished = TRUE;
  return TRUE;
}

void
wg_mbtiles_writer_free (WgMbtilesWriter *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->tile_stmt, sqlite3_finalize);
  g_clear_pointer (&self->meta_stmt, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  /* An unfinished file is half-written: do not leave it behind. */
  if (!self->finished)
    g_unlink (self->path);
  g_free (self->path);
  g_free (self);
}
