/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gstdio.h>

#include "wg-outbox.h"

static char *
make_temp_path (char **dir)
{
  g_autoptr(GError) error = NULL;

  *dir = g_dir_make_tmp ("wangge-outbox-XXXXXX", &error);
  g_assert_no_error (error);
  return g_build_filename (*dir, "outbox.db", NULL);
}

static void
remove_temp (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
test_order_owner_and_restart (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = make_temp_path (&dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(WgOutbox) outbox = wg_outbox_open (path, &error);
  WgOutboxEntry *entry;

  g_assert_no_error (error);
  for (int i = 0; i < 100; i++)
    {
      g_autofree char *id = g_strdup_printf ("00000000-0000-4000-8000-%012d", i);
      g_autofree char *body = g_strdup_printf ("{\"incident\":\"x\",\"text\":\"note %d\"}", i);

      g_assert_true (wg_outbox_enqueue (outbox, "dispatcher", id, "incident.note", body, 1000 + i,
                                        &error));
      g_assert_no_error (error);
    }
  g_assert_true (wg_outbox_enqueue (outbox, "leader", "11111111-0000-4000-8000-000000000000",
                                    "alarm.acknowledge", "{\"incident\":\"x\"}", 5000, &error));

  /* The same id twice is refused: an id is used once forever. */
  g_assert_false (wg_outbox_enqueue (outbox, "dispatcher", "00000000-0000-4000-8000-000000000000",
                                     "incident.note", "{}", 1, &error));
  g_assert_error (error, WG_OUTBOX_ERROR, WG_OUTBOX_ERROR_DUPLICATE);
  g_clear_error (&error);

  /* Restart: all still there, in order, each owner's own. */
  g_clear_pointer (&outbox, wg_outbox_close);
  outbox = wg_outbox_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (wg_outbox_count (outbox, "dispatcher", WG_OUTBOX_QUEUED), ==, 100);
  g_assert_cmpuint (wg_outbox_count (outbox, "leader", WG_OUTBOX_QUEUED), ==, 1);

  for (int i = 0; i < 100; i++)
    {
      g_autofree char *expected = g_strdup_printf ("00000000-0000-4000-8000-%012d", i);

      entry = wg_outbox_next (outbox, "dispatcher", &error);
      g_assert_no_error (error);
      g_assert_cmpstr (entry->id, ==, expected);
      g_assert_cmpstr (entry->owner, ==, "dispatcher");
      if (i == 3)
        {
          /* A network failure keeps it first in line, counted. */
          g_assert_true (wg_outbox_record_failure (outbox, entry->id, "connection refused", &error));
          wg_outbox_entry_free (entry);
          entry = wg_outbox_next (outbox, "dispatcher", &error);
          g_assert_cmpstr (entry->id, ==, expected);
          g_assert_cmpuint (entry->attempts, ==, 1);
          g_assert_cmpstr (entry->last_error, ==, "connection refused");
        }
      g_assert_true (wg_outbox_settle (outbox, entry->id,
                                       i == 50 ? WG_OUTBOX_REFUSED : WG_OUTBOX_ACCEPTED,
                                       i == 50 ? "{\"code\":\"illegal-transition\"}" : "{\"events\":[]}",
                                       9000, &error));
      g_assert_no_error (error);
      wg_outbox_entry_free (entry);
    }

  g_assert_null (wg_outbox_next (outbox, "dispatcher", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wg_outbox_count (outbox, "dispatcher", WG_OUTBOX_ACCEPTED), ==, 99);
  g_assert_cmpuint (wg_outbox_count (outbox, "leader", WG_OUTBOX_QUEUED), ==, 1);

  {
    g_autoptr(GPtrArray) refused = wg_outbox_list (outbox, "dispatcher", WG_OUTBOX_REFUSED, &error);

    g_assert_cmpuint (refused->len, ==, 1);
    entry = refused->pdata[0];
    g_assert_cmpstr (entry->answer, ==, "{\"code\":\"illegal-transition\"}");
    g_assert_true (wg_outbox_dismiss (outbox, entry->id, &error));
  }
  g_assert_cmpuint (wg_outbox_count (outbox, "dispatcher", WG_OUTBOX_REFUSED), ==, 0);

  /* Settling twice is refused: a command is answered once. */
  g_assert_false (wg_outbox_settle (outbox, "00000000-0000-4000-8000-000000000001",
                                    WG_OUTBOX_ACCEPTED, "{}", 9001, &error));
  g_assert_error (error, WG_OUTBOX_ERROR, WG_OUTBOX_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (wg_outbox_prune_accepted (outbox, 10000, &error));
  g_assert_cmpuint (wg_outbox_count (outbox, "dispatcher", WG_OUTBOX_ACCEPTED), ==, 0);

  g_clear_pointer (&outbox, wg_outbox_close);
  remove_temp (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/outbox/order-owner-restart", test_order_owner_and_restart);
  return g_test_run ();
}
