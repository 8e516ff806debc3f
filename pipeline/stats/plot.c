/* Drawing primitives for kc-stats figures on a cairo image surface (see report.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kinechain/linalg.h"
#include "kinechain/log.h"
#include "report.h"

kc_rgb kc_plot_colour(size_t i)
{
    /* Okabe & Ito 2008, "Color Universal Design": blue, vermillion, bluish green, reddish
     * purple, orange, sky blue, black. Yellow is left out: too light on white paper. */
    static const kc_rgb pal[] = {{0.000, 0.447, 0.698}, {0.835, 0.369, 0.000},
                                 {0.000, 0.620, 0.451}, {0.800, 0.475, 0.655},
                                 {0.902, 0.624, 0.000}, {0.337, 0.706, 0.914},
                                 {0.000, 0.000, 0.000}};
    return pal[i % (sizeof pal / sizeof pal[0])];
}

int kc_plot_open(kc_plot *p, double width_pt, double height_pt)
{
    memset(p, 0, sizeof *p);
    double s = KC_PLOT_DPI / 72.0;
    int w = (int)ceil(width_pt * s), h = (int)ceil(height_pt * s);
    p->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS) {
        KC_ERROR("cannot create a %d x %d image: %s", w, h,
                 cairo_status_to_string(cairo_surface_status(p->surface)));
        kc_plot_close(p);
        return KC_ENOMEM;
    }
    p->cr = cairo_create(p->surface);
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        kc_plot_close(p);
        return KC_ENOMEM;
    }
    p->width = width_pt;
    p->height = height_pt;
    cairo_scale(p->cr, s, s);
    cairo_set_source_rgb(p->cr, 1, 1, 1);
    cairo_paint(p->cr);
    cairo_select_font_face(p->cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    return KC_OK;
}

void kc_plot_close(kc_plot *p)
{
    if (p->cr)
        cairo_destroy(p->cr);
    if (p->surface)
        cairo_surface_destroy(p->surface);
    p->cr = NULL;
    p->surface = NULL;
}

double kc_axes_px(const kc_axes *a, double x)
{
    return a->x + (x - a->xmin) / (a->xmax - a->xmin) * a->w;
}

double kc_axes_py(const kc_axes *a, double y)
{
    return a->y + a->h - (y - a->ymin) / (a->ymax - a->ymin) * a->h;
}

/* 1, 2, 2.5 or 5 times a power of ten, near range/n. */
static double nice_step(double range, int n)
{
    double raw = range / n, mag = pow(10.0, floor(log10(raw))), f = raw / mag;
    double m = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
    return m * mag;
}

void kc_plot_nice_range(double *lo, double *hi)
{
    if (!isfinite(*lo) || !isfinite(*hi) || *lo > *hi) {
        *lo = -1;
        *hi = 1;
        return;
    }
    if (*hi - *lo < 1e-9 * (fabs(*hi) + fabs(*lo)) || *hi == *lo) {
        double d = fabs(*lo) > 0 ? 0.1 * fabs(*lo) : 1.0;
        *lo -= d;
        *hi += d;
    }
    double s = nice_step(*hi - *lo, 5);
    *lo = floor(*lo / s + 1e-9) * s;
    *hi = ceil(*hi / s - 1e-9) * s;
}

void kc_plot_text(kc_plot *p, double x, double y, double size_pt, double halign, int bold,
                  double angle_deg, const char *s)
{
    cairo_t *cr = p->cr;
    cairo_save(cr);
    cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size_pt);
    cairo_text_extents_t te;
    cairo_text_extents(cr, s, &te);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle_deg * KC_PI / 180.0);
    cairo_move_to(cr, -halign * te.x_advance, 0);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

static void fmt_tick(char *buf, size_t n, double v, double step)
{
    if (fabs(v) < step * 1e-6)
        v = 0;
    int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (dec > 6)
        dec = 6;
    if (fabs(step - 2.5 * pow(10.0, floor(log10(step)))) < 1e-9 * step && step < 10)
        dec++;
    snprintf(buf, n, "%.*f", dec, v);
}

void kc_axes_draw(kc_plot *p, const kc_axes *a, const char *title, const char *xlabel,
                  const char *ylabel)
{
    cairo_t *cr = p->cr;
    char buf[64];
    cairo_save(cr);
    cairo_set_line_width(cr, 0.4);
    /* y grid and ticks */
    double ys = nice_step(a->ymax - a->ymin, 5);
    for (double v = ceil(a->ymin / ys - 1e-9) * ys; !a->no_yticks && v <= a->ymax + 1e-9 * ys;
         v += ys) {
        double y = kc_axes_py(a, v);
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, a->x, y);
        cairo_line_to(cr, a->x + a->w, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, a->x - 3, y);
        cairo_line_to(cr, a->x, y);
        cairo_stroke(cr);
        fmt_tick(buf, sizeof buf, v, ys);
        kc_plot_text(p, a->x - 4.5, y + 2.8, 7.5, 1.0, 0, 0, buf);
    }
    if (xlabel) {   /* numeric x ticks (category axes pass xlabel NULL and draw their own) */
        double xs = nice_step(a->xmax - a->xmin, 5);
        for (double v = ceil(a->xmin / xs - 1e-9) * xs; v <= a->xmax + 1e-9 * xs; v += xs) {
            double x = kc_axes_px(a, v);
            cairo_set_source_rgb(cr, 0, 0, 0);
            cairo_move_to(cr, x, a->y + a->h);
            cairo_line_to(cr, x, a->y + a->h + 3);
            cairo_stroke(cr);
            fmt_tick(buf, sizeof buf, v, xs);
            kc_plot_text(p, x, a->y + a->h + 11, 7.5, 0.5, 0, 0, buf);
        }
        kc_plot_text(p, a->x + a->w / 2, a->y + a->h + 22, 8.5, 0.5, 0, 0, xlabel);
    }
    /* zero line when inside the range: signs matter for valgus */
    if (a->no_yticks && a->xmin < 0 && a->xmax > 0) {
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        cairo_set_line_width(cr, 0.6);
        cairo_move_to(cr, kc_axes_px(a, 0), a->y);
        cairo_line_to(cr, kc_axes_px(a, 0), a->y + a->h);
        cairo_stroke(cr);
    }
    if (!a->no_yticks && a->ymin < 0 && a->ymax > 0) {
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        cairo_set_line_width(cr, 0.6);
        cairo_move_to(cr, a->x, kc_axes_py(a, 0));
        cairo_line_to(cr, a->x + a->w, kc_axes_py(a, 0));
        cairo_stroke(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 0.8);
    cairo_rectangle(cr, a->x, a->y, a->w, a->h);
    cairo_stroke(cr);
    cairo_restore(cr);
    if (title)
        kc_plot_text(p, a->x + a->w / 2, a->y - 6, 9, 0.5, 1, 0, title);
    if (ylabel)
        kc_plot_text(p, a->x - 30, a->y + a->h / 2, 8.5, 0.5, 0, -90, ylabel);
}

void kc_axes_category_labels(kc_plot *p, const kc_axes *a, size_t n, const char *const *labels)
{
    size_t longest = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(labels[i]) > longest)
            longest = strlen(labels[i]);
    int rotate = (double)longest * 4.5 > a->w / (double)(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        double x = kc_axes_px(a, (double)i);
        if (rotate)
            kc_plot_text(p, x + 2.5, a->y + a->h + 6, 7.5, 1.0, 0, -45, labels[i]);
        else
            kc_plot_text(p, x, a->y + a->h + 11, 7.5, 0.5, 0, 0, labels[i]);
    }
}

static void clip_to(kc_plot *p, const kc_axes *a)
{
    cairo_save(p->cr);
    cairo_rectangle(p->cr, a->x, a->y, a->w, a->h);
    cairo_clip(p->cr);
}

static void set_dash(cairo_t *cr, int dash, double width)
{
    if (dash == 1) {
        double d[2] = {4 * width + 2, 2.5 * width + 1};
        cairo_set_dash(cr, d, 2, 0);
    } else if (dash == 2) {
        double d[2] = {width, 2 * width + 1};
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_dash(cr, d, 2, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

void kc_plot_line(kc_plot *p, const kc_axes *a, const double *x, const double *y, size_t n,
                  size_t ystride, kc_rgb c, double width_pt, int dash)
{
    cairo_t *cr = p->cr;
    clip_to(p, a);
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_set_line_width(cr, width_pt);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    set_dash(cr, dash, width_pt);
    int pen = 0;
    for (size_t i = 0; i < n; i++) {
        double yv = y[i * ystride];
        if (!isfinite(x[i]) || !isfinite(yv)) {
            pen = 0;
            continue;
        }
        if (pen)
            cairo_line_to(cr, kc_axes_px(a, x[i]), kc_axes_py(a, yv));
        else
            cairo_move_to(cr, kc_axes_px(a, x[i]), kc_axes_py(a, yv));
        pen = 1;
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

void kc_plot_band(kc_plot *p, const kc_axes *a, const double *x, const double *lo,
                  const double *hi, size_t n, kc_rgb c, double alpha)
{
    cairo_t *cr = p->cr;
    clip_to(p, a);
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
    /* one polygon per run of finite values */
    size_t i = 0;
    while (i < n) {
        while (i < n && !(isfinite(lo[i]) && isfinite(hi[i])))
            i++;
        size_t j = i;
        while (j < n && isfinite(lo[j]) && isfinite(hi[j]))
            j++;
        if (j > i + 1) {
            cairo_move_to(cr, kc_axes_px(a, x[i]), kc_axes_py(a, hi[i]));
            for (size_t k = i + 1; k < j; k++)
                cairo_line_to(cr, kc_axes_px(a, x[k]), kc_axes_py(a, hi[k]));
            for (size_t k = j; k-- > i;)
                cairo_line_to(cr, kc_axes_px(a, x[k]), kc_axes_py(a, lo[k]));
            cairo_close_path(cr);
            cairo_fill(cr);
        }
        i = j;
    }
    cairo_restore(cr);
}

void kc_plot_hspan(kc_plot *p, const kc_axes *a, double x0, double x1, double y0, double y1,
                   kc_rgb c, double alpha)
{
    clip_to(p, a);
    double px0 = kc_axes_px(a, x0), px1 = kc_axes_px(a, x1);
    double py0 = kc_axes_py(a, y0), py1 = kc_axes_py(a, y1);
    cairo_set_source_rgba(p->cr, c.r, c.g, c.b, alpha);
    cairo_rectangle(p->cr, fmin(px0, px1), fmin(py0, py1), fabs(px1 - px0), fabs(py1 - py0));
    cairo_fill(p->cr);
    cairo_restore(p->cr);
}

void kc_plot_marker(kc_plot *p, const kc_axes *a, double x, double y, kc_rgb c, double r_pt,
                    int filled)
{
    if (!isfinite(x) || !isfinite(y))
        return;
    clip_to(p, a);
    cairo_t *cr = p->cr;
    cairo_new_sub_path(cr);
    cairo_arc(cr, kc_axes_px(a, x), kc_axes_py(a, y), r_pt, 0, 2 * KC_PI);
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
    cairo_set_line_width(cr, 0.7);
    if (filled)
        cairo_fill_preserve(cr);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void kc_plot_legend(kc_plot *p, const kc_axes *a, const kc_legend_item *items, size_t n,
                    int corner)
{
    if (!n)
        return;
    cairo_t *cr = p->cr;
    cairo_save(cr);
    cairo_set_font_size(cr, 7.5);
    double wmax = 0;
    for (size_t i = 0; i < n; i++) {
        cairo_text_extents_t te;
        cairo_text_extents(cr, items[i].label, &te);
        if (te.x_advance > wmax)
            wmax = te.x_advance;
    }
    double lh = 10, bw = wmax + 28, bh = lh * (double)n + 5;
    double bx = corner == 0 ? a->x + a->w - bw - 4 : a->x + 4, by = a->y + 4;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, bx, by, bw, bh);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.4);
    cairo_stroke(cr);
    for (size_t i = 0; i < n; i++) {
        const kc_legend_item *it = &items[i];
        double yc = by + 2.5 + lh * ((double)i + 0.5);
        kc_rgb c = it->colour;
        if (it->kind == 1) {
            cairo_set_source_rgba(cr, c.r, c.g, c.b, it->alpha > 0 ? it->alpha : 0.3);
            cairo_rectangle(cr, bx + 4, yc - 3.5, 16, 7);
            cairo_fill(cr);
        } else if (it->kind == 2) {
            cairo_set_source_rgb(cr, c.r, c.g, c.b);
            cairo_new_sub_path(cr);
            cairo_arc(cr, bx + 12, yc, 2.2, 0, 2 * KC_PI);
            cairo_fill(cr);
        } else {
            cairo_set_source_rgb(cr, c.r, c.g, c.b);
            cairo_set_line_width(cr, 1.4);
            set_dash(cr, it->dash, 1.4);
            cairo_move_to(cr, bx + 4, yc);
            cairo_line_to(cr, bx + 20, yc);
            cairo_stroke(cr);
            set_dash(cr, 0, 1);
        }
        kc_plot_text(p, bx + 24, yc + 2.6, 7.5, 0, 0, 0, it->label);
    }
    cairo_restore(cr);
}
