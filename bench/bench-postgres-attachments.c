/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Photo uploads on the real wangge-server process (POST
 * /api/v1/attachments, IN_FLIGHT outstanding, closed loop), uploads per
 * second and megabytes per second, in one run:
 *
 *  - SQLite: attachments.db and content files written durably (the
 *    baseline);
 *  - PostgreSQL (a private cluster, fsync=on, synchronous_commit=on): the
 *    row and the bytea content in one transaction;
 *  - PostgreSQL, two instances on one database, the uploads alternating.
 *
 * Every upload is new content: a noise JPEG of a phone photo's size with a
 * comment segment numbering it, so that neither backend finds the content
 * stored already.  The server's decode (display copy and thumbnail) is in
 * every figure alike.  Not a test.
 *
 *   bench-postgres-attachments [SECONDS] [IN_FLIGHT] [WIDTH]
 */
#include "config.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdlib.h>
#include <string.h>

#include "test-images.h"
#include "wg-bench-instances.h"

/* Room for an upload at most the server's limit. */
#define CONFIG "[auth]\ncommand-rate=1000000\ncommand-burst=1000000\n"

typedef struct
{
  double            seconds;
  guint             in_flight;
  GBytes           *photo;
  WgBenchInstances *instances;
  guint64           n;
} Uploads;

/* The photo with a COM segment after its SOI holding a new number. */
static SoupMessage *
build_upload (gpointer user_data)
{
  Uploads *uploads = user_data;
  gsize size;
  const guint8 *photo = g_bytes_get_data (uploads->photo, &size);
  GByteArray *bytes = g_byte_array_sized_new (size + 12);
  guint8 comment[12] = { 0xff, 0xd8, 0xff, 0xfe, 0x00, 0x08 };   /* 2 length bytes, 6 of number */
  g_autoptr(GBytes) body = NULL;
  guint64 n = uploads->n++;

  memcpy (comment + 6, &n, 6);
  g_byte_array_append (bytes, comment, sizeof comment);
  g_byte_array_append (bytes, photo + 2, size - 2);
  body = g_byte_array_free_to_bytes (bytes);
  return wg_bench_instances_post_bytes (uploads->instances, "image/jpeg", body);
}

static WgBenchFigure
measure (const char *database,
         guint       n_instances,
         gpointer    user_data)
{
  Uploads *uploads = user_data;
  WgBenchFigure figure;

  uploads->instances = wg_bench_instances_start (CONFIG, database, n_instances, "leader", "/api/v1/attachments");
  uploads->instances->expected_status = SOUP_STATUS_CREATED;
  figure = wg_bench_instances_measure (uploads->instances, uploads->seconds, uploads->in_flight, 1, build_upload,
                                       uploads);
  g_clear_pointer (&uploads->instances, wg_bench_instances_stop);
  return figure;
}

static void
print_figure (const char    *what,
              WgBenchFigure  figure,
              gsize          photo_size)
{
  g_print ("  %-34s %6.1f uploads/s %6.1f MB/s   p50 %6.1f ms   p99 %6.1f ms\n", what, figure.rate,
           figure.rate * photo_size / 1e6, figure.p50_us / 1000.0, figure.p99_us / 1000.0);
}

int
main (int   argc,
      char *argv[])
{
  double seconds = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 10.0;
  guint in_flight = argc > 2 ? (guint) g_ascii_strtoull (argv[2], NULL, 10) : 4;
  int width = argc > 3 ? (int) g_ascii_strtoull (argv[3], NULL, 10) : 1600;
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, width * 3 / 4);
  g_autoptr(GRand) rand = g_rand_new_with_seed (22);
  g_autoptr(GBytes) photo = NULL;
  WgBenchFigure figures[3];
  WgBenchFigure sqlite, pg_one, pg_two;
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  Uploads uploads = { .seconds = seconds, .in_flight = in_flight };

  for (gsize i = 0; i < gdk_pixbuf_get_byte_length (pixbuf); i++)
    pixels[i] = (guint8) g_rand_int (rand);
  photo = test_image_encode_jpeg (pixbuf);
  uploads.photo = photo;

  if (!wg_bench_postgres_compare ("bench-postgres-attachments", measure, &uploads, figures))
    return 77;
  sqlite = figures[0];
  pg_one = figures[1];
  pg_two = figures[2];

  g_print ("photo uploads: %dx%d noise JPEG, %.2f MB each, all new content, %u in flight, %.1f s each\n",
           width, width * 3 / 4, g_bytes_get_size (photo) / 1e6, in_flight, seconds);
  print_figure ("SQLite, one instance (baseline)", sqlite, g_bytes_get_size (photo));
  print_figure ("PostgreSQL, one instance", pg_one, g_bytes_get_size (photo));
  print_figure ("PostgreSQL, two instances", pg_two, g_bytes_get_size (photo));
  g_print ("PostgreSQL one instance / SQLite:  %.2f\n", pg_one.rate / sqlite.rate);
  g_print ("PostgreSQL two instances / one:    %.2f\n", pg_two.rate / pg_one.rate);
  return EXIT_SUCCESS;
}
