/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A journal event as on the wire: {"seq", "ts", "type", "actor", "role",
 * "command", "subject", "incident", "body"} plus "exercise" when it belongs
 * to an exercise.  actor/role/command are NULL for system events.
 * Refcounted; the store sets seq when it appends.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "wg-vocab.h"

G_BEGIN_DECLS

typedef struct _WgEvent WgEvent;

struct _WgEvent
{
  /*< private >*/
  gatomicrefcount ref_count;

  /*< public, read-only >*/
  gint64       seq;        /* 0 until appended */
  gint64       ts;         /* server time, UTC ms */
  WgEventType  type;
  char        *actor;      /* username, NULL for system events */
  char        *role;       /* role slug, NULL for system events */
  char        *command;    /* command id, NULL for system events */
  char        *subject;    /* id of what changed */
  char        *incident;   /* incident it belongs to, or NULL */
  char        *exercise;   /* exercise id, or NULL for live */
  JsonObject  *body;

  /*< private >*/
  char        *text;        /* wg_event_write_json()'s text, when kept */
  char        *text_masked; /* the same of wg_event_redact_caller(), when it differs */
};

#define WG_TYPE_EVENT (wg_event_get_type ())

GType        wg_event_get_type    (void) G_GNUC_CONST;
/* Takes a reference on @body (a new empty object when NULL). */
WgEvent     *wg_event_new         (WgEventType  type,
                                   gint64       ts,
                                   const char  *actor,
                                   const char  *role,
                                   const char  *command,
                                   const char  *subject,
                                   const char  *incident,
                                   JsonObject  *body);
WgEvent     *wg_event_ref         (WgEvent     *self);
void         wg_event_unref       (WgEvent     *self);
void         wg_event_set_seq     (WgEvent     *self,
                                   gint64       seq);
void         wg_event_set_ts      (WgEvent     *self,
                                   gint64       ts);
void         wg_event_set_exercise (WgEvent    *self,
                                   const char  *exercise);
const char  *wg_event_get_type_name (WgEvent   *self);

/* Codec: WG_ERROR_INVALID_EVENT on anything malformed. */
WgEvent     *wg_event_from_json   (JsonNode    *node,
                                   GError     **error);
WgEvent     *wg_event_from_string (const char  *text,
                                   gssize       length,
                                   GError     **error);
JsonNode    *wg_event_to_json     (WgEvent     *self);
char        *wg_event_to_string   (WgEvent     *self);
void         wg_event_write_json  (WgEvent     *self,
                                   GString     *out);
/* wg_event_write_json_with_body() in pieces: what comes before the body's
 * text (up to "body":), then what comes after it.  The journal writes the
 * head once for an event's full, masked and public texts. */
void         wg_event_write_json_head (WgEvent *self,
                                       GString *out);
void         wg_event_write_json_tail (WgEvent *self,
                                       GString *out);
void         wg_event_write_json_with_body (WgEvent    *self,
                                            const char *body_text,
                                            gsize       body_length,
                                            GString    *out);
/* The texts the store wrote for the journal, kept (taken) for the answer:
 * written once per event, not once more for the client.  @masked NULL:
 * the masked text is the full one.  Changing seq, ts or exercise drops
 * them. */
void         wg_event_keep_texts  (WgEvent     *self,
                                   char        *text,
                                   char        *masked);
/* The kept text (@masked: of wg_event_redact_caller()), or NULL. */
const char  *wg_event_get_text    (WgEvent     *self,
                                   gboolean     masked);
/* The event as roles other than admin, duty leader and dispatcher may see
 * it: a caller's phone number masked ("138****8000").  A new reference to
 * @self when there is nothing to mask. */
WgEvent     *wg_event_redact_caller (WgEvent   *self);
/* A member of the body: the string, or NULL when it is absent, null or
 * not a string; the integer, or 0 when absent or not an integer. */
const char  *wg_event_get_body_string (WgEvent   *self,
                                       const char *member);
gint64       wg_event_get_body_int    (WgEvent   *self,
                                       const char *member);
/* TRUE when both serialise to the same canonical JSON. */
gboolean     wg_event_equal       (WgEvent     *a,
                                   WgEvent     *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgEvent, wg_event_unref)

G_END_DECLS
