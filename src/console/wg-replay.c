/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-replay"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-cache-writer.h"
#include "wg-journal-ticks.h"
#include "wg-replay.h"
#include "wg-replay-session.h"
#include "wg-store-reference.h"

#define JOURNAL_PAGE 5000
/* A move over more events than this refills the views at once (one
 * ::cache-reset) rather than announcing each incident it touched. */
#define MAX_ANNOUNCED 2000

/* What the worker thread owns: the session, its state store and a
 * connection of its own to the cache (its journal).  Every job holds a
 * reference, so the last one may free it on the worker. */
typedef struct
{
  gint             ref;
  WgReplaySession *session;
  WgStore         *source;    /* opened with the session, off the main loop */
  gint             wanted;    /* the generation of the newest seek (atomic) */
} Worker;

struct _WgReplay
{
  GObject          parent_instance;

  WgContext       *live;
  WgStore         *cache;     /* the live cache, whose journal is replayed */
  WgContext       *context;   /* read-only, over the state store */
  WgStore         *state;
  GArray          *ticks;     /* WgReplayMoment of every event, seq order */
  gboolean         ticks_loaded;
  GCancellable    *cancellable;
  gint64           seq;       /* the last event in the state */
  gint64           from_ms;
  gint64           to_ms;
  gint64           bounds_from_ms;  /* the whole journal, with its margins */
  gint64           bounds_to_ms;
  /* With a session: seeks and the views' reads run one at a time on the
   * worker thread, in order, so that none runs SQL on the main loop. */
  GThreadPool     *pool;
  Worker          *worker;
  gint             generation; /* of the newest seek asked */
  gint64           asked_ms;   /* its moment */
  GCancellable    *seeking;    /* its own: cancelled by the next one */
  guint            in_flight;  /* jobs given, not yet answered */
  GHashTable      *key_moments; /* incident -> GArray of WgReplayMoment, read */
  GHashTable      *key_reading; /* incidents whose key moments are being read */
};

G_DEFINE_FINAL_TYPE (WgReplay, wg_replay, G_TYPE_OBJECT)

enum {
  MOVED,
  TICKS_LOADED,
  KEY_MOMENTS_READ,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The cache's live events with @after < seq <= @through, in order. */
static GPtrArray *
read_between (WgStore  *cache,
              gint64    after,
              gint64    through,
              GError  **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);

  while (after < through)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (cache, after, JOURNAL_PAGE, error);

      if (page == NULL)
        return NULL;
      if (page->len == 0)
        break;
      for (guint i = 0; i < page->len; i++)
        {
          WgEvent *event = page->pdata[i];

          after = event->seq;
          if (event->seq > through)
            break;
          /* Exercises keep a journal of their own: replay is the live one. */
          if (event->exercise == NULL)
            g_ptr_array_add (events, wg_event_ref (event));
        }
    }
  return g_steal_pointer (&events);
}

/* The seq of the last event with ts <= @t_ms (0: none). */
static gint64
seq_at (WgReplay *self,
        gint64    t_ms)
{
  guint lo = 0, hi = self->ticks->len;

  /* ts never goes back along the journal. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (self->ticks, WgReplayMoment, mid).ts <= t_ms)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo > 0 ? g_array_index (self->ticks, WgReplayMoment, lo - 1).seq : 0;
}

/* Without a session: the state projected here, forward by the events in
 * between, back by projecting again from the start. */
static gboolean
project_to (WgReplay   *self,
            gint64      seq,
            GPtrArray **batch_out,
            GError    **error)
{
  g_autoptr(GPtrArray) batch = NULL;

  if (seq < self->seq)
    {
      if (!wg_store_reset (self->state, wg_store_get_journal_id (self->state), error))
        return FALSE;
      self->seq = 0;
    }
  batch = read_between (self->cache, self->seq, seq, error);
  if (batch == NULL || (batch->len > 0 && !wg_store_apply_events (self->state, batch, error)))
    return FALSE;
  *batch_out = g_steal_pointer (&batch);
  return TRUE;
}

/* Tells the views the state now holds every event up to @seq: forward
 * by @changes (the incidents the events in between touched, read where
 * the state is), backward or a long way by a refill. */
static void
show_moved (WgReplay    *self,
            gint64       seq,
            gboolean     reset,
            WgChangeSet *changes)
{
  self->seq = seq;
  if (reset)
    g_signal_emit_by_name (self->context, "cache-reset");
  else if (changes != NULL && wg_change_set_get_events (changes)->len > 0)
    wg_context_changes_applied (self->context, changes);
  g_signal_emit (self, signals[MOVED], 0);
}

/* Without a session (a cache in memory, the demo): here, at once. */
static void
follow_here (WgReplay *self,
             gint64    t_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  gint64 before = self->seq;
  gint64 seq = seq_at (self, t_ms);

  if (seq != before && !project_to (self, seq, &batch, &error))
    {
      g_warning ("Could not replay up to %" G_GINT64_FORMAT ": %s", t_ms, error->message);
      return;
    }
  self->seq = seq;
  if (seq < before || (seq > before && (batch == NULL || batch->len > MAX_ANNOUNCED)))
    g_signal_emit_by_name (self->context, "cache-reset");
  else if (batch != NULL && batch->len > 0)
    wg_context_events_applied (self->context, batch);
  g_signal_emit (self, signals[MOVED], 0);
}

/* The worker */

static Worker *
worker_ref (Worker *worker)
{
  g_atomic_int_inc (&worker->ref);
  return worker;
}

static void
worker_unref (Worker *worker)
{
  if (!g_atomic_int_dec_and_test (&worker->ref))
    return;
  g_clear_pointer (&worker->session, wg_replay_session_free);
  g_clear_pointer (&worker->source, wg_store_unref);
  g_free (worker);
}

typedef enum
{
  JOB_SEEK,
  JOB_READ,
} JobKind;

typedef struct
{
  JobKind         kind;
  Worker         *worker;
  GTask          *task;
  /* a seek */
  gint64          t_ms;
  gint64          shown_seq; /* what the views showed when it was asked */
  gint            generation;
  GCancellable   *superseded;
  /* a read */
  gboolean        journal;
  WgCacheRead     read;
  gpointer        data;
  GDestroyNotify  data_free;
  GDestroyNotify  answer_free;
} Job;

static void
job_free (Job *job)
{
  if (job->data_free != NULL)
    job->data_free (job->data);
  g_clear_object (&job->task);
  g_clear_object (&job->superseded);
  worker_unref (job->worker);
  g_free (job);
}

/* A seek's answer. */
typedef struct
{
  gint         generation;
  gint64       seq;
  gboolean     reset;
  WgChangeSet *changes;
} Moved;

static void
moved_free (Moved *moved)
{
  g_clear_pointer (&moved->changes, wg_change_set_unref);
  g_free (moved);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Moved, moved_free)

static void
run_seek (Worker *worker,
          Job    *job)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) batch = NULL;
  Moved *moved;
  gint64 seq;

  /* Superseded before it began (a scrub): the newest seek wins. */
  if (job->generation != g_atomic_int_get (&worker->wanted))
    {
      g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "superseded");
      return;
    }
  /* Superseded while it runs: it stops at its next step. */
  if (!wg_replay_session_seek (worker->session, job->t_ms, job->superseded, &error))
    {
      g_task_return_error (job->task, g_steal_pointer (&error));
      return;
    }
  seq = wg_replay_session_get_seq (worker->session);
  moved = g_new0 (Moved, 1);
  moved->generation = job->generation;
  moved->seq = seq;
  if (seq > job->shown_seq && seq - job->shown_seq <= MAX_ANNOUNCED)
    {
      batch = read_between (worker->source, job->shown_seq, seq, &error);
      if (batch != NULL && batch->len <= MAX_ANNOUNCED)
        moved->changes = wg_cache_writer_read_changes (wg_replay_session_get_state (worker->session), batch, &error);
      if (error != NULL)
        g_debug ("replay: the changes up to seq %" G_GINT64_FORMAT " not read (%s): the views refill",
                 seq, error->message);
    }
  moved->reset = seq != job->shown_seq && moved->changes == NULL;
  g_task_return_pointer (job->task, moved, (GDestroyNotify) moved_free);
}

static void
run_read (Worker *worker,
          Job    *job)
{
  g_autoptr(GError) error = NULL;
  WgStore *store;
  gpointer answer;

  if (g_task_return_error_if_cancelled (job->task))
    return;
  store = job->journal ? worker->source : wg_replay_session_get_state (worker->session);
  answer = job->read (store, job->data, &error);
  if (answer == NULL && error != NULL)
    g_task_return_error (job->task, g_steal_pointer (&error));
  else
    g_task_return_pointer (job->task, answer, job->answer_free);
}

static void
run_job (gpointer data,
         gpointer user_data)
{
  Job *job = data;

  if (job->kind == JOB_SEEK)
    run_seek (job->worker, job);
  else
    run_read (job->worker, job);
  job_free (job);
}

/* The caller's callback, then the count of jobs under way: a job given
 * from the callback counts before this one stops counting. */
typedef struct
{
  GAsyncReadyCallback callback;
  gpointer            user_data;
} Answer;

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  WgReplay *self = WG_REPLAY (source);
  Answer *answer = user_data;

  answer->callback (source, result, answer->user_data);
  g_free (answer);
  self->in_flight--;
}

static void
push (WgReplay            *self,
      Job                 *job,
      GCancellable        *cancellable,
      GAsyncReadyCallback  callback,
      gpointer             user_data)
{
  Answer *answer = g_new0 (Answer, 1);

  answer->callback = callback;
  answer->user_data = user_data;
  job->worker = worker_ref (self->worker);
  job->task = g_task_new (self, cancellable, job_done_cb, answer);
  g_task_set_source_tag (job->task, push);
  self->in_flight++;
  g_thread_pool_push (self->pool, job, NULL);
}

/* WgContextReader: the views' reads of the replay's context. */
static void
read_on_worker (gpointer             reader_data,
                gboolean             journal,
                WgCacheRead          read,
                gpointer             data,
                GDestroyNotify       data_free,
                GDestroyNotify       answer_free,
                GCancellable        *cancellable,
                GAsyncReadyCallback  callback,
                gpointer             user_data)
{
  WgReplay *self = reader_data;
  Job *job = g_new0 (Job, 1);

  job->kind = JOB_READ;
  job->journal = journal;
  job->read = read;
  job->data = data;
  job->data_free = data_free;
  job->answer_free = answer_free;
  push (self, job, cancellable, callback, user_data);
}

static void
seek_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WgReplay *self = WG_REPLAY (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(Moved) moved = g_task_propagate_pointer (G_TASK (result), &error);

  if (moved == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Could not replay: %s", error->message);
      return;
    }
  /* A newer seek was asked meanwhile: this one is never shown late. */
  if (moved->generation != self->generation || g_cancellable_is_cancelled (self->cancellable))
    return;
  show_moved (self, moved->seq, moved->reset, moved->changes);
}

/* Brings the state to every event with ts <= @t_ms and tells the views:
 * on the worker with a session, the newest seek winning; else here. */
static void
follow (WgReplay *self,
        gint64    t_ms)
{
  Job *job;

  if (self->worker == NULL)
    {
      follow_here (self, t_ms);
      return;
    }
  /* The clock ticks each second, paused too: the state is (or will be)
   * there already. */
  if (t_ms == self->asked_ms && self->generation > 0)
    return;
  self->asked_ms = t_ms;
  job = g_new0 (Job, 1);
  job->kind = JOB_SEEK;
  job->t_ms = t_ms;
  job->shown_seq = self->seq;
  job->generation = ++self->generation;
  g_atomic_int_set (&self->worker->wanted, job->generation);
  if (self->seeking != NULL)
    g_cancellable_cancel (self->seeking);
  g_clear_object (&self->seeking);
  self->seeking = g_cancellable_new ();
  job->superseded = g_object_ref (self->seeking);
  push (self, job, self->cancellable, seek_done_cb, NULL);
}

static void
clock_moved_cb (WgReplay *self)
{
  WgClock *clock = wg_context_get_clock (self->context);
  gint64 now = wg_clock_get_now_ms (clock);

  /* The end of the window pauses the play. */
  if (now >= self->to_ms && wg_clock_get_rate (clock) > 0.0)
    {
      wg_clock_set_rate (clock, 0.0);
      wg_clock_seek (clock, self->to_ms);
      return;
    }
  follow (self, now);
}

/* WgContextReader of a replay gone: each read ends cancelled (unheard). */
static void
refuse_read (gpointer             reader_data,
             gboolean             journal,
             WgCacheRead          read,
             gpointer             data,
             GDestroyNotify       data_free,
             GDestroyNotify       answer_free,
             GCancellable        *cancellable,
             GAsyncReadyCallback  callback,
             gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  if (data_free != NULL)
    data_free (data);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the replay is closed");
}

static void
wg_replay_dispose (GObject *object)
{
  WgReplay *self = WG_REPLAY (object);

  g_cancellable_cancel (self->cancellable);
  if (self->context != NULL)
    {
      g_signal_handlers_disconnect_by_data (wg_context_get_clock (self->context), self);
      /* Views may outlive the replay a moment: they read nothing more. */
      if (self->worker != NULL)
        wg_context_set_reader (self->context, refuse_read, NULL);
    }
  g_clear_object (&self->context);
  g_clear_object (&self->live);

  G_OBJECT_CLASS (wg_replay_parent_class)->dispose (object);
}

static void
wg_replay_finalize (GObject *object)
{
  WgReplay *self = WG_REPLAY (object);

  g_clear_pointer (&self->state, wg_store_unref);
  /* Every job held a reference to the replay: none is left.  This may
   * run on the worker itself, as its last job lets go: do not wait. */
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, FALSE);
  g_clear_pointer (&self->worker, worker_unref);
  g_clear_pointer (&self->key_moments, g_hash_table_unref);
  g_clear_pointer (&self->key_reading, g_hash_table_unref);
  g_clear_pointer (&self->cache, wg_store_unref);
  g_clear_pointer (&self->ticks, g_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->seeking);

  G_OBJECT_CLASS (wg_replay_parent_class)->finalize (object);
}

static void
wg_replay_class_init (WgReplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_replay_dispose;
  object_class->finalize = wg_replay_finalize;

  /**
   * WgReplay::moved:
   *
   * The state now shows another moment (a seek, a step, or the play).
   */
  signals[MOVED] = g_signal_new ("moved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * WgReplay::ticks-loaded:
   *
   * wg_replay_get_ticks() holds every event now (read off the main loop).
   */
  signals[TICKS_LOADED] = g_signal_new ("ticks-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * WgReplay::key-moments-read:
   * @incident: its id
   *
   * wg_replay_key_moments() knows @incident's key moments now (read off
   * the main loop).
   */
  signals[KEY_MOMENTS_READ] = g_signal_new ("key-moments-read", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                            NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
wg_replay_init (WgReplay *self)
{
  self->ticks = g_array_new (FALSE, FALSE, sizeof (WgReplayMoment));
  self->cancellable = g_cancellable_new ();
  self->key_moments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  self->key_reading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

static gboolean
is_in_memory (WgStore *cache)
{
  return g_strcmp0 (wg_store_get_path (cache), ":memory:") == 0;
}

static GArray *
moments_of (GArray *ticks)
{
  GArray *moments = g_array_sized_new (FALSE, FALSE, sizeof (WgReplayMoment), ticks->len);

  for (guint i = 0; i < ticks->len; i++)
    {
      const WgJournalTick *tick = &g_array_index (ticks, WgJournalTick, i);
      WgReplayMoment moment = { tick->ts, tick->seq, tick->type };

      g_array_append_val (moments, moment);
    }
  return moments;
}

static void
read_ticks_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ticks = wg_journal_ticks_read_file (task_data, &error);

  if (ticks == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, moments_of (ticks), (GDestroyNotify) g_array_unref);
}

static void
ticks_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  WgReplay *self = WG_REPLAY (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ticks = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (ticks == NULL)
    {
      g_warning ("Could not read the timeline's events: %s", error->message);
      return;
    }
  g_array_unref (self->ticks);
  self->ticks = g_steal_pointer (&ticks);
  self->ticks_loaded = TRUE;
  g_signal_emit (self, signals[TICKS_LOADED], 0);
}

/* The timeline's ticks: for a cache in a file, off the main loop through
 * a connection of the worker's own (a year's journal takes a while); a
 * cache in memory has no other connection, and is small. */
static gboolean
start_reading_ticks (WgReplay  *self,
                     GError   **error)
{
  const char *path = wg_store_get_path (self->cache);
  g_autoptr(GTask) task = NULL;

  if (is_in_memory (self->cache))
    {
      g_autoptr(GArray) ticks = wg_journal_ticks_read (self->cache, error);

      if (ticks == NULL)
        return FALSE;
      g_array_unref (self->ticks);
      self->ticks = moments_of (ticks);
      self->ticks_loaded = TRUE;
      return TRUE;
    }
  task = g_task_new (self, self->cancellable, ticks_read_cb, NULL);
  g_task_set_source_tag (task, start_reading_ticks);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, read_ticks_thread);
  return TRUE;
}

/* What opening a replay reads of the cache: the journal's span and, for
 * a cache in a file, a session over it with a connection of its own
 * (wg_replay_new_async() reads them on a thread). */
typedef struct
{
  char            *path;
  WgRules         *rules;
  gboolean         has_events;
  gint64           first_ts;
  gint64           last_ts;
  WgStore         *source;
  WgReplaySession *session;
} Opening;

static void
opening_free (Opening *opening)
{
  g_clear_pointer (&opening->session, wg_replay_session_free);
  g_clear_pointer (&opening->source, wg_store_unref);
  g_clear_pointer (&opening->rules, wg_rules_unref);
  g_free (opening->path);
  g_free (opening);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Opening, opening_free)

static Opening *
opening_new (WgContext *live)
{
  WgStore *cache = wg_context_get_store (live);
  Opening *opening = g_new0 (Opening, 1);

  opening->path = g_strdup (wg_store_get_path (cache));
  opening->rules = wg_rules_ref (wg_store_get_rules (cache));
  return opening;
}

/* A cache in a file: its span and a session, through a connection of
 * their own (so on any thread).  The error says what a person can act on;
 * the detail goes to the log. */
static gboolean
open_file (Opening  *opening,
           GError  **error)
{
  g_autoptr(GError) detail = NULL;

  if (!g_file_test (opening->path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("Replay cannot open: this console’s saved journal (%s) is missing."), opening->path);
      return FALSE;
    }
  opening->source = wg_store_open (opening->path, &detail);
  if (opening->source != NULL)
    {
      wg_store_set_rules (opening->source, opening->rules);
      opening->has_events = wg_journal_ticks_get_span (opening->source, &opening->first_ts, &opening->last_ts,
                                                       &detail);
    }
  if (detail == NULL)
    opening->session = wg_replay_session_new (opening->source, &detail);
  if (detail != NULL)
    {
      g_message ("Replay cannot read %s: %s", opening->path, detail->message);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("Replay cannot open: this console’s saved journal (%s) is damaged."), opening->path);
      return FALSE;
    }
  return TRUE;
}

/* A cache in memory has no other connection, and is small: here. */
static gboolean
open_memory (WgReplay  *self,
             Opening   *opening,
             GError   **error)
{
  g_autoptr(GError) span_error = NULL;

  opening->has_events = wg_journal_ticks_get_span (self->cache, &opening->first_ts, &opening->last_ts,
                                                   &span_error);
  if (span_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&span_error));
      return FALSE;
    }
  return TRUE;
}

/* The state store: the session's when the cache is a file (checkpoints,
 * fast seeks; from here on only the worker uses it), else one projected
 * here. */
static WgStore *
open_state (WgReplay  *self,
            Opening   *opening,
            GError   **error)
{
  g_autoptr(WgStore) state = NULL;

  if (opening->session != NULL)
    {
      self->worker = g_new0 (Worker, 1);
      self->worker->ref = 1;
      self->worker->session = g_steal_pointer (&opening->session);
      self->worker->source = g_steal_pointer (&opening->source);
      self->pool = g_thread_pool_new (run_job, NULL, 1, FALSE, NULL);
      return wg_store_ref (wg_replay_session_get_state (self->worker->session));
    }
  state = wg_store_open (":memory:", error);
  if (state == NULL || !wg_store_adopt_reference (state, wg_context_get_reference (self->live), error))
    return NULL;
  wg_store_set_rules (state, wg_store_get_rules (self->cache));
  return g_steal_pointer (&state);
}

static WgReplay *
replay_new (WgContext *live)
{
  WgReplay *self = g_object_new (WG_TYPE_REPLAY, NULL);

  self->live = g_object_ref (live);
  self->cache = wg_store_ref (wg_context_get_store (live));
  return self;
}

/* The rest of the opening, on the main loop: with a session, no SQL. */
static gboolean
finish_opening (WgReplay  *self,
                Opening   *opening,
                GError   **error)
{
  WgClock *clock;

  if (!start_reading_ticks (self, error))
    return FALSE;
  self->state = open_state (self, opening, error);
  if (self->state == NULL)
    return FALSE;
  if (self->worker != NULL)
    self->context = wg_context_new_with_reader (wg_context_get_reference (self->live), self->state,
                                                wg_context_get_live_clock (self->live),
                                                wg_context_get_actor (self->live), read_on_worker, self);
  else
    self->context = wg_context_new (wg_context_get_reference (self->live), self->state, NULL, NULL,
                                    wg_context_get_live_clock (self->live), wg_context_get_actor (self->live));
  wg_context_set_read_only (self->context, TRUE);
  wg_context_set_journal_store (self->context, self->cache);

  if (opening->has_events)
    {
      self->from_ms = opening->first_ts;
      self->to_ms = opening->last_ts;
    }
  else
    self->from_ms = self->to_ms = wg_context_now_ms (self->live);
  /* A moment to see the first event come and the last one settle. */
  self->from_ms -= 60 * 1000;
  self->to_ms += 60 * 1000;
  self->bounds_from_ms = self->from_ms;
  self->bounds_to_ms = self->to_ms;

  clock = wg_context_get_clock (self->context);
  wg_clock_start_replay (clock, self->from_ms);
  wg_clock_set_rate (clock, 0.0);
  g_signal_connect_object (clock, "tick", G_CALLBACK (clock_moved_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (clock, "jumped", G_CALLBACK (clock_moved_cb), self, G_CONNECT_SWAPPED);
  follow (self, self->from_ms);
  return TRUE;
}

WgReplay *
wg_replay_new (WgContext  *live,
               GError    **error)
{
  g_autoptr(WgReplay) self = NULL;
  g_autoptr(Opening) opening = NULL;

  g_return_val_if_fail (WG_IS_CONTEXT (live), NULL);

  self = replay_new (live);
  opening = opening_new (live);
  if (!(is_in_memory (self->cache) ? open_memory (self, opening, error) : open_file (opening, error)) ||
      !finish_opening (self, opening, error))
    return NULL;
  return g_steal_pointer (&self);
}

static void
open_file_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GError *error = NULL;

  if (open_file (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
wg_replay_new_async (WgContext           *live,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Opening *opening;

  g_return_if_fail (WG_IS_CONTEXT (live));

  task = g_task_new (live, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_replay_new_async);
  opening = opening_new (live);
  g_task_set_task_data (task, opening, (GDestroyNotify) opening_free);
  if (is_in_memory (wg_context_get_store (live)))
    g_task_return_boolean (task, TRUE);
  else
    g_task_run_in_thread (task, open_file_thread);
}

WgReplay *
wg_replay_new_finish (GAsyncResult  *result,
                      GError       **error)
{
  GTask *task = G_TASK (result);
  g_autoptr(WgReplay) self = NULL;
  Opening *opening;

  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (task) == wg_replay_new_async, NULL);

  if (!g_task_propagate_boolean (task, error))
    return NULL;
  self = replay_new (WG_CONTEXT (g_task_get_source_object (task)));
  opening = g_task_get_task_data (task);
  if (opening->session == NULL && !open_memory (self, opening, error))
    return NULL;
  if (!finish_opening (self, opening, error))
    return NULL;
  return g_steal_pointer (&self);
}

WgContext *
wg_replay_get_context (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), NULL);
  return self->context;
}

WgContext *
wg_replay_get_live_context (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), NULL);
  return self->live;
}

GArray *
wg_replay_get_ticks (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), NULL);
  return self->ticks;
}

gboolean
wg_replay_get_ticks_loaded (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), FALSE);
  return self->ticks_loaded;
}

void
wg_replay_set_window (WgReplay *self,
                      gint64    from_ms,
                      gint64    to_ms)
{
  g_return_if_fail (WG_IS_REPLAY (self));
  g_return_if_fail (from_ms < to_ms);

  self->from_ms = from_ms;
  self->to_ms = to_ms;
  g_signal_emit (self, signals[MOVED], 0);
}

void
wg_replay_get_window (WgReplay *self,
                      gint64   *from_ms,
                      gint64   *to_ms)
{
  g_return_if_fail (WG_IS_REPLAY (self));
  *from_ms = self->from_ms;
  *to_ms = self->to_ms;
}

void
wg_replay_get_bounds (WgReplay *self,
                      gint64   *from_ms,
                      gint64   *to_ms)
{
  g_return_if_fail (WG_IS_REPLAY (self));
  *from_ms = self->bounds_from_ms;
  *to_ms = self->bounds_to_ms;
}

gint64
wg_replay_get_time (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), 0);
  return wg_clock_get_now_ms (wg_context_get_clock (self->context));
}

void
wg_replay_seek (WgReplay *self,
                gint64    t_ms)
{
  g_return_if_fail (WG_IS_REPLAY (self));
  wg_clock_seek (wg_context_get_clock (self->context), CLAMP (t_ms, self->from_ms, self->to_ms));
}

void
wg_replay_set_rate (WgReplay *self,
                    double    rate)
{
  WgClock *clock;

  g_return_if_fail (WG_IS_REPLAY (self));
  clock = wg_context_get_clock (self->context);
  /* Play from the start again once the end is reached. */
  if (rate > 0.0 && wg_clock_get_now_ms (clock) >= self->to_ms)
    wg_clock_seek (clock, self->from_ms);
  wg_clock_set_rate (clock, CLAMP (rate, 0.0, 600.0));
  g_signal_emit (self, signals[MOVED], 0);
}

double
wg_replay_get_rate (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), 0.0);
  return wg_clock_get_rate (wg_context_get_clock (self->context));
}

gboolean
wg_replay_step (WgReplay *self,
                int       direction)
{
  gint64 now;

  g_return_val_if_fail (WG_IS_REPLAY (self), FALSE);

  now = wg_replay_get_time (self);
  for (guint i = 0; i < self->ticks->len; i++)
    {
      guint k = direction > 0 ? i : self->ticks->len - 1 - i;
      gint64 ts = g_array_index (self->ticks, WgReplayMoment, k).ts;

      if (direction > 0 ? ts > now && ts <= self->to_ms : ts < now && ts >= self->from_ms)
        {
          wg_replay_seek (self, ts);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
is_key_moment (WgEventType type)
{
  switch (type)
    {
    case WG_EV_INCIDENT_REPORTED:
    case WG_EV_ALARM_RAISED:
    case WG_EV_ALARM_ACKNOWLEDGED:
    case WG_EV_ASSIGNMENT_CREATED:
    case WG_EV_ASSIGNMENT_ON_SCENE:
    case WG_EV_INCIDENT_RESOLVED:
    case WG_EV_INCIDENT_ROUTED:
    case WG_EV_INCIDENT_ACCEPTED:
    case WG_EV_INCIDENT_FEEDBACK_GIVEN:
    case WG_EV_INCIDENT_VERIFIED:
    case WG_EV_INCIDENT_CALLED_BACK:
    case WG_EV_INCIDENT_CLOSED:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The key moments (WgReplayMoment) of the incident @incident. */
static gpointer
read_key_moments (WgStore  *store,
                  gpointer  incident,
                  GError  **error)
{
  g_autoptr(GPtrArray) events = wg_store_read_incident_events (store, incident, error);
  GArray *moments;

  if (events == NULL)
    return NULL;
  moments = g_array_new (FALSE, FALSE, sizeof (WgReplayMoment));
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (is_key_moment (event->type))
        {
          WgReplayMoment moment = { event->ts, event->seq, event->type };

          g_array_append_val (moments, moment);
        }
    }
  return moments;
}

static void
key_moments_read_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  WgReplay *self = WG_REPLAY (source);
  g_autofree char *incident = user_data;
  g_autoptr(GError) error = NULL;
  GArray *moments = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_hash_table_remove (self->key_reading, incident);
  if (moments == NULL)
    {
      g_warning ("Could not read the events of %s: %s", incident, error->message);
      return;
    }
  g_hash_table_replace (self->key_moments, g_strdup (incident), moments);
  g_signal_emit (self, signals[KEY_MOMENTS_READ], 0, incident);
}

GArray *
wg_replay_key_moments (WgReplay   *self,
                       const char *incident)
{
  GArray *moments;
  Job *job;

  g_return_val_if_fail (WG_IS_REPLAY (self), NULL);

  if (incident == NULL)
    return g_array_new (FALSE, FALSE, sizeof (WgReplayMoment));
  moments = g_hash_table_lookup (self->key_moments, incident);
  if (moments != NULL)
    return g_array_ref (moments);
  if (self->worker == NULL)
    {
      g_autoptr(GError) error = NULL;

      moments = read_key_moments (self->cache, (gpointer) incident, &error);
      if (moments == NULL)
        {
          g_warning ("Could not read the events of %s: %s", incident, error->message);
          return g_array_new (FALSE, FALSE, sizeof (WgReplayMoment));
        }
      g_hash_table_replace (self->key_moments, g_strdup (incident), moments);
      return g_array_ref (moments);
    }
  if (g_hash_table_add (self->key_reading, g_strdup (incident)))
    {
      job = g_new0 (Job, 1);
      job->kind = JOB_READ;
      job->journal = TRUE;
      job->read = read_key_moments;
      job->data = g_strdup (incident);
      job->data_free = g_free;
      job->answer_free = (GDestroyNotify) g_array_unref;
      push (self, job, self->cancellable, key_moments_read_cb, g_strdup (incident));
    }
  return g_array_new (FALSE, FALSE, sizeof (WgReplayMoment));
}

gboolean
wg_replay_step_moment (WgReplay   *self,
                       const char *incident,
                       int         direction)
{
  g_autoptr(GArray) moments = NULL;
  gint64 now;

  g_return_val_if_fail (WG_IS_REPLAY (self), FALSE);

  moments = wg_replay_key_moments (self, incident);
  now = wg_replay_get_time (self);
  for (guint i = 0; i < moments->len; i++)
    {
      guint k = direction > 0 ? i : moments->len - 1 - i;
      gint64 ts = g_array_index (moments, WgReplayMoment, k).ts;

      if (direction > 0 ? ts > now : ts < now)
        {
          wg_replay_seek (self, ts);
          return TRUE;
        }
    }
  return FALSE;
}

gint64
wg_replay_get_seq (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), 0);
  return self->seq;
}

gboolean
wg_replay_is_settled (WgReplay *self)
{
  g_return_val_if_fail (WG_IS_REPLAY (self), TRUE);
  return self->in_flight == 0;
}
