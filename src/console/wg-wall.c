/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-wall"

#include "config.h"

#include "wg-demo.h"
#include "wg-store-statistics.h"
#include "wg-wall.h"

/* The tiles move with the day, not with each event: a minute between
 * refreshes, and a few seconds after a burst of events. */
#define REFRESH_SECONDS      60
#define AFTER_EVENTS_SECONDS 3
#define ACKNOWLEDGED_SHOWN_SECONDS 60
#define HOUR_MS   (3600 * (gint64) 1000)
#define DAY_MS    (24 * HOUR_MS)
#define BASELINE_DAYS 28
/* The year's figures read a year of journal and move slowly. */
#define YEAR_EVERY_MS (10 * 60 * (gint64) 1000)

struct _WgWall
{
  GObject          parent_instance;

  WgContext       *context;
  WgIncidentModel *model;
  GCancellable    *cancellable;

  JsonObject      *today;
  JsonObject      *year;
  JsonObject      *recent;
  JsonObject      *presence;
  GHashTable      *hourly;        /* hour start (gint64 *) -> count */
  GPtrArray       *standout;

  char            *banner_incident;
  char            *acknowledged_by;
  gboolean         inhibited;
  gint64           year_asked_at;   /* monotonic ms, 0 never */

  guint            refresh_id;
  guint            soon_id;
  guint            banner_id;
};

enum {
  PROP_0,
  PROP_BANNER_INCIDENT,
  PROP_ACKNOWLEDGED_BY,
  PROP_INHIBITED,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (WgWall, wg_wall, G_TYPE_OBJECT)

gboolean
wg_wall_grid_stands_out (guint today,
                         guint before)
{
  /* today > 3 x (before / 28), in integers */
  return today >= 3 && (guint64) today * BASELINE_DAYS > 3 * (guint64) before;
}

static guint
count_in (JsonObject *figures,
          const char *member,
          const char *key)
{
  JsonObject *counts;

  if (figures == NULL || !json_object_has_member (figures, member))
    return 0;
  counts = json_object_get_object_member (figures, member);
  if (counts == NULL || !json_object_has_member (counts, key))
    return 0;
  return (guint) json_object_get_int_member (counts, key);
}

static void
update_standout (WgWall *self)
{
  JsonObject *by_grid;
  g_autoptr(GList) members = NULL;

  g_ptr_array_set_size (self->standout, 0);
  if (self->today == NULL || self->recent == NULL)
    return;
  by_grid = json_object_get_object_member (self->today, "by_grid");
  if (by_grid == NULL)
    return;
  members = json_object_get_members (by_grid);
  for (GList *l = members; l != NULL; l = l->next)
    {
      guint today = count_in (self->today, "by_grid", l->data);
      guint recent = count_in (self->recent, "by_grid", l->data);

      if (wg_wall_grid_stands_out (today, recent > today ? recent - today : 0))
        g_ptr_array_add (self->standout, g_strdup (l->data));
    }
}

static void
figures_arrived (WgWall *self)
{
  update_standout (self);
  g_signal_emit (self, signals[CHANGED], 0);
}

/* ---- Asking for figures ------------------------------------------------ */

typedef enum {
  QUERY_TODAY,
  QUERY_YEAR,
  QUERY_RECENT,
  QUERY_HOUR,
  QUERY_PRESENCE,
} QueryKind;

typedef struct
{
  WgWall    *wall;    /* a reference */
  QueryKind  kind;
  gint64     from;
} Query;

static void
query_free (Query *query)
{
  g_object_unref (query->wall);
  g_free (query);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Query, query_free)

static void
store_answer (WgWall     *self,
              QueryKind   kind,
              gint64      from,
              JsonObject *answer)
{
  switch (kind)
    {
    case QUERY_TODAY:
      g_clear_pointer (&self->today, json_object_unref);
      self->today = json_object_ref (answer);
      break;
    case QUERY_YEAR:
      g_clear_pointer (&self->year, json_object_unref);
      self->year = json_object_ref (answer);
      break;
    case QUERY_RECENT:
      g_clear_pointer (&self->recent, json_object_unref);
      self->recent = json_object_ref (answer);
      break;
    case QUERY_HOUR:
      g_hash_table_insert (self->hourly, g_memdup2 (&from, sizeof from),
                           GUINT_TO_POINTER (json_object_get_int_member_with_default (answer, "received", 0)));
      break;
    case QUERY_PRESENCE:
      g_clear_pointer (&self->presence, json_object_unref);
      self->presence = json_object_ref (answer);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
answer_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Query) query = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = wg_api_client_request_finish (WG_API_CLIENT (source), result, NULL, &error);

  if (answer == NULL || !JSON_NODE_HOLDS_OBJECT (answer))
    {
      /* Offline or busy: the tiles keep their last figures until the next
       * refresh. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("a wall query failed: %s", error != NULL ? error->message : "not an object");
      return;
    }
  store_answer (query->wall, query->kind, query->from, json_node_get_object (answer));
  figures_arrived (query->wall);
}

static void
ask (WgWall    *self,
     QueryKind  kind,
     gint64     from,
     gint64     to)
{
  WgSyncClient *sync = wg_context_get_sync_client (self->context);

  if (sync != NULL)
    {
      Query *query = g_new0 (Query, 1);
      g_autofree char *path = kind == QUERY_PRESENCE
        ? g_strdup ("/api/v1/presence")
        : g_strdup_printf ("/api/v1/statistics?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT, from, to);

      query->wall = g_object_ref (self);
      query->kind = kind;
      query->from = from;
      wg_api_client_request_async (wg_sync_client_get_api (sync), "GET", path, NULL,
                                   self->cancellable, answer_cb, query);
      return;
    }
  if (kind != QUERY_PRESENCE)
    {
      /* No server: the same implementation over the local store. */
      g_autoptr(GError) error = NULL;
      WgFigures *figures = wg_store_compute_statistics (wg_context_get_store (self->context),
                                                        from, to, from, NULL, NULL, &error);
      g_autoptr(JsonNode) node = NULL;

      if (figures == NULL)
        {
          g_warning ("The wall's figures cannot be counted: %s", error->message);
          return;
        }
      node = wg_figures_to_json (figures);
      wg_figures_free (figures);
      store_answer (self, kind, from, json_node_get_object (node));
    }
}

static gint64
local_midnight (WgWall *self,
                gint64  now_ms,
                gint64 *year_start)
{
  GTimeZone *tz = wg_reference_get_time_zone (wg_context_get_reference (self->context));
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (now_ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (now, tz);
  g_autoptr(GDateTime) midnight = g_date_time_new (tz, g_date_time_get_year (local),
                                                   g_date_time_get_month (local),
                                                   g_date_time_get_day_of_month (local), 0, 0, 0);
  g_autoptr(GDateTime) january = g_date_time_new (tz, g_date_time_get_year (local), 1, 1, 0, 0, 0);

  *year_start = g_date_time_to_unix (january) * 1000;
  return g_date_time_to_unix (midnight) * 1000;
}

void
wg_wall_refresh (WgWall *self)
{
  gint64 now = wg_context_now_ms (self->context);
  gint64 year_start;
  gint64 midnight = local_midnight (self, now, &year_start);
  gint64 hour = now - now % HOUR_MS;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (WG_IS_WALL (self));

  ask (self, QUERY_TODAY, midnight, now + 1);
  if (self->year_asked_at == 0 || g_get_monotonic_time () / 1000 - self->year_asked_at >= YEAR_EVERY_MS)
    {
      self->year_asked_at = g_get_monotonic_time () / 1000;
      ask (self, QUERY_YEAR, year_start, now + 1);
    }
  ask (self, QUERY_RECENT, midnight - BASELINE_DAYS * DAY_MS, now + 1);
  /* Past hours do not change (a case counts in the hour it was reported):
   * only the current one and those not asked yet. */
  g_hash_table_iter_init (&iter, self->hourly);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (*(gint64 *) key < hour - (WG_WALL_HOURS - 1) * HOUR_MS)
      g_hash_table_iter_remove (&iter);
  for (int i = WG_WALL_HOURS - 1; i >= 0; i--)
    {
      gint64 from = hour - i * HOUR_MS;

      if (i == 0 || !g_hash_table_contains (self->hourly, &from))
        ask (self, QUERY_HOUR, from, from + HOUR_MS);
    }
  ask (self, QUERY_PRESENCE, 0, 0);
  if (wg_context_get_sync_client (self->context) == NULL)
    figures_arrived (self);
}

static gboolean
refresh_cb (gpointer user_data)
{
  wg_wall_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
refresh_soon_cb (gpointer user_data)
{
  WgWall *self = user_data;

  self->soon_id = 0;
  wg_wall_refresh (self);
  return G_SOURCE_REMOVE;
}

/* Back online (at start, after the server was away): the figures and
 * presence of now, not of the next minute. */
static void
sync_state_cb (WgWall       *self,
               GParamSpec   *pspec,
               WgSyncClient *sync)
{
  if (wg_sync_client_get_state (sync) == WG_SYNC_ONLINE && self->soon_id == 0)
    self->soon_id = g_timeout_add_seconds (1, refresh_soon_cb, self);
}

/* ---- The banner -------------------------------------------------------- */

static void
set_banner (WgWall     *self,
            const char *incident,
            const char *acknowledged_by)
{
  if (g_strcmp0 (self->banner_incident, incident) != 0)
    {
      g_free (self->banner_incident);
      self->banner_incident = g_strdup (incident);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BANNER_INCIDENT]);
    }
  if (g_strcmp0 (self->acknowledged_by, acknowledged_by) != 0)
    {
      g_free (self->acknowledged_by);
      self->acknowledged_by = g_strdup (acknowledged_by);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACKNOWLEDGED_BY]);
    }
}

static gboolean
banner_done_cb (gpointer user_data)
{
  WgWall *self = user_data;

  self->banner_id = 0;
  set_banner (self, NULL, NULL);
  return G_SOURCE_REMOVE;
}

static gboolean
is_emergency (WgWall     *self,
              const char *incident)
{
  WgIncidentItem *item = incident != NULL ? wg_incident_model_lookup (self->model, incident) : NULL;

  return item != NULL && wg_incident_item_get_record (item)->grade == WG_GRADE_EMERGENCY;
}

/* An unacknowledged emergency already open (at start, or after the banner
 * of another one ended). */
static void
take_waiting_emergency (WgWall *self)
{
  GListModel *model = G_LIST_MODEL (self->model);

  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (model, i - 1);

      if (wg_incident_item_get_record (item)->grade == WG_GRADE_EMERGENCY
          && wg_incident_item_is_unacknowledged (item))
        {
          set_banner (self, wg_incident_item_get_id (item), NULL);
          return;
        }
    }
}

static void
model_filled_cb (WgWall *self)
{
  if (self->banner_incident == NULL)
    take_waiting_emergency (self);
}

static void
events_applied_cb (WgWall    *self,
                   GPtrArray *events)
{
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if ((event->type == WG_EV_ALARM_RAISED || event->type == WG_EV_ALARM_ESCALATED)
          && is_emergency (self, event->incident))
        {
          g_clear_handle_id (&self->banner_id, g_source_remove);
          set_banner (self, event->incident, NULL);
        }
      else if (event->type == WG_EV_ALARM_ACKNOWLEDGED
               && g_strcmp0 (event->incident, self->banner_incident) == 0
               && self->acknowledged_by == NULL)
        {
          set_banner (self, event->incident, event->actor != NULL ? event->actor : "");
          self->banner_id = g_timeout_add_seconds (ACKNOWLEDGED_SHOWN_SECONDS, banner_done_cb, self);
        }
    }
  /* Its alarm went otherwise (cancelled, the case downgraded or closed):
   * the banner goes to the next emergency waiting, if any. */
  if (self->banner_incident != NULL && self->acknowledged_by == NULL)
    {
      WgIncidentItem *item = wg_incident_model_lookup (self->model, self->banner_incident);

      if (item == NULL || !wg_incident_item_is_unacknowledged (item)
          || wg_incident_item_get_record (item)->grade != WG_GRADE_EMERGENCY)
        set_banner (self, NULL, NULL);
    }
  if (self->banner_incident == NULL)
    take_waiting_emergency (self);
  if (self->soon_id == 0)
    self->soon_id = g_timeout_add_seconds (AFTER_EVENTS_SECONDS, refresh_soon_cb, self);
}

/* ---- Text size --------------------------------------------------------- */

static void
apply_text_scale (GSettings *settings)
{
  static GtkCssProvider *provider;
  GdkDisplay *display = gdk_display_get_default ();
  double scale = g_settings_get_double (settings, "wall-text-scale");
  g_autofree char *css = NULL;

  if (display == NULL)
    return;
  if (provider == NULL)
    {
      provider = gtk_css_provider_new ();
      gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION + 1);
    }
  /* Sizes for reading at five metres on a 1080p wall (a 4K one at scale 2
   * has the same logical pixels). */
  css = g_strdup_printf (".wall .wall-tiles, .wall .wall-banner { font-size: %dpx; }\n"
                         ".wall .wall-tile-title { font-size: %dpx; }\n"
                         ".wall .wall-figure { font-size: %dpx; }\n"
                         ".wall .wall-banner-title { font-size: %dpx; }\n"
                         ".wall .wall-chart { min-height: %dpx; }\n",
                         (int) (17 * scale), (int) (16 * scale), (int) (34 * scale),
                         (int) (34 * scale), (int) (36 * scale));
  gtk_css_provider_load_from_data (provider, css, -1);
}

void
wg_wall_follow_text_scale (GSettings *settings)
{
  apply_text_scale (settings);
  g_signal_connect (settings, "changed::wall-text-scale", G_CALLBACK (apply_text_scale), NULL);
}

/* ---- Monitors ---------------------------------------------------------- */

static int
monitor_area (GListModel *monitors,
              guint       i)
{
  g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, i);
  GdkRectangle geometry;

  gdk_monitor_get_geometry (monitor, &geometry);
  return geometry.width * geometry.height;
}

void
wg_wall_choose_monitors (GListModel *monitors,
                         int        *map_monitor,
                         int        *board_monitor)
{
  guint n = g_list_model_get_n_items (monitors);

  *map_monitor = n > 0 ? 0 : -1;
  *board_monitor = -1;
  for (guint i = 1; i < n; i++)
    if (monitor_area (monitors, i) > monitor_area (monitors, *map_monitor))
      *map_monitor = i;
  for (guint i = 0; i < n; i++)
    if ((int) i != *map_monitor
        && (*board_monitor < 0 || monitor_area (monitors, i) > monitor_area (monitors, *board_monitor)))
      *board_monitor = i;
}

/* ---- Object ------------------------------------------------------------ */

static void
wg_wall_dispose (GObject *object)
{
  WgWall *self = WG_WALL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  g_clear_handle_id (&self->soon_id, g_source_remove);
  g_clear_handle_id (&self->banner_id, g_source_remove);
  g_clear_object (&self->model);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (wg_wall_parent_class)->dispose (object);
}

static void
wg_wall_finalize (GObject *object)
{
  WgWall *self = WG_WALL (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->today, json_object_unref);
  g_clear_pointer (&self->year, json_object_unref);
  g_clear_pointer (&self->recent, json_object_unref);
  g_clear_pointer (&self->presence, json_object_unref);
  g_clear_pointer (&self->hourly, g_hash_table_unref);
  g_clear_pointer (&self->standout, g_ptr_array_unref);
  g_clear_pointer (&self->banner_incident, g_free);
  g_clear_pointer (&self->acknowledged_by, g_free);

  G_OBJECT_CLASS (wg_wall_parent_class)->finalize (object);
}

static void
wg_wall_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  WgWall *self = WG_WALL (object);

  switch (prop_id)
    {
    case PROP_BANNER_INCIDENT:
      g_value_set_string (value, self->banner_incident);
      break;
    case PROP_ACKNOWLEDGED_BY:
      g_value_set_string (value, self->acknowledged_by);
      break;
    case PROP_INHIBITED:
      g_value_set_boolean (value, self->inhibited);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_wall_class_init (WgWallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_wall_dispose;
  object_class->finalize = wg_wall_finalize;
  object_class->get_property = wg_wall_get_property;

  properties[PROP_BANNER_INCIDENT] =
    g_param_spec_string ("banner-incident", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ACKNOWLEDGED_BY] =
    g_param_spec_string ("acknowledged-by", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_INHIBITED] =
    g_param_spec_boolean ("inhibited", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The figures changed (an answer arrived). */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
wg_wall_init (WgWall *self)
{
  self->cancellable = g_cancellable_new ();
  self->hourly = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->standout = g_ptr_array_new_with_free_func (g_free);
}

WgWall *
wg_wall_new (WgContext *context)
{
  WgWall *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);

  self = g_object_new (WG_TYPE_WALL, NULL);
  self->context = g_object_ref (context);
  self->model = wg_incident_model_new (context);
  /* With a server the model fills from the cache a moment later: an
   * emergency waiting since before the start takes the banner then (with
   * no event after it, nothing else would give it one). */
  g_signal_connect_object (self->model, "filled", G_CALLBACK (model_filled_cb), self, G_CONNECT_SWAPPED);
  /* After the incident model has seen the events. */
  g_signal_connect_object (context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  if (wg_context_get_sync_client (context) != NULL)
    g_signal_connect_object (wg_context_get_sync_client (context), "notify::state",
                             G_CALLBACK (sync_state_cb), self, G_CONNECT_SWAPPED);
  take_waiting_emergency (self);
  wg_wall_refresh (self);
  self->refresh_id = g_timeout_add_seconds (REFRESH_SECONDS, refresh_cb, self);
  return self;
}

WgContext *
wg_wall_new_demo_context (gboolean   with_incidents,
                          GError   **error)
{
  g_autoptr(WgReference) reference = wg_context_load_demo_reference (error);
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(WgContext) context = NULL;

  if (reference == NULL)
    return NULL;
  actor = wg_actor_new ("wall", WG_ROLE_WALL, NULL, NULL, NULL);
  context = wg_context_new_local (reference, ":memory:", actor, error);
  if (context == NULL)
    return NULL;
  wg_context_place_forces_at_home (context);
  if (with_incidents && !wg_demo_fill (context, error))
    return NULL;
  return g_steal_pointer (&context);
}

WgContext *
wg_wall_get_context (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->context;
}

WgIncidentModel *
wg_wall_get_model (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->model;
}

JsonObject *
wg_wall_get_today (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->today;
}

JsonObject *
wg_wall_get_year (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->year;
}

JsonObject *
wg_wall_get_recent (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->recent;
}

void
wg_wall_get_hourly (WgWall *self,
                    double  counts[WG_WALL_HOURS])
{
  gint64 now = wg_context_now_ms (self->context);
  gint64 hour = now - now % HOUR_MS;

  for (int i = 0; i < WG_WALL_HOURS; i++)
    {
      gint64 from = hour - (WG_WALL_HOURS - 1 - i) * HOUR_MS;
      gpointer count;

      counts[i] = g_hash_table_lookup_extended (self->hourly, &from, NULL, &count)
                    ? GPOINTER_TO_UINT (count) : -1;
    }
}

JsonObject *
wg_wall_get_presence (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->presence;
}

GPtrArray *
wg_wall_get_standout_grids (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->standout;
}

const char *
wg_wall_get_banner_incident (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->banner_incident;
}

const char *
wg_wall_get_acknowledged_by (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), NULL);
  return self->acknowledged_by;
}

gboolean
wg_wall_get_inhibited (WgWall *self)
{
  g_return_val_if_fail (WG_IS_WALL (self), FALSE);
  return self->inhibited;
}

void
wg_wall_set_inhibited (WgWall   *self,
                       gboolean  inhibited)
{
  g_return_if_fail (WG_IS_WALL (self));
  if (self->inhibited == inhibited)
    return;
  self->inhibited = inhibited;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INHIBITED]);
}
