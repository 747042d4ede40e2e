/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reference data decide() needs, and nothing more: categories (default
 * grade, department, step limits), where a location lies (grid code), who
 * an unacknowledged alarm escalates to, the centre's calendar and time
 * zone, and the street code (or each street's prefix) of case numbers.
 * A test fills one by hand; the full reference model (wg-reference*)
 * fills one through an adapter.
 *
 * Units are not here: they live in the store's units table, registered
 * from reference data (wg_store_register_unit()).
 */
#pragma once

#include <glib-object.h>

#include "wg-calendar.h"
#include "wg-geo.h"
#include "wg-vocab.h"

G_BEGIN_DECLS

typedef struct _WgRules WgRules;

/* Whether a case of a category needs a call-back (回访) before it closes:
 * categories.json "call_back" true (always), false (never), absent (by
 * source: cases from the 12345 hotline and walk-ins). */
typedef enum {
  WG_CALL_BACK_BY_SOURCE,
  WG_CALL_BACK_ALWAYS,
  WG_CALL_BACK_NEVER,
} WgCallBackRule;

typedef struct {
  WgGrade  grade;                /* default grade */
  char    *department;           /* default department to route to, or NULL */
  /* Per step: minutes; plain minutes for emergency steps (dispatch,
   * arrive, resolve), working minutes for professional ones.  0: none. */
  guint    limits[WG_N_STEPS];
  gboolean mediate_first;        /* mediated in the grid before routing */
  WgCallBackRule call_back;
  /* Disputes, petitions, domestic violence: a public display shows
   * category and grid only (wg-public-display.h). */
  gboolean sensitive;
} WgCategoryRule;

/* Returns the grid code at a location (newly allocated) or NULL. */
typedef char *(*WgGridResolver) (double   lat,
                                 double   lon,
                                 gpointer user_data);

#define WG_TYPE_RULES (wg_rules_get_type ())

GType       wg_rules_get_type      (void) G_GNUC_CONST;
/* Street code "HL", a default calendar (Asia/Shanghai), escalation after
 * 60 s, no categories, no grid resolver. */
WgRules    *wg_rules_new           (void);
WgRules    *wg_rules_ref           (WgRules        *self);
void        wg_rules_unref         (WgRules        *self);

void        wg_rules_set_calendar  (WgRules        *self,
                                    WgCalendar     *calendar);
WgCalendar *wg_rules_get_calendar  (WgRules        *self);
void        wg_rules_set_street_code (WgRules      *self,
                                      const char   *code);
const char *wg_rules_get_street_code (WgRules      *self);
/* A street of a city: cases in @grid_code's grids are numbered with
 * @case_prefix (and their own sequence: wg-decide.c) instead of the
 * street code above, which stays for cases in no such street. */
void        wg_rules_add_street      (WgRules      *self,
                                      const char   *grid_code,
                                      const char   *case_prefix);
/* Written before every case number's prefix: "EX-" in an exercise. */
void        wg_rules_set_case_mark   (WgRules      *self,
                                      const char   *mark);
/* The case-number prefix of a case in @grid (NULL: in no grid): the mark,
 * then its street's prefix or the street code. */
char       *wg_rules_dup_case_prefix (WgRules      *self,
                                      const char   *grid);

/* @department may be NULL; @limits has WG_N_STEPS entries or is NULL. */
void        wg_rules_add_category  (WgRules        *self,
                                    const char     *code,
                                    WgGrade         grade,
                                    const char     *department,
                                    const guint    *limits);
/* The full work-order cycle's flags of a category added before
 * (defaults: not mediated first, call-back by source). */
void        wg_rules_set_category_cycle (WgRules        *self,
                                         const char     *code,
                                         gboolean        mediate_first,
                                         WgCallBackRule  call_back);
/* Marks a category added before as sensitive (default: not). */
void        wg_rules_set_category_sensitive (WgRules    *self,
                                             const char *code,
                                             gboolean    sensitive);
/* Whether a case of @category from @source (a slug, or NULL) needs a
 * call-back before it closes. */
gboolean    wg_rules_needs_call_back (WgRules    *self,
                                      const char *category,
                                      const char *source);
const WgCategoryRule *wg_rules_lookup_category (WgRules    *self,
                                                const char *code);

void        wg_rules_set_grid_resolver (WgRules        *self,
                                        WgGridResolver  resolver,
                                        gpointer        user_data,
                                        GDestroyNotify  destroy);
char       *wg_rules_resolve_grid  (WgRules        *self,
                                    double          lat,
                                    double          lon);

/* Alarm escalation: @interval_ms after it was raised, unacknowledged, to
 * the street leader covering the incident's grid (longest matching
 * grid-code prefix); @chief_ms after it was raised, to the chief grid
 * leader (the roster's own delay; default twice the first). */
void        wg_rules_set_escalation_interval (WgRules *self,
                                              gint64   interval_ms);
gint64      wg_rules_get_escalation_interval (WgRules *self);
void        wg_rules_set_chief_delay (WgRules *self,
                                      gint64   chief_ms);
/* Since the raise, for @level 1 (area leader) or 2 (chief). */
gint64      wg_rules_get_escalation_delay (WgRules *self,
                                           guint    level);
void        wg_rules_add_area_leader (WgRules      *self,
                                      const char   *grid_prefix,
                                      const char   *username);
void        wg_rules_set_chief       (WgRules      *self,
                                      const char   *username);
/* @level 1: area leader, 2: chief; NULL when there is nobody. */
const char *wg_rules_escalation_target (WgRules    *self,
                                        const char *grid,
                                        guint       level);

/* Each grid's centre, where a public display puts its cases. */
void        wg_rules_add_grid_centre (WgRules      *self,
                                      const char   *code,
                                      double        lat,
                                      double        lon);
gboolean    wg_rules_get_grid_centre (WgRules      *self,
                                      const char   *code,
                                      double       *lat,
                                      double       *lon);

/* The departments a case may be routed to.  Rules with none (a test's,
 * or a server without reference data) take any department. */
void        wg_rules_add_department  (WgRules      *self,
                                      const char   *code);
gboolean    wg_rules_department_exists (WgRules    *self,
                                        const char *code);

/* The streets the centre serves: a location farther than WG_AREA_MARGIN_M
 * from all of them is no case of this centre (protocol.md); one within the
 * margin but in no grid is taken, as outside the street, for transfer.
 * Rules with no area take any location. */
#define WG_AREA_MARGIN_M 5000.0
void        wg_rules_add_area        (WgRules      *self,
                                      WgGeoShape   *shape);
gboolean    wg_rules_near_area       (WgRules      *self,
                                      double        lat,
                                      double        lon);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgRules, wg_rules_unref)

G_END_DECLS
