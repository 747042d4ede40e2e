/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The figures of domain.md ("How the figures are counted") on a journal
 * made by hand, against answers computed by hand: a month in the centre's
 * time zone (a case at 00:30 on the 1st counts, one at 23:30 on the day
 * before does not), on-time steps against the deadline in force (after an
 * extension), a rejection and re-routing, cancellation out of the closure
 * rate, nearest-rank percentiles, hotspots and the department league.
 */
#include "config.h"

#include "test-files.h"
#include "wg-statistics.h"
#include "wg-store-statistics.h"

#define MINUTE ((gint64) 60 * 1000)
#define HOUR (60 * MINUTE)
#define DAY (24 * HOUR)

/* November 2026 in Asia/Shanghai (UTC+8): [Oct 31 16:00Z, Nov 30 16:00Z). */
static gint64
utc (int month, int day, int hour, int minute)
{
  g_autoptr(GDateTime) t = g_date_time_new_utc (2026, month, day, hour, minute, 0);
  return g_date_time_to_unix (t) * 1000;
}

typedef struct {
  GPtrArray *events;
  guint      seq;
} Journal;

static JsonObject *
body_of (const char *first_member, va_list args)
{
  JsonObject *body = json_object_new ();
  const char *name = first_member;

  while (name != NULL)
    {
      const char *kind = va_arg (args, const char *);
      if (g_str_equal (kind, "s"))
        json_object_set_string_member (body, name, va_arg (args, const char *));
      else
        json_object_set_int_member (body, name, va_arg (args, gint64));
      name = va_arg (args, const char *);
    }
  return body;
}

/* add (j, type, incident, ts, "member", "s"|"i", value, ..., NULL) */
static void
add (Journal     *j,
     WgEventType  type,
     const char  *incident,
     gint64       ts,
     const char  *first_member,
     ...)
{
  va_list args;
  g_autoptr(JsonObject) body = NULL;
  WgEvent *event;

  va_start (args, first_member);
  body = body_of (first_member, args);
  va_end (args);
  event = wg_event_new (type, ts, "someone", "dispatcher", NULL, incident, incident, body);
  wg_event_set_seq (event, ++j->seq);
  g_ptr_array_add (j->events, event);
}

static void
report (Journal    *j,
        const char *id,
        gint64      ts,
        const char *grade,
        const char *category,
        const char *grid)
{
  g_autofree char *case_number = g_strdup_printf ("HL-20261100-%04u", j->seq + 1);

  add (j, WG_EV_INCIDENT_REPORTED, id, ts, "grade", "s", grade, "category", "s", category,
       "grid", "s", grid, "source", "s", "hotline_12345", "summary", "s", "summary",
       "case_number", "s", case_number, "case_day", "s", "20261100", NULL);
}

static GPtrArray *
hand_made_journal (void)
{
  Journal j = { g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref), 0 };
  gint64 a = utc (10, 31, 16, 30), c = utc (11, 10, 2, 0), d = utc (11, 12, 3, 0);
  gint64 e = utc (11, 20, 6, 0), f = utc (11, 21, 7, 0), g = utc (11, 22, 8, 0);

  /* A: Nov 1 00:30 in Shanghai (Oct 31 in UTC): counts.  Routed, accepted
   * and fed back on time, closed. */
  report (&j, "a", a, "professional", "urban-x", "440111012001001");
  add (&j, WG_EV_INCIDENT_ROUTED, "a", a + 10 * MINUTE, "department", "s", "urban",
       "step", "s", "handle", "deadline", "i", a + 2 * HOUR, NULL);
  add (&j, WG_EV_INCIDENT_ACCEPTED, "a", a + 30 * MINUTE, NULL);
  add (&j, WG_EV_INCIDENT_FEEDBACK_GIVEN, "a", a + HOUR, "step", "s", "verify", "deadline", "i", a + 5 * HOUR, NULL);
  add (&j, WG_EV_INCIDENT_CLOSED, "a", a + 3 * HOUR, NULL);

  /* B: Oct 31 23:30 in Shanghai: October, not counted. */
  report (&j, "b", utc (10, 31, 15, 30), "professional", "urban-x", "440111012001001");
  add (&j, WG_EV_INCIDENT_ROUTED, "b", utc (10, 31, 15, 40), "department", "s", "urban", NULL);

  /* C: accepted after the deadline (late), then extended, and fed back
   * before the new deadline (on time). */
  report (&j, "c", c, "professional", "urban-x", "440111012001001");
  add (&j, WG_EV_INCIDENT_ROUTED, "c", c + MINUTE, "department", "s", "urban",
       "step", "s", "handle", "deadline", "i", c + HOUR, NULL);
  add (&j, WG_EV_INCIDENT_ACCEPTED, "c", c + 2 * HOUR, NULL);
  add (&j, WG_EV_INCIDENT_EXTENDED, "c", c + 3 * HOUR, "step", "s", "handle", "deadline", "i", c + DAY, NULL);
  add (&j, WG_EV_INCIDENT_FEEDBACK_GIVEN, "c", c + 5 * HOUR, NULL);
  add (&j, WG_EV_INCIDENT_CLOSED, "c", c + 6 * HOUR, NULL);

  /* D: rejected by housing, re-routed to urban, accepted on time, overdue,
   * fed back late; still open. */
  report (&j, "d", d, "professional", "urban-x", "440111012001001");
  add (&j, WG_EV_INCIDENT_ROUTED, "d", d + MINUTE, "department", "s", "housing",
       "step", "s", "handle", "deadline", "i", d + HOUR, NULL);
  add (&j, WG_EV_INCIDENT_REJECTED, "d", d + 10 * MINUTE, "reason", "s", "not ours",
       "step", "s", "route", "deadline", "i", d + 2 * HOUR, NULL);
  add (&j, WG_EV_INCIDENT_ROUTED, "d", d + 20 * MINUTE, "department", "s", "urban",
       "step", "s", "handle", "deadline", "i", d + 2 * HOUR, NULL);
  add (&j, WG_EV_INCIDENT_ACCEPTED, "d", d + 30 * MINUTE, NULL);
  add (&j, WG_EV_INCIDENT_OVERDUE, "d", d + 2 * HOUR, "step", "s", "handle", "deadline", "i", d + 2 * HOUR, NULL);
  add (&j, WG_EV_INCIDENT_FEEDBACK_GIVEN, "d", d + 3 * HOUR, NULL);

  /* E: an emergency acknowledged after 8 s, dispatched after 45 s. */
  report (&j, "e", e, "emergency", "fire", "440111012002001");
  add (&j, WG_EV_ALARM_RAISED, "e", e, NULL);
  add (&j, WG_EV_ALARM_ACKNOWLEDGED, "e", e + 8000, NULL);
  add (&j, WG_EV_INCIDENT_DISPATCHED, "e", e + 45000, NULL);
  add (&j, WG_EV_INCIDENT_ON_SCENE, "e", e + 5 * MINUTE, NULL);
  add (&j, WG_EV_INCIDENT_CLOSED, "e", e + HOUR, NULL);

  /* F: an emergency dispatched after 90 s, acknowledged after 100 s,
   * then cancelled: out of the closure rate. */
  report (&j, "f", f, "emergency", "fire", "440111012002001");
  add (&j, WG_EV_ALARM_RAISED, "f", f, NULL);
  add (&j, WG_EV_INCIDENT_DISPATCHED, "f", f + 90000, NULL);
  add (&j, WG_EV_ALARM_ACKNOWLEDGED, "f", f + 100000, NULL);
  add (&j, WG_EV_INCIDENT_CANCELLED, "f", f + HOUR, NULL);

  /* G: handled on the spot. */
  report (&j, "g", g, "general", "lane", "440111012002001");
  add (&j, WG_EV_INCIDENT_HANDLED_ON_SPOT, "g", g, NULL);
  add (&j, WG_EV_INCIDENT_CLOSED, "g", g, NULL);

  /* H: Dec 1 01:00 in Shanghai: not counted; H2: Nov 30 23:00: counted, open. */
  report (&j, "h", utc (11, 30, 17, 0), "general", "lane", "440111012002001");
  report (&j, "h2", utc (11, 30, 15, 0), "general", "lane", "440111012002001");
  return j.events;
}

static WgFigures *
figures_of (GPtrArray  *events,
            const char *area,
            const char *department)
{
  g_autoptr(WgStatistics) s = wg_statistics_new (utc (10, 31, 16, 0), utc (11, 30, 16, 0), area, department);

  for (guint i = 0; i < events->len; i++)
    wg_statistics_add (s, events->pdata[i]);
  return wg_statistics_compute (s);
}

static void
test_month (void)
{
  g_autoptr(GPtrArray) events = hand_made_journal ();
  g_autoptr(WgFigures) f = figures_of (events, NULL, NULL);
  WgDepartmentFigures *urban, *housing;
  const WgDurationFigures *dispatch, *ack;

  g_assert_cmpuint (f->received, ==, 7);           /* a c d e f g h2 */
  g_assert_cmpuint (f->cancelled, ==, 1);
  g_assert_cmpuint (f->closed, ==, 4);             /* a c e g */
  g_assert_cmpfloat_with_epsilon (f->closure_rate, 4.0 / 6.0, 1e-9);
  g_assert_cmpuint (f->by_grade[0], ==, 2);
  g_assert_cmpuint (f->by_grade[1], ==, 3);
  g_assert_cmpuint (f->by_grade[2], ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (f->by_category, "urban-x")), ==, 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (f->by_source, "hotline_12345")), ==, 7);
  g_assert_cmpuint (f->handled_on_spot, ==, 1);
  g_assert_cmpuint (f->overdue, ==, 1);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (f->overdue_by_step, "handle")), ==, 1);

  dispatch = &f->durations[WG_DURATION_DISPATCH];
  g_assert_cmpuint (dispatch->n, ==, 2);
  g_assert_cmpint (dispatch->p50, ==, 45000);
  g_assert_cmpint (dispatch->p90, ==, 90000);
  g_assert_cmpuint (dispatch->within_target, ==, 1);
  ack = &f->durations[WG_DURATION_ACKNOWLEDGE];
  g_assert_cmpuint (ack->n, ==, 2);
  g_assert_cmpint (ack->p50, ==, 8000);
  g_assert_cmpint (ack->p95, ==, 100000);
  g_assert_cmpint (f->durations[WG_DURATION_ACCEPT].n, ==, 3);
  /* 20, 119 and 10 min: the second of three by nearest rank. */
  g_assert_cmpint (f->durations[WG_DURATION_ACCEPT].p50, ==, 20 * MINUTE);

  /* urban: 3 routings, 2 accepted on time (c late), 2 fed back on time
   * (c after its extension, d late), one extended case. */
  urban = wg_figures_lookup_department (f, "urban");
  g_assert_nonnull (urban);
  g_assert_cmpuint (urban->routed, ==, 3);
  g_assert_cmpuint (urban->accepted, ==, 3);
  g_assert_cmpuint (urban->accepted_on_time, ==, 2);
  g_assert_cmpuint (urban->feedback, ==, 3);
  g_assert_cmpuint (urban->feedback_on_time, ==, 2);
  g_assert_cmpuint (urban->extended_cases, ==, 1);
  g_assert_cmpuint (urban->overdue, ==, 1);
  g_assert_cmpfloat_with_epsilon (urban->extension_rate, 1.0 / 3.0, 1e-9);
  /* 30 x 2/3 + 40 x 2/3 + 20 x 1 (no call-back) + 10 x (1 - 0) = 76.67: C */
  g_assert_cmpfloat_with_epsilon (urban->score, 76.67, 1e-9);
  g_assert_cmpint (urban->grade, ==, 'C');
  g_assert_cmpuint (urban->rank, ==, 1);

  /* housing: one routing, rejected: 0 x 30 + 40 + 20 + 10 = 70: C, second. */
  housing = wg_figures_lookup_department (f, "housing");
  g_assert_nonnull (housing);
  g_assert_cmpuint (housing->routed, ==, 1);
  g_assert_cmpuint (housing->rejections, ==, 1);
  g_assert_cmpfloat_with_epsilon (housing->rejection_rate, 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (housing->score, 70.0, 1e-9);
  g_assert_cmpint (housing->grade, ==, 'C');
  g_assert_cmpuint (housing->rank, ==, 2);

  /* a, c, d: three of one category in one grid within 30 days. */
  g_assert_cmpuint (f->hotspots->len, ==, 1);
  g_assert_cmpstr (((WgHotspot *) f->hotspots->pdata[0])->grid, ==, "440111012001001");
  g_assert_cmpuint (((WgHotspot *) f->hotspots->pdata[0])->count, ==, 3);
}

static void
test_area_and_department (void)
{
  g_autoptr(GPtrArray) events = hand_made_journal ();
  g_autoptr(WgFigures) grid2 = figures_of (events, "440111012002", NULL);
  g_autoptr(WgFigures) urban = figures_of (events, NULL, "urban");

  g_assert_cmpuint (grid2->received, ==, 4);        /* e f g h2 */
  g_assert_cmpuint (grid2->departments->len, ==, 0);
  g_assert_cmpuint (urban->received, ==, 3);        /* a c d */
  g_assert_cmpuint (urban->departments->len, ==, 1);
  g_assert_cmpstr (((WgDepartmentFigures *) urban->departments->pdata[0])->department, ==, "urban");
}

static void
test_nearest_rank (void)
{
  gint64 v[20];

  for (guint i = 0; i < 20; i++)
    v[i] = i + 1;
  g_assert_cmpint (wg_nearest_rank (v, 20, 50), ==, 10);
  g_assert_cmpint (wg_nearest_rank (v, 20, 90), ==, 18);
  g_assert_cmpint (wg_nearest_rank (v, 20, 95), ==, 19);
  g_assert_cmpint (wg_nearest_rank (v, 20, 100), ==, 20);
  g_assert_cmpint (wg_nearest_rank (v, 1, 95), ==, 1);
  g_assert_cmpint (wg_nearest_rank (v, 0, 50), ==, 0);
}

static void
test_league_change (void)
{
  g_autoptr(GPtrArray) events = hand_made_journal ();
  g_autoptr(WgFigures) now = figures_of (events, NULL, NULL);
  g_autoptr(WgFigures) before = figures_of (events, NULL, NULL);
  g_autoptr(JsonNode) json = NULL;
  JsonObject *first;

  /* Swap the ranks of the previous period to see them carried. */
  ((WgDepartmentFigures *) before->departments->pdata[0])->rank = 2;
  ((WgDepartmentFigures *) before->departments->pdata[1])->rank = 1;
  wg_figures_set_previous (now, before);
  g_assert_cmpuint (wg_figures_lookup_department (now, "urban")->previous_rank, ==, 2);

  json = wg_figures_to_json (now);
  first = json_array_get_object_element (json_object_get_array_member (json_node_get_object (json), "departments"), 0);
  g_assert_cmpstr (json_object_get_string_member (first, "department"), ==, "urban");
  g_assert_cmpstr (json_object_get_string_member (first, "grade"), ==, "C");
  g_assert_cmpint (json_object_get_int_member (first, "previous_rank"), ==, 2);
  /* A rate with nothing to count is null on the wire. */
  g_assert_true (json_object_get_null_member (first, "satisfaction_rate"));
}

/* The store answers from the journal it holds: the same figures as
 * feeding the events by hand. */
static void
test_store (void)
{
  g_autoptr(GPtrArray) events = hand_made_journal ();
  g_autofree char *dir = g_dir_make_tmp ("wg-statistics-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgFigures) direct = figures_of (events, NULL, NULL);
  g_autoptr(WgFigures) stored = NULL;
  g_autoptr(JsonNode) a = NULL, b = NULL;
  g_autofree char *text_a = NULL, *text_b = NULL;
  WgStore *store = wg_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (wg_store_apply_events (store, events, &error));
  g_assert_no_error (error);
  stored = wg_store_compute_statistics (store, utc (10, 31, 16, 0), utc (11, 30, 16, 0),
                                        utc (10, 1, 16, 0), NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (stored);
  a = wg_figures_to_json (direct);
  b = wg_figures_to_json (stored);
  /* October had one routing to urban, unaccepted: ranked there, first. */
  g_assert_cmpuint (wg_figures_lookup_department (stored, "urban")->previous_rank, ==, 1);
  wg_figures_lookup_department (stored, "urban")->previous_rank = 0;
  g_clear_pointer (&b, json_node_unref);
  b = wg_figures_to_json (stored);
  text_a = json_to_string (a, FALSE);
  text_b = json_to_string (b, FALSE);
  g_assert_cmpstr (text_a, ==, text_b);
  wg_store_unref (store);
  test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/statistics/month-in-shanghai", test_month);
  g_test_add_func ("/statistics/area-and-department", test_area_and_department);
  g_test_add_func ("/statistics/nearest-rank", test_nearest_rank);
  g_test_add_func ("/statistics/league-change", test_league_change);
  g_test_add_func ("/statistics/store", test_store);
  return g_test_run ();
}
