/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Console cold start: from spawning `wangge --server URL --username leader`
 * (WANGGE_PASSWORD set, a fresh profile: empty cache) to its first complete
 * frame (the window mapped, the snapshot in the local cache and the stream
 * live, the board and the map filled, that frame painted: the console's
 * WANGGE_EXIT_AFTER_FIRST_FRAME hook prints its CLOCK_MONOTONIC time); the
 * same console goes on until its back-fill of the older journal ends
 * (WANGGE_EXIT_AFTER_BACKFILL: how long it took, the main loop's stalls
 * seen by a 10 ms probe, p99 and max, and the peak RSS of the whole run);
 * then a warm start with the cache from the first.  Against the real
 * wangge-server (loopback, temporary data directory) holding
 *   1. the Helong year (wangge-history --until-now: 365 days up to this
 *      moment; --short: 60 days),
 *   2. a busy street: the demo street with 300 open incidents, 20 of them
 *      emergencies with their alarms up, and 2,000 units posting positions
 *      at 1 Hz all along (a thread of this program), and
 *   3. a city: wangge-history --streets N (the generated city of N streets,
 *      20,000 grids at 100, wg-city.h) for --city-days days up to now with the
 *      incidents per street times --city-scale, the server on it with the
 *      same city (--demo-streets N); not in --short: the console's cold
 *      catch-up runs at some 1,000 events/s.  --city-streets 1 is the
 *      earlier city-scale volume on the Helong reference alone.
 * Baseline in the same run: a bare GTK window holding a libshumate map
 * (this program re-run with --bare-child), spawn to its first painted frame.
 * Also the peak RSS (VmHWM) of the console and of the server.
 * Needs a display (bench/run provides Xvfb).  Not a test.
 *
 *   bench-console-start [--short] [--rounds N] [--city-scale X] [--city-days N] [--city-streets N]
 *                       [--gsk-renderer NAME] [--console PATH]... [--no-year] [--city-only]
 *
 * With --console (repeated), each console binary is started in turn in
 * every round, against the same servers and baseline: a before/after of
 * two builds in one run.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <gtk/gtk.h>
#include <shumate/shumate.h>
#include <stdlib.h>
#include <string.h>

#include "wg-bench.h"
#include "wg-test-server.h"
#include "test-files.h"

/* A password of the centre's own, hashed at the full cost as in a real
 * deployment (the printed demo password is hashed cheaply: docs/api.md,
 * "Demo mode"): a cold start pays the argon2id check a dispatcher's does. */
#define BENCH_PASSWORD "bench-secret"

#ifndef WANGGE_CONSOLE_BIN
#error "WANGGE_CONSOLE_BIN must be defined by the build"
#endif

/* GSK_RENDERER for the children (NULL: GTK's choice). */
static char *gsk_renderer;
/* The console binaries compared (NULL: this build's). */
static char **consoles;

typedef struct
{
  double ms;          /* spawn to the first complete frame */
  double cached_ms;   /* a warm start: spawn to the first frame of the cached picture; 0: none */
  gint64 hwm_kib;
  guint  incidents;
  double backfill_ms; /* spawn to the end of back-fill; 0: not measured */
  double stall_p99_ms;
  double stall_max_ms;
} Start;

/* ---- the baseline, in a child process --------------------------------- */

static gboolean bare_painted;

static void
bare_painted_cb (GdkFrameClock *clock,
                 gpointer       user_data)
{
  if (bare_painted)
    return;
  bare_painted = TRUE;
  g_print ("first-complete-frame monotonic-us=%" G_GINT64_FORMAT " incidents=0 vmhwm-kib=%" G_GINT64_FORMAT "\n",
           g_get_monotonic_time (), wg_bench_peak_rss_kib ("self"));
  fflush (stdout);
}

static void
bare_mapped_cb (GtkWidget *window,
                gpointer   user_data)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (bare_painted_cb), NULL);
  gtk_widget_queue_draw (window);
}

static int
bare_child (void)
{
  GtkWidget *window;
  ShumateMap *map;
  ShumateViewport *viewport;

  gtk_init ();
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1600, 960);   /* the console's default */
  map = shumate_map_new ();
  viewport = shumate_map_get_viewport (map);
  shumate_viewport_set_zoom_level (viewport, 15);
  shumate_map_center_on (map, 23.22, 113.28);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (map));
  g_signal_connect_after (window, "map", G_CALLBACK (bare_mapped_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
  while (!bare_painted)
    g_main_context_iteration (NULL, TRUE);
  return EXIT_SUCCESS;
}

/* ---- the busy street ---------------------------------------------------- */

#define MOVER_UNITS 2000
#define MOVER_BATCH 500

/* A command, again after a pause while the server says 429 (a token's
 * commands are limited to a rate). */
static WgTestResponse *
command_until_taken (WgTestServer *server,
                     const char   *token,
                     const char   *type,
                     const char   *body)
{
  for (;;)
    {
      WgTestResponse *answer = wg_test_server_command (server, token, NULL, type, body);

      if (answer->status != 429)
        return answer;
      wg_test_response_free (answer);
      g_usleep (200000);
    }
}

/* 300 open incidents around the street's centre: 20 emergencies (their
 * alarms up), 180 professional ones routed to a department, 100 general. */
static void
busy_street_incidents (WgTestServer *server)
{
  g_autofree char *token = wg_test_server_login (server, "dispatcher", BENCH_PASSWORD);

  for (guint i = 0; i < 300; i++)
    {
      const char *grade = i < 20 ? "emergency" : i < 200 ? "professional" : "general";
      const char *category = i < 20 ? "fire" : i < 200 ? "illegal_structure" : "garbage";
      g_autofree char *body = g_strdup_printf (
        "{\"grade\":\"%s\",\"category\":\"%s\",\"location\":{\"lat\":%.5f,\"lon\":%.5f},"
        "\"summary\":\"繁忙街道 %u\"}",
        grade, category, 23.200 + (i % 20) * 0.0012, 113.275 + (i / 20) * 0.0012, i);
      g_autoptr(WgTestResponse) answer = command_until_taken (server, token, "incident.report", body);

      if (answer->status != 200)
        g_error ("busy street: report %u answered %u", i, answer->status);
      if (g_str_equal (grade, "professional"))
        {
          JsonArray *events = json_object_get_array_member (wg_test_response_object (answer), "events");
          const char *incident = json_object_get_string_member (json_array_get_object_element (events, 0),
                                                                "incident");
          g_autofree char *route = g_strdup_printf ("{\"incident\":\"%s\",\"department\":\"urban\"}", incident);
          g_autoptr(WgTestResponse) routed = command_until_taken (server, token, "incident.route", route);

          if (routed->status != 200)
            g_error ("busy street: route %u answered %u", i, routed->status);
        }
    }
}

typedef struct
{
  char  *url;
  char  *token;
  gint   stop;
  guint  batches;
} Mover;

/* 2,000 units, each a point a second, in batches, until told to stop: its
 * own session, so that the main thread's stays its own. */
static gpointer
move_units (gpointer data)
{
  Mover *state = data;
  g_autoptr(SoupSession) session = soup_session_new ();

  for (guint tick = 0; !g_atomic_int_get (&state->stop); tick++)
    {
      gint64 started = g_get_monotonic_time ();
      gint64 ts = g_get_real_time () / 1000;

      for (guint first = 0; first < MOVER_UNITS; first += MOVER_BATCH)
        {
          g_autoptr(GString) body = g_string_new ("{\"positions\":[");
          g_autoptr(SoupMessage) msg = NULL;
          g_autoptr(GBytes) bytes = NULL;
          g_autoptr(GBytes) answer = NULL;
          g_autofree char *auth = g_strdup_printf ("Bearer %s", state->token);

          for (guint u = first; u < first + MOVER_BATCH; u++)
            {
              char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];

              g_ascii_dtostr (lat, sizeof lat, 23.19 + (u % 50) * 0.001 + (tick % 60) * 0.00002);
              g_ascii_dtostr (lon, sizeof lon, 113.26 + (u / 50) * 0.001);
              g_string_append_printf (body, "%s{\"unit\":\"busy-%04u\",\"ts\":%" G_GINT64_FORMAT
                                      ",\"lat\":%s,\"lon\":%s,\"status\":\"available\"}",
                                      u > first ? "," : "", u, ts, lat, lon);
            }
          g_string_append (body, "]}");
          msg = soup_message_new ("POST", state->url);
          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
          bytes = g_bytes_new (body->str, body->len);
          soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
          answer = soup_session_send_and_read (session, msg, NULL, NULL);
          state->batches++;
        }
      while (!g_atomic_int_get (&state->stop) && g_get_monotonic_time () - started < G_USEC_PER_SEC)
        g_usleep (20000);
    }
  return NULL;
}

/* ---- measuring a start -------------------------------------------------- */

/* Spawns @argv with @env and waits for its "first-complete-frame" line
 * (and with @backfill, its "backfill-done" line). */
static Start
measure (const char * const *argv,
         const char * const *env,
         gboolean            backfill)
{
  /* The console's own warnings would drown the figures. */
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GError) error = NULL;
  Start start = { 0 };
  gint64 t0;

  for (guint i = 0; env[i] != NULL; i += 2)
    g_subprocess_launcher_setenv (launcher, env[i], env[i + 1], TRUE);
  if (gsk_renderer != NULL)
    g_subprocess_launcher_setenv (launcher, "GSK_RENDERER", gsk_renderer, TRUE);
  t0 = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL)
    g_error ("%s: %s", argv[0], error->message);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  while (TRUE)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
      gint64 at, p99, max;
      guint incidents;
      gint64 hwm;

      if (line == NULL)
        g_error ("%s ended without a first complete frame%s%s", argv[0],
                 error != NULL ? ": " : "", error != NULL ? error->message : "");
      if (sscanf (line, "first-complete-frame monotonic-us=%" G_GINT64_FORMAT " incidents=%u vmhwm-kib=%" G_GINT64_FORMAT,
                  &at, &incidents, &hwm) == 3)
        {
          start.ms = (at - t0) / 1000.0;
          start.incidents = incidents;
          start.hwm_kib = hwm;
          if (!backfill)
            break;
        }
      else if (sscanf (line, "first-cached-frame monotonic-us=%" G_GINT64_FORMAT, &at) == 1)
        start.cached_ms = (at - t0) / 1000.0;
      else if (sscanf (line, "backfill-done monotonic-us=%" G_GINT64_FORMAT " stall-p99-us=%" G_GINT64_FORMAT
                       " stall-max-us=%" G_GINT64_FORMAT " vmhwm-kib=%" G_GINT64_FORMAT, &at, &p99, &max, &hwm) == 4)
        {
          start.backfill_ms = (at - t0) / 1000.0;
          start.stall_p99_ms = p99 / 1000.0;
          start.stall_max_ms = max / 1000.0;
          start.hwm_kib = hwm;
          break;
        }
    }
  /* The console quits by itself; the baseline exits. */
  if (!g_subprocess_wait (process, NULL, &error))
    g_error ("%s", error->message);
  return start;
}

static int
compare_start (gconstpointer a,
               gconstpointer b)
{
  const Start *x = a, *y = b;

  return x->ms < y->ms ? -1 : x->ms > y->ms;
}

static int
compare_cached (gconstpointer a,
                gconstpointer b)
{
  const Start *x = a, *y = b;

  return x->cached_ms < y->cached_ms ? -1 : x->cached_ms > y->cached_ms;
}

/* Cold (fresh profile) and warm (the same profile again) starts of @console
 * against @server: one round. */
static void
console_round (const char   *console,
               WgTestServer *server,
               Start        *cold,
               Start        *warm)
{
  g_autofree char *schemas = g_build_filename (WANGGE_BUILD_ROOT, "data", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_dir_make_tmp ("wg-bench-console-XXXXXX", &error);
  g_autofree char *data = g_build_filename (home, "data", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *cache = g_build_filename (home, "cache", NULL);
  const char *argv[] = { console, "--profile", "bench", "--server", server->base_url,
                         "--username", "leader", NULL };
  const char *env[] = {
    "XDG_DATA_HOME", data, "XDG_CONFIG_HOME", config, "XDG_CACHE_HOME", cache,
    "GSETTINGS_BACKEND", "memory", "GSETTINGS_SCHEMA_DIR", schemas,
    "WANGGE_PASSWORD", BENCH_PASSWORD, "WANGGE_EXIT_AFTER_FIRST_FRAME", "1", "WANGGE_NO_SOUND", "1",
    "GTK_A11Y", "none", "NO_AT_BRIDGE", "1",
    "WANGGE_EXIT_AFTER_BACKFILL", "1", NULL,
  };
  guint n_env = G_N_ELEMENTS (env) - 1;

  g_assert_no_error (error);
  *cold = measure (argv, env, TRUE);
  /* The warm start stops at its first frame (its back-fill was done). */
  env[n_env - 2] = NULL;
  *warm = measure (argv, env, FALSE);
  test_rm_rf (home);
}

/* The baseline: this program as a bare GTK + libshumate window. */
static Start
bare_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", &error);
  const char *child_argv[] = { self_path, "--bare-child", NULL };
  const char *env[] = { "GTK_A11Y", "none", "NO_AT_BRIDGE", "1", NULL };

  g_assert_no_error (error);
  return measure (child_argv, env, FALSE);
}

/* Cold and warm starts of each console against @server, @rounds of each
 * (the consoles in turn within a round); prints medians.  The ratios are
 * to the bare window started before each round (a shared machine's load
 * moves within minutes: a baseline from the start of the run drifted). */
static void
console_starts (const char   *label,
                WgTestServer *server,
                int           rounds)
{
  guint n_consoles = g_strv_length (consoles);
  g_autofree Start *cold = g_new0 (Start, rounds * n_consoles);
  g_autofree Start *warm = g_new0 (Start, rounds * n_consoles);
  g_autofree Start *bare = g_new0 (Start, rounds);
  gint64 server_hwm;
  double bare_ms;

  for (int r = 0; r < rounds; r++)
    {
      bare[r] = bare_start ();
      for (guint c = 0; c < n_consoles; c++)
        console_round (consoles[c], server, &cold[c * rounds + r], &warm[c * rounds + r]);
    }
  qsort (bare, rounds, sizeof (Start), compare_start);
  bare_ms = bare[rounds / 2].ms;
  server_hwm = wg_bench_peak_rss_kib (g_subprocess_get_identifier (server->process));
  g_print ("%s:\n", label);
  g_print ("  bare window before each round: %.0f ms (median of %d; %.0f-%.0f)\n",
           bare_ms, rounds, bare[0].ms, bare[rounds - 1].ms);
  for (guint c = 0; c < n_consoles; c++)
    {
      Start *cold_c = &cold[c * rounds];
      Start *warm_c = &warm[c * rounds];

      qsort (cold_c, rounds, sizeof (Start), compare_start);
      qsort (warm_c, rounds, sizeof (Start), compare_start);
      if (n_consoles > 1)
        g_print (" %s\n", consoles[c]);
      g_print ("  %u incidents on the board\n", cold_c[rounds / 2].incidents);
      g_print ("  console cold (empty cache): %8.0f ms  ratio to bare %5.1fx\n",
               cold_c[rounds / 2].ms, cold_c[rounds / 2].ms / bare_ms);
      g_print ("  back-fill ended %.1f s after the spawn; main-loop stalls (10 ms probe) p99 %.1f ms, max %.1f ms;"
               " console peak RSS over the whole run %.1f MiB\n",
               cold_c[rounds / 2].backfill_ms / 1000.0, cold_c[rounds / 2].stall_p99_ms,
               cold_c[rounds / 2].stall_max_ms, cold_c[rounds / 2].hwm_kib / 1024.0);
      g_print ("  console warm (cache kept):  %8.0f ms  ratio to bare %5.1fx  peak RSS %.1f MiB\n",
               warm_c[rounds / 2].ms, warm_c[rounds / 2].ms / bare_ms, warm_c[rounds / 2].hwm_kib / 1024.0);
      qsort (warm_c, rounds, sizeof (Start), compare_cached);
      if (warm_c[rounds / 2].cached_ms > 0)
        g_print ("  warm, the cached picture (before the login and catch-up): %8.0f ms  ratio to bare %5.1fx\n",
                 warm_c[rounds / 2].cached_ms, warm_c[rounds / 2].cached_ms / bare_ms);
    }
  g_print ("  wangge-server peak RSS %.1f MiB (VmHWM, the whole run so far)\n", server_hwm / 1024.0);
}

/* @days of history of @streets streets (wangge-history, no tracks) into
 * @server's data directory, cut at this moment: the snapshot then holds a
 * day of closed cases at any hour, as a live centre's does (a history
 * ending at a midnight held from a day's worth down to none as the day
 * went by). */
static void
generate_history_until_now (WgTestServer *server,
                            int           streets,
                            double        scale,
                            int           days)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *scale_text = g_strdup_printf ("%g", scale);
  g_autofree char *days_text = g_strdup_printf ("%d", days);
  g_autofree char *streets_text = g_strdup_printf ("%d", streets);
  const char *argv[] = { WANGGE_HISTORY_BIN, "--data-dir", server->data_dir, "--no-tracks",
                         "--seed", "42", "--until-now",
                         "--incident-scale", scale_text, "--days", days_text,
                         "--streets", streets_text, NULL };
  g_autoptr(GSubprocess) history = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                            G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);

  if (history == NULL || !g_subprocess_wait_check (history, NULL, &error))
    g_error ("wangge-history: %s", error->message);
}

int
main (int   argc,
      char *argv[])
{
  gboolean short_run = FALSE, bare = FALSE, no_year = FALSE, city_only = FALSE;
  int rounds = 3, city_days = 11, city_streets = 100, helong_days = 365;
  double city_scale = 1;
  const GOptionEntry entries[] = {
    { "short", 0, 0, G_OPTION_ARG_NONE, &short_run, "One round, 60 days of Helong, no city-scale run (the cold catch-up of a year takes most of a minute)", NULL },
    { "rounds", 0, 0, G_OPTION_ARG_INT, &rounds, "Starts of each kind; medians (default 3)", "N" },
    { "city-scale", 0, 0, G_OPTION_ARG_DOUBLE, &city_scale, "Incidents per street times X for the city run (default 1; 0 skips it)", "X" },
    { "city-days", 0, 0, G_OPTION_ARG_INT, &city_days, "Days of the city's history (default 11: about Helong's year times 3)", "N" },
    { "city-streets", 0, 0, G_OPTION_ARG_INT, &city_streets, "Streets of the city (default 100; 1: the Helong reference alone)", "N" },
    { "gsk-renderer", 0, 0, G_OPTION_ARG_STRING, &gsk_renderer, "GSK_RENDERER of the console and the baseline (under Xvfb, gl is Mesa's llvmpipe; cairo is lighter)", "NAME" },
    { "console", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &consoles, "A console binary to start (repeat to compare builds in one run; default: this build's)", "PATH" },
    { "no-year", 0, 0, G_OPTION_ARG_NONE, &no_year, "Skip the Helong year (profiling the busy street alone)", NULL },
    { "city-only", 0, 0, G_OPTION_ARG_NONE, &city_only, "Only the city run (with the baseline)", NULL },
    { "bare-child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &bare, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree Start *bare_starts = NULL;
  double bare_ms;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("bench-console-start: %s\n", error->message);
      return 2;
    }
  if (bare)
    return bare_child ();
  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("bench-console-start: needs a display (xvfb-run -a -s \"-screen 0 1920x1080x24\" ...)\n");
      return 77;
    }
  if (consoles == NULL)
    consoles = g_strdupv ((char *[]) { (char *) WANGGE_CONSOLE_BIN, NULL });
  if (short_run)
    {
      rounds = 1;
      helong_days = 60;
      city_scale = 0;
    }
  rounds = CLAMP (rounds, 1, 9);

  bare_starts = g_new0 (Start, rounds);
  for (int r = 0; r < rounds; r++)
    bare_starts[r] = bare_start ();
  qsort (bare_starts, rounds, sizeof (Start), compare_start);
  bare_ms = bare_starts[rounds / 2].ms;
  g_print ("GSK renderer: %s\n", gsk_renderer != NULL ? gsk_renderer : "GTK's choice");
  g_print ("bare GTK window + ShumateMap (baseline, at the start of the run): %.0f ms to its first frame, peak RSS %.1f MiB; "
           "median of %d\n", bare_ms, bare_starts[rounds / 2].hwm_kib / 1024.0, rounds);

  /* 1. The Helong year, up to now. */
  if (!no_year && !city_only)
    {
      g_autoptr(WgTestServer) helong = wg_test_server_new (NULL);
      g_autofree char *label = NULL;

      generate_history_until_now (helong, 1, 1.0, helong_days);
      wg_test_server_start (helong, (const char *[]) { "--demo", "--demo-password", BENCH_PASSWORD, "--demo-days", "0", NULL });
      label = g_strdup_printf ("Helong, %d days of history up to now (head %" G_GINT64_FORMAT " events)",
                               helong_days, wg_test_server_head (helong));

      console_starts (label, helong, rounds);
      g_assert_cmpint (wg_test_server_stop (helong), ==, 0);
    }

  /* 2. A busy street. */
  if (!city_only)
    {
      g_autoptr(WgTestServer) busy = wg_test_server_new (NULL);
      g_autoptr(GThread) mover = NULL;
      Mover state = { 0 };
      g_autofree char *label = NULL;

      wg_test_server_start (busy, (const char *[]) { "--demo", "--demo-password", BENCH_PASSWORD, "--demo-days", "0", NULL });
      busy_street_incidents (busy);
      state.url = wg_test_server_url (busy, "/api/v1/positions");
      state.token = busy->token;
      g_atomic_int_set (&state.stop, FALSE);
      mover = g_thread_new ("mover", move_units, &state);
      label = g_strdup_printf ("busy street (300 open incidents, 20 open emergencies, 2,000 units moving;"
                               " head %" G_GINT64_FORMAT " events)", wg_test_server_head (busy));
      console_starts (label, busy, rounds);
      g_atomic_int_set (&state.stop, TRUE);
      g_thread_join (g_steal_pointer (&mover));
      g_print ("  positions posted: %u batches of %u\n", state.batches, MOVER_BATCH);
      g_free (state.url);
      g_assert_cmpint (wg_test_server_stop (busy), ==, 0);
    }

  /* 3. City-scale volume: wangge-history into a data directory, then the
   * server on it (the demo seeds its accounts; the journal is kept). */
  if (city_scale > 0)
    {
      g_autoptr(WgTestServer) city = wg_test_server_new (NULL);
      int days = CLAMP (city_days, 1, 3660), streets = CLAMP (city_streets, 1, 1000);
      g_autofree char *streets_text = g_strdup_printf ("%d", streets);
      g_autofree char *label = NULL;
      gint64 t0 = g_get_monotonic_time ();

      generate_history_until_now (city, streets, city_scale, days);
      wg_test_server_start (city, (const char *[]) { "--demo", "--demo-password", BENCH_PASSWORD, "--demo-days", "0", "--demo-streets", streets_text,
                                                     NULL });
      label = g_strdup_printf ("city (%d streets, incident scale %g, %d days up to now: head %" G_GINT64_FORMAT
                               " events, generated in %.0f s)", streets, city_scale, days,
                               wg_test_server_head (city), (g_get_monotonic_time () - t0) / 1e6);
      console_starts (label, city, rounds);
      g_assert_cmpint (wg_test_server_stop (city), ==, 0);
    }
  return EXIT_SUCCESS;
}
