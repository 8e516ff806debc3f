/* kc-stats' PNG writer and drawing primitives: the written file decodes with libpng (read
 * independently of the writer), has the tEXt chunks, the size in pixels and pHYs of the
 * figure's print size, and the pixels drawn; error paths leave no file. */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pipeline/stats/report.h"
#include "kinechain/log.h"
#include "testutil.h"

#define CK(cond) CHECK(#cond, cond)

typedef struct decoded {
    png_uint_32 w, h;
    int bit_depth, colour_type;
    png_uint_32 ppm_x, ppm_y;
    int unit;
    int n_text;
    char keys[16][80];
    char texts[16][512];
    unsigned char *rgb;   /* [h][w][3] */
} decoded;

/* Read with libpng's classic read API; 0 on success. */
static int decode(const char *path, decoded *d)
{
    memset(d, 0, sizeof *d);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    unsigned char sig[8];
    if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8)) {
        fclose(fp);
        return -2;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    unsigned char *volatile rgb = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(rgb);
        fclose(fp);
        return -3;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    int interlace, comp, filt;
    png_get_IHDR(png, info, &d->w, &d->h, &d->bit_depth, &d->colour_type, &interlace, &comp,
                 &filt);
    png_get_pHYs(png, info, &d->ppm_x, &d->ppm_y, &d->unit);
    size_t rowbytes = png_get_rowbytes(png, info);
    rgb = malloc(rowbytes * d->h);
    for (png_uint_32 y = 0; y < d->h; y++)
        png_read_row(png, rgb + y * rowbytes, NULL);
    png_read_end(png, info);
    png_textp text;
    int nt = 0;
    png_get_text(png, info, &text, &nt);
    for (int i = 0; i < nt && i < 16; i++) {
        snprintf(d->keys[i], sizeof d->keys[i], "%s", text[i].key);
        snprintf(d->texts[i], sizeof d->texts[i], "%s", text[i].text);
    }
    d->n_text = nt < 16 ? nt : 16;
    d->rgb = rgb;
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    return 0;
}

static const char *text_of(const decoded *d, const char *key)
{
    for (int i = 0; i < d->n_text; i++)
        if (strcmp(d->keys[i], key) == 0)
            return d->texts[i];
    return NULL;
}

static const unsigned char *pixel(const decoded *d, unsigned x, unsigned y)
{
    return d->rgb + ((size_t)y * d->w + x) * 3;
}

int main(void)
{
    kc_log_init("test_plot", KC_LOG_ERROR);
    const char *path = "test_plot_out.png";
    unlink(path);

    /* a 3 x 2 inch figure: a filled rectangle of known colour in data units, a line, text */
    kc_plot p;
    CK(kc_plot_open(&p, 216, 144) == KC_OK);
    kc_axes a = {.x = 40, .y = 20, .w = 160, .h = 100, .xmin = 0, .xmax = 10, .ymin = -5,
                 .ymax = 5};
    kc_axes_draw(&p, &a, "Title", "x (unit)", "y (deg)");
    kc_plot_hspan(&p, &a, 2, 4, -4, -1, (kc_rgb){0.8, 0.1, 0.2}, 1.0);
    double xs[3] = {0, 5, 10}, ys[3] = {1, 3, 2};
    kc_plot_line(&p, &a, xs, ys, 3, 1, kc_plot_colour(0), 1.2, 0);
    kc_png_text text[] = {{"Software", "kinechain kc-stats"},
                          {"kinechain version", KC_VERSION},
                          {"Command", "kc-stats -o out m\xc3\xa9.csv"},
                          {"Source", "cohort.h5 /curves/landing_LKnee"}};
    CK(kc_png_write(p.surface, path, text, 4, KC_PLOT_DPI) == KC_OK);

    decoded d;
    int rc = decode(path, &d);
    CK(rc == 0);
    if (rc == 0) {
        /* size: ceil(216 pt * 200/72) = 600, ceil(144 * 200/72) = 400 px */
        CK(d.w == (png_uint_32)ceil(216 * KC_PLOT_DPI / 72.0));
        CK(d.h == (png_uint_32)ceil(144 * KC_PLOT_DPI / 72.0));
        CK(d.w == 600 && d.h == 400);
        CK(d.bit_depth == 8 && d.colour_type == PNG_COLOR_TYPE_RGB);
        /* pHYs: 200 dpi = 7874 px/m (rounded) */
        CK(d.unit == PNG_RESOLUTION_METER && d.ppm_x == 7874 && d.ppm_y == 7874);
        CK(d.n_text == 4);
        const char *t = text_of(&d, "Software");
        CK(t && strcmp(t, "kinechain kc-stats") == 0);
        t = text_of(&d, "kinechain version");
        CK(t && strcmp(t, KC_VERSION) == 0);
        /* non-ASCII bytes of the command line become '?' (tEXt is Latin-1) */
        t = text_of(&d, "Command");
        CK(t && strcmp(t, "kc-stats -o out m??.csv") == 0);
        t = text_of(&d, "Source");
        CK(t && strstr(t, "/curves/landing_LKnee") != NULL);
        /* the rectangle's centre (x = 3, y = -2.5) in pixels: 200/72 px per pt */
        double s = KC_PLOT_DPI / 72.0;
        unsigned px = (unsigned)(kc_axes_px(&a, 3) * s), py = (unsigned)(kc_axes_py(&a, -2.5) * s);
        const unsigned char *c = pixel(&d, px, py);
        CK(abs(c[0] - 204) <= 1 && abs(c[1] - 26) <= 1 && abs(c[2] - 51) <= 1);
        /* the background outside the axes is white (alpha composited on white) */
        c = pixel(&d, 2, 2);
        CK(c[0] == 255 && c[1] == 255 && c[2] == 255);
        /* some dark pixels: the frame and text were drawn */
        size_t dark = 0;
        for (size_t i = 0; i < (size_t)d.w * d.h; i++)
            dark += d.rgb[3 * i] < 64 && d.rgb[3 * i + 1] < 64 && d.rgb[3 * i + 2] < 64;
        CK(dark > 2000);
        free(d.rgb);
    }

    /* the same drawing gives the same bytes (no tIME chunk) */
    const char *path2 = "test_plot_out2.png";
    CK(kc_png_write(p.surface, path2, text, 4, KC_PLOT_DPI) == KC_OK);
    FILE *f1 = fopen(path, "rb"), *f2 = fopen(path2, "rb");
    CK(f1 && f2);
    if (f1 && f2) {
        int same = 1, c1, c2;
        do {
            c1 = fgetc(f1);
            c2 = fgetc(f2);
            same &= c1 == c2;
        } while (c1 != EOF && c2 != EOF);
        CK(same);
    }
    if (f1)
        fclose(f1);
    if (f2)
        fclose(f2);
    unlink(path2);

    /* errors: an empty keyword, an unwritable folder, a surface that is not an image; no
     * file is left behind */
    kc_png_text bad[] = {{"", "x"}};
    CK(kc_png_write(p.surface, "test_plot_bad.png", bad, 1, 0) == KC_EINVAL);
    CK(access("test_plot_bad.png", F_OK) != 0);
    CK(kc_png_write(p.surface, "no_such_dir_kc/x.png", text, 1, 0) == KC_EIO);
    CK(access("no_such_dir_kc/x.png", F_OK) != 0);
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
    CK(kc_png_write(rec, "test_plot_rec.png", text, 1, 0) == KC_EINVAL);
    CK(access("test_plot_rec.png", F_OK) != 0);
    cairo_surface_destroy(rec);
    kc_plot_close(&p);

    /* nice ranges */
    double lo = 0.3, hi = 17.2;
    kc_plot_nice_range(&lo, &hi);
    CHECK_NEAR("nice lo", lo, 0.0, 1e-12);
    CHECK_NEAR("nice hi (step 2.5)", hi, 17.5, 1e-12);
    lo = -3.7;
    hi = -3.7;
    kc_plot_nice_range(&lo, &hi);
    CK(lo < -3.7 && hi > -3.7);
    lo = NAN;
    kc_plot_nice_range(&lo, &hi);
    CK(lo == -1 && hi == 1);
    unlink(path);
    kc_cairo_release();   /* fontconfig's caches, for the sanitizer build's leak check */
    return kc_test_summary("test_plot");
}
