/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Days are walked in local time: for each local date the working intervals
 * are turned into UTC instants through the time zone, so a DST change or a
 * non-UTC centre never shifts an interval.
 */
#define G_LOG_DOMAIN "wg-calendar"

#include "config.h"

#include <stdio.h>

#include "wg-calendar.h"
#include "wg-error.h"

#define MAX_INTERVALS 8
#define MAX_DAYS_SCANNED (366 * 10)

typedef struct {
  guint16 start;  /* minutes after local midnight */
  guint16 end;
} Interval;

typedef struct {
  guint    n;
  Interval intervals[MAX_INTERVALS];
} DayHours;

struct _WgCalendar
{
  gatomicrefcount  ref_count;
  GTimeZone       *tz;
  char            *tz_id;
  DayHours         week[8];   /* 1..7 */
  GHashTable      *holidays;  /* "YYYY-MM-DD" */
  GHashTable      *workdays;
  /* The last local day asked for and its bounds [start, end): a report
   * asks for its case day, and a day's reports all fall in the same one. */
  GMutex           day_lock;
  gint64           day_start_ms;
  gint64           day_end_ms;
  char            *day_text;
};

G_DEFINE_BOXED_TYPE (WgCalendar, wg_calendar, wg_calendar_ref, wg_calendar_unref)

static gboolean
parse_spec (const char  *spec,
            DayHours    *out,
            GError     **error)
{
  g_auto(GStrv) parts = NULL;
  DayHours hours = { 0 };
  guint prev_end = 0;

  if (spec == NULL || *spec == '\0')
    {
      *out = hours;
      return TRUE;
    }

  parts = g_strsplit (spec, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint sh, sm, eh, em;
      char tail;

      if (hours.n == MAX_INTERVALS ||
          sscanf (parts[i], "%2u:%2u-%2u:%2u%c", &sh, &sm, &eh, &em, &tail) != 4 ||
          sh > 24 || eh > 24 || sm > 59 || em > 59 ||
          sh * 60 + sm >= eh * 60 + em || eh * 60 + em > 24 * 60 ||
          sh * 60 + sm < prev_end)
        {
          g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD,
                       "bad working hours '%s'", spec);
          return FALSE;
        }
      hours.intervals[hours.n].start = sh * 60 + sm;
      hours.intervals[hours.n].end = eh * 60 + em;
      prev_end = eh * 60 + em;
      hours.n++;
    }

  *out = hours;
  return TRUE;
}

WgCalendar *
wg_calendar_new (const char *tz_identifier)
{
  WgCalendar *self = g_new0 (WgCalendar, 1);
  const char *id = tz_identifier != NULL ? tz_identifier : "Asia/Shanghai";

  g_atomic_ref_count_init (&self->ref_count);
  self->tz = g_time_zone_new_identifier (id);
  if (self->tz == NULL)
    {
      g_debug ("time zone '%s' unknown, using +08:00", id);
      self->tz = g_time_zone_new_offset (8 * 3600);
    }
  self->tz_id = g_strdup (id);
  g_mutex_init (&self->day_lock);
  self->holidays = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->workdays = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint d = 1; d <= 5; d++)
    {
      gboolean ok = parse_spec ("08:30-12:00,14:00-17:30", &self->week[d], NULL);
      g_assert (ok);
    }
  return self;
}

WgCalendar *
wg_calendar_ref (WgCalendar *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wg_calendar_unref (WgCalendar *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_time_zone_unref (self->tz);
  g_free (self->tz_id);
  g_hash_table_unref (self->holidays);
  g_hash_table_unref (self->workdays);
  g_mutex_clear (&self->day_lock);
  g_free (self->day_text);
  g_free (self);
}

GTimeZone *
wg_calendar_get_time_zone (WgCalendar *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tz;
}

const char *
wg_calendar_get_time_zone_id (WgCalendar *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tz_id;
}

gboolean
wg_calendar_set_hours (WgCalendar  *self,
                       guint        weekday,
                       const char  *spec,
                       GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (weekday >= 1 && weekday <= 7, FALSE);
  return parse_spec (spec, &self->week[weekday], error);
}

static gboolean
check_date (const char  *date,
            GError     **error)
{
  guint y, m, d;
  char tail;

  if (date == NULL || sscanf (date, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
      !g_date_valid_dmy (d, m, y))
    {
      g_set_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD, "bad date '%s'", date ? date : "(null)");
      return FALSE;
    }
  return TRUE;
}

gboolean
wg_calendar_add_holiday (WgCalendar  *self,
                         const char  *date,
                         GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (!check_date (date, error))
    return FALSE;
  g_hash_table_add (self->holidays, g_strdup (date));
  return TRUE;
}

gboolean
wg_calendar_add_workday (WgCalendar  *self,
                         const char  *date,
                         GError     **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  if (!check_date (date, error))
    return FALSE;
  g_hash_table_add (self->workdays, g_strdup (date));
  return TRUE;
}

/* The hours of local date y-m-d. */
static const DayHours *
hours_of_day (WgCalendar *self,
              GDateTime  *day)
{
  static const DayHours none = { 0 };
  char key[16];

  g_snprintf (key, sizeof key, "%04d-%02d-%02d",
              g_date_time_get_year (day), g_date_time_get_month (day),
              g_date_time_get_day_of_month (day));
  if (g_hash_table_contains (self->holidays, key))
    return &none;
  if (g_hash_table_contains (self->workdays, key))
    return &self->week[1];
  return &self->week[g_date_time_get_day_of_week (day)];
}

static gint64
local_instant_ms (WgCalendar *self,
                  GDateTime  *day,
                  guint       minutes)
{
  g_autoptr(GDateTime) dt = g_date_time_new (self->tz,
                                             g_date_time_get_year (day),
                                             g_date_time_get_month (day),
                                             g_date_time_get_day_of_month (day),
                                             minutes / 60, minutes % 60, 0);
  if (dt == NULL)  /* minutes == 24*60 */
    {
      g_autoptr(GDateTime) midnight = g_date_time_new (self->tz,
                                                       g_date_time_get_year (day),
                                                       g_date_time_get_month (day),
                                                       g_date_time_get_day_of_month (day),
                                                       0, 0, 0);
      g_autoptr(GDateTime) next = g_date_time_add_days (midnight, 1);
      return g_date_time_to_unix (next) * 1000;
    }
  return g_date_time_to_unix (dt) * 1000;
}

static GDateTime *
local_day_of (WgCalendar *self,
              gint64      t_ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (t_ms / 1000 - (t_ms % 1000 < 0));
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, self->tz);

  return g_date_time_new (self->tz, g_date_time_get_year (local),
                          g_date_time_get_month (local),
                          g_date_time_get_day_of_month (local), 12, 0, 0);
}

gboolean
wg_calendar_is_working_time (WgCalendar *self,
                             gint64      t_ms)
{
  g_autoptr(GDateTime) day = NULL;
  const DayHours *hours;

  g_return_val_if_fail (self != NULL, FALSE);

  day = local_day_of (self, t_ms);
  hours = hours_of_day (self, day);
  for (guint i = 0; i < hours->n; i++)
    {
      if (t_ms >= local_instant_ms (self, day, hours->intervals[i].start) &&
          t_ms < local_instant_ms (self, day, hours->intervals[i].end))
        return TRUE;
    }
  return FALSE;
}

gint64
wg_calendar_add_working_ms (WgCalendar *self,
                            gint64      start_ms,
                            gint64      ms)
{
  g_autoptr(GDateTime) day = NULL;
  gint64 cur = start_ms;
  gint64 left = ms;

  g_return_val_if_fail (self != NULL, -1);

  if (left <= 0)
    return start_ms;

  day = local_day_of (self, start_ms);
  for (guint n = 0; n < MAX_DAYS_SCANNED; n++)
    {
      const DayHours *hours = hours_of_day (self, day);
      GDateTime *next;

      for (guint i = 0; i < hours->n; i++)
        {
          gint64 s = local_instant_ms (self, day, hours->intervals[i].start);
          gint64 e = local_instant_ms (self, day, hours->intervals[i].end);

          if (e <= cur)
            continue;
          if (s < cur)
            s = cur;
          if (e - s >= left)
            return s + left;
          left -= e - s;
          cur = e;
        }

      next = g_date_time_add_days (day, 1);
      g_date_time_unref (day);
      day = next;
    }

  return -1;
}

gint64
wg_calendar_add_working_minutes (WgCalendar *self,
                                 gint64      start_ms,
                                 gint64      minutes)
{
  return wg_calendar_add_working_ms (self, start_ms, minutes * 60 * 1000);
}

gint64
wg_calendar_working_ms_between (WgCalendar *self,
                                gint64      from_ms,
                                gint64      to_ms)
{
  g_autoptr(GDateTime) day = NULL;
  gint64 total = 0;

  g_return_val_if_fail (self != NULL, 0);

  if (to_ms <= from_ms)
    return 0;

  day = local_day_of (self, from_ms);
  for (guint n = 0; n < MAX_DAYS_SCANNED; n++)
    {
      const DayHours *hours = hours_of_day (self, day);
      GDateTime *next;

      for (guint i = 0; i < hours->n; i++)
        {
          gint64 s = local_instant_ms (self, day, hours->intervals[i].start);
          gint64 e = local_instant_ms (self, day, hours->intervals[i].end);

          if (s >= to_ms)
            return total;
          total += MAX (0, MIN (e, to_ms) - MAX (s, from_ms));
        }

      if (local_instant_ms (self, day, 24 * 60) >= to_ms)
        return total;
      next = g_date_time_add_days (day, 1);
      g_date_time_unref (day);
      day = next;
    }

  return total;
}

char *
wg_calendar_local_day (WgCalendar *self,
                       gint64      t_ms)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GDateTime) end = NULL;
  char *text;

  g_return_val_if_fail (self != NULL, NULL);

  locker = g_mutex_locker_new (&self->day_lock);
  if (self->day_text != NULL && t_ms >= self->day_start_ms && t_ms < self->day_end_ms)
    return g_strdup (self->day_text);

  day = local_day_of (self, t_ms);
  text = g_date_time_format (day, "%Y%m%d");
  start = g_date_time_new (self->tz, g_date_time_get_year (day), g_date_time_get_month (day),
                           g_date_time_get_day_of_month (day), 0, 0, 0);
  end = g_date_time_add_days (start, 1);
  /* A zone whose midnight is skipped or doubled could give bounds that
   * miss @t_ms: such a day is not kept. */
  if (start != NULL && end != NULL &&
      t_ms >= g_date_time_to_unix (start) * 1000 && t_ms < g_date_time_to_unix (end) * 1000)
    {
      g_free (self->day_text);
      self->day_text = g_strdup (text);
      self->day_start_ms = g_date_time_to_unix (start) * 1000;
      self->day_end_ms = g_date_time_to_unix (end) * 1000;
    }
  return text;
}
