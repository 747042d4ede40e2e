/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define WG_OUTBOX_ERROR (wg_outbox_error_quark ())

typedef enum {
  WG_OUTBOX_ERROR_DATABASE,
  WG_OUTBOX_ERROR_DUPLICATE,
  WG_OUTBOX_ERROR_NOT_FOUND,
} WgOutboxError;

GQuark wg_outbox_error_quark (void);

typedef enum {
  WG_OUTBOX_QUEUED,    /* not yet answered by the server */
  WG_OUTBOX_ACCEPTED,  /* applied: its events are in the journal */
  WG_OUTBOX_REFUSED,   /* refused by a rule: shown to its user */
} WgOutboxState;

typedef struct
{
  gint64         position;    /* send order */
  char          *id;          /* the command's id, the same on every retry */
  char          *owner;       /* the user who made it: only their token sends it */
  char          *type;
  char          *body;        /* the command body, JSON */
  gint64         created_ms;
  WgOutboxState  state;
  guint          attempts;
  char          *last_error;  /* why the last try did not get through */
  char          *answer;      /* the server's answer (JSON): events or problem */
} WgOutboxEntry;

void wg_outbox_entry_free (WgOutboxEntry *entry);

typedef struct _WgOutbox WgOutbox;

WgOutbox      *wg_outbox_open            (const char     *path,
                                          GError        **error);
void           wg_outbox_close           (WgOutbox       *self);
gboolean       wg_outbox_enqueue         (WgOutbox       *self,
                                          const char     *owner,
                                          const char     *id,
                                          const char     *type,
                                          const char     *body_json,
                                          gint64          now_ms,
                                          GError        **error);
WgOutboxEntry *wg_outbox_next            (WgOutbox       *self,
                                          const char     *owner,
                                          GError        **error);
gboolean       wg_outbox_record_failure  (WgOutbox       *self,
                                          const char     *id,
                                          const char     *message,
                                          GError        **error);
gboolean       wg_outbox_settle          (WgOutbox       *self,
                                          const char     *id,
                                          WgOutboxState   state,
                                          const char     *answer_json,
                                          gint64          now_ms,
                                          GError        **error);
guint          wg_outbox_count           (WgOutbox       *self,
                                          const char     *owner,
                                          WgOutboxState   state);
GPtrArray     *wg_outbox_list            (WgOutbox       *self,
                                          const char     *owner,
                                          WgOutboxState   state,
                                          GError        **error);
gboolean       wg_outbox_dismiss         (WgOutbox       *self,
                                          const char     *id,
                                          GError        **error);
WgOutboxEntry *wg_outbox_lookup          (WgOutbox       *self,
                                          const char     *id,
                                          GError        **error);
gboolean       wg_outbox_update_body     (WgOutbox       *self,
                                          const char     *id,
                                          const char     *body_json,
                                          GError        **error);
gboolean       wg_outbox_prune_accepted  (WgOutbox       *self,
                                          gint64          before_ms,
                                          GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgOutboxEntry, wg_outbox_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgOutbox, wg_outbox_close)

G_END_DECLS
