/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The positions of moving forces, packed: one slot per unit in parallel
 * arrays, no GObject per unit.  Writers (the stream, the simulator feed,
 * replay) update slots, in batches where they can; readers (the map) compare
 * the generation counter with the one they last drew and read the arrays
 * directly.  Main-thread only.
 */
typedef enum {
  WG_UNIT_TYPE_GRID_WORKER,
  WG_UNIT_TYPE_GRID_LEADER,
  WG_UNIT_TYPE_POLICE,
  WG_UNIT_TYPE_EMERGENCY_UNIT,
  WG_UNIT_TYPE_DEPARTMENT,
  WG_UNIT_TYPE_OTHER,
  WG_UNIT_N_TYPES
} WgUnitType;

typedef enum {
  WG_UNIT_STATUS_AVAILABLE,
  WG_UNIT_STATUS_BUSY,
  WG_UNIT_STATUS_EN_ROUTE,
  WG_UNIT_STATUS_ON_SCENE,
  WG_UNIT_STATUS_OFF_DUTY,
  WG_UNIT_N_STATUSES
} WgPositionStatus;

typedef struct
{
  const char   *unit_id;
  double        lat;
  double        lon;
  gint64        time_ms;
  /* < 0 keeps the current status */
  int           status;
} WgPositionUpdate;

typedef struct _WgPositionStore WgPositionStore;

/* Called after every change, with the new generation.  Keep it cheap
 * (a gtk_widget_queue_draw): redraws coalesce per frame on the reader side. */
typedef void (*WgPositionStoreWatch) (WgPositionStore *store,
                                      guint64          generation,
                                      gpointer         user_data);

#define WG_TYPE_POSITION_STORE (wg_position_store_get_type ())
GType            wg_position_store_get_type        (void) G_GNUC_CONST;

WgPositionStore *wg_position_store_new             (void);
WgPositionStore *wg_position_store_ref             (WgPositionStore *self);
void             wg_position_store_unref           (WgPositionStore *self);

guint            wg_position_store_add_unit        (WgPositionStore *self,
                                                    const char      *unit_id,
                                                    WgUnitType       type,
                                                    WgPositionStatus     status);
int              wg_position_store_lookup          (WgPositionStore *self,
                                                    const char      *unit_id);
guint            wg_position_store_get_n_units     (WgPositionStore *self);
const char      *wg_position_store_get_unit_id     (WgPositionStore *self,
                                                    guint            index);

void             wg_position_store_set_position    (WgPositionStore *self,
                                                    guint            index,
                                                    double           lat,
                                                    double           lon,
                                                    gint64           time_ms);
void             wg_position_store_set_status      (WgPositionStore *self,
                                                    guint            index,
                                                    WgPositionStatus     status);
guint            wg_position_store_apply           (WgPositionStore        *self,
                                                    const WgPositionUpdate *updates,
                                                    guint                   n_updates);

guint64          wg_position_store_get_generation  (WgPositionStore *self);

/* Direct read access: arrays of get_n_units() entries, valid until the next
 * add_unit() (which may grow them).  A unit never positioned has time 0. */
const double    *wg_position_store_get_lats        (WgPositionStore *self);
const double    *wg_position_store_get_lons        (WgPositionStore *self);
const gint64    *wg_position_store_get_times       (WgPositionStore *self);
const guint8    *wg_position_store_get_types       (WgPositionStore *self);
const guint8    *wg_position_store_get_statuses    (WgPositionStore *self);

/* Trails: the last @length positions of each unit (0 turns trails off). */
void             wg_position_store_set_trail_length (WgPositionStore *self,
                                                     guint            length);
guint            wg_position_store_get_trail_length (WgPositionStore *self);
guint            wg_position_store_get_trail       (WgPositionStore *self,
                                                    guint            index,
                                                    double          *lats,
                                                    double          *lons,
                                                    guint            max_points);

guint            wg_position_store_add_watch       (WgPositionStore      *self,
                                                    WgPositionStoreWatch  watch,
                                                    gpointer              user_data);
void             wg_position_store_remove_watch    (WgPositionStore *self,
                                                    guint            watch_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgPositionStore, wg_position_store_unref)

G_END_DECLS
