/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * wangge-history: generates a year of grid events into a data directory,
 * journal.db (the journal the server serves) and positions.db (the stored
 * position tracks), by the real engine.  Same seed and anchor, same
 * journal.
 */
#define G_LOG_DOMAIN "wangge-history"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdlib.h>

#include "wg-city.h"
#include "wg-history.h"

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *reference_dir = NULL;
  g_autofree char *anchor = NULL;
  g_autofree char *journal_path = NULL;
  g_autofree char *positions_path = NULL;
  gint64 seed = 42;
  int streets = 1;
  int days = 365;
  double scale = 1.0;
  gboolean no_tracks = FALSE;
  gboolean until_now = FALSE;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, N_("Directory to create journal.db and positions.db in"), N_("DIR") },
    { "seed", 's', 0, G_OPTION_ARG_INT64, &seed, N_("Random seed (default 42)"), N_("N") },
    { "anchor", 'a', 0, G_OPTION_ARG_STRING, &anchor, N_("The day after the generated year"), N_("YYYY-MM-DD") },
    { "streets", 0, 0, G_OPTION_ARG_INT, &streets, N_("Streets: more than one makes a generated city of N streets from the reference, each with its own codes"), N_("N") },
    { "days", 0, 0, G_OPTION_ARG_INT, &days, N_("Days of history (default 365)"), N_("N") },
    { "incident-scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, N_("Multiply the incidents per street"), N_("X") },
    { "reference", 'r', 0, G_OPTION_ARG_FILENAME, &reference_dir, N_("Reference data directory (default: the demo world)"), N_("DIR") },
    { "until-now", 0, 0, G_OPTION_ARG_NONE, &until_now, N_("End the history now, its cases under way left open (the anchor, unless given, is tomorrow)"), NULL },
    { "no-tracks", 0, 0, G_OPTION_ARG_NONE, &no_tracks, N_("Do not write positions.db"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = NULL;
  g_autoptr(WgStore) store = NULL;
  g_autoptr(WgTrackStore) tracks = NULL;
  WgHistoryParams params;
  WgHistoryStats stats;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Generate a year of grid events by the real engine."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("wangge-history %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (data_dir == NULL || (anchor == NULL && !until_now) || streets < 1 || days < 1 || scale <= 0)
    {
      g_printerr (_("Usage: wangge-history --data-dir DIR --seed N (--anchor YYYY-MM-DD | --until-now) [--streets N]\n"));
      return 2;
    }
  if (reference_dir == NULL)
    reference_dir = g_build_filename (SOURCE_DATADIR, "demo", NULL);

  if (g_mkdir_with_parents (data_dir, 0750) != 0)
    {
      g_printerr (_("Cannot create %s\n"), data_dir);
      return 1;
    }
  journal_path = g_build_filename (data_dir, "journal.db", NULL);
  positions_path = g_build_filename (data_dir, "positions.db", NULL);
  if (g_file_test (journal_path, G_FILE_TEST_EXISTS))
    {
      g_printerr (_("%s exists: the history goes into a new data directory\n"), journal_path);
      return 1;
    }

  reference = wg_reference_load_dir (reference_dir, &error);
  if (reference != NULL && streets > 1)
    {
      g_autoptr(WgReference) base = g_steal_pointer (&reference);

      /* The same city as wangge-server --demo-streets N builds. */
      reference = wg_city_new_reference (base, streets, WG_CITY_DEFAULT_SEED, &error);
    }
  if (reference == NULL ||
      (store = wg_store_open (journal_path, &error)) == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  if (!no_tracks)
    {
      WgTrackPolicy policy;

      wg_track_policy_init_default (&policy);
      /* A history is for replay and demos: keep all of it. */
      policy.retention_ms = G_MAXINT64 / 2;
      tracks = wg_track_store_open (positions_path, &policy, &error);
      if (tracks == NULL)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
    }

  wg_history_params_init_from_reference (&params, reference);
  params.seed = (guint64) seed;
  if (until_now)
    {
      /* The days up to tomorrow's local midnight, cut at this moment: a
       * journal as a live centre's is now, whatever the hour. */
      g_autoptr(GDateTime) now = g_date_time_new_now (wg_reference_get_time_zone (reference));
      g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);

      if (anchor == NULL)
        anchor = g_date_time_format (tomorrow, "%Y-%m-%d");
      params.until_ms = g_date_time_to_unix (now) * 1000 + g_date_time_get_microsecond (now) / 1000;
    }
  params.anchor = anchor;
  params.days = days;
  params.incident_scale = scale;
  if (!wg_history_generate (store, tracks, reference, &params, &stats, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  g_print ("incidents %u (general %u, professional %u, emergency %u; upgraded %u)\n",
           stats.incidents, stats.by_grade[0], stats.by_grade[1], stats.by_grade[2], stats.upgrades);
  g_print ("closed %u, cancelled %u, open %u, closure rate %.4f%%\n",
           stats.closed, stats.cancelled, stats.open, 100 * wg_history_stats_closure_rate (&stats));
  g_print ("disputes %u (mediated %u, mediation failed %u)\n",
           stats.disputes, stats.mediated, stats.mediation_failed);
  g_print ("rejections %u, re-routes %u, verification failures %u, escalations %u, "
           "alarm escalations %u, overdue %u\n",
           stats.rejections, stats.reroutes, stats.verification_failures,
           stats.incident_escalations, stats.alarm_escalations, stats.overdue);
  g_print ("notes %u, extensions %u, suspensions %u, dispatches %u, assignments %u, handovers %u\n",
           stats.notes, stats.extensions, stats.suspensions, stats.dispatches, stats.assignments,
           stats.handovers);
  g_print ("commands %" G_GUINT64_FORMAT ", events %" G_GUINT64_FORMAT
           ", track points %" G_GUINT64_FORMAT " (kept %" G_GUINT64_FORMAT ")\n",
           stats.commands, stats.events, stats.track_points, stats.track_points_kept);
  g_print ("%.1f s, %.0f events/s\n", stats.elapsed_s,
           stats.elapsed_s > 0 ? stats.events / stats.elapsed_s : 0);
  return EXIT_SUCCESS;
}
