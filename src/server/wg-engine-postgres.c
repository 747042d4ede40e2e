/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The engine on PostgreSQL (--database, docs/postgresql.md): the durable
 * journal and the command answers live in PostgreSQL, shared by every
 * instance; journal.db in the data directory is this instance's mirror,
 * projected by the same code as ever, from which every read is served.
 * The writer thread's batch takes the journal lock and catches the mirror
 * up before deciding; a listener thread turns other instances' commits
 * into catch-up batches, which publish their events to this instance's
 * stream.  Without --database each call here is the SQLite store's own.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include "wg-engine-private.h"

gboolean
_wg_engine_postgres_open (WgEngine  *self,
                          GError   **error)
{
  if (self->config.database == NULL)
    return TRUE;
  self->pg = wg_pg_journal_open (self->config.database, error);
  if (self->pg == NULL)
    return FALSE;
  self->pg_data = wg_pg_data_open (self->config.database, error);
  if (self->pg_data == NULL ||
      !wg_pg_journal_attach_mirror (self->pg, self->writer_store, error))
    return FALSE;
  self->pg_base = wg_store_head (self->writer_store);
  {
    WgPgLoginLimits limits = {
      .max_pair = self->config.login_max_failures,
      .max_user = self->config.login_max_user_failures,
      .max_address = self->config.login_max_address_failures,
      .window_ms = (gint64) self->config.login_window_seconds * 1000,
    };

    self->pg_sessions = wg_pg_sessions_open (self->config.database,
                                             (gint64) self->config.token_lifetime_seconds * 1000,
                                             &limits, self->accounts, error);
  }
  return self->pg_sessions != NULL;
}

/* The demo's history and duty handover were appended to the mirror by the
 * seeding, its forces' tracks to positions.db: into PostgreSQL with them
 * (the positions' tables), unless another instance seeded. */
gboolean
_wg_engine_postgres_publish_seed (WgEngine  *self,
                                  GError   **error)
{
  if (self->pg == NULL)
    return TRUE;
  return wg_pg_journal_publish_local (self->pg, self->writer_store, self->pg_base,
                                      wg_server_get_track_store (self->server), error);
}

/* While the writer works, other instances' commits are caught up by its
 * next batch, which comes within a few milliseconds under load; a batch
 * of their own (a PostgreSQL transaction, a turn of the lock and a
 * mirror commit for a few events) only if none came meanwhile. */
#define CATCH_UP_DEFER_MS 100

static gboolean
catch_up_later_cb (gpointer user_data)
{
  WgEngine *self = user_data;

  self->pg_catch_up_id = 0;
  if (self->pg_announced > wg_store_head (self->store))
    _wg_engine_queue_catch_up (self);
  return G_SOURCE_REMOVE;
}

static void
journal_moved_cb (gint64   head,
                  gpointer user_data)
{
  WgEngine *self = user_data;

  /* Our own commits are announced too: nothing to catch up then. */
  if (head > 0 && head <= wg_store_head (self->store))
    return;
  self->pg_announced = MAX (self->pg_announced, head);
  if (head > 0 && !wg_commit_writer_is_idle (self->writer))
    {
      if (self->pg_catch_up_id == 0)
        self->pg_catch_up_id = g_timeout_add (CATCH_UP_DEFER_MS, catch_up_later_cb, self);
      return;
    }
  _wg_engine_queue_catch_up (self);
}

/* The commands other instances accepted on sessions this one knows. */
static void
used_elsewhere_cb (GHashTable *used_elsewhere,
                   gpointer    user_data)
{
  WgEngine *self = user_data;
  gint64 now_us = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer id, n;

  g_hash_table_iter_init (&iter, used_elsewhere);
  while (g_hash_table_iter_next (&iter, &id, &n))
    wg_rate_limiter_charge (self->command_limiter, id, GPOINTER_TO_UINT (n), now_us);
}

void
_wg_engine_postgres_start (WgEngine *self)
{
  if (self->pg == NULL || self->pg_listener != NULL)
    return;
  self->pg_listener = wg_pg_listener_new (self->config.database, journal_moved_cb, self);
  wg_pg_sessions_set_usage_func (self->pg_sessions, used_elsewhere_cb, self);
  wg_pg_sessions_start (self->pg_sessions);
}

/* On the writer thread, once jobs wait: the journal lock before the
 * batch takes them, so that the commands arriving while another
 * instance's batch holds it join this batch (with two instances each
 * batch would otherwise wait a whole turn for the next).  A failure is
 * the batch's to report: its begin starts again. */
static void
writer_prepare_cb (gpointer user_data)
{
  WgEngine *self = user_data;
  g_autoptr(GError) error = NULL;

  /* A catch-up alone takes no lock (wg_pg_journal_begin_catch_up()); a
   * command that joins it makes the batch's begin take it. */
  if (g_atomic_int_get (&self->catch_up_waiting) && wg_commit_writer_get_n_waiting (self->writer) == 1)
    return;
  if (!wg_pg_journal_lock (self->pg, self->writer_store, &error))
    g_debug ("The journal lock ahead of a batch: %s", error->message);
}

void
_wg_engine_postgres_prepare_writer (WgEngine *self)
{
  if (self->pg != NULL)
    wg_commit_writer_set_prepare_func (self->writer, writer_prepare_cb);
}

void
_wg_engine_postgres_stop (WgEngine *self)
{
  g_clear_pointer (&self->pg_listener, wg_pg_listener_free);
  g_clear_handle_id (&self->pg_catch_up_id, g_source_remove);
  g_clear_pointer (&self->pg_sessions, wg_pg_sessions_free);
}

void
_wg_engine_postgres_fini (WgEngine *self)
{
  g_clear_pointer (&self->pg, wg_pg_journal_free);
  g_clear_pointer (&self->pg_data, wg_pg_data_free);
}

gboolean
_wg_engine_store_begin (WgEngine            *self,
                        const char * const  *command_ids,
                        gboolean             only_catch_up,
                        GPtrArray          **caught_up,
                        GError             **error)
{
  if (self->pg == NULL)
    return wg_store_begin (self->writer_store, error);
  if (only_catch_up)
    return wg_pg_journal_begin_catch_up (self->pg, self->writer_store, caught_up, error);
  return wg_pg_journal_begin (self->pg, self->writer_store, command_ids, caught_up, error);
}

gboolean
_wg_engine_store_execute (WgEngine       *self,
                          WgCommand      *command,
                          const WgActor  *actor,
                          gint64          now_ms,
                          const GError   *refusal,
                          GPtrArray     **events_out,
                          gboolean       *replayed,
                          GError        **error)
{
  if (self->pg != NULL)
    return wg_pg_journal_execute_command (self->pg, self->writer_store, command, actor, now_ms,
                                          refusal, events_out, replayed, error);
  if (refusal != NULL)
    return wg_store_refuse_command (self->writer_store, command, actor, now_ms, refusal,
                                    events_out, replayed, error);
  return wg_store_execute_command (self->writer_store, command, actor, now_ms, events_out,
                                   replayed, error);
}

gboolean
_wg_engine_store_run_timers (WgEngine   *self,
                             gint64      now_ms,
                             GPtrArray **events_out,
                             GError    **error)
{
  if (self->pg == NULL)
    return wg_store_run_timers (self->writer_store, now_ms, events_out, error);
  return wg_pg_journal_run_timers (self->pg, self->writer_store, now_ms, events_out, error);
}

gboolean
_wg_engine_store_commit (WgEngine  *self,
                         GError   **error)
{
  if (self->pg == NULL)
    return wg_store_commit (self->writer_store, error);
  return wg_pg_journal_commit (self->pg, self->writer_store, error);
}
