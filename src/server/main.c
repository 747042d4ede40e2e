/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>
#include <locale.h>
#include <stdlib.h>

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean version = FALSE;
  const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new (NULL);
  g_option_context_set_summary (context,
                                "The Wangge central server: HTTP and WebSocket API over an SQLite journal.\n"
                                "Not yet implemented: this build answers --help and --version only.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (version)
    {
      g_print ("wangge-server %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  g_printerr ("wangge-server: the server is not implemented yet; see README.md\n");
  return EXIT_FAILURE;
}
