/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What the service does, for monitoring: GET /metrics in the Prometheus
 * text format (exposition format 0.0.4), readable with the metrics token
 * of the configuration ([metrics] token), never with an account's; and
 * the request log, one structured entry per answered request ([log]
 * requests), through g_log_structured().  docs/operations.md lists both.
 *
 * Requests are counted by route template, never by path, so that ids do
 * not multiply the series; the log carries no token, password, body or
 * query (where phone numbers and tokens travel).
 *
 * The counting functions are thread-safe (the commit path may run on a
 * thread of its own). */
typedef struct _WgMetrics WgMetrics;
typedef struct _WgServer WgServer;

/* Hooks @server's SoupServer and registers GET /metrics on its router. */
WgMetrics *wg_metrics_new          (WgServer          *server);
void       wg_metrics_free         (WgMetrics         *self);

/* The router's match: the template the request is counted under. */
void       wg_metrics_set_route    (SoupServerMessage *msg,
                                    const char        *route);
/* Who sent it, once the token is checked (the log names them). */
void       wg_metrics_set_user     (SoupServerMessage *msg,
                                    const char        *user);
/* A command the commit path decided: @outcome is "accepted", "replayed"
 * or the refusal's code. */
void       wg_metrics_count_command (WgMetrics        *self,
                                    SoupServerMessage *msg,
                                    const char        *type,
                                    const char        *outcome);
/* One commit of @size commands that took @duration_us. */
void       wg_metrics_observe_batch (WgMetrics        *self,
                                    guint              size,
                                    gint64             duration_us);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgMetrics, wg_metrics_free)

G_END_DECLS
