/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-renderer-choice"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "wg-renderer-choice.h"

/* A new GPU, a new driver: asked again after a week at the latest. */
#define REMEMBERED_FOR_S (7 * 24 * 3600)

static char *
marker_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "wangge", "software-gl", NULL);
}

void
wg_renderer_choice_apply_remembered (void)
{
  g_autofree char *path = marker_path ();
  const char *debug = g_getenv ("GDK_DEBUG");
  g_autofree char *with_gl_disabled = NULL;
  GStatBuf st;

  /* Someone chose already. */
  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  if (g_stat (path, &st) != 0 || (gint64) st.st_mtime + REMEMBERED_FOR_S < g_get_real_time () / G_USEC_PER_SEC)
    return;
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  with_gl_disabled = debug != NULL && *debug != '\0' ? g_strconcat (debug, ",gl-disable", NULL)
                                                     : g_strdup ("gl-disable");
  g_setenv ("GDK_DEBUG", with_gl_disabled, TRUE);
}

void
wg_renderer_choice_remember (gboolean    software,
                             const char *renderer)
{
  g_autofree char *path = marker_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  if (!software)
    {
      g_unlink (path);
      return;
    }
  /* A hint, not data: no fsync on the start's way (a lost or torn file
   * only means asking again); one that cannot be written asks again. */
  if (g_mkdir_with_parents (dir, 0700) != 0
      || !g_file_set_contents_full (path, renderer != NULL ? renderer : "", -1, G_FILE_SET_CONTENTS_NONE,
                                    0600, &error))
    g_debug ("The software OpenGL found is not remembered: %s", error != NULL ? error->message : g_strerror (errno));
}
