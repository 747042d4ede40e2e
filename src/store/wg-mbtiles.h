/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WG_MBTILES_ERROR (wg_mbtiles_error_quark ())
GQuark wg_mbtiles_error_quark (void);

typedef enum {
  WG_MBTILES_ERROR_OPEN,          /* cannot open or read the file */
  WG_MBTILES_ERROR_NOT_MBTILES,   /* not SQLite, or no usable tiles table/view */
  WG_MBTILES_ERROR_CORRUPT,       /* SQLite reports corruption */
  WG_MBTILES_ERROR_NOT_FOUND,     /* no tile at z/x/y */
  WG_MBTILES_ERROR_BAD_TILE,      /* tile bytes are not PNG/JPEG/WebP */
  WG_MBTILES_ERROR_WRITE,         /* writer failure */
} WgMbtilesError;

typedef enum {
  WG_TILE_FORMAT_UNKNOWN,
  WG_TILE_FORMAT_PNG,
  WG_TILE_FORMAT_JPEG,
  WG_TILE_FORMAT_WEBP,
} WgTileFormat;

WgTileFormat  wg_tile_format_sniff          (const guint8 *data,
                                             gsize         len);
const char   *wg_tile_format_to_string      (WgTileFormat  format);

/* Reader.  Thread-safe: get_tile() may be called from worker threads. */
typedef struct _WgMbtiles WgMbtiles;

WgMbtiles    *wg_mbtiles_open               (const char   *path,
                                             GError      **error);
void          wg_mbtiles_close              (WgMbtiles    *self);
/* @y counts from the top (XYZ, as the map asks); the row flip is inside. */
GBytes       *wg_mbtiles_get_tile           (WgMbtiles    *self,
                                             int           zoom,
                                             int           x,
                                             int           y,
                                             WgTileFormat *format,
                                             GError      **error);
char         *wg_mbtiles_dup_metadata       (WgMbtiles    *self,
                                             const char   *key);
int           wg_mbtiles_get_min_zoom       (WgMbtiles    *self);
int           wg_mbtiles_get_max_zoom       (WgMbtiles    *self);
/* FALSE when the file does not say (metadata "bounds": west,south,east,north) */
gboolean      wg_mbtiles_get_bounds         (WgMbtiles    *self,
                                             double       *west,
                                             double       *south,
                                             double       *east,
                                             double       *north);

/* Writer: creates a new file (refuses to overwrite), one transaction until
 * finish(). */
typedef struct _WgMbtilesWriter WgMbtilesWriter;

WgMbtilesWriter *wg_mbtiles_writer_new          (const char       *path,
                                                 GError          **error);
gboolean         wg_mbtiles_writer_set_metadata (WgMbtilesWriter  *self,
                                                 const char       *key,
                                                 const char       *value,
                                                 GError          **error);
gboolean         wg_mbtiles_writer_add_tile     (WgMbtilesWriter  *self,
                                                 int               zoom,
                                                 int               x,
                                                 int               y,
                                                 GBytes           *data,
                                                 GError          **error);
gboolean         wg_mbtiles_writer_finish       (WgMbtilesWriter  *self,
                                                 GError          **error);
void             wg_mbtiles_writer_free         (WgMbtilesWriter  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgMbtiles, wg_mbtiles_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgMbtilesWriter, wg_mbtiles_writer_free)

G_END_DECLS
