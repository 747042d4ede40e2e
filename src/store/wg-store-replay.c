/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-store"

#include "wg-store-replay.h"

#include "wg-store-private.h"

GPtrArray *
wg_store_list_assignment_spans (WgStore  *self,
                                gint64    before_ms,
                                gint64    open_after_ms,
                                GError  **error)
{
  g_autoptr(GPtrArray) spans = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_span_free);
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _wg_store_stmt (self,
    "SELECT unit, created_at, ended_at FROM assignments"
    " WHERE created_at < ?1 AND (ended_at IS NULL OR ended_at >= ?2) ORDER BY created_seq", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, before_ms);
  sqlite3_bind_int64 (stmt, 2, open_after_ms);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WgTrackSpan *span = g_new0 (WgTrackSpan, 1);

      span->unit = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      span->from_ms = sqlite3_column_int64 (stmt, 1);
      span->to_ms = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? G_MAXINT64 : sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (spans, span);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      _wg_store_set_error (self, error);
      return NULL;
    }
  return g_steal_pointer (&spans);
}

gboolean
wg_store_seq_before_ts (WgStore  *self,
                        gint64    ts_ms,
                        gint64   *seq_out,
                        GError  **error)
{
  gint64 lo = 0, hi;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (seq_out != NULL, FALSE);

  /* Every event up to lo is earlier than ts_ms; none after hi is.  A
   * console's cache has gaps in seq: the probe takes the first event at
   * or after mid. */
  hi = wg_store_head (self);
  while (lo < hi)
    {
      gint64 mid = lo + (hi - lo + 1) / 2;
      sqlite3_stmt *stmt = _wg_store_stmt (self, "SELECT seq, ts FROM journal WHERE seq >= ?1 ORDER BY seq LIMIT 1", error);
      int rc;

      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, mid);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW && sqlite3_column_int64 (stmt, 1) < ts_ms && sqlite3_column_int64 (stmt, 0) <= hi)
        lo = sqlite3_column_int64 (stmt, 0);
      else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        hi = mid - 1;
      sqlite3_reset (stmt);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return _wg_store_set_error (self, error);
    }
  *seq_out = lo;
  return TRUE;
}
