/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wangge-server"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "wg-server.h"

/* How long a stop may take to send answers and close frames. */
#define SHUTDOWN_GRACE_MS 300

typedef struct
{
  GMainLoop *loop;
  WgServer  *server;
  guint      grace_id;
} App;

static gboolean
grace_over_cb (gpointer data)
{
  App *app = data;

  app->grace_id = 0;
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer data)
{
  App *app = data;

  if (app->grace_id != 0)
    {
      /* A second signal: stop now. */
      g_main_loop_quit (app->loop);
      return G_SOURCE_CONTINUE;
    }
  g_message ("Shutting down");
  wg_server_begin_shutdown (app->server);
  app->grace_id = g_timeout_add (SHUTDOWN_GRACE_MS, grace_over_cb, app);
  return G_SOURCE_CONTINUE;
}

/* Each console holds a stream socket and field gateways post positions:
 * the default soft limit of 1024 descriptors is too low for a centre. */
static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_debug ("Could not raise the descriptor limit: %s", g_strerror (errno));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(WgServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *address = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *demo_password = NULL;
  g_autofree char *demo_anchor = NULL;
  g_autofree char *url = NULL;
  gboolean version = FALSE;
  gboolean demo = FALSE;
  int port = -1;
  guint sigint_id, sigterm_id;
  App app = { 0 };
  const GOptionEntry entries[] = {
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, N_("IP address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_("TCP port (default 8470; 0 picks a free one)"), N_("PORT") },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, N_("Directory of the databases"), N_("DIR") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo, N_("Seed demo reference data and accounts (loopback only)"), NULL },
    { "demo-password", 0, 0, G_OPTION_ARG_STRING, &demo_password, N_("Password of the demo accounts"), N_("PW") },
    { "demo-anchor", 0, 0, G_OPTION_ARG_STRING, &demo_anchor, N_("Day the demo history leads up to"), N_("YYYY-MM-DD") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_file, N_("Key file with limits and settings"), N_("FILE") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("The Wangge central server: HTTP and WebSocket API."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("wangge-server %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  /* Defaults, then the file, then the command line. */
  if (config_file != NULL && !wg_server_config_load_file (config, config_file, &error))
    {
      g_printerr ("wangge-server: %s: %s\n", config_file, error->message);
      return 2;
    }
  if (address != NULL)
    {
      g_free (config->address);
      config->address = g_steal_pointer (&address);
    }
  if (port >= 0)
    {
      if (port > 65535)
        {
          g_printerr ("wangge-server: %s\n", _("--port must be between 0 and 65535"));
          return 2;
        }
      config->port = port;
    }
  if (data_dir != NULL)
    {
      g_free (config->data_dir);
      config->data_dir = g_steal_pointer (&data_dir);
    }
  config->demo = config->demo || demo;
  if (demo_password != NULL)
    config->demo_password = g_steal_pointer (&demo_password);
  if (demo_anchor != NULL)
    config->demo_anchor = g_steal_pointer (&demo_anchor);

  if (!wg_server_config_validate (config, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return 2;
    }

  raise_file_limit ();
  server = wg_server_new (config, &error);
  if (server == NULL || !wg_server_start (server, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Tests and scripts read this line to learn the port. */
  url = wg_server_dup_url (server);
  g_print ("listening on %s\n", url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  app.loop = loop;
  app.server = server;
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &app);
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &app);

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_handle_id (&app.grace_id, g_source_remove);
  wg_server_stop (server);
  g_clear_object (&server);
  return EXIT_SUCCESS;
}
