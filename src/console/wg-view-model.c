/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-view-model"

#include "config.h"

#include "wg-view-model.h"

struct _WgViewModel
{
  GObject  parent_instance;

  char    *selected_incident;
  char    *selected_unit;
};

G_DEFINE_FINAL_TYPE (WgViewModel, wg_view_model, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SELECTED_INCIDENT,
  PROP_SELECTED_UNIT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
wg_view_model_finalize (GObject *object)
{
  WgViewModel *self = WG_VIEW_MODEL (object);

  g_clear_pointer (&self->selected_incident, g_free);
  g_clear_pointer (&self->selected_unit, g_free);

  G_OBJECT_CLASS (wg_view_model_parent_class)->finalize (object);
}

static void
wg_view_model_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WgViewModel *self = WG_VIEW_MODEL (object);

  switch (prop_id)
    {
    case PROP_SELECTED_INCIDENT:
      g_value_set_string (value, self->selected_incident);
      break;
    case PROP_SELECTED_UNIT:
      g_value_set_string (value, self->selected_unit);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_view_model_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  WgViewModel *self = WG_VIEW_MODEL (object);

  switch (prop_id)
    {
    case PROP_SELECTED_INCIDENT:
      wg_view_model_set_selected_incident (self, g_value_get_string (value));
      break;
    case PROP_SELECTED_UNIT:
      wg_view_model_set_selected_unit (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_view_model_class_init (WgViewModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wg_view_model_finalize;
  object_class->get_property = wg_view_model_get_property;
  object_class->set_property = wg_view_model_set_property;

  properties[PROP_SELECTED_INCIDENT] =
    g_param_spec_string ("selected-incident", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_SELECTED_UNIT] =
    g_param_spec_string ("selected-unit", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wg_view_model_init (WgViewModel *self)
{
}

WgViewModel *
wg_view_model_new (void)
{
  return g_object_new (WG_TYPE_VIEW_MODEL, NULL);
}

const char *
wg_view_model_get_selected_incident (WgViewModel *self)
{
  g_return_val_if_fail (WG_IS_VIEW_MODEL (self), NULL);
  return self->selected_incident;
}

void
wg_view_model_set_selected_incident (WgViewModel *self,
                                     const char  *incident)
{
  g_return_if_fail (WG_IS_VIEW_MODEL (self));

  if (g_strcmp0 (self->selected_incident, incident) == 0)
    return;
  g_free (self->selected_incident);
  self->selected_incident = g_strdup (incident);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_INCIDENT]);
}

const char *
wg_view_model_get_selected_unit (WgViewModel *self)
{
  g_return_val_if_fail (WG_IS_VIEW_MODEL (self), NULL);
  return self->selected_unit;
}

void
wg_view_model_set_selected_unit (WgViewModel *self,
                                 const char  *unit)
{
  g_return_if_fail (WG_IS_VIEW_MODEL (self));

  if (g_strcmp0 (self->selected_unit, unit) == 0)
    return;
  g_free (self->selected_unit);
  self->selected_unit = g_strdup (unit);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED_UNIT]);
}
