/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Operations (docs/operations.md) on the real server process: a backup
 * taken while 32 writers send reports, restored into a new directory and
 * served again; restore's refusals; the exercises in a backup and back
 * with a restore; the metrics after a simulator run,
 * against the journal; the request log, free of secrets and phone numbers.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "test-files.h"
#include "wg-test-server.h"

#define LOC "{\"lat\": 23.21, \"lon\": 113.29}"
#define N_WRITERS 32

/* ---- helpers ----------------------------------------------------------- */

/* Runs wangge-server with @args; returns its exit status, with its output
 * in @out (stdout and stderr together). */
static int
run_tool (const char * const *args,
          char              **out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_ptr_array_add (argv, (gpointer) WANGGE_SERVER_BIN);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &text, NULL, &error);
  g_assert_no_error (error);
  if (out != NULL)
    *out = g_steal_pointer (&text);
  return g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
}

/* The journal's id as consoles learn it. */
static char *
journal_id_of (WgTestServer *server)
{
  g_autoptr(WgTestResponse) r = wg_test_server_get (server, "/api/v1/health");

  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (json_object_get_string_member (wg_test_response_object (r), "journal_id"));
}

/* Waits until the journal's head has not moved for 1.5 s (at most 30 s):
 * a client that exits may leave commands in the server's queue, and under
 * the sanitizers they commit after it is gone. */
static void
wait_until_journal_settles (WgTestServer *server)
{
  gint64 head = -1, still_since = g_get_monotonic_time (), deadline = still_since + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_get (server, "/api/v1/health");
      gint64 now_head = json_object_get_int_member (wg_test_response_object (r), "head");

      if (now_head != head)
        {
          head = now_head;
          still_since = g_get_monotonic_time ();
        }
      else if (g_get_monotonic_time () - still_since >= 1500 * 1000)
        return;
      g_usleep (250 * 1000);
    }
}

/* The whole journal through the API: command id -> times seen; asserts
 * gap-free seq from 1 to head. */
static GHashTable *
read_commands (WgTestServer *server,
               gint64       *head_out)
{
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 after = 0;

  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=5000", after);
      g_autoptr(WgTestResponse) r = wg_test_server_get (server, path);
      JsonArray *events;

      g_assert_cmpuint (r->status, ==, 200);
      events = json_object_get_array_member (wg_test_response_object (r), "events");
      if (json_array_get_length (events) == 0)
        break;
      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *event = json_array_get_object_element (events, i);
          const char *command;

          g_assert_cmpint (json_object_get_int_member (event, "seq"), ==, after + 1);
          after++;
          if (g_strcmp0 (json_object_get_string_member (event, "type"), "incident.reported") != 0)
            continue;
          command = json_object_get_string_member (event, "command");
          g_hash_table_insert (seen, g_strdup (command),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (seen, command)) + 1));
        }
    }
  *head_out = after;
  return seen;
}

/* ---- 32 writers --------------------------------------------------------- */

typedef struct
{
  WgTestServer *server;
  SoupSession  *session;
  char         *token;
  gboolean      stopping;
  guint         in_flight;
  guint         serial;
  /* command id -> monotonic time of its 200 */
  GHashTable   *acknowledged;
  guint         failures;
} Load;

typedef struct
{
  Load *load;
  char *id;
} Sending;

static void send_next (Load *self);

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Sending *sending = data;
  Load *self = sending->load;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body != NULL && soup_message_get_status (msg) == 200)
    g_hash_table_insert (self->acknowledged, g_steal_pointer (&sending->id),
                         g_memdup2 (&(gint64) { g_get_monotonic_time () }, sizeof (gint64)));
  else
    self->failures++;
  self->in_flight--;
  g_free (sending->id);
  g_free (sending);
  send_next (self);
}

static void
send_next (Load *self)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *url = wg_test_server_url (self->server, "/api/v1/commands");
  g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);
  char *text;
  Sending *sending;

  if (self->stopping)
    return;
  sending = g_new0 (Sending, 1);
  sending->load = self;
  sending->id = g_uuid_string_random ();
  text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":"
                          "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":" LOC ","
                          "\"summary\":\"backup load %u\"}}", sending->id, self->serial++);
  bytes = g_bytes_new_take (text, strlen (text));
  msg = soup_message_new ("POST", url);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  self->in_flight++;
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, sending);
}

static gboolean
load_idle (gpointer data)
{
  return ((Load *) data)->in_flight == 0;
}

typedef struct
{
  GSubprocess *process;
  gboolean     done;
} Tool;

static void
tool_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Tool *tool = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  tool->done = TRUE;
}

static gboolean
tool_done (gpointer data)
{
  return ((Tool *) data)->done;
}

static gboolean
enough_acknowledged (gpointer data)
{
  return g_hash_table_size (((Load *) data)->acknowledged) >= 200;
}

/* ---- tests ------------------------------------------------------------- */

/* One token sends everything: no per-token limit. */
#define UNLIMITED_CONFIG "[auth]\ncommand-rate=1000000\ncommand-burst=1000000\n"

static void
test_backup_under_load (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (UNLIMITED_CONFIG);
  g_autoptr(WgTestServer) restored = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *backup_parent = g_dir_make_tmp ("wg-backup-XXXXXX", &error);
  g_autofree char *backup = g_build_filename (backup_parent, "backup", NULL);
  g_autofree char *old_id = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *out = NULL;
  const char *args[] = { "--demo", NULL };
  Load load = { 0 };
  Tool tool = { 0 };
  GHashTableIter iter;
  gpointer key, value;
  gint64 backup_began, backup_ended, head = 0;
  guint before = 0, after = 0, during = 0;

  g_assert_no_error (error);
  wg_test_server_start (server, args);
  old_id = journal_id_of (server);
  g_assert_nonnull (old_id);

  load.server = server;
  load.session = soup_session_new_with_options ("max-conns", 64, "max-conns-per-host", 64, NULL);
  load.token = wg_test_server_login (server, "dispatcher", "demo");
  load.acknowledged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < N_WRITERS; i++)
    send_next (&load);
  g_assert_true (wg_test_iterate_until (enough_acknowledged, &load, 60000));

  /* Everything acknowledged before this moment must be in the backup. */
  backup_began = g_get_monotonic_time ();
  {
    const char *argv[] = { WANGGE_SERVER_BIN, "backup", backup, "--data-dir", server->data_dir, NULL };

    tool.process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
    g_assert_no_error (error);
    g_subprocess_wait_async (tool.process, NULL, tool_done_cb, &tool);
  }
  g_assert_true (wg_test_iterate_until (tool_done, &tool, 60000));
  backup_ended = g_get_monotonic_time ();
  g_assert_true (g_subprocess_get_if_exited (tool.process));
  g_assert_cmpint (g_subprocess_get_exit_status (tool.process), ==, 0);
  g_clear_object (&tool.process);
  load.stopping = TRUE;
  g_assert_true (wg_test_iterate_until (load_idle, &load, 60000));
  g_assert_cmpuint (load.failures, ==, 0);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);

  /* Into a new folder, and served from there. */
  restored = wg_test_server_new (UNLIMITED_CONFIG);
  {
    const char *argv[] = { "restore", backup, "--data-dir", restored->data_dir, NULL };

    g_assert_cmpint (run_tool (argv, &out), ==, 0);
  }
  /* The accounts came back with the journal. */
  restored->admin_created = TRUE;
  wg_test_server_start (restored, args);
  new_id = journal_id_of (restored);
  g_assert_nonnull (new_id);
  g_assert_cmpstr (new_id, !=, old_id);
  g_assert_nonnull (strstr (out, new_id));

  seen = read_commands (restored, &head);
  g_assert_cmpint (head, >, 0);
  g_hash_table_iter_init (&iter, load.acknowledged);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      guint times = GPOINTER_TO_UINT (g_hash_table_lookup (seen, key));

      if (*(gint64 *) value < backup_began)
        {
          if (times != 1)
            g_error ("command %s, acknowledged before the backup began, is there %u times", (char *) key, times);
          before++;
        }
      else
        {
          g_assert_cmpuint (times, <=, 1);
          after++;
          if (*(gint64 *) value < backup_ended)
            during++;
        }
    }
  /* For docs/operations.md: the writers go on while the copy is taken. */
  g_test_message ("%u commands acknowledged before the backup began, %u after (%u while it ran, %.0f ms"
                  " including the tool's start); head %" G_GINT64_FORMAT,
                  before, after, during, (backup_ended - backup_began) / 1000.0, head);
  g_assert_cmpuint (before, >=, 200);

  g_hash_table_unref (load.acknowledged);
  g_free (load.token);
  g_object_unref (load.session);
  test_rm_rf (backup_parent);
}

/* A running server, a damaged backup, a directory that is no backup: each
 * refused with a reason, and nothing in the data directory changes. */
static void
test_restore_refusals (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = g_dir_make_tmp ("wg-backup-XXXXXX", &error);
  g_autofree char *backup = g_build_filename (parent, "backup", NULL);
  g_autofree char *journal = g_build_filename (backup, "journal.db", NULL);
  g_autofree char *target = g_build_filename (parent, "target", NULL);
  g_autofree char *out = NULL;
  const char *args[] = { "--demo", NULL };
  sqlite3 *db = NULL;

  g_assert_no_error (error);
  wg_test_server_start (server, args);
  {
    g_autofree char *token = wg_test_server_login (server, "dispatcher", "demo");

    for (guint i = 0; i < 3; i++)
      {
        g_autoptr(WgTestResponse) r = wg_test_server_command (server, token, NULL, "incident.report",
                                                              "{\"grade\": \"general\", \"category\": \"garbage\","
                                                              " \"location\": " LOC ", \"summary\": \"x\"}");
        g_assert_cmpuint (r->status, ==, 200);
      }
  }
  {
    const char *argv[] = { "backup", backup, "--data-dir", server->data_dir, NULL };

    g_assert_cmpint (run_tool (argv, NULL), ==, 0);
    /* The destination must be new. */
    g_assert_cmpint (run_tool (argv, &out), !=, 0);
    g_assert_nonnull (strstr (out, "exists already"));
    g_clear_pointer (&out, g_free);
  }
  {
    const char *argv[] = { "restore", backup, "--data-dir", server->data_dir, NULL };

    g_assert_cmpint (run_tool (argv, &out), ==, 1);
    g_assert_nonnull (strstr (out, "A server is running"));
    g_clear_pointer (&out, g_free);
  }

  /* A gap in the journal of the copy. */
  g_assert_cmpint (sqlite3_open (journal, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM journal WHERE seq = 2", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  {
    const char *argv[] = { "restore", backup, "--data-dir", target, NULL };

    g_assert_cmpint (run_tool (argv, &out), ==, 1);
    g_assert_nonnull (strstr (out, "the journal has gaps"));
    g_clear_pointer (&out, g_free);
  }
  {
    g_autofree char *restored_journal = g_build_filename (target, "journal.db", NULL);

    g_assert_false (g_file_test (restored_journal, G_FILE_TEST_EXISTS));
  }
  {
    const char *argv[] = { "restore", server->data_dir, "--data-dir", target, NULL };

    g_assert_cmpint (run_tool (argv, &out), ==, 1);
    g_assert_nonnull (strstr (out, "not a finished backup"));
    g_clear_pointer (&out, g_free);
  }
  test_rm_rf (parent);
}

/* The exercises are in the backup (their records, journals and tracks)
 * and come back with a restore, each journal with a new id; a damaged
 * exercise journal in a backup is named and refuses the restore. */
static void
test_backup_exercises (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  g_autoptr(WgTestServer) restored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *parent = g_dir_make_tmp ("wg-backup-XXXXXX", &error);
  g_autofree char *backup = g_build_filename (parent, "backup", NULL);
  g_autofree char *target = g_build_filename (parent, "target", NULL);
  g_autofree char *trainer = NULL, *leader = NULL, *id = NULL, *journal_before = NULL, *record_path = NULL;
  g_autofree char *out = NULL;
  const char *args[] = { "--demo", NULL };
  gint64 head = 0, clock = 0;

  g_assert_no_error (error);
  wg_test_server_start (server, args);
  trainer = wg_test_server_login (server, "trainer", "demo");
  leader = wg_test_server_login (server, "leader", "demo");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, trainer, "POST", "/api/v1/exercises",
                                                             "application/json",
                                                             "{\"scenario\": \"fire-residential.json\"}");
    g_autofree char *ack = NULL, *path = NULL, *position = NULL;
    g_autoptr(WgTestResponse) acked = NULL, posted = NULL, journal = NULL;
    JsonObject *record;

    g_assert_cmpuint (r->status, ==, 201);
    record = wg_test_response_object (r);
    id = g_strdup (json_object_get_string_member (record, "id"));
    clock = json_object_get_int_member (record, "clock");
    record_path = g_strdup_printf ("/api/v1/exercises/%s", id);
    ack = g_strdup_printf ("{\"id\": \"%s\", \"type\": \"alarm.acknowledge\", \"body\": {\"incident\": \"%s\"}}",
                           "5d1c0f3e-7a1b-4c2d-9e8f-0a1b2c3d4e5f", json_object_get_string_member (record, "incident"));
    path = g_strdup_printf ("/api/v1/exercises/%s/commands", id);
    acked = wg_test_server_request_as (server, leader, "POST", path, "application/json", ack);
    g_assert_cmpuint (acked->status, ==, 200);
    g_free (path);
    path = g_strdup_printf ("/api/v1/exercises/%s/positions", id);
    position = g_strdup_printf ("{\"positions\": [{\"unit\": \"eu-01\", \"ts\": %" G_GINT64_FORMAT
                                ", \"lat\": 23.2101, \"lon\": 113.2901}]}", clock);
    posted = wg_test_server_request_as (server, server->token, "POST", path, "application/json", position);
    g_assert_cmpuint (posted->status, ==, 200);
    g_free (path);
    path = g_strdup_printf ("/api/v1/exercises/%s/journal?after=0", id);
    journal = wg_test_server_request_as (server, leader, "GET", path, NULL, NULL);
    g_assert_cmpuint (journal->status, ==, 200);
    journal_before = json_to_string (json_object_get_member (wg_test_response_object (journal), "events"), FALSE);
    head = json_object_get_int_member (wg_test_response_object (journal), "head");
    g_assert_cmpint (head, >=, 3);
  }
  {
    const char *argv[] = { "backup", backup, "--data-dir", server->data_dir, NULL };

    g_assert_cmpint (run_tool (argv, &out), ==, 0);
    g_assert_nonnull (strstr (out, "1 exercises"));
    g_clear_pointer (&out, g_free);
  }
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);

  restored = wg_test_server_new (NULL);
  {
    const char *argv[] = { "restore", backup, "--data-dir", restored->data_dir, NULL };

    g_assert_cmpint (run_tool (argv, NULL), ==, 0);
  }
  restored->admin_created = TRUE;
  wg_test_server_start (restored, args);
  g_free (leader);
  leader = wg_test_server_login (restored, "leader", "demo");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (restored, leader, "GET", record_path, NULL, NULL);
    g_autofree char *journal_path = g_strdup_printf ("/api/v1/exercises/%s/journal?after=0", id);
    g_autofree char *latest_path = g_strdup_printf ("/api/v1/exercises/%s/positions/latest", id);
    g_autoptr(WgTestResponse) journal = wg_test_server_request_as (restored, leader, "GET", journal_path, NULL, NULL);
    g_autoptr(WgTestResponse) latest = wg_test_server_request_as (restored, leader, "GET", latest_path, NULL, NULL);
    g_autofree char *journal_after = NULL;
    JsonArray *points;

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (wg_test_response_object (r), "state"), ==, "running");
    g_assert_cmpuint (journal->status, ==, 200);
    journal_after = json_to_string (json_object_get_member (wg_test_response_object (journal), "events"), FALSE);
    g_assert_cmpstr (journal_after, ==, journal_before);
    points = json_object_get_array_member (wg_test_response_object (latest), "positions");
    g_assert_cmpuint (json_array_get_length (points), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (points, 0), "unit"), ==, "eu-01");
  }
  g_assert_cmpint (wg_test_server_stop (restored), ==, 0);

  /* A gap in the exercise's journal of the copy: named, nothing restored. */
  {
    g_autofree char *name = g_strconcat (id, ".db", NULL);
    g_autofree char *db_path = g_build_filename (backup, "exercises", name, NULL);
    g_autofree char *target_journal = g_build_filename (target, "journal.db", NULL);
    const char *argv[] = { "restore", backup, "--data-dir", target, NULL };
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "DELETE FROM journal WHERE seq = 2", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
    g_assert_cmpint (run_tool (argv, &out), ==, 1);
    g_assert_nonnull (strstr (out, name));
    g_assert_nonnull (strstr (out, "the journal has gaps"));
    g_assert_false (g_file_test (target_journal, G_FILE_TEST_EXISTS));
  }
  test_rm_rf (parent);
}

/* A centre's own street is checked before the server uses it: every
 * broken file named in one run, then what the loader finds. */
static void
test_check_reference (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *demo = g_build_filename (SOURCE_DATADIR, "demo", NULL);
  g_autofree char *dir = g_dir_make_tmp ("wg-reference-XXXXXX", &error);
  g_autofree char *out = NULL;
  g_autoptr(GDir) handle = NULL;
  const char *name;

  g_assert_no_error (error);
  {
    const char *argv[] = { "check-reference", demo, NULL };

    g_assert_cmpint (run_tool (argv, &out), ==, 0);
    g_assert_nonnull (strstr (out, "ready to use"));
    g_clear_pointer (&out, g_free);
  }

  handle = g_dir_open (demo, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *from = g_build_filename (demo, name, NULL);
      g_autofree char *to = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (from, &contents, &len, NULL));
      g_assert_true (g_file_set_contents (to, contents, len, NULL));
    }
  {
    g_autofree char *categories = g_build_filename (dir, "categories.json", NULL);
    g_autofree char *roster = g_build_filename (dir, "roster.json", NULL);
    const char *argv[] = { "check-reference", dir, NULL };

    g_assert_true (g_file_set_contents (categories, "{\"categories\": [1,", -1, NULL));
    g_assert_cmpint (g_unlink (roster), ==, 0);
    g_assert_cmpint (run_tool (argv, &out), ==, 1);
    g_assert_nonnull (strstr (out, "categories.json: "));
    g_assert_nonnull (strstr (out, "roster.json: "));
    g_assert_null (strstr (out, "world.json"));
  }
  test_rm_rf (dir);
}

/* ---- metrics and the request log ---------------------------------------- */

#define METRICS_TOKEN "metrics-0123456789abcdef"
#define CALLER_PHONE "13912345678"
#define WRONG_PASSWORD "wrong-password-4711"

static void
test_metrics_and_log (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new ("[metrics]\ntoken=" METRICS_TOKEN "\n"
                                                       "[log]\nrequests=true\n");
  g_autoptr(GSubprocess) sim = NULL;
  g_autoptr(GSubprocess) check = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) commands = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *log_path = g_build_filename (server->data_dir, "server-stderr.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *dispatcher = NULL;
  g_autofree char *parsed = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GRegex) phone = g_regex_new ("1[3-9][0-9]{9}", 0, 0, NULL);
  g_autoptr(GRegex) token_like = g_regex_new ("[A-Za-z0-9_-]{40,}", 0, 0, NULL);
  const char *args[] = { "--demo", NULL };
  guint64 accepted = 0, accepted_reports = 0, refused = 0;
  guint reported = 0;
  gint64 after = 0;
  int saved_stderr, log_fd;

  /* The server inherits our stderr: point it at a file while it starts. */
  log_fd = g_open (log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  g_assert_cmpint (log_fd, >=, 0);
  saved_stderr = dup (STDERR_FILENO);
  dup2 (log_fd, STDERR_FILENO);
  wg_test_server_start (server, args);
  dup2 (saved_stderr, STDERR_FILENO);
  close (saved_stderr);
  close (log_fd);

  dispatcher = wg_test_server_login (server, "dispatcher", "demo");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, dispatcher, NULL, "incident.report",
                                                          "{\"grade\": \"general\", \"category\": \"garbage\","
                                                          " \"location\": " LOC ", \"summary\": \"x\", \"source\": \"phone\","
                                                          " \"caller\": {\"name\": \"陈先生\", \"phone\": \"" CALLER_PHONE "\"}}");
    g_autoptr(WgTestResponse) refusal = wg_test_server_command (server, dispatcher, NULL, "incident.close",
                                                                "{\"incident\": \"00000000-0000-4000-8000-000000000000\"}");
    g_autoptr(WgTestResponse) login = wg_test_server_post_json (server, "/api/v1/session",
                                                                "{\"username\": \"dispatcher\", \"password\": \""
                                                                WRONG_PASSWORD "\"}");

    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpuint (refusal->status, >=, 400);
    g_assert_cmpuint (login->status, ==, 401);
  }

  sim = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                          WANGGE_SIM_BIN, "--server", server->base_url, "--speed", "600", "--seed", "11",
                          "--duration", "900", "--reports-per-hour", "240", NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (sim, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (sim), ==, 0);
  wait_until_journal_settles (server);

  /* Only the metrics token reads them, not an admin's. */
  {
    g_autoptr(WgTestResponse) as_admin = wg_test_server_get (server, "/metrics");
    g_autoptr(WgTestResponse) metrics = wg_test_server_request_as (server, METRICS_TOKEN, "GET", "/metrics",
                                                                   NULL, NULL);
    g_autoptr(GBytes) text = NULL;

    wg_test_response_assert_problem (as_admin, 401, "unauthorized");
    g_assert_cmpuint (metrics->status, ==, 200);
    g_assert_true (g_str_has_prefix (metrics->content_type, "text/plain"));
    check = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                              PROMETHEUS_PYTHON, PROMETHEUS_CHECK, NULL);
    g_assert_no_error (error);
    g_subprocess_communicate (check, metrics->body, NULL, &text, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (g_subprocess_get_exit_status (check), ==, 0);
    parsed = g_strndup (g_bytes_get_data (text, NULL), g_bytes_get_size (text));
  }
  lines = g_strsplit (parsed, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", -1);

      if (g_strv_length (f) != 3 || g_str_equal (f[0], "families"))
        continue;
      if (g_str_equal (f[1], "accepted"))
        {
          accepted += g_ascii_strtoull (f[2], NULL, 10);
          if (g_str_equal (f[0], "incident.report"))
            accepted_reports += g_ascii_strtoull (f[2], NULL, 10);
        }
      else if (!g_str_equal (f[1], "replayed"))
        refused += g_ascii_strtoull (f[2], NULL, 10);
    }

  /* The counters against the journal: every accepted command left events
   * carrying its id, every report one incident.reported. */
  for (;;)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT "&limit=5000", after);
      g_autoptr(WgTestResponse) r = wg_test_server_get (server, path);
      JsonArray *events = json_object_get_array_member (wg_test_response_object (r), "events");

      if (json_array_get_length (events) == 0)
        break;
      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonObject *event = json_array_get_object_element (events, i);
          JsonNode *command = json_object_get_member (event, "command");

          after = json_object_get_int_member (event, "seq");
          if (command != NULL && !JSON_NODE_HOLDS_NULL (command))
            g_hash_table_add (commands, g_strdup (json_node_get_string (command)));
          if (g_str_equal (json_object_get_string_member (event, "type"), "incident.reported"))
            reported++;
        }
    }
  g_test_message ("%" G_GUINT64_FORMAT " commands accepted (%" G_GUINT64_FORMAT " reports), %"
                  G_GUINT64_FORMAT " refused; the journal holds %u commands, %u reports",
                  accepted, accepted_reports, refused, g_hash_table_size (commands), reported);
  g_assert_cmpuint (accepted, >, 20);
  g_assert_cmpuint (refused, >=, 1);
  g_assert_cmpuint (accepted, ==, g_hash_table_size (commands));
  g_assert_cmpuint (accepted_reports, ==, reported);

  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, &error));
  g_assert_no_error (error);
  /* The log has the fields ... */
  g_assert_nonnull (strstr (log, "route=/api/v1/commands"));
  g_assert_nonnull (strstr (log, "user=dispatcher"));
  g_assert_nonnull (strstr (log, "command=incident.report"));
  g_assert_nonnull (strstr (log, "route=/api/v1/session status=401"));
  /* ... and no secret, no phone number. */
  g_assert_null (strstr (log, dispatcher));
  g_assert_null (strstr (log, server->token));
  g_assert_null (strstr (log, METRICS_TOKEN));
  g_assert_null (strstr (log, WRONG_PASSWORD));
  g_assert_null (strstr (log, WG_TEST_ADMIN_PASSWORD));
  g_assert_null (strstr (log, "Bearer"));
  if (g_regex_match (phone, log, 0, NULL) || g_regex_match (token_like, log, 0, NULL))
    g_error ("a phone number or a token in the server's log:\n%s", log);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/operations/backup-under-load", test_backup_under_load);
  g_test_add_func ("/operations/restore-refusals", test_restore_refusals);
  g_test_add_func ("/operations/backup-exercises", test_backup_exercises);
  g_test_add_func ("/operations/check-reference", test_check_reference);
  g_test_add_func ("/operations/metrics-and-log", test_metrics_and_log);
  return g_test_run ();
}
