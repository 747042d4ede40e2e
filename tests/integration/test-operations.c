/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Operations (docs/operations.md) on the real server process: a backup
 * taken while 32 writers send reports, restored into a new directory and
 * served again; restore's refusals.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

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

static char *
journal_id_of (const char *data_dir)
{
  g_autofree char *path = g_build_filename (data_dir, "journal.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *id = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = 'journal_id'", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    id = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return id;
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
  gint64 backup_began, head = 0;
  guint before = 0, after = 0;

  g_assert_no_error (error);
  wg_test_server_start (server, args);
  old_id = journal_id_of (server->data_dir);

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
  new_id = journal_id_of (restored->data_dir);
  g_assert_nonnull (new_id);
  g_assert_cmpstr (new_id, !=, old_id);
  /* The accounts came back with the journal. */
  restored->admin_created = TRUE;
  wg_test_server_start (restored, args);

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
        }
    }
  g_test_message ("%u commands acknowledged before the backup began, %u during or after; head %" G_GINT64_FORMAT,
                  before, after, head);
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/operations/backup-under-load", test_backup_under_load);
  g_test_add_func ("/operations/restore-refusals", test_restore_refusals);
  return g_test_run ();
}
