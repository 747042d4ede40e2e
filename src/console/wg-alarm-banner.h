/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "wg-context.h"
#include "wg-incident-model.h"

G_BEGIN_DECLS

/* The banner across the top for an unacknowledged emergency (libadwaita
 * 1.2 has no AdwBanner): category, grid, seconds since the report on the
 * server's clock, escalations, and Acknowledge for those who may.  A
 * sound repeats until it is acknowledged; each console may mute it for a
 * minute.  ::alarm-raised fires when a new alarm takes the banner. */
#define WG_TYPE_ALARM_BANNER (wg_alarm_banner_get_type ())
G_DECLARE_FINAL_TYPE (WgAlarmBanner, wg_alarm_banner, WG, ALARM_BANNER, GtkWidget)

#define WG_ALARM_MUTE_SECONDS 60

GtkWidget  *wg_alarm_banner_new            (WgContext       *context,
                                            WgIncidentModel *model);
/* The incident the banner shows, or NULL when hidden. */
const char *wg_alarm_banner_get_incident   (WgAlarmBanner   *self);
gboolean    wg_alarm_banner_get_revealed   (WgAlarmBanner   *self);
const char *wg_alarm_banner_get_text       (WgAlarmBanner   *self);
/* The second line: case number, summary, escalations, other alarms. */
const char *wg_alarm_banner_get_detail     (WgAlarmBanner   *self);
/* Sends alarm.acknowledge for the banner's incident and selects it (the
 * map flies to it); FALSE when there is none or the role may not. */
gboolean    wg_alarm_banner_acknowledge    (WgAlarmBanner   *self);
GtkWidget  *wg_alarm_banner_get_acknowledge_button (WgAlarmBanner *self);
void        wg_alarm_banner_set_muted      (WgAlarmBanner   *self,
                                            gboolean         muted);
gboolean    wg_alarm_banner_get_muted      (WgAlarmBanner   *self);
/* @self shows its alarms but plays no sound while @other lives: @other
 * (another window's banner over the same console) sounds for them, once.
 * Muting either mutes both.  NULL: @self sounds again. */
void        wg_alarm_banner_set_sound_from (WgAlarmBanner *self,
                                            WgAlarmBanner *other);
/* How many times the sound has played (for tests). */
guint       wg_alarm_banner_get_n_sounds   (WgAlarmBanner   *self);

G_END_DECLS
