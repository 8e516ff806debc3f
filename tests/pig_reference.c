/* pig_reference — the Plug-in Gait model of docs/pig-model.md, re-implemented from that page
 * alone (see pig_reference.h). Each function follows one paragraph of the page; the page, not
 * kinechain's code, is the authority.
 */
#include "pig_reference.h"

#include <stdio.h>

const char pr_side_char[2] = {'L', 'R'};
const char pr_plane_char[3] = {'X', 'Y', 'Z'};
const char *const pr_kind_names[N_KIND] = {"Pelvis", "Hip", "Knee", "Ankle", "FootProgress",
                                           "Thorax"};
static const char *const jc_names[3] = {"HJC", "KJC", "AJC"};
const char *const pr_marker_names[N_MK] = {
    "LASI", "RASI", "LPSI", "RPSI", "C7",   "T10",  "CLAV", "STRN", "LTHI", "LKNE", "LTIB",
    "LANK", "LHEE", "LTOE", "RTHI", "RKNE", "RTIB", "RANK", "RHEE", "RTOE"};

opts pr_default_opts(void)
{
    opts o = {0, 1, 0, 0, MUT_NONE};
    return o;
}

/* chord(I, P, J, d) of the page: L = |J − I|, u = (J − I)/L, w = −unit of the part of P − I
 * normal to u; K = I + ((L² − d²)/L)·u + (d·√(L² − d²)/L)·w. */
vec pr_chord(vec I, vec P, vec J, double d)
{
    double len = vnorm(vsub(J, I));
    vec u = vscale(vsub(J, I), 1.0 / len);
    vec ip = vsub(P, I);
    vec q = vsub(ip, vscale(u, vdot(ip, u)));
    vec w = vscale(vunit(q), -1.0);
    double r = sqrt(len * len - d * d);
    return vadd(I, vadd(vscale(u, (len * len - d * d) / len), vscale(w, d * r / len)));
}

/* Davis hip joint centre as Plug-in Gait implements it. */
static vec hjc_davis(const subj *s, int side, vec o, mat pel, vec lasi, vec rasi)
{
    const double th = 0.500000178813934, be = 0.314000427722931;
    double mr = s->md / 2.0;
    double C = 0.115 * (s->ll[LEFT] + s->ll[RIGHT]) / 2.0 - 15.3;
    double at = s->at[side] != 0.0 ? s->at[side] : 0.1288 * s->ll[side] - 48.56;
    double ia = s->ia != 0.0 ? s->ia : vnorm(vsub(lasi, rasi));
    double aa = ia / 2.0;
    double x = C * cos(th) * sin(be) - (at + mr) * cos(be);
    double y = (side == LEFT ? 1.0 : -1.0) * (aa - C * sin(th));
    double z = -C * cos(th) * cos(be) - (at + mr) * sin(be);
    return vadd(o, vadd(vscale(mcol(pel, 0), x),
                        vadd(vscale(mcol(pel, 1), y), vscale(mcol(pel, 2), z))));
}

/* Every segment frame up to the uncorrected foot U, from one frame's markers. */
void pr_segments(const vec *mk, const subj *s, const opts *o, pose *p)
{
    vec lasi = mk[M_LASI], rasi = mk[M_RASI];
    p->o_pel = vmid(lasi, rasi);
    p->sacr = vmid(mk[M_LPSI], mk[M_RPSI]);
    vec Y = vunit(vsub(lasi, rasi));
    vec w = vsub(p->o_pel, p->sacr);
    vec X = vunit(vsub(w, vscale(Y, vdot(w, Y))));
    vec Z = vcross(X, Y);
    p->pel = mcols(X, Y, Z);

    for (int side = 0; side < 2; side++) {
        vec thi = mk[mk_side(side, S_THI)], kne = mk[mk_side(side, S_KNE)];
        vec tib = mk[mk_side(side, S_TIB)], ank = mk[mk_side(side, S_ANK)];
        vec toe = mk[mk_side(side, S_TOE)];
        vec hjc = hjc_davis(s, side, p->o_pel, p->pel, lasi, rasi);
        vec kjc = pr_chord(hjc, thi, kne, (s->kw[side] + s->md) / 2.0);
        p->hjc[side] = hjc;
        p->kjc[side] = kjc;

        vec fz = vunit(vsub(hjc, kjc));
        vec fx = side == RIGHT ? vunit(vcross(fz, vsub(kne, hjc)))
                               : vunit(vcross(vsub(kne, hjc), fz));
        p->fem[side] = mcols(fx, vcross(fz, fx), fz);

        vec ajc = pr_chord(kjc, tib, ank, (s->aw[side] + s->md) / 2.0);
        p->ajc[side] = ajc;
        vec tz = vunit(vsub(kjc, ajc));
        vec tx = side == RIGHT ? vunit(vcross(tz, vsub(tib, ank)))
                               : vunit(vcross(vsub(tib, ank), tz));
        vec ty = vcross(tz, tx);
        p->tib[side] = mcols(tx, ty, tz);

        /* Torsioned tibia: rotated about its Z by −τ on both sides. */
        double tau = rad(o->tau_sign * s->tau[side]);
        vec tx2 = vsub(vscale(tx, cos(tau)), vscale(ty, sin(tau)));
        vec ty2 = vadd(vscale(tx, sin(tau)), vscale(ty, cos(tau)));
        p->tibt[side] = mcols(tx2, ty2, tz);

        vec uz = vunit(vsub(ajc, toe));
        vec ux = vunit(vcross(ty2, uz));
        p->footu[side] = mcols(ux, vcross(uz, ux), uz);
    }

    vec upper = vmid(mk[M_C7], mk[M_CLAV]), lower = vmid(mk[M_T10], mk[M_STRN]);
    vec front = vmid(mk[M_CLAV], mk[M_STRN]), back = vmid(mk[M_C7], mk[M_T10]);
    vec hz = vunit(vsub(upper, lower));
    vec v = vsub(front, back);
    vec hx = vunit(vsub(v, vscale(hz, vdot(v, hz))));
    p->thx = mcols(hx, vcross(hz, hx), hz);
}

/* F = U·Ry(−β)·Rx(−α). */
void pr_foot_corrected(pose *p, const double alpha[2], const double beta[2])
{
    for (int side = 0; side < 2; side++)
        p->footf[side] = mmul(p->footu[side], mmul(roty(-beta[side]), rotx(-alpha[side])));
}

/* Static offsets of one side from one (static) frame: z_a = Uᵀ·unit(HEE − TOE),
 * α = asin(z_a,y), β = atan2(−z_a,x, z_a,z). Foot flat replaces HEE's Z by TOE's Z + sole delta. */
static void offsets_of(const pose *p, const vec *mk, const subj *s, const opts *o, int side,
                       double *alpha, double *beta)
{
    vec hee = mk[mk_side(side, S_HEE)], toe = mk[mk_side(side, S_TOE)];
    if (o->foot_flat)
        hee.z = toe.z + s->sole[side];
    vec za = mapply(mtrans(p->footu[side]), vunit(vsub(hee, toe)));
    double sy = za.y > 1.0 ? 1.0 : za.y < -1.0 ? -1.0 : za.y;
    *alpha = asin(sy);
    *beta = atan2(-za.x, za.z);
}

void pr_channel_name(int ch, char *buf, size_t n)
{
    if (ch < N_ANG)
        snprintf(buf, n, "%c%s", pr_side_char[ch % 2], pr_kind_names[ch / 2]);
    else
        snprintf(buf, n, "%c%s", pr_side_char[(ch - N_ANG) % 2], jc_names[(ch - N_ANG) / 2]);
}

/* The document's output table: raw YXZ components (degrees) → channel output. */
void pr_channel_out(int kind, int side, double a, double b, double c, double out[3])
{
    int l = side == LEFT;
    switch (kind) {
    case K_PELVIS:
    case K_THORAX:
        out[0] = a;
        out[1] = l ? b : -b;
        out[2] = l ? -c : c;
        break;
    case K_HIP:
        out[0] = -a;
        out[1] = l ? -b : b;
        out[2] = l ? -c : c;
        break;
    case K_KNEE:
        out[0] = a;
        out[1] = l ? -b : b;
        out[2] = l ? -c : c;
        break;
    case K_ANKLE:
        out[0] = -(a + 90.0);
        out[1] = l ? -c : c;
        out[2] = l ? -b : b;
        break;
    default: /* K_FOOTPROG */
        out[0] = a;
        out[1] = l ? c : -c;
        out[2] = l ? -b : b;
        break;
    }
    for (int k = 0; k < 3; k++)
        out[k] = wrap180(out[k]);
}

/* All channels of one frame. prog: the trial's progression frame. */
void pr_compute_frame(const vec *mk, const subj *s, const double alpha[2], const double beta[2],
                      mat prog, const opts *o, double ang[N_ANG][3], double jc[N_JC][3])
{
    pose p;
    pr_segments(mk, s, o, &p);
    pr_foot_corrected(&p, alpha, beta);
    for (int kind = 0; kind < N_KIND; kind++)
        for (int side = 0; side < 2; side++) {
            mat P, D;
            switch (kind) {
            case K_PELVIS: P = prog; D = p.pel; break;
            case K_HIP: P = p.pel; D = p.fem[side]; break;
            case K_KNEE:
                P = p.fem[side];
                D = o->mutation == MUT_KNEE_TORSIONED ? p.tibt[side] : p.tib[side];
                break;
            case K_ANKLE:
                P = o->mutation == MUT_ANKLE_UNTORSIONED ? p.tib[side] : p.tibt[side];
                D = p.footf[side];
                break;
            case K_FOOTPROG: P = prog; D = p.footf[side]; break;
            default: P = prog; D = p.thx; break;
            }
            double a, b, c;
            cardan_yxz(mmul(mtrans(P), D), &a, &b, &c);
            double *out = ang[2 * kind + side];
            pr_channel_out(kind, side, deg(a), deg(b), deg(c), out);
            if (kind == K_HIP && o->mutation == MUT_HIP_Y_FLIP)
                out[1] = -out[1];
        }
    for (int side = 0; side < 2; side++) {
        vec c3[3] = {p.hjc[side], p.kjc[side], p.ajc[side]};
        for (int j = 0; j < 3; j++)
            for (int k = 0; k < 3; k++)
                jc[2 * j + side][k] = vget(c3[j], k);
    }
}

/* Snap a horizontal direction to the lab's ±X or ±Y; X = that axis, Z = lab Z, Y = Z × X.
 * A tie |x| == |y| goes to X (the document does not say). */
static mat snap_axis(double hx, double hy)
{
    if (!isfinite(hx) || !isfinite(hy) || (hx == 0.0 && hy == 0.0))
        return mnan();
    vec X = fabs(hx) >= fabs(hy) ? v3(hx > 0 ? 1 : -1, 0, 0) : v3(0, hy > 0 ? 1 : -1, 0);
    vec Z = v3(0, 0, 1);
    return mcols(X, vcross(Z, X), Z);
}

/* The progression frame of a trial: LASI displacement first → last valid frame if its
 * horizontal length exceeds 800 mm, else the mean horizontal O_pelvis − SACR over the middle
 * 10% of frames. mk: [F·N_MK]. *branch: 1 displacement, 2 pelvis facing. */
mat pr_progression(const vec *mk, size_t F, int *branch)
{
    long first = -1, last = -1;
    for (size_t f = 0; f < F; f++)
        if (vfinite(mk[f * N_MK + M_LASI])) {
            if (first < 0)
                first = (long)f;
            last = (long)f;
        }
    if (first >= 0) {
        vec d = vsub(mk[(size_t)last * N_MK + M_LASI], mk[(size_t)first * N_MK + M_LASI]);
        if (hypot(d.x, d.y) > 800.0) {
            *branch = 1;
            return snap_axis(d.x, d.y);
        }
    }
    *branch = 2;
    size_t f0 = (size_t)floor(0.45 * (double)F);
    long n = lround(0.1 * (double)F);
    if (n < 1)
        n = 1;
    double hx = 0, hy = 0;
    size_t used = 0;
    for (size_t f = f0; f < f0 + (size_t)n && f < F; f++) {
        const vec *m = mk + f * N_MK;
        vec h = vsub(vmid(m[M_LASI], m[M_RASI]), vmid(m[M_LPSI], m[M_RPSI]));
        if (!vfinite(h))
            continue;
        hx += h.x;
        hy += h.y;
        used++;
    }
    if (used == 0)
        return mnan();
    return snap_axis(hx / (double)used, hy / (double)used);
}

/* Offsets (radians) from the static trial: markers averaged over its frames, or (variant)
 * per-frame offsets averaged. */
void pr_static_offsets(const vec *mk, size_t F, const subj *s, const opts *o, double alpha[2],
                       double beta[2])
{
    alpha[LEFT] = alpha[RIGHT] = beta[LEFT] = beta[RIGHT] = 0.0;
    if (o->no_offsets)
        return;
    if (o->offsets_per_frame) {
        double sa[2] = {0, 0}, sb[2] = {0, 0};
        size_t n[2] = {0, 0};
        for (size_t f = 0; f < F; f++) {
            const vec *m = mk + f * N_MK;
            pose p;
            pr_segments(m, s, o, &p);
            for (int side = 0; side < 2; side++) {
                double a, b;
                offsets_of(&p, m, s, o, side, &a, &b);
                if (isfinite(a) && isfinite(b)) {
                    sa[side] += a;
                    sb[side] += b;
                    n[side]++;
                }
            }
        }
        for (int side = 0; side < 2; side++) {
            alpha[side] = n[side] ? sa[side] / (double)n[side] : NAN;
            beta[side] = n[side] ? sb[side] / (double)n[side] : NAN;
        }
        return;
    }
    vec mean[N_MK];
    for (int m = 0; m < N_MK; m++) {
        vec acc = v3(0, 0, 0);
        size_t n = 0;
        for (size_t f = 0; f < F; f++) {
            vec v = mk[f * N_MK + m];
            if (vfinite(v)) {
                acc = vadd(acc, v);
                n++;
            }
        }
        mean[m] = n ? vscale(acc, 1.0 / (double)n) : v3(NAN, NAN, NAN);
    }
    pose p;
    pr_segments(mean, s, o, &p);
    for (int side = 0; side < 2; side++)
        offsets_of(&p, mean, s, o, side, &alpha[side], &beta[side]);
}
