/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-application"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-about.h"
#include "wg-console-util.h"
#include "wg-credentials.h"
#include "wg-demo.h"
#include "wg-store-reference.h"
#include "wg-resources.h"
#include "wg-application.h"
#include "wg-preferences-window.h"
#include "wg-reference-cache.h"
#include "wg-wall-window.h"
#include "wg-window.h"

#define SETTINGS_SCHEMA_ID "io.github.wangge.Console"
#define SETTINGS_BASE_PATH "/io/github/wangge/Console/"

struct _WgApplication
{
  AdwApplication  parent_instance;

  char           *profile;
  GSettings      *settings;

  /* --server / --username: a live console */
  char           *server;
  char           *username;
  gboolean        demo_incidents;
  gboolean        big_screen;     /* --big-screen, or a wall account */
  WgWall         *wall;
  WgContext      *context;
  WgApiClient    *api;
  JsonObject     *session;
  GCancellable   *cancellable;
  GtkWindow      *login_window;   /* when no password was given */
  AdwPasswordEntryRow *password_row;
  GtkLabel       *login_error;
  guint           login_retries;  /* of a login from WANGGE_PASSWORD */
  char           *password;       /* for a new login when the session ends */
  guint           relogin_id;
  gboolean        relogging_in;
  /* A warm start on the saved token: the reference is refreshed once
   * online; a password refused before then ends the console, as it would
   * a cold start. */
  gboolean        on_saved_token;
  /* A cold start's login, sent before GTK starts (start_early): its
   * answer waits here until start_login() takes it. */
  gboolean        login_started;
  gboolean        early_login;
  GAsyncResult   *early_login_result;
  /* A cold start's snapshot, asked when the login answers and parsed while
   * the reference loads: open_live_context() gives it to the sync client. */
  WgSnapshotFetch *snapshot_fetch;
  /* A warm start's saved reference, read while GTK starts: open_offline()
   * joins it. */
  GThread        *reference_thread;

  /* WANGGE_EXIT_AFTER_BACKFILL (bench-console-start): a 10 ms probe of the
   * main loop until back-fill ends. */
  guint           probe_id;
  gint64          probe_last_us;
  GArray         *probe_gaps_us;
};

#define MAX_LOGIN_RETRIES 8

G_DEFINE_FINAL_TYPE (WgApplication, wg_application, ADW_TYPE_APPLICATION)

static gboolean
profile_name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

/**
 * wg_application_wants_own_instance:
 *
 * Whether the command line asks for a console of its own (a profile or a
 * server of its own), which must not be merged into a running instance.
 */
gboolean
wg_application_wants_own_instance (int    argc,
                                   char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_has_prefix (argv[i], "--profile") || g_str_has_prefix (argv[i], "--server"))
        return TRUE;
    }
  return FALSE;
}

static void
apply_font_scale (WgApplication *self)
{
  GdkDisplay *display = gdk_display_get_default ();
  double scale = g_settings_get_double (wg_application_get_settings (self), "font-scale");

  if (display == NULL)
    return;

  /* GTK reads text resolution in 1024ths of a dot per inch; 96 dpi is 1.0. */
  g_object_set (gtk_settings_get_for_display (display),
                "gtk-xft-dpi", (int) (96 * 1024 * scale),
                NULL);
}

static void
font_scale_changed_cb (WgApplication *self)
{
  apply_font_scale (self);
}

static int
wg_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  WgApplication *self = WG_APPLICATION (app);
  const char *profile = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("wangge %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (g_variant_dict_lookup (options, "profile", "&s", &profile))
    {
      if (!profile_name_is_valid (profile))
        {
          g_printerr (_("wangge: “%s” is not a valid profile name: use letters, digits, “-” and “_”\n"),
                      profile);
          return EXIT_FAILURE;
        }
      g_free (self->profile);
      self->profile = g_strdup (profile);
    }

  if (g_variant_dict_lookup (options, "server", "s", &self->server) &&
      !g_variant_dict_lookup (options, "username", "s", &self->username))
    {
      g_printerr (_("wangge: --server needs --username (the password comes from WANGGE_PASSWORD)\n"));
      return EXIT_FAILURE;
    }
  if (g_variant_dict_contains (options, "demo-incidents"))
    self->demo_incidents = TRUE;
  if (g_variant_dict_contains (options, "big-screen"))
    self->big_screen = TRUE;

  return -1;
}

static void start_early (WgApplication *self);

static void
wg_application_startup (GApplication *app)
{
  WgApplication *self = WG_APPLICATION (app);
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  start_early (self);
  G_APPLICATION_CLASS (wg_application_parent_class)->startup (app);

  wg_prefer_cairo_on_software_gl (gdk_display_get_default ());
  gtk_window_set_default_icon_name (APP_ID);

  gtk_css_provider_load_from_resource (css, RESOURCE_BASE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  apply_font_scale (self);
  g_signal_connect_object (wg_application_get_settings (self), "changed::font-scale",
                           G_CALLBACK (font_scale_changed_cb), self, G_CONNECT_SWAPPED);
}

/* Logging in to a server: session, reference, cache, sync client. */

static void
login_failed (WgApplication *self,
              const char    *what,
              const char    *message)
{
  g_printerr (_("wangge: %s: %s\n"), what, message);
  g_application_release (G_APPLICATION (self));
  g_application_quit (G_APPLICATION (self));
}

/* A folder name from anything: letters, digits, "-" and "_" (so neither
 * "." nor ".." nor a separator). */
static char *
safe_directory_name (const char *text)
{
  char *name = g_strdup (text != NULL && *text != '\0' ? text : "_");

  for (char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      *p = '_';
  return name;
}

/* "https://wangge.example.org:8443/" -> "wangge_example_org_8443". */
static char *
server_directory_name (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *host_port = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL)
    return safe_directory_name (url);
  host_port = g_uri_get_port (uri) > 0
                ? g_strdup_printf ("%s_%d", g_uri_get_host (uri), g_uri_get_port (uri))
                : g_strdup (g_uri_get_host (uri));
  return safe_directory_name (host_port);
}

/* The cache and the outbox are one user's on one server: another user or
 * server never sees them, nor sends what they queued. */
static char *
live_directory (WgApplication *self)
{
  g_autofree char *server_key = server_directory_name (self->server);
  g_autofree char *user_key = safe_directory_name (self->username);

  return g_build_filename (g_get_user_data_dir (), "wangge", self->profile,
                           server_key, user_key, NULL);
}

static void relogin (WgApplication *self);
static void refresh_reference (WgApplication *self);
static void start_probe (WgApplication *self,
                         WgSyncClient  *sync);

static void
sync_state_cb (WgApplication *self,
               GParamSpec    *pspec,
               WgSyncClient  *sync)
{
  /* The session ended (expired, or the console started offline without
   * one): log in again with the password given at start, so that what is
   * queued goes out without anyone having to notice. */
  if (wg_sync_client_get_state (sync) == WG_SYNC_LOGIN_REQUIRED)
    relogin (self);
  /* Online on the saved token: the token holds, and the reference as the
   * server has it now is fetched for the next start (not before: the
   * first frame comes first). */
  if (wg_sync_client_get_state (sync) == WG_SYNC_ONLINE && self->on_saved_token)
    {
      self->on_saved_token = FALSE;
      refresh_reference (self);
    }
}

/* @start_sync: FALSE on a warm start, whose sync client waits for the
 * login under way (started without a token, it would meet a 401 first and
 * go online one round trip later). */
static gboolean
open_live_context (WgApplication  *self,
                   WgReference    *reference,
                   gboolean        start_sync,
                   GError        **error)
{
  g_autofree char *dir = live_directory (self);
  g_autofree char *journal_path = g_build_filename (dir, "journal.db", NULL);
  g_autofree char *outbox_path = g_build_filename (dir, "outbox.db", NULL);
  g_autoptr(WgStore) cache = NULL;
  g_autoptr(WgClock) clock = wg_clock_new ();
  g_autoptr(WgSyncClient) sync = NULL;
  g_autoptr(WgActor) actor = NULL;
  WgOutbox *outbox;
  WgRole role;
  const char *role_slug = json_object_get_string_member_with_default (self->session, "role", "");
  gint64 server_time = json_object_get_int_member_with_default (self->session, "server_time", 0);

  if (!wg_role_from_string (role_slug, &role))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Unknown role “%s”"), role_slug);
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  cache = wg_store_open (journal_path, error);
  /* The rules here, the units by the sync client's writer (below). */
  if (cache == NULL || !wg_store_adopt_rules (cache, reference, error))
    return FALSE;
  outbox = wg_outbox_open (outbox_path, error);
  if (outbox == NULL)
    return FALSE;
  if (server_time > 0)
    wg_clock_observe_server (clock, server_time, wg_wall_time_ms (), wg_wall_time_ms ());

  actor = wg_actor_new (self->username, role,
                        json_object_get_string_member_with_default (self->session, "grid", NULL),
                        json_object_get_string_member_with_default (self->session, "department", NULL),
                        json_object_get_string_member_with_default (self->session, "unit", NULL));
  sync = wg_sync_client_new (self->api, cache, outbox, clock, self->username,
                             role != WG_ROLE_GRID_WORKER && role != WG_ROLE_DEPARTMENT);
  wg_sync_client_set_backfill_days (sync, g_settings_get_uint (wg_application_get_settings (self),
                                                               "backfill-days"));
  /* The forces registered as units on the writer's connection while the
   * window is built: the writer's first job, so every read of the cache
   * (all of the views' go through the writer) and the snapshot come
   * after it. */
  wg_sync_client_register_forces (sync, reference);
  if (self->snapshot_fetch != NULL)
    {
      wg_sync_client_take_snapshot_fetch (sync, self->snapshot_fetch);
      g_clear_object (&self->snapshot_fetch);
    }
  self->context = wg_context_new (reference, cache, sync, outbox, clock, actor);
  {
    g_autofree char *photos = g_build_filename (dir, "photos", NULL);
    g_autoptr(WgAttachmentCache) attachments = wg_attachment_cache_new (self->api, photos);
    g_autofree char *uploads = g_build_filename (dir, "uploads", NULL);

    wg_context_set_attachment_cache (self->context, attachments);
    wg_sync_client_set_upload_dir (sync, uploads);
  }
  g_signal_connect_object (sync, "notify::state", G_CALLBACK (sync_state_cb), self,
                           G_CONNECT_SWAPPED);
  if (g_getenv ("WANGGE_EXIT_AFTER_BACKFILL") != NULL)
    start_probe (self, sync);
  if (start_sync)
    wg_sync_client_start (sync);
  else
    wg_sync_client_await_login (sync);
  return TRUE;
}

/* The session's token, kept beside the cache for the next start of a
 * console given its password (WANGGE_PASSWORD): that warm start goes
 * online on it without a password login, whose argon2id costs the server
 * a quarter of a second.  Mode 0600 in the user's own directory, beside
 * the cache of what the token may read.  A token the server no longer
 * takes (unused for token-lifetime-seconds, revoked, the password
 * changed) answers 401, and the password given at start logs in again.
 * A wall keeps its token in the keyring instead (remember_wall_token). */
static void
save_token (WgApplication *self)
{
  g_autofree char *dir = NULL;
  g_autofree char *token_path = NULL;
  g_autoptr(GError) error = NULL;
  const char *token = wg_api_client_get_token (self->api);

  if (self->big_screen || g_getenv ("WANGGE_PASSWORD") == NULL || token == NULL)
    return;
  dir = live_directory (self);
  token_path = g_build_filename (dir, "token", NULL);
  /* No fsync (a cold start writes it before its first frame): a token
   * torn by a crash is refused, and the password logs in again. */
  if (!g_file_set_contents_full (token_path, token, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error))
    g_debug ("the token is not kept, the next start logs in again: %s", error->message);
}

static char *
load_token (WgApplication *self)
{
  g_autofree char *dir = live_directory (self);
  g_autofree char *token_path = g_build_filename (dir, "token", NULL);
  g_autofree char *token = NULL;

  if (!g_file_get_contents (token_path, &token, NULL, NULL))
    return NULL;
  g_strstrip (token);
  return *token != '\0' ? g_steal_pointer (&token) : NULL;
}

/* What an offline start needs, saved at each login beside the reference
 * data (wg-reference-cache.c): the session without its token (the
 * password is never stored; a new login happens when the server is back;
 * the token has a file of its own, save_token). */
static void
save_session (WgApplication *self)
{
  g_autofree char *dir = live_directory (self);
  g_autofree char *session_path = g_build_filename (dir, "session.json", NULL);
  g_autoptr(JsonObject) session = json_object_new ();
  g_autoptr(JsonNode) session_node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *session_text = NULL;
  g_autoptr(GError) error = NULL;
  static const char *keys[] = { "username", "role", "grid", "department", "unit" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (json_object_has_member (self->session, keys[i]) &&
        !json_object_get_null_member (self->session, keys[i]))
      json_object_set_string_member (session, keys[i],
                                     json_object_get_string_member (self->session, keys[i]));
  json_node_set_object (session_node, session);
  session_text = json_to_string (session_node, FALSE);
  if (!g_file_set_contents_full (session_path, session_text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_warning ("The session is not saved, the console cannot start offline: %s", error->message);
}

static JsonNode *
load_json_file (const char  *path,
                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  if (!json_parser_load_from_file (parser, path, error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not a JSON object", path);
      return NULL;
    }
  return json_parser_steal_root (parser);
}

/* The server cannot be reached: open on the local cache with the session
 * saved at the last login, offline; commands queue until it is back.  The
 * errors only go to the debug log (the login's own error is shown). */
static gboolean
open_offline (WgApplication  *self,
              gboolean        start_sync,
              GError        **error)
{
  g_autofree char *dir = live_directory (self);
  g_autofree char *session_path = g_build_filename (dir, "session.json", NULL);
  g_autoptr(JsonNode) session_node = NULL;
  g_autoptr(WgReference) reference = NULL;

  if (!wg_reference_cache_has_copy (dir) || !g_file_test (session_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "no earlier session of this user on this server");
      return FALSE;
    }
  session_node = load_json_file (session_path, error);
  if (session_node == NULL)
    return FALSE;
  if (g_strcmp0 (json_object_get_string_member_with_default (json_node_get_object (session_node),
                                                             "username", ""), self->username) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the saved session is another user's");
      return FALSE;
    }
  if (self->reference_thread != NULL)
    reference = g_thread_join (g_steal_pointer (&self->reference_thread));
  if (reference == NULL)
    reference = wg_reference_cache_load (dir, error);
  if (reference == NULL)
    return FALSE;
  g_clear_pointer (&self->session, json_object_unref);
  self->session = json_object_ref (json_node_get_object (session_node));
  if (!open_live_context (self, reference, start_sync, error))
    return FALSE;
  g_debug ("opened offline on the saved session of %s", self->username);
  return TRUE;
}

/* ---- WANGGE_EXIT_AFTER_BACKFILL ------------------------------------------
 *
 * For bench-console-start: a 10 ms timeout runs from the start; each late
 * wake-up while back-fill runs is a stall of the main loop.  When the
 * back-fill after a snapshot start ends, the console prints when, the
 * stalls' p99 and maximum and its peak RSS, then quits. */

#define PROBE_INTERVAL_MS 10

static gboolean
probe_cb (gpointer user_data)
{
  WgApplication *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 gap = now - self->probe_last_us - PROBE_INTERVAL_MS * 1000;

  /* Only while back-fill runs: the window's first frames are the start's. */
  if (wg_sync_client_get_backfilling (wg_context_get_sync_client (self->context)))
    g_array_append_val (self->probe_gaps_us, gap);
  self->probe_last_us = now;
  return G_SOURCE_CONTINUE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
probe_backfilling_cb (WgApplication *self,
                      GParamSpec    *pspec,
                      WgSyncClient  *sync)
{
  g_autofree char *status = NULL;
  const char *hwm = NULL;
  guint n = self->probe_gaps_us->len;
  gint64 p99, max;

  if (wg_sync_client_get_backfilling (sync) || self->probe_id == 0)
    return;
  g_clear_handle_id (&self->probe_id, g_source_remove);
  g_array_sort (self->probe_gaps_us, compare_gint64);
  p99 = n > 0 ? g_array_index (self->probe_gaps_us, gint64, MIN (n - 1, n * 99 / 100)) : 0;
  max = n > 0 ? g_array_index (self->probe_gaps_us, gint64, n - 1) : 0;
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    hwm = strstr (status, "VmHWM:");
  g_print ("backfill-done monotonic-us=%" G_GINT64_FORMAT " stall-p99-us=%" G_GINT64_FORMAT
           " stall-max-us=%" G_GINT64_FORMAT " vmhwm-kib=%ld\n",
           g_get_monotonic_time (), MAX (p99, 0), MAX (max, 0),
           hwm != NULL ? (long) g_ascii_strtoll (hwm + strlen ("VmHWM:"), NULL, 10) : -1L);
  fflush (stdout);
  g_application_quit (G_APPLICATION (self));
}

static void
start_probe (WgApplication *self,
             WgSyncClient  *sync)
{
  self->probe_gaps_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->probe_last_us = g_get_monotonic_time ();
  self->probe_id = g_timeout_add (PROBE_INTERVAL_MS, probe_cb, self);
  g_signal_connect_object (sync, "notify::backfilling", G_CALLBACK (probe_backfilling_cb), self,
                           G_CONNECT_SWAPPED);
}

static gboolean
relogin_again_cb (gpointer user_data)
{
  WgApplication *self = user_data;

  self->relogin_id = 0;
  relogin (self);
  return G_SOURCE_REMOVE;
}

static void
relogin_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(WgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonObject) session = wg_api_client_login_finish (WG_API_CLIENT (source), result,
                                                              &problem, &error);

  self->relogging_in = FALSE;
  if (session == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (session == NULL)
    {
      /* Not reachable or busy: again a little later.  A refused password
       * leaves the console logged out, as its header says. */
      if (g_error_matches (error, WG_API_ERROR, WG_API_ERROR_NETWORK) ||
          g_error_matches (error, WG_API_ERROR, WG_API_ERROR_SERVER) ||
          g_error_matches (error, WG_API_ERROR, WG_API_ERROR_THROTTLED))
        self->relogin_id = g_timeout_add (problem != NULL && problem->retry_after_ms > 0
                                            ? (guint) problem->retry_after_ms : 1000,
                                          relogin_again_cb, self);
      else if (self->on_saved_token)
        {
          /* The saved token was refused, and so is the password given:
           * the end, as for a cold start (the cache is no way around a
           * login). */
          g_printerr (_("wangge: %s: %s\n"), _("login"),
                      error != NULL ? error->message : problem != NULL ? (problem->detail ?: problem->title) : "");
          g_application_quit (G_APPLICATION (self));
        }
      else
        g_warning ("A new login was refused: %s",
                   error != NULL ? error->message : problem != NULL ? problem->title : "");
      return;
    }
  g_clear_pointer (&self->session, json_object_unref);
  self->session = g_steal_pointer (&session);
  save_token (self);
  if (self->context != NULL)
    wg_sync_client_resume (wg_context_get_sync_client (self->context));
}

static void
relogin (WgApplication *self)
{
  if (self->password == NULL || self->relogging_in || self->relogin_id != 0 || self->api == NULL)
    return;
  self->relogging_in = TRUE;
  wg_api_client_login_async (self->api, self->username, self->password, self->cancellable,
                             relogin_cb, g_object_ref (self));
}

static void
token_stored_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!wg_credentials_store_finish (result, &error))
    g_debug ("the wall's token is not stored: %s", error->message);
}

/* A wall keeps its token in the keyring: after a reboot it comes up on it
 * with no dialog (start_wall_from_keyring()). */
static void
remember_wall_token (WgApplication *self)
{
  if (self->big_screen && self->api != NULL && wg_api_client_get_token (self->api) != NULL)
    wg_credentials_store_async (self->server, self->username, wg_api_client_get_token (self->api),
                                self->cancellable, token_stored_cb, NULL);
}

/* The main window: the console, or the wall for --big-screen and for a
 * wall account (which has no keys but F11: it cannot act). */
static void
present_main_window (WgApplication *self)
{
  const char *role = self->session != NULL
                       ? json_object_get_string_member_with_default (self->session, "role", "") : "";

  if (!self->big_screen && g_strcmp0 (role, "wall") != 0)
    {
      gtk_window_present (GTK_WINDOW (wg_window_new_with_context (self, self->context)));
      return;
    }
  if (g_strcmp0 (role, "wall") == 0)
    {
      static const char *none[] = { NULL };

      /* Unattended, as --big-screen is. */
      self->big_screen = TRUE;

      gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", none);
      gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences", none);
    }
  remember_wall_token (self);
  self->wall = wg_wall_new (self->context);
  wg_wall_follow_text_scale (wg_application_get_settings (self));
  g_ptr_array_unref (wg_wall_window_open_all (GTK_APPLICATION (self), self->wall, NULL));
}

static void
present_written_cb (gpointer user_data)
{
  WgApplication *self = user_data;

  /* Quit meanwhile: shutdown let the context go. */
  if (!g_cancellable_is_cancelled (self->cancellable))
    present_main_window (self);
  g_application_release (G_APPLICATION (self));
}

/* The requests the start has just made (the health check, a cold start's
 * snapshot, a warm start's login) are written out before the window is
 * built: the server answers them while the main loop builds and paints it,
 * instead of reading them only after its first frame.  The window comes in
 * present_written_cb(), at most 50 ms later; the hold keeps the
 * application until then, and an activate meanwhile finds the login
 * started and leaves the window to it. */
static void
present_when_sent (WgApplication *self)
{
  g_application_hold (G_APPLICATION (self));
  wg_api_client_when_written (self->api, 50, present_written_cb, g_object_ref (self),
                              g_object_unref);
}

static void
reference_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(WgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(WgReference) reference = wg_reference_cache_fetch_finish (result, &problem, &error);

  if (reference == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reference == NULL)
    {
      login_failed (self, _("reference data"),
                    problem != NULL ? (problem->detail ?: problem->title) : error->message);
      return;
    }
  if (!open_live_context (self, reference, TRUE, &error))
    {
      login_failed (self, _("reference data"), error->message);
      return;
    }
  save_session (self);
  present_when_sent (self);
  save_token (self);
  g_application_release (G_APPLICATION (self));
}

static void login_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data);

static gboolean
retry_login_cb (gpointer user_data)
{
  g_autoptr(WgApplication) self = user_data;
  const char *password = g_getenv ("WANGGE_PASSWORD");

  if (password != NULL && !g_cancellable_is_cancelled (self->cancellable))
    wg_api_client_login_async (self->api, self->username, password, self->cancellable,
                               login_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(WgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;

  self->session = wg_api_client_login_finish (WG_API_CLIENT (source), result, &problem, &error);
  if (self->session == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->session == NULL)
    {
      const char *why = error != NULL ? error->message
                        : problem != NULL ? (problem->detail ?: problem->title) : "";

      /* The server is away: the console works on its cache, offline, when
       * this user has logged in to this server before. */
      if (g_error_matches (error, WG_API_ERROR, WG_API_ERROR_NETWORK))
        {
          g_autoptr(GError) offline_error = NULL;

          if (open_offline (self, TRUE, &offline_error))
            {
              if (self->login_window != NULL)
                {
                  gtk_window_set_focus (self->login_window, NULL);
                  gtk_window_destroy (self->login_window);
                  self->login_window = NULL;
                }
              present_main_window (self);
              g_application_release (G_APPLICATION (self));
              return;
            }
          g_debug ("no offline start: %s", offline_error->message);
        }

      /* At the login window: say why and let them try again. */
      if (self->login_window != NULL)
        {
          gtk_label_set_label (self->login_error, why);
          gtk_widget_set_visible (GTK_WIDGET (self->login_error), TRUE);
          gtk_widget_set_sensitive (GTK_WIDGET (self->login_window), TRUE);
          gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
          return;
        }
      /* A server busy with logins (a simulator logging in its accounts, a
       * shift change) or not up yet: try again a few times before giving up. */
      if ((self->login_retries < MAX_LOGIN_RETRIES || self->big_screen)
          && (g_error_matches (error, WG_API_ERROR, WG_API_ERROR_THROTTLED)
              || g_error_matches (error, WG_API_ERROR, WG_API_ERROR_SERVER)
              || g_error_matches (error, WG_API_ERROR, WG_API_ERROR_NETWORK)))
        {
          guint delay_ms = problem != NULL && problem->retry_after_ms > 0
                             ? (guint) problem->retry_after_ms
                             : 500u << MIN (self->login_retries, 4u);

          /* A wall comes up after a reboot before its server may: it
           * tries for as long as it takes. */

          self->login_retries++;
          g_debug ("login: %s; again in %u ms", why, delay_ms);
          g_timeout_add (delay_ms, retry_login_cb, g_object_ref (self));
          return;
        }
      login_failed (self, _("login"), why);
      return;
    }
  if (self->login_window != NULL)
    {
      /* GTK 4.8 warns when a focused entry goes away with its window. */
      gtk_window_set_focus (self->login_window, NULL);
      gtk_window_destroy (self->login_window);
      self->login_window = NULL;
    }
  {
    g_autofree char *dir = live_directory (self);
    g_autofree char *journal_path = g_build_filename (dir, "journal.db", NULL);

    wg_reference_cache_fetch_async (self->api, dir, TRUE, self->cancellable, reference_cb, g_object_ref (self));
    /* No cache yet: it starts from the snapshot, asked now (with the
     * health check that names its journal) and decoded on a thread while
     * the reference loads on its own. */
    if (!g_file_test (journal_path, G_FILE_TEST_EXISTS))
      self->snapshot_fetch = wg_snapshot_fetch_new (self->api, WG_SYNC_LIVE_BASE_PATH, TRUE, self->cancellable);
  }
}

static void
login_clicked_cb (WgApplication *self)
{
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  g_free (self->password);
  self->password = g_strdup (password);
  gtk_widget_set_visible (GTK_WIDGET (self->login_error), FALSE);
  /* Focus out first: an insensitive entry never hears that it lost focus. */
  gtk_window_set_focus (self->login_window, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_window), FALSE);
  wg_api_client_login_async (self->api, self->username, password, self->cancellable,
                             login_cb, g_object_ref (self));
}

static gboolean
login_window_close_cb (WgApplication *self)
{
  /* Closed without logging in: nothing to show. */
  self->login_window = NULL;
  g_cancellable_cancel (self->cancellable);
  g_application_release (G_APPLICATION (self));
  return FALSE;
}

/* No WANGGE_PASSWORD: ask for it. */
static void
show_login_window (WgApplication *self)
{
  GtkWidget *window = adw_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  GtkWidget *group = adw_preferences_group_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Log In"));
  g_autofree char *description = g_strdup_printf (_("%s at %s"), self->username, self->server);

  gtk_window_set_title (GTK_WINDOW (window), _("Log In"));
  gtk_window_set_default_size (GTK_WINDOW (window), 420, -1);
  gtk_window_set_application (GTK_WINDOW (window), GTK_APPLICATION (self));
  adw_window_set_content (ADW_WINDOW (window), box);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_widget_set_margin_start (page, 18);
  gtk_widget_set_margin_end (page, 18);
  gtk_widget_set_margin_bottom (page, 18);
  gtk_box_append (GTK_BOX (box), page);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Log In to the Grid Centre"));
  adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), description);
  self->password_row = ADW_PASSWORD_ENTRY_ROW (adw_password_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->password_row), _("Password"));
  adw_entry_row_set_activates_default (ADW_ENTRY_ROW (self->password_row), TRUE);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), GTK_WIDGET (self->password_row));
  gtk_box_append (GTK_BOX (page), group);

  self->login_error = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->login_error, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->login_error), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->login_error), FALSE);
  gtk_box_append (GTK_BOX (page), GTK_WIDGET (self->login_error));

  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_add_css_class (button, "pill");
  gtk_widget_set_halign (button, GTK_ALIGN_CENTER);
  g_signal_connect_object (button, "clicked", G_CALLBACK (login_clicked_cb), self, G_CONNECT_SWAPPED);
  gtk_box_append (GTK_BOX (page), button);
  gtk_window_set_default_widget (GTK_WINDOW (window), button);
  g_signal_connect_object (window, "close-request", G_CALLBACK (login_window_close_cb), self,
                           G_CONNECT_SWAPPED);

  self->login_window = GTK_WINDOW (window);
  gtk_window_present (GTK_WINDOW (window));
}

/* The reference as the server has it now, for the next start (this one
 * goes on with the saved copy). */
static void
warm_reference_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(WgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReference) reference = wg_reference_cache_fetch_finish (result, NULL, &error);

  if (error == NULL)
    save_session (self);
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("the reference is not refreshed: %s", error->message);
}

static void
refresh_reference (WgApplication *self)
{
  g_autofree char *dir = live_directory (self);

  wg_reference_cache_fetch_async (self->api, dir, FALSE, self->cancellable, warm_reference_cb,
                                  g_object_ref (self));
}

/* A warm start's login, while the window already shows the cache. */
static void
warm_login_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonObject) session = wg_api_client_login_finish (WG_API_CLIENT (source), result,
                                                              &problem, &error);

  self->relogging_in = FALSE;
  if (session == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (session == NULL)
    {
      /* Away or busy: the console goes on offline on its cache and logs in
       * when the sync client reaches the server.  A refused password ends
       * it, as it would a cold start: the cache is no way around a login. */
      if (g_error_matches (error, WG_API_ERROR, WG_API_ERROR_NETWORK) ||
          g_error_matches (error, WG_API_ERROR, WG_API_ERROR_SERVER) ||
          g_error_matches (error, WG_API_ERROR, WG_API_ERROR_THROTTLED))
        {
          wg_sync_client_resume (wg_context_get_sync_client (self->context));
          return;
        }
      g_printerr (_("wangge: %s: %s\n"), _("login"),
                  error != NULL ? error->message : problem != NULL ? (problem->detail ?: problem->title) : "");
      g_application_quit (G_APPLICATION (self));
      return;
    }
  g_clear_pointer (&self->session, json_object_unref);
  self->session = g_steal_pointer (&session);
  save_token (self);
  wg_sync_client_resume (wg_context_get_sync_client (self->context));
  refresh_reference (self);
}

/* An unattended wall with no password given: the token the keyring kept
 * and the session saved at the last login, else the login window. */
static void
wall_token_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WgApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = wg_credentials_lookup_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (token != NULL)
    {
      wg_api_client_set_token (self->api, token);
      g_clear_error (&error);
      if (open_offline (self, TRUE, &error))
        {
          present_main_window (self);
          g_application_release (G_APPLICATION (self));
          return;
        }
    }
  g_debug ("the wall logs in by hand: %s", error != NULL ? error->message : "no stored token");
  show_login_window (self);
}

static void
early_login_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(WgApplication) self = user_data;

  if (!self->login_started)
    {
      self->early_login_result = g_object_ref (result);
      return;
    }
  login_cb (source, result, g_object_ref (self));
}

static gpointer
load_reference_thread (gpointer data)
{
  g_autofree char *dir = data;

  /* Its error, if any, comes again from open_offline()'s own load. */
  return wg_reference_cache_load (dir, NULL);
}

/* What a start given its password can begin before GTK starts (GTK, the
 * style sheets and the display take a good part of a start):
 * - a warm start (an earlier session of this user on this server) reads
 *   its saved reference on a thread meanwhile;
 * - a cold start (no kept token, no earlier session: start_login() would
 *   log in first thing) sends the login on a thread, written at once
 *   with no main loop run, and the server checks the password (argon2id,
 *   a quarter of a second) meanwhile. */
static void
start_early (WgApplication *self)
{
  const char *password = g_getenv ("WANGGE_PASSWORD");
  g_autofree char *dir = NULL;
  g_autofree char *token = NULL;
  g_autofree char *session_path = NULL;
  g_autoptr(GError) error = NULL;

  if (self->server == NULL || password == NULL || self->big_screen)
    return;
  dir = live_directory (self);
  session_path = g_build_filename (dir, "session.json", NULL);
  if (g_file_test (session_path, G_FILE_TEST_EXISTS))
    {
      self->reference_thread = g_thread_new ("wg-reference", load_reference_thread, g_steal_pointer (&dir));
      return;
    }
  token = load_token (self);
  if (token != NULL)
    return;
  self->api = wg_api_client_new (self->server, FALSE, &error);
  if (self->api == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  self->password = g_strdup (password);
  self->early_login = TRUE;
  wg_api_client_login_on_thread_async (self->api, self->username, password, self->cancellable,
                                       early_login_cb, g_object_ref (self));
}

static void
start_login (WgApplication *self)
{
  g_autoptr(GError) error = NULL;
  const char *password = g_getenv ("WANGGE_PASSWORD");

  g_application_hold (G_APPLICATION (self));
  self->login_started = TRUE;
  if (self->early_login)
    {
      /* Answered already, or login_cb() when it is. */
      if (self->early_login_result != NULL)
        {
          g_autoptr(GAsyncResult) result = g_steal_pointer (&self->early_login_result);

          login_cb (G_OBJECT (self->api), result, g_object_ref (self));
        }
      return;
    }
  self->api = wg_api_client_new (self->server, FALSE, &error);
  if (self->api == NULL)
    {
      login_failed (self, self->server, error->message);
      return;
    }
  self->cancellable = g_cancellable_new ();
  if (password == NULL && self->big_screen)
    {
      wg_credentials_lookup_async (self->server, self->username, self->cancellable,
                                   wall_token_cb, g_object_ref (self));
      return;
    }
  if (password == NULL)
    {
      show_login_window (self);
      return;
    }
  self->password = g_strdup (password);

  /* A warm start: this user has a cache of this server.  The window shows
   * it at once, catching up, while the login and the catch-up go on; with
   * the token kept from the last login, no password login (save_token). */
  {
    g_autoptr(GError) warm_error = NULL;
    g_autofree char *token = load_token (self);

    if (token != NULL)
      {
        wg_api_client_set_token (self->api, token);
        if (open_offline (self, TRUE, &warm_error))
          {
            self->on_saved_token = TRUE;
            present_when_sent (self);
            g_application_release (G_APPLICATION (self));
            return;
          }
        wg_api_client_set_token (self->api, NULL);
        g_clear_error (&warm_error);
      }
    if (open_offline (self, FALSE, &warm_error))
      {
        self->relogging_in = TRUE;
        wg_api_client_login_async (self->api, self->username, password, self->cancellable,
                                   warm_login_cb, g_object_ref (self));
        present_when_sent (self);
        g_application_release (G_APPLICATION (self));
        return;
      }
    g_debug ("cold start: %s", warm_error->message);
  }
  wg_api_client_login_async (self->api, self->username, password, self->cancellable,
                             login_cb, g_object_ref (self));
}

static void
wg_application_activate (GApplication *app)
{
  WgApplication *self = WG_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL && self->server != NULL)
    {
      if (!self->login_started)
        start_login (self);
      return;
    }

  if (window == NULL && self->big_screen)
    {
      g_autoptr(GError) error = NULL;

      self->context = wg_wall_new_demo_context (self->demo_incidents, &error);
      if (self->context == NULL)
        g_error ("The demo cannot be opened: %s", error->message);
      present_main_window (self);
      return;
    }

  if (window == NULL)
    {
      window = GTK_WINDOW (wg_window_new (self));
      if (self->demo_incidents)
        {
          g_autoptr(GError) error = NULL;

          if (!wg_demo_fill (wg_window_get_context (WG_WINDOW (window)), &error))
            g_warning ("Could not fill the demo incidents: %s", error->message);
        }
    }

  gtk_window_present (window);
}

static void
wg_application_shutdown (GApplication *app)
{
  WgApplication *self = WG_APPLICATION (app);

  /* Stop the sync client and close the cache and the outbox now, not
   * whenever the last reference goes. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->relogin_id, g_source_remove);
  g_clear_object (&self->wall);
  g_clear_object (&self->context);

  G_APPLICATION_CLASS (wg_application_parent_class)->shutdown (app);
}

static void
wg_application_finalize (GObject *object)
{
  WgApplication *self = WG_APPLICATION (object);

  g_clear_pointer (&self->profile, g_free);
  g_clear_pointer (&self->server, g_free);
  g_clear_pointer (&self->username, g_free);
  g_clear_pointer (&self->session, json_object_unref);
  g_clear_object (&self->early_login_result);
  g_clear_object (&self->snapshot_fetch);
  if (self->reference_thread != NULL)
    {
      g_autoptr(WgReference) unused = g_thread_join (g_steal_pointer (&self->reference_thread));
    }
  g_clear_handle_id (&self->relogin_id, g_source_remove);
  g_clear_handle_id (&self->probe_id, g_source_remove);
  g_clear_pointer (&self->probe_gaps_us, g_array_unref);
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_clear_pointer (&self->password, g_free);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->wall);
  g_clear_object (&self->context);
  g_clear_object (&self->api);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (wg_application_parent_class)->finalize (object);
}

static void
wg_application_class_init (WgApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = wg_application_finalize;

  wg_register_resource ();
  app_class->handle_local_options = wg_application_handle_local_options;
  app_class->startup = wg_application_startup;
  app_class->activate = wg_application_activate;
  app_class->shutdown = wg_application_shutdown;
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GApplication *app = user_data;

  /* Close windows first so that each saves its state. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL;
       l = gtk_application_get_windows (GTK_APPLICATION (app)))
    gtk_window_destroy (l->data);
  g_application_quit (app);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  WgApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  WgPreferencesWindow *prefs = wg_preferences_window_new (wg_application_get_settings (self));

  gtk_window_set_transient_for (GTK_WINDOW (prefs), parent);
  gtk_window_present (GTK_WINDOW (prefs));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  WgApplication *self = user_data;

  wg_show_about_window (gtk_application_get_active_window (GTK_APPLICATION (self)));
}

static void
wg_application_init (WgApplication *self)
{
  static const GActionEntry actions[] = {
    { "quit", quit_activated },
    { "preferences", preferences_activated },
    { "about", about_activated },
  };
  static const GOptionEntry options[] = {
    { "profile", 'p', 0, G_OPTION_ARG_STRING, NULL,
      N_("Use a profile of its own (settings and local data), so that several consoles run side by side"),
      N_("NAME") },
    { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
      N_("Connect to the server at URL (the password comes from WANGGE_PASSWORD)"), N_("URL") },
    { "username", 'u', 0, G_OPTION_ARG_STRING, NULL, N_("Log in as NAME"), N_("NAME") },
    { "demo-incidents", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Without a server: start with the demo scenarios' incidents"), NULL },
    { "big-screen", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Open the big-screen mode (the centre’s wall), fullscreen on one or two monitors"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };
  static const char *fullscreen_accels[] = { "F11", NULL };
  /* GTK's own for its help overlay, which ours replaces (wg-window.c). */
  static const char *help_overlay_accels[] = { "<Control>question", "<Control>slash", NULL };

  self->profile = g_strdup ("default");

  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  g_application_add_main_option_entries (G_APPLICATION (self), options);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.preferences",
                                         preferences_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.fullscreen",
                                         fullscreen_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.show-help-overlay",
                                         help_overlay_accels);
}

WgApplication *
wg_application_new (GApplicationFlags flags)
{
  return g_object_new (WG_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", RESOURCE_BASE_PATH,
                       "flags", flags,
                       NULL);
}

/**
 * wg_application_get_settings:
 *
 * The settings of this console's profile, created on first use (after the
 * command line has chosen the profile).
 */
GSettings *
wg_application_get_settings (WgApplication *self)
{
  g_return_val_if_fail (WG_IS_APPLICATION (self), NULL);

  if (self->settings == NULL)
    {
      g_autofree char *path = NULL;

      if (g_strcmp0 (self->profile, "default") == 0)
        path = g_strdup (SETTINGS_BASE_PATH);
      else
        path = g_strdup_printf (SETTINGS_BASE_PATH "profiles/%s/", self->profile);
      self->settings = g_settings_new_with_path (SETTINGS_SCHEMA_ID, path);
    }

  return self->settings;
}

const char *
wg_application_get_profile (WgApplication *self)
{
  g_return_val_if_fail (WG_IS_APPLICATION (self), NULL);
  return self->profile;
}

GtkWindow *
wg_application_get_login_window (WgApplication *self)
{
  g_return_val_if_fail (WG_IS_APPLICATION (self), NULL);
  return self->login_window;
}

void
wg_application_log_in_with (WgApplication *self,
                            const char    *password)
{
  g_return_if_fail (WG_IS_APPLICATION (self));
  g_return_if_fail (self->login_window != NULL);

  gtk_editable_set_text (GTK_EDITABLE (self->password_row), password);
  login_clicked_cb (self);
}

const char *
wg_application_get_login_error (WgApplication *self)
{
  g_return_val_if_fail (WG_IS_APPLICATION (self), NULL);
  if (self->login_window == NULL || !gtk_widget_get_visible (GTK_WIDGET (self->login_error)))
    return NULL;
  return gtk_label_get_label (self->login_error);
}

WgContext *
wg_application_get_context (WgApplication *self)
{
  g_return_val_if_fail (WG_IS_APPLICATION (self), NULL);
  return self->context;
}
