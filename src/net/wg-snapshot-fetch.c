/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-snapshot-fetch"

#include "config.h"

#include "wg-cache-writer.h"
#include "wg-clock.h"
#include "wg-snapshot-fetch.h"

struct _WgSnapshotFetch
{
  GObject       parent_instance;

  GCancellable *cancellable;
  gboolean      done;
  WgCacheSnapshot *snapshot; /* done: the answer decoded, or NULL with @error */
  GError       *error;
  WgProblem    *problem;
  GTask        *waiting;   /* the caller of wait_async() until done */
  JsonNode     *health;    /* GET /api/v1/health answered, until taken */
  gint64        health_sent_ms;
  gint64        health_received_ms;
};

G_DEFINE_FINAL_TYPE (WgSnapshotFetch, wg_snapshot_fetch, G_TYPE_OBJECT)

static void
answer_waiting (WgSnapshotFetch *self)
{
  g_autoptr(GTask) task = NULL;

  if (self->waiting == NULL || !self->done)
    return;
  task = g_steal_pointer (&self->waiting);
  if (self->snapshot != NULL)
    g_task_return_pointer (task, g_steal_pointer (&self->snapshot), (GDestroyNotify) wg_cache_snapshot_free);
  else
    g_task_return_error (task, g_steal_pointer (&self->error));
}

static void
finish (WgSnapshotFetch *self,
        WgCacheSnapshot *snapshot,
        GError          *error,
        WgProblem       *problem)
{
  self->done = TRUE;
  self->snapshot = snapshot;
  self->error = error;
  self->problem = problem;
  answer_waiting (self);
}

static void
parsed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  WgSnapshotFetch *self = WG_SNAPSHOT_FETCH (source);
  GError *error = NULL;
  WgCacheSnapshot *snapshot = wg_cache_snapshot_decode_finish (result, &error);

  finish (self, snapshot, error, NULL);
}

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WgSnapshotFetch) self = user_data;
  GError *error = NULL;
  WgProblem *problem = NULL;
  g_autoptr(GBytes) answer = wg_api_client_get_bytes_finish (WG_API_CLIENT (source), result,
                                                             &problem, &error);

  if (answer == NULL)
    {
      g_debug ("the snapshot was not answered: %s", error != NULL ? error->message : "refused");
      finish (self, NULL, error, problem);
      return;
    }
  wg_cache_snapshot_decode_async (answer, self, self->cancellable, parsed_cb, NULL);
}

static void
health_answered_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(WgSnapshotFetch) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, NULL, &error);

  /* Not answered: the sync client asks again. */
  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    return;
  self->health_received_ms = wg_wall_time_ms ();
  self->health = g_steal_pointer (&answer);
}

static void
wg_snapshot_fetch_finalize (GObject *object)
{
  WgSnapshotFetch *self = WG_SNAPSHOT_FETCH (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->snapshot, wg_cache_snapshot_free);
  g_clear_error (&self->error);
  g_clear_pointer (&self->problem, wg_problem_free);
  g_clear_object (&self->waiting);
  g_clear_pointer (&self->health, json_node_unref);

  G_OBJECT_CLASS (wg_snapshot_fetch_parent_class)->finalize (object);
}

static void
wg_snapshot_fetch_class_init (WgSnapshotFetchClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wg_snapshot_fetch_finalize;
}

static void
wg_snapshot_fetch_init (WgSnapshotFetch *self)
{
}

WgSnapshotFetch *
wg_snapshot_fetch_new (WgApiClient  *api,
                       const char   *base_path,
                       gboolean      with_health,
                       GCancellable *cancellable)
{
  WgSnapshotFetch *self;
  g_autofree char *path = NULL;

  g_return_val_if_fail (WG_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (base_path != NULL, NULL);

  self = g_object_new (WG_TYPE_SNAPSHOT_FETCH, NULL);
  self->cancellable = cancellable != NULL ? g_object_ref (cancellable) : NULL;
  /* The open incidents alone: the sync client asks the day's ended ones
   * after the first picture (GET /snapshot/ended); the units as a table. */
  path = g_strconcat (base_path, WG_SNAPSHOT_OPEN_PART, NULL);
  wg_api_client_get_bytes_async (api, path, cancellable, answered_cb, g_object_ref (self));
  if (with_health)
    {
      self->health_sent_ms = wg_wall_time_ms ();
      wg_api_client_request_async (api, "GET", "/api/v1/health", NULL, cancellable, health_answered_cb,
                                   g_object_ref (self));
    }
  return self;
}

JsonNode *
wg_snapshot_fetch_take_health (WgSnapshotFetch *self,
                               gint64          *sent_ms,
                               gint64          *received_ms)
{
  g_return_val_if_fail (WG_IS_SNAPSHOT_FETCH (self), NULL);

  *sent_ms = self->health_sent_ms;
  *received_ms = self->health_received_ms;
  return g_steal_pointer (&self->health);
}

WgCacheSnapshot *
wg_snapshot_fetch_take_snapshot (WgSnapshotFetch *self)
{
  g_return_val_if_fail (WG_IS_SNAPSHOT_FETCH (self), NULL);
  g_return_val_if_fail (self->waiting == NULL, NULL);

  return g_steal_pointer (&self->snapshot);
}

gboolean
wg_snapshot_fetch_is_done (WgSnapshotFetch *self)
{
  g_return_val_if_fail (WG_IS_SNAPSHOT_FETCH (self), FALSE);

  return self->done;
}

void
wg_snapshot_fetch_wait_async (WgSnapshotFetch     *self,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (WG_IS_SNAPSHOT_FETCH (self));
  g_return_if_fail (self->waiting == NULL);

  self->waiting = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (self->waiting, wg_snapshot_fetch_wait_async);
  answer_waiting (self);
}

WgCacheSnapshot *
wg_snapshot_fetch_wait_finish (WgSnapshotFetch  *self,
                               GAsyncResult     *result,
                               WgProblem       **problem,
                               GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (problem != NULL)
    *problem = g_steal_pointer (&self->problem);
  return g_task_propagate_pointer (G_TASK (result), error);
}
