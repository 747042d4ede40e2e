/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first rows of a selection model as WgBoardRow places, with the
 * selection passed through: positions are the same in both.  A change of
 * the model changes which item the places from its position on show; only
 * places added or dropped at the end are announced to the view.
 */
#define G_LOG_DOMAIN "wg-board-rows"

#include "config.h"

#include "wg-board-row.h"
#include "wg-board-rows.h"

struct _WgBoardRows
{
  GObject            parent_instance;

  GtkSelectionModel *model;
  GPtrArray         *rows;   /* WgBoardRow*: the model's first rows */
  guint              size;   /* how many at most */
};

static void list_model_iface_init (GListModelInterface *iface);
static void selection_model_iface_init (GtkSelectionModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WgBoardRows, wg_board_rows, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init)
                               G_IMPLEMENT_INTERFACE (GTK_TYPE_SELECTION_MODEL, selection_model_iface_init))

static GType
get_item_type (GListModel *list)
{
  return WG_TYPE_BOARD_ROW;
}

static guint
get_n_items (GListModel *list)
{
  return WG_BOARD_ROWS (list)->rows->len;
}

static gpointer
get_item (GListModel *list,
          guint       position)
{
  WgBoardRows *self = WG_BOARD_ROWS (list);

  return position < self->rows->len ? g_object_ref (self->rows->pdata[position]) : NULL;
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

  return position < self->rows->len && gtk_selection_model_is_selected (self->model, position);
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

/* The places from @from on show the model's items there again; places
 * are added or dropped at the end to hold min (size, model's items). */
static void
update (WgBoardRows *self,
        guint        from)
{
  GListModel *model = G_LIST_MODEL (self->model);
  guint n_before = self->rows->len;
  guint n_after = MIN (self->size, g_list_model_get_n_items (model));

  for (guint i = from; i < MIN (n_before, n_after); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (model, i);

      wg_board_row_set_item (self->rows->pdata[i], item);
    }
  /* The view asks again whether those places are selected (the selected
   * incident may have moved among them). */
  if (from < MIN (n_before, n_after))
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), from, MIN (n_before, n_after) - from);
  if (n_after > n_before)
    {
      for (guint i = n_before; i < n_after; i++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (model, i);

          g_ptr_array_add (self->rows, wg_board_row_new (item));
        }
      g_list_model_items_changed (G_LIST_MODEL (self), n_before, 0, n_after - n_before);
    }
  else if (n_after < n_before)
    {
      g_ptr_array_set_size (self->rows, n_after);
      g_list_model_items_changed (G_LIST_MODEL (self), n_after, n_before - n_after, 0);
    }
}

static void
model_items_changed_cb (WgBoardRows *self,
                        guint        position,
                        guint        removed,
                        guint        added)
{
  if (position < self->size)
    update (self, position);
}

/* Only what falls within the rows shown. */
static void
selection_changed_cb (WgBoardRows *self,
                      guint        position,
                      guint        n_items)
{
  guint n = self->rows->len;

  if (position < n)
    gtk_selection_model_selection_changed (GTK_SELECTION_MODEL (self), position, MIN (n_items, n - position));
}

static void
wg_board_rows_dispose (GObject *object)
{
  WgBoardRows *self = WG_BOARD_ROWS (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_data (self->model, self);
  g_clear_object (&self->model);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
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
  self->rows = g_ptr_array_new_with_free_func (g_object_unref);
}

WgBoardRows *
wg_board_rows_new (GtkSelectionModel *model,
                   guint              size)
{
  WgBoardRows *self;

  g_return_val_if_fail (GTK_IS_SELECTION_MODEL (model), NULL);

  self = g_object_new (WG_TYPE_BOARD_ROWS, NULL);
  self->model = g_object_ref (model);
  self->size = size;
  update (self, 0);
  g_signal_connect_swapped (model, "items-changed", G_CALLBACK (model_items_changed_cb), self);
  g_signal_connect_swapped (model, "selection-changed", G_CALLBACK (selection_changed_cb), self);
  return self;
}

guint
wg_board_rows_get_size (WgBoardRows *self)
{
  g_return_val_if_fail (WG_IS_BOARD_ROWS (self), 0);
  return self->size;
}

void
wg_board_rows_grow_to (WgBoardRows *self,
                       guint        size)
{
  g_return_if_fail (WG_IS_BOARD_ROWS (self));

  if (size > self->size)
    {
      self->size = size;
      update (self, self->rows->len);
    }
}
