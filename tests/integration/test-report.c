/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `wangge report` as a user runs it, without a display, against the real
 * server with 60 days of generated history: the CSV bulletin (BOM, CRLF,
 * named columns, a row per department, a last row `total` counting every
 * case received) agrees with GET /api/v1/statistics; the PDFs are A4 with
 * every font embedded and carry the CSV's figures in English and Chinese;
 * the after-action review names its case; the exercise's review carries
 * its score grid (trainees, decisions with their times, forces and points,
 * the total, the recommender's proposal); bad invocations say why.
 */
#include "config.h"

#include <glib/gstdio.h>

#include "test-files.h"
#include "wg-test-server.h"

static WgTestServer *server;
static char *leader;
static char *dir;

/* Runs `wangge report ARGS...`; returns the exit status, stdout+stderr in @out. */
static int
report (const char  *language,
        const char  *password,
        char       **out,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *standard_out = NULL, *standard_err = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list args;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) WANGGE_CONSOLE_BIN);
  g_ptr_array_add (argv, (gpointer) "report");
  va_start (args, out);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  env = g_environ_unsetenv (env, "DISPLAY");
  env = g_environ_unsetenv (env, "WAYLAND_DISPLAY");
  env = password != NULL ? g_environ_setenv (env, "WANGGE_PASSWORD", password, TRUE)
                         : g_environ_unsetenv (env, "WANGGE_PASSWORD");
  env = language != NULL ? g_environ_setenv (env, "LANGUAGE", language, TRUE) : g_environ_unsetenv (env, "LANGUAGE");
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, env, G_SPAWN_DEFAULT, NULL, NULL,
                               &standard_out, &standard_err, &status, &error));
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_strconcat (standard_out, standard_err, NULL);
  return g_spawn_check_wait_status (status, NULL) ? 0 : WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static char *
run_tool (const char *tool,
          const char *option,
          const char *path)
{
  const char *argv[] = { tool, option, path, "-", NULL };
  g_autofree char *err = NULL;
  char *out = NULL;
  int status = 0;

  if (g_str_equal (tool, "pdftotext"))
    {
      g_assert_true (g_spawn_sync (NULL, (char **) (const char *[]) { tool, "-layout", path, "-", NULL },
                                   NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, NULL));
    }
  else
    {
      argv[1] = path;
      argv[2] = NULL;
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err,
                                   &status, NULL));
    }
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
check_pdf (const char *path,
           guint       min_pages)
{
  g_autofree char *info = run_tool ("pdfinfo", NULL, path);
  g_autofree char *fonts = run_tool ("pdffonts", NULL, path);
  g_auto(GStrv) lines = g_strsplit (fonts, "\n", -1);
  const char *pages = strstr (info, "Pages:");
  guint n_fonts = 0;

  g_assert_nonnull (strstr (info, "595.276 x 841.89 pts (A4)"));
  g_assert_nonnull (pages);
  g_assert_cmpuint (g_ascii_strtoull (pages + strlen ("Pages:"), NULL, 10), >=, min_pages);
  /* pdffonts: two header lines, then name type encoding emb sub uni ... */
  for (guint i = 2; lines[i] != NULL; i++)
    {
      g_auto(GStrv) columns = NULL;
      guint n;

      if (*lines[i] == '\0')
        continue;
      columns = g_regex_split_simple ("\\s+", lines[i], 0, 0);
      n = g_strv_length (columns);
      g_assert_cmpuint (n, >=, 7);
      /* emb is the fourth column from the end (emb sub uni object ID). */
      g_assert_cmpstr (columns[n - 5], ==, "yes");
      n_fonts++;
    }
  g_assert_cmpuint (n_fonts, >, 0);
}

static JsonObject *
statistics (void)
{
  WgTestResponse *r = wg_test_server_request_as (server, leader, "GET", "/api/v1/statistics?period=2026-11", NULL, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  return json_object_ref (wg_test_response_object (r));
}

static void
test_csv (void)
{
  g_autofree char *path = g_build_filename (dir, "bulletin.csv", NULL);
  g_autofree char *text = NULL, *out = NULL;
  g_autoptr(JsonObject) stats = statistics ();
  JsonArray *departments = json_object_get_array_member (stats, "departments");
  g_auto(GStrv) rows = NULL;
  g_auto(GStrv) header = NULL;
  gsize length;
  guint n_rows, incidents_column = 0;

  g_assert_cmpint (report (NULL, "demo", &out, "--server", server->base_url, "--username", "leader",
                           "--period", "2026-11", "-o", path, NULL), ==, 0);
  g_assert_true (g_file_get_contents (path, &text, &length, NULL));
  g_assert_true (g_str_has_prefix (text, "\xEF\xBB\xBF"));
  g_assert_true (g_str_has_suffix (text, "\r\n"));
  rows = g_strsplit (text + 3, "\r\n", -1);
  n_rows = g_strv_length (rows) - 1;     /* the last split is empty */
  g_assert_cmpuint (n_rows, ==, json_array_get_length (departments) + 2);
  header = g_strsplit (rows[0], ",", -1);
  g_assert_cmpstr (header[0], ==, "department");
  while (header[incidents_column] != NULL && !g_str_equal (header[incidents_column], "incidents"))
    incidents_column++;
  g_assert_nonnull (header[incidents_column]);

  for (guint i = 1; i < n_rows; i++)
    {
      g_auto(GStrv) cells = g_strsplit (rows[i], ",", -1);

      g_assert_cmpuint (g_strv_length (cells), ==, g_strv_length (header));
      if (i == n_rows - 1)
        {
          g_assert_cmpstr (cells[0], ==, "total");
          g_assert_cmpint (g_ascii_strtoll (cells[incidents_column], NULL, 10), ==,
                           json_object_get_int_member (stats, "received"));
        }
      else
        {
          JsonObject *d = json_array_get_object_element (departments, i - 1);

          g_assert_cmpstr (cells[0], ==, json_object_get_string_member (d, "department"));
          g_assert_cmpint (g_ascii_strtoll (cells[incidents_column], NULL, 10), ==,
                           json_object_get_int_member (d, "routed"));
        }
    }
}

static void
test_pdf_bulletin (void)
{
  g_autofree char *en = g_build_filename (dir, "bulletin.pdf", NULL);
  g_autofree char *zh = g_build_filename (dir, "bulletin-zh.pdf", NULL);
  g_autoptr(JsonObject) stats = statistics ();
  g_autofree char *received = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (stats, "received"));
  g_autofree char *closure = g_strdup_printf ("%.2f%%", json_object_get_double_member (stats, "closure_rate") * 100);
  g_autofree char *text_en = NULL, *text_zh = NULL;

  g_assert_cmpint (report (NULL, "demo", NULL, "--server", server->base_url, "--username", "leader",
                           "--period", "2026-11", "-o", en, NULL), ==, 0);
  g_assert_cmpint (report ("zh_CN", "demo", NULL, "--server", server->base_url, "--username", "leader",
                           "--period", "2026-11", "-o", zh, NULL), ==, 0);
  check_pdf (en, 1);
  check_pdf (zh, 1);
  text_en = run_tool ("pdftotext", NULL, en);
  text_zh = run_tool ("pdftotext", NULL, zh);
  g_assert_nonnull (strstr (text_en, "Bulletin of the grid centre, 2026-11"));
  g_assert_nonnull (strstr (text_zh, "网格中心通报"));
  g_assert_nonnull (strstr (text_zh, "办结率"));
  g_assert_nonnull (strstr (text_zh, "职能部门考核"));
  for (const char *text = text_en; text != NULL; text = text == text_en ? text_zh : NULL)
    {
      JsonArray *departments = json_object_get_array_member (stats, "departments");

      g_assert_nonnull (strstr (text, received));
      g_assert_nonnull (strstr (text, closure));
      /* Each department's score, as the CSV has it. */
      for (guint i = 0; i < json_array_get_length (departments); i++)
        {
          g_autofree char *score = g_strdup_printf ("%.2f", json_object_get_double_member (
                                                      json_array_get_object_element (departments, i), "score"));
          g_assert_nonnull (strstr (text, score));
        }
    }
}

static void
test_incident (void)
{
  g_autoptr(WgTestResponse) page = wg_test_server_request_as (server, leader, "GET", "/api/v1/journal?limit=5000",
                                                              NULL, NULL);
  JsonArray *events = json_object_get_array_member (wg_test_response_object (page), "events");
  g_autofree char *path = g_build_filename (dir, "review.pdf", NULL);
  g_autofree char *text = NULL;
  g_autofree char *bookmark = NULL;
  g_autofree char *moment = NULL;
  const char *case_number = NULL, *incident = NULL;
  gint64 reported_at = 0;

  for (guint i = 0; i < json_array_get_length (events) && case_number == NULL; i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      JsonObject *body = json_object_get_object_member (e, "body");

      if (g_str_equal (json_object_get_string_member (e, "type"), "incident.reported") &&
          g_str_equal (json_object_get_string_member (body, "grade"), "emergency"))
        {
          case_number = json_object_get_string_member (body, "case_number");
          incident = json_object_get_string_member (e, "incident");
          reported_at = json_object_get_int_member (e, "ts");
        }
    }
  g_assert_nonnull (case_number);

  /* A trainer's bookmark on the case, 90 s after the report: the review
   * lists it with its moment (the centre's time), author and remark. */
  bookmark = g_strdup_printf ("{\"moment\": %" G_GINT64_FORMAT ", \"incident\": \"%s\","
                              " \"remark\": \"此时应先派最近的网格员\"}", reported_at + 90000, incident);
  {
    g_autofree char *trainer = wg_test_server_login (server, "trainer", "demo");
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer, "POST", "/api/v1/bookmarks",
                                                             "application/json", bookmark);
    g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("Asia/Shanghai");
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc ((reported_at + 90000) / 1000);
    g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);

    g_assert_cmpuint (r->status, ==, 201);
    moment = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  }
  g_assert_cmpint (report ("zh_CN", "demo", NULL, "--server", server->base_url, "--username", "leader",
                           "--incident", case_number, "-o", path, NULL), ==, 0);
  check_pdf (path, 1);
  text = run_tool ("pdftotext", NULL, path);
  g_assert_nonnull (strstr (text, case_number));
  g_assert_nonnull (strstr (text, "复盘报告"));
  g_assert_nonnull (strstr (text, "告警"));
}

static WgTestResponse *
exercise_command (const char *exercise,
                  const char *token,
                  const char *type,
                  const char *body_json)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/commands", exercise);
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"%s\",\"body\":%s}", id, type, body_json);

  return wg_test_server_request_as (server, token, "POST", path, "application/json", text);
}

/* A fire drill: the leader acknowledges at once, the dispatcher sends two
 * emergency units and an auxiliary police officer (the plan asks for six
 * forces: four missing, one extra), the trainer ends it.  Scores by
 * docs/drills.md: the acknowledgement 100; the dispatch's time 100, its
 * forces 100 × (6 − 4) / 6 − 10 = 23.3, so 61.7; the exercise
 * (100 + 61.7) / 2 = 80.8. */
static void
test_exercise (void)
{
  g_autofree char *trainer = wg_test_server_login (server, "trainer", "demo");
  g_autofree char *dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  g_autofree char *en = g_build_filename (dir, "exercise.pdf", NULL);
  g_autofree char *zh = g_build_filename (dir, "exercise-zh.pdf", NULL);
  g_autofree char *text_en = NULL, *text_zh = NULL, *ack = NULL, *assign = NULL;
  g_autoptr(WgTestResponse) started = wg_test_server_request_as (server, trainer, "POST", "/api/v1/exercises",
                                                                 "application/json",
                                                                 "{\"scenario\":\"fire-residential.json\"}");
  g_autoptr(WgTestResponse) page = NULL;
  const char *id, *incident, *case_number = NULL;
  JsonArray *events;

  g_assert_cmpuint (started->status, ==, 201);
  id = json_object_get_string_member (wg_test_response_object (started), "id");
  incident = json_object_get_string_member (wg_test_response_object (started), "incident");
  ack = g_strdup_printf ("{\"incident\":\"%s\"}", incident);
  assign = g_strdup_printf ("{\"incident\":\"%s\",\"units\":[\"eu-01\",\"eu-02\",\"ap-01\"]}", incident);
  {
    g_autoptr(WgTestResponse) acked = exercise_command (id, leader, "alarm.acknowledge", ack);
    g_autoptr(WgTestResponse) assigned = exercise_command (id, dispatcher, "dispatch.assign", assign);
    g_autoptr(WgTestResponse) ended = exercise_command (id, trainer, "exercise.end", "{}");

    g_assert_cmpuint (acked->status, ==, 200);
    g_assert_cmpuint (assigned->status, ==, 200);
    g_assert_cmpuint (ended->status, ==, 200);
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/journal?after=0", id);

    page = wg_test_server_request_as (server, trainer, "GET", path, NULL, NULL);
  }
  events = json_object_get_array_member (wg_test_response_object (page), "events");
  for (guint i = 0; i < json_array_get_length (events) && case_number == NULL; i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);

      if (g_str_equal (json_object_get_string_member (e, "type"), "incident.reported"))
        case_number = json_object_get_string_member (json_object_get_object_member (e, "body"), "case_number");
    }
  g_assert_true (g_str_has_prefix (case_number, "EX-HL-"));

  g_assert_cmpint (report (NULL, "demo", NULL, "--server", server->base_url, "--username", "trainer",
                           "--exercise", id, "-o", en, NULL), ==, 0);
  g_assert_cmpint (report ("zh_CN", "demo", NULL, "--server", server->base_url, "--username", "trainer",
                           "--exercise", id, "-o", zh, NULL), ==, 0);
  check_pdf (en, 1);
  check_pdf (zh, 1);
  text_en = run_tool ("pdftotext", NULL, en);
  text_zh = run_tool ("pdftotext", NULL, zh);
  g_assert_nonnull (strstr (text_en, "After-action review of the exercise"));
  g_assert_nonnull (strstr (text_en, "Exercise score 81 of 100 over 2 decisions"));
  g_assert_nonnull (strstr (text_en, "fire-residential.json"));
  g_assert_nonnull (strstr (text_en, "Recommender proposed"));
  g_assert_nonnull (strstr (text_zh, "演练"));
  g_assert_nonnull (strstr (text_zh, "复盘报告"));
  g_assert_nonnull (strstr (text_zh, "推荐"));
  for (const char *text = text_en; text != NULL; text = text == text_en ? text_zh : NULL)
    {
      g_assert_nonnull (strstr (text, id));
      g_assert_nonnull (strstr (text, case_number));
      /* The trainees' rows: taken, missed, score. */
      g_assert_true (g_regex_match_simple ("leader .* 1 +0 +100\\b", text, 0, 0));
      g_assert_true (g_regex_match_simple ("dispatcher .* 1 +0 +62\\b", text, 0, 0));
    }
}

static void
test_refusals (void)
{
  g_autofree char *path = g_build_filename (dir, "never.pdf", NULL);
  g_autofree char *out1 = NULL, *out2 = NULL, *out3 = NULL, *out4 = NULL, *out5 = NULL;

  g_assert_cmpint (report (NULL, "demo", &out1, "--server", server->base_url, "--username", "leader", "-o", path, NULL), ==, 2);
  g_assert_nonnull (strstr (out1, "--period"));
  g_assert_cmpint (report (NULL, "wrong", &out2, "--server", server->base_url, "--username", "leader",
                           "--period", "2026-11", "-o", path, NULL), ==, 1);
  g_assert_cmpint (report (NULL, "demo", &out3, "--server", server->base_url, "--username", "leader",
                           "--incident", "HL-19990101-0001", "-o", path, NULL), ==, 1);
  g_assert_nonnull (strstr (out3, "HL-19990101-0001"));
  g_assert_cmpint (report (NULL, "demo", &out4, "--server", server->base_url, "--username", "leader",
                           "--period", "2026-13", "-o", path, NULL), ==, 1);
  g_assert_cmpint (report (NULL, "demo", &out5, "--server", server->base_url, "--username", "trainer",
                           "--exercise", "ex-nowhere", "-o", path, NULL), ==, 1);
  g_assert_nonnull (strstr (out5, "unknown-exercise"));
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  const char *args[] = { "--demo", "--demo-days", "60", "--demo-anchor", "2026-11-28", NULL };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/report/csv-bulletin", test_csv);
  g_test_add_func ("/report/pdf-bulletin", test_pdf_bulletin);
  g_test_add_func ("/report/after-action-review", test_incident);
  g_test_add_func ("/report/exercise", test_exercise);
  g_test_add_func ("/report/refusals", test_refusals);

  dir = g_dir_make_tmp ("wg-report-XXXXXX", NULL);
  server = wg_test_server_new (NULL);
  wg_test_server_start (server, args);
  leader = wg_test_server_login (server, "leader", "demo");
  status = g_test_run ();
  g_free (leader);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  wg_test_server_free (server);
  test_rm_rf (dir);
  g_free (dir);
  return status;
}
