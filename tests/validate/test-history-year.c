/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The generated Helong year (seed 42, anchor 2026-11-28) has the figures
 * the street reports: 7,989 incidents (1% either way), closure 99.97%,
 * about 900 disputes, and the rough edges of real work (rejections,
 * re-routes, escalated alarms, overdue steps); the full work-order cycle at
 * the shares issue 20 gives (call-backs, rework, supervision, rejection
 * reviews, extension requests, merges, mediation in the grid); every
 * command was accepted;
 * and the same seed and anchor give the same journal byte for byte (on a
 * quarter, with and without tracks, under two process time zones).
 */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#include "wg-city.h"
#include "wg-history.h"

static WgReference *ref;
static char *tmpdir;
static WgStore *store;
static WgHistoryStats stats;

static char *
demo_dir (void)
{
  const char *src = g_getenv ("WANGGE_SOURCE_DIR");

  if (src)
    return g_build_filename (src, "data", "demo", NULL);
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

static gint64
query_int (WgStore    *s,
           const char *sql)
{
  sqlite3 *db = wg_store_get_sqlite (s);
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* SHA-256 over every column of every journal row, in seq order. */
static char *
journal_hash (WgStore *s)
{
  sqlite3 *db = wg_store_get_sqlite (s);
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  int rc;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT * FROM journal ORDER BY seq", -1, &stmt, NULL), ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    for (int c = 0; c < sqlite3_column_count (stmt); c++)
      {
        const unsigned char *text = sqlite3_column_text (stmt, c);

        g_checksum_update (sum, text != NULL ? text : (const guchar *) "\\N", -1);
        g_checksum_update (sum, (const guchar *) "\x1f", 1);
      }
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  return g_strdup (g_checksum_get_string (sum));
}

static WgStore *
generate (const char     *name,
          guint64         seed,
          guint           days,
          WgTrackStore   *tracks,
          WgHistoryStats *out)
{
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  g_autoptr(GError) error = NULL;
  WgHistoryParams params;
  WgStore *s;

  s = wg_store_open (path, &error);
  g_assert_no_error (error);
  /* The targets of world.json, which are Helong's: the defaults. */
  wg_history_params_init_from_reference (&params, ref);
  {
    WgHistoryParams defaults;

    wg_history_params_init (&defaults);
    g_assert_cmpuint (params.incidents_per_year, ==, defaults.incidents_per_year);
    g_assert_cmpfloat_with_epsilon (params.closure_rate, defaults.closure_rate, 1e-12);
    g_assert_cmpfloat_with_epsilon (params.dispute_share, defaults.dispute_share, 1e-12);
  }
  params.seed = seed;
  params.anchor = "2026-11-28";
  params.days = days;
  if (!wg_history_generate (s, tracks, ref, &params, out, &error))
    g_error ("generation failed: %s", error->message);
  return s;
}

static void
test_figures (void)
{
  double closure = wg_history_stats_closure_rate (&stats);
  gint64 incidents = query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.reported'");

  g_test_message ("incidents %u (%u/%u/%u), closed %u, cancelled %u, open %u, disputes %u, "
                  "rejections %u, reroutes %u, alarm escalations %u, overdue %u, events %" G_GUINT64_FORMAT
                  ", %.1f s", stats.incidents, stats.by_grade[0], stats.by_grade[1], stats.by_grade[2],
                  stats.closed, stats.cancelled, stats.open, stats.disputes, stats.rejections,
                  stats.reroutes, stats.alarm_escalations, stats.overdue, stats.events, stats.elapsed_s);

  g_assert_cmpint (incidents, ==, stats.incidents);
  g_assert_cmpint (incidents, >=, 7909);
  g_assert_cmpint (incidents, <=, 8069);

  /* Closure 99.97% (+-0.02%): closed out of all but the cancelled ones. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents WHERE state = 'closed'"), ==, stats.closed);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents WHERE state = 'cancelled'"), ==, stats.cancelled);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents WHERE state = 'merged'"), ==, stats.merged);
  g_assert_cmpfloat (closure, >=, 0.9995);
  g_assert_cmpfloat (closure, <=, 0.9999);
  g_assert_cmpuint (stats.open, >=, 1);
  g_assert_cmpuint (stats.cancelled, <, 30);

  /* 900 disputes (the share is drawn exactly), mediated in the grid
   * first; the failed mediations go to a department, which mediates. */
  g_assert_cmpuint (stats.disputes, ==, 900);
  g_assert_cmpuint (stats.disputes, >=, 810);
  g_assert_cmpuint (stats.disputes, <=, 990);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.mediated'"), >, 800);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.feedback_given'"
                                     " AND json_extract (body, '$.outcome') = 'mediated'"), >, 0);

  /* The rough edges of real work, as the journal shows them. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.rejected'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal j WHERE type = 'incident.routed' AND EXISTS"
                                     " (SELECT 1 FROM journal r WHERE r.type = 'incident.rejected'"
                                     "  AND r.incident = j.incident AND r.seq < j.seq)"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'alarm.escalated'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.overdue'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.escalated'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.verification_failed'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.upgraded'"
                                     " AND json_extract (body, '$.from') = 'general'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.upgraded'"
                                     " AND json_extract (body, '$.from') = 'professional'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.cancelled'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.extended'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.extension_declined'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.suspended'"), ==,
                   query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.resumed'"));
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.noted'"), >, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'roster.handed_over'"), >=, 365);
  g_assert_cmpuint (stats.rejections, >, 0);
  g_assert_cmpuint (stats.reroutes, ==, stats.rejections);
  g_assert_cmpuint (stats.alarm_escalations, ==,
                    query_int (store, "SELECT count(*) FROM journal WHERE type = 'alarm.escalated'"));
  g_assert_cmpuint (stats.overdue, ==, query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.overdue'"));
}

static void
test_grades (void)
{
  /* Roughly the reference's mix: general over half, professional about
   * 40%, emergencies about 1% (as reported; a few more by upgrade). */
  double n = stats.incidents;

  g_assert_cmpuint (stats.by_grade[0] + stats.by_grade[1] + stats.by_grade[2], ==, stats.incidents);
  g_assert_cmpfloat (stats.by_grade[0] / n, >, 0.50);
  g_assert_cmpfloat (stats.by_grade[0] / n, <, 0.62);
  g_assert_cmpfloat (stats.by_grade[1] / n, >, 0.38);
  g_assert_cmpfloat (stats.by_grade[1] / n, <, 0.48);
  g_assert_cmpfloat (stats.by_grade[2] / n, >, 0.007);
  g_assert_cmpfloat (stats.by_grade[2] / n, <, 0.015);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'alarm.raised'"), ==,
                   stats.by_grade[2] + stats.upgrades);
}

static void
test_journal_sound (void)
{
  /* Every command accepted, by the real engine, with its events. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM commands"), ==, stats.commands);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM commands WHERE outcome <> 'accepted'"), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal"), ==, stats.events);
  g_assert_cmpint (wg_store_head (store), ==, stats.events);

  /* Case numbers unique. */
  g_assert_cmpint (query_int (store, "SELECT count(DISTINCT json_extract (body, '$.case_number')) FROM journal"
                                     " WHERE type = 'incident.reported'"), ==, stats.incidents);

  /* The year before the anchor, in the centre's time zone: 2025-11-28 to
   * 2026-11-28, Asia/Shanghai midnight (16:00 UTC the day before). */
  g_assert_cmpint (stats.start_ms, ==, G_GINT64_CONSTANT (1764259200000));
  g_assert_cmpint (stats.end_ms, ==, G_GINT64_CONSTANT (1795795200000));
  g_assert_cmpint (query_int (store, "SELECT min (ts) FROM journal"), >=, stats.start_ms);
  g_assert_cmpint (query_int (store, "SELECT max (ts) FROM journal"), <, stats.end_ms);

  /* Roles as the contract says: departments accept, duty leaders
   * acknowledge, grid workers handle on the spot. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.accepted'"
                                     " AND role <> 'department'"), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'alarm.acknowledged'"
                                     " AND role <> 'duty_leader'"), ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.handled_on_spot'"
                                     " AND role <> 'grid_worker'"), ==, 0);

  /* The open ones are the most recent reports. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents WHERE state NOT IN ('closed', 'cancelled', 'merged')"),
                   ==, stats.open);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM incidents o WHERE o.state NOT IN ('closed', 'cancelled', 'merged')"
                                     " AND (SELECT count(*) FROM incidents n WHERE n.first_seq > o.first_seq) >= 10"),
                   ==, 0);
}

/* A quarter twice (a second full year would double the suite's time under
 * the sanitizers): once writing tracks, once not and under another process
 * time zone.  Neither may change a byte of the journal. */
static double
share (const char *what,
       const char *sql_part,
       const char *sql_whole)
{
  gint64 part = query_int (store, sql_part), whole = query_int (store, sql_whole);

  g_test_message ("%s: %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT " = %.2f%%", what, part, whole,
                  whole > 0 ? 100.0 * part / whole : 0);
  g_assert_cmpint (whole, >, 0);
  return (double) part / whole;
}

#define EVENTS(type) "SELECT count(*) FROM journal WHERE type = '" type "'"
#define INCIDENTS_WITH(type) "SELECT count(DISTINCT incident) FROM journal WHERE type = '" type "'"

/* The whole cycle, at the shares of issue 20, read from the journal. */
static void
test_cycle_shares (void)
{
  double s;

  /* Every hotline and walk-in case is called back before it closes. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal r JOIN journal c"
                                     " ON c.incident = r.incident AND c.type = 'incident.closed'"
                                     " WHERE r.type = 'incident.reported'"
                                     " AND json_extract (r.body, '$.source') IN ('hotline_12345', 'walk_in')"
                                     " AND NOT EXISTS (SELECT 1 FROM journal b WHERE b.type = 'incident.called_back'"
                                     "                 AND b.incident = r.incident AND b.seq < c.seq)"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.reported'"
                                     " AND json_extract (body, '$.source') IN ('hotline_12345', 'walk_in')"), >, 300);
  g_assert_cmpint (query_int (store, EVENTS ("incident.called_back")), ==, stats.call_backs);

  s = share ("unsatisfied of call-backs",
             EVENTS ("incident.called_back") " AND json_extract (body, '$.satisfaction') = 'unsatisfied'",
             EVENTS ("incident.called_back"));
  g_assert_cmpfloat (s, >=, 0.03);
  g_assert_cmpfloat (s, <=, 0.08);
  g_assert_cmpint (query_int (store, EVENTS ("incident.reworked")), ==, stats.unsatisfied);

  s = share ("supervised professional cases", INCIDENTS_WITH ("incident.supervised"),
             "SELECT count(*) FROM journal WHERE type = 'incident.reported'"
             " AND json_extract (body, '$.grade') = 'professional'");
  g_assert_cmpfloat (s, >=, 0.02);
  g_assert_cmpfloat (s, <=, 0.06);
  g_assert_cmpint (query_int (store, EVENTS ("incident.supervision_answered")), ==,
                   query_int (store, EVENTS ("incident.supervised")));

  s = share ("rejection requests of routings", EVENTS ("incident.rejection_requested"), EVENTS ("incident.routed"));
  g_assert_cmpfloat (s, >=, 0.08);
  g_assert_cmpfloat (s, <=, 0.15);
  s = share ("approved of rejection requests", EVENTS ("incident.rejected"), EVENTS ("incident.rejection_requested"));
  g_assert_cmpfloat (s, >=, 0.60);
  g_assert_cmpfloat (s, <=, 0.80);
  g_assert_cmpint (query_int (store, EVENTS ("incident.rejection_denied")), >, 0);

  s = share ("extension requests of routings", EVENTS ("incident.extension_requested"), EVENTS ("incident.routed"));
  g_assert_cmpfloat (s, >=, 0.03);
  g_assert_cmpfloat (s, <=, 0.08);

  s = share ("merged of incidents", EVENTS ("incident.merged"), EVENTS ("incident.reported"));
  g_assert_cmpfloat (s, >=, 0.01);
  g_assert_cmpfloat (s, <=, 0.03);

  /* 转派: general events the grid could not handle, routed to a department. */
  g_assert_cmpint (query_int (store, EVENTS ("incident.regraded") " AND json_extract (body, '$.reason') = 'transfer'"),
                   ==, stats.transfers);
  g_assert_cmpuint (stats.transfers, >, 0);
  share ("transferred of general reports", EVENTS ("incident.regraded") " AND json_extract (body, '$.reason') = 'transfer'",
         "SELECT count(*) FROM journal WHERE type = 'incident.reported' AND json_extract (body, '$.grade') = 'general'");

  s = share ("mediated in the grid of mediations",
             EVENTS ("incident.mediated") " AND json_extract (body, '$.outcome') = 'mediated'",
             EVENTS ("incident.mediated"));
  g_assert_cmpfloat (s, >=, 0.80);
  g_assert_cmpfloat (s, <=, 0.95);

  /* Sources in the one vocabulary; summaries that are not the category's name. */
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.reported'"
                                     " AND json_extract (body, '$.source') NOT IN ('hotline_12345', 'police_110',"
                                     " 'patrol', 'walk_in', 'phone', 'wechat_group', 'sensor', 'contact_point', 'other')"),
                   ==, 0);
  g_assert_cmpint (query_int (store, "SELECT count(*) FROM journal WHERE type = 'incident.reported'"
                                     " AND json_extract (body, '$.source') = 'wechat_group'"), >, 0);
  for (guint i = 0; i < wg_reference_get_categories (ref)->len; i++)
    {
      WgCategory *c = g_ptr_array_index (wg_reference_get_categories (ref), i);
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM journal WHERE type = 'incident.reported'"
                                              " AND json_extract (body, '$.summary') = '%s'", c->name_zh);

      g_assert_cmpint (query_int (store, sql), ==, 0);
    }
}

static void
test_deterministic (void)
{
  g_autofree char *positions = g_build_filename (tmpdir, "quarter-positions.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgStore) first = NULL;
  g_autoptr(WgStore) again = NULL;
  g_autofree char *hash_year = journal_hash (store);
  g_autofree char *hash_first = NULL;
  g_autofree char *hash_again = NULL;
  WgTrackStore *tracks;
  WgTrackPolicy policy;
  WgHistoryStats s1, s2;
  gint64 kept;

  wg_track_policy_init_default (&policy);
  policy.retention_ms = G_MAXINT64 / 2;
  tracks = wg_track_store_open (positions, &policy, &error);
  g_assert_no_error (error);
  first = generate ("quarter.db", 42, 91, tracks, &s1);
  wg_track_store_free (tracks);

  g_setenv ("TZ", "America/New_York", TRUE);
  tzset ();
  again = generate ("again.db", 42, 91, NULL, &s2);
  g_setenv ("TZ", "UTC", TRUE);
  tzset ();

  hash_first = journal_hash (first);
  hash_again = journal_hash (again);
  g_assert_cmpstr (hash_first, ==, hash_again);
  g_assert_cmpstr (hash_first, !=, hash_year);
  g_assert_cmpuint (s2.events, ==, s1.events);
  g_assert_cmpuint (s1.incidents, ==, (guint) (7989 * 91 / 365.0 + 0.5));
  g_assert_cmpuint (s2.track_points, ==, 0);

  /* The quarter's tracks: dispatched units' trips and sampled patrols,
   * thinned by the storage policy (15 s / 25 m). */
  tracks = wg_track_store_open (positions, NULL, &error);
  g_assert_no_error (error);
  kept = wg_track_store_count (tracks, &error);
  g_assert_no_error (error);
  g_assert_cmpint (kept, >, 0);
  g_assert_cmpint (kept, ==, (gint64) s1.track_points_kept);
  g_assert_cmpuint (s1.track_points_kept, <, s1.track_points);
  wg_track_store_free (tracks);
}

static void
test_refuses (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, "bad.db", NULL);
  g_autoptr(WgStore) empty = wg_store_open (path, &error);
  WgHistoryParams params;

  g_assert_no_error (error);
  wg_history_params_init (&params);
  params.anchor = "2026-13-01";
  g_assert_false (wg_history_generate (empty, NULL, ref, &params, NULL, &error));
  g_assert_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_INVALID);
  g_clear_error (&error);

  /* A store with a journal already. */
  params.anchor = "2026-11-28";
  g_assert_false (wg_history_generate (store, NULL, ref, &params, NULL, &error));
  g_assert_error (error, WG_HISTORY_ERROR, WG_HISTORY_ERROR_NOT_EMPTY);
}

static void
test_streets (void)
{
  g_autofree char *path = g_build_filename (tmpdir, "city.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgStore) city = wg_store_open (path, &error);
  WgHistoryParams params;
  WgHistoryStats s;

  g_autoptr(WgReference) city_ref = wg_city_new_reference (ref, 3, WG_CITY_DEFAULT_SEED, &error);
  WgGrid *third;
  g_autofree char *third_units = NULL, *third_cases = NULL, *lower = NULL;

  /* A city of three streets for ten days: each its own forces and case
   * numbers, all commands accepted. */
  g_assert_no_error (error);
  third = g_ptr_array_index (wg_reference_get_streets (city_ref), 2);
  lower = g_ascii_strdown (third->case_prefix, -1);
  wg_history_params_init (&params);
  params.days = 10;
  if (!wg_history_generate (city, NULL, city_ref, &params, &s, &error))
    g_error ("city: %s", error->message);
  g_assert_cmpuint (s.incidents, ==, (guint) (7989 * 10 / 365.0 * 3 + 0.5));
  g_assert_cmpint (query_int (city, "SELECT count(*) FROM commands WHERE outcome <> 'accepted'"), ==, 0);
  third_units = g_strdup_printf ("SELECT count(*) FROM journal WHERE type = 'assignment.cleared'"
                                 " AND json_extract (body, '$.unit') LIKE '%%-%s-%%'",
                                 lower);
  g_assert_cmpint (query_int (city, third_units), >, 0);
  third_cases = g_strdup_printf ("SELECT count(*) FROM incidents WHERE case_number LIKE '%s-%%'"
                                 " AND substr (grid, 1, 9) = '%s'", third->case_prefix, third->code);
  g_assert_cmpint (query_int (city, third_cases), >, 0);
  g_assert_cmpint (query_int (city, "SELECT count(DISTINCT json_extract (body, '$.case_number')) FROM journal"
                                     " WHERE type = 'incident.reported'"), ==, s.incidents);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *dir = demo_dir ();
  g_autoptr(GError) error = NULL;
  int rc;

  g_test_init (&argc, &argv, NULL);

  ref = wg_reference_load_dir (dir, &error);
  g_assert_no_error (error);
  tmpdir = g_dir_make_tmp ("wg-history-XXXXXX", &error);
  g_assert_no_error (error);

  /* The year, once, for all the checks. */
  store = generate ("journal.db", 42, 365, NULL, &stats);

  g_test_add_func ("/history/year/figures", test_figures);
  g_test_add_func ("/history/year/cycle-shares", test_cycle_shares);
  g_test_add_func ("/history/year/grades", test_grades);
  g_test_add_func ("/history/year/journal-sound", test_journal_sound);
  g_test_add_func ("/history/quarter/deterministic", test_deterministic);
  g_test_add_func ("/history/refuses", test_refuses);
  g_test_add_func ("/history/streets", test_streets);

  rc = g_test_run ();

  wg_store_unref (store);
  g_object_unref (ref);
  {
    g_autoptr(GDir) d = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *p = g_build_filename (tmpdir, name, NULL);
        g_unlink (p);
      }
    g_rmdir (tmpdir);
  }
  g_free (tmpdir);
  return rc;
}
