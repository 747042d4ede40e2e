/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The after-action review (复盘) of one incident: what it was, a map of
 * its grids drawn from the reference data, its times against the
 * category's targets, who did what, the replay bookmarks set on it, and
 * every event in order.
 */
#define G_LOG_DOMAIN "wg-report"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "wg-console-util.h"
#include "wg-event.h"
#include "wg-report-pdf.h"
#include "wg-report.h"

typedef struct
{
  WgReference *reference;
  WgGrid      *grid;       /* of the incident, nullable */
  double       lat;
  double       lon;
  gboolean     located;
} MapData;

static char *
local_time (gint64     ms,
            GTimeZone *tz,
            gboolean   with_date)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);

  return g_date_time_format (local, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S");
}

/* The incident's work-station area (or the street), its grid filled, the
 * place marked: drawn from the reference polygons, no tiles and no display. */
static void
draw_map (cairo_t *cr,
          double   width,
          double   height,
          gpointer user_data)
{
  MapData *map = user_data;
  WgGrid *area = map->grid != NULL && map->grid->parent != NULL ? map->grid->parent
               : wg_reference_get_root (map->reference);
  const WgGeoBBox *box = wg_geo_shape_get_bbox (area->shape);
  GPtrArray *grids = wg_reference_get_grids (map->reference);
  double mid_lat = (box->min_lat + box->max_lat) / 2;
  double kx = cos (mid_lat * G_PI / 180);     /* metres per degree of longitude shrink */
  double span_x = (box->max_lon - box->min_lon) * kx, span_y = box->max_lat - box->min_lat;
  double scale = MIN ((width - 20) / span_x, (height - 20) / span_y);
  double ox = (width - span_x * scale) / 2, oy = (height - span_y * scale) / 2;

#define X(lon) (ox + ((lon) - box->min_lon) * kx * scale)
#define Y(lat) (oy + (box->max_lat - (lat)) * scale)

  cairo_set_source_rgb (cr, 0.96, 0.96, 0.94);
  cairo_paint (cr);
  cairo_set_line_width (cr, 0.6);
  for (guint i = 0; i < grids->len; i++)
    {
      WgGrid *grid = grids->pdata[i];
      gboolean own = grid == map->grid;

      if (grid->children != NULL && grid->children->len > 0)
        continue;     /* leaves only: the comprehensive grids */
      if (!wg_geo_bbox_intersects (wg_geo_shape_get_bbox (grid->shape), box))
        continue;
      for (guint r = 0; r < wg_geo_shape_get_n_rings (grid->shape); r++)
        {
          guint n;
          gboolean hole;
          const WgGeoPoint *ring = wg_geo_shape_get_ring (grid->shape, r, &n, &hole);

          for (guint k = 0; k < n; k++)
            (k == 0 ? cairo_move_to : cairo_line_to) (cr, X (ring[k].lon), Y (ring[k].lat));
          cairo_close_path (cr);
        }
      cairo_set_source_rgba (cr, own ? 0.95 : 0.55, own ? 0.55 : 0.70, own ? 0.35 : 0.85, own ? 0.55 : 0.25);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 0.35, 0.45, 0.6);
      cairo_stroke (cr);
    }
  if (map->located)
    {
      cairo_arc (cr, X (map->lon), Y (map->lat), 6, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, 0.85, 0.1, 0.1);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
#undef X
#undef Y
}

/* A line of the timeline: what the event says beyond its kind. */
static char *
event_detail (WgEvent     *event,
              WgReference *reference)
{
  static const char *const members[] = {
    "summary", "resolution", "result", "reason", "remark", "text", "instructions", "outcome", "satisfaction",
  };
  g_autoptr(GString) out = g_string_new (NULL);
  const char *department = wg_event_get_body_string (event, "department");
  const char *unit = wg_event_get_body_string (event, "unit");

  if (department != NULL)
    {
      WgDepartment *d = wg_reference_lookup_department (reference, department);
      g_string_append (out, d != NULL ? d->name_zh : department);
    }
  if (unit != NULL)
    {
      WgForce *f = wg_reference_lookup_force (reference, unit);
      g_string_append (out, f != NULL ? f->name_zh : unit);
    }
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    {
      const char *text = wg_event_get_body_string (event, members[i]);
      if (text != NULL)
        g_string_append_printf (out, "%s%s", out->len > 0 ? " · " : "", text);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
add_target_row (GPtrArray  *rows,
                const char *step,
                gint64      from,
                gint64      to,
                gint64      target_ms)
{
  char **row;

  if (from <= 0 || to <= 0)
    return;
  row = g_new0 (char *, 5);
  row[0] = g_strdup (step);
  row[1] = wg_format_duration (to - from);
  row[2] = target_ms > 0 ? wg_format_duration (target_ms) : g_strdup ("—");
  row[3] = g_strdup (target_ms <= 0 ? "" : to - from <= target_ms ? _("met") : _("missed"));
  g_ptr_array_add (rows, row);
}

gboolean
wg_report_incident_pdf (GPtrArray   *events,
                        JsonArray   *bookmarks,
                        WgReference *reference,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (wg_reference_get_time_zone_id (reference));
  g_autoptr(GPtrArray) facts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) timeline = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) people = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) marks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GHashTable) by_actor = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) actor_order = g_ptr_array_new ();
  g_autofree char *title = NULL, *footer = NULL;
  WgEvent *reported;
  WgCategory *category;
  MapData map = { reference, NULL, 0, 0, FALSE };
  gint64 alarm = 0, acknowledged = 0, dispatched = 0, on_scene = 0, routed = 0, accepted = 0;
  gint64 feedback = 0, closed = 0;
  JsonObject *location;
  WgPdf *pdf;

  g_return_val_if_fail (events != NULL && events->len > 0, FALSE);
  reported = events->pdata[0];
  if (reported->type != WG_EV_INCIDENT_REPORTED)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("The incident’s events do not start with its report"));
      return FALSE;
    }
  category = wg_reference_lookup_category (reference, wg_event_get_body_string (reported, "category"));
  if (wg_event_get_body_string (reported, "grid") != NULL)
    map.grid = wg_reference_lookup_grid (reference, wg_event_get_body_string (reported, "grid"));
  location = json_object_get_object_member (reported->body, "location");
  if (location != NULL && json_object_has_member (location, "lat"))
    {
      map.lat = json_object_get_double_member (location, "lat");
      map.lon = json_object_get_double_member (location, "lon");
      map.located = TRUE;
    }

  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *e = events->pdata[i];
      char **row = g_new0 (char *, 5);
      const char *who = e->actor != NULL ? e->actor : _("system");
      GPtrArray *did;

      switch (e->type)
        {
        case WG_EV_ALARM_RAISED: if (alarm == 0) alarm = e->ts; break;
        case WG_EV_ALARM_ACKNOWLEDGED: acknowledged = e->ts; break;
        case WG_EV_INCIDENT_DISPATCHED: if (dispatched == 0) dispatched = e->ts; break;
        case WG_EV_INCIDENT_ON_SCENE: if (on_scene == 0) on_scene = e->ts; break;
        case WG_EV_INCIDENT_ROUTED: routed = e->ts; break;
        case WG_EV_INCIDENT_ACCEPTED: if (accepted == 0 || accepted < routed) accepted = e->ts; break;
        case WG_EV_INCIDENT_FEEDBACK_GIVEN: if (feedback == 0) feedback = e->ts; break;
        case WG_EV_INCIDENT_CLOSED: closed = e->ts; break;
        default: break;
        }

      row[0] = local_time (e->ts, tz, i == 0);
      row[1] = g_strdup (wg_event_type_label (e->type));
      row[2] = e->role != NULL ? g_strdup_printf ("%s (%s)", who, e->role) : g_strdup (who);
      row[3] = event_detail (e, reference);
      g_ptr_array_add (timeline, row);

      did = g_hash_table_lookup (by_actor, who);
      if (did == NULL)
        {
          did = g_ptr_array_new ();
          g_hash_table_insert (by_actor, g_strdup (who), did);
          g_ptr_array_add (actor_order, (gpointer) who);
        }
      if (!g_ptr_array_find (did, wg_event_type_label (e->type), NULL))
        g_ptr_array_add (did, (gpointer) wg_event_type_label (e->type));
    }

  title = g_strdup_printf (_("After-action review of %s"), wg_event_get_body_string (reported, "case_number"));
  footer = g_strdup (wg_event_get_body_string (reported, "case_number"));
  pdf = wg_pdf_new (path, footer, error);
  if (pdf == NULL)
    return FALSE;
  wg_pdf_title (pdf, title);
  if (wg_event_get_body_string (reported, "summary") != NULL)
    wg_pdf_paragraph (pdf, wg_event_get_body_string (reported, "summary"));

  {
    WgGrade grade = WG_GRADE_GENERAL;
    static const double widths[] = { 0.3, 0.7 };
    const char *header[] = { _("Item"), _("Value") };
    char **row;

    wg_grade_from_string (wg_event_get_body_string (reported, "grade"), &grade);
#define FACT(label, value) G_STMT_START { row = g_new0 (char *, 3); row[0] = g_strdup (label); \
                                          row[1] = (value); g_ptr_array_add (facts, row); } G_STMT_END
    FACT (_("Category"), g_strdup (category != NULL ? category->name_zh : wg_event_get_body_string (reported, "category")));
    FACT (_("Grade"), g_strdup (wg_grade_label (grade)));
    FACT (_("Grid"), g_strdup (map.grid != NULL ? map.grid->name_zh : _("Outside the street")));
    if (map.located)
      FACT (_("Location"), g_strdup_printf ("%.5f, %.5f", map.lat, map.lon));
    if (wg_event_get_body_string (reported, "source") != NULL)
      FACT (_("Source"), g_strdup (wg_source_label (wg_event_get_body_string (reported, "source"))));
    FACT (_("Reported"), local_time (reported->ts, tz, TRUE));
    FACT (_("Closed"), closed > 0 ? local_time (closed, tz, TRUE) : g_strdup (_("not yet")));
#undef FACT
    wg_pdf_table (pdf, 2, widths, header, facts, G_MAXUINT);
  }

  if (map.grid != NULL || map.located)
    {
      wg_pdf_heading (pdf, _("Where"));
      wg_pdf_drawing (pdf, 260, draw_map, &map);
    }

  wg_pdf_heading (pdf, _("Times against targets"));
  add_target_row (targets, _("Alarm acknowledged"), alarm, acknowledged,
                  category != NULL ? (gint64) category->ack_seconds * 1000 : 0);
  add_target_row (targets, _("First dispatch (centre target 60 s)"), reported->ts, dispatched,
                  category != NULL && category->dispatch_seconds > 0 ? (gint64) category->dispatch_seconds * 1000 : 60000);
  add_target_row (targets, _("First force on scene"), dispatched, on_scene,
                  category != NULL ? (gint64) category->on_scene_seconds * 1000 : 0);
  add_target_row (targets, _("Accepted by the department"), routed, accepted,
                  category != NULL ? (gint64) category->accept_hours * 3600 * 1000 : 0);
  add_target_row (targets, _("Feedback from the department"), accepted, feedback,
                  category != NULL ? (gint64) category->feedback_hours * 3600 * 1000 : 0);
  add_target_row (targets, _("Closed"), reported->ts, closed, 0);
  if (targets->len > 0)
    {
      static const double widths[] = { 0.4, 0.2, 0.2, 0.2 };
      const char *header[] = { _("Step"), _("Took"), _("Target"), _("Result") };

      wg_pdf_table (pdf, 4, widths, header, targets, 1);
    }
  else
    wg_pdf_paragraph (pdf, _("No step with a target was done yet."));

  wg_pdf_heading (pdf, _("Who did what"));
  for (guint i = 0; i < actor_order->len; i++)
    {
      const char *who = actor_order->pdata[i];
      GPtrArray *did = g_hash_table_lookup (by_actor, who);
      char **row = g_new0 (char *, 3);
      g_autoptr(GString) list = g_string_new (NULL);

      for (guint k = 0; k < did->len; k++)
        g_string_append_printf (list, "%s%s", k > 0 ? "、" : "", (const char *) did->pdata[k]);
      row[0] = g_strdup (who);
      row[1] = g_strdup (list->str);
      g_ptr_array_add (people, row);
    }
  {
    static const double widths[] = { 0.3, 0.7 };
    const char *header[] = { _("Who"), _("What") };

    wg_pdf_table (pdf, 2, widths, header, people, G_MAXUINT);
  }

  if (bookmarks != NULL)
    {
      wg_pdf_heading (pdf, _("Replay bookmarks"));
      for (guint i = 0; i < json_array_get_length (bookmarks); i++)
        {
          JsonObject *mark = json_array_get_object_element (bookmarks, i);
          char **row = g_new0 (char *, 4);

          row[0] = local_time (json_object_get_int_member_with_default (mark, "moment", 0), tz, TRUE);
          row[1] = g_strdup (json_object_get_string_member_with_default (mark, "author", ""));
          row[2] = g_strdup (json_object_get_string_member_with_default (mark, "remark", ""));
          g_ptr_array_add (marks, row);
        }
      if (marks->len > 0)
        {
          static const double widths[] = { 0.22, 0.18, 0.6 };
          const char *header[] = { _("Moment"), _("Author"), _("Remark") };

          wg_pdf_table (pdf, 3, widths, header, marks, G_MAXUINT);
        }
      else
        wg_pdf_paragraph (pdf, _("No replay bookmark was set on this incident."));
    }

  wg_pdf_heading (pdf, _("Timeline"));
  {
    static const double widths[] = { 0.2, 0.2, 0.22, 0.38 };
    const char *header[] = { _("Time"), _("Event"), _("Who"), _("Details") };

    wg_pdf_table (pdf, 4, widths, header, timeline, G_MAXUINT);
  }

  return wg_pdf_finish (pdf, error);
}
