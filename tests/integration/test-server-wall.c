/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The public display against the real server (protocol.md, "Reading the
 * journal"; docs/api.md, "The wall's public view"): a `wall` account's
 * journal pages, incident events, snapshot and stream carry no resident's
 * name or phone number, no summary or free text of a dispute or a case of
 * domestic violence, and put every case at its grid's centre; it sees no
 * photos and no CAP alert, and every command it sends is refused with
 * nothing written.  The dispatcher's view of the same cases is unchanged.
 */
#include "config.h"

#include <string.h>

#include "test-images.h"
#include "wg-command.h"
#include "wg-reference.h"
#include "wg-test-server.h"

/* Inside the demo street, and a second point in the same grid. */
#define LOC "{\"lat\": 23.21, \"lon\": 113.29}"
#define LOC_LAT 23.21
#define LOC_LON 113.29
#define LOC2 "{\"lat\": 23.2102, \"lon\": 113.2903}"

/* Residents: they must never reach the wall. */
#define CALLER_NAME "欧阳秀兰"
#define CALLER_PHONE "13912345678"
#define CALLER_PHONE_MASKED "139****5678"
#define PARTY_NAME "司马志强"
#define DISPUTE_SUMMARY "夫妻因家务长期争吵"
#define VIOLENCE_SUMMARY "邻居听到打骂声求助"
#define DETAILS "住三栋五零二房"
#define NOTE_TEXT "当事人情绪激动需回访"
/* An ordinary case's summary stays. */
#define ROAD_SUMMARY "人行道塌陷一处"

typedef struct
{
  WgTestServer *server;
  WgReference  *reference;
  char         *dispatcher;   /* tokens */
  char         *wall;
  char         *road;         /* incident ids */
  char         *dispute;
  char         *violence;
  char         *duplicate;
} Fixture;

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
  return g_strdup (json_object_get_string_member_with_default (json_array_get_object_element (events, 0),
                                                               "incident", NULL));
}

static char *
report (Fixture    *f,
        const char *category,
        const char *location,
        const char *summary)
{
  g_autofree char *body = g_strdup_printf (
    "{\"grade\":\"professional\",\"category\":\"%s\",\"location\":%s,\"summary\":\"%s\","
    "\"details\":\"" DETAILS "\",\"source\":\"hotline_12345\","
    "\"caller\":{\"name\":\"" CALLER_NAME "\",\"phone\":\"" CALLER_PHONE "\"}}",
    category, location, summary);

  return must (f, f->dispatcher, "incident.report", body);
}

static void
note (Fixture    *f,
      const char *incident)
{
  g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"" NOTE_TEXT "\"}", incident);
  g_autofree char *ignored = must (f, f->dispatcher, "incident.note", body);
}

/* Three cases, as the dispatcher makes them: an ordinary one, a dispute
 * mediated in the grid (the parties named), a case of domestic violence. */
static void
make_cases (Fixture *f)
{
  g_autofree char *body = NULL;
  g_autofree char *ignored = NULL;

  f->road = report (f, "road_damage", LOC, ROAD_SUMMARY);
  f->dispute = report (f, "dispute_family", LOC2, DISPUTE_SUMMARY);
  f->violence = report (f, "domestic_violence", LOC, VIOLENCE_SUMMARY);
  /* A second call about the road: merged, its caller carried over. */
  f->duplicate = report (f, "road_damage", LOC2, ROAD_SUMMARY);
  body = g_strdup_printf ("{\"incident\":\"%s\",\"into\":\"%s\",\"reason\":\"同一处\"}", f->duplicate, f->road);
  ignored = must (f, f->dispatcher, "incident.merge", body);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&ignored, g_free);
  body = g_strdup_printf ("{\"incident\":\"%s\",\"outcome\":\"mediated\",\"remark\":\"双方和解\","
                          "\"parties\":[\"" PARTY_NAME "\"]}", f->dispute);
  ignored = must (f, f->dispatcher, "incident.mediate", body);
  note (f, f->road);
  note (f, f->dispute);
  note (f, f->violence);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  const char *args[] = { "--demo", NULL };
  g_autoptr(GError) error = NULL;

  f->reference = wg_reference_load_dir (WG_DEMO_DIR, &error);
  g_assert_no_error (error);
  f->server = wg_test_server_new ("[auth]\ncommand-rate=100000\ncommand-burst=100000\n");
  wg_test_server_start (f->server, args);
  f->dispatcher = wg_test_server_login (f->server, "dispatcher", "demo");
  f->wall = wg_test_server_login (f->server, "wall", "demo");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->server, wg_test_server_free);
  g_clear_object (&f->reference);
  g_free (f->dispatcher);
  g_free (f->wall);
  g_free (f->road);
  g_free (f->dispute);
  g_free (f->violence);
  g_free (f->duplicate);
}

static char *
text_of (JsonNode *node)
{
  return json_to_string (node, FALSE);
}

/* Nothing a visitor may not read, anywhere in @text. */
static void
assert_no_resident (const char *text)
{
  const char *never[] = {
    CALLER_NAME, CALLER_PHONE, CALLER_PHONE_MASKED, PARTY_NAME, DISPUTE_SUMMARY, VIOLENCE_SUMMARY,
    DETAILS, NOTE_TEXT, "\"caller\"", "\"parties\"",
  };

  for (guint i = 0; i < G_N_ELEMENTS (never); i++)
    if (strstr (text, never[i]) != NULL)
      g_error ("the wall reads “%s” in %s", never[i], text);
}

/* @location is the centre of @grid_code, not where the case was
 * reported. */
static void
assert_at_grid_centre (Fixture    *f,
                       JsonObject *location,
                       const char *grid_code)
{
  WgGrid *grid = wg_reference_lookup_grid (f->reference, grid_code);

  g_assert_nonnull (grid);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (location, "lat"), grid->centroid_lat, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (location, "lon"), grid->centroid_lon, 1e-9);
  g_assert_false (json_object_get_double_member (location, "lat") == LOC_LAT &&
                  json_object_get_double_member (location, "lon") == LOC_LON);
}

/* The wall's events of the three cases: reports at their grid's centre,
 * the ordinary case's summary there, the sensitive ones' not, staff names
 * (the actor) kept.  Returns how many reports it saw. */
static guint
check_events (Fixture   *f,
              JsonArray *events)
{
  guint reports = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      JsonObject *b = json_object_get_object_member (e, "body");
      const char *incident = json_object_get_string_member_with_default (e, "incident", "");

      if (g_str_equal (json_object_get_string_member (e, "type"), "incident.noted"))
        g_assert_false (json_object_has_member (b, "text"));
      if (!g_str_equal (json_object_get_string_member (e, "type"), "incident.reported"))
        continue;
      reports++;
      g_assert_cmpstr (json_object_get_string_member (e, "actor"), ==, "dispatcher");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (b, "case_number"), "HL-"));
      g_assert_nonnull (json_object_get_string_member (b, "category"));
      assert_at_grid_centre (f, json_object_get_object_member (b, "location"),
                             json_object_get_string_member (b, "grid"));
      g_assert_false (json_object_has_member (b, "caller"));
      g_assert_false (json_object_has_member (b, "details"));
      if (g_str_equal (incident, f->road) || g_str_equal (incident, f->duplicate))
        g_assert_cmpstr (json_object_get_string_member (b, "summary"), ==, ROAD_SUMMARY);
      else
        g_assert_cmpstr (json_object_get_string_member (b, "summary"), ==, "");
    }
  return reports;
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

static void
test_journal (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(WgTestResponse) page = NULL;
  g_autoptr(WgTestResponse) mine = NULL;
  g_autoptr(WgTestResponse) full = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autofree char *full_text = NULL;
  JsonArray *events;

  make_cases (f);

  events = get_events (f, f->wall, "/api/v1/journal?after=0", &page);
  text = text_of (page->json);
  assert_no_resident (text);
  g_assert_cmpuint (check_events (f, events), ==, 4);
  g_assert_true (strstr (text, ROAD_SUMMARY) != NULL);
  g_assert_true (strstr (text, "\"incident.merged\"") != NULL);

  path = g_strdup_printf ("/api/v1/incidents/%s/events", f->dispute);
  events = get_events (f, f->wall, path, &mine);
  g_clear_pointer (&text, g_free);
  text = text_of (mine->json);
  assert_no_resident (text);
  g_assert_cmpuint (check_events (f, events), ==, 1);
  /* What happened stays: the mediation's outcome and the staff who did it. */
  g_assert_true (strstr (text, "\"incident.mediated\"") != NULL);
  g_assert_true (strstr (text, "\"outcome\":\"mediated\"") != NULL);

  /* The dispatcher reads the same cases as before. */
  get_events (f, f->dispatcher, "/api/v1/journal?after=0", &full);
  full_text = text_of (full->json);
  for (const char *const *s = (const char *const[]) { CALLER_NAME, CALLER_PHONE, PARTY_NAME, DISPUTE_SUMMARY,
                                                      VIOLENCE_SUMMARY, DETAILS, NOTE_TEXT, NULL };
       *s != NULL; s++)
    if (strstr (full_text, *s) == NULL)
      g_error ("the dispatcher misses “%s”", *s);
}

static void
test_snapshot (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(WgTestResponse) r = NULL;
  g_autofree char *text = NULL;
  JsonArray *incidents;
  guint seen = 0;

  make_cases (f);
  r = wg_test_server_request_as (f->server, f->wall, "GET", "/api/v1/snapshot", NULL, NULL);
  g_assert_cmpuint (r->status, ==, 200);
  text = text_of (r->json);
  assert_no_resident (text);

  incidents = json_object_get_array_member (wg_test_response_object (r), "incidents");
  for (guint i = 0; i < json_array_get_length (incidents); i++)
    {
      JsonObject *incident = json_array_get_object_element (incidents, i);
      const char *id = json_object_get_string_member (incident, "id");

      if (!g_str_equal (id, f->road) && !g_str_equal (id, f->dispute) && !g_str_equal (id, f->violence))
        continue;
      seen++;
      assert_at_grid_centre (f, json_object_get_object_member (incident, "location"),
                             json_object_get_string_member (incident, "grid"));
      if (g_str_equal (id, f->road))
        g_assert_cmpstr (json_object_get_string_member (incident, "summary"), ==, ROAD_SUMMARY);
      else
        g_assert_cmpstr (json_object_get_string_member (incident, "summary"), ==, "");
      g_assert_cmpuint (check_events (f, json_object_get_array_member (incident, "events")), ==, 1);
    }
  g_assert_cmpuint (seen, ==, 3);
}

static void
test_stream (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgTestWebsocket) ws = NULL;
  g_autoptr(JsonNode) live = NULL;
  g_autoptr(JsonArray) events = json_array_new ();
  gint64 head;

  ws = wg_test_server_websocket_as (f->server, f->wall, "/api/v1/stream", &error);
  g_assert_no_error (error);
  live = wg_test_websocket_wait_type (ws, "live", 5000);
  g_assert_nonnull (live);

  make_cases (f);
  head = wg_test_server_head (f->server);
  while (TRUE)
    {
      g_autoptr(JsonNode) message = wg_test_websocket_wait_type (ws, "event", 5000);
      g_autofree char *text = NULL;
      JsonObject *event;

      g_assert_nonnull (message);
      text = text_of (message);
      assert_no_resident (text);
      event = json_object_get_object_member (json_node_get_object (message), "event");
      json_array_add_object_element (events, json_object_ref (event));
      if (json_object_get_int_member (event, "seq") == head)
        break;
    }
  g_assert_cmpuint (check_events (f, events), ==, 4);
}

/* Every command is refused with 403 forbidden and nothing is written; no
 * photo, no CAP alert. */
static void
test_cannot_act (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(WgTestResponse) upload = NULL;
  g_autofree char *photo = NULL;
  g_autofree char *photo_path = NULL;
  g_autofree char *cap_path = NULL;
  g_autofree char *positions = NULL;
  gint64 head;

  make_cases (f);
  head = wg_test_server_head (f->server);
  for (guint type = 0; type < WG_N_COMMAND_TYPES; type++)
    {
      g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"reason\":\"x\"}", f->road);
      g_autoptr(WgTestResponse) r = wg_test_server_command (f->server, f->wall, NULL,
                                                            wg_command_type_to_string (type), body);

      wg_test_response_assert_problem (r, 403, "forbidden");
    }
  g_assert_cmpint (wg_test_server_head (f->server), ==, head);

  {
    g_autoptr(WgTestResponse) r = NULL;

    positions = g_strdup_printf ("{\"positions\":[{\"unit\":\"eu-01\",\"ts\":%" G_GINT64_FORMAT ","
                                 "\"lat\":23.21,\"lon\":113.29}]}", wg_test_now_ms ());
    r = wg_test_server_request_as (f->server, f->wall, "POST", "/api/v1/positions", "application/json",
                                   positions);
    g_assert_cmpuint (r->status, ==, 403);
  }
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (
      f->server, f->wall, "POST", "/api/v1/bookmarks", "application/json",
      "{\"ts\":1,\"remark\":\"x\"}");

    g_assert_cmpuint (r->status, ==, 403);
  }

  {
    g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);

    gdk_pixbuf_fill (pixbuf, 0x80402000);
    jpeg = test_image_encode_jpeg (pixbuf);
  }
  upload = wg_test_server_request_bytes (f->server, f->wall, "POST", "/api/v1/attachments", "image/jpeg",
                                         jpeg, NULL);
  g_assert_cmpuint (upload->status, ==, 403);

  /* A photo of a case the wall sees: not for the wall. */
  g_clear_pointer (&upload, wg_test_response_free);
  upload = wg_test_server_request_bytes (f->server, f->dispatcher, "POST", "/api/v1/attachments",
                                         "image/jpeg", jpeg, NULL);
  g_assert_cmpuint (upload->status, ==, 201);
  photo = g_strdup (json_object_get_string_member (wg_test_response_object (upload), "id"));
  {
    g_autofree char *body = g_strdup_printf ("{\"incident\":\"%s\",\"text\":\"photo\",\"attachments\":[\"%s\"]}",
                                             f->road, photo);
    g_autofree char *ignored = must (f, f->dispatcher, "incident.note", body);
  }
  photo_path = g_strconcat ("/api/v1/attachments/", photo, NULL);
  {
    g_autoptr(WgTestResponse) mine = wg_test_server_request_as (f->server, f->dispatcher, "GET", photo_path,
                                                                NULL, NULL);
    g_autoptr(WgTestResponse) wall = wg_test_server_request_as (f->server, f->wall, "GET", photo_path,
                                                                NULL, NULL);

    g_assert_cmpuint (mine->status, ==, 200);
    g_assert_cmpuint (wall->status, ==, 404);
  }

  cap_path = g_strdup_printf ("/api/v1/incidents/%s/cap", f->road);
  {
    g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, f->wall, "GET", cap_path, NULL, NULL);

    g_assert_cmpuint (r->status, ==, 403);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/wall/journal", Fixture, NULL, fixture_set_up, test_journal, fixture_tear_down);
  g_test_add ("/wall/snapshot", Fixture, NULL, fixture_set_up, test_snapshot, fixture_tear_down);
  g_test_add ("/wall/stream", Fixture, NULL, fixture_set_up, test_stream, fixture_tear_down);
  g_test_add ("/wall/cannot-act", Fixture, NULL, fixture_set_up, test_cannot_act, fixture_tear_down);
  return g_test_run ();
}
