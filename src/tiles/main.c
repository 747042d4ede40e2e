/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wangge-tiles pack DIR OUT.mbtiles
 *
 * Packs a folder of Z/X/Y.png|jpg tiles (as written by most tile servers and
 * downloaders, Y counted from the top) into one MBTiles file for offline
 * consoles.  DIR/metadata.json, when present, gives name, attribution and
 * the like (a flat JSON object of strings or numbers); zoom range, format and
 * bounds are computed from the tiles when it does not.
 */
#define G_LOG_DOMAIN "wangge-tiles"

#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "wg-mbtiles.h"

typedef struct
{
  WgMbtilesWriter *writer;
  guint            n_tiles;
  int              min_zoom;
  int              max_zoom;
  /* Tile extent at max_zoom (for bounds) */
  int              min_x, max_x, min_y, max_y;
  WgTileFormat     format;
  gboolean         mixed_formats;
} Pack;

static gboolean
parse_index (const char *s,
             int         limit,
             int        *out)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (s, 10, 0, limit, &v, NULL))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

static double
tile_lon (int x, int z)
{
  return x / (double) (1 << z) * 360.0 - 180.0;
}

static double
tile_lat (int y, int z)
{
  double n = G_PI - 2.0 * G_PI * y / (double) (1 << z);
  return 180.0 / G_PI * atan (0.5 * (exp (n) - exp (-n)));
}

static gboolean
pack_zoom (Pack        *pack,
           const char  *dir,
           int          z,
           GError     **error)
{
  g_autoptr(GDir) zdir = NULL;
  const char *xname;

  zdir = g_dir_open (dir, 0, error);
  if (zdir == NULL)
    return FALSE;

  while ((xname = g_dir_read_name (zdir)))
    {
      g_autofree char *xpath = g_build_filename (dir, xname, NULL);
      g_autoptr(GDir) xdir = NULL;
      const char *yname;
      int x;

      if (!parse_index (xname, (1 << z) - 1, &x) || !g_file_test (xpath, G_FILE_TEST_IS_DIR))
        continue;
      xdir = g_dir_open (xpath, 0, error);
      if (xdir == NULL)
        return FALSE;

      while ((yname = g_dir_read_name (xdir)))
        {
          g_autofree char *ypath = g_build_filename (xpath, yname, NULL);
          g_autofree char *stem = NULL;
          g_autofree char *contents = NULL;
          g_autoptr(GBytes) bytes = NULL;
          const char *dot = strrchr (yname, '.');
          WgTileFormat fmt;
          gsize len;
          int y;

          if (dot == NULL || !(g_str_equal (dot, ".png") || g_str_equal (dot, ".jpg")
                               || g_str_equal (dot, ".jpeg") || g_str_equal (dot, ".webp")))
            continue;
          stem = g_strndup (yname, dot - yname);
          if (!parse_index (stem, (1 << z) - 1, &y))
            continue;
          if (!g_file_get_contents (ypath, &contents, &len, error))
            return FALSE;
          bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
          fmt = wg_tile_format_sniff (g_bytes_get_data (bytes, NULL), len);
          if (!wg_mbtiles_writer_add_tile (pack->writer, z, x, y, bytes, error))
            {
              g_prefix_error (error, "%s: ", ypath);
              return FALSE;
            }

          if (pack->n_tiles == 0)
            pack->format = fmt;
          else if (fmt != pack->format)
            pack->mixed_formats = TRUE;
          pack->n_tiles++;
          pack->min_zoom = MIN (pack->min_zoom, z);
          if (z > pack->max_zoom)
            {
              pack->max_zoom = z;
              pack->min_x = pack->max_x = x;
              pack->min_y = pack->max_y = y;
            }
          else if (z == pack->max_zoom)
            {
              pack->min_x = MIN (pack->min_x, x);
              pack->max_x = MAX (pack->max_x, x);
              pack->min_y = MIN (pack->min_y, y);
              pack->max_y = MAX (pack->max_y, y);
            }
        }
    }
  return TRUE;
}

static gboolean
write_metadata_json (Pack        *pack,
                     const char  *path,
                     GHashTable  *given,
                     GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (!json_parser_load_from_file (parser, path, error))
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("%s: expected a JSON object"), path);
      return FALSE;
    }
  obj = json_node_get_object (json_parser_get_root (parser));
  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &key, &value))
    {
      g_autofree char *text = NULL;

      if (!JSON_NODE_HOLDS_VALUE (value))
        continue;
      if (json_node_get_value_type (value) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (value));
      else if (json_node_get_value_type (value) == G_TYPE_INT64)
        text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
      else if (json_node_get_value_type (value) == G_TYPE_DOUBLE)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          text = g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (value)));
        }
      else
        continue;
      if (!wg_mbtiles_writer_set_metadata (pack->writer, key, text, error))
        return FALSE;
      g_hash_table_add (given, g_strdup (key));
    }
  return TRUE;
}

static gboolean
pack_dir (const char  *dir,
          const char  *out,
          guint       *n_tiles,
          GError     **error)
{
  g_autoptr(WgMbtilesWriter) writer = NULL;
  g_autoptr(GHashTable) given = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) root = NULL;
  g_autofree char *meta_path = g_build_filename (dir, "metadata.json", NULL);
  Pack pack = { 0 };
  const char *zname;

  root = g_dir_open (dir, 0, error);
  if (root == NULL)
    return FALSE;

  writer = wg_mbtiles_writer_new (out, error);
  if (writer == NULL)
    return FALSE;
  pack.writer = writer;
  pack.min_zoom = G_MAXINT;
  pack.max_zoom = -1;

  while ((zname = g_dir_read_name (root)))
    {
      g_autofree char *zpath = g_build_filename (dir, zname, NULL);
      int z;

      if (!parse_index (zname, 24, &z) || !g_file_test (zpath, G_FILE_TEST_IS_DIR))
        continue;
      if (!pack_zoom (&pack, zpath, z, error))
        return FALSE;
    }

  if (pack.n_tiles == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No Z/X/Y.png or .jpg tiles under “%s”"), dir);
      return FALSE;
    }
  if (pack.mixed_formats)
    g_printerr (_("Warning: tiles mix formats; the format metadata names the first one\n"));

  if (g_file_test (meta_path, G_FILE_TEST_EXISTS)
      && !write_metadata_json (&pack, meta_path, given, error))
    return FALSE;

#define DEFAULT_META(key, value) \
  if (!g_hash_table_contains (given, key) \
      && !wg_mbtiles_writer_set_metadata (writer, key, value, error)) \
    return FALSE

  {
    g_autofree char *base = g_path_get_basename (dir);
    g_autofree char *minz = g_strdup_printf ("%d", pack.min_zoom);
    g_autofree char *maxz = g_strdup_printf ("%d", pack.max_zoom);
    g_autofree char *bounds = g_strdup_printf ("%.6f,%.6f,%.6f,%.6f",
                                               tile_lon (pack.min_x, pack.max_zoom),
                                               tile_lat (pack.max_y + 1, pack.max_zoom),
                                               tile_lon (pack.max_x + 1, pack.max_zoom),
                                               tile_lat (pack.min_y, pack.max_zoom));
    DEFAULT_META ("name", base);
    DEFAULT_META ("type", "baselayer");
    DEFAULT_META ("version", "1");
    DEFAULT_META ("format", wg_tile_format_to_string (pack.format));
    DEFAULT_META ("minzoom", minz);
    DEFAULT_META ("maxzoom", maxz);
    DEFAULT_META ("bounds", bounds);
  }
#undef DEFAULT_META

  if (!wg_mbtiles_writer_finish (writer, error))
    return FALSE;
  *n_tiles = pack.n_tiles;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean version = FALSE;
  guint n_tiles = 0;
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Show the version"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new ("pack DIR OUT.mbtiles");
  g_option_context_set_summary (context,
                                _("Pack a folder of Z/X/Y.png|jpg map tiles into an MBTiles file"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }
  if (version)
    {
      g_print ("wangge-tiles %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (argc != 4 || !g_str_equal (argv[1], "pack"))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return 2;
    }

  if (!pack_dir (argv[2], argv[3], &n_tiles, &error))
    {
      g_printerr ("wangge-tiles: %s\n", error->message);
      return EXIT_FAILURE;
    }
  g_print (_("Packed %u tiles into %s\n"), n_tiles, argv[3]);
  return EXIT_SUCCESS;
}
