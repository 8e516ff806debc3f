/* 2D keypoints of pose estimators: OpenPose JSON (through jansson) and DeepLabCut CSV, into
 * labelled observations. Layout names: see keypoints.h (OpenPose doc/02_output.md and
 * poseParameters.cpp). */
#include "kinechain/keypoints.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kinechain/log.h"

static const char *const body25[] = {
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist",
    "MidHip", "RHip", "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar",
    "LEar", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel"};
static const char *const body25b[] = {
    "Nose", "LEye", "REye", "LEar", "REar", "LShoulder", "RShoulder", "LElbow", "RElbow",
    "LWrist", "RWrist", "LHip", "RHip", "LKnee", "RKnee", "LAnkle", "RAnkle", "UpperNeck",
    "HeadTop", "LBigToe", "LSmallToe", "LHeel", "RBigToe", "RSmallToe", "RHeel"};
static const char *const coco[] = {
    "Nose", "Neck", "RShoulder", "RElbow", "RWrist", "LShoulder", "LElbow", "LWrist", "RHip",
    "RKnee", "RAnkle", "LHip", "LKnee", "LAnkle", "REye", "LEye", "REar", "LEar"};

int kc_kp_layout_parse(const char *s, kc_kp_layout *out)
{
    char buf[32];
    size_t n = 0;
    for (; *s; s++) {
        if (*s == '_' || *s == '-')
            continue;
        if (n + 1 >= sizeof buf)
            return KC_EINVAL;
        buf[n++] = (char)tolower((unsigned char)*s);
    }
    buf[n] = '\0';
    if (strcmp(buf, "body25") == 0)
        *out = KC_KP_BODY25;
    else if (strcmp(buf, "body25b") == 0)
        *out = KC_KP_BODY25B;
    else if (strcmp(buf, "coco") == 0 || strcmp(buf, "coco18") == 0)
        *out = KC_KP_COCO;
    else
        return KC_EINVAL;
    return KC_OK;
}

const char *const *kc_kp_layout_names(kc_kp_layout layout, size_t *n)
{
    switch (layout) {
    case KC_KP_BODY25: *n = sizeof body25 / sizeof *body25; return body25;
    case KC_KP_BODY25B: *n = sizeof body25b / sizeof *body25b; return body25b;
    case KC_KP_COCO: *n = sizeof coco / sizeof *coco; return coco;
    }
    *n = 0;
    return NULL;
}

static void camera_clear(kc_kp_camera *c, size_t n_frames)
{
    if (!c)
        return;
    free(c->name);
    if (c->frames)
        for (size_t f = 0; f < n_frames; f++)
            free(c->frames[f].kp);
    free(c->frames);
    for (size_t i = 0; i < c->n_files; i++)
        free(c->files[i]);
    free(c->files);
    memset(c, 0, sizeof *c);
}

void kc_kp_set_free(kc_kp_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_keypoints && s->names; i++)
        free(s->names[i]);
    free(s->names);
    for (size_t c = 0; c < s->n_cameras && s->cameras; c++)
        camera_clear(&s->cameras[c], s->n_frames);
    free(s->cameras);
    free(s);
}

/* ---- OpenPose JSON ------------------------------------------------------------------- */

int kc_kp_parse_openpose(const char *buf, size_t len, const char *what, size_t K,
                         kc_kp_frame *out)
{
    memset(out, 0, sizeof *out);
    json_error_t err;
    json_t *root = json_loadb(buf, len, 0, &err);
    if (!root) {
        KC_ERROR("cannot read \"%s\": not JSON (line %d: %s)", what, err.line, err.text);
        return KC_EFORMAT;
    }
    int st = KC_EFORMAT;
    json_t *people = json_is_object(root) ? json_object_get(root, "people") : NULL;
    if (!json_is_array(people)) {
        KC_ERROR("cannot read \"%s\": not OpenPose output (no \"people\" array)", what);
        goto done;
    }
    size_t P = json_array_size(people);
    if (P && !(out->kp = malloc(P * K * 3 * sizeof *out->kp))) {
        st = KC_ENOMEM;
        goto done;
    }
    for (size_t p = 0; p < P; p++) {
        json_t *person = json_array_get(people, p);
        json_t *arr = json_is_object(person) ? json_object_get(person, "pose_keypoints_2d")
                                             : NULL;
        if (json_is_object(person) && json_object_size(person) == 0) {
            /* Pose2Sim's person association writes {} for "nobody here": no keypoints */
            memset(out->kp + p * K * 3, 0, K * 3 * sizeof *out->kp);
            continue;
        }
        if (!json_is_array(arr)) {
            KC_ERROR("cannot read \"%s\": person %zu has no \"pose_keypoints_2d\" array", what,
                     p);
            goto done;
        }
        if (json_array_size(arr) != 3 * K) {
            KC_ERROR("cannot read \"%s\": person %zu has %zu pose_keypoints_2d values, the "
                     "layout needs %zu (%zu keypoints): another layout?", what, p,
                     json_array_size(arr), 3 * K, K);
            st = KC_ESHAPE;
            goto done;
        }
        double *kp = out->kp + p * K * 3;
        for (size_t i = 0; i < 3 * K; i++) {
            json_t *v = json_array_get(arr, i);
            double x = json_is_number(v) ? json_number_value(v) : NAN;
            if (!isfinite(x)) {
                KC_ERROR("cannot read \"%s\": person %zu, pose_keypoints_2d[%zu] is not a "
                         "finite number", what, p, i);
                goto done;
            }
            /* OpenPose confidences are in [0,1]; allow rounding in the last digit */
            if (i % 3 == 2 && (x < 0 || x > 1.0 + 1e-6)) {
                KC_ERROR("cannot read \"%s\": person %zu, keypoint %zu has confidence %g, "
                         "outside [0,1]", what, p, i / 3, x);
                goto done;
            }
            kp[i] = i % 3 == 2 && x > 1 ? 1 : x;
        }
    }
    out->n_people = P;
    st = KC_OK;
done:
    if (st) {
        free(out->kp);
        out->kp = NULL;
        out->n_people = 0;
    }
    json_decref(root);
    return st;
}

static int read_file(const char *path, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        KC_ERROR("cannot open \"%s\": %s", path, strerror(errno));
        return KC_EIO;
    }
    size_t cap = 0, n = 0;
    char *b = NULL;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            char *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                fclose(fp);
                return KC_ENOMEM;
            }
            b = nb;
        }
        size_t r = fread(b + n, 1, cap - n, fp);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) {
        KC_ERROR("cannot read \"%s\": read error", path);
        free(b);
        return KC_EIO;
    }
    *buf = b;
    *len = n;
    return KC_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p) {
        memcpy(p, dir, a);
        size_t k = a;
        if (a && dir[a - 1] != '/')
            p[k++] = '/';
        memcpy(p + k, name, b + 1);
    }
    return p;
}

static bool is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Entries of dir (sorted by strcmp, so independent of the locale): sub-folders when
 * want_dirs, else regular files ending in suffix. Full paths in *out. */
static int list_dir(const char *dir, bool want_dirs, const char *suffix, char ***out,
                    size_t *n)
{
    *out = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        KC_ERROR("cannot open folder \"%s\": %s", dir, strerror(errno));
        return KC_EIO;
    }
    char **v = NULL;
    size_t cnt = 0, cap = 0;
    int st = KC_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = join_path(dir, e->d_name);
        if (!p) {
            st = KC_ENOMEM;
            break;
        }
        bool keep = want_dirs ? is_dir(p) : (!is_dir(p) && ends_with(e->d_name, suffix));
        if (!keep) {
            free(p);
            continue;
        }
        if (cnt == cap) {
            cap = cap ? 2 * cap : 64;
            char **nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                free(p);
                st = KC_ENOMEM;
                break;
            }
            v = nv;
        }
        v[cnt++] = p;
    }
    closedir(d);
    if (st) {
        for (size_t i = 0; i < cnt; i++)
            free(v[i]);
        free(v);
        return st;
    }
    if (cnt)
        qsort(v, cnt, sizeof *v, cmp_str);
    *out = v;
    *n = cnt;
    return KC_OK;
}

static char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return strdup(s ? s + 1 : path);
}

static int set_names(kc_kp_set *s, const char *const *names, size_t K)
{
    if (!(s->names = calloc(K, sizeof *s->names)))
        return KC_ENOMEM;
    s->n_keypoints = K;
    for (size_t i = 0; i < K; i++)
        if (!(s->names[i] = strdup(names[i])))
            return KC_ENOMEM;
    return KC_OK;
}

int kc_kp_read_openpose(const char *dir, kc_kp_layout layout, kc_kp_set **out)
{
    *out = NULL;
    size_t K;
    const char *const *names = kc_kp_layout_names(layout, &K);
    if (!names)
        return KC_EINVAL;
    char **cams = NULL;
    size_t C = 0;
    char *buf = NULL;
    kc_kp_set *s = calloc(1, sizeof *s);
    int st = KC_ENOMEM;
    if (!s)
        goto fail;
    if ((st = set_names(s, names, K)) || (st = list_dir(dir, true, NULL, &cams, &C)))
        goto fail;
    if (C == 0) {
        KC_ERROR("cannot read \"%s\": no camera folders in it (OpenPose output is one "
                 "folder of JSON files per camera)", dir);
        st = KC_EFORMAT;
        goto fail;
    }
    st = KC_ENOMEM;
    if (!(s->cameras = calloc(C, sizeof *s->cameras)))
        goto fail;
    s->n_cameras = C;
    for (size_t c = 0; c < C; c++) {
        kc_kp_camera *cam = &s->cameras[c];
        st = KC_ENOMEM;
        if (!(cam->name = base_name(cams[c])))
            goto fail;
        size_t nl = strlen(cam->name);
        if (nl > 5 && ends_with(cam->name, "_json"))
            cam->name[nl - 5] = '\0';
        if ((st = list_dir(cams[c], false, ".json", &cam->files, &cam->n_files)))
            goto fail;
        if (cam->n_files == 0) {
            KC_ERROR("cannot read \"%s\": camera folder without JSON files", cams[c]);
            st = KC_EFORMAT;
            goto fail;
        }
        if (c == 0)
            s->n_frames = cam->n_files;
        if (cam->n_files != s->n_frames) {
            KC_ERROR("cannot read \"%s\": camera \"%s\" has %zu frames (JSON files) but "
                     "camera \"%s\" has %zu", dir, cam->name, cam->n_files,
                     s->cameras[0].name, s->n_frames);
            st = KC_EFORMAT;
            goto fail;
        }
        st = KC_ENOMEM;
        if (!(cam->frames = calloc(s->n_frames, sizeof *cam->frames)))
            goto fail;
        for (size_t f = 0; f < s->n_frames; f++) {
            size_t len;
            if ((st = read_file(cam->files[f], &buf, &len)) ||
                (st = kc_kp_parse_openpose(buf, len, cam->files[f], K, &cam->frames[f])))
                goto fail;
            free(buf);
            buf = NULL;
        }
    }
    for (size_t c = 0; c < C; c++)
        free(cams[c]);
    free(cams);
    *out = s;
    return KC_OK;
fail:
    free(buf);
    for (size_t c = 0; c < C; c++)
        free(cams[c]);
    free(cams);
    kc_kp_set_free(s);
    return st;
}

/* ---- DeepLabCut CSV ------------------------------------------------------------------ */

/* Split one line (no newline) at commas into fields (pointers into line, modified).
 * No quoting: DeepLabCut writes none (pandas quotes only fields holding commas, which
 * body-part names and numbers do not). */
static size_t split_commas(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return max + 1;
        fields[n++] = p;
        char *q = strchr(p, ',');
        if (!q)
            break;
        *q = '\0';
        p = q + 1;
    }
    return n;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

int kc_kp_parse_dlc(const char *buf, size_t len, const char *what, kc_kp_camera *cam,
                    size_t *n_frames, char ***names_out, size_t *K_out)
{
    *names_out = NULL;
    *K_out = 0;
    *n_frames = 0;
    char *text = malloc(len + 1);
    char **fields = NULL, **names = NULL;
    size_t K = 0, F = 0, capf = 0;
    kc_kp_frame *frames = NULL;
    int st = KC_ENOMEM;
    if (!text)
        goto fail;
    memcpy(text, buf, len);
    text[len] = '\0';
    if (memchr(text, '\0', len)) {
        KC_ERROR("cannot read \"%s\": not a DeepLabCut CSV (binary data)", what);
        st = KC_EFORMAT;
        goto fail;
    }
    /* count the columns of the first line to size the field array */
    size_t maxf = 1;
    for (const char *p = text; *p && *p != '\n'; p++)
        maxf += *p == ',';
    if (!(fields = malloc((maxf + 1) * sizeof *fields)))
        goto fail;
    char *line = text, *next;
    size_t row = 0, P = 1, ncol = maxf;
    int idx_bodyparts = -1, idx_coords = -1;
    st = KC_EFORMAT;
    for (; line && *line; line = next, row++) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        trim(line);
        if (*line == '\0')
            continue;
        size_t nf = split_commas(line, fields, maxf);
        if (nf != ncol) {
            KC_ERROR("cannot read \"%s\": row %zu has %zu columns, the header %zu", what,
                     row + 1, nf > maxf ? maxf + 1 : nf, ncol);
            goto fail;
        }
        if (idx_coords < 0) {   /* header rows */
            if (row == 0 && strcmp(fields[0], "scorer") != 0) {
                KC_ERROR("cannot read \"%s\": not a DeepLabCut CSV (the first row does not "
                         "start with \"scorer\")", what);
                goto fail;
            }
            if ((strcmp(fields[0], "individuals") == 0 || strcmp(fields[0], "bodyparts") == 0)
                && idx_bodyparts >= 0) {
                KC_ERROR("cannot read \"%s\": \"%s\" row after \"bodyparts\"", what,
                         fields[0]);
                goto fail;
            }
            if (strcmp(fields[0], "individuals") == 0) {
                /* individuals: count distinct consecutive runs */
                P = 0;
                for (size_t i = 1; i < ncol; i++)
                    if (i == 1 || strcmp(fields[i], fields[i - 1]) != 0)
                        P++;
            } else if (strcmp(fields[0], "bodyparts") == 0) {
                idx_bodyparts = (int)row;
                if ((ncol - 1) % 3 != 0 || ncol < 4) {
                    KC_ERROR("cannot read \"%s\": %zu data columns, not x,y,likelihood "
                             "triplets", what, ncol - 1);
                    goto fail;
                }
                size_t T = (ncol - 1) / 3;
                if (P == 0 || T % P != 0) {
                    KC_ERROR("cannot read \"%s\": %zu triplets for %zu individuals", what, T,
                             P);
                    goto fail;
                }
                K = T / P;
                st = KC_ENOMEM;
                if (!(names = calloc(K, sizeof *names)))
                    goto fail;
                for (size_t k = 0; k < K; k++)
                    if (!(names[k] = strdup(fields[1 + 3 * k])))
                        goto fail;
                st = KC_EFORMAT;
                for (size_t t = 0; t < T; t++)
                    if (strcmp(fields[1 + 3 * t], fields[2 + 3 * t]) != 0 ||
                        strcmp(fields[1 + 3 * t], fields[3 + 3 * t]) != 0 ||
                        strcmp(fields[1 + 3 * t], names[t % K]) != 0) {
                        KC_ERROR("cannot read \"%s\": body part columns are not x,y,"
                                 "likelihood triplets in the same order for every "
                                 "individual (column %zu)", what, 2 + 3 * t);
                        goto fail;
                    }
            } else if (strcmp(fields[0], "coords") == 0) {
                if (idx_bodyparts < 0) {
                    KC_ERROR("cannot read \"%s\": \"coords\" row before \"bodyparts\"", what);
                    goto fail;
                }
                for (size_t t = 0; t < (ncol - 1) / 3; t++)
                    if (strcmp(fields[1 + 3 * t], "x") || strcmp(fields[2 + 3 * t], "y") ||
                        strcmp(fields[3 + 3 * t], "likelihood")) {
                        KC_ERROR("cannot read \"%s\": coords are not x,y,likelihood "
                                 "(column %zu)", what, 2 + 3 * t);
                        goto fail;
                    }
                idx_coords = (int)row;
            } else if (row > 0) {
                KC_ERROR("cannot read \"%s\": unexpected header row \"%s\"", what, fields[0]);
                goto fail;
            }
            continue;
        }
        /* a data row */
        if (F == capf) {
            capf = capf ? 2 * capf : 256;
            kc_kp_frame *nfr = realloc(frames, capf * sizeof *nfr);
            st = KC_ENOMEM;
            if (!nfr)
                goto fail;
            frames = nfr;
            st = KC_EFORMAT;
        }
        kc_kp_frame *fr = &frames[F];
        fr->n_people = P;
        if (!(fr->kp = malloc(P * K * 3 * sizeof *fr->kp))) {
            st = KC_ENOMEM;
            goto fail;
        }
        F++;
        for (size_t i = 0; i < P * K * 3; i++) {
            const char *s = fields[1 + i];
            double v = 0;
            bool empty = *s == '\0';
            if (!empty) {
                char *end;
                errno = 0;
                v = strtod(s, &end);
                if (*end || errno || !isfinite(v)) {
                    KC_ERROR("cannot read \"%s\": row %zu column %zu: \"%s\" is not a number",
                             what, row + 1, i + 2, s);
                    goto fail;
                }
            }
            if (i % 3 == 2 && (v < 0 || v > 1.0 + 1e-6)) {
                KC_ERROR("cannot read \"%s\": row %zu column %zu: likelihood %g outside "
                         "[0,1]", what, row + 1, i + 2, v);
                goto fail;
            }
            fr->kp[i] = i % 3 == 2 && v > 1 ? 1 : v;
        }
        /* a triplet with an empty cell is undetected */
        for (size_t j = 0; j < P * K; j++)
            if (!*fields[1 + 3 * j] || !*fields[2 + 3 * j] || !*fields[3 + 3 * j])
                fr->kp[3 * j] = fr->kp[3 * j + 1] = fr->kp[3 * j + 2] = 0;
    }
    if (idx_coords < 0 || K == 0) {
        KC_ERROR("cannot read \"%s\": not a DeepLabCut CSV (no bodyparts/coords header rows)",
                 what);
        st = KC_EFORMAT;
        goto fail;
    }
    if (F == 0) {
        KC_ERROR("cannot read \"%s\": no frames after the header", what);
        st = KC_EFORMAT;
        goto fail;
    }
    cam->frames = frames;
    *n_frames = F;
    *names_out = names;
    *K_out = K;
    free(fields);
    free(text);
    return KC_OK;
fail:
    for (size_t f = 0; f < F; f++)
        free(frames[f].kp);
    free(frames);
    for (size_t k = 0; names && k < K; k++)
        free(names[k]);
    free(names);
    free(fields);
    free(text);
    return st;
}

int kc_kp_read_dlc(const char *path, kc_kp_set **out)
{
    *out = NULL;
    char **files = NULL, *buf = NULL, **names = NULL;
    size_t C = 0, K = 0;
    kc_kp_set *s = calloc(1, sizeof *s);
    int st = KC_ENOMEM;
    if (!s)
        goto fail;
    if (is_dir(path)) {
        if ((st = list_dir(path, false, ".csv", &files, &C)))
            goto fail;
        if (C == 0) {
            KC_ERROR("cannot read \"%s\": no .csv files in it", path);
            st = KC_EFORMAT;
            goto fail;
        }
    } else {
        st = KC_ENOMEM;
        if (!(files = malloc(sizeof *files)) || !(files[0] = strdup(path)))
            goto fail;
        C = 1;
    }
    st = KC_ENOMEM;
    if (!(s->cameras = calloc(C, sizeof *s->cameras)))
        goto fail;
    s->n_cameras = C;
    for (size_t c = 0; c < C; c++) {
        kc_kp_camera *cam = &s->cameras[c];
        size_t len, F;
        if ((st = read_file(files[c], &buf, &len)) ||
            (st = kc_kp_parse_dlc(buf, len, files[c], cam, &F, &names, &K)))
            goto fail;
        free(buf);
        buf = NULL;
        st = KC_ENOMEM;
        if (!(cam->name = base_name(files[c])) || !(cam->files = malloc(sizeof *cam->files)) ||
            !(cam->files[0] = strdup(files[c])))
            goto fail;
        cam->n_files = 1;
        char *dot = strstr(cam->name, "DLC");
        if (!dot || dot == cam->name)
            dot = strrchr(cam->name, '.');
        if (dot && dot != cam->name)
            *dot = '\0';
        if (c == 0) {
            s->names = names;
            s->n_keypoints = K;
            s->n_frames = F;
            names = NULL;
        } else {
            bool same = K == s->n_keypoints;
            for (size_t k = 0; same && k < K; k++)
                same = strcmp(names[k], s->names[k]) == 0;
            for (size_t k = 0; k < K; k++)
                free(names[k]);
            free(names);
            names = NULL;
            if (!same || F != s->n_frames) {
                KC_ERROR("cannot read \"%s\": camera \"%s\" has %zu frames and %zu body "
                         "parts, camera \"%s\" %zu and %zu (the same body parts are needed)",
                         path, cam->name, F, K, s->cameras[0].name, s->n_frames,
                         s->n_keypoints);
                /* frames of this camera are owned by it: free with its count */
                for (size_t f = 0; f < F; f++)
                    free(cam->frames[f].kp);
                free(cam->frames);
                cam->frames = NULL;
                st = KC_EFORMAT;
                goto fail;
            }
        }
    }
    for (size_t c = 0; c < C; c++)
        free(files[c]);
    free(files);
    *out = s;
    return KC_OK;
fail:
    free(buf);
    if (names) {
        for (size_t k = 0; k < K; k++)
            free(names[k]);
        free(names);
    }
    for (size_t c = 0; files && c < C; c++)
        free(files[c]);
    free(files);
    kc_kp_set_free(s);
    return st;
}

int kc_kp_rename_cameras(kc_kp_set *s, char *const *names)
{
    for (size_t c = 0; c < s->n_cameras; c++) {
        char *n = strdup(names[c]);
        if (!n)
            return KC_ENOMEM;
        free(s->cameras[c].name);
        s->cameras[c].name = n;
    }
    return KC_OK;
}

/* ---- to observations ----------------------------------------------------------------- */

int kc_kp_to_obs(const kc_kp_set *s, const int *choice, double min_confidence, double rate_hz,
                 kc_obs **out)
{
    *out = NULL;
    if (!(min_confidence >= 0 && min_confidence <= 1) || !(rate_hz > 0) || !isfinite(rate_hz))
        return KC_EINVAL;
    size_t C = s->n_cameras, F = s->n_frames, M = s->n_keypoints;
    for (size_t i = 0; i < C * F; i++)
        if (choice[i] < -1 || (choice[i] >= 0 &&
                               (size_t)choice[i] >= s->cameras[i / F].frames[i % F].n_people))
            return KC_EINVAL;
    kc_obs *o = kc_obs_alloc();
    if (!o)
        return KC_ENOMEM;
    o->rate_hz = rate_hz;
    snprintf(o->capture, sizeof o->capture, "trial");
    o->n_cameras = C;
    o->n_frames = F;
    o->n_markers = M;
    if (!(o->camera_names = calloc(C, sizeof *o->camera_names)) ||
        !(o->labels = calloc(M, sizeof *o->labels)) ||
        !(o->points = malloc(C * F * M * 2 * sizeof *o->points)) ||
        !(o->weights = malloc(C * F * M * sizeof *o->weights)))
        goto nomem;
    for (size_t c = 0; c < C; c++)
        if (!(o->camera_names[c] = strdup(s->cameras[c].name)))
            goto nomem;
    for (size_t m = 0; m < M; m++)
        if (!(o->labels[m] = strdup(s->names[m])))
            goto nomem;
    for (size_t c = 0; c < C; c++)
        for (size_t f = 0; f < F; f++) {
            int p = choice[c * F + f];
            const double *kp = p >= 0 ? s->cameras[c].frames[f].kp + (size_t)p * M * 3 : NULL;
            for (size_t m = 0; m < M; m++) {
                size_t i = (c * F + f) * M + m;
                double conf = kp ? kp[3 * m + 2] : 0;
                /* confidence 0 is OpenPose's "not detected" even with threshold 0 */
                if (kp && conf > 0 && conf >= min_confidence) {
                    o->points[2 * i] = kp[3 * m];
                    o->points[2 * i + 1] = kp[3 * m + 1];
                    o->weights[i] = conf;
                } else {
                    o->points[2 * i] = o->points[2 * i + 1] = NAN;
                    o->weights[i] = 0;
                }
            }
        }
    *out = o;
    return KC_OK;
nomem:
    kc_obs_free(o);
    return KC_ENOMEM;
}
