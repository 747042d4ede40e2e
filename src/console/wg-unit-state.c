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
};

G_DEFINE_FINAL_TYPE (WgUnitState, wg_unit_state, G_TYPE_OBJECT)

static void
reload (WgUnitState *self)
{
  g_autoptr(GError) error = NULL;

  wg_unit_record_clear (&self->record);
  self->known = wg_store_get_unit (wg_context_get_store (self->context), self->unit, &self->record, &error);
  if (error != NULL)
    g_warning ("Could not read unit %s: %s", self->unit, error->message);
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
