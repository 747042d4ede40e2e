/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Token buckets keyed by a string (a token, a user, an address): each key
 * earns @rate permits a second up to @burst. */
typedef struct _WgRateLimiter WgRateLimiter;

WgRateLimiter *wg_rate_limiter_new       (double         rate,
                                          double         burst);
void           wg_rate_limiter_free      (WgRateLimiter *self);
gboolean       wg_rate_limiter_try       (WgRateLimiter *self,
                                          const char    *key,
                                          gint64         now_us,
                                          double        *retry_after_s);
void           wg_rate_limiter_charge    (WgRateLimiter *self,
                                          const char    *key,
                                          double         n,
                                          gint64         now_us);
void           wg_rate_limiter_prune     (WgRateLimiter *self,
                                          gint64         now_us);
guint          wg_rate_limiter_get_size  (WgRateLimiter *self);

/* Failures keyed by a string within a sliding window: "after 5 failed logins
 * for one username from one address within a minute, refuse for a while".
 * Attempts being checked (begin .. end) count as failures meanwhile. */
typedef struct _WgFailureWindow WgFailureWindow;

WgFailureWindow *wg_failure_window_new      (guint            max_failures,
                                             gint64           window_us);
void             wg_failure_window_free     (WgFailureWindow *self);
void             wg_failure_window_record   (WgFailureWindow *self,
                                             const char      *key,
                                             gint64           now_us);
gboolean         wg_failure_window_allows   (WgFailureWindow *self,
                                             const char      *key,
                                             gint64           now_us,
                                             double          *retry_after_s);
void             wg_failure_window_begin    (WgFailureWindow *self,
                                             const char      *key);
void             wg_failure_window_end      (WgFailureWindow *self,
                                             const char      *key,
                                             gboolean         failed,
                                             gint64           now_us);
void             wg_failure_window_forget   (WgFailureWindow *self,
                                             const char      *key);
void             wg_failure_window_prune    (WgFailureWindow *self,
                                             gint64           now_us);
guint            wg_failure_window_get_size (WgFailureWindow *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgRateLimiter, wg_rate_limiter_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgFailureWindow, wg_failure_window_free)

G_END_DECLS
