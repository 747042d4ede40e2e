/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The two clocks in a real window under Xvfb, on a local store filled by the
 * demo: the board's overdue filter follows the view clock's ticks (a replay
 * set past a deadline shows the incident as overdue; back to live, it is
 * not), and the alarm banner counts a live alarm on the live clock while the
 * view replays another time.
 */
#include "config.h"

#include <string.h>

#include "console-test-util.h"
#include "wg-console-util.h"
#include "wg-demo.h"
#include "wg-window.h"

typedef struct {
  char          *dir;
  WgReference   *reference;
  WgContext     *context;
  WgApplication *app;
  WgWindow      *window;
} Fixture;

static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + 150 * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

static void
fixture_open (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(WgActor) actor = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  f->dir = g_dir_make_tmp ("wangge-clocks-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "journal.db", NULL);
  f->reference = wg_context_load_demo_reference (&error);
  g_assert_no_error (error);
  f->context = wg_context_new_local (f->reference, path, actor, &error);
  g_assert_no_error (error);
  wg_context_place_forces_at_home (f->context);

  f->app = g_object_new (WG_TYPE_APPLICATION, "application-id", "io.github.wangge.TestClocks",
                         "flags", G_APPLICATION_NON_UNIQUE, NULL);
  g_assert_true (g_application_register (G_APPLICATION (f->app), NULL, &error));
  g_assert_no_error (error);
  f->window = wg_window_new_with_context (f->app, f->context);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1920, 1080);
  gtk_window_present (GTK_WINDOW (f->window));
  while (!gtk_widget_get_mapped (GTK_WIDGET (f->window)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  wg_map_view_set_fly_duration (wg_window_get_map_view (f->window), 0);
  g_assert_true (wg_demo_fill (f->context, &error));
  g_assert_no_error (error);
  settle ();
}

static void
fixture_clear (Fixture *f)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  settle ();
  g_clear_object (&f->app);
  g_clear_object (&f->context);
  g_clear_object (&f->reference);
  test_rm_rf (f->dir);
  g_free (f->dir);
}

static gboolean
rows_contain (GListModel *rows,
              const char *id)
{
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (rows, i);

      if (g_str_equal (wg_incident_item_get_id (item), id))
        return TRUE;
    }
  return FALSE;
}

/* An open incident with a step deadline not yet passed, and not overdue. */
static const WgIncidentRecord *
find_running_deadline (Fixture *f)
{
  GListModel *model = G_LIST_MODEL (wg_window_get_model (f->window));
  gint64 now = wg_context_now_ms (f->context);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (model, i);
      const WgIncidentRecord *r = wg_incident_item_get_record (item);

      if (wg_incident_state_is_open (r->state) && r->deadline > now && !r->overdue)
        return r;
    }
  return NULL;
}

static void
test_board_follows_view_clock (void)
{
  Fixture f = { 0 };
  WgIncidentBoard *board;
  WgClock *view;
  const WgIncidentRecord *r;
  g_autofree char *id = NULL;
  gint64 due;

  fixture_open (&f);
  board = wg_window_get_board (f.window);
  view = wg_context_get_clock (f.context);
  r = find_running_deadline (&f);
  g_assert_nonnull (r);
  id = g_strdup (r->id);
  due = r->deadline;

  wg_incident_board_set_filters (board, WG_BOARD_FILTER_OVERDUE);
  settle ();
  g_assert_false (rows_contain (wg_incident_board_get_rows (board), id));

  /* Replay a minute past the deadline, paused: the jump's tick re-filters. */
  wg_clock_set_rate (view, 0.0);
  wg_clock_start_replay (view, due + 60 * 1000);
  settle ();
  g_assert_cmpint (wg_context_now_ms (f.context), ==, due + 60 * 1000);
  g_assert_true (rows_contain (wg_incident_board_get_rows (board), id));

  /* Running at 600x from just before the deadline: a later tick does it. */
  wg_clock_seek (view, due - 2000);
  settle ();
  g_assert_false (rows_contain (wg_incident_board_get_rows (board), id));
  wg_clock_set_rate (view, 600.0);
  {
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (!rows_contain (wg_incident_board_get_rows (board), id))
      {
        g_assert_cmpint (g_get_monotonic_time (), <, deadline);
        g_main_context_iteration (NULL, TRUE);
      }
  }

  wg_clock_go_live (view);
  settle ();
  g_assert_false (rows_contain (wg_incident_board_get_rows (board), id));

  fixture_clear (&f);
}

static void
test_live_alarm_during_replay (void)
{
  Fixture f = { 0 };
  WgAlarmBanner *banner;
  WgClock *live, *view;
  const WgIncidentRecord *r;
  g_autofree char *expected = NULL;
  g_autofree char *wrong = NULL;

  fixture_open (&f);
  banner = wg_window_get_alarm_banner (f.window);
  g_assert_true (wg_alarm_banner_get_revealed (banner));
  r = wg_incident_item_get_record (wg_incident_model_lookup (wg_window_get_model (f.window),
                                                             wg_alarm_banner_get_incident (banner)));
  live = wg_context_get_live_clock (f.context);
  view = wg_context_get_clock (f.context);
  g_assert_true (wg_clock_get_live (view) == live);

  /* The view replays a day earlier, paused; the alarm is live: its age
   * stays that of the live clock, and moves with the live clock's ticks. */
  wg_clock_set_rate (view, 0.0);
  wg_clock_start_replay (view, r->reported_at - 24 * 3600 * 1000);
  wg_clock_set_offset_ms (live, wg_clock_get_offset_ms (live) + 3 * 3600 * 1000);
  settle ();
  expected = wg_format_duration (wg_clock_get_now_ms (live) - r->reported_at);
  wrong = wg_format_duration (wg_clock_get_now_ms (view) - r->reported_at);
  g_test_message ("banner: %s (live age %s)", wg_alarm_banner_get_text (banner), expected);
  g_assert_nonnull (strstr (wg_alarm_banner_get_text (banner), expected));
  g_assert_null (strstr (wg_alarm_banner_get_text (banner), wrong));
  g_assert_true (wg_alarm_banner_get_revealed (banner));

  fixture_clear (&f);
}

int
main (int   argc,
      char *argv[])
{
  if (!console_test_init (&argc, &argv))
    return g_test_run ();

  g_test_add_func ("/clocks/board-follows-view-clock", test_board_follows_view_clock);
  g_test_add_func ("/clocks/live-alarm-during-replay", test_live_alarm_during_replay);
  return g_test_run ();
}
