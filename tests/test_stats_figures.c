/* The per-subject figures of the kc-stats report (kc_fig_subject_valgus, and
 * kc_fig_subject_kinetics drawn the same way) for few and many
 * subjects: with 10 subjects every subject is a labelled category (every trial and the mean per
 * side); with 500 the labels would overlap, so the figure is a dot plot of the subjects ranked
 * by their mean with no per-subject labels (the three highest named). Checked on the decoded
 * PNG: its size, markers of both sides' colours inside the first panel, and for 500 subjects
 * that the ranking was drawn (the right-side means in the panel's rightmost fifth lie higher
 * than in its leftmost fifth, by more than a quarter of the panel; the values are not sorted
 * by subject, so an unsorted layout fails this). The kinetics figure has a panel per kinetic
 * metric with a value: here the loading rate is NaN in every trial, so two panels (the PNG's
 * height says how many), and none at all — no figure — for a cohort without force plates. */
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/atomic.h"
#include "kinechain/log.h"
#include "report.h"
#include "testutil.h"

static const char *const COLS[] = {"subject", "side", "peak_knee_valgus_deg",
                                   "fppa_3d_at_pkf_deg", "fppa_video_at_pkf_deg",
                                   "peak_knee_abduction_moment", "fp_peak_vgrf_bw",
                                   "fp_loading_rate_bw_s"};

/* Values not in subject order: a pseudo-random permutation of the subjects' levels. */
static double level(size_t i)
{
    return fmod(37.0 * (double)i + 11.0, 101.0) / 101.0;   /* in [0, 1) */
}

/* ns subjects x 2 trials x 2 sides; with kinetics, the three kinetic columns (loading rate NaN) */
static kc_table *trials_table(size_t ns, int kinetics)
{
    enum kc_col_type ty[8];
    for (int c = 0; c < 8; c++)
        ty[c] = KC_COL_STR;
    kc_table *t = kc_table_alloc(kinetics ? 8 : 5, COLS, ty);
    for (size_t i = 0; t && i < ns; i++)
        for (int trial = 0; trial < 2; trial++)
            for (int side = 0; side < 2; side++) {
                long r = kc_table_add_row(t);
                char id[32], v[5][32];
                snprintf(id, sizeof id, "athlete_%03zu", i);
                double base = 2.0 + 14.0 * level(i) + 0.8 * trial - 1.1 * side;
                snprintf(v[0], sizeof v[0], "%.6f", base);
                snprintf(v[1], sizeof v[1], "%.6f", 1.3 * base - 2.0);
                snprintf(v[2], sizeof v[2], "%.6f", 0.8 * base + 1.0);
                snprintf(v[3], sizeof v[3], "%.6f", 300.0 + 40.0 * base);
                snprintf(v[4], sizeof v[4], "%.6f", 2.0 + 0.1 * base);
                if (r < 0 || kc_table_set_str(t, (size_t)r, 0, id) ||
                    kc_table_set_str(t, (size_t)r, 1, side ? "R" : "L") ||
                    kc_table_set_str(t, (size_t)r, 2, v[0]) ||
                    kc_table_set_str(t, (size_t)r, 3, v[1]) ||
                    kc_table_set_str(t, (size_t)r, 4, v[2]) ||
                    (kinetics && (kc_table_set_str(t, (size_t)r, 5, v[3]) ||
                                  kc_table_set_str(t, (size_t)r, 6, v[4]) ||
                                  kc_table_set_str(t, (size_t)r, 7, "nan")))) {
                    kc_table_free(t);
                    return NULL;
                }
            }
    return t;
}

typedef struct image {
    png_image im;
    unsigned char *px;   /* RGB */
} image;

static int load(const char *path, image *img)
{
    memset(img, 0, sizeof *img);
    img->im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img->im, path))
        return 0;
    img->im.format = PNG_FORMAT_RGB;
    img->px = malloc(PNG_IMAGE_SIZE(img->im));
    if (!img->px || !png_image_finish_read(&img->im, NULL, img->px, 0, NULL)) {
        free(img->px);
        img->px = NULL;
        return 0;
    }
    return 1;
}

static int near_colour(const unsigned char *p, kc_rgb c)
{
    return abs(p[0] - (int)lround(255 * c.r)) < 12 && abs(p[1] - (int)lround(255 * c.g)) < 12 &&
           abs(p[2] - (int)lround(255 * c.b)) < 12;
}

/* Pixels of colour c in the x range [x0, x1) px of the first panel, and their mean row. */
static size_t count_colour(const image *img, kc_rgb c, int x0, int x1, double *mean_y)
{
    const double s = KC_PLOT_DPI / 72.0;
    int y0 = (int)(36 * s), y1 = (int)((36 + 118) * s);
    size_t n = 0;
    double sy = 0;
    for (int y = y0; y < y1 && y < (int)img->im.height; y++)
        for (int x = x0; x < x1 && x < (int)img->im.width; x++)
            if (near_colour(img->px + 3 * ((size_t)y * img->im.width + (size_t)x), c)) {
                n++;
                sy += y;
            }
    *mean_y = n ? sy / (double)n : NAN;
    return n;
}

static void check_figure(const char *dir, size_t ns)
{
    char plots[1024], what[160], path[1100];
    snprintf(plots, sizeof plots, "%s/plots_%zu", dir, ns);
    CHECK("plots folder", kc_mkdir_p(plots) == KC_OK);
    kc_report r;
    memset(&r, 0, sizeof r);
    kc_report_params p = {dir, "manifest.csv", NULL, NULL, NULL};
    r.p = &p;
    r.plots_dir = plots;
    r.command = (char *)"";
    r.models = (char *)"pig";
    r.trials_csv = trials_table(ns, 1);
    r.n_subjects = ns;
    r.subjects = calloc(ns, sizeof *r.subjects);
    char (*ids)[32] = calloc(ns, sizeof *ids);
    CHECK("inputs", r.trials_csv && r.subjects && ids);
    if (!r.trials_csv || !r.subjects || !ids)
        goto done;
    for (size_t i = 0; i < ns; i++) {
        snprintf(ids[i], sizeof ids[i], "athlete_%03zu", i);
        r.subjects[i].id = ids[i];
        r.subjects[i].sex = (char *)(i % 2 ? "M" : "F");
    }
    int made = 0;
    snprintf(what, sizeof what, "%zu subjects: figure drawn", ns);
    CHECK(what, kc_fig_subject_valgus(&r, &made) == KC_OK && made);
    snprintf(path, sizeof path, "%s/subject_valgus_fppa.png", plots);
    image img;
    int ok = load(path, &img);
    snprintf(what, sizeof what, "%zu subjects: PNG decodes, 540 pt wide at %g dpi", ns,
             KC_PLOT_DPI);
    CHECK(what, ok && img.im.width == (png_uint_32)ceil(540 * KC_PLOT_DPI / 72.0));
    if (!ok)
        goto done;
    const double s = KC_PLOT_DPI / 72.0;
    int bx0 = (int)(58 * s), bx1 = (int)((58 + 340) * s), fifth = (bx1 - bx0) / 5;
    double yl, yr, y_first, y_last;
    size_t nl = count_colour(&img, kc_plot_colour(0), bx0, bx1, &yl);
    size_t nr = count_colour(&img, kc_plot_colour(1), bx0, bx1, &yr);
    snprintf(what, sizeof what, "%zu subjects: left and right markers in the first panel", ns);
    CHECK(what, nl > 50 && nr > 50);
    if (ns > 100) {
        size_t a = count_colour(&img, kc_plot_colour(1), bx0, bx0 + fifth, &y_first);
        size_t b = count_colour(&img, kc_plot_colour(1), bx1 - fifth, bx1, &y_last);
        snprintf(what, sizeof what,
                 "%zu subjects: ranked (right means %.0f px higher at the right end)", ns,
                 y_first - y_last);
        CHECK(what, a > 0 && b > 0 && y_first - y_last > 0.25 * 118 * s);
    }
    free(img.px);

    /* kinetics: two panels with values (the loading rate has none), markers of both sides */
    snprintf(what, sizeof what, "%zu subjects: kinetics figure drawn", ns);
    CHECK(what, kc_fig_subject_kinetics(&r, &made) == KC_OK && made);
    snprintf(path, sizeof path, "%s/subject_kinetics.png", plots);
    ok = load(path, &img);
    snprintf(what, sizeof what, "%zu subjects: kinetics PNG of two panels (390 pt high)", ns);
    CHECK(what, ok && img.im.height == (png_uint_32)ceil(390 * KC_PLOT_DPI / 72.0));
    if (!ok)
        goto done;
    nl = count_colour(&img, kc_plot_colour(0), bx0, bx1, &yl);
    nr = count_colour(&img, kc_plot_colour(1), bx0, bx1, &yr);
    snprintf(what, sizeof what, "%zu subjects: kinetics, left and right markers", ns);
    CHECK(what, nl > 50 && nr > 50);
    free(img.px);

    /* no force plates: no kinetic column, no figure */
    kc_table_free(r.trials_csv);
    r.trials_csv = trials_table(ns, 0);
    made = 1;
    snprintf(what, sizeof what, "%zu subjects: no kinetics figure without kinetic metrics", ns);
    CHECK(what, r.trials_csv && kc_fig_subject_kinetics(&r, &made) == KC_OK && !made);
done:
    kc_table_free(r.trials_csv);
    free(r.subjects);
    free(ids);
}

/* kc_rep_fppa_ill_conditioned: a trial-side counts when it has a video FPPA and its sensitivity
 * is above 5 deg/cm; one without a video FPPA is not counted at all, a missing sensitivity is
 * not ill-conditioned */
static void check_ill_conditioned(void)
{
    static const char *const cols[2] = {"fppa_video_at_pkf_deg", "fppa_video_sensitivity_deg_per_cm"};
    enum kc_col_type ty[2] = {KC_COL_STR, KC_COL_STR};
    static const char *const v[5][2] = {{"10", "3"}, {"20", "7.5"}, {"", "9"}, {"15", ""},
                                        {"12", "5"}};
    kc_table *t = kc_table_alloc(2, cols, ty);
    for (int i = 0; t && i < 5; i++) {
        long r = kc_table_add_row(t);
        if (r < 0 || kc_table_set_str(t, (size_t)r, 0, v[i][0]) ||
            kc_table_set_str(t, (size_t)r, 1, v[i][1]))
            break;
    }
    size_t n_all = 0, n_ill = t ? kc_rep_fppa_ill_conditioned(t, &n_all) : 99;
    CHECK("ill-conditioned video FPPAs: 1 of the 4 with an FPPA (7.5 > 5; 5 is not above)",
          n_ill == 1 && n_all == 4);
    kc_table_free(t);
}

int main(void)
{
    kc_log_init("test_stats_figures", KC_LOG_ERROR);
    check_ill_conditioned();
    const char *dir = kc_test_tmpdir("test_stats_figures");
    check_figure(dir, 10);
    check_figure(dir, 500);
    kc_cairo_release();
    return kc_test_summary("test_stats_figures");
}
