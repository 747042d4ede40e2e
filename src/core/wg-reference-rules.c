/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The adapter from the full reference model (grids, categories, roster,
 * calendar) to the few rules decide() needs.
 */
#define G_LOG_DOMAIN "wg-reference-rules"

#include "config.h"

#include "wg-reference-rules.h"

static guint
minutes_from_seconds (guint seconds)
{
  return (seconds + 59) / 60;
}

/**
 * wg_reference_build_calendar:
 *
 * The centre's working calendar: its time zone, working week, working
 * periods, holidays and make-up working days.
 */
WgCalendar *
wg_reference_build_calendar (WgReference  *reference,
                             GError      **error)
{
  const WgCalendarConfig *config = wg_reference_get_calendar (reference);
  g_autoptr(WgCalendar) calendar = wg_calendar_new (wg_reference_get_time_zone_id (reference));
  g_autoptr(GString) spec = g_string_new (NULL);

  g_return_val_if_fail (WG_IS_REFERENCE (reference), NULL);

  for (guint i = 0; config->work_periods != NULL && i + 1 < config->work_periods->len; i += 2)
    {
      guint start = g_array_index (config->work_periods, guint, i);
      guint end = g_array_index (config->work_periods, guint, i + 1);

      g_string_append_printf (spec, "%s%02u:%02u-%02u:%02u", spec->len > 0 ? "," : "",
                              start / 60, start % 60, end / 60, end % 60);
    }

  for (guint weekday = 1; weekday <= 7; weekday++)
    {
      gboolean working = (config->work_week & (1u << weekday)) != 0;

      if (!wg_calendar_set_hours (calendar, weekday, working ? spec->str : "", error))
        return NULL;
    }
  for (guint i = 0; config->holidays != NULL && config->holidays[i] != NULL; i++)
    if (!wg_calendar_add_holiday (calendar, config->holidays[i], error))
      return NULL;
  for (guint i = 0; config->workdays != NULL && config->workdays[i] != NULL; i++)
    if (!wg_calendar_add_workday (calendar, config->workdays[i], error))
      return NULL;

  return g_steal_pointer (&calendar);
}

static char *
resolve_grid_cb (double   lat,
                 double   lon,
                 gpointer user_data)
{
  WgGrid *grid = wg_reference_find_grid (WG_REFERENCE (user_data), lat, lon);

  return grid != NULL ? g_strdup (grid->code) : NULL;
}

/* Where cases may be routed to, where they may come from, and where a
 * public display puts them. */
static void
add_departments_and_streets (WgRules     *rules,
                             WgReference *reference)
{
  GPtrArray *departments = wg_reference_get_departments (reference);
  GPtrArray *grids = wg_reference_get_grids (reference);

  for (guint i = 0; i < departments->len; i++)
    wg_rules_add_department (rules, ((WgDepartment *) g_ptr_array_index (departments, i))->code);
  for (guint i = 0; i < grids->len; i++)
    {
      WgGrid *grid = g_ptr_array_index (grids, i);

      if (grid->level == 1 && grid->shape != NULL)
        wg_rules_add_area (rules, grid->shape);
      wg_rules_add_grid_centre (rules, grid->code, grid->centroid_lat, grid->centroid_lon);
    }
}

/**
 * wg_reference_build_rules:
 *
 * Returns: (transfer full): the rules of this reference: street code
 *   and each street's case prefix, calendar, categories with their step limits, the grid of a location,
 *   the departments, the streets served, and the alarm escalation chain
 *   (covering street leaders, then the chief)
 */
WgRules *
wg_reference_build_rules (WgReference  *reference,
                          GError      **error)
{
  g_autoptr(WgRules) rules = wg_rules_new ();
  g_autoptr(WgCalendar) calendar = NULL;
  GPtrArray *categories, *stations;
  const WgPerson *chief;
  guint covering_s = 0, chief_s = 0;

  g_return_val_if_fail (WG_IS_REFERENCE (reference), NULL);

  calendar = wg_reference_build_calendar (reference, error);
  if (calendar == NULL)
    return NULL;
  wg_rules_set_calendar (rules, calendar);
  wg_rules_set_street_code (rules, wg_reference_get_street_code (reference));
  for (guint i = 0; i < wg_reference_get_streets (reference)->len; i++)
    {
      WgGrid *street = g_ptr_array_index (wg_reference_get_streets (reference), i);

      if (street->case_prefix != NULL)
        wg_rules_add_street (rules, street->code, street->case_prefix);
    }

  categories = wg_reference_get_categories (reference);
  for (guint i = 0; i < categories->len; i++)
    {
      const WgCategory *category = g_ptr_array_index (categories, i);
      guint limits[WG_N_STEPS] = { 0 };
      WgGrade grade;

      if (!wg_grade_from_string (category->grade, &grade))
        {
          g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_INVALID,
                       "categories.json: category %s: unknown grade “%s”", category->code,
                       category->grade);
          return NULL;
        }

      limits[WG_STEP_ROUTE] = WG_DEFAULT_ROUTE_MINUTES;
      limits[WG_STEP_ACCEPT] = category->accept_hours * 60;
      limits[WG_STEP_HANDLE] = category->feedback_hours * 60;
      limits[WG_STEP_VERIFY] = WG_DEFAULT_VERIFY_MINUTES;
      limits[WG_STEP_CLOSE] = WG_DEFAULT_CLOSE_MINUTES;
      limits[WG_STEP_DISPATCH] = minutes_from_seconds (category->dispatch_seconds);
      limits[WG_STEP_ARRIVE] = minutes_from_seconds (category->on_scene_seconds);
      limits[WG_STEP_RESOLVE] = category->n_response_steps > 0 ? WG_DEFAULT_RESOLVE_MINUTES : 0;

      wg_rules_add_category (rules, category->code, grade,
                             category->department != NULL ? category->department->code : NULL,
                             limits);
      wg_rules_set_category_cycle (rules, category->code, category->mediate_first, category->call_back);
      wg_rules_set_category_sensitive (rules, category->code, category->sensitive);
    }

  wg_rules_set_grid_resolver (rules, resolve_grid_cb, g_object_ref (reference), g_object_unref);
  add_departments_and_streets (rules, reference);

  wg_reference_get_escalation_delays (reference, &covering_s, &chief_s);
  if (covering_s > 0)
    wg_rules_set_escalation_interval (rules, (gint64) covering_s * 1000);
  if (chief_s > 0)
    wg_rules_set_chief_delay (rules, (gint64) chief_s * 1000);

  stations = wg_reference_get_stations (reference);
  for (guint i = 0; i < stations->len; i++)
    {
      WgStation *station = g_ptr_array_index (stations, i);
      const WgPerson *leader = wg_reference_get_covering_leader (reference, station);

      if (leader != NULL && leader->account != NULL && station->grid != NULL)
        wg_rules_add_area_leader (rules, station->grid->code, leader->account);
    }
  chief = wg_reference_get_chief (reference);
  if (chief != NULL && chief->account != NULL)
    wg_rules_set_chief (rules, chief->account);

  return g_steal_pointer (&rules);
}
