/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-data-lock"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "wg-data-lock.h"

struct _WgDataLock
{
  int fd;
};

WgDataLock *
wg_data_lock_acquire (const char  *data_dir,
                      GError     **error)
{
  g_autofree char *path = NULL;
  g_autofree char *pid = NULL;
  WgDataLock *self;
  int fd;

  g_return_val_if_fail (data_dir != NULL, NULL);

  path = g_build_filename (data_dir, WG_DATA_LOCK_FILE, NULL);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot open “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      char held[32] = "";
      ssize_t n = pread (fd, held, sizeof held - 1, 0);

      close (fd);
      if (saved == EWOULDBLOCK)
        {
          held[MAX (n, 0)] = '\0';
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                       _("A server is running on “%s” (process %s): stop it first"),
                       data_dir, g_strstrip (held)[0] != '\0' ? held : "?");
        }
      else
        g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                     _("Cannot lock “%s”: %s"), path, g_strerror (saved));
      return NULL;
    }
  /* For people and for the message above; the lock is what counts. */
  pid = g_strdup_printf ("%d\n", (int) getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) < 0)
    g_debug ("Cannot write the pid into %s: %s", path, g_strerror (errno));

  self = g_new0 (WgDataLock, 1);
  self->fd = fd;
  return self;
}

void
wg_data_lock_release (WgDataLock *self)
{
  if (self == NULL)
    return;
  close (self->fd);
  g_free (self);
}
