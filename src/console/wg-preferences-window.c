/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-preferences-window"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-preferences-window.h"

struct _WgPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  GSettings            *settings;

  AdwEntryRow          *server_url_row;
  AdwComboRow          *tile_source_row;
  AdwEntryRow          *mbtiles_row;
  AdwEntryRow          *xyz_row;
  GtkSwitch            *gcj02_switch;
  GtkSpinButton        *font_scale_spin;

  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (WgPreferencesWindow, wg_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
server_url_is_acceptable (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  if (*url == '\0')
    return TRUE;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;

  scheme = g_uri_get_scheme (uri);
  return g_str_equal (scheme, "http") || g_str_equal (scheme, "https");
}

static void
show_toast (WgPreferencesWindow *self,
            const char          *text)
{
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (text));
}

static void
server_url_apply_cb (AdwEntryRow         *row,
                     WgPreferencesWindow *self)
{
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));

  if (!server_url_is_acceptable (url))
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      show_toast (self, _("The server address must start with http:// or https://"));
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  g_settings_set_string (self->settings, "server-url", url);
}

static void
xyz_apply_cb (AdwEntryRow         *row,
              WgPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (row));

  if (*text != '\0'
      && (strstr (text, "{z}") == NULL || strstr (text, "{x}") == NULL || strstr (text, "{y}") == NULL))
    {
      gtk_widget_add_css_class (GTK_WIDGET (row), "error");
      show_toast (self, _("The tile address needs {z}, {x} and {y}"));
      return;
    }

  gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  g_settings_set_string (self->settings, "xyz-url", text);
}

static void
mbtiles_apply_cb (AdwEntryRow         *row,
                  WgPreferencesWindow *self)
{
  g_settings_set_string (self->settings, "mbtiles-path",
                         gtk_editable_get_text (GTK_EDITABLE (row)));
}

static void
chooser_response_cb (GtkNativeDialog     *dialog,
                     int                  response,
                     WgPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;

      if (path != NULL)
        {
          gtk_editable_set_text (GTK_EDITABLE (self->mbtiles_row), path);
          g_settings_set_string (self->settings, "mbtiles-path", path);
        }
    }

  g_clear_object (&self->chooser);
}

static void
choose_mbtiles_cb (GtkButton           *button,
                   WgPreferencesWindow *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;

  gtk_file_filter_set_name (filter, _("Offline maps (MBTiles)"));
  gtk_file_filter_add_pattern (filter, "*.mbtiles");

  self->chooser = gtk_file_chooser_native_new (_("Choose an Offline Map"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                               _("_Cancel"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
update_tile_rows (WgPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (self->tile_source_row);

  gtk_widget_set_visible (GTK_WIDGET (self->mbtiles_row), selected == 1);
  gtk_widget_set_visible (GTK_WIDGET (self->xyz_row), selected == 2);
}

static void
tile_source_selected_cb (AdwComboRow         *row,
                         GParamSpec          *pspec,
                         WgPreferencesWindow *self)
{
  /* The combo's positions follow the enum's values in the schema. */
  int selected = (int) adw_combo_row_get_selected (row);

  if (self->settings != NULL && g_settings_get_enum (self->settings, "tile-source") != selected)
    g_settings_set_enum (self->settings, "tile-source", selected);
  update_tile_rows (self);
}

static void
wg_preferences_window_constructed (GObject *object)
{
  WgPreferencesWindow *self = WG_PREFERENCES_WINDOW (object);
  g_autofree char *server_url = NULL;
  g_autofree char *mbtiles_path = NULL;
  g_autofree char *xyz_url = NULL;

  G_OBJECT_CLASS (wg_preferences_window_parent_class)->constructed (object);

  g_return_if_fail (G_IS_SETTINGS (self->settings));

  server_url = g_settings_get_string (self->settings, "server-url");
  mbtiles_path = g_settings_get_string (self->settings, "mbtiles-path");
  xyz_url = g_settings_get_string (self->settings, "xyz-url");
  gtk_editable_set_text (GTK_EDITABLE (self->server_url_row), server_url);
  gtk_editable_set_text (GTK_EDITABLE (self->mbtiles_row), mbtiles_path);
  gtk_editable_set_text (GTK_EDITABLE (self->xyz_row), xyz_url);

  adw_combo_row_set_selected (self->tile_source_row,
                              g_settings_get_enum (self->settings, "tile-source"));
  update_tile_rows (self);

  g_settings_bind (self->settings, "gcj02", self->gcj02_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "font-scale",
                   gtk_spin_button_get_adjustment (self->font_scale_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
}

static void
wg_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  WgPreferencesWindow *self = WG_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_set_object (&self->settings, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_preferences_window_dispose (GObject *object)
{
  WgPreferencesWindow *self = WG_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wg_preferences_window_parent_class)->dispose (object);
}

static void
wg_preferences_window_class_init (WgPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wg_preferences_window_constructed;
  object_class->set_property = wg_preferences_window_set_property;
  object_class->dispose = wg_preferences_window_dispose;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL, G_TYPE_SETTINGS,
                         G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE_PATH "/wg-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WgPreferencesWindow, server_url_row);
  gtk_widget_class_bind_template_child (widget_class, WgPreferencesWindow, tile_source_row);
  gtk_widget_class_bind_template_child (widget_class, WgPreferencesWindow, mbtiles_row);
  gtk_widget_class_bind_template_child (widget_class, WgPreferencesWindow, xyz_row);
  gtk_widget_class_bind_template_child (widget_class, WgPreferencesWindow, gcj02_switch);
  gtk_widget_class_bind_template_child (widget_class, WgPreferencesWindow, font_scale_spin);
  gtk_widget_class_bind_template_callback (widget_class, server_url_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, xyz_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, mbtiles_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, choose_mbtiles_cb);
  gtk_widget_class_bind_template_callback (widget_class, tile_source_selected_cb);
}

static void
wg_preferences_window_init (WgPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

WgPreferencesWindow *
wg_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (WG_TYPE_PREFERENCES_WINDOW, "settings", settings, NULL);
}
