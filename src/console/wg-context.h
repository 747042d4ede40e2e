/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "wg-actor.h"
#include "wg-change-set.h"
#include "wg-attachment-cache.h"
#include "wg-clock.h"
#include "wg-outbox.h"
#include "wg-position-store.h"
#include "wg-reference.h"
#include "wg-store.h"
#include "wg-sync-client.h"
#include "wg-view-model.h"

G_BEGIN_DECLS

/* Everything a console view needs, passed into each view: the reference
 * data, the local cache (a WgStore), the sync client (NULL when the
 * console runs without a server), the two clocks, the positions of forces,
 * the logged-in actor and the shared view-model.
 *
 * Clocks: the live clock is the server's time (the sync client keeps its
 * offset); the view clock is what the screen shows, the live clock in Live
 * and any moment at any rate in Replay.  Every timer on screen follows the
 * view clock's ::tick, except a live alarm, which runs on the live clock
 * whatever the view shows.
 *
 * Views learn about changes from ::events-applied, whoever applied them
 * (the sync client's stream, or a command executed locally without a
 * server), and about the fate of their commands from ::command-settled. */
#define WG_TYPE_CONTEXT (wg_context_get_type ())
G_DECLARE_FINAL_TYPE (WgContext, wg_context, WG, CONTEXT, GObject)

/* Takes a reference on each; @sync, @outbox and @actor may be NULL.  The
 * context owns @outbox (closed at finalisation, after @sync is gone).
 * @clock is the live clock (the sync client's); the context makes the view
 * clock that follows it. */
WgContext       *wg_context_new                (WgReference     *reference,
                                                WgStore         *store,
                                                WgSyncClient    *sync,
                                                WgOutbox        *outbox,
                                                WgClock         *clock,
                                                const WgActor   *actor);

WgReference     *wg_context_get_reference      (WgContext       *self);
WgStore         *wg_context_get_store          (WgContext       *self);
WgSyncClient    *wg_context_get_sync_client    (WgContext       *self);
WgOutbox        *wg_context_get_outbox         (WgContext       *self);
/* The view clock. */
WgClock         *wg_context_get_clock          (WgContext       *self);
WgClock         *wg_context_get_live_clock     (WgContext       *self);
WgPositionStore *wg_context_get_position_store (WgContext       *self);
const WgActor   *wg_context_get_actor          (WgContext       *self);
/* The account on duty as the cache has it (NULL: no handover yet), kept
 * from the handovers applied. */
const char      *wg_context_get_duty_leader   (WgContext       *self);
WgViewModel     *wg_context_get_view_model     (WgContext       *self);
/* Photos: NULL without a server. */
WgAttachmentCache *wg_context_get_attachment_cache (WgContext     *self);
void             wg_context_set_attachment_cache (WgContext     *self,
                                                  WgAttachmentCache *cache);
/* During ::events-applied: what the batch changed as the sync client's
 * writer read it (the touched incidents with their open assignments'
 * units), so that views need not read the store on the main loop; NULL
 * for events applied otherwise (a command run locally, an adopted
 * incident, tests), whose views read the store. */
WgChangeSet     *wg_context_get_changes        (WgContext       *self);
/* The view clock's now. */
gint64           wg_context_now_ms             (WgContext       *self);

/* Queues @type with @body (through the sync client), or, without a
 * server, runs it on the local store at once and emits ::events-applied
 * and ::command-settled.  Returns the command's id, or NULL with @error
 * (a refusal by a rule, when run locally). */
char            *wg_context_send               (WgContext       *self,
                                                WgCommandType    type,
                                                JsonObject      *body,
                                                GError         **error);
/* A replay's context (wg-replay.h) is read-only: wg_context_send()
 * refuses every command, and the incident actions are all off. */
void             wg_context_set_read_only      (WgContext       *self,
                                                gboolean         read_only);
gboolean         wg_context_get_read_only      (WgContext       *self);
/* Where the views read an incident's events (the detail's timeline): the
 * context's store, or what was set here (a replay's state store keeps no
 * journal: it reads the live cache's, up to the moment shown). */
void             wg_context_set_journal_store  (WgContext       *self,
                                                WgStore         *journal);
WgStore         *wg_context_get_journal_store  (WgContext       *self);
/* Reads the cache for a view-model, so that no widget and no handler on
 * the main loop runs SQL: with a server, on the sync client's writer
 * thread, after the batches given to it before, the answer coming back on
 * the main loop; without one (the demo, where the console is its own
 * engine on the main loop) at once.  @done gets the answer (transfer full;
 * NULL with @error) and @owner, kept alive until then.  @reading
 * (nullable) is where @owner keeps its read under way: a read there is
 * cancelled (its @done never called), this one's put there until its
 * answer. */
typedef void (*WgContextAnswer) (GObject      *owner,
                                 gpointer      answer,
                                 const GError *error);
void             wg_context_read_cache         (WgContext       *self,
                                                WgCacheRead      read,
                                                gpointer         data,
                                                GDestroyNotify   data_free,
                                                GDestroyNotify   answer_free,
                                                GCancellable   **reading,
                                                WgContextAnswer  done,
                                                GObject         *owner);
/* The same for the journal store (wg_context_set_journal_store()): read
 * with the cache's reads, or by the context's reader. */
void             wg_context_read_journal       (WgContext       *self,
                                                WgCacheRead      read,
                                                gpointer         data,
                                                GDestroyNotify   data_free,
                                                GDestroyNotify   answer_free,
                                                GCancellable   **reading,
                                                WgContextAnswer  done,
                                                GObject         *owner);
/* Who runs the reads of a context without a sync client (a replay's
 * worker thread, wg-replay.c), instead of the main loop: @reader runs
 * @read on the context's store (@journal FALSE) or its journal store, and
 * answers @callback with a GTask holding the answer. */
typedef void (*WgContextReader) (gpointer             reader_data,
                                 gboolean             journal,
                                 WgCacheRead          read,
                                 gpointer             data,
                                 GDestroyNotify       data_free,
                                 GDestroyNotify       answer_free,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);
void             wg_context_set_reader         (WgContext       *self,
                                                WgContextReader  reader,
                                                gpointer         reader_data);
/* A context without a sync client whose reads, the first included,
 * all go through @reader. */
WgContext       *wg_context_new_with_reader    (WgReference     *reference,
                                                WgStore         *store,
                                                WgClock         *clock,
                                                const WgActor   *actor,
                                                WgContextReader  reader,
                                                gpointer         reader_data);
/* Whether wg_context_read_cache() answers at once (no sync client, no
 * reader): the demo, where the console is its own engine. */
gboolean         wg_context_reads_at_once      (WgContext       *self);
/* Emits ::events-applied for @changes, read off the main loop by whoever
 * applied them (a replay's worker), so that views need not read. */
void             wg_context_changes_applied    (WgContext       *self,
                                                WgChangeSet     *changes);
/* Cancels the read under way at @reading, if any (at dispose). */
void             wg_context_cancel_read        (GCancellable   **reading);
/* The clock an alarm's age counts on: the live clock, or in a read-only
 * (replay) context the view clock, so that a recorded alarm ages as it
 * did at the moment shown. */
WgClock         *wg_context_get_alarm_clock    (WgContext       *self);
/* Emits ::events-applied: for events a caller applied to the store
 * itself (tests, demo data). */
void             wg_context_events_applied     (WgContext       *self,
                                                GPtrArray       *events);

/* The demo reference data (data/demo in the source tree, else the
 * installed copy). */
WgReference     *wg_context_load_demo_reference (GError        **error);
/* A console without a server: @store_path (":memory:" is fine) adopts
 * @reference; commands run on it at once.  @actor may be NULL. */
WgContext       *wg_context_new_local          (WgReference     *reference,
                                                const char      *store_path,
                                                const WgActor   *actor,
                                                GError         **error);
/* Puts every force that has no reported position at its home, as seen
 * now (demo and training, where nothing reports positions). */
void             wg_context_place_forces_at_home (WgContext     *self);

/* Helpers for views */
const char      *wg_context_category_label     (WgContext       *self,
                                                const char      *code);
const char      *wg_context_grid_label         (WgContext       *self,
                                                const char      *code);
const char      *wg_context_department_label   (WgContext       *self,
                                                const char      *code);
/* A duty leader's name for @account (the roster's), else @account. */
const char      *wg_context_person_name        (WgContext       *self,
                                                const char      *account);
const char      *wg_context_force_label        (WgContext       *self,
                                                const char      *force_id);
/* Whether the interface is in Chinese (names from reference data). */
gboolean         wg_context_prefers_chinese    (void);
/* Position of a force: its latest reported one, else its home.  Returns
 * the age of the position in ms, or -1 for the home position. */
gint64           wg_context_force_position     (WgContext       *self,
                                                WgForce         *force,
                                                double          *lat,
                                                double          *lon);

G_END_DECLS
