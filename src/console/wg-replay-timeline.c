/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-replay-timeline"

#include "config.h"

#include "wg-replay-timeline.h"

struct _WgReplayTimeline
{
  GtkWidget  parent_instance;

  WgReplay  *replay;
  char      *incident;  /* whose key moments are shown */
  GArray    *moments;   /* WgReplayMoment of the incident */
  GArray    *bookmarks; /* gint64 moments */
};

G_DEFINE_FINAL_TYPE (WgReplayTimeline, wg_replay_timeline, GTK_TYPE_WIDGET)

/* Kinds of events, one colour each. */
typedef enum {
  KIND_REPORT,
  KIND_ALARM,
  KIND_DISPATCH,
  KIND_SCENE,
  KIND_END,
  KIND_WORK_ORDER,
  KIND_OTHER,
  N_KINDS
} Kind;

static const GdkRGBA kind_colours[N_KINDS] = {
  { 0.878, 0.106, 0.141, 1.0 },  /* report: red */
  { 1.000, 0.471, 0.000, 1.0 },  /* alarm: orange */
  { 0.208, 0.518, 0.894, 1.0 },  /* dispatch: blue */
  { 0.180, 0.761, 0.494, 1.0 },  /* on scene: green */
  { 0.569, 0.255, 0.675, 1.0 },  /* resolved, verified, closed: purple */
  { 0.149, 0.635, 0.412, 1.0 },  /* routed, accepted, feedback: dark green */
  { 0.467, 0.463, 0.482, 1.0 },  /* the rest: grey */
};

static Kind
kind_of (WgEventType type)
{
  switch (type)
    {
    case WG_EV_INCIDENT_REPORTED:
    case WG_EV_INCIDENT_UPGRADED:
    case WG_EV_INCIDENT_REGRADED:
      return KIND_REPORT;
    case WG_EV_ALARM_RAISED:
    case WG_EV_ALARM_ESCALATED:
    case WG_EV_ALARM_ACKNOWLEDGED:
    case WG_EV_INCIDENT_ESCALATED:
    case WG_EV_INCIDENT_OVERDUE:
      return KIND_ALARM;
    case WG_EV_INCIDENT_DISPATCHED:
    case WG_EV_ASSIGNMENT_CREATED:
    case WG_EV_ASSIGNMENT_ACKNOWLEDGED:
    case WG_EV_ASSIGNMENT_EN_ROUTE:
      return KIND_DISPATCH;
    case WG_EV_INCIDENT_ON_SCENE:
    case WG_EV_ASSIGNMENT_ON_SCENE:
      return KIND_SCENE;
    case WG_EV_INCIDENT_RESOLVED:
    case WG_EV_INCIDENT_VERIFIED:
    case WG_EV_INCIDENT_CALLED_BACK:
    case WG_EV_INCIDENT_CLOSED:
    case WG_EV_INCIDENT_CANCELLED:
      return KIND_END;
    case WG_EV_INCIDENT_ROUTED:
    case WG_EV_INCIDENT_ACCEPTED:
    case WG_EV_INCIDENT_REJECTED:
    case WG_EV_INCIDENT_FEEDBACK_GIVEN:
    case WG_EV_INCIDENT_HANDLED_ON_SPOT:
      return KIND_WORK_ORDER;
    default:
      return KIND_OTHER;
    }
}

static double
x_of (gint64 ts,
      gint64 from,
      gint64 to,
      int    width)
{
  return (double) (ts - from) / (double) MAX (1, to - from) * width;
}

static void
wg_replay_timeline_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  WgReplayTimeline *self = WG_REPLAY_TIMELINE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GArray *ticks = wg_replay_get_ticks (self->replay);
  const GdkRGBA track = { 0.5, 0.5, 0.5, 0.15 };
  const GdkRGBA bookmark_colour = { 0.965, 0.827, 0.176, 1.0 };
  GdkRGBA outline;
  double last_x[N_KINDS];
  double cursor_x;
  gint64 from, to;

  wg_replay_get_window (self->replay, &from, &to);
  /* GTK 4.8: the style context is the way to the widget's colour. */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &outline);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_snapshot_append_color (snapshot, &track, &GRAPHENE_RECT_INIT (0, height * 0.2f, width, height * 0.6f));

  /* A tick per event; events closer than a pixel share it (a year of
   * events is still one rectangle per pixel and kind at most). */
  for (guint k = 0; k < N_KINDS; k++)
    last_x[k] = -1.0;
  for (guint i = 0; i < ticks->len; i++)
    {
      const WgReplayMoment *tick = &g_array_index (ticks, WgReplayMoment, i);
      Kind kind;
      double x;

      if (tick->ts < from || tick->ts > to)
        continue;
      kind = kind_of (tick->type);
      x = floor (x_of (tick->ts, from, to, width));
      if (x == last_x[kind])
        continue;
      last_x[kind] = x;
      gtk_snapshot_append_color (snapshot, &kind_colours[kind],
                                 &GRAPHENE_RECT_INIT (x, height * 0.25f, 2, height * 0.5f));
    }

  /* The incident's key moments: full height, outlined. */
  for (guint i = 0; self->moments != NULL && i < self->moments->len; i++)
    {
      const WgReplayMoment *moment = &g_array_index (self->moments, WgReplayMoment, i);
      double x = floor (x_of (moment->ts, from, to, width));

      if (moment->ts < from || moment->ts > to)
        continue;
      gtk_snapshot_append_color (snapshot, &outline, &GRAPHENE_RECT_INIT (x - 1, 0, 5, height));
      gtk_snapshot_append_color (snapshot, &kind_colours[kind_of (moment->type)],
                                 &GRAPHENE_RECT_INIT (x, 1, 3, height - 2));
    }

  /* Bookmarks: a small mark under the track. */
  for (guint i = 0; self->bookmarks != NULL && i < self->bookmarks->len; i++)
    {
      gint64 moment = g_array_index (self->bookmarks, gint64, i);

      if (moment < from || moment > to)
        continue;
      gtk_snapshot_append_color (snapshot, &bookmark_colour,
                                 &GRAPHENE_RECT_INIT (x_of (moment, from, to, width) - 3, height - 7, 7, 7));
    }

  /* The moment shown: a line in the text's colour with a handle on top,
   * unlike any tick. */
  cursor_x = x_of (wg_replay_get_time (self->replay), from, to, width);
  gtk_snapshot_append_color (snapshot, &outline, &GRAPHENE_RECT_INIT (cursor_x - 1, 0, 2, height));
  gtk_snapshot_append_color (snapshot, &outline, &GRAPHENE_RECT_INIT (cursor_x - 5, 0, 10, 6));
}

static void
wg_replay_timeline_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 36;
}

gint64
wg_replay_timeline_time_at (WgReplayTimeline *self,
                            double            x)
{
  int width;
  gint64 from, to;

  g_return_val_if_fail (WG_IS_REPLAY_TIMELINE (self), 0);

  width = MAX (1, gtk_widget_get_width (GTK_WIDGET (self)));
  wg_replay_get_window (self->replay, &from, &to);
  return from + (gint64) (CLAMP (x, 0, width) / width * (double) (to - from));
}

static void
pressed_cb (GtkGestureClick  *gesture,
            int               n_press,
            double            x,
            double            y,
            WgReplayTimeline *self)
{
  wg_replay_seek (self->replay, wg_replay_timeline_time_at (self, x));
}

static void
drag_update_cb (GtkGestureDrag   *gesture,
                double            dx,
                double            dy,
                WgReplayTimeline *self)
{
  double x0, y0;

  gtk_gesture_drag_get_start_point (gesture, &x0, &y0);
  wg_replay_seek (self->replay, wg_replay_timeline_time_at (self, x0 + dx));
}

static void
wg_replay_timeline_dispose (GObject *object)
{
  WgReplayTimeline *self = WG_REPLAY_TIMELINE (object);

  if (self->replay != NULL)
    g_signal_handlers_disconnect_by_data (self->replay, self);
  g_clear_object (&self->replay);
  g_clear_pointer (&self->incident, g_free);
  g_clear_pointer (&self->moments, g_array_unref);
  g_clear_pointer (&self->bookmarks, g_array_unref);

  G_OBJECT_CLASS (wg_replay_timeline_parent_class)->dispose (object);
}

static void
wg_replay_timeline_class_init (WgReplayTimelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_replay_timeline_dispose;
  widget_class->snapshot = wg_replay_timeline_snapshot;
  widget_class->measure = wg_replay_timeline_measure;
  gtk_widget_class_set_css_name (widget_class, "replay-timeline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_SLIDER);
}

static void
wg_replay_timeline_init (WgReplayTimeline *self)
{
  GtkGesture *click = gtk_gesture_click_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();

  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
}

/* The selected incident's key moments, read off the main loop. */
static void
key_moments_read_cb (WgReplayTimeline *self,
                     const char       *incident)
{
  if (g_strcmp0 (incident, self->incident) != 0)
    return;
  g_clear_pointer (&self->moments, g_array_unref);
  self->moments = wg_replay_key_moments (self->replay, incident);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

GtkWidget *
wg_replay_timeline_new (WgReplay *replay)
{
  WgReplayTimeline *self;

  g_return_val_if_fail (WG_IS_REPLAY (replay), NULL);

  self = g_object_new (WG_TYPE_REPLAY_TIMELINE, NULL);
  self->replay = g_object_ref (replay);
  g_signal_connect_object (replay, "moved", G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (replay, "ticks-loaded", G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (replay, "key-moments-read", G_CALLBACK (key_moments_read_cb), self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

void
wg_replay_timeline_set_incident (WgReplayTimeline *self,
                                 const char       *incident)
{
  g_return_if_fail (WG_IS_REPLAY_TIMELINE (self));

  g_clear_pointer (&self->moments, g_array_unref);
  g_free (self->incident);
  self->incident = g_strdup (incident);
  if (incident != NULL)
    self->moments = wg_replay_key_moments (self->replay, incident);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
wg_replay_timeline_set_bookmarks (WgReplayTimeline *self,
                                  GArray           *moments)
{
  g_return_if_fail (WG_IS_REPLAY_TIMELINE (self));

  g_clear_pointer (&self->bookmarks, g_array_unref);
  if (moments != NULL)
    self->bookmarks = g_array_ref (moments);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
