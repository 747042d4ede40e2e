/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-images"

#include "test-images.h"

GBytes *
test_image_encode_jpeg (GdkPixbuf *pixbuf)
{
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize len = 0;

  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &len, "jpeg", &error, "quality", "90", NULL));
  g_assert_no_error (error);
  return g_bytes_new_take (buffer, len);
}

static guint32
crc32_png (const guint8 *data,
           gsize         len)
{
  guint32 c = 0xffffffffu;

  for (gsize i = 0; i < len; i++)
    {
      c ^= data[i];
      for (int k = 0; k < 8; k++)
        c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
  return c ^ 0xffffffffu;
}

static void
put_be32 (GByteArray *array,
          guint32     value)
{
  guint8 b[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (array, b, 4);
}

void
test_image_put_png_chunk (GByteArray   *array,
                          const char   *type,
                          const guint8 *data,
                          guint32       len)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();

  put_be32 (array, len);
  g_byte_array_append (body, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (body, data, len);
  g_byte_array_append (array, body->data, body->len);
  put_be32 (array, crc32_png (body->data, body->len));
}

GBytes *
test_image_png_bomb (guint32 width,
                     guint32 height)
{
  static const guint8 magic[8] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };
  /* zlib stream of a run of zero bytes */
  static const guint8 idat[] = { 0x78, 0x9c, 0xed, 0xc1, 0x01, 0x0d, 0x00, 0x00, 0x00, 0xc2, 0xa0,
                                 0xf7, 0x4f, 0x6d, 0x0e, 0x37, 0xa0, 0x00, 0x00, 0x00, 0x00 };
  GByteArray *array = g_byte_array_new ();
  guint8 ihdr[13] = { width >> 24, width >> 16, width >> 8, width,
                      height >> 24, height >> 16, height >> 8, height,
                      8, 2, 0, 0, 0 };

  g_byte_array_append (array, magic, sizeof magic);
  test_image_put_png_chunk (array, "IHDR", ihdr, sizeof ihdr);
  test_image_put_png_chunk (array, "IDAT", idat, sizeof idat);
  test_image_put_png_chunk (array, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (array);
}
