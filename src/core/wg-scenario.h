/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drill scenarios (the JSON files of data/scenarios, docs/drills.md): a script of
 * field events for an exercise, each fired by a trigger: a time after the
 * start, a delay after a trainee's first action of a kind (two minutes
 * after the first dispatch), a delay after another scripted event, or a
 * condition (no acknowledgement within 60 s of the report).  The decisions
 * the exercise scores are listed with their targets.
 *
 * The runner (the server's exercise, `wangge-sim --exercise`) asks
 * wg_scenario_due() what fires now, given the exercise's elapsed time
 * (paused time does not count) and what has happened so far.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "wg-reference.h"

G_BEGIN_DECLS

typedef enum {
  WG_TRIGGER_AT,            /* at @delay_ms after the start */
  WG_TRIGGER_AFTER_ACTION,  /* @delay_ms after the trainees' first @action */
  WG_TRIGGER_AFTER_STEP,    /* @delay_ms after step @step fired */
  WG_TRIGGER_UNLESS,        /* @delay_ms after step @step fired, unless @action came before */
} WgTriggerKind;

typedef struct
{
  char          *id;
  WgTriggerKind  kind;
  gint64         delay_ms;
  char          *action;      /* a command type the trainees send, for AFTER_ACTION and UNLESS */
  char          *step;        /* the step it follows, for AFTER_STEP and UNLESS */
  char          *command;     /* what the field side sends: incident.report, incident.note, ... */
  char          *as;          /* who sends it: "grid_worker" (the grid's own), "hotline", a unit's id */
  JsonObject    *body;        /* the command's body; the incident is filled in by the runner */
  char          *say_zh;      /* what the trainer reads, for the review */
} WgScenarioStep;

typedef struct
{
  char   *id;
  char   *action;             /* the trainees' command it scores */
  guint   target_seconds;     /* from the first step (the report) */
  char   *label_zh;
} WgScenarioDecision;

typedef struct
{
  char       *id;
  char       *title_zh;
  char       *title_en;
  char       *summary_zh;
  char       *category;
  double      lat;
  double      lon;
  guint       duration_minutes;
  GPtrArray  *steps;          /* WgScenarioStep*, in file order */
  GPtrArray  *decisions;      /* WgScenarioDecision* */
} WgScenario;

/* What has happened in the exercise so far, in elapsed ms since its start:
 * the trainees' first action of each command type, and each step fired. */
typedef struct _WgScenarioLog WgScenarioLog;

WgScenario *wg_scenario_load          (const char   *path,
                                       GError      **error);
WgScenario *wg_scenario_parse         (JsonNode     *root,
                                       GError      **error);
void        wg_scenario_free          (WgScenario   *self);
/* The category exists and the place lies in one of the street's grids. */
gboolean    wg_scenario_check_reference (WgScenario  *self,
                                         WgReference *reference,
                                         GError     **error);
WgScenarioStep *wg_scenario_lookup_step (WgScenario *self,
                                         const char *id);

WgScenarioLog *wg_scenario_log_new      (void);
void           wg_scenario_log_free     (WgScenarioLog *log);
/* Records a trainee's action at @elapsed_ms (only the first of a type counts). */
void           wg_scenario_log_action   (WgScenarioLog *log,
                                         const char    *command_type,
                                         gint64         elapsed_ms);
void           wg_scenario_log_fired    (WgScenarioLog *log,
                                         const char    *step,
                                         gint64         elapsed_ms);
/* -1 when it has not happened. */
gint64         wg_scenario_log_get_action (WgScenarioLog *log,
                                           const char    *command_type);
gint64         wg_scenario_log_get_fired  (WgScenarioLog *log,
                                           const char    *step);

/* The steps not yet fired whose trigger is due at @elapsed_ms, in the
 * order they fall due (then file order): a restart that finds several due
 * fires them in that order.  UNLESS steps whose action came in time never
 * fire (they are not returned, ever).  Caller frees the array, not the steps. */
GPtrArray     *wg_scenario_due          (WgScenario    *self,
                                         WgScenarioLog *log,
                                         gint64         elapsed_ms);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgScenario, wg_scenario_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgScenarioLog, wg_scenario_log_free)

G_END_DECLS
