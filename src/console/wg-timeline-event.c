/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-timeline-event"

#include "config.h"

#include "wg-timeline-event.h"

struct _WgTimelineEvent
{
  GObject  parent_instance;
  WgEvent *event;
};

G_DEFINE_FINAL_TYPE (WgTimelineEvent, wg_timeline_event, G_TYPE_OBJECT)

static void
wg_timeline_event_finalize (GObject *object)
{
  WgTimelineEvent *self = WG_TIMELINE_EVENT (object);

  g_clear_pointer (&self->event, wg_event_unref);
  G_OBJECT_CLASS (wg_timeline_event_parent_class)->finalize (object);
}

static void
wg_timeline_event_class_init (WgTimelineEventClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wg_timeline_event_finalize;
}

static void
wg_timeline_event_init (WgTimelineEvent *self)
{
}

WgTimelineEvent *
wg_timeline_event_new (WgEvent *event)
{
  WgTimelineEvent *self;

  g_return_val_if_fail (event != NULL, NULL);

  self = g_object_new (WG_TYPE_TIMELINE_EVENT, NULL);
  self->event = wg_event_ref (event);
  return self;
}

WgEvent *
wg_timeline_event_get_event (WgTimelineEvent *self)
{
  g_return_val_if_fail (WG_IS_TIMELINE_EVENT (self), NULL);
  return self->event;
}
