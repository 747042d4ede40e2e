/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Who sends a command: a username, a role and its scope.  The scope fields
 * are NULL when they do not apply: grid (a grid worker's own grid),
 * department (a department account's department code), unit (the unit
 * whose own account this is; any role may carry it).
 */
#pragma once

#include <glib-object.h>

#include "wg-vocab.h"

G_BEGIN_DECLS

typedef struct _WgActor WgActor;

struct _WgActor
{
  char   *username;
  WgRole  role;
  char   *grid;
  char   *department;
  char   *unit;
};

#define WG_TYPE_ACTOR (wg_actor_get_type ())

GType    wg_actor_get_type (void) G_GNUC_CONST;
WgActor *wg_actor_new      (const char    *username,
                            WgRole         role,
                            const char    *grid,
                            const char    *department,
                            const char    *unit);
WgActor *wg_actor_copy     (const WgActor *actor);
void     wg_actor_free     (WgActor       *actor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgActor, wg_actor_free)

G_END_DECLS
