/* kc-calib points (calib/points.c): DLT + nonlinear refinement of one camera from control
 * points. A camera with distortion (k1 -0.08, k2 0.02; p1 = p2 = k3 = 0, which the model
 * fixes) sees 40 control points spread over a 2 x 2 x 1.5 m volume with 0.2 px noise (a
 * fixed LCG): fx, fy within 0.3%, principal point within 4 px, camera centre within 5 mm,
 * orientation within 0.1 deg, a 3-D grid over the volume projected through recovered and
 * true model within 0.3 px RMS; RMS per coordinate within 25% of
 * 0.2·sqrt(1 - 12/80). Errors: fewer than 6 points, coplanar points -> KC_EINVAL. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "points.h"
#include "kinechain/log.h"
#include "testutil.h"

#define DEG (180.0 / 3.14159265358979323846)

static double noise(unsigned long *s)
{
    double a = 0;
    for (int k = 0; k < 4; k++) {
        *s = *s * 6364136223846793005UL + 1442695040888963407UL;
        a += (double)(*s >> 11) / 9007199254740992.0 - 0.5;
    }
    return a * sqrt(3.0);
}

int main(void)
{
    kc_log_init("test_calib_points", KC_LOG_WARNING);
    kc_camera truth;
    memset(&truth, 0, sizeof truth);
    snprintf(truth.name, sizeof truth.name, "c1");
    truth.width = 1920, truth.height = 1080;
    truth.fx = 1412.5, truth.fy = 1409.25, truth.cx = 967.3, truth.cy = 531.8;
    truth.k1 = -0.08, truth.k2 = 0.02;
    kc_vec3 centre = kc_v3(2600, -3100, 1700);
    kc_vec3 z = kc_v3_unit(kc_v3_sub(kc_v3(0, 0, 700), centre));
    kc_vec3 x = kc_v3_unit(kc_v3_cross(z, kc_v3(0, 0, 1)));
    kc_vec3 y = kc_v3_cross(z, x);
    kc_mat3 R = {{{x.x, x.y, x.z}, {y.x, y.y, y.z}, {z.x, z.y, z.z}}};
    truth.R = R;
    truth.t = kc_v3_scale(kc_m3_apply(R, centre), -1);
    double X[3 * 40], uv[2 * 40];
    unsigned long seed = 777;
    size_t n = 0;
    for (int i = 0; i < 40; i++) {
        double px = -1000 + 2000 * fmod(0.6180339887 * (i + 1), 1.0);
        double py = -1000 + 2000 * fmod(0.7548776662 * (i + 1), 1.0);
        double pz = 1500 * fmod(0.5698402910 * (i + 1), 1.0);
        double p[2];
        if (!kc_camera_project(&truth, kc_v3(px, py, pz), p) || !kc_camera_in_image(&truth, p, 2))
            continue;
        X[3 * n] = px, X[3 * n + 1] = py, X[3 * n + 2] = pz;
        uv[2 * n] = p[0] + 0.2 * noise(&seed);
        uv[2 * n + 1] = p[1] + 0.2 * noise(&seed);
        n++;
    }
    CHECK("most control points in view", n >= 30);
    kc_camera cam;
    memset(&cam, 0, sizeof cam);
    snprintf(cam.name, sizeof cam.name, "c1");
    cam.width = 1920, cam.height = 1080;
    double rms = NAN;
    CHECK("calibrate", kc_points_calibrate_camera(&cam, X, uv, n, &rms) == KC_OK);
    printf("points: n %zu, fx %.2f (%.2f), fy %.2f (%.2f), cx %.2f (%.2f), cy %.2f (%.2f), "
           "k1 %.4f (%.4f), RMS %.3f px\n", n, cam.fx, truth.fx, cam.fy, truth.fy, cam.cx,
           truth.cx, cam.cy, truth.cy, cam.k1, truth.k1, rms);
    CHECK_NEAR("fx, relative", cam.fx / truth.fx, 1, 0.003);
    CHECK_NEAR("fy, relative", cam.fy / truth.fy, 1, 0.003);
    CHECK_NEAR("cx, px", cam.cx, truth.cx, 4);
    CHECK_NEAR("cy, px", cam.cy, truth.cy, 4);
    /* k1 and k2 trade against each other with 40 points: judge the whole model instead, by
     * projecting a 3-D grid over the control volume through both */
    double ss = 0;
    long ng = 0;
    for (int a = 0; a <= 10; a++)
        for (int b = 0; b <= 10; b++)
            for (int c = 0; c <= 5; c++) {
                kc_vec3 G = kc_v3(-1000 + 200.0 * a, -1000 + 200.0 * b, 300.0 * c);
                double p[2], q[2];
                if (!kc_camera_project(&truth, G, p) || !kc_camera_in_image(&truth, p, 0) ||
                    !kc_camera_project(&cam, G, q))
                    continue;
                ss += (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]);
                ng++;
            }
    printf("grid of %ld points: recovered vs true projection RMS %.3f px\n", ng,
           sqrt(ss / (double)ng));
    CHECK_NEAR("grid projection, recovered vs true, RMS px", sqrt(ss / (double)ng), 0, 0.3);
    double dc = kc_v3_norm(kc_v3_sub(kc_camera_centre(&cam), centre));
    double da = kc_v3_norm(kc_m3_to_rodrigues(kc_m3_mul(cam.R, kc_m3_transpose(truth.R))));
    printf("centre error %.2f mm, orientation error %.4f deg\n", dc, da * DEG);
    CHECK_NEAR("camera centre, mm", dc, 0, 5);
    CHECK_NEAR("orientation, deg", da * DEG, 0, 0.1);
    double expect = 0.2 * sqrt(1 - 12.0 / (2.0 * (double)n));
    CHECK_NEAR("RMS per coordinate vs the noise", rms, expect, 0.25 * expect);
    /* errors */
    kc_camera c2 = cam;
    CHECK("5 points -> KC_EINVAL", kc_points_calibrate_camera(&c2, X, uv, 5, &rms) == KC_EINVAL);
    double Xp[3 * 40];
    memcpy(Xp, X, sizeof Xp);
    for (size_t i = 0; i < n; i++)
        Xp[3 * i + 2] = 0;   /* all on the floor */
    CHECK("coplanar -> KC_EINVAL", kc_points_calibrate_camera(&c2, Xp, uv, n, &rms) == KC_EINVAL);
    return kc_test_summary("test_calib_points");
}
