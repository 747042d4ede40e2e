/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GET /api/v1/snapshot: the caller's view of the current state at a head,
 * so that a console shows the board and the map at once and tails the
 * stream from there (docs/api.md).  Read from the projection; each event
 * goes through the stream's role filter, and an incident, an assignment or
 * a step clock is shown only when the caller may read its events.
 */
#define G_LOG_DOMAIN "wg-engine-snapshot"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-engine-private.h"
#include "wg-event.h"
#include "wg-json.h"
#include "wg-problem.h"
#include "wg-store-snapshot.h"
#include "wg-track-store.h"

/* Incidents that ended within this span are in the snapshot too: the
 * board shows the day's closed cases. */
#define RECENTLY_ENDED_MS (24 * 3600 * 1000)

typedef struct {
  GHashTable *incidents;    /* visible incident ids */
  GHashTable *assignments;  /* visible assignment ids (their assignment.created is) */
  GHashTable *units;        /* units the caller may see */
} Visible;

static void
visible_clear (Visible *visible)
{
  g_clear_pointer (&visible->incidents, g_hash_table_unref);
  g_clear_pointer (&visible->assignments, g_hash_table_unref);
  g_clear_pointer (&visible->units, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Visible, visible_clear)

static void
add_step_clock (JsonBuilder       *builder,
                const WgStepClock *clock)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "step");
  json_builder_add_string_value (builder, clock->step);
  json_builder_set_member_name (builder, "started_at");
  json_builder_add_int_value (builder, clock->started_at);
  json_builder_set_member_name (builder, "due_at");
  if (clock->due_at > 0)
    json_builder_add_int_value (builder, clock->due_at);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "ended_at");
  if (clock->ended_at > 0)
    json_builder_add_int_value (builder, clock->ended_at);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "overdue");
  json_builder_add_boolean_value (builder, clock->overdue);
  json_builder_set_member_name (builder, "extensions");
  json_builder_add_int_value (builder, clock->extensions);
  json_builder_end_object (builder);
}

/* The incidents with their own events, as the caller may read them: the
 * same filter as the stream's, one call per event. */
static void
add_incidents (const SnapshotSource   *source,
               JsonBuilder            *builder,
               const WgStreamIdentity *who,
               WgStoreSnapshot        *snapshot,
               Visible                *visible)
{
  guint e = 0, a = 0, c = 0;

  json_builder_set_member_name (builder, "incidents");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->incidents->len; i++)
    {
      WgIncidentRecord *record = snapshot->incidents->pdata[i];
      g_autoptr(JsonArray) events = json_array_new ();
      g_autoptr(JsonNode) node = NULL;
      JsonObject *object;

      for (; e < snapshot->events->len; e++)
        {
          WgEvent *event = snapshot->events->pdata[e];
          g_autoptr(JsonNode) json = NULL;
          g_autoptr(JsonNode) shown = NULL;

          if (g_strcmp0 (event->incident, record->id) != 0)
            break;
          json = wg_event_to_json (event);
          shown = source->filter (who, json, source->filter_data);
          if (shown == NULL)
            continue;
          if (event->type == WG_EV_ASSIGNMENT_CREATED)
            g_hash_table_add (visible->assignments, g_strdup (event->subject));
          json_array_add_element (events, g_steal_pointer (&shown));
        }
      if (json_array_get_length (events) == 0)
        {
          for (; a < snapshot->assignments->len &&
                 g_strcmp0 (((WgAssignmentRecord *) snapshot->assignments->pdata[a])->incident, record->id) == 0; a++)
            ;
          for (; c < snapshot->step_clocks->len &&
                 g_strcmp0 (((WgStepClock *) snapshot->step_clocks->pdata[c])->incident, record->id) == 0; c++)
            ;
          continue;
        }
      g_hash_table_add (visible->incidents, g_strdup (record->id));

      node = wg_incident_record_to_json (record);
      object = json_node_get_object (node);
      json_object_set_array_member (object, "events", json_array_ref (events));

      {
        JsonArray *assignments = json_array_new ();

        for (; a < snapshot->assignments->len; a++)
          {
            WgAssignmentRecord *assignment = snapshot->assignments->pdata[a];

            if (g_strcmp0 (assignment->incident, record->id) != 0)
              break;
            if (!g_hash_table_contains (visible->assignments, assignment->id))
              continue;
            g_hash_table_add (visible->units, g_strdup (assignment->unit));
            json_array_add_element (assignments, wg_assignment_record_to_json (assignment));
          }
        json_object_set_array_member (object, "assignments", assignments);
      }

      {
        g_autoptr(JsonBuilder) clocks = json_builder_new ();

        json_builder_begin_array (clocks);
        for (; c < snapshot->step_clocks->len; c++)
          {
            WgStepClock *clock = snapshot->step_clocks->pdata[c];

            if (g_strcmp0 (clock->incident, record->id) != 0)
              break;
            add_step_clock (clocks, clock);
          }
        json_builder_end_array (clocks);
        json_object_set_member (object, "step_clocks", json_builder_get_root (clocks));
      }

      json_builder_add_value (builder, g_steal_pointer (&node));
    }
  json_builder_end_array (builder);
}

static void
add_alarms (JsonBuilder     *builder,
            WgStoreSnapshot *snapshot,
            Visible         *visible)
{
  json_builder_set_member_name (builder, "alarms");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->incidents->len; i++)
    {
      WgIncidentRecord *record = snapshot->incidents->pdata[i];

      if ((record->alarm != WG_ALARM_RAISED && record->alarm != WG_ALARM_ESCALATED) ||
          !g_hash_table_contains (visible->incidents, record->id))
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "incident");
      json_builder_add_string_value (builder, record->id);
      json_builder_set_member_name (builder, "state");
      json_builder_add_string_value (builder, wg_alarm_state_to_string (record->alarm));
      json_builder_set_member_name (builder, "changed_at");
      json_builder_add_int_value (builder, record->alarm_changed_at);
      json_builder_set_member_name (builder, "escalations");
      json_builder_add_int_value (builder, record->alarm_escalations);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* Every unit for the roles that read the whole journal, with its last
 * position; others see their own units and those assigned to what they
 * see, without positions (as on the stream). */
static void
add_units (const SnapshotSource   *source,
           JsonBuilder            *builder,
           const WgStreamIdentity *who,
           WgStoreSnapshot        *snapshot,
           Visible                *visible)
{
  WgTrackStore *tracks = source->tracks;
  WgRole role;
  gboolean sees_all = who->role != NULL && wg_role_from_string (who->role, &role) &&
                      (ROLE_BIT (role) & READ_ALL_ROLES) != 0;

  if (who->unit != NULL)
    g_hash_table_add (visible->units, g_strdup (who->unit));
  for (guint i = 0; who->units != NULL && who->units[i] != NULL; i++)
    g_hash_table_add (visible->units, g_strdup (who->units[i]));

  json_builder_set_member_name (builder, "units");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->units->len; i++)
    {
      WgUnitRecord *unit = snapshot->units->pdata[i];
      g_autoptr(JsonNode) node = NULL;
      const WgTrackPoint *point;

      if (!sees_all && !g_hash_table_contains (visible->units, unit->id))
        continue;
      node = wg_unit_record_to_json (unit);
      point = !who->no_positions && tracks != NULL ? wg_track_store_lookup_latest (tracks, unit->id) : NULL;
      if (point != NULL)
        json_object_set_member (json_node_get_object (node), "position", wg_track_point_to_json (point));
      json_builder_add_value (builder, g_steal_pointer (&node));
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "roster");
  if (sees_all)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "duty_leader");
      if (snapshot->duty_leader != NULL)
        json_builder_add_string_value (builder, snapshot->duty_leader);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "since");
      json_builder_add_int_value (builder, snapshot->duty_since);
      json_builder_end_object (builder);
    }
  else
    json_builder_add_null_value (builder);
}

void
_wg_engine_respond_snapshot (const SnapshotSource   *source,
                             SoupServerMessage      *msg,
                             const WgStreamIdentity *who)
{
  g_auto(Visible) visible = { 0 };
  g_autoptr(WgStoreSnapshot) snapshot = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / 1000;

  snapshot = wg_store_read_snapshot (source->store, now - RECENTLY_ENDED_MS, &error);
  if (snapshot == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }

  visible.incidents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  visible.assignments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  visible.units = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "journal_id");
  json_builder_add_string_value (builder, snapshot->journal_id);
  json_builder_set_member_name (builder, "head");
  json_builder_add_int_value (builder, snapshot->head);
  json_builder_set_member_name (builder, "server_time");
  json_builder_add_int_value (builder, now);
  json_builder_set_member_name (builder, "ended_since");
  json_builder_add_int_value (builder, now - RECENTLY_ENDED_MS);
  add_incidents (source, builder, who, snapshot, &visible);
  add_alarms (builder, snapshot, &visible);
  add_units (source, builder, who, snapshot, &visible);
  json_builder_end_object (builder);
  wg_json_respond_builder (msg, SOUP_STATUS_OK, builder);
}

static void
get_snapshot_cb (SoupServerMessage *msg,
                 GHashTable        *params,
                 GHashTable        *query,
                 gpointer           user_data)
{
  WgEngine *self = user_data;
  WgStreamIdentity who = { 0 };
  SnapshotSource live = { self->store, _wg_engine_filter_cb, self, wg_server_get_track_store (self->server) };

  if (!wg_server_identify (self->server, msg, &who))
    return;
  _wg_engine_respond_snapshot (&live, msg, &who);
  wg_stream_identity_clear (&who);
}

void
_wg_engine_snapshot_init (WgEngine *self,
                          WgRouter *router)
{
  wg_router_add (router, "GET", "/api/v1/snapshot", get_snapshot_cb, self);
}
