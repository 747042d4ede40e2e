/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Journal reads: GET /api/v1/journal (pages of the caller's view, from a
 * seq or from a moment) and
 * GET /api/v1/incidents/{id}/events (one incident's events), over the live
 * journal or an exercise's (wg-engine-exercises.c): one code path, the
 * store a parameter.
 */
#define G_LOG_DOMAIN "wg-engine"

#include "config.h"

#include <glib/gi18n.h>

#include "wg-engine-private.h"
#include "wg-event.h"
#include "wg-journal-view.h"
#include "wg-json.h"
#include "wg-problem.h"
#include "wg-store.h"
#include "wg-store-replay.h"

#define JOURNAL_DEFAULT_LIMIT 500
#define JOURNAL_MAX_LIMIT 5000

static char *
json_quote (const char *text)
{
  g_autoptr(JsonNode) node = json_node_init_string (json_node_alloc (), text);

  return json_to_string (node, FALSE);
}

/* The answer's text around the stored events: nothing is parsed or built
 * per event.  @out holds `{"...":...,"events":[` and the events. */
static void
respond_text (SoupServerMessage *msg,
              GString           *out)
{
  gsize length = out->len;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_string_free (out, FALSE), length);
}

void
_wg_engine_respond_journal (WgStore           *store,
                            SoupServerMessage *msg,
                            GHashTable        *query,
                            const WgActor     *actor)
{
  g_autoptr(GError) error = NULL;
  WgJournalViewer viewer;
  gint64 after = 0, from_ts = 0, limit = JOURNAL_DEFAULT_LIMIT, head, last = 0;
  guint n = 0;
  gboolean more;
  GString *out;

  if (!_wg_engine_parse_count (query, "after", 0, G_MAXINT64, &after) ||
      !_wg_engine_parse_count (query, "limit", 1, JOURNAL_MAX_LIMIT, &limit))
    {
      wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                          _("“after” must be a sequence number and “limit” between 1 and 5000"));
      return;
    }
  /* Replay seeks by time (protocol.md, "Replay and exercises"). */
  if (g_hash_table_contains (query, "from_ts"))
    {
      if (g_hash_table_contains (query, "after") ||
          !_wg_engine_parse_count (query, "from_ts", 0, G_MAXINT64, &from_ts))
        {
          wg_problem_respond (msg, SOUP_STATUS_BAD_REQUEST, "invalid-request",
                              _("“from_ts” must be a time in milliseconds since 1970, without “after”"));
          return;
        }
      if (!wg_store_seq_before_ts (store, from_ts, &after, &error))
        {
          wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
          return;
        }
    }

  head = wg_store_head (store);
  if (after > head)
    {
      g_autofree char *detail = g_strdup_printf ("after=%" G_GINT64_FORMAT " is beyond the journal head %" G_GINT64_FORMAT,
                                                 after, head);

      /* The client's cache is ahead of this server: it must resynchronise. */
      wg_problem_respond (msg, SOUP_STATUS_CONFLICT, "seq-beyond-head", detail);
      return;
    }

  wg_journal_viewer_init_from_actor (&viewer, actor);
  /* About 600 bytes an event: one allocation for most pages. */
  out = g_string_sized_new (64 + (gsize) MIN (limit, 1000) * 640);
  g_string_append (out, "{\"events\":[");
  if (!wg_store_append_journal_text (store, &viewer, after, (guint) limit, out, &n, &last, &error))
    {
      g_string_free (out, TRUE);
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  /* A full page is complete only up to its last event. */
  more = n == (guint) limit;
  if (more)
    head = last;
  g_string_append_printf (out, "],\"head\":%" G_GINT64_FORMAT ",\"more\":%s}", head, more ? "true" : "false");
  respond_text (msg, out);
}

void
_wg_engine_get_journal_cb (SoupServerMessage *msg,
                           GHashTable        *params,
                           GHashTable        *query,
                           gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);

  if (actor != NULL)
    _wg_engine_respond_journal (self->store, msg, query, actor);
}

/* One incident's events as the caller may see them, whatever their seq: a
 * department that meets an incident at its routing (after its report), or
 * a unit at its assignment, fetches the report here. */
void
_wg_engine_respond_incident_events (WgStore           *store,
                                    SoupServerMessage *msg,
                                    const char        *id,
                                    const WgActor     *actor)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *id_json = NULL;
  WgJournalViewer viewer;
  guint n = 0;
  GString *out;

  wg_journal_viewer_init_from_actor (&viewer, actor);
  id_json = json_quote (id);
  out = g_string_sized_new (4096);
  g_string_append_printf (out, "{\"incident\":%s,\"head\":%" G_GINT64_FORMAT ",\"events\":[",
                          id_json, wg_store_head (store));
  if (!wg_store_append_incident_text (store, &viewer, id, out, &n, &error))
    {
      g_string_free (out, TRUE);
      wg_problem_respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "storage-failed", error->message);
      return;
    }
  /* Not in the caller's view, or no such incident: the same answer. */
  if (n == 0)
    {
      g_string_free (out, TRUE);
      wg_problem_respond (msg, SOUP_STATUS_NOT_FOUND, "unknown-incident", NULL);
      return;
    }
  g_string_append (out, "]}");
  respond_text (msg, out);
}

void
_wg_engine_get_incident_events_cb (SoupServerMessage *msg,
                                   GHashTable        *params,
                                   GHashTable        *query,
                                   gpointer           user_data)
{
  WgEngine *self = user_data;
  g_autoptr(WgActor) actor = _wg_engine_require_actor (self, msg, 0);

  if (actor != NULL)
    _wg_engine_respond_incident_events (self->store, msg, g_hash_table_lookup (params, "id"), actor);
}
