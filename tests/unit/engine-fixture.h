/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared by the engine's tests: a real store in a temporary directory,
 * rules filled by hand, and short ways to build commands and actors.
 */
#pragma once

#include <glib/gstdio.h>
#include <string.h>

#include "wg-decide.h"
#include "wg-error.h"
#include "wg-json.h"
#include "wg-store.h"

/* 2026-11-27 10:00 +08:00, a Friday. */
#define FIXTURE_T0 G_GINT64_CONSTANT (1795744800000)

typedef struct {
  char    *dir;
  WgStore *store;
  WgRules *rules;
  guint    serial;
} Fixture;

static char *
fixture_grid_resolver (double   lat,
                       double   lon,
                       gpointer user_data)
{
  /* West of 113.30 is grid g17, east of it g05. */
  return g_strdup (lon < 113.30 ? "g17" : "g05");
}

static inline WgRules *
fixture_rules_new (void)
{
  WgRules *rules = wg_rules_new ();
  /* route, handle, verify, close (working minutes); dispatch, arrive,
   * resolve (minutes); accept (working minutes). */
  const guint limits[WG_N_STEPS] = { 60, 960, 240, 120, 2, 10, 120, 120 };

  wg_rules_add_category (rules, "fire", WG_GRADE_EMERGENCY, NULL, limits);
  wg_rules_add_category (rules, "structure", WG_GRADE_PROFESSIONAL, "cgj", limits);
  wg_rules_add_category (rules, "fire_lane", WG_GRADE_GENERAL, NULL, limits);
  wg_rules_add_category (rules, "labour_dispute", WG_GRADE_PROFESSIONAL, "sfs", limits);
  /* Mediated in the grid first (小事不出网格). */
  wg_rules_add_category (rules, "neighbour_dispute", WG_GRADE_PROFESSIONAL, "sfs", limits);
  wg_rules_set_category_cycle (rules, "neighbour_dispute", TRUE, WG_CALL_BACK_BY_SOURCE);
  wg_rules_set_grid_resolver (rules, fixture_grid_resolver, NULL, NULL);
  wg_rules_add_area_leader (rules, "g1", "leader-area1");
  wg_rules_set_chief (rules, "chief");
  return rules;
}

static inline void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;

  f->dir = g_dir_make_tmp ("wg-engine-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (f->dir, "journal.db", NULL);
  f->store = wg_store_open (path, &error);
  g_assert_no_error (error);
  f->rules = fixture_rules_new ();
  wg_store_set_rules (f->store, f->rules);
}

static inline void
fixture_remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static inline void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_pointer (&f->store, wg_store_unref);
  g_clear_pointer (&f->rules, wg_rules_unref);
  fixture_remove_dir (f->dir);
  g_free (f->dir);
}

/* A command of @type with the body given as JSON text. */
static inline WgCommand *
fixture_command (const char *type,
                 const char *body_json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = wg_json_parse (body_json, -1, &error);
  g_autofree char *id = wg_uuid_new ();
  WgCommandType kind;

  g_assert_no_error (error);
  g_assert_true (wg_command_type_from_string (type, &kind));
  return wg_command_new (id, kind, json_node_get_object (node));
}

static inline WgCommand *
fixture_commandf (const char *type,
                  const char *format,
                  ...) G_GNUC_PRINTF (2, 3);

static inline WgCommand *
fixture_commandf (const char *type,
                  const char *format,
                  ...)
{
  g_autofree char *body = NULL;
  va_list args;

  va_start (args, format);
  body = g_strdup_vprintf (format, args);
  va_end (args);
  return fixture_command (type, body);
}

/* Runs a command that must be accepted; returns its events. */
static inline GPtrArray *
fixture_run (Fixture       *f,
             WgCommand     *command,
             const WgActor *actor,
             gint64         now)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *events = NULL;

  if (!wg_store_execute_command (f->store, command, actor, now, &events, NULL, &error))
    g_error ("%s refused: %s", wg_command_get_type_name (command), error->message);
  return events;
}

static inline void
fixture_run_ok (Fixture       *f,
                WgCommand     *command,
                const WgActor *actor,
                gint64         now)
{
  g_autoptr(GPtrArray) events = fixture_run (f, command, actor, now);
  g_autoptr(WgCommand) owned = command;
  g_assert_nonnull (events);
}

static inline const char *
fixture_event_types (GPtrArray *events,
                     GString   *out)
{
  g_string_truncate (out, 0);
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, wg_event_get_type_name (events->pdata[i]));
    }
  return out->str;
}
