/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reports for the centre (`wangge report`, no display needed): the
 * bulletin (通报) of a period from GET /api/v1/statistics, as a PDF (A4,
 * fonts embedded) or a CSV (UTF-8 with a BOM and CRLF, so that Excel and
 * WPS open the Chinese), and the after-action review (复盘) of one
 * incident or of an exercise as a PDF.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "wg-drill-score.h"
#include "wg-reference.h"

G_BEGIN_DECLS

gboolean wg_report_bulletin_csv (JsonObject  *statistics,
                                 WgReference *reference,
                                 const char  *path,
                                 GError     **error);
gboolean wg_report_bulletin_pdf (JsonObject  *statistics,
                                 WgReference *reference,
                                 const char  *period,
                                 const char  *path,
                                 GError     **error);
/* @events: the incident's WgEvent*, in seq order; @bookmarks: its replay
 * bookmarks (objects as GET /api/v1/bookmarks lists them), or NULL when
 * the account may not read them. */
gboolean wg_report_incident_pdf (GPtrArray   *events,
                                 JsonArray   *bookmarks,
                                 WgReference *reference,
                                 const char  *path,
                                 GError     **error);
/* @record: the exercise as GET /api/v1/exercises/{id} gives it; @score:
 * its score (the trainer's grid, or computed from its journal). */
gboolean wg_report_exercise_pdf (JsonObject   *record,
                                 WgDrillScore *score,
                                 WgReference  *reference,
                                 const char   *path,
                                 GError      **error);

/* `wangge report ...`: argv[0] is "report".  Returns the exit status. */
int      wg_report_main         (int          argc,
                                 char       **argv);

G_END_DECLS
