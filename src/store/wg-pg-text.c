/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "wg-error.h"
#include "wg-pg-journal.h"
#include "wg-pg-text.h"

static void
append_separator (GString *array)
{
  if (array->len > 1)
    g_string_append_c (array, ',');
}

void
wg_pg_array_append_text (GString    *array,
                         const char *text)
{
  append_separator (array);
  if (text == NULL)
    {
      g_string_append (array, "NULL");
      return;
    }
  g_string_append_c (array, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (array, '\\');
      g_string_append_c (array, *p);
    }
  g_string_append_c (array, '"');
}

void
wg_pg_array_append_plain (GString    *array,
                          const char *value)
{
  append_separator (array);
  g_string_append (array, value);
}

gboolean
wg_pg_set_error (GError     **error,
                 const char  *what,
                 const char  *message)
{
  g_autofree char *text = g_strchomp (g_strdup (message));

  g_set_error (error, WG_ERROR, WG_ERROR_STORE, "PostgreSQL, %s: %s", what, text);
  return FALSE;
}

PGconn *
wg_pg_connect (const char  *conninfo,
               const char  *what,
               GError     **error)
{
  PGconn *conn = PQconnectdb (conninfo);

  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *context = g_strdup_printf ("connecting for %s", what);

      wg_pg_set_error (error, context, PQerrorMessage (conn));
      PQfinish (conn);
      return NULL;
    }
  PQsetNoticeProcessor (conn, _wg_pg_notice_cb, NULL);
  return conn;
}

PGresult *
wg_pg_run (PGconn              *conn,
           const char          *what,
           const char          *sql,
           int                  n_params,
           const char * const  *params,
           ExecStatusType       expect,
           GError             **error)
{
  PGresult *result = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);

  if (PQresultStatus (result) != expect)
    {
      wg_pg_set_error (error, what, PQresultErrorMessage (result));
      PQclear (result);
      return NULL;
    }
  return result;
}

gboolean
wg_pg_run_command (PGconn      *conn,
                   const char  *what,
                   const char  *sql,
                   GError     **error)
{
  PGresult *result = PQexec (conn, sql);
  gboolean ok = PQresultStatus (result) == PGRES_COMMAND_OK;

  if (!ok)
    wg_pg_set_error (error, what, PQresultErrorMessage (result));
  PQclear (result);
  return ok;
}

gboolean
wg_pg_pipeline_start (PGconn  *conn,
                      GError **error)
{
  if (PQenterPipelineMode (conn))
    return TRUE;
  return wg_pg_set_error (error, "cannot enter pipeline mode", PQerrorMessage (conn));
}

gboolean
wg_pg_pipeline_send (PGconn              *conn,
                     const char          *what,
                     const char          *sql,
                     int                  n_params,
                     const char * const  *params,
                     GError             **error)
{
  if (PQsendQueryParams (conn, sql, n_params, NULL, params, NULL, NULL, 0))
    return TRUE;
  return wg_pg_set_error (error, what, PQerrorMessage (conn));
}

gboolean
wg_pg_pipeline_sync (PGconn  *conn,
                     GError **error)
{
  if (PQpipelineSync (conn))
    return TRUE;
  return wg_pg_set_error (error, "sending a pipeline", PQerrorMessage (conn));
}

PGresult *
wg_pg_pipeline_result (PGconn          *conn,
                       const char      *what,
                       ExecStatusType   expect,
                       GError         **error)
{
  PGresult *result = PQgetResult (conn);
  ExecStatusType status = PQresultStatus (result);

  /* A statement's results end with NULL. */
  if (result != NULL && status != PGRES_PIPELINE_SYNC)
    PQclear (PQgetResult (conn));
  if (status == expect)
    return result;
  if (result == NULL)
    wg_pg_set_error (error, what, PQerrorMessage (conn));
  else if (status == PGRES_PIPELINE_ABORTED)
    wg_pg_set_error (error, what, "skipped after an earlier failure");
  else
    wg_pg_set_error (error, what, PQresultErrorMessage (result));
  PQclear (result);
  return NULL;
}

gboolean
wg_pg_pipeline_end (PGconn  *conn,
                    GError **error)
{
  while (!PQexitPipelineMode (conn))
    {
      if (PQstatus (conn) != CONNECTION_OK)
        return wg_pg_set_error (error, "the connection was lost", PQerrorMessage (conn));
      PQclear (PQgetResult (conn));
    }
  return TRUE;
}
