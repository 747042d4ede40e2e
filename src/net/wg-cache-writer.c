/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-cache-writer"

#include "config.h"

#include "wg-api-client.h"
#include "wg-cache-writer.h"
#include "wg-event.h"
#include "wg-store.h"
#include "wg-store-reference.h"
#include "wg-store-snapshot.h"

/* Past this many incidents a batch reads them all in two queries rather
 * than two queries each (a snapshot, a catch-up page). */
#define MANY_INCIDENTS 64

struct _WgCacheWriter
{
  GObject      parent_instance;

  char        *path;
  gboolean     full_view;
  GThreadPool *pool;   /* one thread: jobs run one at a time, in order */
  WgStore     *store;  /* the worker's own connection, opened on it */
  char        *exercise; /* the cache's exercise (a drill's cache), or NULL: the caller's */
};

G_DEFINE_FINAL_TYPE (WgCacheWriter, wg_cache_writer, G_TYPE_OBJECT)

typedef enum
{
  JOB_EVENTS,
  JOB_PAGE,
  JOB_SNAPSHOT,
  JOB_ENDED,
  JOB_RESET,
  JOB_ADOPT,
  JOB_READ,
  JOB_FORCES,
} JobKind;

typedef struct
{
  JobKind    kind;
  GPtrArray *nodes;      /* JOB_EVENTS: JsonNode* */
  GBytes    *bytes;      /* JOB_PAGE, JOB_SNAPSHOT */
  WgCacheSnapshot *snapshot; /* JOB_SNAPSHOT: decoded already (instead of @bytes) */
  WgReference *reference; /* JOB_FORCES */
  char      *journal_id; /* JOB_SNAPSHOT, JOB_RESET */
  char      *incident;   /* JOB_ADOPT */
  char      *exercise;   /* the writer's when the job was given */
  WgCacheRead       read;        /* JOB_READ */
  gpointer          read_data;
  GDestroyNotify    read_data_free;
  GDestroyNotify    answer_free;
  GMainContext     *context;     /* JOB_PAGE: where @parsed runs */
  WgCachePageParsed parsed;
  gpointer          parsed_data;
  GDestroyNotify    parsed_free;
} Job;

typedef struct
{
  WgCachePageParsed parsed;
  gpointer          data;
  GDestroyNotify    free;
  gboolean          more;
  gint64            last_seq;
} Parsed;

static gboolean
notify_parsed_cb (gpointer user_data)
{
  Parsed *p = user_data;

  p->parsed (p->more, p->last_seq, p->data);
  return G_SOURCE_REMOVE;
}

static void
notify_parsed_free (gpointer user_data)
{
  Parsed *p = user_data;

  if (p->free != NULL)
    p->free (p->data);
  g_free (p);
}

static void
job_free (Job *job)
{
  g_clear_pointer (&job->nodes, g_ptr_array_unref);
  g_clear_pointer (&job->bytes, g_bytes_unref);
  g_clear_pointer (&job->snapshot, wg_cache_snapshot_free);
  g_clear_object (&job->reference);
  g_free (job->journal_id);
  g_free (job->incident);
  g_free (job->exercise);
  if (job->read_data_free != NULL)
    job->read_data_free (job->read_data);
  if (job->parsed_free != NULL && job->parsed_data != NULL)
    job->parsed_free (job->parsed_data);
  g_clear_pointer (&job->context, g_main_context_unref);
  g_free (job);
}

void
wg_cache_batch_free (WgCacheBatch *batch)
{
  if (batch == NULL)
    return;
  g_clear_pointer (&batch->changes, wg_change_set_unref);
  g_clear_pointer (&batch->positions, json_array_unref);
  if (batch->answer != NULL)
    batch->answer_free (batch->answer);
  g_free (batch);
}

static gboolean
invalid (GError    **error,
         const char *what)
{
  g_set_error (error, WG_API_ERROR, WG_API_ERROR_INVALID_RESPONSE, "The server sent %s", what);
  return FALSE;
}

/* An answer's JSON text, which must be an object (any thread). */
static JsonNode *
parse_answer (GBytes  *bytes,
              GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();

  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      invalid (error, "an answer that is not an object");
      return NULL;
    }
  return json_parser_steal_root (parser);
}

static gboolean
decode_events (JsonArray  *array,
               GPtrArray  *events,
               GError    **error)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      WgEvent *event = wg_event_from_json (json_array_get_element (array, i), error);

      if (event == NULL)
        return FALSE;
      g_ptr_array_add (events, event);
    }
  return TRUE;
}

WgChangeSet *
wg_cache_writer_read_changes (WgStore    *store,
                              GPtrArray  *events,
                              GError    **error)
{
  g_autoptr(WgChangeSet) changes = wg_change_set_new (events);
  g_autoptr(GHashTable) touched = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      /* A live cache's views never show an exercise's events, a drill's
       * cache only its own exercise's (wg-incident-model.c). */
      if (event->incident != NULL && g_strcmp0 (event->exercise, wg_store_get_exercise (store)) == 0 &&
          g_hash_table_add (touched, event->incident))
        g_ptr_array_add (order, event->incident);
    }

  if (order->len > MANY_INCIDENTS)
    {
      g_autoptr(GPtrArray) records = wg_store_list_incidents (store, FALSE, error);
      g_autoptr(GHashTable) units = records != NULL ? wg_store_open_assignment_units (store, error) : NULL;

      if (units == NULL)
        return NULL;
      g_ptr_array_set_free_func (records, NULL);
      for (guint i = 0; i < records->len; i++)
        {
          WgIncidentRecord *record = records->pdata[i];
          GPtrArray *open = NULL;

          if (!g_hash_table_contains (touched, record->id))
            {
              wg_incident_record_clear (record);
              g_free (record);
              continue;
            }
          g_hash_table_steal_extended (units, record->id, NULL, (gpointer *) &open);
          wg_change_set_add_incident (changes, record, open);
        }
      return g_steal_pointer (&changes);
    }

  for (guint i = 0; i < order->len; i++)
    {
      const char *id = order->pdata[i];
      WgIncidentRecord *record = g_new0 (WgIncidentRecord, 1);
      g_autoptr(GPtrArray) assignments = NULL;
      GPtrArray *open = NULL;

      if (!wg_store_get_incident (store, id, record, error))
        {
          g_free (record);
          /* Not an incident of this view (an event of one it never met). */
          if (error != NULL && *error != NULL)
            return NULL;
          continue;
        }
      assignments = wg_store_list_assignments (store, id, error);
      if (assignments == NULL)
        {
          wg_incident_record_clear (record);
          g_free (record);
          return NULL;
        }
      for (guint j = 0; j < assignments->len; j++)
        {
          WgAssignmentRecord *a = assignments->pdata[j];

          if (!wg_assignment_state_is_open (a->state))
            continue;
          if (open == NULL)
            open = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (open, g_strdup (a->unit));
        }
      wg_change_set_add_incident (changes, record, open);
    }
  return g_steal_pointer (&changes);
}

/* Applies @events in seq order, skipping those already applied; a
 * whole-journal view stops at a gap. */
static gboolean
apply_events (WgCacheWriter *self,
              GPtrArray     *events,
              WgCacheBatch  *batch,
              GError       **error)
{
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  gint64 head = wg_store_head (self->store);

  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->seq <= head)
        continue;
      if (self->full_view && event->seq != head + 1)
        {
          g_debug ("gap after %" G_GINT64_FORMAT ": got %" G_GINT64_FORMAT, head, event->seq);
          batch->gap = TRUE;
          break;
        }
      g_ptr_array_add (fresh, wg_event_ref (event));
      head = event->seq;
    }

  if (fresh->len > 0)
    {
      if (!wg_store_apply_events (self->store, fresh, error))
        return FALSE;
      batch->changes = wg_cache_writer_read_changes (self->store, fresh, error);
      if (batch->changes == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
run_events (WgCacheWriter *self,
            Job           *job,
            WgCacheBatch  *batch,
            GError       **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);

  for (guint i = 0; i < job->nodes->len; i++)
    {
      WgEvent *event = wg_event_from_json (job->nodes->pdata[i], error);

      if (event == NULL)
        return FALSE;
      g_ptr_array_add (events, event);
    }
  return apply_events (self, events, batch, error);
}

static gboolean
run_page (WgCacheWriter *self,
          Job           *job,
          WgCacheBatch  *batch,
          GError       **error)
{
  g_autoptr(JsonNode) root = parse_answer (job->bytes, error);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  JsonObject *object;
  JsonNode *array;

  if (root == NULL)
    return FALSE;
  object = json_node_get_object (root);
  array = json_object_get_member (object, "events");
  if (array == NULL || !JSON_NODE_HOLDS_ARRAY (array) || !json_object_has_member (object, "head"))
    return invalid (error, "a journal page without events or head");
  batch->server_head = json_object_get_int_member (object, "head");
  if (!decode_events (json_node_get_array (array), events, error))
    return FALSE;
  batch->more = json_object_get_boolean_member_with_default (object, "more", FALSE) && events->len > 0;
  if (events->len > 0)
    batch->last_seq = ((WgEvent *) events->pdata[events->len - 1])->seq;
  if (job->parsed != NULL)
    {
      Parsed *p = g_new0 (Parsed, 1);

      p->parsed = job->parsed;
      p->data = g_steal_pointer (&job->parsed_data);
      p->free = job->parsed_free;
      p->more = batch->more;
      p->last_seq = batch->last_seq;
      g_main_context_invoke_full (job->context, G_PRIORITY_DEFAULT, notify_parsed_cb, p, notify_parsed_free);
    }
  return apply_events (self, events, batch, error);
}

static int
compare_seq (gconstpointer a,
             gconstpointer b)
{
  gint64 sa = (*(WgEvent * const *) a)->seq, sb = (*(WgEvent * const *) b)->seq;

  return sa < sb ? -1 : sa > sb;
}

/* GET /snapshot?units=table's "unit_table": a line a unit, its id,
 * status, open assignments and updated_at, then with a position its ts,
 * lat, lon and status, tab-separated (docs/api.md).  A city's 25,000
 * units as objects were most of the open part's JSON nodes. */
static gboolean
decode_unit_table (const char       *table,
                   WgCacheSnapshot  *snapshot,
                   GError          **error)
{
  g_auto(GStrv) lines = g_strsplit (table, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = NULL;
      WgUnitRecord *unit;
      guint n;

      if (lines[i][0] == '\0')
        continue;
      f = g_strsplit (lines[i], "\t", 9);
      n = g_strv_length (f);
      if ((n != 4 && n != 8) || f[0][0] == '\0')
        return invalid (error, "a unit table line of neither 4 nor 8 fields, or without an id");
      unit = g_new0 (WgUnitRecord, 1);
      g_ptr_array_add (snapshot->units, unit);
      unit->id = g_strdup (f[0]);
      if (!wg_unit_status_from_string (f[1], &unit->status))
        return invalid (error, "a unit table line with an unknown status");
      unit->open_assignments = (guint) g_ascii_strtoull (f[2], NULL, 10);
      unit->updated_at = g_ascii_strtoll (f[3], NULL, 10);
      if (n == 8)
        {
          /* As a "position" object: what ::positions-received hands on. */
          JsonObject *position = json_object_new ();

          json_object_set_string_member (position, "unit", f[0]);
          json_object_set_int_member (position, "ts", g_ascii_strtoll (f[4], NULL, 10));
          json_object_set_double_member (position, "lat", g_ascii_strtod (f[5], NULL));
          json_object_set_double_member (position, "lon", g_ascii_strtod (f[6], NULL));
          json_object_set_string_member (position, "status", f[7]);
          json_array_add_object_element (snapshot->positions, position);
        }
    }
  return TRUE;
}

void
wg_cache_snapshot_free (WgCacheSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_free (snapshot->journal_id);
  g_clear_pointer (&snapshot->events, g_ptr_array_unref);
  g_clear_pointer (&snapshot->units, g_ptr_array_unref);
  g_clear_pointer (&snapshot->positions, json_array_unref);
  g_free (snapshot->duty_leader);
  g_free (snapshot);
}

WgCacheSnapshot *
wg_cache_snapshot_decode (GBytes  *answer,
                          GError **error)
{
  g_autoptr(JsonNode) root = parse_answer (answer, error);
  g_autoptr(WgCacheSnapshot) snapshot = NULL;
  JsonObject *object;
  JsonNode *incidents, *unit_array, *roster;

  if (root == NULL)
    return NULL;
  object = json_node_get_object (root);
  incidents = json_object_get_member (object, "incidents");
  if (incidents == NULL || !JSON_NODE_HOLDS_ARRAY (incidents) || !json_object_has_member (object, "head"))
    {
      invalid (error, "a snapshot without head or incidents");
      return NULL;
    }
  snapshot = g_new0 (WgCacheSnapshot, 1);
  snapshot->journal_id = g_strdup (json_object_get_string_member_with_default (object, "journal_id", NULL));
  snapshot->head = json_object_get_int_member (object, "head");
  snapshot->ended_apart = json_object_get_boolean_member_with_default (object, "ended_apart", FALSE);
  snapshot->events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  snapshot->units = wg_unit_record_array_new ();
  snapshot->positions = json_array_new ();

  for (guint i = 0; i < json_array_get_length (json_node_get_array (incidents)); i++)
    {
      JsonNode *incident = json_array_get_element (json_node_get_array (incidents), i);
      JsonNode *array = JSON_NODE_HOLDS_OBJECT (incident)
                        ? json_object_get_member (json_node_get_object (incident), "events") : NULL;

      if (array == NULL || !JSON_NODE_HOLDS_ARRAY (array))
        {
          invalid (error, "a snapshot incident without events");
          return NULL;
        }
      if (!decode_events (json_node_get_array (array), snapshot->events, error))
        return NULL;
    }
  g_ptr_array_sort (snapshot->events, compare_seq);
  unit_array = json_object_get_member (object, "units");
  for (guint i = 0; unit_array != NULL && JSON_NODE_HOLDS_ARRAY (unit_array) &&
                    i < json_array_get_length (json_node_get_array (unit_array)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (unit_array), i);
      WgUnitRecord *unit = g_new0 (WgUnitRecord, 1);
      JsonNode *position = JSON_NODE_HOLDS_OBJECT (node)
                           ? json_object_get_member (json_node_get_object (node), "position") : NULL;

      g_ptr_array_add (snapshot->units, unit);
      if (!wg_unit_record_from_json (node, unit, error))
        return NULL;
      if (position != NULL && JSON_NODE_HOLDS_OBJECT (position))
        json_array_add_element (snapshot->positions, json_node_copy (position));
    }
  unit_array = json_object_get_member (object, "unit_table");
  if (unit_array != NULL && JSON_NODE_HOLDS_VALUE (unit_array) &&
      json_node_get_value_type (unit_array) == G_TYPE_STRING &&
      !decode_unit_table (json_node_get_string (unit_array), snapshot, error))
    return NULL;
  roster = json_object_get_member (object, "roster");
  if (roster != NULL && JSON_NODE_HOLDS_OBJECT (roster))
    {
      snapshot->duty_leader = g_strdup (
        json_object_get_string_member_with_default (json_node_get_object (roster), "duty_leader", NULL));
      snapshot->duty_since = json_object_get_int_member_with_default (json_node_get_object (roster), "since", 0);
    }
  return g_steal_pointer (&snapshot);
}

static void
decode_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  WgCacheSnapshot *snapshot = wg_cache_snapshot_decode (task_data, &error);

  if (snapshot == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, snapshot, (GDestroyNotify) wg_cache_snapshot_free);
}

/**
 * wg_cache_snapshot_decode_async:
 * @answer: a snapshot's answer (either part)
 *
 * wg_cache_snapshot_decode() on a thread of its own: a city's snapshot is
 * megabytes of JSON, kept off the main loop and off the cache's writer.
 */
void
wg_cache_snapshot_decode_async (GBytes              *answer,
                                gpointer             source_object,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (source_object, cancellable, callback, user_data);

  g_task_set_source_tag (task, wg_cache_snapshot_decode_async);
  g_task_set_task_data (task, g_bytes_ref (answer), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, decode_thread);
}

WgCacheSnapshot *
wg_cache_snapshot_decode_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wg_cache_snapshot_decode_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The snapshot's events, units and roster into the empty cache, when it
 * is of @job's journal (decoded here when it came as the answer's bytes). */
static gboolean
run_snapshot (WgCacheWriter *self,
              Job           *job,
              WgCacheBatch  *batch,
              GError       **error)
{
  g_autoptr(WgCacheSnapshot) decoded = job->snapshot == NULL ? wg_cache_snapshot_decode (job->bytes, error) : NULL;
  WgCacheSnapshot *snapshot = job->snapshot != NULL ? job->snapshot : decoded;

  if (snapshot == NULL)
    return FALSE;
  /* Another journal since the health check: the caller starts again. */
  if (g_strcmp0 (snapshot->journal_id, job->journal_id) != 0)
    {
      batch->other_journal = TRUE;
      return TRUE;
    }
  batch->server_head = snapshot->head;
  batch->ended_apart = snapshot->ended_apart;
  batch->positions = json_array_new ();
  /* Started already (by an earlier answer of the same connection): the
   * stream goes on from the cache's head. */
  if (wg_store_head (self->store) > 0)
    return TRUE;

  if (!wg_store_apply_snapshot (self->store, snapshot->head, snapshot->events, snapshot->units,
                                snapshot->duty_leader, snapshot->duty_since, error))
    return FALSE;
  /* Kept in the cache: a console stopped before they come asks them at
   * its next start. */
  if (snapshot->ended_apart && !wg_store_set_ended_head (self->store, snapshot->head, error))
    return FALSE;
  /* Handed over, not shared: json-glib's counts are not atomic. */
  g_clear_pointer (&batch->positions, json_array_unref);
  batch->positions = g_steal_pointer (&snapshot->positions);
  /* Announced even without an incident when the roster names who is on
   * duty now, which no event of the stream will say until the next
   * handover. */
  if (snapshot->events->len == 0 && snapshot->duty_leader == NULL)
    return TRUE;
  batch->changes = wg_cache_writer_read_changes (self->store, snapshot->events, error);
  if (batch->changes == NULL)
    return FALSE;
  wg_change_set_set_duty_leader (batch->changes, snapshot->duty_leader);
  return TRUE;
}

/* The snapshot's ended incidents, asked apart (GET /snapshot/ended at
 * its head), into the cache that snapshot started: one transaction, one
 * change set of every incident it brought. */
static gboolean
run_ended (WgCacheWriter *self,
           Job           *job,
           WgCacheBatch  *batch,
           GError       **error)
{
  g_autoptr(GPtrArray) applied = NULL;

  /* Asked for another journal than the cache's now (emptied since). */
  if (g_strcmp0 (job->snapshot->journal_id, job->journal_id) != 0 ||
      g_strcmp0 (job->journal_id, wg_store_get_journal_id (self->store)) != 0)
    {
      batch->other_journal = TRUE;
      return TRUE;
    }
  batch->server_head = job->snapshot->head;
  if (!wg_store_apply_ended_snapshot (self->store, job->snapshot->head, job->snapshot->events, &applied, error))
    return FALSE;
  if (applied->len == 0)
    return TRUE;
  batch->changes = wg_cache_writer_read_changes (self->store, applied, error);
  return batch->changes != NULL;
}

/* An incident this partial view meets at `incident.routed` with its
 * report below the cache's head: its events as the server gave them
 * (GET /api/v1/incidents/{id}/events), adopted; the batch holds all of
 * them, as the cache has them now. */
static gboolean
run_adopt (WgCacheWriter *self,
           Job           *job,
           WgCacheBatch  *batch,
           GError       **error)
{
  g_autoptr(JsonNode) root = parse_answer (job->bytes, error);
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GPtrArray) adopted = NULL;
  JsonNode *array;

  if (root == NULL)
    return FALSE;
  array = json_object_get_member (json_node_get_object (root), "events");
  if (array == NULL || !JSON_NODE_HOLDS_ARRAY (array))
    return invalid (error, "an incident's events without events");
  if (!decode_events (json_node_get_array (array), events, error) ||
      !wg_store_adopt_incident (self->store, job->incident, events, error))
    return FALSE;
  adopted = wg_store_read_incident_events (self->store, job->incident, error);
  if (adopted == NULL)
    return FALSE;
  if (adopted->len > 0)
    {
      batch->changes = wg_cache_writer_read_changes (self->store, adopted, error);
      if (batch->changes == NULL)
        return FALSE;
    }
  return TRUE;
}

static void
run_job (gpointer data,
         gpointer user_data)
{
  g_autoptr(GTask) task = data;
  WgCacheWriter *self = user_data;
  Job *job = g_task_get_task_data (task);
  g_autoptr(WgCacheBatch) batch = g_new0 (WgCacheBatch, 1);
  GError *error = NULL;
  gboolean ok;

  if (self->store == NULL && (self->store = wg_store_open (self->path, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_strcmp0 (wg_store_get_exercise (self->store), job->exercise) != 0)
    wg_store_set_exercise (self->store, job->exercise);
  /* The head as the file has it now: another connection may have written
   * the cache since (another client left running on the same profile and
   * server address); events at or below it are skipped. */
  if (!wg_store_reload (self->store, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  switch (job->kind)
    {
    case JOB_EVENTS:
      ok = run_events (self, job, batch, &error);
      break;
    case JOB_PAGE:
      ok = run_page (self, job, batch, &error);
      break;
    case JOB_SNAPSHOT:
      ok = run_snapshot (self, job, batch, &error);
      break;
    case JOB_ENDED:
      ok = run_ended (self, job, batch, &error);
      break;
    case JOB_RESET:
      ok = wg_store_name_journal (self->store, job->journal_id, &error);
      break;
    case JOB_ADOPT:
      ok = run_adopt (self, job, batch, &error);
      break;
    case JOB_READ:
      batch->answer = job->read (self->store, job->read_data, &error);
      batch->answer_free = job->answer_free;
      ok = batch->answer != NULL;
      break;
    case JOB_FORCES:
      ok = wg_store_register_forces (self->store, job->reference, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    {
      g_task_return_error (task, error);
      return;
    }
  batch->head = wg_store_head (self->store);
  g_task_return_pointer (task, g_steal_pointer (&batch), (GDestroyNotify) wg_cache_batch_free);
}

/* Queues @job behind the others; its answer comes to @callback on the
 * caller's main context. */
static void
push (WgCacheWriter       *self,
      Job                 *job,
      gpointer             source_tag,
      GAsyncReadyCallback  callback,
      gpointer             user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);

  job->exercise = g_strdup (self->exercise);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_thread_pool_push (self->pool, task, NULL);
}

static Job *
job_new (JobKind     kind,
         GBytes     *bytes,
         const char *journal_id,
         const char *incident)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->bytes = bytes != NULL ? g_bytes_ref (bytes) : NULL;
  job->journal_id = g_strdup (journal_id);
  job->incident = g_strdup (incident);
  return job;
}

void
wg_cache_writer_apply_events (WgCacheWriter       *self,
                              GPtrArray           *nodes,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  Job *job;

  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (nodes != NULL);

  job = job_new (JOB_EVENTS, NULL, NULL, NULL);
  job->nodes = g_ptr_array_ref (nodes);
  push (self, job, wg_cache_writer_apply_events, callback, user_data);
}

void
wg_cache_writer_apply_page (WgCacheWriter       *self,
                            GBytes              *page,
                            WgCachePageParsed    parsed,
                            gpointer             parsed_data,
                            GDestroyNotify       parsed_free,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Job *job;

  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (page != NULL);

  job = job_new (JOB_PAGE, page, NULL, NULL);
  job->context = g_main_context_ref_thread_default ();
  job->parsed = parsed;
  job->parsed_data = parsed_data;
  job->parsed_free = parsed_free;
  push (self, job, wg_cache_writer_apply_page, callback, user_data);
}

void
wg_cache_writer_apply_ended (WgCacheWriter       *self,
                             WgCacheSnapshot     *ended,
                             const char          *journal_id,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  Job *job;

  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (ended != NULL);

  job = job_new (JOB_ENDED, NULL, journal_id, NULL);
  job->snapshot = ended;
  push (self, job, wg_cache_writer_apply_ended, callback, user_data);
}

void
wg_cache_writer_apply_snapshot (WgCacheWriter       *self,
                                GBytes              *snapshot,
                                const char          *journal_id,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (snapshot != NULL);

  push (self, job_new (JOB_SNAPSHOT, snapshot, journal_id, NULL), wg_cache_writer_apply_snapshot,
        callback, user_data);
}

void
wg_cache_writer_apply_decoded_snapshot (WgCacheWriter       *self,
                                        WgCacheSnapshot     *snapshot,
                                        const char          *journal_id,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  Job *job;

  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (snapshot != NULL);

  job = job_new (JOB_SNAPSHOT, NULL, journal_id, NULL);
  job->snapshot = snapshot;
  push (self, job, wg_cache_writer_apply_snapshot, callback, user_data);
}

void
wg_cache_writer_register_forces (WgCacheWriter       *self,
                                 WgReference         *reference,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Job *job;

  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (WG_IS_REFERENCE (reference));

  job = job_new (JOB_FORCES, NULL, NULL, NULL);
  job->reference = g_object_ref (reference);
  push (self, job, wg_cache_writer_register_forces, callback, user_data);
}

void
wg_cache_writer_reset (WgCacheWriter       *self,
                       const char          *journal_id,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (journal_id != NULL);

  push (self, job_new (JOB_RESET, NULL, journal_id, NULL), wg_cache_writer_reset, callback, user_data);
}

void
wg_cache_writer_adopt_incident (WgCacheWriter       *self,
                                const char          *incident,
                                GBytes              *answer,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (incident != NULL);
  g_return_if_fail (answer != NULL);

  push (self, job_new (JOB_ADOPT, answer, NULL, incident), wg_cache_writer_adopt_incident,
        callback, user_data);
}

void
wg_cache_writer_read (WgCacheWriter       *self,
                      WgCacheRead          read,
                      gpointer             data,
                      GDestroyNotify       data_free,
                      GDestroyNotify       answer_free,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  Job *job;

  g_return_if_fail (WG_IS_CACHE_WRITER (self));
  g_return_if_fail (read != NULL);
  g_return_if_fail (answer_free != NULL);

  job = job_new (JOB_READ, NULL, NULL, NULL);
  job->read = read;
  job->read_data = data;
  job->read_data_free = data_free;
  job->answer_free = answer_free;
  push (self, job, wg_cache_writer_read, callback, user_data);
}

WgCacheBatch *
wg_cache_writer_finish (WgCacheWriter  *self,
                        GAsyncResult   *result,
                        GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wg_cache_writer_finalize (GObject *object)
{
  WgCacheWriter *self = WG_CACHE_WRITER (object);

  /* Every job holds a reference: none is left; this may run on the
   * worker itself, as its last job lets go, so do not wait for it. */
  g_thread_pool_free (self->pool, FALSE, FALSE);
  g_clear_pointer (&self->store, wg_store_unref);
  g_free (self->path);
  g_free (self->exercise);

  G_OBJECT_CLASS (wg_cache_writer_parent_class)->finalize (object);
}

static void
wg_cache_writer_class_init (WgCacheWriterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wg_cache_writer_finalize;
}

static void
wg_cache_writer_init (WgCacheWriter *self)
{
  self->pool = g_thread_pool_new (run_job, self, 1, FALSE, NULL);
}

/* The exercise whose events the cache holds (a drill's cache): each job
 * takes it as it is when the job is given (the worker's connection is
 * told before the job runs), so that a read given before the cache was
 * marked for its exercise does not fix it. */
void
wg_cache_writer_set_exercise (WgCacheWriter *self,
                              const char    *exercise)
{
  g_return_if_fail (WG_IS_CACHE_WRITER (self));

  g_free (self->exercise);
  self->exercise = g_strdup (exercise);
}

WgCacheWriter *
wg_cache_writer_new (const char *path,
                     gboolean    full_view)
{
  WgCacheWriter *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (WG_TYPE_CACHE_WRITER, NULL);
  self->path = g_strdup (path);
  self->full_view = full_view;
  return self;
}
