/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-store-reference"

#include "config.h"

#include "wg-reference-rules.h"
#include "wg-store-reference.h"

/* Every force of @reference registered as a unit that can be dispatched,
 * in one transaction; units keep their status when registered again. */
gboolean
wg_store_register_forces (WgStore      *store,
                          WgReference  *reference,
                          GError      **error)
{
  GPtrArray *forces;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (WG_IS_REFERENCE (reference), FALSE);

  if (!wg_store_begin (store, error))
    return FALSE;

  forces = wg_reference_get_forces (reference);
  for (guint i = 0; i < forces->len; i++)
    {
      const WgForce *force = g_ptr_array_index (forces, i);

      if (!wg_store_register_unit (store, force->id, wg_force_type_to_slug (force->type),
                                   force->name_zh, force->grid != NULL ? force->grid->code : NULL,
                                   force->account, error))
        {
          wg_store_rollback (store);
          return FALSE;
        }
    }
  return wg_store_commit (store, error);
}

/* @store decides by @reference's rules (categories, calendar, grids,
 * escalation chain); nothing is written. */
gboolean
wg_store_adopt_rules (WgStore      *store,
                      WgReference  *reference,
                      GError      **error)
{
  g_autoptr(WgRules) rules = NULL;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (WG_IS_REFERENCE (reference), FALSE);

  rules = wg_reference_build_rules (reference, error);
  if (rules == NULL)
    return FALSE;
  wg_store_set_rules (store, rules);
  return TRUE;
}

/**
 * wg_store_adopt_reference:
 *
 * Makes @store decide by @reference: its rules, and every force registered
 * as a unit that can be dispatched, in one transaction.  Units keep their
 * status when they are registered again.
 */
gboolean
wg_store_adopt_reference (WgStore      *store,
                          WgReference  *reference,
                          GError      **error)
{
  g_autoptr(WgRules) rules = NULL;

  g_return_val_if_fail (store != NULL, FALSE);
  g_return_val_if_fail (WG_IS_REFERENCE (reference), FALSE);

  /* Built before anything is written: a reference they refuse leaves the
   * store as it was. */
  rules = wg_reference_build_rules (reference, error);
  if (rules == NULL || !wg_store_register_forces (store, reference, error))
    return FALSE;
  wg_store_set_rules (store, rules);
  return TRUE;
}
