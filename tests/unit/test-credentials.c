/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The session token in the Secret Service.  Run twice: inside a private
 * D-Bus session with an unlocked gnome-keyring (the token is kept, found,
 * replaced and cleared; then the keyring is locked and a lookup gives up
 * instead of waiting for its password prompt), and with no session bus at
 * all (every call fails cleanly and quickly, and the caller carries on).
 */
#include <libsecret/secret.h>

#include "wg-credentials.h"

static GAsyncResult *
wait_for (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static void
done_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
have_keyring (void)
{
  return g_strcmp0 (g_getenv ("WANGGE_TEST_KEYRING"), "1") == 0;
}

/* The unlocked gnome-keyring started before this program (meson.build)
 * owns org.freedesktop.secrets on the session bus a moment after it
 * returns: a first call before that makes D-Bus start a second daemon,
 * without the unlocked keyring, which waits for a prompt (a CI run hung
 * there for its 30 s).  Polled without auto-start, 10 s at most. */
static void
wait_for_secret_service (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_no_error (error);
  for (;;)
    {
      g_autoptr(GVariant) reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                                               "org.freedesktop.DBus", "NameHasOwner",
                                                               g_variant_new ("(s)", "org.freedesktop.secrets"),
                                                               G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                                               -1, NULL, &error);
      gboolean owned = FALSE;

      g_assert_no_error (error);
      g_variant_get (reply, "(b)", &owned);
      if (owned)
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
}

static void
test_store_lookup_clear (void)
{
  g_autoptr(GAsyncResult) stored = NULL, found = NULL, replaced = NULL, again = NULL;
  g_autoptr(GAsyncResult) other = NULL, cleared = NULL, gone = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  if (!have_keyring ())
    {
      g_test_skip ("needs the private keyring session (the test-credentials-keyring run)");
      return;
    }
  wait_for_secret_service ();

  wg_credentials_store_async ("https://wangge.example.org", "leader", "token-1", NULL, done_cb, &stored);
  wg_credentials_store_finish (wait_for (&stored), &error);
  g_assert_no_error (error);

  wg_credentials_lookup_async ("https://wangge.example.org", "leader", NULL, done_cb, &found);
  token = wg_credentials_lookup_finish (wait_for (&found), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "token-1");
  g_clear_pointer (&token, g_free);

  /* A new login replaces the token of the same user on the same server. */
  wg_credentials_store_async ("https://wangge.example.org", "leader", "token-2", NULL, done_cb, &replaced);
  g_assert_true (wg_credentials_store_finish (wait_for (&replaced), &error));
  wg_credentials_lookup_async ("https://wangge.example.org", "leader", NULL, done_cb, &again);
  token = wg_credentials_lookup_finish (wait_for (&again), &error);
  g_assert_cmpstr (token, ==, "token-2");
  g_clear_pointer (&token, g_free);

  /* Another server's or user's session is another secret. */
  wg_credentials_lookup_async ("https://other.example.org", "leader", NULL, done_cb, &other);
  token = wg_credentials_lookup_finish (wait_for (&other), &error);
  g_assert_no_error (error);
  g_assert_null (token);

  /* Logging out clears it. */
  wg_credentials_clear_async ("https://wangge.example.org", "leader", NULL, done_cb, &cleared);
  g_assert_true (wg_credentials_clear_finish (wait_for (&cleared), &error));
  wg_credentials_lookup_async ("https://wangge.example.org", "leader", NULL, done_cb, &gone);
  token = wg_credentials_lookup_finish (wait_for (&gone), &error);
  g_assert_no_error (error);
  g_assert_null (token);
}

/* A locked keyring answers a lookup with a prompt for its password, which
 * nobody at an unattended wall will type: the lookup gives up after 10 s
 * (or fails at once when no prompt can be shown), it never hangs. */
static void
test_locked_keyring (void)
{
  g_autoptr(GAsyncResult) stored = NULL, found = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretService) service = NULL;
  g_autoptr(SecretCollection) collection = NULL;
  g_autolist(GDBusProxy) objects = NULL;
  g_autofree char *token = NULL;
  gint64 started;

  if (!have_keyring ())
    {
      g_test_skip ("needs the private keyring session (the test-credentials-keyring run)");
      return;
    }
  wait_for_secret_service ();
  wg_credentials_store_async ("https://wangge.example.org", "wall", "token-w", NULL, done_cb, &stored);
  g_assert_true (wg_credentials_store_finish (wait_for (&stored), &error));
  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  g_assert_no_error (error);
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE,
                                                 NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (collection);
  objects = g_list_append (NULL, g_object_ref (collection));
  secret_service_lock_sync (service, objects, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (secret_collection_get_locked (collection));

  started = g_get_monotonic_time ();
  wg_credentials_lookup_async ("https://wangge.example.org", "wall", NULL, done_cb, &found);
  token = wg_credentials_lookup_finish (wait_for (&found), &error);
  g_test_message ("the locked keyring's lookup ended in %.1f s: %s",
                  (g_get_monotonic_time () - started) / 1e6,
                  error != NULL ? error->message : token != NULL ? "the token" : "nothing");
  g_assert_cmpint (g_get_monotonic_time () - started, <, 15 * G_USEC_PER_SEC);
}

static void
test_without_secret_service (void)
{
  g_autoptr(GAsyncResult) stored = NULL, found = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  gint64 started = g_get_monotonic_time ();

  if (have_keyring ())
    {
      g_test_skip ("runs without a session bus (the test-credentials run)");
      return;
    }

  wg_credentials_store_async ("https://wangge.example.org", "wall", "t", NULL, done_cb, &stored);
  g_assert_false (wg_credentials_store_finish (wait_for (&stored), &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  wg_credentials_lookup_async ("https://wangge.example.org", "wall", NULL, done_cb, &found);
  token = wg_credentials_lookup_finish (wait_for (&found), &error);
  g_assert_null (token);
  g_assert_nonnull (error);
  /* A kiosk without a keyring must not hang at start. */
  g_assert_cmpint (g_get_monotonic_time () - started, <, 30 * G_USEC_PER_SEC);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/credentials/keyring/store-lookup-clear", test_store_lookup_clear);
  g_test_add_func ("/credentials/keyring/locked", test_locked_keyring);
  g_test_add_func ("/credentials/without-secret-service", test_without_secret_service);
  return g_test_run ();
}
