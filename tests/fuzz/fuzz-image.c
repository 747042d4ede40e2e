/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the upload path: wg_image_process() runs the checks
 * (magic, structure walk, declared size) and then the gdk-pixbuf decode and
 * the derived sizes, exactly as the server does for POST /api/v1/attachments.
 * A refusal is the expected outcome for most inputs; a crash, a sanitizer
 * report, a GLib critical or a timeout is a finding.
 *
 * Each input runs twice: as it is, and, if it is a PNG, with every chunk's
 * CRC recomputed, so that mutations inside chunks get past the CRC check and
 * reach the rest of the walk and libpng.
 *
 *   CC=clang meson setup _build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined
 *   ninja -C _build-fuzz tests/fuzz/fuzz-image
 *   _build-fuzz/tests/fuzz/fuzz-image -max_total_time=60 tests/fuzz/corpus/image
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "wg-image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static guint32
crc32_png (const guint8 *data,
           gsize         len)
{
  static guint32 table[256];
  guint32 c = 0xffffffffu;

  if (table[1] == 0)
    for (guint32 n = 0; n < 256; n++)
      {
        guint32 v = n;

        for (int k = 0; k < 8; k++)
          v = (v & 1) ? 0xedb88320u ^ (v >> 1) : v >> 1;
        table[n] = v;
      }
  for (gsize i = 0; i < len; i++)
    c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

/* Rewrites each complete chunk's CRC in place; stops at the first chunk that
 * runs past the end. */
static void
fix_png_crcs (guint8 *data,
              gsize   size)
{
  gsize pos = 8;

  while (size - pos >= 12)
    {
      guint32 length = ((guint32) data[pos] << 24) | (data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3];
      guint32 crc;

      if (length > size - pos - 12)
        break;
      crc = crc32_png (data + pos + 4, 4 + (gsize) length);
      data[pos + 8 + length] = crc >> 24;
      data[pos + 9 + length] = crc >> 16;
      data[pos + 10 + length] = crc >> 8;
      data[pos + 11 + length] = crc;
      pos += 12 + (gsize) length;
    }
}

static void
run_one (const guint8 *data,
         gsize         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgImageDerived) derived = NULL;
  WgImageLimits limits;

  wg_image_limits_init (&limits);
  derived = wg_image_process (bytes, &limits, &error);

  /* Exactly one of the two, and a refusal always carries a known code. */
  if ((derived == NULL) == (error == NULL))
    __builtin_trap ();
  if (error != NULL && (error->domain != WG_IMAGE_ERROR || error->code > WG_IMAGE_ERROR_MALFORMED))
    __builtin_trap ();
  if (derived != NULL && (derived->thumbnail == NULL || derived->display == NULL
                          || derived->width == 0 || derived->height == 0))
    __builtin_trap ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized;

  if (!initialized)
    {
      /* A critical is our misuse of an API: as bad as a crash. */
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
      initialized = TRUE;
    }

  run_one (data, size);

  if (wg_image_sniff (data, size) == WG_IMAGE_FORMAT_PNG)
    {
      g_autofree guint8 *copy = g_memdup2 (data, size);

      fix_png_crcs (copy, size);
      if (memcmp (copy, data, size) != 0)
        run_one (copy, size);
    }
  return 0;
}
