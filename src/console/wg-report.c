/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `wangge report`: logs in like the console (--server, --username, the
 * password from WANGGE_PASSWORD), reads what it needs from the server and
 * writes a bulletin or an after-action review of an incident or of an
 * exercise.  A process of its own with no display: it never initialises
 * GTK.
 */
#define G_LOG_DOMAIN "wg-report"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-api-client.h"
#include "wg-drill-session.h"
#include "wg-event.h"
#include "wg-report.h"

/* The journal page the server gives at most. */
#define JOURNAL_PAGE 5000
/* An exercise's journal page. */
#define EXERCISE_PAGE 1000

typedef struct
{
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

static gboolean
problem_to_error (WgProblem  *problem,
                  GError    **error)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s (%u %s)",
               problem->detail != NULL ? problem->detail : problem->title, problem->status, problem->code);
  return FALSE;
}

/* One request, waited for: this process has nothing else to do meanwhile.
 * With @forbidden, a 403 answers NULL with no error and sets it. */
static JsonNode *
request_unless_forbidden (WgApiClient *client,
                          const char  *path,
                          gboolean    *forbidden,
                          GError     **error)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(WgProblem) problem = NULL;
  JsonNode *node;

  wg_api_client_request_async (client, "GET", path, NULL, NULL, done_cb, &wait);
  g_main_loop_run (wait.loop);
  node = wg_api_client_request_finish (client, wait.result, &problem, error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  if (node == NULL && problem != NULL && problem->status == 403 && forbidden != NULL)
    {
      *forbidden = TRUE;
      return NULL;
    }
  if (node == NULL && problem != NULL)
    problem_to_error (problem, error);
  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    {
      json_node_unref (node);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The server’s answer to %s is not an object"), path);
      return NULL;
    }
  return node;
}

static JsonNode *
request (WgApiClient *client,
         const char  *path,
         GError     **error)
{
  return request_unless_forbidden (client, path, NULL, error);
}

static gboolean
login (WgApiClient *client,
       const char  *username,
       const char  *password,
       GError     **error)
{
  Wait wait = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonObject) session = NULL;

  wg_api_client_login_async (client, username, password, NULL, done_cb, &wait);
  g_main_loop_run (wait.loop);
  session = wg_api_client_login_finish (client, wait.result, &problem, error);
  g_object_unref (wait.result);
  g_main_loop_unref (wait.loop);
  if (session == NULL && problem != NULL)
    return problem_to_error (problem, error);
  return session != NULL;
}

/* The incident's id from its case number: the first journal event that
 * reports it. */
static char *
find_incident (WgApiClient *client,
               const char  *case_number,
               GError     **error)
{
  gint64 after = 0;

  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=%d",
                                               after, JOURNAL_PAGE);
      g_autoptr(JsonNode) page = request (client, path, error);
      JsonObject *o;
      JsonArray *events;

      if (page == NULL)
        return NULL;
      o = json_node_get_object (page);
      events = json_object_get_array_member (o, "events");
      for (guint i = 0; events != NULL && i < json_array_get_length (events); i++)
        {
          JsonObject *e = json_array_get_object_element (events, i);
          JsonObject *body = json_object_get_object_member (e, "body");

          if (g_strcmp0 (json_object_get_string_member_with_default (e, "type", ""), "incident.reported") == 0 &&
              body != NULL &&
              g_strcmp0 (json_object_get_string_member_with_default (body, "case_number", ""), case_number) == 0)
            return g_strdup (json_object_get_string_member (e, "incident"));
        }
      if (!json_object_get_boolean_member_with_default (o, "more", FALSE))
        break;
      after = json_object_get_int_member (o, "head");
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("No incident has the case number %s"), case_number);
  return NULL;
}

static GPtrArray *
incident_events (WgApiClient *client,
                 const char  *id,
                 GError     **error)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/incidents/%s/events", id);
  g_autoptr(JsonNode) answer = request (client, path, error);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  JsonArray *array;

  if (answer == NULL)
    return NULL;
  array = json_object_get_array_member (json_node_get_object (answer), "events");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      WgEvent *event = wg_event_from_json (json_array_get_element (array, i), error);

      if (event == NULL)
        return NULL;
      g_ptr_array_add (events, event);
    }
  if (events->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The incident has no events in this account’s view"));
      return NULL;
    }
  return g_steal_pointer (&events);
}

/* The incident's replay bookmarks, by moment; NULL with no error when the
 * account's role may not read bookmarks (the review is made without). */
static JsonArray *
incident_bookmarks (WgApiClient *client,
                    const char  *id,
                    GError     **error)
{
  g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/bookmarks?incident=%s&limit=5000", escaped);
  gboolean forbidden = FALSE;
  g_autoptr(JsonNode) answer = request_unless_forbidden (client, path, &forbidden, error);
  JsonArray *bookmarks;

  if (answer == NULL)
    return NULL;
  bookmarks = json_object_get_array_member (json_node_get_object (answer), "bookmarks");
  return bookmarks != NULL ? json_array_ref (bookmarks) : json_array_new ();
}

/* The exercise's score as the trainer's grid had it: its journal played
 * into a drill session over a cache of its own, one event at a time, so
 * that the recommender proposes for each alarm from the state it was
 * raised in; beside it, for an exercise from a past incident, what the
 * real centre did.  Those who joined but never acted are only known to
 * the trainer's console and are not listed. */
static WgDrillScore *
exercise_score (WgApiClient *client,
                WgReference *reference,
                JsonObject  *record,
                GError     **error)
{
  const char *id = json_object_get_string_member_with_default (record, "id", "");
  g_autofree char *escaped = g_uri_escape_string (id, NULL, FALSE);
  g_autoptr(WgContext) context = wg_context_new_local (reference, ":memory:", NULL, error);
  g_autoptr(WgDrillSession) session = NULL;
  WgStore *cache;
  const char *source;
  gint64 after = 0, now;

  if (context == NULL)
    return NULL;
  wg_context_place_forces_at_home (context);
  cache = wg_context_get_store (context);
  session = wg_drill_session_new (context, id, json_object_get_string_member_with_default (record, "title", id));
  wg_drill_session_set_record (session, record);
  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/journal?after=%" G_GINT64_FORMAT "&limit=%d",
                                               escaped, after, EXERCISE_PAGE);
      g_autoptr(JsonNode) page = request (client, path, error);
      JsonArray *events;
      guint n;

      if (page == NULL)
        return NULL;
      events = json_object_get_array_member (json_node_get_object (page), "events");
      n = events != NULL ? json_array_get_length (events) : 0;
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
          WgEvent *event = wg_event_from_json (json_array_get_element (events, i), error);

          if (event == NULL)
            return NULL;
          g_ptr_array_add (one, event);
          after = MAX (after, event->seq);
          if (!wg_store_apply_events (cache, one, error))
            return NULL;
          wg_context_events_applied (context, one);
        }
      if (n == 0 || !json_object_get_boolean_member_with_default (json_node_get_object (page), "more", FALSE))
        break;
    }

  source = wg_drill_session_get_source_incident (session);
  if (source != NULL)
    {
      g_autoptr(GPtrArray) real = incident_events (client, source, error);

      if (real == NULL)
        return NULL;
      wg_drill_scorer_set_reality (wg_drill_session_get_scorer (session), source, real);
    }
  /* The exercise's clock now (paused time left out), or where it ended. */
  now = json_object_get_int_member_with_default (record, "clock",
                                                 json_object_get_int_member_with_default (record, "start_clock", 0));
  return wg_drill_scorer_compute (wg_drill_session_get_scorer (session), now,
                                  g_strcmp0 (json_object_get_string_member_with_default (record, "state", ""),
                                             "ended") == 0);
}

static int
fail (GError *error)
{
  g_printerr (_("wangge report: %s\n"), error->message);
  return 1;
}

int
wg_report_main (int    argc,
                char **argv)
{
  g_autofree char *server = NULL, *username = NULL, *period = NULL, *incident = NULL, *exercise = NULL;
  g_autofree char *output = NULL, *ca_file = NULL;
  const GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &server, N_("The server, as the console’s --server"), N_("URL") },
    { "username", 0, 0, G_OPTION_ARG_STRING, &username, N_("Log in as NAME (the password comes from WANGGE_PASSWORD)"), N_("NAME") },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file, N_("Trust this CA certificate for the server"), N_("FILE") },
    { "period", 0, 0, G_OPTION_ARG_STRING, &period, N_("The bulletin of a period: YYYY, YYYY-MM or YYYY-MM-DD"), N_("PERIOD") },
    { "incident", 0, 0, G_OPTION_ARG_STRING, &incident, N_("The after-action review of one incident"), N_("CASE-NUMBER") },
    { "exercise", 0, 0, G_OPTION_ARG_STRING, &exercise, N_("The after-action review of an exercise, with its scores"), N_("ID") },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, N_("Write to FILE: .pdf, or .csv for a bulletin"), N_("FILE") },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgApiClient) client = NULL;
  g_autoptr(JsonNode) reference_json = NULL;
  g_autoptr(WgReference) reference = NULL;
  const char *password = g_getenv ("WANGGE_PASSWORD");
  gboolean csv;

  g_option_context_set_summary (context, _("Writes the centre’s bulletin of a period (PDF or CSV) or the "
                                           "after-action review of one incident or of an exercise (PDF), "
                                           "from the server."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return fail (error);
  if (server == NULL || username == NULL || output == NULL ||
      (period != NULL) + (incident != NULL) + (exercise != NULL) != 1)
    {
      g_printerr (_("wangge report: give --server, --username, -o FILE and one of --period, --incident or --exercise\n"));
      return 2;
    }
  if (password == NULL)
    {
      g_printerr (_("wangge report: the password comes from WANGGE_PASSWORD\n"));
      return 2;
    }
  csv = g_str_has_suffix (output, ".csv");
  if (!csv && !g_str_has_suffix (output, ".pdf"))
    {
      g_printerr (_("wangge report: the output is a .pdf or a .csv file\n"));
      return 2;
    }
  if (csv && (incident != NULL || exercise != NULL))
    {
      g_printerr (_("wangge report: an after-action review is a PDF\n"));
      return 2;
    }

  client = wg_api_client_new (server, FALSE, &error);
  if (client == NULL || (ca_file != NULL && !wg_api_client_set_ca_file (client, ca_file, &error)) ||
      !login (client, username, password, &error))
    return fail (error);
  reference_json = request (client, "/api/v1/reference", &error);
  if (reference_json == NULL ||
      (reference = wg_reference_load_bundle (json_node_get_object (reference_json), &error)) == NULL)
    return fail (error);

  if (period != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (period, NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/api/v1/statistics?period=%s", escaped);
      g_autoptr(JsonNode) statistics = request (client, path, &error);

      if (statistics == NULL ||
          !(csv ? wg_report_bulletin_csv (json_node_get_object (statistics), reference, output, &error)
                : wg_report_bulletin_pdf (json_node_get_object (statistics), reference, period, output, &error)))
        return fail (error);
    }
  else if (exercise != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (exercise, NULL, FALSE);
      g_autofree char *path = g_strconcat ("/api/v1/exercises/", escaped, NULL);
      g_autoptr(JsonNode) record = request (client, path, &error);
      g_autoptr(WgDrillScore) score = record != NULL ? exercise_score (client, reference, json_node_get_object (record),
                                                                       &error) : NULL;

      if (score == NULL ||
          !wg_report_exercise_pdf (json_node_get_object (record), score, reference, output, &error))
        return fail (error);
    }
  else
    {
      g_autofree char *id = find_incident (client, incident, &error);
      g_autoptr(GPtrArray) events = id != NULL ? incident_events (client, id, &error) : NULL;
      g_autoptr(JsonArray) bookmarks = events != NULL ? incident_bookmarks (client, id, &error) : NULL;

      if (events == NULL || error != NULL ||
          !wg_report_incident_pdf (events, bookmarks, reference, output, &error))
        return fail (error);
    }
  return 0;
}
