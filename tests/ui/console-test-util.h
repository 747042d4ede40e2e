/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the console's ui tests share: the gettext and GTK set-up of their
 * main(), a fresh XDG_DATA_HOME, and a console logged in to the real server.
 */
#pragma once

#include "test-files.h"
#include "wg-window.h"

G_BEGIN_DECLS

/* Binds the translations, runs g_test_init() and starts GTK and libadwaita.
 * FALSE (the suite marked skipped) without a display: main() then returns
 * g_test_run(). */
gboolean        console_test_init        (int          *argc,
                                          char       ***argv);
/* A fresh temporary XDG_DATA_HOME, where each console keeps its cache;
 * remove it with test_rm_rf(). */
char           *console_test_data_home   (const char   *tmpl);

WgWindow       *console_test_find_window (WgApplication *app);
gboolean        console_test_has_window  (gpointer      app);
/* TRUE once @window's sync client is online with nothing queued. */
gboolean        console_test_is_online   (gpointer      window);
/* TRUE once the console's own cache holds an incident.noted of @incident
 * and the main loop has heard of it (its views show it). */
gboolean        console_test_cache_has_note (WgWindow   *window,
                                             const char *incident);
/* A console for the demo account @username (password "demo") logged in to
 * @server_url from its command-line options, its window open at 1920x1080. */
WgApplication  *console_test_open        (const char   *username,
                                          const char   *server_url);
/* The same in two steps: registered (its start-up run, GTK started), then
 * activated. */
WgApplication  *console_test_register    (const char   *username,
                                          const char   *server_url);
void            console_test_activate    (WgApplication *app);

/* Counts every statement run on the main thread on @stores' connections
 * (NULL-terminated, may be NULL) and, with @new_connections, on every
 * connection opened until console_test_count_main_sql_end(), which returns
 * the count (and how many connections were opened meanwhile) and logs the
 * first statement.  A pause leaves out the test's own reads.  One count at
 * a time. */
void            console_test_count_main_sql_begin (WgStore  **stores,
                                                   gboolean   new_connections);
void            console_test_count_main_sql_pause (gboolean   paused);
guint           console_test_count_main_sql_end   (WgStore  **stores,
                                                   guint     *connections_opened);
/* The same on @context's own connection to its cache, the one the main
 * loop holds. */
void            console_test_count_sql_begin (WgContext *context);
guint           console_test_count_sql_end   (WgContext *context);

/* An async call's result kept in @slot (a GAsyncResult *, NULL until
 * then): for wg_test_iterate_until (console_test_has_result, &slot, ...). */
void            console_test_keep_result     (GObject      *source,
                                              GAsyncResult *result,
                                              gpointer      slot);
gboolean        console_test_has_result      (gpointer      slot);

/* Opens Replay beside @live as the Replay action does
 * (wg_replay_window_open_async()) and iterates the main loop until it
 * answers. */
WgWindow       *console_test_open_replay     (WgWindow   *live,
                                              GError    **error);

G_END_DECLS
