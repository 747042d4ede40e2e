/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-application"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-about.h"
#include "wg-resources.h"
#include "wg-application.h"
#include "wg-preferences-window.h"
#include "wg-window.h"

#define SETTINGS_SCHEMA_ID "io.github.wangge.Console"
#define SETTINGS_BASE_PATH "/io/github/wangge/Console/"

struct _WgApplication
{
  AdwApplication  parent_instance;

  char           *profile;
  GSettings      *settings;
};

G_DEFINE_FINAL_TYPE (WgApplication, wg_application, ADW_TYPE_APPLICATION)

static gboolean
profile_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/**
 * wg_application_wants_own_instance:
 *
 * Whether the command line asks for a console of its own (a profile or a
 * server of its own), which must not be merged into a running instance.
 */
gboolean
wg_application_wants_own_instance (int    argc,
                                   char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--profile") || g_str_has_prefix (argv[i], "--server"))
        return TRUE;
    }
  return FALSE;
}

static void
apply_font_scale (WgApplication *self)
{
  GdkDisplay *display = gdk_display_get_default ();
  double scale = g_settings_get_double (wg_application_get_settings (self), "font-scale");

  if (display == NULL)
    return;

  /* GTK reads text resolution in 1024ths of a dot per inch; 96 dpi is 1.0. */
  g_object_set (gtk_settings_get_for_display (display),
                "gtk-xft-dpi", (int) (96 * 1024 * scale),
                NULL);
}

static void
font_scale_changed_cb (WgApplication *self)
{
  apply_font_scale (self);
}

static int
wg_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  WgApplication *self = WG_APPLICATION (app);
  const char *profile = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("wangge %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (g_variant_dict_lookup (options, "profile", "&s", &profile))
    {
      if (!profile_name_is_valid (profile))
        {
          g_printerr (_("wangge: “%s” is not a valid profile name: use letters, digits, “-” and “_”\n"),
                      profile);
          return EXIT_FAILURE;
        }
      g_free (self->profile);
      self->profile = g_strdup (profile);
    }

  return -1;
}

static void
wg_application_startup (GApplication *app)
{
  WgApplication *self = WG_APPLICATION (app);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  G_APPLICATION_CLASS (wg_application_parent_class)->startup (app);

  gtk_window_set_default_icon_name (APP_ID);

  gtk_css_provider_load_from_resource (css, RESOURCE_BASE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  apply_font_scale (self);
  g_signal_connect_object (wg_application_get_settings (self), "changed::font-scale",
                           G_CALLBACK (font_scale_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
wg_application_activate (GApplication *app)
{
  WgApplication *self = WG_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (wg_window_new (self));

  gtk_window_present (window);
}

static void
wg_application_finalize (GObject *object)
{
  WgApplication *self = WG_APPLICATION (object);

  g_clear_pointer (&self->profile, g_free);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wg_application_parent_class)->finalize (object);
}

static void
wg_application_class_init (WgApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = wg_application_finalize;

  wg_register_resource ();
  app_class->handle_local_options = wg_application_handle_local_options;
  app_class->startup = wg_application_startup;
  app_class->activate = wg_application_activate;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *app = user_data;

  /* Close windows first so that each saves its state. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL;
       l = gtk_application_get_windows (GTK_APPLICATION (app)))
    gtk_window_destroy (l->data);
  g_application_quit (app);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  WgApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  WgPreferencesWindow *prefs = wg_preferences_window_new (wg_application_get_settings (self));

  gtk_window_set_transient_for (GTK_WINDOW (prefs), parent);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  WgApplication *self = user_data;

  wg_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)));
}

static void
wg_application_init (WgApplication *self)
{
  static const GActionEntry actions[] = {
    { "quit", quit_activated },
    { "preferences", preferences_activated },
    { "about", about_activated },
  };
  static const GOptionEntry options[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING, NULL,
      N_("Use a profile of its own (settings and local data), so that several consoles run side by side"),
      N_("NAME") },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *fullscreen_accels[] = { "F11", NULL };

  self->profile = g_strdup ("default");

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.fullscreen",
                                         fullscreen_accels);
}

WgApplication *
wg_application_new (GApplicationFlags flags)
{
  return g_object_new (WG_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       "flags", flags,
                       NULL);
}

/**
 * wg_application_get_settings:
 *
 * The settings of this console's profile, created on first use (after the
 * command line has chosen the profile).
 */
GSettings *
wg_application_get_settings (WgApplication *self)
{
  g_return_val_if_fail (WG_IS_APPLICATION (self), NULL);

  if (self->settings == NULL)
    {
      g_autofree char *path = NULL;

      if (g_strcmp0 (self->profile, "default") == 0)
        path = g_strdup (SETTINGS_BASE_PATH);
      else
        path = g_strdup_printf (SETTINGS_BASE_PATH "profiles/%s/", self->profile);
      self->settings = g_settings_new_with_path (SETTINGS_SCHEMA_ID, path);
    }

  return self->settings;
}

const char *
wg_application_get_profile (WgApplication *self)
{
  g_return_val_if_fail (WG_IS_APPLICATION (self), NULL);
  return self->profile;
}
