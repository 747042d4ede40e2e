/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console's sync client against the real wangge-server process: catching
 * up a large journal then following it live, stream cuts during a burst, the
 * outbox across a server outage and a client restart, photos queued while
 * the server is down, a department's view.
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "wg-api-client.h"
#include "wg-cache-writer.h"
#include "wg-outbox.h"
#include "wg-reference.h"
#include "wg-store-reference.h"
#include "wg-sync-client.h"
#include "wg-sync-client-private.h"
#include "wg-test-server.h"
#include "tests/common/test-sanitizer.h"

#define DEMO_PASSWORD "demo"
/* Stream cuts during a burst of notes: under AddressSanitizer a quarter
 * of them (the same reconnections, fewer times); natively all 100. */
#define STREAM_CUTS TEST_SAMPLE (100, 25)
#define BURST_NOTES TEST_SAMPLE (400, 100)
#define T0_MS 1764310930000 /* 2025-11-28 14:22:10 +08:00 */

typedef struct
{
  char         *dir;      /* the console's own files */
  WgApiClient  *api;
  WgStore      *cache;
  WgOutbox     *outbox;
  WgClock      *clock;
  WgSyncClient *sync;
  gint64        last_seq; /* to check that applied events come in order */
  guint         out_of_order;
  guint         n_change_sets;
  guint         incomplete_change_sets; /* a touched incident missing, or off the main thread */
  guint         settled_ok;
  guint         settled_refused;
} Console;

static void
events_applied_cb (WgSyncClient *sync,
                   GPtrArray    *events,
                   Console      *console)
{
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = g_ptr_array_index (events, i);

      if (event->seq <= console->last_seq)
        console->out_of_order++;
      console->last_seq = event->seq;
    }
}

/* Each batch comes to the main loop with the incidents it touched, read
 * by the writer thread, so that views need not read the store. */
static void
changes_applied_cb (WgSyncClient *sync,
                    WgChangeSet  *changes,
                    Console      *console)
{
  GPtrArray *events = wg_change_set_get_events (changes);

  console->n_change_sets++;
  /* Without events only a snapshot's roster: who is on duty. */
  if (!g_main_context_is_owner (g_main_context_default ()) ||
      (events->len == 0 && wg_change_set_get_duty_leader (changes) == NULL))
    console->incomplete_change_sets++;
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = g_ptr_array_index (events, i);
      g_auto(WgIncidentRecord) stored = { 0 };
      const WgIncidentRecord *record;

      if (event->incident == NULL || event->exercise != NULL)
        continue;
      record = wg_change_set_lookup_incident (changes, event->incident, NULL);
      /* A filtered view may meet events of an incident it does not hold. */
      if (record == NULL && wg_store_get_incident (console->cache, event->incident, &stored, NULL))
        console->incomplete_change_sets++;
      else if (record != NULL && g_strcmp0 (record->id, event->incident) != 0)
        console->incomplete_change_sets++;
    }
}

static void
command_settled_cb (WgSyncClient *sync,
                    const char   *id,
                    gboolean      accepted,
                    JsonNode     *answer,
                    gpointer      problem,
                    Console      *console)
{
  if (accepted)
    console->settled_ok++;
  else
    console->settled_refused++;
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  JsonObject **session = user_data;
  g_autoptr(GError) error = NULL;

  *session = wg_api_client_login_finish (WG_API_CLIENT (source), result, NULL, &error);
  g_assert_no_error (error);
}

static WgApiClient *
logged_in_api (WgTestServer *server,
               const char   *username)
{
  g_autoptr(GError) error = NULL;
  WgApiClient *api = wg_api_client_new (server->base_url, FALSE, &error);
  g_autoptr(JsonObject) session = NULL;

  g_assert_no_error (error);
  wg_api_client_login_async (api, username, DEMO_PASSWORD, NULL, login_cb, &session);
  while (session == NULL)
    g_main_context_iteration (NULL, TRUE);
  return api;
}

static void
console_open (Console     *console,
              WgApiClient *api,
              const char  *username,
              gboolean     full_view)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *cache_path = g_build_filename (console->dir, "journal.db", NULL);
  g_autofree char *outbox_path = g_build_filename (console->dir, "outbox.db", NULL);

  console->api = g_object_ref (api);
  console->cache = wg_store_open (cache_path, &error);
  g_assert_no_error (error);
  console->outbox = wg_outbox_open (outbox_path, &error);
  g_assert_no_error (error);
  console->clock = wg_clock_new ();
  console->sync = wg_sync_client_new (api, console->cache, console->outbox, console->clock, username,
                                      full_view);
  wg_sync_client_set_max_backoff_ms (console->sync, 300);
  /* The whole history: the journals are compared event by event. */
  wg_sync_client_set_backfill_days (console->sync, 0);
  console->last_seq = wg_store_head (console->cache);
  g_signal_connect (console->sync, "events-applied", G_CALLBACK (events_applied_cb), console);
  g_signal_connect (console->sync, "changes-applied", G_CALLBACK (changes_applied_cb), console);
  g_signal_connect (console->sync, "command-settled", G_CALLBACK (command_settled_cb), console);
}

/* Everything in memory goes; the files stay: what a restart of the process
 * leaves behind. */
static void
console_close (Console *console)
{
  if (console->sync != NULL)
    wg_sync_client_stop (console->sync);
  g_clear_object (&console->sync);
  g_clear_pointer (&console->outbox, wg_outbox_close);
  g_clear_pointer (&console->cache, wg_store_unref);
  g_clear_object (&console->clock);
  g_clear_object (&console->api);
}

static Console *
console_new (void)
{
  g_autoptr(GError) error = NULL;
  Console *console = g_new0 (Console, 1);

  console->dir = g_dir_make_tmp ("wangge-console-XXXXXX", &error);
  g_assert_no_error (error);
  return console;
}

static void
console_free (Console *console)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  console_close (console);
  dir = g_dir_open (console->dir, 0, NULL);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (console->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (console->dir);
  g_free (console->dir);
  g_free (console);
}

typedef struct
{
  Console *console;
  gint64   head;
} WaitHead;

static gboolean
caught_up (gpointer data)
{
  WaitHead *wait = data;

  return wg_sync_client_get_state (wait->console->sync) == WG_SYNC_ONLINE
         && wg_store_head (wait->console->cache) >= wait->head;
}

static gboolean
is_offline (gpointer data)
{
  Console *console = data;

  return wg_sync_client_get_state (console->sync) == WG_SYNC_OFFLINE;
}

static void
wait_caught_up (Console *console,
                gint64   head,
                guint    timeout_ms)
{
  WaitHead wait = { console, head };

  if (!wg_test_iterate_until (caught_up, &wait, timeout_ms))
    g_error ("the console did not catch up to %" G_GINT64_FORMAT " (at %" G_GINT64_FORMAT
             ", state %d)", head, wg_store_head (console->cache),
             wg_sync_client_get_state (console->sync));
}

static gboolean
backfilled (gpointer data)
{
  Console *console = data;

  return !wg_sync_client_get_backfilling (console->sync)
         && wg_store_get_backfill_after (console->cache) >= wg_store_get_snapshot_head (console->cache);
}

/* Every event of the server's journal, as the server would send it, against
 * the console's copy (once its back-fill is done): the same seqs, types,
 * subjects and bodies. */
static void
assert_same_journal (WgTestServer *server,
                     Console      *console)
{
  WgStore *cache = console->cache;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (server->data_dir, "journal.db", NULL);
  g_autoptr(WgStore) original = wg_store_open (path, &error);
  gint64 after = 0;

  g_assert_no_error (error);
  g_assert_true (wg_test_iterate_until (backfilled, console, 120000));
  g_assert_cmpint (wg_store_head (cache), ==, wg_store_head (original));
  for (;;)
    {
      g_autoptr(GPtrArray) theirs = wg_store_read_journal (original, after, 5000, &error);
      g_autoptr(GPtrArray) ours = wg_store_read_journal (cache, after, 5000, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (ours->len, ==, theirs->len);
      if (theirs->len == 0)
        break;
      for (guint i = 0; i < theirs->len; i++)
        {
          g_autofree char *a = wg_event_to_string (theirs->pdata[i]);
          g_autofree char *b = wg_event_to_string (ours->pdata[i]);

          g_assert_cmpstr (b, ==, a);
        }
      after = ((WgEvent *) theirs->pdata[theirs->len - 1])->seq;
    }
}

/* Writes a journal of about @events events into the server's data directory
 * before it starts, through the same engine code the server runs: general
 * incidents handled on the spot by each grid worker in turn. */
static void
prefill_journal_from (WgTestServer *server,
                      guint         events,
                      gint64        t0_ms)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *demo = g_build_filename (g_getenv ("WANGGE_SOURCE_DIR"), "data", "demo", NULL);
  g_autoptr(WgReference) reference = wg_reference_load_dir (demo, &error);
  g_autofree char *path = g_build_filename (server->data_dir, "journal.db", NULL);
  g_autoptr(WgStore) store = wg_store_open (path, &error);
  g_autoptr(GPtrArray) workers = NULL;
  guint made = 0;

  g_assert_no_error (error);
  g_assert_true (wg_store_adopt_reference (store, reference, &error));
  workers = wg_reference_dup_forces_for_account (reference, "worker-01");
  g_assert_cmpuint (workers->len, >, 0);

  g_assert_true (wg_store_begin (store, &error));
  for (guint i = 0; wg_store_head (store) < events; i++)
    {
      g_autofree char *account = g_strdup_printf ("worker-%02u", i % 63 + 1);
      g_autoptr(GPtrArray) forces = wg_reference_dup_forces_for_account (reference, account);
      WgForce *force = g_ptr_array_index (forces, 0);
      WgActor actor = { .username = account, .role = WG_ROLE_GRID_WORKER, .grid = force->grid->code };
      g_autofree char *text = g_strdup_printf (
        "{\"id\":\"%08x-0000-4000-8000-000000000000\",\"type\":\"incident.report\",\"body\":"
        "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":%.7f,\"lon\":%.7f},"
        "\"summary\":\"垃圾堆放 %u\",\"handled_on_spot\":{\"resolution\":\"已清理\"}}}",
        i, force->grid->centroid_lat, force->grid->centroid_lon, i);
      g_autoptr(WgCommand) command = wg_command_from_string (text, -1, &error);
      g_autoptr(GPtrArray) appended = NULL;
      gboolean replayed;

      g_assert_no_error (error);
      g_assert_true (wg_store_execute_command (store, command, &actor, t0_ms + i * 1000, &appended,
                                               &replayed, &error));
      g_assert_no_error (error);
      if (++made % 2000 == 0)
        {
          g_assert_true (wg_store_commit (store, &error));
          g_assert_true (wg_store_begin (store, &error));
        }
    }
  g_assert_true (wg_store_commit (store, &error));
}

static void
prefill_journal (WgTestServer *server,
                 guint         events)
{
  prefill_journal_from (server, events, T0_MS);
}

static char *
note_body (const char *incident,
           guint       n)
{
  return g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"第%u条记录\"}", incident, n);
}

/* An open professional incident to write notes on, by the dispatcher. */
static char *
report_professional (WgTestServer *server,
                     const char   *token)
{
  g_autoptr(WgTestResponse) answer = wg_test_server_command (
    server, token, NULL, "incident.report",
    "{\"grade\":\"professional\",\"category\":\"illegal_structure\","
    "\"location\":{\"lat\":23.2105,\"lon\":113.2903},\"summary\":\"楼顶违建\"}");
  JsonObject *object = wg_test_response_object (answer);
  JsonArray *events;

  g_assert_cmpuint (answer->status, ==, 200);
  events = json_object_get_array_member (object, "events");
  return g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                  "incident"));
}

typedef struct
{
  Console    *console;
  const char *incident;
} WaitIncident;

static gboolean
has_incident (gpointer data)
{
  WaitIncident *wait = data;
  g_auto(WgIncidentRecord) record = { 0 };

  return wg_store_get_incident (wait->console->cache, wait->incident, &record, NULL);
}

static gboolean
snapshot_fetched (gpointer fetch)
{
  return wg_snapshot_fetch_is_done (fetch);
}

/* A cold start asks for the snapshot when the login answers, before its
 * cache is open (the reference loads meanwhile): the sync client takes
 * that answer, parsed, whether it came before the client started or comes
 * after, and the stream goes on from its head, so that an incident
 * reported after it arrives too. */
static void
test_snapshot_fetched_before_cache (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(WgSnapshotFetch) fetch = NULL;
  g_autofree char *token = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gint64 snapshot_head;
  WaitIncident wait;

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "leader", DEMO_PASSWORD);
  before = report_professional (server, token);
  snapshot_head = wg_test_server_head (server);
  api = logged_in_api (server, "dispatcher");
  fetch = wg_snapshot_fetch_new (api, WG_SYNC_LIVE_BASE_PATH, TRUE, NULL);
  g_assert_true (wg_test_iterate_until (snapshot_fetched, fetch, 10000));
  after = report_professional (server, token);

  console_open (console, api, "dispatcher", TRUE);
  wg_sync_client_take_snapshot_fetch (console->sync, fetch);
  wg_sync_client_start (console->sync);
  wait_caught_up (console, wg_test_server_head (server), 10000);
  /* Started from the answer taken, not from one asked again. */
  g_assert_cmpint (wg_store_get_snapshot_head (console->cache), ==, snapshot_head);
  wait = (WaitIncident) { console, before };
  g_assert_true (has_incident (&wait));
  wait = (WaitIncident) { console, after };
  g_assert_true (wg_test_iterate_until (has_incident, &wait, 5000));
  console_free (console);

  /* Taken before its answer (a reference that loads faster than the
   * snapshot): the sync client waits for it. */
  console = console_new ();
  g_clear_object (&fetch);
  fetch = wg_snapshot_fetch_new (api, WG_SYNC_LIVE_BASE_PATH, TRUE, NULL);
  console_open (console, api, "dispatcher", TRUE);
  wg_sync_client_take_snapshot_fetch (console->sync, fetch);
  g_assert_false (wg_snapshot_fetch_is_done (fetch));
  wg_sync_client_start (console->sync);
  wait_caught_up (console, wg_test_server_head (server), 10000);
  wait = (WaitIncident) { console, after };
  g_assert_true (has_incident (&wait));
  console_free (console);
}

/* An empty cache starts from the snapshot: live at once, the open
 * incidents there; a report made while the 20,000 older events are back-
 * filled reaches the cache (and ::events-applied, which feeds the board and
 * the map) within a second; back-fill ends with the whole journal. */
static int
count_statement_cb (unsigned  type,
                    void     *data,
                    void     *stmt,
                    void     *sql)
{
  guint *count = data;

  g_test_message ("on the main connection: %s", (const char *) sql);
  (*count)++;
  return 0;
}

static void
test_snapshot_start_then_live_during_backfill (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autofree char *token = NULL;
  g_autofree char *incident = NULL;
  g_autofree char *open_before = NULL;
  gint64 head, started, reported;
  WaitIncident wait;
  guint statements = 0;

  server->no_leak_check = TRUE;
  prefill_journal (server, 20000);
  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "leader", DEMO_PASSWORD);
  open_before = report_professional (server, token);
  head = wg_test_server_head (server);
  g_assert_cmpint (head, >=, 20000);

  api = logged_in_api (server, "dispatcher");
  console_open (console, api, "dispatcher", TRUE);
  /* The cold start runs no SQL on the main loop's connection to the cache:
   * the reset for the server's journal id and the snapshot are the
   * writer's, and the main connection follows them. */
  sqlite3_trace_v2 (wg_store_get_sqlite (console->cache), SQLITE_TRACE_STMT, count_statement_cb, &statements);
  started = g_get_monotonic_time ();
  wg_sync_client_start (console->sync);
  wait_caught_up (console, head, 120000);
  sqlite3_trace_v2 (wg_store_get_sqlite (console->cache), 0, NULL, NULL);
  g_assert_cmpuint (statements, ==, 0);
  g_test_message ("live from the snapshot at %" G_GINT64_FORMAT " in %.2f s", head,
                  (g_get_monotonic_time () - started) / 1e6);
  g_assert_cmpint (wg_store_get_snapshot_head (console->cache), ==, head);
  wait = (WaitIncident) { console, open_before };
  g_assert_true (has_incident (&wait));
  g_assert_true (wg_sync_client_get_backfilling (console->sync));

  /* Live while back-filling. */
  reported = g_get_monotonic_time ();
  incident = report_professional (server, token);
  wait = (WaitIncident) { console, incident };
  g_assert_true (wg_test_iterate_until (has_incident, &wait, 5000));
  g_test_message ("a report reached the cache in %.0f ms, back-fill at %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT,
                  (g_get_monotonic_time () - reported) / 1e3, wg_store_get_backfill_after (console->cache), head);
  g_assert_cmpint (g_get_monotonic_time () - reported, <, G_USEC_PER_SEC);
  g_assert_true (wg_sync_client_get_backfilling (console->sync));
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *body = note_body (incident, i);
      g_autoptr(WgTestResponse) answer = wg_test_server_command (server, token, NULL, "incident.note",
                                                                 body);
      g_assert_cmpuint (answer->status, ==, 200);
    }
  wait_caught_up (console, wg_test_server_head (server), 10000);
  g_assert_cmpuint (console->out_of_order, ==, 0);
  g_assert_cmpuint (console->n_change_sets, >, 0);
  g_assert_cmpuint (console->incomplete_change_sets, ==, 0);
  assert_same_journal (server, console);
  g_test_message ("back-fill done %.1f s after the start", (g_get_monotonic_time () - started) / 1e6);

  console_free (console);
}


/* ---- the snapshot in two parts ------------------------------------------ */

static void
writer_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  WgCacheBatch **batch = user_data;
  g_autoptr(GError) error = NULL;

  *batch = wg_cache_writer_finish (WG_CACHE_WRITER (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
batch_back (gpointer data)
{
  return *(WgCacheBatch **) data != NULL;
}

static WgCacheBatch *
writer_wait (WgCacheBatch **batch)
{
  g_assert_true (wg_test_iterate_until (batch_back, batch, 30000));
  return g_steal_pointer (batch);
}

static GBytes *
get_bytes_as (WgTestServer *server,
              const char   *token,
              const char   *path)
{
  g_autoptr(WgTestResponse) answer = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);

  g_assert_cmpuint (answer->status, ==, 200);
  return g_bytes_ref (answer->body);
}

static char *
must_command (WgTestServer *server,
              const char   *token,
              const char   *type,
              const char   *body)
{
  g_autoptr(WgTestResponse) answer = wg_test_server_command (server, token, NULL, type, body);
  JsonArray *events;

  if (answer->status != 200)
    g_error ("%s %s: %u", type, body, answer->status);
  events = json_object_get_array_member (wg_test_response_object (answer), "events");
  return g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0), "incident"));
}

/* A cache file, its forces registered and its journal named, as a cold
 * start's writer has it before the snapshot. */
static WgCacheWriter *
cache_writer_new (const char  *dir,
                  const char  *name,
                  const char  *journal_id,
                  WgReference *reference)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  WgCacheWriter *writer = wg_cache_writer_new (path, TRUE);
  g_autoptr(WgCacheBatch) batch = NULL;
  WgCacheBatch *back = NULL;

  wg_cache_writer_register_forces (writer, reference, writer_done_cb, &back);
  g_clear_pointer (&batch, wg_cache_batch_free);
  batch = writer_wait (&back);
  g_clear_pointer (&batch, wg_cache_batch_free);
  wg_cache_writer_reset (writer, journal_id, writer_done_cb, &back);
  batch = writer_wait (&back);
  return writer;
}

/* Every row of the projection and the journal's events, as text. */
static char *
dump_cache (const char *dir,
            const char *name)
{
  static const char *const queries[] = {
    "SELECT * FROM incidents ORDER BY id",
    "SELECT * FROM assignments ORDER BY id",
    "SELECT * FROM deadlines ORDER BY incident, started_seq",
    "SELECT * FROM alarms ORDER BY incident",
    "SELECT * FROM routings ORDER BY incident, department",
    "SELECT * FROM units ORDER BY id",
    "SELECT * FROM roster",
    "SELECT seq, type, subject, incident, body FROM journal ORDER BY seq",
  };
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgStore) store = wg_store_open (path, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (wg_store_get_sqlite (store), queries[q], -1, &stmt, NULL), ==, SQLITE_OK);
      g_string_append_printf (out, "-- %s\n", queries[q]);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          for (int c = 0; c < sqlite3_column_count (stmt); c++)
            g_string_append_printf (out, "%s%s", c > 0 ? "|" : "",
                                    sqlite3_column_type (stmt, c) == SQLITE_NULL
                                    ? "NULL" : (const char *) sqlite3_column_text (stmt, c));
          g_string_append_c (out, '\n');
        }
      sqlite3_finalize (stmt);
    }
  return g_string_free (out, FALSE);
}

static gboolean
change_set_has (WgCacheBatch *batch,
                const char   *incident)
{
  GPtrArray *events = wg_change_set_get_events (batch->changes);

  for (guint i = 0; i < events->len; i++)
    if (g_strcmp0 (((WgEvent *) events->pdata[i])->incident, incident) == 0)
      return TRUE;
  return FALSE;
}

/* The snapshot's open part, then what the stream brought after its head
 * (a note on a closed incident, a cancelled one's note, the unit it had
 * taken off duty), then its ended part: the same cache, row for row, as
 * the whole snapshot then the same events.  The ended part's units keep
 * their later states, the case a merged duplicate went into counts it. */
static void
test_snapshot_ended_apart (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  g_autofree char *demo_dir = g_build_filename (g_getenv ("WANGGE_SOURCE_DIR"), "data", "demo", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_reference_load_dir (demo_dir, &error);
  g_autofree char *dir = g_dir_make_tmp ("wangge-ended-XXXXXX", NULL);
  g_autofree char *token = NULL;
  g_autofree char *closed = NULL, *cancelled = NULL, *open = NULL, *target = NULL, *duplicate = NULL;
  g_autofree char *body = NULL, *ignored = NULL, *path = NULL, *apart_text = NULL, *whole_text = NULL;
  g_autoptr(GBytes) apart = NULL, whole = NULL, page = NULL, ended = NULL;
  g_autoptr(WgCacheSnapshot) ended_decoded = NULL;
  g_autoptr(WgCacheWriter) two = NULL, one = NULL;
  g_autoptr(WgCacheBatch) batch = NULL;
  WgCacheBatch *back = NULL;
  g_autofree char *journal_id = NULL;
  gint64 head;

  g_assert_no_error (error);
  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  closed = must_command (server, token, "incident.report",
                         "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.2105,\"lon\":113.2903},"
                         "\"summary\":\"垃圾堆放\",\"handled_on_spot\":{\"resolution\":\"已清理\"}}");
  cancelled = must_command (server, token, "incident.report",
                            "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":{\"lat\":23.2105,"
                            "\"lon\":113.2903},\"summary\":\"厨房起火\"}");
  body = g_strdup_printf ("{\"incident\":\"%s\",\"units\":[\"eu-01\"]}", cancelled);
  ignored = must_command (server, token, "dispatch.assign", body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ignored, g_free);
  body = g_strdup_printf ("{\"incident\":\"%s\",\"reason\":\"误报\"}", cancelled);
  ignored = must_command (server, token, "incident.cancel", body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ignored, g_free);
  open = report_professional (server, token);
  /* A duplicate merged into a case that ended since: both in the ended
   * part (a merged incident is not open). */
  target = must_command (server, token, "incident.report",
                         "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":{\"lat\":23.2105,"
                         "\"lon\":113.2903},\"summary\":\"仓库冒烟\"}");
  duplicate = must_command (server, token, "incident.report",
                            "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":{\"lat\":23.2105,"
                            "\"lon\":113.2903},\"summary\":\"仓库冒烟\"}");
  body = g_strdup_printf ("{\"incident\":\"%s\",\"into\":\"%s\",\"reason\":\"同一处\"}", duplicate, target);
  ignored = must_command (server, token, "incident.merge", body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ignored, g_free);
  body = g_strdup_printf ("{\"incident\":\"%s\",\"reason\":\"已处置\"}", target);
  ignored = must_command (server, token, "incident.cancel", body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ignored, g_free);

  /* A unit with a position, for the table's. */
  {
    g_autofree char *position = g_strdup_printf ("{\"positions\":[{\"unit\":\"eu-02\",\"ts\":%" G_GINT64_FORMAT
                                                  ",\"lat\":23.2111,\"lon\":113.2911,\"status\":\"available\"}]}",
                                                  g_get_real_time () / 1000);
    g_autoptr(WgTestResponse) posted = wg_test_server_request_as (server, server->token, "POST", "/api/v1/positions",
                                                                  "application/json", position);

    g_assert_cmpuint (posted->status, ==, 200);
  }

  head = wg_test_server_head (server);
  apart = get_bytes_as (server, token, "/api/v1/snapshot?ended=false&units=table");
  /* The units as a table: the same states and positions as the objects. */
  {
    g_autoptr(GBytes) objects_bytes = get_bytes_as (server, token, "/api/v1/snapshot?ended=false");
    g_autoptr(WgCacheSnapshot) table = wg_cache_snapshot_decode (apart, &error);
    g_autoptr(WgCacheSnapshot) objects = NULL;

    g_assert_no_error (error);
    objects = wg_cache_snapshot_decode (objects_bytes, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (table->units->len, ==, objects->units->len);
    g_assert_cmpuint (table->units->len, >, 0);
    for (guint i = 0; i < table->units->len; i++)
      {
        WgUnitRecord *a = table->units->pdata[i], *b = objects->units->pdata[i];

        g_assert_cmpstr (a->id, ==, b->id);
        g_assert_cmpint (a->status, ==, b->status);
        g_assert_cmpuint (a->open_assignments, ==, b->open_assignments);
        g_assert_cmpint (a->updated_at, ==, b->updated_at);
      }
    g_assert_cmpuint (json_array_get_length (table->positions), ==, json_array_get_length (objects->positions));
    g_assert_cmpuint (json_array_get_length (table->positions), >, 0);
    for (guint i = 0; i < json_array_get_length (table->positions); i++)
      {
        JsonObject *a = json_array_get_object_element (table->positions, i);
        JsonObject *b = json_array_get_object_element (objects->positions, i);

        g_assert_cmpstr (json_object_get_string_member (a, "unit"), ==, json_object_get_string_member (b, "unit"));
        g_assert_cmpint (json_object_get_int_member (a, "ts"), ==, json_object_get_int_member (b, "ts"));
        g_assert_cmpfloat (json_object_get_double_member (a, "lat"), ==, json_object_get_double_member (b, "lat"));
        g_assert_cmpfloat (json_object_get_double_member (a, "lon"), ==, json_object_get_double_member (b, "lon"));
        g_assert_cmpstr (json_object_get_string_member (a, "status"), ==, json_object_get_string_member (b, "status"));
      }
    g_assert_true (table->ended_apart);
  }
  whole = get_bytes_as (server, token, "/api/v1/snapshot");
  apart_text = g_strndup (g_bytes_get_data (apart, NULL), g_bytes_get_size (apart));
  whole_text = g_strndup (g_bytes_get_data (whole, NULL), g_bytes_get_size (whole));
  g_assert_nonnull (strstr (apart_text, "\"ended_apart\":true"));
  g_assert_null (strstr (whole_text, "ended_apart"));
  g_assert_null (strstr (apart_text, closed));
  g_assert_null (strstr (apart_text, cancelled));
  g_assert_nonnull (strstr (apart_text, open));
  g_assert_null (strstr (apart_text, duplicate));
  g_assert_nonnull (strstr (whole_text, closed));

  /* After the head: the stream's events. */
  body = note_body (closed, 1);
  ignored = must_command (server, token, "incident.note", body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ignored, g_free);
  body = note_body (cancelled, 2);
  ignored = must_command (server, token, "incident.note", body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ignored, g_free);
  ignored = must_command (server, token, "unit.status", "{\"unit\":\"eu-01\",\"status\":\"off_duty\"}");
  g_clear_pointer (&ignored, g_free);
  g_assert_cmpint (wg_test_server_head (server), >, head);
  path = g_strdup_printf ("/api/v1/journal?after=%" G_GINT64_FORMAT, head);
  page = get_bytes_as (server, token, path);
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/api/v1/snapshot/ended?head=%" G_GINT64_FORMAT, head);
  ended = get_bytes_as (server, token, path);
  ended_decoded = wg_cache_snapshot_decode (ended, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ended_decoded->head, ==, head);
  for (guint i = 0; i < ended_decoded->events->len; i++)
    g_assert_cmpint (((WgEvent *) ended_decoded->events->pdata[i])->seq, <=, head);

  {
    g_autoptr(WgTestResponse) health = wg_test_server_get (server, "/api/v1/health");

    journal_id = g_strdup (json_object_get_string_member (wg_test_response_object (health), "journal_id"));
    one = cache_writer_new (dir, "one.db", journal_id, reference);
    two = cache_writer_new (dir, "two.db", journal_id, reference);
  }

  /* The whole snapshot, then the stream. */
  wg_cache_writer_apply_snapshot (one, whole, journal_id, writer_done_cb, &back);
  batch = writer_wait (&back);
  g_clear_pointer (&batch, wg_cache_batch_free);
  wg_cache_writer_apply_page (one, page, NULL, NULL, NULL, writer_done_cb, &back);
  batch = writer_wait (&back);
  g_clear_pointer (&batch, wg_cache_batch_free);

  /* The open part, the stream, then the ended part. */
  wg_cache_writer_apply_snapshot (two, apart, journal_id, writer_done_cb, &back);
  batch = writer_wait (&back);
  g_assert_true (batch->ended_apart);
  g_assert_cmpint (batch->server_head, ==, head);
  g_clear_pointer (&batch, wg_cache_batch_free);
  wg_cache_writer_apply_page (two, page, NULL, NULL, NULL, writer_done_cb, &back);
  batch = writer_wait (&back);
  g_clear_pointer (&batch, wg_cache_batch_free);
  wg_cache_writer_apply_ended (two, g_steal_pointer (&ended_decoded), journal_id, writer_done_cb, &back);
  batch = writer_wait (&back);
  /* One change set with every ended incident, the notes after the head too. */
  g_assert_nonnull (batch->changes);
  g_assert_true (change_set_has (batch, closed));
  g_assert_true (change_set_has (batch, cancelled));
  g_assert_true (change_set_has (batch, target));
  g_assert_true (change_set_has (batch, duplicate));
  g_assert_false (change_set_has (batch, open));
  g_clear_pointer (&batch, wg_cache_batch_free);

  g_clear_object (&one);
  g_clear_object (&two);
  {
    g_autofree char *a = dump_cache (dir, "one.db");
    g_autofree char *b = dump_cache (dir, "two.db");

    g_assert_cmpstr (b, ==, a);
  }

  /* The same part again (a client asking twice) changes nothing. */
  {
    g_autofree char *before = dump_cache (dir, "two.db");
    g_autofree char *after = NULL;
    g_autofree char *two_path = g_build_filename (dir, "two.db", NULL);

    two = wg_cache_writer_new (two_path, TRUE);
    ended_decoded = wg_cache_snapshot_decode (ended, &error);
    g_assert_no_error (error);
    wg_cache_writer_apply_ended (two, g_steal_pointer (&ended_decoded), journal_id, writer_done_cb, &back);
    batch = writer_wait (&back);
    g_assert_null (batch->changes);
    g_clear_pointer (&batch, wg_cache_batch_free);
    g_clear_object (&two);
    after = dump_cache (dir, "two.db");
    g_assert_cmpstr (after, ==, before);
  }

  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *file = g_build_filename (dir, name, NULL);
        g_unlink (file);
      }
    g_rmdir (dir);
  }
}


/* A cold start on a day of closed cases (some 4,000, each ended within the
 * last day): online on the open incidents; a report made while the ended
 * ones load reaches the cache within a second; they all come, in one
 * change set, then back-fill; the journal ends as the server's. */
static void
test_snapshot_live_while_ended_load (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autofree char *token = NULL;
  g_autofree char *incident = NULL;
  g_autofree char *first_closed = NULL;
  gint64 head, reported;
  WaitIncident wait;
  gboolean loading;

  server->no_leak_check = TRUE;
  /* Reported and closed over the last few hours. */
  prefill_journal_from (server, 12000, g_get_real_time () / 1000 - 6 * 3600 * 1000);
  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "leader", DEMO_PASSWORD);
  head = wg_test_server_head (server);
  {
    g_autoptr(WgTestResponse) whole = wg_test_server_request_as (server, token, "GET", "/api/v1/snapshot", NULL, NULL);
    JsonArray *incidents = json_object_get_array_member (wg_test_response_object (whole), "incidents");
    JsonObject *first = json_array_get_object_element (incidents, 0);

    g_assert_cmpuint (json_array_get_length (incidents), >, 3000);
    g_assert_cmpstr (json_object_get_string_member (first, "state"), ==, "closed");
    first_closed = g_strdup (json_object_get_string_member (first, "id"));
  }

  api = logged_in_api (server, "dispatcher");
  console_open (console, api, "dispatcher", TRUE);
  wg_sync_client_start (console->sync);
  wait_caught_up (console, head, 120000);
  g_assert_true (wg_sync_client_get_backfilling (console->sync));
  wait = (WaitIncident) { console, first_closed };
  loading = !has_incident (&wait);

  reported = g_get_monotonic_time ();
  incident = report_professional (server, token);
  wait = (WaitIncident) { console, incident };
  g_assert_true (wg_test_iterate_until (has_incident, &wait, 5000));
  g_test_message ("a report reached the cache in %.0f ms, the ended incidents %s",
                  (g_get_monotonic_time () - reported) / 1e3, loading ? "loading then" : "in already");
  g_assert_true (loading);
  g_assert_cmpint (g_get_monotonic_time () - reported, <, G_USEC_PER_SEC);

  wait = (WaitIncident) { console, first_closed };
  g_assert_true (wg_test_iterate_until (has_incident, &wait, 60000));
  assert_same_journal (server, console);
  /* Not out_of_order: the ended part's events are older than the stream's
   * before it, by design. */
  g_assert_cmpuint (console->incomplete_change_sets, ==, 0);
  console_free (console);
}


/* A console stopped after the open part was stored, before the ended one
 * came: the cache keeps the head they are to be asked at, and the next
 * start asks them before back-fill. */
static void
test_snapshot_ended_after_restart (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  g_autofree char *demo_dir = g_build_filename (g_getenv ("WANGGE_SOURCE_DIR"), "data", "demo", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_reference_load_dir (demo_dir, &error);
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autofree char *token = NULL;
  g_autofree char *closed = NULL;
  g_autofree char *open = NULL;
  g_autofree char *journal_id = NULL;
  g_autoptr(GBytes) apart = NULL;
  g_autoptr(WgCacheWriter) writer = NULL;
  g_autoptr(WgCacheBatch) batch = NULL;
  WgCacheBatch *back = NULL;
  WaitIncident wait;

  g_assert_no_error (error);
  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  closed = must_command (server, token, "incident.report",
                         "{\"grade\":\"general\",\"category\":\"garbage\",\"location\":{\"lat\":23.2105,\"lon\":113.2903},"
                         "\"summary\":\"垃圾堆放\",\"handled_on_spot\":{\"resolution\":\"已清理\"}}");
  open = report_professional (server, token);
  apart = get_bytes_as (server, token, "/api/v1/snapshot?ended=false&units=table");
  {
    g_autoptr(WgTestResponse) health = wg_test_server_get (server, "/api/v1/health");

    journal_id = g_strdup (json_object_get_string_member (wg_test_response_object (health), "journal_id"));
  }

  /* The first start: the open part stored, then stopped. */
  writer = cache_writer_new (console->dir, "journal.db", journal_id, reference);
  wg_cache_writer_apply_snapshot (writer, apart, journal_id, writer_done_cb, &back);
  batch = writer_wait (&back);
  g_assert_true (batch->ended_apart);
  g_clear_pointer (&batch, wg_cache_batch_free);
  g_clear_object (&writer);

  api = logged_in_api (server, "dispatcher");
  console_open (console, api, "dispatcher", TRUE);
  g_assert_cmpint (wg_store_get_ended_head (console->cache), >, 0);
  wait = (WaitIncident) { console, closed };
  g_assert_false (has_incident (&wait));
  wg_sync_client_start (console->sync);
  wait_caught_up (console, wg_test_server_head (server), 10000);
  g_assert_true (wg_test_iterate_until (has_incident, &wait, 10000));
  assert_same_journal (server, console);
  g_assert_cmpint (wg_store_get_ended_head (console->cache), ==, 0);
  wait = (WaitIncident) { console, open };
  g_assert_true (has_incident (&wait));
  console_free (console);
}

static void
record_state_cb (WgSyncClient *sync,
                 GParamSpec   *pspec,
                 GArray       *states)
{
  WgSyncState state = wg_sync_client_get_state (sync);

  g_array_append_val (states, state);
}

typedef struct
{
  Console *console;
  gint64   head;
} WaitServerHead;

/* The health check answered: the client knows the server's head. */
static gboolean
head_heard (gpointer data)
{
  WaitServerHead *wait = data;

  return wg_sync_client_get_head (wait->console->sync) >= wait->head;
}

/* A warm start: the cache is there, the login is on its way.  The client
 * asks only the health check meanwhile (it needs no token) and goes on to
 * the journal when the login answers: no 401, no second health check. */
static void
test_warm_start_awaits_login (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) logged_in = NULL;
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (WgSyncState));
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  g_autofree char *incident = NULL;
  WaitServerHead wait;

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "leader", DEMO_PASSWORD);
  incident = report_professional (server, token);
  logged_in = logged_in_api (server, "dispatcher");
  api = wg_api_client_new (server->base_url, FALSE, &error);
  g_assert_no_error (error);
  console_open (console, api, "dispatcher", TRUE);
  g_signal_connect (console->sync, "notify::state", G_CALLBACK (record_state_cb), states);

  wg_sync_client_await_login (console->sync);
  g_assert_cmpint (wg_sync_client_get_state (console->sync), ==, WG_SYNC_CONNECTING);
  wait = (WaitServerHead) { console, wg_test_server_head (server) };
  g_assert_cmpint (wait.head, >, 0);
  g_assert_true (wg_test_iterate_until (head_heard, &wait, 10000));
  wg_test_iterate_for (300);
  g_assert_cmpint (wg_sync_client_get_state (console->sync), ==, WG_SYNC_CONNECTING);
  g_assert_cmpint (wg_store_head (console->cache), ==, 0);

  /* The login answered: on to the journal, with no second health check
   * (connecting again) and no 401 (logged out) on the way. */
  g_array_set_size (states, 0);
  wg_api_client_set_token (api, wg_api_client_get_token (logged_in));
  wg_sync_client_resume (console->sync);
  wait_caught_up (console, wait.head, 30000);
  for (guint i = 0; i < states->len; i++)
    {
      g_assert_cmpint (g_array_index (states, WgSyncState, i), !=, WG_SYNC_LOGIN_REQUIRED);
      g_assert_cmpint (g_array_index (states, WgSyncState, i), !=, WG_SYNC_CONNECTING);
    }
  g_assert_true (has_incident (&(WaitIncident) { console, incident }));

  console_free (console);
}

/* Holds the cache writer in a read (a job like any other) until let go:
 * the jobs given after it wait, as behind a long store. */
typedef struct
{
  GMutex   lock;
  GCond    cond;
  gboolean entered;
  gboolean open;
} WriterGate;

static gpointer
gate_read (WgStore  *store,
           gpointer  data,
           GError  **error)
{
  WriterGate *gate = data;

  g_mutex_lock (&gate->lock);
  gate->entered = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!gate->open)
    g_cond_wait (&gate->cond, &gate->lock);
  g_mutex_unlock (&gate->lock);
  return g_strdup ("passed");
}

static void
gate_passed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *passed = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = wg_sync_client_read_cache_finish (WG_SYNC_CLIENT (source), result, &error);

  g_assert_no_error (error);
  *passed = TRUE;
}

static gboolean
gate_entered (gpointer data)
{
  WriterGate *gate = data;
  gboolean entered;

  g_mutex_lock (&gate->lock);
  entered = gate->entered;
  g_mutex_unlock (&gate->lock);
  return entered;
}

static void
gate_open (WriterGate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->open = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

typedef struct
{
  guint    batches;
  gboolean online_before_snapshot;
  gint64   first_batch_last_seq;
} SnapshotFirst;

static void
snapshot_first_cb (WgSyncClient *sync,
                   GPtrArray    *events,
                   SnapshotFirst *check)
{
  if (check->batches++ > 0)
    return;
  check->online_before_snapshot = wg_sync_client_get_state (sync) == WG_SYNC_ONLINE;
  check->first_batch_last_seq = events->len > 0 ? ((WgEvent *) g_ptr_array_index (events, events->len - 1))->seq : 0;
}

/* A cold start asks the stream from the snapshot's head as soon as the
 * snapshot is decoded, before the writer has stored it: an incident
 * reported between the snapshot's answer and the stream's open, and one
 * reported while the snapshot waits for the writer, are in the cache once
 * each, applied after the snapshot; the client is online only once the
 * snapshot is applied, even though the stream said "live" long before. */
static void
test_stream_ahead_of_snapshot_store (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(WgSnapshotFetch) fetch = NULL;
  g_autofree char *token = NULL;
  g_autofree char *before = NULL;
  g_autofree char *between = NULL;
  g_autofree char *waiting = NULL;
  WriterGate gate = { 0 };
  SnapshotFirst check = { 0 };
  WaitServerHead heard;
  gboolean passed = FALSE;
  gint64 snapshot_head;

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "leader", DEMO_PASSWORD);
  before = report_professional (server, token);
  snapshot_head = wg_test_server_head (server);
  api = logged_in_api (server, "dispatcher");
  fetch = wg_snapshot_fetch_new (api, WG_SYNC_LIVE_BASE_PATH, TRUE, NULL);
  g_assert_true (wg_test_iterate_until (snapshot_fetched, fetch, 10000));
  between = report_professional (server, token);

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  console_open (console, api, "dispatcher", TRUE);
  g_signal_connect (console->sync, "events-applied", G_CALLBACK (snapshot_first_cb), &check);
  /* The writer held before the client starts: the reset and the snapshot
   * queue behind the gate, the stream opens meanwhile. */
  wg_sync_client_read_cache_async (console->sync, gate_read, &gate, NULL, g_free, NULL, gate_passed_cb, &passed);
  g_assert_true (wg_test_iterate_until (gate_entered, &gate, 10000));
  wg_sync_client_take_snapshot_fetch (console->sync, fetch);
  wg_sync_client_start (console->sync);

  /* The stream is open (its hello and catch-up tell the server's head)
   * and brings a report made now too; nothing is applied yet. */
  heard = (WaitServerHead) { console, wg_test_server_head (server) };
  g_assert_true (wg_test_iterate_until (head_heard, &heard, 10000));
  waiting = report_professional (server, token);
  heard.head = wg_test_server_head (server);
  g_assert_true (wg_test_iterate_until (head_heard, &heard, 10000));
  wg_test_iterate_for (200);
  g_assert_cmpint (wg_store_head (console->cache), ==, 0);
  g_assert_cmpuint (check.batches, ==, 0);
  g_assert_cmpint (wg_sync_client_get_state (console->sync), !=, WG_SYNC_ONLINE);

  gate_open (&gate);
  wait_caught_up (console, wg_test_server_head (server), 10000);
  g_assert_true (passed);
  /* The snapshot first, online after it; then the stream's events from
   * its head on, each once. */
  g_assert_cmpint (wg_store_get_snapshot_head (console->cache), ==, snapshot_head);
  g_assert_cmpuint (check.batches, >=, 2);
  g_assert_false (check.online_before_snapshot);
  g_assert_cmpint (check.first_batch_last_seq, <=, snapshot_head);
  g_assert_cmpuint (console->out_of_order, ==, 0);
  g_assert_cmpuint (console->incomplete_change_sets, ==, 0);
  g_assert_true (has_incident (&(WaitIncident) { console, before }));
  g_assert_true (has_incident (&(WaitIncident) { console, between }));
  g_assert_true (has_incident (&(WaitIncident) { console, waiting }));
  assert_same_journal (server, console);

  console_free (console);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
}

typedef struct
{
  WgTestServer *server;
  WgApiClient  *api;
  char         *incident;
  guint         sent;
  guint         answered;
  guint         total;
} Burst;

static void
burst_answer_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Burst *burst = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, NULL,
                                                              &error);

  g_assert_no_error (error);
  burst->answered++;
}

static gboolean
burst_tick_cb (gpointer user_data)
{
  Burst *burst = user_data;

  /* One every tick: under the server's 50 commands/s per session. */
  for (guint i = 0; i < 1 && burst->sent < burst->total; i++, burst->sent++)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) envelope = NULL;
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *text = g_strdup_printf ("第%u条", burst->sent);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, id);
      json_builder_set_member_name (builder, "type");
      json_builder_add_string_value (builder, "incident.note");
      json_builder_set_member_name (builder, "body");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "incident");
      json_builder_add_string_value (builder, burst->incident);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, text);
      json_builder_end_object (builder);
      json_builder_end_object (builder);
      envelope = json_builder_get_root (builder);
      wg_api_client_request_async (burst->api, "POST", "/api/v1/commands", envelope, NULL,
                                   burst_answer_cb, burst);
    }
  return burst->sent < burst->total ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
burst_done (gpointer data)
{
  Burst *burst = data;

  return burst->answered == burst->total;
}

static void
test_stream_cuts_during_burst (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autofree char *token = NULL;
  Burst burst = { 0 };
  guint cuts = 0;
  GRand *rand = g_rand_new_with_seed (g_test_rand_int ());

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "leader", DEMO_PASSWORD);
  burst.server = server;
  burst.incident = report_professional (server, token);
  burst.api = logged_in_api (server, "leader");
  burst.total = BURST_NOTES;

  api = logged_in_api (server, "dispatcher");
  console_open (console, api, "dispatcher", TRUE);
  wg_sync_client_start (console->sync);
  wait_caught_up (console, wg_test_server_head (server), 10000);

  g_timeout_add (22, burst_tick_cb, &burst);
  /* Cut the console's stream STREAM_CUTS times at random moments of the burst. */
  while (cuts < STREAM_CUTS)
    {
      wg_test_iterate_for (g_rand_int_range (rand, 20, 80));
      if (_wg_sync_client_drop_stream (console->sync))
        cuts++;
      g_assert_true (burst.answered < burst.total || cuts > 0);
      if (burst.sent == burst.total && burst.answered == burst.total && cuts < STREAM_CUTS)
        {
          /* The burst is over before the cuts: make another. */
          burst.total += 100;
          g_timeout_add (22, burst_tick_cb, &burst);
        }
    }
  g_assert_true (wg_test_iterate_until (burst_done, &burst, 60000));

  wait_caught_up (console, wg_test_server_head (server), 30000);
  g_assert_cmpuint (console->out_of_order, ==, 0);
  g_assert_cmpuint (console->n_change_sets, >, 0);
  g_assert_cmpuint (console->incomplete_change_sets, ==, 0);
  assert_same_journal (server, console);

  g_rand_free (rand);
  g_free (burst.incident);
  g_object_unref (burst.api);
  console_free (console);
}

static gboolean
outbox_empty (gpointer data)
{
  Console *console = data;

  return wg_outbox_count (console->outbox, "dispatcher", WG_OUTBOX_QUEUED) == 0;
}

/* Starts @server with @args, has the dispatcher report a professional
 * incident and opens the dispatcher's console, caught up with it; @uploads
 * gives its sync client an upload directory.  Returns the incident; *@api
 * is the console's logged-in client. */
static char *
open_dispatcher_console (WgTestServer        *server,
                         const char * const  *args,
                         Console             *console,
                         gboolean             uploads,
                         WgApiClient        **api)
{
  g_autofree char *token = NULL;
  char *incident;

  wg_test_server_start (server, args);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  incident = report_professional (server, token);
  *api = logged_in_api (server, "dispatcher");
  console_open (console, *api, "dispatcher", TRUE);
  if (uploads)
    wg_sync_client_set_upload_dir (console->sync, console->dir);
  wg_sync_client_start (console->sync);
  wait_caught_up (console, wg_test_server_head (server), 10000);
  return incident;
}

/* The console restarts (only its files survive) while @server starts again
 * with @args on another port, the same data; the console keeps @api's
 * session.  Its sync client is not started.  Returns its new client. */
static WgApiClient *
reopen_dispatcher_console (Console            *console,
                           WgTestServer       *server,
                           const char * const *args,
                           WgApiClient        *api,
                           gboolean            uploads)
{
  g_autoptr(GError) error = NULL;
  WgApiClient *api_after;

  console_close (console);
  wg_test_server_start (server, args);
  api_after = wg_api_client_new (server->base_url, FALSE, &error);
  g_assert_no_error (error);
  wg_api_client_set_token (api_after, wg_api_client_get_token (api));
  console_open (console, api_after, "dispatcher", TRUE);
  if (uploads)
    wg_sync_client_set_upload_dir (console->sync, console->dir);
  return api_after;
}

static void
test_outbox_across_outage_and_restart (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(WgApiClient) api_after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *incident = NULL;
  g_autofree char *journal_path = NULL;
  g_autoptr(WgStore) journal = NULL;
  g_autoptr(GPtrArray) refused = NULL;
  char *refused_id = NULL;
  guint notes = 0;

  incident = open_dispatcher_console (server, demo, console, FALSE, &api);

  /* The server goes away; the dispatcher keeps working. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *body = NULL;
      char *id;

      if (i == 50)
        /* One the rules refuse: resolve is for emergencies. */
        body = g_strdup_printf ("{\"incident\":\"%s\",\"summary\":\"x\"}", incident);
      else
        body = note_body (incident, i);
      g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
      id = wg_sync_client_send (console->sync, i == 50 ? "incident.resolve" : "incident.note",
                                json_parser_get_root (parser), &error);
      g_assert_no_error (error);
      if (i == 50)
        refused_id = g_strdup (id);
      g_ptr_array_add (ids, id);
    }
  /* It finds out that the server is gone at its next try, which a loaded
   * machine may take a while to make and fail: wait for it, then look. */
  g_assert_true (wg_test_iterate_until (is_offline, console, 10000));
  g_assert_cmpuint (wg_sync_client_get_queued (console->sync), ==, 100);

  /* The console restarts (only its files survive), then the server returns
   * on another port with the same data. */
  api_after = reopen_dispatcher_console (console, server, demo, api, FALSE);
  g_assert_cmpuint (wg_sync_client_get_queued (console->sync), ==, 100);
  wg_sync_client_start (console->sync);

  g_assert_true (wg_test_iterate_until (outbox_empty, console, 30000));
  wait_caught_up (console, wg_test_server_head (server), 10000);

  /* Each applied once, in the order made; the refusal is kept for its user. */
  journal_path = g_build_filename (server->data_dir, "journal.db", NULL);
  journal = wg_store_open (journal_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GPtrArray) caused = wg_store_events_of_command (journal, ids->pdata[i], &error);

      g_assert_no_error (error);
      if (g_str_equal (ids->pdata[i], refused_id))
        {
          g_assert_cmpuint (caused->len, ==, 0);
          continue;
        }
      g_assert_cmpuint (caused->len, ==, 1);
      g_assert_cmpint (((WgEvent *) caused->pdata[0])->type, ==, WG_EV_INCIDENT_NOTED);
      notes++;
    }
  g_assert_cmpuint (notes, ==, 99);
  {
    /* In order: the seqs of the notes grow with the order they were made. */
    gint64 last = 0;
    for (guint i = 0; i < ids->len; i++)
      {
        g_autoptr(GPtrArray) caused = wg_store_events_of_command (journal, ids->pdata[i], &error);
        if (caused->len == 0)
          continue;
        g_assert_cmpint (((WgEvent *) caused->pdata[0])->seq, >, last);
        last = ((WgEvent *) caused->pdata[0])->seq;
      }
  }
  refused = wg_outbox_list (console->outbox, "dispatcher", WG_OUTBOX_REFUSED, &error);
  g_assert_cmpuint (refused->len, ==, 1);
  g_assert_cmpstr (((WgOutboxEntry *) refused->pdata[0])->id, ==, refused_id);
  g_assert_nonnull (strstr (((WgOutboxEntry *) refused->pdata[0])->answer, "illegal-transition"));
  g_assert_cmpuint (console->settled_refused, ==, 1);
  assert_same_journal (server, console);

  g_free (refused_id);
  console_free (console);
}

static GBytes *
make_jpeg (int width,
           int height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *buffer = NULL;
  gsize len = 0;

  gdk_pixbuf_fill (pixbuf, 0x3080c0ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &len, "jpeg", &error, NULL));
  g_assert_no_error (error);
  return g_bytes_new_take (buffer, len);
}

static char *
send_note_with (Console    *console,
                const char *incident,
                const char *attachment)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"现场照片\","
                                           "\"attachments\":[\"%s\"]}", incident, attachment);
  char *id;

  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  id = wg_sync_client_send (console->sync, "incident.note", json_parser_get_root (parser), &error);
  g_assert_no_error (error);
  return id;
}

static WgOutboxEntry *
outbox_entry (Console    *console,
              const char *id)
{
  g_autoptr(GError) error = NULL;
  WgOutboxEntry *entry = wg_outbox_lookup (console->outbox, id, &error);

  g_assert_no_error (error);
  return entry;
}

typedef struct
{
  gboolean  done;
  GBytes   *bytes;
  char     *etag;
  char     *media_type;
  GError   *error;
} Download;

static void
download_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Download *d = user_data;

  wg_api_client_download_finish (WG_API_CLIENT (source), result, &d->bytes, &d->etag, &d->media_type,
                                 NULL, &d->error);
  d->done = TRUE;
}

static void
download (WgApiClient         *api,
          const char          *id,
          WgAttachmentVariant  variant,
          const char          *etag,
          Download            *d)
{
  memset (d, 0, sizeof *d);
  wg_api_client_download_async (api, id, variant, etag, NULL, download_cb, d);
  while (!d->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
download_clear (Download *d)
{
  g_clear_pointer (&d->bytes, g_bytes_unref);
  g_clear_pointer (&d->etag, g_free);
  g_clear_pointer (&d->media_type, g_free);
  g_clear_error (&d->error);
}

/* Photos queued while the server is down go first, their server ids are
 * put into the notes behind them; a photo the server refuses is kept as a
 * refusal, and so is the note that needed it. */
static void
test_outbox_uploads_across_outage (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(WgApiClient) api_after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) photo = make_jpeg (800, 600);
  g_autoptr(GBytes) broken = g_bytes_new_from_bytes (photo, 0, g_bytes_get_size (photo) / 2);
  g_autoptr(GBytes) text = g_bytes_new_static ("not a photo", 11);
  g_autoptr(GBytes) big = NULL;
  g_autofree char *incident = NULL;
  g_autofree char *good_upload = NULL, *good_note = NULL;
  g_autofree char *bad_upload = NULL, *bad_note = NULL;
  g_autofree char *server_id = NULL;
  g_autofree char *local_copy = NULL;
  g_autofree char *journal_path = NULL;
  g_autoptr(WgStore) journal = NULL;
  Download d;

  incident = open_dispatcher_console (server, demo, console, TRUE, &api);

  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  good_upload = wg_sync_client_queue_upload (console->sync, photo, &error);
  g_assert_no_error (error);
  good_note = send_note_with (console, incident, good_upload);
  bad_upload = wg_sync_client_queue_upload (console->sync, broken, &error);
  g_assert_no_error (error);
  bad_note = send_note_with (console, incident, bad_upload);
  /* Refused at once, nothing queued. */
  g_assert_null (wg_sync_client_queue_upload (console->sync, text, &error));
  g_assert_error (error, WG_API_ERROR, WG_API_ERROR_REFUSED);
  g_clear_error (&error);
  big = g_bytes_new_take (g_malloc0 (WG_UPLOAD_MAX_BYTES + 1), WG_UPLOAD_MAX_BYTES + 1);
  g_assert_null (wg_sync_client_queue_upload (console->sync, big, &error));
  g_assert_error (error, WG_API_ERROR, WG_API_ERROR_TOO_LARGE);
  g_clear_error (&error);
  wg_test_iterate_for (300);
  g_assert_cmpuint (wg_sync_client_get_queued (console->sync), ==, 4);
  {
    g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, photo);
    g_autofree char *name = g_strconcat (sha, ".jpg", NULL);

    local_copy = g_build_filename (console->dir, name, NULL);
    g_assert_true (g_file_test (local_copy, G_FILE_TEST_EXISTS));
  }

  /* The console restarts, the server comes back. */
  api_after = reopen_dispatcher_console (console, server, demo, api, TRUE);
  wg_sync_client_start (console->sync);
  g_assert_true (wg_test_iterate_until (outbox_empty, console, 30000));
  wait_caught_up (console, wg_test_server_head (server), 10000);

  /* The photo: accepted, its server id in the note, the local copy gone. */
  {
    g_autoptr(WgOutboxEntry) upload = outbox_entry (console, good_upload);
    g_autoptr(WgOutboxEntry) note = outbox_entry (console, good_note);
    g_autoptr(JsonNode) answer = NULL;
    g_autoptr(WgAttachmentInfo) info = NULL;

    g_assert_cmpint (upload->state, ==, WG_OUTBOX_ACCEPTED);
    answer = json_from_string (upload->answer, &error);
    g_assert_no_error (error);
    info = wg_attachment_info_from_json (answer, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (info->media_type, ==, "image/jpeg");
    g_assert_cmpuint (info->width, ==, 800);
    server_id = g_strdup (info->id);
    g_assert_cmpstr (server_id, !=, good_upload);
    g_assert_cmpint (note->state, ==, WG_OUTBOX_ACCEPTED);
    g_assert_nonnull (strstr (note->body, server_id));
    g_assert_null (strstr (note->body, good_upload));
    g_assert_false (g_file_test (local_copy, G_FILE_TEST_EXISTS));
  }
  journal_path = g_build_filename (server->data_dir, "journal.db", NULL);
  journal = wg_store_open (journal_path, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) caused = wg_store_events_of_command (journal, good_note, &error);
    JsonArray *attachments;

    g_assert_no_error (error);
    g_assert_cmpuint (caused->len, ==, 1);
    attachments = json_object_get_array_member (((WgEvent *) caused->pdata[0])->body, "attachments");
    g_assert_cmpstr (json_array_get_string_element (attachments, 0), ==, server_id);
  }

  /* The broken photo and its note: refused, kept for the user, not sent. */
  {
    g_autoptr(WgOutboxEntry) upload = outbox_entry (console, bad_upload);
    g_autoptr(WgOutboxEntry) note = outbox_entry (console, bad_note);
    g_autoptr(GPtrArray) caused = wg_store_events_of_command (journal, bad_note, &error);

    g_assert_cmpint (upload->state, ==, WG_OUTBOX_REFUSED);
    g_assert_nonnull (strstr (upload->answer, "image-malformed"));
    g_assert_cmpint (note->state, ==, WG_OUTBOX_REFUSED);
    g_assert_nonnull (strstr (note->answer, "upload-refused"));
    g_assert_cmpuint (caused->len, ==, 0);
    g_assert_cmpuint (console->settled_refused, ==, 2);
  }

  /* Read back through the API client: the thumbnail, then 304 with its ETag. */
  download (api_after, server_id, WG_ATTACHMENT_THUMBNAIL, NULL, &d);
  g_assert_no_error (d.error);
  g_assert_nonnull (d.bytes);
  g_assert_cmpstr (d.media_type, ==, "image/jpeg");
  g_assert_nonnull (d.etag);
  {
    g_autofree char *etag = g_strdup (d.etag);

    download_clear (&d);
    download (api_after, server_id, WG_ATTACHMENT_THUMBNAIL, etag, &d);
    g_assert_no_error (d.error);
    g_assert_null (d.bytes);
    g_assert_cmpstr (d.etag, ==, etag);
    download_clear (&d);
  }
  download (api_after, server_id, WG_ATTACHMENT_ORIGINAL, NULL, &d);
  g_assert_no_error (d.error);
  g_assert_true (g_bytes_equal (d.bytes, photo));
  download_clear (&d);
  {
    g_autofree char *unknown = g_uuid_string_random ();

    download (api_after, unknown, WG_ATTACHMENT_DISPLAY, NULL, &d);
    g_assert_error (d.error, WG_API_ERROR, WG_API_ERROR_REFUSED);
    download_clear (&d);
  }

  console_free (console);
}

static void
test_department_sees_only_its_own (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autofree char *token = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) incidents = NULL;
  WgIncidentRecord record = { 0 };

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  ours = report_professional (server, token);
  theirs = report_professional (server, token);
  {
    g_autofree char *to_urban = g_strdup_printf ("{\"incident\":\"%s\",\"department\":\"urban\"}", ours);
    g_autofree char *to_market = g_strdup_printf ("{\"incident\":\"%s\",\"department\":\"market\"}", theirs);
    g_autoptr(WgTestResponse) a = wg_test_server_command (server, token, NULL, "incident.route", to_urban);
    g_autoptr(WgTestResponse) b = wg_test_server_command (server, token, NULL, "incident.route", to_market);

    g_assert_cmpuint (a->status, ==, 200);
    g_assert_cmpuint (b->status, ==, 200);
  }

  api = logged_in_api (server, "dept-urban");
  console_open (console, api, "dept-urban", FALSE);
  wg_sync_client_start (console->sync);
  wait_caught_up (console, 0, 10000);
  wg_test_iterate_for (500);

  /* Its own incident, complete; the other department's, not at all. */
  g_assert_true (wg_store_get_incident (console->cache, ours, &record, &error));
  g_assert_cmpstr (record.department, ==, "urban");
  wg_incident_record_clear (&record);
  g_assert_false (wg_store_get_incident (console->cache, theirs, &record, &error));
  g_clear_error (&error);
  g_assert_cmpint (wg_sync_client_get_lag_events (console->sync), ==, 0);

  /* Live too: a note on the other department's incident never arrives, one
   * on its own does. */
  {
    g_autofree char *n1 = note_body (theirs, 1);
    g_autofree char *n2 = note_body (ours, 2);
    g_autoptr(WgTestResponse) a = wg_test_server_command (server, token, NULL, "incident.note", n1);
    g_autoptr(WgTestResponse) b = wg_test_server_command (server, token, NULL, "incident.note", n2);
    gint64 before = wg_store_head (console->cache);

    g_assert_cmpuint (b->status, ==, 200);
    wait_caught_up (console, before + 1, 10000);
    wg_test_iterate_for (300);
    incidents = wg_store_read_journal (console->cache, 0, 1000, &error);
    for (guint i = 0; i < incidents->len; i++)
      g_assert_cmpstr (((WgEvent *) incidents->pdata[i])->incident, !=, theirs);
  }

  console_free (console);
}

typedef struct
{
  WgSyncClient *sync;
  guint         n_behind;     /* notifications seen while behind the head */
  double        max_lag_s;
} LagWatch;

static void
lag_notify_cb (WgSyncClient *sync,
               GParamSpec   *pspec,
               LagWatch     *watch)
{
  if (wg_sync_client_get_lag_events (sync) > 0)
    watch->n_behind++;
  watch->max_lag_s = MAX (watch->max_lag_s, wg_sync_client_get_lag_seconds (sync));
}

/* After a quiet spell (an hour without events: the console's clock is moved
 * on by an hour), new events are not an hour of lag while they are being
 * applied, and the lag is 0 once caught up. */
static void
test_lag_after_quiet_spell (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autofree char *token = NULL;
  g_autofree char *incident = NULL;
  LagWatch watch = { 0 };
  gint64 head;

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  incident = report_professional (server, token);
  api = logged_in_api (server, "dispatcher");
  console_open (console, api, "dispatcher", TRUE);
  wg_sync_client_start (console->sync);
  wait_caught_up (console, wg_test_server_head (server), 10000);
  g_assert_cmpfloat (wg_sync_client_get_lag_seconds (console->sync), ==, 0);

  wg_clock_set_offset_ms (console->clock, wg_clock_get_offset_ms (console->clock) + 3600 * 1000);
  watch.sync = console->sync;
  g_signal_connect (console->sync, "notify::head", G_CALLBACK (lag_notify_cb), &watch);
  g_signal_connect (console->sync, "notify::lag-events", G_CALLBACK (lag_notify_cb), &watch);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *note = note_body (incident, i);
      g_autoptr(WgTestResponse) r = wg_test_server_command (server, token, NULL, "incident.note", note);

      g_assert_cmpuint (r->status, ==, 200);
    }
  head = wg_test_server_head (server);
  wait_caught_up (console, head, 10000);
  g_signal_handlers_disconnect_by_data (console->sync, &watch);

  /* It was behind at some moment, and never by anything like an hour. */
  g_assert_cmpuint (watch.n_behind, >, 0);
  g_assert_cmpfloat (watch.max_lag_s, <, 60);
  g_assert_cmpfloat (wg_sync_client_get_lag_seconds (console->sync), ==, 0);

  console_free (console);
}

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static char *
health_journal_id (WgTestServer *server)
{
  g_autoptr(WgTestResponse) health = wg_test_server_get (server, "/api/v1/health");
  JsonObject *object = wg_test_response_object (health);

  g_assert_cmpuint (health->status, ==, 200);
  return g_strdup (json_object_get_string_member (object, "journal_id"));
}

/* The server's journal is replaced (a restore from a backup: a new journal
 * id, other events under the same seqs, a lower head) while the console is
 * away with a command queued.  The console drops its cache, not its
 * outbox: the cache becomes the new journal exactly, and the queued
 * command goes out once. */
static void
test_journal_id_change (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(WgApiClient) api_after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *token = NULL;
  g_autofree char *incident = NULL;
  g_autofree char *old_id = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *queued = NULL;
  g_autofree char *journal_path = NULL;
  g_autoptr(WgStore) journal = NULL;
  g_autoptr(GPtrArray) caused = NULL;
  const char *suffixes[] = { "", "-wal", "-shm" };
  gint64 old_head;
  guint resets = 0;

  incident = open_dispatcher_console (server, demo, console, FALSE, &api);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *body = note_body (incident, i);
      g_autoptr(WgTestResponse) answer = wg_test_server_command (server, token, NULL, "incident.note", body);

      g_assert_cmpuint (answer->status, ==, 200);
    }
  wait_caught_up (console, wg_test_server_head (server), 10000);
  old_id = health_journal_id (server);
  g_assert_nonnull (old_id);
  g_assert_cmpstr (wg_store_get_journal_id (console->cache), ==, old_id);
  old_head = wg_store_head (console->cache);

  /* Away: a report waits in the outbox. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  g_assert_true (json_parser_load_from_data (parser,
    "{\"grade\":\"professional\",\"category\":\"illegal_structure\","
    "\"location\":{\"lat\":23.2105,\"lon\":113.2903},\"summary\":\"恢复后上传\"}", -1, NULL));
  queued = wg_sync_client_send (console->sync, "incident.report", json_parser_get_root (parser), &error);
  g_assert_no_error (error);
  g_assert_true (wg_test_iterate_until (is_offline, console, 10000));

  /* The centre restores another journal: fewer events, a new id. */
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (server->data_dir, "/journal.db", suffixes[i], NULL);
      g_unlink (path);
    }
  prefill_journal (server, 10);

  api_after = reopen_dispatcher_console (console, server, demo, api, FALSE);
  g_assert_cmpint (wg_store_head (console->cache), ==, old_head);
  g_assert_cmpuint (wg_sync_client_get_queued (console->sync), ==, 1);
  g_signal_connect (console->sync, "cache-reset", G_CALLBACK (count_cb), &resets);
  console->last_seq = 0;
  wg_sync_client_start (console->sync);

  g_assert_true (wg_test_iterate_until (outbox_empty, console, 30000));
  wait_caught_up (console, wg_test_server_head (server), 10000);
  new_id = health_journal_id (server);
  g_assert_cmpstr (new_id, !=, old_id);
  g_assert_cmpstr (wg_store_get_journal_id (console->cache), ==, new_id);
  g_assert_cmpuint (resets, ==, 1);
  g_assert_cmpuint (console->out_of_order, ==, 0);
  g_assert_cmpuint (console->n_change_sets, >, 0);
  g_assert_cmpuint (console->incomplete_change_sets, ==, 0);
  assert_same_journal (server, console);
  g_assert_cmpuint (console->settled_ok, ==, 1);

  /* The queued report was not lost with the cache: applied once. */
  journal_path = g_build_filename (server->data_dir, "journal.db", NULL);
  journal = wg_store_open (journal_path, &error);
  g_assert_no_error (error);
  caused = wg_store_events_of_command (journal, queued, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (caused->len, ==, 1);
  g_assert_cmpint (((WgEvent *) caused->pdata[0])->type, ==, WG_EV_INCIDENT_REPORTED);

  console_free (console);
}

/* A warm start asks the stream with the health check; a cache further
 * behind than the stream's own catch-up takes pages instead.  The early
 * stream, with whatever of its catch-up it brought meanwhile, is dropped:
 * every event once, in order. */
static void
test_warm_start_far_behind (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(WgApiClient) api_after = NULL;
  g_autofree char *incident = NULL;
  gint64 before;

  incident = open_dispatcher_console (server, demo, console, FALSE, &api);
  before = wg_store_head (console->cache);
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  prefill_journal (server, before + 800);

  api_after = reopen_dispatcher_console (console, server, demo, api, FALSE);
  g_assert_cmpint (wg_test_server_head (server), >=, before + 800);
  wg_sync_client_start (console->sync);
  wait_caught_up (console, wg_test_server_head (server), 20000);
  g_assert_cmpuint (console->out_of_order, ==, 0);
  g_assert_cmpuint (console->incomplete_change_sets, ==, 0);
  assert_same_journal (server, console);
  console_free (console);
}

static void
count_connecting_cb (WgSyncClient *sync,
                     GParamSpec   *pspec,
                     guint        *count)
{
  if (wg_sync_client_get_state (sync) == WG_SYNC_CONNECTING)
    (*count)++;
}

static gboolean
is_out_of_step (gpointer data)
{
  Console *console = data;

  return wg_sync_client_get_state (console->sync) == WG_SYNC_OUT_OF_STEP;
}

/* The journal's files of @server copied from @from_dir to @to_dir (a
 * missing -wal or -shm removed there). */
static void
copy_journal_files (const char *from_dir,
                    const char *to_dir)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat ("journal.db", suffixes[i], NULL);
      g_autoptr(GFile) from = g_file_new_build_filename (from_dir, name, NULL);
      g_autoptr(GFile) to = g_file_new_build_filename (to_dir, name, NULL);
      g_autoptr(GError) error = NULL;

      if (!g_file_query_exists (from, NULL))
        {
          g_file_delete (to, NULL, NULL);
          continue;
        }
      g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
    }
}

/* The server's journal is replaced by an older copy of itself (the same
 * journal id, a lower head) and the server started again on the same port,
 * while the console stays up.  The console says it is out of step (its
 * cache holds events the server does not have) and stays so: no loop of
 * reconnects, the cache kept as it was. */
static void
test_cache_ahead_of_server (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *incident = NULL;
  g_autofree char *token = NULL;
  g_autofree char *port = NULL;
  g_autofree char *older = g_dir_make_tmp ("wangge-older-XXXXXX", &error);
  g_autofree char *old_id = NULL;
  g_autofree char *restored_id = NULL;
  const char *same_port[6];
  gint64 ahead;
  guint connecting = 0;
  guint resets = 0;

  g_assert_no_error (error);
  incident = open_dispatcher_console (server, demo, console, FALSE, &api);
  old_id = health_journal_id (server);
  port = g_strdup_printf ("%u", server->port);
  memcpy (same_port, demo, 3 * sizeof (char *));
  same_port[3] = "--port";
  same_port[4] = port;
  same_port[5] = NULL;

  /* A copy of the journal as it is now, then 20 events more. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  copy_journal_files (server->data_dir, older);
  wg_test_server_start (server, same_port);
  token = wg_test_server_login (server, "dispatcher", DEMO_PASSWORD);
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *body = note_body (incident, i);
      g_autoptr(WgTestResponse) answer = wg_test_server_command (server, token, NULL, "incident.note", body);

      g_assert_cmpuint (answer->status, ==, 200);
    }
  wait_caught_up (console, wg_test_server_head (server), 10000);
  ahead = wg_store_head (console->cache);

  /* The older copy restored in its place. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  copy_journal_files (older, server->data_dir);
  g_signal_connect (console->sync, "notify::state", G_CALLBACK (count_connecting_cb), &connecting);
  g_signal_connect (console->sync, "cache-reset", G_CALLBACK (count_cb), &resets);
  wg_test_server_start (server, same_port);
  g_assert_cmpint (wg_test_server_head (server), <, ahead);
  restored_id = health_journal_id (server);
  g_assert_cmpstr (restored_id, ==, old_id);

  g_assert_true (wg_test_iterate_until (is_out_of_step, console, 15000));
  connecting = 0;
  wg_test_iterate_for (1000);
  g_assert_cmpint (wg_sync_client_get_state (console->sync), ==, WG_SYNC_OUT_OF_STEP);
  g_assert_cmpuint (connecting, ==, 0);
  g_assert_cmpuint (resets, ==, 0);
  g_assert_cmpint (wg_store_head (console->cache), ==, ahead);

  console_free (console);
  copy_journal_files ("/nonexistent", older);
  g_rmdir (older);
}

/* The wall's console takes the public view (docs/api.md, "The wall's
 * public view") from the snapshot and the stream into its cache like any
 * other: a dispute's report without its summary projects. */
static void
test_wall_public_view (void)
{
  g_autoptr(WgTestServer) server = wg_test_server_new (NULL);
  const char *demo[] = { "--demo", "--demo-password", DEMO_PASSWORD, NULL };
  Console *console = console_new ();
  g_autoptr(WgApiClient) api = NULL;
  g_autofree char *token = NULL;
  const char *body = "{\"grade\":\"professional\",\"category\":\"dispute_family\","
                     "\"location\":{\"lat\":23.21,\"lon\":113.29},\"summary\":\"夫妻争吵\","
                     "\"caller\":{\"name\":\"欧阳\",\"phone\":\"13912345678\"}}";
  char *incidents[2];

  wg_test_server_start (server, demo);
  token = wg_test_server_login (server, "leader", DEMO_PASSWORD);
  for (guint i = 0; i < G_N_ELEMENTS (incidents); i++)
    {
      if (i == 1)
        {
          /* The first before the start (snapshot), the second live. */
          api = logged_in_api (server, "wall");
          console_open (console, api, "wall", TRUE);
          wg_sync_client_start (console->sync);
          wait_caught_up (console, wg_test_server_head (server), 30000);
        }
      {
        g_autoptr(WgTestResponse) r = wg_test_server_command (server, token, NULL, "incident.report", body);
        JsonArray *events;

        g_assert_cmpuint (r->status, ==, 200);
        events = json_object_get_array_member (wg_test_response_object (r), "events");
        incidents[i] = g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0),
                                                                "incident"));
      }
    }
  wait_caught_up (console, wg_test_server_head (server), 10000);
  for (guint i = 0; i < G_N_ELEMENTS (incidents); i++)
    {
      g_auto(WgIncidentRecord) r = { 0 };
      g_autoptr(GError) error = NULL;

      g_assert_true (wg_store_get_incident (console->cache, incidents[i], &r, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (r.category, ==, "dispute_family");
      g_assert_cmpstr (r.summary, ==, "");
      g_free (incidents[i]);
    }
  console_free (console);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/snapshot-start-live-during-backfill", test_snapshot_start_then_live_during_backfill);
  g_test_add_func ("/sync/snapshot-fetched-before-cache", test_snapshot_fetched_before_cache);
  g_test_add_func ("/sync/snapshot-ended-apart", test_snapshot_ended_apart);
  g_test_add_func ("/sync/snapshot-live-while-ended-load", test_snapshot_live_while_ended_load);
  g_test_add_func ("/sync/snapshot-ended-after-restart", test_snapshot_ended_after_restart);
  g_test_add_func ("/sync/stream-ahead-of-snapshot-store", test_stream_ahead_of_snapshot_store);
  g_test_add_func ("/sync/warm-start-awaits-login", test_warm_start_awaits_login);
  g_test_add_func ("/sync/stream-cut-100-times", test_stream_cuts_during_burst);
  g_test_add_func ("/sync/outbox-outage-and-restart", test_outbox_across_outage_and_restart);
  g_test_add_func ("/sync/outbox-uploads-across-outage", test_outbox_uploads_across_outage);
  g_test_add_func ("/sync/department-view", test_department_sees_only_its_own);
  g_test_add_func ("/sync/lag-after-quiet-spell", test_lag_after_quiet_spell);
  g_test_add_func ("/sync/journal-id-change", test_journal_id_change);
  g_test_add_func ("/sync/warm-start-far-behind", test_warm_start_far_behind);
  g_test_add_func ("/sync/cache-ahead-of-server", test_cache_ahead_of_server);
  g_test_add_func ("/sync/wall-public-view", test_wall_public_view);
  return g_test_run ();
}
