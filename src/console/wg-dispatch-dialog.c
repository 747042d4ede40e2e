/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-dispatch-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-console-util.h"
#include "wg-decide.h"
#include "wg-dispatch-dialog.h"
#include "wg-error.h"
#include "wg-geo.h"

/* Ranking */

void
wg_dispatch_facts_free (WgDispatchFacts *facts)
{
  wg_incident_record_clear (&facts->incident);
  g_clear_pointer (&facts->busy, g_hash_table_unref);
  g_free (facts);
}

gpointer
wg_dispatch_read_facts (WgStore  *store,
                        gpointer  incident,
                        GError  **error)
{
  g_autoptr(WgDispatchFacts) facts = g_new0 (WgDispatchFacts, 1);
  g_autoptr(GPtrArray) units = NULL;
  GError *local_error = NULL;

  if (!wg_store_get_incident (store, incident, &facts->incident, &local_error) && local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  units = wg_store_list_units (store, error);
  if (units == NULL)
    return NULL;
  /* A force the cache does not know is not busy: nothing says it is. */
  facts->busy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < units->len; i++)
    {
      WgUnitRecord *unit = units->pdata[i];

      if (unit->status != WG_UNIT_AVAILABLE || unit->open_assignments > 0)
        g_hash_table_add (facts->busy, g_strdup (unit->id));
    }
  return g_steal_pointer (&facts);
}

static int
compare_rank_eta (gconstpointer a,
                  gconstpointer b)
{
  const WgDispatchCandidate *ca = a, *cb = b;

  if (ca->in_plan != cb->in_plan)
    return ca->in_plan ? -1 : 1;
  if (ca->own_grid != cb->own_grid)
    return ca->own_grid ? -1 : 1;
  if (ca->rank_eta_s != cb->rank_eta_s)
    return ca->rank_eta_s < cb->rank_eta_s ? -1 : 1;
  return g_strcmp0 (ca->force->id, cb->force->id);
}

/* The grid worker responsible for the incident's grid, or NULL. */
static WgForce *
own_grid_worker (WgReference            *reference,
                 const WgIncidentRecord *incident)
{
  WgGrid *grid = incident->grid != NULL ? wg_reference_lookup_grid (reference, incident->grid) : NULL;

  for (guint i = 0; grid != NULL && grid->responsible != NULL && i < grid->responsible->len; i++)
    {
      WgForce *force = grid->responsible->pdata[i];

      if (force->type == WG_FORCE_GRID_WORKER)
        return force;
    }
  return NULL;
}

GArray *
wg_dispatch_rank (WgContext              *context,
                  const WgIncidentRecord *incident,
                  GHashTable             *busy,
                  guint                   max_others)
{
  WgReference *reference;
  WgCategory *category;
  WgForce *own_worker;
  GPtrArray *forces;
  g_autoptr(GArray) all = g_array_new (FALSE, TRUE, sizeof (WgDispatchCandidate));
  GArray *ranked = g_array_new (FALSE, TRUE, sizeof (WgDispatchCandidate));
  guint n_others = 0;

  g_return_val_if_fail (WG_IS_CONTEXT (context), ranked);
  g_return_val_if_fail (incident != NULL, ranked);
  g_return_val_if_fail (busy != NULL, ranked);

  reference = wg_context_get_reference (context);
  category = wg_reference_lookup_category (reference, incident->category);
  forces = wg_reference_get_forces (reference);
  own_worker = own_grid_worker (reference, incident);

  for (guint i = 0; i < forces->len; i++)
    {
      WgForce *force = forces->pdata[i];
      WgDispatchCandidate c = { force, 0, };
      double lat, lon;

      if (g_hash_table_contains (busy, force->id))
        continue;
      c.position_age_ms = wg_context_force_position (context, force, &lat, &lon);
      c.distance_m = wg_geo_distance_m (lat, lon, incident->lat, incident->lon);
      c.eta_s = wg_force_eta_seconds (force, lat, lon, incident->lat, incident->lon);
      /* A force last seen long ago may have moved off since: rank it as if
       * half of that time (at most 15 minutes' worth) farther away. */
      c.stale = c.position_age_ms < 0 || c.position_age_ms > WG_DISPATCH_STALE_MS;
      if (!c.stale)
        c.rank_eta_s = c.eta_s;
      else if (c.position_age_ms < 0)
        c.rank_eta_s = c.eta_s + 0.5 * 900;
      else
        c.rank_eta_s = c.eta_s + 0.5 * MIN (c.position_age_ms / 1000.0, 900);
      g_array_append_val (all, c);
    }
  g_array_sort (all, compare_rank_eta);

  /* The plan: for each step, the nearest forces of its type; but the
   * grid's own worker, when free, is the first grid worker on scene, as
   * in the server's plans: it knows the place and the people. */
  for (guint s = 0; category != NULL && s < category->n_response_steps; s++)
    {
      const WgResponseStep *step = &category->response_plan[s];
      guint picked = 0;

      for (guint i = 0; step->type == WG_FORCE_GRID_WORKER && own_worker != NULL && i < all->len; i++)
        {
          WgDispatchCandidate *c = &g_array_index (all, WgDispatchCandidate, i);

          if (c->force != own_worker || c->in_plan || step->count == 0)
            continue;
          c->in_plan = TRUE;
          c->own_grid = TRUE;
          picked++;
        }
      for (guint i = 0; i < all->len && picked < step->count; i++)
        {
          WgDispatchCandidate *c = &g_array_index (all, WgDispatchCandidate, i);

          if (c->in_plan || c->force->type != step->type)
            continue;
          c->in_plan = TRUE;
          picked++;
        }
    }
  g_array_sort (all, compare_rank_eta);

  for (guint i = 0; i < all->len; i++)
    {
      WgDispatchCandidate *c = &g_array_index (all, WgDispatchCandidate, i);

      if (!c->in_plan)
        {
          /* Five heads and volunteer teams are called, not dispatched one
           * by one, unless the plan asks for them. */
          if (c->force->type == WG_FORCE_FIVE_HEAD || n_others >= max_others)
            continue;
          n_others++;
        }
      g_array_append_val (ranked, *c);
    }
  return ranked;
}

/* The dialog */

struct _WgDispatchDialog
{
  AdwWindow     parent_instance;

  WgContext    *context;
  char         *incident;
  GArray       *candidates;
  GPtrArray    *checks;       /* GtkCheckButton*, parallel to candidates */
  char         *pending_id;
  char         *error;

  AdwWindowTitle *title;
  GtkListBox   *list;
  GtkWidget    *dispatch_button;
  GtkWidget    *spinner;
  GtkLabel     *status_label;
  GtkRevealer  *error_revealer;
  GtkLabel     *error_label;
  GCancellable *reading;      /* the incident and the forces' state, from the cache */
};

G_DEFINE_FINAL_TYPE (WgDispatchDialog, wg_dispatch_dialog, ADW_TYPE_WINDOW)

static void
update_button (WgDispatchDialog *self)
{
  guint n = 0;
  g_autofree char *label = NULL;

  for (guint i = 0; i < self->checks->len; i++)
    if (gtk_check_button_get_active (self->checks->pdata[i]))
      n++;
  label = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "_Dispatch %u Unit", "_Dispatch %u Units", n), n);
  gtk_button_set_label (GTK_BUTTON (self->dispatch_button), label);
  gtk_widget_set_sensitive (self->dispatch_button, n > 0 && self->pending_id == NULL);
}

static void
clear_list (WgDispatchDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_ptr_array_set_size (self->checks, 0);
  g_clear_pointer (&self->candidates, g_array_unref);
  self->candidates = g_array_new (FALSE, TRUE, sizeof (WgDispatchCandidate));
}

static void
facts_read (GObject      *owner,
            gpointer      answer,
            const GError *error)
{
  WgDispatchDialog *self = WG_DISPATCH_DIALOG (owner);
  g_autoptr(WgDispatchFacts) facts = answer;
  const WgIncidentRecord *record;

  clear_list (self);
  if (facts == NULL)
    g_warning ("Could not read the forces for %s: %s", self->incident, error->message);
  if (facts == NULL || facts->incident.id == NULL)
    {
      update_button (self);
      return;
    }
  record = &facts->incident;
  adw_window_title_set_subtitle (self->title, record->case_number);

  g_array_unref (self->candidates);
  self->candidates = wg_dispatch_rank (self->context, record, facts->busy, 24);
  for (guint i = 0; i < self->candidates->len; i++)
    {
      WgDispatchCandidate *c = &g_array_index (self->candidates, WgDispatchCandidate, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *eta = wg_format_duration ((gint64) (c->eta_s * 1000));
      g_autofree char *distance = c->distance_m < 1000
                                  ? g_strdup_printf (_("%.0f m"), c->distance_m)
                                  : g_strdup_printf (_("%.1f km"), c->distance_m / 1000);

      if (c->force->title_zh != NULL)
        title = g_strdup_printf ("%s · %s", c->force->name_zh, c->force->title_zh);
      else
        title = g_strdup (c->force->name_zh);
      /* TRANSLATORS: force type, distance, estimated time of arrival */
      subtitle = g_strdup_printf (_("%s · %s · ETA %s%s"), wg_force_type_label (c->force->type),
                                  distance, eta, c->stale ? _(" · position stale") : "");
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      if (c->in_plan)
        {
          /* TRANSLATORS: the response plan's pick that is the incident grid's own worker */
          GtkWidget *tag = gtk_label_new (c->own_grid ? _("Plan · Own Grid") : _("Plan"));

          gtk_widget_add_css_class (tag, "plan-tag");
          gtk_widget_set_valign (tag, GTK_ALIGN_CENTER);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), tag);
        }
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), c->in_plan);
      g_signal_connect_object (check, "toggled", G_CALLBACK (update_button), self, G_CONNECT_SWAPPED);
      g_ptr_array_add (self->checks, check);
      gtk_list_box_append (self->list, row);
    }
  update_button (self);
}

/* The list follows the cache as it is now (wg_context_read_cache: off
 * the main loop with a server); until the answer, it is empty and
 * nothing can be dispatched. */
static void
fill_list (WgDispatchDialog *self)
{
  wg_context_read_cache (self->context, wg_dispatch_read_facts, g_strdup (self->incident), g_free,
                         (GDestroyNotify) wg_dispatch_facts_free, &self->reading, facts_read, G_OBJECT (self));
}

static void
set_pending (WgDispatchDialog *self,
             const char       *id)
{
  g_free (self->pending_id);
  self->pending_id = g_strdup (id);
  gtk_widget_set_visible (self->spinner, id != NULL);
  gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), id != NULL);
  gtk_label_set_label (self->status_label, id != NULL ? _("Waiting for the server to confirm…") : "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->list), id == NULL);
  update_button (self);
}

static void
show_refusal (WgDispatchDialog *self,
              const char       *code,
              const char       *detail)
{
  g_free (self->error);
  if (g_strcmp0 (code, "unit-unavailable") == 0)
    self->error = g_strdup (_("A unit was taken by another console at the same moment. "
                              "Nothing was dispatched; the list is up to date again."));
  else
    self->error = g_strdup_printf (_("Not dispatched: %s"), detail ?: code ?: _("refused"));
  gtk_label_set_label (self->error_label, self->error);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
  fill_list (self);
}

static void
command_settled_cb (WgDispatchDialog *self,
                    const char       *id,
                    gboolean          accepted,
                    const char       *code,
                    const char       *detail)
{
  if (self->pending_id == NULL || g_strcmp0 (id, self->pending_id) != 0)
    return;
  set_pending (self, NULL);
  if (accepted)
    gtk_window_close (GTK_WINDOW (self));
  else
    show_refusal (self, code, detail);
}

void
wg_dispatch_dialog_dispatch (WgDispatchDialog *self)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonArray) units = json_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  g_auto(GStrv) selected = NULL;

  g_return_if_fail (WG_IS_DISPATCH_DIALOG (self));

  if (self->pending_id != NULL)
    return;
  selected = wg_dispatch_dialog_dup_selected (self);
  if (selected[0] == NULL)
    return;
  for (guint i = 0; selected[i] != NULL; i++)
    json_array_add_string_element (units, selected[i]);
  json_object_set_string_member (body, "incident", self->incident);
  json_object_set_array_member (body, "units", g_steal_pointer (&units));

  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  g_clear_pointer (&self->error, g_free);

  id = wg_context_send (self->context, WG_CMD_DISPATCH_ASSIGN, body, &error);
  if (id == NULL)
    {
      g_autofree char *code = NULL;

      if (error->domain == WG_ERROR)
        code = g_strdup (wg_error_code_to_slug (error->code));
      show_refusal (self, code, error->message);
      return;
    }
  if (wg_context_get_sync_client (self->context) == NULL)
    {
      /* Run locally: already applied. */
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  set_pending (self, id);
}

static void
dispatch_clicked_cb (WgDispatchDialog *self)
{
  wg_dispatch_dialog_dispatch (self);
}

static gboolean
key_pressed_cb (WgDispatchDialog      *self,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        state,
                GtkEventControllerKey *controller)
{
  if (keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter)
    {
      wg_dispatch_dialog_dispatch (self);
      return TRUE;
    }
  if (keyval == GDK_KEY_Escape)
    {
      gtk_window_close (GTK_WINDOW (self));
      return TRUE;
    }
  return FALSE;
}

static void
wg_dispatch_dialog_dispose (GObject *object)
{
  WgDispatchDialog *self = WG_DISPATCH_DIALOG (object);

  wg_context_cancel_read (&self->reading);
  if (self->context != NULL)
    g_signal_handlers_disconnect_by_data (self->context, self);
  g_clear_object (&self->context);
  gtk_widget_dispose_template (GTK_WIDGET (self), WG_TYPE_DISPATCH_DIALOG);

  G_OBJECT_CLASS (wg_dispatch_dialog_parent_class)->dispose (object);
}

static void
wg_dispatch_dialog_finalize (GObject *object)
{
  WgDispatchDialog *self = WG_DISPATCH_DIALOG (object);

  g_clear_pointer (&self->incident, g_free);
  g_clear_pointer (&self->candidates, g_array_unref);
  g_clear_pointer (&self->checks, g_ptr_array_unref);
  g_clear_pointer (&self->pending_id, g_free);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (wg_dispatch_dialog_parent_class)->finalize (object);
}

static void
wg_dispatch_dialog_class_init (WgDispatchDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wg_dispatch_dialog_dispose;
  object_class->finalize = wg_dispatch_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_BASE_PATH "/wg-dispatch-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, WgDispatchDialog, title);
  gtk_widget_class_bind_template_child (widget_class, WgDispatchDialog, list);
  gtk_widget_class_bind_template_child (widget_class, WgDispatchDialog, dispatch_button);
  gtk_widget_class_bind_template_child (widget_class, WgDispatchDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, WgDispatchDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, WgDispatchDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, WgDispatchDialog, error_label);
  gtk_widget_class_bind_template_callback (widget_class, dispatch_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_pressed_cb);
}

static void
wg_dispatch_dialog_init (WgDispatchDialog *self)
{
  self->checks = g_ptr_array_new ();
  self->candidates = g_array_new (FALSE, TRUE, sizeof (WgDispatchCandidate));
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
wg_dispatch_dialog_new (WgContext  *context,
                        const char *incident)
{
  WgDispatchDialog *self;

  g_return_val_if_fail (WG_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (incident != NULL, NULL);

  self = g_object_new (WG_TYPE_DISPATCH_DIALOG, NULL);
  self->context = g_object_ref (context);
  self->incident = g_strdup (incident);
  g_signal_connect_object (context, "command-settled", G_CALLBACK (command_settled_cb), self,
                           G_CONNECT_SWAPPED);
  fill_list (self);
  return GTK_WIDGET (self);
}

GArray *
wg_dispatch_dialog_get_candidates (WgDispatchDialog *self)
{
  g_return_val_if_fail (WG_IS_DISPATCH_DIALOG (self), NULL);
  return self->candidates;
}

GStrv
wg_dispatch_dialog_dup_selected (WgDispatchDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (WG_IS_DISPATCH_DIALOG (self), NULL);

  for (guint i = 0; i < self->checks->len; i++)
    if (gtk_check_button_get_active (self->checks->pdata[i]))
      g_strv_builder_add (builder, g_array_index (self->candidates, WgDispatchCandidate, i).force->id);
  return g_strv_builder_end (builder);
}

void
wg_dispatch_dialog_set_selected (WgDispatchDialog *self,
                                 const char       *unit,
                                 gboolean          selected)
{
  g_return_if_fail (WG_IS_DISPATCH_DIALOG (self));

  for (guint i = 0; i < self->checks->len; i++)
    if (g_strcmp0 (g_array_index (self->candidates, WgDispatchCandidate, i).force->id, unit) == 0)
      gtk_check_button_set_active (self->checks->pdata[i], selected);
}

gboolean
wg_dispatch_dialog_is_ready (WgDispatchDialog *self)
{
  g_return_val_if_fail (WG_IS_DISPATCH_DIALOG (self), FALSE);
  return self->reading == NULL;
}

gboolean
wg_dispatch_dialog_is_pending (WgDispatchDialog *self)
{
  g_return_val_if_fail (WG_IS_DISPATCH_DIALOG (self), FALSE);
  return self->pending_id != NULL;
}

const char *
wg_dispatch_dialog_get_error (WgDispatchDialog *self)
{
  g_return_val_if_fail (WG_IS_DISPATCH_DIALOG (self), NULL);
  return self->error;
}
