/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wg-report"

#include "config.h"

#include <cairo-pdf.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "wg-report-pdf.h"

/* A4 in points, and the margins of a printed bulletin. */
#define PAGE_WIDTH 595.276
#define PAGE_HEIGHT 841.890
#define MARGIN 56.0
#define TEXT_WIDTH (PAGE_WIDTH - 2 * MARGIN)
#define BOTTOM (PAGE_HEIGHT - MARGIN)
/* Noto CJK or WenQuanYi for the Chinese, whichever fontconfig has. */
#define FONT_FAMILY "Noto Sans CJK SC, WenQuanYi Micro Hei, Sans"

struct _WgPdf
{
  cairo_surface_t *surface;
  cairo_t         *cr;
  char            *footer;
  double           y;
  guint            page;
  gboolean         page_has_content;
};

static PangoLayout *
new_layout (WgPdf      *self,
            const char *text,
            double      size,
            gboolean    bold,
            double      width)
{
  PangoLayout *layout = pango_cairo_create_layout (self->cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string (FONT_FAMILY);

  pango_font_description_set_absolute_size (font, size * PANGO_SCALE);
  pango_font_description_set_weight (font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text (layout, text, -1);
  return layout;
}

static double
layout_height (PangoLayout *layout)
{
  int w, h;

  pango_layout_get_size (layout, &w, &h);
  return (double) h / PANGO_SCALE;
}

static void
draw_footer (WgPdf *self)
{
  g_autofree char *text = g_strdup_printf (_("Page %u"), self->page);
  g_autofree char *line = self->footer != NULL ? g_strdup_printf ("%s · %s", self->footer, text)
                                               : g_strdup (text);
  g_autoptr(PangoLayout) layout = new_layout (self, line, 8, FALSE, TEXT_WIDTH);

  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  cairo_set_source_rgb (self->cr, 0.4, 0.4, 0.4);
  cairo_move_to (self->cr, MARGIN, PAGE_HEIGHT - MARGIN / 2 - 6);
  pango_cairo_show_layout (self->cr, layout);
}

static void
next_page (WgPdf *self)
{
  draw_footer (self);
  cairo_show_page (self->cr);
  self->page++;
  self->y = MARGIN;
  self->page_has_content = FALSE;
}

/* Room for @height more, or a new page. */
static void
need (WgPdf  *self,
      double  height)
{
  if (self->y + height > BOTTOM && self->page_has_content)
    next_page (self);
  self->page_has_content = TRUE;
}

WgPdf *
wg_pdf_new (const char  *path,
            const char  *footer,
            GError     **error)
{
  WgPdf *self;
  cairo_surface_t *surface = cairo_pdf_surface_create (path, PAGE_WIDTH, PAGE_HEIGHT);

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write “%s”: %s"), path,
                   cairo_status_to_string (cairo_surface_status (surface)));
      cairo_surface_destroy (surface);
      return NULL;
    }
  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Wangge");
  self = g_new0 (WgPdf, 1);
  self->surface = surface;
  self->cr = cairo_create (surface);
  self->footer = g_strdup (footer);
  self->y = MARGIN;
  self->page = 1;
  return self;
}

static void
text_block (WgPdf      *self,
            const char *text,
            double      size,
            gboolean    bold,
            double      space_before,
            double      space_after)
{
  g_autoptr(PangoLayout) layout = new_layout (self, text, size, bold, TEXT_WIDTH);
  double h = layout_height (layout);

  if (self->page_has_content)
    self->y += space_before;
  need (self, h);
  cairo_set_source_rgb (self->cr, 0, 0, 0);
  cairo_move_to (self->cr, MARGIN, self->y);
  pango_cairo_show_layout (self->cr, layout);
  self->y += h + space_after;
}

void
wg_pdf_title (WgPdf      *self,
              const char *text)
{
  text_block (self, text, 18, TRUE, 0, 6);
}

void
wg_pdf_heading (WgPdf      *self,
                const char *text)
{
  /* A heading never ends a page alone. */
  if (self->y + 60 > BOTTOM)
    next_page (self);
  text_block (self, text, 12.5, TRUE, 12, 4);
}

void
wg_pdf_paragraph (WgPdf      *self,
                  const char *text)
{
  text_block (self, text, 9.5, FALSE, 0, 4);
}

static double
draw_row (WgPdf              *self,
          guint               n_columns,
          const double       *widths,
          const char * const *cells,
          gboolean            header,
          guint               first_numeric,
          gboolean            measure_only)
{
  double x = MARGIN, height = 0;

  for (guint c = 0; c < n_columns; c++)
    {
      double w = widths[c] * TEXT_WIDTH;
      g_autoptr(PangoLayout) layout = new_layout (self, cells[c] != NULL ? cells[c] : "",
                                                  header ? 7.5 : 8.5, header, w - 6);

      /* Headers break between words only: "Rejecti-on" reads badly. */
      if (header)
        pango_layout_set_wrap (layout, PANGO_WRAP_WORD);
      if (c >= first_numeric)
        pango_layout_set_alignment (layout, PANGO_ALIGN_RIGHT);
      height = MAX (height, layout_height (layout));
      if (!measure_only)
        {
          cairo_move_to (self->cr, x + 3, self->y + 2);
          pango_cairo_show_layout (self->cr, layout);
        }
      x += w;
    }
  return height + 4;
}

static void
draw_header (WgPdf              *self,
             guint               n_columns,
             const double       *widths,
             const char * const *header,
             guint               first_numeric)
{
  double h = draw_row (self, n_columns, widths, header, TRUE, first_numeric, TRUE);

  need (self, 2 * h);
  cairo_set_source_rgb (self->cr, 0.90, 0.92, 0.95);
  cairo_rectangle (self->cr, MARGIN, self->y, TEXT_WIDTH, h);
  cairo_fill (self->cr);
  cairo_set_source_rgb (self->cr, 0, 0, 0);
  draw_row (self, n_columns, widths, header, TRUE, first_numeric, FALSE);
  self->y += h;
}

void
wg_pdf_table (WgPdf              *self,
              guint               n_columns,
              const double       *widths,
              const char * const *header,
              GPtrArray          *rows,
              guint               first_numeric)
{
  self->y += 2;
  draw_header (self, n_columns, widths, header, first_numeric);
  for (guint r = 0; r < rows->len; r++)
    {
      const char * const *cells = rows->pdata[r];
      double h = draw_row (self, n_columns, widths, cells, FALSE, first_numeric, TRUE);

      if (self->y + h > BOTTOM)
        {
          next_page (self);
          draw_header (self, n_columns, widths, header, first_numeric);
        }
      if (r % 2 == 1)
        {
          cairo_set_source_rgb (self->cr, 0.97, 0.97, 0.97);
          cairo_rectangle (self->cr, MARGIN, self->y, TEXT_WIDTH, h);
          cairo_fill (self->cr);
        }
      cairo_set_source_rgb (self->cr, 0, 0, 0);
      draw_row (self, n_columns, widths, cells, FALSE, first_numeric, FALSE);
      self->y += h;
    }
  cairo_set_source_rgb (self->cr, 0.6, 0.6, 0.6);
  cairo_set_line_width (self->cr, 0.5);
  cairo_move_to (self->cr, MARGIN, self->y);
  cairo_line_to (self->cr, MARGIN + TEXT_WIDTH, self->y);
  cairo_stroke (self->cr);
  self->y += 6;
}

void
wg_pdf_drawing (WgPdf         *self,
                double         height,
                WgPdfDrawFunc  draw,
                gpointer       user_data)
{
  need (self, height);
  cairo_save (self->cr);
  cairo_translate (self->cr, MARGIN, self->y);
  cairo_rectangle (self->cr, 0, 0, TEXT_WIDTH, height);
  cairo_clip (self->cr);
  draw (self->cr, TEXT_WIDTH, height, user_data);
  cairo_restore (self->cr);
  self->y += height + 6;
}

guint
wg_pdf_get_n_pages (WgPdf *self)
{
  return self->page;
}

gboolean
wg_pdf_finish (WgPdf   *self,
               GError **error)
{
  cairo_status_t status;

  draw_footer (self);
  cairo_show_page (self->cr);
  cairo_destroy (self->cr);
  cairo_surface_finish (self->surface);
  status = cairo_surface_status (self->surface);
  cairo_surface_destroy (self->surface);
  g_free (self->footer);
  g_free (self);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Cannot write the PDF: %s"),
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
