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
static Bucket *
bucket_at (WgRateLimiter *self,
           const char    *key,
           gint64         now_us)
{
  Bucket *bucket = g_hash_table_lookup (self->buckets, key);

  if (bucket == NULL)
    {
      bucket = g_new (Bucket, 1);
      bucket->tokens = self->burst;
      bucket->updated_us = now_us;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  refill (self, bucket, now_us);
  return bucket;
}

gboolean
wg_rate_limiter_try (WgRateLimiter *self,
                     const char    *key,
                     gint64         now_us,
                     double        *retry_after_s)
{
  Bucket *bucket;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  bucket = bucket_at (self, key, now_us);

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
/**
 * wg_rate_limiter_charge:
 *
 * Takes @n permits for @key that were used elsewhere (another server
 * instance's requests on the same session).  The bucket may go below
 * zero, down to -burst: the next permit then waits for the debt too.
 */
void
wg_rate_limiter_charge (WgRateLimiter *self,
                        const char    *key,
                        double         n,
                        gint64         now_us)
{
  Bucket *bucket;

  g_return_if_fail (self != NULL);
  g_return_if_fail (key != NULL);

  bucket = bucket_at (self, key, now_us);
  bucket->tokens = MAX (-self->burst, bucket->tokens - n);
}

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
  guint  pending;  /* attempts begun and not yet ended */
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

static Failures *
lookup_or_add (WgFailureWindow *self,
               const char      *key)
{
  Failures *failures = g_hash_table_lookup (self->keys, key);

  if (failures == NULL)
    {
      failures = g_malloc0 (sizeof (Failures) + self->max_failures * sizeof (gint64));
      g_hash_table_insert (self->keys, g_strdup (key), failures);
    }
  return failures;
}

void
wg_failure_window_record (WgFailureWindow *self,
                          const char      *key,
                          gint64           now_us)
{
  Failures *failures;

  g_return_if_fail (self != NULL && key != NULL);

  failures = lookup_or_add (self, key);
  failures->times[failures->next] = now_us;
  failures->next = (failures->next + 1) % self->max_failures;
  failures->count = MIN (failures->count + 1, self->max_failures);
}

/* Failures of @failures within the window at @now_us, oldest first, and
 * the time of the @nth of them (1-based) in @nth_time_us when there is one. */
static guint
count_in_window (WgFailureWindow *self,
                 Failures        *failures,
                 gint64           now_us,
                 guint            nth,
                 gint64          *nth_time_us)
{
  guint oldest = (failures->next + self->max_failures - failures->count) % self->max_failures;
  guint in_window = 0;

  for (guint i = 0; i < failures->count; i++)
    {
      gint64 t = failures->times[(oldest + i) % self->max_failures];

      if (now_us - t >= self->window_us)
        continue;
      if (++in_window == nth)
        *nth_time_us = t;
    }
  return in_window;
}

/**
 * wg_failure_window_allows:
 * @retry_after_s: (out) (optional): when refused, seconds until enough
 *   failures leave the window (at least one second while attempts being
 *   checked hold the place)
 *
 * Attempts begun with wg_failure_window_begin() and not yet ended count as
 * failures: parallel guesses get no more tries than serial ones.
 *
 * Returns: %FALSE while @key's failures within the window and its attempts
 *   being checked reach max_failures
 */
gboolean
wg_failure_window_allows (WgFailureWindow *self,
                          const char      *key,
                          gint64           now_us,
                          double          *retry_after_s)
{
  Failures *failures;
  gint64 leaving_us = 0;
  guint in_window, must_leave;

  g_return_val_if_fail (self != NULL && key != NULL, FALSE);

  if (retry_after_s != NULL)
    *retry_after_s = 0;
  failures = g_hash_table_lookup (self->keys, key);
  if (failures == NULL)
    return TRUE;
  in_window = count_in_window (self, failures, now_us, 0, NULL);
  if (in_window + failures->pending < self->max_failures)
    return TRUE;

  must_leave = in_window + failures->pending - self->max_failures + 1;
  if (retry_after_s != NULL)
    {
      if (must_leave <= in_window)
        {
          count_in_window (self, failures, now_us, must_leave, &leaving_us);
          *retry_after_s = (leaving_us + self->window_us - now_us) / 1e6;
        }
      else
        *retry_after_s = 1.0;
    }
  return FALSE;
}

/* An attempt for @key is being checked: it counts as a failure until
 * wg_failure_window_end(). */
void
wg_failure_window_begin (WgFailureWindow *self,
                         const char      *key)
{
  g_return_if_fail (self != NULL && key != NULL);

  lookup_or_add (self, key)->pending++;
}

void
wg_failure_window_end (WgFailureWindow *self,
                       const char      *key,
                       gboolean         failed,
                       gint64           now_us)
{
  Failures *failures;

  g_return_if_fail (self != NULL && key != NULL);

  failures = g_hash_table_lookup (self->keys, key);
  g_return_if_fail (failures != NULL && failures->pending > 0);
  failures->pending--;
  if (failed)
    wg_failure_window_record (self, key, now_us);
}

/* Forgets @key's failures; attempts still being checked stay counted. */
void
wg_failure_window_forget (WgFailureWindow *self,
                          const char      *key)
{
  Failures *failures;

  g_return_if_fail (self != NULL && key != NULL);

  failures = g_hash_table_lookup (self->keys, key);
  if (failures == NULL)
    return;
  if (failures->pending == 0)
    g_hash_table_remove (self->keys, key);
  else
    failures->count = failures->next = 0;
}

/* Forgets keys with no attempt being checked whose newest failure has left
 * the window. */
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

      if (failures->pending == 0 &&
          (failures->count == 0 || now_us - failures->times[newest] >= self->window_us))
        g_hash_table_iter_remove (&iter);
    }
}

guint
wg_failure_window_get_size (WgFailureWindow *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->keys);
}
