/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The whole WgServer in the benchmark's own process, on a loopback port
 * and a scratch data directory: served while wg_bench_load_run() runs.
 */
#pragma once

#include "wg-engine.h"
#include "wg-server.h"

G_BEGIN_DECLS

typedef struct
{
  WgServer *server;
  WgEngine *engine;    /* NULL without the demo */
  char     *data_dir;
  char     *base_url;
} WgBenchServer;

WgBenchServer *wg_bench_server_start (gboolean       with_demo);
void           wg_bench_server_stop  (WgBenchServer *self);

G_END_DECLS
