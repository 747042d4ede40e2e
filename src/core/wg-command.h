/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A command as on the wire: {"id": "<uuid>", "type": "<command>",
 * "body": {...}}.  Refcounted and immutable once built.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "wg-vocab.h"

G_BEGIN_DECLS

typedef struct _WgCommand WgCommand;

#define WG_TYPE_COMMAND (wg_command_get_type ())

GType          wg_command_get_type     (void) G_GNUC_CONST;
/* Takes a reference on @body (a new empty object when NULL). */
WgCommand     *wg_command_new          (const char    *id,
                                        WgCommandType  type,
                                        JsonObject    *body);
WgCommand     *wg_command_ref          (WgCommand     *self);
void           wg_command_unref        (WgCommand     *self);

const char    *wg_command_get_id       (WgCommand     *self);
WgCommandType  wg_command_get_kind     (WgCommand     *self);
const char    *wg_command_get_type_name (WgCommand    *self);
JsonObject    *wg_command_get_body     (WgCommand     *self);
/* SHA-256 (hex) of the canonical body: the idempotency fingerprint. */
const char    *wg_command_get_body_hash (WgCommand    *self);

/* Codec: WG_ERROR_INVALID_COMMAND for a malformed envelope or unknown type. */
WgCommand     *wg_command_from_json    (JsonNode      *node,
                                        GError       **error);
WgCommand     *wg_command_from_string  (const char    *text,
                                        gssize         length,
                                        GError       **error);
WgCommand     *wg_command_read_strict  (const char    *data,
                                        gsize          length,
                                        guint          max_depth);
JsonNode      *wg_command_to_json      (WgCommand     *self);
char          *wg_command_to_string    (WgCommand     *self);

/* A random v4 UUID string. */
char          *wg_uuid_new             (void);
/* A name-based UUID (SHA-1, v5 layout) from a parent id and a label: ids
 * that decide() derives stay the same on every replay. */
char          *wg_uuid_derive          (const char    *parent,
                                        const char    *label);
gboolean       wg_uuid_is_valid        (const char    *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgCommand, wg_command_unref)

G_END_DECLS
