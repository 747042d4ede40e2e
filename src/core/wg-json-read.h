/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A fast reader for the common case of strict JSON (RFC 8259): the tree
 * json-glib 1.6 builds for the same text, sealed, or NULL when the text
 * has anything it leaves to json-glib (a syntax error, json-glib's own
 * leniencies, a duplicate member, a surrogate escape, an integer of more
 * than 18 digits, a double that overflows).  The caller then parses with
 * json-glib, whose answer (tree or error) stays the reference: this only
 * saves json-glib's scanner on the texts both read alike.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonNode *wg_json_read_strict (const char *data,
                               gsize       length,
                               guint       max_depth);

/* The values of a top-level object's members named in @names, each read
 * (sealed) as wg_json_read_strict() reads it, into @values (NULL for a
 * member absent), without the object itself: the caller keeps only some
 * of it (a command's body).  FALSE, @values all NULL, where
 * wg_json_read_strict() declines and where the object has a member not
 * in @names; then the whole text's reader decides. */
gboolean  wg_json_read_strict_members (const char        *data,
                                       gsize              length,
                                       guint              max_depth,
                                       const char *const *names,
                                       guint              n_names,
                                       JsonNode         **values);

G_END_DECLS
