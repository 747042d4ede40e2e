/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Codecs: commands, events and state records round-trip; malformed input is
 * refused.  The examples come from a scripted run of the real engine
 * (scenarios.md 1-4 in short), with fixed command ids and times so that
 * they are the same on every run: docs/api.md carries them verbatim
 * (checked here).  WG_PRINT_API_EXAMPLES=1 prints the section to paste.
 */
#include "config.h"

#include <stdio.h>

#include "engine-fixture.h"
#include "wg-json-write.h"

/* 2026-11-28 14:02:10 +08:00 (scenarios.md 1). */
#define T_FIRE G_GINT64_CONSTANT (1795845730000)
#define BEGIN_MARK "<!-- BEGIN GENERATED VOCABULARY (tests/unit/test-codec.c) -->\n"
#define END_MARK "<!-- END GENERATED VOCABULARY -->\n"

typedef struct {
  Fixture    f;
  guint      n;
  GPtrArray *commands;   /* WgCommand*, first of each type */
  GPtrArray *events;     /* WgEvent*, all */
  GPtrArray *command_of_type[WG_N_COMMAND_TYPES];
} Scenario;

static GPtrArray *
step (Scenario      *s,
      gint64         at,
      const WgActor *actor,
      const char    *type,
      const char    *body)
{
  g_autofree char *label = g_strdup_printf ("%u", ++s->n);
  g_autofree char *id = wg_uuid_derive ("7d9c1f4e-2b3a-4c5d-8e6f-0a1b2c3d4e5f", label);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = wg_json_parse (body, -1, &error);
  g_autoptr(WgCommand) command = NULL;
  GPtrArray *events = NULL;
  WgCommandType kind;

  g_assert_no_error (error);
  g_assert_true (wg_command_type_from_string (type, &kind));
  command = wg_command_new (id, kind, json_node_get_object (node));
  if (!wg_store_execute_command (s->f.store, command, actor, at, &events, NULL, &error))
    g_error ("step %u %s: %s", s->n, type, error->message);
  g_ptr_array_add (s->commands, wg_command_ref (command));
  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (s->events, wg_event_ref (events->pdata[i]));
  return events;
}

static char *
subject (GPtrArray *events,
         guint      index)
{
  g_autoptr(GPtrArray) owned = events;
  return g_strdup (((WgEvent *) events->pdata[index])->subject);
}

static void
timers (Scenario *s,
        gint64    at)
{
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (wg_store_run_timers (s->f.store, at, &events, &error));
  for (guint i = 0; i < events->len; i++)
    g_ptr_array_add (s->events, wg_event_ref (events->pdata[i]));
}

#define MINUTES(m) ((gint64) (m) * 60000)

static void
scenario_run (Scenario *s)
{
  g_autoptr(WgActor) worker = wg_actor_new ("worker-17", WG_ROLE_GRID_WORKER, "g17", NULL, NULL);
  g_autoptr(WgActor) leader = wg_actor_new ("zhang", WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  g_autoptr(WgActor) dispatcher = wg_actor_new ("li", WG_ROLE_DISPATCHER, NULL, NULL, NULL);
  g_autoptr(WgActor) meu = wg_actor_new ("meu-17-1", WG_ROLE_GRID_WORKER, "g17", NULL, "meu-17-1");
  g_autoptr(WgActor) car = wg_actor_new ("police-car-3", WG_ROLE_DEPARTMENT, NULL, "police", "police-car-3");
  g_autoptr(WgActor) housing = wg_actor_new ("housing-desk", WG_ROLE_DEPARTMENT, NULL, "housing", NULL);
  g_autoptr(WgActor) cgj = wg_actor_new ("cgj-desk", WG_ROLE_DEPARTMENT, NULL, "cgj", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *fire = NULL, *a_meu = NULL, *a_car = NULL, *roof = NULL, *dispute = NULL, *lane = NULL;
  g_autofree char *leak = NULL, *dup = NULL, *neighbours = NULL, *drain = NULL, *smoke = NULL;
  g_autofree char *body = NULL;

  g_assert_true (wg_store_register_unit (s->f.store, "meu-17-1", "minimal_emergency_unit", "最小应急单元 17-1",
                                         "g17", "meu-17-1", &error));
  g_assert_true (wg_store_register_unit (s->f.store, "police-car-3", "police_car", "警车 3",
                                         "g05", "police-car-3", &error));

  /* 1. Emergency: fire. */
  fire = subject (step (s, T_FIRE, worker, "incident.report",
    "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"3楼冒烟\", \"source\": \"patrol\"}"), 0);
  body = g_strdup_printf ("{\"incident\": \"%s\"}", fire);
  g_ptr_array_unref (step (s, T_FIRE + 8000, leader, "alarm.acknowledge", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"units\": [\"meu-17-1\", \"police-car-3\"]}", fire);
  {
    g_autoptr(GPtrArray) events = step (s, T_FIRE + 15000, dispatcher, "dispatch.assign", body);
    a_meu = g_strdup (((WgEvent *) events->pdata[0])->subject);
    a_car = g_strdup (((WgEvent *) events->pdata[2])->subject);
  }
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"assignment\": \"%s\"}", a_meu);
  g_ptr_array_unref (step (s, T_FIRE + 30000, meu, "assignment.acknowledge", body));
  g_ptr_array_unref (step (s, T_FIRE + 35000, meu, "assignment.en_route", body));
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (7), meu, "assignment.on_scene", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"assignment\": \"%s\", \"reason\": \"已由最小应急单元处置\"}", a_car);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (8), dispatcher, "assignment.cancel", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"summary\": \"明火已扑灭\"}", fire);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (29), leader, "incident.resolve", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"assignment\": \"%s\"}", a_meu);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (30), meu, "assignment.clear", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"housing\","
                          " \"instructions\": \"楼栋消防安全检查\"}", fire);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (31), leader, "incident.route", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\"}", fire);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (40), housing, "incident.accept", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"result\": \"已检查\", \"outcome\": \"partly\"}", fire);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (120), housing, "incident.feedback", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"passed\": false, \"remark\": \"三楼灭火器未更换\"}", fire);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (150), worker, "incident.verify", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"result\": \"已更换灭火器\", \"outcome\": \"resolved\","
                          " \"attachments\": [\"b1946ac9-2d6e-4c1b-9f3a-5e8d7c6b4a21\"]}", fire);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (200), housing, "incident.feedback", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"passed\": true}", fire);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (210), worker, "incident.verify", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"remark\": \"办结\"}", fire);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (220), leader, "incident.close", body));
  g_clear_pointer (&body, g_free);

  /* 2. Professional: illegal structure on a rooftop. */
  roof = subject (step (s, T_FIRE + MINUTES (300), worker, "incident.report",
    "{\"grade\": \"professional\", \"category\": \"structure\", \"location\": {\"lat\": 23.125, \"lon\": 113.125},"
    " \"summary\": \"天台违建\", \"details\": \"约20平方米彩钢棚\"}"), 0);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"cgj\"}", roof);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (301), dispatcher, "incident.route", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"reason\": \"非本部门职责\"}", roof);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (310), cgj, "incident.reject", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"approve\": true, \"remark\": \"退回中心重新流转\"}", roof);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (310) + 30000, leader, "incident.review_rejection", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"cgj\", \"instructions\": \"属违法建设\"}", roof);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (311), dispatcher, "incident.route", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"需业主配合\"}",
                          roof, T_FIRE + MINUTES (7 * 24 * 60));
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (312), dispatcher, "incident.extend", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"reason\": \"业主出差\"}", roof);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (313), leader, "incident.suspend", body));
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (314), leader, "incident.resume", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"level\": \"centre\", \"reason\": \"涉及多户\"}", roof);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (315), worker, "incident.escalate", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"业主已联系\"}", roof);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (316), cgj, "incident.note", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"reason\": \"重复上报\"}", roof);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (317), leader, "incident.cancel", body));
  g_clear_pointer (&body, g_free);

  /* 3. General: blocked fire lane, handled on the spot, in one go and in two. */
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (320), worker, "incident.report",
    "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"消防通道被电动车堵塞\", \"handled_on_spot\": {\"resolution\": \"已挪走\"}}"));
  lane = subject (step (s, T_FIRE + MINUTES (321), worker, "incident.report",
    "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"消防通道堆放杂物\"}"), 0);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"resolution\": \"已清理\"}", lane);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (325), worker, "incident.handle_on_spot", body));
  g_clear_pointer (&body, g_free);

  /* 4. Dispute by phone, upgraded when the crowd grows; nobody
   * acknowledges: the alarm escalates and dispatch goes overdue. */
  dispute = subject (step (s, T_FIRE + MINUTES (330), dispatcher, "incident.report",
    "{\"grade\": \"professional\", \"category\": \"labour_dispute\", \"location\": {\"lat\": 23.375, \"lon\": 113.25},"
    " \"summary\": \"工厂欠薪纠纷\", \"source\": \"phone\", \"caller\": {\"name\": \"陈先生\", \"phone\": \"13800138000\"}}"),
    0);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"reason\": \"聚集人数增加\"}", dispute);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (340), dispatcher, "incident.upgrade", body));
  g_clear_pointer (&body, g_free);
  timers (s, T_FIRE + MINUTES (341));
  timers (s, T_FIRE + MINUTES (342));

  /* 5. Forces and roster. */
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (350), car, "unit.status",
                           "{\"unit\": \"police-car-3\", \"status\": \"off_duty\"}"));
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (360), leader, "roster.handover",
                           "{\"to\": \"wang\", \"remark\": \"夜班交接\"}"));

  /* 6. The full work-order cycle: a 12345 case with a duplicate, a
   * rejection denied, 改派, extension, supervision, rework and call-back;
   * a dispute mediated in the grid; 转派; a downgraded false alarm. */
  leak = subject (step (s, T_FIRE + MINUTES (400), dispatcher, "incident.report",
    "{\"grade\": \"professional\", \"category\": \"structure\", \"location\": {\"lat\": 23.125, \"lon\": 113.25},"
    " \"summary\": \"楼上违建漏水\", \"source\": \"hotline_12345\", \"caller\": {\"name\": \"黄女士\","
    " \"phone\": \"13900139000\"}}"), 0);
  dup = subject (step (s, T_FIRE + MINUTES (401), dispatcher, "incident.report",
    "{\"grade\": \"professional\", \"category\": \"structure\", \"location\": {\"lat\": 23.125, \"lon\": 113.25},"
    " \"summary\": \"邻居反映同一处漏水\", \"source\": \"hotline_12345\"}"), 0);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"into\": \"%s\", \"reason\": \"同一处漏水\"}", dup, leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (402), dispatcher, "incident.merge", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"cgj\", \"co_departments\": [\"housing\"]}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (403), dispatcher, "incident.route", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"reason\": \"漏水应由住建处理\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (404), cgj, "incident.reject", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"approve\": false, \"remark\": \"违建属城管职责\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (405), leader, "incident.review_rejection", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"housing\", \"instructions\": \"先处理漏水\"}",
                          leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (406), dispatcher, "incident.route", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (410), housing, "incident.accept", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"deadline\": %" G_GINT64_FORMAT ", \"reason\": \"需业主配合\"}",
                          leak, T_FIRE + MINUTES (14 * 24 * 60));
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (411), housing, "incident.request_extension", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"reason\": \"居民急需，请按期办理\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (412), leader, "incident.decline_extension", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"level\": \"supervise\", \"remark\": \"请今日上门\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (413), leader, "incident.supervise", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"text\": \"已安排下午上门\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (414), housing, "incident.answer_supervision", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"result\": \"已封堵漏点\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (420), housing, "incident.feedback", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"passed\": true}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (430), worker, "incident.verify", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"satisfaction\": \"unsatisfied\", \"remark\": \"下雨仍漏\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (440), dispatcher, "incident.call_back", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"result\": \"已重做防水层\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (450), housing, "incident.feedback", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"passed\": true}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (460), worker, "incident.verify", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"satisfaction\": \"satisfied\", \"remark\": \"不再漏水\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (470), dispatcher, "incident.call_back", body));
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"incident\": \"%s\"}", leak);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (480), dispatcher, "incident.close", body));
  g_clear_pointer (&body, g_free);

  neighbours = subject (step (s, T_FIRE + MINUTES (490), worker, "incident.report",
    "{\"grade\": \"professional\", \"category\": \"neighbour_dispute\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"楼上楼下噪音纠纷\", \"source\": \"patrol\"}"), 0);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"outcome\": \"mediated\", \"remark\": \"双方约定晚十点后不再装修\","
                          " \"parties\": [\"501住户\", \"401住户\"]}", neighbours);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (491), worker, "incident.mediate", body));
  g_clear_pointer (&body, g_free);

  drain = subject (step (s, T_FIRE + MINUTES (495), worker, "incident.report",
    "{\"grade\": \"general\", \"category\": \"fire_lane\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"通道被建筑垃圾堵死，现场无法清理\"}"), 0);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"department\": \"cgj\"}", drain);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (496), dispatcher, "incident.route", body));
  g_clear_pointer (&body, g_free);

  smoke = subject (step (s, T_FIRE + MINUTES (497), dispatcher, "incident.report",
    "{\"grade\": \"emergency\", \"category\": \"fire\", \"location\": {\"lat\": 23.25, \"lon\": 113.25},"
    " \"summary\": \"楼顶冒烟\", \"source\": \"police_110\"}"), 0);
  body = g_strdup_printf ("{\"incident\": \"%s\", \"to\": \"general\", \"reason\": \"居民烧烤，非火情\","
                          " \"false_alarm\": true}", smoke);
  g_ptr_array_unref (step (s, T_FIRE + MINUTES (498), leader, "incident.downgrade", body));
  g_clear_pointer (&body, g_free);
}

static void
scenario_init (Scenario *s)
{
  memset (s, 0, sizeof *s);
  fixture_set_up (&s->f, NULL);
  s->commands = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_command_unref);
  s->events = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_event_unref);
  scenario_run (s);
}

static void
scenario_clear (Scenario *s)
{
  g_ptr_array_unref (s->commands);
  g_ptr_array_unref (s->events);
  fixture_tear_down (&s->f, NULL);
}

static char *
pretty (JsonNode *node)
{
  return json_to_string (node, TRUE);
}

static char *
generate_section (Scenario *s)
{
  GString *out = g_string_new (BEGIN_MARK);

  g_string_append (out, "\n### Commands\n");
  for (guint t = 0; t < WG_N_COMMAND_TYPES; t++)
    for (guint i = 0; i < s->commands->len; i++)
      {
        WgCommand *command = s->commands->pdata[i];
        if (wg_command_get_kind (command) == t)
          {
            g_autoptr(JsonNode) node = wg_command_to_json (command);
            g_autofree char *text = pretty (node);
            g_string_append_printf (out, "\n#### %s\n\n```json\n%s\n```\n", wg_command_type_to_string (t), text);
            break;
          }
      }

  g_string_append (out, "\n### Events\n");
  for (guint t = 0; t < WG_N_EVENT_TYPES; t++)
    for (guint i = 0; i < s->events->len; i++)
      {
        WgEvent *event = s->events->pdata[i];
        if (event->type == t)
          {
            g_autoptr(JsonNode) node = wg_event_to_json (event);
            g_autofree char *text = pretty (node);
            g_string_append_printf (out, "\n#### %s\n\n```json\n%s\n```\n", wg_event_type_to_string (t), text);
            break;
          }
      }
  g_string_append (out, "\n" END_MARK);
  return g_string_free (out, FALSE);
}

static void
test_every_type_in_scenario (void)
{
  Scenario s;
  gboolean seen_commands[WG_N_COMMAND_TYPES] = { 0 };
  gboolean seen_events[WG_N_EVENT_TYPES] = { 0 };

  scenario_init (&s);
  for (guint i = 0; i < s.commands->len; i++)
    seen_commands[wg_command_get_kind (s.commands->pdata[i])] = TRUE;
  for (guint i = 0; i < s.events->len; i++)
    seen_events[((WgEvent *) s.events->pdata[i])->type] = TRUE;
  for (guint t = 0; t < WG_N_COMMAND_TYPES; t++)
    if (!seen_commands[t])
      g_error ("no example of %s", wg_command_type_to_string (t));
  for (guint t = 0; t < WG_N_EVENT_TYPES; t++)
    if (!seen_events[t])
      g_error ("no example of %s", wg_event_type_to_string (t));

  if (g_getenv ("WG_PRINT_API_EXAMPLES") != NULL)
    {
      g_autofree char *section = generate_section (&s);
      fputs (section, stderr);
    }
  scenario_clear (&s);
}

static void
test_docs_carry_the_examples (void)
{
  const char *source = g_getenv ("WANGGE_SOURCE_DIR");
  g_autofree char *path = NULL, *text = NULL, *section = NULL;
  g_autoptr(GError) error = NULL;
  Scenario s;

  if (source == NULL)
    {
      g_test_skip ("WANGGE_SOURCE_DIR not set");
      return;
    }
  path = g_build_filename (source, "docs", "api.md", NULL);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));

  scenario_init (&s);
  section = generate_section (&s);
  if (strstr (text, section) == NULL)
    g_error ("docs/api.md does not carry the current examples: regenerate with "
             "WG_PRINT_API_EXAMPLES=1 %s -p /codec/scenario", g_get_prgname ());
  scenario_clear (&s);
}

static void
test_round_trips (void)
{
  Scenario s;

  scenario_init (&s);
  for (guint i = 0; i < s.commands->len; i++)
    {
      WgCommand *command = s.commands->pdata[i];
      g_autofree char *text = wg_command_to_string (command);
      g_autoptr(GError) error = NULL;
      g_autoptr(WgCommand) back = wg_command_from_string (text, -1, &error);
      g_autofree char *again = NULL;

      g_assert_no_error (error);
      again = wg_command_to_string (back);
      g_assert_cmpstr (text, ==, again);
      g_assert_cmpstr (wg_command_get_body_hash (command), ==, wg_command_get_body_hash (back));
    }
  for (guint i = 0; i < s.events->len; i++)
    {
      WgEvent *event = s.events->pdata[i];
      g_autofree char *text = wg_event_to_string (event);
      g_autoptr(GError) error = NULL;
      g_autoptr(WgEvent) back = wg_event_from_string (text, -1, &error);

      g_assert_no_error (error);
      g_assert_true (wg_event_equal (event, back));
      g_assert_cmpint (back->seq, ==, event->seq);
    }

  /* The journal gives back what was appended. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) journal = wg_store_read_journal (s.f.store, 0, 10000, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (journal->len, ==, s.events->len);
    for (guint i = 0; i < journal->len; i++)
      g_assert_true (wg_event_equal (journal->pdata[i], s.events->pdata[i]));
  }

  /* State records. */
  for (guint i = 0; i < s.events->len; i++)
    {
      WgEvent *event = s.events->pdata[i];
      g_autoptr(GError) error = NULL;

      if (event->type == WG_EV_INCIDENT_REPORTED)
        {
          g_auto(WgIncidentRecord) record = { 0 };
          g_auto(WgIncidentRecord) back = { 0 };
          g_autoptr(JsonNode) node = NULL, node2 = NULL;
          g_autofree char *a = NULL, *b = NULL;

          g_assert_true (wg_store_get_incident (s.f.store, event->subject, &record, &error));
          node = wg_incident_record_to_json (&record);
          g_assert_true (wg_incident_record_from_json (node, &back, &error));
          node2 = wg_incident_record_to_json (&back);
          a = wg_json_to_canonical (node);
          b = wg_json_to_canonical (node2);
          g_assert_cmpstr (a, ==, b);
        }
      else if (event->type == WG_EV_ASSIGNMENT_CREATED)
        {
          g_auto(WgAssignmentRecord) record = { 0 };
          g_auto(WgAssignmentRecord) back = { 0 };
          g_auto(WgUnitRecord) unit = { 0 };
          g_auto(WgUnitRecord) unit_back = { 0 };
          g_autoptr(JsonNode) node = NULL, node2 = NULL, unode = NULL, unode2 = NULL;
          g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;

          g_assert_true (wg_store_get_assignment (s.f.store, event->subject, &record, &error));
          node = wg_assignment_record_to_json (&record);
          g_assert_true (wg_assignment_record_from_json (node, &back, &error));
          node2 = wg_assignment_record_to_json (&back);
          a = wg_json_to_canonical (node);
          b = wg_json_to_canonical (node2);
          g_assert_cmpstr (a, ==, b);

          g_assert_true (wg_store_get_unit (s.f.store, record.unit, &unit, &error));
          unode = wg_unit_record_to_json (&unit);
          g_assert_true (wg_unit_record_from_json (unode, &unit_back, &error));
          unode2 = wg_unit_record_to_json (&unit_back);
          c = wg_json_to_canonical (unode);
          d = wg_json_to_canonical (unode2);
          g_assert_cmpstr (c, ==, d);
          {
            g_autoptr(GString) direct = g_string_new ("{");
            g_autofree char *text = wg_json_node_to_text (unode);

            wg_unit_record_write_members (direct, &unit);
            g_string_append_c (direct, '}');
            g_assert_cmpstr (direct->str, ==, text);
          }
        }
    }
  scenario_clear (&s);
}

static void
test_malformed_commands (void)
{
  const char *bad[] = {
    "",
    "[]",
    "42",
    "{",
    "{\"id\": \"4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38\", \"type\": \"incident.report\"}",
    "{\"id\": \"4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38\", \"type\": \"incident.report\", \"body\": []}",
    "{\"id\": \"not-a-uuid\", \"type\": \"incident.report\", \"body\": {}}",
    "{\"id\": 7, \"type\": \"incident.report\", \"body\": {}}",
    "{\"id\": \"4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38\", \"type\": \"incident.explode\", \"body\": {}}",
    "{\"id\": \"4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38\", \"type\": null, \"body\": {}}",
    "{\"id\": \"4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38\", \"type\": \"incident.note\", \"body\": {}, \"x\": 1}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WgCommand) command = wg_command_from_string (bad[i], -1, &error);

      g_assert_null (command);
      g_assert_error (error, WG_ERROR, WG_ERROR_INVALID_COMMAND);
    }
}

static void
test_malformed_events (void)
{
  const char *good = "{\"seq\": 1, \"ts\": 1795845730000, \"type\": \"incident.noted\", \"actor\": \"li\","
                     " \"role\": \"dispatcher\", \"command\": null, \"subject\": \"i\", \"incident\": \"i\","
                     " \"body\": {\"text\": \"t\"}}";
  const char *bad[] = {
    "",
    "[]",
    "{\"seq\": 1}",
    "{\"seq\": -1, \"ts\": 1, \"type\": \"incident.noted\", \"actor\": null, \"role\": null, \"command\": null, \"subject\": \"i\", \"incident\": null, \"body\": {}}",
    "{\"seq\": 1.5, \"ts\": 1, \"type\": \"incident.noted\", \"actor\": null, \"role\": null, \"command\": null, \"subject\": \"i\", \"incident\": null, \"body\": {}}",
    "{\"seq\": 1, \"ts\": 1, \"type\": \"incident.exploded\", \"actor\": null, \"role\": null, \"command\": null, \"subject\": \"i\", \"incident\": null, \"body\": {}}",
    "{\"seq\": 1, \"ts\": 1, \"type\": \"incident.noted\", \"actor\": \"x\", \"role\": \"king\", \"command\": null, \"subject\": \"i\", \"incident\": null, \"body\": {}}",
    "{\"seq\": 1, \"ts\": 1, \"type\": \"incident.noted\", \"actor\": \"x\", \"role\": null, \"command\": null, \"subject\": \"i\", \"incident\": null, \"body\": {}}",
    "{\"seq\": 1, \"ts\": 1, \"type\": \"incident.noted\", \"actor\": null, \"role\": null, \"command\": null, \"subject\": null, \"incident\": null, \"body\": {}}",
    "{\"seq\": 1, \"ts\": 1, \"type\": \"incident.noted\", \"actor\": null, \"role\": null, \"command\": null, \"subject\": \"i\", \"incident\": null, \"body\": \"x\"}",
    "{\"seq\": 1, \"ts\": 1, \"type\": \"incident.noted\", \"actor\": null, \"role\": null, \"command\": null, \"subject\": \"i\", \"incident\": null}",
    "{\"seq\": 1, \"ts\": 1, \"type\": \"incident.noted\", \"actor\": null, \"role\": null, \"command\": null, \"subject\": \"i\", \"incident\": null, \"body\": {}, \"extra\": 1}",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(WgEvent) ok = wg_event_from_string (good, -1, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ok);
  g_assert_null (ok->exercise);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(WgEvent) event = wg_event_from_string (bad[i], -1, &e);

      if (event != NULL)
        g_error ("accepted malformed event %u: %s", i, bad[i]);
      g_assert_error (e, WG_ERROR, WG_ERROR_INVALID_EVENT);
    }
}

static void
test_exercise_and_hash (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgEvent) event = wg_event_from_string (
    "{\"seq\": 3, \"ts\": 5, \"type\": \"unit.status_changed\", \"actor\": null, \"role\": null,"
    " \"command\": null, \"subject\": \"u1\", \"incident\": null, \"body\": {\"status\": \"busy\"},"
    " \"exercise\": \"ex-1\"}", -1, &error);
  g_autoptr(WgCommand) a = NULL, b = NULL, c = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (event->exercise, ==, "ex-1");
  text = wg_event_to_string (event);
  g_assert_nonnull (strstr (text, "\"exercise\":\"ex-1\""));

  /* The body hash ignores member order, not values. */
  a = wg_command_from_string ("{\"id\": \"4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38\", \"type\": \"incident.note\","
                              " \"body\": {\"incident\": \"i\", \"text\": \"t\"}}", -1, &error);
  b = wg_command_from_string ("{\"body\": {\"text\": \"t\", \"incident\": \"i\"}, \"type\": \"incident.note\","
                              " \"id\": \"4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38\"}", -1, &error);
  c = wg_command_from_string ("{\"id\": \"4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38\", \"type\": \"incident.note\","
                              " \"body\": {\"incident\": \"i\", \"text\": \"u\"}}", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wg_command_get_body_hash (a), ==, wg_command_get_body_hash (b));
  g_assert_cmpstr (wg_command_get_body_hash (a), !=, wg_command_get_body_hash (c));

  /* Derived ids are stable UUIDs. */
  {
    g_autofree char *x = wg_uuid_derive ("4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38", "incident");
    g_autofree char *y = wg_uuid_derive ("4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38", "incident");
    g_autofree char *z = wg_uuid_derive ("4f1d0b7e-8a2c-4e39-9b5d-2c7e1a0f6d38", "assignment/u1");
    g_assert_true (wg_uuid_is_valid (x));
    /* SHA-1 of "parent/label", version 5: the ids in existing journals. */
    g_assert_cmpstr (x, ==, "c2828394-eb61-52d1-8399-67803a23037a");
    g_assert_cmpstr (x, ==, y);
    g_assert_cmpstr (x, !=, z);
  }
}

static void
test_malformed_state (void)
{
  const char *bad_incidents[] = {
    "[]",
    "{\"id\": \"i\"}",
    "{\"id\": \"i\", \"grade\": \"huge\", \"state\": \"reported\", \"location\": {\"lat\": 1, \"lon\": 1},"
    " \"reported_at\": 1, \"updated_at\": 1, \"overdue\": false, \"alarm\": \"none\", \"alarm_changed_at\": 0,"
    " \"alarm_escalations\": 0}",
    "{\"id\": \"i\", \"grade\": \"general\", \"state\": \"reported\", \"location\": {\"lat\": 1, \"lon\": 1},"
    " \"reported_at\": 1, \"updated_at\": 1, \"overdue\": false, \"alarm\": \"loud\", \"alarm_changed_at\": 0,"
    " \"alarm_escalations\": 0}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_incidents); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = wg_json_parse (bad_incidents[i], -1, &error);
      g_auto(WgIncidentRecord) record = { 0 };

      g_assert_no_error (error);
      g_assert_false (wg_incident_record_from_json (node, &record, &error));
      g_assert_error (error, WG_ERROR, WG_ERROR_INVALID_FIELD);
      g_assert_null (record.id);
    }
}

/* Canonical text (the command hash's input): members sorted at every
 * depth, more members than fit the stack's array too. */
static void
test_canonical (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(GString) expected = g_string_new ("{\"a\":[{\"y\":\"\u00e9\",\"z\":null}],");
  JsonObject *inner = json_object_new ();
  g_autofree char *text = NULL;

  json_object_set_null_member (inner, "z");
  json_object_set_string_member (inner, "y", "\u00e9");
  json_array_add_object_element (array, inner);
  for (int i = 19; i >= 0; i--)
    {
      g_autofree char *name = g_strdup_printf ("m%02d", i);

      json_object_set_int_member (object, name, i);
    }
  json_object_set_array_member (object, "a", json_array_ref (array));
  for (int i = 0; i < 20; i++)
    g_string_append_printf (expected, "\"m%02d\":%d%s", i, i, i < 19 ? "," : "}");
  node = json_node_init_object (json_node_alloc (), object);
  text = wg_json_to_canonical (node);
  g_assert_cmpstr (text, ==, expected->str);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/codec/canonical", test_canonical);
  g_test_add_func ("/codec/scenario", test_every_type_in_scenario);
  g_test_add_func ("/codec/docs", test_docs_carry_the_examples);
  g_test_add_func ("/codec/round-trips", test_round_trips);
  g_test_add_func ("/codec/malformed-commands", test_malformed_commands);
  g_test_add_func ("/codec/malformed-events", test_malformed_events);
  g_test_add_func ("/codec/malformed-state", test_malformed_state);
  g_test_add_func ("/codec/exercise-and-hash", test_exercise_and_hash);
  return g_test_run ();
}
