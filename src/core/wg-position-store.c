/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Parallel arrays rather than an array of structs: the map's hot loop reads
 * only lat/lon (and type/status for visible units), so keeping them dense
 * keeps 20,000 units inside a few cache-friendly blocks.
 */
#define G_LOG_DOMAIN "wg-position-store"

#include "config.h"

#include <string.h>

#include "wg-position-store.h"

typedef struct
{
  guint                id;
  WgPositionStoreWatch func;
  gpointer             user_data;
} Watch;

struct _WgPositionStore
{
  gatomicrefcount  ref_count;

  guint            n_units;
  guint            capacity;
  char           **ids;       /* owned, index -> id */
  GHashTable      *by_id;     /* id (borrowed from ids) -> index + 1 */
  double          *lats;
  double          *lons;
  gint64          *times;
  guint8          *types;
  guint8          *statuses;

  guint64          generation;

  /* Trails: ring of trail_length points per unit. */
  guint            trail_length;
  double          *trail_lats;
  double          *trail_lons;
  guint16         *trail_head;
  guint16         *trail_count;

  GArray          *watches;
  guint            last_watch_id;
};

G_DEFINE_BOXED_TYPE (WgPositionStore, wg_position_store,
                     wg_position_store_ref, wg_position_store_unref)

WgPositionStore *
wg_position_store_new (void)
{
  WgPositionStore *self = g_new0 (WgPositionStore, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  self->watches = g_array_new (FALSE, FALSE, sizeof (Watch));
  return self;
}

WgPositionStore *
wg_position_store_ref (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
free_trails (WgPositionStore *self)
{
  g_clear_pointer (&self->trail_lats, g_free);
  g_clear_pointer (&self->trail_lons, g_free);
  g_clear_pointer (&self->trail_head, g_free);
  g_clear_pointer (&self->trail_count, g_free);
}

void
wg_position_store_unref (WgPositionStore *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < self->n_units; i++)
    g_free (self->ids[i]);
  g_free (self->ids);
  g_hash_table_unref (self->by_id);
  g_free (self->lats);
  g_free (self->lons);
  g_free (self->times);
  g_free (self->types);
  g_free (self->statuses);
  free_trails (self);
  g_array_unref (self->watches);
  g_free (self);
}

static void
changed (WgPositionStore *self)
{
  self->generation++;
  for (guint i = 0; i < self->watches->len; i++)
    {
      const Watch *w = &g_array_index (self->watches, Watch, i);
      w->func (self, self->generation, w->user_data);
    }
}

static void
alloc_trails (WgPositionStore *self)
{
  gsize n = (gsize) self->capacity * self->trail_length;

  self->trail_lats = g_renew (double, self->trail_lats, n);
  self->trail_lons = g_renew (double, self->trail_lons, n);
  self->trail_head = g_renew (guint16, self->trail_head, self->capacity);
  self->trail_count = g_renew (guint16, self->trail_count, self->capacity);
}

static void
grow (WgPositionStore *self)
{
  guint old = self->capacity;
  guint cap = MAX (64, old * 2);

  /* The hash table borrows the id strings, which do not move. */
  self->ids = g_renew (char *, self->ids, cap);
  self->lats = g_renew (double, self->lats, cap);
  self->lons = g_renew (double, self->lons, cap);
  self->times = g_renew (gint64, self->times, cap);
  self->types = g_renew (guint8, self->types, cap);
  self->statuses = g_renew (guint8, self->statuses, cap);
  self->capacity = cap;

  if (self->trail_length > 0)
    {
      /* Each unit's ring lives at index * trail_length, so growing the
       * capacity keeps existing rings in place. */
      alloc_trails (self);
    }
}

guint
wg_position_store_add_unit (WgPositionStore *self,
                            const char      *unit_id,
                            WgUnitType       type,
                            WgPositionStatus     status)
{
  gpointer found;
  guint index;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (unit_id != NULL, 0);
  g_return_val_if_fail (type < WG_UNIT_N_TYPES, 0);
  g_return_val_if_fail (status < WG_UNIT_N_STATUSES, 0);

  if (g_hash_table_lookup_extended (self->by_id, unit_id, NULL, &found))
    {
      index = GPOINTER_TO_UINT (found) - 1;
      self->types[index] = type;
      self->statuses[index] = status;
      changed (self);
      return index;
    }

  if (self->n_units == self->capacity)
    grow (self);

  index = self->n_units++;
  self->ids[index] = g_strdup (unit_id);
  self->lats[index] = 0;
  self->lons[index] = 0;
  self->times[index] = 0;
  self->types[index] = type;
  self->statuses[index] = status;
  if (self->trail_length > 0)
    {
      self->trail_head[index] = 0;
      self->trail_count[index] = 0;
    }
  g_hash_table_insert (self->by_id, self->ids[index], GUINT_TO_POINTER (index + 1));
  changed (self);
  return index;
}

int
wg_position_store_lookup (WgPositionStore *self,
                          const char      *unit_id)
{
  gpointer found;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (unit_id != NULL, -1);

  found = g_hash_table_lookup (self->by_id, unit_id);
  return found ? (int) GPOINTER_TO_UINT (found) - 1 : -1;
}

guint
wg_position_store_get_n_units (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_units;
}

const char *
wg_position_store_get_unit_id (WgPositionStore *self,
                               guint            index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->n_units, NULL);
  return self->ids[index];
}

static void
store_position (WgPositionStore *self,
                guint            index,
                double           lat,
                double           lon,
                gint64           time_ms)
{
  self->lats[index] = lat;
  self->lons[index] = lon;
  self->times[index] = time_ms;

  if (self->trail_length > 0)
    {
      gsize base = (gsize) index * self->trail_length;
      guint head = self->trail_head[index];

      self->trail_lats[base + head] = lat;
      self->trail_lons[base + head] = lon;
      self->trail_head[index] = (head + 1) % self->trail_length;
      if (self->trail_count[index] < self->trail_length)
        self->trail_count[index]++;
    }
}

void
wg_position_store_set_position (WgPositionStore *self,
                                guint            index,
                                double           lat,
                                double           lon,
                                gint64           time_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->n_units);

  store_position (self, index, lat, lon, time_ms);
  changed (self);
}

void
wg_position_store_set_status (WgPositionStore *self,
                              guint            index,
                              WgPositionStatus     status)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (index < self->n_units);
  g_return_if_fail (status < WG_UNIT_N_STATUSES);

  if (self->statuses[index] == status)
    return;
  self->statuses[index] = status;
  changed (self);
}

/* Returns how many updates named a known unit; the others are skipped (a
 * position for a unit the reference data does not know yet). */
guint
wg_position_store_apply (WgPositionStore        *self,
                         const WgPositionUpdate *updates,
                         guint                   n_updates)
{
  guint applied = 0;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (updates != NULL || n_updates == 0, 0);

  for (guint i = 0; i < n_updates; i++)
    {
      int index = wg_position_store_lookup (self, updates[i].unit_id);

      if (index < 0)
        continue;
      store_position (self, index, updates[i].lat, updates[i].lon, updates[i].time_ms);
      if (updates[i].status >= 0 && updates[i].status < WG_UNIT_N_STATUSES)
        self->statuses[index] = updates[i].status;
      applied++;
    }

  if (applied > 0)
    changed (self);
  return applied;
}

guint64
wg_position_store_get_generation (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->generation;
}

const double *
wg_position_store_get_lats (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->lats;
}

const double *
wg_position_store_get_lons (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->lons;
}

const gint64 *
wg_position_store_get_times (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->times;
}

const guint8 *
wg_position_store_get_types (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->types;
}

const guint8 *
wg_position_store_get_statuses (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->statuses;
}

void
wg_position_store_set_trail_length (WgPositionStore *self,
                                    guint            length)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (length <= G_MAXUINT16);

  if (length == self->trail_length)
    return;

  free_trails (self);
  self->trail_length = length;
  if (length > 0 && self->capacity > 0)
    {
      alloc_trails (self);
      memset (self->trail_head, 0, sizeof (guint16) * self->capacity);
      memset (self->trail_count, 0, sizeof (guint16) * self->capacity);
    }
  changed (self);
}

guint
wg_position_store_get_trail_length (WgPositionStore *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->trail_length;
}

/* Copies up to @max_points of the unit's trail, oldest first. */
guint
wg_position_store_get_trail (WgPositionStore *self,
                             guint            index,
                             double          *lats,
                             double          *lons,
                             guint            max_points)
{
  guint count, start;
  gsize base;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (index < self->n_units, 0);

  if (self->trail_length == 0)
    return 0;

  count = MIN (self->trail_count[index], max_points);
  base = (gsize) index * self->trail_length;
  /* Oldest of the last @count points. */
  start = (self->trail_head[index] + self->trail_length - count) % self->trail_length;
  for (guint i = 0; i < count; i++)
    {
      guint k = (start + i) % self->trail_length;
      lats[i] = self->trail_lats[base + k];
      lons[i] = self->trail_lons[base + k];
    }
  return count;
}

guint
wg_position_store_add_watch (WgPositionStore      *self,
                             WgPositionStoreWatch  watch,
                             gpointer              user_data)
{
  Watch w;

  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (watch != NULL, 0);

  w.id = ++self->last_watch_id;
  w.func = watch;
  w.user_data = user_data;
  g_array_append_val (self->watches, w);
  return w.id;
}

void
wg_position_store_remove_watch (WgPositionStore *self,
                                guint            watch_id)
{
  g_return_if_fail (self != NULL);

  for (guint i = 0; i < self->watches->len; i++)
    if (g_array_index (self->watches, Watch, i).id == watch_id)
      {
        g_array_remove_index (self->watches, i);
        return;
      }
  g_critical ("No watch with id %u", watch_id);
}
