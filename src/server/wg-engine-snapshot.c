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

#include <string.h>

#include <glib/gi18n.h>

#include "wg-engine-private.h"
#include "wg-event.h"
#include "wg-json.h"
#include "wg-json-write.h"
#include "wg-problem.h"
#include "wg-public-display.h"
#include "wg-store-snapshot.h"
#include "wg-track-store.h"

/* Incidents that ended within this span are in the snapshot too: the
 * board shows the day's closed cases. */
#define RECENTLY_ENDED_MS (24 * 3600 * 1000)

/* What the caller asked for beside the documented snapshot. */
typedef enum
{
  FORM_ENDED_APART = 1 << 0, /* ?ended=false: the open incidents alone */
  FORM_UNIT_TABLE  = 1 << 1, /* ?units=table: "unit_table" instead of "units" */
} SnapshotForm;

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
  WgJournalViewer viewer;
  gboolean public = _wg_engine_viewer_from_identity (who, &viewer) &&
                    wg_journal_viewer_get_text (&viewer) == WG_EVENT_TEXT_PUBLIC;

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
      if (public)
        {
          WgPublicCase pcase;

          wg_public_case_init (&pcase, wg_store_get_rules (source->store), record->category, record->grid);
          wg_public_display_reduce_incident (object, &pcase);
        }
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
 * see, without positions (as on the stream).  Written straight to @out:
 * as JSON nodes, a city's 25,000 units were a fifth of the snapshot's
 * time and their freeing most of another fifth. */
/* A unit's line of "unit_table": id, status, open assignments, updated_at
 * and, with a position, its ts, lat, lon and status, tab-separated. */
static void
append_unit_line (GString            *table,
                  const WgUnitRecord *unit,
                  const WgTrackPoint *point)
{
  g_string_append (table, unit->id);
  g_string_append_c (table, '\t');
  g_string_append (table, wg_unit_status_to_string (unit->status));
  g_string_append_printf (table, "\t%u\t%" G_GINT64_FORMAT, unit->open_assignments, unit->updated_at);
  if (point != NULL)
    {
      g_string_append_printf (table, "\t%" G_GINT64_FORMAT "\t", point->ts);
      wg_json_write_double (table, point->lat);
      g_string_append_c (table, '\t');
      wg_json_write_double (table, point->lon);
      g_string_append_c (table, '\t');
      g_string_append (table, point->status != NULL ? point->status : "");
    }
  g_string_append_c (table, '\n');
}

/* The reference data do not forbid a tab or a line break in a unit's id:
 * such a city gets the units as objects (the client reads either). */
static gboolean
unit_ids_fit_table (GPtrArray *units)
{
  for (guint i = 0; i < units->len; i++)
    if (strpbrk (((WgUnitRecord *) units->pdata[i])->id, "\t\n") != NULL)
      return FALSE;
  return TRUE;
}

static void
write_units (const SnapshotSource   *source,
             GString                *out,
             const WgStreamIdentity *who,
             WgStoreSnapshot        *snapshot,
             Visible                *visible,
             guint                   form)
{
  g_autoptr(GString) table = NULL;
  WgTrackStore *tracks = source->tracks;
  WgRole role;
  gboolean sees_all = who->role != NULL && wg_role_from_string (who->role, &role) &&
                      (ROLE_BIT (role) & READ_ALL_ROLES) != 0;
  gboolean first = TRUE;

  if ((form & FORM_UNIT_TABLE) != 0 && unit_ids_fit_table (snapshot->units))
    table = g_string_sized_new (64 * snapshot->units->len);
  if (who->unit != NULL)
    g_hash_table_add (visible->units, g_strdup (who->unit));
  for (guint i = 0; who->units != NULL && who->units[i] != NULL; i++)
    g_hash_table_add (visible->units, g_strdup (who->units[i]));

  wg_json_write_member_name (out, table != NULL ? "unit_table" : "units", FALSE);
  if (table == NULL)
    g_string_append_c (out, '[');
  for (guint i = 0; i < snapshot->units->len; i++)
    {
      WgUnitRecord *unit = snapshot->units->pdata[i];
      const WgTrackPoint *point;

      if (!sees_all && !g_hash_table_contains (visible->units, unit->id))
        continue;
      if (table != NULL)
        {
          point = !who->no_positions && tracks != NULL ? wg_track_store_lookup_latest (tracks, unit->id) : NULL;
          append_unit_line (table, unit, point);
          continue;
        }
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      g_string_append_c (out, '{');
      wg_unit_record_write_members (out, unit);
      point = !who->no_positions && tracks != NULL ? wg_track_store_lookup_latest (tracks, unit->id) : NULL;
      if (point != NULL)
        {
          /* As wg_track_point_to_json() has it. */
          wg_json_write_member_name (out, "position", FALSE);
          g_string_append_c (out, '{');
          wg_json_write_member_name (out, "unit", TRUE);
          wg_json_write_string (out, point->unit);
          wg_json_write_member_name (out, "ts", FALSE);
          wg_json_write_int (out, point->ts);
          wg_json_write_member_name (out, "lat", FALSE);
          wg_json_write_double (out, point->lat);
          wg_json_write_member_name (out, "lon", FALSE);
          wg_json_write_double (out, point->lon);
          wg_json_write_member_name (out, "status", FALSE);
          wg_json_write_string (out, point->status);
          g_string_append_c (out, '}');
        }
      g_string_append_c (out, '}');
    }
  if (table != NULL)
    wg_json_write_string (out, table->str);
  else
    g_string_append_c (out, ']');

  wg_json_write_member_name (out, "roster", FALSE);
  if (sees_all)
    {
      g_string_append_c (out, '{');
      wg_json_write_member_name (out, "duty_leader", TRUE);
      wg_json_write_string (out, snapshot->duty_leader);
      wg_json_write_member_name (out, "since", FALSE);
      wg_json_write_int (out, snapshot->duty_since);
      g_string_append_c (out, '}');
    }
  else
    g_string_append (out, "null");
}

/* Incidents, alarms, units and roster as @who sees them: compact JSON
 * text of one object, "{...}"; fills @journal_id and @head. */
static GBytes *
build_members (const SnapshotSource    *source,
               const WgStreamIdentity  *who,
               gint64                   ended_since,
               guint                    form,
               char                   **journal_id,
               gint64                  *head,
               GError                 **error)
{
  g_auto(Visible) visible = { 0 };
  g_autoptr(WgStoreSnapshot) snapshot = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  GString *text;

  snapshot = wg_store_read_snapshot (source->store,
                                     (form & FORM_ENDED_APART) != 0 ? WG_STORE_SNAPSHOT_OPEN_ONLY : ended_since, error);
  if (snapshot == NULL)
    return NULL;

  visible.incidents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  visible.assignments = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  visible.units = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  add_incidents (source, builder, who, snapshot, &visible);
  add_alarms (builder, snapshot, &visible);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = g_string_new (NULL);
  wg_json_write_node (text, root);
  /* The units and the roster after the alarms, inside the same object. */
  g_string_truncate (text, text->len - 1);
  write_units (source, text, who, snapshot, &visible, form);
  g_string_append_c (text, '}');
  *journal_id = g_strdup (snapshot->journal_id);
  *head = snapshot->head;
  return g_string_free_to_bytes (text);
}

/* The response: the journal, its head and the moment, then @members. */
static void
respond (SoupServerMessage *msg,
         const char        *journal_id,
         gint64             head,
         gint64             now,
         gint64             ended_since,
         gboolean           ended_apart,
         GBytes            *members)
{
  gsize length;
  const char *text = g_bytes_get_data (members, &length);
  GString *body = g_string_sized_new (length + 160);

  g_string_append_c (body, '{');
  wg_json_write_member_name (body, "journal_id", TRUE);
  wg_json_write_string (body, journal_id);
  wg_json_write_member_name (body, "head", FALSE);
  wg_json_write_int (body, head);
  wg_json_write_member_name (body, "server_time", FALSE);
  wg_json_write_int (body, now);
  wg_json_write_member_name (body, "ended_since", FALSE);
  wg_json_write_int (body, ended_since);
  if (ended_apart)
    {
      wg_json_write_member_name (body, "ended_apart", FALSE);
      g_string_append (body, "true");
    }
  /* @members is "{...}" and never empty: its '{' becomes the separator. */
  g_string_append_c (body, ',');
  g_string_append_len (body, text + 1, length - 1);
  length = body->len;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_string_free (body, FALSE), length);
}

void
_wg_engine_respond_snapshot (const SnapshotSource   *source,
                             SoupServerMessage      *msg,
                             const WgStreamIdentity *who)
{
  g_autoptr(GBytes) members = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *journal_id = NULL;
  gint64 now = g_get_real_time () / 1000;
  gint64 head;

  members = build_members (source, who, now - RECENTLY_ENDED_MS, 0, &journal_id, &head, &error);
  if (members == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  respond (msg, journal_id, head, now, now - RECENTLY_ENDED_MS, FALSE, members);
}

/* ---- the live journal's snapshots, kept while they are current ---------- */

/* A console's cold start asks for the snapshot (some 1 s of the server's
 * main loop for the generated city); the same caller asking again at the
 * same head, with no unit moved since, gets the same text: a console
 * started again, a wall restarted, a shift's consoles under one account.
 * Only the moment is new; "ended_since" stays the one it was built with:
 * an incident closed up to ten minutes more than 24 h ago may still be
 * listed (a console's cold start, its back-fill and a warm start take
 * about a minute on the city). */
#define SNAPSHOT_CACHE_ENTRIES 4
#define SNAPSHOT_CACHE_MAX_AGE_US (10 * 60 * G_USEC_PER_SEC)

struct _WgSnapshotCache
{
  char    *caller;      /* the identity the text was built for */
  char    *journal_id;
  gint64   head;
  guint64  positions;   /* wg_track_store_get_latest_changes() then */
  gint64   ended_since;
  guint    form;        /* SnapshotForm */
  gint64   built_us;    /* monotonic */
  GBytes  *members;
};

static void
snapshot_cache_free (WgSnapshotCache *entry)
{
  g_free (entry->caller);
  g_free (entry->journal_id);
  g_bytes_unref (entry->members);
  g_free (entry);
}

/* Everything of @who the filter may look at. */
static char *
caller_key (const WgStreamIdentity *who,
            guint                   form)
{
  g_autofree char *units = who->units != NULL ? g_strjoinv ("\x1f", who->units) : NULL;

  return g_strdup_printf ("%s\x1e%s\x1e%s\x1e%s\x1e%s\x1e%s\x1e%d\x1e%u",
                          who->user != NULL ? who->user : "", who->role != NULL ? who->role : "",
                          who->grid != NULL ? who->grid : "", who->department != NULL ? who->department : "",
                          who->unit != NULL ? who->unit : "", units != NULL ? units : "", who->no_positions,
                          form);
}

static void
respond_live_snapshot (WgEngine               *self,
                       const SnapshotSource   *source,
                       SoupServerMessage      *msg,
                       const WgStreamIdentity *who,
                       guint                   form)
{
  g_autofree char *caller = caller_key (who, form);
  guint64 positions = source->tracks != NULL ? wg_track_store_get_latest_changes (source->tracks) : 0;
  const char *journal_id = wg_store_get_journal_id (source->store);
  gint64 head = wg_store_head (source->store);
  gint64 now = g_get_real_time () / 1000;
  gint64 now_us = g_get_monotonic_time ();
  g_autoptr(GError) error = NULL;
  WgSnapshotCache *entry = NULL;
  guint oldest = 0;

  if (self->snapshot_cache == NULL)
    self->snapshot_cache = g_ptr_array_new_with_free_func ((GDestroyNotify) snapshot_cache_free);
  for (guint i = 0; i < self->snapshot_cache->len; i++)
    {
      WgSnapshotCache *candidate = self->snapshot_cache->pdata[i];

      if (candidate->built_us < ((WgSnapshotCache *) self->snapshot_cache->pdata[oldest])->built_us)
        oldest = i;
      if (g_str_equal (candidate->caller, caller))
        entry = candidate;
    }
  if (entry != NULL && entry->head == head && entry->positions == positions &&
      g_strcmp0 (entry->journal_id, journal_id) == 0 && now_us - entry->built_us < SNAPSHOT_CACHE_MAX_AGE_US)
    {
      respond (msg, entry->journal_id, entry->head, now, entry->ended_since, (entry->form & FORM_ENDED_APART) != 0,
               entry->members);
      return;
    }

  if (entry == NULL)
    {
      if (self->snapshot_cache->len >= SNAPSHOT_CACHE_ENTRIES)
        g_ptr_array_remove_index_fast (self->snapshot_cache, oldest);
      entry = g_new0 (WgSnapshotCache, 1);
      entry->caller = g_steal_pointer (&caller);
      g_ptr_array_add (self->snapshot_cache, entry);
    }
  g_clear_pointer (&entry->journal_id, g_free);
  g_clear_pointer (&entry->members, g_bytes_unref);
  entry->ended_since = now - RECENTLY_ENDED_MS;
  entry->form = form;
  entry->positions = positions;
  entry->built_us = now_us;
  entry->members = build_members (source, who, entry->ended_since, form, &entry->journal_id, &entry->head,
                                  &error);
  if (entry->members == NULL)
    {
      g_ptr_array_remove_fast (self->snapshot_cache, entry);
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  respond (msg, entry->journal_id, entry->head, now, entry->ended_since, (entry->form & FORM_ENDED_APART) != 0,
           entry->members);
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
  const char *ended = query != NULL ? g_hash_table_lookup (query, "ended") : NULL;
  const char *units = query != NULL ? g_hash_table_lookup (query, "units") : NULL;
  guint form = 0;

  if (ended != NULL && !g_str_equal (ended, "false") && !g_str_equal (ended, "true"))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", _("“ended” must be true or false"));
      return;
    }
  if (units != NULL && !g_str_equal (units, "table") && !g_str_equal (units, "objects"))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", _("“units” must be table or objects"));
      return;
    }
  if (g_strcmp0 (ended, "false") == 0)
    form |= FORM_ENDED_APART;
  if (g_strcmp0 (units, "table") == 0)
    form |= FORM_UNIT_TABLE;
  if (!wg_server_identify (self->server, msg, &who))
    return;
  respond_live_snapshot (self, &live, msg, &who, form);
  wg_stream_identity_clear (&who);
}

/* GET /api/v1/snapshot/ended?head=H: the other part of a snapshot asked
 * with ?ended=false at H, the incidents ended in the day before as of H
 * with their events up to H, from the journal's stored texts. */
static void
get_ended_cb (SoupServerMessage *msg,
              GHashTable        *params,
              GHashTable        *query,
              gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(GError) error = NULL;
  gint64 now = g_get_real_time () / 1000;
  gint64 head = 0;
  WgJournalViewer viewer;
  guint n = 0;
  GString *out;
  gsize length;

  actor = _wg_engine_require_actor (self, msg, 0);
  if (actor == NULL)
    return;
  if (query == NULL || !g_hash_table_contains (query, "head") ||
      !_wg_engine_parse_count (query, "head", 0, G_MAXINT64, &head))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("“head” must be the sequence number of a snapshot"));
      return;
    }
  if (head > wg_store_head (self->store))
    {
      g_autofree char *detail = g_strdup_printf ("head=%" G_GINT64_FORMAT " is beyond the journal head %" G_GINT64_FORMAT,
                                                 head, wg_store_head (self->store));

      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request", detail);
      return;
    }

  wg_journal_viewer_init_from_actor (&viewer, actor);
  out = g_string_sized_new (1 << 16);
  g_string_append_c (out, '{');
  wg_json_write_member_name (out, "journal_id", TRUE);
  wg_json_write_string (out, wg_store_get_journal_id (self->store));
  wg_json_write_member_name (out, "head", FALSE);
  wg_json_write_int (out, head);
  wg_json_write_member_name (out, "server_time", FALSE);
  wg_json_write_int (out, now);
  wg_json_write_member_name (out, "ended_since", FALSE);
  wg_json_write_int (out, now - RECENTLY_ENDED_MS);
  wg_json_write_member_name (out, "incidents", FALSE);
  g_string_append_c (out, '[');
  if (!wg_store_append_ended_snapshot (self->store, &viewer, now - RECENTLY_ENDED_MS, head, out, &n, &error))
    {
      g_string_free (out, TRUE);
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  g_string_append (out, "]}");
  length = out->len;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, g_string_free (out, FALSE), length);
}

void
_wg_engine_snapshot_init (WgEngine *self,
                          WgRouter *router)
{
  wg_router_add (router, "GET", "/api/v1/snapshot", get_snapshot_cb, self);
  wg_router_add (router, "GET", "/api/v1/snapshot/ended", get_ended_cb, self);
}
