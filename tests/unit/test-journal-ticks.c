/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal's ticks (wg-journal-ticks.c): seq, ts and type of each live
 * event, the same through the store's connection and through a read-only
 * one of their own, without an exercise's events; the span of an empty
 * journal is none.
 */
#include "config.h"

#include "engine-fixture.h"
#include "wg-journal-ticks.h"

static const char *const fire_report =
  "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
  " \"summary\": \"smoke\"}";

static void
test_ticks (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(WgActor) leader = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GArray) ticks = NULL;
  g_autoptr(GArray) from_file = NULL;
  g_autofree char *path = g_build_filename (f->dir, "journal.db", NULL);
  gint64 first = 0, last = 0;

  /* Nothing yet: no span, no ticks. */
  g_assert_false (wg_journal_ticks_get_span (f->store, &first, &last, &error));
  g_assert_no_error (error);
  ticks = wg_journal_ticks_read_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ticks->len, ==, 0);
  g_clear_pointer (&ticks, g_array_unref);

  /* Two live reports around an exercise's. */
  fixture_run_ok (f, fixture_command ("incident.report", fire_report), leader, FIXTURE_T0);
  wg_store_set_exercise (f->store, "ex-missing-person");
  fixture_run_ok (f, fixture_command ("incident.report", fire_report), leader, FIXTURE_T0 + 1000);
  wg_store_set_exercise (f->store, NULL);
  fixture_run_ok (f, fixture_command ("incident.report", fire_report), leader, FIXTURE_T0 + 2000);
  journal = wg_store_read_journal (f->store, 0, 100, &error);
  g_assert_no_error (error);

  ticks = wg_journal_ticks_read (f->store, &error);
  g_assert_no_error (error);
  from_file = wg_journal_ticks_read_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ticks->len, ==, from_file->len);
  for (guint i = 0; i < ticks->len; i++)
    {
      const WgJournalTick *a = &g_array_index (ticks, WgJournalTick, i);
      const WgJournalTick *b = &g_array_index (from_file, WgJournalTick, i);

      g_assert_cmpint (a->seq, ==, b->seq);
      g_assert_cmpint (a->ts, ==, b->ts);
      g_assert_cmpint (a->type, ==, b->type);
    }
  {
    guint k = 0;

    for (guint i = 0; i < journal->len; i++)
      {
        WgEvent *event = journal->pdata[i];
        const WgJournalTick *tick;

        if (event->exercise != NULL)
          continue;
        g_assert_cmpuint (k, <, ticks->len);
        tick = &g_array_index (ticks, WgJournalTick, k++);
        g_assert_cmpint (tick->seq, ==, event->seq);
        g_assert_cmpint (tick->ts, ==, event->ts);
        g_assert_cmpint (tick->type, ==, event->type);
      }
    g_assert_cmpuint (k, ==, ticks->len);
    g_assert_cmpuint (k, <, journal->len);
  }
  g_assert_true (wg_journal_ticks_get_span (f->store, &first, &last, &error));
  g_assert_no_error (error);
  g_assert_cmpint (first, ==, FIXTURE_T0);
  g_assert_cmpint (last, ==, FIXTURE_T0 + 2000);

  /* A file that is not there: an error, not a new empty database. */
  g_clear_pointer (&ticks, g_array_unref);
  {
    g_autofree char *missing = g_build_filename (f->dir, "missing.db", NULL);

    ticks = wg_journal_ticks_read_file (missing, &error);
    g_assert_null (ticks);
    g_assert_error (error, WG_ERROR, WG_ERROR_STORE);
    g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/journal-ticks/read", Fixture, NULL, fixture_set_up, test_ticks, fixture_tear_down);
  return g_test_run ();
}
