/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The centre's working calendar: working hours per weekday in the centre's
 * time zone, holidays and make-up working days (调休).  Professional
 * deadlines are "now + N working minutes" on it.  Independent of the
 * process's TZ: all local time goes through the calendar's GTimeZone.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _WgCalendar WgCalendar;

#define WG_TYPE_CALENDAR (wg_calendar_get_type ())

GType       wg_calendar_get_type   (void) G_GNUC_CONST;
/* Mon-Fri 08:30-12:00, 14:00-17:30 in @tz_identifier (NULL: Asia/Shanghai).
 * An identifier the system does not know falls back to +08:00. */
WgCalendar *wg_calendar_new        (const char  *tz_identifier);
WgCalendar *wg_calendar_ref        (WgCalendar  *self);
void        wg_calendar_unref      (WgCalendar  *self);

GTimeZone  *wg_calendar_get_time_zone (WgCalendar *self);
const char *wg_calendar_get_time_zone_id (WgCalendar *self);

/* @weekday 1 (Monday) .. 7 (Sunday); @spec "08:30-12:00,14:00-17:30", or ""
 * for a day off.  Intervals must be ordered and must not overlap. */
gboolean    wg_calendar_set_hours  (WgCalendar  *self,
                                    guint        weekday,
                                    const char  *spec,
                                    GError     **error);
/* @date "YYYY-MM-DD".  A holiday has no working hours; a make-up working
 * day has Monday's hours even on a weekend. */
gboolean    wg_calendar_add_holiday (WgCalendar *self,
                                     const char *date,
                                     GError    **error);
gboolean    wg_calendar_add_workday (WgCalendar *self,
                                     const char *date,
                                     GError    **error);

gboolean    wg_calendar_is_working_time (WgCalendar *self,
                                         gint64      t_ms);
/* The moment @minutes working minutes after @start_ms.  Starting outside
 * working hours counts from the next working period.  Returns -1 when
 * the calendar has no working time in the next ten years. */
gint64      wg_calendar_add_working_minutes (WgCalendar *self,
                                             gint64      start_ms,
                                             gint64      minutes);
gint64      wg_calendar_add_working_ms (WgCalendar *self,
                                        gint64      start_ms,
                                        gint64      ms);
/* Working milliseconds in [from_ms, to_ms); 0 when to_ms <= from_ms. */
gint64      wg_calendar_working_ms_between (WgCalendar *self,
                                            gint64      from_ms,
                                            gint64      to_ms);
/* "YYYYMMDD" of @t_ms in the calendar's time zone (case numbers). */
char       *wg_calendar_local_day  (WgCalendar *self,
                                    gint64      t_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgCalendar, wg_calendar_unref)

G_END_DECLS
