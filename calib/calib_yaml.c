/* OpenCV FileStorage YAML calibrations in EasyMocap's multi-camera layout (import with
 * libyaml's document loader, export by hand in the form OpenCV's FileStorage reads):
 *
 *   %YAML:1.0
 *   ---
 *   names: [ "cam_01", ... ]
 *   K_cam_01: !!opencv-matrix {rows: 3, cols: 3, dt: d, data: [...]}
 *   dist_cam_01: !!opencv-matrix (1x5 or 1x4; 5x1 and 4x1 accepted)
 *   Rot_cam_01: 3x3 world -> camera rotation   (or R_cam_01: its Rodrigues vector, 3x1)
 *   T_cam_01: 3x1 translation (x_c = R·X + T; EasyMocap: metres)
 *   W_cam_01, H_cam_01: image width and height, px
 *
 * EasyMocap keeps intrinsics (names, K_, dist_, H_, W_) and extrinsics (names, R_, Rot_, T_)
 * in intri.yml and extri.yml; both concatenated into one file are read as one (documents
 * are merged; a key given twice must not differ). OpenCV writes the non-standard directive
 * "%YAML:1.0", which libyaml refuses: such lines are blanked before parsing.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "calibio.h"
#include "kinechain/atomic.h"
#include "kinechain/log.h"

typedef struct ydocs {
    yaml_document_t *d;
    size_t n;
} ydocs;

static void ydocs_free(ydocs *y)
{
    for (size_t i = 0; i < y->n; i++)
        yaml_document_delete(&y->d[i]);
    free(y->d);
    y->d = NULL;
    y->n = 0;
}

/* The value node of key in the root mapping of any document (first one found); doc out. */
static yaml_node_t *find_key(ydocs *y, const char *key, yaml_document_t **doc)
{
    for (size_t i = 0; i < y->n; i++) {
        yaml_document_t *d = &y->d[i];
        yaml_node_t *root = yaml_document_get_root_node(d);
        if (!root || root->type != YAML_MAPPING_NODE)
            continue;
        for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
             pr < root->data.mapping.pairs.top; pr++) {
            yaml_node_t *k = yaml_document_get_node(d, pr->key);
            if (k && k->type == YAML_SCALAR_NODE &&
                strlen(key) == k->data.scalar.length &&
                !memcmp(k->data.scalar.value, key, k->data.scalar.length)) {
                *doc = d;
                return yaml_document_get_node(d, pr->value);
            }
        }
    }
    return NULL;
}

static int scalar_num(const yaml_node_t *n, double *out)
{
    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.length == 0 ||
        n->data.scalar.length > 63)
        return KC_ETYPE;
    char buf[64];
    memcpy(buf, n->data.scalar.value, n->data.scalar.length);
    buf[n->data.scalar.length] = '\0';
    for (char *q = buf; *q; q++)
        if (!strchr("0123456789+-.eE", *q))
            return KC_ETYPE;   /* no hex, inf, nan */
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (*end || errno == ERANGE || !isfinite(d))
        return KC_ETYPE;
    *out = d;
    return KC_OK;
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
    if (!m || m->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *k = yaml_document_get_node(d, pr->key);
        if (k && k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
            !memcmp(k->data.scalar.value, key, k->data.scalar.length))
            return yaml_document_get_node(d, pr->value);
    }
    return NULL;
}

/* A matrix of exactly `count` numbers: an opencv-matrix mapping (rows*cols == count, or a
 * plain sequence. n_out: how many were read (for dist: 4 or 5 allowed via count2). */
static int get_numbers(const char *path, ydocs *y, const char *key, size_t count,
                       size_t count2, double *out, size_t *n_out, int required)
{
    yaml_document_t *d = NULL;
    yaml_node_t *n = find_key(y, key, &d);
    if (!n) {
        if (!required)
            return KC_EMISSING;
        KC_ERROR("\"%s\": no \"%s\"", path, key);
        return KC_EMISSING;
    }
    yaml_node_t *data = n;
    double rows = -1, cols = -1;
    if (n->type == YAML_MAPPING_NODE) {
        data = map_get(d, n, "data");
        if (scalar_num(map_get(d, n, "rows"), &rows) || scalar_num(map_get(d, n, "cols"), &cols)
            || !data) {
            KC_ERROR("\"%s\" line %zu: \"%s\" is not an opencv-matrix (rows, cols, data)", path,
                     n->start_mark.line + 1, key);
            return KC_EFORMAT;
        }
    }
    if (data->type != YAML_SEQUENCE_NODE) {
        KC_ERROR("\"%s\" line %zu: \"%s\" is not a list of numbers", path,
                 data->start_mark.line + 1, key);
        return KC_ETYPE;
    }
    size_t m = (size_t)(data->data.sequence.items.top - data->data.sequence.items.start);
    if ((m != count && m != count2) || (rows >= 0 && rows * cols != (double)m)) {
        KC_ERROR("\"%s\" line %zu: \"%s\" has %zu values (rows x cols %g x %g), expected %zu%s",
                 path, data->start_mark.line + 1, key, m, rows, cols, count,
                 count2 != count ? " or fewer" : "");
        return KC_ESHAPE;
    }
    for (size_t i = 0; i < m; i++) {
        yaml_node_t *it = yaml_document_get_node(d, data->data.sequence.items.start[i]);
        if (scalar_num(it, &out[i])) {
            KC_ERROR("\"%s\" line %zu: value %zu of \"%s\" is not a finite number", path,
                     it ? it->start_mark.line + 1 : 0, i + 1, key);
            return KC_ETYPE;
        }
    }
    *n_out = m;
    return KC_OK;
}

/* blank OpenCV's "%YAML:1.x" directive lines (libyaml wants "%YAML 1.1") */
static void blank_opencv_directive(char *text)
{
    for (char *q = text; q && *q;) {
        if (!strncmp(q, "%YAML:", 6))
            while (*q && *q != '\n')
                *q++ = ' ';
        q = strchr(q, '\n');
        if (q)
            q++;
    }
}

int kc_calibio_import_yaml(const char *path, const kc_calibio_params *p, kc_calib **out)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    kc_calib *c = NULL;
    ydocs y = {NULL, 0};
    yaml_parser_t parser;
    int parser_ok = 0;
    int st = kc_calibio_slurp(path, &text, &len);
    if (st)
        return st;
    blank_opencv_directive(text);
    st = KC_ENOMEM;
    if (!yaml_parser_initialize(&parser))
        goto fail;
    parser_ok = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            KC_ERROR("\"%s\" line %zu: not YAML (%s)", path, parser.problem_mark.line + 1,
                     parser.problem ? parser.problem : "parse error");
            st = KC_EFORMAT;
            goto fail;
        }
        if (!yaml_document_get_root_node(&doc)) {   /* end of the stream */
            yaml_document_delete(&doc);
            break;
        }
        yaml_document_t *nd = realloc(y.d, (y.n + 1) * sizeof *nd);
        if (!nd) {
            yaml_document_delete(&doc);
            st = KC_ENOMEM;
            goto fail;
        }
        y.d = nd;
        y.d[y.n++] = doc;
    }
    yaml_document_t *d = NULL;
    yaml_node_t *names = find_key(&y, "names", &d);
    if (!names || names->type != YAML_SEQUENCE_NODE ||
        names->data.sequence.items.top == names->data.sequence.items.start) {
        KC_ERROR("\"%s\": no \"names\" list of cameras (OpenCV YAML in EasyMocap's layout)",
                 path);
        st = names ? KC_ETYPE : KC_EMISSING;
        goto fail;
    }
    size_t C = (size_t)(names->data.sequence.items.top - names->data.sequence.items.start);
    st = KC_ENOMEM;
    if (!(c = kc_calib_alloc(C)))
        goto fail;
    snprintf(c->method, sizeof c->method, "import:yaml");
    for (size_t i = 0; i < C; i++) {
        yaml_node_t *nm = yaml_document_get_node(d, names->data.sequence.items.start[i]);
        if (!nm || nm->type != YAML_SCALAR_NODE || nm->data.scalar.length == 0 ||
            nm->data.scalar.length >= KC_CAM_NAME_MAX) {
            KC_ERROR("\"%s\": camera name %zu is not a string of 1 to %d bytes", path, i + 1,
                     KC_CAM_NAME_MAX - 1);
            st = KC_ETYPE;
            goto fail;
        }
        char name[KC_CAM_NAME_MAX], key[KC_CAM_NAME_MAX + 8];
        memcpy(name, nm->data.scalar.value, nm->data.scalar.length);
        name[nm->data.scalar.length] = '\0';
        double K[9], dist[5], R[9], rv[3], t[3], w, h;
        size_t nK, nd = 0, nR, nt;
        snprintf(key, sizeof key, "K_%s", name);
        if ((st = get_numbers(path, &y, key, 9, 9, K, &nK, 1)))
            goto fail;
        snprintf(key, sizeof key, "dist_%s", name);
        if ((st = get_numbers(path, &y, key, 5, 4, dist, &nd, 1)))
            goto fail;
        snprintf(key, sizeof key, "Rot_%s", name);
        st = get_numbers(path, &y, key, 9, 9, R, &nR, 0);
        if (st == KC_EMISSING) {
            snprintf(key, sizeof key, "R_%s", name);
            if ((st = get_numbers(path, &y, key, 3, 3, rv, &nR, 0))) {
                if (st == KC_EMISSING)
                    KC_ERROR("\"%s\": no \"Rot_%s\" or \"R_%s\" (the camera's rotation)", path,
                             name, name);
                goto fail;
            }
            kc_mat3 M = kc_m3_from_rodrigues(kc_v3(rv[0], rv[1], rv[2]));
            for (int k = 0; k < 9; k++)
                R[k] = M.m[k / 3][k % 3];
        } else if (st) {
            goto fail;
        }
        snprintf(key, sizeof key, "T_%s", name);
        if ((st = get_numbers(path, &y, key, 3, 3, t, &nt, 1)))
            goto fail;
        for (int k = 0; k < 3; k++)
            t[k] *= p->units_mm;
        yaml_document_t *dd;
        snprintf(key, sizeof key, "W_%s", name);
        yaml_node_t *wn = find_key(&y, key, &dd);
        snprintf(key, sizeof key, "H_%s", name);
        yaml_node_t *hn = find_key(&y, key, &dd);
        if (!wn || !hn) {
            KC_ERROR("\"%s\": no \"W_%s\" and \"H_%s\" (the image size in pixels)", path,
                     name, name);
            st = KC_EMISSING;
            goto fail;
        }
        if (scalar_num(wn, &w) || scalar_num(hn, &h)) {
            KC_ERROR("\"%s\" line %zu: \"W_%s\" and \"H_%s\" must be numbers (image size, px)",
                     path, wn->start_mark.line + 1, name, name);
            st = KC_ETYPE;
            goto fail;
        }
        if ((st = kc_calibio_set_camera(&c->cameras[i].cam, path, name, K, dist, nd, R, t, w, h)))
            goto fail;
        if (kc_calib_find(c, name) != (int)i) {
            KC_ERROR("\"%s\": camera \"%s\" appears twice in names", path, name);
            st = KC_EINVAL;
            goto fail;
        }
    }
    ydocs_free(&y);
    yaml_parser_delete(&parser);
    free(text);
    *out = c;
    return KC_OK;
fail:
    ydocs_free(&y);
    if (parser_ok)
        yaml_parser_delete(&parser);
    free(text);
    kc_calib_free(c);
    return st;
}

static void put_matrix(FILE *fp, const char *prefix, const char *name, int rows, int cols,
                       const double *v)
{
    fprintf(fp, "%s%s: !!opencv-matrix\n   rows: %d\n   cols: %d\n   dt: d\n   data: [ ",
            prefix, name, rows, cols);
    for (int i = 0; i < rows * cols; i++)
        fprintf(fp, "%s%.17g", i ? ", " : "", v[i]);
    fputs(" ]\n", fp);
}

int kc_calibio_export_yaml(const kc_calib *c, const char *path, const kc_calibio_params *p)
{
    for (size_t i = 0; i < c->n_cameras; i++)
        for (const char *q = c->cameras[i].cam.name; *q; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                  (*q >= '0' && *q <= '9') || *q == '_' || *q == '-')) {
                KC_ERROR("camera \"%s\": only letters, digits, '_' and '-' can make an OpenCV "
                         "YAML key (K_<name>); rename it or export TOML", c->cameras[i].cam.name);
                return KC_EINVAL;
            }
    kc_atomic_file af;
    int st = kc_atomic_fopen(&af, path);
    if (st)
        return st;
    FILE *fp = af.fp;
    fputs("%YAML:1.0\n---\nnames:\n", fp);
    for (size_t i = 0; i < c->n_cameras; i++) {
        if (c->cameras[i].excluded)
            KC_WARN("camera \"%s\" has status \"excluded\": left out of \"%s\"",
                    c->cameras[i].cam.name, path);
        else
            fprintf(fp, "   - \"%s\"\n", c->cameras[i].cam.name);
    }
    for (size_t i = 0; i < c->n_cameras; i++) {
        const kc_camera *k = &c->cameras[i].cam;
        if (c->cameras[i].excluded)
            continue;
        double K[9] = {k->fx, 0, k->cx, 0, k->fy, k->cy, 0, 0, 1};
        double D[5] = {k->k1, k->k2, k->p1, k->p2, k->k3};
        double R[9], t[3] = {k->t.x / p->units_mm, k->t.y / p->units_mm, k->t.z / p->units_mm};
        for (int j = 0; j < 9; j++)
            R[j] = k->R.m[j / 3][j % 3];
        kc_vec3 r = kc_m3_to_rodrigues(k->R);
        double rv[3] = {r.x, r.y, r.z};
        put_matrix(fp, "K_", k->name, 3, 3, K);
        put_matrix(fp, "dist_", k->name, 1, 5, D);
        put_matrix(fp, "Rot_", k->name, 3, 3, R);
        put_matrix(fp, "R_", k->name, 3, 1, rv);
        put_matrix(fp, "T_", k->name, 3, 1, t);
        fprintf(fp, "W_%s: %d\nH_%s: %d\n", k->name, k->width, k->name, k->height);
    }
    return kc_atomic_fclose(&af);
}
