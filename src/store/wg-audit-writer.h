/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _WgAuditWriter WgAuditWriter;

WgAuditWriter *wg_audit_writer_new   (const char     *accounts_path,
                                      GError        **error);
void           wg_audit_writer_queue (WgAuditWriter  *self,
                                      GPtrArray      *entries);
void           wg_audit_writer_flush (WgAuditWriter  *self);
void           wg_audit_writer_free  (WgAuditWriter  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WgAuditWriter, wg_audit_writer_free)

G_END_DECLS
