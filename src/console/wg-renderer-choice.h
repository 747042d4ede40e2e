/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The console renders with cairo where OpenGL is software
 * (wg_prefer_cairo_on_software_gl): finding that out loads Mesa and LLVM
 * when GDK opens the display, a quarter of a warm start's CPU, for a GL
 * the console then does not use.  The answer is remembered in the user's
 * cache for a week; a start within that week that found software GL sets
 * GSK_RENDERER=cairo and GDK_DEBUG=gl-disable before GTK starts.  Call
 * before anything starts a thread or GTK. */
void wg_renderer_choice_apply_remembered (void);
/* What the probe found: remembered (software) or forgotten (hardware). */
void wg_renderer_choice_remember         (gboolean    software,
                                          const char *renderer);

G_END_DECLS
