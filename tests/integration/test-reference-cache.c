/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console's copy of the reference data against the real wangge-server:
 * the server's ETags and 304s (the JSON bundle's and the binary one's), the
 * binary copy saved as it came with its ETag, a warm refresh that gets a
 * 304 and writes nothing, a stale ETag that brings the new bundle, a
 * damaged or truncated copy that is refused, dropped and fetched whole
 * again, and a model that keeps no JSON tree.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "test-files.h"
#include "wg-api-client.h"
#include "wg-reference-cache.h"
#include "wg-test-server.h"

#define DEMO_PASSWORD "demo"

typedef struct
{
  WgTestServer *server;
  WgApiClient  *api;
  char         *dir;
} Fixture;

typedef struct
{
  gboolean      done;
  GBytes       *bytes;
  char         *etag;
  WgReference  *reference;
  GError       *error;
} Answer;

static void
answer_clear (Answer *answer)
{
  g_clear_pointer (&answer->bytes, g_bytes_unref);
  g_clear_pointer (&answer->etag, g_free);
  g_clear_object (&answer->reference);
  g_clear_error (&answer->error);
  answer->done = FALSE;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  f->server = wg_test_server_new (NULL);
  wg_test_server_start (f->server, demo);
  token = wg_test_server_login (f->server, "leader", DEMO_PASSWORD);
  f->api = wg_api_client_new (f->server->base_url, FALSE, &error);
  g_assert_no_error (error);
  wg_api_client_set_token (f->api, token);
  f->dir = g_dir_make_tmp ("wangge-reference-cache-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  test_rm_rf (f->dir);
  g_free (f->dir);
  g_clear_object (&f->api);
  g_assert_cmpint (wg_test_server_stop (f->server), ==, 0);
  wg_test_server_free (f->server);
}

static void
got_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  Answer *answer = user_data;

  g_assert_true (wg_api_client_download_finish (WG_API_CLIENT (source), result, &answer->bytes,
                                                &answer->etag, NULL, NULL, &answer->error));
  answer->done = TRUE;
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Answer *answer = user_data;

  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  answer->reference = wg_reference_cache_fetch_finish (result, NULL, &answer->error);
  answer->done = TRUE;
}

#define BUNDLE_PATH   "/api/v1/reference"
#define BINARY_PATH "/api/v1/reference/binary"

static void
get (Fixture    *f,
     const char *path,
     const char *if_none_match,
     Answer     *answer)
{
  answer_clear (answer);
  wg_api_client_get_cached_async (f->api, path, if_none_match, NULL, got_cb, answer);
  while (!answer->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (answer->error);
}

static void
fetch (Fixture  *f,
       gboolean  need_reference,
       Answer   *answer)
{
  answer_clear (answer);
  wg_reference_cache_fetch_async (f->api, f->dir, need_reference, NULL, fetched_cb, answer);
  while (!answer->done)
    g_main_context_iteration (NULL, TRUE);
}

static guint64
inode_of (Fixture    *f,
          const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_ino;
}

static char *
read_file (Fixture    *f,
           const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

/* The server names each form of its bundle with an ETag computed once; a
 * client that holds it gets a 304 and no body; any other gets the bundle. */
static void
test_server_etag (Fixture       *f,
                  gconstpointer  data)
{
  const char *paths[] = { BUNDLE_PATH, BINARY_PATH };
  g_autofree char *etags[G_N_ELEMENTS (paths)] = { NULL };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      Answer answer = { 0 };
      gsize size;

      get (f, paths[i], NULL, &answer);
      g_assert_nonnull (answer.bytes);
      g_assert_nonnull (answer.etag);
      g_assert_true (g_str_has_prefix (answer.etag, "\"") && g_str_has_suffix (answer.etag, "\""));
      g_assert_cmpuint (strlen (answer.etag), ==, 64 + 2);
      etags[i] = g_strdup (answer.etag);
      size = g_bytes_get_size (answer.bytes);

      get (f, paths[i], etags[i], &answer);
      g_assert_null (answer.bytes);
      g_assert_cmpstr (answer.etag, ==, etags[i]);

      get (f, paths[i], "\"0123\"", &answer);
      g_assert_nonnull (answer.bytes);
      g_assert_cmpuint (g_bytes_get_size (answer.bytes), ==, size);
      g_assert_cmpstr (answer.etag, ==, etags[i]);
      answer_clear (&answer);
    }
  /* The two forms are two copies: neither ETag stands for the other. */
  g_assert_cmpstr (etags[0], !=, etags[1]);
  {
    Answer answer = { 0 };

    get (f, BINARY_PATH, etags[0], &answer);
    g_assert_nonnull (answer.bytes);
    answer_clear (&answer);
  }
}

/* A cold start's fetch saves the bytes as they came and their ETag; the
 * model keeps no JSON; a warm refresh gets a 304 and rewrites nothing; a
 * start that needs the model on a 304 reads the copy. */
static void
test_fetch_saves_and_revalidates (Fixture       *f,
                                  gconstpointer  data)
{
  Answer answer = { 0 }, raw = { 0 };
  g_autofree char *saved_path = g_build_filename (f->dir, "reference.gvariant", NULL);
  g_autofree char *saved = NULL;
  gsize saved_size;
  g_autoptr(GError) error = NULL;
  g_autofree char *etag = NULL;
  guint64 inode;

  fetch (f, TRUE, &answer);
  g_assert_no_error (answer.error);
  g_assert_nonnull (answer.reference);
  g_assert_cmpuint (wg_reference_get_grids (answer.reference)->len, >, 0);
  g_assert_cmpuint (wg_reference_get_forces (answer.reference)->len, >, 0);
  g_assert_cmpuint (json_object_get_size (wg_reference_get_bundle (answer.reference)), ==, 0);

  get (f, BINARY_PATH, NULL, &raw);
  g_assert_true (g_file_get_contents (saved_path, &saved, &saved_size, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (saved, saved_size, g_bytes_get_data (raw.bytes, NULL), g_bytes_get_size (raw.bytes));
  etag = read_file (f, "reference.gvariant.etag");
  g_assert_cmpstr (etag, ==, raw.etag);
  inode = inode_of (f, "reference.gvariant");

  /* Only kept current: 304, nothing returned, nothing written. */
  fetch (f, FALSE, &answer);
  g_assert_no_error (answer.error);
  g_assert_null (answer.reference);
  g_assert_cmpuint (inode_of (f, "reference.gvariant"), ==, inode);

  /* Needed: the copy, read on a worker. */
  fetch (f, TRUE, &answer);
  g_assert_no_error (answer.error);
  g_assert_nonnull (answer.reference);
  g_assert_cmpuint (wg_reference_get_grids (answer.reference)->len, >, 0);
  g_assert_cmpuint (inode_of (f, "reference.gvariant"), ==, inode);

  answer_clear (&answer);
  answer_clear (&raw);
}

/* Another ETag than the server's (its reference changed): the new bundle
 * replaces the copy, with its ETag. */
static void
test_fetch_stale_copy (Fixture       *f,
                       gconstpointer  data)
{
  Answer answer = { 0 };
  g_autofree char *etag_path = g_build_filename (f->dir, "reference.gvariant.etag", NULL);
  g_autofree char *etag = NULL;
  g_autofree char *server_etag = NULL;
  g_autoptr(GError) error = NULL;
  guint64 inode;

  fetch (f, TRUE, &answer);
  g_assert_no_error (answer.error);
  server_etag = read_file (f, "reference.gvariant.etag");
  g_assert_true (g_file_set_contents (etag_path, "\"stale\"", -1, &error));
  g_assert_no_error (error);
  inode = inode_of (f, "reference.gvariant");

  fetch (f, FALSE, &answer);
  g_assert_no_error (answer.error);
  g_assert_null (answer.reference);
  g_assert_cmpuint (inode_of (f, "reference.gvariant"), !=, inode);
  etag = read_file (f, "reference.gvariant.etag");
  g_assert_cmpstr (etag, ==, server_etag);
  answer_clear (&answer);
}

/* A damaged or truncated copy, or one of the first layout (GVariant
 * records, before the version byte) as an older console saved it, is
 * refused with an error (the console then starts cold) and dropped: the
 * next fetch gets the whole bundle, not a 304 for those bytes.  A missing
 * copy is refused too. */
static void
test_load_damaged_copy (Fixture       *f,
                        gconstpointer  data)
{
  Answer answer = { 0 };
  g_autofree char *path = g_build_filename (f->dir, "reference.gvariant", NULL);
  g_autofree char *etag_path = g_build_filename (f->dir, "reference.gvariant.etag", NULL);
  g_autoptr(WgReference) reference = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *whole = NULL;
  gsize size;
  const char *damage[] = { "truncated", "flipped", "text", "layout 1" };

  reference = wg_reference_cache_load (f->dir, &error);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error (&error);

  fetch (f, TRUE, &answer);
  g_assert_no_error (answer.error);
  g_assert_true (g_file_get_contents (path, &whole, &size, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (damage); i++)
    {
      g_autofree char *bytes = g_memdup2 (whole, size);
      gsize length = size;

      if (g_str_equal (damage[i], "truncated"))
        length = size / 2;
      else if (g_str_equal (damage[i], "flipped"))
        bytes[size - 1] ^= 0x5a;   /* an offset of the outer tuple */
      else if (g_str_equal (damage[i], "layout 1"))
        {
          g_autoptr(GVariant) old = g_variant_ref_sink (
            g_variant_new_parsed ("(%y, {'format': '\"wangge-reference/1\"'}, @a(ssmsmsmsmsuuuas) [], "
                                  "@aa(bad) [], @a(ssmssmsssdduasmsmsms) [])",
                                  G_BYTE_ORDER == G_LITTLE_ENDIAN ? 'l' : 'B'));

          length = g_variant_get_size (old);
          g_assert_cmpuint (length, <=, size);
          g_variant_store (old, bytes);
        }
      else
        length = strlen (strcpy (bytes, "{\"world\": ["));
      g_test_message ("damaged: %s", damage[i]);
      g_assert_true (g_file_set_contents (path, bytes, length, &error));
      g_assert_no_error (error);
      g_test_expect_message ("wg-reference-cache", G_LOG_LEVEL_WARNING, "dropping the saved reference*");
      reference = wg_reference_cache_load (f->dir, &error);
      g_test_assert_expected_messages ();
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_null (reference);
      g_clear_error (&error);
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      g_assert_false (g_file_test (etag_path, G_FILE_TEST_EXISTS));

      /* Fetched whole again, and good. */
      fetch (f, TRUE, &answer);
      g_assert_no_error (answer.error);
      g_assert_nonnull (answer.reference);
      g_assert_cmpuint (wg_reference_get_grids (answer.reference)->len, >, 0);
      g_clear_object (&answer.reference);
      reference = wg_reference_cache_load (f->dir, &error);
      g_assert_no_error (error);
      g_assert_nonnull (reference);
      g_clear_object (&reference);
    }
  answer_clear (&answer);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/reference-cache/server-etag", Fixture, NULL, fixture_set_up, test_server_etag,
              fixture_tear_down);
  g_test_add ("/reference-cache/fetch-saves-and-revalidates", Fixture, NULL, fixture_set_up,
              test_fetch_saves_and_revalidates, fixture_tear_down);
  g_test_add ("/reference-cache/fetch-stale-copy", Fixture, NULL, fixture_set_up, test_fetch_stale_copy,
              fixture_tear_down);
  g_test_add ("/reference-cache/load-damaged-copy", Fixture, NULL, fixture_set_up, test_load_damaged_copy,
              fixture_tear_down);
  return g_test_run ();
}
