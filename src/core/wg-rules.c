/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-rules"

#include "config.h"

#include <string.h>

#include "wg-rules.h"

struct _WgRules
{
  gatomicrefcount  ref_count;
  WgCalendar      *calendar;
  char            *street_code;
  GHashTable      *street_prefixes; /* street's grid code -> its case-number prefix */
  char            *case_mark;     /* before every prefix: "EX-" in an exercise, else "" */
  GHashTable      *categories;    /* code -> WgCategoryRule */
  WgGridResolver   resolver;
  gpointer         resolver_data;
  GDestroyNotify   resolver_destroy;
  gint64           escalation_interval_ms;
  gint64           chief_delay_ms;  /* 0: twice the interval */
  GHashTable      *area_leaders;  /* grid prefix -> username */
  char            *chief;
  GHashTable      *departments;   /* code set; empty: any department */
  GPtrArray       *areas;         /* WgGeoShape, the streets served; empty: anywhere */
  GHashTable      *grid_centres;  /* code -> WgGeoPoint */
};

G_DEFINE_BOXED_TYPE (WgRules, wg_rules, wg_rules_ref, wg_rules_unref)

static void
category_free (gpointer data)
{
  WgCategoryRule *rule = data;
  g_free (rule->department);
  g_free (rule);
}

WgRules *
wg_rules_new (void)
{
  WgRules *self = g_new0 (WgRules, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->calendar = wg_calendar_new (NULL);
  self->street_code = g_strdup ("HL");
  self->street_prefixes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->case_mark = g_strdup ("");
  self->categories = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, category_free);
  self->escalation_interval_ms = 60 * 1000;
  self->area_leaders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->departments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->areas = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_geo_shape_unref);
  self->grid_centres = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

WgRules *
wg_rules_ref (WgRules *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wg_rules_unref (WgRules *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  if (self->resolver_destroy != NULL)
    self->resolver_destroy (self->resolver_data);
  wg_calendar_unref (self->calendar);
  g_free (self->street_code);
  g_hash_table_unref (self->street_prefixes);
  g_free (self->case_mark);
  g_hash_table_unref (self->categories);
  g_hash_table_unref (self->area_leaders);
  g_free (self->chief);
  g_hash_table_unref (self->departments);
  g_ptr_array_unref (self->areas);
  g_hash_table_unref (self->grid_centres);
  g_free (self);
}

void
wg_rules_set_calendar (WgRules    *self,
                       WgCalendar *calendar)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (calendar != NULL);
  wg_calendar_ref (calendar);
  wg_calendar_unref (self->calendar);
  self->calendar = calendar;
}

WgCalendar *
wg_rules_get_calendar (WgRules *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->calendar;
}

void
wg_rules_set_street_code (WgRules    *self,
                          const char *code)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (code != NULL);
  g_free (self->street_code);
  self->street_code = g_strdup (code);
}

const char *
wg_rules_get_street_code (WgRules *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->street_code;
}

void
wg_rules_add_street (WgRules    *self,
                     const char *grid_code,
                     const char *case_prefix)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (grid_code != NULL && *grid_code != '\0');
  g_return_if_fail (case_prefix != NULL && *case_prefix != '\0');
  g_hash_table_insert (self->street_prefixes, g_strdup (grid_code), g_strdup (case_prefix));
}

void
wg_rules_set_case_mark (WgRules    *self,
                        const char *mark)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (mark != NULL);
  g_free (self->case_mark);
  self->case_mark = g_strdup (mark);
}

char *
wg_rules_dup_case_prefix (WgRules    *self,
                          const char *grid)
{
  const char *prefix = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  /* A grid's code begins with its street's (wg-reference.c checks that
   * each level adds digits to its parent's): the longest street code
   * it begins with is its street. */
  if (grid != NULL && g_hash_table_size (self->street_prefixes) > 0)
    {
      g_autofree char *code = g_strdup (grid);

      for (gsize len = strlen (code); len > 0 && prefix == NULL; len--)
        {
          code[len] = '\0';
          prefix = g_hash_table_lookup (self->street_prefixes, code);
        }
    }
  return g_strconcat (self->case_mark, prefix != NULL ? prefix : self->street_code, NULL);
}

void
wg_rules_add_category (WgRules     *self,
                       const char  *code,
                       WgGrade      grade,
                       const char  *department,
                       const guint *limits)
{
  WgCategoryRule *rule;

  g_return_if_fail (self != NULL);
  g_return_if_fail (code != NULL);

  rule = g_new0 (WgCategoryRule, 1);
  rule->grade = grade;
  rule->department = g_strdup (department);
  if (limits != NULL)
    memcpy (rule->limits, limits, sizeof rule->limits);
  g_hash_table_replace (self->categories, g_strdup (code), rule);
}

void
wg_rules_set_category_cycle (WgRules        *self,
                             const char     *code,
                             gboolean        mediate_first,
                             WgCallBackRule  call_back)
{
  WgCategoryRule *rule;

  g_return_if_fail (self != NULL);
  rule = g_hash_table_lookup (self->categories, code);
  g_return_if_fail (rule != NULL);
  rule->mediate_first = mediate_first;
  rule->call_back = call_back;
}

void
wg_rules_set_category_sensitive (WgRules    *self,
                                 const char *code,
                                 gboolean    sensitive)
{
  WgCategoryRule *rule;

  g_return_if_fail (self != NULL);
  rule = g_hash_table_lookup (self->categories, code);
  g_return_if_fail (rule != NULL);
  rule->sensitive = sensitive;
}

gboolean
wg_rules_needs_call_back (WgRules    *self,
                          const char *category,
                          const char *source)
{
  const WgCategoryRule *rule = wg_rules_lookup_category (self, category);
  const char *slug = wg_source_normalize (source);

  if (rule == NULL || rule->call_back == WG_CALL_BACK_NEVER)
    return FALSE;
  if (rule->call_back == WG_CALL_BACK_ALWAYS)
    return TRUE;
  return g_strcmp0 (slug, "hotline_12345") == 0 || g_strcmp0 (slug, "walk_in") == 0;
}

const WgCategoryRule *
wg_rules_lookup_category (WgRules    *self,
                          const char *code)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (code == NULL)
    return NULL;
  return g_hash_table_lookup (self->categories, code);
}

void
wg_rules_set_grid_resolver (WgRules        *self,
                            WgGridResolver  resolver,
                            gpointer        user_data,
                            GDestroyNotify  destroy)
{
  g_return_if_fail (self != NULL);
  if (self->resolver_destroy != NULL)
    self->resolver_destroy (self->resolver_data);
  self->resolver = resolver;
  self->resolver_data = user_data;
  self->resolver_destroy = destroy;
}

char *
wg_rules_resolve_grid (WgRules *self,
                       double   lat,
                       double   lon)
{
  g_return_val_if_fail (self != NULL, NULL);
  if (self->resolver == NULL)
    return NULL;
  return self->resolver (lat, lon, self->resolver_data);
}

void
wg_rules_set_escalation_interval (WgRules *self,
                                  gint64   interval_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (interval_ms > 0);
  self->escalation_interval_ms = interval_ms;
}

gint64
wg_rules_get_escalation_interval (WgRules *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->escalation_interval_ms;
}

void
wg_rules_set_chief_delay (WgRules *self,
                          gint64   chief_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (chief_ms > 0);
  self->chief_delay_ms = chief_ms;
}

gint64
wg_rules_get_escalation_delay (WgRules *self,
                               guint    level)
{
  g_return_val_if_fail (self != NULL, 0);
  if (level <= 1)
    return self->escalation_interval_ms;
  /* Never before the first step of the chain. */
  if (self->chief_delay_ms > 0)
    return MAX (self->chief_delay_ms, self->escalation_interval_ms);
  return 2 * self->escalation_interval_ms;
}

void
wg_rules_add_area_leader (WgRules    *self,
                          const char *grid_prefix,
                          const char *username)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (grid_prefix != NULL && username != NULL);
  g_hash_table_replace (self->area_leaders, g_strdup (grid_prefix), g_strdup (username));
}

void
wg_rules_set_chief (WgRules    *self,
                    const char *username)
{
  g_return_if_fail (self != NULL);
  g_free (self->chief);
  self->chief = g_strdup (username);
}

const char *
wg_rules_escalation_target (WgRules    *self,
                            const char *grid,
                            guint       level)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (level == 1 && grid != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;
      const char *best = NULL;
      gsize best_len = 0;

      g_hash_table_iter_init (&iter, self->area_leaders);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          gsize len = strlen (key);
          if (len > best_len && g_str_has_prefix (grid, key))
            {
              best = value;
              best_len = len;
            }
        }
      if (best != NULL)
        return best;
      /* Nobody covers the area: go straight to the chief. */
      return self->chief;
    }
  if (level == 2)
    return self->chief;
  return NULL;
}

void
wg_rules_add_grid_centre (WgRules    *self,
                          const char *code,
                          double      lat,
                          double      lon)
{
  WgGeoPoint *centre;

  g_return_if_fail (self != NULL);
  g_return_if_fail (code != NULL);
  centre = g_new (WgGeoPoint, 1);
  centre->lat = lat;
  centre->lon = lon;
  g_hash_table_replace (self->grid_centres, g_strdup (code), centre);
}

gboolean
wg_rules_get_grid_centre (WgRules    *self,
                          const char *code,
                          double     *lat,
                          double     *lon)
{
  const WgGeoPoint *centre;

  g_return_val_if_fail (self != NULL, FALSE);
  if (code == NULL || (centre = g_hash_table_lookup (self->grid_centres, code)) == NULL)
    return FALSE;
  *lat = centre->lat;
  *lon = centre->lon;
  return TRUE;
}

void
wg_rules_add_department (WgRules    *self,
                         const char *code)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (code != NULL);
  g_hash_table_add (self->departments, g_strdup (code));
}

gboolean
wg_rules_department_exists (WgRules    *self,
                            const char *code)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (code != NULL, FALSE);
  return g_hash_table_size (self->departments) == 0 || g_hash_table_contains (self->departments, code);
}

void
wg_rules_add_area (WgRules    *self,
                   WgGeoShape *shape)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (shape != NULL);
  g_ptr_array_add (self->areas, wg_geo_shape_ref (shape));
}

gboolean
wg_rules_near_area (WgRules *self,
                    double   lat,
                    double   lon)
{
  g_return_val_if_fail (self != NULL, FALSE);

  if (self->areas->len == 0)
    return TRUE;
  for (guint i = 0; i < self->areas->len; i++)
    {
      WgGeoShape *area = g_ptr_array_index (self->areas, i);
      const WgGeoBBox *bbox = wg_geo_shape_get_bbox (area);

      /* The box's nearest point first: a location on another continent
       * needs no edge-by-edge look. */
      if (wg_geo_distance_m (lat, lon, CLAMP (lat, bbox->min_lat, bbox->max_lat),
                             CLAMP (lon, bbox->min_lon, bbox->max_lon)) > WG_AREA_MARGIN_M)
        continue;
      if (wg_geo_shape_distance_m (area, lat, lon) <= WG_AREA_MARGIN_M)
        return TRUE;
    }
  return FALSE;
}
