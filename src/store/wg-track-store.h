/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WG_TRACK_STORE_ERROR (wg_track_store_error_quark ())

typedef enum {
  WG_TRACK_STORE_ERROR_OPEN,
  WG_TRACK_STORE_ERROR_SQL,
  WG_TRACK_STORE_ERROR_STATE,
} WgTrackStoreError;

/* When a reported position is kept in the track for replay: the first point
 * of a unit, then a point when keep_interval_ms has passed since the last
 * kept one, or it moved keep_distance_m from it, or its status changed. */
typedef struct
{
  gint64 keep_interval_ms;
  double keep_distance_m;
  gint64 retention_ms;
} WgTrackPolicy;

#define WG_TRACK_POLICY_DEFAULT_INTERVAL_MS  (15 * 1000)
#define WG_TRACK_POLICY_DEFAULT_DISTANCE_M   25.0
#define WG_TRACK_POLICY_DEFAULT_RETENTION_MS ((gint64) 90 * 24 * 3600 * 1000)

typedef struct
{
  char   *unit;
  gint64  ts;        /* UTC milliseconds, the device's fix time */
  double  lat;       /* WGS-84 */
  double  lon;
  char   *status;    /* nullable */
} WgTrackPoint;

typedef struct _WgTrackStore WgTrackStore;

GQuark          wg_track_store_error_quark  (void);

void            wg_track_policy_init_default (WgTrackPolicy      *policy);

WgTrackPoint   *wg_track_point_new          (const char         *unit,
                                             gint64              ts,
                                             double              lat,
                                             double              lon,
                                             const char         *status);
WgTrackPoint   *wg_track_point_copy         (const WgTrackPoint *point);
void            wg_track_point_free         (WgTrackPoint       *point);

double          wg_track_distance_m         (double              lat1,
                                             double              lon1,
                                             double              lat2,
                                             double              lon2);

/* The rule above: is @point kept after @last_kept (NULL: none yet)? */
gboolean        wg_track_policy_keeps       (const WgTrackPolicy *policy,
                                             const WgTrackPoint *last_kept,
                                             const WgTrackPoint *point);

WgTrackStore   *wg_track_store_open         (const char         *path,
                                             const WgTrackPolicy *policy,
                                             GError            **error);
void            wg_track_store_free         (WgTrackStore       *self);
const WgTrackPolicy *wg_track_store_get_policy (WgTrackStore    *self);

gboolean        wg_track_store_begin        (WgTrackStore       *self,
                                             GError            **error);
gboolean        wg_track_store_commit       (WgTrackStore       *self,
                                             GError            **error);
void            wg_track_store_rollback     (WgTrackStore       *self);

gboolean        wg_track_store_add          (WgTrackStore       *self,
                                             const WgTrackPoint *point,
                                             gboolean           *out_latest,
                                             gboolean           *out_kept,
                                             GError            **error);
gboolean        wg_track_store_add_batch    (WgTrackStore       *self,
                                             GPtrArray          *points,
                                             guint              *out_kept,
                                             GError            **error);

GPtrArray      *wg_track_store_dup_latest   (WgTrackStore       *self);
void            wg_track_store_note_latest  (WgTrackStore       *self,
                                             const WgTrackPoint *point);
const WgTrackPoint *wg_track_store_lookup_latest (WgTrackStore  *self,
                                             const char         *unit);
guint64         wg_track_store_get_latest_changes (WgTrackStore *self);
GPtrArray      *wg_track_store_query        (WgTrackStore       *self,
                                             const char         *unit,
                                             gint64              from_ms,
                                             gint64              to_ms,
                                             guint               limit,
                                             gboolean           *out_truncated,
                                             GError            **error);
/* A position in the track's order (ts, then insertion): pages go on after
 * it.  { -1, -1 } before the first. */
typedef struct
{
  gint64 ts;
  gint64 id;
} WgTrackCursor;

/* At most @limit points in [@from_ms, @to_ms) after @after (NULL: from the
 * start), in (ts, insertion) order; @out_next is the last one returned and
 * @out_more says whether any follow. */
GPtrArray      *wg_track_store_query_page   (WgTrackStore       *self,
                                             const char         *unit,
                                             gint64              from_ms,
                                             gint64              to_ms,
                                             const WgTrackCursor *after,
                                             guint               limit,
                                             WgTrackCursor      *out_next,
                                             gboolean           *out_more,
                                             GError            **error);

/* A unit's time on an incident: its points then are kept past the
 * retention (to_ms may be G_MAXINT64 while the assignment is open). */
typedef struct
{
  char   *unit;
  gint64  from_ms;
  gint64  to_ms;
} WgTrackSpan;

void            wg_track_span_free          (WgTrackSpan        *span);
/* Records spans to keep (a span already known, by unit and start, is
 * widened to the later end). */
gboolean        wg_track_store_keep_spans   (WgTrackStore       *self,
                                             GPtrArray          *spans,
                                             GError            **error);
gboolean        wg_track_store_purge        (WgTrackStore       *self,
                                             gint64              now_ms,
                                             guint               max_rows,
                                             guint              *out_deleted,
                                             gboolean           *out_more,
                                             GError            **error);
gint64          wg_track_store_count        (WgTrackStore       *self,
                                             GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgTrackStore, wg_track_store_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgTrackPoint, wg_track_point_free)

G_END_DECLS
