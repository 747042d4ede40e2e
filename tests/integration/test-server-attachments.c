/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Photos on incidents against the real server (docs/photos.md): upload,
 * reference by a command, reads by permitted roles only (404 for the
 * others), thumbnail and display, the refusals (truncated JPEG, PNG bomb,
 * a non-image named .jpg, 9 MiB) with nothing stored, attachment-in-use,
 * an idempotent retry, the re-reference at start and the purge of
 * unreferenced uploads.
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "test-images.h"
#include "wg-test-postgres.h"
#include "wg-test-server.h"

/* Inside the demo street (test-server-commands.c). */
#define LOC "{\"lat\": 23.21, \"lon\": 113.29}"

typedef struct
{
  WgTestServer *server;
  char         *grid;
  char         *worker;        /* the grid worker of LOC's grid */
  char         *other_worker;  /* of another grid */
  char         *worker_token;
  char         *leader_token;
} Fixture;

/* ---- images ------------------------------------------------------------- */

static GBytes *
make_jpeg (int width,
           int height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;

        p[0] = (x * 255) / width;
        p[1] = (y * 255) / height;
        p[2] = 90;
      }
  return test_image_encode_jpeg (pixbuf);
}

/* ---- helpers ------------------------------------------------------------ */

static WgTestResponse *
upload (Fixture    *f,
        const char *token,
        GBytes     *bytes,
        const char *content_type)
{
  return wg_test_server_request_bytes (f->server, token, "POST", "/api/v1/attachments",
                                       content_type, bytes, NULL);
}

/* Uploads @bytes as @token, asserts 201 and returns the id. */
static char *
upload_ok (Fixture    *f,
           const char *token,
           GBytes     *bytes)
{
  g_autoptr(WgTestResponse) r = upload (f, token, bytes, "image/jpeg");
  JsonObject *o;
  g_autofree char *location = NULL;
  g_autofree char *sha = NULL;

  if (r->status != 201)
    g_error ("upload: %u %.*s", r->status, (int) g_bytes_get_size (r->body),
             (const char *) g_bytes_get_data (r->body, NULL));
  o = wg_test_response_object (r);
  location = g_strconcat ("/api/v1/attachments/", json_object_get_string_member (o, "id"), NULL);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Location"), ==, location);
  g_assert_cmpstr (json_object_get_string_member (o, "media_type"), ==, "image/jpeg");
  g_assert_cmpint (json_object_get_int_member (o, "bytes"), ==, g_bytes_get_size (bytes));
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  g_assert_cmpstr (json_object_get_string_member (o, "sha256"), ==, sha);
  return g_strdup (json_object_get_string_member (o, "id"));
}

static WgTestResponse *
get_as (Fixture    *f,
        const char *token,
        const char *id,
        const char *variant)
{
  g_autofree char *path = g_strconcat ("/api/v1/attachments/", id, variant != NULL ? "/" : NULL, variant, NULL);

  return wg_test_server_request_as (f->server, token, "GET", path, NULL, NULL);
}

static guint
get_status (Fixture    *f,
            const char *token,
            const char *id)
{
  g_autoptr(WgTestResponse) r = get_as (f, token, id, "thumbnail");

  if (r->status == 404)
    wg_test_response_assert_problem (r, 404, "unknown-attachment");
  return r->status;
}

static char *
first_event_incident (WgTestResponse *r)
{
  JsonArray *events = json_object_get_array_member (wg_test_response_object (r), "events");

  return g_strdup (json_object_get_string_member (json_array_get_object_element (events, 0), "incident"));
}

static JsonArray *
first_event_attachments (WgTestResponse *r)
{
  JsonArray *events = json_object_get_array_member (wg_test_response_object (r), "events");
  JsonObject *body = json_object_get_object_member (json_array_get_object_element (events, 0), "body");

  return json_object_get_array_member (body, "attachments");
}

/* Rows in attachments.db and files under attachments/ (any depth), or
 * on PostgreSQL (WANGGE_TEST_DATABASE) rows and contents in its tables. */
static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      n += g_file_test (child, G_FILE_TEST_IS_DIR) ? count_files (child) : 1;
    }
  return n;
}

static int
count_rows (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->server->data_dir, "attachments.db", NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int n;

  if (f->server->database != NULL)
    return (int) wg_test_postgres_query_number (f->server->database, "SELECT count(*) FROM attachments");
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM attachments", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static guint
count_blobs (Fixture *f)
{
  g_autofree char *dir = g_build_filename (f->server->data_dir, "attachments", NULL);

  if (f->server->database != NULL)
    return (guint) wg_test_postgres_query_number (f->server->database, "SELECT count(*) FROM attachment_contents");
  return count_files (dir);
}

static void
fixture_start (Fixture    *f,
               const char *config)
{
  const char *args[] = { "--demo", NULL };

  f->server = wg_test_server_new (config);
  wg_test_server_start (f->server, args);
  f->leader_token = wg_test_server_login (f->server, "leader", "demo");
  f->grid = wg_test_server_grid_at (f->server, f->leader_token, LOC);
  f->worker = wg_test_server_grid_worker (f->server, f->grid, TRUE);
  f->other_worker = wg_test_server_grid_worker (f->server, f->grid, FALSE);
  f->worker_token = wg_test_server_login (f->server, f->worker, "demo");
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  fixture_start (f, data);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->server, wg_test_server_free);
  g_free (f->grid);
  g_free (f->worker);
  g_free (f->other_worker);
  g_free (f->worker_token);
  g_free (f->leader_token);
}

/* ---- tests -------------------------------------------------------------- */

static void
test_upload_reference_read (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = make_jpeg (1200, 900);
  g_autofree char *id = upload_ok (f, f->worker_token, jpeg);
  g_autofree char *other_token = wg_test_server_login (f->server, f->other_worker, "demo");
  g_autofree char *dept_token = wg_test_server_login (f->server, "dept-urban", "demo");
  g_autofree char *wall_token = wg_test_server_login (f->server, "wall", "demo");
  g_autofree char *command_id = g_uuid_string_random ();
  g_autofree char *body = NULL;
  g_autofree char *incident = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, jpeg);
  g_autoptr(WgTestResponse) r = NULL;
  gint64 head;

  /* Unreferenced: the uploader only. */
  g_assert_cmpuint (get_status (f, f->worker_token, id), ==, 200);
  g_assert_cmpuint (get_status (f, f->leader_token, id), ==, 404);

  body = g_strdup_printf ("{\"grade\": \"professional\", \"category\": \"illegal_structure\", \"location\": " LOC
                          ", \"summary\": \"违建\", \"attachments\": [\"%s\"]}", id);
  r = wg_test_server_command (f->server, f->worker_token, command_id, "incident.report", body);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_array_get_string_element (first_event_attachments (r), 0), ==, id);
  incident = first_event_incident (r);
  g_clear_pointer (&r, wg_test_response_free);

  /* The original, as uploaded, with its headers. */
  r = get_as (f, f->leader_token, id, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (r->content_type, ==, "image/jpeg");
  g_assert_true (g_bytes_equal (r->body, jpeg));
  etag = g_strdup_printf ("\"%s\"", sha);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "ETag"), ==, etag);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Cache-Control"), ==,
                   "private, max-age=31536000, immutable");
  g_assert_nonnull (strstr (soup_message_headers_get_one (r->headers, "Content-Disposition"), id));
  g_clear_pointer (&r, wg_test_response_free);
  {
    g_autofree char *path = g_strconcat ("/api/v1/attachments/", id, NULL);

    r = wg_test_server_request_bytes (f->server, f->leader_token, "GET", path, NULL, NULL, etag);
    g_assert_cmpuint (r->status, ==, 304);
    g_clear_pointer (&r, wg_test_response_free);
  }

  /* Thumbnail and display: decodable, at their sizes, metadata-free. */
  {
    const struct { const char *variant; int side; } sizes[] = { { "thumbnail", 320 }, { "display", 1200 } };

    for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
      {
        g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
        g_autoptr(GError) error = NULL;
        GdkPixbuf *pixbuf;

        r = get_as (f, f->leader_token, id, sizes[i].variant);
        g_assert_cmpuint (r->status, ==, 200);
        g_assert_cmpstr (soup_message_headers_get_one (r->headers, "X-Content-Type-Options"), ==, "nosniff");
        g_assert_nonnull (soup_message_headers_get_one (r->headers, "ETag"));
        gdk_pixbuf_loader_write_bytes (loader, r->body, &error);
        g_assert_no_error (error);
        gdk_pixbuf_loader_close (loader, &error);
        g_assert_no_error (error);
        pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
        g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, sizes[i].side);
        g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, sizes[i].side * 3 / 4);
        g_clear_pointer (&r, wg_test_response_free);
      }
  }

  /* Who may see the incident sees the photo; the others, and the wall
   * (a public display shows no photos), get the same 404 as for an id that
   * does not exist. */
  g_assert_cmpuint (get_status (f, f->worker_token, id), ==, 200);
  g_assert_cmpuint (get_status (f, wall_token, id), ==, 404);
  g_assert_cmpuint (get_status (f, f->server->token, id), ==, 200);
  g_assert_cmpuint (get_status (f, other_token, id), ==, 404);
  g_assert_cmpuint (get_status (f, dept_token, id), ==, 404);
  {
    g_autofree char *unknown = g_uuid_string_random ();

    g_assert_cmpuint (get_status (f, f->leader_token, unknown), ==, 404);
    g_assert_cmpuint (get_status (f, f->leader_token, "not-a-uuid"), ==, 404);
  }
  /* Routed to the urban department: it sees it from then on. */
  {
    g_autofree char *route = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"urban\"}", incident);

    r = wg_test_server_command (f->server, f->leader_token, NULL, "incident.route", route);
    g_assert_cmpuint (r->status, ==, 200);
    g_clear_pointer (&r, wg_test_response_free);
    g_assert_cmpuint (get_status (f, dept_token, id), ==, 200);
    g_assert_cmpuint (get_status (f, other_token, id), ==, 404);
  }

  /* The same command again: the stored answer, nothing appended. */
  head = wg_test_server_head (f->server);
  r = wg_test_server_command (f->server, f->worker_token, command_id, "incident.report", body);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (json_object_get_boolean_member (wg_test_response_object (r), "replayed"));
  g_assert_cmpint (wg_test_server_head (f->server), ==, head);
  g_clear_pointer (&r, wg_test_response_free);

  /* The same photo on another incident: refused, nothing appended. */
  r = wg_test_server_command (f->server, f->worker_token, NULL, "incident.report", body);
  wg_test_response_assert_problem (r, 409, "attachment-in-use");
  g_assert_cmpint (wg_test_server_head (f->server), ==, head);
  g_clear_pointer (&r, wg_test_response_free);

  /* The department's feedback with its own photo: readable by the
   * leader, and by the grid worker of the incident's grid. */
  {
    g_autoptr(GBytes) after = make_jpeg (640, 480);
    g_autofree char *photo = NULL;
    g_autofree char *accept = g_strdup_printf ("{\"incident\": \"%s\"}", incident);
    g_autofree char *feedback = NULL;

    r = wg_test_server_command (f->server, dept_token, NULL, "incident.accept", accept);
    g_assert_cmpuint (r->status, ==, 200);
    g_clear_pointer (&r, wg_test_response_free);
    photo = upload_ok (f, dept_token, after);
    feedback = g_strdup_printf ("{\"incident\": \"%s\", \"result\": \"已拆除\", \"attachments\": [\"%s\"]}",
                                incident, photo);
    r = wg_test_server_command (f->server, dept_token, NULL, "incident.feedback", feedback);
    g_assert_cmpuint (r->status, ==, 200);
    g_assert_cmpstr (json_array_get_string_element (first_event_attachments (r), 0), ==, photo);
    g_clear_pointer (&r, wg_test_response_free);
    g_assert_cmpuint (get_status (f, f->leader_token, photo), ==, 200);
    g_assert_cmpuint (get_status (f, f->worker_token, photo), ==, 200);
    g_assert_cmpuint (get_status (f, other_token, photo), ==, 404);
  }
}

static void
test_command_checks (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = make_jpeg (320, 240);
  g_autofree char *leader_photo = upload_ok (f, f->leader_token, jpeg);
  g_autofree char *unknown = g_uuid_string_random ();
  g_autofree char *trainer_token = wg_test_server_login (f->server, "trainer", "demo");
  g_autofree char *wall_token = wg_test_server_login (f->server, "wall", "demo");
  g_autoptr(WgTestResponse) r = NULL;
  g_autoptr(GString) nine = g_string_new ("[");
  g_autofree char *body = NULL;
  g_autofree char *incident = NULL;
  gint64 head;

  /* The same bytes twice: two ids, one file. */
  {
    g_autofree char *again = upload_ok (f, f->leader_token, jpeg);

    g_assert_cmpstr (again, !=, leader_photo);
    g_assert_cmpint (count_rows (f), ==, 2);
  }

  r = wg_test_server_command (f->server, f->leader_token, NULL, "incident.report",
                              "{\"grade\": \"general\", \"category\": \"noise\", \"location\": " LOC
                              ", \"summary\": \"噪音\"}");
  g_assert_cmpuint (r->status, ==, 200);
  incident = first_event_incident (r);
  g_clear_pointer (&r, wg_test_response_free);
  head = wg_test_server_head (f->server);

  /* No such upload; another user's upload; malformed lists. */
  body = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"x\", \"attachments\": [\"%s\"]}", incident, unknown);
  r = wg_test_server_command (f->server, f->leader_token, NULL, "incident.note", body);
  wg_test_response_assert_problem (r, 422, "unknown-attachment");
  g_clear_pointer (&r, wg_test_response_free);
  g_free (body);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"x\", \"attachments\": [\"%s\"]}", incident, leader_photo);
  r = wg_test_server_command (f->server, f->worker_token, NULL, "incident.note", body);
  wg_test_response_assert_problem (r, 422, "unknown-attachment");
  g_clear_pointer (&r, wg_test_response_free);
  for (guint i = 0; i < 9; i++)
    {
      g_autofree char *id = g_uuid_string_random ();

      g_string_append_printf (nine, "%s\"%s\"", i > 0 ? ", " : "", id);
    }
  g_string_append (nine, "]");
  g_free (body);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"x\", \"attachments\": %s}", incident, nine->str);
  r = wg_test_server_command (f->server, f->leader_token, NULL, "incident.note", body);
  wg_test_response_assert_problem (r, 422, "invalid-field");
  g_clear_pointer (&r, wg_test_response_free);
  g_free (body);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"x\", \"attachments\": [\"%s\", \"%s\"]}",
                          incident, leader_photo, leader_photo);
  r = wg_test_server_command (f->server, f->leader_token, NULL, "incident.note", body);
  wg_test_response_assert_problem (r, 422, "invalid-field");
  g_clear_pointer (&r, wg_test_response_free);
  g_free (body);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"x\", \"attachments\": [\"photo.jpg\"]}", incident);
  r = wg_test_server_command (f->server, f->leader_token, NULL, "incident.note", body);
  wg_test_response_assert_problem (r, 422, "invalid-field");
  g_clear_pointer (&r, wg_test_response_free);
  g_assert_cmpint (wg_test_server_head (f->server), ==, head);

  /* A note with the leader's own photo. */
  g_free (body);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"现场照片\", \"attachments\": [\"%s\"]}",
                          incident, leader_photo);
  r = wg_test_server_command (f->server, f->leader_token, NULL, "incident.note", body);
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_array_get_string_element (first_event_attachments (r), 0), ==, leader_photo);
  g_clear_pointer (&r, wg_test_response_free);
  g_assert_cmpuint (get_status (f, wall_token, leader_photo), ==, 404);   /* the public display shows none */
  g_assert_cmpuint (get_status (f, f->worker_token, leader_photo), ==, 200);

  /* Trainer and wall send no photos. */
  r = upload (f, trainer_token, jpeg, "image/jpeg");
  wg_test_response_assert_problem (r, 403, "forbidden");
  g_clear_pointer (&r, wg_test_response_free);
  r = upload (f, wall_token, jpeg, "image/jpeg");
  wg_test_response_assert_problem (r, 403, "forbidden");
  g_clear_pointer (&r, wg_test_response_free);
  r = upload (f, NULL, jpeg, "image/jpeg");
  g_assert_cmpuint (r->status, ==, 401);
}

typedef struct
{
  guint status;
  gboolean done;
} Concurrent;

static void
concurrent_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Concurrent *c = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  g_assert_no_error (error);
  c->status = soup_message_get_status (soup_session_get_async_result_message (SOUP_SESSION (source), result));
  c->done = TRUE;
}

static gboolean
both_done (gpointer data)
{
  Concurrent *c = data;

  return c[0].done && c[1].done;
}

/* Two reports naming one photo, sent at once (most likely one commit
 * batch, where neither is referenced yet): one wins, the other is refused. */
static void
test_same_photo_at_once (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = make_jpeg (320, 240);
  g_autofree char *id = upload_ok (f, f->worker_token, jpeg);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("max-conns-per-host", 4, NULL);
  g_autoptr(SoupMessage) first = NULL;
  g_autoptr(SoupMessage) second = NULL;
  SoupMessage **messages[2] = { &first, &second };
  g_autofree char *authorization = g_strconcat ("Bearer ", f->worker_token, NULL);
  g_autofree char *url = wg_test_server_url (f->server, "/api/v1/commands");
  Concurrent c[2] = { { 0 } };

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *command_id = g_uuid_string_random ();
      g_autofree char *envelope = g_strdup_printf (
        "{\"id\": \"%s\", \"type\": \"incident.report\", \"body\": {\"grade\": \"general\","
        " \"category\": \"garbage\", \"location\": " LOC ", \"summary\": \"同一张照片\","
        " \"attachments\": [\"%s\"]}}", command_id, id);
      g_autoptr(GBytes) body = g_bytes_new (envelope, strlen (envelope));

      *messages[i] = soup_message_new ("POST", url);
      soup_message_headers_replace (soup_message_get_request_headers (*messages[i]), "Authorization", authorization);
      soup_message_set_request_body_from_bytes (*messages[i], "application/json", body);
    }
  for (guint i = 0; i < 2; i++)
    soup_session_send_and_read_async (session, *messages[i], G_PRIORITY_DEFAULT, NULL, concurrent_done_cb, &c[i]);
  g_assert_true (wg_test_iterate_until (both_done, c, 20000));
  g_test_message ("statuses %u %u", c[0].status, c[1].status);
  g_assert_true ((c[0].status == 200 && c[1].status == 409) || (c[0].status == 409 && c[1].status == 200));
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = make_jpeg (640, 480);
  g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (jpeg, 0, g_bytes_get_size (jpeg) * 2 / 3);
  g_autoptr(GBytes) bomb = test_image_png_bomb (100000, 100000);
  g_autoptr(GBytes) text = g_bytes_new_static ("GET / HTTP/1.0\r\n\r\nnot a photo\n", 30);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  guint8 *big_data = g_malloc (9 * 1024 * 1024);
  g_autoptr(GBytes) big = NULL;
  const struct {
    GBytes     *bytes;
    const char *content_type;
    guint       status;
    const char *code;
  } cases[] = {
    { truncated, "image/jpeg", 422, "image-malformed" },
    { bomb, "image/png", 422, "image-too-many-pixels" },
    { text, "image/jpeg", 415, "unsupported-media-type" },
    { empty, "image/jpeg", 415, "unsupported-media-type" },
    { NULL, "image/jpeg", 413, "too-large" },
  };

  /* A real JPEG's start, then 9 MiB: refused on its Content-Length. */
  memset (big_data, 0x55, 9 * 1024 * 1024);
  memcpy (big_data, g_bytes_get_data (jpeg, NULL), 1024);
  big = g_bytes_new_take (big_data, 9 * 1024 * 1024);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WgTestResponse) r = upload (f, f->worker_token, cases[i].bytes != NULL ? cases[i].bytes : big,
                                            cases[i].content_type);

      g_test_message ("case %u: %u", i, r->status);
      wg_test_response_assert_problem (r, cases[i].status, cases[i].code);
    }
  /* A chunked body (no Content-Length): refused at the headers too. */
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autofree char *url = wg_test_server_url (f->server, "/api/v1/attachments");
    g_autofree char *authorization = g_strconcat ("Bearer ", f->worker_token, NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_bytes (jpeg);
    g_autoptr(GBytes) answer = NULL;
    g_autoptr(GError) error = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", authorization);
    soup_message_set_request_body (msg, "image/jpeg", stream, -1);
    answer = soup_session_send_and_read (session, msg, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 413);
    g_assert_nonnull (g_strstr_len (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer), "\"too-large\""));
  }
  /* Nothing stored, and the server still answers. */
  g_assert_cmpint (count_rows (f), ==, 0);
  g_assert_cmpuint (count_blobs (f), ==, 0);
  {
    g_autofree char *id = upload_ok (f, f->worker_token, jpeg);

    g_assert_cmpint (count_rows (f), ==, 1);
    g_assert_cmpuint (count_blobs (f), ==, 3);
  }
}

/* The purge runs on the writer thread: the row goes first, then its
 * files; done when both are gone (the kept upload's 3 files remain). */
static gboolean
purged_cb (gpointer data)
{
  Fixture *f = ((gpointer *) data)[0];
  const char *id = ((gpointer *) data)[1];

  return get_status (f, f->worker_token, id) == 404 && count_blobs (f) == 3;
}

/* A short age: the unreferenced upload goes, the referenced one stays;
 * a reference lost between the two databases comes back at start. */
static void
test_purge_and_restart (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GBytes) kept_jpeg = make_jpeg (400, 300);
  g_autoptr(GBytes) lost_jpeg = make_jpeg (300, 400);
  g_autofree char *lost = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *body = NULL;
  g_autoptr(WgTestResponse) r = NULL;
  gpointer pair[2];

  kept = upload_ok (f, f->worker_token, kept_jpeg);
  body = g_strdup_printf ("{\"grade\": \"general\", \"category\": \"garbage\", \"location\": " LOC
                          ", \"summary\": \"垃圾\", \"attachments\": [\"%s\"]}", kept);
  r = wg_test_server_command (f->server, f->worker_token, NULL, "incident.report", body);
  g_assert_cmpuint (r->status, ==, 200);
  lost = upload_ok (f, f->worker_token, lost_jpeg);
  g_assert_cmpint (count_rows (f), ==, 2);

  pair[0] = f;
  pair[1] = lost;
  g_assert_true (wg_test_iterate_until (purged_cb, pair, 20000));
  g_assert_cmpint (count_rows (f), ==, 1);
  g_assert_cmpuint (count_blobs (f), ==, 3);
  g_assert_cmpuint (get_status (f, f->leader_token, kept), ==, 200);

  /* As if the server had stopped between the journal commit and the
   * reference: the next start finds the command in the journal. */
  g_assert_cmpint (wg_test_server_stop (f->server), ==, 0);
  if (f->server->database != NULL)
    wg_test_postgres_execute (f->server->database, "UPDATE attachments SET referenced_by = NULL, referenced_ms = 0");
  else
    {
      g_autofree char *path = g_build_filename (f->server->data_dir, "attachments.db", NULL);
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, "UPDATE attachments SET referenced_by = NULL, referenced_ms = 0",
                                     NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);
    }
  {
    const char *args[] = { "--demo", NULL };

    wg_test_server_start (f->server, args);
  }
  g_free (f->leader_token);
  f->leader_token = wg_test_server_login (f->server, "leader", "demo");
  g_assert_cmpuint (get_status (f, f->leader_token, kept), ==, 200);
  /* Referenced again: the purge leaves it. */
  wg_test_iterate_for (2500);
  g_assert_cmpint (count_rows (f), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/attachments/upload-reference-read", Fixture, NULL, fixture_set_up,
              test_upload_reference_read, fixture_tear_down);
  g_test_add ("/attachments/command-checks", Fixture, NULL, fixture_set_up,
              test_command_checks, fixture_tear_down);
  g_test_add ("/attachments/same-photo-at-once", Fixture, NULL, fixture_set_up,
              test_same_photo_at_once, fixture_tear_down);
  g_test_add ("/attachments/refusals", Fixture, NULL, fixture_set_up, test_refusals, fixture_tear_down);
  g_test_add ("/attachments/purge-and-restart", Fixture,
              "[attachments]\nmax-age-seconds=3\npurge-interval-seconds=1\n",
              fixture_set_up, test_purge_and_restart, fixture_tear_down);
  return g_test_run ();
}
