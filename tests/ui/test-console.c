/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console's live-operations views in a real window under Xvfb, over a
 * real store filled through the engine (wg_store_execute_command) and,
 * where commands must queue, a real sync client that is offline: what it
 * would send is asserted in its outbox.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "console-test-util.h"
#include "wg-board-row.h"
#include "wg-demo.h"
#include "wg-dispatch-dialog.h"
#include "wg-intake-dialog.h"
#include "wg-store-reference.h"
#include "wg-window.h"

typedef struct {
  char          *dir;
  WgReference   *reference;
  WgContext     *context;
  WgApplication *app;
  WgWindow      *window;
} Fixture;

static WgReference *
demo_reference (void)
{
  static WgReference *reference;

  /* Loaded once: every case reads it, none changes it. */
  if (reference == NULL)
    {
      g_autoptr(GError) error = NULL;

      reference = wg_context_load_demo_reference (&error);
      g_assert_no_error (error);
    }
  return g_object_ref (reference);
}

static WgActor *
actor_for (const char *username)
{
  if (g_str_has_prefix (username, "leader"))
    return wg_actor_new (username, WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  if (g_str_has_prefix (username, "dispatcher"))
    return wg_actor_new (username, WG_ROLE_DISPATCHER, NULL, NULL, NULL);
  if (g_str_equal (username, "worker-17"))
    return wg_actor_new (username, WG_ROLE_GRID_WORKER, "440111012003006", NULL, "gw-17");
  /* A force's own account: no grid, no department, only its unit. */
  if (g_str_equal (username, "eu-01"))
    return wg_actor_new (username, WG_ROLE_GRID_WORKER, NULL, NULL, "eu-01");
  return wg_actor_new (username, WG_ROLE_WALL, NULL, NULL, NULL);
}

/* A console without a server: commands run on the local store. */
static void
fixture_local (Fixture    *f,
               const char *username)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autoptr(WgActor) actor = actor_for (username);

  f->dir = g_dir_make_tmp ("wangge-console-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "journal.db", NULL);
  f->reference = demo_reference ();
  f->context = wg_context_new_local (f->reference, path, actor, &error);
  g_assert_no_error (error);
  wg_context_place_forces_at_home (f->context);
}

/* A console whose server is away: commands queue in the outbox. */
static void
fixture_offline (Fixture    *f,
                 const char *username)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *journal = NULL, *outbox_path = NULL;
  g_autoptr(WgStore) store = NULL;
  g_autoptr(WgApiClient) api = NULL;
  g_autoptr(WgClock) clock = wg_clock_new ();
  g_autoptr(WgSyncClient) sync = NULL;
  g_autoptr(WgActor) actor = actor_for (username);
  WgOutbox *outbox;

  f->dir = g_dir_make_tmp ("wangge-console-XXXXXX", &error);
  g_assert_no_error (error);
  journal = g_build_filename (f->dir, "journal.db", NULL);
  outbox_path = g_build_filename (f->dir, "outbox.db", NULL);
  f->reference = demo_reference ();
  store = wg_store_open (journal, &error);
  g_assert_no_error (error);
  g_assert_true (wg_store_adopt_reference (store, f->reference, &error));
  outbox = wg_outbox_open (outbox_path, &error);
  g_assert_no_error (error);
  api = wg_api_client_new ("http://127.0.0.1:9", FALSE, &error);
  g_assert_no_error (error);
  /* Never started: offline. */
  sync = wg_sync_client_new (api, store, outbox, clock, username, TRUE);
  f->context = wg_context_new (f->reference, store, sync, outbox, clock, actor);
  wg_context_place_forces_at_home (f->context);
}

static void
settle (void)
{
  gint64 until = g_get_monotonic_time () + 150 * 1000;

  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
}

static void
wait_until_mapped (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
  settle ();
}


static void
open_window (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  static guint serial;
  g_autofree char *id = g_strdup_printf ("io.github.wangge.Test%u", serial++);

  f->app = g_object_new (WG_TYPE_APPLICATION, "application-id", id,
                         "flags", G_APPLICATION_NON_UNIQUE, NULL);
  g_assert_true (g_application_register (G_APPLICATION (f->app), NULL, &error));
  g_assert_no_error (error);
  f->window = wg_window_new_with_context (f->app, f->context);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1920, 1080);
  gtk_window_present (GTK_WINDOW (f->window));
  wait_until_mapped (GTK_WIDGET (f->window));
}

static void
fixture_clear (Fixture *f)
{
  if (f->window != NULL)
    gtk_window_destroy (GTK_WINDOW (f->window));
  settle ();
  g_clear_object (&f->app);
  g_clear_object (&f->context);
  g_clear_object (&f->reference);
  if (f->dir != NULL)
    test_rm_rf (f->dir);
  g_clear_pointer (&f->dir, g_free);
}

static const char *
incident_of_category (Fixture    *f,
                      const char *category)
{
  GListModel *model = G_LIST_MODEL (wg_window_get_model (f->window));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (model, i);

      /* Interned: an item's strings are replaced as it is updated. */
      if (g_strcmp0 (wg_incident_item_get_record (item)->category, category) == 0)
        return g_intern_string (wg_incident_item_get_id (item));
    }
  g_assert_not_reached ();
}

static WgIncidentItem *
row (GListModel *rows,
     guint       i)
{
  WgIncidentItem *item = g_list_model_get_item (rows, i);

  g_object_unref (item);   /* the model keeps it */
  return item;
}

static void
select_incident (Fixture    *f,
                 const char *id)
{
  wg_view_model_set_selected_incident (wg_context_get_view_model (f->context), id);
  settle ();
}

/* The board */

static void
test_board_shows_store (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  GListModel *rows;
  guint n_open = 0;
  g_autoptr(GPtrArray) all = NULL;

  fixture_local (&f, "leader");
  g_assert_true (wg_demo_fill (f.context, &error));
  g_assert_no_error (error);
  open_window (&f);

  all = wg_store_list_incidents (wg_context_get_store (f.context), FALSE, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < all->len; i++)
    if (wg_incident_state_is_open (((WgIncidentRecord *) all->pdata[i])->state))
      n_open++;
  g_assert_cmpuint (all->len, ==, 10);
  g_assert_cmpuint (n_open, ==, 9);

  /* Open ones by default; the unacknowledged fire tops, then the open
   * emergency, then the rest by time left. */
  rows = wg_incident_board_get_rows (wg_window_get_board (f.window));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n_open);
  g_assert_cmpstr (wg_incident_item_get_record (row (rows, 0))->category, ==, "fire");
  g_assert_true (wg_incident_item_is_unacknowledged (row (rows, 0)));
  g_assert_cmpstr (wg_incident_item_get_record (row (rows, 1))->category, ==, "traffic_accident");
  for (guint i = 2; i + 1 < g_list_model_get_n_items (rows); i++)
    {
      const WgIncidentRecord *a = wg_incident_item_get_record (row (rows, i));
      const WgIncidentRecord *b = wg_incident_item_get_record (row (rows, i + 1));
      gint64 da = a->deadline > 0 ? a->deadline : G_MAXINT64;
      gint64 db = b->deadline > 0 ? b->deadline : G_MAXINT64;

      g_assert_cmpint (a->grade, !=, WG_GRADE_EMERGENCY);
      g_assert_cmpint (da, <=, db);
    }
  /* On the map, the accident's forces are out: one en route, two busy. */
  {
    WgPositionStore *positions = wg_context_get_position_store (f.context);
    const guint8 *statuses = wg_position_store_get_statuses (positions);

    g_assert_cmpint (statuses[wg_position_store_lookup (positions, "cp-08")], ==, WG_UNIT_STATUS_EN_ROUTE);
    g_assert_cmpint (statuses[wg_position_store_lookup (positions, "ap-15")], ==, WG_UNIT_STATUS_BUSY);
    g_assert_cmpint (statuses[wg_position_store_lookup (positions, "eu-01")], ==, WG_UNIT_STATUS_AVAILABLE);
  }

  /* The column view shows them. */
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (wg_incident_board_get_column_view (wg_window_get_board (f.window)))));

  fixture_clear (&f);
}

static struct {
  guint position, removed, added, calls;
} last_change;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added)
{
  last_change.position = position;
  last_change.removed = removed;
  last_change.added = added;
  last_change.calls++;
}

/* A board of 300 incidents holds a screenful of rows and more, not the
 * 200 GTK 4.8's column view would build before the first frame; scrolling
 * to the end reaches every row, and a row selected further down (from the
 * map, or a test) is in the view at the same position. */
static void
test_board_rows_grow (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  gint64 now, deadline;
  WgIncidentBoard *board;
  GListModel *rows, *view_rows;
  GtkAdjustment *vadj;
  g_autoptr(WgIncidentItem) far = NULL;

  fixture_local (&f, "leader");
  now = wg_context_now_ms (f.context);
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *id = wg_demo_run (f.context, "worker-17", now - (400 - i) * 60000, events, &error,
                                         "incident.report",
                                         "{\"grade\": \"general\", \"category\": \"garbage\","
                                         " \"location\": {\"lat\": 23.2154, \"lon\": 113.2927},"
                                         " \"summary\": \"垃圾 %u\"}", i);
      g_assert_no_error (error);
      g_assert_nonnull (id);
    }
  wg_context_events_applied (f.context, events);
  open_window (&f);

  board = wg_window_get_board (f.window);
  rows = wg_incident_board_get_rows (board);
  view_rows = G_LIST_MODEL (gtk_column_view_get_model (wg_incident_board_get_column_view (board)));
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 300);
  g_assert_cmpuint (g_list_model_get_n_items (view_rows), <, 150);
  vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (wg_incident_board_get_column_view (board)));
  /* The rows held fill the view and more. */
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadj), >, gtk_adjustment_get_page_size (vadj) * 1.5);

  /* A row far down selected: the view holds it, selected, at its place. */
  far = g_list_model_get_item (rows, 250);
  gtk_single_selection_set_selected (wg_incident_board_get_selection (board), 250);
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (view_rows), >, 250);
  g_assert_true (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (view_rows), 250));
  g_assert_false (gtk_selection_model_is_selected (GTK_SELECTION_MODEL (view_rows), 0));
  {
    g_autoptr(WgBoardRow) shown = g_list_model_get_item (view_rows, 250);

    g_assert_true (wg_board_row_get_item (shown) == G_OBJECT (far));
  }
  /* Selecting in the view selects on the board. */
  gtk_selection_model_select_item (GTK_SELECTION_MODEL (view_rows), 3, TRUE);
  g_assert_cmpuint (gtk_single_selection_get_selected (wg_incident_board_get_selection (board)), ==, 3);

  /* Scrolled to the end again and again: every row. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_list_model_get_n_items (view_rows) < 300)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      gtk_adjustment_set_value (vadj, gtk_adjustment_get_upper (vadj) - gtk_adjustment_get_page_size (vadj));
      settle ();
    }
  fixture_clear (&f);
}

static void
test_live_update_keeps_scroll_and_selection (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  gint64 now;
  WgIncidentBoard *board;
  GListModel *rows;
  GtkAdjustment *vadj;
  WgIncidentItem *selected;
  g_autofree char *selected_id = NULL;
  double value;
  guint position;

  fixture_local (&f, "leader");
  now = wg_context_now_ms (f.context);
  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *id = wg_demo_run (f.context, "worker-17", now - (200 - i) * 60000, events, &error,
                                         "incident.report",
                                         "{\"grade\": \"professional\", \"category\": \"streetlight\","
                                         " \"location\": {\"lat\": 23.2154, \"lon\": 113.2927},"
                                         " \"summary\": \"路灯 %u\"}", i);
      g_assert_no_error (error);
      g_assert_nonnull (id);
    }
  wg_context_events_applied (f.context, events);
  open_window (&f);

  board = wg_window_get_board (f.window);
  rows = wg_incident_board_get_rows (board);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 120);

  /* Scroll to the middle and select a row there. */
  vadj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (wg_incident_board_get_column_view (board)));
  g_assert_cmpfloat (gtk_adjustment_get_upper (vadj), >, gtk_adjustment_get_page_size (vadj) * 2);
  gtk_adjustment_set_value (vadj, gtk_adjustment_get_upper (vadj) / 2);
  settle ();
  value = gtk_adjustment_get_value (vadj);
  g_assert_cmpfloat (value, >, 0);
  gtk_single_selection_set_selected (wg_incident_board_get_selection (board), 60);
  settle ();
  selected = gtk_single_selection_get_selected_item (wg_incident_board_get_selection (board));
  selected_id = g_strdup (wg_incident_item_get_id (selected));
  g_assert_cmpstr (wg_view_model_get_selected_incident (wg_context_get_view_model (f.context)), ==, selected_id);

  /* A live update of the selected incident and of another one. */
  g_signal_connect (wg_window_get_model (f.window), "items-changed", G_CALLBACK (items_changed_cb), NULL);
  memset (&last_change, 0, sizeof last_change);
  g_ptr_array_set_size (events, 0);
  g_assert_nonnull (wg_demo_run (f.context, "dispatcher", wg_context_now_ms (f.context), events, &error,
                                 "incident.route", "{\"incident\": \"%s\", \"department\": \"urban\"}",
                                 selected_id));
  g_assert_no_error (error);
  wg_context_events_applied (f.context, events);
  settle ();
  /* Exactly one row changed in place. */
  g_assert_cmpuint (last_change.calls, ==, 1);
  g_assert_cmpuint (last_change.removed, ==, 1);
  g_assert_cmpuint (last_change.added, ==, 1);
  position = last_change.position;
  {
    g_autoptr(WgIncidentItem) changed = g_list_model_get_item (G_LIST_MODEL (wg_window_get_model (f.window)), position);
    g_assert_cmpstr (wg_incident_item_get_id (changed), ==, selected_id);
    g_assert_cmpint (wg_incident_item_get_record (changed)->state, ==, WG_STATE_ROUTED);
  }
  /* Same item, same object, still selected; the view did not jump. */
  g_assert_true (gtk_single_selection_get_selected_item (wg_incident_board_get_selection (board)) == selected);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (vadj), value, 1.0);

  /* A new incident is inserted, not a refill. */
  memset (&last_change, 0, sizeof last_change);
  g_ptr_array_set_size (events, 0);
  g_assert_nonnull (wg_demo_run (f.context, "worker-17", wg_context_now_ms (f.context), events, &error,
                                 "incident.report",
                                 "{\"grade\": \"general\", \"category\": \"noise\","
                                 " \"location\": {\"lat\": 23.2154, \"lon\": 113.2927}, \"summary\": \"新\"}"));
  wg_context_events_applied (f.context, events);
  settle ();
  g_assert_cmpuint (last_change.calls, ==, 1);
  g_assert_cmpuint (last_change.position, ==, 120);
  g_assert_cmpuint (last_change.removed, ==, 0);
  g_assert_cmpuint (last_change.added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 121);
  g_assert_true (gtk_single_selection_get_selected_item (wg_incident_board_get_selection (board)) == selected);
  g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (vadj), value, 1.0);

  g_signal_handlers_disconnect_by_func (wg_window_get_model (f.window), items_changed_cb, NULL);
  fixture_clear (&f);
}

static void
assert_sorted_by_case (GListModel *rows,
                       gboolean    descending)
{
  for (guint i = 0; i + 1 < g_list_model_get_n_items (rows); i++)
    {
      int c = g_strcmp0 (wg_incident_item_get_case_number (row (rows, i)),
                         wg_incident_item_get_case_number (row (rows, i + 1)));

      g_assert_cmpint (descending ? -c : c, <, 0);
    }
}

/* A click on a column header sorts by it (both ways); a live update keeps
 * the rows sorted and the selection; back to unsorted, the board's own
 * order returns. */
static void
test_column_sort (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GPtrArray) default_order = g_ptr_array_new ();
  g_autoptr(GtkColumnViewColumn) case_column = NULL;
  g_autoptr(GtkColumnViewColumn) grade_column = NULL;
  GtkColumnView *view;
  WgIncidentBoard *board;
  GListModel *rows;
  WgIncidentItem *selected;
  guint n;

  fixture_local (&f, "leader");
  g_assert_true (wg_demo_fill (f.context, &error));
  open_window (&f);
  board = wg_window_get_board (f.window);
  view = wg_incident_board_get_column_view (board);
  rows = wg_incident_board_get_rows (board);
  n = g_list_model_get_n_items (rows);
  g_assert_cmpuint (n, >=, 5);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (default_order, row (rows, i));

  case_column = g_list_model_get_item (gtk_column_view_get_columns (view), 0);
  grade_column = g_list_model_get_item (gtk_column_view_get_columns (view), 1);
  g_assert_nonnull (gtk_column_view_column_get_sorter (case_column));

  gtk_column_view_sort_by_column (view, case_column, GTK_SORT_ASCENDING);
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n);
  assert_sorted_by_case (rows, FALSE);
  gtk_column_view_sort_by_column (view, case_column, GTK_SORT_DESCENDING);
  settle ();
  assert_sorted_by_case (rows, TRUE);

  /* A live update while sorted: still sorted, the selection kept, and no
   * refill of the rows. */
  gtk_single_selection_set_selected (wg_incident_board_get_selection (board), 2);
  settle ();
  selected = gtk_single_selection_get_selected_item (wg_incident_board_get_selection (board));
  g_signal_connect (rows, "items-changed", G_CALLBACK (items_changed_cb), NULL);
  memset (&last_change, 0, sizeof last_change);
  g_assert_nonnull (wg_demo_run (f.context, "worker-17", wg_context_now_ms (f.context), events, &error,
                                 "incident.report",
                                 "{\"grade\": \"general\", \"category\": \"noise\","
                                 " \"location\": {\"lat\": 23.2154, \"lon\": 113.2927}, \"summary\": \"新\"}"));
  g_assert_no_error (error);
  wg_context_events_applied (f.context, events);
  settle ();
  g_signal_handlers_disconnect_by_func (rows, items_changed_cb, NULL);
  g_assert_cmpuint (last_change.calls, ==, 1);
  g_assert_cmpuint (last_change.removed, ==, 0);
  g_assert_cmpuint (last_change.added, ==, 1);
  /* The newest case number sorts first, descending. */
  g_assert_cmpuint (last_change.position, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n + 1);
  assert_sorted_by_case (rows, TRUE);
  g_assert_true (gtk_single_selection_get_selected_item (wg_incident_board_get_selection (board)) == selected);

  /* By grade: emergencies first, ties in the board's order. */
  gtk_column_view_sort_by_column (view, grade_column, GTK_SORT_ASCENDING);
  settle ();
  g_assert_cmpint (wg_incident_item_get_record (row (rows, 0))->grade, ==, WG_GRADE_EMERGENCY);
  for (guint i = 0; i + 1 < g_list_model_get_n_items (rows); i++)
    {
      WgIncidentItem *a = row (rows, i), *b = row (rows, i + 1);

      g_assert_cmpint (wg_incident_item_get_record (a)->grade, >=, wg_incident_item_get_record (b)->grade);
      if (wg_incident_item_get_record (a)->grade == wg_incident_item_get_record (b)->grade)
        g_assert_cmpint (wg_incident_board_compare (a, b), <, 0);
    }

  /* Unsorted: the board's own order again. */
  gtk_column_view_sort_by_column (view, NULL, GTK_SORT_ASCENDING);
  settle ();
  for (guint i = 0; i + 1 < g_list_model_get_n_items (rows); i++)
    g_assert_cmpint (wg_incident_board_compare (row (rows, i), row (rows, i + 1)), <, 0);
  for (guint i = 0; i < 2; i++)
    g_assert_true (row (rows, i) == default_order->pdata[i]);

  fixture_clear (&f);
}

static void
test_filters_and_search (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  WgIncidentBoard *board;
  GListModel *rows;
  const char *fire;
  g_autofree char *case_number = NULL;

  fixture_local (&f, "leader");
  g_assert_true (wg_demo_fill (f.context, &error));
  open_window (&f);
  board = wg_window_get_board (f.window);
  rows = wg_incident_board_get_rows (board);
  fire = incident_of_category (&f, "fire");
  case_number = g_strdup (wg_incident_item_get_case_number (wg_incident_model_lookup (wg_window_get_model (f.window), fire)));

  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 9);
  /* All, closed included. */
  wg_incident_board_set_filters (board, WG_BOARD_FILTER_NONE);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 10);
  wg_incident_board_set_filters (board, WG_BOARD_FILTER_OPEN | WG_BOARD_FILTER_EMERGENCY);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 2);
  wg_incident_board_set_filters (board, WG_BOARD_FILTER_OPEN | WG_BOARD_FILTER_UNACKNOWLEDGED);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 1);
  g_assert_cmpstr (wg_incident_item_get_id (row (rows, 0)), ==, fire);
  wg_incident_board_set_filters (board, WG_BOARD_FILTER_GENERAL);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 3);
  wg_incident_board_set_filters (board, WG_BOARD_FILTER_OPEN | WG_BOARD_FILTER_PROFESSIONAL);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 5);

  /* Department and area */
  wg_incident_board_set_department (board, "urban");
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 1);
  g_assert_cmpstr (wg_incident_item_get_record (row (rows, 0))->category, ==, "illegal_structure");
  wg_incident_board_set_department (board, NULL);
  wg_incident_board_set_filters (board, WG_BOARD_FILTER_OPEN);
  wg_incident_board_set_area (board, "440111012003");
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 2);   /* the fire, the vendor */
  wg_incident_board_set_area (board, NULL);

  /* Search: case number, text, category name */
  wg_incident_board_set_search (board, case_number);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 1);
  g_assert_cmpstr (wg_incident_item_get_id (row (rows, 0)), ==, fire);
  wg_incident_board_set_search (board, "冒烟");
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 1);
  wg_incident_board_set_search (board, "TRAFFIC");
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 1);
  g_assert_cmpstr (wg_incident_item_get_record (row (rows, 0))->category, ==, "traffic_accident");
  wg_incident_board_set_search (board, "no such thing");
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 0);
  wg_incident_board_set_search (board, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 9);

  /* Mine: what worker-17 would see as theirs is the fire and the vendor. */
  wg_incident_board_set_filters (board, WG_BOARD_FILTER_MINE);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, 0);   /* the leader reported nothing */

  fixture_clear (&f);
}

/* Mine, for a force: the incidents it is sent to, from the model's view of
 * the open assignments (no store read per row), following each batch. */
static void
test_mine_for_a_force (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GPtrArray) assignments = NULL;
  g_autofree char *cancel = NULL;
  g_autofree char *assign = NULL;
  g_autofree char *stood_down = NULL;
  WgIncidentBoard *board;
  GListModel *rows;
  const char *fire;
  const char *assignment = NULL;
  guint n_before;

  fixture_local (&f, "eu-01");
  g_assert_true (wg_demo_fill (f.context, &error));
  open_window (&f);
  board = wg_window_get_board (f.window);
  rows = wg_incident_board_get_rows (board);
  fire = incident_of_category (&f, "fire");
  wg_incident_board_set_filters (board, WG_BOARD_FILTER_MINE);
  n_before = g_list_model_get_n_items (rows);
  for (guint i = 0; i < n_before; i++)
    g_assert_cmpstr (wg_incident_item_get_id (row (rows, i)), !=, fire);

  assign = wg_demo_run (f.context, "dispatcher", wg_context_now_ms (f.context), events, &error,
                        "dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"eu-01\"]}", fire);
  g_assert_no_error (error);
  g_assert_nonnull (assign);
  wg_context_events_applied (f.context, events);
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n_before + 1);

  /* Stood down: no longer its own. */
  assignments = wg_store_list_assignments (wg_context_get_store (f.context), fire, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < assignments->len; i++)
    if (g_str_equal (((WgAssignmentRecord *) assignments->pdata[i])->unit, "eu-01"))
      assignment = ((WgAssignmentRecord *) assignments->pdata[i])->id;
  g_assert_nonnull (assignment);
  cancel = g_strdup_printf ("{\"assignment\": \"%s\", \"reason\": \"另有任务\"}", assignment);
  g_ptr_array_set_size (events, 0);
  stood_down = wg_demo_run (f.context, "dispatcher", wg_context_now_ms (f.context), events, &error,
                            "assignment.cancel", "%s", cancel);
  g_assert_no_error (error);
  g_assert_nonnull (stood_down);
  wg_context_events_applied (f.context, events);
  settle ();
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n_before);

  fixture_clear (&f);
}

/* The recommender */

static guint
plan_total (WgCategory *category)
{
  guint n = 0;

  for (guint i = 0; i < category->n_response_steps; i++)
    n += category->response_plan[i].count;
  return n;
}

/* What the dispatch dialog ranks, from the cache as it reads it. */
static GArray *
rank_now (WgContext              *context,
          const WgIncidentRecord *record)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgDispatchFacts) facts = wg_dispatch_read_facts (wg_context_get_store (context), record->id, &error);

  g_assert_no_error (error);
  return wg_dispatch_rank (context, record, facts->busy, 20);
}

static void
test_recommender_order (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_auto(WgIncidentRecord) record = { 0 };
  g_autoptr(GArray) ranked = NULL;
  g_autofree char *incident = NULL, *busy = NULL;
  WgPositionStore *positions;
  WgCategory *fire;
  GPtrArray *units;
  double lat = 23.2154, lon = 113.2927;
  gint64 now;
  guint n_plan = 0, n_eu = 0;
  int i_near_stale = -1, i_far_fresh = -1;

  fixture_local (&f, "leader");
  now = wg_context_now_ms (f.context);
  positions = wg_context_get_position_store (f.context);
  fire = wg_reference_lookup_category (f.reference, "fire");

  /* Emergency units: eu-01 right at the spot but last seen 10 minutes ago,
   * eu-02 250 m away and fresh, eu-03 busy on another incident. */
  units = wg_reference_get_forces_by_type (f.reference, WG_FORCE_EMERGENCY_UNIT);
  g_assert_cmpuint (units->len, >=, 4);
  wg_position_store_set_position (positions, wg_position_store_lookup (positions, "eu-01"),
                                  lat + 0.0005, lon, now - 10 * 60000);
  wg_position_store_set_position (positions, wg_position_store_lookup (positions, "eu-02"),
                                  lat + 0.0022, lon, now - 5000);
  wg_position_store_set_position (positions, wg_position_store_lookup (positions, "eu-03"),
                                  lat, lon + 0.0002, now - 5000);
  busy = wg_demo_run (f.context, "worker-17", now - 60000, events, &error, "incident.report",
                      "{\"grade\": \"emergency\", \"category\": \"medical_emergency\","
                      " \"location\": {\"lat\": %.4f, \"lon\": %.4f}, \"summary\": \"x\"}", lat, lon);
  g_assert_no_error (error);
  g_assert_nonnull (wg_demo_run (f.context, "leader", now - 50000, events, &error, "dispatch.assign",
                                 "{\"incident\": \"%s\", \"units\": [\"eu-03\"]}", busy));
  g_assert_no_error (error);

  incident = wg_demo_run (f.context, "worker-17", now, events, &error, "incident.report",
                          "{\"grade\": \"emergency\", \"category\": \"fire\","
                          " \"location\": {\"lat\": %.4f, \"lon\": %.4f}, \"summary\": \"3楼冒烟\"}", lat, lon);
  g_assert_no_error (error);
  g_assert_true (wg_store_get_incident (wg_context_get_store (f.context), incident, &record, &error));

  ranked = rank_now (f.context, &record);
  for (guint i = 0; i < ranked->len; i++)
    {
      WgDispatchCandidate *c = &g_array_index (ranked, WgDispatchCandidate, i);

      g_assert_cmpstr (c->force->id, !=, "eu-03");    /* busy: not offered */
      if (c->in_plan)
        {
          /* The plan's picks come first. */
          g_assert_cmpuint (i, ==, n_plan);
          n_plan++;
          if (c->force->type == WG_FORCE_EMERGENCY_UNIT)
            n_eu++;
        }
      if (i > 0)
        {
          WgDispatchCandidate *p = &g_array_index (ranked, WgDispatchCandidate, i - 1);
          if (p->in_plan == c->in_plan && p->own_grid == c->own_grid)
            g_assert_cmpfloat (p->rank_eta_s, <=, c->rank_eta_s);
        }
      if (g_str_equal (c->force->id, "eu-01"))
        {
          g_assert_true (c->stale);
          i_near_stale = i;
        }
      if (g_str_equal (c->force->id, "eu-02"))
        {
          g_assert_false (c->stale);
          i_far_fresh = i;
        }
    }
  g_assert_cmpuint (n_plan, ==, plan_total (fire));
  g_assert_cmpuint (n_eu, ==, 2);
  /* The fresh unit 250 m away beats the one seen at the door 10 min ago. */
  g_assert_cmpint (i_far_fresh, >=, 0);
  g_assert_cmpint (i_near_stale, >=, 0);
  g_assert_cmpint (i_far_fresh, <, i_near_stale);
  g_assert_true (g_array_index (ranked, WgDispatchCandidate, i_far_fresh).in_plan);

  fixture_clear (&f);
}

/* The grid's own worker goes first, as in the server's plans, even when
 * another grid worker is nearer; when it is busy, the nearest one goes. */
static void
test_recommender_own_worker (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_auto(WgIncidentRecord) record = { 0 };
  g_autoptr(GArray) ranked = NULL;
  g_autoptr(GArray) reranked = NULL;
  g_autofree char *incident = NULL;
  WgPositionStore *positions;
  WgGrid *grid;
  WgForce *own = NULL, *other = NULL;
  double lat = 23.2154, lon = 113.2927;
  gint64 now;
  guint n_workers = 0;

  fixture_local (&f, "leader");
  now = wg_context_now_ms (f.context);
  positions = wg_context_get_position_store (f.context);
  grid = wg_reference_find_grid (f.reference, lat, lon);
  g_assert_nonnull (grid);
  for (guint i = 0; i < grid->responsible->len && own == NULL; i++)
    if (((WgForce *) grid->responsible->pdata[i])->type == WG_FORCE_GRID_WORKER)
      own = grid->responsible->pdata[i];
  g_assert_nonnull (own);
  other = wg_reference_lookup_force (f.reference, g_str_equal (own->id, "gw-01") ? "gw-02" : "gw-01");

  /* Another grid worker at the door, the grid's own one 1.5 km off. */
  wg_position_store_set_position (positions, wg_position_store_lookup (positions, other->id),
                                  lat + 0.0001, lon, now - 5000);
  wg_position_store_set_position (positions, wg_position_store_lookup (positions, own->id),
                                  lat + 0.0135, lon, now - 5000);
  incident = wg_demo_run (f.context, "leader", now, events, &error, "incident.report",
                          "{\"grade\": \"emergency\", \"category\": \"medical_emergency\","
                          " \"location\": {\"lat\": %.4f, \"lon\": %.4f}, \"summary\": \"x\"}", lat, lon);
  g_assert_no_error (error);
  g_assert_true (wg_store_get_incident (wg_context_get_store (f.context), incident, &record, &error));
  g_assert_cmpstr (record.grid, ==, grid->code);

  ranked = rank_now (f.context, &record);
  g_assert_cmpuint (ranked->len, >, 0);
  g_assert_true (g_array_index (ranked, WgDispatchCandidate, 0).force == own);
  g_assert_true (g_array_index (ranked, WgDispatchCandidate, 0).in_plan);
  g_assert_true (g_array_index (ranked, WgDispatchCandidate, 0).own_grid);
  for (guint i = 0; i < ranked->len; i++)
    {
      WgDispatchCandidate *c = &g_array_index (ranked, WgDispatchCandidate, i);

      if (c->in_plan && c->force->type == WG_FORCE_GRID_WORKER)
        n_workers++;
      if (c->force == other)
        g_assert_false (c->in_plan);   /* the plan asks for one grid worker */
    }
  g_assert_cmpuint (n_workers, ==, 1);

  /* The own worker busy elsewhere: the nearest grid worker is the plan's. */
  g_assert_nonnull (wg_demo_run (f.context, "leader", now, events, &error, "dispatch.assign",
                                 "{\"incident\": \"%s\", \"units\": [\"%s\"]}", incident, own->id));
  g_assert_no_error (error);
  reranked = rank_now (f.context, &record);
  for (guint i = 0; i < reranked->len; i++)
    {
      WgDispatchCandidate *c = &g_array_index (reranked, WgDispatchCandidate, i);

      g_assert_true (c->force != own);
      g_assert_false (c->own_grid);
      if (c->force == other)
        g_assert_true (c->in_plan);
    }

  fixture_clear (&f);
}

/* Actions per role and state */

static gboolean
action_enabled (Fixture    *f,
                const char *name)
{
  return g_action_group_get_action_enabled (wg_incident_actions_get_group (wg_window_get_actions (f->window)), name);
}

static const char *
action_reason (Fixture    *f,
               const char *name)
{
  return wg_incident_actions_get_reason (wg_window_get_actions (f->window), name);
}

/* The detail sheet's menu of further actions holds @action. */
static gboolean
menu_lists (WgDetailPane *detail,
            const char   *action)
{
  GMenuModel *menu = wg_detail_pane_get_more_menu (detail);

  for (int i = 0; menu != NULL && i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *name = NULL;

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &name)
          && g_str_equal (name, action))
        return TRUE;
    }
  return FALSE;
}

static void
test_actions_per_role_and_state (void)
{
  const char *users[] = { "leader", "dispatcher", "worker-17" };

  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    {
      Fixture f = { 0 };
      g_autoptr(GError) error = NULL;
      const char *fire, *lane, *accident;
      WgDetailPane *detail;

      fixture_local (&f, users[u]);
      g_assert_true (wg_demo_fill (f.context, &error));
      open_window (&f);
      detail = wg_window_get_detail_pane (f.window);
      fire = incident_of_category (&f, "fire");
      lane = incident_of_category (&f, "fire_lane_blocked");
      accident = incident_of_category (&f, "traffic_accident");

      /* Nothing selected: everything off, with the reason. */
      g_assert_false (action_enabled (&f, "dispatch"));
      g_assert_nonnull (action_reason (&f, "dispatch"));

      select_incident (&f, fire);
      if (g_str_equal (users[u], "leader"))
        {
          g_assert_true (action_enabled (&f, "acknowledge"));
          g_assert_true (action_enabled (&f, "dispatch"));
          g_assert_true (action_enabled (&f, "cancel"));
          /* A reported emergency cannot be closed yet. */
          g_assert_false (action_enabled (&f, "close"));
          g_assert_nonnull (strstr (action_reason (&f, "close"), "Reported"));
          /* The moment's buttons: acknowledge, dispatch; nothing greyed:
           * close is neither a button nor in the menu, cancel is in it. */
          g_assert_nonnull (wg_detail_pane_get_action_button (detail, "acknowledge"));
          g_assert_true (gtk_widget_get_sensitive (wg_detail_pane_get_action_button (detail, "dispatch")));
          g_assert_null (wg_detail_pane_get_action_button (detail, "close"));
          g_assert_null (wg_detail_pane_get_action_button (detail, "cancel"));
          g_assert_true (menu_lists (detail, "incident.cancel"));
          g_assert_false (menu_lists (detail, "incident.close"));
        }
      else if (g_str_equal (users[u], "dispatcher"))
        {
          /* Only the duty leader acknowledges alarms. */
          g_assert_false (action_enabled (&f, "acknowledge"));
          g_assert_nonnull (strstr (action_reason (&f, "acknowledge"), "Dispatcher"));
          g_assert_null (wg_detail_pane_get_action_button (detail, "acknowledge"));
          g_assert_false (menu_lists (detail, "incident.acknowledge"));
          g_assert_nonnull (wg_detail_pane_get_action_button (detail, "dispatch"));
          g_assert_true (action_enabled (&f, "dispatch"));
        }
      else
        {
          /* A grid worker upgrades and notes in its own grid; no dispatch. */
          g_assert_false (action_enabled (&f, "dispatch"));
          g_assert_false (action_enabled (&f, "acknowledge"));
          g_assert_true (action_enabled (&f, "note"));
        }

      /* A closed incident: nothing but (for some) a note. */
      select_incident (&f, lane);
      g_assert_false (action_enabled (&f, "dispatch"));
      g_assert_false (action_enabled (&f, "close"));
      g_assert_false (action_enabled (&f, "cancel"));

      /* The accident (leader acknowledged it): no second acknowledgement. */
      select_incident (&f, accident);
      g_assert_false (action_enabled (&f, "acknowledge"));
      if (!g_str_equal (users[u], "worker-17"))
        g_assert_true (action_enabled (&f, "dispatch"));

      fixture_clear (&f);
    }
}

/* The first widget under @widget (itself included) with @css_class. */
static GtkWidget *
find_css_descendant (GtkWidget  *widget,
                     const char *css_class)
{
  if (gtk_widget_has_css_class (widget, css_class))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_css_descendant (child, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
test_detail_pane (void)
{
  const char *users[] = { "dispatcher", "worker-17" };

  for (guint u = 0; u < G_N_ELEMENTS (users); u++)
    {
      Fixture f = { 0 };
      g_autoptr(GError) error = NULL;
      WgDetailPane *detail;

      fixture_local (&f, users[u]);
      g_assert_true (wg_demo_fill (f.context, &error));
      open_window (&f);
      detail = wg_window_get_detail_pane (f.window);

      /* The family dispute came in by phone: the caller is shown in full
       * only to roles that may see it. */
      select_incident (&f, incident_of_category (&f, "dispute_family"));
      if (u == 0)
        g_assert_cmpstr (wg_detail_pane_get_caller_text (detail), ==, "王女士 13812345678");
      else
        g_assert_cmpstr (wg_detail_pane_get_caller_text (detail), ==, "王女士 138******78");
      g_assert_cmpuint (wg_detail_pane_get_n_timeline_rows (detail), ==, 1);

      /* A force picked on the map: its card; the dispatcher may set its
       * status, the grid worker not (not its unit). */
      {
        WgViewModel *vm = wg_context_get_view_model (f.context);
        GtkWidget *off;

        wg_view_model_set_selected_incident (vm, NULL);
        wg_view_model_set_selected_unit (vm, "eu-01");
        settle ();
        g_assert_cmpstr (wg_detail_pane_get_unit (detail), ==, "eu-01");
        off = wg_detail_pane_get_unit_status_button (detail, "off_duty");
        if (u == 0)
          {
            g_autoptr(GError) unit_error = NULL;
            g_auto(WgUnitRecord) unit = { 0 };
            WgPositionStore *positions = wg_context_get_position_store (f.context);

            g_assert_nonnull (off);
            g_assert_false (gtk_widget_get_sensitive (wg_detail_pane_get_unit_status_button (detail, "available")));
            g_signal_emit_by_name (off, "clicked");
            settle ();
            g_assert_true (wg_store_get_unit (wg_context_get_store (f.context), "eu-01", &unit, &unit_error));
            g_assert_cmpint (unit.status, ==, WG_UNIT_OFF_DUTY);
            g_assert_cmpint (wg_position_store_get_statuses (positions)[wg_position_store_lookup (positions, "eu-01")],
                             ==, WG_UNIT_STATUS_OFF_DUTY);
            g_assert_true (gtk_widget_get_sensitive (wg_detail_pane_get_unit_status_button (detail, "available")));
          }
        else
          g_assert_null (off);
      }

      /* The accident: three forces notified 5 minutes ago, one of them has
       * acknowledged and is en route; the other two are red. */
      select_incident (&f, incident_of_category (&f, "traffic_accident"));
      g_assert_cmpuint (wg_detail_pane_get_n_late_assignments (detail), ==, 2);
      /* reported, alarm raised, acknowledged, 3 notified, dispatched, ack, en route */
      g_assert_cmpuint (wg_detail_pane_get_n_timeline_rows (detail), >=, 8);

      /* A new event of the incident: the same detail, the same rows, one
       * more at the end (updated in place, not rebuilt). */
      if (u == 0)
        {
          g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
          const char *accident = incident_of_category (&f, "traffic_accident");
          GtkWidget *incident_detail = wg_detail_pane_get_incident_detail (detail);
          GtkWidget *timeline = find_css_descendant (incident_detail, "timeline");
          GtkWidget *first_row = gtk_widget_get_first_child (timeline);
          guint n_rows = wg_detail_pane_get_n_timeline_rows (detail);

          g_autofree char *note = NULL;

          g_assert_nonnull (first_row);
          note = wg_demo_run (f.context, "leader", wg_context_now_ms (f.context), events, &error,
                              "incident.note", "{\"incident\": \"%s\", \"text\": \"现场已拉警戒线\"}",
                              accident);
          g_assert_no_error (error);
          g_assert_nonnull (note);
          wg_context_events_applied (f.context, events);
          settle ();
          g_assert_true (wg_detail_pane_get_incident_detail (detail) == incident_detail);
          g_assert_true (find_css_descendant (incident_detail, "timeline") == timeline);
          g_assert_true (gtk_widget_get_first_child (timeline) == first_row);
          g_assert_cmpuint (wg_detail_pane_get_n_timeline_rows (detail), ==, n_rows + 1);
        }

      fixture_clear (&f);
    }
}

/* Intake and dispatch */

static void
test_intake_to_outbox (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) queued = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonObject *o;
  WgIntakeDialog *intake;
  g_autofree char *id = NULL;
  WgGrid *grid;
  double lat, lon;

  fixture_offline (&f, "dispatcher");
  open_window (&f);
  g_assert_cmpstr (wg_window_get_connection_text (f.window), ==, "Offline, 0 queued");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.intake", NULL));
  settle ();
  intake = NULL;
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (WG_IS_INTAKE_DIALOG (l->data))
      intake = l->data;
  g_assert_nonnull (intake);
  g_assert_false (wg_intake_dialog_can_submit (intake));

  /* The grade follows the category. */
  g_assert_true (wg_intake_dialog_set_category (intake, "fire"));
  g_assert_cmpint (wg_intake_dialog_get_grade (intake), ==, WG_GRADE_EMERGENCY);
  g_assert_true (wg_intake_dialog_set_category (intake, "noise"));
  g_assert_cmpint (wg_intake_dialog_get_grade (intake), ==, WG_GRADE_GENERAL);
  g_assert_true (wg_intake_dialog_set_category (intake, "dispute_labour"));
  g_assert_cmpint (wg_intake_dialog_get_grade (intake), ==, WG_GRADE_PROFESSIONAL);

  /* The clicked spot's grid is resolved. */
  grid = wg_reference_lookup_grid (f.reference, "440111012003006");
  wg_geo_shape_interior_point (grid->shape, &lat, &lon);
  wg_intake_dialog_set_location (intake, lat, lon);
  g_assert_cmpstr (wg_intake_dialog_get_grid (intake), ==, "440111012003006");
  wg_intake_dialog_set_summary (intake, "车间工人聚集讨薪");
  wg_intake_dialog_set_caller (intake, "刘先生", "13900001111");
  g_assert_true (wg_intake_dialog_can_submit (intake));
  id = wg_intake_dialog_submit (intake, &error);
  g_assert_no_error (error);
  g_assert_nonnull (id);
  gtk_window_destroy (GTK_WINDOW (intake));
  settle ();

  queued = wg_outbox_list (wg_context_get_outbox (f.context), "dispatcher", WG_OUTBOX_QUEUED, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (queued->len, ==, 1);
  {
    WgOutboxEntry *entry = queued->pdata[0];

    g_assert_cmpstr (entry->id, ==, id);
    g_assert_cmpstr (entry->type, ==, "incident.report");
    body = json_from_string (entry->body, &error);
    g_assert_no_error (error);
  }
  o = json_node_get_object (body);
  g_assert_cmpstr (json_object_get_string_member (o, "grade"), ==, "professional");
  g_assert_cmpstr (json_object_get_string_member (o, "category"), ==, "dispute_labour");
  g_assert_cmpstr (json_object_get_string_member (o, "grid"), ==, "440111012003006");
  g_assert_cmpstr (json_object_get_string_member (o, "summary"), ==, "车间工人聚集讨薪");
  g_assert_cmpstr (json_object_get_string_member (o, "source"), ==, "phone");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "caller"), "phone"),
                   ==, "13900001111");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json_object_get_object_member (o, "location"), "lat"),
                                  lat, 1e-9);
  /* The header counts it. */
  settle ();
  g_assert_cmpstr (wg_window_get_connection_text (f.window), ==, "Offline, 1 queued");

  fixture_clear (&f);
}

static WgDispatchDialog *
open_dispatch (Fixture    *f,
               const char *incident)
{
  WgDispatchDialog *dialog = NULL;

  select_incident (f, incident);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "incident.dispatch", NULL));
  settle ();
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (WG_IS_DISPATCH_DIALOG (l->data))
      dialog = l->data;
  g_assert_nonnull (dialog);
  return dialog;
}

static void
test_dispatch_preselects_plan (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) queued = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_auto(GStrv) selected = NULL;
  WgDispatchDialog *dialog;
  GArray *candidates;
  WgCategory *fire;
  guint n_plan = 0;
  JsonArray *units;

  fixture_offline (&f, "leader");
  fire = wg_reference_lookup_category (f.reference, "fire");
  g_assert_true (wg_demo_fill (f.context, &error));
  open_window (&f);
  dialog = open_dispatch (&f, incident_of_category (&f, "fire"));

  candidates = wg_dispatch_dialog_get_candidates (dialog);
  selected = wg_dispatch_dialog_dup_selected (dialog);
  for (guint i = 0; i < candidates->len; i++)
    if (g_array_index (candidates, WgDispatchCandidate, i).in_plan)
      {
        g_assert_cmpstr (selected[n_plan], ==, g_array_index (candidates, WgDispatchCandidate, i).force->id);
        n_plan++;
      }
  g_assert_cmpuint (n_plan, ==, plan_total (fire));
  g_assert_cmpuint (g_strv_length (selected), ==, n_plan);

  /* Enter: one dispatch.assign with all of them, pending until the
   * server answers. */
  wg_dispatch_dialog_dispatch (dialog);
  g_assert_true (wg_dispatch_dialog_is_pending (dialog));
  queued = wg_outbox_list (wg_context_get_outbox (f.context), "leader", WG_OUTBOX_QUEUED, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (queued->len, ==, 1);
  g_assert_cmpstr (((WgOutboxEntry *) queued->pdata[0])->type, ==, "dispatch.assign");
  body = json_from_string (((WgOutboxEntry *) queued->pdata[0])->body, &error);
  units = json_object_get_array_member (json_node_get_object (body), "units");
  g_assert_cmpuint (json_array_get_length (units), ==, n_plan);
  for (guint i = 0; i < n_plan; i++)
    g_assert_cmpstr (json_array_get_string_element (units, i), ==, selected[i]);

  gtk_window_destroy (GTK_WINDOW (dialog));
  fixture_clear (&f);
}

static void
test_dispatch_unit_taken (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_auto(GStrv) selected = NULL;
  g_autofree char *taken = NULL;
  WgDispatchDialog *dialog;
  GArray *candidates;
  const char *fire, *accident;

  fixture_local (&f, "leader");
  g_assert_true (wg_demo_fill (f.context, &error));
  open_window (&f);
  fire = incident_of_category (&f, "fire");
  accident = incident_of_category (&f, "traffic_accident");
  dialog = open_dispatch (&f, fire);
  selected = wg_dispatch_dialog_dup_selected (dialog);
  g_assert_nonnull (selected[0]);
  taken = g_strdup (selected[0]);

  /* Another console sends the first of them to the accident meanwhile. */
  g_assert_nonnull (wg_demo_run (f.context, "dispatcher", wg_context_now_ms (f.context), events, &error,
                                 "dispatch.assign", "{\"incident\": \"%s\", \"units\": [\"%s\"]}",
                                 accident, taken));
  g_assert_no_error (error);
  wg_context_events_applied (f.context, events);

  wg_dispatch_dialog_dispatch (dialog);
  /* Refused as a whole, said so, and the list no longer offers it. */
  g_assert_nonnull (wg_dispatch_dialog_get_error (dialog));
  g_assert_nonnull (strstr (wg_dispatch_dialog_get_error (dialog), "another console"));
  candidates = wg_dispatch_dialog_get_candidates (dialog);
  for (guint i = 0; i < candidates->len; i++)
    g_assert_cmpstr (g_array_index (candidates, WgDispatchCandidate, i).force->id, !=, taken);
  g_assert_cmpint (wg_incident_model_lookup (wg_window_get_model (f.window), fire) != NULL, ==, TRUE);
  g_assert_cmpint (wg_incident_item_get_record (wg_incident_model_lookup (wg_window_get_model (f.window), fire))->state,
                   ==, WG_STATE_REPORTED);

  /* Again with what is offered now: dispatched. */
  wg_dispatch_dialog_dispatch (dialog);
  settle ();
  g_assert_cmpint (wg_incident_item_get_record (wg_incident_model_lookup (wg_window_get_model (f.window), fire))->state,
                   ==, WG_STATE_DISPATCHED);

  fixture_clear (&f);
}

/* The alarm banner */

static void
test_alarm_banner (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  WgAlarmBanner *banner;
  const char *fire;

  fixture_local (&f, "leader");
  open_window (&f);
  banner = wg_window_get_alarm_banner (f.window);
  g_assert_false (wg_alarm_banner_get_revealed (banner));
  wg_map_view_set_fly_duration (wg_window_get_map_view (f.window), 0);

  g_assert_true (wg_demo_fill (f.context, &error));
  settle ();
  fire = incident_of_category (&f, "fire");
  /* The map went to it. */
  {
    ShumateViewport *viewport = wg_map_view_get_viewport (wg_window_get_map_view (f.window));
    const WgIncidentRecord *r = wg_incident_item_get_record (wg_incident_model_lookup (wg_window_get_model (f.window), fire));

    g_assert_cmpfloat_with_epsilon (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)), r->lat, 0.001);
    g_assert_cmpfloat_with_epsilon (shumate_location_get_longitude (SHUMATE_LOCATION (viewport)), r->lon, 0.001);
  }
  g_assert_true (wg_alarm_banner_get_revealed (banner));
  g_assert_cmpstr (wg_alarm_banner_get_incident (banner), ==, fire);
  g_assert_nonnull (strstr (wg_alarm_banner_get_text (banner), "Fire"));
  g_assert_nonnull (strstr (wg_alarm_banner_get_text (banner), "鹤泰社区第6网格"));
  g_assert_nonnull (strstr (wg_alarm_banner_get_text (banner), "unacknowledged"));
  g_assert_true (gtk_widget_get_visible (wg_alarm_banner_get_acknowledge_button (banner)));
  g_assert_cmpuint (wg_alarm_banner_get_n_sounds (banner), >=, 1);

  g_assert_null (strstr (wg_alarm_banner_get_detail (banner), "escalated"));

  /* Nobody acknowledges: the server's timer escalates it. */
  {
    g_autoptr(GPtrArray) events = NULL;

    g_assert_true (wg_store_run_timers (wg_context_get_store (f.context),
                                        wg_context_now_ms (f.context) + 10 * 60000, &events, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (events->len, >, 0);
    wg_context_events_applied (f.context, events);
    settle ();
    g_assert_nonnull (strstr (wg_alarm_banner_get_detail (banner), "escalated"));
    g_assert_cmpint (wg_incident_item_get_record (wg_incident_model_lookup (wg_window_get_model (f.window), fire))->alarm,
                     ==, WG_ALARM_ESCALATED);
  }

  /* Muted on this console for a while (M). */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.mute", NULL));
  g_assert_true (wg_alarm_banner_get_muted (banner));

  /* A acknowledges; the banner goes. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.acknowledge", NULL));
  settle ();
  g_assert_false (wg_alarm_banner_get_revealed (banner));
  g_assert_null (wg_alarm_banner_get_incident (banner));
  g_assert_cmpint (wg_incident_item_get_record (wg_incident_model_lookup (wg_window_get_model (f.window), fire))->alarm,
                   ==, WG_ALARM_ACKNOWLEDGED);

  fixture_clear (&f);
}

static void
test_alarm_banner_not_for_dispatcher (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  WgAlarmBanner *banner;

  fixture_local (&f, "dispatcher");
  g_assert_true (wg_demo_fill (f.context, &error));
  open_window (&f);
  banner = wg_window_get_alarm_banner (f.window);
  g_assert_true (wg_alarm_banner_get_revealed (banner));
  g_assert_false (gtk_widget_get_visible (wg_alarm_banner_get_acknowledge_button (banner)));
  g_assert_false (wg_alarm_banner_acknowledge (banner));
  g_assert_true (wg_alarm_banner_get_revealed (banner));

  fixture_clear (&f);
}

static void
test_header_and_handover (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *leader = NULL;
  AdwMessageDialog *dialog = NULL;
  GPtrArray *leaders;
  const WgPerson *next = NULL;
  g_autofree char *expected = NULL;

  fixture_local (&f, "leader");
  g_assert_true (wg_demo_fill (f.context, &error));
  open_window (&f);
  g_assert_cmpstr (wg_window_get_connection_text (f.window), ==, "Local (no server)");
  g_assert_true (g_str_has_prefix (wg_window_get_duty_text (f.window), "On duty: "));

  /* The duty leader hands over, with the open emergencies and alarms in
   * the summary; the header follows. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f.window), "win.handover", NULL));
  settle ();
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      dialog = l->data;
  g_assert_nonnull (dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "Open emergencies: 2"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "Unacknowledged alarms: 1"));
  leaders = wg_reference_get_duty_leaders (f.reference);
  for (guint i = 0; i < leaders->len && next == NULL; i++)
    if (g_strcmp0 (((const WgPerson *) leaders->pdata[i])->account, "leader") != 0)
      next = leaders->pdata[i];
  g_assert_nonnull (next);
  adw_message_dialog_response (dialog, "handover");
  settle ();
  leader = wg_store_get_duty_leader (wg_context_get_store (f.context), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (leader, ==, next->account);
  expected = g_strdup_printf ("On duty: %s", next->name_zh);
  g_assert_cmpstr (wg_window_get_duty_text (f.window), ==, expected);

  fixture_clear (&f);
}

int
main (int   argc,
      char *argv[])
{
  if (!console_test_init (&argc, &argv))
    return g_test_run ();

  g_test_add_func ("/console/board-shows-store", test_board_shows_store);
  g_test_add_func ("/console/board-rows-grow", test_board_rows_grow);
  g_test_add_func ("/console/live-update-keeps-scroll-and-selection",
                   test_live_update_keeps_scroll_and_selection);
  g_test_add_func ("/console/filters-and-search", test_filters_and_search);
  g_test_add_func ("/console/mine-for-a-force", test_mine_for_a_force);
  g_test_add_func ("/console/column-sort", test_column_sort);
  g_test_add_func ("/console/recommender-order", test_recommender_order);
  g_test_add_func ("/console/recommender-own-worker", test_recommender_own_worker);
  g_test_add_func ("/console/actions-per-role-and-state", test_actions_per_role_and_state);
  g_test_add_func ("/console/detail-pane", test_detail_pane);
  g_test_add_func ("/console/intake-to-outbox", test_intake_to_outbox);
  g_test_add_func ("/console/dispatch-preselects-plan", test_dispatch_preselects_plan);
  g_test_add_func ("/console/dispatch-unit-taken", test_dispatch_unit_taken);
  g_test_add_func ("/console/alarm-banner", test_alarm_banner);
  g_test_add_func ("/console/alarm-banner-not-for-dispatcher", test_alarm_banner_not_for_dispatcher);
  g_test_add_func ("/console/header-and-handover", test_header_and_handover);
  return g_test_run ();
}
