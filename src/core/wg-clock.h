/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define WG_TYPE_CLOCK (wg_clock_get_type ())
G_DECLARE_FINAL_TYPE (WgClock, wg_clock, WG, CLOCK, GObject)

typedef enum {
  WG_CLOCK_LIVE,
  WG_CLOCK_REPLAY,
} WgClockMode;

WgClock     *wg_clock_new               (void);
WgClock     *wg_clock_new_view          (WgClock *live);
/* The live clock: itself, or the one a view clock follows. */
WgClock     *wg_clock_get_live          (WgClock *self);
WgClockMode  wg_clock_get_mode          (WgClock *self);
gint64       wg_clock_get_now_ms        (WgClock *self);
gint64       wg_clock_get_offset_ms     (WgClock *self);
void         wg_clock_set_offset_ms     (WgClock *self,
                                         gint64   offset_ms);
void         wg_clock_observe_server    (WgClock *self,
                                         gint64   server_ms,
                                         gint64   sent_local_ms,
                                         gint64   received_local_ms);
void         wg_clock_start_replay      (WgClock *self,
                                         gint64   at_ms);
void         wg_clock_seek              (WgClock *self,
                                         gint64   at_ms);
void         wg_clock_set_rate          (WgClock *self,
                                         double   rate);
double       wg_clock_get_rate          (WgClock *self);
void         wg_clock_go_live           (WgClock *self);

gint64       wg_wall_time_ms            (void);

G_END_DECLS
