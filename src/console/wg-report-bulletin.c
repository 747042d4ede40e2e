/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bulletin of a period: the centre's figures and the department league
 * (考核), from the answer of GET /api/v1/statistics.
 */
#define G_LOG_DOMAIN "wg-report"

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "wg-report-pdf.h"
#include "wg-report.h"

static gint64
int_of (JsonObject *o,
        const char *member)
{
  return json_object_get_int_member_with_default (o, member, 0);
}

/* A rate as "97.50%", or "—" when there was nothing to count (null). */
static char *
percent (JsonObject *o,
         const char *member)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("—");
  return g_strdup_printf ("%.2f%%", json_node_get_double (node) * 100);
}

static char *
seconds (gint64 ms)
{
  return g_strdup_printf (_("%.0f s"), ms / 1000.0);
}

static const char *
department_name (WgReference *reference,
                 const char  *code)
{
  WgDepartment *d = reference != NULL ? wg_reference_lookup_department (reference, code) : NULL;

  return d != NULL ? d->name_zh : code;
}

/* ---- CSV ----------------------------------------------------------------- */

static void
csv_field (GString    *out,
           const char *text)
{
  if (text != NULL && strpbrk (text, ",\"\r\n") != NULL)
    {
      g_autoptr(GString) quoted = g_string_new (text);

      g_string_replace (quoted, "\"", "\"\"", 0);
      g_string_append_printf (out, "\"%s\"", quoted->str);
    }
  else if (text != NULL)
    g_string_append (out, text);
}

static void
csv_row (GString            *out,
         const char * const *cells,
         guint               n)
{
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      csv_field (out, cells[i]);
    }
  g_string_append (out, "\r\n");
}

/* A rate in percent with two decimals, empty when there was nothing to count. */
static char *
csv_percent (JsonObject *o,
             const char *member)
{
  JsonNode *node = json_object_get_member (o, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  return g_strdup_printf ("%.2f", json_node_get_double (node) * 100);
}

static char *
csv_ratio (gint64 numerator,
           gint64 denominator)
{
  return denominator > 0 ? g_strdup_printf ("%.2f", 100.0 * numerator / denominator) : g_strdup ("");
}

static guint
counted_index (const char *const *names,
               guint              n,
               const char        *name)
{
  for (guint i = 0; i < n; i++)
    if (g_str_equal (names[i], name))
      return i;
  g_assert_not_reached ();
}

gboolean
wg_report_bulletin_csv (JsonObject  *statistics,
                        WgReference *reference,
                        const char  *path,
                        GError     **error)
{
  static const char *const header[] = {
    "department", "name", "incidents", "accepted", "accepted_on_time", "handlings", "feedback",
    "feedback_on_time", "extended_cases", "rejections", "call_backs", "satisfied",
    "reworked_cases", "supervised", "overdue", "on_time_acceptance_pct", "on_time_closure_pct",
    "rework_rate_pct", "extension_rate_pct", "rejection_rate_pct", "satisfaction_rate_pct",
    "score", "grade", "rank", "previous_rank",
  };
  static const char *const counted[] = {
    "accepted", "accepted_on_time", "handlings", "feedback", "feedback_on_time", "extended_cases", "rejections",
    "call_backs", "satisfied", "reworked_cases", "supervised", "overdue",
  };
  g_autoptr(GString) out = g_string_new ("\xEF\xBB\xBF");   /* the BOM: Excel reads UTF-8 */
  JsonArray *departments = json_object_get_array_member (statistics, "departments");
  gint64 totals[G_N_ELEMENTS (counted)] = { 0 };
  gint64 routed_total = 0, cases_with_call_back = 0;

  csv_row (out, header, G_N_ELEMENTS (header));
  for (guint i = 0; departments != NULL && i < json_array_get_length (departments); i++)
    {
      JsonObject *d = json_array_get_object_element (departments, i);
      const char *code = json_object_get_string_member (d, "department");
      char *cells[G_N_ELEMENTS (header)] = { NULL };
      guint c = 0;

      cells[c++] = g_strdup (code);
      cells[c++] = g_strdup (department_name (reference, code));
      cells[c++] = g_strdup_printf ("%" G_GINT64_FORMAT, int_of (d, "routed"));
      routed_total += int_of (d, "routed");
      cases_with_call_back += int_of (d, "cases_with_call_back");
      for (guint k = 0; k < G_N_ELEMENTS (counted); k++)
        {
          cells[c++] = g_strdup_printf ("%" G_GINT64_FORMAT, int_of (d, counted[k]));
          totals[k] += int_of (d, counted[k]);
        }
      cells[c++] = csv_percent (d, "on_time_acceptance");
      cells[c++] = csv_percent (d, "on_time_closure");
      cells[c++] = csv_percent (d, "rework_rate");
      cells[c++] = csv_percent (d, "extension_rate");
      cells[c++] = csv_percent (d, "rejection_rate");
      cells[c++] = csv_percent (d, "satisfaction_rate");
      cells[c++] = g_strdup_printf ("%.2f", json_object_get_double_member (d, "score"));
      cells[c++] = g_strdup (json_object_get_string_member (d, "grade"));
      cells[c++] = g_strdup_printf ("%" G_GINT64_FORMAT, int_of (d, "rank"));
      cells[c++] = json_object_get_null_member (d, "previous_rank")
                   ? g_strdup ("") : g_strdup_printf ("%" G_GINT64_FORMAT, int_of (d, "previous_rank"));
      g_assert (c == G_N_ELEMENTS (header));
      csv_row (out, (const char * const *) cells, c);
      for (guint k = 0; k < c; k++)
        g_free (cells[k]);
    }

  /* The centre as a whole: every case received, and the rates over all
   * departments' steps. */
  {
    char *cells[G_N_ELEMENTS (header)] = { NULL };
    WgGrid *root = reference != NULL ? wg_reference_get_root (reference) : NULL;
    guint c = 0;

    cells[c++] = g_strdup ("total");
    cells[c++] = g_strdup (root != NULL ? root->name_zh : "");
    cells[c++] = g_strdup_printf ("%" G_GINT64_FORMAT, int_of (statistics, "received"));
    for (guint k = 0; k < G_N_ELEMENTS (counted); k++)
      cells[c++] = g_strdup_printf ("%" G_GINT64_FORMAT, totals[k]);
#define TOTAL(name) totals[counted_index (counted, G_N_ELEMENTS (counted), name)]
    cells[c++] = csv_ratio (TOTAL ("accepted_on_time"), routed_total);
    cells[c++] = csv_ratio (TOTAL ("feedback_on_time"), TOTAL ("handlings"));
    cells[c++] = csv_ratio (TOTAL ("reworked_cases"), cases_with_call_back);
    cells[c++] = csv_ratio (TOTAL ("extended_cases"), routed_total);
    cells[c++] = csv_ratio (TOTAL ("rejections"), routed_total);
    cells[c++] = csv_ratio (TOTAL ("satisfied"), TOTAL ("call_backs"));
#undef TOTAL
    while (c < G_N_ELEMENTS (header))
      cells[c++] = g_strdup ("");
    csv_row (out, (const char * const *) cells, c);
    for (guint k = 0; k < c; k++)
      g_free (cells[k]);
  }

  return g_file_set_contents (path, out->str, (gssize) out->len, error);
}

/* ---- PDF ----------------------------------------------------------------- */

static char *
local_date (gint64     ms,
            GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);

  return g_date_time_format (local, "%Y-%m-%d");
}

static void
add_figure (GPtrArray  *rows,
            const char *label,
            char       *value)
{
  char **row = g_new0 (char *, 3);

  row[0] = g_strdup (label);
  row[1] = value;
  g_ptr_array_add (rows, row);
}

gboolean
wg_report_bulletin_pdf (JsonObject  *statistics,
                        WgReference *reference,
                        const char  *period,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (reference != NULL
                                                        ? wg_reference_get_time_zone_id (reference)
                                                        : "Asia/Shanghai");
  WgGrid *root = reference != NULL ? wg_reference_get_root (reference) : NULL;
  const char *street = root != NULL ? root->name_zh : "";
  g_autoptr(GDateTime) now = g_date_time_new_now (tz);
  g_autofree char *generated = g_date_time_format (now, "%Y-%m-%d %H:%M");
  g_autofree char *footer = g_strdup_printf (_("%s grid centre · generated %s"), street, generated);
  g_autofree char *from = local_date (int_of (statistics, "from"), tz);
  g_autofree char *to = local_date (int_of (statistics, "to") - 1, tz);
  g_autofree char *title = g_strdup_printf (_("Bulletin of the grid centre, %s"), period);
  g_autofree char *intro = NULL;
  g_autoptr(GPtrArray) figures = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) league = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) hotspots = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  JsonObject *by_grade = json_object_get_object_member (statistics, "by_grade");
  JsonObject *durations = json_object_get_object_member (statistics, "durations");
  JsonObject *dispatch = durations != NULL ? json_object_get_object_member (durations, "dispatch") : NULL;
  JsonArray *departments = json_object_get_array_member (statistics, "departments");
  JsonArray *spots = json_object_get_array_member (statistics, "hotspots");
  WgPdf *pdf = wg_pdf_new (path, footer, error);

  if (pdf == NULL)
    return FALSE;

  wg_pdf_title (pdf, title);
  intro = g_strdup_printf (_("%s, from %s to %s. Cases count in the period in which they were received; "
                             "rates and grades as the centre's assessment rules define them."),
                           street, from, to);
  wg_pdf_paragraph (pdf, intro);

  wg_pdf_heading (pdf, _("Figures of the centre"));
  add_figure (figures, _("Incidents received"), g_strdup_printf ("%" G_GINT64_FORMAT, int_of (statistics, "received")));
  add_figure (figures, _("General, professional, emergency"),
              g_strdup_printf ("%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT " / %" G_GINT64_FORMAT,
                               int_of (by_grade, "general"), int_of (by_grade, "professional"),
                               int_of (by_grade, "emergency")));
  add_figure (figures, _("Closed"), g_strdup_printf ("%" G_GINT64_FORMAT, int_of (statistics, "closed")));
  add_figure (figures, _("Closure rate"), percent (statistics, "closure_rate"));
  add_figure (figures, _("Handled on the spot"), g_strdup_printf ("%" G_GINT64_FORMAT, int_of (statistics, "handled_on_spot")));
  add_figure (figures, _("Overdue steps"), g_strdup_printf ("%" G_GINT64_FORMAT, int_of (statistics, "overdue")));
  if (dispatch != NULL && int_of (dispatch, "n") > 0)
    {
      g_autofree char *p50 = seconds (int_of (dispatch, "p50"));
      g_autofree char *p90 = seconds (int_of (dispatch, "p90"));

      add_figure (figures, _("Dispatch time p50 / p90 (target 60 s)"), g_strdup_printf ("%s / %s", p50, p90));
      add_figure (figures, _("Emergencies dispatched within 60 s"),
                  g_strdup_printf ("%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT,
                                   int_of (dispatch, "within_target"), int_of (dispatch, "n")));
    }
  add_figure (figures, _("Call-backs, of them satisfied"),
              g_strdup_printf ("%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT,
                               int_of (statistics, "call_backs"), int_of (statistics, "satisfied")));
  add_figure (figures, _("Mediations, of them successful"),
              g_strdup_printf ("%" G_GINT64_FORMAT " / %" G_GINT64_FORMAT,
                               int_of (statistics, "mediations"), int_of (statistics, "mediated")));
  add_figure (figures, _("Hotspots"), g_strdup_printf ("%u", spots != NULL ? json_array_get_length (spots) : 0));
  {
    static const double widths[] = { 0.6, 0.4 };
    const char *header[] = { _("Figure"), _("Value") };

    wg_pdf_table (pdf, 2, widths, header, figures, 1);
  }

  wg_pdf_heading (pdf, _("Department assessment"));
  for (guint i = 0; departments != NULL && i < json_array_get_length (departments); i++)
    {
      JsonObject *d = json_array_get_object_element (departments, i);
      char **row = g_new0 (char *, 12);
      gint64 rank = int_of (d, "rank"), before = int_of (d, "previous_rank");

      row[0] = g_strdup_printf ("%" G_GINT64_FORMAT, rank);
      row[1] = g_strdup (department_name (reference, json_object_get_string_member (d, "department")));
      row[2] = g_strdup_printf ("%" G_GINT64_FORMAT, int_of (d, "routed"));
      row[3] = percent (d, "on_time_acceptance");
      row[4] = percent (d, "on_time_closure");
      row[5] = percent (d, "rework_rate");
      row[6] = percent (d, "extension_rate");
      row[7] = percent (d, "rejection_rate");
      row[8] = percent (d, "satisfaction_rate");
      row[9] = g_strdup_printf ("%.2f", json_object_get_double_member (d, "score"));
      row[10] = g_strdup_printf ("%s %s", json_object_get_string_member (d, "grade"),
                                 before == 0 ? "" : before > rank ? "↑" : before < rank ? "↓" : "=");
      g_ptr_array_add (league, row);
    }
  {
    static const double widths[] = { 0.06, 0.16, 0.08, 0.11, 0.10, 0.08, 0.09, 0.09, 0.09, 0.07, 0.07 };
    const char *header[] = {
      _("Rank"), _("Department"), _("Routed"), _("On-time acceptance"), _("On-time closure"),
      _("Rework"), C_("rate", "Extension"), C_("rate", "Rejection"), _("Satisfied"), _("Score"), _("Grade"),
    };

    if (league->len > 0)
      wg_pdf_table (pdf, G_N_ELEMENTS (header), widths, header, league, 2);
    else
      wg_pdf_paragraph (pdf, _("No case was routed to a department in this period."));
    wg_pdf_paragraph (pdf, _("Score = 30 × on-time acceptance + 40 × on-time closure + 20 × satisfied "
                             "+ 10 × (1 − rework), in percent; A from 90, B from 80, C from 70, else D. "
                             "↑ and ↓ compare the rank with the period before."));
  }

  wg_pdf_heading (pdf, _("Hotspots"));
  for (guint i = 0; spots != NULL && i < json_array_get_length (spots) && i < 15; i++)
    {
      JsonObject *h = json_array_get_object_element (spots, i);
      const char *grid_code = json_object_get_string_member (h, "grid");
      const char *category_code = json_object_get_string_member (h, "category");
      WgGrid *grid = reference != NULL ? wg_reference_lookup_grid (reference, grid_code) : NULL;
      WgCategory *category = reference != NULL ? wg_reference_lookup_category (reference, category_code) : NULL;
      g_autofree char *first = local_date (int_of (h, "first"), tz);
      g_autofree char *last = local_date (int_of (h, "last"), tz);
      char **row = g_new0 (char *, 5);

      row[0] = g_strdup (grid != NULL ? grid->name_zh : grid_code);
      row[1] = g_strdup (category != NULL ? category->name_zh : category_code);
      row[2] = g_strdup_printf ("%" G_GINT64_FORMAT, int_of (h, "count"));
      row[3] = g_strdup_printf ("%s – %s", first, last);
      g_ptr_array_add (hotspots, row);
    }
  if (hotspots->len > 0)
    {
      static const double widths[] = { 0.3, 0.3, 0.1, 0.3 };
      const char *header[] = { _("Grid"), _("Category"), _("Cases"), _("Within") };

      wg_pdf_table (pdf, 4, widths, header, hotspots, 2);
    }
  else
    wg_pdf_paragraph (pdf, _("No grid had three cases of one category within 30 days."));

  return wg_pdf_finish (pdf, error);
}
