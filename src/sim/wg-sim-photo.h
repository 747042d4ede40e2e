/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What the simulated field photo shows. */
typedef enum {
  WG_SIM_PHOTO_NONE,              /* this category gets no photo */
  WG_SIM_PHOTO_ILLEGAL_STRUCTURE, /* a blue steel shed on a rooftop */
  WG_SIM_PHOTO_FIRE_LANE,         /* a lane with parked cars and a red-white sign */
  WG_SIM_PHOTO_GARBAGE,           /* heaps of bags beside an overflowing bin */
  WG_SIM_PHOTO_ROAD_DAMAGE,       /* a pothole with traffic cones */
} WgSimPhotoScene;

typedef enum {
  WG_SIM_PHOTO_PNG,
  WG_SIM_PHOTO_JPEG,
} WgSimPhotoFormat;

typedef struct
{
  WgSimPhotoScene  scene;
  gboolean         repaired;     /* the same scene, tidy: for feedback and verification */
  guint32          seed;         /* same seed, same picture (repaired or not, same place) */
  guint            width;        /* 0: 960 */
  guint            height;       /* 0: 720 */
  const char      *case_number;  /* shown in the caption band, e.g. HL-20261128-0042 */
  gint64           time_ms;      /* shown in the caption band */
  GTimeZone       *time_zone;    /* NULL: UTC */
} WgSimPhotoSpec;

WgSimPhotoScene wg_sim_photo_scene_for_category (const char            *category);
const char     *wg_sim_photo_media_type         (WgSimPhotoFormat       format);
GBytes         *wg_sim_photo_render             (const WgSimPhotoSpec  *spec,
                                                 WgSimPhotoFormat       format,
                                                 GError               **error);

G_END_DECLS
