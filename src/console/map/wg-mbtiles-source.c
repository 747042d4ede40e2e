/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An offline base map from an MBTiles file.  Tiles are read on a worker
 * thread (SQLite may hit the disk) and announced on the main thread with
 * "received-data", which is what ShumateRasterRenderer actually draws from.
 */
#define G_LOG_DOMAIN "wg-mbtiles-source"

#include "config.h"

#include "wg-mbtiles.h"
#include "wg-mbtiles-source.h"

struct _WgMbtilesSource
{
  ShumateDataSource  parent_instance;
  WgMbtiles         *mbtiles;   /* thread-safe; shared with workers via a ref on self */
  char              *path;
  guint              n_served;
  guint              n_missing;
};

G_DEFINE_FINAL_TYPE (WgMbtilesSource, wg_mbtiles_source, SHUMATE_TYPE_DATA_SOURCE)

typedef struct
{
  int x, y, z;
} TileRequest;

static void
read_tile_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  WgMbtilesSource *self = source_object;
  TileRequest *req = task_data;
  GError *error = NULL;
  GBytes *bytes;

  if (g_task_return_error_if_cancelled (task))
    return;

  bytes = wg_mbtiles_get_tile (self->mbtiles, req->z, req->x, req->y, NULL, &error);
  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
read_tile_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  WgMbtilesSource *self = WG_MBTILES_SOURCE (object);
  g_autoptr(GTask) outer = user_data;
  TileRequest *req = g_task_get_task_data (G_TASK (result));
  g_autoptr(GBytes) bytes = NULL;
  GError *error = NULL;

  bytes = g_task_propagate_pointer (G_TASK (result), &error);
  if (bytes == NULL)
    {
      if (g_error_matches (error, WG_MBTILES_ERROR, WG_MBTILES_ERROR_NOT_FOUND))
        self->n_missing++;
      g_task_return_error (outer, error);
      return;
    }

  self->n_served++;
  g_signal_emit_by_name (self, "received-data", req->x, req->y, req->z, bytes);
  g_task_return_pointer (outer, g_steal_pointer (&bytes), (GDestroyNotify) g_bytes_unref);
}

static void
wg_mbtiles_source_get_tile_data_async (ShumateDataSource   *source,
                                       int                  x,
                                       int                  y,
                                       int                  zoom_level,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  WgMbtilesSource *self = WG_MBTILES_SOURCE (source);
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GTask) inner = NULL;
  TileRequest *req;

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, wg_mbtiles_source_get_tile_data_async);

  req = g_new (TileRequest, 1);
  req->x = x;
  req->y = y;
  req->z = zoom_level;

  /* The inner task's callback runs on the caller's (main) context, where
   * the signal must be emitted. */
  inner = g_task_new (self, cancellable, read_tile_done_cb, g_steal_pointer (&outer));
  g_task_set_task_data (inner, req, g_free);
  g_task_run_in_thread (inner, read_tile_thread);
}

static GBytes *
wg_mbtiles_source_get_tile_data_finish (ShumateDataSource  *source,
                                        GAsyncResult       *result,
                                        GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
wg_mbtiles_source_finalize (GObject *object)
{
  WgMbtilesSource *self = WG_MBTILES_SOURCE (object);

  g_clear_pointer (&self->mbtiles, wg_mbtiles_close);
  g_free (self->path);
  G_OBJECT_CLASS (wg_mbtiles_source_parent_class)->finalize (object);
}

static void
wg_mbtiles_source_class_init (WgMbtilesSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShumateDataSourceClass *source_class = SHUMATE_DATA_SOURCE_CLASS (klass);

  object_class->finalize = wg_mbtiles_source_finalize;
  source_class->get_tile_data_async = wg_mbtiles_source_get_tile_data_async;
  source_class->get_tile_data_finish = wg_mbtiles_source_get_tile_data_finish;
}

static void
wg_mbtiles_source_init (WgMbtilesSource *self)
{
}

WgMbtilesSource *
wg_mbtiles_source_new (const char  *path,
                       GError     **error)
{
  g_autoptr(WgMbtilesSource) self = NULL;
  WgMbtiles *mbtiles;

  g_return_val_if_fail (path != NULL, NULL);

  mbtiles = wg_mbtiles_open (path, error);
  if (mbtiles == NULL)
    return NULL;

  self = g_object_new (WG_TYPE_MBTILES_SOURCE, NULL);
  self->mbtiles = mbtiles;
  self->path = g_strdup (path);
  return g_steal_pointer (&self);
}

const char *
wg_mbtiles_source_get_path (WgMbtilesSource *self)
{
  g_return_val_if_fail (WG_IS_MBTILES_SOURCE (self), NULL);
  return self->path;
}

int
wg_mbtiles_source_get_min_zoom (WgMbtilesSource *self)
{
  g_return_val_if_fail (WG_IS_MBTILES_SOURCE (self), 0);
  return wg_mbtiles_get_min_zoom (self->mbtiles);
}

int
wg_mbtiles_source_get_max_zoom (WgMbtilesSource *self)
{
  g_return_val_if_fail (WG_IS_MBTILES_SOURCE (self), 0);
  return wg_mbtiles_get_max_zoom (self->mbtiles);
}

gboolean
wg_mbtiles_source_get_bounds (WgMbtilesSource *self,
                              double          *west,
                              double          *south,
                              double          *east,
                              double          *north)
{
  g_return_val_if_fail (WG_IS_MBTILES_SOURCE (self), FALSE);
  return wg_mbtiles_get_bounds (self->mbtiles, west, south, east, north);
}

char *
wg_mbtiles_source_dup_attribution (WgMbtilesSource *self)
{
  g_return_val_if_fail (WG_IS_MBTILES_SOURCE (self), NULL);
  return wg_mbtiles_dup_metadata (self->mbtiles, "attribution");
}

guint
wg_mbtiles_source_get_n_served (WgMbtilesSource *self)
{
  g_return_val_if_fail (WG_IS_MBTILES_SOURCE (self), 0);
  return self->n_served;
}

guint
wg_mbtiles_source_get_n_missing (WgMbtilesSource *self)
{
  g_return_val_if_fail (WG_IS_MBTILES_SOURCE (self), 0);
  return self->n_missing;
}
