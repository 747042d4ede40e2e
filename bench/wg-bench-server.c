/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-bench-server"

#include "config.h"

#include "wg-bench-server.h"
#include "wg-bench.h"
#include "wg-sqlite.h"
#include "test-files.h"

/**
 * wg_bench_server_start:
 * @with_demo: the demo accounts and reference over an empty journal, and
 *   the engine that executes commands
 *
 * A benchmark is not a test: a server that does not start ends it loudly.
 */
WgBenchServer *
wg_bench_server_start (gboolean with_demo)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  WgBenchServer *self = g_new0 (WgBenchServer, 1);

  /* As wangge-server's main() does. */
  wg_sqlite_configure_process ();
  self->data_dir = g_dir_make_tmp ("wg-bench-XXXXXX", &error);
  g_assert_no_error (error);
  config->port = 0;
  config->data_dir = g_strdup (self->data_dir);
  if (with_demo)
    {
      config->demo = TRUE;
      /* Commands start from an empty journal, not the demo's year. */
      config->demo_days = 0;
      /* One token sends everything here: no per-token limit. */
      config->command_rate = 10000000;
      config->command_burst = 10000000;
    }
  self->server = wg_server_new (config, &error);
  g_assert_no_error (error);
  if (with_demo)
    {
      self->engine = wg_engine_new (self->server, &error);
      g_assert_no_error (error);
    }
  wg_server_start (self->server, &error);
  g_assert_no_error (error);
  self->base_url = wg_server_dup_url (self->server);
  return self;
}

/* Lets the last group commit land before the files go. */
void
wg_bench_server_stop (WgBenchServer *self)
{
  g_return_if_fail (self != NULL);

  if (self->engine != NULL)
    wg_engine_flush (self->engine);
  wg_server_stop (self->server);
  g_clear_pointer (&self->engine, wg_engine_free);
  g_clear_object (&self->server);
  test_rm_rf (self->data_dir);
  g_free (self->data_dir);
  g_free (self->base_url);
  g_free (self);
}
