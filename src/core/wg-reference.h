/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "wg-geo.h"
#include "wg-rules.h"

G_BEGIN_DECLS

/* The reference model: the grid tree, work stations, forces, departments,
 * categories, the duty roster and the centre's settings, loaded once from a
 * directory (data/demo/ is the example; the formats are in its README.md).
 *
 * Items are plain read-only structs owned by the WgReference: they live as
 * long as it does and must not be modified or freed. */

typedef struct _WgGrid       WgGrid;
typedef struct _WgStation    WgStation;
typedef struct _WgForce      WgForce;
typedef struct _WgDepartment WgDepartment;
typedef struct _WgCategory   WgCategory;
typedef struct _WgPerson     WgPerson;
typedef struct _WgPoliceGrid WgPoliceGrid;

#define WG_REFERENCE_ERROR (wg_reference_error_quark ())

typedef enum {
  WG_REFERENCE_ERROR_IO,          /* missing or unreadable file */
  WG_REFERENCE_ERROR_PARSE,       /* not JSON */
  WG_REFERENCE_ERROR_INVALID,     /* an item lacks a field or has a wrong one */
  WG_REFERENCE_ERROR_DUPLICATE,   /* the same code or id twice */
  WG_REFERENCE_ERROR_UNKNOWN_REF, /* refers to a code or id that does not exist */
  WG_REFERENCE_ERROR_GEOMETRY,    /* invalid polygon */
} WgReferenceError;

GQuark wg_reference_error_quark (void);

typedef enum {
  WG_FORCE_GRID_WORKER,
  WG_FORCE_GRID_LEADER,
  WG_FORCE_FIVE_HEAD,
  WG_FORCE_COMMUNITY_POLICE,
  WG_FORCE_AUXILIARY_POLICE,
  WG_FORCE_EMERGENCY_UNIT,
  WG_FORCE_DEPARTMENT_TEAM,
  WG_FORCE_VOLUNTEER_TEAM,
  WG_N_FORCE_TYPES
} WgForceType;

const char *wg_force_type_to_slug   (WgForceType  type);
gboolean    wg_force_type_from_slug (const char  *slug,
                                     WgForceType *type);

typedef enum {
  WG_SPEED_FOOT,
  WG_SPEED_BICYCLE,
  WG_SPEED_CAR,
  WG_N_SPEEDS
} WgSpeedClass;

const char *wg_speed_class_to_slug   (WgSpeedClass  speed);
gboolean    wg_speed_class_from_slug (const char   *slug,
                                      WgSpeedClass *speed);
/* Typical door-to-door speed in town: 5, 12 and 30 km/h. */
double      wg_speed_class_get_kmh   (WgSpeedClass  speed);

struct _WgGrid
{
  char        *code;          /* 440111012003007 */
  char        *name_zh;
  char        *name_en;       /* may be NULL */
  char        *case_prefix;   /* a street's own case-number prefix (a city's streets), or NULL:
                               * world.json's street_code */
  char        *kind;          /* "street", "community", "grid", or a deeper kind */
  guint        level;         /* 1 = street (a root: a city has several), 2 = work-station area,
                               * 3 = comprehensive grid, ... */
  guint        index;         /* position in wg_reference_get_grids() (code order) */
  WgGrid      *parent;        /* NULL for the root */
  GPtrArray   *children;      /* WgGrid*, code order */
  WgStation   *station;       /* the work station of this grid or of its nearest ancestor, or NULL */
  WgGeoShape  *shape;
  double       centroid_lat;
  double       centroid_lon;
  double       area_m2;
  guint        households;    /* 0 when unknown */
  guint        volunteers;    /* registered volunteers, 0 when unknown */
  GPtrArray   *responsible;   /* WgForce* */
  WgPoliceGrid *police_grid;  /* the police grid covering it (dual grid), or NULL */
};

struct _WgStation
{
  char        *code;          /* the community grid's code */
  char        *name_zh;
  char        *name_en;
  WgGrid      *grid;          /* the area it coordinates */
  double       lat;
  double       lon;
  WgForce     *leader;        /* the grid leader, or NULL */
};

struct _WgForce
{
  char         *id;           /* gw-17, eu-03, dt-police, ... */
  WgForceType   type;
  char         *sub_kind;     /* five heads: party_group, deliberation, supervision, police, building */
  char         *name_zh;
  char         *title_zh;     /* may be NULL */
  WgGrid       *grid;         /* home grid, or NULL */
  WgStation    *station;      /* home station, or NULL */
  WgDepartment *department;   /* department teams */
  double        lat;          /* home position */
  double        lon;
  WgSpeedClass  speed;
  GStrv         capabilities;
  char         *account;      /* the username that acts for it */
  guint         members;      /* team size, 1 for a person */
  WgPoliceGrid *police_grid;  /* community and auxiliary police: the police grid they belong to, or NULL */
};

struct _WgDepartment
{
  char        *code;          /* police, court, judicial, market, urban, housing, health, women, psych, fire */
  char        *name_zh;
  char        *name_en;
  char        *account;       /* dept-<code> */
  gboolean     stationed;     /* permanently in the centre (else on demand) */
};

typedef struct
{
  WgForceType  type;
  guint        count;
} WgResponseStep;


struct _WgCategory
{
  char          *code;
  char          *name_zh;
  char          *name_en;
  char          *grade;          /* protocol slug: general, professional, emergency */
  char          *klass;          /* dispute, risk, urban, service, emergency */
  WgDepartment  *department;
  double         weight;         /* relative yearly frequency */
  /* Step limits; 0 when the category has none.  Hours are working hours. */
  guint          handle_hours;   /* general: handle on the spot within */
  guint          accept_hours;   /* professional */
  guint          feedback_hours;
  guint          ack_seconds;    /* emergency */
  guint          dispatch_seconds;
  guint          on_scene_seconds;
  /* What an emergency of this kind needs; empty when it cannot become one. */
  WgResponseStep *response_plan;
  guint           n_response_steps;
  /* The full work-order cycle: mediated in the grid before routing
   * (小事不出网格); whether a case needs a call-back before it closes. */
  gboolean        mediate_first;
  WgCallBackRule  call_back;
  /* A public display shows category and grid only: disputes, petitions
   * (信访) and domestic violence (categories.json "sensitive"). */
  gboolean        sensitive;
};

/* A police grid (警务网格), the second grid layer of a "dual grid"
 * (双网融合, Panlong): drawn along the governance grids' edges, so it is a
 * whole number of them, with the community police who belong to it.
 * Optional in the data (police_grids.geojson). */
struct _WgPoliceGrid
{
  char        *code;
  char        *name_zh;
  WgStation   *station;       /* the work-station area it lies in, or NULL */
  GPtrArray   *grids;         /* WgGrid*: the governance grids it is made of */
  GPtrArray   *police;        /* WgForce*: community and auxiliary police */
  WgGeoShape  *shape;
  double       centroid_lat;
  double       centroid_lon;
};

struct _WgPerson
{
  char *account;
  char *name_zh;
  char *title_zh;
};

/* The working calendar's configuration; the calendar logic is elsewhere. */
typedef struct
{
  guint8       work_week;     /* bit d set: ISO weekday d (1 = Monday) is a working day */
  GArray      *work_periods;  /* guint pairs: start, end in minutes after local midnight */
  GStrv        holidays;      /* YYYY-MM-DD, sorted */
  GStrv        workdays;      /* weekend days worked in exchange, YYYY-MM-DD, sorted */
} WgCalendarConfig;

#define WG_TYPE_REFERENCE (wg_reference_get_type ())
G_DECLARE_FINAL_TYPE (WgReference, wg_reference, WG, REFERENCE, GObject)

WgReference        *wg_reference_load_dir            (const char   *dir,
                                                      GError      **error);
/* The same model from one JSON object holding each file's content under
 * its short name ("world", "grids", "stations", "forces", "departments",
 * "categories", "roster"): what GET /api/v1/reference serves. */
WgReference        *wg_reference_load_bundle         (JsonObject   *bundle,
                                                      GError      **error);
/* The same from the bundle's text, parsed a member at a time (a city's
 * whole bundle as json-glib nodes outweighs its model five times); keeps
 * no bundle: wg_reference_get_bundle() gives an empty object. */
WgReference        *wg_reference_load_bundle_text    (const char   *text,
                                                      gsize         length,
                                                      GError      **error);
/* The same from a binary reference (wg-reference-blob.h, untrusted:
 * checked before use).  Keeps no bundle. */
WgReference        *wg_reference_load_blob           (GBytes       *blob,
                                                      GError      **error);
/* That object for this reference (also after load_dir), with "format":
 * "wangge-reference/1".  Do not modify. */
JsonObject         *wg_reference_get_bundle          (WgReference  *self);
/* NULL when loaded from a bundle. */
const char         *wg_reference_get_dir             (WgReference  *self);

/* world.json */
const char         *wg_reference_get_name_zh         (WgReference  *self);
const char         *wg_reference_get_street_code     (WgReference  *self);
const char         *wg_reference_get_time_zone_id    (WgReference  *self);
GTimeZone          *wg_reference_get_time_zone       (WgReference  *self);
const WgCalendarConfig *
                    wg_reference_get_calendar        (WgReference  *self);
void                wg_reference_get_centre          (WgReference  *self,
                                                      double       *lat,
                                                      double       *lon);
gboolean            wg_reference_is_synthetic        (WgReference  *self);
/* The parsed world.json, for fields this API does not model (history targets). */
JsonObject         *wg_reference_get_world_object    (WgReference  *self);

/* Grids, in code order (which is also level, then north-west first). */
GPtrArray          *wg_reference_get_grids           (WgReference  *self);
/* The first street (the only one but in a city). */
WgGrid             *wg_reference_get_root            (WgReference  *self);
/* The streets (level-1 grids, each a root), in code order. */
GPtrArray          *wg_reference_get_streets         (WgReference  *self);
WgGrid             *wg_grid_get_street               (WgGrid       *grid);
WgGrid             *wg_reference_lookup_grid         (WgReference  *self,
                                                      const char   *code);
guint               wg_reference_get_max_level       (WgReference  *self);
/* Caller frees the array (not the grids). */
GPtrArray          *wg_reference_dup_grids_at_level  (WgReference  *self,
                                                      guint         level);
/* The deepest grid containing the point, or NULL outside the street. */
WgGrid             *wg_reference_find_grid           (WgReference  *self,
                                                      double        lat,
                                                      double        lon);
WgGrid             *wg_grid_get_ancestor_at_level    (WgGrid       *grid,
                                                      guint         level);
gboolean            wg_grid_is_within                (WgGrid       *grid,
                                                      WgGrid       *ancestor);
void                wg_grid_random_point             (WgGrid       *grid,
                                                      GRand        *rand,
                                                      double       *lat,
                                                      double       *lon);
/* Weighted by households (evenly when unknown); @u in [0, 1). */
WgGrid             *wg_reference_pick_grid           (WgReference  *self,
                                                      guint         level,
                                                      double        u);

GPtrArray          *wg_reference_get_stations        (WgReference  *self);
WgStation          *wg_reference_lookup_station      (WgReference  *self,
                                                      const char   *code);

GPtrArray          *wg_reference_get_forces          (WgReference  *self);
WgForce            *wg_reference_lookup_force        (WgReference  *self,
                                                      const char   *id);
/* All forces of a type, in file order (not a copy: do not modify). */
GPtrArray          *wg_reference_get_forces_by_type  (WgReference  *self,
                                                      WgForceType   type);
/* Caller frees the array: the forces an account acts for. */
GPtrArray          *wg_reference_dup_forces_for_account (WgReference *self,
                                                         const char  *account);
/* Forces of @type (or any type with WG_N_FORCE_TYPES) whose home lies within
 * @max_m metres (0: no limit), nearest first, at most @max_n (0: all).
 * Caller frees the array. */
GPtrArray          *wg_reference_dup_forces_near     (WgReference  *self,
                                                      double        lat,
                                                      double        lon,
                                                      WgForceType   type,
                                                      double        max_m,
                                                      guint         max_n);
/* Travel time from (from_lat, from_lon) at the force's speed, with a detour
 * factor of 1.3 over the straight line. */
double              wg_force_eta_seconds             (WgForce      *force,
                                                      double        from_lat,
                                                      double        from_lon,
                                                      double        to_lat,
                                                      double        to_lon);

/* Police grids, in file order; empty when the data has none. */
GPtrArray          *wg_reference_get_police_grids    (WgReference  *self);
WgPoliceGrid       *wg_reference_lookup_police_grid  (WgReference  *self,
                                                      const char   *code);
/* The police grid covering the point (through the governance grid there),
 * or NULL. */
WgPoliceGrid       *wg_reference_find_police_grid    (WgReference  *self,
                                                      double        lat,
                                                      double        lon);

GPtrArray          *wg_reference_get_departments     (WgReference  *self);
WgDepartment       *wg_reference_lookup_department   (WgReference  *self,
                                                      const char   *code);

GPtrArray          *wg_reference_get_categories      (WgReference  *self);
WgCategory         *wg_reference_lookup_category     (WgReference  *self,
                                                      const char   *code);
/* Weighted by the categories' weights; @u in [0, 1). */
WgCategory         *wg_reference_pick_category       (WgReference  *self,
                                                      double        u);

/* Roster */
GPtrArray          *wg_reference_get_duty_leaders    (WgReference  *self);
/* The duty leader on shift at @utc_ms (shifts in the centre's time zone). */
const WgPerson     *wg_reference_get_duty_leader_at  (WgReference  *self,
                                                      gint64        utc_ms);
const WgPerson     *wg_reference_get_covering_leader (WgReference  *self,
                                                      WgStation    *station);
const WgPerson     *wg_reference_get_chief           (WgReference  *self);
/* The alarm escalation chain for an incident in @grid: the covering street
 * leader of its work-station area (when known), then the chief grid leader.
 * Caller frees the array (not the persons). */
GPtrArray          *wg_reference_dup_escalation_chain (WgReference *self,
                                                       WgGrid      *grid);
/* Seconds after raising before each step of the chain. */
void                wg_reference_get_escalation_delays (WgReference *self,
                                                        guint       *covering_s,
                                                        guint       *chief_s);

G_END_DECLS
