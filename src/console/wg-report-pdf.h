/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small A4 document writer on cairo's PDF surface and Pango: titles,
 * paragraphs, tables that break across pages (repeating their header),
 * drawings, page numbers.  Fonts are embedded (subset) by cairo; Chinese
 * comes from the CJK font fontconfig finds.  No display is needed.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct _WgPdf WgPdf;

typedef void (*WgPdfDrawFunc) (cairo_t *cr,
                               double   width,
                               double   height,
                               gpointer user_data);

WgPdf   *wg_pdf_new       (const char         *path,
                           const char         *footer,
                           GError            **error);
void     wg_pdf_title     (WgPdf              *self,
                           const char         *text);
void     wg_pdf_heading   (WgPdf              *self,
                           const char         *text);
void     wg_pdf_paragraph (WgPdf              *self,
                           const char         *text);
/* @widths: fractions of the text width, one per column; @rows: GStrv each.
 * Columns from @first_numeric on are right-aligned (G_MAXUINT: none). */
void     wg_pdf_table     (WgPdf              *self,
                           guint               n_columns,
                           const double       *widths,
                           const char * const *header,
                           GPtrArray          *rows,
                           guint               first_numeric);
void     wg_pdf_drawing   (WgPdf              *self,
                           double              height,
                           WgPdfDrawFunc       draw,
                           gpointer            user_data);
guint    wg_pdf_get_n_pages (WgPdf            *self);
/* Writes the file and frees @self. */
gboolean wg_pdf_finish    (WgPdf              *self,
                           GError            **error);

G_END_DECLS
