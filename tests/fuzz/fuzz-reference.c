/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for reference data: a console builds its whole model from
 * the server's GET /api/v1/reference answer, and a centre's IT loads its own
 * files.  The JSON guard, json-glib and wg_reference_load_bundle(), whose
 * refusals must name the item and never crash; and the console's way, the
 * same text split into members (wg_reference_load_bundle_text()).
 *
 *   _build-fuzz/tests/fuzz/fuzz-reference -max_total_time=60 SCRATCH tests/fuzz/corpus/reference
 */
#include <glib.h>
#include <stdint.h>

#include "wg-json-guard.h"
#include "wg-reference.h"

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) node = wg_json_parse_untrusted_data ((const char *) data, size, 64, NULL);
  g_autoptr(WgReference) reference = NULL;
  g_autoptr(WgReference) from_text = wg_reference_load_bundle_text ((const char *) data, size, NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return 0;

  reference = wg_reference_load_bundle (json_node_get_object (node), NULL);
  if (reference != NULL)
    {
      double lat, lon;

      wg_reference_get_centre (reference, &lat, &lon);
      wg_reference_find_grid (reference, lat, lon);
    }
  return 0;
}
