/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wg-attachment-cache.h"

G_BEGIN_DECLS

/* An incident's photos, one at a time at display size (GET
 * .../display): previous / next (Left, Right), zoom in / out (Ctrl++,
 * Ctrl+-), best fit (Ctrl+0). */
#define WG_TYPE_PHOTO_VIEWER (wg_photo_viewer_get_type ())
G_DECLARE_FINAL_TYPE (WgPhotoViewer, wg_photo_viewer, WG, PHOTO_VIEWER, AdwWindow)

GtkWidget  *wg_photo_viewer_new         (WgAttachmentCache  *cache,
                                         const char * const *ids,
                                         guint               index);
guint       wg_photo_viewer_get_index   (WgPhotoViewer      *self);
guint       wg_photo_viewer_get_n_photos (WgPhotoViewer     *self);
/* The photo shown, or NULL while it loads (or when it could not). */
GdkTexture *wg_photo_viewer_get_texture (WgPhotoViewer      *self);
/* 0: best fit; else the scale of the display-size image. */
double      wg_photo_viewer_get_zoom    (WgPhotoViewer      *self);

G_END_DECLS
