/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the benchmarks share: a closed-loop HTTP load driver, latency
 * percentiles and peak RSS.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Builds the next request of a load run; called on the driver's thread. */
typedef SoupMessage *(*WgBenchRequestFunc) (gpointer user_data);

typedef struct
{
  const char         *base_url;           /* the server's root, for the login */
  const char         *username;           /* NULL: no login; else its token (password "demo") goes on each request */
  guint               in_flight;          /* requests kept outstanding */
  double              seconds;            /* stop sending after this long; 0: no deadline */
  guint               max_requests;       /* stop sending after this many; 0: no limit */
  guint               max_conns;          /* the session's "max-conns"; 0: libsoup's default */
  guint               max_conns_per_host; /* 0: in_flight */
  guint               timeout_s;          /* the session's "timeout"; 0: libsoup's default */
  guint               expected_status;    /* what counts as done; 0: 200 OK */
  WgBenchRequestFunc  build_request;
  gpointer            user_data;
  /* Raw mode, when set: each request is a POST of raw_body() (a new JSON
   * text, taken) to raw_path over plain keep-alive sockets, one per
   * request in flight, written and parsed by hand: a client whose own CPU
   * is small next to the server's, where SoupSession's is not.
   * build_request is then unused. */
  const char         *raw_path;
  char             *(*raw_body) (gpointer user_data);
} WgBenchLoad;

typedef struct
{
  guint64  done;          /* answered with the expected status */
  guint64  failed;
  double   seconds;       /* from the first request (after the login) to the last answer */
  GArray  *latencies_us;  /* gint64, of the done requests, in the order they ended */
} WgBenchLoadResult;

void    wg_bench_load_run          (const WgBenchLoad *load,
                                    WgBenchLoadResult *result);
void    wg_bench_load_result_clear (WgBenchLoadResult *result);
SoupMessage *wg_bench_json_post    (const char        *url,
                                    char              *json);

void    wg_bench_sort_gint64       (GArray            *values);
void    wg_bench_sort_doubles      (double            *values,
                                    gsize              n);
double  wg_bench_median            (double            *values,
                                    gsize              n);
gint64  wg_bench_percentile        (GArray            *sorted,
                                    double             p);

gint64  wg_bench_peak_rss_kib      (const char        *pid);


G_END_DECLS
