/* SPDX-License-Identifier: GPL-3.0-or-later
 * The client's own rules; talking to the real server is in the integration suite. */
#include "wg-api-client.h"

static void
test_refuses_plain_http_off_this_machine (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WgApiClient) client = NULL;
  g_autofree char *url = NULL;

  client = wg_api_client_new ("http://wangge.example.org", FALSE, &error);
  g_assert_null (client);
  g_assert_error (error, WG_API_ERROR, WG_API_ERROR_INSECURE);
  g_clear_error (&error);

  client = wg_api_client_new ("ftp://127.0.0.1", FALSE, &error);
  g_assert_null (client);
  g_assert_error (error, WG_API_ERROR, WG_API_ERROR_INSECURE);
  g_clear_error (&error);

  client = wg_api_client_new ("not a url", FALSE, &error);
  g_assert_null (client);
  g_clear_error (&error);

  /* Loopback, TLS, or an explicit choice are fine. */
  for (guint i = 0; i < 5; i++)
    {
      const char *ok[] = { "http://127.0.0.1:8470/", "http://localhost:8470", "http://[::1]:8470",
                           "https://wangge.example.org", "http://10.1.2.3:8470" };
      g_autoptr(WgApiClient) allowed = wg_api_client_new (ok[i], i == 4, &error);

      g_assert_no_error (error);
      g_assert_nonnull (allowed);
    }

  client = wg_api_client_new ("http://127.0.0.1:8470///", FALSE, &error);
  g_assert_cmpstr (wg_api_client_get_base_url (client), ==, "http://127.0.0.1:8470");
  url = wg_api_client_build_url (client, "/api/v1/health");
  g_assert_cmpstr (url, ==, "http://127.0.0.1:8470/api/v1/health");
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_unreachable_server_is_retryable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(WgApiClient) client = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WgProblem) problem = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *url = NULL;

  /* Take a free port, then close it: nobody listens there. */
  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error));
  url = g_strdup_printf ("http://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_listener_close (listener);

  client = wg_api_client_new (url, FALSE, &error);
  g_assert_no_error (error);
  wg_api_client_request_async (client, "GET", "/api/v1/health", NULL, NULL, done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  answer = wg_api_client_request_finish (client, result, &problem, &error);
  g_assert_null (answer);
  g_assert_null (problem);
  g_assert_error (error, WG_API_ERROR, WG_API_ERROR_NETWORK);
  g_assert_true (wg_api_error_is_retryable (error));
}

static void
test_retryable_classes (void)
{
  const struct { WgApiError code; gboolean retry; } cases[] = {
    { WG_API_ERROR_NETWORK, TRUE }, { WG_API_ERROR_UNAUTHORIZED, TRUE },
    { WG_API_ERROR_THROTTLED, TRUE }, { WG_API_ERROR_SERVER, TRUE },
    { WG_API_ERROR_TOO_LARGE, FALSE }, { WG_API_ERROR_REFUSED, FALSE },
    { WG_API_ERROR_INVALID_RESPONSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (WG_API_ERROR, cases[i].code, "x");
      g_assert_cmpint (wg_api_error_is_retryable (error), ==, cases[i].retry);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api-client/refuses-insecure", test_refuses_plain_http_off_this_machine);
  g_test_add_func ("/api-client/unreachable-is-retryable", test_unreachable_server_is_retryable);
  g_test_add_func ("/api-client/retryable-classes", test_retryable_classes);
  return g_test_run ();
}
