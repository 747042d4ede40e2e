/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "wg-sim.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgSim) sim = NULL;
  g_autofree char *server = NULL;
  g_autofree char *password = NULL;
  WgSimConfig config;
  gboolean version = FALSE;
  gboolean no_photos = FALSE;
  gint64 seed = 1;
  gint units = 0;
  int status;

  wg_sim_config_init (&config);
  {
    const GOptionEntry entries[] = {
      { "server", 0, 0, G_OPTION_ARG_STRING, &server, N_("The server (default http://127.0.0.1:8470)"), N_("URL") },
      { "password", 0, 0, G_OPTION_ARG_STRING, &password, N_("Password of the demo accounts (default demo)"), N_("PW") },
      { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &config.speed, N_("Simulated seconds per real second (default 1)"), N_("X") },
      { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, N_("Seed of every random choice and command id (default 1)"), N_("N") },
      { "duration", 0, 0, G_OPTION_ARG_DOUBLE, &config.duration, N_("Stop after this many simulated seconds (load mode: real seconds; default: run until stopped)"), N_("SECONDS") },
      { "play-centre", 0, 0, G_OPTION_ARG_NONE, &config.play_centre, N_("Also play the centre: acknowledge alarms, dispatch, route, resolve, close"), NULL },
      { "reports-per-hour", 0, 0, G_OPTION_ARG_DOUBLE, &config.reports_per_hour, N_("Reports per simulated hour, whole street (default: Helong's 7,989 a year)"), N_("R") },
      { "emergency-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.emergency_share, N_("Share of reports that are emergencies (default: the categories' mix)"), N_("F") },
      { "step-scale", 0, 0, G_OPTION_ARG_DOUBLE, &config.step_scale, N_("Department step durations as a fraction of the category limits (default 1)"), N_("F") },
      { "wind-down", 0, 0, G_OPTION_ARG_DOUBLE, &config.wind_down, N_("No new reports in the last SECONDS of the duration"), N_("SECONDS") },
      { "position-interval", 0, 0, G_OPTION_ARG_DOUBLE, &config.position_interval, N_("Simulated seconds between position reports (default 10)"), N_("SECONDS") },
      { "late-ack-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.late_ack_share, N_("Share of alarms acknowledged only after escalation (default 0.2)"), N_("F") },
      { "no-ack-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.no_ack_share, N_("Share of assignments never acknowledged (default 0.08)"), N_("F") },
      { "reject-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.reject_share, N_("Share of first routings rejected (default 0.12)"), N_("F") },
      { "late-feedback-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.late_feedback_share, N_("Share of feedbacks after the deadline (default 0.15)"), N_("F") },
      { "hotline-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.hotline_share, N_("With --play-centre, share of professional reports taken as 12345 hotline calls (default 0.15)"), N_("F") },
      { "extension-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.extension_share, N_("Share of accepted cases whose department asks for an extension (default 0.05)"), N_("F") },
      { "unsatisfied-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.unsatisfied_share, N_("Share of call-backs found unsatisfied, sending the case back for rework (default 0.05)"), N_("F") },
      { "photo-share", 0, 0, G_OPTION_ARG_DOUBLE, &config.photo_share, N_("Share of reports, feedbacks and verifications with a scene that carry a generated photo (default 0.3)"), N_("F") },
      { "no-photos", 0, 0, G_OPTION_ARG_NONE, &no_photos, N_("Send no photos"), NULL },
      { "exercise", 0, 0, G_OPTION_ARG_STRING, &config.exercise, N_("Play the field's and the forces' answers inside this exercise, through its endpoints, the forces sent moving on its own track (no scheduled reports, no photos)"), N_("ID") },
      { "units", 0, 0, G_OPTION_ARG_INT, &units, N_("Load mode: synthetic units posting positions at 1 Hz"), N_("N") },
      { "report-rate", 0, 0, G_OPTION_ARG_DOUBLE, &config.report_rate, N_("Load mode: reports per second across the grid workers"), N_("R") },
      { "baseline-seconds", 0, 0, G_OPTION_ARG_DOUBLE, &config.baseline_seconds, N_("Load mode: seconds of GET /api/v1/health at the same request rate afterwards (default 10; 0: none)"), N_("SECONDS") },
      { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
      { NULL }
    };

    setlocale (LC_ALL, "");
    bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
    textdomain (GETTEXT_PACKAGE);

    context = g_option_context_new (NULL);
    g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
    g_option_context_set_summary (context,
                                  _("The Wangge field simulator: grid workers patrol and report, departments\n"
                                    "accept and give feedback, dispatched forces acknowledge, travel, arrive\n"
                                    "and clear, all through the server's API with the demo accounts."));
    g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
    if (!g_option_context_parse (context, &argc, &argv, &error))
      {
        g_printerr ("wangge-sim: %s\n", error->message);
        return 2;
      }
  }
  if (version)
    {
      g_print ("wangge-sim %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (seed < 0 || seed > G_MAXUINT32 || units < 0 || config.speed <= 0 || config.duration < 0 ||
      config.position_interval <= 0 || config.step_scale <= 0 || config.report_rate < 0)
    {
      g_printerr (_("wangge-sim: --seed, --units, --speed, --duration, --position-interval, "
                    "--step-scale and --report-rate take positive values\n"));
      return 2;
    }
  if (no_photos)
    config.photo_share = 0;
  config.seed = (guint32) seed;
  config.units = (guint) units;
  if (server != NULL)
    {
      g_free (config.server);
      config.server = g_steal_pointer (&server);
    }
  if (password != NULL)
    {
      g_free (config.password);
      config.password = g_steal_pointer (&password);
    }

  sim = wg_sim_new (&config);
  wg_sim_config_clear (&config);
  status = wg_sim_run (sim);
  return status;
}
