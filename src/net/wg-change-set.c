/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-change-set"

#include "config.h"

#include "wg-change-set.h"
#include "wg-event.h"

struct _WgChangeSet
{
  gatomicrefcount ref_count;
  GPtrArray      *events;     /* WgEvent* */
  GPtrArray      *incidents;  /* WgIncidentRecord* */
  GHashTable     *index;      /* id -> WgIncidentRecord* (in incidents) */
  GHashTable     *units;      /* id -> GPtrArray of unit ids */
  char           *duty_leader; /* a snapshot's roster: who is on duty */
};

G_DEFINE_BOXED_TYPE (WgChangeSet, wg_change_set, wg_change_set_ref, wg_change_set_unref)

WgChangeSet *
wg_change_set_new (GPtrArray *events)
{
  WgChangeSet *self = g_new0 (WgChangeSet, 1);

  g_return_val_if_fail (events != NULL, NULL);

  g_atomic_ref_count_init (&self->ref_count);
  self->events = g_ptr_array_ref (events);
  self->incidents = wg_incident_record_array_new ();
  self->index = g_hash_table_new (g_str_hash, g_str_equal);
  self->units = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  return self;
}

WgChangeSet *
wg_change_set_ref (WgChangeSet *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
wg_change_set_unref (WgChangeSet *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_hash_table_unref (self->units);
  g_hash_table_unref (self->index);
  g_ptr_array_unref (self->incidents);
  g_ptr_array_unref (self->events);
  g_free (self->duty_leader);
  g_free (self);
}

GPtrArray *
wg_change_set_get_events (WgChangeSet *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->events;
}

void
wg_change_set_add_incident (WgChangeSet      *self,
                            WgIncidentRecord *record,
                            GPtrArray        *units)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (record != NULL && record->id != NULL);
  g_return_if_fail (!g_hash_table_contains (self->index, record->id));

  g_ptr_array_add (self->incidents, record);
  g_hash_table_insert (self->index, record->id, record);
  if (units != NULL)
    g_hash_table_insert (self->units, record->id, units);
}

const WgIncidentRecord *
wg_change_set_lookup_incident (WgChangeSet  *self,
                               const char   *id,
                               GPtrArray   **units)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (units != NULL)
    *units = id != NULL ? g_hash_table_lookup (self->units, id) : NULL;
  return id != NULL ? g_hash_table_lookup (self->index, id) : NULL;
}

guint
wg_change_set_get_n_incidents (WgChangeSet *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->incidents->len;
}

void
wg_change_set_set_duty_leader (WgChangeSet *self,
                               const char  *account)
{
  g_return_if_fail (self != NULL);

  g_free (self->duty_leader);
  self->duty_leader = g_strdup (account);
}

const char *
wg_change_set_get_duty_leader (WgChangeSet *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->duty_leader;
}
