/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-store"

#include "wg-store-statistics.h"

#include "wg-store-private.h"

/* Incidents reported in [from, to), in seq order. */
static GPtrArray *
incidents_reported_between (WgStore  *self,
                            gint64    from,
                            gint64    to,
                            GError  **error)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _wg_store_stmt (self,
    "SELECT incident FROM journal WHERE type = 'incident.reported' AND ts >= ?1 AND ts < ?2"
    " ORDER BY seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

static WgFigures *
compute (WgStore    *self,
         gint64      from,
         gint64      to,
         const char *area,
         const char *department,
         GError    **error)
{
  g_autoptr(WgStatistics) statistics = wg_statistics_new (from, to, area, department);
  g_autoptr(GPtrArray) ids = incidents_reported_between (self, from, to, error);

  if (ids == NULL)
    return NULL;
  /* Each case folds from its own events alone, so reading them incident by
   * incident (an indexed range each) gives the same figures as one pass
   * over the journal. */
  for (guint i = 0; i < ids->len; i++)
    {
      g_autoptr(GPtrArray) events = wg_store_read_incident_events (self, ids->pdata[i], error);

      if (events == NULL)
        return NULL;
      for (guint j = 0; j < events->len; j++)
        wg_statistics_add (statistics, events->pdata[j]);
    }
  return wg_statistics_compute (statistics);
}

WgFigures *
wg_store_compute_statistics (WgStore    *self,
                             gint64      from,
                             gint64      to,
                             gint64      previous_from,
                             const char *area,
                             const char *department,
                             GError    **error)
{
  g_autoptr(WgFigures) figures = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (from < to, NULL);

  figures = compute (self, from, to, area, department, error);
  if (figures == NULL)
    return NULL;
  if (previous_from < from)
    {
      g_autoptr(WgFigures) previous = compute (self, previous_from, from, area, department, error);

      if (previous == NULL)
        return NULL;
      wg_figures_set_previous (figures, previous);
    }
  return g_steal_pointer (&figures);
}
