/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The after-action review (复盘) of an exercise: what was drilled, the
 * trainer's trainee-by-decision grid as tables (each trainee's score, each
 * decision with its times, forces and points, the exercise's total), and
 * beside each dispatch what the recommender proposed and, for an exercise
 * started from a past incident, what the real centre did
 * (docs/drills.md, "Scoring").
 */
#define G_LOG_DOMAIN "wg-report"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-console-util.h"
#include "wg-report-pdf.h"
#include "wg-report.h"

static char *
local_time (gint64     ms,
            GTimeZone *tz)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, tz);

  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

static const char *
kind_label (WgDrillDecisionKind kind)
{
  return kind == WG_DRILL_DECISION_ACKNOWLEDGE ? C_("command", "Acknowledge") : _("Dispatch");
}

static const char *
state_label (WgDrillDecisionState state)
{
  switch (state)
    {
    case WG_DRILL_TAKEN:
      return C_("decision", "taken");
    case WG_DRILL_PENDING:
      return C_("decision", "pending");
    case WG_DRILL_MISSED:
      return C_("decision", "missed");
    case WG_DRILL_VOID:
    default:
      return _("not scored");
    }
}

static char *
role_label (const char *role)
{
  WgRole value;

  return g_strdup (role != NULL && wg_role_from_string (role, &value) ? wg_role_label (value) : "—");
}

/* Units by their Chinese names, as the centre calls them. */
static char *
units_text (GPtrArray   *units,
            const char * const *strv,
            WgReference *reference)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = units != NULL ? units->len : strv != NULL ? g_strv_length ((char **) strv) : 0;

  for (guint i = 0; i < n; i++)
    {
      const char *id = units != NULL ? units->pdata[i] : strv[i];
      WgForce *force = wg_reference_lookup_force (reference, id);

      g_string_append_printf (out, "%s%s", i > 0 ? "、" : "", force != NULL ? force->name_zh : id);
    }
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : g_strdup ("—");
}

static char *
decision_case (WgDrillDecision *d)
{
  return g_strdup (d->case_number != NULL ? d->case_number : d->incident);
}

static void
add_facts (WgPdf        *pdf,
           JsonObject   *record,
           WgDrillScore *score,
           GTimeZone    *tz)
{
  static const double widths[] = { 0.3, 0.7 };
  const char *header[] = { _("Item"), _("Value") };
  g_autoptr(GPtrArray) facts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  const char *scenario = json_object_get_string_member_with_default (record, "scenario", NULL);
  const char *source = json_object_get_string_member_with_default (record, "source_incident", NULL);
  const char *state = json_object_get_string_member_with_default (record, "state", "");
  gint64 ended_at = json_object_has_member (record, "ended_at") && !json_object_get_null_member (record, "ended_at")
                    ? json_object_get_int_member (record, "ended_at") : 0;
  char **row;

#define FACT(label, value) G_STMT_START { row = g_new0 (char *, 3); row[0] = g_strdup (label); \
                                          row[1] = (value); g_ptr_array_add (facts, row); } G_STMT_END
  FACT (_("Exercise"), g_strdup (json_object_get_string_member_with_default (record, "id", "")));
  if (scenario != NULL)
    FACT (_("Scenario"), g_strdup (scenario));
  if (source != NULL)
    {
      gint64 at = json_object_has_member (record, "source_at") && !json_object_get_null_member (record, "source_at")
                  ? json_object_get_int_member (record, "source_at") : 0;
      g_autofree char *moment = local_time (at, tz);

      /* TRANSLATORS: an exercise started from a past incident: its id, the moment chosen */
      FACT (_("From a past incident"), g_strdup_printf (_("%s as it stood at %s"), source, moment));
    }
  FACT (_("Started by"), g_strdup (json_object_get_string_member_with_default (record, "started_by", "")));
  FACT (_("Started"), local_time (json_object_get_int_member_with_default (record, "started_at", 0), tz));
  FACT (_("Ended"), g_str_equal (state, "ended") && ended_at > 0 ? local_time (ended_at, tz) : g_strdup (_("not yet")));
  FACT (_("Time paused"), wg_format_duration (json_object_get_int_member_with_default (record, "paused_ms", 0)));
  FACT (_("Trainees"), g_strdup_printf ("%u", score->trainees->len));
  FACT (_("Exercise score"), g_strdup_printf (_("%.0f of 100"), score->points));
#undef FACT
  wg_pdf_table (pdf, 2, widths, header, facts, G_MAXUINT);
}

static void
add_trainees (WgPdf        *pdf,
              WgDrillScore *score)
{
  static const double widths[] = { 0.3, 0.22, 0.16, 0.16, 0.16 };
  const char *header[] = { _("Trainee"), _("Role"), _("Taken"), _("Missed"), _("Score") };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  wg_pdf_heading (pdf, _("Trainees"));
  for (guint i = 0; i < score->trainees->len; i++)
    {
      WgDrillTrainee *t = score->trainees->pdata[i];
      char **row = g_new0 (char *, 6);

      row[0] = g_strdup (t->username);
      row[1] = role_label (t->role);
      row[2] = g_strdup_printf ("%u", t->taken);
      row[3] = g_strdup_printf ("%u", t->missed);
      row[4] = t->acted || t->missed > 0 ? g_strdup_printf ("%.0f", t->points) : g_strdup (_("never acted"));
      g_ptr_array_add (rows, row);
    }
  if (rows->len > 0)
    wg_pdf_table (pdf, 5, widths, header, rows, 2);
  else
    wg_pdf_paragraph (pdf, _("Nobody joined or acted in this exercise."));
}

static void
add_decisions (WgPdf        *pdf,
               JsonObject   *record,
               WgDrillScore *score,
               WgReference  *reference)
{
  static const double widths[] = { 0.2, 0.12, 0.08, 0.11, 0.07, 0.11, 0.23, 0.08 };
  const char *header[] = { _("Case number"), _("Decision"), _("State"), _("By"), _("Raised"), _("Took / target"),
                           _("Forces sent"), _("Points") };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  gint64 start_clock = json_object_get_int_member_with_default (record, "start_clock", 0);

  wg_pdf_heading (pdf, _("Decisions"));
  for (guint i = 0; i < score->decisions->len; i++)
    {
      WgDrillDecision *d = score->decisions->pdata[i];
      char **row = g_new0 (char *, 9);
      g_autofree char *took = wg_format_duration (d->elapsed_ms);
      g_autofree char *target = wg_format_duration (d->target_ms);
      /* On the exercise's clock, from its start: paused time left out. */
      g_autofree char *raised = wg_format_duration (MAX (d->start_ts - start_clock, 0));

      row[0] = decision_case (d);
      row[1] = g_strdup (kind_label (d->kind));
      row[2] = g_strdup (state_label (d->state));
      row[3] = g_strdup (d->actor != NULL ? d->actor : "—");
      row[4] = g_strdup_printf ("+%s", raised);
      row[5] = g_strdup_printf ("%s / %s", took, target);
      if (d->kind == WG_DRILL_DECISION_DISPATCH && d->state == WG_DRILL_TAKEN)
        {
          g_autofree char *units = units_text (d->units, NULL, reference);

          /* TRANSLATORS: the forces sent, then how they compare with the response plan */
          row[6] = g_strdup_printf (_("%s (%u of %u planned missing, %u extra; forces %.0f)"),
                                    units, d->missing, d->planned, d->extra, d->force_points);
        }
      else
        row[6] = g_strdup ("—");
      row[7] = d->state == WG_DRILL_TAKEN || d->state == WG_DRILL_MISSED
               ? g_strdup_printf ("%.0f", d->points) : g_strdup ("—");
      g_ptr_array_add (rows, row);
    }
  if (rows->len > 0)
    wg_pdf_table (pdf, 8, widths, header, rows, 7);
  else
    wg_pdf_paragraph (pdf, _("No alarm was raised in this exercise: there was no decision to score."));
}

static void
add_comparison (WgPdf        *pdf,
                WgDrillScore *score,
                WgReference  *reference)
{
  static const double widths[] = { 0.2, 0.12, 0.3, 0.1, 0.28 };
  const char *header[] = { _("Case number"), _("Decision"), _("Recommender proposed"), _("Followed"),
                           _("The real centre") };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);

  for (guint i = 0; i < score->decisions->len; i++)
    {
      WgDrillDecision *d = score->decisions->pdata[i];
      /* The recommender proposes forces: it has nothing to say on an
       * acknowledgement. */
      GStrv proposal = d->kind == WG_DRILL_DECISION_DISPATCH ? d->proposal : NULL;
      char **row;

      if (proposal == NULL && d->real_elapsed_ms < 0)
        continue;
      row = g_new0 (char *, 6);
      row[0] = decision_case (d);
      row[1] = g_strdup (kind_label (d->kind));
      row[2] = proposal != NULL ? units_text (NULL, (const char * const *) proposal, reference) : g_strdup ("—");
      row[3] = proposal != NULL && d->state == WG_DRILL_TAKEN
               ? g_strdup_printf ("%u / %u", d->proposal_followed, g_strv_length (proposal)) : g_strdup ("—");
      if (d->real_elapsed_ms >= 0)
        {
          g_autofree char *took = wg_format_duration (d->real_elapsed_ms);
          g_autofree char *units = units_text (d->real_units, NULL, reference);

          /* TRANSLATORS: what the real centre did: the time it took, the forces it sent */
          row[4] = d->kind == WG_DRILL_DECISION_DISPATCH ? g_strdup_printf (_("%s, sent %s"), took, units)
                                                         : g_strdup (took);
        }
      else
        row[4] = g_strdup ("—");
      g_ptr_array_add (rows, row);
    }
  if (rows->len == 0)
    return;
  wg_pdf_heading (pdf, _("Compared with the recommender and the real centre"));
  wg_pdf_paragraph (pdf, _("Shown beside the decisions, not scored."));
  wg_pdf_table (pdf, 5, widths, header, rows, G_MAXUINT);
}

gboolean
wg_report_exercise_pdf (JsonObject   *record,
                        WgDrillScore *score,
                        WgReference  *reference,
                        const char   *path,
                        GError      **error)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (wg_reference_get_time_zone_id (reference));
  const char *id = json_object_get_string_member_with_default (record, "id", "");
  const char *title = json_object_get_string_member_with_default (record, "title", id);
  g_autofree char *heading = NULL, *summary = NULL;
  WgPdf *pdf;

  g_return_val_if_fail (record != NULL && score != NULL, FALSE);

  pdf = wg_pdf_new (path, id, error);
  if (pdf == NULL)
    return FALSE;
  /* TRANSLATORS: the exercise's title */
  heading = g_strdup_printf (_("After-action review of the exercise “%s”"), title);
  wg_pdf_title (pdf, heading);
  summary = g_strdup_printf (_("Exercise score %.0f of 100 over %u decisions"), score->points,
                             score->decisions->len);
  wg_pdf_paragraph (pdf, summary);
  add_facts (pdf, record, score, tz);
  add_trainees (pdf, score);
  add_decisions (pdf, record, score, reference);
  add_comparison (pdf, score, reference);
  return wg_pdf_finish (pdf, error);
}
