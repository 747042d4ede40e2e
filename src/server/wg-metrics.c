/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GET /metrics and the request log (wg-metrics.h).
 */
#define G_LOG_DOMAIN "wg-metrics"
#define REQUEST_LOG_DOMAIN "wangge-request"

#include "config.h"

#include <glib/gi18n.h>
#include <sodium.h>
#include <string.h>

#include "wg-metrics.h"
#include "wg-json-write.h"
#include "wg-problem.h"
#include "wg-server.h"

#define REQUEST_KEY "wg-metrics-request"

/* Commit batches: a few commands each at a desk's pace, up to
 * batch-max-items under load. */
static const double batch_size_bounds[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };
/* Commit latency: one fsync is ~0.2 ms here; seconds mean trouble. */
static const double batch_seconds_bounds[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                               0.05, 0.1, 0.25, 0.5, 1, 2.5 };

typedef struct
{
  const double *bounds;
  guint         n_bounds;
  guint64      *counts;     /* per bound, not cumulative; + one for +Inf */
  double        sum;
  guint64       count;
} Histogram;

/* What the log and the counters learn about one request as it goes. */
typedef struct
{
  char   *id;
  gint64  started_us;
  char   *route;          /* a template, owned here */
  char   *user;
  char   *command_type;
} Request;

struct _WgMetrics
{
  WgServer   *server;
  char       *token;
  gboolean    log_requests;
  gint64      started_s;
  guint32     id_prefix;
  guint64     next_id;

  GMutex      lock;
  GHashTable *requests;       /* "route\tmethod\tstatus" -> guint64 * */
  GHashTable *commands;       /* "type\toutcome" -> guint64 * */
  GHashTable *login_failures; /* reason -> guint64 * */
  Histogram   batch_size;
  Histogram   batch_seconds;
};

static void
request_free (gpointer data)
{
  Request *request = data;

  g_free (request->id);
  g_free (request->route);
  g_free (request->user);
  g_free (request->command_type);
  g_free (request);
}

static void
histogram_init (Histogram    *histogram,
                const double *bounds,
                guint         n_bounds)
{
  histogram->bounds = bounds;
  histogram->n_bounds = n_bounds;
  histogram->counts = g_new0 (guint64, n_bounds + 1);
}

static void
histogram_observe (Histogram *histogram,
                   double     value)
{
  guint i = 0;

  while (i < histogram->n_bounds && value > histogram->bounds[i])
    i++;
  histogram->counts[i]++;
  histogram->sum += value;
  histogram->count++;
}

/* Call with the lock held.  The key is copied only for a new series:
 * every request counts, few make a series. */
static void
count (GHashTable *table,
       const char *key)
{
  guint64 *value = g_hash_table_lookup (table, key);

  if (value == NULL)
    {
      value = g_new0 (guint64, 1);
      g_hash_table_insert (table, g_strdup (key), value);
    }
  (*value)++;
}

/* "a\tb[\tc]" into @buffer, or NULL when it does not fit (a route, method,
 * type or outcome is never near that long). */
static const char *
series_key (char       *buffer,
            gsize       size,
            const char *a,
            const char *b,
            const char *c)
{
  const char *parts[] = { a, b, c };
  gsize n = 0;

  /* By hand: g_snprintf() was two thousand instructions of every request. */
  for (guint i = 0; i < G_N_ELEMENTS (parts) && parts[i] != NULL; i++)
    {
      gsize len = strlen (parts[i]);

      if (n + (i > 0) + len >= size)
        return NULL;
      if (i > 0)
        buffer[n++] = '\t';
      memcpy (buffer + n, parts[i], len);
      n += len;
    }
  buffer[n] = '\0';
  return buffer;
}

/* "%08x-%" G_GUINT64_FORMAT, without printf's machinery. */
static char *
format_request_id (guint32 prefix,
                   guint64 serial)
{
  static const char hex[] = "0123456789abcdef";
  char text[8 + 1 + 20 + 1];
  char *end = text + sizeof text - 1;
  char *digits = wg_format_decimal (end, serial, 1);

  *end = '\0';
  for (int i = 0; i < 8; i++)
    text[i] = hex[(prefix >> (28 - 4 * i)) & 0xf];
  text[8] = '-';
  memmove (text + 9, digits, end - digits + 1);
  return g_strdup (text);
}

/* ---- the request's life ------------------------------------------------ */

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  WgMetrics *self = user_data;
  Request *request = g_new0 (Request, 1);

  /* Unique in this process and across restarts (the random prefix): a
   * person quoting it from a client's error finds the log entry. */
  request->id = format_request_id (self->id_prefix, ++self->next_id);
  request->started_us = g_get_monotonic_time ();
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-Request-Id", request->id);
  g_object_set_data_full (G_OBJECT (msg), REQUEST_KEY, request, request_free);
}

static void
log_request (WgMetrics         *self,
             SoupServerMessage *msg,
             Request           *request,
             const char        *route,
             guint              status)
{
  g_autofree char *status_text = g_strdup_printf ("%u", status);
  g_autofree char *duration = g_strdup_printf ("%.1f", (g_get_monotonic_time () - request->started_us) / 1000.0);
  g_autofree char *message = NULL;
  const char *method = soup_server_message_get_method (msg);
  GLogField fields[9];
  gsize n = 0;

  /* The message repeats the fields for logs without them (a terminal). */
  message = g_strdup_printf ("request=%s method=%s route=%s status=%u duration_ms=%s%s%s%s%s",
                             request->id, method, route, status, duration,
                             request->user != NULL ? " user=" : "",
                             request->user != NULL ? request->user : "",
                             request->command_type != NULL ? " command=" : "",
                             request->command_type != NULL ? request->command_type : "");
  fields[n++] = (GLogField) { "MESSAGE", message, -1 };
  fields[n++] = (GLogField) { "GLIB_DOMAIN", REQUEST_LOG_DOMAIN, -1 };
  fields[n++] = (GLogField) { "WANGGE_REQUEST_ID", request->id, -1 };
  fields[n++] = (GLogField) { "WANGGE_METHOD", method, -1 };
  fields[n++] = (GLogField) { "WANGGE_ROUTE", route, -1 };
  fields[n++] = (GLogField) { "WANGGE_STATUS", status_text, -1 };
  fields[n++] = (GLogField) { "WANGGE_DURATION_MS", duration, -1 };
  if (request->user != NULL)
    fields[n++] = (GLogField) { "WANGGE_USER", request->user, -1 };
  if (request->command_type != NULL)
    fields[n++] = (GLogField) { "WANGGE_COMMAND_TYPE", request->command_type, -1 };
  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, n);
}

static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  WgMetrics *self = user_data;
  Request *request = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);
  /* A request that did not parse (a broken request line) has no URI and
   * no method, and is answered 400 all the same. */
  GUri *uri = soup_server_message_get_uri (msg);
  const char *path = uri != NULL ? g_uri_get_path (uri) : NULL;
  const char *method = soup_server_message_get_method (msg) != NULL ? soup_server_message_get_method (msg) : "-";
  guint status = soup_server_message_get_status (msg);
  const char *route;
  const char *key;
  char status_text[16];
  char buffer[256];

  if (request != NULL && request->route != NULL)
    route = request->route;
  else if (g_strcmp0 (path, "/api/v1/stream") == 0)
    route = "/api/v1/stream";     /* a handler of its own, outside the router */
  else
    route = "other";              /* unknown paths must not each make a series */

  g_snprintf (status_text, sizeof status_text, "%u", status);
  key = series_key (buffer, sizeof buffer, route, method, status_text);
  g_mutex_lock (&self->lock);
  if (key != NULL)
    count (self->requests, key);
  if (g_str_equal (route, "/api/v1/session") && g_strcmp0 (method, "POST") == 0 && (status == 401 || status == 429))
    count (self->login_failures, status == 401 ? "invalid-credentials" : "too-many-requests");
  g_mutex_unlock (&self->lock);

  if (self->log_requests && request != NULL)
    log_request (self, msg, request, route, status);
}

void
wg_metrics_set_route (SoupServerMessage *msg,
                      const char        *route)
{
  Request *request = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);

  if (request != NULL)
    {
      g_free (request->route);
      request->route = g_strdup (route);
    }
}

void
wg_metrics_set_user (SoupServerMessage *msg,
                     const char        *user)
{
  Request *request = g_object_get_data (G_OBJECT (msg), REQUEST_KEY);

  if (request != NULL)
    {
      g_free (request->user);
      request->user = g_strdup (user);
    }
}

void
wg_metrics_count_command (WgMetrics         *self,
                          SoupServerMessage *msg,
                          const char        *type,
                          const char        *outcome)
{
  Request *request = msg != NULL ? g_object_get_data (G_OBJECT (msg), REQUEST_KEY) : NULL;
  const char *key;
  char buffer[256];

  g_return_if_fail (self != NULL && type != NULL && outcome != NULL);

  if (request != NULL)
    {
      g_free (request->command_type);
      request->command_type = g_strdup (type);
    }
  key = series_key (buffer, sizeof buffer, type, outcome, NULL);
  g_mutex_lock (&self->lock);
  if (key != NULL)
    count (self->commands, key);
  g_mutex_unlock (&self->lock);
}

void
wg_metrics_observe_batch (WgMetrics *self,
                          guint      size,
                          gint64     duration_us)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->lock);
  histogram_observe (&self->batch_size, size);
  histogram_observe (&self->batch_seconds, duration_us / (double) G_USEC_PER_SEC);
  g_mutex_unlock (&self->lock);
}

/* ---- the exposition ---------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped. */
static void
append_label (GString    *out,
              const char *name,
              const char *value)
{
  g_string_append_printf (out, "%s=\"", name);
  for (const char *p = value; *p; p++)
    {
      if (*p == '\\' || *p == '"')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_header (GString    *out,
               const char *name,
               const char *type,
               const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int
compare_keys (gconstpointer a,
              gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* One counter family from "v1\tv2..." keys, in key order. */
static void
append_counters (GString            *out,
                 const char         *name,
                 const char         *help,
                 GHashTable         *table,
                 const char * const *labels)
{
  g_autofree gpointer *keys = NULL;
  guint n;

  append_header (out, name, "counter", help);
  keys = g_hash_table_get_keys_as_array (table, &n);
  qsort (keys, n, sizeof (gpointer), compare_keys);
  for (guint i = 0; i < n; i++)
    {
      g_auto(GStrv) values = g_strsplit (keys[i], "\t", -1);
      guint64 *value = g_hash_table_lookup (table, keys[i]);

      g_string_append_printf (out, "%s{", name);
      for (guint j = 0; labels[j] != NULL && values[j] != NULL; j++)
        {
          if (j > 0)
            g_string_append_c (out, ',');
          append_label (out, labels[j], values[j]);
        }
      g_string_append_printf (out, "} %" G_GUINT64_FORMAT "\n", *value);
    }
}

static void
append_histogram (GString         *out,
                  const char      *name,
                  const char      *help,
                  const Histogram *histogram)
{
  guint64 cumulative = 0;

  append_header (out, name, "histogram", help);
  for (guint i = 0; i < histogram->n_bounds; i++)
    {
      char bound[G_ASCII_DTOSTR_BUF_SIZE];

      cumulative += histogram->counts[i];
      g_ascii_formatd (bound, sizeof bound, "%g", histogram->bounds[i]);
      g_string_append_printf (out, "%s_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n", name, bound, cumulative);
    }
  g_string_append_printf (out, "%s_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n", name, histogram->count);
  {
    char sum[G_ASCII_DTOSTR_BUF_SIZE];

    g_ascii_formatd (sum, sizeof sum, "%.6f", histogram->sum);
    g_string_append_printf (out, "%s_sum %s\n%s_count %" G_GUINT64_FORMAT "\n", name, sum, name, histogram->count);
  }
}

static void
append_stream (GString  *out,
               WgServer *server)
{
  WgStreamHub *hub = wg_server_get_stream_hub (server);
  g_autoptr(JsonNode) presence = wg_stream_hub_build_presence (hub);
  JsonArray *consoles = json_object_get_array_member (json_node_get_object (presence), "consoles");
  gint64 lag_max = 0, lag_sum = 0;

  for (guint i = 0; consoles != NULL && i < json_array_get_length (consoles); i++)
    {
      gint64 lag = json_object_get_int_member_with_default (json_array_get_object_element (consoles, i), "lag", 0);

      lag_max = MAX (lag_max, lag);
      lag_sum += lag;
    }
  append_header (out, "wangge_stream_subscribers", "gauge", "Consoles subscribed to the journal stream.");
  g_string_append_printf (out, "wangge_stream_subscribers %u\n", wg_stream_hub_get_n_subscribers (hub));
  append_header (out, "wangge_stream_lag_events_max", "gauge",
                 "Largest number of events a subscriber has yet to apply.");
  g_string_append_printf (out, "wangge_stream_lag_events_max %" G_GINT64_FORMAT "\n", lag_max);
  append_header (out, "wangge_stream_lag_events_sum", "gauge",
                 "Events the subscribers have yet to apply, summed over them.");
  g_string_append_printf (out, "wangge_stream_lag_events_sum %" G_GINT64_FORMAT "\n", lag_sum);
  append_header (out, "wangge_stream_slow_closed_total", "counter",
                 "Subscribers closed for falling too far behind.");
  g_string_append_printf (out, "wangge_stream_slow_closed_total %" G_GUINT64_FORMAT "\n",
                          wg_stream_hub_get_n_slow_closed (hub));
}

static char *
build_exposition (WgMetrics *self)
{
  static const char *const request_labels[] = { "route", "method", "status", NULL };
  static const char *const command_labels[] = { "type", "outcome", NULL };
  static const char *const login_labels[] = { "reason", NULL };
  GString *out = g_string_new (NULL);

  g_mutex_lock (&self->lock);
  append_counters (out, "wangge_http_requests_total", "HTTP requests answered, by route template, method and status.",
                   self->requests, request_labels);
  append_counters (out, "wangge_commands_total",
                   "Commands decided, by type and outcome (accepted, replayed, or the refusal's code).",
                   self->commands, command_labels);
  append_counters (out, "wangge_login_failures_total", "Refused logins, by reason.",
                   self->login_failures, login_labels);
  append_histogram (out, "wangge_commit_batch_size", "Commands per commit of the journal.", &self->batch_size);
  append_histogram (out, "wangge_commit_duration_seconds", "Time of one commit of the journal, from begin to durable.",
                    &self->batch_seconds);
  g_mutex_unlock (&self->lock);

  append_stream (out, self->server);
  append_header (out, "wangge_journal_head", "gauge", "The last seq of the journal.");
  g_string_append_printf (out, "wangge_journal_head %" G_GINT64_FORMAT "\n", wg_server_get_head (self->server));
  append_header (out, "wangge_start_time_seconds", "gauge", "When the server started, in seconds since the epoch.");
  g_string_append_printf (out, "wangge_start_time_seconds %" G_GINT64_FORMAT "\n", self->started_s);
  return g_string_free (out, FALSE);
}

static gboolean
token_matches (WgMetrics         *self,
               SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");
  const char *given;

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return FALSE;
  given = header + 7;
  /* Constant time for the contents: only the length can be learnt. */
  return strlen (given) == strlen (self->token) &&
         sodium_memcmp (given, self->token, strlen (given)) == 0;
}

static void
metrics_cb (SoupServerMessage *msg,
            GHashTable        *params,
            GHashTable        *query,
            gpointer           user_data)
{
  WgMetrics *self = user_data;
  char *text;

  if (self->token == NULL)
    {
      wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "not-found",
                          _("Metrics are off: set a token in the [metrics] group of the configuration"));
      return;
    }
  if (!token_matches (self, msg))
    {
      wg_problem_respond (msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                          _("Send the metrics token of the configuration as a bearer token"));
      return;
    }
  text = build_exposition (self);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

/* ---- life ---------------------------------------------------------------- */

WgMetrics *
wg_metrics_new (WgServer *server)
{
  const WgServerConfig *config = wg_server_get_config (server);
  WgMetrics *self = g_new0 (WgMetrics, 1);
  SoupServer *soup = wg_server_get_soup_server (server);

  self->server = server;
  self->token = g_strdup (config->metrics_token);
  self->log_requests = config->log_requests;
  self->started_s = g_get_real_time () / G_USEC_PER_SEC;
  self->id_prefix = g_random_int ();
  g_mutex_init (&self->lock);
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->commands = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->login_failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  histogram_init (&self->batch_size, batch_size_bounds, G_N_ELEMENTS (batch_size_bounds));
  histogram_init (&self->batch_seconds, batch_seconds_bounds, G_N_ELEMENTS (batch_seconds_bounds));

  g_signal_connect (soup, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (soup, "request-finished", G_CALLBACK (request_finished_cb), self);
  wg_router_add (wg_server_get_router (server), "GET", "/metrics", metrics_cb, self);
  return self;
}

void
wg_metrics_free (WgMetrics *self)
{
  if (self == NULL)
    return;
  g_signal_handlers_disconnect_by_data (wg_server_get_soup_server (self->server), self);
  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->commands);
  g_hash_table_unref (self->login_failures);
  g_free (self->batch_size.counts);
  g_free (self->batch_seconds.counts);
  g_mutex_clear (&self->lock);
  if (self->token != NULL)
    sodium_memzero (self->token, strlen (self->token));
  g_free (self->token);
  g_free (self);
}
