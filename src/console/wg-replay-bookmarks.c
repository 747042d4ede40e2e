/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-replay-bookmarks"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wg-error.h"
#include "wg-replay-bar.h"
#include "wg-replay-bookmarks.h"

#define LIST_LIMIT 5000

struct _WgReplayBookmarks
{
  GObject       parent_instance;

  WgReplay     *replay;
  GPtrArray    *bookmarks;   /* WgReplayBookmark*, by moment */
  GPtrArray    *adding;      /* Adding*: asked of the worker, not answered yet */
  GCancellable *cancellable;
  GTask        *export_task;  /* an export whose case numbers are being read */
  GCancellable *exporting;    /* that read */
};

G_DEFINE_FINAL_TYPE (WgReplayBookmarks, wg_replay_bookmarks, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

void
wg_replay_bookmark_free (WgReplayBookmark *bookmark)
{
  if (bookmark == NULL)
    return;
  g_free (bookmark->id);
  g_free (bookmark->incident);
  g_free (bookmark->remark);
  g_free (bookmark->author);
  g_free (bookmark);
}

static int
compare_moment (gconstpointer a,
                gconstpointer b)
{
  const WgReplayBookmark *ba = *(WgReplayBookmark * const *) a;
  const WgReplayBookmark *bb = *(WgReplayBookmark * const *) b;

  return ba->moment < bb->moment ? -1 : ba->moment > bb->moment;
}

static void
insert (WgReplayBookmarks *self,
        WgReplayBookmark  *bookmark)
{
  for (guint i = 0; i < self->bookmarks->len; i++)
    if (g_strcmp0 (((WgReplayBookmark *) self->bookmarks->pdata[i])->id, bookmark->id) == 0)
      {
        wg_replay_bookmark_free (bookmark);
        return;
      }
  g_ptr_array_add (self->bookmarks, bookmark);
  g_ptr_array_sort (self->bookmarks, compare_moment);
}

/* A bookmark as the API answers it, or NULL when it is not one. */
static WgReplayBookmark *
bookmark_from_json (JsonNode *node)
{
  JsonObject *object = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  WgReplayBookmark *bookmark;

  if (object == NULL || !json_object_has_member (object, "id") || !json_object_has_member (object, "moment"))
    return NULL;
  bookmark = g_new0 (WgReplayBookmark, 1);
  bookmark->id = g_strdup (json_object_get_string_member (object, "id"));
  bookmark->moment = json_object_get_int_member (object, "moment");
  bookmark->incident = g_strdup (json_object_get_string_member_with_default (object, "incident", NULL));
  bookmark->remark = g_strdup (json_object_get_string_member_with_default (object, "remark", ""));
  bookmark->author = g_strdup (json_object_get_string_member_with_default (object, "author", ""));
  return bookmark;
}

static WgApiClient *
api_of (WgReplayBookmarks *self)
{
  WgSyncClient *sync = wg_context_get_sync_client (wg_replay_get_live_context (self->replay));

  return sync != NULL ? wg_sync_client_get_api (sync) : NULL;
}

static void
list_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(WgReplayBookmarks) self = user_data;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node) ||
      (array = json_object_get_array_member (json_node_get_object (node), "bookmarks")) == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_message ("No bookmarks: %s", error != NULL ? error->message : problem != NULL ? problem->title : "?");
      return;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      WgReplayBookmark *bookmark = bookmark_from_json (json_array_get_element (array, i));

      if (bookmark != NULL)
        insert (self, bookmark);
    }
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
fetch (WgReplayBookmarks *self)
{
  WgApiClient *api = api_of (self);
  g_autofree char *path = NULL;
  gint64 from, to;

  if (api == NULL)
    return;
  wg_replay_get_window (self->replay, &from, &to);
  path = g_strdup_printf ("/api/v1/bookmarks?from=%" G_GINT64_FORMAT "&to=%" G_GINT64_FORMAT "&limit=%d",
                          from, to + 1, LIST_LIMIT);
  wg_api_client_request_async (api, "GET", path, NULL, self->cancellable, list_cb, g_object_ref (self));
}

static void
wg_replay_bookmarks_dispose (GObject *object)
{
  WgReplayBookmarks *self = WG_REPLAY_BOOKMARKS (object);

  g_cancellable_cancel (self->cancellable);
  wg_context_cancel_read (&self->exporting);
  if (self->export_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->export_task);

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the replay is closed");
    }
  g_clear_object (&self->replay);

  G_OBJECT_CLASS (wg_replay_bookmarks_parent_class)->dispose (object);
}

static void
wg_replay_bookmarks_finalize (GObject *object)
{
  WgReplayBookmarks *self = WG_REPLAY_BOOKMARKS (object);

  g_clear_pointer (&self->bookmarks, g_ptr_array_unref);
  /* Reads that were never answered (cancelled: the replay closed). */
  g_clear_pointer (&self->adding, g_ptr_array_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (wg_replay_bookmarks_parent_class)->finalize (object);
}

static void
wg_replay_bookmarks_class_init (WgReplayBookmarksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wg_replay_bookmarks_dispose;
  object_class->finalize = wg_replay_bookmarks_finalize;

  /**
   * WgReplayBookmarks::changed:
   *
   * Bookmarks came from the server or were added.
   */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void adding_free (gpointer data);

static void
wg_replay_bookmarks_init (WgReplayBookmarks *self)
{
  self->bookmarks = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_replay_bookmark_free);
  self->adding = g_ptr_array_new_with_free_func (adding_free);
  self->cancellable = g_cancellable_new ();
}

WgReplayBookmarks *
wg_replay_bookmarks_new (WgReplay *replay)
{
  WgReplayBookmarks *self;

  g_return_val_if_fail (WG_IS_REPLAY (replay), NULL);

  self = g_object_new (WG_TYPE_REPLAY_BOOKMARKS, NULL);
  self->replay = g_object_ref (replay);
  fetch (self);
  return self;
}

GPtrArray *
wg_replay_bookmarks_get (WgReplayBookmarks *self)
{
  g_return_val_if_fail (WG_IS_REPLAY_BOOKMARKS (self), NULL);
  return self->bookmarks;
}

static void
add_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WgReplayBookmarks *self = g_task_get_source_object (task);
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = wg_api_client_request_finish (WG_API_CLIENT (source), result, &problem, &error);
  WgReplayBookmark *bookmark = bookmark_from_json (node);

  if (bookmark == NULL)
    {
      if (error == NULL)
        error = g_error_new (WG_ERROR, WG_ERROR_FORBIDDEN, _("The bookmark was not saved: %s"),
                             problem != NULL && problem->title != NULL ? problem->title : "?");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  insert (self, bookmark);
  g_signal_emit (self, signals[CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

/* A bookmark on its way: the moment and the incident when it was asked. */
typedef struct
{
  GTask   *task;
  char    *remark;
  char    *incident;
  gint64   moment;
} Adding;

static void
adding_free (gpointer data)
{
  Adding *adding = data;

  g_clear_object (&adding->task);
  g_free (adding->remark);
  g_free (adding->incident);
  g_free (adding);
}

/* An incident not reported yet at the moment shown is not this moment's:
 * asked of the state (on the replay's worker), the answer is @adding
 * itself.  The read owns nothing (a read's data is freed on the worker once
 * read, before its answer reaches the main loop): self->adding holds it
 * until the answer comes, or until the end when it never does. */
static gpointer
read_incident_shown (WgStore  *store,
                     gpointer  data,
                     GError  **error)
{
  Adding *adding = data;
  g_auto(WgIncidentRecord) record = { 0 };

  if (adding->incident != NULL && !wg_store_get_incident (store, adding->incident, &record, NULL))
    g_clear_pointer (&adding->incident, g_free);
  return adding;
}

static void
incident_read (GObject      *owner,
               gpointer      answer,
               const GError *error)
{
  WgReplayBookmarks *self = WG_REPLAY_BOOKMARKS (owner);
  Adding *adding = answer;
  g_autoptr(GTask) task = NULL;
  WgApiClient *api = api_of (self);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  GCancellable *cancellable;
  guint index;

  if (!g_ptr_array_find (self->adding, adding, &index))
    g_return_if_reached ();
  g_ptr_array_steal_index (self->adding, index);
  task = g_steal_pointer (&adding->task);

  if (api == NULL)
    {
      /* Without a server they stay with this replay. */
      const WgActor *actor = wg_context_get_actor (wg_replay_get_context (self->replay));
      WgReplayBookmark *bookmark = g_new0 (WgReplayBookmark, 1);

      bookmark->id = g_uuid_string_random ();
      bookmark->moment = adding->moment;
      bookmark->incident = g_steal_pointer (&adding->incident);
      bookmark->remark = g_steal_pointer (&adding->remark);
      bookmark->author = g_strdup (actor != NULL ? actor->username : "");
      adding_free (adding);
      insert (self, bookmark);
      g_signal_emit (self, signals[CHANGED], 0);
      g_task_return_boolean (task, TRUE);
      return;
    }
  json_object_set_int_member (body, "moment", adding->moment);
  json_object_set_string_member (body, "remark", adding->remark);
  if (adding->incident != NULL)
    json_object_set_string_member (body, "incident", adding->incident);
  adding_free (adding);
  node = json_node_init_object (json_node_alloc (), body);
  cancellable = g_task_get_cancellable (task);
  wg_api_client_request_async (api, "POST", "/api/v1/bookmarks", node, cancellable, add_cb, g_steal_pointer (&task));
}

void
wg_replay_bookmarks_add_async (WgReplayBookmarks   *self,
                               const char          *remark,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  WgContext *context;
  Adding *adding;

  g_return_if_fail (WG_IS_REPLAY_BOOKMARKS (self));
  g_return_if_fail (remark != NULL);

  context = wg_replay_get_context (self->replay);
  adding = g_new0 (Adding, 1);
  adding->task = g_task_new (self, cancellable, callback, user_data);
  adding->remark = g_strdup (remark);
  adding->incident = g_strdup (wg_view_model_get_selected_incident (wg_context_get_view_model (context)));
  adding->moment = wg_replay_get_time (self->replay);
  g_ptr_array_add (self->adding, adding);
  wg_context_read_cache (context, read_incident_shown, adding, NULL, NULL, NULL,
                         incident_read, G_OBJECT (self));
}

gboolean
wg_replay_bookmarks_add_finish (WgReplayBookmarks  *self,
                                GAsyncResult       *result,
                                GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* One CSV field: quoted when it holds a comma, a quote or a line break
 * (RFC 4180), quotes doubled. */
static void
append_field (GString    *csv,
              const char *text,
              gboolean    last)
{
  text = text != NULL ? text : "";
  if (strpbrk (text, ",\"\r\n") != NULL)
    {
      g_string_append_c (csv, '"');
      for (const char *p = text; *p != '\0'; p++)
        {
          if (*p == '"')
            g_string_append_c (csv, '"');
          g_string_append_c (csv, *p);
        }
      g_string_append_c (csv, '"');
    }
  else
    g_string_append (csv, text);
  g_string_append (csv, last ? "\r\n" : ",");
}

gpointer
wg_replay_bookmarks_read_case_numbers (WgStore  *store,
                                       gpointer  ids,
                                       GError  **error)
{
  GHashTable *numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (char **id = ids; *id != NULL; id++)
    {
      g_auto(WgIncidentRecord) record = { 0 };

      if (wg_store_get_incident (store, *id, &record, NULL) && record.case_number != NULL)
        g_hash_table_replace (numbers, g_strdup (*id), g_strdup (record.case_number));
    }
  return numbers;
}

char **
wg_replay_bookmarks_dup_incidents (WgReplayBookmarks *self)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();

  g_return_val_if_fail (WG_IS_REPLAY_BOOKMARKS (self), NULL);

  for (guint i = 0; i < self->bookmarks->len; i++)
    {
      WgReplayBookmark *bookmark = self->bookmarks->pdata[i];

      if (bookmark->incident != NULL)
        g_strv_builder_add (ids, bookmark->incident);
    }
  return g_strv_builder_end (ids);
}

/* @numbers: incident -> case number. */
static char *
to_csv (WgReplayBookmarks *self,
        GHashTable        *numbers)
{
  GString *csv;

  /* The BOM tells spreadsheets the file is UTF-8 (Chinese remarks). */
  csv = g_string_new ("\xEF\xBB\xBF");
  append_field (csv, _("Moment"), FALSE);
  append_field (csv, _("Case Number"), FALSE);
  append_field (csv, _("Remark"), FALSE);
  append_field (csv, _("Author"), FALSE);
  append_field (csv, _("Incident"), TRUE);
  for (guint i = 0; i < self->bookmarks->len; i++)
    {
      WgReplayBookmark *bookmark = self->bookmarks->pdata[i];
      g_autofree char *moment = wg_replay_format_moment (self->replay, bookmark->moment);

      append_field (csv, moment, FALSE);
      append_field (csv, bookmark->incident != NULL ? g_hash_table_lookup (numbers, bookmark->incident) : NULL,
                    FALSE);
      append_field (csv, bookmark->remark, FALSE);
      append_field (csv, bookmark->author, FALSE);
      append_field (csv, bookmark->incident, TRUE);
    }
  return g_string_free (csv, FALSE);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* The case numbers read: the text is made here (the moments in the
 * centre's time), and written on GIO's thread. */
static void
export_numbers_read (GObject      *owner,
                     gpointer      answer,
                     const GError *error)
{
  WgReplayBookmarks *self = WG_REPLAY_BOOKMARKS (owner);
  g_autoptr(GHashTable) numbers = answer;
  g_autoptr(GTask) task = g_steal_pointer (&self->export_task);
  g_autoptr(GBytes) bytes = NULL;
  char *csv;

  if (task == NULL)
    return;
  if (numbers == NULL)
    {
      g_task_return_error (task, error != NULL ? g_error_copy (error)
                                               : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                                      "the replay is closed"));
      return;
    }
  csv = to_csv (self, numbers);
  bytes = g_bytes_new_take (csv, strlen (csv));
  g_file_replace_contents_bytes_async (g_task_get_task_data (task), bytes, NULL, FALSE, G_FILE_CREATE_NONE,
                                       g_task_get_cancellable (task), written_cb, g_object_ref (task));
}

void
wg_replay_bookmarks_export_async (WgReplayBookmarks   *self,
                                  GFile               *file,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WG_IS_REPLAY_BOOKMARKS (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_replay_bookmarks_export_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  if (self->export_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "%s",
                               _("The bookmarks are already being exported."));
      return;
    }
  self->export_task = g_steal_pointer (&task);
  /* The live cache is the replay's journal store: its worker reads it. */
  wg_context_read_journal (wg_replay_get_context (self->replay), wg_replay_bookmarks_read_case_numbers,
                           wg_replay_bookmarks_dup_incidents (self), (GDestroyNotify) g_strfreev,
                           (GDestroyNotify) g_hash_table_unref, &self->exporting, export_numbers_read,
                           G_OBJECT (self));
}

gboolean
wg_replay_bookmarks_export_finish (WgReplayBookmarks  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
