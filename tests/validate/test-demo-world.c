/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Helong demo world in data/demo/ is what the issue says it is: the
 * counts by level and by force type, valid and non-overlapping polygons
 * whose union is the street, and every point of the street in exactly one
 * comprehensive grid; the routing a Guangzhou street uses; the police grids
 * of the dual grid.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "wg-reference.h"

static WgReference *ref;

static char *
demo_dir (void)
{
  const char *src = g_getenv ("WANGGE_SOURCE_DIR");

  if (src)
    return g_build_filename (src, "data", "demo", NULL);
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

static void
test_counts_by_level (void)
{
  g_autoptr(GPtrArray) l1 = wg_reference_dup_grids_at_level (ref, 1);
  g_autoptr(GPtrArray) l2 = wg_reference_dup_grids_at_level (ref, 2);
  g_autoptr(GPtrArray) l3 = wg_reference_dup_grids_at_level (ref, 3);

  g_assert_cmpuint (l1->len, ==, 1);
  g_assert_cmpuint (l2->len, ==, 11);
  g_assert_cmpuint (l3->len, ==, 63);
  g_assert_cmpuint (wg_reference_get_grids (ref)->len, ==, 75);
  g_assert_cmpuint (wg_reference_get_max_level (ref), ==, 3);
  g_assert_cmpuint (wg_reference_get_stations (ref)->len, ==, 11);
  g_assert_true (wg_reference_is_synthetic (ref));
  g_assert_cmpstr (wg_reference_get_street_code (ref), ==, "HL");
  g_assert_cmpstr (wg_reference_get_time_zone_id (ref), ==, "Asia/Shanghai");

  /* Codes: 6 administrative + 3 street + 3 per level below. */
  g_assert_cmpstr (wg_reference_get_root (ref)->code, ==, "440111012");
  for (guint i = 0; i < l3->len; i++)
    {
      WgGrid *g = g_ptr_array_index (l3, i);

      g_assert_cmpuint (strlen (g->code), ==, 15);
      g_assert_true (g_str_has_prefix (g->code, "440111012"));
      g_assert_nonnull (g->station);
      g_assert_true (g->station->grid == g->parent);
      g_assert_nonnull (strstr (g->name_zh, "网格"));
    }
}

static void
test_counts_of_forces (void)
{
  const struct { WgForceType type; guint min, max; } expect[] = {
    { WG_FORCE_GRID_WORKER, 63, 63 },
    { WG_FORCE_GRID_LEADER, 11, 11 },
    { WG_FORCE_FIVE_HEAD, 315, 315 },
    { WG_FORCE_COMMUNITY_POLICE, 22, 22 },
    { WG_FORCE_AUXILIARY_POLICE, 22, 22 },
    { WG_FORCE_EMERGENCY_UNIT, 10, 1000 },
    { WG_FORCE_DEPARTMENT_TEAM, 10, 1000 },
  };
  g_autoptr(GPtrArray) l3 = wg_reference_dup_grids_at_level (ref, 3);
  GPtrArray *workers, *teams;
  guint volunteers = 0, team_members = 0;
  const char *depts[] = { "police", "court", "judicial", "market", "urban",
                          "housing", "health", "women", "psych", "fire",
                          "emergency", "water", "migrant", "petition", "mediation", "civil",
                          "traffic", "water_supply", "power", "gas", "residents" };

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      guint n = wg_reference_get_forces_by_type (ref, expect[i].type)->len;

      g_assert_cmpuint (n, >=, expect[i].min);
      g_assert_cmpuint (n, <=, expect[i].max);
    }

  /* worker-NN works the NN-th comprehensive grid in code order. */
  workers = wg_reference_get_forces_by_type (ref, WG_FORCE_GRID_WORKER);
  for (guint i = 0; i < workers->len; i++)
    {
      WgForce *f = g_ptr_array_index (workers, i);
      g_autofree char *account = g_strdup_printf ("worker-%02u", i + 1);
      WgGrid *g = g_ptr_array_index (l3, i);

      g_assert_cmpstr (f->account, ==, account);
      g_assert_true (f->grid == g);
      g_assert_true (wg_reference_find_grid (ref, f->lat, f->lon) == g);
      g_assert_true (g_ptr_array_find (g->responsible, f, NULL));
    }

  /* Five per grid, one of each kind. */
  for (guint i = 0; i < l3->len; i++)
    {
      WgGrid *g = g_ptr_array_index (l3, i);
      GPtrArray *heads = wg_reference_get_forces_by_type (ref, WG_FORCE_FIVE_HEAD);
      guint n = 0;

      for (guint k = 0; k < heads->len; k++)
        n += ((WgForce *) g_ptr_array_index (heads, k))->grid == g;
      g_assert_cmpuint (n, ==, 5);
    }

  /* Helong's 14,700 volunteers, per grid and in the station teams. */
  for (guint i = 0; i < l3->len; i++)
    volunteers += ((WgGrid *) g_ptr_array_index (l3, i))->volunteers;
  g_assert_cmpuint (volunteers, ==, 14700);
  teams = wg_reference_get_forces_by_type (ref, WG_FORCE_VOLUNTEER_TEAM);
  for (guint i = 0; i < teams->len; i++)
    team_members += ((WgForce *) g_ptr_array_index (teams, i))->members;
  g_assert_cmpuint (team_members, ==, 14700);

  for (guint i = 0; i < G_N_ELEMENTS (depts); i++)
    {
      WgDepartment *d = wg_reference_lookup_department (ref, depts[i]);
      g_autofree char *account = g_strdup_printf ("dept-%s", depts[i]);

      g_assert_nonnull (d);
      g_assert_cmpstr (d->account, ==, account);
    }
}

static void
test_categories (void)
{
  GPtrArray *cats = wg_reference_get_categories (ref);
  const char *needed[] = { "dispute_rental", "dispute_family", "dispute_emotional",
                           "dispute_labour", "fire", "flood", "crowd", "missing_person" };
  double total = 0, disputes = 0, emergencies = 0;

  g_assert_cmpuint (cats->len, >=, 30);
  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    g_assert_nonnull (wg_reference_lookup_category (ref, needed[i]));

  for (guint i = 0; i < cats->len; i++)
    {
      WgCategory *c = g_ptr_array_index (cats, i);

      total += c->weight;
      if (g_str_equal (c->klass, "dispute"))
        disputes += c->weight;
      if (g_str_equal (c->grade, "emergency"))
        {
          emergencies += c->weight;
          g_assert_cmpuint (c->n_response_steps, >, 0);
          g_assert_cmpuint (c->ack_seconds, >, 0);
        }
    }
  /* The Helong mix: about 900 disputes in 7,989 events, few emergencies. */
  g_assert_cmpfloat (disputes / total, >, 0.09);
  g_assert_cmpfloat (disputes / total, <, 0.14);
  g_assert_cmpfloat (emergencies / total, <, 0.03);
}

static JsonObject *
category_object (const char *code)
{
  JsonObject *bundle = wg_reference_get_bundle (ref);
  JsonArray *cats = json_object_get_array_member (json_object_get_object_member (bundle, "categories"),
                                                  "categories");

  for (guint i = 0; i < json_array_get_length (cats); i++)
    {
      JsonObject *c = json_array_get_object_element (cats, i);

      if (g_str_equal (json_object_get_string_member (c, "code"), code))
        return c;
    }
  g_assert_not_reached ();
}

/* Who handles what, as a Guangzhou street routes it. */
static void
test_routing (void)
{
  const struct { const char *category, *department, *grade; } expect[] = {
    { "risk_work_safety", "emergency", "professional" },
    { "domestic_violence", "police", "professional" },
    { "water_leak", "water", "professional" },
    { "rental_registration", "migrant", "general" },
    { "flood", "emergency", "emergency" },
    { "typhoon_damage", "emergency", "emergency" },
    /* a blocked drain needs the drainage team, not the grid worker */
    { "drain_blocked", "water", "professional" },
  };
  GPtrArray *cats = wg_reference_get_categories (ref);
  JsonArray *co;

  for (guint i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      WgCategory *c = wg_reference_lookup_category (ref, expect[i].category);

      g_assert_nonnull (c);
      g_assert_cmpstr (c->department->code, ==, expect[i].department);
      g_assert_cmpstr (c->grade, ==, expect[i].grade);
    }
  co = json_object_get_array_member (category_object ("domestic_violence"), "co_departments");
  g_assert_cmpuint (json_array_get_length (co), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (co, 0), ==, "women");

  /* Legal-education activities are not grid events. */
  g_assert_null (wg_reference_lookup_category (ref, "legal_education"));

  for (guint i = 0; i < cats->len; i++)
    {
      WgCategory *c = g_ptr_array_index (cats, i);
      JsonObject *obj = category_object (c->code);

      /* Disputes are mediated in the grid first; everything else is not. */
      g_assert_cmpint (json_object_get_boolean_member (obj, "mediate_first"), ==,
                       g_str_equal (c->klass, "dispute"));
      /* Called back by source (hotline, walk-in), but for the grid
       * worker's registration rounds, where no one waits for an answer. */
      if (g_str_equal (c->code, "rental_registration") || g_str_equal (c->code, "population_info"))
        g_assert_false (json_object_get_boolean_member (obj, "call_back"));
      else
        g_assert_false (json_object_has_member (obj, "call_back"));
      /* A routed case has its acceptance limit (签收). */
      if (g_str_equal (c->grade, "professional"))
        g_assert_cmpuint (c->accept_hours, >, 0);
    }
}

/* Panlong's dual grid on the demo street: each police grid is a whole
 * number of comprehensive grids of one community, every comprehensive grid
 * in exactly one, each with its community police officer. */
static void
test_police_grids (void)
{
  GPtrArray *pgs = wg_reference_get_police_grids (ref);
  g_autoptr(GPtrArray) l3 = wg_reference_dup_grids_at_level (ref, 3);
  g_autoptr(GRand) rand = g_rand_new_with_seed (110);
  GPtrArray *police = wg_reference_get_forces_by_type (ref, WG_FORCE_COMMUNITY_POLICE);
  GPtrArray *aux = wg_reference_get_forces_by_type (ref, WG_FORCE_AUXILIARY_POLICE);

  g_assert_cmpuint (pgs->len, ==, 22);
  for (guint i = 0; i < pgs->len; i++)
    {
      WgPoliceGrid *p = g_ptr_array_index (pgs, i);
      double area = 0;
      guint officers = 0;

      g_assert_true (wg_reference_lookup_police_grid (ref, p->code) == p);
      g_assert_nonnull (strstr (p->name_zh, "警务网格"));
      g_assert_nonnull (p->station);
      g_assert_cmpuint (p->grids->len, >, 0);
      for (guint k = 0; k < p->grids->len; k++)
        {
          WgGrid *g = g_ptr_array_index (p->grids, k);

          g_assert_cmpuint (g->level, ==, 3);
          g_assert_true (g->police_grid == p);
          g_assert_true (g->parent == p->station->grid);
          area += g->area_m2;
        }
      /* the same ground as its grids: no gaps, no overlaps */
      g_assert_cmpfloat (fabs (area - wg_geo_shape_area_m2 (p->shape)) / area, <, 1e-9);
      for (guint k = 0; k < p->police->len; k++)
        {
          WgForce *f = g_ptr_array_index (p->police, k);

          g_assert_true (f->police_grid == p);
          officers += f->type == WG_FORCE_COMMUNITY_POLICE;
        }
      g_assert_cmpuint (officers, ==, 1);
    }
  for (guint i = 0; i < l3->len; i++)
    g_assert_nonnull (((WgGrid *) g_ptr_array_index (l3, i))->police_grid);
  for (guint i = 0; i < police->len; i++)
    g_assert_nonnull (((WgForce *) g_ptr_array_index (police, i))->police_grid);
  for (guint i = 0; i < aux->len; i++)
    g_assert_nonnull (((WgForce *) g_ptr_array_index (aux, i))->police_grid);

  for (guint n = 0; n < 2000; n++)
    {
      double lat, lon;
      WgPoliceGrid *found;
      guint containing = 0;

      wg_grid_random_point (wg_reference_get_root (ref), rand, &lat, &lon);
      for (guint i = 0; i < pgs->len; i++)
        containing += wg_geo_shape_contains (((WgPoliceGrid *) g_ptr_array_index (pgs, i))->shape, lat, lon);
      g_assert_cmpuint (containing, ==, 1);
      found = wg_reference_find_police_grid (ref, lat, lon);
      g_assert_nonnull (found);
      g_assert_true (wg_geo_shape_contains (found->shape, lat, lon));
    }
}

static void
test_polygons_valid_and_disjoint (void)
{
  g_autoptr(GPtrArray) l3 = wg_reference_dup_grids_at_level (ref, 3);
  GPtrArray *grids = wg_reference_get_grids (ref);
  WgGrid *root = wg_reference_get_root (ref);
  double sum = 0;

  for (guint i = 0; i < grids->len; i++)
    {
      WgGrid *g = g_ptr_array_index (grids, i);
      g_autoptr(GError) error = NULL;
      const WgGeoPoint *ring;
      guint n;

      g_assert_true (wg_geo_shape_validate (g->shape, &error));
      g_assert_no_error (error);
      /* RFC 7946: exterior rings counter-clockwise. */
      g_assert_cmpuint (wg_geo_shape_get_n_rings (g->shape), ==, 1);
      ring = wg_geo_shape_get_ring (g->shape, 0, &n, NULL);
      g_assert_cmpfloat (wg_geo_ring_signed_area (ring, n), >, 0);
      /* A grid lies within its parent (the sum of areas below rules out
       * any part sticking out once the interiors agree). */
      if (g->parent)
        {
          double lat, lon;

          for (guint k = 0; k < n; k++)
            g_assert_true (wg_geo_bbox_contains (wg_geo_shape_get_bbox (g->parent->shape),
                                                 ring[k].lat, ring[k].lon));
          wg_geo_shape_interior_point (g->shape, &lat, &lon);
          g_assert_true (wg_geo_shape_contains (g->parent->shape, lat, lon));
        }
    }

  for (guint i = 0; i < l3->len; i++)
    {
      WgGrid *a = g_ptr_array_index (l3, i);

      /* Plausible city blocks: 0.1 to 0.3 km2 each. */
      g_assert_cmpfloat (a->area_m2, >, 100000);
      g_assert_cmpfloat (a->area_m2, <, 300000);
      sum += a->area_m2;
      for (guint k = i + 1; k < l3->len; k++)
        {
          WgGrid *b = g_ptr_array_index (l3, k);

          if (wg_geo_shape_overlaps (a->shape, b->shape))
            g_error ("grids %s and %s overlap", a->code, b->code);
        }
    }

  /* Disjoint grids whose areas add up to the street leave no gap. */
  g_assert_cmpfloat (fabs (sum - root->area_m2) / root->area_m2, <, 1e-9);
  g_assert_cmpfloat (root->area_m2, >, 9e6);
  g_assert_cmpfloat (root->area_m2, <, 15e6);

  /* Each community is the union of its grids. */
  for (guint i = 0; i < root->children->len; i++)
    {
      WgGrid *c = g_ptr_array_index (root->children, i);
      double s = 0;

      for (guint k = 0; k < c->children->len; k++)
        s += ((WgGrid *) g_ptr_array_index (c->children, k))->area_m2;
      g_assert_cmpfloat (fabs (s - c->area_m2) / c->area_m2, <, 1e-9);
    }
}

static void
test_points_resolve_once (void)
{
  g_autoptr(GPtrArray) l3 = wg_reference_dup_grids_at_level (ref, 3);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7989);
  WgGrid *root = wg_reference_get_root (ref);
  guint n = 0;

  while (n < 10000)
    {
      double lat, lon;
      guint containing = 0;
      WgGrid *found;

      wg_grid_random_point (root, rand, &lat, &lon);
      g_assert_true (wg_geo_shape_contains (root->shape, lat, lon));
      for (guint i = 0; i < l3->len; i++)
        containing += wg_geo_shape_contains (((WgGrid *) g_ptr_array_index (l3, i))->shape, lat, lon);
      g_assert_cmpuint (containing, ==, 1);

      found = wg_reference_find_grid (ref, lat, lon);
      g_assert_nonnull (found);
      g_assert_cmpuint (found->level, ==, 3);
      g_assert_true (wg_geo_shape_contains (found->shape, lat, lon));
      g_assert_true (wg_geo_shape_contains (found->parent->shape, lat, lon));
      n++;
    }
}

static void
test_stations_and_people (void)
{
  GPtrArray *stations = wg_reference_get_stations (ref);
  double lat, lon;

  for (guint i = 0; i < stations->len; i++)
    {
      WgStation *s = g_ptr_array_index (stations, i);
      g_autoptr(GPtrArray) chain = NULL;
      WgGrid *at = wg_reference_find_grid (ref, s->lat, s->lon);

      g_assert_nonnull (at);
      g_assert_true (at->parent == s->grid);
      g_assert_nonnull (s->leader);
      g_assert_cmpint (s->leader->type, ==, WG_FORCE_GRID_LEADER);
      g_assert_nonnull (strstr (s->name_zh, "工作站"));
      chain = wg_reference_dup_escalation_chain (ref, at);
      g_assert_cmpuint (chain->len, ==, 2);
      g_assert_true (g_ptr_array_index (chain, 1) == wg_reference_get_chief (ref));
    }

  wg_reference_get_centre (ref, &lat, &lon);
  g_assert_nonnull (wg_reference_find_grid (ref, lat, lon));
  g_assert_nonnull (wg_reference_get_duty_leader_at (ref, 1764300000000));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *dir = demo_dir ();
  g_autoptr(GError) error = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  ref = wg_reference_load_dir (dir, &error);
  g_assert_no_error (error);

  g_test_add_func ("/demo-world/counts-by-level", test_counts_by_level);
  g_test_add_func ("/demo-world/counts-of-forces", test_counts_of_forces);
  g_test_add_func ("/demo-world/categories", test_categories);
  g_test_add_func ("/demo-world/routing", test_routing);
  g_test_add_func ("/demo-world/police-grids", test_police_grids);
  g_test_add_func ("/demo-world/polygons-valid-and-disjoint", test_polygons_valid_and_disjoint);
  g_test_add_func ("/demo-world/points-resolve-once", test_points_resolve_once);
  g_test_add_func ("/demo-world/stations-and-people", test_stations_and_people);

  ret = g_test_run ();
  g_clear_object (&ref);

  return ret;
}
