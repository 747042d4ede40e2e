/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-window"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-window.h"

struct _WgWindow
{
  AdwApplicationWindow  parent_instance;

  ShumateSimpleMap     *map;
  GtkWidget            *side_pane;
  AdwWindowTitle       *window_title;

  ShumateMapSourceRegistry *sources;
};

G_DEFINE_FINAL_TYPE (WgWindow, wg_window, ADW_TYPE_APPLICATION_WINDOW)

static GSettings *
get_settings (WgWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return WG_IS_APPLICATION (app) ? wg_application_get_settings (WG_APPLICATION (app)) : NULL;
}

static void
go_home (WgWindow *self)
{
  ShumateMap *map = shumate_simple_map_get_map (self->map);
  ShumateViewport *viewport = shumate_map_get_viewport (map);

  shumate_viewport_set_zoom_level (viewport, WG_HOME_ZOOM);
  shumate_map_center_on (map, WG_HOME_LATITUDE, WG_HOME_LONGITUDE);
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  WgWindow *self = WG_WINDOW (widget);

  shumate_map_zoom_in (shumate_simple_map_get_map (self->map));
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  WgWindow *self = WG_WINDOW (widget);

  shumate_map_zoom_out (shumate_simple_map_get_map (self->map));
}

static void
home_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  go_home (WG_WINDOW (widget));
}

static void
fullscreen_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static void
save_window_state (WgWindow *self)
{
  GSettings *settings = get_settings (self);
  int width, height;

  if (settings == NULL)
    return;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
}

static gboolean
wg_window_close_request (GtkWindow *window)
{
  save_window_state (WG_WINDOW (window));
  return GTK_WINDOW_CLASS (wg_window_parent_class)->close_request (window);
}

static void
wg_window_constructed (GObject *object)
{
  WgWindow *self = WG_WINDOW (object);
  GSettings *settings = get_settings (self);

  G_OBJECT_CLASS (wg_window_parent_class)->constructed (object);

  if (settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  if (DEVELOPMENT_BUILD)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

static void
wg_window_dispose (GObject *object)
{
  WgWindow *self = WG_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_WINDOW);
  g_clear_object (&self->sources);

  G_OBJECT_CLASS (wg_window_parent_class)->dispose (object);
}

static void
wg_window_class_init (WgWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->constructed = wg_window_constructed;
  object_class->dispose = wg_window_dispose;
  window_class->close_request = wg_window_close_request;

  g_type_ensure (SHUMATE_TYPE_SIMPLE_MAP);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WgWindow, map);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, side_pane);
  gtk_widget_class_bind_template_child (widget_class, WgWindow, window_title);

  gtk_widget_class_install_action (widget_class, "win.fullscreen", NULL, fullscreen_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "map.home", NULL, home_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK,
                                       "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK,
                                       "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK,
                                       "map.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK,
                                       "map.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK,
                                       "map.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK,
                                       "map.home", NULL);
}

static void
wg_window_init (WgWindow *self)
{
  ShumateMap *map;
  ShumateViewport *viewport;

  gtk_widget_init_template (GTK_WIDGET (self));

  map = shumate_simple_map_get_map (self->map);
  viewport = shumate_map_get_viewport (map);

  /* The schematic map has no tile layer: nothing is downloaded.  The viewport
   * still needs a reference source for its tile size and zoom range, which
   * converts between screen points and coordinates. */
  self->sources = shumate_map_source_registry_new_with_defaults ();
  shumate_viewport_set_reference_map_source (
    viewport, shumate_map_source_registry_get_by_id (self->sources, SHUMATE_MAP_SOURCE_OSM_MAPNIK));
  shumate_viewport_set_min_zoom_level (viewport, 10);
  shumate_viewport_set_max_zoom_level (viewport, 19);
  shumate_scale_set_unit (shumate_simple_map_get_scale (self->map), SHUMATE_UNIT_METRIC);

  go_home (self);
}

WgWindow *
wg_window_new (WgApplication *application)
{
  return g_object_new (WG_TYPE_WINDOW, "application", application, NULL);
}

ShumateMap *
wg_window_get_map (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return shumate_simple_map_get_map (self->map);
}

GtkWidget *
wg_window_get_side_pane (WgWindow *self)
{
  g_return_val_if_fail (WG_IS_WINDOW (self), NULL);
  return self->side_pane;
}
