/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "console-test-util"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <sqlite3.h>

#include "console-test-util.h"
#include "wg-replay-window.h"
#include "wg-test-server.h"

gboolean
console_test_init (int    *argc,
                   char ***argv)
{
  const char *localedir = g_getenv ("WANGGE_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_test_init (argc, argv, NULL);
  /* No session bus, as on the CI machine here: a desktop's bus, or one
   * D-Bus autolaunches for the display, would bring its keyring into the
   * test (a wall's start asks it for a token, and a locked one prompts). */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);

  if (!gtk_init_check ())
    {
      g_test_skip ("no display: run under xvfb-run");
      return FALSE;
    }
  adw_init ();
  return TRUE;
}

char *
console_test_data_home (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", dir, TRUE);
  return dir;
}

WgWindow *
console_test_find_window (WgApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (WG_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

gboolean
console_test_has_window (gpointer app)
{
  return console_test_find_window (app) != NULL;
}

gboolean
console_test_is_online (gpointer window)
{
  WgSyncClient *sync = wg_context_get_sync_client (wg_window_get_context (window));
  return wg_sync_client_get_state (sync) == WG_SYNC_ONLINE && wg_sync_client_get_queued (sync) == 0;
}

gboolean
console_test_cache_has_note (WgWindow   *window,
                             const char *incident)
{
  WgStore *store = wg_context_get_store (wg_window_get_context (window));
  g_autoptr(GPtrArray) events = wg_store_read_journal (store, 0, 100000, NULL);

  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = events->pdata[i];
      /* Written by the cache's writer thread, and announced to the main
       * loop (the head it knows) with the views updated. */
      if (event->type == WG_EV_INCIDENT_NOTED && g_strcmp0 (event->incident, incident) == 0)
        return event->seq <= wg_store_head (store);
    }
  return FALSE;
}

/* Registered (GTK started), not activated: the console's start-up only. */
WgApplication *
console_test_register (const char *username,
                       const char *server_url)
{
  g_autoptr(GError) error = NULL;
  /* One application id per account: two consoles in one process. */
  g_autofree char *id = g_strdup_printf ("io.github.wangge.Test.%s", username);
  WgApplication *app = g_object_new (WG_TYPE_APPLICATION, "application-id", id,
                                     "flags", G_APPLICATION_NON_UNIQUE, NULL);
  g_autoptr(GVariantDict) options = g_variant_dict_new (NULL);

  g_variant_dict_insert (options, "profile", "s", username);
  g_variant_dict_insert (options, "server", "s", server_url);
  g_variant_dict_insert (options, "username", "s", username);
  g_assert_cmpint (G_APPLICATION_GET_CLASS (app)->handle_local_options (G_APPLICATION (app), options),
                   ==, -1);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  return app;
}

/* Activates @app (logged in with WANGGE_PASSWORD) and waits for its window. */
void
console_test_activate (WgApplication *app)
{
  g_setenv ("WANGGE_PASSWORD", "demo", TRUE);
  g_application_activate (G_APPLICATION (app));
  g_assert_true (wg_test_iterate_until (console_test_has_window, app, 20000));
  gtk_window_set_default_size (GTK_WINDOW (console_test_find_window (app)), 1920, 1080);
}

WgApplication *
console_test_open (const char *username,
                   const char *server_url)
{
  WgApplication *app = console_test_register (username, server_url);

  console_test_activate (app);
  return app;
}

/* The count under way: statements run on the main thread, on the stores
 * given and, when asked, on every connection opened meanwhile. */
static GThread *counting_thread;
static gboolean counting_paused;
static guint n_statements;
static char *first_statement;
static gint n_connections;

static int
count_statement (unsigned  type,
                 void     *data,
                 void     *stmt,
                 void     *sql)
{
  if (counting_paused || g_thread_self () != counting_thread)
    return 0;
  if (n_statements++ == 0)
    first_statement = g_strdup (sql);
  return 0;
}

static int
trace_new_connection (sqlite3                            *db,
                      const char                        **message,
                      const struct sqlite3_api_routines  *api)
{
  sqlite3_trace_v2 (db, SQLITE_TRACE_STMT, count_statement, NULL);
  g_atomic_int_inc (&n_connections);
  return SQLITE_OK;
}

static void
trace_stores (WgStore **stores,
              gboolean  on)
{
  for (guint i = 0; stores != NULL && stores[i] != NULL; i++)
    sqlite3_trace_v2 (wg_store_get_sqlite (stores[i]), on ? SQLITE_TRACE_STMT : 0,
                      on ? count_statement : NULL, NULL);
}

void
console_test_count_main_sql_begin (WgStore  **stores,
                                   gboolean   new_connections)
{
  counting_thread = g_thread_self ();
  counting_paused = FALSE;
  n_statements = 0;
  g_atomic_int_set (&n_connections, 0);
  g_clear_pointer (&first_statement, g_free);
  trace_stores (stores, TRUE);
  if (new_connections)
    sqlite3_auto_extension ((void (*) (void)) trace_new_connection);
}

void
console_test_count_main_sql_pause (gboolean paused)
{
  counting_paused = paused;
}

guint
console_test_count_main_sql_end (WgStore **stores,
                                 guint    *connections_opened)
{
  /* Connections opened meanwhile keep their trace: it counts nothing
   * once no thread is counting. */
  counting_thread = NULL;
  sqlite3_cancel_auto_extension ((void (*) (void)) trace_new_connection);
  trace_stores (stores, FALSE);
  if (connections_opened != NULL)
    *connections_opened = (guint) g_atomic_int_get (&n_connections);
  if (first_statement != NULL)
    g_test_message ("first statement on the main loop: %s", first_statement);
  g_clear_pointer (&first_statement, g_free);
  return n_statements;
}

void
console_test_count_sql_begin (WgContext *context)
{
  console_test_count_main_sql_begin ((WgStore *[]) { wg_context_get_store (context), NULL }, FALSE);
}

guint
console_test_count_sql_end (WgContext *context)
{
  return console_test_count_main_sql_end ((WgStore *[]) { wg_context_get_store (context), NULL }, NULL);
}

void
console_test_keep_result (GObject      *source,
                          GAsyncResult *result,
                          gpointer      slot)
{
  *(GAsyncResult **) slot = g_object_ref (result);
}

gboolean
console_test_has_result (gpointer slot)
{
  return *(GAsyncResult **) slot != NULL;
}

WgWindow *
console_test_open_replay (WgWindow  *live,
                          GError   **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wg_replay_window_open_async (live, NULL, console_test_keep_result, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return wg_replay_window_open_finish (result, error);
}
