/* Keypoint readers (OpenPose JSON, DeepLabCut CSV), layouts, observations from a choice of
 * people, and person association on synthetic calibrated views with a known answer.
 * Data files: KC_KP_DATA (tests/data/keypoints). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/associate.h"
#include "kinechain/keypoints.h"
#include "kinechain/linalg.h"
#include "kinechain/log.h"
#include "testutil.h"

static void test_layouts(void)
{
    kc_kp_layout l;
    size_t n;
    CHECK("BODY_25B parses", kc_kp_layout_parse("BODY_25B", &l) == KC_OK && l == KC_KP_BODY25B);
    CHECK("body25 parses", kc_kp_layout_parse("body25", &l) == KC_OK && l == KC_KP_BODY25);
    CHECK("coco parses", kc_kp_layout_parse("COCO", &l) == KC_OK && l == KC_KP_COCO);
    CHECK("body99 rejected", kc_kp_layout_parse("body99", &l) == KC_EINVAL);
    CHECK("long name rejected",
          kc_kp_layout_parse("body25bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", &l) == KC_EINVAL);
    const char *const *b = kc_kp_layout_names(KC_KP_BODY25B, &n);
    /* OpenPose poseParameters.cpp BODY_25B and Pose2Sim's mapping (SOURCE.md of the demo) */
    CHECK("BODY_25B has 25", n == 25);
    CHECK("BODY_25B 5 LShoulder, 12 RHip, 17 UpperNeck, 24 RHeel",
          !strcmp(b[5], "LShoulder") && !strcmp(b[12], "RHip") && !strcmp(b[17], "UpperNeck") &&
              !strcmp(b[24], "RHeel"));
    b = kc_kp_layout_names(KC_KP_BODY25, &n);
    CHECK("BODY_25: 25, 1 Neck, 8 MidHip, 21 LHeel", n == 25 && !strcmp(b[1], "Neck") &&
          !strcmp(b[8], "MidHip") && !strcmp(b[21], "LHeel"));
    b = kc_kp_layout_names(KC_KP_COCO, &n);
    CHECK("COCO: 18, 8 RHip, 17 LEar", n == 18 && !strcmp(b[8], "RHip") && !strcmp(b[17], "LEar"));
}

static int parse(const char *json, size_t K, kc_kp_frame *fr)
{
    return kc_kp_parse_openpose(json, strlen(json), "test", K, fr);
}

static void test_openpose_parse(void)
{
    kc_kp_frame fr;
    /* K = 2 keypoints for a readable document */
    const char *ok = "{\"version\":1.3,\"people\":[{\"person_id\":[-1],"
                     "\"pose_keypoints_2d\":[10.5,20.25,0.75,0,0,0]},"
                     "{\"pose_keypoints_2d\":[1,2,0.5,3.5,4.5,1]}]}";
    CHECK("two people parse", parse(ok, 2, &fr) == KC_OK);
    CHECK("two people", fr.n_people == 2);
    if (fr.n_people == 2) {
        CHECK_NEAR("person 0 x", fr.kp[0], 10.5, 0);
        CHECK_NEAR("person 0 y", fr.kp[1], 20.25, 0);
        CHECK_NEAR("person 0 c", fr.kp[2], 0.75, 0);
        CHECK_NEAR("person 1 keypoint 1 y (integer in JSON ok)", fr.kp[10], 4.5, 0);
        CHECK_NEAR("person 1 keypoint 1 c", fr.kp[11], 1, 0);
    }
    free(fr.kp);
    CHECK("no people", parse("{\"people\":[]}", 2, &fr) == KC_OK && fr.n_people == 0);
    free(fr.kp);
    kc_log_init("test_keypoints", KC_LOG_QUIET);   /* the error cases log */
    CHECK("wrong layout -> ESHAPE", parse(ok, 3, &fr) == KC_ESHAPE && fr.kp == NULL);
    CHECK("not JSON", parse("{\"people\":[", 2, &fr) == KC_EFORMAT);
    CHECK("no people array", parse("{\"persons\":[]}", 2, &fr) == KC_EFORMAT);
    CHECK("people not an array", parse("{\"people\":3}", 2, &fr) == KC_EFORMAT);
    CHECK("top-level array", parse("[1,2]", 2, &fr) == KC_EFORMAT);
    CHECK("person with other fields but no keypoints",
          parse("{\"people\":[{\"person_id\":[-1]}]}", 2, &fr) == KC_EFORMAT);
    kc_log_init("test_keypoints", KC_LOG_WARNING);
    /* Pose2Sim's association writes {} for a camera-frame without the person */
    CHECK("empty person object: nobody detected", parse("{\"people\":[{}]}", 2, &fr) == KC_OK &&
          fr.n_people == 1 && fr.kp[2] == 0 && fr.kp[5] == 0);
    free(fr.kp);
    kc_log_init("test_keypoints", KC_LOG_QUIET);
    CHECK("string value",
          parse("{\"people\":[{\"pose_keypoints_2d\":[1,2,\"a\",1,2,0.5]}]}", 2, &fr) ==
              KC_EFORMAT);
    CHECK("confidence > 1",
          parse("{\"people\":[{\"pose_keypoints_2d\":[1,2,1.5,1,2,0.5]}]}", 2, &fr) ==
              KC_EFORMAT);
    CHECK("negative confidence",
          parse("{\"people\":[{\"pose_keypoints_2d\":[1,2,-0.1,1,2,0.5]}]}", 2, &fr) ==
              KC_EFORMAT);
    kc_log_init("test_keypoints", KC_LOG_WARNING);
}

static void test_openpose_dir(const char *data)
{
    char path[1024];
    kc_kp_set *s = NULL;
    snprintf(path, sizeof path, "%s/pose_ok", data);
    CHECK("read pose_ok", kc_kp_read_openpose(path, KC_KP_BODY25B, &s) == KC_OK);
    if (!s)
        return;
    CHECK("2 cameras, 3 frames, 25 keypoints",
          s->n_cameras == 2 && s->n_frames == 3 && s->n_keypoints == 25);
    CHECK("camera names without _json", !strcmp(s->cameras[0].name, "cam01") &&
          !strcmp(s->cameras[1].name, "cam02"));
    CHECK("cam01 sees 2 people, cam02 1", s->cameras[0].frames[1].n_people == 2 &&
          s->cameras[1].frames[1].n_people == 1);
    /* generator (see tests/data/keypoints): person(seed=f) keypoint k x = 100.5 + 37.25k +
     * 13 f, keypoint 3 undetected */
    CHECK_NEAR("cam02 frame 2 keypoint 5 x", s->cameras[1].frames[2].kp[15], 100.5 + 37.25 * 5 + 26, 1e-9);
    CHECK_NEAR("keypoint 3 undetected", s->cameras[1].frames[2].kp[11], 0, 0);
    /* observations: person 0 everywhere, threshold 0.75 */
    int choice[6] = {0, 0, 1, 0, 0, 0};
    kc_obs *o = NULL;
    CHECK("to obs", kc_kp_to_obs(s, choice, 0.75, 60, &o) == KC_OK);
    if (o) {
        size_t F = 3, M = 25;
        CHECK("obs shape", o->n_cameras == 2 && o->n_frames == F && o->n_markers == M &&
              o->weights != NULL);
        /* conf of person(seed) keypoint k: 0.8 - 0.01 ((7k + seed) % 11) */
        size_t i = (0 * F + 0) * M + 0;   /* cam01 frame 0 kp 0: conf 0.8 */
        CHECK_NEAR("kept keypoint weight", o->weights[i], 0.8, 1e-12);
        CHECK_NEAR("kept keypoint x", o->points[2 * i], 100.5, 1e-12);
        i = (0 * F + 0) * M + 1;          /* kp 1: 0.8 - 0.07 = 0.73 < 0.75 */
        CHECK("below threshold -> NaN, weight 0", isnan(o->points[2 * i]) && o->weights[i] == 0);
        i = (0 * F + 0) * M + 3;
        CHECK("undetected -> NaN", isnan(o->points[2 * i + 1]) && o->weights[i] == 0);
        i = (0 * F + 2) * M + 0;          /* cam01 frame 2 person 1 = person(seed 7, 0.6) */
        CHECK("person 1 keypoint 0 (conf 0.6 - 0.07 = 0.53 < 0.75) missing",
              isnan(o->points[2 * i + 1]));
        kc_obs_free(o);
    }
    o = NULL;
    CHECK("to obs, threshold 0.3", kc_kp_to_obs(s, choice, 0.3, 60, &o) == KC_OK);
    if (o) {
        size_t i = (0 * 3 + 2) * 25 + 0;
        CHECK_NEAR("person 1 chosen: x", o->points[2 * i], 100.5 + 13 * 7, 1e-9);
        CHECK_NEAR("person 1 chosen: weight", o->weights[i], 0.53, 1e-12);
        kc_obs_free(o);
    }
    int badchoice[6] = {0, 0, 0, 1, 0, 0};   /* cam02 has only one person */
    kc_log_init("test_keypoints", KC_LOG_QUIET);
    CHECK("choice out of range", kc_kp_to_obs(s, badchoice, 0.3, 60, &o) == KC_EINVAL);
    CHECK("bad rate", kc_kp_to_obs(s, choice, 0.3, 0, &o) == KC_EINVAL);
    CHECK("bad threshold", kc_kp_to_obs(s, choice, 1.5, 60, &o) == KC_EINVAL);
    /* the user names a person */
    int ch[6];
    CHECK("fixed person 1", kc_assoc_fixed(s, 1, 0.3, ch) == KC_OK && ch[0] == 1 && ch[3] == -1);
    CHECK("auto without calibration: most confident (person 0, conf 0.8 > 0.6)",
          kc_assoc_fixed(s, -1, 0.3, ch) == KC_OK && ch[0] == 0 && ch[1] == 0 && ch[5] == 0);
    kc_kp_set_free(s);

    snprintf(path, sizeof path, "%s/pose_mismatch", data);
    s = NULL;
    CHECK("different frame counts rejected",
          kc_kp_read_openpose(path, KC_KP_BODY25B, &s) == KC_EFORMAT && !s);
    snprintf(path, sizeof path, "%s/pose_bad", data);
    CHECK("malformed JSON rejected", kc_kp_read_openpose(path, KC_KP_BODY25B, &s) == KC_EFORMAT);
    snprintf(path, sizeof path, "%s/pose_ok", data);
    CHECK("wrong layout rejected", kc_kp_read_openpose(path, KC_KP_COCO, &s) == KC_ESHAPE);
    snprintf(path, sizeof path, "%s/absent", data);
    CHECK("missing folder", kc_kp_read_openpose(path, KC_KP_COCO, &s) == KC_EIO);
    kc_log_init("test_keypoints", KC_LOG_WARNING);
}

static void test_dlc(const char *data)
{
    char path[1024];
    kc_kp_set *s = NULL;
    snprintf(path, sizeof path, "%s/dlc_ok", data);
    CHECK("read DLC folder", kc_kp_read_dlc(path, &s) == KC_OK);
    if (s) {
        CHECK("DLC: 2 cameras, 4 frames, 3 parts",
              s->n_cameras == 2 && s->n_frames == 4 && s->n_keypoints == 3);
        CHECK("DLC names", !strcmp(s->names[0], "snout") && !strcmp(s->names[2], "tailbase"));
        CHECK("DLC camera name", !strcmp(s->cameras[0].name, "camA_video"));
        /* row f, part k: x = 10.25 + 3.5 f + 40 k, likelihood 0.95 - 0.1 k - 0.05 f */
        const double *kp = s->cameras[1].frames[3].kp;
        CHECK_NEAR("DLC x", kp[3 * 2], 10.25 + 3.5 * 3 + 80, 1e-9);
        CHECK_NEAR("DLC likelihood", kp[3 * 2 + 2], 0.95 - 0.2 - 0.15, 1e-9);
        CHECK_NEAR("DLC empty triplet -> confidence 0", s->cameras[0].frames[2].kp[3 + 2], 0, 0);
        kc_kp_set_free(s);
    }
    s = NULL;
    snprintf(path, sizeof path, "%s/dlc_multi.csv", data);
    CHECK("read multi-animal DLC", kc_kp_read_dlc(path, &s) == KC_OK);
    if (s) {
        CHECK("multi: 2 people, 2 parts, 2 frames", s->n_keypoints == 2 && s->n_frames == 2 &&
              s->cameras[0].frames[1].n_people == 2);
        CHECK_NEAR("multi: ind2 tail x frame 1", s->cameras[0].frames[1].kp[9], 8, 1e-12);
        kc_kp_set_free(s);
    }
    kc_log_init("test_keypoints", KC_LOG_QUIET);
    snprintf(path, sizeof path, "%s/bad_dlc_row.csv", data);
    s = NULL;
    CHECK("short DLC row rejected", kc_kp_read_dlc(path, &s) == KC_EFORMAT && !s);
    kc_kp_camera cam = {0};
    size_t F, K;
    char **names;
    const char *notdlc = "a,b,c\n1,2,3\n";
    CHECK("not DLC", kc_kp_parse_dlc(notdlc, strlen(notdlc), "t", &cam, &F, &names, &K) ==
          KC_EFORMAT);
    const char *nonum = "scorer,s,s,s\nbodyparts,a,a,a\ncoords,x,y,likelihood\n0,1,zz,0.5\n";
    CHECK("non-number", kc_kp_parse_dlc(nonum, strlen(nonum), "t", &cam, &F, &names, &K) ==
          KC_EFORMAT);
    const char *hdr = "scorer,s,s,s\nbodyparts,a,a,a\ncoords,x,y,likelihood\n";
    CHECK("no frames", kc_kp_parse_dlc(hdr, strlen(hdr), "t", &cam, &F, &names, &K) ==
          KC_EFORMAT);
    kc_log_init("test_keypoints", KC_LOG_WARNING);
}

/* A camera at centre looking at target, image y pointing down (world Z up). */
static kc_camera look_at(const char *name, kc_vec3 centre, kc_vec3 target)
{
    kc_camera c;
    memset(&c, 0, sizeof c);
    snprintf(c.name, sizeof c.name, "%s", name);
    c.fx = 1100;
    c.fy = 1098;
    c.cx = 955.5;
    c.cy = 541.25;
    c.k1 = -0.04;
    c.k2 = 0.01;
    c.width = 1920;
    c.height = 1080;
    kc_vec3 z = kc_v3_unit(kc_v3_sub(target, centre));
    kc_vec3 x = kc_v3_unit(kc_v3_cross(z, kc_v3(0, 0, 1)));
    kc_vec3 y = kc_v3_cross(z, x);
    c.R = kc_m3_transpose(kc_m3_from_cols(x, y, z));
    c.t = kc_v3_scale(kc_m3_apply(c.R, centre), -1);
    return c;
}

/* Person A near the origin, person B shifted by 1.6 m: 25 keypoints each. */
static kc_vec3 body(int who, size_t k, size_t f)
{
    double s = (double)k;
    kc_vec3 p = kc_v3(210 * sin(1.7 * s) + 3.0 * (double)f, 160 * cos(1.3 * s),
                      120 + 68 * s);
    return who ? kc_v3_add(p, kc_v3(1600, -700, 30)) : p;
}

static void test_association(void)
{
    kc_camera cams[3];
    const char *names[3] = {"c0", "c1", "c2"};
    double ang[3] = {0.2, 1.9, 4.0};
    for (int i = 0; i < 3; i++)
        cams[i] = look_at(names[i], kc_v3(4200 * cos(ang[i]), 4200 * sin(ang[i]), 1100),
                          kc_v3(300, -200, 900));
    for (int i = 0; i < 3; i++)
        CHECK("synthetic camera valid", kc_camera_check(&cams[i]) == KC_OK);
    /* frames: 0: c0 sees [B, A], c1 [A, B], c2 [A];  1: c0 [A], c1 [B] only, c2 [A];
     *         2: c0 [B, A] with B more confident, c1 [B, A], c2 [A, B]                 */
    enum { F = 3, K = 25 };
    const int who[3][3][2] = {{{1, 0}, {0, 1}, {0, -1}},
                              {{0, -1}, {1, -1}, {0, -1}},
                              {{1, 0}, {1, 0}, {0, 1}}};
    kc_kp_set *s = calloc(1, sizeof *s);
    s->n_cameras = 3;
    s->n_frames = F;
    s->n_keypoints = K;
    s->names = calloc(K, sizeof *s->names);
    for (size_t k = 0; k < K; k++) {
        char b[16];
        snprintf(b, sizeof b, "kp%zu", k);
        s->names[k] = strdup(b);
    }
    s->cameras = calloc(3, sizeof *s->cameras);
    unsigned rng = 12345;
    for (int c = 0; c < 3; c++) {
        s->cameras[c].name = strdup(names[c]);
        s->cameras[c].frames = calloc(F, sizeof *s->cameras[c].frames);
        for (size_t f = 0; f < F; f++) {
            kc_kp_frame *fr = &s->cameras[c].frames[f];
            fr->n_people = who[f][c][1] < 0 ? 1 : 2;
            fr->kp = calloc(fr->n_people * K * 3, sizeof *fr->kp);
            for (size_t p = 0; p < fr->n_people; p++)
                for (size_t k = 0; k < K; k++) {
                    double uv[2];
                    bool front = kc_camera_project(&cams[c], body(who[f][c][p], k, f), uv);
                    rng = rng * 1103515245u + 12345u;
                    double noise = ((double)(rng >> 16 & 0x7fff) / 32767.0 - 0.5) * 3.0;
                    double *v = fr->kp + (p * K + k) * 3;
                    v[0] = uv[0] + noise;
                    v[1] = uv[1] - 0.7 * noise;
                    /* the wrong person is the more confident one where it comes first */
                    v[2] = front ? (who[f][c][p] == 1 ? 0.9 : 0.6) - 0.01 * (double)(k % 5) : 0;
                    if (k == 7)
                        v[2] = 0.1;   /* below threshold: ignored */
                }
        }
    }
    kc_assoc_params p = kc_assoc_default_params();
    int choice[3 * F];
    kc_assoc_stats st;
    CHECK("associate", kc_assoc_choose(s, cams, &p, choice, &st) == KC_OK);
    /* person A's index per camera-frame, -1 where the camera sees only B */
    int want[3][F];
    for (int c = 0; c < 3; c++)
        for (size_t f = 0; f < F; f++) {
            want[c][f] = -1;
            for (int q = 0; q < 2; q++)
                if (who[f][c][q] == 0)
                    want[c][f] = q;
        }
    for (int c = 0; c < 3; c++)
        for (size_t f = 0; f < F; f++) {
            char what[64];
            snprintf(what, sizeof what, "camera %d frame %zu picks person A", c, f);
            if (!CHECK(what, choice[c * F + f] == want[c][f]))
                printf("  got %d want %d\n", choice[c * F + f], want[c][f]);
        }
    CHECK("2 frames with a choice", st.frames_with_choice == 2);
    CHECK("one camera-frame dropped (c1 frame 1 sees only B)", st.camera_frames_dropped == 1);
    /* a deliberately confusing cap is still deterministic: same answer twice */
    int again[3 * F];
    CHECK("associate again", kc_assoc_choose(s, cams, &p, again, NULL) == KC_OK &&
          memcmp(choice, again, sizeof again) == 0);
    /* max_combinations 1: every camera keeps its most confident person (B where it is) */
    p.max_combinations = 1;
    CHECK("associate, 1 combination", kc_assoc_choose(s, cams, &p, again, NULL) == KC_OK);
    /* c0 and c1 keep B, c2 has only A: c2, the worst against the others, is dropped */
    CHECK("1 combination: c0 frame 0 keeps its most confident (B, index 0)", again[0] == 0);
    if (!CHECK("1 combination: c2 frame 0 dropped", again[2 * F] == -1))
        printf("  frame 0: c0 %d c1 %d c2 %d\n", again[0], again[F], again[2 * F]);
    p = kc_assoc_default_params();
    p.cap_px = -1;
    kc_log_init("test_keypoints", KC_LOG_QUIET);
    CHECK("bad params", kc_assoc_choose(s, cams, &p, again, NULL) == KC_EINVAL);
    kc_log_init("test_keypoints", KC_LOG_WARNING);
    kc_kp_set_free(s);
}

int main(void)
{
    kc_log_init("test_keypoints", KC_LOG_WARNING);
    const char *data = getenv("KC_KP_DATA");
    test_layouts();
    test_openpose_parse();
    if (CHECK("KC_KP_DATA set (tests/data/keypoints)", data != NULL)) {
        test_openpose_dir(data);
        test_dlc(data);
    }
    test_association();
    return kc_test_summary("test_keypoints");
}
