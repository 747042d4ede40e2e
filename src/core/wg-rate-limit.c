/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-rate-limit"

#include "config.h"

#include "wg-rate-limit.h"

typedef struct
{
  double tokens;
  gint64 updated_us;
} Bucket;

struct _WgRateLimiter
{
  double      rate;
  double      burst;
  GHashTable *buckets; /* key -> Bucket */
};

WgRateLimiter *
wg_rate_limiter_new (double rate,
                     double burst)
{
  WgRateLimiter *self;

  g_return_val_if_fail (rate > 0 && burst >= 1, NULL);

  self = g_new0 (WgRateLimiter, 1);
  self->rate = rate;
  self->burst = burst;
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
wg_rate_limiter_free (WgRateLimiter *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->buckets);
  g_free (self);
}

static void
refill (WgRateLimiter *self,
        Bucket        *bucket,
        gint64         now_us)
{
  if (now_us > bucket->updated_us)
    {
      bucket->tokens = MIN (self->burst,
                            bucket->tokens + (now_us - bucket->updated_us) / 1e6 * self->rate);
      bucket->updated_us = now_us;
    }
}

/**
 * wg_rate_limiter_try:
 * @retry_after_s: (out) (optional): when refused, the seconds until a permit
 *
 * Takes one permit for @key if there is one.
 *
 * Returns: %TRUE if the request may go ahead
 */
gboolean
wg_rate_limiter_try (WgRateLimiter *self,
                     const char    *key,
                     gint64         now_us,
                     double        *retry_after_s)
{
  Bucket *bucket;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  bucket = g_hash_table_lookup (self->buckets, key);
  if (bucket == NULL)
    {
      bucket = g_new (Bucket, 1);
      bucket->tokens = self->burst;
      bucket->updated_us = now_us;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  refill (self, bucket, now_us);

  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      if (retry_after_s != NULL)
        *retry_after_s = 0;
      return TRUE;
    }

  if (retry_after_s != NULL)
    *retry_after_s = (1.0 - bucket->tokens) / self->rate;
  return FALSE;
}

/* Forgets keys whose buckets are full again: they behave as new ones. */
void
wg_rate_limiter_prune (WgRateLimiter *self,
                       gint64         now_us)
{
  GHashTableIter iter;
  Bucket *bucket;

  g_return_if_fail (self != NULL);

  g_hash_table_iter_init (&iter, self->buckets);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &bucket))
    {
      refill (self, bucket, now_us);
      if (bucket->tokens >= self->burst)
        g_hash_table_iter_remove (&iter);
    }
}

guint
wg_rate_limiter_get_size (WgRateLimiter *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->buckets);
}

typedef struct
{
  guint  count;    /* failures held in times[] */
  guint  next;     /* ring position of the next write */
  gint64 times[];  /* the last max_failures failure times */
} Failures;

struct _WgFailureWindow
{
  guint       max_failures;
  gint64      window_us;
  GHashTable *keys; /* key -> Failures */
};

WgFailureWindow *
wg_failure_window_new (guint  max_failures,
                       gint64 window_us)
{
  WgFailureWindow *self;

  g_return_val_if_fail (max_failures > 0 && window_us > 0, NULL);

  self = g_new0 (WgFailureWindow, 1);
  self->max_failures = max_failures;
  self->window_us = window_us;
  self->keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
wg_failure_window_free (WgFailureWindow *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->keys);
  g_free (self);
}

void
wg_failure_window_record (WgFailureWindow *self,
                          const char      *key,
                          gint64           now_us)
{
  Failures *failures;

  g_return_if_fail (self != NULL && key != NULL);

  failures = g_hash_table_lookup (self->keys, key);
  if (failures == NULL)
    {
      failures = g_malloc0 (sizeof (Failures) + self->max_failures * sizeof (gint64));
      g_hash_table_insert (self->keys, g_strdup (key), failures);
    }
  failures->times[failures->next] = now_us;
  failures->next = (failures->next + 1) % self->max_failures;
  failures->count = MIN (failures->count + 1, self->max_failures);
}

/**
 * wg_failure_window_allows:
 * @retry_after_s: (out) (optional): when refused, seconds until the oldest
 *   failure of the window leaves it
 *
 * Returns: %FALSE while @key has had max_failures failures within the window
 */
gboolean
wg_failure_window_allows (WgFailureWindow *self,
                          const char      *key,
                          gint64           now_us,
                          double          *retry_after_s)
{
  Failures *failures;
  gint64 oldest;

  g_return_val_if_fail (self != NULL && key != NULL, FALSE);

  if (retry_after_s != NULL)
    *retry_after_s = 0;

  failures = g_hash_table_lookup (self->keys, key);
  if (failures == NULL || failures->count < self->max_failures)
    return TRUE;

  /* The ring is full: its oldest entry is the one about to be overwritten. */
  oldest = failures->times[failures->next];
  if (now_us - oldest >= self->window_us)
    return TRUE;

  if (retry_after_s != NULL)
    *retry_after_s = (oldest + self->window_us - now_us) / 1e6;
  return FALSE;
}

void
wg_failure_window_forget (WgFailureWindow *self,
                          const char      *key)
{
  g_return_if_fail (self != NULL && key != NULL);
  g_hash_table_remove (self->keys, key);
}

/* Forgets keys whose newest failure has left the window. */
void
wg_failure_window_prune (WgFailureWindow *self,
                         gint64           now_us)
{
  GHashTableIter iter;
  Failures *failures;

  g_return_if_fail (self != NULL);

  g_hash_table_iter_init (&iter, self->keys);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &failures))
    {
      guint newest = (failures->next + self->max_failures - 1) % self->max_failures;

      if (now_us - failures->times[newest] >= self->window_us)
        g_hash_table_iter_remove (&iter);
    }
}

guint
wg_failure_window_get_size (WgFailureWindow *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->keys);
}
