/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The About window of libadwaita 1.2 cannot read AppStream itself (that came in
 * 1.5), so the metainfo bundled in our resources is read here: one source of
 * truth for the name, summary, developer and release notes.
 */
#define G_LOG_DOMAIN "wg-about"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "wg-about.h"

typedef struct
{
  GString *text;          /* character data of the element being read */
  GString *release_notes; /* the newest release's description, as markup */
  char    *summary;
  char    *developer;
  char    *version;
  int      releases_seen;
  gboolean in_release_description;
} MetainfoReader;

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *element,
                  const char          **attribute_names,
                  const char          **attribute_values,
                  gpointer              user_data,
                  GError              **error)
{
  MetainfoReader *reader = user_data;

  g_string_truncate (reader->text, 0);

  if (g_str_equal (element, "release"))
    {
      reader->releases_seen++;
      if (reader->releases_seen == 1)
        for (guint i = 0; attribute_names[i] != NULL; i++)
          if (g_str_equal (attribute_names[i], "version"))
            reader->version = g_strdup (attribute_values[i]);
    }
  else if (g_str_equal (element, "description") && reader->releases_seen == 1)
    reader->in_release_description = TRUE;
}

static void
end_element_cb (GMarkupParseContext  *context,
                const char           *element,
                gpointer              user_data,
                GError              **error)
{
  MetainfoReader *reader = user_data;
  const GSList *stack = g_markup_parse_context_get_element_stack (context);
  const char *parent = stack->next != NULL ? stack->next->data : NULL;

  if (g_str_equal (element, "summary") && g_strcmp0 (parent, "component") == 0)
    reader->summary = g_strdup (reader->text->str);
  else if (g_str_equal (element, "developer_name"))
    reader->developer = g_strdup (reader->text->str);
  else if (g_str_equal (element, "description"))
    reader->in_release_description = FALSE;
  else if (reader->in_release_description && g_str_equal (element, "p"))
    {
      g_autofree char *escaped = g_markup_escape_text (reader->text->str, -1);
      g_string_append_printf (reader->release_notes, "<p>%s</p>", escaped);
    }
}

static void
text_cb (GMarkupParseContext  *context,
         const char           *text,
         gsize                 len,
         gpointer              user_data,
         GError              **error)
{
  MetainfoReader *reader = user_data;

  g_string_append_len (reader->text, text, len);
}

/**
 * wg_show_about_window:
 *
 * Returns: (transfer none): the About window, presented.
 */
GtkWindow *
wg_show_about_window (GtkWindow *parent)
{
  static const GMarkupParser parser = { start_element_cb, end_element_cb, text_cb, NULL, NULL };
  const char *developers[] = { "The Wangge developers", NULL };
  MetainfoReader reader = { 0 };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  AdwAboutWindow *about;

  reader.text = g_string_new (NULL);
  reader.release_notes = g_string_new (NULL);

  bytes = g_resources_lookup_data (RESOURCE_BASE_PATH "/metainfo.xml",
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes != NULL)
    {
      context = g_markup_parse_context_new (&parser, 0, &reader, NULL);
      if (!g_markup_parse_context_parse (context, g_bytes_get_data (bytes, NULL),
                                         g_bytes_get_size (bytes), &error))
        g_warning ("Could not read the bundled metainfo: %s", error->message);
    }
  else
    g_warning ("The bundled metainfo is missing: %s", error->message);

  about = ADW_ABOUT_WINDOW (adw_about_window_new ());
  gtk_window_set_transient_for (GTK_WINDOW (about), parent);
  adw_about_window_set_application_icon (about, APP_ID);
  /* The name, summary and notes are translated through the metainfo's own
   * strings, which share our gettext domain. */
  adw_about_window_set_application_name (about, _("Wangge"));
  if (reader.summary != NULL)
    adw_about_window_set_comments (about, _(reader.summary));
  adw_about_window_set_developer_name (about, reader.developer != NULL ? reader.developer
                                                                        : developers[0]);
  adw_about_window_set_developers (about, developers);
  adw_about_window_set_version (about, reader.version != NULL ? reader.version : PACKAGE_VERSION);
  if (reader.release_notes->len > 0)
    {
      adw_about_window_set_release_notes_version (about, reader.version);
      adw_about_window_set_release_notes (about, reader.release_notes->str);
    }
  adw_about_window_set_license_type (about, GTK_LICENSE_GPL_3_0);
  adw_about_window_set_copyright (about, _("© 2026 The Wangge developers"));
  /* Translators: put your names here, one per line. */
  adw_about_window_set_translator_credits (about, _("translator-credits"));

  gtk_window_present (GTK_WINDOW (about));

  g_string_free (reader.text, TRUE);
  g_string_free (reader.release_notes, TRUE);
  g_free (reader.summary);
  g_free (reader.developer);
  g_free (reader.version);

  return GTK_WINDOW (about);
}
