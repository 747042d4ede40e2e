/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Removes @path, a file or a directory with all below it; symbolic links
 * are removed, not followed. */
void test_rm_rf (const char *path);

G_END_DECLS
