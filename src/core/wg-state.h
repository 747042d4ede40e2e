/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The projected state as decide() sees it, and the small interface through
 * which it reads it (WgStateReader).  src/store implements the reader over
 * SQLite; tests may implement it over anything.  Records own their
 * strings; clear them with wg_*_record_clear().
 */
#pragma once

#include <json-glib/json-glib.h>

#include "wg-vocab.h"

G_BEGIN_DECLS

typedef struct {
  char              *id;
  char              *case_number;
  WgGrade            grade;
  WgIncidentState    state;
  char              *category;
  char              *summary;
  char              *grid;          /* NULL when unknown */
  char              *department;    /* last department routed to, or NULL */
  double             lat;
  double             lon;
  char              *reporter;      /* username */
  gint64             reported_at;
  gint64             updated_at;
  /* Current step and its deadline; step = -1 / deadline 0 when none. */
  int                step;
  gint64             deadline;
  gboolean           overdue;       /* incident.overdue emitted for this step */
  WgAlarmState       alarm;
  gint64             alarm_changed_at;
  guint              alarm_escalations;
  WgIncidentState    suspended_from;   /* meaningful while suspended */
  gint64             suspended_at;
  int                escalation_level; /* -1 none, else WgEscalationLevel */
  /* The full work-order cycle. */
  char              *source;           /* slug (normalised), or NULL */
  char             **co_departments;   /* 协办, NULL-terminated, or NULL */
  gint64             handle_deadline;  /* set on routing for the handle step, or 0 */
  char              *mediation;        /* NULL, "mediated" or "failed" */
  gboolean           call_back_required;
  int                call_back;        /* -1 none since routing or rework, else WgSatisfaction */
  gint64             extension_requested; /* the deadline a department asked for, or 0 */
  int                supervision;      /* -1 none unanswered, else WgSupervisionLevel */
  gint64             supervision_answer_by; /* the notice's answer deadline, 0: none or passed */
  char              *merged_into;      /* while merged */
  guint              repeats;          /* duplicates merged into this one */
  guint              reworks;
  gint64             alarm_raised_at;  /* 0 without an alarm */
} WgIncidentRecord;

typedef struct {
  char              *id;
  char              *incident;
  char              *unit;
  WgAssignmentState  state;
  gint64             created_at;
  gint64             updated_at;
} WgAssignmentRecord;

typedef struct {
  char              *id;
  char              *type;
  char              *name;
  char              *home_grid;
  char              *account;       /* username of the unit's own account */
  WgUnitStatus       status;
  guint              open_assignments;
  gint64             updated_at;
} WgUnitRecord;

void wg_incident_record_clear   (WgIncidentRecord   *record);
/* A deep copy into @dest, whose contents are not freed first. */
void wg_incident_record_copy    (const WgIncidentRecord *src,
                                 WgIncidentRecord       *dest);
void wg_assignment_record_clear (WgAssignmentRecord *record);
void wg_unit_record_clear       (WgUnitRecord       *record);

/* JSON codecs of the state records (the state API and the console cache).
 * *_from_json fills @out and returns FALSE with WG_ERROR_INVALID_FIELD
 * on malformed input. */
JsonNode *wg_incident_record_to_json     (const WgIncidentRecord   *record);
gboolean  wg_incident_record_from_json   (JsonNode                 *node,
                                          WgIncidentRecord         *out,
                                          GError                  **error);
JsonNode *wg_assignment_record_to_json   (const WgAssignmentRecord *record);
gboolean  wg_assignment_record_from_json (JsonNode                 *node,
                                          WgAssignmentRecord       *out,
                                          GError                  **error);
JsonNode *wg_unit_record_to_json         (const WgUnitRecord       *record);
void      wg_unit_record_write_members   (GString                  *out,
                                          const WgUnitRecord       *record);
gboolean  wg_unit_record_from_json       (JsonNode                 *node,
                                          WgUnitRecord             *out,
                                          GError                  **error);

/* Every lookup returns TRUE when found, FALSE when not found (error
 * unset) or on failure (error set). */
typedef struct {
  gboolean (*get_incident)   (gpointer            user_data,
                              const char         *id,
                              WgIncidentRecord   *out,
                              GError            **error);
  gboolean (*get_assignment) (gpointer            user_data,
                              const char         *id,
                              WgAssignmentRecord *out,
                              GError            **error);
  gboolean (*get_unit)       (gpointer            user_data,
                              const char         *id,
                              WgUnitRecord       *out,
                              GError            **error);
  /* Open (notified..on_scene) assignments of an incident, as
   * WgAssignmentRecord* (freed with the array), oldest first. */
  GPtrArray *(*open_assignments_of_incident) (gpointer     user_data,
                                              const char  *incident,
                                              GError     **error);
  /* Incidents reported on local day @day ("YYYYMMDD") whose case number
   * is @prefix-@day-N (one street's cases), -1 on failure. */
  gint64   (*count_cases_on_day) (gpointer     user_data,
                                  const char  *day,
                                  const char  *prefix,
                                  GError     **error);
  /* Open incidents that may have a timer due at @now_ms: an unacknowledged
   * alarm, or a deadline <= now_ms not yet marked overdue.  A superset is
   * fine; wg_decide_timers() checks each. */
  GPtrArray *(*timer_candidates) (gpointer     user_data,
                                  gint64       now_ms,
                                  GError     **error);
  /* The caller of @incident as its report recorded it ({name, phone}), or
   * NULL (none: error unset; failure: error set). */
  JsonNode *(*get_caller)       (gpointer     user_data,
                                  const char  *incident,
                                  GError     **error);
} WgStateReaderFuncs;

typedef struct {
  const WgStateReaderFuncs *funcs;
  gpointer                  user_data;
} WgStateReader;

/* A GPtrArray freeing WgIncidentRecord* / WgAssignmentRecord* /
 * WgUnitRecord* elements. */
GPtrArray *wg_incident_record_array_new   (void);
GPtrArray *wg_assignment_record_array_new (void);
GPtrArray *wg_unit_record_array_new       (void);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WgIncidentRecord, wg_incident_record_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WgAssignmentRecord, wg_assignment_record_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (WgUnitRecord, wg_unit_record_clear)

G_END_DECLS
