/* kc-stats plots and reports (private to kc-stats; docs/reports.md is the user's page).
 *
 * The report reads only what kc-stats has written into OUTDIR (the CSV tables and cohort.h5
 * through kc_cohort_read) and the trials' own files (the *.kin.h5 files the manifest names,
 * and the *.traj.h5 each kinematics file's /provenance names), so it does not depend on
 * kc-stats' internals. It writes, each file atomically:
 *   OUTDIR/report.html               the cohort
 *   OUTDIR/athletes/<subject>.html   one printable page per subject
 *   OUTDIR/plots/NAME.png              the figures (cairo drawing, libpng writing)
 *
 * Plots are drawn in points (1/72 inch) on a cairo image surface rendered at KC_PLOT_DPI, so
 * a figure of 7 x 4.5 inches prints at that size with 8-10 pt text.
 */
#ifndef KC_STATS_REPORT_H
#define KC_STATS_REPORT_H

#include <stddef.h>
#include <cairo.h>
#include "kinechain/h5io.h"
#include "kinechain/png.h"
#include "kinechain/status.h"

#define KC_PLOT_DPI 200.0

/* ---- drawing (plot.c) -------------------------------------------------------------------- */

typedef struct kc_rgb {
    double r, g, b;
} kc_rgb;

/* Okabe & Ito (2008) colour-blind-safe palette, i = 0.. (wraps). */
kc_rgb kc_plot_colour(size_t i);

/* A figure: an image surface of width_pt x height_pt points at KC_PLOT_DPI, white, with the
 * cairo context scaled so that user units are points. */
typedef struct kc_plot {
    cairo_surface_t *surface;
    cairo_t *cr;
    double width, height;   /* pt */
} kc_plot;

int kc_plot_open(kc_plot *p, double width_pt, double height_pt) KC_RESULT_USED;
void kc_plot_close(kc_plot *p);   /* frees; safe on a zeroed struct */

/* An axes box in points and its data ranges. */
typedef struct kc_axes {
    double x, y, w, h;            /* box, pt (y down) */
    double xmin, xmax, ymin, ymax;
    int no_yticks;                /* category y axes draw their own labels */
} kc_axes;

double kc_axes_px(const kc_axes *a, double x);
double kc_axes_py(const kc_axes *a, double y);
/* Widen [*lo, *hi] to "nice" tick limits (NaN/inf ignored; an empty range becomes [-1, 1]). */
void kc_plot_nice_range(double *lo, double *hi);
/* Frame, ticks with numbers, grid, title (bold), axis labels (units in the label). */
void kc_axes_draw(kc_plot *p, const kc_axes *a, const char *title, const char *xlabel,
                  const char *ylabel);
/* x labels at integer positions 0..n-1 instead of numbers (rotated when long). */
void kc_axes_category_labels(kc_plot *p, const kc_axes *a, size_t n, const char *const *labels);

/* Data drawing, clipped to the axes box. NaN values break lines. dash: 0 solid, 1 dashed,
 * 2 dotted. */
void kc_plot_line(kc_plot *p, const kc_axes *a, const double *x, const double *y, size_t n,
                  size_t ystride, kc_rgb c, double width_pt, int dash);
void kc_plot_band(kc_plot *p, const kc_axes *a, const double *x, const double *lo,
                  const double *hi, size_t n, kc_rgb c, double alpha);
void kc_plot_hspan(kc_plot *p, const kc_axes *a, double x0, double x1, double y0, double y1,
                   kc_rgb c, double alpha);
void kc_plot_marker(kc_plot *p, const kc_axes *a, double x, double y, kc_rgb c, double r_pt,
                    int filled);
/* Text at (x, y) pt; halign 0 left, 0.5 centre, 1 right; baseline at y; angle in degrees. */
void kc_plot_text(kc_plot *p, double x, double y, double size_pt, double halign, int bold,
                  double angle_deg, const char *s);
/* Legend box inside the axes at its top-right (corner 0) or top-left (corner 1): entries
 * with a line (kind 0), a filled box (kind 1) or a marker (kind 2). */
typedef struct kc_legend_item {
    const char *label;
    kc_rgb colour;
    int kind;
    int dash;
    double alpha;
} kc_legend_item;
void kc_plot_legend(kc_plot *p, const kc_axes *a, const kc_legend_item *items, size_t n,
                    int corner);

/* ---- the report (report.c, report_athlete.c, plot_figures.c) ----------------------------- */

typedef struct kc_report_params {
    const char *out_dir;          /* kc-stats' OUTDIR, already written */
    const char *manifest;         /* the manifest kc-stats read */
    const char *kin_dir;          /* as kc-stats' --kin-dir; NULL: the manifest's folder */
    const kc_provenance *prov;    /* command line for PNG text chunks; NULL or !enabled: none */
    const char *paired;           /* kc-stats' --paired column or NULL; the paired SPM figure
                                     is drawn when it is "subject" (cells matched on it) */
} kc_report_params;

/* Write report.html, athletes/<subject>.html and plots/NAME.png into out_dir. A trial whose
 * kinematics or trajectory file cannot be read is listed in the pages with the reason, not
 * an error. Errors: KC_EIO / KC_EFORMAT when kc-stats' own outputs cannot be read, KC_ENOMEM,
 * KC_EIO when a page or plot cannot be written (all logged). */
int kc_report_write(const kc_report_params *p) KC_RESULT_USED;

/* ---- internals shared by report.c, report_athlete.c and plot_figures.c ------------------ */

#include "kinechain/cohortfile.h"
#include "kinechain/table.h"

enum { KC_REP_NCENTRES = 6 };   /* LHJC, LKJC, LAJC, RHJC, RKJC, RAJC */

/* One side of one trial over its landing (plot_kinetics.c): x ms from initial contact,
 * vertical GRF (body weights) and external knee abduction moment (N.m/kg); n = 0 when the
 * trial has no kinetics there. */
typedef struct kc_rep_landing {
    size_t n;
    double *x, *grf, *kam;
} kc_rep_landing;
struct kc_kin;
int kc_rep_landing_of(const struct kc_kin *k, int side, kc_rep_landing *c) KC_RESULT_USED;
void kc_rep_landing_free(kc_rep_landing *c);
/* Copy of the landing curves of side s ("L"/"R") and channel Hip/Knee/Ankle of k: malloc'd
 * [101,3], NULL when absent; *st KC_ENOMEM when out of memory. */
double *kc_rep_landing_curve(const struct kc_kin *k, int side, int channel, int *st);

/* One analysed trial (a distinct subject/session/trial/by of trials.csv) and what its files
 * say. Strings are owned; NULL when unknown. */
typedef struct kc_rep_trial {
    char *subject, *session, *trial, *by, *group, *sex;
    char *kin_path;
    char *kin_error;              /* why the kinematics file could not be used, or NULL */
    char *model;                  /* /model name */
    kc_table *events;             /* /events of the kinematics file (copy) */
    int has_chain;                /* /chain present */
    char *chain[2];               /* /chain summary_L, summary_R (NULL when absent) */
    /* frontal-plane joint centres at the frame of peak knee valgus of side s (0 L, 1 R):
     * [s][centre][lateral, vertical] mm relative to the mid-point of the hip centres;
     * lateral = towards the subject's left. NaN when unknown. */
    double stick[2][KC_REP_NCENTRES][2];
    long stick_frame[2];
    double peak_valgus[2];        /* peak_knee_valgus_deg of that frame's side, deg */
    /* data quality from the trajectory file */
    char *traj_path;
    char *quality_error;          /* why there are no quality numbers, or NULL */
    size_t q_frames, q_markers;
    double gap_pct;               /* marker samples not measured (filled != 0 or NaN), % */
    double missing_pct;           /* marker samples still NaN after gap filling, % */
    double resid_median, resid_p95;   /* over measured samples */
    const char *resid_units;      /* "px" or "mm" */
    long ic_frame[2];             /* initial contact per side (-1 unknown) */
    long ic_filled[2], ic_samples[2];   /* filled marker samples within +-ic_window of IC */
    double ic_window_s;
    /* What the athlete page's figures draw, copied when the kinematics file is read (so the
     * pages, drawn in parallel, make no HDF5 call: Debian's HDF5 is not thread-safe):
     * kin_read: the file was read (kin_error NULL);
     * landing[s][c]: /normalized/landing channel {L,R}{Hip,Knee,Ankle} [101,3] or NULL;
     * kinetics[s]: the landing's vertical GRF and knee abduction moment (plot_kinetics.c). */
    int kin_read;
    double *landing[2][3];
    kc_rep_landing kinetics[2];
} kc_rep_trial;

typedef struct kc_rep_subject {
    char *id;
    char *file;          /* page name without folder: sanitised id + ".html" */
    char *slug;          /* sanitised id for plot names */
    char *sex, *group, *by;   /* of the first trial */
    size_t n_trials;
    size_t *trials;      /* indices into kc_report.trials */
    int stick_side;      /* side of the larger mean peak valgus (0 L, 1 R; -1 none) */
    double stick[KC_REP_NCENTRES][2];   /* mean over trials at stick_side's peak */
} kc_rep_subject;

typedef struct kc_report {
    const kc_report_params *p;
    char *plots_dir, *athletes_dir;
    kc_table *trials_csv, *subjects_csv, *groups_csv, *comparisons_csv, *left_right_csv,
        *reliability_csv, *spm_csv, *clusters_csv, *excluded_csv;
    kc_h5 *cohort;       /* OUTDIR/cohort.h5, open: curve ensembles are read one at a time */
    size_t n_trials;
    kc_rep_trial *trials;
    size_t n_subjects;
    kc_rep_subject *subjects;
    size_t n_levels;
    char **levels;       /* values of "by" in order of first appearance */
    char *command;       /* command line for the PNG text chunks, "" when provenance is off */
    /* subjects.csv rows by (subject, by, row): an athlete's rows without scanning the table
     * for every athlete (kc_rep_subject_rows) */
    struct kc_rep_row_key *subject_keys;
    size_t n_subject_keys;
    char *models;        /* model names seen, comma separated */
} kc_report;

/* Read the curve ensemble /curves/<name> of cohort.h5 (data and index); *found 0 and out
 * zeroed when absent. Free with kc_rep_curves_free. Memory: one ensemble at a time. */
int kc_rep_curves_load(const kc_report *r, const char *name, kc_curves *out, int *found)
    KC_RESULT_USED;
void kc_rep_curves_free(kc_curves *c);
/* The rows of subjects.csv of subject and by, in table order: *first into r->subject_keys and
 * the count (0 if none); the row numbers are r->subject_keys[*first + i].row. */
typedef struct kc_rep_row_key {
    const char *subject, *by;   /* borrowed from subjects_csv */
    size_t row;
} kc_rep_row_key;
size_t kc_rep_subject_rows(const kc_report *r, const char *subject, const char *by,
                           size_t *first);
/* A number from a CSV string column ("" or unparsable: NaN). */
double kc_rep_num(const kc_table *t, size_t row, const char *col);
const char *kc_rep_str(const kc_table *t, size_t row, const char *col);   /* "" if absent */
char *kc_rep_fmt(const char *fmt, ...) KC_PRINTF(1, 2);   /* malloc'd */
/* Write a figure into plots/NAME with the standard text chunks and Source = source. */
int kc_rep_save(const kc_report *r, kc_plot *p, const char *name, const char *source)
    KC_RESULT_USED;
/* HTML helpers */
void kc_html_esc(FILE *fp, const char *s);
void kc_html_head(FILE *fp, const char *title);
void kc_html_num(FILE *fp, double v, int decimals);

/* Figures (plot_figures.c). Each writes plots/<name> and sets *made, or leaves *made 0 when
 * the data for it are absent. Names are documented in docs/reports.md. */
extern const char *const kc_rep_channels[6];   /* Hip, Knee, Ankle, Pelvis, FootProgress, Thorax */
int kc_fig_bands(const kc_report *r, const char *channel, int *made) KC_RESULT_USED;
int kc_fig_subject_valgus(const kc_report *r, int *made) KC_RESULT_USED;
/* Trial-sides of trials table t whose video-comparable FPPA is ill-conditioned
 * (fppa_video_sensitivity_deg_per_cm > KC_CHAIN_FPPA_SENS_DEG_PER_CM); *n_all = those with a
 * video-comparable FPPA. */
size_t kc_rep_fppa_ill_conditioned(const kc_table *t, size_t *n_all);
/* The same per-subject layout for the kinetic metrics (peak external knee abduction moment,
 * peak vertical force, loading rate): a panel per metric with a value in trials.csv; no figure
 * (made = 0) when the cohort has none, i.e. no force plates. */
int kc_fig_subject_kinetics(const kc_report *r, int *made) KC_RESULT_USED;
int kc_fig_spm_groups(const kc_report *r, const char *channel, char *note, size_t note_len,
                      int *made) KC_RESULT_USED;
int kc_fig_spm_lr(const kc_report *r, const char *channel, char *note, size_t note_len,
                  int *made) KC_RESULT_USED;
int kc_fig_left_right(const kc_report *r, int *made) KC_RESULT_USED;
int kc_fig_stick(const kc_report *r, const kc_rep_subject *s, int *made) KC_RESULT_USED;
int kc_fig_athlete_curves(const kc_report *r, const kc_rep_subject *s, int *made)
    KC_RESULT_USED;

/* Athlete pages (report_athlete.c). Thread-safe for distinct subjects of one report: reads
 * only r (no HDF5, no log sink changes), writes only the subject's own files. */
int kc_rep_athlete_page(const kc_report *r, const kc_rep_subject *s) KC_RESULT_USED;
/* Every athlete page, over the OpenMP threads; the status of the first failing subject in
 * subject order (later subjects are then skipped, as a serial loop would stop). */
int kc_rep_athlete_pages(const kc_report *r) KC_RESULT_USED;

#endif
