/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A store's stored command answers (wg_store_execute_command()'s
 * idempotency) as JSON text, out of one store and into another: an
 * exercise's store is a cache of PostgreSQL (docs/postgresql.md,
 * "Exercises"), and the instance that takes an exercise over rebuilds it
 * with its journal and its answers, so that a retry of a command the
 * previous owner acknowledged gets its first answer.
 */
#pragma once

#include "wg-store.h"

G_BEGIN_DECLS

/* The answer stored for @command_id as JSON text; NULL without @error when
 * there is none. */
char       *wg_store_dup_answer     (WgStore     *self,
                                     const char  *command_id,
                                     GError     **error);
/* Stores @answers (JSON texts from wg_store_dup_answer()) in one
 * transaction; the events they name must be in the journal already. */
gboolean    wg_store_import_answers (WgStore     *self,
                                     GPtrArray   *answers,
                                     GError     **error);

G_END_DECLS
