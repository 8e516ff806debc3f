/* kinechain — multi-view correspondence of unlabelled blobs (include/kinechain/correspond.h).
 *
 * Epipolar geometry in normalised (undistorted) coordinates: for cameras a, b with
 * x_c = R X + t, the relative pose is R_ab = R_b R_aᵀ, t_ab = t_b − R_ab t_a and the
 * essential matrix E = [t_ab]ₓ R_ab maps x_a to the epipolar line l = E x_a in b
 * (Hartley & Zisserman, Multiple View Geometry, 2nd ed., §9.6). All epipolar lines in b pass
 * through the epipole e_b (the image of a's centre), which is what the angle bins exploit:
 * a blob at distance r from e_b whose line-angle differs by Δ from the query line lies
 * r·|sin Δ| from it, so with r ≥ r0 only |sin Δ| ≤ tol / r0 can qualify.
 * Selection is greedy by support, as in the multi-view matching of marker-based systems
 * (a point seen by more cameras is less likely to be a ghost: a false match must agree with
 * every camera that joins it).
 */
#include "kinechain/correspond.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "kinechain/log.h"
#include "kinechain/triangulate.h"

#define CORR_PI 3.14159265358979323846

kc_corr_params kc_corr_default_params(void)
{
    kc_corr_params p;
    p.epipolar_px = 2.0;
    p.reproj_px = 1.5;
    p.max_residual_px = 1.0;
    p.min_cameras = 3;
    p.two_view = 1;
    p.epipole_radius_px = 40.0;
    p.angle_bins = 64;
    p.cell_px = 32.0;
    return p;
}

static int pos_finite(double v) { return v > 0.0 && isfinite(v); }

int kc_corr_check_params(const kc_corr_params *p)
{
    if (!p) {
        KC_ERROR("correspondence parameters missing");
        return KC_EINVAL;
    }
    const char *bad = NULL;
    if (!pos_finite(p->epipolar_px))
        bad = "epipolar_px";
    else if (!pos_finite(p->reproj_px))
        bad = "reproj_px";
    else if (!pos_finite(p->max_residual_px))
        bad = "max_residual_px";
    else if (p->min_cameras < 2 || p->min_cameras > 254)
        bad = "min_cameras";
    else if (!pos_finite(p->epipole_radius_px))
        bad = "epipole_radius_px";
    else if (p->angle_bins < 1 || p->angle_bins > 100000)
        bad = "angle_bins";
    else if (!(p->cell_px >= p->reproj_px) || !isfinite(p->cell_px))
        bad = "cell_px (must be >= reproj_px)";
    if (bad) {
        KC_ERROR("correspondence: parameter %s is out of range", bad);
        return KC_EINVAL;
    }
    return KC_OK;
}

/* A candidate point: its blobs (index per camera, -1 none). */
typedef struct cand {
    double X[3];
    double res;
    int n;
    int order;          /* creation order: the last tie-break, for determinism */
    int32_t *blob;      /* [C] into ws->cblob */
} cand;

#define MEMB_MAX 4

struct kc_corr_ws {
    size_t C;
    kc_tri_ws *tri;
    kc_tri_params tp;
    /* per camera blob arrays, capacity cap[c] */
    size_t *cap;
    double **xn;        /* [C][cap][2] normalised undistorted (NaN when undistortion failed) */
    int **used;         /* [C][cap] 1 once taken by an accepted point */
    int **memb;         /* [C][cap][MEMB_MAX] candidates holding the blob (-1 free slot) */
    int **angbin;       /* [C][cap] scratch: angle bin of a blob for the current pair */
    /* angle buckets of the current pair: bin_start [nbins+2], bin_item [cap_b] */
    int *bin_start, *bin_item, *near;
    size_t bin_item_cap;
    /* pixel grid per camera */
    int *gw, *gh;
    int **cell_start;   /* [C][gw*gh+1] */
    int **cell_item;    /* [C][cap] */
    /* candidates */
    cand *cands;
    size_t n_cand, cap_cand;
    int32_t *cblob;     /* [cap_cand][C] */
    int *sorted;        /* [cap_cand] */
    /* triangulation scratch */
    double *uv;         /* [C][2] */
    uint8_t *usedcam;   /* [C] */
};

kc_corr_ws *kc_corr_ws_alloc(size_t C)
{
    if (C < 2)
        return NULL;
    kc_corr_ws *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->C = C;
    ws->tp = kc_tri_default_params();
    ws->tri = kc_tri_ws_alloc(C);
    ws->cap = calloc(C, sizeof *ws->cap);
    ws->xn = calloc(C, sizeof *ws->xn);
    ws->used = calloc(C, sizeof *ws->used);
    ws->memb = calloc(C, sizeof *ws->memb);
    ws->angbin = calloc(C, sizeof *ws->angbin);
    ws->gw = calloc(C, sizeof *ws->gw);
    ws->gh = calloc(C, sizeof *ws->gh);
    ws->cell_start = calloc(C, sizeof *ws->cell_start);
    ws->cell_item = calloc(C, sizeof *ws->cell_item);
    ws->uv = malloc(C * 2 * sizeof *ws->uv);
    ws->usedcam = malloc(C);
    if (!ws->tri || !ws->cap || !ws->xn || !ws->used || !ws->memb || !ws->angbin || !ws->gw ||
        !ws->gh || !ws->cell_start || !ws->cell_item || !ws->uv || !ws->usedcam) {
        kc_corr_ws_free(ws);
        return NULL;
    }
    return ws;
}

void kc_corr_ws_free(kc_corr_ws *ws)
{
    if (!ws)
        return;
    for (size_t c = 0; c < ws->C; c++) {
        if (ws->xn)
            free(ws->xn[c]);
        if (ws->used)
            free(ws->used[c]);
        if (ws->memb)
            free(ws->memb[c]);
        if (ws->angbin)
            free(ws->angbin[c]);
        if (ws->cell_start)
            free(ws->cell_start[c]);
        if (ws->cell_item)
            free(ws->cell_item[c]);
    }
    free(ws->xn);
    free(ws->used);
    free(ws->memb);
    free(ws->angbin);
    free(ws->cell_start);
    free(ws->cell_item);
    free(ws->gw);
    free(ws->gh);
    free(ws->cap);
    free(ws->bin_start);
    free(ws->bin_item);
    free(ws->near);
    free(ws->cands);
    free(ws->cblob);
    free(ws->sorted);
    free(ws->uv);
    free(ws->usedcam);
    kc_tri_ws_free(ws->tri);
    free(ws);
}

static int grow_blobs(kc_corr_ws *ws, size_t c, size_t n)
{
    if (n <= ws->cap[c] && ws->xn[c])
        return KC_OK;
    size_t cap = n < 16 ? 16 : n + n / 2;
    double *xn = realloc(ws->xn[c], cap * 2 * sizeof *xn);
    if (xn)
        ws->xn[c] = xn;
    int *u = realloc(ws->used[c], cap * sizeof *u);
    if (u)
        ws->used[c] = u;
    int *m = realloc(ws->memb[c], cap * MEMB_MAX * sizeof *m);
    if (m)
        ws->memb[c] = m;
    int *ab = realloc(ws->angbin[c], cap * sizeof *ab);
    if (ab)
        ws->angbin[c] = ab;
    int *ci = realloc(ws->cell_item[c], cap * sizeof *ci);
    if (ci)
        ws->cell_item[c] = ci;
    if (!xn || !u || !m || !ab || !ci)
        return KC_ENOMEM;
    ws->cap[c] = cap;
    if (cap > ws->bin_item_cap) {
        int *bi = realloc(ws->bin_item, cap * sizeof *bi);
        if (bi)
            ws->bin_item = bi;
        int *nr = realloc(ws->near, cap * sizeof *nr);
        if (nr)
            ws->near = nr;
        if (!bi || !nr)
            return KC_ENOMEM;
        ws->bin_item_cap = cap;
    }
    return KC_OK;
}

static int new_cand(kc_corr_ws *ws)
{
    if (ws->n_cand == ws->cap_cand) {
        size_t cap = ws->cap_cand ? 2 * ws->cap_cand : 64;
        cand *cs = realloc(ws->cands, cap * sizeof *cs);
        if (cs)
            ws->cands = cs;
        int32_t *cb = realloc(ws->cblob, cap * ws->C * sizeof *cb);
        if (cb)
            ws->cblob = cb;
        int *so = realloc(ws->sorted, cap * sizeof *so);
        if (so)
            ws->sorted = so;
        if (!cs || !cb || !so)
            return -1;
        ws->cap_cand = cap;
    }
    int k = (int)ws->n_cand++;
    for (size_t c = 0; c < ws->C; c++)
        ws->cblob[(size_t)k * ws->C + c] = -1;
    ws->cands[k].order = k;
    ws->cands[k].n = 0;
    ws->cands[k].res = NAN;
    return k;
}

/* Pixel grid of camera c: counting sort of its blobs into cells. */
static int build_grid(kc_corr_ws *ws, const kc_camera *cam, size_t c, const double *xy,
                      size_t n, double cell)
{
    int gw = (int)ceil((cam->width + 1) / cell), gh = (int)ceil((cam->height + 1) / cell);
    if (gw < 1)
        gw = 1;
    if (gh < 1)
        gh = 1;
    if (gw * gh != ws->gw[c] * ws->gh[c] || !ws->cell_start[c]) {
        int *cs = realloc(ws->cell_start[c], ((size_t)gw * gh + 1) * sizeof *cs);
        if (!cs)
            return KC_ENOMEM;
        ws->cell_start[c] = cs;
    }
    ws->gw[c] = gw;
    ws->gh[c] = gh;
    int *start = ws->cell_start[c], ncell = gw * gh;
    memset(start, 0, ((size_t)ncell + 1) * sizeof *start);
    int *cellof = ws->angbin[c];   /* scratch: cell of each blob */
    for (size_t i = 0; i < n; i++) {
        int gx = (int)floor((xy[2 * i] + 0.5) / cell), gy = (int)floor((xy[2 * i + 1] + 0.5) / cell);
        gx = gx < 0 ? 0 : gx >= gw ? gw - 1 : gx;
        gy = gy < 0 ? 0 : gy >= gh ? gh - 1 : gy;
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]))
            gx = gy = 0;
        cellof[i] = gy * gw + gx;
        start[cellof[i] + 1]++;
    }
    for (int k = 0; k < ncell; k++)
        start[k + 1] += start[k];
    /* stable fill (blob order within a cell): start[k] serves as cell k's write cursor,
     * then is shifted back to the cell's start */
    int *item = ws->cell_item[c];
    for (size_t i = 0; i < n; i++)
        item[start[cellof[i]]++] = (int)i;
    for (int k = ncell; k > 0; k--)
        start[k] = start[k - 1];
    start[0] = 0;
    return KC_OK;
}

/* The nearest free blob of camera c within tol px of uv, or -1. */
static int nearest_blob(const kc_corr_ws *ws, size_t c, const double *xy, const double uv[2],
                        double tol, double cell)
{
    int gw = ws->gw[c], gh = ws->gh[c];
    int x0 = (int)floor((uv[0] + 0.5 - tol) / cell), x1 = (int)floor((uv[0] + 0.5 + tol) / cell);
    int y0 = (int)floor((uv[1] + 0.5 - tol) / cell), y1 = (int)floor((uv[1] + 0.5 + tol) / cell);
    if (x1 < 0 || y1 < 0 || x0 >= gw || y0 >= gh)
        return -1;
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 >= gw ? gw - 1 : x1;
    y1 = y1 >= gh ? gh - 1 : y1;
    int best = -1;
    double bd = tol * tol;
    for (int gy = y0; gy <= y1; gy++)
        for (int gx = x0; gx <= x1; gx++) {
            int k = gy * gw + gx;
            for (int s = ws->cell_start[c][k]; s < ws->cell_start[c][k + 1]; s++) {
                int i = ws->cell_item[c][s];
                if (ws->used[c][i])
                    continue;
                double du = xy[2 * i] - uv[0], dv = xy[2 * i + 1] - uv[1];
                double d = du * du + dv * dv;
                if (d < bd || (d == bd && (best < 0 || i < best))) {
                    best = i;
                    bd = d;
                }
            }
        }
    return best;
}

/* Triangulate candidate k from its blobs (kc_tri_point); drops cameras it rejects. */
static int tri_cand(kc_corr_ws *ws, const kc_camera *cams, const double *const *xy, int k)
{
    size_t C = ws->C;
    int32_t *b = ws->cblob + (size_t)k * C;
    for (size_t c = 0; c < C; c++) {
        if (b[c] >= 0) {
            ws->uv[2 * c] = xy[c][2 * b[c]];
            ws->uv[2 * c + 1] = xy[c][2 * b[c] + 1];
        } else {
            ws->uv[2 * c] = ws->uv[2 * c + 1] = NAN;
        }
    }
    kc_tri_result r;
    if (kc_tri_point(&ws->tp, ws->tri, cams, C, ws->uv, 2, NULL, 0, ws->usedcam, &r))
        return KC_EINVAL;
    cand *cd = &ws->cands[k];
    memcpy(cd->X, r.X, sizeof r.X);
    cd->res = r.residual_px;
    cd->n = 0;
    for (size_t c = 0; c < C; c++) {
        if (!ws->usedcam[c] || !isfinite(r.X[0]))
            b[c] = -1;
        cd->n += b[c] >= 0;
    }
    if (!isfinite(r.X[0]))
        cd->n = 0;
    return KC_OK;
}

/* Add to candidate k the nearest free blob of each camera without one. Returns how many. */
static int grow_cand(kc_corr_ws *ws, const kc_camera *cams, const double *const *xy,
                     const size_t *n, int k, double tol, double cell)
{
    size_t C = ws->C;
    int32_t *b = ws->cblob + (size_t)k * C;
    int added = 0;
    kc_vec3 X = kc_v3(ws->cands[k].X[0], ws->cands[k].X[1], ws->cands[k].X[2]);
    for (size_t c = 0; c < C; c++) {
        if (b[c] >= 0 || n[c] == 0)
            continue;
        double uv[2];
        if (!kc_camera_project(&cams[c], X, uv))
            continue;
        int i = nearest_blob(ws, c, xy[c], uv, tol, cell);
        if (i >= 0) {
            b[c] = i;
            added++;
        }
    }
    return added;
}

static int memb_has_pair(const kc_corr_ws *ws, size_t a, int i, size_t b, int j)
{
    const int *ma = ws->memb[a] + (size_t)i * MEMB_MAX, *mb = ws->memb[b] + (size_t)j * MEMB_MAX;
    for (int s = 0; s < MEMB_MAX && ma[s] >= 0; s++)
        for (int u = 0; u < MEMB_MAX && mb[u] >= 0; u++)
            if (ma[s] == mb[u])
                return 1;
    return 0;
}

static void memb_add(kc_corr_ws *ws, int k)
{
    const int32_t *b = ws->cblob + (size_t)k * ws->C;
    for (size_t c = 0; c < ws->C; c++) {
        if (b[c] < 0)
            continue;
        int *m = ws->memb[c] + (size_t)b[c] * MEMB_MAX;
        for (int s = 0; s < MEMB_MAX; s++)
            if (m[s] < 0) {
                m[s] = k;
                break;
            }
    }
}

/* Two-view midpoint of the rays through normalised xa (camera a) and xb (camera b); false
 * when not in front of both cameras or the rays are parallel. */
static int two_view(const kc_camera *ca, const kc_camera *cb, const double *xa,
                    const double *xb, double X[3])
{
    kc_mat3 Rat = kc_m3_transpose(ca->R), Rbt = kc_m3_transpose(cb->R);
    kc_vec3 oa = kc_camera_centre(ca), ob = kc_camera_centre(cb);
    kc_vec3 da = kc_m3_apply(Rat, kc_v3(xa[0], xa[1], 1.0));
    kc_vec3 db = kc_m3_apply(Rbt, kc_v3(xb[0], xb[1], 1.0));
    kc_vec3 w = kc_v3_sub(oa, ob);
    double a = kc_v3_dot(da, da), bb = kc_v3_dot(da, db), c = kc_v3_dot(db, db);
    double d = kc_v3_dot(da, w), e = kc_v3_dot(db, w);
    double den = a * c - bb * bb;
    if (!(den > 1e-12 * a * c))
        return 0;
    double s = (bb * e - c * d) / den, t = (a * e - bb * d) / den;
    if (!(s > 0) || !(t > 0))   /* depths along [x, y, 1]: positive = in front */
        return 0;
    kc_vec3 pa = kc_v3_axpy(oa, s, da), pb = kc_v3_axpy(ob, t, db);
    X[0] = 0.5 * (pa.x + pb.x);
    X[1] = 0.5 * (pa.y + pb.y);
    X[2] = 0.5 * (pa.z + pb.z);
    return 1;
}

typedef struct sortkey {
    int n;
    double res;
    int order;
    int k;
} sortkey;

static int cmp_key(const void *pa, const void *pb)
{
    const sortkey *a = pa, *b = pb;
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    if (a->res != b->res)
        return a->res < b->res ? -1 : 1;
    return (a->order > b->order) - (a->order < b->order);
}

/* Seeds of camera pair (a, b), each grown into a candidate. */
static int seed_pair(const kc_corr_params *p, kc_corr_ws *ws, const kc_camera *cams,
                     const double *const *xy, const size_t *n, size_t a, size_t b,
                     int allow2)
{
    size_t C = ws->C;
    const kc_camera *ca = &cams[a], *cb = &cams[b];
    /* relative pose a -> b and essential matrix */
    kc_mat3 Rab = kc_m3_mul(cb->R, kc_m3_transpose(ca->R));
    kc_vec3 tab = kc_v3_sub(cb->t, kc_m3_apply(Rab, ca->t));
    double E[9];
    double tx[9] = {0, -tab.z, tab.y, tab.z, 0, -tab.x, -tab.y, tab.x, 0};
    for (int r = 0; r < 3; r++)
        for (int q = 0; q < 3; q++)
            E[3 * r + q] = tx[3 * r] * Rab.m[0][q] + tx[3 * r + 1] * Rab.m[1][q] +
                           tx[3 * r + 2] * Rab.m[2][q];
    double fb = 0.5 * (cb->fx + cb->fy);
    double tol_n = p->epipolar_px / fb;
    /* epipole of a in b */
    kc_vec3 e3 = kc_v3_add(kc_m3_apply(cb->R, kc_camera_centre(ca)), cb->t);
    int finite_ep = fabs(e3.z) > 1e-6 * kc_v3_norm(e3);
    double ex = finite_ep ? e3.x / e3.z : 0, ey = finite_ep ? e3.y / e3.z : 0;
    int nb = p->angle_bins, n_near = 0;
    double r0 = p->epipole_radius_px / fb;
    const double *xnb = ws->xn[b];
    if (finite_ep) {
        /* counting sort of b's free blobs by the angle of (blob - epipole), mod pi */
        int *start = ws->bin_start;
        memset(start, 0, ((size_t)nb + 2) * sizeof *start);
        int *bin = ws->angbin[b];
        for (size_t j = 0; j < n[b]; j++) {
            bin[j] = -1;
            if (ws->used[b][j] || !isfinite(xnb[2 * j]))
                continue;
            double dx = xnb[2 * j] - ex, dy = xnb[2 * j + 1] - ey;
            if (dx * dx + dy * dy < r0 * r0) {
                ws->near[n_near++] = (int)j;
                continue;
            }
            double th = atan2(dy, dx);
            if (th < 0)
                th += CORR_PI;
            int k = (int)(th / CORR_PI * nb);
            k = k >= nb ? nb - 1 : k < 0 ? 0 : k;
            bin[j] = k;
            start[k + 1]++;
        }
        for (int k = 0; k < nb; k++)
            start[k + 1] += start[k];
        for (size_t j = 0; j < n[b]; j++)
            if (bin[j] >= 0)
                ws->bin_item[start[bin[j]]++] = (int)j;
        for (int k = nb; k > 0; k--)
            start[k] = start[k - 1];
        start[0] = 0;
    }
    double half = finite_ep ? asin(fmin(1.0, tol_n / r0)) : 0;
    int span = finite_ep ? (int)ceil(half / CORR_PI * nb) : 0;
    for (size_t i = 0; i < n[a]; i++) {
        if (ws->used[a][i] || !isfinite(ws->xn[a][2 * i]))
            continue;
        const double *xa = ws->xn[a] + 2 * i;
        double l0 = E[0] * xa[0] + E[1] * xa[1] + E[2];
        double l1 = E[3] * xa[0] + E[4] * xa[1] + E[5];
        double l2 = E[6] * xa[0] + E[7] * xa[1] + E[8];
        double ln = sqrt(l0 * l0 + l1 * l1);
        if (!(ln > 0))
            continue;
        /* the blobs to check: near list + bins around the line's angle, or all */
        int nq_bins = 0, k0 = 0;
        if (finite_ep) {
            double th = atan2(l0, -l1);   /* direction of the line (-l1, l0) */
            if (th < 0)
                th += CORR_PI;
            if (th >= CORR_PI)
                th -= CORR_PI;
            int kc = (int)(th / CORR_PI * nb);
            k0 = kc - span - 1;
            nq_bins = 2 * span + 3;
            if (nq_bins > nb) {
                nq_bins = nb;
                k0 = 0;
            }
        }
        size_t total = finite_ep ? (size_t)n_near : n[b];
        for (int q = 0; q < nq_bins; q++) {
            int k = ((k0 + q) % nb + nb) % nb;
            total += (size_t)(ws->bin_start[k + 1] - ws->bin_start[k]);
        }
        int q = 0, s = 0, s_end = 0;
        for (size_t it = 0; it < total; it++) {
            int j;
            if (!finite_ep) {
                j = (int)it;
            } else if (it < (size_t)n_near) {
                j = ws->near[it];
            } else {
                while (s >= s_end) {
                    int k = ((k0 + q) % nb + nb) % nb;
                    s = ws->bin_start[k];
                    s_end = ws->bin_start[k + 1];
                    q++;
                }
                j = ws->bin_item[s++];
            }
            if (ws->used[b][j] || !isfinite(xnb[2 * j]))
                continue;
            double dist = fabs(l0 * xnb[2 * j] + l1 * xnb[2 * j + 1] + l2) / ln;
            if (dist > tol_n)
                continue;
            if (memb_has_pair(ws, a, (int)i, b, j))
                continue;
            double X[3];
            if (!two_view(ca, cb, xa, xnb + 2 * j, X))
                continue;
            int k = new_cand(ws);
            if (k < 0)
                return KC_ENOMEM;
            int32_t *bl = ws->cblob + (size_t)k * C;
            bl[a] = (int32_t)i;
            bl[b] = j;
            memcpy(ws->cands[k].X, X, sizeof X);
            if (grow_cand(ws, cams, xy, n, k, p->reproj_px, p->cell_px) == 0 && !allow2) {
                ws->n_cand--;   /* a two-view seed: left for the two-view pass */
                continue;
            }
            if (tri_cand(ws, cams, xy, k))
                return KC_EINVAL;
            if (ws->cands[k].n >= 2) {
                if (grow_cand(ws, cams, xy, n, k, p->reproj_px, p->cell_px) &&
                    tri_cand(ws, cams, xy, k))
                    return KC_EINVAL;
            }
            cand *cd = &ws->cands[k];
            int need = allow2 ? 2 : p->min_cameras;
            if (cd->n < need || !(cd->res <= p->max_residual_px)) {
                ws->n_cand--;
                continue;
            }
            memb_add(ws, k);
        }
    }
    return KC_OK;
}

/* Greedy selection of the candidates made so far; accepted points appended to out. */
static int select_cands(const kc_corr_params *p, kc_corr_ws *ws, const kc_camera *cams,
                        const double *const *xy, int need, kc_corr_point *out, int32_t *blob,
                        size_t max_out, size_t *n_out, size_t *n_dropped)
{
    size_t C = ws->C, nc = ws->n_cand;
    if (nc == 0)
        return KC_OK;
    sortkey *keys = malloc(nc * sizeof *keys);
    if (!keys)
        return KC_ENOMEM;
    for (size_t k = 0; k < nc; k++) {
        keys[k].n = ws->cands[k].n;
        keys[k].res = ws->cands[k].res;
        keys[k].order = ws->cands[k].order;
        keys[k].k = (int)k;
    }
    qsort(keys, nc, sizeof *keys, cmp_key);
    for (size_t s = 0; s < nc; s++) {
        int k = keys[s].k;
        int32_t *b = ws->cblob + (size_t)k * C;
        int lost = 0, left = 0;
        for (size_t c = 0; c < C; c++) {
            if (b[c] < 0)
                continue;
            if (ws->used[c][b[c]]) {
                b[c] = -1;
                lost++;
            } else {
                left++;
            }
        }
        if (left < need)
            continue;
        if (lost) {
            if (tri_cand(ws, cams, xy, k))
                return free(keys), KC_EINVAL;
            if (ws->cands[k].n < need || !(ws->cands[k].res <= p->max_residual_px))
                continue;
        }
        for (size_t c = 0; c < C; c++)
            if (b[c] >= 0)
                ws->used[c][b[c]] = 1;
        if (*n_out < max_out) {
            kc_corr_point *o = &out[*n_out];
            memcpy(o->X, ws->cands[k].X, sizeof o->X);
            o->residual_px = ws->cands[k].res;
            o->n_cameras = ws->cands[k].n;
            for (size_t c = 0; c < C; c++)
                blob[*n_out * C + c] = b[c];
            (*n_out)++;
        } else if (n_dropped) {
            (*n_dropped)++;
        }
    }
    free(keys);
    return KC_OK;
}

int kc_corr_frame(const kc_corr_params *p, kc_corr_ws *ws, const kc_camera *cams, size_t C,
                  const double *const *xy, const size_t *n, kc_corr_point *out,
                  int32_t *blob, size_t max_out, size_t *n_out, size_t *n_dropped)
{
    if (!p || !ws || !cams || !xy || !n || !n_out || C != ws->C || (max_out && (!out || !blob)))
        return KC_EINVAL;
    *n_out = 0;
    int st;
    /* the robust triangulation excludes a camera as soon as it disagrees by more than a
     * blob may be from the projection to join */
    ws->tp.outlier_px = p->reproj_px;
    for (size_t c = 0; c < C; c++) {
        if ((st = grow_blobs(ws, c, n[c] ? n[c] : 1)))
            return st;
        for (size_t i = 0; i < n[c]; i++) {
            ws->used[c][i] = 0;
            if (kc_camera_undistort(&cams[c], xy[c] + 2 * i, ws->xn[c] + 2 * i))
                ws->xn[c][2 * i] = ws->xn[c][2 * i + 1] = NAN;
        }
    }
    {   /* angle bins of this parameter set */
        int *bs = realloc(ws->bin_start, ((size_t)p->angle_bins + 2) * sizeof *bs);
        if (!bs)
            return KC_ENOMEM;
        ws->bin_start = bs;
    }
    /* pass 1: points of >= min_cameras cameras; pass 2 (two_view): pairs of free blobs */
    for (int pass = 0; pass < (p->two_view && p->min_cameras > 2 ? 2 : 1); pass++) {
        int tv = pass == 1 || p->min_cameras == 2;   /* two-camera points allowed */
        for (size_t c = 0; c < C; c++) {
            if ((st = build_grid(ws, &cams[c], c, xy[c], n[c], p->cell_px)))
                return st;
            for (size_t i = 0; i < n[c]; i++)
                for (int s = 0; s < MEMB_MAX; s++)
                    ws->memb[c][i * MEMB_MAX + s] = -1;
        }
        ws->n_cand = 0;
        for (size_t a = 0; a < C; a++)
            for (size_t b = a + 1; b < C; b++)
                if ((st = seed_pair(p, ws, cams, xy, n, a, b, tv)))
                    return st;
        if ((st = select_cands(p, ws, cams, xy, tv ? 2 : p->min_cameras, out, blob, max_out,
                               n_out, n_dropped)))
            return st;
    }
    return KC_OK;
}

int kc_corr_all(const kc_corr_params *p, const kc_camera *cams, size_t C, size_t F,
                const kc_centroids *cen, kc_corr_point **pts, int32_t **blob, int64_t **off)
{
    if (!pts || !blob || !off)
        return KC_EINVAL;
    *pts = NULL;
    *blob = NULL;
    *off = NULL;
    if (kc_corr_check_params(p) || !cams || !cen || C < 2)
        return KC_EINVAL;
    int nt = omp_get_max_threads();
    if (nt < 1)
        nt = 1;
    int st = KC_OK;
    /* per frame results, then concatenated in frame order */
    kc_corr_point **fp = calloc(F ? F : 1, sizeof *fp);
    int32_t **fb = calloc(F ? F : 1, sizeof *fb);
    size_t *fn = calloc(F ? F : 1, sizeof *fn);
    kc_corr_ws **ws = calloc((size_t)nt, sizeof *ws);
    if (!fp || !fb || !fn || !ws)
        st = KC_ENOMEM;
    for (int t = 0; t < nt && !st; t++)
        if (!(ws[t] = kc_corr_ws_alloc(C)))
            st = KC_ENOMEM;
    size_t dropped = 0;
    if (!st) {
        long nF = (long)F;
#pragma omp parallel num_threads(nt) reduction(+ : dropped)
        {
            int t = omp_get_thread_num();
            const double **xy = malloc(C * sizeof *xy);
            size_t *n = malloc(C * sizeof *n);
            int lst = xy && n ? KC_OK : KC_ENOMEM;
#pragma omp for schedule(dynamic, 4)
            for (long f = 0; f < nF; f++) {
                if (lst)
                    continue;
                size_t tot = 0;
                for (size_t c = 0; c < C; c++) {
                    int64_t o0 = cen[c].offsets[f], o1 = cen[c].offsets[f + 1];
                    xy[c] = cen[c].xy + 2 * o0;
                    n[c] = (size_t)(o1 - o0);
                    tot += n[c];
                }
                size_t max_out = tot / 2 + 1;
                fp[f] = malloc(max_out * sizeof **fp);
                fb[f] = malloc(max_out * C * sizeof **fb);
                if (!fp[f] || !fb[f]) {
                    lst = KC_ENOMEM;
                    continue;
                }
                size_t d = 0;
                lst = kc_corr_frame(p, ws[t], cams, C, xy, n, fp[f], fb[f], max_out, &fn[f], &d);
                dropped += d;
                /* global blob indices */
                for (size_t k = 0; k < fn[f] * C; k++)
                    if (fb[f][k] >= 0)
                        fb[f][k] += (int32_t)cen[k % C].offsets[f];
            }
            free(xy);
            free(n);
#pragma omp critical(kc_corr_status)
            if (lst && !st)
                st = lst;
        }
    }
    size_t total = 0;
    if (!st) {
        for (size_t f = 0; f < F; f++)
            total += fn[f];
        *pts = malloc((total ? total : 1) * sizeof **pts);
        *blob = malloc((total ? total : 1) * C * sizeof **blob);
        *off = malloc((F + 1) * sizeof **off);
        if (!*pts || !*blob || !*off) {
            st = KC_ENOMEM;
        } else {
            size_t k = 0;
            for (size_t f = 0; f < F; f++) {
                (*off)[f] = (int64_t)k;
                memcpy(*pts + k, fp[f], fn[f] * sizeof **pts);
                memcpy(*blob + k * C, fb[f], fn[f] * C * sizeof **blob);
                k += fn[f];
            }
            (*off)[F] = (int64_t)k;
        }
    }
    if (fp)
        for (size_t f = 0; f < F; f++) {
            free(fp[f]);
            free(fb[f]);
        }
    free(fp);
    free(fb);
    free(fn);
    if (ws)
        for (int t = 0; t < nt; t++)
            kc_corr_ws_free(ws[t]);
    free(ws);
    if (st) {
        free(*pts);
        free(*blob);
        free(*off);
        *pts = NULL;
        *blob = NULL;
        *off = NULL;
        if (st == KC_ENOMEM)
            KC_ERROR("out of memory for correspondence (%zu cameras, %zu frames)", C, F);
    } else if (dropped) {
        KC_WARN("correspondence: %zu points beyond the per-frame limit were dropped", dropped);
    }
    return st;
}
