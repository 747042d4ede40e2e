/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console's WANGGE_EXIT_AFTER_FIRST_FRAME hook (bench-console-start
 * relies on it): the real `wangge` binary, without a server, on the demo
 * incidents, prints one "first-complete-frame" line with a time after its
 * own start, the incidents on its board and its peak RSS, then quits with
 * status 0 by itself.
 */
#include "config.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

#include "test-files.h"

#ifndef WANGGE_CONSOLE_BIN
#error "WANGGE_CONSOLE_BIN must be defined by the build"
#endif

static void
test_first_frame_line (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  gint64 started, at = 0, hwm = 0;
  guint incidents = 0;
  const char *line;

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_test_skip ("no display: run under xvfb-run");
      return;
    }
  home = g_dir_make_tmp ("wg-first-frame-XXXXXX", &error);
  g_assert_no_error (error);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "WANGGE_EXIT_AFTER_FIRST_FRAME", "1", TRUE);
  started = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawn (launcher, &error, WANGGE_CONSOLE_BIN,
                                         "--profile", "first-frame", "--demo-incidents", NULL);
  g_assert_no_error (error);
  /* Ends by itself: the output is complete when the process is gone. */
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  line = strstr (out, "first-complete-frame ");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "first-complete-frame monotonic-us=%" G_GINT64_FORMAT " incidents=%u vmhwm-kib=%" G_GINT64_FORMAT,
                           &at, &incidents, &hwm), ==, 3);
  g_assert_cmpint (at, >, started);
  g_assert_cmpint (at, <, g_get_monotonic_time ());
  g_assert_cmpuint (incidents, >, 0);
  g_assert_cmpint (hwm, >, 0);
  /* One line, printed once. */
  g_assert_null (strstr (line + 1, "first-complete-frame "));
  test_rm_rf (home);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/console/first-frame-line", test_first_frame_line);
  return g_test_run ();
}
