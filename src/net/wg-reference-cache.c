/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console's copy of the reference data (wg-reference-cache.h).
 *
 * Measured on the generated city (100 streets, 20,000 grids, 25,000
 * units; 15.7 MB of JSON) before this: a warm start parsed the saved copy,
 * then downloaded the same bytes again, parsed them on the main loop and
 * wrote them back through json_to_string(), and the model kept the whole
 * JSON tree for as long as it lived.  Then parsing the JSON was two thirds
 * of a cold start: the copy is now the binary reference
 * (wg-reference-blob.h), its outlines read in place from the mapped file.
 */
#define G_LOG_DOMAIN "wg-reference-cache"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "wg-reference-cache.h"

#define REFERENCE_FILE "reference.gvariant"
#define ETAG_FILE      "reference.gvariant.etag"
/* The JSON copy kept before the binary one: removed when that is saved. */
#define JSON_FILE      "reference.json"
#define JSON_ETAG_FILE "reference.etag"

typedef struct
{
  char      *dir;
  gboolean   need_reference;
  GBytes    *bytes;    /* a new bundle; NULL: the copy is current */
  char      *etag;
  WgProblem *problem;
} Fetch;

static void
fetch_free (Fetch *fetch)
{
  g_free (fetch->dir);
  g_clear_pointer (&fetch->bytes, g_bytes_unref);
  g_free (fetch->etag);
  g_clear_pointer (&fetch->problem, wg_problem_free);
  g_free (fetch);
}

/* The model from a blob; what loading took goes back to the system. */
static WgReference *
parse_blob (GBytes      *blob,
            const char  *what,
            GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  WgReference *reference = wg_reference_load_blob (blob, &local_error);

#ifdef __GLIBC__
  malloc_trim (0);
#endif
  if (reference == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", what, local_error->message);
  return reference;
}

/**
 * wg_reference_cache_load:
 *
 * The saved copy in @dir (G_FILE_ERROR_NOENT: none; G_IO_ERROR_INVALID_DATA:
 * not a reference, and then dropped, so that the next fetch gets a whole
 * copy).  Blocks: a worker thread's, or a warm start's before its window.
 */
WgReference *
wg_reference_cache_load (const char  *dir,
                         GError     **error)
{
  g_autofree char *path = g_build_filename (dir, REFERENCE_FILE, NULL);
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GBytes) blob = NULL;
  g_autoptr(GError) local_error = NULL;
  WgReference *reference;

  g_return_val_if_fail (dir != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, error);
  if (mapped == NULL)
    return NULL;
  blob = g_mapped_file_get_bytes (mapped);
  reference = parse_blob (blob, path, &local_error);
  if (reference == NULL)
    {
      g_autofree char *etag_path = g_build_filename (dir, ETAG_FILE, NULL);

      g_warning ("dropping the saved reference: %s", local_error->message);
      g_unlink (etag_path);
      g_unlink (path);
      g_propagate_error (error, g_steal_pointer (&local_error));
    }
  return reference;
}

gboolean
wg_reference_cache_has_copy (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, REFERENCE_FILE, NULL);

  return g_file_test (path, G_FILE_TEST_IS_REGULAR);
}

/* The ETag of the saved copy, when there is one. */
static char *
saved_etag (const char *dir)
{
  g_autofree char *reference_path = g_build_filename (dir, REFERENCE_FILE, NULL);
  g_autofree char *etag_path = g_build_filename (dir, ETAG_FILE, NULL);
  char *etag = NULL;

  if (!g_file_test (reference_path, G_FILE_TEST_IS_REGULAR) ||
      !g_file_get_contents (etag_path, &etag, NULL, NULL))
    return NULL;
  g_strstrip (etag);
  if (*etag == '\0')
    g_clear_pointer (&etag, g_free);
  return etag;
}

/* The bundle as it came, then its ETag: the ETag goes first so that a
 * copy is never paired with another copy's ETag. */
static gboolean
save (const char  *dir,
      GBytes      *bytes,
      const char  *etag,
      GError     **error)
{
  g_autofree char *reference_path = g_build_filename (dir, REFERENCE_FILE, NULL);
  g_autofree char *etag_path = g_build_filename (dir, ETAG_FILE, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", dir,
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (g_unlink (etag_path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", etag_path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (!g_file_set_contents_full (reference_path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  if (etag != NULL &&
      !g_file_set_contents_full (etag_path, etag, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return FALSE;
  {
    g_autofree char *json_path = g_build_filename (dir, JSON_FILE, NULL);
    g_autofree char *json_etag_path = g_build_filename (dir, JSON_ETAG_FILE, NULL);

    g_unlink (json_etag_path);
    g_unlink (json_path);
  }
  return TRUE;
}

/* On a worker: a new bundle checked, saved and (when needed) kept, or
 * the saved copy read. */
static void
fetch_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Fetch *fetch = task_data;
  g_autoptr(WgReference) reference = NULL;
  g_autoptr(GError) error = NULL;

  if (fetch->bytes == NULL)
    reference = wg_reference_cache_load (fetch->dir, &error);
  else
    {
      reference = parse_blob (fetch->bytes, "GET /api/v1/reference/binary", &error);
      /* A copy the next start could not load is not saved. */
      if (reference != NULL && !save (fetch->dir, fetch->bytes, fetch->etag, &error))
        g_clear_object (&reference);
    }
  if (reference == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, fetch->need_reference ? g_steal_pointer (&reference) : NULL,
                           g_object_unref);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!wg_api_client_download_finish (WG_API_CLIENT (source), result, &fetch->bytes, &fetch->etag, NULL,
                                      &fetch->problem, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (fetch->bytes == NULL && !fetch->need_reference)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  g_task_run_in_thread (task, fetch_thread);
}

void
wg_reference_cache_fetch_async (WgApiClient         *api,
                                const char          *dir,
                                gboolean             need_reference,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *etag = NULL;
  Fetch *fetch;

  g_return_if_fail (WG_IS_API_CLIENT (api));
  g_return_if_fail (dir != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_reference_cache_fetch_async);
  fetch = g_new0 (Fetch, 1);
  fetch->dir = g_strdup (dir);
  fetch->need_reference = need_reference;
  g_task_set_task_data (task, fetch, (GDestroyNotify) fetch_free);
  etag = saved_etag (dir);
  wg_api_client_get_cached_async (api, "/api/v1/reference/binary", etag, cancellable, fetched_cb,
                                  g_steal_pointer (&task));
}

WgReference *
wg_reference_cache_fetch_finish (GAsyncResult  *result,
                                 WgProblem    **problem,
                                 GError       **error)
{
  Fetch *fetch;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  fetch = g_task_get_task_data (G_TASK (result));
  if (problem != NULL)
    *problem = g_steal_pointer (&fetch->problem);
  return g_task_propagate_pointer (G_TASK (result), error);
}
