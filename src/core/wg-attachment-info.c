/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-attachment-info"

#include "config.h"

#include "wg-attachment-info.h"

void
wg_attachment_info_free (WgAttachmentInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->media_type);
  g_free (info->sha256);
  g_free (info);
}

JsonNode *
wg_attachment_info_to_json (const WgAttachmentInfo *info)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  g_return_val_if_fail (info != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, info->id);
  json_builder_set_member_name (builder, "media_type");
  json_builder_add_string_value (builder, info->media_type);
  json_builder_set_member_name (builder, "width");
  json_builder_add_int_value (builder, info->width);
  json_builder_set_member_name (builder, "height");
  json_builder_add_int_value (builder, info->height);
  json_builder_set_member_name (builder, "bytes");
  json_builder_add_int_value (builder, info->bytes);
  json_builder_set_member_name (builder, "sha256");
  json_builder_add_string_value (builder, info->sha256);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
