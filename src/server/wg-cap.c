/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * CAP 1.2 (OASIS, 2010): one <alert> per emergency incident, msgType Alert,
 * scope Restricted (it goes to the responding agencies and the district's
 * platform, not to the public: the description quotes the report).
 */
#define G_LOG_DOMAIN "wg-cap"

#include "config.h"

#include <string.h>

#include "wg-cap.h"

/* Radius of the alert's circle around the reported point, km. */
#define CAP_RADIUS_KM 0.5

static const struct {
  const char *category;
  const char *cap;
} category_map[] = {
  { "fire", "Fire" },
  { "gas_leak", "Fire" },
  { "flood", "Met" },
  { "typhoon_damage", "Met" },
  { "crowd", "Security" },
  { "fight", "Security" },
  { "extreme_act", "Security" },
  { "missing_person", "Rescue" },
  { "building_collapse", "Rescue" },
  { "traffic_accident", "Transport" },
  { "medical_emergency", "Health" },
  { "risk_special_person", "Health" },
  { "epidemic_prevention", "Health" },
  { "risk_public_security", "Security" },
  { "domestic_violence", "Security" },
  { "risk_fire_hazard", "Fire" },
  { "ebike_charging", "Fire" },
  { "risk_gas", "Safety" },
  { "risk_building", "Safety" },
  { "risk_work_safety", "Safety" },
  { "risk_food", "Health" },
  { "water_leak", "Infra" },
  { "road_damage", "Infra" },
  { "streetlight", "Infra" },
  { "drain_blocked", "Infra" },
};

const char *
wg_cap_category_for (const char *category)
{
  if (category == NULL)
    return "Other";
  for (guint i = 0; i < G_N_ELEMENTS (category_map); i++)
    if (strcmp (category_map[i].category, category) == 0)
      return category_map[i].cap;
  if (g_str_has_prefix (category, "dispute_"))
    return "Safety";
  return "Other";
}

char *
wg_cap_format_time (gint64     utc_ms,
                    GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (utc_ms / 1000);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *stamp = NULL;
  gint64 offset_s;

  g_return_val_if_fail (utc != NULL, NULL);

  local = g_date_time_to_timezone (utc, tz);
  stamp = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  offset_s = g_date_time_get_utc_offset (local) / G_TIME_SPAN_SECOND;
  /* CAP forbids "Z" and "-00:00": UTC is "+00:00". */
  return g_strdup_printf ("%s%c%02d:%02d", stamp, offset_s < 0 ? '-' : '+',
                          (int) (ABS (offset_s) / 3600), (int) (ABS (offset_s) % 3600 / 60));
}

static void
element (GString    *out,
         const char *indent,
         const char *name,
         const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text != NULL ? text : "", -1);

  g_string_append_printf (out, "%s<%s>%s</%s>\n", indent, name, escaped, name);
}

char *
wg_cap_build_alert (const WgIncidentRecord *incident,
                    WgReference            *reference,
                    const char             *sender,
                    gboolean                exercise,
                    gint64                  now_ms)
{
  return wg_cap_build_exercise_alert (incident, reference, sender, exercise ? "Exercise" : NULL, now_ms);
}

char *
wg_cap_build_exercise_alert (const WgIncidentRecord *incident,
                             WgReference            *reference,
                             const char             *sender,
                             const char             *exercise_note,
                             gint64                  now_ms)
{
  gboolean exercise = exercise_note != NULL;

  g_autoptr(GTimeZone) own_tz = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *sent = NULL;
  g_autofree char *headline = NULL;
  g_autofree char *circle = NULL;
  g_autofree char *area = NULL;
  g_autofree char *reported = NULL;
  g_autofree char *description = NULL;
  const WgCategory *category = NULL;
  const WgGrid *grid = NULL;
  GTimeZone *tz;
  char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];
  const char *category_name;
  gboolean open;

  g_return_val_if_fail (incident != NULL, NULL);

  if (reference != NULL)
    {
      tz = wg_reference_get_time_zone (reference);
      if (incident->category != NULL)
        category = wg_reference_lookup_category (reference, incident->category);
      if (incident->grid != NULL)
        grid = wg_reference_lookup_grid (reference, incident->grid);
    }
  else
    tz = own_tz = g_time_zone_new_identifier ("Asia/Shanghai");
  if (tz == NULL)
    tz = own_tz = g_time_zone_new_offset (8 * 3600);

  sent = wg_cap_format_time (now_ms, tz);
  reported = wg_cap_format_time (incident->reported_at, tz);
  category_name = category != NULL ? category->name_zh
                                   : (incident->category != NULL ? incident->category : "突发事件");
  headline = g_strdup_printf ("%s %s", incident->case_number != NULL ? incident->case_number : incident->id,
                              category_name);
  description = g_strdup_printf ("%s（报告时间 %s，状态 %s）",
                                 incident->summary != NULL ? incident->summary : "",
                                 reported, wg_incident_state_to_string (incident->state));
  if (grid != NULL)
    area = g_strdup (grid->name_zh);
  else if (reference != NULL)
    area = g_strdup (wg_reference_get_name_zh (reference));
  else
    area = g_strdup (incident->grid != NULL ? incident->grid : "—");
  g_ascii_formatd (lat, sizeof lat, "%.6f", incident->lat);
  g_ascii_formatd (lon, sizeof lon, "%.6f", incident->lon);
  circle = g_strdup_printf ("%s,%s %.1f", lat, lon, CAP_RADIUS_KM);
  open = wg_incident_state_is_open (incident->state);

  g_string_append (out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  g_string_append (out, "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n");
  element (out, "  ", "identifier", incident->id);
  element (out, "  ", "sender", sender);
  element (out, "  ", "sent", sent);
  element (out, "  ", "status", exercise ? "Exercise" : "Actual");
  element (out, "  ", "msgType", "Alert");
  element (out, "  ", "scope", "Restricted");
  element (out, "  ", "restriction", "应急处置相关单位 / responding agencies only");
  if (exercise)
    element (out, "  ", "note", exercise_note);
  if (incident->case_number != NULL)
    element (out, "  ", "incidents", incident->case_number);
  g_string_append (out, "  <info>\n");
  element (out, "    ", "language", "zh-CN");
  element (out, "    ", "category", wg_cap_category_for (incident->category));
  element (out, "    ", "event", category_name);
  element (out, "    ", "urgency", open ? "Immediate" : "Past");
  element (out, "    ", "severity", "Severe");
  element (out, "    ", "certainty", "Observed");
  element (out, "    ", "effective", reported);
  element (out, "    ", "senderName", reference != NULL ? wg_reference_get_name_zh (reference) : sender);
  element (out, "    ", "headline", headline);
  element (out, "    ", "description", description);
  g_string_append (out, "    <area>\n");
  element (out, "      ", "areaDesc", area);
  element (out, "      ", "circle", circle);
  g_string_append (out, "    </area>\n");
  g_string_append (out, "  </info>\n");
  g_string_append (out, "</alert>\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
