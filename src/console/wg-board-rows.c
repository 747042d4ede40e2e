/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A GtkSliceListModel of the first rows of a selection model (it announces
 * the rows' changes as the view needs them), with the selection passed
 * through: positions are the same in both, since the slice starts at 0.
 */
#define G_LOG_DOMAIN "wg-board-rows"

#include "config.h"

#include "wg-board-rows.h"

struct _WgBoardRows
{
  GObject            parent_instance;

  GtkSelectionModel *model;
  GtkSliceListModel *slice;
};

static void list_model_iface_init (GListModelInterface *iface);
static void selection_model_iface_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WgBoardRows, wg_board_rows, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, selection_model_iface_init))

static GType
get_item_type (GListModel *list)
{
  return g_list_model_get_item_type (G_LIST_MODEL (WG_BOARD_ROWS (list)->slice));
}

static guint
get_n_items (GListModel *list)
{
  return g_list_model_get_n_items (G_LIST_MODEL (WG_BOARD_ROWS (list)->slice));
}

static gpointer
get_item (GListModel *list,
          guint       position)
{
  return g_list_model_get_item (G_LIST_MODEL (WG_BOARD_ROWS (list)->slice), position);
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static gboolean
is_selected (GtkSelectionModel *model,
             guint              position)
{
  WgBoardRows *self = WG_BOARD_ROWS (model);

  return position < get_n_items (G_LIST_MODEL (self))
         && gtk_selection_model_is_selected (self->model, position);
}

static gboolean
select_item (GtkSelectionModel *model,
             guint              position,
             gboolean           unselect_rest)
{
  return gtk_selection_model_select_item (WG_BOARD_ROWS (model)->model, position, unselect_rest);
}

static gboolean
unselect_item (GtkSelectionModel *model,
               guint              position)
{
  return gtk_selection_model_unselect_item (WG_BOARD_ROWS (model)->model, position);
}

static void
selection_model_iface_init (GtkSelectionModelInterface *iface)
{
  iface->is_selected = is_selected;
  iface->select_item = select_item;
  iface->unselect_item = unselect_item;
}

static void
slice_items_changed_cb (WgBoardRows *self,
                        guint        position,
                        guint        removed,
                        guint        added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
}

/* Only what falls within the rows shown. */
static void
selection_changed_cb (WgBoardRows *self,
                      guint        position,
                      guint        n_items)
{
  guint n = get_n_items (G_LIST_MODEL (self));

  if (position < n)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position, MIN (n_items, n - position));
}

static void
wg_board_rows_dispose (GObject *object)
{
  WgBoardRows *self = WG_BOARD_ROWS (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  if (self->slice != NULL)
    g_signal_handlers_disconnect_by_data (self->slice, self);
  g_clear_object (&self->slice);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (wg_board_rows_parent_class)->dispose (object);
}

static void
wg_board_rows_class_init (WgBoardRowsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = wg_board_rows_dispose;
}

static void
wg_board_rows_init (WgBoardRows *self)
{
}

WgBoardRows *
wg_board_rows_new (GtkSelectionModel *model,
                   guint              size)
{
  WgBoardRows *self;

  g_return_val_if_fail (GTK_IS_SELECTION_MODEL (model), NULL);

  self = g_object_new (WG_TYPE_BOARD_ROWS, NULL);
  self->model = g_object_ref (model);
  self->slice = gtk_slice_list_model_new (G_LIST_MODEL (g_object_ref (model)), 0, size);
  g_signal_connect_swapped (self->slice, "items-changed", G_CALLBACK (slice_items_changed_cb), self);
  g_signal_connect_swapped (model, "selection-changed", G_CALLBACK (selection_changed_cb), self);
  return self;
}

guint
wg_board_rows_get_size (WgBoardRows *self)
{
  g_return_val_if_fail (WG_IS_BOARD_ROWS (self), 0);
  return gtk_slice_list_model_get_size (self->slice);
}

void
wg_board_rows_grow_to (WgBoardRows *self,
                       guint        size)
{
  g_return_if_fail (WG_IS_BOARD_ROWS (self));

  if (size > gtk_slice_list_model_get_size (self->slice))
    gtk_slice_list_model_set_size (self->slice, size);
}
