/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wg-change-set.h"
#include "wg-reference.h"
#include "wg-store.h"

G_BEGIN_DECLS

/* Writes a console's cache off the main loop: one worker thread with its
 * own SQLite connection to the cache file decodes what the server sent
 * (journal pages and the snapshot as raw bytes, stream events as JSON
 * nodes) and applies it, one job at a time in the order they were given,
 * then reads what the job changed (a WgChangeSet) for the main loop.  The
 * main loop's own connection only reads; a job's result arrives on the
 * main context of whoever started it, after the job committed. */
#define WG_TYPE_CACHE_WRITER (wg_cache_writer_get_type ())
G_DECLARE_FINAL_TYPE (WgCacheWriter, wg_cache_writer, WG, CACHE_WRITER, GObject)

typedef struct
{
  WgChangeSet *changes;       /* NULL: nothing new was applied */
  gint64       head;          /* the cache's head after the job */
  gboolean     gap;           /* a whole-journal view met a gap: pull it */
  /* Pages and snapshots */
  gint64       server_head;   /* the head the server gave with it */
  gboolean     more;          /* a page: more pages follow */
  gint64       last_seq;      /* a page: its last event's seq (0: empty) */
  gboolean     other_journal; /* a snapshot of another journal: nothing applied */
  gboolean     ended_apart;   /* a snapshot without its ended incidents: ask them */
  JsonArray   *positions;     /* a snapshot: the units' last positions */
  gpointer     answer;        /* a read: what it returned */
  GDestroyNotify answer_free;
} WgCacheBatch;

void          wg_cache_batch_free         (WgCacheBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgCacheBatch, wg_cache_batch_free)

/* A GET /api/v1/snapshot answer decoded (any thread: a cold start's on
 * the thread that parsed it, WgSnapshotFetch), for the writer to store. */
typedef struct
{
  char      *journal_id;  /* the journal it is of, as the server named it */
  gint64     head;
  GPtrArray *events;      /* WgEvent: every incident's, in seq order */
  GPtrArray *units;       /* WgUnitRecord */
  JsonArray *positions;   /* the units' last positions */
  char      *duty_leader; /* the roster: who is on duty (NULL: not said) */
  gint64     duty_since;
  gboolean   ended_apart; /* the ended incidents left out, to be asked apart */
} WgCacheSnapshot;

WgCacheSnapshot *wg_cache_snapshot_decode (GBytes          *answer,
                                           GError         **error);
void          wg_cache_snapshot_free      (WgCacheSnapshot *snapshot);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgCacheSnapshot, wg_cache_snapshot_free)
void             wg_cache_snapshot_decode_async  (GBytes              *answer,
                                                  gpointer             source_object,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
WgCacheSnapshot *wg_cache_snapshot_decode_finish (GAsyncResult        *result,
                                                  GError             **error);

/* @full_view: seqs must follow each other (else events after a gap are
 * left for the caller to pull). */
WgCacheWriter *wg_cache_writer_new         (const char          *path,
                                            gboolean             full_view);
void          wg_cache_writer_set_exercise (WgCacheWriter       *self,
                                            const char          *exercise);
/* Stream events (JsonNode objects, in the order they came). */
void          wg_cache_writer_apply_events (WgCacheWriter       *self,
                                            GPtrArray           *nodes,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* Called on the caller's main context as soon as a page is parsed,
 * before it is applied: whether more pages follow and after which seq, so
 * that the next page can be asked for while this one is stored. */
typedef void (*WgCachePageParsed) (gboolean  more,
                                   gint64    last_seq,
                                   gpointer  user_data);

/* A GET /api/v1/journal answer.  @parsed (nullable) gets @parsed_data,
 * freed with @parsed_free once called or when the page could not be
 * parsed. */
void          wg_cache_writer_apply_page   (WgCacheWriter       *self,
                                            GBytes              *page,
                                            WgCachePageParsed    parsed,
                                            gpointer             parsed_data,
                                            GDestroyNotify       parsed_free,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* A GET /api/v1/snapshot answer, into an empty cache; refused (with
 * other_journal set) when its journal is not @journal_id. */
void          wg_cache_writer_apply_snapshot (WgCacheWriter     *self,
                                              GBytes            *snapshot,
                                              const char        *journal_id,
                                              GAsyncReadyCallback callback,
                                              gpointer           user_data);
/* The same, decoded already (wg_cache_snapshot_decode() on another
 * thread, while the answer waited for the cache to be opened); takes
 * @snapshot. */
void          wg_cache_writer_apply_decoded_snapshot (WgCacheWriter       *self,
                                                      WgCacheSnapshot     *snapshot,
                                                      const char          *journal_id,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
/* GET /api/v1/snapshot/ended's answer (decoded by
 * wg_cache_snapshot_decode(): events alone) into the cache the first part
 * started (wg_store_apply_ended_snapshot); refused (other_journal set)
 * when it or the cache is of another journal than @journal_id, the one
 * it was asked for.  Takes @ended. */
void          wg_cache_writer_apply_ended  (WgCacheWriter       *self,
                                            WgCacheSnapshot     *ended,
                                            const char          *journal_id,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* Registers @reference's forces as units (wg_store_register_forces) on
 * the worker's connection: every job given after it, reads included,
 * finds them there. */
void          wg_cache_writer_register_forces (WgCacheWriter       *self,
                                               WgReference         *reference,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* Empties the cache for another journal (wg_store_name_journal: a new
 * cache only takes the journal's id). */
void          wg_cache_writer_reset        (WgCacheWriter       *self,
                                            const char          *journal_id,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* A partial view's incident met at `incident.routed`, its report below the
 * cache's head: @answer is GET /api/v1/incidents/{id}/events.  The batch's
 * changes hold all its events as the cache has them after (none when it
 * was known already). */
void          wg_cache_writer_adopt_incident (WgCacheWriter     *self,
                                              const char        *incident,
                                              GBytes            *answer,
                                              GAsyncReadyCallback callback,
                                              gpointer           user_data);
/* What the main loop needs of the incidents @events touched, read from
 * @store after they were applied (any thread that owns @store: a replay's
 * worker too). */
WgChangeSet  *wg_cache_writer_read_changes (WgStore             *store,
                                            GPtrArray           *events,
                                            GError             **error);
/* Reads the cache on the worker, after the jobs given before it: @read
 * runs there with the worker's connection and returns the answer (NULL
 * with its error), which the batch holds in @answer, freed with
 * @answer_free.  So the answer holds what the batches announced before it
 * left in the cache, none of those after.  @read must only read. */
typedef gpointer (*WgCacheRead) (WgStore  *store,
                                 gpointer  data,
                                 GError  **error);
void          wg_cache_writer_read         (WgCacheWriter       *self,
                                            WgCacheRead          read,
                                            gpointer             data,
                                            GDestroyNotify       data_free,
                                            GDestroyNotify       answer_free,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* Returns: (transfer full): the batch, or NULL with @error (nothing of
 * the job was applied). */
WgCacheBatch *wg_cache_writer_finish       (WgCacheWriter       *self,
                                            GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
