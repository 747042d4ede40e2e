/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-intake-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-console-util.h"
#include "wg-image.h"
#include "wg-intake-dialog.h"
#include "wg-map-data.h"
#include "wg-map-view.h"

struct _WgIntakeDialog
{
  AdwWindow           parent_instance;

  WgContext          *context;
  GPtrArray          *category_codes;  /* char*, parallel to the dropdown */
  char               *grid;
  double              lat;
  double              lon;
  gboolean            has_location;

  GtkDropDown        *category;
  GtkDropDown        *grade;
  GtkDropDown        *source;
  AdwEntryRow        *summary;
  AdwEntryRow        *caller_name;
  AdwEntryRow        *caller_phone;
  AdwActionRow       *location_row;
  WgMapView          *map;
  ShumateMarkerLayer *markers;
  ShumateMarker      *marker;
  GtkWidget          *submit_button;
  GtkLabel           *error_label;

  /* Photos: chosen files, read and checked at submit, then queued with
   * the report that names them. */
  GPtrArray          *photos;          /* GFile* */
  AdwPreferencesGroup *photo_group;
  GPtrArray          *photo_rows;      /* GtkWidget*, parallel to photos */
  GPtrArray          *loaded;          /* GBytes*, the photos read so far */
  GCancellable       *cancellable;
  gboolean            loading;
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (WgIntakeDialog, wg_intake_dialog, ADW_TYPE_WINDOW)

static const char *source_codes[] = { "phone", "walk_in", "field", "online", "other", NULL };

static void
update_submit (WgIntakeDialog *self)
{
  gtk_widget_set_sensitive (self->submit_button, wg_intake_dialog_can_submit (self) && !self->loading);
}

static char *submit_with (WgIntakeDialog *self,
                          GPtrArray      *attachments,
                          GError        **error);

static void
category_selected_cb (WgIntakeDialog *self)
{
  const char *code = wg_intake_dialog_get_category (self);
  WgCategory *category = code != NULL
                         ? wg_reference_lookup_category (wg_context_get_reference (self->context), code)
                         : NULL;
  WgGrade grade;

  /* The category's grade is the default; the dispatcher may change it. */
  if (category != NULL && wg_grade_from_string (category->grade, &grade))
    gtk_drop_down_set_selected (self->grade, grade);
  update_submit (self);
}

static void
map_clicked_cb (WgIntakeDialog *self,
                int             n_press,
                double          x,
                double          y,
                GtkGestureClick *gesture)
{
  ShumateViewport *viewport = wg_map_view_get_viewport (self->map);
  double lat, lon;

  shumate_viewport_widget_coords_to_location (viewport, GTK_WIDGET (wg_map_view_get_map (self->map)),
                                              x, y, &lat, &lon);
  wg_intake_dialog_set_location (self, lat, lon);
}

static void
show_error (WgIntakeDialog *self,
            const char     *message)
{
  gtk_label_set_label (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

static void load_next_photo (WgIntakeDialog *self);

static void
photo_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(WgIntakeDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_file_load_bytes_finish (G_FILE (source), result, NULL, &error);

  if (bytes == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (bytes != NULL)
    {
      WgImageLimits limits;
      WgImageInfo info;

      /* An early, local answer for what the server would refuse anyway. */
      wg_image_limits_init (&limits);
      if (!wg_image_probe (bytes, &limits, &info, &error))
        g_clear_pointer (&bytes, g_bytes_unref);
    }
  if (bytes == NULL)
    {
      g_autofree char *name = g_file_get_basename (self->photos->pdata[self->loaded->len]);
      g_autofree char *message = g_strdup_printf ("%s: %s", name, error->message);

      self->loading = FALSE;
      g_ptr_array_set_size (self->loaded, 0);
      update_submit (self);
      show_error (self, message);
      return;
    }
  g_ptr_array_add (self->loaded, g_steal_pointer (&bytes));
  load_next_photo (self);
}

/* The photos go into the outbox before the report that names them, so a
 * report with photos can be queued offline like any command: the outbox
 * uploads them first and puts the server's ids into the report. */
static char *
queue_report_with_photos (WgIntakeDialog  *self,
                          GError         **error)
{
  WgSyncClient *sync = wg_context_get_sync_client (self->context);
  g_autoptr(GPtrArray) local_ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < self->loaded->len; i++)
    {
      char *id = wg_sync_client_queue_upload (sync, self->loaded->pdata[i], error);

      if (id == NULL)
        return NULL;
      g_ptr_array_add (local_ids, id);
    }
  return submit_with (self, local_ids, error);
}

static void
load_next_photo (WgIntakeDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (self->loaded->len < self->photos->len)
    {
      g_file_load_bytes_async (self->photos->pdata[self->loaded->len], self->cancellable,
                               photo_loaded_cb, g_object_ref (self));
      return;
    }
  self->loading = FALSE;
  id = queue_report_with_photos (self, &error);
  g_ptr_array_set_size (self->loaded, 0);
  update_submit (self);
  if (id == NULL)
    {
      show_error (self, error->message);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
submit_clicked_cb (WgIntakeDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (self->photos->len > 0)
    {
      if (wg_context_get_sync_client (self->context) == NULL)
        {
          show_error (self, _("Photos need a server"));
          return;
        }
      if (!wg_intake_dialog_can_submit (self))
        {
          show_error (self, _("Pick a category and a location, and write a summary"));
          return;
        }
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
      self->loading = TRUE;
      update_submit (self);
      load_next_photo (self);
      return;
    }
  id = wg_intake_dialog_submit (self, &error);

  if (id == NULL)
    {
      gtk_label_set_label (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return;
    }
  gtk_window_close (GTK_WINDOW (self));
}

static void
wg_intake_dialog_dispose (GObject *object)
{
  WgIntakeDialog *self = WG_INTAKE_DIALOG (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->context);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_INTAKE_DIALOG);

  G_OBJECT_CLASS (wg_intake_dialog_parent_class)->dispose (object);
}

static void
wg_intake_dialog_finalize (GObject *object)
{
  WgIntakeDialog *self = WG_INTAKE_DIALOG (object);

  g_clear_pointer (&self->category_codes, g_ptr_array_unref);
  g_clear_pointer (&self->grid, g_free);
  g_clear_pointer (&self->photos, g_ptr_array_unref);
  g_clear_pointer (&self->photo_rows, g_ptr_array_unref);
  g_clear_pointer (&self->loaded, g_ptr_array_unref);

  G_OBJECT_CLASS (wg_intake_dialog_parent_class)->finalize (object);
}

static void add_photo_clicked_cb (WgIntakeDialog *self);

static void
wg_intake_dialog_class_init (WgIntakeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_intake_dialog_dispose;
  object_class->finalize = wg_intake_dialog_finalize;

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);

  g_type_ensure (WG_TYPE_MAP_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-intake-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, category);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, grade);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, source);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, summary);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, caller_name);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, caller_phone);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, location_row);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, map);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, submit_button);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, WgIntakeDialog, photo_group);
  gtk_widget_class_bind_template_callback (widget_class, update_submit);
  gtk_widget_class_bind_template_callback (widget_class, category_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, submit_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_photo_clicked_cb);
}

static void
wg_intake_dialog_init (WgIntakeDialog *self)
{
  self->category_codes = g_ptr_array_new_with_free_func (g_free);
  self->photos = g_ptr_array_new_with_free_func (g_object_unref);
  self->photo_rows = g_ptr_array_new ();
  self->loaded = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

static void
remove_photo_cb (GtkButton      *button,
                 WgIntakeDialog *self)
{
  GtkWidget *row = g_object_get_data (G_OBJECT (button), "wg-row");
  guint index;

  if (self->loading || !g_ptr_array_find (self->photo_rows, row, &index))
    return;
  g_ptr_array_remove_index (self->photo_rows, index);
  g_ptr_array_remove_index (self->photos, index);
  adw_preferences_group_remove (self->photo_group, row);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     WgIntakeDialog  *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (chooser));

      for (guint i = 0; i < g_list_model_get_n_items (files); i++)
        {
          g_autoptr(GFile) file = g_list_model_get_item (files, i);
          wg_intake_dialog_add_photo (self, file);
        }
    }
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);
}

static void
add_photo_clicked_cb (WgIntakeDialog *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  /* GTK 4.8: no GtkFileDialog yet. */
  self->chooser = gtk_file_chooser_native_new (_("Attach Photos"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Attach"), NULL);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), TRUE);
  gtk_file_filter_set_name (filter, _("Photos (JPEG, PNG)"));
  gtk_file_filter_add_mime_type (filter, "image/jpeg");
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_suffix (filter, "jpg");
  gtk_file_filter_add_suffix (filter, "jpeg");
  gtk_file_filter_add_suffix (filter, "png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (chooser_response_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

void
wg_intake_dialog_add_photo (WgIntakeDialog *self,
                            GFile          *file)
{
  GtkWidget *row;
  GtkWidget *remove;
  g_autofree char *name = NULL;

  g_return_if_fail (WG_IS_INTAKE_DIALOG (self));
  g_return_if_fail (G_IS_FILE (file));

  name = g_file_get_basename (file);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("image-x-generic-symbolic"));
  remove = gtk_button_new_from_icon_name ("edit-delete-symbolic");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove the Photo"));
  g_object_set_data (G_OBJECT (remove), "wg-row", row);
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_photo_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  adw_preferences_group_add (self->photo_group, row);
  g_ptr_array_add (self->photos, g_object_ref (file));
  g_ptr_array_add (self->photo_rows, row);
}

guint
wg_intake_dialog_get_n_photos (WgIntakeDialog *self)
{
  g_return_val_if_fail (WG_IS_INTAKE_DIALOG (self), 0);
  return self->photos->len;
}

GtkWidget *
wg_intake_dialog_new (WgContext *context)
{
  WgIntakeDialog *self;
  WgReference *reference;
  GPtrArray *categories;
  g_autoptr(GtkStringList) category_labels = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) grades = NULL;
  g_autoptr(GtkStringList) sources = NULL;
  GtkGesture *click;
  const char *grade_labels[] = { wg_grade_label (WG_GRADE_GENERAL),
                                 wg_grade_label (WG_GRADE_PROFESSIONAL),
                                 wg_grade_label (WG_GRADE_EMERGENCY), NULL };
  const char *source_labels[] = { wg_source_label ("phone"), wg_source_label ("walk_in"),
                                  wg_source_label ("field"), wg_source_label ("online"),
                                  wg_source_label ("other"), NULL };

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);

  self = g_object_new (WG_TYPE_INTAKE_DIALOG, NULL);
  self->context = g_object_ref (context);
  reference = wg_context_get_reference (context);

  grades = gtk_string_list_new (grade_labels);
  gtk_drop_down_set_model (self->grade, G_LIST_MODEL (grades));
  sources = gtk_string_list_new (source_labels);
  gtk_drop_down_set_model (self->source, G_LIST_MODEL (sources));

  categories = wg_reference_get_categories (reference);
  for (guint i = 0; i < categories->len; i++)
    {
      WgCategory *c = categories->pdata[i];
      g_autofree char *label = wg_context_prefers_chinese ()
                               ? g_strdup_printf ("%s (%s)", c->name_zh, c->name_en)
                               : g_strdup_printf ("%s (%s)", c->name_en, c->name_zh);

      gtk_string_list_append (category_labels, label);
      g_ptr_array_add (self->category_codes, g_strdup (c->code));
    }
  /* A new model selects its first item (and so sets that category's
   * grade): the dialog starts with no category and the general grade. */
  gtk_drop_down_set_model (self->category, G_LIST_MODEL (category_labels));
  gtk_drop_down_set_selected (self->category, GTK_INVALID_LIST_POSITION);
  gtk_drop_down_set_selected (self->grade, WG_GRADE_GENERAL);

  wg_map_data_load_reference (self->map, reference);
  self->markers = shumate_marker_layer_new (wg_map_view_get_viewport (self->map));
  shumate_map_add_layer (wg_map_view_get_map (self->map), SHUMATE_LAYER (self->markers));
  click = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect_object (click, "released", G_CALLBACK (map_clicked_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (wg_map_view_get_map (self->map)), GTK_EVENT_CONTROLLER (click));

  gtk_widget_set_sensitive (GTK_WIDGET (self->photo_group),
                            wg_context_get_sync_client (self->context) != NULL);
  update_submit (self);
  return GTK_WIDGET (self);
}

gboolean
wg_intake_dialog_set_category (WgIntakeDialog *self,
                               const char     *code)
{
  g_return_val_if_fail (WG_IS_INTAKE_DIALOG (self), FALSE);

  for (guint i = 0; i < self->category_codes->len; i++)
    if (g_strcmp0 (self->category_codes->pdata[i], code) == 0)
      {
        gtk_drop_down_set_selected (self->category, i);
        return TRUE;
      }
  return FALSE;
}

const char *
wg_intake_dialog_get_category (WgIntakeDialog *self)
{
  guint i;

  g_return_val_if_fail (WG_IS_INTAKE_DIALOG (self), NULL);

  i = gtk_drop_down_get_selected (self->category);
  return i < self->category_codes->len ? self->category_codes->pdata[i] : NULL;
}

WgGrade
wg_intake_dialog_get_grade (WgIntakeDialog *self)
{
  g_return_val_if_fail (WG_IS_INTAKE_DIALOG (self), WG_GRADE_GENERAL);
  return MIN (gtk_drop_down_get_selected (self->grade), WG_GRADE_EMERGENCY);
}

void
wg_intake_dialog_set_grade (WgIntakeDialog *self,
                            WgGrade         grade)
{
  g_return_if_fail (WG_IS_INTAKE_DIALOG (self));
  gtk_drop_down_set_selected (self->grade, grade);
}

void
wg_intake_dialog_set_location (WgIntakeDialog *self,
                               double          lat,
                               double          lon)
{
  WgGrid *grid;
  g_autofree char *subtitle = NULL;

  g_return_if_fail (WG_IS_INTAKE_DIALOG (self));

  self->lat = lat;
  self->lon = lon;
  self->has_location = TRUE;
  grid = wg_reference_find_grid (wg_context_get_reference (self->context), lat, lon);
  g_free (self->grid);
  self->grid = grid != NULL ? g_strdup (grid->code) : NULL;

  if (grid != NULL)
    subtitle = g_strdup_printf ("%s · %.5f, %.5f", grid->name_zh, lat, lon);
  else
    subtitle = g_strdup_printf (_("Outside the street · %.5f, %.5f"), lat, lon);
  adw_action_row_set_subtitle (self->location_row, subtitle);

  if (self->marker == NULL)
    {
      GtkWidget *pin = gtk_image_new_from_icon_name ("mark-location-symbolic");

      gtk_image_set_pixel_size (GTK_IMAGE (pin), 32);
      gtk_widget_add_css_class (pin, "intake-pin");
      self->marker = shumate_marker_new ();
      shumate_marker_set_child (self->marker, pin);
      shumate_marker_layer_add_marker (self->markers, self->marker);
    }
  shumate_location_set_location (SHUMATE_LOCATION (self->marker), lat, lon);
  update_submit (self);
}

const char *
wg_intake_dialog_get_grid (WgIntakeDialog *self)
{
  g_return_val_if_fail (WG_IS_INTAKE_DIALOG (self), NULL);
  return self->grid;
}

void
wg_intake_dialog_set_summary (WgIntakeDialog *self,
                              const char     *summary)
{
  g_return_if_fail (WG_IS_INTAKE_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->summary), summary ?: "");
}

void
wg_intake_dialog_set_caller (WgIntakeDialog *self,
                             const char     *name,
                             const char     *phone)
{
  g_return_if_fail (WG_IS_INTAKE_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->caller_name), name ?: "");
  gtk_editable_set_text (GTK_EDITABLE (self->caller_phone), phone ?: "");
}

gboolean
wg_intake_dialog_can_submit (WgIntakeDialog *self)
{
  const char *summary;

  g_return_val_if_fail (WG_IS_INTAKE_DIALOG (self), FALSE);

  summary = gtk_editable_get_text (GTK_EDITABLE (self->summary));
  return wg_intake_dialog_get_category (self) != NULL && self->has_location &&
         summary != NULL && *summary != '\0';
}

char *
wg_intake_dialog_submit (WgIntakeDialog  *self,
                         GError         **error)
{
  g_return_val_if_fail (WG_IS_INTAKE_DIALOG (self), NULL);
  return submit_with (self, NULL, error);
}

static char *
submit_with (WgIntakeDialog  *self,
             GPtrArray       *attachments,
             GError         **error)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) location = json_object_new ();
  const char *name, *phone;
  guint source;


  if (!wg_intake_dialog_can_submit (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("Pick a category and a location, and write a summary"));
      return NULL;
    }

  json_object_set_string_member (body, "grade", wg_grade_to_string (wg_intake_dialog_get_grade (self)));
  json_object_set_string_member (body, "category", wg_intake_dialog_get_category (self));
  json_object_set_double_member (location, "lat", self->lat);
  json_object_set_double_member (location, "lon", self->lon);
  json_object_set_object_member (body, "location", g_steal_pointer (&location));
  json_object_set_string_member (body, "summary", gtk_editable_get_text (GTK_EDITABLE (self->summary)));
  if (self->grid != NULL)
    json_object_set_string_member (body, "grid", self->grid);
  source = gtk_drop_down_get_selected (self->source);
  if (source < G_N_ELEMENTS (source_codes) - 1)
    json_object_set_string_member (body, "source", source_codes[source]);
  name = gtk_editable_get_text (GTK_EDITABLE (self->caller_name));
  phone = gtk_editable_get_text (GTK_EDITABLE (self->caller_phone));
  if (*name != '\0' || *phone != '\0')
    {
      JsonObject *caller = json_object_new ();

      if (*name != '\0')
        json_object_set_string_member (caller, "name", name);
      if (*phone != '\0')
        json_object_set_string_member (caller, "phone", phone);
      json_object_set_object_member (body, "caller", caller);
    }
  if (attachments != NULL && attachments->len > 0)
    {
      JsonArray *ids = json_array_new ();

      for (guint i = 0; i < attachments->len; i++)
        json_array_add_string_element (ids, attachments->pdata[i]);
      json_object_set_array_member (body, "attachments", ids);
    }
  return wg_context_send (self->context, WG_CMD_INCIDENT_REPORT, body, error);
}

GtkWidget *
wg_intake_dialog_get_submit_button (WgIntakeDialog *self)
{
  g_return_val_if_fail (WG_IS_INTAKE_DIALOG (self), NULL);
  return self->submit_button;
}
