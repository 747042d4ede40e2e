/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GET /api/v1/statistics: the centre's figures (src/core/wg-statistics.h)
 * for a period and an area.  Computed on a worker thread with a read
 * connection of its own: a year of cases takes long enough that the main
 * loop must not wait for it.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "wg-engine-private.h"
#include "wg-problem.h"
#include "wg-store-statistics.h"

#define STATISTICS_ROLES (READ_ALL_ROLES | ROLE_BIT (WG_ROLE_GRID_WORKER) | ROLE_BIT (WG_ROLE_DEPARTMENT))

typedef struct
{
  SoupServerMessage *msg;
  char              *path;
  char              *area;
  char              *department;
  gint64             from;
  gint64             to;
  gint64             previous_from;
} StatisticsJob;

static void
statistics_job_free (gpointer data)
{
  StatisticsJob *job = data;

  g_clear_object (&job->msg);
  g_free (job->path);
  g_free (job->area);
  g_free (job->department);
  g_free (job);
}

static void
compute_in_thread (GTask        *task,
                   gpointer      source,
                   gpointer      data,
                   GCancellable *cancellable)
{
  StatisticsJob *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgStore) store = wg_store_open (job->path, &error);
  g_autoptr(WgFigures) figures = NULL;

  if (store != NULL)
    figures = wg_store_compute_statistics (store, job->from, job->to, job->previous_from,
                                           job->area, job->department, &error);
  if (figures == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, wg_figures_to_json (figures), (GDestroyNotify) json_node_unref);
}

static void
computed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  StatisticsJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) figures = g_task_propagate_pointer (G_TASK (result), &error);

  if (figures == NULL)
    wg_problem_respond (job->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
  else
    {
      JsonObject *object = json_node_get_object (figures);

      json_object_set_string_member (object, "area", job->area != NULL ? job->area : "");
      if (job->department != NULL)
        json_object_set_string_member (object, "department", job->department);
      else
        json_object_set_null_member (object, "department");
      wg_json_respond (job->msg, SOUP_STATUS_OK, figures);
    }
  soup_server_message_unpause (job->msg);
}

static gboolean
parse_ms (GHashTable *query,
          const char *name,
          gint64     *out)
{
  const char *text = query != NULL ? g_hash_table_lookup (query, name) : NULL;
  char *end = NULL;

  if (text == NULL)
    return TRUE;
  *out = g_ascii_strtoll (text, &end, 10);
  return end != text && *end == '\0' && *out >= 0;
}

static void
get_statistics_cb (SoupServerMessage *msg,
                   GHashTable        *params,
                   GHashTable        *query,
                   gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, STATISTICS_ROLES);
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  GTimeZone *tz = wg_calendar_get_time_zone (wg_rules_get_calendar (wg_store_get_rules (self->store)));
  const char *period = query != NULL ? g_hash_table_lookup (query, "period") : NULL;
  const char *area = query != NULL ? g_hash_table_lookup (query, "area") : NULL;
  const char *department = query != NULL ? g_hash_table_lookup (query, "department") : NULL;
  gint64 from = -1, to = -1, previous_from = -1;
  StatisticsJob *job;

  if (actor == NULL)
    return;

  if (period != NULL)
    {
      if (!wg_statistics_parse_period (tz, period, &from, &to, &previous_from, &error))
        {
          wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", error->message);
          return;
        }
    }
  else if (!parse_ms (query, "from", &from) || !parse_ms (query, "to", &to) || from < 0 || to <= from)
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("Give a period (YYYY, YYYY-MM or YYYY-MM-DD in the centre’s time zone) "
                            "or from < to in UTC milliseconds"));
      return;
    }
  else
    previous_from = from - (to - from);

  if (area != NULL && (*area == '\0' || strspn (area, "0123456789") != strlen (area)))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("“area” is a grid code: the street, a work station’s community or a grid"));
      return;
    }
  if (department != NULL && self->reference != NULL &&
      wg_reference_lookup_department (self->reference, department) == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "unknown-department",
                          _("There is no such department"));
      return;
    }

  /* A department reads its own figures; a grid worker those of their grid. */
  if (actor->role == WG_ROLE_DEPARTMENT)
    {
      if (department != NULL && g_strcmp0 (department, actor->department) != 0)
        {
          wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                              _("A department reads its own figures only"));
          return;
        }
      department = actor->department;
    }
  if (actor->role == WG_ROLE_GRID_WORKER)
    {
      if (actor->grid == NULL || (area != NULL && !g_str_has_prefix (area, actor->grid)))
        {
          wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden",
                              _("A grid worker reads the figures of their own grid only"));
          return;
        }
      if (area == NULL)
        area = actor->grid;
    }

  job = g_new0 (StatisticsJob, 1);
  job->msg = g_object_ref (msg);
  job->path = g_strdup (wg_store_get_path (self->store));
  job->area = g_strdup (area);
  job->department = g_strdup (department);
  job->from = from;
  job->to = to;
  job->previous_from = previous_from;

  soup_server_message_pause (msg);
  task = g_task_new (NULL, NULL, computed_cb, NULL);
  g_task_set_source_tag (task, get_statistics_cb);
  g_task_set_task_data (task, job, statistics_job_free);
  g_task_run_in_thread (task, compute_in_thread);
}

void
_wg_engine_add_statistics_routes (WgEngine *self,
                                  WgRouter *router)
{
  wg_router_add (router, "GET", "/api/v1/statistics", get_statistics_cb, self);
}
