/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-board-row"

#include "config.h"

#include "wg-board-row.h"

struct _WgBoardRow
{
  GObject  parent_instance;

  GObject *item;
};

G_DEFINE_FINAL_TYPE (WgBoardRow, wg_board_row, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ITEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
wg_board_row_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  WgBoardRow *self = WG_BOARD_ROW (object);

  switch (prop_id)
    {
    case PROP_ITEM:
      g_value_set_object (value, self->item);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wg_board_row_dispose (GObject *object)
{
  g_clear_object (&WG_BOARD_ROW (object)->item);
  G_OBJECT_CLASS (wg_board_row_parent_class)->dispose (object);
}

static void
wg_board_row_class_init (WgBoardRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = wg_board_row_get_property;
  object_class->dispose = wg_board_row_dispose;

  properties[PROP_ITEM] = g_param_spec_object ("item", NULL, NULL, G_TYPE_OBJECT,
                                               G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wg_board_row_init (WgBoardRow *self)
{
}

WgBoardRow *
wg_board_row_new (GObject *item)
{
  WgBoardRow *self;

  g_return_val_if_fail (G_IS_OBJECT (item), NULL);

  self = g_object_new (WG_TYPE_BOARD_ROW, NULL);
  self->item = g_object_ref (item);
  return self;
}

GObject *
wg_board_row_get_item (WgBoardRow *self)
{
  g_return_val_if_fail (WG_IS_BOARD_ROW (self), NULL);
  return self->item;
}

void
wg_board_row_set_item (WgBoardRow *self,
                       GObject    *item)
{
  g_return_if_fail (WG_IS_BOARD_ROW (self));
  g_return_if_fail (G_IS_OBJECT (item));

  if (g_set_object (&self->item, item))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ITEM]);
}
