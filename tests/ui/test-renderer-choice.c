/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The remembered renderer (wg-renderer-choice.h): software OpenGL found on
 * a start makes the next starts, for a week, skip GDK's GL for cairo.  The
 * process's own environment and a temporary cache directory; no display.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <utime.h>

#include "test-files.h"
#include "wg-renderer-choice.h"

static char *cache_dir;

static void
reset_environment (void)
{
  g_unsetenv ("GSK_RENDERER");
  g_unsetenv ("GDK_DEBUG");
}

static void
test_nothing_remembered (void)
{
  reset_environment ();
  wg_renderer_choice_remember (FALSE, "Mesa Intel(R) UHD Graphics 620");
  wg_renderer_choice_apply_remembered ();
  g_assert_null (g_getenv ("GSK_RENDERER"));
  g_assert_null (g_getenv ("GDK_DEBUG"));
}

static void
test_software_remembered (void)
{
  g_autofree char *marker = g_build_filename (cache_dir, "wangge", "software-gl", NULL);

  reset_environment ();
  wg_renderer_choice_remember (TRUE, "llvmpipe (LLVM 15.0.6, 256 bits)");
  g_assert_true (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_setenv ("GDK_DEBUG", "misc", TRUE);
  wg_renderer_choice_apply_remembered ();
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
  g_assert_cmpstr (g_getenv ("GDK_DEBUG"), ==, "misc,gl-disable");

  /* A renderer chosen by someone else stays theirs. */
  reset_environment ();
  g_setenv ("GSK_RENDERER", "gl", TRUE);
  wg_renderer_choice_apply_remembered ();
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");
  g_assert_null (g_getenv ("GDK_DEBUG"));

  /* Hardware found later: forgotten. */
  reset_environment ();
  wg_renderer_choice_remember (FALSE, "Mesa Intel(R) UHD Graphics 620");
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  wg_renderer_choice_apply_remembered ();
  g_assert_null (g_getenv ("GSK_RENDERER"));
}

static void
test_asked_again_after_a_week (void)
{
  g_autofree char *marker = g_build_filename (cache_dir, "wangge", "software-gl", NULL);
  gint64 eight_days_ago = g_get_real_time () / G_USEC_PER_SEC - 8 * 24 * 3600;
  struct utimbuf times = { (time_t) eight_days_ago, (time_t) eight_days_ago };

  reset_environment ();
  wg_renderer_choice_remember (TRUE, "llvmpipe (LLVM 15.0.6, 256 bits)");
  g_assert_cmpint (g_utime (marker, &times), ==, 0);
  wg_renderer_choice_apply_remembered ();
  g_assert_null (g_getenv ("GSK_RENDERER"));
  g_assert_null (g_getenv ("GDK_DEBUG"));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  /* Before GLib reads it once for the process. */
  cache_dir = g_dir_make_tmp ("wangge-renderer-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_CACHE_HOME", cache_dir, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/renderer-choice/nothing-remembered", test_nothing_remembered);
  g_test_add_func ("/renderer-choice/software-remembered", test_software_remembered);
  g_test_add_func ("/renderer-choice/asked-again-after-a-week", test_asked_again_after_a_week);
  status = g_test_run ();
  test_rm_rf (cache_dir);
  g_free (cache_dir);
  return status;
}
