/* libFuzzer target of the keypoint readers: OpenPose JSON (BODY_25/25B and COCO sizes) and
 * DeepLabCut CSV on the same bytes — no crash, hang, out-of-bounds read or leak on any
 * input; errors are expected and silent. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kinechain/keypoints.h"
#include "kinechain/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        kc_log_init("fuzz_keypoints", KC_LOG_QUIET);
        init = 1;
    }
    const char *buf = (const char *)data;
    kc_kp_frame fr;
    if (kc_kp_parse_openpose(buf, size, "fuzz", size % 2 ? 18 : 25, &fr) == KC_OK)
        free(fr.kp);
    kc_kp_camera cam = {0};
    size_t F = 0, K = 0;
    char **names = NULL;
    if (kc_kp_parse_dlc(buf, size, "fuzz", &cam, &F, &names, &K) == KC_OK) {
        for (size_t f = 0; f < F; f++)
            free(cam.frames[f].kp);
        free(cam.frames);
        for (size_t k = 0; k < K; k++)
            free(names[k]);
        free(names);
    }
    return 0;
}
