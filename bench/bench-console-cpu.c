/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console's CPU while it waits: the share of one core the `wangge`
 * process uses (utime + stime from /proc, over a fixed wall time) when
 *   1. idle: the local demo store with nothing on it (the baseline), and
 *   2. pulsing: the demo scenarios (--demo-incidents), whose fire is an
 *      unacknowledged emergency: the banner, the pin's ring and the grid's
 *      flash run until someone acknowledges it.
 * and, for comparison, 3. pulsing with GTK's GL renderer forced
 * (GSK_RENDERER=gl: what the console cost before it chose the cairo
 * renderer on software OpenGL), and 4. the wall (--big-screen on the
 * same scenarios: tiles with their timers ticking each second, the
 * banner, the same pulse), against 2.  Each in a 1920x1080 window, under the
 * same display, one after the other, after a settling time for the first
 * frames and the map.  Goals (issue 16): pulsing < 15% of a core, idle
 * < 2%.  Needs a display (bench/run provides Xvfb: software rendering, as
 * on desk PCs without a GPU).  Not a test.
 *
 *   bench-console-cpu [--short] [--settle S] [--seconds S] [--gsk-renderer NAME]
 */
#include "config.h"

#include <gio/gio.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "test-files.h"

#ifndef WANGGE_CONSOLE_BIN
#error "WANGGE_CONSOLE_BIN must be defined by the build"
#endif

static double settle_s = 10;
static double seconds = 15;
static char *gsk_renderer;

/* utime + stime of @pid in clock ticks, or -1 when it is gone. */
static gint64
cpu_ticks (const char *pid)
{
  g_autofree char *path = g_build_filename ("/proc", pid, "stat", NULL);
  g_autofree char *stat = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return -1;
  /* The command name may hold spaces: count fields after its ')'. */
  after = strrchr (stat, ')');
  if (after == NULL)
    return -1;
  fields = g_strsplit (after + 2, " ", -1);
  if (g_strv_length (fields) < 13)
    return -1;
  /* state is field 3 of stat(5); utime and stime are 14 and 15. */
  return g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10);
}

static void
sleep_s (double s)
{
  g_usleep ((gulong) (s * G_USEC_PER_SEC));
}

/* Spawns the console with @extra_arg and @more_arg (or none), lets it
 * settle, and returns its CPU share of one core (1.0 = a whole core) over
 * `seconds`. */
static double
measure (const char *profile,
         const char *extra_arg,
         const char *more_arg,
         const char *renderer)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("wg-bench-cpu-XXXXXX", &error);
  g_autofree char *schemas = g_build_filename (WANGGE_BUILD_ROOT, "data", NULL);
  g_autofree char *locales = g_build_filename (WANGGE_BUILD_ROOT, "po", NULL);
  const char *argv[] = { WANGGE_CONSOLE_BIN, "--profile", profile, extra_arg, more_arg, NULL };
  g_autofree char *keyfile_dir = g_build_filename (home, "glib-2.0", "settings", NULL);
  g_autofree char *keyfile = g_build_filename (keyfile_dir, "keyfile", NULL);
  g_autofree char *settings = NULL;
  const char *pid;
  gint64 t0, t1, c0, c1;

  g_assert_no_error (error);
  /* The profile's settings: a 1920x1080 window (no window manager under
   * Xvfb to maximise it). */
  settings = g_strdup_printf ("[io/github/wangge/Console/profiles/%s]\n"
                              "window-width=1920\nwindow-height=1080\nwindow-maximized=false\n", profile);
  if (g_mkdir_with_parents (keyfile_dir, 0700) != 0 || !g_file_set_contents (keyfile, settings, -1, &error))
    g_error ("%s: %s", keyfile, error != NULL ? error->message : g_strerror (errno));
  g_subprocess_launcher_set_cwd (launcher, home);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "keyfile", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_SCHEMA_DIR", schemas, TRUE);
  g_subprocess_launcher_setenv (launcher, "WANGGE_LOCALEDIR", locales, TRUE);
  g_subprocess_launcher_setenv (launcher, "WANGGE_NO_SOUND", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "none", TRUE);
  g_subprocess_launcher_setenv (launcher, "NO_AT_BRIDGE", "1", TRUE);
  if (renderer != NULL)
    g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", renderer, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "GSK_RENDERER");

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL)
    g_error ("%s: %s", argv[0], error->message);
  pid = g_subprocess_get_identifier (process);

  sleep_s (settle_s);
  c0 = cpu_ticks (pid);
  t0 = g_get_monotonic_time ();
  sleep_s (seconds);
  c1 = cpu_ticks (pid);
  t1 = g_get_monotonic_time ();
  if (c0 < 0 || c1 < 0)
    g_error ("the console ended early");

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, NULL);
  test_rm_rf (home);
  return (double) (c1 - c0) / sysconf (_SC_CLK_TCK) / ((t1 - t0) / (double) G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  gboolean shorter = FALSE;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "short", 0, 0, G_OPTION_ARG_NONE, &shorter, "Settle 8 s, measure 6 s", NULL },
    { "settle", 0, 0, G_OPTION_ARG_DOUBLE, &settle_s, "Seconds before measuring (10)", "S" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Seconds measured (15)", "S" },
    { "gsk-renderer", 0, 0, G_OPTION_ARG_STRING, &gsk_renderer, "GSK_RENDERER for the console", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("- the console's CPU, idle and pulsing");
  double idle, pulsing, pulsing_gl, wall;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (shorter)
    {
      settle_s = 8;
      seconds = 6;
    }
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("bench-console-cpu needs a display (run it under xvfb-run, as bench/run does)\n");
      return 2;
    }

  idle = measure ("bench-cpu-idle", NULL, NULL, gsk_renderer);
  pulsing = measure ("bench-cpu-pulse", "--demo-incidents", NULL, gsk_renderer);
  pulsing_gl = measure ("bench-cpu-pulse-gl", "--demo-incidents", NULL, "gl");
  wall = measure ("bench-cpu-wall", "--demo-incidents", "--big-screen", gsk_renderer);

  g_print ("console CPU in a 1920x1080 window over %.0f s after %.0f s settling (share of one core; renderer %s):\n",
           seconds, settle_s, gsk_renderer != NULL ? gsk_renderer : "the console's choice");
  g_print ("  idle (baseline)                 %6.1f%%   goal < 2%%\n", 100 * idle);
  g_print ("  one emergency pulsing           %6.1f%%   goal < 15%%   +%.1f points over idle\n",
           100 * pulsing, 100 * (pulsing - idle));
  g_print ("  the same, GL renderer forced    %6.1f%%   +%.1f points over idle\n",
           100 * pulsing_gl, 100 * (pulsing_gl - idle));
  g_print ("  the wall (big screen), pulsing  %6.1f%%   %.2fx the console pulsing\n",
           100 * wall, pulsing > 0 ? wall / pulsing : 0);
  g_free (gsk_renderer);
  return 0;
}
