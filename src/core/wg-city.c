/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The city reference generator (wg-city.h).  Geometry: each street is a
 * lattice of 20 x 10 square cells of 300 m (6 km x 3 km), its communities
 * blocks of 4 x 5 cells; streets lie ten to a row from the city's
 * north-west corner, sharing their edges.  Codes follow the demo's rule:
 * district (6 digits) + street (3) + community (3) + grid (3), siblings
 * numbered north to south, then west to east.
 */
#define G_LOG_DOMAIN "wg-city"

#include "config.h"

#include <math.h>

#include "wg-city.h"

#define CELL_M           300.0
#define COLS_PER_COMMUNITY 4
#define ROWS_PER_COMMUNITY 5
#define COMMUNITY_COLS   5      /* x 2 rows of communities */
#define STREET_COLS      (COLS_PER_COMMUNITY * COMMUNITY_COLS)
#define STREET_ROWS      (ROWS_PER_COMMUNITY * WG_CITY_COMMUNITIES / COMMUNITY_COLS)
#define STREETS_PER_ROW  10
#define NORTH_LAT        23.40
#define WEST_LON         113.10

G_STATIC_ASSERT (COLS_PER_COMMUNITY * ROWS_PER_COMMUNITY == WG_CITY_GRIDS_PER_COMMUNITY);

/* Guangzhou's districts: administrative code, Chinese name, the initials
 * of its pinyin that begin its streets' case prefixes. */
static const struct {
  const char *code;
  const char *name_zh;
  const char *name_en;
  const char *initials;
} districts[] = {
  { "440103", "荔湾区", "Liwan", "LW" },
  { "440104", "越秀区", "Yuexiu", "YX" },
  { "440105", "海珠区", "Haizhu", "HZ" },
  { "440106", "天河区", "Tianhe", "TH" },
  { "440111", "白云区", "Baiyun", "BY" },
  { "440112", "黄埔区", "Huangpu", "HP" },
  { "440113", "番禺区", "Panyu", "PY" },
  { "440114", "花都区", "Huadu", "HD" },
  { "440115", "南沙区", "Nansha", "NS" },
  { "440117", "从化区", "Conghua", "CH" },
  { "440118", "增城区", "Zengcheng", "ZC" },
};

/* Place names are two of these. */
static const struct {
  const char *zh;
  const char *pinyin;
} syllables[] = {
  { "鹤", "he" }, { "龙", "long" }, { "云", "yun" }, { "山", "shan" }, { "景", "jing" },
  { "泰", "tai" }, { "松", "song" }, { "洲", "zhou" }, { "华", "hua" }, { "林", "lin" },
  { "新", "xin" }, { "港", "gang" }, { "东", "dong" }, { "西", "xi" }, { "南", "nan" },
  { "北", "bei" }, { "江", "jiang" }, { "湖", "hu" }, { "岭", "ling" }, { "田", "tian" },
  { "沙", "sha" }, { "石", "shi" }, { "平", "ping" }, { "安", "an" }, { "兴", "xing" },
  { "富", "fu" }, { "康", "kang" }, { "乐", "le" }, { "春", "chun" }, { "桂", "gui" },
  { "竹", "zhu" }, { "梅", "mei" }, { "桥", "qiao" }, { "塘", "tang" }, { "源", "yuan" },
  { "明", "ming" }, { "庆", "qing" }, { "宁", "ning" }, { "丰", "feng" }, { "茂", "mao" },
};

static const char *const surnames[] = {
  "李", "王", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
  "郭", "何", "林", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "邓", "曹", "彭", "曾",
};

static const char *const given[] = {
  "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
  "明", "超", "秀英", "华", "慧", "建国", "志强", "海燕", "桂英", "晓东", "玉兰", "国平", "嘉欣",
};

typedef struct
{
  GRand      *rand;
  GHashTable *street_names;   /* used, city-wide: at most 1,560 of two syllables */
  GHashTable *community_names; /* used in the street being built */
  JsonArray  *grids;
  JsonArray  *stations;
  JsonArray  *forces;
  JsonArray  *covering;
  double      cell_lat;       /* degrees per cell */
  double      cell_lon;
} City;

typedef struct
{
  char   *code;
  char   *prefix;             /* case prefix, and lower-cased in ids and accounts */
  char   *lower;
  char   *name_zh;
  char   *name_en;
  char   *leader_zh;          /* the street leader covering its stations */
  double  north;
  double  west;
} Street;

static void
set_string_take (JsonObject *object,
                 const char *name,
                 char       *value)
{
  json_object_set_string_member (object, name, value);
  g_free (value);
}

static double
round7 (double v)
{
  return round (v * 1e7) / 1e7;
}

/* A place name not in @used: two syllables, in Chinese and pinyin. */
static void
place_name (City        *city,
            GHashTable  *used,
            char       **zh,
            char       **pinyin)
{
  for (;;)
    {
      guint a = g_rand_int_range (city->rand, 0, G_N_ELEMENTS (syllables));
      guint b = g_rand_int_range (city->rand, 0, G_N_ELEMENTS (syllables));
      g_autofree char *name = NULL;

      if (a == b)
        continue;
      name = g_strconcat (syllables[a].zh, syllables[b].zh, NULL);
      if (g_hash_table_contains (used, name))
        continue;
      *pinyin = g_strconcat (syllables[a].pinyin, syllables[b].pinyin, NULL);
      (*pinyin)[0] = g_ascii_toupper ((*pinyin)[0]);
      *zh = g_strdup (name);
      g_hash_table_add (used, g_steal_pointer (&name));
      return;
    }
}

static char *
person_name (City *city)
{
  return g_strconcat (surnames[g_rand_int_range (city->rand, 0, G_N_ELEMENTS (surnames))],
                      given[g_rand_int_range (city->rand, 0, G_N_ELEMENTS (given))], NULL);
}

/* A rectangle, its exterior ring counter-clockwise (RFC 7946). */
static JsonObject *
rectangle (double north,
           double west,
           double south,
           double east)
{
  const double corners[5][2] = {
    { west, south }, { east, south }, { east, north }, { west, north }, { west, south },
  };
  JsonObject *geometry = json_object_new ();
  JsonArray *rings = json_array_new ();
  JsonArray *ring = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (corners); i++)
    {
      JsonArray *point = json_array_new ();

      json_array_add_double_element (point, round7 (corners[i][0]));
      json_array_add_double_element (point, round7 (corners[i][1]));
      json_array_add_array_element (ring, point);
    }
  json_array_add_array_element (rings, ring);
  json_object_set_string_member (geometry, "type", "Polygon");
  json_object_set_array_member (geometry, "coordinates", rings);
  return geometry;
}

static JsonObject *
add_grid (City        *city,
          const char  *code,
          const char  *name_zh,
          guint        level,
          const char  *parent,
          const char  *kind,
          JsonObject  *geometry)
{
  JsonObject *feature = json_object_new ();
  JsonObject *props = json_object_new ();

  json_object_set_string_member (props, "code", code);
  json_object_set_string_member (props, "name_zh", name_zh);
  json_object_set_int_member (props, "level", level);
  if (parent != NULL)
    json_object_set_string_member (props, "parent", parent);
  else
    json_object_set_null_member (props, "parent");
  json_object_set_string_member (props, "kind", kind);
  json_object_set_array_member (props, "responsible", json_array_new ());
  json_object_set_string_member (feature, "type", "Feature");
  json_object_set_object_member (feature, "properties", props);
  json_object_set_object_member (feature, "geometry", geometry);
  json_array_add_object_element (city->grids, feature);
  return props;
}

static void
add_responsible (JsonObject *props,
                 const char *force)
{
  json_array_add_string_element (json_object_get_array_member (props, "responsible"), force);
}

static JsonArray *
strings (const char *first,
         ...)
{
  JsonArray *array = json_array_new ();
  va_list args;

  va_start (args, first);
  for (const char *s = first; s != NULL; s = va_arg (args, const char *))
    json_array_add_string_element (array, s);
  va_end (args);
  return array;
}

/* Takes @name_zh and @account. */
static JsonObject *
add_force (City         *city,
           const char   *id,
           const char   *type,
           char         *name_zh,
           char         *account,
           double        lat,
           double        lon,
           const char   *speed,
           JsonArray    *capabilities)
{
  JsonObject *force = json_object_new ();

  json_object_set_string_member (force, "id", id);
  json_object_set_string_member (force, "type", type);
  set_string_take (force, "name_zh", name_zh);
  json_object_set_double_member (force, "lat", round7 (lat));
  json_object_set_double_member (force, "lon", round7 (lon));
  json_object_set_string_member (force, "speed", speed);
  json_object_set_array_member (force, "capabilities", capabilities);
  set_string_take (force, "account", account);
  json_array_add_object_element (city->forces, force);
  return force;
}

/* One community: its grid, station, leader, police, volunteers, minimal
 * emergency unit, and its 20 comprehensive grids with their workers. */
static void
add_community (City         *city,
               const Street *street,
               guint         number)
{
  guint row = (number - 1) / COMMUNITY_COLS, col = (number - 1) % COMMUNITY_COLS;
  double north = street->north - row * ROWS_PER_COMMUNITY * city->cell_lat;
  double west = street->west + col * COLS_PER_COMMUNITY * city->cell_lon;
  double south = north - ROWS_PER_COMMUNITY * city->cell_lat;
  double east = west + COLS_PER_COMMUNITY * city->cell_lon;
  double lat = (north + south) / 2, lon = (west + east) / 2;
  g_autofree char *code = g_strdup_printf ("%s%03u", street->code, number);
  g_autofree char *name_zh = NULL, *pinyin = NULL, *community_zh = NULL;
  g_autofree char *gl = g_strdup_printf ("gl-%s-%02u", street->lower, number);
  g_autofree char *gl_account = g_strdup_printf ("gridleader-%s-%02u", street->lower, number);
  g_autofree char *cp = g_strdup_printf ("cp-%s-%02u", street->lower, number);
  g_autofree char *ap = g_strdup_printf ("ap-%s-%02u", street->lower, number);
  g_autofree char *eu = g_strdup_printf ("eu-%s-%02u", street->lower, number);
  g_autofree char *vt = g_strdup_printf ("vt-%s-%02u", street->lower, number);
  JsonObject *props, *station, *force, *covering;
  guint volunteers = 0;

  place_name (city, city->community_names, &name_zh, &pinyin);
  community_zh = g_strconcat (name_zh, "社区", NULL);
  props = add_grid (city, code, community_zh, 2, street->code, "community", rectangle (north, west, south, east));
  add_responsible (props, gl);
  add_responsible (props, cp);
  add_responsible (props, ap);

  station = json_object_new ();
  json_object_set_string_member (station, "code", code);
  set_string_take (station, "name_zh", g_strconcat (community_zh, "工作站", NULL));
  set_string_take (station, "name_en", g_strdup_printf ("%s Community work station", pinyin));
  json_object_set_string_member (station, "grid", code);
  json_object_set_double_member (station, "lat", round7 (lat));
  json_object_set_double_member (station, "lon", round7 (lon));
  json_object_set_string_member (station, "leader", gl);
  json_array_add_object_element (city->stations, station);

  covering = json_object_new ();
  json_object_set_string_member (covering, "station", code);
  set_string_take (covering, "account", g_strdup_printf ("street-leader-%s", street->lower));
  json_object_set_string_member (covering, "name_zh", street->leader_zh);
  json_object_set_string_member (covering, "title_zh", "挂片街道领导");
  json_array_add_object_element (city->covering, covering);

  force = add_force (city, gl, "grid_leader", person_name (city), g_strdup (gl_account), lat, lon, "bicycle",
                     strings ("command", "mediation", "evacuation", NULL));
  json_object_set_string_member (force, "station", code);
  force = add_force (city, cp, "community_police", person_name (city),
                     g_strdup_printf ("police-%s-%02u", street->lower, number), lat, lon, "car",
                     strings ("law_enforcement", "public_order", "traffic_control", "search", NULL));
  json_object_set_string_member (force, "station", code);
  force = add_force (city, ap, "auxiliary_police", person_name (city),
                     g_strdup_printf ("aux-%s-%02u", street->lower, number), lat, lon, "bicycle",
                     strings ("public_order", "traffic_control", "search", NULL));
  json_object_set_string_member (force, "station", code);

  for (guint g = 1; g <= WG_CITY_GRIDS_PER_COMMUNITY; g++)
    {
      guint grow = (g - 1) / COLS_PER_COMMUNITY, gcol = (g - 1) % COLS_PER_COMMUNITY;
      double gnorth = north - grow * city->cell_lat, gwest = west + gcol * city->cell_lon;
      double glat = gnorth - city->cell_lat / 2, glon = gwest + city->cell_lon / 2;
      g_autofree char *grid = g_strdup_printf ("%s%03u", code, g);
      g_autofree char *grid_zh = g_strdup_printf ("%s第%u网格", community_zh, g);
      g_autofree char *gw = g_strdup_printf ("gw-%s-%02u%02u", street->lower, number, g);
      guint grid_volunteers = g_rand_int_range (city->rand, 40, 300);

      props = add_grid (city, grid, grid_zh, 3, code, "grid",
                        rectangle (gnorth, gwest, gnorth - city->cell_lat, gwest + city->cell_lon));
      json_object_set_int_member (props, "households", g_rand_int_range (city->rand, 400, 1400));
      json_object_set_int_member (props, "volunteers", grid_volunteers);
      volunteers += grid_volunteers;
      add_responsible (props, gw);
      add_responsible (props, gl);
      add_responsible (props, cp);

      force = add_force (city, gw, "grid_worker", person_name (city),
                         g_strdup_printf ("worker-%s-%02u%02u", street->lower, number, g), glat, glon, "bicycle",
                         strings ("patrol", "report", "first_aid", "mediation", NULL));
      json_object_set_string_member (force, "grid", grid);
      /* The community's minimal emergency unit lives in its middle grid. */
      if (g == WG_CITY_GRIDS_PER_COMMUNITY / 2)
        {
          force = add_force (city, eu, "emergency_unit", g_strdup_printf ("%s最小应急单元", community_zh),
                             g_strdup_printf ("unit-%s", eu), glat, glon, "foot",
                             strings ("first_aid", "fire_extinguish", "evacuation", "rescue", NULL));
          json_object_set_string_member (force, "grid", grid);
          json_object_set_int_member (force, "members", 5);
        }
    }

  force = add_force (city, vt, "volunteer_team", g_strdup_printf ("%s志愿服务队", community_zh), g_strdup (gl_account),
                     lat, lon, "foot", strings ("search", "evacuation", "publicity", NULL));
  json_object_set_string_member (force, "station", code);
  json_object_set_int_member (force, "members", volunteers);
}

static void
add_street (City   *city,
            Street *street)
{
  double south = street->north - STREET_ROWS * city->cell_lat;
  double east = street->west + STREET_COLS * city->cell_lon;
  JsonObject *props;

  props = add_grid (city, street->code, street->name_zh, 1, NULL, "street",
                    rectangle (street->north, street->west, south, east));
  json_object_set_string_member (props, "name_en", street->name_en);
  json_object_set_string_member (props, "case_prefix", street->prefix);
  g_hash_table_remove_all (city->community_names);
  for (guint c = 1; c <= WG_CITY_COMMUNITIES; c++)
    add_community (city, street, c);
}

static void
street_clear (Street *street)
{
  g_free (street->code);
  g_free (street->prefix);
  g_free (street->lower);
  g_free (street->name_zh);
  g_free (street->name_en);
  g_free (street->leader_zh);
}

static JsonObject *
object_with_array (const char *name,
                   JsonArray  *array)
{
  JsonObject *object = json_object_new ();

  json_object_set_boolean_member (object, "synthetic", TRUE);
  json_object_set_array_member (object, name, array);
  return object;
}

/* The base's world, as a city's: its calendar, time zone and history
 * targets (per street), the city's name, centre and fallback street code
 * (cases in no street). */
static JsonObject *
city_world (WgReference *base,
            double       lat,
            double       lon,
            const char  *first_street)
{
  JsonObject *from = wg_reference_get_world_object (base);
  JsonObject *world = json_object_new ();
  JsonObject *centre = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (from);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (world, l->data, json_object_dup_member (from, l->data));
  json_object_set_boolean_member (world, "synthetic", TRUE);
  json_object_set_string_member (world, "note", "SYNTHETIC city generated by wg-city.c: geometry, names and "
                                 "people are invented; the codes follow Guangzhou's districts.");
  json_object_set_string_member (world, "name_zh", "广州市（合成城市）");
  json_object_set_string_member (world, "name_en", "Guangzhou (synthetic city)");
  json_object_set_string_member (world, "street_code", "GZ");
  json_object_set_string_member (world, "admin_code", "440100");
  json_object_set_string_member (world, "district_zh", "广州市");
  json_object_set_string_member (centre, "name_zh", "广州市网格化服务管理中心");
  json_object_set_string_member (centre, "name_en", "Guangzhou grid centre");
  json_object_set_string_member (centre, "grid", first_street);
  json_object_set_double_member (centre, "lat", round7 (lat));
  json_object_set_double_member (centre, "lon", round7 (lon));
  json_object_set_object_member (world, "centre", centre);
  return world;
}

/* The base's department teams, moved to the city's centre. */
static void
add_department_teams (City        *city,
                      WgReference *base,
                      double       lat,
                      double       lon)
{
  GPtrArray *teams = wg_reference_get_forces_by_type (base, WG_FORCE_DEPARTMENT_TEAM);

  for (guint i = 0; i < teams->len; i++)
    {
      WgForce *team = g_ptr_array_index (teams, i);
      JsonArray *capabilities = json_array_new ();
      JsonObject *force;

      for (guint k = 0; team->capabilities != NULL && team->capabilities[k] != NULL; k++)
        json_array_add_string_element (capabilities, team->capabilities[k]);
      force = add_force (city, team->id, "department_team", g_strdup (team->name_zh), g_strdup (team->account),
                         lat + 0.001 * (i % 5), lon + 0.001 * (i / 5), wg_speed_class_to_slug (team->speed),
                         capabilities);
      if (team->department != NULL)
        json_object_set_string_member (force, "department", team->department->code);
      json_object_set_int_member (force, "members", team->members);
    }
}

/* The base's roster with the city's covering street leaders. */
static JsonObject *
city_roster (WgReference *base,
             JsonArray   *covering)
{
  JsonObject *from = json_object_get_object_member (wg_reference_get_bundle (base), "roster");
  JsonObject *roster = json_object_new ();
  g_autoptr(GList) members = json_object_get_members (from);

  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (roster, l->data, json_object_dup_member (from, l->data));
  json_object_set_array_member (roster, "covering", covering);
  return roster;
}

JsonObject *
wg_city_build_bundle (WgReference *base,
                      guint        n_streets,
                      guint64      seed)
{
  City city = { 0 };
  JsonObject *bundle = json_object_new ();
  JsonObject *grids = json_object_new ();
  JsonObject *base_bundle;
  guint per_district[G_N_ELEMENTS (districts)] = { 0 };
  guint rows = (n_streets + STREETS_PER_ROW - 1) / STREETS_PER_ROW;
  double centre_lat, centre_lon;
  g_autofree char *first_street = NULL;

  g_return_val_if_fail (WG_IS_REFERENCE (base), NULL);
  g_return_val_if_fail (n_streets >= 1 && n_streets <= 1000, NULL);

  city.rand = g_rand_new_with_seed_array ((const guint32[]) { (guint32) seed, (guint32) (seed >> 32) }, 2);
  city.street_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  city.community_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  city.grids = json_array_new ();
  city.stations = json_array_new ();
  city.forces = json_array_new ();
  city.covering = json_array_new ();
  city.cell_lat = CELL_M / 111320.0;
  city.cell_lon = CELL_M / (111320.0 * cos (NORTH_LAT * G_PI / 180));
  centre_lat = NORTH_LAT - rows * STREET_ROWS * city.cell_lat / 2;
  centre_lon = WEST_LON + MIN (n_streets, STREETS_PER_ROW) * STREET_COLS * city.cell_lon / 2;

  for (guint i = 0; i < n_streets; i++)
    {
      /* Districts in turn by blocks of streets, each numbering its own. */
      guint d = (guint) ((guint64) i * MIN (n_streets, G_N_ELEMENTS (districts)) / n_streets);
      guint number = ++per_district[d];
      g_autofree char *pinyin = NULL, *name = NULL;
      Street street = { 0 };

      street.code = g_strdup_printf ("%s%03u", districts[d].code, number);
      street.prefix = g_strdup_printf ("%s%02u", districts[d].initials, number);
      street.lower = g_ascii_strdown (street.prefix, -1);
      place_name (&city, city.street_names, &name, &pinyin);
      street.name_zh = g_strconcat (name, "街道", NULL);
      street.name_en = g_strdup_printf ("%s Street (%s)", pinyin, districts[d].name_en);
      street.leader_zh = person_name (&city);
      street.north = NORTH_LAT - (i / STREETS_PER_ROW) * STREET_ROWS * city.cell_lat;
      street.west = WEST_LON + (i % STREETS_PER_ROW) * STREET_COLS * city.cell_lon;
      if (first_street == NULL)
        first_street = g_strdup (street.code);
      add_street (&city, &street);
      street_clear (&street);
    }
  add_department_teams (&city, base, centre_lat, centre_lon);

  base_bundle = wg_reference_get_bundle (base);
  json_object_set_string_member (bundle, "format", "wangge-reference/1");
  json_object_set_object_member (bundle, "world", city_world (base, centre_lat, centre_lon, first_street));
  json_object_set_string_member (grids, "type", "FeatureCollection");
  json_object_set_array_member (grids, "features", city.grids);
  json_object_set_object_member (bundle, "grids", grids);
  json_object_set_object_member (bundle, "stations", object_with_array ("stations", city.stations));
  json_object_set_object_member (bundle, "forces", object_with_array ("forces", city.forces));
  json_object_set_member (bundle, "departments", json_object_dup_member (base_bundle, "departments"));
  json_object_set_member (bundle, "categories", json_object_dup_member (base_bundle, "categories"));
  json_object_set_object_member (bundle, "roster", city_roster (base, city.covering));

  g_hash_table_unref (city.street_names);
  g_hash_table_unref (city.community_names);
  g_rand_free (city.rand);
  return bundle;
}

WgReference *
wg_city_new_reference (WgReference  *base,
                       guint         n_streets,
                       guint64       seed,
                       GError      **error)
{
  g_autoptr(JsonObject) bundle = wg_city_build_bundle (base, n_streets, seed);

  return wg_reference_load_bundle (bundle, error);
}
