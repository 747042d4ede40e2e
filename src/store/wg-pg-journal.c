/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The journal in PostgreSQL (wg-pg-journal.h, docs/postgresql.md).  seq is
 * assigned by the mirror's own append (head + 1) while this instance holds
 * the journal lock and the mirror is caught up, so it is global, gap-free
 * and in commit order: the lock is held until COMMIT, and the next holder
 * sees that commit.  The primary key on seq turns any mistake in that
 * reasoning into a failed batch, never into a forked journal.
 */
#define G_LOG_DOMAIN "wg-pg-journal"

#include "config.h"

#include <libpq-fe.h>
#include <stdlib.h>

#include "wg-command.h"
#include "wg-error.h"
#include "wg-json.h"
#include "wg-pg-journal.h"
#include "wg-pg-track.h"
#include "wg-store-private.h"
#include "wg-pg-text.h"

/* pg_advisory_xact_lock's key: "wang" in ASCII. */
#define JOURNAL_LOCK_KEY "2002873959"
#define CATCH_UP_PAGE 2000
#define EVENT_COLUMNS "seq, ts, type, actor, role, command, subject, incident, exercise, body"
/* Rows per INSERT: 500 x 11 parameters stays far below libpq's 65,535. */
#define ROWS_PER_INSERT 500

/* Rows waiting for one multi-row INSERT: a batch's events and answers go
 * in a few statements at COMMIT, not one round trip each, which keeps the
 * journal lock short.  A retry within the batch is answered by the
 * mirror, which has them already. */
typedef struct
{
  const char *insert;      /* "INSERT INTO t (columns) VALUES " */
  guint       n_columns;
  GPtrArray  *values;      /* char*, NULL for SQL NULL, row after row */
} Rows;

struct _WgPgJournal
{
  PGconn  *conn;
  char    *journal_id;
  gboolean in_batch;
  gboolean unlocked;    /* the batch only catches up: no transaction, no lock */
  gboolean failed;      /* a statement failed: PostgreSQL aborted the batch */
  gint64   begin_head;  /* the mirror's head when the batch began */
  /* The stored answers to the batch's command ids (read with the lock,
   * in one statement), and each id's row in them. */
  PGresult   *answers;
  GHashTable *answer_index;
  /* The events of others the batch caught up (handed to the caller), and
   * the mirror's head when its batch began: those above it (all the
   * batch's catch-up, before and under the lock) go if it rolls back. */
  GPtrArray  *caught_up;
  gint64      committed_head;
  Rows     journal_rows;
  Rows     answer_rows;
  guint    pipeline_sent;  /* statements sent in the current pipeline */
  /* Locked ahead of the batch (wg_pg_journal_lock()): the events of
   * others caught up meanwhile, until the batch's begin takes them. */
  GPtrArray *locked_applied;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* One statement with text parameters; NULL (and @error) unless it gives
 * @expect. */
static PGresult *
run (WgPgJournal        *self,
     const char         *sql,
     int                 n_params,
     const char * const *params,
     ExecStatusType      expect,
     GError            **error)
{
  PGresult *result = wg_pg_run (self->conn, "a statement failed", sql, n_params, params, expect, error);

  if (result == NULL && self->in_batch)
    self->failed = TRUE;
  return result;
}

/* Statements without parameters (the schema is several at once). */
static gboolean
run_command (WgPgJournal  *self,
             const char   *sql,
             GError      **error)
{
  g_autoptr(PGresult) result = PQexec (self->conn, sql);

  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      wg_pg_set_error (error, "a statement failed", PQresultErrorMessage (result));
      if (self->in_batch)
        self->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

static void
rows_add (Rows               *rows,
          const char * const *values)
{
  for (guint i = 0; i < rows->n_columns; i++)
    g_ptr_array_add (rows->values, g_strdup (values[i]));
}

/* The INSERT of @n rows with parameters $1, $2, ... */
static char *
rows_insert_sql (Rows  *rows,
                 guint  n)
{
  GString *sql = g_string_new (rows->insert);

  for (guint r = 0; r < n; r++)
    {
      g_string_append (sql, r > 0 ? ", (" : "(");
      for (guint c = 0; c < rows->n_columns; c++)
        g_string_append_printf (sql, "%s$%u", c > 0 ? ", " : "", r * rows->n_columns + c + 1);
      g_string_append_c (sql, ')');
    }
  return g_string_free (sql, FALSE);
}

static void
rows_init (Rows       *rows,
           const char *insert,
           guint       n_columns)
{
  rows->insert = insert;
  rows->n_columns = n_columns;
  rows->values = g_ptr_array_new_with_free_func (g_free);
}

static gboolean
lock_journal (WgPgJournal  *self,
              GError      **error)
{
  g_autoptr(PGresult) result = run (self, "SELECT pg_advisory_xact_lock(" JOURNAL_LOCK_KEY ")",
                                    0, NULL, PGRES_TUPLES_OK, error);

  return result != NULL;
}

static void
rollback_quietly (WgPgJournal *self)
{
  PGresult *result = PQexec (self->conn, "ROLLBACK");

  PQclear (result);
}

static void
forget_answers (WgPgJournal *self)
{
  g_clear_pointer (&self->answer_index, g_hash_table_unref);
  g_clear_pointer (&self->answers, PQclear);
}

/* ------------------------------------------------------------- pipeline */

/* wg_pg_pipeline_send(), counting the pipeline's statements. */
static gboolean
pipeline_send (WgPgJournal         *self,
               const char          *sql,
               int                  n_params,
               const char * const  *params,
               GError             **error)
{
  if (!wg_pg_pipeline_send (self->conn, "a statement failed", sql, n_params, params, error))
    return FALSE;
  self->pipeline_sent++;
  return TRUE;
}

/* Writes the INSERTs of @rows (cleared): into the pipeline when
 * @pipelined, else each one run and its answer awaited. */
static gboolean
rows_write (WgPgJournal  *self,
            Rows         *rows,
            gboolean      pipelined,
            GError      **error)
{
  guint n_rows = rows->values->len / rows->n_columns;
  gboolean ok = TRUE;

  for (guint start = 0; ok && start < n_rows; start += ROWS_PER_INSERT)
    {
      guint n = MIN (ROWS_PER_INSERT, n_rows - start);
      g_autofree char *sql = rows_insert_sql (rows, n);
      const char * const *params = (const char * const *) rows->values->pdata + start * rows->n_columns;

      if (pipelined)
        ok = pipeline_send (self, sql, (int) (n * rows->n_columns), params, error);
      else
        {
          g_autoptr(PGresult) result = run (self, sql, (int) (n * rows->n_columns), params,
                                            PGRES_COMMAND_OK, error);

          ok = result != NULL;
        }
    }
  g_ptr_array_set_size (rows->values, 0);
  return ok;
}

/* Under the lock: the first start creates the tables; a later schema
 * version adds its steps here, keyed on meta.schema_version. */
static gboolean
migrate (WgPgJournal  *self,
         GError      **error)
{
  static const char *const schema =
    "CREATE TABLE IF NOT EXISTS meta ("
    "  key   text PRIMARY KEY,"
    "  value text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS journal ("
    "  seq      bigint PRIMARY KEY,"
    "  ts       bigint NOT NULL,"
    "  type     text NOT NULL,"
    "  actor    text,"
    "  role     text,"
    "  command  text,"
    "  subject  text,"
    "  incident text,"
    "  exercise text,"
    "  body     text NOT NULL);"
    "CREATE TABLE IF NOT EXISTS commands ("
    "  id            text PRIMARY KEY,"
    "  type          text NOT NULL,"
    "  body_hash     text,"
    "  actor         text,"
    "  role          text,"
    "  received_at   bigint NOT NULL,"
    "  outcome       text NOT NULL,"
    "  first_seq     bigint,"
    "  last_seq      bigint,"
    "  error_code    text,"
    "  error_message text);";
  g_autoptr(PGresult) version = NULL;
  g_autoptr(PGresult) id = NULL;
  g_autofree char *new_id = NULL;
  g_autofree char *version_text = g_strdup_printf ("%d", WG_PG_JOURNAL_SCHEMA_VERSION);

  if (!run_command (self, "BEGIN", error))
    return FALSE;
  if (!lock_journal (self, error) ||
      !run_command (self, schema, error))
    goto fail;

  version = run (self, "SELECT value FROM meta WHERE key = 'schema_version'", 0, NULL,
                 PGRES_TUPLES_OK, error);
  if (version == NULL)
    goto fail;
  if (PQntuples (version) > 0 &&
      g_ascii_strtoll (PQgetvalue (version, 0, 0), NULL, 10) > WG_PG_JOURNAL_SCHEMA_VERSION)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_STORE,
                   "the database's schema (version %s) is newer than this server's (%d)",
                   PQgetvalue (version, 0, 0), WG_PG_JOURNAL_SCHEMA_VERSION);
      goto fail;
    }
  {
    const char *params[] = { version_text };
    g_autoptr(PGresult) set = run (self,
      "INSERT INTO meta (key, value) VALUES ('schema_version', $1)"
      " ON CONFLICT (key) DO UPDATE SET value = excluded.value", 1, params, PGRES_COMMAND_OK, error);

    if (set == NULL)
      goto fail;
  }

  new_id = wg_uuid_new ();
  {
    const char *params[] = { new_id };
    g_autoptr(PGresult) set = run (self,
      "INSERT INTO meta (key, value) VALUES ('journal_id', $1) ON CONFLICT (key) DO NOTHING",
      1, params, PGRES_COMMAND_OK, error);

    if (set == NULL)
      goto fail;
  }
  id = run (self, "SELECT value FROM meta WHERE key = 'journal_id'", 0, NULL, PGRES_TUPLES_OK, error);
  if (id == NULL || !run_command (self, "COMMIT", error))
    goto fail;
  self->journal_id = g_strdup (PQgetvalue (id, 0, 0));
  return TRUE;

fail:
  rollback_quietly (self);
  return FALSE;
}

/* libpq prints the server's notices (an immediate shutdown's) on stderr:
 * they go to the log's debug level; errors reach the caller anyway. */
void
_wg_pg_notice_cb (void       *data,
                  const char *message)
{
  g_debug ("PostgreSQL: %s", message);
}

WgPgJournal *
wg_pg_journal_open (const char  *conninfo,
                    GError     **error)
{
  g_autoptr(WgPgJournal) self = g_new0 (WgPgJournal, 1);
  g_autoptr(PGresult) quiet = NULL;

  g_return_val_if_fail (conninfo != NULL, NULL);

  rows_init (&self->journal_rows, "INSERT INTO journal (" EVENT_COLUMNS ") VALUES ", 10);
  rows_init (&self->answer_rows,
             "INSERT INTO commands (id, type, body_hash, actor, role, received_at, outcome,"
             " first_seq, last_seq, error_code, error_message) VALUES ", 11);
  self->conn = wg_pg_connect (conninfo, "the journal", error);
  if (self->conn == NULL)
    return NULL;
  /* CREATE TABLE IF NOT EXISTS notices are not news. */
  quiet = PQexec (self->conn, "SET client_min_messages = warning");
  if (!migrate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
wg_pg_journal_free (WgPgJournal *self)
{
  if (self == NULL)
    return;
  forget_answers (self);
  g_clear_pointer (&self->locked_applied, g_ptr_array_unref);
  g_clear_pointer (&self->conn, PQfinish);
  g_clear_pointer (&self->journal_rows.values, g_ptr_array_unref);
  g_clear_pointer (&self->answer_rows.values, g_ptr_array_unref);
  g_free (self->journal_id);
  g_free (self);
}

const char *
wg_pg_journal_get_id (WgPgJournal *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->journal_id;
}

PGconn *
wg_pg_journal_get_connection (WgPgJournal *self)
{
  g_return_val_if_fail (self != NULL && self->in_batch, NULL);
  return self->conn;
}

/* ---------------------------------------------------------------- events */


static const char *
value_or_null (PGresult *result,
               int       row,
               int       column)
{
  return PQgetisnull (result, row, column) ? NULL : PQgetvalue (result, row, column);
}

static WgEvent *
read_event_row (PGresult  *result,
                int        row,
                GError   **error)
{
  g_autoptr(JsonNode) body = NULL;
  WgEventType type;
  WgEvent *event;

  if (!wg_event_type_from_string (PQgetvalue (result, row, 2), &type))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "unknown event type in the journal");
      return NULL;
    }
  body = wg_json_parse (PQgetvalue (result, row, 9), -1, NULL);
  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_EVENT, "bad event body in the journal");
      return NULL;
    }
  event = wg_event_new (type, g_ascii_strtoll (PQgetvalue (result, row, 1), NULL, 10),
                        value_or_null (result, row, 3), value_or_null (result, row, 4),
                        value_or_null (result, row, 5), value_or_null (result, row, 6),
                        value_or_null (result, row, 7), json_node_get_object (body));
  wg_event_set_seq (event, g_ascii_strtoll (PQgetvalue (result, row, 0), NULL, 10));
  if (!PQgetisnull (result, row, 8))
    wg_event_set_exercise (event, PQgetvalue (result, row, 8));
  return event;
}

static void
add_event (WgPgJournal *self,
           WgEvent     *event)
{
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, event->seq);
  g_autofree char *ts = g_strdup_printf ("%" G_GINT64_FORMAT, event->ts);
  g_autofree char *body = wg_json_object_to_string (event->body);
  const char *params[] = { seq, ts, wg_event_get_type_name (event), event->actor, event->role,
                           event->command, event->subject, event->incident, event->exercise, body };

  rows_add (&self->journal_rows, params);
}

static void
add_events (WgPgJournal *self,
            GPtrArray   *events)
{
  for (guint i = 0; events != NULL && i < events->len; i++)
    add_event (self, g_ptr_array_index (events, i));
}

/* Whether the database's row at @seq is @event (ts, type, command). */
static gboolean
row_is_event (PGresult *result,
              int       row,
              WgEvent  *event)
{
  WgEventType type;

  return g_ascii_strtoll (PQgetvalue (result, row, 0), NULL, 10) == event->seq &&
         g_ascii_strtoll (PQgetvalue (result, row, 1), NULL, 10) == event->ts &&
         wg_event_type_from_string (PQgetvalue (result, row, 2), &type) && type == event->type &&
         g_strcmp0 (value_or_null (result, row, 5), event->command) == 0;
}

#define CATCH_UP_SQL \
  "SELECT " EVENT_COLUMNS " FROM journal WHERE seq > $1 ORDER BY seq LIMIT " G_STRINGIFY (CATCH_UP_PAGE)

/* The catch-up's first page starts at the mirror's own last event
 * (@last), which must be there: a database that lost it (a promoted
 * asynchronous standby, an older backup) is not appended to from this
 * mirror, whose events past the database's head would leave a gap or
 * fork the journal.  A restart rebuilds the mirror under a new journal
 * id. */
static gboolean
catch_up_start (WgStore    *mirror,
                GPtrArray **last,
                GError    **error)
{
  if (wg_store_head (mirror) > 0 &&
      (*last = wg_store_read_journal (mirror, wg_store_head (mirror) - 1, 1, error)) == NULL)
    return FALSE;
  return TRUE;
}

/* CATCH_UP_SQL's parameter for the next page. */
static char *
catch_up_after (WgStore   *mirror,
                GPtrArray *last)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, wg_store_head (mirror) - (last != NULL ? 1 : 0));
}

/* Applies a page of CATCH_UP_SQL to @mirror, checking that seqs follow
 * each other (@last, once checked, is cleared): 1 the mirror is caught
 * up, 0 another page follows, -1 failure. */
static int
catch_up_apply (WgStore    *mirror,
                PGresult   *result,
                GPtrArray **last,
                GPtrArray  *applied,
                GError    **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  gint64 expect = wg_store_head (mirror) + 1;
  int first = 0, n = PQntuples (result);

  if (*last != NULL)
    {
      if ((*last)->len != 1 || n == 0 || !row_is_event (result, 0, g_ptr_array_index (*last, 0)))
        {
          g_set_error (error, WG_ERROR, WG_ERROR_STORE,
                       "the journal in PostgreSQL no longer holds this instance's event %" G_GINT64_FORMAT
                       " (acknowledged commits lost in a failover or a restore): restart this instance,"
                       " which then gives the journal a new id", wg_store_head (mirror));
          return -1;
        }
      g_clear_pointer (last, g_ptr_array_unref);
      first = 1;
    }
  if (n == first)
    return 1;
  for (int row = first; row < n; row++)
    {
      WgEvent *event = read_event_row (result, row, error);

      if (event == NULL)
        return -1;
      g_ptr_array_add (events, event);
      if (event->seq != expect++)
        {
          g_set_error (error, WG_ERROR, WG_ERROR_STORE,
                       "the journal in PostgreSQL has a gap before seq %" G_GINT64_FORMAT, event->seq);
          return -1;
        }
    }
  if (!wg_store_apply_events (mirror, events, error))
    return -1;
  for (guint i = 0; applied != NULL && i < events->len; i++)
    g_ptr_array_add (applied, wg_event_ref (g_ptr_array_index (events, i)));
  return n < CATCH_UP_PAGE ? 1 : 0;
}

/* Applies to @mirror every event above its head, page by page. */
static gboolean
catch_up (WgPgJournal  *self,
          WgStore      *mirror,
          GPtrArray    *applied,
          GError      **error)
{
  g_autoptr(GPtrArray) last = NULL;
  int done = 0;

  if (!catch_up_start (mirror, &last, error))
    return FALSE;
  while (done == 0)
    {
      g_autofree char *after = catch_up_after (mirror, last);
      const char *params[] = { after };
      g_autoptr(PGresult) result = run (self, CATCH_UP_SQL, 1, params, PGRES_TUPLES_OK, error);

      done = result != NULL ? catch_up_apply (mirror, result, &last, applied, error) : -1;
    }
  return done > 0;
}

static gint64
database_head (WgPgJournal  *self,
               GError      **error)
{
  g_autoptr(PGresult) result = run (self, "SELECT coalesce(max(seq), 0) FROM journal", 0, NULL,
                                    PGRES_TUPLES_OK, error);

  if (result == NULL)
    return -1;
  return g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
}

/* Whether @mirror's last event is the database's at that seq (ts, type,
 * command): FALSE without @error when the database lost it or holds
 * another event there. */
static gboolean
mirror_agrees (WgPgJournal  *self,
               WgStore      *mirror,
               gint64        database_head,
               GError      **error)
{
  gint64 head = wg_store_head (mirror);
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, head);
  const char *params[] = { seq };
  g_autoptr(GPtrArray) mine = NULL;
  g_autoptr(PGresult) theirs = NULL;

  if (head == 0)
    return TRUE;
  if (head > database_head)
    return FALSE;
  mine = wg_store_read_journal (mirror, head - 1, 1, error);
  if (mine == NULL)
    return FALSE;
  theirs = run (self, "SELECT " EVENT_COLUMNS " FROM journal WHERE seq = $1", 1, params, PGRES_TUPLES_OK, error);
  if (theirs == NULL)
    return FALSE;
  return mine->len == 1 && PQntuples (theirs) == 1 && row_is_event (theirs, 0, g_ptr_array_index (mine, 0));
}

/* A new journal id, unless another instance starting at the same time gave
 * one already (then that one). */
static gboolean
renew_id (WgPgJournal  *self,
          GError      **error)
{
  g_autofree char *new_id = wg_uuid_new ();
  g_autoptr(PGresult) current = NULL;
  g_autoptr(PGresult) set = NULL;
  const char *params[] = { new_id };

  if (!run_command (self, "BEGIN", error))
    return FALSE;
  if (!lock_journal (self, error) ||
      (current = run (self, "SELECT value FROM meta WHERE key = 'journal_id'", 0, NULL,
                      PGRES_TUPLES_OK, error)) == NULL)
    goto fail;
  if (PQntuples (current) == 1 && g_strcmp0 (PQgetvalue (current, 0, 0), self->journal_id) != 0)
    {
      rollback_quietly (self);
      g_free (self->journal_id);
      self->journal_id = g_strdup (PQgetvalue (current, 0, 0));
      return TRUE;
    }
  set = run (self, "UPDATE meta SET value = $1 WHERE key = 'journal_id'", 1, params, PGRES_COMMAND_OK, error);
  if (set == NULL || !run_command (self, "COMMIT", error))
    goto fail;
  g_free (self->journal_id);
  self->journal_id = g_steal_pointer (&new_id);
  return TRUE;

fail:
  rollback_quietly (self);
  return FALSE;
}

gboolean
wg_pg_journal_attach_mirror (WgPgJournal  *self,
                             WgStore      *mirror,
                             GError      **error)
{
  gint64 head;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (mirror != NULL, FALSE);

  /* PostgreSQL is the durable journal and the mirror commits after it, so
   * a mirror that loses its last commits to a power cut is only behind
   * and catches up: no flush of its own at each commit (in WAL mode
   * NORMAL still keeps the file whole, and survives a killed process),
   * where it took the disk from PostgreSQL's WAL flush at every batch,
   * twice with another instance (its catch-up before the lock). */
  if (!_wg_store_exec (mirror, "PRAGMA synchronous = NORMAL", error))
    return FALSE;
  head = database_head (self, error);
  if (head < 0)
    return FALSE;
  if (g_strcmp0 (wg_store_get_journal_id (mirror), self->journal_id) == 0 &&
      !mirror_agrees (self, mirror, head, error))
    {
      if (error != NULL && *error != NULL)
        return FALSE;
      /* This mirror holds events that the database no longer has (a
       * promoted asynchronous standby, an older backup restored): every
       * console that saw them must start again, under a new id. */
      g_warning ("The PostgreSQL journal lost events this instance had applied (its head is %" G_GINT64_FORMAT
                 ", the mirror's %" G_GINT64_FORMAT "): giving the journal a new id",
                 head, wg_store_head (mirror));
      if (!renew_id (self, error))
        return FALSE;
    }
  if (g_strcmp0 (wg_store_get_journal_id (mirror), self->journal_id) != 0)
    {
      if (wg_store_head (mirror) > 0)
        g_message ("The local mirror is not of this PostgreSQL journal: rebuilding it");
      if (!wg_store_reset (mirror, self->journal_id, error))
        return FALSE;
    }
  return catch_up (self, mirror, NULL, error);
}

gboolean
wg_pg_journal_publish_local (WgPgJournal  *self,
                             WgStore      *mirror,
                             gint64        base,
                             WgTrackStore *tracks,
                             GError      **error)
{
  gint64 head;

  g_return_val_if_fail (self != NULL, FALSE);

  if (wg_store_head (mirror) == base)
    return TRUE;
  if (!run_command (self, "BEGIN", error))
    return FALSE;
  if (!lock_journal (self, error) || (head = database_head (self, error)) < 0)
    goto fail;
  if (head != base)
    {
      /* Another instance wrote first: its journal wins. */
      rollback_quietly (self);
      return wg_store_reset (mirror, self->journal_id, error) &&
             catch_up (self, mirror, NULL, error);
    }
  for (gint64 after = base; after < wg_store_head (mirror);)
    {
      g_autoptr(GPtrArray) page = wg_store_read_journal (mirror, after, CATCH_UP_PAGE, error);

      if (page == NULL)
        goto fail;
      if (page->len == 0)
        {
          g_set_error (error, WG_ERROR, WG_ERROR_STORE, "the local journal ends before its head");
          goto fail;
        }
      add_events (self, page);
      if (!rows_write (self, &self->journal_rows, FALSE, error))
        goto fail;
      after = ((WgEvent *) g_ptr_array_index (page, page->len - 1))->seq;
    }
  /* With the journal that moved them, in one transaction. */
  if (tracks != NULL && !wg_pg_track_publish_local (self->conn, tracks, error))
    goto fail;
  if (!run_command (self, "COMMIT", error))
    goto fail;
  return TRUE;

fail:
  rollback_quietly (self);
  return FALSE;
}

/* ----------------------------------------------------------------- batch */

#define ANSWERS_SQL \
  "SELECT id, type, body_hash, actor, outcome, first_seq, last_seq, error_code, error_message" \
  " FROM commands WHERE id = ANY($1)"

/* Keeps the answers read for the batch, indexed by id. */
static void
keep_answers (WgPgJournal *self,
              PGresult    *answers)
{
  self->answers = answers;
  self->answer_index = g_hash_table_new (g_str_hash, g_str_equal);
  for (int row = 0; answers != NULL && row < PQntuples (answers); row++)
    g_hash_table_insert (self->answer_index, PQgetvalue (answers, row, 0), GINT_TO_POINTER (row + 1));
}

/* The batch's command ids as a text[] literal, NULL without any. */
static char *
ids_array (const char * const *command_ids)
{
  GString *array;

  if (command_ids == NULL || command_ids[0] == NULL)
    return NULL;
  array = g_string_new ("{");
  for (guint i = 0; command_ids[i] != NULL; i++)
    wg_pg_array_append_text (array, command_ids[i]);
  g_string_append_c (array, '}');
  return g_string_free (array, FALSE);
}

/* After a lost connection (PostgreSQL restarted), a batch reconnects. */
static gboolean
ensure_connected (WgPgJournal  *self,
                  GError      **error)
{
  if (PQstatus (self->conn) == CONNECTION_OK)
    return TRUE;
  PQreset (self->conn);
  if (PQstatus (self->conn) == CONNECTION_OK)
    return TRUE;
  wg_pg_set_error (error, "cannot reconnect", PQerrorMessage (self->conn));
  return FALSE;
}

/* Catches the mirror up, opens a PostgreSQL transaction, takes the lock
 * and applies in the mirror's new batch what came in meanwhile (into
 * @applied); with @ids (a text[] literal), reads their stored answers in
 * the same round trip into @answers.  Rolled back on failure. */
static gboolean
take_lock (WgPgJournal  *self,
           WgStore      *mirror,
           const char   *ids,
           PGresult    **answers,
           GPtrArray    *applied,
           GError      **error)
{
  g_autoptr(GPtrArray) last = NULL;
  g_autoptr(PGresult) began = NULL;
  g_autoptr(PGresult) locked = NULL;
  g_autoptr(PGresult) page = NULL;
  g_autofree char *after = NULL;
  const char *page_params[1];
  const char *ids_params[] = { ids };
  gboolean ok;
  int done;

  if (!ensure_connected (self, error))
    return FALSE;
  /* Most of what the others appended is applied before the lock, so that
   * projecting it does not hold everyone up: commits are serialised by the
   * lock, so what a read sees is a gap-free prefix; the rest comes under
   * the lock.  Both go in the mirror's batch, whose one commit (after
   * PostgreSQL's) takes them all: a commit of their own before the lock
   * cost as much CPU as the batch's. */
  if (!wg_store_begin (mirror, error))
    return FALSE;
  self->committed_head = wg_store_head (mirror);
  if (!catch_up (self, mirror, applied, error) ||
      !catch_up_start (mirror, &last, error))
    {
      wg_store_rollback (mirror);
      return FALSE;
    }
  after = catch_up_after (mirror, last);
  page_params[0] = after;

  /* One round trip takes the lock and reads what came in meanwhile and
   * the answers already stored for the batch's ids: each statement of a
   * transaction in READ COMMITTED sees what was committed before it
   * started, so the reads after the lock see every commit before it. */
  self->pipeline_sent = 0;
  ok = wg_pg_pipeline_start (self->conn, error) &&
       pipeline_send (self, "BEGIN", 0, NULL, error) &&
       pipeline_send (self, "SELECT pg_advisory_xact_lock(" JOURNAL_LOCK_KEY ")", 0, NULL, error) &&
       pipeline_send (self, CATCH_UP_SQL, 1, page_params, error) &&
       (ids == NULL || pipeline_send (self, ANSWERS_SQL, 1, ids_params, error)) &&
       wg_pg_pipeline_sync (self->conn, error) &&
       (began = wg_pg_pipeline_result (self->conn, "a statement failed", PGRES_COMMAND_OK, error)) != NULL &&
       (locked = wg_pg_pipeline_result (self->conn, "a statement failed", PGRES_TUPLES_OK, error)) != NULL &&
       (page = wg_pg_pipeline_result (self->conn, "a statement failed", PGRES_TUPLES_OK, error)) != NULL &&
       (ids == NULL || (*answers = wg_pg_pipeline_result (self->conn, "a statement failed", PGRES_TUPLES_OK, error)) != NULL);
  if (!wg_pg_pipeline_end (self->conn, ok ? error : NULL))
    ok = FALSE;
  if (!ok)
    {
      rollback_quietly (self);
      wg_store_rollback (mirror);
      return FALSE;
    }
  done = catch_up_apply (mirror, page, &last, applied, error);
  if (done == 0)
    done = catch_up (self, mirror, applied, error) ? 1 : -1;
  if (done < 0)
    {
      rollback_quietly (self);
      wg_store_rollback (mirror);
      return FALSE;
    }
  return TRUE;
}

gboolean
wg_pg_journal_lock (WgPgJournal  *self,
                    WgStore      *mirror,
                    GError      **error)
{
  g_autoptr(GPtrArray) applied = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_batch && self->locked_applied == NULL, FALSE);

  if (!take_lock (self, mirror, NULL, NULL, applied, error))
    return FALSE;
  self->locked_applied = g_steal_pointer (&applied);
  return TRUE;
}

gboolean
wg_pg_journal_begin (WgPgJournal         *self,
                     WgStore             *mirror,
                     const char * const  *command_ids,
                     GPtrArray          **caught_up,
                     GError             **error)
{
  g_autoptr(GPtrArray) applied = NULL;
  g_autoptr(PGresult) answers = NULL;
  g_autofree char *ids = ids_array (command_ids);

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  if (self->locked_applied != NULL)
    {
      /* Locked ahead (wg_pg_journal_lock()): the answers in a round trip
       * of their own, the batch's ids known only now. */
      const char *ids_params[] = { ids };

      applied = g_steal_pointer (&self->locked_applied);
      if (ids != NULL &&
          (answers = run (self, ANSWERS_SQL, 1, ids_params, PGRES_TUPLES_OK, error)) == NULL)
        {
          rollback_quietly (self);
          wg_store_rollback (mirror);
          return FALSE;
        }
    }
  else
    {
      applied = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
      if (!take_lock (self, mirror, ids, &answers, applied, error))
        return FALSE;
    }
  keep_answers (self, g_steal_pointer (&answers));
  self->in_batch = TRUE;
  self->failed = FALSE;
  self->begin_head = wg_store_head (mirror);
  if (caught_up != NULL && applied->len > 0)
    {
      self->caught_up = g_ptr_array_ref (applied);
      *caught_up = g_steal_pointer (&applied);
    }
  else if (caught_up != NULL)
    *caught_up = NULL;
  return TRUE;
}

gboolean
wg_pg_journal_is_locked (WgPgJournal *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->locked_applied != NULL;
}

gboolean
wg_pg_journal_begin_catch_up (WgPgJournal  *self,
                              WgStore      *mirror,
                              GPtrArray   **caught_up,
                              GError      **error)
{
  g_autoptr(GPtrArray) applied = NULL;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (!self->in_batch, FALSE);

  if (self->locked_applied != NULL)
    return wg_pg_journal_begin (self, mirror, NULL, caught_up, error);
  if (!ensure_connected (self, error))
    return FALSE;
  if (!wg_store_begin (mirror, error))
    return FALSE;
  self->committed_head = wg_store_head (mirror);
  applied = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  if (!catch_up (self, mirror, applied, error))
    {
      wg_store_rollback (mirror);
      return FALSE;
    }
  self->in_batch = TRUE;
  self->unlocked = TRUE;
  self->failed = FALSE;
  self->begin_head = wg_store_head (mirror);
  if (caught_up != NULL && applied->len > 0)
    {
      self->caught_up = g_ptr_array_ref (applied);
      *caught_up = g_steal_pointer (&applied);
    }
  else if (caught_up != NULL)
    *caught_up = NULL;
  return TRUE;
}

static void
add_answer (WgPgJournal    *self,
            WgCommand      *command,
            const WgActor  *actor,
            gint64          now_ms,
            GPtrArray      *events,
            const GError   *refusal)
{
  g_autofree char *received = g_strdup_printf ("%" G_GINT64_FORMAT, now_ms);
  g_autofree char *first = NULL;
  g_autofree char *last = NULL;
  const char *params[11] = { wg_command_get_id (command), wg_command_get_type_name (command),
                             wg_command_get_body_hash (command), actor->username,
                             wg_role_to_string (actor->role), received };

  if (events != NULL)
    {
      first = g_strdup_printf ("%" G_GINT64_FORMAT, ((WgEvent *) events->pdata[0])->seq);
      last = g_strdup_printf ("%" G_GINT64_FORMAT, ((WgEvent *) events->pdata[events->len - 1])->seq);
      params[6] = "accepted";
      params[7] = first;
      params[8] = last;
    }
  else
    {
      params[6] = "refused";
      params[9] = wg_error_code_to_slug (refusal->code);
      params[10] = refusal->message;
    }
  rows_add (&self->answer_rows, params);
}

/* As wg-store.c's own lookup, over every instance's answers (read at
 * the batch's start, under the lock): 1 answered (the events from the
 * caught-up mirror, or the stored refusal in @error), 0 not seen, -1
 * failure or the id reused for another command. */
static int
lookup_answer (WgPgJournal    *self,
               WgStore        *mirror,
               WgCommand      *command,
               const WgActor  *actor,
               GPtrArray     **events_out,
               GError        **error)
{
  PGresult *result = self->answers;
  int row = GPOINTER_TO_INT (g_hash_table_lookup (self->answer_index, wg_command_get_id (command))) - 1;

  if (row < 0)
    return 0;
  if (g_strcmp0 (value_or_null (result, row, 1), wg_command_get_type_name (command)) != 0 ||
      g_strcmp0 (value_or_null (result, row, 2), wg_command_get_body_hash (command)) != 0 ||
      g_strcmp0 (value_or_null (result, row, 3), actor->username) != 0)
    {
      g_set_error (error, WG_ERROR, WG_ERROR_IDEMPOTENCY_KEY_REUSE,
                   "command id %s was used for another command", wg_command_get_id (command));
      return -1;
    }
  if (g_strcmp0 (PQgetvalue (result, row, 4), "accepted") == 0)
    {
      gint64 first = g_ascii_strtoll (PQgetvalue (result, row, 5), NULL, 10);
      gint64 last = g_ascii_strtoll (PQgetvalue (result, row, 6), NULL, 10);
      g_autoptr(GPtrArray) events = wg_store_read_journal (mirror, first - 1, (guint) (last - first + 1), error);

      if (events == NULL)
        return -1;
      if (events_out != NULL)
        *events_out = g_steal_pointer (&events);
      return 1;
    }
  else
    {
      WgErrorCode code = WG_ERROR_STORE;
      const char *message = value_or_null (result, row, 8);

      wg_error_code_from_slug (value_or_null (result, row, 7), &code);
      g_set_error_literal (error, WG_ERROR, code, message != NULL ? message : "");
      return 1;
    }
}

static gboolean
batch_usable (WgPgJournal  *self,
              GError      **error)
{
  g_return_val_if_fail (self->in_batch && !self->unlocked, FALSE);
  if (!self->failed)
    return TRUE;
  g_set_error_literal (error, WG_ERROR, WG_ERROR_STORE,
                       "PostgreSQL: the batch was aborted by an earlier failure");
  return FALSE;
}

gboolean
wg_pg_journal_execute_command (WgPgJournal    *self,
                               WgStore        *mirror,
                               WgCommand      *command,
                               const WgActor  *actor,
                               gint64          now_ms,
                               const GError   *refusal,
                               GPtrArray     **events_out,
                               gboolean       *replayed,
                               GError        **error)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean local_replayed = FALSE;
  gboolean ok;
  int seen;

  g_return_val_if_fail (self != NULL, FALSE);

  if (replayed != NULL)
    *replayed = FALSE;
  if (!batch_usable (self, error))
    return FALSE;

  seen = lookup_answer (self, mirror, command, actor, &events, &local_error);
  if (seen != 0)
    {
      if (replayed != NULL)
        *replayed = seen == 1;
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (events_out != NULL)
        *events_out = g_steal_pointer (&events);
      return TRUE;
    }

  if (refusal != NULL)
    ok = wg_store_refuse_command (mirror, command, actor, now_ms, refusal, &events,
                                  &local_replayed, &local_error);
  else
    ok = wg_store_execute_command (mirror, command, actor, now_ms, &events,
                                   &local_replayed, &local_error);
  /* The mirror never holds an answer PostgreSQL lacks (it commits after
   * PostgreSQL), so a fresh command is fresh on both. */
  if (!local_replayed)
    {
      if (ok)
        {
          add_events (self, events);
          add_answer (self, command, actor, now_ms, events, NULL);
        }
      else if (wg_error_is_rule_refusal (local_error))
        add_answer (self, command, actor, now_ms, NULL, local_error);
    }
  if (replayed != NULL)
    *replayed = local_replayed;
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (events_out != NULL)
    *events_out = g_steal_pointer (&events);
  return TRUE;
}

gboolean
wg_pg_journal_run_timers (WgPgJournal  *self,
                          WgStore      *mirror,
                          gint64        now_ms,
                          GPtrArray   **events_out,
                          GError      **error)
{
  g_autoptr(GPtrArray) events = NULL;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!batch_usable (self, error) ||
      !wg_store_run_timers (mirror, now_ms, &events, error))
    return FALSE;
  add_events (self, events);
  if (events_out != NULL)
    *events_out = g_steal_pointer (&events);
  return TRUE;
}

gboolean
wg_pg_journal_commit (WgPgJournal  *self,
                      WgStore      *mirror,
                      GError      **error)
{
  g_autoptr(GError) mirror_error = NULL;
  g_autofree char *notify = NULL;
  gint64 head;
  gboolean ok;

  g_return_val_if_fail (self != NULL, FALSE);

  if (self->unlocked)
    {
      /* Nothing of PostgreSQL's to commit: the mirror's batch is the
       * catch-up, which a failure here leaves to the next batch. */
      if (!wg_store_commit (mirror, error))
        {
          wg_pg_journal_rollback (self, mirror);
          return FALSE;
        }
      self->in_batch = self->unlocked = FALSE;
      forget_answers (self);
      g_clear_pointer (&self->caught_up, g_ptr_array_unref);
      return TRUE;
    }
  if (!batch_usable (self, error))
    {
      wg_pg_journal_rollback (self, mirror);
      return FALSE;
    }
  head = wg_store_head (mirror);
  /* Delivered to the listeners at COMMIT, not before; the payload is a
   * number. */
  if (head != self->begin_head)
    notify = g_strdup_printf ("NOTIFY " WG_PG_JOURNAL_CHANNEL ", '%" G_GINT64_FORMAT "'", head);
  /* The rows, the notification and COMMIT in one round trip.  A COMMIT
   * whose answer is lost may have happened: the mirror rolls back,
   * catches up at the next batch, and a client's retry finds its
   * answer. */
  self->pipeline_sent = 0;
  ok = wg_pg_pipeline_start (self->conn, error) &&
       rows_write (self, &self->journal_rows, TRUE, error) &&
       rows_write (self, &self->answer_rows, TRUE, error) &&
       (notify == NULL || pipeline_send (self, notify, 0, NULL, error)) &&
       pipeline_send (self, "COMMIT", 0, NULL, error) &&
       wg_pg_pipeline_sync (self->conn, error);
  for (guint i = 0; ok && i < self->pipeline_sent; i++)
    {
      PGresult *result = wg_pg_pipeline_result (self->conn, "a statement failed", PGRES_COMMAND_OK, error);

      ok = result != NULL;
      PQclear (result);
    }
  if (!wg_pg_pipeline_end (self->conn, ok ? error : NULL))
    ok = FALSE;
  if (!ok)
    {
      wg_pg_journal_rollback (self, mirror);
      return FALSE;
    }
  self->in_batch = FALSE;
  forget_answers (self);
  g_clear_pointer (&self->caught_up, g_ptr_array_unref);
  if (!wg_store_commit (mirror, &mirror_error))
    g_warning ("The local mirror lags behind PostgreSQL (it catches up at the next batch): %s",
               mirror_error->message);
  return TRUE;
}

void
wg_pg_journal_rollback (WgPgJournal *self,
                        WgStore     *mirror)
{
  g_return_if_fail (self != NULL);

  if (!self->unlocked && PQstatus (self->conn) == CONNECTION_OK)
    rollback_quietly (self);
  self->in_batch = self->unlocked = FALSE;
  self->failed = FALSE;
  g_ptr_array_set_size (self->journal_rows.values, 0);
  g_ptr_array_set_size (self->answer_rows.values, 0);
  forget_answers (self);
  g_clear_pointer (&self->locked_applied, g_ptr_array_unref);
  /* The caller publishes only what the mirror keeps. */
  while (self->caught_up != NULL && self->caught_up->len > 0 &&
         ((WgEvent *) g_ptr_array_index (self->caught_up, self->caught_up->len - 1))->seq > self->committed_head)
    g_ptr_array_set_size (self->caught_up, self->caught_up->len - 1);
  g_clear_pointer (&self->caught_up, g_ptr_array_unref);
  wg_store_rollback (mirror);
}
