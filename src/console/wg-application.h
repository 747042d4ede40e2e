/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wg-context.h"

G_BEGIN_DECLS

#define WG_TYPE_APPLICATION (wg_application_get_type ())
G_DECLARE_FINAL_TYPE (WgApplication, wg_application, WG, APPLICATION, AdwApplication)

WgApplication *wg_application_new          (GApplicationFlags  flags);
GSettings     *wg_application_get_settings (WgApplication     *self);
const char    *wg_application_get_profile  (WgApplication     *self);
/* The live context once logged in to a server, else NULL (the window then
 * runs on the demo reference). */
WgContext     *wg_application_get_context  (WgApplication     *self);
/* The login window (--server without WANGGE_PASSWORD), or NULL. */
GtkWindow     *wg_application_get_login_window (WgApplication   *self);
/* As typing @password there and pressing Log In does. */
void           wg_application_log_in_with  (WgApplication     *self,
                                            const char        *password);
/* The refusal the login window shows, or NULL. */
const char    *wg_application_get_login_error (WgApplication    *self);

gboolean       wg_application_wants_own_instance (int    argc,
                                                  char **argv);

G_END_DECLS
