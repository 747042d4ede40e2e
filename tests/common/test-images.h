/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Image fixtures made in code, with gdk-pixbuf and by hand: no image files
 * from elsewhere.
 */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

/* @pixbuf as a JPEG of quality 90. */
GBytes *test_image_encode_jpeg    (GdkPixbuf    *pixbuf);
/* Appends a PNG chunk (length, @type, @data, CRC) to @array. */
void    test_image_put_png_chunk  (GByteArray   *array,
                                   const char   *type,
                                   const guint8 *data,
                                   guint32       len);
/* A PNG whose IHDR declares @width x @height, with valid CRCs everywhere,
 * and a few bytes of (bogus) image data: a decompression "bomb" as far as
 * any decoder that trusts the header is concerned. */
GBytes *test_image_png_bomb       (guint32       width,
                                   guint32       height);

G_END_DECLS
