/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replay's picture at random moments of a generated history (issue 17,
 * Done-when (b)): a console whose cache is the generated journal opens
 * Replay; at each moment, in random order (back and forth), what the
 * replay's window shows equals what this test works out from the journal
 * events up to t by itself: the board's rows (the open incidents), the
 * state and time-left texts of the rows on screen, the map's incidents
 * and the grids pulsing for an unacknowledged emergency, and the alarm
 * banner (the oldest unacknowledged alarm, its elapsed time).  The
 * timeline's ticks, read off the main loop, are the journal's events.
 * The default suite runs 20 moments of a month; built with REPLAY_YEAR
 * (the slow suite) 200 moments of the Helong year.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "console-test-util.h"
#include "wg-console-util.h"
#include "wg-history.h"
#include "wg-replay-bar.h"
#include "wg-replay-bookmarks.h"
#include "wg-replay-session.h"
#include "wg-replay-window.h"
#include "wg-test-server.h"

#ifdef REPLAY_YEAR
#define MOMENTS 200
#define DAYS 365
#else
#define MOMENTS 20
#define DAYS 30
#endif

/* The board's columns (wg-incident-board.c): case number, state, time left. */
#define COLUMN_CASE 0
#define COLUMN_STATE 4
#define COLUMN_LEFT 6

static char *data_home;

static char *
demo_dir (void)
{
  const char *src = g_getenv ("WANGGE_SOURCE_DIR");

  if (src)
    return g_build_filename (src, "data", "demo", NULL);
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

/* An incident as the journal says it stands at t. */
typedef struct
{
  char            *id;
  char            *case_number;
  char            *grid;
  WgGrade          grade;
  WgIncidentState  state;
  WgAlarmState     alarm;
  gboolean         has_alarm;
  gint64           reported_at;
  gint64           deadline;   /* of the current step; 0: none */
} Expected;

static void
expected_free (Expected *e)
{
  g_free (e->id);
  g_free (e->case_number);
  g_free (e->grid);
  g_free (e);
}

static WgIncidentState
state_named (WgEvent *event)
{
  WgIncidentState state;

  g_assert_true (wg_incident_state_from_string (wg_event_get_body_string (event, "state"), &state));
  return state;
}

/* A body with "step" starts that step with its "deadline" (none when the
 * step is null): the time left on the board counts to it. */
static void
take_step (Expected *e,
           WgEvent  *event)
{
  if (!json_object_has_member (event->body, "step"))
    return;
  e->deadline = wg_event_get_body_string (event, "step") != NULL ? MAX (wg_event_get_body_int (event, "deadline"), 0)
                                                                 : 0;
}

/* Every incident of the events with ts <= @t (Expected*, in report
 * order), from the events' types and bodies as protocol.md states them. */
static GPtrArray *
expected_at (GPtrArray *journal,
             gint64     t,
             gint64    *last_seq)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) expected_free);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);

  *last_seq = 0;
  for (guint i = 0; i < journal->len; i++)
    {
      WgEvent *event = journal->pdata[i];
      Expected *e;

      if (event->ts > t)
        break;
      *last_seq = event->seq;
      if (event->type == WG_EV_INCIDENT_REPORTED)
        {
          e = g_new0 (Expected, 1);
          e->id = g_strdup (event->subject);
          e->case_number = g_strdup (wg_event_get_body_string (event, "case_number"));
          e->grid = g_strdup (wg_event_get_body_string (event, "grid"));
          g_assert_true (wg_grade_from_string (wg_event_get_body_string (event, "grade"), &e->grade));
          e->state = WG_STATE_REPORTED;
          e->reported_at = event->ts;
          take_step (e, event);
          g_ptr_array_add (list, e);
          g_hash_table_insert (by_id, e->id, e);
          continue;
        }
      e = g_hash_table_lookup (by_id, event->subject);
      if (e == NULL)
        continue;
      switch (event->type)
        {
        case WG_EV_ALARM_RAISED:
          e->has_alarm = TRUE;
          e->alarm = WG_ALARM_RAISED;
          break;
        case WG_EV_ALARM_ESCALATED:
          e->alarm = WG_ALARM_ESCALATED;
          break;
        case WG_EV_ALARM_ACKNOWLEDGED:
          e->alarm = WG_ALARM_ACKNOWLEDGED;
          break;
        case WG_EV_INCIDENT_CLOSED:
          e->state = WG_STATE_CLOSED;
          e->deadline = 0;
          break;
        case WG_EV_INCIDENT_CANCELLED:
          e->state = WG_STATE_CANCELLED;
          e->deadline = 0;
          break;
        case WG_EV_INCIDENT_MERGED:
          e->state = WG_STATE_MERGED;
          e->deadline = 0;
          break;
        case WG_EV_INCIDENT_ROUTED:
        case WG_EV_INCIDENT_REJECTION_DENIED:
          e->state = WG_STATE_ROUTED;
          break;
        case WG_EV_INCIDENT_REJECTION_REQUESTED:
          e->state = WG_STATE_REJECTION_PENDING;
          break;
        case WG_EV_INCIDENT_ACCEPTED:
        case WG_EV_INCIDENT_VERIFICATION_FAILED:
          e->state = WG_STATE_ACCEPTED;
          break;
        case WG_EV_INCIDENT_REJECTED:
          e->state = WG_STATE_REJECTED;
          break;
        case WG_EV_INCIDENT_FEEDBACK_GIVEN:
          e->state = WG_STATE_FEEDBACK_GIVEN;
          break;
        case WG_EV_INCIDENT_VERIFIED:
          e->state = WG_STATE_VERIFIED;
          break;
        case WG_EV_INCIDENT_RESOLVED:
          e->state = WG_STATE_RESOLVED;
          break;
        case WG_EV_INCIDENT_DISPATCHED:
          e->state = WG_STATE_DISPATCHED;
          break;
        case WG_EV_INCIDENT_ON_SCENE:
          e->state = WG_STATE_ON_SCENE;
          break;
        case WG_EV_INCIDENT_SUSPENDED:
          e->state = WG_STATE_SUSPENDED;
          break;
        case WG_EV_INCIDENT_RESUMED:
        case WG_EV_INCIDENT_REWORKED:
          e->state = state_named (event);
          break;
        case WG_EV_INCIDENT_MEDIATED:
          if (wg_event_get_body_string (event, "state") != NULL)
            e->state = state_named (event);
          break;
        case WG_EV_INCIDENT_UPGRADED:
          e->grade = WG_GRADE_EMERGENCY;
          e->state = WG_STATE_REPORTED;
          break;
        case WG_EV_INCIDENT_REGRADED:
          g_assert_true (wg_grade_from_string (wg_event_get_body_string (event, "to"), &e->grade));
          break;
        case WG_EV_INCIDENT_DOWNGRADED:
          g_assert_true (wg_grade_from_string (wg_event_get_body_string (event, "to"), &e->grade));
          e->state = state_named (event);
          e->has_alarm = FALSE;
          break;
        case WG_EV_INCIDENT_EXTENDED:
          e->deadline = wg_event_get_body_int (event, "deadline");
          break;
        default:
          break;
        }
      /* These announce the step they start (or end) in their body. */
      switch (event->type)
        {
        case WG_EV_INCIDENT_ROUTED:
        case WG_EV_INCIDENT_ACCEPTED:
        case WG_EV_INCIDENT_REJECTED:
        case WG_EV_INCIDENT_FEEDBACK_GIVEN:
        case WG_EV_INCIDENT_VERIFIED:
        case WG_EV_INCIDENT_VERIFICATION_FAILED:
        case WG_EV_INCIDENT_RESOLVED:
        case WG_EV_INCIDENT_DISPATCHED:
        case WG_EV_INCIDENT_ON_SCENE:
        case WG_EV_INCIDENT_RESUMED:
        case WG_EV_INCIDENT_UPGRADED:
        case WG_EV_INCIDENT_MEDIATED:
        case WG_EV_INCIDENT_REGRADED:
        case WG_EV_INCIDENT_EXTENSION_REQUESTED:
        case WG_EV_INCIDENT_EXTENSION_DECLINED:
        case WG_EV_INCIDENT_SUPERVISED:
        case WG_EV_INCIDENT_SUPERVISION_ANSWERED:
        case WG_EV_INCIDENT_CALLED_BACK:
        case WG_EV_INCIDENT_REWORKED:
        case WG_EV_INCIDENT_DOWNGRADED:
          take_step (e, event);
          break;
        default:
          break;
        }
    }
  return list;
}

static gboolean
unacknowledged (const Expected *e)
{
  return wg_incident_state_is_open (e->state) && e->has_alarm &&
         (e->alarm == WG_ALARM_RAISED || e->alarm == WG_ALARM_ESCALATED);
}

static char *
time_left_text (const Expected *e,
                gint64          t)
{
  if (!wg_incident_state_is_open (e->state) || e->deadline <= 0)
    return g_strdup ("–");
  return wg_format_duration (e->deadline - t);
}

/* The board's rows on screen (their cells' labels, in column order). */
static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (g_str_equal (gtk_widget_get_css_name (child), "row") && gtk_widget_get_mapped (child))
        {
          GPtrArray *labels = g_ptr_array_new ();

          for (GtkWidget *cell = gtk_widget_get_first_child (child); cell != NULL;
               cell = gtk_widget_get_next_sibling (cell))
            {
              GtkWidget *label = gtk_widget_get_first_child (cell);

              g_assert_true (GTK_IS_LABEL (label));
              g_ptr_array_add (labels, label);
            }
          g_ptr_array_add (rows, labels);
        }
      else
        collect_rows (child, rows);
    }
}

/* What the checks covered, for the log. */
typedef struct
{
  guint rows;
  guint open;
  guint alarms;
} Covered;

static void
assert_shows (WgWindow  *window,
              GPtrArray *journal,
              gint64     t,
              Covered   *covered)
{
  WgReplay *replay = wg_replay_window_get_replay (window);
  gint64 last_seq;
  g_autoptr(GPtrArray) expected = expected_at (journal, t, &last_seq);
  g_autoptr(GHashTable) by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) by_case = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) pulsing = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  WgIncidentBoard *board = wg_window_get_board (window);
  GListModel *board_rows = wg_incident_board_get_rows (board);
  WgIncidentModel *model = wg_window_get_model (window);
  WgGridLayer *grids = wg_map_view_get_grid_layer (wg_window_get_map_view (window));
  WgAlarmBanner *banner = wg_window_get_alarm_banner (window);
  const Expected *oldest_alarm = NULL;
  guint n_open = 0;

  g_assert_cmpint (wg_replay_get_time (replay), ==, t);
  g_assert_cmpint (wg_replay_get_seq (replay), ==, last_seq);
  for (guint i = 0; i < expected->len; i++)
    {
      const Expected *e = expected->pdata[i];

      g_hash_table_insert (by_id, e->id, (gpointer) e);
      g_hash_table_insert (by_case, e->case_number, (gpointer) e);
      n_open += wg_incident_state_is_open (e->state);
      if (unacknowledged (e) && (oldest_alarm == NULL || e->reported_at < oldest_alarm->reported_at))
        oldest_alarm = e;
      if (unacknowledged (e) && e->grade == WG_GRADE_EMERGENCY && e->grid != NULL)
        g_hash_table_add (pulsing, e->grid);
    }

  /* The map: every incident reported by t, grids pulsing for exactly the
   * unacknowledged emergencies. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, expected->len);
  g_assert_cmpuint (g_list_model_get_n_items (wg_incident_model_get_map_model (model)), ==, expected->len);
  {
    GPtrArray *all_grids = wg_reference_get_grids (wg_context_get_reference (wg_replay_get_context (replay)));

    for (guint i = 0; i < all_grids->len; i++)
      {
        const char *code = ((WgGrid *) all_grids->pdata[i])->code;

        g_assert_cmpint (!!(wg_grid_layer_get_state (grids, code) & WG_GRID_STATE_UNACKNOWLEDGED), ==,
                         g_hash_table_contains (pulsing, code));
      }
  }

  /* The board: the open incidents, each in its state with its deadline. */
  g_assert_cmpuint (wg_incident_board_get_filters (board), ==, WG_BOARD_FILTER_OPEN);
  g_assert_cmpuint (g_list_model_get_n_items (board_rows), ==, n_open);
  for (guint i = 0; i < g_list_model_get_n_items (board_rows); i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (board_rows, i);
      const WgIncidentRecord *r = wg_incident_item_get_record (item);
      const Expected *e = g_hash_table_lookup (by_id, r->id);

      g_assert_nonnull (e);
      g_assert_cmpstr (wg_incident_state_to_string (r->state), ==, wg_incident_state_to_string (e->state));
      g_assert_cmpint (r->deadline > 0 ? r->deadline : 0, ==, e->deadline);
      g_assert_cmpint (wg_incident_item_is_unacknowledged (item), ==, unacknowledged (e));
    }

  /* The rows on screen, as a person reads them (a loaded machine may take
   * a few frames to lay out a refilled board). */
  collect_rows (GTK_WIDGET (wg_incident_board_get_column_view (board)), rows);
  for (guint wait = 0; rows->len < MIN (n_open, 5) && wait < 100; wait++)
    {
      wg_test_iterate_for (50);
      g_ptr_array_set_size (rows, 0);
      collect_rows (GTK_WIDGET (wg_incident_board_get_column_view (board)), rows);
    }
  g_assert_cmpuint (rows->len, >=, MIN (n_open, 5));
  for (guint i = 0; i < rows->len; i++)
    {
      GPtrArray *labels = rows->pdata[i];
      const Expected *e;
      g_autofree char *left = NULL;

      g_assert_cmpuint (labels->len, >, COLUMN_LEFT);
      e = g_hash_table_lookup (by_case, gtk_label_get_label (labels->pdata[COLUMN_CASE]));
      g_assert_nonnull (e);
      g_assert_true (wg_incident_state_is_open (e->state));
      left = time_left_text (e, t);
      g_assert_cmpstr (gtk_label_get_label (labels->pdata[COLUMN_STATE]), ==, wg_incident_state_label (e->state));
      g_assert_cmpstr (gtk_label_get_label (labels->pdata[COLUMN_LEFT]), ==, left);
    }

  /* The banner: the oldest unacknowledged alarm, for as long as it has
   * waited at t. */
  g_assert_cmpstr (wg_alarm_banner_get_incident (banner), ==, oldest_alarm != NULL ? oldest_alarm->id : NULL);
  covered->rows += rows->len;
  covered->open += n_open;
  covered->alarms += oldest_alarm != NULL;
  if (oldest_alarm != NULL)
    {
      g_autofree char *elapsed = wg_format_duration (t - oldest_alarm->reported_at);

      g_assert_nonnull (strstr (wg_alarm_banner_get_text (banner), elapsed));
    }
}

static GPtrArray *
read_journal (WgStore *store)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  gint64 after = 0;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) page = wg_store_read_journal (store, after, 5000, &error);

      g_assert_no_error (error);
      if (page->len == 0)
        return events;
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (events, wg_event_ref (page->pdata[i]));
      after = ((WgEvent *) page->pdata[page->len - 1])->seq;
    }
}

/* The Replay action's window, opened beside Live. */
static WgWindow *
find_replay_window (gpointer app)
{
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (WG_IS_WINDOW (l->data) && wg_replay_window_get_replay (l->data) != NULL)
      return l->data;
  return NULL;
}

static gboolean
has_replay_window (gpointer app)
{
  return find_replay_window (app) != NULL;
}

static gboolean
ticks_loaded (gpointer replay)
{
  return wg_replay_get_ticks_loaded (replay);
}

static gboolean
settled (gpointer replay)
{
  return wg_replay_is_settled (replay);
}

/* The state the replay shows equals a synchronous session's at @t (what
 * the replay did on the main loop before), dump for dump. */
static void
assert_state_equals_sync (WgReplay        *replay,
                          WgReplaySession *sync,
                          gint64           t)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *want = NULL, *got = NULL;

  g_assert_true (wg_replay_session_seek (sync, t, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wg_replay_get_seq (replay), ==, wg_replay_session_get_seq (sync));
  want = wg_store_dump_state (wg_replay_session_get_state (sync), &error);
  g_assert_no_error (error);
  /* Read here while the worker is idle (settled): a test's look only. */
  got = wg_store_dump_state (wg_context_get_store (wg_replay_get_context (replay)), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, want);
}

typedef struct
{
  WgReplay   *replay;
  const char *incident;
} MomentsWait;

static gboolean
has_key_moments (gpointer data)
{
  MomentsWait *wait = data;
  g_autoptr(GArray) moments = wg_replay_key_moments (wait->replay, wait->incident);

  return moments->len > 0;
}

static void
bookmark_added_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wg_replay_bookmarks_add_finish (WG_REPLAY_BOOKMARKS (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
bookmarks_exported_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wg_replay_bookmarks_export_finish (WG_REPLAY_BOOKMARKS (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer flag)
{
  return *(gboolean *) flag;
}

static void
count_cb (guint *n)
{
  (*n)++;
}

static void
test_moments (void)
{
  g_autofree char *demo = demo_dir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-replay-year-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(WgReference) reference = NULL;
  g_autoptr(WgActor) actor = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgApplication) app = NULL;
  g_autoptr(WgContext) context = NULL;
  g_autoptr(GPtrArray) journal = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  WgHistoryParams params;
  WgHistoryStats stats;
  WgWindow *live, *window;
  WgReplay *replay;
  g_autoptr(WgReplaySession) sync = NULL;
  GArray *ticks;
  Covered covered = { 0 };
  gint64 first_ts, last_ts;

  g_assert_no_error (error);
  reference = wg_reference_load_dir (demo, &error);
  g_assert_no_error (error);
  {
    g_autoptr(WgStore) store = wg_store_open (path, &error);

    g_assert_no_error (error);
    wg_history_params_init_from_reference (&params, reference);
    params.seed = 42;
    params.anchor = "2026-11-28";
    params.days = DAYS;
    if (!wg_history_generate (store, NULL, reference, &params, &stats, &error))
      g_error ("generate: %s", error->message);
    journal = read_journal (store);
  }
  g_test_message ("%u days: %u events", DAYS, journal->len);
  g_assert_cmpuint (journal->len, >, 1000);
  first_ts = ((WgEvent *) journal->pdata[0])->ts;
  last_ts = ((WgEvent *) journal->pdata[journal->len - 1])->ts;

  /* The console over that journal, its Replay opened. */
  app = wg_application_new (G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  context = wg_context_new_local (reference, path, actor, &error);
  g_assert_no_error (error);
  live = wg_window_new_with_context (app, context);
  gtk_window_set_default_size (GTK_WINDOW (live), 1920, 1080);
  gtk_window_present (GTK_WINDOW (live));
  /* No SQL on the main loop from the Replay action to its first picture
   * (the timeline's ticks, the state at its start, a frame). */
  {
    WgStore *counted[] = { wg_context_get_store (context), NULL };
    gint64 start = g_get_monotonic_time ();

    guint n_connections = 0;

    /* And every connection opened meanwhile (its own to the cache, its
     * state store). */
    console_test_count_main_sql_begin (counted, TRUE);
    gtk_widget_activate_action (GTK_WIDGET (live), "win.replay", NULL);
    g_assert_true (wg_test_iterate_until (has_replay_window, app, 30000));
    window = find_replay_window (app);
    gtk_window_set_default_size (GTK_WINDOW (window), 1920, 1080);
    replay = wg_replay_window_get_replay (window);
    g_assert_true (wg_test_iterate_until (ticks_loaded, replay, 60000));
    g_assert_true (wg_test_iterate_until (settled, replay, 30000));
    wg_test_iterate_for (60);
    g_assert_cmpuint (console_test_count_main_sql_end (counted, &n_connections), ==, 0);
    g_test_message ("Replay opened in %.0f ms, %u connections opened",
                    (g_get_monotonic_time () - start) / 1000.0, n_connections);
    g_assert_cmpuint (n_connections, >=, 2);
  }
  {
    g_autoptr(WgStore) source = wg_store_open (path, &error);

    g_assert_no_error (error);
    sync = wg_replay_session_new (source, &error);
    g_assert_no_error (error);
  }

  /* The timeline's ticks come from the worker: the journal's events. */
  g_assert_true (wg_test_iterate_until (ticks_loaded, replay, 60000));
  ticks = wg_replay_get_ticks (replay);
  g_assert_cmpuint (ticks->len, ==, journal->len);
  for (guint i = 0; i < ticks->len; i++)
    {
      const WgReplayMoment *tick = &g_array_index (ticks, WgReplayMoment, i);
      WgEvent *event = journal->pdata[i];

      g_assert_cmpint (tick->seq, ==, event->seq);
      g_assert_cmpint (tick->ts, ==, event->ts);
      g_assert_cmpint (tick->type, ==, event->type);
    }

  /* Moments anywhere, on an event's own ts and just before one, and the
   * edges; then in random order. */
  for (guint i = 0; i < MOMENTS; i++)
    {
      gint64 t;

      if (i % 4 < 2)
        t = first_ts + (gint64) (g_rand_double (rand) * (last_ts - first_ts));
      else
        t = ((WgEvent *) journal->pdata[g_rand_int_range (rand, 0, journal->len)])->ts - (i % 4 == 3);
      g_array_append_val (times, t);
    }
  {
    gint64 edges[] = { first_ts - 1, last_ts };

    g_array_append_vals (times, edges, G_N_ELEMENTS (edges));
  }
  /* Alarms wait seconds, rarely a minute: a tenth more moments on the
   * raising of one, so that the banner is checked showing too. */
  {
    g_autoptr(GArray) raised = g_array_new (FALSE, FALSE, sizeof (gint64));

    for (guint i = 0; i < journal->len; i++)
      if (((WgEvent *) journal->pdata[i])->type == WG_EV_ALARM_RAISED)
        g_array_append_val (raised, ((WgEvent *) journal->pdata[i])->ts);
    g_assert_cmpuint (raised->len, >, 0);
    for (guint i = 0; i < MOMENTS / 10; i++)
      g_array_append_val (times, g_array_index (raised, gint64, g_rand_int_range (rand, 0, raised->len)));
  }
  for (guint i = times->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      gint64 swap = g_array_index (times, gint64, i - 1);

      g_array_index (times, gint64, i - 1) = g_array_index (times, gint64, j);
      g_array_index (times, gint64, j) = swap;
    }

  for (guint i = 0; i < times->len; i++)
    {
      gint64 t = g_array_index (times, gint64, i);

      wg_replay_seek (replay, t);
      /* The worker moves the state; then a frame: the board lays out the
       * rows of a refilled model. */
      g_assert_true (wg_test_iterate_until (settled, replay, 30000));
      wg_test_iterate_for (60);
      assert_shows (window, journal, t, &covered);
      assert_state_equals_sync (replay, sync, t);
    }
  g_test_message ("%u moments: %u open incidents on the board, %u rows on screen read, %u banners",
                  times->len, covered.open, covered.rows, covered.alarms);

  /* No SQL on the main loop while Replay scrubs (a seek a frame, 20 of
   * them), shows an incident's key moments and timeline, steps to its
   * next key moment, adds and lists a bookmark, exports the bookmarks as
   * CSV, and plays at 60x for 2 s:
   * the worker runs every statement. */
  {
    WgStore *counted[] = { wg_context_get_store (wg_replay_get_context (replay)), wg_context_get_store (context), NULL };
    WgReplayBar *bar = WG_REPLAY_BAR (wg_replay_window_get_bar (window));
    const char *incident = NULL;
    gboolean added = FALSE;
    gint64 t = 0;

    /* The replay's state store and the live cache's main connection; what
     * the replay's worker runs there is not counted. */
    console_test_count_main_sql_begin (counted, FALSE);
    for (guint i = 0; i < 20; i++)
      {
        t = first_ts + (last_ts - first_ts) * (gint64) (i + 1) / 21;
        wg_replay_seek (replay, t);
        wg_test_iterate_for (16);
      }
    g_assert_true (wg_test_iterate_until (settled, replay, 30000));
    for (guint i = 0; incident == NULL && i < journal->len; i++)
      if (((WgEvent *) journal->pdata[i])->type == WG_EV_INCIDENT_REPORTED && ((WgEvent *) journal->pdata[i])->ts < t)
        incident = ((WgEvent *) journal->pdata[i])->subject;
    g_assert_nonnull (incident);
    wg_view_model_set_selected_incident (wg_context_get_view_model (wg_replay_get_context (replay)), incident);
    g_assert_true (wg_test_iterate_until (has_key_moments, &(MomentsWait) { replay, incident }, 10000));
    g_assert_true (wg_test_iterate_until (settled, replay, 30000));
    /* Before the report: its first key moment is next. */
    wg_replay_seek (replay, first_ts - 1000);
    g_assert_true (wg_replay_step_moment (replay, incident, 1));
    g_assert_true (wg_test_iterate_until (settled, replay, 30000));
    wg_replay_bookmarks_add_async (wg_replay_bar_get_bookmarks (bar), "复盘标记", NULL, bookmark_added_cb, &added);
    g_assert_true (wg_test_iterate_until (is_true, &added, 10000));
    g_assert_true (wg_test_iterate_until (settled, replay, 30000));
    g_assert_cmpuint (wg_replay_bookmarks_get (wg_replay_bar_get_bookmarks (bar))->len, ==, 1);
    g_assert_cmpstr (((WgReplayBookmark *) wg_replay_bookmarks_get (wg_replay_bar_get_bookmarks (bar))->pdata[0])->incident,
                     ==, incident);
    /* Exported as CSV: the case number read on the worker, the file
     * written on a thread. */
    {
      g_autofree char *csv_path = g_build_filename (dir, "bookmarks.csv", NULL);
      g_autoptr(GFile) csv_file = g_file_new_for_path (csv_path);
      g_autofree char *csv = NULL;
      g_auto(WgIncidentRecord) record = { 0 };
      g_autofree char *row = NULL;
      gboolean exported = FALSE;

      wg_replay_bookmarks_export_async (wg_replay_bar_get_bookmarks (bar), csv_file, NULL,
                                        bookmarks_exported_cb, &exported);
      g_assert_true (wg_test_iterate_until (is_true, &exported, 10000));
      g_assert_true (g_file_get_contents (csv_path, &csv, NULL, NULL));
      console_test_count_main_sql_pause (TRUE);
      g_assert_true (wg_store_get_incident (wg_context_get_store (context), incident, &record, NULL));
      console_test_count_main_sql_pause (FALSE);
      row = g_strdup_printf (",%s,复盘标记,", record.case_number);
      g_assert_true (g_str_has_prefix (csv, "\xEF\xBB\xBF"));
      g_assert_nonnull (strstr (csv, row));
      g_assert_true (g_str_has_suffix (csv, "\r\n"));
    }
    wg_replay_set_rate (replay, 60.0);
    wg_test_iterate_for (2000);
    wg_replay_set_rate (replay, 0.0);
    g_assert_true (wg_test_iterate_until (settled, replay, 30000));
    g_assert_cmpuint (console_test_count_main_sql_end (counted, NULL), ==, 0);
  }

  /* The newest seek wins: twenty asked at once, only the last is shown
   * (those superseded are never applied late), and it is the same state
   * as a synchronous seek's. */
  {
    guint n_moved = 0;
    gulong handler = g_signal_connect_swapped (replay, "moved", G_CALLBACK (count_cb), &n_moved);
    gint64 t = 0;

    for (guint i = 0; i < 20; i++)
      {
        t = first_ts + (gint64) (g_rand_double (rand) * (last_ts - first_ts));
        wg_replay_seek (replay, t);
      }
    g_assert_true (wg_test_iterate_until (settled, replay, 30000));
    g_signal_handler_disconnect (replay, handler);
    g_assert_cmpuint (n_moved, ==, 1);
    wg_test_iterate_for (60);
    assert_shows (window, journal, t, &covered);
    assert_state_equals_sync (replay, sync, t);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  gtk_window_destroy (GTK_WINDOW (live));
  wg_test_iterate_for (100);
  g_clear_object (&context);
  test_rm_rf (dir);
}

/* Opening Replay over @context's cache fails with @code, and a sentence
 * that names the file. */
static void
assert_open_fails (WgContext  *context,
                   const char *path,
                   gint        code)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReplay) replay = NULL;

  wg_replay_new_async (context, NULL, console_test_keep_result, &result);
  g_assert_true (wg_test_iterate_until (console_test_has_result, &result, 10000));
  replay = wg_replay_new_finish (result, &error);
  g_assert_null (replay);
  g_assert_error (error, G_IO_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
}

/* The cache gone or damaged under a running console: Replay says so in
 * words (the Replay action shows them), and opens nothing. */
static void
test_broken_cache (void)
{
  g_autofree char *demo = demo_dir ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("wg-replay-broken-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "journal.db", NULL);
  g_autoptr(WgReference) reference = wg_reference_load_dir (demo, &error);
  g_autoptr(WgActor) actor = wg_actor_new ("leader", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgContext) context = NULL;

  g_assert_no_error (error);
  context = wg_context_new_local (reference, path, actor, &error);
  g_assert_no_error (error);

  /* Gone, its write-ahead log too (the console's connection keeps them). */
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *file = g_strconcat (path, (const char *[]) { "", "-wal", "-shm" }[i], NULL);

      g_assert_cmpint (g_unlink (file), ==, 0);
    }
  assert_open_fails (context, path, G_IO_ERROR_NOT_FOUND);
  g_assert_true (g_file_set_contents (path, "not a journal, only words\n", -1, NULL));
  g_test_expect_message ("wg-replay", G_LOG_LEVEL_MESSAGE, "Replay cannot read*");
  assert_open_fails (context, path, G_IO_ERROR_INVALID_DATA);
  g_test_assert_expected_messages ();

  g_clear_object (&context);
  test_rm_rf (dir);
}

int
main (int    argc,
      char **argv)
{
  int status;

  data_home = console_test_data_home ("wangge-replay-year-XXXXXX");
  if (!console_test_init (&argc, &argv))
    return g_test_run ();

  g_test_add_func ("/replay/broken-cache", test_broken_cache);
  g_test_add_func ("/replay/moments", test_moments);
  status = g_test_run ();
  test_rm_rf (data_home);
  return status;
}
