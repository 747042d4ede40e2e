/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stream's side of the engine: the journal it replays, who each
 * subscriber is (the bearer token) and what each may see of an event.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-account-store.h"
#include "wg-engine-private.h"
#include "wg-error.h"
#include "wg-event.h"
#include "wg-journal-view.h"
#include "wg-reference.h"
#include "wg-store.h"

static gint64
head_cb (gpointer user_data)
{
  WgEngine *self = user_data;

  return wg_store_head (self->store);
}

/* Catch-up pages as the store serves them: the subscriber's view, each
 * event's stored text. */
static gboolean
backlog_cb (const WgStreamIdentity  *who,
            gint64                   after,
            guint                    limit,
            GPtrArray               *texts,
            GArray                  *seqs,
            gpointer                 user_data,
            GError                 **error)
{
  WgEngine *self = user_data;
  WgJournalViewer viewer;

  /* No known role: nothing to see (the filter says the same live). */
  if (!_wg_engine_viewer_from_identity (who, &viewer))
    return TRUE;
  return wg_store_read_journal_texts (self->store, &viewer, after, limit, texts, seqs, error);
}

static gboolean
role_in (const char *role,
         guint       roles)
{
  WgRole r;

  return role != NULL && wg_role_from_string (role, &r) && (ROLE_BIT (r) & roles) != 0;
}

gboolean
_wg_engine_viewer_from_identity (const WgStreamIdentity *who,
                                 WgJournalViewer        *viewer)
{
  *viewer = (WgJournalViewer) { 0 };
  if (who->role == NULL || !wg_role_from_string (who->role, &viewer->role))
    return FALSE;
  viewer->grid = viewer->role == WG_ROLE_GRID_WORKER ? who->grid : NULL;
  viewer->department = viewer->role == WG_ROLE_DEPARTMENT ? who->department : NULL;
  viewer->unit = who->unit;
  return TRUE;
}

/* The store's one rule (wg-journal-view.h), for one committed event. */
static gboolean
event_visible (WgEngine              *self,
               const WgJournalViewer *viewer,
               JsonObject            *event)
{
  g_autoptr(GError) error = NULL;
  JsonNode *incident = json_object_get_member (event, "incident");
  gboolean visible = FALSE;

  if (!wg_store_event_visible (self->store, viewer,
                               json_object_get_int_member_with_default (event, "seq", 0),
                               json_object_get_string_member_with_default (event, "type", NULL),
                               json_object_get_string_member_with_default (event, "subject", NULL),
                               incident != NULL && !JSON_NODE_HOLDS_NULL (incident)
                                 ? json_node_get_string (incident) : NULL,
                               &visible, &error))
    g_warning ("Cannot decide the visibility of an event: %s", error->message);
  return visible;
}

static JsonNode *
redact (WgEngine *self,
        JsonNode *event)
{
  g_autoptr(WgEvent) parsed = NULL;
  g_autoptr(WgEvent) masked = NULL;
  JsonObject *body;

  body = json_object_get_object_member (json_node_get_object (event), "body");
  if (body == NULL || !json_object_has_member (body, "caller"))
    return json_node_ref (event);
  if (self->redact_in == event)
    return json_node_ref (self->redact_out);

  parsed = wg_event_from_json (event, NULL);
  if (parsed == NULL)
    return NULL;   /* never show what cannot be masked */
  masked = wg_event_redact_caller (parsed);
  g_clear_pointer (&self->redact_in, json_node_unref);
  g_clear_pointer (&self->redact_out, json_node_unref);
  self->redact_in = json_node_ref (event);
  self->redact_out = wg_event_to_json (masked);
  return json_node_ref (self->redact_out);
}

/* A public display's text of a committed event: the one the journal
 * stored for it (wg-public-display.h), read once for every wall. */
static JsonNode *
public_text (WgEngine *self,
             JsonNode *event)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  JsonNode *node;

  if (self->public_in == event)
    return json_node_ref (self->public_out);
  text = wg_store_read_event_text (self->store,
                                   json_object_get_int_member_with_default (json_node_get_object (event), "seq", 0),
                                   WG_EVENT_TEXT_PUBLIC, &error);
  node = text != NULL ? json_from_string (text, &error) : NULL;
  if (node == NULL)
    {
      /* Never show what cannot be reduced. */
      g_warning ("Cannot read an event's public text: %s", error != NULL ? error->message : "empty");
      return NULL;
    }
  g_clear_pointer (&self->public_in, json_node_unref);
  g_clear_pointer (&self->public_out, json_node_unref);
  self->public_in = json_node_ref (event);
  self->public_out = node;
  return json_node_ref (self->public_out);
}

/* Live events, per subscriber: by the same rule and with the same text
 * (full, masked or public) as its catch-up pages.  The snapshot filters
 * its events through it too. */
JsonNode *
_wg_engine_filter_cb (const WgStreamIdentity *who,
                      JsonNode               *event,
                      gpointer                user_data)
{
  WgEngine *self = user_data;
  WgJournalViewer viewer;

  if (!_wg_engine_viewer_from_identity (who, &viewer) ||
      !event_visible (self, &viewer, json_node_get_object (event)))
    return NULL;
  switch (wg_journal_viewer_get_text (&viewer))
    {
    case WG_EVENT_TEXT_FULL:
      return json_node_ref (event);
    case WG_EVENT_TEXT_PUBLIC:
      return public_text (self, event);
    case WG_EVENT_TEXT_MASKED:
    default:
      return redact (self, event);
    }
}

/* The events to the stream, in seq order.  With nobody subscribed there
 * is no node to build: a subscriber that comes later starts from the
 * journal (its catch-up), never from what was published before.  TRUE
 * when nodes were built (they share the events' bodies). */
gboolean
_wg_engine_publish_events (WgEngine  *self,
                           GPtrArray *events)
{
  if (wg_stream_hub_get_n_subscribers (wg_server_get_stream_hub (self->server)) == 0)
    return FALSE;
  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      WgEvent *event = g_ptr_array_index (events, i);
      g_autoptr(JsonNode) node = wg_event_to_json (event);

      wg_server_publish_event (self->server, event->seq, node);
    }
  return TRUE;
}

/* ---- identity ---------------------------------------------------------- */

static gboolean
identify_cb (SoupServerMessage  *msg,
             WgStreamIdentity   *identity,
             gpointer            user_data,
             GError            **error)
{
  WgEngine *self = user_data;
  g_autoptr(WgAccount) account = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *token = _wg_engine_bearer_token (msg);
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  const char *method = soup_server_message_get_method (msg);
  GPtrArray *units;

  if (token == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("Log in first: POST /api/v1/session, then send “Authorization: Bearer TOKEN”"));
      return FALSE;
    }
  account = _wg_engine_account_for_token (self, token, &local_error);
  if (account == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           _("The token is unknown, expired or revoked: log in again"));
      return FALSE;
    }
  if (account->disabled)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The account is disabled"));
      return FALSE;
    }

  identity->user = g_strdup (account->username);
  identity->role = g_strdup (account->role);
  identity->grid = g_strdup (account->grid);
  identity->department = g_strdup (account->department);
  identity->unit = g_strdup (account->unit);
  identity->no_positions = !role_in (account->role, READ_ALL_ROLES);

  /* The units this account acts for: its own, and the forces the
   * reference names it the account of. */
  units = g_ptr_array_new ();
  if (account->unit != NULL)
    g_ptr_array_add (units, g_strdup (account->unit));
  if (self->reference != NULL)
    {
      g_autoptr(GPtrArray) forces = wg_reference_dup_forces_for_account (self->reference, account->username);

      for (guint i = 0; forces != NULL && i < forces->len; i++)
        {
          const WgForce *force = g_ptr_array_index (forces, i);

          if (g_strcmp0 (force->id, account->unit) != 0)
            g_ptr_array_add (units, g_strdup (force->id));
        }
    }
  g_ptr_array_add (units, NULL);
  identity->units = (char **) g_ptr_array_free (units, FALSE);

  /* Reads of the live picture of the forces and of who is connected. */
  if ((g_str_equal (path, "/api/v1/presence") || g_str_has_prefix (path, "/api/v1/positions")) &&
      method == SOUP_METHOD_GET && !role_in (account->role, READ_ALL_ROLES))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("This account’s role may not read positions or presence"));
      return FALSE;
    }
  if (g_str_equal (path, "/api/v1/positions") && method == SOUP_METHOD_POST &&
      g_strcmp0 (account->role, "admin") != 0 && identity->units[0] == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("Only accounts that act for a unit post positions"));
      return FALSE;
    }
  return TRUE;
}

void
_wg_engine_stream_init (WgEngine *self)
{
  wg_server_set_journal (self->server, head_cb, backlog_cb, _wg_engine_filter_cb, self);
  wg_server_set_identify_func (self->server, identify_cb, self);
}
