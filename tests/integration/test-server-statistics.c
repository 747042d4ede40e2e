/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GET /api/v1/statistics on the real server with 60 days of generated
 * history: the figures agree with counts made directly in SQL on the
 * server's own database (an independent count: the incidents table, not
 * the events the statistics fold), periods are months in Asia/Shanghai,
 * each role reads what it may, and bad queries get a problem and nothing.
 */
#include "config.h"

#include <sqlite3.h>

#include "wg-test-server.h"

/* One server for every case: they only read, and generating the history
 * is most of the time. */
typedef struct {
  WgTestServer *server;
  char         *leader;
} Fixture;

static Fixture shared;

static gint64
sql_count (Fixture    *f,
           const char *sql,
           gint64      from,
           gint64      to)
{
  g_autofree char *path = g_build_filename (f->server->data_dir, "journal.db", NULL);
  g_autofree char *uri = g_strdup_printf ("file:%s?mode=ro", path);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
test_month_against_sql (void)
{
  Fixture *f = &shared;
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, f->leader, "GET",
                                                           "/api/v1/statistics?period=2026-11", NULL, NULL);
  JsonObject *o;
  gint64 from, to, received, closed, cancelled, merged;

  g_assert_cmpuint (r->status, ==, 200);
  o = wg_test_response_object (r);
  from = json_object_get_int_member (o, "from");
  to = json_object_get_int_member (o, "to");
  /* November in Shanghai: Oct 31 16:00 UTC to Nov 30 16:00 UTC. */
  g_assert_cmpint (from, ==, G_GINT64_CONSTANT (1793462400000));
  g_assert_cmpint (to, ==, G_GINT64_CONSTANT (1796054400000));

  received = sql_count (f, "SELECT count(*) FROM incidents WHERE reported_at >= ?1 AND reported_at < ?2", from, to);
  closed = sql_count (f, "SELECT count(*) FROM incidents WHERE reported_at >= ?1 AND reported_at < ?2"
                         " AND state = 'closed'", from, to);
  cancelled = sql_count (f, "SELECT count(*) FROM incidents WHERE reported_at >= ?1 AND reported_at < ?2"
                            " AND state = 'cancelled'", from, to);
  merged = sql_count (f, "SELECT count(*) FROM incidents WHERE reported_at >= ?1 AND reported_at < ?2"
                         " AND state = 'merged'", from, to);
  g_assert_cmpint (received, >, 500);
  g_assert_cmpint (json_object_get_int_member (o, "received"), ==, received);
  g_assert_cmpint (json_object_get_int_member (o, "closed"), ==, closed);
  g_assert_cmpint (json_object_get_int_member (o, "cancelled"), ==, cancelled);
  g_assert_cmpint (json_object_get_int_member (o, "merged"), ==, merged);
  /* domain.md: closed / (received - cancelled - merged). */
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "closure_rate"),
                                  (double) closed / (received - cancelled - merged), 1e-9);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "departments")), >, 0);
  g_test_message ("November: %ld received, %ld closed, closure rate %.4f",
                  (long) received, (long) closed, json_object_get_double_member (o, "closure_rate"));
}

static void
test_roles (void)
{
  Fixture *f = &shared;
  g_autofree char *department = wg_test_server_login (f->server, "dept-urban", "demo");
  g_autofree char *worker = wg_test_server_login (f->server, "worker-17", "demo");
  g_autoptr(WgTestResponse) own = NULL, other = NULL, grid = NULL, wider = NULL, anonymous = NULL;
  JsonObject *o;

  own = wg_test_server_request_as (f->server, department, "GET", "/api/v1/statistics?period=2026-11", NULL, NULL);
  g_assert_cmpuint (own->status, ==, 200);
  o = wg_test_response_object (own);
  g_assert_cmpstr (json_object_get_string_member (o, "department"), ==, "urban");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "departments")), <=, 1);

  other = wg_test_server_request_as (f->server, department, "GET",
                                     "/api/v1/statistics?period=2026-11&department=housing", NULL, NULL);
  g_assert_cmpuint (other->status, ==, 403);
  g_assert_cmpstr (other->content_type, ==, "application/problem+json");

  grid = wg_test_server_request_as (f->server, worker, "GET", "/api/v1/statistics?period=2026-11", NULL, NULL);
  g_assert_cmpuint (grid->status, ==, 200);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (wg_test_response_object (grid), "area"), "440111012"));
  g_assert_cmpint (strlen (json_object_get_string_member (wg_test_response_object (grid), "area")), >, 9);

  wider = wg_test_server_request_as (f->server, worker, "GET", "/api/v1/statistics?period=2026-11&area=440111012",
                                     NULL, NULL);
  g_assert_cmpuint (wider->status, ==, 403);

  anonymous = wg_test_server_request_as (f->server, NULL, "GET", "/api/v1/statistics?period=2026-11", NULL, NULL);
  g_assert_cmpuint (anonymous->status, ==, 401);
}

static void
test_bad_queries (void)
{
  Fixture *f = &shared;
  static const struct { const char *query; guint status; } cases[] = {
    { "", 400 },
    { "?period=2026-13", 400 },
    { "?period=26-11", 400 },
    { "?period=2026-11-31", 400 },
    { "?from=10&to=5", 400 },
    { "?from=x&to=5", 400 },
    { "?period=2026-11&area=abc", 400 },
    { "?period=2026-11&department=nosuch", 422 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat ("/api/v1/statistics", cases[i].query, NULL);
      g_autoptr(WgTestResponse) r = wg_test_server_request_as (f->server, f->leader, "GET", path, NULL, NULL);

      g_assert_cmpuint (r->status, ==, cases[i].status);
      g_assert_cmpstr (r->content_type, ==, "application/problem+json");
    }
}

static void
test_day_and_area (void)
{
  Fixture *f = &shared;
  g_autoptr(WgTestResponse) street = wg_test_server_request_as (f->server, f->leader, "GET",
                                                                "/api/v1/statistics?period=2026-11-20", NULL, NULL);
  g_autoptr(WgTestResponse) station = NULL;
  JsonObject *by_grid;
  g_autoptr(GList) grids = NULL;
  g_autofree char *prefix = NULL, *path = NULL;
  gint64 in_station = 0;

  g_assert_cmpuint (street->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (wg_test_response_object (street), "to") -
                   json_object_get_int_member (wg_test_response_object (street), "from"), ==, 24 * 3600 * 1000);
  /* A work station's area (the first 12 digits of a grid code) holds the
   * cases of its grids. */
  by_grid = json_object_get_object_member (wg_test_response_object (street), "by_grid");
  grids = json_object_get_members (by_grid);
  g_assert_nonnull (grids);
  prefix = g_strndup (grids->data, 12);
  for (GList *l = grids; l != NULL; l = l->next)
    if (g_str_has_prefix (l->data, prefix))
      in_station += json_object_get_int_member (by_grid, l->data);
  path = g_strdup_printf ("/api/v1/statistics?period=2026-11-20&area=%s", prefix);
  station = wg_test_server_request_as (f->server, f->leader, "GET", path, NULL, NULL);
  g_assert_cmpuint (station->status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (wg_test_response_object (station), "received"), ==, in_station);
}

int
main (int argc, char **argv)
{
  const char *args[] = { "--demo", "--demo-days", "60", "--demo-anchor", "2026-11-28", NULL };
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/statistics/month-against-sql", test_month_against_sql);
  g_test_add_func ("/statistics/roles", test_roles);
  g_test_add_func ("/statistics/bad-queries", test_bad_queries);
  g_test_add_func ("/statistics/day-and-area", test_day_and_area);

  shared.server = wg_test_server_new (NULL);
  wg_test_server_start (shared.server, args);
  shared.leader = wg_test_server_login (shared.server, "leader", "demo");
  status = g_test_run ();
  g_free (shared.leader);
  g_assert_cmpint (wg_test_server_stop (shared.server), ==, 0);
  wg_test_server_free (shared.server);
  return status;
}
