/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-replay-bar"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <stdio.h>
#include <string.h>

#include "wg-incident-search.h"
#include "wg-replay-bar.h"
#include "wg-replay-bookmarks.h"

#define SEARCH_LIMIT 50

static const double speeds[] = { 1.0, 10.0, 60.0, 600.0 };

struct _WgReplayBar
{
  GtkWidget         parent_instance;

  /* template */
  GtkWidget        *live_button;
  GtkWidget        *previous_button;
  GtkWidget        *play_button;
  GtkWidget        *next_button;
  GtkDropDown      *speed_dropdown;
  GtkLabel         *time_label;
  GtkWidget        *timeline_slot;
  GtkWidget        *previous_moment_button;
  GtkWidget        *next_moment_button;
  GtkToggleButton  *follow_button;
  GtkMenuButton    *search_button;
  GtkSearchEntry   *search_entry;
  GtkListBox       *results;
  GtkMenuButton    *bookmarks_button;
  GtkEntry         *remark_entry;
  GtkWidget        *add_bookmark_button;
  GtkListBox       *bookmark_list;
  GtkWidget        *export_button;
  GtkMenuButton    *window_button;
  GtkCalendar      *from_calendar;
  GtkSpinButton    *from_hour;
  GtkSpinButton    *from_minute;
  GtkCalendar      *to_calendar;
  GtkSpinButton    *to_hour;
  GtkSpinButton    *to_minute;
  GtkLabel         *window_message;
  GtkLabel         *export_message;
  GtkWidget        *whole_journal_button;
  GtkWidget        *apply_window_button;

  WgReplay         *replay;
  WgMapView        *map_view;
  WgReplayTimeline *timeline;
  WgReplayBookmarks *bookmarks;
  char             *followed;   /* the incident the camera went to */
  char             *picked;     /* picked, its key moments being read */
  GCancellable     *naming;     /* the bookmarks' case numbers being read */
  GCancellable     *searching;  /* the search on its way from the cache */
  char             *search_text; /* what it was for */
  GPtrArray        *found;      /* its answer: WgIncidentRecord*, latest first */
};

G_DEFINE_FINAL_TYPE (WgReplayBar, wg_replay_bar, GTK_TYPE_WIDGET)

static WgViewModel *
view_model (WgReplayBar *self)
{
  return wg_context_get_view_model (wg_replay_get_context (self->replay));
}

static const char *
selected_incident (WgReplayBar *self)
{
  return wg_view_model_get_selected_incident (view_model (self));
}

/* The camera goes to the selected incident once it is on the map at the
 * moment shown (not before its report). */
static void
follow_incident (WgReplayBar *self)
{
  const char *incident = selected_incident (self);

  if (!gtk_toggle_button_get_active (self->follow_button) || incident == NULL ||
      g_strcmp0 (incident, self->followed) == 0)
    return;
  if (wg_map_view_fly_to_incident (self->map_view, incident))
    {
      g_free (self->followed);
      self->followed = g_strdup (incident);
    }
}

/* @ms as the centre's local date and time (replay goes back months). */
char *
wg_replay_format_moment (WgReplay *replay,
                         gint64    ms)
{
  WgReference *reference = wg_context_get_reference (wg_replay_get_context (replay));
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, wg_reference_get_time_zone (reference));

  return g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
}

static void
moved_cb (WgReplayBar *self)
{
  g_autofree char *text = wg_replay_format_moment (self->replay, wg_replay_get_time (self->replay));
  gboolean playing = wg_replay_get_rate (self->replay) > 0.0;

  gtk_label_set_text (self->time_label, text);
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            playing ? "media-playback-pause-symbolic" : "media-playback-start-symbolic");
  follow_incident (self);
}

void
wg_replay_bar_toggle_play (WgReplayBar *self)
{
  guint speed;

  g_return_if_fail (WG_IS_REPLAY_BAR (self));

  speed = MIN (gtk_drop_down_get_selected (self->speed_dropdown), G_N_ELEMENTS (speeds) - 1);
  wg_replay_set_rate (self->replay, wg_replay_get_rate (self->replay) > 0.0 ? 0.0 : speeds[speed]);
}

static void
speed_cb (WgReplayBar *self)
{
  guint speed = MIN (gtk_drop_down_get_selected (self->speed_dropdown), G_N_ELEMENTS (speeds) - 1);

  if (wg_replay_get_rate (self->replay) > 0.0)
    wg_replay_set_rate (self->replay, speeds[speed]);
}

static void
previous_cb (WgReplayBar *self)
{
  wg_replay_step (self->replay, -1);
}

static void
next_cb (WgReplayBar *self)
{
  wg_replay_step (self->replay, 1);
}

static void
previous_moment_cb (WgReplayBar *self)
{
  wg_replay_step_moment (self->replay, selected_incident (self), -1);
}

static void
next_moment_cb (WgReplayBar *self)
{
  wg_replay_step_moment (self->replay, selected_incident (self), 1);
}

static void
live_cb (WgReplayBar *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (GTK_IS_WINDOW (root))
    gtk_window_close (GTK_WINDOW (root));
}

static void
selection_cb (WgReplayBar *self)
{
  const char *incident = selected_incident (self);

  wg_replay_timeline_set_incident (self->timeline, incident);
  gtk_widget_set_sensitive (self->previous_moment_button, incident != NULL);
  gtk_widget_set_sensitive (self->next_moment_button, incident != NULL);
  g_clear_pointer (&self->followed, g_free);
  follow_incident (self);
}

static void
follow_toggled_cb (WgReplayBar *self)
{
  g_clear_pointer (&self->followed, g_free);
  follow_incident (self);
}

/* The codes of @items (WgCategory* or WgGrid*, code first) whose names
 * hold @text. */
static char **
codes_named (GPtrArray  *items,
             gboolean    categories,
             const char *text)
{
  g_autoptr(GStrvBuilder) codes = g_strv_builder_new ();

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      const char *code, *zh, *en;

      if (categories)
        {
          WgCategory *c = items->pdata[i];

          code = c->code, zh = c->name_zh, en = c->name_en;
        }
      else
        {
          WgGrid *g = items->pdata[i];

          code = g->code, zh = g->name_zh, en = NULL;
        }
      if ((zh != NULL && strstr (zh, text) != NULL) ||
          (en != NULL && g_strstr_len (en, -1, text) != NULL) || g_strcmp0 (code, text) == 0)
        g_strv_builder_add (codes, code);
    }
  return g_strv_builder_end (codes);
}

/* A date typed as 2026-11-27: that day in the centre's time zone. */
static gboolean
parse_day (WgReference *reference,
           const char  *text,
           gint64      *from_ms,
           gint64      *to_ms)
{
  int year, month, day;
  g_autoptr(GDateTime) start = NULL;

  if (sscanf (text, "%4d-%2d-%2d", &year, &month, &day) != 3 || strlen (text) != 10)
    return FALSE;
  start = g_date_time_new (wg_reference_get_time_zone (reference), year, month, day, 0, 0, 0);
  if (start == NULL)
    return FALSE;
  *from_ms = g_date_time_to_unix (start) * 1000;
  *to_ms = *from_ms + 24 * 3600 * 1000;
  return TRUE;
}

/* What the search asks the cache, owned: it is read off the main loop. */
typedef struct
{
  char   *text;
  GStrv   categories;
  GStrv   grids;
  gint64  from_ms;
  gint64  to_ms;
} Search;

static void
search_free (Search *search)
{
  g_free (search->text);
  g_strfreev (search->categories);
  g_strfreev (search->grids);
  g_free (search);
}

static Search *
search_new (WgReference *reference,
            const char  *text)
{
  Search *search = g_new0 (Search, 1);
  g_autofree char *stripped = g_strstrip (g_strdup (text != NULL ? text : ""));

  if (!parse_day (reference, stripped, &search->from_ms, &search->to_ms) && stripped[0] != '\0')
    {
      search->categories = codes_named (wg_reference_get_categories (reference), TRUE, stripped);
      search->grids = codes_named (wg_reference_get_grids (reference), FALSE, stripped);
      search->text = g_steal_pointer (&stripped);
    }
  return search;
}

/* The console's cache: every incident it knows, whatever the moment
 * shown; the answer is their records. */
static gpointer
read_search (WgStore  *store,
             gpointer  data,
             GError  **error)
{
  Search *search = data;
  WgIncidentQuery query = {
    search->text, (const char *const *) search->categories, (const char *const *) search->grids,
    search->from_ms, search->to_ms,
  };
  g_autoptr(GPtrArray) ids = wg_store_search_incidents (store, &query, SEARCH_LIMIT, error);
  GPtrArray *records;

  if (ids == NULL)
    return NULL;
  records = wg_incident_record_array_new ();
  for (guint i = 0; i < ids->len; i++)
    {
      WgIncidentRecord *record = g_new0 (WgIncidentRecord, 1);

      if (wg_store_get_incident (store, ids->pdata[i], record, NULL))
        g_ptr_array_add (records, record);
      else
        g_free (record);
    }
  return records;
}

static void show_results (WgReplayBar *self);

static void
found_cb (GObject      *owner,
          gpointer      answer,
          const GError *error)
{
  WgReplayBar *self = WG_REPLAY_BAR (owner);

  g_clear_pointer (&self->found, g_ptr_array_unref);
  self->found = answer;
  if (self->found == NULL)
    {
      g_warning ("Could not search the incidents: %s", error->message);
      self->found = wg_incident_record_array_new ();
    }
  show_results (self);
}

void
wg_replay_bar_search (WgReplayBar *self,
                      const char  *text)
{
  WgContext *live;

  g_return_if_fail (WG_IS_REPLAY_BAR (self));

  live = wg_replay_get_live_context (self->replay);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_free (self->search_text);
  self->search_text = g_strdup (text);
  /* The live cache is the replay's journal store: read on the replay's
   * worker (at once for a cache in memory), never on the main loop, with
   * a server or without. */
  wg_context_read_journal (wg_replay_get_context (self->replay), read_search,
                           search_new (wg_context_get_reference (live), text),
                           (GDestroyNotify) search_free, (GDestroyNotify) g_ptr_array_unref, &self->searching,
                           found_cb, G_OBJECT (self));
}

GPtrArray *
wg_replay_bar_get_found (WgReplayBar *self)
{
  g_return_val_if_fail (WG_IS_REPLAY_BAR (self), NULL);
  return self->found;
}

/* The timeline spans the picked incident, from its report to its last
 * key moment, with a minute either side. */
static void
span_picked (WgReplayBar *self,
             GArray      *moments)
{
  gint64 first, last;

  if (moments->len == 0)
    return;
  first = g_array_index (moments, WgReplayMoment, 0).ts;
  last = g_array_index (moments, WgReplayMoment, moments->len - 1).ts;
  wg_replay_set_window (self->replay, first - 60 * 1000, last + 60 * 1000);
  wg_replay_seek (self->replay, first);
}

static void
key_moments_read_cb (WgReplayBar *self,
                     const char  *incident)
{
  g_autoptr(GArray) moments = NULL;

  if (g_strcmp0 (incident, self->picked) != 0)
    return;
  g_clear_pointer (&self->picked, g_free);
  moments = wg_replay_key_moments (self->replay, incident);
  span_picked (self, moments);
}

void
wg_replay_bar_pick (WgReplayBar *self,
                    const char  *incident)
{
  g_autoptr(GArray) moments = NULL;

  g_return_if_fail (WG_IS_REPLAY_BAR (self));

  /* Read off the main loop: the span follows when they are read. */
  moments = wg_replay_key_moments (self->replay, incident);
  g_free (self->picked);
  self->picked = moments->len == 0 ? g_strdup (incident) : NULL;
  span_picked (self, moments);
  wg_view_model_set_selected_incident (view_model (self), incident);
  gtk_menu_button_popdown (self->search_button);
}

gboolean
wg_replay_bar_pick_day (WgReplayBar *self,
                        const char  *date)
{
  WgReference *reference;
  gint64 from, to;

  g_return_val_if_fail (WG_IS_REPLAY_BAR (self), FALSE);

  reference = wg_context_get_reference (wg_replay_get_live_context (self->replay));
  if (date == NULL || !parse_day (reference, date, &from, &to))
    return FALSE;
  wg_replay_set_window (self->replay, from, to);
  wg_replay_seek (self->replay, from);
  gtk_menu_button_popdown (self->search_button);
  return TRUE;
}

static void
result_activated_cb (WgReplayBar   *self,
                     GtkListBoxRow *row)
{
  const char *day = g_object_get_data (G_OBJECT (row), "day");

  if (day != NULL)
    wg_replay_bar_pick_day (self, day);
  else
    wg_replay_bar_pick (self, g_object_get_data (G_OBJECT (row), "incident"));
}

static void
search_changed_cb (WgReplayBar *self)
{
  wg_replay_bar_search (self, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

/* The rows: the day typed, if one, then the incidents found. */
static void
show_results (WgReplayBar *self)
{
  WgContext *live = wg_replay_get_live_context (self->replay);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->results))) != NULL)
    gtk_list_box_remove (self->results, child);
  /* A date: the whole day can be the replay's span. */
  {
    g_autofree char *day = g_strstrip (g_strdup (self->search_text != NULL ? self->search_text : ""));
    gint64 from, to;

    if (parse_day (wg_context_get_reference (live), day, &from, &to))
      {
        GtkWidget *row = adw_action_row_new ();
        /* TRANSLATORS: a search result that sets the replay's span; %s is a date */
        g_autofree char *title = g_strdup_printf (_("The whole of %s"), day);

        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
        gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
        g_object_set_data_full (G_OBJECT (row), "day", g_steal_pointer (&day), g_free);
        gtk_list_box_append (self->results, row);
      }
  }
  for (guint i = 0; i < self->found->len; i++)
    {
      const WgIncidentRecord *record = self->found->pdata[i];
      g_autofree char *when = wg_replay_format_moment (self->replay, record->reported_at);
      g_autofree char *subtitle = g_strdup_printf ("%s · %s · %s · %s", record->case_number ?: "",
                                                   wg_context_category_label (live, record->category),
                                                   wg_context_grid_label (live, record->grid), when);
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), record->summary ?: "");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "incident", g_strdup (record->id), g_free);
      gtk_list_box_append (self->results, row);
    }
}

/* Time window: from and to in the centre's time zone, to the minute. */

static GTimeZone *
centre_zone (WgReplayBar *self)
{
  return wg_reference_get_time_zone (wg_context_get_reference (wg_replay_get_live_context (self->replay)));
}

static void
show_moment (WgReplayBar   *self,
             gint64         ms,
             GtkCalendar   *calendar,
             GtkSpinButton *hour,
             GtkSpinButton *minute)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (utc, centre_zone (self));

  gtk_calendar_select_day (calendar, local);
  gtk_spin_button_set_value (hour, g_date_time_get_hour (local));
  gtk_spin_button_set_value (minute, g_date_time_get_minute (local));
}

static gint64
picked_moment (WgReplayBar   *self,
               GtkCalendar   *calendar,
               GtkSpinButton *hour,
               GtkSpinButton *minute)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (calendar);
  g_autoptr(GDateTime) local = NULL;
  int y, m, d;

  g_date_time_get_ymd (day, &y, &m, &d);
  local = g_date_time_new (centre_zone (self), y, m, d, gtk_spin_button_get_value_as_int (hour),
                           gtk_spin_button_get_value_as_int (minute), 0);
  return local != NULL ? g_date_time_to_unix (local) * 1000 : 0;
}

static gint64
floor_minute (gint64 ms)
{
  return ms - ms % 60000;
}

/* To after from, both within the journal (in whole minutes, as the
 * picker counts). */
static gboolean
check_window (WgReplayBar  *self,
              gint64        from_ms,
              gint64        to_ms,
              GError      **error)
{
  gint64 first, last;

  wg_replay_get_bounds (self->replay, &first, &last);
  first = floor_minute (first);
  last = floor_minute (last) + 60000;
  if (to_ms <= from_ms)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("The end of the window must come after its start."));
      return FALSE;
    }
  if (from_ms < first || to_ms > last)
    {
      g_autofree char *from_text = wg_replay_format_moment (self->replay, first);
      g_autofree char *to_text = wg_replay_format_moment (self->replay, last);

      /* TRANSLATORS: the replay's time window; %s are the journal's first and last moments */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("The window must lie within the journal, from %s to %s."), from_text, to_text);
      return FALSE;
    }
  return TRUE;
}

gboolean
wg_replay_bar_set_time_window (WgReplayBar  *self,
                               gint64        from_ms,
                               gint64        to_ms,
                               GError      **error)
{
  gint64 now;

  g_return_val_if_fail (WG_IS_REPLAY_BAR (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_window (self, from_ms, to_ms, error))
    return FALSE;
  wg_replay_set_window (self->replay, from_ms, to_ms);
  now = wg_replay_get_time (self->replay);
  if (now < from_ms || now > to_ms)
    wg_replay_seek (self->replay, from_ms);
  return TRUE;
}

/* What the picker holds, checked as it changes: the reason it cannot be
 * shown under the fields, Show This Window off meanwhile. */
static gboolean
check_picked_window (WgReplayBar  *self,
                     gint64       *from_ms,
                     gint64       *to_ms,
                     GError      **error)
{
  *from_ms = picked_moment (self, self->from_calendar, self->from_hour, self->from_minute);
  *to_ms = picked_moment (self, self->to_calendar, self->to_hour, self->to_minute);
  return check_window (self, *from_ms, *to_ms, error);
}

static void
window_changed_cb (WgReplayBar *self)
{
  g_autoptr(GError) error = NULL;
  gint64 from, to;
  gboolean valid = check_picked_window (self, &from, &to, &error);

  gtk_label_set_text (self->window_message, valid ? "" : error->message);
  gtk_widget_set_visible (GTK_WIDGET (self->window_message), !valid);
  gtk_widget_set_sensitive (self->apply_window_button, valid);
}

static void
window_shown_cb (WgReplayBar *self)
{
  gint64 from, to;

  /* Whole minutes around the window shown now. */
  wg_replay_get_window (self->replay, &from, &to);
  show_moment (self, floor_minute (from), self->from_calendar, self->from_hour, self->from_minute);
  show_moment (self, floor_minute (to + 59999), self->to_calendar, self->to_hour, self->to_minute);
  window_changed_cb (self);
}

static void
apply_window_cb (WgReplayBar *self)
{
  g_autoptr(GError) error = NULL;
  gint64 from, to;

  if (!check_picked_window (self, &from, &to, &error) ||
      !wg_replay_bar_set_time_window (self, from, to, &error))
    {
      gtk_label_set_text (self->window_message, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->window_message), TRUE);
      return;
    }
  gtk_menu_button_popdown (self->window_button);
}

static void
whole_journal_cb (WgReplayBar *self)
{
  gint64 from, to;

  wg_replay_get_bounds (self->replay, &from, &to);
  wg_replay_set_window (self->replay, from, to);
  gtk_menu_button_popdown (self->window_button);
}

/* Hours and minutes as on a clock: 09:05. */
static gboolean
two_digits_cb (GtkSpinButton *spin)
{
  g_autofree char *text = g_strdup_printf ("%02d", gtk_spin_button_get_value_as_int (spin));

  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

void
wg_replay_bar_show_window_picker (WgReplayBar *self)
{
  g_return_if_fail (WG_IS_REPLAY_BAR (self));
  gtk_menu_button_popup (self->window_button);
}

static void
setup_window_picker (WgReplayBar *self)
{
  GtkSpinButton *spins[] = { self->from_hour, self->from_minute, self->to_hour, self->to_minute };
  GtkCalendar *calendars[] = { self->from_calendar, self->to_calendar };

  for (guint i = 0; i < G_N_ELEMENTS (spins); i++)
    {
      g_signal_connect (spins[i], "output", G_CALLBACK (two_digits_cb), NULL);
      g_signal_connect_swapped (spins[i], "value-changed", G_CALLBACK (window_changed_cb), self);
    }
  for (guint i = 0; i < G_N_ELEMENTS (calendars); i++)
    g_signal_connect_swapped (calendars[i], "day-selected", G_CALLBACK (window_changed_cb), self);
  g_signal_connect_swapped (gtk_menu_button_get_popover (self->window_button), "show",
                            G_CALLBACK (window_shown_cb), self);
  g_signal_connect_swapped (self->apply_window_button, "clicked", G_CALLBACK (apply_window_cb), self);
  g_signal_connect_swapped (self->whole_journal_button, "clicked", G_CALLBACK (whole_journal_cb), self);
  gtk_widget_add_css_class (GTK_WIDGET (self->window_message), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->window_message), FALSE);
}

/* Bookmarks */

static void
case_numbers_read (GObject      *owner,
                   gpointer      answer,
                   const GError *error)
{
  WgReplayBar *self = WG_REPLAY_BAR (owner);
  g_autoptr(GHashTable) numbers = answer;
  GPtrArray *bookmarks = wg_replay_bookmarks_get (self->bookmarks);
  g_autoptr(GArray) moments = g_array_new (FALSE, FALSE, sizeof (gint64));
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->bookmark_list))) != NULL)
    gtk_list_box_remove (self->bookmark_list, child);
  for (guint i = 0; i < bookmarks->len; i++)
    {
      WgReplayBookmark *bookmark = bookmarks->pdata[i];
      const char *case_number = bookmark->incident != NULL && numbers != NULL
                                ? g_hash_table_lookup (numbers, bookmark->incident) : NULL;
      g_autofree char *moment = wg_replay_format_moment (self->replay, bookmark->moment);
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();

      subtitle = g_strdup_printf ("%s · %s%s%s", moment, bookmark->author,
                                  case_number != NULL ? " · " : "", case_number ?: "");
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), bookmark->remark);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data (G_OBJECT (row), "moment", GINT_TO_POINTER (i));
      gtk_list_box_append (self->bookmark_list, row);
      g_array_append_val (moments, bookmark->moment);
    }
  wg_replay_timeline_set_bookmarks (self->timeline, moments);
  gtk_widget_set_sensitive (self->export_button, bookmarks->len > 0);
}

/* The rows come with their case numbers, read off the main loop. */
static void
bookmarks_changed_cb (WgReplayBar *self)
{
  /* The live cache is the replay's journal store: its worker reads it. */
  wg_context_read_journal (wg_replay_get_context (self->replay), wg_replay_bookmarks_read_case_numbers,
                           wg_replay_bookmarks_dup_incidents (self->bookmarks), (GDestroyNotify) g_strfreev,
                           (GDestroyNotify) g_hash_table_unref, &self->naming, case_numbers_read, G_OBJECT (self));
}

static void
bookmark_activated_cb (WgReplayBar   *self,
                       GtkListBoxRow *row)
{
  GPtrArray *bookmarks = wg_replay_bookmarks_get (self->bookmarks);
  guint i = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "moment"));

  if (i < bookmarks->len)
    wg_replay_seek (self->replay, ((WgReplayBookmark *) bookmarks->pdata[i])->moment);
}

static void
bookmark_added_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(WgReplayBar) self = user_data;
  g_autoptr(GError) error = NULL;

  if (wg_replay_bookmarks_add_finish (WG_REPLAY_BOOKMARKS (source), result, &error))
    gtk_editable_set_text (GTK_EDITABLE (self->remark_entry), "");
  else
    gtk_widget_set_tooltip_text (self->add_bookmark_button, error->message);
  gtk_widget_set_sensitive (self->add_bookmark_button, TRUE);
}

void
wg_replay_bar_add_bookmark (WgReplayBar *self,
                            const char  *remark)
{
  g_return_if_fail (WG_IS_REPLAY_BAR (self));

  gtk_widget_set_sensitive (self->add_bookmark_button, FALSE);
  wg_replay_bookmarks_add_async (self->bookmarks, remark, NULL, bookmark_added_cb, g_object_ref (self));
}

static void
add_bookmark_cb (WgReplayBar *self)
{
  wg_replay_bar_add_bookmark (self, gtk_editable_get_text (GTK_EDITABLE (self->remark_entry)));
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WgReplayBar) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (wg_replay_bookmarks_export_finish (WG_REPLAY_BOOKMARKS (source), result, &error))
    {
      guint n = wg_replay_bookmarks_get (self->bookmarks)->len;

      text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u bookmark exported.", "%u bookmarks exported.", n), n);
      gtk_widget_remove_css_class (GTK_WIDGET (self->export_message), "error");
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  else
    {
      /* TRANSLATORS: %s says why, as the system words it */
      text = g_strdup_printf (_("The bookmarks could not be exported: %s"), error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->export_message), "error");
    }
  gtk_label_set_text (self->export_message, text);
  gtk_widget_set_visible (GTK_WIDGET (self->export_message), TRUE);
  gtk_widget_set_sensitive (self->export_button, TRUE);
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    WgReplayBar     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      wg_replay_bar_export_bookmarks (self, file);
    }
  g_object_unref (dialog);
}

void
wg_replay_bar_export_bookmarks (WgReplayBar *self,
                                GFile       *file)
{
  g_return_if_fail (WG_IS_REPLAY_BAR (self));
  g_return_if_fail (G_IS_FILE (file));

  gtk_widget_set_sensitive (self->export_button, FALSE);
  gtk_label_set_text (self->export_message, _("Exporting…"));
  gtk_widget_remove_css_class (GTK_WIDGET (self->export_message), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->export_message), TRUE);
  wg_replay_bookmarks_export_async (self->bookmarks, file, NULL, exported_cb, g_object_ref (self));
}

static void
export_cb (WgReplayBar *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (_("Export Bookmarks"),
                                                              GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                              GTK_FILE_CHOOSER_ACTION_SAVE,
                                                              _("_Export"), NULL);

  /* TRANSLATORS: the file name offered for the exported bookmarks */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), _("bookmarks.csv"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

WgReplayBookmarks *
wg_replay_bar_get_bookmarks (WgReplayBar *self)
{
  g_return_val_if_fail (WG_IS_REPLAY_BAR (self), NULL);
  return self->bookmarks;
}

static void
wg_replay_bar_dispose (GObject *object)
{
  WgReplayBar *self = WG_REPLAY_BAR (object);
  GtkWidget *child;

  wg_context_cancel_read (&self->searching);
  g_clear_pointer (&self->found, g_ptr_array_unref);
  g_clear_pointer (&self->search_text, g_free);
  if (self->replay != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->replay, self);
      g_signal_handlers_disconnect_by_data (view_model (self), self);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_REPLAY_BAR);
  /* The template's box has no id: dispose_template() leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);
  g_clear_object (&self->replay);
  g_clear_object (&self->map_view);
  if (self->bookmarks != NULL)
    g_signal_handlers_disconnect_by_data (self->bookmarks, self);
  g_clear_object (&self->bookmarks);
  g_clear_pointer (&self->followed, g_free);
  g_clear_pointer (&self->picked, g_free);
  wg_context_cancel_read (&self->naming);

  G_OBJECT_CLASS (wg_replay_bar_parent_class)->dispose (object);
}

static void
wg_replay_bar_class_init (WgReplayBarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_replay_bar_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-replay-bar.ui");
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, live_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, previous_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, play_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, next_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, speed_dropdown);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, time_label);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, timeline_slot);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, previous_moment_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, next_moment_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, follow_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, search_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, results);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, bookmarks_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, remark_entry);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, add_bookmark_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, bookmark_list);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, export_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, window_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, from_calendar);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, from_hour);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, from_minute);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, to_calendar);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, to_hour);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, to_minute);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, window_message);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, export_message);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, whole_journal_button);
  gtk_widget_class_bind_template_child (widget_class, WgReplayBar, apply_window_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "replay-bar");
}

static void
wg_replay_bar_init (WgReplayBar *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static gboolean
shortcut_cb (GtkWidget *widget,
             GVariant  *args,
             gpointer   user_data)
{
  WgReplayBar *self = WG_REPLAY_BAR (widget);
  const char *what = g_variant_get_string (args, NULL);

  if (g_str_equal (what, "play"))
    wg_replay_bar_toggle_play (self);
  else if (g_str_equal (what, "previous"))
    previous_cb (self);
  else if (g_str_equal (what, "next"))
    next_cb (self);
  else if (g_str_equal (what, "previous-moment"))
    previous_moment_cb (self);
  else if (g_str_equal (what, "next-moment"))
    next_moment_cb (self);
  return TRUE;
}

/* The keys work anywhere in the replay's window, after its focused widget
 * (a space typed in the search stays there). */
static void
add_shortcuts (WgReplayBar *self)
{
  static const struct { const char *accel; const char *what; } keys[] = {
    { "space", "play" },
    { "<Alt>Left", "previous" },
    { "<Alt>Right", "next" },
    { "<Alt>Up", "previous-moment" },
    { "<Alt>Down", "next-moment" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      GtkShortcut *shortcut = gtk_shortcut_new (gtk_shortcut_trigger_parse_string (keys[i].accel),
                                                gtk_callback_action_new (shortcut_cb, NULL, NULL));

      gtk_shortcut_set_arguments (shortcut, g_variant_new_string (keys[i].what));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

GtkWidget *
wg_replay_bar_new (WgReplay  *replay,
                   WgMapView *map_view)
{
  WgReplayBar *self;

  g_return_val_if_fail (WG_IS_REPLAY (replay), NULL);
  g_return_val_if_fail (WG_IS_MAP_VIEW (map_view), NULL);

  self = g_object_new (WG_TYPE_REPLAY_BAR, NULL);
  self->replay = g_object_ref (replay);
  self->map_view = g_object_ref (map_view);
  self->timeline = WG_REPLAY_TIMELINE (wg_replay_timeline_new (replay));
  gtk_box_append (GTK_BOX (self->timeline_slot), GTK_WIDGET (self->timeline));

  g_signal_connect_object (replay, "moved", G_CALLBACK (moved_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (replay, "key-moments-read", G_CALLBACK (key_moments_read_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (view_model (self), "notify::selected-incident", G_CALLBACK (selection_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->live_button, "clicked", G_CALLBACK (live_cb), self);
  g_signal_connect_swapped (self->play_button, "clicked", G_CALLBACK (wg_replay_bar_toggle_play), self);
  g_signal_connect_swapped (self->previous_button, "clicked", G_CALLBACK (previous_cb), self);
  g_signal_connect_swapped (self->next_button, "clicked", G_CALLBACK (next_cb), self);
  g_signal_connect_swapped (self->previous_moment_button, "clicked", G_CALLBACK (previous_moment_cb), self);
  g_signal_connect_swapped (self->next_moment_button, "clicked", G_CALLBACK (next_moment_cb), self);
  g_signal_connect_swapped (self->follow_button, "toggled", G_CALLBACK (follow_toggled_cb), self);
  g_signal_connect_swapped (self->speed_dropdown, "notify::selected", G_CALLBACK (speed_cb), self);
  g_signal_connect_swapped (self->search_entry, "search-changed", G_CALLBACK (search_changed_cb), self);
  g_signal_connect_swapped (self->results, "row-activated", G_CALLBACK (result_activated_cb), self);
  self->bookmarks = wg_replay_bookmarks_new (replay);
  g_signal_connect_object (self->bookmarks, "changed", G_CALLBACK (bookmarks_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->add_bookmark_button, "clicked", G_CALLBACK (add_bookmark_cb), self);
  g_signal_connect_swapped (self->remark_entry, "activate", G_CALLBACK (add_bookmark_cb), self);
  g_signal_connect_swapped (self->bookmark_list, "row-activated", G_CALLBACK (bookmark_activated_cb), self);
  g_signal_connect_swapped (self->export_button, "clicked", G_CALLBACK (export_cb), self);
  setup_window_picker (self);
  add_shortcuts (self);
  bookmarks_changed_cb (self);
  selection_cb (self);
  moved_cb (self);
  search_changed_cb (self);
  return GTK_WIDGET (self);
}

WgReplayTimeline *
wg_replay_bar_get_timeline (WgReplayBar *self)
{
  g_return_val_if_fail (WG_IS_REPLAY_BAR (self), NULL);
  return self->timeline;
}
