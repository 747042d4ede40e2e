/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * POST /api/v1/positions, GET /api/v1/positions/latest, GET
 * /api/v1/positions: the live position track.  Batches are validated whole
 * (one bad point refuses the batch and stores nothing), then committed by a
 * group-commit batcher: the same path the journal's commands will take.
 * With --database the track is PostgreSQL's (wg-pg-track.h), shared by
 * every instance: each request's statements run on its thread, the
 * message paused meanwhile, and nothing of it on the main loop.
 */
#define G_LOG_DOMAIN "wg-positions-api"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "wg-pg-track.h"
#include "wg-positions-api.h"
#include "wg-problem.h"
#include "wg-store-replay.h"

#define UNIT_MAX_BYTES   64
#define STATUS_MAX_BYTES 32
#define QUERY_DEFAULT_LIMIT 10000
#define PURGE_STEP_ROWS 5000

struct _WgPositionsApi
{
  WgServer        *server;   /* owns us */
  WgCommitBatcher *batcher;
  WgPgTrack       *pg;            /* NULL: positions.db */
  GCancellable    *cancellable;   /* cancelled when freed: PostgreSQL's late answers are dropped */
  guint            purge_id;
  guint            purge_step_id;
  guint64          purged;
  gint64           spans_synced_ms;  /* assignments ended before this are kept already */
  gboolean         pg_purging;       /* a PostgreSQL purge is under way */
  guint            changes_id;       /* PostgreSQL: polls the other instances' positions */
  gboolean         changes_asked;
  gint64           changes_after;    /* -1 until the first answer */
};

typedef struct
{
  guint      accepted;
  guint      kept;
  GPtrArray *changed;   /* WgTrackPoint: new latest positions, for the stream */
} BatchResult;

static void
batch_result_free (gpointer data)
{
  BatchResult *result = data;

  g_clear_pointer (&result->changed, g_ptr_array_unref);
  g_free (result);
}

static gboolean
is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  return type == G_TYPE_DOUBLE || type == G_TYPE_INT64;
}

static gboolean
valid_label (const char *text,
             gsize       max_bytes)
{
  gsize length = strlen (text);

  if (length == 0 || length > max_bytes)
    return FALSE;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* Returns the points, or NULL with *detail saying what is wrong. */
static GPtrArray *
decode_batch (WgServer        *server,
              JsonNode        *root,
              gint64           now,
              char           **detail)
{
  const WgServerConfig *config = wg_server_get_config (server);
  g_autoptr(GPtrArray) points = NULL;
  JsonNode *list_node;
  JsonArray *list;
  gint64 oldest = now - (gint64) config->retention_days * 24 * 3600 * 1000;
  gint64 newest = now + (gint64) config->max_future_seconds * 1000;
  guint n;

  if (!JSON_NODE_HOLDS_OBJECT (root) ||
      (list_node = json_object_get_member (json_node_get_object (root), "positions")) == NULL ||
      !JSON_NODE_HOLDS_ARRAY (list_node))
    {
      *detail = g_strdup (_("The body must be an object with a “positions” array"));
      return NULL;
    }
  list = json_node_get_array (list_node);
  n = json_array_get_length (list);
  if (n == 0 || n > config->max_batch)
    {
      *detail = g_strdup_printf (_("A batch holds 1 to %u positions, not %u"), config->max_batch, n);
      return NULL;
    }

  points = g_ptr_array_new_full (n, (GDestroyNotify) wg_track_point_free);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *item = json_array_get_element (list, i);
      JsonObject *obj;
      JsonNode *unit, *ts, *lat, *lon, *status;
      const char *status_text = NULL;
      double la, lo;
      gint64 t;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        {
          *detail = g_strdup_printf (_("positions[%u] is not an object"), i);
          return NULL;
        }
      obj = json_node_get_object (item);
      unit = json_object_get_member (obj, "unit");
      ts = json_object_get_member (obj, "ts");
      lat = json_object_get_member (obj, "lat");
      lon = json_object_get_member (obj, "lon");
      status = json_object_get_member (obj, "status");

      if (unit == NULL || !JSON_NODE_HOLDS_VALUE (unit) || json_node_get_value_type (unit) != G_TYPE_STRING ||
          !valid_label (json_node_get_string (unit), UNIT_MAX_BYTES))
        {
          *detail = g_strdup_printf (_("positions[%u].unit must be a non-empty string of at most %u bytes"),
                                     i, UNIT_MAX_BYTES);
          return NULL;
        }
      if (ts == NULL || !JSON_NODE_HOLDS_VALUE (ts) || json_node_get_value_type (ts) != G_TYPE_INT64)
        {
          *detail = g_strdup_printf (_("positions[%u].ts must be an integer (UTC milliseconds)"), i);
          return NULL;
        }
      t = json_node_get_int (ts);
      if (t < oldest || t > newest)
        {
          *detail = g_strdup_printf (_("positions[%u].ts is outside the accepted window "
                                       "(from the retention limit to %u s ahead of the server)"),
                                     i, config->max_future_seconds);
          return NULL;
        }
      if (!is_number (lat) || !is_number (lon))
        {
          *detail = g_strdup_printf (_("positions[%u] needs numeric lat and lon"), i);
          return NULL;
        }
      la = json_node_get_double (lat);
      lo = json_node_get_double (lon);
      if (!isfinite (la) || !isfinite (lo) || la < -90.0 || la > 90.0 || lo < -180.0 || lo > 180.0)
        {
          *detail = g_strdup_printf (_("positions[%u] has coordinates out of range (lat −90..90, lon −180..180)"), i);
          return NULL;
        }
      if (status != NULL && !JSON_NODE_HOLDS_NULL (status))
        {
          if (!JSON_NODE_HOLDS_VALUE (status) || json_node_get_value_type (status) != G_TYPE_STRING ||
              !valid_label (json_node_get_string (status), STATUS_MAX_BYTES))
            {
              *detail = g_strdup_printf (_("positions[%u].status must be a short string or null"), i);
              return NULL;
            }
          status_text = json_node_get_string (status);
        }

      g_ptr_array_add (points, wg_track_point_new (json_node_get_string (unit), t, la, lo, status_text));
    }

  return g_steal_pointer (&points);
}

static gboolean
commit_batch_cb (GPtrArray  *items,
                 gpointer    user_data,
                 GError    **error)
{
  WgPositionsApi *self = user_data;
  WgTrackStore *tracks = wg_server_get_track_store (self->server);
  WgStreamHub *hub = wg_server_get_stream_hub (self->server);

  if (!wg_track_store_begin (tracks, error))
    return FALSE;

  for (guint i = 0; i < items->len; i++)
    {
      WgCommitItem *item = g_ptr_array_index (items, i);
      GPtrArray *points = item->data;
      BatchResult *result = g_new0 (BatchResult, 1);

      result->changed = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
      item->result = result;
      item->result_destroy = batch_result_free;
      for (guint j = 0; j < points->len; j++)
        {
          WgTrackPoint *point = g_ptr_array_index (points, j);
          gboolean latest = FALSE, kept = FALSE;

          if (!wg_track_store_add (tracks, point, &latest, &kept, error))
            {
              wg_track_store_rollback (tracks);
              return FALSE;
            }
          result->accepted++;
          result->kept += kept;
          if (latest)
            g_ptr_array_add (result->changed, wg_track_point_copy (point));
        }
    }

  if (!wg_track_store_commit (tracks, error))
    return FALSE;

  /* Committed: the stream may show them, answered or not. */
  for (guint i = 0; i < items->len; i++)
    {
      BatchResult *result = ((WgCommitItem *) g_ptr_array_index (items, i))->result;

      for (guint j = 0; j < result->changed->len; j++)
        wg_stream_hub_queue_position (hub, g_ptr_array_index (result->changed, j));
    }
  return TRUE;
}

void
wg_positions_respond_accepted (SoupServerMessage *msg,
                               guint              accepted,
                               guint              kept)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "accepted");
  json_builder_add_int_value (builder, accepted);
  json_builder_set_member_name (builder, "kept");
  json_builder_add_int_value (builder, kept);
  json_builder_set_member_name (builder, "server_time");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

static void
answer_cb (WgCommitItem *item,
           const GError *batch_error,
           gpointer      user_data)
{
  BatchResult *result = item->result;

  if (batch_error != NULL)
    {
      wg_problem_respond (item->msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", batch_error->message);
      return;
    }
  wg_positions_respond_accepted (item->msg, result->accepted, result->kept);
}

GPtrArray *
wg_positions_read_batch (WgServer               *server,
                         SoupServerMessage      *msg,
                         const WgStreamIdentity *identity,
                         gint64                  now_ms)
{
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *detail = NULL;
  g_autoptr(GPtrArray) points = NULL;

  root = wg_server_read_json_body (server, msg);
  if (root == NULL)
    return NULL;
  points = decode_batch (server, root, now_ms, &detail);
  if (points == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_UNPROCESSABLE_ENTITY, "invalid-positions", detail);
      return NULL;
    }
  /* An account acting for units posts only their positions (admins:
   * gateways and the simulator, any unit). */
  if (identity->role != NULL && g_strcmp0 (identity->role, "admin") != 0)
    for (guint i = 0; i < points->len; i++)
      {
        const WgTrackPoint *point = g_ptr_array_index (points, i);

        if (identity->units == NULL || !g_strv_contains ((const char * const *) identity->units, point->unit))
          {
            g_autofree char *forbidden = g_strdup_printf (_("positions[%u]: this account does not act for unit “%s”"),
                                                          i, point->unit);

            wg_problem_respond (msg, SOUP_STATUS_FORBIDDEN, "forbidden", forbidden);
            return NULL;
          }
      }
  return g_steal_pointer (&points);
}

/* A request waiting for PostgreSQL. */
typedef struct
{
  WgPositionsApi    *self;
  SoupServerMessage *msg;
  GCancellable      *cancellable;
  char              *unit;
  gint64             from;
  gint64             to;
} PgRequest;

static PgRequest *
pg_request_new (WgPositionsApi    *self,
                SoupServerMessage *msg)
{
  PgRequest *request = g_new0 (PgRequest, 1);

  request->self = self;
  request->msg = g_object_ref (msg);
  request->cancellable = g_object_ref (self->cancellable);
  soup_server_message_pause (msg);
  return request;
}

static void
pg_request_finish (PgRequest *request)
{
  soup_server_message_unpause (request->msg);
  g_object_unref (request->msg);
  g_object_unref (request->cancellable);
  g_free (request->unit);
  g_free (request);
}

static void
pg_added_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  PgRequest *request = user_data;
  g_autoptr(WgPgTrackAdded) added = NULL;
  g_autoptr(GError) error = NULL;
  BatchResult answer = { 0 };
  WgCommitItem item = { 0 };

  if (g_cancellable_is_cancelled (request->cancellable))
    {
      pg_request_finish (request);
      return;
    }
  added = wg_pg_track_add_finish (request->self->pg, result, &error);
  if (added != NULL)
    {
      WgServer *server = request->self->server;

      /* Durable: the stream may show them; the snapshot's latest too. */
      for (guint i = 0; i < added->changed->len; i++)
        {
          WgTrackPoint *point = g_ptr_array_index (added->changed, i);

          wg_track_store_note_latest (wg_server_get_track_store (server), point);
          wg_stream_hub_queue_position (wg_server_get_stream_hub (server), point);
        }
      answer.accepted = added->accepted;
      answer.kept = added->kept;
    }
  item.msg = request->msg;
  item.result = &answer;
  answer_cb (&item, error, request->self);
  pg_request_finish (request);
}

static void
post_positions_cb (SoupServerMessage *msg,
                   GHashTable        *params,
                   GHashTable        *query,
                   gpointer           user_data)
{
  WgPositionsApi *self = user_data;
  WgStreamIdentity identity = { 0 };
  GPtrArray *points;

  if (!wg_server_identify (self->server, msg, &identity))
    return;
  if (wg_server_is_shutting_down (self->server))
    {
      wg_stream_identity_clear (&identity);
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting-down", NULL);
      return;
    }
  points = wg_positions_read_batch (self->server, msg, &identity, g_get_real_time () / 1000);
  wg_stream_identity_clear (&identity);
  if (points == NULL)
    return;
  if (self->pg != NULL)
    {
      wg_pg_track_add_async (self->pg, points, self->cancellable, pg_added_cb, pg_request_new (self, msg));
      g_ptr_array_unref (points);
      return;
    }
  wg_commit_batcher_submit (self->batcher, msg, points, (GDestroyNotify) g_ptr_array_unref);
}

/* The cursor is opaque to clients: "ts.id" of the last point, base64url. */
static char *
encode_cursor (const WgTrackCursor *cursor)
{
  g_autofree char *plain = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, cursor->ts, cursor->id);
  char *encoded = g_base64_encode ((const guchar *) plain, strlen (plain));

  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  return encoded;
}

static gboolean
decode_cursor (const char    *text,
               WgTrackCursor *out)
{
  g_autofree char *copy = NULL;
  g_autofree guchar *plain = NULL;
  g_autofree char *string = NULL;
  gsize length = 0;
  char *dot, *end;

  if (strlen (text) > 64 || strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") != strlen (text))
    return FALSE;
  copy = g_strdup (text);
  g_strdelimit (copy, "-", '+');
  g_strdelimit (copy, "_", '/');
  plain = g_base64_decode (copy, &length);
  string = g_strndup ((const char *) plain, length);
  dot = strchr (string, '.');
  if (dot == NULL)
    return FALSE;
  *dot = '\0';
  out->ts = g_ascii_strtoll (string, &end, 10);
  if (end == string || *end != '\0')
    return FALSE;
  out->id = g_ascii_strtoll (dot + 1, &end, 10);
  return end != dot + 1 && *end == '\0' && out->ts >= 0 && out->id >= 0;
}

static void
respond_points (SoupServerMessage *msg,
                GPtrArray         *points,
                const char        *unit,
                gint64             from,
                gint64             to,
                gboolean           with_window,
                gboolean           truncated,
                const WgTrackCursor *next)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "server_time");
  json_builder_add_int_value (builder, g_get_real_time () / 1000);
  if (with_window)
    {
      json_builder_set_member_name (builder, "unit");
      if (unit != NULL)
        json_builder_add_string_value (builder, unit);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "from");
      json_builder_add_int_value (builder, from);
      json_builder_set_member_name (builder, "to");
      json_builder_add_int_value (builder, to);
      json_builder_set_member_name (builder, "truncated");
      json_builder_add_boolean_value (builder, truncated);
      json_builder_set_member_name (builder, "next");
      if (truncated && next != NULL)
        {
          g_autofree char *cursor = encode_cursor (next);
          json_builder_add_string_value (builder, cursor);
        }
      else
        json_builder_add_null_value (builder);
    }
  json_builder_set_member_name (builder, "positions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < points->len; i++)
    json_builder_add_value (builder, wg_track_point_to_json (g_ptr_array_index (points, i)));
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

static void
pg_latest_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PgRequest *request = user_data;
  g_autoptr(GPtrArray) points = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_cancellable_is_cancelled (request->cancellable))
    {
      points = wg_pg_track_latest_finish (request->self->pg, result, &error);
      if (points == NULL)
        wg_problem_respond_error (request->msg, error);
      else
        respond_points (request->msg, points, NULL, 0, 0, FALSE, FALSE, NULL);
    }
  pg_request_finish (request);
}

static void
pg_window_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PgRequest *request = user_data;
  g_autoptr(GPtrArray) points = NULL;
  g_autoptr(GError) error = NULL;
  WgTrackCursor next = { -1, -1 };
  gboolean more = FALSE;

  if (!g_cancellable_is_cancelled (request->cancellable))
    {
      points = wg_pg_track_query_page_finish (request->self->pg, result, &next, &more, &error);
      if (points == NULL)
        wg_problem_respond_error (request->msg, error);
      else
        respond_points (request->msg, points, request->unit, request->from, request->to, TRUE, more, &next);
    }
  pg_request_finish (request);
}

void
wg_positions_respond_latest (SoupServerMessage *msg,
                             GHashTable        *query,
                             WgTrackStore      *tracks)
{
  const char *unit = g_hash_table_lookup (query, "unit");
  g_autoptr(GPtrArray) points = NULL;

  if (unit != NULL)
    {
      const WgTrackPoint *point = wg_track_store_lookup_latest (tracks, unit);

      points = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_track_point_free);
      if (point != NULL)
        g_ptr_array_add (points, wg_track_point_copy (point));
    }
  else
    points = wg_track_store_dup_latest (tracks);
  respond_points (msg, points, NULL, 0, 0, FALSE, FALSE, NULL);
}

static void
get_latest_cb (SoupServerMessage *msg,
               GHashTable        *params,
               GHashTable        *query,
               gpointer           user_data)
{
  WgPositionsApi *self = user_data;
  WgStreamIdentity identity = { 0 };

  if (!wg_server_identify (self->server, msg, &identity))
    return;
  wg_stream_identity_clear (&identity);
  if (self->pg != NULL)
    wg_pg_track_latest_async (self->pg, g_hash_table_lookup (query, "unit"), self->cancellable, pg_latest_cb,
                              pg_request_new (self, msg));
  else
    wg_positions_respond_latest (msg, query, wg_server_get_track_store (self->server));
}

static gboolean
parse_int_param (GHashTable  *query,
                 const char  *name,
                 gboolean     required,
                 gint64       min,
                 gint64       max,
                 gint64      *out)
{
  const char *text = g_hash_table_lookup (query, name);
  gint64 value;

  if (text == NULL)
    return !required;
  if (!g_ascii_string_to_signed (text, 10, min, max, &value, NULL))
    return FALSE;
  *out = value;
  return TRUE;
}

/* @live: the live API when @tracks is the live track (PostgreSQL holds it
 * there when the server has a database); NULL for an exercise's. */
static void
respond_window (WgServer          *server,
                SoupServerMessage *msg,
                GHashTable        *query,
                WgTrackStore      *tracks,
                WgPositionsApi    *live)
{
  const WgServerConfig *config = wg_server_get_config (server);
  const char *unit = g_hash_table_lookup (query, "unit");
  const char *cursor_text = g_hash_table_lookup (query, "cursor");
  WgTrackCursor after = { -1, -1 }, next = { -1, -1 };
  g_autoptr(GPtrArray) points = NULL;
  g_autoptr(GError) error = NULL;
  gint64 from = 0, to = 0, limit = MIN (QUERY_DEFAULT_LIMIT, config->query_max);
  gboolean truncated = FALSE;

  if (!parse_int_param (query, "from", TRUE, 0, G_MAXINT64, &from) ||
      !parse_int_param (query, "to", TRUE, 0, G_MAXINT64, &to) ||
      !parse_int_param (query, "limit", FALSE, 1, config->query_max, &limit) ||
      from >= to)
    {
      g_autofree char *detail = g_strdup_printf (_("Needs from and to (UTC milliseconds, from < to), "
                                                   "optional unit and limit (1..%u)"), config->query_max);

      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", detail);
      return;
    }
  if (unit != NULL && !valid_label (unit, UNIT_MAX_BYTES))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", _("Invalid unit"));
      return;
    }
  if (cursor_text != NULL && !decode_cursor (cursor_text, &after))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("Invalid cursor: pass the “next” of the page before as it is"));
      return;
    }

  if (live != NULL && live->pg != NULL)
    {
      PgRequest *request = pg_request_new (live, msg);

      request->unit = g_strdup (unit);
      request->from = from;
      request->to = to;
      wg_pg_track_query_page_async (live->pg, unit, from, to, cursor_text != NULL ? &after : NULL,
                                    (guint) limit, live->cancellable, pg_window_cb, request);
      return;
    }
  points = wg_track_store_query_page (tracks, unit, from, to, cursor_text != NULL ? &after : NULL, (guint) limit,
                                      &next, &truncated, &error);
  if (points == NULL)
    {
      wg_problem_respond_error (msg, error);
      return;
    }
  respond_points (msg, points, unit, from, to, TRUE, truncated, &next);
}

void
wg_positions_respond_window (WgServer          *server,
                             SoupServerMessage *msg,
                             GHashTable        *query,
                             WgTrackStore      *tracks)
{
  respond_window (server, msg, query, tracks, NULL);
}

static void
get_window_cb (SoupServerMessage *msg,
               GHashTable        *params,
               GHashTable        *query,
               gpointer           user_data)
{
  WgPositionsApi *self = user_data;
  WgStreamIdentity identity = { 0 };

  if (!wg_server_identify (self->server, msg, &identity))
    return;
  wg_stream_identity_clear (&identity);
  respond_window (self->server, msg, query, wg_server_get_track_store (self->server), self);
}

/* One bounded step per main-loop turn, at low priority, until nothing old
 * is left: requests are never stuck behind a long delete. */
static gboolean
purge_step_cb (gpointer data)
{
  WgPositionsApi *self = data;
  g_autoptr(GError) error = NULL;
  guint deleted = 0;
  gboolean more = FALSE;

  if (!wg_track_store_purge (wg_server_get_track_store (self->server), g_get_real_time () / 1000,
                             PURGE_STEP_ROWS, &deleted, &more, &error))
    {
      g_warning ("Position retention purge failed: %s", error->message);
      more = FALSE;
    }
  self->purged += deleted;
  if (more)
    return G_SOURCE_CONTINUE;

  if (self->purged > 0)
    g_debug ("Purged %" G_GUINT64_FORMAT " track points past retention", self->purged);
  self->purged = 0;
  self->purge_step_id = 0;
  return G_SOURCE_REMOVE;
}

/* The spans of the units' assignments ended since the last purge, or NULL
 * (no journal yet, or it cannot be read: logged).  Read through a
 * connection of our own: the journal's belongs to the engine. */
static GPtrArray *
list_assignment_spans (WgPositionsApi *self,
                       gint64          now)
{
  g_autofree char *path = g_build_filename (wg_server_get_data_dir (self->server), "journal.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgStore) journal = NULL;
  GPtrArray *spans = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return NULL;
  journal = wg_store_open (path, &error);
  if (journal != NULL)
    spans = wg_store_list_assignment_spans (journal, now, self->spans_synced_ms, &error);
  if (spans == NULL)
    g_warning ("Cannot keep the tracks of assigned units: %s", error->message);
  return spans;
}

/* The spans of the units' assignments go to the track store before a
 * purge, so that their points outlive the retention. */
static void
keep_assignment_spans (WgPositionsApi *self)
{
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / 1000;
  g_autoptr(GPtrArray) spans = list_assignment_spans (self, now);

  if (spans == NULL)
    return;
  if (!wg_track_store_keep_spans (wg_server_get_track_store (self->server), spans, &error))
    {
      g_warning ("Cannot keep the tracks of assigned units: %s", error->message);
      return;
    }
  self->spans_synced_ms = now;
}

/* PostgreSQL's purge: a step at a time on the positions thread, the next
 * one asked when the last one answers. */
typedef struct
{
  WgPositionsApi *self;
  GCancellable   *cancellable;
  gint64          now;
  gboolean        spans_sent;   /* advance spans_synced_ms to @now when done */
} PgPurge;

static void pg_purge_step (PgPurge   *purge,
                           GPtrArray *spans);

static void
pg_purged_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  PgPurge *purge = user_data;
  g_autoptr(GError) error = NULL;
  guint deleted = 0;

  if (g_cancellable_is_cancelled (purge->cancellable))
    {
      g_object_unref (purge->cancellable);
      g_free (purge);
      return;
    }
  if (!wg_pg_track_purge_finish (purge->self->pg, result, &deleted, &error))
    {
      g_warning ("Position retention purge failed: %s", error->message);
      deleted = 0;
    }
  else if (purge->spans_sent)
    {
      purge->self->spans_synced_ms = purge->now;
      purge->spans_sent = FALSE;
    }
  purge->self->purged += deleted;
  if (deleted == WG_PG_TRACK_PURGE_STEP)
    {
      pg_purge_step (purge, NULL);
      return;
    }
  if (purge->self->purged > 0)
    g_debug ("Purged %" G_GUINT64_FORMAT " track points past retention", purge->self->purged);
  purge->self->purged = 0;
  purge->self->pg_purging = FALSE;
  g_object_unref (purge->cancellable);
  g_free (purge);
}

static void
pg_purge_step (PgPurge   *purge,
               GPtrArray *spans)
{
  wg_pg_track_purge_async (purge->self->pg, purge->now, spans, purge->cancellable, pg_purged_cb, purge);
}

static void
pg_purge (WgPositionsApi *self)
{
  g_autoptr(GPtrArray) spans = NULL;
  PgPurge *purge;

  if (self->pg_purging)
    return;
  purge = g_new0 (PgPurge, 1);
  purge->self = self;
  purge->cancellable = g_object_ref (self->cancellable);
  purge->now = g_get_real_time () / 1000;
  spans = list_assignment_spans (self, purge->now);
  purge->spans_sent = spans != NULL;
  self->pg_purging = TRUE;
  pg_purge_step (purge, spans);
}

static gboolean
purge_cb (gpointer data)
{
  WgPositionsApi *self = data;

  if (self->pg != NULL)
    {
      pg_purge (self);
      return G_SOURCE_CONTINUE;
    }
  if (self->purge_step_id == 0)
    keep_assignment_spans (self);
  if (self->purge_step_id == 0)
    self->purge_step_id = g_idle_add_full (G_PRIORITY_LOW, purge_step_cb, self, NULL);
  return G_SOURCE_CONTINUE;
}

WgPositionsApi *
wg_positions_api_new (WgServer *server)
{
  const WgServerConfig *config = wg_server_get_config (server);
  WgRouter *router = wg_server_get_router (server);
  WgPositionsApi *self;

  self = g_new0 (WgPositionsApi, 1);
  self->server = server;
  self->cancellable = g_cancellable_new ();
  self->batcher = wg_commit_batcher_new (config->batch_max_delay_us, config->batch_max_items,
                                         commit_batch_cb, answer_cb, self);

  wg_router_add (router, "POST", "/api/v1/positions", post_positions_cb, self);
  wg_router_add (router, "GET", "/api/v1/positions", get_window_cb, self);
  wg_router_add (router, "GET", "/api/v1/positions/latest", get_latest_cb, self);
  return self;
}

/* The latest positions taken by any instance reach this one's stream and
 * snapshot (its own ones again: the stream coalesces them per unit). */
static void
pg_changes_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  PgRequest *request = user_data;
  WgPositionsApi *self = request->self;
  g_autoptr(GPtrArray) points = NULL;
  g_autoptr(GError) error = NULL;
  gboolean alive = !g_cancellable_is_cancelled (request->cancellable);
  gint64 next = -1;

  g_object_unref (request->cancellable);
  g_free (request);
  if (!alive)
    return;
  self->changes_asked = FALSE;
  points = wg_pg_track_changes_finish (self->pg, result, &next, &error);
  if (points == NULL)
    {
      g_warning ("Cannot read the positions of the other instances: %s", error->message);
      return;
    }
  for (guint i = 0; i < points->len; i++)
    {
      WgTrackPoint *point = g_ptr_array_index (points, i);

      wg_track_store_note_latest (wg_server_get_track_store (self->server), point);
      wg_stream_hub_queue_position (wg_server_get_stream_hub (self->server), point);
    }
  self->changes_after = next;
}

static gboolean
changes_cb (gpointer data)
{
  WgPositionsApi *self = data;

  if (!self->changes_asked)
    {
      PgRequest *request = g_new0 (PgRequest, 1);

      request->self = self;
      request->cancellable = g_object_ref (self->cancellable);
      self->changes_asked = TRUE;
      wg_pg_track_changes_async (self->pg, self->changes_after, self->cancellable, pg_changes_cb, request);
    }
  return G_SOURCE_CONTINUE;
}

gboolean
wg_positions_api_use_database (WgPositionsApi      *self,
                               const char          *conninfo,
                               const WgTrackPolicy *policy,
                               GError             **error)
{
  g_return_val_if_fail (self != NULL && self->pg == NULL, FALSE);

  self->pg = wg_pg_track_open (conninfo, policy, error);
  return self->pg != NULL;
}

void
wg_positions_api_start (WgPositionsApi *self)
{
  const WgServerConfig *config = wg_server_get_config (self->server);

  g_return_if_fail (self != NULL);

  purge_cb (self);
  if (self->pg != NULL && self->changes_id == 0)
    {
      self->changes_after = -1;
      changes_cb (self);
      self->changes_id = g_timeout_add (config->broadcast_interval_ms, changes_cb, self);
    }
  if (self->purge_id == 0)
    self->purge_id = g_timeout_add_seconds (config->purge_interval_seconds, purge_cb, self);
}

void
wg_positions_api_flush (WgPositionsApi *self)
{
  g_return_if_fail (self != NULL);
  wg_commit_batcher_flush (self->batcher);
}

void
wg_positions_api_free (WgPositionsApi *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->purge_id, g_source_remove);
  g_clear_handle_id (&self->purge_step_id, g_source_remove);
  g_clear_handle_id (&self->changes_id, g_source_remove);
  g_clear_pointer (&self->batcher, wg_commit_batcher_free);
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->pg, wg_pg_track_free);
  g_clear_object (&self->cancellable);
  g_free (self);
}
