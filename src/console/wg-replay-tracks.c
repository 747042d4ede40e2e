/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-replay-tracks"

#include "config.h"

#include "wg-replay-tracks.h"

#define PAGE_LIMIT 10000
/* A replay draws at most this many pages (a city's day of points). */
#define MAX_PAGES 100
#define TRAIL_LENGTH 12

typedef struct
{
  gint64 ts;
  double lat;
  double lon;
} Point;

struct _WgReplayTracks
{
  GObject       parent_instance;

  WgReplay     *replay;
  GHashTable   *tracks;     /* unit id -> GArray of Point, by ts */
  GCancellable *cancellable;
  guint         n_pages;
};

G_DEFINE_FINAL_TYPE (WgReplayTracks, wg_replay_tracks, G_TYPE_OBJECT)

static const Point *
find_around (GArray  *track,
             gint64   t_ms,
             const Point **after)
{
  guint lo = 0, hi = track->len;

  /* The last point at or before t. */
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (g_array_index (track, Point, mid).ts <= t_ms)
        lo = mid + 1;
      else
        hi = mid;
    }
  *after = lo < track->len ? &g_array_index (track, Point, lo) : NULL;
  return lo > 0 ? &g_array_index (track, Point, lo - 1) : NULL;
}

gboolean
wg_replay_tracks_position (WgReplayTracks *self,
                           const char     *unit,
                           gint64          t_ms,
                           double         *lat,
                           double         *lon)
{
  GArray *track;
  const Point *before, *after;

  g_return_val_if_fail (WG_IS_REPLAY_TRACKS (self), FALSE);

  track = g_hash_table_lookup (self->tracks, unit);
  if (track == NULL || (before = find_around (track, t_ms, &after)) == NULL)
    return FALSE;
  if (after == NULL || after->ts == before->ts)
    {
      *lat = before->lat;
      *lon = before->lon;
    }
  else
    {
      double f = (double) (t_ms - before->ts) / (double) (after->ts - before->ts);

      *lat = before->lat + f * (after->lat - before->lat);
      *lon = before->lon + f * (after->lon - before->lon);
    }
  return TRUE;
}

/* Every tracked unit where it was at the moment shown, in one batch. */
static void
place (WgReplayTracks *self)
{
  WgPositionStore *store = wg_context_get_position_store (wg_replay_get_context (self->replay));
  gint64 now = wg_replay_get_time (self->replay);
  g_autoptr(GArray) updates = g_array_new (FALSE, FALSE, sizeof (WgPositionUpdate));
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->tracks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GArray *track = value;
      const Point *before, *after;
      WgPositionUpdate update = { key, 0.0, 0.0, 0, -1 };

      before = find_around (track, now, &after);
      if (before == NULL)
        {
          /* Not begun yet: hidden (time 0), held at its first point so
           * that no trail runs from elsewhere. */
          update.lat = g_array_index (track, Point, 0).lat;
          update.lon = g_array_index (track, Point, 0).lon;
        }
      else
        {
          wg_replay_tracks_position (self, key, now, &update.lat, &update.lon);
          /* The moment shown while the track runs; its last point's time
           * after it ends (drawn stale). */
          update.time_ms = after != NULL ? now : before->ts;
        }
      g_array_append_val (updates, update);
    }
  if (updates->len > 0)
    wg_position_store_apply (store, (WgPositionUpdate *) updates->data, updates->len);
}

void
wg_replay_tracks_add_point (WgReplayTracks *self,
                            const char     *unit,
                            gint64          ts,
                            double          lat,
                            double          lon)
{
  GArray *track;
  Point point = { ts, lat, lon };
  guint i;

  g_return_if_fail (WG_IS_REPLAY_TRACKS (self));
  g_return_if_fail (unit != NULL);

  track = g_hash_table_lookup (self->tracks, unit);
  if (track == NULL)
    {
      track = g_array_new (FALSE, FALSE, sizeof (Point));
      g_hash_table_insert (self->tracks, g_strdup (unit), track);
    }
  /* Pages come in ts order: appending is the rule, inserting the
   * exception. */
  for (i = track->len; i > 0 && g_array_index (track, Point, i - 1).ts > ts; i--)
    ;
  g_array_insert_val (track, i, point);
}

guint
wg_replay_tracks_get_n_units (WgReplayTracks *self)
{
  g_return_val_if_fail (WG_IS_REPLAY_TRACKS (self), 0);
  return g_hash_table_size (self->tracks);
}

static void fetch (WgReplayTracks *self,
                   const char     *cursor);

static void
page_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WgReplayTracks) self = user_data;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  JsonArray *positions = object != NULL ? json_object_get_array_member (object, "positions") : NULL;

  if (positions == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("No tracks: %s", error != NULL ? error->message : problem != NULL ? problem->title : "?");
      return;
    }
  for (guint i = 0; i < json_array_get_length (positions); i++)
    {
      JsonObject *p = json_array_get_object_element (positions, i);

      if (p == NULL || !json_object_has_member (p, "unit") || !json_object_has_member (p, "ts"))
        continue;
      wg_replay_tracks_add_point (self, json_object_get_string_member (p, "unit"),
                                  json_object_get_int_member (p, "ts"),
                                  json_object_get_double_member_with_default (p, "lat", 0.0),
                                  json_object_get_double_member_with_default (p, "lon", 0.0));
    }
  place (self);
  if (json_object_get_boolean_member_with_default (object, "truncated", FALSE) &&
      ++self->n_pages < MAX_PAGES)
    fetch (self, json_object_get_string_member_with_default (object, "next", NULL));
}

static void
fetch (WgReplayTracks *self,
       const char     *cursor)
{
  WgSyncClient *sync = wg_context_get_sync_client (wg_replay_get_live_context (self->replay));
  g_autofree char *escaped = cursor != NULL ? g_uri_escape_string (cursor, NULL, FALSE) : NULL;
  g_autofree char *path = NULL;
  gint64 from, to;

  if (sync == NULL)
    return;
  wg_replay_get_window (self->replay, &from, &to);
  path = g_strdup_printf ("/api/v1/positions?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT "&limit=%d%s%s",
                          from, to + 1, PAGE_LIMIT, escaped != NULL ? "&cursor=" : "", escaped ?: "");
  wg_api_client_request_async (wg_sync_client_get_api (sync), "GET", path, NULL, self->cancellable,
                               page_cb, g_object_ref (self));
}

static void
wg_replay_tracks_dispose (GObject *object)
{
  WgReplayTracks *self = WG_REPLAY_TRACKS (object);

  g_cancellable_cancel (self->cancellable);
  if (self->replay != NULL)
    g_signal_handlers_disconnect_by_data (self->replay, self);
  g_clear_object (&self->replay);

  G_OBJECT_CLASS (wg_replay_tracks_parent_class)->dispose (object);
}

static void
wg_replay_tracks_finalize (GObject *object)
{
  WgReplayTracks *self = WG_REPLAY_TRACKS (object);

  g_clear_pointer (&self->tracks, g_hash_table_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (wg_replay_tracks_parent_class)->finalize (object);
}

static void
wg_replay_tracks_class_init (WgReplayTracksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_replay_tracks_dispose;
  object_class->finalize = wg_replay_tracks_finalize;
}

static void
wg_replay_tracks_init (WgReplayTracks *self)
{
  self->tracks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  self->cancellable = g_cancellable_new ();
}

WgReplayTracks *
wg_replay_tracks_new (WgReplay *replay)
{
  WgReplayTracks *self;

  g_return_val_if_fail (WG_IS_REPLAY (replay), NULL);

  self = g_object_new (WG_TYPE_REPLAY_TRACKS, NULL);
  self->replay = g_object_ref (replay);
  wg_position_store_set_trail_length (wg_context_get_position_store (wg_replay_get_context (replay)), TRAIL_LENGTH);
  g_signal_connect_object (replay, "moved", G_CALLBACK (place), self, G_CONNECT_SWAPPED);
  fetch (self, NULL);
  return self;
}
