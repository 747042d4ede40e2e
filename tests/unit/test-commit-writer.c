/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The commit writer on a real SoupServer and a real SQLite file with
 * synchronous=FULL, the batches on its thread: concurrent requests share
 * commits, nobody is answered before the commit that holds their row, the
 * main loop hears of each batch in commit order before its answers,
 * work without a message (a timer's) is committed too, and the answered
 * items are freed on the writer thread.
 */
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "wg-commit-writer.h"

#define N_REQUESTS 50

typedef struct
{
  char            *dir;
  char            *db_path;
  sqlite3         *db;        /* the server side: the writer thread's */
  sqlite3         *reader;    /* an independent connection, as another process would see */
  SoupServer      *server;
  WgCommitWriter  *writer;
  GThread         *main_thread;
  guint            batches_done;   /* done_cb calls, on the main loop */
  SoupSession     *session;
  char            *url;
  guint            batches_run;
  guint            answered;
  guint            ok;
  guint            unavailable;
  guint            seen_committed;
  guint            prepared;       /* prepare_cb calls, on the writer thread */
} Fixture;

/* Where the requests' data was freed. */
static GThread *data_main_thread;
static gint     data_freed_on_main;
static gint     data_freed_elsewhere;

static void
value_free (gpointer data)
{
  g_atomic_int_inc (g_thread_self () == data_main_thread ? &data_freed_on_main : &data_freed_elsewhere);
  g_free (data);
}

static void
exec_or_die (sqlite3    *db,
             const char *sql)
{
  char *err = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
    g_error ("%s: %s", sql, err);
}

static gboolean
batch_cb (GPtrArray  *items,
          gpointer    user_data,
          GError    **error)
{
  Fixture *fx = user_data;
  sqlite3_stmt *stmt = NULL;

  g_assert_true (g_thread_self () != fx->main_thread);
  fx->batches_run++;
  /* A slow disk for the first commit: the requests that arrive meanwhile
   * queue behind it and must share the next ones (on a fast disk and a
   * quiet machine each could otherwise be committed before the next came). */
  if (fx->batches_run == 1)
    g_usleep (100 * 1000);
  exec_or_die (fx->db, "BEGIN IMMEDIATE");
  g_assert_cmpint (sqlite3_prepare_v2 (fx->db, "INSERT INTO t (v) VALUES (?1)", -1, &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < items->len; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);

      if (g_str_equal (item->data, "boom"))
        {
          sqlite3_finalize (stmt);
          exec_or_die (fx->db, "ROLLBACK");
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "refused by the test");
          return FALSE;
        }
      sqlite3_reset (stmt);
      sqlite3_bind_text (stmt, 1, item->data, -1, SQLITE_TRANSIENT);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      item->result = GUINT_TO_POINTER (fx->batches_run);
    }
  sqlite3_finalize (stmt);
  exec_or_die (fx->db, "COMMIT");
  return TRUE;
}

/* Batches come back in commit order, before their answers. */
static void
done_cb (GPtrArray    *items,
         const GError *batch_error,
         gpointer      user_data)
{
  Fixture *fx = user_data;

  g_assert_true (g_thread_self () == fx->main_thread);
  fx->batches_done++;
  for (guint i = 0; i < items->len && batch_error == NULL; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);

      g_assert_cmpuint (GPOINTER_TO_UINT (item->result), ==, fx->batches_done);
    }
}

static void
answer_cb (WgCommitItem *item,
           const GError *batch_error,
           gpointer      user_data)
{
  Fixture *fx = user_data;

  g_assert_true (g_thread_self () == fx->main_thread);
  if (batch_error == NULL)
    g_assert_cmpuint (GPOINTER_TO_UINT (item->result), ==, fx->batches_done);
  if (batch_error != NULL)
    {
      soup_server_message_set_status (item->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      return;
    }
  soup_server_message_set_status (item->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (item->msg, "text/plain", SOUP_MEMORY_COPY,
                                    item->data, strlen (item->data));
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *fx = user_data;
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));

  wg_commit_writer_submit (fx->writer, msg,
                            g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body)), value_free);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  fx->main_thread = g_thread_self ();
  data_main_thread = fx->main_thread;
  g_atomic_int_set (&data_freed_on_main, 0);
  g_atomic_int_set (&data_freed_elsewhere, 0);
  fx->dir = g_dir_make_tmp ("wg-writer-XXXXXX", &error);
  g_assert_no_error (error);
  fx->db_path = g_build_filename (fx->dir, "t.db", NULL);
  g_assert_cmpint (sqlite3_open (fx->db_path, &fx->db), ==, SQLITE_OK);
  exec_or_die (fx->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)");
  g_assert_cmpint (sqlite3_open (fx->db_path, &fx->reader), ==, SQLITE_OK);

  fx->writer = wg_commit_writer_new (1024, batch_cb, done_cb, answer_cb, fx);
  fx->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx->server, "/t", handler_cb, fx, NULL);
  {
    /* As wangge-server does: libsoup's own listen backlog of 10 resets
     * some of 50 simultaneous connections. */
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) address = g_inet_socket_address_new (lo, 0);
    g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                              G_SOCKET_PROTOCOL_TCP, &error);

    g_assert_no_error (error);
    g_socket_bind (socket, address, TRUE, &error);
    g_assert_no_error (error);
    g_socket_set_listen_backlog (socket, 511);
    g_socket_listen (socket, &error);
    g_assert_no_error (error);
    soup_server_listen_socket (fx->server, socket, 0, &error);
    g_assert_no_error (error);
  }
  uris = soup_server_get_uris (fx->server);
  fx->url = g_uri_to_string (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  fx->session = soup_session_new_with_options ("max-conns", 128, "max-conns-per-host", 64, NULL);
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  g_clear_object (&fx->session);
  soup_server_disconnect (fx->server);
  g_clear_object (&fx->server);
  g_clear_pointer (&fx->writer, wg_commit_writer_free);
  sqlite3_close (fx->reader);
  sqlite3_close (fx->db);
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (fx->db_path, suffixes[i], NULL);
      g_unlink (p);
    }
  g_rmdir (fx->dir);
  g_free (fx->db_path);
  g_free (fx->dir);
  g_free (fx->url);
}

static gboolean
row_exists (sqlite3    *db,
            const char *value)
{
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT 1 FROM t WHERE v = ?1", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, value, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  return found;
}

typedef struct
{
  Fixture *fx;
  char    *value;
} Request;

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Request *request = user_data;
  Fixture *fx = request->fx;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  g_assert_no_error (error);
  fx->answered++;
  if (soup_message_get_status (msg) == SOUP_STATUS_OK)
    {
      fx->ok++;
      g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body),
                       request->value, strlen (request->value));
      /* The answer promises the row is committed: another connection sees it. */
      if (row_exists (fx->reader, request->value))
        fx->seen_committed++;
    }
  else if (soup_message_get_status (msg) == SOUP_STATUS_SERVICE_UNAVAILABLE)
    {
      fx->unavailable++;
      g_assert_false (row_exists (fx->reader, request->value));
    }
  g_free (request->value);
  g_free (request);
}

static void
send_value (Fixture    *fx,
            const char *value)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = g_bytes_new (value, strlen (value));
  Request *request = g_new0 (Request, 1);

  {
    g_autofree char *full = g_strconcat (fx->url, "t", NULL);

    msg = soup_message_new ("POST", full);
    g_assert_nonnull (msg);
  }
  request->fx = fx;
  request->value = g_strdup (value);
  soup_message_set_request_body_from_bytes (msg, "text/plain", body);
  soup_session_send_and_read_async (fx->session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, request);
}

static void
test_concurrent_requests_share_commits (Fixture       *fx,
                                        gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  for (guint i = 0; i < N_REQUESTS; i++)
    {
      g_autofree char *value = g_strdup_printf ("value-%u", i);

      send_value (fx, value);
    }
  while (fx->answered < N_REQUESTS && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (fx->answered, ==, N_REQUESTS);
  g_assert_cmpuint (fx->ok, ==, N_REQUESTS);
  g_assert_cmpuint (fx->seen_committed, ==, N_REQUESTS);
  g_assert_cmpuint (wg_commit_writer_get_n_items (fx->writer), ==, N_REQUESTS);
  g_assert_cmpuint (fx->batches_done, ==, wg_commit_writer_get_n_batches (fx->writer));
  /* Requests queued while the thread waited for the disk were grouped:
   * fewer commits than requests. */
  g_test_message ("%u requests in %" G_GUINT64_FORMAT " commits, largest %u",
                  N_REQUESTS, wg_commit_writer_get_n_batches (fx->writer),
                  wg_commit_writer_get_max_batch (fx->writer));
  g_assert_cmpuint (wg_commit_writer_get_n_batches (fx->writer), <, N_REQUESTS);
  g_assert_cmpuint (wg_commit_writer_get_max_batch (fx->writer), >, 1);
}

static void
test_failed_commit_answers_all_and_stores_nothing (Fixture       *fx,
                                                   gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  send_value (fx, "boom");
  while (fx->answered < 1 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fx->unavailable, ==, 1);

  /* The writer keeps working after a failed batch. */
  send_value (fx, "after");
  while (fx->answered < 2 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fx->ok, ==, 1);
  g_assert_true (row_exists (fx->reader, "after"));
}

/* Work of the server's own (no message): committed, nobody answered; a
 * flush (what a shutdown does) waits for it and hands the batch back. */
static void
test_flush_and_no_message (Fixture       *fx,
                           gconstpointer  data)
{
  wg_commit_writer_submit (fx->writer, NULL, g_strdup ("timer"), g_free);
  wg_commit_writer_flush (fx->writer);
  g_assert_true (row_exists (fx->reader, "timer"));
  g_assert_cmpuint (fx->batches_done, ==, 1);
  g_assert_cmpuint (fx->answered, ==, 0);
}

/* Work arriving while the batch waits (on PostgreSQL, for the journal
 * lock) joins it. */
static void
prepare_cb (gpointer user_data)
{
  Fixture *fx = user_data;

  g_assert_true (g_thread_self () != fx->main_thread);
  g_assert_cmpuint (fx->prepared, ==, fx->batches_run);
  if (fx->prepared++ == 0)
    for (guint i = 0; i < 3; i++)
      wg_commit_writer_submit (fx->writer, NULL, g_strdup_printf ("joined-%u", i), g_free);
}

static void
test_prepare_before_the_batch (Fixture       *fx,
                               gconstpointer  data)
{
  wg_commit_writer_set_prepare_func (fx->writer, prepare_cb);
  wg_commit_writer_submit (fx->writer, NULL, g_strdup ("first"), g_free);
  wg_commit_writer_flush (fx->writer);
  g_assert_cmpuint (fx->prepared, ==, 1);
  g_assert_cmpuint (wg_commit_writer_get_n_batches (fx->writer), ==, 1);
  g_assert_cmpuint (wg_commit_writer_get_max_batch (fx->writer), ==, 4);
  g_assert_true (row_exists (fx->reader, "first"));
  g_assert_true (row_exists (fx->reader, "joined-2"));
}

/* The main loop answers; the writer thread, which allocated most of an
 * item, frees it. */
static void
test_items_freed_on_the_writer_thread (Fixture       *fx,
                                       gconstpointer  data)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  for (guint i = 0; i < N_REQUESTS; i++)
    {
      g_autofree char *value = g_strdup_printf ("freed-%u", i);

      send_value (fx, value);
    }
  while (fx->answered < N_REQUESTS && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fx->ok, ==, N_REQUESTS);

  /* Freeing the writer frees whatever its thread had not yet. */
  g_clear_pointer (&fx->writer, wg_commit_writer_free);
  g_assert_cmpint (g_atomic_int_get (&data_freed_elsewhere), ==, N_REQUESTS);
  g_assert_cmpint (g_atomic_int_get (&data_freed_on_main), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/commit-writer/concurrent", Fixture, NULL, fixture_setup,
              test_concurrent_requests_share_commits, fixture_teardown);
  g_test_add ("/commit-writer/failed-commit", Fixture, NULL, fixture_setup,
              test_failed_commit_answers_all_and_stores_nothing, fixture_teardown);
  g_test_add ("/commit-writer/flush-and-no-message", Fixture, NULL, fixture_setup,
              test_flush_and_no_message, fixture_teardown);
  g_test_add ("/commit-writer/prepare-before-the-batch", Fixture, NULL, fixture_setup,
              test_prepare_before_the_batch, fixture_teardown);
  g_test_add ("/commit-writer/items-freed-on-the-writer-thread", Fixture, NULL, fixture_setup,
              test_items_freed_on_the_writer_thread, fixture_teardown);

  return g_test_run ();
}
