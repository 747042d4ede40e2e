/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * WgEngine: the journal engine and the accounts plugged into a WgServer
 * (wg-server.h says where): POST /api/v1/commands through the group commit,
 * GET /api/v1/journal, the stream's backlog and per-role filter, GET
 * /api/v1/reference, the CAP export, the server's timers, sessions, the
 * identity of every request, limits and the audit trail.
 */
#pragma once

#include "wg-server.h"

G_BEGIN_DECLS

typedef struct _WgEngine WgEngine;

/* Opens journal.db and accounts.db in the server's data directory, loads
 * the reference (the demo's with config->demo, else config->reference_dir)
 * and registers the routes.  Demo mode also seeds the demo accounts on the
 * first start. */
WgEngine *wg_engine_new      (WgServer  *server,
                              GError   **error);
/* Starts the timers (alarm escalation, overdue steps). */
void      wg_engine_start    (WgEngine  *self);
/* Commits and answers what waits (shutdown). */
void      wg_engine_flush    (WgEngine  *self);
void      wg_engine_free     (WgEngine  *self);

/* The demo reference directory: PKGDATADIR/demo when installed, else the
 * source tree's data/demo. */
char     *wg_engine_find_demo_dir (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgEngine, wg_engine_free)

G_END_DECLS
