/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-photo-strip"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-photo-strip.h"

struct _WgPhotoStrip
{
  GtkWidget   parent_instance;

  /* template */
  GtkGrid    *grid;

  GStrv       ids;
  GPtrArray  *images;   /* GtkImage, one per id */
};

G_DEFINE_FINAL_TYPE (WgPhotoStrip, wg_photo_strip, GTK_TYPE_WIDGET)

enum {
  PHOTO_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
clicked_cb (GtkButton    *button,
            WgPhotoStrip *self)
{
  g_signal_emit (self, signals[PHOTO_ACTIVATED], 0, g_object_get_data (G_OBJECT (button), "wg-id"));
}

static void
wg_photo_strip_dispose (GObject *object)
{
  WgPhotoStrip *self = WG_PHOTO_STRIP (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_PHOTO_STRIP);
  G_OBJECT_CLASS (wg_photo_strip_parent_class)->dispose (object);
}

static void
wg_photo_strip_finalize (GObject *object)
{
  WgPhotoStrip *self = WG_PHOTO_STRIP (object);

  g_clear_pointer (&self->ids, g_strfreev);
  g_clear_pointer (&self->images, g_ptr_array_unref);
  G_OBJECT_CLASS (wg_photo_strip_parent_class)->finalize (object);
}

static void
wg_photo_strip_class_init (WgPhotoStripClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_photo_strip_dispose;
  object_class->finalize = wg_photo_strip_finalize;

  /* The photo's attachment id: the viewer opens at it. */
  signals[PHOTO_ACTIVATED] = g_signal_new ("photo-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-photo-strip.ui");
  gtk_widget_class_bind_template_child (widget_class, WgPhotoStrip, grid);
}

static void
wg_photo_strip_init (WgPhotoStrip *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->images = g_ptr_array_new_with_free_func (g_object_unref);
}

GtkWidget *
wg_photo_strip_new (const char * const *ids,
                    int                 size)
{
  WgPhotoStrip *self;

  g_return_val_if_fail (ids != NULL, NULL);

  self = g_object_new (WG_TYPE_PHOTO_STRIP, NULL);
  self->ids = g_strdupv ((char **) ids);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      GtkWidget *button = gtk_button_new ();
      /* An image, not a picture: it keeps the size asked for, whatever
       * the thumbnail's own size (a picture asks for 320 px). */
      GtkWidget *image = gtk_image_new ();

      gtk_image_set_pixel_size (GTK_IMAGE (image), size);
      gtk_widget_set_overflow (image, GTK_OVERFLOW_HIDDEN);
      gtk_widget_add_css_class (image, "photo-thumbnail");
      gtk_button_set_child (GTK_BUTTON (button), image);
      g_object_set_data_full (G_OBJECT (button), "wg-id", g_strdup (ids[i]), g_free);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_add_css_class (button, "photo-button");
      gtk_widget_set_tooltip_text (button, _("Open the photo"));
      g_signal_connect_object (button, "clicked", G_CALLBACK (clicked_cb), self, 0);
      gtk_grid_attach (self->grid, button, i % 3, i / 3, 1, 1);
      g_ptr_array_add (self->images, g_object_ref (image));
    }
  return GTK_WIDGET (self);
}

const char * const *
wg_photo_strip_get_ids (WgPhotoStrip *self)
{
  g_return_val_if_fail (WG_IS_PHOTO_STRIP (self), NULL);
  return (const char * const *) self->ids;
}

void
wg_photo_strip_show (WgPhotoStrip *self,
                     GHashTable   *textures)
{
  g_return_if_fail (WG_IS_PHOTO_STRIP (self));

  for (guint i = 0; i < self->images->len; i++)
    {
      GtkImage *image = self->images->pdata[i];
      GdkTexture *texture = g_hash_table_lookup (textures, self->ids[i]);

      if (texture != NULL && gtk_image_get_paintable (image) != GDK_PAINTABLE (texture))
        gtk_image_set_from_paintable (image, GDK_PAINTABLE (texture));
    }
}

guint
wg_photo_strip_get_n_shown (WgPhotoStrip *self)
{
  guint n = 0;

  g_return_val_if_fail (WG_IS_PHOTO_STRIP (self), 0);
  for (guint i = 0; i < self->images->len; i++)
    n += gtk_image_get_paintable (self->images->pdata[i]) != NULL;
  return n;
}

GtkWidget *
wg_photo_strip_get_button (WgPhotoStrip *self,
                           guint         index)
{
  g_return_val_if_fail (WG_IS_PHOTO_STRIP (self), NULL);
  if (index >= self->images->len)
    return NULL;
  return gtk_widget_get_parent (self->images->pdata[index]);
}
