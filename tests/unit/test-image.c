/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <cairo.h>
#include <gio/gio.h>
#include <string.h>

#include "test-images.h"
#include "wg-image.h"

/* Fixtures are made here, with cairo and gdk-pixbuf: no image files from
 * elsewhere. */

static cairo_status_t
append_cb (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static GBytes *
make_png (int      width,
          int      height,
          gboolean alpha)
{
  cairo_surface_t *surface = cairo_image_surface_create (alpha ? CAIRO_FORMAT_ARGB32 : CAIRO_FORMAT_RGB24,
                                                         width, height);
  cairo_t *cr = cairo_create (surface);
  cairo_pattern_t *gradient = cairo_pattern_create_linear (0, 0, width, height);
  GByteArray *buffer = g_byte_array_new ();

  cairo_pattern_add_color_stop_rgba (gradient, 0, 0.2, 0.5, 0.8, alpha ? 0.5 : 1);
  cairo_pattern_add_color_stop_rgba (gradient, 1, 0.9, 0.7, 0.1, 1);
  cairo_set_source (cr, gradient);
  cairo_paint (cr);
  cairo_pattern_destroy (gradient);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png_stream (surface, append_cb, buffer), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return g_byte_array_free_to_bytes (buffer);
}

/* Left half red, right half blue: rotations are visible in the pixels. */
static GdkPixbuf *
make_pixbuf (int width,
             int height)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;

        p[0] = x < width / 2 ? 220 : 20;
        p[1] = 30;
        p[2] = x < width / 2 ? 20 : 220;
      }
  return pixbuf;
}

static GBytes *
make_jpeg (int width,
           int height)
{
  g_autoptr(GdkPixbuf) pixbuf = make_pixbuf (width, height);

  return test_image_encode_jpeg (pixbuf);
}

/* Inserts an EXIF APP1 segment with the given orientation after SOI. */
static GBytes *
add_exif_orientation (GBytes *jpeg,
                      guint   orientation,
                      gboolean big_endian)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);
  GByteArray *array = g_byte_array_new ();
  guint8 le_app1[] = {
    0xff, 0xe1, 0x00, 34,
    'E', 'x', 'i', 'f', 0, 0,
    'I', 'I', 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00,   /* TIFF header, IFD0 at 8 */
    0x01, 0x00,                                     /* one entry */
    0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, /* 0x0112 SHORT x1 */
    orientation, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,                         /* no next IFD */
  };
  guint8 be_app1[] = {
    0xff, 0xe1, 0x00, 34,
    'E', 'x', 'i', 'f', 0, 0,
    'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,
    0x00, 0x01,
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,
    0x00, orientation, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
  };

  g_assert_cmpuint (len, >, 2);
  g_byte_array_append (array, data, 2);
  if (big_endian)
    g_byte_array_append (array, be_app1, sizeof be_app1);
  else
    g_byte_array_append (array, le_app1, sizeof le_app1);
  g_byte_array_append (array, data + 2, len - 2);
  return g_byte_array_free_to_bytes (array);
}

static void
assert_refused (GBytes       *bytes,
                WgImageError  code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(WgImageDerived) derived = NULL;

  pixbuf = wg_image_decode (bytes, NULL, 0, NULL, &error);
  g_assert_null (pixbuf);
  g_assert_error (error, WG_IMAGE_ERROR, code);
  g_clear_error (&error);

  derived = wg_image_process (bytes, NULL, &error);
  g_assert_null (derived);
  g_assert_error (error, WG_IMAGE_ERROR, code);
}

static void
test_sniff (void)
{
  static const guint8 jpeg[] = { 0xff, 0xd8, 0xff, 0xe0 };
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
  static const guint8 gif[] = { 'G', 'I', 'F', '8', '9', 'a' };

  g_assert_cmpint (wg_image_sniff (jpeg, sizeof jpeg), ==, WG_IMAGE_FORMAT_JPEG);
  g_assert_cmpint (wg_image_sniff (jpeg, 2), ==, WG_IMAGE_FORMAT_NONE);
  g_assert_cmpint (wg_image_sniff (png, sizeof png), ==, WG_IMAGE_FORMAT_PNG);
  g_assert_cmpint (wg_image_sniff (png, 7), ==, WG_IMAGE_FORMAT_NONE);
  g_assert_cmpint (wg_image_sniff (gif, sizeof gif), ==, WG_IMAGE_FORMAT_NONE);
  g_assert_cmpint (wg_image_sniff (NULL, 0), ==, WG_IMAGE_FORMAT_NONE);

  g_assert_cmpstr (wg_image_error_code (WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE), ==, "unsupported-media-type");
  g_assert_cmpstr (wg_image_error_code (WG_IMAGE_ERROR_TOO_LARGE), ==, "too-large");
  g_assert_cmpstr (wg_image_error_code (WG_IMAGE_ERROR_TOO_MANY_PIXELS), ==, "image-too-many-pixels");
  g_assert_cmpstr (wg_image_error_code (WG_IMAGE_ERROR_MALFORMED), ==, "image-malformed");
  g_assert_cmpuint (wg_image_error_http_status (WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE), ==, 415);
  g_assert_cmpuint (wg_image_error_http_status (WG_IMAGE_ERROR_TOO_LARGE), ==, 413);
  g_assert_cmpuint (wg_image_error_http_status (WG_IMAGE_ERROR_MALFORMED), ==, 422);
  g_assert_cmpstr (wg_image_format_media_type (WG_IMAGE_FORMAT_PNG), ==, "image/png");
  g_assert_cmpstr (wg_image_format_media_type (WG_IMAGE_FORMAT_JPEG), ==, "image/jpeg");
}

static void
test_real_png (void)
{
  g_autoptr(GBytes) png = make_png (640, 480, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(WgImageDerived) derived = NULL;
  g_autoptr(GdkPixbuf) thumb = NULL;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  WgImageInfo info;

  g_assert_true (wg_image_probe (png, NULL, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.format, ==, WG_IMAGE_FORMAT_PNG);
  g_assert_cmpuint (info.width, ==, 640);
  g_assert_cmpuint (info.height, ==, 480);

  pixbuf = wg_image_decode (png, NULL, 0, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 640);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 480);

  derived = wg_image_process (png, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (derived->format, ==, WG_IMAGE_FORMAT_PNG);
  g_assert_cmpuint (derived->width, ==, 640);
  g_assert_cmpuint (derived->height, ==, 480);
  /* opaque: derived sizes are JPEG */
  g_assert_cmpint (derived->thumbnail_format, ==, WG_IMAGE_FORMAT_JPEG);
  g_assert_cmpint (derived->display_format, ==, WG_IMAGE_FORMAT_JPEG);

  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, derived->thumbnail, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  thumb = g_object_ref (gdk_pixbuf_loader_get_pixbuf (loader));
  g_assert_cmpint (gdk_pixbuf_get_width (thumb), ==, 320);
  g_assert_cmpint (gdk_pixbuf_get_height (thumb), ==, 240);
}

static void
test_png_alpha (void)
{
  g_autoptr(GBytes) png = make_png (200, 400, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgImageDerived) derived = wg_image_process (png, NULL, &error);
  g_autoptr(GdkPixbuf) thumb = NULL;
  WgImageInfo info;

  g_assert_no_error (error);
  g_assert_cmpint (derived->thumbnail_format, ==, WG_IMAGE_FORMAT_PNG);
  /* the derived image passes our own checks too */
  g_assert_true (wg_image_probe (derived->thumbnail, NULL, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpint (info.format, ==, WG_IMAGE_FORMAT_PNG);
  g_assert_cmpuint (info.width, ==, 160);
  g_assert_cmpuint (info.height, ==, 320);
  thumb = wg_image_decode (derived->thumbnail, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (gdk_pixbuf_get_has_alpha (thumb));
}

static void
test_real_jpeg (void)
{
  g_autoptr(GBytes) jpeg = make_jpeg (2400, 1200);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgImageDerived) derived = NULL;
  g_autoptr(GdkPixbuf) display = NULL;
  g_autoptr(GdkPixbuf) full = NULL;
  WgImageInfo info;

  full = wg_image_decode (jpeg, NULL, 0, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (info.format, ==, WG_IMAGE_FORMAT_JPEG);
  g_assert_cmpuint (info.orientation, ==, 1);
  g_assert_cmpint (gdk_pixbuf_get_width (full), ==, 2400);
  g_assert_cmpint (gdk_pixbuf_get_height (full), ==, 1200);

  derived = wg_image_process (jpeg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (derived->format, ==, WG_IMAGE_FORMAT_JPEG);
  g_assert_cmpuint (derived->width, ==, 2400);
  g_assert_cmpuint (derived->height, ==, 1200);

  g_assert_true (wg_image_probe (derived->thumbnail, NULL, &info, &error));
  g_assert_cmpint (info.format, ==, WG_IMAGE_FORMAT_JPEG);
  g_assert_cmpuint (info.width, ==, 320);
  g_assert_cmpuint (info.height, ==, 160);

  display = wg_image_decode (derived->display, NULL, 0, &info, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (display), ==, 1600);
  g_assert_cmpint (gdk_pixbuf_get_height (display), ==, 800);
}

static void
test_jpeg_trailing_data (void)
{
  /* Some phones append data after EOI; that is not damage. */
  g_autoptr(GBytes) jpeg = make_jpeg (64, 48);
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GBytes) padded = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  g_byte_array_append (array, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
  g_byte_array_append (array, (const guint8 *) "trailer", 7);
  padded = g_byte_array_free_to_bytes (g_steal_pointer (&array));
  pixbuf = wg_image_decode (padded, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 64);
}

static void
test_truncated_jpeg (void)
{
  g_autoptr(GBytes) jpeg = make_jpeg (320, 240);
  gsize len = g_bytes_get_size (jpeg);

  /* cut inside the image data, and cut inside the headers */
  for (gsize cut = len * 2 / 3; cut > 2; cut /= 5)
    {
      g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (jpeg, 0, cut);

      assert_refused (truncated, WG_IMAGE_ERROR_MALFORMED);
    }
  {
    /* only the final EOI missing */
    g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (jpeg, 0, len - 2);

    assert_refused (truncated, WG_IMAGE_ERROR_MALFORMED);
  }
}

static void
test_truncated_png (void)
{
  g_autoptr(GBytes) png = make_png (300, 200, FALSE);
  gsize len = g_bytes_get_size (png);
  g_autoptr(GBytes) no_iend = g_bytes_new_from_bytes (png, 0, len - 12);
  g_autoptr(GBytes) half = g_bytes_new_from_bytes (png, 0, len / 2);
  g_autoptr(GBytes) magic_only = g_bytes_new_from_bytes (png, 0, 8);

  assert_refused (no_iend, WG_IMAGE_ERROR_MALFORMED);
  assert_refused (half, WG_IMAGE_ERROR_MALFORMED);
  assert_refused (magic_only, WG_IMAGE_ERROR_MALFORMED);
}

static void
test_png_bomb (void)
{
  g_autoptr(GBytes) bomb = test_image_png_bomb (100000, 100000);
  /* sides within 12,000 px but 64 megapixels */
  g_autoptr(GBytes) square = test_image_png_bomb (8000, 8000);
  g_autoptr(GBytes) line = test_image_png_bomb (12001, 1);
  g_autoptr(GError) error = NULL;
  WgImageInfo info;

  g_assert_cmpuint (g_bytes_get_size (bomb), <, 100);
  assert_refused (bomb, WG_IMAGE_ERROR_TOO_MANY_PIXELS);
  assert_refused (square, WG_IMAGE_ERROR_TOO_MANY_PIXELS);
  assert_refused (line, WG_IMAGE_ERROR_TOO_MANY_PIXELS);

  /* with the limits raised, the same file is still refused: its image data
   * does not inflate to the size it declares (checked without decoding) */
  {
    WgImageLimits limits;
    gint64 start = g_get_monotonic_time ();

    wg_image_limits_init (&limits);
    limits.max_side = 200000;
    limits.max_pixels = G_GUINT64_CONSTANT (20000000000);
    g_assert_false (wg_image_probe (bomb, &limits, &info, &error));
    g_assert_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_MALFORMED);
    g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
  }
}

static void
test_png_short_idat (void)
{
  /* valid chunks and CRCs, but too little (or no zlib) image data: libpng's
   * progressive reader would hand out a partly filled image */
  g_autoptr(GBytes) short_data = test_image_png_bomb (100, 100);
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GBytes) not_zlib = NULL;
  static const guint8 magic[8] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
  guint8 ihdr[13] = { 0, 0, 0, 16, 0, 0, 0, 16, 8, 2, 0, 0, 0 };

  assert_refused (short_data, WG_IMAGE_ERROR_MALFORMED);

  g_byte_array_append (array, magic, sizeof magic);
  test_image_put_png_chunk (array, "IHDR", ihdr, sizeof ihdr);
  test_image_put_png_chunk (array, "IDAT", (const guint8 *) "not a zlib stream", 17);
  test_image_put_png_chunk (array, "IEND", NULL, 0);
  not_zlib = g_byte_array_free_to_bytes (g_steal_pointer (&array));
  assert_refused (not_zlib, WG_IMAGE_ERROR_MALFORMED);
}

static GBytes *
zlib_compress (const guint8 *data,
               gsize         len)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 6);
  g_autoptr(GError) error = NULL;
  gsize out_len = len + 1024;
  guint8 *out = g_malloc (out_len);
  gsize read = 0, written = 0;

  g_assert_cmpint (g_converter_convert (G_CONVERTER (compressor), data, len, out, out_len,
                                        G_CONVERTER_INPUT_AT_END, &read, &written, &error),
                   ==, G_CONVERTER_FINISHED);
  g_assert_no_error (error);
  g_assert_cmpuint (read, ==, len);
  return g_bytes_new_take (out, written);
}

/* An Adam7-interlaced RGB PNG built by hand: the expected data size is summed
 * over the seven passes; one byte less must be refused. */
static GBytes *
make_interlaced_png (guint32  width,
                     guint32  height,
                     gboolean short_by_one)
{
  static const guint8 magic[8] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
  static const guint adam7[7][4] = {
    { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 },
    { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 },
  };
  g_autoptr(GByteArray) raw = g_byte_array_new ();
  g_autoptr(GBytes) idat = NULL;
  GByteArray *array = g_byte_array_new ();
  guint8 ihdr[13] = { 0, 0, 0, width, 0, 0, 0, height, 8, 2, 0, 0, 1 };

  for (guint i = 0; i < 7; i++)
    for (guint y = adam7[i][1]; y < height; y += adam7[i][3])
      {
        guint8 filter = 0;

        if (adam7[i][0] >= width)
          continue;
        g_byte_array_append (raw, &filter, 1);
        for (guint x = adam7[i][0]; x < width; x += adam7[i][2])
          {
            guint8 rgb[3] = { x * 20, y * 20, 128 };

            g_byte_array_append (raw, rgb, 3);
          }
      }
  idat = zlib_compress (raw->data, raw->len - (short_by_one ? 1 : 0));

  g_byte_array_append (array, magic, sizeof magic);
  test_image_put_png_chunk (array, "IHDR", ihdr, sizeof ihdr);
  test_image_put_png_chunk (array, "IDAT", g_bytes_get_data (idat, NULL), g_bytes_get_size (idat));
  test_image_put_png_chunk (array, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (array);
}

static void
test_png_interlaced (void)
{
  g_autoptr(GError) error = NULL;

  for (guint32 w = 1; w <= 11; w += 5)
    for (guint32 h = 1; h <= 9; h += 4)
      {
        g_autoptr(GBytes) png = make_interlaced_png (w, h, FALSE);
        g_autoptr(GBytes) shorter = make_interlaced_png (w, h, TRUE);
        g_autoptr(GdkPixbuf) pixbuf = wg_image_decode (png, NULL, 0, NULL, &error);

        g_assert_no_error (error);
        g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, w);
        g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, h);
        assert_refused (shorter, WG_IMAGE_ERROR_MALFORMED);
      }
}

static void
test_not_an_image (void)
{
  g_autoptr(GBytes) text = g_bytes_new_static ("Photo of the shed, see attachment\n", 34);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) gif = g_bytes_new_static ("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14);
  g_autoptr(GBytes) svg = g_bytes_new_static ("<svg xmlns='http://www.w3.org/2000/svg'/>", 41);

  assert_refused (text, WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE);
  assert_refused (empty, WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE);
  assert_refused (gif, WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE);
  assert_refused (svg, WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE);
}

static void
test_too_large (void)
{
  gsize len = 9 * 1024 * 1024;
  guint8 *blob = g_malloc0 (len);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) just_over = NULL;
  g_autoptr(GBytes) text_blob = NULL;

  /* starts like a JPEG: the size must refuse it before any parsing */
  blob[0] = 0xff;
  blob[1] = 0xd8;
  blob[2] = 0xff;
  bytes = g_bytes_new_take (blob, len);
  assert_refused (bytes, WG_IMAGE_ERROR_TOO_LARGE);
  just_over = g_bytes_new_from_bytes (bytes, 0, WG_IMAGE_DEFAULT_MAX_BYTES + 1);
  assert_refused (just_over, WG_IMAGE_ERROR_TOO_LARGE);
  text_blob = g_bytes_new_from_bytes (bytes, 3, WG_IMAGE_DEFAULT_MAX_BYTES + 10);
  assert_refused (text_blob, WG_IMAGE_ERROR_TOO_LARGE);
}

static void
test_png_bad_crc (void)
{
  g_autoptr(GBytes) png = make_png (50, 40, FALSE);
  gsize len = g_bytes_get_size (png);
  guint8 *copy = g_memdup2 (g_bytes_get_data (png, NULL), len);
  g_autoptr(GBytes) bad_ihdr = NULL;
  g_autoptr(GBytes) bad_idat = NULL;

  /* IHDR's CRC is at 8 + 8 + 13 */
  copy[29] ^= 0x01;
  bad_ihdr = g_bytes_new (copy, len);
  assert_refused (bad_ihdr, WG_IMAGE_ERROR_MALFORMED);
  copy[29] ^= 0x01;
  /* a byte inside the first chunk after IHDR */
  copy[8 + 25 + 8] ^= 0x40;
  bad_idat = g_bytes_new (copy, len);
  assert_refused (bad_idat, WG_IMAGE_ERROR_MALFORMED);
  g_free (copy);
}

static void
test_jpeg_exif_orientation (void)
{
  g_autoptr(GBytes) plain = make_jpeg (80, 40);
  g_autoptr(GError) error = NULL;

  for (int be = 0; be <= 1; be++)
    {
      g_autoptr(GBytes) rotated = add_exif_orientation (plain, 6, be);
      g_autoptr(GdkPixbuf) pixbuf = NULL;
      g_autoptr(WgImageDerived) derived = NULL;
      WgImageInfo info;
      const guint8 *pixels;
      int stride, n;

      pixbuf = wg_image_decode (rotated, NULL, 0, &info, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (info.orientation, ==, 6);
      g_assert_cmpuint (info.width, ==, 80);
      /* orientation 6: turned 90° clockwise for display; the left (red) half
       * is now on top, the right (blue) half below */
      g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 40);
      g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 80);
      pixels = gdk_pixbuf_get_pixels (pixbuf);
      stride = gdk_pixbuf_get_rowstride (pixbuf);
      n = gdk_pixbuf_get_n_channels (pixbuf);
      g_assert_cmpuint (pixels[10 * stride + 20 * n + 0], >, 150);
      g_assert_cmpuint (pixels[10 * stride + 20 * n + 2], <, 100);
      g_assert_cmpuint (pixels[70 * stride + 20 * n + 0], <, 100);
      g_assert_cmpuint (pixels[70 * stride + 20 * n + 2], >, 150);

      /* also through the scaled path the server uses */
      derived = wg_image_process (rotated, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (derived->width, ==, 40);
      g_assert_cmpuint (derived->height, ==, 80);
      g_assert_true (wg_image_probe (derived->thumbnail, NULL, &info, &error));
      g_assert_cmpuint (info.width, ==, 40);
      g_assert_cmpuint (info.height, ==, 80);
      g_assert_cmpuint (info.orientation, ==, 1);
    }
  {
    /* a large rotated photo decoded at the reduced display size */
    g_autoptr(GBytes) big = make_jpeg (3200, 1600);
    g_autoptr(GBytes) rotated = add_exif_orientation (big, 6, FALSE);
    g_autoptr(WgImageDerived) derived = wg_image_process (rotated, NULL, &error);
    g_autoptr(GdkPixbuf) display = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (derived->width, ==, 1600);
    g_assert_cmpuint (derived->height, ==, 3200);
    display = wg_image_decode (derived->display, NULL, 0, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (gdk_pixbuf_get_width (display), ==, 800);
    g_assert_cmpint (gdk_pixbuf_get_height (display), ==, 1600);
  }
}

static void
test_jpeg_scan_limit (void)
{
  g_autoptr(GBytes) jpeg = make_jpeg (32, 32);
  g_autoptr(GError) error = NULL;
  WgImageLimits limits;

  wg_image_limits_init (&limits);
  g_assert_true (wg_image_probe (jpeg, &limits, NULL, &error));
  g_assert_no_error (error);
  limits.max_scans = 0;
  g_assert_false (wg_image_probe (jpeg, &limits, NULL, &error));
  g_assert_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_MALFORMED);
  g_clear_error (&error);

  /* A "scan bomb": every scan costs a pass over all the pixels in libjpeg,
   * so thousands of tiny scans would take minutes. Here the one scan is
   * repeated: 64 pass the walk, 65 are refused before any decoding. */
  {
    gsize len;
    const guint8 *data = g_bytes_get_data (jpeg, &len);
    gsize sos = 0;

    for (gsize i = 2; i + 1 < len; i++)
      if (data[i] == 0xff && data[i + 1] == 0xda)
        {
          sos = i;
          break;
        }
    g_assert_cmpuint (sos, >, 0);
    g_assert_cmpuint (data[len - 1], ==, 0xd9);

    for (guint scans = 64; scans <= 65; scans++)
      {
        g_autoptr(GByteArray) array = g_byte_array_new ();
        g_autoptr(GBytes) bomb = NULL;

        g_byte_array_append (array, data, len - 2);
        for (guint i = 1; i < scans; i++)
          g_byte_array_append (array, data + sos, len - 2 - sos);
        g_byte_array_append (array, data + len - 2, 2);
        bomb = g_byte_array_free_to_bytes (g_steal_pointer (&array));
        wg_image_limits_init (&limits);
        if (scans == 64)
          {
            g_assert_true (wg_image_probe (bomb, &limits, NULL, &error));
            g_assert_no_error (error);
          }
        else
          {
            g_assert_false (wg_image_probe (bomb, &limits, NULL, &error));
            g_assert_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_MALFORMED);
            g_clear_error (&error);
            assert_refused (bomb, WG_IMAGE_ERROR_MALFORMED);
          }
      }
  }
}

static void
test_jpeg_damaged_headers (void)
{
  g_autoptr(GBytes) jpeg = make_jpeg (64, 64);
  gsize len;
  const guint8 *data = g_bytes_get_data (jpeg, &len);
  gsize sof = 0;

  for (gsize i = 2; i + 1 < len; i++)
    if (data[i] == 0xff && data[i + 1] == 0xc0)
      {
        sof = i;
        break;
      }
  g_assert_cmpuint (sof, >, 0);

  {
    /* height 0 ("defined by DNL"): refused */
    guint8 *copy = g_memdup2 (data, len);
    g_autoptr(GBytes) bytes = NULL;

    copy[sof + 5] = 0;
    copy[sof + 6] = 0;
    bytes = g_bytes_new_take (copy, len);
    assert_refused (bytes, WG_IMAGE_ERROR_MALFORMED);
  }
  {
    /* a segment length running past the end */
    guint8 *copy = g_memdup2 (data, len);
    g_autoptr(GBytes) bytes = NULL;

    copy[sof + 2] = 0xff;
    copy[sof + 3] = 0xff;
    bytes = g_bytes_new_take (copy, len);
    assert_refused (bytes, WG_IMAGE_ERROR_MALFORMED);
  }
  {
    /* a declared size the decoder would disagree with cannot happen
     * silently: 65000 x 65000 is refused by the header check */
    guint8 *copy = g_memdup2 (data, len);
    g_autoptr(GBytes) bytes = NULL;

    copy[sof + 5] = 0xfd;
    copy[sof + 7] = 0xfd;
    bytes = g_bytes_new_take (copy, len);
    assert_refused (bytes, WG_IMAGE_ERROR_TOO_MANY_PIXELS);
  }
}

/* Structurally sound (every length right, EOI present) but refused by the
 * decoder: the loader's error comes back as image-malformed, and the loader
 * is closed without a critical (G_DEBUG=fatal-criticals). */
static void
test_jpeg_decoder_refuses (void)
{
  g_autoptr(GBytes) jpeg = make_jpeg (48, 32);
  gsize len = g_bytes_get_size (jpeg);
  guint8 *copy = g_memdup2 (g_bytes_get_data (jpeg, NULL), len);
  g_autoptr(GBytes) bogus = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  gsize dht = 0;

  for (gsize i = 2; i + 1 < len; i++)
    if (copy[i] == 0xff && copy[i + 1] == 0xc4)
      {
        dht = i;
        break;
      }
  g_assert_cmpuint (dht, >, 0);
  /* the 16 code-length counts of the first table: far more codes than
   * the segment holds */
  memset (copy + dht + 5, 0xff, 16);
  bogus = g_bytes_new_take (copy, len);

  g_assert_true (wg_image_probe (bogus, NULL, NULL, &error));
  g_assert_no_error (error);
  pixbuf = wg_image_decode (bogus, NULL, 0, NULL, &error);
  g_assert_null (pixbuf);
  g_assert_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_MALFORMED);
  g_clear_error (&error);
  assert_refused (bogus, WG_IMAGE_ERROR_MALFORMED);
}

/* Found by tests/fuzz/fuzz-image: an EXIF IFD whose first entry runs past
 * a short APP1 segment was read out of bounds (ASan: heap-buffer-overflow
 * in exif_orientation). */
static void
test_fuzz_regressions (void)
{
  static const guint8 short_exif_ifd[] = {
    0xff, 0xd8, 0xff, 0xe1, 0x00, 0x13, 0x45, 0x78, 0x69, 0x66, 0x00, 0x00, 0x49, 0x49, 0x2a, 0x00,
    0x08, 0x00, 0x00, 0x00, 0x01, 0x01, 0x12, 0x01, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0xff, 0xd8, 0xff, 0xe1, 0x00, 0x3b, 0x45, 0x78, 0x69, 0x69,
  };
  g_autoptr(GBytes) jpeg = make_jpeg (16, 16);
  g_autoptr(GByteArray) array = g_byte_array_new ();
  g_autoptr(GBytes) crash = g_bytes_new_static (short_exif_ifd, sizeof short_exif_ifd);
  g_autoptr(GBytes) valid = NULL;
  g_autoptr(GError) error = NULL;
  WgImageInfo info;

  /* exactly as found: refused, and no read past the segment */
  assert_refused (crash, WG_IMAGE_ERROR_MALFORMED);

  /* the same short APP1 in an otherwise valid JPEG: the orientation is
   * ignored, the image accepted */
  g_byte_array_append (array, short_exif_ifd, 23); /* SOI and the APP1 segment */
  g_byte_array_append (array, (const guint8 *) g_bytes_get_data (jpeg, NULL) + 2, g_bytes_get_size (jpeg) - 2);
  valid = g_byte_array_free_to_bytes (g_steal_pointer (&array));
  g_assert_true (wg_image_probe (valid, NULL, &info, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (info.orientation, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/image/sniff", test_sniff);
  g_test_add_func ("/image/png/real", test_real_png);
  g_test_add_func ("/image/png/alpha", test_png_alpha);
  g_test_add_func ("/image/png/truncated", test_truncated_png);
  g_test_add_func ("/image/png/bomb", test_png_bomb);
  g_test_add_func ("/image/png/bad-crc", test_png_bad_crc);
  g_test_add_func ("/image/png/short-idat", test_png_short_idat);
  g_test_add_func ("/image/png/interlaced", test_png_interlaced);
  g_test_add_func ("/image/jpeg/real", test_real_jpeg);
  g_test_add_func ("/image/jpeg/trailing-data", test_jpeg_trailing_data);
  g_test_add_func ("/image/jpeg/truncated", test_truncated_jpeg);
  g_test_add_func ("/image/jpeg/exif-orientation", test_jpeg_exif_orientation);
  g_test_add_func ("/image/jpeg/scan-limit", test_jpeg_scan_limit);
  g_test_add_func ("/image/jpeg/damaged-headers", test_jpeg_damaged_headers);
  g_test_add_func ("/image/jpeg/decoder-refuses", test_jpeg_decoder_refuses);
  g_test_add_func ("/image/not-an-image", test_not_an_image);
  g_test_add_func ("/image/too-large", test_too_large);
  g_test_add_func ("/image/fuzz-regressions", test_fuzz_regressions);

  return g_test_run ();
}
