/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-timeline-model"

#include "config.h"

#include "wg-timeline-model.h"

struct _WgTimelineModel
{
  GObject     parent_instance;

  WgContext  *context;
  char       *incident;
  GPtrArray  *items;      /* WgTimelineEvent */
  gint64      last_seq;   /* the newest event shown, so none comes twice */
  GCancellable *reading;  /* the incident's events on their way from the cache writer */
  guint       unannounced; /* rows of the incident before, dropped but not yet announced */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WgTimelineModel, wg_timeline_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return WG_TYPE_TIMELINE_EVENT;
}

static guint
get_n_items (GListModel *model)
{
  return WG_TIMELINE_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  WgTimelineModel *self = WG_TIMELINE_MODEL (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (self->items->pdata[position]);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
events_applied_cb (WgTimelineModel *self,
                   GPtrArray       *events)
{
  guint before = self->items->len;

  /* The read under way holds every batch announced before its answer. */
  if (self->incident == NULL || self->reading != NULL)
    return;
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      if (g_strcmp0 (event->incident, self->incident) != 0 || event->seq <= self->last_seq)
        continue;
      g_ptr_array_add (self->items, wg_timeline_event_new (event));
      self->last_seq = event->seq;
    }
  if (self->items->len > before)
    g_list_model_items_changed (G_LIST_MODEL (self), before, 0, self->items->len - before);
}

/* The store was emptied and filled again (another journal, or a replay
 * gone back in time): the incident's events are read again. */
static void
cache_reset_cb (WgTimelineModel *self)
{
  g_autofree char *incident = g_steal_pointer (&self->incident);

  wg_timeline_model_set_incident (self, incident);
}

static void
wg_timeline_model_dispose (GObject *object)
{
  WgTimelineModel *self = WG_TIMELINE_MODEL (object);

  wg_context_cancel_read (&self->reading);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (wg_timeline_model_parent_class)->dispose (object);
}

static void
wg_timeline_model_finalize (GObject *object)
{
  WgTimelineModel *self = WG_TIMELINE_MODEL (object);

  g_clear_pointer (&self->incident, g_free);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  G_OBJECT_CLASS (wg_timeline_model_parent_class)->finalize (object);
}

static void
wg_timeline_model_class_init (WgTimelineModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_timeline_model_dispose;
  object_class->finalize = wg_timeline_model_finalize;
}

static void
wg_timeline_model_init (WgTimelineModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
}

WgTimelineModel *
wg_timeline_model_new (WgContext *context)
{
  WgTimelineModel *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);

  self = g_object_new (WG_TYPE_TIMELINE_MODEL, NULL);
  self->context = g_object_ref (context);
  g_signal_connect_object (context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "cache-reset", G_CALLBACK (cache_reset_cb), self, G_CONNECT_SWAPPED);
  return self;
}

/* The incident's events, read: shown at once, in one items_changed with
 * the @removed rows of the incident before. */
static void
show_events (WgTimelineModel *self,
             guint            removed,
             GPtrArray       *events)
{
  guint before = self->items->len;

  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      /* A replay shows the events up to its moment. */
      if (wg_context_get_read_only (self->context) && event->ts > wg_context_now_ms (self->context))
        break;
      if (event->seq <= self->last_seq)
        continue;
      g_ptr_array_add (self->items, wg_timeline_event_new (event));
      self->last_seq = event->seq;
    }
  if (removed > 0 || self->items->len > before)
    g_list_model_items_changed (G_LIST_MODEL (self), before, removed, self->items->len - before);
}

static gpointer
read_events (WgStore  *store,
             gpointer  incident,
             GError  **error)
{
  return wg_store_read_incident_events (store, incident, error);
}

static void
events_read (GObject      *owner,
             gpointer      answer,
             const GError *error)
{
  WgTimelineModel *self = WG_TIMELINE_MODEL (owner);
  g_autoptr(GPtrArray) events = answer;
  guint removed = self->unannounced;

  self->unannounced = 0;
  if (events == NULL)
    {
      g_warning ("Could not read the events of %s: %s", self->incident, error->message);
      events = g_ptr_array_new ();
    }
  show_events (self, removed, events);
}

void
wg_timeline_model_set_incident (WgTimelineModel *self,
                                const char      *incident)
{
  guint removed;

  g_return_if_fail (WG_IS_TIMELINE_MODEL (self));

  if (g_strcmp0 (self->incident, incident) == 0)
    return;
  g_free (self->incident);
  self->incident = g_strdup (incident);
  wg_context_cancel_read (&self->reading);
  removed = self->items->len;
  g_ptr_array_set_size (self->items, 0);
  self->last_seq = 0;

  /* The incident's own events (an indexed query, not the journal in
   * pages).  A department's cache holds the report too: the sync client
   * adopts an incident met at `incident.routed` from the server's
   * GET /api/v1/incidents/{id}/events.  Read off the main loop
   * (wg_context_read_journal): a live cache by its writer's connection, a
   * replay's journal by its worker. */
  if (incident == NULL)
    {
      if (removed > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, removed, 0);
      return;
    }
  self->unannounced = removed;
  wg_context_read_journal (self->context, read_events, g_strdup (incident), g_free,
                           (GDestroyNotify) g_ptr_array_unref, &self->reading, events_read, G_OBJECT (self));
  /* Read off the main loop: emptied at once, so that another incident's
   * events do not show under this one meanwhile. */
  if (self->unannounced > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, self->unannounced, 0);
  self->unannounced = 0;
}

const char *
wg_timeline_model_get_incident (WgTimelineModel *self)
{
  g_return_val_if_fail (WG_IS_TIMELINE_MODEL (self), NULL);
  return self->incident;
}
