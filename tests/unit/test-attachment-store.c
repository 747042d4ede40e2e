/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>

#include "wg-attachment-store.h"
#include "test-files.h"

#define DAY_MS (24 * 3600 * G_GINT64_CONSTANT (1000))

typedef struct
{
  char              *dir;
  WgAttachmentStore *store;
} Fixture;

/* Files under attachments/, at any depth. */
static guint
count_blobs (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;
  guint n = 0;

  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        n += count_blobs (child);
      else
        n++;
    }
  return n;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("wangge-attachments-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->store = wg_attachment_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->store);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_pointer (&fixture->store, wg_attachment_store_close);
  test_rm_rf (fixture->dir);
  g_free (fixture->dir);
}

static char *
add_photo (Fixture    *fixture,
           const char *content,
           const char *uploader,
           gint64      uploaded_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) original = g_bytes_new (content, strlen (content));
  g_autofree char *display_text = g_strconcat ("display of ", content, NULL);
  g_autofree char *thumbnail_text = g_strconcat ("thumbnail of ", content, NULL);
  g_autoptr(GBytes) display = g_bytes_new (display_text, strlen (display_text));
  g_autoptr(GBytes) thumbnail = g_bytes_new (thumbnail_text, strlen (thumbnail_text));
  WgAttachmentUpload upload = {
    .original = original, .media_type = "image/jpeg", .width = 4000, .height = 3000,
    .display = display, .display_media_type = "image/jpeg",
    .thumbnail = thumbnail, .thumbnail_media_type = "image/png",
    .uploader = uploader, .uploaded_ms = uploaded_ms,
  };
  char *id = wg_attachment_store_add (fixture->store, &upload, &error);

  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (id));
  return id;
}

static char *
attachments_dir (Fixture *fixture)
{
  return g_build_filename (fixture->dir, "attachments", NULL);
}

static void
test_store_lookup (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = add_photo (fixture, "JPEG bytes of a shed", "worker-17", 1000);
  g_autoptr(WgAttachment) attachment = wg_attachment_store_lookup (fixture->store, id, &error);
  g_autoptr(WgAttachment) copy = NULL;
  g_autoptr(WgAttachment) missing = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GBytes) thumb = NULL;
  g_autofree char *expected_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "JPEG bytes of a shed", -1);
  g_autofree char *path = NULL;
  g_autofree char *expected_path = NULL;
  g_autofree char *db = g_build_filename (fixture->dir, "attachments.db", NULL);

  g_assert_no_error (error);
  g_assert_cmpstr (attachment->id, ==, id);
  g_assert_cmpstr (attachment->sha256, ==, expected_sha);
  g_assert_cmpstr (attachment->media_type, ==, "image/jpeg");
  g_assert_cmpuint (attachment->width, ==, 4000);
  g_assert_cmpuint (attachment->height, ==, 3000);
  g_assert_cmpint (attachment->bytes, ==, strlen ("JPEG bytes of a shed"));
  g_assert_cmpstr (attachment->uploader, ==, "worker-17");
  g_assert_cmpint (attachment->uploaded_ms, ==, 1000);
  g_assert_null (attachment->incident);
  g_assert_cmpint (attachment->referenced_ms, ==, 0);
  g_assert_cmpstr (attachment->thumbnail_media_type, ==, "image/png");
  g_assert_nonnull (attachment->display_sha256);

  copy = wg_attachment_copy (attachment);
  g_assert_cmpstr (copy->thumbnail_sha256, ==, attachment->thumbnail_sha256);

  /* content-addressed layout */
  path = wg_attachment_store_blob_path (fixture->store, attachment->sha256);
  expected_path = g_strdup_printf ("%s/attachments/%.2s/%s", fixture->dir, expected_sha, expected_sha);
  g_assert_cmpstr (path, ==, expected_path);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));

  blob = wg_attachment_store_read_blob (fixture->store, attachment->sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (blob, NULL), g_bytes_get_size (blob), "JPEG bytes of a shed", 20);
  thumb = wg_attachment_store_read_blob (fixture->store, attachment->thumbnail_sha256, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (thumb, NULL), g_bytes_get_size (thumb),
                   "thumbnail of JPEG bytes of a shed", 33);

  missing = wg_attachment_store_lookup (fixture->store, "00000000-0000-4000-8000-000000000000", &error);
  g_assert_null (missing);
  g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT);
  g_assert_cmpstr (wg_attachment_store_error_code (error->code), ==, "unknown-attachment");
  g_clear_error (&error);

  /* a name that is not a hash never becomes a path */
  g_assert_null (wg_attachment_store_read_blob (fixture->store, "../../etc/passwd", &error));
  g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT);
}

static void
test_dedupe (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = add_photo (fixture, "same picture", "worker-17", 1000);
  g_autofree char *b = add_photo (fixture, "same picture", "worker-18", 2000);
  g_autofree char *c = add_photo (fixture, "another picture", "worker-17", 3000);
  g_autoptr(WgAttachment) first = wg_attachment_store_lookup (fixture->store, a, &error);
  g_autoptr(WgAttachment) second = wg_attachment_store_lookup (fixture->store, b, &error);
  g_autofree char *dir = attachments_dir (fixture);

  g_assert_no_error (error);
  g_assert_cmpstr (a, !=, b);
  g_assert_cmpstr (first->sha256, ==, second->sha256);
  g_assert_cmpstr (second->uploader, ==, "worker-18");
  /* original + display + thumbnail, twice over two contents */
  g_assert_cmpuint (count_blobs (dir), ==, 6);
}

static void
test_reference (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *a = add_photo (fixture, "before", "worker-17", 1000);
  g_autofree char *b = add_photo (fixture, "after", "worker-17", 2000);
  g_autofree char *c = add_photo (fixture, "spare", "worker-17", 3000);
  g_autofree char *other = add_photo (fixture, "someone else's", "dept-water", 3000);
  const char *both[] = { a, b, NULL };
  const char *with_unknown[] = { c, "0b5e8c5e-0000-4000-8000-000000000000", NULL };
  const char *with_others[] = { c, other, NULL };
  const char *with_used[] = { c, a, NULL };
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GPtrArray) empty = NULL;
  g_autoptr(WgAttachment) spare = NULL;

  g_assert_true (wg_attachment_store_check (fixture->store, both, "worker-17", "inc-1", &error));
  g_assert_no_error (error);
  g_assert_true (wg_attachment_store_reference (fixture->store, both, "worker-17", "inc-1", 5000, &error));
  g_assert_no_error (error);

  list = wg_attachment_store_list_for_incident (fixture->store, "inc-1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((WgAttachment *) list->pdata[0])->id, ==, a);
  g_assert_cmpstr (((WgAttachment *) list->pdata[1])->id, ==, b);
  g_assert_cmpstr (((WgAttachment *) list->pdata[0])->incident, ==, "inc-1");
  g_assert_cmpint (((WgAttachment *) list->pdata[0])->referenced_ms, ==, 5000);

  /* a retried command: the same ids on the same incident */
  g_assert_true (wg_attachment_store_reference (fixture->store, both, "worker-17", "inc-1", 9000, &error));
  g_assert_no_error (error);
  {
    g_autoptr(WgAttachment) again = wg_attachment_store_lookup (fixture->store, a, &error);

    g_assert_cmpint (again->referenced_ms, ==, 5000);
  }

  /* all or nothing: c must stay unreferenced after each refusal */
  g_assert_false (wg_attachment_store_reference (fixture->store, with_unknown, "worker-17", "inc-2", 6000, &error));
  g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT);
  g_clear_error (&error);
  g_assert_false (wg_attachment_store_reference (fixture->store, with_others, "worker-17", "inc-2", 6000, &error));
  g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT);
  g_clear_error (&error);
  g_assert_false (wg_attachment_store_check (fixture->store, with_others, "worker-17", "inc-2", &error));
  g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT);
  g_clear_error (&error);
  g_assert_false (wg_attachment_store_reference (fixture->store, with_used, "worker-17", "inc-2", 6000, &error));
  g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_IN_USE);
  g_assert_cmpstr (wg_attachment_store_error_code (error->code), ==, "attachment-in-use");
  g_clear_error (&error);

  spare = wg_attachment_store_lookup (fixture->store, c, &error);
  g_assert_no_error (error);
  g_assert_null (spare->incident);
  empty = wg_attachment_store_list_for_incident (fixture->store, "inc-2", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (empty->len, ==, 0);
}

static void
test_purge (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *old_orphan = add_photo (fixture, "orphan", "worker-17", 1000);
  g_autofree char *kept = add_photo (fixture, "kept", "worker-17", 1000);
  g_autofree char *young_orphan = add_photo (fixture, "orphan", "worker-18", 1000 + DAY_MS);
  const char *ids[] = { kept, NULL };
  g_autoptr(WgAttachment) orphan = wg_attachment_store_lookup (fixture->store, old_orphan, &error);
  g_autofree char *orphan_path = wg_attachment_store_blob_path (fixture->store, orphan->sha256);
  g_autofree char *orphan_thumb = wg_attachment_store_blob_path (fixture->store, orphan->thumbnail_sha256);
  g_autofree char *dir = attachments_dir (fixture);
  g_autoptr(WgAttachment) gone = NULL;
  g_autoptr(WgAttachment) still = NULL;
  guint removed = 99;

  g_assert_true (wg_attachment_store_reference (fixture->store, ids, "worker-17", "inc-1", 2000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_blobs (dir), ==, 6);

  /* a day after the first uploads: the old orphan row goes, its file stays
   * because the young orphan has the same content */
  g_assert_true (wg_attachment_store_purge (fixture->store, 1001, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 1);
  gone = wg_attachment_store_lookup (fixture->store, old_orphan, &error);
  g_assert_null (gone);
  g_assert_error (error, WG_ATTACHMENT_STORE_ERROR, WG_ATTACHMENT_STORE_ERROR_UNKNOWN_ATTACHMENT);
  g_clear_error (&error);
  g_assert_true (g_file_test (orphan_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_blobs (dir), ==, 6);

  /* nothing more to do at the same cutoff */
  g_assert_true (wg_attachment_store_purge (fixture->store, 1001, &removed, &error));
  g_assert_cmpuint (removed, ==, 0);

  /* later: the young orphan goes with its files; the referenced one stays */
  g_assert_true (wg_attachment_store_purge (fixture->store, 2 * DAY_MS, &removed, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (removed, ==, 1);
  g_assert_false (g_file_test (orphan_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (orphan_thumb, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_blobs (dir), ==, 3);
  still = wg_attachment_store_lookup (fixture->store, kept, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (still->incident, ==, "inc-1");
  {
    g_autoptr(GBytes) blob = wg_attachment_store_read_blob (fixture->store, still->sha256, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (blob), ==, 4);
  }
}

static void
test_reopen (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = add_photo (fixture, "persistent", "worker-17", 1000);
  const char *ids[] = { id, NULL };
  g_autoptr(WgAttachment) attachment = NULL;
  g_autoptr(GPtrArray) list = NULL;

  g_assert_true (wg_attachment_store_reference (fixture->store, ids, "worker-17", "inc-7", 2000, &error));
  g_clear_pointer (&fixture->store, wg_attachment_store_close);

  fixture->store = wg_attachment_store_open (fixture->dir, &error);
  g_assert_no_error (error);
  attachment = wg_attachment_store_lookup (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (attachment->incident, ==, "inc-7");
  g_assert_cmpint (attachment->referenced_ms, ==, 2000);
  list = wg_attachment_store_list_for_incident (fixture->store, "inc-7", &error);
  g_assert_cmpuint (list->len, ==, 1);
  {
    g_autoptr(GBytes) blob = wg_attachment_store_read_blob (fixture->store, attachment->sha256, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (blob), ==, strlen ("persistent"));
  }
}

static void
test_no_derived (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) original = g_bytes_new_static ("tiny", 4);
  WgAttachmentUpload upload = {
    .original = original, .media_type = "image/png", .width = 1, .height = 1,
    .uploader = "dispatcher", .uploaded_ms = 5,
  };
  g_autofree char *id = wg_attachment_store_add (fixture->store, &upload, &error);
  g_autoptr(WgAttachment) attachment = NULL;

  g_assert_no_error (error);
  attachment = wg_attachment_store_lookup (fixture->store, id, &error);
  g_assert_no_error (error);
  g_assert_null (attachment->thumbnail_sha256);
  g_assert_null (attachment->display_sha256);
  g_assert_true (wg_attachment_store_purge (fixture->store, 6, NULL, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/attachment-store/store-lookup", test_store_lookup);
  ADD ("/attachment-store/dedupe", test_dedupe);
  ADD ("/attachment-store/reference", test_reference);
  ADD ("/attachment-store/purge", test_purge);
  ADD ("/attachment-store/reopen", test_reopen);
  ADD ("/attachment-store/no-derived", test_no_derived);
#undef ADD

  return g_test_run ();
}
