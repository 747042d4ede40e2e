/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-context"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-context.h"
#include "wg-error.h"
#include "wg-store-reference.h"

struct _WgContext
{
  GObject          parent_instance;

  WgReference     *reference;
  WgStore         *store;
  WgSyncClient    *sync;
  WgOutbox        *outbox;
  WgClock         *live_clock;
  WgClock         *clock;       /* the view clock */
  WgPositionStore *positions;
  WgActor         *actor;
  WgViewModel     *view_model;
  WgChangeSet     *changes;      /* the batch being announced, if its writer read it */
  WgAttachmentCache *attachments;
  gboolean         read_only;    /* a replay: no command leaves it */
  WgStore         *journal;      /* where incidents' events are read; NULL: store */
  WgContextReader  reader;       /* a replay's worker (wg-replay.c); NULL: none */
  gpointer         reader_data;
  char            *duty_leader;  /* the account on duty, as the cache has it */
};

G_DEFINE_FINAL_TYPE (WgContext, wg_context, G_TYPE_OBJECT)

enum {
  EVENTS_APPLIED,
  CACHE_RESET,
  COMMAND_SETTLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_DUTY_LEADER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_duty_leader (WgContext  *self,
                 const char *account)
{
  if (g_strcmp0 (self->duty_leader, account) == 0)
    return;
  g_free (self->duty_leader);
  self->duty_leader = g_strdup (account);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DUTY_LEADER]);
}

static WgUnitType
unit_type_for_force (WgForceType type)
{
  switch (type)
    {
    case WG_FORCE_GRID_WORKER:
      return WG_UNIT_TYPE_GRID_WORKER;
    case WG_FORCE_GRID_LEADER:
      return WG_UNIT_TYPE_GRID_LEADER;
    case WG_FORCE_COMMUNITY_POLICE:
    case WG_FORCE_AUXILIARY_POLICE:
      return WG_UNIT_TYPE_POLICE;
    case WG_FORCE_EMERGENCY_UNIT:
      return WG_UNIT_TYPE_EMERGENCY_UNIT;
    case WG_FORCE_DEPARTMENT_TEAM:
      return WG_UNIT_TYPE_DEPARTMENT;
    case WG_FORCE_FIVE_HEAD:
    case WG_FORCE_VOLUNTEER_TEAM:
    case WG_N_FORCE_TYPES:
    default:
      return WG_UNIT_TYPE_OTHER;
    }
}

/* What the map shows of each force follows its assignments. */
static void
update_unit_statuses (WgContext *self,
                      GPtrArray *events)
{
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      const char *unit = event->type == WG_EV_UNIT_STATUS_CHANGED
                         ? event->subject
                         : json_object_get_string_member_with_default (event->body, "unit", NULL);
      int index = unit != NULL ? wg_position_store_lookup (self->positions, unit) : -1;
      int status = -1;

      if (index < 0)
        continue;
      switch (event->type)
        {
        case WG_EV_ASSIGNMENT_CREATED:
        case WG_EV_ASSIGNMENT_ACKNOWLEDGED:
          status = WG_UNIT_STATUS_BUSY;
          break;
        case WG_EV_ASSIGNMENT_EN_ROUTE:
          status = WG_UNIT_STATUS_EN_ROUTE;
          break;
        case WG_EV_ASSIGNMENT_ON_SCENE:
          status = WG_UNIT_STATUS_ON_SCENE;
          break;
        case WG_EV_ASSIGNMENT_CLEARED:
        case WG_EV_ASSIGNMENT_CANCELLED:
          status = WG_UNIT_STATUS_AVAILABLE;
          break;
        case WG_EV_UNIT_STATUS_CHANGED:
          {
            const char *slug = json_object_get_string_member_with_default (event->body, "status", "");
            status = g_str_equal (slug, "off_duty") ? WG_UNIT_STATUS_OFF_DUTY
                     : g_str_equal (slug, "busy") ? WG_UNIT_STATUS_BUSY : WG_UNIT_STATUS_AVAILABLE;
          }
          break;
        default:
          break;
        }
      if (status >= 0)
        wg_position_store_set_status (self->positions, index, status);
    }
}

/* What the views need of the cache besides incidents, read when it is
 * opened or emptied (wg_context_read_cache: off the main loop with a
 * server): who is on duty, and which forces are out or off duty.  After
 * that the batches say (handovers, assignments, a snapshot's roster), so
 * that no view reads the store for it. */
typedef struct
{
  char      *duty_leader;
  GPtrArray *units;       /* WgUnitRecord*; NULL: not asked */
} OpenState;

static void
open_state_free (OpenState *state)
{
  g_free (state->duty_leader);
  g_clear_pointer (&state->units, g_ptr_array_unref);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpenState, open_state_free)

/* @with_units (a boolean): the forces too. */
static gpointer
read_open_state (WgStore  *store,
                 gpointer  with_units,
                 GError  **error)
{
  g_autoptr(OpenState) state = g_new0 (OpenState, 1);
  GError *local_error = NULL;

  state->duty_leader = wg_store_get_duty_leader (store, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (with_units != NULL && (state->units = wg_store_list_units (store, error)) == NULL)
    return NULL;
  return g_steal_pointer (&state);
}

static void
open_state_read (GObject      *owner,
                 gpointer      answer,
                 const GError *error)
{
  WgContext *self = WG_CONTEXT (owner);
  g_autoptr(OpenState) state = answer;

  if (state == NULL)
    {
      g_warning ("Could not read who is on duty and the forces' states: %s", error->message);
      return;
    }
  set_duty_leader (self, state->duty_leader);
  /* Forces already out on an assignment. */
  for (guint i = 0; state->units != NULL && i < state->units->len; i++)
    {
      WgUnitRecord *unit = state->units->pdata[i];
      int index = wg_position_store_lookup (self->positions, unit->id);

      if (index < 0)
        continue;
      if (unit->status == WG_UNIT_OFF_DUTY)
        wg_position_store_set_status (self->positions, index, WG_UNIT_STATUS_OFF_DUTY);
      else if (unit->open_assignments > 0 || unit->status == WG_UNIT_BUSY)
        wg_position_store_set_status (self->positions, index, WG_UNIT_STATUS_BUSY);
    }
}

static void
read_cache_state (WgContext *self,
                  gboolean   with_units)
{
  wg_context_read_cache (self, read_open_state, GINT_TO_POINTER (with_units), NULL,
                         (GDestroyNotify) open_state_free, NULL, open_state_read, G_OBJECT (self));
}

/* Emptied (another journal) or refilled (a replay gone back in time):
 * who is on duty then.  The forces' states follow the batches. */
static void
cache_reset_cb (WgContext *self)
{
  read_cache_state (self, FALSE);
}

static void
emit_events_applied (WgContext *self,
                     GPtrArray *events)
{
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->type == WG_EV_ROSTER_HANDED_OVER &&
          g_strcmp0 (event->exercise, wg_store_get_exercise (self->store)) == 0)
        set_duty_leader (self, event->subject);
    }
  update_unit_statuses (self, events);
  g_signal_emit (self, signals[EVENTS_APPLIED], 0, events);
}

/* A partial view (a department, a grid worker) meets an incident routed
 * to it at `incident.routed`: its `incident.reported` is below the cache's
 * head, so the batch found no record of it.  The sync client fetches its
 * events and its writer adopts them, so that it shows on the board with its
 * report; no store is read or written here. */
static void
adopt_unknown_incidents (WgContext   *self,
                         WgChangeSet *changes)
{
  GPtrArray *events = wg_change_set_get_events (changes);

  if (wg_store_get_exercise (self->store) != NULL)
    return;
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (event->type == WG_EV_INCIDENT_ROUTED && event->incident != NULL && event->exercise == NULL &&
          wg_change_set_lookup_incident (changes, event->incident, NULL) == NULL)
        wg_sync_client_adopt_incident (self->sync, event->incident);
    }
}

static void
sync_changes_applied_cb (WgContext   *self,
                         WgChangeSet *changes)
{
  GPtrArray *events = wg_change_set_get_events (changes);

  /* A snapshot: its roster says who is on duty, before any handover. */
  if (wg_change_set_get_duty_leader (changes) != NULL)
    set_duty_leader (self, wg_change_set_get_duty_leader (changes));
  self->changes = changes;
  emit_events_applied (self, events);
  self->changes = NULL;
  if (self->actor != NULL && self->actor->role == WG_ROLE_DEPARTMENT)
    adopt_unknown_incidents (self, changes);
}

/* The server's journal has another id: what the views show of the old one
 * is gone.  Forces are free until the new journal says otherwise. */
static void
sync_cache_reset_cb (WgContext *self)
{
  guint n_units = wg_position_store_get_n_units (self->positions);

  for (guint i = 0; i < n_units; i++)
    wg_position_store_set_status (self->positions, i, WG_UNIT_STATUS_AVAILABLE);
  wg_view_model_set_selected_incident (self->view_model, NULL);
  g_signal_emit (self, signals[CACHE_RESET], 0);
}

static void
sync_positions_received_cb (WgContext *self,
                            JsonArray *positions)
{
  guint n = json_array_get_length (positions);
  g_autofree WgPositionUpdate *updates = g_new0 (WgPositionUpdate, MAX (n, 1));
  guint n_updates = 0;

  for (guint i = 0; i < n; i++)
    {
      JsonObject *p = json_array_get_object_element (positions, i);

      if (p == NULL || !json_object_has_member (p, "unit"))
        continue;
      updates[n_updates].unit_id = json_object_get_string_member (p, "unit");
      updates[n_updates].lat = json_object_get_double_member_with_default (p, "lat", 0);
      updates[n_updates].lon = json_object_get_double_member_with_default (p, "lon", 0);
      updates[n_updates].time_ms = json_object_get_int_member_with_default (p, "ts", 0);
      updates[n_updates].status = -1;
      if (updates[n_updates].unit_id != NULL)
        n_updates++;
    }
  wg_position_store_apply (self->positions, updates, n_updates);
}

static void
sync_command_settled_cb (WgContext  *self,
                         const char *id,
                         gboolean    accepted,
                         JsonNode   *answer,
                         gpointer    problem_ptr)
{
  WgProblem *problem = problem_ptr;

  g_signal_emit (self, signals[COMMAND_SETTLED], 0, id, accepted,
                 problem != NULL ? problem->code : NULL,
                 problem != NULL ? (problem->detail ?: problem->title) : NULL);
}

static void
wg_context_dispose (GObject *object)
{
  WgContext *self = WG_CONTEXT (object);

  if (self->sync != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->sync, self);
      /* Requests in flight keep the client alive: stop it before its
       * outbox goes. */
      wg_sync_client_stop (self->sync);
    }
  g_clear_object (&self->sync);
  g_clear_pointer (&self->outbox, wg_outbox_close);

  G_OBJECT_CLASS (wg_context_parent_class)->dispose (object);
}

static void
wg_context_finalize (GObject *object)
{
  WgContext *self = WG_CONTEXT (object);

  g_clear_object (&self->reference);
  g_clear_pointer (&self->store, wg_store_unref);
  g_clear_pointer (&self->journal, wg_store_unref);
  g_clear_object (&self->clock);
  g_clear_object (&self->live_clock);
  g_clear_pointer (&self->positions, wg_position_store_unref);
  g_clear_pointer (&self->actor, wg_actor_free);
  g_clear_pointer (&self->duty_leader, g_free);
  g_clear_object (&self->view_model);
  g_clear_object (&self->attachments);

  G_OBJECT_CLASS (wg_context_parent_class)->finalize (object);
}

static void
wg_context_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  WgContext *self = WG_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_DUTY_LEADER:
      g_value_set_string (value, self->duty_leader);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_context_class_init (WgContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_context_dispose;
  object_class->finalize = wg_context_finalize;
  object_class->get_property = wg_context_get_property;

  /**
   * WgContext:duty-leader:
   *
   * The account on duty, as the cache has it (wg_context_get_duty_leader()).
   */
  properties[PROP_DUTY_LEADER] =
    g_param_spec_string ("duty-leader", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WgContext::events-applied:
   * @events: (element-type WgEvent): the events now in the store, in order
   */
  signals[EVENTS_APPLIED] =
    g_signal_new ("events-applied", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  /**
   * WgContext::cache-reset:
   *
   * The cache was emptied (the server's journal has another id): views
   * drop what they read from it and fill again from the store.
   */
  signals[CACHE_RESET] =
    g_signal_new ("cache-reset", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);
  /**
   * WgContext::command-settled:
   * @id: the command's id
   * @accepted: whether it was applied
   * @code: (nullable): the refusal's slug ("unit-unavailable", ...)
   * @detail: (nullable): the refusal, for people
   */
  signals[COMMAND_SETTLED] =
    g_signal_new ("command-settled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_BOOLEAN, G_TYPE_STRING,
                  G_TYPE_STRING);
}

static void
wg_context_init (WgContext *self)
{
  self->positions = wg_position_store_new ();
  self->view_model = wg_view_model_new ();
}

static WgContext *
context_new (WgReference     *reference,
             WgStore         *store,
             WgSyncClient    *sync,
             WgOutbox        *outbox,
             WgClock         *clock,
             const WgActor   *actor,
             WgContextReader  reader,
             gpointer         reader_data)
{
  WgContext *self;
  GPtrArray *forces;

  g_return_val_if_fail (WG_IS_REFERENCE (reference), NULL);
  g_return_val_if_fail (store != NULL, NULL);
  g_return_val_if_fail (sync == NULL || WG_IS_SYNC_CLIENT (sync), NULL);
  g_return_val_if_fail (WG_IS_CLOCK (clock), NULL);

  self = g_object_new (WG_TYPE_CONTEXT, NULL);
  self->reference = g_object_ref (reference);
  self->store = wg_store_ref (store);
  self->sync = sync != NULL ? g_object_ref (sync) : NULL;
  self->outbox = outbox;
  self->live_clock = g_object_ref (wg_clock_get_live (clock));
  self->clock = wg_clock_new_view (self->live_clock);
  self->actor = actor != NULL ? wg_actor_copy (actor) : NULL;
  self->reader = reader;
  self->reader_data = reader_data;

  /* The map shows the forces that move and can be dispatched one by one;
   * the five heads and volunteer teams are counted per grid instead. */
  forces = wg_reference_get_forces (reference);
  for (guint i = 0; i < forces->len; i++)
    {
      WgForce *force = forces->pdata[i];

      if (force->type == WG_FORCE_FIVE_HEAD || force->type == WG_FORCE_VOLUNTEER_TEAM)
        continue;
      wg_position_store_add_unit (self->positions, force->id, unit_type_for_force (force->type),
                                  WG_UNIT_STATUS_AVAILABLE);
    }

  /* An empty cache's forces are as registered (available, on nothing): a
   * cold start's writer is spared reading them all (25,000 in a city)
   * before it stores the snapshot. */
  read_cache_state (self, wg_store_head (store) > 0);
  /* First among the handlers: the views that hear of a reset hear of the
   * new roster (at once without a server, else when the writer answers). */
  g_signal_connect (self, "cache-reset", G_CALLBACK (cache_reset_cb), NULL);

  if (self->sync != NULL)
    {
      g_signal_connect_object (self->sync, "changes-applied",
                               G_CALLBACK (sync_changes_applied_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync, "cache-reset",
                               G_CALLBACK (sync_cache_reset_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync, "positions-received",
                               G_CALLBACK (sync_positions_received_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->sync, "command-settled",
                               G_CALLBACK (sync_command_settled_cb), self, G_CONNECT_SWAPPED);
    }

  return self;
}

WgContext *
wg_context_new (WgReference   *reference,
                WgStore       *store,
                WgSyncClient  *sync,
                WgOutbox      *outbox,
                WgClock       *clock,
                const WgActor *actor)
{
  return context_new (reference, store, sync, outbox, clock, actor, NULL, NULL);
}

/* Its first read (the open state) already goes through @reader: a
 * replay's context reads nothing on the main loop, from the start. */
WgContext *
wg_context_new_with_reader (WgReference     *reference,
                            WgStore         *store,
                            WgClock         *clock,
                            const WgActor   *actor,
                            WgContextReader  reader,
                            gpointer         reader_data)
{
  g_return_val_if_fail (reader != NULL, NULL);
  return context_new (reference, store, NULL, NULL, clock, actor, reader, reader_data);
}

WgAttachmentCache *
wg_context_get_attachment_cache (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->attachments;
}

void
wg_context_set_attachment_cache (WgContext         *self,
                                 WgAttachmentCache *cache)
{
  g_return_if_fail (WG_IS_CONTEXT (self));
  g_set_object (&self->attachments, cache);
}

WgReference *
wg_context_get_reference (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->reference;
}

WgStore *
wg_context_get_store (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->store;
}

WgSyncClient *
wg_context_get_sync_client (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->sync;
}

WgOutbox *
wg_context_get_outbox (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->outbox;
}

WgClock *
wg_context_get_clock (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->clock;
}

WgClock *
wg_context_get_live_clock (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->live_clock;
}

WgPositionStore *
wg_context_get_position_store (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->positions;
}

const WgActor *
wg_context_get_actor (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->actor;
}

const char *
wg_context_get_duty_leader (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->duty_leader;
}

WgViewModel *
wg_context_get_view_model (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->view_model;
}

WgChangeSet *
wg_context_get_changes (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->changes;
}

gint64
wg_context_now_ms (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), 0);
  return wg_clock_get_now_ms (self->clock);
}

char *
wg_context_send (WgContext      *self,
                 WgCommandType   type,
                 JsonObject     *body,
                 GError        **error)
{
  g_autofree char *id = NULL;
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GPtrArray) events = NULL;

  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (body != NULL, NULL);

  if (self->read_only)
    {
      g_set_error_literal (error, WG_ERROR, WG_ERROR_FORBIDDEN,
                           _("Replay shows the past: no command can be sent from it"));
      return NULL;
    }
  if (self->sync != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), body);

      return wg_sync_client_send (self->sync, wg_command_type_to_string (type), node, error);
    }

  if (self->actor == NULL)
    {
      g_set_error_literal (error, WG_ERROR, WG_ERROR_FORBIDDEN, _("Nobody is logged in"));
      return NULL;
    }

  /* Without a server the console is its own engine (demo and training):
   * the same rules, on the local store. */
  id = wg_uuid_new ();
  command = wg_command_new (id, type, body);
  if (!wg_store_execute_command (self->store, command, self->actor, wg_context_now_ms (self),
                                 &events, NULL, error))
    return NULL;

  emit_events_applied (self, events);
  g_signal_emit (self, signals[COMMAND_SETTLED], 0, id, TRUE, NULL, NULL);
  return g_steal_pointer (&id);
}

void
wg_context_set_read_only (WgContext *self,
                          gboolean   read_only)
{
  g_return_if_fail (WG_IS_CONTEXT (self));
  self->read_only = read_only;
}

gboolean
wg_context_get_read_only (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), FALSE);
  return self->read_only;
}

void
wg_context_set_journal_store (WgContext *self,
                              WgStore   *journal)
{
  g_return_if_fail (WG_IS_CONTEXT (self));

  if (journal != NULL)
    wg_store_ref (journal);
  g_clear_pointer (&self->journal, wg_store_unref);
  self->journal = journal;
}

WgStore *
wg_context_get_journal_store (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->journal != NULL ? self->journal : self->store;
}

typedef struct
{
  GObject         *owner;
  WgContextAnswer  done;
  GCancellable   **slot;   /* in owner; NULL: none */
} Reading;

static void
cache_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Reading *reading = user_data;
  g_autoptr(GError) error = NULL;
  /* The sync client's and a reader's answers are both GTasks. */
  gpointer answer = g_task_propagate_pointer (G_TASK (result), &error);

  /* Not cancelled: the slot still holds this read's cancellable. */
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      if (reading->slot != NULL)
        g_clear_object (reading->slot);
      reading->done (reading->owner, answer, error);
    }
  g_object_unref (reading->owner);
  g_free (reading);
}

/* @journal: the read is of the journal store. */
static void
read_store (WgContext       *self,
            gboolean         journal,
            WgCacheRead      read,
            gpointer         data,
            GDestroyNotify   data_free,
            GDestroyNotify   answer_free,
            GCancellable   **slot,
            WgContextAnswer  done,
            GObject         *owner)
{
  Reading *reading;

  if (slot != NULL)
    wg_context_cancel_read (slot);

  if (self->reader == NULL && (self->sync == NULL || (journal && self->journal != NULL)))
    {
      g_autoptr(GError) error = NULL;
      gpointer answer = read (journal ? wg_context_get_journal_store (self) : self->store, data, &error);

      if (data_free != NULL)
        data_free (data);
      done (owner, answer, error);
      return;
    }
  reading = g_new0 (Reading, 1);
  reading->owner = g_object_ref (owner);
  reading->done = done;
  reading->slot = slot;
  if (slot != NULL)
    *slot = g_cancellable_new ();
  if (self->reader != NULL)
    self->reader (self->reader_data, journal, read, data, data_free, answer_free,
                  slot != NULL ? *slot : NULL, cache_read_cb, reading);
  else
    wg_sync_client_read_cache_async (self->sync, read, data, data_free, answer_free,
                                     slot != NULL ? *slot : NULL, cache_read_cb, reading);
}

void
wg_context_read_cache (WgContext       *self,
                       WgCacheRead      read,
                       gpointer         data,
                       GDestroyNotify   data_free,
                       GDestroyNotify   answer_free,
                       GCancellable   **slot,
                       WgContextAnswer  done,
                       GObject         *owner)
{
  g_return_if_fail (WG_IS_CONTEXT (self));
  g_return_if_fail (read != NULL && done != NULL);
  g_return_if_fail (G_IS_OBJECT (owner));

  read_store (self, FALSE, read, data, data_free, answer_free, slot, done, owner);
}

void
wg_context_read_journal (WgContext       *self,
                         WgCacheRead      read,
                         gpointer         data,
                         GDestroyNotify   data_free,
                         GDestroyNotify   answer_free,
                         GCancellable   **slot,
                         WgContextAnswer  done,
                         GObject         *owner)
{
  g_return_if_fail (WG_IS_CONTEXT (self));
  g_return_if_fail (read != NULL && done != NULL);
  g_return_if_fail (G_IS_OBJECT (owner));

  read_store (self, TRUE, read, data, data_free, answer_free, slot, done, owner);
}

void
wg_context_set_reader (WgContext       *self,
                       WgContextReader  reader,
                       gpointer         reader_data)
{
  g_return_if_fail (WG_IS_CONTEXT (self));

  self->reader = reader;
  self->reader_data = reader_data;
}

gboolean
wg_context_reads_at_once (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), TRUE);
  return self->sync == NULL && self->reader == NULL;
}

void
wg_context_changes_applied (WgContext   *self,
                            WgChangeSet *changes)
{
  g_return_if_fail (WG_IS_CONTEXT (self));
  g_return_if_fail (changes != NULL);

  self->changes = changes;
  emit_events_applied (self, wg_change_set_get_events (changes));
  self->changes = NULL;
}

void
wg_context_cancel_read (GCancellable **reading)
{
  g_return_if_fail (reading != NULL);

  if (*reading != NULL)
    g_cancellable_cancel (*reading);
  g_clear_object (reading);
}

WgClock *
wg_context_get_alarm_clock (WgContext *self)
{
  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);
  return self->read_only ? self->clock : self->live_clock;
}

void
wg_context_events_applied (WgContext *self,
                           GPtrArray *events)
{
  g_return_if_fail (WG_IS_CONTEXT (self));
  g_return_if_fail (events != NULL);

  emit_events_applied (self, events);
}

gboolean
wg_context_prefers_chinese (void)
{
  /* The translation in use decides: names follow the interface. */
  const char *probe = _("Incidents");

  return g_str_equal (probe, "事件") || g_str_has_prefix (g_getenv ("LANGUAGE") ?: "", "zh");
}

const char *
wg_context_category_label (WgContext  *self,
                           const char *code)
{
  WgCategory *category;

  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);

  if (code == NULL)
    return "";
  category = wg_reference_lookup_category (self->reference, code);
  if (category == NULL)
    return code;
  return wg_context_prefers_chinese () ? category->name_zh : category->name_en;
}

const char *
wg_context_grid_label (WgContext  *self,
                       const char *code)
{
  WgGrid *grid;

  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);

  if (code == NULL)
    return "";
  grid = wg_reference_lookup_grid (self->reference, code);
  return grid != NULL ? grid->name_zh : code;
}

const char *
wg_context_department_label (WgContext  *self,
                             const char *code)
{
  WgDepartment *department;

  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);

  if (code == NULL)
    return "";
  department = wg_reference_lookup_department (self->reference, code);
  if (department == NULL)
    return code;
  return wg_context_prefers_chinese () ? department->name_zh : department->name_en;
}

const char *
wg_context_force_label (WgContext  *self,
                        const char *force_id)
{
  WgForce *force;

  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);

  if (force_id == NULL)
    return "";
  force = wg_reference_lookup_force (self->reference, force_id);
  return force != NULL ? force->name_zh : force_id;
}

const char *
wg_context_person_name (WgContext  *self,
                        const char *account)
{
  GPtrArray *leaders;

  g_return_val_if_fail (WG_IS_CONTEXT (self), NULL);

  leaders = wg_reference_get_duty_leaders (self->reference);
  for (guint i = 0; i < leaders->len; i++)
    {
      const WgPerson *p = leaders->pdata[i];

      if (g_strcmp0 (p->account, account) == 0)
        return p->name_zh;
    }
  return account;
}

gint64
wg_context_force_position (WgContext *self,
                           WgForce   *force,
                           double    *lat,
                           double    *lon)
{
  int index;

  g_return_val_if_fail (WG_IS_CONTEXT (self), -1);
  g_return_val_if_fail (force != NULL, -1);

  index = wg_position_store_lookup (self->positions, force->id);
  if (index >= 0)
    {
      gint64 t = wg_position_store_get_times (self->positions)[index];

      if (t > 0)
        {
          *lat = wg_position_store_get_lats (self->positions)[index];
          *lon = wg_position_store_get_lons (self->positions)[index];
          return MAX (0, wg_context_now_ms (self) - t);
        }
    }
  *lat = force->lat;
  *lon = force->lon;
  return -1;
}

WgReference *
wg_context_load_demo_reference (GError **error)
{
  g_autofree char *source = g_build_filename (SOURCE_DATADIR, "demo", NULL);
  g_autofree char *installed = g_build_filename (PKGDATADIR, "demo", NULL);

  if (g_file_test (source, G_FILE_TEST_IS_DIR))
    return wg_reference_load_dir (source, error);
  return wg_reference_load_dir (installed, error);
}

WgContext *
wg_context_new_local (WgReference    *reference,
                      const char     *store_path,
                      const WgActor  *actor,
                      GError        **error)
{
  g_autoptr(WgStore) store = NULL;
  g_autoptr(WgClock) clock = NULL;

  g_return_val_if_fail (WG_IS_REFERENCE (reference), NULL);
  g_return_val_if_fail (store_path != NULL, NULL);

  store = wg_store_open (store_path, error);
  if (store == NULL)
    return NULL;
  if (!wg_store_adopt_reference (store, reference, error))
    return NULL;
  clock = wg_clock_new ();
  return wg_context_new (reference, store, NULL, NULL, clock, actor);
}

void
wg_context_place_forces_at_home (WgContext *self)
{
  GPtrArray *forces;
  gint64 now;

  g_return_if_fail (WG_IS_CONTEXT (self));

  forces = wg_reference_get_forces (self->reference);
  now = wg_context_now_ms (self);
  for (guint i = 0; i < forces->len; i++)
    {
      WgForce *force = forces->pdata[i];
      int index = wg_position_store_lookup (self->positions, force->id);

      if (index >= 0 && wg_position_store_get_times (self->positions)[index] == 0)
        wg_position_store_set_position (self->positions, index, force->lat, force->lon, now);
    }
}
