/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Untrusted photos: check, then decode, then derive display and thumbnail
 * sizes.
 *
 * gdk-pixbuf's loaders (libjpeg-turbo, libpng) run in this process, so a
 * decoder bug reached by a crafted file would be ours. The defences, in order:
 *  1. the byte limit, and the type from the magic bytes only (never the name
 *     or the client's Content-Type);
 *  2. our own bounded walk of the file's structure (PNG: every chunk's length
 *     and CRC up to IEND; JPEG: every marker segment up to EOI, counting the
 *     scans) which reads the declared width and height, so that a "bomb"
 *     declaring 100000 x 100000 pixels is refused before any decoder runs and
 *     before any pixel memory is allocated, and a truncated file is refused
 *     even where libjpeg would pad it with grey;
 *  3. the loader is created for that one type (gdk_pixbuf_loader_new_with_type),
 *     so no other pixbuf module (SVG, TIFF, ANI...) is ever reached, and its
 *     "size-prepared" callback checks that the decoder sees the size we
 *     checked, aborting if not;
 *  4. the fuzz target tests/fuzz/fuzz-image.c runs this whole path under
 *     ASan/UBSan.
 * Decoding time and memory are bounded by the checked size: work is linear in
 * pixels for PNG and in pixels x scans for JPEG (scans <= max_scans: without
 * that limit a file of thousands of empty scans costs minutes), memory at most
 * max_pixels x 4 bytes for PNG (160 MB at the 40 MP default) and max_pixels x
 * components x 2 bytes for a progressive JPEG (libjpeg keeps all coefficients:
 * 240-320 MB at 40 MP); a baseline JPEG is decoded straight to the size asked
 * for (libjpeg scales by 1/2..1/8 in the IDCT). Measured worst case at the
 * limits: about 2 s and 241 MB (docs/photos.md). Call it from a worker thread
 * with a small bounded pool, never on the main loop.
 */
#define G_LOG_DOMAIN "wg-image"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "wg-image.h"

G_DEFINE_QUARK (wg-image-error-quark, wg_image_error)

static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

const char *
wg_image_error_code (WgImageError code)
{
  switch (code)
    {
    case WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE: return "unsupported-media-type";
    case WG_IMAGE_ERROR_TOO_LARGE: return "too-large";
    case WG_IMAGE_ERROR_TOO_MANY_PIXELS: return "image-too-many-pixels";
    case WG_IMAGE_ERROR_MALFORMED: return "image-malformed";
    default: return "image-malformed";
    }
}

guint
wg_image_error_http_status (WgImageError code)
{
  switch (code)
    {
    case WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE: return 415;
    case WG_IMAGE_ERROR_TOO_LARGE: return 413;
    case WG_IMAGE_ERROR_TOO_MANY_PIXELS:
    case WG_IMAGE_ERROR_MALFORMED:
    default: return 422;
    }
}

const char *
wg_image_format_media_type (WgImageFormat format)
{
  switch (format)
    {
    case WG_IMAGE_FORMAT_JPEG: return "image/jpeg";
    case WG_IMAGE_FORMAT_PNG: return "image/png";
    case WG_IMAGE_FORMAT_NONE:
    default: return NULL;
    }
}

const char *
wg_image_format_extension (WgImageFormat format)
{
  switch (format)
    {
    case WG_IMAGE_FORMAT_JPEG: return "jpg";
    case WG_IMAGE_FORMAT_PNG: return "png";
    case WG_IMAGE_FORMAT_NONE:
    default: return NULL;
    }
}

void
wg_image_limits_init (WgImageLimits *limits)
{
  g_return_if_fail (limits != NULL);

  limits->max_bytes = WG_IMAGE_DEFAULT_MAX_BYTES;
  limits->max_pixels = WG_IMAGE_DEFAULT_MAX_PIXELS;
  limits->max_side = WG_IMAGE_DEFAULT_MAX_SIDE;
  limits->max_scans = WG_IMAGE_DEFAULT_MAX_SCANS;
}

WgImageFormat
wg_image_sniff (const guint8 *data,
                gsize         len)
{
  if (data == NULL)
    return WG_IMAGE_FORMAT_NONE;
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return WG_IMAGE_FORMAT_JPEG;
  if (len >= sizeof png_magic && memcmp (data, png_magic, sizeof png_magic) == 0)
    return WG_IMAGE_FORMAT_PNG;
  return WG_IMAGE_FORMAT_NONE;
}

static inline guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static inline guint16
read_be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static gboolean
malformed (GError     **error,
           const char  *detail)
{
  g_set_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_MALFORMED,
               _("The image is damaged: %s"), detail);
  return FALSE;
}

/* PNG's CRC-32 (ISO 3309), table built once. */
static guint32 crc_table[256];

static gpointer
init_crc_table (gpointer data)
{
  for (guint32 n = 0; n < 256; n++)
    {
      guint32 c = n;

      for (int k = 0; k < 8; k++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      crc_table[n] = c;
    }
  return NULL;
}

static guint32
png_crc (const guint8 *data,
         gsize         len)
{
  static GOnce once = G_ONCE_INIT;
  guint32 c = 0xffffffffu;

  g_once (&once, init_crc_table, NULL);
  for (gsize i = 0; i < len; i++)
    c = crc_table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

static gboolean
png_type_ok (const guint8 *type)
{
  for (int i = 0; i < 4; i++)
    if (!g_ascii_isalpha (type[i]))
      return FALSE;
  return TRUE;
}

static gboolean
check_size (const WgImageInfo    *info,
            const WgImageLimits  *limits,
            GError              **error)
{
  if (info->width > limits->max_side || info->height > limits->max_side
      || (guint64) info->width * info->height > limits->max_pixels)
    {
      g_set_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_TOO_MANY_PIXELS,
                   _("The image is %u × %u pixels; at most %u pixels a side and %.0f megapixels are accepted"),
                   info->width, info->height, limits->max_side, limits->max_pixels / 1e6);
      return FALSE;
    }
  return TRUE;
}

/* The number of bytes the image data must inflate to (filter bytes
 * included), from the IHDR fields: libpng's progressive reader, which
 * gdk-pixbuf's loader uses, returns a partly filled image when IDAT ends
 * early or is not zlib at all, so the check is ours. */
static guint64
png_raw_size (guint32 width,
              guint32 height,
              guint8  depth,
              guint8  colour,
              gboolean interlaced)
{
  static const guint8 adam7[7][4] = {
    { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
    { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
  };
  guint channels = colour == 2 ? 3 : colour == 4 ? 2 : colour == 6 ? 4 : 1;
  guint64 bits = (guint64) depth * channels;
  guint64 total = 0;

  if (!interlaced)
    return (guint64) height * (1 + ((guint64) width * bits + 7) / 8);

  for (guint i = 0; i < 7; i++)
    {
      guint64 w = width > adam7[i][0] ? (width - adam7[i][0] + adam7[i][2] - 1) / adam7[i][2] : 0;
      guint64 h = height > adam7[i][1] ? (height - adam7[i][1] + adam7[i][3] - 1) / adam7[i][3] : 0;

      if (w > 0 && h > 0)
        total += h * (1 + (w * bits + 7) / 8);
    }
  return total;
}

typedef struct
{
  GConverter *inflater;
  guint64     expected;
  guint64     produced;
  gboolean    finished; /* stream end, or enough data: the rest is not inflated */
} IdatCheck;

/* Inflates one IDAT chunk's data into a scratch buffer, counting; the work
 * stops once the expected size is reached, so it is bounded by the pixels. */
static gboolean
idat_feed (IdatCheck     *check,
           const guint8  *data,
           gsize          len,
           GError       **error)
{
  guint8 scratch[16384];

  while (len > 0 && !check->finished)
    {
      g_autoptr(GError) local_error = NULL;
      gsize read = 0, written = 0;
      GConverterResult result;

      result = g_converter_convert (check->inflater, data, len, scratch, sizeof scratch,
                                    G_CONVERTER_NO_FLAGS, &read, &written, &local_error);
      if (result == G_CONVERTER_ERROR)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
            return TRUE;
          return malformed (error, _("the PNG image data is not a valid zlib stream"));
        }
      data += read;
      len -= read;
      check->produced += written;
      if (result == G_CONVERTER_FINISHED || check->produced >= check->expected)
        check->finished = TRUE;
      else if (read == 0 && written == 0)
        return TRUE;
    }
  return TRUE;
}

/* Walks every chunk up to IEND; each step moves at least 12 bytes on. */
static gboolean
probe_png (const guint8         *data,
           gsize                 len,
           const WgImageLimits  *limits,
           WgImageInfo          *info,
           GError              **error)
{
  gsize pos = sizeof png_magic;
  gboolean seen_ihdr = FALSE;
  gboolean seen_idat = FALSE;
  IdatCheck check = { NULL, 0, 0, FALSE };
  gboolean ok = FALSE;

  for (;;)
    {
      guint32 length;
      const guint8 *type;

      if (len - pos < 12)
        {
          malformed (error, _("the PNG ends before its IEND chunk"));
          break;
        }
      length = read_be32 (data + pos);
      type = data + pos + 4;
      if (length > G_MAXINT32 || length > len - pos - 12)
        {
          malformed (error, _("a PNG chunk runs past the end of the file"));
          break;
        }
      if (!png_type_ok (type))
        {
          malformed (error, _("a PNG chunk has an invalid type"));
          break;
        }
      if (png_crc (type, 4 + (gsize) length) != read_be32 (data + pos + 8 + length))
        {
          malformed (error, _("a PNG chunk fails its CRC check"));
          break;
        }

      if (!seen_ihdr)
        {
          const guint8 *h = data + pos + 8;
          guint8 depth, colour;

          if (memcmp (type, "IHDR", 4) != 0 || length != 13)
            {
              malformed (error, _("the PNG does not start with IHDR"));
              break;
            }
          info->width = read_be32 (h);
          info->height = read_be32 (h + 4);
          depth = h[8];
          colour = h[9];
          if (info->width == 0 || info->height == 0
              || info->width > G_MAXINT32 || info->height > G_MAXINT32)
            {
              malformed (error, _("the PNG declares an invalid size"));
              break;
            }
          if (!((colour == 0 && (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16))
                || (colour == 3 && (depth == 1 || depth == 2 || depth == 4 || depth == 8))
                || ((colour == 2 || colour == 4 || colour == 6) && (depth == 8 || depth == 16))))
            {
              malformed (error, _("the PNG declares an invalid pixel format"));
              break;
            }
          if (h[10] != 0 || h[11] != 0 || h[12] > 1)
            {
              malformed (error, _("the PNG declares an unknown method"));
              break;
            }
          /* Before anything is inflated: a bomb costs nothing. */
          if (!check_size (info, limits, error))
            break;
          check.expected = png_raw_size (info->width, info->height, depth, colour, h[12] == 1);
          seen_ihdr = TRUE;
        }
      else if (memcmp (type, "IHDR", 4) == 0)
        {
          malformed (error, _("the PNG has a second IHDR"));
          break;
        }
      else if (memcmp (type, "IDAT", 4) == 0)
        {
          if (!seen_idat)
            check.inflater = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
          seen_idat = TRUE;
          if (!idat_feed (&check, data + pos + 8, length, error))
            break;
        }
      else if (memcmp (type, "IEND", 4) == 0)
        {
          if (!seen_idat)
            malformed (error, _("the PNG has no image data"));
          else if (check.produced < check.expected)
            malformed (error, _("the PNG image data ends early"));
          else
            ok = TRUE;
          break;
        }

      pos += 12 + (gsize) length;
    }

  g_clear_object (&check.inflater);
  return ok;
}

/* EXIF orientation from an APP1 segment (payload after the length). */
static guint
exif_orientation (const guint8 *p,
                  gsize         len)
{
  const guint8 *tiff;
  gsize tiff_len;
  gboolean le;
  guint32 ifd;
  guint count;

#define U16(q) (le ? (guint16) ((q)[0] | ((q)[1] << 8)) : read_be16 (q))
#define U32(q) (le ? ((guint32) (q)[0] | ((guint32) (q)[1] << 8) | ((guint32) (q)[2] << 16) | ((guint32) (q)[3] << 24)) : read_be32 (q))

  if (len < 6 + 8 || memcmp (p, "Exif\0\0", 6) != 0)
    return 1;
  tiff = p + 6;
  tiff_len = len - 6;
  if (memcmp (tiff, "II*\0", 4) == 0)
    le = TRUE;
  else if (memcmp (tiff, "MM\0*", 4) == 0)
    le = FALSE;
  else
    return 1;
  ifd = U32 (tiff + 4);
  if (ifd < 8 || ifd > tiff_len - 2)
    return 1;
  count = U16 (tiff + ifd);
  for (guint i = 0; i < count; i++)
    {
      gsize entry = ifd + 2 + (gsize) i * 12;

      /* tiff_len may be under 12: no subtraction from it */
      if (entry + 12 > tiff_len)
        break;
      if (U16 (tiff + entry) == 0x0112 && U16 (tiff + entry + 2) == 3)
        {
          guint value = U16 (tiff + entry + 8);

          return value >= 1 && value <= 8 ? value : 1;
        }
    }
  return 1;
#undef U16
#undef U32
}

static gboolean
jpeg_is_sof (guint8 marker)
{
  return marker >= 0xc0 && marker <= 0xcf
         && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
}

/* Walks every marker segment and the entropy-coded data after each SOS up to
 * EOI; each step moves at least one byte on. */
static gboolean
probe_jpeg (const guint8         *data,
            gsize                 len,
            const WgImageLimits  *limits,
            WgImageInfo          *info,
            GError              **error)
{
  gsize pos = 2;
  gboolean seen_sof = FALSE;
  gboolean seen_exif = FALSE;
  guint scans = 0;

  for (;;)
    {
      guint8 marker;
      gsize seglen;

      if (pos >= len)
        return malformed (error, _("the JPEG ends before its EOI marker"));
      if (data[pos] != 0xff)
        return malformed (error, _("the JPEG has data where a marker belongs"));
      while (pos < len && data[pos] == 0xff)
        pos++;
      if (pos >= len)
        return malformed (error, _("the JPEG ends before its EOI marker"));
      marker = data[pos++];

      if (marker == 0xd9)
        {
          if (!seen_sof || scans == 0)
            return malformed (error, _("the JPEG has no image data"));
          return TRUE;
        }
      if ((marker >= 0xd0 && marker <= 0xd7) || marker == 0x01)
        continue;
      if (marker == 0x00 || marker == 0xd8)
        return malformed (error, _("the JPEG has an invalid marker"));

      if (len - pos < 2)
        return malformed (error, _("the JPEG ends inside a marker"));
      seglen = read_be16 (data + pos);
      if (seglen < 2 || seglen > len - pos)
        return malformed (error, _("a JPEG segment runs past the end of the file"));

      if (jpeg_is_sof (marker))
        {
          const guint8 *s = data + pos + 2;
          guint ncomp;

          if (seen_sof)
            return malformed (error, _("the JPEG has more than one frame"));
          if (seglen < 8)
            return malformed (error, _("the JPEG frame header is too short"));
          info->height = read_be16 (s + 1);
          info->width = read_be16 (s + 3);
          ncomp = s[5];
          if (info->width == 0 || info->height == 0)
            return malformed (error, _("the JPEG declares an invalid size"));
          if ((ncomp != 1 && ncomp != 3 && ncomp != 4) || seglen != 8 + 3 * ncomp)
            return malformed (error, _("the JPEG declares an invalid number of components"));
          if (!check_size (info, limits, error))
            return FALSE;
          seen_sof = TRUE;
        }
      else if (marker == 0xe1 && !seen_exif)
        {
          guint orientation = exif_orientation (data + pos + 2, seglen - 2);

          if (orientation != 1 || (seglen >= 8 && memcmp (data + pos + 2, "Exif\0\0", 6) == 0))
            {
              info->orientation = orientation;
              seen_exif = TRUE;
            }
        }
      else if (marker == 0xda)
        {
          if (!seen_sof)
            return malformed (error, _("the JPEG has a scan before its frame header"));
          if (++scans > limits->max_scans)
            return malformed (error, _("the JPEG has too many scans"));
          pos += seglen;
          /* Entropy-coded data: FF 00 is a stuffed byte, FF D0..D7 a restart
           * marker, FF FF fill; any other FF xx ends the scan. */
          for (;;)
            {
              const guint8 *ff = pos < len ? memchr (data + pos, 0xff, len - pos) : NULL;
              guint8 next;

              if (ff == NULL || (gsize) (ff - data) + 1 >= len)
                return malformed (error, _("the JPEG ends inside its image data"));
              pos = ff - data;
              next = data[pos + 1];
              if (next == 0x00 || (next >= 0xd0 && next <= 0xd7))
                pos += 2;
              else if (next == 0xff)
                pos += 1;
              else
                break;
            }
          continue;
        }

      pos += seglen;
    }
}

gboolean
wg_image_probe (GBytes               *bytes,
                const WgImageLimits  *limits,
                WgImageInfo          *info,
                GError              **error)
{
  WgImageLimits defaults;
  WgImageInfo local = { 0 };
  const guint8 *data;
  gsize len;
  gboolean ok;

  g_return_val_if_fail (bytes != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (limits == NULL)
    {
      wg_image_limits_init (&defaults);
      limits = &defaults;
    }
  data = g_bytes_get_data (bytes, &len);

  if (len > limits->max_bytes)
    {
      g_set_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_TOO_LARGE,
                   _("The image is %lu bytes; at most %lu are accepted"),
                   (gulong) len, (gulong) limits->max_bytes);
      return FALSE;
    }

  local.format = wg_image_sniff (data, len);
  local.orientation = 1;
  switch (local.format)
    {
    case WG_IMAGE_FORMAT_JPEG:
      ok = probe_jpeg (data, len, limits, &local, error);
      break;
    case WG_IMAGE_FORMAT_PNG:
      ok = probe_png (data, len, limits, &local, error);
      break;
    case WG_IMAGE_FORMAT_NONE:
    default:
      g_set_error_literal (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE,
                           _("Only JPEG and PNG images are accepted"));
      return FALSE;
    }
  if (!ok)
    return FALSE;

  if (info != NULL)
    *info = local;
  return TRUE;
}

typedef struct
{
  const WgImageInfo *info;
  guint              fit_side;
  gboolean           mismatch;
} SizeCheck;

static void
fit_size (guint  width,
          guint  height,
          guint  fit_side,
          int   *out_width,
          int   *out_height)
{
  if (fit_side == 0 || (width <= fit_side && height <= fit_side))
    {
      *out_width = width;
      *out_height = height;
    }
  else if (width >= height)
    {
      *out_width = fit_side;
      *out_height = MAX (1, (int) ((guint64) height * fit_side / width));
    }
  else
    {
      *out_height = fit_side;
      *out_width = MAX (1, (int) ((guint64) width * fit_side / height));
    }
}

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  SizeCheck *check = user_data;
  int w, h;

  /* The decoder must see the size our own parser checked; if it does not,
   * a size of 0 x 0 makes the loader fail before it allocates pixels. */
  if (width != (int) check->info->width || height != (int) check->info->height)
    {
      check->mismatch = TRUE;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }
  fit_size (width, height, check->fit_side, &w, &h);
  if (w != width || h != height)
    gdk_pixbuf_loader_set_size (loader, w, h);
}

GdkPixbuf *
wg_image_decode (GBytes               *bytes,
                 const WgImageLimits  *limits,
                 guint                 fit_side,
                 WgImageInfo          *info,
                 GError              **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  WgImageInfo probed;
  SizeCheck check = { &probed, fit_side, FALSE };
  GdkPixbuf *pixbuf;
  const guint8 *data;
  gsize len;
  gboolean ok;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!wg_image_probe (bytes, limits, &probed, error))
    return NULL;

  loader = gdk_pixbuf_loader_new_with_type (probed.format == WG_IMAGE_FORMAT_JPEG ? "jpeg" : "png",
                                            &local_error);
  if (loader == NULL)
    {
      /* A missing built-in loader is a broken installation, not a bad file. */
      g_set_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE,
                   _("This server cannot decode %s images: %s"),
                   wg_image_format_media_type (probed.format), local_error->message);
      return NULL;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &check);

  data = g_bytes_get_data (bytes, &len);
  ok = gdk_pixbuf_loader_write (loader, data, len, &local_error);
  /* close() must run even after a failed write: it releases the decoder. */
  if (!gdk_pixbuf_loader_close (loader, ok ? &local_error : NULL))
    ok = FALSE;

  if (check.mismatch)
    {
      malformed (error, _("the decoder sees another size than the header declares"));
      return NULL;
    }
  pixbuf = ok ? gdk_pixbuf_loader_get_pixbuf (loader) : NULL;
  if (pixbuf == NULL)
    {
      malformed (error, local_error != NULL ? local_error->message : _("the decoder gave no image"));
      return NULL;
    }

  /* gdk-pixbuf's JPEG loader sets the "orientation" option from EXIF; set it
   * from our own parse where the loader's scaled copy does not carry it.
   * Whichever is applied is the one reported. */
  if (probed.orientation != 1 && gdk_pixbuf_get_option (pixbuf, "orientation") == NULL)
    {
      char value[2] = { (char) ('0' + probed.orientation), 0 };

      gdk_pixbuf_set_option (pixbuf, "orientation", value);
    }
  {
    const char *applied = gdk_pixbuf_get_option (pixbuf, "orientation");
    /* parsed as gdk_pixbuf_apply_embedded_orientation() does */
    gint64 value = applied != NULL ? g_ascii_strtoll (applied, NULL, 10) : 1;

    probed.orientation = value >= 1 && value <= 8 ? (guint) value : 1;
  }
  oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
  if (oriented == NULL)
    {
      g_set_error_literal (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_MALFORMED,
                           _("Out of memory while rotating the image"));
      return NULL;
    }

  if (info != NULL)
    *info = probed;
  return g_steal_pointer (&oriented);
}

static gboolean
save_cb (const char  *buf,
         gsize        count,
         GError     **error,
         gpointer     data)
{
  GByteArray *buffer = data;

  g_byte_array_append (buffer, (const guint8 *) buf, count);
  return TRUE;
}

GBytes *
wg_image_encode (GdkPixbuf      *pixbuf,
                 guint           fit_side,
                 WgImageFormat  *format,
                 GError        **error)
{
  g_autoptr(GdkPixbuf) scaled = NULL;
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  WgImageFormat out;
  int width, height, w, h;
  gboolean ok;

  g_return_val_if_fail (GDK_IS_PIXBUF (pixbuf), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  fit_size (width, height, fit_side, &w, &h);
  if (w != width || h != height)
    {
      scaled = gdk_pixbuf_scale_simple (pixbuf, w, h, GDK_INTERP_BILINEAR);
      if (scaled == NULL)
        {
          g_set_error_literal (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_MALFORMED,
                               _("Out of memory while scaling the image"));
          return NULL;
        }
    }
  else
    scaled = g_object_ref (pixbuf);

  /* Photos as JPEG; PNG only where transparency must survive. Re-encoding
   * also drops EXIF (orientation is already applied) and other metadata. */
  out = gdk_pixbuf_get_has_alpha (scaled) ? WG_IMAGE_FORMAT_PNG : WG_IMAGE_FORMAT_JPEG;
  if (out == WG_IMAGE_FORMAT_JPEG)
    ok = gdk_pixbuf_save_to_callbackv (scaled, save_cb, buffer, "jpeg",
                                       (char *[]) { (char *) "quality", NULL },
                                       (char *[]) { (char *) "85", NULL }, error);
  else
    ok = gdk_pixbuf_save_to_callbackv (scaled, save_cb, buffer, "png",
                                       (char *[]) { (char *) "compression", NULL },
                                       (char *[]) { (char *) "6", NULL }, error);
  if (!ok)
    return NULL;

  if (format != NULL)
    *format = out;
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

void
wg_image_derived_free (WgImageDerived *derived)
{
  if (derived == NULL)
    return;
  g_clear_pointer (&derived->display, g_bytes_unref);
  g_clear_pointer (&derived->thumbnail, g_bytes_unref);
  g_free (derived);
}

WgImageDerived *
wg_image_process (GBytes               *bytes,
                  const WgImageLimits  *limits,
                  GError              **error)
{
  g_autoptr(WgImageDerived) derived = g_new0 (WgImageDerived, 1);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  WgImageInfo info;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Decoded straight to the display size: a JPEG never occupies its full
   * size in memory. */
  pixbuf = wg_image_decode (bytes, limits, WG_IMAGE_DISPLAY_SIDE, &info, error);
  if (pixbuf == NULL)
    return NULL;

  derived->format = info.format;
  if (info.orientation >= 5)
    {
      derived->width = info.height;
      derived->height = info.width;
    }
  else
    {
      derived->width = info.width;
      derived->height = info.height;
    }

  derived->display = wg_image_encode (pixbuf, WG_IMAGE_DISPLAY_SIDE, &derived->display_format, error);
  if (derived->display == NULL)
    return NULL;
  derived->thumbnail = wg_image_encode (pixbuf, WG_IMAGE_THUMBNAIL_SIDE, &derived->thumbnail_format, error);
  if (derived->thumbnail == NULL)
    return NULL;

  return g_steal_pointer (&derived);
}
