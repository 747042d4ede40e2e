/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Load mode: reports and position posts at a fixed real rate, then a
 * baseline of health requests at the same rate, for the benchmarks.
 */
#define G_LOG_DOMAIN "wg-sim"

#include "config.h"

#include "wg-sim-private.h"

/* ---- load mode ---------------------------------------------------------- */

static void
load_report (WgSim *self)
{
  SimUnit *worker = g_ptr_array_index (self->workers, self->report_counter % self->workers->len);
  GRand *rand = self->report_rand;
  WgCategory *category = _wg_sim_pick_category (self, rand);
  g_autofree char *id = _wg_sim_command_id (self, "load-report/%u", ++self->report_counter);
  JsonObject *body = json_object_new ();
  JsonObject *location = json_object_new ();
  double lat, lon;

  wg_grid_random_point (worker->force->grid, rand, &lat, &lon);
  json_object_set_string_member (body, "grade", category->grade);
  json_object_set_string_member (body, "category", category->code);
  json_object_set_double_member (location, "lat", lat);
  json_object_set_double_member (location, "lon", lon);
  json_object_set_object_member (body, "location", location);
  json_object_set_string_member (body, "summary", category->name_zh);
  json_object_set_string_member (body, "source", "patrol");
  json_object_set_string_member (body, "grid", worker->force->grid->code);
  if (g_str_equal (category->grade, "general"))
    {
      JsonObject *on_spot = json_object_new ();

      json_object_set_string_member (on_spot, "resolution", "已现场处置");
      json_object_set_object_member (body, "handled_on_spot", on_spot);
    }
  self->counters.reports[_wg_sim_grade_index (category->grade)]++;
  _wg_sim_send_command (self, worker->force->account, id, "incident.report", body, NULL, NULL);
}

static void
load_positions (WgSim *self,
                guint  count)
{
  gint64 ts = wg_sim_net_server_now_ms (self->net);
  GString *text = g_string_sized_new (count * 80 + 16);
  g_autofree char *account = g_strdup_printf ("admin#%u", self->positions_account++ % POSITIONS_ACCOUNTS);
  g_autoptr(GBytes) body = NULL;

  g_string_append (text, "{\"positions\":[");
  for (guint i = 0; i < count; i++)
    {
      guint k = self->load_cursor++ % self->config.units;
      char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];

      /* A small random walk: ~5 m per second. */
      self->load_lat[k] += g_rand_double_range (self->report_rand, -4.5e-5, 4.5e-5);
      self->load_lon[k] += g_rand_double_range (self->report_rand, -4.5e-5, 4.5e-5);
      g_string_append_printf (text, "%s{\"unit\":\"load-%05u\",\"ts\":%" G_GINT64_FORMAT ",\"lat\":%s,\"lon\":%s}",
                              i > 0 ? "," : "", k, ts,
                              g_ascii_formatd (lat, sizeof lat, "%.7f", self->load_lat[k]),
                              g_ascii_formatd (lon, sizeof lon, "%.7f", self->load_lon[k]));
    }
  g_string_append (text, "]}");
  self->load_points_sent += count;
  self->counters.positions += count;
  body = g_string_free_to_bytes (text);
  wg_sim_net_positions_text (self->net, account, body);
}

static void
load_print (WgSim  *self,
            double  seconds)
{
  const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
  double c50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_COMMAND, 0.5);
  double c99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_COMMAND, 0.99);
  double p50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_POSITIONS, 0.5);
  double p99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_POSITIONS, 0.99);

  double answered_share = stats->sent[WG_SIM_LATENCY_POSITIONS] > 0
                            ? stats->answered[WG_SIM_LATENCY_POSITIONS] / (double) stats->sent[WG_SIM_LATENCY_POSITIONS]
                            : 0;

  g_print (_("load: %.1f s; positions %.0f points/s (%lu posts answered of %lu); "
             "reports %.1f/s (%lu answered of %lu); refused %lu, retries %lu, skipped (in flight) %u\n"),
           seconds,
           self->load_points_sent * answered_share / seconds,
           stats->answered[WG_SIM_LATENCY_POSITIONS], stats->sent[WG_SIM_LATENCY_POSITIONS],
           stats->answered[WG_SIM_LATENCY_COMMAND] / seconds,
           stats->answered[WG_SIM_LATENCY_COMMAND], stats->sent[WG_SIM_LATENCY_COMMAND],
           stats->refused, stats->retries, self->load_reports_skipped + self->load_positions_skipped);
  g_print (_("load: acknowledgement latency: commands p50 %.1f ms p99 %.1f ms; positions p50 %.1f ms p99 %.1f ms\n"),
           c50, c99, p50, p99);
  fflush (stdout);
}

typedef struct
{
  WgSim  *sim;
  gint64  end_us;
  double  credit;
  double  rate;
  gint64  last_us;
  gint64  start_us;
  guint   sent;
} Baseline;

static gboolean
baseline_tick_cb (gpointer data)
{
  Baseline *b = data;
  WgSim *self = b->sim;
  gint64 now = g_get_monotonic_time ();

  if (self->stopping)
    {
      g_free (b);
      return G_SOURCE_REMOVE;
    }
  if (now >= b->end_us)
    {
      if (wg_sim_net_outstanding (self->net) == 0 || now >= b->end_us + 10 * G_USEC_PER_SEC)
        {
          const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
          double h50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_HEALTH, 0.5);
          double h99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_HEALTH, 0.99);
          double c50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_COMMAND, 0.5);
          double c99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_COMMAND, 0.99);
          double p50 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_POSITIONS, 0.5);
          double p99 = wg_sim_net_latency_ms (self->net, WG_SIM_LATENCY_POSITIONS, 0.99);

          g_print (_("baseline: GET /api/v1/health at %.0f req/s: %lu answered, p50 %.1f ms p99 %.1f ms\n"),
                   b->rate, stats->answered[WG_SIM_LATENCY_HEALTH], h50, h99);
          g_print (_("ratio to baseline: commands p50 x%.1f p99 x%.1f; positions p50 x%.1f p99 x%.1f\n"),
                   c50 / MAX (h50, 0.01), c99 / MAX (h99, 0.01), p50 / MAX (h50, 0.01), p99 / MAX (h99, 0.01));
          fflush (stdout);
          g_free (b);
          wg_sim_stop (self);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  b->credit += (now - b->last_us) / 1e6 * b->rate;
  b->last_us = now;
  while (b->credit >= 1)
    {
      b->credit -= 1;
      wg_sim_net_health (self->net, self->baseline_slot++, NULL, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static void
load_finish (WgSim *self)
{
  const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
  /* The rates are over the load window, or until the last answer when the
   * server was still answering after it. */
  double seconds = MAX (self->load_end_us, stats->last_answer_us) - self->start_us;

  seconds /= 1e6;
  Baseline *b;

  load_print (self, seconds);
  if (self->config.baseline_seconds <= 0)
    {
      wg_sim_stop (self);
      return;
    }
  /* The same request rate, on the same machine, minutes later: what the
   * server answers when it has nothing to store. */
  b = g_new0 (Baseline, 1);
  b->sim = self;
  b->rate = self->config.report_rate + self->config.units / (double) LOAD_BATCH;
  b->last_us = b->start_us = g_get_monotonic_time ();
  b->end_us = b->start_us + (gint64) (self->config.baseline_seconds * G_USEC_PER_SEC);
  g_timeout_add (TICK_MS, baseline_tick_cb, b);
}

static gboolean
load_tick_cb (gpointer data)
{
  WgSim *self = data;
  gint64 now = g_get_monotonic_time ();
  double dt = (now - self->load_last_us) / 1e6;

  if (self->stopping)
    return G_SOURCE_REMOVE;
  if (now >= self->load_end_us)
    {
      /* Let the last answers arrive (at most 10 s). */
      if (wg_sim_net_outstanding (self->net) == 0 || now >= self->load_end_us + 10 * G_USEC_PER_SEC)
        {
          load_finish (self);
          return G_SOURCE_REMOVE;
        }
      return G_SOURCE_CONTINUE;
    }
  self->load_last_us = now;
  self->load_position_credit += dt * self->config.units;
  self->load_report_credit += dt * self->config.report_rate;
  while (self->load_position_credit >= LOAD_BATCH ||
         (self->load_position_credit >= 1 && self->config.units < LOAD_BATCH))
    {
      guint count = MIN ((guint) self->load_position_credit, LOAD_BATCH);

      self->load_position_credit -= count;
      if (wg_sim_net_outstanding (self->net) > LOAD_MAX_IN_FLIGHT)
        self->load_positions_skipped++;
      else
        load_positions (self, count);
    }
  while (self->load_report_credit >= 1)
    {
      self->load_report_credit -= 1;
      if (wg_sim_net_outstanding (self->net) > LOAD_MAX_IN_FLIGHT)
        self->load_reports_skipped++;
      else
        load_report (self);
    }
  return G_SOURCE_CONTINUE;
}

/* Log every account in before the clock starts: logins cost an argon2id
 * hash each on the server, which is not what the load run measures. */
static gboolean
load_wait_logins_cb (gpointer data)
{
  WgSim *self = data;
  const WgSimNetStats *stats = wg_sim_net_get_stats (self->net);
  double seconds = self->config.duration > 0 ? self->config.duration : 60;

  if (self->stopping)
    return G_SOURCE_REMOVE;
  if (stats->logins < self->workers->len + POSITIONS_ACCOUNTS + 1)
    return G_SOURCE_CONTINUE;
  g_print (_("load: %u units at 1 Hz, %.0f reports/s, for %.0f s\n"),
           self->config.units, self->config.report_rate, seconds);
  fflush (stdout);
  self->started = TRUE;
  self->start_us = self->load_last_us = g_get_monotonic_time ();
  self->load_end_us = self->start_us + (gint64) (seconds * G_USEC_PER_SEC);
  g_timeout_add (TICK_MS / 2, load_tick_cb, self);
  return G_SOURCE_REMOVE;
}

void
_wg_sim_load_start (WgSim *self)
{
  GRand *rand = self->report_rand;

  self->load_lat = g_new (double, MAX (1, self->config.units));
  self->load_lon = g_new (double, MAX (1, self->config.units));
  for (guint k = 0; k < self->config.units; k++)
    {
      WgGrid *grid = wg_reference_pick_grid (self->reference, wg_reference_get_max_level (self->reference),
                                             g_rand_double (rand));

      wg_grid_random_point (grid, rand, &self->load_lat[k], &self->load_lon[k]);
    }
  for (guint i = 0; i < self->workers->len; i++)
    wg_sim_net_login (self->net, ((SimUnit *) g_ptr_array_index (self->workers, i))->force->account);
  for (guint i = 0; i < POSITIONS_ACCOUNTS; i++)
    {
      g_autofree char *account = g_strdup_printf ("admin#%u", i);

      wg_sim_net_login (self->net, account);
    }
  g_timeout_add (50, load_wait_logins_cb, self);
}
