/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "wg-context.h"

G_BEGIN_DECLS

/* Call intake (Ctrl+N): category (type to search), grade defaulting from
 * the category, the location clicked on the map with its grid resolved,
 * summary, source and caller; Submit sends incident.report. */
#define WG_TYPE_INTAKE_DIALOG (wg_intake_dialog_get_type ())
G_DECLARE_FINAL_TYPE (WgIntakeDialog, wg_intake_dialog, WG, INTAKE_DIALOG, AdwWindow)

GtkWidget  *wg_intake_dialog_new          (WgContext      *context);
gboolean    wg_intake_dialog_set_category (WgIntakeDialog *self,
                                           const char     *code);
const char *wg_intake_dialog_get_category (WgIntakeDialog *self);
WgGrade     wg_intake_dialog_get_grade    (WgIntakeDialog *self);
void        wg_intake_dialog_set_grade    (WgIntakeDialog *self,
                                           WgGrade         grade);
/* As a click on the map does. */
void        wg_intake_dialog_set_location (WgIntakeDialog *self,
                                           double          lat,
                                           double          lon);
/* The grid resolved for the location, or NULL. */
const char *wg_intake_dialog_get_grid     (WgIntakeDialog *self);
void        wg_intake_dialog_set_summary  (WgIntakeDialog *self,
                                           const char     *summary);
void        wg_intake_dialog_set_caller   (WgIntakeDialog *self,
                                           const char     *name,
                                           const char     *phone);
gboolean    wg_intake_dialog_can_submit   (WgIntakeDialog *self);
/* As the file chooser does (JPEG or PNG); uploaded when Report is pressed,
 * then the report names them. */
void        wg_intake_dialog_add_photo    (WgIntakeDialog *self,
                                           GFile          *file);
guint       wg_intake_dialog_get_n_photos (WgIntakeDialog *self);
/* The Report button (for tests). */
GtkWidget  *wg_intake_dialog_get_submit_button (WgIntakeDialog *self);
/* Sends the report; the command's id, or NULL with @error. */
char       *wg_intake_dialog_submit       (WgIntakeDialog *self,
                                           GError        **error);

G_END_DECLS
