/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Test harness: spawns the real wangge-server (WANGGE_SERVER_BIN, set by
 * meson) with --port 0 and a temporary data directory, reads the
 * "listening on URL" line, and offers HTTP and WebSocket helpers.
 *
 * Every server is stopped the way an operator stops it, with SIGTERM, and
 * must exit with status 0 within STOP_TIMEOUT_S: a crash, a hang or a
 * sanitizer report at shutdown fails the test.  Under AddressSanitizer the
 * server runs with leak detection (whatever the test process itself uses,
 * GTK's tests keep it off) and UndefinedBehaviorSanitizer halts on its
 * first report, so that both end in a non-zero exit.
 *
 * WANGGE_TEST_DATABASE=postgresql runs every server on PostgreSQL: a
 * private cluster for the test program (wg-test-postgres.h), a database
 * of its own for each WgTestServer, kept across its restarts.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>

#include "wg-test-postgres.h"
#include "wg-test-server.h"
#include "test-files.h"

#ifndef WANGGE_SERVER_BIN
#error "WANGGE_SERVER_BIN must be defined by the build"
#endif

/* A clean stop takes well under a second; the sanitizers' leak check at
 * exit takes a few more on a loaded machine. */
#define STOP_TIMEOUT_S 60

gint64
wg_test_now_ms (void)
{
  return g_get_real_time () / 1000;
}

static gboolean
timeout_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
wg_test_iterate_for (guint ms)
{
  gboolean over = FALSE;
  guint id = g_timeout_add (ms, timeout_flag_cb, &over);

  while (!over)
    g_main_context_iteration (NULL, TRUE);
  (void) id;
}

gboolean
wg_test_iterate_until (gboolean (*done) (gpointer),
                       gpointer   data,
                       guint      timeout_ms)
{
  gboolean over = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_flag_cb, &over);

  while (!done (data) && !over)
    g_main_context_iteration (NULL, TRUE);
  if (!over)
    g_source_remove (id);
  return done (data);
}

static WgTestPostgres *cluster;

static void
stop_cluster (void)
{
  g_clear_pointer (&cluster, wg_test_postgres_stop);
}

/* A new database when the suite runs on PostgreSQL, else NULL. */
static char *
new_database (void)
{
  g_autofree char *skip_reason = NULL;

  if (g_strcmp0 (g_getenv ("WANGGE_TEST_DATABASE"), "postgresql") != 0)
    return NULL;
  if (cluster == NULL)
    {
      cluster = wg_test_postgres_start (&skip_reason);
      if (cluster == NULL)
        g_error ("WANGGE_TEST_DATABASE=postgresql, but %s", skip_reason);
      atexit (stop_cluster);
    }
  return wg_test_postgres_new_database (cluster);
}

WgTestServer *
wg_test_server_new (const char *config_text)
{
  g_autoptr(GError) error = NULL;
  WgTestServer *self = g_new0 (WgTestServer, 1);

  self->data_dir = g_dir_make_tmp ("wg-server-test-XXXXXX", &error);
  g_assert_no_error (error);
  if (config_text != NULL)
    {
      self->config_path = g_build_filename (self->data_dir, "server.conf", NULL);
      g_file_set_contents (self->config_path, config_text, -1, &error);
      g_assert_no_error (error);
    }
  self->session = soup_session_new_with_options ("timeout", 20, NULL);
  self->ws_session = soup_session_new ();
  self->database = new_database ();
  return self;
}

/* If a test aborts, its server must not outlive it (and hold the test's
 * stderr open, which makes meson wait for the timeout). */
static void
child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* @name's options from the environment with @extra after them (the
 * sanitizers let a later option override an earlier one). */
static void
append_sanitizer_options (GSubprocessLauncher *launcher,
                          const char          *name,
                          const char          *extra)
{
  const char *inherited = g_getenv (name);
  g_autofree char *value = inherited != NULL && *inherited != '\0'
                             ? g_strconcat (inherited, ":", extra, NULL) : g_strdup (extra);

  g_subprocess_launcher_setenv (launcher, name, value, TRUE);
}

/* Leak detection with our suppressions (library-lifetime allocations
 * only), and UBSan reports that stop the process.  Harmless without the
 * sanitizers: nothing reads these variables then. */
static void
set_sanitizer_env (GSubprocessLauncher *launcher,
                   gboolean             leak_check)
{
  const char *source_dir = g_getenv ("WANGGE_SOURCE_DIR");
  g_autofree char *supp = g_build_filename (source_dir != NULL ? source_dir : SOURCE_DATADIR "/..",
                                            "build-aux", "lsan.supp", NULL);
  g_autofree char *lsan = g_strconcat ("suppressions=", supp, ":print_suppressions=0", NULL);

  /* Stacks through the libraries (built without frame pointers, so not
   * the fast unwinder), for the suppressions to match their frames; 16
   * frames reach them and cost less than the default 30 (every request of the
   * server allocates). */
  append_sanitizer_options (launcher, "ASAN_OPTIONS",
                            leak_check ? "detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=16"
                                       : "detect_leaks=0");
  append_sanitizer_options (launcher, "LSAN_OPTIONS", lsan);
  append_sanitizer_options (launcher, "UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
}

/* A server asked to generate weeks of history at its start.  Under the
 * sanitizers its leak detection records a full stack for each of the
 * generator's millions of allocations, minutes of CI for no finding: the
 * same routes' leaks are checked by the other suites' servers and the
 * statistics by the unit suite; these still run with AddressSanitizer. */
static gboolean
long_history (const char * const *extra_args)
{
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL && extra_args[i + 1] != NULL; i++)
    if (g_str_equal (extra_args[i], "--demo-days"))
      return g_ascii_strtoll (extra_args[i + 1], NULL, 10) >= 30;
  return FALSE;
}

/* The test admin's account files (accounts.db and its change stamp), made
 * by the program's first server with `wangge-server user add` and copied
 * into each later server's fresh data directory: the same files, without
 * a further argon2id hash at full cost and, under the sanitizers, a
 * further process with leak checking per server start. */
typedef struct
{
  char   *name;
  GBytes *contents;
  int     mode;
} AdminFile;

static GPtrArray *admin_files;

static void
admin_file_free (gpointer data)
{
  AdminFile *file = data;

  g_free (file->name);
  g_bytes_unref (file->contents);
  g_free (file);
}

static GPtrArray *
read_admin_files (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (data_dir, 0, &error);
  GPtrArray *files = g_ptr_array_new_with_free_func (admin_file_free);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (data_dir, name, NULL);
      AdminFile *file;
      GStatBuf st;
      char *contents;
      gsize length;

      if (!g_str_has_prefix (name, "accounts.db"))
        continue;
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_file_get_contents (path, &contents, &length, &error);
      g_assert_no_error (error);
      file = g_new0 (AdminFile, 1);
      file->name = g_strdup (name);
      file->contents = g_bytes_new_take (contents, length);
      file->mode = st.st_mode & 0777;
      g_ptr_array_add (files, file);
    }
  return files;
}

static void
add_admin (WgTestServer *self)
{
  g_autofree char *accounts = g_build_filename (self->data_dir, "accounts.db", NULL);

  /* On PostgreSQL `user add` also shares the account into the server's
   * database; accounts already there need the admin added to them. */
  if (self->database != NULL || g_file_test (accounts, G_FILE_TEST_EXISTS))
    {
      wg_test_server_add_user (self, WG_TEST_ADMIN, WG_TEST_ADMIN_PASSWORD, "admin", NULL);
      return;
    }
  if (admin_files == NULL)
    {
      wg_test_server_add_user (self, WG_TEST_ADMIN, WG_TEST_ADMIN_PASSWORD, "admin", NULL);
      admin_files = read_admin_files (self->data_dir);
      return;
    }
  for (guint i = 0; i < admin_files->len; i++)
    {
      AdminFile *file = admin_files->pdata[i];
      g_autofree char *path = g_build_filename (self->data_dir, file->name, NULL);
      g_autoptr(GError) error = NULL;
      gsize length;
      const char *data = g_bytes_get_data (file->contents, &length);

      g_file_set_contents_full (path, data, length, G_FILE_SET_CONTENTS_NONE, file->mode, &error);
      g_assert_no_error (error);
    }
}

void
wg_test_server_start (WgTestServer       *self,
                      const char * const *extra_args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *line = NULL;
  GInputStream *out;

  g_assert_null (self->process);

  if (!self->no_admin && !self->admin_created)
    {
      add_admin (self);
      self->admin_created = TRUE;
    }

  g_ptr_array_add (argv, (gpointer) WANGGE_SERVER_BIN);
  g_ptr_array_add (argv, (gpointer) "--address");
  g_ptr_array_add (argv, (gpointer) "127.0.0.1");
  g_ptr_array_add (argv, (gpointer) "--port");
  g_ptr_array_add (argv, (gpointer) "0");
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  if (self->config_path != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "--config");
      g_ptr_array_add (argv, self->config_path);
    }
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  if (self->database != NULL && !(extra_args != NULL && g_strv_contains (extra_args, "--database")))
    {
      g_ptr_array_add (argv, (gpointer) "--database");
      g_ptr_array_add (argv, self->database);
    }
  /* A demo server generates a year of history on its first start: tests ask
   * for it explicitly, the others start empty. */
  if (extra_args != NULL && g_strv_contains (extra_args, "--demo")
      && !g_strv_contains (extra_args, "--demo-days"))
    {
      g_ptr_array_add (argv, (gpointer) "--demo-days");
      g_ptr_array_add (argv, (gpointer) "0");
    }
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  set_sanitizer_env (launcher, !self->no_leak_check && !long_history (extra_args));
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);

  out = g_subprocess_get_stdout_pipe (self->process);
  lines = g_data_input_stream_new (out);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (lines), FALSE);
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:") ||
                 g_str_has_prefix (line, "listening on https://127.0.0.1:"));

  g_free (self->base_url);
  self->base_url = g_strdup (line + strlen ("listening on "));
  self->port = (guint16) g_ascii_strtoull (strrchr (self->base_url, ':') + 1, NULL, 10);
  g_assert_cmpuint (self->port, >, 0);

  if (!self->no_admin && g_str_has_prefix (self->base_url, "http:"))
    {
      g_free (self->token);
      self->token = wg_test_server_login (self, WG_TEST_ADMIN, WG_TEST_ADMIN_PASSWORD);
    }
}

void
wg_test_server_add_user (WgTestServer       *self,
                         const char         *username,
                         const char         *password,
                         const char         *role,
                         const char * const *extra_args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) WANGGE_SERVER_BIN);
  g_ptr_array_add (argv, (gpointer) "user");
  g_ptr_array_add (argv, (gpointer) "add");
  g_ptr_array_add (argv, (gpointer) username);
  g_ptr_array_add (argv, (gpointer) "--role");
  g_ptr_array_add (argv, (gpointer) role);
  g_ptr_array_add (argv, (gpointer) "--data-dir");
  g_ptr_array_add (argv, self->data_dir);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  /* A demo server generates a year of history on its first start: tests ask
   * for it explicitly, the others start empty. */
  if (extra_args != NULL && g_strv_contains (extra_args, "--demo")
      && !g_strv_contains (extra_args, "--demo-days"))
    {
      g_ptr_array_add (argv, (gpointer) "--demo-days");
      g_ptr_array_add (argv, (gpointer) "0");
    }
  g_ptr_array_add (argv, NULL);
  set_sanitizer_env (launcher, TRUE);
  g_subprocess_launcher_setenv (launcher, "WANGGE_PASSWORD", password, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);
}

char *
wg_test_server_login (WgTestServer *self,
                      const char   *username,
                      const char   *password)
{
  g_autoptr(WgTestResponse) response = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "username");
  json_builder_add_string_value (builder, username);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);
  response = wg_test_server_request_as (self, NULL, "POST", "/api/v1/session", "application/json", body);
  if (response->status != 200)
    g_error ("login of %s: %u %s", username, response->status,
             (const char *) g_bytes_get_data (response->body, NULL));
  return g_strdup (json_object_get_string_member (wg_test_response_object (response), "token"));
}

typedef struct
{
  gboolean done;
  gboolean timed_out;
} StopWait;

static void
stop_waited_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  StopWait *wait = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  wait->done = TRUE;
}

static gboolean
stop_timeout_cb (gpointer user_data)
{
  ((StopWait *) user_data)->timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* SIGTERM, then the exit status (a clean stop is 0).  A server that does
 * not exit in time, or dies of a signal (a crash, an abort), fails the
 * test here. */
int
wg_test_server_stop (WgTestServer *self)
{
  /* A context of our own: the test's sources must not run meanwhile. */
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new_seconds (STOP_TIMEOUT_S);
  StopWait wait = { FALSE, FALSE };
  int status;

  g_assert_nonnull (self->process);
  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (self->process, NULL, stop_waited_cb, &wait);
  g_source_set_callback (timeout, stop_timeout_cb, &wait, NULL);
  g_source_attach (timeout, context);
  g_subprocess_send_signal (self->process, SIGTERM);
  while (!wait.done && !wait.timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  if (!wait.done)
    {
      g_subprocess_force_exit (self->process);
      g_subprocess_wait (self->process, NULL, NULL);
    }
  g_main_context_pop_thread_default (context);

  if (!wait.done)
    g_error ("wangge-server did not stop within %d s of SIGTERM", STOP_TIMEOUT_S);
  if (g_subprocess_get_if_signaled (self->process))
    g_error ("wangge-server died of signal %d at shutdown", g_subprocess_get_term_sig (self->process));
  g_assert_true (g_subprocess_get_if_exited (self->process));
  status = g_subprocess_get_exit_status (self->process);
  g_clear_object (&self->process);
  return status;
}

void
wg_test_server_kill (WgTestServer *self)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (self->process);
  g_subprocess_send_signal (self->process, SIGKILL);
  g_subprocess_wait (self->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (g_subprocess_get_if_exited (self->process));
  g_assert_cmpint (g_subprocess_get_term_sig (self->process), ==, SIGKILL);
  g_clear_object (&self->process);
}

void
wg_test_server_free (WgTestServer *self)
{
  if (self == NULL)
    return;
  /* Closes the client's connections first: the server's shutdown waits
   * for open requests only for its grace period. */
  g_clear_object (&self->session);
  g_clear_object (&self->ws_session);
  if (self->process != NULL)
    {
      int status = wg_test_server_stop (self);

      if (status != 0)
        g_error ("wangge-server exited with status %d (a sanitizer report is in the log above)", status);
    }
  test_rm_rf (self->data_dir);
  g_free (self->data_dir);
  g_free (self->config_path);
  g_free (self->base_url);
  g_free (self->token);
  g_free (self->database);
  g_free (self);
}

char *
wg_test_server_url (WgTestServer *self,
                    const char   *path)
{
  return g_strconcat (self->base_url, path, NULL);
}

WgTestResponse *
wg_test_server_request (WgTestServer *self,
                        const char   *method,
                        const char   *path,
                        const char   *content_type,
                        const char   *body)
{
  return wg_test_server_request_as (self, self->token, method, path, content_type, body);
}

WgTestResponse *
wg_test_server_request_as (WgTestServer *self,
                           const char   *token,
                           const char   *method,
                           const char   *path,
                           const char   *content_type,
                           const char   *body)
{
  g_autoptr(GBytes) bytes = body != NULL ? g_bytes_new (body, strlen (body)) : NULL;

  return wg_test_server_request_bytes (self, token, method, path, content_type, bytes, NULL);
}

WgTestResponse *
wg_test_server_request_bytes (WgTestServer *self,
                              const char   *token,
                              const char   *method,
                              const char   *path,
                              const char   *content_type,
                              GBytes       *body,
                              const char   *if_none_match)
{
  g_autofree char *url = wg_test_server_url (self, path);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  WgTestResponse *response;
  const char *type;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  if (if_none_match != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "If-None-Match", if_none_match);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);

  response = g_new0 (WgTestResponse, 1);
  response->body = soup_session_send_and_read (self->session, msg, NULL, &error);
  g_assert_no_error (error);
  response->status = soup_message_get_status (msg);
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  type = soup_message_headers_get_content_type (response->headers, NULL);
  response->content_type = g_strdup (type);
  if (type != NULL && (g_str_equal (type, "application/json") || g_str_equal (type, "application/problem+json")))
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize size;
      const char *data = g_bytes_get_data (response->body, &size);

      json_parser_load_from_data (parser, data, size, &error);
      g_assert_no_error (error);
      response->json = json_parser_steal_root (parser);
    }
  return response;
}

WgTestResponse *
wg_test_server_command (WgTestServer *self,
                        const char   *token,
                        const char   *id,
                        const char   *type,
                        const char   *body_json)
{
  g_autofree char *own_id = NULL;
  g_autofree char *text = NULL;

  if (id == NULL)
    id = own_id = g_uuid_string_random ();
  text = g_strdup_printf ("{\"id\":\"%s\",\"type\":\"%s\",\"body\":%s}", id, type, body_json);
  return wg_test_server_request_as (self, token, "POST", "/api/v1/commands", "application/json", text);
}

/* The journal head, from /api/v1/health (no token needed). */
gint64
wg_test_server_head (WgTestServer *self)
{
  g_autoptr(WgTestResponse) r = wg_test_server_request_as (self, NULL, "GET", "/api/v1/health", NULL, NULL);

  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_int_member (wg_test_response_object (r), "head");
}

char *
wg_test_server_grid_at (WgTestServer *self,
                        const char   *token,
                        const char   *location_json)
{
  g_autofree char *body_json = g_strdup_printf ("{\"grade\": \"general\", \"category\": \"garbage\","
                                                " \"location\": %s, \"summary\": \"probe\"}",
                                                location_json);
  g_autoptr(WgTestResponse) r = wg_test_server_command (self, token, NULL, "incident.report", body_json);
  JsonArray *events;
  JsonObject *body;

  g_assert_cmpuint (r->status, ==, 200);
  events = json_object_get_array_member (wg_test_response_object (r), "events");
  body = json_object_get_object_member (json_array_get_object_element (events, 0), "body");
  return g_strdup (json_object_get_string_member (body, "grid"));
}

char *
wg_test_server_grid_worker (WgTestServer *self,
                            const char   *grid,
                            gboolean      own)
{
  g_autoptr(WgTestResponse) r = wg_test_server_get (self, "/api/v1/reference");
  JsonArray *forces;

  g_assert_cmpuint (r->status, ==, 200);
  forces = json_object_get_array_member (json_object_get_object_member (wg_test_response_object (r), "forces"),
                                         "forces");
  for (guint i = 0; i < json_array_get_length (forces); i++)
    {
      JsonObject *force = json_array_get_object_element (forces, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (force, "type", ""), "grid_worker") != 0)
        continue;
      if ((g_strcmp0 (json_object_get_string_member_with_default (force, "grid", ""), grid) == 0) == own)
        return g_strdup (json_object_get_string_member (force, "account"));
    }
  g_assert_not_reached ();
  return NULL;
}

WgTestResponse *
wg_test_server_get (WgTestServer *self,
                    const char   *path)
{
  return wg_test_server_request (self, "GET", path, NULL, NULL);
}

WgTestResponse *
wg_test_server_post_json (WgTestServer *self,
                          const char   *path,
                          const char   *json)
{
  return wg_test_server_request (self, "POST", path, "application/json", json);
}

void
wg_test_response_free (WgTestResponse *response)
{
  if (response == NULL)
    return;
  g_free (response->content_type);
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_free (response);
}

JsonObject *
wg_test_response_object (WgTestResponse *response)
{
  g_assert_nonnull (response->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (response->json));
  return json_node_get_object (response->json);
}

void
wg_test_response_assert_problem (WgTestResponse *response,
                                 guint           status,
                                 const char     *slug)
{
  JsonObject *obj;
  g_autofree char *type = g_strconcat ("https://wangge.example/problems/", slug, NULL);

  g_assert_cmpuint (response->status, ==, status);
  g_assert_cmpstr (response->content_type, ==, "application/problem+json");
  obj = wg_test_response_object (response);
  g_assert_cmpstr (json_object_get_string_member (obj, "type"), ==, type);
  g_assert_cmpstr (json_object_get_string_member (obj, "code"), ==, slug);
  g_assert_cmpint (json_object_get_int_member (obj, "status"), ==, status);
  g_assert_nonnull (json_object_get_string_member (obj, "title"));
}

/* ---- WebSocket ---------------------------------------------------------- */

typedef struct
{
  gboolean                 done;
  SoupWebsocketConnection *conn;
  GError                  *error;
} ConnectData;

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ConnectData *data = user_data;

  data->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &data->error);
  data->done = TRUE;
}

static gboolean
connect_done (gpointer data)
{
  return ((ConnectData *) data)->done;
}

static void
ws_message_cb (SoupWebsocketConnection *conn,
               gint                     type,
               GBytes                  *message,
               WgTestWebsocket         *ws)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (message, &size);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  json_parser_load_from_data (parser, data, size, &error);
  g_assert_no_error (error);
  g_queue_push_tail (&ws->messages, json_parser_steal_root (parser));
}

static void
ws_closed_cb (SoupWebsocketConnection *conn,
              WgTestWebsocket         *ws)
{
  ws->closed = TRUE;
  ws->close_code = soup_websocket_connection_get_close_code (conn);
}

WgTestWebsocket *
wg_test_server_websocket (WgTestServer  *self,
                          const char    *path,
                          GError       **error)
{
  return wg_test_server_websocket_as (self, self->token, path, error);
}

WgTestWebsocket *
wg_test_server_websocket_as (WgTestServer  *self,
                             const char    *token,
                             const char    *path,
                             GError       **error)
{
  g_autofree char *url = wg_test_server_url (self, path);
  g_autoptr(SoupMessage) msg = NULL;
  ConnectData data = { 0 };
  WgTestWebsocket *ws;

  /* ws:// is spelled http:// for libsoup's handshake. */
  msg = soup_message_new ("GET", url);
  if (token != NULL)
    {
      g_autofree char *header = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  soup_session_websocket_connect_async (self->ws_session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, connect_cb, &data);
  g_assert_true (wg_test_iterate_until (connect_done, &data, 10000));
  if (data.conn == NULL)
    {
      g_propagate_error (error, data.error);
      return NULL;
    }

  ws = g_new0 (WgTestWebsocket, 1);
  ws->conn = data.conn;
  g_queue_init (&ws->messages);
  soup_websocket_connection_set_max_incoming_payload_size (ws->conn, 4 * 1024 * 1024);
  g_signal_connect (ws->conn, "message", G_CALLBACK (ws_message_cb), ws);
  g_signal_connect (ws->conn, "closed", G_CALLBACK (ws_closed_cb), ws);
  return ws;
}

typedef struct
{
  WgTestWebsocket *ws;
  const char      *type;
  JsonNode        *found;
} WaitType;

static gboolean
find_type (gpointer user_data)
{
  WaitType *wait = user_data;

  while (wait->found == NULL && !g_queue_is_empty (&wait->ws->messages))
    {
      JsonNode *node = g_queue_pop_head (&wait->ws->messages);
      const char *type = json_object_get_string_member_with_default (json_node_get_object (node), "type", "");

      if (g_str_equal (type, wait->type))
        wait->found = node;
      else
        json_node_unref (node);
    }
  return wait->found != NULL || wait->ws->closed;
}

/* Waits for the next message of @type, dropping others on the way; NULL on
 * timeout or close. */
JsonNode *
wg_test_websocket_wait_type (WgTestWebsocket *ws,
                             const char      *type,
                             guint            timeout_ms)
{
  WaitType wait = { ws, type, NULL };

  wg_test_iterate_until (find_type, &wait, timeout_ms);
  return wait.found;
}

void
wg_test_websocket_send (WgTestWebsocket *ws,
                        const char      *text)
{
  soup_websocket_connection_send_text (ws->conn, text);
}

static gboolean
ws_is_closed (gpointer data)
{
  return ((WgTestWebsocket *) data)->closed;
}

gboolean
wg_test_websocket_wait_closed (WgTestWebsocket *ws,
                               guint            timeout_ms)
{
  return wg_test_iterate_until (ws_is_closed, ws, timeout_ms);
}

void
wg_test_websocket_free (WgTestWebsocket *ws)
{
  if (ws == NULL)
    return;
  g_signal_handlers_disconnect_by_data (ws->conn, ws);
  if (soup_websocket_connection_get_state (ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&ws->conn);
  g_queue_clear_full (&ws->messages, (GDestroyNotify) json_node_unref);
  g_free (ws);
}

void
wg_test_answer_tally_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  WgTestAnswerTally *tally = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  g_assert_no_error (error);
  tally->answered++;
  tally->unauthorized += soup_message_get_status (msg) == 401;
  tally->throttled += soup_message_get_status (msg) == 429;
}

gboolean
wg_test_answer_tally_done (gpointer tally)
{
  return ((WgTestAnswerTally *) tally)->answered == ((WgTestAnswerTally *) tally)->expected;
}
