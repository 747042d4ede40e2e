/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk-pixbuf/gdk-pixbuf.h>

G_BEGIN_DECLS

#define WG_IMAGE_ERROR (wg_image_error_quark ())

/* Stable: each maps to a problem+json `code` (wg_image_error_code()). */
typedef enum {
  WG_IMAGE_ERROR_UNSUPPORTED_MEDIA_TYPE, /* not JPEG or PNG by its magic bytes */
  WG_IMAGE_ERROR_TOO_LARGE,              /* more bytes than limits->max_bytes */
  WG_IMAGE_ERROR_TOO_MANY_PIXELS,        /* declared size over the pixel or side limit */
  WG_IMAGE_ERROR_MALFORMED,              /* broken structure, or the decoder refused it */
} WgImageError;

GQuark      wg_image_error_quark      (void);
const char *wg_image_error_code       (WgImageError code);
guint       wg_image_error_http_status (WgImageError code);

typedef enum {
  WG_IMAGE_FORMAT_NONE,
  WG_IMAGE_FORMAT_JPEG,
  WG_IMAGE_FORMAT_PNG,
} WgImageFormat;

const char *wg_image_format_media_type (WgImageFormat format);
const char *wg_image_format_extension  (WgImageFormat format);

#define WG_IMAGE_DEFAULT_MAX_BYTES   (8 * 1024 * 1024)
#define WG_IMAGE_DEFAULT_MAX_PIXELS  G_GUINT64_CONSTANT (40000000)
#define WG_IMAGE_DEFAULT_MAX_SIDE    12000
#define WG_IMAGE_DEFAULT_MAX_SCANS   64
#define WG_IMAGE_THUMBNAIL_SIDE      320
#define WG_IMAGE_DISPLAY_SIDE        1600

typedef struct
{
  gsize   max_bytes;   /* whole file */
  guint64 max_pixels;  /* declared width x height */
  guint   max_side;    /* declared width and height, each */
  guint   max_scans;   /* JPEG: SOS markers (a progressive "scan bomb" costs scans x pixels) */
} WgImageLimits;

void wg_image_limits_init (WgImageLimits *limits);

typedef struct
{
  WgImageFormat format;
  guint         width;       /* as declared in the header, before orientation */
  guint         height;
  guint         orientation; /* JPEG EXIF orientation 1..8 if present, else 1 */
} WgImageInfo;

WgImageFormat wg_image_sniff   (const guint8         *data,
                                gsize                 len);
gboolean      wg_image_probe   (GBytes               *bytes,
                                const WgImageLimits  *limits,
                                WgImageInfo          *info,
                                GError              **error);
GdkPixbuf    *wg_image_decode  (GBytes               *bytes,
                                const WgImageLimits  *limits,
                                guint                 fit_side,
                                WgImageInfo          *info,
                                GError              **error);
GBytes       *wg_image_encode  (GdkPixbuf            *pixbuf,
                                guint                 fit_side,
                                WgImageFormat        *format,
                                GError              **error);

/* What an upload needs: the checks, then derived sizes, metadata stripped. */
typedef struct
{
  WgImageFormat format;           /* of the original */
  guint         width;            /* after EXIF orientation */
  guint         height;
  GBytes       *display;          /* longest side <= WG_IMAGE_DISPLAY_SIDE */
  WgImageFormat display_format;
  GBytes       *thumbnail;        /* longest side <= WG_IMAGE_THUMBNAIL_SIDE */
  WgImageFormat thumbnail_format;
} WgImageDerived;

WgImageDerived *wg_image_process       (GBytes               *bytes,
                                        const WgImageLimits  *limits,
                                        GError              **error);
void            wg_image_derived_free  (WgImageDerived       *derived);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgImageDerived, wg_image_derived_free)

G_END_DECLS
