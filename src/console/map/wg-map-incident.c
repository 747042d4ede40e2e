/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-map-incident"

#include "config.h"

#include "wg-map-incident.h"

struct _WgMapIncident
{
  GObject     parent_instance;
  char       *id;
  char       *case_number;
  char       *summary;
  char       *state;
  WgMapGrade  grade;
  double      lat;
  double      lon;
  gboolean    acknowledged;
};

G_DEFINE_FINAL_TYPE (WgMapIncident, wg_map_incident, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CASE_NUMBER,
  PROP_SUMMARY,
  PROP_GRADE,
  PROP_LATITUDE,
  PROP_LONGITUDE,
  PROP_ACKNOWLEDGED,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

GType
wg_map_grade_get_type (void)
{
  static gsize type_id;
  static const GEnumValue values[] = {
    { WG_MAP_GRADE_GENERAL, "WG_MAP_GRADE_GENERAL", "general" },
    { WG_MAP_GRADE_PROFESSIONAL, "WG_MAP_GRADE_PROFESSIONAL", "professional" },
    { WG_MAP_GRADE_EMERGENCY, "WG_MAP_GRADE_EMERGENCY", "emergency" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id, g_enum_register_static (g_intern_static_string ("WgMapGrade"), values));
  return type_id;
}

static void
wg_map_incident_finalize (GObject *object)
{
  WgMapIncident *self = (WgMapIncident *) object;

  g_free (self->id);
  g_free (self->case_number);
  g_free (self->summary);
  g_free (self->state);
  G_OBJECT_CLASS (wg_map_incident_parent_class)->finalize (object);
}

static void
wg_map_incident_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  WgMapIncident *self = WG_MAP_INCIDENT (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_CASE_NUMBER: g_value_set_string (value, self->case_number); break;
    case PROP_SUMMARY: g_value_set_string (value, self->summary); break;
    case PROP_GRADE: g_value_set_enum (value, self->grade); break;
    case PROP_LATITUDE: g_value_set_double (value, self->lat); break;
    case PROP_LONGITUDE: g_value_set_double (value, self->lon); break;
    case PROP_ACKNOWLEDGED: g_value_set_boolean (value, self->acknowledged); break;
    case PROP_STATE: g_value_set_string (value, self->state); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_map_incident_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  WgMapIncident *self = WG_MAP_INCIDENT (object);

  switch (prop_id)
    {
    case PROP_ID: self->id = g_value_dup_string (value); break;
    case PROP_CASE_NUMBER: self->case_number = g_value_dup_string (value); break;
    case PROP_SUMMARY: wg_map_incident_set_summary (self, g_value_get_string (value)); break;
    case PROP_GRADE: wg_map_incident_set_grade (self, g_value_get_enum (value)); break;
    case PROP_LATITUDE: wg_map_incident_set_location (self, g_value_get_double (value), self->lon); break;
    case PROP_LONGITUDE: wg_map_incident_set_location (self, self->lat, g_value_get_double (value)); break;
    case PROP_ACKNOWLEDGED: wg_map_incident_set_acknowledged (self, g_value_get_boolean (value)); break;
    case PROP_STATE: wg_map_incident_set_state (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_map_incident_class_init (WgMapIncidentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = wg_map_incident_finalize;
  object_class->get_property = wg_map_incident_get_property;
  object_class->set_property = wg_map_incident_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CASE_NUMBER] = g_param_spec_string ("case-number", NULL, NULL, NULL,
                                                      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUMMARY] = g_param_spec_string ("summary", NULL, NULL, NULL, rw);
  properties[PROP_GRADE] = g_param_spec_enum ("grade", NULL, NULL, WG_TYPE_MAP_GRADE,
                                              WG_MAP_GRADE_GENERAL, rw);
  properties[PROP_LATITUDE] = g_param_spec_double ("latitude", NULL, NULL, -90, 90, 0, rw);
  properties[PROP_LONGITUDE] = g_param_spec_double ("longitude", NULL, NULL, -180, 180, 0, rw);
  properties[PROP_ACKNOWLEDGED] = g_param_spec_boolean ("acknowledged", NULL, NULL, FALSE, rw);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, "reported", rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wg_map_incident_init (WgMapIncident *self)
{
  self->state = g_strdup ("reported");
}

WgMapIncident *
wg_map_incident_new (const char *id,
                     const char *case_number,
                     WgMapGrade  grade,
                     double      lat,
                     double      lon)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_object_new (WG_TYPE_MAP_INCIDENT,
                       "id", id,
                       "case-number", case_number,
                       "grade", grade,
                       "latitude", lat,
                       "longitude", lon,
                       NULL);
}

const char *
wg_map_incident_get_id (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), NULL);
  return self->id;
}

const char *
wg_map_incident_get_case_number (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), NULL);
  return self->case_number;
}

const char *
wg_map_incident_get_summary (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), NULL);
  return self->summary;
}

void
wg_map_incident_set_summary (WgMapIncident *self,
                             const char    *summary)
{
  g_return_if_fail (WG_IS_MAP_INCIDENT (self));
  if (g_strcmp0 (self->summary, summary) == 0)
    return;
  g_free (self->summary);
  self->summary = g_strdup (summary);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUMMARY]);
}

WgMapGrade
wg_map_incident_get_grade (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), WG_MAP_GRADE_GENERAL);
  return self->grade;
}

void
wg_map_incident_set_grade (WgMapIncident *self,
                           WgMapGrade     grade)
{
  g_return_if_fail (WG_IS_MAP_INCIDENT (self));
  if (self->grade == grade)
    return;
  self->grade = grade;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRADE]);
}

double
wg_map_incident_get_latitude (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), 0);
  return self->lat;
}

double
wg_map_incident_get_longitude (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), 0);
  return self->lon;
}

void
wg_map_incident_set_location (WgMapIncident *self,
                              double         lat,
                              double         lon)
{
  g_return_if_fail (WG_IS_MAP_INCIDENT (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->lat != lat)
    {
      self->lat = lat;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LATITUDE]);
    }
  if (self->lon != lon)
    {
      self->lon = lon;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LONGITUDE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
wg_map_incident_get_acknowledged (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), FALSE);
  return self->acknowledged;
}

void
wg_map_incident_set_acknowledged (WgMapIncident *self,
                                  gboolean       acknowledged)
{
  g_return_if_fail (WG_IS_MAP_INCIDENT (self));
  acknowledged = !!acknowledged;
  if (self->acknowledged == acknowledged)
    return;
  self->acknowledged = acknowledged;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACKNOWLEDGED]);
}

const char *
wg_map_incident_get_state (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), NULL);
  return self->state;
}

void
wg_map_incident_set_state (WgMapIncident *self,
                           const char    *state)
{
  g_return_if_fail (WG_IS_MAP_INCIDENT (self));
  if (state == NULL)
    state = "reported";
  if (g_strcmp0 (self->state, state) == 0)
    return;
  g_free (self->state);
  self->state = g_strdup (state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

gboolean
wg_map_incident_is_open (WgMapIncident *self)
{
  g_return_val_if_fail (WG_IS_MAP_INCIDENT (self), FALSE);
  return !g_str_equal (self->state, "closed") && !g_str_equal (self->state, "cancelled") &&
         !g_str_equal (self->state, "merged");
}
