/* The residual figure of a calibration: one panel per camera showing its image rectangle,
 * each observation as a dot where it was seen, coloured by the length of its reprojection
 * residual, and the residual vector magnified (one scale for the whole figure, printed), so a
 * bad camera, a wrong distortion (a swirl or a radial pattern towards the corners) or a
 * region without observations shows at a glance. Drawn with cairo on an image surface and
 * written through kc_png_write (kinechain/png.h): 8-bit RGB, provenance in tEXt chunks, no
 * tIME chunk, so the same calibration gives the same bytes.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>

#include "residual_png.h"
#include "kinechain/log.h"

#define PANEL_W 420.0   /* px of the widest image side in a panel */
#define MARGIN 14.0
#define HEADER 40.0

static void colour_of(double r, double *c)
{
    /* |residual| < 1 px blue, < 3 px orange, beyond red */
    if (r < 1)
        c[0] = 0.16, c[1] = 0.38, c[2] = 0.72;
    else if (r < 3)
        c[0] = 0.93, c[1] = 0.55, c[2] = 0.05;
    else
        c[0] = 0.85, c[1] = 0.10, c[2] = 0.10;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int kc_calib_residual_png(const char *path, const kc_calib *cal, const kc_calib_resid *res,
                          const char *title, const kc_png_text *text, size_t n_text)
{
    size_t C = cal->n_cameras;
    if (C == 0 || n_text > 16)
        return KC_EINVAL;
    /* one magnification for all panels: the 95th percentile residual drawn 12 px long */
    size_t n_all = 0;
    for (size_t c = 0; c < C; c++)
        n_all += res[c].n;
    double *mags = malloc((n_all ? n_all : 1) * sizeof *mags);
    if (!mags)
        return KC_ENOMEM;
    size_t k = 0;
    for (size_t c = 0; c < C; c++)
        for (size_t i = 0; i < res[c].n; i++) {
            double r = hypot(res[c].uvr[4 * i + 2], res[c].uvr[4 * i + 3]);
            if (isfinite(r))
                mags[k++] = r;
        }
    double p95 = 0;
    if (k) {
        qsort(mags, k, sizeof *mags, cmp_double);
        p95 = mags[(size_t)floor(0.95 * (double)(k - 1))];
    }
    free(mags);
    /* a round magnification: 1, 2, 5 x 10^n */
    double mag = 1;
    if (p95 > 0) {
        double want = 12.0 / p95;
        double e = pow(10, floor(log10(want)));
        mag = want / e >= 5 ? 5 * e : want / e >= 2 ? 2 * e : e;
    }
    /* layout */
    int maxw = 1, maxh = 1;
    for (size_t c = 0; c < C; c++) {
        maxw = cal->cameras[c].cam.width > maxw ? cal->cameras[c].cam.width : maxw;
        maxh = cal->cameras[c].cam.height > maxh ? cal->cameras[c].cam.height : maxh;
    }
    double s = PANEL_W / (maxw > maxh ? maxw : maxh);   /* panel px per image px */
    int cols = (int)ceil(sqrt((double)C));
    int rows_n = (int)((C + (size_t)cols - 1) / (size_t)cols);
    double pw = maxw * s + 2 * MARGIN, ph = maxh * s + HEADER + MARGIN;
    int W = (int)ceil(cols * pw), H = (int)ceil(rows_n * ph + 36);
    cairo_surface_t *surf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W, H);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        return KC_ENOMEM;
    }
    cairo_t *cr = cairo_create(surf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 15);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_move_to(cr, MARGIN, 22);
    cairo_show_text(cr, title);
    char line[256];
    snprintf(line, sizeof line, "residual vectors x%g;  dots: |r| < 1 px blue, < 3 px orange, "
             ">= 3 px red", mag);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 11);
    cairo_move_to(cr, W - MARGIN - 420 > MARGIN + 300 ? W - MARGIN - 420 : MARGIN, 22);
    if (W < 900)
        cairo_move_to(cr, MARGIN, 34);
    cairo_show_text(cr, line);
    for (size_t c = 0; c < C; c++) {
        const kc_calib_camera *cc = &cal->cameras[c];
        double x0 = (double)(c % (size_t)cols) * pw + MARGIN;
        double y0 = (double)(c / (size_t)cols) * ph + 36 + HEADER;
        double iw = cc->cam.width * s, ih = cc->cam.height * s;
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_set_font_size(cr, 12);
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_BOLD);
        cairo_move_to(cr, x0, y0 - 22);
        cairo_show_text(cr, cc->cam.name);
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                               CAIRO_FONT_WEIGHT_NORMAL);
        if (cc->excluded)
            snprintf(line, sizeof line, "EXCLUDED  (%zu detections)", res[c].n);
        else
            snprintf(line, sizeof line, "RMS %.3f px per coordinate, %ld observations, %dx%d",
                     cc->rms_px, cc->n_obs, cc->cam.width, cc->cam.height);
        if (cc->excluded)
            cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
        cairo_move_to(cr, x0, y0 - 7);
        cairo_show_text(cr, line);
        cairo_rectangle(cr, x0, y0, iw, ih);
        cairo_set_source_rgb(cr, cc->excluded ? 0.93 : 0.97, cc->excluded ? 0.88 : 0.97,
                             cc->excluded ? 0.88 : 0.97);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_set_line_width(cr, 1);
        cairo_stroke(cr);
        cairo_save(cr);
        cairo_rectangle(cr, x0, y0, iw, ih);
        cairo_clip(cr);
        cairo_set_line_width(cr, 0.6);
        for (size_t i = 0; i < res[c].n; i++) {
            const double *q = res[c].uvr + 4 * i;
            double u = x0 + (q[0] + 0.5) * s, v = y0 + (q[1] + 0.5) * s;
            double r = hypot(q[2], q[3]), col[3];
            if (!isfinite(q[0]) || !isfinite(q[1]))
                continue;
            if (!isfinite(r)) {   /* a detection without a model prediction */
                cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
                cairo_rectangle(cr, u - 0.6, v - 0.6, 1.2, 1.2);
                cairo_fill(cr);
                continue;
            }
            colour_of(r, col);
            cairo_set_source_rgb(cr, col[0], col[1], col[2]);
            cairo_move_to(cr, u, v);
            double L = r * mag, Lmax = 40;   /* clip absurd vectors to stay readable */
            double f = L > Lmax ? Lmax / L : 1;
            cairo_line_to(cr, u + q[2] * mag * f, v + q[3] * mag * f);
            cairo_stroke(cr);
            cairo_rectangle(cr, u - 0.8, v - 0.8, 1.6, 1.6);
            cairo_fill(cr);
        }
        cairo_restore(cr);
    }
    cairo_destroy(cr);
    int st = kc_png_write(surf, path, text, n_text, 0);
    cairo_surface_destroy(surf);
    return st;
}

char *kc_calib_residual_png_name(const char *calib_path)
{
    size_t n = strlen(calib_path);
    const char *suf = ".calib.h5";
    size_t m = strlen(suf);
    if (n > m && !strcmp(calib_path + n - m, suf))
        n -= m;
    char *o = malloc(n + sizeof ".residuals.png");
    if (o) {
        memcpy(o, calib_path, n);
        memcpy(o + n, ".residuals.png", sizeof ".residuals.png");
    }
    return o;
}
