/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-drill-session"

#include "config.h"

#include <glib/gstdio.h>

#include "wg-dispatch-dialog.h"
#include "wg-drill-session.h"
#include "wg-store-reference.h"

struct _WgDrillSession
{
  GObject         parent_instance;

  WgContext      *context;
  char           *id;
  char           *title;
  WgDrillScorer  *scorer;
  gint64          fed_seq;      /* the last event the scorer took */
  gboolean        loading;      /* reading the journal from its start */
  GPtrArray      *queued;       /* WgEvent*: arrived while loading */
  GCancellable   *cancellable;
  char           *scenario_file;   /* the scenario it plays, or NULL */
  gboolean        from_incident;   /* started from a past incident */
  char           *source_incident; /* its id (the same in the exercise) */
  char           *cache_dir;       /* the exercise's own cache, removed at the end */
  JsonObject     *record;          /* as GET /api/v1/exercises/{id} last gave it, or NULL */
  GHashTable     *unproposed;      /* incidents alarmed before the cache knew them */
};

G_DEFINE_FINAL_TYPE (WgDrillSession, wg_drill_session, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The cache file and SQLite's files beside it. */
static void
remove_cache_dir (const char *dir)
{
  static const char *const names[] = { "cache.db", "cache.db-wal", "cache.db-shm", "cache.db-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
wg_drill_session_finalize (GObject *object)
{
  WgDrillSession *self = WG_DRILL_SESSION (object);
  WgSyncClient *sync = self->context != NULL ? wg_context_get_sync_client (self->context) : NULL;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->queued, g_ptr_array_unref);
  g_clear_pointer (&self->unproposed, g_hash_table_unref);
  if (sync != NULL)
    wg_sync_client_stop (sync);
  g_clear_object (&self->context);
  if (self->cache_dir != NULL)
    remove_cache_dir (self->cache_dir);
  g_free (self->cache_dir);
  g_clear_pointer (&self->scorer, wg_drill_scorer_free);
  g_free (self->id);
  g_free (self->title);
  g_free (self->source_incident);
  g_free (self->scenario_file);
  g_clear_pointer (&self->record, json_object_unref);
  G_OBJECT_CLASS (wg_drill_session_parent_class)->finalize (object);
}

static void
wg_drill_session_class_init (WgDrillSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wg_drill_session_finalize;

  /**
   * WgDrillSession::changed:
   *
   * Events of the exercise arrived: the score may have changed.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wg_drill_session_init (WgDrillSession *self)
{
  self->queued = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  self->cancellable = g_cancellable_new ();
  self->unproposed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* The facts a proposal for @incident is made of, as the cache has them. */
typedef struct
{
  char            *incident;
  WgDispatchFacts *facts;
} ProposalFacts;

static void
proposal_facts_free (ProposalFacts *p)
{
  g_free (p->incident);
  g_clear_pointer (&p->facts, wg_dispatch_facts_free);
  g_free (p);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProposalFacts, proposal_facts_free)

static gpointer
read_proposal_facts (WgStore  *store,
                     gpointer  incident,
                     GError  **error)
{
  g_autoptr(ProposalFacts) p = g_new0 (ProposalFacts, 1);

  p->facts = wg_dispatch_read_facts (store, incident, error);
  if (p->facts == NULL)
    return NULL;
  p->incident = g_strdup (incident);
  return g_steal_pointer (&p);
}

/* What the dispatch dialog would preselect at the alarm: the response
 * plan's picks, for the score grid's comparison.  The cache as it stood
 * then, read off the main loop (with a server, on the writer after the
 * batches before). */
static void
proposal_read (GObject      *owner,
               gpointer      answer,
               const GError *error)
{
  WgDrillSession *self = WG_DRILL_SESSION (owner);
  g_autoptr(ProposalFacts) p = answer;
  g_autoptr(GArray) ranked = NULL;
  g_autoptr(GPtrArray) units = g_ptr_array_new ();

  if (p == NULL)
    {
      g_warning ("Could not read the dispatch proposal's facts: %s", error->message);
      return;
    }
  /* Not in the cache yet (the score's journal may come before the
   * cache's snapshot): proposed when a batch brings it. */
  if (p->facts->incident.id == NULL)
    {
      g_hash_table_add (self->unproposed, g_steal_pointer (&p->incident));
      return;
    }
  ranked = wg_dispatch_rank (self->context, &p->facts->incident, p->facts->busy, 0);
  for (guint i = 0; i < ranked->len; i++)
    {
      WgDispatchCandidate *c = &g_array_index (ranked, WgDispatchCandidate, i);

      if (c->in_plan)
        g_ptr_array_add (units, c->force->id);
    }
  g_ptr_array_add (units, NULL);
  wg_drill_scorer_set_proposal (self->scorer, p->incident, (const char * const *) units->pdata);
  if (!self->loading)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void
record_proposal (WgDrillSession *self,
                 const char     *incident)
{
  wg_context_read_cache (self->context, read_proposal_facts, g_strdup (incident), g_free,
                         (GDestroyNotify) proposal_facts_free, NULL, proposal_read, G_OBJECT (self));
}

/* In seq order, each once: the journal read from its start and the
 * events the sync client applies overlap. */
static void
feed (WgDrillSession *self,
      WgEvent        *event)
{
  if (event->seq > 0 && event->seq <= self->fed_seq)
    return;
  self->fed_seq = MAX (self->fed_seq, event->seq);
  /* From a past incident, the journal opens with that incident's events. */
  if (self->from_incident && self->source_incident == NULL && event->incident != NULL)
    self->source_incident = g_strdup (event->incident);
  wg_drill_scorer_add_event (self->scorer, event);
  if (event->type == WG_EV_ALARM_RAISED && event->incident != NULL)
    record_proposal (self, event->incident);
}

static void
events_applied_cb (WgDrillSession *self,
                   GPtrArray      *events)
{
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->incident != NULL && g_hash_table_remove (self->unproposed, event->incident))
        record_proposal (self, event->incident);
    }
  for (guint i = 0; i < events->len; i++)
    {
      if (self->loading)
        g_ptr_array_add (self->queued, wg_event_ref (events->pdata[i]));
      else
        feed (self, events->pdata[i]);
    }
  if (!self->loading)
    g_signal_emit (self, signals[CHANGED], 0);
}

static void load_page (WgDrillSession *self);
static void load_reality (WgDrillSession *self);

static void
finish_loading (WgDrillSession *self)
{
  self->loading = FALSE;
  for (guint i = 0; i < self->queued->len; i++)
    feed (self, self->queued->pdata[i]);
  g_ptr_array_set_size (self->queued, 0);
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
page_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WgDrillSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonObject *object;
  JsonArray *array = NULL;
  gboolean more = FALSE;

  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  object = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  if (object != NULL && json_object_has_member (object, "events"))
    array = json_object_get_array_member (object, "events");
  if (array == NULL)
    g_warning ("Could not read the exercise's journal for its score: %s",
               error != NULL ? error->message : problem != NULL ? problem->title : "no events");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      g_autoptr(WgEvent) event = wg_event_from_json (json_array_get_element (array, i), &error);

      if (event == NULL)
        {
          g_warning ("An exercise event this console cannot read: %s", error->message);
          array = NULL;
          break;
        }
      feed (self, event);
    }
  if (array != NULL)
    more = json_object_get_boolean_member_with_default (object, "more", FALSE) && json_array_get_length (array) > 0;
  if (more)
    {
      load_page (self);
      return;
    }

  if (self->from_incident && self->source_incident != NULL)
    load_reality (self);
  else
    finish_loading (self);
}

/* A trainer may join late: the score needs the journal from its start,
 * while the cache starts from a snapshot. */
static void
load_page (WgDrillSession *self)
{
  WgSyncClient *sync = wg_context_get_sync_client (self->context);
  g_autofree char *escaped = g_uri_escape_string (self->id, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/api/v1/exercises/%s/journal?after=%" G_GINT64_FORMAT "&limit=1000",
                                           escaped, self->fed_seq);

  wg_api_client_request_async (wg_sync_client_get_api (sync), "GET", path, NULL, self->cancellable,
                               page_cb, g_object_ref (self));
}

/* An exercise from a past incident: beside each decision, what the centre
 * really did (the incident keeps its id in the exercise). */
static void
reality_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WgDrillSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  JsonObject *object;
  JsonArray *array = NULL;

  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  object = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  if (object != NULL && json_object_has_member (object, "events"))
    array = json_object_get_array_member (object, "events");
  if (array == NULL)
    g_warning ("Could not read the past incident of the exercise: %s",
               error != NULL ? error->message : problem != NULL ? problem->title : "no events");
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      WgEvent *event = wg_event_from_json (json_array_get_element (array, i), NULL);

      if (event != NULL)
        g_ptr_array_add (events, event);
    }
  wg_drill_scorer_set_reality (self->scorer, self->source_incident, events);
  finish_loading (self);
}

static void
load_reality (WgDrillSession *self)
{
  WgSyncClient *sync = wg_context_get_sync_client (self->context);
  g_autofree char *escaped = g_uri_escape_string (self->source_incident, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/api/v1/incidents/", escaped, "/events", NULL);

  wg_api_client_request_async (wg_sync_client_get_api (sync), "GET", path, NULL, self->cancellable,
                               reality_cb, g_object_ref (self));
}

static void
record_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WgDrillSession) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = NULL;
  JsonObject *record;

  answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  record = answer != NULL && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  if (record == NULL)
    g_warning ("Could not read the exercise's record: %s", error != NULL ? error->message : "not an object");
  if (record != NULL)
    wg_drill_session_set_record (self, record);
  load_page (self);
}

static void
load_record (WgDrillSession *self)
{
  WgSyncClient *sync = wg_context_get_sync_client (self->context);
  g_autofree char *escaped = g_uri_escape_string (self->id, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/api/v1/exercises/", escaped, NULL);

  wg_api_client_request_async (wg_sync_client_get_api (sync), "GET", path, NULL, self->cancellable,
                               record_cb, g_object_ref (self));
}

WgDrillSession *
wg_drill_session_new (WgContext  *drill,
                      const char *id,
                      const char *title)
{
  WgDrillSession *self;
  const WgActor *actor;

  g_return_val_if_fail (WG_IS_CONTEXT (drill), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  self = g_object_new (WG_TYPE_DRILL_SESSION, NULL);
  self->context = g_object_ref (drill);
  self->id = g_strdup (id);
  self->title = g_strdup (title != NULL ? title : id);
  self->scorer = wg_drill_scorer_new (wg_context_get_reference (drill));
  /* The cache belongs to the exercise: its events carry its id, and only
   * boards over this cache show them. */
  wg_store_set_exercise (wg_context_get_store (drill), id);
  /* An exercise run on this console (no server): its case numbers, like the
   * server's exercises', read EX-… */
  if (wg_context_get_sync_client (drill) == NULL)
    wg_rules_set_case_mark (wg_store_get_rules (wg_context_get_store (drill)), "EX-");
  actor = wg_context_get_actor (drill);
  /* Whoever joins is a participant, scored also when never acting. */
  if (actor != NULL && (actor->role == WG_ROLE_DUTY_LEADER || actor->role == WG_ROLE_DISPATCHER))
    wg_drill_scorer_add_trainee (self->scorer, actor->username, wg_role_to_string (actor->role));
  g_signal_connect_object (drill, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}

/* What a join makes off the main loop: the exercise's own cache (a file
 * in a private temporary folder, the reference written into it) and its
 * outbox.  Nothing of it can reach the live ones, and it is gone with the
 * session. */
typedef struct
{
  WgReference *reference;
  char        *id;
  char        *title;
  char        *cache_dir;
  WgStore     *cache;
  WgOutbox    *outbox;
} Joining;

static void
joining_free (Joining *joining)
{
  g_clear_object (&joining->reference);
  g_free (joining->id);
  g_free (joining->title);
  g_clear_pointer (&joining->outbox, wg_outbox_close);
  g_clear_pointer (&joining->cache, wg_store_unref);
  if (joining->cache_dir != NULL)
    remove_cache_dir (joining->cache_dir);
  g_free (joining->cache_dir);
  g_free (joining);
}

/* The reference's rows are thousands of statements: on a thread of its
 * own, through connections the main loop gets once they are ready. */
static void
open_cache_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Joining *joining = task_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *cache_path = NULL;

  joining->cache_dir = g_dir_make_tmp ("wangge-drill-XXXXXX", &error);
  if (joining->cache_dir == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The sync client's writer thread applies pages through a connection
   * of its own: the cache is a file. */
  cache_path = g_build_filename (joining->cache_dir, "cache.db", NULL);
  joining->cache = wg_store_open (cache_path, &error);
  if (joining->cache == NULL || !wg_store_adopt_reference (joining->cache, joining->reference, &error)
      || (joining->outbox = wg_outbox_open (":memory:", &error)) == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
wg_drill_session_new_remote_async (WgContext           *live,
                                   const char          *id,
                                   const char          *title,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Joining *joining;

  g_return_if_fail (WG_IS_CONTEXT (live));
  g_return_if_fail (id != NULL);

  task = g_task_new (live, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_drill_session_new_remote_async);
  if (wg_context_get_sync_client (live) == NULL || wg_context_get_actor (live) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "no server to join an exercise on");
      return;
    }
  joining = g_new0 (Joining, 1);
  joining->reference = g_object_ref (wg_context_get_reference (live));
  joining->id = g_strdup (id);
  joining->title = g_strdup (title);
  g_task_set_task_data (task, joining, (GDestroyNotify) joining_free);
  g_task_run_in_thread (task, open_cache_thread);
}

WgDrillSession *
wg_drill_session_new_remote_finish (WgContext     *live,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  Joining *joining;
  WgSyncClient *live_sync;
  const WgActor *actor;
  g_autoptr(WgClock) clock = NULL;
  g_autoptr(WgSyncClient) sync = NULL;
  g_autoptr(WgContext) context = NULL;
  g_autofree char *base_path = NULL;
  g_autofree char *escaped = NULL;
  WgDrillSession *session;

  g_return_val_if_fail (g_task_is_valid (result, live), NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  joining = g_task_get_task_data (G_TASK (result));
  live_sync = wg_context_get_sync_client (live);
  actor = wg_context_get_actor (live);
  clock = wg_clock_new ();
  sync = wg_sync_client_new (wg_sync_client_get_api (live_sync), joining->cache, joining->outbox, clock,
                             actor->username,
                             actor->role != WG_ROLE_GRID_WORKER && actor->role != WG_ROLE_DEPARTMENT);
  escaped = g_uri_escape_string (joining->id, NULL, FALSE);
  base_path = g_strconcat ("/api/v1/exercises/", escaped, NULL);
  wg_sync_client_set_base_path (sync, base_path);
  /* The context owns the outbox from here. */
  context = wg_context_new (joining->reference, joining->cache, sync, g_steal_pointer (&joining->outbox), clock,
                            actor);
  session = wg_drill_session_new (context, joining->id, joining->title);
  session->cache_dir = g_steal_pointer (&joining->cache_dir);
  session->loading = TRUE;
  load_record (session);
  wg_sync_client_start (sync);
  return session;
}

void
wg_drill_session_set_record (WgDrillSession *self,
                             JsonObject     *record)
{
  g_return_if_fail (WG_IS_DRILL_SESSION (self));
  g_return_if_fail (record != NULL);

  g_clear_pointer (&self->record, json_object_unref);
  self->record = json_object_ref (record);
  g_free (self->scenario_file);
  self->scenario_file = g_strdup (json_object_get_string_member_with_default (record, "scenario", NULL));
  self->from_incident = json_object_get_string_member_with_default (record, "source_incident", NULL) != NULL;
  if (json_object_has_member (record, "start_clock"))
    wg_drill_scorer_set_start (self->scorer, json_object_get_int_member (record, "start_clock"));
}

JsonObject *
wg_drill_session_get_record (WgDrillSession *self)
{
  g_return_val_if_fail (WG_IS_DRILL_SESSION (self), NULL);
  return self->record;
}

const char *
wg_drill_session_get_source_incident (WgDrillSession *self)
{
  g_return_val_if_fail (WG_IS_DRILL_SESSION (self), NULL);
  return self->source_incident;
}

WgContext *
wg_drill_session_get_context (WgDrillSession *self)
{
  g_return_val_if_fail (WG_IS_DRILL_SESSION (self), NULL);
  return self->context;
}

const char *
wg_drill_session_get_id (WgDrillSession *self)
{
  g_return_val_if_fail (WG_IS_DRILL_SESSION (self), NULL);
  return self->id;
}

const char *
wg_drill_session_get_title (WgDrillSession *self)
{
  g_return_val_if_fail (WG_IS_DRILL_SESSION (self), NULL);
  return self->title;
}

const char *
wg_drill_session_get_scenario_file (WgDrillSession *self)
{
  g_return_val_if_fail (WG_IS_DRILL_SESSION (self), NULL);
  return self->scenario_file;
}

WgDrillScorer *
wg_drill_session_get_scorer (WgDrillSession *self)
{
  g_return_val_if_fail (WG_IS_DRILL_SESSION (self), NULL);
  return self->scorer;
}

WgDrillScore *
wg_drill_session_compute (WgDrillSession *self,
                          gboolean        ended)
{
  g_return_val_if_fail (WG_IS_DRILL_SESSION (self), NULL);
  return wg_drill_scorer_compute (self->scorer, wg_context_now_ms (self->context), ended);
}
