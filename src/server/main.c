/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wangge-server"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "wg-account-store.h"
#include "wg-backup.h"
#include "wg-data-lock.h"
#include "wg-engine.h"
#include "wg-json-guard.h"
#include "wg-password.h"
#include "wg-pg-accounts.h"
#include "wg-reference-rules.h"
#include "wg-server.h"
#include "wg-sqlite.h"
#include "wg-vocab.h"

/* How long a stop may take to send answers and close frames. */
#define SHUTDOWN_GRACE_MS 300

typedef struct
{
  GMainLoop *loop;
  WgServer  *server;
  WgEngine  *engine;
  guint      grace_id;
} App;

static gboolean
grace_over_cb (gpointer data)
{
  App *app = data;

  app->grace_id = 0;
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer data)
{
  App *app = data;

  if (app->grace_id != 0)
    {
      /* A second signal: stop now. */
      g_main_loop_quit (app->loop);
      return G_SOURCE_CONTINUE;
    }
  g_message ("Shutting down");
  wg_engine_flush (app->engine);
  wg_server_begin_shutdown (app->server);
  app->grace_id = g_timeout_add (SHUTDOWN_GRACE_MS, grace_over_cb, app);
  return G_SOURCE_CONTINUE;
}

/* Each console holds a stream socket and field gateways post positions:
 * the default soft limit of 1024 descriptors is too low for a centre. */
static void
raise_file_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_debug ("Could not raise the descriptor limit: %s", g_strerror (errno));
    }
}

/* The data directory as the server finds it: --data-dir, the key file's
 * data-dir, systemd's $STATE_DIRECTORY, then the user's data directory. */
static char *
resolve_data_dir (const char  *data_dir,
                  const char  *config_file,
                  GError     **error)
{
  g_autoptr(WgServerConfig) config = wg_server_config_new ();

  if (data_dir != NULL)
    return g_strdup (data_dir);
  if (config_file != NULL && !wg_server_config_load_file (config, config_file, error))
    return NULL;
  if (config->data_dir != NULL)
    return g_strdup (config->data_dir);
  if (g_getenv ("STATE_DIRECTORY") != NULL)
    return g_strdup (g_getenv ("STATE_DIRECTORY"));
  return g_build_filename (g_get_user_data_dir (), "wangge-server", NULL);
}

/* ---- wangge-server user ... -------------------------------------------- */

static char *
read_password (GError **error)
{
  const char *env = g_getenv ("WANGGE_PASSWORD");
  char line[1024];
  gsize len;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  if (fgets (line, sizeof line, stdin) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Give the password on standard input or in WANGGE_PASSWORD"));
      return NULL;
    }
  len = strlen (line);
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    line[--len] = '\0';
  if (len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The password is empty"));
      return NULL;
    }
  return g_strdup (line);
}

/* With a database: the account as this data directory now has it goes to
 * PostgreSQL too, where every server on it copies it from. */
static int
share_account (WgAccountStore *accounts,
               const char     *database,
               const char     *name)
{
  g_autoptr(WgAccount) account = NULL;
  g_autoptr(GError) error = NULL;

  if (database == NULL)
    return EXIT_SUCCESS;
  account = wg_account_store_lookup (accounts, name, &error);
  if (account == NULL || !wg_pg_accounts_put (database, account, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return 1;
    }
  return EXIT_SUCCESS;
}

static int
user_command (int    argc,
              char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgAccountStore) accounts = NULL;
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autofree char *data_dir = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *role = NULL;
  g_autofree char *grid = NULL;
  g_autofree char *department = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *display_name = NULL;
  g_autofree char *database = NULL;
  g_autofree char *path = NULL;
  const char *verb, *name;
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, N_("Directory of the databases"), N_("DIR") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database, N_("Also store the account in this PostgreSQL database, for every server on it (libpq URI)"), N_("URI") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_file, N_("Key file with limits and settings"), N_("FILE") },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, N_("Role: admin, duty_leader, dispatcher, trainer, grid_worker, department, wall"), N_("ROLE") },
    { "grid", 0, 0, G_OPTION_ARG_STRING, &grid, N_("Grid code of a grid worker"), N_("CODE") },
    { "department", 0, 0, G_OPTION_ARG_STRING, &department, N_("Department code of a department account"), N_("CODE") },
    { "unit", 0, 0, G_OPTION_ARG_STRING, &unit, N_("Unit the account acts for"), N_("ID") },
    { "display-name", 0, 0, G_OPTION_ARG_STRING, &display_name, N_("Name as people know it"), N_("NAME") },
    { NULL }
  };

  context = g_option_context_new (_("user add|passwd|disable|enable|list [NAME]"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Manage the accounts in the data directory’s accounts.db.\n"
                                           "Passwords are read from standard input or WANGGE_PASSWORD."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return 2;
    }
  if (argc < 3)
    {
      g_printerr ("wangge-server: %s\n", _("usage: wangge-server user add|passwd|disable|enable|list [NAME]"));
      return 2;
    }
  verb = argv[2];
  name = argc > 3 ? argv[3] : NULL;

  if (config_file != NULL && !wg_server_config_load_file (config, config_file, &error))
    {
      g_printerr ("wangge-server: %s: %s\n", config_file, error->message);
      return 2;
    }
  if (data_dir == NULL && config->data_dir != NULL)
    data_dir = g_strdup (config->data_dir);
  if (database == NULL && config->database != NULL)
    database = g_strdup (config->database);
  if (data_dir == NULL && g_getenv ("STATE_DIRECTORY") != NULL)
    data_dir = g_strdup (g_getenv ("STATE_DIRECTORY"));
  if (data_dir == NULL)
    data_dir = g_build_filename (g_get_user_data_dir (), "wangge-server", NULL);
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      g_printerr ("wangge-server: %s: %s\n", data_dir, g_strerror (errno));
      return 1;
    }
  path = g_build_filename (data_dir, "accounts.db", NULL);
  accounts = wg_account_store_open (path, &error);
  if (accounts == NULL)
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return 1;
    }

  if (g_str_equal (verb, "list"))
    {
      g_autoptr(GPtrArray) list = wg_account_store_list (accounts, &error);

      if (list == NULL)
        {
          g_printerr ("wangge-server: %s\n", error->message);
          return 1;
        }
      for (guint i = 0; i < list->len; i++)
        {
          WgAccount *a = g_ptr_array_index (list, i);

          g_print ("%s\t%s\t%s\t%s\t%s\t%s\n", a->username, a->role, a->grid ? a->grid : "-",
                   a->department ? a->department : "-", a->unit ? a->unit : "-",
                   a->disabled ? "disabled" : "enabled");
        }
      return EXIT_SUCCESS;
    }
  if (name == NULL)
    {
      g_printerr ("wangge-server: %s\n", _("Name the account"));
      return 2;
    }

  if (g_str_equal (verb, "add") || g_str_equal (verb, "passwd"))
    {
      g_autofree char *password = NULL;
      g_autofree char *hash = NULL;
      WgRole parsed_role;

      if (g_str_equal (verb, "add") && (role == NULL || !wg_role_from_string (role, &parsed_role)))
        {
          g_printerr ("wangge-server: %s\n", _("--role must be one of admin, duty_leader, dispatcher, "
                                                 "trainer, grid_worker, department, wall"));
          return 2;
        }
      if ((password = read_password (&error)) == NULL ||
          (hash = wg_password_hash (password, &error)) == NULL)
        {
          g_printerr ("wangge-server: %s\n", error->message);
          return 1;
        }
      if (g_str_equal (verb, "add"))
        {
          g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) wg_account_free);
          WgAccount *account = g_new0 (WgAccount, 1);

          account->username = g_strdup (name);
          account->role = g_strdup (role);
          account->password_hash = g_steal_pointer (&hash);
          account->display_name = g_strdup (display_name);
          account->grid = g_strdup (grid);
          account->department = g_strdup (department);
          account->unit = g_strdup (unit);
          g_ptr_array_add (list, account);
          if (!wg_account_store_add (accounts, list, &error))
            {
              g_printerr ("wangge-server: %s\n", error->message);
              return 1;
            }
        }
      else if (!wg_account_store_set_password (accounts, name, hash, &error))
        {
          g_printerr ("wangge-server: %s\n", error->message);
          return 1;
        }
      return share_account (accounts, database, name);
    }
  if (g_str_equal (verb, "disable") || g_str_equal (verb, "enable"))
    {
      if (!wg_account_store_set_disabled (accounts, name, g_str_equal (verb, "disable"), &error))
        {
          g_printerr ("wangge-server: %s\n", error->message);
          return 1;
        }
      return share_account (accounts, database, name);
    }
  g_printerr ("wangge-server: %s\n", _("usage: wangge-server user add|passwd|disable|enable|list [NAME]"));
  return 2;
}

/* ---- wangge-server check-reference DIR --------------------------------- */

/* The files of a reference directory (docs/operations.md). */
static const char *const reference_files[] = {
  "world.json", "grids.geojson", "stations.json", "forces.json",
  "departments.json", "categories.json", "roster.json",
};

/* Before a server uses a centre's own street: each file on its own (all
 * of them, so that one run names every broken file), then the whole as
 * the server loads it, with the rules and the calendar built from it. */
static int
check_reference_command (int    argc,
                         char **argv)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  g_autoptr(WgReference) reference = NULL;
  g_autoptr(WgRules) rules = NULL;
  g_autoptr(WgCalendar) calendar = NULL;
  g_autoptr(GError) error = NULL;
  const char *dir;

  if (argc != 3 || argv[2][0] == '-')
    {
      g_printerr ("wangge-server: %s\n", _("usage: wangge-server check-reference DIR"));
      return 2;
    }
  dir = argv[2];
  for (guint i = 0; i < G_N_ELEMENTS (reference_files); i++)
    {
      g_autofree char *path = g_build_filename (dir, reference_files[i], NULL);
      g_autofree char *contents = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autoptr(GError) file_error = NULL;
      gsize len;

      if (!g_file_get_contents (path, &contents, &len, &file_error))
        {
          g_string_append_printf (problems, "%s: %s\n", reference_files[i], file_error->message);
          continue;
        }
      bytes = g_bytes_new_take (g_steal_pointer (&contents), len);
      node = wg_json_parse_untrusted (bytes, WG_JSON_GUARD_DEFAULT_MAX_DEPTH, &file_error);
      if (node == NULL)
        g_string_append_printf (problems, "%s: %s\n", reference_files[i], file_error->message);
      else if (!JSON_NODE_HOLDS_OBJECT (node))
        g_string_append_printf (problems, "%s: %s\n", reference_files[i], _("the top level is not a JSON object"));
    }
  if (problems->len == 0)
    {
      reference = wg_reference_load_dir (dir, &error);
      if (reference != NULL)
        rules = wg_reference_build_rules (reference, &error);
      if (rules != NULL)
        calendar = wg_reference_build_calendar (reference, &error);
      if (calendar == NULL)
        g_string_append_printf (problems, "%s\n", error->message);
    }
  if (problems->len > 0)
    {
      g_printerr ("%s", problems->str);
      return EXIT_FAILURE;
    }
  g_print (_("%s: %s (%s), %u grids, %u stations, %u forces, %u categories: ready to use\n"), dir,
           wg_reference_get_name_zh (reference), wg_reference_get_street_code (reference),
           wg_reference_get_grids (reference)->len, wg_reference_get_stations (reference)->len,
           wg_reference_get_forces (reference)->len, wg_reference_get_categories (reference)->len);
  return EXIT_SUCCESS;
}

/* ---- wangge-server backup DEST / restore SRC ---------------------------- */

static int
backup_command (int    argc,
                char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *resolved = NULL;
  g_autofree char *journal_id = NULL;
  g_autofree char *head = NULL;
  gboolean restore = g_str_equal (argv[1], "restore");
  WgBackupSummary summary = { 0 };
  const GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, N_("Directory of the databases"), N_("DIR") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_file, N_("Key file with limits and settings"), N_("FILE") },
    { NULL }
  };

  context = g_option_context_new (restore ? _("restore BACKUP") : _("backup DEST"));
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context,
                                restore ? _("Put a backup in place of the data directory’s databases and files.\n"
                                            "The server must be stopped; the files there are moved aside, "
                                            "and the journal gets a new id.")
                                        : _("Copy the data directory’s databases and attachments into the new "
                                            "directory DEST, while the server runs."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return 2;
    }
  if (argc != 3)
    {
      g_printerr ("wangge-server: %s\n", restore ? _("usage: wangge-server restore BACKUP [--data-dir DIR]")
                                                 : _("usage: wangge-server backup DEST [--data-dir DIR]"));
      return 2;
    }
  resolved = resolve_data_dir (data_dir, config_file, &error);
  if (resolved == NULL)
    {
      g_printerr ("wangge-server: %s: %s\n", config_file, error->message);
      return 2;
    }

  if (!restore)
    {
      if (!wg_backup_create (resolved, argv[2], &summary, &error))
        {
          g_printerr ("wangge-server: %s\n", error->message);
          return 1;
        }
      head = g_strdup_printf ("%" G_GINT64_FORMAT, summary.journal_head);
      g_print (_("Backed up %s to %s: the journal up to seq %s, %u databases, %u attachment files, %u exercises\n"),
               resolved, argv[2], head, summary.databases, summary.files, summary.exercises);
      return EXIT_SUCCESS;
    }

  {
    g_autoptr(WgDataLock) lock = NULL;

    if (g_mkdir_with_parents (resolved, 0700) != 0)
      {
        g_printerr ("wangge-server: %s: %s\n", resolved, g_strerror (errno));
        return 1;
      }
    lock = wg_data_lock_acquire (resolved, &error);
    if (lock == NULL || !wg_backup_restore (argv[2], resolved, &journal_id, &error))
      {
        g_printerr ("wangge-server: %s\n", error->message);
        return 1;
      }
  }
  g_print (_("Restored %s into %s; the journal’s new id is %s\n"), argv[2], resolved, journal_id);
  return EXIT_SUCCESS;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgServerConfig) config = wg_server_config_new ();
  g_autoptr(WgServer) server = NULL;
  g_autoptr(WgEngine) engine = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *address = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *demo_password = NULL;
  g_autofree char *demo_anchor = NULL;
  g_autofree char *reference_dir = NULL;
  g_autofree char *database = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_autofree char *url = NULL;
  gboolean version = FALSE;
  gboolean demo = FALSE;
  int port = -1;
  int demo_days = -1;
  int demo_streets = 0;
  double demo_incident_scale = 0;
  guint sigint_id, sigterm_id;
  App app = { 0 };
  const GOptionEntry entries[] = {
    { "address", 0, 0, G_OPTION_ARG_STRING, &address, N_("IP address to listen on (default 127.0.0.1)"), N_("ADDRESS") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port, N_("TCP port (default 8470; 0 picks a free one)"), N_("PORT") },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, N_("Directory of the databases"), N_("DIR") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo, N_("Seed demo reference data and accounts (loopback only)"), NULL },
    { "demo-password", 0, 0, G_OPTION_ARG_STRING, &demo_password, N_("Password of the demo accounts"), N_("PW") },
    { "demo-anchor", 0, 0, G_OPTION_ARG_STRING, &demo_anchor, N_("Day the demo history leads up to"), N_("YYYY-MM-DD") },
    { "demo-days", 0, 0, G_OPTION_ARG_INT, &demo_days, N_("Days of demo history generated on the first start (default 365; 0: none)"), N_("N") },
    { "demo-streets", 0, 0, G_OPTION_ARG_INT, &demo_streets, N_("Streets of the demo: more than one makes a generated city of N streets, each with its own codes (default 1; a city: 100)"), N_("N") },
    { "demo-incident-scale", 0, 0, G_OPTION_ARG_DOUBLE, &demo_incident_scale, N_("Incidents per street in the demo history, times X (default 1)"), N_("X") },
    { "reference", 0, 0, G_OPTION_ARG_FILENAME, &reference_dir, N_("Directory of the reference data"), N_("DIR") },
    { "database", 0, 0, G_OPTION_ARG_STRING, &database, N_("PostgreSQL journal shared by several servers (libpq URI)"), N_("URI") },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, N_("PEM certificate: serve HTTPS and WSS"), N_("FILE") },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, N_("PEM private key of the certificate"), N_("FILE") },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_file, N_("Key file with limits and settings"), N_("FILE") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, N_("Print the version and exit"), NULL },
    { NULL }
  };

  wg_sqlite_configure_process ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc >= 2 && g_str_equal (argv[1], "user"))
    return user_command (argc, argv);
  if (argc >= 2 && g_str_equal (argv[1], "check-reference"))
    return check_reference_command (argc, argv);
  if (argc >= 2 && (g_str_equal (argv[1], "backup") || g_str_equal (argv[1], "restore")))
    return backup_command (argc, argv);

  context = g_option_context_new (NULL);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("The Wangge central server: HTTP and WebSocket API."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("wangge-server %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  /* Defaults, then the file, then the command line. */
  if (config_file != NULL && !wg_server_config_load_file (config, config_file, &error))
    {
      g_printerr ("wangge-server: %s: %s\n", config_file, error->message);
      return 2;
    }
  if (address != NULL)
    {
      g_free (config->address);
      config->address = g_steal_pointer (&address);
    }
  if (port >= 0)
    {
      if (port > 65535)
        {
          g_printerr ("wangge-server: %s\n", _("--port must be between 0 and 65535"));
          return 2;
        }
      config->port = port;
    }
  if (data_dir != NULL)
    {
      g_free (config->data_dir);
      config->data_dir = g_steal_pointer (&data_dir);
    }
  config->demo = config->demo || demo;
  if (demo_password != NULL)
    config->demo_password = g_steal_pointer (&demo_password);
  if (demo_anchor != NULL)
    config->demo_anchor = g_steal_pointer (&demo_anchor);
  if (demo_days >= 0)
    config->demo_days = MIN (demo_days, 3660);
  if (demo_streets != 0)
    config->demo_streets = demo_streets;
  if (demo_incident_scale != 0)
    config->demo_incident_scale = demo_incident_scale;
  if (reference_dir != NULL)
    {
      g_free (config->reference_dir);
      config->reference_dir = g_steal_pointer (&reference_dir);
    }
  if (database != NULL)
    {
      g_free (config->database);
      config->database = g_steal_pointer (&database);
    }
  if (tls_cert != NULL)
    {
      g_free (config->tls_cert);
      config->tls_cert = g_steal_pointer (&tls_cert);
    }
  if (tls_key != NULL)
    {
      g_free (config->tls_key);
      config->tls_key = g_steal_pointer (&tls_key);
    }

  /* systemd's LoadCredential=metrics-token:FILE keeps the token out of the
   * world-readable configuration. */
  if (config->metrics_token == NULL && g_getenv ("CREDENTIALS_DIRECTORY") != NULL)
    {
      g_autofree char *path = g_build_filename (g_getenv ("CREDENTIALS_DIRECTORY"), "metrics-token", NULL);
      g_autofree char *token = NULL;

      if (g_file_get_contents (path, &token, NULL, NULL))
        config->metrics_token = g_strdup (g_strstrip (token));
    }

  if (!wg_server_config_validate (config, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return 2;
    }

  raise_file_limit ();
  {
    g_autofree char *dir = resolve_data_dir (config->data_dir, NULL, NULL);
    g_autofree char *backup = NULL;

    if (!wg_backup_before_upgrade (dir, &backup, &error))
      {
        g_printerr ("wangge-server: %s\n", error->message);
        return EXIT_FAILURE;
      }
    if (backup != NULL)
      g_message ("Backed up the data before migrating its schema: %s", backup);
  }
  server = wg_server_new (config, &error);
  if (server != NULL)
    engine = wg_engine_new (server, &error);
  if (server == NULL || engine == NULL || !wg_server_start (server, &error))
    {
      g_printerr ("wangge-server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  wg_engine_start (engine);

  /* Tests and scripts read this line to learn the port. */
  url = wg_server_dup_url (server);
  g_print ("listening on %s\n", url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  app.loop = loop;
  app.server = server;
  app.engine = engine;
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &app);
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &app);

  g_main_loop_run (loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_handle_id (&app.grace_id, g_source_remove);
  wg_engine_flush (engine);
  wg_server_stop (server);
  g_clear_pointer (&engine, wg_engine_free);
  g_clear_object (&server);
  return EXIT_SUCCESS;
}
