/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The store when the disk fills up in the middle of a group commit
 * (PRAGMA max_page_count): SQLite may then roll back the whole transaction
 * on its own, not just the failing statement.  Whatever it does, the
 * journal stays gap-free, a failed batch leaves nothing, a committed one
 * holds every command it accepted, and once there is room again the same
 * commands go through.  The same with batches begun without a savepoint
 * per command (the server's way): a batch where a command failed after
 * writing runs again with its savepoints, and ends as if it had had them
 * from the start.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "engine-fixture.h"

#define N_COMMANDS 400
#define BATCH 40

static const char *const report =
  "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
  " \"summary\": \"a car blocks the fire lane, a long description to fill pages faster: "
  "0123456789012345678901234567890123456789012345678901234567890123456789\"}";

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

static gint64
events_of (sqlite3    *db,
           const char *command_id)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM journal WHERE command = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, command_id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

/* A second connection sees what is durable: gap-free, the same head. */
static void
assert_journal_sound (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM journal"), ==,
                   query_int (db, "SELECT coalesce(max(seq), 0) FROM journal"));
  g_assert_cmpint (query_int (db, "SELECT coalesce(max(seq), 0) FROM journal"), ==, wg_store_head (f->store));
  sqlite3_close (db);
}

/* Runs @n commands from @start in one batch as the server does: without
 * savepoints first, again with them when the store asks for them.  Whether
 * each was accepted goes to @accepted; TRUE when the batch committed. */
static gboolean
run_batch (Fixture       *f,
           GPtrArray     *commands,
           guint          start,
           guint          n,
           gboolean       savepoints,
           const WgActor *actor,
           gboolean      *accepted,
           guint         *n_again)
{
  g_autoptr(GError) error = NULL;
  gboolean committed;

  if (savepoints)
    g_assert_true (wg_store_begin (f->store, &error));
  else
    g_assert_true (wg_store_begin_without_savepoints (f->store, &error));
  for (guint i = 0; i < n; i++)
    {
      WgCommand *cmd = commands->pdata[start + i];

      accepted[i] = wg_store_execute_command (f->store, cmd, actor, FIXTURE_T0 + start + i, NULL, NULL, &error);
      if (!accepted[i])
        g_assert_true (error->domain == WG_ERROR &&
                       (error->code == WG_ERROR_STORE || wg_error_is_rule_refusal (error)));
      g_clear_error (&error);
    }
  committed = wg_store_commit (f->store, &error);
  if (!committed)
    g_assert_error (error, WG_ERROR, WG_ERROR_STORE);
  g_assert_false (wg_store_in_transaction (f->store));
  if (!committed && !savepoints && wg_store_batch_needs_savepoints (f->store))
    {
      (*n_again)++;
      return run_batch (f, commands, start, n, TRUE, actor, accepted, n_again);
    }
  return committed;
}

static void
test_full_mid_batch (Fixture       *f,
                     gconstpointer  data)
{
  gboolean savepoints = GPOINTER_TO_INT (data);
  guint n_again = 0;
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_command_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);
  g_autofree char *limit = NULL;
  sqlite3 *db = wg_store_get_sqlite (f->store);
  sqlite3 *reader = NULL;
  guint n_failed_commands = 0, n_failed_batches = 0, n_committed = 0;

  for (guint i = 0; i < N_COMMANDS; i++)
    g_ptr_array_add (commands, fixture_command ("incident.report", report));

  /* A few pages of room, then the disk is full. */
  limit = g_strdup_printf ("PRAGMA max_page_count = %" G_GINT64_FORMAT,
                           query_int (db, "PRAGMA page_count") + 40);
  g_assert_cmpint (sqlite3_exec (db, limit, NULL, NULL, NULL), ==, SQLITE_OK);

  g_assert_cmpint (sqlite3_open_v2 (path, &reader, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  for (guint start = 0; start < N_COMMANDS; start += BATCH)
    {
      gboolean accepted[BATCH] = { FALSE };
      gboolean committed = run_batch (f, commands, start, BATCH, savepoints, leader, accepted, &n_again);

      for (guint i = 0; i < BATCH; i++)
        if (!accepted[i])
          n_failed_commands++;
      if (committed)
        n_committed++;
      else
        n_failed_batches++;
      assert_journal_sound (f);
      /* A committed batch holds exactly the commands it accepted; a failed
       * one holds nothing. */
      for (guint i = 0; i < BATCH; i++)
        g_assert_cmpint (events_of (reader, wg_command_get_id (commands->pdata[start + i])), ==,
                         committed && accepted[i] ? 1 : 0);
    }
  g_test_message ("disk full: %u batches committed, %u failed, %u commands failed, %u run again with savepoints",
                  n_committed, n_failed_batches, n_failed_commands, n_again);
  g_assert_cmpuint (n_failed_commands + n_failed_batches, >, 0);

  /* Room again: every command goes through once, in one batch. */
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA max_page_count = 1073741823", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (wg_store_begin (f->store, &error));
  for (guint i = 0; i < N_COMMANDS; i++)
    {
      g_assert_true (wg_store_execute_command (f->store, commands->pdata[i], leader, FIXTURE_T0 + N_COMMANDS + i,
                                               NULL, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_true (wg_store_commit (f->store, &error));
  g_assert_no_error (error);
  assert_journal_sound (f);
  for (guint i = 0; i < N_COMMANDS; i++)
    g_assert_cmpint (events_of (reader, wg_command_get_id (commands->pdata[i])), ==, 1);
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM journal"), ==, N_COMMANDS);
  sqlite3_close (reader);
}

/* A command that fails after its events are written (its answer's row
 * refused by a trigger): without savepoints the batch cannot keep the
 * others and drop it, so it runs again with them and ends as it would
 * have: the others committed in order, nothing of the failed one. */
static void
test_failure_after_write (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(GPtrArray) commands = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_command_unref);
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);
  g_autofree char *trigger = NULL;
  gboolean accepted[4] = { FALSE };
  guint n_again = 0;
  sqlite3 *reader = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    g_ptr_array_add (commands, fixture_command ("incident.report", report));
  trigger = g_strdup_printf ("CREATE TEMP TRIGGER refuse_answer BEFORE INSERT ON commands"
                             " WHEN NEW.id = '%s' BEGIN SELECT RAISE (ABORT, 'refused by the test'); END",
                             wg_command_get_id (commands->pdata[2]));
  g_assert_cmpint (sqlite3_exec (wg_store_get_sqlite (f->store), trigger, NULL, NULL, NULL), ==, SQLITE_OK);

  g_assert_true (run_batch (f, commands, 0, G_N_ELEMENTS (accepted), FALSE, leader, accepted, &n_again));
  g_assert_cmpuint (n_again, ==, 1);
  g_assert_true (accepted[0] && accepted[1] && !accepted[2] && accepted[3]);
  assert_journal_sound (f);
  g_assert_cmpint (sqlite3_open_v2 (path, &reader, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    g_assert_cmpint (events_of (reader, wg_command_get_id (commands->pdata[i])), ==, i == 2 ? 0 : 1);
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM commands"), ==, 3);
  g_assert_cmpint (query_int (reader, "SELECT count(*) FROM incidents"), ==, 3);
  sqlite3_close (reader);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

/* The WAL checkpointed by a thread of the store's own: the commits go on,
 * the pages reach the database file, and the store closes and opens
 * again on the same journal. */
static void
test_wal_checkpoint_in_background (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);
  gint64 start_size = file_size (path), head, deadline;

  g_assert_true (wg_store_checkpoint_wal_in_background (f->store, 8, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < 60; i++)
    {
      g_autoptr(WgCommand) cmd = fixture_command ("incident.report", report);

      g_assert_true (wg_store_begin_without_savepoints (f->store, &error));
      g_assert_true (wg_store_execute_command (f->store, cmd, leader, FIXTURE_T0 + i, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (wg_store_commit (f->store, &error));
    }
  /* The thread's progress has no event to wait on: its count, polled. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (wg_store_get_wal_checkpoints (f->store) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (1000);
  g_assert_cmpuint (wg_store_get_wal_checkpoints (f->store), >, 0);
  g_assert_cmpint (file_size (path), >, start_size);
  assert_journal_sound (f);

  head = wg_store_head (f->store);
  g_clear_pointer (&f->store, wg_store_unref);
  f->store = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_set_rules (f->store, f->rules);
  g_assert_cmpint (wg_store_head (f->store), ==, head);
  assert_journal_sound (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/store/disk-full/mid-batch", Fixture, GINT_TO_POINTER (TRUE), fixture_set_up, test_full_mid_batch,
              fixture_tear_down);
  g_test_add ("/store/disk-full/mid-batch-without-savepoints", Fixture, GINT_TO_POINTER (FALSE), fixture_set_up,
              test_full_mid_batch, fixture_tear_down);
  g_test_add ("/store/batch/failure-after-write", Fixture, NULL, fixture_set_up, test_failure_after_write,
              fixture_tear_down);
  g_test_add ("/store/batch/wal-checkpoint-in-background", Fixture, NULL, fixture_set_up,
              test_wal_checkpoint_in_background, fixture_tear_down);
  return g_test_run ();
}
