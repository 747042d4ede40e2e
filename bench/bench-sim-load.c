/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The simulator's load mode against the real server on loopback, both on
 * this machine: 20,000 units posting positions at 1 Hz and 200 reports/s
 * for 60 s (--short: 10 s).  wangge-sim prints the achieved rates and the
 * acknowledgement latency p50/p99 of commands and position posts, then the
 * same request rate of GET /api/v1/health as the baseline, and the ratio.
 * This program adds the CPU time each process used.  Not a test.
 *
 *   bench-sim-load [--short] [SECONDS] [UNITS] [REPORTS_PER_SECOND]
 */
#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* utime + stime of a live process, in seconds. */
static double
cpu_seconds (GSubprocess *process)
{
  const char *pid = g_subprocess_get_identifier (process);
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (pid == NULL)
    return -1;
  path = g_strdup_printf ("/proc/%s/stat", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  /* The command name may hold spaces: fields count from after ')'. */
  after = strrchr (text, ')');
  if (after == NULL)
    return -1;
  fields = g_strsplit (after + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / sysconf (_SC_CLK_TCK);
}

static char *
sibling_program (const char *relative)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self != NULL ? g_path_get_dirname (self) : g_strdup (".");

  return g_build_filename (dir, "..", relative, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server_bin = sibling_program ("src/server/wangge-server");
  g_autofree char *sim_bin = sibling_program ("src/sim/wangge-sim");
  g_autofree char *data_dir = NULL;
  g_autofree char *line = NULL;
  g_autofree char *duration = NULL;
  g_autofree char *units = NULL;
  g_autofree char *rate = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GSubprocess) sim = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  gboolean short_run = FALSE;
  double args[3] = { 60, 20000, 200 };
  guint n_args = 0;
  double server_cpu = 0, sim_cpu = 0;
  gint64 start_us;
  const char *url;

  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--short"))
        short_run = TRUE;
      else if (n_args < G_N_ELEMENTS (args))
        args[n_args++] = g_ascii_strtod (argv[i], NULL);
    }
  if (short_run && n_args == 0)
    args[0] = 10;
  duration = g_strdup_printf ("%g", args[0]);
  units = g_strdup_printf ("%u", (guint) args[1]);
  rate = g_strdup_printf ("%g", args[2]);

  data_dir = g_dir_make_tmp ("wangge-bench-sim-XXXXXX", &error);
  g_assert_no_error (error);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "no_proxy", "127.0.0.1,localhost,::1", TRUE);
  server = g_subprocess_launcher_spawn (launcher, &error, server_bin, "--demo", "--address", "127.0.0.1",
                                        "--port", "0", "--data-dir", data_dir, NULL);
  if (server == NULL)
    {
      g_printerr ("bench-sim-load: %s\n", error->message);
      return EXIT_FAILURE;
    }
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  if (line == NULL || !g_str_has_prefix (line, "listening on "))
    {
      g_printerr ("bench-sim-load: the server did not start\n");
      return EXIT_FAILURE;
    }
  url = line + strlen ("listening on ");

  g_print ("server %s (demo data, temporary directory); wangge-sim --units %s --report-rate %s "
           "--duration %s, then the health baseline\n", url, units, rate, duration);
  start_us = g_get_monotonic_time ();
  sim = g_subprocess_launcher_spawn (launcher, &error, sim_bin, "--server", url, "--units", units,
                                     "--report-rate", rate, "--duration", duration,
                                     "--baseline-seconds", short_run ? "5" : "10", NULL);
  if (sim == NULL)
    {
      g_printerr ("bench-sim-load: %s\n", error->message);
      return EXIT_FAILURE;
    }
  {
    g_autoptr(GDataInputStream) out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim));
    double cpu0[2] = { -1, -1 }, wall0 = 0;
    char *text;

    /* Relay wangge-sim's lines; the CPU each process spends between the
     * start of the load ("load: N units ...") and its latency line. */
    while ((text = g_data_input_stream_read_line_utf8 (out, NULL, NULL, NULL)) != NULL)
      {
        g_print ("%s\n", text);
        if (g_str_has_prefix (text, "load: ") && strstr (text, "units at 1 Hz") != NULL)
          {
            cpu0[0] = cpu_seconds (server);
            cpu0[1] = cpu_seconds (sim);
            wall0 = g_get_monotonic_time () / 1e6;
          }
        else if (g_str_has_prefix (text, "load: acknowledgement latency") && cpu0[0] >= 0)
          {
            double wall = g_get_monotonic_time () / 1e6 - wall0;

            server_cpu = cpu_seconds (server) - cpu0[0];
            sim_cpu = cpu_seconds (sim) - cpu0[1];
            g_print ("CPU during the load: server %.1f s (%.0f%% of one core), wangge-sim %.1f s (%.0f%%), "
                     "over %.1f s on %u cores\n",
                     server_cpu, 100 * server_cpu / wall, sim_cpu, 100 * sim_cpu / wall, wall,
                     g_get_num_processors ());
          }
        g_free (text);
      }
  }
  g_subprocess_wait (sim, NULL, NULL);
  g_print ("wall time in all (logins, load, drain, baseline): %.1f s\n",
           (g_get_monotonic_time () - start_us) / 1e6);

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  {
    g_autoptr(GDir) dir = g_dir_open (data_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (data_dir, name, NULL);

        g_remove (path);
      }
    g_rmdir (data_dir);
  }
  return g_subprocess_get_if_exited (sim) && g_subprocess_get_exit_status (sim) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
