/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Path -> handler.  Patterns are literal segments and {name} captures
 * ("/api/v1/incidents/{id}/cap").  A path that matches with another method
 * is a 405 with Allow; no match is a 404; both are problem+json.
 */
#define G_LOG_DOMAIN "wg-router"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wg-metrics.h"
#include "wg-problem.h"
#include "wg-router.h"

typedef struct
{
  char         *method;
  char         *pattern;
  char        **segments;
  guint         n_segments;
  WgRouteFunc   func;
  gpointer      user_data;
} Route;

struct _WgRouter
{
  GPtrArray *routes;
};

static void
route_free (gpointer data)
{
  Route *route = data;

  g_free (route->method);
  g_free (route->pattern);
  g_strfreev (route->segments);
  g_free (route);
}

WgRouter *
wg_router_new (void)
{
  WgRouter *self = g_new0 (WgRouter, 1);

  self->routes = g_ptr_array_new_with_free_func (route_free);
  return self;
}

void
wg_router_free (WgRouter *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->routes);
  g_free (self);
}

void
wg_router_add (WgRouter    *self,
               const char  *method,
               const char  *pattern,
               WgRouteFunc  func,
               gpointer     user_data)
{
  Route *route;

  g_return_if_fail (self != NULL);
  g_return_if_fail (method != NULL && pattern != NULL && pattern[0] == '/');
  g_return_if_fail (func != NULL);

  route = g_new0 (Route, 1);
  route->method = g_strdup (method);
  route->pattern = g_strdup (pattern);
  route->segments = g_strsplit (pattern + 1, "/", -1);
  route->n_segments = g_strv_length (route->segments);
  route->func = func;
  route->user_data = user_data;
  g_ptr_array_add (self->routes, route);
}

static gboolean
route_match (Route       *route,
             char       **segments,
             guint        n_segments,
             GHashTable  *params)
{
  if (n_segments != route->n_segments)
    return FALSE;
  for (guint i = 0; i < n_segments; i++)
    {
      const char *want = route->segments[i];

      if (want[0] == '{')
        {
          if (segments[i][0] == '\0')
            return FALSE;
          if (params != NULL)
            g_hash_table_insert (params, g_strndup (want + 1, strlen (want) - 2), g_strdup (segments[i]));
        }
      else if (!g_str_equal (want, segments[i]))
        return FALSE;
    }
  return TRUE;
}

gboolean
wg_router_has_path (WgRouter   *self,
                    const char *path)
{
  g_auto(GStrv) segments = NULL;
  guint n_segments;

  g_return_val_if_fail (self != NULL, FALSE);

  if (path == NULL || path[0] != '/')
    return FALSE;
  segments = g_strsplit (path + 1, "/", -1);
  n_segments = g_strv_length (segments);
  for (guint i = 0; i < self->routes->len; i++)
    if (route_match (g_ptr_array_index (self->routes, i), segments, n_segments, NULL))
      return TRUE;
  return FALSE;
}

void
wg_router_dispatch (WgRouter          *self,
                    SoupServerMessage *msg)
{
  GUri *uri = soup_server_message_get_uri (msg);
  const char *path = g_uri_get_path (uri);
  const char *method = soup_server_message_get_method (msg);
  const char *query_string = g_uri_get_query (uri);
  g_autoptr(GString) allow = g_string_new (NULL);
  g_autoptr(GHashTable) query = NULL;
  g_auto(GStrv) long_segments = NULL;
  char buffer[256];
  char *short_segments[16];
  char **segments;
  gsize path_len;
  guint n_segments;

  g_return_if_fail (self != NULL);

  if (path == NULL || path[0] != '/')
    {
      wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "not-found", NULL);
      return;
    }

  /* Split in a copy on the stack when it fits (every API path does):
   * g_strsplit() was a twentieth of a command's main-loop work in our code. */
  path_len = strlen (path + 1);
  n_segments = 0;
  /* g_strsplit() of "" is no segment at all: "/" takes the long way. */
  if (path_len > 0 && path_len < sizeof buffer)
    {
      char *segment = memcpy (buffer, path + 1, path_len + 1);

      short_segments[n_segments++] = segment;
      for (char *p = segment; *p != '\0' && n_segments < G_N_ELEMENTS (short_segments); p++)
        if (*p == '/')
          {
            *p = '\0';
            short_segments[n_segments++] = p + 1;
          }
    }
  if (n_segments > 0 && n_segments < G_N_ELEMENTS (short_segments))
    segments = short_segments;
  else
    {
      segments = long_segments = g_strsplit (path + 1, "/", -1);
      n_segments = g_strv_length (segments);
    }
  for (guint i = 0; i < self->routes->len; i++)
    {
      Route *route = g_ptr_array_index (self->routes, i);
      g_autoptr(GHashTable) params = NULL;

      /* The captures only for the route that matches: a table per route
       * tried was a tenth of a command's routing. */
      if (!route_match (route, segments, n_segments, NULL))
        continue;
      if (!g_str_equal (route->method, method))
        {
          if (allow->len > 0)
            g_string_append (allow, ", ");
          g_string_append (allow, route->method);
          continue;
        }

      params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      route_match (route, segments, n_segments, params);
      wg_metrics_set_route (msg, route->pattern);
      query = query_string != NULL ? soup_form_decode (query_string)
                                   : g_hash_table_new (g_str_hash, g_str_equal);
      route->func (msg, params, query, route->user_data);
      return;
    }

  if (allow->len > 0)
    {
      g_autofree char *detail = g_strdup_printf (_("%s is not allowed on %s; allowed: %s"),
                                                 method, path, allow->str);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow->str);
      wg_problem_respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed", detail);
      return;
    }

  wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "not-found", NULL);
}
