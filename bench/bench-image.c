/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the upload checks cost, and what decoding straight to the display
 * size saves: wg_image_process() (structure walk, size checks, scaled decode,
 * display + thumbnail) against the naive path measured in the same run
 * (gdk-pixbuf's auto-detecting loader at full size, then the same two
 * scalings and encodings). Also the worst case the limits allow (40 MP).
 */
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "wg-bench.h"
#include "wg-image.h"
#include "wg-sim-photo.h"

#define RUNS 5

static gboolean
save_cb (const char  *buf,
         gsize        count,
         GError     **error,
         gpointer     data)
{
  g_byte_array_append (data, (const guint8 *) buf, count);
  return TRUE;
}

static void
naive_process (GBytes *bytes)
{
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GdkPixbuf) oriented = NULL;
  guint sides[] = { WG_IMAGE_DISPLAY_SIDE, WG_IMAGE_THUMBNAIL_SIDE };

  if (!gdk_pixbuf_loader_write_bytes (loader, bytes, NULL) || !gdk_pixbuf_loader_close (loader, NULL))
    g_error ("naive decode failed");
  oriented = gdk_pixbuf_apply_embedded_orientation (gdk_pixbuf_loader_get_pixbuf (loader));
  for (guint i = 0; i < G_N_ELEMENTS (sides); i++)
    {
      int w = gdk_pixbuf_get_width (oriented), h = gdk_pixbuf_get_height (oriented);
      double f = (double) sides[i] / MAX (w, h);
      g_autoptr(GdkPixbuf) scaled = gdk_pixbuf_scale_simple (oriented, MAX (1, w * f), MAX (1, h * f),
                                                             GDK_INTERP_BILINEAR);
      g_autoptr(GByteArray) out = g_byte_array_new ();

      gdk_pixbuf_save_to_callback (scaled, save_cb, out, "jpeg", NULL, "quality", "85", NULL);
    }
}

static double
median_ms (void (*func) (GBytes *), GBytes *bytes)
{
  double t[RUNS];

  for (int i = 0; i < RUNS; i++)
    {
      gint64 start = g_get_monotonic_time ();

      func (bytes);
      t[i] = (g_get_monotonic_time () - start) / 1000.0;
    }
  return wg_bench_median (t, RUNS);
}

static void
ours_process (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgImageDerived) derived = wg_image_process (bytes, NULL, &error);

  if (derived == NULL)
    g_error ("wg_image_process: %s", error->message);
}

static void
ours_probe (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;

  if (!wg_image_probe (bytes, NULL, NULL, &error))
    g_error ("wg_image_probe: %s", error->message);
}

static GBytes *
flat_image (int         width,
            int         height,
            const char *type)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  /* a smooth gradient with some texture */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + (gsize) y * stride + x * 3;

        p[0] = x * 255 / width;
        p[1] = y * 255 / height;
        p[2] = (x ^ y) & 0x3f;
      }
  if (g_str_equal (type, "png"))
    gdk_pixbuf_save_to_callback (pixbuf, save_cb, out, "png", NULL, "compression", "1", NULL);
  else
    gdk_pixbuf_save_to_callback (pixbuf, save_cb, out, "jpeg", NULL, "quality", "85", NULL);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static void
report (const char *what,
        GBytes     *bytes)
{
  double probe = median_ms (ours_probe, bytes);
  double ours = median_ms (ours_process, bytes);
  double naive = median_ms (naive_process, bytes);

  g_print ("%-28s %6.2f MB  probe %7.2f ms  wg_image_process %7.1f ms  naive %7.1f ms  ratio %.2f\n",
           what, g_bytes_get_size (bytes) / 1e6, probe, ours, naive, ours / naive);
}

int
main (void)
{
  WgSimPhotoSpec spec = { .scene = WG_SIM_PHOTO_GARBAGE, .seed = 1, .width = 4000, .height = 3000,
                          .case_number = "HL-20261128-0042" };
  g_autoptr(GBytes) photo_jpeg = wg_sim_photo_render (&spec, WG_SIM_PHOTO_JPEG, NULL);
  g_autoptr(GBytes) photo_png = NULL;
  g_autoptr(GBytes) big_jpeg = flat_image (7300, 5479, "jpeg");
  g_autoptr(GBytes) big_png = flat_image (7300, 5479, "png");

  spec.width = 2000;
  spec.height = 1500;
  photo_png = wg_sim_photo_render (&spec, WG_SIM_PHOTO_PNG, NULL);

  g_print ("median of %d runs; ratio = wg_image_process / naive (lower is better)\n", RUNS);
  report ("photo 4000x3000 JPEG", photo_jpeg);
  report ("photo 2000x1500 PNG", photo_png);
  report ("limit 7300x5479 JPEG (40 MP)", big_jpeg);
  if (g_bytes_get_size (big_png) <= WG_IMAGE_DEFAULT_MAX_BYTES)
    report ("limit 7300x5479 PNG (40 MP)", big_png);
  else
    g_print ("limit 7300x5479 PNG (40 MP): %.1f MB, over the byte limit\n", g_bytes_get_size (big_png) / 1e6);
  return 0;
}
