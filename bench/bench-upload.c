/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Photo uploads: POST /api/v1/attachments of a 12 MP JPEG (checks, decode
 * at the display size, display copy and thumbnail on the 2-thread pool,
 * content-addressed files written durably, 201), one at a time and
 * CONCURRENT at once, against wg_image_process() alone on the same bytes
 * in the same run.  Not a test.
 *
 *   bench-upload [UPLOADS] [CONCURRENT]
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "wg-bench.h"
#include "wg-bench-server.h"
#include "wg-engine.h"
#include "wg-image.h"
#include "wg-server.h"

typedef struct
{
  const char *base;
  char       *url;
  GBytes     *photo;
  guint       concurrent;
} Upload;

static SoupMessage *
build_upload (gpointer user_data)
{
  Upload *upload = user_data;
  SoupMessage *msg = soup_message_new ("POST", upload->url);

  soup_message_set_request_body_from_bytes (msg, "image/jpeg", upload->photo);
  return msg;
}

/* @in_flight at a time until @count are answered, as worker-01 (a
 * field worker's photo).  A 12 MP decode on a loaded machine may take
 * long: a generous timeout. */
static void
run_uploads (Upload            *upload,
             guint              count,
             guint              in_flight,
             WgBenchLoadResult *result)
{
  WgBenchLoad load = { 0 };

  load.base_url = upload->base;
  load.username = "worker-01";
  load.in_flight = in_flight;
  load.max_requests = count;
  load.max_conns_per_host = upload->concurrent + 1;
  load.timeout_s = 120;
  load.expected_status = SOUP_STATUS_CREATED;
  load.build_request = build_upload;
  load.user_data = upload;
  wg_bench_load_run (&load, result);
}

/* A 4000 x 3000 photo-like JPEG: gradients and noise, so that it neither
 * compresses to nothing nor decodes trivially. */
static GBytes *
make_photo (void)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 4000, 3000);
  g_autoptr(GRand) rand = g_rand_new_with_seed (12);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  char *buffer = NULL;
  gsize len = 0;

  for (int y = 0; y < 3000; y++)
    for (int x = 0; x < 4000; x++)
      {
        guint8 *p = pixels + y * stride + x * 3;
        int noise = g_rand_int_range (rand, -24, 24);

        p[0] = CLAMP (x / 16 + noise, 0, 255);
        p[1] = CLAMP (y / 12 + noise, 0, 255);
        p[2] = CLAMP (((x + y) / 28) + noise, 0, 255);
      }
  g_assert (gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &len, "jpeg", NULL, "quality", "88", NULL));
  return g_bytes_new_take (buffer, len);
}

int
main (int   argc,
      char *argv[])
{
  guint uploads = argc > 1 ? (guint) g_ascii_strtoull (argv[1], NULL, 10) : 5;
  guint concurrent = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 8;
  g_autoptr(GError) error = NULL;
  WgBenchServer *server;
  g_autoptr(GBytes) photo = make_photo ();
  g_autoptr(GArray) baseline = g_array_new (FALSE, FALSE, sizeof (gint64));
  Upload upload = { 0 };
  WgBenchLoadResult one_at_a_time, at_once;
  gint64 p50, base50;

  uploads = MAX (uploads, 1);
  concurrent = CLAMP (concurrent, 1, 8);

  /* Baseline: the checks and derived sizes alone, in this process. */
  for (guint i = 0; i < uploads; i++)
    {
      gint64 start = g_get_monotonic_time ();
      g_autoptr(WgImageDerived) derived = wg_image_process (photo, NULL, &error);
      gint64 took = g_get_monotonic_time () - start;

      g_assert_no_error (error);
      g_array_append_val (baseline, took);
    }
  wg_bench_sort_gint64 (baseline);
  base50 = wg_bench_percentile (baseline, 0.50);

  server = wg_bench_server_start (TRUE);
  upload.base = server->base_url;
  upload.url = g_strconcat (server->base_url, "/api/v1/attachments", NULL);
  upload.photo = photo;
  upload.concurrent = concurrent;
  /* One at a time: the latency of one upload. */
  run_uploads (&upload, uploads, 1, &one_at_a_time);
  /* CONCURRENT at once: the pool's throughput. */
  run_uploads (&upload, concurrent, concurrent, &at_once);
  g_free (upload.url);

  wg_bench_server_stop (server);

  wg_bench_sort_gint64 (one_at_a_time.latencies_us);
  p50 = wg_bench_percentile (one_at_a_time.latencies_us, 0.50);

  g_print ("photo: 4000 x 3000 JPEG, %.2f MB\n", g_bytes_get_size (photo) / 1e6);
  g_print ("wg_image_process alone (baseline), median of %u: %7.1f ms\n", uploads, base50 / 1000.0);
  g_print ("POST /api/v1/attachments, one at a time, median:  %7.1f ms (%u failed)\n", p50 / 1000.0,
           (guint) (one_at_a_time.failed + at_once.failed));
  g_print ("ratio upload/process:                             %7.2f\n", (double) p50 / base50);
  g_print ("%u uploads at once: %.2f s, %.2f uploads/s (2 decode threads; ideal %.2f/s)\n",
           concurrent, at_once.seconds, concurrent / at_once.seconds, 2e6 / base50);
  wg_bench_load_result_clear (&one_at_a_time);
  wg_bench_load_result_clear (&at_once);
  return EXIT_SUCCESS;
}
