/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The data beside the journal on PostgreSQL (docs/postgresql.md), two
 * wangge-server instances on one private cluster:
 *
 *  - positions: points posted to instance 1 are read from instance 2,
 *    page after page through the cursor, and its latest positions are
 *    theirs, also on instance 2's stream; the keep rule holds as on
 *    SQLite.
 *  - audit and bookmarks: one audit trail of both instances' logins and
 *    commands, read through either; a bookmark made through one is
 *    listed by the other.
 *  - the retention purge of the shared track: old points deleted, those
 *    of a unit's time on an incident kept;
 *  - attachments: a photo uploaded to instance 1 read from instance 2,
 *    byte for byte; referenced through instance 2, read by others through
 *    instance 1; the refusals (unknown, another user's, in use, too
 *    large) the same through both, storing nothing;
 *  - the mirror: a deleted journal.db is rebuilt from PostgreSQL at
 *    start, with the same journal id; a database that lost events the
 *    mirror had (an asynchronous standby promoted) gets a new journal id.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <string.h>

#include "test-images.h"
#include "wg-test-postgres.h"
#include "wg-test-server.h"

static WgTestPostgres *cluster;
static char *skip_reason;

/* Without PostgreSQL installed each case skips, saying why. */
#define REQUIRE_CLUSTER() \
  G_STMT_START { if (cluster == NULL) { g_test_skip (skip_reason); return; } } G_STMT_END

#define N_UNITS 3
#define N_POINTS 40     /* per unit, 20 s apart: each one kept */
#define PAGE 7

static WgTestServer *
start_server (const char *database)
{
  WgTestServer *server = wg_test_server_new (NULL);
  const char *args[] = { "--demo", "--database", database, NULL };

  wg_test_server_start (server, args);
  return server;
}

static void
post_positions (WgTestServer *server,
                const char   *token,
                const char   *points_json,
                gint64        expect_accepted,
                gint64        expect_kept)
{
  g_autofree char *body = g_strdup_printf ("{\"positions\": [%s]}", points_json);
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "POST", "/api/v1/positions",
                                                           "application/json", body);
  JsonObject *answer;

  g_assert_cmpuint (r->status, ==, 200);
  answer = wg_test_response_object (r);
  g_assert_cmpint (json_object_get_int_member (answer, "accepted"), ==, expect_accepted);
  g_assert_cmpint (json_object_get_int_member (answer, "kept"), ==, expect_kept);
}

/* "unit ts" of each point of the window, page after page. */
static GPtrArray *
read_window (WgTestServer *server,
             const char   *token,
             const char   *unit,
             gint64        from,
             gint64        to,
             guint        *out_pages)
{
  GPtrArray *seen = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *cursor = NULL;

  *out_pages = 0;
  do
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/positions?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT
                                               "&limit=%u%s%s%s%s", from, to, PAGE,
                                               unit != NULL ? "&unit=" : "", unit != NULL ? unit : "",
                                               cursor != NULL ? "&cursor=" : "", cursor != NULL ? cursor : "");
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
      JsonObject *page;
      JsonArray *points;

      g_assert_cmpuint (r->status, ==, 200);
      page = wg_test_response_object (r);
      points = json_object_get_array_member (page, "positions");
      g_assert_cmpuint (json_array_get_length (points), <=, PAGE);
      for (guint i = 0; i < json_array_get_length (points); i++)
        {
          JsonObject *point = json_array_get_object_element (points, i);

          g_ptr_array_add (seen, g_strdup_printf ("%s %" G_GINT64_FORMAT,
                                                  json_object_get_string_member (point, "unit"),
                                                  json_object_get_int_member (point, "ts")));
        }
      g_clear_pointer (&cursor, g_free);
      if (!json_object_get_null_member (page, "next"))
        cursor = g_strdup (json_object_get_string_member (page, "next"));
      g_assert_true (json_object_get_boolean_member (page, "truncated") == (cursor != NULL));
      (*out_pages)++;
    }
  while (cursor != NULL);
  return seen;
}

static void
test_positions (void)
{
  g_autofree char *database = NULL;
  g_autoptr(GPtrArray) seen = NULL;
  g_autoptr(GPtrArray) seen_unit = NULL;
  g_autoptr(GString) batch = g_string_new (NULL);
  g_autofree char *token1 = NULL, *token2 = NULL;
  g_autofree char *last = NULL, *older = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) hello = NULL;
  WgTestWebsocket *ws;
  WgTestServer *one, *two;
  gint64 base = wg_test_now_ms () - 3600 * 1000;
  guint pages = 0;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  one = start_server (database);
  two = start_server (database);
  token1 = wg_test_server_login (one, "admin", "demo");
  token2 = wg_test_server_login (two, "admin", "demo");
  ws = wg_test_server_websocket_as (two, token2, "/api/v1/stream", &error);
  g_assert_no_error (error);
  hello = wg_test_websocket_wait_type (ws, "hello", 5000);
  g_assert_nonnull (hello);

  /* Four batches, each unit's points in time order. */
  for (guint n = 0; n < N_POINTS; n += N_POINTS / 4)
    {
      g_string_truncate (batch, 0);
      for (guint i = n; i < n + N_POINTS / 4; i++)
        for (guint u = 0; u < N_UNITS; u++)
          g_string_append_printf (batch, "%s{\"unit\": \"pg-u%u\", \"ts\": %" G_GINT64_FORMAT
                                  ", \"lat\": %.6f, \"lon\": 113.29, \"status\": \"patrol\"}",
                                  batch->len > 0 ? ", " : "", u, base + i * 20000, 23.21 + i * 1e-4);
      post_positions (one, token1, batch->str, N_POINTS / 4 * N_UNITS, N_POINTS / 4 * N_UNITS);
    }
  /* A second later, a metre away: the unit's latest, not kept. */
  last = g_strdup_printf ("{\"unit\": \"pg-u0\", \"ts\": %" G_GINT64_FORMAT
                          ", \"lat\": %.6f, \"lon\": 113.29, \"status\": \"patrol\"}",
                          base + (N_POINTS - 1) * 20000 + 1000, 23.21 + (N_POINTS - 1) * 1e-4 + 1e-5);
  post_positions (one, token1, last, 1, 0);

  /* Instance 2's stream shows the units' latest points, taken by
   * instance 1, within a broadcast interval or two. */
  {
    g_autoptr(GHashTable) streamed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (g_hash_table_size (streamed) < N_UNITS)
      {
        g_autoptr(JsonNode) message = wg_test_websocket_wait_type (ws, "positions", 1000);
        JsonArray *list;

        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        if (message == NULL)
          continue;
        list = json_object_get_array_member (json_node_get_object (message), "positions");
        for (guint i = 0; i < json_array_get_length (list); i++)
          {
            JsonObject *point = json_array_get_object_element (list, i);
            const char *unit = json_object_get_string_member (point, "unit");

            if (g_str_has_prefix (unit, "pg-u") &&
                json_object_get_int_member (point, "ts") >= base + (N_POINTS - 1) * 20000)
              g_hash_table_add (streamed, g_strdup (unit));
          }
      }
  }

  seen = read_window (two, token2, NULL, base, base + 3600 * 1000, &pages);
  g_assert_cmpuint (seen->len, ==, N_POINTS * N_UNITS);
  g_assert_cmpuint (pages, ==, (N_POINTS * N_UNITS + PAGE - 1) / PAGE);
  for (guint i = 0; i < seen->len; i++)
    {
      g_autofree char *expected = g_strdup_printf ("pg-u%u %" G_GINT64_FORMAT, i % N_UNITS,
                                                   base + (i / N_UNITS) * 20000);

      g_assert_cmpstr (g_ptr_array_index (seen, i), ==, expected);
    }
  seen_unit = read_window (two, token2, "pg-u1", base, base + 3600 * 1000, &pages);
  g_assert_cmpuint (seen_unit->len, ==, N_POINTS);
  for (guint i = 0; i < seen_unit->len; i++)
    g_assert_true (g_str_has_prefix (g_ptr_array_index (seen_unit, i), "pg-u1 "));

  {
    g_autoptr(WgTestResponse) latest = wg_test_server_request_as (two, token2, "GET",
                                                                  "/api/v1/positions/latest?unit=pg-u0", NULL, NULL);
    g_autoptr(WgTestResponse) all = wg_test_server_request_as (two, token2, "GET",
                                                               "/api/v1/positions/latest", NULL, NULL);
    JsonArray *points;

    g_assert_cmpuint (latest->status, ==, 200);
    points = json_object_get_array_member (wg_test_response_object (latest), "positions");
    g_assert_cmpuint (json_array_get_length (points), ==, 1);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 0), "ts"), ==,
                     base + (N_POINTS - 1) * 20000 + 1000);
    points = json_object_get_array_member (wg_test_response_object (all), "positions");
    g_assert_cmpuint (json_array_get_length (points), ==, N_UNITS);
  }

  /* An older point does not move the latest back, on either instance. */
  older = g_strdup_printf ("{\"unit\": \"pg-u0\", \"ts\": %" G_GINT64_FORMAT
                           ", \"lat\": 23.3, \"lon\": 113.3}", base + 500);
  post_positions (two, token2, older, 1, 0);
  {
    g_autoptr(WgTestResponse) latest = wg_test_server_request_as (one, token1, "GET",
                                                                  "/api/v1/positions/latest?unit=pg-u0", NULL, NULL);
    JsonArray *points = json_object_get_array_member (wg_test_response_object (latest), "positions");

    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (points, 0), "ts"), ==,
                     base + (N_POINTS - 1) * 20000 + 1000);
  }

  wg_test_websocket_free (ws);
  wg_test_server_free (two);
  wg_test_server_free (one);
}

/* Whether the audit trail read through @server holds @action (by
 * @actor, of @command when set), once per call. */
static gboolean
audit_holds (WgTestServer *server,
             const char   *token,
             const char   *action,
             const char   *actor,
             const char   *command)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (server, token, "GET", "/api/v1/audit?limit=1000",
                                                           NULL, NULL);
  JsonArray *entries;

  g_assert_cmpuint (r->status, ==, 200);
  entries = json_object_get_array_member (wg_test_response_object (r), "entries");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "action"), action) == 0 &&
          g_strcmp0 (json_object_get_string_member (entry, "actor"), actor) == 0 &&
          (command == NULL || (!json_object_get_null_member (entry, "command") &&
                               g_strcmp0 (json_object_get_string_member (entry, "command"), command) == 0)))
        return TRUE;
    }
  return FALSE;
}

/* Audit rows are written after the answer, on the data thread: a second
 * at most. */
static void
assert_audit_soon (WgTestServer *server,
                   const char   *token,
                   const char   *action,
                   const char   *actor,
                   const char   *command)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!audit_holds (server, token, action, actor, command))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
}

static void
test_audit_bookmarks (void)
{
  g_autofree char *database = NULL;
  g_autofree char *admin1 = NULL, *admin2 = NULL, *dispatcher2 = NULL;
  g_autofree char *bookmark = NULL;
  g_autofree char *command = g_uuid_string_random ();
  const char *bookmark_id;
  WgTestServer *one, *two;
  gint64 moment = wg_test_now_ms () - 60 * 1000;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  one = start_server (database);
  two = start_server (database);
  admin1 = wg_test_server_login (one, "admin", "demo");
  admin2 = wg_test_server_login (two, "admin", "demo");
  dispatcher2 = wg_test_server_login (two, "dispatcher", "demo");

  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (two, dispatcher2, command, "incident.report",
                                                          "{\"grade\": \"general\", \"category\": \"garbage\","
                                                          " \"location\": {\"lat\": 23.21, \"lon\": 113.29},"
                                                          " \"summary\": \"audit\"}");
    g_assert_cmpuint (r->status, ==, 200);
  }
  /* Both instances' rows, through either. */
  assert_audit_soon (one, admin1, "command:incident.report", "dispatcher", command);
  assert_audit_soon (one, admin1, "login", "dispatcher", NULL);
  assert_audit_soon (two, admin2, "login", "admin", NULL);
  {
    g_autoptr(WgTestResponse) first = wg_test_server_request_as (two, admin2, "GET", "/api/v1/audit?limit=1",
                                                                 NULL, NULL);
    g_autoptr(WgTestResponse) rest = NULL;
    gint64 last;

    g_assert_cmpuint (first->status, ==, 200);
    last = json_object_get_int_member (wg_test_response_object (first), "last");
    rest = wg_test_server_request_as (two, admin2, "GET",
                                      "/api/v1/audit?after=0&limit=1000", NULL, NULL);
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (
                       json_object_get_array_member (wg_test_response_object (rest), "entries"), 0), "id"), ==, last);
  }

  bookmark = g_strdup_printf ("{\"moment\": %" G_GINT64_FORMAT ", \"remark\": \"交接班前\"}", moment);
  {
    g_autoptr(WgTestResponse) created = wg_test_server_request_as (one, admin1, "POST", "/api/v1/bookmarks",
                                                                   "application/json", bookmark);
    g_autoptr(WgTestResponse) listed = NULL;
    g_autoptr(WgTestResponse) refused = NULL;
    JsonArray *bookmarks;

    g_assert_cmpuint (created->status, ==, 201);
    bookmark_id = json_object_get_string_member (wg_test_response_object (created), "id");
    listed = wg_test_server_request_as (two, admin2, "GET", "/api/v1/bookmarks", NULL, NULL);
    g_assert_cmpuint (listed->status, ==, 200);
    bookmarks = json_object_get_array_member (wg_test_response_object (listed), "bookmarks");
    g_assert_cmpuint (json_array_get_length (bookmarks), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (bookmarks, 0), "id"), ==,
                     bookmark_id);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (bookmarks, 0), "remark"), ==,
                     "交接班前");
    g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (bookmarks, 0), "moment"), ==,
                     moment);

    /* Bad input still refused before anything is written. */
    refused = wg_test_server_request_as (two, admin2, "POST", "/api/v1/bookmarks", "application/json",
                                         "{\"moment\": -1, \"remark\": \"x\"}");
    g_assert_cmpuint (refused->status, ==, 422);
  }

  wg_test_server_free (two);
  wg_test_server_free (one);
}

/* Noise: a photo of a few megabytes, as a phone's. */
static GBytes *
noisy_jpeg (int width,
            int height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  g_autoptr(GRand) rand = g_rand_new_with_seed (22);

  for (gsize i = 0; i < gdk_pixbuf_get_byte_length (pixbuf); i++)
    pixels[i] = (guint8) g_rand_int (rand);
  return test_image_encode_jpeg (pixbuf);
}

static WgTestResponse *
get_attachment (WgTestServer *server,
                const char   *token,
                const char   *id,
                const char   *variant)
{
  g_autofree char *path = g_strconcat ("/api/v1/attachments/", id, variant != NULL ? "/" : NULL, variant, NULL);

  return wg_test_server_request_as (server, token, "GET", path, NULL, NULL);
}

static void
wait_for_head (WgTestServer *server,
               gint64        head)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (wg_test_server_head (server) < head)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
}

static WgTestResponse *
report_with (WgTestServer *server,
             const char   *token,
             const char   *attachment)
{
  g_autofree char *body = g_strdup_printf ("{\"grade\": \"general\", \"category\": \"garbage\","
                                           " \"location\": {\"lat\": 23.21, \"lon\": 113.29},"
                                           " \"summary\": \"照片\", \"attachments\": [\"%s\"]}", attachment);

  return wg_test_server_command (server, token, NULL, "incident.report", body);
}

/* Answers to commands sent at once, by status. */
typedef struct
{
  guint answered;
  guint accepted;   /* 200 */
  guint in_use;     /* 409 attachment-in-use */
} RaceTally;

static void
race_answer_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  RaceTally *tally = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  g_assert_no_error (error);
  tally->answered++;
  tally->accepted += soup_message_get_status (msg) == 200;
  tally->in_use += soup_message_get_status (msg) == 409 &&
                   g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "attachment-in-use");
}

static gboolean
race_done (gpointer tally)
{
  return ((RaceTally *) tally)->answered == 2;
}

/* The same user names one upload in two reports sent at once, one to
 * each instance: one is accepted, the other finds it in use (the check
 * references it in the batch's transaction). */
static void
race_for_upload (WgTestServer *both[2],
                 const char   *tokens[2],
                 GBytes       *photo)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *id = NULL;
  RaceTally tally = { 0 };

  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_bytes (both[0], tokens[0], "POST", "/api/v1/attachments",
                                                                "image/jpeg", photo, NULL);

    g_assert_cmpuint (r->status, ==, 201);
    id = g_strdup (json_object_get_string_member (wg_test_response_object (r), "id"));
  }
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *url = wg_test_server_url (both[i], "/api/v1/commands");
      g_autofree char *command = g_uuid_string_random ();
      g_autofree char *body = g_strdup_printf ("{\"id\": \"%s\", \"type\": \"incident.report\", \"body\":"
                                               " {\"grade\": \"general\", \"category\": \"garbage\","
                                               " \"location\": {\"lat\": 23.21, \"lon\": 113.29},"
                                               " \"summary\": \"同一张照片\", \"attachments\": [\"%s\"]}}",
                                               command, id);
      g_autofree char *auth = g_strdup_printf ("Bearer %s", tokens[i]);
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, race_answer_cb, &tally);
    }
  g_assert_true (wg_test_iterate_until (race_done, &tally, 20 * 1000));
  g_assert_cmpuint (tally.accepted, ==, 1);
  g_assert_cmpuint (tally.in_use, ==, 1);
}

static void
test_attachments (void)
{
  g_autofree char *database = NULL;
  g_autofree char *grid = NULL, *worker = NULL;
  g_autofree char *leader1 = NULL, *worker1 = NULL, *worker2 = NULL;
  g_autofree char *id = NULL, *unknown = g_uuid_string_random ();
  g_autoptr(GBytes) photo = noisy_jpeg (1600, 1200);
  g_autoptr(GBytes) big = NULL;
  WgTestServer *one, *two, *both[2];
  gint64 head;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  one = both[0] = start_server (database);
  two = both[1] = start_server (database);
  leader1 = wg_test_server_login (one, "leader", "demo");
  grid = wg_test_server_grid_at (one, leader1, "{\"lat\": 23.21, \"lon\": 113.29}");
  worker = wg_test_server_grid_worker (one, grid, TRUE);
  worker1 = wg_test_server_login (one, worker, "demo");
  worker2 = wg_test_server_login (two, worker, "demo");
  g_test_message ("photo: %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (photo));

  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_bytes (one, worker1, "POST", "/api/v1/attachments",
                                                                "image/jpeg", photo, NULL);

    g_assert_cmpuint (r->status, ==, 201);
    id = g_strdup (json_object_get_string_member (wg_test_response_object (r), "id"));
  }
  /* Unreferenced: its uploader reads it through the other instance. */
  {
    g_autoptr(WgTestResponse) original = get_attachment (two, worker2, id, NULL);
    g_autoptr(WgTestResponse) thumbnail = get_attachment (two, worker2, id, "thumbnail");
    g_autofree char *leader2 = wg_test_server_login (two, "leader", "demo");
    g_autoptr(WgTestResponse) hidden = get_attachment (two, leader2, id, NULL);

    g_assert_cmpuint (original->status, ==, 200);
    g_assert_cmpstr (original->content_type, ==, "image/jpeg");
    g_assert_true (g_bytes_equal (original->body, photo));
    g_assert_cmpuint (thumbnail->status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (thumbnail->body), <, g_bytes_get_size (photo));
    wg_test_response_assert_problem (hidden, 404, "unknown-attachment");
  }

  /* Refused the same through both, appending nothing: another user's
   * upload and an unknown id look alike. */
  head = wg_test_server_head (one);
  for (guint i = 0; i < G_N_ELEMENTS (both); i++)
    {
      g_autofree char *other = wg_test_server_login (both[i], "leader", "demo");
      g_autoptr(WgTestResponse) foreign = report_with (both[i], other, id);
      g_autoptr(WgTestResponse) missing = report_with (both[i], other, unknown);

      wg_test_response_assert_problem (foreign, 422, "unknown-attachment");
      wg_test_response_assert_problem (missing, 422, "unknown-attachment");
    }
  g_assert_cmpint (wg_test_server_head (one), ==, head);

  /* Referenced through instance 2: others read it through instance 1. */
  {
    g_autoptr(WgTestResponse) reported = report_with (two, worker2, id);
    g_autoptr(WgTestResponse) read = NULL;

    g_assert_cmpuint (reported->status, ==, 200);
    /* Who may read it is decided on instance 1's mirror: once it has the
     * incident. */
    wait_for_head (one, wg_test_server_head (two));
    read = get_attachment (one, leader1, id, NULL);
    g_assert_cmpuint (read->status, ==, 200);
    g_assert_true (g_bytes_equal (read->body, photo));
  }
  /* In use by that incident, whichever instance is asked. */
  for (guint i = 0; i < G_N_ELEMENTS (both); i++)
    {
      g_autoptr(WgTestResponse) again = report_with (both[i], i == 0 ? worker1 : worker2, id);

      wg_test_response_assert_problem (again, 409, "attachment-in-use");
    }

  /* Over the size limit: refused, nothing stored. */
  big = g_bytes_new_take (g_malloc0 (9 * 1024 * 1024), 9 * 1024 * 1024);
  for (guint i = 0; i < G_N_ELEMENTS (both); i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_request_bytes (both[i], i == 0 ? worker1 : worker2, "POST",
                                                                  "/api/v1/attachments", "image/jpeg", big, NULL);

      g_assert_cmpuint (r->status, ==, 413);
    }
  g_assert_cmpint (wg_test_postgres_query_number (database, "SELECT count(*) FROM attachments"), ==, 1);
  g_assert_cmpint (wg_test_postgres_query_number (database,
                                                  "SELECT count(*) FROM attachments WHERE referenced_by IS NULL"), ==, 0);

  {
    g_autoptr(GBytes) small = noisy_jpeg (320, 240);
    const char *tokens[] = { worker1, worker2 };

    for (guint round = 0; round < 5; round++)
      race_for_upload (both, tokens, small);
  }

  wg_test_server_free (two);
  wg_test_server_free (one);
}

static char *
health_journal_id (WgTestServer *server)
{
  g_autoptr(WgTestResponse) r = wg_test_server_get (server, "/api/v1/health");

  g_assert_cmpuint (r->status, ==, 200);
  return g_strdup (json_object_get_string_member (wg_test_response_object (r), "journal_id"));
}

static void
remove_mirror (WgTestServer *server)
{
  const char *names[] = { "journal.db", "journal.db-wal", "journal.db-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (server->data_dir, names[i], NULL);

      g_remove (path);
    }
}

static void
test_purge (void)
{
  g_autofree char *database = NULL;
  g_autofree char *token = NULL;
  g_autofree char *recent = NULL;
  g_autofree char *old = NULL;
  WgTestServer *server;
  gint64 now = wg_test_now_ms ();
  gint64 long_ago = now - (gint64) 100 * 24 * 3600 * 1000;   /* past the 90 days */
  gint64 deadline;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  server = wg_test_server_new ("[positions]\npurge-interval-seconds=1\n");
  wg_test_server_start (server, (const char *[]) { "--demo", "--database", database, NULL });
  token = wg_test_server_login (server, "admin", "demo");
  recent = g_strdup_printf ("{\"unit\": \"new\", \"ts\": %" G_GINT64_FORMAT ", \"lat\": 23.21, \"lon\": 113.29}",
                            now - 60 * 1000);
  post_positions (server, token, recent, 1, 1);

  /* Points older than the retention (the API refuses them: written
   * straight into the table); old-b's were taken while it was on an
   * incident. */
  old = g_strdup_printf ("INSERT INTO positions (unit, ts, lat, lon) VALUES"
                         " ('old-a', %1$" G_GINT64_FORMAT ", 23.2, 113.2), ('old-a', %1$" G_GINT64_FORMAT " + 1000, 23.2, 113.2),"
                         " ('old-a', %1$" G_GINT64_FORMAT " + 2000, 23.2, 113.2),"
                         " ('old-b', %1$" G_GINT64_FORMAT ", 23.2, 113.2), ('old-b', %1$" G_GINT64_FORMAT " + 1000, 23.2, 113.2);"
                         "INSERT INTO positions_latest (unit, ts, lat, lon, changed)"
                         " VALUES ('old-a', %1$" G_GINT64_FORMAT " + 2000, 23.2, 113.2, 0);"
                         "INSERT INTO positions_spans (unit, from_ts, to_ts) VALUES"
                         " ('old-b', %1$" G_GINT64_FORMAT " - 1000, %1$" G_GINT64_FORMAT " + 5000)",
                         long_ago);
  wg_test_postgres_execute (database, old);

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (wg_test_postgres_query_number (database, "SELECT count(*) FROM positions WHERE unit = 'old-a'") > 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
  g_assert_cmpint (wg_test_postgres_query_number (database,
                                                  "SELECT count(*) FROM positions WHERE unit = 'old-b'"), ==, 2);
  g_assert_cmpint (wg_test_postgres_query_number (database,
                                                  "SELECT count(*) FROM positions WHERE unit = 'new'"), ==, 1);
  g_assert_cmpint (wg_test_postgres_query_number (database,
                                                  "SELECT count(*) FROM positions_latest WHERE unit = 'old-a'"), ==, 0);
  g_assert_cmpint (wg_test_postgres_query_number (database,
                                                  "SELECT count(*) FROM positions_latest WHERE unit = 'new'"), ==, 1);

  wg_test_server_free (server);
}

static void
report (WgTestServer *server,
        guint         n)
{
  g_autofree char *token = wg_test_server_login (server, "dispatcher", "demo");

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_command (server, token, NULL, "incident.report",
                                                            "{\"grade\": \"general\", \"category\": \"garbage\","
                                                            " \"location\": {\"lat\": 23.21, \"lon\": 113.29},"
                                                            " \"summary\": \"mirror\"}");
      g_assert_cmpuint (r->status, ==, 200);
    }
}

static void
test_mirror (void)
{
  g_autofree char *database = NULL;
  g_autofree char *journal_id = NULL, *rebuilt_id = NULL, *renewed_id = NULL;
  g_autofree char *lose = NULL;
  WgTestServer *server;
  gint64 head;

  REQUIRE_CLUSTER ();
  database = wg_test_postgres_new_database (cluster);
  server = start_server (database);
  report (server, 5);
  head = wg_test_server_head (server);
  journal_id = health_journal_id (server);
  g_assert_cmpint (head, >=, 5);

  /* A lost or deleted mirror: rebuilt from PostgreSQL, the same journal. */
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  remove_mirror (server);
  wg_test_server_start (server, (const char *[]) { "--demo", "--database", database, NULL });
  rebuilt_id = health_journal_id (server);
  g_assert_cmpstr (rebuilt_id, ==, journal_id);
  g_assert_cmpint (wg_test_server_head (server), ==, head);
  report (server, 1);
  g_assert_cmpint (wg_test_server_head (server), ==, head + 1);

  /* A failover to a standby that had not received the last three
   * commits: the mirror is ahead of the database.  The running instance
   * appends nothing after that; restarted, it gives the journal a new id
   * (consoles start again) and its mirror takes the database's events. */
  lose = g_strdup_printf ("DELETE FROM journal WHERE seq > %" G_GINT64_FORMAT ";"
                          "DELETE FROM commands WHERE first_seq > %" G_GINT64_FORMAT,
                          head - 2, head - 2);
  wg_test_postgres_execute (database, lose);
  {
    g_autofree char *token = wg_test_server_login (server, "dispatcher", "demo");
    g_autoptr(WgTestResponse) refused = wg_test_server_command (server, token, NULL, "incident.report",
                                                                "{\"grade\": \"general\", \"category\": \"garbage\","
                                                                " \"location\": {\"lat\": 23.21, \"lon\": 113.29},"
                                                                " \"summary\": \"lost\"}");

    wg_test_response_assert_problem (refused, 503, "storage-failed");
  }
  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  wg_test_server_start (server, (const char *[]) { "--demo", "--database", database, NULL });
  renewed_id = health_journal_id (server);
  g_assert_cmpstr (renewed_id, !=, journal_id);
  g_assert_cmpint (wg_test_server_head (server), ==, head - 2);
  report (server, 1);
  g_assert_cmpint (wg_test_server_head (server), ==, head - 1);

  wg_test_server_free (server);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/postgres-data/positions", test_positions);
  g_test_add_func ("/postgres-data/audit-bookmarks", test_audit_bookmarks);
  g_test_add_func ("/postgres-data/purge", test_purge);
  g_test_add_func ("/postgres-data/mirror", test_mirror);
  g_test_add_func ("/postgres-data/attachments", test_attachments);
  cluster = wg_test_postgres_start (&skip_reason);
  status = g_test_run ();
  g_clear_pointer (&cluster, wg_test_postgres_stop);
  g_free (skip_reason);
  return status;
}
