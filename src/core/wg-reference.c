/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loads the reference model from a directory of JSON and GeoJSON files and
 * links it into one immutable graph of plain structs.  Every problem is
 * reported as "<file>: <item>: <problem>" so that whoever edits the data can
 * find the line to fix.
 */
#define G_LOG_DOMAIN "wg-reference"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "wg-grid-index.h"
#include "wg-json-guard.h"
#include "wg-reference-blob.h"
#include "wg-reference.h"

#define DETOUR_FACTOR 1.3

typedef struct
{
  char    *code;
  guint    start_min;
  guint    end_min;
} Shift;

struct _WgReference
{
  GObject           parent_instance;

  char             *dir;
  JsonObject       *bundle;         /* every file's parsed root, by short name */
  gboolean          from_bundle;
  GHashTable       *spans;          /* loading from a bundle's text: member -> Span */
  const WgReferenceBlob *blob;      /* loading from a blob (wg-reference-blob.h): */
  struct _GridRead *grid_reads[2];  /* its grids, in two halves, */
  struct _ForceRead *force_read;    /* and its forces, each read by a job of its own */
  JsonObject       *world;
  char             *name_zh;
  char             *street_code;
  char             *tz_id;
  GTimeZone        *tz;
  double            centre_lat;
  double            centre_lon;
  gboolean          synthetic;
  WgCalendarConfig  calendar;

  GPtrArray        *grids;          /* WgGrid*, owns */
  GHashTable       *grids_by_code;
  WgGrid           *root;           /* the first street */
  GPtrArray        *streets;        /* WgGrid*: level 1, code order */
  /* wg_reference_pick_grid(): grids are sorted by level, so a level's are
   * grids[level_start[level] .. level_start[level + 1]); each grid's
   * households (at least 1) summed from its level's first grid. */
  guint            *level_start;
  double           *pick_sums;
  guint             max_level;
  WgGridIndex      *index;

  GPtrArray        *stations;
  GHashTable       *stations_by_code;
  GPtrArray        *forces;
  GHashTable       *forces_by_id;
  GHashTable       *forces_by_account;   /* account -> GPtrArray of WgForce*, in order */
  GPtrArray        *forces_by_type[WG_N_FORCE_TYPES];
  GPtrArray        *police_grids;   /* WgPoliceGrid*, owns */
  GHashTable       *police_grids_by_code;
  GPtrArray        *departments;
  GHashTable       *departments_by_code;
  GPtrArray        *categories;
  GHashTable       *categories_by_code;
  double            category_weight_total;

  GArray           *shifts;         /* Shift */
  GPtrArray        *duty_leaders;   /* WgPerson*, owns */
  GDate             rotation_anchor;
  GPtrArray        *rotation;       /* GPtrArray of WgPerson* per day, one per shift */
  GHashTable       *covering;       /* station code -> WgPerson*, owns */
  WgPerson         *chief;
  guint             escalate_covering_s;
  guint             escalate_chief_s;
};

G_DEFINE_FINAL_TYPE (WgReference, wg_reference, G_TYPE_OBJECT)
G_DEFINE_QUARK (wg-reference-error-quark, wg_reference_error)

/* Cross-references read before their targets exist: resolved by
 * link_people() once the forces are loaded. */
typedef struct
{
  GHashTable *leaders;       /* WgStation* -> force id */
  GHashTable *responsible;   /* WgGrid* -> GStrv of force ids */
  GHashTable *feature_of;    /* WgGrid* -> feature index + 1 */
} Pending;

/* ------------------------------------------------------------ slugs */

static const char *force_slugs[WG_N_FORCE_TYPES] = {
  "grid_worker", "grid_leader", "five_head", "community_police",
  "auxiliary_police", "emergency_unit", "department_team", "volunteer_team",
};

static const char *speed_slugs[WG_N_SPEEDS] = { "foot", "bicycle", "car" };
static const double speed_kmh[WG_N_SPEEDS] = { 5.0, 12.0, 30.0 };

const char *
wg_force_type_to_slug (WgForceType type)
{
  g_return_val_if_fail (type < WG_N_FORCE_TYPES, NULL);

  return force_slugs[type];
}

gboolean
wg_force_type_from_slug (const char  *slug,
                         WgForceType *type)
{
  g_return_val_if_fail (type != NULL, FALSE);

  for (guint i = 0; slug && i < WG_N_FORCE_TYPES; i++)
    if (g_str_equal (slug, force_slugs[i]))
      {
        *type = i;
        return TRUE;
      }

  return FALSE;
}

const char *
wg_speed_class_to_slug (WgSpeedClass speed)
{
  g_return_val_if_fail (speed < WG_N_SPEEDS, NULL);

  return speed_slugs[speed];
}

gboolean
wg_speed_class_from_slug (const char   *slug,
                          WgSpeedClass *speed)
{
  g_return_val_if_fail (speed != NULL, FALSE);

  for (guint i = 0; slug && i < WG_N_SPEEDS; i++)
    if (g_str_equal (slug, speed_slugs[i]))
      {
        *speed = i;
        return TRUE;
      }

  return FALSE;
}

double
wg_speed_class_get_kmh (WgSpeedClass speed)
{
  g_return_val_if_fail (speed < WG_N_SPEEDS, 0);

  return speed_kmh[speed];
}

/* ------------------------------------------------------------ frees */

static void
grid_free (WgGrid *g)
{
  g_free (g->code);
  g_free (g->name_zh);
  g_free (g->name_en);
  g_free (g->case_prefix);
  g_free (g->kind);
  g_ptr_array_unref (g->children);
  g_clear_pointer (&g->shape, wg_geo_shape_unref);
  g_ptr_array_unref (g->responsible);
  g_free (g);
}

static void
station_free (WgStation *s)
{
  g_free (s->code);
  g_free (s->name_zh);
  g_free (s->name_en);
  g_free (s);
}

static void
force_free (WgForce *f)
{
  g_free (f->id);
  g_free (f->sub_kind);
  g_free (f->name_zh);
  g_free (f->title_zh);
  g_strfreev (f->capabilities);
  g_free (f->account);
  g_free (f);
}

static void
department_free (WgDepartment *d)
{
  g_free (d->code);
  g_free (d->name_zh);
  g_free (d->name_en);
  g_free (d->account);
  g_free (d);
}

static void
category_free (WgCategory *c)
{
  g_free (c->code);
  g_free (c->name_zh);
  g_free (c->name_en);
  g_free (c->grade);
  g_free (c->klass);
  g_free (c->response_plan);
  g_free (c);
}

static void
police_grid_free (WgPoliceGrid *p)
{
  g_free (p->code);
  g_free (p->name_zh);
  g_ptr_array_unref (p->grids);
  g_ptr_array_unref (p->police);
  g_clear_pointer (&p->shape, wg_geo_shape_unref);
  g_free (p);
}

static void
person_free (WgPerson *p)
{
  g_free (p->account);
  g_free (p->name_zh);
  g_free (p->title_zh);
  g_free (p);
}

static void
wg_reference_finalize (GObject *object)
{
  WgReference *self = WG_REFERENCE (object);

  g_free (self->dir);
  g_clear_pointer (&self->bundle, json_object_unref);
  g_clear_pointer (&self->spans, g_hash_table_unref);
  g_clear_pointer (&self->world, json_object_unref);
  g_free (self->name_zh);
  g_free (self->street_code);
  g_free (self->tz_id);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_clear_pointer (&self->calendar.work_periods, g_array_unref);
  g_strfreev (self->calendar.holidays);
  g_strfreev (self->calendar.workdays);

  g_clear_pointer (&self->index, wg_grid_index_unref);
  g_clear_pointer (&self->grids_by_code, g_hash_table_unref);
  g_clear_pointer (&self->streets, g_ptr_array_unref);
  g_clear_pointer (&self->level_start, g_free);
  g_clear_pointer (&self->pick_sums, g_free);
  g_clear_pointer (&self->grids, g_ptr_array_unref);
  g_clear_pointer (&self->stations_by_code, g_hash_table_unref);
  g_clear_pointer (&self->stations, g_ptr_array_unref);
  g_clear_pointer (&self->forces_by_id, g_hash_table_unref);
  g_clear_pointer (&self->forces_by_account, g_hash_table_unref);
  for (guint i = 0; i < WG_N_FORCE_TYPES; i++)
    g_clear_pointer (&self->forces_by_type[i], g_ptr_array_unref);
  g_clear_pointer (&self->forces, g_ptr_array_unref);
  g_clear_pointer (&self->police_grids_by_code, g_hash_table_unref);
  g_clear_pointer (&self->police_grids, g_ptr_array_unref);
  g_clear_pointer (&self->departments_by_code, g_hash_table_unref);
  g_clear_pointer (&self->departments, g_ptr_array_unref);
  g_clear_pointer (&self->categories_by_code, g_hash_table_unref);
  g_clear_pointer (&self->categories, g_ptr_array_unref);

  if (self->shifts)
    {
      for (guint i = 0; i < self->shifts->len; i++)
        g_free (g_array_index (self->shifts, Shift, i).code);
      g_array_unref (self->shifts);
    }
  g_clear_pointer (&self->rotation, g_ptr_array_unref);
  g_clear_pointer (&self->duty_leaders, g_ptr_array_unref);
  g_clear_pointer (&self->covering, g_hash_table_unref);
  g_clear_pointer (&self->chief, person_free);

  G_OBJECT_CLASS (wg_reference_parent_class)->finalize (object);
}

static void
wg_reference_class_init (WgReferenceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wg_reference_finalize;
}

static void
wg_reference_init (WgReference *self)
{
  self->grids = g_ptr_array_new_with_free_func ((GDestroyNotify) grid_free);
  self->streets = g_ptr_array_new ();
  self->grids_by_code = g_hash_table_new (g_str_hash, g_str_equal);
  self->stations = g_ptr_array_new_with_free_func ((GDestroyNotify) station_free);
  self->stations_by_code = g_hash_table_new (g_str_hash, g_str_equal);
  self->forces = g_ptr_array_new_with_free_func ((GDestroyNotify) force_free);
  self->forces_by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->forces_by_account = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                   (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; i < WG_N_FORCE_TYPES; i++)
    self->forces_by_type[i] = g_ptr_array_new ();
  self->police_grids = g_ptr_array_new_with_free_func ((GDestroyNotify) police_grid_free);
  self->police_grids_by_code = g_hash_table_new (g_str_hash, g_str_equal);
  self->departments = g_ptr_array_new_with_free_func ((GDestroyNotify) department_free);
  self->departments_by_code = g_hash_table_new (g_str_hash, g_str_equal);
  self->categories = g_ptr_array_new_with_free_func ((GDestroyNotify) category_free);
  self->categories_by_code = g_hash_table_new (g_str_hash, g_str_equal);
  self->shifts = g_array_new (FALSE, FALSE, sizeof (Shift));
  self->duty_leaders = g_ptr_array_new_with_free_func ((GDestroyNotify) person_free);
  self->rotation = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  self->covering = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) person_free);
  self->calendar.work_periods = g_array_new (FALSE, FALSE, sizeof (guint));
  self->escalate_covering_s = 60;
  self->escalate_chief_s = 180;
}

/* ------------------------------------------------------------ parsing helpers */

/* Where we are, for messages: the file and the item inside it.  A
 * record's item (a grid, a force: tens of thousands of them in a city) is
 * kept as its parts and written out only when a message needs it. */
typedef struct
{
  const char *file;
  char        item[160];
  const char *noun;  /* a record's item, "feature 12 (code 110101)"; NULL: @item */
  guint       index;
  const char *key;
  const char *value; /* NULL: no "(key value)" yet */
} Ctx;

static const char *
ctx_item_text (const Ctx *ctx,
               char      *buffer,
               gsize      size)
{
  if (ctx->noun == NULL)
    return ctx->item;
  if (ctx->value != NULL)
    g_snprintf (buffer, size, "%s %u (%s %s)", ctx->noun, ctx->index, ctx->key, ctx->value);
  else
    g_snprintf (buffer, size, "%s %u", ctx->noun, ctx->index);
  return buffer;
}

static gboolean G_GNUC_PRINTF (4, 5)
fail (GError    **error,
      int         code,
      const Ctx  *ctx,
      const char *format,
      ...)
{
  g_autofree char *problem = NULL;
  char buffer[sizeof ctx->item];
  const char *item = ctx_item_text (ctx, buffer, sizeof buffer);
  va_list args;

  va_start (args, format);
  problem = g_strdup_vprintf (format, args);
  va_end (args);

  if (item[0])
    g_set_error (error, WG_REFERENCE_ERROR, code, "%s: %s: %s", ctx->file, item, problem);
  else
    g_set_error (error, WG_REFERENCE_ERROR, code, "%s: %s", ctx->file, problem);

  return FALSE;
}

static void G_GNUC_PRINTF (2, 3)
ctx_item (Ctx        *ctx,
          const char *format,
          ...)
{
  va_list args;

  va_start (args, format);
  g_vsnprintf (ctx->item, sizeof ctx->item, format, args);
  va_end (args);
  ctx->noun = NULL;
}

/* "@noun @index (@key @value)", written only if a message needs it;
 * @value (NULL: none yet) must live as long as @ctx says where it is. */
static void
ctx_record (Ctx        *ctx,
            const char *noun,
            guint       index,
            const char *key,
            const char *value)
{
  ctx->noun = noun;
  ctx->index = index;
  ctx->key = key;
  ctx->value = value;
}

static void
ctx_clear (Ctx *ctx)
{
  ctx->item[0] = '\0';
  ctx->noun = NULL;
}

/* "grids.geojson" -> "grids": the member name in a bundle. */
static char *
bundle_key (const char *file)
{
  return g_strndup (file, strcspn (file, "."));
}

/* A member's value in a bundle's text. */
typedef struct
{
  const char *data;
  gsize       length;
} Span;

/* Past the string that starts at @p (a '"'), or NULL. */
static const char *
skip_string (const char *p,
             const char *end)
{
  for (p++; p < end; p++)
    if (*p == '\\')
      p++;
    else if (*p == '"')
      return p + 1;
  return NULL;
}

static const char *
skip_space (const char *p,
            const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    p++;
  return p;
}

/* Past the value that starts at @p, or NULL.  The text passed
 * wg_json_guard_scan(): brackets balance and strings close. */
static const char *
skip_value (const char *p,
            const char *end)
{
  guint depth = 0;

  while (p < end)
    {
      if (*p == '"')
        {
          p = skip_string (p, end);
          if (p == NULL)
            return NULL;
          if (depth == 0)
            return p;
          continue;
        }
      if (*p == '{' || *p == '[')
        depth++;
      else if (*p == '}' || *p == ']')
        {
          if (depth == 0)
            return p;     /* the end of a scalar at the top */
          if (--depth == 0)
            return p + 1;
        }
      else if (depth == 0 && (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        return p;
      p++;
    }
  return depth == 0 ? p : NULL;
}

/* Each top-level member's value as a span of @text (an object). */
static GHashTable *
split_members (const char  *text,
               gsize        length,
               GError     **error)
{
  g_autoptr(GHashTable) spans = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  const char *end = text + length;
  const char *p = skip_space (text, end);

  if (p == end || *p != '{')
    goto invalid;
  p = skip_space (p + 1, end);
  if (p < end && *p == '}')
    return g_steal_pointer (&spans);
  while (p < end)
    {
      const char *key = p, *key_end, *value;
      Span *span;

      if (*p != '"' || (key_end = skip_string (p, end)) == NULL)
        goto invalid;
      p = skip_space (key_end, end);
      if (p == end || *p != ':')
        goto invalid;
      value = skip_space (p + 1, end);
      p = skip_value (value, end);
      if (p == NULL || p == value)
        goto invalid;
      span = g_new (Span, 1);
      span->data = value;
      span->length = p - value;
      g_hash_table_replace (spans, g_strndup (key + 1, key_end - key - 2), span);
      p = skip_space (p, end);
      if (p < end && *p == '}')
        return g_steal_pointer (&spans);
      if (p == end || *p != ',')
        goto invalid;
      p = skip_space (p + 1, end);
    }
invalid:
  g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE, "%s",
               _("the bundle is not a JSON object"));
  return NULL;
}

/* A member of a bundle's text, parsed now and kept by no one else: its
 * tree goes when its stage of load() is done with it. */
static JsonNode *
parse_span (WgReference  *self,
            const char   *key,
            Ctx          *ctx,
            GError      **error)
{
  const Span *span = g_hash_table_lookup (self->spans, key);
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  JsonNode *root;

  if (span == NULL)
    {
      fail (error, WG_REFERENCE_ERROR_IO, ctx, _("missing from the bundle (member \"%s\")"), key);
      return NULL;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, span->data, span->length, &local))
    {
      fail (error, WG_REFERENCE_ERROR_PARSE, ctx, _("not valid JSON: %s"), local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, WG_REFERENCE_ERROR_PARSE, ctx, _("the top level is not a JSON object"));
      return NULL;
    }
  return json_node_ref (root);
}

static JsonNode *
load_json (WgReference  *self,
           Ctx          *ctx,
           GError      **error)
{
  g_autofree char *key = bundle_key (ctx->file);
  g_autofree char *path = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *contents = NULL;
  JsonNode *root;
  gsize len;

  ctx_clear (ctx);
  if (self->spans != NULL)
    return parse_span (self, key, ctx, error);
  if (self->from_bundle)
    {
      root = json_object_get_member (self->bundle, key);
      if (root == NULL)
        {
          fail (error, WG_REFERENCE_ERROR_IO, ctx, _("missing from the bundle (member \"%s\")"), key);
          return NULL;
        }
      if (!JSON_NODE_HOLDS_OBJECT (root))
        {
          fail (error, WG_REFERENCE_ERROR_PARSE, ctx, _("the top level is not a JSON object"));
          return NULL;
        }
      return json_node_ref (root);
    }

  path = g_build_filename (self->dir, ctx->file, NULL);
  if (!g_file_get_contents (path, &contents, &len, &local))
    {
      fail (error, WG_REFERENCE_ERROR_IO, ctx, "%s", local->message);
      return NULL;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, contents, len, &local))
    {
      fail (error, WG_REFERENCE_ERROR_PARSE, ctx, _("not valid JSON: %s"), local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, WG_REFERENCE_ERROR_PARSE, ctx, _("the top level is not a JSON object"));
      return NULL;
    }
  json_object_set_member (self->bundle, key, json_node_ref (root));

  return json_node_ref (root);
}

static JsonNode *
member (JsonObject *obj,
        const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  return (node && !JSON_NODE_HOLDS_NULL (node)) ? node : NULL;
}

/* A required string, of a JSON member or a blob's record. */
static gboolean
check_required (const char  *value,
                const char  *name,
                const Ctx   *ctx,
                GError     **error)
{
  if (value == NULL)
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("missing \"%s\""), name);
  if (*value == '\0')
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"%s\" is empty"), name);
  return TRUE;
}

/* A number in [@min, @max], of a JSON member or a blob's record. */
static gboolean
check_range (double       value,
             const char  *name,
             double       min,
             double       max,
             const Ctx   *ctx,
             GError     **error)
{
  if (!isfinite (value) || value < min || value > max)
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"%s\" is %g, outside %g to %g"), name, value, min, max);
  return TRUE;
}

static gboolean
get_string (JsonObject  *obj,
            const char  *name,
            gboolean     required,
            const Ctx   *ctx,
            char       **out,
            GError     **error)
{
  JsonNode *node = member (obj, name);
  const char *value = NULL;

  if (node != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"%s\" is not a string"), name);
      value = json_node_get_string (node);
    }
  if (required && !check_required (value, name, ctx, error))
    return FALSE;

  *out = g_strdup (value);
  return TRUE;
}

static gboolean
get_number (JsonObject  *obj,
            const char  *name,
            gboolean     required,
            double       min,
            double       max,
            const Ctx   *ctx,
            double      *out,
            GError     **error)
{
  JsonNode *node = member (obj, name);
  GType t;
  double v;

  if (node == NULL)
    {
      if (required)
        return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("missing \"%s\""), name);
      return TRUE;
    }
  t = JSON_NODE_HOLDS_VALUE (node) ? json_node_get_value_type (node) : G_TYPE_INVALID;
  if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"%s\" is not a number"), name);
  v = json_node_get_double (node);
  if (!check_range (v, name, min, max, ctx, error))
    return FALSE;

  *out = v;
  return TRUE;
}

static gboolean
get_uint (JsonObject  *obj,
          const char  *name,
          gboolean     required,
          guint        max,
          const Ctx   *ctx,
          guint       *out,
          GError     **error)
{
  double v = *out;

  if (!get_number (obj, name, required, 0, max, ctx, &v, error))
    return FALSE;
  if (v != floor (v))
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"%s\" is not a whole number"), name);

  *out = (guint) v;
  return TRUE;
}

static JsonArray *
get_array (JsonObject  *obj,
           const char  *name,
           gboolean     required,
           const Ctx   *ctx,
           GError     **error)
{
  JsonNode *node = member (obj, name);

  if (node == NULL)
    {
      if (required)
        fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("missing \"%s\""), name);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"%s\" is not an array"), name);
      return NULL;
    }

  return json_node_get_array (node);
}

static JsonObject *
get_object (JsonObject  *obj,
            const char  *name,
            gboolean     required,
            const Ctx   *ctx,
            GError     **error)
{
  JsonNode *node = member (obj, name);

  if (node == NULL)
    {
      if (required)
        fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("missing \"%s\""), name);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"%s\" is not an object"), name);
      return NULL;
    }

  return json_node_get_object (node);
}

/* Elements of an items array must be objects. */
static JsonObject *
element_object (JsonArray  *array,
                guint       i,
                const Ctx  *ctx,
                GError    **error)
{
  JsonNode *node = json_array_get_element (array, i);

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("not a JSON object"));
      return NULL;
    }

  return json_node_get_object (node);
}

static gboolean
get_strv (JsonObject  *obj,
          const char  *name,
          const Ctx   *ctx,
          GStrv       *out,
          GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GError) local = NULL;
  JsonArray *array = get_array (obj, name, FALSE, ctx, &local);

  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        return fail (error, WG_REFERENCE_ERROR_INVALID, ctx,
                     _("\"%s\" element %u is not a string"), name, i);
      g_strv_builder_add (builder, json_node_get_string (node));
    }

  *out = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
get_position (JsonObject  *obj,
              const Ctx   *ctx,
              double      *lat,
              double      *lon,
              GError     **error)
{
  return get_number (obj, "lat", TRUE, -90, 90, ctx, lat, error) &&
         get_number (obj, "lon", TRUE, -180, 180, ctx, lon, error);
}

static gboolean
parse_hhmm (const char *s,
            guint      *minutes)
{
  guint h, m;

  if (s == NULL || strlen (s) != 5 || s[2] != ':' ||
      !g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]) ||
      !g_ascii_isdigit (s[3]) || !g_ascii_isdigit (s[4]))
    return FALSE;
  h = (s[0] - '0') * 10 + (s[1] - '0');
  m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0))
    return FALSE;

  *minutes = h * 60 + m;
  return TRUE;
}

static gboolean
parse_date (const char *s,
            GDate      *date)
{
  guint y, m, d;

  if (s == NULL || strlen (s) != 10 || s[4] != '-' || s[7] != '-')
    return FALSE;
  for (guint i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !g_ascii_isdigit (s[i]))
      return FALSE;
  y = atoi (s);
  m = atoi (s + 5);
  d = atoi (s + 8);
  if (!g_date_valid_dmy (d, m, y))
    return FALSE;

  g_date_clear (date, 1);
  g_date_set_dmy (date, d, m, y);
  return TRUE;
}

/* Case numbers are PREFIX-DAY-NNNN: no dash, nothing a file name or a
 * search would trip on. */
static gboolean
is_case_prefix (const char *s)
{
  gsize len = strlen (s);

  if (len == 0 || len > 16)
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s))
      return FALSE;
  return TRUE;
}

static gboolean
is_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

static int
cmp_str (gconstpointer a,
         gconstpointer b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

/* ------------------------------------------------------------ world.json */

static gboolean
load_dates (JsonObject  *cal,
            const char  *name,
            Ctx         *ctx,
            GStrv       *out,
            GError     **error)
{
  GStrv dates = NULL;

  if (!get_strv (cal, name, ctx, &dates, error))
    return FALSE;
  for (guint i = 0; dates[i]; i++)
    {
      GDate d;

      if (!parse_date (dates[i], &d))
        {
          fail (error, WG_REFERENCE_ERROR_INVALID, ctx,
                _("\"%s\" element %u (\"%s\") is not a YYYY-MM-DD date"), name, i, dates[i]);
          g_strfreev (dates);
          return FALSE;
        }
    }
  qsort (dates, g_strv_length (dates), sizeof (char *), cmp_str);
  *out = dates;

  return TRUE;
}

static gboolean
load_world (WgReference  *self,
            GError      **error)
{
  Ctx ctx = { "world.json", "" };
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *format = NULL;
  JsonObject *obj, *centre, *cal;
  JsonArray *array;
  JsonNode *node;

  if (!(root = load_json (self, &ctx, error)))
    return FALSE;
  obj = json_node_get_object (root);
  self->world = json_object_ref (obj);

  if (!get_string (obj, "format", TRUE, &ctx, &format, error))
    return FALSE;
  if (!g_str_equal (format, "wangge-world/1"))
    return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                 _("unknown format \"%s\" (expected \"wangge-world/1\")"), format);
  if (!get_string (obj, "name_zh", TRUE, &ctx, &self->name_zh, error) ||
      !get_string (obj, "street_code", TRUE, &ctx, &self->street_code, error) ||
      !get_string (obj, "time_zone", TRUE, &ctx, &self->tz_id, error))
    return FALSE;
  self->tz = g_time_zone_new_identifier (self->tz_id);
  if (self->tz == NULL)
    return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                 _("unknown time zone \"%s\""), self->tz_id);
  node = member (obj, "synthetic");
  self->synthetic = node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_boolean (node);

  ctx_item (&ctx, "centre");
  if (!(centre = get_object (obj, "centre", TRUE, &ctx, error)) ||
      !get_position (centre, &ctx, &self->centre_lat, &self->centre_lon, error))
    return FALSE;

  ctx_item (&ctx, "calendar");
  if (!(cal = get_object (obj, "calendar", TRUE, &ctx, error)))
    return FALSE;
  if (!(array = get_array (cal, "work_week", TRUE, &ctx, error)))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *day = json_array_get_element (array, i);
      gint64 d = JSON_NODE_HOLDS_VALUE (day) && json_node_get_value_type (day) == G_TYPE_INT64
                 ? json_node_get_int (day) : 0;

      if (d < 1 || d > 7)
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("\"work_week\" element %u is not an ISO weekday 1 to 7"), i);
      self->calendar.work_week |= 1 << d;
    }
  if (!(array = get_array (cal, "work_hours", TRUE, &ctx, error)))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *start = NULL, *end = NULL;
      guint s, e;
      JsonObject *period;

      ctx_item (&ctx, "calendar work_hours[%u]", i);
      if (!(period = element_object (array, i, &ctx, error)) ||
          !get_string (period, "start", TRUE, &ctx, &start, error) ||
          !get_string (period, "end", TRUE, &ctx, &end, error))
        return FALSE;
      if (!parse_hhmm (start, &s) || !parse_hhmm (end, &e) || e <= s)
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("\"%s\" to \"%s\" is not a period of HH:MM times within one day"), start, end);
      g_array_append_val (self->calendar.work_periods, s);
      g_array_append_val (self->calendar.work_periods, e);
    }
  ctx_item (&ctx, "calendar");
  if (!load_dates (cal, "holidays", &ctx, &self->calendar.holidays, error) ||
      !load_dates (cal, "workdays", &ctx, &self->calendar.workdays, error))
    return FALSE;

  return TRUE;
}

/* ------------------------------------------------------------ departments.json */

static gboolean
load_departments (WgReference  *self,
                  GError      **error)
{
  Ctx ctx = { "departments.json", "" };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;

  if (!(root = load_json (self, &ctx, error)) ||
      !(array = get_array (json_node_get_object (root), "departments", TRUE, &ctx, error)))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      WgDepartment *d = g_new0 (WgDepartment, 1);
      JsonObject *obj;
      JsonNode *node;

      g_ptr_array_add (self->departments, d);
      ctx_item (&ctx, "department %u", i);
      if (!(obj = element_object (array, i, &ctx, error)) ||
          !get_string (obj, "code", TRUE, &ctx, &d->code, error))
        return FALSE;
      ctx_item (&ctx, "department %u (%s)", i, d->code);
      if (!get_string (obj, "name_zh", TRUE, &ctx, &d->name_zh, error) ||
          !get_string (obj, "name_en", FALSE, &ctx, &d->name_en, error) ||
          !get_string (obj, "account", TRUE, &ctx, &d->account, error))
        return FALSE;
      node = member (obj, "stationed");
      d->stationed = node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_boolean (node);
      if (!g_hash_table_insert (self->departments_by_code, d->code, d))
        return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx, _("code used twice"));
    }

  return TRUE;
}

/* ------------------------------------------------------------ grids.geojson */

static gboolean
parse_ring (JsonArray   *coords,
            const Ctx   *ctx,
            const char  *where,
            GArray      *points,
            GError     **error)
{
  g_array_set_size (points, 0);
  for (guint k = 0; k < json_array_get_length (coords); k++)
    {
      JsonNode *pos = json_array_get_element (coords, k);
      JsonArray *pa;
      WgGeoPoint p;

      if (!JSON_NODE_HOLDS_ARRAY (pos) || json_array_get_length (pa = json_node_get_array (pos)) < 2)
        return fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx,
                     _("%s position %u is not a [lon, lat] array"), where, k);
      for (guint c = 0; c < 2; c++)
        {
          JsonNode *v = json_array_get_element (pa, c);
          GType t = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;

          if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
            return fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx,
                         _("%s position %u is not a [lon, lat] array"), where, k);
        }
      p.lon = json_array_get_double_element (pa, 0);
      p.lat = json_array_get_double_element (pa, 1);
      g_array_append_val (points, p);
    }
  if (points->len < 4)
    return fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx,
                 _("%s has %u positions; a ring needs at least 4, the first repeated at the end"), where, points->len);
  if (g_array_index (points, WgGeoPoint, 0).lat != g_array_index (points, WgGeoPoint, points->len - 1).lat ||
      g_array_index (points, WgGeoPoint, 0).lon != g_array_index (points, WgGeoPoint, points->len - 1).lon)
    return fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx,
                 _("%s does not end where it starts (first and last positions differ)"), where);

  return TRUE;
}

static gboolean
parse_polygon (JsonArray   *rings,
               WgGeoShape  *shape,
               const Ctx   *ctx,
               guint        part,
               GError     **error)
{
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (WgGeoPoint));

  if (json_array_get_length (rings) == 0)
    return fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx, _("polygon %u has no rings"), part);
  for (guint r = 0; r < json_array_get_length (rings); r++)
    {
      JsonNode *ring = json_array_get_element (rings, r);
      g_autofree char *where = g_strdup_printf (_("polygon %u ring %u"), part, r);

      if (!JSON_NODE_HOLDS_ARRAY (ring))
        return fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx, _("%s is not an array"), where);
      if (!parse_ring (json_node_get_array (ring), ctx, where, points, error))
        return FALSE;
      wg_geo_shape_add_ring (shape, &g_array_index (points, WgGeoPoint, 0), points->len, r > 0);
    }

  return TRUE;
}

static WgGeoShape *
parse_geometry (JsonObject  *feature,
                const Ctx   *ctx,
                GError     **error)
{
  g_autoptr(WgGeoShape) shape = wg_geo_shape_new ();
  g_autofree char *type = NULL;
  g_autoptr(GError) local = NULL;
  JsonObject *geom;
  JsonArray *coords;

  if (!(geom = get_object (feature, "geometry", TRUE, ctx, error)) ||
      !get_string (geom, "type", TRUE, ctx, &type, error) ||
      !(coords = get_array (geom, "coordinates", TRUE, ctx, error)))
    return NULL;

  if (g_str_equal (type, "Polygon"))
    {
      if (!parse_polygon (coords, shape, ctx, 0, error))
        return NULL;
    }
  else if (g_str_equal (type, "MultiPolygon"))
    {
      for (guint p = 0; p < json_array_get_length (coords); p++)
        {
          JsonNode *poly = json_array_get_element (coords, p);

          if (!JSON_NODE_HOLDS_ARRAY (poly))
            {
              fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx, _("polygon %u is not an array"), p);
              return NULL;
            }
          if (!parse_polygon (json_node_get_array (poly), shape, ctx, p, error))
            return NULL;
        }
    }
  else
    {
      fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx,
            _("geometry type \"%s\" is not Polygon or MultiPolygon"), type);
      return NULL;
    }

  if (!wg_geo_shape_validate (shape, &local))
    {
      fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx, _("invalid polygon: %s"), local->message);
      return NULL;
    }

  return g_steal_pointer (&shape);
}

/* "polygon 0 ring 1", written only for a message. */
static const char *
ring_label (char  **label,
            guint   part,
            guint   ring)
{
  g_free (*label);
  *label = g_strdup_printf (_("polygon %u ring %u"), part, ring);
  return *label;
}

/* Grid @i's outline from a blob's columns (wg-reference-blob.h): the
 * same checks as parse_ring() on rings that need no parsing. */
static WgGeoShape *
outline_from_blob (const WgReferenceBlob  *blob,
                   guint                   i,
                   const Ctx              *ctx,
                   GError                **error)
{
  const guint32 *ring_start = blob->column[WG_REFERENCE_BLOB_GRID_RING_START];
  const guint32 *point_start = blob->column[WG_REFERENCE_BLOB_RING_POINT_START];
  const guint32 *hole = blob->column[WG_REFERENCE_BLOB_RING_HOLE];
  g_autoptr(WgGeoShape) shape = wg_geo_shape_new ();
  g_autoptr(GError) local = NULL;
  guint part = 0, ring = 0;

  if (ring_start[i] == ring_start[i + 1])
    {
      fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx, _("polygon %u has no rings"), 0);
      return NULL;
    }
  for (guint r = ring_start[i]; r < ring_start[i + 1]; r++)
    {
      /* Lon, lat pairs: a WgGeoPoint's layout. */
      const WgGeoPoint *points = (const WgGeoPoint *) blob->doubles[WG_REFERENCE_BLOB_RING_COORDS] + point_start[r];
      guint n_points = point_start[r + 1] - point_start[r];
      g_autofree char *where = NULL;

      if (r > ring_start[i] && !hole[r])
        {
          part++;
          ring = 0;
        }
      else if (r > ring_start[i])
        ring++;
      if (r == ring_start[i] && hole[r])
        {
          fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx, _("%s is not an array"), ring_label (&where, part, ring));
          return NULL;
        }
      for (guint k = 0; k < n_points; k++)
        if (!isfinite (points[k].lon) || !isfinite (points[k].lat))
          {
            fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx, _("%s position %u is not a [lon, lat] array"),
                  ring_label (&where, part, ring), k);
            return NULL;
          }
      if (n_points < 4)
        {
          fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx,
                _("%s has %u positions; a ring needs at least 4, the first repeated at the end"),
                ring_label (&where, part, ring), n_points);
          return NULL;
        }
      if (points[0].lon != points[n_points - 1].lon || points[0].lat != points[n_points - 1].lat)
        {
          fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx,
                _("%s does not end where it starts (first and last positions differ)"), ring_label (&where, part, ring));
          return NULL;
        }
      wg_geo_shape_add_ring (shape, points, n_points, hole[r]);
    }
  if (!wg_geo_shape_validate (shape, &local))
    {
      fail (error, WG_REFERENCE_ERROR_GEOMETRY, ctx, _("invalid polygon: %s"), local->message);
      return NULL;
    }
  return g_steal_pointer (&shape);
}

static int
cmp_grid (gconstpointer a,
          gconstpointer b)
{
  const WgGrid *x = *(WgGrid * const *) a;
  const WgGrid *y = *(WgGrid * const *) b;

  if (x->level != y->level)
    return x->level < y->level ? -1 : 1;
  return strcmp (x->code, y->code);
}

/* A grid's fields from its feature in grids.geojson. */
static gboolean
read_grid_feature (JsonArray   *features,
                   guint        i,
                   WgGrid      *g,
                   char       **parent,
                   GStrv       *responsible,
                   Ctx         *ctx,
                   GError     **error)
{
  JsonObject *feature, *props;

  if (!(feature = element_object (features, i, ctx, error)) ||
      !(props = get_object (feature, "properties", TRUE, ctx, error)) ||
      !get_string (props, "code", TRUE, ctx, &g->code, error))
    return FALSE;
  ctx_record (ctx, "feature", i, "code", g->code);
  if (!is_digits (g->code))
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("the code is not all digits"));
  if (!get_string (props, "name_zh", TRUE, ctx, &g->name_zh, error) ||
      !get_uint (props, "level", TRUE, 64, ctx, &g->level, error) ||
      !get_string (props, "kind", FALSE, ctx, &g->kind, error) ||
      !get_uint (props, "households", FALSE, G_MAXINT, ctx, &g->households, error) ||
      !get_uint (props, "volunteers", FALSE, G_MAXINT, ctx, &g->volunteers, error) ||
      !get_string (props, "parent", FALSE, ctx, parent, error) ||
      !get_string (props, "name_en", FALSE, ctx, &g->name_en, error) ||
      !get_string (props, "case_prefix", FALSE, ctx, &g->case_prefix, error) ||
      !get_strv (props, "responsible", ctx, responsible, error))
    return FALSE;
  return (g->shape = parse_geometry (feature, ctx, error)) != NULL;
}

/* A run of texts as a string vector of its own. */
static GStrv
texts_dup (const WgReferenceBlob  *blob,
           WgReferenceBlobColumn   column,
           WgReferenceBlobColumn   starts,
           guint                   i)
{
  guint from = blob->column[starts][i], to = blob->column[starts][i + 1];
  GStrv texts = g_new (char *, to - from + 1);

  for (guint k = from; k < to; k++)
    texts[k - from] = g_strdup (wg_reference_blob_text (blob, blob->column[column][k]));
  texts[to - from] = NULL;
  return texts;
}

#define BLOB_TEXT(blob, name, i) wg_reference_blob_text ((blob), (blob)->column[WG_REFERENCE_BLOB_##name][i])

/* A grid's fields from its row in a blob's columns (wg-reference-blob.h),
 * with the checks read_grid_feature() makes. */
static gboolean
read_grid_row (const WgReferenceBlob  *blob,
               guint                   i,
               WgGrid                 *g,
               char                  **parent,
               GStrv                  *responsible,
               Ctx                    *ctx,
               GError                **error)
{
  g->code = g_strdup (BLOB_TEXT (blob, GRID_CODE, i));
  g->name_zh = g_strdup (BLOB_TEXT (blob, GRID_NAME_ZH, i));
  g->name_en = g_strdup (BLOB_TEXT (blob, GRID_NAME_EN, i));
  g->kind = g_strdup (BLOB_TEXT (blob, GRID_KIND, i));
  *parent = g_strdup (BLOB_TEXT (blob, GRID_PARENT, i));
  g->case_prefix = g_strdup (BLOB_TEXT (blob, GRID_CASE_PREFIX, i));
  g->level = blob->column[WG_REFERENCE_BLOB_GRID_LEVEL][i];
  g->households = blob->column[WG_REFERENCE_BLOB_GRID_HOUSEHOLDS][i];
  g->volunteers = blob->column[WG_REFERENCE_BLOB_GRID_VOLUNTEERS][i];
  *responsible = texts_dup (blob, WG_REFERENCE_BLOB_RESPONSIBLE, WG_REFERENCE_BLOB_GRID_RESPONSIBLE_START, i);
  if (!check_required (g->code, "code", ctx, error))
    return FALSE;
  ctx_record (ctx, "feature", i, "code", g->code);
  if (!is_digits (g->code))
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("the code is not all digits"));
  if (!check_required (g->name_zh, "name_zh", ctx, error) ||
      !check_range (g->level, "level", 0, 64, ctx, error) ||
      !check_range (g->households, "households", 0, G_MAXINT, ctx, error) ||
      !check_range (g->volunteers, "volunteers", 0, G_MAXINT, ctx, error))
    return FALSE;
  return (g->shape = outline_from_blob (blob, i, ctx, error)) != NULL;
}

/* Work on a blob's rows that may run on a thread of its own: on a
 * machine of one core it runs when its result is first needed. */
typedef struct
{
  GThread     *thread;
  GThreadFunc  run;
  gpointer     data;
  gboolean     done;
} Job;

static void
job_start (Job        *job,
           const char *name)
{
  if (g_get_num_processors () > 1)
    job->thread = g_thread_new (name, job->run, job->data);
}

static void
job_finish (Job *job)
{
  if (job->thread != NULL)
    g_thread_join (g_steal_pointer (&job->thread));
  else if (!job->done)
    job->run (job->data);
  job->done = TRUE;
}

/* The checks of a grid that need no other grid, after its fields are
 * read; then what follows from its outline. */
static gboolean
check_grid (WgGrid     *g,
            const Ctx  *ctx,
            GError    **error)
{
  double centroid[2];

  if (g->case_prefix != NULL && !is_case_prefix (g->case_prefix))
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"case_prefix\" must be 1 to 16 letters and digits"));
  if (g->case_prefix != NULL && g->level != 1)
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("only a street (level 1) has a \"case_prefix\""));
  if (g->level == 0)
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"level\" must be 1 or more"));
  if (g->kind == NULL)
    g->kind = g_strdup (g->level == 1 ? "street" : g->level == 2 ? "community" : "grid");
  wg_geo_shape_centroid (g->shape, &centroid[0], &centroid[1]);
  g->centroid_lat = centroid[0];
  g->centroid_lon = centroid[1];
  g->area_m2 = wg_geo_shape_area_m2 (g->shape);
  return TRUE;
}

/* Rows [from, to) of a blob's grids, read and checked as far as a row goes
 * without the others (read_grid_row(), check_grid()), into arrays of
 * their own; load_grids() takes them in order once the job is finished.
 * Nothing of the model is touched here. */
typedef struct _GridRead
{
  Job                    job;
  const WgReferenceBlob *blob;
  guint                  from;
  guint                  to;
  WgGrid               **grids;        /* each array owns what load_grids() has not taken */
  char                 **parents;
  GStrv                 *responsible;
  guint                  n_read;       /* rows from .. from + n_read read */
  GError                *error;        /* of the row after them, if any */
} GridRead;

static gpointer
grid_read_run (gpointer data)
{
  GridRead *read = data;
  Ctx ctx = { "grids.geojson", "" };

  for (guint i = read->from; i < read->to; i++)
    {
      guint k = i - read->from;
      WgGrid *g = g_new0 (WgGrid, 1);

      g->children = g_ptr_array_new ();
      g->responsible = g_ptr_array_new ();
      read->grids[k] = g;
      ctx_record (&ctx, "feature", i, "code", NULL);
      if (!read_grid_row (read->blob, i, g, &read->parents[k], &read->responsible[k], &ctx, &read->error) ||
          !check_grid (g, &ctx, &read->error))
        break;
      read->n_read++;
    }
  return NULL;
}

static GridRead *
grid_read_new (const WgReferenceBlob *blob,
               guint                  from,
               guint                  to)
{
  GridRead *read = g_new0 (GridRead, 1);

  read->blob = blob;
  read->from = from;
  read->to = to;
  read->grids = g_new0 (WgGrid *, to - from);
  read->parents = g_new0 (char *, to - from);
  read->responsible = g_new0 (GStrv, to - from);
  read->job.run = grid_read_run;
  read->job.data = read;
  return read;
}

static void
grid_read_free (GridRead *read)
{
  if (read == NULL)
    return;
  if (read->job.thread != NULL)
    g_thread_join (read->job.thread);
  for (guint k = 0; k < read->to - read->from; k++)
    {
      if (read->grids[k] != NULL)
        grid_free (read->grids[k]);
      g_free (read->parents[k]);
      g_strfreev (read->responsible[k]);
    }
  g_free (read->grids);
  g_free (read->parents);
  g_free (read->responsible);
  g_clear_error (&read->error);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GridRead, grid_read_free)

static gboolean
load_grids (WgReference  *self,
            Pending      *pending,
            GError      **error)
{
  Ctx ctx = { "grids.geojson", "" };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) parents = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GHashTable) prefixes = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *features = NULL;
  guint n_features;

  if (self->blob != NULL)
    n_features = self->blob->n_grids;
  else
    {
      g_autofree char *type = NULL;
      JsonObject *obj;

      if (!(root = load_json (self, &ctx, error)))
        return FALSE;
      obj = json_node_get_object (root);
      if (!get_string (obj, "type", TRUE, &ctx, &type, error))
        return FALSE;
      if (!g_str_equal (type, "FeatureCollection"))
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("type is \"%s\", expected \"FeatureCollection\""), type);
      if (!(features = get_array (obj, "features", TRUE, &ctx, error)))
        return FALSE;
      n_features = json_array_get_length (features);
    }
  if (n_features == 0)
    return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("no features"));

  for (guint i = 0; i < n_features; i++)
    {
      WgGrid *g;
      char *parent = NULL;
      GStrv responsible = NULL;

      if (self->blob != NULL)
        {
          /* Read up to check_grid() by its half's job. */
          GridRead *half = self->grid_reads[i < self->grid_reads[1]->from ? 0 : 1];
          guint k = i - half->from;

          if (k == 0)
            job_finish (&half->job);
          if (k == half->n_read)
            {
              g_propagate_error (error, g_steal_pointer (&half->error));
              return FALSE;
            }
          g = g_steal_pointer (&half->grids[k]);
          g_ptr_array_add (self->grids, g);
          g_hash_table_insert (parents, g, g_steal_pointer (&half->parents[k]));
          g_hash_table_insert (pending->responsible, g, g_steal_pointer (&half->responsible[k]));
          ctx_record (&ctx, "feature", i, "code", g->code);
        }
      else
        {
          gboolean read;

          g = g_new0 (WgGrid, 1);
          g->children = g_ptr_array_new ();
          g->responsible = g_ptr_array_new ();
          g_ptr_array_add (self->grids, g);
          ctx_record (&ctx, "feature", i, "code", NULL);
          read = read_grid_feature (features, i, g, &parent, &responsible, &ctx, error);
          g_hash_table_insert (parents, g, parent);
          g_hash_table_insert (pending->responsible, g, responsible);
          if (!read || !check_grid (g, &ctx, error))
            return FALSE;
        }
      g_hash_table_insert (pending->feature_of, g, GUINT_TO_POINTER (i + 1));
      if (!g_hash_table_insert (self->grids_by_code, g->code, g))
        return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx, _("code used twice"));
      self->max_level = MAX (self->max_level, g->level);
    }

  /* Link the tree once every code is known. */
  for (guint i = 0; i < self->grids->len; i++)
    {
      WgGrid *g = g_ptr_array_index (self->grids, i);
      const char *parent = g_hash_table_lookup (parents, g);

      ctx_record (&ctx, "feature", GPOINTER_TO_UINT (g_hash_table_lookup (pending->feature_of, g)) - 1, "code",
                  g->code);
      if (parent == NULL)
        {
          if (g->level != 1)
            return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                         _("no parent, but level %u (only the level 1 root has none)"), g->level);
          /* A city has several streets, each a root of its own tree. */
          if (g->case_prefix != NULL &&
              !g_hash_table_add (prefixes, g->case_prefix))
            return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx,
                         _("the case prefix \"%s\" of another street"), g->case_prefix);
          g_ptr_array_add (self->streets, g);
          continue;
        }
      g->parent = g_hash_table_lookup (self->grids_by_code, parent);
      if (g->parent == NULL)
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown parent \"%s\""), parent);
      if (g->parent->level + 1 != g->level)
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("level %u under a parent of level %u"), g->level, g->parent->level);
      /* Each level adds three digits to its parent's code. */
      if (strlen (g->code) != strlen (parent) + 3 || !g_str_has_prefix (g->code, parent))
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("the code must be the parent's code %s followed by 3 digits"), parent);
      g_ptr_array_add (g->parent->children, g);
    }
  if (self->streets->len == 0)
    {
      ctx_clear (&ctx);
      return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("no root grid (level 1, no parent)"));
    }

  g_ptr_array_sort (self->grids, cmp_grid);
  self->index = wg_grid_index_new ();
  for (guint i = 0; i < self->grids->len; i++)
    {
      WgGrid *g = g_ptr_array_index (self->grids, i);

      g->index = i;
      g_ptr_array_sort (g->children, cmp_grid);
      wg_grid_index_add (self->index, g->shape, g->level, g);
    }
  wg_grid_index_build (self->index);
  g_ptr_array_sort (self->streets, cmp_grid);
  self->root = g_ptr_array_index (self->streets, 0);

  self->level_start = g_new0 (guint, self->max_level + 2);
  self->pick_sums = g_new (double, self->grids->len);
  for (guint i = 0, level = 0; i < self->grids->len; i++)
    {
      WgGrid *g = g_ptr_array_index (self->grids, i);
      double weight = MAX (g->households, 1);

      while (level < g->level)
        self->level_start[++level] = i;
      self->pick_sums[i] = i > self->level_start[level] ? self->pick_sums[i - 1] + weight : weight;
    }
  self->level_start[self->max_level + 1] = self->grids->len;

  return TRUE;
}

/* ------------------------------------------------------------ stations.json */

static void
set_station (WgGrid    *grid,
             WgStation *station)
{
  grid->station = station;
  for (guint i = 0; i < grid->children->len; i++)
    set_station (g_ptr_array_index (grid->children, i), station);
}

static gboolean
load_stations (WgReference  *self,
               Pending      *pending,
               GError      **error)
{
  Ctx ctx = { "stations.json", "" };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;

  if (!(root = load_json (self, &ctx, error)) ||
      !(array = get_array (json_node_get_object (root), "stations", TRUE, &ctx, error)))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      WgStation *s = g_new0 (WgStation, 1);
      g_autofree char *grid = NULL;
      char *leader = NULL;
      JsonObject *obj;

      g_ptr_array_add (self->stations, s);
      ctx_item (&ctx, "station %u", i);
      if (!(obj = element_object (array, i, &ctx, error)) ||
          !get_string (obj, "code", TRUE, &ctx, &s->code, error))
        return FALSE;
      ctx_item (&ctx, "station %u (code %s)", i, s->code);
      if (!get_string (obj, "name_zh", TRUE, &ctx, &s->name_zh, error) ||
          !get_string (obj, "name_en", FALSE, &ctx, &s->name_en, error) ||
          !get_string (obj, "grid", TRUE, &ctx, &grid, error) ||
          !get_position (obj, &ctx, &s->lat, &s->lon, error) ||
          !get_string (obj, "leader", FALSE, &ctx, &leader, error))
        return FALSE;
      if (leader)
        g_hash_table_insert (pending->leaders, s, leader);
      if (!g_hash_table_insert (self->stations_by_code, s->code, s))
        return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx, _("code used twice"));
      if (!(s->grid = g_hash_table_lookup (self->grids_by_code, grid)))
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown grid \"%s\""), grid);
      if (!wg_geo_shape_contains (s->grid->shape, s->lat, s->lon))
        return fail (error, WG_REFERENCE_ERROR_GEOMETRY, &ctx,
                     _("the position (%.7f, %.7f) lies outside its grid %s"), s->lat, s->lon, grid);
    }

  /* Shallow stations first, so that a deeper station overrides them for
   * its own subtree. */
  for (guint level = 1; level <= self->max_level; level++)
    for (guint i = 0; i < self->stations->len; i++)
      {
        WgStation *s = g_ptr_array_index (self->stations, i);

        if (s->grid->level == level)
          set_station (s->grid, s);
      }

  return TRUE;
}

/* ------------------------------------------------------------ forces.json */

/* What a force names, before it is checked and linked. */
typedef struct
{
  char   *type;
  char   *speed;
  char   *grid;
  char   *station;
  char   *department;
} ForceNames;

static void
force_names_clear (ForceNames *names)
{
  g_free (names->type);
  g_free (names->speed);
  g_free (names->grid);
  g_free (names->station);
  g_free (names->department);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ForceNames, force_names_clear)

/* From forces.json's item @i. */
static gboolean
read_force_object (JsonArray   *array,
                   guint        i,
                   WgForce     *f,
                   ForceNames  *names,
                   Ctx         *ctx,
                   GError     **error)
{
  JsonObject *obj;

  if (!(obj = element_object (array, i, ctx, error)) ||
      !get_string (obj, "id", TRUE, ctx, &f->id, error))
    return FALSE;
  ctx_record (ctx, "force", i, "id", f->id);
  if (!get_string (obj, "type", TRUE, ctx, &names->type, error))
    return FALSE;
  if (!wg_force_type_from_slug (names->type, &f->type))
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("unknown force type \"%s\""), names->type);
  return get_string (obj, "sub_kind", f->type == WG_FORCE_FIVE_HEAD, ctx, &f->sub_kind, error) &&
         get_string (obj, "name_zh", TRUE, ctx, &f->name_zh, error) &&
         get_string (obj, "title_zh", FALSE, ctx, &f->title_zh, error) &&
         get_string (obj, "account", TRUE, ctx, &f->account, error) &&
         get_string (obj, "speed", TRUE, ctx, &names->speed, error) &&
         get_position (obj, ctx, &f->lat, &f->lon, error) &&
         get_uint (obj, "members", FALSE, 1000000, ctx, &f->members, error) &&
         get_strv (obj, "capabilities", ctx, &f->capabilities, error) &&
         get_string (obj, "grid", FALSE, ctx, &names->grid, error) &&
         get_string (obj, "station", FALSE, ctx, &names->station, error) &&
         get_string (obj, "department", f->type == WG_FORCE_DEPARTMENT_TEAM, ctx, &names->department, error);
}

/* What a force of a blob names, as texts of the blob. */
typedef struct
{
  const char *speed;
  const char *grid;
  const char *station;
  const char *department;
} ForceLinks;

/* A blob's forces, read on a thread of their own while the loader reads
 * the rest (wg_reference_load_blob()): each row decoded and checked as
 * read_force_object() and the first checks of load_forces() would, into
 * arrays of its own; load_forces() takes them once the thread is joined.
 * Nothing of the model is touched here. */
typedef struct _ForceRead
{
  Job                    job;
  const WgReferenceBlob *blob;
  WgForce              **forces;   /* owns those load_forces() has not taken */
  ForceLinks            *links;
  GHashTable            *by_id;    /* id -> WgForce* */
  guint                  n_read;   /* forces[0 .. n_read) read */
  GError                *error;    /* of forces[n_read], if any */
} ForceRead;

/* From a blob's row @i, with the checks read_force_object() makes. */
static gboolean
read_force_row (const WgReferenceBlob  *blob,
                guint                   i,
                WgForce                *f,
                ForceLinks             *links,
                Ctx                    *ctx,
                GError                **error)
{
  const char *type = BLOB_TEXT (blob, FORCE_TYPE, i);

  f->id = g_strdup (BLOB_TEXT (blob, FORCE_ID, i));
  f->sub_kind = g_strdup (BLOB_TEXT (blob, FORCE_SUB_KIND, i));
  f->name_zh = g_strdup (BLOB_TEXT (blob, FORCE_NAME_ZH, i));
  f->title_zh = g_strdup (BLOB_TEXT (blob, FORCE_TITLE_ZH, i));
  f->account = g_strdup (BLOB_TEXT (blob, FORCE_ACCOUNT, i));
  f->lat = blob->doubles[WG_REFERENCE_BLOB_FORCE_LAT][i];
  f->lon = blob->doubles[WG_REFERENCE_BLOB_FORCE_LON][i];
  f->members = blob->column[WG_REFERENCE_BLOB_FORCE_MEMBERS][i];
  f->capabilities = texts_dup (blob, WG_REFERENCE_BLOB_CAPABILITY, WG_REFERENCE_BLOB_FORCE_CAPABILITY_START, i);
  links->speed = BLOB_TEXT (blob, FORCE_SPEED, i);
  links->grid = BLOB_TEXT (blob, FORCE_GRID, i);
  links->station = BLOB_TEXT (blob, FORCE_STATION, i);
  links->department = BLOB_TEXT (blob, FORCE_DEPARTMENT, i);
  if (!check_required (f->id, "id", ctx, error))
    return FALSE;
  ctx_record (ctx, "force", i, "id", f->id);
  if (!check_required (type, "type", ctx, error))
    return FALSE;
  if (!wg_force_type_from_slug (type, &f->type))
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("unknown force type \"%s\""), type);
  if (f->type == WG_FORCE_FIVE_HEAD && !check_required (f->sub_kind, "sub_kind", ctx, error))
    return FALSE;
  if (f->type == WG_FORCE_DEPARTMENT_TEAM && !check_required (links->department, "department", ctx, error))
    return FALSE;
  if (!check_required (f->name_zh, "name_zh", ctx, error) ||
      !check_required (f->account, "account", ctx, error) ||
      !check_required (links->speed, "speed", ctx, error) ||
      !check_range (f->lat, "lat", -90, 90, ctx, error) ||
      !check_range (f->lon, "lon", -180, 180, ctx, error) ||
      !check_range (f->members, "members", 0, 1000000, ctx, error))
    return FALSE;
  return TRUE;
}

static gpointer
force_read_run (gpointer data)
{
  ForceRead *read = data;
  const WgReferenceBlob *blob = read->blob;
  Ctx ctx = { "forces.json", "" };

  for (guint i = 0; i < blob->n_forces; i++)
    {
      WgForce *f = g_new0 (WgForce, 1);

      read->forces[i] = f;
      ctx_record (&ctx, "force", i, "id", NULL);
      if (!read_force_row (blob, i, f, &read->links[i], &ctx, &read->error))
        break;
      if (!g_hash_table_insert (read->by_id, f->id, f))
        {
          fail (&read->error, WG_REFERENCE_ERROR_DUPLICATE, &ctx, _("id used twice"));
          break;
        }
      if (!wg_speed_class_from_slug (read->links[i].speed, &f->speed))
        {
          fail (&read->error, WG_REFERENCE_ERROR_INVALID, &ctx, _("unknown speed \"%s\" (foot, bicycle or car)"),
                read->links[i].speed);
          break;
        }
      read->n_read++;
    }
  return NULL;
}

static ForceRead *
force_read_new (const WgReferenceBlob *blob)
{
  ForceRead *read = g_new0 (ForceRead, 1);

  read->blob = blob;
  read->forces = g_new0 (WgForce *, blob->n_forces);
  read->links = g_new0 (ForceLinks, blob->n_forces);
  read->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  read->job.run = force_read_run;
  read->job.data = read;
  return read;
}

static void
force_read_free (ForceRead *read)
{
  if (read == NULL)
    return;
  if (read->job.thread != NULL)
    g_thread_join (read->job.thread);
  for (guint i = 0; i < read->blob->n_forces; i++)
    if (read->forces[i] != NULL)
      force_free (read->forces[i]);
  g_free (read->forces);
  g_free (read->links);
  g_clear_pointer (&read->by_id, g_hash_table_unref);
  g_clear_error (&read->error);
  g_free (read);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForceRead, force_read_free)

static gboolean
load_forces (WgReference  *self,
             GError      **error)
{
  Ctx ctx = { "forces.json", "" };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array = NULL;
  ForceRead *blob_read = self->force_read;
  guint n_forces;

  if (blob_read != NULL)
    {
      job_finish (&blob_read->job);
      n_forces = blob_read->blob->n_forces;
      g_hash_table_unref (self->forces_by_id);
      self->forces_by_id = g_steal_pointer (&blob_read->by_id);
    }
  else
    {
      if (!(root = load_json (self, &ctx, error)) ||
          !(array = get_array (json_node_get_object (root), "forces", TRUE, &ctx, error)))
        return FALSE;
      n_forces = json_array_get_length (array);
    }

  for (guint i = 0; i < n_forces; i++)
    {
      g_auto(ForceNames) names = { NULL };
      ForceLinks links;
      WgForce *f;

      if (blob_read != NULL)
        {
          /* Read and checked up to its speed by the forces' job. */
          if (i == blob_read->n_read)
            {
              g_propagate_error (error, g_steal_pointer (&blob_read->error));
              return FALSE;
            }
          f = g_steal_pointer (&blob_read->forces[i]);
          g_ptr_array_add (self->forces, f);
          links = blob_read->links[i];
          ctx_record (&ctx, "force", i, "id", f->id);
        }
      else
        {
          f = g_new0 (WgForce, 1);
          f->members = 1;
          g_ptr_array_add (self->forces, f);
          ctx_record (&ctx, "force", i, "id", NULL);
          if (!read_force_object (array, i, f, &names, &ctx, error))
            return FALSE;
          if (!g_hash_table_insert (self->forces_by_id, f->id, f))
            return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx, _("id used twice"));
          if (!wg_speed_class_from_slug (names.speed, &f->speed))
            return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                         _("unknown speed \"%s\" (foot, bicycle or car)"), names.speed);
          links = (ForceLinks) { names.speed, names.grid, names.station, names.department };
        }
      if (links.grid && !(f->grid = g_hash_table_lookup (self->grids_by_code, links.grid)))
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown grid \"%s\""), links.grid);
      if (links.station && !(f->station = g_hash_table_lookup (self->stations_by_code, links.station)))
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown station \"%s\""), links.station);
      if (links.department && !(f->department = g_hash_table_lookup (self->departments_by_code, links.department)))
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown department \"%s\""),
                     links.department);
      if (f->station == NULL && f->grid != NULL)
        f->station = f->grid->station;
      if (f->grid == NULL && f->station == NULL && f->department == NULL)
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("neither a home \"grid\", \"station\" nor \"department\""));
      g_ptr_array_add (self->forces_by_type[f->type], f);
      {
        GPtrArray *own = g_hash_table_lookup (self->forces_by_account, f->account);

        if (own == NULL)
          {
            own = g_ptr_array_new ();
            g_hash_table_insert (self->forces_by_account, f->account, own);
          }
        g_ptr_array_add (own, f);
      }
    }

  return TRUE;
}

static gboolean
link_people (WgReference  *self,
             Pending      *pending,
             GError      **error)
{
  Ctx ctx = { "grids.geojson", "" };
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < self->grids->len; i++)
    {
      WgGrid *g = g_ptr_array_index (self->grids, i);
      GStrv ids = g_hash_table_lookup (pending->responsible, g);

      ctx_record (&ctx, "feature", GPOINTER_TO_UINT (g_hash_table_lookup (pending->feature_of, g)) - 1, "code",
                  g->code);
      for (guint k = 0; ids && ids[k]; k++)
        {
          WgForce *f = g_hash_table_lookup (self->forces_by_id, ids[k]);

          if (f == NULL)
            return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx,
                         _("unknown responsible force \"%s\""), ids[k]);
          g_ptr_array_add (g->responsible, f);
        }
    }

  ctx.file = "stations.json";
  g_hash_table_iter_init (&iter, pending->leaders);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      WgStation *s = key;

      ctx_item (&ctx, "station %s", s->code);
      if (!(s->leader = g_hash_table_lookup (self->forces_by_id, value)))
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx,
                     _("unknown leader force \"%s\""), (const char *) value);
    }

  return TRUE;
}

/* ------------------------------------------------------------ police_grids.geojson */

static gboolean
has_police_grids (WgReference *self)
{
  g_autofree char *path = NULL;

  if (self->spans != NULL)
    return g_hash_table_contains (self->spans, "police_grids");
  if (self->from_bundle)
    return json_object_has_member (self->bundle, "police_grids");
  path = g_build_filename (self->dir, "police_grids.geojson", NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Optional: a street without a police grid layer has no such file (or no
 * "police_grids" member in a bundle).  Needs the grids and the forces. */
static gboolean
load_police_grids (WgReference  *self,
                   GError      **error)
{
  Ctx ctx = { "police_grids.geojson", "" };
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *type = NULL;
  JsonArray *features;

  if (!has_police_grids (self))
    return TRUE;
  if (!(root = load_json (self, &ctx, error)) ||
      !get_string (json_node_get_object (root), "type", TRUE, &ctx, &type, error))
    return FALSE;
  if (!g_str_equal (type, "FeatureCollection"))
    return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                 _("type is \"%s\", expected \"FeatureCollection\""), type);
  if (!(features = get_array (json_node_get_object (root), "features", TRUE, &ctx, error)))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (features); i++)
    {
      WgPoliceGrid *p = g_new0 (WgPoliceGrid, 1);
      g_autofree char *station = NULL;
      g_auto(GStrv) grids = NULL, police = NULL;
      JsonObject *feature, *props;

      p->grids = g_ptr_array_new ();
      p->police = g_ptr_array_new ();
      g_ptr_array_add (self->police_grids, p);
      ctx_item (&ctx, "feature %u", i);
      if (!(feature = element_object (features, i, &ctx, error)) ||
          !(props = get_object (feature, "properties", TRUE, &ctx, error)) ||
          !get_string (props, "code", TRUE, &ctx, &p->code, error))
        return FALSE;
      ctx_item (&ctx, "feature %u (code %s)", i, p->code);
      if (!g_hash_table_insert (self->police_grids_by_code, p->code, p))
        return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx, _("code used twice"));
      if (!get_string (props, "name_zh", TRUE, &ctx, &p->name_zh, error) ||
          !get_string (props, "station", FALSE, &ctx, &station, error) ||
          !get_strv (props, "grids", &ctx, &grids, error) ||
          !get_strv (props, "police", &ctx, &police, error) ||
          !(p->shape = parse_geometry (feature, &ctx, error)))
        return FALSE;
      if (station && !(p->station = g_hash_table_lookup (self->stations_by_code, station)))
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown station \"%s\""), station);
      if (grids == NULL || grids[0] == NULL)
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("no \"grids\": a police grid is made of governance grids"));
      for (guint k = 0; grids[k]; k++)
        {
          WgGrid *g = g_hash_table_lookup (self->grids_by_code, grids[k]);

          if (g == NULL)
            return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown grid \"%s\""), grids[k]);
          if (g->police_grid != NULL)
            return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx,
                         _("grid %s is already in police grid %s"), g->code, g->police_grid->code);
          g->police_grid = p;
          g_ptr_array_add (p->grids, g);
        }
      for (guint k = 0; police && police[k]; k++)
        {
          WgForce *f = g_hash_table_lookup (self->forces_by_id, police[k]);

          if (f == NULL)
            return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown force \"%s\""), police[k]);
          if (f->type != WG_FORCE_COMMUNITY_POLICE && f->type != WG_FORCE_AUXILIARY_POLICE)
            return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                         _("force %s is not community or auxiliary police"), f->id);
          if (f->police_grid != NULL)
            return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx,
                         _("force %s already belongs to police grid %s"), f->id, f->police_grid->code);
          f->police_grid = p;
          g_ptr_array_add (p->police, f);
        }
      wg_geo_shape_centroid (p->shape, &p->centroid_lat, &p->centroid_lon);
    }

  return TRUE;
}

/* ------------------------------------------------------------ categories.json */

static gboolean
get_optional_boolean (JsonObject  *obj,
                      const char  *name,
                      const Ctx   *ctx,
                      int         *out,
                      GError     **error)
{
  JsonNode *node = member (obj, name);

  *out = -1;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx, _("\"%s\" is not true or false"), name);
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* "mediate_first" (default false), "call_back" (default: by source) and
 * "sensitive" (default: disputes and petitions). */
static gboolean
get_cycle_flags (JsonObject  *obj,
                 WgCategory  *c,
                 const Ctx   *ctx,
                 GError     **error)
{
  int mediate_first, call_back, sensitive;

  if (!get_optional_boolean (obj, "mediate_first", ctx, &mediate_first, error) ||
      !get_optional_boolean (obj, "call_back", ctx, &call_back, error) ||
      !get_optional_boolean (obj, "sensitive", ctx, &sensitive, error))
    return FALSE;
  c->mediate_first = mediate_first == 1;
  c->sensitive = sensitive < 0 ? g_strcmp0 (c->klass, "dispute") == 0 || g_strcmp0 (c->klass, "petition") == 0
                               : sensitive == 1;
  c->call_back = call_back < 0 ? WG_CALL_BACK_BY_SOURCE : call_back ? WG_CALL_BACK_ALWAYS : WG_CALL_BACK_NEVER;
  if (c->mediate_first && !g_str_equal (c->grade, "professional"))
    return fail (error, WG_REFERENCE_ERROR_INVALID, ctx,
                 _("only a professional category is mediated first"));
  return TRUE;
}

static gboolean
load_categories (WgReference  *self,
                 GError      **error)
{
  Ctx ctx = { "categories.json", "" };
  g_autoptr(JsonNode) root = NULL;
  JsonArray *array;

  if (!(root = load_json (self, &ctx, error)) ||
      !(array = get_array (json_node_get_object (root), "categories", TRUE, &ctx, error)))
    return FALSE;

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      WgCategory *c = g_new0 (WgCategory, 1);
      g_autofree char *dept = NULL;
      JsonObject *obj, *limits;
      JsonArray *plan;
      guint minutes;

      g_ptr_array_add (self->categories, c);
      ctx_item (&ctx, "category %u", i);
      if (!(obj = element_object (array, i, &ctx, error)) ||
          !get_string (obj, "code", TRUE, &ctx, &c->code, error))
        return FALSE;
      ctx_item (&ctx, "category %u (%s)", i, c->code);
      if (!g_hash_table_insert (self->categories_by_code, c->code, c))
        return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx, _("code used twice"));
      if (!get_string (obj, "name_zh", TRUE, &ctx, &c->name_zh, error) ||
          !get_string (obj, "name_en", TRUE, &ctx, &c->name_en, error) ||
          !get_string (obj, "grade", TRUE, &ctx, &c->grade, error) ||
          !get_string (obj, "class", FALSE, &ctx, &c->klass, error) ||
          !get_string (obj, "department", TRUE, &ctx, &dept, error) ||
          !get_number (obj, "weight", FALSE, 0, 1e9, &ctx, &c->weight, error))
        return FALSE;
      if (!g_str_equal (c->grade, "general") && !g_str_equal (c->grade, "professional") &&
          !g_str_equal (c->grade, "emergency"))
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("unknown grade \"%s\" (general, professional or emergency)"), c->grade);
      if (!(c->department = g_hash_table_lookup (self->departments_by_code, dept)))
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown department \"%s\""), dept);
      self->category_weight_total += c->weight;

      if (!(limits = get_object (obj, "limits", TRUE, &ctx, error)))
        return FALSE;
      minutes = 0;
      if (!get_uint (limits, "handle_hours", FALSE, 10000, &ctx, &c->handle_hours, error) ||
          !get_uint (limits, "accept_hours", FALSE, 10000, &ctx, &c->accept_hours, error) ||
          !get_uint (limits, "feedback_hours", FALSE, 10000, &ctx, &c->feedback_hours, error) ||
          !get_uint (limits, "ack_seconds", FALSE, 86400, &ctx, &c->ack_seconds, error) ||
          !get_uint (limits, "dispatch_minutes", FALSE, 1440, &ctx, &minutes, error))
        return FALSE;
      c->dispatch_seconds = minutes * 60;
      minutes = 0;
      if (!get_uint (limits, "on_scene_minutes", FALSE, 1440, &ctx, &minutes, error))
        return FALSE;
      c->on_scene_seconds = minutes * 60;
      if (g_str_equal (c->grade, "professional") && (c->accept_hours == 0 || c->feedback_hours == 0))
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("a professional category needs \"accept_hours\" and \"feedback_hours\" limits"));
      if (g_str_equal (c->grade, "emergency") && (c->ack_seconds == 0 || c->dispatch_seconds == 0))
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("an emergency category needs \"ack_seconds\" and \"dispatch_minutes\" limits"));

      if (!get_cycle_flags (obj, c, &ctx, error))
        return FALSE;

      plan = get_array (obj, "response_plan", FALSE, &ctx, error);
      if (plan == NULL && member (obj, "response_plan") != NULL)
        return FALSE;
      if (plan == NULL && g_str_equal (c->grade, "emergency"))
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("an emergency category needs a \"response_plan\""));
      if (plan)
        {
          c->n_response_steps = json_array_get_length (plan);
          c->response_plan = g_new0 (WgResponseStep, MAX (c->n_response_steps, 1));
          for (guint k = 0; k < c->n_response_steps; k++)
            {
              g_autofree char *type = NULL;
              JsonObject *step;

              ctx_item (&ctx, "category %u (%s) response_plan[%u]", i, c->code, k);
              if (!(step = element_object (plan, k, &ctx, error)) ||
                  !get_string (step, "type", TRUE, &ctx, &type, error) ||
                  !get_uint (step, "count", TRUE, 1000, &ctx, &c->response_plan[k].count, error))
                return FALSE;
              if (!wg_force_type_from_slug (type, &c->response_plan[k].type))
                return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("unknown force type \"%s\""), type);
              if (c->response_plan[k].count == 0)
                return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("\"count\" must be 1 or more"));
            }
        }
    }

  return TRUE;
}

/* ------------------------------------------------------------ roster.json */

static WgPerson *
parse_person (JsonObject  *obj,
              const Ctx   *ctx,
              GError     **error)
{
  g_autoptr(GError) local = NULL;
  WgPerson *p = g_new0 (WgPerson, 1);

  if (!get_string (obj, "account", TRUE, ctx, &p->account, &local) ||
      !get_string (obj, "name_zh", TRUE, ctx, &p->name_zh, &local) ||
      !get_string (obj, "title_zh", FALSE, ctx, &p->title_zh, &local))
    {
      person_free (p);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }

  return p;
}

static gboolean
load_roster (WgReference  *self,
             GError      **error)
{
  Ctx ctx = { "roster.json", "" };
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GHashTable) leaders = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *anchor = NULL;
  JsonObject *obj, *rotation, *chief, *esc;
  JsonArray *array;

  if (!(root = load_json (self, &ctx, error)))
    return FALSE;
  obj = json_node_get_object (root);

  if (!(array = get_array (obj, "shifts", TRUE, &ctx, error)))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      g_autofree char *start = NULL, *end = NULL;
      Shift shift = { NULL, 0, 0 };
      JsonObject *o;

      ctx_item (&ctx, "shift %u", i);
      if (!(o = element_object (array, i, &ctx, error)) ||
          !get_string (o, "code", TRUE, &ctx, &shift.code, error))
        return FALSE;
      g_array_append_val (self->shifts, shift);
      if (!get_string (o, "start", TRUE, &ctx, &start, error) ||
          !get_string (o, "end", TRUE, &ctx, &end, error))
        return FALSE;
      if (!parse_hhmm (start, &g_array_index (self->shifts, Shift, i).start_min) ||
          !parse_hhmm (end, &g_array_index (self->shifts, Shift, i).end_min))
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("\"start\" and \"end\" must be HH:MM"));
    }
  ctx_clear (&ctx);
  if (self->shifts->len == 0)
    return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("no shifts"));

  if (!(array = get_array (obj, "duty_leaders", TRUE, &ctx, error)))
    return FALSE;
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      WgPerson *p;
      JsonObject *o;

      ctx_item (&ctx, "duty leader %u", i);
      if (!(o = element_object (array, i, &ctx, error)) ||
          !(p = parse_person (o, &ctx, error)))
        return FALSE;
      g_ptr_array_add (self->duty_leaders, p);
      if (!g_hash_table_insert (leaders, p->account, p))
        return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx, _("account \"%s\" used twice"), p->account);
    }

  ctx_item (&ctx, "rotation");
  if (!(rotation = get_object (obj, "rotation", TRUE, &ctx, error)) ||
      !get_string (rotation, "anchor", TRUE, &ctx, &anchor, error))
    return FALSE;
  if (!parse_date (anchor, &self->rotation_anchor))
    return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("\"anchor\" is not a YYYY-MM-DD date"));
  if (!(array = get_array (rotation, "pattern", TRUE, &ctx, error)))
    return FALSE;
  if (json_array_get_length (array) == 0)
    return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx, _("empty \"pattern\""));
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *day = json_array_get_element (array, i);
      GPtrArray *row = g_ptr_array_new ();
      JsonArray *accounts;

      g_ptr_array_add (self->rotation, row);
      ctx_item (&ctx, "rotation pattern[%u]", i);
      if (!JSON_NODE_HOLDS_ARRAY (day) ||
          json_array_get_length (accounts = json_node_get_array (day)) != self->shifts->len)
        return fail (error, WG_REFERENCE_ERROR_INVALID, &ctx,
                     _("not an array of one account per shift (%u)"), self->shifts->len);
      for (guint k = 0; k < self->shifts->len; k++)
        {
          JsonNode *acc = json_array_get_element (accounts, k);
          WgPerson *p = NULL;

          if (JSON_NODE_HOLDS_VALUE (acc) && json_node_get_value_type (acc) == G_TYPE_STRING)
            p = g_hash_table_lookup (leaders, json_node_get_string (acc));
          if (p == NULL)
            return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx,
                         _("element %u is not the account of a duty leader"), k);
          g_ptr_array_add (row, p);
        }
    }

  ctx_clear (&ctx);
  if ((array = get_array (obj, "covering", FALSE, &ctx, error)) == NULL && member (obj, "covering"))
    return FALSE;
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      g_autofree char *station = NULL;
      WgPerson *p;
      JsonObject *o;

      ctx_item (&ctx, "covering %u", i);
      if (!(o = element_object (array, i, &ctx, error)) ||
          !get_string (o, "station", TRUE, &ctx, &station, error))
        return FALSE;
      if (!g_hash_table_contains (self->stations_by_code, station))
        return fail (error, WG_REFERENCE_ERROR_UNKNOWN_REF, &ctx, _("unknown station \"%s\""), station);
      if (g_hash_table_contains (self->covering, station))
        return fail (error, WG_REFERENCE_ERROR_DUPLICATE, &ctx,
                     _("station \"%s\" has a covering leader already"), station);
      if (!(p = parse_person (o, &ctx, error)))
        return FALSE;
      g_hash_table_insert (self->covering, g_steal_pointer (&station), p);
    }

  ctx_item (&ctx, "chief");
  if (!(chief = get_object (obj, "chief", TRUE, &ctx, error)) ||
      !(self->chief = parse_person (chief, &ctx, error)))
    return FALSE;

  ctx_item (&ctx, "escalation");
  if ((esc = get_object (obj, "escalation", FALSE, &ctx, error)) == NULL && member (obj, "escalation"))
    return FALSE;
  if (esc && (!get_uint (esc, "covering_after_seconds", FALSE, 86400, &ctx, &self->escalate_covering_s, error) ||
              !get_uint (esc, "chief_after_seconds", FALSE, 86400, &ctx, &self->escalate_chief_s, error)))
    return FALSE;

  return TRUE;
}

/* ------------------------------------------------------------ load */

static WgReference *
load (WgReference  *self,
      GError      **error)
{
  g_autoptr(GHashTable) leaders = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr(GHashTable) responsible = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_strfreev);
  g_autoptr(GHashTable) feature_of = g_hash_table_new (NULL, NULL);
  Pending pending = { leaders, responsible, feature_of };

  if (!load_world (self, error) ||
      !load_departments (self, error) ||
      !load_grids (self, &pending, error) ||
      !load_stations (self, &pending, error) ||
      !load_forces (self, error) ||
      !link_people (self, &pending, error) ||
      !load_police_grids (self, error) ||
      !load_categories (self, error) ||
      !load_roster (self, error))
    {
      g_object_unref (self);
      return NULL;
    }

  g_debug ("loaded %s: %u grids, %u stations, %u forces, %u categories",
           self->dir ? self->dir : "bundle",
           self->grids->len, self->stations->len, self->forces->len, self->categories->len);

  return self;
}

WgReference *
wg_reference_load_dir (const char  *dir,
                       GError     **error)
{
  WgReference *self;

  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (WG_TYPE_REFERENCE, NULL);
  self->dir = g_strdup (dir);
  self->bundle = json_object_new ();
  json_object_set_string_member (self->bundle, "format", "wangge-reference/1");

  return load (self, error);
}

WgReference *
wg_reference_load_bundle (JsonObject  *bundle,
                          GError     **error)
{
  WgReference *self;

  g_return_val_if_fail (bundle != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (WG_TYPE_REFERENCE, NULL);
  self->bundle = json_object_ref (bundle);
  self->from_bundle = TRUE;

  return load (self, error);
}

/**
 * wg_reference_load_bundle_text:
 *
 * The model from the text of a bundle (untrusted: scanned for depth and
 * comments first), each member parsed in turn and let go: the peak is one
 * member's tree, not the whole bundle's.  Keeps no bundle.
 */
WgReference *
wg_reference_load_bundle_text (const char  *text,
                               gsize        length,
                               GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GHashTable) spans = NULL;
  WgReference *self;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!wg_json_guard_scan (text, length, WG_JSON_GUARD_DEFAULT_MAX_DEPTH, &local))
    {
      g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE, _("not valid JSON: %s"),
                   local->message);
      return NULL;
    }
  spans = split_members (text, length, error);
  if (spans == NULL)
    return NULL;
  self = g_object_new (WG_TYPE_REFERENCE, NULL);
  self->bundle = json_object_new ();
  self->from_bundle = TRUE;
  self->spans = g_steal_pointer (&spans);
  self = load (self, error);
  if (self != NULL)
    g_clear_pointer (&self->spans, g_hash_table_unref);
  return self;
}

/**
 * wg_reference_load_blob:
 *
 * The model from a binary reference (wg-reference-blob.h; untrusted: its
 * version, type, normal form and layout are checked, each JSON member
 * scanned as in wg_reference_load_bundle_text()); the grids, their
 * outlines and the forces are read from their columns in place, with the
 * checks their JSON gets, the forces on a second thread when there is a
 * second core.  Keeps no bundle.
 */
WgReference *
wg_reference_load_blob (GBytes  *blob,
                        GError **error)
{
  g_autoptr(WgReferenceBlob) opened = NULL;
  g_autoptr(GridRead) first_half = NULL;
  g_autoptr(GridRead) second_half = NULL;
  g_autoptr(ForceRead) force_read = NULL;
  g_autoptr(GHashTable) spans = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GVariantIter iter;
  const char *key, *text;
  WgReference *self;

  g_return_val_if_fail (blob != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(opened = wg_reference_blob_open (blob, error)))
    return NULL;
  g_variant_iter_init (&iter, opened->members);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &text))
    {
      Span *span = g_new (Span, 1);
      g_autoptr(GError) local = NULL;

      span->data = text;
      span->length = strlen (text);
      if (!wg_json_guard_scan (span->data, span->length, WG_JSON_GUARD_DEFAULT_MAX_DEPTH, &local))
        {
          g_free (span);
          g_set_error (error, WG_REFERENCE_ERROR, WG_REFERENCE_ERROR_PARSE, _("not valid JSON: %s"),
                       local->message);
          return NULL;
        }
      g_hash_table_replace (spans, g_strdup (key), span);
    }

  /* Freed before @opened (declared after it), each joining its thread
   * first.  The first half of the grids is read here, when load_grids()
   * comes to it; the others on threads of their own meanwhile. */
  first_half = grid_read_new (opened, 0, opened->n_grids / 2);
  second_half = grid_read_new (opened, opened->n_grids / 2, opened->n_grids);
  force_read = force_read_new (opened);
  job_start (&second_half->job, "wg-reference-grids");
  job_start (&force_read->job, "wg-reference-forces");
  self = g_object_new (WG_TYPE_REFERENCE, NULL);
  self->bundle = json_object_new ();
  self->from_bundle = TRUE;
  self->spans = g_steal_pointer (&spans);
  self->blob = opened;
  self->grid_reads[0] = first_half;
  self->grid_reads[1] = second_half;
  self->force_read = force_read;
  self = load (self, error);
  if (self != NULL)
    {
      g_clear_pointer (&self->spans, g_hash_table_unref);
      self->blob = NULL;
      self->grid_reads[0] = self->grid_reads[1] = NULL;
      self->force_read = NULL;
    }
  return self;
}

JsonObject *
wg_reference_get_bundle (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->bundle;
}

/* ------------------------------------------------------------ getters */

const char *
wg_reference_get_dir (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->dir;
}

const char *
wg_reference_get_name_zh (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->name_zh;
}

const char *
wg_reference_get_street_code (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->street_code;
}

const char *
wg_reference_get_time_zone_id (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->tz_id;
}

GTimeZone *
wg_reference_get_time_zone (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->tz;
}

const WgCalendarConfig *
wg_reference_get_calendar (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return &self->calendar;
}

void
wg_reference_get_centre (WgReference *self,
                         double      *lat,
                         double      *lon)
{
  g_return_if_fail (WG_IS_REFERENCE (self));
  *lat = self->centre_lat;
  *lon = self->centre_lon;
}

gboolean
wg_reference_is_synthetic (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), FALSE);
  return self->synthetic;
}

JsonObject *
wg_reference_get_world_object (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->world;
}

GPtrArray *
wg_reference_get_grids (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->grids;
}

WgGrid *
wg_reference_get_root (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->root;
}

GPtrArray *
wg_reference_get_streets (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->streets;
}

WgGrid *
wg_grid_get_street (WgGrid *grid)
{
  return wg_grid_get_ancestor_at_level (grid, 1);
}

WgGrid *
wg_reference_lookup_grid (WgReference *self,
                          const char  *code)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);
  return g_hash_table_lookup (self->grids_by_code, code);
}

guint
wg_reference_get_max_level (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), 0);
  return self->max_level;
}

GPtrArray *
wg_reference_dup_grids_at_level (WgReference *self,
                                 guint        level)
{
  GPtrArray *out;

  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);

  out = g_ptr_array_new ();
  for (guint i = 0; i < self->grids->len; i++)
    {
      WgGrid *g = g_ptr_array_index (self->grids, i);

      if (g->level == level)
        g_ptr_array_add (out, g);
    }

  return out;
}

WgGrid *
wg_reference_find_grid (WgReference *self,
                        double       lat,
                        double       lon)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return wg_grid_index_lookup (self->index, lat, lon);
}

WgGrid *
wg_grid_get_ancestor_at_level (WgGrid *grid,
                               guint   level)
{
  g_return_val_if_fail (grid != NULL, NULL);

  while (grid && grid->level > level)
    grid = grid->parent;

  return (grid && grid->level == level) ? grid : NULL;
}

gboolean
wg_grid_is_within (WgGrid *grid,
                   WgGrid *ancestor)
{
  g_return_val_if_fail (grid != NULL, FALSE);
  g_return_val_if_fail (ancestor != NULL, FALSE);

  for (; grid; grid = grid->parent)
    if (grid == ancestor)
      return TRUE;

  return FALSE;
}

void
wg_grid_random_point (WgGrid *grid,
                      GRand  *rand,
                      double *lat,
                      double *lon)
{
  g_return_if_fail (grid != NULL);
  wg_geo_shape_random_point (grid->shape, rand, lat, lon);
}

WgGrid *
wg_reference_pick_grid (WgReference *self,
                        guint        level,
                        double       u)
{
  guint lo, hi, last;

  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);

  if (level == 0 || level > self->max_level || self->level_start[level] == self->level_start[level + 1])
    return NULL;
  lo = self->level_start[level];
  last = hi = self->level_start[level + 1] - 1;
  /* The first grid whose running sum passes u: a city's 20,000 grids are
   * picked for every report of its history. */
  u = CLAMP (u, 0.0, 1.0) * self->pick_sums[last];
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (u < self->pick_sums[mid])
        hi = mid;
      else
        lo = mid + 1;
    }
  return g_ptr_array_index (self->grids, lo);
}

GPtrArray *
wg_reference_get_stations (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->stations;
}

WgStation *
wg_reference_lookup_station (WgReference *self,
                             const char  *code)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);
  return g_hash_table_lookup (self->stations_by_code, code);
}

GPtrArray *
wg_reference_get_forces (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->forces;
}

WgForce *
wg_reference_lookup_force (WgReference *self,
                           const char  *id)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  return g_hash_table_lookup (self->forces_by_id, id);
}

GPtrArray *
wg_reference_get_forces_by_type (WgReference *self,
                                 WgForceType  type)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (type < WG_N_FORCE_TYPES, NULL);
  return self->forces_by_type[type];
}

GPtrArray *
wg_reference_dup_forces_for_account (WgReference *self,
                                     const char  *account)
{
  GPtrArray *own;

  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (account != NULL, NULL);

  /* Looked up for every request (the units a token acts for): no scan. */
  own = g_hash_table_lookup (self->forces_by_account, account);
  return own != NULL ? g_ptr_array_copy (own, NULL, NULL) : g_ptr_array_new ();
}

typedef struct
{
  WgForce *force;
  double   distance;
} Near;

static int
cmp_near (gconstpointer a,
          gconstpointer b)
{
  const Near *x = a, *y = b;

  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return strcmp (x->force->id, y->force->id);
}

GPtrArray *
wg_reference_dup_forces_near (WgReference *self,
                              double       lat,
                              double       lon,
                              WgForceType  type,
                              double       max_m,
                              guint        max_n)
{
  g_autoptr(GArray) near = g_array_new (FALSE, FALSE, sizeof (Near));
  GPtrArray *pool, *out;

  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (type <= WG_N_FORCE_TYPES, NULL);

  /* A few thousand forces at most: a sort beats keeping another index. */
  pool = type == WG_N_FORCE_TYPES ? self->forces : self->forces_by_type[type];
  for (guint i = 0; i < pool->len; i++)
    {
      Near n = { g_ptr_array_index (pool, i), 0 };

      n.distance = wg_geo_distance_m (lat, lon, n.force->lat, n.force->lon);
      if (max_m <= 0 || n.distance <= max_m)
        g_array_append_val (near, n);
    }
  g_array_sort (near, cmp_near);

  out = g_ptr_array_new ();
  for (guint i = 0; i < near->len && (max_n == 0 || i < max_n); i++)
    g_ptr_array_add (out, g_array_index (near, Near, i).force);

  return out;
}

double
wg_force_eta_seconds (WgForce *force,
                      double   from_lat,
                      double   from_lon,
                      double   to_lat,
                      double   to_lon)
{
  g_return_val_if_fail (force != NULL, 0);

  return wg_geo_distance_m (from_lat, from_lon, to_lat, to_lon) * DETOUR_FACTOR /
         (wg_speed_class_get_kmh (force->speed) / 3.6);
}

GPtrArray *
wg_reference_get_police_grids (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->police_grids;
}

WgPoliceGrid *
wg_reference_lookup_police_grid (WgReference *self,
                                 const char  *code)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);
  return g_hash_table_lookup (self->police_grids_by_code, code);
}

WgPoliceGrid *
wg_reference_find_police_grid (WgReference *self,
                               double       lat,
                               double       lon)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);

  for (WgGrid *g = wg_reference_find_grid (self, lat, lon); g != NULL; g = g->parent)
    if (g->police_grid != NULL)
      return g->police_grid;
  return NULL;
}

GPtrArray *
wg_reference_get_departments (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->departments;
}

WgDepartment *
wg_reference_lookup_department (WgReference *self,
                                const char  *code)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);
  return g_hash_table_lookup (self->departments_by_code, code);
}

GPtrArray *
wg_reference_get_categories (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->categories;
}

WgCategory *
wg_reference_lookup_category (WgReference *self,
                              const char  *code)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (code != NULL, NULL);
  return g_hash_table_lookup (self->categories_by_code, code);
}

WgCategory *
wg_reference_pick_category (WgReference *self,
                            double       u)
{
  double acc = 0;

  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);

  if (self->categories->len == 0)
    return NULL;
  u = CLAMP (u, 0.0, 1.0) * self->category_weight_total;
  for (guint i = 0; i < self->categories->len; i++)
    {
      WgCategory *c = g_ptr_array_index (self->categories, i);

      acc += c->weight;
      if (c->weight > 0 && u < acc)
        return c;
    }

  /* u == 1.0: the last category with any weight. */
  for (guint i = self->categories->len; i > 0; i--)
    {
      WgCategory *c = g_ptr_array_index (self->categories, i - 1);

      if (c->weight > 0)
        return c;
    }

  return g_ptr_array_index (self->categories, 0);
}

GPtrArray *
wg_reference_get_duty_leaders (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->duty_leaders;
}

const WgPerson *
wg_reference_get_duty_leader_at (WgReference *self,
                                 gint64       utc_ms)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  guint minute;
  GDate date;
  gint64 days;
  GPtrArray *row;

  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);

  utc = g_date_time_new_from_unix_utc (utc_ms / 1000 - (utc_ms % 1000 < 0 ? 1 : 0));
  if (utc == NULL)
    return NULL;
  local = g_date_time_to_timezone (utc, self->tz);
  minute = g_date_time_get_hour (local) * 60 + g_date_time_get_minute (local);
  g_date_clear (&date, 1);
  g_date_set_dmy (&date, g_date_time_get_day_of_month (local),
                  g_date_time_get_month (local), g_date_time_get_year (local));

  for (guint s = 0; s < self->shifts->len; s++)
    {
      const Shift *shift = &g_array_index (self->shifts, Shift, s);
      gboolean in, previous_day = FALSE;

      if (shift->start_min < shift->end_min)
        in = minute >= shift->start_min && minute < shift->end_min;
      else
        {
          /* Overnight: the early hours belong to the shift that began the
           * day before. */
          in = minute >= shift->start_min || minute < shift->end_min;
          previous_day = minute < shift->end_min;
        }
      if (!in)
        continue;

      if (previous_day)
        g_date_subtract_days (&date, 1);
      days = (gint64) g_date_get_julian (&date) - g_date_get_julian (&self->rotation_anchor);
      days %= (gint64) self->rotation->len;
      if (days < 0)
        days += self->rotation->len;
      row = g_ptr_array_index (self->rotation, days);
      return g_ptr_array_index (row, s);
    }

  return NULL;
}

const WgPerson *
wg_reference_get_covering_leader (WgReference *self,
                                  WgStation   *station)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  g_return_val_if_fail (station != NULL, NULL);
  return g_hash_table_lookup (self->covering, station->code);
}

const WgPerson *
wg_reference_get_chief (WgReference *self)
{
  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);
  return self->chief;
}

GPtrArray *
wg_reference_dup_escalation_chain (WgReference *self,
                                   WgGrid      *grid)
{
  GPtrArray *out;

  g_return_val_if_fail (WG_IS_REFERENCE (self), NULL);

  out = g_ptr_array_new ();
  if (grid && grid->station)
    {
      const WgPerson *p = wg_reference_get_covering_leader (self, grid->station);

      if (p)
        g_ptr_array_add (out, (gpointer) p);
    }
  g_ptr_array_add (out, self->chief);

  return out;
}

void
wg_reference_get_escalation_delays (WgReference *self,
                                    guint       *covering_s,
                                    guint       *chief_s)
{
  g_return_if_fail (WG_IS_REFERENCE (self));

  if (covering_s)
    *covering_s = self->escalate_covering_s;
  if (chief_s)
    *chief_s = self->escalate_chief_s;
}
