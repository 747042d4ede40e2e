/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-actor"

#include "config.h"

#include "wg-actor.h"

G_DEFINE_BOXED_TYPE (WgActor, wg_actor, wg_actor_copy, wg_actor_free)

WgActor *
wg_actor_new (const char *username,
              WgRole      role,
              const char *grid,
              const char *department,
              const char *unit)
{
  WgActor *self;

  g_return_val_if_fail (username != NULL, NULL);
  g_return_val_if_fail ((guint) role < WG_N_ROLES, NULL);

  self = g_new0 (WgActor, 1);
  self->username = g_strdup (username);
  self->role = role;
  self->grid = g_strdup (grid);
  self->department = g_strdup (department);
  self->unit = g_strdup (unit);
  return self;
}

WgActor *
wg_actor_copy (const WgActor *actor)
{
  g_return_val_if_fail (actor != NULL, NULL);
  return wg_actor_new (actor->username, actor->role, actor->grid,
                       actor->department, actor->unit);
}

void
wg_actor_free (WgActor *actor)
{
  if (actor == NULL)
    return;
  g_free (actor->username);
  g_free (actor->grid);
  g_free (actor->department);
  g_free (actor->unit);
  g_free (actor);
}
