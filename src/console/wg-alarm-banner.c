/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-alarm-banner"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>

#include "wg-alarm-banner.h"
#include "wg-console-util.h"
#include "wg-incident-actions.h"

#define SOUND_INTERVAL_S 4

struct _WgAlarmBanner
{
  GtkWidget        parent_instance;

  WgContext       *context;
  WgIncidentModel *model;
  char            *incident;
  char            *text;

  GtkRevealer     *revealer;
  GtkLabel        *title_label;
  GtkLabel        *detail_label;
  GtkWidget       *ack_button;
  GtkToggleButton *mute_button;

  GtkMediaStream  *sound;
  gboolean         sound_failed;
  gboolean         muted;
  guint            n_sounds;
  guint            sound_id;
  guint            unmute_id;
  /* While it lives, it sounds for this banner (weak). */
  WgAlarmBanner   *sound_from;
};

G_DEFINE_FINAL_TYPE (WgAlarmBanner, wg_alarm_banner, GTK_TYPE_WIDGET)

enum {
  ALARM_RAISED,
  MUTED_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A short two-tone alert, written once per user as a 16-bit mono WAV. */
static char *
ensure_sound_file (GError **error)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "wangge", NULL);
  g_autofree char *path = g_build_filename (dir, "alarm.wav", NULL);
  const guint rate = 16000, n = rate * 6 / 10;
  g_autofree gint16 *samples = NULL;
  g_autoptr(GByteArray) wav = NULL;
  guint32 u32;
  guint16 u16;

  if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return g_steal_pointer (&path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "%s: %s", dir, g_strerror (errno));
      return NULL;
    }

  samples = g_new0 (gint16, n);
  for (guint i = 0; i < n; i++)
    {
      double t = (double) i / rate;
      double f = i < n / 2 ? 880.0 : 660.0;
      double envelope = MIN (1.0, MIN (i, n - i) / (rate * 0.01));

      samples[i] = (gint16) (sin (2 * G_PI * f * t) * 12000 * envelope);
    }

  wav = g_byte_array_new ();
#define PUT(bytes, len) g_byte_array_append (wav, (const guint8 *) (bytes), len)
  PUT ("RIFF", 4);
  u32 = GUINT32_TO_LE (36 + n * 2); PUT (&u32, 4);
  PUT ("WAVEfmt ", 8);
  u32 = GUINT32_TO_LE (16); PUT (&u32, 4);
  u16 = GUINT16_TO_LE (1); PUT (&u16, 2);            /* PCM */
  u16 = GUINT16_TO_LE (1); PUT (&u16, 2);            /* mono */
  u32 = GUINT32_TO_LE (rate); PUT (&u32, 4);
  u32 = GUINT32_TO_LE (rate * 2); PUT (&u32, 4);
  u16 = GUINT16_TO_LE (2); PUT (&u16, 2);
  u16 = GUINT16_TO_LE (16); PUT (&u16, 2);
  PUT ("data", 4);
  u32 = GUINT32_TO_LE (n * 2); PUT (&u32, 4);
  for (guint i = 0; i < n; i++)
    {
      gint16 s = GINT16_TO_LE (samples[i]);
      PUT (&s, 2);
    }
#undef PUT

  if (!g_file_set_contents (path, (const char *) wav->data, wav->len, error))
    return NULL;
  return g_steal_pointer (&path);
}

static void
play_sound (WgAlarmBanner *self)
{
  /* Another window's banner sounds for the same alarms: one beep. */
  if (self->sound_from != NULL)
    return;
  self->n_sounds++;

  /* Tests and headless runs: count, but make no noise. */
  if (g_getenv ("WANGGE_NO_SOUND") != NULL)
    return;

  if (self->sound == NULL && !self->sound_failed)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = ensure_sound_file (&error);

      if (path == NULL)
        {
          g_debug ("No alarm sound file: %s", error->message);
          self->sound_failed = TRUE;
        }
      else
        self->sound = gtk_media_file_new_for_filename (path);
    }
  if (self->sound != NULL && gtk_media_stream_get_error (self->sound) == NULL)
    {
      if (gtk_media_stream_is_seekable (self->sound))
        gtk_media_stream_seek (self->sound, 0);
      gtk_media_stream_play (self->sound);
    }
  else
    gdk_display_beep (gtk_widget_get_display (GTK_WIDGET (self)));
}

static gboolean
sound_cb (gpointer user_data)
{
  WgAlarmBanner *self = user_data;

  /* A replayed alarm is silent: the sound means a live one. */
  if (self->incident != NULL && !self->muted && !wg_context_get_read_only (self->context))
    play_sound (self);
  return G_SOURCE_CONTINUE;
}

static WgIncidentItem *
find_alarm (WgAlarmBanner *self,
            guint         *n_alarms)
{
  GListModel *model = G_LIST_MODEL (self->model);
  guint n = g_list_model_get_n_items (model);
  WgIncidentItem *oldest = NULL;

  *n_alarms = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WgIncidentItem) item = g_list_model_get_item (model, i);

      if (!wg_incident_item_is_unacknowledged (item))
        continue;
      (*n_alarms)++;
      /* The oldest alarm first: it has waited longest. */
      if (oldest == NULL ||
          wg_incident_item_get_record (item)->reported_at < wg_incident_item_get_record (oldest)->reported_at)
        oldest = item;
    }
  return oldest;
}

static void
update_text (WgAlarmBanner *self)
{
  WgIncidentItem *item = wg_incident_model_lookup (self->model, self->incident);
  const WgIncidentRecord *r;
  g_autofree char *elapsed = NULL;
  g_autofree char *title = NULL;
  g_autoptr(GString) detail = g_string_new (NULL);
  guint n_alarms;

  if (item == NULL)
    return;
  r = wg_incident_item_get_record (item);
  /* A live alarm runs on the live clock, whatever moment the view shows;
   * a replayed one on the moment shown. */
  elapsed = wg_format_duration (wg_clock_get_now_ms (wg_context_get_alarm_clock (self->context))
                                - r->reported_at);
  /* TRANSLATORS: category, grid, time since the report */
  title = g_strdup_printf (_("Emergency: %s in %s — %s unacknowledged"),
                           wg_context_category_label (self->context, r->category),
                           r->grid != NULL ? wg_context_grid_label (self->context, r->grid)
                                           : _("an unknown grid"),
                           elapsed);
  gtk_label_set_label (self->title_label, title);
  g_free (self->text);
  self->text = g_steal_pointer (&title);

  g_string_append_printf (detail, "%s · %s", r->case_number, r->summary ?: "");
  if (r->alarm == WG_ALARM_ESCALATED)
    g_string_append_printf (detail,
                            g_dngettext (GETTEXT_PACKAGE, " · escalated %u time", " · escalated %u times",
                                         r->alarm_escalations),
                            r->alarm_escalations);
  find_alarm (self, &n_alarms);
  if (n_alarms > 1)
    g_string_append_printf (detail,
                            g_dngettext (GETTEXT_PACKAGE, " · %u more alarm", " · %u more alarms",
                                         n_alarms - 1),
                            n_alarms - 1);
  gtk_label_set_label (self->detail_label, detail->str);
}

static void
update_ack_button (WgAlarmBanner *self)
{
  WgIncidentItem *item = wg_incident_model_lookup (self->model, self->incident);
  g_autofree char *reason = NULL;
  gboolean allowed;
  const WgActor *actor = wg_context_get_actor (self->context);

  allowed = wg_incident_command_allowed (WG_CMD_ALARM_ACKNOWLEDGE, actor,
                                         wg_context_get_reference (self->context),
                                         item != NULL ? wg_incident_item_get_record (item) : NULL,
                                         &reason);
  /* Only the duty leader acknowledges: others do not see the button. */
  gtk_widget_set_visible (self->ack_button, actor != NULL && actor->role == WG_ROLE_DUTY_LEADER &&
                          !wg_context_get_read_only (self->context));
  gtk_widget_set_sensitive (self->ack_button, allowed);
  gtk_widget_set_tooltip_text (self->ack_button, allowed ? _("Acknowledge the alarm (A)") : reason);
}

static void
rescan (WgAlarmBanner *self)
{
  guint n_alarms;
  WgIncidentItem *item = find_alarm (self, &n_alarms);
  const char *id = item != NULL ? wg_incident_item_get_id (item) : NULL;
  gboolean is_new = id != NULL && g_strcmp0 (id, self->incident) != 0;

  g_free (self->incident);
  self->incident = g_strdup (id);

  gtk_revealer_set_reveal_child (self->revealer, id != NULL);
  if (id == NULL)
    {
      g_clear_pointer (&self->text, g_free);
      return;
    }
  update_text (self);
  update_ack_button (self);
  if (is_new)
    {
      if (!self->muted)
        play_sound (self);
      g_signal_emit (self, signals[ALARM_RAISED], 0, id);
    }
}

static void
live_tick_cb (WgAlarmBanner *self)
{
  if (self->incident != NULL)
    update_text (self);
}

static gboolean
unmute_cb (gpointer user_data)
{
  WgAlarmBanner *self = user_data;

  self->unmute_id = 0;
  wg_alarm_banner_set_muted (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
mute_toggled_cb (WgAlarmBanner *self)
{
  wg_alarm_banner_set_muted (self, gtk_toggle_button_get_active (self->mute_button));
}

static void
ack_clicked_cb (WgAlarmBanner *self)
{
  wg_alarm_banner_acknowledge (self);
}

static void
wg_alarm_banner_dispose (GObject *object)
{
  WgAlarmBanner *self = WG_ALARM_BANNER (object);

  g_clear_handle_id (&self->sound_id, g_source_remove);
  g_clear_handle_id (&self->unmute_id, g_source_remove);
  if (self->sound != NULL)
    gtk_media_stream_pause (self->sound);
  g_clear_object (&self->sound);
  if (self->sound_from != NULL)
    g_signal_handlers_disconnect_by_data (self->sound_from, self);
  g_clear_weak_pointer (&self->sound_from);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_ALARM_BANNER);
  g_clear_object (&self->context);
  g_clear_object (&self->model);

  G_OBJECT_CLASS (wg_alarm_banner_parent_class)->dispose (object);
}

static void
wg_alarm_banner_finalize (GObject *object)
{
  WgAlarmBanner *self = WG_ALARM_BANNER (object);

  g_clear_pointer (&self->incident, g_free);
  g_clear_pointer (&self->text, g_free);

  G_OBJECT_CLASS (wg_alarm_banner_parent_class)->finalize (object);
}

static void
wg_alarm_banner_class_init (WgAlarmBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_alarm_banner_dispose;
  object_class->finalize = wg_alarm_banner_finalize;

  /**
   * WgAlarmBanner::alarm-raised:
   * @incident: the incident whose alarm now shows
   */
  signals[ALARM_RAISED] =
    g_signal_new ("alarm-raised", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* WgAlarmBanner::muted-changed: muted or unmuted (for a banner that
   * shares its sound, wg_alarm_banner_set_sound_from()). */
  signals[MUTED_CHANGED] =
    g_signal_new ("muted-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "alarm-banner");
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-alarm-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, WgAlarmBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, WgAlarmBanner, title_label);
  gtk_widget_class_bind_template_child (widget_class, WgAlarmBanner, detail_label);
  gtk_widget_class_bind_template_child (widget_class, WgAlarmBanner, ack_button);
  gtk_widget_class_bind_template_child (widget_class, WgAlarmBanner, mute_button);
  gtk_widget_class_bind_template_callback (widget_class, mute_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, ack_clicked_cb);
}

static void
wg_alarm_banner_init (WgAlarmBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wg_alarm_banner_new (WgContext       *context,
                     WgIncidentModel *model)
{
  WgAlarmBanner *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (WG_IS_INCIDENT_MODEL (model), NULL);

  self = g_object_new (WG_TYPE_ALARM_BANNER, NULL);
  self->context = g_object_ref (context);
  self->model = g_object_ref (model);
  g_signal_connect_object (model, "items-changed", G_CALLBACK (rescan), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (wg_context_get_alarm_clock (context), "tick", G_CALLBACK (live_tick_cb), self,
                           G_CONNECT_SWAPPED);
  self->sound_id = g_timeout_add_seconds (SOUND_INTERVAL_S, sound_cb, self);
  rescan (self);
  return GTK_WIDGET (self);
}

const char *
wg_alarm_banner_get_incident (WgAlarmBanner *self)
{
  g_return_val_if_fail (WG_IS_ALARM_BANNER (self), NULL);
  return self->incident;
}

gboolean
wg_alarm_banner_get_revealed (WgAlarmBanner *self)
{
  g_return_val_if_fail (WG_IS_ALARM_BANNER (self), FALSE);
  return gtk_revealer_get_reveal_child (self->revealer);
}

const char *
wg_alarm_banner_get_text (WgAlarmBanner *self)
{
  g_return_val_if_fail (WG_IS_ALARM_BANNER (self), NULL);
  return self->text;
}

const char *
wg_alarm_banner_get_detail (WgAlarmBanner *self)
{
  g_return_val_if_fail (WG_IS_ALARM_BANNER (self), NULL);
  return gtk_label_get_label (self->detail_label);
}

gboolean
wg_alarm_banner_acknowledge (WgAlarmBanner *self)
{
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *incident = NULL;

  g_return_val_if_fail (WG_IS_ALARM_BANNER (self), FALSE);

  if (self->incident == NULL || !gtk_widget_get_sensitive (self->ack_button) ||
      !gtk_widget_get_visible (self->ack_button))
    return FALSE;
  /* A local engine applies the command at once and the banner moves on
   * to the next alarm: keep the id. */
  incident = g_strdup (self->incident);
  body = json_object_new ();
  json_object_set_string_member (body, "incident", incident);
  id = wg_context_send (self->context, WG_CMD_ALARM_ACKNOWLEDGE, body, &error);
  if (id == NULL)
    {
      g_warning ("Could not acknowledge the alarm: %s", error->message);
      return FALSE;
    }
  /* The one seen is the one to act on: selected (the map flies to it), so
   * that D then Enter dispatches its plan. */
  wg_view_model_set_selected_incident (wg_context_get_view_model (self->context), incident);
  return TRUE;
}

GtkWidget *
wg_alarm_banner_get_acknowledge_button (WgAlarmBanner *self)
{
  g_return_val_if_fail (WG_IS_ALARM_BANNER (self), NULL);
  return self->ack_button;
}

void
wg_alarm_banner_set_muted (WgAlarmBanner *self,
                           gboolean       muted)
{
  g_return_if_fail (WG_IS_ALARM_BANNER (self));

  muted = !!muted;
  g_clear_handle_id (&self->unmute_id, g_source_remove);
  self->muted = muted;
  if (muted)
    {
      if (self->sound != NULL)
        gtk_media_stream_pause (self->sound);
      self->unmute_id = g_timeout_add_seconds (WG_ALARM_MUTE_SECONDS, unmute_cb, self);
    }
  if (gtk_toggle_button_get_active (self->mute_button) != muted)
    gtk_toggle_button_set_active (self->mute_button, muted);
  if (self->sound_from != NULL && self->sound_from->muted != muted)
    wg_alarm_banner_set_muted (self->sound_from, muted);
  g_signal_emit (self, signals[MUTED_CHANGED], 0);
}

gboolean
wg_alarm_banner_get_muted (WgAlarmBanner *self)
{
  g_return_val_if_fail (WG_IS_ALARM_BANNER (self), FALSE);
  return self->muted;
}

guint
wg_alarm_banner_get_n_sounds (WgAlarmBanner *self)
{
  g_return_val_if_fail (WG_IS_ALARM_BANNER (self), 0);
  return self->n_sounds;
}

static void
sound_from_muted_cb (WgAlarmBanner *self,
                     WgAlarmBanner *other)
{
  if (self->muted != other->muted)
    wg_alarm_banner_set_muted (self, other->muted);
}

void
wg_alarm_banner_set_sound_from (WgAlarmBanner *self,
                                WgAlarmBanner *other)
{
  g_return_if_fail (WG_IS_ALARM_BANNER (self));
  g_return_if_fail (other == NULL || WG_IS_ALARM_BANNER (other));
  g_return_if_fail (other != self);

  if (self->sound_from != NULL)
    g_signal_handlers_disconnect_by_data (self->sound_from, self);
  g_set_weak_pointer (&self->sound_from, other);
  if (other == NULL)
    return;
  g_signal_connect_object (other, "muted-changed", G_CALLBACK (sound_from_muted_cb), self, G_CONNECT_SWAPPED);
  /* The other one sounds now: this one's repeat stops. */
  if (self->sound != NULL)
    gtk_media_stream_pause (self->sound);
  sound_from_muted_cb (self, other);
}
