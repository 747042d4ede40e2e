/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The reference bundle in a form that needs no parsing of its largest
 * part (GET /api/v1/reference/binary, docs/api.md): a serialised GVariant
 * of type WG_REFERENCE_BLOB_TYPE,
 *
 *   y        the writer's byte order, 'l' or 'B' (at offset 0, so it reads
 *            the same either way; a reader of the other order byteswaps),
 *   a{ss}    each bundle member as JSON text, the grids' features without
 *            their "geometry",
 *   aa(bad)  per grid feature, in feature order, its rings: TRUE for a hole
 *            (a polygon's second and later rings), then lon, lat, lon, lat...
 *            closed (the first point repeated at the end).
 *
 * A city's 20,000 grid outlines are most of its bundle; as doubles they
 * are read where they lie.  wg_reference_load_blob() reads it. */

#define WG_REFERENCE_BLOB_TYPE "(ya{ss}aa(bad))"
#define WG_REFERENCE_BLOB_CONTENT_TYPE "application/vnd.wangge.reference+gvariant"

/* The blob of a bundle as GET /api/v1/reference serves it (already
 * checked by the reference's loader). */
GBytes *wg_reference_blob_build (JsonObject  *bundle,
                                 GError     **error);

G_END_DECLS
