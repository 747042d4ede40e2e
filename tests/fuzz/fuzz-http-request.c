/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the HTTP request path: the input is the raw bytes a
 * client sends on one connection (request line, headers, body, perhaps
 * several pipelined requests or a WebSocket upgrade).  A real WgServer with
 * its WgEngine (the demo's reference and accounts, an empty journal, data
 * on tmpfs) serves it in process, on its loopback port (a connection that
 * libsoup accepted itself: the stream hub needs the socket), so nothing
 * leaves the machine.  Each input is one connection; the target writes it, closes
 * its writing side, and runs the main loop until every request read has
 * been answered (then it closes its side).  Covered: libsoup's parser feeding our router (404/405),
 * the body limit (413, set low here), bearer-token parsing and the
 * identify function (401/403), the JSON guard and the command decoder as
 * POST /api/v1/commands runs them, decide() and the group commit, queries
 * of the journal, audit, positions and incidents, logins, the stream's
 * upgrade checks, and the problem+json answers.
 *
 * "@A@", "@D@" and "@W@" in the input become the tokens of admin,
 * dispatcher and worker-01 (logged in at start), so that the fuzzer gets
 * past authentication.  Any answer is fine; a crash, a sanitizer report, a
 * GLib critical or a request read in full and never answered (10 s) is a
 * finding.
 *
 *   CC=clang meson setup _build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined
 *   _build-fuzz/tests/fuzz/fuzz-http-request -max_total_time=60 SCRATCH tests/fuzz/corpus/http-request
 */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wg-engine.h"
#include "wg-server.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static WgServer *server;
static WgEngine *engine;
static char *data_dir;
static const char *users[] = { "admin", "dispatcher", "worker-01" };
static char *tokens[G_N_ELEMENTS (users)];
static guint64 executions;
static guint16 port;
static GHashTable *reading;   /* SoupServerMessage read in full, not yet answered */

static void
message_gone_cb (gpointer  data,
                 GObject  *where_the_object_was)
{
  g_hash_table_remove (reading, where_the_object_was);
}

static void
got_body_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  if (g_hash_table_add (reading, msg))
    g_object_weak_ref (G_OBJECT (msg), message_gone_cb, NULL);
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  g_signal_connect (msg, "got-body", G_CALLBACK (got_body_cb), NULL);
}

static void
request_done_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  if (g_hash_table_remove (reading, msg))
    g_object_weak_unref (G_OBJECT (msg), message_gone_cb, NULL);
}

/* Requests still waiting for their answer (an upgraded WebSocket is
 * answered: 101). */
static guint
count_in_progress (void)
{
  GHashTableIter iter;
  gpointer msg;
  guint n = 0;

  g_hash_table_iter_init (&iter, reading);
  while (g_hash_table_iter_next (&iter, &msg, NULL))
    if (soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
      n++;
  return n;
}

/* Serves @request on a fresh connection; returns what the server answered
 * (the whole byte stream until it closed the connection). */
static GBytes *
exchange (const char *request,
          gsize       len)
{
  GMainContext *context = g_main_context_default ();
  GByteArray *answer = g_byte_array_new ();
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (port),
                            .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  struct linger no_linger = { .l_onoff = 1, .l_linger = 0 };
  gsize written = 0;
  gboolean closed = FALSE;
  gint64 deadline, quiet_since = 0;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    g_error ("socket: %s", g_strerror (errno));
  /* Close with a reset: no TIME_WAIT left behind per execution. */
  setsockopt (fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
  if (connect (fd, (struct sockaddr *) &to, sizeof to) != 0 && errno != EINPROGRESS)
    g_error ("connect: %s", g_strerror (errno));

  /* libsoup keeps an idle keep-alive connection open even after the
   * client's half-close, so "the server closed" cannot be the end: the
   * exchange is over when everything is written, every request whose body
   * was read has been answered (request-finished), and the main loop and
   * the socket have been quiet for a moment.  Then the client closes. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!closed)
    {
      guint8 buffer[16384];
      gboolean busy = FALSE;
      ssize_t n;

      if (written < len)
        {
          n = write (fd, request + written, len - written);
          if (n > 0)
            written += n;
          else if (n < 0 && errno != EAGAIN && errno != EINTR && errno != ENOTCONN)
            written = len;   /* the server closed early: stop sending */
          if (written == len)
            shutdown (fd, SHUT_WR);
          busy = TRUE;
        }
      while ((n = read (fd, buffer, sizeof buffer)) > 0)
        {
          g_byte_array_append (answer, buffer, n);
          busy = TRUE;
        }
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        closed = TRUE;
      busy |= g_main_context_iteration (context, FALSE);
      if (busy || count_in_progress () > 0)
        quiet_since = 0;
      else if (quiet_since == 0)
        quiet_since = g_get_monotonic_time ();
      else if (g_get_monotonic_time () - quiet_since > 1000)
        break;
      if (!busy)
        g_usleep (50);
      if (g_get_monotonic_time () > deadline)
        g_error ("a request was not answered in 10 s (%u bytes answered: %.*s)",
                 answer->len, (int) MIN (answer->len, 400), (const char *) answer->data);
    }
  close (fd);
  /* Let the server notice and drop its side. */
  for (guint i = 0; i < 16 && g_main_context_iteration (context, FALSE); i++)
    ;
  return g_byte_array_free_to_bytes (answer);
}

static char *
login (const char *username)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"demo\"}", username);
  g_autofree char *request = g_strdup_printf ("POST /api/v1/session HTTP/1.1\r\nHost: fuzz\r\n"
                                              "Content-Type: application/json\r\nContent-Length: %u\r\n"
                                              "Connection: close\r\n\r\n%s",
                                              (guint) strlen (body), body);
  g_autoptr(GBytes) answer = exchange (request, strlen (request));
  g_autofree char *text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  const char *p = strstr (text, "\"token\":\"");
  const char *end;

  if (!g_str_has_prefix (text, "HTTP/1.1 200") || p == NULL || (end = strchr (p + 9, '"')) == NULL)
    g_error ("login of %s: %s", username, text);
  return g_strndup (p + 9, end - (p + 9));
}

static void
tear_down (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (engine != NULL)
    wg_engine_flush (engine);
  wg_server_stop (server);
  g_clear_pointer (&engine, wg_engine_free);
  g_clear_object (&server);
  /* The data directory is flat (the databases and their WAL files). */
  dir = g_dir_open (data_dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (data_dir, name, NULL);

      if (g_unlink (path) != 0 && g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          g_autoptr(GDir) sub = g_dir_open (path, 0, NULL);
          const char *child;

          while (sub != NULL && (child = g_dir_read_name (sub)) != NULL)
            {
              g_autofree char *child_path = g_build_filename (path, child, NULL);

              g_unlink (child_path);
            }
          g_rmdir (path);
        }
    }
  g_rmdir (data_dir);
}

static void
set_up (void)
{
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(GError) error = NULL;

  g_setenv ("LANG", "C.UTF-8", TRUE);
  if (access ("/dev/shm", W_OK) == 0)
    data_dir = g_strdup_printf ("/dev/shm/wg-fuzz-http-%d", (int) getpid ());
  else
    data_dir = g_strdup_printf ("%s/wg-fuzz-http-%d", g_get_tmp_dir (), (int) getpid ());

  g_free (config->address);
  config->address = g_strdup ("127.0.0.1");
  config->port = 0;
  config->data_dir = g_strdup (data_dir);
  config->demo = TRUE;
  config->demo_days = 0;
  /* Small limits, so that short inputs reach the refusals. */
  config->body_max_bytes = 4096;
  config->json_max_depth = 16;
  config->ws_keepalive_seconds = 0;
  config->stream_close_timeout_seconds = 1;
  /* One execution must not wait for company in the group commit. */
  config->batch_max_delay_us = 0;
  server = wg_server_new (config, &error);
  if (server == NULL)
    g_error ("%s", error->message);
  engine = wg_engine_new (server, &error);
  if (engine == NULL || !wg_server_start (server, &error))
    g_error ("%s", error->message);
  wg_engine_start (engine);
  atexit (tear_down);
  reading = g_hash_table_new (NULL, NULL);
  g_signal_connect (wg_server_get_soup_server (server), "request-started", G_CALLBACK (request_started_cb), NULL);
  g_signal_connect (wg_server_get_soup_server (server), "request-finished", G_CALLBACK (request_done_cb), NULL);
  g_signal_connect (wg_server_get_soup_server (server), "request-aborted", G_CALLBACK (request_done_cb), NULL);

  port = wg_server_get_port (server);
  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    tokens[i] = login (users[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *placeholders[] = { "@A@", "@D@", "@W@" };
  g_autoptr(GString) request = NULL;
  g_autoptr(GBytes) answer = NULL;

  if (server == NULL)
    set_up ();
  /* An input may log a token out (DELETE /api/v1/session): fresh ones now
   * and then keep the authenticated paths reachable. */
  if (++executions % 5000 == 0)
    for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
      {
        g_free (tokens[i]);
        tokens[i] = login (users[i]);
      }

  request = g_string_new_len ((const char *) data, size);
  for (guint i = 0; i < G_N_ELEMENTS (placeholders); i++)
    g_string_replace (request, placeholders[i], tokens[i], 0);
  answer = exchange (request->str, request->len);

  /* Whatever came back is HTTP (or nothing: a request libsoup dropped). */
  if (g_bytes_get_size (answer) > 0)
    g_assert (g_bytes_get_size (answer) >= 5 && memcmp (g_bytes_get_data (answer, NULL), "HTTP/", 5) == 0);
  return 0;
}
