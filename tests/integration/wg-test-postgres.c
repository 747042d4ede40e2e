/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A private PostgreSQL cluster per test program.  Debian keeps initdb and
 * postgres in `pg_config --bindir`, not on PATH, and both refuse to run as
 * root: CI runs as root, so the cluster runs as the `postgres` account the
 * package creates (else `nobody`) through setpriv, in a folder it owns.
 * initdb --no-sync only skips flushing the fresh template files (seconds
 * on this disk); the running cluster has fsync=on and
 * synchronous_commit=on, as production has.
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "test-files.h"
#include "wg-test-postgres.h"

#define START_TIMEOUT_S 60

static char *
find_bindir (void)
{
  g_autofree char *out = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync ("pg_config --bindir", &out, NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL) || out == NULL)
    return NULL;
  return g_strdup (g_strstrip (out));
}

static void
child_setup (gpointer data)
{
  /* A test that dies does not leave its cluster running. */
  prctl (PR_SET_PDEATHSIG, SIGINT);
}

/* argv run as self->user when we are root; its output in @log_name
 * in the cluster's folder. */
static GSubprocess *
spawn_as (WgTestPostgres      *self,
          const char * const  *args,
          const char          *log_name,
          GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *log = g_build_filename (self->dir, log_name, NULL);

  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_set_cwd (launcher, self->dir);
  g_subprocess_launcher_setenv (launcher, "LANG", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LC_ALL");
  if (self->user != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("setpriv"));
      g_ptr_array_add (argv, g_strdup_printf ("--reuid=%s", self->user));
      g_ptr_array_add (argv, g_strdup_printf ("--regid=%s", self->user));
      g_ptr_array_add (argv, g_strdup ("--clear-groups"));
      /* The credentials' change clears child_setup's. */
      g_ptr_array_add (argv, g_strdup ("--pdeathsig=INT"));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

static char *
admin_conninfo (WgTestPostgres *self,
                const char     *database)
{
  return g_strdup_printf ("host=%s port=5432 user=wangge dbname=%s", self->dir, database);
}

/* postgres on the cluster's folder, until it accepts connections. */
static void
start_postgres (WgTestPostgres *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data = g_build_filename (self->dir, "data", NULL);
  g_autofree char *conninfo = NULL;
  g_autofree char *socket_opt = NULL;
  gint64 deadline;

  socket_opt = g_strdup_printf ("unix_socket_directories=%s", self->dir);
  {
    const char *args[] = { self->postgres_bin, "-D", data, "-p", "5432",
                           "-c", "listen_addresses=",
                           "-c", socket_opt,
                           "-c", "fsync=on",
                           "-c", "synchronous_commit=on",
                           "-c", "max_connections=60",
                           "-c", "shared_buffers=32MB",
                           "-c", "dynamic_shared_memory_type=mmap",
                           "-c", "logging_collector=off",
                           NULL };

    self->postgres = spawn_as (self, args, "postgres.log", &error);
    g_assert_no_error (error);
  }

  /* Ready when it accepts a connection: about a second here. */
  conninfo = admin_conninfo (self, "postgres");
  deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;
  while (PQping (conninfo) != PQPING_OK)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      if (g_subprocess_get_identifier (self->postgres) == NULL)
        {
          g_autofree char *log = g_build_filename (self->dir, "postgres.log", NULL);
          g_autofree char *text = NULL;

          g_file_get_contents (log, &text, NULL, NULL);
          g_error ("postgres exited at start:\n%s", text != NULL ? text : "");
        }
      g_usleep (20000);
    }
}

WgTestPostgres *
wg_test_postgres_start (char **skip_reason)
{
  g_autoptr(WgTestPostgres) self = g_new0 (WgTestPostgres, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) initdb = NULL;
  g_autofree char *bindir = find_bindir ();
  g_autofree char *initdb_bin = NULL;
  g_autofree char *postgres_bin = NULL;
  g_autofree char *data = NULL;

  initdb_bin = bindir != NULL ? g_build_filename (bindir, "initdb", NULL) : NULL;
  postgres_bin = bindir != NULL ? g_build_filename (bindir, "postgres", NULL) : NULL;
  if (initdb_bin == NULL || !g_file_test (initdb_bin, G_FILE_TEST_IS_EXECUTABLE) ||
      !g_file_test (postgres_bin, G_FILE_TEST_IS_EXECUTABLE))
    {
      *skip_reason = g_strdup ("PostgreSQL is not installed (postgresql-15: initdb, postgres)");
      g_clear_pointer (&self, g_free);
      return NULL;
    }

  /* Under /tmp, not $TMPDIR: the cluster's account must reach it, and a
   * Unix socket's path has at most 107 bytes. */
  self->dir = g_build_filename ("/tmp", "wangge-pg-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (self->dir));
  if (geteuid () == 0)
    {
      struct passwd *pw = getpwnam ("postgres");

      if (pw == NULL)
        pw = getpwnam ("nobody");
      g_assert_nonnull (pw);
      self->user = g_strdup (pw->pw_name);
      g_assert_cmpint (chown (self->dir, pw->pw_uid, pw->pw_gid), ==, 0);
    }
  data = g_build_filename (self->dir, "data", NULL);

  {
    const char *args[] = { initdb_bin, "--pgdata", data, "--username", "wangge", "--auth", "trust",
                           "--encoding", "UTF8", "--locale", "C.UTF-8", "--no-sync", NULL };

    initdb = spawn_as (self, args, "initdb.log", &error);
    g_assert_no_error (error);
    g_subprocess_wait_check (initdb, NULL, &error);
    g_assert_no_error (error);
  }

  self->postgres_bin = g_steal_pointer (&postgres_bin);
  start_postgres (self);
  return g_steal_pointer (&self);
}

char *
wg_test_postgres_new_database (WgTestPostgres *self)
{
  g_autofree char *conninfo = admin_conninfo (self, "postgres");
  g_autofree char *name = g_strdup_printf ("wangge%u", ++self->n_databases);
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);
  PGconn *conn = PQconnectdb (conninfo);
  PGresult *result;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("CREATE DATABASE: %s", PQerrorMessage (conn));
  PQclear (result);
  PQfinish (conn);
  return g_strdup_printf ("postgresql:///%s?host=%s&port=5432&user=wangge", name, self->dir);
}

void
wg_test_postgres_execute (const char *database,
                          const char *sql)
{
  PGconn *conn = PQconnectdb (database);
  PGresult *result;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  PQclear (result);
  PQfinish (conn);
}

gint64
wg_test_postgres_query_number (const char *database,
                               const char *sql)
{
  PGconn *conn = PQconnectdb (database);
  PGresult *result;
  gint64 number;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  result = PQexec (conn, sql);
  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  number = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  PQclear (result);
  PQfinish (conn);
  return number;
}

void
wg_test_postgres_crash (WgTestPostgres *self)
{
  /* SIGQUIT: immediate shutdown, no checkpoint; the next start recovers
   * from the WAL. */
  g_subprocess_send_signal (self->postgres, SIGQUIT);
  g_subprocess_wait (self->postgres, NULL, NULL);
  g_clear_object (&self->postgres);
}

void
wg_test_postgres_restart (WgTestPostgres *self)
{
  g_assert_null (self->postgres);
  start_postgres (self);
}

void
wg_test_postgres_stop (WgTestPostgres *self)
{
  if (self == NULL)
    return;
  if (self->postgres != NULL)
    {
      /* Fast shutdown: rolls back open sessions, checkpoints, exits. */
      g_subprocess_send_signal (self->postgres, SIGINT);
      g_subprocess_wait (self->postgres, NULL, NULL);
      g_clear_object (&self->postgres);
    }
  if (self->dir != NULL)
    test_rm_rf (self->dir);
  g_free (self->dir);
  g_free (self->user);
  g_free (self->postgres_bin);
  g_free (self);
}
