/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Demo seeding (--demo): the accounts of the demo reference data and a
 * generated history, once per data directory.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-account-store.h"
#include "wg-city.h"
#include "wg-command.h"
#include "wg-engine-private.h"
#include "wg-history.h"
#include "wg-password.h"
#include "wg-reference.h"
#include "wg-store.h"

static void
add_account (GPtrArray  *accounts,
             GHashTable *seen,
             const char *username,
             const char *role,
             const char *hash,
             const char *display_name,
             const char *grid,
             const char *department,
             const char *unit)
{
  WgAccount *account;

  if (username == NULL || g_hash_table_contains (seen, username))
    return;
  account = g_new0 (WgAccount, 1);
  account->username = g_strdup (username);
  account->role = g_strdup (role);
  account->password_hash = g_strdup (hash);
  account->display_name = g_strdup (display_name);
  account->grid = g_strdup (grid);
  account->department = g_strdup (department);
  account->unit = g_strdup (unit);
  g_hash_table_add (seen, account->username);
  g_ptr_array_add (accounts, account);
}

/* The password docs/api.md prints for the demo accounts. */
#define DEMO_DEFAULT_PASSWORD "demo"

/* The demo accounts (docs/api.md, "Demo accounts"), all with one password,
 * hashed once: seeding takes one argon2id hash, not one per account.  The
 * printed default is hashed cheaply (wg_password_hash_published); a
 * password of the operator's own at the full cost. */
static gboolean
seed_demo_accounts (WgEngine    *self,
                    const char  *password,
                    GError     **error)
{
  g_autoptr(GPtrArray) accounts = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_account_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *hash = NULL;
  WgReference *ref = self->reference;
  GPtrArray *list;
  const WgPerson *chief;

  hash = g_str_equal (password, DEMO_DEFAULT_PASSWORD) ? wg_password_hash_published (password, error)
                                                       : wg_password_hash (password, error);
  if (hash == NULL)
    return FALSE;

  add_account (accounts, seen, "admin", "admin", hash, "系统管理员", NULL, NULL, NULL);
  list = wg_reference_get_duty_leaders (ref);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const WgPerson *person = g_ptr_array_index (list, i);

      add_account (accounts, seen, person->account, "duty_leader", hash, person->name_zh, NULL, NULL, NULL);
    }
  add_account (accounts, seen, "leader", "duty_leader", hash, "值班领导", NULL, NULL, NULL);
  add_account (accounts, seen, "dispatcher", "dispatcher", hash, "调度员", NULL, NULL, NULL);
  add_account (accounts, seen, "trainer", "trainer", hash, "培训员", NULL, NULL, NULL);
  add_account (accounts, seen, "wall", "wall", hash, "指挥大屏", NULL, NULL, NULL);

  /* Grid workers: their grid and their own force. */
  list = wg_reference_get_forces_by_type (ref, WG_FORCE_GRID_WORKER);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const WgForce *force = g_ptr_array_index (list, i);

      add_account (accounts, seen, force->account, "grid_worker", hash, force->name_zh,
                   force->grid != NULL ? force->grid->code : NULL, NULL, force->id);
    }

  /* Departments, with their team as their unit. */
  list = wg_reference_get_departments (ref);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const WgDepartment *dept = g_ptr_array_index (list, i);
      g_autoptr(GPtrArray) forces = wg_reference_dup_forces_for_account (ref, dept->account);

      add_account (accounts, seen, dept->account, "department", hash, dept->name_zh, NULL, dept->code,
                   forces != NULL && forces->len > 0 ? ((WgForce *) g_ptr_array_index (forces, 0))->id : NULL);
    }

  /* Every other force's account acts for its own unit only: role
   * grid_worker with no grid (the engine's "own unit" rules). */
  list = wg_reference_get_forces (ref);
  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      const WgForce *force = g_ptr_array_index (list, i);

      add_account (accounts, seen, force->account, "grid_worker", hash, force->name_zh, NULL, NULL, force->id);
    }

  /* Street leaders covering the areas and the chief: read everything
   * (escalations go to them). */
  for (guint i = 0; i < wg_reference_get_stations (ref)->len; i++)
    {
      WgStation *station = g_ptr_array_index (wg_reference_get_stations (ref), i);
      const WgPerson *person = wg_reference_get_covering_leader (ref, station);

      if (person != NULL)
        add_account (accounts, seen, person->account, "duty_leader", hash, person->name_zh, NULL, NULL, NULL);
    }
  chief = wg_reference_get_chief (ref);
  if (chief != NULL)
    add_account (accounts, seen, chief->account, "duty_leader", hash, chief->name_zh, NULL, NULL, NULL);

  return wg_account_store_add (self->accounts, accounts, error);
}

WgReference *
_wg_engine_load_reference (WgEngine    *self,
                           const char  *dir,
                           GError     **error)
{
  g_autoptr(WgReference) reference = wg_reference_load_dir (dir, error);

  if (reference == NULL || !self->config.demo || self->config.demo_streets < 2)
    return g_steal_pointer (&reference);
  return wg_city_new_reference (reference, self->config.demo_streets, WG_CITY_DEFAULT_SEED, error);
}

/* The demo's past: a generated history of the Helong street (or the city) up to the
 * anchor day (today in the centre's time zone unless given), into an empty
 * journal, with the forces' tracks.  About 3 s for a year. */
static gboolean
seed_demo_history (WgEngine  *self,
                   GError   **error)
{
  WgHistoryParams params;
  WgHistoryStats stats;
  g_autofree char *today = NULL;
  gint64 start = g_get_monotonic_time ();

  if (self->config.demo_days <= 0 || wg_store_head (self->writer_store) > 0)
    return TRUE;

  wg_history_params_init_from_reference (&params, self->reference);
  params.seed = 20261128;
  params.days = self->config.demo_days;
  params.incident_scale = self->config.demo_incident_scale;
  if (self->config.demo_anchor != NULL)
    params.anchor = self->config.demo_anchor;
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now (wg_reference_get_time_zone (self->reference));

      today = g_date_time_format (now, "%Y-%m-%d");
      params.anchor = today;
    }

  g_printerr (_("Generating %d days of demo history up to %s…\n"), self->config.demo_days,
              params.anchor);
  if (!wg_history_generate (self->writer_store, wg_server_get_track_store (self->server), self->reference,
                            &params, &stats, error))
    return FALSE;
  g_printerr (_("Demo history: %u incidents, %u events, in %.1f s\n"), stats.incidents,
              (guint) wg_store_head (self->writer_store), (g_get_monotonic_time () - start) / 1e6);
  return TRUE;
}

/* After the demo's history, the `leader` account is the duty leader on
 * duty, whoever the rotation names for the hour the demo starts: the one
 * who logs in to try the console is the one the header names.  (Without
 * history, as tests start it, the journal stays empty.)  Through the
 * writer's connection: its thread has not started yet. */
static gboolean
seed_demo_duty (WgEngine  *self,
                GError   **error)
{
  g_autofree char *on_duty = wg_store_get_duty_leader (self->writer_store, NULL);
  gint64 now_ms = g_get_real_time () / 1000;
  const WgPerson *rotation = wg_reference_get_duty_leader_at (self->reference, now_ms);
  const char *from = on_duty != NULL ? on_duty : rotation != NULL ? rotation->account : NULL;
  g_autoptr(WgActor) actor = NULL;
  g_autoptr(WgCommand) command = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autofree char *id = NULL;
  JsonObject *body;
  gboolean replayed;

  if (self->config.demo_days <= 0 || from == NULL || g_strcmp0 (from, "leader") == 0)
    return TRUE;
  body = json_object_new ();
  json_object_set_string_member (body, "to", "leader");
  id = wg_uuid_new ();
  command = wg_command_new (id, WG_CMD_ROSTER_HANDOVER, body);
  json_object_unref (body);
  actor = wg_actor_new (from, WG_ROLE_DUTY_LEADER, NULL, NULL, NULL);
  return wg_store_execute_command (self->writer_store, command, actor, now_ms, &events, &replayed, error);
}

/* Demo seeding, once per data directory: accounts, then the history. */
gboolean
_wg_engine_seed_demo (WgEngine  *self,
           GError   **error)
{
  g_autoptr(WgAccount) admin = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 start = g_get_monotonic_time ();

  admin = wg_account_store_lookup (self->accounts, "admin", &local_error);
  if (admin != NULL)
    return TRUE;   /* seeded on an earlier start */
  if (!g_error_matches (local_error, WG_ACCOUNT_STORE_ERROR, WG_ACCOUNT_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  /* The history first: the accounts mark the directory as seeded. */
  if (!seed_demo_history (self, error) || !seed_demo_duty (self, error))
    return FALSE;
  if (!seed_demo_accounts (self, self->config.demo_password != NULL ? self->config.demo_password
                                                                   : DEMO_DEFAULT_PASSWORD,
                           error))
    return FALSE;
  g_debug ("Demo accounts seeded in %" G_GINT64_FORMAT " ms", (g_get_monotonic_time () - start) / 1000);
  return TRUE;
}

char *
wg_engine_find_demo_dir (void)
{
  g_autofree char *installed = g_build_filename (PKGDATADIR, "demo", "world.json", NULL);

  if (g_file_test (installed, G_FILE_TEST_EXISTS))
    return g_build_filename (PKGDATADIR, "demo", NULL);
  return g_build_filename (SOURCE_DATADIR, "demo", NULL);
}

