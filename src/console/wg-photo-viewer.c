/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-photo-viewer"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-photo-viewer.h"

struct _WgPhotoViewer
{
  AdwWindow          parent_instance;

  WgAttachmentCache *cache;
  GStrv              ids;
  guint              index;
  double             zoom;          /* 0: best fit */
  GdkTexture        *texture;
  GCancellable      *cancellable;   /* of the load in flight */

  AdwWindowTitle    *title;
  GtkStack          *stack;
  GtkPicture        *picture;
  AdwStatusPage     *error_page;
};

G_DEFINE_FINAL_TYPE (WgPhotoViewer, wg_photo_viewer, ADW_TYPE_WINDOW)

#define MIN_ZOOM 0.125
#define MAX_ZOOM 8.0

static void
update_actions (WgPhotoViewer *self)
{
  guint n = self->ids != NULL ? g_strv_length (self->ids) : 0;
  g_autofree char *subtitle = NULL;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.previous", self->index > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.next", self->index + 1 < n);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-in",
                                 self->texture != NULL && (self->zoom == 0 || self->zoom < MAX_ZOOM));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-out",
                                 self->texture != NULL && (self->zoom == 0 || self->zoom > MIN_ZOOM));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "viewer.zoom-fit", self->texture != NULL && self->zoom != 0);
  /* TRANSLATORS: "Photo 2 of 5" */
  subtitle = g_strdup_printf (_("Photo %u of %u"), MIN (self->index + 1, n), n);
  adw_window_title_set_subtitle (self->title, subtitle);
}

static void
apply_zoom (WgPhotoViewer *self)
{
  if (self->texture == NULL || self->zoom == 0)
    {
      gtk_picture_set_can_shrink (self->picture, TRUE);
      gtk_widget_set_size_request (GTK_WIDGET (self->picture), -1, -1);
    }
  else
    {
      gtk_picture_set_can_shrink (self->picture, FALSE);
      gtk_widget_set_size_request (GTK_WIDGET (self->picture),
                                   (int) (gdk_texture_get_width (self->texture) * self->zoom),
                                   (int) (gdk_texture_get_height (self->texture) * self->zoom));
    }
  update_actions (self);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(WgPhotoViewer) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = wg_attachment_cache_load_finish (WG_ATTACHMENT_CACHE (source), result, &error);

  if (texture == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (texture == NULL)
    {
      adw_status_page_set_description (self->error_page, error->message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      update_actions (self);
      return;
    }
  g_set_object (&self->texture, texture);
  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_stack_set_visible_child_name (self->stack, "photo");
  apply_zoom (self);
}

static void
show (WgPhotoViewer *self,
      guint          index)
{
  if (self->ids == NULL || index >= g_strv_length (self->ids))
    return;
  self->index = index;
  self->zoom = 0;
  g_clear_object (&self->texture);
  gtk_picture_set_paintable (self->picture, NULL);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->stack, "loading");
  apply_zoom (self);
  wg_attachment_cache_load_async (self->cache, self->ids[index], WG_ATTACHMENT_DISPLAY, self->cancellable,
                                  loaded_cb, g_object_ref (self));
}

static void
previous_action (GtkWidget  *widget,
                 const char *name,
                 GVariant   *parameter)
{
  WgPhotoViewer *self = WG_PHOTO_VIEWER (widget);

  if (self->index > 0)
    show (self, self->index - 1);
}

static void
next_action (GtkWidget  *widget,
             const char *name,
             GVariant   *parameter)
{
  WgPhotoViewer *self = WG_PHOTO_VIEWER (widget);

  show (self, self->index + 1);
}

/* From best fit, zooming starts at the scale the photo is shown at. */
static double
current_scale (WgPhotoViewer *self)
{
  double w, h;

  if (self->zoom != 0 || self->texture == NULL)
    return self->zoom;
  w = gtk_widget_get_width (GTK_WIDGET (self->picture));
  h = gtk_widget_get_height (GTK_WIDGET (self->picture));
  if (w <= 0 || h <= 0)
    return 1.0;
  return MIN (1.0, MIN (w / gdk_texture_get_width (self->texture), h / gdk_texture_get_height (self->texture)));
}

static void
zoom_in_action (GtkWidget  *widget,
                const char *name,
                GVariant   *parameter)
{
  WgPhotoViewer *self = WG_PHOTO_VIEWER (widget);

  if (self->texture == NULL)
    return;
  self->zoom = CLAMP (current_scale (self) * 1.5, MIN_ZOOM, MAX_ZOOM);
  apply_zoom (self);
}

static void
zoom_out_action (GtkWidget  *widget,
                 const char *name,
                 GVariant   *parameter)
{
  WgPhotoViewer *self = WG_PHOTO_VIEWER (widget);

  if (self->texture == NULL)
    return;
  self->zoom = CLAMP (current_scale (self) / 1.5, MIN_ZOOM, MAX_ZOOM);
  apply_zoom (self);
}

static void
zoom_fit_action (GtkWidget  *widget,
                 const char *name,
                 GVariant   *parameter)
{
  WgPhotoViewer *self = WG_PHOTO_VIEWER (widget);

  self->zoom = 0;
  apply_zoom (self);
}

static void
wg_photo_viewer_dispose (GObject *object)
{
  WgPhotoViewer *self = WG_PHOTO_VIEWER (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->texture);
  g_clear_object (&self->cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_PHOTO_VIEWER);

  G_OBJECT_CLASS (wg_photo_viewer_parent_class)->dispose (object);
}

static void
wg_photo_viewer_finalize (GObject *object)
{
  WgPhotoViewer *self = WG_PHOTO_VIEWER (object);

  g_clear_pointer (&self->ids, g_strfreev);

  G_OBJECT_CLASS (wg_photo_viewer_parent_class)->finalize (object);
}

static void
wg_photo_viewer_class_init (WgPhotoViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_photo_viewer_dispose;
  object_class->finalize = wg_photo_viewer_finalize;

  gtk_widget_class_install_action (widget_class, "viewer.previous", NULL, previous_action);
  gtk_widget_class_install_action (widget_class, "viewer.next", NULL, next_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-in", NULL, zoom_in_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-out", NULL, zoom_out_action);
  gtk_widget_class_install_action (widget_class, "viewer.zoom-fit", NULL, zoom_fit_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, 0, "viewer.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Right, 0, "viewer.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "viewer.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "viewer.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "viewer.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-photo-viewer.ui");
  gtk_widget_class_bind_template_child (widget_class, WgPhotoViewer, title);
  gtk_widget_class_bind_template_child (widget_class, WgPhotoViewer, stack);
  gtk_widget_class_bind_template_child (widget_class, WgPhotoViewer, picture);
  gtk_widget_class_bind_template_child (widget_class, WgPhotoViewer, error_page);
}

static void
wg_photo_viewer_init (WgPhotoViewer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wg_photo_viewer_new (WgAttachmentCache  *cache,
                     const char * const *ids,
                     guint               index)
{
  WgPhotoViewer *self;

  g_return_val_if_fail (WG_IS_ATTACHMENT_CACHE (cache), NULL);
  g_return_val_if_fail (ids != NULL && ids[0] != NULL, NULL);

  self = g_object_new (WG_TYPE_PHOTO_VIEWER, NULL);
  self->cache = g_object_ref (cache);
  self->ids = g_strdupv ((char **) ids);
  show (self, MIN (index, g_strv_length (self->ids) - 1));
  return GTK_WIDGET (self);
}

guint
wg_photo_viewer_get_index (WgPhotoViewer *self)
{
  g_return_val_if_fail (WG_IS_PHOTO_VIEWER (self), 0);
  return self->index;
}

guint
wg_photo_viewer_get_n_photos (WgPhotoViewer *self)
{
  g_return_val_if_fail (WG_IS_PHOTO_VIEWER (self), 0);
  return g_strv_length (self->ids);
}

GdkTexture *
wg_photo_viewer_get_texture (WgPhotoViewer *self)
{
  g_return_val_if_fail (WG_IS_PHOTO_VIEWER (self), NULL);
  return self->texture;
}

double
wg_photo_viewer_get_zoom (WgPhotoViewer *self)
{
  g_return_val_if_fail (WG_IS_PHOTO_VIEWER (self), 0);
  return self->zoom;
}
