/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Replay's seek (issue 17, Done-when (a)): at random moments of a
 * generated history the state a WgReplaySession reaches, seeking back and
 * forth in random order, equals a from-scratch projection of the journal
 * prefix (every event with ts <= t applied to an empty store, no
 * checkpoint), dump for dump.  The default suite runs 20 moments of a
 * month (with full checkpoints, dense delta checkpoints, damaged deltas,
 * none); built with REPLAY_YEAR (the slow suite) 200 moments of the
 * Helong year with the default checkpoints.  Built with AddressSanitizer
 * (CI's LeakSanitizer stage, where these took four minutes) the same
 * checks on 8 moments of ten days and 10 steps of play.
 */
#include "config.h"

#include <sqlite3.h>

#include "test-files.h"
#include "tests/common/test-sanitizer.h"
#include "wg-history.h"
#include "wg-replay-session.h"

#ifdef REPLAY_YEAR
#define MOMENTS 200
#define DAYS 365
#define CHECKPOINT_INTERVAL WG_STORE_DEFAULT_CHECKPOINT_INTERVAL
#else
#define MOMENTS TEST_SAMPLE (20, 8)
#define DAYS TEST_SAMPLE (30, 10)
/* Denser than the default, so that a month (or ten days: two) has some
 * to restore. */
#define CHECKPOINT_INTERVAL 500
#endif
/* Playing at 600x, a frame every 100 ms: steps of a minute. */
#define PLAY_STEPS TEST_SAMPLE (30, 10)
#define PLAY_STEP_MS 60000

static char *
demo_dir (void)
{
  const char *src = g_getenv ("WANGGE_SOURCE_DIR");

  if (src)
    return g_build_filename (src, "data", "demo", NULL);
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

typedef struct
{
  char      *dir;
  WgStore   *source;
  GPtrArray *events;   /* the whole journal, in seq order */
} History;

static void
history_clear (History *h)
{
  g_clear_pointer (&h->events, g_ptr_array_unref);
  g_clear_pointer (&h->source, wg_store_unref);
  test_rm_rf (h->dir);
  g_clear_pointer (&h->dir, g_free);
}

/* What the source's delta checkpoints suffer before the seeks, and
 * whether each seek has a session of its own (no image to start from: it
 * starts from a checkpoint and its deltas). */
typedef enum
{
  DELTAS_INTACT,
  DELTAS_INTACT_FRESH,
  /* Rows of deltas lost, a delta's checkpoint row gone. */
  DELTAS_DAMAGED,
  DELTAS_DAMAGED_FRESH,
} Deltas;

/* The generated journal of @days days, made once per process and shared
 * by the checks: generating (every command decided, as the server does)
 * is most of this test's time under LeakSanitizer, and the history is the
 * same for the same seed whatever the checkpoints. */
typedef struct
{
  char      *dir;
  WgStore   *store;    /* no checkpoints */
  GPtrArray *events;   /* the whole journal, in seq order */
  guint      days;
} Generated;

static Generated generated;

static void
generated_clear (void)
{
  g_clear_pointer (&generated.events, g_ptr_array_unref);
  g_clear_pointer (&generated.store, wg_store_unref);
  if (generated.dir != NULL)
    test_rm_rf (generated.dir);
  g_clear_pointer (&generated.dir, g_free);
}

static void
generate_once (guint days)
{
  g_autofree char *demo = demo_dir ();
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) ref = NULL;
  WgHistoryParams params;
  WgHistoryStats stats;
  gint64 after = 0;

  if (generated.store != NULL && generated.days == days)
    return;
  generated_clear ();
  ref = wg_reference_load_dir (demo, &error);
  g_assert_no_error (error);
  generated.days = days;
  generated.dir = g_dir_make_tmp ("wg-replay-generated-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (generated.dir, "journal.db", NULL);
  generated.store = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_set_checkpoint_interval (generated.store, 0);
  wg_store_set_delta_interval (generated.store, 0);
  wg_history_params_init_from_reference (&params, ref);
  params.seed = 42;
  params.anchor = "2026-11-28";
  params.days = days;
  if (!wg_history_generate (generated.store, NULL, ref, &params, &stats, &error))
    g_error ("generate: %s", error->message);

  generated.events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  for (;;)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (generated.store, after, 5000, &error);

      g_assert_no_error (error);
      if (page->len == 0)
        break;
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (generated.events, wg_event_ref (page->pdata[i]));
      after = ((WgEvent *) page->pdata[page->len - 1])->seq;
    }
  g_test_message ("%u days generated: %u events", days, generated.events->len);
  g_assert_cmpuint (generated.events->len, >, 1000);
}

static char *dump_checksum (WgStore *store);

/* A journal of its own with the generated history, fed one command's
 * events at a time (as generation appends them), so that its checkpoints
 * fall where generating with these intervals puts them; its state is the
 * generated one. */
static void
history_generate (History *h,
                  guint    days,
                  guint    checkpoint_interval,
                  guint    delta_interval)
{
  g_autofree char *path = NULL;
  g_autofree char *want = NULL, *got = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) units = NULL;
  guint i = 0;

  generate_once (days);
  h->dir = g_dir_make_tmp ("wg-replay-session-XXXXXX", &error);
  g_assert_no_error (error);
  h->events = g_ptr_array_ref (generated.events);
  /* Without checkpoints, the generated journal itself (sessions only
   * read their source). */
  if (checkpoint_interval == 0 && delta_interval == 0)
    {
      h->source = wg_store_ref (generated.store);
      return;
    }
  path = g_build_filename (h->dir, "journal.db", NULL);
  h->source = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_set_rules (h->source, wg_store_get_rules (generated.store));
  units = wg_store_list_units (generated.store, &error);
  g_assert_no_error (error);
  for (guint u = 0; u < units->len; u++)
    {
      WgUnitRecord *unit = units->pdata[u];

      wg_store_register_unit (h->source, unit->id, unit->type, unit->name, unit->home_grid, unit->account, &error);
      g_assert_no_error (error);
    }
  wg_store_set_checkpoint_interval (h->source, checkpoint_interval);
  wg_store_set_delta_interval (h->source, delta_interval);
  /* One transaction (a commit per command would be most of the time). */
  g_assert_true (wg_store_begin_without_savepoints (h->source, &error));
  while (i < generated.events->len)
    {
      g_autoptr(GPtrArray) command = g_ptr_array_new ();
      const char *id = ((WgEvent *) generated.events->pdata[i])->command;

      do
        g_ptr_array_add (command, generated.events->pdata[i++]);
      while (i < generated.events->len && g_strcmp0 (((WgEvent *) generated.events->pdata[i])->command, id) == 0);
      if (!wg_store_apply_events (h->source, command, &error))
        g_error ("apply: %s", error->message);
    }
  g_assert_true (wg_store_commit (h->source, &error));
  want = dump_checksum (generated.store);
  got = dump_checksum (h->source);
  g_assert_cmpstr (got, ==, want);

  g_test_message ("%u days: %u events, %u checkpoints", days, h->events->len,
                  wg_store_count_checkpoints (h->source));
}

/* An empty store with the source's units (reference columns only), as a
 * console cache starts. */
static WgStore *
empty_projection (History    *h,
                  const char *name)
{
  g_autofree char *path = g_build_filename (h->dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) units = wg_store_list_units (h->source, &error);
  WgStore *store;

  g_assert_no_error (error);
  test_rm_rf (path);
  store = wg_store_open (path, &error);
  g_assert_no_error (error);
  wg_store_set_rules (store, wg_store_get_rules (h->source));
  wg_store_set_checkpoint_interval (store, 0);
  for (guint i = 0; i < units->len; i++)
    {
      WgUnitRecord *unit = units->pdata[i];

      wg_store_register_unit (store, unit->id, unit->type, unit->name, unit->home_grid, unit->account, &error);
      g_assert_no_error (error);
    }
  return store;
}

/* Applies the events from *@next with ts <= @t to @store. */
static void
apply_until (History *h,
             WgStore *store,
             guint   *next,
             gint64   t)
{
  g_autoptr(GPtrArray) batch = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  while (*next < h->events->len && ((WgEvent *) h->events->pdata[*next])->ts <= t)
    g_ptr_array_add (batch, h->events->pdata[(*next)++]);
  if (batch->len > 0 && !wg_store_apply_events (store, batch, &error))
    g_error ("apply: %s", error->message);
}

static char *
dump_checksum (WgStore *store)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dump = wg_store_dump_state (store, &error);

  g_assert_no_error (error);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, dump, -1);
}

static void
report_difference (History *h,
                   WgStore *state,
                   gint64   t)
{
  g_autoptr(WgStore) scratch = empty_projection (h, "difference.db");
  g_autoptr(GError) error = NULL;
  g_autofree char *want = NULL, *got = NULL;
  g_auto(GStrv) want_lines = NULL, got_lines = NULL;
  guint next = 0, i;

  apply_until (h, scratch, &next, t);
  want = wg_store_dump_state (scratch, &error);
  g_assert_no_error (error);
  got = wg_store_dump_state (state, &error);
  g_assert_no_error (error);
  want_lines = g_strsplit (want, "\n", -1);
  got_lines = g_strsplit (got, "\n", -1);
  for (i = 0; want_lines[i] != NULL && got_lines[i] != NULL; i++)
    if (g_strcmp0 (want_lines[i], got_lines[i]) != 0)
      break;
  g_error ("state at %" G_GINT64_FORMAT " differs at line %u:\n got: %s\nwant: %s", t, i,
           got_lines[i] ? got_lines[i] : "(end)", want_lines[i] ? want_lines[i] : "(end)");
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gint64
count_deltas (WgStore *store)
{
  sqlite3_stmt *stmt;
  gint64 n;

  g_assert_cmpint (sqlite3_prepare_v2 (wg_store_get_sqlite (store),
                                       "SELECT count(*) FROM checkpoints WHERE base IS NOT NULL", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

#ifndef REPLAY_YEAR
/* The third delta loses its rows of deadlines (its count no longer
 * matches), the sixth its checkpoint row (a gap in the chain), the ninth
 * its tombstones and rows of incidents. */
static void
damage_deltas (WgStore *store)
{
  g_assert_cmpint (count_deltas (store), >=, 9);
  g_assert_cmpint (sqlite3_exec (wg_store_get_sqlite (store),
                                 "DELETE FROM cp_deadlines WHERE cp ="
                                 " -(SELECT seq FROM checkpoints WHERE base IS NOT NULL ORDER BY seq LIMIT 1 OFFSET 2);"
                                 "DELETE FROM cp_incidents WHERE cp ="
                                 " -(SELECT seq FROM checkpoints WHERE base IS NOT NULL ORDER BY seq LIMIT 1 OFFSET 8);"
                                 "DELETE FROM checkpoints WHERE seq ="
                                 " (SELECT seq FROM checkpoints WHERE base IS NOT NULL ORDER BY seq LIMIT 1 OFFSET 5);",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (wg_store_get_sqlite (store)), ==, 1);
}
#endif

/* Seeks @h's session to @moments moments (the same ones for the same
 * history) and to the steps of a play, each compared with a projection
 * from scratch.  Sessions only read their source: one history serves
 * several checks. */
static void
check_history (History *h,
               guint    moments,
               Deltas   deltas)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) play = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autoptr(WgStore) baseline = NULL;
  g_autoptr(WgReplaySession) session = NULL;
  g_autoptr(GError) error = NULL;
  gint64 first_ts, last_ts;
  guint next = 0;

  first_ts = ((WgEvent *) h->events->pdata[0])->ts;
  last_ts = ((WgEvent *) h->events->pdata[h->events->len - 1])->ts;

  /* Moments anywhere, on an event's own ts (an event at t belongs to t)
   * and just before one, before the first event and after the last. */
  for (guint i = 0; i < moments; i++)
    {
      gint64 t;

      switch (i % 4)
        {
        case 0:
        case 1:
          t = first_ts + (gint64) (g_rand_double (rand) * (last_ts - first_ts));
          break;
        default:
          t = ((WgEvent *) h->events->pdata[g_rand_int_range (rand, 0, h->events->len)])->ts - (i % 4 == 3);
          break;
        }
      g_array_append_val (times, t);
    }
  {
    gint64 edges[] = { first_ts - 1, last_ts + 1 };

    g_array_append_vals (times, edges, G_N_ELEMENTS (edges));
  }
  {
    gint64 t = first_ts + (gint64) (g_rand_double (rand) * (last_ts - first_ts));

    for (guint i = 0; i < PLAY_STEPS; i++, t += PLAY_STEP_MS)
      g_array_append_val (play, t);
  }

  /* The expected states, projected from scratch in time order. */
  {
    g_autoptr(GArray) sorted = g_array_copy (times);

    g_array_append_vals (sorted, play->data, play->len);
    g_array_sort (sorted, compare_gint64);
    baseline = empty_projection (h, "baseline.db");
    for (guint i = 0; i < sorted->len; i++)
      {
        gint64 t = g_array_index (sorted, gint64, i);

        if (g_hash_table_contains (expected, &t))
          continue;
        apply_until (h, baseline, &next, t);
        g_hash_table_insert (expected, g_memdup2 (&t, sizeof t), dump_checksum (baseline));
      }
  }

  session = wg_replay_session_new (h->source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wg_replay_session_get_seq (session), ==, 0);

  /* Back and forth in random order. */
  for (guint i = times->len; i > 1; i--)
    {
      guint j = g_rand_int_range (rand, 0, i);
      gint64 swap = g_array_index (times, gint64, i - 1);

      g_array_index (times, gint64, i - 1) = g_array_index (times, gint64, j);
      g_array_index (times, gint64, j) = swap;
    }
  /* Then played forward in small steps. */
  g_array_append_vals (times, play->data, play->len);
  for (guint i = 0; i < times->len; i++)
    {
      gint64 t = g_array_index (times, gint64, i);
      g_autofree char *got = NULL;

      if (deltas == DELTAS_INTACT_FRESH || deltas == DELTAS_DAMAGED_FRESH)
        {
          g_clear_pointer (&session, wg_replay_session_free);
          session = wg_replay_session_new (h->source, &error);
          g_assert_no_error (error);
        }
      if (!wg_replay_session_seek (session, t, NULL, &error))
        g_error ("seek to %" G_GINT64_FORMAT ": %s", t, error->message);
      g_assert_cmpint (wg_replay_session_get_time (session), ==, t);
      got = dump_checksum (wg_replay_session_get_state (session));
      if (g_strcmp0 (got, g_hash_table_lookup (expected, &t)) != 0)
        report_difference (h, wg_replay_session_get_state (session), t);
      g_assert_cmpint (wg_replay_session_get_seq (session), ==,
                       wg_store_get_projected_seq (wg_replay_session_get_state (session)));
    }

  g_clear_pointer (&session, wg_replay_session_free);
  g_clear_pointer (&baseline, wg_store_unref);
}

static void
check_moments (guint  days,
               guint  moments,
               guint  checkpoint_interval,
               guint  delta_interval,
               Deltas deltas)
{
  History h = { 0 };

  history_generate (&h, days, checkpoint_interval, delta_interval);
  if (delta_interval > 0 && checkpoint_interval > 0)
    g_assert_cmpint (count_deltas (h.source), >, 0);
  check_history (&h, moments, deltas);
  history_clear (&h);
}

static void
test_moments (void)
{
  check_moments (DAYS, MOMENTS, CHECKPOINT_INTERVAL, WG_STORE_DEFAULT_DELTA_INTERVAL, DELTAS_INTACT);
}

#ifndef REPLAY_YEAR
/* Without checkpoints, every move back starts from the session's own
 * images (or from nothing). */
static void
test_without_checkpoints (void)
{
  check_moments (DAYS, MOMENTS, 0, 0, DELTAS_INTACT);
}

/* Ten days (about 1,100 events, 11 deltas in a chain from the one full
 * checkpoint) show what thirty would: CI runs these under LeakSanitizer
 * with a full stack per allocation, where thirty days took minutes. */
#define DELTA_DAYS 10

/* A delta every 100 events.  One full checkpoint: a new session reaches
 * each moment through a chain of deltas, a long one for a far moment.  A
 * full one every 1,000 events: one session goes on from its images
 * through the deltas, across the full checkpoints. */
static void
test_deltas (void)
{
  check_moments (DELTA_DAYS, MOMENTS, WG_STORE_DEFAULT_CHECKPOINT_INTERVAL, 100, DELTAS_INTACT_FRESH);
  check_moments (DELTA_DAYS, MOMENTS, 1000, 100, DELTAS_INTACT);
}

/* A damaged or missing delta costs time, never the truth: the session
 * projects the events instead.  One history, damaged once, for a new
 * session at each moment and for one session through them all. */
static void
test_damaged_deltas (void)
{
  History h = { 0 };

  history_generate (&h, DELTA_DAYS, WG_STORE_DEFAULT_CHECKPOINT_INTERVAL, 100);
  g_assert_cmpint (count_deltas (h.source), >, 0);
  damage_deltas (h.source);
  check_history (&h, MOMENTS, DELTAS_DAMAGED_FRESH);
  check_history (&h, MOMENTS, DELTAS_DAMAGED);
  history_clear (&h);
}

/* A seek given up on the way (a newer one asked while it runs) stops
 * between two steps, its state whole up to its seq; the next seek goes on
 * from there to the same state as a projection from scratch. */
static void
test_cancelled (void)
{
  History h = { 0 };
  g_autoptr(WgReplaySession) session = NULL;
  g_autoptr(GCancellable) cancelled = g_cancellable_new ();
  g_autoptr(WgStore) scratch = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *want = NULL, *got = NULL;
  gint64 t;
  guint next = 0;

  history_generate (&h, DELTA_DAYS, 0, 0);
  t = ((WgEvent *) h.events->pdata[h.events->len - 1])->ts;
  session = wg_replay_session_new (h.source, &error);
  g_assert_no_error (error);
  g_cancellable_cancel (cancelled);
  g_assert_false (wg_replay_session_seek (session, t, cancelled, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  /* One step of 500 events, then it stopped. */
  g_assert_cmpint (wg_replay_session_get_seq (session), ==, 500);
  g_assert_true (wg_replay_session_seek (session, t, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wg_replay_session_get_seq (session), ==, ((WgEvent *) h.events->pdata[h.events->len - 1])->seq);
  scratch = empty_projection (&h, "scratch.db");
  apply_until (&h, scratch, &next, t);
  want = dump_checksum (scratch);
  got = dump_checksum (wg_replay_session_get_state (session));
  g_assert_cmpstr (got, ==, want);
  g_clear_pointer (&scratch, wg_store_unref);
  g_clear_pointer (&session, wg_replay_session_free);
  history_clear (&h);
}
#endif

int
main (int   argc,
      char *argv[])
{
  /* --part=1: all but the damaged deltas; --part=2: only those (half the
   * time: two meson tests that run side by side); neither: everything. */
  const char *part = argc > 1 && g_str_has_prefix (argv[argc - 1], "--part=") ? argv[argc - 1] + 7 : "";
  int status;

  if (*part != '\0')
    argc--;
  g_test_init (&argc, &argv, NULL);
  if (!g_str_equal (part, "2"))
    g_test_add_func ("/replay-session/moments", test_moments);
#ifndef REPLAY_YEAR
  if (!g_str_equal (part, "2"))
    {
      g_test_add_func ("/replay-session/without-checkpoints", test_without_checkpoints);
      g_test_add_func ("/replay-session/deltas", test_deltas);
    }
  if (!g_str_equal (part, "1"))
    {
      g_test_add_func ("/replay-session/damaged-deltas", test_damaged_deltas);
      g_test_add_func ("/replay-session/cancelled", test_cancelled);
    }
#endif
  status = g_test_run ();
  generated_clear ();
  return status;
}
