/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Faults against the real wangge-server (docs/faults.md):
 *
 *  /faults/kill9       200 concurrent writers, the server SIGKILLed at a
 *                      random moment, restarted, 50 rounds;
 *  /faults/power-loss  the same through the wg-fault VFS (preloaded into
 *                      the server): the kill drops every write not synced;
 *  /faults/power-loss-normal  the same with synchronous=NORMAL: the test
 *                      must see acknowledged commands lost (it would catch
 *                      the regression);
 *  /faults/disk-full   the VFS's disk fills up: clear 503 answers, nothing
 *                      acknowledged lost, recovery when room returns.
 *
 * After every cut the journal file is read as the cut left it: every
 * acknowledged command's events are there exactly once and
 * PRAGMA integrity_check is ok; then the server restarts on it, reports the
 * same head, and every command of the round is sent again with its id: each
 * answer is 200, replayed for the acknowledged ones, and the next check
 * finds nothing twice.
 */
#include "config.h"

#include <dlfcn.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "wg-test-server.h"

#ifndef WG_FAULT_VFS_PATH
#error "WG_FAULT_VFS_PATH must be defined by the build"
#endif

#define N_WRITERS 200
#define N_ROUNDS 50

/* Inside the demo street. */
#define LOC "{\"lat\": 23.21, \"lon\": 113.29}"

/* The per-token rate limit would turn most of 200 writers on one token
 * into 429s. */
#define SERVER_CONFIG \
  "[auth]\n" \
  "command-rate=1000000\n" \
  "command-burst=1000000\n"

typedef struct
{
  char     *id;
  char     *text;        /* the request body */
  guint     status;      /* last answer (0: none, the connection died) */
  gboolean  acked;       /* a 200 came back at some point */
  int       n_events;    /* events in the 200 answer, -1 before */
} Command;

typedef struct
{
  WgTestServer *server;
  SoupSession  *session;
  char         *token;
  GPtrArray    *commands;    /* Command*, every one ever made */
  GPtrArray    *round;       /* Command*, this round's */
  GPtrArray    *queue;       /* Command* to send again, or NULL: new ones */
  guint         queue_pos;
  guint         in_flight;
  gboolean      stopping;
  guint         n_writers;
  guint         serial;

  /* Figures. */
  guint64       n_acked;
  guint64       n_replayed;
  guint64       n_problems;     /* non-2xx answers with problem+json */
  guint64       n_no_answer;    /* the connection failed */
  guint64       n_answered;     /* answers of any kind */
  gint64        first_answer_us;  /* monotonic, of the first answer since load_start() */
  GHashTable   *problem_codes;  /* "status code" -> count */
} Load;

static void
command_free (gpointer data)
{
  Command *cmd = data;

  g_free (cmd->id);
  g_free (cmd->text);
  g_free (cmd);
}

static Load *
load_new (WgTestServer *server,
          const char   *token)
{
  Load *self = g_new0 (Load, 1);

  self->server = server;
  self->token = g_strdup (token);
  self->session = soup_session_new_with_options ("max-conns", 2 * N_WRITERS,
                                                 "max-conns-per-host", 2 * N_WRITERS,
                                                 "timeout", 60,
                                                 NULL);
  self->commands = g_ptr_array_new_with_free_func (command_free);
  self->round = g_ptr_array_new ();
  self->problem_codes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->n_writers = N_WRITERS;
  return self;
}

static void
load_free (Load *self)
{
  g_object_unref (self->session);
  g_ptr_array_unref (self->round);
  g_ptr_array_unref (self->commands);
  g_hash_table_unref (self->problem_codes);
  g_free (self->token);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Load, load_free)

typedef struct
{
  Load    *load;
  Command *cmd;
} Sending;

static void send_next (Load *self);

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Sending *sending = user_data;
  Load *self = sending->load;
  Command *cmd = sending->cmd;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);

  cmd->status = body != NULL ? soup_message_get_status (msg) : 0;
  if (cmd->status != 0)
    {
      self->n_answered++;
      if (self->first_answer_us == 0)
        self->first_answer_us = g_get_monotonic_time ();
    }
  if (cmd->status == 0)
    self->n_no_answer++;
  else
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
      gsize size;
      const char *data = g_bytes_get_data (body, &size);
      JsonObject *obj;

      /* Every answer, refusals included, is JSON (problem+json). */
      g_assert_nonnull (type);
      g_assert_true (json_parser_load_from_data (parser, data, size, NULL));
      obj = json_node_get_object (json_parser_get_root (parser));
      if (cmd->status == 200)
        {
          int n = (int) json_array_get_length (json_object_get_array_member (obj, "events"));
          gboolean replayed = json_object_get_boolean_member (obj, "replayed");

          g_assert_cmpstr (type, ==, "application/json");
          /* The same command always has the same events. */
          if (cmd->n_events >= 0)
            g_assert_cmpint (n, ==, cmd->n_events);
          /* Once acknowledged, an answer again is a replay. */
          if (cmd->acked)
            g_assert_true (replayed);
          if (replayed)
            self->n_replayed++;
          else
            self->n_acked++;
          cmd->n_events = n;
          cmd->acked = TRUE;
        }
      else
        {
          g_autofree char *key = g_strdup_printf ("%u %s", cmd->status,
                                                  json_object_get_string_member_with_default (obj, "code", "?"));

          g_assert_cmpstr (type, ==, "application/problem+json");
          self->n_problems++;
          g_hash_table_insert (self->problem_codes, g_steal_pointer (&key),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (self->problem_codes, key)) + 1));
        }
    }
  g_free (sending);
  self->in_flight--;
  send_next (self);
}

static void
send_next (Load *self)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *url = NULL;
  g_autofree char *auth = NULL;
  Command *cmd;
  Sending *sending;

  if (self->stopping)
    return;
  if (self->queue != NULL)
    {
      if (self->queue_pos >= self->queue->len)
        return;
      cmd = g_ptr_array_index (self->queue, self->queue_pos++);
    }
  else
    {
      cmd = g_new0 (Command, 1);
      cmd->id = g_uuid_string_random ();
      cmd->n_events = -1;
      cmd->text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"incident.report\",\"body\":"
                                   "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":" LOC ","
                                   "\"summary\":\"fault test %u\"}}", cmd->id, self->serial++);
      g_ptr_array_add (self->commands, cmd);
      g_ptr_array_add (self->round, cmd);
    }

  url = wg_test_server_url (self->server, "/api/v1/commands");
  msg = soup_message_new ("POST", url);
  auth = g_strconcat ("Bearer ", self->token, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  bytes = g_bytes_new (cmd->text, strlen (cmd->text));
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);

  sending = g_new0 (Sending, 1);
  sending->load = self;
  sending->cmd = cmd;
  self->in_flight++;
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, sending);
}

static void
load_start (Load      *self,
            GPtrArray *queue)
{
  self->stopping = FALSE;
  self->first_answer_us = 0;
  self->queue = queue;
  self->queue_pos = 0;
  for (guint i = 0; i < self->n_writers; i++)
    send_next (self);
}

static gboolean
load_idle (gpointer data)
{
  return ((Load *) data)->in_flight == 0;
}

static guint64 acked_mark;

static gboolean
has_acked (gpointer data)
{
  return ((Load *) data)->n_acked > 0;
}

static gboolean
has_acked_more (gpointer data)
{
  return ((Load *) data)->n_acked > acked_mark + 50;
}

static gboolean
has_answer (gpointer data)
{
  return ((Load *) data)->first_answer_us != 0;
}

/* Stops making new requests and waits for the answers (or failures) of
 * those in flight. */
static void
load_stop (Load *self)
{
  self->stopping = TRUE;
  g_assert_true (wg_test_iterate_until (load_idle, self, 120000));
  self->queue = NULL;
}

/* Sends every command of @queue again until it is acknowledged. */
static void
load_resend (Load      *self,
             GPtrArray *queue)
{
  load_start (self, queue);
  g_assert_true (wg_test_iterate_until (load_idle, self, 300000));
  self->queue = NULL;
  for (guint i = 0; i < queue->len; i++)
    {
      Command *cmd = g_ptr_array_index (queue, i);

      if (cmd->status != 200)
        g_error ("command %s sent again: %u", cmd->id, cmd->status);
    }
}

/* ---- the journal as the cut left it ------------------------------------- */

typedef struct
{
  guint n_acked;        /* acknowledged commands checked */
  guint n_lost;         /* acknowledged but not (completely) in the journal */
  guint n_twice;        /* more events of a command than it has */
  guint n_unacked_in;   /* committed, but the answer never came */
  gint64 head;
} Check;

/* @forget_lost: an acknowledged command found missing counts as never
 * acknowledged from now on (the synchronous=NORMAL variant goes on). */
static void
check_journal (Load     *self,
               gboolean  forget_lost,
               Check    *check)
{
  g_autofree char *path = g_build_filename (self->server->data_dir, "journal.db", NULL);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  memset (check, 0, sizeof *check);
  /* Read-only: no checkpoint at close, the server finds the files as the
   * cut left them. */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT command, count(*) FROM journal"
                                       " WHERE command IS NOT NULL GROUP BY command", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (counts, g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         GINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT coalesce(max(seq), 0) FROM journal", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  check->head = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);

  for (guint i = 0; i < self->commands->len; i++)
    {
      Command *cmd = g_ptr_array_index (self->commands, i);
      int n = GPOINTER_TO_INT (g_hash_table_lookup (counts, cmd->id));

      g_hash_table_add (known, cmd->id);
      if (cmd->acked)
        {
          check->n_acked++;
          if (n < cmd->n_events)
            {
              check->n_lost++;
              if (forget_lost)
                {
                  cmd->acked = FALSE;
                  cmd->n_events = -1;
                }
            }
          else if (n > cmd->n_events)
            check->n_twice++;
        }
      else if (n > 0)
        {
          /* Incident reports of the general grade: one event each. */
          check->n_unacked_in++;
          if (n > 1)
            check->n_twice++;
        }
    }
  /* The journal holds nothing but the demo's and ours. */
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, counts);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      if (!g_hash_table_contains (known, key))
        g_error ("a command nobody sent is in the journal: %s", (const char *) key);
  }
}

/* ---- rounds -------------------------------------------------------------- */

typedef struct
{
  guint   rounds;
  guint   max_ms;        /* the cut comes 0..max_ms after the round's first
                          * answer (one round in five: after the start,
                          * while the server may still be starting) */
  gboolean expect_loss;  /* synchronous=NORMAL: acknowledged commands vanish */
} Plan;

typedef struct
{
  guint64 lost;
  guint64 acked;
  guint64 unacked_in;
  guint64 replayed;
} Totals;

static const char *server_args[] = { "--demo", NULL };

static WgTestServer *
start_server (gboolean preload,
              char   **token)
{
  WgTestServer *server = wg_test_server_new (SERVER_CONFIG);

  if (preload)
    {
      g_autofree char *full_flag = g_build_filename (server->data_dir, "disk-is-full", NULL);
      const char *asan = g_getenv ("ASAN_OPTIONS");
      g_autofree char *options = NULL;

      /* The server loads the VFS before anything else; under
       * AddressSanitizer the runtime must then not insist on coming
       * first. */
      options = g_strconcat (asan != NULL && *asan != '\0' ? asan : "",
                             asan != NULL && *asan != '\0' ? ":" : "",
                             "verify_asan_link_order=0", NULL);
      g_setenv ("ASAN_OPTIONS", options, TRUE);
      g_setenv ("LD_PRELOAD", WG_FAULT_VFS_PATH, TRUE);
      g_setenv ("WG_FAULT_VFS_FULL", full_flag, TRUE);
    }
  else
    {
      g_unsetenv ("LD_PRELOAD");
      g_unsetenv ("WG_FAULT_VFS_FULL");
    }
  wg_test_server_start (server, server_args);
  *token = wg_test_server_login (server, "dispatcher", "demo");
  /* The admin's token is stored: no new login (argon2id) per restart. */
  server->no_admin = TRUE;
  /* A clean stop makes the demo set-up and the token durable whatever the
   * synchronous setting: the rounds start from a server that had been
   * running. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  wg_test_server_start (server, server_args);
  return server;
}

static void
run_rounds (gboolean    preload,
            const Plan *plan,
            Totals     *totals)
{
  g_autoptr(WgTestServer) server = NULL;
  g_autoptr(Load) load = NULL;
  g_autofree char *token = NULL;
  gint64 started = g_get_monotonic_time ();

  memset (totals, 0, sizeof *totals);
  server = start_server (preload, &token);
  load = load_new (server, token);

  for (guint round = 0; round < plan->rounds; round++)
    {
      g_autoptr(GPtrArray) again = NULL;
      guint delay = (guint) g_random_int_range (0, (gint32) plan->max_ms + 1);
      gboolean early = g_random_int_range (0, 5) == 0;
      guint64 answered = load->n_answered;
      gint64 load_started;
      Check check;

      g_ptr_array_set_size (load->round, 0);
      load_started = g_get_monotonic_time ();
      load_start (load, NULL);
      if (!early)
        g_assert_true (wg_test_iterate_until (has_answer, load, 60000));
      wg_test_iterate_for (MAX (delay, 1));
      answered = load->n_answered - answered;
      wg_test_server_kill (server);
      load_stop (load);

      check_journal (load, plan->expect_loss, &check);
      g_test_message ("round %u: cut %u ms after the %s (first answer after %d ms), %u commands made, "
                      "%u answered, %u acknowledged so far, %u lost, %u committed unanswered",
                      round, delay, early ? "start" : "first answer",
                      load->first_answer_us != 0 ? (int) ((load->first_answer_us - load_started) / 1000) : -1,
                      load->round->len, (guint) answered, check.n_acked, check.n_lost, check.n_unacked_in);
      g_assert_cmpuint (check.n_twice, ==, 0);
      totals->lost += check.n_lost;
      totals->unacked_in += check.n_unacked_in;
      if (!plan->expect_loss)
        g_assert_cmpuint (check.n_lost, ==, 0);

      wg_test_server_start (server, server_args);
      /* The server recovered the same journal. */
      g_assert_cmpint (wg_test_server_head (server), ==, check.head);

      /* Every command of the round again, acknowledged or not.  (With
       * synchronous=NORMAL a lost one is simply applied anew.) */
      again = g_ptr_array_copy (load->round, NULL, NULL);
      load_resend (load, again);

      /* Nothing twice, everything there, before the next cut.  (Through
       * the VFS the files only hold what was synced while the server runs:
       * the next cut's check covers these commands.) */
      if (!preload)
        {
          check_journal (load, FALSE, &check);
          g_assert_cmpuint (check.n_twice, ==, 0);
          g_assert_cmpuint (check.n_lost, ==, 0);
          g_assert_cmpuint (check.n_unacked_in, ==, 0);
        }
    }

  /* A clean stop at the end keeps everything, in every variant. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  {
    Check check;

    check_journal (load, FALSE, &check);
    g_assert_cmpuint (check.n_twice, ==, 0);
    g_assert_cmpuint (check.n_lost, ==, 0);
    g_assert_cmpuint (check.n_unacked_in, ==, 0);
  }

  totals->acked = load->n_acked;
  totals->replayed = load->n_replayed;
  g_test_message ("%u rounds, %u writers: %" G_GUINT64_FORMAT " commands acknowledged, "
                  "%" G_GUINT64_FORMAT " replays, %" G_GUINT64_FORMAT " acknowledged lost, "
                  "%" G_GUINT64_FORMAT " committed but unanswered at a cut, %.1f s",
                  plan->rounds, load->n_writers, load->n_acked, load->n_replayed, totals->lost,
                  totals->unacked_in,
                  (g_get_monotonic_time () - started) / 1e6);
}

static void
test_kill9 (void)
{
  Plan plan = { N_ROUNDS, 600, FALSE };
  Totals totals;

  run_rounds (FALSE, &plan, &totals);
  g_assert_cmpuint (totals.acked, >, 0);
  g_assert_cmpuint (totals.lost, ==, 0);
}

/* CI's default stage: the same paths in 5 rounds (the 50 are 'slow'). */
static void
test_kill9_short (void)
{
  Plan plan = { 5, 600, FALSE };
  Totals totals;

  run_rounds (FALSE, &plan, &totals);
  g_assert_cmpuint (totals.acked, >, 0);
  g_assert_cmpuint (totals.lost, ==, 0);
}

static void
test_power_loss (void)
{
  Plan plan = { N_ROUNDS, 600, FALSE };
  Totals totals;

  /* A quarter of the written blocks reach the disk before their sync, in
   * any order: a real disk's cache, not only a clean cut at the last
   * sync. */
  g_setenv ("WG_FAULT_VFS_EARLY", "25", TRUE);
  run_rounds (TRUE, &plan, &totals);
  g_unsetenv ("WG_FAULT_VFS_EARLY");
  g_assert_cmpuint (totals.acked, >, 0);
  g_assert_cmpuint (totals.lost, ==, 0);
}

static void
test_power_loss_normal (void)
{
  Plan plan = { 5, 600, TRUE };
  Totals totals;

  g_setenv ("WG_FAULT_VFS_SYNCHRONOUS", "NORMAL", TRUE);
  run_rounds (TRUE, &plan, &totals);
  g_unsetenv ("WG_FAULT_VFS_SYNCHRONOUS");
  /* This is what the power-loss test is for. */
  g_assert_cmpuint (totals.lost, >, 0);
}

static gboolean
enough_problems (gpointer data)
{
  return ((Load *) data)->n_problems >= 100;
}

static void
print_problems (Load *load)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, load->problem_codes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_test_message ("  %s: %u", (const char *) key, GPOINTER_TO_UINT (value));
}

/* The disk fills up under load: every answer is a 200 or a clear problem
 * (503 storage-failed: nothing stored, safe to retry), the server stays up, nothing acknowledged is
 * lost (checked after a power cut), and once there is room again every
 * refused command goes through. */
static void
test_disk_full (void)
{
  g_autoptr(WgTestServer) server = NULL;
  g_autoptr(Load) load = NULL;
  g_autofree char *token = NULL;
  g_autofree char *full_flag = NULL;
  g_autoptr(GPtrArray) again = NULL;
  guint64 acked_before, acked_full;
  Check check;

  server = start_server (TRUE, &token);
  full_flag = g_build_filename (server->data_dir, "disk-is-full", NULL);
  load = load_new (server, token);

  /* Room: commands go through. */
  load_start (load, NULL);
  g_assert_true (wg_test_iterate_until (has_acked, load, 60000));
  wg_test_iterate_for (300);
  acked_before = load->n_acked;
  g_assert_cmpuint (acked_before, >, 0);

  /* Full: the load goes on until 100 commands were refused (writes into
   * space the files already have still work, as on a real disk). */
  g_assert_true (g_file_set_contents (full_flag, "", 0, NULL));
  g_assert_true (wg_test_iterate_until (enough_problems, load, 60000));
  load_stop (load);
  acked_full = load->n_acked - acked_before;
  g_test_message ("disk full: %" G_GUINT64_FORMAT " acknowledged before, %" G_GUINT64_FORMAT
                  " while filling, %" G_GUINT64_FORMAT " refused:",
                  acked_before, acked_full, load->n_problems);
  print_problems (load);
  g_assert_cmpuint (load->n_no_answer, ==, 0);
  g_assert_cmpuint (g_hash_table_size (load->problem_codes), ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (load->problem_codes, "503 storage-failed")), ==,
                    load->n_problems);
  /* The server is up and reads work. */
  g_assert_cmpint (wg_test_server_head (server), >, 0);
  /* A login (which stores a token) gets a clear answer too. */
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, NULL, "POST", "/api/v1/session", "application/json",
                                                             "{\"username\": \"leader\", \"password\": \"demo\"}");

    wg_test_response_assert_problem (r, 503, "storage-failed");
  }

  /* Room again, the same server: every command made so far goes through
   * (once), and new ones too. */
  g_assert_cmpint (g_unlink (full_flag), ==, 0);
  again = g_ptr_array_copy (load->commands, NULL, NULL);
  /* The copy inherits the free function: the commands stay load's. */
  g_ptr_array_set_free_func (again, NULL);
  load_resend (load, again);
  acked_mark = load->n_acked;
  load_start (load, NULL);
  g_assert_true (wg_test_iterate_until (has_acked_more, load, 60000));
  load_stop (load);

  /* A power cut: everything acknowledged is on disk, once. */
  wg_test_server_kill (server);
  check_journal (load, FALSE, &check);
  g_assert_cmpuint (check.n_lost, ==, 0);
  g_assert_cmpuint (check.n_twice, ==, 0);

  /* After the restart every command again is a replay (asserted as they
   * come back), and a clean stop keeps them all. */
  wg_test_server_start (server, server_args);
  g_assert_cmpint (wg_test_server_head (server), ==, check.head);
  g_ptr_array_unref (again);
  again = g_ptr_array_copy (load->commands, NULL, NULL);
  g_ptr_array_set_free_func (again, NULL);
  load_resend (load, again);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  check_journal (load, FALSE, &check);
  g_assert_cmpuint (check.n_lost, ==, 0);
  g_assert_cmpuint (check.n_twice, ==, 0);
  g_assert_cmpuint (check.n_unacked_in, ==, 0);
  g_assert_cmpuint (check.n_acked, ==, load->commands->len);
}

/* ---- the disk holds a commit -------------------------------------------- */

static gboolean
n_acked_all (gpointer data)
{
  Load *load = data;

  return load->n_acked == load->commands->len;
}

/* The writer thread waits for the disk, the main loop does not: while the
 * journal's fsync is held, health and journal pages are answered at once,
 * the commands wait; when the disk lets go, every one of them is answered. */
static void
test_held_sync (void)
{
  g_autoptr(WgTestServer) server = NULL;
  g_autoptr(Load) load = NULL;
  g_autofree char *token = NULL;
  g_autofree char *hold_flag = NULL;
  g_autofree char *auth = NULL;
  gint64 head_before;

  /* The flag's name is known before the data directory is: the test's
   * own temporary directory. */
  {
    g_autofree char *dir = g_dir_make_tmp ("wg-hold-XXXXXX", NULL);

    g_assert_nonnull (dir);
    hold_flag = g_build_filename (dir, "hold-sync", NULL);
  }
  g_setenv ("WG_FAULT_VFS_HOLD_SYNC", hold_flag, TRUE);
  server = start_server (TRUE, &token);
  g_unsetenv ("WG_FAULT_VFS_HOLD_SYNC");
  head_before = wg_test_server_head (server);
  auth = g_strconcat ("Bearer ", token, NULL);

  g_assert_true (g_file_set_contents (hold_flag, "", 0, NULL));
  load = load_new (server, token);
  load->n_writers = 8;
  load_start (load, NULL);
  wg_test_iterate_for (500);
  load->stopping = TRUE;
  g_assert_cmpuint (load->n_answered, ==, 0);

  for (guint i = 0; i < 5; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(WgTestResponse) health = wg_test_server_get (server, "/api/v1/health");
      g_autoptr(WgTestResponse) page = wg_test_server_request_as (server, token, "GET", "/api/v1/journal?after=0&limit=50",
                                                                  NULL, NULL);
      gint64 took_ms = (g_get_monotonic_time () - start) / 1000;

      g_assert_cmpuint (health->status, ==, 200);
      g_assert_cmpuint (page->status, ==, 200);
      /* The head is what was committed and published: nothing held. */
      g_assert_cmpint (json_object_get_int_member (wg_test_response_object (health), "head"), ==, head_before);
      g_test_message ("health and a journal page while the commit is held: %" G_GINT64_FORMAT " ms", took_ms);
      g_assert_cmpint (took_ms, <, 2000);
      wg_test_iterate_for (100);
    }
  g_assert_cmpuint (load->n_answered, ==, 0);

  g_assert_cmpint (g_unlink (hold_flag), ==, 0);
  g_assert_true (wg_test_iterate_until (load_idle, load, 60000));
  g_assert_cmpuint (load->n_problems, ==, 0);
  g_assert_true (n_acked_all (load));
  g_assert_cmpint (wg_test_server_head (server), >, head_before);
  {
    g_autofree char *dir = g_path_get_dirname (hold_flag);

    g_assert_cmpint (g_rmdir (dir), ==, 0);
  }
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
}

/* ---- the VFS itself ------------------------------------------------------ */

static void
exec_ok (sqlite3    *db,
         const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* In a child process (WG_FAULT_VFS_CHILD=PATH): the VFS loaded, one row
 * committed with a sync, one without (synchronous=OFF), a full disk refusing
 * to grow the WAL, one more row once there is room (still unsynced), then
 * the power cut: _exit with the database open. */
static int
vfs_child (const char *path)
{
  g_autofree char *flag = g_strconcat (path, ".full", NULL);
  g_autofree char *blob = NULL;
  sqlite3 *db = NULL;
  int rc;

  if (dlopen (WG_FAULT_VFS_PATH, RTLD_NOW) == NULL)
    g_error ("%s", dlerror ());
  g_assert_cmpstr (sqlite3_vfs_find (NULL)->zName, ==, "wg-fault");
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_ok (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
               "CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('synced')");
  exec_ok (db, "PRAGMA synchronous = OFF; INSERT INTO t VALUES ('not synced')");

  /* The disk is full: growing the WAL fails, and works again once the
   * flag is gone. */
  g_assert_true (g_file_set_contents (flag, "", 0, NULL));
  blob = g_strdup_printf ("INSERT INTO t VALUES (printf('%%.*c', %d, 'x'))", 256 * 1024);
  rc = sqlite3_exec (db, blob, NULL, NULL, NULL);
  g_assert_cmpint (rc, ==, SQLITE_FULL);
  g_unlink (flag);
  exec_ok (db, "INSERT INTO t VALUES ('after the disk had room again')");
  _exit (0);
}

static void
test_vfs (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-fault-vfs-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "t.db", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) child = NULL;
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *flag = g_strconcat (path, ".full", NULL);
  const char *argv[] = { exe, NULL };
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  GString *rows = g_string_new (NULL);

  g_assert_no_error (error);
  g_assert_nonnull (exe);
  g_subprocess_launcher_setenv (launcher, "WG_FAULT_VFS_CHILD", path, TRUE);
  g_subprocess_launcher_setenv (launcher, "WG_FAULT_VFS_FULL", flag, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "WG_FAULT_VFS_EARLY");
  child = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait_check (child, NULL, &error));
  g_assert_no_error (error);

  /* After the cut: what was synced, nothing else. */
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT x FROM t ORDER BY rowid", -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (rows, "%s;", (const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpstr (rows->str, ==, "synced;");
  g_string_free (rows, TRUE);
  g_unlink (path);
  g_rmdir (dir);
}

static void
drop_log_cb (const char     *domain,
             GLogLevelFlags  level,
             const char     *message,
             gpointer        data)
{
}

int
main (int   argc,
      char *argv[])
{
  if (g_getenv ("WG_FAULT_VFS_CHILD") != NULL)
    return vfs_child (g_getenv ("WG_FAULT_VFS_CHILD"));

  g_test_init (&argc, &argv, NULL);
  /* GSocketClient's debug lines for 200 connections per round would
   * drown the log. */
  g_log_set_handler ("GLib-GIO", G_LOG_LEVEL_DEBUG, drop_log_cb, NULL);
  g_test_add_func ("/faults/vfs", test_vfs);
  g_test_add_func ("/faults/kill9", test_kill9);
  g_test_add_func ("/faults/kill9-short", test_kill9_short);
  g_test_add_func ("/faults/power-loss", test_power_loss);
  g_test_add_func ("/faults/power-loss-normal", test_power_loss_normal);
  g_test_add_func ("/faults/disk-full", test_disk_full);
  g_test_add_func ("/faults/held-sync", test_held_sync);
  return g_test_run ();
}
