/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Login limits of the real server (protocol.md, "Limits"), with its
 * defaults: 5 failures for one user name from one address, 20 for one user
 * name from everywhere, 30 from one address; logins being checked count.
 * Clients come from several loopback addresses (127.0.0.x: all of 127/8 is
 * the loopback) through SoupSession:local-address.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "wg-test-server.h"

static WgTestServer *
demo_server (void)
{
  const char *args[] = { "--demo", NULL };
  WgTestServer *server = wg_test_server_new (NULL);

  wg_test_server_start (server, args);
  return server;
}

/* A client whose connections come from @address. */
static SoupSession *
session_from (const char *address)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (address);
  g_autoptr(GSocketAddress) local = g_inet_socket_address_new (inet, 0);

  return soup_session_new_with_options ("local-address", local,
                                        "max-conns-per-host", 64,
                                        "timeout", 120,
                                        NULL);
}

static SoupMessage *
login_message (WgTestServer *server,
               const char   *username,
               const char   *password)
{
  g_autofree char *url = wg_test_server_url (server, "/api/v1/session");
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  SoupMessage *msg = soup_message_new ("POST", url);

  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  return msg;
}

/* The status of one login; a 429 must say when to come back. */
static guint
login_status (WgTestServer *server,
              SoupSession  *session,
              const char   *username,
              const char   *password)
{
  g_autoptr(SoupMessage) msg = login_message (server, username, password);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  status = soup_message_get_status (msg);
  if (status == 429)
    {
      const char *retry = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");

      g_assert_nonnull (retry);
      g_assert_cmpint (atoi (retry), >=, 1);
      g_assert_cmpint (atoi (retry), <=, 60);
    }
  else
    g_assert_true (status == 200 || status == 401);
  return status;
}

/* 40 wrong passwords for one user at once from one address: the five
 * being checked hold the pair's places, the rest are refused unchecked. */
static void
test_parallel_guesses (void)
{
  g_autoptr(WgTestServer) server = demo_server ();
  g_autoptr(SoupSession) session = session_from ("127.0.0.1");
  WgTestAnswerTally p = { .expected = 40 };

  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(SoupMessage) msg = login_message (server, "dispatcher", "guess");

      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, wg_test_answer_tally_cb, &p);
    }
  g_assert_true (wg_test_iterate_until (wg_test_answer_tally_done, &p, 120 * 1000));
  g_test_message ("40 parallel guesses: %u checked (401), %u refused (429)", p.unauthorized, p.throttled);
  g_assert_cmpuint (p.unauthorized, >=, 1);
  g_assert_cmpuint (p.unauthorized, <=, 5);
  g_assert_cmpuint (p.unauthorized + p.throttled, ==, 40);

  /* The window is full now: the right password waits too. */
  g_assert_cmpuint (login_status (server, session, "dispatcher", "demo"), ==, 429);
}

/* A centre's consoles share one address: one person's typos lock only
 * their own name there. */
static void
test_typos_keep_others_in (void)
{
  g_autoptr(WgTestServer) server = demo_server ();
  g_autoptr(SoupSession) session = session_from ("127.0.0.1");
  g_autoptr(SoupSession) elsewhere = session_from ("127.0.0.2");

  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (login_status (server, session, "dispatcher", "typo"), ==, 401);
  g_assert_cmpuint (login_status (server, session, "dispatcher", "demo"), ==, 429);

  g_assert_cmpuint (login_status (server, session, "leader", "demo"), ==, 200);
  g_assert_cmpuint (login_status (server, session, "trainer", "demo"), ==, 200);
  /* The same name from another console's address is not that pair. */
  g_assert_cmpuint (login_status (server, elsewhere, "dispatcher", "demo"), ==, 200);
}

/* 30 failures from one address (never 5 for one name) close the address,
 * for every name; other addresses stay open. */
static void
test_address_ceiling (void)
{
  g_autoptr(WgTestServer) server = demo_server ();
  g_autoptr(SoupSession) session = session_from ("127.0.0.3");
  g_autoptr(SoupSession) elsewhere = session_from ("127.0.0.4");

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *name = g_strdup_printf ("nobody-%u", i / 4);

      g_assert_cmpuint (login_status (server, session, name, "guess"), ==, 401);
    }
  g_assert_cmpuint (login_status (server, session, "leader", "demo"), ==, 429);
  g_assert_cmpuint (login_status (server, session, "nobody-new", "guess"), ==, 429);
  g_assert_cmpuint (login_status (server, elsewhere, "leader", "demo"), ==, 200);
}

/* 20 failures for one name from several addresses (4 each, under the
 * pair's 5) close that name everywhere; other names stay open. */
static void
test_user_ceiling (void)
{
  g_autoptr(WgTestServer) server = demo_server ();
  g_autoptr(SoupSession) fresh = session_from ("127.0.0.20");

  for (guint a = 0; a < 5; a++)
    {
      g_autofree char *address = g_strdup_printf ("127.0.0.%u", 10 + a);
      g_autoptr(SoupSession) session = session_from (address);

      for (guint i = 0; i < 4; i++)
        g_assert_cmpuint (login_status (server, session, "dispatcher", "guess"), ==, 401);
    }
  g_assert_cmpuint (login_status (server, fresh, "dispatcher", "demo"), ==, 429);
  g_assert_cmpuint (login_status (server, fresh, "leader", "demo"), ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/logins/parallel-guesses", test_parallel_guesses);
  g_test_add_func ("/logins/typos-keep-others-in", test_typos_keep_others_in);
  g_test_add_func ("/logins/address-ceiling", test_address_ceiling);
  g_test_add_func ("/logins/user-ceiling", test_user_ceiling);
  return g_test_run ();
}
