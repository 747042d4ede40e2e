/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-store"

#include "wg-store-statistics.h"

#include "wg-store-private.h"

/* The events of the cases reported in [from, to), case after case in the
 * order they were reported, each case's in seq order: one statement, the
 * cases found by one scan of the reports, their events by the
 * journal_incident (incident, seq) index.  Each case folds from its own
 * events alone, so this gives the same figures as a pass over the whole
 * journal. */
static WgFigures *
compute (WgStore    *self,
         gint64      from,
         gint64      to,
         const char *area,
         const char *department,
         GError    **error)
{
  g_autoptr(WgStatistics) statistics = wg_statistics_new (from, to, area, department);
  sqlite3_stmt *stmt;
  int rc;

  stmt = _wg_store_stmt (self,
    "WITH cases (incident, reported_seq) AS ("
    "   SELECT incident, seq FROM journal WHERE type = 'incident.reported' AND ts >= ?1 AND ts < ?2)"
    " SELECT j.seq, j.ts, j.type, j.actor, j.role, j.command, j.subject, j.incident, j.exercise, j.body"
    " FROM cases c JOIN journal j ON j.incident = c.incident"
    " ORDER BY c.reported_seq, j.seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, from);
  sqlite3_bind_int64 (stmt, 2, to);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(WgEvent) event = _wg_store_read_event_row (stmt, error);

      if (event == NULL)
        {
          sqlite3_reset (stmt);
          return NULL;
        }
      wg_statistics_add (statistics, event);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
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
