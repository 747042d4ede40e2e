/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Thumbnails of an incident's photos, three to a row, each a button that
 * emits ::photo-activated with its attachment id.  The strip only shows:
 * the detail pane fetches the thumbnails (once per id, kept by id) and
 * hands them over with wg_photo_strip_show (). */
#define WG_TYPE_PHOTO_STRIP (wg_photo_strip_get_type ())
G_DECLARE_FINAL_TYPE (WgPhotoStrip, wg_photo_strip, WG, PHOTO_STRIP, GtkWidget)

/* @ids: attachment ids; @size: the thumbnails' height in pixels. */
GtkWidget  *wg_photo_strip_new        (const char * const *ids,
                                       int                 size);
const char * const *
            wg_photo_strip_get_ids    (WgPhotoStrip       *self);
/* Shows the thumbnails @textures (attachment id -> GdkTexture) holds. */
void        wg_photo_strip_show       (WgPhotoStrip       *self,
                                       GHashTable         *textures);
guint       wg_photo_strip_get_n_shown (WgPhotoStrip      *self);
GtkWidget  *wg_photo_strip_get_button (WgPhotoStrip       *self,
                                       guint               index);

G_END_DECLS
