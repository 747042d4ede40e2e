/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the upload path: wg_image_process() runs the checks
 * (magic, structure walk, declared size) and then the gdk-pixbuf decode and
 * the derived sizes, exactly as the server does for POST /api/v1/attachments.
 * A refusal is the expected outcome for most inputs; a crash, a sanitizer
 * report, a GLib critical or a timeout is a finding.
 *
 *   CC=clang meson setup _build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined
 *   ninja -C _build-fuzz tests/fuzz/fuzz-image
 *   _build-fuzz/tests/fuzz/fuzz-image -max_total_time=60 tests/fuzz/corpus/image
 */
#include <glib.h>
#include <stdint.h>

#include "wg-image.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialized;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgImageDerived) derived = NULL;
  WgImageLimits limits;

  if (!initialized)
    {
      /* A critical is our misuse of an API: as bad as a crash. */
      g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
      initialized = TRUE;
    }

  wg_image_limits_init (&limits);
  bytes = g_bytes_new_static (data, size);
  derived = wg_image_process (bytes, &limits, &error);

  /* Exactly one of the two, and a refusal always carries a known code. */
  if ((derived == NULL) == (error == NULL))
    __builtin_trap ();
  if (error != NULL && (error->domain != WG_IMAGE_ERROR || error->code > WG_IMAGE_ERROR_MALFORMED))
    __builtin_trap ();
  if (derived != NULL && (derived->thumbnail == NULL || derived->display == NULL
                          || derived->width == 0 || derived->height == 0))
    __builtin_trap ();
  return 0;
}
