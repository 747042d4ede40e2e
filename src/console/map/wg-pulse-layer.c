/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-pulse-layer"

#include "config.h"

#include "wg-map-private.h"
#include "wg-pulse-layer.h"

struct _WgPulseLayer
{
  ShumateLayer     parent_instance;

  WgGridLayer     *grids;
  WgIncidentLayer *incidents;
  guint            step_id;
  gboolean         pulsing;     /* something pulsed in the last snapshot */
};

G_DEFINE_FINAL_TYPE (WgPulseLayer, wg_pulse_layer, SHUMATE_TYPE_LAYER)

static gboolean
step_cb (gpointer user_data)
{
  WgPulseLayer *self = user_data;

  if (!self->pulsing)
    {
      self->step_id = 0;
      return G_SOURCE_REMOVE;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_CONTINUE;
}

static void
wg_pulse_layer_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  WgPulseLayer *self = WG_PULSE_LAYER (widget);
  gboolean animate = _wg_animations_enabled (widget);
  gboolean any = FALSE;
  WgMapProjection p;
  double phase;

  if (!_wg_projection_init (&p, widget, shumate_layer_get_viewport (SHUMATE_LAYER (self))))
    {
      self->pulsing = FALSE;
      return;
    }
  phase = _wg_pulse_phase ();
  gtk_snapshot_save (snapshot);
  _wg_projection_push_rotation (&p, snapshot);
  any |= _wg_grid_layer_snapshot_pulse (self->grids, snapshot, &p, phase, animate);
  any |= _wg_incident_layer_snapshot_pulse (self->incidents, snapshot, &p, phase, animate);
  gtk_snapshot_restore (snapshot);

  self->pulsing = any && animate;
  if (self->pulsing && self->step_id == 0)
    self->step_id = g_timeout_add (WG_PULSE_PERIOD_US / WG_PULSE_STEPS / 1000, step_cb, self);
}

static void
viewport_changed_cb (WgPulseLayer *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
wg_pulse_layer_constructed (GObject *object)
{
  WgPulseLayer *self = WG_PULSE_LAYER (object);

  G_OBJECT_CLASS (wg_pulse_layer_parent_class)->constructed (object);
  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
wg_pulse_layer_dispose (GObject *object)
{
  WgPulseLayer *self = WG_PULSE_LAYER (object);

  g_clear_handle_id (&self->step_id, g_source_remove);
  if (self->grids != NULL)
    _wg_grid_layer_set_pulse_layer (self->grids, NULL);
  if (self->incidents != NULL)
    _wg_incident_layer_set_pulse_layer (self->incidents, NULL);
  g_clear_object (&self->grids);
  g_clear_object (&self->incidents);

  G_OBJECT_CLASS (wg_pulse_layer_parent_class)->dispose (object);
}

static void
wg_pulse_layer_class_init (WgPulseLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wg_pulse_layer_constructed;
  object_class->dispose = wg_pulse_layer_dispose;
  widget_class->snapshot = wg_pulse_layer_snapshot;
}

static void
wg_pulse_layer_init (WgPulseLayer *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

WgPulseLayer *
wg_pulse_layer_new (ShumateViewport *viewport,
                    WgGridLayer     *grids,
                    WgIncidentLayer *incidents)
{
  WgPulseLayer *self;

  g_return_val_if_fail (SHUMATE_IS_VIEWPORT (viewport), NULL);
  g_return_val_if_fail (WG_IS_GRID_LAYER (grids), NULL);
  g_return_val_if_fail (WG_IS_INCIDENT_LAYER (incidents), NULL);

  self = g_object_new (WG_TYPE_PULSE_LAYER, "viewport", viewport, NULL);
  self->grids = g_object_ref (grids);
  self->incidents = g_object_ref (incidents);
  _wg_grid_layer_set_pulse_layer (grids, GTK_WIDGET (self));
  _wg_incident_layer_set_pulse_layer (incidents, GTK_WIDGET (self));
  return self;
}

gboolean
wg_pulse_layer_is_running (WgPulseLayer *self)
{
  g_return_val_if_fail (WG_IS_PULSE_LAYER (self), FALSE);
  return self->step_id != 0;
}
