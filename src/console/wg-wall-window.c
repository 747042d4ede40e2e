/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-wall-window"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-console-util.h"
#include "wg-map-data.h"
#include "wg-map-setup.h"
#include "wg-wall-chart.h"
#include "wg-wall-window.h"

#define MAX_EMERGENCY_ROWS 4
#define MAX_DEPARTMENT_ROWS 4
#define MAX_GRID_ROWS 3
#define MAX_OPEN_ROWS 10

struct _WgWallWindow
{
  AdwApplicationWindow  parent_instance;

  WgWall       *wall;
  WgWallPart    part;
  GdkMonitor   *monitor;
  gboolean      fullscreen_requested;
  WgMapView    *map_view;
  GCancellable *reading;   /* the forces' states, from the cache */

  /* Template widgets */
  GtkBox       *map_slot;
  GtkGrid      *tiles;
  GtkRevealer  *banner;
  GtkWidget    *banner_box;
  GtkLabel     *banner_title;
  GtkLabel     *banner_detail;

  /* Tiles: a big figure and rows under it */
  GtkLabel     *today_figure;
  WgWallChart  *grade_chart;
  GtkWidget    *grade_rows;
  GtkLabel     *emergencies_figure;
  GtkWidget    *emergencies_rows;
  GtkLabel     *dispatch_figure;
  WgWallChart  *dispatch_chart;
  GtkWidget    *dispatch_rows;
  GtkLabel     *closure_figure;
  GtkWidget    *closure_rows;
  GtkLabel     *overdue_figure;
  GtkWidget    *overdue_rows;
  GtkLabel     *forces_figure;
  GtkWidget    *forces_rows;
  GtkWidget    *forces_columns[2];  /* eight types in two columns */
  GtkLabel     *hours_figure;
  WgWallChart  *hours_chart;
  GtkLabel     *grids_figure;
  GtkWidget    *grids_rows;
  GtkLabel     *sync_figure;
  GtkWidget    *sync_rows;
  GtkLabel     *open_figure;
  GtkWidget    *open_rows;
};

G_DEFINE_FINAL_TYPE (WgWallWindow, wg_wall_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- Building tiles ---------------------------------------------------- */

static GtkWidget *
add_tile (WgWallWindow  *self,
          const char    *title,
          GtkLabel     **figure,
          GtkWidget     *chart,
          GtkWidget    **rows,
          int            column,
          int            row,
          int            width)
{
  GtkWidget *tile = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *heading = gtk_label_new (title);

  /* The title and the figure on one line: height is what a wall lacks. */
  gtk_widget_add_css_class (tile, "wall-tile");
  gtk_widget_add_css_class (heading, "wall-tile-title");
  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_set_valign (heading, GTK_ALIGN_BASELINE);
  gtk_widget_set_hexpand (heading, TRUE);
  gtk_box_append (GTK_BOX (top), heading);
  *figure = GTK_LABEL (gtk_label_new ("–"));
  gtk_widget_add_css_class (GTK_WIDGET (*figure), "wall-figure");
  gtk_widget_set_valign (GTK_WIDGET (*figure), GTK_ALIGN_BASELINE);
  gtk_label_set_xalign (*figure, 1);
  gtk_box_append (GTK_BOX (top), GTK_WIDGET (*figure));
  gtk_box_append (GTK_BOX (tile), top);
  if (chart != NULL)
    {
      gtk_widget_set_vexpand (chart, TRUE);
      gtk_box_append (GTK_BOX (tile), chart);
    }
  if (rows != NULL)
    {
      *rows = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      gtk_box_append (GTK_BOX (tile), *rows);
    }
  gtk_grid_attach (self->tiles, tile, column, row, width, 1);
  return tile;
}

/* Rows are filled again at each change and each second (the timers):
 * begin_rows(), add_row() for each, end_rows().  The row widgets stay and
 * take the new texts, so that a tick changes labels, not the widget tree. */
static void
begin_rows (GtkWidget *rows)
{
  g_object_set_data (G_OBJECT (rows), "wall-next-row", gtk_widget_get_first_child (rows));
}

static void
end_rows (GtkWidget *rows)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (rows), "wall-next-row");

  while (row != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (row);

      gtk_box_remove (GTK_BOX (rows), row);
      row = next;
    }
  g_object_set_data (G_OBJECT (rows), "wall-next-row", NULL);
}

static const char *const value_classes[] = { "wall-good", "wall-warning", "wall-late" };

/* A row: what on the left, how many on the right; @css_class colours the
 * value (NULL for none). */
static void
add_row (GtkWidget  *rows,
         const char *what,
         const char *value,
         const char *css_class)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (rows), "wall-next-row");
  GtkWidget *name, *amount;

  if (row == NULL)
    {
      row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      name = gtk_label_new (NULL);
      amount = gtk_label_new (NULL);
      gtk_label_set_xalign (GTK_LABEL (name), 0);
      gtk_widget_set_hexpand (name, TRUE);
      gtk_label_set_xalign (GTK_LABEL (amount), 1);
      gtk_box_append (GTK_BOX (row), name);
      gtk_box_append (GTK_BOX (row), amount);
      gtk_box_append (GTK_BOX (rows), row);
    }
  else
    g_object_set_data (G_OBJECT (rows), "wall-next-row", gtk_widget_get_next_sibling (row));
  name = gtk_widget_get_first_child (row);
  amount = gtk_widget_get_last_child (row);
  gtk_label_set_label (GTK_LABEL (name), what);
  gtk_label_set_label (GTK_LABEL (amount), value);
  for (guint i = 0; i < G_N_ELEMENTS (value_classes); i++)
    gtk_widget_remove_css_class (amount, value_classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (amount, css_class);
}

static void
set_figure (GtkLabel   *label,
            const char *text,
            const char *css_class)
{
  gtk_label_set_label (label, text);
  for (guint i = 0; i < G_N_ELEMENTS (value_classes); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (label), value_classes[i]);
  if (css_class != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (label), css_class);
}

static gint64
int_member (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_int (node) : 0;
}

static char *
seconds_text (gint64 ms)
{
  /* TRANSLATORS: a duration in whole seconds */
  return g_strdup_printf (_("%d s"), (int) ((ms + 500) / 1000));
}

/* ---- Filling tiles ----------------------------------------------------- */

static void
update_today (WgWallWindow *self)
{
  JsonObject *today = wg_wall_get_today (self->wall);
  JsonObject *by_grade = today != NULL ? json_object_get_object_member (today, "by_grade") : NULL;
  static const char *const grades[] = { "general", "professional", "emergency" };
  GdkRGBA colors[3];
  double values[3];
  g_autofree char *total = NULL;

  if (today == NULL)
    return;
  gdk_rgba_parse (&colors[0], "#9a9996");
  gdk_rgba_parse (&colors[1], "#f5c211");
  gdk_rgba_parse (&colors[2], "#ed333b");
  total = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (today, "received"));
  set_figure (self->today_figure, total, NULL);
  begin_rows (self->grade_rows);
  for (guint i = 0; i < G_N_ELEMENTS (grades); i++)
    {
      WgGrade grade;
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (by_grade, grades[i]));

      wg_grade_from_string (grades[i], &grade);
      values[i] = int_member (by_grade, grades[i]);
      add_row (self->grade_rows, wg_grade_label (grade), count,
               grade == WG_GRADE_EMERGENCY && values[i] > 0 ? "wall-late" : NULL);
    }
  end_rows (self->grade_rows);
  wg_wall_chart_set_values (self->grade_chart, values, colors, G_N_ELEMENTS (values));
}

static void
update_dispatch (WgWallWindow *self)
{
  JsonObject *today = wg_wall_get_today (self->wall);
  JsonObject *durations = today != NULL ? json_object_get_object_member (today, "durations") : NULL;
  JsonObject *dispatch = durations != NULL ? json_object_get_object_member (durations, "dispatch") : NULL;
  gint64 target, p50, p90, n;
  GdkRGBA colors[2];
  double values[2];

  if (dispatch == NULL)
    return;
  target = int_member (dispatch, "target");
  p50 = int_member (dispatch, "p50");
  p90 = int_member (dispatch, "p90");
  n = int_member (dispatch, "n");
  begin_rows (self->dispatch_rows);
  if (n == 0)
    {
      set_figure (self->dispatch_figure, "–", NULL);
      add_row (self->dispatch_rows, _("No dispatch yet today"), "", NULL);
      end_rows (self->dispatch_rows);
      wg_wall_chart_set_values (self->dispatch_chart, NULL, NULL, 0);
      return;
    }
  {
    g_autofree char *p50_text = seconds_text (p50);
    g_autofree char *p90_text = seconds_text (p90);
    /* TRANSLATORS: dispatches within the target, of all today's */
    g_autofree char *within = g_strdup_printf (_("%d of %d"), (int) int_member (dispatch, "within_target"), (int) n);

    set_figure (self->dispatch_figure, p50_text, p50 <= target ? "wall-good" : "wall-late");
    add_row (self->dispatch_rows, _("Median (p50)"), p50_text, p50 <= target ? "wall-good" : "wall-late");
    add_row (self->dispatch_rows, _("90th percentile (p90)"), p90_text, p90 <= target ? "wall-good" : "wall-late");
    add_row (self->dispatch_rows, _("Within the target"), within, NULL);
    end_rows (self->dispatch_rows);
  }
  gdk_rgba_parse (&colors[0], p50 <= target ? "#57e389" : "#ed333b");
  gdk_rgba_parse (&colors[1], p90 <= target ? "#57e389" : "#ed333b");
  values[0] = p50;
  values[1] = p90;
  wg_wall_chart_set_values (self->dispatch_chart, values, colors, 2);
  wg_wall_chart_set_target (self->dispatch_chart, target);
}

static void
update_closure (WgWallWindow *self)
{
  JsonObject *year = wg_wall_get_year (self->wall);
  g_autofree char *rate = NULL;
  g_autofree char *received = NULL;
  g_autofree char *closed = NULL;

  if (year == NULL)
    return;
  rate = g_strdup_printf ("%.2f%%", 100 * json_object_get_double_member_with_default (year, "closure_rate", 1));
  received = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (year, "received"));
  closed = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (year, "closed"));
  set_figure (self->closure_figure, rate, NULL);
  begin_rows (self->closure_rows);
  add_row (self->closure_rows, _("Received this year"), received, NULL);
  add_row (self->closure_rows, _("Closed"), closed, NULL);
  end_rows (self->closure_rows);
}

static int
compare_counts (gconstpointer a,
                gconstpointer b,
                gpointer      counts)
{
  guint x = GPOINTER_TO_UINT (g_hash_table_lookup (counts, *(const char **) a));
  guint y = GPOINTER_TO_UINT (g_hash_table_lookup (counts, *(const char **) b));

  return x != y ? (x < y ? 1 : -1) : g_strcmp0 (*(const char **) a, *(const char **) b);
}

/* Keys of @counts, most first. */
static GPtrArray *
sorted_keys (GHashTable *counts)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);

  g_ptr_array_sort_with_data (keys, compare_counts, counts);
  return keys;
}

/* Open cases from the live model: emergencies with their timers, overdue
 * professional cases by department, the latest open cases. */
static void
update_open_cases (WgWallWindow *self)
{
  WgContext *context = wg_wall_get_context (self->wall);
  GListModel *model = G_LIST_MODEL (wg_wall_get_model (self->wall));
  gint64 now = wg_context_now_ms (context);
  g_autoptr(GHashTable) overdue = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) departments = NULL;
  guint emergencies = 0, late = 0, open = 0;
  g_autofree char *text = NULL;

  begin_rows (self->emergencies_rows);
  if (self->open_rows != NULL)
    begin_rows (self->open_rows);
  /* Newest first */
  for (guint i = g_list_model_get_n_items (model); i > 0; i--)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (model, i - 1);
      const WgIncidentRecord *r = wg_incident_item_get_record (item);
      g_autofree char *elapsed = NULL;
      g_autofree char *what = NULL;

      if (!wg_incident_item_is_open (item))
        continue;
      elapsed = wg_format_duration (MAX (0, now - r->reported_at));
      what = g_strdup_printf ("%s · %s", wg_context_category_label (context, r->category),
                              r->grid != NULL ? wg_context_grid_label (context, r->grid) : "–");
      open++;
      if (self->open_rows != NULL && open <= MAX_OPEN_ROWS)
        {
          g_autofree char *line = g_strdup_printf ("%s  %s · %s", wg_incident_item_get_case_number (item),
                                                   wg_grade_label (r->grade), what);

          add_row (self->open_rows, line, elapsed,
                   wg_incident_item_is_overdue (item, now) ? "wall-late" : NULL);
        }
      if (r->grade == WG_GRADE_EMERGENCY)
        {
          emergencies++;
          if (emergencies <= MAX_EMERGENCY_ROWS)
            add_row (self->emergencies_rows, what, elapsed,
                     wg_incident_item_is_unacknowledged (item) ? "wall-late" : NULL);
        }
      else if (r->grade == WG_GRADE_PROFESSIONAL && wg_incident_item_is_overdue (item, now))
        {
          const char *department = r->department != NULL ? r->department : "";

          late++;
          g_hash_table_insert (overdue, (gpointer) department,
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (overdue, department)) + 1));
        }
    }
  text = g_strdup_printf ("%u", emergencies);
  set_figure (self->emergencies_figure, text, emergencies > 0 ? "wall-late" : "wall-good");
  if (emergencies > MAX_EMERGENCY_ROWS)
    {
      g_autofree char *more = g_strdup_printf (_("%u more"), emergencies - MAX_EMERGENCY_ROWS);

      add_row (self->emergencies_rows, more, "", NULL);
    }
  else if (emergencies == 0)
    add_row (self->emergencies_rows, _("None open"), "", NULL);
  end_rows (self->emergencies_rows);
  if (self->open_rows != NULL)
    end_rows (self->open_rows);

  g_free (text);
  text = g_strdup_printf ("%u", late);
  set_figure (self->overdue_figure, text, late > 0 ? "wall-warning" : "wall-good");
  begin_rows (self->overdue_rows);
  departments = sorted_keys (overdue);
  for (guint i = 0; i < departments->len && i < MAX_DEPARTMENT_ROWS; i++)
    {
      const char *code = departments->pdata[i];
      g_autofree char *count = g_strdup_printf ("%u", GPOINTER_TO_UINT (g_hash_table_lookup (overdue, code)));

      add_row (self->overdue_rows, *code != '\0' ? wg_context_department_label (context, code) : _("Not routed"),
               count, "wall-warning");
    }
  if (late == 0)
    add_row (self->overdue_rows, _("None overdue"), "", NULL);
  end_rows (self->overdue_rows);

  if (self->open_figure != NULL)
    {
      g_free (text);
      text = g_strdup_printf ("%u", open);
      set_figure (self->open_figure, text, NULL);
    }
}

static gpointer
read_units (WgStore  *store,
            gpointer  data,
            GError  **error)
{
  return wg_store_list_units (store, error);
}

static void
units_read (GObject      *owner,
            gpointer      answer,
            const GError *error)
{
  WgWallWindow *self = WG_WALL_WINDOW (owner);
  g_autoptr(GPtrArray) units = answer;
  guint available[WG_N_FORCE_TYPES] = { 0 }, busy[WG_N_FORCE_TYPES] = { 0 };
  guint on_duty = 0, shown = 0;
  g_autofree char *total = NULL;

  if (units == NULL)
    {
      g_warning ("The wall cannot read the forces: %s", error->message);
      return;
    }
  for (guint i = 0; i < units->len; i++)
    {
      const WgUnitRecord *unit = units->pdata[i];
      WgForceType type;

      if (!wg_force_type_from_slug (unit->type, &type) || unit->status == WG_UNIT_OFF_DUTY)
        continue;
      on_duty++;
      if (unit->status == WG_UNIT_BUSY)
        busy[type]++;
      else
        available[type]++;
    }
  total = g_strdup_printf ("%u", on_duty);
  set_figure (self->forces_figure, total, NULL);
  begin_rows (self->forces_columns[0]);
  begin_rows (self->forces_columns[1]);
  for (int type = 0; type < WG_N_FORCE_TYPES; type++)
    {
      g_autofree char *counts = NULL;

      if (available[type] + busy[type] == 0)
        continue;
      /* TRANSLATORS: forces of one type: available and busy */
      counts = g_strdup_printf (_("%u free · %u busy"), available[type], busy[type]);
      add_row (self->forces_columns[shown++ % 2], wg_force_type_label (type), counts, NULL);
    }
  end_rows (self->forces_columns[0]);
  end_rows (self->forces_columns[1]);
}

/* The forces' states, read from the cache (off the main loop with a
 * server). */
static void
update_forces (WgWallWindow *self)
{
  wg_context_read_cache (wg_wall_get_context (self->wall), read_units, NULL, NULL,
                         (GDestroyNotify) g_ptr_array_unref, &self->reading, units_read, G_OBJECT (self));
}

static void
update_hours (WgWallWindow *self)
{
  double counts[WG_WALL_HOURS];
  double total = 0;
  g_autofree char *text = NULL;

  wg_wall_get_hourly (self->wall, counts);
  for (int i = 0; i < WG_WALL_HOURS; i++)
    total += MAX (counts[i], 0);
  text = g_strdup_printf ("%.0f", total);
  set_figure (self->hours_figure, text, NULL);
  wg_wall_chart_set_values (self->hours_chart, counts, NULL, WG_WALL_HOURS);
}

static void
update_grids (WgWallWindow *self)
{
  WgContext *context = wg_wall_get_context (self->wall);
  GPtrArray *standout = wg_wall_get_standout_grids (self->wall);
  JsonObject *recent = wg_wall_get_recent (self->wall);
  JsonArray *hotspots = recent != NULL ? json_object_get_array_member (recent, "hotspots") : NULL;
  guint n_hotspots = hotspots != NULL ? json_array_get_length (hotspots) : 0;
  guint shown = 0;
  g_autofree char *text = g_strdup_printf ("%u", standout->len + n_hotspots);

  set_figure (self->grids_figure, text, standout->len + n_hotspots > 0 ? "wall-warning" : "wall-good");
  begin_rows (self->grids_rows);
  for (guint i = 0; i < standout->len && shown < MAX_GRID_ROWS; i++, shown++)
    add_row (self->grids_rows, wg_context_grid_label (context, standout->pdata[i]),
             _("above its usual"), "wall-warning");
  for (guint i = 0; i < n_hotspots && shown < MAX_GRID_ROWS; i++, shown++)
    {
      JsonObject *spot = json_array_get_object_element (hotspots, i);
      g_autofree char *what = g_strdup_printf ("%s · %s",
                                               wg_context_grid_label (context, json_object_get_string_member_with_default (spot, "grid", "")),
                                               wg_context_category_label (context, json_object_get_string_member_with_default (spot, "category", "")));
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, int_member (spot, "count"));

      add_row (self->grids_rows, what, count, "wall-warning");
    }
  if (shown == 0)
    add_row (self->grids_rows, _("All grids as usual"), "", NULL);
  end_rows (self->grids_rows);
}

static const char *
sync_state_text (WgSyncState state)
{
  switch (state)
    {
    case WG_SYNC_ONLINE:
      return _("Live");
    case WG_SYNC_CATCHING_UP:
      return _("Catching up");
    case WG_SYNC_OFFLINE:
    case WG_SYNC_CONNECTING:
    case WG_SYNC_LOGIN_REQUIRED:
    case WG_SYNC_OUT_OF_STEP:
    default:
      return _("Reconnecting");
    }
}

static void
update_sync (WgWallWindow *self)
{
  WgContext *context = wg_wall_get_context (self->wall);
  WgSyncClient *sync = wg_context_get_sync_client (context);
  JsonObject *presence = wg_wall_get_presence (self->wall);
  JsonArray *consoles = presence != NULL ? json_object_get_array_member (presence, "consoles") : NULL;

  begin_rows (self->sync_rows);
  if (sync == NULL)
    {
      set_figure (self->sync_figure, "–", NULL);
      add_row (self->sync_rows, _("No server: the figures of this computer"), "", NULL);
    }
  else
    {
      gint64 worst = 0;
      guint n = consoles != NULL ? json_array_get_length (consoles) : 0;
      g_autofree char *count = g_strdup_printf ("%u", n);
      g_autofree char *lag = NULL;
      WgSyncState state = wg_sync_client_get_state (sync);

      for (guint i = 0; i < n; i++)
        worst = MAX (worst, int_member (json_array_get_object_element (consoles, i), "lag"));
      set_figure (self->sync_figure, count, NULL);
      lag = g_strdup_printf (ngettext ("%d event", "%d events", worst), (int) worst);
      add_row (self->sync_rows, _("Consoles online"), count, NULL);
      add_row (self->sync_rows, _("Largest lag"), lag, worst > 0 ? "wall-warning" : "wall-good");
      add_row (self->sync_rows, _("This wall"), sync_state_text (state),
               state == WG_SYNC_ONLINE ? "wall-good" : "wall-late");
    }
  if (!wg_wall_get_inhibited (self->wall))
    /* The session refused to hold the screen saver off: the kiosk
     * setup must (docs/console.md, "The wall"). */
    add_row (self->sync_rows, _("The screen may blank"), "xset s off -dpms", "wall-warning");
  end_rows (self->sync_rows);
}

/* Grids on the map: open incidents, emergencies (flashing while nobody
 * acknowledged them), overdue cases, hotspots and grids above their
 * usual. */
static void
update_grid_states (WgWallWindow *self)
{
  JsonObject *recent = wg_wall_get_recent (self->wall);
  JsonArray *recent_hotspots = recent != NULL ? json_object_get_array_member (recent, "hotspots") : NULL;
  GPtrArray *standout = wg_wall_get_standout_grids (self->wall);
  g_autoptr(GPtrArray) hotspots = g_ptr_array_new ();

  if (self->map_view == NULL)
    return;
  for (guint i = 0; recent_hotspots != NULL && i < json_array_get_length (recent_hotspots); i++)
    {
      const char *grid = json_object_get_string_member_with_default (
        json_array_get_object_element (recent_hotspots, i), "grid", NULL);

      if (grid != NULL)
        g_ptr_array_add (hotspots, (gpointer) grid);
    }
  for (guint i = 0; i < standout->len; i++)
    g_ptr_array_add (hotspots, standout->pdata[i]);
  wg_map_data_fill_grid_states (self->map_view, G_LIST_MODEL (wg_wall_get_model (self->wall)),
                                wg_context_now_ms (wg_wall_get_context (self->wall)), hotspots);
}

static void
update_banner (WgWallWindow *self)
{
  WgContext *context = wg_wall_get_context (self->wall);
  const char *id = wg_wall_get_banner_incident (self->wall);
  const char *by = wg_wall_get_acknowledged_by (self->wall);
  WgIncidentItem *item = id != NULL ? wg_incident_model_lookup (wg_wall_get_model (self->wall), id) : NULL;
  const WgIncidentRecord *r;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *elapsed = NULL;

  if (self->part == WG_WALL_PART_BOARD || item == NULL)
    {
      gtk_revealer_set_reveal_child (self->banner, FALSE);
      return;
    }
  r = wg_incident_item_get_record (item);
  elapsed = wg_format_duration (MAX (0, wg_context_now_ms (context) - r->reported_at));
  if (by == NULL)
    {
      title = g_strdup_printf (_("Emergency: %s in %s"), wg_context_category_label (context, r->category),
                               r->grid != NULL ? wg_context_grid_label (context, r->grid) : "–");
      detail = g_strdup_printf (_("%s · reported %s ago · waiting for a duty leader to acknowledge"),
                                wg_incident_item_get_case_number (item), elapsed);
    }
  else
    {
      title = g_strdup_printf (_("Acknowledged by %s"), *by != '\0' ? wg_context_person_name (context, by) : "–");
      detail = g_strdup_printf (_("%s · %s in %s · reported %s ago"), wg_incident_item_get_case_number (item),
                                wg_context_category_label (context, r->category),
                                r->grid != NULL ? wg_context_grid_label (context, r->grid) : "–", elapsed);
    }
  gtk_label_set_label (self->banner_title, title);
  gtk_label_set_label (self->banner_detail, detail);
  if (by != NULL)
    gtk_widget_add_css_class (self->banner_box, "acknowledged");
  else
    gtk_widget_remove_css_class (self->banner_box, "acknowledged");
  gtk_revealer_set_reveal_child (self->banner, TRUE);
}

static void
figures_changed_cb (WgWallWindow *self)
{
  if (self->part == WG_WALL_PART_MAP)
    {
      update_grid_states (self);
      update_banner (self);
      return;
    }
  update_today (self);
  update_dispatch (self);
  update_closure (self);
  update_open_cases (self);
  update_forces (self);
  update_hours (self);
  update_grids (self);
  update_sync (self);
  update_grid_states (self);
  update_banner (self);
}

/* Each second: the timers. */
static void
tick_cb (WgWallWindow *self)
{
  if (self->part != WG_WALL_PART_MAP)
    update_open_cases (self);
  update_banner (self);
}

/* ---- Layout ------------------------------------------------------------ */

static void
build_tiles (WgWallWindow *self)
{
  /* Two columns beside the map; three on a monitor of their own. */
  static const int all_places[9][3] = {
    { 0, 0, 1 }, { 1, 0, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, { 0, 2, 1 }, { 0, 4, 2 },
    { 1, 2, 1 }, { 0, 3, 1 }, { 1, 3, 1 },
  };
  static const int board_places[9][3] = {
    { 0, 0, 1 }, { 1, 0, 1 }, { 2, 0, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, { 0, 2, 2 },
    { 2, 1, 1 }, { 2, 2, 1 }, { 2, 3, 1 },
  };
  const int (*p)[3] = self->part == WG_WALL_PART_BOARD ? board_places : all_places;
  GtkWidget *chart;

  chart = wg_wall_chart_new (WG_WALL_CHART_BARS);
  self->grade_chart = WG_WALL_CHART (chart);
  add_tile (self, _("Incidents today"), &self->today_figure, chart, &self->grade_rows, p[0][0], p[0][1], p[0][2]);
  add_tile (self, _("Open emergencies"), &self->emergencies_figure, NULL, &self->emergencies_rows,
            p[1][0], p[1][1], p[1][2]);
  chart = wg_wall_chart_new (WG_WALL_CHART_BARS);
  self->dispatch_chart = WG_WALL_CHART (chart);
  add_tile (self, _("Dispatch time today"), &self->dispatch_figure, chart, &self->dispatch_rows,
            p[2][0], p[2][1], p[2][2]);
  add_tile (self, _("Closure rate this year"), &self->closure_figure, NULL, &self->closure_rows,
            p[3][0], p[3][1], p[3][2]);
  add_tile (self, _("Overdue professional cases"), &self->overdue_figure, NULL, &self->overdue_rows,
            p[4][0], p[4][1], p[4][2]);
  add_tile (self, _("Forces on duty"), &self->forces_figure, NULL, &self->forces_rows, p[5][0], p[5][1], p[5][2]);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self->forces_rows), GTK_ORIENTATION_HORIZONTAL);
  gtk_box_set_homogeneous (GTK_BOX (self->forces_rows), TRUE);
  gtk_box_set_spacing (GTK_BOX (self->forces_rows), 32);
  for (guint i = 0; i < G_N_ELEMENTS (self->forces_columns); i++)
    {
      self->forces_columns[i] = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      gtk_box_append (GTK_BOX (self->forces_rows), self->forces_columns[i]);
    }
  chart = wg_wall_chart_new (WG_WALL_CHART_LINE);
  self->hours_chart = WG_WALL_CHART (chart);
  add_tile (self, _("Incidents in the last 24 hours"), &self->hours_figure, chart, NULL, p[6][0], p[6][1], p[6][2]);
  add_tile (self, _("Grids to watch"), &self->grids_figure, NULL, &self->grids_rows, p[7][0], p[7][1], p[7][2]);
  add_tile (self, _("Sync health"), &self->sync_figure, NULL, &self->sync_rows, p[8][0], p[8][1], p[8][2]);
  if (self->part == WG_WALL_PART_BOARD)
    add_tile (self, _("Open cases"), &self->open_figure, NULL, &self->open_rows, 0, 3, 2);
}

static void
build_map (WgWallWindow *self)
{
  WgContext *context = wg_wall_get_context (self->wall);

  self->map_view = WG_MAP_VIEW (wg_map_view_new ());
  gtk_widget_set_hexpand (GTK_WIDGET (self->map_view), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self->map_view), TRUE);
  /* Nothing to point at on a wall, and no tooltip to tell more than the
   * tiles do. */
  gtk_widget_set_can_target (GTK_WIDGET (self->map_view), FALSE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->map_view), FALSE);
  gtk_box_append (self->map_slot, GTK_WIDGET (self->map_view));
  wg_map_setup_show_context (self->map_view, context, wg_wall_get_model (self->wall));
  wg_map_view_set_fly_duration (self->map_view, 0);
  wg_map_setup_go_home (self->map_view, wg_context_get_reference (context));
}

static void
fullscreen_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  WgWallWindow *self = WG_WALL_WINDOW (widget);

  self->fullscreen_requested = !self->fullscreen_requested;
  if (self->fullscreen_requested)
    wg_wall_window_fullscreen_on (self, self->monitor);
  else
    gtk_window_unfullscreen (GTK_WINDOW (self));
}

static void
wg_wall_window_dispose (GObject *object)
{
  WgWallWindow *self = WG_WALL_WINDOW (object);

  wg_context_cancel_read (&self->reading);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_WALL_WINDOW);
  g_clear_object (&self->monitor);
  g_clear_object (&self->wall);

  G_OBJECT_CLASS (wg_wall_window_parent_class)->dispose (object);
}

static void
wg_wall_window_class_init (WgWallWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_wall_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-wall-window.ui");
  gtk_widget_class_bind_template_child (widget_class, WgWallWindow, map_slot);
  gtk_widget_class_bind_template_child (widget_class, WgWallWindow, tiles);
  gtk_widget_class_bind_template_child (widget_class, WgWallWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, WgWallWindow, banner_box);
  gtk_widget_class_bind_template_child (widget_class, WgWallWindow, banner_title);
  gtk_widget_class_bind_template_child (widget_class, WgWallWindow, banner_detail);

  /* The wall's only key: F11 (the application's accelerator). */
  gtk_widget_class_install_action (widget_class, "win.fullscreen", NULL, fullscreen_action);
}

static void
wg_wall_window_init (WgWallWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* No pointer over the wall. */
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
}

WgWallWindow *
wg_wall_window_new (GtkApplication *application,
                    WgWall         *wall,
                    WgWallPart      part)
{
  WgWallWindow *self;
  WgClock *clock;

  g_return_val_if_fail (WG_IS_WALL (wall), NULL);

  self = g_object_new (WG_TYPE_WALL_WINDOW, "application", application, NULL);
  self->wall = g_object_ref (wall);
  self->part = part;
  if (part != WG_WALL_PART_BOARD)
    build_map (self);
  if (part != WG_WALL_PART_MAP)
    build_tiles (self);
  gtk_widget_set_visible (GTK_WIDGET (self->tiles), part != WG_WALL_PART_MAP);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->map_slot)), part != WG_WALL_PART_BOARD);
  gtk_widget_set_hexpand (GTK_WIDGET (self->tiles), part == WG_WALL_PART_BOARD);

  clock = wg_context_get_clock (wg_wall_get_context (wall));
  g_signal_connect_object (wall, "changed", G_CALLBACK (figures_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wall, "notify::banner-incident", G_CALLBACK (update_banner), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wall, "notify::acknowledged-by", G_CALLBACK (update_banner), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wall, "notify::inhibited", G_CALLBACK (figures_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wg_wall_get_model (wall), "items-changed", G_CALLBACK (figures_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (clock, "tick", G_CALLBACK (tick_cb), self, G_CONNECT_SWAPPED);
  if (wg_context_get_sync_client (wg_wall_get_context (wall)) != NULL)
    g_signal_connect_object (wg_context_get_sync_client (wg_wall_get_context (wall)), "notify::state",
                             G_CALLBACK (figures_changed_cb), self, G_CONNECT_SWAPPED);
  figures_changed_cb (self);
  return self;
}

WgWall *
wg_wall_window_get_wall (WgWallWindow *self)
{
  g_return_val_if_fail (WG_IS_WALL_WINDOW (self), NULL);
  return self->wall;
}

WgWallPart
wg_wall_window_get_part (WgWallWindow *self)
{
  g_return_val_if_fail (WG_IS_WALL_WINDOW (self), WG_WALL_PART_ALL);
  return self->part;
}

WgMapView *
wg_wall_window_get_map_view (WgWallWindow *self)
{
  g_return_val_if_fail (WG_IS_WALL_WINDOW (self), NULL);
  return self->map_view;
}

GtkWidget *
wg_wall_window_get_tiles (WgWallWindow *self)
{
  g_return_val_if_fail (WG_IS_WALL_WINDOW (self), NULL);
  return GTK_WIDGET (self->tiles);
}

void
wg_wall_window_fullscreen_on (WgWallWindow *self,
                              GdkMonitor   *monitor)
{
  g_return_if_fail (WG_IS_WALL_WINDOW (self));

  g_set_object (&self->monitor, monitor);
  self->fullscreen_requested = TRUE;
  if (monitor != NULL)
    gtk_window_fullscreen_on_monitor (GTK_WINDOW (self), monitor);
  else
    gtk_window_fullscreen (GTK_WINDOW (self));
}

GtkWidget *
wg_wall_window_get_banner (WgWallWindow *self)
{
  g_return_val_if_fail (WG_IS_WALL_WINDOW (self), NULL);
  return GTK_WIDGET (self->banner);
}

GdkMonitor *
wg_wall_window_get_monitor (WgWallWindow *self)
{
  g_return_val_if_fail (WG_IS_WALL_WINDOW (self), NULL);
  return self->monitor;
}

gboolean
wg_wall_window_get_fullscreen_requested (WgWallWindow *self)
{
  g_return_val_if_fail (WG_IS_WALL_WINDOW (self), FALSE);
  return self->fullscreen_requested;
}

/* One wall's screens: the monitors it follows and its hold on the screen
 * saver.  Kept on the WgWall. */
typedef struct
{
  GtkApplication *application;
  WgWall         *wall;       /* the owner */
  GListModel     *monitors;
  gulong          changed_id;
  guint           cookie;
} WallScreens;

static void
wall_screens_free (WallScreens *screens)
{
  g_clear_signal_handler (&screens->changed_id, screens->monitors);
  if (screens->cookie != 0)
    gtk_application_uninhibit (screens->application, screens->cookie);
  g_object_unref (screens->monitors);
  g_object_unref (screens->application);
  g_free (screens);
}

static GPtrArray *
open_windows (WallScreens *screens)
{
  GPtrArray *windows = g_ptr_array_new ();
  int map_monitor, board_monitor;

  wg_wall_choose_monitors (screens->monitors, &map_monitor, &board_monitor);
  g_ptr_array_add (windows, wg_wall_window_new (screens->application, screens->wall,
                                                board_monitor < 0 ? WG_WALL_PART_ALL : WG_WALL_PART_MAP));
  if (board_monitor >= 0)
    g_ptr_array_add (windows, wg_wall_window_new (screens->application, screens->wall, WG_WALL_PART_BOARD));
  for (guint i = 0; i < windows->len; i++)
    {
      g_autoptr(GdkMonitor) monitor = NULL;
      GdkRectangle geometry;

      if ((i == 0 ? map_monitor : board_monitor) >= 0)
        monitor = g_list_model_get_item (screens->monitors, i == 0 ? map_monitor : board_monitor);
      if (monitor != NULL)
        {
          /* Without a window manager (a bare kiosk X server) fullscreen
           * does nothing: the window takes the monitor's size itself. */
          gdk_monitor_get_geometry (monitor, &geometry);
          gtk_window_set_default_size (windows->pdata[i], geometry.width, geometry.height);
        }
      wg_wall_window_fullscreen_on (windows->pdata[i], monitor);
      gtk_window_present (windows->pdata[i]);
    }
  if (screens->cookie != 0)
    gtk_application_uninhibit (screens->application, screens->cookie);
  screens->cookie = gtk_application_inhibit (screens->application, windows->pdata[0],
                                             GTK_APPLICATION_INHIBIT_IDLE | GTK_APPLICATION_INHIBIT_SUSPEND,
                                             _("The wall shows the centre’s situation"));
  wg_wall_set_inhibited (screens->wall, screens->cookie != 0);
  return windows;
}

/* A monitor came or went (the second one woke up after the first, a cable
 * moved): the wall's windows again, on the monitors there are now.  The
 * new ones open before the old close, so the application never runs out
 * of windows. */
static void
monitors_changed_cb (GListModel  *monitors,
                     guint        position,
                     guint        removed,
                     guint        added,
                     WallScreens *screens)
{
  g_autoptr(GPtrArray) windows = NULL;
  g_autoptr(GList) old = NULL;

  for (GList *l = gtk_application_get_windows (screens->application); l != NULL; l = l->next)
    if (WG_IS_WALL_WINDOW (l->data) && WG_WALL_WINDOW (l->data)->wall == screens->wall)
      old = g_list_prepend (old, l->data);
  if (g_list_model_get_n_items (monitors) == 0)
    return;
  windows = open_windows (screens);
  for (GList *l = old; l != NULL; l = l->next)
    gtk_window_destroy (l->data);
}

GPtrArray *
wg_wall_window_open_all (GtkApplication *application,
                         WgWall         *wall,
                         GListModel     *monitors)
{
  WallScreens *screens = g_new0 (WallScreens, 1);

  if (monitors == NULL)
    monitors = gdk_display_get_monitors (gdk_display_get_default ());
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  screens->application = g_object_ref (application);
  screens->wall = wall;
  screens->monitors = g_object_ref (monitors);
  screens->changed_id = g_signal_connect (monitors, "items-changed", G_CALLBACK (monitors_changed_cb), screens);
  /* One set of screens per wall: opening it again replaces the first. */
  g_object_set_data_full (G_OBJECT (wall), "wg-wall-screens", screens, (GDestroyNotify) wall_screens_free);
  return open_windows (screens);
}
