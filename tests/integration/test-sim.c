/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The real wangge-sim against the real wangge-server (--demo).
 * test-sim-flows: 30 simulated minutes at x24, playing the centre too, with
 * a server restart in the middle; then the journal, read as an admin, must
 * show every flow.  test-sim: the command line, SIGTERM, determinism. */
#define G_LOG_DOMAIN "test-sim"

#include "config.h"

#include <glib.h>
#include <signal.h>
#include <string.h>

#include "src/core/wg-command.h"
#include "wg-test-server.h"

#define SEED "11"

typedef struct
{
  GPtrArray *events;     /* JsonObject* */
  GHashTable *types_of;  /* incident -> GHashTable of event types */
  GHashTable *grade_of;  /* incident -> grade */
} Journal;

static void
journal_free (Journal *journal)
{
  g_ptr_array_unref (journal->events);
  g_hash_table_destroy (journal->types_of);
  g_hash_table_destroy (journal->grade_of);
  g_free (journal);
}

static Journal *
read_journal (WgTestServer *server)
{
  Journal *journal = g_new0 (Journal, 1);
  gint64 after = 0;

  journal->events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  journal->types_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_hash_table_destroy);
  journal->grade_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=1000", after);
      g_autoptr(WgTestResponse) response = wg_test_server_get (server, path);
      JsonArray *events;

      g_assert_cmpuint (response->status, ==, 200);
      events = json_object_get_array_member (wg_test_response_object (response), "events");
      if (json_array_get_length (events) == 0)
        break;
      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *event = json_array_get_object_element (events, i);
          const char *incident = json_object_get_string_member_with_default (event, "incident", NULL);
          const char *type = json_object_get_string_member (event, "type");
          GHashTable *types;

          after = json_object_get_int_member (event, "seq");
          g_ptr_array_add (journal->events, json_object_ref (event));
          if (incident == NULL)
            continue;
          types = g_hash_table_lookup (journal->types_of, incident);
          if (types == NULL)
            {
              types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
              g_hash_table_insert (journal->types_of, g_strdup (incident), types);
            }
          g_hash_table_add (types, g_strdup (type));
          if (g_str_equal (type, "incident.reported"))
            g_hash_table_insert (journal->grade_of, g_strdup (incident),
                                 g_strdup (json_object_get_string_member (json_object_get_object_member (event, "body"),
                                                                          "grade")));
        }
    }
  return journal;
}

G_GNUC_UNUSED static guint
count_type (Journal    *journal,
            const char *type)
{
  guint n = 0;

  for (guint i = 0; i < journal->events->len; i++)
    n += g_str_equal (json_object_get_string_member (g_ptr_array_index (journal->events, i), "type"), type);
  return n;
}

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

G_GNUC_UNUSED static void
test_sim_full_run (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) sim = NULL;
  g_autoptr(GError) error = NULL;
  const char *sim_bin = WANGGE_SIM_BIN;
  g_autofree char *port = NULL;
  g_autofree char *out = NULL;
  g_autofree char *ns = NULL;
  g_autoptr(WgTestResponse) latest = NULL;
  g_autoptr(WgTestResponse) track = NULL;
  g_autoptr(GHashTable) report_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Journal *journal;
  GHashTableIter iter;
  gpointer key, value;
  guint closed[3] = { 0 }, emergencies = 0, patrolling = 0, reports = 0;
  gboolean done = FALSE;
  JsonArray *positions;
  double lat0 = 0, lon0 = 0;
  gboolean moved = FALSE;

  wg_test_server_start (server, (const char *[]) { "--demo", NULL });
  port = g_strdup_printf ("%u", server->port);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  sim = g_subprocess_launcher_spawn (launcher, &error, sim_bin,
                                     "--server", server->base_url, "--password", "demo",
                                     "--speed", "24", "--seed", SEED, "--duration", "1800",
                                     "--play-centre", "--reports-per-hour", "150",
                                     "--emergency-share", "0.25", "--step-scale", "0.005",
                                     "--wind-down", "1000", "--late-ack-share", "1",
                                     "--no-ack-share", "0.15", "--position-interval", "10",
                                     "--hotline-share", "0.4", "--extension-share", "0.3",
                                     "--unsatisfied-share", "0.3", NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (sim, NULL, wait_done_cb, &done);

  /* A server restart 20 s in (8 simulated minutes): the simulator retries
   * its commands with the same ids and picks up the stream again. */
  wg_test_iterate_for (20000);
  g_assert_false (done);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  wg_test_iterate_for (1500);
  wg_test_server_start (server, (const char *[]) { "--demo", "--port", port, NULL });
  g_assert_cmpuint (server->port, ==, (guint) g_ascii_strtoull (port, NULL, 10));

  g_assert_true (wg_test_iterate_until (flag_set, &done, 120000));
  g_assert_true (g_subprocess_get_if_exited (sim));
  g_assert_cmpint (g_subprocess_get_exit_status (sim), ==, 0);
  g_subprocess_communicate_utf8 (sim, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("wangge-sim said:\n%s", out);
  /* The summary of the simulated half hour. */
  g_assert_nonnull (strstr (out, "[0:30:00] reports"));

  journal = read_journal (server);

  /* Incidents of every grade reach closed. */
  g_hash_table_iter_init (&iter, journal->grade_of);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GHashTable *types = g_hash_table_lookup (journal->types_of, key);
      int grade = g_str_equal (value, "emergency") ? 2 : g_str_equal (value, "professional") ? 1 : 0;

      if (g_hash_table_contains (types, "incident.closed"))
        closed[grade]++;
      if (grade == 2)
        {
          /* Every emergency: acknowledged, dispatched, on scene, cleared. */
          emergencies++;
          g_assert_true (g_hash_table_contains (types, "alarm.acknowledged"));
          g_assert_true (g_hash_table_contains (types, "incident.dispatched"));
          g_assert_true (g_hash_table_contains (types, "incident.on_scene"));
          g_assert_true (g_hash_table_contains (types, "assignment.cleared"));
        }
      /* Professional: through a department, or settled by the grid
       * worker's mediation (小事不出网格). */
      if (grade == 1 && g_hash_table_contains (types, "incident.closed") &&
          !(g_hash_table_contains (types, "incident.mediated") && !g_hash_table_contains (types, "incident.routed")))
        {
          g_assert_true (g_hash_table_contains (types, "incident.accepted"));
          g_assert_true (g_hash_table_contains (types, "incident.feedback_given"));
          g_assert_true (g_hash_table_contains (types, "incident.verified"));
        }
    }
  g_test_message ("closed: %u general, %u professional, %u emergency", closed[0], closed[1], closed[2]);
  g_assert_cmpuint (closed[0], >=, 1);
  g_assert_cmpuint (closed[1], >=, 1);
  g_assert_cmpuint (closed[2], >=, 1);
  g_assert_cmpuint (emergencies, >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.rejection_requested"), >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.rejected") + count_type (journal, "incident.rejection_denied"), ==,
                    count_type (journal, "incident.rejection_requested"));
  g_assert_cmpuint (count_type (journal, "incident.rejected"), >=, 1);

  /* The rest of the cycle: disputes mediated in the grid first, extension
   * requests answered, late departments supervised and answering, hotline
   * cases called back before they close (one unsatisfied: reworked). */
  g_assert_cmpuint (count_type (journal, "incident.mediated"), >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.extension_requested"), >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.extended") + count_type (journal, "incident.extension_declined"),
                    >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.supervised"), >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.supervision_answered"), >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.called_back"), >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.reworked"), >=, 1);
  {
    g_autoptr(GHashTable) hotline = g_hash_table_new (g_str_hash, g_str_equal);

    for (guint i = 0; i < journal->events->len; i++)
      {
        JsonObject *event = g_ptr_array_index (journal->events, i);
        const char *type = json_object_get_string_member (event, "type");
        const char *incident = json_object_get_string_member_with_default (event, "incident", NULL);
        JsonObject *body = json_object_get_object_member (event, "body");

        if (g_str_equal (type, "incident.reported") &&
            g_strcmp0 (json_object_get_string_member_with_default (body, "source", NULL), "hotline_12345") == 0)
          g_hash_table_add (hotline, (gpointer) incident);
        else if (g_str_equal (type, "incident.called_back"))
          g_hash_table_remove (hotline, incident);
        else if (g_str_equal (type, "incident.closed"))
          g_assert_false (g_hash_table_contains (hotline, incident));
      }
  }
  g_assert_cmpuint (count_type (journal, "alarm.escalated"), >=, 1);
  g_assert_cmpuint (count_type (journal, "incident.overdue"), >=, 1);

  /* A force that never acknowledged was cancelled and replaced. */
  {
    guint unacknowledged = 0;

    for (guint i = 0; i < journal->events->len; i++)
      {
        JsonObject *event = g_ptr_array_index (journal->events, i);

        if (g_str_equal (json_object_get_string_member (event, "type"), "assignment.cancelled") &&
            g_strcmp0 (json_object_get_string_member_with_default (json_object_get_object_member (event, "body"),
                                                                   "reason", NULL), "超时未确认，改派") == 0)
          unacknowledged++;
      }
    g_assert_cmpuint (unacknowledged, >=, 1);
  }

  /* The field acts with its own accounts, and every report went through
   * exactly once, across the restart: report/1 ... report/N, no gaps. */
  {
    g_autofree char *label = g_strdup_printf ("wangge-sim/%s", SEED);

    ns = wg_uuid_derive ("00000000-0000-0000-0000-000000000000", label);
  }
  for (guint i = 0; i < journal->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (journal->events, i);
      const char *type = json_object_get_string_member (event, "type");
      const char *actor = json_object_get_string_member_with_default (event, "actor", "");

      if (g_str_equal (type, "incident.reported"))
        {
          /* The field reports; the centre takes the 12345 calls. */
          if (g_strcmp0 (json_object_get_string_member_with_default (json_object_get_object_member (event, "body"),
                                                                     "source", NULL), "hotline_12345") == 0)
            g_assert_cmpstr (actor, ==, "dispatcher");
          else
            g_assert_true (g_str_has_prefix (actor, "worker-"));
          g_hash_table_add (report_ids, g_strdup (json_object_get_string_member (event, "command")));
          reports++;
        }
      else if (g_str_equal (type, "incident.accepted") || g_str_equal (type, "incident.rejection_requested"))
        g_assert_true (g_str_has_prefix (actor, "dept-"));
      /* The centre approves a department's request to reject. */
      else if (g_str_equal (type, "incident.rejected"))
        g_assert_cmpstr (actor, ==, "dispatcher");
      else if (g_str_equal (type, "assignment.acknowledged"))
        g_assert_cmpstr (actor, !=, "dispatcher");
    }
  g_assert_cmpuint (g_hash_table_size (report_ids), ==, reports);

  /* The grid's own worker (the one who reported) is in the first dispatch
   * of every emergency whenever it was free then. */
  {
    g_autoptr(GHashTable) reporter = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) unit_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GHashTable) dispatched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    guint own_first = 0;

    for (guint i = 0; i < journal->events->len; i++)
      {
        JsonObject *event = g_ptr_array_index (journal->events, i);
        const char *type = json_object_get_string_member (event, "type");
        const char *incident = json_object_get_string_member_with_default (event, "incident", NULL);
        const char *actor = json_object_get_string_member_with_default (event, "actor", "");
        JsonObject *body = json_object_get_object_member (event, "body");

        if (g_str_equal (type, "incident.reported") && g_str_has_prefix (actor, "worker-"))
          g_hash_table_insert (reporter, g_strdup (incident), g_strdup_printf ("gw-%s", actor + 7));
        else if (g_str_equal (type, "assignment.created"))
          {
            const char *unit = json_object_get_string_member (body, "unit");
            const char *own = g_hash_table_lookup (reporter, incident);
            const char *command = json_object_get_string_member (event, "command");

            if (own != NULL && !g_hash_table_contains (dispatched, incident) &&
                !g_hash_table_contains (busy, own))
              {
                /* the first dispatch's events: this one and the ones after it */
                gboolean has_own = FALSE;

                for (guint k = i; k < journal->events->len; k++)
                  {
                    JsonObject *e = g_ptr_array_index (journal->events, k);

                    if (g_strcmp0 (json_object_get_string_member_with_default (e, "command", NULL), command) != 0)
                      break;
                    if (g_str_equal (json_object_get_string_member (e, "type"), "assignment.created"))
                      has_own |= g_str_equal (json_object_get_string_member (json_object_get_object_member (e, "body"),
                                                                             "unit"), own);
                  }
                g_assert_true (has_own);
                own_first++;
              }
            g_hash_table_add (dispatched, g_strdup (incident));
            g_hash_table_add (busy, g_strdup (unit));
            g_hash_table_insert (unit_of, g_strdup (json_object_get_string_member (event, "subject")), g_strdup (unit));
          }
        else if (g_str_equal (type, "assignment.cleared") || g_str_equal (type, "assignment.cancelled"))
          {
            const char *unit = g_hash_table_lookup (unit_of, json_object_get_string_member (event, "subject"));

            if (unit != NULL)
              g_hash_table_remove (busy, unit);
          }
      }
    g_test_message ("own grid worker in the first dispatch: %u", own_first);
    g_assert_cmpuint (own_first, >=, 1);
  }
  for (guint n = 1; n <= reports; n++)
    {
      g_autofree char *label = g_strdup_printf ("report/%u", n);
      g_autofree char *id = wg_uuid_derive (ns, label);

      g_assert_true (g_hash_table_contains (report_ids, id));
    }
  journal_free (journal);

  /* Positions flow: every grid worker has a latest point, and they move. */
  latest = wg_test_server_get (server, "/api/v1/positions/latest");
  g_assert_cmpuint (latest->status, ==, 200);
  positions = json_object_get_array_member (wg_test_response_object (latest), "positions");
  for (guint i = 0; i < json_array_get_length (positions); i++)
    patrolling += g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (positions, i),
                                                                   "unit"), "gw-");
  g_assert_cmpuint (patrolling, ==, 63);
  /* Every force with a device is on the map, not only when dispatched:
   * leaders, police, auxiliaries, emergency units, department teams. */
  {
    const struct { const char *prefix; guint n; } devices[] = {
      { "gl-", 11 }, { "cp-", 22 }, { "ap-", 22 }, { "eu-", 16 }, { "dt-", 21 },
    };

    for (guint k = 0; k < G_N_ELEMENTS (devices); k++)
      {
        guint n = 0;

        for (guint i = 0; i < json_array_get_length (positions); i++)
          n += g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (positions, i),
                                                                "unit"), devices[k].prefix);
        g_assert_cmpuint (n, ==, devices[k].n);
      }
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/positions?from=0&to=%" G_GINT64_FORMAT "&unit=gw-01",
                                             wg_test_now_ms () + 1000);

    track = wg_test_server_get (server, path);
  }
  g_assert_cmpuint (track->status, ==, 200);
  positions = json_object_get_array_member (wg_test_response_object (track), "positions");
  g_assert_cmpuint (json_array_get_length (positions), >=, 2);
  for (guint i = 0; i < json_array_get_length (positions); i++)
    {
      JsonObject *point = json_array_get_object_element (positions, i);
      double lat = json_object_get_double_member (point, "lat"), lon = json_object_get_double_member (point, "lon");

      if (i > 0 && (lat != lat0 || lon != lon0))
        moved = TRUE;
      lat0 = lat;
      lon0 = lon;
    }
  g_assert_true (moved);

  /* A police car patrols its police grid. */
  g_clear_pointer (&track, wg_test_response_free);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/positions?from=0&to=%" G_GINT64_FORMAT "&unit=cp-12",
                                             wg_test_now_ms () + 1000);

    track = wg_test_server_get (server, path);
  }
  g_assert_cmpuint (track->status, ==, 200);
  positions = json_object_get_array_member (wg_test_response_object (track), "positions");
  g_assert_cmpuint (json_array_get_length (positions), >=, 2);
  moved = FALSE;
  for (guint i = 0; i < json_array_get_length (positions); i++)
    {
      JsonObject *point = json_array_get_object_element (positions, i);
      double lat = json_object_get_double_member (point, "lat"), lon = json_object_get_double_member (point, "lon");

      if (i > 0 && (lat != lat0 || lon != lon0))
        moved = TRUE;
      lat0 = lat;
      lon0 = lon;
    }
  g_assert_true (moved);
}

G_GNUC_UNUSED static void
test_sim_bad_arguments (void)
{
  const char *sim_bin = WANGGE_SIM_BIN;
  g_autoptr(GSubprocess) sim = NULL;
  g_autoptr(GError) error = NULL;

  sim = g_subprocess_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, sim_bin, "--speed", "-3", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (sim, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (sim), ==, 2);
}

G_GNUC_UNUSED static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The reports of one run: "command category grade grid lat lon" lines,
 * sorted.  Reports of categories with a scene carry a generated photo
 * (half of them here): each one is readable by the leader; @photos says
 * how many. */
G_GNUC_UNUSED static char *
run_for_reports (const char *seed,
                 guint      *photos)
{
  g_autofree char *leader = NULL;
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autoptr(GSubprocess) sim = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  Journal *journal;

  wg_test_server_start (server, (const char *[]) { "--demo", NULL });
  sim = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, WANGGE_SIM_BIN,
                          "--server", server->base_url, "--speed", "600", "--seed", seed,
                          "--duration", "900", "--reports-per-hour", "180", "--photo-share", "0.5", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (sim, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (sim), ==, 0);

  *photos = 0;
  leader = wg_test_server_login (server, "leader", "demo");
  journal = read_journal (server);
  for (guint i = 0; i < journal->events->len; i++)
    {
      JsonObject *event = g_ptr_array_index (journal->events, i);
      JsonObject *body = json_object_get_object_member (event, "body");
      JsonObject *location;

      if (!g_str_equal (json_object_get_string_member (event, "type"), "incident.reported"))
        continue;
      if (json_object_has_member (body, "attachments"))
        {
          JsonArray *attachments = json_object_get_array_member (body, "attachments");
          g_autofree char *path = NULL;
          g_autoptr(WgTestResponse) r = NULL;

          g_assert_cmpuint (json_array_get_length (attachments), ==, 1);
          path = g_strdup_printf ("/api/v1/attachments/%s/thumbnail", json_array_get_string_element (attachments, 0));
          r = wg_test_server_request_as (server, leader, "GET", path, NULL, NULL);
          g_assert_cmpuint (r->status, ==, 200);
          g_assert_cmpstr (r->content_type, ==, "image/jpeg");
          (*photos)++;
        }
      location = json_object_get_object_member (body, "location");
      g_ptr_array_add (lines, g_strdup_printf ("%s %s %s %s %.7f %.7f\n",
                                               json_object_get_string_member (event, "command"),
                                               json_object_get_string_member (body, "category"),
                                               json_object_get_string_member (body, "grade"),
                                               json_object_get_string_member (body, "grid"),
                                               json_object_get_double_member (location, "lat"),
                                               json_object_get_double_member (location, "lon")));
    }
  journal_free (journal);
  g_ptr_array_sort (lines, compare_lines);
  {
    GString *all = g_string_new (NULL);

    for (guint i = 0; i < lines->len; i++)
      g_string_append (all, g_ptr_array_index (lines, i));
    return g_string_free (all, FALSE);
  }
}

/* The same seed gives the same reports (ids, categories, grades, places)
 * and the same photos, however the ticks fall. */
G_GNUC_UNUSED static void
test_sim_deterministic (void)
{
  guint first_photos = 0, second_photos = 0;
  g_autofree char *first = run_for_reports ("9", &first_photos);
  g_autofree char *second = run_for_reports ("9", &second_photos);

  /* About 45 reports in 15 simulated minutes at 180 an hour. */
  g_assert_cmpuint (strlen (first), >, 20 * 60);
  g_assert_cmpstr (first, ==, second);
  /* Photos are drawn from the incident, not from the random streams. */
  g_test_message ("%u reports with a photo", first_photos);
  g_assert_cmpuint (first_photos, >, 0);
  g_assert_cmpuint (first_photos, ==, second_photos);
}

/* SIGTERM stops the simulator cleanly: exit 0 after its summary line. */
G_GNUC_UNUSED static void
test_sim_sigterm (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) sim = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *first = NULL;
  char *line;
  gboolean summary = FALSE;

  wg_test_server_start (server, (const char *[]) { "--demo", NULL });
  sim = g_subprocess_launcher_spawn (launcher, &error, WANGGE_SIM_BIN, "--server", server->base_url,
                                     "--speed", "60", "--seed", "3", "--reports-per-hour", "600", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (sim));
  /* Its first line once every worker is logged in and the clock runs. */
  first = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (first, "wangge-sim: 63 grid workers patrolling"));
  wg_test_iterate_for (2000);
  g_subprocess_send_signal (sim, SIGTERM);
  while ((line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error)) != NULL)
    {
      summary |= strstr (line, "] reports ") != NULL;
      g_free (line);
    }
  g_assert_no_error (error);
  g_assert_true (summary);
  g_assert_true (g_subprocess_wait (sim, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (sim));
  g_assert_cmpint (g_subprocess_get_exit_status (sim), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Built twice (tests/integration/meson.build): the long run alone, so
   * that meson runs it beside the short cases. */
#ifdef WG_TEST_SIM_FULL_RUN
  g_test_add_func ("/sim/full-run", test_sim_full_run);
#else
  g_test_add_func ("/sim/bad-arguments", test_sim_bad_arguments);
  g_test_add_func ("/sim/deterministic", test_sim_deterministic);
  g_test_add_func ("/sim/sigterm", test_sim_sigterm);
#endif
  return g_test_run ();
}
