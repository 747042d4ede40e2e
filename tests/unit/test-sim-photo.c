/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wg-image.h"
#include "wg-sim-photo.h"

static const WgSimPhotoScene scenes[] = {
  WG_SIM_PHOTO_ILLEGAL_STRUCTURE,
  WG_SIM_PHOTO_FIRE_LANE,
  WG_SIM_PHOTO_GARBAGE,
  WG_SIM_PHOTO_ROAD_DAMAGE,
};

/* 2026-11-28 14:02:10 in Shanghai */
#define TIME_MS G_GINT64_CONSTANT (1795845730000)

static void
test_categories (void)
{
  g_assert_cmpint (wg_sim_photo_scene_for_category ("illegal_structure"), ==, WG_SIM_PHOTO_ILLEGAL_STRUCTURE);
  g_assert_cmpint (wg_sim_photo_scene_for_category ("blocked_fire_lane"), ==, WG_SIM_PHOTO_FIRE_LANE);
  g_assert_cmpint (wg_sim_photo_scene_for_category ("garbage_heap"), ==, WG_SIM_PHOTO_GARBAGE);
  g_assert_cmpint (wg_sim_photo_scene_for_category ("road_damage"), ==, WG_SIM_PHOTO_ROAD_DAMAGE);
  g_assert_cmpint (wg_sim_photo_scene_for_category ("labour_dispute"), ==, WG_SIM_PHOTO_NONE);
  g_assert_cmpint (wg_sim_photo_scene_for_category (NULL), ==, WG_SIM_PHOTO_NONE);
  g_assert_cmpstr (wg_sim_photo_media_type (WG_SIM_PHOTO_JPEG), ==, "image/jpeg");
  g_assert_cmpstr (wg_sim_photo_media_type (WG_SIM_PHOTO_PNG), ==, "image/png");
}

/* Every scene, before and after, in both formats, passes the server's own
 * upload checks with the size asked for. */
static void
test_decodes (void)
{
  g_autoptr(GTimeZone) shanghai = g_time_zone_new_identifier ("Asia/Shanghai");

  for (guint i = 0; i < G_N_ELEMENTS (scenes); i++)
    for (int repaired = 0; repaired <= 1; repaired++)
      for (int format = WG_SIM_PHOTO_PNG; format <= WG_SIM_PHOTO_JPEG; format++)
        {
          g_autoptr(GError) error = NULL;
          WgSimPhotoSpec spec = {
            .scene = scenes[i], .repaired = repaired, .seed = 42 + i,
            .width = 640, .height = 480,
            .case_number = "HL-20261128-0042", .time_ms = TIME_MS, .time_zone = shanghai,
          };
          g_autoptr(GBytes) photo = wg_sim_photo_render (&spec, format, &error);
          g_autoptr(WgImageDerived) derived = NULL;
          WgImageInfo info;

          g_assert_no_error (error);
          g_assert_true (wg_image_probe (photo, NULL, &info, &error));
          g_assert_no_error (error);
          g_assert_cmpint (info.format, ==, format == WG_SIM_PHOTO_JPEG ? WG_IMAGE_FORMAT_JPEG : WG_IMAGE_FORMAT_PNG);
          g_assert_cmpuint (info.width, ==, 640);
          g_assert_cmpuint (info.height, ==, 480);
          derived = wg_image_process (photo, NULL, &error);
          g_assert_no_error (error);
          g_assert_cmpuint (derived->width, ==, 640);
          g_assert_cmpuint (derived->height, ==, 480);
          /* a photo-like picture, not a flat fill: well over 10 KB */
          g_assert_cmpuint (g_bytes_get_size (photo), >, 10000);
        }
}

static void
test_default_size (void)
{
  g_autoptr(GError) error = NULL;
  WgSimPhotoSpec spec = { .scene = WG_SIM_PHOTO_FIRE_LANE, .seed = 7, .case_number = "HL-20261128-0001" };
  g_autoptr(GBytes) photo = wg_sim_photo_render (&spec, WG_SIM_PHOTO_JPEG, &error);
  WgImageInfo info;

  g_assert_no_error (error);
  g_assert_true (wg_image_probe (photo, NULL, &info, &error));
  g_assert_cmpuint (info.width, ==, 960);
  g_assert_cmpuint (info.height, ==, 720);
}

static void
test_deterministic (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (scenes); i++)
    {
      g_autoptr(GError) error = NULL;
      WgSimPhotoSpec spec = {
        .scene = scenes[i], .seed = 1234, .width = 320, .height = 240,
        .case_number = "HL-20261128-0042", .time_ms = TIME_MS,
      };
      g_autoptr(GBytes) a = wg_sim_photo_render (&spec, WG_SIM_PHOTO_PNG, &error);
      g_autoptr(GBytes) b = wg_sim_photo_render (&spec, WG_SIM_PHOTO_PNG, &error);
      g_autoptr(GBytes) ja = wg_sim_photo_render (&spec, WG_SIM_PHOTO_JPEG, &error);
      g_autoptr(GBytes) jb = wg_sim_photo_render (&spec, WG_SIM_PHOTO_JPEG, &error);
      g_autoptr(GBytes) other_seed = NULL;
      g_autoptr(GBytes) repaired = NULL;

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (a, b));
      g_assert_true (g_bytes_equal (ja, jb));

      spec.seed = 1235;
      other_seed = wg_sim_photo_render (&spec, WG_SIM_PHOTO_PNG, &error);
      g_assert_false (g_bytes_equal (a, other_seed));

      spec.seed = 1234;
      spec.repaired = TRUE;
      repaired = wg_sim_photo_render (&spec, WG_SIM_PHOTO_PNG, &error);
      g_assert_false (g_bytes_equal (a, repaired));
    }
}

/* The repaired picture shows the same place: most of the frame is the same. */
static void
test_repaired_same_place (void)
{
  g_autoptr(GError) error = NULL;
  WgSimPhotoSpec spec = { .scene = WG_SIM_PHOTO_GARBAGE, .seed = 99, .width = 320, .height = 240 };
  g_autoptr(GBytes) before = wg_sim_photo_render (&spec, WG_SIM_PHOTO_PNG, &error);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GdkPixbuf) a = NULL;
  g_autoptr(GdkPixbuf) b = NULL;
  const guint8 *pa, *pb;
  guint same = 0, total = 0;

  spec.repaired = TRUE;
  after = wg_sim_photo_render (&spec, WG_SIM_PHOTO_PNG, &error);
  a = wg_image_decode (before, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  b = wg_image_decode (after, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  pa = gdk_pixbuf_read_pixels (a);
  pb = gdk_pixbuf_read_pixels (b);
  for (int y = 0; y < 240; y++)
    for (int x = 0; x < 320 * gdk_pixbuf_get_n_channels (a); x++)
      {
        gsize offset = (gsize) y * gdk_pixbuf_get_rowstride (a) + x;

        total++;
        if (pa[offset] == pb[offset])
          same++;
      }
  g_assert_cmpuint (same, >, total / 2);
  g_assert_cmpuint (same, <, total);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim-photo/categories", test_categories);
  g_test_add_func ("/sim-photo/decodes", test_decodes);
  g_test_add_func ("/sim-photo/default-size", test_default_size);
  g_test_add_func ("/sim-photo/deterministic", test_deterministic);
  g_test_add_func ("/sim-photo/repaired-same-place", test_repaired_same_place);

  return g_test_run ();
}
