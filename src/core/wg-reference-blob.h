/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "wg-reference.h"

G_BEGIN_DECLS

/* The reference bundle in a form that needs no JSON parser for its
 * largest parts (GET /api/v1/reference/binary, docs/api.md): a serialised
 * GVariant of type WG_REFERENCE_BLOB_TYPE,
 *
 *   y        the writer's byte order, 'l' or 'B' (at offset 0, so it reads
 *            the same either way; a reader of the other order byteswaps),
 *   a{ss}    each other bundle member as JSON text (format, timezone,
 *            world, stations, departments, categories, roster, ...),
 *   a(...)   the grids (WG_REFERENCE_BLOB_GRID: code, name_zh, name_en,
 *            kind, parent, case_prefix, level, households, volunteers,
 *            responsible force ids), in code order,
 *   aa(bad)  each grid's rings, in the same order: TRUE for a hole, then
 *            lon, lat, lon, lat, ... closed (the first point repeated),
 *   a(...)   the forces (WG_REFERENCE_BLOB_FORCE: id, type, sub_kind,
 *            name_zh, title_zh, account, speed, lat, lon, members,
 *            capabilities, grid, station, department), in file order.
 *
 * A city's 20,000 grids and 25,000 forces were two thirds of its JSON
 * parse; as records they are read where they lie.
 * wg_reference_load_blob() reads it, with the JSON's checks. */

#define WG_REFERENCE_BLOB_GRID  "(ssmsmsmsmsuuuas)"
#define WG_REFERENCE_BLOB_FORCE "(ssmssmsssdduasmsmsms)"
#define WG_REFERENCE_BLOB_TYPE  "(ya{ss}a" WG_REFERENCE_BLOB_GRID "aa(bad)a" WG_REFERENCE_BLOB_FORCE ")"
#define WG_REFERENCE_BLOB_CONTENT_TYPE "application/vnd.wangge.reference+gvariant"

/* The blob of @reference; @bundle: the bundle as GET /api/v1/reference
 * serves it, for the members kept as JSON. */
GBytes *wg_reference_blob_build (WgReference *reference,
                                 JsonObject  *bundle);

G_END_DECLS
