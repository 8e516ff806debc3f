/* Person association across calibrated views (see associate.h for the method). */
#include "kinechain/associate.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/linalg.h"
#include "kinechain/log.h"

kc_assoc_params kc_assoc_default_params(void)
{
    kc_assoc_params p = {KC_KP_DEFAULT_MIN_CONFIDENCE, 100.0, 50.0, 4, 4096};
    return p;
}

int kc_assoc_check_params(const kc_assoc_params *p)
{
    if (!(p->min_confidence >= 0 && p->min_confidence <= 1)) {
        KC_ERROR("association: min_confidence %g is outside [0,1]", p->min_confidence);
        return KC_EINVAL;
    }
    if (!(p->cap_px > 0) || !isfinite(p->cap_px)) {
        KC_ERROR("association: cap_px %g must be a positive number", p->cap_px);
        return KC_EINVAL;
    }
    if (!(p->max_error_px > 0) || !isfinite(p->max_error_px)) {
        KC_ERROR("association: max_error_px %g must be a positive number", p->max_error_px);
        return KC_EINVAL;
    }
    if (p->min_keypoints < 1) {
        KC_ERROR("association: min_keypoints %d must be >= 1", p->min_keypoints);
        return KC_EINVAL;
    }
    if (p->max_combinations < 1) {
        KC_ERROR("association: max_combinations must be >= 1");
        return KC_EINVAL;
    }
    return KC_OK;
}

/* One keypoint of one person in one camera as a ray; w = 0 when unusable. */
typedef struct kp_ray {
    kc_vec3 o, d;
    double w;
} kp_ray;

/* Least-squares intersection of weighted rays: minimise sum w |(I - d d^T)(X - o)|^2, i.e.
 * solve [sum w (I - d d^T)] X = sum w (I - d d^T) o (3x3, LU from GSL). false when the
 * rays are (nearly) parallel. */
static bool intersect(const kp_ray *const *r, size_t n, kc_vec3 *X)
{
    double A[9] = {0}, b[3] = {0};
    for (size_t i = 0; i < n; i++) {
        const double d[3] = {r[i]->d.x, r[i]->d.y, r[i]->d.z};
        const double o[3] = {r[i]->o.x, r[i]->o.y, r[i]->o.z};
        for (int a = 0; a < 3; a++)
            for (int c = 0; c < 3; c++) {
                double m = r[i]->w * ((a == c) - d[a] * d[c]);
                A[3 * a + c] += m;
                b[a] += m * o[c];
            }
    }
    gsl_matrix_view Av = gsl_matrix_view_array(A, 3, 3);
    gsl_vector_view bv = gsl_vector_view_array(b, 3);
    double x[3];
    gsl_vector_view xv = gsl_vector_view_array(x, 3);
    gsl_permutation *perm = gsl_permutation_alloc(3);
    int sign;
    bool ok = perm && gsl_linalg_LU_decomp(&Av.matrix, perm, &sign) == 0;
    if (ok) {
        /* relative conditioning: the smallest pivot against the largest */
        double dmax = 0, dmin = INFINITY;
        for (int i = 0; i < 3; i++) {
            double v = fabs(A[4 * i]);
            dmax = v > dmax ? v : dmax;
            dmin = v < dmin ? v : dmin;
        }
        ok = dmax > 0 && dmin > 1e-9 * dmax &&
             gsl_linalg_LU_solve(&Av.matrix, perm, &bv.vector, &xv.vector) == 0 &&
             isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]);
    }
    gsl_permutation_free(perm);
    if (ok)
        *X = kc_v3(x[0], x[1], x[2]);
    return ok;
}

static double reproj_error(const kc_camera *cam, kc_vec3 X, const double *kp, double cap)
{
    double uv[2];
    if (!kc_camera_project(cam, X, uv))
        return cap;
    double e = hypot(uv[0] - kp[0], uv[1] - kp[1]);
    return isfinite(e) && e < cap ? e : cap;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double person_confidence(const double *kp, size_t K, double thr)
{
    double s = 0;
    for (size_t k = 0; k < K; k++)
        if (kp[3 * k + 2] > 0 && kp[3 * k + 2] >= thr)
            s += kp[3 * k + 2];
    return s;
}

int kc_assoc_fixed(const kc_kp_set *s, int person, double min_confidence, int *choice)
{
    size_t C = s->n_cameras, F = s->n_frames, K = s->n_keypoints;
    for (size_t c = 0; c < C; c++)
        for (size_t f = 0; f < F; f++) {
            const kc_kp_frame *fr = &s->cameras[c].frames[f];
            int best = -1;
            if (person >= 0) {
                best = (size_t)person < fr->n_people ? person : -1;
            } else {
                double bs = -1;
                for (size_t p = 0; p < fr->n_people; p++) {
                    double v = person_confidence(fr->kp + p * K * 3, K, min_confidence);
                    if (v > bs) {
                        bs = v;
                        best = (int)p;
                    }
                }
            }
            choice[c * F + f] = best;
        }
    return KC_OK;
}

/* Score one combination: mean capped reprojection error over keypoints seen by >= 2 of its
 * cameras; *n_used the number of errors averaged. sel[c] = person or -1. */
static double score(const kc_camera *cams, size_t C, size_t K, const kp_ray *const *rays,
                    const double *const *kps, const int *sel, double cap, size_t *n_used,
                    const kp_ray **tmp)
{
    double sum = 0;
    size_t n = 0;
    for (size_t k = 0; k < K; k++) {
        size_t m = 0;
        for (size_t c = 0; c < C; c++)
            if (sel[c] >= 0 && rays[c][(size_t)sel[c] * K + k].w > 0)
                tmp[m++] = &rays[c][(size_t)sel[c] * K + k];
        kc_vec3 X;
        if (m < 2 || !intersect(tmp, m, &X))
            continue;
        for (size_t c = 0; c < C; c++)
            if (sel[c] >= 0 && rays[c][(size_t)sel[c] * K + k].w > 0) {
                sum += reproj_error(&cams[c], X, kps[c] + ((size_t)sel[c] * K + k) * 3, cap);
                n++;
            }
    }
    *n_used = n;
    return n ? sum / (double)n : INFINITY;
}

/* Median reprojection error in camera c of the chosen people's keypoints triangulated
 * from cameras i and j alone (keypoints seen by all three); -1 when fewer than
 * min_keypoints. c may equal i or j (the pair's own error). */
static double pair_error(const kc_camera *cams, size_t K, const kp_ray *const *rays,
                         const double *const *kps, const int *sel, size_t i, size_t j,
                         size_t c, int min_keypoints, double *errs)
{
    size_t ne = 0;
    for (size_t k = 0; k < K; k++) {
        const kp_ray *r[2] = {&rays[i][(size_t)sel[i] * K + k], &rays[j][(size_t)sel[j] * K + k]};
        if (r[0]->w <= 0 || r[1]->w <= 0 || rays[c][(size_t)sel[c] * K + k].w <= 0)
            continue;
        kc_vec3 X;
        if (!intersect(r, 2, &X))
            continue;
        errs[ne++] = reproj_error(&cams[c], X, kps[c] + ((size_t)sel[c] * K + k) * 3, INFINITY);
    }
    if (ne < (size_t)min_keypoints)
        return -1;
    qsort(errs, ne, sizeof *errs, cmp_double);
    return ne % 2 ? errs[ne / 2] : 0.5 * (errs[ne / 2 - 1] + errs[ne / 2]);
}

/* Drop (sel = -1) the chosen cameras that disagree with the best-supported pair. A pair is
 * valid when its own two views agree (median error <= max_error_px in both); its support
 * is the cameras whose median error to its points is <= max_error_px, or that share too few
 * keypoints to judge. Best: most support, then the smallest sum of medians, then the first
 * pair. Needs >= 3 chosen cameras; agree[C] is scratch. */
static void consistency(const kc_camera *cams, size_t C, size_t K, const kp_ray *const *rays,
                        const double *const *kps, int *sel, const kc_assoc_params *p,
                        double *errs, int *agree, size_t *dropped)
{
    size_t n_sel = 0;
    for (size_t c = 0; c < C; c++)
        n_sel += sel[c] >= 0;
    if (n_sel < 3)
        return;
    size_t best_n = 0, best_i = 0, best_j = 0;
    double best_sum = INFINITY;
    for (size_t i = 0; i < C; i++)
        for (size_t j = i + 1; j < C; j++) {
            if (sel[i] < 0 || sel[j] < 0)
                continue;
            double ei = pair_error(cams, K, rays, kps, sel, i, j, i, p->min_keypoints, errs);
            double ej = pair_error(cams, K, rays, kps, sel, i, j, j, p->min_keypoints, errs);
            if (ei < 0 || ej < 0 || ei > p->max_error_px || ej > p->max_error_px)
                continue;
            size_t n = 2;
            double sum = ei + ej;
            for (size_t c = 0; c < C; c++) {
                if (c == i || c == j || sel[c] < 0)
                    continue;
                double e = pair_error(cams, K, rays, kps, sel, i, j, c, p->min_keypoints, errs);
                if (e <= p->max_error_px) {   /* includes -1: cannot judge, keep */
                    n++;
                    sum += e > 0 ? e : 0;
                }
            }
            if (n > best_n || (n == best_n && sum < best_sum)) {
                best_n = n;
                best_sum = sum;
                best_i = i;
                best_j = j;
            }
        }
    if (best_n == 0)
        return;   /* no two cameras agree: nothing to measure the others against */
    for (size_t c = 0; c < C; c++) {
        agree[c] = 1;
        if (sel[c] < 0 || c == best_i || c == best_j)
            continue;
        double e = pair_error(cams, K, rays, kps, sel, best_i, best_j, c, p->min_keypoints,
                              errs);
        agree[c] = e <= p->max_error_px;
    }
    for (size_t c = 0; c < C; c++)
        if (sel[c] >= 0 && !agree[c]) {
            sel[c] = -1;
            (*dropped)++;
        }
}

int kc_assoc_choose(const kc_kp_set *s, const kc_camera *cams, const kc_assoc_params *p,
                    int *choice, kc_assoc_stats *stats)
{
    if (kc_assoc_check_params(p))
        return KC_EINVAL;
    size_t C = s->n_cameras, F = s->n_frames, K = s->n_keypoints;
    kc_assoc_stats z = {0, 0, 0};
    kp_ray **rays = calloc(C, sizeof *rays);
    const kp_ray **tmp = malloc((C + 1) * sizeof *tmp);
    const double **kps = calloc(C, sizeof *kps);
    int *sel = malloc(C * sizeof *sel), *idx = malloc(C * sizeof *idx);
    int *bsel = malloc(C * sizeof *bsel);      /* best combination so far */
    int *keep = malloc(C * sizeof *keep);     /* people considered per camera */
    int **order = calloc(C, sizeof *order);   /* people by decreasing confidence */
    double *errs = malloc((K + 1) * sizeof *errs);
    double *conf = NULL;
    int st = KC_ENOMEM;
    if (!rays || !tmp || !kps || !sel || !idx || !bsel || !keep || !order || !errs)
        goto done;
    for (size_t f = 0; f < F; f++) {
        /* rays of every person's keypoints */
        bool multi = false;
        for (size_t c = 0; c < C; c++) {
            const kc_kp_frame *fr = &s->cameras[c].frames[f];
            free(rays[c]);
            free(order[c]);
            rays[c] = NULL;
            order[c] = NULL;
            kps[c] = fr->kp;
            keep[c] = (int)fr->n_people;
            if (fr->n_people == 0) {
                z.camera_frames_empty++;
                continue;
            }
            multi |= fr->n_people > 1;
            if (!(rays[c] = malloc(fr->n_people * K * sizeof *rays[c])) ||
                !(order[c] = malloc(fr->n_people * sizeof *order[c])) ||
                !(conf = realloc(conf, fr->n_people * sizeof *conf)))
                goto done;
            for (size_t q = 0; q < fr->n_people; q++) {
                conf[q] = person_confidence(fr->kp + q * K * 3, K, p->min_confidence);
                order[c][q] = (int)q;
                for (size_t k = 0; k < K; k++) {
                    const double *v = fr->kp + (q * K + k) * 3;
                    kp_ray *r = &rays[c][q * K + k];
                    r->w = 0;
                    if (v[2] > 0 && v[2] >= p->min_confidence &&
                        kc_camera_ray(&cams[c], v, &r->o, &r->d) == KC_OK)
                        r->w = v[2];
                }
            }
            /* insertion sort by decreasing confidence, ties by index (stable) */
            for (size_t a = 1; a < fr->n_people; a++)
                for (size_t b = a; b > 0 && conf[order[c][b]] > conf[order[c][b - 1]]; b--) {
                    int t = order[c][b];
                    order[c][b] = order[c][b - 1];
                    order[c][b - 1] = t;
                }
        }
        z.frames_with_choice += multi;
        /* bound the number of combinations: trim the camera with the most people */
        for (;;) {
            double prod = 1;
            size_t wide = 0;
            for (size_t c = 0; c < C; c++) {
                if (keep[c] > 0)
                    prod *= keep[c];
                if (keep[c] > keep[wide])
                    wide = c;
            }
            if (prod <= (double)p->max_combinations || keep[wide] <= 1)
                break;
            keep[wide]--;
        }
        /* enumerate (odometer over cameras; index j of camera c means order[c][j]) */
        for (size_t c = 0; c < C; c++) {
            idx[c] = 0;
            bsel[c] = keep[c] > 0 ? order[c][0] : -1;
        }
        double bscore = INFINITY;
        if (multi) {
            for (;;) {
                for (size_t c = 0; c < C; c++)
                    sel[c] = keep[c] > 0 ? order[c][idx[c]] : -1;
                size_t n;
                double v = score(cams, C, K, (const kp_ray *const *)rays, kps, sel, p->cap_px,
                                 &n, tmp);
                if (n >= (size_t)p->min_keypoints && v < bscore) {
                    bscore = v;
                    memcpy(bsel, sel, C * sizeof *sel);
                }
                size_t c = 0;
                for (; c < C; c++) {
                    if (keep[c] <= 0)
                        continue;
                    if (++idx[c] < keep[c])
                        break;
                    idx[c] = 0;
                }
                if (c == C)
                    break;
            }
        }
        /* consistency: the pair of chosen cameras that the most other cameras agree with
         * (RANSAC-like over pairs, so one odd camera cannot spoil the others' checks);
         * cameras that disagree with it are dropped */
        for (size_t c = 0; c < C; c++)
            sel[c] = bsel[c];
        consistency(cams, C, K, (const kp_ray *const *)rays, kps, sel, p, errs, keep,
                    &z.camera_frames_dropped);
        for (size_t c = 0; c < C; c++)
            choice[c * F + f] = sel[c];
    }
    st = KC_OK;
    if (stats)
        *stats = z;
done:
    for (size_t c = 0; c < C; c++) {
        if (rays)
            free(rays[c]);
        if (order)
            free(order[c]);
    }
    free(rays);
    free(order);
    free(tmp);
    free(kps);
    free(sel);
    free(idx);
    free(bsel);
    free(keep);
    free(errs);
    free(conf);
    return st;
}
