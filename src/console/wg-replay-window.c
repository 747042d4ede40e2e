/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-replay-window"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-drill-window.h"
#include "wg-replay-bar.h"
#include "wg-replay-tracks.h"
#include "wg-replay-window.h"

#define REPLAY_KEY "wg-replay"
#define BAR_KEY "wg-replay-bar"
#define LIVE_BANNER_KEY "wg-replay-live-banner"
#define TRACKS_KEY "wg-replay-tracks"

static void
update_banner (GtkLabel *label,
               WgReplay *replay)
{
  g_autofree char *moment = wg_replay_format_moment (replay, wg_replay_get_time (replay));
  /* TRANSLATORS: the banner across a replay; %s is the moment shown */
  g_autofree char *text = g_strdup_printf (_("Replay — %s"), moment);

  gtk_label_set_text (label, text);
}

/* Nothing in a replay acts on the present: the window's own commands go
 * (the incident actions are off through the read-only context). */
static void
disable_commands (WgWindow *window)
{
  static const char *const actions[] = {
    "win.intake", "win.acknowledge", "win.handover", "win.replay",
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_action_set_enabled (GTK_WIDGET (window), actions[i], FALSE);
}

/* Scenario 7 from scenario 6: a trainer opens an exercise on the selected
 * incident as it stood at the moment shown (wg-drill-window.c). */
static void
drill_from_here_cb (GtkButton *button,
                    WgWindow  *window)
{
  WgWindow *live = g_object_get_data (G_OBJECT (button), "live");
  WgReplay *replay = wg_replay_window_get_replay (window);
  WgContext *context = wg_replay_get_context (replay);
  const char *incident = wg_view_model_get_selected_incident (wg_context_get_view_model (context));
  /* The board holds the incidents of the moment shown (no SQL here). */
  WgIncidentItem *item = wg_incident_model_lookup (wg_window_get_model (window), incident);

  if (item == NULL)
    return;
  wg_drill_start_from_incident (wg_window_get_context (live), wg_window_get_model (live), GTK_WINDOW (live),
                                wg_incident_item_get_record (item)->case_number, wg_replay_get_time (replay));
}

static void
drill_button_follow_selection (GtkWidget   *button,
                               GParamSpec  *pspec,
                               WgViewModel *view_model)
{
  gtk_widget_set_sensitive (button, wg_view_model_get_selected_incident (view_model) != NULL);
}

/* The window over @replay, opened: reads nothing itself (its views read
 * through the replay's worker). */
static WgWindow *
show (WgWindow *live,
      WgReplay *replay)
{
  WgWindow *window;
  WgMapView *map_view;
  GtkPaned *paned;
  GtkWidget *flap, *banner_slot, *replay_banner, *label, *live_banner, *column, *bar;

  window = wg_window_new_with_context (WG_APPLICATION (gtk_window_get_application (GTK_WINDOW (live))),
                                       wg_replay_get_context (replay));
  gtk_window_set_title (GTK_WINDOW (window), _("Wangge Replay"));
  gtk_widget_add_css_class (GTK_WIDGET (window), "replay");
  disable_commands (window);
  /* The header says what is replayed, not the replay's own (absent) sync. */
  wg_window_set_source_text (window, wg_context_get_sync_client (wg_window_get_context (live)) != NULL
                                     ? _("Replay of the server’s journal, from this console’s cache")
                                     : _("Replay of this console’s own journal (no server)"));

  /* Under the map and its detail sheet: the controls and the timeline. */
  map_view = wg_window_get_map_view (window);
  flap = gtk_widget_get_parent (GTK_WIDGET (map_view));
  paned = GTK_PANED (gtk_widget_get_parent (flap));
  column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_object_ref (flap);
  gtk_paned_set_end_child (paned, column);
  gtk_widget_set_vexpand (flap, TRUE);
  gtk_box_append (GTK_BOX (column), flap);
  g_object_unref (flap);
  bar = wg_replay_bar_new (replay, map_view);
  gtk_box_append (GTK_BOX (column), bar);

  /* Across the top: the live alarm first, then the replay's mark, then
   * the alarm of the moment shown. */
  banner_slot = gtk_widget_get_parent (GTK_WIDGET (wg_window_get_alarm_banner (window)));
  live_banner = GTK_WIDGET (wg_alarm_banner_new (wg_window_get_context (live), wg_window_get_model (live)));
  gtk_widget_add_css_class (live_banner, "live");
  /* The live window beeps for a live alarm; this one only shows it. */
  wg_alarm_banner_set_sound_from (WG_ALARM_BANNER (live_banner), wg_window_get_alarm_banner (live));
  replay_banner = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (replay_banner, "banner");
  gtk_widget_add_css_class (replay_banner, "replay");
  label = gtk_label_new (NULL);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_add_css_class (label, "numeric");
  gtk_box_append (GTK_BOX (replay_banner), label);
  {
    const WgActor *actor = wg_context_get_actor (wg_window_get_context (live));
    WgViewModel *view_model = wg_context_get_view_model (wg_replay_get_context (replay));

    /* Only a trainer starts exercises (protocol.md, "Replay and exercises"). */
    if (actor != NULL && actor->role == WG_ROLE_TRAINER && wg_context_get_sync_client (wg_window_get_context (live)) != NULL)
      {
        GtkWidget *drill = gtk_button_new_with_mnemonic (_("Start a _Drill from Here"));

        gtk_widget_set_tooltip_text (drill, _("An exercise on the selected incident as it stood at the moment shown"));
        gtk_widget_set_hexpand (label, TRUE);
        gtk_label_set_xalign (GTK_LABEL (label), 0);
        g_object_set_data (G_OBJECT (drill), "live", live);
        g_signal_connect_object (drill, "clicked", G_CALLBACK (drill_from_here_cb), window, 0);
        g_signal_connect_object (view_model, "notify::selected-incident",
                                 G_CALLBACK (drill_button_follow_selection), drill, G_CONNECT_SWAPPED);
        drill_button_follow_selection (drill, NULL, view_model);
        gtk_box_append (GTK_BOX (replay_banner), drill);
      }
  }
  gtk_box_prepend (GTK_BOX (banner_slot), replay_banner);
  gtk_box_prepend (GTK_BOX (banner_slot), live_banner);
  update_banner (GTK_LABEL (label), replay);
  g_signal_connect_object (replay, "moved", G_CALLBACK (update_banner), label, G_CONNECT_SWAPPED);

  g_object_set_data (G_OBJECT (window), BAR_KEY, bar);
  /* Forces where they were, with short trails. */
  wg_force_layer_set_show_trails (wg_map_view_get_force_layer (map_view), TRUE);
  g_object_set_data_full (G_OBJECT (window), TRACKS_KEY, wg_replay_tracks_new (replay), g_object_unref);
  g_object_set_data_full (G_OBJECT (window), REPLAY_KEY, g_object_ref (replay), g_object_unref);
  g_object_set_data (G_OBJECT (window), LIVE_BANNER_KEY, live_banner);
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

static void
replay_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WgReplay) replay = wg_replay_new_finish (result, &error);
  WgWindow *live = g_task_get_source_object (task);

  if (replay == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  /* The live window closed meanwhile: no replay beside it. */
  else if (gtk_window_get_application (GTK_WINDOW (live)) == NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the live window is closed");
  else
    g_task_return_pointer (task, show (live, replay), NULL);
}

void
wg_replay_window_open_async (WgWindow            *live,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WG_IS_WINDOW (live));

  task = g_task_new (live, cancellable, callback, user_data);
  g_task_set_source_tag (task, wg_replay_window_open_async);
  wg_replay_new_async (wg_window_get_context (live), cancellable, replay_opened_cb, task);
}

WgWindow *
wg_replay_window_open_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (G_IS_TASK (result), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wg_replay_window_open_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

WgReplay *
wg_replay_window_get_replay (WgWindow *window)
{
  g_return_val_if_fail (WG_IS_WINDOW (window), NULL);
  return g_object_get_data (G_OBJECT (window), REPLAY_KEY);
}

GtkWidget *
wg_replay_window_get_bar (WgWindow *window)
{
  g_return_val_if_fail (WG_IS_WINDOW (window), NULL);
  return g_object_get_data (G_OBJECT (window), BAR_KEY);
}

WgReplayTracks *
wg_replay_window_get_tracks (WgWindow *window)
{
  g_return_val_if_fail (WG_IS_WINDOW (window), NULL);
  return g_object_get_data (G_OBJECT (window), TRACKS_KEY);
}

GtkWidget *
wg_replay_window_get_live_banner (WgWindow *window)
{
  g_return_val_if_fail (WG_IS_WINDOW (window), NULL);
  return g_object_get_data (G_OBJECT (window), LIVE_BANNER_KEY);
}
