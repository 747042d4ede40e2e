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
 *   y        the layout's version, WG_REFERENCE_BLOB_VERSION (at offset 1;
 *            a reader refuses any other, so a console drops a cached copy
 *            of an older layout and fetches again),
 *   a{ss}    each other bundle member as JSON text (format, timezone,
 *            world, stations, departments, categories, roster, ...),
 *   ay       the texts of the grids and forces, each ended by a NUL, each
 *            once; a text column holds 1 + its index, 0 for none,
 *   aau      the columns of 32-bit values, WgReferenceBlobColumn order,
 *   aad      the columns of doubles, WgReferenceBlobDoubles order.
 *
 * The grids are in code order, the forces in file order; a "start"
 * column has one value more than its table, the first 0, the last the
 * length of the column it cuts into runs (a grid's responsible forces,
 * its rings, a ring's points, a force's capabilities).  Rings are closed
 * (the first point repeated) as in GeoJSON, points lon then lat.
 *
 * A city's 20,000 grids and 25,000 forces were two thirds of its JSON
 * parse; as records of GVariants their reading was half a GVariant per
 * field.  As columns they are read in place, an array at a time.
 * wg_reference_load_blob() reads it, with the JSON's checks. */

#define WG_REFERENCE_BLOB_VERSION 2
#define WG_REFERENCE_BLOB_TYPE    "(yya{ss}ayaauaad)"
#define WG_REFERENCE_BLOB_CONTENT_TYPE "application/vnd.wangge.reference+gvariant"

typedef enum
{
  WG_REFERENCE_BLOB_GRID_CODE,             /* text */
  WG_REFERENCE_BLOB_GRID_NAME_ZH,          /* text */
  WG_REFERENCE_BLOB_GRID_NAME_EN,          /* text */
  WG_REFERENCE_BLOB_GRID_KIND,             /* text */
  WG_REFERENCE_BLOB_GRID_PARENT,           /* text: the parent's code */
  WG_REFERENCE_BLOB_GRID_CASE_PREFIX,      /* text */
  WG_REFERENCE_BLOB_GRID_LEVEL,
  WG_REFERENCE_BLOB_GRID_HOUSEHOLDS,
  WG_REFERENCE_BLOB_GRID_VOLUNTEERS,
  WG_REFERENCE_BLOB_GRID_RESPONSIBLE_START,
  WG_REFERENCE_BLOB_RESPONSIBLE,           /* text: a force's id */
  WG_REFERENCE_BLOB_GRID_RING_START,
  WG_REFERENCE_BLOB_RING_HOLE,             /* 0 or 1 */
  WG_REFERENCE_BLOB_RING_POINT_START,
  WG_REFERENCE_BLOB_FORCE_ID,              /* text */
  WG_REFERENCE_BLOB_FORCE_TYPE,            /* text: a slug */
  WG_REFERENCE_BLOB_FORCE_SUB_KIND,        /* text */
  WG_REFERENCE_BLOB_FORCE_NAME_ZH,         /* text */
  WG_REFERENCE_BLOB_FORCE_TITLE_ZH,        /* text */
  WG_REFERENCE_BLOB_FORCE_ACCOUNT,         /* text */
  WG_REFERENCE_BLOB_FORCE_SPEED,           /* text: a slug */
  WG_REFERENCE_BLOB_FORCE_MEMBERS,
  WG_REFERENCE_BLOB_FORCE_CAPABILITY_START,
  WG_REFERENCE_BLOB_CAPABILITY,            /* text */
  WG_REFERENCE_BLOB_FORCE_GRID,            /* text: a grid's code */
  WG_REFERENCE_BLOB_FORCE_STATION,         /* text: a station's code */
  WG_REFERENCE_BLOB_FORCE_DEPARTMENT,      /* text: a department's code */
  WG_REFERENCE_BLOB_N_COLUMNS
} WgReferenceBlobColumn;

typedef enum
{
  WG_REFERENCE_BLOB_RING_COORDS,           /* lon, lat, lon, lat, ... */
  WG_REFERENCE_BLOB_FORCE_LAT,
  WG_REFERENCE_BLOB_FORCE_LON,
  WG_REFERENCE_BLOB_N_DOUBLES
} WgReferenceBlobDoubles;

/* A blob opened for reading: its columns where they lie, their lengths
 * and cuts checked against each other, every text index in range and
 * every text valid UTF-8.  What it holds is read only; two threads may
 * read one at once. */
typedef struct
{
  GVariant       *variant;
  GVariant       *members;             /* a{ss} */
  const guint32  *column[WG_REFERENCE_BLOB_N_COLUMNS];
  gsize           n_column[WG_REFERENCE_BLOB_N_COLUMNS];
  const double   *doubles[WG_REFERENCE_BLOB_N_DOUBLES];
  gsize           n_doubles[WG_REFERENCE_BLOB_N_DOUBLES];
  const char    **texts;               /* texts[0] NULL, then the table's */
  guint           n_texts;
  guint           n_grids;
  guint           n_rings;
  guint           n_forces;
} WgReferenceBlob;

/* The blob of @reference; @bundle: the bundle as GET /api/v1/reference
 * serves it, for the members kept as JSON. */
GBytes          *wg_reference_blob_build (WgReference *reference,
                                          JsonObject  *bundle);

/* @blob is untrusted: a wrong order mark, version, type, normal form or
 * layout is WG_REFERENCE_ERROR_PARSE. */
WgReferenceBlob *wg_reference_blob_open  (GBytes      *blob,
                                          GError     **error);
void             wg_reference_blob_free  (WgReferenceBlob *self);

/* The text a column's @value names, or NULL for none. */
static inline const char *
wg_reference_blob_text (const WgReferenceBlob *self,
                        guint32                value)
{
  return self->texts[value];
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgReferenceBlob, wg_reference_blob_free)

G_END_DECLS
