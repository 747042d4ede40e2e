/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one map widget of the console, the big screen and replay: a
 * ShumateMap with a configurable base map, our four overlay layers, a
 * legend, an offline notice, hit testing and a selection others bind to.
 */
#define G_LOG_DOMAIN "wg-map-view"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-gcj02.h"
#include "wg-map-private.h"
#include "wg-map-view.h"
#include "wg-mbtiles-source.h"
#include "wg-pulse-layer.h"
#include "wg-xyz-source.h"

#define MAX_FIT_ZOOM 18.0

/* A data source with no tiles: the schematic base map needs a reference
 * map source (tile size, zoom range) but must not touch disk or network. */
#define WG_TYPE_NULL_SOURCE (wg_null_source_get_type ())
G_DECLARE_FINAL_TYPE (WgNullSource, wg_null_source, WG, NULL_SOURCE, ShumateDataSource)
struct _WgNullSource { ShumateDataSource parent_instance; };
G_DEFINE_FINAL_TYPE (WgNullSource, wg_null_source, SHUMATE_TYPE_DATA_SOURCE)

static void
wg_null_source_get_tile_data_async (ShumateDataSource   *source,
                                    int                  x,
                                    int                  y,
                                    int                  zoom_level,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_task_report_new_error (source, callback, user_data, wg_null_source_get_tile_data_async,
                           G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Schematic map has no tiles");
}

static GBytes *
wg_null_source_get_tile_data_finish (ShumateDataSource  *source,
                                     GAsyncResult       *result,
                                     GError            **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wg_null_source_class_init (WgNullSourceClass *klass)
{
  SHUMATE_DATA_SOURCE_CLASS (klass)->get_tile_data_async = wg_null_source_get_tile_data_async;
  SHUMATE_DATA_SOURCE_CLASS (klass)->get_tile_data_finish = wg_null_source_get_tile_data_finish;
}

static void
wg_null_source_init (WgNullSource *self)
{
}

struct _WgMapView
{
  GtkWidget           parent_instance;

  GtkWidget          *overlay;
  ShumateMap         *map;
  ShumateViewport    *viewport;
  WgGridLayer        *grid_layer;
  WgStationLayer     *station_layer;
  WgForceLayer       *force_layer;
  WgIncidentLayer    *incident_layer;
  WgPoliceGridLayer  *police_grid_layer;
  WgPulseLayer       *pulse_layer;
  GtkWidget          *legend;
  GtkWidget          *notice;
  GtkWidget          *notice_label;
  GtkWidget          *callout;      /* keyboard stepping's tooltip */
  gboolean            stepping;

  /* Base map */
  char               *base_map;
  char               *base_map_error;
  char               *cache_dir;
  ShumateMapSource   *renderer;
  ShumateMapLayer    *base_layer;
  ShumateDataSource  *data_source;
  gboolean            offline;
  gboolean            gcj02;

  /* Selection */
  WgMapSelectionKind  selection_kind;
  char               *selection_id;

  guint               fly_duration;
  gboolean            camera_set;
};

G_DEFINE_FINAL_TYPE (WgMapView, wg_map_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_BASE_MAP,
  PROP_BASE_MAP_ERROR,
  PROP_CACHE_DIR,
  PROP_GCJ02,
  PROP_OFFLINE,
  PROP_SHOW_LEGEND,
  PROP_SELECTION_KIND,
  PROP_SELECTION_ID,
  PROP_FLY_DURATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GType
wg_map_selection_kind_get_type (void)
{
  static gsize type_id;
  static const GEnumValue values[] = {
    { WG_MAP_SELECTION_NONE, "WG_MAP_SELECTION_NONE", "none" },
    { WG_MAP_SELECTION_INCIDENT, "WG_MAP_SELECTION_INCIDENT", "incident" },
    { WG_MAP_SELECTION_UNIT, "WG_MAP_SELECTION_UNIT", "unit" },
    { WG_MAP_SELECTION_STATION, "WG_MAP_SELECTION_STATION", "station" },
    { WG_MAP_SELECTION_GRID, "WG_MAP_SELECTION_GRID", "grid" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_enum_register_static (g_intern_static_string ("WgMapSelectionKind"), values));
  return type_id;
}

static void
ensure_css (void)
{
  static gboolean done;
  g_autoptr(GtkCssProvider) provider = NULL;
  GdkDisplay *display = gdk_display_get_default ();

  if (done || display == NULL)
    return;
  done = TRUE;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider,
    "map-view.wg-map { background-color: #f2efe9; }\n"
    "map-view.wg-map.schematic { background-color: #e9ecef; }\n"
    ".wg-map-legend { background-color: rgba(255,255,255,0.94); color: #241f31;"
    "  border-radius: 12px; padding: 10px 14px; margin: 12px;"
    "  box-shadow: 0 1px 4px rgba(0,0,0,0.25); }\n"
    ".wg-map-legend .heading { font-weight: bold; font-size: 0.9em; color: #5e5c64;"
    "  margin-top: 6px; }\n"
    ".wg-map-legend .title { font-weight: bold; }\n"
    ".wg-map-legend label { font-size: 0.9em; }\n"
    ".wg-map-callout { background-color: rgba(36,31,49,0.92); color: white;"
    "  border-radius: 6px; padding: 4px 8px; }\n"
    ".wg-map-notice { background-color: rgba(36,31,49,0.86); color: white;"
    "  border-radius: 999px; padding: 6px 16px; margin: 12px; font-weight: bold; }\n",
    -1);
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/* Legend */

static void
legend_row (GtkGrid    *grid,
            int        *row,
            GdkTexture *icon,
            const char *text)
{
  GtkWidget *image = gtk_image_new_from_paintable (GDK_PAINTABLE (icon));
  GtkWidget *label = gtk_label_new (text);

  gtk_image_set_pixel_size (GTK_IMAGE (image), 18);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_grid_attach (grid, image, 0, *row, 1, 1);
  gtk_grid_attach (grid, label, 1, *row, 1, 1);
  (*row)++;
}

static void
legend_heading (GtkGrid    *grid,
                int        *row,
                const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_grid_attach (grid, label, 0, *row, 2, 1);
  (*row)++;
}

static GtkWidget *
build_legend (void)
{
  GtkGrid *grid = GTK_GRID (gtk_grid_new ());
  GtkWidget *title;
  int row = 0;
  const int sf = 2;   /* crisp at any scale; GtkImage scales down */
  static const struct { WgPositionStatus status; const char *label; } statuses[] = {
    { WG_UNIT_STATUS_AVAILABLE, N_("Available") },
    { WG_UNIT_STATUS_BUSY, N_("Busy") },
    { WG_UNIT_STATUS_EN_ROUTE, N_("En route") },
    { WG_UNIT_STATUS_ON_SCENE, N_("On scene") },
    { WG_UNIT_STATUS_OFF_DUTY, N_("Off duty") },
  };
  static const struct { WgUnitType type; const char *label; } types[] = {
    { WG_UNIT_TYPE_GRID_WORKER, N_("Grid worker") },
    { WG_UNIT_TYPE_GRID_LEADER, N_("Grid leader") },
    { WG_UNIT_TYPE_POLICE, N_("Police") },
    { WG_UNIT_TYPE_EMERGENCY_UNIT, N_("Emergency unit") },
    { WG_UNIT_TYPE_DEPARTMENT, N_("Department") },
  };
  static const struct { WgGridState state; const char *label; } grid_states[] = {
    { WG_GRID_STATE_EMERGENCY, N_("Emergency") },
    { WG_GRID_STATE_OVERDUE, N_("Overdue") },
    { WG_GRID_STATE_HOTSPOT, N_("Hotspot") },
    { WG_GRID_STATE_OPEN_INCIDENTS, N_("Open incidents") },
    { WG_GRID_STATE_NONE, N_("Quiet") },
  };

  gtk_grid_set_column_spacing (grid, 8);
  gtk_grid_set_row_spacing (grid, 2);
  gtk_widget_add_css_class (GTK_WIDGET (grid), "wg-map-legend");
  gtk_widget_set_halign (GTK_WIDGET (grid), GTK_ALIGN_END);
  gtk_widget_set_valign (GTK_WIDGET (grid), GTK_ALIGN_END);
  gtk_widget_set_can_target (GTK_WIDGET (grid), FALSE);

  title = gtk_label_new (_("Legend"));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "title");
  gtk_grid_attach (grid, title, 0, row++, 2, 1);

  legend_heading (grid, &row, _("Incidents"));
  legend_row (grid, &row, _wg_icon_incident (WG_MAP_GRADE_EMERGENCY, sf), _("Emergency"));
  legend_row (grid, &row, _wg_icon_incident (WG_MAP_GRADE_PROFESSIONAL, sf), _("Professional"));
  legend_row (grid, &row, _wg_icon_incident (WG_MAP_GRADE_GENERAL, sf), C_("grade", "General"));

  legend_heading (grid, &row, _("Forces"));
  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    legend_row (grid, &row, _wg_icon_unit (WG_UNIT_TYPE_GRID_WORKER, statuses[i].status, FALSE, sf),
                _(statuses[i].label));
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    legend_row (grid, &row, _wg_icon_unit (types[i].type, WG_UNIT_STATUS_OFF_DUTY, FALSE, sf),
                _(types[i].label));
  legend_row (grid, &row, _wg_icon_unit (WG_UNIT_TYPE_GRID_WORKER, WG_UNIT_STATUS_AVAILABLE, TRUE, sf),
              _("No recent position"));

  legend_heading (grid, &row, _("Grids"));
  for (guint i = 0; i < G_N_ELEMENTS (grid_states); i++)
    legend_row (grid, &row, _wg_icon_grid_swatch (grid_states[i].state, sf), _(grid_states[i].label));
  legend_row (grid, &row, _wg_icon_station (sf), _("Work station"));

  return GTK_WIDGET (grid);
}

/* Base map */

static void
update_notice (WgMapView *self)
{
  const char *text = NULL;

  if (self->base_map_error)
    text = _("Base map unavailable: showing the schematic map");
  else if (self->offline)
    text = _("Offline: showing cached map tiles");

  gtk_widget_set_visible (self->notice, text != NULL);
  if (text)
    gtk_label_set_text (GTK_LABEL (self->notice_label), text);
  gtk_widget_set_tooltip_text (self->notice, self->base_map_error);
}

static void
set_offline (WgMapView *self,
             gboolean   offline)
{
  if (self->offline == offline)
    return;
  self->offline = offline;
  update_notice (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OFFLINE]);
}

static void
source_offline_cb (WgMapView   *self,
                   GParamSpec  *pspec,
                   WgXyzSource *source)
{
  set_offline (self, wg_xyz_source_get_offline (source));
}

static void
clear_base_map (WgMapView *self)
{
  if (self->base_layer)
    {
      shumate_map_remove_layer (self->map, SHUMATE_LAYER (self->base_layer));
      self->base_layer = NULL;
    }
  if (self->data_source)
    g_signal_handlers_disconnect_by_data (self->data_source, self);
  g_clear_object (&self->data_source);
  g_clear_object (&self->renderer);
}

static void
apply_base_map (WgMapView *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = NULL;
  const char *spec = self->base_map ? self->base_map : "schematic";
  gboolean schematic = TRUE;
  gboolean gcj02 = FALSE;

  clear_base_map (self);
  g_clear_pointer (&self->base_map_error, g_free);

  /* "xyz-gcj02:" and "mbtiles-gcj02:" mark sources in GCJ-02 (Chinese
   * commercial maps): the WGS-84 overlays are shifted onto them. */
  if (g_str_has_prefix (spec, "xyz-gcj02:") || g_str_has_prefix (spec, "mbtiles-gcj02:"))
    {
      const char *colon = strchr (spec, ':');
      g_autofree char *kind = g_strndup (spec, colon - spec - strlen ("-gcj02"));

      plain = g_strconcat (kind, colon, NULL);
      spec = plain;
      gcj02 = TRUE;
    }

  if (g_str_has_prefix (spec, "mbtiles:"))
    {
      WgMbtilesSource *source = wg_mbtiles_source_new (spec + strlen ("mbtiles:"), &error);

      if (source)
        {
          g_autofree char *attribution = wg_mbtiles_source_dup_attribution (source);

          self->data_source = SHUMATE_DATA_SOURCE (source);
          self->renderer = SHUMATE_MAP_SOURCE (
            shumate_raster_renderer_new_full ("wangge-mbtiles", _("Offline map"),
                                              attribution, NULL,
                                              wg_mbtiles_source_get_min_zoom (source),
                                              wg_mbtiles_source_get_max_zoom (source),
                                              256, SHUMATE_MAP_PROJECTION_MERCATOR,
                                              self->data_source));
          schematic = FALSE;
        }
    }
  else if (g_str_has_prefix (spec, "xyz:"))
    {
      const char *url = spec + strlen ("xyz:");

      if (!g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "https://"))
        g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     _("Tile URL must start with http:// or https://: %s"), url);
      else
        {
          WgXyzSource *source = wg_xyz_source_new (url, self->cache_dir);

          self->data_source = SHUMATE_DATA_SOURCE (source);
          g_signal_connect_object (source, "notify::offline", G_CALLBACK (source_offline_cb),
                                   self, G_CONNECT_SWAPPED);
          self->renderer = SHUMATE_MAP_SOURCE (
            shumate_raster_renderer_new_full ("wangge-xyz", _("Online map"), NULL, NULL,
                                              0, 19, 256, SHUMATE_MAP_PROJECTION_MERCATOR,
                                              self->data_source));
          schematic = FALSE;
        }
    }
  else if (!g_str_equal (spec, "schematic") && spec[0] != '\0')
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 _("Unknown base map “%s”"), spec);

  if (error)
    self->base_map_error = g_strdup (error->message);

  if (schematic)
    {
      self->data_source = g_object_new (WG_TYPE_NULL_SOURCE, NULL);
      self->renderer = SHUMATE_MAP_SOURCE (
        shumate_raster_renderer_new_full ("wangge-schematic", _("Schematic"), NULL, NULL,
                                          0, 20, 256, SHUMATE_MAP_PROJECTION_MERCATOR,
                                          self->data_source));
      gtk_widget_add_css_class (GTK_WIDGET (self->map), "schematic");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->map), "schematic");
      self->base_layer = shumate_map_layer_new (self->renderer, self->viewport);
      shumate_map_insert_layer_behind (self->map, SHUMATE_LAYER (self->base_layer),
                                       SHUMATE_LAYER (self->grid_layer));
    }
  shumate_map_set_map_source (self->map, self->renderer);

  set_offline (self, WG_IS_XYZ_SOURCE (self->data_source)
                     && wg_xyz_source_get_offline (WG_XYZ_SOURCE (self->data_source)));
  wg_map_view_set_gcj02 (self, gcj02 && !schematic);
  update_notice (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_MAP_ERROR]);
}

/* Selection */

static void
apply_selection (WgMapView *self)
{
  const char *id = self->selection_id;
  WgMapSelectionKind kind = self->selection_kind;
  WgPositionStore *store = wg_force_layer_get_store (self->force_layer);

  wg_incident_layer_set_selected (self->incident_layer, kind == WG_MAP_SELECTION_INCIDENT ? id : NULL);
  wg_grid_layer_set_selected (self->grid_layer, kind == WG_MAP_SELECTION_GRID ? id : NULL);
  wg_force_layer_set_selected (self->force_layer,
                               kind == WG_MAP_SELECTION_UNIT && store
                                 ? wg_position_store_lookup (store, id) : -1);
}

void
wg_map_view_select (WgMapView          *self,
                    WgMapSelectionKind  kind,
                    const char         *id)
{
  gboolean kind_changed, id_changed;

  g_return_if_fail (WG_IS_MAP_VIEW (self));
  g_return_if_fail ((kind == WG_MAP_SELECTION_NONE) == (id == NULL));

  kind_changed = self->selection_kind != kind;
  id_changed = g_strcmp0 (self->selection_id, id) != 0;
  if (!kind_changed && !id_changed)
    return;

  self->selection_kind = kind;
  g_free (self->selection_id);
  self->selection_id = g_strdup (id);
  apply_selection (self);
  if (!self->stepping)
    gtk_widget_set_visible (self->callout, FALSE);

  g_object_freeze_notify (G_OBJECT (self));
  if (kind_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION_KIND]);
  if (id_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION_ID]);
  g_object_thaw_notify (G_OBJECT (self));
}

WgMapSelectionKind
wg_map_view_get_selection_kind (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), WG_MAP_SELECTION_NONE);
  return self->selection_kind;
}

const char *
wg_map_view_get_selection_id (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->selection_id;
}

gboolean
wg_map_view_select_at (WgMapView *self,
                       double     x,
                       double     y)
{
  WgMapIncident *incident;
  WgMapGrid *grid;
  const char *station;
  guint cluster = 0;
  double clat, clon;
  int unit;

  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);

  if (gtk_widget_get_visible (GTK_WIDGET (self->incident_layer))
      && (incident = wg_incident_layer_pick (self->incident_layer, x, y, NULL)))
    {
      wg_map_view_select (self, WG_MAP_SELECTION_INCIDENT, wg_map_incident_get_id (incident));
      return TRUE;
    }

  if (gtk_widget_get_visible (GTK_WIDGET (self->force_layer))
      && (unit = wg_force_layer_pick (self->force_layer, x, y, &cluster, &clat, &clon)) >= 0)
    {
      if (cluster > 1)
        {
          /* A cluster: open it up rather than pick an arbitrary member.
           * Its centre is already in the base map's coordinates. */
          double zoom = shumate_viewport_get_zoom_level (self->viewport);

          if (self->fly_duration == 0 || !gtk_widget_get_mapped (GTK_WIDGET (self)))
            {
              shumate_map_center_on (self->map, clat, clon);
              shumate_viewport_set_zoom_level (self->viewport, zoom + 2);
            }
          else
            shumate_map_go_to_full_with_duration (self->map, clat, clon, zoom + 2, self->fly_duration);
          return TRUE;
        }
      wg_map_view_select (self, WG_MAP_SELECTION_UNIT,
                          wg_position_store_get_unit_id (wg_force_layer_get_store (self->force_layer), unit));
      return TRUE;
    }

  if (gtk_widget_get_visible (GTK_WIDGET (self->station_layer))
      && (station = wg_station_layer_pick (self->station_layer, x, y)))
    {
      wg_map_view_select (self, WG_MAP_SELECTION_STATION, station);
      return TRUE;
    }

  if (gtk_widget_get_visible (GTK_WIDGET (self->grid_layer))
      && (grid = wg_grid_layer_pick (self->grid_layer, x, y)))
    {
      wg_map_view_select (self, WG_MAP_SELECTION_GRID, wg_map_grid_get_code (grid));
      return TRUE;
    }

  wg_map_view_select (self, WG_MAP_SELECTION_NONE, NULL);
  return FALSE;
}

static const char *
grade_label (WgMapGrade grade)
{
  switch (grade)
    {
    case WG_MAP_GRADE_EMERGENCY: return _("Emergency");
    case WG_MAP_GRADE_PROFESSIONAL: return _("Professional");
    case WG_MAP_GRADE_GENERAL:
    default: return C_("grade", "General");
    }
}

static const char *
status_label (WgPositionStatus status)
{
  switch (status)
    {
    case WG_UNIT_STATUS_AVAILABLE: return _("Available");
    case WG_UNIT_STATUS_BUSY: return _("Busy");
    case WG_UNIT_STATUS_EN_ROUTE: return _("En route");
    case WG_UNIT_STATUS_ON_SCENE: return _("On scene");
    case WG_UNIT_STATUS_OFF_DUTY:
    case WG_UNIT_N_STATUSES:
    default: return _("Off duty");
    }
}

static char *
describe_incident (WgMapIncident *incident,
                   guint          count)
{
  g_autofree char *more = count > 1
    ? g_strdup_printf (ngettext ("\n%u more incident here", "\n%u more incidents here", count - 1), count - 1)
    : g_strdup ("");

  return g_strdup_printf ("%s · %s%s%s%s",
                          wg_map_incident_get_case_number (incident)
                            ? wg_map_incident_get_case_number (incident)
                            : wg_map_incident_get_id (incident),
                          grade_label (wg_map_incident_get_grade (incident)),
                          wg_map_incident_get_summary (incident) ? "\n" : "",
                          wg_map_incident_get_summary (incident) ? wg_map_incident_get_summary (incident) : "",
                          more);
}

static char *
describe_unit (WgMapView *self,
               int        unit)
{
  WgPositionStore *store = wg_force_layer_get_store (self->force_layer);

  return g_strdup_printf ("%s · %s", wg_position_store_get_unit_id (store, unit),
                          status_label (wg_position_store_get_statuses (store)[unit]));
}

static char *
describe_grid (WgMapGrid *grid)
{
  return g_strdup_printf ("%s (%s)", wg_map_grid_get_name (grid), wg_map_grid_get_code (grid));
}

char *
wg_map_view_describe_at (WgMapView *self,
                         double     x,
                         double     y)
{
  WgMapIncident *incident;
  WgMapGrid *grid;
  const char *station;
  guint count = 0;
  int unit;

  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);

  if ((incident = wg_incident_layer_pick (self->incident_layer, x, y, &count)))
    return describe_incident (incident, count);
  if ((unit = wg_force_layer_pick (self->force_layer, x, y, &count, NULL, NULL)) >= 0)
    {
      if (count > 1)
        return g_strdup_printf (ngettext ("%u unit: click to zoom in", "%u units: click to zoom in", count), count);
      return describe_unit (self, unit);
    }
  if ((station = wg_station_layer_pick (self->station_layer, x, y)))
    return g_strdup (wg_station_layer_get_name (self->station_layer, station));
  if ((grid = wg_grid_layer_pick (self->grid_layer, x, y)))
    return describe_grid (grid);
  return NULL;
}

char *
wg_map_view_describe_selection (WgMapView *self)
{
  WgPositionStore *store;
  WgMapIncident *incident;
  WgMapGrid *grid;
  int unit;

  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);

  switch (self->selection_kind)
    {
    case WG_MAP_SELECTION_INCIDENT:
      incident = wg_incident_layer_lookup (self->incident_layer, self->selection_id);
      return incident ? describe_incident (incident, 1) : NULL;
    case WG_MAP_SELECTION_UNIT:
      store = wg_force_layer_get_store (self->force_layer);
      unit = store ? wg_position_store_lookup (store, self->selection_id) : -1;
      return unit >= 0 ? describe_unit (self, unit) : NULL;
    case WG_MAP_SELECTION_STATION:
      return g_strdup (wg_station_layer_get_name (self->station_layer, self->selection_id));
    case WG_MAP_SELECTION_GRID:
      grid = wg_grid_layer_lookup (self->grid_layer, self->selection_id);
      return grid ? describe_grid (grid) : NULL;
    case WG_MAP_SELECTION_NONE:
    default:
      return NULL;
    }
}

const char *
wg_map_view_get_callout (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return gtk_widget_get_visible (self->callout) ? gtk_label_get_label (GTK_LABEL (self->callout)) : NULL;
}

static gboolean
query_tooltip_cb (WgMapView  *self,
                  int         x,
                  int         y,
                  gboolean    keyboard,
                  GtkTooltip *tooltip)
{
  g_autofree char *text = NULL;

  /* Keyboard mode: the selection, as the callout says it. */
  text = keyboard ? wg_map_view_describe_selection (self) : wg_map_view_describe_at (self, x, y);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
click_released_cb (WgMapView       *self,
                   int              n_press,
                   double           x,
                   double           y,
                   GtkGestureClick *gesture)
{
  if (n_press != 1)
    return;
  gtk_widget_grab_focus (GTK_WIDGET (self));
  wg_map_view_select_at (self, x, y);
}

/* Camera */

static void
to_base_coords (WgMapView *self,
                double    *lat,
                double    *lon)
{
  if (self->gcj02)
    wg_wgs84_to_gcj02 (*lat, *lon, lat, lon);
}

static void
go_to (WgMapView *self,
       double     lat,
       double     lon,
       double     zoom)
{
  self->camera_set = TRUE;
  zoom = CLAMP (zoom, shumate_viewport_get_min_zoom_level (self->viewport),
                shumate_viewport_get_max_zoom_level (self->viewport));

  if (self->fly_duration == 0 || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      shumate_map_stop_go_to (self->map);
      shumate_map_center_on (self->map, lat, lon);
      shumate_viewport_set_zoom_level (self->viewport, zoom);
    }
  else
    shumate_map_go_to_full_with_duration (self->map, lat, lon, zoom, self->fly_duration);
}

void
wg_map_view_fly_to (WgMapView *self,
                    double     lat,
                    double     lon,
                    double     zoom)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));

  to_base_coords (self, &lat, &lon);
  go_to (self, lat, lon, zoom);
}

gboolean
wg_map_view_fly_to_incident (WgMapView  *self,
                             const char *id)
{
  WgMapIncident *incident;

  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  incident = wg_incident_layer_lookup (self->incident_layer, id);
  if (incident == NULL)
    return FALSE;
  wg_map_view_fly_to (self, wg_map_incident_get_latitude (incident),
                      wg_map_incident_get_longitude (incident),
                      MAX (shumate_viewport_get_zoom_level (self->viewport), 16));
  return TRUE;
}

gboolean
wg_map_view_fly_to_unit (WgMapView  *self,
                         const char *unit_id)
{
  WgPositionStore *store;
  int index;

  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);
  g_return_val_if_fail (unit_id != NULL, FALSE);

  store = wg_force_layer_get_store (self->force_layer);
  if (store == NULL || (index = wg_position_store_lookup (store, unit_id)) < 0
      || wg_position_store_get_times (store)[index] == 0)
    return FALSE;
  /* Zoomed in enough that the unit is drawn on its own, not in a cluster. */
  wg_map_view_fly_to (self, wg_position_store_get_lats (store)[index],
                      wg_position_store_get_lons (store)[index],
                      MAX (shumate_viewport_get_zoom_level (self->viewport), 17));
  return TRUE;
}

void
wg_map_view_fit_bounds (WgMapView *self,
                        double     south,
                        double     west,
                        double     north,
                        double     east)
{
  double x0, y0, x1, y1, w, h, zoom, lat, lon;
  const double pad = 48;
  ShumateMapSource *ref;
  double tile;

  g_return_if_fail (WG_IS_MAP_VIEW (self));

  to_base_coords (self, &south, &west);
  to_base_coords (self, &north, &east);
  _wg_mercator (north, west, &x0, &y0);
  _wg_mercator (south, east, &x1, &y1);
  ref = shumate_viewport_get_reference_map_source (self->viewport);
  tile = ref ? shumate_map_source_get_tile_size (ref) : 256;

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  if (w <= 2 * pad || h <= 2 * pad)
    {
      /* Not allocated yet: assume a typical console map area. */
      w = 1280;
      h = 800;
    }
  if (x1 - x0 <= 0 || y1 - y0 <= 0)
    zoom = MAX_FIT_ZOOM;
  else
    zoom = log2 (MIN ((w - 2 * pad) / ((x1 - x0) * tile), (h - 2 * pad) / ((y1 - y0) * tile)));
  zoom = MIN (zoom, MAX_FIT_ZOOM);
  _wg_mercator_inverse ((x0 + x1) / 2, (y0 + y1) / 2, &lat, &lon);
  go_to (self, lat, lon, zoom);
}

gboolean
wg_map_view_fit_grid (WgMapView  *self,
                      const char *code)
{
  WgMapGrid *grid;
  double s, w, n, e;

  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);
  g_return_val_if_fail (code != NULL, FALSE);

  grid = wg_grid_layer_lookup (self->grid_layer, code);
  if (grid == NULL)
    return FALSE;
  wg_map_grid_get_bounds (grid, &s, &w, &n, &e);
  wg_map_view_fit_bounds (self, s, w, n, e);
  return TRUE;
}

gboolean
wg_map_view_fit_open_emergencies (WgMapView *self)
{
  GListModel *model;
  double s = 90, w = 180, n = -90, e = -180;
  guint found = 0, count;

  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);

  model = wg_incident_layer_get_model (self->incident_layer);
  if (model == NULL)
    return FALSE;
  count = g_list_model_get_n_items (model);
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(WgMapIncident) incident = g_list_model_get_item (model, i);
      double lat, lon;

      if (wg_map_incident_get_grade (incident) != WG_MAP_GRADE_EMERGENCY
          || !wg_map_incident_is_open (incident))
        continue;
      lat = wg_map_incident_get_latitude (incident);
      lon = wg_map_incident_get_longitude (incident);
      s = MIN (s, lat);
      n = MAX (n, lat);
      w = MIN (w, lon);
      e = MAX (e, lon);
      found++;
    }
  if (found == 0)
    return FALSE;
  if (found == 1)
    wg_map_view_fly_to (self, s, w, MAX (shumate_viewport_get_zoom_level (self->viewport), 16));
  else
    wg_map_view_fit_bounds (self, s, w, n, e);
  return TRUE;
}

void
wg_map_view_location_to_widget (WgMapView *self,
                                double     lat,
                                double     lon,
                                double    *x,
                                double    *y)
{
  WgMapProjection p;
  double mx, my, dx, dy, c, s;

  g_return_if_fail (WG_IS_MAP_VIEW (self));

  _wg_projection_init (&p, GTK_WIDGET (self->map), self->viewport);
  _wg_project_point (lat, lon, self->gcj02, &mx, &my);
  _wg_projection_to_widget (&p, mx, my, x, y);
  if (p.rotation != 0)
    {
      dx = *x - p.width / 2;
      dy = *y - p.height / 2;
      c = cos (p.rotation);
      s = sin (p.rotation);
      *x = dx * c - dy * s + p.width / 2;
      *y = dx * s + dy * c + p.height / 2;
    }
}

/* Keyboard: step through open incidents, most urgent first. */

static int
compare_urgency (gconstpointer a,
                 gconstpointer b)
{
  WgMapIncident *ia = *(WgMapIncident **) a, *ib = *(WgMapIncident **) b;
  int ga = wg_map_incident_get_grade (ia) * 2 + !wg_map_incident_get_acknowledged (ia);
  int gb = wg_map_incident_get_grade (ib) * 2 + !wg_map_incident_get_acknowledged (ib);

  return gb - ga;
}

static void
step_incident (WgMapView *self,
               int        direction)
{
  GListModel *model = wg_incident_layer_get_model (self->incident_layer);
  g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func (g_object_unref);
  guint n, current = G_MAXUINT, next;

  if (model == NULL)
    return;
  n = g_list_model_get_n_items (model);
  for (guint i = 0; i < n; i++)
    {
      WgMapIncident *incident = g_list_model_get_item (model, i);
      if (wg_map_incident_is_open (incident))
        g_ptr_array_add (open, incident);
      else
        g_object_unref (incident);
    }
  if (open->len == 0)
    return;
  /* Stable: same urgency keeps model order. */
  g_ptr_array_sort (open, compare_urgency);

  for (guint i = 0; i < open->len; i++)
    if (self->selection_kind == WG_MAP_SELECTION_INCIDENT
        && g_str_equal (wg_map_incident_get_id (open->pdata[i]), self->selection_id))
      current = i;

  if (current == G_MAXUINT)
    next = direction > 0 ? 0 : open->len - 1;
  else
    next = (current + open->len + direction) % open->len;

  wg_map_view_select (self, WG_MAP_SELECTION_INCIDENT, wg_map_incident_get_id (open->pdata[next]));
  wg_map_view_fly_to_incident (self, self->selection_id);
}

/* Keyboard: step through what is on screen (incidents, single units,
 * stations, grids), nearest to the centre first.  The camera stays put,
 * so the order stays put; Return flies to the selection. */

/* Unrotated layer coordinates to the view's (the layers draw rotated
 * about the centre). */
static void
rotate_point (WgMapView *self,
              double    *x,
              double    *y)
{
  double r = shumate_viewport_get_rotation (self->viewport);
  double cx = gtk_widget_get_width (GTK_WIDGET (self->map)) / 2.0;
  double cy = gtk_widget_get_height (GTK_WIDGET (self->map)) / 2.0;
  double dx = *x - cx, dy = *y - cy;

  if (r == 0)
    return;
  *x = dx * cos (r) - dy * sin (r) + cx;
  *y = dx * sin (r) + dy * cos (r) + cy;
}

static int
compare_distance (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  const WgMapItem *ia = a, *ib = b;
  const double *centre = user_data;
  double da = hypot (ia->x - centre[0], ia->y - centre[1]);
  double db = hypot (ib->x - centre[0], ib->y - centre[1]);

  /* Whole pixels, so that a jitter of a fraction does not reorder. */
  if (floor (da) != floor (db))
    return da < db ? -1 : 1;
  if (ia->kind != ib->kind)
    return ia->kind - ib->kind;
  return g_strcmp0 (ia->id, ib->id);
}

static void
show_callout (WgMapView       *self,
              const WgMapItem *item)
{
  g_autofree char *text = wg_map_view_describe_selection (self);
  double x = item->x, y = item->y;
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  if (text == NULL)
    {
      gtk_widget_set_visible (self->callout, FALSE);
      return;
    }
  gtk_label_set_label (GTK_LABEL (self->callout), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
  /* Below right of the item, kept inside the view. */
  rotate_point (self, &x, &y);
  gtk_widget_set_margin_start (self->callout, (int) CLAMP (x + 14, 0, MAX (w - 240, 0)));
  gtk_widget_set_margin_top (self->callout, (int) CLAMP (y + 14, 0, MAX (h - 60, 0)));
  gtk_widget_set_visible (self->callout, TRUE);
}

gboolean
wg_map_view_step (WgMapView *self,
                  int        direction)
{
  g_autoptr(GArray) items = g_array_new (FALSE, FALSE, sizeof (WgMapItem));
  g_autoptr(GArray) shown = g_array_new (FALSE, FALSE, sizeof (WgMapItem));
  double width = gtk_widget_get_width (GTK_WIDGET (self->map));
  double height = gtk_widget_get_height (GTK_WIDGET (self->map));
  double centre[2] = { width / 2, height / 2 };
  guint current = G_MAXUINT, next;
  const WgMapItem *item;

  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);

  if (gtk_widget_get_visible (GTK_WIDGET (self->incident_layer)))
    _wg_incident_layer_collect (self->incident_layer, items);
  if (gtk_widget_get_visible (GTK_WIDGET (self->force_layer)))
    _wg_force_layer_collect (self->force_layer, items);
  if (gtk_widget_get_visible (GTK_WIDGET (self->station_layer)))
    _wg_station_layer_collect (self->station_layer, items);
  if (gtk_widget_get_visible (GTK_WIDGET (self->grid_layer)))
    _wg_grid_layer_collect (self->grid_layer, items);

  /* On screen only (coordinates are unrotated: the rotation is about the
   * centre, so distances to it hold). */
  for (guint i = 0; i < items->len; i++)
    {
      const WgMapItem *it = &g_array_index (items, WgMapItem, i);
      double x = it->x, y = it->y;

      rotate_point (self, &x, &y);
      if (x >= 0 && y >= 0 && x < width && y < height)
        g_array_append_val (shown, *it);
    }
  if (shown->len == 0)
    return FALSE;
  g_array_sort_with_data (shown, compare_distance, centre);

  for (guint i = 0; i < shown->len; i++)
    {
      const WgMapItem *it = &g_array_index (shown, WgMapItem, i);
      if ((int) self->selection_kind == it->kind && g_strcmp0 (self->selection_id, it->id) == 0)
        current = i;
    }
  if (current == G_MAXUINT)
    next = direction > 0 ? 0 : shown->len - 1;
  else
    next = (current + shown->len + (direction > 0 ? 1 : -1)) % shown->len;

  item = &g_array_index (shown, WgMapItem, next);
  self->stepping = TRUE;
  wg_map_view_select (self, item->kind, item->id);
  self->stepping = FALSE;
  show_callout (self, item);
  return TRUE;
}

static void
step_item_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  wg_map_view_step (WG_MAP_VIEW (widget), g_str_equal (action_name, "map.next-item") ? 1 : -1);
}

static void
select_centre_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  WgMapView *self = WG_MAP_VIEW (widget);
  WgMapItem item = { 0 };

  /* Keyboard hit testing: what is under the middle of the view. */
  item.x = gtk_widget_get_width (GTK_WIDGET (self->map)) / 2.0;
  item.y = gtk_widget_get_height (GTK_WIDGET (self->map)) / 2.0;
  self->stepping = TRUE;
  wg_map_view_select_at (self, item.x, item.y);
  self->stepping = FALSE;
  show_callout (self, &item);
}

static void
next_incident_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  step_incident (WG_MAP_VIEW (widget), 1);
}

static void
previous_incident_action (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  step_incident (WG_MAP_VIEW (widget), -1);
}

static void
clear_selection_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  wg_map_view_select (WG_MAP_VIEW (widget), WG_MAP_SELECTION_NONE, NULL);
}

static void
fly_to_selection_action (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  WgMapView *self = WG_MAP_VIEW (widget);
  double lat, lon;

  switch (self->selection_kind)
    {
    case WG_MAP_SELECTION_INCIDENT:
      wg_map_view_fly_to_incident (self, self->selection_id);
      break;
    case WG_MAP_SELECTION_UNIT:
      wg_map_view_fly_to_unit (self, self->selection_id);
      break;
    case WG_MAP_SELECTION_GRID:
      wg_map_view_fit_grid (self, self->selection_id);
      break;
    case WG_MAP_SELECTION_STATION:
      if (wg_station_layer_get_location (self->station_layer, self->selection_id, &lat, &lon))
        wg_map_view_fly_to (self, lat, lon, MAX (shumate_viewport_get_zoom_level (self->viewport), 16));
      break;
    case WG_MAP_SELECTION_NONE:
    default:
      break;
    }
}

static void
fit_emergencies_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  wg_map_view_fit_open_emergencies (WG_MAP_VIEW (widget));
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  WgMapView *self = WG_MAP_VIEW (widget);

  if (g_str_equal (action_name, "map.zoom-in"))
    shumate_map_zoom_in (self->map);
  else
    shumate_map_zoom_out (self->map);
}

/* GObject */

static void
wg_map_view_dispose (GObject *object)
{
  WgMapView *self = WG_MAP_VIEW (object);

  if (self->data_source)
    g_signal_handlers_disconnect_by_data (self->data_source, self);
  g_clear_pointer (&self->overlay, gtk_widget_unparent);
  self->base_layer = NULL;
  g_clear_object (&self->data_source);
  g_clear_object (&self->renderer);
  G_OBJECT_CLASS (wg_map_view_parent_class)->dispose (object);
}

static void
wg_map_view_finalize (GObject *object)
{
  WgMapView *self = WG_MAP_VIEW (object);

  g_free (self->base_map);
  g_free (self->base_map_error);
  g_free (self->cache_dir);
  g_free (self->selection_id);
  G_OBJECT_CLASS (wg_map_view_parent_class)->finalize (object);
}

static void
wg_map_view_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  WgMapView *self = WG_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_BASE_MAP: g_value_set_string (value, wg_map_view_get_base_map (self)); break;
    case PROP_BASE_MAP_ERROR: g_value_set_string (value, self->base_map_error); break;
    case PROP_CACHE_DIR: g_value_set_string (value, self->cache_dir); break;
    case PROP_GCJ02: g_value_set_boolean (value, self->gcj02); break;
    case PROP_OFFLINE: g_value_set_boolean (value, self->offline); break;
    case PROP_SHOW_LEGEND: g_value_set_boolean (value, wg_map_view_get_show_legend (self)); break;
    case PROP_SELECTION_KIND: g_value_set_enum (value, self->selection_kind); break;
    case PROP_SELECTION_ID: g_value_set_string (value, self->selection_id); break;
    case PROP_FLY_DURATION: g_value_set_uint (value, self->fly_duration); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_map_view_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  WgMapView *self = WG_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_BASE_MAP: wg_map_view_set_base_map (self, g_value_get_string (value)); break;
    case PROP_CACHE_DIR: wg_map_view_set_cache_dir (self, g_value_get_string (value)); break;
    case PROP_GCJ02: wg_map_view_set_gcj02 (self, g_value_get_boolean (value)); break;
    case PROP_SHOW_LEGEND: wg_map_view_set_show_legend (self, g_value_get_boolean (value)); break;
    case PROP_FLY_DURATION: wg_map_view_set_fly_duration (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_map_view_class_init (WgMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = wg_map_view_dispose;
  object_class->finalize = wg_map_view_finalize;
  object_class->get_property = wg_map_view_get_property;
  object_class->set_property = wg_map_view_set_property;

  properties[PROP_BASE_MAP] = g_param_spec_string ("base-map", NULL, NULL, "schematic", rw);
  properties[PROP_BASE_MAP_ERROR] = g_param_spec_string ("base-map-error", NULL, NULL, NULL, ro);
  properties[PROP_CACHE_DIR] = g_param_spec_string ("cache-dir", NULL, NULL, NULL, rw);
  properties[PROP_GCJ02] = g_param_spec_boolean ("gcj02", NULL, NULL, FALSE, rw);
  properties[PROP_OFFLINE] = g_param_spec_boolean ("offline", NULL, NULL, FALSE, ro);
  properties[PROP_SHOW_LEGEND] = g_param_spec_boolean ("show-legend", NULL, NULL, TRUE, rw);
  properties[PROP_SELECTION_KIND] = g_param_spec_enum ("selection-kind", NULL, NULL,
                                                       WG_TYPE_MAP_SELECTION_KIND,
                                                       WG_MAP_SELECTION_NONE, ro);
  properties[PROP_SELECTION_ID] = g_param_spec_string ("selection-id", NULL, NULL, NULL, ro);
  properties[PROP_FLY_DURATION] = g_param_spec_uint ("fly-duration", NULL, NULL, 0, 10000, 800, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "wg-map-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);

  gtk_widget_class_install_action (widget_class, "map.next-incident", NULL, next_incident_action);
  gtk_widget_class_install_action (widget_class, "map.previous-incident", NULL, previous_incident_action);
  gtk_widget_class_install_action (widget_class, "map.next-item", NULL, step_item_action);
  gtk_widget_class_install_action (widget_class, "map.previous-item", NULL, step_item_action);
  gtk_widget_class_install_action (widget_class, "map.select-centre", NULL, select_centre_action);
  gtk_widget_class_install_action (widget_class, "map.clear-selection", NULL, clear_selection_action);
  gtk_widget_class_install_action (widget_class, "map.fly-to-selection", NULL, fly_to_selection_action);
  gtk_widget_class_install_action (widget_class, "map.fit-emergencies", NULL, fit_emergencies_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, zoom_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketright, 0, "map.next-incident", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_bracketleft, 0, "map.previous-incident", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, 0, "map.next-item", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, 0, "map.previous-item", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_space, 0, "map.select-centre", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "map.clear-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, 0, "map.fly-to-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, 0, "map.fly-to-selection", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, 0, "map.fit-emergencies", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, 0, "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "map.zoom-out", NULL);
}

static void
hide_callout_cb (WgMapView *self)
{
  gtk_widget_set_visible (self->callout, FALSE);
}

static void
animations_changed_cb (WgMapView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->grid_layer));
  gtk_widget_queue_draw (GTK_WIDGET (self->incident_layer));
  gtk_widget_queue_draw (GTK_WIDGET (self->pulse_layer));
}

static void
wg_map_view_init (WgMapView *self)
{
  GtkGesture *click;
  GtkWidget *scale, *box;

  ensure_css ();
  self->fly_duration = 800;
  gtk_widget_set_focusable (GTK_WIDGET (self), TRUE);

  self->overlay = gtk_overlay_new ();
  gtk_widget_set_parent (self->overlay, GTK_WIDGET (self));

  self->map = shumate_map_new ();
  gtk_widget_add_css_class (GTK_WIDGET (self->map), "wg-map");
  gtk_widget_set_hexpand (GTK_WIDGET (self->map), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->map), TRUE);
  gtk_overlay_set_child (GTK_OVERLAY (self->overlay), GTK_WIDGET (self->map));
  self->viewport = shumate_map_get_viewport (self->map);
  shumate_viewport_set_min_zoom_level (self->viewport, 3);
  shumate_viewport_set_max_zoom_level (self->viewport, 19);

  self->grid_layer = wg_grid_layer_new (self->viewport);
  self->station_layer = wg_station_layer_new (self->viewport);
  self->force_layer = wg_force_layer_new (self->viewport);
  self->incident_layer = wg_incident_layer_new (self->viewport);
  self->police_grid_layer = wg_police_grid_layer_new (self->viewport);
  self->pulse_layer = wg_pulse_layer_new (self->viewport, self->grid_layer, self->incident_layer);
  /* Bottom to top: grid fills and outlines, police grids (off by default),
   * what pulses (flashing fills, rings under the pins), forces, grid names,
   * stations, incidents (names and stations above the many unit badges to
   * stay legible). */
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->grid_layer));
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->police_grid_layer));
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->pulse_layer));
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->force_layer));
  shumate_map_add_layer (self->map, _wg_grid_layer_create_label_layer (self->grid_layer));
  _wg_grid_layer_set_obstacles (self->grid_layer, self->station_layer, self->incident_layer);
  _wg_station_layer_set_incidents (self->station_layer, self->incident_layer);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->station_layer));
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->incident_layer));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect_object (click, "released", G_CALLBACK (click_released_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->map), GTK_EVENT_CONTROLLER (click));

  gtk_widget_set_has_tooltip (GTK_WIDGET (self->map), TRUE);
  g_signal_connect_object (self->map, "query-tooltip", G_CALLBACK (query_tooltip_cb), self, G_CONNECT_SWAPPED);

  self->legend = build_legend ();
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->legend);

  scale = GTK_WIDGET (shumate_scale_new (self->viewport));
  gtk_widget_set_halign (scale, GTK_ALIGN_START);
  gtk_widget_set_valign (scale, GTK_ALIGN_END);
  gtk_widget_set_margin_start (scale, 12);
  gtk_widget_set_margin_bottom (scale, 12);
  gtk_widget_set_can_target (scale, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), scale);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_add_css_class (box, "wg-map-notice");
  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (box, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name ("network-offline-symbolic"));
  self->notice_label = gtk_label_new (NULL);
  gtk_box_append (GTK_BOX (box), self->notice_label);
  gtk_widget_set_visible (box, FALSE);
  self->notice = box;
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), box);

  self->callout = gtk_label_new (NULL);
  gtk_widget_add_css_class (self->callout, "wg-map-callout");
  gtk_label_set_max_width_chars (GTK_LABEL (self->callout), 40);
  gtk_label_set_wrap (GTK_LABEL (self->callout), TRUE);
  gtk_widget_set_halign (self->callout, GTK_ALIGN_START);
  gtk_widget_set_valign (self->callout, GTK_ALIGN_START);
  gtk_widget_set_can_target (self->callout, FALSE);
  gtk_widget_set_visible (self->callout, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (self->overlay), self->callout);
  /* It points at a place on the map: the camera moving leaves it behind. */
  g_signal_connect_object (self->viewport, "notify", G_CALLBACK (hide_callout_cb), self, G_CONNECT_SWAPPED);

  /* Reduced motion switched on or off: the pulses start or stop. */
  if (gtk_settings_get_default ())
    g_signal_connect_object (gtk_settings_get_default (), "notify::gtk-enable-animations",
                             G_CALLBACK (animations_changed_cb), self, G_CONNECT_SWAPPED);

  apply_base_map (self);
}

GtkWidget *
wg_map_view_new (void)
{
  return g_object_new (WG_TYPE_MAP_VIEW, NULL);
}

ShumateMap *
wg_map_view_get_map (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->map;
}

ShumateViewport *
wg_map_view_get_viewport (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->viewport;
}

WgPoliceGridLayer *
wg_map_view_get_police_grid_layer (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->police_grid_layer;
}

WgGridLayer *
wg_map_view_get_grid_layer (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->grid_layer;
}

WgStationLayer *
wg_map_view_get_station_layer (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->station_layer;
}

WgForceLayer *
wg_map_view_get_force_layer (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->force_layer;
}

WgIncidentLayer *
wg_map_view_get_incident_layer (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->incident_layer;
}

void
wg_map_view_set_base_map (WgMapView  *self,
                          const char *spec)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));

  if (spec == NULL || spec[0] == '\0')
    spec = "schematic";
  if (g_strcmp0 (self->base_map, spec) == 0)
    return;
  g_free (self->base_map);
  self->base_map = g_strdup (spec);
  apply_base_map (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BASE_MAP]);
}

const char *
wg_map_view_get_base_map (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->base_map ? self->base_map : "schematic";
}

const char *
wg_map_view_get_base_map_error (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->base_map_error;
}

void
wg_map_view_set_cache_dir (WgMapView  *self,
                           const char *cache_dir)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));

  if (g_strcmp0 (self->cache_dir, cache_dir) == 0)
    return;
  g_free (self->cache_dir);
  self->cache_dir = g_strdup (cache_dir);
  if (WG_IS_XYZ_SOURCE (self->data_source))
    apply_base_map (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE_DIR]);
}

const char *
wg_map_view_get_cache_dir (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), NULL);
  return self->cache_dir;
}

void
wg_map_view_set_gcj02 (WgMapView *self,
                       gboolean   gcj02)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));

  gcj02 = !!gcj02;
  if (self->gcj02 == gcj02)
    return;
  self->gcj02 = gcj02;
  wg_grid_layer_set_gcj02 (self->grid_layer, gcj02);
  wg_station_layer_set_gcj02 (self->station_layer, gcj02);
  wg_force_layer_set_gcj02 (self->force_layer, gcj02);
  wg_incident_layer_set_gcj02 (self->incident_layer, gcj02);
  wg_police_grid_layer_set_gcj02 (self->police_grid_layer, gcj02);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GCJ02]);
}

gboolean
wg_map_view_get_gcj02 (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);
  return self->gcj02;
}

gboolean
wg_map_view_get_offline (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);
  return self->offline;
}

void
wg_map_view_set_show_legend (WgMapView *self,
                             gboolean   show_legend)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));

  show_legend = !!show_legend;
  if (gtk_widget_get_visible (self->legend) == show_legend)
    return;
  gtk_widget_set_visible (self->legend, show_legend);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_LEGEND]);
}

gboolean
wg_map_view_get_show_legend (WgMapView *self)
{
  g_return_val_if_fail (WG_IS_MAP_VIEW (self), FALSE);
  return gtk_widget_get_visible (self->legend);
}

void
wg_map_view_set_fly_duration (WgMapView *self,
                              guint      ms)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));

  if (self->fly_duration == ms)
    return;
  self->fly_duration = ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLY_DURATION]);
}

void
wg_map_view_set_grids (WgMapView *self,
                       GPtrArray *grids)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));
  g_return_if_fail (grids != NULL);

  wg_grid_layer_set_grids (self->grid_layer, grids);

  /* First data and nobody moved the camera yet: show all of it. */
  if (!self->camera_set && grids->len > 0)
    {
      double s = 90, w = 180, n = -90, e = -180;

      for (guint i = 0; i < grids->len; i++)
        {
          double gs, gw, gn, ge;
          wg_map_grid_get_bounds (grids->pdata[i], &gs, &gw, &gn, &ge);
          s = MIN (s, gs);
          w = MIN (w, gw);
          n = MAX (n, gn);
          e = MAX (e, ge);
        }
      wg_map_view_fit_bounds (self, s, w, n, e);
    }
}

void
wg_map_view_set_stations (WgMapView          *self,
                          const WgMapStation *stations,
                          guint               n_stations)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));
  wg_station_layer_set_stations (self->station_layer, stations, n_stations);
  /* The grid names give way to the stations. */
  _wg_grid_layer_queue_labels (self->grid_layer);
}

void
wg_map_view_set_position_store (WgMapView       *self,
                                WgPositionStore *store)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));
  wg_force_layer_set_store (self->force_layer, store);
  apply_selection (self);
}

void
wg_map_view_set_incidents (WgMapView  *self,
                           GListModel *incidents)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));
  wg_incident_layer_set_model (self->incident_layer, incidents);
}

void
wg_map_view_set_clock (WgMapView *self,
                       WgClock   *clock)
{
  g_return_if_fail (WG_IS_MAP_VIEW (self));
  wg_force_layer_set_clock (self->force_layer, clock);
}
