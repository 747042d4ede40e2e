/* SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Field photos for the simulator, drawn with cairo: no image files from
 * elsewhere. Each picture is deterministic from its seed (GRand is a
 * Mersenne Twister, the same on every machine); the scene's layout, its
 * clutter and the sensor grain draw from three separate streams, so a
 * "repaired" photo with the same seed shows the same place, tidied.
 */
#define G_LOG_DOMAIN "wg-sim-photo"

#include "config.h"

#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>
#include <string.h>

#include "wg-sim-photo.h"

/* Scenes are drawn on a 960 x 720 canvas, scaled to the size asked for. */
#define CANVAS_W 960.0
#define CANVAS_H 720.0

WgSimPhotoScene
wg_sim_photo_scene_for_category (const char *category)
{
  static const struct {
    const char      *word;
    WgSimPhotoScene  scene;
  } words[] = {
    { "structure", WG_SIM_PHOTO_ILLEGAL_STRUCTURE },
    { "building", WG_SIM_PHOTO_ILLEGAL_STRUCTURE },
    { "fire_lane", WG_SIM_PHOTO_FIRE_LANE },
    { "fire-lane", WG_SIM_PHOTO_FIRE_LANE },
    { "parking", WG_SIM_PHOTO_FIRE_LANE },
    { "garbage", WG_SIM_PHOTO_GARBAGE },
    { "waste", WG_SIM_PHOTO_GARBAGE },
    { "litter", WG_SIM_PHOTO_GARBAGE },
    { "sanitation", WG_SIM_PHOTO_GARBAGE },
    { "road", WG_SIM_PHOTO_ROAD_DAMAGE },
    { "pothole", WG_SIM_PHOTO_ROAD_DAMAGE },
  };

  if (category == NULL)
    return WG_SIM_PHOTO_NONE;
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (strstr (category, words[i].word) != NULL)
      return words[i].scene;
  return WG_SIM_PHOTO_NONE;
}

const char *
wg_sim_photo_media_type (WgSimPhotoFormat format)
{
  return format == WG_SIM_PHOTO_JPEG ? "image/jpeg" : "image/png";
}

static double
range (GRand  *rand,
       double  lo,
       double  hi)
{
  return g_rand_double_range (rand, lo, hi);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_sky (cairo_t *cr,
          GRand   *layout,
          double   horizon)
{
  cairo_pattern_t *sky = cairo_pattern_create_linear (0, 0, 0, horizon);
  double haze = range (layout, 0.0, 0.15);

  cairo_pattern_add_color_stop_rgb (sky, 0, 0.45 + haze, 0.62 + haze, 0.82);
  cairo_pattern_add_color_stop_rgb (sky, 1, 0.78 + haze / 2, 0.84 + haze / 2, 0.88);
  cairo_set_source (cr, sky);
  cairo_rectangle (cr, 0, 0, CANVAS_W, horizon);
  cairo_fill (cr);
  cairo_pattern_destroy (sky);

  /* a few soft clouds */
  for (int i = 0; i < 4; i++)
    {
      double cx = range (layout, 0, CANVAS_W), cy = range (layout, 20, horizon * 0.6);

      cairo_save (cr);
      cairo_translate (cr, cx, cy);
      cairo_scale (cr, range (layout, 60, 140), range (layout, 14, 30));
      cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
      cairo_restore (cr);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.35);
      cairo_fill (cr);
    }
}

static void
draw_windows (cairo_t *cr,
              GRand   *layout,
              double   x,
              double   y,
              double   w,
              double   h)
{
  int cols = (int) (w / 70), rows = (int) (h / 80);

  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        double wx = x + 20 + c * (w - 40) / cols, wy = y + 20 + r * (h - 30) / rows;
        double lit = range (layout, 0, 1);

        cairo_rectangle (cr, wx, wy, (w - 40) / cols - 22, (h - 30) / rows - 30);
        if (lit > 0.8)
          cairo_set_source_rgb (cr, 0.85, 0.82, 0.65);
        else
          cairo_set_source_rgb (cr, 0.30 + lit * 0.1, 0.38 + lit * 0.1, 0.45);
        cairo_fill_preserve (cr);
        cairo_set_source_rgb (cr, 0.85, 0.85, 0.82);
        cairo_set_line_width (cr, 3);
        cairo_stroke (cr);
      }
}

static void
draw_structure (cairo_t  *cr,
                GRand    *layout,
                GRand    *clutter,
                gboolean  repaired)
{
  double roof = range (layout, 380, 430);
  double shed_x = range (layout, 180, 420), shed_w = range (layout, 300, 420);
  double shed_h = range (layout, 120, 160);

  draw_sky (cr, layout, roof);

  /* a neighbouring tower in the distance */
  cairo_rectangle (cr, range (layout, 600, 760), roof - range (layout, 180, 260), 180, 400);
  cairo_set_source_rgb (cr, 0.62, 0.64, 0.66);
  cairo_fill (cr);

  /* the roof deck seen from a higher building, then the parapet */
  cairo_rectangle (cr, 0, roof, CANVAS_W, CANVAS_H - roof);
  cairo_set_source_rgb (cr, 0.56, 0.54, 0.50);
  cairo_fill (cr);
  for (double y = roof + 20; y < CANVAS_H; y += 44)
    {
      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, CANVAS_W, y + 10);
    }
  cairo_set_source_rgba (cr, 0.3, 0.3, 0.28, 0.3);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);

  /* water tank and vent: part of the place, there after the repair too */
  cairo_rectangle (cr, 760, roof - 70, 110, 90);
  cairo_set_source_rgb (cr, 0.78, 0.78, 0.76);
  cairo_fill (cr);
  cairo_rectangle (cr, 60, roof - 30, 40, 50);
  cairo_set_source_rgb (cr, 0.45, 0.45, 0.45);
  cairo_fill (cr);

  if (!repaired)
    {
      /* a blue corrugated steel shed, as they are built on Chinese rooftops */
      double top = roof - shed_h + 60;

      cairo_move_to (cr, shed_x - 12, top + 12);
      cairo_line_to (cr, shed_x + shed_w / 2, top - 30);
      cairo_line_to (cr, shed_x + shed_w + 12, top + 12);
      cairo_close_path (cr);
      cairo_set_source_rgb (cr, 0.12, 0.36, 0.68);
      cairo_fill (cr);
      cairo_rectangle (cr, shed_x, top, shed_w, shed_h);
      cairo_set_source_rgb (cr, 0.16, 0.45, 0.78);
      cairo_fill (cr);
      for (double x = shed_x + 8; x < shed_x + shed_w; x += 14)
        {
          cairo_move_to (cr, x, top);
          cairo_line_to (cr, x, top + shed_h);
        }
      cairo_set_source_rgba (cr, 0.05, 0.2, 0.45, 0.6);
      cairo_set_line_width (cr, 3);
      cairo_stroke (cr);
      /* door and a window */
      cairo_rectangle (cr, shed_x + shed_w * 0.15, top + shed_h - 110, 60, 110);
      cairo_set_source_rgb (cr, 0.75, 0.75, 0.72);
      cairo_fill (cr);
      cairo_rectangle (cr, shed_x + shed_w * 0.6, top + 30, 80, 50);
      cairo_set_source_rgb (cr, 0.25, 0.3, 0.35);
      cairo_fill (cr);
      /* building materials lying around */
      for (int i = 0; i < 5; i++)
        {
          cairo_rectangle (cr, range (clutter, 80, 860), range (clutter, roof + 140, CANVAS_H - 120),
                           range (clutter, 60, 160), range (clutter, 8, 18));
          cairo_set_source_rgb (cr, 0.6, 0.45, 0.3);
          cairo_fill (cr);
        }
    }
  else
    {
      /* where the shed stood: cleaner concrete and bolt stubs */
      cairo_rectangle (cr, shed_x, roof + 40, shed_w, 40);
      cairo_set_source_rgba (cr, 0.7, 0.68, 0.64, 0.6);
      cairo_fill (cr);
      for (double x = shed_x + 10; x < shed_x + shed_w; x += shed_w / 5)
        {
          cairo_arc (cr, x, roof + 60, 4, 0, 2 * G_PI);
          cairo_set_source_rgb (cr, 0.35, 0.33, 0.3);
          cairo_fill (cr);
        }
    }

  /* the parapet in the foreground */
  cairo_rectangle (cr, 0, CANVAS_H - 90, CANVAS_W, 90);
  cairo_set_source_rgb (cr, 0.72, 0.70, 0.66);
  cairo_fill (cr);
}

static void
draw_car (cairo_t *cr,
          double   x,
          double   y,
          double   scale,
          double   r,
          double   g,
          double   b)
{
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, scale, scale);
  /* body, roof, windows, wheels: a car seen from behind-left */
  rounded_rect (cr, -90, -60, 180, 60, 14);
  cairo_set_source_rgb (cr, r, g, b);
  cairo_fill (cr);
  rounded_rect (cr, -60, -100, 120, 48, 12);
  cairo_fill (cr);
  rounded_rect (cr, -50, -94, 100, 34, 6);
  cairo_set_source_rgb (cr, 0.2, 0.25, 0.3);
  cairo_fill (cr);
  cairo_rectangle (cr, -80, -40, 26, 12);
  cairo_rectangle (cr, 54, -40, 26, 12);
  cairo_set_source_rgb (cr, 0.8, 0.1, 0.1);
  cairo_fill (cr);
  cairo_rectangle (cr, -30, -30, 60, 16);
  cairo_set_source_rgb (cr, 0.15, 0.3, 0.75);
  cairo_fill (cr);
  cairo_arc (cr, -58, 0, 22, 0, 2 * G_PI);
  cairo_arc (cr, 58, 0, 22, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 0.08, 0.08, 0.08);
  cairo_fill (cr);
  cairo_restore (cr);
}

static void
draw_no_parking_sign (cairo_t *cr,
                      double   x,
                      double   y)
{
  /* post, then a red-white striped board and the no-stopping roundel */
  cairo_rectangle (cr, x - 5, y, 10, 220);
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.52);
  cairo_fill (cr);
  cairo_rectangle (cr, x - 60, y - 90, 120, 90);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  cairo_save (cr);
  cairo_rectangle (cr, x - 60, y - 90, 120, 90);
  cairo_clip (cr);
  for (double s = -200; s < 200; s += 36)
    {
      cairo_move_to (cr, x + s, y - 90);
      cairo_line_to (cr, x + s + 18, y - 90);
      cairo_line_to (cr, x + s + 18 + 90, y);
      cairo_line_to (cr, x + s + 90, y);
      cairo_close_path (cr);
    }
  cairo_set_source_rgb (cr, 0.85, 0.1, 0.1);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_arc (cr, x, y - 45, 30, 0, 2 * G_PI);
  cairo_set_source_rgb (cr, 0.1, 0.3, 0.75);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 0.85, 0.1, 0.1);
  cairo_set_line_width (cr, 8);
  cairo_stroke (cr);
  cairo_move_to (cr, x - 20, y - 65);
  cairo_line_to (cr, x + 20, y - 25);
  cairo_move_to (cr, x + 20, y - 65);
  cairo_line_to (cr, x - 20, y - 25);
  cairo_stroke (cr);
}

static void
draw_fire_lane (cairo_t  *cr,
                GRand    *layout,
                GRand    *clutter,
                gboolean  repaired)
{
  double horizon = range (layout, 280, 330);
  double vanish = range (layout, 420, 540);
  static const double colours[][3] = {
    { 0.85, 0.85, 0.85 }, { 0.1, 0.1, 0.12 }, { 0.6, 0.08, 0.08 },
    { 0.75, 0.75, 0.78 }, { 0.2, 0.3, 0.5 }, { 0.9, 0.9, 0.88 },
  };

  draw_sky (cr, layout, horizon);
  /* paving between the blocks */
  cairo_rectangle (cr, 0, horizon - 10, CANVAS_W, CANVAS_H - horizon + 10);
  cairo_set_source_rgb (cr, 0.66, 0.64, 0.6);
  cairo_fill (cr);
  /* distant blocks closing the lane */
  cairo_rectangle (cr, vanish - 160, horizon - 120, 320, 140);
  cairo_set_source_rgb (cr, 0.74, 0.72, 0.7);
  cairo_fill (cr);

  /* residential blocks on both sides, receding */
  for (int side = 0; side < 2; side++)
    {
      double near_x = side == 0 ? 0 : CANVAS_W;
      double far_x = side == 0 ? vanish - 120 : vanish + 120;

      cairo_move_to (cr, near_x, 0);
      cairo_line_to (cr, far_x, horizon - 160);
      cairo_line_to (cr, far_x, horizon + 20);
      cairo_line_to (cr, near_x, CANVAS_H * 0.72);
      cairo_close_path (cr);
      cairo_set_source_rgb (cr, 0.80 - side * 0.08, 0.74 - side * 0.06, 0.66);
      cairo_fill (cr);
    }
  draw_windows (cr, layout, 10, 40, 200, 260);

  /* the lane, with yellow fire-lane hatching */
  cairo_move_to (cr, 60, CANVAS_H);
  cairo_line_to (cr, vanish - 40, horizon + 20);
  cairo_line_to (cr, vanish + 40, horizon + 20);
  cairo_line_to (cr, CANVAS_W - 60, CANVAS_H);
  cairo_close_path (cr);
  cairo_set_source_rgb (cr, 0.36, 0.36, 0.38);
  cairo_fill (cr);
  for (int i = 0; i < 9; i++)
    {
      double t = i / 9.0, t2 = t + 0.04;
      double y1 = CANVAS_H - t * (CANVAS_H - horizon - 20), y2 = CANVAS_H - t2 * (CANVAS_H - horizon - 20);
      double l1 = 60 + t * (vanish - 100), l2 = 60 + t2 * (vanish - 100);
      double r1 = CANVAS_W - 60 - t * (CANVAS_W - 100 - vanish), r2 = CANVAS_W - 60 - t2 * (CANVAS_W - 100 - vanish);

      cairo_move_to (cr, l1, y1);
      cairo_line_to (cr, r1, y1);
      cairo_line_to (cr, r2, y2);
      cairo_line_to (cr, l2, y2);
      cairo_close_path (cr);
    }
  cairo_set_source_rgba (cr, 0.95, 0.78, 0.1, 0.85);
  cairo_fill (cr);

  draw_no_parking_sign (cr, range (layout, 780, 860), 420);

  if (!repaired)
    {
      int cars = g_rand_int_range (clutter, 2, 4);

      /* far cars first, so the near ones cover them */
      for (int i = cars - 1; i >= 0; i--)
        {
          double t = (i + range (clutter, 0.1, 0.4)) / (cars + 0.5);
          double y = CANVAS_H - 40 - t * (CANVAS_H - horizon - 80);
          double x = vanish + (1 - t) * range (clutter, -260, 120);
          const double *c = colours[g_rand_int_range (clutter, 0, G_N_ELEMENTS (colours))];

          draw_car (cr, x, y, 1.6 * (1 - t) + 0.35, c[0], c[1], c[2]);
        }
    }
}

static void
draw_bag (cairo_t *cr,
          GRand   *clutter,
          double   x,
          double   y,
          double   size)
{
  static const double colours[][3] = {
    { 0.08, 0.08, 0.08 }, { 0.92, 0.92, 0.9 }, { 0.2, 0.35, 0.7 },
    { 0.15, 0.5, 0.25 }, { 0.75, 0.6, 0.35 }, { 0.85, 0.3, 0.25 },
  };
  const double *c = colours[g_rand_int_range (clutter, 0, G_N_ELEMENTS (colours))];

  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, range (clutter, -0.5, 0.5));
  cairo_scale (cr, size, size * range (clutter, 0.6, 0.9));
  cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
  cairo_restore (cr);
  cairo_set_source_rgb (cr, c[0], c[1], c[2]);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.25);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

static void
draw_garbage (cairo_t  *cr,
              GRand    *layout,
              GRand    *clutter,
              gboolean  repaired)
{
  double wall = range (layout, 300, 360);
  double bin_x = range (layout, 120, 300);

  /* a wall with a gate, then the pavement */
  cairo_rectangle (cr, 0, 0, CANVAS_W, wall);
  cairo_set_source_rgb (cr, 0.86, 0.82, 0.74);
  cairo_fill (cr);
  for (double y = 20; y < wall; y += 28)
    for (double x = (((int) y / 28) % 2) * 40; x < CANVAS_W; x += 80)
      {
        cairo_rectangle (cr, x, y, 78, 26);
        cairo_set_source_rgba (cr, 0.6, 0.5, 0.45, 0.25);
        cairo_set_line_width (cr, 1.5);
        cairo_stroke (cr);
      }
  cairo_rectangle (cr, range (layout, 600, 720), wall - 240, 180, 240);
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.32);
  cairo_fill (cr);
  cairo_rectangle (cr, 0, wall, CANVAS_W, CANVAS_H - wall);
  cairo_set_source_rgb (cr, 0.62, 0.6, 0.58);
  cairo_fill (cr);
  for (double y = wall + 30; y < CANVAS_H; y += 60)
    {
      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, CANVAS_W, y);
    }
  cairo_set_source_rgba (cr, 0.4, 0.4, 0.4, 0.4);
  cairo_stroke (cr);

  /* the green bin */
  rounded_rect (cr, bin_x, wall - 60, 150, 200, 8);
  cairo_set_source_rgb (cr, 0.12, 0.52, 0.3);
  cairo_fill (cr);
  cairo_rectangle (cr, bin_x - 8, wall - 72, 166, 18);
  cairo_set_source_rgb (cr, 0.08, 0.4, 0.22);
  cairo_fill (cr);

  if (!repaired)
    {
      int heaps = g_rand_int_range (clutter, 2, 4);

      /* overflowing lid, then heaps on the pavement */
      for (int i = 0; i < 6; i++)
        draw_bag (cr, clutter, bin_x + range (clutter, 10, 140), wall - 80 - range (clutter, 0, 30), range (clutter, 20, 34));
      for (int h = 0; h < heaps; h++)
        {
          double cx = range (clutter, 300, 860), cy = range (clutter, wall + 150, CANVAS_H - 120);
          int bags = g_rand_int_range (clutter, 8, 16);

          for (int i = 0; i < bags; i++)
            draw_bag (cr, clutter, cx + range (clutter, -110, 110), cy + range (clutter, -50, 40) - i * 3,
                      range (clutter, 22, 48));
        }
      for (int i = 0; i < 30; i++)
        {
          cairo_rectangle (cr, range (clutter, 0, CANVAS_W), range (clutter, wall + 20, CANVAS_H - 80),
                           range (clutter, 6, 20), range (clutter, 4, 12));
          cairo_set_source_rgba (cr, range (clutter, 0.5, 1), range (clutter, 0.5, 1), range (clutter, 0.5, 1), 0.9);
          cairo_fill (cr);
        }
    }
}

static void
draw_cone (cairo_t *cr,
           double   x,
           double   y,
           double   s)
{
  cairo_move_to (cr, x - 20 * s, y);
  cairo_line_to (cr, x, y - 70 * s);
  cairo_line_to (cr, x + 20 * s, y);
  cairo_close_path (cr);
  cairo_set_source_rgb (cr, 0.95, 0.4, 0.05);
  cairo_fill (cr);
  cairo_rectangle (cr, x - 13 * s, y - 34 * s, 26 * s, 10 * s);
  cairo_set_source_rgb (cr, 0.95, 0.95, 0.95);
  cairo_fill (cr);
  cairo_rectangle (cr, x - 28 * s, y - 6 * s, 56 * s, 8 * s);
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_fill (cr);
}

static void
draw_road_damage (cairo_t  *cr,
                  GRand    *layout,
                  GRand    *clutter,
                  gboolean  repaired)
{
  double horizon = range (layout, 250, 300);
  double px = range (layout, 360, 600), py = range (layout, 470, 560);

  draw_sky (cr, layout, horizon);
  cairo_rectangle (cr, 0, horizon - 80, CANVAS_W, 80);
  cairo_set_source_rgb (cr, 0.45, 0.55, 0.4);
  cairo_fill (cr);
  cairo_rectangle (cr, 0, horizon, CANVAS_W, CANVAS_H - horizon);
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.31);
  cairo_fill (cr);
  /* centre line */
  for (int i = 0; i < 6; i++)
    {
      double t = i / 6.0;

      cairo_rectangle (cr, CANVAS_W / 2 - 6 + t * 2, CANVAS_H - t * (CANVAS_H - horizon) - 50, 12 - t * 8, 40 - t * 20);
    }
  cairo_set_source_rgb (cr, 0.92, 0.92, 0.9);
  cairo_fill (cr);

  if (!repaired)
    {
      /* an irregular pothole with a darker wet bottom */
      cairo_save (cr);
      cairo_translate (cr, px, py);
      cairo_move_to (cr, 90, 0);
      for (int i = 1; i < 14; i++)
        {
          double a = i * 2 * G_PI / 14, r = range (clutter, 0.7, 1.1);

          cairo_line_to (cr, 90 * r * cos (a), 40 * r * sin (a));
        }
      cairo_close_path (cr);
      cairo_restore (cr);
      cairo_set_source_rgb (cr, 0.16, 0.15, 0.14);
      cairo_fill (cr);
      cairo_save (cr);
      cairo_translate (cr, px + 10, py + 5);
      cairo_scale (cr, 50, 18);
      cairo_arc (cr, 0, 0, 1, 0, 2 * G_PI);
      cairo_restore (cr);
      cairo_set_source_rgba (cr, 0.25, 0.3, 0.38, 0.8);
      cairo_fill (cr);
      for (int i = 0; i < 3; i++)
        draw_cone (cr, px + range (clutter, -180, 180), py + range (clutter, 50, 110), range (clutter, 0.9, 1.3));
    }
  else
    {
      /* a fresh, darker patch */
      cairo_rectangle (cr, px - 110, py - 55, 220, 110);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.21);
      cairo_fill (cr);
    }
}

/* Sensor grain and a soft vignette, so that it reads as a photo and
 * compresses like one. */
static void
add_grain (cairo_surface_t *surface,
           GRand           *grain)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  guint8 *data;

  cairo_surface_flush (surface);
  data = cairo_image_surface_get_data (surface);
  for (int y = 0; y < height; y++)
    {
      guint32 *row = (guint32 *) (gpointer) (data + (gsize) y * stride);
      double dy = (y - height / 2.0) / height;

      for (int x = 0; x < width; x++)
        {
          double dx = (x - width / 2.0) / width;
          double shade = 1.0 - 0.35 * (dx * dx + dy * dy);
          int noise = (int) (g_rand_int (grain) % 13) - 6;
          guint32 p = row[x];
          int r = (int) (((p >> 16) & 0xff) * shade) + noise;
          int g = (int) (((p >> 8) & 0xff) * shade) + noise;
          int b = (int) ((p & 0xff) * shade) + noise;

          row[x] = 0xff000000u | (CLAMP (r, 0, 255) << 16) | (CLAMP (g, 0, 255) << 8) | CLAMP (b, 0, 255);
        }
    }
  cairo_surface_mark_dirty (surface);
}

static void
draw_caption (cairo_t              *cr,
              const WgSimPhotoSpec *spec,
              double                width,
              double                height)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (spec->time_ms / 1000);
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;
  double band = MAX (18.0, height * 0.07);

  if (utc == NULL)
    utc = g_date_time_new_from_unix_utc (0);
  local = spec->time_zone != NULL ? g_date_time_to_timezone (utc, spec->time_zone) : g_date_time_ref (utc);
  when = g_date_time_format (local, "%Y-%m-%d %H:%M:%S");
  text = g_strdup_printf ("%s   %s", spec->case_number != NULL ? spec->case_number : "", when);

  cairo_rectangle (cr, 0, height - band, width, band);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  cairo_fill (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, band * 0.55);
  cairo_move_to (cr, band * 0.4, height - band * 0.3);
  cairo_set_source_rgb (cr, 1, 0.95, 0.6);
  cairo_show_text (cr, text);
}

static cairo_status_t
append_cb (void                *closure,
           const unsigned char *data,
           unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static gboolean
save_cb (const char  *buf,
         gsize        count,
         GError     **error,
         gpointer     data)
{
  g_byte_array_append (data, (const guint8 *) buf, count);
  return TRUE;
}

static GBytes *
encode_jpeg (cairo_surface_t  *surface,
             GError          **error)
{
  int width = cairo_image_surface_get_width (surface);
  int height = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface);
  const guint8 *data = cairo_image_surface_get_data (surface);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, width, height);
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int pstride = gdk_pixbuf_get_rowstride (pixbuf);

  /* cairo's RGB24 is a native-endian 0xffRRGGBB word per pixel */
  for (int y = 0; y < height; y++)
    {
      const guint32 *row = (const guint32 *) (gconstpointer) (data + (gsize) y * stride);
      guint8 *out = pixels + (gsize) y * pstride;

      for (int x = 0; x < width; x++)
        {
          out[3 * x] = (row[x] >> 16) & 0xff;
          out[3 * x + 1] = (row[x] >> 8) & 0xff;
          out[3 * x + 2] = row[x] & 0xff;
        }
    }
  if (!gdk_pixbuf_save_to_callbackv (pixbuf, save_cb, buffer, "jpeg",
                                     (char *[]) { (char *) "quality", NULL },
                                     (char *[]) { (char *) "88", NULL }, error))
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}

GBytes *
wg_sim_photo_render (const WgSimPhotoSpec  *spec,
                     WgSimPhotoFormat       format,
                     GError               **error)
{
  guint width, height;
  cairo_surface_t *surface;
  cairo_t *cr;
  GRand *layout, *clutter, *grain;
  GBytes *bytes = NULL;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (spec->scene != WG_SIM_PHOTO_NONE, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  width = spec->width != 0 ? spec->width : 960;
  height = spec->height != 0 ? spec->height : 720;
  g_return_val_if_fail (width <= 8192 && height <= 8192, NULL);

  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (surface);
  layout = g_rand_new_with_seed (spec->seed);
  clutter = g_rand_new_with_seed (spec->seed ^ 0x9e3779b9u);
  grain = g_rand_new_with_seed (spec->seed ^ 0x85ebca6bu);

  cairo_save (cr);
  cairo_scale (cr, width / CANVAS_W, height / CANVAS_H);
  switch (spec->scene)
    {
    case WG_SIM_PHOTO_ILLEGAL_STRUCTURE:
      draw_structure (cr, layout, clutter, spec->repaired);
      break;
    case WG_SIM_PHOTO_FIRE_LANE:
      draw_fire_lane (cr, layout, clutter, spec->repaired);
      break;
    case WG_SIM_PHOTO_GARBAGE:
      draw_garbage (cr, layout, clutter, spec->repaired);
      break;
    case WG_SIM_PHOTO_ROAD_DAMAGE:
      draw_road_damage (cr, layout, clutter, spec->repaired);
      break;
    case WG_SIM_PHOTO_NONE:
    default:
      g_assert_not_reached ();
    }
  cairo_restore (cr);
  add_grain (surface, grain);
  draw_caption (cr, spec, width, height);
  cairo_surface_flush (surface);

  if (cairo_status (cr) != CAIRO_STATUS_SUCCESS)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot draw the photo: %s",
                 cairo_status_to_string (cairo_status (cr)));
  else if (format == WG_SIM_PHOTO_JPEG)
    bytes = encode_jpeg (surface, error);
  else
    {
      GByteArray *buffer = g_byte_array_new ();
      cairo_status_t status = cairo_surface_write_to_png_stream (surface, append_cb, buffer);

      if (status == CAIRO_STATUS_SUCCESS)
        bytes = g_byte_array_free_to_bytes (buffer);
      else
        {
          g_byte_array_unref (buffer);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot encode the photo: %s",
                       cairo_status_to_string (status));
        }
    }

  g_rand_free (layout);
  g_rand_free (clutter);
  g_rand_free (grain);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return bytes;
}
