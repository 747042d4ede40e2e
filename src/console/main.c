/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "wg-application.h"
#include "wg-renderer-choice.h"
#include "wg-report.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(WgApplication) app = NULL;
  const char *localedir = g_getenv ("WANGGE_LOCALEDIR");
  GApplicationFlags flags = G_APPLICATION_DEFAULT_FLAGS;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Reports run without a display, as a process of their own. */
  if (argc > 1 && g_strcmp0 (argv[1], "report") == 0)
    return wg_report_main (argc - 1, argv + 1);

  /* A console with its own profile or server must not hand its command line to
   * another instance on the session bus: consoles run side by side. */
  if (wg_application_wants_own_instance (argc, argv))
    flags |= G_APPLICATION_NON_UNIQUE;

  wg_renderer_choice_apply_remembered ();
  app = wg_application_new (flags);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
