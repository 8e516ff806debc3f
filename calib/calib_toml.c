/* Calibration TOML files of Pose2Sim, anipose and Caliscope (import and export).
 *
 * Pose2Sim (calibration.py, toml_write) and anipose (aniposelib CameraGroup.dump) write one
 * table per camera: name, size [W, H], matrix K, distortions [k1, k2, p1, p2] (anipose:
 * five with k3), rotation = Rodrigues vector, translation, fisheye; plus [metadata].
 * Caliscope (camera_array.toml) writes [cameras.<cam_id>] with cam_id, size, matrix,
 * distortions (five), rotation as a 3x3 matrix, translation, ignore, rotation_count.
 * All use OpenCV's x_c = R·X + t. Pose2Sim and Caliscope write translations in metres;
 * anipose in the unit of its board (often mm): kc-calib import --units says which.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibio.h"
#include "kinechain/atomic.h"
#include "kinechain/log.h"

static const char *type_name(int type)
{
    switch (type) {
    case KC_TOML_NUMBER: return "a number";
    case KC_TOML_STRING: return "a string";
    case KC_TOML_BOOL: return "a boolean";
    case KC_TOML_ARRAY: return "an array";
    default: return "nothing";
    }
}

/* one line naming the file, the table and the key */
static int bad_key(const char *path, const kc_toml_table *tb, const char *key, const char *want)
{
    const kc_toml_value *v = kc_toml_get(tb, key);
    if (!v) {
        KC_ERROR("\"%s\": table [%s] (line %d) has no \"%s\" (%s)", path, tb->name, tb->line,
                 key, want);
        return KC_EMISSING;
    }
    int line = 0;
    for (size_t i = 0; i < tb->n; i++)
        if (&tb->kv[i].v == v)
            line = tb->kv[i].line;
    KC_ERROR("\"%s\" line %d: \"%s\" of [%s] is %s%s, expected %s", path, line, key, tb->name,
             type_name(v->type), v->type == KC_TOML_ARRAY ? " of another shape" : "", want);
    return v->type == KC_TOML_ARRAY ? KC_ESHAPE : KC_ETYPE;
}

/* a camera table: Pose2Sim/anipose when it has "matrix", Caliscope's [cameras.N] */
static int read_camera(const char *path, const kc_toml_table *tb, int caliscope,
                       const kc_calibio_params *p, kc_calib_camera *out)
{
    char name[KC_CAM_NAME_MAX + 16];
    const kc_toml_value *v;
    if (caliscope) {
        v = kc_toml_get(tb, "cam_id");
        if (!v || v->type != KC_TOML_NUMBER || v->num != floor(v->num) || fabs(v->num) > 1e9)
            return bad_key(path, tb, "cam_id", "an integer");
        snprintf(name, sizeof name, "cam_%ld", (long)v->num);
        v = kc_toml_get(tb, "rotation_count");
        if (v && !(v->type == KC_TOML_NUMBER && v->num == 0)) {
            KC_ERROR("\"%s\": camera [%s] has rotation_count other than 0 (images rotated by "
                     "Caliscope): not supported", path, tb->name);
            return KC_EINVAL;
        }
    } else {
        v = kc_toml_get(tb, "name");
        if (v && v->type != KC_TOML_STRING)
            return bad_key(path, tb, "name", "a string");
        snprintf(name, sizeof name, "%s", v ? v->str : tb->name);
        v = kc_toml_get(tb, "fisheye");
        if (v && v->type != KC_TOML_BOOL)
            return bad_key(path, tb, "fisheye", "true or false");
        if (v && v->num) {
            KC_ERROR("\"%s\": camera \"%s\" uses the fisheye model: not supported", path, name);
            return KC_EINVAL;
        }
    }
    double K[9], size[2], dist[5], R[9], t[3], rv[3];
    if (kc_toml_numbers(kc_toml_get(tb, "matrix"), 3, 3, K))
        return bad_key(path, tb, "matrix", "a 3x3 array of numbers");
    if (kc_toml_numbers(kc_toml_get(tb, "size"), 2, 0, size))
        return bad_key(path, tb, "size", "[width, height] in pixels");
    v = kc_toml_get(tb, "distortions");
    size_t nd = v && v->type == KC_TOML_ARRAY ? v->n : 0;
    if ((nd != 4 && nd != 5) || kc_toml_numbers(v, nd, 0, dist))
        return bad_key(path, tb, "distortions", "[k1, k2, p1, p2] or [k1, k2, p1, p2, k3]");
    v = kc_toml_get(tb, "rotation");
    if (!kc_toml_numbers(v, 3, 3, R)) {
        /* a matrix (Caliscope) */
    } else if (!kc_toml_numbers(v, 3, 0, rv)) {
        kc_mat3 M = kc_m3_from_rodrigues(kc_v3(rv[0], rv[1], rv[2]));
        for (int i = 0; i < 9; i++)
            R[i] = M.m[i / 3][i % 3];
    } else {
        return bad_key(path, tb, "rotation", "a Rodrigues vector [3] or a 3x3 matrix");
    }
    if (kc_toml_numbers(kc_toml_get(tb, "translation"), 3, 0, t))
        return bad_key(path, tb, "translation", "[x, y, z]");
    for (int i = 0; i < 3; i++)
        t[i] *= p->units_mm;
    int st = kc_calibio_set_camera(&out->cam, path, name, K, dist, nd, R, t, size[0], size[1]);
    if (st)
        return st;
    if (caliscope) {
        v = kc_toml_get(tb, "ignore");
        if (v && v->type != KC_TOML_BOOL)
            return bad_key(path, tb, "ignore", "true or false");
        out->excluded = v && v->num;
    }
    return KC_OK;
}

/* Caliscope's [cameras.N]: two keys, the first "cameras" (a quoted ["cameras.x"] is one key: a
 * Pose2Sim camera of that name, as our own export writes it) */
static int caliscope_table(const kc_toml_table *tb)
{
    return tb->n_keys == 2 && tb->head_len == 7 && !strncmp(tb->name, "cameras", 7);
}

int kc_calibio_import_toml(const char *path, const kc_calibio_params *p, kc_calib **out)
{
    *out = NULL;
    kc_toml *t = NULL;
    kc_calib *c = NULL;
    int st = kc_toml_read(path, &t);
    if (st)
        return st;
    /* which tables are cameras */
    size_t n = 0;
    int caliscope = 0;
    for (size_t a = 1; a < t->n; a++)
        if (caliscope_table(&t->tables[a]))
            caliscope = 1;
    for (size_t a = 1; a < t->n; a++) {
        const kc_toml_table *tb = &t->tables[a];
        if (caliscope ? caliscope_table(tb) : kc_toml_get(tb, "matrix") != NULL)
            n++;
    }
    st = KC_EMISSING;
    if (n == 0) {
        KC_ERROR("\"%s\" has no camera tables (a [name] table with \"matrix\", or Caliscope's "
                 "[cameras.N])", path);
        goto fail;
    }
    st = KC_ENOMEM;
    if (!(c = kc_calib_alloc(n)))
        goto fail;
    snprintf(c->method, sizeof c->method, "import:%s", caliscope ? "caliscope-toml" : "toml");
    size_t k = 0;
    for (size_t a = 1; a < t->n; a++) {
        const kc_toml_table *tb = &t->tables[a];
        if (!(caliscope ? caliscope_table(tb) : kc_toml_get(tb, "matrix") != NULL))
            continue;
        if ((st = read_camera(path, tb, caliscope, p, &c->cameras[k])))
            goto fail;
        if (kc_calib_find(c, c->cameras[k].cam.name) != (int)k) {  /* first match */
            KC_ERROR("\"%s\": camera \"%s\" appears twice", path, c->cameras[k].cam.name);
            st = KC_EINVAL;
            goto fail;
        }
        k++;
    }
    kc_toml_free(t);
    *out = c;
    return KC_OK;
fail:
    kc_toml_free(t);
    kc_calib_free(c);
    return st;
}

/* a TOML basic string: quotes, backslashes and control characters escaped */
static void put_string(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(fp, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", fp);
        else if (ch == '\t')
            fputs("\\t", fp);
        else if (ch == '\r')
            fputs("\\r", fp);
        else if (ch < 0x20)
            fputc('?', fp);   /* not representable with the escapes our reader accepts */
        else
            fputc(ch, fp);
    }
    fputc('"', fp);
}

static int bare_key(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

int kc_calibio_export_toml(const kc_calib *c, const char *path, const kc_calibio_params *p)
{
    kc_atomic_file af;
    int st = kc_atomic_fopen(&af, path);
    if (st)
        return st;
    FILE *fp = af.fp;
    /* %.17g: every double survives the round trip */
    for (size_t i = 0; i < c->n_cameras; i++) {
        const kc_camera *k = &c->cameras[i].cam;
        if (c->cameras[i].excluded) {
            KC_WARN("camera \"%s\" has status \"excluded\": left out of \"%s\"", k->name, path);
            continue;
        }
        fputc('[', fp);
        if (bare_key(k->name))
            fputs(k->name, fp);
        else
            put_string(fp, k->name);
        fputs("]\nname = ", fp);
        put_string(fp, k->name);
        fprintf(fp, "\nsize = [ %d.0, %d.0]\n", k->width, k->height);
        fprintf(fp, "matrix = [ [ %.17g, 0.0, %.17g], [ 0.0, %.17g, %.17g], [ 0.0, 0.0, 1.0]]\n",
                k->fx, k->cx, k->fy, k->cy);
        fprintf(fp, "distortions = [ %.17g, %.17g, %.17g, %.17g, %.17g]\n", k->k1, k->k2, k->p1,
                k->p2, k->k3);
        kc_vec3 r = kc_m3_to_rodrigues(k->R);
        fprintf(fp, "rotation = [ %.17g, %.17g, %.17g]\n", r.x, r.y, r.z);
        fprintf(fp, "translation = [ %.17g, %.17g, %.17g]\n", k->t.x / p->units_mm,
                k->t.y / p->units_mm, k->t.z / p->units_mm);
        fputs("fisheye = false\n\n", fp);
    }
    fprintf(fp, "[metadata]\nadjusted = false\nerror = %.17g\n",
            isfinite(c->rms_px) ? c->rms_px : 0.0);
    return kc_atomic_fclose(&af);
}
