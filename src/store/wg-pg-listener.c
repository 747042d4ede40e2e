/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fan-out across instances (docs/postgresql.md): each commit that moves
 * the journal notifies WG_PG_JOURNAL_CHANNEL with the new head; this
 * thread waits on its connection's socket and hands the newest head to the
 * main loop, coalesced (one pending call at most), so that a burst of
 * commits costs one catch-up.
 */
#define G_LOG_DOMAIN "wg-pg-listener"

#include "config.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>

#include "wg-pg-journal.h"
#include "wg-pg-listener.h"

#define POLL_MS 200
#define RETRY_US (1 * G_USEC_PER_SEC)

struct _WgPgListener
{
  char            *conninfo;
  WgPgListenerFunc func;
  gpointer         user_data;
  GMainContext    *context;
  GThread         *thread;

  GMutex           lock;
  /* Under the lock: */
  gboolean         stopping;
  gint64           head;      /* newest announced; -1: resynchronise */
  gboolean         have_head;
  GSource         *pending;
};

static gboolean
deliver_cb (gpointer data)
{
  WgPgListener *self = data;
  gint64 head;

  g_mutex_lock (&self->lock);
  head = self->head;
  self->have_head = FALSE;
  g_clear_pointer (&self->pending, g_source_unref);
  g_mutex_unlock (&self->lock);
  self->func (head, self->user_data);
  return G_SOURCE_REMOVE;
}

static void
announce (WgPgListener *self,
          gint64        head)
{
  g_mutex_lock (&self->lock);
  if (!self->have_head || head < 0 || (self->head >= 0 && head > self->head))
    self->head = head;
  self->have_head = TRUE;
  if (self->pending == NULL && !self->stopping)
    {
      self->pending = g_idle_source_new ();
      g_source_set_priority (self->pending, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->pending, deliver_cb, self, NULL);
      g_source_attach (self->pending, self->context);
    }
  g_mutex_unlock (&self->lock);
}

static gboolean
stopping (WgPgListener *self)
{
  gboolean stop;

  g_mutex_lock (&self->lock);
  stop = self->stopping;
  g_mutex_unlock (&self->lock);
  return stop;
}

static PGconn *
connect_and_listen (WgPgListener *self)
{
  PGconn *conn = PQconnectdb (self->conninfo);
  PGresult *result;

  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_debug ("Cannot connect: %s", PQerrorMessage (conn));
      PQfinish (conn);
      return NULL;
    }
  PQsetNoticeProcessor (conn, _wg_pg_notice_cb, NULL);
  result = PQexec (conn, "LISTEN " WG_PG_JOURNAL_CHANNEL);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    {
      g_debug ("Cannot listen: %s", PQerrorMessage (conn));
      PQclear (result);
      PQfinish (conn);
      return NULL;
    }
  PQclear (result);
  return conn;
}

static gpointer
listener_thread (gpointer data)
{
  WgPgListener *self = data;
  PGconn *conn = NULL;

  while (!stopping (self))
    {
      struct pollfd pfd;
      PGnotify *notify;

      if (conn == NULL)
        {
          conn = connect_and_listen (self);
          if (conn == NULL)
            {
              g_usleep (RETRY_US);
              continue;
            }
          /* Whatever was announced while we were away. */
          announce (self, -1);
        }

      pfd.fd = PQsocket (conn);
      pfd.events = POLLIN;
      pfd.revents = 0;
      if (poll (&pfd, 1, POLL_MS) <= 0)
        continue;
      if (!PQconsumeInput (conn))
        {
          g_debug ("Lost the connection: %s", PQerrorMessage (conn));
          g_clear_pointer (&conn, PQfinish);
          continue;
        }
      while ((notify = PQnotifies (conn)) != NULL)
        {
          gint64 head = g_ascii_strtoll (notify->extra, NULL, 10);

          if (head > 0)
            announce (self, head);
          PQfreemem (notify);
        }
    }
  g_clear_pointer (&conn, PQfinish);
  return NULL;
}

WgPgListener *
wg_pg_listener_new (const char       *conninfo,
                    WgPgListenerFunc  func,
                    gpointer          user_data)
{
  WgPgListener *self;

  g_return_val_if_fail (conninfo != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  self = g_new0 (WgPgListener, 1);
  self->conninfo = g_strdup (conninfo);
  self->func = func;
  self->user_data = user_data;
  self->context = g_main_context_ref_thread_default ();
  g_mutex_init (&self->lock);
  self->thread = g_thread_new ("wg-pg-listener", listener_thread, self);
  return self;
}

void
wg_pg_listener_free (WgPgListener *self)
{
  if (self == NULL)
    return;

  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  if (self->pending != NULL)
    {
      g_source_destroy (self->pending);
      g_clear_pointer (&self->pending, g_source_unref);
    }
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);
  g_free (self->conninfo);
  g_free (self);
}
