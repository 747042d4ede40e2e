/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-demo"

#include "config.h"

#include "wg-demo.h"

static WgActor *
demo_actor (WgContext  *context,
            const char *username)
{
  WgReference *reference = wg_context_get_reference (context);

  if (g_str_has_prefix (username, "leader"))
    return wg_actor_new (username, WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  if (g_str_has_prefix (username, "dispatcher"))
    return wg_actor_new (username, WG_ROLE_DISPATCHER, NULL, NULL, NULL);
  if (g_str_has_prefix (username, "dept-"))
    return wg_actor_new (username, WG_ROLE_DEPARTMENT, NULL, username + 5, NULL);
  if (g_str_has_prefix (username, "worker-"))
    {
      g_autoptr(GPtrArray) forces = wg_reference_dup_forces_for_account (reference, username);

      for (guint i = 0; forces != NULL && i < forces->len; i++)
        {
          WgForce *force = forces->pdata[i];
          if (force->type == WG_FORCE_GRID_WORKER)
            return wg_actor_new (username, WG_ROLE_GRID_WORKER,
                                 force->grid != NULL ? force->grid->code : NULL, NULL, force->id);
        }
    }
  return wg_actor_new (username, WG_ROLE_ADMIN, NULL, NULL, NULL);
}

char *
wg_demo_run (WgContext   *context,
             const char  *username,
             gint64       at_ms,
             GPtrArray   *events,
             GError     **error,
             const char  *type,
             const char  *body_format,
             ...)
{
  g_autoptr(WgActor) actor = demo_actor (context, username);
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GPtrArray) out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = wg_uuid_new ();
  WgCommandType kind;
  va_list args;

  va_start (args, body_format);
  body = g_strdup_vprintf (body_format, args);
  va_end (args);

  if (!wg_command_type_from_string (type, &kind))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unknown command %s", type);
      return NULL;
    }
  node = json_from_string (body, error);
  if (node == NULL)
    return NULL;
  command = wg_command_new (id, kind, json_node_get_object (node));
  if (!wg_store_execute_command (wg_context_get_store (context), command, actor, at_ms, &out,
                                 NULL, error))
    return NULL;
  for (guint i = 0; i < out->len; i++)
    g_ptr_array_add (events, wg_event_ref (out->pdata[i]));
  return out->len > 0 ? g_strdup (((WgEvent *) out->pdata[0])->subject) : NULL;
}

static void
point_in_grid (WgContext  *context,
               const char *grid_code,
               GRand      *rand,
               double     *lat,
               double     *lon)
{
  WgGrid *grid = wg_reference_lookup_grid (wg_context_get_reference (context), grid_code);

  if (grid != NULL)
    wg_grid_random_point (grid, rand, lat, lon);
  else
    wg_reference_get_centre (wg_context_get_reference (context), lat, lon);
}

#define MIN_MS (60 * 1000)
#define RUN(user, at, type, ...) \
  wg_demo_run (context, user, at, events, error, type, __VA_ARGS__)
#define CHECK(expr) G_STMT_START { if ((expr) == NULL) return FALSE; } G_STMT_END

/* A report in the grid of worker @worker: returns the incident id. */
static char *
report (WgContext  *context,
        GPtrArray  *events,
        GRand      *rand,
        const char *user,
        const char *grid,
        gint64      at,
        const char *grade,
        const char *category,
        const char *summary,
        const char *extra,
        GError    **error)
{
  double lat, lon;
  g_autofree char *lat_s = NULL, *lon_s = NULL;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  point_in_grid (context, grid, rand, &lat, &lon);
  lat_s = g_strdup (g_ascii_dtostr (buf, sizeof buf, lat));
  lon_s = g_strdup (g_ascii_dtostr (buf, sizeof buf, lon));
  return RUN (user, at, "incident.report",
              "{\"grade\": \"%s\", \"category\": \"%s\", \"location\": {\"lat\": %s, \"lon\": %s},"
              " \"grid\": \"%s\", \"summary\": \"%s\"%s}",
              grade, category, lat_s, lon_s, grid, summary, extra ?: "");
}

gboolean
wg_demo_fill (WgContext  *context,
              GError    **error)
{
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261128);
  gint64 now = wg_context_now_ms (context);
  g_autofree char *fire = NULL, *accident = NULL, *structure = NULL, *labour = NULL;
  g_autofree char *lane = NULL, *leak = NULL, *noise = NULL, *family = NULL;
  g_autofree char *vendor = NULL, *light = NULL;
  g_autofree char *a1 = NULL;

  g_return_val_if_fail (WG_IS_CONTEXT (context), FALSE);

  /* 3. General: blocked fire lane, handled on the spot this morning. */
  CHECK (lane = report (context, events, rand, "worker-03", "440111012001003", now - 190 * MIN_MS,
                        "general", "fire_lane_blocked", "消防通道被电动车堵塞",
                        ", \"handled_on_spot\": {\"resolution\": \"已联系车主挪走\"}", error));

  /* 2. Professional: illegal structure on a rooftop, routed to urban management. */
  CHECK (structure = report (context, events, rand, "worker-08", "440111012002002", now - 170 * MIN_MS,
                             "professional", "illegal_structure", "楼顶违规搭建铁皮房", NULL, error));
  CHECK (RUN ("dispatcher", now - 160 * MIN_MS, "incident.route",
              "{\"incident\": \"%s\", \"department\": \"urban\", \"instructions\": \"请核查并限期拆除\"}",
              structure));
  CHECK (RUN ("dept-urban", now - 120 * MIN_MS, "incident.accept", "{\"incident\": \"%s\"}", structure));

  /* 4. Dispute: labour dispute at a workshop, with the judicial office. */
  CHECK (labour = report (context, events, rand, "worker-30", "440111012006001", now - 95 * MIN_MS,
                          "professional", "dispute_labour", "制衣厂十余名工人讨薪", NULL, error));
  /* Disputes are mediated in the grid first; this one failed. */
  CHECK (RUN ("worker-30", now - 92 * MIN_MS, "incident.mediate",
              "{\"incident\": \"%s\", \"outcome\": \"failed\", \"remark\": \"网格内调解未果，工人坚持追讨欠薪\"}",
              labour));
  CHECK (RUN ("dispatcher", now - 90 * MIN_MS, "incident.route",
              "{\"incident\": \"%s\", \"department\": \"judicial\"}", labour));

  /* More of an ordinary afternoon. */
  CHECK (leak = report (context, events, rand, "worker-45", "440111012008006", now - 80 * MIN_MS,
                        "professional", "water_leak", "路面自来水管爆裂", NULL, error));
  CHECK (noise = report (context, events, rand, "worker-52", "440111012010002", now - 40 * MIN_MS,
                         "general", "noise", "夜间装修噪音扰民", NULL, error));
  CHECK (family = report (context, events, rand, "dispatcher", "440111012002002", now - 35 * MIN_MS,
                          "professional", "dispute_family", "居民来电：家庭纠纷，邻居劝解无果",
                          ", \"source\": \"phone\", \"caller\": {\"name\": \"王女士\", \"phone\": \"13812345678\"}",
                          error));
  CHECK (vendor = report (context, events, rand, "worker-17", "440111012003006", now - 25 * MIN_MS,
                          "general", "street_vendor", "占道经营水果摊", NULL, error));
  CHECK (light = report (context, events, rand, "worker-08", "440111012002002", now - 18 * MIN_MS,
                         "professional", "streetlight", "小区路灯不亮", NULL, error));

  /* An emergency in progress: traffic accident, dispatched, one force late. */
  CHECK (accident = report (context, events, rand, "worker-45", "440111012008006", now - 6 * MIN_MS,
                            "emergency", "traffic_accident", "两车相撞，一人受伤", NULL, error));
  CHECK (RUN ("leader", now - 6 * MIN_MS + 9000, "alarm.acknowledge", "{\"incident\": \"%s\"}", accident));
  CHECK (a1 = RUN ("leader", now - 5 * MIN_MS, "dispatch.assign",
                   "{\"incident\": \"%s\", \"units\": [\"cp-08\", \"ap-15\", \"eu-08\"]}", accident));
  CHECK (RUN ("leader", now - 4 * MIN_MS, "assignment.acknowledge", "{\"assignment\": \"%s\"}", a1));
  CHECK (RUN ("leader", now - 3 * MIN_MS, "assignment.en_route", "{\"assignment\": \"%s\"}", a1));

  /* 1. Emergency: fire in a residential building, alarm not acknowledged. */
  CHECK (fire = report (context, events, rand, "worker-17", "440111012003006", now - 40 * 1000,
                        "emergency", "fire", "3楼冒烟", NULL, error));

  wg_context_events_applied (context, events);
  return TRUE;
}

/* Emits what @events holds, as a console receives each command's events. */
static void
flush (WgContext *context,
       GPtrArray *events)
{
  wg_context_events_applied (context, events);
  g_ptr_array_set_size (events, 0);
}

gboolean
wg_demo_fill_drill (WgContext  *drill,
                    GError    **error)
{
  WgContext *context = drill;
  g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  gint64 now = wg_context_now_ms (drill);
  g_autofree char *missing = NULL;
  g_autofree char *fire = NULL;

  /* A missing elderly person (the scenario's place), taken by the
   * centre's hotline: acknowledged late, dispatched without one of the
   * plan's grid workers; then a fire still waiting. */
  CHECK (missing = RUN ("dispatcher-hotline", now - 400 * 1000, "incident.report",
                        "{\"grade\": \"emergency\", \"category\": \"missing_person\","
                        " \"location\": {\"lat\": 23.20623, \"lon\": 113.2858}, \"source\": \"hotline_12345\","
                        " \"summary\": \"82岁老人（阿尔茨海默病）上午买菜后未回家，穿灰色外套\"}"));
  flush (drill, events);
  CHECK (RUN ("leader-zhang", now - 310 * 1000, "alarm.acknowledge", "{\"incident\": \"%s\"}", missing));
  flush (drill, events);
  CHECK (RUN ("dispatcher-li", now - 250 * 1000, "dispatch.assign",
              "{\"incident\": \"%s\", \"units\": [\"cp-20\", \"gw-46\", \"ap-11\", \"gw-31\", \"ap-10\","
              " \"vt-09\", \"eu-01\"]}", missing));
  flush (drill, events);
  CHECK (fire = RUN ("dispatcher-hotline", now - 40 * 1000, "incident.report",
                     "{\"grade\": \"emergency\", \"category\": \"fire\","
                     " \"location\": {\"lat\": 23.21393, \"lon\": 113.2942}, \"source\": \"hotline_12345\","
                     " \"summary\": \"3楼冒烟\"}"));
  flush (drill, events);
  return TRUE;
}
