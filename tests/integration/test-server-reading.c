/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reading rules against the real server (protocol.md, "Reading the
 * journal"; docs/api.md): a unit's account reads the incident its unit is
 * assigned to (journal, the incident's events, the stream) and nothing of
 * others; photos follow the incident; a filtered view's stream says its
 * head, so presence shows its true lag while others' events flow.
 */
#include "config.h"

#include <string.h>

#include "test-images.h"
#include "wg-test-server.h"

/* Inside the demo street (test-server-commands.c). */
#define LOC "{\"lat\": 23.21, \"lon\": 113.29}"
#define PHONE "13800138000"

typedef struct
{
  WgTestServer *server;
  char         *dispatcher;   /* tokens */
  char         *unit;         /* unit-eu-01, the account of eu-01 */
  char         *other_unit;   /* unit-eu-02 */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *args[] = { "--demo", NULL };

  f->server = wg_test_server_new ("[auth]\ncommand-rate=100000\ncommand-burst=100000\n");
  wg_test_server_start (f->server, args);
  f->dispatcher = wg_test_server_login (f->server, "dispatcher", "demo");
  f->unit = wg_test_server_login (f->server, "unit-eu-01", "demo");
  f->other_unit = wg_test_server_login (f->server, "unit-eu-02", "demo");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->server, wg_test_server_free);
  g_free (f->dispatcher);
  g_free (f->unit);
  g_free (f->other_unit);
}

/* Sends as @token, asserts 200, returns the first event's incident. */
static char *
must (Fixture    *f,
      const char *token,
      const char *type,
      const char *body)
{
  g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, token, NULL, type, body);
  JsonArray *events;

  if (r->status != 200)
    g_error ("%s: %u %.*s", type, r->status, (int) g_bytes_get_size (r->body),
             (const char *) g_bytes_get_data (r->body, NULL));
  events = json_object_get_array_member (wg_test_response_object (r), "events");
  if (json_array_get_length (events) == 0)
    return NULL;
  return g_strdup (json_object_get_string_member_with_default (json_array_get_object_element (events, 0),
                                                               "incident", NULL));
}

static char *
report_fire (Fixture    *f,
             const char *summary,
             const char *attachments_json)
{
  g_autofree char *body = g_strdup_printf (
    "{\"grade\":\"emergency\",\"category\":\"fire\",\"location\":" LOC ",\"summary\":\"%s\","
    "\"caller\":{\"name\":\"陈\",\"phone\":\"" PHONE "\"}%s%s}",
    summary, attachments_json != NULL ? ",\"attachments\":" : "",
    attachments_json != NULL ? attachments_json : "");

  return must (f, f->dispatcher, "incident.report", body);
}

static void
assign (Fixture    *f,
        const char *incident,
        const char *unit)
{
  g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"units\":[\"%s\"]}", incident, unit);
  g_autofree char *ignored = must (f, f->dispatcher, "dispatch.assign", body);
}

static JsonArray *
get_events (Fixture         *f,
            const char      *token,
            const char      *path,
            WgTestResponse **keep)
{
  *keep = wg_test_server_request_as (f->server, token, "GET", path, NULL, NULL);
  g_assert_cmpuint ((*keep)->status, ==, 200);
  return json_object_get_array_member (wg_test_response_object (*keep), "events");
}

static gboolean
mentions (GBytes     *body,
          const char *text)
{
  g_autofree char *copy = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

  return strstr (copy, text) != NULL;
}

/* The report of @incident in @events: location, summary and case number
 * there, the caller's phone masked. */
static void
assert_report_readable (JsonArray  *events,
                        const char *incident,
                        const char *summary)
{
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      JsonObject *b = json_object_get_object_member (e, "body");

      if (g_strcmp0 (json_object_get_string_member_with_default (e, "incident", ""), incident) != 0 ||
          !g_str_equal (json_object_get_string_member (e, "type"), "incident.reported"))
        continue;
      g_assert_cmpstr (json_object_get_string_member (b, "summary"), ==, summary);
      g_assert_true (g_str_has_prefix (json_object_get_string_member (b, "case_number"), "HL-"));
      g_assert_true (json_object_has_member (json_object_get_object_member (b, "location"), "lat"));
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (b, "caller"), "phone"),
                       ==, "138****8000");
      return;
    }
  g_error ("no report of %s", incident);
}

static gboolean
has_incident (JsonArray  *events,
              const char *incident)
{
  for (guint i = 0; i < json_array_get_length (events); i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (json_array_get_object_element (events, i),
                                                               "incident", ""), incident) == 0)
      return TRUE;
  return FALSE;
}

static void
test_unit_account (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *mine = NULL, *other = NULL;
  g_autofree char *mine_path = NULL, *other_path = NULL;
  g_autoptr(WgTestResponse) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) live = NULL;
  g_autoptr(WgTestWebsocket) replay = NULL;
  g_autoptr(JsonArray) replayed = json_array_new ();
  JsonArray *events;
  gint64 head;

  other = report_fire (f, "other fire", NULL);
  mine = report_fire (f, "smoke in the stairwell", NULL);
  mine_path = g_strdup_printf ("/api/v1/incidents/%s/events", mine);
  other_path = g_strdup_printf ("/api/v1/incidents/%s/events", other);

  /* Before the assignment: nothing of either. */
  r = wg_test_server_request_as (f->server, f->unit, "GET", mine_path, NULL, NULL);
  wg_test_response_assert_problem (r, 404, "unknown-incident");
  g_clear_pointer (&r, wg_test_response_free);

  /* Live on the stream when it is dispatched. */
  head = wg_test_server_head (f->server);
  {
    g_autofree char *path = g_strdup_printf ("/api/v1/stream?after=%" G_GINT64_FORMAT, head);

    live = wg_test_server_websocket_as (f->server, f->unit, path, &error);
    g_assert_no_error (error);
    g_assert_nonnull (wg_test_websocket_wait_type (live, "live", 5000));
  }
  assign (f, mine, "eu-01");
  assign (f, other, "eu-02");
  {
    g_autoptr(JsonNode) frame = wg_test_websocket_wait_type (live, "event", 5000);
    JsonObject *event;

    g_assert_nonnull (frame);
    event = json_object_get_object_member (json_node_get_object (frame), "event");
    g_assert_cmpstr (json_object_get_string_member (event, "type"), ==, "assignment.created");
    g_assert_cmpstr (json_object_get_string_member (event, "incident"), ==, mine);
  }

  /* The journal: its incident's report (location, summary, case number),
   * nothing of the other fire. */
  events = get_events (f, f->unit, "/api/v1/journal?after=0", &r);
  assert_report_readable (events, mine, "smoke in the stairwell");
  g_assert_false (has_incident (events, other));
  g_assert_false (mentions (r->body, PHONE));
  g_clear_pointer (&r, wg_test_response_free);

  /* The incident's events: what a client fetches when it meets an
   * incident at its assignment. */
  events = get_events (f, f->unit, mine_path, &r);
  assert_report_readable (events, mine, "smoke in the stairwell");
  g_clear_pointer (&r, wg_test_response_free);
  r = wg_test_server_request_as (f->server, f->unit, "GET", other_path, NULL, NULL);
  wg_test_response_assert_problem (r, 404, "unknown-incident");
  g_clear_pointer (&r, wg_test_response_free);

  /* The stream from the start: the same view. */
  replay = wg_test_server_websocket_as (f->server, f->unit, "/api/v1/stream?after=0", &error);
  g_assert_no_error (error);
  while (TRUE)
    {
      g_autoptr(JsonNode) frame = wg_test_websocket_wait_type (replay, "event", 2000);

      if (frame == NULL)
        break;
      json_array_add_object_element (replayed,
                                     json_object_ref (json_object_get_object_member (json_node_get_object (frame),
                                                                                     "event")));
    }
  assert_report_readable (replayed, mine, "smoke in the stairwell");
  g_assert_false (has_incident (replayed, other));

  /* Another unit's account reads the other fire, not this one. */
  events = get_events (f, f->other_unit, "/api/v1/journal?after=0", &r);
  assert_report_readable (events, other, "other fire");
  g_assert_false (has_incident (events, mine));
  g_clear_pointer (&r, wg_test_response_free);
}

static GBytes *
make_jpeg (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);

  gdk_pixbuf_fill (pixbuf, 0x80402000);
  return test_image_encode_jpeg (pixbuf);
}

static guint
photo_status (Fixture    *f,
              const char *token,
              const char *id)
{
  g_autofree char *path = g_strconcat ("/api/v1/attachments/", id, NULL);
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, token, "GET", path, NULL, NULL);

  return r->status;
}

static void
test_photos_follow (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = make_jpeg ();
  g_autoptr(WgTestResponse) r = NULL;
  g_autofree char *id = NULL;
  g_autofree char *list = NULL;
  g_autofree char *incident = NULL;

  r = wg_test_server_request_bytes (f->server, f->dispatcher, "POST", "/api/v1/attachments", "image/jpeg",
                                    jpeg, NULL);
  g_assert_cmpuint (r->status, ==, 201);
  id = g_strdup (json_object_get_string_member (wg_test_response_object (r), "id"));
  list = g_strdup_printf ("[\"%s\"]", id);
  incident = report_fire (f, "photo", list);

  g_assert_cmpuint (photo_status (f, f->dispatcher, id), ==, 200);
  g_assert_cmpuint (photo_status (f, f->unit, id), ==, 404);
  assign (f, incident, "eu-01");
  g_assert_cmpuint (photo_status (f, f->unit, id), ==, 200);
  g_assert_cmpuint (photo_status (f, f->other_unit, id), ==, 404);
}

typedef struct
{
  WgTestWebsocket *ws;
  guint            heads;
} Acker;

/* A client that applies what it gets: it acknowledges each event's seq
 * and each head message's head, as docs/api.md asks. */
static void
ack_all (Acker *acker)
{
  while (!g_queue_is_empty (&acker->ws->messages))
    {
      g_autoptr(JsonNode) node = g_queue_pop_head (&acker->ws->messages);
      JsonObject *o = json_node_get_object (node);
      const char *type = json_object_get_string_member_with_default (o, "type", "");
      g_autofree char *ack = NULL;

      if (g_str_equal (type, "head"))
        acker->heads++;
      if (!g_str_equal (type, "head") && !g_str_equal (type, "event") && !g_str_equal (type, "live"))
        continue;
      ack = g_strdup_printf ("{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}",
                             json_object_get_int_member (o, "head"));
      wg_test_websocket_send (acker->ws, ack);
    }
}

static gint64
presence_acked (Fixture    *f,
                const char *user)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, f->dispatcher, "GET", "/api/v1/presence",
                                                          NULL, NULL);
  JsonArray *consoles;

  g_assert_cmpuint (r->status, ==, 200);
  consoles = json_object_get_array_member (wg_test_response_object (r), "consoles");
  for (guint i = 0; i < json_array_get_length (consoles); i++)
    {
      JsonObject *c = json_array_get_object_element (consoles, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (c, "user", ""), user) == 0)
        return json_object_get_null_member (c, "acked_seq") ? -1 : json_object_get_int_member (c, "acked_seq");
    }
  return -1;
}

/* A unit's view skips every other unit's status change, and so does a
 * department's; for 8 s others' events flow, and presence must never show
 * either more than 5 s behind; head messages come at most once a second. */
static void
test_filtered_view_lag (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) ws = wg_test_server_websocket_as (f->server, f->unit, "/api/v1/stream", &error);
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) heads = g_array_new (FALSE, FALSE, sizeof (gint64));
  Acker acker = { ws, 0 };
  gint64 start, last_check = 0;
  guint tick = 0, checks = 0;

  g_autofree char *dept_token = wg_test_server_login (f->server, "dept-judicial", "demo");
  g_autoptr(WgTestWebsocket) quiet = NULL;
  g_autoptr(JsonNode) live = NULL;
  g_autofree char *ack = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (wg_test_websocket_wait_type (ws, "live", 5000));
  /* A client that acknowledges only what it applied: once, at "live";
   * the server counts it complete up to the heads it was told. */
  quiet = wg_test_server_websocket_as (f->server, dept_token, "/api/v1/stream", &error);
  g_assert_no_error (error);
  live = wg_test_websocket_wait_type (quiet, "live", 5000);
  g_assert_nonnull (live);
  ack = g_strdup_printf ("{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}",
                         json_object_get_int_member (json_node_get_object (live), "head"));
  wg_test_websocket_send (quiet, ack);
  start = g_get_monotonic_time ();
  while (g_get_monotonic_time () - start < 8 * G_USEC_PER_SEC)
    {
      g_autofree char *body = g_strdup_printf ("{\"unit\":\"eu-02\",\"status\":\"%s\"}",
                                               tick++ % 2 == 0 ? "busy" : "available");
      g_autofree char *ignored = must (f, f->dispatcher, "unit.status", body);
      gint64 head = wg_test_server_head (f->server);
      gint64 now = g_get_monotonic_time ();

      g_array_append_val (times, now);
      g_array_append_val (heads, head);
      wg_test_iterate_for (50);
      ack_all (&acker);

      /* Every half second after the first 5 s: it has acknowledged at
       * least the head of 5 s ago. */
      now = g_get_monotonic_time ();
      if (now - start > 5 * G_USEC_PER_SEC && now - last_check > G_USEC_PER_SEC / 2)
        {
          gint64 acked = presence_acked (f, "unit-eu-01");
          gint64 then = 0;

          for (guint i = 0; i < times->len && g_array_index (times, gint64, i) <= now - 5 * G_USEC_PER_SEC; i++)
            then = g_array_index (heads, gint64, i);
          g_assert_cmpint (acked, >=, then);
          g_assert_cmpint (presence_acked (f, "dept-judicial"), >=, then);
          last_check = now;
          checks++;
        }
    }
  g_assert_cmpuint (checks, >=, 3);
  g_assert_cmpuint (acker.heads, >=, 4);
  g_assert_cmpuint (acker.heads, <=, 10);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/reading/unit-account", Fixture, NULL, fixture_set_up, test_unit_account, fixture_tear_down);
  g_test_add ("/reading/photos-follow", Fixture, NULL, fixture_set_up, test_photos_follow, fixture_tear_down);
  g_test_add ("/reading/filtered-view-lag", Fixture, NULL, fixture_set_up, test_filtered_view_lag,
              fixture_tear_down);
  return g_test_run ();
}
