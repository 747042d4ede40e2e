/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-incident-model"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "wg-incident-model.h"
#include "wg-map-incident.h"
#include "wg-store-snapshot.h"

struct _WgIncidentModel
{
  GObject     parent_instance;

  WgContext  *context;
  GPtrArray  *items;     /* WgIncidentItem* */
  GHashTable *index;     /* id -> position + 1 (items are never removed) */
  GListStore *map_items; /* WgMapIncident*, same positions */
  guint       n_changes;
  gboolean    filled;    /* the cache's incidents are in */
  GCancellable *reading; /* the fill on its way from the cache writer */
};

static void list_model_iface_init (GListModelInterface *iface);

enum {
  FILLED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE_WITH_CODE (WgIncidentModel, wg_incident_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static GType
get_item_type (GListModel *model)
{
  return WG_TYPE_INCIDENT_ITEM;
}

static guint
get_n_items (GListModel *model)
{
  return WG_INCIDENT_MODEL (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  WgIncidentModel *self = WG_INCIDENT_MODEL (model);

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

/* Who works on it now: the forces of its open assignments (@units, unit
 * ids, oldest first; NULL: none), else the department it is routed to. */
static char *
describe_assignee (WgIncidentModel        *self,
                   const WgIncidentRecord *record,
                   GPtrArray              *units)
{
  g_autoptr(GString) text = g_string_new (NULL);
  guint n_open = units != NULL ? units->len : 0;

  for (guint i = 0; i < MIN (n_open, 2); i++)
    {
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, wg_context_force_label (self->context, units->pdata[i]));
    }
  if (n_open > 2)
    g_string_append_printf (text, " +%u", n_open - 2);
  if (n_open == 0 && record->department != NULL)
    g_string_append (text, wg_context_department_label (self->context, record->department));
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

/* The units of one incident's open assignments (a live update). */
static GPtrArray *
open_units_of (WgIncidentModel *self,
               const char      *incident)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) assignments = NULL;
  GPtrArray *units = g_ptr_array_new_with_free_func (g_free);

  assignments = wg_store_list_assignments (wg_context_get_store (self->context), incident, &error);
  if (assignments == NULL)
    {
      g_warning ("Could not read the assignments of %s: %s", incident, error->message);
      return units;
    }
  for (guint i = 0; i < assignments->len; i++)
    {
      WgAssignmentRecord *a = assignments->pdata[i];

      if (wg_assignment_state_is_open (a->state))
        g_ptr_array_add (units, g_strdup (a->unit));
    }
  return units;
}

static WgMapGrade
map_grade (WgGrade grade)
{
  switch (grade)
    {
    case WG_GRADE_EMERGENCY:
      return WG_MAP_GRADE_EMERGENCY;
    case WG_GRADE_PROFESSIONAL:
      return WG_MAP_GRADE_PROFESSIONAL;
    case WG_GRADE_GENERAL:
    case WG_N_GRADES:
    default:
      return WG_MAP_GRADE_GENERAL;
    }
}

static void
sync_map_item (WgMapIncident          *map_item,
               const WgIncidentRecord *record,
               WgContext              *context)
{
  g_autofree char *summary = g_strdup_printf ("%s · %s",
                                              wg_context_category_label (context, record->category),
                                              record->summary ?: "");

  wg_map_incident_set_grade (map_item, map_grade (record->grade));
  wg_map_incident_set_location (map_item, record->lat, record->lon);
  wg_map_incident_set_summary (map_item, summary);
  wg_map_incident_set_state (map_item, wg_incident_state_to_string (record->state));
  wg_map_incident_set_acknowledged (map_item,
                                    record->alarm != WG_ALARM_RAISED &&
                                    record->alarm != WG_ALARM_ESCALATED);
}

/* A new item of @record (whose contents it takes) and its map item. */
static WgIncidentItem *
new_item (WgIncidentModel  *self,
          WgIncidentRecord *record,
          GPtrArray        *units,
          WgMapIncident   **map_item_out)
{
  g_autofree char *assignee = describe_assignee (self, record, units);
  WgMapIncident *map_item = wg_map_incident_new (record->id, record->case_number,
                                                 map_grade (record->grade),
                                                 record->lat, record->lon);
  WgIncidentItem *item;

  sync_map_item (map_item, record, self->context);
  item = wg_incident_item_new (record, assignee);
  wg_incident_item_set_units (item, units);
  *map_item_out = map_item;
  return item;
}

static void
append_record (WgIncidentModel        *self,
               const WgIncidentRecord *record,
               GPtrArray        *units,
               GPtrArray        *new_map_items)
{
  g_auto(WgIncidentRecord) copy = { 0 };
  WgMapIncident *map_item;
  WgIncidentItem *item;

  wg_incident_record_copy (record, &copy);
  item = new_item (self, &copy, units, &map_item);
  g_ptr_array_add (self->items, item);
  g_hash_table_insert (self->index, g_strdup (wg_incident_item_get_id (item)),
                       GUINT_TO_POINTER (self->items->len));
  g_ptr_array_add (new_map_items, map_item);
}

/* Updates the item of @id in place (adding its position to @changed when
 * it shows something new) or appends a new one (its map item to
 * @new_map_items); the caller announces both. */
static void
refresh_incident (WgIncidentModel *self,
                  const char      *id,
                  GArray          *changed,
                  GPtrArray       *new_map_items)
{
  WgChangeSet *changes = wg_context_get_changes (self->context);
  g_auto(WgIncidentRecord) stored = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) stored_units = NULL;
  const WgIncidentRecord *record;
  GPtrArray *units = NULL;
  gpointer value;

  /* The sync client's writer read the incident as the batch left it;
   * events applied otherwise are read here. */
  if (changes != NULL)
    {
      record = wg_change_set_lookup_incident (changes, id, &units);
      if (record == NULL)
        return;
    }
  else
    {
      if (!wg_store_get_incident (wg_context_get_store (self->context), id, &stored, &error))
        {
          if (error != NULL)
            g_warning ("Could not read incident %s: %s", id, error->message);
          return;
        }
      record = &stored;
      units = stored_units = open_units_of (self, id);
    }

  if (g_hash_table_lookup_extended (self->index, id, NULL, &value))
    {
      guint position = GPOINTER_TO_UINT (value) - 1;
      WgIncidentItem *item = self->items->pdata[position];
      g_autofree char *assignee = describe_assignee (self, record, units);
      g_autoptr(WgMapIncident) map_item = g_list_model_get_item (G_LIST_MODEL (self->map_items),
                                                                 position);

      /* Each incident comes once per batch, so an item found here was
       * there before it: its map item is in the store. */
      g_auto(WgIncidentRecord) copy = { 0 };

      sync_map_item (map_item, record, self->context);
      wg_incident_record_copy (record, &copy);
      /* Both: the units change no column but the "Mine" filter. */
      if (wg_incident_item_set_units (item, units) | wg_incident_item_update (item, &copy, assignee))
        g_array_append_val (changed, position);
    }
  else
    append_record (self, record, units, new_map_items);
}

static int
compare_uint (gconstpointer a,
              gconstpointer b)
{
  guint ua = *(const guint *) a, ub = *(const guint *) b;

  return ua < ub ? -1 : ua > ub;
}

/* A batch is announced as few items_changed as it can be: each run of
 * consecutive changed rows as one, and the appended rows as one.  A
 * catch-up page touches incidents all over the model; past MAX_RUNS runs
 * one range covers them, so that the board re-filters, re-sorts and
 * re-binds once per page rather than once per incident.  A live update
 * (one incident or a few) stays exact. */
#define MAX_RUNS 8

static void
announce_changes (WgIncidentModel *self,
                  GArray          *changed,
                  guint            n_before)
{
  guint n_runs = 0;

  g_array_sort (changed, compare_uint);
  for (guint i = 0; i < changed->len; i++)
    if (i == 0 || g_array_index (changed, guint, i) != g_array_index (changed, guint, i - 1) + 1)
      n_runs++;

  if (n_runs > MAX_RUNS)
    {
      guint first = g_array_index (changed, guint, 0);
      guint span = g_array_index (changed, guint, changed->len - 1) - first + 1;

      self->n_changes++;
      g_list_model_items_changed (G_LIST_MODEL (self), first, span, span);
    }
  else
    {
      for (guint i = 0; i < changed->len;)
        {
          guint first = g_array_index (changed, guint, i);
          guint span = 1;

          while (i + span < changed->len && g_array_index (changed, guint, i + span) == first + span)
            span++;
          self->n_changes++;
          g_list_model_items_changed (G_LIST_MODEL (self), first, span, span);
          i += span;
        }
    }

  if (self->items->len > n_before)
    {
      self->n_changes++;
      g_list_model_items_changed (G_LIST_MODEL (self), n_before, 0, self->items->len - n_before);
    }
}

static void
events_applied_cb (WgIncidentModel *self,
                   GPtrArray       *events)
{
  g_autoptr(GPtrArray) touched = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GArray) changed = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GPtrArray) new_map_items = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_before = self->items->len;

  /* Each incident once per batch, in the order it first appears. */
  for (guint i = 0; i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];

      /* A live board never shows an exercise's events, a drill's board
       * only its own exercise's (the store's, wg-drill-session.c). */
      if (event->incident == NULL ||
          g_strcmp0 (event->exercise, wg_store_get_exercise (wg_context_get_store (self->context))) != 0)
        continue;
      if (g_hash_table_add (seen, event->incident))
        g_ptr_array_add (touched, event->incident);
    }
  for (guint i = 0; i < touched->len; i++)
    refresh_incident (self, touched->pdata[i], changed, new_map_items);

  /* The map's items first, all at once: the board's rows look them up. */
  if (new_map_items->len > 0)
    g_list_store_splice (self->map_items, n_before, 0, new_map_items->pdata, new_map_items->len);
  announce_changes (self, changed, n_before);
}

static void
wg_incident_model_dispose (GObject *object)
{
  WgIncidentModel *self = WG_INCIDENT_MODEL (object);

  wg_context_cancel_read (&self->reading);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);

  G_OBJECT_CLASS (wg_incident_model_parent_class)->dispose (object);
}

static void
wg_incident_model_finalize (GObject *object)
{
  WgIncidentModel *self = WG_INCIDENT_MODEL (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->index, g_hash_table_unref);
  g_clear_object (&self->map_items);

  G_OBJECT_CLASS (wg_incident_model_parent_class)->finalize (object);
}

static void
wg_incident_model_class_init (WgIncidentModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_incident_model_dispose;
  object_class->finalize = wg_incident_model_finalize;

  /**
   * WgIncidentModel::filled:
   *
   * The cache's incidents are in (at once without a server; with one,
   * when the cache writer's answer came).
   */
  signals[FILLED] = g_signal_new ("filled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                  NULL, G_TYPE_NONE, 0);
}

static void
wg_incident_model_init (WgIncidentModel *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->map_items = g_list_store_new (WG_TYPE_MAP_INCIDENT);
}

static int
compare_reported (gconstpointer a,
                  gconstpointer b)
{
  const WgIncidentRecord *ra = *(WgIncidentRecord * const *) a;
  const WgIncidentRecord *rb = *(WgIncidentRecord * const *) b;

  if (ra->reported_at != rb->reported_at)
    return ra->reported_at < rb->reported_at ? -1 : 1;
  return g_strcmp0 (ra->id, rb->id);
}

/* Every incident of the cache, in two queries (the incidents, and the
 * units of all open assignments), however many there are. */
typedef struct
{
  GPtrArray  *records;  /* WgIncidentRecord* */
  GHashTable *units;    /* incident id -> GPtrArray of unit ids */
} Filling;

static void
filling_free (Filling *filling)
{
  g_clear_pointer (&filling->records, g_ptr_array_unref);
  g_clear_pointer (&filling->units, g_hash_table_unref);
  g_free (filling);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Filling, filling_free)

static gpointer
read_all (WgStore  *store,
          gpointer  data,
          GError  **error)
{
  g_autoptr(Filling) filling = g_new0 (Filling, 1);

  filling->records = wg_store_list_incidents (store, FALSE, error);
  if (filling->records == NULL)
    return NULL;
  /* The model's order, sorted here rather than on the main loop. */
  g_ptr_array_sort (filling->records, compare_reported);
  filling->units = wg_store_open_assignment_units (store, error);
  if (filling->units == NULL)
    return NULL;
  return g_steal_pointer (&filling);
}

/* Into the empty model, without announcing it; the items take the
 * records' contents rather than a copy of each. */
static void
append_all (WgIncidentModel *self,
            Filling         *filling)
{
  g_autoptr(GPtrArray) map_items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < filling->records->len; i++)
    {
      WgIncidentRecord *record = filling->records->pdata[i];
      WgMapIncident *map_item;
      WgIncidentItem *item = new_item (self, record, g_hash_table_lookup (filling->units, record->id),
                                       &map_item);

      g_ptr_array_add (self->items, item);
      g_hash_table_insert (self->index, g_strdup (wg_incident_item_get_id (item)),
                           GUINT_TO_POINTER (self->items->len));
      g_ptr_array_add (map_items, map_item);
    }
  g_list_store_splice (self->map_items, 0, 0, map_items->pdata, map_items->len);
}

static void
clear (WgIncidentModel *self)
{
  g_ptr_array_set_size (self->items, 0);
  g_hash_table_remove_all (self->index);
  g_list_store_remove_all (self->map_items);
}

/* Without a server: here, on the context's store. */
static void
fill (WgIncidentModel *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Filling) filling = read_all (wg_context_get_store (self->context), NULL, &error);

  if (filling == NULL)
    g_warning ("Could not read the incidents: %s", error->message);
  else
    append_all (self, filling);
}

/* How a refill treats each incident, in the model's order. */
typedef enum
{
  ENTRY_KEPT,
  ENTRY_CHANGED,
  ENTRY_REMOVED,
  ENTRY_INSERTED,
} Entry;

/* Past this many runs of touched rows one change covers them all: each
 * items_changed costs the board's sort model a walk over its items. */
#define MAX_REFILL_RUNS 16

static int
compare_item_record (WgIncidentItem         *item,
                     const WgIncidentRecord *record)
{
  const WgIncidentRecord *held = wg_incident_item_get_record (item);

  return compare_reported (&held, &record);
}

/* Numbers the index's rows from @from to @to. */
static void
index_rows (WgIncidentModel *self,
            guint            from,
            guint            to)
{
  for (guint i = from; i < to; i++)
    g_hash_table_replace (self->index, g_strdup (wg_incident_item_get_id (self->items->pdata[i])),
                          GUINT_TO_POINTER (i + 1));
}

typedef struct
{
  guint old_start, old_end;  /* rows of the model before the refill */
  guint new_start, new_end;  /* rows after it */
} Run;

/* @n_added items of @added in place of @n_removed at @position. */
static void
splice_items (GPtrArray *items,
              guint      position,
              guint      n_removed,
              gpointer  *added,
              guint      n_added)
{
  guint tail;

  g_ptr_array_remove_range (items, position, n_removed);
  tail = items->len - position;
  g_ptr_array_set_size (items, items->len + n_added);
  memmove (items->pdata + position + n_added, items->pdata + position, tail * sizeof (gpointer));
  for (guint k = 0; k < n_added; k++)
    items->pdata[position + k] = g_object_ref (added[k]);
}

/* The refill's rows, in the model's order (@entries: what became of
 * each; @next and @next_map: the items after it), announced. */
static void
apply_refill (WgIncidentModel *self,
              GArray          *entries,
              GPtrArray       *next,
              GPtrArray       *next_map)
{
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (Run));
  g_autoptr(GArray) map_runs = g_array_new (FALSE, FALSE, sizeof (Run));
  guint old_pos = 0, new_pos = 0;
  Run *run = NULL, *map_run = NULL;

  for (guint e = 0; e < entries->len; e++)
    {
      guint8 entry = g_array_index (entries, guint8, e);
      gboolean moved = entry == ENTRY_REMOVED || entry == ENTRY_INSERTED;
      Run start = { old_pos, old_pos, new_pos, new_pos };

      if (entry == ENTRY_KEPT)
        run = NULL;
      else if (run == NULL)
        {
          g_array_append_val (runs, start);
          run = &g_array_index (runs, Run, runs->len - 1);
        }
      if (!moved)
        map_run = NULL;
      else if (map_run == NULL)
        {
          g_array_append_val (map_runs, start);
          map_run = &g_array_index (map_runs, Run, map_runs->len - 1);
        }
      if (entry != ENTRY_INSERTED)
        old_pos++;
      if (entry != ENTRY_REMOVED)
        new_pos++;
      if (run != NULL)
        {
          run->old_end = old_pos;
          run->new_end = new_pos;
        }
      if (map_run != NULL)
        {
          map_run->old_end = old_pos;
          map_run->new_end = new_pos;
        }
    }

  /* The map's items first (the board's rows look them up), only those
   * that came or went: the changed ones were updated in place, and the
   * incident layer watches each item it is given once. */
  for (guint r = 0; r < map_runs->len; r++)
    {
      Run *each = &g_array_index (map_runs, Run, r);

      g_list_store_splice (self->map_items, each->new_start, each->old_end - each->old_start,
                           next_map->pdata + each->new_start, each->new_end - each->new_start);
    }

  if (runs->len > MAX_REFILL_RUNS)
    {
      Run all = { g_array_index (runs, Run, 0).old_start, g_array_index (runs, Run, runs->len - 1).old_end,
                  g_array_index (runs, Run, 0).new_start, g_array_index (runs, Run, runs->len - 1).new_end };

      g_array_set_size (runs, 1);
      g_array_index (runs, Run, 0) = all;
    }

  /* In order: the rows before each run already hold their new items, so
   * its position is the same before and after it. */
  for (guint r = 0; r < runs->len; r++)
    {
      Run *each = &g_array_index (runs, Run, r);
      guint n_removed = each->old_end - each->old_start;
      guint n_added = each->new_end - each->new_start;

      for (guint k = 0; k < n_removed; k++)
        {
          const char *id = wg_incident_item_get_id (self->items->pdata[each->new_start + k]);

          /* Unless an earlier run put it back elsewhere (a live append
           * out of order). */
          if (GPOINTER_TO_UINT (g_hash_table_lookup (self->index, id)) == each->new_start + k + 1)
            g_hash_table_remove (self->index, id);
        }
      splice_items (self->items, each->new_start, n_removed, next->pdata + each->new_start, n_added);
      /* The rows after it moved only when it changed their number. */
      index_rows (self, each->new_start,
                  n_removed == n_added ? each->new_end : self->items->len);
      self->n_changes++;
      g_list_model_items_changed (G_LIST_MODEL (self), each->new_start, n_removed, n_added);
    }
}

/* A refill (a replay's seek backward or a long way) into a model that
 * holds the incidents of another moment: the items that did not change
 * stay, and the board hears only the rows removed, inserted or changed,
 * as runs of consecutive rows.  Both lists are in the same order (the
 * worker sorted the records), so one walk pairs them. */
static void
refill (WgIncidentModel *self,
        Filling         *filling)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (guint8));
  g_autoptr(GPtrArray) next = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) next_map = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *records = filling->records;
  guint i = 0, j = 0;

  while (i < self->items->len || j < records->len)
    {
      WgIncidentItem *item = i < self->items->len ? self->items->pdata[i] : NULL;
      WgIncidentRecord *record = j < records->len ? records->pdata[j] : NULL;
      int cmp = item == NULL ? 1 : record == NULL ? -1 : compare_item_record (item, record);
      guint8 entry;

      if (cmp < 0)
        {
          entry = ENTRY_REMOVED;
          i++;
        }
      else if (cmp > 0)
        {
          GPtrArray *units = g_hash_table_lookup (filling->units, record->id);
          WgMapIncident *map_item;

          g_ptr_array_add (next, new_item (self, record, units, &map_item));
          g_ptr_array_add (next_map, map_item);
          entry = ENTRY_INSERTED;
          j++;
        }
      else
        {
          GPtrArray *units = g_hash_table_lookup (filling->units, record->id);
          g_autofree char *assignee = describe_assignee (self, record, units);
          WgMapIncident *map_item = g_list_model_get_item (G_LIST_MODEL (self->map_items), i);

          sync_map_item (map_item, record, self->context);
          /* Both: the units change no column but the "Mine" filter. */
          entry = wg_incident_item_set_units (item, units) | wg_incident_item_update (item, record, assignee)
                    ? ENTRY_CHANGED : ENTRY_KEPT;
          g_ptr_array_add (next, g_object_ref (item));
          g_ptr_array_add (next_map, map_item);
          i++;
          j++;
        }
      g_array_append_val (entries, entry);
    }

  apply_refill (self, entries, next, next_map);
}

/* With a server: the writer's answer holds every batch announced before
 * it, so it replaces what those batches put in meanwhile. */
static void
filled_cb (GObject      *owner,
           gpointer      answer,
           const GError *error)
{
  WgIncidentModel *self = WG_INCIDENT_MODEL (owner);
  g_autoptr(Filling) filling = answer;
  guint n_before = self->items->len;

  self->filled = TRUE;
  if (filling == NULL)
    g_warning ("Could not read the incidents: %s", error->message);
  else if (n_before > 0)
    refill (self, filling);
  else
    {
      append_all (self, filling);
      if (self->items->len > 0)
        {
          self->n_changes++;
          g_list_model_items_changed (G_LIST_MODEL (self), 0, n_before, self->items->len);
        }
    }
  g_signal_emit (self, signals[FILLED], 0);
}

/* The cache now holds another journal: its incidents replace the old
 * ones (the one time the model is emptied). */
static void
cache_reset_cb (WgIncidentModel *self)
{
  guint n_before = self->items->len;

  /* A replay refilled its state store: its worker reads it, and the
   * answer replaces the rows in one change (filled_cb). */
  if (!wg_context_reads_at_once (self->context) && wg_context_get_sync_client (self->context) == NULL)
    {
      wg_context_read_cache (self->context, read_all, NULL, NULL, (GDestroyNotify) filling_free, &self->reading,
                             filled_cb, G_OBJECT (self));
      return;
    }
  clear (self);
  /* A live cache was emptied for another journal: its snapshot comes as
   * a batch like any other.  Without a server the store is read here. */
  if (wg_context_reads_at_once (self->context))
    fill (self);
  self->n_changes++;
  g_list_model_items_changed (G_LIST_MODEL (self), 0, n_before, self->items->len);
}

WgIncidentModel *
wg_incident_model_new (WgContext *context)
{
  WgIncidentModel *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);

  self = g_object_new (WG_TYPE_INCIDENT_MODEL, NULL);
  self->context = g_object_ref (context);
  if (wg_context_reads_at_once (context))
    {
      fill (self);
      self->filled = TRUE;
    }
  else
    wg_context_read_cache (context, read_all, NULL, NULL, (GDestroyNotify) filling_free, &self->reading,
                           filled_cb, G_OBJECT (self));

  g_signal_connect_object (context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "cache-reset", G_CALLBACK (cache_reset_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}

WgIncidentItem *
wg_incident_model_lookup (WgIncidentModel *self,
                          const char      *id)
{
  gpointer value;

  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (self), NULL);

  if (id == NULL || !g_hash_table_lookup_extended (self->index, id, NULL, &value))
    return NULL;
  return self->items->pdata[GPOINTER_TO_UINT (value) - 1];
}

GListModel *
wg_incident_model_get_map_model (WgIncidentModel *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (self), NULL);
  return G_LIST_MODEL (self->map_items);
}

gboolean
wg_incident_model_is_filled (WgIncidentModel *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (self), FALSE);
  return self->filled;
}

guint
wg_incident_model_get_n_changes (WgIncidentModel *self)
{
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (self), 0);
  return self->n_changes;
}
