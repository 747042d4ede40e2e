/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "wg-api-client.h"
#include "wg-reference.h"

G_BEGIN_DECLS

/* A console's copy of the server's reference data: reference.gvariant
 * (the binary reference as the server sent it, wg-reference-blob.h) and
 * reference.gvariant.etag in a folder.  A city's reference is some 15 MB:
 * it is fetched again only when the server's ETag differs, written as it
 * came, and read on a worker thread; the model keeps no JSON tree. */

WgReference *wg_reference_cache_load          (const char           *dir,
                                               GError              **error);
/* Whether @dir holds a copy (that wg_reference_cache_load() then checks). */
gboolean     wg_reference_cache_has_copy      (const char           *dir);

/* GET /api/v1/reference/binary with the copy's ETag.  @need_reference: FALSE when
 * the caller runs on the copy already and only wants it current (then a
 * 304 gives NULL with no error, and a new bundle is checked and saved). */
void         wg_reference_cache_fetch_async   (WgApiClient          *api,
                                               const char           *dir,
                                               gboolean              need_reference,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
/* Returns: (transfer full) (nullable): the reference; NULL with @error
 * unset when it was not needed (see above). */
WgReference *wg_reference_cache_fetch_finish  (GAsyncResult         *result,
                                               WgProblem           **problem,
                                               GError              **error);

G_END_DECLS
