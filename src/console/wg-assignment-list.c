/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-assignment-list"

#include "config.h"

#include "wg-assignment-list.h"

struct _WgAssignmentList
{
  GObject    parent_instance;

  WgContext *context;
  char      *incident;
  GPtrArray *records;  /* WgAssignmentRecord* */
  GCancellable *reading;
};

G_DEFINE_FINAL_TYPE (WgAssignmentList, wg_assignment_list, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show (WgAssignmentList *self,
      GPtrArray        *records)
{
  g_clear_pointer (&self->records, g_ptr_array_unref);
  self->records = records != NULL ? records : wg_assignment_record_array_new ();
  g_signal_emit (self, signals[CHANGED], 0);
}

static gpointer
read_assignments (WgStore  *store,
                  gpointer  incident,
                  GError  **error)
{
  return wg_store_list_assignments (store, incident, error);
}

static void
assignments_read (GObject      *owner,
                  gpointer      answer,
                  const GError *error)
{
  WgAssignmentList *self = WG_ASSIGNMENT_LIST (owner);

  if (answer == NULL)
    g_warning ("Could not read the assignments of %s: %s", self->incident, error->message);
  show (self, answer);
}

static void
reload (WgAssignmentList *self)
{
  wg_context_cancel_read (&self->reading);
  if (self->incident == NULL)
    {
      show (self, NULL);
      return;
    }
  wg_context_read_cache (self->context, read_assignments, g_strdup (self->incident), g_free,
                         (GDestroyNotify) g_ptr_array_unref, &self->reading, assignments_read, G_OBJECT (self));
}

static void
events_applied_cb (WgAssignmentList *self,
                   GPtrArray        *events)
{
  for (guint i = 0; self->incident != NULL && i < events->len; i++)
    if (g_strcmp0 (((WgEvent *) events->pdata[i])->incident, self->incident) == 0)
      {
        reload (self);
        return;
      }
}

static void
wg_assignment_list_dispose (GObject *object)
{
  WgAssignmentList *self = WG_ASSIGNMENT_LIST (object);

  wg_context_cancel_read (&self->reading);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (wg_assignment_list_parent_class)->dispose (object);
}

static void
wg_assignment_list_finalize (GObject *object)
{
  WgAssignmentList *self = WG_ASSIGNMENT_LIST (object);

  g_clear_pointer (&self->incident, g_free);
  g_clear_pointer (&self->records, g_ptr_array_unref);
  G_OBJECT_CLASS (wg_assignment_list_parent_class)->finalize (object);
}

static void
wg_assignment_list_class_init (WgAssignmentListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_assignment_list_dispose;
  object_class->finalize = wg_assignment_list_finalize;

  /**
   * WgAssignmentList::changed:
   *
   * The records were read again (off the main loop, with a server).
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                   NULL, G_TYPE_NONE, 0);
}

static void
wg_assignment_list_init (WgAssignmentList *self)
{
  self->records = wg_assignment_record_array_new ();
}

WgAssignmentList *
wg_assignment_list_new (WgContext *context)
{
  WgAssignmentList *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);

  self = g_object_new (WG_TYPE_ASSIGNMENT_LIST, NULL);
  self->context = g_object_ref (context);
  /* Not after: the views that show the batch read the new records. */
  g_signal_connect_object (context, "events-applied", G_CALLBACK (events_applied_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "cache-reset", G_CALLBACK (reload), self, G_CONNECT_SWAPPED);
  return self;
}

void
wg_assignment_list_set_incident (WgAssignmentList *self,
                                 const char       *incident)
{
  g_return_if_fail (WG_IS_ASSIGNMENT_LIST (self));

  if (g_strcmp0 (incident, self->incident) == 0)
    return;
  g_free (self->incident);
  self->incident = g_strdup (incident);
  reload (self);
}

GPtrArray *
wg_assignment_list_get_records (WgAssignmentList *self)
{
  g_return_val_if_fail (WG_IS_ASSIGNMENT_LIST (self), NULL);
  return self->records;
}
