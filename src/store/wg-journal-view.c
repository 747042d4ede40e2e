/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who reads what of the journal (protocol.md, "Reading the journal"): the
 * one rule behind journal pages, an incident's events, the stream and
 * photos, and the reads that serve each event's stored JSON text.
 *
 * The rule, for a viewer that does not read everything: an event of an
 * incident is seen when the incident is in the viewer's grid (a code
 * prefix); or it was routed to the viewer's department, lead or co-
 * department (routings), from that routing on; or the viewer's unit was
 * assigned to it (assignments), from that assignment on.  In the last two
 * the incident's report is seen too, whatever its seq: it holds the
 * location, summary, category and case number.  A unit's status changes
 * are seen by the unit's account.
 *
 * The rule is written twice, as one SQL expression over a journal row
 * (VISIBLE_EXPR: single events, one incident's events) and as a union of
 * index lookups (pages: a sparse view must not scan the whole journal);
 * test-store checks that both give the same view.
 */
#define G_LOG_DOMAIN "wg-store"

#include "config.h"

#include <string.h>

#include "wg-error.h"
#include "wg-journal-view.h"
#include "wg-json-write.h"
#include "wg-public-display.h"
#include "wg-sqlite.h"
#include "wg-store-private.h"

/* U+10FFFF after a grid code: the upper bound of every code it prefixes,
 * so that the prefix is a range on incidents_grid. */
#define GRID_PREFIXES(col) \
  "(" col " >= :grid AND " col " < :grid || char (1114111))"

#define VISIBLE_EXPR \
  "((j.incident IS NOT NULL AND (" \
  "    EXISTS (SELECT 1 FROM incidents i WHERE i.id = j.incident AND " GRID_PREFIXES ("i.grid") ")" \
  "    OR EXISTS (SELECT 1 FROM routings r WHERE r.incident = j.incident AND r.department = :dept" \
  "               AND (j.seq >= r.first_seq OR j.type = 'incident.reported'))" \
  "    OR EXISTS (SELECT 1 FROM assignments a WHERE a.incident = j.incident AND a.unit = :unit" \
  "               AND (j.seq >= a.created_seq OR j.type = 'incident.reported'))))" \
  " OR (j.type = 'unit.status_changed' AND j.subject = :unit))"

/* The columns every read selects: the event's columns (for rows stored
 * before the text was), then its texts. */
#define VIEW_COLUMNS \
  "j.seq, j.ts, j.type, j.actor, j.role, j.command, j.subject, j.incident, j.exercise, j.body," \
  " j.json, j.json_masked, j.json_public"
#define COL_JSON 10
#define COL_JSON_MASKED 11
#define COL_JSON_PUBLIC 12

gboolean
wg_journal_viewer_reads_all (const WgJournalViewer *viewer)
{
  g_return_val_if_fail (viewer != NULL, FALSE);

  switch (viewer->role)
    {
    case WG_ROLE_ADMIN:
    case WG_ROLE_DUTY_LEADER:
    case WG_ROLE_DISPATCHER:
    case WG_ROLE_TRAINER:
    case WG_ROLE_WALL:
      return TRUE;
    case WG_ROLE_GRID_WORKER:
    case WG_ROLE_DEPARTMENT:
    default:
      return FALSE;
    }
}

WgEventText
wg_journal_viewer_get_text (const WgJournalViewer *viewer)
{
  g_return_val_if_fail (viewer != NULL, WG_EVENT_TEXT_MASKED);

  switch (viewer->role)
    {
    case WG_ROLE_ADMIN:
    case WG_ROLE_DUTY_LEADER:
    case WG_ROLE_DISPATCHER:
      return WG_EVENT_TEXT_FULL;
    case WG_ROLE_WALL:
      return WG_EVENT_TEXT_PUBLIC;
    case WG_ROLE_TRAINER:
    case WG_ROLE_GRID_WORKER:
    case WG_ROLE_DEPARTMENT:
    default:
      return WG_EVENT_TEXT_MASKED;
    }
}

void
wg_journal_viewer_init_from_actor (WgJournalViewer *viewer,
                                   const WgActor   *actor)
{
  g_return_if_fail (viewer != NULL);
  g_return_if_fail (actor != NULL);

  viewer->role = actor->role;
  viewer->grid = actor->role == WG_ROLE_GRID_WORKER ? actor->grid : NULL;
  viewer->department = actor->role == WG_ROLE_DEPARTMENT ? actor->department : NULL;
  viewer->unit = actor->unit;
}

/* The category and grid of @event's case: its own body for the report
 * (appended before the projection has the incident), else the
 * projection's. */
static gboolean
public_case_of (WgStore       *self,
                WgEvent       *event,
                WgPublicCase  *pcase,
                GError       **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (event->type == WG_EV_INCIDENT_REPORTED || event->incident == NULL)
    {
      wg_public_case_init (pcase, wg_store_get_rules (self),
                           wg_event_get_body_string (event, "category"),
                           wg_event_get_body_string (event, "grid"));
      return TRUE;
    }
  stmt = _wg_store_stmt (self, "SELECT category, grid FROM incidents WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, event->incident, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    wg_public_case_init (pcase, wg_store_get_rules (self),
                         (const char *) sqlite3_column_text (stmt, 0),
                         (const char *) sqlite3_column_text (stmt, 1));
  else
    wg_public_case_init (pcase, wg_store_get_rules (self), NULL, NULL);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _wg_store_set_error (self, error);
  return TRUE;
}

/* One of an event's texts: @head, @body_text and @tail, in a block of
 * its own size (a GString would round ~600 bytes up to one of malloc's
 * large blocks, whose allocation first merges the freed small ones). */
static char *
event_text (const GString *head,
            const char    *body_text,
            gsize          body_length,
            const GString *tail)
{
  char *text = g_malloc (head->len + body_length + tail->len + 1);
  char *p = text;

  memcpy (p, head->str, head->len);
  p += head->len;
  memcpy (p, body_text, body_length);
  p += body_length;
  memcpy (p, tail->str, tail->len + 1);
  return text;
}

char *
_wg_store_event_texts (WgStore  *self,
                       WgEvent  *event,
                       char    **body_out,
                       char    **masked_out,
                       char    **public_out,
                       GError  **error)
{
  g_autoptr(WgEvent) masked = wg_event_redact_caller (event);
  g_autoptr(GString) head = g_string_sized_new (256);
  g_autoptr(GString) tail = g_string_sized_new (64);
  g_autoptr(GString) body = g_string_sized_new (256);
  g_autoptr(GString) public_body = g_string_sized_new (256);
  char *full;
  WgPublicCase pcase;

  if (!public_case_of (self, event, &pcase, error))
    return NULL;
  /* The envelope around the body is the same in the three texts (the
   * masked event differs in its body only): written once. */
  wg_event_write_json_head (event, head);
  wg_event_write_json_tail (event, tail);
  /* The body once, for the body column and the full text, and the public
   * text's reduced body in the same pass. */
  wg_public_display_write_bodies (event, &pcase, body, public_body);
  *public_out = event_text (head, public_body->str, public_body->len, tail);
  /* NULL: the masked view is the full one (no phone in it). */
  *masked_out = NULL;
  if (masked != event)
    {
      g_autoptr(GString) masked_body = g_string_sized_new (256);

      wg_json_write_object (masked_body, masked->body);
      *masked_out = event_text (head, masked_body->str, masked_body->len, tail);
    }
  full = event_text (head, body->str, body->len, tail);
  if (body_out != NULL)
    *body_out = g_string_free (g_steal_pointer (&body), FALSE);
  return full;
}

/* Binds the viewer's scope to the named parameters of @stmt that it has. */
static void
bind_viewer (sqlite3_stmt          *stmt,
             const WgJournalViewer *viewer)
{
  int i;

  if ((i = sqlite3_bind_parameter_index (stmt, ":grid")) > 0)
    wg_sqlite_bind_text_or_null (stmt, i, viewer->grid != NULL && *viewer->grid != '\0' ? viewer->grid : NULL);
  if ((i = sqlite3_bind_parameter_index (stmt, ":dept")) > 0)
    wg_sqlite_bind_text_or_null (stmt, i, viewer->department);
  if ((i = sqlite3_bind_parameter_index (stmt, ":unit")) > 0)
    wg_sqlite_bind_text_or_null (stmt, i, viewer->unit);
}

/* The column holding the row's text for @text (a NULL masked text is the
 * full one). */
static int
text_column (sqlite3_stmt *stmt,
             WgEventText   text)
{
  switch (text)
    {
    case WG_EVENT_TEXT_PUBLIC:
      return COL_JSON_PUBLIC;
    case WG_EVENT_TEXT_MASKED:
      if (sqlite3_column_type (stmt, COL_JSON_MASKED) != SQLITE_NULL)
        return COL_JSON_MASKED;
      return COL_JSON;
    case WG_EVENT_TEXT_FULL:
    default:
      return COL_JSON;
    }
}

/* Appends the row's text for @text to @out; a row stored without its text
 * (before the store kept it, or by a console cache) is encoded now. */
static gboolean
append_row_text (WgStore       *self,
                 sqlite3_stmt  *stmt,
                 WgEventText    text,
                 GString       *out,
                 GError       **error)
{
  g_autoptr(WgEvent) event = NULL;
  g_autofree char *full = NULL;
  g_autofree char *masked = NULL;
  g_autofree char *public = NULL;
  int col = text_column (stmt, text);

  if (sqlite3_column_type (stmt, col) != SQLITE_NULL)
    {
      g_string_append_len (out, (const char *) sqlite3_column_text (stmt, col),
                           sqlite3_column_bytes (stmt, col));
      return TRUE;
    }
  event = _wg_store_read_event_row (stmt, error);
  if (event == NULL)
    return FALSE;
  full = _wg_store_event_texts (self, event, NULL, &masked, &public, error);
  if (full == NULL)
    return FALSE;
  if (text == WG_EVENT_TEXT_PUBLIC)
    g_string_append (out, public);
  else
    g_string_append (out, text == WG_EVENT_TEXT_MASKED && masked != NULL ? masked : full);
  return TRUE;
}

/* Steps @stmt, appending each row's text to @out, comma-separated. */
static gboolean
append_rows (WgStore       *self,
             sqlite3_stmt  *stmt,
             WgEventText    text,
             GString       *out,
             guint         *n_out,
             gint64        *last_seq_out,
             GError       **error)
{
  guint n = 0;
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (n > 0)
        g_string_append_c (out, ',');
      if (!append_row_text (self, stmt, text, out, error))
        {
          sqlite3_reset (stmt);
          return FALSE;
        }
      if (last_seq_out != NULL)
        *last_seq_out = sqlite3_column_int64 (stmt, 0);
      n++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _wg_store_set_error (self, error);
  *n_out = n;
  return TRUE;
}

/* The page query of @viewer: whole-journal viewers read by seq; the others
 * through the incidents they may see (a union of index lookups). */
sqlite3_stmt *
_wg_store_view_page_stmt (WgStore               *self,
                          const WgJournalViewer *viewer,
                          gint64                 after_seq,
                          guint                  limit,
                          GError               **error)
{
  sqlite3_stmt *stmt;

  if (wg_journal_viewer_reads_all (viewer))
    stmt = _wg_store_stmt (self,
      "SELECT " VIEW_COLUMNS " FROM journal j WHERE j.seq > :after AND j.seq <= :head"
      " ORDER BY j.seq LIMIT :limit", error);
  else
    stmt = _wg_store_stmt (self,
      "WITH seen (incident, from_seq) AS ("
      "   SELECT id, 0 FROM incidents WHERE " GRID_PREFIXES ("grid")
      "   UNION ALL SELECT incident, first_seq FROM routings WHERE department = :dept"
      "   UNION ALL SELECT incident, created_seq FROM assignments WHERE unit = :unit),"
      " v (incident, from_seq) AS (SELECT incident, MIN (from_seq) FROM seen GROUP BY incident)"
      " SELECT " VIEW_COLUMNS " FROM v JOIN journal j ON j.incident = v.incident"
      "  WHERE j.seq > :after AND j.seq <= :head AND (j.seq >= v.from_seq OR j.type = 'incident.reported')"
      " UNION ALL"
      " SELECT " VIEW_COLUMNS " FROM journal j"
      "  WHERE j.type = 'unit.status_changed' AND j.subject = :unit AND j.seq > :after AND j.seq <= :head"
      " ORDER BY 1 LIMIT :limit", error);
  if (stmt == NULL)
    return NULL;
  bind_viewer (stmt, viewer);
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":after"), after_seq);
  /* The server's reading connection knows the head the main loop has
   * published: what the writer committed beyond it is not shown yet. */
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":head"), wg_store_head (self));
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":limit"), limit);
  return stmt;
}

gboolean
wg_store_append_journal_text (WgStore               *self,
                              const WgJournalViewer *viewer,
                              gint64                 after_seq,
                              guint                  limit,
                              GString               *out,
                              guint                 *n_events,
                              gint64                *last_seq,
                              GError               **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (viewer != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (n_events != NULL, FALSE);

  stmt = _wg_store_view_page_stmt (self, viewer, after_seq, limit, error);
  if (stmt == NULL)
    return FALSE;
  return append_rows (self, stmt, wg_journal_viewer_get_text (viewer), out, n_events, last_seq, error);
}

gboolean
wg_store_read_journal_texts (WgStore               *self,
                             const WgJournalViewer *viewer,
                             gint64                 after_seq,
                             guint                  limit,
                             GPtrArray             *texts,
                             GArray                *seqs,
                             GError               **error)
{
  WgEventText text;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (viewer != NULL, FALSE);
  g_return_val_if_fail (texts != NULL, FALSE);
  g_return_val_if_fail (seqs != NULL, FALSE);

  text = wg_journal_viewer_get_text (viewer);
  stmt = _wg_store_view_page_stmt (self, viewer, after_seq, limit, error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GString *one = g_string_sized_new (sqlite3_column_bytes (stmt, COL_JSON) + 1);
      gint64 seq = sqlite3_column_int64 (stmt, 0);

      if (!append_row_text (self, stmt, text, one, error))
        {
          g_string_free (one, TRUE);
          sqlite3_reset (stmt);
          return FALSE;
        }
      g_ptr_array_add (texts, g_string_free_to_bytes (one));
      g_array_append_val (seqs, seq);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    return _wg_store_set_error (self, error);
  return TRUE;
}

gboolean
wg_store_append_incident_text (WgStore               *self,
                               const WgJournalViewer *viewer,
                               const char            *incident,
                               GString               *out,
                               guint                 *n_events,
                               GError               **error)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return wg_store_append_incident_text_through (self, viewer, incident, wg_store_head (self), out, n_events, error);
}

gboolean
wg_store_append_incident_text_through (WgStore               *self,
                                       const WgJournalViewer *viewer,
                                       const char            *incident,
                                       gint64                 through_seq,
                                       GString               *out,
                                       guint                 *n_events,
                                       GError               **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (viewer != NULL, FALSE);
  g_return_val_if_fail (incident != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (n_events != NULL, FALSE);

  /* journal_incident (incident, seq) answers both without a scan. */
  if (wg_journal_viewer_reads_all (viewer))
    stmt = _wg_store_stmt (self,
      "SELECT " VIEW_COLUMNS " FROM journal j WHERE j.incident = :incident AND j.seq <= :head"
      " ORDER BY j.seq", error);
  else
    stmt = _wg_store_stmt (self,
      "SELECT " VIEW_COLUMNS " FROM journal j WHERE j.incident = :incident AND j.seq <= :head AND "
      VISIBLE_EXPR " ORDER BY j.seq", error);
  if (stmt == NULL)
    return FALSE;
  bind_viewer (stmt, viewer);
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":head"), through_seq);
  wg_sqlite_bind_text_or_null (stmt, sqlite3_bind_parameter_index (stmt, ":incident"), incident);
  return append_rows (self, stmt, wg_journal_viewer_get_text (viewer), out, n_events, NULL, error);
}

gboolean
wg_store_event_visible (WgStore               *self,
                        const WgJournalViewer *viewer,
                        gint64                 seq,
                        const char            *type,
                        const char            *subject,
                        const char            *incident,
                        gboolean              *visible,
                        GError               **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (viewer != NULL, FALSE);
  g_return_val_if_fail (visible != NULL, FALSE);

  if (wg_journal_viewer_reads_all (viewer))
    {
      *visible = TRUE;
      return TRUE;
    }
  stmt = _wg_store_stmt (self,
    "SELECT " VISIBLE_EXPR " FROM (SELECT :seq AS seq, :type AS type, :subject AS subject,"
    " :incident AS incident) j", error);
  if (stmt == NULL)
    return FALSE;
  bind_viewer (stmt, viewer);
  sqlite3_bind_int64 (stmt, sqlite3_bind_parameter_index (stmt, ":seq"), seq);
  wg_sqlite_bind_text_or_null (stmt, sqlite3_bind_parameter_index (stmt, ":type"), type);
  wg_sqlite_bind_text_or_null (stmt, sqlite3_bind_parameter_index (stmt, ":subject"), subject);
  wg_sqlite_bind_text_or_null (stmt, sqlite3_bind_parameter_index (stmt, ":incident"), incident);
  rc = sqlite3_step (stmt);
  *visible = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _wg_store_set_error (self, error);
  return TRUE;
}

gboolean
wg_store_incident_visible (WgStore               *self,
                           const WgJournalViewer *viewer,
                           const char            *incident,
                           gboolean              *visible,
                           GError               **error)
{
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (viewer != NULL, FALSE);
  g_return_val_if_fail (incident != NULL, FALSE);
  g_return_val_if_fail (visible != NULL, FALSE);

  if (wg_journal_viewer_reads_all (viewer))
    stmt = _wg_store_stmt (self, "SELECT EXISTS (SELECT 1 FROM journal j WHERE j.incident = :incident)", error);
  else
    stmt = _wg_store_stmt (self,
      "SELECT EXISTS (SELECT 1 FROM journal j WHERE j.incident = :incident AND " VISIBLE_EXPR ")", error);
  if (stmt == NULL)
    return FALSE;
  bind_viewer (stmt, viewer);
  wg_sqlite_bind_text_or_null (stmt, sqlite3_bind_parameter_index (stmt, ":incident"), incident);
  rc = sqlite3_step (stmt);
  *visible = rc == SQLITE_ROW && sqlite3_column_int (stmt, 0) != 0;
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW)
    return _wg_store_set_error (self, error);
  return TRUE;
}

char *
wg_store_read_event_text (WgStore      *self,
                          gint64        seq,
                          WgEventText   text,
                          GError      **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt;
  gboolean ok;
  int rc;

  g_return_val_if_fail (self != NULL, NULL);

  stmt = _wg_store_stmt (self, "SELECT " VIEW_COLUMNS " FROM journal j WHERE j.seq = ?1", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, seq);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (stmt);
      if (rc == SQLITE_DONE)
        g_set_error (error, WG_ERROR, WG_ERROR_STORE, "no event %" G_GINT64_FORMAT " in the journal", seq);
      else
        _wg_store_set_error (self, error);
      return NULL;
    }
  ok = append_row_text (self, stmt, text, out, error);
  sqlite3_reset (stmt);
  return ok ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

gboolean
wg_store_fill_event_texts (WgStore  *self,
                           guint    *n_filled,
                           GError  **error)
{
  guint n = 0;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!wg_store_in_transaction (self), FALSE);

  /* A thousand rows a transaction: one fsync each, and readers between. */
  while (TRUE)
    {
      g_autoptr(GPtrArray) events = NULL;
      sqlite3_stmt *stmt;
      int rc;

      stmt = _wg_store_stmt (self,
        "SELECT seq, ts, type, actor, role, command, subject, incident, exercise, body FROM journal"
        " WHERE json IS NULL OR json_public IS NULL ORDER BY seq LIMIT 1000", error);
      if (stmt == NULL)
        return FALSE;
      events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          WgEvent *event = _wg_store_read_event_row (stmt, error);

          if (event == NULL)
            {
              sqlite3_reset (stmt);
              return FALSE;
            }
          g_ptr_array_add (events, event);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        return _wg_store_set_error (self, error);
      if (events->len == 0)
        break;

      if (!_wg_store_exec (self, "BEGIN IMMEDIATE", error))
        return FALSE;
      for (guint i = 0; i < events->len; i++)
        {
          WgEvent *event = events->pdata[i];
          g_autofree char *masked = NULL;
          g_autofree char *public = NULL;
          g_autofree char *text = _wg_store_event_texts (self, event, NULL, &masked, &public, error);

          stmt = text != NULL
                 ? _wg_store_stmt (self, "UPDATE journal SET json = ?2, json_masked = ?3, json_public = ?4"
                                   " WHERE seq = ?1", error)
                 : NULL;
          if (stmt == NULL)
            break;
          sqlite3_bind_int64 (stmt, 1, event->seq);
          sqlite3_bind_text (stmt, 2, text, -1, SQLITE_STATIC);
          wg_sqlite_bind_text_or_null (stmt, 3, masked);
          sqlite3_bind_text (stmt, 4, public, -1, SQLITE_STATIC);
          if (!_wg_store_step_done (self, stmt, error))
            {
              stmt = NULL;
              break;
            }
        }
      if (stmt == NULL || !_wg_store_exec (self, "COMMIT", error))
        {
          _wg_store_exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
      n += events->len;
    }
  if (n_filled != NULL)
    *n_filled = n;
  return TRUE;
}
