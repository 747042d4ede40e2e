/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The upload path without HTTP: a simulator photo goes through the server's
 * checks, into the attachment store, is referenced by an incident, read back
 * and its thumbnail decoded; the same for a refused upload, which stores
 * nothing. This is what POST /api/v1/attachments and the command field
 * `attachments` will do, in the order docs/photos.md gives.
 */
#include <glib/gstdio.h>

#include "wg-attachment-store.h"
#include "wg-image.h"
#include "wg-sim-photo.h"
#include "test-files.h"

#define DAY_MS (24 * 3600 * G_GINT64_CONSTANT (1000))

static char *
upload (WgAttachmentStore  *store,
        GBytes             *body,
        const char         *user,
        gint64              now_ms,
        GError            **error)
{
  g_autoptr(WgImageDerived) derived = wg_image_process (body, NULL, error);
  WgAttachmentUpload row;

  if (derived == NULL)
    return NULL;
  row = (WgAttachmentUpload) {
    .original = body,
    .media_type = wg_image_format_media_type (derived->format),
    .width = derived->width,
    .height = derived->height,
    .display = derived->display,
    .display_media_type = wg_image_format_media_type (derived->display_format),
    .thumbnail = derived->thumbnail,
    .thumbnail_media_type = wg_image_format_media_type (derived->thumbnail_format),
    .uploader = user,
    .uploaded_ms = now_ms,
  };
  return wg_attachment_store_add (store, &row, error);
}

static void
test_pipeline (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wangge-photos-XXXXXX", &error);
  g_autoptr(WgAttachmentStore) store = wg_attachment_store_open (dir, &error);
  WgSimPhotoSpec before_spec = {
    .scene = WG_SIM_PHOTO_ILLEGAL_STRUCTURE, .seed = 17, .width = 2400, .height = 1800,
    .case_number = "HL-20261128-0042", .time_ms = 1795845730000,
  };
  WgSimPhotoSpec after_spec = before_spec;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GBytes) bomb = NULL;
  g_autofree char *before_id = NULL;
  g_autofree char *after_id = NULL;
  g_autofree char *stray_id = NULL;
  g_autofree char *refused_id = NULL;
  g_autoptr(WgAttachment) row = NULL;
  g_autoptr(GBytes) thumbnail = NULL;
  g_autoptr(GdkPixbuf) thumb = NULL;
  g_autoptr(GPtrArray) photos = NULL;
  const char *report[2] = { NULL, NULL };
  const char *feedback[2] = { NULL, NULL };
  guint removed = 0;

  g_assert_no_error (error);

  /* a worker's report photo (JPEG), a department's "after" photo (PNG) */
  before = wg_sim_photo_render (&before_spec, WG_SIM_PHOTO_JPEG, &error);
  g_assert_no_error (error);
  after_spec.repaired = TRUE;
  after = wg_sim_photo_render (&after_spec, WG_SIM_PHOTO_PNG, &error);
  g_assert_no_error (error);

  before_id = upload (store, before, "worker-17", 1000, &error);
  g_assert_no_error (error);
  after_id = upload (store, after, "dept-urban", 5000, &error);
  g_assert_no_error (error);
  stray_id = upload (store, before, "worker-17", 2000, &error);
  g_assert_no_error (error);

  /* a refused upload stores nothing */
  {
    static const guint8 header[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a,
                                     0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                     0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 2, 0, 0, 0,
                                     0x27, 0x30, 0x9c, 0x9f };

    bomb = g_bytes_new_static (header, sizeof header);
    refused_id = upload (store, bomb, "worker-17", 3000, &error);
    g_assert_null (refused_id);
    g_assert_error (error, WG_IMAGE_ERROR, WG_IMAGE_ERROR_TOO_MANY_PIXELS);
    g_clear_error (&error);
  }

  /* the commands reference them: the report by its worker, the feedback by
   * the department; neither may use the other's upload */
  report[0] = before_id;
  feedback[0] = after_id;
  g_assert_false (wg_attachment_store_check (store, feedback, "worker-17", "inc-1", &error));
  g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT);
  g_clear_error (&error);
  g_assert_true (wg_attachment_store_reference (store, report, "worker-17", "inc-1", 1500, &error));
  g_assert_true (wg_attachment_store_reference (store, feedback, "dept-urban", "inc-1", 6000, &error));
  g_assert_no_error (error);

  photos = wg_attachment_store_list_for_incident (store, "inc-1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (photos->len, ==, 2);

  row = wg_attachment_store_lookup (store, before_id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (row->media_type, ==, "image/jpeg");
  g_assert_cmpuint (row->width, ==, 2400);
  g_assert_cmpuint (row->height, ==, 1800);
  g_assert_cmpint (row->bytes, ==, g_bytes_get_size (before));

  /* what GET .../thumbnail answers decodes, at 320 px */
  thumbnail = wg_attachment_store_read_blob (store, row->thumbnail_sha256, &error);
  g_assert_no_error (error);
  thumb = wg_image_decode (thumbnail, NULL, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (thumb), ==, 320);
  g_assert_cmpint (gdk_pixbuf_get_height (thumb), ==, 240);

  /* a day later the stray upload is gone; the referenced ones (one of them
   * the same content) stay, with their files */
  g_assert_true (wg_attachment_store_purge (store, 2000 + DAY_MS, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 1);
  {
    g_autoptr(WgAttachment) stray = wg_attachment_store_lookup (store, stray_id, &error);
    g_autoptr(GBytes) original = NULL;

    g_assert_null (stray);
    g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT);
    g_clear_error (&error);
    original = wg_attachment_store_read_blob (store, row->sha256, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (original, before));
  }

  g_clear_pointer (&store, wg_attachment_store_close);
  test_rm_rf (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/photo-pipeline/upload-reference-read-purge", test_pipeline);

  return g_test_run ();
}
