/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgPgListener: LISTEN on the journal's channel (wg-pg-journal.h) on a
 * thread of its own, with its own connection: libpq's blocking calls stay
 * off the main loop.  @func runs on the main context of the thread that
 * made the listener, with the newest head announced, or with -1 after the
 * connection was (re)made, when announcements may have been missed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WgPgListener WgPgListener;

typedef void (*WgPgListenerFunc) (gint64   head,
                                  gpointer user_data);

WgPgListener *wg_pg_listener_new  (const char       *conninfo,
                                   WgPgListenerFunc  func,
                                   gpointer          user_data);
/* Stops the thread; @func is not called afterwards. */
void          wg_pg_listener_free (WgPgListener     *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPgListener, wg_pg_listener_free)

G_END_DECLS
