/* Bad inputs for kc-triangulate, made from a good calibration and trial:
 *   triangulate_make_bad CALIB OBS OUTDIR
 * writes into OUTDIR (one line per case on stdout: "NAME CALIB OBS"):
 *   names        observations whose camera names are not the calibration's
 *   singular     a calibration with a singular intrinsic matrix (fx = 0)
 *   nonfinite    a calibration with a NaN in a rotation matrix
 *   onecamera    observations of a single camera
 *   frames       observations whose /truth has one frame fewer than /points
 *   allnan       observations with every /points value NaN
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinechain/calibfile.h"
#include "kinechain/cli.h"
#include "kinechain/log.h"
#include "kinechain/obsfile.h"

static int emit(const char *name, const char *calib, const char *obs)
{
    return printf("%s %s %s\n", name, calib, obs) < 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: triangulate_make_bad CALIB OBS OUTDIR\n");
        return 1;
    }
    kc_cli cli;
    kc_cli_init(&cli, "triangulate_make_bad", argc, argv);
    const char *calib = argv[1], *obs = argv[2], *dir = argv[3];
    char c_path[600], o_path[600];
    int bad = 0;
    kc_calib *cal = NULL;
    kc_obs *o = NULL;

    /* camera names */
    if (kc_obs_read(obs, &o))
        return 1;
    free(o->camera_names[0]);
    o->camera_names[0] = strdup("nosuchcam");
    snprintf(o_path, sizeof o_path, "%s/names.obs.h5", dir);
    bad |= kc_obs_write(o_path, o, NULL) || emit("names", calib, o_path);
    kc_obs_free(o);

    /* singular and non-finite calibrations */
    if (kc_calib_read(calib, &cal))
        return 1;
    double fx = cal->cameras[1].cam.fx;
    cal->cameras[1].cam.fx = 0.0;
    snprintf(c_path, sizeof c_path, "%s/singular.calib.h5", dir);
    bad |= kc_calib_write(c_path, cal, NULL) || emit("singular", c_path, obs);
    cal->cameras[1].cam.fx = fx;
    cal->cameras[2].cam.R.m[1][2] = NAN;
    snprintf(c_path, sizeof c_path, "%s/nonfinite.calib.h5", dir);
    bad |= kc_calib_write(c_path, cal, NULL) || emit("nonfinite", c_path, obs);
    kc_calib_free(cal);

    /* one camera: keep only camera 0 (its points are the first block of [C,F,M,2]) */
    if (kc_obs_read(obs, &o))
        return 1;
    for (size_t c = 1; c < o->n_cameras; c++)
        free(o->camera_names[c]);
    if (o->centroids) {   /* drop the unlabelled form: not needed here */
        for (size_t c = 0; c < o->n_cameras; c++) {
            free(o->centroids[c].xy);
            free(o->centroids[c].offsets);
        }
        free(o->centroids);
        o->centroids = NULL;
    }
    o->n_cameras = 1;
    free(o->weights);
    o->weights = NULL;
    snprintf(o_path, sizeof o_path, "%s/onecamera.obs.h5", dir);
    bad |= kc_obs_write(o_path, o, NULL) || emit("onecamera", calib, o_path);
    kc_obs_free(o);

    /* frame counts that disagree */
    if (kc_obs_read(obs, &o))
        return 1;
    if (o->truth)   /* every /truth series is written with the shorter count */
        o->truth->n_frames = o->n_frames - 1;
    snprintf(o_path, sizeof o_path, "%s/frames.obs.h5", dir);
    bad |= kc_obs_write(o_path, o, NULL) || emit("frames", calib, o_path);
    kc_obs_free(o);

    /* all NaN */
    if (kc_obs_read(obs, &o))
        return 1;
    for (size_t i = 0; i < o->n_cameras * o->n_frames * o->n_markers * 2; i++)
        o->points[i] = NAN;
    snprintf(o_path, sizeof o_path, "%s/allnan.obs.h5", dir);
    bad |= kc_obs_write(o_path, o, NULL) || emit("allnan", calib, o_path);
    kc_obs_free(o);
    return bad ? 1 : 0;
}
