/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exercises (docs/api.md, "Exercises"): drills on journals of their own.
 * Each exercise is a WgStore in exercises/<id>.db (its own seq, command
 * ids, case numbers EX-…, units and timers) with a record beside it in
 * exercises/<id>.json (state, pauses, the scripted steps fired, the
 * trainees' first actions), a stream hub of its own and the scenario it
 * plays.  No exercise command goes through the live writer, store, audit,
 * metrics or attachments: nothing of a drill can reach a live channel.
 *
 * Exercise time is the wall clock less the time paused; events, deadlines
 * and triggers run on it, so a pause freezes them all.  Drills are a few
 * commands a minute: they run on the main loop, one transaction each.
 *
 * On PostgreSQL (--database) an exercise runs on one instance at a time,
 * its owner, the holder of its lease in the register (wg-pg-exercises.h);
 * its journal, answers and record are stored there before each answer
 * (the files are a cache), so that another instance takes it over when the
 * owner dies.  Every instance lists them all, forwards any other request
 * for one it does not run to its owner and relays its stream
 * (docs/postgresql.md, "Exercises").
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wg-engine-private.h"
#include "wg-error.h"
#include "wg-event.h"
#include "wg-journal-view.h"
#include "wg-json.h"
#include "wg-pg-exercises.h"
#include "wg-positions-api.h"
#include "wg-problem.h"
#include "wg-scenario.h"
#include "wg-store-answers.h"
#include "wg-store-reference.h"
#include "wg-stream-hub.h"
#include "wg-track-store.h"

#define EXERCISES_PATH "/api/v1/exercises"
#define TICK_INTERVAL_S 1
/* Set on a request one instance forwards to an exercise's owner: the owner
 * answers it or refuses it, never forwards it again. */
#define FORWARDED_HEADER "X-Wangge-Forwarded"
/* An owner that does not answer within this is reported unreachable. */
#define FORWARD_TIMEOUT_S 30

typedef enum
{
  EXERCISE_RUNNING,
  EXERCISE_PAUSED,
  EXERCISE_ENDED,
} ExerciseState;

static const char *const state_names[] = { "running", "paused", "ended" };

typedef struct
{
  WgEngine      *engine;
  char          *id;
  char          *record_path;
  WgStore       *store;
  WgTrackStore  *tracks;       /* its forces' positions: exercises/<id>-positions.db */
  WgStreamHub   *hub;
  WgScenario    *scenario;     /* nullable: started from an incident */
  WgScenarioLog *log;

  char          *title;
  char          *scenario_file;
  char          *source_incident;
  gint64         source_at;
  char          *started_by;
  ExerciseState  state;
  gint64         started_at;   /* wall clock */
  gint64         start_clock;  /* exercise time at the start: elapsed counts from it */
  gint64         ended_at;
  gint64         paused_ms;    /* total time paused before the current pause */
  gint64         paused_at;    /* wall clock of the current pause, 0 when not paused */
  char          *incident;     /* the scenario's incident in this journal */
  JsonArray     *fired;        /* {"step", "elapsed_ms"} */
  JsonObject    *first_actions;
  GHashTable    *control_ids;  /* the trainer's command ids done */

  /* With --database: what is not yet in PostgreSQL (events, answers; the
   * record once saved again), sent by the next sync. */
  WgPgExerciseSync *unsynced;
  GPtrArray        *unpublished; /* WgEvent: their events, for the stream once stored */
  gint64            stored_head; /* the head PostgreSQL has: the stream's */
  gboolean          dirty;
} Exercise;

struct _WgEngineExercises
{
  GHashTable    *by_id;        /* id -> Exercise* */
  char          *dir;
  guint          tick_id;
  WgRateLimiter *limiter;
  WgPgExercises *pg;           /* the register, with --database */
  char          *instance;     /* this data directory's id: the holder of its leases */
  guint          lease_ms;
  gboolean       renewing;     /* a renewal of the leases queued */
  gboolean       claiming;     /* a claim of lapsed exercises queued */
  GHashTable    *unusable;     /* ids claimed and not rebuilt: given up, not claimed again */
  SoupSession   *forwarder;    /* to the owners of the others' exercises */
  char          *owner_url;    /* how the other instances reach this one */
  GCancellable  *cancellable;  /* the register's and forwarder's answers after the end */
};
typedef struct _WgEngineExercises Exercises;

static void
exercise_free (gpointer data)
{
  Exercise *ex = data;

  if (ex->hub != NULL)
    wg_stream_hub_close_all (ex->hub, WG_STREAM_CLOSE_GOING_AWAY, "server shutting down");
  g_clear_pointer (&ex->hub, wg_stream_hub_free);
  g_clear_pointer (&ex->store, wg_store_unref);
  g_clear_pointer (&ex->tracks, wg_track_store_free);
  g_clear_pointer (&ex->scenario, wg_scenario_free);
  g_clear_pointer (&ex->log, wg_scenario_log_free);
  g_clear_pointer (&ex->fired, json_array_unref);
  g_clear_pointer (&ex->first_actions, json_object_unref);
  g_clear_pointer (&ex->control_ids, g_hash_table_unref);
  g_clear_pointer (&ex->unsynced, wg_pg_exercise_sync_free);
  g_clear_pointer (&ex->unpublished, g_ptr_array_unref);
  g_free (ex->id);
  g_free (ex->record_path);
  g_free (ex->title);
  g_free (ex->scenario_file);
  g_free (ex->source_incident);
  g_free (ex->started_by);
  g_free (ex->incident);
  g_free (ex);
}

/* ---- time -------------------------------------------------------------- */

static gint64
wall_ms (void)
{
  return g_get_real_time () / 1000;
}

/* The exercise's clock: frozen while paused, stopped at the end. */
static gint64
exercise_clock (Exercise *ex)
{
  gint64 wall = ex->state == EXERCISE_PAUSED ? ex->paused_at
              : ex->state == EXERCISE_ENDED ? ex->ended_at
              : wall_ms ();

  return wall - ex->paused_ms;
}

static gint64
exercise_elapsed (Exercise *ex)
{
  return exercise_clock (ex) - ex->start_clock;
}

/* ---- the record -------------------------------------------------------- */

static void
set_nullable (JsonObject *o,
              const char *member,
              const char *value)
{
  if (value != NULL)
    json_object_set_string_member (o, member, value);
  else
    json_object_set_null_member (o, member);
}

static void
set_nullable_int (JsonObject *o,
                  const char *member,
                  gint64      value)
{
  if (value != 0)
    json_object_set_int_member (o, member, value);
  else
    json_object_set_null_member (o, member);
}

/* What is kept in exercises/<id>.json (@with_now FALSE) and what the API
 * shows (TRUE: also the clock, the head and the scenario's decisions). */
static JsonNode *
exercise_to_json (Exercise *ex,
                  gboolean  with_now)
{
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (o, "id", ex->id);
  json_object_set_string_member (o, "title", ex->title);
  json_object_set_string_member (o, "state", state_names[ex->state]);
  set_nullable (o, "scenario", ex->scenario_file);
  set_nullable (o, "source_incident", ex->source_incident);
  set_nullable_int (o, "source_at", ex->source_at);
  json_object_set_string_member (o, "started_by", ex->started_by);
  json_object_set_int_member (o, "started_at", ex->started_at);
  json_object_set_int_member (o, "start_clock", ex->start_clock);
  set_nullable_int (o, "ended_at", ex->ended_at);
  json_object_set_int_member (o, "paused_ms", ex->paused_ms);
  set_nullable_int (o, "paused_at", ex->paused_at);
  set_nullable (o, "incident", ex->incident);
  json_object_set_array_member (o, "fired", json_array_ref (ex->fired));
  json_object_set_object_member (o, "first_actions", json_object_ref (ex->first_actions));
  if (with_now)
    {
      JsonArray *decisions = json_array_new ();

      json_object_set_int_member (o, "clock", exercise_clock (ex));
      json_object_set_int_member (o, "elapsed_ms", exercise_elapsed (ex));
      json_object_set_int_member (o, "head", wg_store_head (ex->store));
      json_object_set_string_member (o, "journal_id", wg_store_get_journal_id (ex->store));
      for (guint i = 0; ex->scenario != NULL && i < ex->scenario->decisions->len; i++)
        {
          WgScenarioDecision *d = ex->scenario->decisions->pdata[i];
          JsonObject *dj = json_object_new ();

          json_object_set_string_member (dj, "id", d->id);
          json_object_set_string_member (dj, "action", d->action);
          json_object_set_int_member (dj, "target_seconds", d->target_seconds);
          json_object_set_string_member (dj, "label_zh", d->label_zh);
          json_array_add_object_element (decisions, dj);
        }
      json_object_set_array_member (o, "decisions", decisions);
    }
  else
    {
      JsonArray *ids = json_array_new ();
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, ex->control_ids);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        json_array_add_string_element (ids, key);
      json_object_set_array_member (o, "control_ids", ids);
      /* The step's command ids derive from it: a rebuilt copy keeps it. */
      json_object_set_string_member (o, "journal_id", wg_store_get_journal_id (ex->store));
    }
  json_node_take_object (node, o);
  return node;
}

/* How the other instances reach this one: its listening address, or the
 * host's name when it listens on every address. */
static const char *
owner_url (WgEngine *self)
{
  Exercises *exercises = self->exercises;
  const char *address = self->config.address;

  if (exercises->owner_url != NULL)
    return exercises->owner_url;
  if (g_strcmp0 (address, "0.0.0.0") == 0 || g_strcmp0 (address, "::") == 0)
    exercises->owner_url = g_strdup_printf ("%s://%s:%u", self->config.tls_cert != NULL ? "https" : "http",
                                            g_get_host_name (), wg_server_get_port (self->server));
  else
    exercises->owner_url = wg_server_dup_url (self->server);
  return exercises->owner_url;
}

/* Replaced atomically: a crash leaves the old record or the new one.  On
 * PostgreSQL it goes there with the next sync. */
static gboolean
exercise_save (Exercise  *ex,
               GError   **error)
{
  g_autoptr(JsonNode) node = exercise_to_json (ex, FALSE);
  g_autofree char *text = json_to_string (node, TRUE);

  if (!g_file_set_contents (ex->record_path, text, -1, error))
    return FALSE;
  ex->dirty = TRUE;
  return TRUE;
}

/* @events (nullable) appended to the exercise's store and @command_id's
 * answer (nullable: timers, copies) stored with them: for the next sync. */
static void
exercise_appended (Exercise   *ex,
                   GPtrArray  *events,
                   const char *command_id)
{
  g_autoptr(GError) error = NULL;
  char *answer;

  if (ex->unsynced == NULL)
    return;
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      g_autoptr(JsonNode) node = wg_event_to_json (event);

      g_array_append_val (ex->unsynced->seqs, event->seq);
      g_ptr_array_add (ex->unsynced->events, json_to_string (node, FALSE));
    }
  if (command_id == NULL)
    return;
  /* None for a command refused outside the rules (nothing stored). */
  answer = wg_store_dup_answer (ex->store, command_id, &error);
  if (answer != NULL)
    g_ptr_array_add (ex->unsynced->answers, answer);
  else if (error != NULL)
    g_warning ("Exercise %s: cannot read the answer to %s: %s", ex->id, command_id, error->message);
}

/* @point, its unit's newest, for the next sync: one per unit. */
static void
exercise_moved (Exercise           *ex,
                const WgTrackPoint *point)
{
  GPtrArray *positions;

  if (ex->unsynced == NULL)
    return;
  positions = ex->unsynced->positions;
  for (guint i = 0; i < positions->len; i++)
    if (g_str_equal (((WgTrackPoint *) positions->pdata[i])->unit, point->unit))
      {
        g_ptr_array_remove_index_fast (positions, i);
        break;
      }
  g_ptr_array_add (positions, wg_track_point_copy (point));
}

static void exercise_lost (WgEngine *self, const char *id, const GError *error);
static void publish_now (Exercise *ex, GPtrArray *events);

/* What a sync's callback needs: the exercise may be gone by then. */
typedef struct
{
  WgEngine          *engine;
  char              *id;
  SoupServerMessage *msg;      /* nullable: nobody waits */
  GPtrArray         *events;   /* WgEvent: for the stream once stored */
  gint64             head;     /* the exercise's head once stored */
} Synced;

static void
synced_free (Synced *synced)
{
  g_clear_object (&synced->msg);
  g_ptr_array_unref (synced->events);
  g_free (synced->id);
  g_free (synced);
}

static void
synced_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Synced *synced = user_data;
  g_autoptr(GError) error = NULL;

  if (!wg_pg_exercises_sync_finish (NULL, result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          synced_free (synced);
          return;
        }
      exercise_lost (synced->engine, synced->id, error);
      if (synced->msg != NULL)
        {
          /* Not acknowledged: the answer prepared is replaced (libsoup
           * appends a response set again to the body there is). */
          soup_message_body_truncate (soup_server_message_get_response_body (synced->msg));
          soup_message_headers_remove (soup_server_message_get_response_headers (synced->msg), "Location");
          if (g_error_matches (error, WG_PG_EXERCISES_ERROR, WG_PG_EXERCISES_ERROR_LEASE_LOST))
            wg_problem_respond (synced->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "exercise-unreachable",
                                _("Another server runs this exercise now: retry"));
          else
            wg_problem_respond (synced->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
        }
    }
  else
    {
      Exercise *ex = g_hash_table_lookup (synced->engine->exercises->by_id, synced->id);

      if (ex != NULL)
        {
          ex->stored_head = MAX (ex->stored_head, synced->head);
          publish_now (ex, synced->events);
        }
    }
  if (synced->msg != NULL)
    soup_server_message_unpause (synced->msg);
  synced_free (synced);
}

/* With --database, everything appended to the exercise and its record
 * into PostgreSQL in one transaction, if this instance still holds its
 * lease; @msg (nullable, answered already) is paused and sent once that
 * committed, or replaced by a 503.  Without: @msg goes as it is. */
static void
exercise_sync (Exercise          *ex,
               SoupServerMessage *msg)
{
  Exercises *exercises = ex->engine->exercises;
  WgPgExerciseSync *sync;
  g_autoptr(JsonNode) record = NULL;
  g_autoptr(JsonNode) saved = NULL;
  Synced *synced;

  if (exercises->pg == NULL)
    return;
  sync = g_steal_pointer (&ex->unsynced);
  ex->unsynced = wg_pg_exercise_sync_new ();
  ex->dirty = FALSE;
  record = exercise_to_json (ex, TRUE);
  saved = exercise_to_json (ex, FALSE);
  sync->id = g_strdup (ex->id);
  sync->instance = g_strdup (exercises->instance);
  sync->owner_url = g_strdup (owner_url (ex->engine));
  sync->started_at = ex->started_at;
  sync->record = json_to_string (record, FALSE);
  sync->saved = json_to_string (saved, FALSE);
  sync->head = wg_store_head (ex->store);
  sync->lease_ms = exercises->lease_ms;
  synced = g_new0 (Synced, 1);
  synced->engine = ex->engine;
  synced->id = g_strdup (ex->id);
  synced->events = g_steal_pointer (&ex->unpublished);
  synced->head = sync->head;
  ex->unpublished = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  if (msg != NULL)
    {
      synced->msg = g_object_ref (msg);
      soup_server_message_pause (msg);
    }
  wg_pg_exercises_sync_async (exercises->pg, sync, exercises->cancellable, synced_cb, synced);
}

/* What the steps and timers appended, and the record saved since, if any. */
static void
exercise_sync_pending (Exercise *ex)
{
  if (ex->unsynced != NULL &&
      (ex->dirty || ex->unsynced->seqs->len > 0 || ex->unsynced->answers->len > 0))
    exercise_sync (ex, NULL);
}

static void
exercise_save_or_warn (Exercise *ex)
{
  g_autoptr(GError) error = NULL;

  if (!exercise_save (ex, &error))
    g_warning ("Cannot save exercise %s: %s", ex->id, error->message);
}

static void
log_from_record (Exercise *ex)
{
  g_autoptr(GList) members = json_object_get_members (ex->first_actions);

  ex->log = wg_scenario_log_new ();
  for (guint i = 0; i < json_array_get_length (ex->fired); i++)
    {
      JsonObject *f = json_array_get_object_element (ex->fired, i);

      wg_scenario_log_fired (ex->log, json_object_get_string_member (f, "step"),
                             json_object_get_int_member (f, "elapsed_ms"));
    }
  for (GList *l = members; l != NULL; l = l->next)
    wg_scenario_log_action (ex->log, l->data, json_object_get_int_member (ex->first_actions, l->data));
}

/* ---- scenarios ---------------------------------------------------------- */

static char *
scenario_dir (void)
{
  g_autofree char *installed = g_build_filename (PKGDATADIR, "scenarios", NULL);

  if (g_file_test (installed, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&installed);
  return g_build_filename (SOURCE_DATADIR, "scenarios", NULL);
}

static WgScenario *
load_scenario (WgEngine   *self,
               const char *file,
               GError    **error)
{
  g_autofree char *dir = scenario_dir ();
  g_autofree char *path = NULL;
  g_autoptr(WgScenario) scenario = NULL;

  if (*file == '\0' || strchr (file, '/') != NULL || strchr (file, '\\') != NULL || file[0] == '.')
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD, "body.scenario must be a file name in data/scenarios");
      return NULL;
    }
  path = g_build_filename (dir, file, NULL);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, _("No scenario “%s”"), file);
      return NULL;
    }
  scenario = wg_scenario_load (path, error);
  if (scenario == NULL)
    return NULL;
  if (self->reference != NULL && !wg_scenario_check_reference (scenario, self->reference, error))
    return NULL;
  return g_steal_pointer (&scenario);
}

/* ---- the exercise's store and stream ------------------------------------ */

/* On PostgreSQL the head stored there: a console never gets an event a
 * taker would not have. */
static gint64
hub_head_cb (gpointer user_data)
{
  Exercise *ex = user_data;

  return ex->unsynced != NULL ? ex->stored_head : wg_store_head (ex->store);
}

static gboolean
hub_backlog_cb (const WgStreamIdentity  *who,
                gint64                   after,
                guint                    limit,
                GPtrArray               *texts,
                GArray                  *seqs,
                gpointer                 user_data,
                GError                 **error)
{
  Exercise *ex = user_data;
  WgJournalViewer viewer;

  if (!_wg_engine_viewer_from_identity (who, &viewer))
    return TRUE;
  if (!wg_store_read_journal_texts (ex->store, &viewer, after, limit, texts, seqs, error))
    return FALSE;
  while (seqs->len > 0 && g_array_index (seqs, gint64, seqs->len - 1) > hub_head_cb (ex))
    {
      g_array_set_size (seqs, seqs->len - 1);
      g_ptr_array_set_size (texts, texts->len - 1);
    }
  return TRUE;
}

/* The live rule (wg-journal-view.h) over the exercise's store. */
static JsonNode *
hub_filter_cb (const WgStreamIdentity *who,
               JsonNode               *event,
               gpointer                user_data)
{
  Exercise *ex = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgEvent) parsed = NULL;
  g_autoptr(WgEvent) masked = NULL;
  JsonObject *o = json_node_get_object (event);
  JsonNode *incident = json_object_get_member (o, "incident");
  WgJournalViewer viewer;
  gboolean visible = FALSE;

  if (!_wg_engine_viewer_from_identity (who, &viewer))
    return NULL;
  if (!wg_store_event_visible (ex->store, &viewer,
                               json_object_get_int_member_with_default (o, "seq", 0),
                               json_object_get_string_member_with_default (o, "type", NULL),
                               json_object_get_string_member_with_default (o, "subject", NULL),
                               incident != NULL && !JSON_NODE_HOLDS_NULL (incident)
                                 ? json_node_get_string (incident) : NULL,
                               &visible, &error))
    g_warning ("Cannot decide the visibility of an exercise event: %s", error->message);
  if (!visible)
    return NULL;
  if (wg_journal_viewer_get_text (&viewer) == WG_EVENT_TEXT_FULL)
    return json_node_ref (event);
  parsed = wg_event_from_json (event, NULL);
  if (parsed == NULL)
    return NULL;
  masked = wg_event_redact_caller (parsed);
  return wg_event_to_json (masked);
}

static char *positions_path (WgEngine *self, const char *id);

/* The exercise's own track: its forces' positions never reach the live
 * one, and stay with it for review and replay (no retention purge). */
static WgTrackStore *
exercise_open_tracks (WgEngine    *self,
                      const char  *id,
                      GError     **error)
{
  g_autofree char *path = positions_path (self, id);
  WgTrackPolicy policy;

  wg_track_policy_init_default (&policy);
  policy.keep_interval_ms = (gint64) self->config.keep_interval_seconds * 1000;
  policy.keep_distance_m = self->config.keep_distance_meters;
  return wg_track_store_open (path, &policy, error);
}

static gboolean
exercise_open_store (Exercise  *ex,
                     WgStore   *store,
                     GError   **error)
{
  WgEngine *self = ex->engine;
  const WgServerConfig *config = &self->config;
  WgStreamHubOptions options;

  ex->store = store;
  ex->tracks = exercise_open_tracks (self, ex->id, error);
  if (ex->tracks == NULL)
    return FALSE;
  wg_store_set_exercise (ex->store, ex->id);
  wg_store_set_keep_event_text (ex->store, TRUE);
  if (self->reference != NULL && !wg_store_adopt_reference (ex->store, self->reference, error))
    return FALSE;
  /* Its own case numbers: EX- before the live form. */
  wg_rules_set_case_mark (wg_store_get_rules (ex->store), "EX-");

  wg_stream_hub_options_init_default (&options);
  options.queue_max = config->stream_queue_max;
  options.max_incoming_bytes = config->ws_max_message_bytes;
  options.keepalive_seconds = config->ws_keepalive_seconds;
  options.close_timeout_seconds = config->stream_close_timeout_seconds;
  options.socket_send_buffer = config->stream_send_buffer;
  options.positions_interval_ms = config->broadcast_interval_ms;
  ex->hub = wg_stream_hub_new (&options);
  wg_stream_hub_set_journal (ex->hub, hub_head_cb, hub_backlog_cb, hub_filter_cb, ex);
  wg_stream_hub_set_journal_id (ex->hub, wg_store_get_journal_id (ex->store));
  return TRUE;
}

static void
publish_now (Exercise  *ex,
             GPtrArray *events)
{
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      g_autoptr(JsonNode) node = wg_event_to_json (event);

      wg_stream_hub_publish_event (ex->hub, event->seq, node);
    }
}

/* To the exercise's stream; on PostgreSQL once the sync that stores them
 * committed, so that no console sees an event a taker would not have. */
static void
publish (Exercise  *ex,
         GPtrArray *events)
{
  if (ex->unpublished == NULL)
    {
      publish_now (ex, events);
      return;
    }
  for (guint i = 0; events != NULL && i < events->len; i++)
    g_ptr_array_add (ex->unpublished, wg_event_ref (events->pdata[i]));
}

/* ---- the field side ---------------------------------------------------- */

/* Who sends a scripted field event (docs/drills.md, "as"). */
static WgActor *
field_actor (Exercise   *ex,
             const char *as)
{
  WgEngine *self = ex->engine;

  if (g_str_equal (as, "hotline"))
    return wg_actor_new ("exercise-hotline", WG_ROLE_DISPATCHER, NULL, NULL, NULL);
  if (g_str_equal (as, "grid_worker"))
    {
      WgGrid *grid = NULL;
      g_autoptr(GPtrArray) accounts = NULL;

      if (self->reference != NULL && ex->scenario != NULL)
        grid = wg_reference_find_grid (self->reference, ex->scenario->lat, ex->scenario->lon);
      if (grid == NULL)
        return wg_actor_new ("exercise-grid-worker", WG_ROLE_GRID_WORKER, NULL, NULL, NULL);
      accounts = wg_account_store_list (self->accounts, NULL);
      for (guint i = 0; accounts != NULL && i < accounts->len; i++)
        {
          WgAccount *account = accounts->pdata[i];

          if (g_strcmp0 (account->role, "grid_worker") == 0 && g_strcmp0 (account->grid, grid->code) == 0 &&
              !account->disabled)
            return wg_actor_new (account->username, WG_ROLE_GRID_WORKER, grid->code, NULL, account->unit);
        }
      return wg_actor_new ("exercise-grid-worker", WG_ROLE_GRID_WORKER, grid->code, NULL, NULL);
    }
  if (self->reference != NULL)
    {
      WgForce *force = wg_reference_lookup_force (self->reference, as);

      if (force != NULL)
        return wg_actor_new (force->account != NULL ? force->account : as, WG_ROLE_GRID_WORKER,
                             force->grid != NULL ? force->grid->code : NULL, NULL, force->id);
    }
  return NULL;
}

/* A field event into the exercise's journal, as @as sends it; @command_id
 * makes it idempotent (a scripted step fired again after a crash is the
 * same command). */
static gboolean
send_field_event (Exercise    *ex,
                  const char  *command_id,
                  const char  *type,
                  const char  *as,
                  JsonObject  *body,
                  GPtrArray  **events_out,
                  GError     **error)
{
  g_autoptr(WgActor) actor = field_actor (ex, as);
  g_autoptr(JsonObject) copy = json_object_new ();
  g_autoptr(JsonObject) envelope = json_object_new ();
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GList) members = json_object_get_members (body);
  gboolean replayed = FALSE;

  if (actor == NULL)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD, "body.as: no unit “%s”", as);
      return FALSE;
    }
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (copy, l->data, json_node_copy (json_object_get_member (body, l->data)));
  if (g_str_equal (type, "incident.report"))
    {
      if (!json_object_has_member (copy, "location") && ex->scenario != NULL)
        {
          JsonObject *location = json_object_new ();

          json_object_set_double_member (location, "lat", ex->scenario->lat);
          json_object_set_double_member (location, "lon", ex->scenario->lon);
          json_object_set_object_member (copy, "location", location);
        }
    }
  else if (!json_object_has_member (copy, "incident") && ex->incident != NULL)
    json_object_set_string_member (copy, "incident", ex->incident);

  json_object_set_string_member (envelope, "id", command_id);
  json_object_set_string_member (envelope, "type", type);
  json_object_set_object_member (envelope, "body", g_steal_pointer (&copy));
  json_node_set_object (root, envelope);
  command = wg_command_from_json (root, error);
  if (command == NULL)
    return FALSE;
  if (!wg_store_execute_command (ex->store, command, actor, exercise_clock (ex), &events, &replayed, error))
    {
      exercise_appended (ex, NULL, command_id);
      return FALSE;
    }
  if (!replayed)
    exercise_appended (ex, events, command_id);
  if (ex->incident == NULL && g_str_equal (type, "incident.report") && events != NULL && events->len > 0)
    ex->incident = g_strdup (((WgEvent *) events->pdata[0])->incident);
  if (!replayed)
    publish (ex, events);
  if (events_out != NULL)
    *events_out = g_steal_pointer (&events);
  return TRUE;
}

static gboolean
fire_step (Exercise        *ex,
           WgScenarioStep  *step,
           gint64           elapsed_ms,
           GPtrArray      **events_out,
           GError         **error)
{
  g_autofree char *label = g_strconcat ("step:", step->id, NULL);
  g_autofree char *command_id = wg_uuid_derive (wg_store_get_journal_id (ex->store), label);
  JsonObject *fired;

  if (!send_field_event (ex, command_id, step->command, step->as, step->body, events_out, error))
    return FALSE;
  wg_scenario_log_fired (ex->log, step->id, elapsed_ms);
  fired = json_object_new ();
  json_object_set_string_member (fired, "step", step->id);
  json_object_set_int_member (fired, "elapsed_ms", elapsed_ms);
  json_array_add_object_element (ex->fired, fired);
  exercise_save_or_warn (ex);
  return TRUE;
}

/* The scripted steps due now, in the order they fell due (after a restart
 * several at once). */
static void
fire_due_steps (Exercise *ex)
{
  g_autoptr(GPtrArray) due = NULL;

  if (ex->scenario == NULL || ex->state != EXERCISE_RUNNING)
    return;
  due = wg_scenario_due (ex->scenario, ex->log, exercise_elapsed (ex));
  for (guint i = 0; i < due->len; i++)
    {
      WgScenarioStep *step = due->pdata[i];
      g_autoptr(GError) error = NULL;

      if (!fire_step (ex, step, exercise_elapsed (ex), NULL, &error))
        {
          /* A step the state refuses (its incident closed early) is done
           * with: it must not come back every second. */
          g_message ("Exercise %s: step %s refused: %s", ex->id, step->id, error->message);
          wg_scenario_log_fired (ex->log, step->id, exercise_elapsed (ex));
        }
    }
}

static void
run_timers (Exercise *ex)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  if (ex->state != EXERCISE_RUNNING)
    return;
  if (!wg_store_run_timers (ex->store, exercise_clock (ex), &events, &error))
    {
      g_warning ("Exercise %s: timers failed: %s", ex->id, error->message);
      return;
    }
  exercise_appended (ex, events, NULL);
  publish (ex, events);
}

static void keep_leases (WgEngine *self);

static gboolean
tick_cb (gpointer user_data)
{
  WgEngine *self = user_data;
  Exercises *exercises = self->exercises;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, exercises->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Exercise *ex = value;

      fire_due_steps (ex);
      run_timers (ex);
      exercise_sync_pending (ex);
    }
  if (exercises->pg != NULL)
    keep_leases (self);
  return G_SOURCE_CONTINUE;
}

/* ---- requests ----------------------------------------------------------- */

static Exercise *
lookup_exercise (WgEngine          *self,
                 SoupServerMessage *msg,
                 GHashTable        *params)
{
  Exercises *exercises = self->exercises;
  Exercise *ex = g_hash_table_lookup (exercises->by_id, g_hash_table_lookup (params, "id"));

  if (ex == NULL)
    wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-exercise", NULL);
  return ex;
}

static char *
new_exercise_id (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");

  return g_strdup_printf ("ex-%s-%04x", stamp, g_random_int_range (0, 0x10000));
}

static Exercise *
exercise_new (WgEngine   *self,
              const char *id)
{
  Exercises *exercises = self->exercises;
  Exercise *ex = g_new0 (Exercise, 1);
  g_autofree char *name = g_strconcat (id, ".json", NULL);

  ex->engine = self;
  ex->id = g_strdup (id);
  ex->record_path = g_build_filename (exercises->dir, name, NULL);
  ex->fired = json_array_new ();
  ex->first_actions = json_object_new ();
  ex->control_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (exercises->pg != NULL)
    {
      ex->unsynced = wg_pg_exercise_sync_new ();
      ex->unpublished = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
    }
  return ex;
}

static char *
store_path (WgEngine   *self,
            const char *id)
{
  Exercises *exercises = self->exercises;
  g_autofree char *name = g_strconcat (id, ".db", NULL);

  return g_build_filename (exercises->dir, name, NULL);
}

static char *
positions_path (WgEngine   *self,
                const char *id)
{
  Exercises *exercises = self->exercises;
  g_autofree char *name = g_strconcat (id, "-positions.db", NULL);

  return g_build_filename (exercises->dir, name, NULL);
}

/* The live incident (@incident: its id or case number) as the journal had
 * it at @at, into the exercise's journal: its events up to then, numbered
 * from 1, marked with the exercise, the case number with EX- before it. */
static gboolean
copy_incident (WgEngine    *self,
               Exercise    *ex,
               const char  *incident,
               gint64       at,
               GError     **error)
{
  g_autoptr(GPtrArray) live = NULL;
  g_autoptr(GPtrArray) copies = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autofree char *id = NULL;
  WgIncidentRecord record = { 0 };

  if (wg_store_get_incident (self->store, incident, &record, NULL))
    id = g_strdup (record.id);
  else
    {
      g_autoptr(GPtrArray) all = wg_store_list_incidents (self->store, FALSE, error);

      if (all == NULL)
        return FALSE;
      for (guint i = 0; i < all->len && id == NULL; i++)
        if (g_strcmp0 (((WgIncidentRecord *) all->pdata[i])->case_number, incident) == 0)
          id = g_strdup (((WgIncidentRecord *) all->pdata[i])->id);
    }
  wg_incident_record_clear (&record);
  if (id != NULL && (live = wg_store_read_incident_events (self->store, id, error)) == NULL)
    return FALSE;
  for (guint i = 0; live != NULL && i < live->len; i++)
    {
      WgEvent *event = live->pdata[i];
      g_autoptr(JsonNode) node = NULL;
      JsonObject *body;
      WgEvent *copy;

      if (event->ts > at)
        break;
      node = wg_event_to_json (event);
      body = json_object_get_object_member (json_node_get_object (node), "body");
      if (body != NULL && json_object_has_member (body, "case_number"))
        {
          g_autofree char *number = g_strconcat ("EX-", json_object_get_string_member (body, "case_number"), NULL);

          json_object_set_string_member (body, "case_number", number);
        }
      copy = wg_event_from_json (node, error);
      if (copy == NULL)
        return FALSE;
      wg_event_set_seq (copy, copies->len + 1);
      wg_event_set_exercise (copy, ex->id);
      g_ptr_array_add (copies, copy);
    }
  if (copies->len == 0)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_UNKNOWN_INCIDENT, "No incident %s at that moment", incident);
      return FALSE;
    }
  if (!wg_store_apply_events (ex->store, copies, error))
    return FALSE;
  exercise_appended (ex, copies, NULL);
  ex->incident = g_steal_pointer (&id);
  return TRUE;
}

static void
discard_files (WgEngine   *self,
               const char *id)
{
  char *dbs[] = { store_path (self, id), positions_path (self, id) };

  for (guint i = 0; i < G_N_ELEMENTS (dbs); i++)
    {
      g_autofree char *wal = g_strconcat (dbs[i], "-wal", NULL);
      g_autofree char *shm = g_strconcat (dbs[i], "-shm", NULL);

      g_unlink (dbs[i]);
      g_unlink (wal);
      g_unlink (shm);
      g_free (dbs[i]);
    }
}

static void
post_exercises_cb (SoupServerMessage *msg,
                   GHashTable        *params,
                   GHashTable        *query,
                   gpointer           user_data)
{
  WgEngine *self = user_data;
  Exercises *exercises = self->exercises;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, ROLE_BIT (WG_ROLE_TRAINER));
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgScenario) scenario = NULL;
  g_autoptr(WgStore) store = NULL;
  g_autofree char *id = NULL;
  g_autofree char *location = NULL;
  g_autoptr(JsonNode) answer = NULL;
  const char *scenario_file = NULL, *incident = NULL, *title = NULL;
  gint64 at = 0;
  JsonObject *body;
  Exercise *ex;

  if (actor == NULL)
    return;
  root = wg_server_read_json_body (self->server, msg);
  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", _("The body must be a JSON object"));
      return;
    }
  body = json_node_get_object (root);
  if (!wg_json_get_string (body, "scenario", FALSE, &scenario_file, &error) ||
      !wg_json_get_string (body, "incident", FALSE, &incident, &error) ||
      !wg_json_get_string (body, "title", FALSE, &title, &error) ||
      (incident != NULL && !wg_json_get_int (body, "at", TRUE, &at, &error)))
    {
      wg_problem_respond (msg, 422, "invalid-field", error->message);
      return;
    }
  if (incident != NULL && (at <= 0 || at > wall_ms ()))
    {
      wg_problem_respond (msg, 422, "invalid-field", "body.at must be a past moment in UTC ms");
      return;
    }
  if ((scenario_file != NULL) == (incident != NULL))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("Give either “scenario” or “incident” and “at”"));
      return;
    }

  if (scenario_file != NULL)
    {
      scenario = load_scenario (self, scenario_file, &error);
      if (scenario == NULL)
        {
          if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-scenario", error->message);
          else if (g_error_matches (error, WG_ERROR, WG_ERROR_INVALID_FIELD) && g_str_has_prefix (error->message, "body."))
            wg_problem_respond (msg, 422, "invalid-field", error->message);
          else
            wg_problem_respond (msg, 422, "invalid-scenario", error->message);
          return;
        }
    }

  do
    {
      g_free (id);
      id = new_exercise_id ();
    }
  while (g_hash_table_contains (exercises->by_id, id));

  {
    g_autofree char *path = store_path (self, id);

    store = wg_store_open (path, &error);
    if (store == NULL)
      {
        discard_files (self, id);
        wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
        return;
      }
  }

  ex = exercise_new (self, id);
  ex->title = g_strdup (title != NULL ? title : scenario != NULL ? scenario->title_zh : incident);
  ex->scenario_file = g_strdup (scenario_file);
  ex->source_incident = g_strdup (incident);
  ex->source_at = at;
  ex->started_by = g_strdup (actor->username);
  ex->state = EXERCISE_RUNNING;
  ex->started_at = wall_ms ();
  /* From a past incident the exercise's clock starts at that moment: its
   * deadlines run on from where they were. */
  ex->paused_ms = incident != NULL ? ex->started_at - at : 0;
  ex->start_clock = exercise_clock (ex);
  ex->scenario = g_steal_pointer (&scenario);
  ex->log = wg_scenario_log_new ();
  if (!exercise_open_store (ex, g_steal_pointer (&store), &error) ||
      (incident != NULL && !copy_incident (self, ex, incident, at, &error)) ||
      !exercise_save (ex, &error))
    {
      gboolean unknown = g_error_matches (error, WG_ERROR, WG_ERROR_UNKNOWN_INCIDENT);

      exercise_free (ex);
      discard_files (self, id);
      if (unknown)
        wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-incident", error->message);
      else
        wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  g_hash_table_insert (exercises->by_id, ex->id, ex);
  g_message ("Exercise %s started by %s (%s)", ex->id, ex->started_by, ex->title);
  /* The report step is due at once. */
  fire_due_steps (ex);

  location = g_strconcat (EXERCISES_PATH "/", ex->id, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
  answer = exercise_to_json (ex, TRUE);
  wg_json_respond (msg, SOUP_STATUS_CREATED, answer);
  /* Answered once in PostgreSQL: the other instances list it from then
   * on, and take it over if this one dies. */
  exercise_sync (ex, msg);
}

static int
compare_newest_first (gconstpointer a,
                      gconstpointer b)
{
  const Exercise *x = *(const Exercise **) a, *y = *(const Exercise **) b;

  return x->started_at != y->started_at ? (x->started_at > y->started_at ? -1 : 1) : strcmp (x->id, y->id);
}

/* A request paused while the register answers. */
typedef struct
{
  WgEngine          *engine;
  SoupServerMessage *msg;
  SoupMessage       *forwarded;  /* to the owner */
  char              *stored;     /* the owner's record as registered */
} Pending;

static Pending *
pending_new (WgEngine          *self,
             SoupServerMessage *msg)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->engine = self;
  pending->msg = g_object_ref (msg);
  /* libsoup takes a message under a WebSocket handler's path that its
   * handler left without a status for a failed upgrade (400): a status
   * until the answer sets its own. */
  soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
  soup_server_message_pause (msg);
  return pending;
}

/* Answers (unpauses) and frees, unless the engine is gone (@cancelled). */
static void
pending_finish (Pending  *pending,
                gboolean  cancelled)
{
  if (!cancelled)
    soup_server_message_unpause (pending->msg);
  g_object_unref (pending->msg);
  g_clear_object (&pending->forwarded);
  g_free (pending->stored);
  g_free (pending);
}

/* Another instance's exercise as registered, its clock as of now. */
static JsonNode *
registered_record (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;
  const char *state;
  gint64 wall, clock;

  if (!json_parser_load_from_data (parser, text, -1, NULL) || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  o = json_node_get_object (json_parser_get_root (parser));
  state = json_object_get_string_member_with_default (o, "state", "ended");
  wall = g_str_equal (state, "running") ? wall_ms ()
       : g_str_equal (state, "paused") ? json_object_get_int_member_with_default (o, "paused_at", 0)
       : json_object_get_int_member_with_default (o, "ended_at", 0);
  clock = wall - json_object_get_int_member_with_default (o, "paused_ms", 0);
  json_object_set_int_member (o, "clock", clock);
  json_object_set_int_member (o, "elapsed_ms", clock - json_object_get_int_member_with_default (o, "start_clock", 0));
  return json_node_copy (json_parser_get_root (parser));
}

static int
compare_records_newest_first (gconstpointer a,
                              gconstpointer b)
{
  JsonObject *x = json_node_get_object (*(JsonNode **) a), *y = json_node_get_object (*(JsonNode **) b);
  gint64 tx = json_object_get_int_member_with_default (x, "started_at", 0);
  gint64 ty = json_object_get_int_member_with_default (y, "started_at", 0);

  return tx != ty ? (tx > ty ? -1 : 1)
                  : g_strcmp0 (json_object_get_string_member_with_default (x, "id", ""),
                               json_object_get_string_member_with_default (y, "id", ""));
}

static void
respond_records (SoupServerMessage *msg,
                 GPtrArray         *records)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o = json_object_new ();
  JsonArray *list = json_array_new ();

  g_ptr_array_sort (records, compare_records_newest_first);
  for (guint i = 0; i < records->len; i++)
    json_array_add_element (list, json_node_ref (records->pdata[i]));
  json_object_set_array_member (o, "exercises", list);
  root = json_node_init_object (json_node_alloc (), o);
  json_object_unref (o);
  wg_json_respond (msg, SOUP_STATUS_OK, root);
}

/* Every instance's exercises: this one's as they are now, the others' as
 * their owners last registered them. */
static void
listed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = wg_pg_exercises_list_finish (NULL, result, &error);
  g_autoptr(GPtrArray) records = NULL;
  Exercises *exercises;
  GHashTableIter iter;
  gpointer value;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      pending_finish (pending, TRUE);
      return;
    }
  if (rows == NULL)
    {
      wg_problem_respond (pending->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      pending_finish (pending, FALSE);
      return;
    }
  exercises = pending->engine->exercises;
  records = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_hash_table_iter_init (&iter, exercises->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (records, exercise_to_json (value, TRUE));
  for (guint i = 0; i < rows->len; i++)
    {
      WgPgExerciseRow *row = rows->pdata[i];
      JsonNode *record;

      if (g_hash_table_contains (exercises->by_id, row->id) || (record = registered_record (row->record)) == NULL)
        continue;
      g_ptr_array_add (records, record);
    }
  respond_records (pending->msg, records);
  pending_finish (pending, FALSE);
}

static void
get_exercises_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;
  Exercises *exercises = self->exercises;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(JsonNode) root = NULL;
  GHashTableIter iter;
  gpointer value;
  JsonObject *o;
  JsonArray *list;

  if (actor == NULL)
    return;
  if (exercises->pg != NULL)
    {
      wg_pg_exercises_list_async (exercises->pg, NULL, exercises->cancellable, listed_cb, pending_new (self, msg));
      return;
    }
  all = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, exercises->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (all, value);
  g_ptr_array_sort (all, compare_newest_first);
  list = json_array_new ();
  for (guint i = 0; i < all->len; i++)
    json_array_add_element (list, exercise_to_json (all->pdata[i], TRUE));
  o = json_object_new ();
  json_object_set_array_member (o, "exercises", list);
  root = json_node_init_object (json_node_alloc (), o);
  json_object_unref (o);
  wg_json_respond (msg, SOUP_STATUS_OK, root);
}

static void
get_exercise_cb (SoupServerMessage *msg,
                 GHashTable        *params,
                 GHashTable        *query,
                 gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);
  g_autoptr(JsonNode) root = NULL;
  Exercise *ex;

  if (actor == NULL || (ex = lookup_exercise (self, msg, params)) == NULL)
    return;
  root = exercise_to_json (ex, TRUE);
  wg_json_respond (msg, SOUP_STATUS_OK, root);
}

/* The answer to a command: the live shape, plus the record for the
 * trainer's. */
static void
respond_command (SoupServerMessage *msg,
                 Exercise          *ex,
                 const char        *command_id,
                 const WgActor     *actor,
                 gboolean           replayed,
                 GPtrArray         *events,
                 gboolean           with_record)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean sees_phones = (ROLE_BIT (actor->role) & PHONE_ROLES) != 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "command");
  json_builder_add_string_value (builder, command_id);
  json_builder_set_member_name (builder, "replayed");
  json_builder_add_boolean_value (builder, replayed);
  json_builder_set_member_name (builder, "events");
  json_builder_begin_array (builder);
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      g_autoptr(WgEvent) shown = sees_phones ? wg_event_ref (event) : wg_event_redact_caller (event);

      json_builder_add_value (builder, wg_event_to_json (shown));
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, wg_store_head (ex->store));
  if (with_record)
    {
      json_builder_set_member_name (builder, "exercise");
      json_builder_add_value (builder, exercise_to_json (ex, TRUE));
    }
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

static void
control_command (WgEngine          *self,
                 SoupServerMessage *msg,
                 Exercise          *ex,
                 const WgActor     *actor,
                 JsonObject        *envelope)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  const char *id = NULL, *type = NULL;
  JsonObject *body = NULL;
  gint64 now = wall_ms ();

  if (!wg_json_get_string (envelope, "id", TRUE, &id, &error) ||
      !wg_json_get_string (envelope, "type", TRUE, &type, &error) ||
      !wg_json_get_object (envelope, "body", TRUE, &body, &error))
    {
      wg_problem_respond (msg, 422, "invalid-field", error->message);
      return;
    }
  if (!wg_uuid_is_valid (id))
    {
      wg_problem_respond (msg, 422, "invalid-field", "id must be a UUID");
      return;
    }
  if (actor->role != WG_ROLE_TRAINER)
    {
      wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden", _("Only a trainer runs an exercise"));
      return;
    }
  if (g_hash_table_contains (ex->control_ids, id))
    {
      respond_command (msg, ex, id, actor, TRUE, NULL, TRUE);
      exercise_sync (ex, msg);
      return;
    }

  if (g_str_equal (type, "exercise.pause"))
    {
      if (ex->state != EXERCISE_RUNNING)
        {
          wg_problem_respond (msg, SOUP_STATUS_CONFLICT, ex->state == EXERCISE_ENDED ? "exercise-ended" : "exercise-not-running", NULL);
          return;
        }
      ex->state = EXERCISE_PAUSED;
      ex->paused_at = now;
    }
  else if (g_str_equal (type, "exercise.resume"))
    {
      if (ex->state != EXERCISE_PAUSED)
        {
          wg_problem_respond (msg, SOUP_STATUS_CONFLICT, ex->state == EXERCISE_ENDED ? "exercise-ended" : "exercise-not-paused", NULL);
          return;
        }
      ex->paused_ms += now - ex->paused_at;
      ex->paused_at = 0;
      ex->state = EXERCISE_RUNNING;
    }
  else if (g_str_equal (type, "exercise.end"))
    {
      if (ex->state == EXERCISE_ENDED)
        {
          wg_problem_respond (msg, SOUP_STATUS_CONFLICT, "exercise-ended", NULL);
          return;
        }
      if (ex->state == EXERCISE_PAUSED)
        {
          ex->paused_ms += now - ex->paused_at;
          ex->paused_at = 0;
        }
      ex->state = EXERCISE_ENDED;
      ex->ended_at = now;
    }
  else if (g_str_equal (type, "exercise.inject"))
    {
      const char *step_id = NULL, *command = NULL, *as = NULL;
      JsonObject *field_body = NULL;
      static const char *const field_commands[] = {
        "incident.report", "incident.note", "incident.mediate", "incident.upgrade", NULL,
      };

      if (ex->state != EXERCISE_RUNNING)
        {
          wg_problem_respond (msg, SOUP_STATUS_CONFLICT,
                              ex->state == EXERCISE_ENDED ? "exercise-ended" : "exercise-paused", NULL);
          return;
        }
      if (!wg_json_get_string (body, "step", FALSE, &step_id, &error) ||
          !wg_json_get_string (body, "command", FALSE, &command, &error) ||
          !wg_json_get_string (body, "as", command != NULL, &as, &error) ||
          !wg_json_get_object (body, "body", command != NULL, &field_body, &error))
        {
          wg_problem_respond (msg, 422, "invalid-field", error->message);
          return;
        }
      if ((step_id != NULL) == (command != NULL))
        {
          wg_problem_respond (msg, 422, "invalid-field", "body needs either step, or command, as and body");
          return;
        }
      if (step_id != NULL)
        {
          WgScenarioStep *step = ex->scenario != NULL ? wg_scenario_lookup_step (ex->scenario, step_id) : NULL;

          if (step == NULL)
            {
              wg_problem_respond (msg, 422, "unknown-step", NULL);
              return;
            }
          if (wg_scenario_log_get_fired (ex->log, step_id) >= 0)
            {
              wg_problem_respond (msg, SOUP_STATUS_CONFLICT, "step-fired", NULL);
              return;
            }
          if (!fire_step (ex, step, exercise_elapsed (ex), &events, &error))
            {
              wg_problem_respond_error (msg, error);
              exercise_sync (ex, msg);
              return;
            }
        }
      else
        {
          g_autofree char *command_id = wg_uuid_derive (id, "inject");

          if (!g_strv_contains (field_commands, command))
            {
              wg_problem_respond (msg, 422, "invalid-field", "body.command: the field side sends incident.report, incident.note, incident.mediate or incident.upgrade");
              return;
            }
          if (!send_field_event (ex, command_id, command, as, field_body, &events, &error))
            {
              wg_problem_respond_error (msg, error);
              exercise_sync (ex, msg);
              return;
            }
        }
    }
  else
    {
      wg_problem_respond (msg, 422, "unknown-command-type", type);
      return;
    }

  g_hash_table_add (ex->control_ids, g_strdup (id));
  exercise_save_or_warn (ex);
  respond_command (msg, ex, id, actor, FALSE, events, TRUE);
  exercise_sync (ex, msg);
}

static gboolean
carries_attachments (WgCommand *command)
{
  JsonObject *body = wg_command_get_body (command);

  return body != NULL && json_object_has_member (body, "attachments");
}

static void
post_commands_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;
  Exercises *exercises = self->exercises;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gboolean replayed = FALSE;
  double retry_after = 0;
  const char *type;
  Exercise *ex;

  actor = _wg_engine_require_actor (self, msg, 0);
  if (actor == NULL || (ex = lookup_exercise (self, msg, params)) == NULL)
    return;
  if (!wg_rate_limiter_try (exercises->limiter, _wg_engine_bearer_token (msg), g_get_monotonic_time (), &retry_after))
    {
      _wg_engine_respond_retry_after (msg, WG_STATUS_TOO_MANY_REQUESTS, "too-many-requests",
                                      _("Too many commands for this session: wait and retry with the same id"),
                                      retry_after);
      return;
    }
  root = wg_server_read_json_body (self->server, msg);
  if (root == NULL)
    return;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", _("The body must be a JSON object"));
      return;
    }
  type = json_object_get_string_member_with_default (json_node_get_object (root), "type", "");
  if (g_str_has_prefix (type, "exercise."))
    {
      control_command (self, msg, ex, actor, json_node_get_object (root));
      return;
    }

  command = wg_command_from_json (root, &error);
  if (command == NULL)
    {
      wg_problem_respond_error (msg, error);
      return;
    }
  if (ex->state != EXERCISE_RUNNING)
    {
      wg_problem_respond (msg, SOUP_STATUS_CONFLICT,
                          ex->state == EXERCISE_ENDED ? "exercise-ended" : "exercise-paused",
                          ex->state == EXERCISE_ENDED ? _("The exercise has ended: it is kept for review only")
                                                      : _("The exercise is paused"));
      return;
    }
  if (carries_attachments (command))
    {
      wg_problem_respond (msg, 422, "attachments-not-in-exercise",
                          _("Photos are live data: an exercise command carries none"));
      return;
    }
  if (!wg_store_execute_command (ex->store, command, actor, exercise_clock (ex), &events, &replayed, &error))
    {
      /* A rule's refusal is an answer too: stored before it is sent. */
      exercise_appended (ex, NULL, wg_command_get_id (command));
      wg_problem_respond_error (msg, error);
      exercise_sync (ex, msg);
      return;
    }
  if (!replayed)
    {
      const char *name = wg_command_get_type_name (command);

      exercise_appended (ex, events, wg_command_get_id (command));
      publish (ex, events);
      if (!json_object_has_member (ex->first_actions, name))
        {
          gint64 elapsed = exercise_elapsed (ex);

          json_object_set_int_member (ex->first_actions, name, elapsed);
          wg_scenario_log_action (ex->log, name, elapsed);
          exercise_save_or_warn (ex);
        }
      /* A step that waits on this action may be due now (a zero delay). */
      fire_due_steps (ex);
    }
  respond_command (msg, ex, wg_command_get_id (command), actor, replayed, events, FALSE);
  /* A retry's answer too: the first one's sync may not have committed. */
  exercise_sync (ex, msg);
}

/* The live handlers over the exercise's journal (wg-engine-journal.c). */
static void
get_journal_cb (SoupServerMessage *msg,
                GHashTable        *params,
                GHashTable        *query,
                gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);
  Exercise *ex;

  if (actor != NULL && (ex = lookup_exercise (self, msg, params)) != NULL)
    _wg_engine_respond_journal (ex->store, msg, query, actor);
}

static void
get_incident_events_cb (SoupServerMessage *msg,
                        GHashTable        *params,
                        GHashTable        *query,
                        gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);
  Exercise *ex;

  if (actor != NULL && (ex = lookup_exercise (self, msg, params)) != NULL)
    _wg_engine_respond_incident_events (ex->store, msg, g_hash_table_lookup (params, "incident"), actor);
}

/* The trainer reads an exercise's CAP too; it says Exercise and names the
 * exercise, on the exercise's clock. */
static void
get_cap_cb (SoupServerMessage *msg,
            GHashTable        *params,
            GHashTable        *query,
            gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, CAP_ROLES | ROLE_BIT (WG_ROLE_TRAINER));
  g_autofree char *note = NULL;
  Exercise *ex;

  if (actor == NULL || (ex = lookup_exercise (self, msg, params)) == NULL)
    return;
  note = g_strdup_printf ("演练 Exercise %s: %s", ex->id, ex->title);
  _wg_engine_respond_cap (self, ex->store, msg, g_hash_table_lookup (params, "incident"), note, exercise_clock (ex));
}

/* The live shape; the units' last positions are the exercise's own (for
 * the roles that may read positions), never the live ones. */
static void
get_snapshot_cb (SoupServerMessage *msg,
                 GHashTable        *params,
                 GHashTable        *query,
                 gpointer           user_data)
{
  WgEngine *self = user_data;
  WgStreamIdentity who = { 0 };
  SnapshotSource source;
  Exercise *ex;

  if (!wg_server_identify (self->server, msg, &who))
    return;
  ex = lookup_exercise (self, msg, params);
  if (ex != NULL)
    {
      source = (SnapshotSource) { ex->store, hub_filter_cb, ex, ex->tracks };
      _wg_engine_respond_snapshot (&source, msg, &who);
    }
  wg_stream_identity_clear (&who);
}

/* ---- positions ----------------------------------------------------------- */

/* POST /api/v1/exercises/{id}/positions: the live shape and checks, on the
 * exercise's clock (its points' ts are exercise time, as its events' are),
 * into its own track and stream.  Not a live command: no audit entry. */
static void
post_positions_cb (SoupServerMessage *msg,
                   GHashTable        *params,
                   GHashTable        *query,
                   gpointer           user_data)
{
  WgEngine *self = user_data;
  WgStreamIdentity who = { 0 };
  g_autoptr(GPtrArray) points = NULL;
  g_autoptr(GError) error = NULL;
  guint kept = 0;
  Exercise *ex;

  if (!wg_server_identify (self->server, msg, &who))
    return;
  ex = lookup_exercise (self, msg, params);
  if (ex != NULL && g_strcmp0 (who.role, "admin") != 0 && (who.units == NULL || who.units[0] == NULL))
    {
      wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden", _("Only accounts that act for a unit post positions"));
      ex = NULL;
    }
  else if (ex != NULL && ex->state != EXERCISE_RUNNING)
    {
      wg_problem_respond (msg, SOUP_STATUS_CONFLICT,
                          ex->state == EXERCISE_ENDED ? "exercise-ended" : "exercise-paused",
                          ex->state == EXERCISE_ENDED ? _("The exercise has ended: it is kept for review only")
                                                      : _("The exercise is paused"));
      ex = NULL;
    }
  if (ex != NULL)
    points = wg_positions_read_batch (self->server, msg, &who, exercise_clock (ex));
  wg_stream_identity_clear (&who);
  if (points == NULL)
    return;

  if (!wg_track_store_begin (ex->tracks, &error))
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  for (guint i = 0; i < points->len; i++)
    {
      gboolean latest = FALSE, point_kept = FALSE;

      if (!wg_track_store_add (ex->tracks, points->pdata[i], &latest, &point_kept, &error))
        {
          wg_track_store_rollback (ex->tracks);
          wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
          return;
        }
      kept += point_kept;
      if (latest)
        {
          wg_stream_hub_queue_position (ex->hub, points->pdata[i]);
          exercise_moved (ex, points->pdata[i]);
        }
    }
  if (!wg_track_store_commit (ex->tracks, &error))
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  wg_positions_respond_accepted (msg, points->len, kept);
  /* On PostgreSQL each unit's newest is stored before the answer, all of
   * the batch in one statement: a taker shows the units where they were. */
  if (ex->unsynced != NULL && ex->unsynced->positions->len > 0)
    exercise_sync (ex, msg);
}

/* GET /api/v1/exercises/{id}/positions[/latest]: the live reads over the
 * exercise's track, for the roles that may read positions. */
static Exercise *
positions_reader (WgEngine          *self,
                  SoupServerMessage *msg,
                  GHashTable        *params)
{
  WgStreamIdentity who = { 0 };
  gboolean refused;

  if (!wg_server_identify (self->server, msg, &who))
    return NULL;
  refused = who.no_positions;
  wg_stream_identity_clear (&who);
  if (refused)
    {
      wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden", _("This account’s role may not read positions or presence"));
      return NULL;
    }
  return lookup_exercise (self, msg, params);
}

static void
get_positions_latest_cb (SoupServerMessage *msg,
                         GHashTable        *params,
                         GHashTable        *query,
                         gpointer           user_data)
{
  Exercise *ex = positions_reader (user_data, msg, params);

  if (ex != NULL)
    wg_positions_respond_latest (msg, query, ex->tracks);
}

static void
get_positions_cb (SoupServerMessage *msg,
                  GHashTable        *params,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WgEngine *self = user_data;
  Exercise *ex = positions_reader (self, msg, params);

  if (ex != NULL)
    wg_positions_respond_window (self->server, msg, query, ex->tracks);
}

/* ---- the stream --------------------------------------------------------- */

/* "/api/v1/exercises/<id>/stream" -> the exercise, or NULL. */
static Exercise *
stream_exercise (WgEngine   *self,
                 const char *path)
{
  Exercises *exercises = self->exercises;
  g_autofree char *id = NULL;
  const char *rest, *slash;

  if (!g_str_has_prefix (path, EXERCISES_PATH "/"))
    return NULL;
  rest = path + strlen (EXERCISES_PATH "/");
  slash = strchr (rest, '/');
  if (slash == NULL || !g_str_equal (slash, "/stream"))
    return NULL;
  id = g_strndup (rest, slash - rest);
  return g_hash_table_lookup (exercises->by_id, id);
}

/* ---- another instance's exercise ----------------------------------------- */

static const char *const request_headers[] = {
  "Authorization", "Content-Type", "Accept", "Accept-Language", "If-None-Match", NULL,
};
static const char *const response_headers[] = {
  "Content-Type", "ETag", "Location", "Retry-After", "Cache-Control", "Allow", NULL,
};

/* "/api/v1/exercises/<id>[/...]" -> id, or NULL. */
static char *
path_exercise_id (const char *path)
{
  const char *rest, *slash;

  if (!g_str_has_prefix (path, EXERCISES_PATH "/"))
    return NULL;
  rest = path + strlen (EXERCISES_PATH "/");
  slash = strchr (rest, '/');
  if (slash == rest || *rest == '\0')
    return NULL;
  return slash != NULL ? g_strndup (rest, slash - rest) : g_strdup (rest);
}

static void
copy_headers (SoupMessageHeaders *from,
              SoupMessageHeaders *to,
              const char *const  *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *value = soup_message_headers_get_one (from, names[i]);

      if (value != NULL)
        soup_message_headers_replace (to, names[i], value);
    }
}

/* GET /api/v1/exercises/{id}: the record itself, which the register holds. */
static gboolean
is_record_read (SoupServerMessage *msg)
{
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));

  return soup_server_message_get_method (msg) == SOUP_METHOD_GET &&
         strchr (path + strlen (EXERCISES_PATH "/"), '/') == NULL;
}

/* The owner's answer, as it is. */
static void
forwarded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupServerMessage *msg = pending->msg;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      pending_finish (pending, TRUE);
      return;
    }
  if (body == NULL)
    {
      g_autoptr(JsonNode) record = NULL;

      /* The record itself is in the register: shown as last registered. */
      if (is_record_read (msg) && (record = registered_record (pending->stored)) != NULL)
        wg_json_respond (msg, SOUP_STATUS_OK, record);
      else
        {
          g_autofree char *target = g_uri_to_string (soup_message_get_uri (pending->forwarded));
          g_autofree char *detail = g_strdup_printf (_("The server running this exercise (%s) does not answer: retry later"),
                                                     g_uri_get_host (soup_message_get_uri (pending->forwarded)));

          g_message ("Exercise request forwarded to %s failed: %s", target, error->message);
          wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "exercise-unreachable", detail);
        }
      pending_finish (pending, FALSE);
      return;
    }
  soup_server_message_set_status (msg, soup_message_get_status (pending->forwarded),
                                  soup_message_get_reason_phrase (pending->forwarded));
  copy_headers (soup_message_get_response_headers (pending->forwarded),
                soup_server_message_get_response_headers (msg), response_headers);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
  pending_finish (pending, FALSE);
}

/* The request, with its token, to the exercise's owner. */
static void
forward (Pending               *pending,
         const WgPgExerciseRow *row)
{
  Exercises *exercises = pending->engine->exercises;
  SoupServerMessage *msg = pending->msg;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  g_autofree char *target = g_strconcat (row->owner_url, g_uri_get_path (uri), query != NULL ? "?" : "", query, NULL);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  pending->stored = g_strdup (row->record);
  pending->forwarded = soup_message_new (soup_server_message_get_method (msg), target);
  if (pending->forwarded == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "exercise-unreachable", row->owner_url);
      pending_finish (pending, FALSE);
      return;
    }
  soup_message_add_flags (pending->forwarded, SOUP_MESSAGE_NO_REDIRECT);
  if (body->length > 0)
    {
      g_autoptr(GBytes) bytes = soup_message_body_flatten (body);

      soup_message_set_request_body_from_bytes (pending->forwarded,
                                                soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                              "Content-Type"),
                                                bytes);
    }
  copy_headers (soup_server_message_get_request_headers (msg), soup_message_get_request_headers (pending->forwarded),
                request_headers);
  soup_message_headers_replace (soup_message_get_request_headers (pending->forwarded), FORWARDED_HEADER, "1");
  soup_session_send_and_read_async (exercises->forwarder, pending->forwarded, G_PRIORITY_DEFAULT,
                                    exercises->cancellable, forwarded_cb, pending);
}

/* An exercise's stream opened on an instance that does not run it: a
 * WebSocket to the owner's stream with the console's token, every message
 * passed on as it is both ways, and each side closed when the other is. */
typedef struct
{
  guint                    refs;      /* the console's side, the owner's side or its connecting */
  SoupSession             *session;
  GCancellable            *cancellable;
  char                    *target;    /* the owner's stream: ws[s]://host:port/api/v1/exercises/<id>/stream?... */
  char                    *authorization;
  gsize                    max_payload;
  SoupWebsocketConnection *console;
  SoupWebsocketConnection *owner;     /* NULL until connected */
  GQueue                   early;     /* the console's messages before that (GBytes) */
  GArray                  *early_types; /* their SoupWebsocketDataType, in the same order */
} Relay;

static void
relay_unref (Relay *relay)
{
  if (--relay->refs > 0)
    return;
  g_clear_object (&relay->console);
  g_clear_object (&relay->owner);
  g_clear_object (&relay->session);
  g_clear_object (&relay->cancellable);
  g_queue_clear_full (&relay->early, (GDestroyNotify) g_bytes_unref);
  g_array_unref (relay->early_types);
  g_free (relay->target);
  g_free (relay->authorization);
  g_free (relay);
}

static gboolean
is_open (SoupWebsocketConnection *conn)
{
  return conn != NULL && soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
console_message_cb (SoupWebsocketConnection *conn,
                    int                      type,
                    GBytes                  *message,
                    gpointer                 user_data)
{
  Relay *relay = user_data;

  if (is_open (relay->owner))
    soup_websocket_connection_send_message (relay->owner, type, message);
  else if (relay->owner == NULL)
    {
      g_queue_push_tail (&relay->early, g_bytes_ref (message));
      g_array_append_val (relay->early_types, type);
    }
}

static void
owner_message_cb (SoupWebsocketConnection *conn,
                  int                      type,
                  GBytes                  *message,
                  gpointer                 user_data)
{
  Relay *relay = user_data;

  if (is_open (relay->console))
    soup_websocket_connection_send_message (relay->console, type, message);
}

static void
console_closed_cb (SoupWebsocketConnection *conn,
                   gpointer                 user_data)
{
  Relay *relay = user_data;

  g_cancellable_cancel (relay->cancellable);
  if (is_open (relay->owner))
    soup_websocket_connection_close (relay->owner, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_signal_handlers_disconnect_by_data (conn, relay);
  relay_unref (relay);
}

static void
owner_closed_cb (SoupWebsocketConnection *conn,
                 gpointer                 user_data)
{
  Relay *relay = user_data;
  gushort code = soup_websocket_connection_get_close_code (conn);

  /* The owner's reason (slow consumer, keepalive, shutting down...) is the
   * console's; a close without a code means the owner went away. */
  if (is_open (relay->console))
    soup_websocket_connection_close (relay->console, code != 0 ? code : WG_STREAM_CLOSE_GOING_AWAY,
                                     soup_websocket_connection_get_close_data (conn));
  g_signal_handlers_disconnect_by_data (conn, relay);
  relay_unref (relay);
}

static void
owner_connected_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Relay *relay = user_data;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *owner = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);

  if (owner == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("Exercise stream relayed to %s failed: %s", relay->target, error->message);
      if (is_open (relay->console))
        soup_websocket_connection_close (relay->console, WG_STREAM_CLOSE_INTERNAL,
                                         "the server running this exercise does not answer");
      relay_unref (relay);
      return;
    }
  relay->owner = owner;
  soup_websocket_connection_set_max_incoming_payload_size (owner, 0);
  soup_websocket_connection_set_keepalive_interval (owner, 0);
  g_signal_connect (owner, "message", G_CALLBACK (owner_message_cb), relay);
  g_signal_connect (owner, "closed", G_CALLBACK (owner_closed_cb), relay);
  for (guint i = 0; !g_queue_is_empty (&relay->early); i++)
    {
      g_autoptr(GBytes) message = g_queue_pop_head (&relay->early);

      soup_websocket_connection_send_message (owner, g_array_index (relay->early_types, int, i), message);
    }
  if (!is_open (relay->console))
    soup_websocket_connection_close (owner, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  /* The connecting's reference is now the owner's side's. */
}

/* The console's side, once the 101 is written: this instance's end of the
 * upgrade, as libsoup makes it for a WebSocket handler. */
static void
relay_upgraded_cb (SoupServerMessage *msg,
                   gpointer           user_data)
{
  Relay *relay = user_data;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(SoupMessage) upstream = NULL;

  g_signal_handlers_disconnect_by_data (msg, relay);
  stream = soup_server_message_steal_connection (msg);
  relay->console = soup_websocket_connection_new (stream, soup_server_message_get_uri (msg),
                                                  SOUP_WEBSOCKET_CONNECTION_SERVER,
                                                  soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                                "Origin"),
                                                  NULL, NULL);
  soup_websocket_connection_set_max_incoming_payload_size (relay->console, relay->max_payload);
  g_signal_connect (relay->console, "message", G_CALLBACK (console_message_cb), relay);
  g_signal_connect (relay->console, "closed", G_CALLBACK (console_closed_cb), relay);

  upstream = soup_message_new (SOUP_METHOD_GET, relay->target);
  if (relay->authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (upstream), "Authorization",
                                  relay->authorization);
  soup_message_headers_replace (soup_message_get_request_headers (upstream), FORWARDED_HEADER, "1");
  relay->refs++;
  soup_session_websocket_connect_async (relay->session, upstream, NULL, NULL, G_PRIORITY_DEFAULT,
                                        relay->cancellable, owner_connected_cb, relay);
}

/* The 101 never written (the console gone first): nothing to relay. */
static void
relay_abandoned_cb (SoupServerMessage *msg,
                    gpointer           user_data)
{
  Relay *relay = user_data;

  g_signal_handlers_disconnect_by_data (msg, relay);
  relay_unref (relay);
}

/* Upgrades @msg (paused) for a relay to @owner_url's stream, or answers
 * why not. */
static void
relay_stream (Exercises         *exercises,
              SoupServerMessage *msg,
              const char        *owner_url,
              gsize              max_payload)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  const char *scheme_end = strstr (owner_url, "://");
  Relay *relay;

  if (scheme_end == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "exercise-unreachable", owner_url);
      return;
    }
  /* Its 101 and headers; a bad handshake gets libsoup's 400. */
  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    return;
  relay = g_new0 (Relay, 1);
  relay->refs = 1;
  relay->session = g_object_ref (exercises->forwarder);
  relay->cancellable = g_cancellable_new ();
  relay->target = g_strconcat (g_str_has_prefix (owner_url, "https:") ? "wss" : "ws", scheme_end,
                               g_uri_get_path (uri), query != NULL ? "?" : "", query, NULL);
  relay->authorization = g_strdup (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                                 "Authorization"));
  relay->max_payload = max_payload;
  g_queue_init (&relay->early);
  relay->early_types = g_array_new (FALSE, FALSE, sizeof (int));
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (relay_upgraded_cb), relay);
  g_signal_connect (msg, "finished", G_CALLBACK (relay_abandoned_cb), relay);
}

static void
located_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Pending *pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = wg_pg_exercises_list_finish (NULL, result, &error);
  SoupServerMessage *msg = pending->msg;
  WgPgExerciseRow *row;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      pending_finish (pending, TRUE);
      return;
    }
  if (rows == NULL)
    wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  else if (rows->len == 0)
    wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-exercise", NULL);
  else if (!((WgPgExerciseRow *) rows->pdata[0])->resumable)
    {
      /* Registered before the journal and lease were kept here: nothing to
       * resume it from, no instance runs it; its record is what is left. */
      g_autoptr(JsonNode) record = NULL;

      row = rows->pdata[0];
      if (is_record_read (msg) && (record = registered_record (row->record)) != NULL)
        wg_json_respond (msg, SOUP_STATUS_OK, record);
      else
        wg_problem_respond (msg, SOUP_STATUS_GONE, "exercise-not-resumable",
                            _("This exercise was started before exercises were kept in the database: only its "
                              "record can be read"));
    }
  else if (g_str_has_suffix (g_uri_get_path (soup_server_message_get_uri (msg)), "/stream"))
    {
      row = rows->pdata[0];
      relay_stream (pending->engine->exercises, msg, row->owner_url, pending->engine->config.ws_max_message_bytes);
    }
  else
    {
      forward (pending, rows->pdata[0]);
      return;
    }
  pending_finish (pending, FALSE);
}

/* With --database, a request for an exercise this instance does not run:
 * looked up in the register and forwarded to its owner.  FALSE: not such
 * a request. */
static gboolean
route_elsewhere (WgEngine          *self,
                 SoupServerMessage *msg,
                 const char        *path)
{
  Exercises *exercises = self->exercises;
  g_autofree char *id = path_exercise_id (path);
  WgStreamIdentity identity = { 0 };

  if (exercises->pg == NULL || id == NULL || g_hash_table_contains (exercises->by_id, id))
    return FALSE;
  /* Who asks, before saying whether it exists; the owner decides the rest. */
  if (!wg_server_identify (self->server, msg, &identity))
    return TRUE;
  wg_stream_identity_clear (&identity);
  if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), FORWARDED_HEADER) != NULL)
    {
      /* Its owner moved (restarted elsewhere): the register is behind. */
      wg_problem_respond (msg, SOUP_STATUS_MISDIRECTED_REQUEST, "exercise-elsewhere", NULL);
      return TRUE;
    }
  wg_pg_exercises_list_async (exercises->pg, id, exercises->cancellable, located_cb, pending_new (self, msg));
  return TRUE;
}

/* Every request under /api/v1/exercises comes here (libsoup matches the
 * longest prefix): the stream's upgrade, else the router as usual. */
static void
exercises_http_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  WgEngine *self = user_data;
  WgStreamIdentity identity = { 0 };
  Exercise *ex;

  if (route_elsewhere (self, msg, path))
    return;
  if (!g_str_has_suffix (path, "/stream"))
    {
      wg_router_dispatch (wg_server_get_router (self->server), msg);
      if (wg_server_is_shutting_down (self->server))
        soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      return;
    }
  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", "GET");
      wg_problem_respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed", NULL);
      return;
    }
  if (wg_server_is_shutting_down (self->server))
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting-down", NULL);
      return;
    }
  if (!wg_server_identify (self->server, msg, &identity))
    return;
  ex = stream_exercise (self, path);
  if (ex == NULL)
    wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-exercise", NULL);
  else
    wg_stream_hub_prepare (ex->hub, msg, query, &identity);
  wg_stream_identity_clear (&identity);
}

static void
exercises_websocket_cb (SoupServer              *server,
                        SoupServerMessage       *msg,
                        const char              *path,
                        SoupWebsocketConnection *connection,
                        gpointer                 user_data)
{
  WgEngine *self = user_data;
  Exercise *ex = stream_exercise (self, path);

  if (ex != NULL)
    wg_stream_hub_accept (ex->hub, msg, connection);
  else
    soup_websocket_connection_close (connection, WG_STREAM_CLOSE_INTERNAL, "no such exercise");
}

/* ---- life --------------------------------------------------------------- */

/* An exercise from its record as saved (exercises/<id>.json, or the
 * register's on PostgreSQL), without its store. */
static Exercise *
exercise_from_record (WgEngine    *self,
                      const char  *id,
                      JsonNode    *root,
                      GError     **error)
{
  JsonObject *o;
  JsonArray *ids = NULL;
  const char *state;
  Exercise *ex;

  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD, "exercise %s: its record is not an object", id);
      return NULL;
    }
  o = json_node_get_object (root);
  ex = exercise_new (self, id);
  ex->title = g_strdup (json_object_get_string_member_with_default (o, "title", id));
  ex->scenario_file = g_strdup (json_object_get_string_member_with_default (o, "scenario", NULL));
  ex->source_incident = g_strdup (json_object_get_string_member_with_default (o, "source_incident", NULL));
  ex->source_at = json_object_get_int_member_with_default (o, "source_at", 0);
  ex->started_by = g_strdup (json_object_get_string_member_with_default (o, "started_by", ""));
  ex->started_at = json_object_get_int_member_with_default (o, "started_at", 0);
  ex->start_clock = json_object_get_int_member_with_default (o, "start_clock", ex->started_at);
  ex->ended_at = json_object_get_int_member_with_default (o, "ended_at", 0);
  ex->paused_ms = json_object_get_int_member_with_default (o, "paused_ms", 0);
  ex->paused_at = json_object_get_int_member_with_default (o, "paused_at", 0);
  ex->incident = g_strdup (json_object_get_string_member_with_default (o, "incident", NULL));
  state = json_object_get_string_member_with_default (o, "state", "ended");
  ex->state = g_str_equal (state, "running") ? EXERCISE_RUNNING
            : g_str_equal (state, "paused") ? EXERCISE_PAUSED : EXERCISE_ENDED;
  if (json_object_has_member (o, "fired") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "fired")))
    {
      json_array_unref (ex->fired);
      ex->fired = json_array_ref (json_object_get_array_member (o, "fired"));
    }
  if (json_object_has_member (o, "first_actions") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "first_actions")))
    {
      json_object_unref (ex->first_actions);
      ex->first_actions = json_object_ref (json_object_get_object_member (o, "first_actions"));
    }
  if (json_object_has_member (o, "control_ids") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "control_ids")))
    ids = json_object_get_array_member (o, "control_ids");
  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
    g_hash_table_add (ex->control_ids, g_strdup (json_array_get_string_element (ids, i)));
  log_from_record (ex);
  if (ex->scenario_file != NULL && (ex->scenario = load_scenario (self, ex->scenario_file, error)) == NULL)
    {
      exercise_free (ex);
      return NULL;
    }
  return ex;
}

/* On SQLite: an exercise of this data directory, from its files. */
static gboolean
load_exercise (WgEngine    *self,
               const char  *record_path,
               GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *base = g_path_get_basename (record_path);
  g_autofree char *id = g_strndup (base, strlen (base) - strlen (".json"));
  g_autofree char *db = store_path (self, id);
  g_autoptr(WgStore) store = NULL;
  Exercises *exercises = self->exercises;
  Exercise *ex;

  if (!json_parser_load_from_file (parser, record_path, error))
    return FALSE;
  ex = exercise_from_record (self, id, json_parser_get_root (parser), error);
  if (ex == NULL)
    return FALSE;
  store = wg_store_open (db, error);
  if (store == NULL || !exercise_open_store (ex, g_steal_pointer (&store), error))
    {
      exercise_free (ex);
      return FALSE;
    }
  g_hash_table_insert (exercises->by_id, ex->id, ex);
  return TRUE;
}

/* ---- leases (PostgreSQL) -------------------------------------------------- */

/* This instance appends no more to @id (its lease lost, or its copy behind
 * PostgreSQL): dropped, its streams closed (consoles reconnect, through
 * the register, to whoever runs it).  Still ours in the register, it is
 * claimed again and rebuilt from PostgreSQL at the next tick. */
static void
exercise_lost (WgEngine     *self,
               const char   *id,
               const GError *error)
{
  Exercises *exercises = self->exercises;
  Exercise *ex = g_hash_table_lookup (exercises->by_id, id);

  if (ex == NULL)
    return;
  g_message ("Exercise %s no longer runs here: %s", id, error->message);
  wg_stream_hub_close_all (ex->hub, WG_STREAM_CLOSE_GOING_AWAY, "the exercise moved");
  g_hash_table_remove (exercises->by_id, id);
}

static GStrv
held_ids (Exercises *exercises)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer key;
  GStrv ids;

  g_hash_table_iter_init (&iter, exercises->by_id);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_strv_builder_add (builder, key);
  g_hash_table_iter_init (&iter, exercises->unusable);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_strv_builder_add (builder, key);
  ids = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ids;
}

typedef struct
{
  WgEngine *engine;
  GStrv     running;   /* the ids run here when the renewal was queued */
} Renewal;

static void
renewed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Renewal *renewal = user_data;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) held = wg_pg_exercises_renew_finish (NULL, result, &error);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      renewal->engine->exercises->renewing = FALSE;
      if (held == NULL)
        g_message ("Cannot renew the exercises' leases: %s", error->message);
      for (guint i = 0; held != NULL && renewal->running[i] != NULL; i++)
        if (!g_strv_contains ((const char * const *) held, renewal->running[i]))
          {
            g_autoptr(GError) lost = g_error_new (WG_PG_EXERCISES_ERROR, WG_PG_EXERCISES_ERROR_LEASE_LOST,
                                                  "another instance took its lease over");

            exercise_lost (renewal->engine, renewal->running[i], lost);
          }
    }
  g_strfreev (renewal->running);
  g_free (renewal);
}

/* Each unit's latest position as PostgreSQL has it, onto the exercise's
 * track here (a point older than the one there, from an earlier turn as
 * owner, changes nothing). */
static gboolean
adopt_positions (Exercise   *ex,
                 GPtrArray  *positions,
                 GError    **error)
{
  if (positions->len == 0)
    return TRUE;
  if (!wg_track_store_begin (ex->tracks, error))
    return FALSE;
  for (guint i = 0; i < positions->len; i++)
    if (!wg_track_store_add (ex->tracks, positions->pdata[i], NULL, NULL, error))
      {
        wg_track_store_rollback (ex->tracks);
        return FALSE;
      }
  return wg_track_store_commit (ex->tracks, error);
}

/* A claimed exercise rebuilt from PostgreSQL: its store emptied and
 * filled with its journal and answers under its own journal id, its
 * record as last synced, its units' latest positions.  The points kept
 * on the track before (the history) stay in the old owner's file. */
static gboolean
adopt_exercise (WgEngine           *self,
                WgPgExerciseClaim  *claim,
                GError            **error)
{
  Exercises *exercises = self->exercises;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autofree char *db = store_path (self, claim->id);
  g_autoptr(WgStore) store = NULL;
  const char *journal_id;
  Exercise *ex;

  if (!json_parser_load_from_data (parser, claim->saved, -1, error))
    return FALSE;
  ex = exercise_from_record (self, claim->id, json_parser_get_root (parser), error);
  if (ex == NULL)
    return FALSE;
  journal_id = json_object_get_string_member_with_default (json_node_get_object (json_parser_get_root (parser)),
                                                          "journal_id", NULL);
  for (guint i = 0; i < claim->events->len; i++)
    {
      g_autoptr(JsonParser) event_parser = json_parser_new ();
      WgEvent *event;

      if (!json_parser_load_from_data (event_parser, claim->events->pdata[i], -1, error) ||
          (event = wg_event_from_json (json_parser_get_root (event_parser), error)) == NULL)
        {
          exercise_free (ex);
          return FALSE;
        }
      g_ptr_array_add (events, event);
    }
  store = wg_store_open (db, error);
  if (store == NULL ||
      (journal_id != NULL && !wg_store_reset (store, journal_id, error)) ||
      !exercise_open_store (ex, g_steal_pointer (&store), error) ||
      (events->len > 0 && !wg_store_apply_events (ex->store, events, error)) ||
      !wg_store_import_answers (ex->store, claim->answers, error) ||
      !adopt_positions (ex, claim->positions, error) ||
      !exercise_save (ex, error))
    {
      exercise_free (ex);
      return FALSE;
    }
  /* Nothing new to store: the record only, with this owner's address. */
  ex->dirty = FALSE;
  ex->stored_head = wg_store_head (ex->store);
  g_hash_table_insert (exercises->by_id, ex->id, ex);
  return TRUE;
}

static void
claimed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  WgEngine *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) claims = wg_pg_exercises_claim_finish (NULL, result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->exercises->claiming = FALSE;
  if (claims == NULL)
    {
      g_message ("Cannot look for exercises to take over: %s", error->message);
      return;
    }
  for (guint i = 0; i < claims->len; i++)
    {
      WgPgExerciseClaim *claim = claims->pdata[i];
      g_autoptr(GError) local_error = NULL;
      Exercise *ex;

      if (!adopt_exercise (self, claim, &local_error))
        {
          /* Another instance may run it (its scenario file there...). */
          g_warning ("Cannot take exercise %s over: %s", claim->id, local_error->message);
          g_hash_table_add (self->exercises->unusable, g_strdup (claim->id));
          wg_pg_exercises_release (self->exercises->pg, self->exercises->instance, claim->id);
          continue;
        }
      ex = g_hash_table_lookup (self->exercises->by_id, claim->id);
      g_message ("Exercise %s runs here now (%" G_GINT64_FORMAT " events from PostgreSQL)", ex->id,
                 wg_store_head (ex->store));
      /* The steps that fell due meanwhile fire at once, in order; the
       * next tick stores them, with the record. */
      fire_due_steps (ex);
      run_timers (ex);
      ex->dirty = TRUE;
    }
}

/* Each tick: renews this instance's leases, and claims the exercises whose
 * owner let its lease lapse (and its own it does not run yet, as after a
 * restart). */
static void
keep_leases (WgEngine *self)
{
  Exercises *exercises = self->exercises;
  g_auto(GStrv) held = held_ids (exercises);

  if (!exercises->renewing)
    {
      Renewal *renewal = g_new0 (Renewal, 1);

      renewal->engine = self;
      renewal->running = g_strdupv (held);
      exercises->renewing = TRUE;
      wg_pg_exercises_renew_async (exercises->pg, exercises->instance, exercises->lease_ms, exercises->cancellable,
                                   renewed_cb, renewal);
    }
  if (!exercises->claiming)
    {
      exercises->claiming = TRUE;
      wg_pg_exercises_claim_async (exercises->pg, exercises->instance, owner_url (self), exercises->lease_ms,
                                   (const char * const *) held, exercises->cancellable, claimed_cb, self);
    }
}

/* At start, before the main loop runs: the exercises this instance still
 * holds (a restart within their lease) and the lapsed ones are claimed and
 * rebuilt before it serves, as SQLite's are loaded from their files. */
static void
claim_at_start (WgEngine *self)
{
  Exercises *exercises = self->exercises;
  g_autoptr(GMainContext) context = g_main_context_new ();
  const char *const none[] = { NULL };

  g_main_context_push_thread_default (context);
  exercises->claiming = TRUE;
  wg_pg_exercises_claim_async (exercises->pg, exercises->instance, owner_url (self), exercises->lease_ms, none,
                               exercises->cancellable, claimed_cb, self);
  while (exercises->claiming)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
}

/* The id of the instance running on this data directory: kept in
 * exercises/instance-id, so that a restart holds its leases still. */
static char *
instance_id (const char  *dir,
             GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "instance-id", NULL);
  g_autofree char *text = NULL;
  g_autofree char *fresh = NULL;

  if (g_file_get_contents (path, &text, NULL, NULL) && g_uuid_string_is_valid (g_strstrip (text)))
    return g_steal_pointer (&text);
  fresh = g_uuid_string_random ();
  if (!g_file_set_contents (path, fresh, -1, error))
    return NULL;
  return g_steal_pointer (&fresh);
}

static void
exercises_free (gpointer data)
{
  Exercises *exercises = data;

  g_clear_handle_id (&exercises->tick_id, g_source_remove);
  g_cancellable_cancel (exercises->cancellable);
  g_clear_object (&exercises->forwarder);
  g_clear_pointer (&exercises->pg, wg_pg_exercises_free);
  g_clear_pointer (&exercises->unusable, g_hash_table_unref);
  g_free (exercises->instance);
  g_clear_object (&exercises->cancellable);
  g_free (exercises->owner_url);
  g_clear_pointer (&exercises->by_id, g_hash_table_unref);
  g_clear_pointer (&exercises->limiter, wg_rate_limiter_free);
  g_free (exercises->dir);
  g_free (exercises);
}

gboolean
_wg_engine_exercises_init (WgEngine  *self,
                           WgRouter  *router,
                           GError   **error)
{
  Exercises *exercises = g_new0 (Exercises, 1);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  self->exercises = exercises;
  exercises->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, exercise_free);
  exercises->dir = g_build_filename (wg_server_get_data_dir (self->server), "exercises", NULL);
  exercises->limiter = wg_rate_limiter_new (self->config.command_rate, self->config.command_burst);
  exercises->cancellable = g_cancellable_new ();
  exercises->unusable = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_mkdir_with_parents (exercises->dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", exercises->dir, g_strerror (saved));
      return FALSE;
    }
  if (self->config.database != NULL)
    {
      exercises->pg = wg_pg_exercises_open (self->config.database, error);
      if (exercises->pg == NULL)
        return FALSE;
      exercises->forwarder = soup_session_new_with_options ("timeout", FORWARD_TIMEOUT_S, NULL);
      exercises->instance = instance_id (exercises->dir, error);
      if (exercises->instance == NULL)
        return FALSE;
      exercises->lease_ms = self->config.exercise_lease_seconds * 1000;
    }
  dir = g_dir_open (exercises->dir, 0, error);
  if (dir == NULL)
    return FALSE;
  /* On PostgreSQL the files are a cache: the exercises this instance holds
   * are claimed and rebuilt from there as it starts. */
  while (exercises->pg == NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!g_str_has_suffix (name, ".json"))
        continue;
      path = g_build_filename (exercises->dir, name, NULL);
      if (!load_exercise (self, path, &local_error))
        g_warning ("Cannot resume the exercise in %s: %s", name, local_error->message);
    }

  wg_router_add (router, "POST", EXERCISES_PATH, post_exercises_cb, self);
  wg_router_add (router, "GET", EXERCISES_PATH, get_exercises_cb, self);
  wg_router_add (router, "GET", EXERCISES_PATH "/{id}", get_exercise_cb, self);
  wg_router_add (router, "POST", EXERCISES_PATH "/{id}/commands", post_commands_cb, self);
  wg_router_add (router, "GET", EXERCISES_PATH "/{id}/journal", get_journal_cb, self);
  wg_router_add (router, "GET", EXERCISES_PATH "/{id}/snapshot", get_snapshot_cb, self);
  wg_router_add (router, "POST", EXERCISES_PATH "/{id}/positions", post_positions_cb, self);
  wg_router_add (router, "GET", EXERCISES_PATH "/{id}/positions", get_positions_cb, self);
  wg_router_add (router, "GET", EXERCISES_PATH "/{id}/positions/latest", get_positions_latest_cb, self);
  wg_router_add (router, "GET", EXERCISES_PATH "/{id}/incidents/{incident}/events", get_incident_events_cb, self);
  wg_router_add (router, "GET", EXERCISES_PATH "/{id}/incidents/{incident}/cap", get_cap_cb, self);
  soup_server_add_handler (wg_server_get_soup_server (self->server), EXERCISES_PATH, exercises_http_cb, self, NULL);
  soup_server_add_websocket_handler (wg_server_get_soup_server (self->server), EXERCISES_PATH, NULL, NULL,
                                     exercises_websocket_cb, self, NULL);
  return TRUE;
}

/* Running exercises resume: the steps that fell due while the server was
 * down fire now, in order (on PostgreSQL once claimed, which registers the
 * address this instance has now). */
void
_wg_engine_exercises_start (WgEngine *self)
{
  Exercises *exercises = self->exercises;

  if (exercises->tick_id == 0)
    {
      if (exercises->pg != NULL)
        claim_at_start (self);
      tick_cb (self);
      exercises->tick_id = g_timeout_add_seconds (TICK_INTERVAL_S, tick_cb, self);
    }
}

/* A graceful stop, after the last answer: what the steps and timers
 * appended since the last tick is stored, then every lease of this
 * instance is given up, so that another claims its exercises at its next
 * tick instead of waiting the lease out.  Both are queued on the
 * register's worker, which runs them in order before it stops.  A sync
 * refused (another took the lease meanwhile) stores nothing, as ever. */
static void
hand_exercises_over (WgEngine *self)
{
  Exercises *exercises = self->exercises;
  GHashTableIter iter;
  gpointer value;

  g_clear_handle_id (&exercises->tick_id, g_source_remove);
  g_hash_table_iter_init (&iter, exercises->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    exercise_sync_pending (value);
  wg_pg_exercises_release (exercises->pg, exercises->instance, NULL);
}

void
_wg_engine_exercises_fini (WgEngine *self)
{
  if (self->exercises != NULL && self->server != NULL)
    soup_server_remove_handler (wg_server_get_soup_server (self->server), EXERCISES_PATH);
  /* Not when the start failed before this instance had an id. */
  if (self->exercises != NULL && self->exercises->pg != NULL && self->exercises->instance != NULL)
    hand_exercises_over (self);
  g_clear_pointer (&self->exercises, exercises_free);
}
