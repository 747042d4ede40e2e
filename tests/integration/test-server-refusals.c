/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Refusals by a rule against the real demo server: a route to a department
 * the reference data does not know, a report from outside the area served
 * (more than 5 km from every street), a roster handed to no duty leader, an
 * unknown or already used photo.  Each is problem+json, writes nothing to
 * the journal, and is stored with the command id: a retry gets the same
 * answer and the id cannot be used for another command.
 */
#include "config.h"

#include "test-images.h"
#include "wg-test-server.h"

/* Inside the demo street (test-server-commands.c). */
#define LOC "{\"lat\": 23.21, \"lon\": 113.29}"
/* The demo street spans longitudes 113.2701 to 113.3101 (grids.geojson):
 * 113.33 at its latitude lies 2 km east of its eastmost point, at most
 * 3.5 km from its edge; 113.378 lies at least 7 km from it. */
#define NEAR_OUTSIDE "{\"lat\": 23.21, \"lon\": 113.33}"
#define BEYOND_MARGIN "{\"lat\": 23.21, \"lon\": 113.378}"
/* The same latitude in the Eastern Desert of Egypt: about 8,000 km. */
#define FAR_AWAY "{\"lat\": 23.21, \"lon\": 33.83}"

static WgTestServer *server;
static char *leader;

static char *
report (const char *location)
{
  /* Not a dispute: those are mediated in the grid before any routing. */
  g_autofree char *body = g_strdup_printf ("{\"grade\": \"professional\", \"category\": \"risk_public_security\","
                                           " \"location\": %s, \"summary\": \"小区门禁损坏，夜间有陌生人进出\"}", location);
  g_autoptr(WgTestResponse) r = wg_test_server_command (server, leader, NULL, "incident.report", body);
  JsonObject *event;

  g_assert_cmpuint (r->status, ==, 200);
  event = json_array_get_object_element (json_object_get_array_member (wg_test_response_object (r), "events"), 0);
  return g_strdup (json_object_get_string_member (event, "incident"));
}

/* Sends @type with @body as @id twice and asserts the same refusal both
 * times with nothing written; then the id with another body is a reused
 * key: the refusal was stored. */
static void
assert_stored_refusal (const char *type,
                       const char *body,
                       const char *other_body,
                       guint       status,
                       const char *code)
{
  g_autofree char *id = g_uuid_string_random ();
  gint64 head = wg_test_server_head (server);
  g_autofree char *detail = NULL;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(WgTestResponse) r = wg_test_server_command (server, leader, id, type, body);
      const char *d;

      wg_test_response_assert_problem (r, status, code);
      d = json_object_get_string_member_with_default (wg_test_response_object (r), "detail", "");
      if (i == 0)
        detail = g_strdup (d);
      else
        g_assert_cmpstr (d, ==, detail);
      g_assert_cmpint (wg_test_server_head (server), ==, head);
    }
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, leader, id, type, other_body);

    wg_test_response_assert_problem (r, 409, "idempotency-key-reuse");
  }
  g_assert_cmpint (wg_test_server_head (server), ==, head);
}

static void
test_unknown_department (void)
{
  g_autofree char *incident = report (LOC);
  g_autofree char *typo = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"polcie\"}", incident);
  g_autofree char *right = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"police\"}", incident);

  assert_stored_refusal ("incident.route", typo, right, 422, "unknown-department");

  /* The case is not stranded: routed right with a new id. */
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, leader, NULL, "incident.route", right);

    g_assert_cmpuint (r->status, ==, 200);
  }
}

static void
test_location_out_of_area (void)
{
  const char *far = "{\"grade\": \"professional\", \"category\": \"dispute_neighbour\", \"location\": " FAR_AWAY
                    ", \"summary\": \"邻里噪音纠纷\"}";
  const char *beyond = "{\"grade\": \"professional\", \"category\": \"dispute_neighbour\", \"location\": " BEYOND_MARGIN
                       ", \"summary\": \"邻里噪音纠纷\"}";
  const char *inside = "{\"grade\": \"professional\", \"category\": \"dispute_neighbour\", \"location\": " LOC
                       ", \"summary\": \"邻里噪音纠纷\"}";

  assert_stored_refusal ("incident.report", far, inside, 422, "location-out-of-area");
  assert_stored_refusal ("incident.report", beyond, inside, 422, "location-out-of-area");
}

/* Within the margin but in no grid: taken, as outside the street. */
static void
test_near_outside_accepted (void)
{
  g_autoptr(WgTestResponse) r = wg_test_server_command (server, leader, NULL, "incident.report",
                                                        "{\"grade\": \"professional\", \"category\": \"dispute_neighbour\","
                                                        " \"location\": " NEAR_OUTSIDE ", \"summary\": \"界外\"}");
  JsonObject *event, *body;

  g_assert_cmpuint (r->status, ==, 200);
  event = json_array_get_object_element (json_object_get_array_member (wg_test_response_object (r), "events"), 0);
  body = json_object_get_object_member (event, "body");
  g_assert_true (json_object_get_null_member (body, "grid"));
}

/* The roster target is checked against the accounts, outside decide(): its
 * refusal is stored all the same, even once the account appears. */
static void
test_roster_target_stored (void)
{
  g_autofree char *id = g_uuid_string_random ();
  const char *body = "{\"to\": \"night-leader\"}";

  assert_stored_refusal ("roster.handover", body, "{\"to\": \"leader-2\"}", 422, "invalid-field");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, leader, id, "roster.handover", body);

    wg_test_response_assert_problem (r, 422, "invalid-field");
  }
  wg_test_server_add_user (server, "night-leader", "night-password", "duty_leader", NULL);
  {
    g_autoptr(WgTestResponse) again = wg_test_server_command (server, leader, id, "roster.handover", body);
    g_autoptr(WgTestResponse) fresh = wg_test_server_command (server, leader, NULL, "roster.handover", body);

    wg_test_response_assert_problem (again, 422, "invalid-field");
    g_assert_cmpuint (fresh->status, ==, 200);
  }
}

static char *
upload_photo (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 48);
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(WgTestResponse) r = NULL;

  gdk_pixbuf_fill (pixbuf, 0x3080c0ff);
  jpeg = test_image_encode_jpeg (pixbuf);
  r = wg_test_server_request_bytes (server, leader, "POST", "/api/v1/attachments", "image/jpeg", jpeg, NULL);
  g_assert_cmpuint (r->status, ==, 201);
  return g_strdup (json_object_get_string_member (wg_test_response_object (r), "id"));
}

static void
test_attachments_stored (void)
{
  g_autofree char *first = report (LOC);
  g_autofree char *second = report (LOC);
  g_autofree char *unknown = g_uuid_string_random ();
  g_autofree char *photo = upload_photo ();
  g_autofree char *plain = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"无照片\"}", second);
  g_autofree char *with_unknown = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"x\", \"attachments\": [\"%s\"]}",
                                                   second, unknown);
  g_autofree char *on_first = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"x\", \"attachments\": [\"%s\"]}",
                                               first, photo);
  g_autofree char *on_second = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"x\", \"attachments\": [\"%s\"]}",
                                                second, photo);

  assert_stored_refusal ("incident.note", with_unknown, plain, 422, "unknown-attachment");
  {
    g_autoptr(WgTestResponse) r = wg_test_server_command (server, leader, NULL, "incident.note", on_first);

    g_assert_cmpuint (r->status, ==, 200);
  }
  assert_stored_refusal ("incident.note", on_second, plain, 409, "attachment-in-use");
}

int
main (int   argc,
      char *argv[])
{
  const char *args[] = { "--demo", NULL };
  int status;

  g_test_init (&argc, &argv, NULL);

  server = wg_test_server_new (NULL);
  wg_test_server_start (server, args);
  leader = wg_test_server_login (server, "leader", "demo");

  g_test_add_func ("/refusals/unknown-department", test_unknown_department);
  g_test_add_func ("/refusals/location-out-of-area", test_location_out_of_area);
  g_test_add_func ("/refusals/near-outside-accepted", test_near_outside_accepted);
  g_test_add_func ("/refusals/roster-target-stored", test_roster_target_stored);
  g_test_add_func ("/refusals/attachments-stored", test_attachments_stored);
  status = g_test_run ();

  g_assert_cmpint (wg_test_server_stop (server), ==, 0);
  g_clear_pointer (&server, wg_test_server_free);
  g_free (leader);
  return status;
}
