/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-unit-state"

#include "config.h"

#include "wg-unit-state.h"

struct _WgUnitState
{
  GObject       parent_instance;

  WgContext    *context;
  char         *unit;
  WgUnitRecord  record;
  gboolean      known;
  GCancellable *reading;
};

G_DEFINE_FINAL_TYPE (WgUnitState, wg_unit_state, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The answer: the record, with `id` NULL when the cache does not know
 * the unit. */
static gpointer
read_unit (WgStore  *store,
           gpointer  unit,
           GError  **error)
{
  g_autofree WgUnitRecord *record = g_new0 (WgUnitRecord, 1);
  GError *local_error = NULL;

  if (!wg_store_get_unit (store, unit, record, &local_error) && local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_steal_pointer (&record);
}

static void
unit_record_free (WgUnitRecord *record)
{
  wg_unit_record_clear (record);
  g_free (record);
}

static void
unit_read (GObject      *owner,
           gpointer      answer,
           const GError *error)
{
  WgUnitState *self = WG_UNIT_STATE (owner);
  WgUnitRecord *record = answer;

  wg_unit_record_clear (&self->record);
  self->known = record != NULL && record->id != NULL;
  if (record == NULL)
    g_warning ("Could not read unit %s: %s", self->unit, error->message);
  else
    {
      self->record = *record;
      g_free (record);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
reload (WgUnitState *self)
{
  wg_context_read_cache (self->context, read_unit, g_strdup (self->unit), g_free,
                         (GDestroyNotify) unit_record_free, &self->reading, unit_read, G_OBJECT (self));
}

static gboolean
concerns (WgUnitState *self,
          WgEvent     *event)
{
  return g_strcmp0 (event->subject, self->unit) == 0 ||
         g_strcmp0 (json_object_get_string_member_with_default (event->body, "unit", NULL), self->unit) == 0;
}

static void
events_applied_cb (WgUnitState *self,
                   GPtrArray   *events)
{
  for (guint i = 0; i < events->len; i++)
    if (concerns (self, events->pdata[i]))
      {
        reload (self);
        return;
      }
}

static void
wg_unit_state_dispose (GObject *object)
{
  WgUnitState *self = WG_UNIT_STATE (object);

  wg_context_cancel_read (&self->reading);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (wg_unit_state_parent_class)->dispose (object);
}

static void
wg_unit_state_finalize (GObject *object)
{
  WgUnitState *self = WG_UNIT_STATE (object);

  wg_unit_record_clear (&self->record);
  g_clear_pointer (&self->unit, g_free);
  G_OBJECT_CLASS (wg_unit_state_parent_class)->finalize (object);
}

static void
wg_unit_state_class_init (WgUnitStateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_unit_state_dispose;
  object_class->finalize = wg_unit_state_finalize;

  /**
   * WgUnitState::changed:
   *
   * The record was read again (off the main loop, with a server).
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                   NULL, G_TYPE_NONE, 0);
}

static void
wg_unit_state_init (WgUnitState *self)
{
}

WgUnitState *
wg_unit_state_new (WgContext  *context,
                   const char *unit)
{
  WgUnitState *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (unit != NULL, NULL);

  self = g_object_new (WG_TYPE_UNIT_STATE, NULL);
  self->context = g_object_ref (context);
  self->unit = g_strdup (unit);
  reload (self);
  /* Not after: the views that show the batch read the new record. */
  g_signal_connect_object (context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "cache-reset", G_CALLBACK (reload), self, G_CONNECT_SWAPPED);
  return self;
}

const WgUnitRecord *
wg_unit_state_get_record (WgUnitState *self)
{
  g_return_val_if_fail (WG_IS_UNIT_STATE (self), NULL);
  return self->known ? &self->record : NULL;
}
